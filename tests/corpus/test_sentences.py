"""Sentence boundaries in hard-wrapped text (newswire, e-mail): a line break is not a full stop."""

from __future__ import annotations

import json

import pytest

from askcorpus.corpus.sentences import sentence_spans
from tests.conftest import SHARED_DATA

# Reuters-21578 style: ~60-character lines, paragraphs indented, the next line often capitalized
WIRE = (
    "Hillsdown Holdings Plc said its Christie-Tyler Ltd unit would\n"
    "buy the European bedding interests of Simmons Co for 23 mln\n"
    "dlrs.\n"
    "    The placing was arranged by Hill Samuel and Co at an\n"
    "Irish price of 371 pence per share, the company said.\n"
    "    BP North America is a subsidiary of British Petroleum Co\n"
    "Plc, which also owns a 55 pct interest in Standard Oil.\n"
)


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def test_wrapped_lines_join_into_sentences() -> None:
    got = _sentences(WIRE)
    assert got == [
        "Hillsdown Holdings Plc said its Christie-Tyler Ltd unit would\nbuy the European "
        "bedding interests of Simmons Co for 23 mln\ndlrs.",
        "The placing was arranged by Hill Samuel and Co at an\nIrish price of 371 pence per "
        "share, the company said.",
        "BP North America is a subsidiary of British Petroleum Co\nPlc, which also owns a 55 "
        "pct interest in Standard Oil.",
    ]


@pytest.mark.parametrize("text,expected", [
    # a headline on the first line stays apart, even when it is long
    ("Ukraine War Intensifies as North Korean Troops Support Russia\nNorth Korean troops are "
     "reportedly aiding Russia.", 2),
    ("6 countries supported the defeat of Russian drones and missiles\nAuthor's articles", 2),
    # title-cased labels, short lines, list items and lines ending in punctuation end there
    ("The army said the talks would go on for a second week in Geneva\nKey Details\n"
     "The talks began on Monday.", 3),
    ("Exports rose sharply in the first quarter of the year, it said:\n- wheat 12 pct\n"
     "- maize 8 pct", 3),
    ("Short line\nAnother short line", 2),
])
def test_line_breaks_that_end_something_are_kept(text: str, expected: int) -> None:
    assert len(sentence_spans(text)) == expected, _sentences(text)


def test_offsets_stay_verbatim_in_wrapped_text() -> None:
    for s, e in sentence_spans(WIRE):
        assert WIRE[s:e] == WIRE[s:e].strip() and WIRE[s:e]


REUTERS = SHARED_DATA / "news" / "reuters21578" / "reuters21578.jsonl"


@pytest.mark.skipif(not REUTERS.exists(), reason="../shared/data is not beside the repository")
def test_reuters_bodies_are_not_cut_at_every_line() -> None:
    """On real newswire, sentences span lines: fragments like "said." were quotes before."""
    bodies = []
    with REUTERS.open(encoding="utf-8") as fh:
        for line in fh:
            body = json.loads(line).get("body") or ""
            if body.count("\n") >= 5:
                bodies.append(body)
            if len(bodies) == 300:
                break
    spans = [(b, s, e) for b in bodies for s, e in sentence_spans(b)]
    tiny = [b[s:e] for b, s, e in spans if len(b[s:e].split()) <= 2 and b[s:e].endswith(".")]
    assert len(tiny) / len(spans) < 0.02, tiny[:10]
    multi = sum("\n" in b[s:e] for b, s, e in spans)
    assert multi / len(spans) > 0.5  # most newswire sentences are wrapped over lines
