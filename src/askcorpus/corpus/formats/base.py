"""The one interface every format implements, and what formats share.

A format turns ``(bytes, name)`` into ``Document``s (or ``Skipped`` with a reason): the
stored ``Document.text`` is exactly the text quotes are cut from, ``spans`` are offsets into
it. Nothing here imports a heavy library.
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ...types import Document, Skipped
from ..parse import lines_with_offsets, parse_article

Item = Document | Skipped
Reader = Callable[[bytes, str], Iterable[Item]]

MAX_TITLE_CHARS = 300  # metadata from a file or record is cut to these lengths
MAX_META_CHARS = 200
MAX_URL_CHARS = 2048


class Unreadable(Exception):
    """A file a format cannot read; the message is the reason shown in the index summary."""


@dataclass(frozen=True, slots=True)
class Format:
    """One file format: its name, the extensions it claims, how to recognise its content
    among the formats sharing an extension (``sniff``, None: the extension is enough), and
    ``read(data, name)`` giving the file's articles."""

    name: str
    extensions: tuple[str, ...]
    read: Reader
    description: str
    sniff: Callable[[bytes], bool] | None = None


def quiet(*loggers: str) -> None:
    """Keep a parsing library's warnings about odd files (it logs one per damaged page) off
    stderr when the application configured no logging; an application that did still gets
    them. Nothing else about logging is touched."""
    for name in loggers:
        logger = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
            logger.addHandler(logging.NullHandler())


def doc_id(text: str, title: str = "") -> str:
    """A content hash: the same article (text and headline) has the same id wherever it lives."""
    data = f"{title}\x00{text}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:24]


def decoded(data: bytes) -> tuple[str, str]:
    """:func:`decode` for a format's reader: a file that is not text raises Unreadable with the
    reason (``formats.read`` turns it into the file's Skipped entry)."""
    try:
        return decode(data)
    except ValueError as e:
        raise Unreadable(str(e)) from None


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


def head_text(data: bytes, size: int = 65536) -> str:
    """The start of a file as text, for sniffing (never raises)."""
    return data[:size].decode("utf-8", "replace").lstrip("\ufeff")


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(value: str) -> str:
    """Lone surrogates (from JSON escapes like "\\ud800") -> U+FFFD: same length, so offsets
    into the text still hold, and the text can be stored as UTF-8."""
    return _SURROGATE.sub("\ufffd", value)


