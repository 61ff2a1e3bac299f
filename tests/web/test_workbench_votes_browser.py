"""Votes and copying from the answer itself, in a real headless Chromium: Copy as Markdown
under each answer puts `ask --format markdown`'s text on the clipboard; 👎 makes each quote
clickable and the click marks the one that does answer (or "Nothing answers this"); a vote
on an answer from before an index update is recorded and says so, and `askcorpus eval
--feedback` scores it on the new index. Bad input: a damaged local-storage entry (set aside,
one note, the page works) and permalinks naming no article or malformed offsets."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner

from askcorpus.answer.markdown import answer_markdown
from askcorpus.cli import main
from askcorpus.config import Settings
from askcorpus.evaluation.feedback import load_votes
from askcorpus.web.workbench import STORAGE_KEY, UNREADABLE_KEY
from tests.conftest import ARTIFACTS, CHROMIUM, start_live_app
from tests.web.test_browser import MACRON_QUESTION, NK_QUESTION, Watched

pytestmark = [
    pytest.mark.browser, pytest.mark.integration,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]

ZEBRA = ("Zebra council meets\nThe zebra council of the savannah approved 42 new stripes "
         "for the coming season, its chair said on Monday.\n")


@pytest.fixture(scope="module")
def vote_app(real_index: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The real app with votes on, over its own copy of the seed index (a test updates it)."""
    base = tmp_path_factory.mktemp("votes-app")
    settings = real_index.replace(corpus=base / "corpus", index=base / "index")
    shutil.copytree(real_index.corpus, settings.corpus)
    shutil.copytree(real_index.index, settings.index)
    app = start_live_app(settings, feedback=base / "votes.jsonl")
    app.settings, app.votes = settings, base / "votes.jsonl"
    yield app
    app.close()


def said(turn: Any, text: str) -> str:
    """What the answer's tool bar says, once it holds ``text``."""
    turn.locator(".ac-tool-said", has_text=text).wait_for(timeout=20_000)
    return str(turn.locator(".ac-tool-said").inner_text())


def test_copy_and_click_the_quote_that_answers_then_an_older_index(browser: Any,
                                                                  vote_app: Any) -> None:
    w = Watched(browser)
    w.context.grant_permissions(["clipboard-read", "clipboard-write"])
    try:
        page = w.page
        page.goto(vote_app.url)
        w.wait_ready()
        turn = w.ask(MACRON_QUESTION)
        settings = vote_app.settings
        answer = vote_app.pipeline.ask(MACRON_QUESTION, history=[], k=settings.top_k,
                                       mode=settings.mode).to_dict()
        assert len(answer["quotes"]) >= 2

        # Copy as Markdown, on the answer itself: ask --format markdown's text
        turn.locator(".ac-copy").click()
        said(turn, "Copied as Markdown")
        assert page.evaluate("() => navigator.clipboard.readText()") == answer_markdown(answer)

        # 👎: the quotes become clickable; the click on the second quote marks it
        assert turn.locator(".ac-mark").first.is_hidden()
        turn.locator(".ac-vote[data-vote=down]").click()
        assert turn.locator(".ac-mark:visible").count() == len(answer["quotes"])
        turn.locator('[data-quote="1"] blockquote').click()
        assert "ac-marked" in str(turn.locator('[data-quote="1"]').get_attribute("class"))
        assert turn.locator(".ac-marked").count() == 1
        turn.locator(".ac-vote-note").fill("the second quote says it")
        turn.screenshot(path=str(ARTIFACTS / "vote-mark.png"))
        turn.locator(".ac-send-vote").click()
        assert "Vote recorded" in said(turn, "Vote recorded")
        first = load_votes(vote_app.votes)[-1]
        assert first["vote"] == "down" and first["marked"] == 1 and not first["nothing"]
        assert first["note"] == "the second quote says it"
        assert [(q["start"], q["end"]) for q in first["quotes"]] == \
            [(q["start"], q["end"]) for q in answer["quotes"]]
        old = vote_app.pipeline.store.generation_name
        assert first["generation"] == old
        # the answer now shows the vote, the marked quote and 👎 pressed
        assert turn.locator('[data-quote="1"] .ac-marked-chip').count() == 1
        assert turn.locator(".ac-vote[data-vote=down]").get_attribute("aria-pressed") == "true"
        turn.screenshot(path=str(ARTIFACTS / "vote-recorded.png"))

        # "Nothing answers this" instead (the last vote on a question wins)
        turn.locator(".ac-vote[data-vote=down]").click()
        turn.locator(".ac-nothing").click()
        turn.locator(".ac-send-vote").click()
        said(turn, "nothing answers this")
        assert load_votes(vote_app.votes)[-1]["nothing"] is True
        assert load_votes(vote_app.votes)[-1]["marked"] is None

        # the index changes while the page is open; a vote on the answer given before
        (settings.corpus / "zebra council.txt").write_text(ZEBRA, encoding="utf-8")
        vote_app.startup.update_index()
        new = vote_app.pipeline.store.generation_name
        assert new != old
        turn.locator(".ac-vote[data-vote=down]").click()
        mark = turn.locator('[data-quote="1"] .ac-mark')
        mark.focus()  # the keyboard reaches the quote's button too
        page.keyboard.press("Enter")
        assert mark.get_attribute("aria-pressed") == "true"
        turn.locator(".ac-vote-note").fill("asked before the zebra article")
        turn.locator(".ac-vote-note").press("Enter")
        text = said(turn, "older index")
        assert old in text and new in text, text
        votes = load_votes(vote_app.votes)
        assert len(votes) == 3 and votes[-1]["generation"] == old and votes[-1]["marked"] == 1

        # eval --feedback asks it again on the current index: the marked quote is found
        r = CliRunner().invoke(main, ["eval", "--feedback", str(vote_app.votes), "--index",
                                      str(settings.index), "--json"])
        assert r.exit_code == 0, r.output
        rows = json.loads(r.output)["questions"]
        assert [row["question"] for row in rows] == [MACRON_QUESTION]
        assert rows[0]["answer_rank"] is not None, rows[0]
        assert not w.errors and not w.external, (w.errors, w.external)
    finally:
        w.close()


