"""Resolve short follow-up questions ("And Germany?", "What did Russia say about it?").

Two cases, both against the previous question:
- "And X?" / "What about X?": X takes the place of the previous question's entity of the same
  kind ("Did the United States oppose it?" + "And Germany?" -> "Did Germany oppose it?").
- A short question leaning on a pronoun ("it", "that", "they"): the previous question is added
  as context, so retrieval knows what "it" is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .answer_types import _PLACES

_PRONOUN = re.compile(r"\b(it|its|that|this|they|them|their|those|these|he|she|him|her|there|"
                      r"such|the move|the plan|the idea|the claim|the report)\b", re.I)
_AND = re.compile(r"^\s*(?:and|what about|how about|and what about|same for|also)\b[\s,]*"
                  r"(?P<focus>.*?)[\s?.!]*$", re.I)
_ENTITY = re.compile(r"(?<!^)(?<![.?!]\s)\b(?:the\s+)?[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")


def _text(turn: Any) -> str:
    if isinstance(turn, str):
        return turn
    answer = getattr(turn, "answer", None)
    resolved = getattr(answer, "resolved_question", None) if answer is not None else None
    return str(resolved or getattr(turn, "question", "") or "")


def _is_place(name: str) -> bool:
    words = [re.sub(r"[’']s$", "", w.strip(".,")) for w in name.split()]
    return any(w in _PLACES or w in ("States", "Kingdom", "Union") for w in words)


def resolve_followup(question: str, history: Sequence[Any]) -> str:
    """A standalone version of ``question`` given the earlier turns (unchanged if it is one)."""
    previous = [_text(t) for t in history if _text(t).strip()]
    if not previous:
        return question
    # the previous question may itself have been a follow-up: resolve the chain first
    last = resolve_followup(previous[-1].strip(), previous[:-1])
    words = re.findall(r"\w+", question)
    m = _AND.match(question)
    if m and m.group("focus") and len(words) <= 6:
        focus = m.group("focus")
        entities = [e for e in _ENTITY.finditer(last) if e.start() > 0]
        same_kind = [e for e in entities if _is_place(e.group(0)) == _is_place(focus)]
        target = (same_kind or entities or [None])[0]
        if target is not None:
            return f"{last[:target.start()]}{focus}{last[target.end():]}"
        return f"{last.rstrip('?')} {focus}?"
    if _PRONOUN.search(question) and len(words) <= 10:
        return f"{question} (context: {last})"
    return question


def focus_of(question: str, resolved: str) -> str:
    """The user's own words of a follow-up (what sentence scoring should weigh most)."""
    return question if resolved.startswith(f"{question} (context:") else resolved
