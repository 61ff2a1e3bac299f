"""Plain text (.txt) and Markdown (.md): the decoded file is the article."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Format, Item, Reader, decoded, one, text_document


def _reader(kind: str) -> Reader:
    def read(data: bytes, rel: str) -> Iterator[Item]:
        text, encoding = decoded(data)
        yield from one(rel, text_document(text, rel, kind, encoding))
    return read


TXT = Format("txt", (".txt", ".text"), _reader("txt"), "plain text, one article a file")
MD = Format("md", (".md", ".markdown"), _reader("md"), "Markdown, one article a file")
