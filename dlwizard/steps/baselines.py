"""Step 6, baselines (Tip 2): simple models, fully and equally tuned, before any deep learning.

Every family gets the same trial budget and time cap on the grouped CV folds inside the
training set; the best settings are refitted on all training rows and scored on the tuning set
with bootstrap intervals. Controls run every time: a majority-class (or mean) predictor, a
metadata-only model, and the best baseline trained on shuffled labels (a permutation p-value).
Models are not pickled: they are refitted from the recorded settings and seeds when needed,
and the refit is checked against the stored predictions (``modelling.refit``). What the later
steps share with this one (prepared data, evaluation, the choice of a model, the stored
predictions) is in :mod:`dlwizard.steps.modelling`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from dlwizard.errors import Cancelled, StepError
from dlwizard.jobs import Job
from dlwizard.ml import metrics
from dlwizard.ml.models import Family, pipeline
from dlwizard.ml.tuning import (
    SELECTION_METRIC,
    TRIAL_BATCH,
    Budget,
    FamilyRun,
    cross_validate,
    model_output,
    trial_seconds,
    tune_family,
)
from dlwizard.steps.modelling import (
    Prepared,
    best_baseline,
    duration_words,  # the step's estimate in words (the page reads it from here)
    evaluation,
    prepare,
    simplest_within_noise,
    store_predictions,
    tune_value,
)
from dlwizard.study.model import (
    BaselineOptions,
    BaselinesSection,
    Control,
    FamilyResult,
    Finding,
    LedgerEntry,
    MetricInterval,
)
from dlwizard.study.project import Project

STEP = "baselines"


@dataclass
class _Search:
    """What the search over the families gave: a result and a ledger entry for every family
    tried, the runs that fitted, the families that failed (name, why), and whether Cancel
    stopped it."""

    results: list[FamilyResult] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    runs: dict[str, FamilyRun] = field(default_factory=dict)
    failed: list[tuple[str, str]] = field(default_factory=list)
    cancelled: bool = False


@dataclass
class _Estimate:
    """The expected seconds of each family's search and refit, and of the controls."""

    families: list[float]
    controls: float

    @property
    def total(self) -> float:
        return sum(self.families) + self.controls

    def left(self, done: list[float]) -> float:
        """Seconds left once the first ``len(done)`` families took ``done`` seconds: what the
        others were expected to take, scaled by how the finished ones compared with theirs."""
        expected = sum(self.families[: len(done)])
        scale = sum(done) / expected if expected > 0 and sum(done) > 0 else 1.0
        return (sum(self.families[len(done) :]) + self.controls) * scale


def _estimate(p: Prepared, chosen, budget: Budget, options: BaselineOptions, job: Job) -> _Estimate:
    """How long the step should take, from one timed fit per family (ml.tuning.trial_seconds):
    each family's search is its trial budget or its time cap, whichever comes first (by time:
    its seconds), plus the refit; the shuffled-label control repeats a typical trial."""
    trials = []
    for i, (_key, fam) in enumerate(chosen):
        job.progress(
            0.0, f"Estimating the duration: one timed fit per family ({i + 1}/{len(chosen)})…"
        )
        data = (p.x_train, p.y_train, p.folds, p.task, len(p.classes), options.seed)
        trials.append(trial_seconds(fam, *data, p.numeric, p.categorical, job))
    # A started batch of trials is finished after the cap: allow one batch beyond it.
    searches = [min(budget.trials * t, budget.seconds + TRIAL_BATCH * t) + t for t in trials]
    typical = float(np.median(trials)) if trials else 0.0
    return _Estimate(searches, options.permutations * typical)


