"""The single-feature screen of the explore step (Tips 4 and 7), planted traps and clean tables.

Every trap is a table built here (fixed seeds) with one column that a careful analyst would
catch in the first ten minutes, and the finding code it must produce, also with every column
renamed to a neutral name (c1, c2, ...): the screen judges values, names are only a hint. The
clean tables (real biomarkers, random wide matrices) must produce none of its codes. The step
is driven as a user drives it: question, data import, metadata roles, explore.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from dlwizard.errors import Cancelled
from dlwizard.jobs import Job
from dlwizard.ml import (
    shortcut_categories,
    shortcut_numbers,
    shortcut_screen,
    single_feature_models,
)
from dlwizard.plan import load_plan, run_plan
from dlwizard.steps import explore
from dlwizard.study.project import Project
from tests.conftest import shared
from tests.engine.synthetic import cohort, project_from_frame, sample_names

SCREEN_CODES = {"single-feature-shortcut", "possible-confounder", "follow-up-time"}


def _codes(project: Project, step: str = "explore") -> list[str]:
    return [f.code for f in project.findings(step)]


def _finding(project: Project, code: str):
    found = [f for f in project.findings("explore") if f.code == code]
    assert len(found) == 1, f"expected one '{code}', got {_codes(project)}"
    return found[0]


def _explored(tmp_path, df, roles=None, name="trap", **kw) -> Project:
    project = project_from_frame(tmp_path, df, roles=roles, name=name, **kw)
    explore.run(project)
    return project


def _neutral(df: pd.DataFrame, keep=("sample", "label")) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every column but the ID and the label renamed c1, c2, ... (the mapping old -> new)."""
    names = {}
    for c in df.columns:
        if c not in keep:
            names[c] = f"c{len(names) + 1}"
    return df.rename(columns=names), names


def _both(tmp_path, df, trap: str, roles=None, **kw):
    """The project as named and as renamed, and the trap column's name in each."""
    named = _explored(tmp_path, df, roles=roles, name="named", **kw)
    renamed_df, mapping = _neutral(df, keep=("sample", kw.get("target", "label")))
    renamed_roles = {mapping.get(c, c): r for c, r in (roles or {}).items()}
    renamed = _explored(tmp_path, renamed_df, roles=renamed_roles, name="renamed", **kw)
    return [(named, trap), (renamed, mapping[trap])]


# -- traps: the label in another form --------------------------------------------------------------
def test_a_score_with_a_perfect_cut_is_a_shortcut(tmp_path):
    """A continuous 'risk score' that is the label in disguise: every case above 0.6, every
    control below 0.55 (a score computed after the diagnosis)."""
    df = cohort(240, seed=1)
    rng = np.random.default_rng(11)
    case = (df["label"] == "case").to_numpy()
    df["risk_score"] = np.where(case, rng.uniform(0.6, 1.0, len(df)), rng.uniform(0, 0.55, len(df)))
    for project, col in _both(tmp_path, df, "risk_score"):
        warning = _finding(project, "single-feature-shortcut")
        assert warning.columns == [col]
        assert warning.severity == "warning" and warning.step == "explore"
        assert warning.detail["scores"][col] >= 0.95
        assert "outcome in another form" in warning.message and "ignore" in warning.fix
        screen = project.study.explore.feature_screen
        assert screen[0].column == col and screen[0].flag == "single-feature-shortcut"
        # The real (moderate) features g0, g1 are no shortcut.
        assert not {"g0", "g1", "c1", "c2"} & set(warning.columns)


def _ct_table(n: int = 400, at_40: float = 1.0, seed: int = 2) -> pd.DataFrame:
    """A PCR result with its cycle threshold: 40 is written for a negative test ('not detected').
    With at_40 < 1 the other negatives show late amplification (30 to 40), overlapping the
    positives, so no single cut separates the classes: only the point mass gives it away."""
    rng = np.random.default_rng(seed)
    df = cohort(n, seed=seed, label_shift=0.5)
    pos = (df["label"] == "case").to_numpy()
    df["label"] = np.where(pos, "positive", "negative")
    ct = np.clip(rng.normal(29, 4, n), 15, 39.5)
    late = rng.uniform(30, 39.9, n)
    ct = np.where(pos, ct, np.where(rng.random(n) < at_40, 40.0, late))
    df["ct_value"] = np.round(ct, 2)
    return df


