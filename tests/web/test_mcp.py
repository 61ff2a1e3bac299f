"""`serve --mcp`: the MCP tools ask and show over streamable HTTP, driven by the official `mcp`
Python client on loopback; the login; `askcorpus serve --mcp` and `app.py --mcp`."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from tests.conftest import ROOT, free_port, start_live_app

NK = "How many North Korean soldiers are fighting for Russia?"

pytestmark = [pytest.mark.integration,
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


def mcp_url(app_url: str) -> str:
    return app_url.rstrip("/") + "/gradio_api/mcp/"


def with_session(url: str, fn: Callable[[Any], Awaitable[Any]],
                 auth: tuple[str, str] | None = None) -> Any:
    """Run ``fn(session)`` in an initialized MCP client session (official `mcp` client)."""
    import httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def main() -> Any:
        http = httpx.AsyncClient(auth=auth, trust_env=False,
                                 timeout=httpx.Timeout(30, read=300))
        async with http, streamable_http_client(url, http_client=http) as (read, write, _), \
                ClientSession(read, write) as session:
            await session.initialize()
            return await fn(session)

    return asyncio.run(main())


def call(url: str, tool: str, arguments: dict[str, Any],
         auth: tuple[str, str] | None = None) -> Any:
    async def go(session: Any) -> Any:
        result = await session.call_tool(tool, arguments)
        assert not result.isError, result
        assert [c.type for c in result.content] == ["text"]
        return json.loads(result.content[0].text)

    return with_session(url, go, auth)


@pytest.fixture(scope="module")
def mcp_app(real_index: Settings) -> Iterator[Any]:
    app = start_live_app(real_index, mcp=True)
    yield app
    app.close()


def test_tools_are_listed_with_descriptions(mcp_app: Any) -> None:
    async def tools(session: Any) -> Any:
        return (await session.list_tools()).tools

    found = {t.name: t for t in with_session(mcp_url(mcp_app.url), tools)}
    assert set(found) == {"ask", "show"}  # not the /ask endpoint of gradio_client
    ask, show = found["ask"], found["show"]
    assert "verbatim" in ask.description and "not" in ask.description
    assert "article" in show.description
    props = ask.inputSchema["properties"]
    assert list(props) == ["question", "k", "mode", "articles", "outlets", "since", "until",
                           "as_of", "undated", "order"]
    assert ask.inputSchema["required"] == ["question"]
    assert all(props[p].get("description") for p in props)
    assert sorted(show.inputSchema["required"]) == ["end", "path", "start"]
    assert "context" in show.inputSchema["properties"]


def test_ask_returns_the_ask_json_object_with_verbatim_quotes(mcp_app: Any,
                                                              real_index: Settings) -> None:
    answer = call(mcp_url(mcp_app.url), "ask", {"question": NK, "k": 3})
    expected = mcp_app.pipeline.ask(NK, k=3).to_dict()
    assert answer == json.loads(json.dumps(expected))
    assert answer["answered"] is True and any("12,000" in q["text"] for q in answer["quotes"])
    for q in answer["quotes"] + answer["related"]:
        text = (real_index.corpus / q["path"]).read_bytes().decode("utf-8")
        assert text[q["start"]:q["end"]] == q["text"]


def test_ask_filters_and_errors(mcp_app: Any) -> None:
    url = mcp_url(mcp_app.url)
    only = call(url, "ask", {"question": NK, "outlets": ["Egypt Daily News"], "mode": "bm25"})
    quotes = only["quotes"] + only["related"]
    assert quotes and {q["outlet"] for q in quotes} == {"Egypt Daily News"}
    one = call(url, "ask", {"question": NK, "articles": ["003_40e451d91cf98c43.txt"]})
    assert {q["path"] for q in one["quotes"] + one["related"]} == {"003_40e451d91cf98c43.txt"}
    bad = call(url, "ask", {"question": NK, "k": 0})
    assert set(bad) == {"question", "error"} and "between 1 and 50" in bad["error"]
    empty = call(url, "ask", {"question": "  "})
    assert "empty" in empty["error"]


def test_show_returns_the_text_around_a_quote(mcp_app: Any, real_index: Settings) -> None:
    url = mcp_url(mcp_app.url)
    q = call(url, "ask", {"question": NK})["quotes"][0]
    shown = call(url, "show", {"path": q["path"], "start": q["start"], "end": q["end"],
                               "context": 80})
    article = (real_index.corpus / q["path"]).read_bytes().decode("utf-8")
    assert shown["quote"] == q["text"] == article[q["start"]:q["end"]]
    assert shown["text"] == article[shown["text_start"]:shown["text_end"]]
    assert shown["text_start"] == max(0, q["start"] - 80)
    assert shown["text_end"] == min(len(article), q["end"] + 80)
    assert shown["length"] == len(article) and shown["title"] == q["title"]
    by_id = call(url, "show", {"path": q["doc_id"], "start": q["start"], "end": q["end"]})
    assert by_id["quote"] == q["text"]
    for args, needle in [({"path": "nope.txt", "start": 0, "end": 1}, "no article"),
                         ({"path": q["path"], "start": 5, "end": 10 ** 7}, "outside"),
                         ({"path": q["path"], "start": 9, "end": 3}, "outside"),
                         ({"path": q["path"], "start": 0, "end": 1, "context": -1}, "context")]:
        result = call(url, "show", args)
        assert set(result) == {"path", "error"} and needle in result["error"], result


def test_a_configured_login_guards_the_mcp_tools(mcp_app: Any) -> None:
    import httpx

    from askcorpus.web import start

    app = start(mcp_app.pipeline.settings, "127.0.0.1", free_port(), pipeline=mcp_app.pipeline,
                env={"ASKCORPUS_AUTH": "alice:s3cr:et"}, mcp=True)
    try:
        assert app.wait_ready(60) and app.login_required
        url = mcp_url(app.url)
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "show", "arguments": {"path": "003_40e451d91cf98c43.txt",
                                                         "start": 0, "end": 5}}}
        head = {"accept": "application/json, text/event-stream"}
        with httpx.Client(trust_env=False, timeout=30) as http:
            for auth in (None, ("alice", "wrong"), ("bob", "s3cr:et")):
                for path in ("", "http/", "schema", "sse", "messages/"):
                    r = http.post(url + path, json=body, headers=head, auth=auth) \
                        if path not in ("schema", "sse") else http.get(url + path, auth=auth)
                    assert r.status_code == 401, (auth, path, r.status_code, r.text[:200])
                    assert r.headers["www-authenticate"].startswith("Basic")
            garbled = {"authorization": "Basic " + base64.b64encode(b"\xff\xfe").decode()}
            # 10 wrong passwords from this address: now every attempt waits (docs/WEB.md)
            assert http.post(url, json=body, headers={**head, **garbled}).status_code == 429
            app.login_limiter.reset()
            assert http.post(url, json=body, headers={**head, **garbled}).status_code == 401
        answer = call(url, "ask", {"question": NK, "k": 1}, auth=("alice", "s3cr:et"))
        assert answer["answered"] is True and len(answer["quotes"]) == 1
    finally:
        app.demo.close()  # the pipeline belongs to mcp_app


def test_gradio_client_api_lists_the_tool_endpoints_too(mcp_app: Any) -> None:
    from gradio_client import Client

    c = Client(mcp_app.url, verbose=False, analytics_enabled=False)
    try:
        api = c.view_api(print_info=False, return_format="dict")["named_endpoints"]
        assert list(api) == ["/ask", "/mcp_ask", "/mcp_show"]
    finally:
        c.close()


@pytest.mark.parametrize("command", [["-m", "askcorpus", "serve"], ["app.py"]],
                         ids=["askcorpus-serve", "app.py"])
def test_serve_mcp_and_watch_from_the_command_line(real_index: Settings,
                                                   command: list[str]) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    proc = subprocess.Popen([sys.executable, *command, "--mcp", "--watch", "--port", str(port),
                             "--corpus", str(real_index.corpus), "--index",
                             str(real_index.index)], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        lines = []
        deadline = time.monotonic() + 180
        assert proc.stderr is not None
        while time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "watching" in line:
                break
        url = f"http://127.0.0.1:{port}/gradio_api/mcp/"
        assert any(f"MCP tools ask, show at {url}" in x for x in lines), lines
        assert any(f"watching {real_index.corpus}" in x for x in lines), lines
        for _ in range(300):  # the model loads in the background
            answer = call(url, "ask", {"question": NK, "k": 1})
            if "error" not in answer or "ready" not in answer["error"]:
                break
            time.sleep(0.5)
        assert answer["answered"] is True, answer
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    assert Path(real_index.index).exists()
