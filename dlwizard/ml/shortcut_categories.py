"""Every categorical column at once, in sample: the values of all columns are factorised
together and each (column, value) pair counted by class (or summed, for a numeric label). From
these counts: a leave-one-out score of the label-per-value model (the model the out-of-fold
check fits), the association with the label, and each column's set of values (to find panels).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlwizard.ml.confounders import MAX_LEVELS
from dlwizard.ml.shortcut_numbers import CHUNK


@dataclass
class CategoryPrefilter:
    """What the one in-sample pass found, per categorical column."""

    score: np.ndarray  # leave-one-out balanced accuracy (or R²) of the label per value
    association: np.ndarray  # bias-corrected Cramér's V (or η), missing values left out
    n_levels: np.ndarray  # distinct values, missing left out
    keys: dict[int, frozenset]  # the values of columns with 2..MAX_LEVELS of them (panels)


def category_prefilter(cats, codes, yv, n_classes: int, job) -> CategoryPrefilter:
    """Every categorical column at once (CHUNK at a time): the values of all columns are
    factorised together, and each (column, value) pair counted by class (or summed, for a
    numeric label). From these counts: a leave-one-out score of the label-per-value model (the
    same model the out-of-fold check fits) and the association with the label."""
    import pandas as pd

    n, p = cats.shape
    pre = CategoryPrefilter(np.zeros(p), np.zeros(p), np.zeros(p, int), {})
    for a in range(0, p, CHUNK):
        if job is not None:
            job.check()
        block = cats.iloc[:, a : a + CHUNK]
        m = block.shape[1]
        flat = block.astype(object).to_numpy().ravel(order="F")
        g, uniq = pd.factorize(flat, use_na_sentinel=True)
        missing_code = len(uniq)
        g = np.where(g < 0, missing_code, g).astype(np.int64)
        width = missing_code + 1
        col = np.repeat(np.arange(m, dtype=np.int64), n)
        pairs, inv = np.unique(col * width + g, return_inverse=True)
        pair_col = pairs // width
        pair_code = pairs % width
        real = pair_code != missing_code
        n_levels = np.bincount(pair_col[real], minlength=m)
        pre.n_levels[a : a + m] = n_levels
        for j in np.flatnonzero((n_levels >= 2) & (n_levels <= MAX_LEVELS)):
            values = uniq[pair_code[(pair_col == j) & real]]
            pre.keys[a + int(j)] = frozenset(str(v) for v in values)
        if codes is None:
            pre.score[a : a + m], pre.association[a : a + m] = _category_numeric_label(
                inv, pair_col, real, np.tile(yv, m), m, n
            )
            continue
        k = n_classes
        table = np.bincount(inv * k + np.tile(codes, m), minlength=len(pairs) * k)
        table = table.reshape(-1, k).astype(float)
        class_n = np.bincount(codes, minlength=k).astype(float)
        pre.score[a : a + m] = _loo_balanced_accuracy(table, pair_col, class_n, m)
        pre.association[a : a + m] = _pairs_cramers_v(table[real], pair_col[real], m)
    return pre


def _loo_balanced_accuracy(table, pair_col, class_n, m: int) -> np.ndarray:
    """Leave-one-out balanced accuracy of "the class whose rows hold this value most often
    (each class weighted equally); an unseen value gets the majority class", per column."""
    k = table.shape[1]
    majority = int(class_n.argmax())
    eye = np.eye(k)
    correct = np.zeros((len(table), k))
    for c in range(k):  # leave out one row of class c from each pair that has one
        t = table - eye[c]
        nn = class_n - eye[c]
        with np.errstate(invalid="ignore", divide="ignore"):
            pred = np.argmax(t / np.where(nn > 0, nn, np.inf), axis=1)
        pred = np.where(t.sum(axis=1) > 0, pred, majority)
        correct[:, c] = np.where(pred == c, table[:, c], 0.0)
    per_class = np.stack([np.bincount(pair_col, correct[:, c], minlength=m) for c in range(k)])
    return (per_class / class_n[:, None]).mean(axis=0)


def _pairs_cramers_v(table, pair_col, m: int) -> np.ndarray:
    """Bias-corrected Cramér's V per column from (value, class) counts (``association``'s
    formula; values absent from a column are no rows of its table)."""
    k = table.shape[1]
    col_tot = np.stack([np.bincount(pair_col, table[:, c], minlength=m) for c in range(k)], 1)
    tot = col_tot.sum(axis=1)
    row_tot = table.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = row_tot[:, None] * col_tot[pair_col] / tot[pair_col][:, None]
        cells = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0).sum(axis=1)
        chi2 = np.bincount(pair_col, cells, minlength=m)
        r = np.bincount(pair_col, minlength=m).astype(float)
        kk = (col_tot > 0).sum(axis=1)
        phi2c = np.maximum(0.0, chi2 / tot - (kk - 1) * (r - 1) / np.maximum(tot - 1, 1))
        rc = r - (r - 1) ** 2 / np.maximum(tot - 1, 1)
        kc = kk - (kk - 1) ** 2 / np.maximum(tot - 1, 1)
        denom = np.minimum(kc - 1, rc - 1)
        v = np.where(denom > 0, np.sqrt(phi2c / np.where(denom > 0, denom, 1)), 0.0)
    return np.nan_to_num(np.minimum(v, 1.0), nan=0.0)


def _category_numeric_label(inv, pair_col, real, y, m: int, n: int):
    """Leave-one-out R² of "the mean label of the value" and η (missing left out), per column."""
    cnt = np.bincount(inv).astype(float)
    sums = np.bincount(inv, y)
    mean = y[:n].mean()
    own = inv
    with np.errstate(invalid="ignore", divide="ignore"):
        # an unseen value gets the training mean (every other row)
        rest_mean = (y[:n].sum() - y) / (n - 1)
        loo = np.where(cnt[own] > 1, (sums[own] - y) / (cnt[own] - 1), rest_mean)
    col = np.repeat(np.arange(m), n)
    ss_res = np.bincount(col, (y - loo) ** 2, minlength=m)
    ss_tot = float(((y[:n] - mean) ** 2).sum())
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else np.zeros(m)
    # η over the rows with a value
    keep = real[own]
    rc = col[keep]
    n_c = np.bincount(rc, minlength=m).astype(float)
    s_c = np.bincount(rc, y[keep], minlength=m)
    mu = s_c / np.maximum(n_c, 1)
    total = np.bincount(rc, (y[keep] - mu[rc]) ** 2, minlength=m)
    pair_keep = real
    between = (
        np.bincount(
            pair_col[pair_keep],
            np.where(cnt[pair_keep] > 0, sums[pair_keep] ** 2 / np.maximum(cnt[pair_keep], 1), 0),
            minlength=m,
        )
        - n_c * mu**2
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        eta = np.sqrt(np.clip(between / total, 0, 1))
    return r2, np.nan_to_num(eta, nan=0.0)
