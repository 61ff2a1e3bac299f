"""Sentence vectors pooled from a chunk's token states ("late chunking"), made while indexing.

Embedding a chunk already computes one contextual vector per word piece; the chunk vector is
their mean. Averaging only the word pieces inside one sentence gives that sentence a vector at
no extra model cost, so answering never has to run the model over candidate sentences (which
cost ~6 ms a sentence on 2 CPU cores: most of an answer's time).

A sentence split across chunks (or repeated in the overlap of two) gets the mean of its pieces.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Span = tuple[int, int]


def pool_spans(states: np.ndarray, offsets: np.ndarray, spans: Sequence[Span]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Mean token state inside each character span (unnormalized), and the token counts.

    ``states`` (tokens × dim) and ``offsets`` (tokens × 2, character offsets into the embedded
    text; special tokens have an empty range) belong to one text."""
    dim = states.shape[1]
    out = np.zeros((len(spans), dim), np.float32)
    counts = np.zeros(len(spans), np.int64)
    if not len(spans) or not len(offsets):
        return out, counts
    real = offsets[:, 1] > offsets[:, 0]
    starts, ends = offsets[:, 0], offsets[:, 1]
    for j, (a, b) in enumerate(spans):
        sel = real & (starts >= a) & (ends <= b)
        n = int(sel.sum())
        if n:
            out[j] = states[sel].mean(axis=0)
            counts[j] = n
    return out, counts


def chunk_spans(sentences: Sequence[Span], chunk_start: int, chunk_end: int, shift: int
                ) -> tuple[list[int], list[Span]]:
    """Which document sentences a chunk holds (clipped to it), as spans of the embedded text.

    ``shift`` maps a document offset to an offset of the embedded text (headline in front):
    ``embedded = doc - chunk_start + len(prefix)``."""
    which, spans = [], []
    for i, (s, e) in enumerate(sentences):
        if e <= chunk_start or s >= chunk_end:
            continue
        a, b = max(s, chunk_start), min(e, chunk_end)
        which.append(i)
        spans.append((a - chunk_start + shift, b - chunk_start + shift))
    return which, spans


class SentenceAccumulator:
    """Collects pooled pieces per (document, sentence) and gives each document's matrix."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._sum: dict[tuple[str, int], np.ndarray] = {}
        self._n: dict[tuple[str, int], int] = {}

    def add(self, doc_id: str, which: Sequence[int], pooled: np.ndarray,
            counts: np.ndarray) -> None:
        for i, v, n in zip(which, pooled, counts, strict=True):
            if n:
                key = (doc_id, i)
                w = float(n)
                self._sum[key] = self._sum.get(key, 0.0) + v * w  # type: ignore[operator]
                self._n[key] = self._n.get(key, 0) + int(n)

    def matrix(self, doc_id: str, n_sentences: int) -> np.ndarray:
        """Normalized float16 rows, one per sentence; a zero row where no piece was seen."""
        out = np.zeros((n_sentences, self.dim), np.float32)
        for i in range(n_sentences):
            total = self._sum.get((doc_id, i))
            if total is not None:
                norm = float(np.linalg.norm(total))
                if norm > 0:
                    out[i] = total / norm
        return out.astype(np.float16)
