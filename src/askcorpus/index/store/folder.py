"""The index folder: a self-describing, versioned, atomically replaced set of files.

    index/
      CURRENT              names the live generation; replaced atomically (os.replace)
      gen-00000007/
        manifest.json      schema, versions, model, chunker, per-document hashes
        chunks.sqlite      documents and chunk records (offsets into the article text)
        vectors.faiss      one normalized vector per chunk, row = chunk id
        bm25/              bm25s index over the chunk texts, row = chunk id
      .lock                held by the one process writing

A generation is written in a temporary folder, fsynced, renamed, and only then named in
CURRENT, so readers see either the old complete index or the new complete one. The manifest
records the size and SHA-256 of every file of its generation; opening checks them, so a
damaged file is one clear IndexCorruptError (never a crash in FAISS or a silent wrong answer).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import (
    AskCorpusError,
    IndexCorruptError,
    IndexLockedError,
    IndexMismatchError,
    IndexMissingError,
)
from ...types import Chunk, DocInfo, Document
from ..late_pooling import decode_stored, encode_rows
from ..lexical import Lexical
from .base import date_range_where

if TYPE_CHECKING:
    from ...config import Settings
    from .base import IndexReader, IndexWriter, NewGeneration

SCHEMA_VERSION = 3  # 2: documents.author (the byline); 3: ISO dates, date_source, date index
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
DB = "chunks.sqlite"
VECTORS = "vectors.faiss"
BM25_DIR = "bm25"
REBUILD_HINT = "run `askcorpus index` to rebuild it"

_SCHEMA = """
CREATE TABLE documents (
  id TEXT PRIMARY KEY, path TEXT NOT NULL, paths TEXT NOT NULL, title TEXT NOT NULL,
  format TEXT NOT NULL, outlet TEXT, date TEXT, url TEXT, record TEXT, encoding TEXT,
  spans TEXT NOT NULL, text TEXT NOT NULL, n_chunks INTEGER NOT NULL,
  cluster TEXT NOT NULL, minhash BLOB,
  sentvecs BLOB,  -- late_pooling.encode_rows (one row per sentence); NULL: none
  author TEXT,  -- the byline, where the file states one (schema 2)
  date_source TEXT  -- where the ISO 8601 date came from (schema 3)
);
CREATE TABLE chunks (
  id INTEGER PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(id),
  ord INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc_id, ord);
