"""Retrieval over a stored index: dense (vectors), lexical (BM25) and their fusion (RRF)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from ..index.lexical import tokenize
from ..index.store.base import IndexReader
from ..types import Hit

MODES = ("dense", "bm25", "hybrid")


@dataclass(frozen=True)
class Ranked:
    """One retriever's ranking: (chunk id, score), best first."""

    ids: tuple[int, ...]
    scores: tuple[float, ...]


def dense_search(index: IndexReader, query_vec: np.ndarray, k: int,
                 allowed: Collection[str] | None = None) -> Ranked:
    """``allowed``: only chunks of these documents (doc ids)."""
    pairs = index.dense_search(query_vec, k, allowed)
    return Ranked(tuple(i for i, _ in pairs), tuple(s for _, s in pairs))


def lexical_search(index: IndexReader, question: str, k: int,
                   allowed: Collection[str] | None = None) -> Ranked:
    pairs = index.lexical_search(tokenize(question), k, allowed)
    return Ranked(tuple(i for i, _ in pairs), tuple(s for _, s in pairs))


def rrf(rankings: Sequence[Ranked], k: int = 60,
        weights: Sequence[float] | None = None) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: score(d) = sum_r w_r / (k + rank_r(d))."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for w, ranking in zip(weights, rankings):
        for rank, cid in enumerate(ranking.ids, 1):
            fused[cid] = fused.get(cid, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda x: (-x[1], x[0]))


def retrieve(index: IndexReader, question: str, query_vec: np.ndarray | None, *, mode: str,
             k: int, candidates: int, rrf_k: int = 60,
             allowed: Collection[str] | None = None) -> list[Hit]:
    """The ``k`` best chunks for the question in the given mode, as Hits with both ranks."""
    if mode not in MODES:
        raise ValueError(f"unknown retrieval mode {mode!r}; choose one of {', '.join(MODES)}")
    pool = max(k, candidates)
    dense = (dense_search(index, query_vec, pool, allowed)
             if mode in ("dense", "hybrid") and query_vec is not None else Ranked((), ()))
    lexical = (lexical_search(index, question, pool, allowed)
               if mode in ("bm25", "hybrid") else Ranked((), ()))
    if mode == "dense":
        order = list(zip(dense.ids, dense.scores))
    elif mode == "bm25":
        order = list(zip(lexical.ids, lexical.scores))
    else:
        order = rrf([dense, lexical], k=rrf_k)
    order = order[:k]
    chunks = index.chunks([cid for cid, _ in order])
    d_rank = {cid: r for r, cid in enumerate(dense.ids, 1)}
    d_score = dict(zip(dense.ids, dense.scores))
    l_rank = {cid: r for r, cid in enumerate(lexical.ids, 1)}
    return [Hit(cid, chunks[cid], score, d_rank.get(cid), l_rank.get(cid), d_score.get(cid))
            for cid, score in order if cid in chunks]
