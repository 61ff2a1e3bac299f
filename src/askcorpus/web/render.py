"""Pure functions: answer / article / index dicts -> HTML for the web chat.

Everything that comes from an article or from a user (quote text, titles, outlets, paths,
dates, urls, questions, error messages) is untrusted: it goes through :func:`esc` before it
is put into markup, and links are only ever made from ``http(s)`` urls. The only tags in the
output are the ones written here. Nothing in this module imports gradio.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..types import byline

NO_ANSWER = "No article in the corpus answers this."
RELATED_HEADING = "Related passages (do not answer the question)"
ARTICLE_PLACEHOLDER = (
    '<div class="ac-empty-panel"><svg viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">'
    '<path d="M4 5h13v14H6a2 2 0 0 1-2-2z"/><path d="M17 9h3v8a2 2 0 0 1-2 2"/>'
    '<path d="M7 9h7M7 12h7M7 15h4"/></svg>'
    "<p>Click a source in an answer to read the whole article here, with the quote "
    "highlighted.</p></div>")
SHOWN_FLAGS = ("unconfirmed", "attributed", "disputed")
MAX_SPANS = 20  # highlight ranges accepted from one click in the page


@dataclass(frozen=True)
class Span:
    """One quote inside an article: ``[start, end)`` and its answering span (document offsets)."""

    start: int
    end: int
    span_start: int | None = None
    span_end: int | None = None


@dataclass
class Group:
    """The quotes of one article, in the order they appear in the answer."""

    doc_id: str
    info: dict[str, Any]
    quotes: list[dict[str, Any]] = field(default_factory=list)


# ------------------------------------------------------------------------------ helpers
def esc(value: object) -> str:
    """Text -> safe HTML text (quotes escaped too, so it is safe inside attributes)."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True)


