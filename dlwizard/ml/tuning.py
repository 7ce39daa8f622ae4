"""Tuning with one budget for every family: optuna (seeded TPE) over grouped CV folds.

Every family gets the same number of trials and the same wall-clock cap; the ledger records
what each actually used, so an unequal comparison can be flagged instead of hidden. The
networks' rungs are searched by the same loop (:func:`search`), so their budget is equal by
construction.
"""

from __future__ import annotations

import contextlib
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlwizard.jobs import Job, run_interruptible
from dlwizard.ml import metrics
from dlwizard.ml.models import Family, default_params, pipeline
from dlwizard.ml.parallel import map_interruptible, single_threaded, workers

SELECTION_METRIC = {"binary": "auroc", "multiclass": "auroc_macro", "regression": "r2"}


# The searched settings in plain words (what the ledger and the results show), and their values
# where a code stands for something.
PARAM_LABELS: dict[str, str] = {
    "C": "Regularisation strength C (smaller: simpler)",
    "penalty": "Penalty",
    "l1_ratio": "Share of L1 in the elastic net",
    "alpha": "Regularisation strength α (larger: simpler)",
    "var_smoothing": "Variance smoothing",
    "n_estimators": "Number of trees",
    "max_depth": "Maximum tree depth",
    "min_samples_leaf": "Fewest samples per leaf",
    "max_features": "Share of features tried per split",
    "n_neighbors": "Number of neighbours k",
    "weights": "Neighbour weights",
    "p": "Distance",
    "learning_rate": "Learning rate",
    "max_iter": "Boosting rounds",
    "max_leaf_nodes": "Most leaves per tree",
    "l2_regularization": "L2 regularisation",
    "early_stopping": "Early stopping",
    "class_weight": "Class weights",
    "l1_solver": "Solver for the lasso",
    "max_samples": "Rows drawn per tree",
    "gamma": "Kernel width γ (larger: more local)",
    "epsilon": "Tolerance ε",
    "kmer_k": "k-mer length",
    "sequence": "Sequence column",
    "alphabet": "Alphabet",
    # networks
    "width": "Units per hidden layer",
    "depth": "Hidden layers",
    "dropout": "Dropout",
    "weight_decay": "Weight decay",
    "lr": "Learning rate",
    "batch_size": "Batch size",
    "kernel_size": "Convolution width (letters)",
    "heads": "Attention heads",
    "reverse_complement": "Both strands (reverse complement)",
}
_VALUE_WORDS: dict[str, dict] = {
    "penalty": {"l2": "ridge (L2)", "l1": "lasso (L1)", "elasticnet": "elastic net"},
    "weights": {"uniform": "equal", "distance": "closer count more"},
    "p": {1: "Manhattan", 2: "Euclidean"},
    "max_depth": {0: "no limit"},
    "early_stopping": {True: "yes", False: "no"},
    "class_weight": {"balanced": "balanced (rarer classes count more)", "none": "equal"},
    "l1_solver": {"liblinear": "coordinate descent (liblinear)", "saga": "SAGA"},
    "alphabet": {"dna": "DNA", "rna": "RNA", "protein": "protein"},
    "reverse_complement": {True: "yes", False: "no"},
}


def param_label(name: str) -> str:
    """A searched setting's name as people read it ("Regularisation strength C")."""
    return PARAM_LABELS.get(name, name.replace("_", " ").capitalize())


def readable_settings(params: dict[str, Any]) -> list[tuple[str, str]]:
    """The settings as (plain name, plain value) pairs, in the order given."""
    out = []
    for name, value in params.items():
        if name == "l1_ratio" and params.get("penalty", "elasticnet") != "elasticnet":
            continue  # only the elastic net uses it
        if name == "l1_solver" and params.get("penalty", "l1") != "l1":
            continue  # only the lasso uses it
        words = _VALUE_WORDS.get(name, {})
        if isinstance(value, str | int) and not isinstance(value, float) and value in words:
            shown = str(words[value])
        elif isinstance(value, bool):
            shown = "yes" if value else "no"
        elif isinstance(value, float):
            shown = f"{value:.3g}"
        else:
            shown = str(value)
        out.append((param_label(name), shown))
    return out


def settings_text(params: dict[str, Any]) -> str:
    """The settings in one line: "Penalty: ridge (L2); Regularisation strength C: 0.32"."""
    return "; ".join(f"{name}: {value}" for name, value in readable_settings(params))


