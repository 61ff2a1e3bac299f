"""The abstention fit used by benchmarks/tune_answer.py (weighted logistic regression)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from tune_answer import fit_logistic


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