_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def safe_url(url: object) -> str | None:
    """``url`` if it is a plain http(s) address, else None (javascript:, data:, ...)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,12}", value.strip()):
        return int(value)
    return None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def highlight(text: str, offset: int, span_start: object, span_end: object) -> str:
    """``text`` (which starts at document offset ``offset``) escaped, with the answering span
    ``[span_start, span_end)`` (document offsets) wrapped in ``<mark>``."""
    s, e = _int(span_start), _int(span_end)
    if s is None or e is None:
        return esc(text)
    a = max(0, min(len(text), s - offset))
    b = max(a, min(len(text), e - offset))
    if a == b:
        return esc(text)
    return f"{esc(text[:a])}<mark>{esc(text[a:b])}</mark>{esc(text[b:])}"


def flag_labels(flags: Iterable[object], terms: Iterable[object]) -> list[tuple[str, str]]:
    """[(flag, label)], e.g. ("unconfirmed", "unconfirmed: reportedly, if confirmed").

    Each wording in ``terms`` is given to the first flag it raises on its own (asked of
    :func:`askcorpus.hedges.flag_text`, the same rules that flagged the quote).
    """
    from ..answer.hedges import flag_text

    shown = [str(f) for f in flags if str(f) in SHOWN_FLAGS]
    owned: dict[str, list[str]] = {f: [] for f in shown}
    for term in terms:
        term = str(term)
        raised = flag_text(term)[0]
        owner = next((f for f in shown if f in raised), None)
        if owner is not None and term not in owned[owner]:
            owned[owner].append(term)
    return [(f, f"{f}: {', '.join(owned[f])}" if owned[f] else f) for f in shown]


def agree_count(answer: Mapping[str, Any]) -> int:
    """How many articles back the answer: ``agree_count`` when the engine gives it, else the
    number of distinct articles quoted (0 when nothing answers)."""
    given = _int(answer.get("agree_count"))
    if given is not None:
        return max(0, given)
    if not answer.get("answered"):
        return 0
    return len({q.get("doc_id") for q in answer.get("quotes") or []})


def group_quotes(quotes: Sequence[Mapping[str, Any]],
                 articles: Sequence[Mapping[str, Any]] | None = None) -> list[Group]:
    """Quotes grouped by article: in ``articles`` order when given, else by first appearance."""
    groups: dict[str, Group] = {}
    for a in articles or []:
        doc_id = str(a.get("doc_id", ""))
        if doc_id and doc_id not in groups:
            groups[doc_id] = Group(doc_id, dict(a))
    for q in quotes:
        doc_id = str(q.get("doc_id", ""))
        if doc_id not in groups:
            groups[doc_id] = Group(doc_id, dict(q))
        else:
            for key, value in q.items():  # fill what the article entry lacks
                groups[doc_id].info.setdefault(key, value)
        groups[doc_id].quotes.append(dict(q))
    return [g for g in groups.values() if g.quotes]


def span_of(quote: Mapping[str, Any]) -> Span | None:
    s, e = _int(quote.get("start")), _int(quote.get("end"))
    if s is None or e is None:
        return None
    return Span(s, e, _int(quote.get("span_start")), _int(quote.get("span_end")))


def encode_spans(spans: Iterable[Span]) -> str:
    """Spans -> the ``data-spans`` attribute value, e.g. ``"698:883:698:883;900:950::"``."""
    def part(v: int | None) -> str:
        return "" if v is None else str(int(v))

    return ";".join(f"{part(s.start)}:{part(s.end)}:{part(s.span_start)}:{part(s.span_end)}"
                    for s in spans)


def decode_spans(raw: object) -> list[Span]:
    """The inverse of :func:`encode_spans`; anything malformed is dropped (it comes from the
    page, so it is untrusted too)."""
    out: list[Span] = []
    if not isinstance(raw, str):
        return out
    for item in raw.split(";")[:MAX_SPANS]:
        bits = item.split(":")
        if len(bits) != 4:
            continue
        s, e, ss, se = (_int(b) if b else None for b in bits)
        if s is None or e is None or s < 0 or e < s:
            continue
        out.append(Span(s, e, ss, se))
    return out


# ------------------------------------------------------------------------------ answers
_NUMBER = "\x00n"  # a key no quote has: its place in the answer's list, while rendering


def _chips(quote: Mapping[str, Any]) -> str:
    chips = []
    stance = quote.get("stance")
    if stance in ("supports", "disputes"):
        chips.append(f'<span class="ac-chip ac-stance-{stance}">{stance}</span>')
    for flag, label in flag_labels(quote.get("flags") or [], quote.get("flag_terms") or []):
        chips.append(f'<span class="ac-chip ac-flag-{esc(flag)}" '
                     f'title="The article itself marks this as {esc(flag)}">{esc(label)}</span>')
    return "".join(chips)


def _source_header(group: Group, spans: list[Span], related: bool) -> str:
    info = group.info
    paths = [str(p) for p in info.get("paths") or [] if p] or (
        [str(info["path"])] if info.get("path") else [])
    title = info.get("title") or (paths[0] if paths else "Untitled article")
    meta = [f'<span class="ac-outlet">{esc(info["outlet"])}</span>'] if info.get("outlet") else []
    if isinstance(info.get("author"), str) and info["author"].strip():
        meta.append(f'<span class="ac-author">{esc(byline(info["author"]))}</span>')
    if info.get("date"):
        meta.append(f'<span class="ac-date">{esc(info["date"])}</span>')
    if paths:
        extra = len(paths) - 1
        more = f" +{extra} cop{'y' if extra == 1 else 'ies'}" if extra else ""
        meta.append(f'<code class="ac-path" title="{esc(", ".join(paths))}">'
                    f"{esc(paths[0])}{esc(more)}</code>")
    return (
        f'<button type="button" class="ac-src{" ac-src-related" if related else ""}" '
        f'data-doc="{esc(group.doc_id)}" data-spans="{esc(encode_spans(spans))}" data-focus="0" '
        f'title="Open the whole article">'
        f'<span class="ac-src-top">{"".join(meta)}</span>'
        f'<span class="ac-title">{esc(title)}</span>'
        f'<span class="ac-open" aria-hidden="true">Read article &#8594;</span></button>')


def render_groups(quotes: Sequence[Mapping[str, Any]],
                  articles: Sequence[Mapping[str, Any]] | None = None, *,
                  related: bool = False, markable: bool = False,
                  marked: int | None = None) -> str:
    """Quotes as block quotes under one clickable source header per article. Each quote
    carries ``data-quote``: its place in ``quotes`` (groups reorder them). ``markable`` adds
    a "This one answers" button to each (shown while a 👎 is being given); ``marked`` is the
    quote a recorded vote marked."""
    out = []
    numbered = [{**q, _NUMBER: n} for n, q in enumerate(quotes)]
    for group in group_quotes(numbered, articles):
        spans = [s for s in (span_of(q) for q in group.quotes) if s is not None]
        blocks = []
        for i, q in enumerate(group.quotes):
            text = str(q.get("text") or "")
            start = _int(q.get("start")) or 0
            body = highlight(text, start, q.get("span_start"), q.get("span_end"))
            chips = _chips(q)
            # the header opens the article at the first quote; later ones get their own link
            locate = (f'<button type="button" class="ac-locate" data-doc="{esc(group.doc_id)}" '
                      f'data-spans="{esc(encode_spans(spans))}" data-focus="{i}" '
                      f'title="Show this quote in the article">in context &#8599;</button>'
                      if i > 0 else "")
            foot = (f'<figcaption class="ac-quote-foot">{chips}{locate}</figcaption>'
                    if chips or locate else "")
            cls = " ac-quote-disputes" if q.get("stance") == "disputes" else ""
            n = q[_NUMBER]
            mark = ('<button type="button" class="ac-mark" aria-pressed="false" '
                    'title="Mark this quote as the one that does answer">This one answers'
                    "</button>" if markable else "")
            done = (' <span class="ac-chip ac-marked-chip">marked as the answer</span>'
                    if marked == n else "")
            fig = " ac-marked-done" if marked == n else ""
            blocks.append(f'<figure class="ac-quote-wrap{fig}" data-quote="{n}">'
                          f'<blockquote class="ac-quote{cls}">{body}</blockquote>{foot}{mark}'
                          f"{done}</figure>")
        out.append(f'<section class="ac-group{" ac-group-related" if related else ""}">'
                   f"{_source_header(group, spans, related)}{''.join(blocks)}</section>")
    return "".join(out)


def render_answer(answer: Mapping[str, Any], *, markable: bool = False,
                  marked: int | None = None, tools: str = "") -> str:
    """One answer (``Answer.to_dict()``, or an ``{"error": ...}`` dict) as an HTML card;
    ``markable`` / ``marked``: see :func:`render_groups` (the quotes, or when nothing answers
    the related passages, are the ones a reader can mark); ``tools``: markup put at the
    card's foot (:func:`render_tools`)."""
    if answer.get("error"):
        return render_error(str(answer["error"]))
    parts = ['<div class="ac-answer">']
    resolved = answer.get("resolved_question")
    if resolved and resolved != answer.get("question"):
        parts.append(f'<div class="ac-resolved">Read as: <q>{esc(resolved)}</q></div>')
    if answer.get("answered"):
        n = agree_count(answer)
        badges = [f'<span class="ac-badge ac-agree">'
                  f'{_plural(n, "article") + (" agree" if n != 1 else " answers")}</span>']
        if answer.get("disputed"):
            badges.append('<span class="ac-badge ac-disputed">disputed: the articles disagree'
                          "</span>")
        if answer.get("order") == "date":
            badges.append('<span class="ac-badge ac-order">in date order</span>')
        parts.append(f'<div class="ac-answer-head">{"".join(badges)}</div>')
        parts.append(render_time(answer))
        parts.append(render_timeline(answer.get("quotes") or []))
        parts.append(render_groups(answer.get("quotes") or [], answer.get("articles"),
                                   markable=markable, marked=marked))
    else:
        parts.append(render_time(answer))
        parts.append(f'<div class="ac-noanswer"><strong>{esc(NO_ANSWER)}</strong>')
        message = str(answer.get("message") or "")
        if message and message != NO_ANSWER:
            parts.append(f"<span>{esc(message)}</span>")
        parts.append("</div>")
        related = answer.get("related") or []
        if related:
            groups = render_groups(related, related=True, markable=markable, marked=marked)
            parts.append(f'<div class="ac-related"><h4>{esc(RELATED_HEADING)}</h4>'
                         f"{groups}</div>")
    parts.append(f"{tools}</div>")
    return "".join(parts)


