"""Can the label be predicted without the biology? From batch columns, or from missingness.

A model that predicts the label from the site or the pattern of missing values alone shows
that the data carries a shortcut a real model could learn instead of the biology.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class ShortcutScore:
    source: str  # "metadata" or "missingness"
    columns: list[str]
    metric: str  # "auroc", "balanced_accuracy" or "r2"
    score: float
    chance: float
    folds: int

    @property
    def above_chance(self) -> bool:
        margin = {"auroc": 0.1, "balanced_accuracy": 0.1, "r2": 0.1}[self.metric]
        return self.score >= self.chance + margin


def cv_folds(y: np.ndarray, groups: np.ndarray | None, task: str, n_splits: int, seed: int):
    from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold

    if task == "regression":
        if groups is not None:
            return list(GroupKFold(n_splits=n_splits).split(y, y, groups))
        return list(KFold(n_splits, shuffle=True, random_state=seed).split(y))
    if groups is not None:
        splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed)
        return list(splitter.split(y, y, groups))
    return list(StratifiedKFold(n_splits, shuffle=True, random_state=seed).split(y, y))


def shortcut_score(
    x: np.ndarray,
    y: pd.Series,
    task: str,
    groups: np.ndarray | None,
    source: str,
    columns: list[str],
    positive: str | None = None,
    seed: int = 0,
) -> ShortcutScore | None:
    """Cross-validated score of a simple model on ``x`` (already numeric).

    A regularised linear model: the inputs are one-hot codes or missingness indicators, where
    it is as good as a tree ensemble and many times faster.
    """
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.metrics import balanced_accuracy_score, r2_score, roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    def classifier():
        return make_pipeline(
            SimpleImputer(), StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)
        )

    yv = y.to_numpy()
    if task != "regression":
        yv = y.astype(str).to_numpy()
        counts = np.unique(yv, return_counts=True)[1]
        n_splits = int(min(5, counts.min()))
    else:
        n_splits = 5
    if groups is not None:
        n_splits = min(n_splits, len(np.unique(groups)))
    if n_splits < 2 or x.shape[1] == 0:
        return None
    folds = cv_folds(yv, groups, task, n_splits, seed)
    if task == "regression":
        pred = np.zeros(len(yv))
        for tr, te in folds:
            model = make_pipeline(SimpleImputer(), StandardScaler(), Ridge(alpha=1.0))
            pred[te] = model.fit(x[tr], yv[tr]).predict(x[te])
        return ShortcutScore(source, columns, "r2", float(r2_score(yv, pred)), 0.0, n_splits)
    classes = np.unique(yv)
    proba = np.zeros((len(yv), len(classes)))
    for tr, te in folds:
        model = classifier()
        model.fit(x[tr], yv[tr])
        idx = np.searchsorted(classes, model.classes_)
        proba[np.ix_(te, idx)] = model.predict_proba(x[te])
    if len(classes) == 2:
        pos = positive if positive in classes else classes[1]
        col = int(np.flatnonzero(classes == pos)[0])
        score = float(roc_auc_score(yv == pos, proba[:, col]))
        return ShortcutScore(source, columns, "auroc", score, 0.5, n_splits)
    pred = classes[proba.argmax(axis=1)]
    score = float(balanced_accuracy_score(yv, pred))
    return ShortcutScore(source, columns, "balanced_accuracy", score, 1 / len(classes), n_splits)


def encode_columns(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One-hot codes of categorical columns, numbers as they are (missing as its own level)."""
    import pandas as pd

    parts = []
    for col in columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype) and s.nunique() > 20:
            parts.append(s.to_numpy(dtype=float, na_value=np.nan)[:, None])
        else:
            parts.append(pd.get_dummies(s.astype("str").fillna("(missing)")).to_numpy(float))
    return np.hstack(parts) if parts else np.empty((len(df), 0))
