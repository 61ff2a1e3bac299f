"""Item 5, the part tests/web/test_browser.py does not reach: hostile *metadata* in a real browser.

test_browser.py puts script/HTML/markdown payloads in an article's text. Here they sit where
the page shows them as attribution: JSON(L) records' title, outlet, date, url and id, an HTML
page's <meta> tags, a markdown file's headline (image and link syntax), and file names. They
are shown in the answer cards, the article panel (with its "original" link), the Index tab and
the "Search only in" list. Everything must stay inert text; the only link is a real https url.
Fake embedder (fast, no model): what is under test is the page, not the answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from askcorpus.config import Settings
from askcorpus.pipeline import Pipeline
from tests.conftest import ARTIFACTS, BROWSER_MARKS, start_live_app
from tests.fakes import FakeEmbedder, word_counter
from tests.web.test_browser import INPUT, Watched

pytestmark = BROWSER_MARKS

XSS = "window.__xss=1;alert(1)"
SAFE_URL = 'https://example.org/story?a=1&b="><script>window.__xss=1</script>'
BODY = ("TEHRAN - Iran gave Russia hundreds of Shahed drones and ballistic missiles, Western "
        "officials said on Tuesday, in a shipment across the Caspian Sea.")
RECORDS = [
    {"id": f'"><img src=x onerror="{XSS}">', "title": f'<img src=x onerror="{XSS}"> Drones '
     f"<script>{XSS}</script> [click](javascript:{XSS})",
     "source": f'<svg onload="{XSS}">Evil Wire</svg>', "date": f'<b onmouseover="{XSS}">2024</b>',
     "url": f"javascript:{XSS}", "text": BODY},
    {"id": "r2", "title": "Data url record ![x](javascript:" + XSS + ")",
     "source": {"name": f"<iframe src=javascript:{XSS}>"}, "url": "data:text/html,<script>"
     + XSS + "</script>", "text": BODY.replace("Tuesday", "Wednesday")},
    {"id": "r3", "title": "Safe url record", "source": "Plain Wire", "url": SAFE_URL,
     "text": BODY.replace("Tuesday", "Thursday")},
    {"id": "r4", "title": "Odd url schemes", "source": "&lt;b&gt;entity&lt;/b&gt; Wire",
     "url": " JaVaScRiPt:" + XSS, "text": BODY.replace("Tuesday", "Friday")},
]
HTML_PAGE = f"""<html><head>
<meta property="og:title" content="&lt;img src=x onerror=&quot;{XSS}&quot;&gt; Iran drones page">
<meta property="og:site_name" content="&lt;script&gt;{XSS}&lt;/script&gt; Gazette">
<meta property="og:url" content="javascript:{XSS}">
<meta property="article:published_time" content="&lt;svg onload={XSS}&gt;"></head>
<body><p>{BODY.replace("Tuesday", "Saturday")}</p></body></html>"""
MARKDOWN = (f"# ![x](javascript:{XSS}) [Iran drones](javascript:{XSS}) <img src=x "
            f'onerror="{XSS}">\n\n{BODY.replace("Tuesday", "Sunday")} See [the source]'
            f"(javascript:{XSS}) and <a href=\"javascript:{XSS}\">this</a>.\n")


class CountingFake(FakeEmbedder):
    count_tokens = staticmethod(word_counter)



INJECTED_JS = """() => {
  const areas = '#ac-transcript, #ac-article, #ac-stats';
  const bad = [...document.querySelectorAll(areas)].flatMap((a) => [
    ...a.querySelectorAll('img, script, iframe, object, embed, svg:not(.ac-empty-panel svg), b')]);
  const handlers = [...document.querySelectorAll('*')].filter((e) =>
    [...e.attributes].some((at) => at.name.startsWith('on')));
  const js = [...document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i],'
    + ' [href^=" javascript:" i], [href^="data:" i], iframe[src]')];
  return [...bad, ...handlers, ...js].map((e) => e.outerHTML.slice(0, 160)); }"""


def test_hostile_metadata_stays_inert(browser: Any, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "records.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS), encoding="utf-8")
    (corpus / "page.html").write_text(HTML_PAGE, encoding="utf-8")
    (corpus / f'<img src=x onerror="{XSS[:14]}">.md').write_text(MARKDOWN, encoding="utf-8")
    settings = Settings(corpus=corpus, index=tmp_path / "index")
    app = start_live_app(settings, pipeline=Pipeline(settings, embedder=CountingFake()),
                         ready_timeout=120)
    w = Watched(browser)
    try:
        page = w.page
        page.goto(app.url)
        w.wait_ready()
        assert "6 articles" in page.locator("#ac-status").inner_text()
        turn = w.ask("Iran gave Russia Shahed drones and ballistic missiles officials said")
        cards = turn.locator(".ac-src")
        assert cards.count() >= 3, turn.inner_html()
        shown = " ".join(turn.locator(".ac-src").all_text_contents())
        assert "<img src=x onerror=" in shown or "<script>" in shown or "<svg" in shown
        # open every source: the panel shows the metadata as text; only https becomes a link
        links: list[str] = []
        for i in range(cards.count()):
            cards.nth(i).click()
            page.wait_for_selector("#ac-article .ac-article", timeout=20_000)
            page.wait_for_timeout(300)
            panel = page.locator("#ac-article .ac-article")
            assert "Iran gave Russia" in panel.locator(".ac-article-text").text_content()
            links += page.locator("#ac-article a[href]").evaluate_all(
                "(els) => els.map((e) => e.getAttribute('href'))")
        assert links and set(links) == {SAFE_URL}, links  # exactly that url, quotes and all
        page.screenshot(path=str(ARTIFACTS / "hostile-metadata.png"))
        # the Index tab and the "Search only in" list show the same titles and outlets
        page.get_by_role("tab", name="Index").click()
        page.wait_for_selector("#ac-stats .ac-title")
        titles = " ".join(page.locator("#ac-stats .ac-title").all_text_contents())
        assert "<img src=x onerror=" in titles
        page.get_by_role("tab", name="Settings").click()
        page.locator("#ac-filters input").first.click()
        page.wait_for_timeout(500)
        options = " ".join(page.locator("ul[role=listbox] li").all_text_contents())
        assert "Outlet" in options and "<svg onload=" in options, options
        page.keyboard.press("Escape")
        page.wait_for_timeout(500)  # give any injected handler the chance to run
        assert w.dialogs == [], w.dialogs
        assert page.evaluate("() => typeof window.__xss") == "undefined"
        assert page.evaluate(INJECTED_JS) == []
        assert w.external == [] and w.errors == [], (w.external, w.errors)
        assert page.locator(INPUT).first.is_enabled()
    finally:
        w.close()
        app.close()
