"""The ``askcorpus`` command: a thin shell over :class:`askcorpus.pipeline.Pipeline`."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .config import Settings, force_offline
from .errors import AskCorpusError
from .types import byline

_CORPUS = click.option("--corpus", type=click.Path(path_type=Path), default=None,
                       help="Folder of articles [default: corpus/ or ASKCORPUS_CORPUS].")
_INDEX = click.option("--index", "index_dir", type=click.Path(path_type=Path), default=None,
                      help="Index folder [default: index/ or ASKCORPUS_INDEX].")
_STORE = click.option("--store", default=None, metavar="postgresql://…",
                      help="Keep the index in PostgreSQL + pgvector instead of the folder "
                           "[default: ASKCORPUS_STORE, else the folder]; see docs/SCALING.md.")


def _settings(**overrides: Any) -> Settings:
    return Settings.from_env(**overrides)


def _fail(error: AskCorpusError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(error.exit_code)


def _run(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except AskCorpusError as e:
        _fail(e)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


NOT_ANSWERED = 3  # `ask`: the exit status when no article answers (the answer is still printed)


@click.group(context_settings={"help_option_names": ["-h", "--help"]},
             epilog="Exit status: 0 done (`ask`: answered), 1 error, 2 bad usage or unusable "
                    f"question, {NOT_ANSWERED} (`ask`) no article in the corpus answers.")
@click.version_option(package_name="askcorpus", prog_name="askcorpus",
                      message="%(prog)s %(version)s")
def main() -> None:
    """Ask questions of a folder of news articles; get verbatim, attributed quotes."""
    force_offline()


# ------------------------------------------------------------------------------ index
class _Bars:
    """tqdm bars on a terminal; silent otherwise (the library itself never prints)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            unit = {"chunking": "doc", "embedding": "chunk"}.get(stage, "step")
            bar = self.bars[stage] = tqdm(total=total, desc=stage, unit=unit, leave=False,
                                          file=sys.stderr)
        bar.n = done
        bar.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


@main.command("index")
@_CORPUS
@_INDEX
@_STORE
@click.option("--rebuild", is_flag=True, help="Re-embed everything, even unchanged articles.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--device", default=None, help="auto | cpu | cuda | cuda:N [default: auto].")
@click.option("--batch-size", type=int, default=None, help="Chunks per embedding batch.")
@click.option("--watch", is_flag=True,
              help="Then keep watching the corpus: after each burst of changes, update the "
                   "index (only changed articles are embedded). Ctrl-C stops.")
def index_cmd(corpus: Path | None, index_dir: Path | None, store: str | None, rebuild: bool,
              as_json: bool, device: str | None, batch_size: int | None, watch: bool) -> None:
    """Build or update the index of a corpus folder (only changed articles are embedded)."""
    from .pipeline import Pipeline

    settings = _settings(corpus=corpus, index=index_dir, store=store, device=device,
                         batch_size=batch_size)
    bars = _Bars(enabled=sys.stderr.isatty() and not as_json)
    pipeline = Pipeline(settings)
    try:
        summary = _run(lambda: pipeline.index(rebuild=rebuild, progress=bars))
        where = _run(lambda: pipeline.backend.location)
    finally:
        bars.close()
    _print_summary(summary, where, as_json)
    if watch:
        _watch(pipeline, settings, where, as_json)


def _print_summary(s: Any, where: str, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(s.as_dict(), ensure_ascii=False))
        return
    state = "up to date" if s.up_to_date else f"written ({s.generation}, {s.vector_index})"
    click.echo(f"index {where}: {state}")
    click.echo(f"  documents {s.documents}  chunks {s.chunks}  embedded {s.embedded} "
               f"({s.embedded_chunks} chunks)  reused {s.reused}  removed {s.removed}  "
               f"skipped {len(s.skipped)}  {s.seconds:.1f}s")
    if s.rebuilt:
        click.echo(f"  re-embedded everything: {s.rebuilt}")
    for item in s.skipped[:20]:
        click.echo(f"  skipped {item['path']}: {item['reason']}")
    if len(s.skipped) > 20:
        click.echo(f"  … and {len(s.skipped) - 20} more (see --json)")


