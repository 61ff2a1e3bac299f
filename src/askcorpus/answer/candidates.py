"""Candidate sentences of the retrieved chunks, their features and their ranking.

Candidates come from the retrieved chunks (quotable spans only, no headings). Each gets a few
features: embedding similarity to the question (sentence vectors pooled while indexing, see
late_pooling), idf-weighted share of the question's words and of its word pairs, its chunk's
retrieval rank and similarity, and whether it offers the kind of answer the question asks for (a
number for "how many", a name for "who", ...). A weighted sum ranks them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np

from ..corpus.sentences import document_sentences
from ..index.lexical import tokenize
from ..index.store.base import IndexReader
from ..types import Hit
from .answer_types import NUMBER, OTHER, counted_noun, offers, question_type
from .reader import ReaderInput

FEATURES = ("cos", "lex", "prior", "offer", "chunk", "key", "bigram")
_CONTINUES = re.compile(r"^(?:they|this|these|those|it|its|he|she|his|her|such|however|but|"
                        r"moreover|furthermore|meanwhile|that|the move|the idea)\b", re.I)
_SENT_END = re.compile(r"[.!?…][\"'”’)\]]*$")
_SOURCE_LINE = re.compile(r"^(?:original\s+)?source:", re.I)


@dataclass(frozen=True)
class AnswerSettings:
    # Fit by `benchmarks/tune_answer.py search` on cached features of four sets, each weighing
    # the same: the seed set (59 q), SQuAD 2.0 half-a (2,828 q), and two out-of-corpus sets
    # (`collect-ooc`): the seed questions asked of the BBC news folder (55 q) and SQuAD's
    # answerable questions asked of an index without their article (1,299 q).
    # sentence ranking: weights of FEATURES (bigram chosen by a sweep on seed + SQuAD)
    weights: tuple[float, ...] = (0.7, 0.35, 0.0, 0.2, 0.25, 0.1, 0.2)
    # abstention: class-balanced logistic model over ABSTAIN_FEATURES (first: the bias)
    abstain: tuple[float, ...] = (-2.612, 1.439, 0.678, -0.185, 1.449, 1.615, 1.378, -0.661,
                                  0.198, -1.479, -0.373)
    # seed: abstentions right 83 %, 71 % of them caught; out of corpus: 80 % caught (seed
    # questions on BBC news), 92 % (SQuAD); see docs/BENCHMARKS.md for the curve
    abstain_threshold: float = 0.45
    per_doc: int = 2
    max_hits: int = 12  # chunks read for candidate sentences
    max_sentences: int = 32  # candidate sentences scored per question (best by a cheap pre-score)
    # pooled: sentence vectors pooled at indexing time (no model run while answering);
    # embed: embed each candidate sentence on its own while answering (~6 ms a sentence on
    # 2 CPU cores; sometimes closer to the question's wording, see docs/BENCHMARKS.md)
    sentence_vectors: str = "pooled"
    neighbour_ratio: float = 0.8  # a neighbour joins the quote if it scores this close
    # the answer reader (reader.py): it reads the best ``reader_read`` candidates by the
    # features above; their ranking then uses ``reader_weights`` for the features plus
    # ``reader_weight`` times the reader's probability, and abstention ``reader_abstain``
    # over READER_ABSTAIN_FEATURES (fit by `benchmarks/tune_answer.py search`)
    # fit on the seed set, the SQuAD articles the reader never trained on (1 and 6: 788 q) and
    # the two out-of-corpus sets (`tune_answer.py read --read 8`, then `search`); 8 candidates
    # rank as well as 16 there (answer@1 seed 0.733 vs 0.711, SQuAD 0.738 vs 0.733) in half
    # the time (seed answer p50 55 ms vs 100 ms on 2 cores, benchmarks/bench_reader.py).
    # Refit for reader round 5b (the shipped one; docs/BENCHMARKS.md, "The answer reader")
    reader_read: int = 8
    reader_weights: tuple[float, ...] = (0.7, 0.175, 0.0, 0.2, 0.25, 0.1, 0.2)
    reader_weight: float = 0.25
    reader_abstain: tuple[float, ...] = (-1.02, 0.844, -0.177, -0.063, 1.329, 0.709, 0.853,
                                         -0.614, -0.091, -1.343, -0.378, 0.588, 0.652)
    reader_threshold: float = 0.45
    support_ratio: float = 0.8  # quotes scoring this close to the best count as agreeing
    # with the answer-span model on: True keeps a typed answer the rules marked ("12,000") and
    # lets the model mark only where the rules could not; False (measured better: held-out
    # SQuAD articles 1, 6 mark EM 0.397 vs 0.322, seed 0.406 vs 0.219; docs/BENCHMARKS.md,
    # "The answer-span model") lets the model's mark win wherever it finds one
    keep_typed_marks: bool = False


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
    titles: dict[str, str] = field(default_factory=dict)  # doc id -> headline (the reader's)
    reader: np.ndarray | None = None  # the reader's logit per candidate (NaN: not read)


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


def _doc_sentences(index: IndexReader, doc_id: str,
                   cache: dict[str, tuple[str, list[tuple[int, int]]]]
                   ) -> tuple[str, list[tuple[int, int]]]:
    if doc_id not in cache:
        text = index.doc_text(doc_id)
        cache[doc_id] = (text, document_sentences(text, index.doc_spans(doc_id)))
    return cache[doc_id]


def lexical_overlap(weights: dict[str, float], text: str) -> float:
    """Share of the question's word weight (idf, lower for context words) the text contains."""
    return _share(weights, set(tokenize(text)))