CREATE INDEX documents_cluster ON documents(cluster);
CREATE INDEX documents_date ON documents(date);
"""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            with open(Path(dirpath) / name, "rb") as f:
                os.fsync(f.fileno())
        _fsync_dir(Path(dirpath))


def current_generation(folder: Path) -> Path | None:
    """The live generation folder, or None when the index was never built."""
    pointer = folder / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise IndexCorruptError(f"cannot read {pointer}: {e.strerror}; {REBUILD_HINT}") from None
    except UnicodeDecodeError:
        raise IndexCorruptError(f"{pointer} is damaged; {REBUILD_HINT}") from None
    if not name.startswith("gen-") or "/" in name:
        raise IndexCorruptError(f"{pointer} is damaged; {REBUILD_HINT}")
    return folder / name


def read_manifest(folder: Path) -> dict[str, Any]:
    gen = current_generation(folder)
    if gen is None:
        raise IndexMissingError(f"no index in {folder}: run `askcorpus index` first")
    try:
        manifest = json.loads((gen / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorruptError(f"{gen / MANIFEST} is missing; {REBUILD_HINT}") from None
    except (OSError, ValueError, RecursionError):
        raise IndexCorruptError(f"{gen / MANIFEST} is damaged; {REBUILD_HINT}") from None
    if not isinstance(manifest, dict):
        raise IndexCorruptError(f"{gen / MANIFEST} is damaged; {REBUILD_HINT}")
    shapes = {"counts": dict, "model": dict, "vector_index": dict, "build_key": dict,
              "documents": dict}
    if any(not isinstance(manifest.get(k), t) for k, t in shapes.items()) \
            or not isinstance(manifest["model"].get("name"), str) \
            or not isinstance(manifest["counts"].get("documents"), int):
        raise IndexCorruptError(f"{gen / MANIFEST} is incomplete; {REBUILD_HINT}")
    version = manifest.get("schema_version")
    if not isinstance(version, int):
        raise IndexCorruptError(f"{gen / MANIFEST} has no schema version; {REBUILD_HINT}")
    if version > SCHEMA_VERSION:
        raise IndexCorruptError(
            f"index in {folder} has schema {version}, newer than this askcorpus understands "
            f"({SCHEMA_VERSION}): upgrade askcorpus, or {REBUILD_HINT}"
        )
    if version < SCHEMA_VERSION:
        raise IndexMismatchError(
            f"index in {folder} has schema {version}, older than this askcorpus writes "
            f"({SCHEMA_VERSION}); {REBUILD_HINT}"
        )
    manifest["_generation"] = gen
    return manifest


def file_digests(gen: Path) -> dict[str, dict[str, Any]]:
    """``{relative path: {"bytes": n, "sha256": hex}}`` of every file of a generation folder
    except the manifest."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(p for p in gen.rglob("*") if p.is_file()):
        rel = path.relative_to(gen).as_posix()
        if rel != MANIFEST:
            out[rel] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def verify_files(gen: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is there, whole and unchanged (indexes written before
    checksums were recorded are not checked)."""
    files = manifest.get("files")
    if files is None:
        return
    if not isinstance(files, dict):
        raise IndexCorruptError(f"{gen / MANIFEST} is damaged; {REBUILD_HINT}")
    for rel, want in files.items():
        path = gen / rel
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IndexCorruptError(f"{path} is missing; {REBUILD_HINT}") from None
        except OSError as e:
            raise IndexCorruptError(f"cannot read {path} ({e.strerror}); {REBUILD_HINT}") from None
        if not isinstance(want, dict) or size != want.get("bytes"):
            raise IndexCorruptError(f"{path} is damaged (size {size:,} bytes, expected "
                                    f"{want.get('bytes') if isinstance(want, dict) else '?'});"
                                    f" {REBUILD_HINT}")
        try:
            digest = _sha256(path)
        except OSError as e:
            raise IndexCorruptError(f"cannot read {path} ({e.strerror}); {REBUILD_HINT}") from None
        if digest != want.get("sha256"):
            raise IndexCorruptError(f"{path} is damaged (checksum mismatch); {REBUILD_HINT}")


@contextlib.contextmanager
def _db_errors(index: StoredIndex) -> Iterator[None]:
    """A database error while reading is damage, said in one line."""
    try:
        yield
    except sqlite3.DatabaseError as e:
        raise IndexCorruptError(f"{index.generation / DB} is damaged ({e}); "
                                f"{REBUILD_HINT}") from None


_INFO_COLUMNS = ("id, path, paths, title, format, outlet, date, url, record, cluster, author, "
                 "date_source")


def _doc_info(r: Sequence[Any]) -> DocInfo:
    """A DocInfo from a row selected with _INFO_COLUMNS."""
    return DocInfo(id=r[0], path=r[1], paths=tuple(json.loads(r[2])), title=r[3], format=r[4],
                   outlet=r[5], date=r[6], url=r[7], record=r[8], cluster=r[9], author=r[10],
                   date_source=r[11])


@dataclass
class StoredIndex:
    """A loaded, read-only generation."""

    folder: Path
    generation: Path
    manifest: dict[str, Any]
    vectors: Any  # faiss.Index
    lexical: Lexical
    db: sqlite3.Connection
    has_sentence_vectors: bool = False  # indexes made before pooled sentence vectors lack them

    @property
    def size(self) -> int:
        return int(self.vectors.ntotal)

    @property
    def generation_name(self) -> str:
        return self.generation.name

    def close(self) -> None:
        self.db.close()

    def snapshot(self) -> contextlib.AbstractContextManager[StoredIndex]:
        """A generation never changes once written: it is its own snapshot."""
        return contextlib.nullcontext(self)

    def document_entries(self) -> dict[str, dict[str, Any]]:
        """doc id -> the manifest's entry (paths, chunks, title, outlet, date, url, record,
        author)."""
        return dict(self.manifest.get("documents", {}))

    def chunk_mask(self, doc_ids: Collection[str]) -> np.ndarray:
        """A bool array over chunk rows: True for the chunks of these documents."""
        mask = np.zeros(self.size, dtype=bool)
        ids = list(doc_ids)
        if ids:
            marks = ",".join("?" * len(ids))
            with _db_errors(self):
                rows = self.db.execute(f"SELECT id FROM chunks WHERE doc_id IN ({marks})", ids)
                mask[[r[0] for r in rows]] = True
        return mask

    def dated_ids(self, since: str | None, until: str | None) -> tuple[set[str], set[str]]:
        """(ids of the articles dated within [since, until] (ISO days, None: open), ids of the
        undated ones): an indexed range on ``documents.date``."""
        where, params = date_range_where(since, until, "?")
        with _db_errors(self):
            inside = {r[0] for r in self.db.execute(
                f"SELECT id FROM documents WHERE {where}", params)}
            undated = {r[0] for r in self.db.execute(
                "SELECT id FROM documents WHERE date IS NULL")}
        return inside, undated

    def date_bounds(self) -> tuple[str | None, str | None]:
        """The earliest and the newest article date in the index."""
        with _db_errors(self):
            row = self.db.execute("SELECT MIN(date), MAX(date) FROM documents").fetchone()
        return (row[0], row[1]) if row else (None, None)

    def dense_search(self, query_vec: np.ndarray, k: int,
                     allowed: Collection[str] | None = None) -> list[tuple[int, float]]:
        """Best ``k`` (chunk id, inner product), optionally among ``allowed`` documents."""
        import faiss

        n = self.size
        if n == 0 or k <= 0:
            return []
        params = None
        if allowed is not None:
            ids = np.flatnonzero(self.chunk_mask(allowed)).astype(np.int64)
            if len(ids) == 0:
                return []
            selector = faiss.IDSelectorBatch(ids)
            params = (faiss.SearchParametersHNSW(sel=selector) if hasattr(self.vectors, "hnsw")
                      else faiss.SearchParameters(sel=selector))
        q = np.ascontiguousarray(query_vec.reshape(1, -1), dtype=np.float32)
        scores, ids = self.vectors.search(q, min(k, n), params=params)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def lexical_search(self, tokens: list[str], k: int,
                       allowed: Collection[str] | None = None) -> list[tuple[int, float]]:
        """Best ``k`` (chunk id, BM25 score > 0), optionally among ``allowed`` documents."""
        mask = self.chunk_mask(allowed) if allowed is not None else None
        return self.lexical.search(tokens, k, mask)

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with _db_errors(self):
            rows = self.db.execute(
                f'SELECT id, doc_id, ord, start, "end", text FROM chunks WHERE id IN ({marks})',
                [int(i) for i in ids],
            ).fetchall()
        return {r[0]: Chunk(r[1], r[3], r[4], r[5], r[2]) for r in rows}

    def doc_infos(self, doc_ids: Sequence[str]) -> dict[str, DocInfo]:
        if not doc_ids:
            return {}
        marks = ",".join("?" * len(doc_ids))
        with _db_errors(self):
            rows = self.db.execute(f"SELECT {_INFO_COLUMNS} FROM documents WHERE id IN ({marks})",
                                   list(doc_ids)).fetchall()
        return {r[0]: _doc_info(r) for r in rows}

    def cluster_members(self, cluster: str) -> list[DocInfo]:
        """Every article in a near-duplicate group."""
        with _db_errors(self):
            ids = [r[0] for r in self.db.execute("SELECT id FROM documents WHERE cluster = ?",
                                                 (cluster,))]
        infos = self.doc_infos(ids)
        return [infos[i] for i in sorted(infos, key=lambda i: infos[i].path)]

    def minhashes(self) -> dict[str, bytes]:
        with _db_errors(self):
            return {r[0]: r[1] for r in self.db.execute("SELECT id, minhash FROM documents")
                    if r[1] is not None}

    def doc_text(self, doc_id: str) -> str:
        with _db_errors(self):
            row = self.db.execute("SELECT text FROM documents WHERE id = ?",
                                  (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        return str(row[0])

    def sentence_vectors(self, doc_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Each document's pooled sentence vectors (float32, one row per sentence as
        ``sentences.document_sentences`` numbers them); absent for documents without them."""
        if not doc_ids or not self.has_sentence_vectors:
            return {}
        marks = ",".join("?" * len(doc_ids))
        dim = int(self.manifest.get("model", {}).get("dim", 0)) or self.vectors.d
        with _db_errors(self):
            rows = self.db.execute(f"SELECT id, sentvecs FROM documents WHERE id IN ({marks}) "
                                   "AND sentvecs IS NOT NULL", list(doc_ids)).fetchall()
        meta = self.manifest.get("sentence_vectors")
        dtype = str(meta.get("dtype", "float16")) if isinstance(meta, dict) else "float16"
        return decode_stored(rows, dim, dtype, str(self.generation))

    def doc_spans(self, doc_id: str) -> list[tuple[int, int]]:
        with _db_errors(self):
            row = self.db.execute("SELECT spans FROM documents WHERE id = ?",
                                  (doc_id,)).fetchone()
        return [tuple(s) for s in json.loads(row[0])] if row else []  # type: ignore[misc]

    def documents(self) -> Iterator[tuple[DocInfo, int]]:
        with _db_errors(self):
            rows = self.db.execute(f"SELECT {_INFO_COLUMNS}, n_chunks FROM documents "
                                   "ORDER BY path").fetchall()
        for r in rows:
            yield _doc_info(r), r[11]

    def find_document(self, path: str) -> DocInfo | None:
        """A document by its path (or ``path#record``), or by its id (or an id prefix)."""
        for info, _ in self.documents():
            if path in (info.id, info.path) or path in info.paths or (
                    len(path) >= 6 and info.id.startswith(path)):
                return info
        return None

    def doc_vectors(self) -> dict[str, tuple[list[tuple[int, int, int]], np.ndarray]]:
        """For reuse when updating: doc id -> ([(ord, start, end)], vectors)."""
        n = self.size
        all_vecs = self.vectors.reconstruct_n(0, n) if n else np.zeros((0, 0), np.float32)
        out: dict[str, tuple[list[tuple[int, int, int]], list[int]]] = {}
        with _db_errors(self):
            rows = self.db.execute(
                'SELECT id, doc_id, ord, start, "end" FROM chunks ORDER BY doc_id, ord').fetchall()
        for cid, doc_id, ord_, start, end in rows:
            rows, ids = out.setdefault(doc_id, ([], []))
            rows.append((ord_, start, end))
            ids.append(cid)
        return {d: (rows, all_vecs[ids]) for d, (rows, ids) in out.items()}


