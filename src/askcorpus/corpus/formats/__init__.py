"""File formats: ``(bytes, name) -> Document``s with metadata and exact offsets.

One module per format, each exporting :class:`~.base.Format` objects; :data:`FORMATS` is the
table. A file is read by the first format that claims its extension and, where the format
sniffs, recognises its content (a LexisNexis export is a ``.txt`` that says ``1 of 10
DOCUMENTS``). Adding a format: write its module, add one line to the table.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...types import Skipped
from . import factiva, html, jsonfile, lexisnexis, mail, pdf, rtf, text, word
from .base import Format, Item, Unreadable

FORMATS: tuple[Format, ...] = (  # the first that claims a file reads it: exports first
    lexisnexis.TXT,
    lexisnexis.DOCX,
    factiva.RTF,
    factiva.HTML,
    text.TXT,
    text.MD,
    html.HTML,
    jsonfile.JSON,
    jsonfile.JSONL,
    pdf.PDF,
    word.DOCX,
    rtf.RTF,
    mail.EML,
    mail.MBOX,
)

EXTENSIONS: dict[str, str] = {ext: f.name for f in reversed(FORMATS) for ext in f.extensions}
"""Every extension read, to the name of its plain (non-sniffing) format."""


def pick(name: str, data: bytes) -> Format | None:
    """The format that reads a file called ``name`` holding ``data``, or None."""
    dot = name.rfind(".")
    ext = name[dot:].lower() if dot > name.rfind("/") else ""
    for fmt in FORMATS:
        if ext in fmt.extensions and (fmt.sniff is None or fmt.sniff(data)):
            return fmt
    return None


def read(data: bytes, name: str, fmt: Format | None = None) -> Iterator[Item]:
    """The articles of one file (``name``: its path relative to the corpus folder), or
    Skipped entries with the reason; never raises for bad input."""
    fmt = fmt or pick(name, data)
    if fmt is None:
        dot = name.rfind(".")
        suffix = name[dot:] if dot > name.rfind("/") else "(none)"
        yield Skipped(name, f"unsupported file type {suffix}")
        return
    try:
        yield from fmt.read(data, name)
    except Unreadable as e:
        yield Skipped(name, str(e))
    except RecursionError:
        yield Skipped(name, f"unreadable {fmt.name} file (nested too deeply)")
    except Exception as e:  # a library choked on a damaged file: a reason, never a crash
        yield Skipped(name, f"unreadable {fmt.name} file ({type(e).__name__})")


__all__ = ["EXTENSIONS", "FORMATS", "Format", "Item", "Unreadable", "pick", "read"]
