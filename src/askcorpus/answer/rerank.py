"""The reranker slot: a cross-encoder re-scores the fused hits (``--mode rerank``).

By default askcorpus's own answer reader (reader.py) fills it, reading each chunk as the
candidate; trained on answer sentences, not on documents, it ranks worse than hybrid retrieval
alone on SciFact, so its z-scored score is blended with the retrieval score's
(``retrieval_weight``, two-fold on SciFact train by benchmarks/tune_rerank.py; see
docs/BENCHMARKS.md). ``ASKCORPUS_RERANKER`` may point at a local sentence-transformers
CrossEncoder folder instead, whose order is used as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..config import force_offline
from ..errors import ModelError
from ..types import Hit


class Reranker(Protocol):
    name: str
    # share of the retrieval (fused) score in the new order: 0 the reranker alone, 1 unchanged
    retrieval_weight: float

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray: ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local folder on first use."""

    def __init__(self, path: str, device: str = "cpu") -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise ModelError(f"reranker folder {self.path} does not exist")
        self.name = self.path.name
        self.device = device
        self.retrieval_weight = 0.0
        self._model = None

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            force_offline()
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(self.path), device=self.device)
        return np.asarray(self._model.predict([(question, t) for t in texts]), np.float32)


RETRIEVAL_WEIGHT = 0.9  # benchmarks/tune_rerank.py: chosen on half of SciFact train (0.9 and 1.0)


def _z(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() + 1e-6)


def blend(scores: np.ndarray, fused: np.ndarray, retrieval_weight: float) -> np.ndarray:
    """``(1 - a) * z(scores) + a * z(fused)``; the reranker's scores as they are when ``a`` is 0
    or there is one hit. What ``rerank`` orders by, and what benchmarks/tune_rerank.py tunes."""
    scores = np.asarray(scores, np.float32)
    if not retrieval_weight or len(scores) < 2:
        return scores
    a = retrieval_weight
    return (1 - a) * _z(scores) + a * _z(np.asarray(fused, np.float32))


class ReaderReranker:
    """askcorpus's reader as a document reranker: each chunk (its first ``max_tokens`` word
    pieces) read as the candidate, in batches of ``batch``."""

    def __init__(self, reader: Any, max_tokens: int = 192, batch: int = 16,
                 retrieval_weight: float = RETRIEVAL_WEIGHT) -> None:
        self.reader = reader
        self.max_tokens = max_tokens
        self.batch = batch
        self.retrieval_weight = retrieval_weight

    @property
    def name(self) -> str:
        return str(self.reader.name)

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        from .reader import ReaderInput

        items = [ReaderInput(t) for t in texts]
        out = []
        for s in range(0, len(items), self.batch):
            pairs = self.reader.encode(question, items[s:s + self.batch],
                                       max_sentence=self.max_tokens)
            out.append(self.reader.run(pairs))
        return np.concatenate(out) if out else np.zeros(0, np.float32)


def rerank(question: str, hits: Sequence[Hit], reranker: Reranker, top_n: int = 30) -> list[Hit]:
    """Re-order the first ``top_n`` hits by the reranker's score, blended with the retrieval
    score by ``reranker.retrieval_weight`` (both z-scored); the rest keep their order."""
    head, tail = list(hits[:top_n]), list(hits[top_n:])
    if not head:
        return []
    scores = blend(reranker.score(question, [h.chunk.text for h in head]),
                   np.asarray([h.score for h in head]),
                   float(getattr(reranker, "retrieval_weight", 0.0)))
    order = np.argsort(-scores, kind="stable")
    return [replace(head[i], score=float(scores[i])) for i in order] + tail