def open_index(folder: Path, *, ef_search: int | None = None) -> StoredIndex:
    """Load the live generation; any damage is one clear IndexCorruptError."""
    import faiss

    manifest = read_manifest(folder)
    gen: Path = manifest.pop("_generation")
    for name in (DB, VECTORS, BM25_DIR):
        if not (gen / name).exists():
            raise IndexCorruptError(f"{gen / name} is missing; {REBUILD_HINT}")
    verify_files(gen, manifest)
    try:
        db = sqlite3.connect(f"file:{gen / DB}?mode=ro&immutable=1", uri=True,
                             check_same_thread=False)
        n_db = db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    except sqlite3.DatabaseError as e:
        raise IndexCorruptError(f"{gen / DB} is damaged ({e}); {REBUILD_HINT}") from None
    try:
        vectors = faiss.read_index(str(gen / VECTORS))
    except (RuntimeError, MemoryError):
        db.close()
        raise IndexCorruptError(f"{gen / VECTORS} is damaged; {REBUILD_HINT}") from None
    counts = manifest.get("counts")
    expected = counts.get("chunks") if isinstance(counts, dict) else None
    if vectors.ntotal != n_db or (expected is not None and expected != n_db):
        db.close()
        raise IndexCorruptError(f"index in {folder} is inconsistent ({vectors.ntotal} vectors, "
                                f"{n_db} chunks); {REBUILD_HINT}")
    if ef_search is not None and hasattr(vectors, "hnsw"):
        vectors.hnsw.efSearch = ef_search
    try:
        lexical = Lexical.load(gen / BM25_DIR)
    except Exception as e:
        db.close()
        raise IndexCorruptError(f"{gen / BM25_DIR} is damaged ({e}); {REBUILD_HINT}") from None
    columns = {r[1] for r in db.execute("PRAGMA table_info(documents)")}
    return StoredIndex(folder, gen, manifest, vectors, lexical, db,
                       has_sentence_vectors="sentvecs" in columns)


