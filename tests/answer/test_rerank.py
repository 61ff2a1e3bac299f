"""The reranker slot's blend of the reranker's score with the retrieval score (no model)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from askcorpus.answer.rerank import rerank
from askcorpus.types import Chunk, Hit


class Scores:
    name = "fake"

    def __init__(self, scores: list[float], retrieval_weight: float) -> None:
        self.scores = scores
        self.retrieval_weight = retrieval_weight

    def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.scores[:len(texts)], np.float32)


def hits(n: int) -> list[Hit]:  # retrieval order 0, 1, 2, ...: fused scores falling
    return [Hit(id=i, chunk=Chunk(f"d{i}", 0, 1, f"t{i}"), score=1.0 / (61 + i))
            for i in range(n)]


def order(out: list[Hit]) -> list[int]:
    return [h.id for h in out]


def test_weight_zero_is_the_reranker_alone_and_one_keeps_retrieval() -> None:
    reader = [0.0, 5.0, 1.0, 3.0]
    assert order(rerank("q", hits(4), Scores(reader, 0.0))) == [1, 3, 2, 0]
    assert order(rerank("q", hits(4), Scores(reader, 1.0))) == [0, 1, 2, 3]


@pytest.mark.parametrize("a", [0.3, 0.5, 0.7])
def test_blend_is_z_scored_mix(a: float) -> None:
    reader = np.asarray([0.0, 5.0, 1.0, 3.0, -2.0])
    fused = np.asarray([h.score for h in hits(5)])

    def z(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / (x.std() + 1e-6)

    want = list(np.argsort(-((1 - a) * z(reader) + a * z(fused)), kind="stable"))
    out = rerank("q", hits(5), Scores(list(reader), a))
    assert order(out) == want
    assert out[0].score == pytest.approx(float(((1 - a) * z(reader) + a * z(fused))[want[0]]),
                                         rel=1e-4)


def test_only_top_n_move_and_a_reranker_without_a_weight_ranks_alone() -> None:
    class Bare:
        name = "bare"

        def score(self, question: str, texts: Sequence[str]) -> np.ndarray:
            return np.arange(len(texts), dtype=np.float32)  # reverses the head

    out = rerank("q", hits(6), Bare(), top_n=3)  # type: ignore[arg-type]
    assert order(out) == [2, 1, 0, 3, 4, 5]
    assert rerank("q", [], Bare()) == []  # type: ignore[arg-type]