def render_time(answer: Mapping[str, Any]) -> str:
    """The date range an answer was drawn from ("From articles dated 1–31 March 1987 …")."""
    t = answer.get("time")
    if not isinstance(t, Mapping):
        return ""
    from ..answer.timewindow import time_statement

    try:
        said = time_statement(t)
    except (KeyError, TypeError, ValueError):
        return ""
    return f'<div class="ac-time">{esc(said)}</div>'


def render_timeline(quotes: Sequence[Mapping[str, Any]]) -> str:
    """The supporting articles' dates at a glance: one mark per article, earliest first."""
    seen: dict[str, Mapping[str, Any]] = {}
    for q in quotes:
        seen.setdefault(str(q.get("doc_id", "")), q)
    dated = sorted(((str(q["date"]), q) for q in seen.values()
                    if isinstance(q.get("date"), str) and q["date"]), key=lambda dq: dq[0])
    if not dated:
        return ""
    undated = len(seen) - len(dated)
    marks = "".join(
        f'<li class="ac-tick" title="{esc(q.get("title") or "")}">'
        f'<span class="ac-tick-date">{esc(d)}</span>'
        + (f'<span class="ac-tick-outlet">{esc(q["outlet"])}</span>' if q.get("outlet") else "")
        + "</li>" for d, q in dated)
    more = (f'<li class="ac-tick ac-tick-undated"><span class="ac-tick-date">undated</span>'
            f'<span class="ac-tick-outlet">{_plural(undated, "article")}</span></li>'
            if undated else "")
    return (f'<ul class="ac-timeline" aria-label="Dates of the supporting articles">'
            f"{marks}{more}</ul>")


