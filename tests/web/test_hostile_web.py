"""The web server attacked as an attacker (or a careless user) would, on loopback, with real
HTTP requests to a real server (fake embedder: runs in the default test run).

Every route that could change the corpus is called directly (gradio's /run, /api, /call,
/call/v2, the queue with any fn_index); Host and Origin headers are forged (DNS rebinding,
cross-site pages, other localhost ports); file entries name URLs and other apps' uploads;
uploads are degenerate or huge; /ask gets "inf", "1e400" and "rerank"; passwords are
guessed; temporary files are looked for afterwards. docs/RELIABILITY.md, section 8, lists
what each test covers."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from askcorpus.config import Settings
from askcorpus.web.guard import LoginLimiter, allowed_hosts, host_name
from askcorpus.web.manage import Limits, add_files, clean_leftovers, degenerate, files_of
from tests.conftest import SEEDS, free_port, start_live_app
from tests.fakes import FakeEmbedder

pytestmark = [pytest.mark.filterwarnings("ignore::DeprecationWarning"),
              pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]

ZEBRA = ("Zebra council approves new stripes\n"
         "NAIROBI - The zebra council approved 42 new stripes on Tuesday, its chair said, "
         "after a long debate about patterns and the coming dry season.\n")


def _app(settings: Settings, **kw: Any) -> Any:
    from askcorpus.pipeline import Pipeline

    return start_live_app(settings, pipeline=Pipeline(settings, embedder=FakeEmbedder()), **kw)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One open loopback server (uploads on) over a copy of the seed corpus."""
    base = tmp_path_factory.mktemp("hostile")
    shutil.copytree(SEEDS, base / "corpus")
    (base / "corpus" / "NOTES").write_text("not an article file", encoding="utf-8")
    (base / "corpus" / "NOTES#1.txt").write_text(
        "Notes from the field\nThe field notes say the harvest came early this year.\n",
        encoding="utf-8")
    app = _app(Settings(corpus=base / "corpus", index=base / "index"))
    yield app
    app.close()


def _http() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=60)


def _fn(app: Any, name: str) -> int:
    """The fn_index of the page handler ``name``."""
    for fn in app.demo.fns.values():
        if getattr(fn.fn, "__name__", None) == name:
            return int(fn._id)
    raise AssertionError(f"no handler {name}")


