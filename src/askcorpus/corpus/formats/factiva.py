"""Factiva exports (RTF and HTML, "full article with indexing"): many articles in one file,
each a run of two-letter fields: HD headline, BY byline, WC word count, PD publication date,
SN source name, LP lead paragraphs, TD text, AN accession number (and SC, ED, PG, LA, CY, CO,
IN, NS, RE, IPC, PUB). Split on HD; the outlet is SN, the quotable body LP + TD.

Each article's ``Document.text`` is its exact slice of the file's text (RTF: striprtf's text;
HTML: the page's visible text), ``file_offset`` in ``Document.extra`` says where it starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import Skipped
from ..parse import html_to_article, lines_with_offsets
from .base import Format, Item, decoded, export_article
from .rtf import rtf_text

CODES = ("HD", "BY", "WC", "PD", "ET", "SN", "SC", "ED", "PG", "LA", "CY", "LP", "TD", "CT",
         "RF", "CO", "IN", "NS", "RE", "IPC", "IPD", "PUB", "AN", "SE", "CLM", "ART", "CR")
_CODE = re.compile(rf"^[ \t]*({'|'.join(CODES)})(?:[ \t]+(\S.*?))?[ \t]*$")
_DOC_AN = re.compile(r"^[ \t]*Document [A-Za-z0-9]{10,}[ \t]*$")
_DOCUMENT = re.compile(r"^\s*Document\s+")
_SNIFF = [re.compile(rb"(?:^|[\s>}|])" + c + rb"(?:\\tab|\\cell|[\s<|])", re.MULTILINE)
          for c in (b"HD", b"PD", b"SN", b"WC")]


def split(text: str, rel: str, kind: str) -> Iterator[Item]:
    """Every article of a Factiva export's text."""
    lines = lines_with_offsets(text)
    fields: list[tuple[str, int, int, int]] = []  # code, line start, value start, value end
    for s, e in lines:
        line = text[s:e]
        m = _CODE.match(line)
        if m:
            vs = s + m.start(2) if m.group(2) else e
            fields.append((m.group(1), s, vs, e))
        elif _DOC_AN.match(line):
            fields.append(("Document", s, s, e))
        elif fields and line.strip() and fields[-1][0] != "Document":
            code, ls, vs, _ = fields[-1]
            fields[-1] = (code, ls, vs if vs < e and text[vs:e].strip() else s, e)
    starts = [k for k, f in enumerate(fields) if f[0] == "HD"]
    if not starts:
        yield Skipped(rel, "Factiva export without an HD (headline) field")
        return
    for n, k in enumerate(starts, 1):
        stop = starts[n] if n < len(starts) else len(fields)
        group = fields[k:stop]
        end_at = next((j for j, f in enumerate(group) if f[0] == "Document"), None)
        doc_id = None
        if end_at is not None:
            end = group[end_at][3]
            doc_id = _DOCUMENT.sub("", text[group[end_at][1]:end].strip())
            group = group[:end_at]
        else:
            end = fields[stop][1] if stop < len(fields) else len(text)
        yield _article(text, group, end, rel, kind, n, doc_id)


def _article(text: str, group: list[tuple[str, int, int, int]], end: int, rel: str,
             kind: str, n: int, doc_id: str | None) -> Item:
    where = f"{rel}#{n}"
    values = {c: " ".join(text[vs:ve].split()) for c, _s, vs, ve in group}
    body = [(vs, ve) for c, _s, vs, ve in group if c in ("LP", "TD")]
    if not body:
        return Skipped(where, f"Factiva article {n} has no LP or TD (text) field (a broken "
                              "export?)")
    if not values.get("HD"):
        return Skipped(where, f"Factiva article {n} has an empty HD (headline) field")
    start = group[0][1]
    fields = {"byline": values.get("BY", ""), "length": values.get("WC", "")}
    trailer = {k.lower(): values[k] for k in ("ED", "PG", "LA", "SC") if values.get(k)}
    number = _DOCUMENT.sub("", values.get("AN", "")) or (doc_id or str(n))
    return export_article(text, start, end, body[0][0], body[-1][1], rel, where, kind, "utf-8",
                     title=values["HD"], outlet=values.get("SN") or None,
                     date=values.get("PD") or None, fields=fields, trailer=trailer,
                     record=number, regions=body, date_source="factiva")


def _sniff(data: bytes) -> bool:
    head = data[:262144]
    return all(p.search(head) for p in _SNIFF)


def read_rtf(data: bytes, rel: str) -> Iterator[Item]:
    yield from split(rtf_text(data), rel, "factiva")


def read_html(data: bytes, rel: str) -> Iterator[Item]:
    source, _ = decoded(data)
    yield from split(html_to_article(source).text, rel, "factiva")


RTF = Format("factiva", (".rtf",), read_rtf, "Factiva RTF exports: one article per HD field",
             sniff=_sniff)
HTML = Format("factiva-html", (".html", ".htm"), read_html,
              "Factiva HTML exports: one article per HD field", sniff=_sniff)
