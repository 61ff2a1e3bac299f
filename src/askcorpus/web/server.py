"""Starting the web chat: login policy, one shared Pipeline, background indexing, launch."""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings, force_offline
from ..errors import AskCorpusError
from .auth import auth_for
from .startup import Startup

log = logging.getLogger("askcorpus.web")

QUEUE_MAX_SIZE = 64  # waiting requests beyond this get "queue full" at once, not a long wait
SESSIONS = 500  # conversations kept in memory (the oldest is dropped first), 4 h each


def concurrency_limit(env: Mapping[str, str] | None = None) -> int:
    """Questions answered at once. Each one embeds the question and up to ~100 candidate
    sentences on the CPU, and torch already spreads one encode over the cores, so running
    more at once than there are cores (capped at 4) only makes every answer slower.
    ``ASKCORPUS_WEB_CONCURRENCY`` overrides it."""
    return _env_int(env, "ASKCORPUS_WEB_CONCURRENCY", max(1, min(4, os.cpu_count() or 1)), 1)


def queue_max_size(env: Mapping[str, str] | None = None) -> int:
    """Requests that may wait; ``ASKCORPUS_WEB_QUEUE`` overrides QUEUE_MAX_SIZE."""
    return _env_int(env, "ASKCORPUS_WEB_QUEUE", QUEUE_MAX_SIZE, 1)


def _env_int(env: Mapping[str, str] | None, name: str, default: int, minimum: int) -> int:
    raw = (os.environ if env is None else env).get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise AskCorpusError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise AskCorpusError(f"{name} must be at least {minimum}, not {value}")
    return value


@dataclass
class RunningApp:
    """A launched, non-blocking chat server (what tests and :func:`serve` hold)."""

    url: str
    demo: Any
    startup: Startup
    pipeline: Any
    login_required: bool
    concurrency: int = 0  # questions answered at once
    max_queue: int = 0  # requests that may wait
    watcher: Any = None  # the CorpusWatcher of `--watch`, if any
    feeds: Any = None  # the FeedPoller of `--watch` (the corpus folder's followed feeds)
    read_only: str | None = None  # why the page cannot add or remove articles (None: it can)
    uploads_dir: Path | None = None  # this server's own upload folder, removed by close()
    allowed_hosts: frozenset[str] = frozenset()  # the Host names it answers
    login_limiter: Any = None  # the guard's LoginLimiter (wrong passwords per client)

    def wait_ready(self, timeout: float = 300.0) -> bool:
        """Block until indexing and model loading finished; True when the chat is ready."""
        self.startup.done.wait(timeout)
        return self.startup.ready

    def close(self) -> None:
        if self.feeds is not None:
            self.feeds.stop()
        if self.watcher is not None:
            self.watcher.stop()
        try:
            self.demo.close()
        except RuntimeError:
            # gradio sets its asyncio stop event from this thread: when a waiter comes or goes
            # meanwhile ("deque mutated during iteration"), the event is already set, so the
            # second call goes on with the rest of the shutdown
            self.demo.close()
        self.pipeline.close()
        if self.uploads_dir is not None:
            shutil.rmtree(self.uploads_dir, ignore_errors=True)


