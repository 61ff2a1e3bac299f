"""Scripted evaluation: a question file -> per-question results -> metrics.

Question file (JSON Lines): {"id", "question", "answers": [...], "sources": [...],
"answerable": bool, "follow_up_of"?: id, "as_of"?: ISO day (the reference day of a dated
question's relative time expression)}. Matching of answers is case-insensitive with
whitespace collapsed; a source matches a quote by path, file name or JSON record id.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..corpus.ingest import read_file
from ..errors import AskCorpusError
from .metrics import (
    abstention_scores,
    answer_hit,
    first_relevant_rank,
    mrr_at_k,
    normalize,
    percentile,
    source_at_k,
    span_em_f1,
)

METRIC_NAMES = ("answer@1", "answer@3", "answer@5", "source@1", "source@5", "mrr@10",
                "abstain_precision", "abstain_recall", "abstain_f1", "quote_fidelity",
                "mark_em", "mark_f1", "latency_p50_ms", "latency_p95_ms")


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]
    sources: tuple[str, ...]
    answerable: bool
    follow_up_of: str | None = None
    kind: str | None = None
    as_of: str | None = None  # reference day for "last week" in a dated question


@dataclass
class QuestionResult:
    id: str
    question: str
    answerable: bool
    answered: bool
    confidence: float
    answer_rank: int | None  # first quote (1-based) holding an expected answer
    source_rank: int | None  # first article (1-based) among the expected sources
    quotes: list[dict[str, Any]] = field(default_factory=list)
    fidelity_failures: int = 0
    latency_ms: float = 0.0
    kind: str | None = None
    expected: list[str] = field(default_factory=list)
    error: str | None = None
    mark: str | None = None  # the answer the first quote marks (its span), when it has one


def load_questions(path: Path) -> list[EvalQuestion]:
    if not path.is_file():
        raise AskCorpusError(f"question file {path} does not exist")
    out: list[EvalQuestion] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out.append(EvalQuestion(
                id=str(r.get("id", n)), question=r["question"],
                answers=tuple(r.get("answers") or ()), sources=tuple(r.get("sources") or ()),
                answerable=bool(r.get("answerable", bool(r.get("answers")))),
                follow_up_of=r.get("follow_up_of"), kind=r.get("kind"),
                as_of=r.get("as_of") or None))
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise AskCorpusError(f"{path}:{n}: not a question record ({e})") from None
    if not out:
        raise AskCorpusError(f"{path} holds no questions")
    return out


def source_keys(quote: dict[str, Any]) -> set[str]:
    """Every name by which a question file may cite the article a quote comes from."""
    keys = {quote["path"], PurePosixPath(quote["path"]).name, quote.get("doc_id") or ""}
    for p in quote.get("paths") or []:
        keys.update({p, PurePosixPath(p.split("#")[0]).name, p.split("#")[0]})
    if quote.get("record"):
        keys.update({str(quote["record"]), f"{quote['path']}#{quote['record']}"})
    return keys - {""}


def ranked_sources(quotes: Sequence[dict[str, Any]], sources: Sequence[str]) -> list[str]:
    """Articles in quote order, each named by the expected source it matches (if any)."""
    wanted = set(sources)
    out: list[str] = []
    for q in quotes:
        keys = source_keys(q)
        hit = sorted(keys & wanted)
        out.append(hit[0] if hit else q.get("doc_id") or q["path"])
    return list(dict.fromkeys(out))


class FidelityChecker:
    """Re-reads each cited file from the corpus and compares the quote with its offsets."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self._texts: dict[tuple[str, str | None], str | None] = {}

    def _text(self, path: str, record: str | None) -> str | None:
        key = (path, record)
        if key not in self._texts:
            for item in read_file(self.corpus / path, path, max_file_mb=1e9):
                rec = getattr(item, "record", None)
                if hasattr(item, "text"):
                    self._texts[(path, rec)] = item.text  # type: ignore[union-attr]
            self._texts.setdefault(key, None)
        return self._texts[key]

    def ok(self, quote: dict[str, Any]) -> bool:
        text = self._text(quote["path"], quote.get("record"))
        return text is not None and text[quote["start"]:quote["end"]] == quote["text"]


