"""Document -> Chunks with exact offsets, token-aware (langchain-text-splitters).

Chunks never cross page furniture (each quotable span is split on its own) and never exceed
``max_tokens`` word pieces of the embedding model, so no part of a chunk is silently truncated.
A chunk is also at most ``MAX_CHARS_PER_TOKEN * chunk_tokens`` characters: a run of text the
tokenizer reads as one unknown word piece (a 1 MB line with no space) is still cut into
quotable pieces. Normal text never comes near that bound (~5 characters per word piece).

Speed: the splitter measures every piece it considers (each word, or each character of text
without spaces), so short pieces are counted once and remembered: a single 1,000,000-character
line is chunked in seconds, not minutes, with exactly the same chunks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..types import Chunk, Document

SEPARATORS = ["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""]
MAX_CHARS_PER_TOKEN = 20  # a chunk is at most chunk_tokens * this many characters
_MEMO_CHARS = 64  # pieces up to this long have their token count remembered
_MEMO_SIZE = 200_000


@dataclass(frozen=True)
class ChunkerSettings:
    chunk_tokens: int
    chunk_overlap: int
    tokenizer: str  # which tokenizer counts length (recorded in the manifest)
    title_context: bool = True  # the headline goes in front of each chunk's indexed text
    title_tokens: int = 40  # at most this many word pieces of it

    def as_dict(self) -> dict[str, Any]:
        return {"splitter": "RecursiveCharacterTextSplitter", "chunk_tokens": self.chunk_tokens,
                "chunk_overlap": self.chunk_overlap, "tokenizer": self.tokenizer,
                "separators": SEPARATORS, "title_context": self.title_context,
                "title_tokens": self.title_tokens}


class Chunker:
    """Splits documents into overlapping chunks of at most ``chunk_tokens`` word pieces."""

    def __init__(self, count_tokens: Callable[[str], int], settings: ChunkerSettings) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        if settings.chunk_overlap >= settings.chunk_tokens:
            raise ValueError("chunk_overlap must be smaller than chunk_tokens")
        self.settings = settings
        self.count_tokens = count_tokens
        self.max_chars = settings.chunk_tokens * MAX_CHARS_PER_TOKEN
        self._memo: dict[str, int] = {}
        self._splitter = RecursiveCharacterTextSplitter(
            chunk_size=settings.chunk_tokens, chunk_overlap=settings.chunk_overlap,
            length_function=self._count, separators=SEPARATORS, keep_separator="end",
            strip_whitespace=True,
        )

    def _count(self, text: str) -> int:
        """``count_tokens``, remembered for short pieces (words, single characters)."""
        if len(text) > _MEMO_CHARS:
            return self.count_tokens(text)
        n = self._memo.get(text)
        if n is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            n = self._memo[text] = self.count_tokens(text)
        return n

    def split(self, doc: Document) -> list[Chunk]:
        chunks: list[Chunk] = []
        for span_start, span_end in doc.spans:
            for start, end in self._split_span(doc.text, span_start, span_end):
                chunks.append(Chunk(doc.id, start, end, doc.text[start:end], len(chunks)))
        return chunks

    def indexed_text(self, doc: Document, chunk: Chunk) -> str:
        """What is embedded and BM25-indexed for a chunk: its headline, then its text.

        The quote shown to users is always ``chunk.text`` itself; the headline only gives
        the chunk context ("it", "the move") for retrieval.
        """
        if not self.settings.title_context or not doc.title or doc.title == "(untitled)":
            return chunk.text
        title = doc.title.rstrip("…")
        if title in chunk.text:
            return chunk.text
        words = title.split()
        while words and self.count_tokens(" ".join(words)) > self.settings.title_tokens:
            words = words[: max(1, len(words) * 3 // 4)] if len(words) > 1 else []
        return f"{' '.join(words)}\n{chunk.text}" if words else chunk.text

    def split_many(self, docs: Iterable[Document]) -> list[Chunk]:
        return [c for d in docs for c in self.split(d)]

    def _split_span(self, text: str, a: int, b: int) -> list[tuple[int, int]]:
        segment = text[a:b]
        if b - a <= self.max_chars and self._count(segment) <= self.settings.chunk_tokens:
            return [(a, b)]
        out: list[tuple[int, int]] = []
        cursor = covered = 0
        for piece in self._splitter.split_text(segment):
            # each piece adds text past the previous one (overlap only reaches back): in
            # repetitive text ("0:0:0:0", repeated boilerplate) an earlier copy is the wrong place
            pos = segment.find(piece, max(cursor, covered - len(piece) + 1))
            if pos < 0:
                pos = segment.find(piece, cursor)
            if pos < 0:  # the splitter returned text that is not in the span: locate it anyway
                pos = segment.find(piece)
            if pos < 0:
                raise AssertionError("chunk text not found in its document")  # pragma: no cover
            out.append((a + pos, a + pos + len(piece)))
            cursor = pos + 1
            covered = max(covered, pos + len(piece))
        return [s for s in self._enforce_limit(text, out)]

    def _fits(self, text: str, s: int, e: int) -> bool:
        return e - s <= self.max_chars and self._count(text[s:e]) <= self.settings.chunk_tokens

    def _enforce_limit(self, text: str, spans: list[tuple[int, int]]) -> Iterable[tuple[int, int]]:
        """Token counts of merged pieces can exceed the sum of their parts, and one unknown
        word piece can be any length: cut what is over either limit."""
        for s, e in spans:
            while not self._fits(text, s, e):
                lo, hi = s + 1, min(e, s + self.max_chars)  # largest prefix within the limits
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if self._fits(text, s, mid):
                        lo = mid
                    else:
                        hi = mid - 1
                space = text.rfind(" ", s + 1, lo)  # prefer to cut at a space
                cut = space if space > s and self._fits(text, s, space) else lo
                yield s, cut
                s = cut
                while s < e and text[s].isspace():
                    s += 1
            if s < e:
                yield s, e


def wordpiece_counter(tokenizer_json: str) -> Callable[[str], int]:
    """Count word pieces with the model's own fast tokenizer (no special tokens)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tokenizer_json)
    tok.no_truncation()
    tok.no_padding()

    def count(text: str) -> int:
        return len(tok.encode(text, add_special_tokens=False).ids)

    return count
