"""Quotes from ranked candidates: 1-3 verbatim sentences, the answering span marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..index.store.base import IndexReader
from ..types import DocInfo, Quote
from .candidates import _CONTINUES, AnswerSettings, Candidates, sentence_before
from .hedges import doubts, flag_text
from .reader import ReaderInput


def select_quotes(cands: Candidates, scores: np.ndarray, index: IndexReader, k: int,
                  cfg: AnswerSettings) -> list[Quote]:
    order = np.argsort(-scores, kind="stable")
    by_key = {key: (j, float(scores[j])) for j, key in enumerate(cands.keys)}
    infos = index.doc_infos(list({d for d, _ in cands.keys}))
    quotes: list[Quote] = []
    per_doc: dict[str, int] = {}
    used: set[tuple[str, int]] = set()
    for j in order:
        if len(quotes) >= k:
            break
        doc_id, i = cands.keys[j]
        if per_doc.get(doc_id, 0) >= cfg.per_doc or (doc_id, i) in used:
            continue
        text, sents = cands.doc_sents[doc_id]
        lo, hi = _window(text, sents, doc_id, i, float(scores[j]), by_key, cfg)
        if any((doc_id, x) in used for x in range(lo, hi + 1)):
            continue
        used.update((doc_id, x) for x in range(lo, hi + 1))
        per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
        quotes.append(_quote(text, sents, lo, hi, i, cands.offers[j], float(scores[j]),
                             infos[doc_id]))
    return quotes


def _window(text: str, sents: list[tuple[int, int]], doc_id: str, i: int, score: float,
            by_key: dict[tuple[str, int], tuple[int, float]],
            cfg: AnswerSettings) -> tuple[int, int]:
    """Widen the best sentence to 1-3 sentences when a neighbour carries its context."""
    lo = hi = i

    def same_para(a: int, b: int) -> bool:
        ok = 0 <= a < len(sents) and 0 <= b < len(sents)
        return ok and "\n" not in text[sents[a][1]:sents[b][0]]

    s, e = sents[i]
    if i > 0 and _CONTINUES.match(text[s:e]) and same_para(i - 1, i):
        lo -= 1
    for nb in (i + 1, i - 1):
        if lo <= nb <= hi or hi - lo >= 2 or not same_para(min(nb, i), max(nb, i)):
            continue
        if by_key.get((doc_id, nb), (0, 0.0))[1] >= cfg.neighbour_ratio * score:
            lo, hi = min(lo, nb), max(hi, nb)
    return lo, hi


def _quote(text: str, sents: list[tuple[int, int]], lo: int, hi: int, best: int,
           offer: tuple[tuple[int, int], ...], score: float, info: DocInfo) -> Quote:
    start, end = sents[lo][0], sents[hi][1]
    quote_text = text[start:end]
    span_start, span_end = sents[best]
    if offer:  # mark the typed answer itself ("12,000", "Bild") inside the best sentence
        a, b = offer[0]
        span_start, span_end = sents[best][0] + a, sents[best][0] + b
    flags, terms = flag_text(quote_text)
    return Quote(text=quote_text, doc=info, start=start, end=end, score=score,
                 span_start=span_start, span_end=span_end, flags=flags, flag_terms=terms,
                 stance="doubts" if doubts(quote_text) else "reports")


def mark_answers(question: str, quotes: Sequence[Quote], cands: Candidates, model: Any,
                 keep_typed: bool = True) -> list[Quote]:
    """The answer-span model's mark inside each quote's best sentence (one batch), where it
    finds an answer; elsewhere the mark stays. ``keep_typed``: a typed answer the rules
    marked ("12,000", "Macron") stays too; the model marks where the rules could only mark
    the whole sentence."""
    jobs = []
    for n, q in enumerate(quotes):
        entry = cands.doc_sents.get(q.doc.id)
        if entry is None or q.span_start is None or q.span_end is None:
            continue
        text, sents = entry
        i = next((i for i, (s, e) in enumerate(sents) if s <= q.span_start < e), None)
        if i is None:
            continue
        s, e = sents[i]
        if keep_typed and (q.span_start, q.span_end) != (s, e):
            continue
        jobs.append((n, s, ReaderInput(text[s:e], sentence_before(text, sents, i),
                                       q.doc.title or "")))
    if not jobs:
        return list(quotes)
    out = list(quotes)
    for (n, s, _), mark in zip(jobs, model.mark(question, [j[2] for j in jobs])):
        if mark is not None:
            out[n] = replace(out[n], span_start=s + mark[0], span_end=s + mark[1])
    return out
