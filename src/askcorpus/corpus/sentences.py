"""Sentence boundaries as character offsets (no model, no rewriting of the text)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "capt", "cmdr",
    "gov", "sen", "rep", "pres", "rev", "hon", "vs", "etc", "inc", "ltd", "co", "corp",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "fig",
    "al", "approx", "dept", "est", "mt", "ft", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u",
}
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n")
_WRAP_WIDTH = 60  # a line at least this long that ends mid-sentence is hard-wrapped text


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:end]`` into sentences; returns stripped ``(s, e)`` offsets into text."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    seg_start = start
    for m in _BOUNDARY.finditer(text, start, end):
        stop = m.end()
        if text[m.start()] == "\n":
            if _wrapped(text, m.start(), stop):
                continue  # a hard-wrapped paragraph goes on
        elif text[m.start()] == ".":
            word = re.search(r"([\w.]+)\.$", text[max(seg_start, m.start() - 12):m.start() + 1])
            token = word.group(1).lower() if word else ""
            nxt = text[stop:stop + 3].lstrip()
            if token in _ABBREV or (len(token) == 1 and token.isalpha()):
                continue
            if re.fullmatch(r"(?:[a-z]\.)+[a-z]", token) and not (nxt[:1].isupper()):
                continue
            if nxt[:1].islower() or nxt[:1].isdigit():
                continue  # "e.g. the", "3.5 million" style: not a sentence end
        _push(text, seg_start, stop, out)
        seg_start = stop
    _push(text, seg_start, end, out)
    return out


_BULLET = re.compile(r"[-•*–]\s+")
_ENDS = tuple(".!?…:;\"”’)")


def _wrapped(text: str, nl: int, stop: int) -> bool:
    """Whether the line break at ``nl`` only wraps a paragraph (newswire and e-mail text are
    cut at ~60-70 characters, whatever the next word). Never after punctuation, before a blank,
    indented or list line (a new paragraph), after a document's first line or a title-cased
    line (headlines); otherwise when the text goes on in lower case, or the line is a long one,
    or a shorter one that ends a block of long lines."""
    line_start = text.rfind("\n", 0, nl) + 1
    line = text[line_start:nl].strip()
    width = len(text[line_start:nl].rstrip())  # as typed: a paragraph's indent counts
    end = text.find("\n", stop)
    nxt_line = text[stop:end if end >= 0 else len(text)]
    nxt = nxt_line.lstrip(" \t")
    if not line or not nxt or line.endswith(_ENDS) or _title_like(line):
        return False
    if nxt[:1].islower() and len(line) >= 25:
        return True  # a sentence going on in lower case
    if nxt_line[:1] in (" ", "\t") or _BULLET.match(nxt) or not text[:line_start].strip():
        return False
    if width >= 55:
        return True
    prev_end = line_start - 1
    prev = text[text.rfind("\n", 0, prev_end) + 1:prev_end].rstrip()
    return width >= 40 and len(prev) >= 55 and not prev.endswith(_ENDS)


def _title_like(line: str) -> bool:
    words = [w for w in line.split() if w[:1].isalpha()]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) > 0.7 * len(words)


def _push(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    piece = text[s:e]
    ls = len(piece) - len(piece.lstrip())
    rs = len(piece) - len(piece.rstrip())
    s, e = s + ls, e - rs
    bullet = _BULLET.match(text, s, e)  # a list item's marker is not part of the sentence
    if bullet and bullet.end() < e:
        s = bullet.end()
    if e > s:
        out.append((s, e))


def document_sentences(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Every sentence of a document's kept spans, in order: the one numbering of sentences
    that indexing (pooled sentence vectors) and answering (candidate sentences) share."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        out.extend(sentence_spans(text, a, b))
    return out
