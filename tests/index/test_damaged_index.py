"""A damaged index is one clear error that says how to rebuild it, never a crash, a segfault
or a silent wrong answer; `askcorpus index` repairs it.

The manifest records the size and SHA-256 of every file of its generation
(index/store/folder.py), so any truncation or flipped byte in the vectors, the SQLite file or
the BM25 arrays is caught when the index is opened, before FAISS or SQLite read it.
tests/index/test_index.py covers the basic cases;
this adds byte-level damage, every file, the CLI in a subprocess (exit status, one stderr line,
no signal) and the web app repairing at start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from askcorpus.errors import IndexCorruptError, IndexMissingError
from askcorpus.index.build import build_index
from askcorpus.index.store.folder import (
    CURRENT,
    MANIFEST,
    REBUILD_HINT,
    SCHEMA_VERSION,
    open_index,
)
from askcorpus.pipeline import Pipeline
from tests.conftest import api_client, ask_api, start_live_app
from tests.fakes import FakeEmbedder, word_counter

QUESTIONS = ["How many North Korean troops may be involved?", "What did Iran provide to Russia?"]

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


def _gen(index: Path) -> Path:
    return index / (index / CURRENT).read_text().strip()


def truncate(rel: str, fraction: float) -> Callable[[Path], None]:
    def damage(index: Path) -> None:
        p = _gen(index) / rel
        data = p.read_bytes()
        p.write_bytes(data[:int(len(data) * fraction)])
    return damage


def flip(rel: str, fraction: float, n: int = 16) -> Callable[[Path], None]:
    def damage(index: Path) -> None:
        p = _gen(index) / rel
        data = bytearray(p.read_bytes())
        at = min(int(len(data) * fraction), len(data) - 1)
        for i in range(at, min(len(data), at + n)):
            data[i] ^= 0x5A
        p.write_bytes(bytes(data))
    return damage


def remove(rel: str) -> Callable[[Path], None]:
    def damage(index: Path) -> None:
        p = _gen(index) / rel
        shutil.rmtree(p) if p.is_dir() else p.unlink()
    return damage


def edit_manifest(change: Callable[[dict[str, Any]], Any]) -> Callable[[Path], None]:
    def damage(index: Path) -> None:
        p = _gen(index) / MANIFEST
        m = json.loads(p.read_text())
        change(m)
        p.write_text(json.dumps(m))
    return damage


def pointer(data: bytes) -> Callable[[Path], None]:
    def damage(index: Path) -> None:
        (index / CURRENT).write_bytes(data)
    return damage


def _bm25_files() -> list[str]:
    return ["data.csc.index.npy", "indices.csc.index.npy", "indptr.csc.index.npy",
            "params.index.json", "vocab.index.json"]


DAMAGE: dict[str, Callable[[Path], None]] = {
    **{f"faiss-truncated-{f}": truncate("vectors.faiss", f) for f in (0.0, 0.02, 0.5, 0.999)},
    **{f"faiss-flipped-{f}": flip("vectors.faiss", f) for f in (0.0, 0.1, 0.6, 1.0)},
    **{f"sqlite-truncated-{f}": truncate("chunks.sqlite", f) for f in (0.0, 0.5, 0.95)},
    **{f"sqlite-flipped-{f}": flip("chunks.sqlite", f, 256) for f in (0.0, 0.3, 0.6, 0.9)},
    "sqlite-garbage": lambda ix: (_gen(ix) / "chunks.sqlite").write_bytes(b"garbage" * 999),
    **{f"bm25-flipped-{n}": flip(f"bm25/{n}", 0.5) for n in _bm25_files()},
    **{f"bm25-truncated-{n}": truncate(f"bm25/{n}", 0.5) for n in _bm25_files()},
    **{f"bm25-missing-{n}": remove(f"bm25/{n}") for n in _bm25_files()},
    "missing-vectors": remove("vectors.faiss"),
    "missing-sqlite": remove("chunks.sqlite"),
    "missing-bm25": remove("bm25"),
    "missing-manifest": remove(MANIFEST),
    "manifest-truncated": truncate(MANIFEST, 0.5),
    "manifest-not-an-object": lambda ix: (_gen(ix) / MANIFEST).write_text("[1, 2]"),
    "manifest-newer-schema": edit_manifest(lambda m: m.update(schema_version=SCHEMA_VERSION + 1)),
    "manifest-no-schema": edit_manifest(lambda m: m.pop("schema_version")),
    "manifest-wrong-sizes": edit_manifest(
        lambda m: m["files"]["vectors.faiss"].update(bytes=1)),
    "manifest-wrong-counts": edit_manifest(lambda m: m["counts"].update(chunks=10**6)),
    "missing-generation": lambda ix: shutil.rmtree(_gen(ix)),
    "pointer-empty": pointer(b""),
    "pointer-binary": pointer(b"\xff\xfe\x00\x01"),
    "pointer-escapes": pointer(b"../../etc\n"),
    "pointer-to-nothing": pointer(b"gen-99999999\n"),
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[Any]]:
    base = tmp_path_factory.mktemp("pristine")
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    settings = Settings(corpus=corpus, index=base / "index")
    build_index(settings, FakeEmbedder(), word_counter)
    return settings, _answers(settings)


class CountingFake(FakeEmbedder):
    """The fake embedder, and the fake word counter for whoever indexes with it (the app)."""

    count_tokens = staticmethod(word_counter)


def _answers(settings: Settings) -> list[Any]:
    p = Pipeline(settings, embedder=FakeEmbedder())
    try:
        return [[(q.doc.path, q.start, q.end, q.text) for q in p.ask(x).quotes]
                for x in QUESTIONS]
    finally:
        p.close()


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_damage_is_one_clear_error_then_index_repairs(pristine: tuple[Settings, list[Any]],
                                                      tmp_path: Path, damage: str) -> None:
    base, answers = pristine
    settings = base.replace(index=tmp_path / "index")
    shutil.copytree(base.index, settings.index)
    DAMAGE[damage](settings.index)
    p = Pipeline(settings, embedder=FakeEmbedder())
    try:
        for call in (lambda: p.ask(QUESTIONS[0]), p.stats):
            with pytest.raises((IndexCorruptError, IndexMissingError)) as e:
                call()
            message = str(e.value)
            assert "\n" not in message and "askcorpus index" in message, message
            if isinstance(e.value, IndexCorruptError):
                assert REBUILD_HINT in message or "upgrade askcorpus" in message
    finally:
        p.close()
    summary = build_index(settings, FakeEmbedder(), word_counter)  # what `askcorpus index` does
    assert summary.documents == 5 and not summary.up_to_date
    assert _answers(settings) == answers  # repaired: exactly the answers of the intact index
    open_index(settings.index).close()


def test_an_index_without_checksums_still_opens(pristine: tuple[Settings, list[Any]],
                                                tmp_path: Path) -> None:
    """Indexes written before checksums were recorded: opened as before (no check)."""
    base, answers = pristine
    settings = base.replace(index=tmp_path / "index")
    shutil.copytree(base.index, settings.index)
    edit_manifest(lambda m: m.pop("files"))(settings.index)
    assert _answers(settings) == answers


def test_the_web_app_repairs_a_damaged_index_at_start(pristine: tuple[Settings, list[Any]],
                                                       tmp_path: Path) -> None:
    base, answers = pristine
    settings = base.replace(index=tmp_path / "index")
    shutil.copytree(base.index, settings.index)
    flip("vectors.faiss", 0.5)(settings.index)
    app = start_live_app(settings, pipeline=Pipeline(settings, embedder=CountingFake()),
                         ready_timeout=120)
    client = api_client(app)
    try:
        result = ask_api(client, QUESTIONS[0])
    finally:
        client.close()
        app.close()
    assert [(q["path"], q["start"], q["end"], q["text"]) for q in result["quotes"]] == answers[0]


# ------------------------------------------------------------------------------ the CLI
CLI_DAMAGE = ["faiss-truncated-0.5", "faiss-flipped-0.6", "sqlite-flipped-0.6",
              "sqlite-garbage", "bm25-flipped-indices.csc.index.npy", "manifest-newer-schema",
              "missing-vectors", "pointer-binary"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    return subprocess.run([sys.executable, "-m", "askcorpus", *args], capture_output=True,
                          text=True, env=env, timeout=600)


@pytest.mark.integration
def test_cli_on_damaged_real_indexes(real_index: Settings, tmp_path: Path) -> None:
    """`askcorpus ask` and `info` in a subprocess: exit status 1 (never a signal: no
    segfault), exactly one stderr line saying how to rebuild; `askcorpus index` repairs."""
    for damage in CLI_DAMAGE:
        index = tmp_path / damage
        shutil.copytree(real_index.index, index)
        DAMAGE[damage](index)
        proc = _cli("ask", QUESTIONS[0], "--index", str(index), "--json")
        assert proc.returncode == 1, (damage, proc.returncode, proc.stderr[-500:])
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (damage, proc.stderr)
        assert "askcorpus index" in lines[0] and "Traceback" not in proc.stderr, damage
        assert proc.stdout == ""
    info = _cli("info", "--index", str(tmp_path / "pointer-binary"))
    assert info.returncode == 1 and len(info.stderr.strip().splitlines()) == 1
    index = tmp_path / "faiss-truncated-0.5"
    repair = _cli("index", "--corpus", str(real_index.corpus), "--index", str(index), "--json")
    assert repair.returncode == 0, repair.stderr
    summary = json.loads(repair.stdout)
    assert summary["rebuilt"].startswith("previous index unusable") and summary["documents"] == 5
    proc = _cli("ask", QUESTIONS[0], "--index", str(index), "--json")
    assert proc.returncode == 0, proc.stderr
    assert any("12,000" in q["text"] for q in json.loads(proc.stdout)["quotes"])


# ------------------------------------------------------------------------------ failed writes
@pytest.mark.parametrize("failure", ["faiss-disk-full", "bm25-disk-full", "sqlite-io-error"])
def test_a_failed_write_is_one_error_and_leaves_the_old_index(
        pristine: tuple[Settings, list[Any]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        failure: str) -> None:
    """Disk full or an I/O error while writing a generation: one AskCorpusError, the partial
    generation removed, the previous index still live and answering, the lock released."""
    import errno
    import sqlite3

    import faiss

    from askcorpus.errors import AskCorpusError
    from askcorpus.index.lexical import Lexical

    base, answers = pristine
    settings = base.replace(index=tmp_path / "index")
    shutil.copytree(base.index, settings.index)

    def disk_full(*_: Any, **__: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failure == "faiss-disk-full":
        monkeypatch.setattr(faiss, "write_index", lambda *_: (_ for _ in ()).throw(RuntimeError(
            "Error in faiss::FileIOWriter: write error: No space left on device")))
    elif failure == "bm25-disk-full":
        monkeypatch.setattr(Lexical, "save", disk_full)
    else:
        real_connect = sqlite3.connect

        class Failing:
            def __init__(self, *a: Any, **k: Any) -> None:
                self.db = real_connect(*a, **k)

            def __getattr__(self, name: str) -> Any:
                return getattr(self.db, name)

            def __enter__(self) -> Any:
                return self

            def __exit__(self, *exc: Any) -> None:
                self.db.__exit__(*exc)

            def executemany(self, *_: Any) -> None:
                raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr("askcorpus.index.store.folder.sqlite3.connect", Failing)
    with pytest.raises(AskCorpusError, match="cannot write the index") as e:
        build_index(settings, FakeEmbedder(), word_counter, rebuild=True)
    assert "\n" not in str(e.value) and "unchanged" in str(e.value)
    monkeypatch.undo()
    assert not [p for p in settings.index.iterdir() if p.name.startswith("tmp-")]
    assert _answers(settings) == answers  # the old generation, still live
    build_index(settings, FakeEmbedder(), word_counter, rebuild=True)  # lock released


def test_an_index_path_that_is_a_file_is_one_error(tmp_path: Path) -> None:
    from askcorpus.errors import AskCorpusError

    blocker = tmp_path / "index"
    blocker.write_text("not a folder")
    settings = Settings(corpus=Path(__file__).resolve().parents[2] / "corpus", index=blocker)
    with pytest.raises(AskCorpusError, match="cannot write the index folder"):
        build_index(settings, FakeEmbedder(), word_counter)
