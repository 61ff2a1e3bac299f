"""Sentence features of the answer stage that need no model."""

from __future__ import annotations

import pytest

from askcorpus.answer.candidates import FEATURES, AnswerSettings, bigram_overlap
from askcorpus.index.lexical import tokenize


def _weights(question: str) -> tuple[dict[str, float], list[str]]:
    tokens = tokenize(question)
    return {t: 1.0 for t in tokens}, tokens


def test_bigram_overlap_counts_word_pairs_side_by_side() -> None:
    w, q = _weights("ballistic missiles Iran delivered")  # 3 pairs, 2 words each
    assert bigram_overlap(w, q, tokenize("Iran delivered ballistic missiles to Russia.")) == \
        pytest.approx(4 / 6)  # "ballistic missiles" and "Iran delivered"; not "missiles Iran"
    assert bigram_overlap(w, q, tokenize("Missiles, some ballistic, came from Iran.")) == 0.0
    full = bigram_overlap(w, q, tokenize("The ballistic missiles Iran delivered."))
    assert full == pytest.approx(1.0)


def test_bigram_overlap_weighs_rare_words_more() -> None:
    q = tokenize("security guarantees for Ukraine")
    rare = {"secur": 1.0, "guarante": 5.0, "ukrain": 0.1}
    both = bigram_overlap(rare, q, tokenize("Security guarantees were discussed."))
    other = bigram_overlap(rare, q, tokenize("Guarantees for Ukraine were discussed."))
    assert both > other > 0.0


@pytest.mark.parametrize("text", ["", "the and of"])
def test_bigram_overlap_without_pairs_is_zero(text: str) -> None:
    w, q = _weights("Ukraine")  # one word: no pair to find
    assert bigram_overlap(w, q, tokenize("Ukraine joined.")) == 0.0
    w, q = _weights("NATO troops")
    assert bigram_overlap(w, q, tokenize(text)) == 0.0


def test_settings_have_a_weight_per_feature() -> None:
    assert len(AnswerSettings().weights) == len(FEATURES)
