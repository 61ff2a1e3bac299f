"""Stage 3, the answer: takes a question (a follow-up resolved against the last one) and an
open index, and gives an :class:`~askcorpus.types.Answer`: retrieval (dense + BM25, fused;
optionally reranked) finds chunks, their sentences become candidates ranked by features and
the optional reader, the best become verbatim quotes with every supporting article, doubts
and disagreement flagged, or an honest "not in the corpus"."""

from __future__ import annotations

from .candidates import AnswerSettings
from .compose import compose
from .followup import focus_of, resolve_followup
from .markdown import answer_markdown
from .reader import Reader, ReaderInput, reader_status
from .rerank import CrossEncoderReranker, ReaderReranker, Reranker, rerank
from .retrieve import MODES, retrieve

__all__ = ["MODES", "AnswerSettings", "CrossEncoderReranker", "Reader", "ReaderInput",
           "ReaderReranker", "Reranker", "answer_markdown", "compose", "focus_of",
           "reader_status", "rerank", "resolve_followup", "retrieve"]
