from __future__ import annotations

import pytest

from askcorpus.answer.followup import focus_of, resolve_followup
from askcorpus.pipeline import Turn
from askcorpus.types import Answer


@pytest.mark.parametrize("question, history, expected", [
    ("And Germany?", ["Did the United States oppose the Polish initiative?"],
     "Did Germany oppose the Polish initiative?"),
    ("What about Iran?", ["How many troops has North Korea sent to Russia?"],
     "How many troops has Iran sent to Russia?"),
    ("And Macron?", ["What did Putin say about long-range strikes?"],
     "What did Macron say about long-range strikes?"),
    ("What about Iran?", ["How many troops has North Korea sent to Russia?", "And Belarus?"],
     "How many troops has Iran sent to Russia?"),  # a chain of follow-ups
    ("Who is NATO's Secretary General?", ["Anything?"], "Who is NATO's Secretary General?"),
    ("Anything new?", [], "Anything new?"),
])
def test_resolution(question: str, history: list[str], expected: str) -> None:
    assert resolve_followup(question, history) == expected


def test_pronoun_follow_up_keeps_the_users_words_as_focus() -> None:
    first = "Who proposed sending NATO troops to Ukraine for training?"
    resolved = resolve_followup("What did Russia say about it?", [first])
    assert resolved == f"What did Russia say about it? (context: {first})"
    assert focus_of("What did Russia say about it?", resolved) == "What did Russia say about it?"
    assert focus_of("And Germany?", "Did Germany oppose it?") == "Did Germany oppose it?"


def test_turns_use_their_resolved_question() -> None:
    turn = Turn("And Germany?", Answer(question="And Germany?", answered=True,
                                       resolved_question="Did Germany oppose the plan?"))
    assert resolve_followup("And France?", [turn]) == "Did France oppose the plan?"
