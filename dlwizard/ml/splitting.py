"""Train / tune / test assignment: stratified, group-disjoint, reproducible from a seed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SETS = ("train", "tune", "test")


@dataclass
class Assignment:
    sets: np.ndarray  # "train" / "tune" / "test" for each labelled row
    folds: np.ndarray  # cross-validation fold (0..k-1) of each train row, -1 elsewhere
    n_folds: int


def strata(y: np.ndarray, task: str) -> np.ndarray:
    """Labels to stratify on: the class, or the quintile of a quantity."""
    if task != "regression":
        return np.asarray(y).astype(str)
    values = np.asarray(y, dtype=float)
    edges = np.unique(np.quantile(values, [0.2, 0.4, 0.6, 0.8]))
    return np.digitize(values, edges).astype(str)


def _pick_fold(y: np.ndarray, groups: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """A boolean mask of about ``fraction`` of rows, whole groups only, class-balanced."""
    from sklearn.model_selection import StratifiedGroupKFold

    n_groups = len(np.unique(groups))
    k = int(min(max(2, round(1 / fraction)), n_groups))
    if k < 2:
        raise ValueError("at least two groups are needed to split")
    # Classes with fewer members than folds only trigger a warning inside sklearn.
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        folds = list(StratifiedGroupKFold(k, shuffle=True, random_state=seed).split(y, y, groups))
    target = fraction * len(y)
    best = min(folds, key=lambda f: abs(len(f[1]) - target))
    mask = np.zeros(len(y), dtype=bool)
    mask[best[1]] = True
    return mask


def assign(
    y: np.ndarray,
    task: str,
    groups: np.ndarray | None,
    tune_fraction: float,
    test_fraction: float,
    seed: int,
    test_mask: np.ndarray | None = None,
    n_folds: int = 5,
) -> Assignment:
    n = len(y)
    s = strata(y, task)
    g = np.asarray(groups).astype(str) if groups is not None else np.arange(n).astype(str)
    sets = np.full(n, "train", dtype=object)
    if test_mask is None:
        test_mask = _pick_fold(s, g, test_fraction, seed)
    sets[test_mask] = "test"
    rest = np.flatnonzero(~test_mask)
    # The tuning set is tune_fraction of all rows, taken from what the test set left (a held-out
    # site may be larger or smaller than test_fraction).
    share = tune_fraction * n / max(len(rest), 1)
    if tune_fraction > 0 and len(rest) > 2:
        tune_rel = _pick_fold(s[rest], g[rest], min(max(share, 0.05), 0.9), seed + 1)
        sets[rest[tune_rel]] = "tune"
    folds = np.full(n, -1)
    train = np.flatnonzero(sets == "train")
    n_train_groups = len(np.unique(g[train]))
    k = int(min(n_folds, n_train_groups))
    if k >= 2:
        import warnings

        from sklearn.model_selection import StratifiedGroupKFold

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            splitter = StratifiedGroupKFold(k, shuffle=True, random_state=seed + 2)
            for fold, (_, te) in enumerate(splitter.split(train, s[train], g[train])):
                folds[train[te]] = fold
    return Assignment(sets=sets.astype(str), folds=folds, n_folds=k)
