"""Step 3, metadata: role suggestions, user roles, derived subjects and the checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dlwizard.errors import StepError
from dlwizard.ml.association import (
    best_threshold_balanced_accuracy,
    correlation_ratio,
    cramers_v,
)
from dlwizard.steps import metadata, question
from dlwizard.study.model import DerivedColumn
from dlwizard.study.project import Project

N = 40


def _rng() -> np.random.Generator:
    return np.random.default_rng(7)  # fresh each time: a test's data never depends on test order


def _project(df: pd.DataFrame, target: str | None = "dx") -> Project:
    project = Project.new("Metadata test")
    project.table = df
    if target:
        question.apply(project, target=target)
    return project


def _codes(project: Project) -> list[str]:
    return [f.code for f in project.findings("metadata")]


def _finding(project: Project, code: str):
    found = [f for f in project.findings("metadata") if f.code == code]
    assert found, f"no '{code}' in {_codes(project)}"
    return found[0]


def _features(n: int = N, k: int = 3) -> dict[str, np.ndarray]:
    rng = _rng()
    return {f"gene{j}": rng.normal(size=n) for j in range(k)}


def _balanced_labels(n: int = N) -> list[str]:
    return ["a", "b"] * (n // 2)


# -- role suggestions -----------------------------------------------------------------------------
def test_roles_from_names():
    df = pd.DataFrame(
        {
            "patient_id": [f"P{i // 2}" for i in range(N)],
            "sample": [f"S{i}" for i in range(N)],
            "Batch": ["b1", "b2"] * 20,
            "site": ["x", "y", "z", "w"] * 10,
            "run_date": [f"2020-01-0{i % 5 + 1}" for i in range(N)],
            "visit": [1, 2] * 20,
            "day": _rng().normal(size=N) + 10,  # not a copy of gene0
            "ethnicity": ["p", "q"] * 20,
            "rep": [1, 2, 3, 4] * 10,
            "dx": ["a"] * 20 + ["b"] * 20,  # not the alternating pattern of 'Batch' or 'visit'
            **_features(),
        }
    )
    roles, reasons = metadata.suggest_roles(df, "dx")
    assert roles == {
        "patient_id": "subject",
        "sample": "sample_id",
        "Batch": "batch",
        "site": "batch",
        "run_date": "batch",
        "visit": "time_point",
        "day": "time_point",
        "ethnicity": "sensitive",
        "rep": "replicate",
        "dx": "target",
        "gene0": "feature",
        "gene1": "feature",
        "gene2": "feature",
    }
    assert reasons["site"] == "the name 'site' suggests it"
    assert reasons["dx"] == "chosen on the question page"
    assert set(reasons) == set(roles)


def test_roles_from_cardinality_and_type():
    df = pd.DataFrame(
        {
            "code": [f"X{i:03d}" for i in range(N)],  # a unique text per row
            "constant": ["k"] * N,
            "empty": [np.nan] * N,
            "colour": ["red", "blue"] * 20,
            "count": _rng().integers(0, 100, N),
            "when": pd.date_range("2020-01-01", periods=N),
            "dx": ["a"] * 20 + ["b"] * 20,  # 'colour' alternating like dx would be dx itself
            "gene": _rng().normal(size=N),
        }
    )
    roles, _ = metadata.suggest_roles(df, "dx")
    assert roles == {
        "code": "sample_id",
        "constant": "ignore",
        "empty": "ignore",
        "colour": "feature",
        "count": "feature",
        "when": "batch",
        "dx": "target",
        "gene": "feature",
    }


def test_a_repeated_id_name_is_a_subject_not_a_sample_or_feature():
    df = pd.DataFrame({"name": [f"mouse{i // 4}" for i in range(N)], "dx": _balanced_labels()})
    roles, reasons = metadata.suggest_roles(df, "dx")
    assert roles["name"] == "subject"
    assert "repeat" in reasons["name"]


def test_many_free_text_values_are_ignored():
    n = 120
    df = pd.DataFrame({"comment": [f"note {i % 70}" for i in range(n)], "dx": ["a", "b"] * 60})
    roles, _ = metadata.suggest_roles(df, "dx")
    assert roles["comment"] == "ignore"


# -- apply: user roles and errors -----------------------------------------------------------------
def _study_df() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sample": [f"S{i}" for i in _rng().permutation(N)],
            "site": ["x", "y"] * 20,
            "dx": _balanced_labels(),
            **_features(),
        }
    )


def test_user_roles_win_and_survive_a_re_run():
    project = _project(_study_df())
    section = metadata.apply(project, roles={"gene0": "ignore", "site": "sensitive"})
    assert section.roles["gene0"] == "ignore" and section.roles["site"] == "sensitive"
    assert section.suggested_roles["gene0"] == "feature"
    entry = project.log[-1]
    assert entry.action == "metadata-reviewed"
    assert entry.detail["changed_roles"] == {"gene0": "ignore", "site": "sensitive"}
    # A re-run without roles (e.g. after a new design answer) keeps the user's choices...
    section = metadata.apply(project, design="observational")
    assert section.roles["gene0"] == "ignore" and section.roles["site"] == "sensitive"
    assert section.design == "observational"
    # ...and a later answer for the same column replaces it.
    section = metadata.apply(project, roles={"gene0": "feature"})
    assert section.roles["gene0"] == "feature" and section.roles["site"] == "sensitive"
    assert section.design == "observational"  # kept as well


def test_a_user_role_for_a_vanished_column_is_dropped():
    project = _project(_study_df())
    metadata.apply(project, roles={"gene2": "ignore"})
    project.table = project.table.drop(columns=["gene2"])  # e.g. a re-import without it
    section = metadata.apply(project)
    assert "gene2" not in section.roles


def test_only_one_target():
    project = _project(_study_df())
    section = metadata.apply(project, roles={"site": "target"})
    assert section.roles["dx"] == "target"
    assert section.roles["site"] == "ignore"  # a second target is set aside, not trained on


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({"nope": "batch"}, "there is no column 'nope' to give the role 'batch'"),
        ({"Site": "batch"}, "there is no column 'Site'"),
        ({"site": "bach"}, "'bach' is not a role; choose one of: feature, target"),
    ],
)
def test_invalid_roles_are_clear_errors_and_change_nothing(roles, message):
    project = _project(_study_df())
    before = metadata.apply(project).model_copy(deep=True)
    table = project.table.copy()
    with pytest.raises(StepError) as info:
        metadata.apply(project, roles=roles)
    assert message in str(info.value)
    assert project.study.metadata == before
    pd.testing.assert_frame_equal(project.table, table)


def test_metadata_needs_data():
    with pytest.raises(StepError, match="import the data"):
        metadata.apply(Project.new())


def test_design_and_replicates_are_validated():
    project = _project(_study_df())
    with pytest.raises(ValueError):
        metadata.apply(project, design="case-control")
    section = metadata.apply(project, design="randomised_trial", replicate_kind="biological")
    assert (section.design, section.replicate_kind) == ("randomised_trial", "biological")
    assert "design-not-stated" not in _codes(project)


def test_design_not_stated_is_an_info():
    project = _project(_study_df())
    metadata.apply(project)
    assert _finding(project, "design-not-stated").severity == "info"


def test_metadata_marks_done_and_forgets_later_steps():
    project = _project(_study_df())
    metadata.apply(project)
    assert list(project.study.steps_done) == ["question", "metadata"]


# -- derived subjects -----------------------------------------------------------------------------
def _recordings() -> pd.DataFrame:
    people = [f"phon_S{i // 4:02d}" for i in range(N)]
    labels = ["pd" if i // 4 % 3 else "healthy" for i in range(N)]
    return pd.DataFrame(
        {"name": [f"{p}_{i % 4 + 1}" for i, p in enumerate(people)], "dx": labels, **_features()}
    )


def test_subject_derived_from_a_recording_id():
    project = _project(_recordings())
    section = metadata.apply(project)
    (derived,) = section.derived
    assert (derived.name, derived.source, derived.role) == ("subject", "name", "subject")
    assert project.table["subject"].nunique() == 10
    assert section.n_subjects == 10
    warning = _finding(project, "repeated-subjects")
    assert warning.detail == {"rows": N, "subjects": 10, "effective_n": 10}
    # Re-running keeps the derived column once, not twice.
    metadata.apply(project)
    assert list(project.table.columns).count("subject") == 1
    assert "subject_2" not in project.table.columns


def test_explicit_derive_and_a_hint_without_it():
    project = _project(_recordings())
    spec = DerivedColumn(name="person", source="name", pattern=r"^(phon_S\d+)_\d+$")
    section = metadata.apply(project, derived=[spec])
    assert section.roles["person"] == "subject" and section.n_subjects == 10
    # Removing the derived column and not suggesting one leaves a hint instead.
    section = metadata.apply(project, derived=[], suggest_derived=False)
    assert "person" not in project.table.columns
    assert section.n_subjects is None
    assert _finding(project, "possible-repeated-subjects").columns == ["name"]
    assert "repeated-subjects" not in _codes(project)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"name": "s", "source": "nope", "pattern": "^(.*)_1$"}, "there is no column 'nope'"),
        ({"name": "s", "source": "name", "pattern": "^(.*_$"}, "not a valid regular expression"),
        ({"name": "s", "source": "name", "pattern": r"^.*_\d+$"}, "exactly one group"),
        ({"name": "s", "source": "name", "pattern": r"^(.*)_(\d+)$"}, "(it has 2)"),
    ],
)
def test_bad_derive_specs(spec, message):
    project = _project(_recordings())
    with pytest.raises(StepError, match=message.replace("(", r"\(").replace(")", r"\)")):
        metadata.apply(project, derived=[spec])


def test_rows_a_pattern_does_not_match_keep_their_own_value():
    df = pd.DataFrame({"rec": ["a_1", "a_2", "odd", None]})
    out = metadata.derive(df, DerivedColumn(name="s", source="rec", pattern=r"^(.*)_\d+$"))
    assert out.tolist()[:3] == ["a", "a", "odd"]
    assert pd.isna(out.iloc[3])


# -- checks ---------------------------------------------------------------------------------------
def test_id_encodes_label_in_text_ids():
    labels = ["ALL"] * 24 + ["AML"] * 16
    ids = [f"{lab}_{i}" for i, lab in enumerate(labels)]
    order = _rng().permutation(N)
    df = pd.DataFrame({"sample": ids, "cancer": labels, **_features()}).iloc[order]
    project = _project(df.reset_index(drop=True), target="cancer")
    section = metadata.apply(project)
    warning = _finding(project, "id-encodes-label")
    assert warning.columns == ["sample"] and warning.detail["score"] >= 0.85
    # The 'AML'/'ALL' prefix is the class, not a person: no subject is derived from it.
    assert section.derived == []
    assert "repeated-subjects" not in _codes(project)


def test_id_encodes_label_in_numbers_ordered_by_class():
    df = pd.DataFrame(
        {"sample": [str(i + 1) for i in range(N)], "dx": ["a"] * 25 + ["b"] * 15, **_features()}
    )
    project = _project(df)
    metadata.apply(project)
    assert _finding(project, "id-encodes-label").detail["score"] == 1.0


def test_shuffled_ids_do_not_encode_the_label():
    df = pd.DataFrame(
        {
            "sample": [str(i + 1) for i in _rng().permutation(N)],
            "code": [f"S{i:03d}" for i in range(N)],
            "dx": _balanced_labels(),
            **_features(),
        }
    )
    project = _project(df)
    section = metadata.apply(project, roles={"code": "sample_id"})
    assert section.roles["sample"] == "sample_id"
    assert "id-encodes-label" not in _codes(project)


def test_metadata_missing_and_present():
    df = pd.DataFrame({"dx": _balanced_labels(), **_features()})
    project = _project(df)
    metadata.apply(project)
    assert _finding(project, "metadata-missing").severity == "warning"
    df["plate"] = [f"p{i // 10}" for i in range(N)]  # 5 a and 5 b on each plate
    project = _project(df)
    section = metadata.apply(project)
    assert section.roles["plate"] == "batch"
    assert "metadata-missing" not in _codes(project)
    assert [a.column for a in section.associations] == ["plate"]
    assert "batch-label-association" not in _codes(project)  # plates balanced across labels


def test_metadata_values_missing():
    df = _study_df()
    df.loc[[3, 7, 9], "site"] = None
    project = _project(df)
    metadata.apply(project)
    warning = _finding(project, "metadata-values-missing")
    assert warning.columns == ["site"] and "3 of 40" in warning.message


def test_batch_that_tracks_the_label_is_flagged():
    df = _study_df()
    df["site"] = ["x" if d == "a" else "y" for d in df["dx"]]
    df.loc[[0, 1, 2], "site"] = "y"  # nearly, not perfectly, confounded
    project = _project(df)
    metadata.apply(project)
    warning = _finding(project, "batch-label-association")
    assert warning.columns == ["site"]
    expected = cramers_v(df["site"], df["dx"])
    assert warning.detail["score"] == pytest.approx(expected.score)
    assert warning.detail["p_value"] == pytest.approx(expected.p_value)


def test_batch_and_a_numeric_label_use_eta():
    df = _study_df()
    df["y"] = np.where(df["site"] == "x", 10.0, 0.0) + _rng().normal(size=N)
    project = _project(df, target="y")
    assert project.study.question.task == "regression"
    metadata.apply(project, roles={"dx": "ignore"})
    warning = _finding(project, "batch-label-association")
    assert warning.detail["measure"] == "eta" and warning.detail["score"] > 0.9


def test_no_features_is_an_error():
    df = pd.DataFrame({"sample": [f"S{i}" for i in range(N)], "dx": _balanced_labels()})
    project = _project(df)
    metadata.apply(project)
    (error,) = project.errors("metadata")
    assert error.code == "no-features"


# -- association measures against hand-computed values --------------------------------------------
def _pairs(table: list[list[int]]) -> tuple[pd.Series, pd.Series]:
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [f"r{i}"] * count
            b += [f"c{j}"] * count
    return pd.Series(a), pd.Series(b)


def _bias_corrected_v(chi2: float, n: int, r: int, k: int) -> float:
    phi2c = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    kc = k - (k - 1) ** 2 / (n - 1)
    return math.sqrt(phi2c / min(kc - 1, rc - 1))


def test_cramers_v_two_by_two():
    # [[20, 10], [10, 20]]: chi2 = n (ad - bc)^2 / (row and column totals) = 60 * 300^2 / 30^4
    chi2 = 60 * 300**2 / 30**4
    assert chi2 == pytest.approx(20 / 3)
    result = cramers_v(*_pairs([[20, 10], [10, 20]]))
    assert result.n == 60
    assert result.score == pytest.approx(_bias_corrected_v(chi2, 60, 2, 2), abs=1e-12)
    assert result.score == pytest.approx(0.309492, abs=1e-6)
    # One degree of freedom: p = erfc(sqrt(chi2 / 2)).
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(chi2 / 2)), rel=1e-9)


def test_cramers_v_two_by_three():
    # Expected counts under independence are 10 everywhere; chi2 = sum (O - E)^2 / E.
    table = [[15, 10, 5], [5, 10, 15]]
    chi2 = sum((o - 10) ** 2 / 10 for row in table for o in row)
    assert chi2 == 10.0
    result = cramers_v(*_pairs(table))
    assert result.score == pytest.approx(_bias_corrected_v(chi2, 60, 2, 3), abs=1e-12)
    assert result.p_value == pytest.approx(math.exp(-chi2 / 2), rel=1e-9)  # chi2 with 2 df


def test_cramers_v_extremes():
    assert cramers_v(*_pairs([[10, 10], [10, 10]])).score == 0.0
    perfect = cramers_v(*_pairs([[25, 0], [0, 25]]))
    assert perfect.score == pytest.approx(1.0)
    constant = cramers_v(pd.Series(["x"] * 10), pd.Series(["a", "b"] * 5))
    assert (constant.score, constant.p_value) == (0.0, None)


def test_cramers_v_ignores_missing_pairs():
    a, b = _pairs([[20, 10], [10, 20]])
    a = pd.concat([a, pd.Series([None, "r0"])], ignore_index=True)
    b = pd.concat([b, pd.Series(["c0", None])], ignore_index=True)
    assert cramers_v(a, b).n == 60


def test_correlation_ratio_by_hand():
    groups = pd.Series(["A", "A", "A", "B", "B", "B"])
    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    # Grand mean 3.5; between = 3 (2 - 3.5)^2 + 3 (5 - 3.5)^2 = 13.5; total = 17.5.
    result = correlation_ratio(groups, values)
    assert result.score == pytest.approx(math.sqrt(13.5 / 17.5), abs=1e-12)
    # One-way ANOVA: F = (13.5 / 1) / (4 / 4) = 13.5 with (1, 4) df; p = 0.02131...
    assert result.p_value == pytest.approx(0.021312, abs=1e-5)
    assert correlation_ratio(pd.Series(["A"] * 6), values).score == 0.0


def test_best_threshold_balanced_accuracy():
    x = pd.Series(np.arange(20.0))
    assert best_threshold_balanced_accuracy(x, pd.Series(["a"] * 10 + ["b"] * 10)) == 1.0
    assert best_threshold_balanced_accuracy(x, pd.Series(["b"] * 10 + ["a"] * 10)) == 1.0
    # a b a b ...: the best cut takes the first row alone: (1/10 + 10/10) / 2 = 0.55
    alternating = pd.Series(["a", "b"] * 10)
    assert best_threshold_balanced_accuracy(x, alternating) == pytest.approx(0.55)
    assert best_threshold_balanced_accuracy(x.head(3), alternating.head(3)) == 0.5
