"""Web pages into the corpus folder (``askcorpus add URL``): fetched politely (httpx, a size
and a time limit, redirects followed only on the same host), read as indexing reads them (an
unfit page is refused with the reason), and saved as a file in the folder, which stays the
one source of truth. A saved page starts with one comment recording its URL and fetch time;
nothing outside the corpus folder is ever written, and no file is ever overwritten."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ..errors import CorpusError
from ..types import Document
from .formats import read as read_format
from .formats.html import SOURCE

USER_AGENT = "askcorpus (+https://github.com/askcorpus; one request per page)"
MAX_REDIRECTS = 5
PAGE_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html"}


class FetchError(CorpusError):
    """A page that is not added, with the reason; ``transient`` when a later try may work
    (timeouts, network errors, HTTP 5xx / 429)."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # as asked
    final_url: str  # after same-host redirects
    content_type: str
    body: bytes
    fetched_at: str  # ISO 8601, UTC
    status: int = 200  # 304: not modified since the conditional GET's ETag / date
    headers: dict[str, str] = field(default_factory=dict)


def fetch(url: str, *, max_bytes: int, timeout: float = 20.0, client: object = None,
          headers: dict[str, str] | None = None, types: Collection[str] = PAGE_TYPES,
          what: str = "a web page (save PDFs and other files into the corpus folder)"
          ) -> Fetched:
    """GET a page (``types``: the content types accepted; ``headers``: e.g. a conditional
    GET's). Raises FetchError with the reason (bad URL, another host, too large, another
    content type, HTTP error, timeout); ``transient`` errors are worth retrying later."""
    import httpx

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: not an http(s) URL")
    own = client is None
    http = httpx.Client(timeout=timeout, follow_redirects=False,
                        headers={"User-Agent": USER_AGENT}) if own else client
    try:
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            with http.stream("GET", current, headers=headers or {}) as r:  # type: ignore[attr-defined]
                if r.status_code == 304:
                    return Fetched(url, current, "", b"", _now(), 304, dict(r.headers))
                if r.status_code in (301, 302, 303, 307, 308) and r.headers.get("location"):
                    target = urljoin(current, r.headers["location"])
                    if urlsplit(target).hostname != parts.hostname:
                        raise FetchError(f"{url}: redirects to another host "
                                         f"({urlsplit(target).hostname}); add that URL instead")
                    current = target
                    continue
                if r.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {r.status_code}",
                                     transient=r.status_code >= 500 or r.status_code == 429)
                kind = r.headers.get("content-type", "").split(";")[0].strip().lower()
                if kind not in types:
                    raise FetchError(f"{url}: {kind or 'no content type'} is not {what}")
                size = int(r.headers.get("content-length") or 0)
                if size > max_bytes:
                    raise FetchError(f"{url}: {size:,} bytes, above the {max_bytes:,} limit")
                body = bytearray()
                for block in r.iter_bytes():
                    body += block
                    if len(body) > max_bytes:
                        raise FetchError(f"{url}: more than {max_bytes:,} bytes, above the "
                                         "limit")
                return Fetched(url, current, kind, bytes(body), _now(), r.status_code,
                               dict(r.headers))
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")
    except httpx.TimeoutException:
        raise FetchError(f"{url}: no answer within {timeout:g} s", transient=True) from None
    except httpx.HTTPError as e:
        raise FetchError(f"{url}: {type(e).__name__} ({str(e)[:120]})", transient=True) \
            from None
    finally:
        if own:
            http.close()


def saved_urls(corpus: Path) -> dict[str, str]:
    """URL -> file name of every page already saved at the top of the corpus folder."""
    found: dict[str, str] = {}
    for entry in os.scandir(corpus):
        if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
            with open(entry.path, "rb") as f:
                m = SOURCE.match(f.read(4096))
            if m:
                try:
                    found[json.loads(m.group(1))["url"]] = entry.name
                except (ValueError, KeyError, TypeError):
                    continue
    return found


def _name(url: str, ext: str) -> str:
    path = urlsplit(url).path.rstrip("/")
    stem = re.sub(r"[^\w-]+", "-", path.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-")[:60]
    host = re.sub(r"[^\w-]+", "-", urlsplit(url).hostname or "page").strip("-")[:40]
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    return f"{host}_{stem or 'index'}_{digest}{ext}"


def prepare(page: Fetched, *, feed_date: str | None = None) -> tuple[str, bytes, Document]:
    """The file name, bytes and article a fetched page would be saved as; raises FetchError
    with the reason when indexing would take no article from it. ``feed_date``: the day the
    feed item that linked the page states (ISO 8601), recorded with the page: its date."""
    ext = PAGE_TYPES[page.content_type]
    source: dict[str, str] = {"url": page.final_url, "fetched_at": page.fetched_at}
    if feed_date:
        source["feed_date"] = feed_date
    record = json.dumps(source, ensure_ascii=True).replace("--", "-\\u002d")
    data = b"<!-- askcorpus-source: " + record.encode() + b" -->\n" + page.body
    name = _name(page.final_url, ext)
    items = list(read_format(data, name))
    doc = next((d for d in items if isinstance(d, Document)), None)
    if doc is None:
        why = next((getattr(d, "reason", "") for d in items), "no article in it")
        raise FetchError(f"{page.url}: {why}")
    return name, data, doc


def write_new(corpus: Path, name: str, data: bytes) -> None:
    """Write ``corpus/name`` through a temporary file linked into place: it fails rather than
    replace a file, and leaves nothing half-written."""
    fd, tmp = tempfile.mkstemp(dir=corpus, prefix=".askcorpus-fetch-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, corpus / name)
    except FileExistsError:
        raise FetchError(f"{name} exists already") from None
    finally:
        os.unlink(tmp)


def save(corpus: Path, page: Fetched) -> tuple[str, Document]:
    """Save a fetched page in ``corpus`` if indexing would take an article from it. Returns
    the file name and the article; raises FetchError with the reason otherwise."""
    name, data, doc = prepare(page)
    write_new(corpus, name, data)
    return name, doc