def run(
    project: Project,
    options: BaselineOptions | None = None,
    job: Job | None = None,
    on_family: Callable[[FamilyResult], None] | None = None,
    on_estimate: Callable[[float], None] | None = None,
):
    """Search every family with the same budget, run the controls, recommend, and record.
    ``on_estimate`` receives the estimated seconds left: the whole step's before the search
    starts, then after each family, corrected by how the finished families compared with their
    estimates; ``on_family`` receives each family's result as soon as it is scored (the page
    shows the first baselines while the others are still being tuned). Both are called from
    this thread."""
    job = job or Job()
    options = options or BaselineOptions()
    p = prepare(project)
    zoo = p.families()
    chosen = options.families or list(zoo)
    unknown = [f for f in chosen if f not in zoo]
    if unknown:
        raise StepError(
            f"unknown model family '{unknown[0]}' for a {p.task} task",
            fix=f"choose from: {', '.join(zoo)}.",
        )
    budget = Budget.of(options.budget, options.trials, options.seconds_per_family)
    metric = SELECTION_METRIC[p.task]
    n_steps = len(chosen) + 1
    pairs = [(key, zoo[key]) for key in chosen]
    estimate = _estimate(p, pairs, budget, options, job)
    estimated = estimate.total
    job.progress(0.0, f"Tuning {len(pairs)} model families: {duration_words(estimated)} in all")
    if on_estimate is not None:
        on_estimate(estimated)

    def family_done(result: FamilyResult, seconds_so_far: list[float]) -> None:
        if on_family is not None:
            on_family(result)
        if on_estimate is not None and len(seconds_so_far) < len(pairs):
            on_estimate(estimate.left(seconds_so_far))

    search = _search(p, pairs, budget, options, job, family_done)
    if not search.runs:
        if search.cancelled:
            raise Cancelled()
        raise StepError("no baseline could be fitted", fix="check the features and the split.")
    cancelled = search.cancelled
    controls: list[Control] = []
    if not cancelled:
        try:
            controls = _controls(
                p, search.runs, search.results, options, job.sub(len(chosen) / n_steps, 1.0)
            )
        except Cancelled:
            cancelled = True
    best = best_baseline(search.results, metric)
    recommended, text = _recommend(search.results, metric)
    section = BaselinesSection(
        options=options,
        metric=metric,
        classes=p.classes,
        results=search.results,
        controls=controls,
        ledger=search.ledger,
        recommended=recommended,
        recommendation=text,
        cancelled=cancelled,
    )
    findings = _findings(section, best, p) + _failed_findings(search.failed)
    _record(project, section, p, search.runs, findings, budget, estimated)
    if not cancelled:
        job.progress(1.0, "Baselines done")
    return section


def _search(
    p: Prepared,
    chosen: list[tuple[str, Family]],
    budget: Budget,
    options: BaselineOptions,
    job: Job,
    on_family: Callable[[FamilyResult, list[float]], None] | None = None,
) -> _Search:
    """Tune each family in turn (ml.tuning.tune_family) and score its best settings on tune; a
    family that cannot be fitted is recorded as failed, and Cancel stops the search.
    ``on_family(result, seconds)`` follows each family scored, with the seconds every family
    so far took."""
    out = _Search()
    took: list[float] = []
    n_steps = len(chosen) + 1
    for i, (key, fam) in enumerate(chosen):
        sub = job.sub(i / n_steps, (i + 1) / n_steps)
        started = time.monotonic()
        try:
            r = tune_family(
                fam,
                p.x_train,
                p.y_train,
                p.folds,
                p.x_tune,
                p.task,
                len(p.classes),
                budget,
                options.seed,
                p.numeric,
                p.categorical,
                sub,
            )
        except Cancelled:
            out.cancelled = True
            break
        except ValueError as exc:
            out.results.append(
                FamilyResult(
                    key=key, name=fam.name, stopped_by="trials", memorises_rows=fam.memorises_rows
                )
            )
            out.ledger.append(_ledger_entry(key, budget, 0, 0.0, "trials"))
            out.failed.append((fam.name, str(exc)))
            took.append(time.monotonic() - started)
            continue
        out.runs[key] = r
        out.results.append(
            FamilyResult(
                key=key,
                name=fam.name,
                best_params=r.best_params,
                cv_mean=r.cv_mean,
                cv_sd=r.cv_sd,
                tune=evaluation(p, r.tune_output, options.bootstrap, options.seed),
                trials=r.trials,
                seconds=round(r.seconds, 3),
                fit_seconds=round(r.fit_seconds, 3),
                stopped_by=r.stopped_by,
                memorises_rows=fam.memorises_rows,
            )
        )
        out.ledger.append(_ledger_entry(key, budget, r.trials, round(r.seconds, 3), r.stopped_by))
        took.append(time.monotonic() - started)
        if on_family is not None:
            on_family(out.results[-1], took)
    return out


