"""Cold start: `askcorpus ask` in a fresh process against importing sentence-transformers alone,
and `askcorpus index` on an unchanged corpus (item 5 of the performance issue).

    nice -n 10 .venv/bin/python benchmarks/bench_cold_start.py [--runs 5] [--corpus corpus]

Every timing is a new Python process (wall clock, median of --runs, the commands interleaved).
The ONNX exports exist beforehand (they are made once, at first use or install). A second pass
records which heavy modules each command imported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

QUESTION = "How many North Korean soldiers are fighting for Russia?"
HEAVY = ("torch", "transformers", "sentence_transformers", "onnxruntime", "faiss", "gradio")

PROBE = """
import sys, runpy
sys.argv = {argv!r}
try:
    runpy.run_module("askcorpus", run_name="__main__")
except SystemExit:
    pass
print("MODULES", [m for m in {heavy!r} if m in sys.modules], file=sys.stderr)
"""


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    secs = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr[-2000:]}")
    return secs, p.stdout, p.stderr


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--corpus", type=Path, default=C.ROOT / "corpus",
                    help="corpus to index once per backend (default: the shipped one)")
    ap.add_argument("--work", type=Path, default=C.DEFAULT_WORK / "cold")
    args = ap.parse_args(argv)
    C.offline()
    warnings.filterwarnings("ignore")

    from askcorpus.config import Settings
    from askcorpus.index.embedding import resolve_model
    from askcorpus.index.onnx_embedder import ensure_export
    from askcorpus.pipeline import Pipeline

    py = sys.executable
    cli = str(Path(py).with_name("askcorpus"))
    spec = resolve_model(Settings().model)
    for quantized in (False, True):
        ensure_export(spec, quantized)
    indexes = {}
    for backend in ("torch", "onnx"):
        folder = args.work / f"index-{backend}"
        if not (folder / "CURRENT").exists():
            shutil.rmtree(folder, ignore_errors=True)
            C.log(f"indexing {args.corpus} with backend {backend} ...")
            Pipeline(Settings(corpus=args.corpus, index=folder, backend=backend)).index()
        indexes[backend] = folder
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    env_onnx = {**env, "ASKCORPUS_BACKEND": "onnx"}
    ask = [QUESTION, "--json"]
    commands = {
        "import sentence_transformers": ([py, "-c", "import sentence_transformers"], env),
        "import torch": ([py, "-c", "import torch"], env),
        "askcorpus ask (torch-built index: fp32 ONNX query path)":
            ([cli, "ask", *ask, "--index", str(indexes["torch"])], env),
        "askcorpus ask (backend onnx: int8)":
            ([cli, "ask", *ask, "--index", str(indexes["onnx"])], env_onnx),
        "askcorpus ask (backend onnx, answer-span model off)":
            ([cli, "ask", *ask, "--index", str(indexes["onnx"])],
             {**env_onnx, "ASKCORPUS_SPANS": "off"}),
        "askcorpus ask (backend onnx, answer reader on)":
            ([cli, "ask", *ask, "--index", str(indexes["onnx"])],
             {**env_onnx, "ASKCORPUS_READER": "on"}),
        "askcorpus index, unchanged corpus (torch)":
            ([cli, "index", "--json", "--corpus", str(args.corpus), "--index",
              str(indexes["torch"])], env),
        "askcorpus index, unchanged corpus (onnx)":
            ([cli, "index", "--json", "--corpus", str(args.corpus), "--index",
              str(indexes["onnx"])], env_onnx),
        "python -c pass": ([py, "-c", "pass"], env),
    }
    C.log(f"machine: {C.machine()}")
    times: dict[str, list[float]] = {k: [] for k in commands}
    for cmd, e in commands.values():  # once untimed: the OS file cache, as after any use
        run(cmd, e)
    for _ in range(args.runs):
        for name, (cmd, e) in commands.items():
            times[name].append(run(cmd, e)[0])

    modules: dict[str, str] = {}
    answers: dict[str, str] = {}
    for name, (cmd, e) in commands.items():
        if cmd[0] != cli:
            continue
        probe = PROBE.format(argv=["askcorpus", *cmd[1:]], heavy=HEAVY)
        _, out, err = run([py, "-c", probe], e)
        line = [x for x in err.splitlines() if x.startswith("MODULES")][-1]
        modules[name] = ", ".join(json.loads(line.split(" ", 1)[1].replace("'", '"'))) or "-"
        if name.startswith("askcorpus ask"):
            quotes = json.loads(out.splitlines()[0])["quotes"]
            answers[name] = "12,000" if any("12,000" in q["text"] for q in quotes) else "no"

    base = C.median(times["import sentence_transformers"])
    rows = [(name, C.median(t), min(t), max(t), C.median(t) / base, modules.get(name, ""),
             answers.get(name, "")) for name, t in times.items()]
    C.print_table(f"Cold start, seconds, fresh process each ({args.runs} runs; {C.machine()})",
                  ["command", "median s", "min s", "max s", "× import sentence_transformers",
                   "heavy modules imported", "answer quotes 12,000"], rows)
    for name in commands:
        if name.startswith("askcorpus ask"):
            print(f"{name}: {C.median(times[name]) / base:.2f} × the import "
                  "(target ≤ 0.15)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
