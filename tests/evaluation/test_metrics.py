"""Metrics checked against hand-computed values (arithmetic in the comments)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from askcorpus.evaluation.metrics import (
    abstention_scores,
    answer_hit,
    first_relevant_rank,
    mrr_at_k,
    ndcg_at_k,
    normalize,
    percentile,
    recall_at_k,
    recall_curve,
    risk_coverage,
    source_at_k,
)

LOG2_3 = math.log2(3)  # 1.5849625..., so 1 / log2(3) = 0.6309297...


# --- normalize / answer_hit -----------------------------------------------------------------


def test_normalize_lowercases_collapses_and_strips() -> None:
    assert normalize("  Hello\t\n WORLD \u00a0 x \r\n") == "hello world x"
    assert normalize("") == ""
    assert normalize(" \n\t ") == ""


def test_answer_hit_respects_k_and_normalization() -> None:
    quotes = ["The  Normans came", "Paris is in\nFRANCE."]
    assert not answer_hit(quotes, ["france"], k=1)  # only "the normans came" is looked at
    assert answer_hit(quotes, ["france"], k=2)
    assert answer_hit(quotes, ["is IN   france"], k=2)  # whitespace runs collapse both sides
    assert answer_hit(quotes, ["germany", "NORMANS"], k=1)  # any answer will do
    assert answer_hit(quotes, ["france"], k=50)  # k beyond the list is fine


def test_answer_hit_edge_cases() -> None:
    assert not answer_hit([], ["x"], k=3)
    assert not answer_hit(["anything"], [], k=3)
    assert not answer_hit(["anything"], ["", "  \n"], k=3)  # blank answers never match
    with pytest.raises(ValueError):
        answer_hit(["a"], ["a"], k=0)


# --- rank-based: first_relevant_rank / source_at_k / mrr_at_k --------------------------------


def test_first_relevant_rank_dedupes() -> None:
    # ["a", "b", "a", "c"] -> distinct ["a", "b", "c"]: "c" is at rank 3, not 4
    assert first_relevant_rank(["a", "b", "a", "c"], {"c"}) == 3
    assert first_relevant_rank(["a", "b"], {"a", "b"}) == 1
    assert first_relevant_rank(["a", "b"], {"z"}) is None
    assert first_relevant_rank([], {"a"}) is None
    assert first_relevant_rank(["a"], set()) is None


def test_source_at_k() -> None:
    ranked = ["s1", "s1", "s1", "s2"]  # distinct: ["s1", "s2"] -> s2 at rank 2
    assert source_at_k(ranked, {"s2"}, k=2) == 1.0  # without dedupe s2 would be at rank 4
    assert source_at_k(ranked, {"s2"}, k=1) == 0.0
    assert source_at_k(ranked, {"s9"}, k=10) == 0.0
    assert source_at_k(ranked, set(), k=10) == 0.0
    assert source_at_k([], {"s1"}, k=10) == 0.0
    with pytest.raises(ValueError):
        source_at_k(ranked, {"s1"}, k=0)


def test_mrr_at_k() -> None:
    assert mrr_at_k(["a", "b", "c"], {"c"}) == pytest.approx(1 / 3)  # first relevant at rank 3
    assert mrr_at_k(["a", "b", "c"], {"b", "c"}) == pytest.approx(1 / 2)  # the first one counts
    assert mrr_at_k(["a", "b", "c"], {"c"}, k=2) == 0.0  # rank 3 > k
    assert mrr_at_k(["a", "a", "b"], {"b"}) == pytest.approx(1 / 2)  # distinct ["a", "b"]
    assert mrr_at_k(["a"], {"a"}, k=100) == 1.0
    assert mrr_at_k([], {"a"}) == 0.0
    assert mrr_at_k(["a"], set()) == 0.0


# --- nDCG ------------------------------------------------------------------------------------


def test_ndcg_graded_example() -> None:
    qrels = {"d1": 1, "d2": 2}
    ranked = ["d3", "d1", "d2"]
    # DCG  = 0/log2(2) + 1/log2(3) + 2/log2(4) = 0 + 0.6309298 + 1.0 = 1.6309298
    # IDCG = 2/log2(2) + 1/log2(3)             = 2 + 0.6309298       = 2.6309298
    # nDCG = 1.6309298 / 2.6309298 = 0.6199062
    assert ndcg_at_k(ranked, qrels, k=10) == pytest.approx(0.6199062332840657)
    assert ndcg_at_k(ranked, qrels, k=10) == pytest.approx((1 / LOG2_3 + 2 / 2) / (2 + 1 / LOG2_3))
    # k=2: DCG = 0 + 1/log2(3) = 0.6309298; IDCG unchanged (2 relevant) -> 0.2398125
    assert ndcg_at_k(ranked, qrels, k=2) == pytest.approx(0.23981246656813146)
    # k=1: only d3 (unjudged, gain 0) -> 0
    assert ndcg_at_k(ranked, qrels, k=1) == 0.0


def test_ndcg_ideal_is_truncated_to_k() -> None:
    qrels = {"a": 1, "b": 1, "c": 1}
    # k=1: DCG = 1/log2(2) = 1; IDCG = 1 (only the top ideal slot) -> 1.0
    assert ndcg_at_k(["a"], qrels, k=1) == pytest.approx(1.0)
    # k=2: DCG = 1; IDCG = 1 + 1/log2(3) = 1.6309298 -> 0.6131472
    assert ndcg_at_k(["a"], qrels, k=2) == pytest.approx(0.6131471927654584)


def test_ndcg_zero_judgements_and_no_relevant() -> None:
    # "a" judged 0 gives no gain; DCG = 0 + 1/log2(3) = 0.6309298; IDCG = 1/log2(2) = 1
    assert ndcg_at_k(["a", "b"], {"a": 0, "b": 1}) == pytest.approx(1 / LOG2_3)
    assert ndcg_at_k(["a", "b"], {"a": 0}) == 0.0  # nothing relevant
    assert ndcg_at_k(["a", "b"], {}) == 0.0
    assert ndcg_at_k([], {"a": 1}) == 0.0
    with pytest.raises(ValueError):
        ndcg_at_k(["a"], {"a": 1}, k=0)


def test_ndcg_duplicates_count_once() -> None:
    qrels = {"d1": 1, "d2": 2}
    # distinct ["d2", "d1"]: DCG = 2/1 + 1/log2(3) = IDCG -> 1.0
    # (without dedupe DCG would be 2 + 2/log2(3) + 1/2 > IDCG, i.e. nDCG > 1)
    assert ndcg_at_k(["d2", "d2", "d1"], qrels) == pytest.approx(1.0)


def test_ndcg_k_larger_than_list() -> None:
    # ranked ["d2"] only: DCG = 2; IDCG = 2 + 1/log2(3) = 2.6309298 -> 0.7601875
    assert ndcg_at_k(["d2"], {"d1": 1, "d2": 2}, k=100) == pytest.approx(2 / (2 + 1 / LOG2_3))


# --- recall ----------------------------------------------------------------------------------


def test_recall_at_k() -> None:
    qrels = {"a": 1, "b": 2, "c": 0, "d": 1}  # relevant: a, b, d (c is judged 0)
    ranked = ["c", "a", "x", "b"]
    assert recall_at_k(ranked, qrels) == pytest.approx(2 / 3)  # a, b found; d missing
    assert recall_at_k(ranked, qrels, k=2) == pytest.approx(1 / 3)  # ["c", "a"] -> a only
    assert recall_at_k(["a", "a", "a", "b"], qrels, k=2) == pytest.approx(2 / 3)  # distinct
    assert recall_at_k(ranked, {"c": 0}) == 0.0
    assert recall_at_k([], qrels) == 0.0
    with pytest.raises(ValueError):
        recall_at_k(ranked, qrels, k=0)


# --- abstention ------------------------------------------------------------------------------


def test_abstention_scores_hand_computed() -> None:
    pred = [True, True, False, False, False]
    gold = [True, False, True, True, False]
    # TP = 1 (index 0); predicted 2 -> P = 1/2; should 3 -> R = 1/3
    # F1 = 2 * (1/2) * (1/3) / (1/2 + 1/3) = (1/3) / (5/6) = 0.4
    s = abstention_scores(pred, gold)
    assert s["abstain_precision"] == pytest.approx(0.5)
    assert s["abstain_recall"] == pytest.approx(1 / 3)
    assert s["abstain_f1"] == pytest.approx(0.4)
    assert set(s) == {"abstain_precision", "abstain_recall", "abstain_f1"}


def test_abstention_scores_zero_division() -> None:
    # never abstained although 1 should: P = 0/0 -> 0, R = 0/1 = 0, F1 = 0
    assert abstention_scores([False, False], [True, False]) == {
        "abstain_precision": 0.0,
        "abstain_recall": 0.0,
        "abstain_f1": 0.0,
    }
    # nothing to abstain on and nothing abstained: all 0 (sklearn zero_division=0)
    assert abstention_scores([False], [False])["abstain_f1"] == 0.0
    assert abstention_scores([], [])["abstain_precision"] == 0.0
    # perfect: P = R = F1 = 1
    assert abstention_scores([True, False], [True, False])["abstain_f1"] == 1.0
    with pytest.raises(ValueError):
        abstention_scores([True], [True, False])


# --- percentile ------------------------------------------------------------------------------


def test_percentile_hand_computed() -> None:
    values = [4.0, 1.0, 3.0, 2.0]  # sorted [1, 2, 3, 4]
    assert percentile(values, 50) == pytest.approx(2.5)  # pos 3*0.5 = 1.5 -> 2 + 0.5*(3-2)
    assert percentile(values, 90) == pytest.approx(3.7)  # pos 3*0.9 = 2.7 -> 3 + 0.7*(4-3)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile([5.0], 95) == 5.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError):
        percentile(values, 101)


def test_percentile_matches_numpy() -> None:
    rng = random.Random(7)
    for _ in range(50):
        values = [rng.uniform(-10, 10) for _ in range(rng.randint(1, 30))]
        q = rng.uniform(0, 100)
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


# --- risk-coverage ---------------------------------------------------------------------------


def _flat(points: list[tuple[float, float]]) -> list[float]:
    return [x for point in points for x in point]


def test_risk_coverage_hand_computed() -> None:
    # sorted by confidence: 0.9 (ok), 0.7 (ok), 0.5 (wrong), 0.1 (wrong)
    # answer 1: cov 1/4, risk 1 - 1/1 = 0; answer 2: cov 2/4, risk 0
    # answer 3: cov 3/4, risk 1 - 2/3 = 1/3; answer 4: cov 1, risk 1 - 2/4 = 1/2
    points = risk_coverage([0.9, 0.1, 0.5, 0.7], [True, False, False, True])
    assert _flat(points) == pytest.approx(
        _flat([(0.25, 0.0), (0.5, 0.0), (0.75, 1 / 3), (1.0, 0.5)])
    )


def test_risk_coverage_ties_and_empty() -> None:
    # the two 0.8s cannot be split by a threshold: one point (2/3, 1 - 1/2), then (1, 1 - 2/3)
    points = risk_coverage([0.8, 0.8, 0.2], [True, False, True])
    assert _flat(points) == pytest.approx(_flat([(2 / 3, 0.5), (1.0, 1 / 3)]))
    assert risk_coverage([], []) == []
    with pytest.raises(ValueError):
        risk_coverage([0.5], [True, False])


# --- recall curve ----------------------------------------------------------------------------


def test_recall_curve_hand_computed() -> None:
    # 5 questions, hits at ranks 1, 3, 2, 7 and one miss
    # k=1: {1} -> 1/5; k=2: {1,2} -> 2/5; k=3: {1,2,3} -> 3/5; k=4: still 3/5
    assert recall_curve([1, 3, None, 2, 7], max_k=4) == pytest.approx([0.2, 0.4, 0.6, 0.6])
    assert recall_curve([], max_k=3) == [0.0, 0.0, 0.0]
    assert recall_curve([None, None], max_k=2) == [0.0, 0.0]
    with pytest.raises(ValueError):
        recall_curve([0], max_k=2)
    with pytest.raises(ValueError):
        recall_curve([1], max_k=0)


# --- properties ------------------------------------------------------------------------------

doc_ids = st.sampled_from([f"d{i}" for i in range(12)])


@given(
    ranked=st.lists(doc_ids, max_size=20),
    qrels=st.dictionaries(doc_ids, st.integers(0, 3), max_size=12),
    k=st.integers(1, 15),
)
def test_metric_ranges(ranked: list[str], qrels: dict[str, int], k: int) -> None:
    relevant = {d for d, r in qrels.items() if r > 0}
    ndcg = ndcg_at_k(ranked, qrels, k)
    assert 0.0 <= ndcg <= 1.0 + 1e-12
    assert 0.0 <= recall_at_k(ranked, qrels, k) <= recall_at_k(ranked, qrels, k + 1) <= 1.0
    assert mrr_at_k(ranked, relevant, k) <= source_at_k(ranked, relevant, k)
    # nDCG > 0 exactly when some relevant doc is in the top k
    assert (ndcg > 0) == (source_at_k(ranked, relevant, k) == 1.0)


@given(qrels=st.dictionaries(doc_ids, st.integers(1, 3), min_size=1, max_size=12))
def test_ideal_ranking_scores_one(qrels: dict[str, int]) -> None:
    ideal = sorted(qrels, key=lambda d: -qrels[d])
    for k in (1, 3, 10):
        assert ndcg_at_k(ideal, qrels, k) == pytest.approx(1.0)
    assert recall_at_k(ideal, qrels, len(ideal)) == 1.0


# --- optional cross-check against pytrec_eval ------------------------------------------------


def test_matches_pytrec_eval_on_random_rankings() -> None:
    pytrec_eval = pytest.importorskip("pytrec_eval")
    rng = random.Random(1234)
    docs = [f"d{i}" for i in range(300)]
    qrels: dict[str, dict[str, int]] = {}
    runs: dict[str, list[str]] = {}
    for q in range(40):
        qid = f"q{q}"
        judged = rng.sample(docs, rng.randint(1, 25))
        qrels[qid] = {d: rng.randint(0, 3) for d in judged}
        runs[qid] = rng.sample(judged, len(judged) // 2) + rng.sample(docs, 120)
        runs[qid] = list(dict.fromkeys(runs[qid]))  # pytrec_eval runs have unique docs
    # distinct descending scores so pytrec_eval's order equals the list order
    run_scores = {qid: {d: float(len(r) - i) for i, d in enumerate(r)} for qid, r in runs.items()}
    evaluator = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100"})
    results = evaluator.evaluate(run_scores)
    for qid, ranked in runs.items():
        assert ndcg_at_k(ranked, qrels[qid], 10) == pytest.approx(results[qid]["ndcg_cut_10"])
        assert recall_at_k(ranked, qrels[qid], 100) == pytest.approx(results[qid]["recall_100"])
