"""Tune the answer stage offline: cache candidate features once, then search weights fast.

    python benchmarks/tune_answer.py collect --seed eval/seed_questions.jsonl --index index
    python benchmarks/tune_answer.py collect --squad ../shared/data/squad_v2/dev-v2.0.half-a.json
    python benchmarks/tune_answer.py collect-ooc --seed eval/seed_questions.jsonl \
        --squad ../shared/data/squad_v2/dev-v2.0.half-a.json
    python benchmarks/tune_answer.py search [--grid]

`collect` runs retrieval and sentence features with the real model and pickles them to
.cache/tune/*.pkl (`--cache DIR` elsewhere); `collect-ooc` does the same for questions the
corpus certainly cannot answer (seed questions on the BBC news folder, SQuAD questions on an
index without their article); `search` reports answer@1/@3 of the current ranking weights (with
--grid: grid-searches them), fits the abstention model on every cached set (each weighing the
same) and prints its trade-off at several thresholds. See docs/BENCHMARKS.md.
TUNE_SENTENCE_VECTORS=embed collects with each candidate sentence embedded alone;
TUNE_MAX_SENTENCES=N scores N candidate sentences (default: AnswerSettings.max_sentences).

With the answer reader (askcorpus/answer/reader.py):

    python benchmarks/tune_answer.py read --cache C --out C-reader [--reader FOLDER]
    python benchmarks/tune_answer.py search --cache C-reader --squad-articles 1,6

The written questions' fit split (training/data, `--name news_fit`) is a fit set too; their
train split (`--name news_train`) is only for train_reader.py and never read here. A user-scale
set is measured beside them, never fit on (any other pool name):

    python benchmarks/tune_answer.py collect --questions eval/reuters_questions.jsonl \
        --corpus ../reuters_corpus --index ../reuters_index --name reuters

Two readers (or reader on / off) question by question, each fit as `search` fits, with the
sign test's p on the questions only one of them gets right:

    python benchmarks/tune_answer.py compare C-other-reader --cache C-reader --squad-articles 1,6

`read` adds the reader's logits (best AnswerSettings.reader_read candidates) to every cached
question; `search` then fits the reader's ranking weight and the reader-on abstention model.
--squad-articles keeps only the SQuAD questions of those articles (the ones a cross-validation
reader never trained on).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import pickle
import random
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from askcorpus.answer.compose import (
    FEATURES,
    AnswerSettings,
    abstain_vector,
    gather,
    rank,
    reader_abstain_vector,
    select_quotes,
)
from askcorpus.answer.followup import focus_of, resolve_followup
from askcorpus.config import Settings, force_offline
from askcorpus.evaluation.benchmarks import squad_question_articles
from askcorpus.evaluation.metrics import answer_hit
from askcorpus.evaluation.questions import EvalQuestion, load_questions
from askcorpus.types import DocInfo

CACHE = Path(".cache/tune")
# the sets `search` fits the ranking weights and the abstention model on; any other pool in the
# cache (`collect --questions FILE --index DIR --name NAME`) is measured with them, never fit on
FIT_SETS = ("seed", "squad", "seed_ooc", "squad_ooc", "news_fit")
# pools only the reader trains on (training/data's train split): neither read nor fit nor measured
TRAIN_ONLY = ("news_train",)


class _Infos:
    def doc_infos(self, ids):  # type: ignore[no-untyped-def]
        return {d: DocInfo(id=d, path=d, title="", format="txt") for d in ids}


def collect(args: argparse.Namespace) -> None:
    from askcorpus.evaluation.datasets import prepare_squad

    taken = {"seed_ooc", "squad_ooc", "seed" if args.squad else "squad"}
    if args.name in taken:
        sys.exit(f"collect: --name {args.name} would overwrite the pool of another set")
    force_offline()
    base = Settings.from_env()
    if args.squad:
        _, settings, qs = prepare_squad(Path(args.squad), base)
        name = args.name or "squad"
    elif args.seed:
        settings = base.replace(index=Path(args.index), corpus=Path(args.corpus))
        qs, name = load_questions(Path(args.seed)), args.name or "seed"
    else:
        sys.exit("collect: give --seed/--questions FILE (with --index) or --squad FILE")
    if args.sample and args.sample < len(qs):
        qs = random.Random(0).sample(qs, args.sample)
    rows = features(settings, qs, args.hits)
    _save(rows, name)


def features(settings: Settings, qs: list, hits_read: int) -> list[dict]:
    """Index the corpus (if needed), then each question's candidates with their features."""
    from askcorpus.answer.retrieve import retrieve
    from askcorpus.pipeline import Pipeline

    pipe = Pipeline(settings)
    pipe.index()
    by_id = {q.id: q for q in qs}
    cfg = AnswerSettings(max_hits=hits_read, sentence_vectors=os.environ.get(
        "TUNE_SENTENCE_VECTORS", "pooled"), max_sentences=int(os.environ.get(
            "TUNE_MAX_SENTENCES", AnswerSettings.max_sentences)))
    rows = []
    for n, q in enumerate(qs, 1):
        history = [by_id[q.follow_up_of].question] if q.follow_up_of in by_id else []
        text = resolve_followup(q.question, history)
        qvec = pipe.embedder.embed_query(text)
        hits = retrieve(pipe.store, text, qvec, mode="hybrid", k=30,
                        candidates=settings.candidates)
        c = gather(text, hits, pipe.store, pipe.embedder, qvec, cfg,
                   focus=focus_of(q.question, text), titles=True)  # the reader reads them
        rows.append({"q": q, "cands": c})
        if n % 200 == 0:
            print(f"{n}/{len(qs)}", file=sys.stderr)
    return rows