def _upload(http: httpx.Client, app: Any, name: str, data: bytes) -> dict[str, Any]:
    base = app.url.rstrip("/")
    r = http.post(f"{base}/gradio_api/upload", files={"files": (name, data, "text/plain")},
                  headers={"Origin": base})
    assert r.status_code == 200, r.text
    return {"path": r.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def _queue(http: httpx.Client, app: Any, fn_index: int, data: list[Any],
           session: str = "hostile", event_data: Any = None) -> dict[str, Any]:
    """Run one event through gradio's queue (as the page does); its last message."""
    base = app.url.rstrip("/")
    join = http.post(f"{base}/gradio_api/queue/join", headers={"Origin": base},
                     json={"data": data, "fn_index": fn_index, "session_hash": session,
                           "event_data": event_data, "trigger_id": None})
    assert join.status_code == 200, join.text
    with http.stream("GET", f"{base}/gradio_api/queue/data",
                     params={"session_hash": session}) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return msg
    raise AssertionError("the queue never completed the event")


def _wait(check: Any, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# ------------------------------------------------------------------ 1. one guarded change path
def test_no_direct_route_runs_a_page_handler(served: Any) -> None:
    """/run, /api, /call and /call/v2 answer only the public API: every page handler (add,
    remove, refresh, poll, ...) is 404 there, and nothing in the corpus moves."""
    base = served.url.rstrip("/")
    before = sorted(os.listdir(served.pipeline.settings.corpus))
    names = {fn.api_name for fn in served.demo.fns.values() if isinstance(fn.api_name, str)}
    assert {"add_files", "remove_files", "refresh_stats"} <= names
    with _http() as http:
        upload = _upload(http, served, "run.txt", ZEBRA.encode())
        for name in sorted(names - {"ask", "chat_begin", "chat_answer"}):
            for route in ("run", "api", "call", "call/v2"):
                r = http.post(f"{base}/gradio_api/{route}/{name}", json={"data": [[upload]]})
                assert r.status_code == 404, (route, name, r.status_code, r.text)
            assert http.get(f"{base}/gradio_api/call/{name}/x").status_code == 404
        # the public API is still there (and, queued, not on /run)
        r = http.post(f"{base}/gradio_api/call/ask",
                      json={"data": ["zebra?", [], 1, None, None, *[None] * 5]})
        assert r.status_code == 200 and "event_id" in r.json()
        assert http.post(f"{base}/gradio_api/run/ask", json={"data": ["x"]}).status_code == 404
        for unused in ("/gradio_api/proxy=http://127.0.0.1:1/x", "/gradio_api/dev/reload",
                       "/gradio_api/vibe-edit", "/gradio_api/process_recording",
                       "/monitoring", "/gradio_api/runs"):
            assert http.get(base + unused).status_code == 404, unused
    assert sorted(os.listdir(served.pipeline.settings.corpus)) == before


def test_the_queue_route_adds_and_removes_with_the_index_updated(served: Any) -> None:
    """Through the queue (the page's own route, called directly): the file is saved AND
    indexed, the upload is deleted from the server's upload folder; removing it takes it
    out of the answers."""
    with _http() as http:
        upload = _upload(http, served, "zebra.txt", ZEBRA.encode())
        assert Path(upload["path"]).is_relative_to(served.uploads_dir)
        done = _queue(http, served, _fn(served, "add_files"), [[upload]])
        assert done["success"], done
        note = done["output"]["data"][0]
        assert "Added zebra.txt." in note and "Index updated" in note, note
        assert not Path(upload["path"]).exists()  # deleted after the change
        assert not list(served.uploads_dir.rglob("zebra.txt"))
        assert not [p for p in served.uploads_dir.iterdir() if p.is_file()]  # gradio's tmp*
        answer = served.pipeline.ask("How many new stripes did the zebra council approve?")
        assert any(q.doc.path == "zebra.txt" for q in answer.quotes)
        done = _queue(http, served, _fn(served, "remove_files"), [["zebra.txt"]])
        assert "Removed zebra.txt" in done["output"]["data"][0], done
        answer = served.pipeline.ask("How many new stripes did the zebra council approve?")
        assert all(q.doc.path != "zebra.txt" for q in answer.quotes + answer.related)


def test_every_handler_of_a_read_only_server_changes_nothing(tmp_path: Path) -> None:
    """--read-only: the queue, called with every fn_index there is and file entries, never
    changes the corpus; a cross-origin upload is refused there too."""
    shutil.copytree(SEEDS, tmp_path / "corpus")
    app = _app(Settings(corpus=tmp_path / "corpus", index=tmp_path / "index"), read_only=True)
    base = app.url.rstrip("/")
    try:
        with _http() as http:
            upload = _upload(http, app, "x.txt", ZEBRA.encode())
            for fn_index in list(app.demo.fns):
                http.post(f"{base}/gradio_api/queue/join", headers={"Origin": base}, json={
                    "data": [[upload]], "fn_index": fn_index, "session_hash": f"s{fn_index}"})
            r = http.post(f"{base}/gradio_api/upload", headers={"Origin": "http://evil.test"},
                          files={"files": ("y.txt", b"Head\nBody.\n", "text/plain")})
            assert r.status_code == 403
            time.sleep(1.0)
    finally:
        app.close()
    assert sorted(os.listdir(tmp_path / "corpus")) == sorted(os.listdir(SEEDS))


def test_a_change_left_half_read_still_finishes_and_updates_the_index(served: Any,
                                                                     tmp_path: Path) -> None:
    """Whoever calls it and however little of the progress is read, a change runs to its
    end: the file saved and the index updated (the old /run route stopped after step 1)."""
    service = _service_of(served)
    upload = served.uploads_dir / "abandoned" / "hippo.txt"
    upload.parent.mkdir()
    upload.write_text("Hippo choir sings at dawn\nThe hippo choir sang 17 songs at dawn, "
                      "the river authority said.\n", encoding="utf-8")
    steps = service.change("add", [str(upload)])
    next(steps)
    steps.close()  # the reader goes away after the first note
    _wait(lambda: "hippo.txt" in service.corpus_files())
    assert not upload.exists()
    answer = served.pipeline.ask("How many songs did the hippo choir sing?")
    assert any(q.doc.path == "hippo.txt" for q in answer.quotes)
    assert service.remove_files(["hippo.txt"]).names == ["hippo.txt"]


def test_one_change_at_a_time_whatever_the_route(served: Any) -> None:
    """Two changes started at once (say one from the queue, one from anywhere else) never
    update the index at the same time: the second waits."""
    service = _service_of(served)
    pipeline = service.pipeline
    spans: list[tuple[float, float]] = []
    inner = pipeline.index

    def slow(**kw: Any) -> Any:
        start = time.monotonic()
        time.sleep(0.5)
        try:
            return inner(**kw)
        finally:
            spans.append((start, time.monotonic()))

    pipeline.index = slow
    try:
        files = []
        for n in (1, 2):
            f = served.uploads_dir / f"c{n}" / f"parallel{n}.txt"
            f.parent.mkdir()
            f.write_text(f"Parallel {n}\nThe parallel story number {n} is here.\n",
                         encoding="utf-8")
            files.append(str(f))
        threads = [threading.Thread(target=service.add_files, args=([f],)) for f in files]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        del pipeline.index
    assert len(spans) == 2
    (_, a1), (b0, _) = sorted(spans)
    assert a1 <= b0, spans
    assert service.remove_files(["parallel1.txt", "parallel2.txt"]).names == [
        "parallel1.txt", "parallel2.txt"]


def test_answering_is_not_blocked_by_indexing(served: Any) -> None:
    service = _service_of(served)
    pipeline = service.pipeline
    inner = pipeline.index
    started = threading.Event()

    def slow(**kw: Any) -> Any:
        started.set()
        time.sleep(3.0)
        return inner(**kw)

    pipeline.index = slow
    try:
        f = served.uploads_dir / "slow" / "slowpoke.txt"
        f.parent.mkdir()
        f.write_text("Slowpoke\nA slow story about a slow snail race.\n", encoding="utf-8")
        worker = threading.Thread(target=service.add_files, args=([str(f)],))
        worker.start()
        assert started.wait(30)
        t = time.monotonic()
        answer = service.ask("How many North Korean soldiers are fighting for Russia?")
        assert "error" not in answer and time.monotonic() - t < 2.0
        worker.join(60)
    finally:
        del pipeline.index
    assert service.remove_files(["slowpoke.txt"]).names == ["slowpoke.txt"]


def _service_of(app: Any) -> Any:
    """The ChatService behind a started app (the page's handlers close over it)."""
    for fn in app.demo.fns.values():
        for cell in getattr(fn.fn, "__closure__", None) or ():
            value = cell.cell_contents
            if type(value).__name__ == "ChatService":
                return value
    raise AssertionError("no ChatService")


# ------------------------------------------------------------------ 2. Host, Origin, CORS
@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.evil.example", "attacker:7860",
                                  "localhost.evil", "", "0.0.0.0", "LOCALHOST@evil.example"])
