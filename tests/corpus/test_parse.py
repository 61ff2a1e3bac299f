from __future__ import annotations

from pathlib import Path

import pytest

from askcorpus.corpus.parse import html_to_article, parse_article
from askcorpus.corpus.sentences import sentence_spans

SEEDS = Path(__file__).resolve().parents[2] / "corpus"
FURNITURE = ("Share This Article", "2 Min Read", "Author's articles", "Author’s articles",
             "Blog and articles", "NATO, Russia flags")


def _seed(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


@pytest.mark.parametrize("name, title, outlet", [
    ("000", "NATO has been a strong supporter of Ukraine since Russia invaded in…", None),
    ("002", "The West wants to punish Moscow! 6 countries supported the defeat of Russian drones "
            "and missiles", None),
    ("003", "Ukraine War Intensifies as North Korean Troops Support Russia",
     "www.independent.co.uk"),
    ("004", "A direct confrontation between Russia and NATO is possible", "Egypt Daily News"),
])
def test_seed_metadata(name: str, title: str, outlet: str | None) -> None:
    parsed = parse_article(_seed(name))
    assert parsed.title == title
    assert parsed.outlet == outlet


@pytest.mark.parametrize("name", ["000", "001", "002", "003", "004"])
def test_furniture_is_never_quotable(name: str) -> None:
    text = _seed(name)
    parsed = parse_article(text)
    assert parsed.spans
    quotable = "\n".join(text[s:e] for s, e in parsed.spans)
    for junk in FURNITURE:
        assert junk not in quotable
    assert "Editor" not in [line.strip() for line in quotable.splitlines()]
    assert quotable.count(parsed.title or "") <= 1  # repeated headlines dropped


def test_dateline_and_date() -> None:
    text = ("Ceasefire talks resume\nMarch 3, 2024\n\nKYIV, Ukraine (AP) — Negotiators met again "
            "on Monday in the capital to discuss the terms of a ceasefire along the front line.")
    p = parse_article(text)
    assert p.outlet == "AP"
    assert p.date == "March 3, 2024"
    assert "March 3, 2024" not in "".join(text[s:e] for s, e in p.spans)  # a dateline label


def test_markdown_title() -> None:
    p = parse_article("# Big news today\n\nSomething happened in the city yesterday, and many "
                      "people came out to see what it was all about.", markdown=True)
    assert p.title == "Big news today"


def test_html_visible_text_only() -> None:
    html = """<html><head><title>T</title><meta property="og:site_name" content="Daily Planet">
    <meta property="article:published_time" content="2024-05-01"><script>alert(1)</script>
    <style>p{color:red}</style></head><body><nav>Home | World</nav><h1>Heading &amp; more</h1>
    <p>First <b>bold</b> paragraph.</p><p>Second one.</p><footer>(c) 2024</footer></body></html>"""
    art = html_to_article(html)
    assert "alert" not in art.text and "color" not in art.text and "Home" not in art.text
    assert "First bold paragraph." in art.text
    assert art.title == "Heading & more"
    assert art.outlet == "Daily Planet" and art.date == "2024-05-01"


def test_sentences_keep_abbreviations_together() -> None:
    text = "NATO and U.S. forces met Mr. Smith. It was 3.5 km away! Was it? Yes.\nHeading\nNext."
    got = [text[s:e] for s, e in sentence_spans(text)]
    assert got == ["NATO and U.S. forces met Mr. Smith.", "It was 3.5 km away!", "Was it?",
                   "Yes.", "Heading", "Next."]
