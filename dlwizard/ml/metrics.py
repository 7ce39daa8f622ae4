"""The evaluation panel's numbers: metrics, bootstrap intervals and curve data.

Metrics are written with NumPy so that a thousand bootstrap resamples stay fast; they agree
with scikit-learn's definitions (a test checks them against it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

BINARY_METRICS = ("auroc", "auprc", "balanced_accuracy", "mcc", "f1", "brier")
MULTICLASS_METRICS = ("auroc_macro", "balanced_accuracy", "f1_macro", "f1_weighted", "mcc")
REGRESSION_METRICS = ("rmse", "mae", "r2")
HIGHER_IS_BETTER = {
    "auroc": True, "auprc": True, "balanced_accuracy": True, "mcc": True, "f1": True,
    "brier": False, "auroc_macro": True, "f1_macro": True, "f1_weighted": True,
    "rmse": False, "mae": False, "r2": True,
}  # fmt: skip
LABELS = {
    "auroc": "AUROC", "auprc": "AUPRC", "balanced_accuracy": "Balanced accuracy", "mcc": "MCC",
    "f1": "F1", "brier": "Brier score", "auroc_macro": "AUROC (macro, one-vs-rest)",
    "f1_macro": "F1 (macro)", "f1_weighted": "F1 (weighted)", "rmse": "RMSE", "mae": "MAE",
    "r2": "R²",
}  # fmt: skip


def auroc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve via ranks (ties get half credit), y in {0, 1}."""
    y = np.asarray(y, dtype=bool)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    from scipy.stats import rankdata

    ranks = rankdata(score)
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def auprc(y: np.ndarray, score: np.ndarray) -> float:
    """Average precision (the step-wise area under the precision-recall curve)."""
    y = np.asarray(y, dtype=bool)
    n_pos = int(y.sum())
    if n_pos == 0:
        return float("nan")
    order = np.argsort(-score, kind="mergesort")
    s, t = score[order], y[order]
    distinct = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(t)[distinct]
    fp = (distinct + 1) - tp
    precision = tp / (tp + fp)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def _confusion(y: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(y * k + pred, minlength=k * k).reshape(k, k)


def _mcc(cm: np.ndarray) -> float:
    t = cm.sum(axis=1).astype(float)
    p = cm.sum(axis=0).astype(float)
    c = float(np.trace(cm))
    s = float(cm.sum())
    denom = np.sqrt((s**2 - (p**2).sum()) * (s**2 - (t**2).sum()))
    return float((c * s - (t * p).sum()) / denom) if denom > 0 else 0.0


def _balanced_accuracy(cm: np.ndarray) -> float:
    support = cm.sum(axis=1)
    recall = np.divide(np.diag(cm), support, out=np.zeros(len(cm)), where=support > 0)
    return float(recall[support > 0].mean()) if (support > 0).any() else float("nan")


def _f1_per_class(cm: np.ndarray) -> np.ndarray:
    tp = np.diag(cm).astype(float)
    denom = cm.sum(axis=0) + cm.sum(axis=1)
    return np.divide(2 * tp, denom, out=np.zeros(len(cm)), where=denom > 0)


def binary_metrics(y: np.ndarray, proba: np.ndarray, threshold: float = 0.5) -> dict[str, float]:
    y = np.asarray(y, dtype=int)
    pred = (proba >= threshold).astype(int)
    cm = _confusion(y, pred, 2)
    return {
        "auroc": auroc(y, proba),
        "auprc": auprc(y, proba),
        "balanced_accuracy": _balanced_accuracy(cm),
        "mcc": _mcc(cm),
        "f1": float(_f1_per_class(cm)[1]),
        "brier": float(np.mean((proba - y) ** 2)),
    }


def multiclass_metrics(y: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """y holds class indices 0..k-1; proba is n x k."""
    y = np.asarray(y, dtype=int)
    k = proba.shape[1]
    pred = proba.argmax(axis=1)
    cm = _confusion(y, pred, k)
    aucs = [auroc(y == c, proba[:, c]) for c in range(k)]
    f1 = _f1_per_class(cm)
    support = cm.sum(axis=1)
    return {
        "auroc_macro": float(np.nanmean(aucs)) if not np.all(np.isnan(aucs)) else float("nan"),
        "balanced_accuracy": _balanced_accuracy(cm),
        "f1_macro": float(f1[support > 0].mean()),
        "f1_weighted": float((f1 * support).sum() / support.sum()),
        "mcc": _mcc(cm),
    }


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    y = np.asarray(y, dtype=float)
    err = pred - y
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return {
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mae": float(np.mean(np.abs(err))),
        "r2": float(1 - (err**2).sum() / ss_tot) if ss_tot > 0 else float("nan"),
    }


def compute(task: str, y: np.ndarray, out: np.ndarray) -> dict[str, float]:
    if task == "binary":
        return binary_metrics(y, out)
    if task == "multiclass":
        return multiclass_metrics(y, out)
    return regression_metrics(y, out)


@dataclass
class Interval:
    value: float
    low: float
    high: float
    reason: str = ""  # why the value or the interval is undefined here (empty: it is not)


def undefined_reason(task: str, metric: str, y: np.ndarray, out: np.ndarray) -> str:
    """Why a metric has no value on these samples, in plain words."""
    n = len(y)
    if n == 0:
        return "no samples"
    if task != "regression":
        present = np.unique(y)
        if len(present) < 2:
            return f"only one class among these {n} samples"
        if metric == "auprc" and task == "binary" and not np.any(np.asarray(y) == 1):
            return "no sample of the class of interest here"
    elif metric == "r2" and np.ptp(np.asarray(y, dtype=float)) == 0:
        return "the true values do not vary among these samples"
    return "not defined for these samples"


@dataclass
class Evaluation:
    task: str
    n: int
    metrics: dict[str, Interval] = field(default_factory=dict)
    prevalence: float | None = None
    confusion: list[list[int]] = field(default_factory=list)


def bootstrap(
    task: str,
    y: np.ndarray,
    out: np.ndarray,
    groups: np.ndarray | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> Evaluation:
    """Point estimates with percentile bootstrap intervals.

    Resampling is stratified by class (classification) and resamples whole groups (subjects)
    when they are given, because rows of one subject are not independent.
    """
    rng = np.random.default_rng(seed)
    point = compute(task, y, out)
    n = len(y)
    draw = _sampler(y, groups, task)
    draws: dict[str, list[float]] = {k: [] for k in point}
    n_classes = len(np.unique(y)) if task != "regression" else 0
    for _ in range(n_boot):
        idx = draw(rng)
        if task != "regression" and len(np.unique(y[idx])) < n_classes:
            continue  # a resample without every class cannot be scored
        for k, v in compute(task, y[idx], out[idx]).items():
            draws[k].append(v)
    alpha = (1 - level) / 2
    ev = Evaluation(task=task, n=n)
    for k, v in point.items():
        arr = np.asarray(draws[k], dtype=float)
        arr = arr[np.isfinite(arr)]
        lo, hi = np.quantile(arr, [alpha, 1 - alpha]) if arr.size else (np.nan, np.nan)
        reason = ""
        if not np.isfinite(v):
            reason = undefined_reason(task, k, y, out)
        elif not arr.size:
            reason = (
                "too few samples for an interval: no resample held every class"
                if task != "regression"
                else "too few samples for an interval"
            )
        ev.metrics[k] = Interval(float(v), float(lo), float(hi), reason)
    if task == "binary":
        ev.prevalence = float(np.mean(y))
        ev.confusion = _confusion(y.astype(int), (out >= 0.5).astype(int), 2).tolist()
    elif task == "multiclass":
        ev.confusion = _confusion(y.astype(int), out.argmax(axis=1), out.shape[1]).tolist()
    return ev


def _sampler(y: np.ndarray, groups: np.ndarray | None, task: str):
    """A function drawing one bootstrap resample of row indices.

    Stratified by class for classification; whole groups (subjects) are drawn when given,
    stratified by each group's majority class.
    """
    if groups is None:
        strata = (
            [np.arange(len(y))]
            if task == "regression"
            else [np.flatnonzero(y == c) for c in np.unique(y)]
        )

        def draw(rng: np.random.Generator) -> np.ndarray:
            return np.concatenate([rng.choice(r, size=len(r), replace=True) for r in strata])

        return draw
    _, inv = np.unique(groups, return_inverse=True)
    members = [np.flatnonzero(inv == g) for g in range(inv.max() + 1)]
    if task == "regression":
        group_strata = [np.arange(len(members))]
    else:
        major = np.array([np.bincount(y[m].astype(int)).argmax() for m in members])
        group_strata = [np.flatnonzero(major == c) for c in np.unique(major)]

    def draw_groups(rng: np.random.Generator) -> np.ndarray:
        picked = np.concatenate([rng.choice(g, size=len(g), replace=True) for g in group_strata])
        return np.concatenate([members[i] for i in picked])

    return draw_groups


def curves(y: np.ndarray, proba: np.ndarray, bins: int = 10) -> dict[str, list[float]]:
    """ROC, precision-recall and calibration curve points for a binary problem."""
    y = np.asarray(y, dtype=bool)
    order = np.argsort(-proba, kind="mergesort")
    s, t = proba[order], y[order]
    distinct = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(t)[distinct].astype(float)
    fp = (distinct + 1) - tp
    n_pos, n_neg = max(t.sum(), 1), max(len(t) - t.sum(), 1)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(proba, edges) - 1, 0, bins - 1)
    mean_pred, frac_pos = [], []
    for b in range(bins):
        m = which == b
        if m.any():
            mean_pred.append(float(proba[m].mean()))
            frac_pos.append(float(y[m].mean()))
    return {
        "fpr": [0.0, *(fp / n_neg).tolist()],
        "tpr": [0.0, *(tp / n_pos).tolist()],
        "recall": [0.0, *(tp / n_pos).tolist()],
        "precision": [1.0, *(tp / (tp + fp)).tolist()],
        "calibration_predicted": mean_pred,
        "calibration_observed": frac_pos,
    }
