"""The Study's records of biological sequences (issue 17): a column of sequences as imported,
its statistics per class, the homology groups of the split, and the attributions per letter."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dlwizard.study.base import _Model

SequenceAlphabet = Literal["dna", "rna", "protein"]


class SequenceInfo(_Model):
    """A column of biological sequences (DNA, RNA or protein), as imported and checked."""

    column: str
    alphabet: SequenceAlphabet
    n: int = 0  # rows with a sequence
    n_empty: int = 0  # rows whose sequence is missing or empty
    n_duplicated: int = 0  # rows whose sequence also occurs on another row
    length_min: int = 0
    length_median: float = 0.0
    length_max: int = 0
    # Letters of the alphabet's ambiguity codes (N, R, Y, ... for nucleic acids; X, B, Z for
    # proteins) -> how often they occur.
    ambiguous: dict[str, int] = Field(default_factory=dict)
    # Letters outside the alphabet -> how often; they are read as "unknown" (N or X).
    invalid: dict[str, int] = Field(default_factory=dict)


class SequenceClassStats(_Model):
    """The sequences of one class (or of all rows, label None): lengths and composition."""

    label: str | None = None
    n: int = 0
    length_q1: float = 0.0
    length_median: float = 0.0
    length_q3: float = 0.0
    composition: dict[str, float] = Field(default_factory=dict)  # letter -> share of letters
    gc: float | None = None  # nucleic acids: the share of G and C among A, C, G, T/U


class SequenceGroups(_Model):
    """Homology-aware split: sequences clustered by similarity, each cluster kept in one set."""

    column: str
    identity: float  # the threshold used
    k: int  # the k-mer length of the identity estimate
    n_clusters: int = 0
    largest: int = 0  # sequences in the largest cluster
    # The highest estimated identity between any test sequence and any training or tuning one
    # (None before the check ran or when there are no test rows).
    max_test_identity: float | None = None
    max_tune_identity: float | None = None  # the same between tuning and training sequences


class SequenceExample(_Model):
    """One example sequence with the attribution of each letter shown (issue 17): how much the
    model's probability of the sequence's own class (regression: its predicted value) drops, on
    average, when that letter is replaced by each other letter (in-silico mutagenesis)."""

    row: str  # the row's sample ID (or its row number)
    label: str  # its class (regression: its value)
    predicted: str = ""  # the class the model predicts (regression: its predicted value)
    score: float  # the model's probability of ``label`` (regression: its predicted value)
    correct: bool = True  # classified correctly (regression: error at most the median error)
    length: int
    first_position: int = 1  # 1-based position of the first letter shown
    letters: str = ""  # the letters shown (at most a window of a long sequence)
    attributions: list[float] = Field(default_factory=list)  # one per letter shown, rounded
    peak_position: int = 1  # 1-based position of the largest attribution in the sequence
    mutated_from: int = 1  # the 1-based positions mutated (all, or a window of a long one)
    mutated_to: int = 1


class EnrichedKmer(_Model):
    """A k-mer found more often in a class's high-attribution windows than in all its windows."""

    kmer: str
    label: str = ""  # the class whose sequences were counted ("" for regression)
    in_top: int
    top_windows: int
    in_all: int
    all_windows: int
    enrichment: float
    p_value: float
    q_value: float  # false-discovery rate over the k-mers tested for the class


class SequenceAttribution(_Model):
    """Which letters the final model relies on, for a model that reads sequences."""

    column: str
    alphabet: str = "dna"
    method: str = "in-silico mutagenesis"
    toward: str = "class"  # "class": its own class's probability; "value": regression
    n_eval: int = 0  # evaluation sequences available
    n_mutated: int = 0  # sequences mutated (examples included)
    letters_evaluated: int = 0  # letters sent through the model (mutants x their lengths)
    max_positions: int = 0  # positions mutated per sequence at most
    windowed: int = 0  # sequences longer than that: mutated over a window
    kmer_lengths: list[int] = Field(default_factory=list)
    top_fraction: float = 0.05
    examples: list[SequenceExample] = Field(default_factory=list)
    kmers: list[EnrichedKmer] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
