from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from askcorpus.corpus.ingest import decode, load_corpus
from askcorpus.errors import CorpusError

ARTICLE = ("Storm hits the coast\n\nA powerful storm reached the northern coast on Tuesday, "
           "cutting power to thousands of homes and closing two ports for the day.")


def _write(root: Path, rel: str, data: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def test_every_format_recursively(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", ARTICLE)
    _write(tmp_path, "deep/er/b.md", "# Markets rally\n\nShares rose sharply on Friday after "
           "the central bank signalled that interest rates would stay unchanged.")
    _write(tmp_path, "c.html", "<html><head><title>Vote</title></head><body><p>The council "
           "voted on Monday to approve the new budget for schools and roads.</p></body></html>")
    _write(tmp_path, "d.jsonl", "\n".join(json.dumps(r) for r in [
        {"id": "r1", "title": "Rail strike", "text": "Train drivers walked out on Monday over "
         "pay, stranding commuters across the region.", "source": "Wire", "date": "2024-01-02",
         "url": "https://example.org/r1"},
        {"title": "Floods", "body": "Rivers burst their banks after a week of heavy rain in "
         "the valley, forcing hundreds of families to leave."},
    ]))
    _write(tmp_path, "e.json", json.dumps({"articles": [{"headline": "Bridge opens",
           "content": "The new bridge opened to traffic on Sunday after three years of work.",
           "source": {"name": "City Paper"}}]}))
    docs, skipped = load_corpus(tmp_path)
    assert skipped == []
    by_title = {d.title: d for d in docs}
    assert set(by_title) == {"Storm hits the coast", "Markets rally", "Vote", "Rail strike",
                             "Floods", "Bridge opens"}
    assert by_title["Markets rally"].path == "deep/er/b.md"
    rail = by_title["Rail strike"]
    assert (rail.record, rail.outlet, rail.date, rail.url) == ("r1", "Wire", "2024-01-02",
                                                               "https://example.org/r1")
    assert by_title["Floods"].record == "2"
    assert by_title["Bridge opens"].outlet == "City Paper"
    for d in docs:
        assert d.spans and all(0 <= s < e <= len(d.text) for s, e in d.spans)


def test_duplicates_are_one_document_with_every_path(tmp_path: Path) -> None:
    _write(tmp_path, "x/one.txt", ARTICLE)
    _write(tmp_path, "y/two copy.txt", ARTICLE)
    _write(tmp_path, "z/ünï.txt", ARTICLE)
    docs, _ = load_corpus(tmp_path)
    assert len(docs) == 1
    assert docs[0].all_paths == ("x/one.txt", "y/two copy.txt", "z/ünï.txt")


def test_skips_with_reasons(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text(ARTICLE)
    root = tmp_path / "corpus"
    _write(root, "ok.txt", ARTICLE)
    _write(root, "image.png", b"\x89PNG\r\n")
    _write(root, "bin.txt", b"\x00\x01\x02binary")
    _write(root, "empty.txt", "   \n\n")
    _write(root, "bad.json", "{not json")
    _write(root, "mixed.jsonl", '{"text": "A fine record with enough words to be an article."}\n'
           "{broken\n" '{"title": "no text"}\n')
    os.symlink(outside, root / "link.txt")
    docs, skipped = load_corpus(root)
    reasons = {s.path: s.reason for s in skipped}
    assert len(docs) == 2
    assert reasons["image.png"].startswith("unsupported file type")
    assert reasons["bin.txt"].startswith("binary")
    assert reasons["empty.txt"] == "no text"
    assert reasons["bad.json"].startswith("invalid JSON")
    assert reasons["mixed.jsonl#2"].startswith("invalid JSON on line 2")
    assert reasons["mixed.jsonl#3"].startswith("record has no text")
    assert reasons["link.txt"].startswith("symbolic link")


@pytest.mark.parametrize("data, text, encoding", [
    ("héllo wörld".encode("utf-16"), "héllo wörld", "utf-16"),
    (b"\xef\xbb\xbfhello", "hello", "utf-8-sig"),
    ("café – naïve".encode("cp1252"), "café – naïve", "cp1252"),
    ("Ça coûte".encode("latin-1"), "Ça coûte", "cp1252"),
    (b"line\r\nbreaks\rkept", "line\r\nbreaks\rkept", "utf-8"),
])
def test_decode(data: bytes, text: str, encoding: str) -> None:
    assert decode(data) == (text, encoding)


def test_missing_and_empty_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")
    docs, skipped = load_corpus(tmp_path)
    assert docs == [] and skipped == []
