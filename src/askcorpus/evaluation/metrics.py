"""Evaluation metrics: pure functions over plain lists, sets and dicts.

Conventions shared by every function here:

* Ranks are 1-based.
* Ranked lists may contain duplicates (e.g. several chunks of one source). Every ranking metric
  first removes duplicates, keeping the first occurrence, so a source counts once, at its best
  rank.
* Cutoffs ``k`` must be >= 1 (``ValueError`` otherwise); ``k`` larger than the list is fine.
* The nDCG and recall definitions follow BEIR / pytrec_eval (``ndcg_cut`` and ``recall``):
  linear gain, ``log2(rank + 1)`` discount, judged relevance > 0 counts as relevant.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = [
    "abstention_scores",
    "answer_hit",
    "first_relevant_rank",
    "mrr_at_k",
    "ndcg_at_k",
    "normalize",
    "percentile",
    "recall_at_k",
    "recall_curve",
    "risk_coverage",
    "source_at_k",
    "span_em_f1",
]


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def _dedupe(items: Iterable[str]) -> list[str]:
    """Drop repeated items, keeping the first occurrence and the order."""
    return list(dict.fromkeys(items))


def normalize(text: str) -> str:
    """Lowercase, collapse every whitespace run (any Unicode whitespace) to one space, strip."""
    return " ".join(text.lower().split())


def answer_hit(quotes: Sequence[str], answers: Sequence[str], k: int) -> bool:
    """True if some normalized answer is a substring of one of the first ``k`` normalized quotes.

    Answers that normalize to the empty string are ignored (they would match anything).
    """
    _check_k(k)
    wanted = [a for a in (normalize(a) for a in answers) if a]
    if not wanted:
        return False
    for quote in quotes[:k]:
        q = normalize(quote)
        if any(a in q for a in wanted):
            return True
    return False


def _squad_words(text: str) -> list[str]:
    """SQuAD's answer normalisation: lowercase, no punctuation, no articles, as words."""
    text = "".join(ch for ch in text.lower() if not unicodedata.category(ch).startswith("P"))
    return [w for w in text.split() if w not in ("a", "an", "the")]


def span_em_f1(span: str, answers: Sequence[str]) -> tuple[float, float]:
    """Exact match and word F1 of a marked answer against the best of ``answers`` (SQuAD's
    official measures: normalised, articles and punctuation dropped)."""
    em = f1 = 0.0
    got = _squad_words(span)
    for answer in answers:
        want = _squad_words(answer)
        if not want:
            continue
        em = max(em, float(got == want))
        same = sum((Counter(got) & Counter(want)).values())
        if same:
            p, r = same / len(got), same / len(want)
            f1 = max(f1, 2 * p * r / (p + r))
    return em, f1


def first_relevant_rank(ranked_ids: Sequence[str], relevant: set[str]) -> int | None:
    """1-based rank of the first relevant id after de-duplication, or None if there is none."""
    for rank, doc_id in enumerate(_dedupe(ranked_ids), start=1):
        if doc_id in relevant:
            return rank
    return None


def source_at_k(ranked_sources: Sequence[str], relevant: set[str], k: int) -> float:
    """1.0 if any relevant source is among the first ``k`` distinct sources, else 0.0."""
    _check_k(k)
    rank = first_relevant_rank(ranked_sources, relevant)
    return 1.0 if rank is not None and rank <= k else 0.0


