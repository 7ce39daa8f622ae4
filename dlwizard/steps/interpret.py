"""Step 10, interpret (Tips 8, 9): what drives the final model, and what a few features keep.

Permutation importance of the frozen model (groups of correlated features permuted together,
intervals over resamples of subjects), the coefficients of a linear model, a biomarker panel
(the simplest baseline refitted on the top-k features) and plain caveats written into the
Study: importance is association with the prediction, not cause.
"""

from __future__ import annotations

import warnings

import numpy as np

from dlwizard.errors import StepError
from dlwizard.jobs import Job, run_interruptible
from dlwizard.ml import frozen, importance, metrics
from dlwizard.ml.models import families, pipeline
from dlwizard.ml.tuning import SELECTION_METRIC, model_output
from dlwizard.steps import baselines as bl
from dlwizard.steps.compare import final_model
from dlwizard.study.model import (
    Finding,
    Importance,
    InterpretOptions,
    InterpretSection,
    PanelPoint,
)
from dlwizard.study.project import Project

STEP = "interpret"
PANEL_SIZES = (1, 2, 3, 5, 10, 20, 50)
CAVEATS = (
    "Importance measures how much the model's predictions rely on a feature, not whether the "
    "feature causes the outcome: a feature can matter because it travels with the true cause, "
    "with the batch, or with how the samples were collected.",
    "Features that move together were permuted together and share one entry; which member of "
    "a group carries the biology cannot be told from this model.",
    "A feature with low importance may still be related to the outcome: the model may get the "
    "same information from another feature.",
)


def _eval_rows(project: Project, which: str):
    s = project.study
    if which == "tune":
        return project.table.loc[s.split.tune]
    from dlwizard.steps.test import opened_rows

    return opened_rows(project).loc[s.split.test]


def run(project: Project, options: InterpretOptions | None = None, job: Job | None = None):
    job = job or Job()
    options = options or InterpretOptions()
    s = project.study
    final = final_model(project)
    p = bl.prepare(project)
    rows = _eval_rows(project, options.set)
    x = rows[p.numeric + p.categorical]
    y = bl.encode_labels(rows[s.question.target], p.task, p.classes)
    subject = next((c for c, r in s.metadata.roles.items() if r == "subject"), None)
    subjects = rows[subject].astype(str).to_numpy() if subject else None
    metric = SELECTION_METRIC[p.task]
    model = frozen.load(final, project.models)
    job.progress(0.02, "Grouping correlated features")
    # Too many features to permute each: score those most associated with the label in the
    # training rows (never the evaluation rows), and say so.
    numeric = list(p.numeric)
    assoc = importance.univariate_scores(p.x_train[numeric], p.y_train, p.task) if numeric else []
    order = np.argsort(-np.asarray(assoc)) if numeric else np.array([], dtype=int)
    n_features = len(numeric) + len(p.categorical)
    preselected = n_features > options.max_features
    if preselected:
        keep = order[: max(1, options.max_features - len(p.categorical))]
        numeric = [numeric[i] for i in keep]
        order = np.arange(len(numeric))
    groups = importance.correlated_groups(
        p.x_train[numeric].to_numpy(dtype=float), numeric, options.correlation, order
    )
    groups += [importance.Group(c, [c]) for c in p.categorical]
    job.check()
    results = importance.permutation_importance(
        model.output,
        x,
        y,
        p.task,
        metric,
        groups,
        subjects,
        options.repeats,
        options.seed,
        job.sub(0.05, 0.7),
    )
    full = metrics.bootstrap(p.task, y, model.output(x), subjects, n_boot=500, seed=options.seed)
    full_iv = full.metrics[metric]
    section = InterpretSection(
        options=options,
        metric=metric,
        model=final.key,
        n=len(x),
        grouped_by_subject=subjects is not None,
        features_considered=sum(len(g.members) for g in groups),
        preselected=preselected,
        importances=[
            Importance(
                name=r.group.name, members=r.group.members, value=r.value, low=r.low, high=r.high
            )
            for r in results
        ],
        coefficients=_coefficients(model, p.task),
        full_score=bl.interval(full_iv),
    )
    job.progress(0.7, "Biomarker panel")
    section.panel_family, section.panel = _panel(project, p, results, x, y, subjects, options, job)
    section.caveats = _caveats(project, section, n_features)
    section.failing_domains = _failing_domains(project)
    s.interpret = section
    project.replace_findings(STEP, _findings(section))
    project.mark_done(STEP)
    project.invalidate_after(STEP)
    project.audit(
        "model-interpreted",
        model=final.key,
        set=options.set,
        repeats=options.repeats,
        panel_k=options.panel_k,
    )
    job.progress(1.0, "Interpretation done")
    return section


