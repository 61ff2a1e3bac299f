"""Writers and readers at the same time, across processes.

- Two `askcorpus index` runs on one index folder: the second fails at once with one line that
  names the lock holder's pid; the first completes; the index loads. A killed writer releases
  the lock (the kernel drops a dead process's flock).
- A running web server keeps answering /ask while another process rebuilds its index with a
  changed corpus: no error, every answer is exactly the old index's or exactly the new one's,
  and once the rebuild is complete the server answers from the new index (the Pipeline switches
  generations by itself).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from askcorpus.errors import IndexLockedError
from askcorpus.index.build import build_index
from askcorpus.index.store.folder import CURRENT, current_generation, open_index
from askcorpus.pipeline import Pipeline
from tests.conftest import api_client, ask_api, start_live_app
from tests.fakes import FakeEmbedder, word_counter

ROOT = Path(__file__).resolve().parents[2]
NK = "How many North Korean troops may be involved?"

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

# A writer that holds the lock mid-build until the test creates the RELEASE file.
GATED_WRITER = r"""
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from askcorpus.config import Settings
from askcorpus.index.build import build_index
from tests.fakes import FakeEmbedder, word_counter
corpus, index, release = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])

class Gated(FakeEmbedder):
    def embed_documents(self, texts, progress=None):
        print("embedding", flush=True)  # the lock is held from here until the release
        deadline = time.time() + 120
        while not release.exists() and time.time() < deadline:
            time.sleep(0.02)
        return super().embed_documents(texts, progress)

