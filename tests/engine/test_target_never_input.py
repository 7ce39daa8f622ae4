"""The answer column is never an input, whatever the order of the answers (issue 12).

A field-biology-like table: the species is the target, with a collection site, an animal ID that
repeats across sites, a date, a running sample number and free-text comments. Column names are
varied so nothing rests on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dlwizard.errors import StepError
from dlwizard.steps import data, explore, metadata, modelling, question, split
from dlwizard.study.model import ImportOptions, SplitOptions
from dlwizard.study.project import Project


def field_table(names: dict[str, str] | None = None, n: int = 240, seed: int = 0) -> pd.DataFrame:
    """Three species; species C lives at one site only. Animals are caught at several sites."""
    rng = np.random.default_rng(seed)
    site = rng.choice(["north", "south", "east"], size=n)
    species = np.where(site == "east", "C", rng.choice(["A", "B"], size=n))
    animal = [f"M{rng.integers(0, 40):02d}" for _ in range(n)]
    x = rng.normal(size=(n, 4))
    x[:, 0] += (species == "A") * 1.5
    x[:, 1] += (species == "C") * 1.5
    df = pd.DataFrame(
        {
            "sample_no": np.arange(1, n + 1),
            "species": species,
            "site": site,
            "animal": animal,
            "date": pd.to_datetime("2021-03-01")
            + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "bill": x[:, 0],
            "wing": x[:, 1],
            "mass": x[:, 2],
            "tail": x[:, 3],
        }
    )
    return df.rename(columns=names or {})


RENAMES = [
    None,
    {"species": "outcome_x", "site": "locality", "animal": "tag", "bill": "v1", "wing": "v2"},
]


def _import(tmp_path, df: pd.DataFrame) -> Project:
    path = tmp_path / "field.csv"
    df.to_csv(path, index=False)
    project = Project.new("field")
    data.run(project, ImportOptions(paths=[str(path)], transpose="no"))
    return project


def _features(project: Project) -> list[str]:
    return [c for c, r in project.study.metadata.roles.items() if r == "feature"]


@pytest.mark.parametrize("names", RENAMES)
def test_target_chosen_after_the_metadata_step_is_never_a_feature(tmp_path, names):
    df = field_table(names)
    target = (names or {}).get("species", "species")
    project = _import(tmp_path, df)
    # The path the question page recommends: import first, roles suggested without a target...
    metadata.apply(project)
    assert target in _features(project)  # without a target, the label looks like a measurement
    # ...then back to the question to choose the target.
    question.apply(project, target=target)
    roles = project.study.metadata.roles
    assert roles[target] == "target"
    assert target not in _features(project)
    # The import does not depend on the target: it stays done; the roles were reviewed again.
    assert project.is_done("data") and project.is_done("metadata")
    explore.run(project)
    split.run(project, SplitOptions(seed=3))
    p = modelling.prepare(project)
    assert target not in p.numeric + p.categorical


def test_changing_the_target_gives_the_old_one_a_plain_role(tmp_path):
    df = field_table()
    df["other_label"] = np.where(df["mass"] > 0, "heavy", "light")
    project = _import(tmp_path, df)
    question.apply(project, target="other_label")
    metadata.apply(project)
    assert project.study.metadata.roles["other_label"] == "target"
    question.apply(project, target="species")
    roles = project.study.metadata.roles
    assert roles["species"] == "target"
    assert roles["other_label"] != "target"
    assert [c for c, r in roles.items() if r == "target"] == ["species"]


def test_a_user_role_choice_survives_a_target_change(tmp_path):
    project = _import(tmp_path, field_table())
    metadata.apply(project, roles={"mass": "ignore"})
    question.apply(project, target="species")
    assert project.study.metadata.roles["mass"] == "ignore"


def test_target_set_as_input_is_refused_before_explore_split_and_training(tmp_path):
    project = _import(tmp_path, field_table())
    question.apply(project, target="species")
    metadata.apply(project)
    split.run(project, SplitOptions(seed=1))
    # Whatever path leads there (an old project, an edit through the API), a label among the
    # inputs is refused with a message that says what to do.
    project.study.metadata.roles["species"] = "feature"
    for action in (
        lambda: explore.compute(project),
        lambda: split.run(project, SplitOptions(seed=1)),
        lambda: modelling.prepare(project),
    ):
        with pytest.raises(StepError, match="species") as err:
            action()
        assert "question page" in err.value.fix


def test_without_a_target_the_later_steps_point_back_to_the_question(tmp_path):
    project = _import(tmp_path, field_table())
    assert [f.code for f in project.errors("question")] == ["target-not-set"]
    metadata.apply(project)
    for action in (lambda: explore.compute(project), lambda: split.run(project)):
        with pytest.raises(StepError, match=r"no target is chosen.*The question"):
            action()


def test_a_new_import_must_be_reviewed_before_exploring(tmp_path):
    project = _import(tmp_path, field_table())
    question.apply(project, target="species")
    metadata.apply(project)
    path = tmp_path / "second.csv"
    field_table(seed=5).assign(extra=1.0).to_csv(path, index=False)
    data.run(project, ImportOptions(paths=[str(path)], transpose="no"))
    assert not project.is_done("metadata")
    with pytest.raises(StepError, match="roles have not been reviewed"):
        explore.compute(project)


@pytest.mark.parametrize("names", RENAMES)
def test_holding_out_the_only_site_of_a_class_is_a_must_fix_with_a_way_out(tmp_path, names):
    df = field_table(names)
    n = names or {}
    target, site, animal = (n.get(c, c) for c in ("species", "site", "animal"))
    project = _import(tmp_path, df)
    question.apply(project, target=target)
    metadata.apply(project, roles={animal: "subject", site: "batch"})
    split.run(project, SplitOptions(seed=2, hold_out_column=site, hold_out_values=["east"]))
    codes = {f.code: f for f in project.findings("split")}
    missing = codes["class-missing-from-training"]
    assert missing.severity == "error" and "'C'" in missing.message
    assert f"hold out another {site}" in missing.fix
    # Animals caught at the held-out site and elsewhere: their other rows leave training, so
    # there is nothing the user cannot fix (no "group by subject" demand while it is on).
    assert "subjects-across-sets" not in codes
    assert "holdout-subjects-left-out" in codes
    sp = project.study.split
    test_animals = set(df.loc[sp.test, animal])
    trained = set(df.loc[sp.train + sp.tune, animal])
    assert not test_animals & trained
    assert sp.left_out and not set(sp.left_out) & set(sp.train + sp.tune + sp.test)
    # Holding out a site where every class also lives elsewhere: no must-fix.
    split.run(project, SplitOptions(seed=2, hold_out_column=site, hold_out_values=["north"]))
    assert not project.errors("split")


def test_a_random_split_covers_every_class_silently(tmp_path):
    project = _import(tmp_path, field_table())
    question.apply(project, target="species")
    metadata.apply(project)
    split.run(project, SplitOptions(seed=4))
    codes = {f.code for f in project.findings("split")}
    assert not codes & {"class-missing-from-training", "class-missing-from-set"}


def test_metadata_missing_names_the_candidates_and_stays_plain_without_them(tmp_path):
    project = _import(tmp_path, field_table({"site": "locality", "animal": "tag"}))
    question.apply(project, target="species")
    metadata.apply(project, roles={"locality": "feature", "tag": "feature", "date": "feature"})
    finding = next(f for f in project.findings("metadata") if f.code == "metadata-missing")
    assert "No column has the batch or subject role" in finding.message
    assert "'tag'" in finding.message and "'date'" in finding.message
    # A clean numeric table with nothing that looks like metadata: the plain statement.
    clean = _import(tmp_path, field_table()[["species", "bill", "wing", "mass"]])
    question.apply(clean, target="species")
    metadata.apply(clean)
    finding = next(f for f in clean.findings("metadata") if f.code == "metadata-missing")
    assert "none looks like one" in finding.message
    assert clean.study.metadata.role_candidates == {}


def test_a_thrown_away_split_takes_its_checks_with_it(tmp_path):
    project = _import(tmp_path, field_table())
    question.apply(project, target="species")
    metadata.apply(project, roles={"animal": "subject", "site": "batch"})
    split.run(project, SplitOptions(seed=2, hold_out_column="site", hold_out_values=["east"]))
    assert project.errors("split")
    metadata.apply(project, roles={"sample_no": "ignore"})  # new roles: the split is gone
    assert project.study.split is None and project.findings("split") == []
