"""Plain, frozen data types that flow between the pipeline stages.

Document -> Chunk -> Hit -> Quote -> Answer. Every offset is a ``[start, end)`` character
range into ``Document.text``, the article's original decoded text, so that
``document.text[start:end] == quote.text`` always holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Document:
    """One article. ``id`` is a hash of ``text``; identical copies share one Document."""

    id: str
    path: str  # path of the first copy, relative to the corpus folder, POSIX separators
    text: str  # original decoded text (JSON: the record's text field; HTML: its visible text)
    title: str
    format: str  # the format's name: txt | md | html | json | jsonl | pdf | docx | …
    spans: tuple[tuple[int, int], ...]  # quotable regions (page furniture excluded)
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    record: str | None = None  # which record of a JSON/JSONL file (its id or 1-based number)
    encoding: str = "utf-8"
    paths: tuple[str, ...] = ()  # every file holding this exact article (duplicates)
    author: str | None = None  # the byline, where the file states one
    extra: tuple[tuple[str, str], ...] = ()  # other fields the file states (length, section…)
    date_source: str | None = None  # where ``date`` (ISO 8601) came from: "json field", …

    @property
    def all_paths(self) -> tuple[str, ...]:
        return self.paths or (self.path,)


def byline(author: str) -> str:
    """How an author is shown beside a quote: "by Maria Lopez" (a byline the file already
    begins with "By" is kept as it is)."""
    author = " ".join(author.split())
    return author if author[:3].lower() == "by " else f"by {author}"


@dataclass(frozen=True, slots=True)
class DocInfo:
    """A Document's attribution without its text (what answers carry around)."""

    id: str
    path: str
    title: str
    format: str
    outlet: str | None = None
    date: str | None = None
    url: str | None = None
    record: str | None = None
    paths: tuple[str, ...] = ()
    cluster: str | None = None  # near-duplicate group (id of its first member)
    author: str | None = None  # the byline, where the file states one
    date_source: str | None = None  # where ``date`` (ISO 8601 day) came from

    @classmethod
    def of(cls, doc: Document) -> DocInfo:
        return cls(
            id=doc.id, path=doc.path, title=doc.title, format=doc.format, outlet=doc.outlet,
            date=doc.date, url=doc.url, record=doc.record, paths=doc.all_paths,
            author=doc.author, date_source=doc.date_source,
        )


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file (or record) that was not indexed, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Chunk:
    doc_id: str
    start: int
    end: int
    text: str
    ord: int = 0  # position of the chunk within its document


@dataclass(frozen=True, slots=True)
class Hit:
    """A retrieved chunk. ``id`` is its row in the index; ranks are 1-based, None if absent."""

    id: int
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None
    dense_score: float | None = None


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    doc: DocInfo
    start: int
    end: int
    score: float
    span_start: int | None = None  # the answering span inside the quote (document offsets)
    span_end: int | None = None
    flags: tuple[str, ...] = ()  # e.g. "unconfirmed", "attributed", "disputed"
    flag_terms: tuple[str, ...] = ()  # the words that raised the flags
    stance: str | None = None  # "reports" the claim, or "doubts" it (unconfirmed, denied)

    def to_dict(self) -> dict[str, Any]:
        d = self.doc
        return {
            "text": self.text,
            "path": d.path,
            "start": self.start,
            "end": self.end,
            "span_start": self.span_start,
            "span_end": self.span_end,
            "title": d.title,
            "outlet": d.outlet,
            "author": d.author,
            "date": d.date,
            "date_source": d.date_source,
            "url": d.url,
            "record": d.record,
            "doc_id": d.id,
            "paths": list(d.paths or (d.path,)),
            "score": round(float(self.score), 6),
            "flags": list(self.flags),
            "flag_terms": list(self.flag_terms),
            "stance": self.stance,
            "cluster": d.cluster,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answered: bool
    quotes: tuple[Quote, ...] = ()
    related: tuple[Quote, ...] = ()  # closest passages when nothing answers
    message: str = ""
    resolved_question: str | None = None  # the question after follow-up resolution
    confidence: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question": self.question,
            "answered": self.answered,
            "message": self.message,
            "confidence": round(float(self.confidence), 6),
            "quotes": [q.to_dict() for q in self.quotes],
            "related": [q.to_dict() for q in self.related],
        }
        if self.resolved_question and self.resolved_question != self.question:
            out["resolved_question"] = self.resolved_question
        out.update(self.extra)
        return out
