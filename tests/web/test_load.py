"""The load test as a test: benchmarks/load_test.py, 10 clients for 10 s, must see 0 errors.

The full run (50 clients, 60 s) and its figures are in docs/RELIABILITY.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from askcorpus.config import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.integration
def test_load_test_10_clients_10_seconds_no_errors(real_index: Settings, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(real_index.index, index)  # the server finds it up to date: no re-embedding
    out = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")}
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load_test.py"),
                           "--clients", "10", "--seconds", "10", "--corpus",
                           str(real_index.corpus), "--index", str(index), "--json", str(out)],
                          capture_output=True, text=True, env=env, timeout=600)
    print(proc.stdout)
    result = json.loads(out.read_text())
    assert proc.returncode == 0, (proc.stdout, proc.stderr[-2000:])
    assert result["errors"] == 0, result["error_examples"]
    assert result["completed"] >= 5 and result["stuck_clients"] == 0
    assert result["elapsed_s"] < 10 + 120 + 5  # bounded: stops by itself
