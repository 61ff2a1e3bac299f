"""Loaders for public evaluation benchmarks: BEIR-format retrieval sets and SQuAD 2.0.

Both loaders return plain dataclasses; ``beir_records`` / ``squad_records`` turn the documents
into ``{"id", "title", "text"}`` dicts, ready to be written out as a JSONL corpus.
Malformed input raises ``ValueError`` naming the file (and the line, where there is one).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "BeirData",
    "SquadData",
    "SquadQuestion",
    "beir_records",
    "load_beir",
    "load_squad",
    "squad_question_articles",
    "squad_records",
]


@dataclass
class BeirData:
    """A BEIR dataset split. ``queries`` holds only the queries judged in ``qrels``."""

    corpus: dict[str, tuple[str, str]]  # doc id -> (title, text)
    queries: dict[str, str]  # query id -> text
    qrels: dict[str, dict[str, int]]  # query id -> {doc id: relevance}
    split: str = "test"


@dataclass
class SquadQuestion:
    id: str
    question: str
    answers: list[str]  # unique gold answer texts, first-seen order; [] when unanswerable
    sources: list[str]  # [paragraph doc id] when answerable, [] when unanswerable
    answerable: bool


@dataclass
class SquadData:
    """SQuAD paragraphs as documents (id -> (article title, context)) plus the questions."""

    corpus: dict[str, tuple[str, str]]
    questions: list[SquadQuestion] = field(default_factory=list)
    version: str = ""


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line of a JSONL file."""
    if not path.is_file():
        raise FileNotFoundError(f"missing file: {path}")
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{lineno}: invalid JSON: {exc.msg}") from exc
            if not isinstance(obj, dict):
                raise ValueError(f"{path}:{lineno}: expected a JSON object")
            yield lineno, obj


def _field(obj: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = obj.get(key, default)
    if value is None:
        raise ValueError(f"{where}: missing field {key!r}")
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(f"{where}: field {key!r} must be a string")
    return str(value)


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            row = line.rstrip("\r\n").split("\t")
            if len(row) != 3:
                raise ValueError(
                    f"{path}:{lineno}: expected 3 tab-separated fields, got {len(row)}"
                )
            qid, did, score = (cell.strip() for cell in row)
            if lineno == 1 and qid == "query-id":
                continue  # header
            try:
                rel = int(score)
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: score {score!r} is not an integer") from exc
            qrels.setdefault(qid, {})[did] = rel
    return qrels


def load_beir(folder: Path, split: str = "test") -> BeirData:
    """Load ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv`` from a BEIR folder."""
    folder = Path(folder)
    qrels_path = folder / "qrels" / f"{split}.tsv"
    if not qrels_path.is_file():
        available = sorted(p.stem for p in (folder / "qrels").glob("*.tsv"))
        raise FileNotFoundError(
            f"missing file: {qrels_path} (available splits: {', '.join(available) or 'none'})"
        )
    qrels = _read_qrels(qrels_path)

    corpus: dict[str, tuple[str, str]] = {}
    corpus_path = folder / "corpus.jsonl"
    for lineno, obj in _read_jsonl(corpus_path):
        where = f"{corpus_path}:{lineno}"
        doc_id = _field(obj, "_id", where)
        if doc_id in corpus:
            raise ValueError(f"{where}: duplicate document id {doc_id!r}")
        corpus[doc_id] = (_field(obj, "title", where, ""), _field(obj, "text", where))

    queries: dict[str, str] = {}
    queries_path = folder / "queries.jsonl"
    for lineno, obj in _read_jsonl(queries_path):
        where = f"{queries_path}:{lineno}"
        qid = _field(obj, "_id", where)
        if qid in qrels:
            queries[qid] = _field(obj, "text", where)
    missing = [qid for qid in qrels if qid not in queries]
    if missing:
        raise ValueError(
            f"{qrels_path}: {len(missing)} query ids not found in {queries_path}, "
            f"e.g. {missing[0]!r}"
        )
    return BeirData(corpus=corpus, queries=queries, qrels=qrels, split=split)


def _as_list(obj: dict[str, Any], key: str, where: str) -> list[Any]:
    value = obj.get(key)
    if not isinstance(value, list):
        raise ValueError(f"{where}: field {key!r} must be a list")
    return value


def load_squad(path: Path) -> SquadData:
    """Load a SQuAD 1.1 / 2.0 JSON file.

    Paragraph ``p`` of article ``a`` (both 0-based, in file order) becomes document
    ``f"{a:03d}_{p:04d}"`` titled with the article title. A missing ``is_impossible`` counts as
    answerable (SQuAD 1.1). ``plausible_answers`` of unanswerable questions are not used.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"missing file: {path}")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a JSON object at top level")

    data = SquadData(corpus={}, version=str(raw.get("version", "")))
    seen: set[str] = set()
    for a, article in enumerate(_as_list(raw, "data", str(path))):
        where_a = f"{path}: data[{a}]"
        if not isinstance(article, dict):
            raise ValueError(f"{where_a}: expected an object")
        title = _field(article, "title", where_a, "")
        for p, para in enumerate(_as_list(article, "paragraphs", where_a)):
            where_p = f"{where_a}.paragraphs[{p}]"
            if not isinstance(para, dict):
                raise ValueError(f"{where_p}: expected an object")
            doc_id = f"{a:03d}_{p:04d}"
            data.corpus[doc_id] = (title, _field(para, "context", where_p))
            for i, qa in enumerate(_as_list(para, "qas", where_p)):
                where_q = f"{where_p}.qas[{i}]"
                if not isinstance(qa, dict):
                    raise ValueError(f"{where_q}: expected an object")
                qid = _field(qa, "id", where_q)
                if qid in seen:
                    raise ValueError(f"{where_q}: duplicate question id {qid!r}")
                seen.add(qid)
                answerable = not bool(qa.get("is_impossible", False))
                answers: list[str] = []
                if answerable:
                    for j, ans in enumerate(_as_list(qa, "answers", where_q)):
                        if not isinstance(ans, dict):
                            raise ValueError(f"{where_q}.answers[{j}]: expected an object")
                        text = _field(ans, "text", f"{where_q}.answers[{j}]")
                        if text.strip() and text not in answers:
                            answers.append(text)
                    if not answers:
                        raise ValueError(f"{where_q}: answerable question without answers")
                data.questions.append(
                    SquadQuestion(
                        id=qid,
                        question=_field(qa, "question", where_q),
                        answers=answers,
                        sources=[doc_id] if answerable else [],
                        answerable=answerable,
                    )
                )
    return data


def beir_records(data: BeirData) -> Iterator[dict[str, str]]:
    """Yield ``{"id", "title", "text"}`` for every BEIR corpus document."""
    for doc_id, (title, text) in data.corpus.items():
        yield {"id": doc_id, "title": title, "text": text}


def squad_question_articles(path: Path) -> dict[str, int]:
    """SQuAD question id -> the number of its article (their order in the file), answerable
    or not: what article-held-out splits are made of."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {qa["id"]: a for a, art in enumerate(data["data"]) for para in art["paragraphs"]
            for qa in para["qas"]}


def squad_records(data: SquadData) -> Iterator[dict[str, str]]:
    """Yield ``{"id", "title", "text"}`` for every SQuAD paragraph."""
    for doc_id, (title, text) in data.corpus.items():
        yield {"id": doc_id, "title": title, "text": text}
