"""Public benchmarks as askcorpus corpora: BEIR folders and SQuAD files, indexed once, cached."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings, cache_root
from ..types import DocInfo
from .benchmarks import BeirData, SquadData, beir_records, load_beir, load_squad, squad_records
from .metrics import mrr_at_k, ndcg_at_k, percentile, recall_at_k
from .questions import EvalQuestion


def _fingerprint(path: Path, settings: Settings) -> str:
    st = path.stat()
    key = json.dumps([str(path.resolve()), st.st_size, int(st.st_mtime), settings.model,
                      settings.chunk_tokens, settings.chunk_overlap, settings.title_context]
                     + ([b] if (b := settings.fresh_backend()) != "torch" else []))
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _materialize(records: Iterable[dict[str, str]], folder: Path) -> None:
    """Write the benchmark corpus as one JSONL file (once; atomically)."""
    target = folder / "corpus" / "corpus.jsonl"
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps({"id": r["id"], "title": r["title"].replace("_", " "),
                                "text": r["text"]}, ensure_ascii=False) + "\n")
    tmp.replace(target)


def benchmark_settings(base: Settings, name: str, source: Path, cache: Path | None) -> Settings:
    folder = (cache or cache_root() / "eval") / f"{name}-{_fingerprint(source, base)}"
    # in a database, a benchmark gets a schema of its own, never the served index's
    schema = f"eval_{re.sub(r'[^a-z0-9_]', '_', name.lower())}"[:63] if base.store else None
    return base.replace(corpus=folder / "corpus", index=folder / "index", pg_schema=schema)


@dataclass
class Beir:
    data: BeirData
    settings: Settings


def prepare_beir(folder: Path, split: str, base: Settings, cache: Path | None = None) -> Beir:
    data = load_beir(folder, split)
    settings = benchmark_settings(base, f"beir-{folder.name}", folder / "corpus.jsonl", cache)
    _materialize(beir_records(data), settings.corpus.parent)
    return Beir(data, settings)


def prepare_squad(path: Path, base: Settings, cache: Path | None = None
                  ) -> tuple[SquadData, Settings, list[EvalQuestion]]:
    data = load_squad(path)
    settings = benchmark_settings(base, f"squad-{path.stem}", path, cache)
    _materialize(squad_records(data), settings.corpus.parent)
    questions = [EvalQuestion(id=q.id, question=q.question, answers=tuple(q.answers),
                              sources=tuple(q.sources), answerable=q.answerable)
                 for q in data.questions]
    return data, settings, questions


def record_ids(info: DocInfo) -> list[str]:
    """Benchmark ids of an article: its record and those of identical copies."""
    ids = [info.record] if info.record else []
    ids += [p.split("#", 1)[1] for p in info.paths if "#" in p]
    return list(dict.fromkeys(ids))


def evaluate_beir(pipeline: Any, data: BeirData, *, mode: str, limit: int | None = None
                  ) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """nDCG@10, recall@100 and MRR@10 (pytrec_eval definitions) over the split's queries."""
    rows: list[dict[str, Any]] = []
    qids = sorted(data.qrels, key=lambda x: (len(x), x))[:limit]
    if qids:
        pipeline.rank_documents(data.queries[qids[0]], mode=mode, depth=100)  # warm up
    for qid in qids:
        t0 = time.perf_counter()
        docs = pipeline.rank_documents(data.queries[qid], mode=mode, depth=100)
        ms = (time.perf_counter() - t0) * 1000
        ranked = [i for d in docs for i in record_ids(d)][:100]
        rel = data.qrels[qid]
        relevant = {d for d, r in rel.items() if r > 0}
        rows.append({"id": qid, "query": data.queries[qid], "ranked": ranked[:10],
                     "ndcg@10": ndcg_at_k(ranked, rel, 10), "recall@100": recall_at_k(ranked, rel,
                                                                                       100),
                     "mrr@10": mrr_at_k(ranked, relevant, 10), "latency_ms": ms})
    n = len(rows) or 1
    metrics = {m: round(sum(r[m] for r in rows) / n, 4) for m in ("ndcg@10", "recall@100",
                                                                  "mrr@10")}
    lat = [r["latency_ms"] for r in rows]
    metrics["latency_p50_ms"] = round(percentile(lat, 50), 2) if lat else 0.0
    metrics["latency_p95_ms"] = round(percentile(lat, 95), 2) if lat else 0.0
    metrics["queries"] = len(rows)
    return metrics, rows