def _share(weights: dict[str, float], have: set[str]) -> float:
    if not weights:
        return 0.0
    total = sum(weights.values()) or 1.0
    return sum(w for t, w in weights.items() if t in have) / total


def _pairs(tokens: Sequence[str]) -> set[tuple[str, str]]:
    return set(pairwise(tokens))


def bigram_overlap(weights: dict[str, float], q_tokens: Sequence[str],
                   tokens: Sequence[str]) -> float:
    """Share of the question's word pairs ("security guarantees", "ballistic missiles"), each
    weighing its two words, that the text (its ``tokens``) has side by side."""
    pairs = _pairs(q_tokens)
    if not pairs:
        return 0.0
    have = _pairs(tokens)
    total = sum(weights.get(a, 0.0) + weights.get(b, 0.0) for a, b in pairs) or 1.0
    return sum(weights.get(a, 0.0) + weights.get(b, 0.0) for a, b in pairs if (a, b) in have) \
        / total


def gather(question: str, hits: Sequence[Hit], index: IndexReader, embedder: object,
           query_vec: np.ndarray | None, cfg: AnswerSettings,
           focus: str | None = None, reader: Any | None = None,
           titles: bool = False) -> Candidates:
    """Candidate sentences of the retrieved chunks with their features (and, given a
    ``reader``, its scores of the best ``cfg.reader_read`` of them). The articles' headlines
    are looked up only for the reader (or when ``titles`` asks: the reader's training pools).

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
    # in the question's order, not a set's: a set's order changes with every process (string
    # hashing), and so would the sums below and the choice among equal key terms
    weight = {t: (idf[t] if idf.get(t) else max_idf) for t in dict.fromkeys(q_tokens)}
    lex_weights = {t: w * (1.0 if t in own else 0.5) for t, w in weight.items()}
    total = sum(weight.values())
    cands.oov = sum(w for t, w in weight.items() if not idf.get(t)) / total if total else 0.0
    cands.oov_name = float(any(not index.lexical.knows(t)
                               for t in tokenize(" ".join(_names_in(focus)))))
    noun = counted_noun(focus) if qtype == NUMBER else None
    cands.counted = (tokenize(noun) or [None])[0] if noun else None
    # the question's most specific words (highest weight), e.g. "Vilnius", "tanks"
    key_terms = {t for t, _ in sorted(lex_weights.items(), key=lambda x: (-x[1], x[0]))[:2]}

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
    if keys and (titles or reader is not None):
        infos = index.doc_infos(list(dict.fromkeys(d for d, _ in keys)))
        cands.titles = {d: (info.title or "") for d, info in infos.items()}
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
        tokens = tokenize(context)
        words = set(tokens)
        if offer and cands.counted and cands.counted not in words:
            offer = None  # a number that counts something else ("12,000 troops" for "tanks")
        cands.offers.append(offer.spans if offer else ())
        rows.append((float(cos), _share(lex_weights, words), prior[key][0],
                     1.0 if offer else 0.0, prior[key][1],
                     len(key_terms & words) / max(1, len(key_terms)),
                     bigram_overlap(lex_weights, q_tokens, tokens)))
    cands.feats = np.asarray(rows, np.float32)
    cands.max_cos = float(cands.feats[:, 0].max())
    if reader is not None:
        read_candidates(cands, reader, cfg)
    return cands


def before_sentence(cands: Candidates, j: int) -> str:
    """The sentence before candidate ``j`` in the same paragraph ("" at a paragraph start)."""
    doc, i = cands.keys[j]
    text, sents = cands.doc_sents[doc]
    return sentence_before(text, sents, i)


def sentence_before(text: str, sents: Sequence[tuple[int, int]], i: int) -> str:
    """Sentence ``i - 1`` when it is in the same paragraph as sentence ``i``, else ""."""
    if i == 0 or "\n" in text[sents[i - 1][1]:sents[i][0]]:
        return ""
    return text[sents[i - 1][0]:sents[i - 1][1]]


def reader_inputs(cands: Candidates, rows: Sequence[int]) -> list[ReaderInput]:
    return [ReaderInput(cands.texts[j], before_sentence(cands, j),
                        cands.titles.get(cands.keys[j][0], "")) for j in rows]


def read_candidates(cands: Candidates, reader: Any, cfg: AnswerSettings) -> None:
    """The reader's logits for the best ``cfg.reader_read`` candidates by today's features
    (one batch); the others stay NaN."""
    pre = cands.feats @ np.asarray(cfg.weights, np.float32)
    rows = [int(j) for j in np.argsort(-pre, kind="stable")[:cfg.reader_read]]
    logits = np.full(len(cands.keys), np.nan, np.float32)
    if rows:
        logits[rows] = reader.score(cands.question, reader_inputs(cands, rows))
    cands.reader = logits


def reader_probs(cands: Candidates) -> np.ndarray:
    """The reader's probability that each candidate answers (0 for those it did not read)."""
    if cands.reader is None:
        return np.zeros(len(cands.keys), np.float32)
    z = np.nan_to_num(cands.reader, nan=-30.0).clip(-30, 30)
    return (1.0 / (1.0 + np.exp(-z))).astype(np.float32)


def sentence_vectors(cands: Candidates, scored: Sequence[str], joined: Sequence[bool],
                     index: IndexReader, embedder: object, dim: int,
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
    """A score per candidate: today's features, plus the reader's probability when it read."""
    if not len(cands.keys):
        return np.zeros(0)
    if getattr(cands, "reader", None) is None:
        return cands.feats @ np.asarray(cfg.weights, np.float32)
    return cands.feats @ np.asarray(cfg.reader_weights, np.float32) \
        + np.float32(cfg.reader_weight) * reader_probs(cands)
