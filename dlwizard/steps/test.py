"""Step 9, the test (Tip 1): open the sealed test set once, for the frozen final model.

The first opening is the primary analysis. Any later look is allowed only as a new, named
analysis version with a reason; every look is kept in the Study and in the audit log, and the
report prints them all. This module is the only code that reads the sealed rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.errors import StepError
from dlwizard.jobs import Job
from dlwizard.ml import metrics
from dlwizard.ml.tuning import SELECTION_METRIC
from dlwizard.steps import modelling
from dlwizard.steps.compare import final_model
from dlwizard.steps.split import value_keys
from dlwizard.study.model import (
    Evaluation,
    FinalModel,
    Finding,
    SubgroupResult,
    TestLook,
    TestOptions,
    TestSection,
)
from dlwizard.study.project import Project, current_user

if TYPE_CHECKING:
    import pandas as pd

STEP = "test"
PRIMARY = "primary analysis"
SUBGROUP_ROLES = ("batch", "sensitive")
MIN_SUBGROUP = 5  # fewer test rows than this in a subgroup: not scored, too noisy


def looks(project: Project) -> list[dict]:
    """Every opening of the test set in the audit log (the log is kept even if a later step
    is redone, so this counts looks the Study no longer shows)."""
    return [e.detail | {"time": e.time} for e in project.log if e.action == "test-unsealed"]


def is_opened(project: Project) -> bool:
    return bool(looks(project))


def opened_rows(project: Project) -> pd.DataFrame:
    """The test rows, for steps after the test (interpretation on the test set). Refused while
    the test set has never been opened."""
    sealed = project.sealed_rows()
    if not is_opened(project) or sealed is None:
        raise StepError(
            "the test set is still sealed",
            fix="open it once on the test page, for the frozen final model.",
        )
    return sealed


def _evaluation(task: str, y, out, groups, n_boot: int, seed: int) -> Evaluation:
    ev = metrics.bootstrap(task, y, out, groups, n_boot=n_boot, seed=seed)
    return modelling.as_evaluation(ev, "test")


@dataclass
class _Scored:
    """One look, and the outputs it was scored from (kept beside it for the curves)."""

    look: TestLook
    metric: str
    labels: np.ndarray
    final: np.ndarray
    baseline: np.ndarray | None  # None when the final model is the best baseline
    classes: list[str]


def unseal(
    project: Project,
    options: TestOptions | None = None,
    *,
    confirm: bool,
    job: Job | None = None,
) -> TestLook:
    """Open the test set for the frozen final model (and the best baseline beside it).

    ``confirm`` must be True: the caller has shown the user that this happens once. A second
    look needs ``options.version`` (a new name) and ``options.reason``; without them it is
    refused.
    """
    job = job or Job()
    options = options or TestOptions()
    final = final_model(project)
    version = _allowed_version(project, options, confirm)
    test = _sealed_test_rows(project)
    scored = _score(project, final, test, options, version, job)
    _record(project, test, scored)
    job.progress(1.0, "Test done")
    return scored.look


def _allowed_version(project: Project, options: TestOptions, confirm: bool) -> str:
    """The analysis version this look is recorded as; refused without the confirmation, and a
    later look without a new name and a reason."""
    if not confirm:
        raise StepError(
            "opening the test set needs an explicit confirmation",
            fix="confirm that the final model is frozen and that this is the one look.",
        )
    previous = looks(project)
    version = options.version.strip()
    if not previous:
        return version or PRIMARY
    first = previous[0]
    if not version:
        raise StepError(
            f"the test set was already opened on {first['time']} for {first.get('model')}; "
            "a second look is refused unless it is declared as a new analysis version",
            fix="give the new analysis version a name and say why you look again; both are "
            "printed in the report beside every earlier look.",
        )
    if version in {str(p.get("version")) for p in previous}:
        raise StepError(
            f"an analysis version named '{version}' already looked at the test set",
            fix="choose a new name for this analysis version.",
        )
    if not options.reason.strip():
        raise StepError(
            "a second look at the test set needs a reason",
            fix="write why you look again (for example: a reviewer asked for another model).",
        )
    return version


def _sealed_test_rows(project: Project) -> pd.DataFrame:
    """The sealed rows, in the split's order; refused when any of them is missing."""
    s = project.study
    test = project.sealed_rows()
    if test is None or s.split is None or not s.split.test:
        raise StepError("there is no sealed test set in this project", fix="split the data first.")
    missing = [i for i in s.split.test if i not in test.index]
    if missing:
        raise StepError(
            f"{len(missing)} sealed test rows are missing from the project",
            fix="the file was altered outside dlwizard; import and split the data again.",
        )
    return test.loc[s.split.test]