def test_a_ct_value_fixed_at_40_for_negatives_is_a_shortcut(tmp_path):
    df = _ct_table()
    n_negative = int((df["label"] == "negative").sum())
    for project, col in _both(tmp_path, df, "ct_value"):
        warning = _finding(project, "single-feature-shortcut")
        assert warning.columns == [col]
        assert (
            f"the value 40 (the highest value of the column) occurs in {n_negative} of the "
            f"{n_negative} 'negative' rows"
        ) in warning.message
        assert "no row of any other class" in warning.message


def test_a_point_mass_is_caught_even_where_no_cut_separates_the_classes(tmp_path):
    df = _ct_table(at_40=0.7, seed=3)
    held = int(((df["label"] == "negative") & (df["ct_value"] == 40)).sum())
    for project, col in _both(tmp_path, df, "ct_value"):
        warning = _finding(project, "single-feature-shortcut")
        assert warning.columns == [col]
        assert warning.detail["scores"][col] < 0.95  # not near-perfect as a cut...
        assert f"the value 40 (the highest value of the column) occurs in {held} of" in (
            warning.message
        )
        screened = {s.column: s for s in project.study.explore.feature_screen}
        assert screened[col].detail["point_mass"]["value"] == 40.0


def test_a_measurement_recorded_only_for_cases_is_a_shortcut(tmp_path):
    """A value that exists only because of the outcome (a marker measured at a visit that only
    cases have): its missingness alone tells the classes apart."""
    df = cohort(300, seed=4, label_shift=0.6)
    rng = np.random.default_rng(14)
    case = (df["label"] == "case").to_numpy()
    measured = case | (rng.random(len(df)) < 0.01)
    df["crp_6m"] = np.where(measured, rng.lognormal(2, 0.5, len(df)), np.nan)
    for project, col in _both(tmp_path, df, "crp_6m"):
        warning = _finding(project, "single-feature-shortcut")
        assert warning.columns == [col]
        assert "whether it was measured alone tells the classes apart" in warning.message
        assert "missingness-predicts-label" in _codes(project)  # the table-wide check agrees


def test_a_numeric_copy_of_a_numeric_label_is_a_shortcut(tmp_path):
    df = cohort(200, seed=5).drop(columns="label")
    rng = np.random.default_rng(15)
    df["age"] = 40 + 10 * df["g0"] + rng.normal(0, 3, len(df))
    df["bone_age"] = df["age"] + rng.normal(0, 0.5, len(df))  # the label, estimated again
    roles = {"bone_age": "feature"}
    pairs = _both(tmp_path, df, "bone_age", roles=roles, target="age", task="regression")
    for project, col in pairs:
        warning = _finding(project, "single-feature-shortcut")
        assert warning.columns == [col]
        assert warning.detail["metric"] == "r2" and warning.detail["scores"][col] >= 0.95


# -- traps: collection, not biology ----------------------------------------------------------------
def _collection_site(n: int = 300, seed: int = 6) -> pd.DataFrame:
    """Cases were mostly sampled at one hospital, controls at two others."""
    rng = np.random.default_rng(seed)
    df = cohort(n, seed=seed, label_shift=0.6)
    case = (df["label"] == "case").to_numpy()
    site = np.where(
        case,
        rng.choice(["Leeds", "Bristol", "Oxford"], n, p=[0.85, 0.1, 0.05]),
        rng.choice(["Leeds", "Bristol", "Oxford"], n, p=[0.1, 0.5, 0.4]),
    )
    df["site"] = site
    return df


def test_a_collection_site_that_tracks_the_label_is_a_possible_confounder(tmp_path):
    df = _collection_site()
    pairs = _both(tmp_path, df, "site", roles={"site": "feature"})
    for project, col in pairs:
        warning = _finding(project, "possible-confounder")
        assert warning.columns == [col]
        assert warning.detail["suggested_role"] == "batch"
        assert warning.detail["cramers_v"] >= 0.5 and warning.detail["p_value"] < 1e-3
        assert "batch role" in warning.fix
        assert "where, when or how the samples were collected" in warning.message
        assert "single-feature-shortcut" not in _codes(project)
    named, _ = pairs[0]
    # The name 'site' is a hint: the wording says the column looks like a place.
    assert "its name 'site' suggests a place" in _finding(named, "possible-confounder").message


