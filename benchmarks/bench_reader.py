"""The answer reader's and the answer-span model's cost: warm answers with the reader off and
reading 4, 8 and 16 candidates, with the span model off and on (the default), the same
questions interleaved, on the shipped corpus's index.

    nice -n 10 .venv/bin/python benchmarks/bench_reader.py [--index index] [--runs 1]
        [--also FOLDER ...]   # other readers (e.g. a 3-layer one), timed reading 8

Questions: the seed set's (no follow-ups). Prints p50 / p95 per setting and the ratio to the
answer with both off (the machine is shared: trust the ratios, measured side by side).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=C.ROOT / "index")
    ap.add_argument("--corpus", type=Path, default=C.ROOT / "corpus")
    ap.add_argument("--runs", type=int, default=1, help="passes over the questions")
    ap.add_argument("--also", type=Path, action="append", default=[],
                    help="another reader folder, timed reading 8 beside the shipped one")
    args = ap.parse_args(argv)
    C.offline()

    from askcorpus.config import Settings
    from askcorpus.evaluation.questions import load_questions
    from askcorpus.pipeline import Pipeline

    base = Settings(corpus=args.corpus, index=args.index, spans="off")
    Pipeline(base).index()  # builds it if missing; a no-op when up to date
    questions = [q.question for q in load_questions(C.ROOT / "eval" / "seed_questions.jsonl")
                 if not q.follow_up_of]
    pipes = {"reader off, spans off": Pipeline(base),
             "reader off, spans on (the default)": Pipeline(base.replace(spans="on"))}
    for n in (4, 8, 16):
        p = Pipeline(base.replace(reader="on"))
        p.answer_settings = replace(p.answer_settings, reader_read=n)
        pipes[f"reader on, read {n}, spans off"] = p
    pipes["reader on, read 8, spans on"] = Pipeline(base.replace(reader="on", spans="on"))
    for folder in args.also:
        pipes[f"{folder.name}, read 8, spans off"] = Pipeline(base.replace(reader=str(folder)))
    for q in questions[:3]:  # warm: models, index pages
        for p in pipes.values():
            p.ask(q)
    ms: dict[str, list[float]] = {k: [] for k in pipes}
    for _ in range(args.runs):
        for q in questions:
            for name, p in pipes.items():
                t0 = time.perf_counter()
                p.ask(q)
                ms[name].append((time.perf_counter() - t0) * 1000)
    off = C.median(ms["reader off, spans off"])
    rows = [(name, C.median(v), C.pct(v, 95), C.median(v) / off) for name, v in ms.items()]
    C.print_table(f"Warm answer, ms ({len(questions)} seed questions × {args.runs}, "
                  f"{C.machine()})", ["setting", "p50", "p95", "× both off"], rows)
    for p in pipes.values():
        p.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