def test_a_forged_host_is_refused(served: Any, host: str) -> None:
    base = served.url.rstrip("/")
    with _http() as http:
        for method, path in (("GET", "/"), ("GET", "/config"), ("POST", "/gradio_api/upload"),
                             ("POST", "/gradio_api/queue/join")):
            r = http.request(method, base + path, headers={"Host": host})
            assert r.status_code == 400, (host, path, r.status_code)
            assert "--allowed-host" in r.json()["error"]
            assert "access-control-allow-origin" not in r.headers


def test_loopback_names_and_allowed_hosts_are_served(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "corpus")
    app = _app(Settings(corpus=tmp_path / "corpus", index=tmp_path / "index"),
               allowed_hosts=["chat.example.org"])
    base = app.url.rstrip("/")
    port = base.rsplit(":", 1)[1]
    try:
        with _http() as http:
            for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}",
                         "chat.example.org", f"CHAT.example.org:{port}"):
                assert http.get(base + "/", headers={"Host": host}).status_code == 200, host
            assert http.get(base + "/", headers={"Host": "other.example.org"}).status_code == 400
    finally:
        app.close()
    assert allowed_hosts("0.0.0.0") == {"localhost", "127.0.0.1", "::1"}
    assert "192.168.1.5" in allowed_hosts("192.168.1.5")
    assert host_name("[::1]:7860") == "::1" and host_name("Example.ORG.:80") == "example.org"


@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:1", "null",
                                    "http://127.0.0.1", "http://127.0.0.1:{port}.evil.example",
                                    "http://localhost:{port}"])
