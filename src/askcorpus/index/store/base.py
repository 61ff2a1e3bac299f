"""The interface every index store implements; it knows no store. Two implement it:

* the folder store (default): FAISS + SQLite + bm25s files under ``index/`` (folder.py);
* the PostgreSQL store: pgvector + tables in a database, chosen with ``--store
  postgresql://…`` or ``ASKCORPUS_STORE`` (postgres/).

factory.py picks one from the settings.

The pipeline, the retriever and the answer code see only :class:`IndexReader`; the indexer
writes through :class:`IndexWriter`. Plain data crosses the boundary: chunk ids (int), doc ids
(str), numpy vectors, :class:`~askcorpus.types.Chunk` / :class:`~askcorpus.types.DocInfo`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from ...config import Settings
    from ...types import Chunk, DocInfo, Document


def date_range_where(since: str | None, until: str | None, mark: str
                     ) -> tuple[str, list[str]]:
    """The WHERE clause (and its parameters) of the articles dated within [since, until] (ISO
    days, None: open) on ``documents.date``, with ``mark`` the store's placeholder."""
    where, params = ["date IS NOT NULL"], []
    if since:
        where.append(f"date >= {mark}")
        params.append(since)
    if until:
        where.append(f"date <= {mark}")
        params.append(until)
    return " AND ".join(where), params


class LexicalStats(Protocol):
    """What answer selection asks of the lexical index besides search."""

    def idf(self, tokens: list[str]) -> dict[str, float]: ...

    def knows(self, token: str, min_prefix: int = 4) -> bool: ...


class IndexReader(Protocol):
    """One index, open for reading. ``snapshot()`` pins one consistent state for a request
    (a no-op for the folder store, whose generations never change once written)."""

    manifest: dict[str, Any]
    lexical: LexicalStats

    @property
    def size(self) -> int: ...

    @property
    def generation_name(self) -> str: ...

    def close(self) -> None: ...

    def snapshot(self) -> AbstractContextManager[Any]: ...

    def chunks(self, ids: Sequence[int]) -> dict[int, Chunk]: ...

    def doc_infos(self, doc_ids: Sequence[str]) -> dict[str, DocInfo]: ...

    def cluster_members(self, cluster: str) -> list[DocInfo]: ...

    def minhashes(self) -> dict[str, bytes]: ...

    def doc_text(self, doc_id: str) -> str: ...

    def doc_spans(self, doc_id: str) -> list[tuple[int, int]]: ...

    def sentence_vectors(self, doc_ids: Sequence[str]) -> dict[str, np.ndarray]: ...

    def documents(self) -> Iterator[tuple[DocInfo, int]]: ...

    def document_entries(self) -> dict[str, dict[str, Any]]: ...

    def find_document(self, path: str) -> DocInfo | None: ...

    def dated_ids(self, since: str | None,
                  until: str | None) -> tuple[set[str], set[str]]: ...

    def date_bounds(self) -> tuple[str | None, str | None]: ...

    def dense_search(self, query_vec: np.ndarray, k: int,
                     allowed: Collection[str] | None = None) -> list[tuple[int, float]]: ...

    def lexical_search(self, tokens: list[str], k: int,
                       allowed: Collection[str] | None = None) -> list[tuple[int, float]]: ...


@dataclass
class NewGeneration:
    """What the indexer hands a writer. For an incremental writer (PostgreSQL) ``chunks``,
    ``texts`` and ``vectors`` cover only the documents in ``fresh``; the folder writer gets
    every chunk. ``texts`` are the texts embedded and BM25-indexed (title in front)."""

    manifest: dict[str, Any]
    docs: list[Document]
    chunks: list[Chunk]
    texts: list[str]
    vectors: np.ndarray
    clusters: dict[str, str]
    minhashes: dict[str, bytes]
    fresh: set[str] = field(default_factory=set)
    replace_all: bool = False
    # doc id -> its sentences' pooled vectors (late_pooling); None: the embedder pools none
    sentence_vectors: dict[str, np.ndarray] | None = None


class IndexWriter(Protocol):
    def write(self, generation: NewGeneration) -> tuple[str, int]:
        """Make ``generation`` live atomically; returns (generation name, total chunks)."""
        ...


class IndexBackend(Protocol):
    """A place for an index: it opens readers, tells the live generation, takes the lock."""

    incremental: bool  # True: unchanged documents stay where they are (no full rewrite)

    @property
    def location(self) -> str: ...

    def current_generation(self) -> str | None: ...

    def read_manifest(self) -> dict[str, Any]: ...

    def open(self, *, ef_search: int | None = None) -> IndexReader: ...

    def writer(self, settings: Settings) -> AbstractContextManager[IndexWriter]: ...
