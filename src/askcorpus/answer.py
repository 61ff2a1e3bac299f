"""Hits -> an Answer made of verbatim, attributed quotes (or an honest abstention).

Candidate sentences come from the retrieved chunks (quotable spans only, no headings). Each
gets a few features: embedding similarity to the question, idf-weighted share of the question's
words, its chunk's retrieval rank, and whether it offers the kind of answer the question asks
for (a number for "how many", a name for "who", ...). A weighted sum ranks them; the best become
quotes of 1-3 sentences (at most ``per_doc`` per article). A small logistic model over the best
candidate's features decides whether anything answers at all.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .answer_types import NUMBER, OTHER, answer_key, counted_noun, offers, question_type
from .hedges import doubts, flag_text
from .lexical import tokenize
from .sentences import document_sentences
from .store import StoredIndex
from .types import Answer, DocInfo, Hit, Quote

NO_ANSWER = "No article in the corpus answers this."
FEATURES = ("cos", "lex", "prior", "offer", "chunk", "key")
_CONTINUES = re.compile(r"^(?:they|this|these|those|it|its|he|she|his|her|such|however|but|"
                        r"moreover|furthermore|meanwhile|that|the move|the idea)\b", re.I)
_SENT_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_SOURCE_LINE = re.compile(r"^(?:original\s+)?source:", re.I)


@dataclass(frozen=True)
class AnswerSettings:
    # Fit by `benchmarks/tune_answer.py search` on the seed set (59 questions) and a fixed
    # sample of 400 SQuAD 2.0 half-a questions; see the README for the trade-off.
    # sentence ranking: weights of FEATURES
    # (refit for sentence vectors pooled at indexing time, int8 ONNX backend)
    weights: tuple[float, ...] = (0.7, 0.35, 0.0, 0.2, 0.25, 0.1)
    # abstention: class-balanced logistic model over ABSTAIN_FEATURES (first: the bias)
    # The last weight (a name the corpus never uses) is set by hand on the seed set: the SQuAD
    # features were collected before it existed (it catches Vilnius, Finland, Patriot, …).
    # So is "count_missing" (a "how many X" question whose best sentence never names X).
    abstain: tuple[float, ...] = (-1.174, 0.748, -0.058, -0.21, 0.179, 0.7, 0.554, -0.373,
                                  0.128, -1.5, -0.5)
    abstain_threshold: float = 0.38  # seed: abstentions right 85 %, 79 % of them caught
    per_doc: int = 2
    max_hits: int = 12  # chunks read for candidate sentences
    max_sentences: int = 32  # candidate sentences scored per question (best by a cheap pre-score)
    # pooled: sentence vectors pooled at indexing time (no model run while answering);
    # embed: embed each candidate sentence on its own while answering (~6 ms a sentence on
    # 2 CPU cores; sometimes closer to the question's wording, see docs/BENCHMARKS.md)
    sentence_vectors: str = "pooled"
    neighbour_ratio: float = 0.8  # a neighbour joins the quote if it scores this close
    support_ratio: float = 0.8  # quotes scoring this close to the best count as agreeing


@dataclass
class Candidates:
    question: str
    qtype: str
    keys: list[tuple[str, int]] = field(default_factory=list)  # (doc id, sentence index)
    spans: list[tuple[int, int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    offers: list[tuple[tuple[int, int], ...]] = field(default_factory=list)
    feats: np.ndarray = field(default_factory=lambda: np.zeros((0, len(FEATURES)), np.float32))
    oov: float = 0.0  # share of the question's weight in words the corpus never uses
    max_cos: float = 0.0  # best embedding similarity of any candidate
    oov_name: float = 0.0  # 1 when the question names something (capitalized) the corpus never does
    counted: str | None = None  # stem of what a "how many" question counts
    doc_sents: dict[str, tuple[str, list[tuple[int, int]]]] = field(default_factory=dict)


_NAME = re.compile(r"(?<!^)(?<![.?!]\s)\b[A-Z][\w’'-]+")


def _names_in(question: str) -> list[str]:
    """Capitalized words of a question, except its first word."""
    return [m.group(0) for m in _NAME.finditer(question.strip())]


def _is_heading(text: str) -> bool:
    """Headings and labels ("Key Details", "What’s Next?") are never quotes on their own."""
    words = len(text.split())
    if text.rstrip().endswith("?") and words <= 6:
        return True
    return not _SENT_END.search(text) and words <= 12 and not _SOURCE_LINE.match(text)


def _doc_sentences(index: StoredIndex, doc_id: str,
                   cache: dict[str, tuple[str, list[tuple[int, int]]]]
                   ) -> tuple[str, list[tuple[int, int]]]:
    if doc_id not in cache:
        text = index.doc_text(doc_id)
        cache[doc_id] = (text, document_sentences(text, index.doc_spans(doc_id)))
    return cache[doc_id]


def lexical_overlap(weights: dict[str, float], text: str) -> float:
    """Share of the question's word weight (idf, lower for context words) the text contains."""
    if not weights:
        return 0.0
    have = set(tokenize(text))
    total = sum(weights.values()) or 1.0
    return sum(w for t, w in weights.items() if t in have) / total


