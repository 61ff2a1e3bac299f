"""Resolve short follow-up questions ("And Germany?", "What did Russia say about it?")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

_PRONOUN = re.compile(r"\b(it|its|that|this|they|them|their|those|these|he|she|him|her|there)\b",
                      re.I)
_AND = re.compile(r"^\s*(?:and|what about|how about|and what about)\b\s*(.*?)\??\s*$", re.I)


def _text(turn: Any) -> str:
    return turn if isinstance(turn, str) else str(getattr(turn, "question", "") or "")


def resolve_followup(question: str, history: Sequence[Any]) -> str:
    """Rewrite a follow-up into a standalone question using the previous question.

    Short questions that lean on the previous turn (a leading "and"/"what about", or a
    pronoun with few content words) get the previous question's words added.
    """
    previous = [_text(t) for t in history if _text(t).strip()]
    if not previous:
        return question
    last = previous[-1]
    m = _AND.match(question)
    words = re.findall(r"\w+", question)
    if m and len(words) <= 6:
        return f"{question} {last}".strip()
    if _PRONOUN.search(question) and len(words) <= 9:
        return f"{question} (context: {last})"
    return question
