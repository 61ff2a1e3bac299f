"""SIGKILL `index` at random moments: the index is always the old one or the new one."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from askcorpus.config import Settings
from askcorpus.index.build import build_index
from askcorpus.index.store.folder import read_manifest
from askcorpus.pipeline import Pipeline
from tests.fakes import FakeEmbedder, word_counter

WORKER = Path(__file__).with_name("crash_worker.py")
BBC = Path(__file__).resolve().parents[3] / "shared" / "data" / "news" / "bbc_news" / "raw"
QUESTIONS = ["Who proposed sending NATO troops to Ukraine for training?",
             "How many North Korean troops may be involved?", "What did Iran provide to Russia?",
             "Which countries supported the Polish initiative?"]


def _answers(settings: Settings) -> list[list[tuple[str, int, int, str]]]:
    p = Pipeline(settings, embedder=FakeEmbedder())
    try:
        return [[(q.doc.path, q.start, q.end, q.text) for q in p.ask(x).quotes] for x in QUESTIONS]
    finally:
        p.close()


def _state(settings: Settings) -> tuple[frozenset[str], list]:  # type: ignore[type-arg]
    return frozenset(read_manifest(settings.index)["documents"]), _answers(settings)


def _corpus_b(seed_corpus: Path, tmp: Path) -> Path:
    b = tmp / "corpus_b"
    shutil.copytree(seed_corpus, b)
    (b / "000_c79d4084c955e875.txt").unlink()
    p = b / "003_40e451d91cf98c43.txt"
    p.write_text(p.read_text().replace("12,000", "15,000"))
    extra = sorted((BBC / "politics").glob("*.txt"))[:60] if BBC.exists() else []
    for i, f in enumerate(extra):
        shutil.copy(f, b / f"bbc_{i:03d}.txt")
    if not extra:  # no shared data: synthesize articles so the run lasts long enough to kill
        for i in range(60):
            (b / f"syn_{i:03d}.txt").write_text(f"Story {i}\n\n" + " ".join(
                f"Sentence {j} of story {i} talks about budgets and elections." for j in range(80)))
    return b


def _run_kills(seed_corpus: Path, tmp_path: Path, mode: str, kills: int) -> None:
    a = Settings(corpus=seed_corpus, index=tmp_path / "pristine")
    build_index(a, FakeEmbedder(), word_counter)
    before = _state(a)
    b_corpus = _corpus_b(seed_corpus, tmp_path)
    after_settings = Settings(corpus=b_corpus, index=tmp_path / "after")
    build_index(after_settings, FakeEmbedder(), word_counter)
    after = _state(after_settings)
    assert before != after

    work = Settings(corpus=b_corpus, index=tmp_path / "work")
    t0 = time.perf_counter()
    shutil.copytree(a.index, work.index)
    subprocess.run([sys.executable, str(WORKER), str(b_corpus), str(work.index), mode],
                   check=True, capture_output=True)
    full = time.perf_counter() - t0
    rng = random.Random(1234)
    outcomes = {"old": 0, "new": 0}
    for _ in range(kills):
        shutil.rmtree(work.index)
        shutil.copytree(a.index, work.index)
        child = subprocess.Popen([sys.executable, str(WORKER), str(b_corpus), str(work.index),
                                  mode], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.0, full * 1.1))
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        state = _state(work)  # must load and answer: never an error
        assert state in (before, after), "a mixture of the old and the new index"
        outcomes["old" if state == before else "new"] += 1
        # the next writer cleans up whatever the killed one left behind
        build_index(work, FakeEmbedder(), word_counter)
        assert _state(work) == after
        leftovers = [p.name for p in work.index.iterdir() if p.name.startswith("tmp-")]
        assert leftovers == []
    print(f"{mode}: {kills} kills over a {full:.1f}s run -> {outcomes}")
    assert outcomes["old"] > 0  # the kills did land mid-build


@pytest.mark.parametrize("mode", ["rebuild", "incremental"])
def test_sigkill_during_index(seed_corpus: Path, tmp_path: Path, mode: str) -> None:
    _run_kills(seed_corpus, tmp_path, mode, kills=8)


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["rebuild", "incremental"])
def test_sigkill_during_index_many(seed_corpus: Path, tmp_path: Path, mode: str) -> None:
    _run_kills(seed_corpus, tmp_path, mode, kills=25)
