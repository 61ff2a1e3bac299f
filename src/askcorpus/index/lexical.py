"""Lexical retrieval: one tokenizer for index and queries, BM25 scoring by bm25s."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

BM25_PARAMS: dict[str, Any] = {"library": "bm25s", "method": "lucene", "k1": 1.2, "b": 0.75,
                               "stemmer": "english", "stopwords": "en"}
_WORD = re.compile(r"[^\W_]+(?:[’'][^\W_]+)*", re.UNICODE)


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lowercased words without stopwords, Snowball-stemmed. Numbers keep their digits."""
    words = [w.replace("’", "'") for w in _WORD.findall(text.lower())]
    stop = _stopwords()
    kept = [w for w in words if w not in stop]
    return _stemmer().stemWords(kept) if kept else []


def tokenize_many(texts: Sequence[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]


class Lexical:
    """A BM25 index over chunk texts; row ``i`` is chunk id ``i``."""

    def __init__(self, bm25: Any) -> None:
        self._bm25 = bm25

    @classmethod
    def build(cls, tokens: list[list[str]]) -> Lexical:
        import bm25s

        bm25 = bm25s.BM25(k1=BM25_PARAMS["k1"], b=BM25_PARAMS["b"], method=BM25_PARAMS["method"])
        # bm25s cannot index an empty corpus or all-empty documents: add a sentinel token
        bm25.index([t or ["\x00"] for t in tokens] or [["\x00"]], show_progress=False)
        return cls(bm25)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder))

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=True))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self._bm25.scores["num_docs"], dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def knows(self, token: str, min_prefix: int = 4) -> bool:
        """Is the token, or a word sharing its first letters, in the index?

        "korea" finds "korean", "british" finds "britain": the prefix compared is the token
        less its last 3 letters, never shorter than ``min_prefix``.
        """
        vocab = self._bm25.vocab_dict
        if token in vocab:
            return True
        if len(token) < min_prefix:
            return False
        sorted_vocab = getattr(self, "_sorted", None)
        if sorted_vocab is None:
            sorted_vocab = self._sorted = sorted(vocab)
        prefix = token[:max(min_prefix, len(token) - 3)]
        i = bisect.bisect_left(sorted_vocab, prefix)
        return i < len(sorted_vocab) and sorted_vocab[i].startswith(prefix)

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Lucene-style idf of each token over the indexed chunks (0 for unknown tokens)."""
        vocab = self._bm25.vocab_dict
        indptr = self._bm25.scores["indptr"]
        n = float(self._bm25.scores["num_docs"])
        out: dict[str, float] = {}
        for t in tokens:
            tid = vocab.get(t)
            df = float(indptr[tid + 1] - indptr[tid]) if tid is not None else 0.0
            out[t] = float(np.log(1.0 + (n - df + 0.5) / (df + 0.5))) if df else 0.0
        return out

    def search(self, query_tokens: list[str], k: int,
               allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Top ``k`` (row, score) with a positive score; ``allowed`` masks rows (bool array)."""
        scores = self.scores(query_tokens)
        if allowed is not None:
            scores = np.where(allowed, scores, 0.0)
        k = min(k, len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]
