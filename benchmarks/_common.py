"""Helpers shared by the benchmark scripts (corpora, chunk texts, timing, tables, RSS)."""

from __future__ import annotations

import csv
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NEWS = ROOT.parent / "shared" / "data" / "news"
BBC_RAW = NEWS / "bbc_news" / "raw"
BBC_JSONL = NEWS / "bbc_news" / "bbc_articles.jsonl"
REUTERS = NEWS / "reuters21578" / "reuters21578.jsonl"
AG_NEWS = NEWS / "ag_news" / "test.csv"
DEFAULT_WORK = Path(os.environ.get("ASKCORPUS_BENCH_WORK", "/tmp/askcorpus-bench"))

SEED_QUESTIONS = [
    "How many North Korean soldiers are fighting for Russia?",
    "Who proposed sending NATO troops to Ukraine for training?",
    "What did Iran give Russia?",
]


def offline() -> None:
    from askcorpus.config import force_offline

    force_offline()


def machine() -> str:
    from askcorpus.index.onnx_embedder import default_threads, has_vnni

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.processor() or platform.machine()}, {default_threads()} cores usable, "
            f"VNNI {'yes' if has_vnni() else 'no'}, load average {load:.1f} at start")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- corpora ------------------------------------------------------------------------------
def bbc_files(n: int | None = None) -> list[Path]:
    """BBC articles (one .txt each), ``n`` of them spread evenly over the categories."""
    files = sorted(BBC_RAW.rglob("*.txt"))
    if n and n < len(files):
        step = len(files) / n
        files = [files[int(i * step)] for i in range(n)]
    return files


def copy_files(files: Iterable[Path], src_root: Path, dst: Path) -> Path:
    """A fresh corpus folder holding copies (askcorpus never follows symlinks)."""
    shutil.rmtree(dst, ignore_errors=True)
    for f in files:
        target = dst / f.relative_to(src_root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, target)
    return dst


def news_records() -> Iterable[dict[str, str]]:
    """Every real news article here: BBC (2,225), Reuters-21578 (19,043 with a body), AG News
    (7,600), as {id, title, text, source} records, in that order."""
    with BBC_JSONL.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            yield {"id": f"bbc/{r['id']}", "title": r["title"].strip(),
                   "text": r["text"].strip(), "source": "BBC"}
    with REUTERS.open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            if (r.get("body") or "").strip():
                yield {"id": f"reuters/{r['newid']}", "title": (r.get("title") or "").strip(),
                       "text": r["body"].strip(), "source": "Reuters"}
    with AG_NEWS.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            yield {"id": f"ag/{i}", "title": row["title"].strip(),
                   "text": row["description"].replace("\\", " ").strip(), "source": "AG News"}


def write_jsonl(records: Iterable[dict[str, str]], path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
            n += 1
    return n


def write_corpus(records: Iterable[dict[str, str]], folder: Path, per_file: int = 4000) -> int:
    """Records as JSONL files of ``per_file`` articles (askcorpus skips files over 20 MB)."""
    shutil.rmtree(folder, ignore_errors=True)
    batch: list[dict[str, str]] = []
    n = part = 0
    for r in records:
        batch.append(r)
        if len(batch) == per_file:
            n += write_jsonl(batch, folder / f"news-{part:03d}.jsonl")
            batch, part = [], part + 1
    if batch:
        n += write_jsonl(batch, folder / f"news-{part:03d}.jsonl")
    return n


def synthetic_records(real: Sequence[dict[str, str]], n: int, seed: int = 0
                      ) -> Iterable[dict[str, str]]:
    """Filler articles made of real sentences drawn at random (distinct, never duplicates),
    for index sizes beyond the real news here."""
    import re

    rng = random.Random(seed)
    sentences = [s for r in real for s in re.split(r"(?<=[.!?])\s+", r["text"])
                 if 6 <= len(s.split()) <= 60]
    titles = [r["title"] for r in real if r["title"]]
    for i in range(n):
        body = " ".join(rng.choice(sentences) for _ in range(rng.randint(4, 8)))
        yield {"id": f"synthetic/{i}", "title": f"{rng.choice(titles)} ({i})", "text": body,
               "source": "synthetic"}


# -- the exact texts `askcorpus index` embeds -------------------------------------------
class RecordingEmbedder:
    """Stands in for the model: remembers what it was asked to embed, returns zeros."""

    backend = "record"

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim
        self.texts: list[str] = []

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.texts.extend(texts)
        return np.zeros((len(texts), self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return np.zeros(self.dim, np.float32)


def chunk_texts(corpus: Path, work: Path) -> tuple[list[str], float]:
    """The chunk texts the indexer embeds for ``corpus`` (headline context included), and the
    seconds the rest of `index` took (ingest, chunking, BM25, FAISS, writing)."""
    from askcorpus.config import Settings
    from askcorpus.index.build import build_index
    from askcorpus.index.embedding import resolve_model

    spec = resolve_model(Settings().model)
    rec = RecordingEmbedder(spec.name, spec.dim)
    folder = work / "index-record"
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    from askcorpus.index.embedding import cached_wordpiece_counter

    build_index(Settings(corpus=corpus, index=folder), rec,
                cached_wordpiece_counter(str(spec.tokenizer_json)), rebuild=True)
    seconds = time.perf_counter() - t0
    shutil.rmtree(folder, ignore_errors=True)
    return rec.texts, seconds


# -- measuring ----------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def cpu_seconds() -> float:
    """CPU time of this process, all threads (user + system)."""
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed_cpu(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall seconds, CPU seconds of this process)."""
    c0 = cpu_seconds()
    out, wall = timed(fn)
    return out, wall, cpu_seconds() - c0


def pct(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if values else float("nan")


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rss_mb(pid: int | None = None) -> tuple[float, float]:
    """(current RSS, peak RSS) in MiB, from /proc."""
    fields: dict[str, float] = {}
    with open(f"/proc/{pid or 'self'}/status", encoding="utf-8") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(rest.split()[0]) / 1024
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    def fmt(x: Any) -> str:
        if isinstance(x, float):
            return f"{x:,.2f}" if abs(x) < 100 else f"{x:,.0f}"
        return str(x)

    print(f"\n### {title}\n")
    print("| " + " | ".join(headers) + " |")
    print("|" + "|".join("---" for _ in headers) + "|")
    for r in rows:
        print("| " + " | ".join(fmt(x) for x in r) + " |")
    sys.stdout.flush()
