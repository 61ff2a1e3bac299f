"""Adding and removing article files from the Index tab: names are cleaned, nothing is
overwritten or written through a link, files indexing would skip (binary, empty, too large, not
an article format) are refused with the reason, removal only moves files the index lists into
the hidden .askcorpus-removed/ folder, the index is updated right after with its progress, a
read-only server or a visitor who is not logged in cannot change anything; and the whole path
in a real browser: upload, ask, see the quote, remove, ask, it is gone."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from askcorpus.corpus.ingest import load_corpus
from askcorpus.web.manage import TRASH, add_files, clean_name, remove_files
from tests.conftest import ARTIFACTS, CHROMIUM, SEEDS, free_port, start_live_app
from tests.fakes import FakeEmbedder


@pytest.mark.parametrize(("name", "cleaned"), [
    ("report.txt", "report.txt"), ("Report Final.MD", "Report Final.md"),
    ("../../etc/passwd.txt", "passwd.txt"), ("C:\\Users\\x\\news.html", "news.html"),
    (".hidden.txt", "hidden.txt"), ("a<b>|c?.json", "a_b_c_.json"), ("x.jsonl", "x.jsonl"),
    ("évènement.txt", "évènement.txt"), ("y" * 300 + ".txt", "y" * 116 + ".txt"),
    ("run.exe", None), ("noext", None), (".txt", None), ("...", None), ("", None),
])
def test_clean_name(name: str, cleaned: str | None) -> None:
    assert clean_name(name) == cleaned


def test_add_files_never_overwrites_or_follows_links(tmp_path: Path) -> None:
    corpus, up = tmp_path / "corpus", tmp_path / "uploads"
    corpus.mkdir()
    up.mkdir()
    (corpus / "a.txt").write_text("old", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    (corpus / "b.txt").symlink_to(outside)
    for name, text in (("a.txt", "new a"), ("b.txt", "new b"), ("big.txt", "x" * 2000),
                       ("bad.exe", "x")):
        (up / name).write_text(text, encoding="utf-8")
    added, refused = add_files(corpus, [(str(up / n), n) for n in
                                        ("a.txt", "b.txt", "big.txt", "bad.exe")], 1000)
    assert [(a.name, a.original, a.renamed) for a in added] == [
        ("a-2.txt", "a.txt", True), ("b-2.txt", "b.txt", True)]
    assert [r.split(":")[0] for r in refused] == ["big.txt", "bad.exe"]
    assert "larger than the 0.976562 KB limit" in refused[0]
    assert "not an article file" in refused[1]
    assert (corpus / "a.txt").read_text() == "old" and outside.read_text() == "keep"
    assert (corpus / "a-2.txt").read_text() == "new a"
    missing, why = add_files(corpus, [(str(up / "gone.txt"), "gone.txt")], 1000)
    assert missing == [] and "could not be read" in why[0]
    assert sorted(os.listdir(corpus)) == ["a-2.txt", "a.txt", "b-2.txt", "b.txt"]


def test_add_files_refuses_what_indexing_would_skip(tmp_path: Path) -> None:
    corpus, up = tmp_path / "corpus", tmp_path / "uploads"
    corpus.mkdir()
    up.mkdir()
    files = {"photo.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
             "empty.md": b"", "broken.json": b'{"title": "x", ',
             "nothing.jsonl": b'{"id": 1}\n', "scan.pdf": b"%PDF-1.7",
             "ok.jsonl": b'{"title": "One", "text": "First article."}\n'
                         b'{"title": "Two", "text": "Second article."}\n'}
    for name, data in files.items():
        (up / name).write_bytes(data)
    added, refused = add_files(corpus, [(str(up / n), n) for n in files], 20 * 2**20)
    assert [(a.name, a.articles) for a in added] == [("ok.jsonl", 2)]
    reasons = dict(r.split(": ", 1) for r in refused)
    assert reasons["photo.txt"].startswith("binary file")
    assert reasons["empty.md"] == "no text"
    assert reasons["broken.json"].startswith("invalid JSON")
    assert "no text field" in reasons["nothing.jsonl"]
    assert reasons["scan.pdf"].startswith("corrupt PDF")  # PDFs are read: this one is broken
    assert os.listdir(corpus) == ["ok.jsonl"]  # nothing else, not even a temporary file


def test_remove_files_moves_only_listed_plain_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("Alpha\nThe alpha article.\n", encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text("Beta\nThe beta article.\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("s", encoding="utf-8")
    (corpus / "link.txt").symlink_to(secret)
    known = {"a.txt", "sub/b.txt", "link.txt", "../secret.txt"}
    removed, refused = remove_files(corpus, ["a.txt", "sub/b.txt", "link.txt",
                                             "../secret.txt", "nope.txt"], known)
    assert removed == ["a.txt", "sub/b.txt"]
    assert [r.split(":")[0] for r in refused] == ["link.txt", "../secret.txt", "nope.txt"]
    assert secret.exists() and (corpus / "link.txt").is_symlink()
    trash = sorted(p.name for p in (corpus / TRASH).iterdir())
    assert len(trash) == 2 and trash[0].endswith("-a.txt") and trash[1].endswith("sub__b.txt")
    docs, _ = load_corpus(corpus)
    assert [d.path for d in docs] == []  # the trash is hidden from indexing (the link too)


# ------------------------------------------------------------------------------ the service
class _SlowIndex:
    """A Pipeline whose index updates report progress and take a moment."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def index(self, **kwargs: Any) -> Any:
        progress = kwargs.get("progress")
        if progress is not None:
            for n in range(3):
                progress("embedding", n, 2)
                time.sleep(0.2)
        return self.inner.index(**kwargs)


