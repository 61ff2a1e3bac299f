"""Readers' votes on answers, kept as JSON Lines, and the question file they become.

One vote a line: {"v": 1, "time", "question", "resolved_question"?, "generation", "vote": "up" |
"down", "note", "quotes": [{"doc", "path", "start", "end", "text"}], "marked": int | null,
"nothing": bool}. ``marked`` is the 0-based quote a reader clicked as the one that does answer;
``nothing`` says no quote answers. Lines are appended under an exclusive lock in one write, so
concurrent votes never interleave or lose a line.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import AskCorpusError
from .questions import EvalQuestion

VERSION = 1
MAX_NOTE = 2000
MAX_QUOTES = 50


def _quote(q: Mapping[str, Any]) -> dict[str, Any]:
    try:
        start, end = int(q["start"]), int(q["end"])
    except (KeyError, TypeError, ValueError):
        raise AskCorpusError("a quote in the vote has no start/end offsets") from None
    path = str(q.get("path") or "")
    doc = str(q.get("doc") or q.get("doc_id") or path)
    if not doc or not 0 <= start <= end:
        raise AskCorpusError("a quote in the vote names no article or has bad offsets")
    return {"doc": doc, "path": path or doc, "start": start, "end": end,
            "text": str(q.get("text") or "")}


def make_vote(*, question: str, generation: str | None, vote: str,
              quotes: Iterable[Mapping[str, Any]], note: str = "", marked: int | None = None,
              nothing: bool = False, resolved_question: str | None = None) -> dict[str, Any]:
    """A checked vote record (raises AskCorpusError with one clear sentence when it is not)."""
    if vote not in ("up", "down"):
        raise AskCorpusError(f"a vote is 'up' or 'down', not {vote!r}")
    if not question or not question.strip():
        raise AskCorpusError("a vote needs the question it is about")
    shown = [_quote(q) for q in list(quotes)[:MAX_QUOTES]]
    if marked is not None:
        if vote != "down" or nothing:
            raise AskCorpusError("only a 'down' vote marks the quote that does answer")
        if not 0 <= marked < len(shown):
            raise AskCorpusError(f"quote {marked + 1} was not among the {len(shown)} shown")
    if nothing and vote != "down":
        raise AskCorpusError("'nothing answers this' goes with a 'down' vote")
    rec: dict[str, Any] = {"v": VERSION, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                time.gmtime()),
                           "question": question.strip(), "generation": generation,
                           "vote": vote, "note": (note or "").strip()[:MAX_NOTE],
                           "quotes": shown, "marked": marked, "nothing": bool(nothing)}
    if resolved_question and resolved_question.strip() != question.strip():
        rec["resolved_question"] = resolved_question.strip()
    return rec


def append_vote(path: Path, record: Mapping[str, Any]) -> None:
    """Append one line atomically: O_APPEND, an exclusive lock, one write, fsync."""
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as e:
        raise AskCorpusError(f"cannot write the feedback file {path}: {e.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(line)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def load_votes(path: Path) -> list[dict[str, Any]]:
    """Every vote in the file; a line that is not a vote is an error naming file and line."""
    if not path.is_file():
        raise AskCorpusError(f"feedback file {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AskCorpusError(f"{path} is not a feedback file (not UTF-8 text)") from None
    out: list[dict[str, Any]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            if not isinstance(r, dict) or r.get("vote") not in ("up", "down") \
                    or not isinstance(r.get("question"), str) \
                    or not isinstance(r.get("quotes"), list):
                raise ValueError("not a vote")
            out.append(make_vote(question=r["question"], generation=r.get("generation"),
                                 vote=r["vote"], quotes=r["quotes"], note=r.get("note") or "",
                                 marked=r.get("marked"), nothing=bool(r.get("nothing")),
                                 resolved_question=r.get("resolved_question"))
                       | {"time": r.get("time")})
        except (ValueError, TypeError, AskCorpusError) as e:
            raise AskCorpusError(f"{path}:{n}: not a feedback vote (one JSON object a line, "
                                 f"as askcorpus serve --feedback writes; {e})") from None
    return out


def _expected(vote: Mapping[str, Any]) -> tuple[list[str], list[str], bool] | None:
    """(answers, sources, answerable) a vote says, or None when it says nothing usable."""
    quotes = vote["quotes"]
    if vote["vote"] == "down" and vote.get("nothing"):
        return [], [], False
    if vote["vote"] == "down":
        if vote.get("marked") is None:
            return None  # wrong, but the reader did not say what is right
        q = quotes[vote["marked"]]
    else:
        if not quotes:
            return [], [], False  # "no answer" was right
        q = quotes[0]
    if not q["text"].strip():
        return None
    return [q["text"]], [q["doc"], q["path"]], True


def to_questions(votes: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Question records in the eval/*.jsonl format, the last vote on a question winning; and
    how many votes said nothing usable (down, no quote marked)."""
    latest: dict[str, dict[str, Any]] = {}
    skipped = 0
    for v in votes:
        exp = _expected(v)
        q = v.get("resolved_question") or v["question"]
        if exp is None:
            skipped += 1
            continue
        answers, sources, answerable = exp
        rec: dict[str, Any] = {"question": q, "answers": answers,
                               "sources": list(dict.fromkeys(s for s in sources if s)),
                               "answerable": answerable, "kind": "feedback"}
        if v.get("note"):
            rec["note"] = v["note"]
        latest.pop(q, None)
        latest[q] = rec
    out = []
    for i, rec in enumerate(latest.values(), 1):
        out.append({"id": f"fb{i:04d}", **rec})
    return out, skipped


def feedback_questions(path: Path) -> list[EvalQuestion]:
    """The votes of a feedback file as evaluation questions."""
    records, _ = to_questions(load_votes(path))
    if not records:
        raise AskCorpusError(f"{path} holds no vote that says what the answer is (a 'down' "
                             "vote needs a marked quote or 'nothing answers this')")
    return [EvalQuestion(id=r["id"], question=r["question"], answers=tuple(r["answers"]),
                         sources=tuple(r["sources"]), answerable=r["answerable"],
                         kind=r["kind"]) for r in records]


def export(path: Path, out: Path) -> tuple[int, int]:
    """Write the question file; returns (questions written, votes skipped)."""
    records, skipped = to_questions(load_votes(path))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
                   encoding="utf-8")
    os.replace(tmp, out)
    return len(records), skipped