def _save(rows: list[dict], name: str) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.pkl", "wb") as f:
        pickle.dump(rows, f)
    print(f"wrote {CACHE / name}.pkl ({len(rows)} questions)")


def collect_out_of_corpus(args: argparse.Namespace) -> None:
    """Questions whose answer is certainly not in the corpus, on real text:

    * SQuAD: the answerable questions of half the articles, asked of an index holding only the
      other half (each half in turn);
    * seed: the seed questions asked of the BBC news folder (2004-2005: no war in Ukraine);
      a question whose expected answer turns up among the candidates is dropped.
    """
    from askcorpus.evaluation.benchmarks import load_squad, squad_records

    force_offline()
    base = Settings.from_env()
    if args.squad:
        data = load_squad(Path(args.squad))
        arts = sorted({d.split("_")[0] for d in data.corpus})
        rows = []
        for side, keep in enumerate((set(arts[0::2]), set(arts[1::2]))):
            folder = CACHE / f"squad-ooc-{side}"
            corpus = folder / "corpus" / "corpus.jsonl"
            if not corpus.exists():
                corpus.parent.mkdir(parents=True, exist_ok=True)
                with corpus.open("w", encoding="utf-8") as f:
                    for r in squad_records(data):
                        if r["id"].split("_")[0] in keep:
                            f.write(json.dumps({"id": r["id"], "title": r["title"],
                                                "text": r["text"]}) + "\n")
            qs = [EvalQuestion(id=q.id, question=q.question, answers=tuple(q.answers),
                               sources=(), answerable=False, kind="out-of-corpus")
                  for q in data.questions
                  if q.answerable and q.sources and q.sources[0].split("_")[0] not in keep]
            if args.sample:
                qs = random.Random(side).sample(qs, min(args.sample, len(qs)))
            rows += features(base.replace(corpus=folder / "corpus", index=folder / "index"),
                             qs, args.hits)
        _save(rows, "squad_ooc")
    if args.seed:
        folder = CACHE / "bbc"
        qs = [replace(q, answerable=False, sources=(), kind="out-of-corpus", follow_up_of=None)
              for q in load_questions(Path(args.seed)) if not q.follow_up_of]
        rows = features(base.replace(corpus=Path(args.news), index=folder / "index"), qs,
                        args.hits)
        kept = [r for r in rows if not (r["q"].answers and answer_hit(
            r["cands"].texts, r["q"].answers, max(1, len(r["cands"].texts))))]
        print(f"dropped {len(rows) - len(kept)} seed questions answered in the news folder")
        _save(kept, "seed_ooc")


