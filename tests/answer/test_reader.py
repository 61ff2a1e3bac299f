"""askcorpus's own answer reader: the shipped file, what it reads, and how answers use it."""

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

from askcorpus.answer.reader import MODEL_FILE, READER_DIR, Reader, ReaderInput, encode_pairs, pack
from askcorpus.config import Settings
from askcorpus.errors import ModelError
from askcorpus.pipeline import Pipeline
from tests.conftest import ROOT

pytestmark = pytest.mark.integration

CARD = READER_DIR / "MODEL_CARD.md"


def test_shipped_file_matches_its_model_card_and_meta() -> None:
    data = (READER_DIR / MODEL_FILE).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    meta = json.loads((READER_DIR / "meta.json").read_text(encoding="utf-8"))
    assert meta["sha256"] == digest
    assert digest in CARD.read_text(encoding="utf-8")
    assert len(data) <= 30 * 1024 * 1024  # ships in the wheel: at most 30 MB
    assert (READER_DIR / "tokenizer.json").is_file()


def test_package_data_ships_the_reader() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'"models/reader/\*"', text)


def test_pack_keeps_the_candidate_and_the_end_of_the_sentence_before() -> None:
    ids, types = pack([1] * 50, [2] * 100, [3] * 20, list(range(100, 140)), 101, 102)
    # [CLS] q(40) [SEP] | s(72) [SEP] t(16) before(last 32) [SEP]
    assert len(ids) == 1 + 40 + 1 + 72 + 1 + 16 + 32 + 1
    assert ids[0] == 101 and ids[41] == 102 and ids[-1] == 102
    assert ids[-33:-1] == list(range(108, 140))  # the words next to the candidate
    assert types == [0] * 42 + [1] * (len(ids) - 42)


# questions written for this test (not from any training data), each with its answer and
# distractors from the same made-up article
CASES = [
    ("How much did the firm make last year?", "Harlow & Finch results",
     "Profits rose 12% to £1.2bn in 2004, helped by strong sales of its garden tools in Asia.",
     ["Harlow & Finch, the garden tools maker, reported its annual figures in London on "
      "Tuesday.", "The company employs about 4,000 people in seven countries.",
      "Its chief executive, Mary Elwood, joined the firm from a rival in 2001.",
      "Shares in the company closed 3p lower."]),
    ("Who will lead the new coastal rescue service?", "Coastguard shake-up announced",
     "Former naval commander Peter Anstey has been appointed to run the service from "
     "January.",
     ["The government on Monday announced a merger of the country's three coastguard "
      "agencies.", "Ministers say the change will save £40m a year.",
      "Unions have warned that some smaller stations could close.",
      "The new service will be based in Plymouth."]),
    ("When is the bridge expected to open to traffic?", "Delays hit river crossing",
     "Engineers now say the first cars will be able to cross in the spring of 2027.",
     ["The crossing was originally due to cost £300m.", "Work was halted twice last year "
      "after floods damaged the site.", "Local businesses have complained about the "
      "noise.", "The bridge will carry four lanes of traffic and a cycle path."]),
    ("How many people were hurt in the derailment?", "Train derails near Carlisle",
     "Police said 23 passengers were taken to hospital, two of them with serious injuries.",
     ["The train was travelling from Glasgow to London when it left the tracks.",
      "An investigation into the cause has begun.", "The line is expected to stay closed "
      "until Thursday.", "Rail operator West Coast Lines apologised to customers."]),
    ("Why did the minister resign?", "Transport minister quits",
     "He stepped down after admitting that he had failed to declare shares in a bus "
     "company.", ["The transport minister resigned on Friday evening.",
                  "He had been in the job for eighteen months.",
                  "The prime minister thanked him for his service.",
                  "His replacement is expected to be named next week."]),
    ("Where will the summit take place?", "Leaders to meet on trade",
     "The two-day meeting will be held in the Portuguese city of Porto in late June.",
     ["European leaders are expected to discuss new trade rules.",
      "Officials hope to agree a common position on steel tariffs.",
      "Several leaders have yet to confirm their attendance.",
      "The last such meeting ended without agreement."]),
]


