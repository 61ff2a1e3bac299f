"""Corpus folder -> Documents. Every file under the folder, recursively.

Formats: .txt, .md, .html/.htm (visible text), .json/.jsonl (one article per record).
Files that cannot be read as articles are skipped with a reason, never a crash.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from .errors import CorpusError
from .parse import html_to_article, parse_article
from .types import Document, Skipped

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
        raise ValueError("binary file (NUL bytes)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if controls > len(sample) * 0.01:
        raise ValueError("binary file (not text in any known encoding)")
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def iter_files(root: Path) -> Iterator[tuple[Path, str]]:
    """(absolute path, relative POSIX path) of every file, sorted, never following links."""
    root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            yield path, path.relative_to(root).as_posix()


def load_corpus(root: Path, *, max_file_mb: float = 20.0) -> tuple[list[Document], list[Skipped]]:
    """Read every article under ``root``. Identical articles become one Document."""
    if not root.exists():
        raise CorpusError(f"corpus folder {root} does not exist")
    if not root.is_dir():
        raise CorpusError(f"corpus path {root} is not a folder")
    by_id: dict[str, Document] = {}
    skipped: list[Skipped] = []
    for path, rel in iter_files(root):
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


def read_file(path: Path, rel: str, *, max_file_mb: float = 20.0) -> Iterator[Document | Skipped]:
    kind = SUPPORTED.get(path.suffix.lower())
    if path.is_symlink():
        yield Skipped(rel, "symbolic link (not followed)")
        return
    if kind is None:
        yield Skipped(rel, f"unsupported file type {path.suffix or '(none)'}")
        return
    try:
        size = path.stat().st_size
        if size > max_file_mb * 1024 * 1024:
            yield Skipped(rel, f"file is {size / 1e6:.0f} MB, above the {max_file_mb:g} MB limit")
            return
        text, encoding = decode(path.read_bytes())
    except PermissionError:
        yield Skipped(rel, "permission denied")
        return
    except OSError as e:
        yield Skipped(rel, f"unreadable ({e.strerror or e})")
        return
    except ValueError as e:
        yield Skipped(rel, str(e))
        return
    if kind in ("json", "jsonl"):
        yield from _json_documents(text, rel, kind, encoding)
        return
    doc = _text_document(text, rel, kind, encoding)
    yield doc if isinstance(doc, Document) else Skipped(rel, doc)


def _text_document(text: str, rel: str, kind: str, encoding: str, **meta: Any) -> Document | str:
    url = meta.get("url")
    title, outlet, date = meta.get("title"), meta.get("outlet"), meta.get("date")
    if kind == "html":
        art = html_to_article(text)
        text = art.text
        title, outlet, date, url = art.title, art.outlet, art.date, art.url
    if not text.strip():
        return "no text"
    parsed = parse_article(text, title=title, markdown=kind == "md")
    if not parsed.spans:
        return "no article text (only page furniture)"
    return Document(
        id=doc_id(text, parsed.title or ""), path=rel, text=text,
        title=parsed.title or "(untitled)", format=kind,
        spans=parsed.spans, outlet=outlet or parsed.outlet, date=date or parsed.date, url=url,
        record=meta.get("record"), encoding=encoding,
    )


def _json_documents(text: str, rel: str, kind: str, encoding: str) -> Iterator[Document | Skipped]:
    records: list[tuple[str, Any]] = []
    if kind == "jsonl":
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append((str(n), json.loads(line)))
            except json.JSONDecodeError as e:
                yield Skipped(f"{rel}#{n}", f"invalid JSON on line {n}: {e.msg}")
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            yield Skipped(rel, f"invalid JSON at line {e.lineno}: {e.msg}")
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
