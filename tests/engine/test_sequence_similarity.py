"""The homology-aware split's science: identity estimated from shared k-mers, clusters of
near-identical sequences, and the closest training sequence of each test sequence.

Planted near-duplicates have exactly known identities (substitutions at distinct positions), so
the estimates are checked against the truth; random sequences must never cluster.
"""

from __future__ import annotations

import numpy as np
import pytest

from dlwizard.errors import Cancelled
from dlwizard.jobs import Job
from dlwizard.ml import sequence_similarity as ss
from dlwizard.ml.sequence_similarity import (
    choose_k,
    clusters,
    default_identity,
    estimate_identity,
    max_identity,
)
from tests.conftest import shared

DNA = "ACGT"
PROTEIN = "ACDEFGHIKLMNPQRSTVWY"


def _random(rng: np.random.Generator, letters: str, length: int) -> str:
    return "".join(rng.choice(list(letters), size=length))


def _substitute(rng: np.random.Generator, seq: str, fraction: float, letters: str) -> str:
    """A copy with exactly round(fraction * len) positions changed to another letter."""
    out = list(seq)
    for i in rng.choice(len(seq), size=round(fraction * len(seq)), replace=False):
        out[i] = rng.choice([a for a in letters if a != out[i]])
    return "".join(out)


def _same_cluster(labels: np.ndarray) -> np.ndarray:
    return labels[:, None] == labels[None, :]


@pytest.fixture(scope="module")
def planted_dna() -> list[str]:
    rng = np.random.default_rng(17)
    base = _random(rng, DNA, 200)
    return [base] + [_substitute(rng, base, f, DNA) for f in (0.02, 0.05, 0.20, 0.40)]


def test_defaults_are_90_percent_for_nucleic_acids_and_80_for_proteins():
    assert default_identity("dna") == default_identity("rna") == 0.9
    assert default_identity("protein") == 0.8
    with pytest.raises(ValueError, match="unknown alphabet"):
        default_identity("DNA ")
    with pytest.raises(ValueError, match="outside"):
        clusters(["ACGT"], "dna", 90)


def test_k_follows_alphabet_and_length():
    assert choose_k("dna", [500] * 10) == 11
    assert choose_k("rna", [60] * 10) == 8  # splice-site windows
    assert choose_k("protein", [300] * 10) == 5
    assert choose_k("protein", [15] * 10) == 3  # peptides
    assert choose_k("dna", []) == 8  # nothing to measure: the range's shortest


def test_planted_dna_estimates_are_close_to_the_true_identity(planted_dna):
    base, *copies = planted_dna
    estimates = [estimate_identity(base, c, "dna") for c in copies]
    assert estimates[0] == pytest.approx(0.98, abs=0.02)
    assert estimates[1] == pytest.approx(0.95, abs=0.03)
    # Mash's 1 + ln(p) sits a little under p away from 1: 0.78 for p = 0.8.
    assert estimates[2] == pytest.approx(0.80, abs=0.08)
    assert estimates[3] < 0.7
    assert estimates == sorted(estimates, reverse=True)
    assert estimate_identity(base, base, "dna") == 1.0


def test_planted_dna_copies_cluster_at_90_percent_only_when_close(planted_dna):
    result = clusters(planted_dna, "dna", 0.9)
    base, two, five, twenty, forty = result.labels
    assert base == two == five
    assert twenty != base and forty != base and forty != twenty
    assert result.n_clusters == 3 and result.largest == 3 and result.identity == 0.9
    # At 70 % the 20 % copy joins; the 40 % copy still does not.
    loose = clusters(planted_dna, "dna", 0.7).labels
    assert loose[3] == loose[0] and loose[4] != loose[0]


def test_planted_proteins_cluster_at_80_percent():
    rng = np.random.default_rng(3)
    base = _random(rng, PROTEIN, 300)
    near = [_substitute(rng, base, f, PROTEIN) for f in (0.05, 0.10)]
    far = _substitute(rng, base, 0.40, PROTEIN)
    others = [_random(rng, PROTEIN, 300) for _ in range(20)]
    result = clusters([base, *near, far, *others], "protein")
    assert result.k == 5 and result.identity == 0.8
    assert result.labels[0] == result.labels[1] == result.labels[2]
    assert result.labels[3] != result.labels[0]
    assert result.n_clusters == 2 + len(others)
    assert estimate_identity(base, near[1], "protein") == pytest.approx(0.9, abs=0.04)