def _watch(pipeline: Any, settings: Settings, where: str, as_json: bool) -> None:
    """Update the index after each burst of changes in the corpus, until Ctrl-C."""
    from .corpus.feeds import FeedPoller
    from .corpus.watch import changes

    click.echo(f"watching {settings.corpus} for changes (Ctrl-C to stop)", err=True)
    # followed feeds are polled beside: the pages they save are changes too
    poller = FeedPoller(Path(settings.corpus), max_bytes=int(settings.max_file_mb * 2**20),
                        report=_feed_report).start()
    try:
        for paths in changes(settings.corpus, index=None if settings.store else settings.index):
            shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5
                                            else "")
            click.echo(f"changed: {shown}", err=True)
            try:
                summary = pipeline.index()
            except AskCorpusError as e:  # e.g. another `index` holds the lock: next time
                click.echo(f"error: {e}", err=True)
                continue
            _print_summary(summary, where, as_json)
    except KeyboardInterrupt:
        pass
    except AskCorpusError as e:
        _fail(e)
    finally:
        poller.stop(timeout=0)
    click.echo("stopped watching", err=True)


def _feed_report(report: Any) -> None:
    for name, title in report.saved:
        click.echo(f"feed item saved: {name}: {title[:80]}", err=True)
    for line in report.errors:
        click.echo(f"feed error (tried again next poll): {line}", err=True)


# ------------------------------------------------------------------------------ ask
def _time_options(f: Any) -> Any:
    """--since, --until, --as-of, --undated, --no-time: the dates an answer is drawn from."""
    f = click.option("--no-time", "no_time", is_flag=True,
                     help="Ignore the time in the question (\"in March 1987\", \"after the "
                          "summit\", \"latest\").")(f)
    f = click.option("--undated", type=click.Choice(["include", "exclude"]), default="include",
                     show_default=True,
                     help="Articles that state no date, when a date range applies.")(f)
    f = click.option("--as-of", "as_of", default=None, metavar="DATE",
                     help="Reference day for \"last week\", \"since January\" "
                          "[default: the newest article's date].")(f)
    f = click.option("--until", default=None, metavar="DATE",
                     help="Only articles dated on or before DATE (YYYY-MM-DD, YYYY-MM, YYYY).")(f)
    return click.option("--since", default=None, metavar="DATE",
                        help="Only articles dated on or after DATE (YYYY-MM-DD, YYYY-MM, "
                             "YYYY).")(f)


def _print_answer(answer: dict[str, Any]) -> None:
    width = 96
    click.secho(f"Q: {answer['question']}", bold=True)
    if answer.get("resolved_question") and answer["resolved_question"] != answer["question"]:
        click.echo(f"   (read as: {answer['resolved_question']})")
    quotes = answer["quotes"] if answer["answered"] else answer["related"]
    if answer["answered"] and answer.get("time"):
        from .answer.timewindow import time_statement

        click.secho(time_statement(answer["time"]), fg="cyan")
    if not answer["answered"]:
        click.secho(answer["message"], fg="yellow")
        if quotes:
            click.echo("Related passages (they do not answer the question):")
    by_date = answer.get("order") == "date" and answer["answered"]
    last_doc = None
    for n, q in enumerate(quotes, 1):
        if by_date and q["doc_id"] != last_doc:
            last_doc = q["doc_id"]
            head = " · ".join(x for x in (q.get("date") or "undated", q.get("outlet"),
                                          q["title"]) if x)
            click.secho(f"── {head}", bold=True)
        body = textwrap.fill(f"“{q['text']}”", width=width, initial_indent=f"[{n}] ",
                             subsequent_indent="    ")
        click.echo(body)
        by = byline(q["author"]) if q.get("author") else None
        where = " · ".join(x for x in (q["title"], q.get("outlet"), by, q.get("date")) if x)
        rec = f"#{q['record']}" if q.get("record") else ""
        click.secho(f"    — {where}", dim=True)
        click.secho(f"      {q['path']}{rec} [{q['start']}:{q['end']}]  score {q['score']:.3f}",
                    dim=True)
        if q.get("flags"):
            click.secho(f"      ⚑ {', '.join(q['flags'])}: “{'”, “'.join(q['flag_terms'])}”",
                        fg="magenta")
    click.echo("")


