"""The web chat's server side: the /ask API on a real launched app, sessions, login policy,
background start-up."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from askcorpus.errors import AskCorpusError, IndexLockedError
from askcorpus.web import auth
from askcorpus.web.startup import Startup
from tests.conftest import ask_api

ROOT = Path(__file__).resolve().parents[2]
NK_QUESTION = "How many North Korean soldiers are fighting for Russia?"
MACRON_QUESTION = "Who proposed sending NATO troops to Ukraine for training?"
FOLLOW_UP = "How did Russia react to that?"

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(real_index: Settings) -> Iterator[Any]:
    """The real app on 127.0.0.1 over a real index of a copy of the shipped corpus."""
    from askcorpus.pipeline import Pipeline
    from askcorpus.web import start

    app = start(real_index, "127.0.0.1", free_port(), env={}, pipeline=Pipeline(real_index))
    assert app.wait_ready(180), app.startup.snapshot()
    yield app
    app.close()


@pytest.fixture
def client(served: Any) -> Iterator[Any]:
    from gradio_client import Client

    c = Client(served.url, verbose=False, analytics_enabled=False)
    yield c
    c.close()


def original_text(settings: Settings, path: str) -> str:
    return (settings.corpus / path).read_bytes().decode("utf-8")


# ------------------------------------------------------------------------------ /ask
@pytest.mark.integration
def test_ask_answers_with_a_verbatim_quote_at_the_right_offsets(client: Any,
                                                                real_index: Settings) -> None:
    result = ask_api(client, NK_QUESTION)
    assert result["answered"] is True, result
    hits = [q for q in result["quotes"] if "12,000" in q["text"]]
    assert hits, result["quotes"]
    q = hits[0]
    assert q["path"] == "003_40e451d91cf98c43.txt"
    text = original_text(real_index, q["path"])
    assert text[q["start"]:q["end"]] == q["text"]
    assert q["start"] <= q["span_start"] < q["span_end"] <= q["end"]
    assert "12,000" in text[q["span_start"]:q["span_end"]]


@pytest.mark.integration
def test_ask_returns_exactly_answer_to_dict(client: Any, served: Any) -> None:
    result = ask_api(client, NK_QUESTION, [], 3, "bm25", None)
    expected = served.pipeline.ask(NK_QUESTION, k=3, mode="bm25").to_dict()
    assert result == json.loads(json.dumps(expected))
    assert len(result["quotes"]) <= 3 and result["mode"] == "bm25"


@pytest.mark.integration
def test_a_plain_client_gets_the_line_ask_json_prints(served: Any,
                                                      real_index: Settings) -> None:
    """No client options at all (the README's case): gradio_client downloads any dict with a
    "path" in a result, so /ask answers with text, the very line `askcorpus ask --json`
    prints, and parsing it gives the same object."""
    from click.testing import CliRunner
    from gradio_client import Client

    from askcorpus.cli import main

    c = Client(served.url)
    try:
        reply = c.predict(NK_QUESTION, api_name="/ask")
    finally:
        c.close()
    cli = CliRunner().invoke(main, ["ask", NK_QUESTION, "--json", "--index",
                                    str(real_index.index)], catch_exceptions=False)
    assert cli.exit_code == 0, cli.output
    assert reply == cli.output.rstrip("\n")
    answer = json.loads(reply)
    assert answer["answered"] is True and answer["quotes"]
    assert all(isinstance(q["path"], str) and not Path(q["path"]).is_absolute()
               for q in answer["quotes"])


@pytest.mark.integration
def test_ask_is_listed_with_optional_parameters(client: Any) -> None:
    api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert list(api) == ["/ask"]  # the page's own handlers are not advertised
    params = {p["parameter_name"]: p for p in api["/ask"]["parameters"]}
    optional = ["history", "k", "mode", "filters", "since", "until", "as_of", "undated", "order"]
    assert list(params) == ["question", *optional]
    assert not params["question"]["parameter_has_default"]
    assert all(params[n]["parameter_has_default"] for n in optional)


@pytest.mark.integration
def test_history_resolves_a_follow_up(client: Any) -> None:
    alone = ask_api(client, FOLLOW_UP)
    assert "resolved_question" not in alone
    followed = ask_api(client, FOLLOW_UP, [MACRON_QUESTION])
    assert "NATO troops" in followed["resolved_question"]
    # answered or not is the engine's call; what it quotes must be about the resolved question
    passages = followed["quotes"] + followed["related"]
    assert any("Russia" in q["text"] for q in passages)


@pytest.mark.integration
def test_filters_restrict_the_sources(client: Any) -> None:
    result = ask_api(client, NK_QUESTION, None, 5, "hybrid", ["www.independent.co.uk"])
    quotes = result["quotes"] + result["related"]
    assert quotes and {q["outlet"] for q in quotes} == {"www.independent.co.uk"}


@pytest.mark.integration
@pytest.mark.parametrize(("args", "needle"), [
    (("",), "empty"),
    (("x" * 5000,), "limit"),
    ((NK_QUESTION, None, 5, "nonsense"), "unknown mode"),
    ((NK_QUESTION, None, 0), "between 1 and 50"),
    ((NK_QUESTION, None, 51), "between 1 and 50"),
])
def test_bad_input_is_an_error_field_not_a_traceback(client: Any, args: tuple[Any, ...],
                                                     needle: str) -> None:
    result = ask_api(client, *args)
    assert set(result) == {"question", "error"}, result
    assert result["question"] == args[0]
    assert needle in result["error"] and "Traceback" not in result["error"]


@pytest.mark.integration
def test_two_clients_keep_separate_conversations(served: Any) -> None:
    from gradio_client import Client

    def ask(c: Any, question: str) -> str:
        c.predict(question, api_name="/chat_begin")
        page, *_ = c.predict(5, "hybrid", [], "", "", False, False, api_name="/chat_answer")
        return str(page)

    a = Client(served.url, verbose=False, analytics_enabled=False)
    b = Client(served.url, verbose=False, analytics_enabled=False)
    try:
        first = ask(a, MACRON_QUESTION)
        assert first.count('class="ac-turn"') == 1 and "ac-answer" in first
        lone = ask(b, FOLLOW_UP)  # B never asked about Macron: nothing to resolve against
        assert lone.count('class="ac-turn"') == 1 and "Read as" not in lone
        second = ask(a, FOLLOW_UP)  # A's follow-up uses A's own history
        assert second.count('class="ac-turn"') == 2
        assert "Read as" in second and "NATO troops" in second.split("Read as")[1]
        assert MACRON_QUESTION not in lone
    finally:
        a.close()
        b.close()


@pytest.mark.integration
def test_a_configured_login_is_enforced(served: Any) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    from askcorpus.web import start

    app = start(served.pipeline.settings, "127.0.0.1", free_port(), pipeline=served.pipeline,
                env={"ASKCORPUS_AUTH": "alice:s3cr:et,bob:pw2"})
    try:
        assert app.login_required
        with pytest.raises(AuthenticationError, match="credentials were not provided"):
            Client(app.url, verbose=False, analytics_enabled=False)
        with pytest.raises((AuthenticationError, ValueError), match="Could not login"):
            Client(app.url, auth=("alice", "wrong"), verbose=False, analytics_enabled=False)
        c = Client(app.url, auth=("alice", "s3cr:et"), verbose=False, analytics_enabled=False)
        assert app.wait_ready(60)
        assert ask_api(c, NK_QUESTION)["answered"] is True
        c.close()
    finally:
        app.demo.close()  # the pipeline belongs to `served`


# ------------------------------------------------------------------------------ login policy
@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("LOCALHOST.", True),
    ("::1", True), ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.5", False),
    ("10.0.0.1", False), ("example.org", False), ("", False), ("127.example.org", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert auth.is_loopback(host) is loopback


def test_credentials_from_env_and_file(tmp_path: Path) -> None:
    f = tmp_path / "users"
    f.write_text("# team\n\ncarol:pa:ss:word\n dave : pw4 \n", encoding="utf-8")
    users = auth.load_credentials({"ASKCORPUS_AUTH": "alice:pw1, bob:pw2",
                                   "ASKCORPUS_AUTH_FILE": str(f)})
    assert users == {"alice": "pw1", "bob": "pw2", "carol": "pa:ss:word", "dave": " pw4"}
    check = auth.checker(users)
    assert check("alice", "pw1") and check("carol", "pa:ss:word")
    assert not check("alice", "pw2") and not check("nobody", "pw1") and not check("alice", "")
    assert auth.load_credentials({}) == {}


@pytest.mark.parametrize("bad", ["alice", "alice:", ":pw", "alice:pw,bob"])
def test_malformed_credentials_are_refused_without_echoing_them(bad: str) -> None:
    with pytest.raises(AskCorpusError, match="not user:password") as e:
        auth.load_credentials({"ASKCORPUS_AUTH": bad})
    assert "pw" not in str(e.value).replace("password", "")


def test_unreadable_or_empty_auth_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AskCorpusError, match="cannot read"):
        auth.load_credentials({"ASKCORPUS_AUTH_FILE": str(tmp_path / "missing")})
    empty = tmp_path / "empty"
    empty.write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(AskCorpusError, match="no user:password"):
        auth.load_credentials({"ASKCORPUS_AUTH_FILE": str(empty)})


def test_public_host_requires_credentials() -> None:
    assert auth.auth_for("127.0.0.1", {}) is None
    assert auth.auth_for("localhost", {}) is None
    with pytest.raises(AskCorpusError, match=r"refusing to serve on 0\.0\.0\.0 without a login"):
        auth.auth_for("0.0.0.0", {})
    check = auth.auth_for("0.0.0.0", {"ASKCORPUS_AUTH": "alice:pw"})
    assert check is not None and check("alice", "pw")
    local = auth.auth_for("127.0.0.1", {"ASKCORPUS_AUTH": "alice:pw"})  # given: always used
    assert local is not None and not local("alice", "nope")


def test_start_refuses_a_public_host_before_any_work(tmp_path: Path) -> None:
    from askcorpus.web import start

    settings = Settings(corpus=tmp_path / "nothing", index=tmp_path / "index")
    with pytest.raises(AskCorpusError, match="without a login"):
        start(settings, "0.0.0.0", free_port(), env={})
    assert not (tmp_path / "index").exists()


def test_app_py_refuses_a_public_host_with_one_line_and_no_heavy_imports(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    env.pop("HF_HUB_OFFLINE", None)
    code = ("import os, sys, app\n"
            "rc = app.main(['--host', '0.0.0.0', '--port', '1', '--corpus', 'nowhere'])\n"
            "print(rc, 'gradio' in sys.modules, 'torch' in sys.modules,"
            " os.environ.get('HF_HUB_OFFLINE'))\n")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "False", "False", "1"]
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: refusing to serve on 0.0.0.0")
    assert time.perf_counter() - t0 < 20


# ------------------------------------------------------------------------------ start-up
class _StubPipeline:
    """Stands in for Pipeline where the real one cannot show the case cheaply."""

    def __init__(self, index_error: AskCorpusError | None = None, stats_ok: bool = True,
                 gate: threading.Event | None = None) -> None:
        self.index_error = index_error
        self.stats_ok = stats_ok
        self.gate = gate
        self.warmed: list[str] = []
        self.embedder = self

    def index(self, progress: Any = None) -> Any:
        if self.gate is not None:
            assert self.gate.wait(10)
        for i in range(1, 4):
            progress("chunking", i, 3)
        for i in range(0, 101, 50):
            progress("embedding", i, 100)
        if self.index_error:
            raise self.index_error
        return None

    def embed_query(self, text: str) -> None:
        self.warmed.append(text)

    def stats(self) -> dict[str, Any]:
        if not self.stats_ok:
            raise AskCorpusError("no index in idx/: run `askcorpus index` first")
        return {"documents": 3, "chunks": 9, "articles": [], "outlets": []}


def test_startup_reports_progress_then_ready() -> None:
    gate = threading.Event()
    stub = _StubPipeline(gate=gate)
    seen: list[dict[str, Any]] = []
    original = Startup._set

    def spy(self: Startup, **changes: Any) -> None:
        original(self, **changes)
        seen.append(self.snapshot())

    startup = Startup(stub)
    startup._set = spy.__get__(startup)  # type: ignore[method-assign]
    startup.start()
    time.sleep(0.05)
    assert not startup.ready and startup.snapshot()["phase"] in ("starting", "indexing")
    gate.set()
    assert startup.done.wait(10)
    assert startup.ready and stub.warmed == ["warm up"]
    msgs = [s["message"] for s in seen]
    assert "Embedding passages: 50/100 chunks" in msgs
    assert any(s["done"] == 2 and s["total"] == 3 for s in seen)
    assert seen[-1]["message"] == "Ready · 3 articles · 9 chunks"
    assert startup.stats() == stub.stats()


def test_startup_serves_an_existing_index_when_updating_fails() -> None:
    startup = Startup(_StubPipeline(IndexLockedError("idx/ is being written by another "
                                                     "process")))
    startup.run()
    snap = startup.snapshot()
    assert snap["ready"] and "being written" in snap["warning"]


def test_startup_error_is_shown_not_raised() -> None:
    startup = Startup(_StubPipeline(AskCorpusError("corpus/ has no articles"), stats_ok=False))
    startup.run()
    snap = startup.snapshot()
    assert not snap["ready"] and snap["phase"] == "error"
    assert snap["message"] == "corpus/ has no articles"
    assert "not ready" not in startup.not_ready_message()
    assert "corpus/ has no articles" in startup.not_ready_message()


def test_the_server_log_follows_stderr_as_it_is_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The server's log lines go to sys.stderr as it is when they are written: a stream that
    was stderr at start-up and has since been closed (a test's capture, a redirect) must not
    turn each line into a "--- Logging error ---" traceback."""
    import io
    import logging

    from askcorpus.web.server import _log_to_stderr

    logger = logging.getLogger("askcorpus")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "level", logger.level)
    first = io.StringIO()
    monkeypatch.setattr(sys, "stderr", first)
    _log_to_stderr()
    first.close()
    now = io.StringIO()
    monkeypatch.setattr(sys, "stderr", now)
    logging.getLogger("askcorpus.web.startup").info("ready: the chat is open")
    assert now.getvalue() == "askcorpus: ready: the chat is open\n"
