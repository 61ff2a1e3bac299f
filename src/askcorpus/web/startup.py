"""Getting the index ready in a background thread while the page already shows progress."""

from __future__ import annotations

import logging
import threading
from typing import Any

from ..errors import AskCorpusError

log = logging.getLogger("askcorpus.web")

_STAGES = {"chunking": ("Reading articles", "articles"),
           "embedding": ("Embedding passages", "chunks"),
           "indexing": ("Writing the index", "")}
_LOG = {"chunking": "reading {total:,} articles", "embedding": "embedding {total:,} passages",
        "indexing": "writing the index"}


def progress_text(stage: str, done: int, total: int) -> str:
    """One line for an indexing progress tick: "Embedding passages: 3/10 chunks"."""
    label, unit = _STAGES.get(stage, (stage.capitalize(), ""))
    return f"{label}: {done:,}/{total:,} {unit}".rstrip() if total > 1 else f"{label}…"


class Startup:
    """Brings ``pipeline``'s index up to date, then loads the model, in a daemon thread.

    :meth:`snapshot` is what the page polls: ``phase`` (starting | indexing | loading | ready |
    error), a one-line ``message``, ``done``/``total`` for a progress bar, ``ready``, and a
    ``warning`` when an existing index is served although updating it failed.
    """

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"phase": "starting", "message": "Starting…",
                                       "done": None, "total": None, "ready": False,
                                       "warning": None}
        self._stats: dict[str, Any] | None = None
        self._thread: threading.Thread | None = None
        self._stage: str | None = None
        self.done = threading.Event()
        # one index update at a time in this process (start-up, page uploads, --watch): the
        # index's own lock refuses a second writer instead of waiting for it
        self.index_lock = threading.Lock()

    # -- reading ----------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)

    @property
    def ready(self) -> bool:
        with self._lock:
            return bool(self._state["ready"])

    def not_ready_message(self) -> str:
        snap = self.snapshot()
        if snap["phase"] == "error":
            return f"the index is unavailable: {snap['message']}"
        return f"the index is not ready yet ({snap['message']}); try again in a moment"

    def stats(self, refresh: bool = False) -> dict[str, Any] | None:
        """``pipeline.stats()`` once ready (cached; ``refresh`` re-reads the live index)."""
        if not self.ready:
            return None
        if self._stats is None or refresh:
            try:
                self._stats = self.pipeline.stats()
            except AskCorpusError as e:
                log.warning("index stats unavailable: %s", e)
        return self._stats

    # -- running ----------------------------------------------------------------------------
    def start(self) -> Startup:
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="askcorpus-startup",
                                            daemon=True)
            self._thread.start()
        return self

    def _set(self, **changes: Any) -> None:
        with self._lock:
            self._state.update(changes)

    def update_index(self, progress: Any = None) -> Any:
        """An incremental index update while serving (after uploads, removals or ``--watch``
        changes); waits for any other update of this process. Returns the IndexSummary; the
        shared Pipeline answers from the new generation at once. Raises AskCorpusError."""
        self.done.wait()  # the start-up indexing first
        with self.index_lock:
            summary = self.pipeline.index(progress=progress)
        self.stats(refresh=True)
        return summary

    def _progress(self, stage: str, done: int, total: int) -> None:
        if stage != self._stage:  # the log gets one line per stage, the page every tick
            self._stage = stage
            log.info(_LOG.get(stage, stage + " ({total:,})").format(total=total))
        text = progress_text(stage, done, total)
        if stage == "chunking" and done >= total:  # the model may load now: say what is next
            self._set(phase="indexing", message=f"Read {total:,} articles · embedding new "
                      "passages…", done=None, total=None)
            return
        self._set(phase="indexing", message=text, done=done, total=total)

    def _database_only(self) -> bool:
        """A replica serving a database index (--store) without the corpus: another machine
        (`askcorpus index --store …`) keeps that index up to date."""
        settings = getattr(self.pipeline, "settings", None)
        return bool(getattr(settings, "store", "")) and not settings.corpus.is_dir()

    def run(self) -> None:
        """Index (a quick no-op when up to date), then load the model. Never raises."""
        try:
            self._set(phase="indexing", message="Checking the index against the corpus…")
            try:
                if self._database_only():
                    self.pipeline.stats()  # the index is there and readable
                    log.info("serving the index in the database (no corpus folder here)")
                else:
                    with self.index_lock:
                        summary = self.pipeline.index(progress=self._progress)
                    log.info("index %s: %s documents, %s chunks",
                             "up to date" if getattr(summary, "up_to_date", False) else "built",
                             getattr(summary, "documents", "?"),
                             getattr(summary, "chunks", "?"))
            except AskCorpusError as e:
                try:  # an older but complete index can still answer
                    self.pipeline.stats()
                except AskCorpusError:
                    raise e from None
                log.warning("index not updated, serving the existing one: %s", e)
                self._set(warning=f"index not updated: {e}")
            self._set(phase="loading", message="Loading the embedding model…", done=None,
                      total=None)
            warm = getattr(self.pipeline, "query_embedder", None) or self.pipeline.embedder
            warm.embed_query("warm up")  # the model that answers questions (not the indexer's)
            spans = getattr(self.pipeline, "span_model", None)
            if spans is not None:  # the first answer need not load it (a damaged file: here)
                self._set(message="Loading the answer-span model…")
                spans.warm_up()
            stats = self.pipeline.stats()
            self._stats = stats
            log.info("ready: the chat is open")
            self._set(phase="ready", ready=True,
                      message=f"Ready · {stats['documents']:,} articles · "
                              f"{stats['chunks']:,} chunks")
        except AskCorpusError as e:
            log.error("cannot serve: %s", e)
            self._set(phase="error", message=str(e), done=None, total=None)
        except Exception as e:  # a bug: keep the server up, say so in the page and the log
            log.exception("startup failed")
            self._set(phase="error", message=f"startup failed ({type(e).__name__}: {e}); "
                                             "see the server log", done=None, total=None)
        finally:
            self.done.set()
