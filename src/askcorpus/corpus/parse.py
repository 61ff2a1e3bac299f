"""Turn one article's text into metadata and quotable spans.

Finds the headline, the outlet and the date when the text states them, and marks page
furniture ("Share This Article", "2 Min Read", bylines, captions) so it never becomes a quote.
All results are offsets into the text given; nothing here rewrites the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

_FURNITURE = re.compile(
    r"""^(?:
        share\ (?:this|the)\ (?:article|story|post)|share(?:\ on)?\ (?:facebook|twitter|x|linkedin)
        |\d+\s*min(?:ute)?s?\ read|author[’'`]?s?\ articles?|editor|by\ editor|blog\ and\ articles
        |advertisement|sponsored|read\ more|related(?:\ (?:articles|stories|posts))?
        |subscribe.*|sign\ up.*newsletter.*|click\ here.*|follow\ us.*
        |image(?:\ caption)?:.*|photo:.*|copyright.*|©.*|all\ rights\ reserved.*|tags?:.*
        |print|email|comments?|leave\ a\ (?:comment|reply)|skip\ to\ (?:main\ )?content
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_SOURCE_LINE = re.compile(r"^(?:original\s+)?source:\s*(\S.*?)\s*$", re.IGNORECASE)
# "Egypt Daily News – The escalating ..." (an outlet name leading the first paragraph)
_OUTLET_LEAD = re.compile(r"^((?:[A-Z][\w&.']*\s){1,5}?(?:News|Times|Post|Daily|Herald|Tribune|"
                          r"Journal|Agency|Press|Gazette|Telegraph|Guardian|Review|Wire|Today|"
                          r"Observer|Chronicle|Express|Insider|Monitor))\s+[–—-]\s+")
# "KYIV, Ukraine (AP) — ..." or "LONDON (Reuters) - ..."
_DATELINE = re.compile(
    r"^([A-Z][A-Z .'-]{1,40}(?:,\s*[A-Z][\w .]{1,30})?)\s*\(([^()]{2,40})\)\s*[–—-]+\s+")
_MONTHS = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
           r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = re.compile(
    rf"\b(?:(?:19|20)\d\d-[01]\d-[0-3]\d(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d)?Z?)?"
    rf"|{_MONTHS}\s+[0-3]?\d(?:st|nd|rd|th)?,?\s+(?:19|20)\d\d"
    rf"|[0-3]?\d(?:st|nd|rd|th)?\s+{_MONTHS},?\s+(?:19|20)\d\d)\b"
)
_SENTENCE_END = re.compile(r"[.!?…\"”’)]\s*$")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


@dataclass(frozen=True, slots=True)
class Parsed:
    title: str | None
    outlet: str | None
    date: str | None
    spans: tuple[tuple[int, int], ...]


def lines_with_offsets(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every line, without its line break."""
    out = []
    for m in _LINE.finditer(text):
        if m.start() == len(text) and out:
            break
        line = m.group(0).rstrip("\r\n")
        out.append((m.start(), m.start() + len(line)))
        if m.end() == len(text):
            break
    return out


def _words(s: str) -> int:
    return len(s.split())


def _is_short_label(s: str) -> bool:
    """A byline, caption or read-time line: a few words and no sentence ending."""
    return _words(s) <= 6 and not _SENTENCE_END.search(s)


def parse_article(text: str, *, title: str | None = None, markdown: bool = False) -> Parsed:
    """Find headline, outlet, date and the quotable spans of a plain-text article.

    ``title`` (from a JSON field or an HTML tag) wins over the headline found in the text.
    """
    lines = [(s, e) for s, e in lines_with_offsets(text) if text[s:e].strip()]
    stripped = [text[s:e].strip() for s, e in lines]
    outlet: str | None = None
    date: str | None = None
    keep = [True] * len(lines)

    headline_idx: int | None = None
    if lines:
        first = stripped[0].lstrip("#").strip() if markdown else stripped[0]
        if first and _words(first) <= 30 and len(first) <= 250:
            headline_idx = 0
            title = title or first

    long_idx = [i for i, s in enumerate(stripped) if _words(s) >= 12]
    first_long = long_idx[0] if long_idx else len(lines)
    last_long = long_idx[-1] if long_idx else -1
    for i, s in enumerate(stripped):
        m = _SOURCE_LINE.match(s)
        if m:  # "Original Source: …" is attribution the article states: it stays quotable
            outlet = outlet or m.group(1)
        elif _FURNITURE.match(s):
            keep[i] = False
        elif i != headline_idx and title and s == title:
            keep[i] = False  # the headline repeated
        elif headline_idx is not None and headline_idx < i < first_long and _is_short_label(s):
            keep[i] = False  # bylines, captions, read times between headline and article
        elif i > last_long >= 0 and _is_short_label(s):
            keep[i] = False  # trailing links and labels
        if date is None and (i < 6 or i > len(lines) - 4):
            dm = _DATE.search(s)
            if dm:
                date = dm.group(0)
    for i in range(len(lines)):
        if not keep[i] or i == headline_idx:
            continue
        s, e = lines[i]
        lead = text[s:e].lstrip()
        m = _OUTLET_LEAD.match(lead) or _DATELINE.match(lead)
        if m and _words(lead) >= 12:  # the lead stays quotable: it is who says it
            outlet = outlet or (m.group(2) if m.re is _DATELINE else m.group(1)).strip()
        break  # only the first kept line can carry a lead

    spans: list[tuple[int, int]] = []
    for i, (s, e) in enumerate(lines):
        if not keep[i]:
            continue
        raw = text[s:e]
        s += len(raw) - len(raw.lstrip())
        e -= len(raw) - len(raw.rstrip())
        if s >= e:
            continue
        if spans and _only_space(text, spans[-1][1], s) and keep[i - 1]:
            spans[-1] = (spans[-1][0], e)  # merge paragraphs separated only by whitespace
        else:
            spans.append((s, e))
    if not title:
        title = fallback_title(text, spans)
    return Parsed(title=title, outlet=outlet, date=date, spans=tuple(spans))


def _only_space(text: str, a: int, b: int) -> bool:
    return not text[a:b].strip()


def fallback_title(text: str, spans: tuple[tuple[int, int], ...] | list[tuple[int, int]],
                   max_words: int = 12) -> str:
    """The first sentence of the article, shortened: for files that have no headline."""
    from .sentences import sentence_spans

    a, b = spans[0] if spans else (0, len(text))
    first = sentence_spans(text, a, b)[:1]
    words = text[first[0][0]:first[0][1]].split() if first else []
    if not words:
        return "(untitled)"
    if len(words) > max_words:
        return " ".join(words[:max_words]).rstrip(",;:") + "…"
    return " ".join(words)


# ---------------------------------------------------------------- HTML

_SKIP_TAGS = {"script", "style", "noscript", "template", "svg", "canvas", "iframe", "object",
              "head", "nav", "footer", "aside", "form", "button", "select", "option"}
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
               "table", "section", "article", "header", "blockquote", "pre", "hr", "figure",
               "figcaption", "main", "dd", "dt", "dl", "td", "th"}
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed",
              "source", "track", "wbr"}


@dataclass(frozen=True, slots=True)
class HtmlArticle:
    text: str
    title: str | None
    outlet: str | None
    date: str | None
    url: str | None


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.in_title = False
        self.title = ""
        self.h1 = ""
        self.in_h1 = False
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"].strip())
        elif tag == "link" and a.get("rel", "").lower() == "canonical" and a.get("href"):
            self.meta.setdefault("canonical", a["href"].strip())
        elif tag == "time" and a.get("datetime"):
            self.meta.setdefault("time", a["datetime"].strip())
        if tag == "title":
            self.in_title = True
        if tag in _SKIP_TAGS and tag not in _VOID_TAGS:
            self.skip += 1
        if tag == "h1":
            self.in_h1 = True
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _SKIP_TAGS and tag not in _VOID_TAGS and self.skip:
            self.skip -= 1
        if tag == "h1":
            self.in_h1 = False
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """``<![...`` that is not CDATA or a conditional comment: html.parser raises
        AssertionError on it; a browser reads it as a bogus comment up to the next ``>``."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip:
            return
        if self.in_h1:
            self.h1 += data
        self.parts.append(data)


def html_to_article(source: str) -> HtmlArticle:
    """Visible text of an HTML page (scripts, styles, navigation dropped) and its metadata."""
    ex = _Extractor()
    ex.feed(source)
    ex.close()
    raw = "".join(ex.parts)
    lines = [re.sub(r"[ \t\f\v\u00a0]+", " ", ln).strip() for ln in raw.splitlines()]
    paragraphs: list[str] = []
    for ln in lines:
        if ln:
            paragraphs.append(ln)
    text = "\n\n".join(paragraphs)
    m = ex.meta
    title = (m.get("og:title") or ex.h1.strip() or ex.title.strip() or None)
    title = re.sub(r"\s+", " ", title).strip() if title else None
    outlet = m.get("og:site_name") or m.get("publisher") or m.get("author") or None
    date = (m.get("article:published_time") or m.get("date") or m.get("datepublished")
            or m.get("time") or None)
    url = m.get("og:url") or m.get("canonical") or None
    return HtmlArticle(text=text, title=title, outlet=outlet, date=date, url=url)
