"""Stage 1, the corpus: takes a folder of article files (text, web pages, JSON/JSONL, PDF,
Word, RTF, e-mail, LexisNexis / Factiva exports: one module each in ``formats/``) and gives
plain :class:`~askcorpus.types.Document` objects (original text, attribution, quotable
spans), skipping what cannot be read with a reason; then their sentences, their chunks and
their near-duplicate groups. Nothing here knows about indexes or models."""

from __future__ import annotations

from .chunking import Chunker, ChunkerSettings
from .ingest import SUPPORTED, load_corpus, read_file
from .neardup import clusters, signature
from .sentences import document_sentences, sentence_spans
from .watch import CorpusWatcher, changes

__all__ = ["SUPPORTED", "Chunker", "ChunkerSettings", "CorpusWatcher", "changes", "clusters",
           "document_sentences", "load_corpus", "read_file", "sentence_spans", "signature"]
