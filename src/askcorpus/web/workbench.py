"""The chat as a workbench: conversations kept in the browser, exported, cited and voted on.

Plain functions over plain data (no gradio): the page keeps ``{"chats": [{"id", "title",
"updated", "turns"}], "unreadable": [...]}`` in the browser's local storage (gr.BrowserState);
:func:`read_chats` checks what comes back from a browser, :func:`conversation_markdown` and
:func:`conversation_json` export one, :func:`citation` cites a quote, :func:`parse_permalink`
reads ``?doc=…&at=start:end``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any

from ..answer.markdown import answer_markdown
from ..errors import AskCorpusError

MAX_CHATS = 200  # kept per browser (local storage holds a few MB)
STORAGE_KEY = "askcorpus-chats"  # the browser's local storage entry (gr.BrowserState)
# where the page sets aside an entry the browser could not read (see assets.KEPT_CHECK_JS)
UNREADABLE_KEY = "askcorpus-chats-unreadable"
UNREADABLE_NOTE = (
    "The conversations kept in this browser could not be read (the entry is damaged, or was "
    "sealed by another server); it is set aside in this browser's local storage as "
    f"{UNREADABLE_KEY}, and new conversations are kept from now on.")
_AT = re.compile(r"^\s*(\d{1,9})\s*:\s*(\d{1,9})\s*$")


def new_id() -> str:
    return uuid.uuid4().hex[:12]


def _turn_ok(t: Any) -> bool:
    if not isinstance(t, dict) or not isinstance(t.get("question"), str):
        return False
    a = t.get("answer")
    if a is None:
        return t.get("error") is None or isinstance(t.get("error"), str)
    return isinstance(a, dict) and isinstance(a.get("question"), str) \
        and isinstance(a.get("quotes"), list) and all(isinstance(q, dict) for q in a["quotes"])


def read_chats(raw: Any) -> tuple[dict[str, Any], int]:
    """(the kept conversations, how many entries could not be read). Unreadable entries are
    kept as they came under ``"unreadable"`` (so nothing a browser held is thrown away)."""
    if raw in (None, "", [], {}):
        return {"chats": [], "unreadable": []}, 0
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {"chats": [], "unreadable": [raw]}, 1
    if not isinstance(raw, dict) or not isinstance(raw.get("chats", []), list):
        return {"chats": [], "unreadable": [raw]}, 1
    chats, bad = [], list(raw.get("unreadable") or [])
    fresh = 0
    for c in raw.get("chats", []):
        if isinstance(c, dict) and isinstance(c.get("id"), str) and \
                isinstance(c.get("turns"), list) and c["turns"] and \
                all(_turn_ok(t) for t in c["turns"]):
            chats.append({"id": c["id"][:40], "title": str(c.get("title") or
                                                           c["turns"][0]["question"])[:200],
                          "updated": float(c.get("updated") or 0) if
                          isinstance(c.get("updated"), int | float) else 0.0,
                          "turns": c["turns"]})
        else:
            bad.append(c)
            fresh += 1
    return {"chats": chats[:MAX_CHATS], "unreadable": bad[:MAX_CHATS]}, fresh


def keep(store: dict[str, Any], chat_id: str, turns: list[dict[str, Any]]) -> dict[str, Any]:
    """The store with conversation ``chat_id`` set to ``turns`` (newest first)."""
    chats = [c for c in store.get("chats", []) if c.get("id") != chat_id]
    done = [t for t in turns if t.get("answer") is not None or t.get("error")]
    if done:
        chats.insert(0, {"id": chat_id, "title": done[0]["question"][:200],
                         "updated": time.time(), "turns": done})
    return {"chats": chats[:MAX_CHATS], "unreadable": store.get("unreadable", [])}


def drop(store: dict[str, Any], chat_id: str | None) -> dict[str, Any]:
    return {"chats": [c for c in store.get("chats", []) if c.get("id") != chat_id],
            "unreadable": store.get("unreadable", [])}


def choices(store: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, id) per conversation, labelled by its first question and when it was kept."""
    out = []
    for c in store.get("chats", []):
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c["updated"])) \
            if c.get("updated") else ""
        n = len(c["turns"])
        out.append((f"{c['title'][:80]} · {n} question{'s' * (n != 1)}"
                    + (f" · {when}" if when else ""), c["id"]))
    return out


def find(store: dict[str, Any], chat_id: Any) -> dict[str, Any] | None:
    return next((c for c in store.get("chats", []) if c.get("id") == chat_id), None)


