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

import collections
import math
import os
import re
import secrets
import time
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..corpus.ingest import SUPPORTED, read_file
from ..types import Document

TRASH = ".askcorpus-removed"
MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)
TEMP_PREFIX = ".askcorpus-upload-"  # + pid-random.suffix: a file being saved
_TEMP = re.compile(r"^\.askcorpus-upload-(?:(\d+)-)?[0-9a-f]+\.\w+$")
_WORDS = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Limits:
    """What one upload may cost the server: chunks per article and per change (estimated
    from the words, before anything is embedded: at least words / (chunk_tokens -
    chunk_overlap), and at least characters / 4,000), and no degenerate text."""

    article_chunks: int = 2_000
    change_chunks: int = 5_000
    chunk_step: int = 160  # chunk_tokens - chunk_overlap
    chunk_chars: int = 4_000

    @classmethod
    def from_settings(cls, settings: object) -> Limits:
        tokens = int(getattr(settings, "chunk_tokens", 200))
        step = max(1, tokens - int(getattr(settings, "chunk_overlap", 40)))
        return cls(article_chunks=int(getattr(settings, "max_article_chunks", 2_000)),
                   change_chunks=int(getattr(settings, "max_change_chunks", 5_000)),
                   chunk_step=step, chunk_chars=tokens * 20)

    def chunks(self, text: str) -> int:
        """A lower bound of the chunks indexing makes of ``text`` (cheap: no tokenizer)."""
        words = sum(1 for _ in _WORDS.finditer(text))
        return max(1, math.ceil(words / self.chunk_step), math.ceil(len(text) / self.chunk_chars))


def degenerate(text: str) -> str | None:
    """Why ``text`` is not an article but filler (one word or a short phrase repeated), or
    None. Natural text: the commonest word is under ~10 % of the words, and zlib keeps over
    ~25 % of the bytes; filler: one word is most of it, or it compresses to almost nothing."""
    sample = text[:2_000_000]
    words = _WORDS.findall(sample.lower())
    if len(words) >= 50:
        word, n = collections.Counter(words).most_common(1)[0]
        if n / len(words) > 0.5:
            return (f"degenerate text (the word {word[:30]!r} is {n / len(words):.0%} of its "
                    f"{len(words):,} words)")
    raw = sample.encode("utf-8", "surrogatepass")
    if len(raw) >= 20_000:
        ratio = len(zlib.compress(raw, 1)) / len(raw)
        if ratio < 0.03:
            return (f"degenerate text (the same few words repeated: it compresses to "
                    f"{ratio:.1%} of its size)")
    return None


def files_of(paths: Sequence[str], corpus: Path | None = None) -> list[str]:
    """The files an index entry's ``paths`` name. The first is the article's own file; a
    later one is a duplicate, either a file or a record of a file holding many articles
    (JSON, JSONL, an export), written ``file#record``. A name holding ``#`` (``NOTES#1.txt``)
    is a file: it is a record only when it is not a file in ``corpus`` and the part before a
    ``#`` is a file of an article format (in ``corpus``, when given)."""
    out: list[str] = []
    for i, p in enumerate(paths):
        p = str(p)
        if i == 0 or "#" not in p or (corpus is not None and (corpus / p).is_file()):
            out.append(p)
            continue
        head = next((p[:m.start()] for m in re.finditer("#", p)
                     if _is_article_file(p[:m.start()], corpus)), None)
        out.append(head if head is not None else p)
    return out


def _is_article_file(rel: str, corpus: Path | None) -> bool:
    suffix = rel.rpartition(".")[2].lower()
    if "." not in rel or f".{suffix}" not in SUPPORTED:
        return False
    return corpus is None or (corpus / rel).is_file()


def clean_leftovers(corpus: Path) -> list[str]:
    """Delete the hidden temporary files (``.askcorpus-upload-*``) a server killed while
    saving an upload left at the top of ``corpus``: those of a process that is no longer
    running (or of an older version, without a process id). Returns the names deleted."""
    gone: list[str] = []
    try:
        entries = list(os.scandir(corpus))
    except OSError:
        return gone
    for entry in entries:
        m = _TEMP.match(entry.name)
        if not m or not entry.is_file(follow_symlinks=False):
            continue
        if m.group(1) and _alive(int(m.group(1))):
            continue
        try:
            os.unlink(entry.path)
            gone.append(entry.name)
        except OSError:
            pass
    return gone


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


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


def _check(path: Path, name: str, max_bytes: int, limits: Limits) -> tuple[int, int]:
    """How many articles indexing would take from the file at ``path`` (saved as ``name``),
    and at least how many chunks. Raises ValueError with the reason it would skip the file,
    or why it is refused (degenerate text, too many chunks for one article)."""
    articles = skipped = chunks = 0
    reason = "no article in it"
    for item in read_file(path, name, max_file_mb=max_bytes / 2**20):
        if isinstance(item, Document):
            where = f" (record {item.record})" if item.record else ""
            why = degenerate(item.text)
            if why:
                raise ValueError(f"{why}{where}")
            n = limits.chunks(item.text)
            if n > limits.article_chunks:
                raise ValueError(f"too long{where}: at least {n:,} chunks, above the "
                                 f"{limits.article_chunks:,} an article may have "
                                 "(ASKCORPUS_MAX_ARTICLE_CHUNKS)")
            articles += 1
            chunks += n
        elif not skipped:
            skipped, reason = 1, item.reason
    if not articles:
        raise ValueError(reason)
    return articles, chunks


def add_files(corpus: Path, uploads: Iterable[tuple[str, str]], max_bytes: int,
              limits: Limits | None = None) -> tuple[list[Added], list[str]]:
    """Copy ``(uploaded file, original name)`` pairs into ``corpus``. Returns the files
    saved and one reason per upload refused. ``limits`` caps the chunks of each article
    and of the whole change (files beyond the change's cap are refused, the earlier ones
    kept)."""
    limits = limits or Limits()
    added: list[Added] = []
    refused: list[str] = []
    budget = limits.change_chunks
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
        if "://" in str(source):  # a file entry naming a URL: never fetched
            refused.append(f"{shown}: not an uploaded file")
            continue
        temp = corpus / (f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(8)}."
                         f"{name.rpartition('.')[2]}")
        try:
            with open(source, "rb") as f:
                data = f.read(max_bytes + 1)
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(temp, flags, 0o644)
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            try:
                articles, chunks = _check(temp, name, max_bytes, limits)
            except ValueError as e:
                refused.append(f"{shown}: {e}")
                continue
            if chunks > budget:
                refused.append(f"{shown}: the change would be too large (at least {chunks:,} "
                               f"chunks, {budget:,} of the {limits.change_chunks:,} a change "
                               "may have left (ASKCORPUS_MAX_CHANGE_CHUNKS)); add it "
                               "separately")
                continue
            budget -= chunks
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