def render_note(message: str, problems: Sequence[str] = ()) -> str:
    """A one-line note under a form, with any problems listed after it."""
    items = "".join(f"<li>{esc(x)}</li>" for x in problems)
    return (f'<div class="ac-note"><p>{esc(message)}</p>'
            + (f'<ul class="ac-problems">{items}</ul>' if items else "") + "</div>")


def render_progress_note(message: str, done: object, total: object,
                         problems: Sequence[str] = ()) -> str:
    """A note with a progress bar (indexing after an upload or a removal)."""
    items = "".join(f"<li>{esc(x)}</li>" for x in problems)
    return (f'<div class="ac-note ac-note-busy" aria-live="polite"><p>{esc(message)}</p>'
            f"{_progress_bar(done, total)}"
            + (f'<ul class="ac-problems">{items}</ul>' if items else "") + "</div>")


def render_error(message: str, lead: str = "Cannot answer:") -> str:
    return (f'<div class="ac-error" role="alert"><strong>{esc(lead)}</strong> '
            f"{esc(message)}</div>")


def render_turn(turn: Mapping[str, Any], number: int = 0, *, votes: bool = False) -> str:
    """A question bubble and its answer (or a pending note, or an error). An answer gets its
    tools: *Copy as Markdown* (the text of ``askcorpus ask --format markdown``, carried in
    the page) and, with ``votes``, 👍 / 👎 (see :func:`render_tools`). ``number``: the turn's
    place in the conversation (what a vote from the page names)."""
    question = str(turn.get("question") or "")
    q_html = esc(question) if question.strip() else '<em class="ac-muted">(empty question)</em>'
    answer = turn.get("answer")
    if turn.get("error"):
        body = render_error(str(turn["error"]))
    elif isinstance(answer, Mapping) and not answer.get("error"):
        vote = turn.get("vote") if isinstance(turn.get("vote"), Mapping) else {}
        marked = _int(vote.get("marked")) if vote.get("ok") else None
        body = render_answer(answer, markable=votes, marked=marked,
                             tools=render_tools(answer, vote, votes=votes))
    elif answer is not None:
        body = render_answer(answer)
    else:
        body = ('<div class="ac-pending" aria-live="polite"><span class="ac-dot"></span>'
                "<span class=\"ac-dot\"></span><span class=\"ac-dot\"></span>"
                " Searching the articles…</div>")
    return (f'<div class="ac-turn" data-turn="{int(number)}"><div class="ac-user">'
            f'<div class="ac-bubble">{q_html}</div></div>{body}</div>')


