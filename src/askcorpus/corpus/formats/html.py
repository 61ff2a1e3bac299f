"""Web pages (.html, .htm): the article's main text as trafilatura extracts it (menus,
captions, "related stories", cookie notices and comments left out), with the headline, site
name (outlet), author, publication date (htmldate) and URL from the page's metadata.

The stored text is the extracted main text, one paragraph a block, so quotes are verbatim in
what ``show`` displays. A page where trafilatura finds no main text falls back to its visible
text (``parse.html_to_article``), so no readable page is refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace

from ...types import Document, Skipped
from ..parse import _FURNITURE, html_to_article
from .base import Format, Item, decoded, one, paragraph_spans, quiet, text_document

_NEVER_SHOWN = ["//template", "//noscript", "//iframe", "//svg", "//object"]  # not page text
MAX_HTML_CHARS = 8_000_000  # lxml's tree for a larger page is too costly: visible text only
# the first line of a page askcorpus fetched (corpus/fetch.py): where and when it came from
SOURCE = re.compile(rb"^<!-- askcorpus-source: (\{[^\n]*\}) -->\n")


@dataclass(frozen=True, slots=True)
class MainText:
    text: str
    title: str | None
    outlet: str | None
    author: str | None
    date: str | None
    url: str | None


def main_text(source: str) -> MainText | None:
    """The main text and metadata of a page, or None when trafilatura finds no main text."""
    if len(source) > MAX_HTML_CHARS or not source.strip():
        return None
    import trafilatura

    quiet("trafilatura", "htmldate", "courlan", "justext")
    found = trafilatura.bare_extraction(source, with_metadata=True, include_comments=False,
                                        include_tables=True, prune_xpath=_NEVER_SHOWN)
    if found is None or not isinstance(getattr(found, "text", None), str):
        return None
    paragraphs = [" ".join(line.split()) for line in found.text.splitlines()]
    text = "\n\n".join(p for p in paragraphs if p)
    if not text:
        return None
    date = found.date or _htmldate(source)
    return MainText(text=text, title=found.title or None, outlet=found.sitename or None,
                    author=found.author or None, date=date or None, url=found.url or None)


def _htmldate(source: str) -> str | None:
    from htmldate import find_date

    try:
        return find_date(source, extensive_search=False, original_date=True)
    except Exception:  # a date is a nicety: never a reason to refuse a page
        return None


def quotable_spans(text: str, title: str | None) -> tuple[tuple[int, int], ...]:
    """Every paragraph of the main text, except page furniture and the headline repeated."""
    heading = " ".join(title.split()) if title else None
    return tuple((s, e) for s, e in paragraph_spans(text)
                 if not _FURNITURE.match(text[s:e]) and text[s:e] != heading)


def article_from_html(source: str, rel: str, kind: str, encoding: str) -> Item:
    """One page -> a Document (main text) or a Skipped."""
    try:
        found = main_text(source)
    except Exception:  # lxml or trafilatura choked: the visible text is still worth a try
        found = None
    if found is not None:
        spans = quotable_spans(found.text, found.title)
        if spans:
            doc = text_document(found.text, rel, kind, encoding, title=found.title,
                                outlet=found.outlet, date=found.date, url=found.url,
                                author=found.author, spans=spans)
            return next(iter(one(rel, doc)))
    return visible_text_article(source, rel, kind, encoding)


def visible_text_article(source: str, rel: str, kind: str, encoding: str) -> Item:
    """The page's visible text (scripts, styles, navigation dropped): askcorpus's reading
    before trafilatura, kept for pages without a main text."""
    try:
        art = html_to_article(source)
    except Exception as e:  # html.parser is lenient, but not everywhere: skip, never crash
        return Skipped(rel, f"unreadable HTML ({type(e).__name__})")
    doc = text_document(art.text, rel, kind, encoding, title=art.title, outlet=art.outlet,
                        date=art.date, url=art.url)
    return next(iter(one(rel, doc)))


def read(data: bytes, rel: str) -> Iterator[Item]:
    source, encoding = decoded(data)
    item = article_from_html(_strip_xml_declaration(source), rel, "html", encoding)
    fetched = _fetched_from(data)
    if isinstance(item, Document) and fetched:
        when = fetched.get("fetched_at")
        extra = (*item.extra, ("fetched_at", when)) if isinstance(when, str) else item.extra
        url = fetched.get("url") if isinstance(fetched.get("url"), str) else None
        item = replace(item, url=item.url or url, extra=extra)
        item = _feed_dated(item, fetched.get("feed_date"))
    yield item


def _feed_dated(doc: Document, feed_date: object) -> Document:
    """A page saved from a feed item is dated by the item (``date_source`` "feed"), before
    what the page's metadata or text suggests (kept in ``extra`` as ``page_date`` when it
    differs); an item without a date leaves the page's own."""
    from ..dates import normalise

    day = normalise(feed_date) if isinstance(feed_date, str) else None
    if day is None:
        return doc
    extra = doc.extra
    if doc.date and doc.date != day:
        extra = (*extra, ("page_date", f"{doc.date} ({doc.date_source})"))
    return replace(doc, date=day, date_source="feed", extra=extra)


def _fetched_from(data: bytes) -> dict[str, object] | None:
    m = SOURCE.match(data)
    if not m:
        return None
    try:
        found = json.loads(m.group(1))
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)


def _strip_xml_declaration(source: str) -> str:
    """lxml refuses a str with an encoding declaration; the text is decoded already."""
    return _XML_DECL.sub("", source, count=1)


HTML = Format("html", (".html", ".htm", ".xhtml"), read,
              "web pages: the main text (trafilatura), headline, site, author, date, URL")
