"""``askcorpus feeds``: feeds served by a local HTTP server on loopback (the tests never
reach outside this machine), news-like feeds built here whose items point at pages on that
server; the sample feeds of ../shared/data/web/feeds/ are parsed, never followed."""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from askcorpus.cli import main
from askcorpus.config import Settings
from askcorpus.corpus import feeds
from askcorpus.corpus.ingest import load_corpus
from tests.conftest import SHARED_DATA, start_live_app
from tests.corpus.test_html_main_text import LEAD, PAGE
from tests.fakes import FakeEmbedder, word_counter

SAMPLES = SHARED_DATA / "web" / "feeds"
RSS = "application/rss+xml"


def _rss(base: str, links: list[str]) -> bytes:
    items = "".join(f"<item><title>Item {n}</title><link>{base}{link}</link>"
                    f"<guid>{link}</guid></item>" for n, link in enumerate(links))
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>'
            f"<link>{base}/</link>{items}</channel></rss>").encode()


def _page(title: str, text: str) -> bytes:
    return PAGE.replace("Port strike halts grain exports", title).replace(LEAD, text).encode()


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[str, bytes]]] = {}
    log: ClassVar[list[tuple[str, float, str | None]]] = []

    def do_GET(self) -> None:
        self.log.append((self.path, time.monotonic(), self.headers.get("If-None-Match")))
        kind, body = self.routes.get(self.path, ("text/plain", b""))
        etag = f'"{hash(body)}"'
        if not body:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    html = "text/html; charset=utf-8"
    more = ("Farmers said grain was rotting in silos across the region as the stoppage went "
            "into its second week, and called on ministers to act.")
    _Handler.routes = {
        "/feed.rss": (RSS, _rss(base, ["/a", "/b", "/a-copy", "/gone"])),
        "/a": (html, _page("Port strike halts grain exports", LEAD)),
        "/b": (html, _page("Farmers warn of rotting grain", more)),
        "/a-copy": (html, _page("Port strike halts grain exports", LEAD)),  # same article
        "/page.html": (html, _page("Not a feed", LEAD)),
        "/broken.xml": ("application/xml", b"<rss><channel><item><title>x</wrong>"),
    }
    _Handler.log = []
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield base
    httpd.shutdown()
    httpd.server_close()


def _cli(corpus: Path, *args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["feeds", *args, "--corpus", str(corpus)])
    return r.exit_code, r.stdout, r.stderr


def test_follow_poll_and_no_duplicates(server: str, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    assert _cli(corpus, "add", f"{server}/feed.rss")[1].startswith("following")
    assert _cli(corpus, "add", f"{server}/feed.rss")[1].startswith("followed already")
    code, out, err = _cli(corpus, "poll", "--delay", "0.2")
    assert code == 0, err
    assert out.count("saved    ") == 2 and "2 saved, 1 seen before" in out  # /a-copy: a copy
    assert "HTTP 404" in err and "tried again next poll" not in out
    docs, skipped = load_corpus(corpus)
    assert skipped == [] and sorted(d.title for d in docs) == [
        "Farmers warn of rotting grain", "Port strike halts grain exports"]
    assert all(d.url and dict(d.extra).get("fetched_at") for d in docs)
    # polite: one host, at least the delay between two requests
    times = [t for _, t, _ in _Handler.log]
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(times)), (_Handler.log, times)
    # the next poll: a conditional GET, answered 304, nothing fetched again
    _Handler.log.clear()
    code, out, _err = _cli(corpus, "poll", "--delay", "0")
    assert code == 0 and "0 saved" in out and "1 feeds unchanged" in out, _err
    assert [(p, etag is not None) for p, _, etag in _Handler.log] == [("/feed.rss", True)]
    listed = json.loads(_cli(corpus, "list", "--json")[1])
    assert listed[0]["url"] == f"{server}/feed.rss" and listed[0]["items_seen"] == 4
    assert sorted(p.name for p in corpus.iterdir() if not p.name.endswith(".html")) == [
        feeds.STATE]  # nothing else written
    assert _cli(corpus, "remove", f"{server}/feed.rss")[1].startswith("removed")
    assert len(load_corpus(corpus)[0]) == 2  # the saved pages stay


