"""Every numeric column at once, in sample: the cheap score that picks the few columns worth
scoring out of fold, point masses, missingness that alone tells the classes apart, and the
association of columns of a few integer codes with the label.

Wide tables (20,000 features) stay fast: one vectorised pass sorts every numeric column once
(in chunks, so Cancel answers between them) and yields a cheap in-sample score per column (the
rank AUROC, or the table of counts for columns of a few whole numbers), the point masses and the
missingness pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlwizard.ml.confounders import MAX_LEVELS

CHUNK = 2000  # numeric columns ranked at a time (memory, and Cancel between chunks)
# A point mass (one exact value such as a cycle threshold of 40 written for every negative test,
# or a sentinel like -1, 0 or 999) held by at least half of one class's rows, at least this many,
# and by at most OTHER_SHARE of the other classes' rows.
POINT_MASS_ROWS = 10
POINT_MASS_SHARE = 0.5
OTHER_SHARE = 0.02
POINT_MASS_STANDS_OUT = 3  # ... at least 3 times as often as any other value of the column
# Missingness alone separating the classes (a value that exists only because of the outcome).
MISSING_BA = 0.95
MISSING_AUROC = 0.98  # numeric label: the label ranges of rows with and without the value
MISSING_ROWS = 10  # at least this many rows with and without a value


@dataclass
class NumericPrefilter:
    """What the one in-sample pass found, per numeric column."""

    score: np.ndarray  # per numeric column: the cheap in-sample score (higher = stronger)
    n_valid: np.ndarray
    point_mass: dict[int, dict[str, Any]]  # column -> the point mass found
    n_distinct: np.ndarray
    association: np.ndarray  # integer codes: bias-corrected Cramér's V or η (else NaN)
    level_key: dict[int, bytes]  # integer codes: their set of values (to find panels)


def _average_ranks(
    s: np.ndarray, valid: np.ndarray, need_ranks: bool = True
) -> tuple[np.ndarray | None, np.ndarray]:
    """1-based ranks of sorted rows (m x n, NaN last), ties averaged; run lengths of ties."""
    m, n = s.shape
    pos = np.broadcast_to(np.arange(n, dtype=np.int32), (m, n))
    eq = np.zeros((m, n), bool)
    eq[:, 1:] = (s[:, 1:] == s[:, :-1]) & valid[:, 1:]
    if not eq.any():
        return (pos + 1.0 if need_ranks else None), np.ones((m, n), np.int32)
    start = np.maximum.accumulate(np.where(eq, 0, pos), axis=1)
    ends_here = np.ones((m, n), bool)
    ends_here[:, :-1] = ~eq[:, 1:]
    end = np.where(ends_here, pos, n)
    end = np.minimum.accumulate(end[:, ::-1], axis=1)[:, ::-1]
    runs = (end - start + 1).astype(np.int32)
    return ((start + end) / 2.0 + 1.0 if need_ranks else None), runs


def numeric_prefilter(
    x: np.ndarray,
    codes: np.ndarray | None,
    yv: np.ndarray | None,
    yrank: np.ndarray | None,
    n_classes: int,
    job,
) -> NumericPrefilter:
    """One pass over all numeric columns, CHUNK at a time (Cancel is checked between chunks).

    Each chunk is sorted once. Columns of a few whole numbers (codes, counts) are judged from
    their table of value x class counts; the others from their ranks (ties averaged).
    """
    p = x.shape[1]
    pre = NumericPrefilter(
        score=np.zeros(p),
        n_valid=np.zeros(p, int),
        point_mass={},
        n_distinct=np.zeros(p, int),
        association=np.full(p, np.nan),
        level_key={},
    )
    for a in range(0, p, CHUNK):
        if job is not None:
            job.check()
        t = np.array(x[:, a : a + CHUNK].T, order="C")  # a copy, columns as rows: fast sorting
        holes = np.isnan(t)
        if holes.any():
            t[holes] = np.inf  # sorts last like NaN, but numpy sorts NaN far more slowly
        del holes
        # Whole numbers (counts, codes) tie a lot, where a stable sort is several times faster.
        with np.errstate(invalid="ignore"):
            whole = bool(np.all(np.isinf(t) | (t == np.round(t))))
        order = np.argsort(t, axis=1, kind="stable" if whole else None)
        s = np.take_along_axis(t, order, axis=1)
        del t
        s[np.isinf(s)] = np.nan  # infinite values are missing, as the import reads them
        valid = ~np.isnan(s)
        nv = valid.sum(axis=1)
        pre.n_valid[a : a + CHUNK] = nv
        first = np.ones_like(valid)
        first[:, 1:] = s[:, 1:] != s[:, :-1]
        first &= valid
        nd = first.sum(axis=1)
        pre.n_distinct[a : a + CHUNK] = nd
        with np.errstate(invalid="ignore"):
            integer = np.all(~valid | (s == np.round(s)), axis=1)
        is_few = integer & (nd >= 2) & (nd <= MAX_LEVELS)
        few = np.flatnonzero(is_few)
        for j in few:
            pre.level_key[a + int(j)] = s[j, first[j]].tobytes()
        if codes is None:  # a numeric label: |Spearman| from ranks; η for the codes
            if few.size:
                pre.association[a + few] = _eta_levels(first[few], valid[few], yv[order[few]])
            ranks, _ = _average_ranks(s, valid)
            pre.score[a : a + CHUNK] = _spearman(ranks, valid, nv, yrank[order])
            continue
        lab = codes[order]
        if few.size:
            table = _level_table(first[few], valid[few], lab[few], n_classes)
            pre.association[a + few] = _cramers_v_table(table)
            pre.score[a + few] = _table_score(table)
            _table_point_masses(s[few], first[few], table, a + few, pre.point_mass)
        rest = np.flatnonzero(~is_few)
        if not rest.size:
            continue
        s, lab, valid, nv = s[rest], lab[rest], valid[rest], nv[rest]
        class_present = np.stack(
            [((lab == c) & valid).sum(axis=1) for c in range(n_classes)], axis=1
        )
        ranks, runs = _average_ranks(s, valid, need_ranks=n_classes == 2)
        if n_classes == 2:
            pos = (lab == 1) & valid
            npos = class_present[:, 1]
            u = (ranks * pos).sum(axis=1) - npos * (npos + 1) / 2.0
            with np.errstate(invalid="ignore", divide="ignore"):
                auc = u / (npos * class_present[:, 0])
            pre.score[a + rest] = np.nan_to_num(np.maximum(auc, 1 - auc), nan=0.5)
        else:
            # Neighbours in value order that share a class, beyond what chance gives: 1 when
            # the classes lie in separate intervals, 0 for a feature unrelated to the label.
            same = ((lab[:, 1:] == lab[:, :-1]) & valid[:, 1:]).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = same / (nv - 1)
                chance = ((class_present / nv[:, None]) ** 2).sum(axis=1)
                runs_score = (share - chance) / (1 - chance)
            pre.score[a + rest] = np.nan_to_num(runs_score, nan=0.0)
        _point_masses(s, lab, valid, runs, class_present, a + rest, pre.point_mass)
    return pre


def _spearman(ranks, valid, nv, yr_sorted) -> np.ndarray:
    """|Spearman| of every column with the label (the label's ranks over all labelled rows: a
    prefilter, not a test)."""
    yr = np.where(valid, yr_sorted, 0.0)
    xr = np.where(valid, ranks, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        xm = xr.sum(axis=1) / nv
        ym = yr.sum(axis=1) / nv
        xc = np.where(valid, xr - xm[:, None], 0.0)
        yc = np.where(valid, yr - ym[:, None], 0.0)
        rho = (xc * yc).sum(axis=1) / np.sqrt((xc**2).sum(axis=1) * (yc**2).sum(axis=1))
    return np.nan_to_num(np.abs(rho), nan=0.0)


def _cells(first: np.ndarray) -> np.ndarray:
    """Cell ids (column x value index) of each sorted row."""
    level = np.cumsum(first, axis=1) - 1
    return np.arange(first.shape[0])[:, None] * MAX_LEVELS + level


def _level_table(first, valid, lab, k: int) -> np.ndarray:
    """Counts of value x class per column (m x MAX_LEVELS x k), values in ascending order."""
    m = first.shape[0]
    idx = (_cells(first) * k + lab)[valid]
    return np.bincount(idx, minlength=m * MAX_LEVELS * k).reshape(m, MAX_LEVELS, k)


def _cramers_v_table(table: np.ndarray) -> np.ndarray:
    """Bias-corrected Cramér's V of every table at once (the formula of
    ``association.cramers_v``, Bergsma 2013)."""
    tot = table.sum(axis=(1, 2)).astype(float)
    rows = table.sum(axis=2)
    cols = table.sum(axis=1)
    r = (rows > 0).sum(axis=1)
    kk = (cols > 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = rows[:, :, None] * cols[:, None, :] / tot[:, None, None]
        chi2 = np.where(expected > 0, (table - expected) ** 2 / expected, 0.0).sum(axis=(1, 2))
        phi2 = chi2 / tot
        phi2c = np.maximum(0.0, phi2 - (kk - 1) * (r - 1) / np.maximum(tot - 1, 1))
        rc = r - (r - 1) ** 2 / np.maximum(tot - 1, 1)
        kc = kk - (kk - 1) ** 2 / np.maximum(tot - 1, 1)
        denom = np.minimum(kc - 1, rc - 1)
        v = np.where(denom > 0, np.sqrt(phi2c / np.where(denom > 0, denom, 1)), 0.0)
    return np.nan_to_num(np.minimum(v, 1.0), nan=0.0)


def _table_score(table: np.ndarray) -> np.ndarray:
    """The prefilter score of columns of codes, from their tables: max(AUROC, 1 - AUROC) for
    two classes; for more, the in-sample balanced accuracy of the best value -> class map,
    beyond chance (0 unrelated, 1 each value belongs to one class)."""
    k = table.shape[2]
    class_n = table.sum(axis=1).astype(float)  # m x k
    if k == 2:
        neg, pos = table[:, :, 0], table[:, :, 1]
        below = np.cumsum(neg, axis=1) - neg
        u = (pos * (below + 0.5 * neg)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            auc = u / (class_n[:, 0] * class_n[:, 1])
        return np.nan_to_num(np.maximum(auc, 1 - auc), nan=0.5)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.nan_to_num(table / class_n[:, None, :])  # each class weighted equally
        n_present = np.maximum((class_n > 0).sum(axis=1), 1)
        best = share.max(axis=2).sum(axis=1) / n_present
        chance = 1.0 / n_present
        return np.nan_to_num((best - chance) / (1 - chance), nan=0.0)


def _table_point_masses(s, first, table, columns, out: dict) -> None:
    """Point masses of columns of codes, from their tables (the rule of _point_masses)."""
    present = table.sum(axis=1)  # m x k
    per_value = table.sum(axis=2)  # m x L
    need = np.maximum(POINT_MASS_ROWS, np.ceil(POINT_MASS_SHARE * present.min(axis=1)))
    for i in np.flatnonzero(per_value.max(axis=1) >= need):
        by_value = per_value[i]
        mode = int(by_value.argmax())
        length = int(by_value[mode])
        second = int(np.delete(by_value, mode).max())
        counts = table[i, mode]
        c = int(counts.argmax())
        others = int(present[i].sum() - present[i, c])
        other_count = length - int(counts[c])
        if (
            others > 0
            and length >= POINT_MASS_STANDS_OUT * second
            and counts[c] >= max(POINT_MASS_ROWS, POINT_MASS_SHARE * present[i, c])
            and other_count <= OTHER_SHARE * others
        ):
            n_values = int((by_value > 0).sum())
            edge = "lowest" if mode == 0 else "highest" if mode == n_values - 1 else ""
            out[int(columns[i])] = {
                "value": float(s[i, first[i]][mode]),
                "class_code": c,
                "count": int(counts[c]),
                "class_rows": int(present[i, c]),
                "other_count": other_count,
                "edge": edge,
            }


def _eta_levels(first, valid, ysorted) -> np.ndarray:
    """Correlation ratio η of every column of codes with a numeric label, all at once."""
    m = first.shape[0]
    cell = _cells(first)[valid]
    w = np.where(valid, ysorted, 0.0)
    cnt = np.bincount(cell, minlength=m * MAX_LEVELS).reshape(m, MAX_LEVELS)
    sums = np.bincount(cell, w[valid], minlength=m * MAX_LEVELS).reshape(m, MAX_LEVELS)
    nv = cnt.sum(axis=1)
    mean = sums.sum(axis=1) / np.maximum(nv, 1)
    total = (np.where(valid, w - mean[:, None], 0.0) ** 2).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        between = (sums**2 / np.where(cnt > 0, cnt, np.inf)).sum(axis=1) - nv * mean**2
        eta = np.sqrt(np.clip(between / total, 0, 1))
    return np.nan_to_num(eta, nan=0.0)


def _point_masses(s, lab, valid, runs, class_present, columns, out: dict) -> None:
    """Exact values held by at least half of one class and (almost) no row of the others.

    ``class_present``: rows with a value per column and class (m x k). Such a value stands out
    from the column's other values (at least POINT_MASS_STANDS_OUT times as frequent as any
    other: a grid of rounded values, such as petal widths to 0.1 cm, is no point mass), so only
    each column's commonest value can be one: all columns are judged at once.
    """
    need = np.maximum(POINT_MASS_ROWS, np.ceil(POINT_MASS_SHARE * class_present.min(axis=1)))
    runs = np.where(valid, runs, 0)
    top = runs.max(axis=1)
    cand = np.flatnonzero(top >= need)
    if not cand.size:
        return
    s, lab, valid, runs, present = s[cand], lab[cand], valid[cand], runs[cand], class_present[cand]
    at = runs.argmax(axis=1)
    value = s[np.arange(len(cand)), at]
    mask = (s == value[:, None]) & valid
    length = mask.sum(axis=1)
    second = np.where(mask, 0, runs).max(axis=1)
    counts = np.stack([(mask & (lab == c)).sum(axis=1) for c in range(present.shape[1])], axis=1)
    c = counts.argmax(axis=1)
    rows = np.arange(len(cand))
    held = counts[rows, c]
    others = present.sum(axis=1) - present[rows, c]
    other_count = length - held
    ok = (
        (others > 0)
        & (length >= POINT_MASS_STANDS_OUT * second)
        & (held >= np.maximum(POINT_MASS_ROWS, POINT_MASS_SHARE * present[rows, c]))
        & (other_count <= OTHER_SHARE * others)
    )
    for i in np.flatnonzero(ok):
        lo = int(mask[i].argmax())
        nv = int(valid[i].sum())
        edge = "lowest" if lo == 0 else "highest" if lo + length[i] == nv else ""
        out[int(columns[cand[i]])] = {
            "value": float(value[i]),
            "class_code": int(c[i]),
            "count": int(held[i]),
            "class_rows": int(present[i, c[i]]),
            "other_count": int(other_count[i]),
            "edge": edge,
        }


def missingness(values, codes, yv, n_classes: int) -> dict[int, Any]:
    """Columns whose missingness alone separates the classes (or the label's range).

    Returns column -> a function of the class names giving the evidence in words.
    """
    miss = np.isnan(values)
    n_miss = miss.sum(axis=0)
    n = len(values)
    cand = np.flatnonzero((n_miss >= MISSING_ROWS) & (n - n_miss >= MISSING_ROWS))
    out: dict[int, Any] = {}
    if not cand.size:
        return out
    m = miss[:, cand].astype(np.float32)
    if codes is not None:
        onehot = np.eye(n_classes, dtype=np.float32)[codes]  # n x k
        per_class = onehot.T @ m  # k x c: missing count per class
        class_n = onehot.sum(axis=0)[:, None]
        rate = per_class / class_n
        mostly = rate >= 0.5
        for idx, j in enumerate(cand):
            a = mostly[:, idx]
            if a.all() or not a.any():
                continue
            miss_a = per_class[a, idx].sum() / class_n[a, 0].sum()
            pres_b = 1 - per_class[~a, idx].sum() / class_n[~a, 0].sum()
            if (miss_a + pres_b) / 2 >= MISSING_BA:
                pc = per_class[:, idx].astype(int)
                cn = class_n[:, 0].astype(int)
                ma = a.copy()

                def words(classes, pc=pc, cn=cn, ma=ma) -> str:
                    parts = []
                    for c, name in enumerate(classes):
                        if ma[c]:
                            parts.append(f"missing in {pc[c]} of the {cn[c]} '{name}' rows")
                        else:
                            parts.append(f"present in {cn[c] - pc[c]} of the {cn[c]} '{name}' rows")
                    return "whether it was measured alone tells the classes apart: " + ", ".join(
                        parts
                    )

                out[int(j)] = words
        return out
    from scipy.stats import rankdata

    r = rankdata(yv).astype(np.float32)
    u = r @ m - n_miss[cand] * (n_miss[cand] + 1) / 2.0
    auc = u / (n_miss[cand] * (n - n_miss[cand]))
    for idx, j in enumerate(cand):
        a = float(auc[idx])
        if max(a, 1 - a) >= MISSING_AUROC:
            side = "higher" if a >= 0.5 else "lower"

            def words(_classes, side=side, k=int(n_miss[j])) -> str:
                return (
                    f"it is missing in {k} rows, whose labels are nearly all {side} than those "
                    "of the rows where it was measured"
                )

            out[int(j)] = words
    return out
