"""Tune the answer stage offline: cache candidate features once, then search weights fast.

    python benchmarks/tune_answer.py collect --seed eval/seed_questions.jsonl --index index
    python benchmarks/tune_answer.py collect --squad ../shared/data/squad_v2/dev-v2.0.half-a.json
    python benchmarks/tune_answer.py search

`collect` runs retrieval and sentence features with the real model and pickles them to
.cache/tune/*.pkl; `search` grid-searches the ranking weights (answer@1/@3 on answerable
questions) and fits the abstention model (logistic regression), printing before/after.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import random
import sys
from pathlib import Path

import numpy as np

from askcorpus.answer import AnswerSettings, abstain_vector, gather, rank, select_quotes
from askcorpus.config import Settings, force_offline
from askcorpus.evaluate import load_questions
from askcorpus.followup import focus_of, resolve_followup
from askcorpus.metrics import answer_hit
from askcorpus.types import DocInfo

CACHE = Path(".cache/tune")


class _Infos:
    def doc_infos(self, ids):  # type: ignore[no-untyped-def]
        return {d: DocInfo(id=d, path=d, title="", format="txt") for d in ids}


def collect(args: argparse.Namespace) -> None:
    from askcorpus.datasets import prepare_squad
    from askcorpus.pipeline import Pipeline
    from askcorpus.retrieve import retrieve

    force_offline()
    base = Settings.from_env()
    if args.squad:
        _, settings, qs = prepare_squad(Path(args.squad), base)
        name = "squad"
    else:
        settings, qs, name = base.replace(index=Path(args.index)), load_questions(
            Path(args.seed)), "seed"
    if args.sample and args.sample < len(qs):
        qs = random.Random(0).sample(qs, args.sample)
    pipe = Pipeline(settings)
    pipe.index()
    by_id = {q.id: q for q in qs}
    cfg = AnswerSettings(max_hits=args.hits)
    rows = []
    for n, q in enumerate(qs, 1):
        history = [by_id[q.follow_up_of].question] if q.follow_up_of in by_id else []
        text = resolve_followup(q.question, history)
        qvec = pipe.embedder.embed_query(text)
        hits = retrieve(pipe.store, text, qvec, mode="hybrid", k=30,
                        candidates=settings.candidates)
        c = gather(text, hits, pipe.store, pipe.embedder, qvec, cfg,
                   focus=focus_of(q.question, text))
        rows.append({"q": q, "cands": c})
        if n % 50 == 0:
            print(f"{n}/{len(qs)}", file=sys.stderr)
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.pkl", "wb") as f:
        pickle.dump(rows, f)
    print(f"wrote {CACHE / name}.pkl ({len(rows)} questions)")


def answer_at(rows: list[dict], cfg: AnswerSettings, ks=(1, 3)) -> dict[str, float]:
    hits = {k: 0 for k in ks}
    n = 0
    for r in rows:
        q, c = r["q"], r["cands"]
        if not q.answerable or not c.keys:
            n += q.answerable
            continue
        n += 1
        quotes = select_quotes(c, rank(c, cfg), _Infos(), max(ks), cfg)  # type: ignore[arg-type]
        texts = [x.text for x in quotes]
        for k in ks:
            hits[k] += answer_hit(texts, q.answers, k)
    return {f"answer@{k}": hits[k] / max(n, 1) for k in ks}


def abstain_features(rows: list[dict], cfg: AnswerSettings) -> tuple[np.ndarray, np.ndarray]:
    for r in rows:  # caches collected before a feature existed get its default
        for name, default in (("oov_name", 0.0), ("max_cos", 0.0)):
            if not hasattr(r["cands"], name):
                setattr(r["cands"], name, default)
    X = [abstain_vector(r["cands"], rank(r["cands"], cfg)) for r in rows]
    y = [1.0 if r["q"].answerable else 0.0 for r in rows]
    return np.asarray(X), np.asarray(y)


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 6000) -> np.ndarray:
    """Class-balanced, L2-regularized logistic regression (plain gradient descent)."""
    w = np.zeros(X.shape[1])
    sw = np.where(y == 1, 0.5 / max(np.mean(y == 1), 1e-9), 0.5 / max(np.mean(y == 0), 1e-9))
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(X @ w)))
        w -= X.T @ ((p - y) * sw) / len(y) + l2 * np.r_[0, w[1:]]
    return w


def hits_at(rows: list[dict], cfg: AnswerSettings, k: int) -> np.ndarray:
    out = []
    for r in rows:
        q, c = r["q"], r["cands"]
        if not q.answerable or not c.keys:
            out.append(False)
            continue
        quotes = select_quotes(c, rank(c, cfg), _Infos(), k, cfg)  # type: ignore[arg-type]
        out.append(answer_hit([x.text for x in quotes], q.answers, k))
    return np.asarray(out)


def tradeoff(rows: list[dict], cfg: AnswerSettings, w: np.ndarray, thr: float) -> dict:
    X, y = abstain_features(rows, cfg)
    answered = 1 / (1 + np.exp(-(X @ w))) >= thr
    should = y == 0
    n_ans = max(1, int((~should).sum()))
    abst = ~answered
    tp = float(np.sum(abst & should))
    return {"answer@1": float(np.sum(hits_at(rows, cfg, 1) & answered)) / n_ans,
            "answer@3": float(np.sum(hits_at(rows, cfg, 3) & answered)) / n_ans,
            "abstain_P": tp / max(1, abst.sum()), "abstain_R": tp / max(1, should.sum())}


def search(args: argparse.Namespace) -> None:
    sets = {p.stem: pickle.loads(p.read_bytes()) for p in sorted(CACHE.glob("*.pkl"))}
    base = AnswerSettings()
    for name, rows in sets.items():
        print(name, "current ranking", answer_at(rows, base))
    grid = itertools.product([0.3, 0.5, 0.7], [0.2, 0.35, 0.5], [0.0, 0.05],
                             [0.1, 0.2, 0.3], [0.0, 0.1, 0.25], [0.0, 0.1], [0.8, 0.9])
    best, best_w = -1.0, None
    for wc, wl, wp, wo, wch, wk, nr in grid:
        cfg = AnswerSettings(weights=(wc, wl, wp, wo, wch, wk), neighbour_ratio=nr)
        total = 0.0
        for rows in sets.values():
            m = answer_at(rows, cfg)
            total += m["answer@1"] + m["answer@3"]
        if total > best:
            best, best_w = total, cfg
    assert best_w is not None
    print("best weights", best_w.weights, "neighbour_ratio", best_w.neighbour_ratio)
    for name, rows in sets.items():
        print(name, "tuned ranking", answer_at(rows, best_w))
    # each data set weighs the same in the abstention fit, whatever its size
    Xs, ys, ws = [], [], []
    for rows in sets.values():
        X, y = abstain_features(rows, best_w)
        Xs.append(X)
        ys.append(y)
        ws.append(np.full(len(y), 1.0 / len(y)))
    X, y = np.concatenate(Xs), np.concatenate(ys)
    reps = np.maximum(1, np.round(np.concatenate(ws) / np.concatenate(ws).min() / 8)).astype(int)
    w = fit_logistic(np.repeat(X, reps, axis=0), np.repeat(y, reps))
    print("abstain model", np.round(w, 3).tolist())
    for thr in (0.3, 0.4, 0.5, 0.6):
        line = "  ".join(f"{n}: " + " ".join(f"{k}={v:.3f}" for k, v in
                                            tradeoff(rows, best_w, w, thr).items())
                         for n, rows in sets.items())
        print(f"threshold {thr}: {line}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--seed")
    c.add_argument("--index", default="index")
    c.add_argument("--squad")
    c.add_argument("--sample", type=int, default=0)
    c.add_argument("--hits", type=int, default=12)
    se = sub.add_parser("search")
    for p in (c, se):
        p.add_argument("--cache", type=Path, default=CACHE,
                       help=f"where the features are kept (default {CACHE})")
    a = ap.parse_args()
    CACHE = a.cache
    collect(a) if a.cmd == "collect" else search(a)
