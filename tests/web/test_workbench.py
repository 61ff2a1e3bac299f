"""The workbench's plain functions (no gradio, no model): what the page's vote events may say,
the quotes a reader can mark, permalinks, kept conversations a browser sends back, and the
tools rendered under each answer."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from askcorpus.answer.markdown import answer_markdown
from askcorpus.errors import AskCorpusError
from askcorpus.web import render, workbench


def quote(doc: str, start: int, text: str) -> dict[str, Any]:
    return {"doc_id": doc, "path": f"{doc}.txt", "start": start, "end": start + len(text),
            "text": text, "title": f"Title {doc}", "outlet": "Example", "date": "2024-03-01"}


ANSWER = {"question": "Who said it?", "answered": True, "message": "2 articles agree.",
          # two articles, interleaved: the page groups them, a quote's number stays its place
          "quotes": [quote("a", 0, "First from A."), quote("b", 10, "First from B."),
                     quote("a", 40, "Second from A </textarea><script>x()</script>.")]}
NO_ANSWER = {"question": "Who else?", "answered": False, "message": "No article answers.",
             "quotes": [], "related": [quote("c", 5, "Close, but not it.")]}


def test_votable_is_the_quotes_or_else_the_related_passages() -> None:
    assert workbench.votable(ANSWER) == ANSWER["quotes"]
    assert workbench.votable(NO_ANSWER) == NO_ANSWER["related"]


def test_vote_event_reads_what_the_page_sends_and_refuses_the_rest() -> None:
    turns = [{"question": "q", "answer": ANSWER}, {"question": "r", "error": "bad"},
             {"question": "s", "answer": NO_ANSWER}]
    assert workbench.vote_event({"turn": 0, "vote": "down", "marked": 2, "note": "n"},
                                turns) == (0, "down", 2, False, "n")
    assert workbench.vote_event({"turn": 2, "vote": "down", "marked": 0}, turns)[2] == 0
    assert workbench.vote_event({"turn": 0, "vote": "down", "nothing": True},
                                turns) == (0, "down", None, True, "")
    assert workbench.vote_event({"turn": "0", "vote": "up", "note": "x" * 5000},
                                turns)[4] == "x" * 2000
    for data, says in [
        (None, "without its answer"),
        ({"turn": 1, "vote": "up"}, "not in this conversation"),  # an error, no answer
        ({"turn": 7, "vote": "up"}, "not in this conversation"),
        ({"turn": True, "vote": "up"}, "not in this conversation"),
        ({"turn": 0, "vote": "maybe"}, "👍 or 👎"),
        ({"turn": 0, "vote": "down", "marked": 3}, "not one of this answer's"),
        ({"turn": 0, "vote": "down", "marked": "x"}, "not one of this answer's"),
        ({"turn": 0, "vote": "down", "marked": True}, "not one of this answer's"),
        ({"turn": 0, "vote": "up", "marked": 0}, "only a 👎"),
        ({"turn": 0, "vote": "down", "marked": 0, "nothing": True}, "not both"),
    ]:
        with pytest.raises(AskCorpusError, match=re.escape(says)):
            workbench.vote_event(data, turns)


@pytest.mark.parametrize(("params", "expected"), [
    ({}, None),
    ({"doc": "abc", "at": "3:9"}, ("abc", 3, 9)),
    ({"doc": " abc "}, ("abc", -1, -1)),
])
def test_parse_permalink(params: dict[str, str], expected: Any) -> None:
    assert workbench.parse_permalink(params) == expected


@pytest.mark.parametrize(("params", "says"), [
    ({"doc": "abc", "at": "9:nope"}, "START:END"),
    ({"doc": "abc", "at": "9:3"}, "START:END"),
    ({"doc": "abc", "at": "-1:3"}, "START:END"),
    ({"at": "1:5"}, "no doc="),
])
def test_a_malformed_permalink_is_one_sentence(params: dict[str, str], says: str) -> None:
    with pytest.raises(AskCorpusError, match=says):
        workbench.parse_permalink(params)


def test_read_chats_keeps_what_it_cannot_read_aside() -> None:
    good = {"id": "c1", "title": "t", "updated": 1.0,
            "turns": [{"question": "q", "answer": ANSWER, "vote": {"ok": True}}]}
    assert workbench.read_chats(None) == ({"chats": [], "unreadable": []}, 0)
    store, bad = workbench.read_chats({"chats": [good, {"id": 5}, "junk"]})
    assert [c["id"] for c in store["chats"]] == ["c1"] and bad == 2
    assert store["unreadable"] == [{"id": 5}, "junk"]
    for raw in ("not json", 42, ["a"], {"chats": "x"}):
        store, bad = workbench.read_chats(raw)
        assert store["chats"] == [] and bad == 1 and store["unreadable"]


def attrs(markup: str, tag: str, name: str) -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*\b{name}=\"([^\"]*)\"", markup)


def test_each_quote_is_numbered_by_its_place_in_the_answer_and_markable() -> None:
    markup = render.render_answer(ANSWER, markable=True)
    # grouped by article: A's two quotes, then B's; the numbers are their places in "quotes"
    assert attrs(markup, "figure", "data-quote") == ["0", "2", "1"]
    assert markup.count('class="ac-mark"') == 3
    assert 'class="ac-mark"' not in render.render_answer(ANSWER)  # votes off: no buttons
    marked = render.render_answer(ANSWER, markable=True, marked=1)
    assert re.search(r'ac-marked-done" data-quote="1"', marked)
    assert marked.count("marked as the answer") == 1
    related = render.render_answer(NO_ANSWER, markable=True)
    assert attrs(related, "figure", "data-quote") == ["0"]


def test_the_tools_carry_the_markdown_escaped_and_the_vote_buttons() -> None:
    turn = {"question": ANSWER["question"], "answer": ANSWER}
    markup = render.render_turn(turn, 3, votes=True)
    assert 'data-turn="3"' in markup
    src = re.search(r'<textarea class="ac-md-src"[^>]*>(.*?)</textarea>', markup, re.S)
    assert src is not None and html.unescape(src.group(1)) == answer_markdown(ANSWER)
    assert "<script>" not in markup  # the quote's markup stays text
    assert attrs(markup, "button", "data-vote") == ["up", "down"]
    assert "ac-vote-form" in markup and "Nothing answers this" in markup
    quiet = render.render_turn(turn, 3)
    assert "Copy as Markdown" in quiet and "data-vote" not in quiet
    voted = render.render_turn({**turn, "vote": {"ok": True, "vote": "down", "marked": 2,
                                                 "message": "Vote recorded."}}, 0, votes=True)
    assert 'data-vote="down" aria-pressed="true"' in voted
    assert "marked “Second from A" in html.unescape(voted)
    refused = render.render_turn({**turn, "vote": {"ok": False, "message": "The vote was "
                                                   "not recorded: full disk"}}, 0, votes=True)
    assert "not recorded: full disk" in refused and 'aria-pressed="true"' not in refused
    # a kept vote of any shape renders (a browser's store is not trusted)
    assert "ac-turn" in render.render_turn({**turn, "vote": {"marked": "<b>", "ok": 1}}, 0,
                                           votes=True)