@contextlib.contextmanager
def write_lock(folder: Path) -> Iterator[None]:
    """One writer at a time; a second one fails at once with a clear message."""
    path = folder / ".lock"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        f = open(path, "a+")  # noqa: SIM115 - closed below, after the lock is released
    except OSError as e:
        raise AskCorpusError(f"cannot write the index folder {folder} "
                             f"({e.strerror or type(e).__name__})") from None
    with f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or "another process"
            raise IndexLockedError(
                f"{folder} is being written by {holder}; wait for it to finish") from None
        f.seek(0)
        f.truncate()
        f.write(f"askcorpus index (pid {os.getpid()})")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def build_vector_index(vectors: np.ndarray, dim: int, *, ann_threshold: int, hnsw_m: int) -> Any:
    import faiss

    n = len(vectors)
    if n > ann_threshold:
        index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 200
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def write_generation(folder: Path, *, manifest: dict[str, Any], docs: Sequence[Document],
                     chunks: Sequence[Chunk], vectors: np.ndarray, lexical: Lexical,
                     vector_index: Any, clusters: dict[str, str],
                     minhashes: dict[str, bytes],
                     sentence_vectors: dict[str, np.ndarray] | None = None) -> Path:
    """Write a complete generation and make it live. Call while holding ``write_lock``.

    A failure to write (disk full, permissions, an I/O error) removes the partial generation
    and is one AskCorpusError; the index that was live stays live."""
    import faiss

    tmp: Path | None = None
    switched = False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="tmp-", dir=folder))
        db = sqlite3.connect(tmp / DB)
        with db:
            db.executescript(_SCHEMA)
            n_chunks: dict[str, int] = {}
            for c in chunks:
                n_chunks[c.doc_id] = n_chunks.get(c.doc_id, 0) + 1
            db.executemany(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(d.id, d.path, json.dumps(list(d.all_paths)), d.title, d.format, d.outlet,
                  d.date, d.url, d.record, d.encoding, json.dumps(d.spans), d.text,
                  n_chunks.get(d.id, 0), clusters.get(d.id, d.id), minhashes.get(d.id),
                  _blob(sentence_vectors.get(d.id)) if sentence_vectors else None, d.author,
                  d.date_source)
                 for d in docs])
            db.executemany('INSERT INTO chunks (id, doc_id, ord, start, "end", text) '
                           "VALUES (?,?,?,?,?,?)",
                           [(i, c.doc_id, c.ord, c.start, c.end, c.text)
                            for i, c in enumerate(chunks)])
        db.close()
        faiss.write_index(vector_index, str(tmp / VECTORS))
        lexical.save(tmp / BM25_DIR)
        manifest = {**manifest, "files": file_digests(tmp)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False),
                                    encoding="utf-8")
        _fsync_tree(tmp)
        previous = current_generation_or_none(folder)
        number = 1 + max([_gen_number(p) for p in folder.glob("gen-*")] or [0])
        final = folder / f"gen-{number:08d}"
        os.rename(tmp, final)
        _fsync_dir(folder)
        pointer_tmp = folder / f"{CURRENT}.tmp"
        with open(pointer_tmp, "w", encoding="utf-8") as f:
            f.write(final.name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(pointer_tmp, folder / CURRENT)
        switched = True
        _fsync_dir(folder)
    except (OSError, sqlite3.Error, RuntimeError) as e:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if switched:  # only the last fsync failed: the new index is live
            raise AskCorpusError(f"the index in {folder} was written, but syncing it to disk "
                                 f"failed ({_reason(e)})") from None
        raise AskCorpusError(f"cannot write the index in {folder} ({_reason(e)}); the index "
                             "that was there is unchanged") from None
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    prune(folder, keep={final.name, previous.name if previous else ""})
    return final


def _blob(matrix: np.ndarray | None) -> bytes | None:
    return None if matrix is None else encode_rows(matrix)


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return e.strerror
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:200]


