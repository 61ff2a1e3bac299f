from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from askcorpus.config import Settings
from askcorpus.errors import (
    CorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
)
from askcorpus.index.build import build_index
from askcorpus.index.store.folder import (
    SCHEMA_VERSION,
    file_digests,
    open_index,
    read_manifest,
    write_lock,
)
from askcorpus.pipeline import Pipeline
from tests.fakes import FakeEmbedder, word_counter

NEW = ("Grain deal collapses\n\nThe agreement that allowed grain ships to leave Black Sea ports "
       "expired on Monday after Moscow refused to extend it, officials said.")


def _build(settings: Settings, emb: FakeEmbedder | None = None, **kw: object):
    emb = emb or FakeEmbedder()
    return build_index(settings, emb, word_counter, **kw), emb


def test_build_then_nothing_to_do(fake_settings: Settings) -> None:
    first, emb = _build(fake_settings)
    assert (first.documents, first.embedded, first.reused, first.removed) == (5, 5, 0, 0)
    assert first.chunks == len(emb.embedded_texts) > 5
    again, emb2 = _build(fake_settings)
    assert again.up_to_date and again.embedded == 0 and emb2.embedded_texts == []
    assert again.generation == first.generation  # nothing rewritten


def test_incremental_modify_add_delete(fake_settings: Settings) -> None:
    _build(fake_settings)
    corpus = fake_settings.corpus
    changed = corpus / "003_40e451d91cf98c43.txt"
    changed.write_text(changed.read_text() + "\nA new closing line was added to this story.")
    (corpus / "005_new.txt").write_text(NEW)
    (corpus / "000_c79d4084c955e875.txt").unlink()
    summary, emb = _build(fake_settings)
    assert (summary.documents, summary.embedded, summary.reused, summary.removed) == (5, 2, 3, 1)
    assert summary.replaced == 1
    embedded = " ".join(emb.embedded_texts)
    assert "Grain deal collapses" in embedded and "closing line" in embedded
    assert "Iran’s provision of ballistic missiles" not in embedded  # 004 untouched
    index = open_index(fake_settings.index)
    paths = sorted(info.path for info, _ in index.documents())
    assert paths == ["001_67cf67b1116e9dff.txt", "002_77ae12affba87779.txt",
                     "003_40e451d91cf98c43.txt", "004_6f8b51cc035e493d.txt", "005_new.txt"]
    # every stored vector still belongs to its chunk: reused rows were carried over intact
    fresh = FakeEmbedder()
    chunks = index.chunks(list(range(index.size)))
    infos = index.doc_infos(list({c.doc_id for c in chunks.values()}))
    titles = {k: v.title for k, v in infos.items()}
    for cid, chunk in chunks.items():
        vec = index.vectors.reconstruct(cid)
        expected = [fresh.embed_query(chunk.text),
                    fresh.embed_query(f"{titles[chunk.doc_id].rstrip('…')}\n{chunk.text}")]
        assert max(float(vec @ e) for e in expected) > 0.999
    index.close()


def test_rename_reuses_vectors(fake_settings: Settings) -> None:
    _build(fake_settings)
    src = fake_settings.corpus / "001_67cf67b1116e9dff.txt"
    src.rename(fake_settings.corpus / "renamed.txt")
    summary, emb = _build(fake_settings)
    assert not summary.up_to_date and summary.embedded == 0 and emb.embedded_texts == []
    manifest = read_manifest(fake_settings.index)
    assert any(d["paths"] == ["renamed.txt"] for d in manifest["documents"].values())


def test_rebuild_and_settings_change_reembed_everything(fake_settings: Settings) -> None:
    _build(fake_settings)
    summary, _ = _build(fake_settings, rebuild=True)
    assert summary.embedded == 5 and summary.rebuilt == "--rebuild requested"
    other = fake_settings.replace(chunk_tokens=120)
    with pytest.raises(IndexMismatchError, match="run `askcorpus index` to rebuild"):
        Pipeline(other, embedder=FakeEmbedder()).ask("anything about NATO?")
    summary, _ = _build(other)
    assert summary.embedded == 5 and summary.rebuilt.startswith("build settings changed")
    summary, _ = _build(other, FakeEmbedder(name="another-model"))
    assert summary.embedded == 5 and summary.rebuilt
    assert read_manifest(other.index)["model"]["name"] == "another-model"


