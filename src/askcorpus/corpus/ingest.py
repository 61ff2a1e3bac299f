"""Corpus folder -> Documents. Every file under the folder, recursively.

Formats: .txt, .md, .html/.htm (visible text), .json/.jsonl (one article per record).
Files that cannot be read as articles are skipped with a reason, never a crash.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import CorpusError
from ..types import Document, Skipped
from .parse import html_to_article, parse_article

TEXT_EXT = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md"}
HTML_EXT = {".html": "html", ".htm": "html"}
JSON_EXT = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
SUPPORTED = {**TEXT_EXT, **HTML_EXT, **JSON_EXT}

_TEXT_KEYS = ("text", "body", "content", "article", "maintext", "description", "summary")
_TITLE_KEYS = ("title", "headline", "name")
_OUTLET_KEYS = ("outlet", "source", "publisher", "site", "site_name", "source_domain")
_DATE_KEYS = ("date", "published", "published_at", "publishedAt", "date_publish", "pubdate",
              "datetime", "time")
_URL_KEYS = ("url", "link", "href")
_ID_KEYS = ("id", "_id", "newid", "doc_id", "uuid")


def doc_id(text: str, title: str = "") -> str:
    """A content hash: the same article (text and headline) has the same id wherever it lives."""
    data = f"{title}\x00{text}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:24]


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding). Raises ValueError for binary data."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                     (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                raise ValueError(f"invalid {enc} text") from None
    if b"\x00" in data[:8192]:
        found = _utf16_without_bom(data)
        if found is None:
            raise ValueError("binary file (NUL bytes)")
        return found
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if controls > len(sample) * 0.05:  # valid UTF-8, but mostly control bytes
            raise ValueError("binary file (control characters, not text)")
        return text, "utf-8"
    if controls > len(sample) * 0.01:
        raise ValueError("binary file (not text in any known encoding)")
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """Text saved as UTF-16 without a byte-order mark (mostly-Latin text: every other byte
    is NUL), or None for binary data."""
    sample = data[:8192]
    if len(data) % 2 or len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for zeros, other, enc in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= len(zeros) * 0.3 and other.count(0) == 0:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                return None
            head = text[:4096]
            if sum(1 for ch in head if ch < " " and ch not in "\t\n\f\r") <= len(head) * 0.01:
                return text, enc
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_TITLE_CHARS = 300  # metadata from a file or record is cut to these lengths
MAX_META_CHARS = 200
MAX_URL_CHARS = 2048
MAX_RECORD_SKIPS = 20  # per file: more bad records are summed up in one entry


def clean(value: str) -> str:
    """Lone surrogates (from JSON escapes like "\\ud800") -> U+FFFD: same length, so offsets
    into the text still hold, and the text can be stored as UTF-8."""
    return _SURROGATE.sub("\ufffd", value)


def _cap(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = clean(value)
    return value if len(value) <= limit else value[:limit - 1].rstrip() + "…"


def walk(root: Path) -> Iterator[tuple[Path, str, str | None]]:
    """``(path, relative POSIX path, reason)`` for every entry under ``root``, sorted, top-down.

    ``reason`` is None for a regular file to read, else why the entry is not read: symbolic
    links (never followed, files or folders), fifos, sockets and devices, folders that cannot
    be listed, names that are not valid UTF-8. Hidden entries (names starting with ".") are
    left out. Iterative, so folder depth is bounded only by the file system.
    """
    root = root.resolve()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted((e for e in it if not e.name.startswith(".")),
                                 key=lambda e: e.name)
        except OSError as e:
            if prefix:  # the root itself is checked by load_corpus
                yield folder, prefix.rstrip("/"), f"folder cannot be read ({_why(e)})"
            continue
        subfolders: list[tuple[Path, str]] = []
        for entry in entries:
            path = Path(entry.path)
            rel = prefix + entry.name
            if not _valid_name(entry.name):
                yield path, printable(rel), "file name is not valid UTF-8 (rename it)"
                continue
            try:
                if entry.is_symlink():
                    yield path, rel, "symbolic link (not followed)"
                elif entry.is_dir(follow_symlinks=False):
                    subfolders.append((path, rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    yield path, rel, None
                else:
                    yield path, rel, "not a regular file (fifo, socket or device)"
            except OSError as e:
                yield path, rel, f"unreadable ({_why(e)})"
        stack.extend(reversed(subfolders))


def iter_files(root: Path) -> Iterator[tuple[Path, str]]:
    """(absolute path, relative POSIX path) of every regular file, sorted, never following
    links."""
    for path, rel, reason in walk(root):
        if reason is None:
            yield path, rel


def printable(name: str) -> str:
    """A path as text that can be stored and shown (undecodable bytes as ``\\xNN``)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


