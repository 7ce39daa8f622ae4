"""Sequences as features: k-mer profiles for the baselines, searched with the same budget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlwizard.ml.models import KMER_RANGES
from dlwizard.steps import baselines, modelling, split
from dlwizard.study import container
from dlwizard.study.model import BaselineOptions
from tests.engine.synthetic import project_from_frame

FAST = BaselineOptions(
    families=["logistic", "naive_bayes"], trials=3, seconds_per_family=60, permutations=0,
    bootstrap=100,
)  # fmt: skip
MOTIF = "TATAAT"


def motif_table(n: int = 240, length: int = 80, seed: int = 0) -> pd.DataFrame:
    """Random DNA; the positive class carries a motif at a random position."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        seq = list(rng.choice(list("ACGT"), length))
        label = "yes" if i % 2 else "no"
        if label == "yes":
            at = int(rng.integers(0, length - len(MOTIF)))
            seq[at : at + len(MOTIF)] = MOTIF
        rows.append({"sample": f"s{i}", "reads": "".join(seq), "label": label})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tuned(tmp_path_factory) -> modelling.Project:
    tmp = tmp_path_factory.mktemp("seq")
    project = project_from_frame(tmp, motif_table())
    split.run(project)
    baselines.run(project, FAST)
    return project


def test_a_sequence_column_is_the_feature_the_models_read(tuned):
    p = modelling.prepare(tuned)
    assert p.sequence == "reads" and p.alphabet == "dna"
    assert "reads" not in p.numeric + p.categorical
    assert list(p.x_train.columns) == p.columns


def test_kmer_baselines_find_a_planted_motif(tuned):
    results = {r.key: r for r in tuned.study.baselines.results}
    logistic = results["logistic"]
    low, high = KMER_RANGES["dna"][1:3]
    assert low <= logistic.best_params["kmer_k"] <= high
    assert logistic.best_params["sequence"] == "reads"
    # A six-letter motif in half the sequences: k-mer counts separate the classes.
    assert logistic.tune.metrics["auroc"].value > 0.75
    # Every family spent its whole trial budget: the k-mer length is one more setting searched.
    assert all(e.trials_used == FAST.trials for e in tuned.study.baselines.ledger)


def test_a_sequence_baseline_refits_and_reopens(tuned, tmp_path: Path):
    model = modelling.refit(tuned, "logistic")  # raises if the recorded settings drifted
    assert model.named_steps["prepare"].transformers_[0][0] == "kmers"
    path = container.save(tuned, tmp_path / "seq.dlwiz")
    again = container.load(path)
    assert again.study.baselines.results[0].best_params == (
        tuned.study.baselines.results[0].best_params
    )
    modelling.refit(again, "logistic")


def test_a_missing_sequence_is_read_as_empty(tmp_path: Path):
    df = motif_table(n=120, seed=1)
    df.loc[[3, 10], "reads"] = None
    project = project_from_frame(tmp_path, df)
    split.run(project)
    p = modelling.prepare(project)
    assert not p.x_train["reads"].isna().any()


def test_length_and_composition_controls_sit_beside_the_baselines(tuned):
    controls = {c.kind: c for c in tuned.study.baselines.controls}
    assert {"sequence_length", "sequence_composition"} <= set(controls)
    # Every sequence has the same length and a random composition: neither explains the label,
    # while the k-mer models do.
    length = controls["sequence_length"].tune.metrics["auroc"].value
    best = max(r.tune.metrics["auroc"].value for r in tuned.study.baselines.results)
    assert length < best - 0.1
    codes = {f.code for f in tuned.findings("baselines")}
    assert "sequence-control-close-to-best" not in codes


def test_a_composition_shortcut_is_called_out_against_the_baselines(tmp_path: Path):
    rng = np.random.default_rng(2)
    rows = []
    for i in range(200):
        label = "yes" if i % 2 else "no"
        weights = [0.15, 0.35, 0.35, 0.15] if label == "yes" else [0.35, 0.15, 0.15, 0.35]
        seq = "".join(rng.choice(list("ACGT"), 80, p=weights))
        rows.append({"sample": f"s{i}", "reads": seq, "label": label})
    project = project_from_frame(tmp_path, pd.DataFrame(rows))
    split.run(project)
    baselines.run(project, FAST)
    found = [f for f in project.findings("baselines") if f.code == "sequence-control-close-to-best"]
    assert found and "letter composition" in found[0].message
