"""The web chat in a real headless Chromium: start-up, chat, follow-up, article panel, and a
hostile article that must stay inert. Screenshots go to artifacts/."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from tests.conftest import ARTIFACTS, BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[2]
MACRON_QUESTION = "Who proposed sending NATO troops to Ukraine for training?"
NK_QUESTION = "How many North Korean soldiers are fighting for Russia?"
FOLLOW_UP = "How did Russia react to that?"
INPUT = "#ac-question input, #ac-question textarea"

pytestmark = [*BROWSER_MARKS, pytest.mark.integration]

XSS = "window.__xss=1;alert(1)"  # what every payload would run: a flag and a dialog
HOSTILE_ARTICLE = "\n".join([
    f'<img src=x onerror="{XSS}"> Iran arms shipment report',
    f"Reuters Wire <script>{XSS}</script>",
    "",
    f'TEHRAN - Iran gave Russia hundreds of Shahed attack drones <img src=x onerror="{XSS}"> '
    f"and short-range ballistic missiles <script>{XSS}</script>, Western officials said on "
    "Tuesday.",
    f"Read more: [click](javascript:{XSS}) and ![x](javascript:{XSS}) or "
    f'<a href="javascript:{XSS}">this link</a>.',
    "The drones were shipped across the Caspian Sea ${window.__xss=1} "
    "{{constructor.constructor('window.__xss=1')()}} <svg onload=\"window.__xss=1\"></svg> "
    '<iframe src="javascript:window.__xss=1"></iframe> according to the same officials.',
    "",
])
NEUTRAL_ARTICLE = ("Poland presents air-defence plan\nWarsaw asked its allies to back a plan to "
                   "shoot down Russian drones over western Ukraine. Six countries said they "
                   "supported the idea.\n")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Gated:
    """A Pipeline whose indexing waits for a signal, so the test sees the page before ready."""

    def __init__(self, inner: Any, gate: threading.Event) -> None:
        self.inner = inner
        self.gate = gate

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def index(self, **kwargs: Any) -> Any:
        self.gate.wait(60)
        return self.inner.index(**kwargs)


@pytest.fixture(scope="module")
def chat_app(real_index: Settings) -> Iterator[Any]:
    from askcorpus.pipeline import Pipeline
    from askcorpus.web import start

    app = start(real_index, "127.0.0.1", free_port(), env={}, pipeline=Pipeline(real_index))
    assert app.wait_ready(180), app.startup.snapshot()
    yield app
    app.close()



class Watched:
    """A page that blocks and records every request that is not to 127.0.0.1, and records
    dialogs and script errors."""

    def __init__(self, browser: Any, **context: Any) -> None:
        self.context = browser.new_context(**{"viewport": {"width": 1440, "height": 900},
                                              **context})
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._guard)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def _guard(self, route: Any) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def wait_styled(self) -> None:
        """Until our stylesheet applies (gradio adds custom CSS after mounting the page)."""
        self.page.wait_for_function(
            "() => getComputedStyle(document.querySelector('#ac-transcript')).overflowY"
            " === 'auto'")

    def wait_ready(self, timeout: float = 120_000) -> None:
        self.page.wait_for_function(
            "(sel) => { const e = document.querySelector(sel); return e && !e.disabled; }",
            arg=INPUT, timeout=timeout)
        self.wait_styled()

    def ask(self, question: str) -> Any:
        n = self.page.locator("#ac-transcript .ac-turn").count()
        box = self.page.locator(INPUT).first
        box.fill(question)
        box.press("Enter")
        turn = self.wait_turn(n + 1)
        # the chain ends by giving the focus back to the question box (50 ms later): wait for
        # it, or a click the test makes next (a dropdown opened) loses its focus to it
        self.page.wait_for_function(
            "() => !!document.activeElement?.closest('#ac-question')", timeout=10_000)
        return turn

    def wait_turn(self, n: int) -> Any:
        self.page.wait_for_function(
            "(n) => { const t = document.querySelectorAll('#ac-transcript .ac-turn');"
            " return t.length >= n && !t[n - 1].querySelector('.ac-pending'); }",
            arg=n, timeout=60_000)
        return self.page.locator("#ac-transcript .ac-turn").nth(n - 1)

    def open_source(self, header: Any) -> Any:
        header.click()
        self.page.wait_for_selector("#ac-article mark.ac-focus", timeout=20_000)
        self.page.wait_for_timeout(400)  # the smooth scroll
        return self.page.locator("#ac-article .ac-article")

    def close(self) -> None:
        self.context.close()


def _slider_reads(page: Any, value: str, timeout_ms: int = 2_000) -> bool:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            "(v) => document.querySelector('#ac-k input[type=range]')?.value === v",
            arg=value, timeout=timeout_ms)
        return True
    except PlaywrightTimeout:
        return False


def mark_in_view(page: Any) -> bool:
    return bool(page.evaluate("""() => {
      const m = document.querySelector('#ac-article mark.ac-focus');
      const box = document.querySelector('#ac-article .ac-article');
      if (!m || !box) return false;
      const r = m.getBoundingClientRect(), b = box.getBoundingClientRect();
      return r.height > 0 && r.top >= b.top && r.bottom <= b.bottom + 1
             && r.top >= 0 && r.bottom <= window.innerHeight; }"""))


def check_article_panel(w: Watched, header: Any, corpus: Path) -> str:
    """Open the source under ``header``; the panel shows the whole file with the quote marked."""
    from askcorpus.web.render import decode_spans

    path = header.locator(".ac-path").inner_text().split(" +")[0]
    span = decode_spans(header.get_attribute("data-spans"))[0]
    original = (corpus / path).read_bytes().decode("utf-8")
    panel = w.open_source(header)
    assert panel.locator(".ac-article-text").text_content() == original
    marked = "".join(w.page.locator("#ac-article mark.ac-focus").all_text_contents())
    assert marked == original[span.span_start:span.span_end]
    assert w.page.locator("#ac-article mark.ac-focus").first.is_visible()
    assert mark_in_view(w.page), "the highlighted quote was not scrolled into view"
    return original


def test_chat_follow_up_and_article_panel(browser: Any, chat_app: Any,
                                          real_index: Settings) -> None:
    w = Watched(browser)
    try:
        page = w.page
        page.goto(chat_app.url)
        w.wait_ready()
        assert "Ready" in page.locator("#ac-status").inner_text()
        page.screenshot(path=str(ARTIFACTS / "welcome.png"))

        # an example chip asks at once
        page.locator("#ac-transcript .ac-example", has_text=NK_QUESTION).click()
        turn = w.wait_turn(1)
        assert "12,000" in turn.locator(".ac-quote").all_inner_texts().__str__()
        assert turn.locator(".ac-quote mark").count() >= 1
        assert "article" in turn.locator(".ac-agree").inner_text()

        turn = w.ask(MACRON_QUESTION)
        assert "Macron" in " ".join(turn.locator(".ac-quote").all_inner_texts())
        header = turn.locator(".ac-src").first
        assert header.locator(".ac-title").inner_text().strip()
        assert header.locator(".ac-path").inner_text().endswith(".txt")

        turn = w.ask(FOLLOW_UP)
        assert "NATO troops" in turn.locator(".ac-resolved").inner_text()
        assert "Russia" in " ".join(turn.locator(".ac-quote").all_inner_texts())
        assert page.locator(INPUT).first.is_enabled()
        page.screenshot(path=str(ARTIFACTS / "chat.png"))

        check_article_panel(w, turn.locator(".ac-src").first, real_index.corpus)
        page.screenshot(path=str(ARTIFACTS / "article.png"))

        # the settings reach the engine: one quote per answer
        page.get_by_role("tab", name="Settings").click()
        k = page.locator("#ac-k input[type=number]")
        k.wait_for(state="visible")
        # the slider follows the number box once the component has taken the value; typed
        # while the tab was still mounting, the value was sometimes reset to 5 (a fixed 300 ms
        # wait, then waiting for the slider alone, each failed about 1 run in 10 when busy)
        for _ in range(5):
            k.fill("1")
            k.press("Enter")
            k.blur()
            if _slider_reads(page, "1"):
                break
        assert _slider_reads(page, "1"), page.locator("#ac-k").inner_html()
        turn = w.ask(NK_QUESTION)  # (ask waits for the focus to be back in the question box)
        assert turn.locator(".ac-quote").count() == 1

        # an invalid question is answered with its message, in the chat
        turn = w.ask("   ")
        assert "empty" in turn.locator(".ac-error").inner_text()

        assert w.external == [], w.external
        assert w.dialogs == [] and w.errors == [], (w.dialogs, w.errors)
    finally:
        w.close()


# Everything visible that sticks out past the right edge of the window (a phone would scroll
# sideways, or clip it), and whether the page itself is wider than the window.
OVERFLOW_JS = """() => {
  const W = window.innerWidth, out = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect(), cs = getComputedStyle(e);
    if (r.width && r.height && r.right > W + 1 && cs.visibility !== 'hidden')
      out.push(`${e.tagName.toLowerCase()}#${e.id}.${String(e.className).split(' ')[0]}`
               + ` ${Math.round(r.left)}..${Math.round(r.right)}`);
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: W, outside: out}; }"""


def assert_fits(page: Any) -> None:
    fit = page.evaluate(OVERFLOW_JS)
    assert fit["scrollWidth"] <= fit["innerWidth"], fit
    assert fit["outside"] == [], fit


def test_phone_width_has_no_horizontal_overflow(browser: Any, chat_app: Any,
                                                 real_index: Settings) -> None:
    """390 x 844 (a phone): nothing sticks out to the right after an answer and with the
    article open; the buttons are whole and work; file names do not break mid-word."""
    w = Watched(browser, viewport={"width": 390, "height": 844}, is_mobile=True,
                has_touch=True, device_scale_factor=2)
    try:
        page = w.page
        page.goto(chat_app.url)
        w.wait_ready()
        assert_fits(page)
        for button in ("#ac-send", "#ac-clear"):
            box = page.locator(button).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (button, box)

        page.locator(INPUT).first.fill(NK_QUESTION)
        page.locator("#ac-send").click()  # a tap on the Ask button, not the Enter key
        turn = w.wait_turn(1)
        assert "12,000" in " ".join(turn.locator(".ac-quote").all_inner_texts())
        assert_fits(page)
        page.screenshot(path=str(ARTIFACTS / "phone-chat.png"))
        one_line = page.evaluate("""() => [...document.querySelectorAll('#ac-transcript .ac-path')]
          .filter((e) => e.getBoundingClientRect().height
                         > 2 * parseFloat(getComputedStyle(e).fontSize))
          .map((e) => e.textContent)""")
        assert one_line == [], f"file names broken over lines: {one_line}"
        card = turn.locator(".ac-answer").bounding_box()
        for link in turn.locator(".ac-open").all():
            box = link.bounding_box()
            assert box and box["x"] + box["width"] <= card["x"] + card["width"], box

        check_article_panel(w, turn.locator(".ac-src").first, real_index.corpus)
        assert_fits(page)
        page.screenshot(path=str(ARTIFACTS / "phone-article.png"))

        page.locator("#ac-clear").click()  # "New chat" is reachable and works
        page.wait_for_function(
            "() => !document.querySelector('#ac-transcript .ac-turn')", timeout=10_000)
        assert w.external == [] and w.errors == [], (w.external, w.errors)
    finally:
        w.close()


def test_hostile_article_stays_inert(browser: Any, chat_app: Any, tmp_path: Path) -> None:
    from askcorpus.pipeline import Pipeline
    from askcorpus.web import start

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "hostile.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    (corpus / "poland.txt").write_text(NEUTRAL_ARTICLE, encoding="utf-8")
    settings = chat_app.pipeline.settings.replace(corpus=corpus, index=tmp_path / "index")
    gate = threading.Event()
    # share the already loaded model; the index does not exist yet: it is built at start
    pipeline = Gated(Pipeline(settings, embedder=chat_app.pipeline.embedder), gate)
    app = start(settings, "127.0.0.1", free_port(), env={}, pipeline=pipeline)
    w = Watched(browser)
    try:
        page = w.page
        page.goto(app.url)
        page.wait_for_selector("#ac-status .ac-status-busy")
        w.wait_styled()
        assert page.locator(INPUT).first.is_disabled()
        assert page.locator("#ac-send").is_disabled()
        assert "Preparing the index" in page.locator("#ac-transcript").inner_text()
        assert page.locator("#ac-transcript .ac-example").count() == 0  # not the seed corpus
        page.screenshot(path=str(ARTIFACTS / "starting.png"))
        gate.set()
        w.wait_ready()
        assert "2 articles" in page.locator("#ac-status").inner_text()

        turn = w.ask('What did Iran give Russia? <img src=x onerror="window.__xss=1">')
        group = turn.locator(".ac-group", has=page.locator(".ac-path", has_text="hostile.txt"))
        assert group.count() >= 1, turn.inner_html()
        quoted = " ".join(group.first.locator(".ac-quote").all_text_contents())
        assert "Shahed" in quoted and "<img src=x onerror=" in quoted  # shown as text
        original = check_article_panel(w, group.first.locator(".ac-src"), corpus)
        assert "<script>window.__xss=1" in original
        page.wait_for_timeout(500)  # give any injected handler the chance to run
        page.screenshot(path=str(ARTIFACTS / "hostile.png"))

        assert w.dialogs == [], w.dialogs
        assert page.evaluate("() => typeof window.__xss") == "undefined"
        injected = page.evaluate("""() => {
          const areas = '#ac-transcript, #ac-article';
          const bad = [...document.querySelectorAll(areas)].flatMap((a) => [
            ...a.querySelectorAll('img, script, iframe, object, embed, a[href]')]);
          const handlers = [...document.querySelectorAll('*')].filter((e) =>
            [...e.attributes].some((at) => at.name.startsWith('on')));
          const js = [...document.querySelectorAll(
            '[href^="javascript:" i], [src^="javascript:" i]')];
          return [...bad, ...handlers, ...js].map((e) => e.outerHTML.slice(0, 120)); }""")
        assert injected == []
        assert w.external == [] and w.errors == [], (w.external, w.errors)
    finally:
        gate.set()
        w.close()
        app.close()
        shutil.rmtree(tmp_path / "index", ignore_errors=True)