def read(args: argparse.Namespace) -> None:
    """Add the reader's logits to each cached question (a copy in --out)."""
    from askcorpus.answer.candidates import read_candidates
    from askcorpus.answer.reader import Reader

    reader = SpanMargins(args.span) if args.span else Reader(args.reader)
    cfg = AnswerSettings(reader_read=args.read)
    args.out.mkdir(parents=True, exist_ok=True)
    for p in sorted(CACHE.glob("*.pkl")):
        if p.stem in TRAIN_ONLY:
            continue
        rows = pickle.loads(p.read_bytes())
        for r in rows:
            c = r["cands"]
            if c.keys:
                read_candidates(c, reader, cfg)
            else:
                c.reader = np.zeros(0, np.float32)
        (args.out / p.name).write_bytes(pickle.dumps(rows))
        print(f"read {p.name}: {len(rows)} questions", file=sys.stderr)


class SpanMargins:
    """The answer-span model in the reader's slot (``read --span``): each candidate's "logit"
    is its best span's margin over "no answer" (-20 where the sentence has no span)."""

    def __init__(self, folder: str) -> None:
        from askcorpus.answer.span import SpanModel

        self.model = SpanModel(folder)

    def score(self, question: str, items: list) -> np.ndarray:
        found = self.model.find_many(question, items)
        return np.asarray([f[2] if f else -20.0 for f in found], np.float32)


def keep_articles(sets: dict[str, list[dict]], articles: str, squad: Path) -> None:
    if not articles:
        return
    keep = {int(x) for x in articles.split(",")}
    of = squad_question_articles(squad)
    for name in ("squad", "squad_ooc"):
        if name in sets:
            sets[name] = [r for r in sets[name] if of.get(r["q"].id) in keep]


def answer_at(rows: list[dict], cfg: AnswerSettings, ks=(1, 3),
              ranker: Callable = rank) -> dict[str, float]:
    """answer@k of the quotes ``ranker`` (askcorpus's ``rank`` unless another is tried) picks."""
    hits = {k: 0 for k in ks}
    n = 0
    for r in rows:
        q, c = r["q"], r["cands"]
        if not q.answerable or not c.keys:
            n += q.answerable
            continue
        n += 1
        quotes = select_quotes(c, ranker(c, cfg), _Infos(), max(ks), cfg)  # type: ignore[arg-type]
        texts = [x.text for x in quotes]
        for k in ks:
            hits[k] += answer_hit(texts, q.answers, k)
    return {f"answer@{k}": hits[k] / max(n, 1) for k in ks}


def abstain_features(rows: list[dict], cfg: AnswerSettings, vector: Callable | None = None
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The abstention model's inputs (``vector``: another input function to try) and targets."""
    for r in rows:  # caches collected before a feature existed get its default
        for name, default in (("oov_name", 0.0), ("max_cos", 0.0)):
            if not hasattr(r["cands"], name):
                setattr(r["cands"], name, default)
    X = [(vector or (reader_abstain_vector if getattr(r["cands"], "reader", None) is not None
                     else abstain_vector))(r["cands"], rank(r["cands"], cfg)) for r in rows]
    y = [1.0 if r["q"].answerable else 0.0 for r in rows]
    return np.asarray(X), np.asarray(y)


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = 1e-2, steps: int = 6000,
                 sample_weight: np.ndarray | None = None) -> np.ndarray:
    """Class-balanced, L2-regularized, weighted logistic regression (plain gradient descent)."""
    sw = np.ones(len(y)) if sample_weight is None else sample_weight / sample_weight.mean()
    pos, neg = np.sum(sw * (y == 1)), np.sum(sw * (y == 0))
    sw = sw * np.where(y == 1, 0.5 / max(pos, 1e-9), 0.5 / max(neg, 1e-9)) * len(y)
    w = np.zeros(X.shape[1])
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


