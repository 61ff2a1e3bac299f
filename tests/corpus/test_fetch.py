"""``askcorpus add URL``: pages fetched from a local HTTP server on loopback (never outside
this machine), saved into the corpus folder with their URL and fetch time, read as indexing
reads them; unfit pages refused with one reason each."""

from __future__ import annotations

import contextlib
import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from askcorpus.cli import main
from askcorpus.corpus.ingest import load_corpus
from tests.conftest import SHARED_DATA
from tests.corpus.test_html_main_text import LEAD, PAGE

EVAL = SHARED_DATA / "web" / "trafilatura-eval" / "pages"


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {}

    def do_GET(self) -> None:
        status, headers, body = self.routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client went away
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return


@pytest.fixture
def server() -> Iterator[str]:
    html = {"Content-Type": "text/html; charset=utf-8"}
    routes = {
        "/news/port-strike": (200, html, PAGE.encode()),
        "/moved": (301, {"Location": "/news/port-strike"}, b""),
        "/elsewhere": (302, {"Location": "http://example.org/x"}, b""),
        "/big": (200, html, b"<p>" + b"x" * (2 * 2**20) + b"</p>"),
        "/feed.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4"),
        "/empty": (200, html, b"<html><body><script>x()</script></body></html>"),
    }
    if EVAL.is_dir():  # a real saved news page
        page = sorted(EVAL.glob("*.html.gz"))[0]
        routes["/real"] = (200, html, gzip.decompress(page.read_bytes()))
    _Handler.routes = routes
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _add(corpus: Path, *urls: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, ["add", *urls, "--corpus", str(corpus)],
                           env={"ASKCORPUS_MAX_FILE_MB": "1"})
    return r.exit_code, r.stdout, r.stderr


def test_add_saves_pages_with_url_and_fetch_time(server: str, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    code, out, err = _add(corpus, f"{server}/news/port-strike")
    assert code == 0 and out.startswith("saved    127-0-0-1_port-strike_"), (out, err)
    docs, skipped = load_corpus(corpus)
    assert skipped == [] and len(docs) == 1
    doc = docs[0]
    assert doc.title == "Port strike halts grain exports" and LEAD in doc.text
    assert doc.url == "https://gazette.example/2024/03/12/port-strike"  # the page's own
    assert dict(doc.extra)["fetched_at"].startswith("20")
    # again, and through a same-host redirect: no duplicate
    code, out, _ = _add(corpus, f"{server}/news/port-strike", f"{server}/moved")
    assert code == 0 and out.count("was saved already") == 2
    assert len(list(corpus.iterdir())) == 1


def test_add_refuses_with_one_reason_each(server: str, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    code, out, err = _add(corpus, f"{server}/elsewhere", f"{server}/big", f"{server}/feed.pdf",
                          f"{server}/missing", f"{server}/empty", "ftp://example.org/x")
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert len(lines) == 6
    assert "redirects to another host (example.org)" in lines[0]
    assert "above the 1,048,576 limit" in lines[1]
    assert "application/pdf is not a web page" in lines[2]
    assert lines[3].endswith("HTTP 404")
    assert lines[4].endswith("no text")
    assert "not an http(s) URL" in lines[5]
    assert "Traceback" not in err
    assert list(corpus.iterdir()) == []  # nothing written, not even a temporary file


@pytest.mark.skipif(not EVAL.is_dir(), reason="no trafilatura-eval pages")
def test_add_a_real_saved_page(server: str, tmp_path: Path) -> None:
    corpus = tmp_path / "c"
    corpus.mkdir()
    code, _out, err = _add(corpus, f"{server}/real")
    assert code == 0, err
    docs, _ = load_corpus(corpus)
    assert len(docs) == 1 and docs[0].format == "html" and docs[0].spans
