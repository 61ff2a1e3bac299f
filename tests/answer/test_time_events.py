"""Time relative to an event ("before the strike", "after the Louvre accord") and time as a
ranking preference ("latest", "earliest"), issue 27.

The event is dated by the earliest dated article, among those retrieved for the question, that
mentions it; the window is applied as the other time expressions are, and said. A question
naming an event no article dates, or stating no time, is answered exactly as before. The
end-to-end tests run the real model, FAISS and bm25s over a small dated corpus: a mining
company's profit before a strike at its mine (2 March 1987), the strike (16 March) and the
profit after it (6 April)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from askcorpus.answer.timewindow import (
    event_window,
    find_event,
    find_preference,
    find_time,
    mentions,
    time_statement,
)
from askcorpus.config import Settings
from tests.answer.test_time import RECORDS as TIME_RECORDS
from tests.answer.test_time import _records

# test_time's articles and a strike between the two quarters' reports, the event the
# questions below are asked about
STRIKE = {"id": "s1", "date": "16-MAR-1987 09:00:00.00", "source": "Reuters",
          "title": "Miners strike at Northwind's Chilean mine",
          "text": "Miners walked out on strike at Northwind Mining's Chilean copper mine on "
                  "Monday, demanding a 20 pct wage rise, and the company said output had "
                  "stopped."}
RECORDS = [TIME_RECORDS[0], STRIKE, *TIME_RECORDS[1:]]


# -- recognising events ---------------------------------------------------------------------------
@pytest.mark.parametrize("question, direction, event, words", [
    ("What did Japan say after the Louvre accord?", "after", "the Louvre accord",
     ("louvre", "accord")),
    ("What was reported before the summit?", "before", "the summit", ("summit",)),
    ("How did Russia react since the proposal?", "after", "the proposal", ("proposal",)),
    ("What did ministers say following the OPEC meeting?", "after", "the OPEC meeting",
     ("opec", "meeting")),
    ("What did Tokyo say ahead of the U.S. tariffs were imposed?", "before",
     "the U.S. tariffs", ("us", "tariffs")),
    ("What did Ecuador export prior to the earthquake, and how much?", "before",
     "the earthquake", ("earthquake",)),
    ("What happened in the wake of the Texaco filing?", "after", "the Texaco filing",
     ("texaco", "filing")),
])
def test_events_in_questions(question: str, direction: str, event: str,
                             words: tuple[str, ...]) -> None:
    ref = find_event(question)
    assert ref is not None and (ref.direction, ref.event, ref.words) == (direction, event, words)
    assert ref.expression in question
    assert find_time(question, date(1987, 10, 20)) is None  # not a date


@pytest.mark.parametrize("question", [
    "What did Northwind Mining report?", "What was reported before the end of March?",
    "What happened after all?", "Will it close before the start of the year?",
    "What did the following companies report?", "What was said since then?",
    "Did output fall after the first quarter?", "What did the EC do before the July 1 deadline?",
    "Who spoke after the 2 pm session?"])
def test_no_event(question: str) -> None:
    assert find_event(question) is None


def test_mentions_needs_the_words_close_together() -> None:
    assert mentions("The so-called Louvre Accords of February held.", ("louvre", "accord"))
    assert mentions("a meeting of OPEC ministers", ("opec", "meeting"))  # any order
    assert mentions("U.S. tariffs on Japanese chips", ("us", "tariffs"))
    assert not mentions("OPEC said. " + "word " * 20 + "meeting", ("opec", "meeting"))
    assert not mentions("The accordion player", ("accord",))
    assert not mentions("No such thing here.", ("summit",))


def test_event_windows_and_what_they_say() -> None:
    ref = find_event("What did Japan say after the Louvre accord?")
    assert ref is not None
    after = event_window(ref, "1987-02-22")
    assert (after.since, after.until, after.label) == ("1987-02-22", None,
                                                       "on or after 22 February 1987")
    before = event_window(find_event("What was said before the Louvre accord?"), "1987-02-22")
    assert (before.since, before.until, before.label) == (None, "1987-02-21",
                                                          "before 22 February 1987")
    said = time_statement({**before.to_dict(), "articles_in_range": 3, "undated_articles": 0,
                           "undated": "include"})
    assert said == ("From articles dated before 22 February 1987, when the first retrieved "
                    "article on the Louvre accord is dated (“before the Louvre accord”, 3 "
                    "articles in range, 0 undated included).")
    assert "event" not in find_time("in March 1987", date(1987, 10, 20)).to_dict()


@pytest.mark.parametrize("question, prefer, expression", [
    ("What is the latest rig count?", "newest", "latest"),
    ("What did the most recent survey show?", "newest", "most recent"),
    ("Which is the newest figure?", "newest", "newest"),
    ("What was first reported about the strike?", "earliest", "first reported"),
    ("What were the earliest estimates?", "earliest", "earliest"),
    ("What did the first reports say?", "earliest", "first reports"),
])
def test_time_preferences(question: str, prefer: str, expression: str) -> None:
    p = find_preference(question)
    assert p is not None and (p.prefer, p.expression) == (prefer, expression)
    assert find_time(question, date(1987, 10, 20)) is None


@pytest.mark.parametrize("question", [
    "What did Northwind report?", "When will the mine reopen at the earliest?",
    "Did the first quarter profit rise?", "What was the latest and earliest figure?"])
def test_no_time_preference(question: str) -> None:
    assert find_preference(question) is None


# -- end to end -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from askcorpus.pipeline import Pipeline

    base = tmp_path_factory.mktemp("events")
    (base / "corpus").mkdir()
    (base / "corpus" / "news.jsonl").write_text(
        "\n".join(json.dumps(r) for r in RECORDS) + "\n", "utf-8")
    settings = Settings(corpus=base / "corpus", index=base / "index")
    p = Pipeline(settings)
    p.index()
    yield p
    p.close()


def test_before_and_after_an_event(events) -> None:  # type: ignore[no-untyped-def]
    q = "What net profit did Northwind Mining report"
    before = events.ask(f"{q} before the strike?", k=3, undated="exclude").to_dict()
    after = events.ask(f"{q} after the strike?", k=3, undated="exclude").to_dict()
    # the strike is dated by e2 (16 March), the first retrieved article that mentions it
    assert before["time"]["event_date"] == after["time"]["event_date"] == "1987-03-16"
    assert (before["time"]["since"], before["time"]["until"]) == (None, "1987-03-15")
    assert (after["time"]["since"], after["time"]["until"]) == ("1987-03-16", None)
    assert before["answered"] and "41 mln" in before["quotes"][0]["text"]
    assert after["answered"] and "12 mln" in after["quotes"][0]["text"]
    assert set(_records(before)) <= {"m1"} and "m1" not in _records(after)
    assert before["message"].startswith(
        "From articles dated before 16 March 1987, when the first retrieved article on the "
        "strike is dated (“before the strike”, 1 article in range, undated excluded).")
    assert after["message"].startswith("From articles dated on or after 16 March 1987, when "
                                       "the first retrieved article on the strike is dated")
    assert after["time"]["event"] == "the strike"
    off = events.ask(f"{q} before the strike?", k=3, undated="exclude", time=False).to_dict()
    assert "time" not in off


def test_an_event_before_any_answer_falls_back(events) -> None:  # type: ignore
    """Before the strike no dated article says what the miners demanded: with the window
    held it abstains; by default it is widened to any date, as for a date in the question,
    and that is said first."""
    q = "What wage rise did the miners demand before the strike?"
    hard = events.ask(q, undated="exclude", time_fallback=False).to_dict()
    assert hard["time"]["until"] == "1987-03-15" and hard["time"]["articles_in_range"] == 1
    assert not hard["answered"] and hard["quotes"] == []
    wide = events.ask(q, undated="exclude").to_dict()
    assert wide["answered"] and wide["time"]["fallback"] is True
    assert _records(wide)[0] == "s1" and "20 pct" in wide["quotes"][0]["text"]
    assert wide["message"].startswith(
        "No article dated before 16 March 1987 (when the first retrieved article on the "
        "strike is dated) answers this; these quotes are from articles of any date.")


def test_an_event_no_article_dates_changes_nothing(events) -> None:  # type: ignore
    for q in ["What net profit did Northwind Mining report after the merger?",
              "Will copper demand stay strong after the summit?",
              "What net profit did Northwind Mining report?",
              "What net profit did Northwind Mining report before the end of March?"]:
        on = json.dumps(events.ask(q).to_dict(), ensure_ascii=False)
        off = json.dumps(events.ask(q, time=False).to_dict(), ensure_ascii=False)
        assert on == off and '"time"' not in on and '"preference"' not in on, q


def test_latest_and_earliest_prefer_newer_or_older_quotes(events) -> None:  # type: ignore
    """No filter: the same quotes; those that answer (scored near the best) from the newest
    (earliest) article first; the others after them, in score order, as before."""
    for q, newest, first in [
            ("What is the latest net profit Northwind Mining reported?", True, "12 mln"),
            ("What net profit did Northwind Mining first report?", False, "41 mln")]:
        on = events.ask(q, k=5).to_dict()
        off = events.ask(q, k=5, time=False).to_dict()
        assert on["answered"] and off["answered"]
        assert sorted(map(json.dumps, on["quotes"])) == sorted(map(json.dumps, off["quotes"]))
        n = on["preference"]["answering_quotes"]
        assert n >= 2  # both quarters' profits answer
        dates = [x["date"] for x in on["quotes"][:n]]
        assert None not in dates and dates == sorted(dates, reverse=newest), dates
        assert on["quotes"][n:] == [x for x in off["quotes"] if x not in on["quotes"][:n]]
        assert first in on["quotes"][0]["text"]
        assert on["preference"]["prefer"] == ("newest" if newest else "earliest")
        assert on["message"].startswith(
            f"{'Newest' if newest else 'Earliest'} articles first among the quotes that answer")
        assert "preference" not in off and "time" not in on
        for a in on["articles"]:  # each article entry still points at its own quotes
            assert all(on["quotes"][n]["doc_id"] == a["doc_id"] for n in a["quotes"])