def _service(settings: Settings, **kw: Any) -> Any:
    from askcorpus.pipeline import Pipeline
    from askcorpus.web.service import ChatService
    from askcorpus.web.startup import Startup

    pipeline = _SlowIndex(Pipeline(settings, embedder=FakeEmbedder()))
    startup = Startup(pipeline)
    startup.run()
    assert startup.ready, startup.snapshot()
    return ChatService(pipeline, startup, **kw)


def test_the_service_adds_indexes_with_progress_and_removes(fake_settings: Settings,
                                                            tmp_path: Path) -> None:
    from tests.corpus.test_watch import ZEBRA

    service = _service(fake_settings, manage=True)
    upload = tmp_path / "zebra.txt"
    upload.write_text(ZEBRA, encoding="utf-8")
    (tmp_path / "000_c79d4084c955e875.txt").write_text(  # a name the corpus already has
        "Llama parade postponed\nLIMA - The llama parade was postponed by a week.\n",
        encoding="utf-8")
    files = [str(upload), str(tmp_path / "000_c79d4084c955e875.txt")]
    notes = list(service.change("add", files))  # saves, then updates the index
    change = notes[-1][1]
    assert change.names == ["zebra.txt", "000_c79d4084c955e875-2.txt"]
    assert change.problems == ["000_c79d4084c955e875.txt was saved as 000_c79d4084c955e875-2.txt "
                               "(a file named 000_c79d4084c955e875.txt is already in the corpus)"]
    assert all(c is None for _, c in notes[:-1])
    assert any("Indexing · Embedding passages: 1/2 chunks" in n and "<progress" in n
               for n, _ in notes[:-1]), notes
    last = notes[-1][0]
    assert "Index updated: 7 articles (2 embedded, 0 removed" in last
    assert "the chat answers from it now" in last and "already in the corpus" in last
    assert {"zebra.txt", "000_c79d4084c955e875-2.txt"} <= set(service.corpus_files())
    answer = service.ask("How many new stripes did the zebra council approve?")
    assert answer["answered"] and answer["quotes"][0]["path"] == "zebra.txt"
    assert "42 new stripes" in answer["quotes"][0]["text"]

    change = service.remove_files(["zebra.txt", "000_c79d4084c955e875-2.txt", "nope.txt"])
    assert change.names == ["zebra.txt", "000_c79d4084c955e875-2.txt"]
    assert change.problems == ["nope.txt: not an article file of the index"]
    assert "Index updated: 5 articles (0 embedded, 2 removed" in change.html()
    assert "zebra.txt" not in service.corpus_files()
    answer = service.ask("How many new stripes did the zebra council approve?")
    assert not any("zebra.txt" in q["paths"] for q in answer["quotes"] + answer["related"])
    service.pipeline.close()


