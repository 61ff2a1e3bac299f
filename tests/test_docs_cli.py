"""The README's command-line block runs: each line is read from README.md, its optional
``[...]`` parts dropped, and executed in a shell against a real index of the shipped corpus;
the evaluation lines on the public benchmarks build their own indexes (minutes) and run in
`make test-slow`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_DATA
from tests.test_docs import code_blocks

pytestmark = pytest.mark.integration


def cli_lines() -> list[str]:
    """The commands of the bash block right under README's "## The command line"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## The command line")
    line_no = text[:start].count("\n") + 1
    block = next(b for b in code_blocks(ROOT / "README.md") if b.line > line_no)
    assert block.lang == "bash"
    return [line for line in block.text.splitlines() if line.strip()]


def runnable(line: str) -> str:
    """The line without its optional parts and comment, askcorpus run by this interpreter."""
    cmd = re.sub(r"\s*\[[^\]]*\]", "", line.split("   #")[0]).strip()
    return cmd.replace(".venv/bin/askcorpus", f"{sys.executable} -m askcorpus")


def test_the_block_is_what_this_test_expects() -> None:
    lines = [runnable(x) for x in cli_lines()]
    assert len(lines) >= 8
    assert all("askcorpus" in x for x in lines)
    assert not any("[" in x or "]" in x for x in lines)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository's corpus and eval folder, with ../shared beside it."""
    base = tmp_path_factory.mktemp("readme") / "repo"
    base.mkdir()
    shutil.copytree(ROOT / "corpus", base / "corpus")
    shutil.copytree(ROOT / "eval", base / "eval")
    if SHARED_DATA.exists():
        (base.parent / "shared").mkdir()
        (base.parent / "shared" / "data").symlink_to(SHARED_DATA)
    return base


def _run(cmd: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    env["ASKCORPUS_CACHE"] = str(cwd / ".cache")  # benchmark indexes stay in the test's folder
    return subprocess.run(cmd, shell=True, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=3000)


FAST = [x for x in cli_lines() if "--beir" not in x and "--squad" not in x]
SLOW = [x for x in cli_lines() if "--beir" in x or "--squad" in x]


def _check(line: str, r: subprocess.CompletedProcess[str], cwd: Path) -> None:
    assert "Traceback" not in r.stderr, r.stderr
    cmd = runnable(line)
    if " ask " in cmd:  # 0 answered, 3 no article answers (README's exit statuses)
        assert r.returncode in (0, 3), r.stderr
    else:
        assert r.returncode == 0, r.stderr
    if "--json" in cmd and " ask " in cmd:
        for out in r.stdout.splitlines():
            answer = json.loads(out)
            for q in answer["quotes"] + answer["related"]:
                text = (cwd / "corpus" / q["path"]).read_text(encoding="utf-8")
                assert text[q["start"]:q["end"]] == q["text"]
    if " eval " in cmd and "--json" not in cmd:
        assert r.stdout.strip()


def test_readme_command_line_runs(workdir: Path) -> None:
    for line in FAST:  # in order: `index` first builds what the others read
        _check(line, _run(runnable(line), workdir), workdir)


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data is not beside the repo")
@pytest.mark.parametrize("line", SLOW)
def test_readme_benchmark_lines_run(workdir: Path, line: str) -> None:
    _check(line, _run(runnable(line), workdir), workdir)
