"""What the page and the ``/ask`` API do, without gradio: ask, open an article, describe."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AskCorpusError, QuestionError
from . import render
from .startup import Startup

log = logging.getLogger("askcorpus.web")

MODES = ("hybrid", "dense", "bm25")
MAX_HISTORY = 20  # previous questions passed on for follow-up resolution
SHOW_CONTEXT = 600  # characters of article shown either side of a quote by show()
MAX_SHOW_CONTEXT = 20_000

# Questions the shipped corpus answers (shown on the welcome screen when it is indexed).
SEED_EXAMPLES = (
    "Who proposed sending NATO troops to Ukraine for training?",
    "How many North Korean soldiers are fighting for Russia?",
    "Is the report of 800,000 troops confirmed?",
    "What did Iran give Russia?",
    "Which countries backed Poland's air-defence plan?",
)
_SEED_FILES = {"000_c79d4084c955e875.txt", "003_40e451d91cf98c43.txt"}


def answer_json(answer: dict[str, Any]) -> str:
    """One answer as the line `askcorpus ask --json` prints for it."""
    return json.dumps(answer, ensure_ascii=False)


def _history(history: Any) -> list[str]:
    if not history:
        return []
    if isinstance(history, str):
        history = [history]
    out = []
    for h in list(history)[-MAX_HISTORY:]:
        text = h if isinstance(h, str) else (h.get("question") if isinstance(h, dict) else None)
        if isinstance(text, str) and text.strip():
            out.append(text)
    return out


def _filters(filters: Any) -> list[str] | None:
    if not filters:
        return None
    if isinstance(filters, str):
        filters = [filters]
    kept = [str(f) for f in filters if isinstance(f, str) and f.strip()]
    return kept or None


def _k(k: Any, default: int) -> int | None:
    if k is None or k == "":
        return default
    try:
        return int(float(k))
    except (TypeError, ValueError):
        return None


def _whole(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise QuestionError(f"{name} must be a whole number, not {value!r}")
    try:
        number = float(value)
        whole = int(number)
    except (TypeError, ValueError, OverflowError):
        raise QuestionError(f"{name} must be a whole number, not {value!r}") from None
    if number != whole:
        raise QuestionError(f"{name} must be a whole number, not {value!r}")
    return whole


@dataclass(frozen=True)
class Change:
    """What adding or removing files from the page did: a one-line ``message``, one line per
    file refused or renamed (``problems``), and the files changed (``names``; when there are
    any, the index needs an update)."""

    message: str
    problems: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)

    def html(self) -> str:
        return render.render_note(self.message, self.problems)


class ChatService:
    """One shared Pipeline behind every session (it is thread-safe for ``ask``)."""

    def __init__(self, pipeline: Any, startup: Startup, concurrency: int | None = None, *,
                 manage: bool = False, login_required: bool = False) -> None:
        self.pipeline = pipeline
        self.startup = startup
        self.manage = manage  # the Index tab may add and remove article files
        self.login_required = login_required
        # Answers computed at once, whoever asks (the page, /ask, MCP tools): gradio's queue
        # bounds the first two, this also covers calls that do not go through the queue.
        self._answering = threading.BoundedSemaphore(concurrency) if concurrency else None

    @property
    def default_k(self) -> int:
        return max(1, min(10, int(getattr(self.pipeline.settings, "top_k", 5) or 5)))

    @property
    def default_mode(self) -> str:
        mode = getattr(self.pipeline.settings, "mode", "hybrid")
        return mode if mode in MODES else "hybrid"

    def ask(self, question: Any, history: Any = None, k: Any = None, mode: Any = None,
            filters: Any = None) -> dict[str, Any]:
        """``Answer.to_dict()``, or ``{"question": ..., "error": "..."}``; never raises."""
        q = question if isinstance(question, str) else ("" if question is None else question)
        try:
            if not self.startup.ready:
                raise AskCorpusError(self.startup.not_ready_message())
            n = _k(k, self.default_k)
            if n is None:
                raise AskCorpusError(f"k must be a whole number, not {k!r}")
            if not 1 <= n <= 50:  # checked here too: Pipeline.ask reads k=0 as "the default"
                raise AskCorpusError("the number of quotes must be between 1 and 50")
            if self._answering is not None:
                with self._answering:
                    answer = self.pipeline.ask(q, history=_history(history), k=n,
                                               mode=mode or self.default_mode,
                                               paths=_filters(filters))
            else:
                answer = self.pipeline.ask(q, history=_history(history), k=n,
                                           mode=mode or self.default_mode, paths=_filters(filters))
            return answer.to_dict()
        except AskCorpusError as e:
            return {"question": q, "error": str(e)}
        except Exception as e:  # a bug: one line for the user, the traceback in the log
            log.exception("answering %r failed", q)
            return {"question": q, "error": f"internal error ({type(e).__name__}); "
                                            "see the server log"}

    def show(self, path: Any, start: Any, end: Any, context: Any = None) -> dict[str, Any]:
        """The article text around a quote: ``{"path", "title", "outlet", "date", "url",
        "start", "end", "quote", "text", "text_start", "text_end", "length"}`` where ``text``
        is ``article[text_start:text_end]`` (the quote plus ``context`` characters either
        side) and ``quote`` is ``article[start:end]``; or ``{"path": ..., "error": "..."}``."""
        try:
            if not self.startup.ready:
                raise AskCorpusError(self.startup.not_ready_message())
            if not isinstance(path, str) or not path.strip():
                raise QuestionError("path is empty: pass a quote's path (or doc_id)")
            s, e = _whole(start, "start"), _whole(end, "end")
            around = SHOW_CONTEXT if context is None or context == "" else _whole(context,
                                                                                  "context")
            if not 0 <= around <= MAX_SHOW_CONTEXT:
                raise QuestionError(f"context must be between 0 and {MAX_SHOW_CONTEXT:,}")
            info = self.pipeline.store.find_document(path)
            if info is None:
                raise QuestionError(f"no article {path!r} in the index")
            doc = self.pipeline.article(info.id)
            text = doc["text"]
            if not 0 <= s <= e <= len(text):
                raise QuestionError(f"offsets {s}:{e} are outside the article (0:{len(text)})")
            lo, hi = max(0, s - around), min(len(text), e + around)
            return {"path": doc["path"], "record": doc.get("record"), "doc_id": doc["doc_id"],
                    "title": doc["title"], "outlet": doc.get("outlet"), "date": doc.get("date"),
                    "url": doc.get("url"), "start": s, "end": e, "quote": text[s:e],
                    "text": text[lo:hi], "text_start": lo, "text_end": hi,
                    "length": len(text)}
        except AskCorpusError as err:
            return {"path": path, "error": str(err)}
        except Exception as err:
            log.exception("showing %r failed", path)
            return {"path": path, "error": f"internal error ({type(err).__name__}); "
                                           "see the server log"}

    # -- adding and removing article files (the Index tab) ---------------------------------
    def corpus_files(self) -> list[str]:
        """The article files of the live index (one per file, records of JSON files folded)."""
        stats = self.startup.stats() or {}
        return sorted({p.split("#", 1)[0] for a in stats.get("articles", [])
                       for p in a.get("paths") or []})

    def _may_change(self, user: str | None) -> str | None:
        """Why this request may not change the corpus, or None when it may."""
        if not self.manage:
            return "This server is read-only: articles cannot be added or removed here."
        if self.login_required and not user:
            return "Log in to add or remove articles."
        if not self.startup.ready:
            return "Wait until the index is ready."
        return None

    def add_files(self, files: Any, user: str | None = None) -> Change:
        """Save uploaded files into the corpus folder. The index is not updated yet: see
        :meth:`update_index`."""
        from .manage import add_files

        denied = self._may_change(user)
        if denied:
            return Change(denied)
        items = files if isinstance(files, list) else [files] if files else []
        uploads = [(str(f), Path(str(f)).name) for f in items if isinstance(f, (str, Path))]
        if not uploads:
            return Change("Choose article files to add first.")
        settings = self.pipeline.settings
        added, refused = add_files(settings.corpus, uploads,
                                   int(float(settings.max_file_mb) * 2**20))
        log.info("added to the corpus%s: %s; refused: %s", f" by {user}" if user else "",
                 [a.name for a in added], refused)
        notes = [f"{a.original} was saved as {a.name} (a file named {a.original} is already "
                 "in the corpus)" for a in added if a.renamed]
        if not added:
            return Change("Nothing added.", refused)
        names = ", ".join(a.name + (f" ({a.articles} articles)" if a.articles > 1 else "")
                          for a in added)
        return Change(f"Added {names}.", [*notes, *refused], [a.name for a in added])

    def remove_files(self, paths: Any, user: str | None = None) -> Change:
        """Move article files out of the corpus (into its hidden .askcorpus-removed folder).
        The index is not updated yet: see :meth:`update_index`."""
        from .manage import TRASH, remove_files

        denied = self._may_change(user)
        if denied:
            return Change(denied)
        chosen = [p for p in (paths if isinstance(paths, list) else [paths] if paths else [])
                  if isinstance(p, str)]
        if not chosen:
            return Change("Choose the articles to remove first.")
        removed, refused = remove_files(self.pipeline.settings.corpus, chosen,
                                        set(self.corpus_files()))
        log.info("removed from the corpus%s: %s; refused: %s", f" by {user}" if user else "",
                 removed, refused)
        if not removed:
            return Change("Nothing removed.", refused)
        return Change(f"Removed {', '.join(removed)} (moved to {TRASH}/ in the corpus folder; "
                      "move it back to undo).", refused, removed)

    def update_index(self, done_message: str, problems: Sequence[str] = (),
                     tick: float = 0.25) -> Iterator[str]:
        """Update the index incrementally in a worker thread, yielding the note's HTML with
        the progress every ``tick`` seconds, and last what came of it."""
        from .startup import progress_text

        state: dict[str, Any] = {"text": "Checking the corpus…", "done": None, "total": None}
        result: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            state.update(text=progress_text(stage, done, total), done=done, total=total)

        def work() -> None:
            try:
                result["summary"] = self.startup.update_index(progress)
            except AskCorpusError as e:
                result["error"] = str(e)
            except Exception as e:  # a bug: one line for the user, the traceback in the log
                log.exception("updating the index failed")
                result["error"] = f"internal error ({type(e).__name__}); see the server log"

        worker = threading.Thread(target=work, name="askcorpus-page-index", daemon=True)
        worker.start()
        while True:  # at least one progress note, however quick the update
            yield render.render_progress_note(f"{done_message} Indexing · {state['text']}",
                                              state["done"], state["total"], problems)
            worker.join(tick)
            if not worker.is_alive():
                break
        if "error" in result:
            log.warning("index not updated after a change from the page: %s", result["error"])
            yield render.render_note(
                f"{done_message} The index was not updated: {result['error']} (the chat "
                "answers from the previous index; Refresh or change a file to retry).",
                problems)
            return
        s = result["summary"]
        yield render.render_note(
            f"{done_message} Index updated: {s.documents:,} articles ({s.embedded} embedded, "
            f"{s.removed} removed, {s.seconds:.1f} s); the chat answers from it now.",
            problems)

    def article_html(self, doc_id: Any, spans: Any, focus: Any) -> str:
        """The side panel for one article with the given quotes highlighted."""
        if not isinstance(doc_id, str) or not doc_id:
            return render.ARTICLE_PLACEHOLDER
        try:
            if not self.startup.ready:
                raise AskCorpusError(self.startup.not_ready_message())
            article = self.pipeline.article(doc_id)
        except AskCorpusError as e:
            return render.render_error(str(e))
        except Exception as e:
            log.exception("opening article %r failed", doc_id)
            return render.render_error(f"internal error ({type(e).__name__})")
        try:
            index = int(focus)
        except (TypeError, ValueError):
            index = 0
        return render.render_article(article, render.decode_spans(spans), index)

    def examples(self) -> Sequence[str]:
        stats = self.startup.stats()
        paths = {p for a in (stats or {}).get("articles", []) for p in a.get("paths") or []}
        return SEED_EXAMPLES if paths & _SEED_FILES else ()

    def filter_choices(self) -> list[tuple[str, str]]:
        """(label, value) pairs for the article/outlet filter; values are what ``paths=`` takes."""
        stats = self.startup.stats() or {}
        outlets = [(f"Outlet · {o}", o) for o in stats.get("outlets", [])]
        articles = []
        for a in stats.get("articles", []):
            first = (a.get("paths") or [""])[0]
            title = str(a.get("title") or first)
            short = title if len(title) <= 70 else title[:67] + "…"
            articles.append((f"Article · {short} ({first})", str(a["doc_id"])))
        return outlets + sorted(articles)
