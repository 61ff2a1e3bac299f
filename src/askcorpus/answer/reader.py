"""askcorpus's own answer reader: a small cross-encoder that reads a question together with one
candidate sentence (and what that sentence needs to be understood: the sentence before it in the
same paragraph and the article's headline) and scores whether the sentence answers it.

The model is trained by ``training/train_reader.py`` from the packaged all-MiniLM-L6-v2 weights
and ships inside this package as int8 ONNX (``models/reader/``) with its tokenizer and a model
card. Running it needs onnxruntime + tokenizers + numpy only (no torch, no transformers); it is
loaded on first use and checked against the SHA-256 its ``meta.json`` records.

Scores are logits (higher: likelier to answer); ``meta.json``'s ``context`` says whether the
model reads the sentence before the candidate (``title+before``) or the headline only.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError

READER_DIR = Path(__file__).resolve().parents[1] / "models" / "reader"
MODEL_FILE = "reader.int8.onnx"
# word pieces given to each part (the whole pair stays well under the model's 256)
MAX_QUESTION = 40
MAX_SENTENCE = 72
MAX_TITLE = 16
MAX_BEFORE = 32


@dataclass(frozen=True, slots=True)
class ReaderInput:
    """What the reader may see of one candidate besides the question."""

    sentence: str
    before: str = ""  # the sentence before it in the same paragraph ("" at a paragraph start)
    title: str = ""  # the article's headline


def pack(question: list[int], sentence: list[int], title: list[int], before: list[int],
         cls: int, sep: int, max_sentence: int = MAX_SENTENCE) -> tuple[list[int], list[int]]:
    """``[CLS] question [SEP] sentence [SEP] title ; before [SEP]`` as ids and token types.

    The candidate comes right after the question, so truncation only ever shortens context;
    of the sentence before, the end is kept (the words next to the candidate).
    """
    q = question[:MAX_QUESTION]
    s = sentence[:max_sentence]
    t = title[:MAX_TITLE]
    b = before[-MAX_BEFORE:] if before else []
    first = [cls, *q, sep]
    second = [*s, sep, *t, *b, sep]
    return first + second, [0] * len(first) + [1] * len(second)


class PackagedModel:
    """One of askcorpus's own int8 ONNX models (the shipped one, or one in ``folder``): its
    ``meta.json``, its file checked against the SHA-256 there, an onnxruntime session and its
    tokenizer, loaded on first use, one session a process per object (the Pipeline keeps one)."""

    KIND = "model"  # what the error messages call it
    HINT = "reinstall askcorpus"
    DEFAULT_DIR = READER_DIR
    DEFAULT_FILE = MODEL_FILE

    def __init__(self, folder: Path | str | None = None, threads: int | None = None,
                 verify: bool = True) -> None:
        self.folder = Path(folder).expanduser() if folder else self.DEFAULT_DIR
        self.threads = threads
        self.verify = verify
        self._session: Any = None
        self._tokenizer: Any = None
        self._meta: dict[str, Any] | None = None
        self._lock = threading.Lock()

    @property
    def meta(self) -> dict[str, Any]:
        if self._meta is None:
            path = self.folder / "meta.json"
            try:
                self._meta = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ModelError(f"the {self.KIND} is missing ({path} not found): "
                                 f"{self.HINT}") from None
            except (OSError, ValueError) as e:
                raise ModelError(f"the {self.KIND}'s {path} is unreadable ({e}): "
                                 f"{self.HINT}") from None
        return self._meta

    @property
    def name(self) -> str:
        return str(self.meta.get("name", "askcorpus-reader"))

    @property
    def model_file(self) -> Path:
        return self.folder / str(self.meta.get("file", self.DEFAULT_FILE))

    def checked_bytes(self) -> bytes:
        """The model file, checked against the SHA-256 in meta.json (ModelError if it is
        missing or damaged)."""
        path = self.model_file
        if not path.is_file():
            raise ModelError(f"the {self.KIND} is missing ({path} not found): {self.HINT}")
        data = path.read_bytes()
        want = self.meta.get("sha256")
        if self.verify and want and hashlib.sha256(data).hexdigest() != want:
            raise ModelError(f"the {self.KIND} {path} is damaged (its SHA-256 is not the "
                             f"one in meta.json): {self.HINT}")
        return data

    def warm_up(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            path = self.model_file
            data = self.checked_bytes()
            from tokenizers import Tokenizer

            from ..index.onnx_embedder import cpu_session, default_threads

            try:
                session = cpu_session(data, self.threads or default_threads())
                tok = Tokenizer.from_file(str(self.folder / "tokenizer.json"))
            except Exception as e:
                raise ModelError(f"could not load the {self.KIND} {path}: {e}; "
                                 f"{self.HINT}") from None
            tok.no_padding()
            tok.no_truncation()
            self._tokenizer = tok
            self._inputs = tuple(i.name for i in session.get_inputs())
            self._session = session

    def feed(self, pairs: Sequence[tuple[list[int], list[int]]]) -> dict[str, np.ndarray]:
        """The model's inputs for encoded pairs: one batch, padded to the longest pair."""
        return {k: v for k, v in batch_feed(pairs).items() if k in self._inputs}


