"""How should the reader's score join the features? Ranking only, on cached pools with reader
logits (``tune_answer.py read``), three ways of adding it to the feature score, each over a
grid of its weight and the cosine / word-overlap weights beside it:

* ``prob``: ``features + w × sigmoid(logit)`` (what askcorpus does: ``rank`` in
  answer/candidates.py; w = 0 is the feature ranking with the reader-on feature weights);
* ``logit``: ``features + w × clip(logit, -8, 8) / 8`` (candidates not read: -8);
* ``zscore``: both z-scored over the candidates the reader read, ``feature z + w × reader z``
  (not read: below the lowest).

    .venv/bin/python benchmarks/reader_fusion.py --cache .cache/tune/r1-cloze1b --squad-articles 1,6

Prints answer@1 / @3 (quotes, as ``tune_answer.py search`` counts them) on every set with
answerable questions, and, per way, the row ``search`` would pick (the best answer@1 + answer@3
summed over the answerable fit sets: seed and SQuAD). Abstention is not refit here.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tune_answer

from askcorpus.answer.candidates import FEATURES, AnswerSettings, Candidates
from askcorpus.answer.candidates import rank as product_rank

WAYS = {"prob": [0.0, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0],
        "logit": [0.05, 0.1, 0.2, 0.4, 0.8],
        "zscore": [0.0, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0]}


def fused(way: str, weight: float, feature_weights: tuple[float, ...]
          ) -> Callable[[Candidates, AnswerSettings], np.ndarray]:
    """A ranking function (``rank``'s signature) adding the reader ``way`` at ``weight``."""
    fw = np.asarray(feature_weights, np.float32)

    def rank(c: Candidates, cfg: AnswerSettings) -> np.ndarray:
        if way == "prob":  # the product's own ranking
            return product_rank(c, replace(cfg, reader_weights=feature_weights,
                                           reader_weight=weight))
        f = c.feats @ fw
        logits = c.reader if c.reader is not None else np.full(len(f), np.nan, np.float32)
        read = ~np.isnan(logits)
        if not read.any():
            return f
        if way == "logit":
            extra = np.full(len(f), -8.0, np.float32)
            extra[read] = np.clip(logits[read], -8, 8)
            return f + weight * extra / 8
        z = logits[read]
        rz = (z - z.mean()) / (z.std() + 1e-6)
        extra = np.full(len(f), rz.min() - 1.0, np.float32)
        extra[read] = rz
        fr = f[read]
        return (f - fr.mean()) / (fr.std() + 1e-6) + weight * extra

    return rank


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, required=True,
                    help="a pool folder with reader logits (tune_answer.py read --out)")
    ap.add_argument("--squad-articles", default="",
                    help="keep only these SQuAD articles (those the reader never trained on)")
    ap.add_argument("--squad-file", type=Path,
                    default=Path("../shared/data/squad_v2/dev-v2.0.half-a.json"))
    ap.add_argument("--ways", default=",".join(WAYS),
                    help=f"comma-separated, of {', '.join(WAYS)}")
    args = ap.parse_args()
    ways = [w for w in args.ways.split(",") if w]
    if bad := [w for w in ways if w not in WAYS]:
        ap.error(f"unknown way(s) {', '.join(bad)}: choose from {', '.join(WAYS)}")
    sets, measured = tune_answer.load_sets(args.cache, args.squad_articles, args.squad_file)
    fit_names = list(tune_answer.answerable_sets(sets))
    shown = tune_answer.answerable_sets(sets | measured)
    if not any(getattr(r["cands"], "reader", None) is not None
               for rows in sets.values() for r in rows):
        sys.exit(f"{args.cache}: no reader logits in these pools: run tune_answer.py read first")
    base = AnswerSettings()
    print(f"fit sets: {', '.join(fit_names)}; also shown: "
          f"{', '.join(n for n in shown if n not in fit_names) or 'none'}")
    print(f"{'way':7s} {'w':>5s} {'cos':>5s} {'lex':>6s} {'fit':>6s}  " +
          "  ".join(f"{n + ' @1/@3':>16s}" for n in shown))
    for way in ways:
        best: tuple[float, str] = (-1.0, "")
        for w, cos, lex in itertools.product(WAYS[way], [0.35, 0.7], [0.175, 0.35]):
            fw = dict(zip(FEATURES, base.weights)) | {"cos": cos, "lex": lex}
            ranker = fused(way, w, tuple(fw[f] for f in FEATURES))
            m = {n: tune_answer.answer_at(rows, base, ranker=ranker) for n, rows in shown.items()}
            fit = sum(m[n]["answer@1"] + m[n]["answer@3"] for n in fit_names)
            line = (f"{way:7s} {w:5.2f} {cos:5.2f} {lex:6.3f} {fit:6.3f}  " + "  ".join(
                f"{m[n]['answer@1']:7.3f} / {m[n]['answer@3']:.3f}" for n in shown))
            print(line, flush=True)
            if fit > best[0]:
                best = (fit, line)
        print(f"best {best[1]}", flush=True)


if __name__ == "__main__":
    main()