@main.command("ask", context_settings={"ignore_unknown_options": True})
@click.argument("question")
@_INDEX
@_STORE
@click.option("-k", "--top-k", type=click.IntRange(1, 50), default=None,
              help="Number of quotes [default: 5].")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25", "rerank"]), default=None,
              help="Retrieval mode [default: hybrid]; rerank: hybrid, then the answer "
                   "reader re-scores the chunks.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default=None,
              help="text (for the terminal), json (one object per question, JSON Lines) or "
                   "markdown (block quotes with their sources, to paste) [default: text].")
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@_time_options
@click.option("--order", type=click.Choice(["score", "date"]), default="score",
              show_default=True,
              help="score: best quote first; date: each article's quotes, earliest first.")
def ask_cmd(question: str, index_dir: Path | None, store: str | None, top_k: int | None,
            mode: str | None, fmt: str | None, as_json: bool, since: str | None,
            until: str | None, as_of: str | None, undated: str, no_time: bool,
            order: str) -> None:
    """Answer QUESTION with quotes; QUESTION '-' reads one question per line from stdin.

    Exit status: 0 answered, 3 no article in the corpus answers (the reply and the closest
    passages are still printed), 2 the question is unusable, 1 any other error. With '-':
    1 if any question failed, else 3 if any went unanswered, else 0.
    """
    from .pipeline import Pipeline

    if as_json and fmt not in (None, "json"):
        raise click.UsageError(f"--json and --format {fmt} contradict each other")
    fmt = "json" if as_json else (fmt or "text")
    pipeline = Pipeline(_run(lambda: _settings(index=index_dir, store=store)))
    if question == "-" and hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # a bad byte is one odd character, not a crash
    questions = (line.rstrip("\n") for line in sys.stdin) if question == "-" else iter([question])
    failed = unanswered = False
    for q in questions:
        if question == "-" and not q.strip():
            continue
        try:
            answer = pipeline.ask(q, k=top_k, mode=mode, since=since, until=until,
                                  as_of=as_of, undated=undated, time=not no_time,
                                  order=order).to_dict()
        except AskCorpusError as e:
            if question != "-":
                _fail(e)
            click.echo(json.dumps({"question": q, "error": str(e)}) if fmt == "json"
                       else f"error: {e}", err=fmt != "json")
            failed = True
            continue
        unanswered = unanswered or not answer["answered"]
        if fmt == "json":
            click.echo(json.dumps(answer, ensure_ascii=False))
        elif fmt == "markdown":
            from .answer.markdown import answer_markdown

            click.echo(answer_markdown(answer))
        else:
            _print_answer(answer)
    sys.exit(1 if failed else NOT_ANSWERED if unanswered else 0)


# ------------------------------------------------------------------------------ show
@main.command("show")
@click.argument("article")
@_INDEX
@_STORE
@click.option("--at", "at", default=None, metavar="START:END",
              help="Highlight this quote (offsets from `ask --json`).")
def show_cmd(article: str, index_dir: Path | None, store: str | None, at: str | None) -> None:
    """Print an ARTICLE (path, path#record or id) with a quote highlighted."""
    from .errors import QuestionError
    from .pipeline import Pipeline

    pipeline = Pipeline(_run(lambda: _settings(index=index_dir, store=store)))

    def load() -> dict[str, Any]:
        info = pipeline.store.find_document(article)
        if info is None:
            raise QuestionError(f"no article {article!r} in the index (see `askcorpus info`)")
        return pipeline.article(info.id)

    doc = _run(load)
    text = doc["text"]
    start, end = 0, 0
    if at:
        try:
            start, end = (int(x) for x in at.split(":", 1))
        except ValueError:
            _fail(QuestionError(f"--at wants START:END offsets, got {at!r}"))
        if not 0 <= start <= end <= len(text):
            _fail(QuestionError(f"--at {at} is outside the article (0:{len(text)})"))
    by = byline(doc["author"]) if doc.get("author") else None
    head = " · ".join(x for x in (doc["title"], doc.get("outlet"), by, doc.get("date")) if x)
    click.secho(head, bold=True)
    click.secho(", ".join(doc["paths"]), dim=True)
    click.echo("")
    click.echo(text[:start] + click.style(text[start:end], reverse=True, bold=True)
               + text[end:])


