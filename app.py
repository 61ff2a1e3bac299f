"""Start the askcorpus web chat.

    python app.py [--corpus corpus/] [--index index/] [--host 127.0.0.1] [--port 7860]
                  [--mcp] [--watch] [--read-only] [--allowed-host NAME]

Builds the index in the background when it is missing or stale (progress shows in the page),
then serves the chat. Any --host other than loopback requires ASKCORPUS_AUTH or
ASKCORPUS_AUTH_FILE (see docs/WEB.md). Nothing heavy is imported until main() runs.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from askcorpus.config import force_offline

    force_offline()  # before anything that could load gradio, transformers or the hub client

    parser = argparse.ArgumentParser(prog="app.py", description="Start the askcorpus web chat.")
    parser.add_argument("--corpus", default=None,
                        help="folder of articles [default: corpus/ or ASKCORPUS_CORPUS]")
    parser.add_argument("--index", default=None,
                        help="index folder [default: index/ or ASKCORPUS_INDEX]")
    parser.add_argument("--store", default=None,
                        help="postgresql://… URL: serve the index kept in PostgreSQL + pgvector "
                             "[default: ASKCORPUS_STORE, else the folder]")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind; anything but loopback requires a login "
                             "[default: 127.0.0.1]")
    parser.add_argument("--port", type=int, default=7860, help="[default: 7860]")
    parser.add_argument("--mcp", action="store_true",
                        help="also serve the MCP tools ask and show at /gradio_api/mcp/")
    parser.add_argument("--watch", action="store_true",
                        help="keep the index up to date while articles are added, changed or "
                             "removed")
    parser.add_argument("--read-only", action="store_true",
                        help="the page cannot add or remove articles (always so with --store)")
    parser.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                        help="also answer requests addressed to this host name (a reverse "
                             "proxy's, a LAN name); loopback names and the bound address "
                             "always are; repeatable")
    args = parser.parse_args(argv)

    from askcorpus.config import Settings
    from askcorpus.errors import AskCorpusError
    from askcorpus.web import serve

    try:
        serve(Settings.from_env(corpus=args.corpus, index=args.index, store=args.store),
              host=args.host, port=args.port, mcp=args.mcp, watch=args.watch,
              read_only=args.read_only, allowed_hosts=args.allowed_host)
    except AskCorpusError as e:
        print(f"error: {e}", file=sys.stderr)
        return e.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
