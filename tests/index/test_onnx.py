"""The ONNX backend: export once into the cache, match the torch model, import no torch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from askcorpus.config import Settings
from askcorpus.index.embedding import SentenceTransformerEmbedder, resolve_model

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]

SENTENCES = [
    "How many North Korean soldiers are fighting for Russia?",
    "Some 12,000 North Korean troops have been deployed to the Kursk region.",
    "The central bank raised interest rates by half a percentage point on Thursday.",
    "Shares in the retailer fell 7% after it warned on profits.",
    "Who proposed sending NATO troops to Ukraine for training?",
    "The striker scored twice as the home side came back from two goals down.",
    "Scientists say the new vaccine cut hospital admissions by almost 90%.",
    "Heavy rain caused flooding across the north of England overnight.",
    "Der Bundestag hat das Gesetz mit großer Mehrheit verabschiedet.",
    "ok",
    "Iran's provision of ballistic missiles to Russia was condemned by the G7.",
    "The film won three Oscars, including best director.",
    "Prime Minister said the talks were 'constructive' but no deal was reached.",
    "A 3.2GHz quad-core processor with 16GB of RAM.",
    "Is the report of 800,000 troops confirmed?",
    "The company's chief executive resigned amid an inquiry into accounting errors.",
    "Mobile phone sales in Europe rose for the third quarter in a row.",
    "Protesters gathered outside parliament demanding early elections.",
    " ".join(["A very long sentence about the economy and markets and trade."] * 40),  # > 256
    "Poland's air-defence plan was backed by the Baltic states and Finland.",
]


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One fresh export cache for this module (exported once, by the first test using it)."""
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture
def cache_env(onnx_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ASKCORPUS_CACHE", str(onnx_cache))
    return onnx_cache


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    emb = SentenceTransformerEmbedder(resolve_model("all-MiniLM-L6-v2"), device="cpu")
    return emb.embed_documents(SENTENCES)


def test_cosine_to_torch_and_names(cache_env: Path, torch_vectors: np.ndarray) -> None:
    from askcorpus.index.onnx_embedder import OnnxEmbedder

    spec = resolve_model("all-MiniLM-L6-v2")
    int8 = OnnxEmbedder(spec, quantized=True, batch_size=8)
    fp32 = OnnxEmbedder(spec, quantized=False, batch_size=8)
    assert int8.name == f"{spec.name}@onnx" and fp32.name == spec.name  # build-key rule
    v8, v32 = int8.embed_documents(SENTENCES), fp32.embed_documents(SENTENCES)
    for v in (v8, v32):
        assert v.dtype == np.float32 and v.shape == (len(SENTENCES), spec.dim)
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    cos8 = (v8 * torch_vectors).sum(axis=1)
    cos32 = (v32 * torch_vectors).sum(axis=1)
    assert cos32.min() >= 0.9999, cos32
    real = [i for i, t in enumerate(SENTENCES) if len(t.split()) > 1]
    assert cos8[real].min() >= 0.98, cos8
    # a one-word input is int8's worst case (dynamic activation ranges from 3 tokens)
    assert cos8.min() >= 0.95, cos8
    # a query alone (no padding) gives the same vector as inside a padded batch
    np.testing.assert_allclose(fp32.embed_query(SENTENCES[0]), v32[0], atol=1e-4)
    # (int8 activations are quantized per batch, so its vectors move a little with batch-mates)
    assert float(int8.embed_query(SENTENCES[0]) @ v8[0]) >= 0.99
    # progress: called per block, adding up to the number of texts
    seen: list[int] = []
    int8.block = 8
    int8.embed_documents(SENTENCES, progress=seen.append)
    assert sum(seen) == len(SENTENCES) and len(seen) >= 2
    meta = json.loads((cache_env / "onnx").glob("*/meta.json").__next__().read_text())
    assert meta["fp32"]["fused_operators"] and "vnni" in meta["model.int8.onnx"]


def test_second_construction_reuses_the_cache(cache_env: Path) -> None:
    import askcorpus.index.onnx_embedder as oe

    spec = resolve_model("all-MiniLM-L6-v2")
    first = oe.OnnxEmbedder(spec)
    first.warm_up()
    assert first.model_file is not None
    made, mtime = oe.exports_made, first.model_file.stat().st_mtime_ns
    second = oe.OnnxEmbedder(spec)
    second.warm_up()
    assert second.model_file == first.model_file
    assert oe.exports_made == made and first.model_file.stat().st_mtime_ns == mtime
    assert not [p for p in first.model_file.parent.iterdir() if p.suffix == ".tmp"]


def test_query_path_imports_no_torch(cache_env: Path) -> None:
    # the exports exist (earlier tests made them in this cache); a fresh process only runs them
    from askcorpus.index.onnx_embedder import OnnxEmbedder

    OnnxEmbedder(resolve_model("all-MiniLM-L6-v2"), quantized=False).warm_up()
    code = (
        "import sys\n"
        "from askcorpus.index.embedding import resolve_model\n"
        "from askcorpus.index.onnx_embedder import OnnxEmbedder\n"
        "from askcorpus.pipeline import make_query_embedder\n"
        "from askcorpus.config import Settings\n"
        "spec = resolve_model('all-MiniLM-L6-v2')\n"
        "for e in (OnnxEmbedder(spec), make_query_embedder(Settings(), spec)):\n"
        "    assert e.embed_query('a question').shape == (spec.dim,)\n"
        "    assert e.embed_documents(['one sentence', 'two']).shape == (2, spec.dim)\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
        "bad = [m for m in heavy if m in sys.modules]\n"
        "print('HEAVY', bad)\n"
    )
    env = {**os.environ, "ASKCORPUS_CACHE": str(cache_env)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout
    assert "HEAVY []" in out, out


def test_index_and_ask_with_onnx_backend(cache_env: Path, tmp_path: Path) -> None:
    from askcorpus.index.store.folder import read_manifest
    from askcorpus.pipeline import Pipeline

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = Settings(corpus=corpus, index=tmp_path / "index", backend="onnx")
    summary = Pipeline(settings).index()
    assert summary.chunks > 0 and summary.embedded_chunks == summary.chunks
    manifest = read_manifest(settings.index)
    assert manifest["model"]["name"].endswith("@onnx") and manifest["model"]["backend"] == "onnx"
    pipe = Pipeline(settings)  # a fresh process would do the same: query with the int8 model
    answer = pipe.ask("How many North Korean soldiers are fighting for Russia?")
    assert answer.answered
    assert any("12,000" in q.text for q in answer.quotes), [q.text for q in answer.quotes]
    assert Pipeline(settings).index().up_to_date  # unchanged corpus: nothing embedded


def test_auto_backend_new_index_is_int8_and_follows_an_existing_torch_index(
        cache_env: Path, tmp_path: Path) -> None:
    """backend=auto (the default): a new index on CPU is built with the int8 model; an index
    built with torch keeps being queried and updated with torch's vectors, never re-embedded."""
    from askcorpus.index.store.folder import read_manifest
    from askcorpus.pipeline import Pipeline

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    fresh = Settings(corpus=corpus, index=tmp_path / "fresh")
    assert fresh.backend == "auto" and fresh.fresh_backend() == "onnx"
    Pipeline(fresh).index()
    assert read_manifest(fresh.index)["model"]["backend"] == "onnx"

    torch_built = Settings(corpus=corpus, index=tmp_path / "torch", backend="torch")
    Pipeline(torch_built).index()
    auto = Pipeline(torch_built.replace(backend="auto"))
    assert auto.embedding_backend == "torch"
    assert auto.index().up_to_date  # same build key: nothing re-embedded
    answer = auto.ask("How many North Korean soldiers are fighting for Russia?")
    assert any("12,000" in q.text for q in answer.quotes), [q.text for q in answer.quotes]
    # asking an int8 index with backend=torch is a clear mismatch, not silently wrong vectors
    from askcorpus.errors import IndexMismatchError

    with pytest.raises(IndexMismatchError, match="all-MiniLM-L6-v2@onnx"):
        Pipeline(fresh.replace(backend="torch")).ask("Who proposed sending NATO troops?")


def test_auto_backend_on_a_gpu_device_is_torch() -> None:
    assert Settings(device="cuda").fresh_backend() == "torch"
    assert Settings(device="cuda:1", backend="onnx").fresh_backend() == "onnx"
    assert Settings(device="cpu").fresh_backend() == "onnx"
