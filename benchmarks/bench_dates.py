"""How often askcorpus finds an article's date, and how often it is the right day.

Two corpora with known dates, side by side in one run:

* Reuters-21578 (``../shared/data/news/reuters21578/reuters21578.jsonl``): every record has a
  ``date`` field ("26-FEB-1987 15:01:01.79"), the wire's timestamp. Measured: (a) the JSON
  reader's date (the field, normalised) against the field's day read by ``strptime``; (b) the
  date found from the *text alone*: the record written as a plain-text wire story (headline,
  then "SALVADOR, Feb 26 - " and the body, as the wire printed it), read by the text reader,
  whose dateline carries no year; and the dateline's month and day against the timestamp's.
* Web pages (``../shared/data/web/trafilatura-eval/pages``): a page's URL that holds
  ``/YYYY/MM/DD/`` is its publication day (the pages themselves never see the URL). Measured:
  the HTML reader's date (trafilatura's metadata, else htmldate on the page) against it.

Usage: .venv/bin/python benchmarks/bench_dates.py [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
REUTERS = ROOT.parent / "shared" / "data" / "news" / "reuters21578" / "reuters21578.jsonl"
WEB = ROOT.parent / "shared" / "data" / "web" / "trafilatura-eval"
_URL_DAY = re.compile(r"/((?:19|20)\d\d)/([01]?\d)/([0-3]?\d)(?:/|$|[-_.])")
_MONTH_DAY = re.compile(r",\s*([A-Z][a-z]{2,8})\.?\s+(\d{1,2})\b")


def _doc(data: bytes, name: str) -> object | None:
    from askcorpus.corpus.formats import read
    from askcorpus.types import Document

    return next((d for d in read(data, name) if isinstance(d, Document)), None)


def reuters(limit: int | None) -> dict[str, object]:
    from askcorpus.corpus.dates import normalise

    recs = [json.loads(line) for line in REUTERS.read_text("utf-8").splitlines() if line]
    recs = [r for r in recs if r.get("body", "").strip()][:limit]
    field_ok = found_text = text_ok = dl = dl_ok = 0
    t0 = time.perf_counter()
    for r in recs:
        truth = datetime.strptime(r["date"].split()[0], "%d-%b-%Y").date().isoformat()
        field_ok += normalise(r["date"]) == truth
        text = f"{r['title']}\n\n{r.get('dateline', '').strip()} {r['body']}"
        doc = _doc(text.encode(), "story.txt")
        if doc is not None and doc.date:  # type: ignore[attr-defined]
            found_text += 1
            text_ok += doc.date == truth  # type: ignore[attr-defined]
        m = _MONTH_DAY.search(r.get("dateline", ""))
        if m:
            dl += 1
            md = normalise(f"{m[1]} {m[2]}, {truth[:4]}")
            dl_ok += md is not None and md[5:] == truth[5:]
    n = len(recs)
    return {"articles": n, "field_right": field_ok / n, "text_found": found_text / n,
            "text_right_of_found": text_ok / max(found_text, 1),
            "dateline_month_day": dl / n, "dateline_month_day_right": dl_ok / max(dl, 1),
            "seconds": round(time.perf_counter() - t0, 1)}


def web(limit: int | None) -> dict[str, object]:
    pages = json.loads((WEB / "evaldata.json").read_text("utf-8"))
    truth = {}
    for p in pages:
        m = _URL_DAY.search(p.get("url") or "")
        if m:
            try:
                truth[p["file"]] = datetime(int(m[1]), int(m[2]), int(m[3])).date().isoformat()
            except ValueError:
                continue
    files = sorted(truth)[:limit]
    found = right = month = 0
    sources: dict[str, int] = {}
    t0 = time.perf_counter()
    for f in files:
        path = WEB / "pages" / f
        if not path.is_file():
            continue
        doc = _doc(gzip.decompress(path.read_bytes()), f.removesuffix(".gz"))
        if doc is None or not doc.date:  # type: ignore[attr-defined]
            continue
        found += 1
        right += doc.date == truth[f]  # type: ignore[attr-defined]
        month += doc.date[:7] == truth[f][:7]  # type: ignore[attr-defined]
        src = doc.date_source or "?"  # type: ignore[attr-defined]
        sources[src] = sources.get(src, 0) + 1
    n = len(files)
    return {"pages_with_url_day": n, "found": found / max(n, 1),
            "right_day_of_found": right / max(found, 1),
            "right_month_of_found": month / max(found, 1), "sources": sources,
            "seconds": round(time.perf_counter() - t0, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="first N articles / pages only")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import os

    from askcorpus.config import OFFLINE_ENV

    os.environ.update(OFFLINE_ENV)
    out = {"reuters21578": reuters(args.limit), "web_pages": web(args.limit)}
    if args.json:
        print(json.dumps(out, indent=1))
        return
    r, w = out["reuters21578"], out["web_pages"]
    print(f"Reuters-21578, {r['articles']} articles ({r['seconds']} s)")
    print(f"  JSON reader (date field, normalised) right day   {r['field_right']:.3f}")
    print(f"  text alone: a date found                          {r['text_found']:.3f}")
    print(f"  text alone: right day, of those found             {r['text_right_of_found']:.3f}")
    print(f"  dateline states month and day (no year)           {r['dateline_month_day']:.3f}")
    print(f"  dateline month/day = timestamp's, of those        "
          f"{r['dateline_month_day_right']:.3f}")
    print(f"Web pages with /YYYY/MM/DD/ in their URL: {w['pages_with_url_day']} "
          f"({w['seconds']} s)")
    print(f"  HTML reader: a date found                         {w['found']:.3f}")
    print(f"  right day, of those found                         {w['right_day_of_found']:.3f}")
    print(f"  right month, of those found                       {w['right_month_of_found']:.3f}")
    print(f"  where the dates came from                         {w['sources']}")


if __name__ == "__main__":
    main()
