"""Who may log in: loopback binds are open, anything else needs credentials.

Credentials come from ``ASKCORPUS_AUTH="user:password[,user2:pw2]"`` or from the file named by
``ASKCORPUS_AUTH_FILE`` (one ``user:password`` per line; blank lines and ``#`` comments are
ignored). Both may be given; the users are merged.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..errors import AskCorpusError

AUTH_ENV = "ASKCORPUS_AUTH"
AUTH_FILE_ENV = "ASKCORPUS_AUTH_FILE"


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost. Everything else (0.0.0.0, ::, names) is public."""
    h = host.strip().strip("[]").lower().rstrip(".")
    if h == "localhost" or h.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def parse_credentials(entries: list[str], origin: str) -> dict[str, str]:
    """``["user:password", ...]`` -> {user: password}. The password may contain ':'."""
    users: dict[str, str] = {}
    for n, entry in enumerate(entries, 1):
        entry = entry.strip()
        if not entry or entry.startswith("#"):
            continue
        user, sep, password = entry.partition(":")
        user = user.strip()
        if not sep or not user or not password:
            raise AskCorpusError(f"{origin}: entry {n} is not user:password "
                                 "(both must be non-empty)")
        users[user] = password
    return users


def load_credentials(env: Mapping[str, str]) -> dict[str, str]:
    """All users from ``ASKCORPUS_AUTH`` and ``ASKCORPUS_AUTH_FILE`` (empty when neither)."""
    users: dict[str, str] = {}
    inline = env.get(AUTH_ENV, "")
    if inline.strip():
        users.update(parse_credentials(inline.split(","), AUTH_ENV))
    file_name = env.get(AUTH_FILE_ENV, "").strip()
    if file_name:
        path = Path(file_name).expanduser()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as e:
            raise AskCorpusError(f"{AUTH_FILE_ENV}={file_name}: cannot read it "
                                 f"({e.strerror or e})") from None
        except UnicodeDecodeError:
            raise AskCorpusError(f"{AUTH_FILE_ENV}={file_name}: not UTF-8 text") from None
        found = parse_credentials(lines, str(path))
        if not found:
            raise AskCorpusError(f"{AUTH_FILE_ENV}={file_name}: no user:password lines in it")
        users.update(found)
    return users


def checker(users: Mapping[str, str]) -> Callable[[str, str], bool]:
    """A constant-time ``(user, password) -> bool`` for ``launch(auth=...)``."""
    table = {u.encode(): p.encode() for u, p in users.items()}

    def check(user: str, password: str) -> bool:
        expected = table.get(str(user).encode())
        given = str(password).encode()
        if expected is None:
            hmac.compare_digest(given, given)  # same work for unknown users
            return False
        return hmac.compare_digest(given, expected)

    return check


def auth_for(host: str, env: Mapping[str, str]) -> Callable[[str, str], bool] | None:
    """The login check to serve ``host`` with, None for an open loopback server.

    Raises AskCorpusError (one line) for a non-loopback host without credentials.
    """
    users = load_credentials(env)
    if users:
        return checker(users)
    if is_loopback(host):
        return None
    raise AskCorpusError(
        f"refusing to serve on {host} without a login: set {AUTH_ENV}=user:password "
        f"(or {AUTH_FILE_ENV}=file with user:password lines), or bind 127.0.0.1")


MCP_PATH = re.compile(r"(?:^|/)gradio_api/mcp(?:/|$)")
_DENIED = (b'{"error": "log in: send the header Authorization: Basic base64(user:password) '
           b'of a user from ASKCORPUS_AUTH / ASKCORPUS_AUTH_FILE"}')


class McpLogin:
    """ASGI middleware: with a login configured, requests to gradio's MCP server need HTTP
    Basic credentials of a configured user. (Gradio's login is a browser cookie, which MCP
    clients do not have, and gradio does not check it on its MCP routes.)"""

    def __init__(self, app: Any, check: Callable[[str, str], bool]) -> None:
        self.app = app
        self.check = check

    def allowed(self, headers: list[tuple[bytes, bytes]]) -> bool:
        value = next((v for k, v in headers if k.lower() == b"authorization"), b"")
        scheme, _, token = value.partition(b" ")
        if scheme.lower() != b"basic":
            return False
        try:
            user, sep, password = base64.b64decode(token.strip(), validate=True) \
                .decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return bool(sep) and self.check(user, password)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and MCP_PATH.search(scope.get("path", "")) \
                and not self.allowed(scope.get("headers") or []):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(_DENIED)).encode()),
                (b"www-authenticate", b'Basic realm="askcorpus MCP", charset="UTF-8"')]})
            await send({"type": "http.response.body", "body": _DENIED})
            return
        await self.app(scope, receive, send)
