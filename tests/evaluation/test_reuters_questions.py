"""Verify the Reuters-21578 dev question set (eval/reuters_questions.jsonl) against the corpus.

Corpus layout the ``sources`` assume: a corpus folder holding a *copy* (askcorpus never
follows symbolic links) of ``../shared/data/news/reuters21578/reuters21578.jsonl``, unchanged,
at its top level:

    mkdir -p ../reuters_corpus
    cp ../shared/data/news/reuters21578/reuters21578.jsonl ../reuters_corpus/
    .venv/bin/askcorpus index --corpus ../reuters_corpus --index ../reuters_index
    .venv/bin/askcorpus eval eval/reuters_questions.jsonl --index ../reuters_index

askcorpus reads the file as it is: each JSONL record is one article with text = ``body``,
title = ``title``, date = ``date`` and record id = ``newid`` (records without a body are
skipped), so an article is cited as ``reuters21578.jsonl#<newid>``, which is what
``askcorpus.evaluation.questions.source_keys`` builds from a quote's path and record. The
file (19.8 MB) is just under the default 20 MB ``ASKCORPUS_MAX_FILE_MB``.

Checked here, without a model: counts and ids; every expected answer occurs verbatim (only
whitespace runs collapsed) in its article's body and inside a span askcorpus can quote; each
answerable question cites exactly one article, no other Reuters record has the same body, and
no two questions share an article; the articles cover many Reuters topics; no question
copies a run of six or more words of its article (the questions are paraphrases); near-topic
unanswerable questions are about something the corpus does mention.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from askcorpus.corpus.ingest import read_file
from askcorpus.evaluation.questions import load_questions
from tests.conftest import ROOT, SHARED_DATA

QUESTIONS = ROOT / "eval" / "reuters_questions.jsonl"
REUTERS = SHARED_DATA / "news" / "reuters21578" / "reuters21578.jsonl"
FILE_NAME = REUTERS.name

MIN_ANSWERABLE = 60
MIN_UNANSWERABLE = 12
MIN_NEAR_TOPIC = 6
MIN_TOPICS = 8
MAX_COPIED_WORDS = 5  # a question may share at most this many consecutive words with its article

if not REUTERS.is_file():
    pytest.skip(f"Reuters-21578 not found at {REUTERS} (shared data folder absent)",
                allow_module_level=True)


def collapse(text: str) -> str:
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def load() -> list[dict[str, Any]]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def load_reuters() -> dict[int, dict[str, Any]]:
    """Every record that has a body (the ones askcorpus indexes), by newid."""
    out: dict[int, dict[str, Any]] = {}
    with REUTERS.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            if (rec.get("body") or "").strip():
                out[rec["newid"]] = rec
    return out


QS = load()
ANSWERABLE = [q for q in QS if q["answerable"]]
UNANSWERABLE = [q for q in QS if not q["answerable"]]
ARTICLES = load_reuters()


def test_counts_ids_and_format() -> None:
    ids = [q["id"] for q in QS]
    assert len(ids) == len(set(ids)), "duplicate ids"
    assert len(ANSWERABLE) >= MIN_ANSWERABLE
    assert len(UNANSWERABLE) >= MIN_UNANSWERABLE
    near = [q for q in UNANSWERABLE if q["kind"] == "near-topic-unanswerable"]
    assert len(near) >= MIN_NEAR_TOPIC
    assert {q["kind"] for q in ANSWERABLE} == {"single-source"}
    assert {q["kind"] for q in UNANSWERABLE} <= {"unanswerable", "near-topic-unanswerable"}
    for q in QS:
        assert isinstance(q["question"], str) and q["question"].strip().endswith("?"), q["id"]
    # askcorpus itself reads the file (extra fields such as newid are ignored there)
    loaded = load_questions(QUESTIONS)
    assert [q.id for q in loaded] == ids
    assert sum(q.answerable for q in loaded) == len(ANSWERABLE)


def test_one_distinct_article_per_question() -> None:
    newids = [q["newid"] for q in ANSWERABLE]
    assert len(newids) == len(set(newids)), "two questions about the same article"
    bodies = Counter(collapse(r["body"]) for r in ARTICLES.values())
    for q in ANSWERABLE:
        assert q["sources"] == [f"{FILE_NAME}#{q['newid']}"], q["id"]
        assert q["newid"] in ARTICLES, f"{q['id']}: no Reuters article {q['newid']} with a body"
        assert bodies[collapse(ARTICLES[q["newid"]]["body"])] == 1, \
            f"{q['id']}: another record has the same body, so two articles would answer"


def test_topics_spread() -> None:
    topics = [ARTICLES[q["newid"]]["topics"] for q in ANSWERABLE]
    assert all(topics), "every article should carry a Reuters topic"
    primary = Counter(t[0] for t in topics)
    assert len(primary) >= MIN_TOPICS, primary
    assert max(primary.values()) <= len(ANSWERABLE) // 4, primary  # no topic dominates


@pytest.mark.parametrize("q", ANSWERABLE, ids=[q["id"] for q in ANSWERABLE])
def test_answers_verbatim_and_question_paraphrased(q: dict[str, Any]) -> None:
    body = ARTICLES[q["newid"]]["body"]
    assert 1 <= len(q["answers"]) <= 3
    flat = collapse(body)
    for answer in q["answers"]:
        assert answer.strip() and answer == collapse(answer), answer
        assert answer in flat, f"{answer!r} is not verbatim in article {q['newid']}"
    # a paraphrase: no run of MAX_COPIED_WORDS + 1 words of the question is in the body
    qw, text = words(q["question"]), f" {' '.join(words(body))} "
    n = MAX_COPIED_WORDS + 1
    copied = [" ".join(qw[i:i + n]) for i in range(len(qw) - n + 1)
              if f" {' '.join(qw[i:i + n])} " in text]
    assert not copied, f"question copies its article: {copied}"


def test_answers_lie_in_quotable_text(tmp_path: Path) -> None:
    """Through askcorpus's own JSONL reader: record id = newid, text = body, and every answer
    falls inside a span askcorpus may quote (not a dateline, sign-off or title)."""
    path = tmp_path / FILE_NAME
    with path.open("w", encoding="utf-8") as fh:
        for q in ANSWERABLE:
            fh.write(json.dumps(ARTICLES[q["newid"]]) + "\n")
    docs = {d.record: d for d in read_file(path, FILE_NAME, max_file_mb=100)
            if hasattr(d, "spans")}
    for q in ANSWERABLE:
        doc = docs.get(str(q["newid"]))
        assert doc is not None, f"{q['id']}: askcorpus did not read record {q['newid']}"
        assert doc.text == ARTICLES[q["newid"]]["body"]
        for answer in q["answers"]:
            pattern = r"\s+".join(map(re.escape, answer.split()))
            hits = [m.span() for m in re.finditer(pattern, doc.text)]
            assert any(s <= a and b <= e for a, b in hits for s, e in doc.spans), \
                f"{q['id']}: {answer!r} is not in quotable text"


def test_corpus_file_is_indexable_as_is() -> None:
    assert REUTERS.stat().st_size <= Settings().max_file_mb * 1024 * 1024, \
        "the Reuters file is above askcorpus's default size limit; split it or raise it"


@pytest.mark.parametrize("q", UNANSWERABLE, ids=[q["id"] for q in UNANSWERABLE])
def test_unanswerable(q: dict[str, Any]) -> None:
    assert q["answers"] == [] and q["sources"] == []
    assert "newid" not in q
    if q["kind"] == "near-topic-unanswerable":  # about something the corpus does cover
        mention = re.compile(r"\b" + r"\s+".join(map(re.escape, q["mentions"].split())))
        assert any(mention.search(r["body"]) for r in ARTICLES.values()), q["mentions"]
