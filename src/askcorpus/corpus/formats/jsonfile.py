"""JSON (an article, a list of articles, or ``{"articles": [...]}``) and JSONL (one article a
line). Offsets point into each record's text field, named by ``record``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ...types import Document, Skipped
from .base import Format, Item, Reader, decoded, text_document

_TEXT_KEYS = ("text", "body", "content", "article", "maintext", "description", "summary")
_TITLE_KEYS = ("title", "headline", "name")
_OUTLET_KEYS = ("outlet", "source", "publisher", "site", "site_name", "source_domain")
_DATE_KEYS = ("date", "published", "published_at", "publishedAt", "date_publish", "pubdate",
              "datetime", "time")
_URL_KEYS = ("url", "link", "href")
_ID_KEYS = ("id", "_id", "newid", "doc_id", "uuid")
_AUTHOR_KEYS = ("author", "byline", "authors")
MAX_RECORD_SKIPS = 20  # per file: more bad records are summed up in one entry


def _reader(kind: str) -> Reader:
    def read(data: bytes, rel: str) -> Iterator[Item]:
        text, encoding = decoded(data)
        if not text.strip():
            yield Skipped(rel, "no text")
            return
        found = False
        bad: list[Skipped] = []
        for item in json_documents(text, rel, kind, encoding):
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
    return read


def json_documents(text: str, rel: str, kind: str, encoding: str) -> Iterator[Item]:
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
        doc = text_document(
            body, rel, kind, encoding, title=_first(rec, _TITLE_KEYS),
            outlet=_first(rec, _OUTLET_KEYS), date=_first(rec, _DATE_KEYS),
            url=_first(rec, _URL_KEYS), record=rid, author=_first(rec, _AUTHOR_KEYS),
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


JSON = Format("json", (".json",), _reader("json"),
              'JSON: an article, a list of articles or {"articles": [...]}')
JSONL = Format("jsonl", (".jsonl", ".ndjson"), _reader("jsonl"), "JSON Lines, one article a line")
