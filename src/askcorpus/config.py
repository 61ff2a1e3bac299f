"""One settings object, built from defaults and ``ASKCORPUS_*`` environment variables.

Nothing reads the environment at import time; call :func:`Settings.from_env` explicitly.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def cache_root() -> Path:
    """Where askcorpus keeps what it can remake (ONNX exports, prepared benchmarks):
    ``ASKCORPUS_CACHE``, default ``~/.cache/askcorpus``. Deleting it is always safe."""
    return Path(os.environ.get("ASKCORPUS_CACHE") or "~/.cache/askcorpus").expanduser()


def force_offline() -> None:
    """Make sure no library we load ever tries the network."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value


@dataclass(frozen=True)
class Settings:
    corpus: Path = Path("corpus")
    index: Path = Path("index")
    store: str = ""  # empty: the folder store at `index`; or a postgresql:// URL (pgvector)
    pg_schema: str = "askcorpus"  # the PostgreSQL schema holding the index's tables
    model: str = DEFAULT_MODEL  # model name or a local folder
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    # auto: the backend an existing index was built with; for a new index int8 ONNX on CPU,
    # torch on a GPU. onnx: int8 ONNX (onnxruntime). torch: sentence-transformers.
    backend: str = "auto"
    batch_size: int = 64
    chunk_tokens: int = 200  # word pieces per chunk; the model reads at most 256 incl. specials
    chunk_overlap: int = 40
    title_context: int = 1  # 1: embed and BM25-index each chunk with its headline in front
    ann_threshold: int = 50_000  # above this many chunks, use an approximate (HNSW) index
    hnsw_m: int = 32
    hnsw_ef_search: int = 128
    top_k: int = 5
    mode: str = "hybrid"  # dense | bm25 | hybrid | rerank (hybrid, then a cross-encoder)
    # the reranker of --mode rerank: empty means askcorpus's own reader (answer/reader.py); or a
    # local sentence-transformers CrossEncoder folder
    reranker: str = ""
    # on: askcorpus's answer reader also ranks candidate sentences and decides abstention;
    # off: the feature ranking alone (the default until the reader beats it on every dev set:
    # see docs/BENCHMARKS.md, "The answer reader"); or a folder holding another reader
    # (reader.int8.onnx, tokenizer.json, meta.json). --mode rerank uses the reader either way.
    reader: str = "off"
    # on: askcorpus's answer-span model marks the exact answer inside each quote (the
    # answer-type rules mark typed answers either way); off: the rules alone; or a folder
    # holding another span model (span.int8.onnx, tokenizer.json, meta.json)
    spans: str = "on"
    candidates: int = 50  # chunks fetched from each retriever before fusion
    # pooled: sentence vectors made while indexing | embed: embed candidates while answering
    sentence_vectors: str = "pooled"
    rrf_k: int = 60
    max_file_mb: float = 20.0
    max_question_chars: int = 2000
    # what one web upload may cost (docs/WEB.md): chunks per article, and per change (one
    # Add: all its files together); estimated from the words before anything is embedded
    max_article_chunks: int = 2000
    max_change_chunks: int = 5000

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Defaults, then ``ASKCORPUS_<FIELD>`` variables, then explicit overrides (not None)."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = os.environ.get(f"ASKCORPUS_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.type, raw, f.name)
        values.update({k: v for k, v in overrides.items() if v is not None})
        for key in ("corpus", "index"):
            if key in values:
                values[key] = Path(values[key])
        return cls(**values)

    def __post_init__(self) -> None:
        from .errors import AskCorpusError

        for name, allowed in (("backend", ("auto", "onnx", "torch")),
                              ("sentence_vectors", ("pooled", "embed")),
                              ("reader", ("on", "off")), ("spans", ("on", "off"))):
            value = getattr(self, name)
            model = {"reader": "a reader", "spans": "a span model"}.get(name)
            if model and value not in allowed and Path(value).expanduser().is_dir():
                continue
            if value not in allowed:
                if model:
                    allowed = (*allowed, f"a folder holding {model}")
                raise AskCorpusError(f"{name}={value!r}: choose {', '.join(allowed)} "
                                     f"(ASKCORPUS_{name.upper()})")

    def fresh_backend(self) -> str:
        """The backend a new index is built with: ``backend`` unless it is auto."""
        if self.backend != "auto":
            return self.backend
        return "torch" if self.device.startswith(("cuda", "mps")) else "onnx"

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _coerce(type_name: Any, raw: str, name: str) -> Any:
    from .errors import AskCorpusError

    t = str(type_name)
    try:
        if t == "int":
            return int(raw)
        if t == "float":
            return float(raw)
    except ValueError:
        raise AskCorpusError(f"ASKCORPUS_{name.upper()}={raw!r} is not a number") from None
    if t == "Path":
        return Path(raw)
    return raw
