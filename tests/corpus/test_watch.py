"""`--watch`: changes to the corpus folder are debounced into one incremental index update
(`askcorpus index --watch`), and a running chat answers from added articles and stops quoting
removed ones (`serve --watch`)."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from askcorpus.corpus.watch import changes
from tests.conftest import api_client, ask_api, start_live_app

ZEBRA = ("Zebra council approves new stripes\n"
         "OSLO - The zebra council met in Oslo on Friday and approved 42 new stripes for the "
         "herd, its chairman said.\n")
ZEBRA_Q = "How many new stripes did the zebra council approve?"

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::FutureWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning")]


def _collect(corpus: Path, stop: threading.Event, out: queue.Queue[list[str]],
             **kw: Any) -> threading.Thread:
    def run() -> None:
        for batch in changes(corpus, stop_event=stop, **kw):
            out.put(batch)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    time.sleep(0.5)  # the watch is set up
    return t


def test_a_burst_of_changes_is_one_batch_of_article_paths(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    index = corpus / "index"  # an index kept inside the corpus is not a change to it
    index.mkdir()
    stop, out = threading.Event(), queue.Queue()
    t = _collect(corpus, stop, out, index=index, debounce_ms=600)
    try:
        (corpus / "a.txt").write_text("one", encoding="utf-8")
        (corpus / "sub" / "b.md").write_text("two", encoding="utf-8")
        (corpus / "a.txt").write_text("one, again", encoding="utf-8")
        (corpus / ".hidden.txt").write_text("x", encoding="utf-8")
        (corpus / "notes.png").write_bytes(b"\x89PNG")  # not an article type
        (corpus / "a.txt.swp").write_text("x", encoding="utf-8")
        (index / "manifest.json").write_text("{}", encoding="utf-8")
        assert out.get(timeout=15) == ["a.txt", "sub/b.md"]
        (index / "chunks.sqlite").write_bytes(b"x")
        (corpus / ".git").mkdir()
        (corpus / ".git" / "x.txt").write_text("x", encoding="utf-8")
        with pytest.raises(queue.Empty):
            out.get(timeout=2)
        (corpus / "sub" / "b.md").unlink()
        assert out.get(timeout=15) == ["sub/b.md"]
    finally:
        stop.set()
        t.join(10)
    assert not t.is_alive()


def test_a_burst_of_200_files_is_one_or_a_few_updates(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    stop, out = threading.Event(), queue.Queue()
    t = _collect(corpus, stop, out, debounce_ms=600)
    try:
        for i in range(200):
            (corpus / f"article-{i:03d}.txt").write_text(f"Headline {i}\nBody {i}.\n",
                                                        encoding="utf-8")
        batches = [out.get(timeout=20)]
        while True:  # whatever else arrives before the folder has been quiet for 3 s
            try:
                batches.append(out.get(timeout=3))
            except queue.Empty:
                break
    finally:
        stop.set()
        t.join(10)
    assert len(batches) <= 3, [len(b) for b in batches]
    assert sorted(p for b in batches for p in b) == [f"article-{i:03d}.txt" for i in range(200)]


def test_watching_a_missing_folder_is_one_clear_error(tmp_path: Path) -> None:
    from askcorpus.errors import CorpusError

    with pytest.raises(CorpusError, match=r"cannot watch .*: not a folder"):
        next(changes(tmp_path / "nowhere"))


def _until(check: Callable[[], Any], poke: Callable[[], None], tries: int = 4,
           wait: float = 10.0) -> Any:
    """``check()`` until truthy; ``poke()`` again (rewrite the file) if the watcher was not
    listening yet when it first happened."""
    for _ in range(tries):
        poke()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.1)
    raise AssertionError("no index update after the change")


@pytest.mark.integration
def test_index_watch_updates_incrementally_and_stops_on_ctrl_c(real_index: Settings,
                                                               tmp_path: Path) -> None:
    import json

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(real_index.corpus, corpus)
    shutil.copytree(real_index.index, index)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    env["PYTHONFAULTHANDLER"] = "1"  # a hang is then shown: SIGABRT prints every thread's stack
    # Ctrl-C as from a terminal: a test run in the background (`make test &`, nohup) inherits
    # SIGINT ignored, and Python then leaves it ignored in the child
    proc = subprocess.Popen([sys.executable, "-m", "askcorpus", "index", "--watch", "--json",
                             "--corpus", str(corpus), "--index", str(index)], env=env,
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
    err: list[str] = []
    threading.Thread(target=lambda: [err.append(x) for x in proc.stderr], daemon=True).start()

    def next_summary() -> dict[str, Any] | None:
        try:
            return json.loads(lines.get_nowait())
        except queue.Empty:
            return None

    try:
        first = json.loads(lines.get(timeout=120))
        assert first["up_to_date"] is True and first["documents"] == 5
        _until(lambda: any("watching" in x for x in err), lambda: None, tries=1, wait=30)
        added = _until(next_summary, lambda: (corpus / "zebra.txt").write_text(
            ZEBRA, encoding="utf-8"))
        assert (added["documents"], added["embedded"], added["reused"]) == (6, 1, 5)
        removed = _until(next_summary, lambda: (corpus / "zebra.txt").unlink(missing_ok=True))
        assert (removed["documents"], removed["embedded"], removed["removed"]) == (5, 0, 1)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGABRT)  # where it hangs goes to err (faulthandler)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    time.sleep(0.2)
    assert proc.returncode == 0, "".join(err)
    assert any("changed: zebra.txt" in x for x in err) and "stopped watching\n" in err
    assert not any("Traceback" in x for x in err), err


@pytest.mark.integration
def test_serve_watch_answers_from_added_articles_and_forgets_removed_ones(
        real_index: Settings, tmp_path: Path) -> None:
    settings = real_index.replace(corpus=tmp_path / "corpus", index=tmp_path / "index")
    shutil.copytree(real_index.corpus, settings.corpus)
    shutil.copytree(real_index.index, settings.index)
    app = start_live_app(settings, watch=True, watch_debounce_ms=300)
    client = api_client(app)
    zebra = settings.corpus / "zebra.txt"

    def zebra_quotes() -> list[dict[str, Any]]:
        answer = ask_api(client, ZEBRA_Q)
        return [q for q in answer["quotes"] + answer["related"] if q["path"] == "zebra.txt"]

    try:
        assert zebra_quotes() == []
        seen = app.watcher.updates
        _until(lambda: app.watcher.updates > seen, lambda: zebra.write_text(ZEBRA,
                                                                            encoding="utf-8"))
        quotes = zebra_quotes()
        assert quotes and all(ZEBRA[q["start"]:q["end"]] == q["text"] for q in quotes)
        assert any("42" in q["text"] for q in quotes)
        seen = app.watcher.updates
        _until(lambda: app.watcher.updates > seen, lambda: zebra.unlink(missing_ok=True))
        assert zebra_quotes() == []
        assert app.startup.stats()["documents"] == 5
        assert app.watcher.error is None
    finally:
        client.close()
        app.close()
    assert not app.watcher._thread.is_alive()
