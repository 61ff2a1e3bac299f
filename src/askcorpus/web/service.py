"""What the page and the ``/ask`` API do, without gradio: ask, open an article, describe."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
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
    if isinstance(k, bool):
        return None
    try:
        return int(float(k))
    except (TypeError, ValueError, OverflowError):  # "inf", "1e400", "nan"
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
    file refused or renamed (``problems``), the files changed (``names``) and, when there
    were any, what came of the index update that followed (``index``)."""

    message: str
    problems: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    index: str = ""

    def html(self) -> str:
        return render.render_note(f"{self.message} {self.index}".strip(), self.problems)


class ChangeProgress:
    """Where a change from the page is (thread-safe): what it did so far and the index
    update's progress, as the note the page shows meanwhile."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"message": "", "problems": [],
                                       "text": "Saving the files…", "done": None,
                                       "total": None}

    def update(self, **changes: Any) -> None:
        with self._lock:
            self._state.update(changes)

    def html(self) -> str:
        with self._lock:
            s = dict(self._state)
        indexing = " Indexing · " if s["message"] else ""
        return render.render_progress_note(f"{s['message']}{indexing}{s['text']}".strip(),
                                           s["done"], s["total"], s["problems"])


class ChangeCancelled(AskCorpusError):
    """Raised (from the index update's progress) when the change from the page is cancelled."""


def _inside(path: str, folder: Path) -> bool:
    """Whether ``path`` is inside ``folder`` (links resolved), never equal to it."""
    try:
        resolved = Path(path).resolve()
        return resolved != folder.resolve() and resolved.is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False


class ChatService:
    """One shared Pipeline behind every session (it is thread-safe for ``ask``)."""

    def __init__(self, pipeline: Any, startup: Startup, concurrency: int | None = None, *,
                 manage: bool = False, login_required: bool = False,
                 uploads_dir: Path | None = None, limits: Any = None) -> None:
        self.pipeline = pipeline
        self.startup = startup
        self.manage = manage  # the Index tab may add and remove article files
        self.login_required = login_required
        # where this server's uploads arrive (only files in it are taken, and deleted after
        # each change); None: any path (tests and embedding callers)
        self.uploads_dir = uploads_dir
        self.limits = limits  # manage.Limits for uploads (None: from the pipeline's settings)
        self._changing = threading.Lock()  # one change of the corpus at a time, any route
        self._cancel = threading.Event()  # set: stop the running change's index update
        self._running = ""  # the kind of change running (add, remove)
        self._catalog_lock = threading.Lock()
        self._catalog_of: Any = None
        self._catalog_cache = _Catalog([], [], [], [], False)
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
            filters: Any = None, dates: Any = None) -> dict[str, Any]:
        """``Answer.to_dict()``, or ``{"question": ..., "error": "..."}``; never raises.

        ``dates``: ``since``, ``until``, ``as_of`` (ISO days, a month or a year), ``undated``
        (include | exclude), ``order`` (score | date), ``time`` (False: ignore the question's
        time expression); each may be missing or empty."""
        q = question if isinstance(question, str) else ("" if question is None else question)
        try:
            if not self.startup.ready:
                raise AskCorpusError(self.startup.not_ready_message())
            n = _k(k, self.default_k)
            if n is None:
                raise AskCorpusError(f"k must be a whole number, not {k!r}")
            if not 1 <= n <= 50:  # checked here too: Pipeline.ask reads k=0 as "the default"
                raise AskCorpusError("the number of quotes must be between 1 and 50")
            if mode not in (None, "", *MODES):  # rerank is not offered on the web
                raise AskCorpusError(f"unknown mode {str(mode)[:40]!r}: choose "
                                     f"{', '.join(MODES)}")
            when = _dates(dates)
            if self._answering is not None:
                with self._answering:
                    answer = self.pipeline.ask(q, history=_history(history), k=n,
                                               mode=mode or self.default_mode,
                                               paths=_filters(filters), **when)
            else:
                answer = self.pipeline.ask(q, history=_history(history), k=n,
                                           mode=mode or self.default_mode, paths=_filters(filters),
                                           **when)
            return answer.to_dict()
        except AskCorpusError as e:
            return {"question": q, "error": str(e)}
        except Exception as e:  # a bug: one line for the user, the traceback in the log
            log.exception("answering %r failed", q)
            return {"question": q, "error": f"internal error ({type(e).__name__}); "
                                            "see the server log"}

    def show(self, path: Any, start: Any, end: Any, context: Any = None) -> dict[str, Any]:
        """The article text around a quote: ``{"path", "title", "outlet", "author", "date", "url",
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
                    "title": doc["title"], "outlet": doc.get("outlet"),
                    "author": doc.get("author"), "date": doc.get("date"),
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
        """The article files of the live index (one per file, records of JSON files folded);
        all of them: the page gets :meth:`file_choices`."""
        return list(self._catalog().files)

    def _may_change(self, user: str | None) -> str | None:
        """Why this request may not change the corpus, or None when it may."""
        if not self.manage:
            return "This server is read-only: articles cannot be added or removed here."
        if self.login_required and not user:
            return "Log in to add or remove articles."
        if not self.startup.ready:
            return "Wait until the index is ready."
        return None

    def add_files(self, files: Any, user: str | None = None,
                  progress: ChangeProgress | None = None) -> Change:
        """Save uploaded files into the corpus folder, then update the index. This (and
        :meth:`remove_files`) is the one way the page changes the corpus, whatever route
        called it: the login and read-only checks, one change at a time in this process, the
        index update, and the uploads deleted afterwards."""
        items = files if isinstance(files, list) else [files] if files else []
        sources = [str(f) for f in items if isinstance(f, (str, Path))]
        try:
            return self._change("add", sources, user, progress or ChangeProgress())
        finally:
            self._discard_uploads(sources)

    def remove_files(self, paths: Any, user: str | None = None,
                     progress: ChangeProgress | None = None) -> Change:
        """Move article files out of the corpus (into its hidden .askcorpus-removed folder),
        then update the index; see :meth:`add_files`."""
        chosen = [p for p in (paths if isinstance(paths, list) else [paths] if paths else [])
                  if isinstance(p, str)]
        return self._change("remove", chosen, user, progress or ChangeProgress())

    def change(self, kind: str, items: Any, user: str | None = None,
               tick: float = 0.25) -> Iterator[tuple[str, Change | None]]:
        """Run :meth:`add_files` (``kind`` "add") or :meth:`remove_files` in a worker thread,
        yielding ``(note HTML, None)`` with the progress every ``tick`` seconds and last
        ``(note HTML, Change)``. The worker finishes the change (files and index) even when
        nobody reads on, so no route can stop it half-way."""
        progress = ChangeProgress()
        result: dict[str, Change] = {}
        run = self.add_files if kind == "add" else self.remove_files

        def work() -> None:
            try:
                result["change"] = run(items, user, progress)
            except Exception as e:  # a bug: one line for the user, the traceback in the log
                log.exception("changing the corpus failed")
                result["change"] = Change(f"internal error ({type(e).__name__}); see the "
                                          "server log")

        worker = threading.Thread(target=work, name="askcorpus-page-change", daemon=True)
        worker.start()
        indexing_shown = False
        while True:
            worker.join(tick)
            if not worker.is_alive():
                break
            note = progress.html()
            indexing_shown = indexing_shown or " Indexing · " in note
            yield note, None
        change = result["change"]
        if change.names and change.index and not indexing_shown:
            yield progress.html(), None  # at least one progress note, however quick
        yield change.html(), change

    def _change(self, kind: str, items: list[str], user: str | None,
                progress: ChangeProgress) -> Change:
        denied = self._may_change(user)
        if denied:
            return Change(denied)
        if not items:
            return Change("Choose article files to add first." if kind == "add" else
                          "Choose the articles to remove first.")
        if self._changing.locked():
            progress.update(text="Waiting for the change before this one…")
        with self._changing:  # one change at a time, whatever route it came from
            self._cancel.clear()
            self._running = kind
            change = self._save(items, user) if kind == "add" else self._move(items, user)
            if not change.names:
                return change
            progress.update(message=change.message, problems=change.problems,
                            text="Checking the corpus…")
            try:
                return replace(change, index=self._reindex(progress, kind == "add"))
            except ChangeCancelled:
                return self._undo_add(change, user)

    def cancel_change(self, user: str | None = None) -> str:
        """Stop the running addition's index update (the files it added are taken out again,
        the index stays as it was). One line saying what happened."""
        denied = self._may_change(user)
        if denied:
            return denied
        if not self._changing.locked():
            return "No change is running."
        if self._running != "add":
            return "Only adding can be cancelled; the removal finishes in a moment."
        self._cancel.set()
        log.info("change cancelled%s", f" by {user}" if user else "")
        return "Cancelling…"

    def _undo_add(self, change: Change, user: str | None) -> Change:
        corpus = self.pipeline.settings.corpus
        for name in change.names:
            try:
                (corpus / name).unlink(missing_ok=True)
            except OSError as e:
                log.warning("cancelled: could not take %s out again (%s)", name, e)
        log.info("addition cancelled%s: %s taken out again", f" by {user}" if user else "",
                 change.names)
        return Change(f"Cancelled: nothing added ({', '.join(change.names)} taken out again; "
                      "the index is unchanged).", change.problems)

    def _save(self, sources: list[str], user: str | None) -> Change:
        from .manage import add_files

        settings = self.pipeline.settings
        uploads: list[tuple[str, str]] = []
        refused: list[str] = []
        for source in sources:
            name = Path(source).name
            if self.uploads_dir is not None and not _inside(source, self.uploads_dir):
                refused.append(f"{name[:80]}: not a file uploaded to this server")
                continue
            uploads.append((source, name))
        added, problems = add_files(settings.corpus, uploads,
                                    int(float(settings.max_file_mb) * 2**20),
                                    limits=self.limits)
        refused += problems
        log.info("added to the corpus%s: %s; refused: %s", f" by {user}" if user else "",
                 [a.name for a in added], refused)
        notes = [f"{a.original} was saved as {a.name} (a file named {a.original} is already "
                 "in the corpus)" for a in added if a.renamed]
        if not added:
            return Change("Nothing added.", refused)
        names = ", ".join(a.name + (f" ({a.articles} articles)" if a.articles > 1 else "")
                          for a in added)
        return Change(f"Added {names}.", [*notes, *refused], [a.name for a in added])

    def _move(self, chosen: list[str], user: str | None) -> Change:
        from .manage import TRASH, remove_files

        removed, refused = remove_files(self.pipeline.settings.corpus, chosen,
                                        set(self.corpus_files()))
        log.info("removed from the corpus%s: %s; refused: %s", f" by {user}" if user else "",
                 removed, refused)
        if not removed:
            return Change("Nothing removed.", refused)
        return Change(f"Removed {', '.join(removed)} (moved to {TRASH}/ in the corpus folder; "
                      "move it back to undo).", refused, removed)

    def _reindex(self, progress: ChangeProgress, cancellable: bool = False) -> str:
        """Update the index after a change; what came of it, in one line. Raises
        ChangeCancelled when ``cancellable`` and :meth:`cancel_change` was called before the
        new index was written."""
        from .startup import progress_text

        def report(stage: str, done: int, total: int) -> None:
            if cancellable and self._cancel.is_set() and stage != "indexing":
                raise ChangeCancelled("cancelled")
            progress.update(text=progress_text(stage, done, total), done=done, total=total)

        try:
            s = self.startup.update_index(report)
        except ChangeCancelled:
            raise
        except AskCorpusError as e:
            error = str(e)
        except Exception as e:  # a bug: one line for the user, the traceback in the log
            log.exception("updating the index failed")
            error = f"internal error ({type(e).__name__}); see the server log"
        else:
            return (f"Index updated: {s.documents:,} articles ({s.embedded} embedded, "
                    f"{s.removed} removed, {s.seconds:.1f} s); the chat answers from it now.")
        log.warning("index not updated after a change from the page: %s", error)
        return (f"The index was not updated: {error} (the chat answers from the previous "
                "index; Refresh or change a file to retry).")

    def _discard_uploads(self, sources: Sequence[str]) -> None:
        """Delete the uploaded files of a change (only ever inside this server's own upload
        folder), and the folders gradio made for them once empty."""
        if self.uploads_dir is None:
            return
        for source in sources:
            path = Path(source)
            if not _inside(source, self.uploads_dir):
                continue
            try:
                path.unlink(missing_ok=True)
                parent = path.parent
                while parent != self.uploads_dir and _inside(str(parent), self.uploads_dir):
                    parent.rmdir()  # fails (and stops) while not empty
                    parent = parent.parent
            except OSError:
                pass
        try:  # gradio leaves an empty tmp* file in the component's folder for each file
            for entry in os.scandir(self.uploads_dir):
                if entry.name.startswith("tmp") and entry.is_file(follow_symlinks=False) \
                        and entry.stat(follow_symlinks=False).st_size == 0:
                    os.unlink(entry.path)
        except OSError:
            pass

    feedback: Path | None = None  # where votes go (serve --feedback); None: votes are off
    browser_secret: str | None = None  # seals the conversations browsers keep (see workbench)

    def generation(self) -> str | None:
        """The live index generation (what an answer asked now is drawn from), or None."""
        try:
            return str(self.pipeline.store.generation_name) if self.startup.ready else None
        except Exception:  # the index is being switched or cannot be read: unknown
            return None

    def vote(self, answer: Any, vote: Any, note: Any = "", marked: Any = None,
             nothing: Any = False, generation: Any = None) -> str:
        """Append one reader's vote on ``answer`` (an ``ask --json`` object) to the feedback
        file; returns the sentence the page shows. Never raises."""
        return self.record_vote(answer, vote, note, marked, nothing, generation)[1]

    def record_vote(self, answer: Any, vote: Any, note: Any = "", marked: Any = None,
                    nothing: Any = False, generation: Any = None) -> tuple[bool, str]:
        """(whether the vote was written, the sentence the page shows). ``marked`` is the
        0-based quote of :func:`~askcorpus.web.workbench.votable` that does answer;
        ``generation`` the index generation the answer came from (the page notes it when
        asking). Never raises."""
        from ..evaluation.feedback import append_vote, make_vote
        from .workbench import votable

        if self.feedback is None:
            return False, ("Votes are off on this server (start it with askcorpus serve "
                           "--feedback FILE).")
        if not isinstance(answer, dict) or not isinstance(answer.get("question"), str):
            return False, "Choose an answer to vote on."
        try:
            idx = None if marked in (None, "", "none") else int(marked)
            # a thumbs-up on "no article answers" says it is unanswerable: no quotes with it
            shown = votable(answer) if answer.get("answered") or vote == "down" else []
            gen = generation if isinstance(generation, str) and generation else None
            rec = make_vote(question=answer["question"], generation=gen or
                            answer.get("generation"), vote=str(vote), quotes=shown,
                            note=str(note or ""), marked=idx, nothing=bool(nothing),
                            resolved_question=answer.get("resolved_question"))
            append_vote(self.feedback, rec)
        except (AskCorpusError, ValueError, TypeError) as e:
            return False, f"The vote was not recorded: {e}"
        live = self.generation()
        if rec["generation"] and live and rec["generation"] != live:
            return True, (f"Vote recorded, for an answer from an older index "
                          f"({rec['generation']}; the index is now {live}): askcorpus eval "
                          "--feedback asks the question again on the current index.")
        return True, "Vote recorded. Thank you: askcorpus eval --feedback now counts it."

    def permalink_html(self, doc: str, start: int, end: int) -> str:
        """The side panel for a permalink ``?doc=…&at=start:end`` (``start`` < 0: no span):
        the article with the span highlighted, or one sentence saying why it cannot be."""
        lead = "Cannot open the link:"
        try:
            if not self.startup.ready:
                raise AskCorpusError(self.startup.not_ready_message())
            info = self.pipeline.store.find_document(doc)
            if info is None:
                raise QuestionError(f"no article {doc[:120]!r} in this index (it may have been "
                                    "removed since the link was made, or the link is "
                                    "mistyped)")
            article = self.pipeline.article(info.id)
        except AskCorpusError as e:
            return render.render_error(str(e), lead)
        except Exception as e:
            log.exception("opening the link to %r failed", doc)
            return render.render_error(f"internal error ({type(e).__name__})", lead)
        n = len(article["text"])
        if start >= 0 and end > n:
            return render.render_error(f"the link's at={start}:{end} is outside the article "
                                       f"{article['title'][:120]!r} ({n:,} characters)", lead)
        spans = [render.Span(start, end)] if start >= 0 else []
        return render.render_article(article, spans, 0)

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

    def _catalog(self) -> _Catalog:
        """What the page lists about the live index, derived once per index generation (the
        page asks for pages of it, never for all of it)."""
        stats = self.startup.stats() or {}
        with self._catalog_lock:
            if self._catalog_of is not stats:
                self._catalog_cache = _Catalog.of(stats, self.pipeline.settings.corpus)
                self._catalog_of = stats
            return self._catalog_cache

    def examples(self) -> Sequence[str]:
        return SEED_EXAMPLES if self._catalog().seeded else ()

    def filter_choices(self, query: Any = None) -> list[tuple[str, str]]:
        """(label, value) pairs for the article/outlet filter; values are what ``paths=``
        takes. At most MAX_CHOICES: outlets first, then articles, those matching ``query``
        (words of the label: title, file, outlet) when given."""
        return _matching(self._catalog().choices, query, MAX_CHOICES)

    def filter_label(self, value: str) -> tuple[str, str]:
        """The (label, value) choice of one filter value (itself as label when unknown)."""
        return self._catalog().labels.get(value, (value, value))

    def file_choices(self, query: Any = None) -> list[str]:
        """At most MAX_CHOICES article files (for "Articles to remove"), matching ``query``."""
        return [f for f, _ in _matching([(f, f) for f in self._catalog().files], query,
                                        MAX_CHOICES)]

    def stats_page(self, query: Any = None, page: Any = 0) -> dict[str, Any] | None:
        """The index panel's content: the counts and one page (PAGE_SIZE) of the articles
        matching ``query``; ``page`` is clipped to the pages there are."""
        stats = self.startup.stats()
        if not stats:
            return None
        catalog = self._catalog()
        rows = catalog.articles
        if isinstance(query, str) and query.strip():
            words = query.lower().split()[:8]
            rows = [a for a, key in zip(catalog.articles, catalog.keys, strict=True)
                    if all(w in key for w in words)]
        pages = max(1, -(-len(rows) // PAGE_SIZE))
        n = _page(page, pages)
        return {**{k: v for k, v in stats.items() if k != "articles"},
                "articles": rows[n * PAGE_SIZE:(n + 1) * PAGE_SIZE], "matching": len(rows),
                "first": n * PAGE_SIZE, "page": n, "pages": pages,
                "query": query if isinstance(query, str) else ""}


PAGE_SIZE = 50  # articles per page of the Index tab
MAX_CHOICES = 200  # entries a dropdown is sent at once (type to find the others)


def _page(page: Any, pages: int) -> int:
    try:
        n = int(float(page))
    except (TypeError, ValueError, OverflowError):
        n = 0
    return max(0, min(pages - 1, n))


def _matching(pairs: Sequence[tuple[str, str]], query: Any,
              limit: int) -> list[tuple[str, str]]:
    if not isinstance(query, str) or not query.strip():
        return list(pairs[:limit])
    words = query.lower().split()[:8]
    out = []
    for label, value in pairs:
        key = f"{label} {value}".lower()
        if all(w in key for w in words):
            out.append((label, value))
            if len(out) >= limit:
                break
    return out


@dataclass(frozen=True)
class _Catalog:
    articles: list[dict[str, Any]]  # sorted by title
    keys: list[str]  # lower-case title, outlet and files of each, for finding
    files: list[str]
    choices: list[tuple[str, str]]
    seeded: bool
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # value -> choice

    @classmethod
    def of(cls, stats: dict[str, Any], corpus: Path) -> _Catalog:
        from .manage import files_of

        entries = list(stats.get("articles") or [])
        articles = sorted(entries, key=lambda a: (str(a.get("title") or "").lower(),
                                                  str((a.get("paths") or [""])[0])))
        keys = [" ".join([str(a.get("title") or ""), str(a.get("outlet") or ""),
                          *map(str, a.get("paths") or [])]).lower() for a in articles]
        files = sorted({f for a in entries for f in files_of(a.get("paths") or [], corpus)})
        outlets = [(f"Outlet · {o}", o) for o in stats.get("outlets", [])]
        labelled = []
        for a in entries:
            first = (a.get("paths") or [""])[0]
            title = str(a.get("title") or first)
            short = title if len(title) <= 70 else title[:67] + "…"
            labelled.append((f"Article · {short} ({first})", str(a["doc_id"])))
        seeded = any(p in _SEED_FILES for a in entries for p in a.get("paths") or [])
        choices = outlets + sorted(labelled)
        return cls(articles, keys, files, choices, seeded, {v: (lbl, v) for lbl, v in choices})


_DATE_KEYS = ("since", "until", "as_of")


def _dates(dates: Any) -> dict[str, Any]:
    """Pipeline.ask's date arguments from what a caller sent; QuestionError when unusable."""
    if dates is None or dates == {}:
        return {}
    if not isinstance(dates, dict):
        raise QuestionError("dates must be an object with since, until, as_of, undated, order")
    out: dict[str, Any] = {}
    for key in _DATE_KEYS:
        v = dates.get(key)
        if v in (None, ""):
            continue
        if not isinstance(v, str) or len(v) > 40:
            raise QuestionError(f"{key} must be a date written as YYYY-MM-DD")
        out[key] = v
    for key, allowed in (("undated", ("include", "exclude")), ("order", ("score", "date"))):
        v = dates.get(key)
        if v in (None, ""):
            continue
        if v not in allowed:
            raise QuestionError(f"{key} must be {' or '.join(allowed)}, not {str(v)[:40]!r}")
        out[key] = v
    if dates.get("time") is not None:
        out["time"] = bool(dates["time"])
    return out
