"""What the interpretation and the report say must follow the facts (issue 12).

Several classes: one coefficient per feature and class. A perfect score: importance said to be
uninformative, ties broken the same way every time and named. No subgroup tested: said, with
the reason and the columns that look like batches. The report's statements about roles, its
audit log and its plan appendix: in words, no internal keys, no absolute paths.
"""

from __future__ import annotations

import re
import tomllib

import numpy as np
import pandas as pd
import pytest

from dlwizard.ml.importance import Group, Result
from dlwizard.report.content import build_report, compact_toml, fmt, fmt_time
from dlwizard.report.document import Report, Table, to_text
from dlwizard.steps import baselines, compare, explore, interpret, split
from dlwizard.steps import test as test_step
from dlwizard.study.model import (
    BaselineOptions,
    CompareOptions,
    Importance,
    InterpretOptions,
    InterpretSection,
    MetricInterval,
    PanelPoint,
    TestOptions,
)
from tests.engine.synthetic import project_from_frame

SPECIES = ["Adelie", "Chinstrap", "Gentoo"]
MEASURES = ("bill", "flipper", "mass", "wing", "tail", "head")


def field_frame(n: int = 150, seed: int = 0, shift: float = 8.0) -> pd.DataFrame:
    """Three species told apart by six measurements, each enough on its own (the score stays
    perfect whichever one is shuffled); a collection site and an animal tag sit in the table."""
    rng = np.random.default_rng(seed)
    species = np.array(SPECIES)[np.arange(n) % 3]
    code = np.arange(n) % 3
    df = pd.DataFrame(
        {
            "sample": [f"S-{i:04d}-x" for i in range(n)],
            "species": species,
            "site": rng.choice(["Biscoe", "Dream", "Torgersen"], n),
            "animal": [f"N{rng.integers(1, 40):02d}" for _ in range(n)],
        }
    )
    for name in MEASURES:
        df[name] = rng.normal(size=n) + shift * code
    df["noise"] = rng.normal(size=n)
    return df


def field_project(tmp_path, site_role: str = "feature", shift: float = 8.0):
    """Imported, reviewed (the site a feature, the animal tag ignored, unless told otherwise),
    split, logistic regression tuned and frozen, the test set opened once, interpreted."""
    df = field_frame(shift=shift)
    project = project_from_frame(
        tmp_path, df, target="species", roles={"site": site_role, "animal": "ignore"}
    )
    project.path = tmp_path / "field.dlwiz"
    explore.run(project)
    split.run(project)
    baselines.run(
        project,
        BaselineOptions(families=["logistic"], trials=2, permutations=0, bootstrap=100),
    )
    compare.freeze(project, CompareOptions(model="baseline:logistic"))
    test_step.unseal(project, TestOptions(bootstrap=100), confirm=True)
    # Each measurement shuffled on its own (no grouping): the others keep the score perfect.
    interpret.run(project, InterpretOptions(repeats=3, correlation=1.0, panel_k=2))
    return project


@pytest.fixture(scope="module")
def perfect(tmp_path_factory):
    return field_project(tmp_path_factory.mktemp("perfect"))


@pytest.fixture(scope="module")
def report_text(perfect):
    return to_text(build_report(perfect))


def _section_text(project, key: str) -> str:
    report = build_report(project)
    return to_text(Report("", "", "", "", "", sections=[report.find(key)]))


# -- several classes: one coefficient per class ------------------------------------------------
def test_several_classes_get_one_coefficient_per_class(perfect):
    section = perfect.study.interpret
    classes, rows = interpret.coefficient_table(section)
    assert classes == SPECIES
    by_feature = dict(rows)
    assert {"bill", "flipper", "mass"} <= set(by_feature)
    assert all(len(values) == 3 for values in by_feature.values())
    # The measurements rise from Adelie to Gentoo: the sign depends on the class, which one
    # signed number per feature could not say.
    bill = by_feature["bill"]
    assert bill[0] < 0 < bill[2]
    # a category's coefficient is named by its column and level, as people read it
    assert {f for f in by_feature if f.startswith("site")} <= {
        "site = Biscoe",
        "site = Dream",
        "site = Torgersen",
    }


def test_the_report_prints_the_coefficients_per_class(perfect):
    report = build_report(perfect)
    tables = [b for b in report.find("interpret").blocks if isinstance(b, Table)]
    coef = next(t for t in tables if t.columns[0] == "Feature")
    assert coef.columns == ["Feature", *SPECIES]
    for row in coef.rows:
        assert all(not re.fullmatch(r"[+-]0(\.0*)?", cell) for cell in row[1:]), row


