"""Assemble the question set from the writers' checked batches and the second readers' verdicts.

    python training/data/assemble.py --batches .cache/writing/out --reviews .cache/writing/review \
        --out training/data

Every batch line goes through ``check_questions.py``'s checks (failures are dropped and
counted); a question a second reader rejected (``REVIEWS/verdicts.jsonl``, written by
``review.py score``: ``{"id", "verdict"}``, verdict ``agree`` / ``disagree`` for re-answered
ones, ``unanswerable`` / ``answered`` for the unanswerable ones) is dropped too, and an
unanswerable question enters the set only once a second reader has found it unanswerable.
Writes ``questions.{train,fit,dev}.jsonl`` (the evaluation format of ``askcorpus eval`` plus the
offsets), ``stats.json``, ``reviews.jsonl`` (the verdicts) and ``pending.jsonl`` (unanswerable
questions no second reader has checked yet).
"""

from __future__ import annotations

import argparse
import json
import sys
import zlib
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_questions import check_files

SPLITS = ("train", "fit", "dev")
DROP = {"disagree", "answered"}


def question_id(batch: str, rec: dict) -> str:
    """``b007-1a2b3c4d``: the batch and a hash of the article and the question's words, so a
    second reader's verdict stays with the question it was given even when lines move, and is
    lost when the question is reworded."""
    article = rec["sources"][0] if rec["answerable"] else rec["anchor"]
    h = zlib.crc32(f"{article}\n{rec['question']}".encode())
    return f"{batch.replace('batch_', 'b')}-{h:08x}"


def load_reviews(folder: Path | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if folder and (folder / "verdicts.jsonl").is_file():
        for p in [folder / "verdicts.jsonl"]:
            for line in p.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    r = json.loads(line)
                    out[str(r["id"])] = str(r["verdict"])
    return out


def assemble(batches: list[Path], reviews: dict[str, str], *, unreviewed: bool = False
             ) -> tuple[list[dict], dict]:
    """The records that pass the checks and their second readers (``unreviewed``: also the
    unanswerable ones no second reader has checked yet)."""
    results = check_files(batches)
    kept, failed, rejected = [], Counter(), Counter()
    pending: list[dict] = []
    for p, c in results:
        if c.errors or c.record is None:
            failed[p.stem] += 1
            continue
        rec = {"id": question_id(p.stem, c.record)} | c.record
        if reviews.get(rec["id"]) in DROP:
            rejected["answerable" if rec["answerable"] else "unanswerable"] += 1
            continue
        if not (rec["answerable"] or unreviewed or reviews.get(rec["id"]) == "unanswerable"):
            pending.append(rec)  # in the set only once a second reader has checked it
            continue
        kept.append(rec)
    stats: dict = {"lines": len(results), "failed_checks": sum(failed.values()),
                   "rejected_by_second_reader": dict(rejected),
                   "unanswerable_awaiting_review": len(pending),
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
    stats["pending"] = pending
    return kept, stats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", type=Path, required=True)
    ap.add_argument("--reviews", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    kept, stats = assemble(sorted(args.batches.glob("batch_*.jsonl")), load_reviews(args.reviews))
    pending = stats.pop("pending")
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "pending.jsonl").open("w", encoding="utf-8") as f:  # for the next reader
        for r in pending:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    for split in SPLITS:
        with (args.out / f"questions.{split}.jsonl").open("w", encoding="utf-8") as f:
            for r in kept:
                if r["split"] == split:
                    f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (args.out / "stats.json").write_text(json.dumps(stats, indent=1) + "\n", encoding="utf-8")
    verdicts = args.reviews / "verdicts.jsonl" if args.reviews else None
    if verdicts and verdicts.is_file():  # the second readers' verdicts, kept with the set
        (args.out / "reviews.jsonl").write_text(verdicts.read_text(encoding="utf-8"),
                                                encoding="utf-8")
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
