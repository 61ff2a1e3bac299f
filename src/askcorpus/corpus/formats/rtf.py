"""Rich Text Format (.rtf, striprtf): the text, one article a file."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Format, Item, Unreadable, decoded, one, text_document


def rtf_text(data: bytes) -> str:
    """The plain text of an RTF file. Raises Unreadable with the reason."""
    source, _ = decoded(data)
    if not source.lstrip().startswith("{\\rtf"):
        raise Unreadable("not an RTF file (it does not start with {\\rtf)")
    from striprtf.striprtf import rtf_to_text

    try:
        text = rtf_to_text(source, errors="replace")
    except Exception as e:  # striprtf on a damaged file
        raise Unreadable(f"unreadable RTF ({type(e).__name__})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read(data: bytes, rel: str) -> Iterator[Item]:
    yield from one(rel, text_document(rtf_text(data), rel, "rtf", "utf-8"))


RTF = Format("rtf", (".rtf",), read, "Rich Text Format (striprtf), one article a file")