def _coefficients(model: frozen.Frozen, task: str) -> dict[str, float]:
    """A linear model's coefficients on the standardised features (comparable in size)."""
    if model.pipeline is None:
        return {}
    est = model.pipeline.named_steps["model"]
    coef = getattr(est, "coef_", None)
    if coef is None:
        return {}
    names = model.pipeline.named_steps["prepare"].get_feature_names_out()
    coef = np.atleast_2d(np.asarray(coef, dtype=float))
    # Multiclass: the largest effect on any class (the page says so).
    values = (
        coef[0] if coef.shape[0] == 1 else coef[np.abs(coef).argmax(axis=0), range(coef.shape[1])]
    )
    ranked = sorted(zip(names, values), key=lambda t: -abs(t[1]))
    return {str(n): round(float(v), 6) for n, v in ranked[:200] if v != 0}


def panel_family(project: Project) -> str:
    """The simplest baseline that was tuned (the panel refits it on a few features)."""
    tuned = [r.key for r in project.study.baselines.results if r.tune is not None]
    if not tuned:
        raise StepError("no baseline was tuned; the panel refits the simplest one")
    rank = {k: i for i, k in enumerate(bl.SIMPLICITY)}
    return min(tuned, key=lambda k: rank.get(k, 99))


def _panel(project, p, results, x, y, subjects, options, job):
    key = panel_family(project)
    result = next(r for r in project.study.baselines.results if r.key == key)
    fam = families(p.task)[key]
    # Each group is represented by its first member (the one most associated with the label).
    ranked = [r.group.members[0] for r in results if np.isfinite(r.value)]
    sizes = sorted({k for k in (*PANEL_SIZES, options.panel_k) if k <= len(ranked)})
    points = []
    for i, k in enumerate(sizes):
        job.progress(0.7 + 0.3 * i / max(1, len(sizes)), f"Biomarker panel: top {k} features")
        chosen = ranked[:k]
        num = [c for c in chosen if c in p.numeric]
        cat = [c for c in chosen if c in p.categorical]
        model = pipeline(fam, result.best_params, num, cat, project.study.baselines.options.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_interruptible(lambda m=model, c=chosen: m.fit(p.x_train[c], p.y_train), job)
            out = model_output(model, x[chosen], p.task, len(p.classes))
        ev = metrics.bootstrap(p.task, y, out, subjects, n_boot=300, seed=options.seed)
        iv = ev.metrics[SELECTION_METRIC[p.task]]
        points.append(PanelPoint(k=k, features=chosen, score=bl.interval(iv)))
    return result.name, points


def _caveats(project: Project, section: InterpretSection, n_features: int) -> list[str]:
    out = list(CAVEATS)
    where = "tuning" if section.options.set == "tune" else "test"
    out.append(
        f"Importance was measured on {section.n} {where}-set samples"
        + (", resampling whole subjects" if section.grouped_by_subject else "")
        + f", {section.options.repeats} times; read the intervals, not only the ranking."
    )
    if section.preselected:
        out.append(
            f"Only the {section.features_considered} of {n_features} features most associated "
            "with the label in the training rows were scored; the others were not examined."
        )
    if project.study.metadata.design in ("observational", "passive", "unknown"):
        out.append(
            "The data are observational: even a robust association can be confounded by how "
            "samples were chosen, processed or measured."
        )
    return out


def _failing_domains(project: Project) -> list[str]:
    t = project.study.test
    if t is None or not t.looks:
        return []
    metric = t.metric
    label = metrics.LABELS[metric]
    look = t.looks[-1]
    return [
        f"{g.column} = {g.value}: {label} {g.metrics[metric].value:.3f} (n = {g.n}) against "
        f"{look.final.metrics[metric].value:.3f} overall"
        for g in look.subgroups
        if g.below_overall
    ]


def _findings(section: InterpretSection) -> list[Finding]:
    findings = [
        Finding(
            code="importance-is-not-mechanism",
            severity="info",
            step=STEP,
            message="Feature importance shows what the model relies on, not what causes the "
            "outcome. Confirm candidate features with an experiment or an independent cohort.",
        )
    ]
    full = section.full_score
    if section.panel and full is not None:
        small = section.panel[0]
        for point in section.panel:
            if point.score.value >= full.low:
                small = point
                break
        else:
            small = None
        if small is not None:
            findings.append(
                Finding(
                    code="small-panel-suffices",
                    severity="info",
                    step=STEP,
                    message=f"{section.panel_family} on only {small.k} feature(s) scores "
                    f"{small.score.value:.3f}, within the full model's interval (from "
                    f"{full.low:.3f}): a small panel may do as well.",
                    fix="consider the smaller panel; it is cheaper to measure and easier to check.",
                )
            )
    if section.importances and all(
        not np.isfinite(i.low) or i.low <= 0 for i in section.importances
    ):
        findings.append(
            Finding(
                code="no-feature-stands-out",
                severity="warning",
                step=STEP,
                message="No feature's importance interval is clearly above zero: the model's "
                "reliance on single features cannot be told apart from noise on this many samples.",
                fix="do not name biomarkers from this model; more samples are needed.",
            )
        )
    return findings
