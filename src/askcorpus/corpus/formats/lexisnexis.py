"""LexisNexis and Nexis Uni exports: many articles in one file, each split out with its
outlet, date, title, byline and length as the file states them.

* LexisNexis TXT (".txt"): articles start at a ``N of M DOCUMENTS`` line, then the centred
  outlet, date and edition lines, the title, ``BYLINE:`` / ``SECTION:`` / ``LENGTH:`` fields,
  the body, and ``LOAD-DATE:`` / ``LANGUAGE:`` … fields and a copyright line.
* Nexis Uni DOCX (".docx"): a cover page, then per article title, outlet, date, copyright,
  ``Section:`` / ``Length:`` / ``Byline:``, a ``Body`` line, the body, ``End of Document``.

Each article's ``Document.text`` is its exact slice of the file's text (TXT: the decoded file;
DOCX: its paragraphs, blank lines between), so quote offsets plus the ``file_offset`` in
``Document.extra`` are offsets into that text; only the body is quotable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...types import Skipped
from ..parse import _DATE, lines_with_offsets
from .base import Format, Item, Unreadable, decoded, export_article, head_text, paragraph_spans
from .word import check_archive, docx_text

_DOC_LINE = re.compile(r"^[ \t]*(\d+) of (\d+) DOCUMENTS?[ \t\r]*$", re.MULTILINE)
_FIELD = re.compile(r"^([A-Z][A-Z-]+):[ \t\u00a0]*(.*?)\s*$")
_TRAILING = {"LOAD-DATE", "LANGUAGE", "GRAPHIC", "PUBLICATION-TYPE", "JOURNAL-CODE", "NOTES",
             "CORRECTION", "CORRECTION-DATE", "URL", "SUBJECT", "ORGANIZATION", "PERSON",
             "GEOGRAPHIC", "COMPANY", "TICKER", "INDUSTRY", "DOCUMENT-TYPE", "CITY", "STATE",
             "COUNTRY", "TYPE", "DISTRIBUTION", "ACC-NO", "SERIES"}


def _lines(text: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """``(start, end, line)`` of every line in ``text[a:b]``, offsets into ``text``."""
    return [(a + s, a + e, text[a + s:a + e]) for s, e in lines_with_offsets(text[a:b])]


def _split_txt(text: str, rel: str, encoding: str) -> Iterator[Item]:
    marks = list(_DOC_LINE.finditer(text))
    expected = int(marks[0].group(1))
    for i, m in enumerate(marks):
        number = int(m.group(1))
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        if number != expected:
            yield Skipped(rel, f"LexisNexis export: article {expected} is missing before "
                               f"article {number} (a broken separator?)")
        expected = number + 1
        item = _txt_article(text, m.start(), end, rel, encoding, m)
        yield item


def _txt_article(text: str, start: int, end: int, rel: str, encoding: str,
                 mark: re.Match[str]) -> Item:
    number, total = mark.group(1), mark.group(2)
    where = f"{rel}#{number}"
    lines = [ln for ln in _lines(text, start, end)][1:]  # after "N of M DOCUMENTS"
    i = 0
    while i < len(lines) and not lines[i][2].strip():
        i += 1
    header: list[str] = []
    while i < len(lines) and (lines[i][2][:1] in (" ", "\t") or not lines[i][2].strip()):
        if lines[i][2].strip():
            header.append(lines[i][2].strip())
        i += 1
    title_lines: list[str] = []
    while i < len(lines) and not _FIELD.match(lines[i][2]):
        if lines[i][2].strip():
            title_lines.append(lines[i][2].strip())
        i += 1
    fields: dict[str, str] = {}
    key: str | None = None
    body_start: int | None = None
    while i < len(lines):
        line = lines[i][2]
        m = _FIELD.match(line)
        if m and m.group(1) not in _TRAILING:
            key = m.group(1).lower()
            fields[key] = m.group(2)
        elif not line.strip():
            key = None
        elif key is not None:
            fields[key] = f"{fields[key]} {line.strip()}"
        else:
            body_start = lines[i][0]
            break
        i += 1
    if body_start is None or "length" not in fields or not title_lines:
        missing = "LENGTH: line" if "length" not in fields else \
            "title" if not title_lines else "body"
        return Skipped(where, f"LexisNexis article {number} has no {missing} (a broken "
                              "separator or a damaged export?)")
    body_end = end
    trailer: dict[str, str] = {}
    for s, _e, line in lines[i:]:
        m = _FIELD.match(line)
        if m and m.group(1) in _TRAILING:
            body_end = min(body_end, s)
            trailer.setdefault(m.group(1).lower(), m.group(2))
        elif body_end == end and line.strip().startswith(("Copyright", "©")) \
                and line[:1] == " ":
            body_end = s
    date_idx = next((k for k, h in enumerate(header) if _DATE.search(h)), None)
    outlet = header[0] if header and date_idx != 0 else None
    date = header[date_idx] if date_idx is not None else None
    edition = " ".join(header[date_idx + 1:]) if date_idx is not None else ""
    fields["edition"] = fields.get("edition") or edition.rstrip(";")
    return export_article(text, start, end, body_start, body_end, rel, where, "lexisnexis",
                     encoding, title=" ".join(title_lines), outlet=outlet, date=date,
                     fields=fields, trailer=trailer, record=number,
                     documents=f"{number} of {total}")


def read_txt(data: bytes, rel: str) -> Iterator[Item]:
    text, encoding = decoded(data)
    yield from _split_txt(text, rel, encoding)


# ---------------------------------------------------------------- Nexis Uni DOCX

_END = "End of Document"
_DOCX_FIELD = re.compile(r"^([A-Z][A-Za-z-]+):[ \t\u00a0]*(.*?)\s*$")
_DOCX_TRAILING = {"classification", "language", "publication-type", "subject", "industry",
                  "geographic", "load-date", "graphic", "person", "organization", "company",
                  "ticker", "notes", "correction", "country", "city", "state", "document-type"}


def _blocks(text: str, a: int, b: int) -> list[tuple[int, int, str]]:
    """Paragraph blocks (separated by blank lines) of ``text[a:b]``, offsets into ``text``."""
    return [(s, e, text[s:e]) for s, e in paragraph_spans(text, a, b)]


def _split_docx(text: str, rel: str) -> Iterator[Item]:
    seps = [m for m in re.finditer(rf"^{_END}[ \t]*$", text, re.MULTILINE)]
    starts = [0, *(m.end() for m in seps)]
    for n, (a, m) in enumerate(zip(starts, seps), 1):
        yield _docx_article(text, a, m.start(), rel, n)
    tail = text[starts[-1]:]
    if tail.strip() and re.search(r"^Body$", tail, re.MULTILINE):
        yield Skipped(f"{rel}#{len(seps) + 1}", f"Nexis Uni article {len(seps) + 1} has no "
                      f"'{_END}' line (a broken separator?)")


def _docx_article(text: str, a: int, b: int, rel: str, n: int) -> Item:
    where = f"{rel}#{n}"
    blocks = _blocks(text, a, b)
    body_at = next((k for k, blk in enumerate(blocks) if blk[2] == "Body"), None)
    if body_at is None:
        return Skipped(where, f"Nexis Uni article {n} has no 'Body' line (a broken separator "
                              "or a damaged export?)")
    fields: dict[str, str] = {}
    k = body_at - 1
    while k >= 0 and ((m := _DOCX_FIELD.match(blocks[k][2])) or
                      blocks[k][2].startswith(("Copyright", "©"))):
        if m:
            fields.setdefault(m.group(1).lower(), m.group(2))
        k -= 1
    date_at = next((j for j in range(k, max(k - 3, -1), -1) if _DATE.search(blocks[j][2])),
                   None)
    if date_at is None or date_at < 2:
        return Skipped(where, f"Nexis Uni article {n}: no title, outlet and date before "
                              "'Body' (a damaged export?)")
    title_blk, outlet_blk, date_blk = blocks[date_at - 2], blocks[date_at - 1], blocks[date_at]
    body_end, trailer = b, {}
    for s, _e, blk in blocks[body_at + 1:]:
        m = _DOCX_FIELD.match(blk)
        key = (m.group(1) if m else blk).lower()
        if key in _DOCX_TRAILING:
            body_end = min(body_end, s)
            if m:
                trailer.setdefault(key, m.group(2))
    return export_article(text, title_blk[0], b, blocks[body_at][1], body_end, rel, where,
                     "nexisuni", "utf-8", title=title_blk[2], outlet=outlet_blk[2],
                     date=date_blk[2], fields=fields, trailer=trailer, record=str(n),
                          date_source="lexisnexis")


def read_docx(data: bytes, rel: str) -> Iterator[Item]:
    text, _meta = docx_text(data)
    yield from _split_docx(text, rel)


def _sniff_txt(data: bytes) -> bool:
    return _DOC_LINE.search(head_text(data, 262144)) is not None


def _sniff_docx(data: bytes) -> bool:
    try:
        xml = check_archive(data).read("word/document.xml")
    except (Unreadable, KeyError, OSError, ValueError, RuntimeError):
        return False
    return _END.encode() in xml and b">Body<" in xml


TXT = Format("lexisnexis", (".txt",), read_txt,
             "LexisNexis TXT exports: one article per 'N of M DOCUMENTS'", sniff=_sniff_txt)
DOCX = Format("nexisuni", (".docx",), read_docx,
              "Nexis Uni DOCX exports: one article per 'End of Document'", sniff=_sniff_docx)