def test_a_damaged_kept_entry_is_set_aside_with_one_note(browser: Any, vote_app: Any) -> None:
    w = Watched(browser)
    try:
        page = w.page
        page.goto(vote_app.url)
        w.wait_ready()
        w.ask(NK_QUESTION)
        page.wait_for_function("(k) => !!localStorage.getItem(k)", arg=STORAGE_KEY)
        page.wait_for_timeout(500)
        garbage = "not:a sealed entry"
        page.evaluate("([k, g]) => { localStorage.setItem(k, g);"
                      " localStorage.setItem('someone-else', 'keep me'); }", [STORAGE_KEY, garbage])
        page.reload()
        w.wait_ready()
        note = page.locator("#ac-work-note")
        note.get_by_text("could not be read").wait_for(timeout=20_000)
        assert note.inner_text().count("could not be read") == 1
        aside = json.loads(page.evaluate("(k) => localStorage.getItem(k)", UNREADABLE_KEY))
        assert [a["entry"] for a in aside] == [garbage]
        assert page.evaluate("() => localStorage.getItem('someone-else')") == "keep me"

        # the page works: asked, answered, kept again
        turn = w.ask(MACRON_QUESTION)
        assert turn.locator("blockquote").count() >= 1
        page.wait_for_function("([k, g]) => (localStorage.getItem(k) || g) !== g",
                               arg=[STORAGE_KEY, garbage], timeout=20_000)
        page.wait_for_timeout(500)
        page.reload()
        w.wait_ready()
        page.wait_for_timeout(1500)
        assert "could not be read" not in page.locator("#ac-work-note").inner_text()
        page.locator("#ac-chats input").first.click()
        assert page.locator("ul[role=listbox] li", has_text=MACRON_QUESTION[:30]).count() == 1
        page.keyboard.press("Escape")
        # set aside once, not again on each load
        aside = json.loads(page.evaluate("(k) => localStorage.getItem(k)", UNREADABLE_KEY))
        assert len(aside) == 1
        assert not w.errors and not w.external, (w.errors, w.external)
    finally:
        w.close()


@pytest.mark.parametrize(("query", "says"), [
    ("?doc=UNKNOWN&at=1:5", "no article 'UNKNOWN' in this index"),
    ("?doc={doc}&at=9:nope", "is not START:END character offsets"),
    ("?doc={doc}&at=50:10", "is not START:END character offsets"),
    ("?doc={doc}&at=900000:900010", "is outside the article"),
    ("?at=1:5", "no doc="),
])
def test_a_bad_permalink_is_one_message_in_the_article_panel(browser: Any, vote_app: Any,
                                                             query: str, says: str) -> None:
    doc = vote_app.pipeline.stats()["articles"][0]["doc_id"]
    w = Watched(browser)
    try:
        page = w.page
        page.goto(vote_app.url + query.format(doc=doc))
        w.wait_ready()
        panel = page.locator("#ac-article")
        panel.locator(".ac-error").wait_for(timeout=30_000)
        assert panel.locator(".ac-error").count() == 1
        text = panel.inner_text()
        assert "Cannot open the link:" in text and says in text, text
        assert "Traceback" not in text and not w.errors and not w.external
    finally:
        w.close()
