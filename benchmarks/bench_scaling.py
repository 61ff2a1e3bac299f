"""The folder store (FAISS + SQLite + bm25s) vs the PostgreSQL store (pgvector), on real news:
the BBC articles (../shared/data/news/bbc_news/raw), embedded once with the real model.

For each store: build time (embedding excluded: the vectors are computed once and given to
both), an incremental update (2% of the articles changed, 1% added, 1% removed; embedding
included), answer latency p50/p95 (``Pipeline.ask``, hybrid, end to end), retrieval latency
p50/p95 (dense + BM25 only), recall@10 of the HNSW index vs exact search on the same vectors,
disk size, and how many answers are the same on both stores. Questions are article headlines.

    nice -n 15 python benchmarks/bench_scaling.py [--n 2225] [--out results/scaling_bbc.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "data" / "news" / "bbc_news" / "raw"


class CachedEmbedder:
    """The real model; every text embedded once and kept on disk (both stores, every run)."""

    def __init__(self, inner: Any, cache: Path) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.backend = getattr(inner, "backend", type(inner).__name__)
        self.path = cache
        self.cache: dict[str, np.ndarray] = {}
        if cache.exists():
            with np.load(cache) as z:
                self.cache = dict(zip(z["keys"].tolist(), z["vecs"]))
        self.seconds = 0.0
        self.embedded = 0
        self.pooled: dict[str, Any] | None = None  # sentence vectors, loaded on first use

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def embed_documents(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts) if k not in self.cache}
        if todo:
            t0 = time.perf_counter()
            vecs = self.inner.embed_documents(list(todo.values()))
            self.seconds += time.perf_counter() - t0
            self.embedded += len(todo)
            self.cache.update(zip(todo, vecs))
            np.savez(self.path, keys=np.array(list(self.cache)),
                     vecs=np.stack(list(self.cache.values())))
        if progress:
            progress(len(texts))
        return np.stack([self.cache[k] for k in keys]).astype(np.float32)

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Any = None) -> tuple[np.ndarray, list[Any]]:
        """Chunk vectors and the sentence vectors pooled from the same run (as `askcorpus
        index` makes them), each (text, spans) computed once and kept on disk."""
        import pickle

        pooled_path = self.path.with_suffix(".pooled.pkl")
        if self.pooled is None:
            self.pooled = (pickle.loads(pooled_path.read_bytes())
                           if pooled_path.exists() else {})
        keys = [self.key(t + repr(list(sp))) for t, sp in zip(texts, spans, strict=True)]
        todo = {k: i for i, k in enumerate(keys) if k not in self.pooled}
        if todo:
            t0 = time.perf_counter()
            vecs, pooled = self.inner.embed_with_spans([texts[i] for i in todo.values()],
                                                       [spans[i] for i in todo.values()])
            self.seconds += time.perf_counter() - t0
            self.embedded += len(todo)
            self.pooled.update(zip(todo, zip(vecs, pooled, strict=True)))
            pooled_path.write_bytes(pickle.dumps(self.pooled))
        if progress:
            progress(len(texts))
        return (np.stack([self.pooled[k][0] for k in keys]).astype(np.float32),
                [self.pooled[k][1] for k in keys])


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def pct(times: Sequence[float], p: float) -> float:
    return round(float(np.percentile(np.asarray(times) * 1000, p)), 2)


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def folder_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20, 1)


def pg_mb(reader: Any) -> float:
    rows = reader.query("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace "
                        "WHERE n.nspname = %s AND c.relkind = 'r'", (reader.s,))
    return round(float(rows[0][0]) / 2**20, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2225, help="BBC articles (all: 2225)")
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--dsn", default=None, help="an existing server [default: a local one]")
    ap.add_argument("--work", type=Path,
                    default=Path(os.environ.get("ASKCORPUS_BENCH_WORK", "/tmp/askcorpus-bench")))
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
    from askcorpus.config import Settings, force_offline
    from askcorpus.index.build import build_index
    from askcorpus.index.lexical import tokenize
    from askcorpus.index.store.factory import open_backend
    from askcorpus.pipeline import Pipeline

    force_offline()
    work = args.work / "scaling-bbc"
    shutil.rmtree(work, ignore_errors=True)
    corpus = work / "corpus"
    files = sorted(BBC.rglob("*.txt"))
    files = [files[int(i * len(files) / args.n)] for i in range(args.n)]
    for f in files:
        dst = corpus / f.relative_to(BBC)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dst)

    server = None
    dsn = args.dsn
    if dsn is None:
        from pg_server import start_postgres

        server = start_postgres({"shared_buffers": "1GB", "maintenance_work_mem": "1GB"},
                                parent=str(args.work))
        dsn = server.dsn()
    folder = Settings(corpus=corpus, index=work / "index")
    pgs = folder.replace(store=dsn, pg_schema="bbc")
    res: dict[str, Any] = {"articles": args.n, "cpus": os.cpu_count()}
    try:
        emb = CachedEmbedder(Pipeline(folder).embedder, args.work / "bbc_vectors.npz")
        # the vectors, once (cached on disk between runs)
        s, t = timed(lambda: build_index(folder.replace(index=work / "warm"), emb,
                                         emb.count_tokens))
        res["chunks"] = s.chunks
        res["embedding"] = {"chunks_embedded_now": emb.embedded, "seconds": round(emb.seconds, 1)}
        log(f"{s.documents} articles, {s.chunks} chunks; embedding {emb.seconds:.0f}s")
        for name, st in (("folder", folder), ("postgres", pgs)):
            _, t = timed(lambda st=st: build_index(st, emb, emb.count_tokens))
            res[name] = {"build_s": round(t, 2)}
            log(f"{name}: built in {t}s")

        # questions: headlines of a fixed sample of articles
        rng = random.Random(0)
        qs = [f.read_text(encoding="utf-8", errors="replace").splitlines()[0].strip()
              for f in rng.sample(files, min(args.questions, len(files)))]
        pipes = {"folder": Pipeline(folder), "postgres": Pipeline(pgs)}
        answers: dict[str, list[Any]] = {}
        qe = pipes["folder"].query_embedder
        qvecs = [qe.embed_query(q) for q in qs]
        for name, p in pipes.items():
            p._query_embedder = qe  # one query model for both: timing the stores, not it
            p.ask(qs[0])
            times, answers[name] = [], []
            for q in qs:
                a, t = timed(lambda q=q, p=p: p.ask(q))
                times.append(t)
                answers[name].append([(x.doc.path, x.start, x.end) for x in a.quotes])
            res[name]["ask_p50_ms"] = pct(times, 50)
            res[name]["ask_p95_ms"] = pct(times, 95)
            store = p.store
            rtimes = []
            for q, v in zip(qs, qvecs):
                t0 = time.perf_counter()
                with store.snapshot() as snap:
                    snap.dense_search(v, 50)
                    snap.lexical_search(tokenize(q), 50)
                rtimes.append(time.perf_counter() - t0)
            res[name]["retrieve_p50_ms"] = pct(rtimes, 50)
            res[name]["retrieve_p95_ms"] = pct(rtimes, 95)
            log(f"{name}: {res[name]}")
        same = sum(a == b for a, b in zip(answers["folder"], answers["postgres"]))
        res["same_answers"] = f"{same}/{len(qs)}"
        # a differing answer is explained by ties when both stores' candidate lists hold the
        # same scores (to 1e-5) and differ only in the order of chunks with equal scores
        tied = 0
        sa, sp = pipes["folder"].store, pipes["postgres"].store
        for q, v, a, b in zip(qs, qvecs, answers["folder"], answers["postgres"]):
            if a == b:
                continue
            runs = [(sa.dense_search(v, 50), sp.dense_search(v, 50)),
                    (sa.lexical_search(tokenize(q), 50), sp.lexical_search(tokenize(q), 50))]
            tied += all(np.allclose([x for _, x in r1], [x for _, x in r2], atol=1e-5)
                        and len(r1) == len(r2) for r1, r2 in runs)
        res["differing_answers_explained_by_score_ties"] = f"{tied}/{len(qs) - same}"

        # recall@10 of the approximate (HNSW) index vs exact search, same vectors
        exact = pipes["folder"].store
        approx_folder = folder.replace(index=work / "hnsw", ann_threshold=0)
        _, t = timed(lambda: build_index(approx_folder, emb, emb.count_tokens))
        res["folder"]["hnsw_build_s"] = round(t, 2)
        hf = open_backend(approx_folder).open(ef_search=folder.hnsw_ef_search)
        hp = open_backend(pgs).open(ef_search=folder.hnsw_ef_search)
        hp.exact = False  # the HNSW index exists at every size; use it
        truth = [{exact.chunks([i])[i] for i, _ in exact.dense_search(v, 10)} for v in qvecs]
        for name, r in (("folder", hf), ("postgres", hp)):
            found = [{*r.chunks([i for i, _ in r.dense_search(v, 10)]).values()} for v in qvecs]
            res[name]["hnsw_recall_at_10"] = round(float(np.mean(
                [len(f & t) / max(len(t), 1) for f, t in zip(found, truth)])), 4)
            times = []
            for v in qvecs:
                _, t = timed(lambda v=v, r=r: r.dense_search(v, 10))
                times.append(t)
            res[name]["hnsw_p50_ms"] = pct(times, 50)
            res[name]["hnsw_p95_ms"] = pct(times, 95)
        hf.close()
        res["folder"]["disk_mb"] = folder_mb(work / "index")
        res["folder"]["disk_mb_hnsw"] = folder_mb(work / "hnsw")
        res["postgres"]["disk_mb"] = pg_mb(hp)
        hp.close()

        # an incremental update: 2% changed, 1% added, 1% removed
        all_files = sorted(corpus.rglob("*.txt"))
        k = max(1, len(all_files) // 100)
        for f in all_files[:k]:
            f.unlink()
        for f in all_files[k:3 * k]:
            f.write_text(f.read_text(encoding="utf-8", errors="replace")
                         + "\nThis article was updated.\n", encoding="utf-8")
        for i, f in enumerate(all_files[-k:]):
            (corpus / "added").mkdir(exist_ok=True)
            text = f.read_text(encoding="utf-8", errors="replace")
            (corpus / "added" / f"{i}.txt").write_text(f"Added {i}: {text}", encoding="utf-8")
        for name, st in (("folder", folder), ("postgres", pgs)):
            before = emb.seconds
            s, t = timed(lambda st=st: build_index(st, emb, emb.count_tokens))
            res[name]["update_s"] = round(t - (emb.seconds - before), 2)  # embedding excluded
            res["update_embedding_s"] = round(emb.seconds - before, 1) or res.get(
                "update_embedding_s", 0.0)
            res[name]["update"] = {"embedded": s.embedded, "reused": s.reused,
                                   "removed": s.removed}
        for p in pipes.values():
            p.close()
    finally:
        if server is not None:
            server.stop()
    print(json.dumps(res, indent=1))
    if args.out:
        args.out.write_text(json.dumps(res, indent=1) + "\n")


if __name__ == "__main__":
    main()
