"""Verify the evaluation question set against the shipped corpus."""

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ROOT / "eval" / "seed_questions.jsonl"
CORPUS = ROOT / "corpus"
if not CORPUS.is_dir():
    CORPUS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

KINDS = {
    "paraphrase", "multi-source", "unconfirmed", "who-reported",
    "factual", "unanswerable", "near-topic-unanswerable",
}
MIN_KIND = {"multi-source": 8, "unconfirmed": 6, "who-reported": 5}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def load() -> list[dict[str, Any]]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


QS = load()
DOCS = {p.name: norm(p.read_text(encoding="utf-8")) for p in CORPUS.glob("*.txt")}


def test_structure_and_counts() -> None:
    ids = [q["id"] for q in QS]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert all(q["kind"] in KINDS for q in QS)
    assert all(isinstance(q["question"], str) and q["question"].strip() for q in QS)
    answerable = [q for q in QS if q["answerable"]]
    assert len(answerable) >= 30
    assert len(QS) - len(answerable) >= 8
    kinds = Counter(q["kind"] for q in QS)
    for kind, minimum in MIN_KIND.items():
        assert kinds[kind] >= minimum, kind


def test_follow_ups() -> None:
    seen: set[str] = set()
    follow_ups = 0
    for q in QS:
        if "follow_up_of" in q:
            assert q["follow_up_of"] in seen, q["id"]
            assert q["answerable"], q["id"]
            follow_ups += 1
        seen.add(q["id"])
    assert follow_ups >= 3


@pytest.mark.parametrize("q", QS, ids=[q["id"] for q in QS])
def test_answers_grounded(q: dict[str, Any]) -> None:
    if not q["answerable"]:
        assert q["answers"] == [] and q["sources"] == []
        assert q["kind"] in {"unanswerable", "near-topic-unanswerable"}
        return
    assert q["answers"] and q["sources"]
    assert q["kind"] not in {"unanswerable", "near-topic-unanswerable"}
    if q["kind"] == "multi-source":
        assert len(q["sources"]) >= 2
    answers = [norm(a) for a in q["answers"]]
    for source in q["sources"]:
        assert source in DOCS, f"unknown source {source}"
        assert any(a in DOCS[source] for a in answers), f"{source} lacks an answer"
    for answer in answers:
        assert any(answer in DOCS[s] for s in q["sources"]), f"{answer!r} not found"
