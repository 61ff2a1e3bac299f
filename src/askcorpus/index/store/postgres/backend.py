"""The PostgreSQL store: the same index in a database, for corpora past one machine.

Tables live in one schema (``askcorpus`` unless ``ASKCORPUS_PG_SCHEMA`` says otherwise):

    meta       one row: schema version, generation number, manifest (JSON), BM25 totals
    documents  one row per article: attribution, original text, quotable spans, content hash
               (the id), near-duplicate group, MinHash signature
    chunks     id (bigint, stable across updates), offsets, text, token count,
               ``embedding vector(dim)`` with an HNSW index (inner product on unit vectors)
    terms      BM25 vocabulary: term -> document frequency (in chunks)
    postings   term, chunk id, term frequency, chunk length: an inverted index

Lexical retrieval is BM25 computed in SQL from ``terms`` and ``postings`` with the very
tokenizer, parameters and formula of the folder store's bm25s (Lucene variant), so both
stores rank alike. (PostgreSQL's own full-text ranking, ``ts_rank_cd``, is not BM25: see
docs/SCALING.md for it measured against bm25s.)

Updates are incremental by document hash, in ONE transaction: removed articles' rows go,
new ones come, the manifest row's generation goes up. Readers run each answer in a
REPEATABLE READ READ ONLY transaction, so every process sees the old index or the new one,
never a mixture. One writer at a time: a session advisory lock. The writing is in writer.py;
what both share (schema version, literals, the driver) in schema.py.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ....errors import (
    AskCorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
)
from ....types import Chunk, DocInfo
from ...lexical import BM25_PARAMS
from ..base import date_range_where
from .schema import PG_SCHEMA_VERSION, DatabaseError, psycopg_module, redact, vector_literal

if TYPE_CHECKING:
    from ....config import Settings
    from .writer import PgWriter

_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_INFO = ("id, path, paths, title, format, outlet, date, url, record, cluster, author, "
         "date_source")


def _reason(e: BaseException) -> str:
    text = " ".join(str(e).split())
    for prefix in ("connection failed: ",):
        text = text.removeprefix(prefix)
    return text[:300] or type(e).__name__


class PgBackend:
    """An index in a PostgreSQL database with pgvector."""

    incremental = True

    def __init__(self, dsn: str, *, schema: str = "askcorpus") -> None:
        if not _IDENT.match(schema):
            raise AskCorpusError(f"ASKCORPUS_PG_SCHEMA={schema!r} is not a plain lowercase SQL "
                                 "name (letters, digits, _)")
        self.dsn = dsn
        self.schema = schema
        self._conn: Any = None
        self._lock = threading.Lock()

    @property
    def location(self) -> str:
        return f"{redact(self.dsn)} (schema {self.schema})"

    # -- connections ------------------------------------------------------------------
    def connect(self, *, autocommit: bool = True) -> Any:
        """A new connection, or one clear DatabaseError (never a password in it)."""
        psycopg = psycopg_module()
        kwargs: dict[str, Any] = {"autocommit": autocommit}
        if "connect_timeout" not in self.dsn:
            kwargs["connect_timeout"] = 10
        try:
            return psycopg.connect(self.dsn, **kwargs)
        except psycopg.ProgrammingError as e:
            raise DatabaseError(f"{redact(self.dsn)} is not a usable PostgreSQL URL "
                                f"({_reason(e)})") from None
        except psycopg.Error as e:
            raise DatabaseError(f"cannot connect to PostgreSQL at {redact(self.dsn)}: "
                                f"{_reason(e)}") from None

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Any database error below is one DatabaseError naming the server."""
        psycopg = psycopg_module()
        try:
            yield
        except psycopg.errors.UndefinedTable:
            raise IndexMissingError(f"no index in {self.location}: run "
                                    "`askcorpus index --store …` first") from None
        except psycopg.Error as e:
            raise DatabaseError(f"PostgreSQL at {redact(self.dsn)}: {_reason(e)}") from None

    def _shared(self) -> Any:
        """One autocommit connection for the small, frequent questions (generation)."""
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = self.connect()
        return self._conn

    # -- IndexBackend -------------------------------------------------------------------
    def current_generation(self) -> str | None:
        psycopg = psycopg_module()
        with self._lock, self.errors():
            try:
                row = self._shared().execute(
                    f"SELECT generation FROM {self.schema}.meta").fetchone()
            except psycopg.errors.UndefinedTable:
                return None
            except psycopg.OperationalError:  # a dropped connection: one retry
                self._conn = None
                row = self._shared().execute(
                    f"SELECT generation FROM {self.schema}.meta").fetchone()
        return f"gen-{row[0]:08d}" if row else None

    def read_manifest(self) -> dict[str, Any]:
        with self._lock, self.errors():
            row = self._shared().execute(
                f"SELECT schema_version, generation, manifest FROM {self.schema}.meta"
            ).fetchone()
        if row is None:
            raise IndexMissingError(f"no index in {self.location}: run "
                                    "`askcorpus index --store …` first")
        version, generation, manifest = row
        if version > PG_SCHEMA_VERSION:
            raise IndexCorruptError(
                f"index in {self.location} has schema {version}, newer than this askcorpus "
                f"understands ({PG_SCHEMA_VERSION}): upgrade askcorpus")
        if version < PG_SCHEMA_VERSION:
            raise IndexMismatchError(
                f"index in {self.location} has schema {version}, older than this askcorpus "
                f"writes ({PG_SCHEMA_VERSION}): run `askcorpus index --store …` to rebuild it")
        if not isinstance(manifest, dict) or not isinstance(manifest.get("model"), dict):
            raise IndexCorruptError(f"the manifest in {self.location} is damaged: "
                                    "run `askcorpus index --rebuild`")
        manifest["_generation"] = f"gen-{generation:08d}"
        return manifest

    def open(self, *, ef_search: int | None = None) -> PgReader:
        manifest = self.read_manifest()
        return PgReader(self, manifest, ef_search=ef_search)

    @contextlib.contextmanager
    def writer(self, settings: Settings) -> Iterator[PgWriter]:
        """The one writer (a session advisory lock), or IndexLockedError at once."""
        conn = self.connect(autocommit=True)
        try:
            with self.errors():
                got = conn.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 7))",
                                   (f"askcorpus:{self.schema}",)).fetchone()[0]
            if not got:
                raise IndexLockedError(f"{self.location} is being written by another "
                                       "process; wait for it to finish")
            try:
                from .writer import PgWriter

                self._prepare(conn)
                yield PgWriter(conn, self.schema, self.errors, settings)
            finally:
                with contextlib.suppress(Exception):
                    conn.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 7))",
                                 (f"askcorpus:{self.schema}",))
        finally:
            conn.close()

    def _prepare(self, conn: Any) -> None:
        psycopg = psycopg_module()
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except psycopg.Error as e:
            raise DatabaseError(
                f"the pgvector extension is not available in {redact(self.dsn)} "
                f"({_reason(e)}): install pgvector on the server (0.8 or newer), or ask an "
                "administrator to run CREATE EXTENSION vector in this database") from None
        with self.errors():
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# ---------------------------------------------------------------------------------- reading
class PgLexical:
    """BM25 statistics for answer selection (idf, vocabulary), read from ``terms``."""

    def __init__(self, reader: PgReader) -> None:
        self._r = reader

    def idf(self, tokens: list[str]) -> dict[str, float]:
        if not tokens:
            return {}
        rows = self._r.query(
            f"SELECT t.term, t.df, m.n_chunks FROM {self._r.s}.terms t, {self._r.s}.meta m "
            "WHERE t.term = ANY(%s)", (list(set(tokens)),))
        known = {term: (float(df), float(n)) for term, df, n in rows}
        out = {}
        for t in tokens:
            df, n = known.get(t, (0.0, 0.0))
            out[t] = float(np.log(1.0 + (n - df + 0.5) / (df + 0.5))) if df else 0.0
        return out

    def knows(self, token: str, min_prefix: int = 4) -> bool:
        """Is the token, or a word sharing its first letters, in the index? (as Lexical.knows)"""
        if self._r.query(f"SELECT 1 FROM {self._r.s}.terms WHERE term = %s", (token,)):
            return True
        if len(token) < min_prefix:
            return False
        prefix = token[:max(min_prefix, len(token) - 3)]
        like = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return bool(self._r.query(f"SELECT 1 FROM {self._r.s}.terms WHERE term LIKE %s LIMIT 1",
                                  (like,)))


