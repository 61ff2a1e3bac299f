"""The package layout stays readable: no import cycles inside askcorpus, stages import only
earlier stages (never web, cli or evaluation), each stage package says what it takes and
gives, and importing askcorpus does no work. See docs/ARCHITECTURE.md.

Every import counts: module level, inside functions (lazy) and under ``TYPE_CHECKING``; a
lazy import that closes a circle is still a circle a reader has to untangle."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "askcorpus"

# stage order: a module may import its own stage and earlier ones only
LAYERS = {
    "askcorpus.types": 0, "askcorpus.errors": 0, "askcorpus.version": 0,
    "askcorpus.config": 0,
    "askcorpus.corpus": 1,
    "askcorpus.index": 2,
    "askcorpus.answer": 3,
    "askcorpus.pipeline": 4,
    "askcorpus.evaluation": 5, "askcorpus.web": 5,
    "askcorpus.cli": 6,
    "askcorpus.__main__": 7, "askcorpus": 7,
}
OUTER = ("askcorpus.web", "askcorpus.cli", "askcorpus.evaluation")
STAGES = ("askcorpus.corpus", "askcorpus.index", "askcorpus.answer")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Every askcorpus module ``name`` imports, wherever the import statement sits."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "askcorpus"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "askcorpus":
                continue
            subs = {f"{target}.{a.name}" for a in node.names} & known
            out |= subs or {target}
    return {m for m in out if m in known}


def graph() -> dict[str, set[str]]:
    mods = all_modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def layer(name: str) -> int:
    best = max((k for k in LAYERS if name == k or name.startswith(k + ".")), key=len)
    return LAYERS[best]


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), or a self-import."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in g[v]:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_walk_sees_imports_of_every_kind() -> None:
    """The checker itself: relative, lazy and TYPE_CHECKING imports all become edges."""
    g = graph()
    assert "askcorpus.answer.candidates" in g["askcorpus.answer.quotes"]  # module level
    assert "askcorpus.index.store.postgres.backend" in g["askcorpus.index.store.factory"]  # lazy
    assert "askcorpus.config" in g["askcorpus.index.store.folder"]  # TYPE_CHECKING
    assert "askcorpus.web.render" in g["askcorpus.web.service"]  # from . import render


def test_no_import_cycles() -> None:
    found = cycles(graph())
    assert not found, "import cycles inside askcorpus:\n" + "\n".join(
        " <-> ".join(c) for c in found)


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}}) == [["a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_stages_import_only_earlier_stages() -> None:
    bad = []
    for mod, targets in graph().items():
        for t in targets:
            if layer(t) > layer(mod):
                bad.append(f"{mod} (layer {layer(mod)}) imports {t} (layer {layer(t)})")
            if mod.startswith(STAGES) and t.startswith(OUTER):
                bad.append(f"stage module {mod} imports {t}")
    assert not bad, "\n".join(sorted(bad))


def test_store_interface_knows_no_store() -> None:
    g = graph()
    assert not {t for t in g["askcorpus.index.store.base"] if t.startswith("askcorpus.index")}
    pg = "askcorpus.index.store.postgres"
    for side in ("backend", "writer"):  # what both share lives in one module both import
        assert f"{pg}.schema" in g[f"{pg}.{side}"]
    assert f"{pg}.backend" not in g[f"{pg}.writer"]


@pytest.mark.parametrize("package", ["askcorpus.corpus", "askcorpus.index",
                                     "askcorpus.index.store", "askcorpus.index.store.postgres",
                                     "askcorpus.answer", "askcorpus.evaluation", "askcorpus.web"])
def test_each_package_says_what_it_takes_and_gives(package: str) -> None:
    mod = importlib.import_module(package)
    assert mod.__doc__ and len(mod.__doc__.split()) >= 20, f"{package} needs a docstring"
    assert mod.__all__, f"{package} exports nothing"
    for name in mod.__all__:
        assert hasattr(mod, name), f"{package}.__all__ names {name}, which it lacks"


def test_import_askcorpus_does_no_work_and_exports_pipeline_and_settings() -> None:
    code = ("import sys, askcorpus\n"
            "print(sorted(m for m in sys.modules if m.startswith('askcorpus')))\n"
            "from askcorpus import Pipeline, Settings\n"
            "from askcorpus.pipeline import Pipeline as P\n"
            "from askcorpus.config import Settings as S\n"
            "assert Pipeline is P and Settings is S\n"
            "print(askcorpus.__version__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "['askcorpus', 'askcorpus.version']"
    assert out[1].count(".") == 2