# ------------------------------------------------------------------------------ info
def _reader_info(settings: Any) -> dict[str, Any]:
    """Which answer ranking ``ask`` uses: the reader (and which) or the features alone."""
    from .answer.reader import reader_status

    if settings.reader == "off":
        return {"used": False, "setting": "off",
                "why": "answers ranked by word and embedding features (the default; "
                       "ASKCORPUS_READER=on adds the answer reader)"}
    status = reader_status(None if settings.reader == "on" else Path(settings.reader))
    if not status.get("available"):
        return {"used": False, "setting": settings.reader,
                "why": status.get("error") or "the reader's model file is missing"}
    return {"used": True, "setting": settings.reader, **status}


def _span_info(settings: Any) -> dict[str, Any]:
    """Which answer marks ``ask`` shows: the span model's (and which) or the rules' alone."""
    from .answer.reader import reader_status
    from .answer.span import SpanModel

    if settings.spans == "off":
        return {"used": False, "setting": "off",
                "why": "answers marked by the answer-type rules alone (ASKCORPUS_SPANS=off)"}
    status = reader_status(None if settings.spans == "on" else Path(settings.spans),
                           kind=SpanModel)
    if not status.get("available"):
        return {"used": False, "setting": settings.spans,
                "why": status.get("error") or "the span model's file is missing"}
    return {"used": True, "setting": settings.spans, **status}


@main.command("info")
@_INDEX
@_STORE
@click.option("--json", "as_json", is_flag=True, help="Print the manifest summary as JSON.")
def info_cmd(index_dir: Path | None, store: str | None, as_json: bool) -> None:
    """Show what the index holds and how it was built."""
    from .index.store.factory import open_backend

    def load() -> tuple[str, dict[str, Any], dict[str, Any]]:
        backend = open_backend(_settings(index=index_dir, store=store))
        manifest = backend.read_manifest()
        docs = manifest.pop("documents", None)
        if docs is None:  # a database keeps them in a table
            reader = backend.open()
            try:
                docs = reader.document_entries()
            finally:
                reader.close()
        return backend.location, manifest, docs

    where, manifest, docs = _run(load)
    gen = manifest.pop("_generation")
    gen_name = getattr(gen, "name", str(gen))
    settings = _run(lambda: _settings(index=index_dir, store=store))
    reader, spans = _reader_info(settings), _span_info(settings)
    if as_json:
        manifest["generation"] = gen_name
        manifest["reader"] = reader
        manifest["spans"] = spans
        manifest["formats"] = _formats()
        manifest["documents"] = [{"id": k, **v} for k, v in docs.items()]
        click.echo(json.dumps(manifest, ensure_ascii=False, indent=1))
        return
    m = manifest
    click.echo(f"index      {where} ({gen_name}), built {m.get('built_at')} by "
               f"askcorpus {m.get('askcorpus_version')}, schema {m.get('schema_version')}")
    click.echo(f"corpus     {m.get('corpus')}")
    click.echo(f"contents   {m['counts']['documents']} documents, {m['counts']['chunks']} chunks, "
               f"{len(m.get('skipped', []))} files skipped")
    click.echo(f"model      {m['model']['name']} ({m['model']['dim']} dimensions, "
               f"{m['model'].get('backend')})")
    c = m["chunker"]
    click.echo(f"chunks     ≤{c['chunk_tokens']} word pieces, overlap {c['chunk_overlap']} "
               f"({c['splitter']})")
    sv = m.get("sentence_vectors") or {}
    click.echo("sentences  " + (
        f"pooled vectors for {sv.get('documents', 0)} documents ({sv.get('dtype')}): answers "
        "run the model on the question only" if sv.get("pooled") else
        "no stored vectors: answers embed candidate sentences (`askcorpus index --rebuild` "
        "pools them, for faster answers)"))
    v = m["vector_index"]
    click.echo(f"vectors    {v.get('engine', 'FAISS')} {v['type']} ({v['metric']}; "
               f"approximate above {v['ann_threshold']:,} chunks)")
    lx = m["lexical"]
    click.echo(f"lexical    BM25 {lx['method']} k1={lx['k1']} b={lx['b']} ({lx['library']})")
    if reader["used"]:
        click.echo(f"reader     {reader['name']} (int8 ONNX, {reader['file']}, sha256 "
                   f"{str(reader['sha256'])[:12]}…): ranks answer sentences, decides abstention")
    else:
        click.echo(f"reader     off: {reader['why']}")
    if spans["used"]:
        click.echo(f"spans      {spans['name']} (int8 ONNX, {spans['file']}, sha256 "
                   f"{str(spans['sha256'])[:12]}…): marks the answer inside each quote")
    else:
        click.echo(f"spans      off: {spans['why']}")
    for n, f in enumerate(_formats()):
        click.echo(f"{'formats' if n == 0 else '':10} {f['name']:13} "
                   f"{' '.join(f['extensions']):22} {f['description']}")
    for doc_id, d in list(docs.items())[:50]:
        outlet = f" · {d['outlet']}" if d.get("outlet") else ""
        click.echo(f"  {', '.join(d['paths'])}: {d['title'][:70]}{outlet} "
                   f"({d['chunks']} chunks, {doc_id[:10]})")
    if len(docs) > 50:
        click.echo(f"  … and {len(docs) - 50} more documents (--json lists all)")


