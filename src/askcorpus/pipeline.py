"""Wires the stages: ``Pipeline(settings).ask(question) -> Answer``; ``.index()`` builds."""

from __future__ import annotations

import dataclasses
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .answer.compose import AnswerSettings, compose
from .answer.rerank import CrossEncoderReranker, ReaderReranker, rerank
from .answer.retrieve import MODES, retrieve
from .config import Settings
from .corpus.chunking import ChunkerSettings, wordpiece_counter
from .errors import AskCorpusError, IndexMismatchError, QuestionError
from .index.build import IndexSummary, Progress, build_index, build_key
from .index.embedding import ModelSpec, SentenceTransformerEmbedder, resolve_model
from .index.store.base import IndexBackend, IndexReader
from .index.store.factory import open_backend
from .types import Answer, DocInfo


@dataclass(frozen=True)
class Turn:
    question: str
    answer: Answer | None = None


def clean_question(question: Any, max_chars: int) -> str:
    """The question without control characters; a QuestionError if nothing usable is left."""
    if not isinstance(question, str):
        raise QuestionError("the question must be text")
    cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QuestionError("the question is empty: ask something, e.g. "
                            "\"Who proposed sending NATO troops to Ukraine?\"")
    if len(cleaned) > max_chars:
        raise QuestionError(f"the question is {len(cleaned):,} characters long; the limit is "
                            f"{max_chars:,} (ASKCORPUS_MAX_QUESTION_CHARS)")
    return cleaned


def make_embedder(settings: Settings, spec: ModelSpec) -> Any:
    """The embedder the settings ask for (nothing is loaded until first use); ``auto`` means
    the backend of a new index (Pipeline resolves it against an existing index first)."""
    backend = settings.fresh_backend()
    if backend == "onnx":
        from .index.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(spec, quantized=True, batch_size=settings.batch_size)
    return SentenceTransformerEmbedder(spec, device=settings.device,
                                       batch_size=settings.batch_size)


def make_query_embedder(settings: Settings, spec: ModelSpec) -> Any:
    """The embedder for questions (and answer sentences): same vectors as the index's model,
    but light to load. For a torch-built index on CPU that is the fp32 ONNX export (the same
    model, cosine > 0.9999, same name), run without importing torch."""
    if settings.backend == "torch" and settings.device in ("auto", "cpu"):
        import importlib.util

        if importlib.util.find_spec("onnxruntime") is not None:
            from .index.onnx_embedder import OnnxEmbedder

            return OnnxEmbedder(spec, quantized=False, batch_size=settings.batch_size)
    return make_embedder(settings, spec)


# "latest" / "earliest": the quotes scored at least this share of the best one's are the ones
# that answer, reordered newest (earliest) first
PREFER_WITHIN = 0.8


