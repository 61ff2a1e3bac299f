"""Word documents (.docx, python-docx): paragraphs and tables in reading order, one article
a file. The archive's uncompressed sizes are checked before anything is unpacked, so a zip
bomb is refused, not expanded."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from .base import Format, Item, Unreadable, one, text_document

MAX_UNPACKED = 200 * 2**20  # bytes, all parts together
MAX_RATIO = 200  # uncompressed / compressed, for any part above 1 MB


def check_archive(data: bytes) -> zipfile.ZipFile:
    """The DOCX as an open zip archive, after its sizes were checked. Raises Unreadable."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise Unreadable("corrupt DOCX (not a valid Word file: the zip archive is "
                         "damaged)") from None
    total = sum(i.file_size for i in infos)
    if total > MAX_UNPACKED:
        raise Unreadable(f"DOCX unpacks to {total / 2**20:,.0f} MB, above the "
                         f"{MAX_UNPACKED // 2**20} MB limit (a zip bomb?)")
    for i in infos:
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            raise Unreadable(f"DOCX part {i.filename[:60]} expands {ratio:,} times "
                             "(a zip bomb?)")
    if "word/document.xml" not in archive.namelist():
        raise Unreadable("corrupt DOCX (no word/document.xml: not a Word document)")
    return archive


def docx_text(data: bytes) -> tuple[str, dict[str, str | None]]:
    """The document's text (one block a paragraph or table row, blank lines between) and its
    title and author. Raises Unreadable with the reason."""
    check_archive(data)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        blocks: list[str] = []
        for item in document.iter_inner_content():
            if isinstance(item, Table):
                for row in item.rows:
                    cells = [" ".join(c.text.split()) for c in row.cells]
                    blocks.append(" | ".join(dict.fromkeys(c for c in cells if c)))
            else:
                blocks.append(item.text)
        props = document.core_properties
        meta = {"title": props.title or None, "author": props.author or None}
    except Unreadable:
        raise
    except Exception as e:  # python-docx and lxml raise many kinds on damaged files
        raise Unreadable(f"corrupt DOCX ({type(e).__name__})") from None
    text = "\n\n".join(b.strip() for b in blocks if b.strip())
    return text, meta


def read(data: bytes, rel: str) -> Iterator[Item]:
    text, meta = docx_text(data)
    # core properties often hold a template's title ("Document1"): the headline in the text wins
    yield from one(rel, text_document(text, rel, "docx", "utf-8", author=meta["author"]))


DOCX = Format("docx", (".docx",), read, "Word documents (python-docx), one article a file")
