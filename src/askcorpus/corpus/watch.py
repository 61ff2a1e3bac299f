"""Keep an index up to date while articles are added, changed or removed (``--watch``).

The corpus folder is watched with ``watchfiles`` (inotify / FSEvents / polling as the system
allows). Changes are debounced: a burst of writes (copying a folder of articles, an editor
saving) becomes one update once the folder has been quiet for ``debounce_ms``. Each update is
an ordinary incremental ``index`` run: only new and changed articles are embedded, removed ones
are dropped, and the new generation is switched in atomically.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from ..errors import CorpusError
from .ingest import SUPPORTED

log = logging.getLogger("askcorpus.watch")

DEBOUNCE_MS = 1000  # quiet time before an update: one update per burst of changes


def article_filter(corpus: Path, index: Path | None = None) -> Callable[[object, str], bool]:
    """Which changed paths can change the index: article files (by suffix) and folders, not
    hidden files (which indexing skips), editor swap files, or the index itself."""
    import watchfiles

    default = watchfiles.DefaultFilter()
    root = corpus.resolve()
    skip = index.resolve() if index is not None else None

    def keep(change: object, path: str) -> bool:
        p = Path(path)
        if skip is not None and (p == skip or skip in p.parents):
            return False
        if not default(change, path):  # type: ignore[arg-type]
            return False
        try:
            parts = p.relative_to(root).parts
        except ValueError:
            parts = (p.name,)
        if any(part.startswith(".") for part in parts):
            return False
        return p.suffix.lower() in SUPPORTED or p.suffix == "" or p.is_dir()

    return keep


def changes(corpus: Path, *, index: Path | None = None, debounce_ms: int = DEBOUNCE_MS,
            stop_event: threading.Event | None = None) -> Iterator[list[str]]:
    """Yield the changed paths (relative to ``corpus``, sorted) after each burst of changes,
    until ``stop_event`` is set. Ctrl-C raises KeyboardInterrupt."""
    import watchfiles

    if not corpus.is_dir():
        raise CorpusError(f"cannot watch {corpus}: not a folder")
    root = corpus.resolve()
    for batch in watchfiles.watch(root, watch_filter=article_filter(root, index),
                                  debounce=debounce_ms, stop_event=stop_event,
                                  ignore_permission_denied=True):
        paths = set()
        for _, path in batch:
            try:
                paths.add(Path(path).relative_to(root).as_posix())
            except ValueError:
                paths.add(path)
        yield sorted(paths)


class CorpusWatcher:
    """Runs ``update(changed_paths)`` in a daemon thread after each burst of changes."""

    def __init__(self, corpus: Path, update: Callable[[list[str]], None], *,
                 index: Path | None = None, debounce_ms: int = DEBOUNCE_MS) -> None:
        self.corpus = corpus
        self.update = update
        self.index = index
        self.debounce_ms = debounce_ms
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.updates = 0  # completed update calls (tests wait on it)
        self.error: str | None = None  # why watching stopped, if it did

    def start(self) -> CorpusWatcher:
        self._thread = threading.Thread(target=self._run, name="askcorpus-watch", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for paths in changes(self.corpus, index=self.index, debounce_ms=self.debounce_ms,
                                 stop_event=self._stop):
                try:
                    self.update(paths)
                except Exception:  # one failed update must not end the watching
                    log.exception("updating the index after changes to %s failed",
                                  ", ".join(paths[:5]))
                self.updates += 1
        except Exception as e:
            self.error = str(e) or type(e).__name__
            log.error("stopped watching %s: %s", self.corpus, self.error)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
