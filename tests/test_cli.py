"""The CLI with the real packaged model: shapes, stdin batches, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from askcorpus.cli import main
from askcorpus.config import Settings

pytestmark = pytest.mark.integration
QUOTE_KEYS = {"text", "path", "start", "end", "title", "outlet", "date", "score"}


def _run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_index_json_summary(seed_corpus: Path, tmp_path: Path) -> None:
    r = _run("index", "--corpus", str(seed_corpus), "--index", str(tmp_path / "ix"), "--json")
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert {"documents", "chunks", "embedded", "removed", "skipped"} <= set(summary)
    assert summary["documents"] == 5 and summary["embedded"] == 5 and summary["skipped"] == []
    r = _run("index", "--corpus", str(seed_corpus), "--index", str(tmp_path / "ix"))
    assert r.exit_code == 0 and "up to date" in r.output


def test_ask_json_and_text(real_index: Settings) -> None:
    r = _run("ask", "How many North Korean troops may be fighting?", "--index",
             str(real_index.index), "--json", "-k", "3")
    assert r.exit_code == 0, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1
    answer = json.loads(lines[0])
    assert answer["question"] == "How many North Korean troops may be fighting?"
    assert answer["answered"] is True and 1 <= len(answer["quotes"]) <= 3
    for q in answer["quotes"]:
        assert set(q) >= QUOTE_KEYS
        original = (real_index.corpus / q["path"]).read_text(encoding="utf-8")
        assert original[q["start"]:q["end"]] == q["text"]
    assert any("12,000" in q["text"] for q in answer["quotes"])
    r = _run("ask", "Who proposed NATO training missions in Ukraine?", "--index",
             str(real_index.index))
    assert r.exit_code == 0
    assert "Emmanuel Macron" in r.output and "000_c79d4084c955e875.txt" in r.output


def test_ask_many_from_stdin(real_index: Settings) -> None:
    questions = "What did Iran send to Russia?\n\nWhich newspaper reported the Polish plan?\n"
    r = _run("ask", "-", "--index", str(real_index.index), "--json", input=questions)
    assert r.exit_code == 0, r.output
    answers = [json.loads(x) for x in r.output.strip().splitlines()]
    assert [a["question"] for a in answers] == ["What did Iran send to Russia?",
                                                "Which newspaper reported the Polish plan?"]


def test_info(real_index: Settings) -> None:
    r = _run("info", "--index", str(real_index.index))
    assert r.exit_code == 0
    assert "5 documents" in r.output and "all-MiniLM-L6-v2" in r.output
    data = json.loads(_run("info", "--index", str(real_index.index), "--json").output)
    assert data["model"]["dim"] == 384 and len(data["documents"]) == 5


@pytest.mark.parametrize("args, message", [
    (["index", "--corpus", "/nonexistent/corpus", "--index", "{tmp}/ix"], "does not exist"),
    (["index", "--corpus", "{tmp}", "--index", "{tmp}/ix"], "no articles found"),
    (["ask", "hello?", "--index", "{tmp}/missing"], "run `askcorpus index` first"),
    (["ask", "   ", "--index", "{index}"], "the question is empty"),
    (["ask", "x" * 3000, "--index", "{index}"], "the limit is 2,000"),
    (["info", "--index", "{tmp}/missing"], "run `askcorpus index` first"),
])
def test_user_errors_are_one_line(real_index: Settings, tmp_path: Path, args: list[str],
                                  message: str) -> None:
    argv = [a.format(tmp=tmp_path, index=real_index.index) for a in args]
    proc = subprocess.run([sys.executable, "-m", "askcorpus", *argv], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode != 0
    assert proc.stderr.startswith("error: ") and message in proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_question_starting_with_a_dash_is_a_question(real_index: Settings) -> None:
    r = _run("ask", "-5 troops?", "--index", str(real_index.index), "--json", "-k", "1")
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["question"] == "-5 troops?"