def test_random_unrelated_sequences_never_cluster():
    rng = np.random.default_rng(5)
    dna = [_random(rng, DNA, 500) for _ in range(300)]
    assert clusters(dna, "dna").n_clusters == 300
    assert clusters(dna, "dna", 0.5).n_clusters == 300
    proteins = [_random(rng, PROTEIN, 300) for _ in range(200)]
    assert clusters(proteins, "protein", 0.5).n_clusters == 200
    best, _ = max_identity(dna[:150], dna[150:], "dna")
    assert best.max() < 0.6


def test_chance_model_matches_random_pairs():
    """The share of random pairs with >= m common k-mers is what the chance filter assumes."""
    rng = np.random.default_rng(6)
    dna = [_random(rng, DNA, 500) for _ in range(600)]
    x, sizes = ss._kmer_matrix(dna, "dna", 11, min_sequences=2)
    shared = (x @ x.T).tocoo()
    counts = shared.data[shared.row < shared.col]
    pairs = len(dna) * (len(dna) - 1) / 2
    expected = float(np.mean(sizes)) ** 2 / 4**11
    for m in (1, 2, 3):
        observed = (counts >= m).sum() / pairs
        assert observed == pytest.approx(ss._chance_tail(m, expected, 4), rel=0.25)


def test_split_by_cluster_leaves_no_pair_across_sets_at_the_threshold():
    """What the split relies on: whole clusters in different sets are below the threshold."""
    rng = np.random.default_rng(12)
    seqs = []
    for _ in range(60):
        base = _random(rng, DNA, 300)
        seqs += [base] + [_substitute(rng, base, rng.uniform(0.0, 0.15), DNA) for _ in range(3)]
    for threshold in (0.7, 0.9):
        result = clusters(seqs, "dna", threshold)
        assert 60 <= result.n_clusters < len(seqs)
        test = result.labels % 3 == 0
        best, index = max_identity(
            [s for s, t in zip(seqs, test) if t], [s for s, t in zip(seqs, test) if not t], "dna"
        )
        assert best.max() < threshold
    # Without clusters (every other sequence), families straddle the sets and show up.
    best, index = max_identity(seqs[::2], seqs[1::2], "dna")
    assert best.max() >= 0.9 and (index[best >= 0.9] >= 0).all()


def test_exact_duplicates_always_share_a_cluster():
    rng = np.random.default_rng(8)
    long = _random(rng, DNA, 300)
    seqs = [long, "ACG", "NNNNNNNNNNNNNNNNNNNN", long.lower(), "ACG", "NNNNNNNNNNNNNNNNNNNN"]
    seqs += ["ACGU", "ACGT", "", None, ""]
    labels = clusters(seqs, "dna", 1.0).labels
    assert labels[0] == labels[3]  # case does not matter
    assert labels[1] == labels[4]  # shorter than k
    assert labels[2] == labels[5]  # no valid k-mer at all
    assert labels[6] == labels[7]  # U read as T in DNA
    assert len({labels[0], labels[1], labels[2], labels[6]}) == 4
    assert len({labels[8], labels[9], labels[10]}) == 3  # empty or missing: each alone


def test_short_sequences_and_ambiguity_codes():
    result = clusters(["ACGTA", "ACGTT", "ACGTA", "A"], "dna")
    assert list(result.labels) == [0, 1, 0, 2]
    assert result.n_without_kmers == 4
    # Peptides of 15 residues, one substitution apart (93 % identity): k = 3 still sees them.
    rng = np.random.default_rng(11)
    peptides = [_random(rng, PROTEIN, 15) for _ in range(30)]
    peptides.append(peptides[0][:7] + ("A" if peptides[0][7] != "A" else "C") + peptides[0][8:])
    labels = clusters(peptides, "protein").labels
    assert labels[-1] == labels[0] and len(set(labels)) == 30
    # k-mers holding N are skipped, not read as a letter: a run of N does not look like
    # a run of A, and a few Ns in a long sequence leave the identity high.
    seq = _random(rng, DNA, 400)
    masked = seq[:100] + "N" * 10 + seq[110:]
    assert estimate_identity(seq, masked, "dna") > 0.9
    assert estimate_identity("A" * 50, "N" * 50, "dna") == 0.0


