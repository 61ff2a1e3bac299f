"""Where an index lives. ``base`` is the interface (it knows no store): readers give chunks,
documents and search hits; writers take a :class:`NewGeneration` and make it live atomically.
``folder`` (FAISS + SQLite + bm25s files, the default) and ``postgres`` (pgvector + tables)
implement it; ``factory.open_backend`` picks one from the settings."""

from __future__ import annotations

from .base import IndexBackend, IndexReader, IndexWriter, LexicalStats, NewGeneration
from .factory import is_database_url, open_backend

__all__ = ["IndexBackend", "IndexReader", "IndexWriter", "LexicalStats", "NewGeneration",
           "is_database_url", "open_backend"]
