"""RSS / Atom / JSON feeds followed into the corpus folder (``askcorpus feeds``).

The feeds followed and what was seen of them live in ``<corpus>/.askcorpus-feeds.json``
(hidden, so never indexed; nothing outside the corpus folder is written). A poll asks each
feed politely: a conditional GET (its ETag / Last-Modified), a size and time limit, one
request at a time with a pause between two requests to one host. Each new item's page is
fetched and saved as ``askcorpus add`` saves it, with the item's own date (its published,
else updated, else created date: the article's date, ``date_source`` "feed"); an item already
seen (its GUID or link), a page already saved (its URL) or an article already saved (its
content hash) is not saved again. Errors are recorded with the feed or item and retried at the
next poll; a poll never raises.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from .fetch import Fetched, FetchError, fetch, prepare, saved_urls, write_new

STATE = ".askcorpus-feeds.json"
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/xml", "text/xml",
              "application/rdf+xml", "application/feed+json", "application/json"}
MAX_ITEMS = 200  # per feed and poll: the newest first, as feeds list them
MAX_SEEN = 5000  # item keys kept per feed


@dataclass
class PollReport:
    saved: list[tuple[str, str]] = field(default_factory=list)  # (file name, title)
    skipped: int = 0  # items seen before, or pages / articles saved already
    unchanged: list[str] = field(default_factory=list)  # feeds answering 304
    errors: list[str] = field(default_factory=list)  # one line each, retried next poll


def _load(corpus: Path) -> dict[str, Any]:
    try:
        data = json.loads((corpus / STATE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"feeds": {}}
    except (OSError, ValueError):
        return {"feeds": {}}
    return data if isinstance(data, dict) and isinstance(data.get("feeds"), dict) \
        else {"feeds": {}}


def _store(corpus: Path, state: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".askcorpus-feeds-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(state, f, ensure_ascii=False, indent=1)
        os.replace(tmp, corpus / STATE)
    except BaseException:
        os.unlink(tmp)
        raise


def feeds(corpus: Path) -> dict[str, dict[str, Any]]:
    """URL -> what is known of every feed followed."""
    return _load(corpus)["feeds"]


def add(corpus: Path, url: str) -> bool:
    """Follow a feed; False if it was followed already."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise FetchError(f"{url}: not an http(s) URL")
    state = _load(corpus)
    if url in state["feeds"]:
        return False
    state["feeds"][url] = {"seen": [], "hashes": []}
    _store(corpus, state)
    return True


def remove(corpus: Path, url: str) -> bool:
    """Stop following a feed (the pages saved from it stay); False if it was not followed."""
    state = _load(corpus)
    if state["feeds"].pop(url, None) is None:
        return False
    _store(corpus, state)
    return True


class FeedItem(NamedTuple):
    key: str  # the item's GUID, else its link
    link: str
    date: str | None = None  # the item's own ISO 8601 day, None when it states none


def item_date(entry: Any, fields: tuple[str, ...] = ("published", "updated", "created")
              ) -> str | None:
    """An item's own day (``YYYY-MM-DD``): its published, else updated, else created date.
    The day as the feed writes it, in the feed's own time zone ("Tue, 05 Mar 2024 23:30:00
    -0500" is 5 March); a form only feedparser reads gives its ``*_parsed`` day (UTC)."""
    from datetime import date

    from .dates import MAX_YEAR, MIN_YEAR, normalise

    for name in fields:
        raw = entry.get(name)
        iso = normalise(raw) if isinstance(raw, str) else None
        if iso:
            return iso
        parsed = entry.get(f"{name}_parsed")
        try:
            d = date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday) if parsed else None
        except (AttributeError, TypeError, ValueError):
            d = None
        if d and MIN_YEAR <= d.year <= MAX_YEAR:
            return d.isoformat()
    return None


def items(body: bytes, content_type: str, url: str) -> list[FeedItem]:
    """The items of a feed, with their own dates. Raises FetchError."""
    if content_type in ("application/feed+json", "application/json"):
        try:
            data = json.loads(body)
            entries = data["items"]
            return [FeedItem(str(e.get("id") or e.get("url")), str(e["url"]),
                             item_date(e, ("date_published", "date_modified")))
                    for e in entries if isinstance(e, dict) and isinstance(e.get("url"), str)]
        except (ValueError, KeyError, TypeError, AttributeError):
            raise FetchError(f"{url}: not a valid JSON feed") from None
    import warnings

    import feedparser

    parsed = feedparser.parse(body)
    out = []
    for e in parsed.entries:
        link = next((x.get("href") for x in e.get("links", [])
                     if x.get("rel", "alternate") == "alternate" and x.get("href")),
                    e.get("link"))
        if link:
            with warnings.catch_warnings():  # feedparser's "updated falls back to published"
                warnings.simplefilter("ignore", DeprecationWarning)
                day = item_date(e)
            out.append(FeedItem(str(e.get("id") or link), str(link), day))
    if not out and (parsed.bozo or not parsed.get("version")):
        raise FetchError(f"{url}: not a valid RSS or Atom feed")
    return out


class _Polite:
    """One request at a time, at least ``delay`` seconds from the end of one request to a
    host to the start of the next."""

    def __init__(self, delay: float, sleep: Callable[[float], None] = time.sleep) -> None:
        self.delay, self.sleep = delay, sleep
        self.last: dict[str, float] = {}

    def fetch(self, url: str, **kw: Any) -> Fetched:
        host = urlsplit(url).hostname or ""
        if host in self.last:
            left = self.last[host] + self.delay - time.monotonic()
            if left > 0:
                self.sleep(left)
        try:
            return fetch(url, **kw)
        finally:
            self.last[host] = time.monotonic()


