"""Step 4, explore: duplicates, missingness, batch effects and shortcuts, planted and real.

The synthetic studies plant one trap each and a control without it, so every check must fire on
the trap and stay quiet on the control. The real data sets (../shared/data, skipped when absent)
carry traps their README documents.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dlwizard.errors import Cancelled, StepError
from dlwizard.jobs import Job
from dlwizard.plan import load_plan, run_plan
from dlwizard.steps import explore
from dlwizard.study.model import ExploreOptions
from dlwizard.study.project import Project
from tests.conftest import shared
from tests.engine.synthetic import cohort, plant_duplicates, project_from_frame


def _codes(project: Project, step: str | None = None) -> list[str]:
    return [f.code for f in project.findings(step)]


def _finding(project: Project, code: str):
    found = [f for f in project.findings() if f.code == code]
    assert len(found) == 1, f"expected one '{code}', got {_codes(project)}"
    return found[0]


def _shortcut(project: Project, source: str):
    found = [s for s in project.study.explore.shortcuts if s.source == source]
    assert len(found) == 1, project.study.explore.shortcuts
    return found[0]


# -- duplicates ------------------------------------------------------------------------------------
def test_exact_and_near_duplicates_are_found(tmp_path):
    df = cohort(200)
    exact, near, control = plant_duplicates(df, n_exact=3, n_near=3)
    project = project_from_frame(tmp_path, df)
    explore.run(project)
    e = project.study.explore
    assert sorted(e.exact_duplicates) == sorted(exact)
    assert sorted(e.near_duplicates) == sorted(near)
    grouped = [set(g) for g in e.exact_duplicates + e.near_duplicates]
    assert not any(set(control) <= g for g in grouped), "a 2nd-digit difference is not rounding"
    assert _finding(project, "exact-duplicates").detail["groups"] == e.exact_duplicates
    assert _finding(project, "near-duplicates").severity == "warning"
    # The message names the samples by their IDs, as the user knows them.
    first = e.exact_duplicates[0]
    assert df.at[first[0], "sample"] in _finding(project, "exact-duplicates").message


def test_no_duplicates_no_warning(tmp_path):
    project = project_from_frame(tmp_path, cohort(120))
    explore.run(project)
    assert project.study.explore.exact_duplicates == []
    assert project.study.explore.near_duplicates == []
    assert not {"exact-duplicates", "near-duplicates"} & set(_codes(project))


def test_duplicates_of_text_features(tmp_path):
    """Rows with no numeric feature are not all 'identical': text features count too."""
    df = cohort(60)[["sample", "label"]]
    rng = np.random.default_rng(3)
    df["sequence"] = ["".join(rng.choice(list("ACGT"), 20)) for _ in range(len(df))]
    df.loc[41, "sequence"] = df.loc[7, "sequence"]
    project = project_from_frame(tmp_path, df, roles={"sequence": "feature"})
    section, _, _ = explore.compute(project)
    assert section.exact_duplicates == [[7, 41]]
    # With no feature at all, nothing can be called a duplicate.
    project = project_from_frame(tmp_path, df, roles={"sequence": "ignore"}, name="none")
    section, _, _ = explore.compute(project)
    assert section.exact_duplicates == [] and section.near_duplicates == []


# -- missing values --------------------------------------------------------------------------------
def _with_holes(label_dependent: bool, seed: int = 0):
    df = cohort(240, seed=seed, label_shift=0.0)
    rng = np.random.default_rng(seed + 10)
    case = (df["label"] == "case").to_numpy()
    # Same amount of missing values either way; only who misses them differs.
    p = np.where(case, 0.6, 0.1) if label_dependent else np.full(len(df), 0.35)
    for col in ("g2", "g3"):
        df.loc[rng.random(len(df)) < p, col] = np.nan
    return df


def test_missingness_that_depends_on_the_label_is_flagged(tmp_path):
    project = project_from_frame(tmp_path, _with_holes(label_dependent=True))
    explore.run(project)
    sc = _shortcut(project, "missingness")
    assert sc.metric == "auroc" and sc.chance == 0.5
    assert sc.above_chance and sc.score > 0.65
    assert set(sc.columns) == {"g2", "g3"}
    warning = _finding(project, "missingness-predicts-label")
    assert warning.detail["score"] == sc.score
    assert _finding(project, "missing-values").columns[:2] in (["g2", "g3"], ["g3", "g2"])


def test_missingness_at_random_is_not_flagged(tmp_path):
    project = project_from_frame(tmp_path, _with_holes(label_dependent=False))
    explore.run(project)
    assert not _shortcut(project, "missingness").above_chance
    assert "missingness-predicts-label" not in _codes(project)
    assert "missing-values" in _codes(project)  # the holes are still reported
    assert project.study.explore.missing_share == pytest.approx(
        project.table[[f"g{j}" for j in range(8)]].isna().to_numpy().mean()
    )


def test_samples_mostly_missing(tmp_path):
    df = cohort(60)
    df.loc[[5, 17], ["g0", "g1", "g2", "g3", "g4"]] = np.nan  # 5 of 8 features
    project = project_from_frame(tmp_path, df)
    explore.run(project)
    assert project.study.explore.rows_mostly_missing == [5, 17]
    assert _finding(project, "samples-mostly-missing").detail["rows"] == [5, 17]


def test_class_imbalance(tmp_path):
    project = project_from_frame(tmp_path, cohort(200, positive_share=0.1))
    explore.run(project)
    warning = _finding(project, "class-imbalance")
    assert warning.detail["class"] == "case"
    assert warning.detail["share"] == pytest.approx(0.1)
    balanced = project_from_frame(tmp_path, cohort(200), name="balanced")
    explore.run(balanced)
    assert "class-imbalance" not in _codes(balanced)


# -- batch effects and shortcuts -------------------------------------------------------------------
def test_a_planted_batch_effect_is_ranked_first(tmp_path):
    n, rng = 160, np.random.default_rng(5)
    df = cohort(n, n_features=20, label_shift=0.8)
    plate = rng.integers(0, 4, n)
    run = rng.integers(0, 3, n)
    features = [f"g{j}" for j in range(20)]
    # The plate moves every feature a lot, the run a little, the operator not at all.
    df[features] += rng.normal(0, 2.5, (4, 20))[plate] + rng.normal(0, 0.3, (3, 20))[run]
    df["plate"] = [f"plate {p}" for p in plate]
    df["run"] = [f"run {r}" for r in run]
    df["operator"] = rng.choice(["ana", "ben"], n)
    roles = {"plate": "batch", "run": "batch", "operator": "batch"}
    project = project_from_frame(tmp_path, df, roles=roles)
    explore.run(project)
    e = project.study.explore
    ranked = [b.column for b in e.batch_effects]
    assert ranked[0] == "plate", ranked
    shares = [b.pc_variance_share for b in e.batch_effects]
    assert shares == sorted(shares, reverse=True)
    plate_effect = e.batch_effects[0]
    assert plate_effect.verdict == "strong" and plate_effect.n_groups == 4
    assert plate_effect.pc_variance_share > e.label_effect.pc_variance_share
    assert {b.column: b.verdict for b in e.batch_effects}["operator"] == "weak"
    stronger = _finding(project, "batch-stronger-than-label")
    assert stronger.columns == ["plate"]
    assert stronger.detail["label_score"] == e.label_effect.pc_variance_share
    flagged = {c for f in project.findings("explore") for c in f.columns}
    assert "operator" not in flagged


def _sites(confounded: bool, seed: int = 0):
    n, rng = 240, np.random.default_rng(seed)
    df = cohort(n, seed=seed)
    case = (df["label"] == "case").to_numpy()
    if confounded:  # most cases come from one hospital
        at_north = rng.random(n) < np.where(case, 0.85, 0.15)
    else:
        at_north = rng.random(n) < 0.5
    df["site"] = np.where(at_north, "north", "south")
    return df


def test_metadata_that_predicts_the_label_is_flagged(tmp_path):
    project = project_from_frame(tmp_path, _sites(confounded=True), roles={"site": "batch"})
    assert "batch-label-association" in _codes(project, "metadata")
    explore.run(project)
    sc = _shortcut(project, "metadata")
    assert sc.columns == ["site"] and sc.above_chance and sc.score > 0.75
    assert _finding(project, "metadata-predicts-label").columns == ["site"]


def test_metadata_unrelated_to_the_label_is_not_flagged(tmp_path):
    project = project_from_frame(tmp_path, _sites(confounded=False), roles={"site": "batch"})
    explore.run(project)
    assert not _shortcut(project, "metadata").above_chance
    assert "metadata-predicts-label" not in _codes(project)


def test_regression_target(tmp_path):
    df = cohort(150)
    df["age"] = 40 + 10 * df["g0"] + np.random.default_rng(2).normal(0, 3, len(df))
    df = df.drop(columns="label")
    project = project_from_frame(tmp_path, df, target="age", task="regression")
    explore.run(project)
    e = project.study.explore
    assert e.label_effect is not None and e.label_effect.role == "target"
    assert e.n_features_used == 8


# -- the step as a whole ---------------------------------------------------------------------------
def test_explore_is_reproducible_and_recorded(tmp_path):
    df = _sites(confounded=True)
    project = project_from_frame(tmp_path, df, roles={"site": "batch"})
    first = explore.run(project, ExploreOptions(seed=3))
    again, _, emb = explore.compute(project, ExploreOptions(seed=3))
    assert np.allclose(first.coords, emb.coords)
    recorded = project.study.explore
    assert recorded.options.seed == 3
    assert again.model_dump(exclude={"done_at"}) == recorded.model_dump(exclude={"done_at"})
    assert project.is_done("explore")
    assert project.log[-1].action == "explored"
    assert emb.coords.shape == (len(df), 2)


def test_explore_needs_metadata():
    with pytest.raises(StepError):
        explore.compute(Project.new())


def test_cancelled_explore_changes_nothing(tmp_path):
    project = project_from_frame(tmp_path, cohort(80))
    before = project.study.model_dump()
    job = Job(lambda fraction, _msg: job.cancel() if fraction > 0.3 else None)
    with pytest.raises(Cancelled):
        explore.run(project, job=job)
    assert project.study.model_dump() == before


# -- real data -------------------------------------------------------------------------------------
def _run(tmp: Path, text: str) -> Project:
    plan_file = tmp / "plan.toml"
    plan_file.write_text(text, "utf-8")
    return run_plan(load_plan(plan_file), base=plan_file.parent)


@pytest.mark.shared_data
def test_heart_disease_site_is_a_shortcut(tmp_path):
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    project = _run(
        tmp_path,
        f"""
