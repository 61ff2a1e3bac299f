"""Assemble the question set from the writers' checked batches and the second readers' verdicts.

    python training/data/assemble.py --batches .cache/writing/out --reviews .cache/writing/review \
        --out training/data

Every batch line goes through ``check_questions.py``'s checks (failures are dropped and
counted); a question a second reader rejected (``reviews/verdicts.jsonl``, written by ``review.py score``: ``{"id", "verdict"}`` with
verdict ``agree`` / ``disagree`` for re-answered ones, ``unanswerable`` / ``answered`` for the
unanswerable ones) is dropped too. Writes ``questions.{train,fit,dev}.jsonl`` (the evaluation
format of ``askcorpus eval`` plus the offsets) and ``stats.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_questions import check_files  # noqa: E402

SPLITS = ("train", "fit", "dev")
DROP = {"disagree", "answered"}


def load_reviews(folder: Path | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if folder and (folder / "verdicts.jsonl").is_file():
        for p in [folder / "verdicts.jsonl"]:
            for line in p.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    r = json.loads(line)
                    out[str(r["id"])] = str(r["verdict"])
    return out


def assemble(batches: list[Path], reviews: dict[str, str]) -> tuple[list[dict], dict]:
    results = check_files(batches)
    kept, failed, rejected = [], Counter(), Counter()
    for p, c in results:
        if c.errors or c.record is None:
            failed[p.stem] += 1
            continue
        rec = {"id": f"{p.stem.replace('batch_', 'b')}-{c.line:03d}"} | c.record
        if reviews.get(rec["id"]) in DROP:
            rejected["answerable" if rec["answerable"] else "unanswerable"] += 1
            continue
        kept.append(rec)
    stats: dict = {"lines": len(results), "failed_checks": sum(failed.values()),
                   "rejected_by_second_reader": dict(rejected),
                   "reviewed": dict(Counter(reviews.values()))}
    for split in SPLITS:
        rows = [r for r in kept if r["split"] == split]
        ans = [r for r in rows if r["answerable"]]
        stats[split] = {
            "answerable": len(ans), "unanswerable": len(rows) - len(ans),
            "articles": len({r["sources"][0] for r in ans} | {r["anchor"] for r in rows
                                                              if not r["answerable"]}),
            "needs_context": sum(r["needs_context"] for r in ans),
            "kinds": dict(Counter(r["kind"] for r in ans).most_common())}
    return kept, stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", type=Path, required=True)
    ap.add_argument("--reviews", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    kept, stats = assemble(sorted(args.batches.glob("batch_*.jsonl")), load_reviews(args.reviews))
    args.out.mkdir(parents=True, exist_ok=True)
    for split in SPLITS:
        with (args.out / f"questions.{split}.jsonl").open("w", encoding="utf-8") as f:
            for r in kept:
                if r["split"] == split:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (args.out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