def fit_abstain(sets: dict[str, list[dict]], cfg: AnswerSettings,
                vector: Callable | None = None) -> np.ndarray:
    """The abstention model fit on every set, each weighing the same whatever its size."""
    Xs, ys, ws = [], [], []
    for rows in sets.values():
        X, y = abstain_features(rows, cfg, vector)
        Xs.append(X)
        ys.append(y)
        ws.append(np.full(len(y), 1.0 / len(y)))
    return fit_logistic(np.concatenate(Xs), np.concatenate(ys), sample_weight=np.concatenate(ws))


def decide(rows: list[dict], cfg: AnswerSettings, w: np.ndarray, thr: float,
           vector: Callable | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per question: answered (the abstention model's probability >= ``thr``), answerable."""
    X, y = abstain_features(rows, cfg, vector)
    return 1 / (1 + np.exp(-(X @ w))) >= thr, y == 1


def tradeoff(rows: list[dict], cfg: AnswerSettings, w: np.ndarray, thr: float,
             vector: Callable | None = None) -> dict:
    answered, answerable = decide(rows, cfg, w, thr, vector)
    should = ~answerable
    n_ans = max(1, int((~should).sum()))
    abst = ~answered
    tp = float(np.sum(abst & should))
    return {"answer@1": float(np.sum(hits_at(rows, cfg, 1) & answered)) / n_ans,
            "answer@3": float(np.sum(hits_at(rows, cfg, 3) & answered)) / n_ans,
            "abstain_P": tp / max(1, abst.sum()), "abstain_R": tp / max(1, should.sum())}


def load_sets(folder: Path, articles: str, squad: Path
              ) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
    """The cached pools of ``folder``: (the fit sets, every other one: measured only); the
    reader's training pools (TRAIN_ONLY) are neither."""
    every = {p.stem: pickle.loads(p.read_bytes()) for p in sorted(folder.glob("*.pkl"))
             if p.stem not in TRAIN_ONLY}
    if not every:
        sys.exit(f"{folder}: no cached pools (*.pkl) there: run `collect` (and `read`) first")
    keep_articles(every, articles, squad)
    return ({n: rows for n, rows in every.items() if n in FIT_SETS},
            {n: rows for n, rows in every.items() if n not in FIT_SETS})


def answerable_sets(sets: dict[str, list[dict]]) -> dict[str, list[dict]]:
    return {n: rows for n, rows in sets.items() if any(r["q"].answerable for r in rows)}


def fit_reader_weights(sets: dict[str, list[dict]], grid: list[float]) -> AnswerSettings | None:
    """With reader logits in the pools: the reader weight (and the cosine and word-overlap
    weights beside it) with the best answer@1 + answer@3 summed over the answerable fit sets;
    None when the pools hold no reader logits."""
    if not any(getattr(r["cands"], "reader", None) is not None
               for rows in sets.values() for r in rows):
        return None
    base, best, best_cfg = AnswerSettings(), -1.0, None
    for rw, cos, lex in itertools.product(grid, [0.35, 0.7], [0.175, 0.35]):
        w = dict(zip(FEATURES, base.weights)) | {"cos": cos, "lex": lex}
        cfg = replace(base, reader_weight=rw, reader_weights=tuple(w[f] for f in FEATURES))
        total = sum(m["answer@1"] + m["answer@3"]
                    for m in (answer_at(rows, cfg) for rows in answerable_sets(sets).values()))
        if total > best:
            best, best_cfg = total, cfg
    return best_cfg


def search(args: argparse.Namespace) -> None:
    """Ranking weights (a grid over the main ones with --grid, else the current ones), then the
    abstention model fit on every cached set, each weighing the same whatever its size."""
    sets, measured = load_sets(CACHE, args.squad_articles, args.squad_file)
    if measured:
        print("measured only, not fit on:", ", ".join(sorted(measured)))
    answerable = answerable_sets(sets)
    best_w = AnswerSettings()
    for name, rows in answerable.items():
        print(name, f"({len(rows)} q) current ranking", answer_at(rows, best_w))
    with_reader = fit_reader_weights(sets, args.reader_grid)
    if with_reader:
        best_w = with_reader
        print("reader weight", best_w.reader_weight, "feature weights", best_w.reader_weights)
        for name, rows in answerable.items():
            print(name, "reader ranking", answer_at(rows, best_w))
    elif args.grid:
        names = ("cos", "lex", "offer", "chunk", "bigram")
        grid = itertools.product([0.5, 0.7], [0.2, 0.35, 0.5], [0.1, 0.2, 0.3], [0.1, 0.25],
                                 [0.0, 0.1, 0.2, 0.3])
        best = -1.0
        for values in grid:
            w = dict(zip(FEATURES, best_w.weights)) | dict(zip(names, values))
            cfg = AnswerSettings(weights=tuple(w[f] for f in FEATURES))
            total = sum(m["answer@1"] + m["answer@3"]
                        for m in (answer_at(rows, cfg) for rows in answerable.values()))
            if total > best:
                best, best_w = total, cfg
        print("best weights", best_w.weights)
        for name, rows in answerable.items():
            print(name, "tuned ranking", answer_at(rows, best_w))
    w = fit_abstain(sets, best_w)
    print("abstain model", np.round(w, 3).tolist())
    for name, rows in measured.items():
        print(name, f"({len(rows)} q, measured only) ranking", answer_at(rows, best_w))
    for thr in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55):
        parts = []
        for n, rows in (sets | measured).items():
            t = tradeoff(rows, best_w, w, thr)
            keys = (("answer@1", "answer@3", "abstain_P", "abstain_R")
                    if any(r["q"].answerable for r in rows) else ("abstain_R",))
            parts.append(f"{n}: " + " ".join(f"{k}={t[k]:.3f}" for k in keys))
        print(f"threshold {thr}: " + " | ".join(parts))


def right(rows: list[dict], cfg: AnswerSettings, w: np.ndarray, thr: float) -> np.ndarray:
    """Per question, whether the answer stage got it right end to end: an answerable one
    answered with the answer in the first quote, an unanswerable one abstained on."""
    answered, answerable = decide(rows, cfg, w, thr)
    return np.where(answerable, answered & hits_at(rows, cfg, 1), ~answered)


def sign_test(a_only: int, b_only: int) -> float:
    """Two-sided exact sign test (McNemar's) on the questions only one side gets right."""
    n = a_only + b_only
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(a_only, b_only) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def compare(args: argparse.Namespace) -> None:
    """Two caches of the same questions (e.g. read by two readers), each fit as `search` fits
    (reader weight, abstention model on the four sets; a cache without reader logits is the
    reader-off pipeline), then set by set: the questions each gets right end to end, those only
    one gets right, and the sign test's p on those (a difference of a few questions on a set of
    59 is noise: p says how much)."""
    fits = []
    for folder in (args.cache, args.other):
        sets, measured = load_sets(folder, args.squad_articles, args.squad_file)
        with_reader = fit_reader_weights(sets, args.reader_grid)
        cfg = with_reader or AnswerSettings()
        thr = args.threshold if args.threshold is not None else (
            cfg.reader_threshold if with_reader else cfg.abstain_threshold)
        fits.append((sets | measured, cfg, fit_abstain(sets, cfg), thr))
        print(f"{'AB'[len(fits) - 1]} = {folder}: "
              f"{'reader weight ' + str(cfg.reader_weight) if with_reader else 'reader off'}, "
              f"threshold {thr}")
    names = [n for n in fits[0][0] if n in fits[1][0]]
    if set(fits[0][0]) ^ set(fits[1][0]):
        print("in one cache only, left out:", ", ".join(sorted(set(fits[0][0]) ^ set(fits[1][0]))))
    print("questions right end to end (answered with the answer in the first quote, or "
          "abstained on when the corpus has no answer):")
    print(f"{'set':10s} {'n':>5s} {'A':>6s} {'B':>6s} {'A only':>7s} {'B only':>7s} {'p':>6s}")
    for n in names:
        a_rows, b_rows = fits[0][0][n], fits[1][0][n]
        if [r["q"].id for r in a_rows] != [r["q"].id for r in b_rows]:
            sys.exit(f"compare: the two caches hold different {n} questions")
        a = right(a_rows, *fits[0][1:])
        b = right(b_rows, *fits[1][1:])
        a_only, b_only = int(np.sum(a & ~b)), int(np.sum(b & ~a))
        print(f"{n:10s} {len(a):5d} {a.mean():6.3f} {b.mean():6.3f} {a_only:7d} {b_only:7d} "
              f"{sign_test(a_only, b_only):6.3f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--seed", "--questions", dest="seed",
                   help="a questions file (JSONL) asked of --index")
    c.add_argument("--name", help="the pool's name (default seed): another name makes a set "
                                  "search measures but never fits on, e.g. reuters")
    c.add_argument("--index", default="index")
    c.add_argument("--corpus", default="corpus",
                   help="the folder --index holds (the index is brought up to date with it)")
    c.add_argument("--squad")
    c.add_argument("--sample", type=int, default=0)
    c.add_argument("--hits", type=int, default=12)
    o = sub.add_parser("collect-ooc", help=collect_out_of_corpus.__doc__)
    o.add_argument("--seed")
    o.add_argument("--news", default="../shared/data/news/bbc_news/raw")
    o.add_argument("--squad")
    o.add_argument("--sample", type=int, default=0)
    o.add_argument("--hits", type=int, default=12)
    rd = sub.add_parser("read", help=read.__doc__)
    which = rd.add_mutually_exclusive_group()
    which.add_argument("--reader", default=None, help="a reader folder (default: the shipped one)")
    which.add_argument("--span", default=None,
                    help="read with an answer-span model's margins instead (a span folder)")
    rd.add_argument("--out", type=Path, required=True)
    rd.add_argument("--read", type=int, default=AnswerSettings.reader_read,
                    help="candidates read per question")
    se = sub.add_parser("search")
    se.add_argument("--grid", action="store_true", help="grid-search the ranking weights")
    cp = sub.add_parser("compare", help=compare.__doc__)
    cp.add_argument("other", type=Path, help="the cache to compare --cache with")
    cp.add_argument("--threshold", type=float, default=None,
                    help="abstention threshold for both (default: each its shipped one, "
                         "reader on or off)")
    for p in (se, cp):
        p.add_argument("--reader-grid", default=[0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0],
                       type=lambda v: [float(x) for x in v.split(",")],
                       help="reader weights tried (comma-separated; default 0.25,0.5,...,3)")
        p.add_argument("--squad-articles", default="",
                       help="keep only these SQuAD articles (numbers, e.g. 1,6)")
        p.add_argument("--squad-file", type=Path,
                       default=Path("../shared/data/squad_v2/dev-v2.0.half-a.json"))
    for p in (c, o, rd, se, cp):
        p.add_argument("--cache", type=Path, default=CACHE,
                       help=f"where the features are kept (default {CACHE})")
    a = ap.parse_args()
    CACHE = a.cache
    {"collect": collect, "collect-ooc": collect_out_of_corpus, "read": read,
     "search": search, "compare": compare}[a.cmd](a)
