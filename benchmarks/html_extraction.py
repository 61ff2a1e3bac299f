"""How much of a web page askcorpus would quote is the article: before (the visible text,
``parse.html_to_article``) and after (trafilatura's main text, ``corpus/formats/html.py``).

On trafilatura's own evaluation set (``../shared/data/web/trafilatura-eval``: 990 saved pages,
``evaldata.json`` lists per page segments the main text must contain, "with", and must not
contain, "without"), it counts the segments each reading gets right in the *quotable* text
(the Document's spans, what a quote can be cut from), whitespace-normalised on both sides.
Prints both side by side in one run. Usage:

    .venv/bin/python benchmarks/html_extraction.py [--data DIR] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "web" / "trafilatura-eval"


def _norm(s: str) -> str:
    return " ".join(s.split())


def _quotable(item: object) -> str | None:
    from askcorpus.types import Document

    if not isinstance(item, Document):
        return None
    return _norm("\n".join(item.text[s:e] for s, e in item.spans))


def readers() -> dict[str, Callable[[str, str], object]]:
    from askcorpus.corpus.formats.html import article_from_html, visible_text_article

    return {
        "before (visible text)": lambda src, rel: visible_text_article(src, rel, "html", "utf-8"),
        "after (trafilatura)": lambda src, rel: article_from_html(src, rel, "html", "utf-8"),
    }


def run(data: Path, limit: int | None) -> dict[str, dict[str, float]]:
    from askcorpus.corpus.formats.base import decode

    cases = json.loads((data / "evaldata.json").read_text(encoding="utf-8"))[:limit]
    out: dict[str, dict[str, float]] = {}
    pages = [(c, decode(gzip.decompress((data / "pages" / c["file"]).read_bytes()))[0])
             for c in cases]
    for name, read in readers().items():
        r = {"pages": 0, "refused": 0, "with_total": 0, "with_ok": 0, "without_total": 0,
             "without_ok": 0, "seconds": 0.0}
        t0 = time.perf_counter()
        for case, source in pages:
            text = _quotable(read(source, case["file"]))
            r["pages"] += 1
            if text is None:
                r["refused"] += 1
                text = ""
            with_, without = case.get("with", []), case.get("without", [])
            r["with_total"] += len(with_)
            r["without_total"] += len(without)
            r["with_ok"] += sum(1 for s in with_ if _norm(s) in text)
            r["without_ok"] += sum(1 for s in without if _norm(s) not in text)
        r["seconds"] = round(time.perf_counter() - t0, 1)
        out[name] = r
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA, help="the trafilatura-eval folder")
    ap.add_argument("--limit", type=int, default=None, help="only the first N pages")
    ap.add_argument("--json", action="store_true", help="print the counts as JSON")
    args = ap.parse_args()
    if not (args.data / "evaldata.json").is_file():
        sys.exit(f"error: no evaldata.json in {args.data}")
    results = run(args.data, args.limit)
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{'reading':24} {'pages':>6} {'refused':>8} {'with right':>16} "
          f"{'without right':>16} {'both':>8} {'seconds':>8}")
    for name, r in results.items():
        w = f"{r['with_ok']}/{r['with_total']}"
        wo = f"{r['without_ok']}/{r['without_total']}"
        both = (r["with_ok"] + r["without_ok"]) / max(r["with_total"] + r["without_total"], 1)
        print(f"{name:24} {r['pages']:>6} {r['refused']:>8} {w:>16} {wo:>16} {both:>8.3f} "
              f"{r['seconds']:>8}")


if __name__ == "__main__":
    main()
