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


def review_rows(folder: Path | None, keep: Path | None = None) -> dict[str, dict]:
    """Every verdict by question id: those kept with the set (``keep/reviews.jsonl``), then the
    second readers' new ones (``folder/verdicts.jsonl``, which win)."""
    out: dict[str, dict] = {}
    for p in (keep / "reviews.jsonl" if keep else None,
              folder / "verdicts.jsonl" if folder else None):
        if p is not None and p.is_file():
            for line in p.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    r = json.loads(line)
                    out[str(r["id"])] = r
    return out


def load_reviews(folder: Path | None, keep: Path | None = None) -> dict[str, str]:
    return {k: str(r["verdict"]) for k, r in review_rows(folder, keep).items()}


def committed(keep: Path | None) -> list[dict]:
    """The set as committed (``keep``: its folder), pending questions included: what earlier
    sessions assembled from batches whose raw files this session may not have."""
    out: list[dict] = []
    if keep is None:
        return out
    for name in (*(f"questions.{s}.jsonl" for s in SPLITS), "pending.jsonl"):
        p = keep / name
        if p.is_file():
            out += [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
    return out


def assemble(batches: list[Path], reviews: dict[str, str], *, unreviewed: bool = False,
             keep: Path | None = None) -> tuple[list[dict], dict]:
    """The records that pass the checks and their second readers (``unreviewed``: also the
    unanswerable ones no second reader has checked yet); with ``keep``, the committed records
    of every batch whose raw file is not among ``batches`` too."""
    results = check_files(batches)
    stems = {p.stem for p in batches}
    kept, failed, rejected = [], Counter(), Counter()
    pending: list[dict] = []
    records = []
    for p, c in results:
        if c.errors or c.record is None:
            failed[p.stem] += 1
            continue
        records.append({"id": question_id(p.stem, c.record)} | c.record)
    earlier = [r for r in committed(keep) if r["writer"] not in stems]
    for rec in records + earlier:
        if reviews.get(rec["id"]) in DROP:
            rejected["answerable" if rec["answerable"] else "unanswerable"] += 1
            continue
        if not (rec["answerable"] or unreviewed or reviews.get(rec["id"]) == "unanswerable"):
            pending.append(rec)  # in the set only once a second reader has checked it
            continue
        kept.append(rec)
    stats: dict = {"lines": len(results), "kept_from_earlier": len(earlier),
                   "failed_checks": sum(failed.values()),
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
    ap.add_argument("--keep", action="store_true",
                    help="keep the records --out holds for batches whose raw files are not in "
                         "--batches (what earlier sessions wrote)")
    args = ap.parse_args()
    keep = args.out if args.keep else None
    kept, stats = assemble(sorted(args.batches.glob("batch_*.jsonl")),
                           load_reviews(args.reviews, keep), keep=keep)
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
    rows = review_rows(args.reviews, keep)  # the second readers' verdicts, kept with the set
    (args.out / "reviews.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows.values()),
        encoding="utf-8")
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
