"""The docs' commands that are too long or too external to run in a test (retraining the
reader, benchmarks of many minutes, a PostgreSQL or GPU machine) still have to be commands
that work: every line of a ```bash block in docs/*.md that calls a script under benchmarks/ or
training/, app.py, `askcorpus` or `make`, and every `.venv/bin/python benchmarks/…` command
written inline in README.md or docs/*.md, is parsed by the very parser it would meet
(argparse, click, the Makefile), without running. A renamed option or script fails here.

A command of a round that did not ship runs the script as it was at that round's commit, from a
worktree of it (`git worktree add ../askcorpus-COMMIT COMMIT`, then `.venv/bin/python
../askcorpus-COMMIT/training/….py`): it is parsed by that commit's script, read from git.

Blocks that can run are run elsewhere: README.md (tests/test_docs_cli.py), the server blocks
(tests/test_docs.py), the Python API blocks (tests/test_docs_python.py)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.test_docs import code_blocks

DOCS = sorted((ROOT / "docs").glob("*.md"))
# parse the arguments with the script's own argparse parser, then stop before it does any work
ARGPARSE_ONLY = """
import argparse, runpy, sys
def parse_only(self, args=None, namespace=None):
    ns, extra = self.parse_known_args(args, namespace)
    if extra:
        self.error("unrecognized arguments: " + " ".join(extra))
    print("parsed", sorted(k for k, v in vars(ns).items() if v not in (None, False, [])))
    raise SystemExit(0)
argparse.ArgumentParser.parse_args = parse_only
path = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(path, run_name="__main__")
"""
CLICK_ONLY = """
import sys
from askcorpus.cli import main
ctx = main.make_context("askcorpus", sys.argv[1:])
name, cmd, rest = main.resolve_command(ctx, [*ctx.protected_args, *ctx.args])
cmd.make_context(name, rest, parent=ctx)
print("parsed", name)
"""


PINNED = re.compile(r"^\.\./askcorpus-([0-9a-f]{7,40})/((?:benchmarks|training)/[\w/]+\.py)$")
INLINE = re.compile(r"`((?:SQUAD_SAMPLE=\d+ )?(?:nice -n \d+ )?"
                    r"\.venv/bin/python (?:benchmarks|training)/\w[^`<]*)`")  # not <script>


def command_lines() -> list[tuple[str, str]]:
    """(where, command) for every command line of the docs' bash blocks, and every command
    written inline in their text (`` `.venv/bin/python benchmarks/…` ``)."""
    out = []
    for doc in [ROOT / "README.md", *DOCS]:  # README's blocks run in test_docs_cli.py
        text = doc.read_text(encoding="utf-8")
        for m in INLINE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            out.append((f"{doc.name}:{line}-inline", " ".join(m.group(1).split())))
        if doc.name == "README.md":
            continue
        for b in code_blocks(doc):
            if b.lang != "bash":
                continue
            text = re.sub(r"\\\n\s*", " ", b.text)
            for n, line in enumerate(text.splitlines()):
                line = re.sub(r"\s+#.*$", "", line).strip()
                if line and not line.startswith("#"):
                    out.append((f"{b.name}+{n}", line))
    return out


def checked(line: str) -> list[str] | None:
    """The command's words (variables filled, ``nice`` and optional ``[...]`` parts dropped)
    when it is one this test checks, else None."""
    line = re.sub(r"\s\[[^\]]*\]", "", line)
    line = line.replace("$B", "/tmp/askcorpus-docs-B").replace('"$ASKCORPUS_STORE"',
                                                               "postgresql://u@h/db")
    words = [w for w in shlex.split(line) if not re.match(r"^[A-Z_]+=", w)]
    if words[:1] == ["nice"]:
        words = words[3:] if words[1:2] == ["-n"] else words[1:]
    if words and words[0].endswith("/python") and len(words) > 1 and (
            words[1].startswith(("benchmarks/", "training/")) or words[1] == "app.py"
            or PINNED.match(words[1])):
        return words[1:]
    if words and words[0] in ("askcorpus", ".venv/bin/askcorpus", "make"):
        return words
    return None


CASES = [(where, words) for where, line in command_lines() if (words := checked(line))]


def test_the_docs_have_commands_to_check() -> None:
    kinds = {w[0].split("/")[0] for _, w in CASES}
    assert {"benchmarks", "askcorpus", "make"} <= kinds, kinds


def test_a_wrong_option_fails_the_check() -> None:
    """The check itself: an option the script does not have is refused."""
    r = subprocess.run([sys.executable, "-c", ARGPARSE_ONLY, "benchmarks/tune_answer.py",
                        "search", "--no-such-option"], cwd=ROOT, capture_output=True,
                       text=True)
    assert r.returncode == 2 and "--no-such-option" in r.stderr
    r = subprocess.run([sys.executable, "-c", CLICK_ONLY, "index", "--no-such-option"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode != 0 and "no-such-option" in r.stderr


def pinned_script(words: list[str], tmp: Path) -> list[str]:
    """A command of ``../askcorpus-COMMIT/…``: the script as git holds it at COMMIT, written
    beside a copy of this checkout's layout (so its own paths resolve as in a worktree)."""
    m = PINNED.match(words[0])
    assert m
    commit, path = m.groups()
    shown = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True)
    if shown.returncode != 0:  # a shallow clone lacks the history the command names
        have = subprocess.run(["git", "cat-file", "-e", "HEAD"], cwd=ROOT, capture_output=True)
        if have.returncode != 0 or (ROOT / ".git" / "shallow").exists():
            pytest.skip(f"git history of {commit} is not in this checkout")
        pytest.fail(f"{commit}:{path} is not in git: {shown.stderr.decode()[-300:]}")
    script = tmp / path
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_bytes(shown.stdout)
    return [str(script), *words[1:]]


def test_a_pinned_command_is_parsed_by_its_commits_script(tmp_path: Path) -> None:
    """An option the old script had and today's lacks parses only against the old one."""
    words = ["../askcorpus-e47fa87/training/train_reader.py", "--pools", "x", "--out", "y",
             "--null-groups", "0"]
    old = subprocess.run([sys.executable, "-c", ARGPARSE_ONLY, *pinned_script(words, tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert old.returncode == 0 and old.stdout.startswith("parsed"), old.stderr[-2000:]
    new = subprocess.run([sys.executable, "-c", ARGPARSE_ONLY, "training/train_reader.py",
                          *words[1:]], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert new.returncode == 2 and "--null-groups" in new.stderr


@pytest.mark.parametrize("words", [w for _, w in CASES], ids=[w for w, _ in CASES])
def test_doc_command_parses(words: list[str], tmp_path: Path) -> None:
    if words[0] == "make":
        targets = re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M)
        assert words[1] in targets, f"no make target {words[1]!r}"
        return
    if words[0].endswith("askcorpus"):
        cmd = [sys.executable, "-c", CLICK_ONLY, *words[1:]]
    elif PINNED.match(words[0]):
        cmd = [sys.executable, "-c", ARGPARSE_ONLY, *pinned_script(words, tmp_path)]
    else:
        assert (ROOT / words[0]).is_file(), f"{words[0]} does not exist"
        cmd = [sys.executable, "-c", ARGPARSE_ONLY, *words]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("parsed"), r.stderr[-2000:]
