"""Verify the dated Reuters-21578 question set (eval/reuters_dated_questions.jsonl) against the
corpus, without a model.

Each question's right answer depends on the time it asks about: the same weekly figure
(Hughes Tool rig count, M-1, jobless claims …) in different weeks, a dividend in one month and
not another. Fields as eval/reuters_questions.jsonl plus ``time`` (the time expression in the
question, or null), ``since`` / ``until`` (the ISO days it means), ``as_of`` (the reference day
of a relative expression) and ``wrong_time_sources`` (articles that answer it for another
time). Kinds: ``dated`` (an absolute time), ``relative`` ("last week", resolved against
``as_of``), ``no_answer_in_range`` (the answer exists only outside the range: askcorpus must
abstain), ``undated`` (no time in the question: any article may answer), ``event`` ("before
the Ecuador earthquake": ``event`` names it, ``event_date`` is the day of the earliest article
of the corpus that mentions it, the day askcorpus dates it to when retrieval finds that
article; before: until the day before, after: from that day), ``preference`` ("the latest
count", "first reported": no range; ``prefer`` "newest" or "earliest"; the source is the
newest (earliest) of the series, every ``wrong_time_sources`` article an older (newer) one).

Checked here: fields and counts; every answer verbatim in each source article's body; each
source dated (by askcorpus's own reading of the record, ``corpus.dates``) inside since/until
and every wrong-time source outside it; a question's time expression occurs in the question;
askcorpus's time recognition (``answer.timewindow.find_time``) resolves it to the range the
set states (one known one-day difference, see below); no-answer questions have no source in
range; an event question's event is the one ``answer.timewindow.find_event`` finds, dated by
the earliest article mentioning it (``mentions``), and its range is ``event_window``'s. Run the
set: ``askcorpus eval eval/reuters_dated_questions.jsonl --index IX`` (time on)
and with ``--no-time`` (off); see docs/BENCHMARKS.md.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from askcorpus.answer.timewindow import (
    event_window,
    find_event,
    find_preference,
    find_time,
    mentions,
)
from askcorpus.corpus.dates import normalise
from askcorpus.evaluation.questions import load_questions
from tests.conftest import ROOT, SHARED_DATA

QUESTIONS = ROOT / "eval" / "reuters_dated_questions.jsonl"
REUTERS = SHARED_DATA / "news" / "reuters21578" / "reuters21578.jsonl"
PREFIX = "reuters21578.jsonl#"
KINDS = {"dated", "relative", "no_answer_in_range", "undated", "event", "preference"}
# "the first week of March 1987": askcorpus reads days 1-7, the set says 1-8
RESOLVED_DIFFERENTLY = {"d041": ("1987-03-01", "1987-03-07")}

if not REUTERS.is_file():
    pytest.skip(f"Reuters-21578 not found at {REUTERS}", allow_module_level=True)


def collapse(text: str) -> str:
    return " ".join(text.split())


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]


QS = _load(QUESTIONS)
ARTICLES: dict[str, dict[str, Any]] = {}
for _line in REUTERS.read_text("utf-8").splitlines():
    _r = json.loads(_line)
    if (_r.get("body") or "").strip():
        ARTICLES[f"{PREFIX}{_r['newid']}"] = _r


def day_of(key: str) -> str:
    iso = normalise(ARTICLES[key]["date"])
    assert iso, key
    return iso


def inside(d: str, q: dict[str, Any]) -> bool:
    return (q["since"] is None or q["since"] <= d) and (q["until"] is None or d <= q["until"])


def test_fields_counts_and_kinds() -> None:
    ids = [q["id"] for q in QS]
    assert len(ids) == len(set(ids)) and len(QS) >= 40
    assert {q["kind"] for q in QS} <= KINDS
    kinds = [q["kind"] for q in QS]
    assert kinds.count("no_answer_in_range") >= 8 and kinds.count("relative") >= 5
    assert kinds.count("event") >= 6
    for q in QS:
        assert q["question"].strip().endswith("?"), q["id"]
        assert q["answerable"] == (q["kind"] != "no_answer_in_range"), q["id"]
        for key in q["sources"] + q["wrong_time_sources"]:
            assert key in ARTICLES, (q["id"], key)
        assert not set(q["sources"]) & set(q["wrong_time_sources"]), q["id"]
    loaded = load_questions(QUESTIONS)  # askcorpus reads it, as_of included
    assert [q.id for q in loaded] == ids
    assert [q.as_of for q in loaded] == [q["as_of"] for q in QS]


def test_answers_are_verbatim_in_their_articles() -> None:
    for q in QS:
        if not q["answerable"]:
            continue
        assert q["answers"] and q["sources"], q["id"]
        assert q["sources"][0] == f"{PREFIX}{q['newid']}", q["id"]
        for key in q["sources"]:
            body = collapse(ARTICLES[key]["body"])
            assert any(collapse(a) in body for a in q["answers"]), (q["id"], key)


def test_sources_in_range_wrong_time_sources_outside() -> None:
    for q in QS:
        if q["kind"] == "preference":
            continue  # no range: test_preferences_name_the_newest_or_earliest_of_a_series
        if q["kind"] == "undated":
            assert q["time"] is None and q["since"] is None and q["until"] is None, q["id"]
            continue
        for key in q["sources"]:
            assert inside(day_of(key), q), (q["id"], key, day_of(key))
        assert q["wrong_time_sources"], q["id"]
        for key in q["wrong_time_sources"]:
            assert not inside(day_of(key), q), (q["id"], key, day_of(key))
        if q["kind"] == "no_answer_in_range":
            assert q["sources"] == [] and q["answers"] == [], q["id"]
        assert q["since"] is None or q["until"] is None or q["since"] <= q["until"], q["id"]


def test_time_expressions_are_in_the_questions_and_resolve_to_the_stated_range() -> None:
    for q in QS:
        if q["time"] is None or q["kind"] in ("event", "preference"):
            assert find_time(q["question"], date(1987, 12, 31)) is None, q["id"]
            continue
        assert q["time"].lower() in q["question"].lower(), q["id"]
        relative = re.search(r"\b(?:19|20)\d\d\b", q["time"]) is None  # "last week"
        assert (q["as_of"] is not None) == relative, q["id"]
        as_of = date.fromisoformat(q["as_of"]) if q["as_of"] else date(1987, 12, 31)
        w = find_time(q["question"], as_of)
        assert w is not None, q["id"]
        want = RESOLVED_DIFFERENTLY.get(q["id"], (q["since"], q["until"]))
        assert (w.since, w.until) == want, (q["id"], q["time"], w)


def test_events_are_dated_by_their_first_article() -> None:
    events = [q for q in QS if q["kind"] == "event"]
    first: dict[tuple[str, ...], str] = {}
    for q in events:
        ref = find_event(q["question"])
        assert ref is not None and ref.expression == q["time"] and ref.event == q["event"], q
        if ref.words not in first:
            first[ref.words] = min(day_of(k) for k, a in ARTICLES.items()
                                   if mentions(a["body"], ref.words))
        assert q["event_date"] == first[ref.words], (q["id"], first[ref.words])
        w = event_window(ref, q["event_date"])
        assert (w.since, w.until) == (q["since"], q["until"]), q["id"]
        for key in q["sources"]:  # a source of an "after" question need not name the event
            assert inside(day_of(key), q), (q["id"], key)
    # both directions are asked about
    assert {find_event(q["question"]).direction for q in events} == {"before", "after"}


def test_preferences_name_the_newest_or_earliest_of_a_series() -> None:
    prefs = [q for q in QS if q["kind"] == "preference"]
    assert len(prefs) >= 3
    for q in prefs:
        p = find_preference(q["question"])
        assert p is not None and (p.prefer, p.expression) == (q["prefer"], q["time"]), q["id"]
        assert q["since"] is None and q["until"] is None and q["wrong_time_sources"], q["id"]
        assert find_event(q["question"]) is None, q["id"]
        d = day_of(q["sources"][0])
        for key in q["wrong_time_sources"]:
            assert (day_of(key) < d) if p.prefer == "newest" else (day_of(key) > d), (q["id"], key)
    assert {q["prefer"] for q in prefs} == {"newest", "earliest"}
