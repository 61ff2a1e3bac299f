"""The CLI with the real packaged model: shapes, stdin batches, and one-line errors."""

from __future__ import annotations

import json
import re
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
    answers = [json.loads(x) for x in r.output.strip().splitlines()]
    assert [a["question"] for a in answers] == ["What did Iran send to Russia?",
                                                "Which newspaper reported the Polish plan?"]
    assert r.exit_code == (0 if all(a["answered"] for a in answers) else 3), r.output


def test_info(real_index: Settings) -> None:
    r = _run("info", "--index", str(real_index.index))
    assert r.exit_code == 0
    assert "5 documents" in r.output and "all-MiniLM-L6-v2" in r.output
    data = json.loads(_run("info", "--index", str(real_index.index), "--json").output)
    assert data["model"]["dim"] == 384 and len(data["documents"]) == 5
    assert "nexisuni" in r.output and ".pdf" in r.output  # the formats it reads
    names = {f["name"] for f in data["formats"]}
    assert {"txt", "html", "pdf", "docx", "rtf", "eml", "mbox", "lexisnexis", "factiva"} <= names


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


# ------------------------------------------------------------------------------ conventions
NK = "How many North Korean soldiers are fighting for Russia?"
OFF_TOPIC = "What is the recipe for banana bread?"


def test_version() -> None:
    from importlib.metadata import version

    import askcorpus

    proc = subprocess.run([sys.executable, "-m", "askcorpus", "--version"], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout == f"askcorpus {askcorpus.__version__}\n"
    assert askcorpus.__version__ == version("askcorpus")


def test_exit_status_tells_answered_from_not_answered(real_index: Settings) -> None:
    index = ["--index", str(real_index.index)]
    r = _run("ask", NK, *index, "--json")
    assert r.exit_code == 0 and json.loads(r.output)["answered"] is True
    r = _run("ask", OFF_TOPIC, *index, "--json")
    assert r.exit_code == 3, r.output  # still a full answer on stdout
    off = json.loads(r.output)
    assert off["answered"] is False and off["message"] == "No article in the corpus answers this."
    r = _run("ask", OFF_TOPIC, *index)
    assert r.exit_code == 3 and "No article in the corpus answers this." in r.output
    r = _run("ask", "-", *index, "--json", input=f"{NK}\n{OFF_TOPIC}\n")
    assert r.exit_code == 3 and [json.loads(x)["answered"] for x in
                                 r.output.splitlines()] == [True, False]
    r = _run("ask", "-", *index, "--json", input=f"{OFF_TOPIC}\n\n{'x' * 3000}\n")
    assert r.exit_code == 1  # an error outranks an unanswered question
    r = _run("ask", "-", *index, "--json", input=f"{NK}\n")
    assert r.exit_code == 0
    r = _run("ask", "   ", *index)
    assert r.exit_code == 2 and "the question is empty" in r.output
    r = _run("show", "no-such-article.txt", *index)
    assert r.exit_code == 2 and "no article 'no-such-article.txt'" in r.output
    r = _run("ask", NK, "--index", str(real_index.index.parent / "no-index-here"))
    assert r.exit_code == 1 and "run `askcorpus index` first" in r.output


def test_exit_statuses_are_documented() -> None:
    from askcorpus.cli import NOT_ANSWERED

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Exit status.**", 1)[1].split("\n\n", 1)[0]
    for code, words in ((0, "answered"), (1, "error"), (2, "unusable"),
                        (NOT_ANSWERED, "no article")):
        assert re.search(rf"`{code}`[^`]*{words}", section, re.I), (code, section)


def test_ask_markdown(real_index: Settings) -> None:
    from askcorpus.answer.markdown import escape

    index = ["--index", str(real_index.index)]
    as_json = json.loads(_run("ask", NK, *index, "--json", "-k", "3").output)
    r = _run("ask", NK, *index, "--format", "markdown", "-k", "3")
    assert r.exit_code == 0, r.output
    md = r.output
    assert md.startswith(f"## {NK}\n\n")
    assert as_json["quotes"]
    for q in as_json["quotes"]:
        block = f"> {escape(q['text'])}\n>\n> — "
        assert block in md
        line = md.split(block, 1)[1].split("\n", 1)[0]
        assert f"`{q['path']}`, characters {q['start']}–{q['end']}" in line
        assert q["outlet"] is None or q["outlet"] in line
        if q["flags"]:
            assert f"> ⚑ {', '.join(q['flags'])}: “" in md
    r = _run("ask", OFF_TOPIC, *index, "--format", "markdown")
    assert r.exit_code == 3 and "**No article in the corpus answers this.**" in r.output
    r = _run("ask", NK, *index, "--json", "--format", "markdown")
    assert r.exit_code == 2 and "contradict" in r.output


BYLINE = {"title": "Port strike halts grain exports", "source": "The Harbour Gazette",
          "author": "Maria Lopez", "text": "Dock workers walked out on Monday at the port of "
          "Constanta, halting grain exports for the first time in a decade, union leaders said."}


def test_ask_json_markdown_and_text_carry_the_author(seed_corpus: Path, tmp_path: Path) -> None:
    (seed_corpus / "bylines.jsonl").write_text(json.dumps(BYLINE) + "\n", encoding="utf-8")
    index = ["--index", str(tmp_path / "ix")]
    r = _run("index", "--corpus", str(seed_corpus), *index, "--json")
    assert r.exit_code == 0, r.output
    question = "Who halted grain exports at the port of Constanta?"
    answer = json.loads(_run("ask", question, *index, "--json").output)
    quotes = answer["quotes"] + answer["related"]
    assert all("author" in q for q in quotes)
    assert {q["author"] for q in quotes if q["path"] == "bylines.jsonl"} == {"Maria Lopez"}
    assert {q["author"] for q in quotes if q["path"] != "bylines.jsonl"} <= {None}
    md = _run("ask", question, *index, "--format", "markdown").output
    assert "> — The Harbour Gazette · *Port strike halts grain exports* · by Maria Lopez · " \
           "`bylines.jsonl#1`, characters" in md
    text = _run("ask", question, *index).output
    assert "Port strike halts grain exports · The Harbour Gazette · by Maria Lopez" in text
