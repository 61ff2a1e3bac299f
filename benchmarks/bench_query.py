"""Answer latency (warm; question -> answer JSON) at 1k, 10k and 100k chunks, with the
approximate index's recall@10 against exact search, and LangChain's similarity_search on the
same chunks (items 4 and 7 of the performance issue).

    nice -n 10 .venv/bin/python benchmarks/bench_query.py                 # 1k, 10k, 100k
    nice -n 10 .venv/bin/python benchmarks/bench_query.py --sizes 1000 --questions 30

Corpora are real news articles (BBC, then Reuters-21578, then AG News: ~31k articles). Up to
``--real-max`` chunks get real vectors from the int8 model; beyond that (and for filler
articles made of real sentences, where the real news runs out) vectors are synthetic: a mix of
two real vectors plus noise, so they lie among the real ones. Questions are headlines of real
articles in the index, embedded for real. Indexes and vectors are cached under --work.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C


class VectorSource:
    """The int8 model's vectors, cached on disk by text; synthetic ones past ``real_max``."""

    backend = "onnx"

    def __init__(self, model: Any, cache: Path, real_max: int, seed: int = 0) -> None:
        self.model = model
        self.name, self.dim = model.name, model.dim  # the int8 build key: ask() queries it
        self.cache_path = cache
        self.real_max = real_max
        self.rng = np.random.default_rng(seed)
        self.cache: dict[str, np.ndarray] = {}
        if cache.exists():
            data = np.load(cache)
            self.cache = dict(zip(data["keys"].tolist(), data["vecs"]))
        self.real = self.synthetic = 0
        # sentence vectors pooled from the same model run, per chunk text (see late_pooling)
        self.pooled_path = cache.with_suffix(".pooled.pkl")
        self.pooled: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if self.pooled_path.exists():
            self.pooled = pickle.loads(self.pooled_path.read_bytes())

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def save(self) -> None:
        keys = np.array(list(self.cache), dtype="U40")
        vecs = np.stack(list(self.cache.values())) if self.cache else np.zeros((0, self.dim))
        tmp = self.cache_path.with_suffix(".tmp.npz")
        np.savez(tmp, keys=keys, vecs=vecs.astype(np.float32))
        tmp.replace(self.cache_path)

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in self.cache]
        budget = max(0, self.real_max - len(self.cache))
        todo = missing[:budget]
        if todo:
            C.log(f"embedding {len(todo):,} chunks with the int8 model ...")
            vecs = self.model.embed_documents([texts[i] for i in todo])
            for i, v in zip(todo, vecs):
                self.cache[keys[i]] = v
            self.save()
        out = np.zeros((len(texts), self.dim), np.float32)
        have = [i for i, k in enumerate(keys) if k in self.cache]
        for i in have:
            out[i] = self.cache[keys[i]]
        fake = [i for i, k in enumerate(keys) if k not in self.cache]
        if fake:
            base = out[have] if have else self.rng.standard_normal((16, self.dim))
            a = base[self.rng.integers(0, len(base), len(fake))]
            b = base[self.rng.integers(0, len(base), len(fake))]
            alpha = self.rng.uniform(0.5, 0.9, (len(fake), 1))
            noise = self.rng.standard_normal((len(fake), self.dim)) * (0.3 / np.sqrt(self.dim))
            v = alpha * a + (1 - alpha) * b + noise
            out[fake] = v / np.linalg.norm(v, axis=1, keepdims=True)
        self.real, self.synthetic = len(have), len(fake)
        if progress:
            progress(len(texts))
        return out

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Callable[[int], None] | None = None
                         ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Real chunks (up to ``real_max``): the int8 model's chunk and pooled sentence vectors;
        beyond: synthetic chunk vectors (as embed_documents) with noisy copies per sentence."""
        keys = [self.key(t) for t in texts]
        room = max(0, self.real_max - len(self.pooled))
        todo = [i for i, k in enumerate(keys) if k not in self.pooled][:room]
        if todo:
            C.log(f"embedding {len(todo):,} chunks (and pooling their sentences), int8 model")
            vecs, pooled = self.model.embed_with_spans([texts[i] for i in todo],
                                                       [spans[i] for i in todo])
            for i, v, pc in zip(todo, vecs, pooled):
                self.cache[keys[i]] = v
                self.pooled[keys[i]] = (pc[0].astype(np.float16), pc[1])
            self.save()
            tmp = self.pooled_path.with_suffix(".tmp")
            tmp.write_bytes(pickle.dumps(self.pooled))
            tmp.replace(self.pooled_path)
        out = self.embed_documents(texts)
        self.real = sum(1 for k in keys if k in self.pooled)
        self.synthetic = len(texts) - self.real
        result = []
        for k, v, sp in zip(keys, out, spans):
            if k in self.pooled:
                pv, counts = self.pooled[k]
                result.append((pv.astype(np.float32), counts))
                continue
            noise = self.rng.standard_normal((len(sp), self.dim)) * (0.5 / np.sqrt(self.dim))
            result.append(((v[None, :] + noise).astype(np.float32),
                           np.ones(len(sp), np.int64)))
        if progress:
            progress(len(texts))
        return out, result

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.embed_query(text)


def article_chunks(work: Path) -> list[tuple[dict[str, str], int]]:
    """Every real article with the number of chunks askcorpus makes of it (computed once)."""
    path = work / "articles.json"
    if path.exists():
        return [(r, n) for r, n in json.loads(path.read_text())]
    records = list(C.news_records())
    corpus = work / "all-news"
    C.write_corpus(records, corpus)
    C.log(f"chunking all {len(records):,} real articles once, to size the corpora ...")
    from askcorpus.config import Settings
    from askcorpus.index.build import build_index
    from askcorpus.index.embedding import cached_wordpiece_counter, resolve_model
    from askcorpus.index.store.folder import read_manifest

    spec = resolve_model(Settings().model)
    folder = work / "index-all-news-record"
    shutil.rmtree(folder, ignore_errors=True)
    build_index(Settings(corpus=corpus, index=folder),
                C.RecordingEmbedder("record", spec.dim),
                cached_wordpiece_counter(str(spec.tokenizer_json)))
    docs = read_manifest(folder)["documents"]
    per_record: dict[str, int] = {}
    for entry in docs.values():
        ids = [entry.get("record")] + [p.split("#", 1)[1] for p in entry["paths"] if "#" in p]
        for rid in ids:
            if rid:
                per_record[rid] = entry["chunks"]
    shutil.rmtree(folder, ignore_errors=True)
    out = [(r, per_record.get(r["id"], 0)) for r in records]
    out = [(r, n) for r, n in out if n]  # exact duplicates are indexed once
    path.write_text(json.dumps(out))
    return out


def build(size: int, work: Path, articles: list[tuple[dict[str, str], int]], source: VectorSource
          ) -> tuple[Path, Path, list[dict[str, str]]]:
    """A corpus of about ``size`` chunks and its index (cached); returns the real records."""
    from askcorpus.config import Settings
    from askcorpus.index.build import build_index
    from askcorpus.index.embedding import cached_wordpiece_counter, resolve_model

    chosen, total = [], 0
    for r, n in articles:
        if total >= size:
            break
        chosen.append(r)
        total += n
    records = list(chosen)
    if total < size:  # past the real news: filler articles of real sentences, ~1.3 chunks
        records += list(C.synthetic_records(chosen, int((size - total) / 1.3)))
    folder = work / f"size-{size}"
    corpus, index = folder / "corpus", folder / "index"
    marker = folder / "built.json"
    if marker.exists():
        return corpus, index, chosen
    shutil.rmtree(folder, ignore_errors=True)
    C.write_corpus(records, corpus)
    spec = resolve_model(Settings().model)
    C.log(f"building the {size:,}-chunk index ({len(records):,} articles) ...")
    t0 = time.perf_counter()
    summary = build_index(Settings(corpus=corpus, index=index, backend="onnx"), source,
                          cached_wordpiece_counter(str(spec.tokenizer_json)))
    marker.write_text(json.dumps({"chunks": summary.chunks, "real": source.real,
                                  "synthetic": source.synthetic,
                                  "seconds": round(time.perf_counter() - t0, 1)}))
    return corpus, index, chosen


def measure(size: int, corpus: Path, index: Path, chosen: list[dict[str, str]],
            args: argparse.Namespace, hf: Any) -> list[Any]:
    import faiss

    import askcorpus.pipeline as P
    from askcorpus.answer.retrieve import retrieve
    from askcorpus.config import Settings

    built = json.loads((index.parent / "built.json").read_text())
    rng = np.random.default_rng(1)
    titled = [r for r in chosen if len(r["title"].split()) >= 3]
    questions = [titled[i]["title"] for i in rng.choice(len(titled), args.questions,
                                                        replace=False)]
    settings = Settings(corpus=corpus, index=index, backend="onnx", reader=args.reader)
    # the same questions answered with the other ranking, interleaved: reader on vs off
    other = P.Pipeline(settings.replace(reader="off" if args.reader != "off" else "on"))
    pipe = P.Pipeline(settings)
    store, qe = pipe.store, pipe.query_embedder
    for q in questions[:3]:  # warm: model, index pages, caches
        pipe.ask(q)
        other.ask(q)

    spent: dict[str, float] = {}

    def clocked(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def run(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*a, **kw)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
        return run

    orig = (qe.embed_query, qe.embed_documents, P.retrieve)
    qe.embed_query = clocked("query", orig[0])
    qe.embed_documents = clocked("sentences", orig[1])
    P.retrieve = clocked("retrieve", orig[2])
    reader = pipe.reader
    if reader is not None:
        reader.score = clocked("reader", reader.score)  # type: ignore[method-assign]
    total, parts, total_other = [], [], []
    try:
        for q in questions:
            spent.clear()
            t0 = time.perf_counter()
            json.dumps(pipe.ask(q, k=args.k).to_dict(), ensure_ascii=False)
            total.append((time.perf_counter() - t0) * 1000)
            parts.append({k: v * 1000 for k, v in spent.items()})
            t0 = time.perf_counter()
            json.dumps(other.ask(q, k=args.k).to_dict(), ensure_ascii=False)
            total_other.append((time.perf_counter() - t0) * 1000)
    finally:
        qe.embed_query, qe.embed_documents, P.retrieve = orig
        other.close()

    # retrieval only: embed the question, hybrid retrieval of 10 chunks (LangChain's share)
    ret = []
    qvecs = []
    for q in questions:
        t0 = time.perf_counter()
        v = qe.embed_query(q)
        retrieve(store, q, v, mode="hybrid", k=10, candidates=settings.candidates)
        ret.append((time.perf_counter() - t0) * 1000)
        qvecs.append(v)
    qv = np.stack(qvecs).astype(np.float32)

    # the vector index alone, and its recall@10 against exact search over the same vectors
    vindex = store.vectors
    faiss_ms = []
    for v in qv:
        t0 = time.perf_counter()
        vindex.search(v[None, :], 10)
        faiss_ms.append((time.perf_counter() - t0) * 1000)
    vectors = vindex.reconstruct_n(0, vindex.ntotal)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    exact_ms = []
    for v in qv:
        t0 = time.perf_counter()
        exact.search(v[None, :], 10)
        exact_ms.append((time.perf_counter() - t0) * 1000)
    _, truth = exact.search(qv, 10)
    _, got = vindex.search(qv, 10)
    recall = float(np.mean([len(set(g) & set(t)) / 10 for g, t in zip(got, truth)]))
    kind = store.manifest["vector_index"]["type"]
    hnsw_recall = recall
    if kind == "flat":  # what HNSW (askcorpus's settings) would give on these vectors
        h = faiss.IndexHNSWFlat(vectors.shape[1], settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        h.hnsw.efConstruction = 200
        h.add(vectors)
        h.hnsw.efSearch = settings.hnsw_ef_search
        _, hg = h.search(qv, 10)
        hnsw_recall = float(np.mean([len(set(g) & set(t)) / 10 for g, t in zip(hg, truth)]))

    lc = [float("nan")]
    if hf is not None:
        from langchain_community.vectorstores import FAISS

        texts = [r[0] for r in store.db.execute("SELECT text FROM chunks ORDER BY id")]
        db = FAISS.from_embeddings(list(zip(texts, vectors.tolist())), hf)
        db.similarity_search(questions[0], k=10)
        lc = []
        for q in questions:
            t0 = time.perf_counter()
            db.similarity_search(q, k=10)
            lc.append((time.perf_counter() - t0) * 1000)
        del db
    pipe.close()

    def p50(key: str) -> float:
        return C.median([p.get(key, 0.0) for p in parts])

    compose = [t - p.get("query", 0) - p.get("retrieve", 0) for t, p in zip(total, parts)]
    return [f"{built['chunks']:,} ({built['real']:,} real vectors)", kind,
            C.median(total), C.pct(total, 95), C.median(total_other), p50("query"),
            p50("retrieve"), C.median(compose), p50("reader"), p50("sentences"), C.median(ret),
            C.pct(ret, 95),
            C.median(faiss_ms), C.median(exact_ms), f"{recall:.3f}" if kind != "flat"
            else f"1 (HNSW would: {hnsw_recall:.3f})", C.median(lc), C.pct(lc, 95)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--questions", type=int, default=100)
    ap.add_argument("-k", type=int, default=5, help="quotes per answer (askcorpus's default)")
    ap.add_argument("--real-max", type=int, default=11_000,
                    help="chunks embedded for real; synthetic vectors beyond")
    ap.add_argument("--work", type=Path, default=C.DEFAULT_WORK / "query")
    ap.add_argument("--no-langchain", action="store_true")
    ap.add_argument("--reader", default="on",
                    help="the answer reader of the measured runs (on, off or a folder); the "
                         "other setting is timed on the same questions, interleaved")
    args = ap.parse_args(argv)
    C.offline()
    warnings.filterwarnings("ignore")

    from askcorpus.config import Settings
    from askcorpus.index.embedding import resolve_model
    from askcorpus.index.onnx_embedder import OnnxEmbedder

    args.work.mkdir(parents=True, exist_ok=True)
    spec = resolve_model(Settings().model)
    source = VectorSource(OnnxEmbedder(spec, quantized=True), args.work / "vectors.npz",
                          args.real_max)
    articles = article_chunks(args.work)
    C.log(f"{len(articles):,} real articles, {sum(n for _, n in articles):,} chunks in all")
    hf = None
    if not args.no_langchain:
        from langchain_community.embeddings import HuggingFaceEmbeddings

        hf = HuggingFaceEmbeddings(model_name=str(spec.path), model_kwargs={"device": "cpu"})
    machine = C.machine()
    sizes = [int(s) for s in args.sizes.split(",")]
    built = {size: build(size, args.work, articles, source) for size in sizes}  # build first,
    rows = []  # then measure: building never overlaps a measurement
    for size in sizes:
        C.log(f"measuring {size:,} ...")
        rows.append(measure(size, *built[size], args, hf))
    C.print_table(
        f"Answer latency, warm, ms ({args.questions} headline questions, hybrid, k={args.k}, "
        f"int8 ONNX backend; {machine})",
        [f"chunks (reader {args.reader})", "vector index", "ask p50", "ask p95",
         f"ask p50, reader {'off' if args.reader != 'off' else 'on'}", "query embed p50",
         "retrieve p50", "compose p50", "of which reader p50",
         "of which sentence embedding p50", "retrieval only p50",
         "retrieval only p95", "FAISS search p50", "exact search p50", "recall@10 vs exact",
         "LangChain similarity_search p50", "LangChain p95"], rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