@main.command("add")
@click.argument("urls", nargs=-1, required=True)
@_CORPUS
@click.option("--timeout", type=click.FloatRange(1, 300), default=20.0, show_default=True,
              help="Seconds to wait for each page.")
def add_cmd(urls: tuple[str, ...], corpus: Path | None, timeout: float) -> None:
    """Fetch web pages into the corpus folder (each saved as a file with its URL and fetch
    time; a page already saved is not fetched again). Then run `askcorpus index`."""
    from .corpus.fetch import FetchError, fetch, save, saved_urls
    from .errors import CorpusError

    settings = _run(lambda: _settings(corpus=corpus))
    folder = Path(settings.corpus)
    if not folder.is_dir():
        _fail(CorpusError(f"corpus folder {folder} does not exist"))
    known = saved_urls(folder)
    refused = 0
    for url in urls:
        if url in known:
            click.echo(f"kept     {known[url]}: {url} was saved already")
            continue
        try:
            page = fetch(url, max_bytes=int(settings.max_file_mb * 2**20), timeout=timeout)
            if page.final_url in known:
                click.echo(f"kept     {known[page.final_url]}: {url} was saved already")
                continue
            name, doc = save(folder, page)
        except FetchError as e:
            refused += 1
            click.echo(f"refused  {e}", err=True)
            continue
        known[page.final_url] = name
        outlet = f" · {doc.outlet}" if doc.outlet else ""
        click.echo(f"saved    {name}: {doc.title[:80]}{outlet}")
    if refused:
        sys.exit(1)


@main.group("feeds")
def feeds_cmd() -> None:
    """Follow RSS / Atom / JSON feeds into the corpus folder (`feeds poll` saves new items)."""


def _corpus_folder(corpus: Path | None) -> Path:
    from .errors import CorpusError

    folder = Path(_run(lambda: _settings(corpus=corpus)).corpus)
    if not folder.is_dir():
        _fail(CorpusError(f"corpus folder {folder} does not exist"))
    return folder


@feeds_cmd.command("add")
@click.argument("urls", nargs=-1, required=True)
@_CORPUS
def feeds_add(urls: tuple[str, ...], corpus: Path | None) -> None:
    """Follow feeds (their items are saved by the next `feeds poll`)."""
    from .corpus import feeds

    folder = _corpus_folder(corpus)
    for url in urls:
        added = _run(lambda url=url: feeds.add(folder, url))
        click.echo(f"{'following' if added else 'followed already'}  {url}")


