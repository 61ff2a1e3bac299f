"""Adding and removing article files from the Index tab (`serve --watch`): names are cleaned,
nothing is overwritten or written through a link, removal only moves files the index lists
into the hidden .askcorpus-removed/ folder; and the whole path in a real browser."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from askcorpus.config import Settings
from askcorpus.ingest import load_corpus
from askcorpus.web.manage import TRASH, add_files, clean_name, remove_files
from tests.conftest import ARTIFACTS, CHROMIUM, start_live_app


@pytest.mark.parametrize(("name", "cleaned"), [
    ("report.txt", "report.txt"), ("Report Final.MD", "Report Final.md"),
    ("../../etc/passwd.txt", "passwd.txt"), ("C:\\Users\\x\\news.html", "news.html"),
    (".hidden.txt", "hidden.txt"), ("a<b>|c?.json", "a_b_c_.json"), ("x.jsonl", "x.jsonl"),
    ("évènement.txt", "évènement.txt"), ("y" * 300 + ".txt", "y" * 116 + ".txt"),
    ("run.exe", None), ("noext", None), (".txt", None), ("...", None), ("", None),
])
def test_clean_name(name: str, cleaned: str | None) -> None:
    assert clean_name(name) == cleaned


def test_add_files_never_overwrites_or_follows_links(tmp_path: Path) -> None:
    corpus, up = tmp_path / "corpus", tmp_path / "uploads"
    corpus.mkdir()
    up.mkdir()
    (corpus / "a.txt").write_text("old", encoding="utf-8")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep", encoding="utf-8")
    (corpus / "b.txt").symlink_to(outside)
    for name, text in (("a.txt", "new a"), ("b.txt", "new b"), ("big.txt", "x" * 2000),
                       ("bad.exe", "x")):
        (up / name).write_text(text, encoding="utf-8")
    added, refused = add_files(corpus, [(str(up / n), n) for n in
                                        ("a.txt", "b.txt", "big.txt", "bad.exe")], 1000)
    assert added == ["a-2.txt", "b-2.txt"]
    assert [r.split(":")[0] for r in refused] == ["big.txt", "bad.exe"]
    assert "larger than" in refused[0] and "not an article file" in refused[1]
    assert (corpus / "a.txt").read_text() == "old" and outside.read_text() == "keep"
    assert (corpus / "a-2.txt").read_text() == "new a"
    missing, why = add_files(corpus, [(str(up / "gone.txt"), "gone.txt")], 1000)
    assert missing == [] and "could not be saved" in why[0]


def test_remove_files_moves_only_listed_plain_files(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("Alpha\nThe alpha article.\n", encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text("Beta\nThe beta article.\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("s", encoding="utf-8")
    (corpus / "link.txt").symlink_to(secret)
    known = {"a.txt", "sub/b.txt", "link.txt", "../secret.txt"}
    removed, refused = remove_files(corpus, ["a.txt", "sub/b.txt", "link.txt",
                                             "../secret.txt", "nope.txt"], known)
    assert removed == ["a.txt", "sub/b.txt"]
    assert [r.split(":")[0] for r in refused] == ["link.txt", "../secret.txt", "nope.txt"]
    assert secret.exists() and (corpus / "link.txt").is_symlink()
    trash = sorted(p.name for p in (corpus / TRASH).iterdir())
    assert len(trash) == 2 and trash[0].endswith("-a.txt") and trash[1].endswith("sub__b.txt")
    docs, _ = load_corpus(corpus)
    assert [d.path for d in docs] == []  # the trash is hidden from indexing (the link too)


# ------------------------------------------------------------------------------ in the page
@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_add_and_remove_an_article_from_the_index_tab(browser: Any, real_index: Settings,
                                                      tmp_path: Path) -> None:
    from tests.test_browser import INPUT, Watched
    from tests.test_watch import ZEBRA, ZEBRA_Q

    settings = real_index.replace(corpus=tmp_path / "corpus", index=tmp_path / "index")
    shutil.copytree(real_index.corpus, settings.corpus)
    shutil.copytree(real_index.index, settings.index)
    upload = tmp_path / "upload" / "zebra council.txt"
    upload.parent.mkdir()
    upload.write_text(ZEBRA, encoding="utf-8")
    app = start_live_app(settings, watch=True, watch_debounce_ms=300)
    w = Watched(browser)
    try:
        page = w.page
        page.goto(app.url)
        w.wait_ready()
        page.get_by_role("tab", name="Index").click()
        page.locator("#ac-manage").get_by_text("Add or remove articles").click()
        seen = app.watcher.updates
        page.locator("#ac-upload input[type=file]").set_input_files(str(upload))
        page.wait_for_function("() => document.querySelector('#ac-upload')"
                               ".innerText.includes('zebra')", timeout=20_000)
        page.locator("#ac-add").click()
        page.wait_for_selector("#ac-manage-note .ac-note", timeout=20_000)
        assert "Added zebra council.txt" in page.locator("#ac-manage-note").inner_text()
        assert (settings.corpus / "zebra council.txt").read_text(encoding="utf-8") == ZEBRA
        _wait(lambda: app.watcher.updates > seen)
        turn = w.ask(ZEBRA_Q)
        assert "zebra council.txt" in turn.inner_text() and "42" in turn.inner_text()
        page.screenshot(path=str(ARTIFACTS / "index-add.png"))

        page.get_by_role("button", name="Refresh").click()
        removals = page.locator("#ac-removals input")
        removals.click()
        removals.fill("zebra")
        page.get_by_role("option", name="zebra council.txt").click()
        seen = app.watcher.updates
        page.locator("#ac-remove").click()
        page.wait_for_function("() => document.querySelector('#ac-manage-note')"
                               ".innerText.includes('Removed')", timeout=20_000)
        assert not (settings.corpus / "zebra council.txt").exists()
        _wait(lambda: app.watcher.updates > seen)
        turn = w.ask(ZEBRA_Q)
        assert "zebra council.txt" not in turn.inner_text()
        assert page.locator(INPUT).first.is_enabled()
        assert w.external == [] and w.errors == [], (w.external, w.errors)
    finally:
        w.close()
        app.close()
    assert len(os.listdir(settings.corpus / TRASH)) == 1


def _wait(check: Any, seconds: float = 30.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the index was not updated"
        time.sleep(0.1)