def test_a_binary_coefficient_table_says_which_class_is_positive():
    section = InterpretSection(metric="auroc", coefficients={"g0": 1.21, "g1": -0.000004})
    classes, rows = interpret.coefficient_table(section)
    assert classes == [] and rows == [("g0", [1.21]), ("g1", [-0.000004])]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (-1e-12, "0"),
        (2.852621, "+2.85"),
        (-0.0123456, "-0.0123"),
        (-2.5, "-2.5"),
        (0.000012345, "+0.0000123"),
        (1234.5, "+1234"),
        (float("nan"), "–"),
    ],
)
def test_coefficients_are_shown_with_three_significant_digits_and_never_signed_zero(value, shown):
    assert interpret.fmt_coefficient(value) == shown


def test_no_number_is_printed_as_minus_zero():
    assert fmt(-0.0001) == "0.000" and fmt(-0.0) == "0.000" and fmt(-0.002) == "-0.002"
    assert interpret.fmt_importance(-0.00001) == "0.000"


# -- a perfect score: importance is uninformative, and ties are named --------------------------
def test_at_a_perfect_score_importance_is_said_to_be_uninformative(perfect, report_text):
    section = perfect.study.interpret
    assert section.full_score.value == 1.0 and interpret.at_ceiling(section)
    assert section.caveats[0] == interpret.ceiling_note(section)
    assert "importance is uninformative" in section.caveats[0]
    # The case: every importance is 0, and the page and report must say why.
    assert section.importances and all(i.value == 0 for i in section.importances)
    assert "every importance is 0" in section.caveats[0]
    stands_out = next(f for f in perfect.findings("interpret") if f.code == "no-feature-stands-out")
    assert "perfect" in stands_out.message and "more samples are needed" not in stands_out.fix
    flat = report_text.replace("\n", " ")
    assert "At a perfect score:" in flat and "importance is uninformative" in flat
    assert flat.count("importance is uninformative") == 1  # not repeated among the caveats


def test_importance_not_at_the_ceiling_says_nothing_about_it():
    section = InterpretSection(
        metric="auroc", full_score=MetricInterval(value=0.93, low=0.9, high=0.96)
    )
    assert not interpret.at_ceiling(section)
    errors = InterpretSection(metric="rmse", full_score=MetricInterval(value=0.0, low=0, high=0))
    assert interpret.at_ceiling(errors)  # an error of 0 is a ceiling too


def test_ties_are_broken_by_association_then_name_whatever_the_order_found():
    results = [
        Result(Group("zeta", ["zeta"]), 0.0, 0.0, 0.0),
        Result(Group("alpha", ["alpha"]), 0.0, 0.0, 0.0),
        Result(Group("mid", ["mid"]), 0.0, 0.0, 0.0),
        Result(Group("top", ["top"]), 0.2, 0.1, 0.3),
        Result(Group("cat", ["cat"]), 0.0, 0.0, 0.0),  # categorical: no association score
    ]
    assoc = {"mid": 0, "zeta": 1, "alpha": 2, "top": 3}
    orders = []
    for perm in ([0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]):
        shuffled = [results[i] for i in perm]
        ranked = sorted(shuffled, key=lambda r: interpret._rank_key(r, assoc))
        orders.append([r.group.name for r in ranked])
    assert orders[0] == ["top", "mid", "zeta", "alpha", "cat"]
    assert orders[0] == orders[1] == orders[2]


def test_the_panel_says_when_it_picked_from_tied_features():
    imp = [
        Importance(name="top", value=0.2, low=0.1, high=0.3),
        Importance(name="b", value=0.0, low=0.0, high=0.0),
        Importance(name="c", value=0.0, low=0.0, high=0.0),
        Importance(name="d", value=0.0, low=0.0, high=0.0),
    ]
    iv = MetricInterval(value=1.0, low=1.0, high=1.0)
    section = InterpretSection(
        importances=imp,
        panel=[
            PanelPoint(k=1, features=["top"], score=iv),
            PanelPoint(k=2, features=["top", "b"], score=iv),
        ],
    )
    text = interpret.panel_ties(section)
    assert "3 features are tied in importance (0.000): b, c, d" in text
    assert "k = 2" in text and "tie-break" in text
    section.panel = section.panel[:1]  # k = 1 takes the clear leader: no tie to mention
    assert interpret.panel_ties(section) == ""


def test_the_perfect_study_names_its_ties_on_the_panel(perfect):
    section = perfect.study.interpret
    tied = interpret.panel_ties(section)
    n = len(section.importances)
    assert tied.startswith(f"{n} features are tied in importance (0.000)")
    assert tied in section.caveats
    assert "tie-break" in _section_text(perfect, "interpret")
    # Deterministic: by association with the label in the training rows, so the measurements
    # that carry the label come before the noise and the site, every time.
    names = [i.name for i in section.importances]
    assert set(names[: len(MEASURES)]) == set(MEASURES)
    again = interpret.run(perfect, InterpretOptions(repeats=3, correlation=1.0, panel_k=2, seed=7))
    assert [i.name for i in again.importances] == names
    assert [p.features for p in again.panel] == [p.features for p in section.panel]