@feeds_cmd.command("remove")
@click.argument("urls", nargs=-1, required=True)
@_CORPUS
def feeds_remove(urls: tuple[str, ...], corpus: Path | None) -> None:
    """Stop following feeds (the pages saved from them stay in the corpus)."""
    from .corpus import feeds

    folder = _corpus_folder(corpus)
    for url in urls:
        click.echo(f"{'removed' if feeds.remove(folder, url) else 'not followed'}  {url}")


@feeds_cmd.command("list")
@_CORPUS
@click.option("--json", "as_json", is_flag=True, help="Print the feeds as JSON.")
def feeds_list(corpus: Path | None, as_json: bool) -> None:
    """The feeds followed, when each was last polled and its last error."""
    from .corpus import feeds

    known = feeds.feeds(_corpus_folder(corpus))
    if as_json:
        click.echo(json.dumps([{"url": u, "polled_at": f.get("polled_at"), "items_seen":
                                len(f.get("seen", [])), "last_error": f.get("last_error")}
                               for u, f in known.items()], ensure_ascii=False))
        return
    for url, f in known.items():
        error = f"; last error: {f['last_error']}" if f.get("last_error") else ""
        click.echo(f"{url}  (polled {f.get('polled_at') or 'never'}, "
                   f"{len(f.get('seen', []))} items seen{error})")


@feeds_cmd.command("poll")
@_CORPUS
@click.option("--delay", type=click.FloatRange(0, 600), default=2.0, show_default=True,
              help="Seconds between two requests to one host.")
@click.option("--timeout", type=click.FloatRange(1, 300), default=20.0, show_default=True,
              help="Seconds to wait for each feed or page.")
def feeds_poll(corpus: Path | None, delay: float, timeout: float) -> None:
    """Fetch every feed once and save its new items' pages. Then run `askcorpus index`."""
    from .corpus import feeds

    folder = _corpus_folder(corpus)
    settings = _run(lambda: _settings(corpus=corpus))
    report = feeds.poll(folder, max_bytes=int(settings.max_file_mb * 2**20), timeout=timeout,
                        delay=delay)
    for name, title in report.saved:
        click.echo(f"saved    {name}: {title[:80]}")
    for line in report.errors:
        click.echo(f"error    {line} (tried again next poll)", err=True)
    click.echo(f"{len(report.saved)} saved, {report.skipped} seen before, "
               f"{len(report.unchanged)} feeds unchanged, {len(report.errors)} errors")


def _formats() -> list[dict[str, Any]]:
    """The file formats the corpus stage reads, as the table of corpus/formats/ lists them."""
    from .corpus.formats import FORMATS

    return [{"name": f.name, "extensions": list(f.extensions), "description": f.description}
            for f in FORMATS]


# ------------------------------------------------------------------------------ eval
@main.command("eval")
@click.argument("questions", required=False, type=click.Path(path_type=Path))
@_INDEX
@_STORE
@click.option("-k", "--top-k", type=click.IntRange(1, 50), default=10, show_default=True,
              help="Quotes asked for per question (answer@k uses the first k).")
@click.option("--mode", type=click.Choice(["hybrid", "dense", "bm25", "rerank"]), default=None)
@click.option("--compare", default=None, help="Modes side by side, e.g. dense,bm25,hybrid.")
@click.option("--beir", "beir_dir", type=click.Path(path_type=Path), default=None,
              help="A BEIR folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv).")
@click.option("--split", default="test", show_default=True, help="BEIR qrels split.")
@click.option("--squad", "squad_file", type=click.Path(path_type=Path), default=None,
              help="A SQuAD 2.0 JSON file (paragraphs become the corpus).")
@click.option("--limit", type=int, default=None, help="Only the first N questions.")
@click.option("--sample", type=int, default=None,
              help="A fixed random sample of N questions (seed 0), spread over the whole file.")
