"""Step 1, question: task inference, positive class, confirmation and resets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from dlwizard.errors import StepError
from dlwizard.steps import question
from dlwizard.study.model import Ceiling
from dlwizard.study.project import Project


def _project(**columns) -> Project:
    project = Project.new("Question test")
    project.table = pd.DataFrame(columns)
    return project


def _codes(project: Project) -> list[str]:
    return [f.code for f in project.findings("question")]


# -- infer_task -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "task"),
    [
        (["ALL", "AML", "ALL", "AML"], "binary"),
        ([0, 1, 1, 0, 1], "binary"),
        ([0.0, 1.0, np.nan, 1.0], "binary"),
        ([True, False, True], "binary"),
        (["EWS", "RMS", "NB", "BL", "EWS"], "multiclass"),
        ([0, 1, 2, 3, 4] * 6, "multiclass"),  # numeric codes of 5 stages, 30 rows
        ([1.0, 2.0, 3.0] * 10, "multiclass"),  # codes stored as floats
        ([0.5, 1.25, 3.0, 7.5, 2.2, 9.9], "regression"),
        (list(range(40, 80)), "regression"),  # 40 ages, each once: a quantity
    ],
)
def test_infer_task(values, task):
    inferred, reason = question.infer_task(pd.Series(values))
    assert inferred == task
    assert reason


def test_many_whole_numbers_are_a_quantity_not_classes():
    counts = pd.Series(np.arange(200) % 45)  # 45 distinct whole numbers
    assert question.infer_task(counts)[0] == "regression"
    few = pd.Series(np.arange(200) % 6)
    assert question.infer_task(few)[0] == "multiclass"


# -- positive class -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("counts", "positive"),
    [
        ({"benign": 357, "malignant": 212}, "malignant"),
        ({"control": 10, "Disease": 40}, "Disease"),  # a 'case' word wins over rarity
        ({"0": 48, "1": 147}, "1"),
        ({"no": 30, "yes": 70}, "yes"),
        ({"ALL": 47, "AML": 25}, "AML"),  # no case word: the rarer class
        ({"b": 5, "a": 5}, "a"),  # a tie: alphabetical, so the choice is stable
    ],
)
def test_default_positive(counts, positive):
    assert question.default_positive(sorted(counts), counts) == positive


def test_class_labels_of_float_codes_are_whole_numbers():
    labels = question.class_labels(pd.Series([1.0, 0.0, np.nan]))
    assert labels.tolist()[:2] == ["1", "0"]
    assert pd.isna(labels.iloc[2])


# -- apply and resolve ----------------------------------------------------------------------------
def test_binary_numeric_codes():
    project = _project(status=[0, 1, 1, 1, 0, 1], x=range(6))
    question.apply(project, target="status")
    q = project.study.question
    assert (q.task, q.task_inferred, q.task_confirmed) == ("binary", "binary", False)
    assert q.classes == ["0", "1"]
    assert q.class_counts == {"1": 4, "0": 2}
    assert q.positive_class == "1"
    assert project.is_done("question")


def test_user_positive_class_is_kept_and_a_foreign_one_replaced():
    project = _project(dx=["a", "b", "b", "a", "b"] * 4)
    question.apply(project, target="dx", positive_class="b")
    assert project.study.question.positive_class == "b"
    question.resolve(project)
    assert project.study.question.positive_class == "b"
    question.apply(project, positive_class="zzz")
    assert project.study.question.positive_class == "a"  # not a class: the default instead


def test_confirmed_task_is_kept_and_auto_goes_back_to_inferred():
    project = _project(grade=[1, 2, 1, 2, 1, 2])
    question.apply(project, target="grade", task="regression")
    q = project.study.question
    assert (q.task, q.task_inferred, q.task_confirmed) == ("regression", "binary", True)
    assert q.classes == [] and q.positive_class is None
    question.resolve(project)  # e.g. after a re-import
    assert project.study.question.task == "regression"
    question.apply(project, task="auto")
    q = project.study.question
    assert (q.task, q.task_confirmed) == ("binary", False)
    assert q.classes == ["1", "2"] and q.positive_class == "1"


def test_changing_the_target_resets_classes_and_confirmation():
    project = _project(
        dx=["ALL", "AML", "ALL", "AML", "ALL", "ALL"],
        stage=["I", "II", "III", "I", "II", "III"],
    )
    question.apply(project, target="dx", task="binary", positive_class="ALL")
    assert project.study.question.positive_class == "ALL"
    assert project.study.question.task_confirmed
    question.apply(project, target="stage")
    q = project.study.question
    assert q.target == "stage"
    assert (q.task, q.task_confirmed) == ("multiclass", False)
    assert q.classes == ["I", "II", "III"]
    assert q.class_counts == {"I": 2, "II": 2, "III": 2}
    assert q.positive_class is None
    question.apply(project, target="dx")
    q = project.study.question
    assert q.positive_class == "AML"  # the earlier choice did not come back with the target
    assert q.task_confirmed is False


def test_target_and_task_in_one_call():
    project = _project(a=[1.5, 2.5, 3.5, 0.1], b=[0, 1, 0, 1])
    question.apply(project, target="a")
    question.apply(project, target="b", task="multiclass")
    q = project.study.question
    assert (q.target, q.task, q.task_confirmed) == ("b", "multiclass", True)


def test_answers_before_the_data_is_imported():
    project = Project.new()
    question.apply(project, target="dx", unit="cell", intended_use="triage")
    q = project.study.question
    assert q.target == "dx" and q.task is None and q.classes == []
    assert project.is_done("question")  # nothing to check against yet
    assert _codes(project) == []


def test_no_target_is_an_error():
    project = _project(x=[1, 2])
    question.apply(project, unit="patient")
    assert _codes(project) == ["target-not-set"]
    assert not project.is_done("question")


def test_target_not_in_the_data():
    project = _project(x=[1, 2])
    question.apply(project, target="y")
    (finding,) = project.errors("question")
    assert finding.code == "target-not-found" and finding.columns == ["y"]
    assert not project.is_done("question")


def test_errors_undo_an_earlier_done_mark():
    project = _project(dx=["a", "b", "a", "b"], y=[1, 1, 1, 1])
    question.apply(project, target="dx")
    assert project.is_done("question")
    question.apply(project, target="y")
    assert _codes(project) == ["target-single-class"]
    assert not project.is_done("question")


def test_target_checks():
    project = _project(dx=[None, None, None])
    question.apply(project, target="dx")
    assert _codes(project) == ["target-all-missing"]

    project = _project(dx=["a", "b", None, "a", "b", "a"] * 4)
    question.apply(project, target="dx")
    finding = next(f for f in project.findings() if f.code == "target-missing-values")
    assert finding.severity == "warning" and finding.detail == {"n_missing": 4}
    assert project.study.question.class_counts == {"a": 12, "b": 8}
    assert project.is_done("question")


def test_class_size_findings():
    project = _project(dx=["a"] * 20 + ["b"] * 5 + ["c"])
    question.apply(project, target="dx")
    codes = _codes(project)
    assert "class-too-small" in codes and "class-small" in codes
    tiny = next(f for f in project.findings() if f.code == "class-too-small")
    assert tiny.detail == {"classes": {"c": 1}}
    assert project.is_done("question")  # warnings, not errors


def test_task_mismatch_and_regression_on_text():
    project = _project(dx=["a", "b", "c", "a", "b", "c"])
    question.apply(project, target="dx", task="binary")
    assert "task-mismatch" in _codes(project)
    question.apply(project, task="regression")
    assert _codes(project) == ["target-not-numeric"]
    question.apply(project, task="multiclass")
    assert project.errors("question") == []


def test_unknown_answers_and_bad_values():
    project = _project(dx=["a", "b"])
    with pytest.raises(StepError, match="unknown question field"):
        question.apply(project, traget="dx")
    with pytest.raises(ValidationError):
        question.apply(project, task="ordinal")
    with pytest.raises(ValidationError):
        Ceiling(kind="heritability", value=1.5)


def test_ceiling_as_dict_or_model_and_kept_on_later_answers():
    project = _project(dx=["a", "b"] * 5)
    question.apply(project, target="dx", ceiling={"kind": "heritability", "value": 0.4})
    assert project.study.question.ceiling == Ceiling(kind="heritability", value=0.4)
    question.apply(project, intended_use="screening")
    assert project.study.question.ceiling == Ceiling(kind="heritability", value=0.4)
    question.apply(project, ceiling=Ceiling(value=0.8, note="twins"))
    assert project.study.question.ceiling.note == "twins"
    question.apply(project, ceiling=None)
    assert project.study.question.ceiling is None
