"""Does the answer-span model help the reader decide when to abstain? (measured, not shipped)

    python benchmarks/tune_answer.py read --cache C --out C-reader --reader READER
    python benchmarks/tune_answer.py read --cache C --out C-span --span .cache/span/cv
    python benchmarks/span_abstain.py --reader-cache C-reader --span-cache C-span

Fits the reader-on abstention model (tune_answer.py's class-balanced logistic fit, every set
weighing the same, SQuAD kept to the articles 1 and 6 neither model trained on) twice: on its
shipped inputs, and with two more, the span model's best margin over "no answer" among the
candidates read and that of the top-ranked one; prints both trade-offs side by side. A pool
outside tune_answer's four fit sets (e.g. reuters) is measured, never fit on.
"""

from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tune_answer as T

from askcorpus.answer.compose import AnswerSettings, reader_abstain_vector


def with_span(c, scores: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    base = reader_abstain_vector(c, scores)
    margins = c.span
    read = margins[~np.isnan(margins)] if len(margins) else margins
    if not len(scores) or not len(read):
        return np.r_[base, -2.0, -2.0]
    top = margins[int(np.argmax(scores))]
    top = float(read.min()) if np.isnan(top) else float(top)
    return np.r_[base, np.clip(read.max(), -12, 12) / 4, np.clip(top, -12, 12) / 4]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reader-cache", type=Path, required=True)
    ap.add_argument("--span-cache", type=Path, required=True)
    ap.add_argument("--squad-articles", default="1,6")
    ap.add_argument("--squad-file", type=Path,
                    default=Path("../shared/data/squad_v2/dev-v2.0.half-a.json"))
    args = ap.parse_args()
    sets = {}
    for p in sorted(args.reader_cache.glob("*.pkl")):
        if not (args.span_cache / p.name).exists():
            print(f"{p.stem}: not in --span-cache, left out", file=sys.stderr)
            continue
        rows = pickle.loads(p.read_bytes())
        spans = pickle.loads((args.span_cache / p.name).read_bytes())
        for r, s in zip(rows, spans, strict=True):
            assert r["q"].id == s["q"].id, "the two caches hold different questions"
            r["cands"].span = s["cands"].reader
        sets[p.stem] = rows
    T.keep_articles(sets, args.squad_articles, args.squad_file)
    cfg = AnswerSettings()
    for label, vector in (("reader inputs", reader_abstain_vector),
                          ("+ span margins", with_span)):
        w = T.fit_abstain({n: r for n, r in sets.items() if n in T.FIT_SETS}, cfg, vector)
        print(f"{label}: abstain model {np.round(w, 3).tolist()}")
        for thr in (0.35, 0.4, 0.45, 0.5, 0.55):
            parts = []
            for n, rows in sets.items():
                t = T.tradeoff(rows, cfg, w, thr, vector)
                if any(r["q"].answerable for r in rows):
                    parts.append(f"{n}: {t['answer@1']:.3f} / {t['answer@3']:.3f} P/R "
                                 f"{t['abstain_P']:.2f} / {t['abstain_R']:.2f}")
                else:
                    parts.append(f"{n}: abstain {t['abstain_R']:.3f}")
            print(f"  threshold {thr}: " + " | ".join(parts))


if __name__ == "__main__":
    main()
