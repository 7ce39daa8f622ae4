"""Step 4, explore (Tip 1), for a column of sequences: what the exploration adds when the
features hold DNA, RNA or protein sequences.

Their lengths and letter composition per class, and whether length alone or composition alone
predicts the label; the map is then drawn from the sequences' k-mer frequencies (3-mers of nucleic
acids, 2-mers of proteins), since the sequences are what a model learns from (numeric features
beside them are not on the map). The sequence column is never screened as a category. The table
exploration (:mod:`dlwizard.steps.explore`) calls in here; the page and the report read the
sequences' figures and words from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.ml import metadata_only, sequence_profiles
from dlwizard.study.model import (
    ExploreSection,
    Finding,
    SequenceClassStats,
    ShortcutCheck,
)
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

STEP = "explore"  # the step whose findings these are
# The k-mer length of the sequence map: 64 profiles of DNA/RNA 3-mers, 400 of protein 2-mers
# (enough letters per k-mer even in short sequences, few enough columns for a quick PCA).
MAP_K = {"dna": 3, "rna": 3, "protein": 2}
SHORTCUT_SOURCES = ("sequence_length", "sequence_composition")
UNITS = {"dna": "bases", "rna": "bases", "protein": "amino acids"}


@dataclass
class Sequences:
    """The column of sequences among the features, read once for every row of the table."""

    column: str
    alphabet: str  # dna | rna | protein
    letters: str  # the alphabet's letters, in code order
    index: pd.Index  # the table's row ids, in the order of the arrays below
    text: list[str]  # upper case; "" where a row has none
    n_letters: np.ndarray  # each sequence's length
    counts: np.ndarray  # rows x (letters + 1): each letter's count, then every other character

    def rows(self, df: pd.DataFrame) -> np.ndarray:
        """Positions of ``df``'s rows in the arrays."""
        return self.index.get_indexer(df.index)

    @property
    def nucleic(self) -> bool:
        return self.alphabet in ("dna", "rna")


def sequences_of(project: Project) -> Sequences | None:
    """The feature column of sequences (the first, if several: models read one), read from the
    table; None when the features hold no sequences."""
    from dlwizard.io.sequences import ALPHABETS
    from dlwizard.steps.modelling import sequence_feature

    if project.table is None or project.study.metadata is None:
        return None
    found = sequence_feature(project)
    if found is None:
        return None
    column, alphabet = found
    letters = ALPHABETS[alphabet].letters
    text = sequence_profiles.as_text(project.table[column].tolist())
    return Sequences(
        column,
        alphabet,
        letters,
        project.table.index,
        text,
        sequence_profiles.lengths(text),
        sequence_profiles.letter_counts(text, letters),
    )


def class_order(labels: pd.Series) -> list[str]:
    """The classes as the map colours them: most rows first, ties by name (so that the i-th
    class has the i-th colour of the palette in every figure of the page and the report)."""
    counts = labels.dropna().astype(str).value_counts()
    return sorted(counts.index, key=lambda c: (-int(counts[c]), c))


def sequence_stats(
    project: Project, seq: Sequences, df: pd.DataFrame, target: str | None
) -> list[SequenceClassStats]:
    """Lengths and composition of every row's sequence (label None), then of each class's
    (classification only; ``df`` holds the labelled rows)."""
    out = [_class_stats(seq, np.arange(len(seq.text)), None)]
    if target and project.study.question.task != "regression":
        pos = seq.rows(df)
        labels = df[target].astype(str).to_numpy()
        for label in class_order(df[target]):
            out.append(_class_stats(seq, pos[labels == label], label))
    return out


def _class_stats(seq: Sequences, pos: np.ndarray, label: str | None) -> SequenceClassStats:
    """Length quartiles and the pooled letter shares of the (non-empty) sequences at ``pos``."""
    pos = pos[seq.n_letters[pos] > 0]
    if not len(pos):
        return SequenceClassStats(label=label, n=0)
    q1, med, q3 = np.percentile(seq.n_letters[pos], [25, 50, 75])
    pooled = seq.counts[pos].sum(axis=0)
    total = float(pooled.sum())
    composition = {ch: round(float(pooled[i]) / total, 4) for i, ch in enumerate(seq.letters)}
    if pooled[-1]:
        composition["other"] = round(float(pooled[-1]) / total, 4)
    gc = sequence_profiles.gc_share(pooled, seq.letters) if seq.nucleic else None
    return SequenceClassStats(
        label=label,
        n=len(pos),
        length_q1=float(q1),
        length_median=float(med),
        length_q3=float(q3),
        composition=composition,
        gc=None if gc is None else round(gc, 4),
    )


