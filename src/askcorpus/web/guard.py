"""The web server's front door (an ASGI middleware in front of gradio): which ``Host`` names
it answers, which origins may drive it, which of gradio's routes are exposed, and how fast a
client may guess passwords.

- **Host allow-list** (DNS rebinding): a request whose ``Host`` header is not one of the
  loopback names (``localhost``, ``127.0.0.1``, ``::1``), the address the server is bound to
  (unless it is a wildcard such as 0.0.0.0) or a name given with ``--allowed-host`` is refused
  with 400 before gradio sees it.
- **Same origin only**: a request carrying an ``Origin`` other than the page's own (the
  ``Host`` it was sent to), or marked ``Sec-Fetch-Site: cross-site``, may not change anything:
  every method but GET/HEAD (uploads, the queue, ``/ask``, the login) and every websocket is
  refused with 403, and no response carries CORS headers for a foreign origin.
- **Routes**: gradio's direct-call routes (``/gradio_api/run/…``, ``/api/…``, ``/call/…``)
  answer only the public API (``/ask``, the chat endpoints, the MCP tools); the page's own
  handlers run only through the queue. Routes the page never uses (``proxy=``, streaming,
  recording, vibe editing, run history, dev reload, monitoring) are 404.
- **Files**: ``/gradio_api/file=…`` serves only files of this server's own upload folder
  (gradio would serve anything in the upload folder it shares with every gradio app of the
  machine).
- **Framing**: every response says ``X-Frame-Options: DENY`` and
  ``Content-Security-Policy: frame-ancestors 'none'`` (no other site can frame the page and
  trick clicks on Remove), ``X-Content-Type-Options: nosniff`` and
  ``Referrer-Policy: same-origin``.
- **Login attempts**: at most :data:`LOGIN_FAILURES` wrong passwords per client address in
  :data:`LOGIN_WINDOW_S` seconds (``/login`` and HTTP Basic on MCP); beyond that every attempt,
  right or wrong, gets 429 until the oldest failure ages out.

No gradio import here: it is plain ASGI.
"""

from __future__ import annotations

import collections
import json
import os
import re
import threading
import time
from collections.abc import Iterable
from typing import Any

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
LOGIN_FAILURES = 10  # wrong passwords a client may send per window
LOGIN_WINDOW_S = 300.0
MAX_CLIENTS_TRACKED = 10_000  # failure records kept (oldest dropped first)

# gradio's direct-call routes: POST /gradio_api/run/<name>, /api/<name>, /call/<name>,
# /call/v2/<name>, and GET /gradio_api/call/<name>/<event id>
_DIRECT = re.compile(r"^/gradio_api/(?:run|api|call(?:/v2)?)/([^/]+)/?(?:[^/]+/?)?$")
_UNUSED = re.compile(r"^/gradio_api/(?:proxy=|stream/|process_recording|vibe-|undo-vibe-"
                     r"|dev/|runs|run-history|deep_link)|^/monitoring")
_LOGIN = re.compile(r"^/login/?$")
_FILE = re.compile(r"^/gradio_api/file(?:=|/)(.*)$", re.S)
_MCP = re.compile(r"(?:^|/)gradio_api/mcp(?:/|$)")
_SAFE_METHODS = ("GET", "HEAD")
_SECURITY_NAMES = {b"x-frame-options", b"content-security-policy", b"x-content-type-options",
                   b"referrer-policy"}
_SECURITY_HEADERS = [(b"x-frame-options", b"DENY"),
                     (b"content-security-policy", b"frame-ancestors 'none'"),
                     (b"x-content-type-options", b"nosniff"),
                     (b"referrer-policy", b"same-origin")]
_HOST = re.compile(r"^(?:[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*"
                   r"|[0-9a-f:.]+)$")


