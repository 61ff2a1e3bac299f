"""The gr.Blocks page: chat, article side panel, settings, index panel, and the ``/ask`` API.

Per-session state is one ``gr.State`` (the list of turns); everything heavy goes through the
shared :class:`~askcorpus.web.service.ChatService`. Imports gradio, so import this module
lazily.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from ..corpus.ingest import SUPPORTED
from ..errors import AskCorpusError
from . import assets, render, workbench
from .service import ChatService, answer_json

MAX_TURNS = 20  # kept per session (bounds its memory); older turns scroll out
POLL_SECONDS = 0.5
READY_PLACEHOLDER = "Ask a question about the articles…"
BUSY_PLACEHOLDER = "The chat opens as soon as the index is ready…"
MODE_CHOICES = [("Hybrid · meaning + exact words", "hybrid"), ("Dense · meaning", "dense"),
                ("BM25 · exact words", "bm25")]
BRAND = ('<div class="ac-brand"><h1>ask<span>corpus</span></h1>'
         "<p>Verbatim, source-attributed answers from your news articles</p></div>")


def _user(request: gr.Request | None) -> str | None:
    """The logged-in user of a request (None on a server without a login)."""
    name = getattr(request, "username", None) if request is not None else None
    return str(name) if name else None


def theme() -> gr.themes.Base:
    """System fonts only: no font or stylesheet is fetched from anywhere."""
    return gr.themes.Soft(primary_hue="indigo", neutral_hue="slate", font=assets.FONT,
                          font_mono=assets.FONT_MONO)


def build(service: ChatService, *, concurrency: int = 2, mcp: bool = False,
          manage: bool = False) -> gr.Blocks:
    """See :func:`_build`; every component that takes files is then made local-only."""
    demo = _build(service, concurrency=concurrency, mcp=mcp, manage=manage)
    for block in demo.blocks.values():
        if isinstance(block, gr.File | gr.DownloadButton):
            local_files_only(block, service.uploads_dir)
    return demo


PUBLIC_API = ("ask", "chat_begin", "chat_answer", "mcp_ask", "mcp_show")  # the rest: queue only


def local_files_only(block: Any, folder: Any = None) -> None:
    """A file component that never fetches a URL named in a file entry (gradio would
    download it) and keeps its files in ``folder`` (this server's upload folder)."""
    from gradio_client.utils import is_http_url_like

    if folder is not None:
        block.GRADIO_CACHE = str(folder)
    fetch = block.async_move_resource_to_block_cache
    move = block.move_resource_to_block_cache

    def refuse(path: Any) -> None:
        if is_http_url_like(str(path)) or "://" in str(path):
            raise gr.Error("a file entry must be an uploaded file, not a URL",
                           print_exception=False)

    async def async_local(path: Any) -> Any:
        refuse(path)
        return await fetch(path)

    def local(path: Any) -> Any:
        refuse(path)
        return move(path)

    block.async_move_resource_to_block_cache = async_local
    block.move_resource_to_block_cache = local


def _build(service: ChatService, *, concurrency: int = 2, mcp: bool = False,
           manage: bool = False) -> gr.Blocks:
    """The page. ``concurrency`` bounds how many questions are answered at once (page + API).
    ``mcp`` adds the MCP tools ``ask`` and ``show`` (gradio serves them at /gradio_api/mcp/);
    ``manage`` adds adding / removing article files to the Index tab (the index is updated
    right after, with its progress in the tab); a read-only server leaves it out."""

    def transcript_html(turns: list[dict[str, Any]]) -> str:
        stats = service.startup.stats() or {}
        return render.render_transcript(turns, service.examples(),
                                        documents=stats.get("documents"),
                                        ready=service.startup.ready,
                                        status=service.startup.snapshot(),
                                        votes=service.feedback is not None)

    # -- handlers ---------------------------------------------------------------------------
    def poll(turns: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        snap = service.startup.snapshot()
        ready = bool(snap["ready"])
        finished = ready or snap["phase"] == "error"
        return (
            render.render_status(snap),
            gr.Timer(active=not finished),
            gr.Textbox(interactive=ready,
                       placeholder=READY_PLACEHOLDER if ready else BUSY_PLACEHOLDER),
            gr.Button(interactive=ready),
            gr.skip() if turns else transcript_html([]),
            render.render_stats(service.stats_page()),
            gr.Dropdown(choices=service.filter_choices()) if ready else gr.skip(),
            *((gr.Dropdown(choices=service.file_choices()) if ready else gr.skip(),)
              if manage else ()),
        )

    def begin(question: str | None, turns: list[dict[str, Any]] | None) -> tuple[Any, ...]:
        turns = [*(turns or []), {"question": question or "", "answer": None, "error": None}]
        turns = turns[-MAX_TURNS:]
        return (transcript_html(turns), turns, gr.Textbox(value="", interactive=False),
                gr.Button(interactive=False))

    def begin_example(turns: list[dict[str, Any]] | None, evt: gr.EventData) -> tuple[Any, ...]:
        question = getattr(evt, "_data", {}) or {}
        return begin(str(question.get("question") or ""), turns)

    def finish(turns: list[dict[str, Any]] | None, k: float | None, mode: str | None,
               filters: list[str] | None, since: str | None = None, until: str | None = None,
               by_date: bool | None = None,
               exclude_undated: bool | None = None) -> tuple[Any, ...]:
        turns = list(turns or [])
        unlocked = (gr.Textbox(interactive=service.startup.ready),
                    gr.Button(interactive=service.startup.ready))
        if not turns or turns[-1].get("answer") is not None or turns[-1].get("error"):
            return (gr.skip(), gr.skip(), *unlocked)
        last = dict(turns[-1])
        history = [t["question"] for t in turns[:-1] if t.get("answer") is not None]
        dates = {"since": since, "until": until, "order": "date" if by_date else "score",
                 "undated": "exclude" if exclude_undated else "include"}
        generation = service.generation()  # what a vote on this answer names
        result = service.ask(last["question"], history, k, mode, filters, dates)
        if "error" in result:
            last["error"] = result["error"]
        else:
            last["answer"] = result
            if generation:
                last["generation"] = generation
        turns[-1] = last
        return (transcript_html(turns), turns, *unlocked)

    def open_source(evt: gr.EventData) -> tuple[str, gr.Tabs]:
        data = getattr(evt, "_data", {}) or {}
        body = service.article_html(data.get("doc"), data.get("spans"), data.get("focus"))
        # a fresh attribute each time, so the panel re-renders (and re-scrolls) on every click
        stamp = f'<div class="ac-opened" data-opened="{time.monotonic_ns()}" hidden></div>'
        return stamp + body, gr.Tabs(selected="article")

    def new_chat() -> tuple[Any, ...]:
        return (transcript_html([]), [], render.ARTICLE_PLACEHOLDER, workbench.new_id(),
                *work_views([]))

    # -- kept conversations, export, feedback (workbench.py) --------------------------------
    def export_files(chat_id: str, turns: list[dict[str, Any]]) -> tuple[Any, Any]:
        if not workbench.answers(turns) or service.uploads_dir is None:
            return gr.DownloadButton(value=None, interactive=False), \
                gr.DownloadButton(value=None, interactive=False)
        folder = service.uploads_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        name = "".join(c for c in chat_id if c.isalnum())[:20] or "chat"
        md, js = folder / f"askcorpus-{name}.md", folder / f"askcorpus-{name}.json"
        md.write_text(workbench.conversation_markdown(turns, turns[0]["question"]),
                      encoding="utf-8")
        js.write_text(workbench.conversation_json(turns), encoding="utf-8")
        return gr.DownloadButton(value=str(md), interactive=True), \
            gr.DownloadButton(value=str(js), interactive=True)

    def answer_choices(turns: list[dict[str, Any]]) -> list[tuple[str, int]]:
        return [(f"{i + 1}. {t['question'][:90]}", i) for i, t in enumerate(turns)
                if isinstance(t.get("answer"), dict)]

    def work_views(turns: list[dict[str, Any]], chat_id: str = "") -> tuple[Any, ...]:
        got = answer_choices(turns)
        return (gr.Dropdown(choices=got, value=got[-1][1] if got else None),
                *export_files(chat_id, turns))

    def restore(raw: Any, probe: Any, request: gr.Request) -> tuple[Any, ...]:
        """The kept conversations listed; ``probe`` is "unreadable" when the browser held an
        entry it could not read (assets.KEPT_CHECK_JS set it aside). A permalink
        ``?doc=…&at=start:end`` opens the article panel at that span."""
        store, bad = workbench.read_chats(raw)
        note = workbench.UNREADABLE_NOTE if probe == "unreadable" else (
            f"{bad} kept conversation(s) in this browser could not be read; they are "
            "left as they were, the others are listed." if bad else "")
        body, tab = gr.skip(), gr.skip()
        params = dict(getattr(request, "query_params", None) or {})
        try:
            link = workbench.parse_permalink(params)
        except AskCorpusError as e:
            link, body, tab = None, render.render_error(str(e), "Cannot open the link:"), \
                gr.Tabs(selected="article")
        if link is not None:
            body = service.permalink_html(*link)
            tab = gr.Tabs(selected="article")
        return (store, gr.Dropdown(choices=workbench.choices(store), value=None),
                render.render_note(note) if note else "", body, tab, workbench.new_id())

    def save(saved_raw: Any, chat_id: str, turns: list[dict[str, Any]]) -> tuple[Any, ...]:
        store, _ = workbench.read_chats(saved_raw)
        store = workbench.keep(store, chat_id or workbench.new_id(), turns)
        return (store, gr.Dropdown(choices=workbench.choices(store), value=chat_id),
                *work_views(turns, chat_id))

    def keep_saved(saved_raw: Any, chat_id: str, turns: list[dict[str, Any]]) -> Any:
        store, _ = workbench.read_chats(saved_raw)
        return workbench.keep(store, chat_id or workbench.new_id(), turns)

    def vote_in_chat(turns: list[dict[str, Any]] | None, evt: gr.EventData) -> tuple[Any, ...]:
        """A vote sent from under an answer in the chat: recorded, then the answer shows what
        came of it (kept with the conversation)."""
        turns = list(turns or [])
        data = getattr(evt, "_data", None)
        try:
            i, vote, marked, nothing, note = workbench.vote_event(data, turns)
        except AskCorpusError as e:
            i = data.get("turn") if isinstance(data, dict) else None
            if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(turns) \
                    or not isinstance(turns[i].get("answer"), dict):
                return gr.skip(), gr.skip()
            turns[i] = {**turns[i], "vote": {"ok": False, "message": f"The vote was not "
                                                                     f"recorded: {e}"}}
            return transcript_html(turns), turns
        ok, message = service.record_vote(turns[i]["answer"], vote, note, marked, nothing,
                                          turns[i].get("generation"))
        turns[i] = {**turns[i], "vote": {"ok": ok, "vote": vote, "marked": marked,
                                         "nothing": nothing, "message": message}}
        return transcript_html(turns), turns

    def reopen(saved_raw: Any, picked: Any) -> tuple[Any, ...]:
        store, _ = workbench.read_chats(saved_raw)
        chat = workbench.find(store, picked)
        if chat is None:
            return (gr.skip(), gr.skip(), gr.skip(), render.render_note(
                "Choose a kept conversation to open."), *(gr.skip(),) * 3)
        kept = chat["turns"][-MAX_TURNS:]
        return (transcript_html(kept), kept, chat["id"], "", *work_views(kept, chat["id"]))

    def forget(saved_raw: Any, picked: Any, chat_id: str) -> tuple[Any, ...]:
        store, _ = workbench.read_chats(saved_raw)
        if workbench.find(store, picked) is None:
            return (gr.skip(), gr.skip(), render.render_note(
                "Choose a kept conversation to delete."), *(gr.skip(),) * 6)
        store = workbench.drop(store, picked)
        fresh = (new_chat()[:4] if picked == chat_id else (gr.skip(),) * 4)
        return (store, gr.Dropdown(choices=workbench.choices(store), value=None),
                render.render_note("Conversation deleted from this browser."),
                *fresh[:2], fresh[3], *(work_views([]) if picked == chat_id
                                         else (gr.skip(),) * 3))

    def show_answer(turns: list[dict[str, Any]], which: Any) -> tuple[Any, ...]:
        try:
            answer = turns[int(which)]["answer"]
            assert isinstance(answer, dict)
        except (TypeError, ValueError, IndexError, KeyError, AssertionError):
            return "", "", gr.Dropdown(choices=[], value=None)
        from ..answer.markdown import answer_markdown

        shown = answer["quotes"] if answer.get("answered") else []
        cites = "\n".join(f"{i + 1}. {workbench.citation(q)} · "
                          f"[link]({workbench.permalink(q)})" for i, q in enumerate(shown))
        label = "Quote" if answer.get("answered") else "Related passage"
        marks = [(f"{label} {i + 1}: {q['text'][:80]}", str(i))
                 for i, q in enumerate(workbench.votable(answer))]
        return (answer_markdown(answer), cites or "No quote answers this question.",
                gr.Dropdown(choices=[("—", ""), *marks, ("Nothing answers this", "none")],
                            value=""))

    def send_vote(turns: list[dict[str, Any]], which: Any, verdict: str | None, text: str,
                  marked: str | None) -> str:
        try:
            turn = turns[int(which)]
            answer, generation = turn["answer"], turn.get("generation")
        except (TypeError, ValueError, IndexError, KeyError):
            answer, generation = None, None
        down = verdict == "down"
        return render.render_note(service.vote(
            answer, "down" if down else "up", text,
            marked if down and marked not in (None, "", "none") else None,
            down and marked == "none", generation))

    def refresh_stats(query: str | None = None) -> tuple[Any, ...]:
        service.startup.stats(refresh=True)
        stats = render.render_stats(service.stats_page(query, 0))
        extra = (gr.Dropdown(choices=service.file_choices(), value=[]),) if manage else ()
        return (stats, 0, gr.Dropdown(choices=service.filter_choices()), *extra)

    def turn_page(query: str | None, page: int | None, step: int) -> tuple[str, int]:
        """One page of the Index tab's article list (``step`` pages on, 0: a new search)."""
        got = service.stats_page(query, (page or 0) + step if step else 0)
        return render.render_stats(got), int((got or {}).get("page") or 0)

    def find_articles(query: str | None, page: int | None) -> tuple[str, int]:
        return turn_page(query, page, 0)

    def previous_page(query: str | None, page: int | None) -> tuple[str, int]:
        return turn_page(query, page, -1)

    def next_page(query: str | None, page: int | None) -> tuple[str, int]:
        return turn_page(query, page, 1)

    def find_filters(selected: list[str] | None, evt: gr.KeyUpData) -> Any:
        """The filter's choices for what is typed in it, keeping what is already chosen."""
        found = service.filter_choices(getattr(evt, "input_value", None))
        values = {v for _, v in found}
        keep = [service.filter_label(v) for v in selected or [] if v not in values]
        return gr.Dropdown(choices=keep + found)

    def find_files(selected: list[str] | None, evt: gr.KeyUpData) -> Any:
        files = service.file_choices(getattr(evt, "input_value", None))
        return gr.Dropdown(choices=[f for f in selected or [] if f not in files] + files)

    def changed(kind: str, items: Any, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        """(note, uploads, stats, filters, removals): the cleared input and the progress
        while the change runs (files, then the index update), last the new counts, filters
        and removal choices. The change itself runs to its end in the service whoever
        reads these (see ChatService.change)."""
        added = kind == "add"
        first = True
        for note, change in service.change(kind, items, _user(request)):
            clear = (None if added else gr.Dropdown(value=[])) if first else gr.skip()
            first = False
            if change is None or not change.names:
                yield (note, *((clear, gr.skip()) if added else (gr.skip(), gr.skip())),
                       gr.skip(), gr.skip() if added else clear)
                continue
            yield (note, clear if added else gr.skip(),
                   render.render_stats(service.stats_page()),
                   gr.Dropdown(choices=service.filter_choices()),
                   gr.Dropdown(choices=service.file_choices(), value=[]))

    def cancel_change(request: gr.Request) -> str:
        return render.render_note(service.cancel_change(_user(request)))

    def add_files(files: list[str] | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        yield from changed("add", files, request)

    def remove_files(paths: list[str] | None,
                     request: gr.Request) -> Iterator[tuple[Any, ...]]:
        yield from changed("remove", paths, request)

    def api_ask(question: str, history: list[str] | None = None, k: int | None = None,
                mode: str | None = None, filters: list[str] | None = None,
                since: str | None = None, until: str | None = None, as_of: str | None = None,
                undated: str | None = None, order: str | None = None) -> str:
        """Answer with verbatim quotes: the JSON text `askcorpus ask --json` prints (one line).

        history: earlier questions of the conversation, oldest first (for follow-ups).
        k: number of quotes (default 5); mode: hybrid | dense | bm25;
        filters: doc ids, paths or outlet names to search only in.
        since / until: only articles dated in that range (YYYY-MM-DD, YYYY-MM or YYYY);
        as_of: the day "last week" is counted from (default: the newest article's date);
        undated: include (default) | exclude articles without a date; order: score | date.
        Returns one JSON object as text (json.loads it); on bad input
        {"question": ..., "error": "..."}.
        """
        # Text, not a dict: gradio_client downloads every dict with a "path" in a result as a
        # file (each quote has one), so a plain Client would fail fetching "/file=<quote path>".
        return answer_json(service.ask(question, history, k, mode, filters, {
            "since": since, "until": until, "as_of": as_of, "undated": undated,
            "order": order}))

    api_ask._mcp_type = "api"  # type: ignore[attr-defined]  # gradio: not an MCP tool

    # -- layout -----------------------------------------------------------------------------
    with gr.Blocks(title="askcorpus", analytics_enabled=False, fill_width=True) as demo:
        turns = gr.State([], time_to_live=4 * 3600)
        chat_id = gr.State("", time_to_live=4 * 3600)  # set by restore (a callable default
        # would add a load event of its own, public as an MCP tool)
        # each browser keeps its own conversations (sealed with a key kept beside the index)
        # (default None: gradio then leaves an entry it cannot read in place, for
        # KEPT_CHECK_JS to set aside, instead of writing its default over it at once)
        saved = gr.BrowserState(None, storage_key=workbench.STORAGE_KEY,
                                secret=service.browser_secret)
        kept_probe = gr.Textbox("", visible=False, elem_id="ac-kept-probe")
        with gr.Row(elem_id="ac-header", equal_height=True):
            gr.HTML(BRAND, elem_id="ac-brand", js_on_load=None)
            status = gr.HTML(render.render_status(service.startup.snapshot()),
                             elem_id="ac-status", js_on_load=None)
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=440, elem_id="ac-main"):
                transcript = gr.HTML(transcript_html([]), elem_id="ac-transcript",
                                     js_on_load=assets.TRANSCRIPT_JS)
                with gr.Row(elem_id="ac-input"):
                    question = gr.Textbox(placeholder=BUSY_PLACEHOLDER, show_label=False,
                                          container=False, lines=1, max_lines=1, scale=8,
                                          interactive=False, autofocus=True,
                                          elem_id="ac-question")
                    send = gr.Button("Ask", variant="primary", scale=0, interactive=False,
                                     elem_id="ac-send")
                    clear = gr.Button("New chat", variant="secondary", scale=0,
                                      elem_id="ac-clear")
                with gr.Row(elem_id="ac-kept"):
                    chats = gr.Dropdown(choices=[], value=None, label="Kept conversations",
                                        info="In this browser only", scale=6,
                                        elem_id="ac-chats")
                    reopen_btn = gr.Button("Open", size="sm", scale=0, elem_id="ac-open")
                    delete_btn = gr.Button("Delete", size="sm", variant="stop", scale=0,
                                           elem_id="ac-delete")
                    dl_md = gr.DownloadButton("Download .md", size="sm", scale=0,
                                              interactive=False, elem_id="ac-dl-md")
                    dl_json = gr.DownloadButton("Download .json", size="sm", scale=0,
                                                interactive=False, elem_id="ac-dl-json")
                work_note = gr.HTML("", elem_id="ac-work-note", js_on_load=None)
                with gr.Accordion("Copy, cite, vote", open=False, elem_id="ac-answer-tools"):
                    which = gr.Dropdown(choices=[], value=None, label="Answer",
                                        elem_id="ac-which")
                    md_box = gr.Textbox(label="Copy as Markdown", lines=6, max_lines=12,
                                        interactive=False, buttons=["copy"],
                                        elem_id="ac-md")
                    cites = gr.Markdown("", elem_id="ac-cites")
                    with gr.Row(visible=service.feedback is not None, elem_id="ac-feedback"):
                        verdict = gr.Radio([("👍 right", "up"), ("👎 wrong", "down")],
                                           value="up", label="This answer is",
                                           elem_id="ac-verdict")
                        marked = gr.Dropdown(choices=[], value=None, label="The quote that "
                                             "does answer (for a wrong answer)",
                                             elem_id="ac-marked")
                        vote_note = gr.Textbox(label="Note (optional)", max_length=2000,
                                               elem_id="ac-vote-note")
                        vote_btn = gr.Button("Send vote", size="sm", elem_id="ac-vote")
                    vote_result = gr.HTML("", elem_id="ac-vote-result", js_on_load=None)
            with gr.Column(scale=2, min_width=360, elem_id="ac-side"), \
                    gr.Tabs(selected="article", elem_id="ac-tabs") as tabs:
                with gr.Tab("Article", id="article"):
                    article = gr.HTML(render.ARTICLE_PLACEHOLDER, elem_id="ac-article",
                                      js_on_load=assets.ARTICLE_JS)
                with gr.Tab("Settings", id="settings"):
                    k = gr.Slider(1, 10, value=service.default_k, step=1,
                                  label="Quotes per answer", elem_id="ac-k")
                    mode = gr.Radio(MODE_CHOICES, value=service.default_mode,
                                    label="Retrieval", elem_id="ac-mode")
                    filters = gr.Dropdown(choices=service.filter_choices(), value=[],
                                          multiselect=True, allow_custom_value=True,
                                          label="Search only in",
                                          info="Articles or outlets; empty = the whole corpus",
                                          elem_id="ac-filters")
                    with gr.Row(elem_id="ac-dates"):
                        since = gr.Textbox(label="Dated from", placeholder="YYYY-MM-DD",
                                           max_lines=1, max_length=40, elem_id="ac-since")
                        until = gr.Textbox(label="Dated until", placeholder="YYYY-MM-DD",
                                           max_lines=1, max_length=40, elem_id="ac-until")
                    by_date = gr.Checkbox(False, label="Quotes in date order (earliest first)",
                                          elem_id="ac-by-date")
                    no_undated = gr.Checkbox(False, label="Leave out undated articles when a "
                                                          "date range applies",
                                             elem_id="ac-no-undated")
                with gr.Tab("Index", id="index"):
                    with gr.Row(elem_id="ac-find-row"):
                        find = gr.Textbox(placeholder="Find articles by title, outlet or file",
                                          show_label=False, container=False, scale=4,
                                          max_length=200, elem_id="ac-find")
                        previous = gr.Button("◀", size="sm", scale=0, min_width=40,
                                             elem_id="ac-prev")
                        following = gr.Button("▶", size="sm", scale=0, min_width=40,
                                              elem_id="ac-next")
                    page = gr.State(0)
                    stats = gr.HTML(render.render_stats(service.stats_page()),
                                    elem_id="ac-stats", js_on_load=None)
                    refresh = gr.Button("Refresh", size="sm", variant="secondary")
                    if manage:
                        with gr.Accordion("Add or remove articles", open=False,
                                          elem_id="ac-manage"):
                            kinds = " ".join(sorted(SUPPORTED))
                            limit = f"{float(service.pipeline.settings.max_file_mb):g} MB"
                            uploads = gr.File(label=f"Article files to add ({kinds}; at most "
                                                    f"{limit} each)", type="filepath",
                                              file_count="multiple", elem_id="ac-upload")
                            # no file_types: gradio would reject a whole drop for one wrong
                            # file; add_files refuses each unfit file with its reason instead
                            add = gr.Button("Add to the corpus", size="sm", elem_id="ac-add")
                            removals = gr.Dropdown(choices=service.file_choices(), value=[],
                                                   multiselect=True, allow_custom_value=True,
                                                   label="Articles to remove",
                                                   info="Files of the corpus folder (a JSON "
                                                        "file: all its articles); moved to "
                                                        ".askcorpus-removed/ (undo: move "
                                                        "them back)",
                                                   elem_id="ac-removals")
                            remove = gr.Button("Remove from the corpus", size="sm",
                                               variant="stop", elem_id="ac-remove")
                            cancel = gr.Button("Cancel indexing", size="sm",
                                               variant="secondary", elem_id="ac-cancel")
                            note = gr.HTML("", elem_id="ac-manage-note", js_on_load=None)
        timer = gr.Timer(POLL_SECONDS)

        # -- wiring -------------------------------------------------------------------------
        quiet: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
        cheap = {**quiet, "concurrency_limit": None}  # no model involved: never queued behind asks
        # answering: at most `concurrency` at once, shared with /ask (the page shows "Searching…")
        heavy = {**quiet, "concurrency_limit": concurrency,
                 "concurrency_id": "ask"}
        poll_out = [status, timer, question, send, transcript, stats, filters,
                    *([removals] if manage else [])]
        timer.tick(poll, [turns], poll_out, **cheap)
        demo.load(poll, [turns], poll_out, **cheap)

        ask_in = [turns, k, mode, filters, since, until, by_date, no_undated]
        ask_out = [transcript, turns, question, send]
        # The Enter-key chain is also reachable as /chat_begin + /chat_answer ("undocumented":
        # not listed, but callable by gradio_client, which keeps one State per Client).
        chains = [
            question.submit(begin, [question, turns], ask_out, **{
                **cheap, "api_visibility": "undocumented", "api_name": "chat_begin"}).then(
                finish, ask_in, ask_out, **{**heavy, "api_visibility": "undocumented",
                                            "api_name": "chat_answer"}),
            send.click(begin, [question, turns], ask_out, **cheap).then(
                finish, ask_in, ask_out, **heavy),
            transcript.example(begin_example, [turns], ask_out, **cheap).then(
                finish, ask_in, ask_out, **heavy),
        ]
        views = [which, dl_md, dl_json]
        for chain in chains:  # back to typing the next question; then kept in the browser
            chain.then(None, js=assets.FOCUS_INPUT_JS)
            chain.then(save, [saved, chat_id, turns], [saved, chats, *views], **cheap)
        transcript.source(open_source, None, [article, tabs], **cheap).then(
            None, js=assets.SCROLL_ARTICLE_JS)
        clear.click(new_chat, None, [transcript, turns, article, chat_id, *views], **cheap)
        demo.load(restore, [saved, kept_probe], [saved, chats, work_note, article, tabs, chat_id],
                  js=assets.KEPT_CHECK_JS % {"key": workbench.STORAGE_KEY,
                                             "aside": workbench.UNREADABLE_KEY}, **cheap)
        # a vote from under an answer in the chat (one JSON line each, see record_vote)
        transcript.vote(vote_in_chat, [turns], [transcript, turns],
                        **{**quiet, "concurrency_limit": 4, "concurrency_id": "vote"}).then(
            keep_saved, [saved, chat_id, turns], [saved], **cheap)
        reopen_btn.click(reopen, [saved, chats],
                         [transcript, turns, chat_id, work_note, *views], **cheap)
        delete_btn.click(forget, [saved, chats, chat_id],
                         [saved, chats, work_note, transcript, turns, chat_id, *views],
                         **cheap)
        which.change(show_answer, [turns, which], [md_box, cites, marked], **cheap)
        vote_btn.click(send_vote, [turns, which, verdict, vote_note, marked], [vote_result],
                       **{**quiet, "concurrency_limit": 4, "concurrency_id": "vote"})
        refresh_out = [stats, page, filters, *([removals] if manage else [])]
        refresh.click(refresh_stats, [find], refresh_out, **cheap)
        # the article list is sent a page at a time; dropdowns hold MAX_CHOICES entries and
        # are searched on the server as one types (per-page cost: not the corpus size)
        find.change(find_articles, [find, page], [stats, page], **cheap)
        previous.click(previous_page, [find, page], [stats, page], **cheap)
        following.click(next_page, [find, page], [stats, page], **cheap)
        filters.key_up(find_filters, [filters], [filters], **cheap)
        if manage:
            removals.key_up(find_files, [removals], [removals], **cheap)
        if manage:
            # one change at a time (the index update that follows embeds on the CPU)
            change = {**quiet, "concurrency_limit": 1, "concurrency_id": "manage"}
            change_out = [note, uploads, stats, filters, removals]
            add.click(add_files, [uploads], change_out, **change)
            remove.click(remove_files, [removals], change_out, **change)
            # not queued behind the change it stops; the note then says what came of it
            cancel.click(cancel_change, None, [note], **cheap)

        gr.api(api_ask, api_name="ask", concurrency_limit=concurrency, concurrency_id="ask")
        if mcp:
            # Not queued: gradio then runs MCP calls in-process instead of through an HTTP
            # client of its own, which could not log in; ChatService bounds the answering.
            tool_ask, tool_show = mcp_tools(service)
            gr.api(tool_ask, api_name="mcp_ask", queue=False)
            gr.api(tool_show, api_name="mcp_show", queue=False)
    return demo


def mcp_tools(service: ChatService) -> tuple[Any, Any]:
    """The MCP tools; gradio names them after the functions and describes them from the
    docstrings (``Args:`` become the parameters' descriptions)."""

    def ask(question: str, k: int | None = None, mode: str | None = None,
            articles: list[str] | None = None, outlets: list[str] | None = None,
            since: str | None = None, until: str | None = None, as_of: str | None = None,
            undated: str | None = None, order: str | None = None) -> str:
        """Answer a question from the indexed news articles with verbatim quotes only: every
        quote is exact text of an article, with its file path and character offsets, outlet,
        title and date; nothing is paraphrased or generated. When no article answers,
        "answered" is false, "message" says so and the closest passages are in "related"
        (they do not answer). Quotes carry "flags" (unconfirmed, attributed) when the article
        itself hedges the claim. Ask one self-contained question per call.

        Args:
            question: the question, in plain words (at most 2,000 characters)
            k: how many quotes to return, 1 to 50 (default 5)
            mode: retrieval: "hybrid" (default), "dense" (meaning) or "bm25" (exact words)
            articles: search only these articles (file paths or doc ids, as in quotes)
            outlets: search only articles from these outlets (e.g. "www.independent.co.uk")
            since: only articles dated on or after this day (YYYY-MM-DD; YYYY-MM or YYYY: all
                of it). A time in the question ("in March 1987", "last week") limits the dates
                by itself; since/until override it
            until: only articles dated on or before this day (YYYY-MM-DD, YYYY-MM or YYYY)
            as_of: the day relative times ("last week") count from (default: newest article)
            undated: "include" (default) or "exclude" articles that state no date
            order: "score" (best quote first, default) or "date" (by article, earliest first)

        Returns:
            JSON text: {"question", "answered", "message", "confidence", "quotes": [{"text",
            "path", "start", "end", "title", "outlet", "author", "date", "flags", ...}],
            "related"},
            exactly what `askcorpus ask --json` prints; or {"question", "error"}.
        """
        filters = [*(articles or []), *(outlets or [])]
        return answer_json(service.ask(question, None, k, mode, filters or None, {
            "since": since, "until": until, "as_of": as_of, "undated": undated,
            "order": order}))

    def show(path: str, start: int, end: int, context: int | None = None) -> str:
        """Read the article text around a quote returned by ask, to check it or see its
        context: the quote is article[start:end], and the result holds the surrounding text.

        Args:
            path: the quote's "path" (or its "doc_id")
            start: the quote's "start" offset
            end: the quote's "end" offset
            context: characters of article to include before and after the quote (default 600)

        Returns:
            JSON text: {"path", "title", "outlet", "author", "date", "url", "start", "end",
            "quote", "text", "text_start", "text_end", "length"} where text is
            article[text_start:text_end]; or {"path", "error"}.
        """
        return answer_json(service.show(path, start, end, context))

    return ask, show