# The shipped reader (round 5b: SQuAD, AG News headlines and cloze questions) gets the
# derailment and the coastguard cases right (round 3 got only the derailment): on the others it
# still puts the sentence that names the topic ("The transport minister resigned on Friday
# evening.") above the one that answers. Strict xfail: a reader that gets one more right fails
# the suite until its mark is removed here (docs/BENCHMARKS.md, "The answer reader").
PASSES_TODAY = {"How many people were hurt in the derailment?",
                "Who will lead the new coastal rescue service?"}


def _case(c: tuple) -> object:
    marks = () if c[0] in PASSES_TODAY else pytest.mark.xfail(
        strict=True, reason="today's reader ranks the topic sentence above the answer")
    return pytest.param(*c, id=c[0], marks=marks)


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader()


@pytest.mark.parametrize("question,title,answer,others", [_case(c) for c in CASES])
def test_reader_ranks_the_answer_first(reader: Reader, question: str, title: str, answer: str,
                                       others: list[str]) -> None:
    sentences = [*others[:2], answer, *others[2:]]
    items = [ReaderInput(s, sentences[i - 1] if i else "", title)
             for i, s in enumerate(sentences)]
    scores = reader.score(question, items)
    assert int(np.argmax(scores)) == 2, dict(zip(sentences, scores.round(2)))
    assert scores[2] > 0  # it answers, on the reader's absolute scale


def test_reader_scores_are_batched_and_order_independent(reader: Reader) -> None:
    question, title, answer, others = CASES[0]
    items = [ReaderInput(s, "", title) for s in [answer, *others]]
    together = reader.score(question, items)
    # the order of the candidates does not matter: each keeps its score when the batch is
    # shuffled
    perm = [3, 0, 4, 2, 1]
    shuffled = reader.score(question, [items[i] for i in perm])
    np.testing.assert_allclose(shuffled, together[perm], atol=1e-4)
    again = reader.score(question, items)
    np.testing.assert_array_equal(together, again)  # the same batch: the same scores
    # dynamic int8 sets each activation's scale over the whole batch, so a score moves with its
    # batch-mates (padding is masked, but its rows share the scale): up to ~1 logit for the
    # shipped reader, reading one candidate at a time would cost twice the time
    # (docs/BENCHMARKS.md, "The answer reader"); the best candidate stays the best
    alone = np.array([reader.score(question, [it])[0] for it in items])
    np.testing.assert_allclose(together, alone, atol=1.25)
    assert int(np.argmax(together)) == int(np.argmax(alone))


