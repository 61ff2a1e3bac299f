"""The answer-span model's training data (training/train_span.py): what each written question
teaches. A target off the answer's characters, a sentence read differently from query time, or
a "no answer" sentence that holds the answer would silently train the wrong thing."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

TRAINING = Path(__file__).resolve().parents[1] / "training"


@pytest.fixture(scope="module")
def ts():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(TRAINING))
    spec = importlib.util.spec_from_file_location("train_span", TRAINING / "train_span.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["train_span"] = module  # its dataclass looks its module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("train_span", None)


@dataclass(frozen=True)
class FakeArticle:
    title: str
    text: str


TEXT = ("Acme Corp said on Monday it would close its Leeds plant. The company blamed weak "
        "demand for the closure.\nIt will keep 40 workers at the site. Talks with the union "
        "start in May.")


def _records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[dict]) -> Path:
    fake = types.ModuleType("news_articles")
    fake.all_articles = lambda: {"r.jsonl#1": FakeArticle("ACME  TO CLOSE\n LEEDS PLANT", TEXT)}
    monkeypatch.setitem(sys.modules, "news_articles", fake)
    with (tmp_path / "questions.train.jsonl").open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    return tmp_path


def _rec(qid: str, answer: str, **extra: object) -> dict:
    s = TEXT.index(answer)
    return {"id": qid, "question": "Q?", "answers": [answer], "sources": ["r.jsonl#1"],
            "answerable": True, "answer_start": s, "answer_end": s + len(answer), **extra}


def test_a_written_answer_is_its_characters_in_the_sentence_read_as_at_query_time(
        ts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    folder = _records(tmp_path, monkeypatch, [_rec("a", "weak demand"), _rec("b", "40 workers")])
    pos, neg = ts.written_examples(folder, "train", random.Random(0))
    assert [e.qid for e in pos] == ["a", "b"]
    a, b = pos
    assert a.item.sentence == "The company blamed weak demand for the closure."
    s, e = a.answers[0]
    assert a.item.sentence[s:e] == "weak demand" and a.texts == ["weak demand"]
    # the sentence before in the same paragraph, and the headline as indexed
    assert a.item.before == "Acme Corp said on Monday it would close its Leeds plant."
    assert a.item.title == "ACME TO CLOSE LEEDS PLANT"
    assert b.item.before == ""  # a paragraph starts with it
    # each "no answer" example: another sentence of the same article, without the answer
    assert len(neg) == 2 and all(not n.answers for n in neg)
    for n, p in zip(neg, pos):
        assert n.item.sentence in TEXT and n.item.sentence != p.item.sentence
        assert p.texts[0] not in n.item.sentence


def test_yes_no_unanswerable_and_cross_sentence_answers_are_left_out(
        ts, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    rows = [_rec("yn", "weak demand", yes_no="yes"),
            _rec("cross", "closure.\nIt will"),
            {"id": "u", "question": "Q?", "sources": ["r.jsonl#1"], "answerable": False}]
    folder = _records(tmp_path, monkeypatch, rows)
    assert ts.written_examples(folder, "train", random.Random(0)) == ([], [])
    pos, _ = ts.written_examples(folder, "train", random.Random(0), yes_no=True)
    assert [e.qid for e in pos] == ["yn"]


def test_sortish_batches_cover_every_example_once_in_length_sorted_batches(ts) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    lengths = [rng.randrange(10, 200) for _ in range(1000)]
    batches = ts.sortish_batches(lengths, 16, random.Random(1), pool=10)
    flat = [i for b in batches for i in b]
    assert sorted(flat) == list(range(1000))
    assert all(1 <= len(b) <= 16 for b in batches)
    assert all([lengths[i] for i in b] == sorted(lengths[i] for i in b) for b in batches)
    # fewer padded pieces than random batches of the same size
    padded = sum(max(lengths[i] for i in b) * len(b) for b in batches)
    shuffled = list(range(1000))
    random.Random(1).shuffle(shuffled)
    rand = sum(max(lengths[i] for i in shuffled[k:k + 16]) * len(shuffled[k:k + 16])
               for k in range(0, 1000, 16))
    assert padded < rand
