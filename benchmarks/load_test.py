"""A bounded load test of the web chat's ``/ask`` API, on loopback only.

    .venv/bin/python benchmarks/load_test.py [--clients 50] [--seconds 60]
        [--url http://127.0.0.1:7860/]            # an already running server (loopback only)
        [--corpus corpus/] [--index DIR]          # else: start one on a free loopback port
        [--concurrency N] [--queue N]             # that server's settings (default: its own)
        [--json result.json]

``--clients`` threads each ask one question after the other (the seed questions, in turn) for
``--seconds``; a request still running at the deadline may finish (at most ``--timeout``), then
the test stops by itself and prints: requests, errors by kind, p50/p95/p99/max latency and
throughput. An error is anything but a complete answer: an HTTP error, "queue full", a gradio
error event, an ``{"error": ...}`` result, or a timeout. Exit status 0 when there were no errors.

The server it starts runs in its own process (``app.py``), so the clients' threads do not
compete with it for Python's GIL; it indexes the corpus first if needed (into ``--index``,
by default /tmp/askcorpus-load/index).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "How many North Korean soldiers are fighting for Russia?",
    "Who proposed sending NATO troops to Ukraine for training?",
    "What did Iran give Russia?",
    "Which countries backed Poland's air-defence plan?",
    "Is the report of 800,000 troops confirmed?",
    "How did Russia react to the idea of Western instructors in Ukraine?",
    "What is the capital of Australia?",  # nothing answers: the "no answer" path is timed too
]
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
           "GRADIO_ANALYTICS_ENABLED": "False", "NO_PROXY": "127.0.0.1,localhost",
           "no_proxy": "127.0.0.1,localhost"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def is_loopback_url(url: str) -> bool:
    from askcorpus.web.auth import is_loopback

    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and is_loopback(parts.hostname or "")


# ------------------------------------------------------------------------------ one request
class AskError(Exception):
    def __init__(self, kind: str, detail: str = "") -> None:
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind


def ask(http: Any, base: str, question: str, timeout: float) -> dict[str, Any]:
    """POST the question to /gradio_api/call/ask, then read its event stream to the end."""
    import httpx

    try:
        r = http.post(f"{base}gradio_api/call/ask", json={"data": [question, [], *[None] * 8]},
                   timeout=timeout)  # all ten inputs of /ask (docs/WEB.md)
    except httpx.TimeoutException:
        raise AskError("timeout") from None
    except httpx.HTTPError as e:
        raise AskError("connection", type(e).__name__) from None
    if r.status_code == 503:
        raise AskError("queue full", r.text[:120])
    if r.status_code != 200:
        raise AskError(f"HTTP {r.status_code}", r.text[:120])
    event_id = r.json().get("event_id")
    if not event_id:
        raise AskError("no event id", r.text[:120])
    event = None
    try:
        with http.stream("GET", f"{base}gradio_api/call/ask/{event_id}",
                         timeout=timeout) as stream:
            if stream.status_code != 200:
                raise AskError(f"HTTP {stream.status_code} (stream)")
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    data = line[5:].strip()
                    if event == "error":
                        raise AskError("error event", data[:120])
                    payload = json.loads(data)
                    result = payload[0] if isinstance(payload, list) and payload else payload
                    if isinstance(result, str):  # /ask returns the JSON text of `ask --json`
                        try:
                            result = json.loads(result)
                        except ValueError:
                            raise AskError("bad result", data[:120]) from None
                    if not isinstance(result, dict):
                        raise AskError("bad result", data[:120])
                    if "error" in result:
                        raise AskError("answer error", str(result["error"])[:120])
                    return result
    except httpx.TimeoutException:
        raise AskError("timeout") from None
    except httpx.HTTPError as e:
        raise AskError("connection", type(e).__name__) from None
    raise AskError("stream ended", f"last event {event!r}")


# ------------------------------------------------------------------------------ the load
@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)
    answered: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ok(self, seconds: float, answered: bool) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.answered += answered

    def fail(self, e: AskError) -> None:
        with self.lock:
            self.errors[e.kind] += 1
            self.examples.setdefault(e.kind, str(e))


def client_loop(n: int, base: str, clock: dict[str, float], timeout: float, res: Results,
                start_gate: threading.Barrier) -> None:
    import httpx

    with httpx.Client(trust_env=False) as http:
        start_gate.wait()  # every client starts at once; the deadline is set by then
        deadline = clock["deadline"]
        i = n
        while time.monotonic() < deadline:
            q = QUESTIONS[i % len(QUESTIONS)]
            i += 1
            t0 = time.perf_counter()
            try:
                result = ask(http, base, q, timeout)
            except AskError as e:
                res.fail(e)
                time.sleep(0.05)  # an error is instant: do not spin
                continue
            except Exception as e:  # a bug in this script or a malformed reply
                res.fail(AskError("client exception", f"{type(e).__name__}: {e}"))
                time.sleep(0.05)
                continue
            res.ok(time.perf_counter() - t0, bool(result.get("answered")))


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def run_load(base: str, clients: int, seconds: float, timeout: float) -> dict[str, Any]:
    res = Results()
    gate = threading.Barrier(clients + 1)
    clock: dict[str, float] = {}
    threads = [threading.Thread(target=client_loop, args=(n, base, clock, timeout, res, gate),
                                daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # let every client open its connection pool
    start = time.monotonic()
    clock["deadline"] = start + seconds
    gate.wait()
    for t in threads:
        t.join(seconds + timeout + 30)
    elapsed = time.monotonic() - start
    lat = res.latencies
    return {
        "clients": clients, "seconds": seconds, "elapsed_s": round(elapsed, 2),
        "requests": len(lat) + sum(res.errors.values()), "completed": len(lat),
        "answered": res.answered, "errors": sum(res.errors.values()),
        "errors_by_kind": dict(res.errors), "error_examples": res.examples,
        "p50_s": round(percentile(lat, 50), 3), "p95_s": round(percentile(lat, 95), 3),
        "p99_s": round(percentile(lat, 99), 3), "max_s": round(max(lat), 3) if lat else None,
        "mean_s": round(statistics.fmean(lat), 3) if lat else None,
        "throughput_rps": round(len(lat) / elapsed, 2) if elapsed else 0.0,
        "stuck_clients": sum(t.is_alive() for t in threads),
    }


# ------------------------------------------------------------------------------ the server
def start_server(corpus: Path, index: Path, concurrency: int | None, queue: int | None,
                 ready_timeout: float) -> tuple[subprocess.Popen[bytes], str, Path]:
    port = free_port()
    env = {**os.environ, **OFFLINE}
    env.pop("ASKCORPUS_WEB_CONCURRENCY", None)
    env.pop("ASKCORPUS_WEB_QUEUE", None)
    if concurrency is not None:
        env["ASKCORPUS_WEB_CONCURRENCY"] = str(concurrency)
    if queue is not None:
        env["ASKCORPUS_WEB_QUEUE"] = str(queue)
    index.parent.mkdir(parents=True, exist_ok=True)
    server_log = index.parent / f"server-{port}.log"
    with open(server_log, "wb") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1",
                                 "--port", str(port), "--corpus", str(corpus), "--index",
                                 str(index)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                cwd=ROOT)
    base = f"http://127.0.0.1:{port}/"
    wait_ready(base, proc, ready_timeout)
    return proc, base, server_log


def wait_ready(base: str, proc: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """Until /ask answers a question (the index built and the model loaded)."""
    import httpx

    deadline = time.monotonic() + timeout
    last = "no reply"
    with httpx.Client(trust_env=False) as http:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise SystemExit(f"the server exited with status {proc.returncode}")
            try:
                ask(http, base, QUESTIONS[0], 30)
                return
            except AskError as e:
                last = str(e)
            time.sleep(1)
    raise SystemExit(f"the server was not ready after {timeout:.0f}s ({last})")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)  # serve() closes cleanly on Ctrl-C
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def machine(load_before: float) -> str:
    return (f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"load average {load_before:.1f} before the run, {load_average():.1f} after")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="per request, seconds [default: 120]")
    ap.add_argument("--url", default=None, help="a running server (loopback only)")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, default=Path("/tmp/askcorpus-load/index"))
    ap.add_argument("--concurrency", type=int, default=None,
                    help="ASKCORPUS_WEB_CONCURRENCY for the server started here")
    ap.add_argument("--queue", type=int, default=None,
                    help="ASKCORPUS_WEB_QUEUE for the server started here")
    ap.add_argument("--ready-timeout", type=float, default=600.0)
    ap.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = ap.parse_args(argv)
    if not 1 <= args.clients <= 1000 or not 0 < args.seconds <= 3600:
        ap.error("--clients must be 1..1000 and --seconds 0..3600")
    for k, v in OFFLINE.items():
        os.environ.setdefault(k, v)

    proc = None
    if args.url:
        base = args.url if args.url.endswith("/") else args.url + "/"
        if not is_loopback_url(base):
            ap.error("--url must be a loopback address (127.0.0.1, ::1, localhost)")
        wait_ready(base, None, 60)
        server = {"url": base, "started_here": False}
    else:
        log(f"starting a server on {args.corpus} (index {args.index})")
        proc, base, server_log = start_server(args.corpus.resolve(), args.index.resolve(),
                                              args.concurrency, args.queue,
                                              args.ready_timeout)
        server = {"url": base, "started_here": True, "log": str(server_log),
                  "concurrency": args.concurrency, "queue": args.queue}
    load_before = load_average()
    try:
        log(f"{args.clients} clients for {args.seconds:g}s against {base}")
        result = run_load(base, args.clients, args.seconds, args.timeout)
    finally:
        if proc is not None:
            stop_server(proc)
    if proc is not None:
        for line in Path(server["log"]).read_text(errors="replace").splitlines():
            if "answers at once" in line:
                server["banner"] = line.strip()
    result.update(server=server, machine=machine(load_before),
                  command=" ".join([Path(sys.executable).name, *sys.argv]))
    print(f"requests {result['requests']}  completed {result['completed']}  "
          f"errors {result['errors']} {result['errors_by_kind'] or ''}")
    print(f"latency p50 {result['p50_s']}s  p95 {result['p95_s']}s  p99 {result['p99_s']}s  "
          f"max {result['max_s']}s  throughput {result['throughput_rps']} answers/s  "
          f"({args.clients} clients, {result['elapsed_s']}s)")
    if result["error_examples"]:
        for kind, example in result["error_examples"].items():
            print(f"  e.g. {kind}: {example}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))
    return 0 if result["errors"] == 0 and result["completed"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