# With a budget in time, the most trials a family may use: a ceiling, not a target (a fast
# family fills its seconds long before it).
MAX_TRIALS_IN_TIME = 1000


@dataclass
class Budget:
    """What every family (and rung) gets alike. By trials: ``trials`` each, ``seconds`` being a
    cap that flags a family stopped early. By time: ``seconds`` each, as many trials as fit
    (``trials`` then only a ceiling)."""

    trials: int = 20
    seconds: float = 120.0  # per family
    by: str = "trials"  # or "time"

    @classmethod
    def of(cls, by: str, trials: int, seconds: float) -> Budget:
        return cls(trials if by == "trials" else MAX_TRIALS_IN_TIME, seconds, by)

    def fraction(self, trials_done: float, elapsed: float) -> float:
        """How far a search is: its share of the trials, or (by time) of the seconds."""
        if self.by == "time":
            return min(1.0, elapsed / self.seconds) if self.seconds > 0 else 1.0
        return min(1.0, trials_done / self.trials)

    def trials_words(self, first: int, size: int) -> str:
        """ "trials 5–8 of 20" (by time: "trials 5–8")."""
        shown = f"trial {first + 1}" if size == 1 else f"trials {first + 1}–{first + size}"
        return shown + (f" of {self.trials}" if self.by == "trials" else "")

    def complete(self, trials_used: int, stopped_by: str) -> bool:
        """Whether a search used the whole budget: every trial, or (by time) its seconds."""
        if self.by == "time":
            return stopped_by in ("time", "trials") and trials_used > 0
        return trials_used == self.trials


@dataclass
class FamilyRun:
    key: str
    name: str
    best_params: dict[str, Any] = field(default_factory=dict)
    cv_mean: float = float("nan")
    cv_sd: float = float("nan")
    trials: int = 0
    seconds: float = 0.0
    fit_seconds: float = 0.0
    stopped_by: str = "trials"  # "trials", "time" or "cancel"
    tune_output: np.ndarray | None = None  # probabilities (n x k) or predictions (n)


def ranges_for(family: Family, n_train_min: int) -> dict[str, tuple]:
    """The family's documented ranges, narrowed where the data is too small for them
    (k-nearest neighbours cannot ask for more neighbours than a training fold has rows)."""
    ranges = dict(family.ranges)
    if "n_neighbors" in ranges:
        kind, low, high, log = ranges["n_neighbors"]
        ranges["n_neighbors"] = (kind, low, max(low, min(high, n_train_min - 1)), log)
    return ranges