def start(settings: Settings, host: str = "127.0.0.1", port: int = 7860, *,
          env: Mapping[str, str] | None = None, pipeline: Any | None = None,
          quiet: bool = True, concurrency: int | None = None,
          max_queue: int | None = None, mcp: bool = False, watch: bool = False,
          watch_debounce_ms: int | None = None, read_only: bool = False,
          allowed_hosts: Sequence[str] = (), feed_interval_s: float | None = None,
          feedback: Path | None = None) -> RunningApp:
    """Check the login policy, build the page, listen, and start indexing in the background.

    ``mcp`` also serves the MCP tools ``ask`` and ``show`` at /gradio_api/mcp/ (streamable
    HTTP); with a login configured they need HTTP Basic credentials of a configured user.
    ``watch`` keeps the index up to date while articles are added, changed or removed, and
    polls the feeds the corpus folder follows (``askcorpus feeds add``) every
    ``feed_interval_s`` seconds (default 15 minutes), saving their new items' pages there
    (which the watch then indexes), as ``askcorpus index --watch`` does; a read-only server
    (below) polls none.
    The Index tab adds and removes article files (then updates the index) unless the server
    is read-only: ``read_only``, or always with a database index (``settings.store``), which
    replicas share and one indexing machine keeps (see :func:`read_only_reason`).

    Requests must name the server by a loopback name, the bound address or one of
    ``allowed_hosts`` (``--allowed-host``), come from the page's own origin to change
    anything, and use only the routes the page and the public API need (``guard.py``).
    Uploads arrive in a folder of this server's own, emptied after each change and removed
    by :meth:`RunningApp.close`.

    ``feedback`` is the JSON Lines file readers' votes are appended to (none: no votes; a
    read-only server takes none). Conversations are kept in each browser, sealed with a key
    kept in the index folder (``browser-secret``), so a restart loses none.

    ``concurrency`` (questions answered at once) and ``max_queue`` (requests waiting) default
    to ``ASKCORPUS_WEB_CONCURRENCY`` / ``ASKCORPUS_WEB_QUEUE``, else min(4, cores) and 64.
    Raises AskCorpusError (one line) before any heavy work when ``host`` is not loopback and
    no credentials are configured, or when the address cannot be bound.
    """
    force_offline()
    environ = os.environ if env is None else env
    auth: Callable[[str, str], bool] | None = auth_for(host, environ)
    from .guard import allowed_hosts as hosts_for

    hosts = hosts_for(host, allowed_hosts)
    n = concurrency if concurrency is not None else concurrency_limit(environ)
    queue_size = max_queue if max_queue is not None else queue_max_size(environ)

    from ..pipeline import Pipeline
    from .manage import Limits, clean_leftovers
    from .service import ChatService
    from .ui import build, theme

    locked = read_only_reason(settings, read_only)
    if locked is None:
        gone = clean_leftovers(settings.corpus)
        if gone:
            log.info("deleted %d partial upload(s) left in %s: %s", len(gone), settings.corpus,
                     ", ".join(gone[:5]))
    uploads = _uploads_dir()
    pipeline = pipeline if pipeline is not None else Pipeline(settings)
    startup = Startup(pipeline)
    service = ChatService(pipeline, startup, concurrency=n, manage=locked is None,
                          login_required=auth is not None, uploads_dir=uploads,
                          limits=Limits.from_settings(settings))
    from .workbench import browser_secret

    service.feedback = None if locked is not None else feedback
    service.browser_secret = browser_secret(
        None if settings.store else settings.index, Path.home() / ".cache" / "askcorpus")
    demo = build(service, concurrency=n, mcp=mcp, manage=locked is None)
    app_kwargs: dict[str, Any] = {}
    if mcp and auth is not None:
        from starlette.middleware import Middleware

        from .auth import McpLogin

        app_kwargs["middleware"] = [Middleware(McpLogin, check=auth)]
    try:
        # api_open=False: the page's handlers only run through the queue, never /run
        _, url, _ = demo.queue(default_concurrency_limit=n, max_size=queue_size,
                               api_open=False).launch(
            server_name=host, server_port=port, share=False, prevent_thread_lock=True,
            quiet=quiet, inbrowser=False, auth=auth,
            auth_message="askcorpus: log in with a user from ASKCORPUS_AUTH / ASKCORPUS_AUTH_FILE",
            theme=theme(), css=_css(), footer_links=["api"], ssr_mode=False,
            enable_monitoring=False, run_history=False, mcp_server=mcp, pwa=False,
            show_error=False, max_threads=40, state_session_capacity=SESSIONS,
            app_kwargs=app_kwargs, max_file_size=int(float(settings.max_file_mb) * 2**20))
    except OSError as e:
        demo.close()
        pipeline.close()
        shutil.rmtree(uploads, ignore_errors=True)
        raise AskCorpusError(f"cannot listen on {host}:{port} ({_first_line(e)}); "
                             "choose another --port") from None
    except ImportError as e:  # gradio[mcp] missing
        demo.close()
        pipeline.close()
        shutil.rmtree(uploads, ignore_errors=True)
        raise AskCorpusError(f"cannot serve MCP ({_first_line(e)}); install it with "
                             "pip install 'gradio[mcp]'") from None
    if mcp and not getattr(demo, "mcp_server", False):
        why = getattr(demo, "mcp_error", None) or "gradio did not start it"
        demo.close()
        pipeline.close()
        shutil.rmtree(uploads, ignore_errors=True)
        raise AskCorpusError(f"cannot serve MCP: {_first_line(RuntimeError(why))}")
    from .guard import LoginLimiter, install
    from .ui import PUBLIC_API

    demo.server_app.uploaded_file_dir = str(uploads)  # not gradio's folder shared by all apps
    limiter = LoginLimiter()
    public = frozenset(name for name in PUBLIC_API if mcp or not name.startswith("mcp_"))
    install(demo.server_app, {"hosts": hosts, "limiter": limiter, "files": str(uploads),
                              "public": public})
    startup.start()
    watcher = poller = None
    if watch:
        from ..corpus.feeds import POLL_INTERVAL_S, FeedPoller
        from ..corpus.watch import DEBOUNCE_MS, CorpusWatcher

        watcher = CorpusWatcher(settings.corpus, _updater(pipeline, startup),
                                index=None if settings.store else settings.index,
                                debounce_ms=watch_debounce_ms or DEBOUNCE_MS).start()
        # after the watch: the pages saved are folder changes it indexes; a read-only server
        # never writes into the corpus folder, so it follows no feeds
        if locked is None:
            poller = FeedPoller(Path(settings.corpus),
                                max_bytes=int(settings.max_file_mb * 2**20),
                                interval=feed_interval_s or POLL_INTERVAL_S,
                                report=_log_feeds).start()
    return RunningApp(url=url, demo=demo, startup=startup, pipeline=pipeline,
                      login_required=auth is not None, concurrency=n, max_queue=queue_size,
                      watcher=watcher, feeds=poller, read_only=locked, uploads_dir=uploads,
                      allowed_hosts=hosts, login_limiter=limiter)


