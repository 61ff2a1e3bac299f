"""The answer marked inside the first quote: the answer-type rules vs the answer-span model.

    .venv/bin/python benchmarks/span_marks.py                       # seed + SQuAD articles 1, 6
    .venv/bin/python benchmarks/span_marks.py --span .cache/span/cv --reader on \
        --reuters-index ../reuters_index
    .venv/bin/python benchmarks/span_marks.py --squad-articles "" \
        --news-index ../news_index --news-corpus ../news_corpus   # + the written dev split

For each question set, the same pipeline answers three times: marks by the rules alone
(``spans=off``), by the span model where the rules mark no typed answer (the shipped policy,
``keep_typed_marks``), and by the span model everywhere it finds an answer. Ranking and
abstention do not change (answer@1 is printed to show it); ``mark_em`` / ``mark_f1`` are SQuAD's
exact match and word F1 of the marked span against the expected answers, over the questions
whose first quote holds one (``askcorpus eval`` reports the same two numbers).

SQuAD: only the articles the shipped span model's held-out measure left out (``--squad-articles``)
are fair for a model trained with ``--holdout``; the shipped model trained on all 8 articles, so
its SQuAD row is a training-set number (the script says so).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import offline  # noqa: E402

SQUAD = ROOT.parent / "shared" / "data" / "squad_v2" / "dev-v2.0.half-a.json"


def main() -> None:
    offline()
    from askcorpus.answer.candidates import AnswerSettings
    from askcorpus.config import Settings
    from askcorpus.evaluation.benchmarks import squad_question_articles
    from askcorpus.evaluation.datasets import prepare_squad
    from askcorpus.evaluation.questions import evaluate_questions, load_questions, summarize
    from askcorpus.pipeline import Pipeline

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--span", default="on", help="the span model: on (shipped) or a folder")
    ap.add_argument("--reader", default="off", help="the answer reader: off, on or a folder")
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--squad-articles", default="1,6",
                    help="SQuAD half-a articles measured (empty: no SQuAD)")
    ap.add_argument("--reuters-index", type=Path, help="an index of Reuters-21578")
    ap.add_argument("--reuters-corpus", type=Path, default=ROOT.parent / "reuters_corpus",
                    help="the folder --reuters-index was built from")
    ap.add_argument("--news-index", type=Path,
                    help="an index of the written questions' news corpus (training/data)")
    ap.add_argument("--news-corpus", type=Path, default=ROOT.parent / "news_corpus",
                    help="the folder --news-index was built from")
    ap.add_argument("--news-questions", type=Path,
                    default=ROOT / "training" / "data" / "questions.dev.jsonl",
                    help="the written questions asked of --news-index (default: the dev split)")
    ap.add_argument("--cache", type=Path, default=None, help="SQuAD index cache")
    args = ap.parse_args()

    sets: list[tuple[str, Settings, list[Any]]] = []
    base = Settings.from_env(corpus=args.corpus, index=args.index, reader=args.reader)
    sets.append(("seed", base, load_questions(ROOT / "eval" / "seed_questions.jsonl")))
    if args.squad_articles:
        keep = {int(a) for a in args.squad_articles.split(",")}
        arts = squad_question_articles(SQUAD)
        _, squad_settings, qs = prepare_squad(SQUAD, base, args.cache)
        sets.append((f"SQuAD articles {args.squad_articles}", squad_settings,
                     [q for q in qs if arts.get(q.id) in keep]))
    if args.reuters_index:
        sets.append(("Reuters", base.replace(index=args.reuters_index,
                                             corpus=args.reuters_corpus),
                     load_questions(ROOT / "eval" / "reuters_questions.jsonl")))
    if args.news_index:
        sets.append((f"written {args.news_questions.stem.split('.')[-1]}",
                     base.replace(index=args.news_index, corpus=args.news_corpus),
                     load_questions(args.news_questions)))

    policies = [("rules", "off", True), ("model where no typed mark", args.span, True),
                ("model everywhere", args.span, False)]
    print(f"span model: {args.span}; reader: {args.reader}")
    if args.span == "on" and args.squad_articles:
        print("(the shipped span model trained on all 8 SQuAD articles: its SQuAD rows are on "
              "training data; a --holdout model's are not)")
    print(f"{'set':28s} {'marks':28s} {'questions':>9s} {'answer@1':>8s} "
          f"{'mark_em':>7s} {'mark_f1':>7s}")
    for name, settings, qs in sets:
        for label, spans, keep_typed in policies:
            pipe = Pipeline(settings.replace(spans=spans),
                            answer_settings=replace(AnswerSettings(), keep_typed_marks=keep_typed))
            if name.startswith("SQuAD"):
                pipe.index()
            corpus = Path(pipe.store.manifest["corpus"])

            def ask(q: str, history: list[str], k: int, _p: Any = pipe) -> dict[str, Any]:
                return _p.ask(q, history, k=k).to_dict()

            m = summarize(evaluate_questions(ask, qs, corpus, k=5), qs)
            print(f"{name:28s} {label:28s} {len(qs):9d} {m['answer@1']:8.3f} "
                  f"{m['mark_em']:7.3f} {m['mark_f1']:7.3f}", flush=True)
            pipe.close()


if __name__ == "__main__":
    main()
