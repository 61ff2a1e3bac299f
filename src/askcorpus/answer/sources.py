"""Who says what: every article that gives the same answer, the doubts the articles
themselves express, near-duplicate copies counted once, and the agreement summary."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..index.lexical import tokenize
from ..index.store.base import IndexReader
from ..types import Quote
from .answer_types import answer_key
from .candidates import AnswerSettings, Candidates, _is_heading
from .hedges import doubts
from .quotes import _quote

NO_ANSWER = "No article in the corpus answers this."


def _key_of(q: Quote) -> str:
    """The typed answer a quote gives ("macron", "12,000"), or "" when it gives none."""
    if q.span_start is None or q.span_end is None:
        return ""
    span = q.text[q.span_start - q.start:q.span_end - q.start]
    return answer_key(span) if len(span) < len(q.text) else ""


def with_support(quotes: list[Quote], cands: Candidates, scores: np.ndarray,
                 index: IndexReader, k: int) -> list[Quote]:
    """Every article giving the same typed answer as the best quote gets quoted (its best
    such sentence), right after the best quote: several sources, not just the first."""
    key = _key_of(quotes[0]) if quotes else ""
    if not key:
        return quotes
    groups = {q.doc.cluster or q.doc.id for q in quotes if _key_of(q) == key}
    best: dict[str, int] = {}
    for j in np.argsort(-scores, kind="stable"):
        doc_id, _ = cands.keys[j]
        if doc_id in best or any(answer_key(cands.texts[j][a:b]) != key
                                 for a, b in cands.offers[j][:1]) or not cands.offers[j]:
            continue
        best[doc_id] = int(j)
    infos = index.doc_infos(list(best))
    extra = []
    for doc_id, j in best.items():
        info = infos[doc_id]
        if (info.cluster or doc_id) in groups:
            continue
        groups.add(info.cluster or doc_id)
        text, sents = cands.doc_sents[doc_id]
        i = cands.keys[j][1]
        extra.append(_quote(text, sents, i, i, i, cands.offers[j], float(scores[j]), info))
    if not extra:
        return quotes
    return ([quotes[0], *extra, *quotes[1:]])[:max(k, 1 + len(extra))]


def with_doubts(quotes: list[Quote], cands: Candidates, index: IndexReader, k: int
                ) -> list[Quote]:
    """Show both sides: when the quotes report a claim and a retrieved article casts doubt on
    it ("no official confirmation", "denied"), quote the doubting sentence too.

    Every sentence of the retrieved articles is read (no model call): the doubt must share at
    least three words with the best quote (the same claim), and its own article is preferred.
    """
    if not quotes or any(q.stance == "doubts" for q in quotes):
        return quotes
    top = quotes[0]
    claim = set(tokenize(top.text))
    quoted = {(q.doc.id, q.start) for q in quotes}
    best: tuple[float, str, int] | None = None
    for doc_id, (text, sents) in cands.doc_sents.items():
        for i, (s, e) in enumerate(sents):
            sentence = text[s:e]
            if (doc_id, s) in quoted or _is_heading(sentence) or not doubts(sentence):
                continue
            common = len(claim & set(tokenize(sentence)))
            shared = common / max(1, len(claim))
            relevance = shared + (0.15 if doc_id == top.doc.id else 0.0)
            if common >= 3 and (best is None or relevance > best[0]):  # about the same claim
                best = (relevance, doc_id, i)
    if best is None:
        return quotes
    relevance, doc_id, i = best
    text, sents = cands.doc_sents[doc_id]
    info = index.doc_infos([doc_id])[doc_id]
    doubt = _quote(text, sents, i, i, i, (), min(1.0, relevance) * top.score, info)
    return [*quotes[:max(1, k - 1)], doubt]


def collapse_copies(quotes: list[Quote], index: IndexReader) -> list[Quote]:
    """Near-duplicate articles count once: keep the best quote, list every copy's paths."""
    out: list[Quote] = []
    first_doc: dict[str, str] = {}  # group -> the article that represents it
    for q in quotes:
        group = q.doc.cluster or q.doc.id
        if first_doc.setdefault(group, q.doc.id) != q.doc.id:
            continue  # another copy of an article already quoted
        members = index.cluster_members(group) if q.doc.cluster else []
        if len(members) > 1:
            paths = tuple(dict.fromkeys(p for m in [q.doc, *members] for p in m.paths))
            q = replace(q, doc=replace(q.doc, paths=paths))
        out.append(q)
    return out


def agreement(quotes: list[Quote], qtype: str, cfg: AnswerSettings) -> dict[str, object]:
    """Who says what: articles that agree, and whether the quotes disagree or doubt."""
    if not quotes:
        return {"message": NO_ANSWER, "agree_count": 0, "disputed": False, "articles": []}
    top = quotes[0].score
    key = _key_of(quotes[0])
    support = ([q for q in quotes if _key_of(q) == key] if key  # the same typed answer
               else [q for q in quotes if q.score >= cfg.support_ratio * top])
    reporting = {q.doc.cluster or q.doc.id for q in support if q.stance == "reports"}
    claim = set(tokenize(quotes[0].text))
    doubting = {q.doc.cluster or q.doc.id for n, q in enumerate(quotes) if q.stance == "doubts"
                and (n == 0 or len(claim & set(tokenize(q.text))) >= 3)}  # the same claim
    reason = None
    if reporting and doubting:
        reason = "some quotes report the claim, others say it is unconfirmed or dispute it"
    elif doubting and not reporting:
        reason = "the quotes themselves say the claim is unconfirmed or disputed"
    if qtype == "number":
        figures = {}
        for q in support:
            if q.span_start is not None and q.span_end is not None and q.span_end - q.span_start \
                    < len(q.text) and q.span_start >= q.start:
                fig = q.text[q.span_start - q.start:q.span_end - q.start]
                if any(ch.isdigit() for ch in fig):
                    figures.setdefault(fig, set()).add(q.doc.cluster or q.doc.id)
        if len(figures) > 1 and len({d for v in figures.values() for d in v}) > 1:
            reason = "articles give different figures: " + ", ".join(sorted(figures))
    articles: dict[str, dict[str, object]] = {}
    for n, q in enumerate(quotes):
        a = articles.setdefault(q.doc.cluster or q.doc.id, {
            "doc_id": q.doc.id, "title": q.doc.title, "outlet": q.doc.outlet,
            "date": q.doc.date, "paths": list(q.doc.paths), "quotes": [], "stances": []})
        a["quotes"].append(n)  # type: ignore[attr-defined]
        a["stances"].append(q.stance)  # type: ignore[attr-defined]
    n_agree = len(reporting) or len({q.doc.cluster or q.doc.id for q in support})
    plural = "s" if n_agree != 1 else ""
    message = f"{n_agree} article{plural} {'agree' if n_agree != 1 else 'says so'}."
    if reason:
        message += f" Contested: {reason}."
    return {"message": message, "agree_count": n_agree, "disputed": reason is not None,
            "dispute_reason": reason, "articles": list(articles.values())}