def suggest(trial, ranges: dict[str, tuple]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for name, r in ranges.items():
        if r[0] == "cat":
            params[name] = trial.suggest_categorical(name, r[1])
        elif r[0] == "int":
            params[name] = trial.suggest_int(name, r[1], r[2], log=r[3])
        else:
            params[name] = trial.suggest_float(name, r[1], r[2], log=r[3])
    return params


def model_output(model, x, task: str, n_classes: int) -> np.ndarray:
    """Probabilities for classification (positive class for binary), values for regression."""
    if task == "regression":
        return np.asarray(model.predict(x), dtype=float)
    proba = model.predict_proba(x)
    full = np.zeros((len(proba), n_classes))
    full[:, np.asarray(model.classes_, dtype=int)] = proba
    return full[:, 1] if task == "binary" else full


# Trials are proposed four at a time (optuna's constant-liar TPE) and their folds fitted side by
# side. The batch is fixed, not the number of cores, so the same seed gives the same search on
# every machine; four trials of five folds keep two to twenty cores busy.
TRIAL_BATCH = 4


def cross_validate(
    family: Family,
    runs: Sequence[tuple[dict[str, Any], np.ndarray]],
    x,
    folds: np.ndarray,
    task: str,
    n_classes: int,
    seed: int,
    numeric,
    categorical,
    job: Job,
    on_done: Callable[[int, int], None] | None = None,
) -> list[tuple[float, float]]:
    """Mean and SD of the selection metric over the grouped folds for each (settings, labels)
    run: the trials of a batch, or the shuffled-label controls. Every fold of every run is one
    independent fit, and all of them share the machine's cores (ml.parallel); ``on_done(fits
    finished, fits)`` follows them. A run whose fit raises ValueError gives (nan, nan): a
    failed trial."""
    metric = SELECTION_METRIC[task]
    fold_ids = list(np.unique(folds[folds >= 0]))

    def fold_score(item: tuple[int, int]) -> float | None:
        i, k = item
        params, y = runs[i]
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        model = pipeline(family, params, numeric, categorical, seed)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(x.iloc[tr], y[tr])
                out = model_output(model, x.iloc[te], task, n_classes)
        except ValueError:
            return None
        return metrics.compute(task, y[te], out)[metric]

    items = [(i, k) for i in range(len(runs)) for k in fold_ids]
    scores = map_interruptible(fold_score, items, job, on_done=on_done)
    out = []
    for i in range(len(runs)):
        mine = scores[i * len(fold_ids) : (i + 1) * len(fold_ids)]
        arr = np.asarray([np.nan if v is None else v for v in mine], dtype=float)
        if any(v is None for v in mine) or not np.isfinite(arr).any():
            out.append((float("nan"), float("nan")))
        else:
            out.append((float(np.nanmean(arr)), float(np.nanstd(arr))))
    return out


def cv_score(
    family: Family,
    params,
    x,
    y,
    folds: np.ndarray,
    task: str,
    n_classes: int,
    seed: int,
    numeric,
    categorical,
    job: Job,
) -> tuple[float, float]:
    """One run of :func:`cross_validate`: (mean, SD) over the folds; (nan, nan) if it failed."""
    data = (x, folds, task, n_classes, seed, numeric, categorical, job)
    return cross_validate(family, [(params, np.asarray(y))], *data)[0]


def class_shares(y: np.ndarray, task: str) -> list[float]:
    """Each class's share of the labels (empty for regression)."""
    if task == "regression" or not len(y):
        return []
    return [float(c) / len(y) for c in np.unique(np.asarray(y), return_counts=True)[1]]


def starting_point(
    family: Family, folds: np.ndarray, y: np.ndarray, task: str
) -> tuple[dict, dict, dict]:
    """The family's ranges (narrowed to the smallest training fold), its fixed settings (from
    that fold's size and the class shares), and the first trial: the middle of the ranges with
    the fixed settings."""
    fold_ids = np.unique(folds[folds >= 0])
    n_train_min = min(int((folds != k).sum()) for k in fold_ids) if len(fold_ids) else len(folds)
    ranges = ranges_for(family, n_train_min)
    fixed = family.fixed(n_train_min, class_shares(y, task)) if family.fixed else {}
    return ranges, fixed, {**default_params(family, ranges), **fixed}


def trial_seconds(
    family: Family,
    x,
    y: np.ndarray,
    folds: np.ndarray,
    task: str,
    n_classes: int,
    seed: int,
    numeric,
    categorical,
    job: Job,
) -> float:
    """About how long one trial of ``family`` takes here: one fold fitted and scored at the
    middle of its ranges (single-threaded, as in the search), times the rounds in which the
    machine's workers get through a batch's folds, shared among the batch's trials."""
    fold_ids = np.unique(folds[folds >= 0])
    if not len(fold_ids):
        return 0.0
    params = starting_point(family, folds, y, task)[2]
    tr, te = np.flatnonzero(folds != fold_ids[0]), np.flatnonzero(folds == fold_ids[0])
    model = pipeline(family, params, numeric, categorical, seed)

    def one_fold() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x.iloc[tr], y[tr])
            model_output(model, x.iloc[te], task, n_classes)

    t0 = time.monotonic()
    # A failing fit is recorded by the search itself; the time it took is still a fair guess.
    with contextlib.suppress(ValueError):
        run_interruptible(lambda: single_threaded(one_fold), job)
    fits = TRIAL_BATCH * len(fold_ids)
    rounds = -(-fits // max(1, min(workers(), fits)))
    return (time.monotonic() - t0) * rounds / TRIAL_BATCH


@dataclass
class Search:
    """What one budgeted search found: the best settings and their CV score, and the budget
    it used."""

    best_params: dict[str, Any]
    cv_mean: float
    cv_sd: float
    trials: int
    seconds: float
    stopped_by: str  # "trials" (the whole budget) or "time" (the cap came first)


Objective = Callable[[dict[str, Any], int], tuple[float, float]]
BatchObjective = Callable[[list[dict[str, Any]], int], list[tuple[float, float]]]


def one_at_a_time(objective: Objective) -> BatchObjective:
    """A batch objective that scores its trials in turn with ``objective(params, trial)``; a
    trial whose objective raises ValueError gives (nan, nan)."""

    def scores(batch: list[dict[str, Any]], first: int) -> list[tuple[float, float]]:
        out = []
        for j, params in enumerate(batch):
            try:
                out.append(objective(params, first + j))
            except ValueError:
                out.append((float("nan"), float("nan")))
        return out

    return scores


def search(
    name: str,
    ranges: dict[str, tuple],
    objective: BatchObjective,
    budget: Budget,
    seed: int,
    job: Job,
    start: dict[str, Any] | None = None,
    fixed: dict[str, Any] | None = None,
    batch: int = 1,
) -> Search:
    """The one budgeted search, for a baseline family and a network rung alike: seeded TPE
    asks for at most ``budget.trials`` settings within ``budget.seconds`` (by time: until the
    seconds are spent), ``batch`` at a time
    (constant liar: a trial still being scored counts as a poor one, so a batch spreads out),
    and ``objective(settings, first)`` scores each batch, trials numbered from ``first`` (mean
    and SD over the grouped CV folds). A trial without a finite mean counts as used and
    failed. The time cap is checked before each batch. ``start`` is tried first (the middle of
    the ranges); ``fixed`` settings join every trial. Raises ValueError when every trial
    failed."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    fixed = fixed or {}
    started = time.monotonic()
    sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    if start is not None:
        study.enqueue_trial(start)
    sds: dict[int, float] = {}
    used, stopped_by = 0, "trials"
    while used < budget.trials:
        elapsed = time.monotonic() - started
        if elapsed > budget.seconds:
            stopped_by = "time"
            break
        size = min(max(1, batch), budget.trials - used)
        job.progress(budget.fraction(used, elapsed), f"{name}: {budget.trials_words(used, size)}")
        trials = [study.ask() for _ in range(size)]
        settings = [{**suggest(t, ranges), **fixed} for t in trials]
        for trial, (mean, sd) in zip(trials, objective(settings, used), strict=True):
            if not np.isfinite(mean):
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, mean)
                sds[trial.number] = sd
        used += size
    seconds = time.monotonic() - started
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        raise ValueError(f"every {name} trial failed")
    best = study.best_trial
    return Search(
        best_params={**(start or {}), **best.params, **fixed},
        cv_mean=float(best.value),
        cv_sd=float(sds[best.number]),
        trials=used,
        seconds=seconds,
        stopped_by=stopped_by,
    )


def tune_family(
    family: Family,
    x_train,
    y_train: np.ndarray,
    folds: np.ndarray,
    x_tune,
    task: str,
    n_classes: int,
    budget: Budget,
    seed: int,
    numeric: list[str],
    categorical: list[str],
    job: Job,
) -> FamilyRun:
    ranges, fixed, start = starting_point(family, folds, y_train, task)

    data = (x_train, folds, task, n_classes, seed, numeric, categorical, job)

    started = time.monotonic()

    def objective(batch: list[dict[str, Any]], first: int) -> list[tuple[float, float]]:
        shown = f"{family.name}: {budget.trials_words(first, len(batch))}"

        def on_done(done: int, fits: int) -> None:
            trials_done = first + len(batch) * done / fits
            job.progress(budget.fraction(trials_done, time.monotonic() - started), shown)

        runs = [(params, y_train) for params in batch]
        return cross_validate(family, runs, *data, on_done=on_done)

    found = search(
        family.name, ranges, objective, budget, seed, job, start, fixed, batch=TRIAL_BATCH
    )
    run = FamilyRun(
        family.key,
        family.name,
        best_params=found.best_params,
        cv_mean=found.cv_mean,
        cv_sd=found.cv_sd,
        trials=found.trials,
        seconds=found.seconds,
        stopped_by=found.stopped_by,
    )
    t0 = time.monotonic()
    model = pipeline(family, run.best_params, numeric, categorical, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_interruptible(lambda: single_threaded(lambda: model.fit(x_train, y_train)), job)
    run.fit_seconds = time.monotonic() - t0
    run.tune_output = model_output(model, x_tune, task, n_classes)
    job.progress(1.0, f"{family.name}: done")
    return run