# -- subgroups: none tested is not "none did worse" -------------------------------------------
def test_no_subgroup_tested_is_said_with_the_reason_and_the_candidates(perfect, report_text):
    said = interpret.subgroup_statement(perfect)
    assert said.startswith("No subgroup was tested")
    assert "no column has the batch or sensitive role" in said
    assert "'site' looks like a batch, site or date column but is a model input" in said
    assert "did clearly worse" not in said
    subgroups = _section_text(perfect, "eval.subgroups")
    assert "No subgroup was tested" in subgroups and "'site'" in subgroups
    assert "the data have no batch" not in report_text


def test_subgroups_scored_and_none_worse_says_how_many(tmp_path):
    project = field_project(tmp_path, site_role="batch")
    said = interpret.subgroup_statement(project)
    look = project.study.test.looks[-1]
    scored = [g for g in look.subgroups if g.metrics]
    if not any(g.below_overall for g in look.subgroups):
        assert said.startswith("No subgroup did clearly worse")
        assert f"{len(scored)} subgroups of 'site' were scored" in said
    else:
        assert "did clearly worse than the whole test set" in said


def test_before_the_test_set_is_opened_the_subgroups_are_unknown(perfect):
    class Closed:
        study = perfect.study
        test_opened = False

    assert interpret.subgroup_statement(Closed).startswith("Known after the test set is opened")


# -- the report: roles, audit log, plan, times -------------------------------------------------
def test_the_report_says_no_column_has_the_role_and_names_the_candidates(report_text):
    flat = report_text.replace("\n", " ")
    assert "no batch column" not in flat and "no subject column" not in flat.lower()
    assert "No column has the subject role; 'animal' looks like a subject ID but is ignored" in (
        flat
    )
    assert "no column has the batch or time-point role; 'site' looks like" in flat


def test_the_audit_log_is_in_words(perfect):
    audit = _section_text(perfect, "audit")
    for key in ("grouped_by", "None", "True", "False", "test-unsealed", "split-made",
                "changed_roles", "baseline:logistic", "n_test", "= "):  # fmt: skip
        assert key not in audit, key
    assert "kept together by: none" in audit
    assert "roles changed: site (feature), animal (ignored)" in audit or (
        "roles changed: animal (ignored), site (feature)" in audit
    )
    assert "test set opened" in audit and "Logistic regression" in audit
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", audit)
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d", audit)


def test_the_plan_appendix_has_no_absolute_path_and_one_line_lists(perfect, tmp_path_factory):
    plan = _section_text(perfect, "repro")
    assert str(tmp_path_factory.getbasetemp()) not in plan
    assert not re.search(r'"/[^"]*"', plan)  # no absolute path at all
    assert 'paths = ["synthetic.parquet"]' in plan
    assert 'na_values = ["", "NA", ' in plan
    assert not re.search(r'^\s*"NA",$', plan, re.M)  # not one marker a line


def test_compact_toml_keeps_the_same_plan():
    from dlwizard.plan import dumps

    plan = {
        "data": {"paths": ["a.csv", "b.csv"], "na_values": [f"v{i}" for i in range(40)]},
        "baselines": {"families": ["logistic", "knn"], "trials": 2},
        "metadata": {"derive": [{"name": "subject", "from": "id", "pattern": "^(.*)_\\d+$"}]},
    }
    text = compact_toml(dumps(plan))
    assert tomllib.loads(text) == plan
    assert 'paths = ["a.csv", "b.csv"]' in text
    assert all(len(line) <= 88 for line in text.splitlines())


def test_times_are_written_in_utc_without_the_iso_t():
    assert fmt_time("2026-01-05T10:00:00+00:00") == "2026-01-05 10:00:00 UTC"
    assert fmt_time("2026-01-05T11:00:00.123456+01:00") == "2026-01-05 10:00:00 UTC"
    assert fmt_time("2026-01-05T10:00:00Z") == "2026-01-05 10:00:00 UTC"
    assert fmt_time("not a time") == "not a time"


def test_statements_are_plain_without_candidates(tmp_path):
    """No column looks like a batch: the report says none has the role and none looks like
    one (no invented candidates)."""
    df = field_frame(n=90, shift=2.0).drop(columns=["site", "animal"])
    project = project_from_frame(tmp_path, df, target="species")
    assert interpret.candidates_words(project, ("batch", "subject")) == ""
    text = to_text(build_report(project)).replace("\n", " ")
    assert "No column has the subject role, and none looks like one" in text
