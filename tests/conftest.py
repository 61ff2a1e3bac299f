from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import OFFLINE_ENV, Settings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts"  # screenshots of the browser tests
CHROMIUM = Path("/usr/bin/chromium")
# every browser test module's marks (its `pytestmark`, with `integration` where it starts the
# app's whole stack): skipped without Chromium, quiet about the libraries' own warnings
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="/usr/bin/chromium is missing (make browser installs it)"),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]
SEEDS = ROOT / "corpus"
SHARED_DATA = ROOT.parent / "shared" / "data"

for _k, _v in OFFLINE_ENV.items():  # never the network, in any test
    os.environ[_k] = _v


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in list(os.environ):
        if key.startswith("ASKCORPUS_"):
            monkeypatch.delenv(key)


@pytest.fixture
def seed_corpus(tmp_path: Path) -> Path:
    dst = tmp_path / "corpus"
    shutil.copytree(SEEDS, dst)
    return dst


@pytest.fixture
def fake_settings(seed_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus=seed_corpus, index=tmp_path / "index")


@pytest.fixture(scope="session")
def real_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The seed corpus indexed once with the real packaged model."""
    from askcorpus.pipeline import Pipeline

    base = tmp_path_factory.mktemp("real")
    shutil.copytree(SEEDS, base / "corpus")
    settings = Settings(corpus=base / "corpus", index=base / "index")
    Pipeline(settings).index()
    return settings


@pytest.fixture(scope="session")
def real_pipeline(real_index: Settings):
    from askcorpus.pipeline import Pipeline

    p = Pipeline(real_index)
    yield p
    p.close()


# -- shared by the reliability tests (test_hostile_*.py, test_concurrency.py) ------------------
def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_live_app(settings: Settings, pipeline: Any = None, ready_timeout: float = 180.0,
                   **kw: Any) -> Any:
    """The real web app on a free loopback port, ready (index checked, model loaded)."""
    from askcorpus.pipeline import Pipeline
    from askcorpus.web import start

    app = start(settings, "127.0.0.1", free_port(), env={},
                pipeline=pipeline if pipeline is not None else Pipeline(settings), **kw)
    if not app.wait_ready(ready_timeout):
        app.close()
        raise AssertionError(f"the app did not get ready: {app.startup.snapshot()}")
    return app


def api_client(app: Any) -> Any:
    """A gradio_client for a started app, as a user builds it (no telemetry)."""
    from gradio_client import Client

    return Client(app.url, verbose=False, analytics_enabled=False)


def ask_api(client: Any, *args: Any) -> Any:
    """``/ask`` through gradio_client: the JSON text of `askcorpus ask --json`, parsed."""
    reply = client.predict(*args, api_name="/ask")
    assert isinstance(reply, str), reply
    return json.loads(reply)


@pytest.fixture(scope="module")
def live_app(real_index: Settings) -> Iterator[Any]:
    """The real app over the real seed index, one per test module."""
    app = start_live_app(real_index)
    yield app
    app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield b
        b.close()
