"""The reranker slot: a cross-encoder re-scores the fused hits when one is available.

No cross-encoder ships its weights in a PyPI package today (see docs), so this stays empty by
default; point ``ASKCORPUS_RERANKER`` at a local sentence-transformers CrossEncoder folder and
``--mode rerank`` uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Protocol

import numpy as np

from .config import force_offline
from .errors import ModelError
from .types import Hit


class Reranker(Protocol):
    name: str

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray: ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local folder on first use."""

    def __init__(self, path: str, device: str = "cpu") -> None:
        self.path = Path(path).expanduser()
        if not self.path.is_dir():
            raise ModelError(f"reranker folder {self.path} does not exist")
        self.name = self.path.name
        self.device = device
        self._model = None

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        if self._model is None:
            force_offline()
            from sentence_transformers import CrossEncoder

            self._model = CrossEncoder(str(self.path), device=self.device)
        return np.asarray(self._model.predict([(question, t) for t in texts]), np.float32)


def rerank(question: str, hits: Sequence[Hit], reranker: Reranker, top_n: int = 30) -> list[Hit]:
    """Re-order the first ``top_n`` hits by the reranker's score; the rest keep their order."""
    head, tail = list(hits[:top_n]), list(hits[top_n:])
    if not head:
        return []
    scores = reranker.score(question, [h.chunk.text for h in head])
    order = np.argsort(-scores, kind="stable")
    return [replace(head[i], score=float(scores[i])) for i in order] + tail
