"""Dates on the web (issue 27): /ask and the page's chat over a real loopback server and a real
index of a small dated corpus: since / until / undated / order, the time statement, the
timeline, and one clear error for a bad range."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from askcorpus.config import Settings
from tests.answer.test_time import RECORDS
from tests.conftest import ARTIFACTS, CHROMIUM, api_client, ask_api, start_live_app

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning")]
Q = "What net profit did Northwind Mining report?"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    base = tmp_path_factory.mktemp("webdates")
    (base / "corpus").mkdir()
    (base / "corpus" / "news.jsonl").write_text(
        "\n".join(json.dumps(r) for r in RECORDS) + "\n", "utf-8")
    live = start_live_app(Settings(corpus=base / "corpus", index=base / "index"))
    yield live
    live.close()


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    c = api_client(app)
    yield c
    c.close()


def test_ask_api_filters_by_date_and_orders(client: Any, app: Any) -> None:
    a = ask_api(client, Q, [], 5, "hybrid", None, "1987-04-01", "1987-04-30", None, "exclude",
                None)
    assert a["answered"] and [q["record"] for q in a["quotes"]] == ["a1"]
    assert a["time"]["since"] == "1987-04-01" and a["time"]["undated"] == "exclude"
    assert a["quotes"][0]["date"] == "1987-04-06"
    # exactly what the library answers
    assert a == json.loads(json.dumps(app.pipeline.ask(
        Q, k=5, mode="hybrid", since="1987-04-01", until="1987-04-30",
        undated="exclude").to_dict()))
    b = ask_api(client, Q, [], 5, "hybrid", None, None, None, None, None, "date")
    dated = [q["date"] for q in b["quotes"] if q["date"]]
    assert b["order"] == "date" and dated == sorted(dated)


@pytest.mark.parametrize("since, until, says", [
    ("1987-05-01", "1987-04-01", "is after"), ("1987-02-30", None, "not a real day"),
    ("soon", None, "cannot read")])
def test_ask_api_bad_dates_are_one_error(client: Any, since: str, until: str | None,
                                         says: str) -> None:
    a = ask_api(client, Q, [], 5, "hybrid", None, since, until, None, None, None)
    assert set(a) == {"question", "error"} and says in a["error"]
    assert "Traceback" not in a["error"]


def test_ask_api_bad_order_and_undated(client: Any) -> None:
    a = ask_api(client, Q, [], 5, "hybrid", None, None, None, None, None, "alphabetical")
    assert "order must be score or date" in a["error"]
    a = ask_api(client, Q, [], 5, "hybrid", None, None, None, None, "maybe", None)
    assert "undated must be include or exclude" in a["error"]


def test_chat_shows_time_order_and_timeline(client: Any) -> None:
    client.predict(f"{Q[:-1]} in April 1987?", api_name="/chat_begin")
    page, *_ = client.predict(5, "hybrid", [], "", "", True, False, api_name="/chat_answer")
    assert "From articles dated 1–30 April 1987" in page
    assert 'class="ac-timeline"' in page and "1987-04-06" in page
    assert "in date order" in page
    client.predict(Q, api_name="/chat_begin")
    page, *_ = client.predict(5, "hybrid", [], "1987-05-01", "1987-04-01", False, False,
                              api_name="/chat_answer")
    assert "is after" in page.split('class="ac-turn"')[-1]


def test_mcp_ask_takes_dates(app: Any) -> None:
    from askcorpus.web.service import ChatService
    from askcorpus.web.ui import mcp_tools

    ask, _ = mcp_tools(ChatService(app.pipeline, app.startup))  # the functions MCP serves
    a = json.loads(ask(Q, 5, None, None, None, "1987-03-01", "1987-03-31", None, "exclude",
                       None))
    assert [q["record"] for q in a["quotes"]] == ["m1"]
    bad = json.loads(ask(Q, 5, None, None, None, "1987-04-01", "1987-03-01"))
    assert "is after" in bad["error"]


def test_time_free_questions_unchanged_over_http(client: Any, app: Any) -> None:
    a = ask_api(client, Q, [], 5, "hybrid", None)
    assert "time" not in a
    assert a == json.loads(json.dumps(app.pipeline.ask(Q, k=5, mode="hybrid").to_dict()))


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")
def test_page_order_toggle_and_timeline_in_chromium(browser: Any, app: Any) -> None:
    from tests.web.test_browser import Watched

    w = Watched(browser)
    try:
        page = w.page
        page.goto(app.url)
        w.wait_ready()
        page.get_by_role("tab", name="Settings").click()
        page.locator("#ac-by-date input[type=checkbox]").check()
        page.locator("#ac-since input, #ac-since textarea").first.fill("1987-01-01")
        turn = w.ask(Q)
        assert "in date order" in turn.locator(".ac-answer-head").inner_text()
        assert "From articles dated" in turn.locator(".ac-time").inner_text()
        ticks = turn.locator(".ac-timeline .ac-tick-date").all_inner_texts()
        dated = [t for t in ticks if t != "undated"]
        assert dated and dated == sorted(dated)
        heads = turn.locator(".ac-src .ac-date").all_inner_texts()
        assert heads == sorted(heads), heads  # articles earliest first
        page.screenshot(path=str(ARTIFACTS / "dates.png"))
        page.locator("#ac-since input, #ac-since textarea").first.fill("1987-05-01")
        page.locator("#ac-until input, #ac-until textarea").first.fill("1987-04-01")
        turn = w.ask(Q)
        assert "is after" in turn.inner_text()
        assert not w.errors and not w.dialogs and not w.external
    finally:
        w.context.close()
