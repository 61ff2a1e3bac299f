"""Sentence vectors pooled from the chunk's token states while indexing (late pooling)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from askcorpus.config import Settings
from askcorpus.corpus.sentences import document_sentences
from askcorpus.index.late_pooling import SentenceAccumulator, chunk_spans, pool_spans

ROOT = Path(__file__).resolve().parents[2]


def test_pool_spans_averages_only_the_tokens_inside_each_span() -> None:
    states = np.arange(12, dtype=np.float32).reshape(6, 2)
    # [CLS] "ab" "cd" " ef" "gh" [SEP]: specials have empty ranges
    offsets = np.array([[0, 0], [0, 2], [2, 4], [5, 7], [7, 9], [0, 0]])
    pooled, counts = pool_spans(states, offsets, [(0, 4), (5, 9), (3, 6), (20, 30)])
    assert counts.tolist() == [2, 2, 0, 0]
    np.testing.assert_allclose(pooled[0], states[1:3].mean(axis=0))
    np.testing.assert_allclose(pooled[1], states[3:5].mean(axis=0))
    assert not pooled[2].any() and not pooled[3].any()


def test_chunk_spans_clip_sentences_and_shift_past_the_headline() -> None:
    sentences = [(0, 10), (11, 30), (31, 50)]
    which, spans = chunk_spans(sentences, chunk_start=11, chunk_end=40, shift=6)
    assert which == [1, 2]
    assert spans == [(6, 25), (26, 35)]  # doc offset - 11 + len("Title\n")


def test_stored_rows_are_int8_and_close_to_float32() -> None:
    from askcorpus.index.late_pooling import decode_rows, encode_rows

    rng = np.random.default_rng(0)
    m = rng.standard_normal((50, 384)).astype(np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    m[3] = 0  # a sentence never seen stays a zero row
    blob = encode_rows(m)
    assert len(blob) == 50 * (4 + 384)
    back = decode_rows(blob, 384)
    cos = np.sum(back * m, axis=1) / np.maximum(np.linalg.norm(back, axis=1), 1e-12)
    assert np.all(cos[np.arange(50) != 3] > 0.9999) and not back[3].any()
    np.testing.assert_array_equal(encode_rows(back), blob)  # re-storing an update: lossless
    old = decode_rows(m.astype(np.float16).tobytes(), 384, "float16")  # the first format
    np.testing.assert_allclose(old, m, atol=1e-3)


def test_accumulator_weights_pieces_by_token_count_and_normalizes() -> None:
    acc = SentenceAccumulator(2)
    acc.add("d", [0, 1], np.array([[1.0, 0.0], [0.0, 0.0]], np.float32), np.array([3, 0]))
    acc.add("d", [0], np.array([[0.0, 1.0]], np.float32), np.array([1]))
    m = acc.matrix("d", 3)
    assert m.shape == (3, 2)
    np.testing.assert_allclose(m[0], np.array([3, 1]) / np.sqrt(10), atol=1e-3)
    assert not m[1].any() and not m[2].any()  # never seen: zero row (embedded when needed)


class NoSentenceEmbedding:
    """Answers questions with a real model but fails if asked to embed candidate sentences."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim  # type: ignore[attr-defined]

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)  # type: ignore[attr-defined]

    def embed_documents(self, texts: object, progress: object = None) -> np.ndarray:
        raise AssertionError(f"embedded {texts!r} while answering")


