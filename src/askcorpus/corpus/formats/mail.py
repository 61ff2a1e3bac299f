"""E-mail (.eml: one message; .mbox: a mailbox of many), with the standard library's
``email``: each message is an article (newsletters are how many people get their news),
titled by its subject, from its sender, dated by its Date header. An HTML-only message is read
like a web page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from ...types import Document, Skipped
from .base import Format, Item, text_document

MAX_MESSAGES = 100_000
# "From sender asctime-date": a separator line (a body's own "From " lines are written ">From ")
_FROM_LINE = re.compile(rb"^From \S+[^\r\n]* (?:19|20)\d\d[^\r\n]*\r?\n", re.MULTILINE)


def _body(msg: EmailMessage) -> tuple[str, bool] | None:
    """The message's text and whether it is HTML (plain text preferred)."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return None
    return content, part.get_content_subtype() == "html"


def message_article(raw: bytes, rel: str, kind: str, record: str | None) -> Item:
    where = rel if record is None else f"{rel}#{record}"
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        subject, sender, date = (str(msg.get(h, "") or "") for h in ("subject", "from", "date"))
        body = _body(msg)  # type: ignore[arg-type]
    except Exception as e:  # a malformed header or MIME structure
        return Skipped(where, f"unreadable e-mail ({type(e).__name__})")
    if body is None:
        return Skipped(where, "e-mail has no text or HTML part")
    name, address = parseaddr(sender)
    meta = {"title": " ".join(subject.split()) or None, "outlet": name or address or None,
            "author": name or None, "date": date.strip() or None, "record": record}
    text, is_html = body
    if is_html:
        from .html import main_text, quotable_spans

        found = main_text(text)
        if found is not None and (spans := quotable_spans(found.text, meta["title"])):
            doc = text_document(found.text, rel, kind, "utf-8", spans=spans, url=found.url,
                                **meta)
            return doc if isinstance(doc, Document) else Skipped(where, doc)
        from ..parse import html_to_article

        text = html_to_article(text).text
    doc = text_document(text.replace("\r\n", "\n"), rel, kind, "utf-8", **meta)
    return doc if isinstance(doc, Document) else Skipped(where, doc)


def read_eml(data: bytes, rel: str) -> Iterator[Item]:
    yield message_article(data, rel, "eml", None)


def read_mbox(data: bytes, rel: str) -> Iterator[Item]:
    starts = [m.start() for m in _FROM_LINE.finditer(data)
              if m.start() == 0 or data[max(m.start() - 2, 0):m.start()] == b"\n\n"
              or data[max(m.start() - 4, 0):m.start()] == b"\r\n\r\n"]
    if not starts or starts[0] != 0:
        yield Skipped(rel, "not an mbox mailbox (it does not start with a 'From ' line)")
        return
    if len(starts) > MAX_MESSAGES:
        yield Skipped(rel, f"mailbox holds more than {MAX_MESSAGES:,} messages")
        return
    for n, (a, b) in enumerate(zip(starts, [*starts[1:], len(data)]), 1):
        message = _FROM_LINE.sub(b"", data[a:b], count=1)
        message = re.sub(rb"(?m)^>(>*From )", rb"\1", message)  # mboxrd quoting
        yield message_article(message, rel, "mbox", str(n))


EML = Format("eml", (".eml",), read_eml, "e-mail messages (newsletters), one article a file")
MBOX = Format("mbox", (".mbox",), read_mbox, "mailboxes: one article a message")
