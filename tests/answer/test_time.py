"""News has dates (issue 27): normalised article dates, date filters in both the search and the
answer, time expressions in questions, answers in date order, and clear errors for bad dates.

The end-to-end tests run the real model, FAISS and bm25s over a small dated corpus: the same
company reports a figure in March and another in April 1987, and one article states no date."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from askcorpus.answer.timewindow import find_time, label, time_statement, user_window
from askcorpus.cli import main
from askcorpus.config import Settings
from askcorpus.corpus.dates import find_in_text, normalise, parse_user_date
from askcorpus.errors import QuestionError
from askcorpus.types import Skipped

RECORDS = [
    {"id": "m1", "date": "2-MAR-1987 10:01:00.00", "source": "Reuters",
     "title": "Northwind Mining first quarter",
     "text": "Northwind Mining said its first quarter net profit rose to 41 mln dlrs from 30 "
             "mln dlrs a year earlier, helped by higher copper prices at its Chilean mine."},
    {"id": "a1", "date": "April 6, 1987", "source": "Reuters",
     "title": "Northwind Mining second quarter",
     "text": "Northwind Mining said its second quarter net profit fell to 12 mln dlrs from 44 "
             "mln dlrs a year earlier after a strike closed its Chilean copper mine for weeks."},
    {"id": "o1", "date": "1987-10-19", "source": "Wire",
     "title": "Stocks plunge",
     "text": "Stock markets around the world plunged on Monday as investors sold shares, with "
             "the Dow Jones industrial average losing more than 500 points in one session."},
    {"id": "u1", "source": "Newsletter", "title": "Copper outlook",
     "text": "Analysts said copper demand from Asian smelters would stay strong through the "
             "year, supporting prices for producers such as Northwind Mining and its rivals."},
]


# -- dates ------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, iso", [
    ("26-FEB-1987 15:01:01.79", "1987-02-26"), ("2024-05-01T10:00:00Z", "2024-05-01"),
    ("Tue, 05 Mar 2024 10:00:00 +0000", "2024-03-05"), ("March 3, 1987", "1987-03-03"),
    ("3 March 1987", "1987-03-03"), ("January 11, 2010 Monday", "2010-01-11"),
    ("20240101", "2024-01-01"), ("2024-02-30", None), ("garbage", None), ("", None),
    ("March 1987", None),  # names no day
])
def test_normalise(raw: str, iso: str | None) -> None:
    assert normalise(raw) == iso


def test_dates_found_in_the_text_with_their_source() -> None:
    assert find_in_text("Port strike\nPublished: March 3, 2024\nWorkers walked out.") == (
        "2024-03-03", "published line")
    assert find_in_text("LONDON, March 3, 1987 (Reuters) - Prices rose.") == (
        "1987-03-03", "dateline")
    assert find_in_text("No date here.\nNone at all.") == (None, None)


def test_every_reader_gives_iso_dates_and_their_source(tmp_path: Path) -> None:
    from askcorpus.corpus.formats import read

    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS), "utf-8")
    (tmp_path / "b.txt").write_text("Rates held\n\nPublished 12 March 2024\n\nThe central bank "
                                    "kept its main rate at four percent on Tuesday, as expected "
                                    "by most economists.\n", "utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Floods</title><meta property='article:published_time' "
        "content='2024-05-05T08:00:00+00:00'></head><body><article><h1>Floods</h1><p>"
        + "Floods forced thousands of people from their homes along the Rhine on Sunday. " * 3
        + "</p></article></body></html>", "utf-8")
    got = {}
    for name in ("a.jsonl", "b.txt", "c.html"):
        for d in read((tmp_path / name).read_bytes(), name):
            assert not isinstance(d, Skipped), d
            got[d.record or name] = (d.date, d.date_source)
    assert got["m1"] == ("1987-03-02", "json field")
    assert got["a1"] == ("1987-04-06", "json field")
    assert got["u1"] == (None, None)
    assert got["b.txt"] == ("2024-03-12", "published line")
    assert got["c.html"] == ("2024-05-05", "html meta")


# -- time windows -------------------------------------------------------------------------------
AS_OF = date(1987, 10, 20)


@pytest.mark.parametrize("question, since, until", [
    ("What did Northwind report in March 1987?", "1987-03-01", "1987-03-31"),
    ("What happened on March 3, 1987?", "1987-03-03", "1987-03-03"),
    ("What was said in 1987?", "1987-01-01", "1987-12-31"),
    ("What has happened since January?", "1987-01-01", "1987-10-20"),
    ("What was reported before 3 March 1987?", None, "1987-03-02"),
    ("What was reported after April 1987?", "1987-05-01", None),
    ("What was reported between March and April 1987?", "1987-03-01", "1987-04-30"),
    ("What happened last week?", "1987-10-12", "1987-10-18"),
    ("What happened last month?", "1987-09-01", "1987-09-30"),
    ("What happened yesterday?", "1987-10-19", "1987-10-19"),
    ("What happened in the past two weeks?", "1987-10-06", "1987-10-20"),
    ("What did he say in May?", "1987-05-01", "1987-05-31"),  # the latest May before as_of
    ("What did he say in November?", "1986-11-01", "1986-11-30"),
])
def test_time_expressions(question: str, since: str | None, until: str | None) -> None:
    w = find_time(question, AS_OF)
    assert w is not None and (w.since, w.until) == (since, until)
    assert w.expression and w.expression in question


@pytest.mark.parametrize("question", [
    "What did Northwind Mining report?", "Who said prices may rise?", "How many of 1,987 mines?",
    "Did the protesters march on the capital?", "What happened before the summit?"])
def test_questions_without_a_date_have_no_window(question: str) -> None:
    assert find_time(question, AS_OF) is None


def test_labels_and_statement() -> None:
    assert label("1987-03-01", "1987-03-31") == "1–31 March 1987"
    assert label("1987-03-03", "1987-03-03") == "3 March 1987"
    assert label("1987-03-01", None) == "on or after 1 March 1987"
    w = find_time("in March 1987", AS_OF)
    assert w is not None
    said = time_statement({**w.to_dict(), "articles_in_range": 2, "undated_articles": 1,
                           "undated": "include"})
    assert said == ("From articles dated 1–31 March 1987 (“in March 1987”, 2 articles in "
                    "range, 1 undated included).")


def test_user_windows_and_their_errors() -> None:
    assert user_window("1987-03", "1987") == user_window("1987-03-01", "1987-12-31")
    assert user_window(None, "") is None
    assert parse_user_date("March 1987", end=True) == "1987-03-31"
    for since, until, says in [("1987-04-01", "1987-03-01", "is after"),
                               ("1987-02-30", None, "not a real day"),
                               ("next Thursday-ish", None, "cannot read"),
                               (None, "3000-01-01", "outside")]:
        with pytest.raises(QuestionError, match=says):
            user_window(since, until)
    with pytest.raises(QuestionError, match="names no real day"):
        find_time("What happened on February 30, 1987?", AS_OF)


# -- end to end ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dated_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from askcorpus.pipeline import Pipeline

    base = tmp_path_factory.mktemp("dated")
    (base / "corpus").mkdir()
    (base / "corpus" / "news.jsonl").write_text(
        "\n".join(json.dumps(r) for r in RECORDS) + "\n", "utf-8")
    settings = Settings(corpus=base / "corpus", index=base / "index")
    p = Pipeline(settings)
    p.index()
    p.close()
    return settings


@pytest.fixture(scope="module")
def dated(dated_index: Settings):  # type: ignore[no-untyped-def]
    from askcorpus.pipeline import Pipeline

    p = Pipeline(dated_index)
    yield p
    p.close()


def _records(answer: dict) -> list[str]:  # type: ignore[type-arg]
    return [q["record"] for q in answer["quotes"]]


def test_question_time_limits_the_articles(dated) -> None:  # type: ignore[no-untyped-def]
    q = "What net profit did Northwind Mining report"
    march = dated.ask(f"{q} in March 1987?", k=3).to_dict()
    april = dated.ask(f"{q} in April 1987?", k=3).to_dict()
    assert march["answered"] and "41 mln" in march["quotes"][0]["text"]
    assert april["answered"] and "12 mln" in april["quotes"][0]["text"]
    assert {"a1", "o1"}.isdisjoint(_records(march)) and {"m1", "o1"}.isdisjoint(_records(april))
    t = march["time"]
    assert (t["since"], t["until"], t["expression"]) == ("1987-03-01", "1987-03-31",
                                                         "in March 1987")
    assert (t["articles_in_range"], t["undated_articles"]) == (1, 1)
    assert march["message"].startswith("From articles dated 1–31 March 1987")
    assert all(qt["date"] in ("1987-03-02", None) for qt in march["quotes"])
    off = dated.ask(f"{q} in March 1987?", k=3, time=False).to_dict()
    assert "time" not in off


def test_undated_articles_can_be_left_out(dated) -> None:  # type: ignore[no-untyped-def]
    a = dated.ask("Will copper demand stay strong?", since="1987-01", until="1987-12",
                  k=5).to_dict()
    assert "u1" in _records(a) or "u1" in [q["record"] for q in a["related"]]
    b = dated.ask("Will copper demand stay strong?", since="1987-01", until="1987-12",
                  undated="exclude", k=5).to_dict()
    assert "u1" not in _records(b) + [q["record"] for q in b["related"]]
    assert b["time"]["undated"] == "exclude" and "undated excluded" in b["message"]


def test_an_empty_range_abstains(dated) -> None:  # type: ignore[no-untyped-def]
    a = dated.ask("What net profit did Northwind Mining report in June 1987?",
                  undated="exclude", time_fallback=False).to_dict()
    assert not a["answered"] and a["quotes"] == [] and a["related"] == []
    assert a["time"]["articles_in_range"] == 0
    # by default the question's own time may be when it happened: any date, and it is said
    b = dated.ask("What net profit did Northwind Mining report in June 1987?",
                  undated="exclude").to_dict()
    assert b["answered"] and b["time"]["fallback"] is True
    assert b["message"].startswith("No article dated 1–30 June 1987 answers this")
    # a range the user gives is never widened
    c = dated.ask("What net profit did Northwind Mining report?", since="1987-06-01",
                  until="1987-06-30", undated="exclude").to_dict()
    assert not c["answered"] and c["quotes"] == []


def test_relative_time_counts_from_the_newest_article(dated) -> None:  # type: ignore
    a = dated.ask("How far did the Dow fall in the past week?").to_dict()
    assert a["time"]["as_of"] == "1987-10-19"  # the newest article's date
    assert a["answered"] and _records(a)[0] == "o1"
    b = dated.ask("How far did the Dow fall in the past week?", as_of="1987-04-10",
                  undated="exclude").to_dict()
    assert b["time"]["as_of"] == "1987-04-10"
    assert (b["time"]["since"], b["time"]["until"]) == ("1987-04-03", "1987-04-10")
    shown = b["quotes"] + b["related"]
    assert {q["record"] for q in shown} <= {"a1"}  # the crash is not in that week


def test_questions_without_time_are_unchanged(dated, real_pipeline) -> None:  # type: ignore
    for p, q in [(dated, "What net profit did Northwind Mining report?"),
                 (dated, "Will copper demand stay strong?"),
                 (real_pipeline, "How many North Korean troops may be fighting?"),
                 (real_pipeline, "Who won the football match?")]:
        on = json.dumps(p.ask(q).to_dict(), ensure_ascii=False)
        off = json.dumps(p.ask(q, time=False).to_dict(), ensure_ascii=False)
        assert on == off and '"time"' not in on


def test_date_order(dated) -> None:  # type: ignore[no-untyped-def]
    q = "What net profit did Northwind Mining report?"
    by_score = dated.ask(q, k=5).to_dict()
    by_date = dated.ask(q, k=5, order="date").to_dict()
    assert sorted(map(json.dumps, by_score["quotes"])) == sorted(map(json.dumps,
                                                                    by_date["quotes"]))
    dates = [x["date"] for x in by_date["quotes"]]
    known = [d for d in dates if d]
    assert known == sorted(known) and dates[:len(known)] == known  # undated last
    assert by_date["order"] == "date"
    arts = by_date["articles"]
    assert [a["date"] for a in arts if a["date"]] == sorted(a["date"] for a in arts if a["date"])
    for a in arts:  # each article entry points at its own quotes
        assert all(by_date["quotes"][n]["doc_id"] == a["doc_id"] for n in a["quotes"])


def _cli(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args))


def test_cli_dates(dated_index: Settings) -> None:
    ix = str(dated_index.index)
    r = _cli("ask", "What net profit did Northwind Mining report?", "--index", ix, "--json",
             "--since", "1987-04-01", "--until", "1987-04-30", "--undated", "exclude")
    assert r.exit_code == 0, r.output
    a = json.loads(r.output)
    assert _records(a) == ["a1"] and a["quotes"][0]["date"] == "1987-04-06"
    assert a["quotes"][0]["date_source"] == "json field"
    r = _cli("ask", "What net profit did Northwind Mining report?", "--index", ix,
             "--order", "date")
    assert r.exit_code == 0, r.output
    assert r.output.index("── 1987-03-02") < r.output.index("── 1987-04-06")
    r = _cli("ask", "What net profit did Northwind Mining report in April 1987?", "--index", ix)
    assert "From articles dated 1–30 April 1987" in r.output


@pytest.mark.parametrize("args, says", [
    (["--since", "1987-05-01", "--until", "1987-04-01"], "is after"),
    (["--since", "1987-13-45"], "bad date"),
    (["--until", "someday"], "cannot read"),
    (["--as-of", "yesterday-ish"], "bad --as-of"),
])
def test_cli_bad_dates_are_one_clear_error(dated_index: Settings, args: list[str],
                                           says: str) -> None:
    r = _cli("ask", "What did Northwind report?", "--index", str(dated_index.index), *args)
    assert r.exit_code == 2, r.output
    assert says in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
