"""PDF (.pdf): the text layer, page by page (pypdf). A scan without a text layer and an
encrypted file are refused with what to do about them."""

from __future__ import annotations

import io
from collections.abc import Iterator

from .base import Format, Item, Unreadable, one, quiet, text_document

MAX_PAGES = 2000


def pdf_text(data: bytes) -> tuple[str, dict[str, str | None]]:
    """The text layer (pages separated by a blank line) and the document's title and author.
    Raises Unreadable with the reason."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    quiet("pypdf")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise Unreadable("encrypted PDF (it needs a password): save an unprotected copy")
        if len(reader.pages) > MAX_PAGES:
            raise Unreadable(f"PDF has {len(reader.pages)} pages, more than {MAX_PAGES}")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata
        meta = {"title": getattr(info, "title", None), "author": getattr(info, "author", None)}
    except Unreadable:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError,
            RecursionError, IndexError, AssertionError, ZeroDivisionError) as e:
        raise Unreadable(f"corrupt PDF ({_why(e)})") from None
    except Exception as e:  # pypdf raises many kinds on damaged files
        if "crypt" in str(e).lower():
            raise Unreadable("encrypted PDF (askcorpus cannot decrypt it): save an "
                             "unprotected copy") from None
        raise Unreadable(f"corrupt PDF ({_why(e)})") from None
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise Unreadable("PDF has no text layer (scanned pages or images only): run OCR "
                         "first, e.g. `ocrmypdf in.pdf out.pdf`, and add the result")
    return text, {k: v if isinstance(v, str) and v.strip() else None for k, v in meta.items()}


def _why(e: Exception) -> str:
    msg = str(e).splitlines()[0][:120] if str(e) else ""
    return f"{type(e).__name__}: {msg}" if msg else type(e).__name__


def read(data: bytes, rel: str) -> Iterator[Item]:
    text, meta = pdf_text(data)
    yield from one(rel, text_document(text, rel, "pdf", "utf-8", title=meta["title"],
                                      author=meta["author"]))


PDF = Format("pdf", (".pdf",), read, "PDF with a text layer (pypdf), one article a file")