def kmer_length(alphabet: str) -> int:
    """The k of the sequence map's k-mer profiles."""
    return MAP_K[alphabet]


def kmer_profiles(seq: Sequences, df: pd.DataFrame) -> np.ndarray:
    """The k-mer frequencies of ``df``'s rows' sequences, which the map is drawn from."""
    text = [seq.text[i] for i in seq.rows(df)]
    return sequence_profiles.kmer_frequencies(text, seq.letters, kmer_length(seq.alphabet))


def outlier_finding(seq: Sequences, outliers: list[int], rows: str) -> Finding:
    """Sequences unlike every other on the map (``rows``: the first of them, in words)."""
    k = kmer_length(seq.alphabet)
    return Finding(
        code="outlier-samples",
        severity="warning",
        step=STEP,
        message=f"{len(outliers)} sequence(s) have {k}-mer frequencies unlike "
        f"every other sequence's ({rows}).",
        fix="look them up: a repeat or low-complexity stretch, many ambiguous letters, "
        "a sequence of another organism or a vector is better found now than "
        "explained later.",
        detail={"rows": outliers},
    )


def shortcut_finding(
    sc: ShortcutCheck, section: ExploreSection, target: str, metric: str
) -> Finding:
    """Length alone or composition alone predicts the label: what a network could learn
    instead of the sequences' content, with the per-class figures that show it (``metric``: the
    score's name in words)."""
    column = sc.columns[0] if sc.columns else section.sequence_column
    classes = [c for c in section.sequence_stats if c.label is not None and c.n]
    score = f"{metric} {sc.score:.2f}; chance is {sc.chance:.2f}"
    if sc.source == "sequence_length":
        what = "length"
        per_class = ", ".join(f"'{c.label}' {c.length_median:,.0f}" for c in classes[:6])
        shown = f" Median length per class: {per_class}." if per_class else ""
        fix = (
            "trim or pad the sequences to one common length (or draw the other class's "
            "sequences with the same lengths), and compare every model with this length-only "
            "score: a model that does not beat it clearly has learned nothing beyond length."
        )
    else:
        what = "letter composition"
        shown = _composition_words(classes)
        fix = (
            "match the composition between the classes (background sequences drawn with the "
            "same GC content, or shuffled keeping their letter or dinucleotide counts), and "
            "compare every model with this composition-only score: a model that does not beat "
            "it clearly has learned the composition, not the sequences' content."
        )
    return Finding(
        code="sequence-length-predicts-label"
        if sc.source == "sequence_length"
        else "sequence-composition-predicts-label",
        severity="warning",
        step=STEP,
        message=(
            f"The label '{target}' can be predicted from the {what} of the sequences in "
            f"'{column}' alone ({score}).{shown} A network could learn the {what} instead of "
            "what the sequences say (motifs, their order and spacing)."
        ),
        fix=fix,
        columns=[column] if column else [],
        detail={"score": sc.score, "chance": sc.chance, "metric": sc.metric},
    )


def composition_gaps(classes: list[SequenceClassStats], limit: int = 3) -> list[str]:
    """The letters whose share differs most between the classes, largest gap first."""
    letters = {ch for c in classes for ch in c.composition if ch != "other"}
    gap = {
        ch: max(c.composition.get(ch, 0.0) for c in classes)
        - min(c.composition.get(ch, 0.0) for c in classes)
        for ch in letters
    }
    return sorted(gap, key=lambda ch: (-gap[ch], ch))[:limit]


def _composition_words(classes: list[SequenceClassStats]) -> str:
    """' GC content per class: 'a' 52%, 'b' 38%.' (nucleic acids), then the letters whose
    shares differ most between the classes."""
    if len(classes) < 2:
        return ""
    shown = classes[:6]
    words = ""
    if all(c.gc is not None for c in shown):
        words = " GC content per class: " + ", ".join(f"'{c.label}' {c.gc:.0%}" for c in shown)
        words += "."
    parts = [
        f"{ch} " + " / ".join(f"{c.composition.get(ch, 0.0):.0%}" for c in shown)
        for ch in composition_gaps(shown, 2)
    ]
    names = " / ".join(f"'{c.label}'" for c in shown)
    return words + f" The shares that differ most ({names}): " + "; ".join(parts) + "."


