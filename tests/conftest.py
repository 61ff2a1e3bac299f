from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from askcorpus.config import OFFLINE_ENV, Settings

ROOT = Path(__file__).resolve().parents[1]
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
