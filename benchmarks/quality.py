"""Regenerate the README's results table: seed set, SciFact train, SQuAD half-a × 3 modes.

    .venv/bin/python benchmarks/quality.py            # prints the table and updates README.md
    .venv/bin/python benchmarks/quality.py --no-write # only prints

SQuAD uses a fixed random sample (SQUAD_SAMPLE, default 1000 of 2,828 questions, seed 0; set
SQUAD_SAMPLE=0 for all of them, as the README's table does).
Runs `askcorpus eval ... --compare dense,bm25,hybrid --json` for each dataset in this process's
environment (so ASKCORPUS_BACKEND=onnx etc. apply) and writes the JSON next to the table in
benchmarks/results/. Expect ~30-60 minutes on 2 CPU cores (indexes are cached after the first run).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
MODES = "dense,bm25,hybrid"
RUNS = {
    "seed": ["eval/seed_questions.jsonl", "--index", "index"],
    "scifact": ["--beir", str(DATA / "beir_scifact"), "--split", "train"],
    "squad": ["--squad", str(DATA / "squad_v2" / "dev-v2.0.half-a.json"), "--sample",
              os.environ.get("SQUAD_SAMPLE", "1000")],
}
SQUAD_ALL = 2828  # questions in dev-v2.0.half-a.json
START, END = "<!-- results:start -->", "<!-- results:end -->"


def run(name: str, extra: list[str]) -> dict:
    """The modes side by side; SciFact also with the reader as reranker; the question sets also
    hybrid with the answer reader on (it is opt-in), in the same run."""
    modes = MODES + (",rerank" if name == "scifact" else "")
    cmd = [sys.executable, "-m", "askcorpus", "eval", *extra, "--compare", modes, "--json"]
    if name == "seed":
        subprocess.run([sys.executable, "-m", "askcorpus", "index", "--corpus", "corpus",
                        "--index", "index"], check=True, cwd=ROOT, capture_output=True)
    out = subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True, text=True).stdout
    res = json.loads(out)["compare"]
    if name != "scifact":
        on = [sys.executable, "-m", "askcorpus", "eval", *extra, "--mode", "hybrid", "--json"]
        env = {**os.environ, "ASKCORPUS_READER": "on"}
        got = json.loads(subprocess.run(on, check=True, cwd=ROOT, capture_output=True,
                                        text=True, env=env).stdout)
        res["hybrid, reader on"] = got
    return res


def table(results: dict[str, dict]) -> str:
    from askcorpus.answer.rerank import RETRIEVAL_WEIGHT as a

    backend = os.environ.get("ASKCORPUS_BACKEND") or "auto"
    if backend == "auto":
        backend = "auto (a new index on CPU: int8 ONNX)"
    lines = [f"Backend: {backend}; sentence vectors pooled while indexing. `mode` is the "
             "retrieval mode; quotes are chosen by the same answer stage in every mode, "
             "without the answer reader unless the row says `reader on` (`ASKCORPUS_READER=on`; "
             f"`rerank`: hybrid, then the first 30 chunks re-ordered by {1 - a:g} × the reader's "
             f"score + {a:g} × the retrieval score, both z-scored). The reader was trained "
             "on 6 of SQuAD half-a's 8 articles, so its SQuAD row is partly on training data: "
             "the article-held-out numbers are in docs/BENCHMARKS.md.", "",
             "| data set | mode | answer@1 | answer@3 | abstain P / R | quote fidelity "
             "| nDCG@10 | recall@100 | MRR@10 |", "|---|---|---|---|---|---|---|---|---|"]
    for name, res in results.items():
        for mode, r in res.items():
            m = r["metrics"]
            if name == "scifact":
                lines.append(f"| SciFact train (809 q) | {mode} | – | – | – | – | "
                             f"{m['ndcg@10']:.3f} | {m['recall@100']:.3f} | {m['mrr@10']:.3f} |")
            else:
                n = len(r["questions"])
                label = ("Seed set (59 q)" if name == "seed"
                         else f"SQuAD 2.0 half-a ({'all' if n == SQUAD_ALL else 'sample of'} "
                         f"{n:,} q)")
                lines.append(f"| {label} | {mode} | {m['answer@1']:.3f} | {m['answer@3']:.3f} | "
                             f"{m['abstain_precision']:.2f} / {m['abstain_recall']:.2f} | "
                             f"{m['quote_fidelity']:.3f} | – | – | {m['mrr@10']:.3f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--only", choices=list(RUNS), action="append")
    args = ap.parse_args()
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(exist_ok=True)
    results = {}
    for name, extra in RUNS.items():
        if args.only and name not in args.only:
            cached = out_dir / f"{name}.json"
            if cached.exists():
                results[name] = json.loads(cached.read_text())
            continue
        print(f"running {name} …", file=sys.stderr, flush=True)
        results[name] = run(name, extra)
        slim = {m: {"metrics": r["metrics"], "questions": len(r["questions"])}
                for m, r in results[name].items()}
        (out_dir / f"{name}.json").write_text(json.dumps(slim, indent=1))
        results[name] = {m: {"metrics": r["metrics"], "questions": r["questions"]}
                         for m, r in results[name].items()}
    for name in results:  # cached files hold a count, not the question list
        for r in results[name].values():
            if isinstance(r["questions"], int):
                r["questions"] = [None] * r["questions"]
    text = table(results)
    print(text)
    if not args.no_write:
        readme = ROOT / "README.md"
        body = readme.read_text()
        block = f"{START}\n{text}\n{END}"
        body = re.sub(re.escape(START) + r".*?" + re.escape(END), block, body, flags=re.S) \
            if START in body else body + f"\n{block}\n"
        readme.write_text(body)


if __name__ == "__main__":
    main()
