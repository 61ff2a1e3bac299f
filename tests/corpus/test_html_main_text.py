"""Web pages through trafilatura: the main text only, the page's metadata, exact offsets; and
on real saved pages (../shared/data/web/trafilatura-eval, skipped where absent) more of the
segments right than the visible-text reading before it."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from askcorpus.corpus.formats.html import article_from_html, visible_text_article
from askcorpus.corpus.ingest import load_corpus
from askcorpus.types import Document
from tests.conftest import SHARED_DATA

EVAL = SHARED_DATA / "web" / "trafilatura-eval"
LEAD = ("Dock workers walked out on Monday at the country's largest grain port, halting "
        "exports for the first time in a decade, union leaders said.")
MORE = ("The port authority said about forty ships were waiting offshore to load wheat and "
        "maize, and that talks with the union would resume on Wednesday.")
PAGE = f"""<!DOCTYPE html><html lang="en"><head>
<title>Port strike halts grain exports | The Harbour Gazette</title>
<meta property="og:title" content="Port strike halts grain exports">
<meta property="og:site_name" content="The Harbour Gazette">
<meta name="author" content="Maria Lopez">
<meta property="article:published_time" content="2024-03-12T08:15:00Z">
<link rel="canonical" href="https://gazette.example/2024/03/12/port-strike">
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
</header>
<main><article>
<h1>Port strike halts grain exports</h1>
<p class="byline">By Maria Lopez</p>
<p>{LEAD}</p>
<figure><img src="port.jpg"><figcaption>Ships wait outside the harbour. Photo: Gazette
</figcaption></figure>
<p>{MORE}</p>
<p>Farmers' groups warned that a long stoppage would leave grain rotting in silos across the
region, and called on the government to step in before the harvest.</p>
</article>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/a">Rail strike ends after
two weeks of talks</a></li><li><a href="/b">Minister visits flooded towns</a></li></ul></aside>
</main>
<footer>© 2024 The Harbour Gazette. All rights reserved. Privacy policy. Contact us.</footer>
</body></html>"""


def test_main_text_and_metadata(tmp_path: Path) -> None:
    (tmp_path / "strike.html").write_text(PAGE, encoding="utf-8")
    docs, skipped = load_corpus(tmp_path)
    assert skipped == [] and len(docs) == 1
    doc = docs[0]
    assert (doc.format, doc.title, doc.outlet, doc.author, doc.url) == (
        "html", "Port strike halts grain exports", "The Harbour Gazette", "Maria Lopez",
        "https://gazette.example/2024/03/12/port-strike")
    assert doc.date is not None and doc.date.startswith("2024-03-12")
    quotable = "\n".join(doc.text[s:e] for s, e in doc.spans)
    assert LEAD in quotable and MORE in quotable
    for junk in ("Home", "cookies", "Related stories", "Rail strike ends", "Privacy policy"):
        assert junk not in quotable, junk
    assert "Home" not in doc.text and "cookies" not in doc.text  # not even stored
    start = doc.text.index(LEAD)
    assert doc.text[start:start + len(LEAD)] == LEAD


def test_a_page_without_main_text_falls_back_to_its_visible_text() -> None:
    item = article_from_html("<html><body><div>Council votes on the budget for schools and "
                             "roads on Monday, the mayor said.</div></body></html>",
                             "x.html", "html", "utf-8")
    assert isinstance(item, Document) and "Council votes" in item.text


def _pages(n: int) -> list[tuple[dict, str]]:
    cases = json.loads((EVAL / "evaldata.json").read_text(encoding="utf-8"))[:n]
    return [(c, gzip.decompress((EVAL / "pages" / c["file"]).read_bytes()).decode(
        "utf-8", "replace")) for c in cases]


@pytest.mark.skipif(not (EVAL / "evaldata.json").is_file(), reason="no trafilatura-eval pages")
def test_real_pages_more_segments_right_and_exact_offsets() -> None:
    right = {"before": 0, "after": 0}
    total = 0
    for case, source in _pages(40):
        segments = [(s, True) for s in case["with"]] + [(s, False) for s in case["without"]]
        total += len(segments)
        for name, read in (("before", visible_text_article), ("after", article_from_html)):
            doc = read(source, case["file"], "html", "utf-8")
            if not isinstance(doc, Document):
                continue
            for s, e in doc.spans:
                assert 0 <= s < e <= len(doc.text) and doc.text[s:e] == doc.text[s:e].strip()
            quotable = " ".join(" ".join(doc.text[s:e].split()) for s, e in doc.spans)
            right[name] += sum((" ".join(seg.split()) in quotable) == want
                               for seg, want in segments)
    assert right["after"] > right["before"] + total * 0.1, (right, total)