def test_a_site_written_as_number_codes_is_still_a_possible_confounder(tmp_path):
    """Sites coded 1, 2, 3: number codes need a stronger association (V >= 0.7) than text,
    since a code is usually a graded measurement; this one almost determines the label."""
    df = _collection_site(seed=17)
    df["site"] = df["site"].map({"Leeds": 1, "Bristol": 2, "Oxford": 3})
    df, mapping = _neutral(df)
    project = _explored(tmp_path, df, roles={mapping["site"]: "feature"})
    warning = _finding(project, "possible-confounder")
    assert warning.columns == [mapping["site"]] and warning.detail["cramers_v"] >= 0.7


def test_the_vectorised_scores_equal_the_library_ones():
    """Cramér's V, η and the AUROC of many columns at once are those of association.py and
    scikit-learn, column by column (missing values included)."""
    from sklearn.metrics import roc_auc_score

    from dlwizard.ml.association import correlation_ratio, cramers_v

    rng = np.random.default_rng(18)
    n = 300
    y3 = pd.Series(rng.choice(["a", "b", "c"], n))
    y2 = pd.Series(rng.choice(["a", "b"], n))
    yr = rng.normal(size=n)
    x = rng.integers(0, 4, size=(n, 6)).astype(float)
    x[:, 0] = np.where(y3 == "a", 0, rng.integers(1, 4, n))
    x[:, 5] = rng.normal(size=n)  # continuous: ranks, not a table
    x[rng.random(x.shape) < 0.05] = np.nan
    codes3 = np.unique(y3, return_inverse=True)[1]
    codes2 = np.unique(y2, return_inverse=True)[1]
    pre = shortcut_numbers.numeric_prefilter(x, codes3, None, None, 3, None)
    for j in range(5):
        assert pre.association[j] == pytest.approx(cramers_v(pd.Series(x[:, j]), y3).score)
    ranks = pd.Series(yr).rank().to_numpy()
    pre = shortcut_numbers.numeric_prefilter(x, None, yr, ranks, 0, None)
    for j in range(5):
        eta = correlation_ratio(pd.Series(x[:, j]), pd.Series(yr)).score
        assert pre.association[j] == pytest.approx(eta)
    pre = shortcut_numbers.numeric_prefilter(x, codes2, None, None, 2, None)
    for j in range(6):
        ok = ~np.isnan(x[:, j])
        auc = roc_auc_score(codes2[ok], x[ok, j])
        assert pre.score[j] == pytest.approx(max(auc, 1 - auc))


def test_the_vectorised_category_scores_equal_the_column_by_column_ones():
    """All categorical columns at once: the leave-one-out score equals the out-of-fold model
    fitted with one row left out at a time, and V / η equal association.py's."""
    from dlwizard.ml.association import correlation_ratio, cramers_v

    rng = np.random.default_rng(19)
    n = 120
    y = pd.Series(rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2]))
    codes = np.unique(y, return_inverse=True)[1]
    yr = rng.normal(size=n)
    cats = pd.DataFrame({"a": rng.choice(list("xyzw"), n), "b": [f"id{i}" for i in range(n)]})
    cats.loc[codes == 2, "a"] = "q"
    cats.loc[rng.random(n) < 0.1, "a"] = None
    loo = [(np.flatnonzero(np.arange(n) != i), np.array([i])) for i in range(n)]
    pre = shortcut_categories.category_prefilter(cats, codes, None, 3, None)
    pre_r = shortcut_categories.category_prefilter(cats, None, yr, 0, None)
    for j, col in enumerate(cats.columns):
        text = cats[col].astype(str).where(cats[col].notna(), "(missing)").to_numpy()
        by_one = single_feature_models.cv_category(text, codes, None, "multiclass", 3, loo)
        assert pre.score[j] == pytest.approx(by_one["balanced_accuracy"])
        by_one = single_feature_models.cv_category(text, None, yr, "regression", 0, loo)
        assert pre_r.score[j] == pytest.approx(by_one["r2"])
        assert pre.association[j] == pytest.approx(cramers_v(cats[col], y).score)
        eta = correlation_ratio(cats[col], pd.Series(yr)).score
        assert pre_r.association[j] == pytest.approx(eta)
    assert pre.keys[0] == {"x", "y", "z", "w", "q"} and 1 not in pre.keys  # IDs: no panel key


