"""Permutation importance with resampling, over groups of correlated features (Tips 8, 9).

Correlated features share the credit arbitrarily when permuted one at a time, so features whose
rank correlation exceeds a threshold are clustered and permuted together. Each repeat draws a
bootstrap resample of the evaluation rows (whole subjects when they are given) and permutes
every group inside it, so the interval covers both which samples were measured and the
shuffle. All permuted copies of one repeat go to the model in one call (fast for forests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlwizard.jobs import Job
from dlwizard.ml import metrics

MAX_CELLS = 20_000_000  # permuted copies per model call, in cells (memory bound)


@dataclass
class Group:
    name: str
    members: list[str]


def univariate_scores(x_num, y: np.ndarray, task: str) -> np.ndarray:
    """Association of each numeric column with the label (F statistic; NaN-safe)."""
    from sklearn.feature_selection import f_classif, f_regression

    arr = np.asarray(x_num, dtype=float)
    med = np.nanmedian(arr, axis=0)
    med = np.where(np.isfinite(med), med, 0.0)
    arr = np.where(np.isnan(arr), med, arr)
    with np.errstate(all="ignore"):
        f, _ = (f_regression if task == "regression" else f_classif)(arr, y)
    return np.nan_to_num(f, nan=0.0)


def correlated_groups(
    x_num, names: list[str], threshold: float, order: np.ndarray | None = None
) -> list[Group]:
    """Cluster numeric features whose |Spearman ρ| ≥ threshold (average linkage).

    A group is named after its member that comes first in ``order`` (e.g. the one most
    associated with the label)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.stats import rankdata

    if not names:
        return []
    if len(names) == 1:
        return [Group(names[0], list(names))]
    arr = np.asarray(x_num, dtype=float)
    ranks = np.column_stack([rankdata(np.nan_to_num(c, nan=np.nanmedian(c))) for c in arr.T])
    with np.errstate(all="ignore"):
        rho = np.corrcoef(ranks, rowvar=False)
    rho = np.nan_to_num(rho, nan=0.0)
    dist = 1.0 - np.abs(rho)
    np.fill_diagonal(dist, 0.0)
    condensed = dist[np.triu_indices(len(names), k=1)].clip(0.0, 2.0)
    labels = fcluster(linkage(condensed, method="average"), t=1.0 - threshold, criterion="distance")
    position = {n: i for i, n in enumerate(names)}
    rank = np.empty(len(names), dtype=int)
    rank[order if order is not None else np.arange(len(names))] = np.arange(len(names))
    groups = []
    for lab in np.unique(labels):
        members = sorted((names[i] for i in np.flatnonzero(labels == lab)),
                         key=lambda n: rank[position[n]])  # fmt: skip
        name = members[0] if len(members) == 1 else f"{members[0]} (+{len(members) - 1} correlated)"
        groups.append(Group(name, members))
    return groups


@dataclass
class Result:
    group: Group
    value: float
    low: float
    high: float


def permutation_importance(
    output: Callable,
    x,
    y: np.ndarray,
    task: str,
    metric: str,
    groups: list[Group],
    subjects: np.ndarray | None,
    repeats: int,
    seed: int,
    job: Job | None = None,
) -> list[Result]:
    """Drop in ``metric`` when each group's columns are shuffled together (higher = matters
    more to the model), with 95% percentile intervals over ``repeats`` resamples."""
    import pandas as pd

    job = job or Job()
    rng = np.random.default_rng(seed)
    sign = 1.0 if metrics.HIGHER_IS_BETTER[metric] else -1.0
    draw = metrics._sampler(y, subjects, task)
    n_classes = len(np.unique(y)) if task != "regression" else 0
    drops = np.full((repeats, len(groups)), np.nan)
    per_call = max(1, MAX_CELLS // max(1, len(x) * x.shape[1]))
    for r in range(repeats):
        job.progress(r / repeats, f"Permutation importance: repeat {r + 1} of {repeats}")
        for _ in range(20):  # a resample must hold every class to be scored
            idx = draw(rng)
            if task == "regression" or len(np.unique(y[idx])) == n_classes:
                break
        xs = x.iloc[idx].reset_index(drop=True)
        ys = y[idx]
        base = metrics.compute(task, ys, output(xs))[metric]
        for start in range(0, len(groups), per_call):
            job.check()
            chunk = groups[start : start + per_call]
            copies = []
            for g in chunk:
                perm = rng.permutation(len(xs))
                c = xs.copy()
                c[g.members] = xs[g.members].iloc[perm].to_numpy()
                copies.append(c)
            out = output(pd.concat(copies, ignore_index=True))
            for j in range(len(chunk)):
                part = out[j * len(xs) : (j + 1) * len(xs)]
                drops[r, start + j] = sign * (base - metrics.compute(task, ys, part)[metric])
    results = []
    for j, g in enumerate(groups):
        col = drops[:, j][np.isfinite(drops[:, j])]
        if not col.size:
            results.append(Result(g, float("nan"), float("nan"), float("nan")))
            continue
        lo, hi = np.quantile(col, [0.025, 0.975])
        results.append(Result(g, float(col.mean()), float(lo), float(hi)))
    results.sort(key=lambda r: -r.value if np.isfinite(r.value) else np.inf)
    return results