def answers(turns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [t["answer"] for t in turns if isinstance(t.get("answer"), dict)]


def votable(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The quotes a reader can mark as the one that does answer: the answer's quotes, or
    when no article answers, the related passages shown with it."""
    key = "quotes" if answer.get("answered") else "related"
    return [q for q in answer.get(key) or [] if isinstance(q, dict)]


def vote_event(data: Any, turns: list[dict[str, Any]]) -> tuple[int, str, int | None, bool,
                                                                 str]:
    """(turn, "up" | "down", marked quote or None, nothing answers, note) from a vote sent
    by the page's script (``{"turn", "vote", "marked", "nothing", "note"}``); AskCorpusError
    with one sentence when it names no answer of this conversation or is not a vote."""
    if not isinstance(data, dict):
        raise AskCorpusError("the vote came without its answer")
    turn = data.get("turn")
    if isinstance(turn, str) and turn.strip().isdigit():
        turn = int(turn)
    if isinstance(turn, bool) or not isinstance(turn, int) or not 0 <= turn < len(turns) \
            or not isinstance(turns[turn].get("answer"), dict):
        raise AskCorpusError("that answer is not in this conversation any more (reload the "
                             "page or reopen the conversation)")
    vote = data.get("vote")
    if vote not in ("up", "down"):
        raise AskCorpusError("a vote is 👍 or 👎")
    marked = data.get("marked")
    if marked in (None, "", "none"):
        marked = None
    else:
        try:
            marked = int(marked)
        except (TypeError, ValueError):
            raise AskCorpusError("the marked quote is not one of this answer's") from None
        if isinstance(data.get("marked"), bool) or not \
                0 <= marked < len(votable(turns[turn]["answer"])):
            raise AskCorpusError("the marked quote is not one of this answer's")
    nothing = data.get("nothing") is True
    if vote == "up" and (marked is not None or nothing):
        raise AskCorpusError("only a 👎 marks the quote that does answer")
    if marked is not None and nothing:
        raise AskCorpusError("mark one quote or 'nothing answers this', not both")
    note = data.get("note")
    note = note if isinstance(note, str) else ""
    return turn, vote, marked, nothing, note[:2000]


def conversation_markdown(turns: list[dict[str, Any]], title: str = "askcorpus") -> str:
    """The conversation: each answer exactly as ``askcorpus ask --format markdown`` prints it."""
    body = [answer_markdown(a) for a in answers(turns)]
    return f"# {title}\n\n" + "\n".join(body) if body else f"# {title}\n"


def conversation_json(turns: list[dict[str, Any]]) -> str:
    """The ``askcorpus ask --json`` objects of the conversation, in order (a JSON array)."""
    return json.dumps(answers(turns), ensure_ascii=False, indent=2) + "\n"


def citation(q: dict[str, Any]) -> str:
    """One quote cited: outlet, “title”, date, file or URL, characters start–end."""
    parts = [q.get("outlet") or "", f"“{q['title']}”" if q.get("title") else "",
             q.get("date") or "", q.get("url") or q.get("path") or "",
             f"characters {q['start']}–{q['end']}"]
    return ", ".join(p for p in parts if p)


def permalink(q: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode({"doc": q.get("doc_id") or q["path"], "at": f"{q['start']}:"
                                                                        f"{q['end']}"})


def parse_permalink(params: dict[str, Any]) -> tuple[str, int, int] | None:
    """(doc, start, end) from ``?doc=…&at=start:end``; None without ``doc``; AskCorpusError
    with one sentence for a malformed ``at``."""
    doc = str(params.get("doc") or "").strip()
    at = str(params.get("at") or "").strip()
    if not doc:
        if at:
            raise AskCorpusError("the link has at= but no doc= naming the article "
                                 "(?doc=DOC_ID&at=START:END)")
        return None
    if not at:
        return doc[:500], -1, -1
    m = _AT.match(at)
    if not m or int(m.group(1)) > int(m.group(2)):
        raise AskCorpusError(f"the link's at={at[:40]!r} is not START:END character offsets "
                             "(e.g. at=120:245)")
    return doc[:500], int(m.group(1)), int(m.group(2))


def browser_secret(*folders: Any) -> str:
    """The key the page's kept conversations are sealed with in the browser, the same across
    restarts (else a restart would make every browser's conversations unreadable): read from,
    or written once to, ``browser-secret`` in the first folder that allows it."""
    import os
    import secrets
    from pathlib import Path

    for folder in folders:
        if folder is None:
            continue
        f = Path(folder) / "browser-secret"
        try:
            if f.is_file():
                value = f.read_text(encoding="ascii").strip()
                if len(value) >= 16:
                    return value
            f.parent.mkdir(parents=True, exist_ok=True)
            value = secrets.token_urlsafe(24)
            fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(value + "\n")
            return value
        except FileExistsError:
            return f.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
    return secrets.token_urlsafe(24)  # nowhere to keep it: conversations last until restart