class Pipeline:
    """Owns one index and one embedder, both loaded on first use (never at construction)."""

    def __init__(self, settings: Settings, embedder: Any | None = None,
                 answer_settings: AnswerSettings | None = None,
                 reranker: Any | None = None) -> None:
        self.settings = settings
        self._embedding_resolved = settings.backend != "auto"
        self._reranker = reranker
        self.answer_settings = answer_settings or AnswerSettings(
            sentence_vectors=settings.sentence_vectors)
        self._embedder = embedder
        self._query_embedder = embedder  # an embedder given is used for everything
        self._spec: ModelSpec | None = None
        self._index: IndexReader | None = None
        self._lock = threading.RLock()  # guards lazy loading and switching generations
        self._retired: IndexReader | None = None  # the generation before the live one
        self._backend: IndexBackend | None = None
        self._reader: Any | None = None
        self._span_model: Any | None = None

    # -- parts, loaded lazily -------------------------------------------------------------
    def _resolve_embedding_backend(self) -> None:
        """Settle ``backend=auto`` once: follow the existing index, else the fresh default."""
        if self._embedding_resolved:
            return
        with self._lock:
            if self._embedding_resolved:
                return
            built = None
            try:
                if self.backend.current_generation() is not None:
                    model = self.backend.read_manifest().get("model")
                    built = model.get("backend") if isinstance(model, dict) else None
            except AskCorpusError:
                built = None  # damaged or unreachable: open/index report it in their own words
            if built not in ("torch", "onnx"):
                built = self.settings.fresh_backend()
            self.settings = self.settings.replace(backend=built)
            self._embedding_resolved = True

    @property
    def embedding_backend(self) -> str:
        """The embedding backend in use: torch or onnx (``auto`` resolved)."""
        self._resolve_embedding_backend()
        return self.settings.backend

    @property
    def spec(self) -> ModelSpec:
        if self._spec is None:
            self._spec = resolve_model(self.settings.model)
        return self._spec

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            self._resolve_embedding_backend()
            self._embedder = make_embedder(self.settings, self.spec)
        return self._embedder

    @property
    def query_embedder(self) -> Any:
        """What ``ask`` embeds with: never the indexing model when a lighter one is the same."""
        if self._query_embedder is None:
            with self._lock:
                if self._query_embedder is None:
                    self._resolve_embedding_backend()
                    self._query_embedder = make_query_embedder(self.settings, self.spec)
        return self._query_embedder

    @property
    def reader(self) -> Any | None:
        """askcorpus's answer reader (loaded on first use), or None when ``reader=off``."""
        from .answer.reader import Reader

        return self._own_model("_reader", self.settings.reader, Reader)

    @property
    def span_model(self) -> Any | None:
        """askcorpus's answer-span model (loaded on first use), or None when ``spans=off``."""
        from .answer.span import SpanModel

        return self._own_model("_span_model", self.settings.spans, SpanModel)

    def _own_model(self, slot: str, setting: str, kind: Any) -> Any | None:
        """One of askcorpus's packaged models, made once (``setting``: on, off or a folder)."""
        if setting == "off":
            return None
        if getattr(self, slot) is None:
            with self._lock:
                if getattr(self, slot) is None:
                    setattr(self, slot, kind(None if setting == "on" else setting))
        return getattr(self, slot)

    def count_tokens(self) -> Any:
        counter = getattr(self._embedder, "count_tokens", None)
        return counter or wordpiece_counter(str(self.spec.tokenizer_json))

    @property
    def backend(self) -> IndexBackend:
        """Where the index lives: the folder (default) or the database of ``settings.store``."""
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    self._backend = open_backend(self.settings)
        return self._backend

    @property
    def store(self) -> IndexReader:
        """The live index generation; a newer one written meanwhile is picked up here."""
        with self._lock:
            gen = self.backend.current_generation()
            if self._index is not None and gen != self._index.generation_name:
                # the old one stays open for requests still using it, until the next switch
                if self._retired is not None:
                    self._retired.close()
                self._retired, self._index = self._index, None
            if self._index is None:
                self._check_compatible()
                self._index = self.backend.open(ef_search=self.settings.hnsw_ef_search)
            return self._index

    def article(self, doc_id: str) -> dict[str, Any]:
        """A whole article for display: attribution and its original text."""
        with self.store.snapshot() as store:
            infos = store.doc_infos([doc_id])
            if doc_id not in infos:
                raise QuestionError(f"no article with id {doc_id!r} in the index")
            info = infos[doc_id]
            return {"doc_id": info.id, "title": info.title, "outlet": info.outlet,
                    "author": info.author, "date": info.date, "url": info.url, "path": info.path,
                    "paths": list(info.paths), "record": info.record,
                    "text": store.doc_text(doc_id)}

    def stats(self) -> dict[str, Any]:
        """What the live index holds, for an index panel."""
        store = self.store  # one generation for the whole answer, even mid-switch
        m = store.manifest
        docs = store.document_entries()
        return {"documents": m["counts"]["documents"], "chunks": m["counts"]["chunks"],
                "model": m["model"]["name"], "dim": m["model"]["dim"],
                "built_at": m.get("built_at"), "vector_index": m["vector_index"]["type"],
                "generation": store.generation_name,
                "outlets": sorted({d["outlet"] for d in docs.values() if d.get("outlet")}),
                "articles": [{"doc_id": k, "title": d["title"], "paths": d["paths"],
                              "outlet": d.get("outlet")} for k, d in docs.items()]}

    def expected_build_key(self) -> dict[str, Any]:
        """The build key an index made with the current settings would carry."""
        if self._embedder is not None:
            name, dim = self._embedder.name, self._embedder.dim
        else:
            name, dim = self.spec.name, self.spec.dim
            if self.embedding_backend != "torch":
                name = f"{name}@{self.embedding_backend}"
        chunker = ChunkerSettings(self.settings.chunk_tokens, self.settings.chunk_overlap,
                                  tokenizer=str(name),
                                  title_context=bool(self.settings.title_context))
        return build_key(name, dim, chunker)

    def _check_compatible(self) -> None:
        built = self.backend.read_manifest().get("build_key", {})
        expected = self.expected_build_key()
        if built == expected:
            return
        diffs = []
        for key in ("model", "dim", "ingest_version"):
            if built.get(key) != expected[key]:
                diffs.append(f"{key} {built.get(key)} (settings: {expected[key]})")
        old, new = built.get("chunker", {}), expected["chunker"]
        diffs += [f"{k} {old.get(k)} (settings: {new[k]})" for k in new if old.get(k) != new[k]]
        raise IndexMismatchError(
            f"{self.backend.location} was built with other settings: {'; '.join(diffs)}: "
            "run `askcorpus index` to rebuild it")

    # -- work -----------------------------------------------------------------------------
    def index(self, *, rebuild: bool = False, progress: Progress | None = None) -> IndexSummary:
        summary = build_index(self.settings, self.embedder, self.count_tokens(), rebuild=rebuild,
                              progress=progress, backend=self.backend)
        return summary

    def ask(self, question: str, history: Sequence[Turn | str] | None = None, *,
            k: int | None = None, mode: str | None = None,
            paths: Sequence[str] | None = None, since: str | None = None,
            until: str | None = None, as_of: str | None = None, undated: str = "include",
            time: bool = True, order: str = "score", time_fallback: bool = True) -> Answer:
        """Answer one question with quotes; ``paths`` limits the search to those articles.

        ``since`` / ``until`` (ISO days, a month or a year) limit it to the articles dated in
        that range; else, with ``time``, a time expression in the question does ("in March
        1987", "last week", resolved against ``as_of``, default: the newest article's date).
        ``undated``: "include" (default) or "exclude" the articles that state no date.
        ``order``: "score" (best first) or "date" (each article's quotes, earliest first).
        ``time_fallback``: when the question's own time expression leaves no answer, answer
        from articles of any date and say so (False: abstain, as for --since/--until)."""
        from .answer.followup import resolve_followup
        from .answer.timewindow import parse_as_of, user_window

        q = clean_question(question, self.settings.max_question_chars)
        k = self.settings.top_k if k is None else k
        if not isinstance(k, int) or isinstance(k, bool):
            raise QuestionError("the number of quotes must be a whole number")
        mode = mode or self.settings.mode
        reranker = self._reranker_for(mode)
        if k < 1 or k > 50:
            raise QuestionError("the number of quotes must be between 1 and 50")
        if undated not in ("include", "exclude"):
            raise QuestionError("undated must be include or exclude")
        if order not in ("score", "date"):
            raise QuestionError("order must be score or date")
        window = user_window(since, until)
        reference = parse_as_of(as_of)
        resolved = resolve_followup(q, history or [])
        live = self.store
        qvec = self.query_embedder.embed_query(resolved) if mode != "bm25" else None
        with live.snapshot() as store:  # one consistent state for the whole answer
            if window is None and time:
                window = self._question_time(store, resolved, reference)
                if window is None:  # "before the summit": dated by the articles retrieved
                    window = self._event_time(store, resolved, qvec, k=k, mode=mode,
                                              reranker=reranker, paths=paths)
            answer = self._answer(store, q, resolved, qvec, k=k, mode=mode, reranker=reranker,
                                  paths=paths, window=window, undated=undated)
            if (window is not None and window.expression and not answer.answered
                    and time_fallback):
                # "in 1986" may name when it happened, not when it was reported: no article
                # dated then answers, so the articles of any date are asked, and it is said
                wider = self._answer(store, q, resolved, qvec, k=k, mode=mode,
                                     reranker=reranker, paths=paths)
                if wider.answered:
                    if window.event:
                        from .answer.timewindow import event_clause

                        said = (f"No article dated {window.label} "
                                f"({event_clause(window.to_dict()).lstrip(', ')}) answers "
                                "this; these quotes are from articles of any date.")
                    else:
                        said = (f"No article dated {window.label} answers this; these quotes "
                                f"are from articles of any date (“{window.expression}” may be "
                                "when it happened rather than when it was reported).")
                    answer = dataclasses.replace(wider, message=f"{said} {wider.message}",
                                                 extra={**wider.extra, "time": {
                                                     **answer.extra["time"], "fallback": True}})
        if time:
            answer = self._prefer_time(answer, resolved)
        if order == "date":
            answer = by_date(answer)
        return answer

    def _event_time(self, store: IndexReader, question: str, qvec: np.ndarray | None, *,
                    k: int, mode: str, reranker: Any | None,
                    paths: Sequence[str] | None) -> Any:
        """The window of a time relative to an event ("after the Louvre accord"): the event
        is dated by the earliest dated article, among those retrieved for the question, that
        mentions it. None when the question names no event or no such article dates it."""
        from .answer.timewindow import event_window, find_event, mentions

        ref = find_event(question)
        if ref is None:
            return None
        allowed = self._allowed(store, paths) if paths else None
        hits = retrieve(store, question, qvec, mode="hybrid" if reranker else mode,
                        k=max(k * 3, 30), candidates=self.settings.candidates,
                        rrf_k=self.settings.rrf_k, allowed=allowed)
        ids = list(dict.fromkeys(h.chunk.doc_id for h in hits))
        infos = store.doc_infos(ids)
        dated = sorted((infos[i].date, n, i) for n, i in enumerate(ids)
                       if i in infos and infos[i].date)
        for day, _, doc_id in dated:
            if mentions(store.doc_text(doc_id), ref.words):
                return event_window(ref, day)
        return None

    @staticmethod
    def _prefer_time(answer: Answer, question: str) -> Answer:
        """ "latest", "most recent" / "earliest", "first reported": the answering quotes
        from the newest (or earliest) articles first, undated ones last, and it is said.
        No filter: the quotes are the same ones."""
        from .answer.timewindow import find_preference

        pref = find_preference(question)
        if pref is None or not answer.answered or not answer.quotes:
            return answer
        newest = pref.prefer == "newest"
        quotes = answer.quotes
        # the quotes that answer: those scored near the best one; the others stay after them,
        # in score order (a newer article that does not answer is not put first)
        top = quotes[0].score
        answering = [i for i, qt in enumerate(quotes)
                     if i == 0 or (top > 0 and qt.score >= PREFER_WITHIN * top)]
        dates = sorted({quotes[i].doc.date for i in answering if quotes[i].doc.date},
                       reverse=newest)
        rank = {d: n for n, d in enumerate(dates)}
        order = sorted(answering, key=lambda i: (
            quotes[i].doc.date is None, rank.get(quotes[i].doc.date or "", 0), i))
        order += [i for i in range(len(quotes)) if i not in set(answering)]
        new_at = {old: new for new, old in enumerate(order)}
        extra = {**answer.extra, "preference": {**pref.to_dict(), "answering_quotes": len(
            answering)}}
        if isinstance(extra.get("articles"), list):
            arts = [{**a, "quotes": sorted(new_at[n] for n in a.get("quotes", [])
                                           if n in new_at)} for a in extra["articles"]]
            extra["articles"] = sorted(arts, key=lambda a: min(a["quotes"], default=len(order)))
        said = (f"{'Newest' if newest else 'Earliest'} articles first among the quotes that "
                f"answer (“{pref.expression}”).")
        return dataclasses.replace(
            answer, quotes=tuple(answer.quotes[i] for i in order), extra=extra,
            message=f"{said} {answer.message}" if answer.message else said)

    def _question_time(self, store: IndexReader, question: str, as_of: Any) -> Any:
        """The window a time expression in the question means (None: it states no time)."""
        from datetime import date

        from .answer.timewindow import find_time

        if as_of is None:
            newest = store.date_bounds()[1]
            as_of = date.fromisoformat(newest) if newest else date.today()
        return find_time(question, as_of)

    def _answer(self, store: IndexReader, q: str, resolved: str, qvec: np.ndarray | None, *,
                k: int, mode: str, reranker: Any | None,
                paths: Sequence[str] | None, window: Any = None,
                undated: str = "include") -> Answer:
        from .answer.followup import focus_of

        allowed = self._allowed(store, paths) if paths else None
        time_info: dict[str, Any] = {}
        if window is not None:
            inside, no_date = store.dated_ids(window.since, window.until)
            in_range = inside | no_date if undated == "include" else inside
            allowed = in_range if allowed is None else allowed & in_range
            time_info = {**window.to_dict(), "undated": undated,
                         "articles_in_range": len(inside & allowed),
                         "undated_articles": len(no_date & allowed)}
        # the same depth whatever k is: the first quotes of k=3 and k=10 are the same
        hits = retrieve(store, resolved, qvec, mode="hybrid" if reranker else mode,
                        k=max(k * 3, 30),
                        candidates=self.settings.candidates, rrf_k=self.settings.rrf_k,
                        allowed=allowed)
        if reranker is not None:
            hits = rerank(resolved, hits, reranker)
        if qvec is None:
            qvec = self.query_embedder.embed_query(resolved)
        answer = compose(resolved, hits, store, self.query_embedder, qvec, k=k,
                         settings=self.answer_settings, focus=focus_of(q, resolved),
                         reader=self.reader, spans=self.span_model)
        extra = {**answer.extra, "mode": mode}
        message = answer.message
        if window is not None:
            undated_quoted = len({qt.doc.id for qt in answer.quotes if not qt.doc.date})
            extra["time"] = {**time_info, "undated_quoted": undated_quoted}
            from .answer.timewindow import time_statement

            message = time_statement(extra["time"]) + (f" {message}" if message else "")
        return Answer(question=q, answered=answer.answered, quotes=answer.quotes,
                      related=answer.related, message=message, resolved_question=resolved,
                      confidence=answer.confidence, extra=extra)

    def _reranker_for(self, mode: str) -> Any | None:
        if mode in MODES:
            return None
        if mode != "rerank":
            raise QuestionError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}, "
                                "rerank")
        if self._reranker is None:
            if self.settings.reranker:
                self._reranker = CrossEncoderReranker(self.settings.reranker)
            else:  # askcorpus's own reader, whether or not it ranks sentences too
                from .answer.reader import Reader

                reader = self.reader or Reader()
                self._reranker = ReaderReranker(reader)
        return self._reranker

    def rank_documents(self, question: str, *, mode: str | None = None,
                       depth: int = 100) -> list[DocInfo]:
        """Articles ranked for a question (best chunk decides), for retrieval benchmarks."""
        q = clean_question(question, self.settings.max_question_chars)
        mode = mode or self.settings.mode
        reranker = self._reranker_for(mode)
        live = self.store
        qvec = self.query_embedder.embed_query(q) if mode != "bm25" else None
        pool = max(self.settings.candidates, depth * 3)
        with live.snapshot() as store:
            hits = retrieve(store, q, qvec, mode="hybrid" if reranker else mode, k=pool,
                            candidates=pool, rrf_k=self.settings.rrf_k)
            if reranker is not None:
                hits = rerank(q, hits, reranker)
            order = list(dict.fromkeys(h.chunk.doc_id for h in hits))[:depth]
            infos = store.doc_infos(order)
        return [infos[d] for d in order if d in infos]

    def _allowed(self, store: IndexReader, paths: Sequence[str]) -> set[str]:
        """The ids of the documents named (by id, path or outlet)."""
        wanted = set(paths)
        return {info.id for info, _ in store.documents()
                if wanted & ({info.id, info.path, *info.paths, info.outlet or ""})}

    def close(self) -> None:
        with self._lock:
            for index in (self._index, self._retired):
                if index is not None:
                    index.close()
            self._index = self._retired = None
            close = getattr(self._backend, "close", None)  # a database connection, if any
            if close is not None:
                close()


def by_date(answer: Answer) -> Answer:
    """The answer's quotes grouped by article, articles earliest first (undated last), each
    article's quotes in text order: who said what, when. ``articles`` follow the same order
    and point at the quotes' new positions."""
    import dataclasses

    first: dict[str, int] = {}
    for i, q in enumerate(answer.quotes):
        first.setdefault(q.doc.id, i)
    order = sorted(range(len(answer.quotes)), key=lambda i: (
        answer.quotes[i].doc.date is None, answer.quotes[i].doc.date or "",
        first[answer.quotes[i].doc.id], answer.quotes[i].start))
    new_at = {old: new for new, old in enumerate(order)}
    extra = {**answer.extra, "order": "date"}
    if isinstance(extra.get("articles"), list):
        arts = [{**a, "quotes": sorted(new_at[n] for n in a.get("quotes", []) if n in new_at)}
                for a in extra["articles"]]
        extra["articles"] = sorted(arts, key=lambda a: (a.get("date") is None,
                                                        a.get("date") or "",
                                                        min(a["quotes"], default=0)))
    return dataclasses.replace(answer, quotes=tuple(answer.quotes[i] for i in order),
                               extra=extra)
