"""The dated question set, time handling on and off, side by side: answer@1 / @3 and abstention
per kind of question, and how often the first quote comes from an article that answers for
another time (``wrong_time_sources``). Reads the JSON of two ``askcorpus eval … --json`` runs.

Usage:
    .venv/bin/askcorpus eval eval/reuters_dated_questions.jsonl --index IX --json >on.json
    .venv/bin/askcorpus eval eval/reuters_dated_questions.jsonl --index IX --json \
        --no-time >off.json
    .venv/bin/python benchmarks/dated_questions.py on.json off.json
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "eval" / "reuters_dated_questions.jsonl"


def summary(path: Path, qs: dict[str, dict]) -> dict[str, dict[str, float]]:
    d = json.loads(path.read_text("utf-8"))
    rows: dict[str, list[dict]] = defaultdict(list)
    for r in d["questions"]:
        rows[qs[r["id"]]["kind"]].append(r)
        if qs[r["id"]]["answerable"]:
            rows["answerable"].append(r)
    out = {}
    for kind, rs in rows.items():
        wrong = 0
        for r in rs:
            q = qs[r["id"]]
            first = r["quotes"][0] if r["answered"] and r["quotes"] else None
            wrong += bool(first) and f"{first['path']}#{first['record']}" in q["wrong_time_sources"]
        out[kind] = {"n": len(rs),
                     "answer@1": sum(r["answer_rank"] == 1 for r in rs) / len(rs),
                     "answer@3": sum(bool(r["answer_rank"]) and r["answer_rank"] <= 3
                                     for r in rs) / len(rs),
                     "abstained": sum(not r["answered"] for r in rs) / len(rs),
                     "first_quote_wrong_time": wrong / len(rs)}
    out["answerable"].update({k: d["metrics"][k] for k in ("abstain_precision", "abstain_recall")})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("on", type=Path, help="eval --json with time handling on")
    ap.add_argument("off", type=Path, help="eval --json with --no-time")
    args = ap.parse_args()
    qs = {q["id"]: q for q in map(json.loads, QUESTIONS.read_text("utf-8").splitlines())}
    on, off = summary(args.on, qs), summary(args.off, qs)
    print("| kind | n | answer@1 on / off | answer@3 on / off | abstained on / off "
          "| first quote from another time on / off |")
    print("|---|---|---|---|---|---|")
    for kind in ("answerable", "dated", "relative", "event", "preference",
                 "no_answer_in_range", "undated"):
        if kind not in on:
            continue
        a, b = on[kind], off[kind]
        print(f"| {kind} | {a['n']} | " + " | ".join(
            f"{a[m]:.3f} / {b[m]:.3f}" for m in ("answer@1", "answer@3", "abstained",
                                                 "first_quote_wrong_time")) + " |")
    a, b = on["answerable"], off["answerable"]
    print(f"\nabstention P / R: on {a['abstain_precision']:.2f} / {a['abstain_recall']:.2f}, "
          f"off {b['abstain_precision']:.2f} / {b['abstain_recall']:.2f}")


if __name__ == "__main__":
    main()