def mrr_at_k(ranked: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Reciprocal rank of the first relevant item within the first ``k`` distinct items, else 0."""
    _check_k(k)
    rank = first_relevant_rank(ranked, relevant)
    return 1.0 / rank if rank is not None and rank <= k else 0.0


def ndcg_at_k(ranked: Sequence[str], qrels: dict[str, int], k: int = 10) -> float:
    """nDCG@k as in BEIR / pytrec_eval ``ndcg_cut_k``.

    DCG = sum over ranks i = 1..k of rel_i / log2(i + 1), where rel_i is the judged relevance of
    the i-th distinct ranked id (0 if unjudged or not positive). IDCG is the DCG of all positive
    judged relevances sorted descending, truncated to ``k``. Returns 0.0 with no relevant docs.
    """
    _check_k(k)
    ideal = sorted((r for r in qrels.values() if r > 0), reverse=True)[:k]
    if not ideal:
        return 0.0
    dcg = sum(
        max(qrels.get(doc_id, 0), 0) / math.log2(i + 1)
        for i, doc_id in enumerate(_dedupe(ranked)[:k], start=1)
    )
    idcg = sum(rel / math.log2(i + 1) for i, rel in enumerate(ideal, start=1))
    return dcg / idcg


def recall_at_k(ranked: Sequence[str], qrels: dict[str, int], k: int = 100) -> float:
    """Share of the relevant (relevance > 0) ids found among the first ``k`` distinct ids.

    Returns 0.0 when the query has no relevant ids.
    """
    _check_k(k)
    relevant = {doc_id for doc_id, rel in qrels.items() if rel > 0}
    if not relevant:
        return 0.0
    found = sum(1 for doc_id in _dedupe(ranked)[:k] if doc_id in relevant)
    return found / len(relevant)


def abstention_scores(
    predicted_abstain: Sequence[bool], should_abstain: Sequence[bool]
) -> dict[str, float]:
    """Precision, recall and F1 of abstaining, with abstention as the positive class.

    Follows scikit-learn's ``zero_division=0`` convention: precision is 0.0 when nothing was
    abstained, recall is 0.0 when nothing should have been, and F1 is 0.0 when p + r == 0.
    """
    if len(predicted_abstain) != len(should_abstain):
        raise ValueError(
            f"length mismatch: {len(predicted_abstain)} predictions, {len(should_abstain)} labels"
        )
    pairs = list(zip(predicted_abstain, should_abstain, strict=True))
    true_pos = sum(1 for p, s in pairs if p and s)
    n_pred = sum(1 for p, _ in pairs if p)
    n_true = sum(1 for _, s in pairs if s)
    precision = true_pos / n_pred if n_pred else 0.0
    recall = true_pos / n_true if n_true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"abstain_precision": precision, "abstain_recall": recall, "abstain_f1": f1}


def percentile(values: Sequence[float], q: float) -> float:
    """q-th percentile (q in [0, 100]) with linear interpolation, like ``numpy.percentile``.

    Returns ``nan`` for an empty input; raises ValueError for q outside [0, 100].
    """
    if not 0 <= q <= 100:
        raise ValueError(f"q must be in [0, 100], got {q}")
    if not values:
        return float("nan")
    ordered = sorted(float(v) for v in values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    frac = pos - lo
    return ordered[lo] + (ordered[hi] - ordered[lo]) * frac


def risk_coverage(
    confidences: Sequence[float], correct: Sequence[bool]
) -> list[tuple[float, float]]:
    """Risk-coverage curve for selective answering.

    Items are sorted by confidence, highest first; answering everything with confidence >= t
    for each distinct confidence t gives one point ``(coverage, risk)`` with
    coverage = answered / total and risk = 1 - accuracy among the answered. Tied confidences
    cannot be separated by a threshold, so a tie group yields one point, not one per item.
    Points come in increasing coverage; the last one has coverage 1.0. Empty input gives [].
    """
    if len(confidences) != len(correct):
        raise ValueError(f"length mismatch: {len(confidences)} confidences, {len(correct)} labels")
    n = len(confidences)
    order = sorted(range(n), key=lambda i: confidences[i], reverse=True)
    points: list[tuple[float, float]] = []
    n_correct = 0
    for pos, i in enumerate(order, start=1):
        n_correct += bool(correct[i])
        is_last_of_tie = pos == n or confidences[order[pos]] != confidences[i]
        if is_last_of_tie:
            points.append((pos / n, 1.0 - n_correct / pos))
    return points


def recall_curve(hit_ranks: Sequence[int | None], max_k: int) -> list[float]:
    """For k = 1..max_k, the share of questions whose first hit rank is <= k.

    ``None`` means no hit. An empty ``hit_ranks`` gives a curve of zeros.
    """
    _check_k(max_k)
    if not hit_ranks:
        return [0.0] * max_k
    counts = [0] * (max_k + 1)
    for rank in hit_ranks:
        if rank is None:
            continue
        if rank < 1:
            raise ValueError(f"ranks are 1-based, got {rank}")
        if rank <= max_k:
            counts[rank] += 1
    curve: list[float] = []
    cumulative = 0
    for k in range(1, max_k + 1):
        cumulative += counts[k]
        curve.append(cumulative / len(hit_ranks))
    return curve
