"""Plain text (.txt) and Markdown (.md): the decoded file is the article."""

from __future__ import annotations

from collections.abc import Iterator

from ...types import Skipped
from .base import Format, Item, Reader, decode, one, text_document


def _reader(kind: str) -> Reader:
    def read(data: bytes, rel: str) -> Iterator[Item]:
        try:
            text, encoding = decode(data)
        except ValueError as e:
            yield Skipped(rel, str(e))
            return
        yield from one(rel, text_document(text, rel, kind, encoding))
    return read


TXT = Format("txt", (".txt", ".text"), _reader("txt"), "plain text, one article a file")
MD = Format("md", (".md", ".markdown"), _reader("md"), "Markdown, one article a file")