def _sequence_controls(p: Prepared, options: BaselineOptions, n_classes: int) -> list[Control]:
    """Models of the sequences' length alone and of their letter composition alone, fitted on
    the training rows and scored on tune like the baselines: a model of the sequences should
    clearly beat both, or it may read length or composition instead of their content."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from dlwizard.ml import sequence_profiles
    from dlwizard.ml.sequence_nets import letters

    alphabet = letters(p.alphabet or "dna")

    def inputs(x) -> dict[str, np.ndarray]:
        seqs = sequence_profiles.as_text(x[p.sequence].tolist())
        n = sequence_profiles.lengths(seqs)
        return {
            "sequence_length": sequence_profiles.length_features(n),
            "sequence_composition": sequence_profiles.shares(
                sequence_profiles.letter_counts(seqs, alphabet)
            ),
        }

    words = {
        "sequence_length": f"Logistic/linear model on the length of '{p.sequence}' only",
        "sequence_composition": f"Logistic/linear model on the letter shares of '{p.sequence}' "
        "only (its composition, not the order of its letters)",
    }
    train, tune = inputs(p.x_train), inputs(p.x_tune)
    out = []
    for kind, x in train.items():
        last = Ridge(alpha=1.0) if p.task == "regression" else LogisticRegression(max_iter=2000)
        model = make_pipeline(SimpleImputer(), StandardScaler(), last)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x, p.y_train)
            pred = model_output(model, tune[kind], p.task, n_classes)
        out.append(
            Control(
                kind=kind,  # type: ignore[arg-type]
                description=words[kind],
                tune=evaluation(p, pred, options.bootstrap, options.seed),
            )
        )
    return out


def _ledger_entry(
    key: str, budget: Budget, trials: int, seconds: float, stopped_by: str
) -> LedgerEntry:
    """A family's line in the tuning ledger: its budget and what it used (a failed family: 0
    trials, never complete)."""
    return LedgerEntry(
        family=key,
        trials_budget=budget.trials,
        seconds_budget=budget.seconds,
        trials_used=trials,
        seconds_used=seconds,
        complete=budget.complete(trials, stopped_by),
        by=budget.by,  # type: ignore[arg-type]
    )


def _failed_findings(failed: list[tuple[str, str]]) -> list[Finding]:
    return [
        Finding(
            code="family-failed",
            severity="warning",
            step=STEP,
            message=f"{name} could not be fitted on this data ({why}).",
            fix="the other families are compared without it; check for features or classes "
            "too small for it.",
        )
        for name, why in failed
    ]


def _record(
    project: Project,
    section: BaselinesSection,
    p: Prepared,
    runs: dict[str, FamilyRun],
    findings: list[Finding],
    budget: Budget,
    estimated_seconds: float,
) -> None:
    """Store the section, every family's tuning-set predictions and the findings."""
    project.study.baselines = section
    store_predictions(project, p.tune_ids, {k: r.tune_output for k, r in runs.items()}, p.classes)
    project.replace_findings(STEP, findings)
    if not section.cancelled:
        project.mark_done(STEP)
    project.invalidate_after(STEP)
    project.audit(
        "baselines-tuned",
        families=[r.key for r in section.results],
        budget=budget.by,
        # By time, the trial count is only a ceiling: the ledger has what each family ran.
        **({"trials": budget.trials} if budget.by == "trials" else {}),
        seconds_per_family=budget.seconds,
        recommended=section.recommended,
        cancelled=section.cancelled,
        estimated_seconds=round(estimated_seconds, 1),
    )


def smallest_p(permutations: int) -> float:
    """The smallest p-value a permutation test with this many shuffled runs can give."""
    return 1.0 / (permutations + 1)


def permutation_note(permutations: int, p_value: float | None = None) -> str:
    """What a permutation p-value from few runs can and cannot say, in plain words: "the
    smallest possible p here is 1/(3+1) = 0.25"."""
    if permutations <= 0:
        return ""
    floor = smallest_p(permutations)
    text = (
        f"the smallest possible p here is 1/({permutations}+1) = {floor:.3g}, since the real "
        f"score is ranked among {permutations} shuffled runs"
    )
    if p_value is not None and p_value <= floor + 1e-12:
        text += " (no shuffled run scored as high as the real model)"
    if floor > 0.05:
        text += (
            "; with so few runs p can never reach 0.05, so it cannot show that the model "
            "beats chance: use at least 19 runs for that"
        )
    return text


