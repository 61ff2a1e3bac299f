"""How much of the retrieval score `--mode rerank` keeps beside the reader's (SciFact train).

    .venv/bin/python benchmarks/tune_rerank.py [--reader FOLDER] [--limit N]

For every SciFact train query (BEIR qrels in ../shared/data/beir_scifact): hybrid retrieval
as `askcorpus eval --beir` runs it, the reader's score of the first 30 chunks (read once), then
nDCG@10 of the order by ``(1 - a) * z(reader) + a * z(fused retrieval score)`` (``blend`` in
askcorpus/answer/rerank.py, what `--mode rerank` orders by) for a grid of ``a`` (0: the reader
alone, 1: hybrid retrieval unchanged). Two-fold by query id (even / odd):
``a`` is chosen on one half and reported on the other, so the printed held-out number was not
tuned on. The answer stage's default (`ReaderReranker.retrieval_weight`) is set from it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

SCIFACT = C.ROOT.parent / "shared" / "data" / "beir_scifact"
GRID = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reader", default="", help="a reader folder (default: the shipped one)")
    ap.add_argument("--limit", type=int, default=None, help="first N queries only")
    ap.add_argument("--top-n", type=int, default=30, help="hits the reader re-scores")
    args = ap.parse_args(argv)
    C.offline()

    from askcorpus.answer.reader import Reader
    from askcorpus.answer.rerank import ReaderReranker, blend
    from askcorpus.answer.retrieve import retrieve
    from askcorpus.config import Settings
    from askcorpus.evaluation.datasets import prepare_beir, record_ids
    from askcorpus.evaluation.metrics import ndcg_at_k
    from askcorpus.pipeline import Pipeline

    beir = prepare_beir(SCIFACT, "train", Settings.from_env())
    pipe = Pipeline(beir.settings)
    if not beir.settings.index.exists():
        pipe.index()
    reranker = ReaderReranker(Reader(Path(args.reader) if args.reader else None))
    qids = sorted(beir.data.qrels, key=lambda x: (len(x), x))[:args.limit]
    rows = []
    t0 = time.time()
    for qid in qids:
        q = beir.data.queries[qid]
        qvec = pipe.query_embedder.embed_query(q)
        pool = max(pipe.settings.candidates, 300)
        with pipe.store.snapshot() as store:
            hits = retrieve(store, q, qvec, mode="hybrid", k=pool, candidates=pool,
                            rrf_k=pipe.settings.rrf_k)
            head = hits[:args.top_n]
            reader = reranker.score(q, [h.chunk.text for h in head])
            fused = np.asarray([h.score for h in head], np.float32)
            infos = store.doc_infos(list(dict.fromkeys(h.chunk.doc_id for h in hits)))
        ids = [record_ids(infos[h.chunk.doc_id]) if h.chunk.doc_id in infos else []
               for h in hits]
        rows.append((qid, ids, reader, fused, beir.data.qrels[qid]))
    print(f"{len(rows)} queries read in {time.time() - t0:.0f} s", flush=True)

    def ndcg(a: float, subset: list) -> float:
        out = []
        for _, ids, reader, fused, rel in subset:
            n = len(reader)
            order = list(np.argsort(-blend(reader, fused, a), kind="stable")) + list(
                range(n, len(ids)))
            ranked = list(dict.fromkeys(i for j in order for i in ids[j]))[:100]
            out.append(ndcg_at_k(ranked, rel, 10))
        return float(np.mean(out)) if out else 0.0

    halves = {"even": [r for r in rows if int(r[0]) % 2 == 0],
              "odd": [r for r in rows if int(r[0]) % 2 == 1]}
    print("| a (weight of retrieval) | nDCG@10 all | even | odd |")
    print("|---|---|---|---|")
    table = {a: {k: ndcg(a, v) for k, v in [("all", rows), *halves.items()]} for a in GRID}
    for a, m in table.items():
        print(f"| {a:.1f} | {m['all']:.3f} | {m['even']:.3f} | {m['odd']:.3f} |")
    held = []
    for tune, test in (("even", "odd"), ("odd", "even")):
        best = max(GRID, key=lambda a: table[a][tune])
        held.append(table[best][test] * len(halves[test]))
        print(f"chosen on {tune}: a={best:.1f}, {test} nDCG@10 {table[best][test]:.3f} "
              f"(hybrid {table[1.0][test]:.3f}, reader alone {table[0.0][test]:.3f})")
    print(f"two-fold held-out nDCG@10: {sum(held) / len(rows):.3f} "
          f"(hybrid {table[1.0]['all']:.3f}, reader alone {table[0.0]['all']:.3f})")


if __name__ == "__main__":
    main()
