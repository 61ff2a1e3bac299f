"""Indexing throughput: `askcorpus index` against the plain sentence-transformers encode of the
same chunk texts, in one process, one run (items 2, 3 and 7 of the performance issue).

    nice -n 10 .venv/bin/python benchmarks/bench_index.py              # 2,225 BBC articles
    nice -n 10 .venv/bin/python benchmarks/bench_index.py --docs 300 --no-langchain   # quick

Rows (chunks/s; ratios to the torch encode measured in this run):
  raw torch encode       SentenceTransformer.encode(chunk texts, batch_size=B): the model's limit
  index, backend torch   Pipeline.index() from scratch: ingest, chunk, embed, BM25, FAISS, write
  index, backend onnx    the same with the int8 ONNX embedder (export made beforehand, untimed)
  raw onnx int8 encode   OnnxEmbedder.embed_documents(chunk texts) alone, for reference
  LangChain              FAISS.from_documents(chunks, HuggingFaceEmbeddings(same model))
  raw torch encode again  how much the machine's load moved during the run (--no-bracket: skip)

Wall-clock ratios use the mean of the two raw torch encodes. The machine is shared, so the
CPU seconds this process used are shown too: a ratio of CPU seconds does not move with other
processes' load (but counts torch's OpenMP threads spinning while they wait).
"""

from __future__ import annotations

