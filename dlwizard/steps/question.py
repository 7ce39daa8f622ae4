"""Step 1, question (Tips 1, 4): what is predicted, for whom, and how well it could ever be.

The answers can be given before the data is imported; :func:`resolve` checks them against the
table (target present, enough classes) whenever either side changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dlwizard.errors import StepError
from dlwizard.study.model import Ceiling, Finding, Question, TaskKind
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

STEP = "question"
MAX_CLASSES = 30  # more distinct values than this and a numeric target is treated as a quantity
_POSITIVE_WORDS = (
    "1", "yes", "true", "positive", "pos", "case", "disease", "diseased", "tumor", "tumour",
    "cancer", "malignant", "affected", "sick", "responder", "dead", "died", "event",
)  # fmt: skip


def infer_task(values: pd.Series) -> tuple[TaskKind, str]:
    """Guess the task from the target's values, with the reason in plain words."""
    import pandas as pd

    s = values.dropna()
    n_unique = int(s.nunique())
    if n_unique == 2:
        return "binary", "the column has exactly two different values"
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    if numeric:
        whole = bool((s % 1 == 0).all())
        if whole and n_unique <= min(MAX_CLASSES, max(3, len(s) // 5)):
            return (
                "multiclass",
                f"the column has {n_unique} whole-number values, which look like categories",
            )
        return "regression", f"the column holds numbers with {n_unique} different values"
    return "multiclass", f"the column has {n_unique} different categories"


def default_positive(classes: list[str], counts: dict[str, int]) -> str:
    """The class of interest: a word that means 'case', else the rarer class."""
    lowered = {c.lower(): c for c in classes}
    for word in _POSITIVE_WORDS:
        if word in lowered:
            return lowered[word]
    return min(classes, key=lambda c: (counts.get(c, 0), c))


def class_labels(values: pd.Series) -> pd.Series:
    """Target values as the strings the Study stores (1.0 and 1 are the same class '1')."""
    import pandas as pd

    s = values
    if pd.api.types.is_float_dtype(s.dtype):
        non_null = s.dropna()
        if len(non_null) and bool((non_null % 1 == 0).all()):
            s = s.astype("Int64")
    return s.astype("str").where(values.notna())


def apply(project: Project, **answers: Any) -> None:
    """Record answers (target, task, positive_class, unit, unit_other, intended_use, ceiling)."""
    q = project.study.question.model_dump()
    unknown = set(answers) - set(q) - {"ceiling"}
    if unknown:
        raise StepError(f"unknown question field(s): {', '.join(sorted(unknown))}")
    ceiling = answers.pop("ceiling", q.get("ceiling"))
    if answers.get("task") == "auto":
        answers["task"] = None
        answers["task_confirmed"] = False
    elif answers.get("task") is not None:
        answers["task_confirmed"] = True
    before = (q["target"], q["task"], q["positive_class"])
    changes = {k: answers[k] for k in ("target", "task", "positive_class") if k in answers}
    if any(changes[k] != q[k] for k in changes if k != "task" or changes[k] is not None):
        project.refuse_if_test_opened("changing the target, task or class of interest")
    if "target" in answers and answers["target"] != q["target"]:
        q.update(task=None, task_confirmed=False, positive_class=None, classes=[], class_counts={})
        if "task" in answers and answers["task"] is None:
            answers.pop("task")
    q.update(answers)
    if isinstance(ceiling, dict):
        ceiling = Ceiling(**ceiling)
    q["ceiling"] = ceiling.model_dump() if isinstance(ceiling, Ceiling) else ceiling
    project.study.question = Question.model_validate(q)
    project.touch()
    resolve(project)
    after = project.study.question
    if before[0] != after.target or before[1] != after.task:
        # A new target or task: the roles (the target is never an input) and the metadata
        # checks follow it; the exploration, the split (stratified by it) and every model rest
        # on the old one. The import does not depend on it and stays done.
        from dlwizard.steps import metadata

        metadata.follow_target(project)
        project.invalidate_after("metadata")
        for step in ("explore", "split", "baselines"):
            if getattr(project.study, step, None) is not None:
                setattr(project.study, step, None)
                project.study.steps_done.pop(step, None)
    elif before[2] != after.positive_class:
        project.invalidate_after("split")  # the models' scores are for the class of interest


def resolve(project: Project) -> list[Finding]:
    """Check the question against the data; infer the task; record findings."""
    q = project.study.question
    findings: list[Finding] = []
    df = project.table
    if not q.target:
        findings.append(
            Finding(
                code="target-not-set",
                severity="error",
                step=STEP,
                message="No target is chosen: say which column holds the answer the model "
                "should learn to give.",
                fix="choose the target column on the question page.",
            )
        )
    elif df is not None and q.target not in df.columns:
        findings.append(
            Finding(
                code="target-not-found",
                severity="error",
                step=STEP,
                message=f"The target column '{q.target}' is not in the imported data.",
                fix="choose one of the data's columns as the target.",
                columns=[q.target],
            )
        )
    elif df is not None:
        # Class counts describe the whole data set: after a split the sealed rows are counted
        # from the split's record, without opening them.
        sp = project.study.split
        sealed_counts = sp.composition.get("test", {}) if sp and sp.sealed else {}
        findings += _check_target(project, df[q.target], sealed_counts)
    project.replace_findings(STEP, findings)
    if not project.errors(STEP) and q.target:
        project.mark_done(STEP)
    elif STEP in project.study.steps_done:
        project.study.steps_done = {k: v for k, v in project.study.steps_done.items() if k != STEP}
    return findings


def _check_target(
    project: Project, values: pd.Series, sealed_counts: dict[str, int] | None = None
) -> list[Finding]:
    """Check the target's values, infer the task and record the classes (and the class of
    interest) in the question."""
    q = project.study.question
    name = q.target or ""
    n_missing = int(values.isna().sum())
    present = values.dropna()
    if len(present) == 0:
        return [
            Finding(
                code="target-all-missing",
                severity="error",
                step=STEP,
                message=f"The target column '{name}' has no values at all.",
                fix="choose the column that holds the outcome, or join the labels from a sample "
                "sheet on the data page.",
                columns=[name],
            )
        ]
    findings: list[Finding] = []
    if n_missing:
        findings.append(
            Finding(
                code="target-missing-values",
                severity="warning",
                step=STEP,
                message=f"{n_missing} of {len(values)} rows have no value in the target "
                f"'{name}'; they cannot be used for training or testing and will be left out.",
                fix="fill in the missing labels if you can.",
                columns=[name],
                detail={"n_missing": n_missing},
            )
        )
    inferred, reason = infer_task(present)
    task = q.task if q.task_confirmed and q.task else inferred
    updates: dict[str, Any] = {"task_inferred": inferred, "task_reason": reason, "task": task}
    if task == "regression":
        findings += _check_quantity(name, present)
        updates.update(classes=[], class_counts={}, positive_class=None)
    else:
        counts = _class_counts(values, sealed_counts)
        classes = sorted(counts)
        updates.update(classes=classes, class_counts=counts)
        findings += _check_classes(name, task, counts)
        if len(classes) >= 2:
            updates["positive_class"] = _positive_class(q, task, classes, counts)
    project.study.question = q.model_copy(update=updates)
    Question.model_validate(project.study.question.model_dump())
    return findings


def _check_quantity(name: str, present: pd.Series) -> list[Finding]:
    """A regression target must hold numbers."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(present.dtype):
        return []
    return [
        Finding(
            code="target-not-numeric",
            severity="error",
            step=STEP,
            message=f"A regression needs numbers, but '{name}' holds text.",
            fix="choose a classification task, or a numeric target.",
            columns=[name],
        )
    ]


def _class_counts(values: pd.Series, sealed_counts: dict[str, int] | None) -> dict[str, int]:
    """Rows per class, the sealed test rows (counted from the split's record) included."""
    labels = class_labels(values).dropna()
    counts = {str(k): int(v) for k, v in labels.value_counts().items()}
    for k, v in (sealed_counts or {}).items():
        if k != "n":  # a regression split records only the size
            counts[k] = counts.get(k, 0) + int(v)
    return counts


def _check_classes(name: str, task: str, counts: dict[str, int]) -> list[Finding]:
    """A single class, a class count that does not fit the task, and tiny or small classes."""
    classes = sorted(counts)
    if len(classes) < 2:
        return [
            Finding(
                code="target-single-class",
                severity="error",
                step=STEP,
                message=f"Every labelled row of '{name}' has the same value "
                f"('{classes[0]}'): there is nothing to predict.",
                fix="choose another target, or import data that includes the other class(es).",
                columns=[name],
            )
        ]
    findings: list[Finding] = []
    if task == "binary" and len(classes) != 2:
        findings.append(
            Finding(
                code="task-mismatch",
                severity="error",
                step=STEP,
                message=f"The task is set to two classes but '{name}' has {len(classes)}.",
                fix="set the task to multiclass, or choose another target.",
                columns=[name],
            )
        )
    tiny = {c: n for c, n in counts.items() if n < 2}
    small = {c: n for c, n in counts.items() if 2 <= n < 10}
    if tiny:
        findings.append(
            Finding(
                code="class-too-small",
                severity="warning",
                step=STEP,
                message="Class(es) with a single sample: "
                + ", ".join(f"'{c}'" for c in tiny)
                + ". One example cannot be split into training and test sets.",
                fix="merge the class into a related one, or drop those rows.",
                columns=[name],
                detail={"classes": tiny},
            )
        )
    if small:
        findings.append(
            Finding(
                code="class-small",
                severity="info",
                step=STEP,
                message="Few examples in class(es) "
                + ", ".join(f"'{c}' ({n})" for c, n in small.items())
                + "; estimates for them will be uncertain.",
                columns=[name],
            )
        )
    return findings


def _positive_class(
    q: Question, task: str, classes: list[str], counts: dict[str, int]
) -> str | None:
    """The class of interest of a two-class task: the user's choice if it still occurs, else
    the default; none for more classes."""
    if task == "binary" and len(classes) == 2:
        pos = q.positive_class if q.positive_class in classes else None
        return pos or default_positive(classes, counts)
    return None