def vote_summary(vote: Mapping[str, Any], answer: Mapping[str, Any]) -> str:
    """What a vote given in the page said, in a few words (shown with the answer)."""
    if not vote.get("ok"):
        return str(vote.get("message") or "")
    said = "👍" if vote.get("vote") == "up" else "👎"
    n = _int(vote.get("marked"))
    shown = list(answer.get("quotes") or []) if answer.get("answered") else \
        list(answer.get("related") or [])
    if vote.get("nothing"):
        said += " · nothing answers this"
    elif n is not None and 0 <= n < len(shown):
        words = " ".join(str(shown[n].get("text") or "").split())
        said += f" · marked “{words[:60]}{'…' if len(words) > 60 else ''}”"
    return f"{said} · {vote.get('message') or ''}".strip()


def render_tools(answer: Mapping[str, Any], vote: Mapping[str, Any] | None = None, *,
                 votes: bool = False) -> str:
    """Under an answer: *Copy as Markdown*, and with ``votes`` 👍 / 👎 with the vote form
    (a note; for 👎 a click on the quote that does answer, or *Nothing answers this*), and
    what the last vote on it said. The page's script (assets.TRANSCRIPT_JS) runs them."""
    from ..answer.markdown import answer_markdown

    try:
        md = answer_markdown(dict(answer))
    except (KeyError, TypeError, ValueError):  # a kept answer not of this shape: no copy
        md = ""
    copy = ('<button type="button" class="ac-tool ac-copy" title="Copy this answer as '
            'Markdown (the text of askcorpus ask --format markdown)">Copy as Markdown</button>'
            f'<textarea class="ac-md-src" hidden readonly tabindex="-1" aria-hidden="true">'
            f"{esc(md)}</textarea>" if md else "")
    if not votes:
        return f'<div class="ac-tools">{copy}<span class="ac-tool-said" role="status"></span></div>'
    vote = vote or {}
    pressed = {v: ' aria-pressed="true"' if vote.get("ok") and vote.get("vote") == v
               else ' aria-pressed="false"' for v in ("up", "down")}
    said = esc(vote_summary(vote, answer)) if vote else ""
    form = ('<div class="ac-vote-form" hidden>'
            '<p class="ac-vote-hint">Click the quote that does answer (or its <em>This one '
            "answers</em> button), or:</p>"
            '<button type="button" class="ac-tool ac-nothing" aria-pressed="false">Nothing '
            "answers this</button>"
            '<input type="text" class="ac-vote-note" maxlength="2000" '
            'placeholder="Note (optional)" aria-label="Note on this answer (optional)">'
            '<button type="button" class="ac-tool ac-send-vote">Send vote</button>'
            '<button type="button" class="ac-tool ac-cancel-vote">Cancel</button></div>')
    return (f'<div class="ac-tools">{copy}'
            f'<button type="button" class="ac-tool ac-vote" data-vote="up"{pressed["up"]} '
            'title="This answer is right">👍 Right</button>'
            f'<button type="button" class="ac-tool ac-vote" data-vote="down"{pressed["down"]} '
            'title="This answer is wrong: then click the quote that does answer">'
            "👎 Wrong</button>"
            f'<span class="ac-tool-said" role="status">{said}</span></div>{form}')


def _progress_bar(done: object, total: object) -> str:
    d, t = _int(done), _int(total)
    if d is None or not t:
        return ""
    pct = max(0, min(100, round(100 * d / t)))
    return (f'<progress class="ac-progress" value="{max(0, min(d, t))}" max="{t}" '
            f'aria-label="{pct}%"></progress><span class="ac-pct">{pct}%</span>')


