"""Hits -> an Answer made of verbatim, attributed quotes (or an honest abstention).

Candidate sentences come from the retrieved chunks (quotable spans only). Each is scored by
its embedding similarity to the question, the idf-weighted share of the question's words it
contains, and the rank of its chunk. The best sentences become quotes of 1-3 sentences, at
most ``per_doc`` per article, and every quote is checked against the article text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .hedges import flag_text
from .lexical import tokenize
from .sentences import sentence_spans
from .store import StoredIndex
from .types import Answer, DocInfo, Hit, Quote

NO_ANSWER = "No article in the corpus answers this."
_CONTINUES = re.compile(r"^(?:they|this|these|those|it|its|he|she|his|her|such|however|but|"
                        r"moreover|furthermore|meanwhile|that|the move|the idea)\b", re.I)


@dataclass(frozen=True)
class AnswerSettings:
    w_dense: float = 0.55  # sentence cosine to the question
    w_lexical: float = 0.35  # idf-weighted share of question words in the sentence
    w_chunk: float = 0.10  # prior from the chunk's fused rank
    min_words: int = 4  # shorter "sentences" (headings, labels) are never quotes on their own
    threshold: float = 0.38  # below this best score: abstain
    per_doc: int = 2
    max_hits: int = 12  # chunks read for candidate sentences
    max_sentences: int = 96


@dataclass(frozen=True)
class Candidate:
    doc_id: str
    start: int
    end: int
    sent_index: int  # index into the document's sentence list (for neighbours)
    score: float
    dense: float
    lexical: float


def _doc_sentences(index: StoredIndex, doc_id: str,
                   cache: dict[str, tuple[str, list[tuple[int, int]]]]
                   ) -> tuple[str, list[tuple[int, int]]]:
    if doc_id not in cache:
        text = index.doc_text(doc_id)
        sents: list[tuple[int, int]] = []
        for a, b in index.doc_spans(doc_id):
            sents.extend(sentence_spans(text, a, b))
        cache[doc_id] = (text, sents)
    return cache[doc_id]


def lexical_overlap(question_tokens: list[str], idf: dict[str, float], text: str) -> float:
    if not question_tokens:
        return 0.0
    have = set(tokenize(text))
    total = sum(idf.get(t, 0.0) for t in set(question_tokens)) or 1.0
    return sum(idf.get(t, 0.0) for t in set(question_tokens) if t in have) / total


def compose(question: str, hits: Sequence[Hit], index: StoredIndex, embedder: object,
            query_vec: np.ndarray | None, *, k: int,
            settings: AnswerSettings | None = None) -> Answer:
    cfg = settings or AnswerSettings()
    if not hits:
        return Answer(question=question, answered=False, message=NO_ANSWER)
    cache: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    q_tokens = tokenize(question)
    idf = index.lexical.idf(q_tokens)

    # candidate sentences inside the retrieved chunks, deduplicated across overlapping chunks
    seen: dict[tuple[str, int], float] = {}
    for rank, hit in enumerate(hits[:cfg.max_hits], 1):
        text, sents = _doc_sentences(index, hit.chunk.doc_id, cache)
        prior = 1.0 / (1.0 + 0.25 * (rank - 1))
        for i, (s, e) in enumerate(sents):
            if e <= hit.chunk.start or s >= hit.chunk.end:
                continue
            if len(text[s:e].split()) < cfg.min_words:
                continue
            key = (hit.chunk.doc_id, i)
            seen[key] = max(seen.get(key, 0.0), prior)
    keys = list(seen)[:cfg.max_sentences]
    if not keys:
        return Answer(question=question, answered=False, message=NO_ANSWER)
    texts = [cache[d][0][cache[d][1][i][0]:cache[d][1][i][1]] for d, i in keys]
    dense = np.zeros(len(keys), np.float32)
    if query_vec is not None and hasattr(embedder, "embed_documents"):
        vecs = embedder.embed_documents(texts)  # type: ignore[attr-defined]
        dense = vecs @ query_vec.astype(np.float32)
    cands: list[Candidate] = []
    for (doc_id, i), text, cos in zip(keys, texts, dense):
        lex = lexical_overlap(q_tokens, idf, text)
        score = cfg.w_dense * float(cos) + cfg.w_lexical * lex + cfg.w_chunk * seen[(doc_id, i)]
        s, e = cache[doc_id][1][i]
        cands.append(Candidate(doc_id, s, e, i, score, float(cos), lex))
    cands.sort(key=lambda c: -c.score)

    infos = index.doc_infos(list({c.doc_id for c in cands}))
    quotes: list[Quote] = []
    per_doc: dict[str, int] = {}
    used: set[tuple[str, int]] = set()
    for c in cands:
        if len(quotes) >= k:
            break
        if per_doc.get(c.doc_id, 0) >= cfg.per_doc or (c.doc_id, c.sent_index) in used:
            continue
        text, sents = cache[c.doc_id]
        lo, hi = _window(text, sents, c, cands)
        if any((c.doc_id, j) in used for j in range(lo, hi + 1)):
            continue
        used.update((c.doc_id, j) for j in range(lo, hi + 1))
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
        quotes.append(_quote(text, sents, lo, hi, c, infos[c.doc_id]))

    confidence = cands[0].score
    if confidence < cfg.threshold:
        return Answer(question=question, answered=False, message=NO_ANSWER,
                      related=tuple(quotes[:3]), confidence=confidence)
    n_docs = len({q.doc.id for q in quotes})
    return Answer(question=question, answered=True, quotes=tuple(quotes),
                  confidence=confidence,
                  message=f"{n_docs} article{'s' if n_docs != 1 else ''} quoted.")


def _window(text: str, sents: list[tuple[int, int]], c: Candidate,
            cands: Sequence[Candidate]) -> tuple[int, int]:
    """Widen the best sentence to 1-3 sentences when a neighbour carries its context."""
    lo = hi = c.sent_index

    def same_para(a: int, b: int) -> bool:
        ok = 0 <= a < len(sents) and 0 <= b < len(sents)
        return ok and "\n" not in text[sents[a][1]:sents[b][0]]

    if lo > 0 and _CONTINUES.match(text[c.start:c.end]) and same_para(lo - 1, lo):
        lo -= 1
    score = {x.sent_index: x.score for x in cands if x.doc_id == c.doc_id}
    if hi + 1 < len(sents) and same_para(hi, hi + 1) and score.get(hi + 1, 0.0) >= 0.9 * c.score \
            and hi - lo < 2:
        hi += 1
    return lo, hi


def _quote(text: str, sents: list[tuple[int, int]], lo: int, hi: int, c: Candidate,
           info: DocInfo) -> Quote:
    start, end = sents[lo][0], sents[hi][1]
    quote_text = text[start:end]
    assert text[start:end] == quote_text  # offsets are the contract
    flags, terms = flag_text(quote_text)
    return Quote(text=quote_text, doc=info, start=start, end=end, score=c.score,
                 span_start=c.start, span_end=c.end, flags=flags, flag_terms=terms)