build_index(Settings(corpus=corpus, index=index), Gated(), word_counter, rebuild=True)
print("done", flush=True)
"""


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}


def start_gated_writer(corpus: Path, index: Path, release: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", GATED_WRITER, str(corpus), str(index),
                             str(release), str(ROOT)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until the writer is mid-build, holding the lock
    assert line.strip() == "embedding", (line, proc.stderr.read() if proc.stderr else "")
    return proc


def _quotes(settings: Settings) -> list[tuple[str, int, int, str]]:
    p = Pipeline(settings, embedder=FakeEmbedder())
    try:
        return [(q.doc.path, q.start, q.end, q.text) for q in p.ask(NK).quotes]
    finally:
        p.close()


def changed_corpus(seed: Path, dst: Path, fillers: int = 40) -> Path:
    shutil.copytree(seed, dst)
    p = dst / "003_40e451d91cf98c43.txt"
    p.write_text(p.read_text(encoding="utf-8").replace("12,000", "15,000"), encoding="utf-8")
    for i in range(fillers):  # unrelated articles, so a rebuild has some work to do
        (dst / f"filler_{i:03d}.txt").write_text(
            f"Harvest festival {i}\n\n" + " ".join(
                f"Farmers in valley {i} brought apples and pears to market day {j}."
                for j in range(30)), encoding="utf-8")
    return dst


# ------------------------------------------------------------------------------ two writers
def test_two_index_processes_one_fails_clearly(fake_settings: Settings, tmp_path: Path) -> None:
    build_index(fake_settings, FakeEmbedder(), word_counter)
    before = _quotes(fake_settings)
    new_corpus = changed_corpus(fake_settings.corpus, tmp_path / "corpus_b")
    release = tmp_path / "release"
    writer = start_gated_writer(new_corpus, fake_settings.index, release)
    try:
        # the real CLI, a second process on the same folder: refused at once, in one line
        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "askcorpus", "index", "--corpus",
                              str(new_corpus), "--index", str(fake_settings.index)],
                             capture_output=True, text=True, env=_env(), timeout=120)
        assert cli.returncode == 1, cli
        lines = cli.stderr.strip().splitlines()
        assert lines == [f"error: {fake_settings.index} is being written by askcorpus index "
                         f"(pid {writer.pid}); wait for it to finish"], cli.stderr
        assert time.perf_counter() - t0 < 60
        # a third writer in this process: the same clear error
        with pytest.raises(IndexLockedError, match=f"pid {writer.pid}"):
            build_index(fake_settings, FakeEmbedder(), word_counter)
        # meanwhile readers see the complete old index
        assert _quotes(fake_settings) == before
    finally:
        release.touch()
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0 and out.strip() == "done", err
    after = Settings(corpus=new_corpus, index=fake_settings.index)
    quotes = _quotes(after)
    assert quotes != before and any("15,000" in q[3] for q in quotes)
    store = open_index(after.index)  # consistent: loads, vectors == chunks, checksums hold
    assert store.size == store.manifest["counts"]["chunks"]
    store.close()
    assert not [p for p in after.index.iterdir() if p.name.startswith("tmp-")]
    again = build_index(after, FakeEmbedder(), word_counter)  # the lock was released
    assert again.up_to_date


def test_a_killed_writer_releases_the_lock(fake_settings: Settings, tmp_path: Path) -> None:
    build_index(fake_settings, FakeEmbedder(), word_counter)
    before = _quotes(fake_settings)
    writer = start_gated_writer(fake_settings.corpus, fake_settings.index, tmp_path / "never")
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(30)
    assert _quotes(fake_settings) == before  # the old index, complete
    summary = build_index(fake_settings, FakeEmbedder(), word_counter, rebuild=True)
    assert summary.documents == 5 and _quotes(fake_settings) == before
    assert not [p for p in fake_settings.index.iterdir() if p.name.startswith("tmp-")]


# ------------------------------------------------------------------------------ server + rebuild
def _ask_loop(client: Any, stop: threading.Event, log: list[tuple[float, Any]]) -> None:
    while not stop.is_set():
        try:
            result = ask_api(client, NK)
        except Exception as e:  # recorded, and fails the test below
            result = {"exception": f"{type(e).__name__}: {e}"}
        log.append((time.monotonic(), result))


def _shape(result: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    return [(q["path"], q["start"], q["end"], q["text"]) for q in result.get("quotes", [])]


def test_server_keeps_answering_during_a_rebuild(fake_settings: Settings,
                                                 tmp_path: Path) -> None:
    build_index(fake_settings, FakeEmbedder(), word_counter)
    old = _quotes(fake_settings)
    new_corpus = changed_corpus(fake_settings.corpus, tmp_path / "corpus_b")
    reference = Settings(corpus=new_corpus, index=tmp_path / "reference")
    build_index(reference, FakeEmbedder(), word_counter)
    new = _quotes(reference)
    assert old != new and any("15,000" in q[3] for q in new)

    app = start_live_app(fake_settings, pipeline=Pipeline(fake_settings,
                                                          embedder=FakeEmbedder()))
    client = api_client(app)
    stop = threading.Event()
    log: list[tuple[float, Any]] = []
    release = tmp_path / "release"
    asker = threading.Thread(target=_ask_loop, args=(client, stop, log), daemon=True)
    try:
        first_gen = app.pipeline.store.generation.name
        writer = start_gated_writer(new_corpus, fake_settings.index, release)
        asker.start()
        deadline = time.monotonic() + 60
        while len(log) < 10 and time.monotonic() < deadline:  # answers while it is mid-build
            time.sleep(0.05)
        during = len(log)
        assert during >= 10, log[-1:]
        released_at = time.monotonic()
        release.touch()
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0 and out.strip() == "done", err
        done_at = time.monotonic()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (log and _shape(log[-1][1]) == new):
            time.sleep(0.05)
    finally:
        stop.set()
        asker.join(60)
        release.touch()
        client.close()
        app.close()
    errors = [r for _, r in log if "exception" in r or "error" in r]
    assert errors == [], errors[:3]
    shapes = [_shape(r) for _, r in log]
    assert all(s in (old, new) for s in shapes), "an answer from neither index"
    assert shapes[:during] == [old] * during  # mid-build: the complete old index
    first_new = shapes.index(new)
    assert shapes[first_new:] == [new] * (len(shapes) - first_new), "went back to the old one"
    assert log[first_new][0] >= released_at
    live = (fake_settings.index / CURRENT).read_text().strip()
    assert live != first_gen and current_generation(fake_settings.index).name == live
    print(f"{len(log)} answers, 0 errors: {during} while the rebuild was held, the new index "
          f"answered from answer {first_new + 1} ({log[first_new][0] - done_at:+.2f}s after "
          "the writer finished)")


@pytest.mark.slow
@pytest.mark.integration
def test_real_server_during_a_real_cli_rebuild(real_index: Settings, tmp_path: Path) -> None:
    """The same with the real model: `askcorpus index --rebuild` (real CLI, real embedding)
    while the server answers."""
    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index")
    shutil.copytree(real_index.corpus, settings.corpus)
    shutil.copytree(real_index.index, settings.index)
    app = start_live_app(settings)
    client = api_client(app)
    stop = threading.Event()
    log: list[tuple[float, Any]] = []
    asker = threading.Thread(target=_ask_loop, args=(client, stop, log), daemon=True)
    try:
        old = _shape(ask_api(client, NK))
        assert any("12,000" in q[3] for q in old)
        p = settings.corpus / "003_40e451d91cf98c43.txt"
        p.write_text(p.read_text(encoding="utf-8").replace("12,000", "15,000"),
                     encoding="utf-8")
        asker.start()
        cli = subprocess.run([sys.executable, "-m", "askcorpus", "index", "--rebuild",
                              "--corpus", str(settings.corpus), "--index", str(settings.index)],
                             capture_output=True, text=True, env=_env(), timeout=600)
        assert cli.returncode == 0, cli.stderr
        done_at = time.monotonic()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
                log and any("15,000" in q[3] for q in _shape(log[-1][1]))):
            time.sleep(0.1)
    finally:
        stop.set()
        asker.join(120)
        client.close()
        app.close()
    errors = [r for _, r in log if "exception" in r or "error" in r]
    assert errors == [], errors[:3]
    during = [r for t, r in log if t < done_at]
    assert during, "no answer while the index was being rebuilt"
    assert any("15,000" in q[3] for q in _shape(log[-1][1]))
    print(f"{len(log)} answers during and after the rebuild, 0 errors")
