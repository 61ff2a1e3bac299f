"""The abstention fit used by benchmarks/tune_answer.py (weighted logistic regression)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from tune_answer import fit_logistic, sign_test

ROOT = Path(__file__).resolve().parents[2]


def _data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.r_[rng.normal(1.0, 1.0, 300), rng.normal(-1.0, 1.0, 100)]
    y = np.r_[np.ones(300), np.zeros(100)]
    return np.c_[np.ones_like(x), x], y


def test_fit_separates_and_balances_classes() -> None:
    X, y = _data()
    w = fit_logistic(X, y)
    assert w[1] > 0.5  # the feature pushes towards the positive class
    # class-balanced: the decision point sits between the two means, not near the minority
    assert abs(-w[0] / w[1]) < 0.3


def test_sample_weight_equals_repeating_rows() -> None:
    X, y = _data(1)
    weight = np.where(np.arange(len(y)) % 2 == 0, 3.0, 1.0)
    reps = weight.astype(int)
    repeated = fit_logistic(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    weighted = fit_logistic(X, y, sample_weight=weight)
    assert weighted == pytest.approx(repeated, abs=0.02)
    assert not np.allclose(weighted, fit_logistic(X, y), atol=0.02)


def _tune(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "tune_answer.py"), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.integration
def test_a_set_outside_the_four_is_measured_never_fit_on(real_index, tmp_path: Path) -> None:
    """`collect --name reuters` makes a pool `search` reports beside the fit sets: the fitted
    abstention model is the same with or without it."""
    cache = tmp_path / "cache"
    seed = str(ROOT / "eval" / "seed_questions.jsonl")
    r = _tune("collect", "--cache", str(cache), "--questions", seed, "--corpus",
              str(real_index.corpus), "--index", str(real_index.index))
    assert r.returncode == 0, r.stderr[-2000:]
    fit_only = _tune("search", "--cache", str(cache))
    assert fit_only.returncode == 0, fit_only.stderr[-2000:]
    shutil.copy(cache / "seed.pkl", cache / "extra.pkl")
    both = _tune("search", "--cache", str(cache))
    assert both.returncode == 0, both.stderr[-2000:]

    def model(out: str) -> str:
        return next(line for line in out.splitlines() if line.startswith("abstain model"))

    assert model(both.stdout) == model(fit_only.stdout)
    assert "measured only, not fit on: extra" in both.stdout
    assert "extra (59 q, measured only) ranking" in both.stdout
    assert "| extra: answer@1=" in both.stdout and "extra" not in fit_only.stdout
    # a name that would overwrite one of the fit sets' pools is refused, before any work
    bad = _tune("collect", "--cache", str(cache), "--questions", seed, "--name", "squad")
    assert bad.returncode == 1 and "would overwrite" in bad.stderr


def test_sign_test_on_the_questions_only_one_side_gets_right() -> None:
    assert sign_test(0, 0) == 1.0
    assert sign_test(5, 0) == pytest.approx(2 / 32)  # five to none: p = 2 * 0.5**5
    assert sign_test(0, 5) == sign_test(5, 0)
    assert sign_test(3, 3) == 1.0
    assert sign_test(20, 5) < 0.01 < sign_test(8, 3)


@pytest.mark.integration
def test_compare_two_caches_question_by_question(real_index, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    seed = str(ROOT / "eval" / "seed_questions.jsonl")
    r = _tune("collect", "--cache", str(cache), "--questions", seed, "--corpus",
              str(real_index.corpus), "--index", str(real_index.index))
    assert r.returncode == 0, r.stderr[-2000:]
    same = _tune("compare", str(cache), "--cache", str(cache))
    assert same.returncode == 0, same.stderr[-2000:]
    row = next(line.split() for line in same.stdout.splitlines() if line.startswith("seed "))
    assert row[1] == "59" and row[2] == row[3] and row[4:] == ["0", "0", "1.000"]
    # fewer questions on one side: one clear error, not a wrong table
    other = tmp_path / "other"
    r = _tune("collect", "--cache", str(other), "--questions", seed, "--sample", "20",
              "--corpus", str(real_index.corpus), "--index", str(real_index.index))
    assert r.returncode == 0, r.stderr[-2000:]
    bad = _tune("compare", str(other), "--cache", str(cache))
    assert bad.returncode == 1 and "hold different seed questions" in bad.stderr
    empty = _tune("compare", str(tmp_path / "nothing"), "--cache", str(cache))
    assert empty.returncode == 1 and "no cached pools" in empty.stderr


def test_reader_fusion_ways() -> None:
    """benchmarks/reader_fusion.py: `prob` is the product's own ranking; `logit` and `zscore`
    rank the unread candidates below the read ones when the reader outweighs the features."""
    from dataclasses import replace

    from reader_fusion import fused

    from askcorpus.answer.candidates import FEATURES, AnswerSettings, Candidates, rank

    c = Candidates(question="q", qtype="other", keys=[("d", i) for i in range(4)])
    c.feats = np.asarray([[0.9, 0.5, 0, 0, 0.6, 0, 0], [0.5, 0.1, 0, 0, 0.6, 0, 0],
                          [0.4, 0.2, 0, 0, 0.6, 0, 0], [0.95, 0.6, 0, 0, 0.6, 0, 0]],
                         np.float32)
    assert len(FEATURES) == c.feats.shape[1]
    c.reader = np.asarray([-3.0, 4.0, 1.0, np.nan], np.float32)
    cfg = AnswerSettings()
    fw = cfg.reader_weights
    assert fused("prob", 0.7, fw)(c, cfg) == pytest.approx(
        rank(c, replace(cfg, reader_weight=0.7)))
    for way in ("logit", "zscore"):
        scores = fused(way, 20.0, fw)(c, cfg)
        assert list(np.argsort(-scores)) == [1, 2, 0, 3], way
        plain = fused(way, 0.0, fw)(c, cfg)
        assert int(np.argmax(plain)) == 3, way  # weight 0: the features alone


def test_the_written_fit_split_is_fit_on_and_the_train_split_never_read(tmp_path: Path) -> None:
    """training/data's pools: news_fit joins the fit sets, news_train (what the reader learns
    from) is neither fit on nor measured, any other name is measured only."""
    import pickle

    from tune_answer import load_sets

    for name in ("seed", "news_fit", "news_train", "reuters"):
        (tmp_path / f"{name}.pkl").write_bytes(pickle.dumps([name]))
    fit, measured = load_sets(tmp_path, "", Path("unused.json"))
    assert sorted(fit) == ["news_fit", "seed"] and sorted(measured) == ["reuters"]