def host_name(value: str) -> str:
    """The name part of a ``Host`` header or an origin's netloc, lower case, no port."""
    h = value.strip().lower()
    if h.startswith("["):  # [::1]:7860
        return h[1:h.find("]")] if "]" in h else h[1:]
    if h.count(":") == 1:
        h = h.split(":", 1)[0]
    return h.rstrip(".")


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The ``Host`` names a server bound to ``bind`` answers: loopback, the bound address
    unless it is a wildcard, and ``extra`` (``--allowed-host``)."""
    names = set(LOOPBACK_NAMES)
    if host_name(bind) not in WILDCARDS:
        names.add(host_name(bind))
    for name in extra:
        cleaned = host_name(str(name))
        if not _HOST.match(cleaned) or re.search(r"[/@\s]", str(name)):
            from ..errors import AskCorpusError

            raise AskCorpusError(f"--allowed-host {name!r} is not a host name (give a name "
                                 "or address such as chat.example.org, without a port)")
        names.add(cleaned)
    return frozenset(names)


def _netloc(value: str) -> str:
    """``host[:port]`` of an origin or ``Host`` header, default ports dropped."""
    v = value.strip().lower()
    v = v.split("://", 1)[1] if "://" in v else v
    v = v.split("/", 1)[0]
    for default in (":80", ":443"):
        if v.endswith(default):
            v = v[: -len(default)]
    return v


class LoginLimiter:
    """Wrong passwords per client address in a sliding window (thread-safe)."""

    def __init__(self, failures: int = LOGIN_FAILURES, window: float = LOGIN_WINDOW_S) -> None:
        self.failures = failures
        self.window = window
        self._seen: collections.OrderedDict[str, collections.deque[float]] = \
            collections.OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> collections.deque[float]:
        times = self._seen.get(client)
        if times is None:
            return collections.deque()
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self._seen[client]
        return times

    def retry_after(self, client: str) -> float:
        """0 when ``client`` may try now, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) < self.failures:
                return 0.0
            return max(0.1, self.window - (now - times[0]))

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            times = self._seen.setdefault(client, collections.deque())
            times.append(now)
            self._seen.move_to_end(client)
            while len(times) > self.failures:
                times.popleft()
            while len(self._seen) > MAX_CLIENTS_TRACKED:
                self._seen.popitem(last=False)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._seen.pop(client, None)

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()


class Guard:
    """ASGI middleware wrapping the whole gradio app (outermost): see the module docstring.

    ``public`` is the set of API names the direct-call routes may run."""

    def __init__(self, app: Any, *, hosts: frozenset[str], public: frozenset[str],
                 limiter: LoginLimiter | None = None, files: str | None = None) -> None:
        self.app = app
        self.hosts = hosts
        self.public = public
        self.limiter = limiter or LoginLimiter()
        self.files = os.path.realpath(files) if files else None  # the only folder file= serves

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        kind = scope.get("type")
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers") or []}
        path = str(scope.get("path") or "/")
        method = str(scope.get("method") or "GET").upper()
        host = headers.get("host", "")
        if host_name(host) not in self.hosts:
            shown = host[:80] if host.isprintable() else repr(host[:80])
            await _refuse(scope, send, 400, f"host {shown!r} is not served here: open the page "
                          "at 127.0.0.1 or localhost, or start the server with "
                          "--allowed-host NAME")
            return
        origin = headers.get("origin")
        foreign = (origin is not None and _netloc(origin) != _netloc(host)) or \
            headers.get("sec-fetch-site", "") == "cross-site"
        if foreign and (kind == "websocket" or method not in _SAFE_METHODS):
            await _refuse(scope, send, 403, "cross-origin request refused: only the page "
                          "served at this address may use it")
            return
        match = _DIRECT.match(path)
        served = _FILE.match(path)
        if (match and match.group(1) not in self.public) or _UNUSED.search(path) or \
                (served and not self._servable(served.group(1))):
            await _refuse(scope, send, 404, "Not Found")
            return
        client = str((scope.get("client") or ("?", 0))[0])
        counted = (kind == "http" and method == "POST" and _LOGIN.match(path) is not None) \
            or (_MCP.search(path) is not None and "authorization" in headers)
        if counted:
            wait = self.limiter.retry_after(client)
            if wait:
                await _refuse(scope, send, 429, "too many wrong passwords from this address; "
                              f"try again in {wait:.0f} s", retry_after=wait)
                return
        strip_cors = foreign

        async def sending(message: dict[str, Any]) -> None:
            if message.get("type") == "http.response.start":
                status = int(message.get("status", 200))
                if counted:
                    if status in (400, 401, 403):
                        self.limiter.failed(client)
                    elif status < 300:
                        self.limiter.succeeded(client)
                kept = [(k, v) for k, v in message.get("headers") or []
                        if not (strip_cors and k.lower().startswith(b"access-control-"))
                        and k.lower() not in _SECURITY_NAMES]
                message = {**message, "headers": kept + _SECURITY_HEADERS}
            await send(message)

        await self.app(scope, receive, sending)


    def _servable(self, rest: str) -> bool:
        """Whether ``/gradio_api/file=<rest>`` names a file in this server's upload folder."""
        if self.files is None or "://" in rest or "\x00" in rest:
            return False
        target = os.path.realpath(rest if rest.startswith("/") else "/" + rest)
        return target.startswith(self.files + os.sep)


async def _refuse(scope: Any, send: Any, status: int, message: str,
                  retry_after: float | None = None) -> None:
    if scope.get("type") == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", str(max(1, round(retry_after))).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install(app: Any, guard_kwargs: dict[str, Any]) -> None:
    """Put :class:`Guard` in front of everything of a started gradio (FastAPI) app, CORS
    handling included: gradio adds its own middleware outside any given to the app, and has
    already built its middleware stack once launched, so the stack is rebuilt."""
    from starlette.middleware import Middleware

    app.user_middleware.insert(0, Middleware(Guard, **guard_kwargs))
    app.middleware_stack = None  # rebuilt (with the guard outermost) on the next request