def test_a_wide_table_of_genotype_text_is_quick_and_clean():
    """5,000 genotype calls as text ('AA', 'AG', 'GG') for 400 rows, one a true strong effect,
    screened at once (a panel, so no confounder) within a few seconds."""
    rng = np.random.default_rng(20)
    n, p = 400, 5000
    y = pd.Series(rng.choice(["case", "control"], n))
    calls = rng.choice(["AA", "AG", "GG"], size=(n, p))
    cats = pd.DataFrame(calls, columns=[f"rs{j}" for j in range(p)])
    case = (y == "case").to_numpy()
    cats["rs0"] = np.where(case, rng.choice(["AG", "GG"], n, p=[0.2, 0.8]), "AA")
    t0 = time.perf_counter()
    result = shortcut_screen.screen(np.empty((n, 0)), [], cats, y, "binary")
    assert time.perf_counter() - t0 < 10
    assert [r.flag for r in result.results if r.flag] == ["single-feature-shortcut"]
    assert result.results[0].column == "rs0"  # AA exactly for every control: near-perfect


def test_a_weaker_association_needs_a_place_batch_or_time_to_be_named():
    """At V about 0.35 a category is flagged when it looks like a place, a batch or a time (by
    name or values), not when it is just some text (the bar is then V >= 0.5)."""
    rng = np.random.default_rng(7)
    n = 400
    y = pd.Series(rng.choice(["a", "b"], n))
    is_a = (y == "a").to_numpy()
    group = np.where(rng.random(n) < np.where(is_a, 0.68, 0.32), 1, 2)
    plates = pd.DataFrame({"c1": [f"plate_{g}" for g in group]})
    colours = pd.DataFrame({"c1": np.where(group == 1, "green", "blue")})
    flags = {}
    for name, cats in (("plates", plates), ("colours", colours)):
        result = shortcut_screen.screen(np.empty((n, 0)), [], cats, y, "binary", seed=0)
        flags[name] = [r.flag for r in result.results]
        v = result.results[0].detail.get("cramers_v") or 0
        assert v < shortcut_screen.CONFOUNDER_V_TEXT
    assert flags["plates"] == ["possible-confounder"]
    assert flags["colours"] == [None]


def test_a_genotype_panel_is_not_a_confounder(tmp_path):
    """Forty SNPs coded 0/1/2, one with a strong real effect: a panel of measurements over the
    same values is biology, not a record of where the samples were taken."""
    rng = np.random.default_rng(8)
    n = 300
    df = cohort(n, n_features=2, seed=8)
    case = (df["label"] == "case").to_numpy()
    for j in range(40):
        df[f"rs{j}"] = rng.choice([0, 1, 2], n)
    df["rs0"] = np.where(case, rng.choice([1, 2], n, p=[0.1, 0.9]), rng.choice([0, 1], n))
    project = _explored(tmp_path, df)
    assert not SCREEN_CODES & set(_codes(project)), _codes(project)


def test_a_follow_up_time_is_flagged_by_its_name_and_its_link_to_the_event(tmp_path):
    """Events end follow-up early: days of follow-up are shorter for cases (AUROC about 0.8),
    not perfectly. This code needs the name as a hint; renamed, it is not claimed."""
    rng = np.random.default_rng(9)
    df = cohort(300, seed=9, label_shift=0.6)
    case = (df["label"] == "case").to_numpy()
    df["followup_days"] = np.round(
        np.where(case, rng.exponential(500, len(df)), rng.exponential(2000, len(df)))
    )
    (named, col), (renamed, _) = _both(tmp_path, df, "followup_days")
    warning = _finding(named, "follow-up-time")
    assert warning.columns == [col]
    screened = {s.column: s for s in named.study.explore.feature_screen}
    assert 0.7 <= screened[col].detail["auroc"] < 0.95  # out of fold, not near-perfect
    assert "the 'case' rows have shorter times" in warning.message
    assert warning.detail["evidence"][col].startswith("out-of-fold AUROC")
    assert "an event ends the follow-up early" in warning.message
    assert "single-feature-shortcut" not in _codes(named)
    # Without the name nothing says it is a duration; a moderate feature is no shortcut.
    assert not SCREEN_CODES & set(_codes(renamed)), _codes(renamed)