def current_generation_or_none(folder: Path) -> Path | None:
    try:
        return current_generation(folder)
    except IndexCorruptError:
        return None


def _gen_number(path: Path) -> int:
    try:
        return int(path.name.split("-", 1)[1])
    except (IndexError, ValueError):
        return 0


def prune(folder: Path, keep: set[str]) -> None:
    """Remove leftovers of crashed runs and generations older than the previous one."""
    for p in folder.iterdir():
        if p.name in keep:
            continue
        if p.is_dir() and (p.name.startswith("tmp-") or p.name.startswith("gen-")):
            shutil.rmtree(p, ignore_errors=True)
        elif p.name == f"{CURRENT}.tmp":
            p.unlink(missing_ok=True)


class FolderWriter:
    """Writes whole generations into a folder (FAISS + SQLite + bm25s), under its lock."""

    def __init__(self, folder: Path, settings: Settings) -> None:
        self.folder = folder
        self.settings = settings

    def write(self, generation: NewGeneration) -> tuple[str, int]:
        from ..lexical import tokenize_many

        g = generation
        dim = int(g.manifest["model"]["dim"])
        lexical = Lexical.build(tokenize_many(g.texts))
        vindex = build_vector_index(g.vectors, dim, ann_threshold=self.settings.ann_threshold,
                                    hnsw_m=self.settings.hnsw_m)
        final = write_generation(self.folder, manifest=g.manifest, docs=g.docs, chunks=g.chunks,
                                 vectors=g.vectors, lexical=lexical, vector_index=vindex,
                                 clusters=g.clusters, minhashes=g.minhashes,
                                 sentence_vectors=g.sentence_vectors)
        return final.name, len(g.chunks)


@contextlib.contextmanager
def folder_writer(folder: Path, settings: Settings) -> Iterator[FolderWriter]:
    with write_lock(folder):
        yield FolderWriter(folder, settings)


class FolderBackend:
    """The FAISS + SQLite folder as an :class:`~.base.IndexBackend`."""

    incremental = False

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @property
    def location(self) -> str:
        return str(self.folder)

    def current_generation(self) -> str | None:
        gen = current_generation(self.folder)
        return gen.name if gen is not None else None

    def read_manifest(self) -> dict[str, Any]:
        return read_manifest(self.folder)

    def open(self, *, ef_search: int | None = None) -> IndexReader:
        return open_index(self.folder, ef_search=ef_search)

    def writer(self, settings: Settings) -> contextlib.AbstractContextManager[IndexWriter]:
        return folder_writer(self.folder, settings)
