from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from askcorpus.cli import main
from askcorpus.config import Settings
from askcorpus.evaluation.questions import (
    METRIC_NAMES,
    EvalQuestion,
    evaluate_questions,
    load_questions,
    summarize,
)

TEXT_A = "Alpha\n\nThe mayor said 40 buses will run on the new line from May."
TEXT_B = "Beta\n\nOfficials reportedly delayed the line by a year."


def _quote(path: str, text: str, needle: str, delta: int = 0) -> dict[str, Any]:
    start = text.index(needle) + delta
    return {"text": needle, "path": path, "start": start, "end": start + len(needle),
            "doc_id": path, "paths": [path], "record": None, "score": 1.0}


def test_metrics_through_evaluate(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(TEXT_A)
    (tmp_path / "b.txt").write_text(TEXT_B)
    qa = _quote("a.txt", TEXT_A, "The mayor said 40 buses will run on the new line from May.")
    qb = _quote("b.txt", TEXT_B, "Officials reportedly delayed the line by a year.")
    bad = _quote("b.txt", TEXT_B, "Officials reportedly delayed the line by a year.", delta=1)
    canned = {
        "q1": {"answered": True, "quotes": [qb, qa], "confidence": 0.9},  # answer at rank 2
        "q2": {"answered": True, "quotes": [qb], "confidence": 0.8},  # answer at rank 1
        "q3": {"answered": False, "quotes": [], "related": [qa], "confidence": 0.1},  # abstains
        "q4": {"answered": False, "quotes": [], "related": [], "confidence": 0.2},  # right
        "q5": {"answered": True, "quotes": [bad], "confidence": 0.7},  # wrong: should abstain
    }
    questions = [
        EvalQuestion("q1", "How many buses?", ("40 buses",), ("a.txt",), True),
        EvalQuestion("q2", "Delay?", ("by a year",), ("b.txt",), True),
        EvalQuestion("q3", "When?", ("from May",), ("a.txt",), True),
        EvalQuestion("q4", "Weather?", (), (), False),
        EvalQuestion("q5", "Football?", (), (), False),
    ]
    by_q = {q.question: canned[q.id] for q in questions}
    results = evaluate_questions(lambda q, h, k: by_q[q], questions, tmp_path, warm_up=False)
    m = summarize(results, questions)
    assert list(m) == list(METRIC_NAMES)
    # answerable: q1 (rank 2), q2 (rank 1), q3 (abstained) -> answer@1 = 1/3, answer@3 = 2/3
    assert m["answer@1"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["answer@3"] == m["answer@5"] == pytest.approx(2 / 3, abs=1e-4)
    # sources: q1 a.txt at rank 2, q2 b.txt at rank 1, q3 a.txt via related at rank 1
    assert m["source@1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["source@5"] == 1.0
    assert m["mrr@10"] == pytest.approx((0.5 + 1 + 1) / 3, abs=1e-4)
    # abstained: q3, q4. should abstain: q4, q5 -> precision 1/2, recall 1/2, f1 1/2
    assert (m["abstain_precision"], m["abstain_recall"], m["abstain_f1"]) == (0.5, 0.5, 0.5)
    # quotes checked: q1 2, q2 1, q3 1 (related), q5 1 (bad offsets) -> 4/5
    assert m["quote_fidelity"] == 0.8


def test_load_questions_errors(tmp_path: Path) -> None:
    from askcorpus.errors import AskCorpusError

    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": 1, "question": "ok?"}\n{"nope": 1}\n')
    with pytest.raises(AskCorpusError, match=r"q.jsonl:2"):
        load_questions(bad)
    with pytest.raises(AskCorpusError, match="does not exist"):
        load_questions(tmp_path / "missing.jsonl")


@pytest.mark.integration
def test_seed_eval_end_to_end(real_index: Settings, tmp_path: Path) -> None:
    seed = Path(__file__).resolve().parents[2] / "eval" / "seed_questions.jsonl"
    r = CliRunner().invoke(main, ["eval", str(seed), "--index", str(real_index.index), "--json",
                                  "--out", str(tmp_path / "report")], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert list(data["metrics"]) == list(METRIC_NAMES)
    assert data["metrics"]["quote_fidelity"] == 1.0
    assert data["metrics"]["answer@5"] >= 0.6 and data["metrics"]["source@5"] >= 0.9
    assert len(data["questions"]) == len(load_questions(seed))
    report = (tmp_path / "report" / "report.md").read_text()
    assert "## Failures" in report and "answer@1" in report
    for png in ("recall_at_k.png", "risk_coverage.png"):
        assert (tmp_path / "report" / png).read_bytes()[:4] == b"\x89PNG"
    r = CliRunner().invoke(main, ["eval", str(seed), "--index", str(real_index.index),
                                  "--compare", "dense,bm25", "--limit", "5"])
    assert r.exit_code == 0 and " dense " in r.output and " bm25 " in r.output


@pytest.mark.integration
def test_beir_and_squad_adapters(tmp_path: Path) -> None:
    beir = tmp_path / "tiny_beir"
    (beir / "qrels").mkdir(parents=True)
    docs = {"d1": ("Volcano", "The volcano erupted on Tuesday and covered the town in ash."),
            "d2": ("Budget", "Parliament passed the annual budget after a long debate."),
            "d3": ("Chess", "The chess champion defended her title in twelve games.")}
    (beir / "corpus.jsonl").write_text("\n".join(
        json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in docs.items()))
    (beir / "queries.jsonl").write_text(
        json.dumps({"_id": "q1", "text": "volcano eruption ash"}) + "\n"
        + json.dumps({"_id": "q2", "text": "who defended the chess title"}))
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n")
    r = CliRunner().invoke(main, ["eval", "--beir", str(beir), "--cache", str(tmp_path / "c"),
                                  "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    m = json.loads(r.output)["metrics"]
    assert m["ndcg@10"] == 1.0 and m["mrr@10"] == 1.0 and m["recall@100"] == 1.0

    squad = tmp_path / "squad.json"
    squad.write_text(json.dumps({"version": "v2.0", "data": [{"title": "Rivers", "paragraphs": [
        {"context": "The Nile is about 6,650 km long. It flows north into the Mediterranean.",
         "qas": [{"id": "s1", "question": "How long is the Nile?", "is_impossible": False,
                  "answers": [{"text": "6,650 km", "answer_start": 13}]},
                 {"id": "s2", "question": "Who painted the Mona Lisa?", "is_impossible": True,
                  "answers": []}]}]}]}))
    r = CliRunner().invoke(main, ["eval", "--squad", str(squad), "--cache", str(tmp_path / "c"),
                                  "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["metrics"]["answer@1"] == 1.0 and out["metrics"]["quote_fidelity"] == 1.0
    assert {q["id"] for q in out["questions"]} == {"s1", "s2"}