def gather(question: str, hits: Sequence[Hit], index: StoredIndex, embedder: object,
           query_vec: np.ndarray | None, cfg: AnswerSettings,
           focus: str | None = None) -> Candidates:
    """Candidate sentences of the retrieved chunks with their features.

    ``focus`` is the user's own wording of a follow-up whose ``question`` was expanded with
    context: its words weigh fully, the context's words half.
    """
    focus = focus or question
    qtype = question_type(focus)
    cands = Candidates(question=question, qtype=qtype)
    q_tokens = tokenize(question)
    own = set(tokenize(focus))
    idf = index.lexical.idf(q_tokens)
    max_idf = math.log(1.0 + (index.size + 0.5) / 0.5)
    # words the corpus never uses weigh the most: a sentence cannot cover them
    weight = {t: (idf[t] if idf.get(t) else max_idf) for t in set(q_tokens)}
    lex_weights = {t: w * (1.0 if t in own else 0.5) for t, w in weight.items()}
    total = sum(weight.values())
    cands.oov = sum(w for t, w in weight.items() if not idf.get(t)) / total if total else 0.0
    cands.oov_name = float(any(not index.lexical.knows(t)
                               for t in tokenize(" ".join(_names_in(focus)))))
    noun = counted_noun(focus) if qtype == NUMBER else None
    cands.counted = (tokenize(noun) or [None])[0] if noun else None
    # the question's most specific words (highest weight), e.g. "Vilnius", "tanks"
    key_terms = {t for t, _ in sorted(lex_weights.items(), key=lambda x: -x[1])[:2]}

    prior: dict[tuple[str, int], tuple[float, float]] = {}
    for rank, hit in enumerate(hits[:cfg.max_hits], 1):
        text, sents = _doc_sentences(index, hit.chunk.doc_id, cands.doc_sents)
        p = 1.0 / (1.0 + 0.25 * (rank - 1))
        chunk_cos = hit.dense_score if hit.dense_score is not None else 0.0
        for i, (s, e) in enumerate(sents):
            if e <= hit.chunk.start or s >= hit.chunk.end or _is_heading(text[s:e]):
                continue
            key = (hit.chunk.doc_id, i)
            old = prior.get(key, (0.0, 0.0))
            prior[key] = (max(old[0], p), max(old[1], chunk_cos))
    keys = list(prior)
    if len(keys) > cfg.max_sentences:  # pre-score by words and chunk rank, embed only the best
        def pre(key: tuple[str, int]) -> float:
            text, sents = cands.doc_sents[key[0]]
            s, e = sents[key[1]]
            return lexical_overlap(lex_weights, text[s:e]) + 0.5 * prior[key][0]

        keep = set(sorted(keys, key=pre, reverse=True)[:cfg.max_sentences])
        keys = [k for k in keys if k in keep]
    cands.keys = keys
    scored: list[str] = []  # what is scored: the sentence, or with the one it continues
    joined: list[bool] = []
    for doc_id, i in cands.keys:
        text, sents = cands.doc_sents[doc_id]
        cands.spans.append(sents[i])
        sentence = text[sents[i][0]:sents[i][1]]
        cands.texts.append(sentence)
        same_para = i > 0 and "\n" not in text[sents[i - 1][1]:sents[i][0]]
        joined.append(bool(same_para and _CONTINUES.match(sentence)))
        scored.append(text[sents[i - 1][0]:sents[i][1]] if joined[-1] else sentence)
    if not cands.keys:
        return cands
    dense = np.zeros(len(cands.keys), np.float32)
    if query_vec is not None:
        vecs = sentence_vectors(cands, scored, joined, index, embedder, len(query_vec),
                                pooled=cfg.sentence_vectors != "embed")
        dense = vecs @ query_vec.astype(np.float32)
    rows = []
    for key, text, context, cos in zip(cands.keys, cands.texts, scored, dense):
        offer = offers(qtype, text, focus) if qtype != OTHER else None
        words = set(tokenize(context))
        if offer and cands.counted and cands.counted not in words:
            offer = None  # a number that counts something else ("12,000 troops" for "tanks")
        cands.offers.append(offer.spans if offer else ())
        rows.append((float(cos), lexical_overlap(lex_weights, context), prior[key][0],
                     1.0 if offer else 0.0, prior[key][1],
                     len(key_terms & words) / max(1, len(key_terms))))
    cands.feats = np.asarray(rows, np.float32)
    cands.max_cos = float(cands.feats[:, 0].max())
    return cands