def zero_width_note(iv: MetricInterval, n: int | None, label: str) -> str:
    """For an interval of width zero (e.g. AUROC 1.000 (1.000–1.000) on 69 rows): what it does
    and does not mean. Empty for an interval of some width."""
    if iv is None or not (np.isfinite(iv.low) and np.isfinite(iv.high)):
        return ""
    if round(iv.high, 3) != round(iv.low, 3):
        return ""
    rows = f"{n} tuning rows" if n else "the tuning rows"
    perfect = round(iv.value, 3) == 1.0
    text = (
        f"The interval {iv.low:.3f}–{iv.high:.3f} has width zero: every bootstrap resample of "
        f"the {rows} gave the same {label}. It means "
        + (
            "the model scored every one of these rows correctly"
            if perfect
            else "these rows leave no room for variation"
        )
        + "; it does not mean the score is certain: a bootstrap cannot vary beyond the rows it "
        "has, and new samples may score lower."
    )
    if n and perfect:
        text += (
            f" As a yardstick, no error in {n} rows is still compatible with an error rate up to "
            f"about 3/{n} = {3 / n:.1%} (the rule of three)."
        )
    return text + " The sealed test set gives the estimate that counts."


def _recommend(results: list[FamilyResult], metric: str) -> tuple[str | None, str]:
    """The simplest baseline within noise of the best (the modelling layer's choice), and why,
    in words."""
    best, simplest = simplest_within_noise(results, metric)
    if best is None:
        return None, ""
    low = best.tune.metrics[metric].low
    label = metrics.LABELS[metric]
    iv = best.tune.metrics[metric]
    zero = zero_width_note(iv, best.tune.n, label)
    if simplest.key == best.key:
        text = (
            f"{best.name} scored best on the tuning set ({label} "
            f"{tune_value(best, metric):.3f}), and no simpler model came within its interval."
        )
    else:
        text = (
            f"{simplest.name} ({label} {tune_value(simplest, metric):.3f}) is within the "
            f"uncertainty of the best, {best.name} ({tune_value(best, metric):.3f}; 95% interval "
            f"from {low:.3f}), and simpler: prefer it unless later steps show otherwise."
        )
    if zero:
        text += " " + zero
    return simplest.key, text