def _score(
    project: Project,
    final: FinalModel,
    test: pd.DataFrame,
    options: TestOptions,
    version: str,
    job: Job,
) -> _Scored:
    """The look: the final model and the best baseline beside it scored on the test rows, and
    per subgroup."""
    s = project.study
    job.progress(0.05, "Loading the frozen final model")
    model = modelling.load_frozen(project)
    p = modelling.prepare(project)
    x = modelling.model_input(p, test)
    y = modelling.encode_labels(test[s.question.target], p.task, p.classes)
    subject = project.column_with("subject", in_table=False)
    groups = test[subject].astype(str).to_numpy() if subject and s.split.group_column else None
    job.progress(0.2, "Scoring the final model on the test set")
    out = model.output(x)
    seed = s.baselines.options.seed
    final_eval = _evaluation(p.task, y, out, groups, options.bootstrap, seed)
    metric = SELECTION_METRIC[p.task]
    # The best baseline beside it: the yardstick the final model has to be read against.
    best = modelling.best_baseline(s.baselines.results, metric)
    base_key, base_eval, base_out = None, None, None
    if best is not None and f"baseline:{best.key}" != final.key:
        job.progress(0.4, f"Scoring the best baseline ({best.name})")
        pipe = modelling.refit(project, best.key, job.sub(0.4, 0.6))
        from dlwizard.ml.tuning import model_output

        base_out = model_output(pipe, x, p.task, len(p.classes))
        base_key = best.key
        base_eval = _evaluation(p.task, y, base_out, groups, options.bootstrap, seed)
    job.progress(0.7, "Performance per subgroup")
    subgroups = _subgroups(project, test, p.task, y, out, groups, final_eval, metric, seed)
    look = TestLook(
        version=version,
        reason=options.reason.strip(),
        user=current_user(),
        model=final.key,
        model_files=dict(final.files),
        n_test=len(test),
        test_sha256=s.split.test_sha256,
        final=final_eval,
        baseline=base_key,
        baseline_eval=base_eval,
        tune_score=final.tune.metrics[metric].value if final.tune else None,
        subgroups=subgroups,
        bootstrap=options.bootstrap,
    )
    return _Scored(look, metric, y, out, base_out, p.classes)


def _record(project: Project, test: pd.DataFrame, scored: _Scored) -> None:
    """Keep the look in the Study, its outputs beside it, its findings, and the audit entry
    that counts it (the log keeps every look, even after a redo)."""
    s = project.study
    look, metric = scored.look, scored.metric
    section = s.test or TestSection(metric=metric)
    section.looks = [*section.looks, look]
    section.metric = metric
    s.test = section
    s.split.sealed = False
    modelling.store_predictions(
        project,
        test.index,
        {"final": scored.final, f"baseline:{look.baseline}": scored.baseline},
        scored.classes,
        labels=scored.labels,
        name=modelling.TEST_PREDICTIONS,
    )
    project.replace_findings(STEP, _findings(project, look, metric))
    project.mark_done(STEP)
    project.invalidate_after(STEP)
    project.audit(
        "test-unsealed",
        version=look.version,
        reason=look.reason,
        model=look.model,
        n_test=len(test),
        test_sha256=s.split.test_sha256,
        metric=metric,
        value=round(look.final.metrics[metric].value, 4),
    )


def stored_outputs(project: Project, which: str = "final") -> tuple[np.ndarray, np.ndarray]:
    """Labels and stored outputs of the latest look (for curves); refused before any look."""
    if modelling.TEST_PREDICTIONS not in project.frames or not is_opened(project):
        raise StepError("the test set has not been opened yet")
    return modelling.stored_predictions(project, which, name=modelling.TEST_PREDICTIONS)


