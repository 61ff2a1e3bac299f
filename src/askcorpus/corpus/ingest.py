"""Corpus folder -> Documents. Every file under the folder, recursively.

Each file is read by its format (``corpus/formats/``: text, Markdown, web pages, JSON/JSONL,
PDF, Word, RTF, e-mail, LexisNexis / Nexis Uni / Factiva exports), picked by extension and
content. Files that cannot be read as articles are skipped with a reason, never a crash.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from ..errors import CorpusError
from ..types import Document, Skipped
from .formats import EXTENSIONS, pick
from .formats import read as read_format
from .formats.base import (  # noqa: F401 (re-exported: the shared names of the corpus stage)
    MAX_META_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    clean,
    decode,
    doc_id,
    text_document,
)
from .formats.jsonfile import MAX_RECORD_SKIPS, json_documents  # noqa: F401

SUPPORTED = EXTENSIONS  # extension -> format name: every file type askcorpus reads
_text_document = text_document  # kept for callers of the earlier names
_json_documents = json_documents


def walk(root: Path) -> Iterator[tuple[Path, str, str | None]]:
    """``(path, relative POSIX path, reason)`` for every entry under ``root``, sorted, top-down.

    ``reason`` is None for a regular file to read, else why the entry is not read: symbolic
    links (never followed, files or folders), fifos, sockets and devices, folders that cannot
    be listed, names that are not valid UTF-8. Hidden entries (names starting with ".") are
    left out. Iterative, so folder depth is bounded only by the file system.
    """
    root = root.resolve()
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            with os.scandir(folder) as it:
                entries = sorted((e for e in it if not e.name.startswith(".")),
                                 key=lambda e: e.name)
        except OSError as e:
            if prefix:  # the root itself is checked by load_corpus
                yield folder, prefix.rstrip("/"), f"folder cannot be read ({_why(e)})"
            continue
        subfolders: list[tuple[Path, str]] = []
        for entry in entries:
            path = Path(entry.path)
            rel = prefix + entry.name
            if not _valid_name(entry.name):
                yield path, printable(rel), "file name is not valid UTF-8 (rename it)"
                continue
            try:
                if entry.is_symlink():
                    yield path, rel, "symbolic link (not followed)"
                elif entry.is_dir(follow_symlinks=False):
                    subfolders.append((path, rel + "/"))
                elif entry.is_file(follow_symlinks=False):
                    yield path, rel, None
                else:
                    yield path, rel, "not a regular file (fifo, socket or device)"
            except OSError as e:
                yield path, rel, f"unreadable ({_why(e)})"
        stack.extend(reversed(subfolders))


def iter_files(root: Path) -> Iterator[tuple[Path, str]]:
    """(absolute path, relative POSIX path) of every regular file, sorted, never following
    links."""
    for path, rel, reason in walk(root):
        if reason is None:
            yield path, rel


def printable(name: str) -> str:
    """A path as text that can be stored and shown (undecodable bytes as ``\\xNN``)."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _valid_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


def load_corpus(root: Path, *, max_file_mb: float = 20.0) -> tuple[list[Document], list[Skipped]]:
    """Read every article under ``root``. Identical articles become one Document."""
    if not root.exists():
        raise CorpusError(f"corpus folder {root} does not exist")
    if not root.is_dir():
        raise CorpusError(f"corpus path {root} is not a folder")
    try:
        os.listdir(root)
    except OSError as e:
        raise CorpusError(f"corpus folder {root} cannot be read ({_why(e)})") from None
    by_id: dict[str, Document] = {}
    skipped: list[Skipped] = []
    for path, rel, reason in walk(root):
        if reason is not None:
            skipped.append(Skipped(rel, reason))
            continue
        for item in read_file(path, rel, max_file_mb=max_file_mb):
            if isinstance(item, Skipped):
                skipped.append(item)
            elif item.id in by_id:
                first = by_id[item.id]
                where = rel if item.record is None else f"{rel}#{item.record}"
                by_id[item.id] = replace(first, paths=(*first.all_paths, where))
            else:
                by_id[item.id] = item
    return list(by_id.values()), skipped


class _Unreadable(Exception):
    """A file that is not read, with the reason."""


def _size(n: float) -> str:
    return f"{n / 2**20:.1f} MB" if n >= 2**20 / 10 else f"{n / 1024:.1f} KB"


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """A regular file's bytes, at most ``max_bytes``; never follows a link, never blocks on a
    fifo, never reads past the limit. Raises _Unreadable with the reason."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except PermissionError:
        raise _Unreadable("permission denied") from None
    except OSError as e:
        if path.is_symlink():
            raise _Unreadable("symbolic link (not followed)") from None
        raise _Unreadable(f"unreadable ({_why(e)})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _Unreadable("not a regular file (fifo, socket or device)")
        limit = f"above the {_size(max_bytes)} limit (ASKCORPUS_MAX_FILE_MB)"
        if st.st_size > max_bytes:
            raise _Unreadable(f"file is {_size(st.st_size)}, {limit}")
        parts: list[bytes] = []
        total = 0
        while True:
            block = os.read(fd, min(1 << 20, max_bytes + 1 - total))
            if not block:
                break
            parts.append(block)
            total += len(block)
            if total > max_bytes:  # it grew while being read
                raise _Unreadable(f"file is more than {_size(max_bytes)}, {limit}")
        return b"".join(parts)
    except PermissionError:
        raise _Unreadable("permission denied") from None
    except OSError as e:
        raise _Unreadable(f"unreadable ({_why(e)})") from None
    finally:
        os.close(fd)


def read_file(path: Path, rel: str, *, max_file_mb: float = 20.0) -> Iterator[Document | Skipped]:
    """The articles of one file (a Skipped with the reason for what cannot be read)."""
    if path.is_symlink():
        yield Skipped(rel, "symbolic link (not followed)")
        return
    if path.suffix.lower() not in SUPPORTED:
        yield Skipped(rel, f"unsupported file type {path.suffix or '(none)'}")
        return
    try:
        data = read_bytes(path, int(max_file_mb * 1024 * 1024))
    except _Unreadable as e:
        yield Skipped(rel, str(e))
        return
    yield from read_format(data, rel, pick(path.name, data))
