"""Measuring answers: takes question sets (askcorpus's JSONL, SQuAD 2.0, BEIR) and a
pipeline, and gives per-question results, metrics (answer@k, source@k, abstention, quote
fidelity, nDCG/MRR/recall) and reports. ``askcorpus eval`` runs it (``runner.run_eval``).
The stages never import this package."""

from __future__ import annotations

from .questions import EvalQuestion, QuestionResult, evaluate_questions, load_questions, summarize
from .runner import run_eval

__all__ = ["EvalQuestion", "QuestionResult", "evaluate_questions", "load_questions",
           "run_eval", "summarize"]