def _subgroups(project, test, task, y, out, groups, overall, metric, seed):
    roles = project.study.metadata.roles
    cols = [c for c, r in roles.items() if r in SUBGROUP_ROLES and c in test.columns]
    hold = project.study.split.options.hold_out_column
    if hold and hold in test.columns and hold not in cols:
        cols.append(hold)
    higher = metrics.HIGHER_IS_BETTER[metric]
    results = []
    for col in cols:
        values = value_keys(test[col]).fillna("(missing)").to_numpy()  # 1.0 and 1 read as "1"
        for value in sorted(set(values)):
            mask = values == value
            n = int(mask.sum())
            if n < MIN_SUBGROUP:
                results.append(SubgroupResult(column=col, value=str(value), n=n))
                continue
            g = groups[mask] if groups is not None else None
            ev = metrics.bootstrap(task, y[mask], out[mask], g, n_boot=300, seed=seed)
            ivs = {k: modelling.interval(v) for k, v in ev.metrics.items()}
            iv = ivs.get(metric)
            below = False
            if iv is not None and np.isfinite(iv.value) and np.isfinite(iv.high):
                ref = overall.metrics[metric].value
                below = iv.high < ref if higher else iv.low > ref
            results.append(
                SubgroupResult(column=col, value=str(value), n=n, metrics=ivs, below_overall=below)
            )
    return results


def _findings(project: Project, look: TestLook, metric: str) -> list[Finding]:
    s = project.study
    label = metrics.LABELS[metric]
    iv = look.final.metrics[metric]
    higher = metrics.HIGHER_IS_BETTER[metric]
    findings: list[Finding] = []
    if look.tune_score is not None and np.isfinite(iv.high):
        dropped = look.tune_score > iv.high if higher else look.tune_score < iv.low
        if dropped:
            findings.append(
                Finding(
                    code="test-drop",
                    severity="warning",
                    step=STEP,
                    message=f"On the test set the final model's {label} is {iv.value:.3f} "
                    f"(95% interval {iv.low:.3f} to {iv.high:.3f}), below its tuning-set score "
                    f"{look.tune_score:.3f}. The tuning score was optimistic, or the test "
                    "samples differ (for example a held-out site).",
                    fix="report the test figure, not the tuning one; the subgroup table shows "
                    "where the model does worse.",
                )
            )
    ceiling = s.question.ceiling
    if ceiling is not None:
        ceiling_metric = "r2" if s.question.task == "regression" else "balanced_accuracy"
        got = look.final.metrics.get(ceiling_metric)
        if got is not None and got.low > ceiling.value + 0.02:
            findings.append(
                Finding(
                    code="too-good-to-be-true",
                    severity="warning",
                    step=STEP,
                    message=f"The test {metrics.LABELS[ceiling_metric]} ({got.value:.3f}, interval "
                    f"from {got.low:.3f}) is clearly above the ceiling you expected "
                    f"({ceiling.value:.2f}, {ceiling.kind.replace('_', ' ')}). Results better "
                    "than what is possible usually mean leakage: duplicates across sets, a "
                    "feature that encodes the label, or a batch that matches the classes.",
                    fix="re-check the explore and split findings before believing this result.",
                    detail={"ceiling": ceiling.value, "score": got.value},
                )
            )
    meta = next((c for c in s.baselines.controls if c.kind == "metadata_only"), None)
    if meta is not None and meta.tune is not None and metric in meta.tune.metrics:
        m = meta.tune.metrics[metric].value
        close = m >= iv.value - 0.05 if higher else m <= iv.value + 0.05
        chance = 0.0 if metric == "r2" else 0.5
        if close and m > chance + 0.05:
            findings.append(
                Finding(
                    code="close-to-metadata-control",
                    severity="warning",
                    step=STEP,
                    message=f"A model that sees only the metadata ({label} {m:.3f} on the tuning "
                    f"set) scores nearly as well as the final model on the test set "
                    f"({iv.value:.3f}). The model may be reading the batch or site rather than "
                    "the biology.",
                    fix="test on held-out sites or batches, and compare with the metadata control.",
                )
            )
    failing = [g for g in look.subgroups if g.below_overall]
    if failing:
        findings.append(
            Finding(
                code="fails-in-subgroup",
                severity="warning",
                step=STEP,
                message="The model does clearly worse in: "
                + ", ".join(
                    f"{g.column} = {g.value} ({label} {g.metrics[metric].value:.3f}, n = {g.n})"
                    for g in failing
                )
                + ".",
                fix="say so where the model is used; collect more samples of these groups.",
                columns=sorted({g.column for g in failing}),
            )
        )
    if len(s.test.looks) > 1:
        findings.append(
            Finding(
                code="test-looked-again",
                severity="warning",
                step=STEP,
                message=f"The test set has been opened {len(s.test.looks)} times. Every look is "
                "printed in the report; only the first is an untouched estimate.",
                fix="report every look and why it was taken.",
            )
        )
    return findings