def poll(corpus: Path, *, max_bytes: int, timeout: float = 20.0, delay: float = 2.0,
         client: object = None) -> PollReport:
    """Fetch every feed once and save its new items' pages. Never raises for a feed's or
    a page's fault: each error is one line of the report, retried at the next poll."""
    state = _load(corpus)
    report = PollReport()
    polite = _Polite(delay)
    known = saved_urls(corpus)
    for url, feed in state["feeds"].items():
        try:
            _poll_feed(corpus, url, feed, known, report, polite, max_bytes, timeout, client)
            feed["last_error"] = None
        except FetchError as e:
            feed["last_error"] = str(e)
            report.errors.append(str(e))
        except Exception as e:  # a feed must never stop the others
            feed["last_error"] = f"{url}: {type(e).__name__}"
            report.errors.append(feed["last_error"])
        _store(corpus, state)
    return report


def _poll_feed(corpus: Path, url: str, feed: dict[str, Any], known: dict[str, str],
               report: PollReport, polite: _Polite, max_bytes: int, timeout: float,
               client: object) -> None:
    headers = {}
    if feed.get("etag"):
        headers["If-None-Match"] = feed["etag"]
    if feed.get("modified"):
        headers["If-Modified-Since"] = feed["modified"]
    got = polite.fetch(url, max_bytes=max_bytes, timeout=timeout, client=client,
                       headers=headers, types=FEED_TYPES | {"text/html"},
                       what="an RSS, Atom or JSON feed")
    if got.status == 304:
        report.unchanged.append(url)
        return
    if got.content_type == "text/html":
        raise FetchError(f"{url}: an HTML page, not a feed (use `askcorpus add` for pages)")
    entries = items(got.body, got.content_type, url)[:MAX_ITEMS]
    order: list[str] = list(feed.get("seen", []))
    seen, hashes = set(order), set(feed.get("hashes", []))
    for key, link, day in entries:
        if key in seen or link in known:
            report.skipped += 1
            continue
        try:
            page = polite.fetch(link, max_bytes=max_bytes, timeout=timeout, client=client)
            if page.final_url in known:
                report.skipped += 1
            else:
                name, data, doc = prepare(page, feed_date=day)
                if doc.id in hashes:
                    report.skipped += 1
                else:
                    write_new(corpus, name, data)
                    known[page.final_url] = name
                    hashes.add(doc.id)
                    report.saved.append((name, doc.title))
        except FetchError as e:
            report.errors.append(f"{url}: item {e}")
            if e.transient:
                continue  # not marked seen: tried again next poll
        seen.add(key)
        order.append(key)
    feed["seen"] = order[-MAX_SEEN:]
    feed["hashes"] = sorted(hashes)[-MAX_SEEN:]
    feed["etag"] = got.headers.get("etag")
    feed["modified"] = got.headers.get("last-modified")
    feed["polled_at"] = got.fetched_at


POLL_INTERVAL_S = 900.0  # `index --watch`, `serve --watch`: every 15 minutes


def poll_forever(corpus: Path, stop: threading.Event, *, max_bytes: int,
                 interval: float = POLL_INTERVAL_S, report: Callable[[PollReport], None]
                 = lambda r: None, delay: float = 2.0) -> None:
    """Poll the feeds now and then every ``interval`` seconds until ``stop`` is set (for a
    background thread of ``index --watch``: the pages it saves are folder changes, which the
    watch indexes). Never raises."""
    while not stop.is_set():
        try:
            if feeds(corpus):
                report(poll(corpus, max_bytes=max_bytes, delay=delay))
        except Exception as e:  # the state file or the folder went away: try again later
            report(PollReport(errors=[f"feeds: {type(e).__name__}: {e}"]))
        stop.wait(interval)


class FeedPoller:
    """:func:`poll_forever` in a daemon thread until :meth:`stop` (``index --watch`` and
    ``serve --watch`` run one beside their folder watch, which indexes the pages saved)."""

    def __init__(self, corpus: Path, *, max_bytes: int, interval: float = POLL_INTERVAL_S,
                 report: Callable[[PollReport], None] = lambda r: None,
                 delay: float = 2.0) -> None:
        if interval <= 0:
            raise ValueError(f"the feed poll interval must be positive, got {interval!r}")
        self.corpus = corpus
        self.max_bytes = max_bytes
        self.interval = interval
        self.delay = delay
        self._report = report
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.polls = 0  # polls finished, reported or not (tests wait on it)

    def _done(self, report: PollReport) -> None:
        try:
            self._report(report)
        finally:
            self.polls += 1

    def start(self) -> FeedPoller:
        if self._thread is None:
            self._thread = threading.Thread(
                target=poll_forever, args=(self.corpus, self._stop), name="askcorpus-feeds",
                kwargs={"max_bytes": self.max_bytes, "interval": self.interval,
                        "report": self._done, "delay": self.delay}, daemon=True)
            self._thread.start()
        return self

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the thread to stop and wait up to ``timeout`` s (a fetch under way may take
        longer: the daemon thread then ends with the process; every file it writes is
        written whole, under a temporary name first)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