def sentence_vectors(cands: Candidates, scored: Sequence[str], joined: Sequence[bool],
                     index: StoredIndex, embedder: object, dim: int,
                     pooled: bool = True) -> np.ndarray:
    """A vector per candidate: pooled at indexing time when the index has them (no model run
    while answering), else embedded now (indexes made before pooling, fake embedders)."""
    out = np.zeros((len(cands.keys), dim), np.float32)
    stored = index.sentence_vectors(list(dict.fromkeys(d for d, _ in cands.keys))) \
        if pooled else {}
    missing = []
    for j, (doc_id, i) in enumerate(cands.keys):
        m = stored.get(doc_id)
        if m is None or len(m) != len(cands.doc_sents[doc_id][1]) or not m[i].any():
            missing.append(j)
            continue
        v = m[i] + m[i - 1] if joined[j] and m[i - 1].any() else m[i]
        out[j] = v / max(float(np.linalg.norm(v)), 1e-12)
    if missing and hasattr(embedder, "embed_documents"):
        out[missing] = embedder.embed_documents([scored[j] for j in missing])  # type: ignore[attr-defined]
    return out


def rank(cands: Candidates, cfg: AnswerSettings) -> np.ndarray:
    return cands.feats @ np.asarray(cfg.weights, np.float32) if len(cands.keys) else np.zeros(0)


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


def confidence(cands: Candidates, scores: np.ndarray, cfg: AnswerSettings) -> float:
    """Probability that the best candidate answers the question (logistic model)."""
    z = float(np.dot(np.asarray(cfg.abstain, np.float64), abstain_vector(cands, scores)))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def compose(question: str, hits: Sequence[Hit], index: StoredIndex, embedder: object,
            query_vec: np.ndarray | None, *, k: int, settings: AnswerSettings | None = None,
            focus: str | None = None) -> Answer:
    cfg = settings or AnswerSettings()
    cands = gather(question, hits, index, embedder, query_vec, cfg, focus=focus)
    if not cands.keys:
        return Answer(question=question, answered=False, message=NO_ANSWER)
    scores = rank(cands, cfg)
    quotes = collapse_copies(select_quotes(cands, scores, index, k + 2, cfg), index)[:k]
    quotes = with_support(quotes, cands, scores, index, k)
    quotes = with_doubts(quotes, cands, index, k)
    conf = confidence(cands, scores, cfg)
    if conf < cfg.abstain_threshold:
        return Answer(question=question, answered=False, message=NO_ANSWER,
                      related=tuple(quotes[:3]), confidence=conf)
    extra = agreement(quotes, cands.qtype, cfg)
    return Answer(question=question, answered=True, quotes=tuple(quotes), confidence=conf,
                  message=extra.pop("message"), extra=extra)


def _key_of(q: Quote) -> str:
    """The typed answer a quote gives ("macron", "12,000"), or "" when it gives none."""
    if q.span_start is None or q.span_end is None:
        return ""
    span = q.text[q.span_start - q.start:q.span_end - q.start]
    return answer_key(span) if len(span) < len(q.text) else ""


def with_support(quotes: list[Quote], cands: Candidates, scores: np.ndarray,
                 index: StoredIndex, k: int) -> list[Quote]:
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


def with_doubts(quotes: list[Quote], cands: Candidates, index: StoredIndex, k: int
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


def collapse_copies(quotes: list[Quote], index: StoredIndex) -> list[Quote]:
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


def select_quotes(cands: Candidates, scores: np.ndarray, index: StoredIndex, k: int,
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
