"""An answer as Markdown a reader can paste: each quote a block quote with its source line.

Every string from an article or a user is escaped, so the Markdown renders as exactly that
text (no emphasis, links, headings or HTML come from an article).
"""

from __future__ import annotations

import re
from typing import Any

from ..types import byline

_INLINE = re.compile(r"([\\`*_\[\]<>&~|])")  # what can start emphasis, code, links, HTML
_LINE_START = re.compile(r"^(#|>|-|\+|=|\d{1,9}(?=[.)]))")  # headings, lists, rules, setext
_NUMBERED = re.compile(r"^(\d{1,9})([.)])")


def escape(text: str) -> str:
    """Markdown that renders as exactly ``text``: characters that could start emphasis, code,
    links, HTML or entities are backslash-escaped anywhere, and those that would open a
    heading, list, quote or rule at the start of a line are escaped there. Leading blanks are
    dropped (they would make a code block); line breaks are kept."""
    lines = []
    for raw in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _INLINE.sub(r"\\\1", raw.strip(" \t"))
        if _NUMBERED.match(line):
            line = _NUMBERED.sub(r"\1\\\2", line, count=1)
        elif _LINE_START.match(line):
            line = "\\" + line
        lines.append(line)
    return "\n".join(lines)


def _code(text: str) -> str:
    """A path as a code span (a backtick in it: escaped text instead)."""
    return f"`{text}`" if "`" not in text and text.strip() == text and text else escape(text)


def source_line(q: dict[str, Any]) -> str:
    """— outlet · *title* · by author · date · `path`, characters start–end (and the
    article's link when it has an http(s) URL)."""
    parts = []
    if q.get("outlet"):
        parts.append(escape(q["outlet"]))
    if q.get("title"):
        parts.append(f"*{escape(q['title'])}*")
    if isinstance(q.get("author"), str) and q["author"].strip():
        parts.append(escape(byline(q["author"])))
    if q.get("date"):
        parts.append(escape(q["date"]))
    where = q["path"] + (f"#{q['record']}" if q.get("record") else "")
    parts.append(f"{_code(where)}, characters {q['start']}–{q['end']}")
    url = q.get("url")
    if isinstance(url, str) and re.match(r"https?://[^\s<>]+$", url):
        parts.append(f"<{url}>")
    return "— " + " · ".join(parts)


def _flag_line(q: dict[str, Any]) -> str | None:
    if not q.get("flags"):
        return None
    terms = ", ".join(f"“{escape(t)}”" for t in q.get("flag_terms") or [])
    return f"⚑ {escape(', '.join(q['flags']))}" + (f": {terms}" if terms else "")


def _block_quote(q: dict[str, Any]) -> str:
    body = [*escape(q["text"]).split("\n"), "", source_line(q)]
    flags = _flag_line(q)
    if flags:
        body += ["", flags]
    return "\n".join(f"> {line}" if line else ">" for line in body)


def answer_markdown(answer: dict[str, Any]) -> str:
    """One answer (``Answer.to_dict()``) as Markdown: the question as a heading, how it was
    read, the answer's message, then the quotes (or, when nothing answers, the closest
    passages under a label saying they do not answer)."""
    out = [f"## {escape(answer['question'])}"]
    resolved = answer.get("resolved_question")
    if resolved and resolved != answer["question"]:
        out.append(f"*Read as: {escape(resolved)}*")
    if answer["answered"]:
        out.append(escape(answer.get("message") or ""))
        quotes = answer["quotes"]
    else:
        out.append(f"**{escape(answer.get('message') or 'No article answers this.')}**")
        quotes = answer.get("related") or []
        if quotes:
            out.append("Closest passages (they do not answer the question):")
    out += [_block_quote(q) for q in quotes]
    return "\n\n".join(x for x in out if x) + "\n"