@click.option("--cache", type=click.Path(path_type=Path), default=None,
              help="Where benchmark indexes are cached [default: ~/.cache/askcorpus/eval].")
@click.option("--feedback", "feedback", type=click.Path(path_type=Path), default=None,
              help="Score the readers' votes of a serve --feedback file (a marked quote is "
                   "the expected answer; 'nothing answers' an unanswerable question).")
@click.option("--json", "as_json", is_flag=True, help="Print {metrics, questions} as JSON.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write a Markdown report with plots to this folder.")
@_time_options
def eval_cmd(questions: Path | None, index_dir: Path | None, store: str | None, top_k: int,
             mode: str | None,
             compare: str | None, beir_dir: Path | None, split: str, squad_file: Path | None,
             limit: int | None, sample: int | None, cache: Path | None,
             feedback: Path | None, as_json: bool,
             out: Path | None, since: str | None, until: str | None, as_of: str | None,
             undated: str, no_time: bool) -> None:
    """Evaluate answers on a question file, a BEIR folder, a SQuAD file or a votes file.

    A question file's own "since" / "until" / "as_of" fields (a dated question set) apply to
    each question unless --since / --until are given; --no-time turns all time handling off."""
    from .evaluation.runner import run_eval

    time = {"since": since, "until": until, "as_of": as_of, "undated": undated,
            "time": not no_time}
    result = _run(lambda: run_eval(
        _settings(index=index_dir, store=store), questions=questions, k=top_k, mode=mode,
        compare=compare, beir_dir=beir_dir, split=split, squad_file=squad_file, limit=limit,
        sample=sample, cache=cache, out=out, progress=not as_json and sys.stderr.isatty(),
        time=time, feedback=feedback))
    if as_json:
        click.echo(json.dumps(result["json"], ensure_ascii=False))
    else:
        click.echo(result["text"])


# -------------------------------------------------------------------------- feedback
@main.group("feedback")
def feedback_cmd() -> None:
    """Readers' votes (serve --feedback FILE) as an evaluation question file."""


@feedback_cmd.command("export")
@click.argument("votes", type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="The question file to write (the eval/*.jsonl format).")
def feedback_export(votes: Path, out: Path) -> None:
    """Turn a votes file into a question file for askcorpus eval."""
    from .evaluation.feedback import export

    written, skipped = _run(lambda: export(votes, out))
    note = f" ({skipped} 'down' votes without a marked quote left out)" if skipped else ""
    click.echo(f"{written} questions written to {out}{note}")


# ------------------------------------------------------------------------------ serve
@main.command("serve")
@_CORPUS
@_INDEX
@_STORE
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback requires a login.")
@click.option("--port", type=int, default=7860, show_default=True)
@click.option("--mcp", is_flag=True,
              help="Also serve the MCP tools ask and show at /gradio_api/mcp/ (streamable "
                   "HTTP; with a login, HTTP Basic credentials of a configured user).")
@click.option("--watch", is_flag=True,
              help="Keep the index up to date while articles are added, changed or removed.")
@click.option("--read-only", is_flag=True,
              help="The page cannot add or remove articles (always so with --store).")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Also answer requests addressed to this host name (a reverse proxy's, a "
                   "LAN name); loopback names and the bound address always are. Repeatable.")
@click.option("--feedback", type=click.Path(path_type=Path, dir_okay=False), default=None,
              metavar="FILE", help="Append readers' votes on answers to this JSON Lines file "
                                   "(see askcorpus eval --feedback; off with --read-only).")
def serve_cmd(corpus: Path | None, index_dir: Path | None, store: str | None, host: str,
              port: int, mcp: bool, watch: bool, read_only: bool,
              allowed_hosts: tuple[str, ...], feedback: Path | None) -> None:
    """Start the web chat (building the index first if it is missing or stale)."""
    from .web import serve

    _run(lambda: serve(_settings(corpus=corpus, index=index_dir, store=store), host=host,
                       port=port, mcp=mcp, watch=watch, read_only=read_only,
                       allowed_hosts=allowed_hosts, feedback=feedback))


if __name__ == "__main__":  # pragma: no cover
    main()