@pytest.mark.integration
def test_index_stores_pooled_sentence_vectors_and_answering_runs_no_model_on_sentences(
        tmp_path: Path) -> None:
    from askcorpus.index.onnx_embedder import OnnxEmbedder
    from askcorpus.index.store.folder import open_index
    from askcorpus.pipeline import Pipeline

    corpus = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    settings = Settings(corpus=corpus, index=tmp_path / "index", backend="onnx")
    pipe = Pipeline(settings)
    pipe.index()
    store = open_index(settings.index)
    try:
        assert store.has_sentence_vectors
        docs = [info for info, _ in store.documents()]
        stored = store.sentence_vectors([d.id for d in docs])
        emb: OnnxEmbedder = pipe.embedder
        sims, shifted = [], []
        for d in docs:
            text = store.doc_text(d.id)
            sents = document_sentences(text, store.doc_spans(d.id))
            m = stored[d.id]
            assert m.shape == (len(sents), emb.dim)
            assert np.all(np.abs(np.linalg.norm(m, axis=1) - 1) < 1e-2)  # every sentence seen
            alone = emb.embed_documents([text[s:e] for s, e in sents])
            sims.extend(np.sum(alone * m, axis=1).tolist())
            shifted.extend(np.sum(alone[1:] * m[:-1], axis=1).tolist())
        # in context, a sentence's vector stays close to the sentence embedded alone (~0.78
        # here), clearly closer than to its neighbour's: the offsets line up
        assert np.median(sims) > 0.7, np.median(sims)
        assert np.median(sims) > np.median(shifted) + 0.1, (np.median(sims), np.median(shifted))
    finally:
        store.close()

    quiet = Pipeline(settings, embedder=NoSentenceEmbedding(pipe.embedder))
    answer = quiet.ask("How many North Korean soldiers are fighting for Russia?")
    assert answer.answered and any("12,000" in q.text for q in answer.quotes)

    # an update re-embeds only the new article; the others keep their sentence vectors
    before = dict(stored)
    (corpus / "new.txt").write_text("Grain deal collapses\n\nThe agreement that allowed grain "
                                    "ships to leave Black Sea ports expired on Monday.\n",
                                    encoding="utf-8")
    summary = Pipeline(settings).index()
    assert summary.embedded == 1 and summary.reused == 5
    store = open_index(settings.index)
    try:
        after = store.sentence_vectors(list(before) + [d.id for d, _ in store.documents()])
        assert len(after) == 6
        for doc_id, m in before.items():
            np.testing.assert_array_equal(after[doc_id], m)
    finally:
        store.close()


@pytest.mark.integration
def test_torch_and_onnx_pool_the_same_sentences() -> None:
    from askcorpus.index.embedding import SentenceTransformerEmbedder, resolve_model
    from askcorpus.index.onnx_embedder import OnnxEmbedder

    spec = resolve_model("all-MiniLM-L6-v2")
    texts = ["Kursk offensive\nSome 12,000 North Korean troops were deployed. Kyiv confirmed it.",
             "Short one."]
    spans = [[(16, 62), (63, 81)], [(0, 10)]]
    t_vecs, t_pooled = SentenceTransformerEmbedder(spec, device="cpu").embed_with_spans(
        texts, spans)
    o_vecs, o_pooled = OnnxEmbedder(spec, quantized=False).embed_with_spans(texts, spans)
    np.testing.assert_allclose(t_vecs, o_vecs, atol=2e-3)
    np.testing.assert_allclose(t_vecs, SentenceTransformerEmbedder(
        spec, device="cpu").embed_documents(texts), atol=1e-4)
    for (tv, tc), (ov, oc) in zip(t_pooled, o_pooled, strict=True):
        assert tc.tolist() == oc.tolist() and all(tc > 0)
        np.testing.assert_allclose(tv, ov, atol=5e-3)


def test_unknown_settings_are_one_clear_error(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import subprocess
    import sys

    from askcorpus.errors import AskCorpusError

    with pytest.raises(AskCorpusError, match="choose pooled, embed"):
        Settings(index=tmp_path / "index", sentence_vectors="fast")
    monkeypatch.setenv("ASKCORPUS_BACKEND", "gpu")
    with pytest.raises(AskCorpusError, match="choose auto, onnx, torch"):
        Settings.from_env()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    for key, value in (("ASKCORPUS_BACKEND", "gpu"), ("ASKCORPUS_SENTENCE_VECTORS", "fast")):
        out = subprocess.run([sys.executable, "-m", "askcorpus", "ask", "Who?"], text=True,
                             capture_output=True, env={**clean, key: value}, timeout=120)
        assert out.returncode != 0 and "Traceback" not in out.stderr
        assert out.stderr.strip().splitlines() == [
            f"error: {key[10:].lower()}='{value}': choose "
            + ("auto, onnx, torch" if "BACKEND" in key else "pooled, embed") + f" ({key})"]
