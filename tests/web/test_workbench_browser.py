"""The chat as a workbench in a real headless Chromium: conversations kept in the browser's
local storage (reload, reopen, follow up, delete; two browsers never share), Markdown / JSON
downloads equal to `ask --format markdown` / `ask --json`, a vote with a correction that
`askcorpus eval --feedback` then counts, and a permalink that opens the article panel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from askcorpus.answer.markdown import answer_markdown
from askcorpus.cli import main
from askcorpus.config import Settings
from askcorpus.evaluation.feedback import load_votes
from tests.conftest import BROWSER_MARKS, start_live_app
from tests.web.test_browser import FOLLOW_UP, MACRON_QUESTION, Watched

pytestmark = [*BROWSER_MARKS, pytest.mark.integration]


@pytest.fixture(scope="module")
def votes_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("votes") / "votes.jsonl"


@pytest.fixture(scope="module")
def work_app(real_index: Settings, votes_file: Path) -> Iterator[Any]:
    app = start_live_app(real_index, feedback=votes_file)
    yield app
    app.close()


def pick(page: Any, elem: str, text: str) -> None:
    """Choose the option of a gradio dropdown whose label holds ``text``."""
    option = page.locator("ul[role=listbox] li", has_text=text).first
    for _ in range(40):  # the choices arrive from the server a moment after the page
        page.locator(f"#{elem} input").first.click()
        if option.count():
            option.click()
            return
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)
    raise AssertionError(f"no option {text!r} in #{elem}")


def saved_dl(page: Any) -> None:
    page.wait_for_function(
        "() => { const e = document.querySelector('#ac-dl-json');"
        " const b = e && (e.tagName === 'BUTTON' ? e : e.querySelector('button'));"
        " return b && !b.disabled; }", timeout=20_000)


def kept(page: Any) -> Any:
    return page.evaluate("() => localStorage.getItem('askcorpus-chats')")


def test_kept_reopened_followed_up_exported_voted(browser: Any, work_app: Any,
                                                  real_index: Settings, votes_file: Path,
                                                  tmp_path: Path) -> None:
    w = Watched(browser, accept_downloads=True)
    other = Watched(browser)
    try:
        page = w.page
        page.goto(work_app.url)
        w.wait_ready()
        w.ask(MACRON_QUESTION)
        saved_dl(page)  # the answer is saved once the downloads are offered
        page.wait_for_function("() => !!localStorage.getItem('askcorpus-chats')")
        page.wait_for_timeout(500)
        # a reload (and the same for a server restart: the key is kept beside the index)
        page.reload()
        w.wait_ready()
        assert page.locator("#ac-transcript .ac-turn").count() == 0
        pick(page, "ac-chats", MACRON_QUESTION[:30])
        page.locator("#ac-open").click()
        w.wait_turn(1)
        assert MACRON_QUESTION in page.locator("#ac-transcript .ac-turn").first.inner_text()
        second = w.ask(FOLLOW_UP)  # the follow-up reads the reopened conversation
        assert f"context: {MACRON_QUESTION}" in second.inner_text(), second.inner_text()

        # the other browser sees none of it
        other.page.goto(work_app.url)
        other.wait_ready()
        assert kept(other.page) != kept(page)  # its own (empty) store, not ours
        other.page.locator("#ac-chats input").first.click()
        assert other.page.locator("ul[role=listbox] li", has_text=MACRON_QUESTION[:30]) \
            .count() == 0

        # downloads: the ask --json objects in order, and ask --format markdown of each
        saved_dl(page)
        with page.expect_download() as got:
            page.locator("#ac-dl-json").click()
        answers = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
        assert [a["question"] for a in answers] == [MACRON_QUESTION, FOLLOW_UP]
        with page.expect_download() as got:
            page.locator("#ac-dl-md").click()
        md = Path(got.value.path()).read_text(encoding="utf-8")
        for a in answers:
            assert answer_markdown(a) in md
        cli = CliRunner().invoke(main, ["ask", MACRON_QUESTION, "--index",
                                        str(real_index.index), "--format", "markdown"])
        assert cli.output.strip() == answer_markdown(answers[0]).strip()

        # copy as markdown, citations, a vote with a correction
        page.locator("#ac-answer-tools").get_by_text("Copy, cite, vote").click()
        pick(page, "ac-which", "1. " + MACRON_QUESTION[:20])
        page.wait_for_function(
            "(t) => (document.querySelector('#ac-md textarea')?.value || '').startsWith(t)",
            arg="## " + MACRON_QUESTION[:20], timeout=20_000)
        assert page.locator("#ac-md textarea").input_value() == answer_markdown(answers[0])
        first = answers[0]["quotes"][0]
        assert f"characters {first['start']}–{first['end']}" in \
            page.locator("#ac-cites").inner_text()
        page.locator("#ac-verdict").get_by_text("wrong").click()
        pick(page, "ac-marked", "Quote 2")
        page.locator("#ac-vote-note textarea").fill("the second quote says it")
        page.locator("#ac-vote").click()
        page.wait_for_function(
            "() => /Vote recorded/.test(document.querySelector('#ac-vote-result').innerText)",
            timeout=20_000)
        votes = load_votes(votes_file)
        assert votes[-1]["marked"] == 1 and votes[-1]["note"] == "the second quote says it"
        assert votes[-1]["quotes"][1]["start"] == answers[0]["quotes"][1]["start"]
        r = CliRunner().invoke(main, ["eval", "--feedback", str(votes_file), "--index",
                                      str(real_index.index), "--json"])
        assert r.exit_code == 0, r.output
        row = json.loads(r.output)["questions"][0]
        assert row["question"] == MACRON_QUESTION and row["answer_rank"] is not None

        # delete it: gone from the list and from local storage
        pick(page, "ac-chats", MACRON_QUESTION[:30])
        page.locator("#ac-delete").click()
        page.wait_for_function(
            "() => /deleted/.test(document.querySelector('#ac-work-note')?.innerText || '')",
            timeout=20_000)
        page.wait_for_timeout(500)
        page.reload()
        w.wait_ready()
        page.wait_for_timeout(1500)
        page.locator("#ac-chats input").first.click()
        assert page.locator("ul[role=listbox] li", has_text=MACRON_QUESTION[:30]).count() == 0
        page.keyboard.press("Escape")

        # a permalink opens the article with the span highlighted; a bad one says why
        page.goto(work_app.url + "?doc=" + first["doc_id"] + f"&at={first['start']}:"
                  f"{first['end']}")
        page.wait_for_selector("#ac-article mark", timeout=30_000)
        page.goto(work_app.url + "?doc=x&at=9:nope")
        page.wait_for_function(
            "() => /START:END/.test(document.querySelector('#ac-article')?.innerText || '')",
            timeout=30_000)
        assert not w.errors and not w.external
    finally:
        w.close()
        other.close()