def test_name_hints():
    hint = shortcut_screen.looks_like_place_batch_time
    assert hint("collection_site") and hint("HospitalName") and hint("plate") and hint("year")
    assert hint("c7", pd.Series(["plate_1", "plate_2", "plate 3"]))
    assert hint("c7", pd.Series([2019, 2020, 2021, 2019]))
    assert hint("c7", pd.Series(["2021-03-04", "2021-05-06"]))
    assert not hint("tumour_grade", pd.Series(["G1", "G2", "G3"]))
    assert not hint("disease_state") and not hint("c7", pd.Series(["A", "C", "G", "T"]))
    follow = shortcut_screen.looks_like_follow_up
    assert follow("followup_days") and follow("OS_months") and follow("pfs") and follow("los")
    assert follow("survivalTime") and follow("time_to_event")
    assert not follow("age_months") and not follow("glucose") and not follow("dose")


# -- duplicates judged on the features -------------------------------------------------------------
def test_identical_features_with_different_labels_are_conflicting(tmp_path):
    df = cohort(120, seed=10)
    features = [c for c in df.columns if c.startswith("g")]
    df.loc[40, features] = df.loc[7, features].to_numpy()
    df.loc[40, "label"] = "control" if df.at[7, "label"] == "case" else "case"
    df.loc[90, features] = df.loc[60, features].to_numpy()  # a duplicate with the same label
    df.loc[90, "label"] = df.at[60, "label"]
    project = _explored(tmp_path, df)
    warning = _finding(project, "conflicting-labels")
    assert warning.detail["groups"] == [[7, 40]]
    assert warning.detail["labels"] == [["case", "control"]]
    assert df.at[7, "sample"] in warning.message and "'case', 'control'" in warning.message
    assert "check the labels" in warning.fix
    # Both groups are still exact duplicates, under different sample IDs.
    dup = _finding(project, "exact-duplicates")
    assert dup.detail["groups"] == [[7, 40], [60, 90]]
    assert "same sample recorded twice under different IDs" in dup.message


def test_duplicates_with_the_same_label_do_not_conflict(tmp_path):
    df = cohort(120, seed=11)
    features = [c for c in df.columns if c.startswith("g")]
    df.loc[30, features] = df.loc[3, features].to_numpy()
    df.loc[30, "label"] = df.at[3, "label"]
    project = _explored(tmp_path, df)
    assert "exact-duplicates" in _codes(project)
    assert "conflicting-labels" not in _codes(project)


# -- clean tables: no false alarm ------------------------------------------------------------------
def _sklearn_frame(loader, target_names: bool = True) -> pd.DataFrame:
    bunch = loader(as_frame=True)
    df = bunch.frame.copy()
    target = df.pop("target")
    if target_names:
        df.insert(0, "label", np.asarray(bunch.target_names)[target.to_numpy()])
    else:
        df.insert(0, "label", target.astype(float))
    df.insert(0, "sample", sample_names(len(df)))
    return df


def test_breast_cancer_biomarkers_are_not_shortcuts(tmp_path):
    """'worst perimeter' and friends reach an out-of-fold AUROC of about 0.97 alone: strong
    real biomarkers, not the label in another form (the bar is 0.99 AUROC, 0.95 balanced
    accuracy)."""
    from sklearn.datasets import load_breast_cancer

    project = _explored(tmp_path, _sklearn_frame(load_breast_cancer))
    assert not SCREEN_CODES & set(_codes(project)), _codes(project)
    screen = project.study.explore.feature_screen
    assert len(screen) == shortcut_screen.KEEP_TOP  # the strongest ten are recorded
    assert all(s.flag is None for s in screen)
    assert 0.85 < screen[0].score < shortcut_screen.NEAR_PERFECT_BA
    assert max(s.detail["auroc"] for s in screen) < shortcut_screen.NEAR_PERFECT_AUROC


def test_wine_is_clean(tmp_path):
    from sklearn.datasets import load_wine

    project = _explored(tmp_path, _sklearn_frame(load_wine))
    assert not SCREEN_CODES & set(_codes(project)), _codes(project)


def test_diabetes_regression_is_clean(tmp_path):
    from sklearn.datasets import load_diabetes

    df = _sklearn_frame(load_diabetes, target_names=False)
    project = _explored(tmp_path, df, task="regression")
    assert not SCREEN_CODES & set(_codes(project)), _codes(project)
    assert project.study.explore.feature_screen[0].metric == "r2"