class PgReader:
    """The index in the database, for reading. Each thread has its own connection;
    ``snapshot()`` makes everything that thread reads one REPEATABLE READ transaction."""

    def __init__(self, backend: PgBackend, manifest: dict[str, Any], *,
                 ef_search: int | None = None) -> None:
        self.backend = backend
        self.s = backend.schema
        self._generation = str(manifest.pop("_generation"))
        self.manifest = manifest
        self.ef_search = ef_search or 128
        self.exact = manifest.get("vector_index", {}).get("type") != "hnsw"
        self.lexical = PgLexical(self)
        self._local = threading.local()
        self._all: list[Any] = []
        self._all_lock = threading.Lock()

    # -- plumbing -----------------------------------------------------------------------
    @property
    def generation_name(self) -> str:
        return self._generation

    def _conn(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:  # e.g. after a server restart
            psycopg = psycopg_module()
            conn = self._local.conn = self.backend.connect()
            # every transaction of a reader: BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            conn.read_only = True
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[PgReader]:
        """One consistent state of the index for everything this thread reads inside."""
        if getattr(self._local, "tx", False):
            yield self
            return
        conn = self._conn()
        self._local.tx = True
        try:
            with self.backend.errors(), conn.transaction():  # repeatable read, read only
                yield self
        finally:
            self._local.tx = False

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Any]:
        """The snapshot's transaction if there is one, else a short one of its own."""
        conn = self._conn()
        if getattr(self._local, "tx", False):
            yield conn
            return
        with self.backend.errors(), conn.transaction():
            yield conn

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()
              ) -> list[tuple[Any, ...]]:
        conn = self._conn()
        with self.backend.errors():
            return list(conn.execute(sql, params).fetchall())

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                with contextlib.suppress(Exception):
                    conn.close()
            self._all.clear()

    # -- IndexReader --------------------------------------------------------------------
    @property
    def size(self) -> int:
        rows = self.query(f"SELECT n_chunks FROM {self.s}.meta")
        return int(rows[0][0]) if rows else 0

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]:
        if not len(ids):
            return {}
        rows = self.query(f'SELECT id, doc_id, ord, start, "end", text FROM {self.s}.chunks '
                          "WHERE id = ANY(%s::bigint[])", ([int(i) for i in ids],))
        return {r[0]: Chunk(r[1], r[3], r[4], r[5], r[2]) for r in rows}

    def doc_infos(self, doc_ids: Sequence[str]) -> dict[str, DocInfo]:
        if not doc_ids:
            return {}
        rows = self.query(f"SELECT {_INFO} FROM {self.s}.documents WHERE id = ANY(%s)",
                          (list(doc_ids),))
        return {r[0]: _doc_info(r) for r in rows}

    def cluster_members(self, cluster: str) -> list[DocInfo]:
        rows = self.query(f"SELECT {_INFO} FROM {self.s}.documents WHERE cluster = %s "
                          "ORDER BY path", (cluster,))
        return [_doc_info(r) for r in rows]

    def minhashes(self) -> dict[str, bytes]:
        rows = self.query(f"SELECT id, minhash FROM {self.s}.documents "
                          "WHERE minhash IS NOT NULL")
        return {r[0]: bytes(r[1]) for r in rows}

    def doc_text(self, doc_id: str) -> str:
        rows = self.query(f"SELECT text FROM {self.s}.documents WHERE id = %s", (doc_id,))
        if not rows:
            raise KeyError(doc_id)
        return str(rows[0][0])

    def sentence_vectors(self, doc_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each document's pooled sentence vectors (see store.StoredIndex.sentence_vectors)."""
        from ...late_pooling import decode_stored

        if not doc_ids:
            return {}
        meta = self.manifest.get("sentence_vectors")
        dtype = str(meta.get("dtype")) if isinstance(meta, dict) else ""
        if not dtype:
            return {}
        dim = int(self.manifest["model"]["dim"])
        rows = self.query(f"SELECT id, sentvecs FROM {self.s}.documents WHERE id = ANY(%s) "
                          "AND sentvecs IS NOT NULL", (list(doc_ids),))
        return decode_stored(rows, dim, dtype, self.backend.location)

    def doc_spans(self, doc_id: str) -> list[tuple[int, int]]:
        rows = self.query(f"SELECT spans FROM {self.s}.documents WHERE id = %s", (doc_id,))
        return [(int(a), int(b)) for a, b in rows[0][0]] if rows else []

    def documents(self) -> Iterator[tuple[DocInfo, int]]:
        rows = self.query(f"SELECT {_INFO}, n_chunks FROM {self.s}.documents ORDER BY path")
        for r in rows:
            yield _doc_info(r), r[12]

    def document_entries(self) -> dict[str, dict[str, Any]]:
        rows = self.query(f"SELECT id, paths, n_chunks, title, outlet, date, url, record, "
                          f"author, date_source FROM {self.s}.documents ORDER BY path, record")
        return {r[0]: {"paths": list(r[1]), "chunks": r[2], "title": r[3], "outlet": r[4],
                       "date": r[5], "date_source": r[9], "url": r[6], "record": r[7],
                       "author": r[8]}
                for r in rows}

    def find_document(self, path: str) -> DocInfo | None:
        """A document by its path (or ``path#record``), or by its id (or an id prefix)."""
        rows = self.query(
            f"SELECT {_INFO} FROM {self.s}.documents WHERE id = %(p)s OR path = %(p)s "
            "OR paths ? %(p)s OR (length(%(p)s) >= 6 AND left(id, length(%(p)s)) = %(p)s) "
            "ORDER BY path LIMIT 1", {"p": path})
        return _doc_info(rows[0]) if rows else None

    def dated_ids(self, since: str | None, until: str | None) -> tuple[set[str], set[str]]:
        """(ids of the articles dated within [since, until] (ISO days, None: open), ids of the
        undated ones): a range on the indexed ``documents.date`` column."""
        where, params = date_range_where(since, until, "%s")
        inside = {r[0] for r in self.query(
            f"SELECT id FROM {self.s}.documents WHERE {where}", params)}
        undated = {r[0] for r in self.query(
            f"SELECT id FROM {self.s}.documents WHERE date IS NULL")}
        return inside, undated

    def date_bounds(self) -> tuple[str | None, str | None]:
        """The earliest and the newest article date in the index."""
        rows = self.query(f"SELECT min(date), max(date) FROM {self.s}.documents")
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def dense_search(self, query_vec: np.ndarray, k: int,
                     allowed: Collection[str] | None = None) -> list[tuple[int, float]]:
        """Best ``k`` chunks by inner product: exact (a scan) for an index the size the folder
        store searches exactly, HNSW above; ``allowed`` filters in SQL (iterative scans)."""
        if k <= 0 or (allowed is not None and not allowed):
            return []
        vec = vector_literal(query_vec)
        where, params = "", [vec]
        if allowed is not None:
            where, params = "WHERE doc_id = ANY(%s)", [vec, list(allowed)]
        # Exact: "(distance) + 0" is no index's ordering, so the planner scans and sorts, ties
        # broken by id; no setting needed. HNSW: the index's own ORDER BY distance alone.
        order = "(embedding <#> %s::vector) + 0, id" if self.exact else "embedding <#> %s::vector"
        sql = (f"SELECT id, -(embedding <#> %s::vector) AS score FROM {self.s}.chunks {where} "
               f"ORDER BY {order} LIMIT %s")
        params = [*params, vec, int(k)]
        if self.exact:
            rows = self.query(sql, params)
        else:
            ef = min(max(self.ef_search, k), 1000)
            conn = self._conn()
            with self.backend.errors(), conn.pipeline():  # one round trip for all four
                with self._transaction() as tx:
                    tx.execute("SELECT set_config('hnsw.ef_search', %s, true), "
                               "set_config('hnsw.iterative_scan', 'strict_order', true)",
                               (str(ef),))
                    cur = tx.execute(sql, params)
                rows = cur.fetchall()
        return [(int(i), float(s)) for i, s in rows]

    def lexical_search(self, tokens: list[str], k: int,
                       allowed: Collection[str] | None = None) -> list[tuple[int, float]]:
        """BM25 (Lucene variant, as bm25s) over the inverted index, best ``k`` with score > 0.
        A query term counts as often as it occurs in the question, as in bm25s."""
        counts = Counter(tokens)
        if k <= 0 or not counts or (allowed is not None and not allowed):
            return []
        k1, b = float(BM25_PARAMS["k1"]), float(BM25_PARAMS["b"])
        where = ""
        params: list[Any] = [list(counts), list(counts.values())]
        if allowed is not None:
            where = (f"WHERE p.chunk_id IN (SELECT id FROM {self.s}.chunks "
                     "WHERE doc_id = ANY(%s))")
            params.append(list(allowed))
        sql = f"""
            WITH q(term, w) AS (SELECT * FROM unnest(%s::text[], %s::int[])),
                 st AS (SELECT n_chunks::float8 AS n,
                               total_len::float8 / greatest(n_chunks, 1) AS avgdl
                        FROM {self.s}.meta)
            SELECT p.chunk_id,
                   sum(q.w * ln(1 + (st.n - t.df + 0.5) / (t.df + 0.5))
                       * p.tf / (p.tf + {k1} * (1 - {b} + {b} * p.dl / st.avgdl))) AS score
            FROM q JOIN {self.s}.terms t ON t.term = q.term
                   JOIN {self.s}.postings p ON p.term = q.term
                   CROSS JOIN st
            {where}
            GROUP BY p.chunk_id ORDER BY score DESC, p.chunk_id LIMIT %s"""
        rows = self.query(sql, [*params, int(k)])
        return [(int(i), float(s)) for i, s in rows if s > 0]


def _doc_info(r: Sequence[Any]) -> DocInfo:
    return DocInfo(id=r[0], path=r[1], paths=tuple(r[2]), title=r[3], format=r[4],
                   outlet=r[5], date=r[6], url=r[7], record=r[8], cluster=r[9], author=r[10],
                   date_source=r[11])
