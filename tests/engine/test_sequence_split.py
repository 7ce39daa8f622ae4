"""The homology-aware split (Tip 7): similar sequences never straddle training and test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlwizard.ml import sequence_similarity
from dlwizard.steps import split
from dlwizard.study import container
from dlwizard.study.model import SplitOptions
from tests.engine.synthetic import project_from_frame


def _mutate(seq: str, share: float, rng: np.random.Generator) -> str:
    letters = list(seq)
    for i in rng.choice(len(letters), int(share * len(letters)), replace=False):
        letters[i] = rng.choice([b for b in "ACGT" if b != letters[i]])
    return "".join(letters)


def families_table(n_families: int = 40, per_family: int = 4, seed: int = 0) -> pd.DataFrame:
    """Families of near-identical sequences (3 % apart), each family one class."""
    rng = np.random.default_rng(seed)
    rows = []
    for f in range(n_families):
        root = "".join(rng.choice(list("ACGT"), 150))
        for j in range(per_family):
            rows.append(
                {
                    "sample": f"f{f}_{j}",
                    "dna": _mutate(root, 0.03, rng),
                    "label": "a" if f % 2 else "b",
                }
            )
    return pd.DataFrame(rows).sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _identity_across(project, which: str) -> float:
    s = project.study.split
    table = project.table_before_split()
    query = table.loc[getattr(s, which), "dna"].tolist()
    ref = table.loc[s.train, "dna"].tolist()
    best, _ = sequence_similarity.max_identity(query, ref, "dna", s.sequence_groups.k)
    return float(best.max())


def test_near_identical_sequences_stay_in_one_set(tmp_path: Path):
    project = project_from_frame(tmp_path, families_table())
    split.run(project)
    groups = project.study.split.sequence_groups
    assert groups is not None and groups.column == "dna" and groups.identity == 0.9
    assert groups.n_clusters == 40  # the planted families, found from the sequences alone
    assert groups.max_test_identity is not None and groups.max_test_identity < 0.9
    assert _identity_across(project, "test") < 0.9
    assert _identity_across(project, "tune") < 0.9
    codes = {f.code for f in project.findings("split")}
    assert "sequence-clusters" in codes and "similar-sequences-across-sets" not in codes
    again = container.load(container.save(project, tmp_path / "s.dlwiz"))
    assert again.study.split.sequence_groups == groups


def test_unrelated_sequences_are_not_grouped(tmp_path: Path):
    rng = np.random.default_rng(4)
    df = pd.DataFrame(
        {
            "sample": [f"s{i}" for i in range(120)],
            "reads": ["".join(rng.choice(list("ACGT"), 100)) for _ in range(120)],
            "label": ["x", "y"] * 60,
        }
    )
    project = project_from_frame(tmp_path, df)
    split.run(project)
    groups = project.study.split.sequence_groups
    assert groups.n_clusters == 120 and groups.largest == 1
    assert groups.max_test_identity < 0.5


def test_the_threshold_is_the_users(tmp_path: Path):
    project = project_from_frame(tmp_path, families_table(n_families=20))
    # At 99 % identity the 3 %-apart family members are no longer kept together, and the
    # split says how close the test sequences then are to the training ones.
    split.run(project, SplitOptions(sequence_identity=0.99))
    groups = project.study.split.sequence_groups
    assert groups.identity == 0.99 and groups.n_clusters > 20
    assert groups.max_test_identity > 0.85
    message = next(f.message for f in project.findings("split") if f.code == "sequence-clusters")
    assert f"{groups.max_test_identity:.1%}" in message


def test_tables_without_sequences_have_no_homology_groups(tmp_path: Path):
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {"sample": [f"s{i}" for i in range(60)], "g1": rng.normal(size=60),
         "g2": rng.normal(size=60), "label": ["x", "y"] * 30}
    )  # fmt: skip
    project = project_from_frame(tmp_path, df)
    split.run(project)
    assert project.study.split.sequence_groups is None


@pytest.mark.parametrize("identity", [0.4, 1.5])
def test_an_identity_outside_its_range_is_refused(identity):
    with pytest.raises(ValueError):
        SplitOptions(sequence_identity=identity)


def test_a_held_out_site_that_cuts_clusters_is_reported(tmp_path: Path):
    df = families_table(n_families=30)
    df["site"] = ["A", "B", "C"] * (len(df) // 3)  # every family spans the sites
    project = project_from_frame(tmp_path, df, roles={"site": "batch"})
    split.run(project, SplitOptions(hold_out_column="site", hold_out_values=["C"]))
    found = [f for f in project.findings("split") if f.code == "similar-sequences-across-sets"]
    assert found and found[0].severity == "warning"
    assert "test sequence(s)" in found[0].message and found[0].detail["rows"]


def test_near_identical_sequences_with_different_labels_are_reported(tmp_path: Path):
    df = families_table(n_families=30)
    first_family = df["sample"].str.startswith("f0_")
    df.loc[first_family, "label"] = ["a", "b"] * (int(first_family.sum()) // 2)
    project = project_from_frame(tmp_path, df)
    split.run(project)
    found = [f for f in project.findings("split") if f.code == "similar-sequences-different-labels"]
    assert found and len(found[0].detail["clusters"]) == 1
    assert sorted(found[0].detail["clusters"][0]) == sorted(int(i) for i in df.index[first_family])
    (tmp_path / "clean").mkdir()
    clean = project_from_frame(tmp_path / "clean", families_table(n_families=30))
    split.run(clean)
    assert "similar-sequences-different-labels" not in {f.code for f in clean.findings("split")}
