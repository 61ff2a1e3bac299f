"""``askcorpus eval``: question files, BEIR and SQuAD, one or several retrieval modes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..answer.retrieve import MODES
from ..config import Settings
from ..errors import AskCorpusError
from .questions import evaluate_questions, load_questions, results_as_dicts, summarize
from .report import table, write_report

BEIR_METRICS = ("ndcg@10", "recall@100", "mrr@10", "latency_p50_ms", "latency_p95_ms")


def _modes(compare: str | None, mode: str | None, default: str) -> list[str]:
    if not compare:
        return [mode or default]
    modes = [m.strip() for m in compare.split(",") if m.strip()]
    for m in modes:
        if m not in (*MODES, "rerank"):
            raise AskCorpusError(f"unknown mode {m!r} in --compare; choose from "
                                 f"{', '.join(MODES)}, rerank")
    return modes


def _stderr_progress(enabled: bool) -> Any:
    if not enabled:
        return None

    def show(stage: str, done: int, total: int) -> None:
        print(f"\r{stage}: {done}/{total}", end="" if done < total else "\n", file=sys.stderr,
              flush=True)

    return show


def _pipelines(settings: Settings, modes: list[str]) -> dict[str, Any]:
    from ..pipeline import Pipeline

    first = Pipeline(settings.replace(mode=modes[0]))
    out = {modes[0]: first}
    for m in modes[1:]:  # one model in memory, shared by every mode
        out[m] = Pipeline(settings.replace(mode=m), embedder=first.embedder)
    return out


def run_eval(settings: Settings, *, questions: Path | None, k: int, mode: str | None,
             compare: str | None, beir_dir: Path | None, split: str, squad_file: Path | None,
             limit: int | None, cache: Path | None, out: Path | None,
             progress: bool, sample: int | None = None,
             time: dict[str, Any] | None = None,
             feedback: Path | None = None) -> dict[str, Any]:
    """``time``: ``since``, ``until``, ``as_of``, ``undated`` and ``time`` (False: no time
    handling at all, the question's own time expression ignored) for every question; a
    question's own ``as_of`` is its reference day unless ``as_of`` is given. ``feedback``: a
    votes file (``serve --feedback``) whose questions are scored instead of a question file."""
    time = dict(time or {})
    chosen = [x for x in (questions, beir_dir, squad_file, feedback) if x is not None]
    if len(chosen) != 1:
        raise AskCorpusError("give exactly one of: a QUESTIONS.jsonl file, --beir DIR, "
                             "--squad FILE, --feedback FILE")
    modes = _modes(compare, mode, settings.mode)
    if beir_dir is not None:
        return _run_beir(settings, beir_dir, split, modes, limit, cache, progress)
    if squad_file is not None:
        from .datasets import prepare_squad

        if not squad_file.is_file():
            raise AskCorpusError(f"SQuAD file {squad_file} does not exist")
        _, settings, qs = prepare_squad(squad_file, settings, cache)
        title = f"SQuAD {squad_file.name}"
    elif feedback is not None:
        from .feedback import feedback_questions

        qs = feedback_questions(feedback)
        title = f"Feedback {feedback.name}"
    else:
        assert questions is not None
        qs = load_questions(questions)
        title = f"Questions {questions.name}"
    qs = qs[:limit] if limit else qs
    if sample and sample < len(qs):
        import random

        chosen_ids = {q.id for q in random.Random(0).sample(qs, sample)}
        keep = {q.id for q in qs if q.id in chosen_ids}
        keep |= {q.follow_up_of for q in qs if q.id in keep and q.follow_up_of}
        qs = [q for q in qs if q.id in keep]  # file order kept; follow-ups keep their lead
        title += f", sample of {len(qs)}"
    pipes = _pipelines(settings, modes)
    if squad_file is not None:
        pipes[modes[0]].index(progress=_stderr_progress(progress))
    corpus = Path(pipes[modes[0]].store.manifest["corpus"])
    if not corpus.is_dir():
        corpus = settings.corpus
    runs, results = {}, {}
    for m, pipe in pipes.items():
        def ask(q: str, history: list[str], kk: int, q_as_of: str | None = None,
                _p: Any = pipe) -> dict[str, Any]:
            if not time:
                return _p.ask(q, history, k=kk).to_dict()
            on = time.get("time", True)
            return _p.ask(q, history, k=kk, since=time.get("since") if on else None,
                          until=time.get("until") if on else None,
                          as_of=time.get("as_of") or q_as_of,
                          undated=time.get("undated", "include"), time=on).to_dict()

        results[m] = evaluate_questions(ask, qs, corpus, k=max(k, 10))
        runs[m] = summarize(results[m], qs)
    if out is not None:
        write_report(out, title, runs, results)
    text = table(runs)
    if out is not None:
        text += f"\n\nreport: {out / 'report.md'}"
    if len(modes) == 1:
        js: dict[str, Any] = {"metrics": runs[modes[0]],
                              "questions": results_as_dicts(results[modes[0]])}
    else:
        js = {"compare": {m: {"metrics": runs[m], "questions": results_as_dicts(results[m])}
                          for m in modes}}
    if time and not time.get("time", True):
        title += ", time handling off"
    return {"json": js, "text": f"{title} ({len(qs)} questions)\n{text}"}


def _run_beir(settings: Settings, folder: Path, split: str, modes: list[str],
              limit: int | None, cache: Path | None, progress: bool) -> dict[str, Any]:
    from .datasets import evaluate_beir, prepare_beir

    if not folder.is_dir():
        raise AskCorpusError(f"BEIR folder {folder} does not exist")
    try:
        beir = prepare_beir(folder, split, settings, cache)
    except (FileNotFoundError, ValueError) as e:
        raise AskCorpusError(str(e)) from None
    pipes = _pipelines(beir.settings, modes)
    pipes[modes[0]].index(progress=_stderr_progress(progress))
    runs, rows = {}, {}
    for m, pipe in pipes.items():
        runs[m], rows[m] = evaluate_beir(pipe, beir.data, mode=m, limit=limit)
    title = f"BEIR {folder.name} ({split}, {next(iter(runs.values()))['queries']} queries)"
    js: dict[str, Any] = ({"metrics": runs[modes[0]], "questions": rows[modes[0]]}
                          if len(modes) == 1 else
                          {"compare": {m: {"metrics": runs[m], "questions": rows[m]}
                                       for m in modes}})
    return {"json": js, "text": f"{title}\n{table(runs, BEIR_METRICS)}"}
