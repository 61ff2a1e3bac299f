"""Write the article batches the question writers read (never committed: they copy the data).

    python training/data/make_batches.py --out .cache/writing --reuters 1400 --ag 400 --size 50

Each ``batch_NNN.md`` holds ``--size`` articles (key, headline, date, topic, text);
``articles.json`` lists every batch's keys. The selection is fixed by ``--seed``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from news_articles import batch_markdown, select


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--reuters", type=int, default=1400)
    ap.add_argument("--ag", type=int, default=400)
    ap.add_argument("--size", type=int, default=50)
    ap.add_argument("--seed", type=int, default=24)
    args = ap.parse_args()
    arts = select(args.reuters, args.ag, args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    listing = {}
    for b in range(0, len(arts), args.size):
        part = arts[b:b + args.size]
        name = f"batch_{b // args.size:03d}"
        (args.out / f"{name}.md").write_text(batch_markdown(part), encoding="utf-8")
        listing[name] = [a.key for a in part]
    (args.out / "articles.json").write_text(json.dumps(listing, indent=1), encoding="utf-8")
    print(f"{len(arts)} articles in {len(listing)} batches under {args.out}")


if __name__ == "__main__":
    main()
