"""`ask --format markdown`: the Markdown renders (CommonMark, markdown-it) as the quotes verbatim,
each in a block quote with its source line; article text never becomes markup."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from markdown_it import MarkdownIt

from askcorpus.answer.markdown import answer_markdown, escape

HOSTILE = [
    "Plain text, with “curly quotes” and a figure of 12,000.",
    "*not emphasis* _nor this_ **nor** `code` ~~strike~~ <b>bold</b> <script>x()</script>",
    "[a link](javascript:alert(1)) ![img](http://x/y.png) <http://auto.link> &amp; &#60; &copy;",
    "# not a heading",
    "1. not a list\n- nor this\n+ nor this\n> nor a quote\n=== \n---\n    not code",
    "2024. A year opens the line. | a | table |\n|---|---|",
    "back\\slash\\ at the end\\",
]


def quote(text: str, **kw: Any) -> dict[str, Any]:
    return {"text": text, "path": "003_40e451d91cf98c43.txt", "start": 698,
            "end": 698 + len(text), "title": "Ukraine War *Intensifies*", "outlet":
            "www.independent.co.uk", "date": None, "url": None, "record": None,
            "flags": [], "flag_terms": [], **kw}


def answer(quotes: list[dict[str, Any]], answered: bool = True, **kw: Any) -> dict[str, Any]:
    return {"question": "How many troops?", "answered": answered,
            "message": "1 article says so." if answered else
            "No article in the corpus answers this.",
            "quotes": quotes if answered else [], "related": [] if answered else quotes, **kw}


def render(markdown: str) -> str:
    return MarkdownIt("commonmark").render(markdown)


def plain(fragment: str) -> str:
    """The text a reader sees: tags dropped, entities decoded, blanks collapsed."""
    inline = re.sub(r"</?(?:code|em|strong|a)\b[^>]*>", "", fragment)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def blockquotes(page: str) -> list[str]:
    return re.findall(r"<blockquote>(.*?)</blockquote>", page, re.S)


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_renders_as_itself(text: str) -> None:
    page = render(escape(text))
    assert plain(page) == " ".join(text.split())
    assert not re.search(r"<(?!/?p>|br ?/?>)", page), page  # paragraphs only: no other markup


def test_each_quote_is_a_block_quote_with_its_source() -> None:
    quotes = [quote(t) for t in HOSTILE]
    page = render(answer_markdown(answer(quotes)))
    found = blockquotes(page)
    assert len(found) == len(HOSTILE)
    for q, block in zip(quotes, found):
        first, *rest = re.findall(r"<p>(.*?)</p>", block, re.S)
        assert plain(first) == " ".join(q["text"].split())
        source = plain(rest[-1])
        assert source == ("— www.independent.co.uk · Ukraine War *Intensifies* · "
                          f"003_40e451d91cf98c43.txt, characters 698–{q['end']}")
    assert re.match(r"<h2>How many troops\?</h2>\s*<p>1 article says so\.</p>", page)
    assert not re.search(r"<(a|em|strong|script|img|h1|h3|ul|ol|pre|table|hr)\b",
                         page.split("</p>", 1)[1].replace("<em>Ukraine War", ""))


def test_flags_record_date_and_links() -> None:
    q = quote("Up to 12,000 troops may be involved.", flags=["unconfirmed", "attributed"],
              flag_terms=["may be involved", "according to Kyiv"], record="7",
              date="2024-11-05", url="https://example.org/a?b=1")
    md = answer_markdown(answer([q, quote("x", url="javascript:alert(1)")]))
    assert "> ⚑ unconfirmed, attributed: “may be involved”, “according to Kyiv”" in md
    assert "`003_40e451d91cf98c43.txt#7`, characters 698–734" in md
    page = render(md)
    assert "2024-11-05" in page
    assert page.count("<a href=") == 1 and 'href="https://example.org/a?b=1"' in page


def test_the_author_is_in_the_source_line_escaped() -> None:
    md = answer_markdown(answer([quote("x", author="Maria *Lopez*", date="2024-03-12"),
                                 quote("y", author="By JOHN SMITH"), quote("z", author=None),
                                 quote("w", author="  ")]))
    sources = [plain(re.findall(r"<p>(.*?)</p>", b, re.S)[-1])
               for b in blockquotes(render(md))]
    assert sources[0] == ("— www.independent.co.uk · Ukraine War *Intensifies* · by Maria "
                          "*Lopez* · 2024-03-12 · 003_40e451d91cf98c43.txt, characters 698–699")
    assert " · By JOHN SMITH · 003_" in sources[1]  # a byline saying "By" already: as it is
    assert all(" by " not in s.split("Intensifies*")[1] for s in sources[2:])
    assert "by Maria \\*Lopez\\*" in md


def test_not_answered_says_so_and_labels_the_closest_passages() -> None:
    md = answer_markdown(answer([quote("Near the topic.")], answered=False))
    assert "**No article in the corpus answers this.**" in md
    assert "Closest passages (they do not answer the question):" in md
    assert md.index("Closest passages") < md.index("> Near the topic.")
    bare = answer_markdown(answer([], answered=False))
    assert "No article in the corpus answers this." in bare and "Closest" not in bare


def test_a_follow_up_shows_how_it_was_read() -> None:
    md = answer_markdown(answer([quote("x")], resolved_question="How did *Russia* react?"))
    assert "*Read as: How did \\*Russia\\* react?*" in md