def cap(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = clean(value)
    return value if len(value) <= limit else value[:limit - 1].rstrip() + "…"


def paragraph_spans(text: str, start: int = 0, end: int | None = None
                    ) -> tuple[tuple[int, int], ...]:
    """``[start, end)`` of every paragraph (lines separated by blank lines) inside a region,
    without surrounding whitespace."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    open_span: list[int] | None = None
    for s, e in lines_with_offsets(text[start:end]):
        line = text[start + s:start + e]
        if not line.strip():
            open_span = None
            continue
        a = start + s + len(line) - len(line.lstrip())
        b = start + e - (len(line) - len(line.rstrip()))
        if open_span is None:
            open_span = [a, b]
            spans.append((a, b))
        else:
            open_span[1] = b
            spans[-1] = (open_span[0], b)
    return tuple(spans)


def text_document(text: str, rel: str, kind: str, encoding: str, **meta: Any) -> Document | str:
    """An article from its text, or the reason it is not one.

    ``meta``: ``title``, ``outlet``, ``date``, ``url``, ``record``, ``author``, ``extra``
    (``(name, value)`` pairs the file states), ``spans`` (quotable regions, when the format
    knows them; else :func:`~askcorpus.corpus.parse.parse_article` finds them).
    """
    url = meta.get("url")
    title, outlet, date = meta.get("title"), meta.get("outlet"), meta.get("date")
    text = clean(text)
    if not text.strip():
        return "no text"
    spans = meta.get("spans")
    if spans is None:
        parsed = parse_article(text, title=cap(title, MAX_TITLE_CHARS), markdown=kind == "md")
        if not parsed.spans:
            return "no article text (only page furniture)"
        spans, title = parsed.spans, parsed.title
        outlet = outlet or parsed.outlet
    elif not spans:
        return "no article text"
    elif not title:
        from ..parse import fallback_title

        title = fallback_title(text, spans)
    title = cap(title, MAX_TITLE_CHARS)
    day, date_source = dated(text, kind, date, meta.get("date_source"))
    url = url if url is None or len(url) <= MAX_URL_CHARS else None  # a cut url is no link
    stated = [("date_stated", date)] if isinstance(date, str) and date.strip() != day else []
    extra = tuple((str(cap(k, 40)), str(cap(" ".join(v.split()), MAX_META_CHARS)))
                  for k, v in [*meta.get("extra", ()), *stated] if k and v and v.strip())
    return Document(
        id=doc_id(text, title or ""), path=rel, text=text, title=title or "(untitled)",
        format=kind, spans=tuple(spans), outlet=cap(outlet, MAX_META_CHARS),
        date=day, date_source=date_source, url=cap(url, MAX_URL_CHARS),
        record=cap(meta.get("record"), MAX_META_CHARS), encoding=encoding,
        author=cap(meta.get("author"), MAX_META_CHARS), extra=extra,
    )


# where a stated date came from, by format, when the reader does not say
DATE_SOURCES = {"json": "json field", "jsonl": "json field", "html": "html meta",
                "htm": "html meta", "eml": "mail header", "mbox": "mail header",
                "lexisnexis": "lexisnexis", "factiva": "factiva", "pdf": "pdf metadata",
                "docx": "docx metadata"}


def dated(text: str, kind: str, stated: str | None,
          source: str | None) -> tuple[str | None, str | None]:
    """(ISO 8601 day, where it came from): the date the file's metadata states, else the one
    the text states (a "Published …" line, a dateline); (None, None) when neither does."""
    from ..dates import find_in_text, normalise

    iso = normalise(stated)
    if iso:
        return iso, source or DATE_SOURCES.get(kind, f"{kind} field")
    return find_in_text(text)


EXPORT_FIELDS = ("byline", "length", "section", "dateline", "edition", "highlight")


def export_article(text: str, start: int, end: int, body_start: int, body_end: int, rel: str,
                   where: str, kind: str, encoding: str, *, title: str, outlet: str | None,
                   date: str | None, fields: dict[str, str], trailer: dict[str, str], record: str,
                   documents: str | None = None, date_source: str | None = None,
                   regions: list[tuple[int, int]] | None = None) -> Item:
    """One article of a multi-article export: ``text[start:end]`` (its exact slice of the
    file's text; ``file_offset`` in ``extra``), quotable in its body (``text[body_start:
    body_end]``, or ``regions`` of ``text`` when the body is in several pieces), with the
    fields the file states: ``fields`` (byline, length, section, dateline, edition, highlight)
    and ``trailer`` (any other, e.g. load-date, language)."""
    article = text[start:end]
    spans = tuple(sp for a, b in (regions or [(body_start, body_end)])
                  for sp in paragraph_spans(article, a - start, b - start))
    extra = [(k, fields[k]) for k in EXPORT_FIELDS if fields.get(k) and k != "byline"]
    extra += [(k, v) for k, v in trailer.items() if v]
    if documents:
        extra.append(("documents", documents))
    extra.append(("file_offset", str(start)))
    doc = text_document(article, rel, kind, encoding, title=title, outlet=outlet, date=date,
                        date_source=date_source,
                        author=fields.get("byline") or None, record=record, spans=spans,
                        extra=extra)
    return doc if isinstance(doc, Document) else Skipped(where, doc)


def one(rel: str, doc: Document | str) -> Iterator[Item]:
    """A single-article file's result: the Document, or a Skipped with the reason."""
    yield doc if isinstance(doc, Document) else Skipped(rel, doc)