def _controls(p: Prepared, runs, results, options: BaselineOptions, job: Job) -> list[Control]:
    from sklearn.dummy import DummyClassifier, DummyRegressor

    n_classes = len(p.classes)
    controls = []
    job.progress(0.0, "Controls: majority class")
    dummy = DummyRegressor() if p.task == "regression" else DummyClassifier(strategy="prior")
    dummy.fit(np.zeros((len(p.y_train), 1)), p.y_train)
    out = model_output(dummy, np.zeros((len(p.y_tune), 1)), p.task, n_classes)
    controls.append(
        Control(
            kind="majority",
            description="Always predicts the training set's class shares (or mean)",
            tune=evaluation(p, out, options.bootstrap, options.seed),
        )
    )
    if p.meta_cols:
        job.progress(0.1, "Controls: metadata only")
        from dlwizard.ml.models import CLASSIFIERS, REGRESSORS

        fam = REGRESSORS["linear"] if p.task == "regression" else CLASSIFIERS["logistic"]
        params = {"penalty": "l2", "C": 1.0, "alpha": 1.0, "l1_ratio": 0.5}
        model = pipeline(fam, params, [], p.meta_cols, options.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(p.meta_train, p.y_train)
        out = model_output(model, p.meta_tune, p.task, n_classes)
        controls.append(
            Control(
                kind="metadata_only",
                description=f"Logistic/linear model on {', '.join(p.meta_cols)} only",
                tune=evaluation(p, out, options.bootstrap, options.seed),
            )
        )
    if p.sequence is not None:
        job.progress(0.15, "Controls: sequence length only, letter composition only")
        controls += _sequence_controls(p, options, n_classes)
    best = best_baseline(results, SELECTION_METRIC[p.task])
    if best is not None and options.permutations:
        fam = p.families()[best.key]
        rng = np.random.default_rng(options.seed)
        # Compared on the grouped CV folds inside training, like the real search: the tuning
        # set alone is often too small for a stable permutation test.
        real = best.cv_mean if best.cv_mean is not None else float("nan")
        # Every shuffled run's folds are fitted together, on all the cores (ml.parallel).
        job.progress(0.2, f"Controls: {best.name} on shuffled labels ({options.permutations} runs)")
        shuffled = [rng.permutation(p.y_train) for _ in range(options.permutations)]
        data = (p.x_train, p.folds, p.task, n_classes, options.seed, p.numeric, p.categorical)
        runs = [(best.best_params, y_perm) for y_perm in shuffled]

        def on_done(done: int, fits: int) -> None:
            finished = done * len(runs) // fits
            job.progress(
                0.2 + 0.8 * done / fits,
                f"Controls: {best.name} on shuffled labels ({finished} of {len(runs)} runs)",
            )

        scores = cross_validate(fam, runs, *data, job, on_done=on_done)
        shuffled_scores = [mean for mean, _ in scores]
        arr = np.asarray(shuffled_scores, dtype=float)
        p_value = (1 + int(np.sum(arr >= real))) / (1 + len(arr))
        controls.append(
            Control(
                kind="label_shuffled",
                description=f"{best.name} with the best settings, cross-validated on shuffled "
                f"training labels (real CV score {real:.3f}); "
                + permutation_note(len(arr), p_value),
                permutations=len(arr),
                p_value=p_value,
                shuffled_scores=[round(float(v), 4) for v in arr],
            )
        )
    return controls


def _findings(section: BaselinesSection, best, p: Prepared) -> list[Finding]:
    findings: list[Finding] = []
    short = [e for e in section.ledger if not e.complete]
    if short:
        by_time = section.options.budget == "time"
        findings.append(
            Finding(
                code="unequal-tuning",
                severity="warning",
                step=STEP,
                message="Not every family used its full budget: "
                + ", ".join(
                    f"{e.family} searched {e.seconds_used:.0f} of {e.seconds_budget:.0f} s"
                    if by_time
                    else f"{e.family} ran {e.trials_used} of {e.trials_budget} trials"
                    for e in short
                )
                + ". A family tuned less may look worse than it is.",
                fix="run the step again and let every family finish its search."
                if by_time
                else "raise the time cap, or lower the number of trials, so that every family "
                "completes the same search (or keep the time equal instead of the trials).",
                detail={"families": [e.family for e in short]},
            )
        )
    metric = section.metric
    label = metrics.LABELS[metric]
    for c in section.controls:
        if c.kind.startswith("sequence_") and best is not None and c.tune is not None:
            score, best_iv = tune_value(c, metric), best.tune.metrics.get(metric)
            if best_iv is not None and np.isfinite(score) and score >= best_iv.low:
                what = "length" if c.kind == "sequence_length" else "letter composition"
                findings.append(
                    Finding(
                        code="sequence-control-close-to-best",
                        severity="warning",
                        step=STEP,
                        message=f"A model of the sequences' {what} alone reaches {label} "
                        f"{score:.3f}, inside the interval of the best baseline "
                        f"({best.name}, {best_iv.value:.3f} [{best_iv.low:.3f}, "
                        f"{best_iv.high:.3f}]): the baselines are not clearly better than the "
                        f"sequences' {what}.",
                        fix=f"compare every model with this control; if the classes differ in "
                        f"{what} for a technical reason (how the sequences were cut or chosen), "
                        "make them alike and start again.",
                    )
                )
        if c.kind == "metadata_only" and best is not None and c.tune is not None:
            meta_score = tune_value(c, metric)
            chance = 0.0 if metric == "r2" else 0.5
            if np.isfinite(meta_score) and meta_score > chance + 0.1:
                findings.append(
                    Finding(
                        code="metadata-control-above-chance",
                        severity="warning",
                        step=STEP,
                        message=f"The metadata-only control reaches {label} {meta_score:.3f} "
                        f"(the best baseline: {tune_value(best, metric):.3f}). Part of what the "
                        "models learn may be the batch or site, not the biology.",
                        fix="compare every model with this control, and test on held-out sites.",
                    )
                )
        beaten = (
            c.kind == "label_shuffled"
            and any(v >= (best.cv_mean or 0.0) for v in c.shuffled_scores)
            if best is not None
            else False
        )
        if c.kind == "label_shuffled" and c.p_value is not None and c.p_value > 0.05 and beaten:
            findings.append(
                Finding(
                    code="not-better-than-shuffled",
                    severity="warning",
                    step=STEP,
                    message=f"The best baseline is not clearly better than the same model trained "
                    f"on shuffled labels (permutation p = {c.p_value:.2f}; "
                    f"{permutation_note(c.permutations, c.p_value)}). There may be little "
                    "signal to learn, or too few samples to see it.",
                    fix="check the labels and the features; more samples may be needed.",
                )
            )
    if p.task == "binary" and best is not None and best.tune is not None:
        prevalence = best.tune.prevalence or 0.5
        if min(prevalence, 1 - prevalence) < 0.2:
            findings.append(
                Finding(
                    code="imbalance-metric-note",
                    severity="info",
                    step=STEP,
                    message=f"Only {min(prevalence, 1 - prevalence):.0%} of the tuning rows are in "
                    "the rarer class, so AUROC alone flatters: read AUPRC (compare it with the "
                    "prevalence line), balanced accuracy and the confusion matrix.",
                )
            )
    return findings
