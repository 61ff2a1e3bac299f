"""askcorpus's answer-span model: the shipped file, how it marks, and how answers use it."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from askcorpus.answer.reader import ReaderInput
from askcorpus.answer.span import SPAN_DIR, SPAN_FILE, SpanModel, best_span, encode_span
from askcorpus.config import Settings
from askcorpus.errors import AskCorpusError, ModelError
from askcorpus.evaluation.metrics import span_em_f1
from askcorpus.evaluation.questions import marked_text
from askcorpus.pipeline import Pipeline
from tests.conftest import ROOT

CARD = SPAN_DIR / "MODEL_CARD.md"


@pytest.mark.integration
def test_shipped_file_matches_its_model_card_and_meta() -> None:
    data = (SPAN_DIR / SPAN_FILE).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    meta = json.loads((SPAN_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["sha256"] == digest and meta["file"] == SPAN_FILE
    assert digest in CARD.read_text(encoding="utf-8")
    assert len(data) <= 30 * 1024 * 1024  # ships in the wheel: at most 30 MB
    assert (SPAN_DIR / "tokenizer.json").is_file()
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"models/span/\*"', text)


def test_best_span_keeps_whole_words_and_a_bounded_length() -> None:
    # pieces of "Profits rose to £1.2bn": Profits | rose | to | £ | 1 | . | 2 | ##bn
    offsets = [(0, 7), (8, 12), (13, 15), (16, 17), (17, 18), (18, 19), (19, 20), (20, 22)]
    starts = [True, True, True, True, True, True, True, False]
    first = 5  # the sentence's first piece in the pair
    start = np.full(20, -5.0)
    end = np.full(20, -5.0)
    start[0] = end[0] = 0.0  # [CLS]: no answer
    start[first + 3], end[first + 6] = 4.0, 3.0  # "£1.2" (ends before "##bn")
    end[first + 7] = 2.5  # "£1.2bn" scores a little lower, but "£1.2" is not a whole word
    s, e, margin = best_span(start, end, first, offsets, starts)
    assert (s, e) == (16, 22) and margin == pytest.approx(6.5)
    # a span may not run backwards nor be longer than max_pieces
    start[:] = end[:] = -5.0
    start[0] = end[0] = 0.0
    start[first + 6], end[first + 1] = 8.0, 9.0  # "2 … rose" would run backwards
    start[first + 1] = 0.0
    assert best_span(start, end, first, offsets, starts)[:2] == (8, 12)  # "rose"
    start[first + 6] = -5.0
    start[first + 3], end[first + 7] = 7.0, 7.0  # "£1.2bn": five pieces
    assert best_span(start, end, first, offsets, starts)[:2] == (16, 22)
    assert best_span(start, end, first, offsets, starts, max_pieces=4)[:2] == (8, 12)
    assert best_span(start, end, first, [], []) is None


def test_span_em_f1_is_squads_measure() -> None:
    assert span_em_f1("the £1.2bn", ["£1.2bn"]) == (1.0, 1.0)
    em, f1 = span_em_f1("rose 12% to £1.2bn", ["£1.2bn", "12%"])
    assert em == 0.0 and f1 == pytest.approx(2 * 0.25 * 1.0 / 1.25)
    assert span_em_f1("x", [""]) == (0.0, 0.0)
    q = {"text": "Profits rose 12% to £1.2bn.", "start": 100, "span_start": 120,
         "span_end": 126}
    assert marked_text(q) == "£1.2bn"
    assert marked_text({"text": "All of it.", "start": 0}) == "All of it."


# questions written for this test (not from any training data), with the answer to mark
CASES = [
    ("How much did the firm make last year?", "Harlow & Finch results",
     "Profits rose 12% to £1.2bn in 2004, helped by strong sales of its garden tools in Asia.",
     "£1.2bn"),
    ("Who will lead the new agency?", "Ministry reshuffle",
     "The agency will be headed by Joan Okafor, a former central bank economist.",
     "Joan Okafor"),
    ("When is the bridge expected to open?", "Tay crossing",
     "Engineers now expect the bridge to open to traffic in March 2027, a year late.",
     "March 2027"),
    ("Where will the summit take place?", "Leaders to meet",
     "The two leaders will meet in Reykjavik next month, officials said.", "Reykjavik"),
    ("Why did the minister resign?", "Minister quits",
     "She stepped down on Friday after a report found she had misled parliament about the "
     "contracts.", "misled parliament"),
    ("How many passengers were on board?", "Ferry runs aground",
     "The ferry, carrying 312 passengers and 40 crew, ran aground off the coast at dawn.",
     "312"),
    ("What did the council ban?", "City council vote",
     "On Tuesday the council voted to ban diesel buses from the old town by 2030.",
     "diesel buses"),
    ("What caused the derailment?", "Freight train derails",
     "Investigators said a cracked rail, weakened by the summer heat, caused the derailment.",
     "a cracked rail"),
]


# The shipped span model (SQuAD + the written news answer spans) marks "Reykjavik", which
# the SQuAD-only model scored 1.5 logits under its threshold, and finds "diesel buses" but
# 1.35 logits over "no answer", under the threshold of 2 (the SQuAD-only model marked it); on
# the paraphrases ("make" for profits, "resign" for stepped down) it scores "no answer here"
# above them. Strict xfail: a model that marks one more fails the suite until its mark is
# removed here (docs/BENCHMARKS.md, "The answer-span model").
MISSES_TODAY = {"How much did the firm make last year?", "Why did the minister resign?",
                "What did the council ban?"}


def _case(c: tuple) -> object:
    marks = pytest.mark.xfail(strict=True, reason="today's span model does not mark it: no "
                              "answer scores higher, or the threshold") \
        if c[0] in MISSES_TODAY else ()
    return pytest.param(*c, id=c[0], marks=marks)


@pytest.fixture(scope="module")
def span_model() -> SpanModel:
    return SpanModel()


@pytest.mark.integration
@pytest.mark.parametrize("question,title,sentence,answer", [_case(c) for c in CASES])
def test_the_shipped_model_marks_the_answer(span_model: SpanModel, question: str, title: str,
                                            sentence: str, answer: str) -> None:
    item = ReaderInput(sentence, "", title)
    found = span_model.find(question, item)
    assert found is not None
    s, e, margin = found
    best = sentence[s:e]
    marked = span_model.mark(question, [item])[0]  # what a user sees: None leaves the rules'
    assert marked is not None, (best, margin)
    mark = sentence[marked[0]:marked[1]]
    assert answer in mark and len(mark.split()) <= len(answer.split()) + 5, (mark, margin)


@pytest.mark.integration
def test_marks_are_batched_alike(span_model: SpanModel) -> None:
    """A quote's mark does not depend on the quotes marked beside it. (Its margin moves a
    little: dynamic int8 scales activations per batch, up to ~2 logits far from the
    threshold; the marks themselves are the same.)"""
    for question in (CASES[1][0], CASES[2][0]):
        items = [ReaderInput(c[2], "", c[1]) for c in CASES]
        alone = [span_model.mark(question, [it])[0] for it in items]
        assert span_model.mark(question, items) == alone
        assert span_model.mark(question, items[::-1]) == alone[::-1]
        assert sum(m is not None for m in alone) >= 1  # (not a test of "nothing marked")


def test_training_and_marking_encode_alike() -> None:
    """training/train_span.py labels word pieces with the encoding the model marks with."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(SPAN_DIR / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    ids, types, first, offsets, starts = encode_span(
        tok, "How much?", ReaderInput("Profits rose to £1.2bn.", "Sales fell.", "Results"))
    assert ids[0] == tok.token_to_id("[CLS]") and ids[first - 1] == tok.token_to_id("[SEP]")
    assert types[first] == 1 and types[first - 1] == 0
    text = "Profits rose to £1.2bn."
    assert [text[s:e] for s, e in offsets] == ["Profits", "rose", "to", "£1", ".", "2", "bn",
                                               "."]
    assert starts == [True] * 6 + [False, True]  # "bn" (##bn) goes on the word "2bn"
    assert ids[first:first + len(offsets)] == tok.encode(text, add_special_tokens=False).ids


