"""Retrieval and answer quality of the int8 ONNX backend next to torch fp32, in one run.

    nice -n 10 .venv/bin/python benchmarks/backend_quality.py                 # SQuAD sample 300
    nice -n 10 .venv/bin/python benchmarks/backend_quality.py --squad-sample 0  # all 2,828 q

For each backend (``ASKCORPUS_BACKEND=torch|onnx``) it runs `askcorpus eval` on BEIR SciFact
train (nDCG@10) and on a fixed sample of SQuAD 2.0 half-a (answer@1), each in the dense and the
hybrid retrieval mode, and prints the two side by side with the difference. The rule of the
performance issue: the int8 backend may be the default only if nDCG@10 and answer@1 drop by at
most 0.01. Indexes are cached per backend (~/.cache/askcorpus/eval), so a second run only asks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
BACKENDS = ("torch", "onnx")
MAX_DROP = 0.01


def evaluate(backend: str, extra: list[str], modes: str) -> dict:
    env = dict(os.environ, ASKCORPUS_BACKEND=backend)
    cmd = [sys.executable, "-m", "askcorpus", "eval", *extra, "--compare", modes, "--json"]
    print(f"[{backend}] {' '.join(cmd[2:])}", file=sys.stderr, flush=True)
    out = subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, text=True, env=env)
    return {mode: r["metrics"] for mode, r in json.loads(out.stdout)["compare"].items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--squad-sample", type=int, default=300,
                    help="SQuAD half-a questions (fixed sample, seed 0; 0 = all)")
    ap.add_argument("--modes", default="dense,hybrid")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "backends.json")
    args = ap.parse_args(argv)
    runs = {
        ("SciFact train", "ndcg@10"): ["--beir", str(DATA / "beir_scifact"), "--split", "train"],
        ("SQuAD 2.0 half-a", "answer@1"): [
            "--squad", str(DATA / "squad_v2" / "dev-v2.0.half-a.json"),
            "--sample", str(args.squad_sample)],
    }
    results: dict[str, dict[str, dict]] = {b: {} for b in BACKENDS}
    for (name, _metric), extra in runs.items():
        for backend in BACKENDS:  # interleaved: both backends see the same machine state
            results[backend][name] = evaluate(backend, extra, args.modes)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))

    print("\n| data set | metric | mode | torch fp32 | ONNX int8 | int8 − fp32 | "
          "p50 ms torch | p50 ms int8 |")
    print("|---|---|---|---|---|---|---|---|")
    worst = 0.0
    for (name, metric), _ in runs.items():
        for mode in args.modes.split(","):
            t, o = results["torch"][name][mode], results["onnx"][name][mode]
            delta = o[metric] - t[metric]
            worst = min(worst, delta)
            print(f"| {name} | {metric} | {mode} | {t[metric]:.4f} | {o[metric]:.4f} | "
                  f"{delta:+.4f} | {t.get('latency_p50_ms', float('nan')):.0f} | "
                  f"{o.get('latency_p50_ms', float('nan')):.0f} |")
    verdict = "may be the default" if worst >= -MAX_DROP else "must NOT be the default"
    print(f"\nlargest drop {worst:+.4f} (allowed −{MAX_DROP}): the int8 backend {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