class Reader(PackagedModel):
    """The shipped reader (or one in ``folder``): a logit per (question, candidate) pair."""

    KIND = "answer reader"
    HINT = "reinstall askcorpus, or set ASKCORPUS_READER=off"

    @property
    def reads_before(self) -> bool:
        """Whether this reader was trained with the sentence before the candidate."""
        return self.meta.get("context", "title+before") == "title+before"

    def encode(self, question: str, items: Sequence[ReaderInput],
               max_sentence: int = MAX_SENTENCE) -> list[tuple[list[int], list[int]]]:
        self.warm_up()
        if not self.reads_before:
            items = [ReaderInput(it.sentence, "", it.title) for it in items]
        return encode_pairs(self._tokenizer, question, items, max_sentence)

    def score(self, question: str, items: Sequence[ReaderInput]) -> np.ndarray:
        """One logit per item (higher: likelier to answer the question)."""
        if not items:
            return np.zeros(0, np.float32)
        pairs = self.encode(question, items)
        return self.run(pairs)

    def run(self, pairs: Sequence[tuple[list[int], list[int]]]) -> np.ndarray:
        """Logits for encoded pairs, one batch padded to the longest."""
        self.warm_up()
        out = self._session.run(["logits"], self.feed(pairs))[0]
        return np.asarray(out, np.float32).reshape(len(pairs))


def batch_feed(pairs: Sequence[tuple[Sequence[int], Sequence[int]]]) -> dict[str, np.ndarray]:
    """``input_ids``, ``attention_mask`` and ``token_type_ids`` of (ids, types) pairs, padded
    to the longest."""
    width = max(len(ids) for ids, _ in pairs)
    ids = np.zeros((len(pairs), width), np.int64)
    types = np.zeros_like(ids)
    mask = np.zeros_like(ids)
    for r, (x, t) in enumerate(pairs):
        ids[r, :len(x)] = x
        types[r, :len(t)] = t
        mask[r, :len(x)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}


def encode_pairs(tokenizer: Any, question: str, items: Sequence[ReaderInput],
                 max_sentence: int = MAX_SENTENCE) -> list[tuple[list[int], list[int]]]:
    """Token ids and types of each (question, candidate) pair: the one encoding that training
    and answering share. ``tokenizer`` is a ``tokenizers.Tokenizer`` (no padding/truncation)."""
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    texts = [question]
    for it in items:
        texts += [it.sentence, it.title, it.before]
    encs = tokenizer.encode_batch(texts, add_special_tokens=False)
    q = encs[0].ids
    out = []
    for j in range(len(items)):
        s, t, b = encs[1 + 3 * j].ids, encs[2 + 3 * j].ids, encs[3 + 3 * j].ids
        out.append(pack(q, s, t, b, cls, sep, max_sentence))
    return out


def reader_status(folder: Path | None = None,
                  kind: type[PackagedModel] = Reader) -> dict[str, Any]:
    """What ``askcorpus info`` says of the reader (or another ``kind`` of model): its file
    checked, the model not loaded."""
    r = kind(folder)
    try:
        meta = r.meta
        r.checked_bytes()
    except ModelError as e:
        return {"available": False, "error": str(e)}
    return {"available": True, "name": meta.get("name"),
            "file": str(r.model_file), "sha256": meta.get("sha256"),
            "metrics": meta.get("metrics", {})}