@pytest.mark.integration
def test_answers_mark_with_the_model_and_off_keeps_the_rules(real_index: Settings) -> None:
    question = "Who proposed sending NATO troops to Ukraine for training?"
    marks = {}
    for spans in ("on", "off"):
        pipe = Pipeline(real_index.replace(spans=spans))
        try:
            ans = pipe.ask(question)
        finally:
            pipe.close()
        assert ans.answered
        q = ans.quotes[0]
        marks[spans] = q.text[q.span_start - q.start:q.span_end - q.start]
        assert (pipe._span_model is not None) == (spans == "on")
    assert "Macron" in marks["on"] and len(marks["on"].split()) <= 4, marks
    # off: the answer-type rules' mark (a name), as before the model
    assert "Macron" in marks["off"]
    why = "Why is the alliance so wary of taking on Moscow head-on?"
    pipe = Pipeline(real_index.replace(spans="off"))
    try:
        ans = pipe.ask(why)
    finally:
        pipe.close()
    assert ans.answered
    for q in ans.quotes:  # no typed answer for "what": the rules mark the whole sentence
        assert q.text[q.span_start - q.start:q.span_end - q.start].strip()[-1:] in ".!?\"”'’"


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "askcorpus", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, cwd=cwd, timeout=300)


@pytest.mark.integration
@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_missing_or_corrupt_span_model_is_one_clear_error(real_index: Settings, tmp_path: Path,
                                                          damage: str) -> None:
    folder = tmp_path / "span"
    shutil.copytree(SPAN_DIR, folder)
    if damage == "missing":
        (folder / SPAN_FILE).unlink()
    else:
        data = bytearray((folder / SPAN_FILE).read_bytes())
        data[len(data) // 2:len(data) // 2 + 64] = b"\0" * 64
        (folder / SPAN_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="answer-span model"):
        SpanModel(folder).find("q", ReaderInput("s"))
    env = {"ASKCORPUS_INDEX": str(real_index.index), "ASKCORPUS_CORPUS": str(real_index.corpus),
           "ASKCORPUS_SPANS": str(folder)}
    r = _cli(["ask", "What did Iran give Russia?"], env, tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert re.fullmatch(r"error: the answer-span model .*ASKCORPUS_SPANS=off\n", r.stderr), \
        r.stderr
    info = _cli(["info"], env, tmp_path)
    assert info.returncode == 0 and "spans      off: the answer-span model" in info.stdout


@pytest.mark.integration
def test_info_says_which_marks_are_used(real_index: Settings, tmp_path: Path) -> None:
    env = {"ASKCORPUS_INDEX": str(real_index.index)}
    on = _cli(["info", "--json"], env, tmp_path)
    assert on.returncode == 0, on.stderr
    spans = json.loads(on.stdout)["spans"]
    assert spans["used"] and spans["sha256"] == hashlib.sha256(
        (SPAN_DIR / SPAN_FILE).read_bytes()).hexdigest()
    off = _cli(["info"], {**env, "ASKCORPUS_SPANS": "off"}, tmp_path)
    assert "spans      off: answers marked by the answer-type rules alone" in off.stdout


def test_an_unknown_spans_setting_is_a_clear_error() -> None:
    with pytest.raises(AskCorpusError,
                       match=r"spans='maybe': choose on, off, a folder holding a span model"):
        Settings(spans="maybe")


@pytest.mark.integration
def test_a_follow_up_is_marked_with_the_users_own_words(real_index: Settings) -> None:
    """The span model never saw askcorpus's "(context: …)" expansion in training: it reads
    the follow-up as the user wrote it (the retrieval and the ranking use the expansion)."""

    class Recorder:
        def __init__(self) -> None:
            self.questions: list[str] = []

        def mark(self, question: str, items: list[ReaderInput]) -> list[None]:
            self.questions.append(question)
            return [None] * len(items)

    pipe = Pipeline(real_index)
    recorder = Recorder()
    pipe._span_model = recorder
    try:
        ans = pipe.ask("How did Russia react to that?",
                       ["Who proposed sending NATO troops to Ukraine for training?"])
    finally:
        pipe.close()
    assert ans.answered and "(context:" in (ans.resolved_question or "")
    assert recorder.questions == ["How did Russia react to that?"]


@pytest.mark.integration
def test_the_web_start_up_loads_it_and_a_damaged_file_stops_it_clearly(
        real_index: Settings, tmp_path: Path) -> None:
    """The chat loads the span model before it opens (the first answer is not slower), and a
    damaged file is the start-up's one error message, not a failure at every question."""
    from askcorpus.web.startup import Startup

    pipe = Pipeline(real_index)
    try:
        startup = Startup(pipe)
        startup.run()
        assert startup.ready, startup.snapshot()
        assert pipe._span_model is not None and pipe._span_model._session is not None
    finally:
        pipe.close()
    folder = tmp_path / "span"
    shutil.copytree(SPAN_DIR, folder)
    (folder / SPAN_FILE).write_bytes(b"not a model")
    pipe = Pipeline(real_index.replace(spans=str(folder)))
    try:
        startup = Startup(pipe)
        startup.run()
    finally:
        pipe.close()
    snap = startup.snapshot()
    assert not startup.ready and snap["phase"] == "error"
    assert "answer-span model" in snap["message"] and "ASKCORPUS_SPANS=off" in snap["message"]