def render_preparing(status: Mapping[str, Any]) -> str:
    """The welcome screen's card while the index is being built (or why it cannot be)."""
    if status.get("phase") == "error":
        return (f'<div class="ac-preparing ac-preparing-error" role="alert"><strong>The index '
                f'is not available</strong><p>{esc(status.get("message"))}</p></div>')
    bar = _progress_bar(status.get("done"), status.get("total"))
    return (f'<div class="ac-preparing" aria-live="polite"><strong>Preparing the index…'
            f'</strong><p>{esc(status.get("message"))}</p><div class="ac-preparing-bar">{bar}'
            '</div><p class="ac-muted">The chat opens as soon as it is ready.</p></div>')


def render_welcome(examples: Sequence[str], *, documents: int | None = None,
                   ready: bool = True, status: Mapping[str, Any] | None = None) -> str:
    what = f"{_plural(documents, 'news article')}" if documents else "the news articles"
    chips = "".join(
        f'<button type="button" class="ac-example" data-example="{esc(q)}"'
        f'{"" if ready else " disabled"}>{esc(q)}</button>' for q in examples)
    tries = f'<div class="ac-examples"><p>Try:</p>{chips}</div>' if examples else ""
    preparing = render_preparing(status) if status and not ready else ""
    return (f'<div class="ac-welcome"><h2>Ask {esc(what)}</h2>'
            "<p>Every answer is made of verbatim quotes, each with its outlet, title, date and "
            "file. Nothing is generated; when no article answers, you are told so.</p>"
            f"{preparing}{tries}</div>")


def render_transcript(turns: Sequence[Mapping[str, Any]], examples: Sequence[str] = (), *,
                      documents: int | None = None, ready: bool = True,
                      status: Mapping[str, Any] | None = None, votes: bool = False) -> str:
    if not turns:
        return render_welcome(examples, documents=documents, ready=ready, status=status)
    return ('<div class="ac-turns">'
            f'{"".join(render_turn(t, i, votes=votes) for i, t in enumerate(turns))}</div>')


# ------------------------------------------------------------------------------ article
def _clip(v: int | None, n: int) -> int | None:
    return None if v is None else max(0, min(n, v))


def mark_article_text(text: str, spans: Sequence[Span], focus: int = 0) -> str:
    """The article text escaped; each quote in ``<span class="ac-q">``, each answering span
    (the whole quote when it has none) in ``<mark>``; the ``focus`` quote's marks get the
    class ``ac-focus`` (the page scrolls to the first of them)."""
    n = len(text)
    quotes: list[tuple[int, int, int]] = []
    marks: list[tuple[int, int, int]] = []
    for i, s in enumerate(spans):
        a, b = _clip(s.start, n), _clip(s.end, n)
        if a is None or b is None or a >= b:
            continue
        quotes.append((a, b, i))
        ms, me = _clip(s.span_start, n), _clip(s.span_end, n)
        if ms is None or me is None or ms >= me:
            ms, me = a, b
        marks.append((ms, me, i))
    points = sorted({0, n, *(p for a, b, _ in quotes + marks for p in (a, b))})
    out = []
    for a, b in itertools.pairwise(points):
        piece = esc(text[a:b])
        in_mark = [i for s, e, i in marks if s <= a and b <= e]
        in_quote = [i for s, e, i in quotes if s <= a and b <= e]
        if in_mark:
            cls = ' class="ac-focus"' if focus in in_mark else ""
            piece = f"<mark{cls}>{piece}</mark>"
        if in_quote:
            cls = " ac-q-focus" if focus in in_quote else ""
            piece = f'<span class="ac-q{cls}">{piece}</span>'
        out.append(piece)
    return "".join(out)


