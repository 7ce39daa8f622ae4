"""Alignment-free sequence identity from shared k-mers, for the homology-aware split.

Each sequence becomes the SET of its k-mers (k-mers holding an ambiguity code or any letter
outside the alphabet are skipped). Two sets with Jaccard index J give the Mash distance
D = -(1/k) ln(2J / (1 + J)) (Ondov et al. 2016, Genome Biology 17:132) and the identity estimate
1 - D, clipped to [0, 1]. Why it works: a k-mer survives a substitution only if none of its k
letters changed, so two sequences of identity p share about p^k of their k-mers, and for two
equal-length sets sharing a fraction s, 2J/(1+J) = s, hence D = -ln(p) ~ 1 - p. (1 - D = 1 + ln p
sits a little below p away from 1: 0.895 at p = 0.9, 0.78 at p = 0.8.)

The Jaccard indices come from a sparse presence matrix X (sequences x k-mers, k-mers coded as
base-A integers), as X @ X.T computed in blocks of rows so memory stays bounded. Clusters are
single linkage: connected components of the pairs at or above the identity threshold, with exact
duplicates always joined. Everything is deterministic and independent of the input order.

Limits a user should know: the estimate is made for identities above about 0.7 (below, too few
k-mers survive); it compares whole sequences, so a short sequence contained in a long one scores
low (the Jaccard index counts the long one's extra k-mers); sequences with no valid k-mer (shorter
than k, or all ambiguity codes) are matched only when exactly equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

    from scipy import sparse

    from dlwizard.jobs import Job

# The letters that make k-mers. Mirrors the alphabets of dlwizard/io/sequences.py (ml may not
# import io); anything else, the IUPAC ambiguity codes included, breaks a k-mer. T and U are one
# letter for nucleic acids, so an RNA copy of a DNA sequence is still recognised.
LETTERS = {"dna": "ACGT", "rna": "ACGU", "protein": "ACDEFGHIKLMNPQRSTVWY"}
_SAME_AS = {"dna": {"U": "T"}, "rna": {"T": "U"}, "protein": {}}

# k is the smallest length in the alphabet's range at which two RANDOM sequences of the median
# length L share fewer than RANDOM_SHARED k-mers on average (L^2 / A^k, A letters), capped at the
# range's top. Random pairs then estimate far below any threshold (sharing even 5 of 500 k-mers
# gives 1 + ln(5/500)/11 ~ 0.58), and the product X @ X.T stays sparse. The top of the range keeps
# k short enough that related sequences still share k-mers: at 90 % identity 0.9^11 = 31 % of
# DNA 11-mers survive, at 80 % identity 0.8^5 = 33 % of protein 5-mers. So DNA/RNA of length 500
# get k = 11, the 60-nt splice set k = 8; proteins of length 300 get k = 5, peptides of 15 k = 3.
K_RANGE = {"dna": (8, 11), "rna": (8, 11), "protein": (3, 5)}
RANDOM_SHARED = 0.1
DEFAULT_IDENTITY = {"dna": 0.9, "rna": 0.9, "protein": 0.8}
# Two random sequences share about L1 * L2 / A^k k-mers by chance, in runs (one chance match of
# k + 5 letters gives 6 shared k-mers). A pair whose shared count is that likely (probability
# above CHANCE under a compound Poisson model, _chance_tail) counts as unrelated, identity 0: at
# low thresholds (DNA at 0.5 needs only ~3 shared 11-mers of 500) chance runs would otherwise
# chain unrelated sequences into one giant cluster. With 20,000 sequences (2e8 pairs) fewer than
# one chance pair is expected; a fixed per-pair level keeps clusters() and max_identity()
# deciding every pair alike. Related pairs near the default thresholds share dozens of k-mers
# and are far beyond it; the price is a floor: DNA of length 500 below ~0.68 estimated identity
# (fewer than ~14 shared 11-mers) reads as unrelated.
CHANCE = 1e-9
PRODUCT_BLOCK_NNZ = 4_000_000  # bound on the non-zeros of one block of X @ X.T (~50 MB)
_BAD = 255  # code of a letter that breaks k-mers


@dataclass
class ClusterResult:
    """Sequences grouped so that any two at or above ``identity`` share a cluster."""

    labels: np.ndarray  # one cluster per sequence, 0..n_clusters-1 in order of first appearance
    k: int  # k-mer length of the identity estimate
    n_clusters: int
    largest: int  # sequences in the largest cluster
    identity: float  # the threshold used
    n_without_kmers: int = 0  # non-empty sequences with no valid k-mer (matched only if equal)


def default_identity(alphabet: str) -> float:
    """The default clustering threshold: 0.9 for DNA and RNA, 0.8 for proteins."""
    return DEFAULT_IDENTITY[_check_alphabet(alphabet)]


def choose_k(alphabet: str, lengths: Sequence[int] | np.ndarray) -> int:
    """The k-mer length for sequences of these lengths (see K_RANGE for why)."""
    low, high = K_RANGE[_check_alphabet(alphabet)]
    lengths = np.asarray(lengths, dtype=float)
    lengths = lengths[lengths > 0]
    median = float(np.median(lengths)) if lengths.size else 0.0
    size = len(LETTERS[alphabet])
    for k in range(low, high + 1):
        if median**2 / size**k < RANDOM_SHARED:
            return k
    return high


def identity_from_jaccard(jaccard: np.ndarray | float, k: int) -> np.ndarray:
    """Mash identity 1 - D, D = -(1/k) ln(2J/(1+J)), clipped to [0, 1]; 0 where J = 0."""
    j = np.asarray(jaccard, dtype=float)
    with np.errstate(divide="ignore"):
        out = 1.0 + np.log(2.0 * j / (1.0 + j)) / k
    return np.clip(np.where(j > 0, out, 0.0), 0.0, 1.0)


def clusters(
    sequences: Sequence[str | None],
    alphabet: str,
    identity: float | None = None,
    job: Job | None = None,
    k: int | None = None,
) -> ClusterResult:
    """Single-linkage clusters of sequences whose estimated identity is >= ``identity``.

    Empty or missing sequences each stay alone. ``job`` (optional) gets progress between blocks
    of the similarity product and can cancel there.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    alphabet = _check_alphabet(alphabet)
    threshold = default_identity(alphabet) if identity is None else float(identity)
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"identity threshold {threshold} is outside (0, 1]")
    texts = [_text(s) for s in sequences]
    n = len(texts)
    k = k or choose_k(alphabet, [len(t) for t in texts])
    _progress(job, 0.0, "Listing the k-mers of each sequence")
    x, sizes = _kmer_matrix(texts, alphabet, k, min_sequences=2)
    rows, cols = _exact_duplicate_pairs(texts, alphabet)
    edge_rows, edge_cols = [rows], [cols]
    xt = x.T.tocsr()
    blocks = _row_blocks(x, xt)
    for done, (start, stop) in enumerate(blocks):
        _progress(job, 0.1 + 0.85 * done / len(blocks), "Comparing sequences by shared k-mers")
        # Each pair once: this block against itself and the rows after it (half the work).
        product = (x[start:stop] @ xt[:, start:]).tocoo()
        r = product.row.astype(np.int64) + start
        c = product.col.astype(np.int64) + start
        keep = c > r
        r, c, shared = r[keep], c[keep], product.data[keep]
        close = _identity(shared, sizes[r], sizes[c], k, alphabet) >= threshold - 1e-12
        edge_rows.append(r[close])
        edge_cols.append(c[close])
    _progress(job, 0.95, "Joining similar sequences into clusters")
    i, j = np.concatenate(edge_rows), np.concatenate(edge_cols)
    graph = coo_matrix((np.ones(i.size, dtype=np.int8), (i, j)), shape=(n, n)).tocsr()
    _, raw = connected_components(graph, directed=False)
    labels = _first_seen_order(raw)
    counts = np.bincount(labels) if n else np.zeros(0, dtype=int)
    n_without = sum(1 for t, s in zip(texts, sizes) if t and s == 0)
    _progress(job, 1.0, "Clusters done")
    return ClusterResult(
        labels=labels,
        k=int(k),
        n_clusters=int(counts.size),
        largest=int(counts.max()) if n else 0,
        identity=threshold,
        n_without_kmers=n_without,
    )


