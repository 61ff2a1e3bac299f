"""The written question set (training/data/): every record re-checked against its article, the
split by article, the measures never written over, and the checker itself on crafted lines.

Needs the shared news data (../shared/data/news); skipped without it."""

from __future__ import annotations

import json
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT, SHARED_DATA

DATA = ROOT / "training" / "data"
sys.path.insert(0, str(DATA))

if not (SHARED_DATA / "news" / "reuters21578" / "reuters21578.jsonl").is_file():
    pytest.skip("shared news data absent", allow_module_level=True)

import check_questions as cq  # noqa: E402
from news_articles import all_articles, excluded_keys, split_of  # noqa: E402

SPLITS = ("train", "fit", "dev")


@pytest.fixture(scope="module")
def articles() -> dict:
    return all_articles()


@pytest.fixture(scope="module")
def records() -> list[dict]:
    out = []
    for split in SPLITS:
        p = DATA / f"questions.{split}.jsonl"
        out += [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    return out


def test_every_answer_is_verbatim_at_its_offsets(records: list[dict], articles: dict) -> None:
    from askcorpus.corpus.sentences import sentence_spans

    for r in records:
        if not r["answerable"]:
            continue
        a = articles[r["sources"][0]]
        assert a.text[r["answer_start"]:r["answer_end"]] == r["answers"][0], r["id"]
        spans = set(sentence_spans(a.text))
        assert r["sentences"] and all(tuple(s) in spans for s in r["sentences"]), r["id"]
        assert r["sentences"][0][0] <= r["answer_start"] < r["answer_end"] <= r["sentences"][-1][1]
        assert r["kind"] in cq.KINDS


def test_questions_are_worded_as_readers_ask(records: list[dict], articles: dict) -> None:
    """No run of 4 words shared with the answer sentence or headline beyond names and
    numbers, not most content words shared, the answer never inside, something named."""
    bad = []
    for r in records:
        q = r["question"]
        if not q.endswith("?") or not cq._named(q):
            bad.append((r["id"], "not a specific question"))
        if r["answerable"]:
            a = articles[r["sources"][0]]
            stated = " ".join(a.text[s:e] for s, e in r["sentences"])
            bad += [(r["id"], e) for e in cq.wording_errors(q, r["answers"][0], stated, a.title)]
        else:
            a = articles[r["anchor"]]
            assert cq.find(a.text + "\n" + a.title, r["about"]), r["id"]
    assert not bad, bad[:10]


def test_split_by_article_and_measures_never_written_over(records: list[dict]) -> None:
    skip = excluded_keys()
    split_of_article: dict[str, set[str]] = {}
    for r in records:
        key = r["sources"][0] if r["answerable"] else r["anchor"]
        assert key.split("#")[0] in ("reuters21578.jsonl", "ag_news.jsonl"), r["id"]
        assert key not in skip, r["id"]
        assert r["split"] == split_of(key), r["id"]
        split_of_article.setdefault(key, set()).add(r["split"])
    assert all(len(v) == 1 for v in split_of_article.values())
    ids = Counter(r["id"] for r in records)
    assert max(ids.values()) == 1
    norm = Counter(cq._norm(r["question"]) for r in records)
    assert max(norm.values()) == 1


def test_stats_are_those_of_the_files(records: list[dict]) -> None:
    stats = json.loads((DATA / "stats.json").read_text())
    for split in SPLITS:
        rows = [r for r in records if r["split"] == split]
        assert stats[split]["answerable"] == sum(r["answerable"] for r in rows)
        assert stats[split]["unanswerable"] == sum(not r["answerable"] for r in rows)
        assert stats[split]["needs_context"] == sum(r["answerable"] and r["needs_context"]
                                                    for r in rows)


def test_second_readers_kept_what_they_checked(records: list[dict]) -> None:
    """Every unanswerable question in the set was checked by a second reader over the
    passages askcorpus retrieves for it and found unanswerable; no question a blind reader
    disagreed with is kept."""
    verdicts = {}
    for line in (DATA / "reviews.jsonl").read_text(encoding="utf-8").splitlines():
        v = json.loads(line)
        verdicts[v["id"]] = v["verdict"]
    for r in records:
        if not r["answerable"]:
            assert verdicts.get(r["id"]) == "unanswerable", r["id"]
        else:
            assert verdicts.get(r["id"]) in (None, "agree"), r["id"]


# -- the checker on crafted lines ------------------------------------------------------------
KEY = "reuters21578.jsonl#6968"
EVIDENCE = ("Production by the company, Taiwan's largest steel maker, is expected to rise to "
            "3.33 mln tonnes from 3.27 mln, a spokesman told Reuters.")


def _check(articles: dict, **raw: object) -> tuple[str, ...]:
    line = {"article": KEY, "answer": "3.33 mln tonnes", "evidence": EVIDENCE,
            "kind": "how much", "context": "neighbour"} | raw
    return cq.check_line(1, line, articles, excluded_keys()).errors


def test_checker_passes_a_paraphrase_and_names_each_fault(articles: dict) -> None:
    good = "How much is Taiwan's biggest steelmaker expected to produce in the year to mid-1987?"
    assert _check(articles, question=good) == ()
    assert any("copies" in e for e in _check(
        articles, question="How much is production expected to rise to at China Steel?"))
    assert any("content words" in e for e in _check(
        articles, question="What production rise is expected at Taiwan's largest steel maker?"))
    assert any("inside the question" in e for e in _check(
        articles, question="Will China Steel make 3.33 mln tonnes in 1986/87?", kind="yes/no",
        answer="3.33 mln tonnes", yes_no="yes"))
    assert any("verbatim" in e for e in _check(
        articles, question=good, evidence="Production will rise to 3.33 mln tonnes."))
    assert any("names nothing" in e for e in _check(articles, question="how much is made?"))
    assert cq.check_line(1, {"article": next(iter(excluded_keys())), "question": good},
                         articles, excluded_keys()).errors


def test_the_readme_table_is_the_stats() -> None:
    """training/data/README.md's counts are those of stats.json (the set's front page)."""
    import re

    stats = json.loads((DATA / "stats.json").read_text())
    text = (DATA / "README.md").read_text(encoding="utf-8")
    for split in SPLITS:
        row = re.search(rf"^\| {split} \| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \| ([\d,]+)", text, re.M)
        assert row, split
        got = [int(x.replace(",", "")) for x in row.groups()]
        s = stats[split]
        assert got == [s["answerable"], s["unanswerable"], s["articles"], s["needs_context"]]
