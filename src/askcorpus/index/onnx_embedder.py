"""Embeddings from an ONNX export of the model, run with onnxruntime + tokenizers + numpy only.

The export is made once, on first use (or ahead of time with ``python -m
askcorpus.onnx_embedder``), into a writable cache::

    $ASKCORPUS_CACHE/onnx/<model>-<hash>/     (default ~/.cache/askcorpus)
      model.fp32.onnx       the transformer, fused for ORT (numerically the torch model)
      model.int8.onnx       dynamic int8 quantization of its MatMuls (per-channel weights)
      meta.json             how each file was made: versions, CPU flags, quantization options

Exporting needs torch, transformers and onnx; running needs none of them: importing this module
and embedding with it never imports torch, transformers or sentence-transformers.

Two variants, named by the rule "an index is only ever queried with vectors of its own model":

* ``OnnxEmbedder(spec, quantized=True)``: int8, ``name = f"{spec.name}@onnx"``. Its vectors differ
  slightly from the torch model's (cosine ~0.995), so indexes built with it carry that name.
* ``OnnxEmbedder(spec, quantized=False)``: fp32, ``name = spec.name``. The same model as torch
  (cosine > 0.9999), so it may serve queries for an index built with torch (the light query path).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import platform
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..config import cache_root
from ..errors import ModelError
from .embedding import ModelSpec

EXPORT_RECIPE = 2  # bump when the export or quantization recipe changes: a new cache folder
FP32_FILE = "model.fp32.onnx"
INT8_OPS = ["MatMul"]  # not the fused Attention (its Q/K/V projection): as fast, closer to fp32
exports_made = 0  # exports + quantizations done by this process (tests: the cache is reused)


# -- the cache ----------------------------------------------------------------------------
def cpu_flags() -> set[str]:
    """The CPU's feature flags (Linux /proc/cpuinfo); empty where they cannot be read."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def has_vnni(flags: set[str] | None = None) -> bool:
    """int8 dot-product instructions: ORT's int8 GEMMs are fast only with them."""
    flags = cpu_flags() if flags is None else flags
    return bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})


def _fingerprint(spec: ModelSpec) -> str:
    """Identifies the model files (by name, size, mtime) and the export recipe; no hashing of
    the 90 MB weights, so a cold start stays cheap."""
    h = hashlib.sha256(f"{spec.name}\n{spec.max_tokens}\nrecipe {EXPORT_RECIPE}\n".encode())
    for p in sorted(spec.path.iterdir()):
        if p.is_file() and (p.suffix in (".json", ".safetensors", ".bin", ".txt")):
            st = p.stat()
            h.update(f"{p.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:12]


def export_dir(spec: ModelSpec) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", spec.name.split("/")[-1]).strip("_") or "model"
    return cache_root() / "onnx" / f"{slug}-{_fingerprint(spec)}"


def int8_file(reduce_range: bool) -> str:
    return "model.int8-rr.onnx" if reduce_range else "model.int8.onnx"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One exporting process per folder; others wait, then find the files made."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def _atomic_target(final: Path) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp", dir=final.parent)
    os.close(fd)
    os.chmod(tmp, 0o644)  # mkstemp makes 0600; a shared cache should be readable
    return Path(tmp)


def _publish(tmp: Path, final: Path) -> None:
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, final)


def ensure_export(spec: ModelSpec, quantized: bool) -> Path:
    """The ONNX file for ``spec`` (int8 or fp32), exported into the cache if not there yet."""
    folder = export_dir(spec)
    reduce_range = not has_vnni()
    target = folder / (int8_file(reduce_range) if quantized else FP32_FILE)
    if target.is_file():
        return target
    try:
        with _locked(folder):
            if not (folder / FP32_FILE).is_file():
                _export_fp32(spec, folder)
            if quantized and not target.is_file():
                _quantize(folder, target, reduce_range)
    except ModelError:
        raise
    except Exception as e:
        raise ModelError(f"could not export {spec.name} to ONNX in {folder}: "
                         f"{type(e).__name__}: {e}") from e
    return target


def _update_meta(folder: Path, key: str, value: dict[str, Any]) -> None:
    path = folder / "meta.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}
    meta[key] = value
    tmp = _atomic_target(path)
    tmp.write_text(json.dumps(meta, indent=1), encoding="utf-8")
    _publish(tmp, path)