def render_article(article: Mapping[str, Any], spans: Sequence[Span] = (),
                   focus: int = 0) -> str:
    """The whole article (``Pipeline.article()``) for the side panel."""
    text = str(article.get("text") or "")
    paths = [str(p) for p in article.get("paths") or [] if p] or (
        [str(article["path"])] if article.get("path") else [])
    meta = ([f'<span class="ac-outlet">{esc(article["outlet"])}</span>']
            if article.get("outlet") else [])
    if isinstance(article.get("author"), str) and article["author"].strip():
        meta.append(f'<span class="ac-author">{esc(byline(article["author"]))}</span>')
    if article.get("date"):
        meta.append(f'<span class="ac-date">{esc(article["date"])}</span>')
    url = safe_url(article.get("url"))
    link = (f'<a class="ac-link" href="{esc(url)}" target="_blank" '
            f'rel="noopener noreferrer nofollow">original &#8599;</a>' if url else "")
    files = "".join(f"<code>{esc(p)}</code>" for p in paths)
    record = (f'<span class="ac-muted"> record {esc(article["record"])}</span>'
              if article.get("record") else "")
    n_quotes = len([s for s in spans if s.end > s.start])
    note = (f'<p class="ac-article-note">{_plural(n_quotes, "quote")} highlighted</p>'
            if n_quotes else "")
    return (
        f'<article class="ac-article" data-doc="{esc(article.get("doc_id"))}">'
        f'<header class="ac-article-head"><div class="ac-src-top">{"".join(meta)}{link}</div>'
        f'<h3>{esc(article.get("title") or (paths[0] if paths else "Untitled article"))}</h3>'
        f'<div class="ac-files">{files}{record}</div>{note}</header>'
        f'<div class="ac-article-text">{mark_article_text(text, spans, focus)}</div></article>')


# ------------------------------------------------------------------------------ index & status
def render_stats(stats: Mapping[str, Any] | None) -> str:
    """The index panel: counts, model, build time and the articles it holds."""
    if not stats:
        return '<p class="ac-muted">The index is not ready yet.</p>'
    rows = [("Articles", stats.get("documents")), ("Chunks", stats.get("chunks")),
            ("Model", stats.get("model")), ("Dimensions", stats.get("dim")),
            ("Vector index", stats.get("vector_index")), ("Built", stats.get("built_at")),
            ("Generation", stats.get("generation"))]
    table = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows
                    if v is not None)
    articles = list(stats.get("articles") or [])[:500]
    items = "".join(
        f'<li><span class="ac-title">{esc(a.get("title") or "Untitled")}</span>'
        f'<span class="ac-muted">{esc(a.get("outlet") or "")}'
        f'{" · " if a.get("outlet") else ""}{esc(", ".join(a.get("paths") or []))}</span></li>'
        for a in articles)
    matching = stats.get("matching")
    if not isinstance(matching, int):  # a whole list (not a page of it)
        total = len(stats.get("articles") or [])
        more = (f'<li class="ac-muted">…and {total - 500} more</li>' if total > 500 else "")
        return (f'<div class="ac-stats"><table>{table}</table>'
                f'<h4>{_plural(total, "article")}</h4><ul>{items}{more}</ul></div>')
    first = int(stats.get("first") or 0)
    query = stats.get("query") or ""
    found = f' matching “{esc(query)}”' if query else ""
    head = (f"{_plural(matching, 'article')}{found}" if matching <= len(articles) else
            f"Articles {first + 1:,}–{first + len(articles):,} of {matching:,}{found}")
    return (f'<div class="ac-stats"><table>{table}</table>'
            f'<h4 data-page="{esc(stats.get("page"))}" data-pages="{esc(stats.get("pages"))}">'
            f"{head}</h4><ul>{items}</ul></div>")


def render_status(snapshot: Mapping[str, Any]) -> str:
    """The status line: indexing progress, ready, or what went wrong."""
    phase = snapshot.get("phase")
    message = esc(snapshot.get("message") or "")
    warning = snapshot.get("warning")
    warn = (f'<span class="ac-status-warn" title="{esc(warning)}">{esc(warning)}</span>'
            if warning else "")
    if phase == "error":
        return (f'<div class="ac-status ac-status-error" role="alert">'
                f'<span class="ac-led"></span>{message}</div>')
    if snapshot.get("ready"):
        return f'<div class="ac-status ac-status-ready"><span class="ac-led"></span>{message}' \
               f"{warn}</div>"
    bar = _progress_bar(snapshot.get("done"), snapshot.get("total"))
    return (f'<div class="ac-status ac-status-busy" aria-live="polite"><span class="ac-led">'
            f"</span>{message}{bar}{warn}</div>")
