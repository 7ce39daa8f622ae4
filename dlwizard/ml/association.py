"""Association between a metadata column and the label, as a score in 0..1 with a p-value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class AssociationScore:
    measure: str
    score: float
    p_value: float | None
    n: int


def cramers_v(a: pd.Series, b: pd.Series) -> AssociationScore:
    """Bias-corrected Cramér's V (Bergsma 2013) between two categorical variables."""
    import pandas as pd
    from scipy.stats import chi2_contingency

    mask = a.notna() & b.notna()
    table = pd.crosstab(a[mask].astype(str), b[mask].astype(str)).to_numpy()
    n = int(table.sum())
    r, k = table.shape
    if n == 0 or r < 2 or k < 2:
        return AssociationScore("cramers_v", 0.0, None, n)
    chi2, p, _, _ = chi2_contingency(table, correction=False)
    phi2 = chi2 / n
    phi2c = max(0.0, phi2 - (k - 1) * (r - 1) / max(n - 1, 1))
    rc = r - (r - 1) ** 2 / max(n - 1, 1)
    kc = k - (k - 1) ** 2 / max(n - 1, 1)
    denom = min(kc - 1, rc - 1)
    v = float(np.sqrt(phi2c / denom)) if denom > 0 else 0.0
    return AssociationScore("cramers_v", min(v, 1.0), float(p), n)


def correlation_ratio(groups: pd.Series, values: pd.Series) -> AssociationScore:
    """Eta (square root of the share of variance of ``values`` explained by ``groups``)."""
    from scipy.stats import f_oneway

    mask = groups.notna() & values.notna()
    g = groups[mask].astype(str)
    y = values[mask].astype(float)
    n = len(y)
    if n < 3 or g.nunique() < 2:
        return AssociationScore("eta", 0.0, None, n)
    total = float(((y - y.mean()) ** 2).sum())
    means = y.groupby(g).transform("mean")
    between = float(((means - y.mean()) ** 2).sum())
    eta = float(np.sqrt(between / total)) if total > 0 else 0.0
    samples = [grp.to_numpy() for _, grp in y.groupby(g) if len(grp) > 0]
    p = float(f_oneway(*samples).pvalue) if all(len(s) > 1 for s in samples) else None
    return AssociationScore("eta", eta, p, n)


def association(column: pd.Series, label: pd.Series, label_is_numeric: bool) -> AssociationScore:
    if label_is_numeric:
        return correlation_ratio(column, label)
    return cramers_v(column, label)


def best_threshold_balanced_accuracy(x: pd.Series, y: pd.Series) -> float:
    """How well a single cut on numeric ``x`` separates a binary/multiclass ``y`` (0.5 = none).

    For more than two classes this is the best one-vs-rest score over classes.
    """
    mask = x.notna() & y.notna()
    xv = x[mask].astype(float).to_numpy()
    yv = y[mask].astype(str).to_numpy()
    if len(xv) < 4:
        return 0.5
    order = np.argsort(xv, kind="mergesort")
    xv, yv = xv[order], yv[order]
    best = 0.5
    for cls in np.unique(yv):
        pos = (yv == cls).astype(float)
        n_pos, n_neg = pos.sum(), len(pos) - pos.sum()
        if n_pos == 0 or n_neg == 0:
            continue
        tp_left = np.cumsum(pos)
        tn_left = np.cumsum(1 - pos)
        # Only cut between distinct values.
        valid = np.r_[xv[1:] != xv[:-1], False]
        sens_left = tp_left / n_pos
        spec_right = (n_neg - tn_left) / n_neg
        ba1 = (sens_left + spec_right) / 2  # class on the left of the cut
        ba = np.maximum(ba1, 1 - ba1)
        if valid.any():
            best = max(best, float(ba[valid].max()))
    return best
