"""The web chat's pure render functions: escaping, highlighting, grouping, layouts."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from askcorpus.types import Answer, DocInfo, Quote
from askcorpus.web import render

PAYLOADS = [
    "<script>window.__xss=1;alert(1)</script>",
    "<img src=x onerror=\"window.__xss=1;alert(1)\">",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">link</a>',
    "${window.__xss=1}",
    "\"><svg onload=alert(1)>",
]
HOSTILE = " ".join(PAYLOADS)
# every tag render.py itself writes; anything else in the output came from the data
OUR_TAGS = {"div", "span", "strong", "em", "q", "mark", "button", "code", "section", "figure",
            "blockquote", "figcaption", "h2", "h3", "h4", "p", "article", "header", "a",
            "table", "tr", "th", "td", "ul", "li", "progress", "svg", "path"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Tags:
    p = _Tags()
    p.feed(markup)
    p.close()
    return p


def assert_inert(markup: str) -> None:
    """Only our tags, no event-handler attributes, no script-ish urls, payloads as text."""
    tags = parse(markup)
    for tag, attrs in tags.tags:
        assert tag in OUR_TAGS, f"unexpected <{tag}> in output"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"event handler {name} on <{tag}>"
            if name in ("href", "src"):
                assert value and value.startswith(("http://", "https://")), value
    assert "<script" not in markup.lower() and "<img" not in markup.lower()
    assert "javascript:" not in " ".join(
        str(v) for _, a in tags.tags for k, v in a.items() if k in ("href", "src"))


def quote(text: str = "Zelensky confirmed that 12,000 troops may be involved.", *,
          doc_id: str = "d1", start: int = 100, span: tuple[int, int] | None = None,
          **extra: Any) -> dict[str, Any]:
    s, e = span if span else (start, start + len(text))
    q = {"text": text, "path": f"{doc_id}.txt", "start": start, "end": start + len(text),
         "span_start": s, "span_end": e, "title": f"Title of {doc_id}", "outlet": "Example News",
         "date": "2024-11-02", "url": None, "record": None, "doc_id": doc_id,
         "paths": [f"{doc_id}.txt"], "score": 0.5, "flags": [], "flag_terms": []}
    q.update(extra)
    return q


def answered(*quotes: dict[str, Any], **extra: Any) -> dict[str, Any]:
    a = {"question": "q?", "answered": True, "message": "", "confidence": 0.6,
         "quotes": list(quotes), "related": [], "mode": "hybrid"}
    a.update(extra)
    return a


# ------------------------------------------------------------------------------ escaping
def test_hostile_article_strings_render_inert_in_an_answer() -> None:
    q = quote(f"Troops arrived. {HOSTILE}", doc_id='x"><img src=x onerror=alert(1)>',
              title=HOSTILE, outlet=HOSTILE, date=HOSTILE, url="javascript:alert(1)",
              author=HOSTILE, path=HOSTILE, paths=[HOSTILE, "b.txt"], flags=["unconfirmed"],
              flag_terms=["<img src=x onerror=alert(1)>"])
    out = render.render_answer(answered(q, question=HOSTILE, resolved_question=HOSTILE))
    assert_inert(out)
    assert "&lt;script&gt;" in out and "&lt;img src=x onerror=" in out
    # the markdown-looking payloads stay literal text: no link is ever made of them
    assert "[click](javascript:alert(1))" in "".join(parse(out).text)


def test_hostile_strings_render_inert_in_the_article_panel() -> None:
    text = f"Intro. {HOSTILE} Iran supplied drones to Russia. {HOSTILE}"
    start = text.index("Iran")
    article = {"doc_id": "<b>id</b>", "title": HOSTILE, "outlet": HOSTILE, "date": HOSTILE,
               "author": HOSTILE,
               "url": "javascript:alert(1)", "path": HOSTILE, "paths": [HOSTILE],
               "record": HOSTILE, "text": text}
    out = render.render_article(article, [render.Span(start, start + 35, start, start + 20)])
    assert_inert(out)
    assert "<a " not in out  # a javascript: url never becomes a link
    plain = html.unescape(re.sub(r"<[^>]+>", "", out))
    assert text in plain  # the whole article, verbatim


def test_hostile_question_and_error_messages_are_escaped() -> None:
    turns = [{"question": HOSTILE, "answer": None, "error": HOSTILE},
             {"question": HOSTILE, "answer": {"question": HOSTILE, "error": HOSTILE}},
             {"question": HOSTILE, "answer": None, "error": None}]
    out = render.render_transcript(turns)
    assert_inert(out)
    assert out.count("&lt;script&gt;") >= 3


@pytest.mark.parametrize(("url", "ok"), [
    ("https://www.reuters.com/world/x?a=1&b=2", True), ("http://example.org", True),
    ("javascript:alert(1)", False), (" JavaScript:alert(1)", False), ("data:text/html,x", False),
    ("//evil.example/x", False), ("https://", False), ("java\nscript:alert(1)", False),
    ("https://exa mple.org", False), (None, False), (42, False), ("vbscript:x", False),
])
def test_safe_url_allows_only_http_and_https(url: object, ok: bool) -> None:
    assert (render.safe_url(url) is not None) is ok


def test_article_link_is_escaped_and_only_for_http() -> None:
    out = render.render_article({"doc_id": "d", "title": "t", "text": "abc",
                                 "url": 'https://e.org/?q="><script>x</script>'})
    links = [a for t, a in parse(out).tags if t == "a"]
    assert len(links) == 1
    assert links[0]["href"] == 'https://e.org/?q="><script>x</script>'  # data, not markup
    assert links[0]["rel"] == "noopener noreferrer nofollow"
    assert_inert(out)


# ------------------------------------------------------------------------------ highlighting
def test_mark_wraps_exactly_the_answering_span() -> None:
    text = "Germany said it would help. As many as 12,000 troops may be involved. More."
    offset = 500
    s = offset + text.index("As many")
    e = offset + text.index(" More")
    out = render.highlight(text, offset, s, e)
    marks = re.findall(r"<mark>(.*?)</mark>", out)
    assert marks == ["As many as 12,000 troops may be involved."]
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == text


@pytest.mark.parametrize(("s", "e"), [(None, None), (10, 10), (0, 5), (900, 950)])
def test_no_mark_when_the_span_is_missing_empty_or_outside(s: Any, e: Any) -> None:
    out = render.highlight("Plain <quote> text.", 100, s, e)
    assert "<mark>" not in out
    assert out == "Plain &lt;quote&gt; text."


def test_mark_is_clipped_to_the_quote() -> None:
    out = render.highlight("abcdef", 10, 8, 13)  # starts before, ends inside
    assert re.findall(r"<mark>(.*?)</mark>", out) == ["abc"]


def test_article_marks_every_quote_span_and_focuses_the_chosen_one() -> None:
    text = "A<b> first sentence. The answer is here. Middle & more. Second answer here. End."
    a1 = text.index("The answer")
    a2 = text.index("Second")
    spans = [render.Span(text.index("first"), a1 + 20, a1, a1 + 19),
             render.Span(a2, a2 + 20, None, None)]  # no span: the whole quote is marked
    out = render.mark_article_text(text, spans, focus=1)
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == text
    marks = [html.unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", out)]
    assert marks == [text[a1:a1 + 19], text[a2:a2 + 20]]
    focused = [html.unescape(m) for m in re.findall(r'<mark class="ac-focus">(.*?)</mark>', out)]
    assert focused == [text[a2:a2 + 20]]
    assert out.startswith("A&lt;b&gt; <span")


def test_article_offsets_outside_the_text_are_clipped_not_fatal() -> None:
    out = render.mark_article_text("short text", [render.Span(5, 10_000, 6, 9_999),
                                                  render.Span(50, 60)])
    assert re.findall(r"<mark[^>]*>(.*?)</mark>", out) == ["text"]


def test_spans_round_trip_and_garbage_is_dropped() -> None:
    spans = [render.Span(1, 5, 2, 4), render.Span(10, 20, None, None)]
    assert render.decode_spans(render.encode_spans(spans)) == spans
    assert render.decode_spans("1:2:3;x:y:z:w;5:3::;-1:4::;7:9::;" + "1:2::;" * 50) == \
        [render.Span(7, 9)] + [render.Span(1, 2)] * (render.MAX_SPANS - 5)
    assert render.decode_spans(None) == [] and render.decode_spans(12) == []


# ------------------------------------------------------------------------------ grouping
def test_quotes_are_grouped_by_article_in_order_of_first_appearance() -> None:
    qs = [quote("One from B here.", doc_id="B"), quote("One from A here.", doc_id="A"),
          quote("Two from B here.", doc_id="B", start=300)]
    groups = render.group_quotes(qs)
    assert [g.doc_id for g in groups] == ["B", "A"]
    assert [q["text"] for q in groups[0].quotes] == ["One from B here.", "Two from B here."]
    out = render.render_answer(answered(*qs))
    headers = re.findall(r'<button type="button" class="ac-src" data-doc="(\w)"', out)
    assert headers == ["B", "A"]
    assert out.index("Two from B") < out.index("One from A")  # B's quotes stay together


def test_articles_key_orders_the_groups_when_the_engine_gives_it() -> None:
    qs = [quote("From A.", doc_id="A"), quote("From B.", doc_id="B")]
    arts = [{"doc_id": "B", "title": "B's own title", "outlet": "B outlet", "date": None,
             "paths": ["b.txt"]}, {"doc_id": "A", "title": "A", "paths": ["a.txt"]},
            {"doc_id": "C", "title": "not quoted"}]
    groups = render.group_quotes(qs, arts)
    assert [g.doc_id for g in groups] == ["B", "A"]
    assert groups[0].info["title"] == "B's own title"


def test_source_header_carries_outlet_title_date_path_and_offsets() -> None:
    q1 = quote("First.", doc_id="d9", start=10, span=(10, 16))
    q2 = quote("Second one.", doc_id="d9", start=40, span=(41, 47), paths=["a.txt", "b.txt"])
    out = render.render_answer(answered(q1, q2))
    tags = parse(out).tags
    src = [a for t, a in tags if t == "button" and a.get("class") == "ac-src"]
    assert len(src) == 1
    assert src[0]["data-doc"] == "d9"
    assert render.decode_spans(src[0]["data-spans"]) == [render.Span(10, 16, 10, 16),
                                                         render.Span(40, 51, 41, 47)]
    for needed in ("Example News", "Title of d9", "2024-11-02", "d9.txt"):
        assert needed in out
    locate = [a for t, a in tags if t == "button" and a.get("class") == "ac-locate"]
    assert [a["data-focus"] for a in locate] == ["1"]  # the 2nd quote gets its own link
    assert len(re.findall(r"<blockquote", out)) == 2


def test_source_header_and_article_panel_carry_the_author() -> None:
    """The byline beside outlet and date, "by" in front unless it says so; none: nothing."""
    out = render.render_answer(answered(quote("First.", doc_id="a1", author="Maria Lopez"),
                                        quote("Second.", doc_id="a2", author="By JOHN SMITH"),
                                        quote("Third.", doc_id="a3", author=None),
                                        quote("Fourth.", doc_id="a4")))
    authors = re.findall(r'<span class="ac-author">(.*?)</span>', out)
    assert authors == ["by Maria Lopez", "By JOHN SMITH"]
    top = re.search(r'<span class="ac-src-top">(.*?)</span><span class="ac-title">', out).group(1)
    assert [m for m in re.findall(r'class="ac-(\w+)"', top)] == ["outlet", "author", "date", "path"]
    panel = render.render_article({"doc_id": "a1", "title": "T", "outlet": "O",
                                   "author": "Maria <Lopez>", "date": "D", "path": "a1.txt",
                                   "paths": ["a1.txt"], "text": "Body."})
    assert '<span class="ac-author">by Maria &lt;Lopez&gt;</span>' in panel
    assert "ac-author" not in render.render_article({"title": "T", "text": "Body."})


def test_a_real_quote_dict_carries_the_author_key() -> None:
    info = DocInfo(id="abc", path="a.txt", title="T", format="txt", author="Maria Lopez")
    bare = DocInfo(id="def", path="b.txt", title="T", format="txt")
    q = Quote(text="x", doc=info, start=0, end=1, score=0.5).to_dict()
    assert q["author"] == "Maria Lopez"
    assert "author" in (d := Quote(text="y", doc=bare, start=0, end=1, score=0.5).to_dict())
    assert d["author"] is None
    assert "by Maria Lopez" in render.render_answer(answered(q))


# ------------------------------------------------------------------------------ layouts
def test_no_answer_layout_shows_the_verdict_and_related_passages_apart() -> None:
    rel = [quote("Something nearby.", doc_id="r1"), quote("Also nearby.", doc_id="r2")]
    out = render.render_answer({"question": "q", "answered": False,
                                "message": "No article in the corpus answers this.",
                                "confidence": 0.2, "quotes": [], "related": rel})
    assert "No article in the corpus answers this." in out
    assert "Related passages (do not answer the question)" in out
    assert out.index("No article") < out.index("Related passages") < out.index("Something")
    assert "agree" not in out and "ac-agree" not in out
    assert out.count("ac-group ac-group-related") == 2
    bare = render.render_answer({"question": "q", "answered": False, "quotes": [],
                                 "related": [], "message": ""})
    assert "No article in the corpus answers this." in bare and "Related passages" not in bare


def test_agree_count_is_distinct_articles_or_the_engines_number() -> None:
    qs = [quote("a.", doc_id="A"), quote("b.", doc_id="B"), quote("a2.", doc_id="A", start=9)]
    assert render.agree_count(answered(*qs)) == 2
    assert "2 articles agree" in render.render_answer(answered(*qs))
    assert "1 article answers" in render.render_answer(answered(qs[0]))
    assert render.agree_count(answered(*qs, agree_count=5)) == 5
    assert "5 articles agree" in render.render_answer(answered(*qs, agree_count=5))
    assert render.agree_count({"answered": False, "quotes": qs}) == 0


def test_flags_stance_and_disputed_labels() -> None:
    q = quote("Russia reportedly moved troops, according to officials.", doc_id="A",
              flags=["unconfirmed", "attributed"],
              flag_terms=["reportedly", "according to officials"], stance="disputes")
    out = render.render_answer(answered(q, quote("Yes.", doc_id="B", stance="supports"),
                                        disputed=True))
    chips = re.findall(r'<span class="ac-chip [^"]+"[^>]*>(.*?)</span>', out)
    assert chips == ["disputes", "unconfirmed: reportedly", "attributed: according to officials",
                     "supports"]
    assert "disputed: the articles disagree" in out
    assert "ac-quote ac-quote-disputes" in out


def test_flag_labels_without_terms_and_unknown_flags() -> None:
    assert render.flag_labels(["attributed"], []) == [("attributed", "attributed")]
    assert render.flag_labels(["forecast", "unconfirmed"], ["Russia is expected to"]) == \
        [("unconfirmed", "unconfirmed: Russia is expected to")]


def test_render_accepts_the_real_answer_to_dict() -> None:
    info = DocInfo(id="abc", path="003.txt", title="North Korean <Troops>", format="txt",
                   outlet="www.independent.co.uk", paths=("003.txt",))
    text = "as many as 12,000 troops may be involved."
    a = Answer(question="How many?", answered=True, quotes=(
        Quote(text=text, doc=info, start=700, end=700 + len(text), score=0.6,
              span_start=700, span_end=700 + len(text), flags=("unconfirmed",),
              flag_terms=("may be involved",)),), confidence=0.6, extra={"mode": "hybrid"})
    out = render.render_answer(a.to_dict())
    assert "1 article answers" in out and "North Korean &lt;Troops&gt;" in out
    assert "<mark>as many as 12,000 troops may be involved.</mark>" in out
    assert "unconfirmed: may be involved" in out
    assert_inert(out)


def test_transcript_welcome_examples_and_pending_turn() -> None:
    welcome = render.render_transcript([], ["Who <b>?", "What?"], documents=5, ready=False)
    buttons = [a for t, a in parse(welcome).tags if t == "button"]
    assert [b["data-example"] for b in buttons] == ["Who <b>?", "What?"]
    assert all("disabled" in b for b in buttons)
    assert "Ask 5 news articles" in welcome
    busy = {"phase": "indexing", "message": "Embedding passages: 5/20 chunks", "done": 5,
            "total": 20, "ready": False}
    preparing = render.render_transcript([], ["Q?"], ready=False, status=busy)
    assert "Preparing the index" in preparing and "Embedding passages: 5/20" in preparing
    assert 'value="5" max="20"' in preparing
    failed = render.render_transcript([], [], ready=False,
                                      status={"phase": "error", "message": "no <articles>"})
    assert "not available" in failed and "no &lt;articles&gt;" in failed
    assert "Preparing" not in render.render_transcript([], [], ready=True, status=busy)
    pending = render.render_transcript([{"question": "Q1", "answer": None, "error": None}])
    assert "Searching the articles" in pending and "Q1" in pending


def test_status_line_progress_ready_and_error() -> None:
    busy = render.render_status({"phase": "indexing", "message": "Embedding passages: 5/20",
                                 "done": 5, "total": 20, "ready": False})
    assert '<progress class="ac-progress" value="5" max="20"' in busy and "25%" in busy
    ready = render.render_status({"phase": "ready", "message": "Ready · 5 articles",
                                  "ready": True, "warning": "index not updated: <x>"})
    assert "ac-status-ready" in ready and "&lt;x&gt;" in ready
    err = render.render_status({"phase": "error", "message": "corpus/ is empty <b>",
                                "ready": False})
    assert "ac-status-error" in err and "&lt;b&gt;" in err and "<progress" not in err


def test_stats_panel_lists_counts_model_and_articles() -> None:
    out = render.render_stats({"documents": 2, "chunks": 7, "model": "m<1>", "dim": 384,
                               "built_at": "2026-01-01T00:00:00+00:00", "vector_index": "flat",
                               "generation": "gen-00000002", "outlets": [],
                               "articles": [{"doc_id": "a", "title": "<T>", "paths": ["a.txt"],
                                             "outlet": "O"}]})
    for needed in ("Articles", ">2<", ">7<", "m&lt;1&gt;", "2026-01-01", "&lt;T&gt;", "a.txt"):
        assert needed in out
    assert "not ready" in render.render_stats(None)
    assert_inert(out)
