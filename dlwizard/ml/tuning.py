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
from collections.abc import Callable
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
    "gamma": "Kernel width γ (larger: more local)",
    "epsilon": "Tolerance ε",
    # networks
    "width": "Units per hidden layer",
    "depth": "Hidden layers",
    "dropout": "Dropout",
    "weight_decay": "Weight decay",
    "lr": "Learning rate",
    "batch_size": "Batch size",
}
_VALUE_WORDS: dict[str, dict] = {
    "penalty": {"l2": "ridge (L2)", "l1": "lasso (L1)", "elasticnet": "elastic net"},
    "weights": {"uniform": "equal", "distance": "closer count more"},
    "p": {1: "Manhattan", 2: "Euclidean"},
    "max_depth": {0: "no limit"},
    "early_stopping": {True: "yes", False: "no"},
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


@dataclass
class Budget:
    trials: int = 20
    seconds: float = 120.0  # per family


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
    metric = SELECTION_METRIC[task]

    def fold_score(k: int) -> float:
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        model = pipeline(family, params, numeric, categorical, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x.iloc[tr], y[tr])
            out = model_output(model, x.iloc[te], task, n_classes)
        return metrics.compute(task, y[te], out)[metric]

    # The folds are independent: they run side by side, one core each (ml.parallel).
    scores = map_interruptible(fold_score, list(np.unique(folds[folds >= 0])), job)
    arr = np.asarray(scores, dtype=float)
    return float(np.nanmean(arr)), float(np.nanstd(arr))


def starting_point(family: Family, folds: np.ndarray) -> tuple[dict, dict, dict]:
    """The family's ranges (narrowed to the smallest training fold), its fixed settings, and
    the first trial: the middle of the ranges with the fixed settings."""
    fold_ids = np.unique(folds[folds >= 0])
    n_train_min = min(int((folds != k).sum()) for k in fold_ids) if len(fold_ids) else len(folds)
    ranges = ranges_for(family, n_train_min)
    fixed = family.fixed(n_train_min) if family.fixed else {}
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
    machine's workers get through all folds."""
    fold_ids = np.unique(folds[folds >= 0])
    if not len(fold_ids):
        return 0.0
    params = starting_point(family, folds)[2]
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
    rounds = -(-len(fold_ids) // max(1, min(workers(), len(fold_ids))))
    return (time.monotonic() - t0) * rounds


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


def search(
    name: str,
    ranges: dict[str, tuple],
    objective: Callable[[dict[str, Any], int], tuple[float, float]],
    budget: Budget,
    seed: int,
    job: Job,
    start: dict[str, Any] | None = None,
    fixed: dict[str, Any] | None = None,
) -> Search:
    """The one budgeted search, for a baseline family and a network rung alike: seeded TPE
    asks for at most ``budget.trials`` settings within ``budget.seconds``, and
    ``objective(params, trial)`` scores each (mean and SD over the grouped CV folds). A trial
    whose objective raises ValueError or gives no finite mean counts as used and failed.
    ``start`` is tried first (the middle of the ranges); ``fixed`` settings join every trial.
    Raises ValueError when every trial failed."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    fixed = fixed or {}
    started = time.monotonic()
    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    if start is not None:
        study.enqueue_trial(start)
    sds: dict[int, float] = {}
    used, stopped_by = 0, "trials"
    for i in range(budget.trials):
        if time.monotonic() - started > budget.seconds:
            stopped_by = "time"
            break
        job.progress(i / budget.trials, f"{name}: trial {i + 1} of {budget.trials}")
        trial = study.ask()
        params = {**suggest(trial, ranges), **fixed}
        try:
            mean, sd = objective(params, i)
        except ValueError:
            mean, sd = float("nan"), float("nan")
        if not np.isfinite(mean):
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, mean)
            sds[trial.number] = sd
        used += 1
    seconds = time.monotonic() - started
    completed = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not completed:
        raise ValueError(f"every {name} trial failed")
    best = study.best_trial
    return Search(
        best_params={**(start or {}), **best.params},
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
    ranges, fixed, start = starting_point(family, folds)

    def objective(params: dict[str, Any], _trial: int) -> tuple[float, float]:
        return cv_score(
            family, params, x_train, y_train, folds, task, n_classes, seed, numeric,
            categorical, job,
        )  # fmt: skip

    found = search(family.name, ranges, objective, budget, seed, job, start=start, fixed=fixed)
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