def test_training_and_answering_encode_alike(reader: Reader) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(READER_DIR / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    items = [ReaderInput("Profits rose 12%.", "It reported.", "Results")]
    seen = items if reader.reads_before else [ReaderInput("Profits rose 12%.", "", "Results")]
    assert reader.encode("How much?", items) == encode_pairs(tok, "How much?", seen)


class _FixedReader:
    """A reader double: a fixed logit for every sentence, or a high one where ``text`` is."""

    name = "fixed"

    def __init__(self, logit: float, text: str = "") -> None:
        self.logit, self.text = logit, text
        self.calls = 0

    def score(self, question: str, items: list[ReaderInput]) -> np.ndarray:
        self.calls += 1
        return np.array([8.0 if self.text and self.text in it.sentence else self.logit
                         for it in items], np.float32)


def test_abstention_follows_the_reader(real_index: Settings) -> None:
    q = "How many North Korean soldiers are fighting for Russia?"
    pipe = Pipeline(real_index.replace(reader="on"))
    try:
        pipe._reader = _FixedReader(-8.0)  # the reader finds no answer anywhere
        no = pipe.ask(q)
        pipe._reader = _FixedReader(-8.0, text="12,000")  # ... or finds it
        yes = pipe.ask(q)
    finally:
        pipe.close()
    assert not no.answered and no.confidence < yes.confidence
    assert yes.answered and "12,000" in yes.quotes[0].text


def test_reader_ranks_the_sentence_it_reads_first(real_index: Settings) -> None:
    """Forcing the reader's choice moves that sentence to the top (its weight dominates)."""
    q = "Who proposed sending NATO troops to Ukraine for training?"
    pipe = Pipeline(real_index.replace(reader="on"))
    try:
        fixed = _FixedReader(-4.0, text="valid targets")
        pipe._reader = fixed
        ans = pipe.ask(q)
    finally:
        pipe.close()
    assert fixed.calls == 1  # one batch per question
    assert ans.answered and "valid targets" in ans.quotes[0].text


def test_reader_off_keeps_the_feature_ranking(real_index: Settings) -> None:
    from askcorpus.answer.compose import compose
    from askcorpus.answer.followup import focus_of
    from askcorpus.answer.retrieve import retrieve

    q = "What did Iran give Russia?"
    assert Settings().reader == "off"  # the default, until the reader wins on every dev set
    pipe = Pipeline(real_index)
    try:
        assert pipe.reader is None
        off = pipe.ask(q, k=5)
        store = pipe.store
        qvec = pipe.query_embedder.embed_query(q)
        hits = retrieve(store, q, qvec, mode="hybrid", k=30, candidates=50, rrf_k=60)
        old = compose(q, hits, store, pipe.query_embedder, qvec, k=5, focus=focus_of(q, q))
    finally:
        pipe.close()
    assert [(x.doc.id, x.start, x.end) for x in off.quotes] == \
        [(x.doc.id, x.start, x.end) for x in old.quotes]
    assert off.confidence == pytest.approx(old.confidence)


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "askcorpus", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, cwd=cwd, timeout=300)


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_missing_or_corrupt_reader_is_one_clear_error(real_index: Settings, tmp_path: Path,
                                                      damage: str) -> None:
    folder = tmp_path / "reader"
    shutil.copytree(READER_DIR, folder)
    if damage == "missing":
        (folder / MODEL_FILE).unlink()
    else:
        data = bytearray((folder / MODEL_FILE).read_bytes())
        data[len(data) // 2:len(data) // 2 + 64] = b"\0" * 64
        (folder / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ModelError, match="answer reader"):
        Reader(folder).score("q", [ReaderInput("s")])
    env = {"ASKCORPUS_INDEX": str(real_index.index), "ASKCORPUS_CORPUS": str(real_index.corpus),
           "ASKCORPUS_READER": str(folder)}
    r = _cli(["ask", "What did Iran give Russia?"], env, tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert re.fullmatch(r"error: the answer reader .*ASKCORPUS_READER=off\n", r.stderr), r.stderr
    info = _cli(["info"], env, tmp_path)
    assert info.returncode == 0 and "reader     off: the answer reader" in info.stdout


def test_reader_on_answers_with_the_real_reader(real_index: Settings) -> None:
    pipe = Pipeline(real_index.replace(reader="on"))
    try:
        ans = pipe.ask("Which country supplied ballistic missiles to Russia?")
    finally:
        pipe.close()
    assert isinstance(pipe._reader, Reader) and pipe._reader._session is not None
    assert ans.answered and "Iran" in ans.quotes[0].text


def test_info_says_which_ranking_is_used(real_index: Settings, tmp_path: Path) -> None:
    env = {"ASKCORPUS_INDEX": str(real_index.index), "ASKCORPUS_READER": "on"}
    on = _cli(["info", "--json"], env, tmp_path)
    assert on.returncode == 0, on.stderr
    reader = json.loads(on.stdout)["reader"]
    assert reader["used"] and reader["sha256"] == hashlib.sha256(
        (READER_DIR / MODEL_FILE).read_bytes()).hexdigest()
    off = _cli(["info"], {**env, "ASKCORPUS_READER": "off"}, tmp_path)
    assert "reader     off: answers ranked by word and embedding features" in off.stdout
    default = _cli(["info"], {"ASKCORPUS_INDEX": str(real_index.index)}, tmp_path)
    assert "ASKCORPUS_READER=on adds the answer reader" in default.stdout


def test_an_unknown_reader_setting_is_a_clear_error(tmp_path: Path) -> None:
    r = _cli(["ask", "x"], {"ASKCORPUS_READER": "maybe"}, tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "reader='maybe': choose on, off, a folder holding a reader" in r.stderr