def test_iris_petal_width_is_a_biomarker_not_a_shortcut(tmp_path):
    """Petal width separates the three species with a balanced accuracy of about 0.95 out of
    fold: real morphology, strong but not perfect. A label in disguise scores 1.00; the bar
    (0.98) sits between, so iris stays clean, with the score still on record."""
    from sklearn.datasets import load_iris

    project = _explored(tmp_path, _sklearn_frame(load_iris))
    assert not SCREEN_CODES & set(_codes(project)), _codes(project)
    best = project.study.explore.feature_screen[0]
    assert best.column.startswith("petal") and 0.9 < best.score < shortcut_screen.NEAR_PERFECT_BA


@pytest.mark.parametrize("shape", [(40, 5000), (300, 2000)])
def test_random_wide_matrices_are_clean(tmp_path, shape):
    n, p = shape
    rng = np.random.default_rng(12)
    df = pd.DataFrame(rng.normal(size=(n, p)), columns=[f"g{j}" for j in range(p)])
    df.insert(0, "label", rng.permutation(np.repeat(["case", "control"], n // 2)))
    df.insert(0, "sample", sample_names(n))
    project = _explored(tmp_path, df)
    assert not SCREEN_CODES & set(_codes(project)), _codes(project)
    assert len(project.study.explore.feature_screen) <= shortcut_screen.KEEP_TOP


def test_the_synthetic_cohorts_of_the_other_tests_are_clean(tmp_path):
    for seed in range(3):
        project = _explored(tmp_path, cohort(200, seed=seed), name=f"cohort{seed}")
        assert not SCREEN_CODES & set(_codes(project)), _codes(project)


# -- the step as a whole ---------------------------------------------------------------------------
def test_too_few_rows_skip_the_screen():
    y = pd.Series(["a", "b"] * 4)
    x = np.c_[np.r_[np.zeros(4), np.ones(4)]]
    result = shortcut_screen.screen(x, ["f"], None, y, "binary")
    assert result.skipped and result.results == []


def test_cancel_answers_during_the_screen(tmp_path):
    rng = np.random.default_rng(13)
    n, p = 200, 6000
    x = rng.normal(size=(n, p))
    y = pd.Series(rng.choice(["a", "b"], n))
    asked = []

    def on_progress(fraction, message):
        if message.startswith("Scoring") and not asked:
            asked.append(time.perf_counter())
            job.cancel()

    job = Job(on_progress)
    with pytest.raises(Cancelled):
        shortcut_screen.screen(x, [f"g{j}" for j in range(p)], None, y, "binary", job=job)
    assert time.perf_counter() - asked[0] < 1.0


def test_grouped_folds_keep_a_subject_together(tmp_path):
    """Ten rows per subject and a per-subject marker: out of fold (grouped) it predicts
    nothing, so it is no shortcut, however well it would score on random folds."""
    rng = np.random.default_rng(16)
    n_subjects, per = 40, 10
    subject = np.repeat([f"P{i:02d}" for i in range(n_subjects)], per)
    label = np.repeat(rng.permutation(np.repeat(["case", "control"], n_subjects // 2)), per)
    marker = np.repeat(rng.normal(size=n_subjects), per) + rng.normal(0, 0.01, n_subjects * per)
    y = pd.Series(label)
    groups = np.asarray(subject)
    result = shortcut_screen.screen(marker[:, None], ["m"], None, y, "binary", groups=groups)
    assert result.folds == 5
    assert [r.flag for r in result.results] == [None]


# -- real data -------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_heart_disease_site_as_a_feature_is_a_possible_confounder(tmp_path):
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f"""
[question]
target = "disease"
[data]
path = '{path}'
[metadata]
roles = {{ target = "ignore", site = "feature" }}
[explore]
""",
        "utf-8",
    )
    project = run_plan(load_plan(plan), base=tmp_path)
    assert project.study.metadata.roles["site"] == "feature"
    warning = _finding(project, "possible-confounder")
    # The clinical codes (chest-pain type, V = 0.54; thal, 0.50) are graded measurements, not
    # places: only the site is named.
    assert warning.columns == ["site"]
    assert 0.35 < warning.detail["cramers_v"] < 0.5 and warning.detail["p_value"] < 1e-10
    assert "single-feature-shortcut" not in _codes(project)
