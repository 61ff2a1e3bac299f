"""Build or update the index: ingest -> chunk -> embed (only what changed) -> store.

Unchanged documents (same content hash) keep their vectors; changed ones are replaced and
deleted ones removed. Nothing is written, and no model is loaded, when nothing changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from ..corpus.chunking import Chunker, ChunkerSettings
from ..corpus.ingest import load_corpus
from ..corpus.neardup import clusters, signature
from ..corpus.sentences import document_sentences
from ..errors import AskCorpusError, CorpusError
from ..types import Chunk, Document, Skipped
from ..version import __version__
from .late_pooling import STORED_DTYPE, SentenceAccumulator, chunk_spans
from .lexical import BM25_PARAMS
from .store.base import IndexBackend, NewGeneration
from .store.factory import open_backend
from .store.folder import SCHEMA_VERSION

Progress = Callable[[str, int, int], None]  # (stage, done, total)
# Bump when ingestion or chunking changes what is derived from the same files (spans, titles,
# outlets): indexes built before are then rebuilt instead of keeping stale derived data.
INGEST_VERSION = 5  # 5: ISO 8601 dates with their source (corpus/dates)
# 4: corpus/formats (trafilatura HTML, PDF, DOCX, RTF, e-mail, exports)


@dataclass
class IndexSummary:
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # documents embedded in this run
    embedded_chunks: int = 0
    reused: int = 0  # documents whose vectors were kept
    replaced: int = 0  # changed documents (a path whose content changed), counted in embedded
    removed: int = 0  # documents gone from the corpus
    skipped: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False
    rebuilt: str | None = None  # why everything was re-embedded, if it was
    generation: str | None = None
    vector_index: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_key(model_name: str, dim: int, chunker: ChunkerSettings) -> dict[str, Any]:
    """What must match for stored vectors to be reused or queried."""
    return {"model": model_name, "dim": dim, "chunker": chunker.as_dict(),
            "ingest_version": INGEST_VERSION}


def _doc_entry(d: Document, n_chunks: int) -> dict[str, Any]:
    return {"paths": list(d.all_paths), "chunks": n_chunks, "title": d.title,
            "outlet": d.outlet, "date": d.date, "date_source": d.date_source, "url": d.url,
            "record": d.record,
            "author": d.author}


def build_index(
    settings: Settings,
    embedder: Any,
    count_tokens: Callable[[str], int],
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    backend: IndexBackend | None = None,
) -> IndexSummary:
    """Make the index (``settings.index``, or the database ``settings.store``) match
    ``settings.corpus``. ``embedder`` is used only if needed."""
    t0 = time.perf_counter()
    backend = backend or open_backend(settings)
    chunker_settings = ChunkerSettings(settings.chunk_tokens, settings.chunk_overlap,
                                       tokenizer=str(embedder.name),
                                       title_context=bool(settings.title_context))
    key = build_key(embedder.name, embedder.dim, chunker_settings)
    summary = IndexSummary()
    with backend.writer(settings) as writer:
        docs, skipped = load_corpus(settings.corpus, max_file_mb=settings.max_file_mb)
        summary.skipped = [{"path": s.path, "reason": s.reason} for s in skipped]
        if not docs:
            raise CorpusError(_empty_corpus_message(settings.corpus, skipped))
        docs.sort(key=lambda d: (d.path, d.record or ""))

        previous, why = _previous(backend, key, rebuild)
        summary.rebuilt = why
        reusable: dict[str, Any] = {}
        old_minhash: dict[str, bytes] = {}
        old_sentences: dict[str, np.ndarray] = {}
        old_docs: dict[str, Any] = {}
        if previous is not None:
            old_docs = previous.document_entries()
            new_ids = {d.id for d in docs}
            new_paths = {p for d in docs for p in d.all_paths}
            old_paths = {p: i for i, e in old_docs.items() for p in e.get("paths", [])}
            summary.removed = sum(1 for i, e in old_docs.items() if i not in new_ids
                                  and not new_paths & set(e.get("paths", [])))
            summary.replaced = sum(1 for d in docs if d.id not in old_docs and any(
                old_paths.get(p, d.id) != d.id for p in d.all_paths))
            if why is None and _same_documents(old_docs, docs):
                previous.close()
                summary.up_to_date = True
                summary.documents = len(docs)
                summary.chunks = previous.manifest["counts"]["chunks"]
                summary.reused = len(docs)
                summary.generation = previous.generation_name
                summary.vector_index = previous.manifest.get("vector_index", {}).get("type")
                summary.seconds = round(time.perf_counter() - t0, 3)
                return summary
            if why is None:
                # an incremental store keeps unchanged documents where they are: no vectors
                # need to travel; the folder store rewrites everything, so it needs them all
                reusable = ({d.id: None for d in docs if d.id in old_docs}
                            if backend.incremental else previous.doc_vectors())  # type: ignore[attr-defined]
                old_minhash = previous.minhashes()
                if not backend.incremental:  # rewritten with the rest: carry them over
                    old_sentences = previous.sentence_vectors(list(reusable))
            previous.close()

        chunker = Chunker(count_tokens, chunker_settings)
        chunks: list[Chunk] = []
        indexed: list[str] = []  # the text embedded / BM25-indexed for each chunk
        vec_parts: list[tuple[int, np.ndarray | None]] = []  # (n, vectors or None = embed)
        to_embed: list[str] = []
        fresh: set[str] = set()
        per_doc: dict[str, int] = {}
        # sentence vectors pooled from the same model run (when the embedder can)
        pooling = hasattr(embedder, "embed_with_spans")
        span_lists: list[list[tuple[int, int]]] = []  # per embedded chunk: its sentences
        span_owner: list[tuple[str, list[int]]] = []  # per embedded chunk: (doc, sentence nos)
        n_sentences: dict[str, int] = {}
        for n, d in enumerate(docs, 1):
            old = reusable.get(d.id)
            if old is None and d.id in reusable:  # kept in place by an incremental store
                per_doc[d.id] = int(old_docs[d.id].get("chunks", 0))
                summary.reused += 1
            elif old is not None:
                rows, vecs = old
                mine = [Chunk(d.id, s, e, d.text[s:e], o) for o, s, e in rows]
                chunks.extend(mine)
                indexed.extend(chunker.indexed_text(d, c) for c in mine)
                vec_parts.append((len(rows), vecs))
                summary.reused += 1
            else:
                new = chunker.split(d)
                chunks.extend(new)
                texts = [chunker.indexed_text(d, c) for c in new]
                indexed.extend(texts)
                vec_parts.append((len(new), None))
                to_embed.extend(texts)
                fresh.add(d.id)
                summary.embedded += 1
                if pooling:
                    sents = document_sentences(d.text, d.spans)
                    n_sentences[d.id] = len(sents)
                    for c, t in zip(new, texts, strict=True):
                        which, spans = chunk_spans(sents, c.start, c.end, len(t) - len(c.text))
                        span_lists.append(spans)
                        span_owner.append((d.id, which))
            if progress:
                progress("chunking", n, len(docs))
        summary.embedded_chunks = len(to_embed)

        embedded = np.zeros((0, embedder.dim), np.float32)
        if to_embed:
            done = 0

            def tick(k: int) -> None:
                nonlocal done
                done += k
                if progress:
                    progress("embedding", done, len(to_embed))

            if pooling:
                embedded, pooled = embedder.embed_with_spans(to_embed, span_lists, progress=tick)
            else:
                embedded = embedder.embed_documents(to_embed, progress=tick)
        vectors = _assemble(vec_parts, embedded, embedder.dim)
        sentence_vectors: dict[str, np.ndarray] | None = None
        if pooling:
            acc = SentenceAccumulator(embedder.dim)
            if to_embed:
                for (doc_id, which), (vecs, counts) in zip(span_owner, pooled, strict=True):
                    acc.add(doc_id, which, vecs, counts)
            sentence_vectors = {d: acc.matrix(d, k) for d, k in n_sentences.items()}
            sentence_vectors.update({d: m for d, m in old_sentences.items()
                                     if d not in sentence_vectors})

        if progress:
            progress("indexing", 0, 1)
        minhashes = {d.id: old_minhash.get(d.id) or signature(d.text).tobytes() for d in docs}
        groups = clusters([d.id for d in docs],
                          [np.frombuffer(minhashes[d.id], dtype=np.uint64) for d in docs])
        for c in chunks:
            per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
        total_chunks = sum(per_doc.values())
        vtype = "hnsw" if total_chunks > settings.ann_threshold else "flat"
        manifest = {
            "schema_version": SCHEMA_VERSION,
            "askcorpus_version": __version__,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "corpus": str(settings.corpus.resolve()),
            "build_key": key,
            "model": {"name": embedder.name, "dim": embedder.dim, "normalized": True,
                      "backend": getattr(embedder, "backend", type(embedder).__name__)},
            "chunker": chunker_settings.as_dict(),
            # vectors of every sentence, pooled from the chunk's token states (late_pooling)
            "sentence_vectors": {"pooled": pooling, "dtype": STORED_DTYPE},
            "lexical": BM25_PARAMS,
            "vector_index": {"type": vtype, "metric": "inner_product",
                             "ann_threshold": settings.ann_threshold, "hnsw_m": settings.hnsw_m},
            "counts": {"documents": len(docs), "chunks": total_chunks,
                       "near_duplicate_groups": len({g for i, g in groups.items() if i != g})},
            "documents": {d.id: _doc_entry(d, per_doc.get(d.id, 0)) for d in docs},
            "skipped": summary.skipped,
        }
        gen, n_chunks = writer.write(NewGeneration(
            manifest=manifest, docs=docs, chunks=chunks, texts=indexed, vectors=vectors,
            clusters=groups, minhashes=minhashes, fresh=fresh, replace_all=why is not None,
            sentence_vectors=sentence_vectors))
        if progress:
            progress("indexing", 1, 1)
    summary.documents = len(docs)
    summary.chunks = n_chunks
    summary.generation = gen
    summary.vector_index = vtype
    summary.seconds = round(time.perf_counter() - t0, 3)
    return summary


def _previous(backend: IndexBackend, key: dict[str, Any],
              rebuild: bool) -> tuple[Any, str | None]:
    """The previous index if usable, and the reason everything must be re-embedded, if any."""
    try:
        if backend.current_generation() is None:
            return None, None
        manifest = backend.read_manifest()
        previous = backend.open()
    except AskCorpusError as e:
        return None, f"previous index unusable ({e})"
    if rebuild:
        return previous, "--rebuild requested"
    if manifest.get("build_key") != key:
        return previous, "build settings changed (model, chunker or ingestion version)"
    return previous, None


def _same_documents(old: dict[str, Any], docs: list[Document]) -> bool:
    if set(old) != {d.id for d in docs}:
        return False
    for d in docs:
        entry = dict(old[d.id])
        entry.pop("chunks", None)
        fresh = _doc_entry(d, 0)
        fresh.pop("chunks")
        if entry != fresh:
            return False
    return True


def _assemble(parts: list[tuple[int, np.ndarray | None]], embedded: np.ndarray,
              dim: int) -> np.ndarray:
    total = sum(n for n, _ in parts)
    out = np.zeros((total, dim), np.float32)
    row = 0
    fresh = 0
    for n, vecs in parts:
        if vecs is None:
            out[row:row + n] = embedded[fresh:fresh + n]
            fresh += n
        else:
            out[row:row + n] = vecs
        row += n
    return out


def _empty_corpus_message(root: Path, skipped: list[Skipped]) -> str:
    if not skipped:
        return f"no articles found in {root}: add .txt, .md, .html, .json or .jsonl files"
    reasons: dict[str, int] = {}
    for s in skipped:
        reasons[s.reason] = reasons.get(s.reason, 0) + 1
    top = "; ".join(f"{n}× {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1])[:3])
    return f"no readable articles in {root} ({len(skipped)} files skipped: {top})"
