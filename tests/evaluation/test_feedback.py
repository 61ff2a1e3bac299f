"""Readers' votes: atomic appends, clear errors, the question file they become, eval --feedback."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest
from click.testing import CliRunner

from askcorpus.cli import main
from askcorpus.errors import AskCorpusError
from askcorpus.evaluation.feedback import (
    append_vote,
    export,
    feedback_questions,
    load_votes,
    make_vote,
)
from askcorpus.evaluation.questions import load_questions

Q1 = {"doc": "a", "path": "000_a.txt", "start": 0, "end": 20, "text": "Macron proposed it."}
Q2 = {"doc": "b", "path": "001_b.txt", "start": 5, "end": 40, "text": "Russia called it a threat."}


def _vote(**kw: object) -> dict:
    base = {"question": "Who proposed it?", "generation": "g1", "vote": "down",
            "quotes": [Q1, Q2]}
    return make_vote(**(base | kw))  # type: ignore[arg-type]


def test_vote_checks() -> None:
    with pytest.raises(AskCorpusError, match="'up' or 'down'"):
        _vote(vote="maybe")
    with pytest.raises(AskCorpusError, match="quote 3 was not among the 2"):
        _vote(marked=2)
    with pytest.raises(AskCorpusError, match="only a 'down' vote"):
        _vote(vote="up", marked=0)
    v = _vote(marked=1, note="  the second one  ")
    assert v["marked"] == 1 and v["note"] == "the second one" and v["quotes"][1]["end"] == 40


def _append_many(args: tuple[str, int]) -> None:
    path, n = args
    append_vote(Path(path), _vote(question=f"question {n} " + "x" * 5000, marked=n % 2))


def test_fifty_concurrent_votes_give_fifty_lines(tmp_path: Path) -> None:
    f = tmp_path / "votes.jsonl"
    with multiprocessing.get_context("fork").Pool(8) as pool:
        pool.map(_append_many, [(str(f), n) for n in range(50)])
    lines = f.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 50
    assert sorted(json.loads(x)["question"].split()[1] for x in lines) == \
        sorted(str(n) for n in range(50))
    assert len(load_votes(f)) == 50


def test_a_file_that_is_not_jsonl_is_one_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "votes.jsonl"
    append_vote(f, _vote(marked=0))
    with f.open("a", encoding="utf-8") as fh:
        fh.write("this is not json\n")
    before = f.read_bytes()
    with pytest.raises(AskCorpusError, match=r"votes.jsonl:2: not a feedback vote"):
        load_votes(f)
    r = CliRunner().invoke(main, ["feedback", "export", str(f), "--out",
                                  str(tmp_path / "q.jsonl")])
    assert r.exit_code != 0 and "votes.jsonl:2: not a feedback vote" in r.output
    assert "Traceback" not in r.output and f.read_bytes() == before  # nothing lost


def test_export_writes_the_eval_format(tmp_path: Path) -> None:
    f = tmp_path / "votes.jsonl"
    append_vote(f, _vote(marked=1))
    append_vote(f, _vote(question="What did NATO eat?", nothing=True))
    append_vote(f, _vote(question="Who spoke?", vote="up"))
    append_vote(f, _vote(question="Unclear?"))  # down, nothing marked: left out
    out = tmp_path / "q.jsonl"
    r = CliRunner().invoke(main, ["feedback", "export", str(f), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "3 questions written" in r.output and "1 'down' votes" in r.output
    qs = load_questions(out)  # the evaluator reads it as any eval/*.jsonl
    by = {q.question: q for q in qs}
    assert by["Who proposed it?"].answers == (Q2["text"],)
    assert "001_b.txt" in by["Who proposed it?"].sources
    assert by["What did NATO eat?"].answerable is False
    assert by["Who spoke?"].answers == (Q1["text"],)
    assert [q.id for q in feedback_questions(f)] == [q.id for q in qs]
    assert export(f, out) == (3, 1)


@pytest.mark.slow
def test_eval_feedback_scores_the_marked_quote(real_index, real_pipeline, tmp_path: Path) -> None:
    ans = real_pipeline.ask("Who proposed sending NATO troops to Ukraine for training?").to_dict()
    quotes = ans["quotes"]
    assert len(quotes) >= 2
    f = tmp_path / "votes.jsonl"
    append_vote(f, make_vote(question=ans["question"], generation=ans.get("generation"),
                             vote="down", quotes=quotes, marked=1, note="the second says it"))
    append_vote(f, make_vote(question="What colour is the Kremlin's cat?",
                             generation=ans.get("generation"), vote="down", quotes=[],
                             nothing=True))
    r = CliRunner().invoke(main, ["eval", "--feedback", str(f), "--index",
                                  str(real_index.index), "--json"])
    assert r.exit_code == 0, r.output
    js = json.loads(r.output)
    rows = {q["question"]: q for q in js["questions"]}
    assert set(rows) == {ans["question"], "What colour is the Kremlin's cat?"}
    first = rows[ans["question"]]
    assert first["answerable"] and first["answer_rank"] == 2  # the marked quote, ranked 2nd
    assert rows["What colour is the Kremlin's cat?"]["answerable"] is False