def test_a_failed_index_update_is_one_line_and_the_chat_keeps_answering(
        fake_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from askcorpus.errors import IndexLockedError

    service = _service(fake_settings, manage=True)

    def locked(**kw: Any) -> Any:
        raise IndexLockedError("another askcorpus index is writing this index")

    monkeypatch.setattr(service.pipeline.inner, "index", locked)
    upload = tmp_path / "x.txt"
    upload.write_text("X marks\nThe x article says something.\n", encoding="utf-8")
    note = service.add_files([str(upload)]).html()
    assert note.count("<p>") == 1 and "Traceback" not in note
    assert "Added x.txt. The index was not updated: another askcorpus index is writing this " \
        "index" in note
    assert service.ask("How many North Korean soldiers are fighting for Russia?")["quotes"]
    service.pipeline.close()


def test_read_only_or_logged_out_changes_nothing(fake_settings: Settings,
                                                 tmp_path: Path) -> None:
    upload = tmp_path / "new.txt"
    upload.write_text("New article\nIt says something.\n", encoding="utf-8")
    before = sorted(os.listdir(fake_settings.corpus))
    some = before[0]
    read_only = _service(fake_settings, manage=False)
    for change in (read_only.add_files([str(upload)]), read_only.remove_files([some])):
        assert change.names == [] and "read-only" in change.message
    guarded = _service(fake_settings, manage=True, login_required=True)
    for change in (guarded.add_files([str(upload)]), guarded.remove_files([some])):
        assert change.names == [] and change.message == "Log in to add or remove articles."
    assert sorted(os.listdir(fake_settings.corpus)) == before
    assert guarded.add_files([str(upload)], user="alice").names == ["new.txt"]
    many = tmp_path / "wire.jsonl"
    many.write_text('{"title": "One", "text": "First."}\n{"title": "Two", "text": "Second."}\n',
                    encoding="utf-8")
    assert guarded.add_files([str(many)], user="bob").message == "Added wire.jsonl (2 articles)."
    assert guarded.remove_files([some], user="alice").names == [some]
    for s in (read_only, guarded):
        s.pipeline.close()


def test_read_only_rule() -> None:
    from askcorpus.web.server import read_only_reason

    plain = Settings(corpus=Path("c"), index=Path("i"))
    assert read_only_reason(plain) is None
    assert read_only_reason(plain, read_only=True) == "--read-only"
    db = plain.replace(store="postgresql://u@db.example.org/news")
    assert "the index is in a database (--store)" in read_only_reason(db)


def test_serve_and_app_py_pass_read_only_and_say_it(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from click.testing import CliRunner

    import app as app_py
    import askcorpus.web
    from askcorpus.cli import main
    from askcorpus.web import server

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(askcorpus.web, "serve", lambda settings, **kw: calls.append(kw))
    assert CliRunner().invoke(main, ["serve", "--read-only"]).exit_code == 0
    assert CliRunner().invoke(main, ["serve"]).exit_code == 0
    assert app_py.main(["--read-only", "--watch"]) == 0
    assert [c["read_only"] for c in calls] == [True, False, True] and calls[2]["watch"]

    class Stopped:
        is_running = False

        def close(self) -> None:
            pass

    for read_only, login in ((None, False), ("--read-only", False), (None, True)):
        running = server.RunningApp(url="http://127.0.0.1:1/", demo=Stopped(), startup=None,
                                    pipeline=Stopped(), login_required=login,
                                    read_only=read_only)
        monkeypatch.setattr(server, "start", lambda *a, _r=running, **kw: _r)
        server.serve(Settings(corpus=Path("news"), index=Path("ix")))
        err = capsys.readouterr().err
        if read_only:
            assert "read-only (--read-only): the page cannot add or remove articles" in err
        else:
            who = "logged-in users" if login else "anyone who can open the page"
            assert f"the Index tab adds and removes articles in news ({who};" in err


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.parametrize("read_only", [False, True])
def test_the_page_offers_uploads_unless_read_only(fake_settings: Settings,
                                                   read_only: bool) -> None:
    from askcorpus.pipeline import Pipeline

    app = start_live_app(fake_settings, pipeline=Pipeline(fake_settings, embedder=FakeEmbedder()),
                         read_only=read_only)
    try:
        ids = {c.get("props", {}).get("elem_id") for c in app.demo.config["components"]}
        assert ({"ac-upload", "ac-add", "ac-removals", "ac-remove"} <= ids) is not read_only
        assert ({"ac-upload", "ac-remove"} & ids) is not read_only
        assert app.read_only == ("--read-only" if read_only else None)
    finally:
        app.close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_uploads_need_the_login_off_loopback(fake_settings: Settings) -> None:
    """Bound to every address: gradio's upload route that the Index tab's file box posts to,
    and the queue that runs the page's events (Add, Remove), refuse a visitor who has not
    logged in."""
    import httpx

    from askcorpus.pipeline import Pipeline
    from askcorpus.web import start

    port = free_port()
    app = start(fake_settings, "0.0.0.0", port, env={"ASKCORPUS_AUTH": "alice:secret pw"},
                pipeline=Pipeline(fake_settings, embedder=FakeEmbedder()))
    try:
        assert app.login_required and app.read_only is None
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(trust_env=False, timeout=30) as http:
            files = {"files": ("x.txt", b"Headline\nBody.\n", "text/plain")}
            assert http.post(f"{base}/gradio_api/upload", files=files).status_code == 401
            join = http.post(f"{base}/gradio_api/queue/join",
                             json={"data": [[]], "fn_index": 0, "session_hash": "x"})
            assert join.status_code == 401  # nor can any event of the page run
            login = http.post(f"{base}/login", data={"username": "alice",
                                                     "password": "secret pw"})
            assert login.status_code == 200, login.text
            ok = http.post(f"{base}/gradio_api/upload", files=files)
            assert ok.status_code == 200 and ok.json()[0].endswith("x.txt")
    finally:
        app.close()
    assert sorted(os.listdir(fake_settings.corpus)) == sorted(os.listdir(SEEDS))


# ------------------------------------------------------------------------------ in the page
def _note_after(page: Any, word: str) -> str:
    """The Index tab's note once it reports ``word`` ("Added", "Removed") and the update."""
    page.wait_for_function("(w) => { const t = document.querySelector('#ac-manage-note')"
                           ".innerText; return t.includes(w) && t.includes('Index updated'); }",
                           arg=word, timeout=60_000)
    return page.locator("#ac-manage-note").inner_text()


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_add_and_remove_an_article_from_the_index_tab(browser: Any, real_index: Settings,
                                                      tmp_path: Path) -> None:
    """No --watch: dropping files on the Index tab saves them, indexes them (progress in the
    tab) and the chat quotes the new article at once; removing it, the answer is gone."""
    from tests.corpus.test_watch import ZEBRA, ZEBRA_Q
    from tests.web.test_browser import INPUT, Watched

    settings = real_index.replace(corpus=tmp_path / "corpus", index=tmp_path / "index")
    shutil.copytree(real_index.corpus, settings.corpus)
    shutil.copytree(real_index.index, settings.index)
    app = start_live_app(settings)
    assert app.watcher is None and app.read_only is None
    w = Watched(browser)
    try:
        page = w.page
        page.goto(app.url)
        w.wait_ready()
        turn = w.ask(ZEBRA_Q)
        assert "42" not in turn.inner_text()  # not in the corpus yet
        page.get_by_role("tab", name="Index").click()
        page.locator("#ac-manage").get_by_text("Add or remove articles").click()
        # every text the note shows, in order (the progress lines come and go)
        page.wait_for_selector("#ac-upload button", timeout=20_000)
        page.evaluate("""() => { window.__notes = [];
            const note = () => (document.querySelector('#ac-manage-note') || {}).innerText;
            new MutationObserver(() => window.__notes.push(note()))
                .observe(document.querySelector('#ac-manage'),
                         {subtree: true, childList: true, characterData: true}); }""")
        # drag and drop three files at once: an article, a binary file named .txt, a PDF
        drop = page.evaluate_handle("""([name, text]) => {
            const dt = new DataTransfer();
            dt.items.add(new File([text], name, {type: 'text/plain'}));
            dt.items.add(new File([new Uint8Array([137, 80, 78, 71, 0, 0, 0, 13, 0, 1])],
                                  'photo.txt', {type: 'text/plain'}));
            dt.items.add(new File(['%PDF-1.7'], 'scan.pdf', {type: 'application/pdf'}));
            return dt; }""", ["zebra council.txt", ZEBRA])
        target = page.locator("#ac-upload button").first
        for kind in ("dragenter", "dragover", "drop"):
            target.dispatch_event(kind, {"dataTransfer": drop})
        page.wait_for_function("() => ['zebra', 'photo', 'scan'].every(n => document"
                               ".querySelector('#ac-upload').innerText.includes(n))",
                               timeout=20_000)
        page.locator("#ac-add").click()
        note = _note_after(page, "Added")
        assert "Added zebra council.txt." in note and "6 articles (1 embedded" in note
        assert "photo.txt: binary file" in note
        assert "scan.pdf: corrupt PDF" in note  # PDFs are read: this one is broken
        assert any("Indexing" in n for n in page.evaluate("window.__notes")), \
            page.evaluate("window.__notes")
        assert (settings.corpus / "zebra council.txt").read_text(encoding="utf-8") == ZEBRA
        assert not {"photo.txt", "scan.pdf"} & set(os.listdir(settings.corpus))
        assert "zebra council.txt" in page.locator("#ac-stats").inner_text()
        page.locator("#ac-manage").screenshot(path=str(ARTIFACTS / "index-add.png"))

        turn = w.ask(ZEBRA_Q)  # answered from the new article, right away
        quote = turn.locator("blockquote").first
        assert "approved 42 new stripes" in quote.inner_text(), turn.inner_text()
        assert "zebra council.txt" in turn.inner_text()

        removals = page.locator("#ac-removals input")
        removals.click()
        removals.fill("zebra")
        page.get_by_role("option", name="zebra council.txt").click()
        page.locator("#ac-remove").click()
        note = _note_after(page, "Removed")
        assert "Removed zebra council.txt" in note and "5 articles (0 embedded, 1 removed" in note
        assert not (settings.corpus / "zebra council.txt").exists()
        assert "zebra council.txt" not in page.locator("#ac-stats").inner_text()
        turn = w.ask(ZEBRA_Q)
        assert "zebra council.txt" not in turn.inner_text() and "42" not in turn.inner_text()
        assert page.locator(INPUT).first.is_enabled()
        assert w.external == [] and w.errors == [], (w.external, w.errors)
    finally:
        w.close()
        app.close()
    assert len(os.listdir(settings.corpus / TRASH)) == 1


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_file_over_the_size_limit_is_refused_in_the_page(browser: Any,
                                                           fake_settings: Settings) -> None:
    """Gradio's upload limit is the indexer's: a drop holding a bigger file is refused with a
    message before anything is uploaded, and nothing reaches the corpus."""
    from askcorpus.pipeline import Pipeline
    from tests.web.test_browser import Watched

    settings = fake_settings.replace(max_file_mb=0.01)  # 10 KiB; the seed articles are smaller
    app = start_live_app(settings, pipeline=Pipeline(settings, embedder=FakeEmbedder()))
    before = sorted(os.listdir(settings.corpus))
    w = Watched(browser)
    try:
        page = w.page
        page.goto(app.url)
        w.wait_ready()
        page.get_by_role("tab", name="Index").click()
        page.locator("#ac-manage").get_by_text("Add or remove articles").click()
        assert "at most 0.01 MB each" in page.locator("#ac-upload").inner_text()
        drop = page.evaluate_handle("""() => { const dt = new DataTransfer();
            dt.items.add(new File(['Big\\n' + 'x'.repeat(20000)], 'big.txt',
                                  {type: 'text/plain'}));
            return dt; }""")
        target = page.locator("#ac-upload button").first
        for kind in ("dragenter", "dragover", "drop"):
            target.dispatch_event(kind, {"dataTransfer": drop})
        page.get_by_text("exceed the maximum allowed size").wait_for(timeout=20_000)
        assert w.errors == [] and w.external == []
    finally:
        w.close()
        app.close()
    assert sorted(os.listdir(settings.corpus)) == before


def _wait(check: Any, seconds: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the index was not updated"
        time.sleep(0.1)
