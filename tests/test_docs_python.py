"""The documentation's Python API blocks run: every ```python block of README.md and docs/*.md
that imports askcorpus (and does not talk to a server: tests/test_docs.py runs those) is read
from the file and executed as written, in a folder holding the seed corpus as ``corpus/`` and
its real index as ``index/``. What it prints must be the seed answer, quoted verbatim."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

from askcorpus.config import Settings
from tests.conftest import ROOT
from tests.test_docs import CALLS_SERVER, Block, code_blocks

pytestmark = pytest.mark.integration

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def api_blocks() -> list[Block]:
    return [b for doc in DOCS for b in code_blocks(doc)
            if b.lang == "python" and re.search(r"^\s*(from|import) askcorpus\b", b.text, re.M)
            and not CALLS_SERVER.search(b.text)]


def test_the_documented_api_blocks_exist() -> None:
    names = {b.doc.name for b in api_blocks()}
    assert {"README.md", "ARCHITECTURE.md"} <= names
    for b in api_blocks():
        assert "from askcorpus import Pipeline, Settings" in b.text, b.name


@pytest.mark.parametrize("block", api_blocks(), ids=lambda b: b.name)
def test_api_block_runs(block: Block, real_index: Settings, tmp_path: Path,
                        monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(real_index.corpus, tmp_path / "corpus")
    shutil.copytree(real_index.index, tmp_path / "index")
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    scope: dict[str, object] = {"__name__": "__doc_block__"}
    with contextlib.redirect_stdout(out):
        exec(compile(block.text, block.name, "exec"), scope)
    printed = out.getvalue()
    assert "Macron" in printed, printed
    answer = scope["answer"]
    assert answer.answered and answer.quotes  # type: ignore[attr-defined]
    for q in answer.quotes:  # type: ignore[attr-defined]
        original = (tmp_path / "corpus" / q.doc.path).read_text(encoding="utf-8")
        assert original[q.start:q.end] == q.text
        assert q.text in printed or repr(q.text) in printed
