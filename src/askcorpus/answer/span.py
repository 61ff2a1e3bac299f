"""askcorpus's answer-span model: marks the exact answer inside a quoted sentence.

It reads what the answer reader reads (the question, the sentence, its headline and the sentence
before, :func:`askcorpus.answer.reader.pack`) and gives each word piece of the sentence a start
and an end logit, and ``[CLS]`` a "no answer in this sentence" logit. The best span of whole
words (at most ``MAX_ANSWER_PIECES``) is marked when its score beats ``[CLS]`` by the
threshold in ``meta.json``; otherwise the answer-type rules' mark stays.

Trained by ``training/train_span.py`` on SQuAD 2.0 half-a from the packaged all-MiniLM-L6-v2
weights; ships as int8 ONNX in ``models/span/`` with its tokenizer and model card, loaded with
onnxruntime + tokenizers on first use and checked against its SHA-256.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .reader import MAX_QUESTION, PackagedModel, ReaderInput, pack

SPAN_DIR = Path(__file__).resolve().parents[1] / "models" / "span"
SPAN_FILE = "span.int8.onnx"
MAX_SPAN_SENTENCE = 96  # word pieces of the sentence the model reads (a mark beyond: none)
MAX_ANSWER_PIECES = 30


def encode_span(tokenizer: Any, question: str, item: ReaderInput,
                max_sentence: int = MAX_SPAN_SENTENCE
                ) -> tuple[list[int], list[int], int, list[tuple[int, int]], list[bool]]:
    """(ids, token types, position of the sentence's first piece, the character offsets of
    the sentence's pieces, whether each piece starts a word) of one (question, sentence)
    pair: the one encoding that training and marking share."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q, s, t, b = tokenizer.encode_batch([question, item.sentence, item.title, item.before],
                                        add_special_tokens=False)
    ids, types = pack(q.ids, s.ids, t.ids, b.ids, cls, sep, max_sentence)
    n = min(len(s.ids), max_sentence)
    words = s.word_ids[:n]
    starts = [k == 0 or words[k] != words[k - 1] for k in range(n)]
    return ids, types, len(q.ids[:MAX_QUESTION]) + 2, list(s.offsets[:n]), starts


def best_span(start: np.ndarray, end: np.ndarray, first: int, offsets: Sequence[tuple[int, int]],
              word_starts: Sequence[bool], max_pieces: int = MAX_ANSWER_PIECES
              ) -> tuple[int, int, float] | None:
    """The best span of whole words as (start char, end char, its score minus the
    "no answer" score), or None for an empty sentence."""
    n = len(offsets)
    if n == 0:
        return None
    s = np.asarray(start[first:first + n], np.float64)
    e = np.asarray(end[first:first + n], np.float64)
    ok_start = np.asarray(word_starts, bool)
    ok_end = np.append(ok_start[1:], True)  # a span ends where the next word starts
    s = np.where(ok_start, s, -np.inf)
    e = np.where(ok_end, e, -np.inf)
    grid = s[:, None] + e[None, :]
    i, j = np.indices(grid.shape)
    grid[(j < i) | (j - i >= max_pieces)] = -np.inf
    a, b = np.unravel_index(int(np.argmax(grid)), grid.shape)
    if not np.isfinite(grid[a, b]):
        return None
    return int(offsets[a][0]), int(offsets[b][1]), float(grid[a, b] - (start[0] + end[0]))


class SpanModel(PackagedModel):
    """The shipped span model (or one in ``folder``), loaded on first use."""

    KIND = "answer-span model"
    HINT = "reinstall askcorpus, or set ASKCORPUS_SPANS=off"
    DEFAULT_DIR = SPAN_DIR
    DEFAULT_FILE = SPAN_FILE

    @property
    def threshold(self) -> float:
        return float(self.meta.get("threshold", 0.0))

    def find_many(self, question: str, items: Sequence[ReaderInput]
                  ) -> list[tuple[int, int, float] | None]:
        """For each sentence: its best answer span (character offsets in the sentence and the
        margin over "no answer"), or None. One batch."""
        if not items:
            return []
        self.warm_up()
        encs = [encode_span(self._tokenizer, question, it) for it in items]
        zs, ze = self._session.run(["start_logits", "end_logits"],
                                   self.feed([(e[0], e[1]) for e in encs]))
        return [best_span(zs[r], ze[r], e[2], e[3], e[4]) for r, e in enumerate(encs)]

    def find(self, question: str, item: ReaderInput) -> tuple[int, int, float] | None:
        return self.find_many(question, [item])[0]

    def mark(self, question: str, items: Sequence[ReaderInput]
             ) -> list[tuple[int, int] | None]:
        """The answer span to mark in each sentence, or None where the model finds none."""
        cut = self.threshold
        return [(f[0], f[1]) if f and f[2] >= cut else None
                for f in self.find_many(question, items)]
