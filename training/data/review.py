"""The second, independent readers' work: what they read, and their verdicts.

    # a random 10 % of the answerable questions, to re-answer blind from the article
    python training/data/review.py blind --batches .cache/writing/out --out .cache/writing/review
    # every unanswerable question with the passages askcorpus retrieves for it
    python training/data/review.py unanswerable --batches .cache/writing/out \
        --index ../news_index --corpus ../news_corpus --out .cache/writing/review
    # the readers' answers -> verdicts (review/*.verdicts.jsonl, read by assemble.py)
    python training/data/review.py score --out .cache/writing/review

A blind reader sees the question and the article, never the writer's answer, and answers with
a span copied from the article (or NOT IN ARTICLE). The answer agrees when it overlaps the
writer's answer (offsets) or shares at least half of its words (SQuAD's word F1 >= 0.5).
An unanswerable question's reader sees its anchor article and the best passages askcorpus
retrieves for it from the whole corpus and says whether any of them answers it.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from assemble import assemble
from check_questions import find
from news_articles import Article, all_articles, shown

BLIND_SHARE = 0.10
PER_FILE = 60  # questions per reader's file
PASSAGES = 5  # retrieved passages (from distinct articles) shown per unanswerable question


DATA = Path(__file__).resolve().parent


def _records(batches: Path) -> list[dict]:
    """Every checked question: the raw batches' and the committed set's (pending included)."""
    kept, _ = assemble(sorted(batches.glob("batch_*.jsonl")), {}, unreviewed=True, keep=DATA)
    return kept


def _reviewed(out: Path) -> set[str]:
    """Questions a second reader has (or is) reading: in a review file, or kept with the set."""
    ids = {i for p in out.glob("*.ids") for i in p.read_text().split()}
    p = DATA / "reviews.jsonl"
    if p.is_file():
        ids |= {json.loads(x)["id"] for x in p.read_text(encoding="utf-8").splitlines() if x}
    return ids


def _write(out: Path, stem: str, parts: list[str], ids: list[list[str]]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for n, (text, chunk) in enumerate(zip(parts, ids)):
        (out / f"{stem}_{n:03d}.md").write_text(text, encoding="utf-8")
        (out / f"{stem}_{n:03d}.ids").write_text("\n".join(chunk) + "\n", encoding="utf-8")


def _blind_entry(r: dict, a: Article) -> str:
    return (f"## {r['id']}\nQuestion: {r['question']}\n\nArticle {a.key} (headline: "
            f"{' '.join(a.title.split())}):\n{shown(a)}\n")


def blind(args: argparse.Namespace) -> None:
    recs = [r for r in _records(args.batches) if r["answerable"]]
    done = _reviewed(args.out)
    rng = random.Random(10)
    sample = sorted(rng.sample(recs, round(BLIND_SHARE * len(recs))), key=lambda r: r["id"])
    sample = [r for r in sample if r["id"] not in done]
    arts = all_articles()
    start = len(list(args.out.glob("blind*.md")))
    parts, ids = [], []
    for b in range(0, len(sample), PER_FILE):
        chunk = sample[b:b + PER_FILE]
        text = "\n".join(_blind_entry(r, arts[r["sources"][0]]) for r in chunk)
        parts.append(text)
        ids.append([r["id"] for r in chunk])
    _write(args.out, f"blind{start:02d}", parts, ids)
    print(f"{len(sample)} of {len(recs)} answerable questions in {len(parts)} files")


def unanswerable(args: argparse.Namespace) -> None:
    from askcorpus.answer.retrieve import retrieve
    from askcorpus.config import Settings, force_offline
    from askcorpus.pipeline import Pipeline

    force_offline()
    recs = [r for r in _records(args.batches) if not r["answerable"]]
    seen = _reviewed(args.out)
    recs = [r for r in recs if r["id"] not in seen]
    arts = all_articles()
    pipe = Pipeline(Settings.from_env().replace(index=args.index, corpus=args.corpus))
    parts, ids, text, chunk = [], [], [], []
    for r in recs:
        qvec = pipe.embedder.embed_query(r["question"])
        hits = retrieve(pipe.store, r["question"], qvec, mode="hybrid", k=30, candidates=100)
        infos = pipe.store.doc_infos([h.chunk.doc_id for h in hits])
        passages, docs = [], set()
        for h in hits:
            info = infos[h.chunk.doc_id]
            key = f"{info.path}#{info.record}" if info.record else info.path
            if key == r["anchor"] or h.chunk.doc_id in docs:
                continue
            docs.add(h.chunk.doc_id)
            passages.append(f"[{key}] {' '.join(h.chunk.text.split())}")
            if len(passages) == PASSAGES:
                break
        a = arts[r["anchor"]]
        text.append(f"## {r['id']}\nQuestion: {r['question']}\n\nAnchor article {a.key} "
                    f"(headline: {' '.join(a.title.split())}):\n{shown(a)}\n\nRetrieved "
                    "passages:\n" + "\n".join(f"- {p}" for p in passages) + "\n")
        chunk.append(r["id"])
        if len(chunk) == PER_FILE:
            parts.append("\n".join(text))
            ids.append(chunk)
            text, chunk = [], []
    if chunk:
        parts.append("\n".join(text))
        ids.append(chunk)
    start = len(list(args.out.glob("unans*.md")))
    _write(args.out, f"unans{start:02d}", parts, ids)
    pipe.close()
    print(f"{len(recs)} unanswerable questions in {len(parts)} files")


def f1(a: str, b: str) -> float:
    from askcorpus.evaluation.metrics import span_em_f1

    return span_em_f1(a, [b])[1]


def score(args: argparse.Namespace) -> None:
    recs = {r["id"]: r for r in _records(args.batches)}
    arts = all_articles()
    out: list[dict] = []
    agree = n_blind = answered = n_unans = 0
    f1s: list[float] = []
    for p in sorted(args.out.glob("blind*.answers.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            a = json.loads(line)
            r = recs.get(str(a["id"]))
            if r is None:
                continue
            given = str(a.get("answer") or "")
            text = arts[r["sources"][0]].text
            at = find(text, given) if given and given != "NOT IN ARTICLE" else None
            ok = bool(at and at[0] < r["answer_end"] and at[1] > r["answer_start"]) or (
                given != "NOT IN ARTICLE" and f1(given, r["answers"][0]) >= 0.5)
            n_blind += 1
            agree += ok
            f1s.append(f1(given, r["answers"][0]) if given != "NOT IN ARTICLE" else 0.0)
            out.append({"id": r["id"], "verdict": "agree" if ok else "disagree",
                        "reader_answer": given})
    for p in sorted(args.out.glob("unans*.answers.jsonl")):
        for line in p.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            a = json.loads(line)
            if str(a["id"]) not in recs:
                continue
            n_unans += 1
            hit = a.get("verdict") == "answered"
            answered += hit
            out.append({"id": str(a["id"]), "verdict": "answered" if hit else "unanswerable",
                        "where": a.get("where"), "quote": a.get("quote")})
    (args.out / "verdicts.jsonl").write_text(
        "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in out), encoding="utf-8")
    exact = sum(x == 1.0 for x in f1s)
    print(f"blind re-answers: {agree}/{n_blind} agree ({agree / max(1, n_blind):.3f}; "
          f"exact match {exact / max(1, n_blind):.3f}, mean word F1 "
          f"{sum(f1s) / max(1, n_blind):.3f}); "
          f"unanswerable: {answered}/{n_unans} found answered ({answered / max(1, n_unans):.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("blind", "unanswerable", "score"):
        p = sub.add_parser(name)
        p.add_argument("--batches", type=Path, default=Path(".cache/writing/out"))
        p.add_argument("--out", type=Path, default=Path(".cache/writing/review"))
        if name == "unanswerable":
            p.add_argument("--index", type=Path, required=True)
            p.add_argument("--corpus", type=Path, required=True)
    args = ap.parse_args()
    {"blind": blind, "unanswerable": unanswerable, "score": score}[args.cmd](args)


if __name__ == "__main__":
    main()
