"""Adding articles to the corpus folder and removing them, from the Index tab (``--watch``).

Only plain files of the formats askcorpus reads are added, under a cleaned name at the top of
the corpus folder, never over an existing file and never through a symbolic link. Removing an
article moves its file into the hidden folder ``.askcorpus-removed/`` of the corpus (hidden
folders are not indexed), so a removal can be undone by moving the file back. The index then
follows through the ``--watch`` watcher. No gradio here.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Collection, Iterable
from pathlib import Path

from ..ingest import SUPPORTED

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


def _free_name(corpus: Path, name: str) -> Path:
    stem, _, suffix = name.rpartition(".")
    candidate, n = corpus / name, 1
    while candidate.exists() or candidate.is_symlink():
        n += 1
        candidate = corpus / f"{stem}-{n}.{suffix}"
    return candidate


def add_files(corpus: Path, uploads: Iterable[tuple[str, str]],
              max_bytes: int) -> tuple[list[str], list[str]]:
    """Copy ``(uploaded file, original name)`` pairs into ``corpus``. Returns the names
    written and one reason per upload refused."""
    added: list[str] = []
    refused: list[str] = []
    for source, original in uploads:
        name = clean_name(original)
        shown = re.split(r"[\\/]", str(original))[-1][:80]
        if name is None:
            kinds = ", ".join(sorted(SUPPORTED))
            refused.append(f"{shown}: not an article file ({kinds})")
            continue
        try:
            size = os.path.getsize(source)
            if size > max_bytes:
                refused.append(f"{shown}: larger than {max_bytes // 1_000_000} MB")
                continue
            with open(source, "rb") as f:
                data = f.read(max_bytes + 1)
            target = _free_name(corpus, name)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(target, flags, 0o644)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
        except OSError as e:
            refused.append(f"{shown}: could not be saved ({e.strerror or type(e).__name__})")
            continue
        added.append(target.name)
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