def max_identity(
    query_seqs: Sequence[str | None],
    reference_seqs: Sequence[str | None],
    alphabet: str,
    k: int | None = None,
    job: Job | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """For each query, the highest estimated identity to any reference and that reference's index.

    Identity is 0 and the index -1 when a query shares no more k-mers with any reference than
    chance would (and is not exactly equal to one). Ties go to the lowest reference index. Pass
    the ``k`` the clusters used.
    """
    alphabet = _check_alphabet(alphabet)
    queries, refs = [_text(s) for s in query_seqs], [_text(s) for s in reference_seqs]
    nq = len(queries)
    k = k or choose_k(alphabet, [len(t) for t in queries + refs])
    best = np.zeros(nq, dtype=float)
    index = np.full(nq, -1, dtype=np.int64)
    if nq and refs:
        x, sizes = _kmer_matrix(queries + refs, alphabet, k, min_sequences=2, split_at=nq)
        xq, rt = x[:nq], x[nq:].T.tocsr()
        blocks = _row_blocks(xq, rt)
        for done, (start, stop) in enumerate(blocks):
            _progress(job, done / len(blocks), "Comparing test and training sequences")
            product = (xq[start:stop] @ rt).tocsr()
            product.sort_indices()
            r = np.repeat(np.arange(stop - start), np.diff(product.indptr)) + start
            c = product.indices.astype(np.int64)
            ident = _identity(product.data, sizes[r], sizes[nq + c], k, alphabet)
            order = np.lexsort((c, -ident, r))  # per query: best identity, then lowest index
            r, c, ident = r[order], c[order], ident[order]
            first = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if r.size else r
            best[r[first]], index[r[first]] = ident[first], c[first]
        index[best == 0] = -1  # only chance-level sharing: no closest reference
        first_ref: dict[str, int] = {}
        for i, t in enumerate(refs):
            if t:
                first_ref.setdefault(_normal(t, alphabet), i)
        for i, t in enumerate(queries):
            hit = first_ref.get(_normal(t, alphabet)) if t else None
            if hit is not None:
                best[i], index[i] = 1.0, hit
    _progress(job, 1.0, "Comparison done")
    return best, index


def estimate_identity(a: str, b: str, alphabet: str, k: int | None = None) -> float:
    """The estimated identity of two sequences (1.0 when equal, 0.0 when no k-mer is shared)."""
    ident, _ = max_identity([a], [b], alphabet, k=k)
    return float(ident[0])


# -- internals ---------------------------------------------------------------------------------
def _check_alphabet(alphabet: str) -> str:
    if alphabet not in LETTERS:
        raise ValueError(f"unknown alphabet {alphabet!r}: expected one of {sorted(LETTERS)}")
    return alphabet


def _text(value: object) -> str:
    """A sequence as a string; missing values (None, NaN) become empty."""
    return value if isinstance(value, str) else ""


def _normal(text: str, alphabet: str) -> str:
    text = text.upper()
    for a, b in _SAME_AS[alphabet].items():
        text = text.replace(a, b)
    return text


def _progress(job: Job | None, fraction: float, message: str) -> None:
    if job is not None:
        job.progress(fraction, message)


def _codes_table(alphabet: str) -> np.ndarray:
    table = np.full(256, _BAD, dtype=np.uint8)
    for code, letter in enumerate(LETTERS[alphabet]):
        for variant in (letter, letter.lower()):
            table[ord(variant)] = code
    for other, same in _SAME_AS[alphabet].items():
        table[ord(other)] = table[ord(other.lower())] = table[ord(same)]
    return table


def _kmer_matrix(
    texts: list[str], alphabet: str, k: int, min_sequences: int, split_at: int | None = None
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The presence matrix (sequences x k-mers in >= min_sequences rows; with split_at, k-mers
    in rows on both sides of it) and each sequence's number of distinct valid k-mers."""
    from scipy.sparse import csr_matrix

    n, n_kmers = len(texts), len(LETTERS[alphabet]) ** k
    parts = [_distinct_kmers(texts, start, stop, alphabet, k) for start, stop in _chunks(texts)]
    row = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
    kmer = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int32)
    sizes = np.bincount(row, minlength=n).astype(np.int64)
    # Only k-mers in two or more sequences can be shared; dropping the rest shrinks the product.
    if split_at is None:
        shared = np.bincount(kmer, minlength=n_kmers) >= min_sequences
    else:
        left = np.bincount(kmer[row < split_at], minlength=n_kmers) > 0
        shared = left & (np.bincount(kmer[row >= split_at], minlength=n_kmers) > 0)
    keep = shared[kmer]
    row, kmer = row[keep], kmer[keep]
    column = (np.cumsum(shared) - 1).astype(np.int32)  # compact, order-preserving numbers
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))])
    data = np.ones(row.size, dtype=np.int32)
    x = csr_matrix((data, column[kmer], indptr), shape=(n, int(shared.sum())))
    return x, sizes