def _export_fp32(spec: ModelSpec, folder: Path) -> None:
    """torch.onnx.export of the transformer (token ids + mask -> token states), then ORT's
    transformer fusions (embedding + layer norm, attention, bias + GELU, skip + layer norm)."""
    global exports_made
    import warnings

    import torch
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as hf_logging

    from ..config import force_offline

    force_offline()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    t0 = time.perf_counter()
    config = AutoConfig.from_pretrained(str(spec.path), local_files_only=True)
    try:
        model = AutoModel.from_pretrained(str(spec.path), local_files_only=True,
                                          attn_implementation="eager")
    except (TypeError, ValueError):
        model = AutoModel.from_pretrained(str(spec.path), local_files_only=True)
    model.eval()
    uses_types = getattr(config, "type_vocab_size", 0) > 0

    class Encoder(torch.nn.Module):
        def __init__(self, m: Any) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            extra = {"token_type_ids": torch.zeros_like(input_ids)} if uses_types else {}
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          **extra).last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]], dtype=torch.long)
    mask = (ids != 0).long()
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
            "last_hidden_state": {0: "batch", 1: "tokens"}}
    raw = _atomic_target(folder / "model.raw.onnx")
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            kwargs: dict[str, Any] = {
                "input_names": ["input_ids", "attention_mask"],
                "output_names": ["last_hidden_state"], "dynamic_axes": axes,
                "opset_version": 17, "do_constant_folding": True}
            try:  # the TorchScript exporter: no onnxscript needed, fusable graph
                torch.onnx.export(Encoder(model), (ids, mask), str(raw), dynamo=False, **kwargs)
            except TypeError:  # a torch without the dynamo switch
                torch.onnx.export(Encoder(model), (ids, mask), str(raw), **kwargs)
        fused, stats = _fuse(raw, config)
        final = folder / FP32_FILE
        tmp = _atomic_target(final)
        if fused is not None:
            fused.save_model_to_file(str(tmp), use_external_data_format=False)
        else:
            os.replace(raw, tmp)
        _publish(tmp, final)
    finally:
        raw.unlink(missing_ok=True)
    import onnxruntime

    exports_made += 1
    _update_meta(folder, "fp32", {
        "model": spec.name, "source": str(spec.path), "recipe": EXPORT_RECIPE,
        "torch": torch.__version__, "onnxruntime": onnxruntime.__version__, "opset": 17,
        "fused_operators": stats, "seconds": round(time.perf_counter() - t0, 1),
        "made_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")})


def _fuse(raw: Path, config: Any) -> tuple[Any, dict[str, int]]:
    """ORT's BERT-family fusions, or (None, {}) for other architectures / on failure."""
    model_type = getattr(config, "model_type", "")
    if model_type not in ("bert", "roberta", "distilbert", "xlm-roberta", "mpnet"):
        return None, {}
    try:
        from onnxruntime.transformers.optimizer import optimize_model

        kind = "bert" if model_type in ("xlm-roberta", "mpnet", "roberta") else model_type
        fused = optimize_model(str(raw), model_type=kind,
                               num_heads=int(config.num_attention_heads),
                               hidden_size=int(config.hidden_size), opt_level=1)
        stats = {k: int(v) for k, v in fused.get_fused_operator_statistics().items() if v}
        return fused, stats
    except Exception:  # unfused still runs: ORT applies its own generic optimizations
        return None, {}


