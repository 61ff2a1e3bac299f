"""Run by test_crash.py in a child process: index CORPUS into INDEX with a slowed fake model."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from askcorpus.config import Settings
from askcorpus.index.build import build_index
from tests.fakes import FakeEmbedder, word_counter


class SlowEmbedder(FakeEmbedder):
    def embed_documents(self, texts, progress=None):  # type: ignore[no-untyped-def]
        out = []
        for i in range(0, len(texts), 8):  # small batches, so a kill can land mid-embedding
            time.sleep(0.01)
            out.append(super().embed_documents(texts[i:i + 8]))
        import numpy as np

        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)


if __name__ == "__main__":
    corpus, index, rebuild = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "rebuild"
    build_index(Settings(corpus=corpus, index=index), SlowEmbedder(), word_counter,
                rebuild=rebuild)
    print("done", flush=True)