def test_bad_feeds_are_errors_never_a_crash(server: str, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    for path in ("/page.html", "/broken.xml", "/missing.rss"):
        feeds.add(corpus, server + path)
    report = feeds.poll(corpus, max_bytes=2**20, delay=0)
    assert report.saved == [] and len(report.errors) == 3
    assert "an HTML page, not a feed" in report.errors[0]
    assert "not a valid RSS or Atom feed" in report.errors[1]
    assert report.errors[2].endswith("HTTP 404")
    assert all(f["last_error"] for f in feeds.feeds(corpus).values())
    with pytest.raises(feeds.FetchError, match="not an http"):
        feeds.add(corpus, "file:///etc/passwd")


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="no sample feeds")
@pytest.mark.parametrize("name, kind, first", [
    ("feed2.rss", RSS, ("7bd204c6-1655-4c27-aeee-53f933c5395f",
                        "http://www.example.com/blog/post/1")),
    ("feed1.atom", "application/atom+xml", ("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a",
                                            "http://example.org/2003/12/13/atom03")),
])
def test_sample_feeds_parse(name: str, kind: str, first: tuple[str, str]) -> None:
    got = feeds.items((SAMPLES / name).read_bytes(), kind, name)
    assert got[0][:2] == first


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="no sample feeds")
def test_sample_json_feed_parses() -> None:
    got = feeds.items((SAMPLES / "feed.json").read_bytes(), "application/feed+json", "x")
    assert got and all(i.link.startswith("http") for i in got)


