"""Benchmark loaders: tiny hand-made files, plus counts on the real shared data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from askcorpus.evaluation.benchmarks import (
    SquadQuestion,
    beir_records,
    load_beir,
    load_squad,
    squad_records,
)

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


# --- BEIR ------------------------------------------------------------------------------------


def _write_beir(
    folder: Path,
    corpus: list[str] | None = None,
    queries: list[str] | None = None,
    qrels: str | None = None,
    split: str = "test",
) -> Path:
    if corpus is None:
        corpus = [
            json.dumps({"_id": "d1", "title": "T1", "text": "first text"}),
            json.dumps({"_id": "d2", "title": "T2", "text": "second text"}),
            json.dumps({"_id": "d3", "text": "no title"}),
        ]
    if queries is None:
        queries = [
            json.dumps({"_id": "q1", "text": "query one", "metadata": {}}),
            json.dumps({"_id": "q2", "text": "query two"}),
            json.dumps({"_id": "q3", "text": "unjudged query"}),
        ]
    if qrels is None:
        qrels = "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\nq2\td3\t0\n"
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    (folder / "corpus.jsonl").write_text("\n".join(corpus) + "\n", encoding="utf-8")
    (folder / "queries.jsonl").write_text("\n".join(queries) + "\n\n", encoding="utf-8")
    (folder / "qrels" / f"{split}.tsv").write_text(qrels, encoding="utf-8")
    return folder


def test_load_beir_tiny(tmp_path: Path) -> None:
    data = load_beir(_write_beir(tmp_path))
    assert data.corpus == {
        "d1": ("T1", "first text"),
        "d2": ("T2", "second text"),
        "d3": ("", "no title"),
    }
    assert data.queries == {"q1": "query one", "q2": "query two"}  # q3 has no judgements
    assert data.qrels == {"q1": {"d1": 1, "d2": 2}, "q2": {"d3": 0}}
    assert data.split == "test"
    assert list(beir_records(data)) == [
        {"id": "d1", "title": "T1", "text": "first text"},
        {"id": "d2", "title": "T2", "text": "second text"},
        {"id": "d3", "title": "", "text": "no title"},
    ]


def test_load_beir_missing_split_lists_available(tmp_path: Path) -> None:
    _write_beir(tmp_path, split="train")
    with pytest.raises(FileNotFoundError, match=r"test\.tsv.*available splits: train"):
        load_beir(tmp_path, "test")


def test_load_beir_missing_corpus(tmp_path: Path) -> None:
    _write_beir(tmp_path)
    (tmp_path / "corpus.jsonl").unlink()
    with pytest.raises(FileNotFoundError, match=r"corpus\.jsonl"):
        load_beir(tmp_path)


@pytest.mark.parametrize(
    ("corpus", "pattern"),
    [
        (['{"_id": "d1", "text": "ok"}', '{"_id": "d2", "text": '], r"corpus\.jsonl:2: invalid"),
        (['{"_id": "d1", "text": "ok"}', '["not", "an", "object"]'], r"corpus\.jsonl:2"),
        (['{"title": "no id", "text": "x"}'], r"corpus\.jsonl:1: missing field '_id'"),
        (['{"_id": "d1"}'], r"corpus\.jsonl:1: missing field 'text'"),
        (['{"_id": "d1", "text": "a"}', '{"_id": "d1", "text": "b"}'], r":2: duplicate"),
    ],
)
def test_load_beir_malformed_corpus(tmp_path: Path, corpus: list[str], pattern: str) -> None:
    _write_beir(tmp_path, corpus=corpus)
    with pytest.raises(ValueError, match=pattern):
        load_beir(tmp_path)


@pytest.mark.parametrize(
    ("qrels", "pattern"),
    [
        ("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1 d2 1\n", r"test\.tsv:3: expected 3"),
        ("query-id\tcorpus-id\tscore\nq1\td1\thigh\n", r"test\.tsv:2: score 'high'"),
        ("query-id\tcorpus-id\tscore\nq9\td1\t1\n", r"not found in .*queries\.jsonl.*'q9'"),
    ],
)
def test_load_beir_malformed_qrels(tmp_path: Path, qrels: str, pattern: str) -> None:
    _write_beir(tmp_path, qrels=qrels)
    with pytest.raises(ValueError, match=pattern):
        load_beir(tmp_path)


def test_load_beir_qrels_without_header(tmp_path: Path) -> None:
    data = load_beir(_write_beir(tmp_path, qrels="q1\td1\t1\r\n"))
    assert data.qrels == {"q1": {"d1": 1}}


# --- SQuAD -----------------------------------------------------------------------------------

TINY_SQUAD = {
    "version": "v2.0",
    "data": [
        {
            "title": "Normans",
            "paragraphs": [
                {
                    "context": "The Normans lived in Normandy, France.",
                    "qas": [
                        {
                            "id": "a1",
                            "question": "Where is Normandy?",
                            "answers": [
                                {"text": "France", "answer_start": 31},
                                {"text": "France", "answer_start": 31},
                                {"text": "Normandy, France", "answer_start": 21},
                            ],
                            "is_impossible": False,
                        },
                        {
                            "id": "a2",
                            "question": "Who named Normandy in 2020?",
                            "answers": [],
                            "plausible_answers": [{"text": "Normans", "answer_start": 4}],
                            "is_impossible": True,
                        },
                    ],
                },
                {"context": "Second paragraph.", "qas": []},
            ],
        },
        {
            "title": "Oil_crisis",
            "paragraphs": [
                {
                    "context": "It began in 1973.",
                    "qas": [
                        {
                            "id": "b1",
                            "question": "When?",
                            "answers": [{"text": "1973", "answer_start": 12}],
                        }
                    ],
                }
            ],
        },
    ],
}


def test_load_squad_tiny(tmp_path: Path) -> None:
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(TINY_SQUAD), encoding="utf-8")
    data = load_squad(path)
    assert data.version == "v2.0"
    assert data.corpus == {
        "000_0000": ("Normans", "The Normans lived in Normandy, France."),
        "000_0001": ("Normans", "Second paragraph."),
        "001_0000": ("Oil_crisis", "It began in 1973."),
    }
    assert data.questions == [
        SquadQuestion(
            "a1", "Where is Normandy?", ["France", "Normandy, France"], ["000_0000"], True
        ),
        SquadQuestion("a2", "Who named Normandy in 2020?", [], [], False),  # plausible ignored
        SquadQuestion("b1", "When?", ["1973"], ["001_0000"], True),  # no is_impossible: v1.1
    ]
    assert [r["id"] for r in squad_records(data)] == ["000_0000", "000_0001", "001_0000"]
    assert next(squad_records(data)) == {
        "id": "000_0000",
        "title": "Normans",
        "text": "The Normans lived in Normandy, France.",
    }


def test_load_squad_invalid_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"version": "v2.0",\n"data": [\n}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.json:3: invalid JSON"):
        load_squad(path)


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda d: d.pop("data"), r"field 'data' must be a list"),
        (lambda d: d["data"][1]["paragraphs"][0]["qas"][0].pop("question"), r"qas\[0\]"),
        (lambda d: d["data"][0]["paragraphs"][1].pop("context"), r"paragraphs\[1\]"),
        (lambda d: d["data"][1]["paragraphs"][0]["qas"][0].update(id="a1"), "duplicate"),
        (lambda d: d["data"][1]["paragraphs"][0]["qas"][0].update(answers=[]), "without"),
    ],
)
def test_load_squad_malformed(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], object], pattern: str
) -> None:
    doc = json.loads(json.dumps(TINY_SQUAD))
    mutate(doc)
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ValueError, match=pattern):
        load_squad(path)


def test_load_squad_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.json"):
        load_squad(tmp_path / "nope.json")


# --- real shared data ------------------------------------------------------------------------


@pytest.mark.skipif(not (SHARED_DATA / "beir_scifact").is_dir(), reason="shared data missing")
def test_real_scifact_train_counts() -> None:
    data = load_beir(SHARED_DATA / "beir_scifact", split="train")
    assert len(data.corpus) == 5183
    assert len(data.qrels) == 809
    assert len(data.queries) == 809
    assert sum(len(docs) for docs in data.qrels.values()) == 919
    assert all(d in data.corpus for docs in data.qrels.values() for d in docs)
    with pytest.raises(FileNotFoundError, match="available splits: train"):
        load_beir(SHARED_DATA / "beir_scifact", split="test")


@pytest.mark.skipif(not (SHARED_DATA / "squad_v2").is_dir(), reason="shared data missing")
def test_real_squad_half_a_counts() -> None:
    data = load_squad(SHARED_DATA / "squad_v2" / "dev-v2.0.half-a.json")
    assert len(data.questions) == 2828
    assert sum(not q.answerable for q in data.questions) == 1529
    assert len(data.corpus) == 301
    assert len({title for title, _ in data.corpus.values()}) == 8
    for q in data.questions:
        assert bool(q.answers) == q.answerable == bool(q.sources)
        assert all(s in data.corpus for s in q.sources)