def shortcut_scores(
    seq: Sequences, df, y, task: str, groups, positive: str | None, seed: int
) -> list[metadata_only.ShortcutScore]:
    """Length alone, then letter composition alone (each letter's share, and the share of
    every other character), scored out of fold like the metadata check."""
    pos = seq.rows(df)
    n_letters = seq.n_letters[pos]
    inputs = {
        # An empty sequence has no length to speak of: missing, filled in inside each fold.
        "sequence_length": np.where(
            n_letters[:, None] > 0, sequence_profiles.length_features(n_letters), np.nan
        ),
        "sequence_composition": sequence_profiles.shares(seq.counts[pos]),
    }
    out = []
    for source, x in inputs.items():
        sc = metadata_only.shortcut_score(x, y, task, groups, source, [seq.column], positive, seed)
        if sc is not None:
            out.append(sc)
    return out


# -- what the page and the report show of the sequences ------------------------------------------
def _shown_stats(section: ExploreSection) -> list[SequenceClassStats]:
    """The classes' statistics (in the map's colour order), or all rows' for a numeric label."""
    classes = [c for c in section.sequence_stats if c.label is not None and c.n]
    return classes or [c for c in section.sequence_stats if c.label is None and c.n]


def _alphabet(study, column: str | None) -> str:
    found = [i.alphabet for i in (study.data.sequences if study.data else []) if i.column == column]
    return found[0] if found else "dna"


def sequence_figures(study) -> dict[str, dict] | None:
    """The arguments of the two sequence figures (``render.figures.sequences.lengths`` and
    ``.composition``), from the recorded section; None without sequences."""
    e = study.explore
    shown = _shown_stats(e) if e is not None else []
    if not shown:
        return None
    labels = [c.label if c.label is not None else "all sequences" for c in shown]
    letters = [ch for ch in shown[0].composition if ch != "other"]
    return {
        "lengths": {
            "labels": labels,
            "q1": [c.length_q1 for c in shown],
            "median": [c.length_median for c in shown],
            "q3": [c.length_q3 for c in shown],
            "unit": UNITS[_alphabet(study, e.sequence_column)],
        },
        "composition": {
            "letters": letters,
            "labels": labels,
            "shares": [[c.composition.get(ch, 0.0) for ch in letters] for c in shown],
            "gc": [c.gc for c in shown] if all(c.gc is not None for c in shown) else None,
        },
    }


def _range_words(c: SequenceClassStats) -> str:
    if c.length_q1 == c.length_q3:
        return f"{c.length_median:,.0f}"
    return f"{c.length_median:,.0f} (half between {c.length_q1:,.0f} and {c.length_q3:,.0f})"


def sequence_words(study) -> str:
    """The sequences' lengths and composition per class in plain words (page and report)."""
    e = study.explore
    shown = _shown_stats(e) if e is not None else []
    if not shown:
        return ""
    unit = UNITS[_alphabet(study, e.sequence_column)]
    every = next((c for c in e.sequence_stats if c.label is None), shown[0])
    named = [c for c in shown if c.label is not None]
    info = next((i for i in study.data.sequences if i.column == e.sequence_column), None)
    if info is not None and info.length_min == info.length_max:
        lengths = f"All {info.n:,} sequences are {info.length_max:,} {unit} long."
    elif named:
        lengths = f"Median length in {unit}: " + "; ".join(
            f"{c.label} {_range_words(c)}" for c in named
        )
        lengths += "."
    else:
        lengths = f"Median length: {_range_words(every)} {unit}."
    parts = [lengths]
    if named and all(c.gc is not None for c in named):
        parts.append("GC content: " + ", ".join(f"{c.label} {c.gc:.0%}" for c in named) + ".")
    elif every.gc is not None:
        parts.append(f"GC content: {every.gc:.0%}.")
    if len(named) >= 2:
        gaps = composition_gaps(named, 2)
        parts.append(
            "The letters whose shares differ most between the classes: "
            + "; ".join(
                f"{ch} (" + ", ".join(f"{c.composition.get(ch, 0.0):.0%}" for c in named) + ")"
                for ch in gaps
            )
            + "."
        )
    other = every.composition.get("other", 0.0)
    if other >= 0.001:
        parts.append(f"{other:.1%} of the letters are ambiguity codes or other characters.")
    return " ".join(parts)


def map_k(study) -> int:
    """The k of the recorded sequence map's k-mer profiles."""
    return kmer_length(_alphabet(study, study.explore.sequence_column))


def map_words(study) -> str:
    """What the map is drawn from, for sequences (empty otherwise)."""
    e = study.explore
    if e is None or not e.sequence_column:
        return ""
    k = map_k(study)
    return (
        f"The map places the sequences of '{e.sequence_column}' by their {k}-mer frequencies "
        f"(how often each run of {k} letters occurs): sequences with similar content lie "
        "close together."
    )
