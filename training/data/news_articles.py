"""The news articles the training questions are written over, read from ../shared/data/news.

An article is keyed by the source string askcorpus's evaluation uses for it: the corpus file's
name, ``#`` and the record id (``reuters21578.jsonl#16173``, ``ag_news.jsonl#ag0042``). Its
``text`` is exactly the text askcorpus indexes for that record, so character offsets into it are
offsets into what a quote is cut from. Reuters-21578 is indexed as the shared JSONL file itself
(text = ``body``); AG News is turned into ``ag_news.jsonl`` by :func:`write_corpus` (text = the
cleaned description, title = the cleaned headline).

Never the BBC folder, the seed corpus or the articles of ``eval/reuters_questions.jsonl``: those
stay measures (:func:`excluded_keys`).
"""

from __future__ import annotations

import csv
import html
import json
import random
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEWS = ROOT.parent / "shared" / "data" / "news"
REUTERS = NEWS / "reuters21578" / "reuters21578.jsonl"
AG_NEWS = NEWS / "ag_news" / "test.csv"
REUTERS_FILE = "reuters21578.jsonl"
AG_FILE = "ag_news.jsonl"
AG_LABELS = {"1": "world", "2": "sports", "3": "business", "4": "sci/tech"}
# The split is by article, fixed by a hash of its key: ``dev`` (measured only: no model is
# trained or tuned on it), ``fit`` (the answer stage's weights and abstention model are fit on
# it; the reader never trains on it) and ``train`` (the reader and span model learn from it).
DEV_PERCENT = 15
FIT_PERCENT = 15


@dataclass(frozen=True)
class Article:
    key: str  # the evaluation source string, e.g. "reuters21578.jsonl#16173"
    title: str
    text: str  # exactly what askcorpus indexes for the record
    date: str  # as the source gives it ("" when none)
    topic: str  # the first Reuters topic or the AG News class

    @property
    def split(self) -> str:
        return split_of(self.key)


def split_of(key: str) -> str:
    """``dev``, ``fit`` or ``train``, fixed by the article's key (the split is by article)."""
    h = zlib.crc32(key.encode()) % 100
    return "dev" if h < DEV_PERCENT else "fit" if h < DEV_PERCENT + FIT_PERCENT else "train"


def ag_clean(text: str) -> str:
    """AG News' CSV escapes undone (``#36;`` -> ``$``, ``\\`` line joins), tags and the
    leading ``CITY (Agency) --`` / trailing ``(Reuters)`` credit dropped."""
    text = html.unescape(re.sub(r"\s?#(\d+);", r"&#\1;", text.replace("quot;", '"')))
    text = re.sub(r"<[^>]*>|&lt;.*?&gt;", " ", text)
    text = " ".join(text.replace("\\", " ").split())
    text = re.sub(r"\s*\((?:Reuters|AP|AFP|SPACE\.com|[A-Za-z.]+\.com)\)$", "", text)
    return re.sub(r"^(?:[A-Z][A-Za-z .,'-]{0,40} )?\(?[A-Za-z.]+\)? -+ ", "", text)


def reuters_articles() -> list[Article]:
    out = []
    with REUTERS.open(encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if not (r.get("body") or "").strip():
                continue
            out.append(Article(f"{REUTERS_FILE}#{r['newid']}", r.get("title") or "", r["body"],
                               r.get("date") or "", (r.get("topics") or ["none"])[0]))
    return out


def ag_articles() -> list[Article]:
    with AG_NEWS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    return [Article(f"{AG_FILE}#ag{i:04d}", ag_clean(r[1]), ag_clean(r[2]), "",
                    AG_LABELS.get(r[0], r[0])) for i, r in enumerate(rows)]


def write_corpus(folder: Path) -> None:
    """A corpus folder for askcorpus: a copy of Reuters-21578's JSONL (askcorpus never follows
    links) and ``ag_news.jsonl`` made from AG News' test.csv."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / REUTERS_FILE).exists():
        shutil.copyfile(REUTERS, folder / REUTERS_FILE)
    with (folder / AG_FILE).open("w", encoding="utf-8") as f:
        for a in ag_articles():
            f.write(json.dumps({"id": a.key.split("#")[1], "title": a.title, "text": a.text,
                                "source": "AG News"}) + "\n")


def excluded_keys() -> set[str]:
    """Articles no training question may be written over: the Reuters dev set's."""
    out = set()
    with (ROOT / "eval" / "reuters_questions.jsonl").open(encoding="utf-8") as f:
        for line in f:
            out.update(json.loads(line).get("sources") or [])
    return out


def all_articles() -> dict[str, Article]:
    return {a.key: a for a in reuters_articles() + ag_articles()}


def _prose(a: Article) -> bool:
    """Reuters articles a reader would ask about: running text, not a results table."""
    from askcorpus.corpus.sentences import sentence_spans

    if not 400 <= len(a.text) <= 3500:
        return False
    lines = a.text.splitlines()
    if sum(" vs " in ln or ln.count("  ") > 2 for ln in lines) > 2:
        return False
    long = [s for s, e in sentence_spans(a.text) if len(a.text[s:e].split()) >= 8]
    digits = sum(c.isdigit() for c in a.text) / len(a.text)
    return len(long) >= 4 and digits < 0.12


def _round_robin(groups: dict[str, list[Article]], n: int) -> list[Article]:
    picked: list[Article] = []
    queues = [list(v) for _, v in sorted(groups.items())]
    while len(picked) < n and any(queues):
        for q in queues:
            if q and len(picked) < n:
                picked.append(q.pop())
    return picked


def select(n_reuters: int, n_ag: int, seed: int = 24) -> list[Article]:
    """Articles spread over topics (round robin over Reuters topics and AG classes), prose
    only, no body stated twice in the corpus, none of :func:`excluded_keys`; shuffled."""
    rng = random.Random(seed)
    skip = excluded_keys()
    chosen = []
    for arts, n, ok in ((reuters_articles(), n_reuters, _prose),
                        (ag_articles(), n_ag, lambda a: len(a.text) >= 160)):
        seen = defaultdict(int)
        for a in arts:
            seen[" ".join(a.text.split())] += 1
        by_topic: dict[str, list[Article]] = defaultdict(list)
        for a in arts:
            if a.key not in skip and seen[" ".join(a.text.split())] == 1 and ok(a):
                by_topic[a.topic].append(a)
        for v in by_topic.values():
            rng.shuffle(v)
        chosen += _round_robin(by_topic, n)
    rng.shuffle(chosen)
    return chosen


def shown(a: Article) -> str:
    """The article as a writer reads it: one paragraph per source paragraph, lines joined."""
    paras = re.split(r"\n\s*\n|\n(?=\s{2,})", a.text)
    return "\n".join(" ".join(p.split()) for p in paras if p.strip())


def batch_markdown(arts: Iterable[Article]) -> str:
    parts = []
    for a in arts:
        date = f"\nDate: {a.date.split()[0]}" if a.date else ""
        parts.append(f"## {a.key}\nHeadline: {' '.join(a.title.split())}{date}\n"
                     f"Topic: {a.topic}\n\n{shown(a)}\n")
    return "\n".join(parts)
