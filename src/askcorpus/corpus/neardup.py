"""Near-duplicate articles (syndicated copies with small edits), found with MinHash + LSH.

Exact copies already share one Document (same content hash); this groups articles whose word
5-gram shingles have a Jaccard similarity of about ``threshold`` or more. Each group is named by
its first member, so a quote from any copy can be counted once and list every path.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+")
_PRIME = (1 << 61) - 1


PERMS = 64
_RNG = np.random.default_rng(7)
_A = _RNG.integers(1, _PRIME, PERMS, dtype=np.uint64)
_B = _RNG.integers(0, _PRIME, PERMS, dtype=np.uint64)


def _shingles(text: str, n: int = 4) -> np.ndarray:
    words = _WORD.findall(text.lower())
    grams = {" ".join(words[i:i + n]).encode() for i in range(max(1, len(words) - n + 1))}
    return np.array([zlib.crc32(g) << 32 | zlib.crc32(g, 0x9E3779B9) for g in grams],
                    dtype=np.uint64)


def signature(text: str) -> np.ndarray:
    """The MinHash signature of one text (stable across processes and versions)."""
    sh = _shingles(text)
    # (a*x + b) mod p with wrapping uint64 arithmetic: a fine universal hash for MinHash
    return ((sh[:, None] * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)).min(axis=0)


def clusters(ids: Sequence[str], sigs: Sequence[np.ndarray], threshold: float = 0.75,
             bands: int = 16) -> dict[str, str]:
    """Map every id to the id of its group's first member (itself when it has no twin)."""
    if not ids:
        return {}
    sig = np.stack(list(sigs))
    rows = sig.shape[1] // bands
    parent = list(range(len(ids)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for band in range(bands):
        buckets: dict[bytes, list[int]] = {}
        for i in range(len(ids)):
            buckets.setdefault(sig[i, band * rows:(band + 1) * rows].tobytes(), []).append(i)
        for members in buckets.values():
            for j in members[1:]:
                if np.mean(sig[members[0]] == sig[j]) >= threshold:  # estimated Jaccard
                    ri, rj = find(members[0]), find(j)
                    if ri != rj:
                        parent[max(ri, rj)] = min(ri, rj)
    return {ids[i]: ids[find(i)] for i in range(len(ids))}
