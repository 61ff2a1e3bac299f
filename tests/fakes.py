"""Test doubles: a deterministic hashing embedder that needs no model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np


class FakeEmbedder:
    """Bag-of-words hashed into ``dim`` buckets, L2-normalized. Counts what it embeds."""

    backend = "fake"

    def __init__(self, dim: int = 64, name: str = "fake-hash-embedder") -> None:
        self.name = name
        self.dim = dim
        self.embedded_texts: list[str] = []

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, np.float32)
        for w in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.embedded_texts.extend(texts)
        out = np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim))
        if progress:
            progress(len(texts))
        return out.astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


def word_counter(text: str) -> int:
    """A cheap stand-in for word-piece counting: words and punctuation marks."""
    return len(re.findall(r"\w+|[^\w\s]", text))