def _quantize(folder: Path, target: Path, reduce_range: bool) -> None:
    """Dynamic int8: per-channel int8 weights for the MatMuls (attention output, both FFN
    layers), activations quantized at run time; the fused Attention stays fp32.
    ``reduce_range`` (7-bit weights) on CPUs without VNNI, where the u8 x s8 kernels could
    otherwise saturate."""
    import logging

    import onnx
    import onnxruntime
    from onnxruntime.quantization import QuantType, quantize_dynamic

    t0 = time.perf_counter()
    tmp = _atomic_target(target)
    level = logging.getLogger().level
    logging.getLogger().setLevel(logging.ERROR)  # "consider pre-processing" notices
    try:
        quantize_dynamic(str(folder / FP32_FILE), str(tmp), weight_type=QuantType.QInt8,
                         per_channel=True, reduce_range=reduce_range,
                         op_types_to_quantize=INT8_OPS,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
        _publish(tmp, target)
    finally:
        logging.getLogger().setLevel(level)
        tmp.unlink(missing_ok=True)
    global exports_made
    exports_made += 1
    flags = cpu_flags()
    _update_meta(folder, target.name, {
        "weight_type": "QInt8", "per_channel": True, "reduce_range": reduce_range,
        "op_types": INT8_OPS, "onnxruntime": onnxruntime.__version__,
        "cpu": platform.processor() or platform.machine(),
        "cpu_flags": sorted(flags & {"avx2", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni",
                                     "amx_int8", "amx_tile"}),
        "vnni": has_vnni(flags),
        "note": "int8 is fast with VNNI; without it expect about torch speed or less",
        "seconds": round(time.perf_counter() - t0, 1)})


# -- the embedder --------------------------------------------------------------------------
def default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def cpu_session(model: str | bytes, threads: int) -> Any:
    """An onnxruntime CPU session (a file path or the model's bytes): sequential, all graph
    optimizations, ``threads`` intra-op threads that never spin."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # a spinning pool steals CPU from everything else in the process (torch, numpy)
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    opts.add_session_config_entry("session.inter_op.allow_spinning", "0")
    opts.log_severity_level = 3
    return ort.InferenceSession(model, sess_options=opts, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """Normalized float32 embeddings (mean pooling) from the ONNX export, loaded on first use.

    Texts are tokenized once, sorted by token count and padded per batch, so batches hold
    texts of similar length; input beyond the model's 256 word pieces is truncated.
    """

    block = 256  # texts per progress report

    def __init__(self, spec: ModelSpec, quantized: bool = True, batch_size: int = 64,
                 threads: int | None = None) -> None:
        self.spec = spec
        self.quantized = quantized
        self.name = f"{spec.name}@onnx" if quantized else spec.name
        self.backend = "onnx" if quantized else "onnx-fp32"
        self.dim = spec.dim
        self.batch_size = max(1, int(batch_size))
        self.threads = threads or default_threads()
        self.max_length = spec.max_tokens + 2  # [CLS] ... [SEP]
        self.model_file: Path | None = None
        self._session: Any = None
        self._inputs: tuple[str, ...] = ()
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    # -- loading ---------------------------------------------------------------------------
    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_file(str(self.spec.tokenizer_json))
            tok.no_padding()
            tok.enable_truncation(max_length=self.max_length)
            self._tokenizer = tok
        return self._tokenizer

    def warm_up(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is not None:
                return
            path = ensure_export(self.spec, self.quantized)
            try:
                session = cpu_session(str(path), self.threads)
            except Exception as e:
                raise ModelError(f"could not load the ONNX model {path}: {e}; delete that "
                                 "folder to export it again") from e
            _ = self.tokenizer
            self._inputs = tuple(i.name for i in session.get_inputs())
            self.model_file = path
            self._session = session

    # -- embedding -------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        """Word pieces without special tokens (the chunker's measure), memoized."""
        return _counter(str(self.spec.tokenizer_json))(text)

    def embed_documents(self, texts: Sequence[str],
                        progress: Callable[[int], None] | None = None) -> np.ndarray:
        return self._embed(texts, None, progress)[0]

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]],
                         progress: Callable[[int], None] | None = None
                         ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        """Like embed_documents, and also the mean token state inside each character span of
        each text (see late_pooling): sentence vectors from the same model run."""
        return self._embed(texts, spans, progress)

    def _embed(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]] | None,
               progress: Callable[[int], None] | None
               ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
        from .late_pooling import pool_spans

        self.warm_up()
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled: list[tuple[np.ndarray, np.ndarray]] = []
        if spans is not None:
            pooled = [(np.zeros((0, self.dim), np.float32), np.zeros(0, np.int64))] * len(texts)
        if not len(texts):
            return out, pooled
        encs = self.tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(e.ids) for e in encs), dtype=np.int64, count=len(encs))
        order = np.argsort(-lengths, kind="stable")  # longest first: a bad fit shows at once
        reported = 0
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            states, mask = self._states([encs[r].ids for r in rows])
            out[rows] = _mean_pool(states, mask)
            if spans is not None:
                for j, r in enumerate(rows):
                    pooled[r] = pool_spans(states[j, :lengths[r]],
                                           np.asarray(encs[r].offsets, np.int64), spans[r])
            done = min(start + self.batch_size, len(order))
            if progress and (done - reported >= self.block or done == len(order)):
                progress(done - reported)
                reported = done
        return out, pooled

    def embed_query(self, text: str) -> np.ndarray:
        self.warm_up()
        return self._run([self.tokenizer.encode(text).ids])[0]

    def _states(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        width = max(len(x) for x in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for r, x in enumerate(batch):
            input_ids[r, :len(x)] = x
            mask[r, :len(x)] = 1
        feed = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        states = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        return states, mask

    def _run(self, batch: list[list[int]]) -> np.ndarray:
        return _mean_pool(*self._states(batch))


def _mean_pool(states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask.astype(np.float32)
    pooled = np.einsum("btd,bt->bd", states, weights) / np.maximum(
        weights.sum(axis=1, keepdims=True), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


@lru_cache(maxsize=4)
def _counter(tokenizer_json: str) -> Callable[[str], int]:
    from .embedding import cached_wordpiece_counter

    return cached_wordpiece_counter(tokenizer_json)


def main(argv: Sequence[str] | None = None) -> int:
    """Make the exports ahead of time (e.g. at install): python -m askcorpus.onnx_embedder."""
    import argparse

    from ..config import DEFAULT_MODEL
    from .embedding import resolve_model

    parser = argparse.ArgumentParser(prog="python -m askcorpus.onnx_embedder",
                                     description="Export the model to ONNX (fp32 and int8) "
                                                 "into the askcorpus cache.")
    parser.add_argument("--model", default=os.environ.get("ASKCORPUS_MODEL") or DEFAULT_MODEL)
    args = parser.parse_args(argv)
    spec = resolve_model(args.model)
    for quantized in (False, True):
        print(ensure_export(spec, quantized))
    meta = export_dir(spec) / "meta.json"
    print(meta.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
