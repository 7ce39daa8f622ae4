"""Which letters of a sequence the final model relies on (issue 17, Tips 8 and 9).

In-silico mutagenesis (ISM): every position of a sequence is replaced by every other letter of
its alphabet, the mutants go through the frozen model, and the attribution of a position is how
much the model's output for the sequence's own class (regression: the predicted value) drops,
on average, when its letter is replaced: ``f(sequence) - mean over letters b of f(mutant b)``.
Positive: the letter supports the class; negative: it argues against it.

Why ISM rather than integrated gradients (captum): the sequence networks take integer letter
codes and one-hot encode them inside the model, so no gradient reaches the letters, and the
k-mer baselines (counts into scikit-learn) are not differentiable at all. ISM only calls the
frozen model's ``output`` (the one every later step uses), so it works for a network and a
baseline alike, needs no library, and is exact: no reference sequence, no path integral, only
the model's own answers. Its price is one model evaluation per position and letter, which is
bounded below (``MAX_POSITIONS``, ``MAX_LETTERS``).

Motifs: in each analysed sequence the windows of k letters with the largest summed attribution
are "high"; the k-mers found in high windows more often than in all windows of the same class's
sequences are reported with their counts, a hypergeometric p-value and a false-discovery rate.

Plain numpy and pandas frames in, plain results out; nothing here knows the Study.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dlwizard.ml.sequence_nets import letters

# Positions mutated per sequence. A longer sequence is first scanned coarsely (blocks of letters
# replaced by the unknown letter) and mutated over the MAX_POSITIONS positions around the block
# whose loss lowers the output most. 120 covers the usual promoter, splice-site or peptide whole.
MAX_POSITIONS = 120
SCAN_BLOCKS = 100  # at most this many blocks in the coarse scan of a long sequence
# Letters through the model, all sequences together (mutants x their length): the bound on the
# cost. The examples get one per class even past it; more sequences only while it lasts.
MAX_LETTERS = 4_000_000
MAX_SEQUENCES = 200  # sequences mutated for the motif counts, examples included
CHUNK_LETTERS = 100_000  # letters per model call: bounded memory, and a cancel answered soon
UNKNOWN = {"dna": "N", "rna": "N", "protein": "X"}
KMER_LENGTHS: dict[str, tuple[int, ...]] = {"dna": (4, 5, 6), "rna": (4, 5, 6), "protein": (3,)}
TOP_FRACTION = 0.05  # the share of each sequence's windows counted as high-attribution windows
MIN_TOP = 2  # a k-mer must sit in at least this many high windows to be reported
MAX_KMERS = 8  # k-mers reported per class


@dataclass
class Attribution:
    """One sequence's attributions over the positions mutated."""

    index: int  # the row's position in the frame given
    target: int | None  # the class whose probability is followed (None: regression)
    score: float  # the model's output for that class (regression: its value), sequence unchanged
    length: int
    start: int  # 0-based first position mutated
    values: np.ndarray  # one attribution per position from ``start``
    windowed: bool  # longer than MAX_POSITIONS: only a window was mutated

    @property
    def peak(self) -> int:
        """0-based position (in the whole sequence) of the largest attribution."""
        return self.start + int(np.argmax(self.values)) if self.values.size else 0


@dataclass
class Kmer:
    """A k-mer found more often in high-attribution windows than in all windows."""

    kmer: str
    group: int  # the class whose sequences were counted (0 for regression)
    in_top: int  # high windows holding it
    top_windows: int
    in_all: int  # all windows holding it
    all_windows: int
    enrichment: float  # (in_top / top_windows) / (in_all / all_windows)
    p_value: float  # one-sided hypergeometric
    q_value: float  # Benjamini-Hochberg over the k-mers tested for the class