def test_poll_forever_saves_until_stopped(server: str, tmp_path: Path) -> None:
    """What `index --watch` runs beside the watch: a poll now, then one per interval; the
    pages it saves are folder changes the watch indexes."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    feeds.add(corpus, f"{server}/feed.rss")
    stop, reports = threading.Event(), []
    t = threading.Thread(target=feeds.poll_forever, args=(corpus, stop), daemon=True,
                         kwargs={"max_bytes": 2**20, "interval": 0.2, "delay": 0,
                                 "report": reports.append})
    t.start()
    deadline = time.monotonic() + 20
    while len(reports) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    t.join(5)
    assert not t.is_alive()
    assert len(reports[0].saved) == 2 and reports[1].unchanged == [f"{server}/feed.rss"]


class _CountingFake(FakeEmbedder):
    """The fake embedder, and the fake word counter for the app that indexes with it."""

    count_tokens = staticmethod(word_counter)


def _wait(check: Callable[[], Any], what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_serve_watch_polls_the_followed_feeds(server: str, fake_settings: Settings) -> None:
    """`serve --watch` (and `app.py --watch`) polls the followed feeds as `index --watch`
    does: at start, then every interval; the watch indexes the pages saved, and the running
    chat answers from them. Closing the app stops the polling."""
    from askcorpus.pipeline import Pipeline

    corpus = fake_settings.corpus
    _Handler.routes["/one.rss"] = (RSS, _rss(server, ["/b"]))
    feeds.add(corpus, f"{server}/one.rss")
    app = start_live_app(fake_settings, pipeline=Pipeline(fake_settings, embedder=_CountingFake()),
                         ready_timeout=120, watch=True, watch_debounce_ms=300,
                         feed_interval_s=0.5)

    def titles() -> set[str]:
        stats = app.startup.stats(refresh=True) or {"articles": []}
        return {a["title"] for a in stats["articles"]}

    try:
        assert app.feeds is not None and app.feeds.running
        _wait(lambda: "Farmers warn of rotting grain" in titles(), "the first poll's page")
        answer = app.pipeline.ask("What is rotting in silos across the region?", mode="bm25")
        saved = {p.name for p in corpus.glob("*.html")}
        assert len(saved) == 1 and {q.doc.path for q in answer.quotes} & saved
        polls = app.feeds.polls
        _Handler.routes["/one.rss"] = (RSS, _rss(server, ["/b", "/a"]))  # a new item
        _wait(lambda: "Port strike halts grain exports" in titles(), "a later poll's page")
        assert app.feeds.polls > polls and len(list(corpus.glob("*.html"))) == 2
        assert app.startup.stats()["documents"] == 7 and app.watcher.error is None
        assert feeds.feeds(corpus)[f"{server}/one.rss"]["last_error"] is None
    finally:
        app.close()
    assert not app.feeds.running


def test_a_read_only_server_follows_no_feeds(server: str, fake_settings: Settings) -> None:
    """`serve --watch --read-only` never writes into the corpus folder: no feed is polled."""
    from askcorpus.pipeline import Pipeline

    corpus = fake_settings.corpus
    _Handler.routes["/ro.rss"] = (RSS, _rss(server, ["/b"]))
    feeds.add(corpus, f"{server}/ro.rss")
    app = start_live_app(fake_settings, pipeline=Pipeline(fake_settings, embedder=_CountingFake()),
                         ready_timeout=120, watch=True, watch_debounce_ms=300,
                         feed_interval_s=0.2, read_only=True)
    try:
        assert app.feeds is None and app.watcher is not None
        time.sleep(1.0)
        assert not list(corpus.glob("*.html"))
    finally:
        app.close()


def _atom(base: str, entries: list[tuple[str, str]]) -> bytes:
    """An Atom feed; each entry: (link, its date elements)."""
    body = "".join(f"<entry><title>Entry {n}</title><id>urn:x:{n}</id>"
                   f'<link rel="alternate" href="{base}{link}"/>{dates}</entry>'
                   for n, (link, dates) in enumerate(entries))
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Atom Gazette</title><id>urn:x:feed</id><updated>2024-04-01T00:00:00Z"
            f"</updated>{body}</feed>").encode()


def test_feed_items_are_dated_by_the_feed(server: str, tmp_path: Path) -> None:
    """An item's own date (RSS pubDate, Atom published, else updated) is the article's date,
    ``date_source`` "feed", before the date the page's metadata states (kept as page_date);
    an item without a date leaves the page's own date, as before."""
    html = "text/html; charset=utf-8"
    texts = {f"/d{n}": (f"Story {n}", f"Story number {n} says the harbour board met {w} to "
                        "discuss the dredging of the outer channel and the cost of it.")
             for n, w in enumerate(["on Monday", "on Tuesday", "at dawn", "at noon",
                                    "late at night", "in private"])}
    for path, (title, text) in texts.items():
        _Handler.routes[path] = (html, _page(title, text))
    # /d5: a page that states no date of its own
    _Handler.routes["/d5"] = (html, _page(*texts["/d5"]).replace(
        b'<meta property="article:published_time" content="2024-03-12T08:15:00Z">', b"").replace(
        b"/2024/03/12/", b"/"))
    items = "".join(f"<item><title>{t}</title><link>{server}{p}</link><guid>{p}</guid>{d}"
                    "</item>" for p, t, d in [
                        ("/d0", "Story 0", "<pubDate>Tue, 05 Mar 2024 23:30:00 -0500</pubDate>"),
                        ("/d1", "Story 1", ""),  # no date: the page's own
                        ("/d5", "Story 5", "<pubDate>Sat, 02 Mar 2024 09:00:00 GMT</pubDate>")])
    _Handler.routes["/dated.rss"] = (RSS, (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>'
        f"<link>{server}/</link>{items}</channel></rss>").encode())
    _Handler.routes["/dated.atom"] = ("application/atom+xml", _atom(server, [
        ("/d2", "<published>2024-02-28T22:00:00-08:00</published>"
                "<updated>2024-03-20T10:00:00Z</updated>"),
        ("/d3", "<updated>2024-03-01T10:00:00Z</updated>"),
        ("/d4", "")]))
    got = {i.link.removeprefix(server): i.date for i in feeds.items(
        _Handler.routes["/dated.rss"][1], RSS, "rss") + feeds.items(
        _Handler.routes["/dated.atom"][1], "application/atom+xml", "atom")}
    assert got == {"/d0": "2024-03-05", "/d1": None, "/d5": "2024-03-02",
                   "/d2": "2024-02-28", "/d3": "2024-03-01", "/d4": None}
    corpus = tmp_path / "c"
    corpus.mkdir()
    feeds.add(corpus, f"{server}/dated.rss")
    feeds.add(corpus, f"{server}/dated.atom")
    report = feeds.poll(corpus, max_bytes=2**20, delay=0)
    assert report.errors == [] and len(report.saved) == 6
    docs, skipped = load_corpus(corpus)
    assert skipped == []
    dated = {d.title: (d.date, d.date_source, dict(d.extra).get("page_date")) for d in docs}
    assert dated == {
        "Story 0": ("2024-03-05", "feed", "2024-03-12 (html meta)"),  # the feed's own day
        "Story 1": ("2024-03-12", "html meta", None),  # no item date: as before
        # the page states no date (htmldate guesses 1 January from its "© 2024"): the feed's
        "Story 5": ("2024-03-02", "feed", dated["Story 5"][2]),
        "Story 2": ("2024-02-28", "feed", "2024-03-12 (html meta)"),  # published, not updated
        "Story 3": ("2024-03-01", "feed", "2024-03-12 (html meta)"),
        "Story 4": ("2024-03-12", "html meta", None)}
    # the same page added by hand (`askcorpus add`) keeps the page's date
    from askcorpus.corpus.fetch import fetch, save

    other = tmp_path / "o"
    other.mkdir()
    _name, doc = save(other, fetch(f"{server}/d0", max_bytes=2**20))
    assert (doc.date, doc.date_source) == ("2024-03-12", "html meta")


def test_json_feed_items_are_dated() -> None:
    body = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [
        {"id": "1", "url": "http://x/1", "date_published": "2024-03-05T23:30:00-05:00"},
        {"id": "2", "url": "http://x/2", "date_modified": "2024-03-07T01:00:00Z"},
        {"id": "3", "url": "http://x/3", "date_published": "not a date"},
        {"id": "4", "url": "http://x/4"}]}).encode()
    assert [i.date for i in feeds.items(body, "application/feed+json", "x")] == [
        "2024-03-05", "2024-03-07", None, None]
