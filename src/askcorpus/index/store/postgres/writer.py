"""Writing the PostgreSQL store: the schema, and one new generation applied in one transaction
(removed and changed articles out, new ones in, BM25 statistics kept, generation bumped)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from ...late_pooling import encode_rows
from ...lexical import tokenize
from .schema import PG_SCHEMA_VERSION, pg_text, vector_literal

if TYPE_CHECKING:
    from ....config import Settings
    from ..base import NewGeneration

EF_CONSTRUCTION = 64
_DOC_COLUMNS = ("id", "path", "paths", "title", "format", "outlet", "date", "url", "record",
                "encoding", "spans", "text", "n_chunks", "cluster", "minhash", "sentvecs",
                "author", "date_source")


def _schema_sql(s: str, dim: int, m: int) -> str:
    return f"""
CREATE TABLE {s}.meta (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  schema_version int NOT NULL, generation bigint NOT NULL, manifest jsonb NOT NULL,
  n_chunks bigint NOT NULL, total_len bigint NOT NULL
);
CREATE TABLE {s}.documents (
  id text PRIMARY KEY, path text NOT NULL, paths jsonb NOT NULL, title text NOT NULL,
  format text NOT NULL, outlet text, date text, url text, record text, encoding text,
  spans jsonb NOT NULL, text text NOT NULL, n_chunks int NOT NULL, cluster text NOT NULL,
  minhash bytea,
  sentvecs bytea,  -- late_pooling.encode_rows: one vector per sentence; NULL: none
  author text,  -- the byline, where the file states one (schema 2)
  date_source text  -- where the ISO 8601 date came from (schema 3)
);
CREATE INDEX documents_date ON {s}.documents (date);
CREATE INDEX documents_cluster ON {s}.documents (cluster);
CREATE INDEX documents_path ON {s}.documents (path);
CREATE SEQUENCE {s}.chunk_ids;
CREATE TABLE {s}.chunks (
  id bigint PRIMARY KEY,
  doc_id text NOT NULL REFERENCES {s}.documents (id) ON DELETE CASCADE,
  ord int NOT NULL, start int NOT NULL, "end" int NOT NULL, text text NOT NULL,
  dl int NOT NULL, embedding vector({dim}) NOT NULL
);
-- vectors stay in the row (not TOASTed out of line): exact scans read no TOAST pages
ALTER TABLE {s}.chunks ALTER COLUMN embedding SET STORAGE PLAIN;
CREATE INDEX chunks_doc ON {s}.chunks (doc_id, ord);
{_hnsw_sql(s, m)};
CREATE TABLE {s}.terms (term text PRIMARY KEY, df int NOT NULL);
CREATE INDEX terms_prefix ON {s}.terms (term text_pattern_ops);
CREATE TABLE {s}.postings (
  term text NOT NULL,
  chunk_id bigint NOT NULL REFERENCES {s}.chunks (id) ON DELETE CASCADE,
  tf int NOT NULL, dl int NOT NULL,
  PRIMARY KEY (term, chunk_id)
);
CREATE INDEX postings_chunk ON {s}.postings (chunk_id);
"""


def _hnsw_sql(s: str, m: int) -> str:
    return (f"CREATE INDEX chunks_hnsw ON {s}.chunks USING hnsw (embedding vector_ip_ops) "
            f"WITH (m = {m}, ef_construction = {EF_CONSTRUCTION})")


class PgWriter:
    """Applies a new generation to the database in one transaction."""

    def __init__(self, conn: Any, schema: str,
                 errors: Callable[[], AbstractContextManager[Any]], settings: Settings) -> None:
        self.conn = conn
        self.errors = errors  # the backend's: any database error -> one DatabaseError
        self.settings = settings
        self.s = schema

    def write(self, generation: NewGeneration) -> tuple[str, int]:
        with self.errors(), self.conn.transaction():
            return self._write(generation)

    def _write(self, g: NewGeneration) -> tuple[str, int]:
        s, conn = self.s, self.conn
        dim = int(g.manifest["model"]["dim"])
        m = int(self.settings.hnsw_m)
        exists = conn.execute("SELECT to_regclass(%s)", (f"{s}.meta",)).fetchone()[0]
        same_shape = exists and conn.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = 'embedding'",
            (f"{s}.chunks",)).fetchone() == (f"vector({dim})",)
        older = exists and (conn.execute(f"SELECT schema_version FROM {s}.meta").fetchone()
                            or (0,))[0] < PG_SCHEMA_VERSION
        # another model, or tables of an older schema: new tables (readers wait for them)
        if exists and (not same_shape or older):
            for table in ("postings", "terms", "chunks", "documents", "meta"):
                conn.execute(f"DROP TABLE IF EXISTS {s}.{table} CASCADE")
            conn.execute(f"DROP SEQUENCE IF EXISTS {s}.chunk_ids")
            exists = False
        if not exists:
            conn.execute(_schema_sql(s, dim, m))
        if g.replace_all:
            conn.execute(f"DELETE FROM {s}.documents")  # rows of chunks, postings cascade
            conn.execute(f"DELETE FROM {s}.terms")
        old = {r[0]: r[1:] for r in conn.execute(
            f"SELECT id, path, paths, title, format, outlet, date, url, record, cluster, "
            f"author, date_source, minhash FROM {s}.documents")}
        new_ids = {d.id for d in g.docs}
        gone = [i for i in old if i not in new_ids or i in g.fresh]
        self._remove(gone)
        self._update_kept(g, old)
        # a first load: building the graph once, after the rows, is much faster. Never on a
        # live index: dropping an index locks readers out until the transaction ends.
        live = conn.execute(f"SELECT EXISTS (SELECT 1 FROM {s}.meta)").fetchone()[0]
        empty = not old and not live and not conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM {s}.chunks)").fetchone()[0]
        if empty and g.chunks:
            conn.execute(f"DROP INDEX IF EXISTS {s}.chunks_hnsw")
        self._insert(g)
        if empty and g.chunks:
            conn.execute(_hnsw_sql(s, m))
        conn.execute(f"DELETE FROM {s}.terms WHERE df <= 0")
        n_chunks, total_len = conn.execute(
            f"SELECT count(*), coalesce(sum(dl), 0) FROM {s}.chunks").fetchone()
        manifest = {k: v for k, v in g.manifest.items() if k != "documents"}
        manifest["counts"] = {**manifest["counts"], "chunks": int(n_chunks)}
        manifest["vector_index"] = {**manifest["vector_index"], "engine": "pgvector",
                                    "hnsw_m": m, "ef_construction": EF_CONSTRUCTION}
        manifest["lexical"] = {**manifest["lexical"], "library": "SQL (terms, postings)"}
        row = conn.execute(
            f"INSERT INTO {s}.meta (schema_version, generation, manifest, n_chunks, total_len) "
            "VALUES (%s, 1, %s, %s, %s) ON CONFLICT (one) DO UPDATE SET "
            "schema_version = EXCLUDED.schema_version, generation = meta.generation + 1, "
            "manifest = EXCLUDED.manifest, n_chunks = EXCLUDED.n_chunks, "
            "total_len = EXCLUDED.total_len RETURNING generation",
            (PG_SCHEMA_VERSION, json.dumps(manifest), n_chunks, total_len)).fetchone()
        conn.execute(f"ANALYZE {s}.documents, {s}.chunks, {s}.terms, {s}.postings")
        return f"gen-{row[0]:08d}", int(n_chunks)

    def _remove(self, doc_ids: list[str]) -> None:
        if not doc_ids:
            return
        s = self.s
        self.conn.execute(
            f"UPDATE {s}.terms t SET df = t.df - d.n FROM ("
            f"  SELECT p.term, count(*) AS n FROM {s}.postings p JOIN {s}.chunks c "
            "  ON c.id = p.chunk_id WHERE c.doc_id = ANY(%s) GROUP BY p.term) d "
            "WHERE t.term = d.term", (doc_ids,))
        self.conn.execute(f"DELETE FROM {s}.documents WHERE id = ANY(%s)", (doc_ids,))

    def _update_kept(self, g: NewGeneration, old: dict[str, tuple[Any, ...]]) -> None:
        """Attribution or near-duplicate group of unchanged articles may still change."""
        rows = []
        for d in g.docs:
            if d.id not in old or d.id in g.fresh:
                continue
            new = (pg_text(d.path), list(d.all_paths), pg_text(d.title), d.format,
                   pg_text(d.outlet), pg_text(d.date), pg_text(d.url), pg_text(d.record),
                   g.clusters.get(d.id, d.id), pg_text(d.author), pg_text(d.date_source))
            if tuple(old[d.id][:11]) != new:
                rows.append((new[0], json.dumps(new[1]), *new[2:], d.id))
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(
                    f"UPDATE {self.s}.documents SET path = %s, paths = %s, title = %s, "
                    "format = %s, outlet = %s, date = %s, url = %s, record = %s, cluster = %s, "
                    "author = %s, date_source = %s WHERE id = %s", rows)

    def _insert(self, g: NewGeneration) -> None:
        s, conn = self.s, self.conn
        docs = [d for d in g.docs if d.id in g.fresh]
        if not docs:
            return
        n_chunks = Counter(c.doc_id for c in g.chunks)
        sv = g.sentence_vectors or {}
        with conn.cursor() as cur:
            with cur.copy(f"COPY {s}.documents ({', '.join(_DOC_COLUMNS)}) FROM STDIN") as cp:
                for d in docs:
                    cp.write_row((d.id, pg_text(d.path), json.dumps(list(d.all_paths)),
                                  pg_text(d.title), d.format, pg_text(d.outlet), pg_text(d.date),
                                  pg_text(d.url), pg_text(d.record), d.encoding,
                                  json.dumps(d.spans), pg_text(d.text), n_chunks.get(d.id, 0),
                                  g.clusters.get(d.id, d.id), g.minhashes.get(d.id),
                                  encode_rows(sv[d.id]) if d.id in sv else None,
                                  pg_text(d.author), pg_text(d.date_source)))
            if not g.chunks:
                return
            ids = [r[0] for r in cur.execute(
                f"SELECT nextval('{s}.chunk_ids') FROM generate_series(1, %s)",
                (len(g.chunks),))]
            tokens = [tokenize(t) for t in g.texts]
            with cur.copy(f'COPY {s}.chunks (id, doc_id, ord, start, "end", text, dl, '
                          "embedding) FROM STDIN") as cp:
                for cid, c, toks, v in zip(ids, g.chunks, tokens, g.vectors):
                    cp.write_row((cid, c.doc_id, c.ord, c.start, c.end, pg_text(c.text),
                                  max(len(toks), 1), vector_literal(v)))
            with cur.copy(f"COPY {s}.postings (term, chunk_id, tf, dl) FROM STDIN") as cp:
                for cid, toks in zip(ids, tokens):
                    dl = max(len(toks), 1)
                    for term, tf in Counter(toks).items():
                        cp.write_row((term, cid, tf, dl))
            cur.execute(
                f"INSERT INTO {s}.terms (term, df) SELECT term, count(*) FROM {s}.postings "
                "WHERE chunk_id BETWEEN %s AND %s GROUP BY term "
                "ON CONFLICT (term) DO UPDATE SET df = terms.df + EXCLUDED.df",
                (min(ids), max(ids)))
