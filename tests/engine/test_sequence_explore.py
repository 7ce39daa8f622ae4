"""Exploring sequences (issue 17, Tips 1, 4 and 7): lengths and composition per class, whether
length alone or composition alone predicts the label, and a map of the k-mer profiles.

What a user relies on: a planted length shortcut (positives longer) and a planted GC shortcut
are each reported, with the score, and only that one; random sequences of one length
distribution and one composition raise neither; the sequence column (whatever its name) is not
screened as a category of thousands of levels; the map, the outliers and the duplicates on
sequences make sense.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dlwizard.plan import load_plan, run_plan
from dlwizard.steps import explore
from dlwizard.study.project import Project
from tests.conftest import shared
from tests.engine.synthetic import project_from_frame, sample_names

LENGTH = "sequence-length-predicts-label"
COMPOSITION = "sequence-composition-predicts-label"


def _dna(rng: np.random.Generator, length: int, gc: float = 0.5) -> str:
    p = [(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2]  # A C G T
    return "".join(rng.choice(list("ACGT"), size=length, p=p))


def _table(
    n: int = 300,
    *,
    long_positives: bool = False,
    gc_positives: float = 0.5,
    seed: int = 0,
    column: str = "insert",
    label: str = "outcome",
) -> pd.DataFrame:
    """Binary 'bound' / 'unbound' DNA: lengths 80-120 and GC 50 % unless a trap is planted."""
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.r_[np.ones(n // 2, bool), np.zeros(n - n // 2, bool)])
    seqs = []
    for pos in y:
        length = int(rng.integers(80, 121))
        if long_positives:
            length += 30 if pos else -30
        seqs.append(_dna(rng, length, gc_positives if pos else 0.5))
    return pd.DataFrame(
        {"sample": sample_names(n), label: np.where(y, "bound", "unbound"), column: seqs}
    )


def _project(tmp_path, df: pd.DataFrame, target: str = "outcome", **kw) -> Project:
    project = project_from_frame(tmp_path, df, target=target, **kw)
    (info,) = project.study.data.sequences  # recognised from its values, whatever its name
    assert project.study.metadata.roles[info.column] == "feature"
    return project


def _codes(project: Project) -> set[str]:
    return {f.code for f in project.findings("explore")}


def _check(project: Project, source: str):
    found = [s for s in project.study.explore.shortcuts if s.source == source]
    assert len(found) == 1, project.study.explore.shortcuts
    return found[0]


def _finding(project: Project, code: str):
    found = [f for f in project.findings("explore") if f.code == code]
    assert len(found) == 1, _codes(project)
    return found[0]


# -- shortcuts -----------------------------------------------------------------------------------
def test_longer_positives_are_a_length_shortcut(tmp_path):
    project = _project(tmp_path, _table(long_positives=True))
    explore.run(project)
    length = _check(project, "sequence_length")
    assert length.above_chance and length.metric == "auroc" and length.score > 0.9
    assert length.columns == ["insert"] and length.chance == 0.5
    assert not _check(project, "sequence_composition").above_chance
    f = _finding(project, LENGTH)
    assert COMPOSITION not in _codes(project)
    # The message says the score, the medians per class and what a network could learn.
    assert f"AUROC {length.score:.2f}" in f.message and "'insert'" in f.message
    medians = {s.label: s.length_median for s in project.study.explore.sequence_stats}
    assert 120 < medians["bound"] < 140 and 60 < medians["unbound"] < 80
    assert f"'bound' {medians['bound']:.0f}, 'unbound' {medians['unbound']:.0f}" in f.message
    assert "network could learn the length" in f.message
    assert "pad" in f.fix and "compare every model" in f.fix
    assert f.columns == ["insert"] and f.detail["score"] == length.score


def test_gc_rich_positives_are_a_composition_shortcut(tmp_path):
    project = _project(tmp_path, _table(gc_positives=0.62, seed=1))
    explore.run(project)
    comp = _check(project, "sequence_composition")
    assert comp.above_chance and comp.score > 0.85
    assert not _check(project, "sequence_length").above_chance
    assert LENGTH not in _codes(project)
    f = _finding(project, COMPOSITION)
    assert "GC content per class" in f.message and "'bound' 62%" in f.message
    assert "'unbound' 50%" in f.message
    assert "composition" in f.fix and "compare every model" in f.fix


@pytest.mark.parametrize("seed", [2, 3])
def test_random_sequences_raise_no_sequence_shortcut(tmp_path, seed):
    """Same length distribution, same composition: neither check fires, nothing is an outlier,
    nothing is a near duplicate, and the sequences are not screened as a category."""
    project = _project(tmp_path, _table(seed=seed, column="Probe DNA", label="Group"), "Group")
    explore.run(project)
    e = project.study.explore
    for source in ("sequence_length", "sequence_composition"):
        check = _check(project, source)
        assert not check.above_chance and abs(check.score - 0.5) < 0.1, check
    assert not {LENGTH, COMPOSITION, "outlier-samples", "near-duplicates"} & _codes(project)
    assert e.outliers == [] and e.near_duplicates == [] and e.exact_duplicates == []
    assert all(r.column != "Probe DNA" for r in e.feature_screen)
    assert e.sequence_column == "Probe DNA" and e.n_features_used == 1
    assert e.label_effect.verdict == "weak"  # the map of random sequences shows no classes


# -- statistics and the map ----------------------------------------------------------------------
def test_statistics_per_class_and_for_all_rows(tmp_path):
    df = _table(gc_positives=0.7, long_positives=True, seed=4)
    project = _project(tmp_path, df)
    explore.run(project)
    stats = {s.label: s for s in project.study.explore.sequence_stats}
    assert list(stats) == [None, "bound", "unbound"]  # all rows first, then by size
    assert stats[None].n == len(df) and stats["bound"].n + stats["unbound"].n == len(df)
    lengths = df["insert"].str.len()
    pos = df["outcome"] == "bound"
    assert stats["bound"].length_median == float(np.median(lengths[pos]))
    assert stats["unbound"].length_q1 == float(np.percentile(lengths[~pos], 25))
    assert stats["bound"].gc == pytest.approx(0.7, abs=0.02)
    assert stats["unbound"].gc == pytest.approx(0.5, abs=0.02)
    comp = stats["unbound"].composition
    assert set(comp) == set("ACGT") and sum(comp.values()) == pytest.approx(1, abs=1e-3)


def test_the_map_is_drawn_from_kmer_profiles(tmp_path):
    """No numeric feature, yet a map: the k-mer frequencies of the sequences; redrawing a
    project without its stored map gives the same picture."""
    project = _project(tmp_path, _table(gc_positives=0.7, seed=5))
    emb = explore.run(project)
    e = project.study.explore
    assert emb is not None and emb.coords.shape == (300, 2) and len(e.explained_variance) >= 2
    # GC content is the main axis of variation: the classes part along it.
    assert e.label_effect is not None and e.label_effect.verdict != "weak"
    x = emb.coords[:, 0]
    pos = project.table.loc[explore.labelled_rows(project).index, "outcome"].eq("bound").to_numpy()
    assert abs(x[pos].mean() - x[~pos].mean()) > x.std()
    project.frames.pop(explore.MAP)
    df, again = explore.view(project, e.options)
    assert len(df) == 300 and np.allclose(np.abs(again.coords), np.abs(emb.coords))


def test_protein_and_ambiguous_letters(tmp_path):
    """Proteins: 2-mer map, composition per amino acid; hydrophobic-rich positives are a
    composition shortcut whose message names the letters that differ most."""
    rng = np.random.default_rng(6)
    letters = list("ACDEFGHIKLMNPQRSTVWY")
    rich = np.ones(20)
    rich[[letters.index(c) for c in "LIV"]] = 6
    n = 200
    y = np.arange(n) % 2 == 0
    seqs = [
        "".join(
            rng.choice(
                letters,
                int(rng.integers(60, 90)),
                p=(rich if p else np.ones(20)) / (rich if p else np.ones(20)).sum(),
            )
        )
        for p in y
    ]
    seqs[3] = seqs[3][:20] + "XX" + seqs[3][22:]
    df = pd.DataFrame(
        {"sample": sample_names(n), "binder": np.where(y, "yes", "no"), "peptide": seqs}
    )
    project = _project(tmp_path, df, target="binder")
    explore.run(project)
    stats = {s.label: s for s in project.study.explore.sequence_stats}
    assert stats[None].gc is None and "other" in stats[None].composition
    assert stats["yes"].composition["L"] > 2 * stats["no"].composition["L"]
    f = _finding(project, COMPOSITION)
    assert "GC" not in f.message and any(f"{c} " in f.message for c in "LIV")
    assert LENGTH not in _codes(project)


def test_a_numeric_label_gets_the_length_check_as_r2(tmp_path):
    rng = np.random.default_rng(7)
    n = 200
    lengths = rng.integers(50, 150, n)
    df = pd.DataFrame(
        {
            "sample": sample_names(n),
            "expression": lengths * 0.1 + rng.normal(0, 0.5, n),
            "utr": [_dna(rng, int(k)) for k in lengths],
        }
    )
    project = _project(tmp_path, df, target="expression", task="regression")
    explore.run(project)
    length = _check(project, "sequence_length")
    assert length.metric == "r2" and length.above_chance
    assert [s.label for s in project.study.explore.sequence_stats] == [None]
    assert "R²" in _finding(project, LENGTH).message


def test_sequences_beside_numbers_and_a_subject_column(tmp_path):
    """A numeric feature beside the sequences is still screened; the sequence checks run with
    the folds grouped by subject."""
    df = _table(long_positives=True, seed=8)
    df["donor"] = [f"D{i // 3:03d}" for i in range(len(df))]
    df["score"] = np.random.default_rng(8).normal(size=len(df))
    project = _project(
        tmp_path, df, roles={"donor": "subject", "score": "feature", "insert": "feature"}
    )
    explore.run(project)
    e = project.study.explore
    assert e.n_features_used == 2
    assert {r.column for r in e.feature_screen} <= {"score"}
    assert _check(project, "sequence_length").above_chance
    assert LENGTH in _codes(project)


# -- real data -----------------------------------------------------------------------------------
def test_splice_junctions(tmp_path):
    """3,190 DNA windows of 60 nt: length cannot predict anything; composition tells the three
    classes apart somewhat (exons are G-rich, the intron end before an acceptor C/T-rich), which
    is reported with the score and the letters; duplicates are identical sequences; the
    outliers are low-complexity repeats."""
    path = shared("splice_uci", "splice.csv")
    plan = tmp_path / "splice.toml"
    plan.write_text(
        f'[question]\ntarget = "Class"\n[data]\npath = "{path}"\n[metadata]\n[explore]\n'
    )
    project = run_plan(load_plan(plan), tmp_path)
    e = project.study.explore
    assert e.sequence_column == "Sequence" and e.feature_screen == []
    length = _check(project, "sequence_length")
    assert length.score == pytest.approx(1 / 3, abs=0.01) and not length.above_chance
    comp = _check(project, "sequence_composition")
    assert comp.above_chance and comp.metric == "balanced_accuracy"
    f = _finding(project, COMPOSITION)
    assert "GC content per class" in f.message and "G " in f.message
    assert "identical sequences in 'Sequence'" in _finding(project, "exact-duplicates").message
    assert e.near_duplicates == []
    table = project.table
    for row in e.outliers:
        seq = table.at[row, "Sequence"]
        # A repeat: few distinct 3-mers for 58 positions.
        assert len({seq[i : i + 3] for i in range(58)}) < 40, seq