def test_ask_with_fake_embedder(fake_settings: Settings) -> None:
    _build(fake_settings)
    p = Pipeline(fake_settings, embedder=FakeEmbedder())
    ans = p.ask("How many North Korean troops may be involved?", mode="bm25")
    assert ans.quotes and any("12,000" in q.text for q in ans.quotes)
    for q in ans.quotes:
        original = (fake_settings.corpus / q.doc.path).read_text(encoding="utf-8")
        assert original[q.start:q.end] == q.text
    filtered = p.ask("troops", mode="hybrid", paths=["001_67cf67b1116e9dff.txt"])
    assert {q.doc.path for q in filtered.quotes + filtered.related} <= {"001_67cf67b1116e9dff.txt"}
    p.close()


def test_missing_index_and_empty_corpus(fake_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="askcorpus index"):
        Pipeline(fake_settings, embedder=FakeEmbedder()).ask("hello?")
    empty = fake_settings.replace(corpus=tmp_path / "empty")
    empty.corpus.mkdir()
    with pytest.raises(CorpusError, match="no articles found"):
        _build(empty)
    assert not (empty.index / "CURRENT").exists()


@pytest.mark.parametrize("damage", ["truncate_faiss", "garbage_sqlite", "newer_schema",
                                    "missing_bm25", "bad_pointer", "no_manifest"])
