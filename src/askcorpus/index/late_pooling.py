"""Sentence vectors pooled from a chunk's token states ("late chunking"), made while indexing.

Embedding a chunk already computes one contextual vector per word piece; the chunk vector is
their mean. Averaging only the word pieces inside one sentence gives that sentence a vector at
no extra model cost, so answering never has to run the model over candidate sentences (which
cost ~6 ms a sentence on 2 CPU cores: most of an answer's time).

A sentence split across chunks (or repeated in the overlap of two) gets the mean of its pieces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

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

    def add(self, doc_id: str, which: Sequence[int], pooled: np.ndarray,
            counts: np.ndarray) -> None:
        for i, v, n in zip(which, pooled, counts, strict=True):
            if n:  # weighted by token count; matrix() normalizes, so the sum is enough
                key = (doc_id, i)
                self._sum[key] = self._sum.get(key, 0.0) + v * float(n)  # type: ignore[operator]

    def matrix(self, doc_id: str, n_sentences: int) -> np.ndarray:
        """Normalized rows, one per sentence; a zero row where no piece was seen."""
        out = np.zeros((n_sentences, self.dim), np.float32)
        for i in range(n_sentences):
            total = self._sum.get((doc_id, i))
            if total is not None:
                norm = float(np.linalg.norm(total))
                if norm > 0:
                    out[i] = total / norm
        return out


# Stored as int8 with one float32 scale per row (the row's largest |component| maps to 127):
# cosine to the float32 vector > 0.9999, at ~30 % of float32's bytes (~270 MB per 100k
# chunks of news). Layout: n float32 scales, then n × dim int8.
STORED_DTYPE = "int8-rowscale"


def encode_rows(matrix: np.ndarray) -> bytes:
    m = np.asarray(matrix, np.float32)
    scale = np.abs(m).max(axis=1) if len(m) else np.zeros(0, np.float32)
    safe = np.where(scale > 0, scale, 1.0).astype(np.float32)
    q = np.clip(np.rint(m / safe[:, None] * 127), -127, 127).astype(np.int8)
    return scale.astype(np.float32).tobytes() + q.tobytes()


def decode_rows(blob: bytes, dim: int, dtype: str = STORED_DTYPE) -> np.ndarray:
    """float32 rows from a stored blob (``dtype`` as the manifest records it)."""
    if dtype == "float16":  # indexes written by the first version of pooling
        return np.frombuffer(blob, np.float16).reshape(-1, dim).astype(np.float32)
    n = len(blob) // (4 + dim)
    scale = np.frombuffer(blob, np.float32, count=n)
    q = np.frombuffer(blob, np.int8, offset=4 * n).reshape(n, dim)
    return q.astype(np.float32) * (scale / 127.0)[:, None]


def stored_size(n_rows: int, dim: int, dtype: str = STORED_DTYPE) -> int:
    return n_rows * dim * 2 if dtype == "float16" else n_rows * (4 + dim)


def decode_stored(rows: Iterable[tuple[str, bytes]], dim: int, dtype: str,
                  where: str) -> dict[str, np.ndarray]:
    """``{doc id: float32 rows}`` from (doc id, blob) rows of a store; a blob of the wrong
    length is one clear IndexCorruptError naming the index."""
    from ..errors import IndexCorruptError

    out = {}
    for doc_id, blob in rows:
        blob = bytes(blob)
        if len(blob) % stored_size(1, dim, dtype):
            raise IndexCorruptError(f"sentence vectors of {doc_id} in {where} are damaged; "
                                    "run `askcorpus index --rebuild`")
        out[doc_id] = decode_rows(blob, dim, dtype)
    return out