def test_a_foreign_origin_cannot_change_anything(served: Any, origin: str) -> None:
    """Another site, another localhost port, a sandboxed frame ("null"): uploads, the
    queue, /ask and the login are 403, preflights get no CORS permission."""
    base = served.url.rstrip("/")
    origin = origin.format(port=base.rsplit(":", 1)[1])
    with _http() as http:
        h = {"Origin": origin}
        r = http.post(f"{base}/gradio_api/upload", headers=h,
                      files={"files": ("x.txt", b"Head\nBody.\n", "text/plain")})
        assert r.status_code == 403, r.text
        assert http.post(f"{base}/gradio_api/queue/join", headers=h, json={
            "data": [], "fn_index": 0, "session_hash": "x"}).status_code == 403
        assert http.post(f"{base}/gradio_api/call/ask", headers=h,
                         json={"data": ["x"]}).status_code == 403
        assert http.post(f"{base}/login", headers=h,
                         data={"username": "a", "password": "b"}).status_code == 403
        pre = http.options(f"{base}/gradio_api/upload", headers={
            **h, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in pre.headers
        got = http.get(f"{base}/config", headers=h)  # readable only by the same origin
        assert not any(k.startswith("access-control-") for k in got.headers)
        r = http.post(f"{base}/gradio_api/upload", headers={"Sec-Fetch-Site": "cross-site"},
                      files={"files": ("x.txt", b"Head\nBody.\n", "text/plain")})
        assert r.status_code == 403
    assert not [p for p in served.uploads_dir.rglob("x.txt")]


def test_the_same_origin_may_upload(served: Any) -> None:
    with _http() as http:
        entry = _upload(http, served, "same.txt", b"Head\nBody.\n")
        assert Path(entry["path"]).is_relative_to(served.uploads_dir)
        # gradio's own temporary folder, shared by every gradio app, holds none of it
        assert served.uploads_dir.name.startswith(f"askcorpus-{os.getpid()}-")
        assert oct(served.uploads_dir.stat().st_mode & 0o777) == "0o700"


def test_no_other_site_can_frame_the_page(served: Any) -> None:
    """Clickjacking: a page framed by another site would send same-origin requests."""
    with _http() as http:
        for path in ("/", "/config", "/gradio_api/info"):
            r = http.get(served.url.rstrip("/") + path)
            assert r.headers["x-frame-options"] == "DENY", path
            assert r.headers["content-security-policy"] == "frame-ancestors 'none'"
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "same-origin"


# ------------------------------------------------------------------ 5. temporary files
def test_no_url_is_fetched_from_a_file_entry(served: Any) -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"Fetched\nThis was fetched from a URL.\n")

        def log_message(self, *args: Any) -> None:
            pass

    port = free_port()
    web = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    before = sorted(os.listdir(served.pipeline.settings.corpus))
    try:
        with _http() as http_client:
            for url in (f"http://127.0.0.1:{port}/a.txt", "https://example.org/b.txt"):
                entry = {"path": url, "url": url, "orig_name": "a.txt",
                         "meta": {"_type": "gradio.FileData"}}
                done = _queue(http_client, served, _fn(served, "add_files"), [[entry]])
                assert not done["success"] or "Nothing added" in json.dumps(done), done
                assert "Traceback" not in json.dumps(done)
    finally:
        web.shutdown()
    assert hits == []
    assert sorted(os.listdir(served.pipeline.settings.corpus)) == before


def test_only_this_servers_uploads_are_taken(served: Any, tmp_path: Path) -> None:
    """A file entry naming a file elsewhere in gradio's shared folder (another app's upload)
    or anywhere on disk is refused; nothing is read from it."""
    from gradio.utils import get_upload_folder

    other = Path(get_upload_folder()) / "other-app-upload"
    other.mkdir(parents=True, exist_ok=True)
    secret = other / "secret.txt"
    secret.write_text("Secret\nAnother app's private upload.\n", encoding="utf-8")
    service = _service_of(served)
    try:
        change = service.add_files([str(secret), "/etc/hostname.txt"])
        assert change.names == [] and all("not a file uploaded to this server" in p
                                          for p in change.problems), change
        assert secret.exists()  # and not deleted either
    finally:
        shutil.rmtree(other)


def test_file_route_serves_only_this_servers_uploads(served: Any) -> None:
    """gradio's /file= would serve any file of its shared upload folder (other apps'
    uploads) and stream any URL; here only this server's own uploads are served."""
    from gradio.utils import get_upload_folder

    other = Path(get_upload_folder()) / "other-app-file"
    other.mkdir(parents=True, exist_ok=True)
    (other / "private.txt").write_text("private", encoding="utf-8")
    base = served.url.rstrip("/")
    try:
        with _http() as http:
            own = _upload(http, served, "mine.txt", b"Mine\nMy upload.\n")
            assert http.get(f"{base}/gradio_api/file={own['path']}").status_code == 200
            for path in (str(other / "private.txt"), f"{served.uploads_dir}/../other-app-file/"
                         "private.txt", "http://127.0.0.1:1/x", "https://example.org/",
                         "/etc/passwd", str(served.uploads_dir)):
                for route in ("file=", "file/"):
                    r = http.get(f"{base}/gradio_api/{route}{path}")
                    assert r.status_code == 404, (route, path, r.status_code)
    finally:
        shutil.rmtree(other)


def test_leftovers_are_cleaned_at_start_and_the_upload_folder_on_close(tmp_path: Path) -> None:
    from gradio.utils import get_upload_folder

    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    dead = corpus / ".askcorpus-upload-999999-0123abcd.txt"  # a pid that is not running
    old = corpus / ".askcorpus-upload-0123456789abcdef.txt"  # before pids were in the name
    live = corpus / ".askcorpus-upload-1-0123abcd.txt"  # pid 1 runs: another server's
    for f in (dead, old, live):
        f.write_text("partial", encoding="utf-8")
    stale = Path(get_upload_folder()) / "askcorpus-999999-stale"
    stale.mkdir(parents=True, exist_ok=True)
    app = _app(Settings(corpus=corpus, index=tmp_path / "index"))
    folder = app.uploads_dir
    assert folder is not None and folder.is_dir()
    app.close()
    assert not dead.exists() and not old.exists() and live.exists()
    assert not stale.exists() and not folder.exists()
    assert clean_leftovers(tmp_path / "missing") == []


# ------------------------------------------------------------------ 4. limits
def test_degenerate_text_is_refused_with_a_reason(tmp_path: Path) -> None:
    corpus, up = tmp_path / "corpus", tmp_path / "up"
    corpus.mkdir()
    up.mkdir()
    (up / "word.txt").write_text("Spam\n" + "spam " * 50_000, encoding="utf-8")
    (up / "phrase.txt").write_text("Buy\n" + "buy cheap watches now today " * 20_000,
                                   encoding="utf-8")
    (up / "wire.jsonl").write_text(json.dumps({"title": "x", "text": "la " * 5000}) + "\n",
                                   encoding="utf-8")
    added, refused = add_files(corpus, [(str(up / n), n) for n in
                                        ("word.txt", "phrase.txt", "wire.jsonl")], 20 * 2**20)
    assert added == []
    reasons = dict(r.split(": ", 1) for r in refused)
    assert reasons["word.txt"].startswith("degenerate text (the word 'spam' is 100%")
    assert reasons["phrase.txt"].startswith("degenerate text (the same few words repeated")
    assert "degenerate text" in reasons["wire.jsonl"] and "(record 1)" in reasons["wire.jsonl"]
    assert os.listdir(corpus) == []
    for seed in SEEDS.iterdir():  # real articles are not degenerate
        assert degenerate(seed.read_text(encoding="utf-8")) is None, seed


def test_chunk_caps_per_article_and_per_change(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, up = tmp_path / "corpus", tmp_path / "up"
    corpus.mkdir()
    up.mkdir()
    words = [f"w{i}" for i in range(3_000)]  # 3,000 distinct words: ≥ 19 chunks
    (up / "long.txt").write_text("Long\n" + " ".join(words), encoding="utf-8")
    for n in (1, 2, 3):
        (up / f"mid{n}.txt").write_text(f"Mid {n}\n" + " ".join(words[:1000]),
                                        encoding="utf-8")  # ≥ 7 chunks each
    limits = Limits(article_chunks=10, change_chunks=15)
    added, refused = add_files(corpus, [(str(up / n), n) for n in
                                        ("long.txt", "mid1.txt", "mid2.txt", "mid3.txt")],
                               20 * 2**20, limits=limits)
    assert [a.name for a in added] == ["mid1.txt", "mid2.txt"]
    reasons = dict(r.split(": ", 1) for r in refused)
    assert reasons["long.txt"].startswith("too long: at least 19 chunks, above the 10")
    assert "ASKCORPUS_MAX_ARTICLE_CHUNKS" in reasons["long.txt"]
    assert reasons["mid3.txt"].startswith("the change would be too large (at least 7 chunks, "
                                          "1 of the 15")
    monkeypatch.setenv("ASKCORPUS_MAX_ARTICLE_CHUNKS", "7")
    monkeypatch.setenv("ASKCORPUS_MAX_CHANGE_CHUNKS", "9")
    got = Limits.from_settings(Settings.from_env())
    assert (got.article_chunks, got.change_chunks, got.chunk_step) == (7, 9, 160)


# ------------------------------------------------------------------ 6. the small ones
@pytest.mark.parametrize(("k", "mode", "needle"), [
    ("inf", None, "k must be a whole number"), ("1e400", None, "k must be a whole number"),
    ("-inf", None, "k must be a whole number"), ("nan", None, "k must be a whole number"),
    (1e308, None, "between 1 and 50"), (True, None, "k must be a whole number"),
    (3, "rerank", "unknown mode 'rerank': choose hybrid, dense, bm25"),
])
def test_ask_odd_k_and_mode_are_clear_errors(served: Any, k: Any, mode: Any,
                                             needle: str) -> None:
    base = served.url.rstrip("/")
    with _http() as http:
        r = http.post(f"{base}/gradio_api/call/ask",
                      json={"data": ["What did Iran give Russia?", [], k, mode, None,
                                     *[None] * 5]})
        assert r.status_code == 200, r.text
        body = http.get(f"{base}/gradio_api/call/ask/{r.json()['event_id']}").text
    data = next(line[5:] for line in body.splitlines() if line.startswith("data:"))
    answer = json.loads(json.loads(data)[0])
    assert set(answer) == {"question", "error"} and needle in answer["error"], answer
    assert "Traceback" not in body and "OverflowError" not in body


def test_a_fresh_page_lists_the_removable_articles(served: Any) -> None:
    """The page's first poll (on load, no Refresh) fills "Articles to remove"."""
    with _http() as http:
        done = _queue(http, served, _fn(served, "poll"), [[]], session="fresh")
    removals = done["output"]["data"][-1]
    values = [c[1] if isinstance(c, list) else c for c in removals["choices"]]
    assert "000_c79d4084c955e875.txt" in values and "NOTES#1.txt" in values


def test_a_file_named_with_a_hash_is_not_a_json_record(served: Any) -> None:
    """NOTES#1.txt beside NOTES: the article is NOTES#1.txt; "NOTES" (not an article file)
    cannot be removed, and removing NOTES#1.txt moves exactly that file."""
    service = _service_of(served)
    corpus = served.pipeline.settings.corpus
    assert "NOTES#1.txt" in service.corpus_files() and "NOTES" not in service.corpus_files()
    change = service.remove_files(["NOTES"])
    assert change.names == [] and "not an article file of the index" in change.problems[0]
    assert (corpus / "NOTES").exists()
    change = service.remove_files(["NOTES#1.txt"])
    assert change.names == ["NOTES#1.txt"] and "Index updated" in change.index
    assert (corpus / "NOTES").exists() and not (corpus / "NOTES#1.txt").exists()
    assert files_of(["a.txt", "wire.jsonl#3", "x#1.txt", "w.json#id#2", "export.txt#4",
                     "NOTES#1"]) == ["a.txt", "wire.jsonl", "x#1.txt", "w.json", "export.txt",
                                     "NOTES#1"]
    (corpus / "x.txt").write_text("x", encoding="utf-8")  # a file x.txt beside x.txt#1.txt
    assert files_of(["a.txt", "x.txt#1.txt"], corpus) == ["a.txt", "x.txt"]
    (corpus / "x.txt#1.txt").write_text("x", encoding="utf-8")
    assert files_of(["a.txt", "x.txt#1.txt"], corpus) == ["a.txt", "x.txt#1.txt"]
    for name in ("x.txt", "x.txt#1.txt"):
        (corpus / name).unlink()


def test_login_attempts_are_rate_limited_per_client(tmp_path: Path) -> None:
    from askcorpus.pipeline import Pipeline
    from askcorpus.web import start

    shutil.copytree(SEEDS, tmp_path / "corpus")
    settings = Settings(corpus=tmp_path / "corpus", index=tmp_path / "index")
    app = start(settings, "127.0.0.1", free_port(), env={"ASKCORPUS_AUTH": "alice:right pw"},
                pipeline=Pipeline(settings, embedder=FakeEmbedder()))
    base = app.url.rstrip("/")
    try:
        with _http() as http:
            codes = [http.post(f"{base}/login", data={"username": "alice",
                                                      "password": f"guess{n}"}).status_code
                     for n in range(30)]
            assert codes[:10] == [400] * 10 and set(codes[10:]) == {429}, codes
            locked = http.post(f"{base}/login", data={"username": "alice",
                                                      "password": "right pw"})
            assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
            assert "too many wrong passwords" in locked.json()["error"]
    finally:
        app.close()
    limiter = LoginLimiter(failures=2, window=0.3)
    for _ in range(2):
        limiter.failed("a")
    assert limiter.retry_after("a") > 0 and limiter.retry_after("b") == 0
    time.sleep(0.35)
    assert limiter.retry_after("a") == 0
    limiter.failed("a")
    limiter.succeeded("a")
    assert limiter.retry_after("a") == 0


# ------------------------------------------------------------------ 3. per-page cost, sessions
def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def test_a_page_costs_the_same_whatever_the_corpus_size(tmp_path: Path) -> None:
    """100,000 articles in the index: each page load (its first poll, as a new session) is
    sent one page of the article list and at most 200 choices per dropdown, and 200 page
    loads leave the server's memory flat. (The index stats are made up: the page's cost is
    what is derived from them and sent.)"""
    shutil.copytree(SEEDS, tmp_path / "corpus")
    app = _app(Settings(corpus=tmp_path / "corpus", index=tmp_path / "index"))
    try:
        service = _service_of(app)
        real = service.startup.stats()
        many = {**real, "documents": 100_000, "outlets": [f"outlet{i}.example" for i in
                                                          range(300)],
                "articles": [{"doc_id": f"d{i:06d}", "title": f"Article number {i}",
                              "paths": [f"wire/{i:06d}.txt"], "outlet": f"outlet{i % 300}"}
                             for i in range(100_000)]}
        service.startup._stats = many
        poll = _fn(app, "poll")
        sizes = []
        with _http() as http:
            _queue(http, app, poll, [[]], session="warm")  # the catalog is derived once
            before = _rss_mb()
            t = time.monotonic()
            for n in range(200):
                done = _queue(http, app, poll, [[]], session=f"page{n}")
                sizes.append(len(json.dumps(done)))
            seconds = time.monotonic() - t
            after = _rss_mb()
            stats_html, filters, removals = (done["output"]["data"][5],
                                             done["output"]["data"][6],
                                             done["output"]["data"][-1])
        print(f"\n100k articles: {max(sizes):,} bytes per page load, {seconds / 200 * 1000:.0f} "
              f"ms each, RSS {before:.0f} -> {after:.0f} MB over 200 page loads")
        assert max(sizes) < 100_000, max(sizes)
        assert len(filters["choices"]) <= 200 and len(removals["choices"]) <= 200
        assert "Articles 1–50 of 100,000" in stats_html
        with _http() as http:  # typing in the dropdowns fetches the matching entries
            found = _queue(http, app, _fn(app, "find_files"), [[]], session="page0",
                           event_data={"key": "7", "input_value": "099997"})
            assert found["output"]["data"][0]["choices"] == [["wire/099997.txt",
                                                              "wire/099997.txt"]], found
            found = _queue(http, app, _fn(app, "find_filters"), [["d000001"]],
                           session="page0", event_data={"key": "x", "input_value": "outlet7 "})
            assert found["success"], found
            values = [c[1] for c in found["output"]["data"][0]["choices"]]
            assert values[0] == "d000001" and "outlet7.example" in values, values[:3]
            listed = _queue(http, app, _fn(app, "find_articles"), ["number 4242", 0],
                            session="page0")
            assert "20 articles matching “number 4242”" in listed["output"]["data"][0]
            # the page number is the session's own state (a client cannot set it)
            listed = _queue(http, app, _fn(app, "next_page"), ["", 7], session="page0")
            assert "Articles 51–100 of 100,000" in listed["output"]["data"][0], \
                re.findall("<h4.*?</h4>", listed["output"]["data"][0])
        assert after - before < 60, (before, after)
        page = service.stats_page("number 99999", 0)
        assert page is not None and page["matching"] == 1
        assert "d004242" in [c[1] for c in service.filter_choices("article number 4242 ")]
        assert service.file_choices("000007.txt") == ["wire/000007.txt"]
        assert service.stats_page(None, 10**9)["page"] == 1999
        assert service.stats_page(None, "inf")["page"] == 0
    finally:
        app.close()


def test_sessions_are_bounded_in_number_and_size(served: Any) -> None:
    from askcorpus.web import ui

    assert served.demo.state_session_capacity <= 500
    assert ui.MAX_TURNS <= 20
    turns_state = next(b for b in served.demo.blocks.values()
                       if type(b).__name__ == "State")
    assert turns_state.time_to_live <= 4 * 3600


def test_mcp_offers_only_the_read_only_tools(tmp_path: Path) -> None:
    """--mcp on a server that can change the corpus: the MCP server lists ask and show only,
    and calling a page handler by name as a tool changes nothing."""
    from tests.web.test_mcp import mcp_url, with_session

    shutil.copytree(SEEDS, tmp_path / "corpus")
    app = _app(Settings(corpus=tmp_path / "corpus", index=tmp_path / "index"), mcp=True)
    try:
        async def probe(session: Any) -> tuple[list[str], list[bool]]:
            names = [t.name for t in (await session.list_tools()).tools]
            errors = []
            for tool in ("add_files", "remove_files", "refresh_stats", "poll"):
                try:
                    result = await session.call_tool(tool, {"paths": ["a.txt"]})
                    errors.append(bool(result.isError))
                except Exception:
                    errors.append(True)
            return names, errors

        names, errors = with_session(mcp_url(app.url), probe)
        assert sorted(names) == ["ask", "show"] and all(errors)
    finally:
        app.close()
    assert sorted(os.listdir(tmp_path / "corpus")) == sorted(os.listdir(SEEDS))


def test_allowed_host_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    import app as app_py
    import askcorpus.web
    from askcorpus.cli import main
    from askcorpus.errors import AskCorpusError

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(askcorpus.web, "serve", lambda settings, **kw: calls.append(kw))
    result = CliRunner().invoke(main, ["serve", "--allowed-host", "chat.example.org",
                                       "--allowed-host", "news.lan"])
    assert result.exit_code == 0, result.output
    assert app_py.main(["--allowed-host", "chat.example.org"]) == 0
    assert [tuple(c["allowed_hosts"]) for c in calls] == [("chat.example.org", "news.lan"),
                                                          ("chat.example.org",)]
    with pytest.raises(AskCorpusError, match="is not a host name"):
        allowed_hosts("127.0.0.1", ["http://x.example/path"])


def test_indexing_a_large_addition_can_be_cancelled(served: Any) -> None:
    """Cancel while the new article is being embedded: the file is taken out again, the
    index stays as it was, and the next change works."""
    service = _service_of(served)
    pipeline = service.pipeline
    inner = pipeline.index
    ticks: list[int] = []

    def slow(**kw: Any) -> Any:
        progress = kw.get("progress")
        for n in range(200):  # a long embedding
            ticks.append(n)
            if progress is not None:
                progress("embedding", n, 200)
            time.sleep(0.02)
        return inner(**kw)

    before = service.corpus_files()
    generation = served.pipeline.store.generation_name
    pipeline.index = slow
    try:
        f = served.uploads_dir / "big" / "big.txt"
        f.parent.mkdir()
        f.write_text("Big\nA big article that takes long to embed.\n", encoding="utf-8")
        assert service.cancel_change() == "No change is running."
        result: dict[str, Any] = {}
        worker = threading.Thread(target=lambda: result.update(c=service.add_files([str(f)])))
        worker.start()
        _wait(lambda: len(ticks) > 5)
        assert service.cancel_change() == "Cancelling…"
        worker.join(30)
    finally:
        del pipeline.index
    change = result["c"]
    assert change.message.startswith("Cancelled: nothing added (big.txt taken out again")
    assert len(ticks) < 50 and change.names == []
    assert not (served.pipeline.settings.corpus / "big.txt").exists()
    assert service.corpus_files() == before
    assert served.pipeline.store.generation_name == generation
    assert service.cancel_change() == "No change is running."