def load_corpus(root: Path, *, max_file_mb: float = 20.0) -> tuple[list[Document], list[Skipped]]:
    """Read every article under ``root``. Identical articles become one Document."""
    if not root.exists():
        raise CorpusError(f"corpus folder {root} does not exist")
    if not root.is_dir():
        raise CorpusError(f"corpus path {root} is not a folder")
    try:
        os.listdir(root)
    except OSError as e:
        raise CorpusError(f"corpus folder {root} cannot be read ({_why(e)})") from None
    by_id: dict[str, Document] = {}
    skipped: list[Skipped] = []
    for path, rel, reason in walk(root):
        if reason is not None:
            skipped.append(Skipped(rel, reason))
            continue
        for item in read_file(path, rel, max_file_mb=max_file_mb):
            if isinstance(item, Skipped):
                skipped.append(item)
            elif item.id in by_id:
                first = by_id[item.id]
                where = rel if item.record is None else f"{rel}#{item.record}"
                by_id[item.id] = replace(first, paths=(*first.all_paths, where))
            else:
                by_id[item.id] = item
    return list(by_id.values()), skipped


class _Unreadable(Exception):
    """A file that is not read, with the reason."""


def _size(n: float) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 / 10 else f"{n / 1024:.1f} KB"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, at most ``max_bytes``; never follows a link, never blocks on a
    fifo, never reads past the limit. Raises _Unreadable with the reason."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        raise _Unreadable("permission denied") from None
    except OSError as e:
        if path.is_symlink():
            raise _Unreadable("symbolic link (not followed)") from None
        raise _Unreadable(f"unreadable ({_why(e)})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Unreadable("not a regular file (fifo, socket or device)")
        limit = f"above the {_size(max_bytes)} limit (ASKCORPUS_MAX_FILE_MB)"
        if st.st_size > max_bytes:
            raise _Unreadable(f"file is {_size(st.st_size)}, {limit}")
        parts: list[bytes] = []
        total = 0
        while True:
            block = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not block:
                break
            parts.append(block)
            total += len(block)
            if total > max_bytes:  # it grew while being read
                raise _Unreadable(f"file is more than {_size(max_bytes)}, {limit}")
        return b"".join(parts)
    except PermissionError:
        raise _Unreadable("permission denied") from None
    except OSError as e:
        raise _Unreadable(f"unreadable ({_why(e)})") from None
    finally:
        os.close(fd)


def read_file(path: Path, rel: str, *, max_file_mb: float = 20.0) -> Iterator[Document | Skipped]:
    kind = SUPPORTED.get(path.suffix.lower())
    if path.is_symlink():
        yield Skipped(rel, "symbolic link (not followed)")
        return
    if kind is None:
        yield Skipped(rel, f"unsupported file type {path.suffix or '(none)'}")
        return
    try:
        text, encoding = decode(read_bytes(path, int(max_file_mb * 1024 * 1024)))
    except _Unreadable as e:
        yield Skipped(rel, str(e))
        return
    except ValueError as e:
        yield Skipped(rel, str(e))
        return
    if kind in ("json", "jsonl"):
        if not text.strip():
            yield Skipped(rel, "no text")
            return
        found = False
        bad: list[Skipped] = []
        for item in _json_documents(text, rel, kind, encoding):
            found = True
            if isinstance(item, Skipped) and item.path != rel:
                bad.append(item)
                if len(bad) > MAX_RECORD_SKIPS:
                    continue
            yield item
        if len(bad) > MAX_RECORD_SKIPS:
            yield Skipped(rel, f"{len(bad) - MAX_RECORD_SKIPS} more records skipped "
                               f"(the first {MAX_RECORD_SKIPS} are listed)")
        if not found:
            yield Skipped(rel, "no articles in this file")
        return
    doc = _text_document(text, rel, kind, encoding)
    yield doc if isinstance(doc, Document) else Skipped(rel, doc)


def _text_document(text: str, rel: str, kind: str, encoding: str, **meta: Any) -> Document | str:
    url = meta.get("url")
    title, outlet, date = meta.get("title"), meta.get("outlet"), meta.get("date")
    if kind == "html":
        try:
            art = html_to_article(text)
        except Exception as e:  # html.parser is lenient, but not everywhere: skip, never crash
            return f"unreadable HTML ({type(e).__name__})"
        text = art.text
        title, outlet, date, url = art.title, art.outlet, art.date, art.url
    text = clean(text)
    if not text.strip():
        return "no text"
    parsed = parse_article(text, title=_cap(title, MAX_TITLE_CHARS), markdown=kind == "md")
    if not parsed.spans:
        return "no article text (only page furniture)"
    title = _cap(parsed.title, MAX_TITLE_CHARS)
    url = url if url is None or len(url) <= MAX_URL_CHARS else None  # a cut url is no link
    return Document(
        id=doc_id(text, title or ""), path=rel, text=text, title=title or "(untitled)",
        format=kind,
        spans=parsed.spans, outlet=_cap(outlet or parsed.outlet, MAX_META_CHARS),
        date=_cap(date or parsed.date, MAX_META_CHARS), url=_cap(url, MAX_URL_CHARS),
        record=_cap(meta.get("record"), MAX_META_CHARS), encoding=encoding,
    )


def _json_documents(text: str, rel: str, kind: str, encoding: str) -> Iterator[Document | Skipped]:
    records: list[tuple[str, Any]] = []
    if kind == "jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((str(n), json.loads(line)))
            except (ValueError, RecursionError) as e:
                yield Skipped(f"{rel}#{n}", f"invalid JSON on line {n}: {_json_error(e)}")
    else:
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as e:
            where = f" at line {e.lineno}" if isinstance(e, json.JSONDecodeError) else ""
            yield Skipped(rel, f"invalid JSON{where}: {_json_error(e)}")
            return
        if isinstance(data, dict):
            inner = next((data[k] for k in ("articles", "data", "records", "items", "documents")
                          if isinstance(data.get(k), list)), None)
            data = inner if inner is not None else [data]
        if not isinstance(data, list):
            yield Skipped(rel, "JSON is neither an article, a list of articles nor {articles: []}")
            return
        records = [(str(i), r) for i, r in enumerate(data, 1)]
    for number, rec in records:
        where = f"{rel}#{number}"
        if not isinstance(rec, dict):
            yield Skipped(where, "record is not a JSON object")
            continue
        body = _first(rec, _TEXT_KEYS)
        if not body:
            yield Skipped(where, f"record has no text field ({', '.join(_TEXT_KEYS[:3])})")
            continue
        rid = _first(rec, _ID_KEYS) or number
        doc = _text_document(
            body, rel, kind, encoding, title=_first(rec, _TITLE_KEYS),
            outlet=_first(rec, _OUTLET_KEYS), date=_first(rec, _DATE_KEYS),
            url=_first(rec, _URL_KEYS), record=rid,
        )
        yield doc if isinstance(doc, Document) else Skipped(where, doc)


def _json_error(e: Exception) -> str:
    if isinstance(e, json.JSONDecodeError):
        return e.msg
    if isinstance(e, RecursionError):
        return "nested too deeply"
    return str(e).split(";")[0]  # e.g. an integer with more than 4300 digits


def _first(rec: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = rec.get(key)
        if isinstance(value, dict):  # {"source": {"name": "Reuters"}}
            value = value.get("name") or value.get("title")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value if key in _TEXT_KEYS else value.strip()
    return None
