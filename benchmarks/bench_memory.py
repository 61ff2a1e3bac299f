"""Memory: resident set size of the web server (`askcorpus serve`) holding a large index, and
where it goes (item 6 of the performance issue).

    nice -n 10 .venv/bin/python benchmarks/bench_memory.py [--index INDEX_FOLDER]

By default it uses the 100k-chunk index bench_query.py builds (run that first). It starts the
server, waits until the chat is ready, asks --questions questions through its /ask API, and
reads VmRSS / VmHWM / RssAnon / RssFile from /proc. A second, gradio-free process opens the
same index with the Pipeline alone and reports each step's RSS growth.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C

STEPS = r"""
import json, sys, time
sys.path.insert(0, {bench!r})
import _common as C
from pathlib import Path
out = {{}}
def mark(name):
    out[name] = C.rss_mb()[0]
mark("python + numpy")
from askcorpus.config import Settings
from askcorpus.pipeline import Pipeline
mark("askcorpus imported")
p = Pipeline(Settings(corpus=Path({corpus!r}), index=Path({index!r}), backend={backend!r}))
store = p.store
mark("index open (FAISS vectors, BM25 mmap, SQLite)")
p.query_embedder.warm_up()
mark("query model loaded")
for q in {questions!r}:
    p.ask(q)
mark("after answering")
out["peak"] = C.rss_mb()[1]
print(json.dumps(out))
"""


def proc_status(pid: int) -> dict[str, float]:
    fields = {}
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                fields[key] = int(rest.split()[0]) / 1024
    return fields


def tree_rss(pid: int) -> float:
    """RSS of the process and its children (gradio may start helpers)."""
    total = proc_status(pid).get("VmRSS", 0.0)
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(tree_rss(int(c)) for c in children)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path,
                    default=C.DEFAULT_WORK / "query" / "size-100000" / "index")
    ap.add_argument("--corpus", type=Path, default=None,
                    help="its corpus [default: the folder beside --index]")
    ap.add_argument("--backend", default="onnx")
    ap.add_argument("--questions", type=int, default=20)
    args = ap.parse_args(argv)
    C.offline()
    corpus = args.corpus or args.index.parent / "corpus"
    from askcorpus.index.store.folder import current_generation, read_manifest

    manifest = read_manifest(args.index)
    gen = current_generation(args.index)
    assert gen is not None
    n_chunks = manifest["counts"]["chunks"]
    sizes = {p.name: sum(f.stat().st_size for f in ([p] if p.is_file() else p.rglob("*")))
             / 2**20 for p in gen.iterdir()}
    titles = [d["title"] for d in manifest["documents"].values() if d.get("title")]
    questions = [titles[i] for i in range(0, len(titles), max(1, len(titles) // args.questions))]
    questions = questions[:args.questions]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ASKCORPUS_")},
           "ASKCORPUS_BACKEND": args.backend}

    # 1. the web server
    port = free_port()
    cli = str(Path(sys.executable).with_name("askcorpus"))
    C.log(f"starting the server on port {port} ...")
    server = subprocess.Popen([cli, "serve", "--index", str(args.index), "--corpus",
                               str(corpus), "--port", str(port)], env=env,
                              stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    ready_rss = after_rss = status = None
    try:
        t0 = time.perf_counter()
        assert server.stderr is not None
        for line in server.stderr:
            if "ready: the chat is open" in line:
                break
            if "cannot serve" in line or "startup failed" in line:
                raise SystemExit(line)
        ready_s = time.perf_counter() - t0
        time.sleep(2)
        ready_rss = tree_rss(server.pid)
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}/", verbose=False, analytics_enabled=False)
        for q in questions:
            client.predict(q, api_name="/ask")
        after_rss = tree_rss(server.pid)
        status = proc_status(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    # 2. the Pipeline alone, step by step
    code = STEPS.format(bench=str(Path(__file__).resolve().parent), corpus=str(corpus),
                        index=str(args.index), backend=args.backend, questions=questions)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if p.returncode:
        raise SystemExit(p.stderr[-2000:])
    steps = json.loads(p.stdout.strip().splitlines()[-1])

    vec_mb = n_chunks * manifest["model"]["dim"] * 4 / 2**20
    C.print_table(f"Server memory with a {n_chunks:,}-chunk index "
                  f"({manifest['vector_index']['type']}, backend {args.backend}; "
                  f"{C.machine()})",
                  ["measure", "MiB"],
                  [("server RSS when ready (incl. children)", ready_rss),
                   (f"server RSS after {len(questions)} answers", after_rss),
                   ("server peak RSS (VmHWM)", status["VmHWM"]),
                   ("  of which anonymous (heap: vectors, model, Python)", status["RssAnon"]),
                   ("  of which file-backed (code, mmap'd BM25 / model pages)",
                    status["RssFile"]),
                   (f"float32 vectors alone ({n_chunks:,} × {manifest['model']['dim']})",
                    vec_mb)])
    print(f"\nserver ready after {ready_s:.1f}s (index up to date, model loaded)")
    C.print_table("On disk (the generation folder)", ["file", "MiB"], sorted(sizes.items()))
    prev = 0.0
    rows = []
    for name, mb in steps.items():
        if name == "peak":
            continue
        rows.append((name, mb, mb - prev))
        prev = mb
    rows.append(("peak", steps["peak"], float("nan")))
    C.print_table("The Pipeline alone (no gradio), RSS after each step",
                  ["step", "RSS MiB", "+ MiB"], rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