[question]
target = "disease"
[data]
path = '{path}'
[metadata]
roles = {{ target = "ignore" }}
[explore]
""",
    )
    assert _finding(project, "batch-label-association").columns == ["site"]
    # README: the site alone predicts disease (AUC about 0.70), and so does missingness (0.75).
    site = _shortcut(project, "metadata")
    assert site.columns == ["site"] and site.metric == "auroc" and site.score > 0.6
    assert _finding(project, "metadata-predicts-label").columns == ["site"]
    missing = _shortcut(project, "missingness")
    assert missing.above_chance and missing.score > 0.6
    assert "missingness-predicts-label" in _codes(project, "explore")
    # The site, and age and sex (sensitive: kept out of the model, scored as groups).
    assert [b.column for b in project.study.explore.batch_effects] == ["site", "age", "sex"]
    assert project.study.explore.n_rows == 920
    assert "feature-reveals-label" not in _codes(project)  # 'target' is ignored


@pytest.mark.shared_data
def test_heart_disease_severity_score_reveals_the_label(tmp_path):
    """'disease' is 'target > 0': the 0-4 score is the label in disguise. Its values show it, so
    it is set aside with a warning; given the feature role by hand, it is warned about again."""
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    plan = f"[question]\ntarget = 'disease'\n[data]\npath = '{path}'\n[metadata]"
    project = _run(tmp_path, plan)
    assert project.study.metadata.roles["target"] == "ignore"
    assert _finding(project, "label-in-another-column").columns == ["target"]
    project = _run(tmp_path, plan + "\nroles = {target = 'feature'}")
    assert project.study.metadata.roles["target"] == "feature"
    assert _finding(project, "feature-reveals-label").columns == ["target"]


@pytest.mark.shared_data
def test_gse5859_processing_date_is_confounded(tmp_path):
    path = shared("GSE5859Subset", "GSE5859Subset_samples_x_genes.csv")
    project = _run(tmp_path, f"[question]\ntarget = 'group'\n[data]\npath = '{path}'\n[explore]")
    assert _finding(project, "batch-label-association").columns == ["date"]
    by_date = [
        f
        for f in project.findings("explore")
        if f.code in ("batch-stronger-than-label", "metadata-predicts-label")
        and f.columns == ["date"]
    ]
    assert by_date, _codes(project)
    e = project.study.explore
    assert e.batch_effects[0].column == "date"
    assert e.batch_effects[0].pc_variance_share > e.label_effect.pc_variance_share
    # 8,793 genes of 24 samples: every value is unique, which does not make a gene the label.
    assert "feature-reveals-label" not in _codes(project)
    assert e.n_features_used == 8793


@pytest.mark.shared_data
def test_stemcells_study_is_the_strongest_batch(tmp_path):
    path = shared("stemcells", "stemcells.csv")
    project = _run(tmp_path, f"[question]\ntarget = 'celltype'\n[data]\npath = '{path}'\n[explore]")
    e = project.study.explore
    strongest = e.batch_effects[0]
    assert strongest.column == "study" and strongest.n_groups == 4
    assert strongest.verdict == "strong"
    assert strongest.pc_variance_share > e.label_effect.pc_variance_share
    assert strongest.silhouette > e.label_effect.silhouette
    assert _finding(project, "batch-stronger-than-label").columns == ["study"]


def test_the_map_is_stored_and_a_reopened_project_draws_it_without_computing(tmp_path):
    """The map of the samples is saved with the project: reopening draws the explored map at
    once (the pages are not locked while it is computed again), and after the split it shows
    the rows still in the table, at the coordinates the exploration gave them."""
    from dlwizard.steps import split
    from dlwizard.study import container

    project = project_from_frame(tmp_path, cohort(120))
    emb = explore.run(project, ExploreOptions(seed=3))
    path = container.save(project, tmp_path / "p.dlwiz")
    reopened = container.load(path)
    df, stored = explore.stored_view(reopened)
    assert np.array_equal(stored.coords, emb.coords)
    assert list(df.index) == list(explore.labelled_rows(project).index)
    assert stored.explained == project.study.explore.explained_variance
    assert explore.view(reopened, reopened.study.explore.options)[1].coords is not None

    split.run(reopened)
    df2, after = explore.stored_view(reopened)
    assert set(df2.index) == set(reopened.table.index)  # no sealed test row is drawn
    where = {r: i for i, r in enumerate(df.index)}
    assert np.array_equal(after.coords, emb.coords[[where[r] for r in df2.index]])