_UPLOADS = re.compile(r"^askcorpus-(\d+)-\w+$")


def _uploads_dir() -> Path:
    """A new upload folder for this server (mode 0700) inside gradio's upload folder (gradio
    only takes uploaded files from there), after deleting those of servers no longer
    running."""
    from gradio.utils import get_upload_folder

    from .manage import _alive

    root = Path(get_upload_folder())
    root.mkdir(parents=True, exist_ok=True)
    try:
        for entry in root.iterdir():
            m = _UPLOADS.match(entry.name)
            if m and not _alive(int(m.group(1))) and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
    except OSError:
        pass
    return Path(tempfile.mkdtemp(prefix=f"askcorpus-{os.getpid()}-", dir=root))


def read_only_reason(settings: Settings, read_only: bool = False) -> str | None:
    """Why the page may not add or remove articles, or None when it may.

    A server with a database index (``--store``) is always read-only: that index is shared
    by every replica and kept up to date from one corpus by one indexing machine
    (``askcorpus index --store …``), so a file added on one web server would be missing from
    that corpus and dropped again by its next update."""
    if read_only:
        return "--read-only"
    if settings.store:
        return "the index is in a database (--store): add articles where it is indexed"
    return None


def _updater(pipeline: Any, startup: Startup) -> Callable[[list[str]], None]:
    """What `--watch` runs after a burst of changes: an incremental index update, which the
    shared Pipeline then serves (it switches to a newer generation by itself)."""

    def update(paths: list[str]) -> None:
        try:
            s = startup.update_index()
        except AskCorpusError as e:
            log.warning("corpus changed (%s) but the index was not updated: %s",
                        ", ".join(paths[:5]), e)
            return
        log.info("corpus changed (%s): %d articles embedded, %d removed; %d articles, %s",
                 ", ".join(paths[:5]) + (" …" if len(paths) > 5 else ""), s.embedded,
                 s.removed, s.documents, "index up to date" if s.up_to_date else s.generation)

    return update


def _log_feeds(report: Any) -> None:
    """One log line per page a feed poll saved and per error (each retried next poll)."""
    for name, title in report.saved:
        log.info("feed item saved: %s: %s", name, title[:80])
    for line in report.errors:
        log.warning("feed error (tried again next poll): %s", line)


def _where(settings: Settings) -> str:
    """The index folder, or the database URL without its password."""
    if settings.store:
        from ..index.store.postgres.schema import redact

        return redact(settings.store)
    return str(settings.index)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, *,
          mcp: bool = False, watch: bool = False, read_only: bool = False,
          feedback: Path | None = None,
          allowed_hosts: Sequence[str] = ()) -> None:
    """Run the web chat until interrupted (Ctrl-C). See docs/WEB.md."""
    _log_to_stderr()
    app = start(settings, host, port, mcp=mcp, watch=watch, read_only=read_only,
                feedback=feedback,
                allowed_hosts=allowed_hosts)
    login = " (login required)" if app.login_required else ""
    print(f"askcorpus web chat on {app.url}{login}  ·  corpus {settings.corpus}  ·  "
          f"index {_where(settings)}  ·  {app.concurrency} answers at once, {app.max_queue} "
          "may wait  ·  Ctrl-C to stop", file=sys.stderr, flush=True)
    if mcp:
        auth = " (HTTP Basic login required)" if app.login_required else ""
        print(f"MCP tools ask, show at {app.url.rstrip('/')}/gradio_api/mcp/{auth}",
              file=sys.stderr, flush=True)
    if app.read_only:
        print(f"read-only ({app.read_only}): the page cannot add or remove articles",
              file=sys.stderr, flush=True)
    else:
        who = "logged-in users" if app.login_required else "anyone who can open the page"
        print(f"the Index tab adds and removes articles in {settings.corpus} ({who}; "
              "--read-only turns it off)", file=sys.stderr, flush=True)
    if watch:
        print(f"watching {settings.corpus}: the index follows added, changed and removed "
              "articles; followed feeds (askcorpus feeds add) are polled every 15 minutes",
              file=sys.stderr, flush=True)
    try:
        while app.demo.is_running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr, flush=True)
    finally:
        app.close()


def _css() -> str:
    from .assets import CSS

    return CSS


def _first_line(e: BaseException) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stderr`` as it is at each record, not as it was when the server
    started (a redirect or a test's capture that has since been closed)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def _log_to_stderr() -> None:
    logger = logging.getLogger("askcorpus")
    if not logger.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("askcorpus: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