def class_output(out: np.ndarray, task: str, targets: np.ndarray) -> np.ndarray:
    """The model's output for each row's own class: the probability (binary output is the
    positive class's) or, for regression, the predicted value."""
    out = np.asarray(out, dtype=float)
    if task == "regression":
        return out.reshape(-1)
    t = np.asarray(targets, dtype=int)
    if task == "binary":
        return np.where(t == 1, out, 1.0 - out)
    return out[np.arange(len(t)), t]


def window_of(length: int) -> tuple[int, int, bool]:
    """(positions mutated, scan blocks, windowed) for a sequence of ``length`` letters."""
    if length <= MAX_POSITIONS:
        return length, 0, False
    block = max(MAX_POSITIONS // 8, math.ceil(length / SCAN_BLOCKS))
    return MAX_POSITIONS, math.ceil(length / block), True


def cost(length: int, alphabet: str) -> int:
    """Letters that go through the model to attribute one sequence of ``length`` letters."""
    positions, blocks, _ = window_of(length)
    return (1 + blocks + positions * (len(letters(alphabet)) - 1)) * max(1, length)


def choose(
    groups: np.ndarray,
    correct: np.ndarray,
    confidence: np.ndarray,
    lengths: np.ndarray,
    alphabet: str,
    per_group: tuple[int, int] = (2, 1),
    max_examples: int = 12,
    seed: int = 0,
) -> tuple[list[int], list[int]]:
    """Which rows to mutate: (examples, all rows mutated, examples first).

    Examples, taken class by class in turn: the most confidently right, the most confidently
    wrong, the next right one, ... (``per_group`` = (right, wrong) per class). The first of each
    class is always taken; the others and then further rows (in a seeded random order, for the
    motif counts) only while the letter budget lasts, up to MAX_SEQUENCES. The examples are
    returned class by class, the right ones first.
    """
    groups, correct = np.asarray(groups), np.asarray(correct, dtype=bool)
    confidence = np.asarray(confidence, dtype=float)
    costs = [cost(int(n), alphabet) for n in lengths]
    order_right: dict[int, list[int]] = {}
    order_wrong: dict[int, list[int]] = {}
    for g in dict.fromkeys(groups.tolist()):
        rows = np.flatnonzero(groups == g)
        by_conf = rows[np.argsort(-confidence[rows], kind="stable")]
        order_right[g] = [int(i) for i in by_conf if correct[i]][: per_group[0]]
        order_wrong[g] = [int(i) for i in by_conf[::-1] if not correct[i]][: per_group[1]]
    wanted: list[int] = []
    for turn in range(max(per_group)):
        for g in order_right:
            for pool, n in ((order_right[g], per_group[0]), (order_wrong[g], per_group[1])):
                if turn < n and turn < len(pool):
                    wanted.append(pool[turn])
    seen_groups: set = set()
    examples: list[int] = []
    spent = 0
    for i in wanted:
        g = groups[i]
        if len(examples) >= max_examples:
            break
        if g in seen_groups and spent + costs[i] > MAX_LETTERS:
            continue
        seen_groups.add(g)
        examples.append(i)
        spent += costs[i]
    # Shown class by class: the right ones (most confident first), then the wrong one.
    rank = {g: r for r, g in enumerate(order_right)}
    examples.sort(key=lambda i: (rank[groups[i]], not correct[i], wanted.index(i)))
    rest = np.random.default_rng(seed).permutation(len(groups))
    chosen = list(examples)
    taken = set(examples)
    for i in rest.tolist():
        if len(chosen) >= MAX_SEQUENCES:
            break
        if i in taken or spent + costs[i] > MAX_LETTERS:
            continue
        chosen.append(i)
        taken.add(i)
        spent += costs[i]
    return examples, chosen


def mutate(
    output: Callable,
    frame,
    column: str,
    alphabet: str,
    task: str,
    targets: np.ndarray | None,
    check: Callable[[], None] | None = None,
    progress: Callable[[float, str], None] | None = None,
) -> list[Attribution]:
    """In-silico mutagenesis of every row of ``frame`` (the columns the model reads; the other
    columns are kept as they are). ``output`` is the frozen model's: a DataFrame in,
    probabilities or values out. Mutants of several sequences share a model call, CHUNK_LETTERS
    letters at a time; ``check`` is called between calls (cancellation)."""
    alpha = letters(alphabet)
    frame = frame.reset_index(drop=True)
    seqs = [s if isinstance(s, str) else "" for s in frame[column].tolist()]
    n = len(seqs)
    tg = np.zeros(n, dtype=int) if targets is None else np.asarray(targets, dtype=int)
    runner = _Runner(output, frame, column, task, tg, check)
    base = runner.run([(i, s) for i, s in enumerate(seqs)])
    # Long sequences: a coarse scan (blocks replaced by the unknown letter) finds the region
    # the output depends on most; only a window around it is mutated letter by letter.
    starts = np.zeros(n, dtype=int)
    stops = np.array([len(s) for s in seqs])
    scans: list[tuple[int, str]] = []
    spans: list[tuple[int, int, int]] = []  # (row, block start, block end)
    for i, s in enumerate(seqs):
        _, blocks, windowed = window_of(len(s))
        if not windowed:
            continue
        size = math.ceil(len(s) / blocks)
        for b0 in range(0, len(s), size):
            b1 = min(len(s), b0 + size)
            scans.append((i, s[:b0] + UNKNOWN[alphabet] * (b1 - b0) + s[b1:]))
            spans.append((i, b0, b1))
    if scans:
        if progress:
            progress(0.02, f"Scanning {len(set(r for r, _ in scans))} long sequence(s) coarsely")
        drops = base[[r for r, _ in scans]] - runner.run(scans)
        best: dict[int, tuple[float, int]] = {}
        for (i, b0, b1), d in zip(spans, drops):
            if i not in best or d > best[i][0]:
                best[i] = (float(d), (b0 + b1) // 2)
        for i, (_, centre) in best.items():
            start = min(max(0, centre - MAX_POSITIONS // 2), len(seqs[i]) - MAX_POSITIONS)
            starts[i], stops[i] = start, start + MAX_POSITIONS
    jobs: list[tuple[int, str]] = []
    where: list[tuple[int, int]] = []  # (row, position) of each mutant
    for i, s in enumerate(seqs):
        for pos in range(starts[i], stops[i]):
            here = s[pos].upper()
            for b in alpha:
                if b != here:
                    jobs.append((i, s[:pos] + b + s[pos + 1 :]))
                    where.append((i, pos))
    out = runner.run(jobs, progress)
    sums = [np.zeros(stops[i] - starts[i]) for i in range(n)]
    counts = [np.zeros(stops[i] - starts[i]) for i in range(n)]
    rows = np.fromiter((w[0] for w in where), dtype=int, count=len(where))
    pos = np.fromiter((w[1] for w in where), dtype=int, count=len(where))
    for i in range(n):
        sel = rows == i
        np.add.at(sums[i], pos[sel] - starts[i], out[sel])
        np.add.at(counts[i], pos[sel] - starts[i], 1.0)
    return [
        Attribution(
            index=i,
            target=None if targets is None else int(tg[i]),
            score=float(base[i]),
            length=len(seqs[i]),
            start=int(starts[i]),
            values=base[i] - sums[i] / np.maximum(counts[i], 1.0),
            windowed=bool(window_of(len(seqs[i]))[2]),
        )
        for i in range(n)
    ]


class _Runner:
    """Sends (row, sequence) pairs through the model in chunks of about CHUNK_LETTERS letters,
    each with its row's other columns, and returns each one's output for the row's class."""

    def __init__(self, output, frame, column, task, targets, check) -> None:
        self.output, self.frame, self.column = output, frame, column
        self.task, self.targets, self.check = task, targets, check
        self.letters = 0  # letters sent so far (the cost)
        self.calls = 0

    def run(self, jobs: Sequence[tuple[int, str]], progress=None) -> np.ndarray:
        out = np.empty(len(jobs))
        start = 0
        while start < len(jobs):
            if self.check:
                self.check()
            stop, size = start, 0
            while stop < len(jobs) and (
                stop == start or size + len(jobs[stop][1]) <= CHUNK_LETTERS
            ):
                size += max(1, len(jobs[stop][1]))
                stop += 1
            rows = [r for r, _ in jobs[start:stop]]
            x = self.frame.iloc[rows].reset_index(drop=True)
            x[self.column] = [s for _, s in jobs[start:stop]]
            out[start:stop] = class_output(self.output(x), self.task, self.targets[rows])
            self.letters += size
            self.calls += 1
            start = stop
            if progress:
                progress(start / len(jobs), f"Mutating letters: {start:,} of {len(jobs):,}")
        return out


def enriched_kmers(
    sequences: Sequence[str],
    attributions: Sequence[Attribution],
    groups: Sequence[int],
    alphabet: str,
    ks: Sequence[int] | None = None,
    top_fraction: float = TOP_FRACTION,
    limit: int = MAX_KMERS,
) -> list[Kmer]:
    """For each class, the k-mers most enriched among its sequences' high-attribution windows
    against all their windows (within the positions mutated; windows with a letter outside the
    alphabet are skipped). Ranked by p-value; a k-mer inside, holding, or shifted by one letter
    from one already listed is left out (the same motif again)."""
    from scipy.stats import hypergeom

    ks = tuple(ks or KMER_LENGTHS.get(alphabet, (4,)))
    alpha = set(letters(alphabet))
    by_group: dict[int, tuple[Counter, Counter]] = {}
    for seq, att, g in zip(sequences, attributions, groups):
        top, every = by_group.setdefault(int(g), (Counter(), Counter()))
        text = seq.upper()
        cum = np.concatenate([[0.0], np.cumsum(att.values)])
        for k in ks:
            scores, kmers = [], []
            for j in range(len(att.values) - k + 1):
                kmer = text[att.start + j : att.start + j + k]
                if len(kmer) < k or not set(kmer) <= alpha:
                    continue
                kmers.append(kmer)
                scores.append(cum[j + k] - cum[j])
            if not kmers:
                continue
            every.update((k, m) for m in kmers)
            every[(k, None)] += len(kmers)
            n_top = max(1, round(top_fraction * len(kmers)))
            best = np.argsort(-np.asarray(scores), kind="stable")[:n_top]
            chosen = [kmers[j] for j in best if scores[j] > 0]
            top.update((k, m) for m in chosen)
            top[(k, None)] += len(chosen)
    out: list[Kmer] = []
    for g, (top, every) in by_group.items():
        tested = []
        for (k, m), c in top.items():
            if m is None:
                continue
            n_top, n_all = top[(k, None)], every[(k, None)]
            c_all = every[(k, m)]
            p = float(hypergeom.sf(c - 1, n_all, c_all, n_top))
            ratio = (c / n_top) / (c_all / n_all)
            tested.append(Kmer(m, g, c, n_top, c_all, n_all, ratio, p, 1.0))
        _fdr(tested)
        tested.sort(key=lambda r: (r.p_value, -r.enrichment, -len(r.kmer), r.kmer))
        listed: list[Kmer] = []
        for r in tested:
            if len(listed) >= limit:
                break
            if r.in_top < MIN_TOP or r.enrichment <= 1.0:
                continue
            if any(_same_motif(r.kmer, other.kmer) for other in listed):
                continue
            listed.append(r)
        out += listed
    return out


def _fdr(rows: list[Kmer]) -> None:
    """Benjamini-Hochberg q-values, in place."""
    if not rows:
        return
    p = np.array([r.p_value for r in rows])
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    for j, i in enumerate(order):
        rows[i].q_value = float(q[j])


def _same_motif(a: str, b: str) -> bool:
    """One inside the other, or the two overlapping in all but one letter of the shorter."""
    if a in b or b in a:
        return True
    n = min(len(a), len(b)) - 1
    return n >= 3 and (a[-n:] == b[:n] or b[-n:] == a[:n])