import argparse
import gc
import shutil
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=0, help="BBC articles to use (0: all 2,225)")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="index this folder instead of BBC articles")
    ap.add_argument("--work", type=Path, default=C.DEFAULT_WORK / "index")
    ap.add_argument("--batch-size", type=int, default=64,
                    help="batch size for every encoder (askcorpus's default: 64)")
    ap.add_argument("--no-langchain", action="store_true")
    ap.add_argument("--no-bracket", action="store_true",
                    help="do not time the raw torch encode again at the end")
    ap.add_argument("--keep", action="store_true", help="keep the indexes under --work")
    args = ap.parse_args(argv)
    C.offline()
    warnings.filterwarnings("ignore")

    from askcorpus.config import Settings
    from askcorpus.index.embedding import resolve_model
    from askcorpus.index.onnx_embedder import OnnxEmbedder, ensure_export
    from askcorpus.pipeline import Pipeline

    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)
    if args.corpus is not None:
        corpus = args.corpus
    else:
        files = C.bbc_files(args.docs or None)
        corpus = C.copy_files(files, C.BBC_RAW, work / "corpus")
    spec = resolve_model(Settings().model)
    ensure_export(spec, quantized=True)  # made once, at first use: not part of the timing
    C.log(f"machine: {C.machine()}")

    texts, other_s = C.chunk_texts(corpus, work)
    n = len(texts)
    C.log(f"{n:,} chunks; index without embedding took {other_s:.1f}s")

    rows: list[tuple[str, float, float]] = []  # (label, wall seconds, CPU seconds)

    # 1. the model's limit: plain sentence-transformers encode of the same texts
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(spec.path), device="cpu", local_files_only=True)
    model.encode(texts[:32], batch_size=args.batch_size)  # warm
    C.log("raw torch encode ...")
    def raw() -> object:
        return model.encode(texts, batch_size=args.batch_size, normalize_embeddings=True,
                            convert_to_numpy=True, show_progress_bar=False)

    _, raw_s, raw_cpu = C.timed_cpu(raw)
    rows.append(("raw sentence-transformers encode (torch)", raw_s, raw_cpu))
    C.log(f"  {n / raw_s:.1f} chunks/s")

    # 2-3. `askcorpus index` from scratch, each backend
    summaries = {}
    for backend in ("torch", "onnx"):
        gc.collect()
        folder = work / f"index-{backend}"
        shutil.rmtree(folder, ignore_errors=True)
        settings = Settings(corpus=corpus, index=folder, backend=backend,
                            batch_size=args.batch_size, device="cpu")
        C.log(f"askcorpus index, backend {backend} ...")
        summary, secs, cpu = C.timed_cpu(lambda s=settings: Pipeline(s).index())
        assert summary.chunks == n, (summary.chunks, n)
        summaries[backend] = summary
        rows.append((f"askcorpus index, backend {backend}"
                     + (" (int8 ONNX)" if backend == "onnx" else ""), secs, cpu))
        C.log(f"  {n / secs:.1f} chunks/s")

    # 4. the int8 encoder alone
    onnx = OnnxEmbedder(spec, quantized=True, batch_size=args.batch_size)
    onnx.embed_documents(texts[:32])
    C.log("raw onnx int8 encode ...")
    _, onnx_s, onnx_cpu = C.timed_cpu(lambda: onnx.embed_documents(texts))
    rows.append(("OnnxEmbedder.embed_documents alone (int8)", onnx_s, onnx_cpu))

    # 5. the baseline a user would pick instead
    if not args.no_langchain:
        from langchain_community.embeddings import HuggingFaceEmbeddings
        from langchain_community.vectorstores import FAISS
        from langchain_core.documents import Document

        docs = [Document(page_content=t) for t in texts]
        hf = HuggingFaceEmbeddings(model_name=str(spec.path), model_kwargs={"device": "cpu"})
        hf.embed_documents(texts[:32])  # warm
        C.log("LangChain FAISS.from_documents ...")
        _, lc_s, lc_cpu = C.timed_cpu(lambda: FAISS.from_documents(docs, hf))
        rows.append(("LangChain FAISS.from_documents + HuggingFaceEmbeddings (torch)", lc_s,
                     lc_cpu))

    raw_wall, raw_cpus = [raw_s], [raw_cpu]
    if not args.no_bracket:
        C.log("raw torch encode again ...")
        _, raw2_s, raw2_cpu = C.timed_cpu(raw)
        rows.append(("raw sentence-transformers encode (torch), again", raw2_s, raw2_cpu))
        raw_wall.append(raw2_s)
        raw_cpus.append(raw2_cpu)
    base, base_cpu = sum(raw_wall) / len(raw_wall), sum(raw_cpus) / len(raw_cpus)

    if not args.keep:
        for backend in ("torch", "onnx"):
            shutil.rmtree(work / f"index-{backend}", ignore_errors=True)

    table = [(label, n, secs, n / secs, base / secs, cpu, base_cpu / cpu)
             for label, secs, cpu in rows]
    C.print_table(f"Indexing {summaries['torch'].documents:,} articles, {n:,} chunks "
                  f"(batch {args.batch_size}; {C.machine()})",
                  ["what", "chunks", "wall s", "chunks/s", "× raw torch encode (wall)",
                   "CPU s", "× raw torch encode (CPU)"], table)
    wall = {label: secs for label, secs, _ in rows}
    cpu = {label: c for label, _, c in rows}
    lc_label = "LangChain FAISS.from_documents + HuggingFaceEmbeddings (torch)"
    pairs = [("index torch / raw torch encode", "askcorpus index, backend torch", None, 0.9),
             ("index onnx  / raw torch encode", "askcorpus index, backend onnx (int8 ONNX)",
              None, 1.3)]
    if lc_label in wall:
        pairs += [("index onnx  / LangChain", "askcorpus index, backend onnx (int8 ONNX)",
                   lc_label, None),
                  ("index torch / LangChain", "askcorpus index, backend torch", lc_label, None)]
    print()
    for title, ours, theirs, target in pairs:
        w = (wall[theirs] if theirs else base) / wall[ours]
        c = (cpu[theirs] if theirs else base_cpu) / cpu[ours]
        goal = f"   (target ≥ {target:.2f})" if target else ""
        span = ""
        if not theirs and len(raw_wall) == 2:
            span = f", {min(raw_wall) / wall[ours]:.2f}–{max(raw_wall) / wall[ours]:.2f} " \
                   "against either raw run"
        print(f"{title} = {w:.2f} wall{span}; {c:.2f} CPU{goal}")
    print(f"index without embedding (ingest, chunk, BM25, FAISS, write): {other_s:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
