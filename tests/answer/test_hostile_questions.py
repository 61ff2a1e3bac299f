"""Hostile questions get a normal answer or one clear message, never a traceback: in the
Python API (Pipeline.ask), the CLI (`askcorpus ask`) and the web API (`/ask`).

The limits (docs/RELIABILITY.md): at most 2,000 characters after cleaning
(ASKCORPUS_MAX_QUESTION_CHARS); control and format characters become spaces; a question with
nothing left is "empty". Real packaged model and index (marker ``integration``); one index for
the session, one app for this module. A property test with the fake embedder runs by default.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from askcorpus.config import Settings
from askcorpus.errors import QuestionError
from askcorpus.types import Answer
from tests.conftest import api_client, ask_api

ROOT = Path(__file__).resolve().parents[2]
NK = "How many North Korean soldiers are fighting for Russia?"
EMPTY, LIMIT = "the question is empty", "the limit is 2,000"
ANSWER = None  # a normal answer (answered or "No article in the corpus answers this.")

# (id, question, expected): expected is the message a refusal contains, or ANSWER
CASES: list[tuple[str, str, str | None]] = [
    ("empty", "", EMPTY),
    ("whitespace", " \t\n\r\u00a0\u2003\u3000 ", EMPTY),
    ("only-controls", "\x01\x02\x1b\x7f\u200b\u202e\ufeff", EMPTY),
    ("100k-chars", "How many troops are there? " * 3704, LIMIT),
    ("2001-chars", "x" * 2001, LIMIT),
    ("2000-chars", ("North Korean troops " * 100)[:2000], ANSWER),
    ("controls", "How many North Korean\x07 soldiers are \x1b[2K fighting\u202e for Russia?\x7f",
     ANSWER),
    ("punctuation-only", "?!.,;:()[]{}<>---...\"'`~@#$%^&*_+=|\\/", ANSWER),
    ("single-char", "?", ANSWER),
    ("cyrillic", "Сколько северокорейских солдат воюет за Россию?", ANSWER),
    ("cjk", "朝鲜有多少士兵在为俄罗斯作战？", ANSWER),
    ("arabic", "كم عدد الجنود الكوريين الشماليين الذين يقاتلون من أجل روسيا؟", ANSWER),
    ("mixed-scripts", "Сколько 朝鲜 soldiers كم fight for Russia? 🪖🇰🇵", ANSWER),
    ("html-js", '<script>alert(1)</script><img src=x onerror="alert(1)"> What did Iran give '
                "Russia? javascript:alert(1) [x](javascript:alert(1))", ANSWER),
    ("sql", "'; DROP TABLE chunks; -- What did Iran give Russia?' OR '1'='1'; SELECT * FROM "
            "documents --", ANSWER),
    ("format-strings", "%s %n %x {0} {question!r} ${PATH} $(rm -rf /) `id` \\x00 \\n", ANSWER),
    ("combining-marks", "Z\u0351\u0352\u0353a\u0354\u0355l\u0356\u0357g\u0358o" * 40, ANSWER),
]
IDS = [c[0] for c in CASES]


def check_answer(answer: dict[str, Any], corpus: Path) -> None:
    """A normal answer: the Answer.to_dict() shape, and every quote verbatim at its offsets."""
    assert set(answer) >= {"question", "answered", "message", "quotes", "related"}, answer
    assert "error" not in answer
    q = answer["question"]
    assert q and q == " ".join(q.split()) and len(q) <= 2000
    assert not any(unicodedata.category(ch)[0] == "C" for ch in q)
    assert answer["answered"] or answer["message"]
    for quote in answer["quotes"] + answer["related"]:
        original = (corpus / quote["path"]).read_bytes().decode("utf-8")
        assert original[quote["start"]:quote["end"]] == quote["text"]
    json.dumps(answer, ensure_ascii=False).encode("utf-8")  # serializable, no lone surrogates


# ------------------------------------------------------------------------------ Python API
@pytest.mark.integration
@pytest.mark.parametrize(("name", "question", "expected"), CASES, ids=IDS)
def test_python_api(real_pipeline: Any, real_index: Settings, name: str, question: str,
                    expected: str | None) -> None:
    if expected is not None:
        with pytest.raises(QuestionError) as e:
            real_pipeline.ask(question)
        message = str(e.value)
        assert expected in message and "\n" not in message
        return
    answer = real_pipeline.ask(question)
    assert isinstance(answer, Answer)
    check_answer(answer.to_dict(), real_index.corpus)


@pytest.mark.integration
def test_python_api_control_characters_do_not_change_the_answer(real_pipeline: Any) -> None:
    noisy = real_pipeline.ask("How many North Korean\x07 soldiers are \x1b fighting\u202e for "
                              "Russia?\x7f")
    clean = real_pipeline.ask("How many North Korean soldiers are fighting for Russia?")
    assert noisy.answered and any("12,000" in q.text for q in noisy.quotes)
    assert [(q.doc.path, q.start, q.end) for q in noisy.quotes] == [
        (q.doc.path, q.start, q.end) for q in clean.quotes]


@pytest.mark.integration
@pytest.mark.parametrize("question", [None, 123, ["a list"], {"a": "dict"}, b"bytes",
                                      "\ud800 lone surrogates \udfff"])
def test_python_api_odd_types(real_pipeline: Any, real_index: Settings, question: Any) -> None:
    if not isinstance(question, str):
        with pytest.raises(QuestionError, match="must be text"):
            real_pipeline.ask(question)
        return
    check_answer(real_pipeline.ask(question).to_dict(), real_index.corpus)


@pytest.mark.integration
@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"k": 0}, "between 1 and 50"), ({"k": 51}, "between 1 and 50"), ({"k": -3}, "between"),
    ({"mode": "'; DROP TABLE"}, "unknown mode"), ({"mode": "reranker"}, "unknown mode"),
])
def test_python_api_bad_options(real_pipeline: Any, kwargs: dict[str, Any], needle: str) -> None:
    with pytest.raises(QuestionError, match=needle):
        real_pipeline.ask(NK, **kwargs)


@pytest.fixture(scope="module")
def fake_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from askcorpus.index.build import build_index
    from askcorpus.pipeline import Pipeline
    from tests.fakes import FakeEmbedder, word_counter

    base = tmp_path_factory.mktemp("fakeq")
    settings_ = Settings(corpus=ROOT / "corpus", index=base / "index")
    build_index(settings_, FakeEmbedder(), word_counter)
    p = Pipeline(settings_, embedder=FakeEmbedder())
    yield p
    p.close()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(question=st.text(max_size=300) | st.text(
    st.characters(blacklist_categories=()), min_size=1900, max_size=2200),
       mode=st.sampled_from(["hybrid", "dense", "bm25"]))
def test_any_text_is_an_answer_or_a_question_error(fake_pipeline: Any, question: str,
                                                   mode: str) -> None:
    """Any string at all (surrogates, controls, every script, around the length limit):
    an Answer whose quotes hold, or one QuestionError line. Fake embedder: fast, no model."""
    try:
        answer = fake_pipeline.ask(question, mode=mode)
    except QuestionError as e:
        assert str(e) and "\n" not in str(e)
        return
    check_answer(answer.to_dict(), ROOT / "corpus")


# ------------------------------------------------------------------------------ CLI
def _cli(args: list[str], index: Path, stdin: str | bytes | None = None
         ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    return subprocess.run([sys.executable, "-m", "askcorpus", "ask", "--index", str(index),
                           "--json", "--", *args], input=stdin, capture_output=True,
                          text=not isinstance(stdin, bytes), env=env, timeout=300)


@pytest.mark.integration
@pytest.mark.parametrize(("name", "question", "expected"),
                         [c for c in CASES if c[2] is not None], ids=[c[0] for c in CASES
                                                                      if c[2] is not None])
def test_cli_refusals_are_one_line(real_index: Settings, name: str, question: str,
                                   expected: str) -> None:
    proc = _cli([question], real_index.index)
    assert proc.returncode == 2, proc
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines
    assert "Traceback" not in proc.stderr


@pytest.mark.integration
def test_cli_answers_every_other_case(real_index: Settings) -> None:
    """One process per shape: two questions on the command line, all of them on stdin."""
    answers = [c for c in CASES if c[2] is None]
    for name in ("sql", "cjk"):
        question = next(c[1] for c in answers if c[0] == name)
        proc = _cli([question], real_index.index)
        assert "Traceback" not in proc.stderr, proc.stderr
        result = json.loads(proc.stdout)
        assert proc.returncode == (0 if result["answered"] else 3), proc.stderr
        check_answer(result, real_index.corpus)
    batch = "".join(q.replace("\n", " ") + "\n" for _, q, _ in answers)
    batch += "\x01\x02\n" + "x" * 100_000 + "\n"  # refused in a batch: an error line each
    proc = subprocess.run([sys.executable, "-m", "askcorpus", "ask", "-", "--index",
                           str(real_index.index), "--json"], input=batch, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(answers) + 2
    for answer in out[:-2]:
        check_answer(answer, real_index.corpus)
    assert EMPTY in out[-2]["error"] and LIMIT in out[-1]["error"]


@pytest.mark.integration
def test_cli_invalid_utf8_on_stdin_is_not_a_traceback(real_index: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    env["PYTHONIOENCODING"] = "utf-8:strict"  # what a desktop en_US.UTF-8 locale gives
    proc = subprocess.run([sys.executable, "-m", "askcorpus", "ask", "-", "--index",
                           str(real_index.index), "--json"], input=b"caf\xe9 troops?\n",
                          capture_output=True, env=env, timeout=300)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-300:]


# ------------------------------------------------------------------------------ web API
@pytest.fixture(scope="module")
def web(live_app: Any) -> Any:
    client = api_client(live_app)
    yield client
    client.close()


@pytest.mark.integration
@pytest.mark.parametrize(("name", "question", "expected"), CASES, ids=IDS)
def test_web_api(web: Any, real_index: Settings, name: str, question: str,
                 expected: str | None) -> None:
    result = ask_api(web, question)
    if expected is not None:
        assert set(result) == {"question", "error"}, result
        assert expected in result["error"] and "\n" not in result["error"]
        assert "Traceback" not in result["error"]
        return
    check_answer(result, real_index.corpus)


@pytest.mark.integration
@pytest.mark.parametrize("data", [
    [None], [123], [["a", "list"]], [{"an": "object"}], [True], ["\ud800 troops \udfff"],
    [NK, "not a list", "seven", 42, "not a list"], [NK, [1, None, {"x": 1}], 3.7, None, [None]],
    [NK, None, None, "<script>alert(1)</script>", None],
], ids=["null", "number", "list", "object", "bool", "surrogates", "bad-options",
        "odd-options", "script-mode"])
def test_web_api_raw_http_with_odd_json(live_app: Any, real_index: Settings,
                                        data: list[Any]) -> None:
    """Over plain HTTP, any JSON in the five inputs: an answer, an {"error": ...} result or
    gradio's own error event, never a traceback or a hung request."""
    import httpx

    base = live_app.url.rstrip("/")
    with httpx.Client(trust_env=False, timeout=120) as http:
        body = json.dumps({"data": data}).encode()  # ASCII JSON: lone surrogates as escapes
        r = http.post(f"{base}/gradio_api/call/ask", content=body,
                      headers={"content-type": "application/json"})
        if r.status_code != 200:  # refused up front (gradio validates the request)
            assert r.status_code in (400, 422) and "Traceback" not in r.text
            return
        event, payload = None, None
        with http.stream("GET", f"{base}/gradio_api/call/ask/{r.json()['event_id']}") as s:
            for line in s.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    payload = line[5:].strip()
                    break
    assert event in ("complete", "error") and payload is not None
    assert "Traceback" not in payload and 'File "' not in payload
    if event == "complete":
        result = json.loads(json.loads(payload)[0])  # /ask returns the JSON text
        if "error" in result:
            assert set(result) == {"question", "error"} and "\n" not in result["error"]
        else:
            check_answer(result, real_index.corpus)
