"""The documentation's code runs: every block of README.md and docs/WEB.md that talks to a
running server is read from the file and executed as written against a real server on
loopback; only the address http://127.0.0.1:7860 is replaced by the test server's."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from tests.conftest import ROOT, start_live_app

DOCS = (ROOT / "README.md", ROOT / "docs" / "WEB.md")
DOC_URL = "http://127.0.0.1:7860"
# a block that reaches the server (as opposed to one that starts it, or mentions its address)
CALLS_SERVER = re.compile(r"\bClient\(|\bcurl\s|/gradio_api/")
STARTS_SERVER = re.compile(r"^\s*(make chat|\S*python\S* app\.py|\S*askcorpus serve)\b", re.M)

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # of the opening fence, 1-based
    lang: str
    text: str

    @property
    def name(self) -> str:
        return f"{self.doc.name}:{self.line}-{self.lang or 'text'}"


def code_blocks(doc: Path) -> list[Block]:
    """The fenced code blocks of a Markdown file, in order."""
    blocks: list[Block] = []
    lang, start, body = None, 0, []
    for n, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        if lang is None and line.startswith("```"):
            lang, start, body = line[3:].strip(), n, []
        elif lang is not None and line.startswith("```"):
            blocks.append(Block(doc, start, lang, "\n".join(body) + "\n"))
            lang = None
        elif lang is not None:
            body.append(line)
    assert lang is None, f"{doc.name}: unclosed code block at line {start}"
    return blocks


def server_blocks() -> list[Block]:
    return [b for doc in DOCS for b in code_blocks(doc) if CALLS_SERVER.search(b.text)]


def test_code_block_parser() -> None:
    blocks = code_blocks(ROOT / "docs" / "WEB.md")
    assert blocks[0].lang == "bash" and blocks[0].text.startswith("make chat")
    assert all(not b.text.startswith("```") for b in blocks)


def test_every_block_using_the_server_address_is_run_or_starts_the_server() -> None:
    """A new snippet that calls the server cannot slip past the runner below."""
    for doc in DOCS:
        found = [b for b in code_blocks(doc) if DOC_URL in b.text]
        calls = [b for b in found if CALLS_SERVER.search(b.text)]
        assert calls, f"{doc.name}: no block talks to the server; is the address still {DOC_URL}?"
        for b in found:
            assert b in calls or STARTS_SERVER.search(b.text), \
                f"{b.name} names the server but neither calls it nor starts it"
            assert b.lang in RUNNERS or b not in calls, f"{b.name}: no runner for {b.lang!r}"


# ------------------------------------------------------------------------------ running them
def check_answer(answer: Any, corpus: Path) -> None:
    """An answer object of `ask --json`, every quote verbatim at its offsets."""
    assert isinstance(answer, dict) and "error" not in answer, answer
    assert {"question", "answered", "message", "quotes", "related"} <= set(answer)
    for q in answer["quotes"] + answer["related"]:
        text = (corpus / q["path"]).read_bytes().decode("utf-8")
        assert text[q["start"]:q["end"]] == q["text"]


def check_shown(shown: Any, corpus: Path) -> None:
    """What the MCP tool `show` returns: the article text around a quote, verbatim."""
    assert isinstance(shown, dict) and "error" not in shown, shown
    text = (corpus / shown["path"]).read_bytes().decode("utf-8")
    assert text[shown["start"]:shown["end"]] == shown["quote"]
    assert text[shown["text_start"]:shown["text_end"]] == shown["text"]


def run_python(block: Block, url: str, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Execute the block; every reply of the server it gets (through gradio_client or the
    MCP client) is checked, and so is every answer object it is left holding."""
    from gradio_client import Client
    from mcp import ClientSession

    replies: list[str] = []
    predict, call_tool = Client.predict, ClientSession.call_tool

    def recording_predict(self: Any, *args: Any, **kwargs: Any) -> Any:
        reply = predict(self, *args, **kwargs)
        replies.append(reply)
        return reply

    async def recording_call_tool(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = await call_tool(self, *args, **kwargs)
        assert not result.isError, result
        replies.extend(c.text for c in result.content)
        return result

    monkeypatch.setattr(Client, "predict", recording_predict)
    monkeypatch.setattr(ClientSession, "call_tool", recording_call_tool)
    namespace: dict[str, Any] = {"__name__": "__doc_snippet__"}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block.text.replace(DOC_URL, url), block.name, "exec"), namespace)
    assert replies, f"{block.name} never called the server"
    answers = [v for v in namespace.values() if isinstance(v, dict) and "quotes" in v]
    for reply in replies:  # /ask and the MCP tools send JSON text
        assert isinstance(reply, str)
        parsed = json.loads(reply)
        if "quote" in parsed:
            check_shown(parsed, corpus)
        else:
            answers.append(parsed)
    assert answers, f"{block.name} got no answer"
    for answer in answers:
        check_answer(answer, corpus)
    if "print(" in block.text:
        assert out.getvalue().strip()


def run_json(block: Block, url: str, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An MCP client configuration: every server in it is reached with the official `mcp`
    client (and the headers the entry gives) and offers the tools ask and show."""
    import asyncio

    import httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    servers = json.loads(block.text.replace(DOC_URL, url))["mcpServers"]
    assert servers

    async def tools(entry: dict[str, Any]) -> set[str]:
        http = httpx.AsyncClient(headers=entry.get("headers"), trust_env=False, timeout=60)
        async with http, streamable_http_client(entry["url"], http_client=http) as (r, w, _), \
                ClientSession(r, w) as session:
            await session.initialize()
            return {t.name for t in (await session.list_tools()).tools}

    for entry in servers.values():
        assert entry.get("type", "http") == "http"
        assert asyncio.run(tools(entry)) == {"ask", "show"}


def run_bash(block: Block, url: str, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block.text.replace(DOC_URL, url)],
                          capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "event: complete" in lines, proc.stdout[:500]
    data = lines[lines.index("event: complete") + 1]
    assert data.startswith("data: ")
    payload = json.loads(data[len("data: "):])
    assert isinstance(payload, list) and len(payload) == 1 and isinstance(payload[0], str)
    check_answer(json.loads(payload[0]), corpus)


RUNNERS = {"python": run_python, "bash": run_bash, "json": run_json}


@pytest.fixture(scope="module")
def docs_app(real_index: Settings) -> Iterator[Any]:
    """The server the documentation talks to: the real app with its MCP tools."""
    app = start_live_app(real_index, mcp=True)
    yield app
    app.close()


@pytest.mark.integration
@pytest.mark.parametrize("block", server_blocks(), ids=lambda b: b.name)
def test_doc_block_runs_against_a_live_server(block: Block, docs_app: Any, real_index: Settings,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert DOC_URL in block.text
    RUNNERS[block.lang](block, docs_app.url.rstrip("/"), real_index.corpus, monkeypatch)