def test_damaged_index_is_one_clear_error_and_index_repairs_it(fake_settings: Settings,
                                                               damage: str) -> None:
    _build(fake_settings)
    gen = fake_settings.index / (fake_settings.index / "CURRENT").read_text().strip()
    if damage == "truncate_faiss":
        data = (gen / "vectors.faiss").read_bytes()
        (gen / "vectors.faiss").write_bytes(data[: len(data) // 3])
    elif damage == "garbage_sqlite":
        (gen / "chunks.sqlite").write_bytes(b"this is not a database" * 100)
    elif damage == "newer_schema":
        m = json.loads((gen / "manifest.json").read_text())
        m["schema_version"] = 99
        (gen / "manifest.json").write_text(json.dumps(m))
    elif damage == "missing_bm25":
        shutil.rmtree(gen / "bm25")
    elif damage == "bad_pointer":
        (fake_settings.index / "CURRENT").write_text("../../etc\n")
    else:
        (gen / "manifest.json").unlink()
    with pytest.raises(IndexCorruptError, match="askcorpus"):
        Pipeline(fake_settings, embedder=FakeEmbedder()).ask("What did Russia warn?")
    summary, _ = _build(fake_settings)
    assert summary.embedded == 5 and summary.rebuilt and "unusable" in summary.rebuilt
    ans = Pipeline(fake_settings, embedder=FakeEmbedder()).ask("What did Russia warn?")
    assert ans.quotes or ans.related


BYLINE = {"title": "Port strike halts grain exports", "source": "The Harbour Gazette",
          "author": "Maria Lopez", "text": "Dock workers walked out on Monday at the port, "
          "halting grain exports for the first time in a decade, union leaders said."}


def test_the_author_is_stored_and_answers_carry_it(fake_settings: Settings) -> None:
    path = fake_settings.corpus / "bylines.jsonl"
    path.write_text(json.dumps(BYLINE) + "\n", encoding="utf-8")
    _build(fake_settings)
    p = Pipeline(fake_settings, embedder=FakeEmbedder())
    try:
        ans = p.ask("What halted grain exports at the port?", mode="bm25",
                    paths=["bylines.jsonl"])
        quotes = ans.quotes + ans.related
        assert quotes and {q.doc.author for q in quotes} == {"Maria Lopez"}
        assert all(q.to_dict()["author"] == "Maria Lopez" for q in quotes)
        info = p.store.find_document("bylines.jsonl")
        assert info is not None and info.author == "Maria Lopez"
        assert p.article(info.id)["author"] == "Maria Lopez"
        others = [d for d, _ in p.store.documents() if d.id != info.id]
        assert len(others) == 5 and {d.author for d in others} == {None}
        assert p.store.document_entries()[info.id]["author"] == "Maria Lopez"
    finally:
        p.close()
    # a new byline on the same text: the same article (its vectors kept), the author updated
    path.write_text(json.dumps({**BYLINE, "author": "M. Lopez"}) + "\n", encoding="utf-8")
    again, _ = _build(fake_settings)
    assert not again.up_to_date and again.embedded == 0 and again.rebuilt is None
    index = open_index(fake_settings.index)
    try:
        assert index.find_document("bylines.jsonl").author == "M. Lopez"  # type: ignore[union-attr]
    finally:
        index.close()


def _make_schema_1(settings: Settings) -> None:
    """The index as askcorpus wrote it before schema 2: no author column, schema_version 1."""
    import sqlite3

    gen = settings.index / (settings.index / "CURRENT").read_text().strip()
    db = sqlite3.connect(gen / "chunks.sqlite")
    db.execute("ALTER TABLE documents DROP COLUMN author")
    db.commit()
    db.close()
    m = json.loads((gen / "manifest.json").read_text())
    m["schema_version"] = 1
    m["files"] = file_digests(gen)
    for entry in m["documents"].values():
        entry.pop("author")
    (gen / "manifest.json").write_text(json.dumps(m))


def test_an_index_of_an_older_schema_is_detected_and_rebuilt(fake_settings: Settings) -> None:
    (fake_settings.corpus / "bylines.jsonl").write_text(json.dumps(BYLINE) + "\n",
                                                        encoding="utf-8")
    _build(fake_settings)
    _make_schema_1(fake_settings)
    for call in (lambda p: p.ask("What did Russia warn?"), lambda p: p.stats()):
        p = Pipeline(fake_settings, embedder=FakeEmbedder())
        with pytest.raises(IndexMismatchError) as e:
            call(p)
        p.close()
        assert str(e.value) == (f"index in {fake_settings.index} has schema 1, older than this "
                                f"askcorpus writes ({SCHEMA_VERSION}); run `askcorpus index` "
                                "to rebuild it")
    summary, _ = _build(fake_settings)
    assert summary.embedded == 6 and summary.rebuilt is not None
    assert summary.rebuilt.startswith("previous index unusable (") and "schema 1" in summary.rebuilt
    assert read_manifest(fake_settings.index)["schema_version"] == SCHEMA_VERSION
    index = open_index(fake_settings.index)
    try:
        assert index.find_document("bylines.jsonl").author == "Maria Lopez"  # type: ignore[union-attr]
    finally:
        index.close()
    assert _build(fake_settings)[0].up_to_date


def test_second_writer_fails_clearly(fake_settings: Settings) -> None:
    with write_lock(fake_settings.index), pytest.raises(IndexLockedError, match="pid"):
        _build(fake_settings)
    summary, _ = _build(fake_settings)  # the lock is released afterwards
    assert summary.documents == 5


def test_hnsw_above_threshold_recall_against_exact(tmp_path: Path) -> None:
    """An approximate index is chosen above the threshold; its recall@10 vs exact is high."""
    import numpy as np

    from askcorpus.answer.retrieve import dense_search

    root = Path(__file__).resolve().parents[3] / "shared" / "data" / "news" / "bbc_news" / "raw"
    corpus = root / "business" if root.exists() else Path(__file__).resolve().parents[2] / "corpus"
    base = Settings(corpus=corpus, index=tmp_path / "exact")
    emb = FakeEmbedder(dim=96)
    build_index(base, emb, word_counter)
    approx = base.replace(index=tmp_path / "approx", ann_threshold=50)
    summary = build_index(approx, emb, word_counter)
    assert summary.vector_index == "hnsw"
    exact, hnsw = open_index(base.index), open_index(approx.index, ef_search=64)
    assert exact.manifest["vector_index"]["type"] == "flat"
    rng = np.random.default_rng(0)
    recalls = []
    for cid in rng.choice(exact.size, size=min(100, exact.size), replace=False):
        q = exact.vectors.reconstruct(int(cid)) + rng.normal(0, 0.05, emb.dim).astype(np.float32)
        truth = set(dense_search(exact, q, 10).ids)
        recalls.append(len(truth & set(dense_search(hnsw, q, 10).ids)) / len(truth))
    recall = float(np.mean(recalls))
    print(f"HNSW recall@10 vs exact over {len(recalls)} queries, {exact.size} chunks: {recall:.3f}")
    assert recall >= 0.95


def test_per_answer_lookups_use_sqlite_indexes(fake_settings: Settings) -> None:
    """Lookups made for every answer (chunks by id, a document's near-duplicate group) must not
    scan whole tables: at 100k chunks a scan per quote cost ~40 ms."""
    _build(fake_settings)
    store = open_index(fake_settings.index)
    try:
        plans = {
            "cluster": 'SELECT id FROM documents WHERE cluster = ?',
            "chunk": 'SELECT id, doc_id FROM chunks WHERE id IN (?, ?)',
            "doc": 'SELECT text FROM documents WHERE id = ?',
        }
        for name, sql in plans.items():
            detail = " ".join(r[-1] for r in store.db.execute("EXPLAIN QUERY PLAN " + sql,
                                                               ("x",) * sql.count("?")))
            assert "SCAN" not in detail, (name, detail)
    finally:
        store.close()