def _chunks(texts: list[str], letters: int = 4_000_000) -> list[tuple[int, int]]:
    """Consecutive ranges of sequences of about ``letters`` letters, to bound memory."""
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    cut = np.cumsum(lengths) // letters
    edges = np.flatnonzero(np.r_[True, cut[1:] != cut[:-1], True]) if texts else []
    return [(int(a), int(b)) for a, b in pairwise(edges)]


def _distinct_kmers(
    texts: list[str], start: int, stop: int, alphabet: str, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """(sequence, k-mer id) pairs of texts[start:stop], distinct, sorted by sequence then id.
    A k-mer's id is its letters read as a base-A number."""
    size = len(LETTERS[alphabet])
    # One buffer with a breaking separator after each sequence so no k-mer spans two of them.
    buffer = "\n".join(texts[start:stop]).encode("ascii", errors="replace") + b"\n"
    codes = _codes_table(alphabet)[np.frombuffer(buffer, dtype=np.uint8)]
    n_windows = codes.size - k + 1
    if n_windows <= 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int32)
    bad = np.concatenate([[0], np.cumsum(codes == _BAD)])
    valid = bad[k:] == bad[:n_windows]
    digits = np.where(codes == _BAD, 0, codes).astype(np.int64)
    ids = np.zeros(n_windows, dtype=np.int64)
    for offset in range(k):
        ids = ids * size + digits[offset : offset + n_windows]
    lengths = np.fromiter((len(t) + 1 for t in texts[start:stop]), dtype=np.int64)
    row = np.repeat(np.arange(start, stop, dtype=np.int64), lengths)[:n_windows]
    keys = np.sort(row[valid] * size**k + ids[valid])  # np.unique hashes first: 20x slower
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if keys.size else keys
    return (keys // size**k).astype(np.int32), (keys % size**k).astype(np.int32)


def _row_blocks(x: sparse.csr_matrix, xt: sparse.csr_matrix) -> list[tuple[int, int]]:
    """Consecutive row ranges whose share of X @ X.T has at most ~PRODUCT_BLOCK_NNZ non-zeros
    (bounded per row by the summed lengths of its k-mers' posting lists, and by n)."""
    n = x.shape[0]
    if n == 0:
        return []
    postings = np.diff(xt.indptr).astype(np.int64)
    bound = np.minimum(x @ postings, xt.shape[1]) + 1
    cut = np.cumsum(bound) // PRODUCT_BLOCK_NNZ  # a block exceeds the bound by one row at most
    edges = np.flatnonzero(np.r_[True, cut[1:] != cut[:-1], True])
    return [(int(a), int(b)) for a, b in pairwise(edges)]


def _identity(
    shared: np.ndarray, size_a: np.ndarray, size_b: np.ndarray, k: int, alphabet: str
) -> np.ndarray:
    """Estimated identity of pairs sharing ``shared`` k-mers; 0 where sharing that many is
    within chance for random sequences of those sizes (see CHANCE)."""
    letters = len(LETTERS[alphabet])
    shared_f = shared.astype(float)
    ident = identity_from_jaccard(shared_f / (size_a + size_b - shared_f), k)
    expected = size_a * size_b / float(letters**k)
    counts, inverse = np.unique(shared, return_inverse=True)
    limit = np.array([_chance_limit(int(m), letters) for m in counts])[inverse.ravel()]
    return np.where(expected > limit, 0.0, ident)


@lru_cache(maxsize=4096)
def _chance_limit(shared: int, letters: int) -> float:
    """The largest expected number of chance-shared k-mers at which sharing ``shared`` or more
    still has probability <= CHANCE (bisection; the tail grows with the expectation)."""
    low, high = -30.0, 8.0  # log10 of the expectation
    for _ in range(50):
        mid = (low + high) / 2
        if _chance_tail(shared, 10.0**mid, letters) > CHANCE:
            high = mid
        else:
            low = mid
    return 10.0**low


def _chance_tail(shared: int, expected: float, letters: int) -> float:
    """P(two random sequences share >= ``shared`` k-mers) when ``expected`` are shared on
    average. Chance matches come in runs (a match of length k + j gives j + 1 shared k-mers), so
    the count is compound Poisson: runs ~ Poisson(expected * (1 - q)), each run 1 + Geometric
    k-mers long, q = 1/letters the chance that a match extends by one letter."""
    from scipy.special import nbdtrc, pdtrc

    if shared <= 0:
        return 1.0
    q = 1.0 / letters
    runs = expected * (1.0 - q)
    n = np.arange(1, shared)  # with n runs, the extensions must add shared - n k-mers
    poisson = np.exp(n * np.log(runs) - runs - np.cumsum(np.log(n))) if shared > 1 else n
    longer = nbdtrc(shared - n - 1, n, 1.0 - q) if shared > 1 else n
    return float(np.sum(poisson * longer) + pdtrc(shared - 1, runs))


def _exact_duplicate_pairs(texts: list[str], alphabet: str) -> tuple[np.ndarray, np.ndarray]:
    """Edges joining each non-empty sequence to the first equal one (case, T/U ignored)."""
    first: dict[str, int] = {}
    rows, cols = [], []
    for i, t in enumerate(texts):
        if not t:
            continue
        j = first.setdefault(_normal(t, alphabet), i)
        if j != i:
            rows.append(j)
            cols.append(i)
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)


def _first_seen_order(raw: np.ndarray) -> np.ndarray:
    """Relabel components 0, 1, ... in the order their first member appears."""
    if raw.size == 0:
        return raw.astype(np.int64)
    _, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(first.size)
    return rank[inverse.ravel()]