def test_labels_are_deterministic_and_independent_of_input_order():
    rng = np.random.default_rng(21)
    seqs = []
    for _ in range(40):
        base = _random(rng, DNA, 150)
        seqs += [base] + [_substitute(rng, base, 0.04, DNA) for _ in range(rng.integers(0, 4))]
    first, again = clusters(seqs, "dna"), clusters(seqs, "dna")
    assert np.array_equal(first.labels, again.labels)
    # Labels count up in order of first appearance.
    seen = np.maximum.accumulate(first.labels)
    assert first.labels[0] == 0 and np.all(np.diff(seen) <= 1)
    assert first.n_clusters == 40
    order = rng.permutation(len(seqs))
    shuffled = clusters([seqs[i] for i in order], "dna").labels
    back = np.empty_like(shuffled)
    back[order] = shuffled
    assert np.array_equal(_same_cluster(back), _same_cluster(first.labels))


def test_small_blocks_give_the_same_clusters(monkeypatch):
    rng = np.random.default_rng(4)
    seqs = []
    for _ in range(30):
        base = _random(rng, DNA, 200)
        seqs += [base, _substitute(rng, base, 0.03, DNA)]
    seqs = [seqs[i] for i in rng.permutation(len(seqs))]  # family members far apart
    whole = clusters(seqs, "dna").labels
    monkeypatch.setattr(ss, "PRODUCT_BLOCK_NNZ", 500)  # many blocks of a few rows
    assert len(ss._row_blocks(*_matrix_and_transpose(seqs))) > 5
    assert np.array_equal(clusters(seqs, "dna").labels, whole)
    best_whole = max_identity(seqs[:30], seqs[30:], "dna")
    monkeypatch.setattr(ss, "PRODUCT_BLOCK_NNZ", 4_000_000)
    for a, b in zip(best_whole, max_identity(seqs[:30], seqs[30:], "dna")):
        assert np.array_equal(a, b)


def _matrix_and_transpose(seqs: list[str]):
    x, _ = ss._kmer_matrix(seqs, "dna", 8, min_sequences=2)
    return x, x.T.tocsr()


def test_job_sees_progress_and_can_cancel(planted_dna):
    fractions: list[float] = []
    clusters(planted_dna, "dna", job=Job(lambda f, _m: fractions.append(f)))
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)
    job = Job()
    job.cancel()
    with pytest.raises(Cancelled):
        clusters(planted_dna, "dna", job=job)
    with pytest.raises(Cancelled):
        max_identity(planted_dna, planted_dna, "dna", job=job)


def test_max_identity_finds_the_closest_training_sequence(planted_dna):
    base, two, five, twenty, forty = planted_dna
    rng = np.random.default_rng(9)
    unrelated = [_random(rng, DNA, 200) for _ in range(5)]
    references = [*unrelated[:3], base, *unrelated[3:], base]  # base twice: first one wins
    chance = _random(rng, DNA, 100) + base[50:60] + _random(rng, DNA, 90)  # one shared 10-mer
    queries = [two, five, twenty, forty, "ACG", "ACGTA", "T" * 30, chance]
    best, index = max_identity(queries, [*references, "ACGTA"], "dna", k=10)
    for q in range(3):
        assert index[q] == 3
        assert best[q] == pytest.approx(estimate_identity(queries[q], base, "dna", k=10))
    assert best[0] > best[1] > 0.9 > best[2] > 0.7
    assert best[3] < 0.7
    assert (best[4], index[4]) == (0.0, -1)  # shorter than k, no equal reference
    assert (best[5], index[5]) == (1.0, len(references))  # equal, though shorter than k
    assert (best[6], index[6]) == (0.0, -1)  # shares no k-mer
    assert (best[7], index[7]) == (0.0, -1)  # shares one k-mer: chance, not similarity
    empty_best, empty_index = max_identity(queries, [], "dna")
    assert not empty_best.any() and (empty_index == -1).all()


@pytest.mark.shared_data
def test_splice_duplicates_land_in_shared_clusters():
    import pandas as pd

    table = pd.read_csv(shared("splice_uci", "splice.csv"), skipinitialspace=True)
    seqs = table["Sequence"].str.strip().tolist()
    duplicated = table["Sequence"].duplicated()
    assert duplicated.sum() == 185
    result = clusters(seqs, "dna")
    assert result.k == 8
    labels = pd.Series(result.labels)
    per_sequence = labels.groupby(table["Sequence"]).nunique()
    assert (per_sequence == 1).all()
    assert result.n_clusters <= len(seqs) - 185
    # Only exact copies at identity 1.0: one cluster per distinct sequence.
    assert clusters(seqs, "dna", 1.0).n_clusters == len(seqs) - 185
