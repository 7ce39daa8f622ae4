"""What a column of sequences looks like apart from its content: lengths, letter composition and
k-mer frequency profiles (for the explore step's statistics, shortcut checks and map).

Plain arrays in, arrays out: the alphabet's letters are passed in (``dlwizard.io.sequences``
defines them), so this module depends on neither the Study nor the reader.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import numpy as np

CHUNK_LETTERS = 20_000_000  # letters counted at once: bounds the memory of the row index


def as_text(values: Sequence[object]) -> list[str]:
    """Sequences as upper-case strings; a missing value becomes the empty string."""
    return [v.upper() if isinstance(v, str) else "" for v in values]


def lengths(seqs: Sequence[str]) -> np.ndarray:
    return np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))


def letter_counts(seqs: Sequence[str], letters: str) -> np.ndarray:
    """Rows x (len(letters) + 1): how often each letter occurs in each sequence; the last
    column counts every other character (ambiguity codes, gaps, letters of no alphabet)."""
    m = len(letters)
    table = np.full(256, m, dtype=np.int64)
    for i, ch in enumerate(letters):
        table[ord(ch)] = i
    out = np.zeros((len(seqs), m + 1), dtype=np.int64)
    start = 0
    while start < len(seqs):
        stop, total = start, 0
        while stop < len(seqs) and (total == 0 or total + len(seqs[stop]) <= CHUNK_LETTERS):
            total += len(seqs[stop])
            stop += 1
        chunk = seqs[start:stop]
        joined = "".join(chunk).encode("ascii", "replace")
        if joined:
            codes = table[np.frombuffer(joined, dtype=np.uint8)]
            rows = np.repeat(np.arange(len(chunk)), lengths(chunk))
            flat = np.bincount(rows * (m + 1) + codes, minlength=len(chunk) * (m + 1))
            out[start:stop] = flat.reshape(len(chunk), m + 1)
        start = stop
    return out


def shares(counts: np.ndarray) -> np.ndarray:
    """Each row's counts as shares of its letters (NaN for an empty sequence)."""
    total = counts.sum(axis=1, keepdims=True).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, counts / np.where(total > 0, total, 1.0), np.nan)


def gc_share(counts: np.ndarray, letters: str) -> float | None:
    """The share of G and C among the four bases of the pooled counts (one row, or summed over
    rows); None without any base."""
    pooled = counts.sum(axis=0) if counts.ndim == 2 else counts
    bases = [letters.index(ch) for ch in letters if ch in "ACGTU"]
    gc = [letters.index(ch) for ch in "GC" if ch in letters]
    n = float(pooled[bases].sum())
    return float(pooled[gc].sum()) / n if n else None


def kmer_vocabulary(letters: str, k: int) -> list[str]:
    """Every k-mer of the alphabet's letters (4^k for DNA, 20^k for proteins): k-mers holding an
    ambiguity code or another character are not counted."""
    return ["".join(p) for p in product(letters, repeat=k)]


def kmer_frequencies(seqs: Sequence[str], letters: str, k: int) -> np.ndarray:
    """Rows x k-mers: the share of each overlapping k-mer among the sequence's k-mers (scikit-
    learn's character n-grams over a fixed vocabulary). A sequence without a single k-mer of the
    alphabet (empty, shorter than k, or all ambiguity codes) is a row of NaN."""
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(
        analyzer="char",
        ngram_range=(k, k),
        lowercase=False,
        vocabulary=kmer_vocabulary(letters, k),
        dtype=np.float64,
    )
    counts = counter.transform(seqs)
    total = np.asarray(counts.sum(axis=1)).ravel()
    dense = counts.toarray()
    with np.errstate(invalid="ignore", divide="ignore"):
        freq = dense / np.where(total > 0, total, 1.0)[:, None]
    freq[total == 0] = np.nan
    return freq


def length_features(n_letters: np.ndarray) -> np.ndarray:
    """Length as a model of length alone reads it: the log length and its square (centred), so
    that a class of middle lengths between shorter and longer ones is found too."""
    x = np.log1p(np.asarray(n_letters, dtype=float))
    c = x - x.mean() if len(x) else x
    return np.c_[x, c**2]
