"""Stage 2, the index: takes Documents and their chunks and gives a searchable index (dense
vectors, BM25, chunk and sentence records) in a store, built incrementally and replaced
atomically. Embedders (sentence-transformers, ONNX int8, late pooling of sentence vectors)
turn text into vectors; ``store`` holds the interface every store implements and the folder
and PostgreSQL stores behind it."""

from __future__ import annotations

from .build import IndexSummary, Progress, build_index, build_key
from .embedding import Embedder, ModelSpec, SentenceTransformerEmbedder, resolve_model
from .onnx_embedder import OnnxEmbedder
from .store import IndexBackend, IndexReader, IndexWriter, NewGeneration, open_backend

__all__ = ["Embedder", "IndexBackend", "IndexReader", "IndexSummary", "IndexWriter",
           "ModelSpec", "NewGeneration", "OnnxEmbedder", "Progress",
           "SentenceTransformerEmbedder", "build_index", "build_key", "open_backend",
           "resolve_model"]
