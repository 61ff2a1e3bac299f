"""Hits -> an Answer made of verbatim, attributed quotes (or an honest abstention).

The stages: candidate sentences and their ranking (candidates.py), quotes of 1-3 sentences
(quotes.py), every supporting and doubting article (sources.py). A small logistic model over the
best candidate's features decides whether anything answers at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..index.lexical import tokenize
from ..index.store.base import IndexReader
from ..types import Answer, Hit
from .candidates import FEATURES, AnswerSettings, Candidates, gather, rank
from .quotes import mark_answers, select_quotes
from .sources import NO_ANSWER, agreement, collapse_copies, with_doubts, with_support

__all__ = ["FEATURES", "NO_ANSWER", "AnswerSettings", "Candidates", "abstain_vector", "compose",
           "confidence", "gather", "rank", "select_quotes"]


ABSTAIN_FEATURES = ("bias", "best_cos", "best_lex", "best_offer", "oov", "best_score",
                    "max_cos", "best_key", "offer_x_lex", "oov_name", "count_missing")


def abstain_vector(cands: Candidates, scores: np.ndarray) -> np.ndarray:
    """The abstention model's inputs for a question (see ABSTAIN_FEATURES)."""
    counted = getattr(cands, "counted", None)
    if not len(scores):
        return np.asarray([1.0, 0, 0, 0, cands.oov, 0, 0, 0, 0, cands.oov_name,
                           float(counted is not None)], np.float64)
    best = int(np.argmax(scores))
    f = cands.feats[best]
    missing = counted is not None and counted not in set(tokenize(cands.texts[best]))
    return np.asarray([1.0, f[0], f[1], f[3], cands.oov, float(scores.max()), cands.max_cos,
                       f[5], f[3] * f[1], cands.oov_name, float(missing)], np.float64)


# with the reader: the same inputs, then the reader's best logit and that of the top candidate
READER_ABSTAIN_FEATURES = (*ABSTAIN_FEATURES, "best_reader", "top_reader")


def reader_abstain_vector(cands: Candidates, scores: np.ndarray) -> np.ndarray:
    """The reader-on abstention model's inputs (see READER_ABSTAIN_FEATURES); logits are
    clipped to [-8, 8] and scaled by 1/4."""
    base = abstain_vector(cands, scores)
    logits = cands.reader if cands.reader is not None else np.zeros(0, np.float32)
    read = logits[~np.isnan(logits)] if len(logits) else logits
    if not len(scores) or not len(read):
        return np.r_[base, -2.0, -2.0]
    top = logits[int(np.argmax(scores))]
    top = float(read.min()) if np.isnan(top) else float(top)
    return np.r_[base, np.clip(float(read.max()), -8, 8) / 4, np.clip(top, -8, 8) / 4]


def uses_reader(cands: Candidates, cfg: AnswerSettings) -> bool:
    return getattr(cands, "reader", None) is not None and bool(cfg.reader_abstain)


def confidence(cands: Candidates, scores: np.ndarray, cfg: AnswerSettings) -> float:
    """Probability that the best candidate answers the question (logistic model)."""
    if uses_reader(cands, cfg):
        w, x = cfg.reader_abstain, reader_abstain_vector(cands, scores)
    else:
        w, x = cfg.abstain, abstain_vector(cands, scores)
    z = float(np.dot(np.asarray(w, np.float64), x))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def threshold(cands: Candidates, cfg: AnswerSettings) -> float:
    return cfg.reader_threshold if uses_reader(cands, cfg) else cfg.abstain_threshold


def compose(question: str, hits: Sequence[Hit], index: IndexReader, embedder: object,
            query_vec: np.ndarray | None, *, k: int, settings: AnswerSettings | None = None,
            focus: str | None = None, reader: object | None = None,
            spans: object | None = None) -> Answer:
    cfg = settings or AnswerSettings()
    cands = gather(question, hits, index, embedder, query_vec, cfg, focus=focus, reader=reader)
    if not cands.keys:
        return Answer(question=question, answered=False, message=NO_ANSWER)
    scores = rank(cands, cfg)
    quotes = collapse_copies(select_quotes(cands, scores, index, k + 2, cfg), index)[:k]
    quotes = with_support(quotes, cands, scores, index, k)
    quotes = with_doubts(quotes, cands, index, k)
    conf = confidence(cands, scores, cfg)
    if conf < threshold(cands, cfg):
        return Answer(question=question, answered=False, message=NO_ANSWER,
                      related=tuple(quotes[:3]), confidence=conf)
    extra = agreement(quotes, cands.qtype, cfg)
    if spans is not None:  # after agreement: that compares the rules' typed answers
        quotes = mark_answers(focus or question, quotes, cands, spans,
                              keep_typed=cfg.keep_typed_marks)
    return Answer(question=question, answered=True, quotes=tuple(quotes), confidence=conf,
                  message=extra.pop("message"), extra=extra)