def evaluate_questions(ask: Callable[..., dict[str, Any]], questions: Sequence[EvalQuestion],
                       corpus: Path, *, k: int = 10, warm_up: bool = True) -> list[QuestionResult]:
    """Ask every question (follow-ups with their previous question as history)."""
    by_id = {q.id: q for q in questions}
    checker = FidelityChecker(corpus)
    if warm_up and questions:
        ask(questions[0].question, [], k)
    results = []
    for q in questions:
        history = [by_id[q.follow_up_of].question] if q.follow_up_of in by_id else []
        t0 = time.perf_counter()
        try:
            answer = ask(q.question, history, k, q.as_of) if q.as_of else ask(
                q.question, history, k)
            error = None
        except AskCorpusError as e:
            answer, error = {"answered": False, "quotes": [], "related": [],
                             "confidence": 0.0}, str(e)
        latency = (time.perf_counter() - t0) * 1000
        quotes = answer["quotes"] if answer["answered"] else []
        shown = quotes or answer.get("related", [])
        texts = [x["text"] for x in quotes]
        answer_rank = next((i for i in range(1, len(texts) + 1)
                            if answer_hit(texts[:i], q.answers, i)), None) if q.answers else None
        ranked = ranked_sources(shown, q.sources)
        results.append(QuestionResult(
            id=q.id, question=q.question, answerable=q.answerable, answered=answer["answered"],
            confidence=float(answer.get("confidence", 0.0)), answer_rank=answer_rank,
            source_rank=first_relevant_rank(ranked, set(q.sources)) if q.sources else None,
            quotes=[{k_: x.get(k_) for k_ in ("text", "path", "record", "start", "end", "score",
                                              "flags", "date")} for x in shown[:k]],
            fidelity_failures=sum(not checker.ok(x) for x in shown),
            latency_ms=latency, kind=q.kind, expected=list(q.answers), error=error,
            mark=marked_text(quotes[0]) if quotes else None))
    return results


def marked_text(quote: dict[str, Any]) -> str | None:
    """The span a quote marks as the answer (the whole quote when it marks none)."""
    s, e, start = quote.get("span_start"), quote.get("span_end"), quote.get("start")
    text = str(quote.get("text") or "")
    if s is None or e is None or start is None:
        return text or None
    return text[max(0, s - start):max(0, e - start)]


def summarize(results: Sequence[QuestionResult], questions: Sequence[EvalQuestion]
              ) -> dict[str, float]:
    answerable = [(r, q) for r, q in zip(results, questions) if q.answerable]
    with_sources = [(r, q) for r, q in zip(results, questions) if q.sources]
    metrics: dict[str, float] = {}
    for k in (1, 3, 5):
        hits = [r.answered and r.answer_rank is not None and r.answer_rank <= k
                for r, _ in answerable]
        metrics[f"answer@{k}"] = _mean(hits)
    for k in (1, 5):
        metrics[f"source@{k}"] = _mean([r.source_rank is not None and r.source_rank <= k
                                        for r, _ in with_sources])
    metrics["mrr@10"] = _mean([1.0 / r.source_rank if r.source_rank and r.source_rank <= 10
                               else 0.0 for r, _ in with_sources])
    metrics.update(abstention_scores([not r.answered for r in results],
                                     [not q.answerable for q in questions]))
    # the marked answer, where the first quote holds an expected answer (SQuAD EM / F1)
    marks = [span_em_f1(r.mark, q.answers) for r, q in answerable
             if r.answered and r.answer_rank == 1 and r.mark is not None]
    metrics["mark_em"] = _mean([m[0] for m in marks])
    metrics["mark_f1"] = _mean([m[1] for m in marks])
    n_quotes = sum(len(r.quotes) for r in results)
    failures = sum(r.fidelity_failures for r in results)
    metrics["quote_fidelity"] = 1.0 - failures / n_quotes if n_quotes else 1.0
    lat = [r.latency_ms for r in results]
    metrics["latency_p50_ms"] = percentile(lat, 50) if lat else 0.0
    metrics["latency_p95_ms"] = percentile(lat, 95) if lat else 0.0
    return {k: round(float(metrics[k]), 4) for k in METRIC_NAMES}


def _mean(xs: Sequence[bool | float]) -> float:
    return float(sum(xs)) / len(xs) if xs else 0.0


def results_as_dicts(results: Sequence[QuestionResult]) -> list[dict[str, Any]]:
    return [asdict(r) for r in results]


__all__ = ["METRIC_NAMES", "EvalQuestion", "FidelityChecker", "QuestionResult",
           "evaluate_questions", "load_questions", "mrr_at_k", "normalize", "ranked_sources",
           "results_as_dicts", "source_at_k", "summarize"]
