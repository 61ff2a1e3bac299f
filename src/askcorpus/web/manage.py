"""Adding articles to the corpus folder and removing them, from the Index tab.

Only files askcorpus can index are added: one of its formats, within the size limit
(``max_file_mb``, as ``askcorpus index``), text and not binary, holding at least one article;
the same reader as indexing decides, and anything else is refused with its reason. A file is
saved under a cleaned name at the top of the corpus folder, never over an existing file (a
taken name becomes ``name-2.txt``, and the page says so) and never through a symbolic link: it
is written to a hidden temporary file first and then linked into place, which fails rather
than replace anything. Removing an article moves its file into the hidden folder
``.askcorpus-removed/`` of the corpus (hidden folders are not indexed), so a removal can be
undone by moving the file back. The caller then updates the index. No gradio here.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..corpus.ingest import SUPPORTED, read_file
from ..types import Document

TRASH = ".askcorpus-removed"
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def clean_name(name: str) -> str | None:
    """A safe file name for an upload (the last path part, no leading dot, harmless
    characters only, a supported suffix), or None when it cannot be one."""
    base = re.split(r"[\\/]", str(name))[-1].strip()
    base = _UNSAFE.sub("_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem or f".{suffix.lower()}" not in SUPPORTED:
        return None
    stem = stem[: MAX_NAME - len(suffix) - 1].rstrip(" .")
    return f"{stem}.{suffix.lower()}" if stem else None


@dataclass(frozen=True)
class Added:
    """An uploaded file saved in the corpus: under ``name`` (``original`` cleaned, or
    renamed because that name was taken), holding ``articles`` articles."""

    name: str
    original: str
    articles: int = 1

    @property
    def renamed(self) -> bool:
        return self.name != self.original


def _free_name(corpus: Path, name: str) -> Path:
    stem, _, suffix = name.rpartition(".")
    candidate, n = corpus / name, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = corpus / f"{stem}-{n}.{suffix}"
    return candidate


def _size(max_bytes: int) -> str:
    mb = max_bytes / 2**20
    return f"{mb:g} MB" if mb >= 1 else f"{max_bytes / 1024:g} KB"


def _check(path: Path, name: str, max_bytes: int) -> int:
    """How many articles indexing would take from the file at ``path`` (saved as ``name``).
    Raises ValueError with the reason it would skip the file."""
    articles = skipped = 0
    reason = "no article in it"
    for item in read_file(path, name, max_file_mb=max_bytes / 2**20):
        if isinstance(item, Document):
            articles += 1
        elif not skipped:
            skipped, reason = 1, item.reason
    if not articles:
        raise ValueError(reason)
    return articles


def add_files(corpus: Path, uploads: Iterable[tuple[str, str]],
              max_bytes: int) -> tuple[list[Added], list[str]]:
    """Copy ``(uploaded file, original name)`` pairs into ``corpus``. Returns the files
    saved and one reason per upload refused."""
    added: list[Added] = []
    refused: list[str] = []
    for source, original in uploads:
        name = clean_name(original)
        shown = re.split(r"[\\/]", str(original))[-1][:80]
        if name is None:
            kinds = ", ".join(sorted(SUPPORTED))
            refused.append(f"{shown}: not an article file (askcorpus reads {kinds})")
            continue
        if not corpus.is_dir():
            refused.append(f"{shown}: the corpus folder {corpus} is missing")
            continue
        try:
            size = os.path.getsize(source)
        except OSError as e:
            refused.append(f"{shown}: could not be read ({e.strerror or type(e).__name__})")
            continue
        if size > max_bytes:
            refused.append(f"{shown}: larger than the {_size(max_bytes)} limit")
            continue
        # hidden (not indexed, not watched) until it is checked and linked into place
        temp = corpus / f".askcorpus-upload-{secrets.token_hex(8)}.{name.rpartition('.')[2]}"
        try:
            with open(source, "rb") as f:
                data = f.read(max_bytes + 1)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(temp, flags, 0o644)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            try:
                articles = _check(temp, name, max_bytes)
            except ValueError as e:
                refused.append(f"{shown}: {e}")
                continue
            while True:
                target = _free_name(corpus, name)
                try:
                    os.link(temp, target)  # never replaces an existing file or link
                    break
                except FileExistsError:  # taken meanwhile: the next free name
                    continue
        except OSError as e:
            refused.append(f"{shown}: could not be saved ({e.strerror or type(e).__name__})")
            continue
        finally:
            temp.unlink(missing_ok=True)
        added.append(Added(target.name, name, articles))
    return added, refused


def remove_files(corpus: Path, paths: Iterable[str],
                 known: Collection[str]) -> tuple[list[str], list[str]]:
    """Move the files ``paths`` (relative to ``corpus``, as the index lists them) into
    ``corpus/.askcorpus-removed/``. A path the index does not list, or that is not a plain
    file inside the corpus, is refused."""
    removed: list[str] = []
    refused: list[str] = []
    root = corpus.resolve()
    for rel in paths:
        rel = str(rel)
        source = corpus / rel
        if rel not in known:
            refused.append(f"{rel[:80]}: not an article file of the index")
            continue
        try:
            inside = source.resolve().is_relative_to(root)
        except OSError:
            inside = False
        if source.is_symlink() or not inside or not source.is_file():
            refused.append(f"{rel}: not a plain file in the corpus folder")
            continue
        trash = corpus / TRASH
        try:
            trash.mkdir(exist_ok=True)
            stamp = time.strftime("%Y%m%d-%H%M%S")
            target = trash / f"{stamp}-{rel.replace('/', '__')}"
            n = 1
            while target.exists():
                n += 1
                target = trash / f"{stamp}-{n}-{rel.replace('/', '__')}"
            os.replace(source, target)
        except OSError as e:
            refused.append(f"{rel}: could not be moved ({e.strerror or type(e).__name__})")
            continue
        removed.append(rel)
    return removed, refused
