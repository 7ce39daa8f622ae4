"""Every candidate feature alone against the label (Tips 4 and 7): the shortcuts an analyst sees.

Each feature is scored *alone*, out of fold (folds grouped like the split), with a cheap model:
a single threshold learned on the training folds for a number (a shallow tree with one leaf per
class for more than two classes, a monotone fit for a numeric label), the label frequencies per
value for a category. A feature that predicts the label almost perfectly is usually the outcome
in another form, or recorded because of it; a category that tracks the label strongly may say
where, when or how the samples were collected rather than anything biological.

Wide tables (20,000 features) stay fast: one vectorised pass sorts every numeric column once
(in chunks, so Cancel answers between them) and yields a cheap in-sample score per column (the
rank AUROC, or the table of counts for columns of a few whole numbers), the point masses and the
missingness pattern; the categorical columns are counted all at once the same way. Only the few
columns that could possibly be near-perfect are then scored out of fold.

Nothing here imports Qt; numpy is the only import at module level.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

# -- thresholds ------------------------------------------------------------------------------------
MIN_ROWS = 10  # fewer labelled rows: no screen (nothing out of fold would mean anything)
MAX_FOLDS = 5
CHUNK = 2000  # numeric columns ranked at a time (memory, and Cancel between chunks)
TOP_CV = 50  # at most this many numeric columns that passed the prefilter are scored out of fold
KEEP_TOP = 10  # the best-scoring columns are recorded even when nothing is flagged

# "Almost perfectly", out of fold. Real biomarkers are strong but not perfect: on scikit-learn's
# breast-cancer set the best single features ('worst perimeter', 'mean concave points') reach
# an out-of-fold AUROC of about 0.975 and a balanced accuracy of about 0.91; a copy of the label
# in disguise scores 1.00. The bars sit between the two, near the top: iris petal width (real
# morphology) separates the three species with a balanced accuracy of 0.95 and is no shortcut.
NEAR_PERFECT_BA = 0.98
NEAR_PERFECT_AUROC = 0.99
NEAR_PERFECT_R2 = 0.95
# With 20,000 features on a few dozen rows some feature separates the classes by chance: a
# near-perfect score is only believed when its in-sample test survives a Bonferroni correction
# over every feature screened.
FAMILY_ALPHA = 0.01

# Prefilters (in-sample, loose): only columns that could be near-perfect out of fold pass.
PRE_AUROC = 0.9  # binary: max(AUROC, 1 - AUROC)
PRE_RUNS = 0.6  # multiclass: share of neighbours (in value order) with the same class, over chance
PRE_SPEARMAN = 0.9  # regression: |Spearman|

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

# Possible confounders: bias-corrected Cramér's V (correlation ratio η for a numeric label) with
# p < CONFOUNDER_P. The bar depends on how much the column looks like where, when or how the
# samples were collected: a name or values like a place, batch or time (0.3, a medium effect);
# other text categories (0.4: the four hospitals of the heart-disease data, named only by their
# values, reach 0.41); numbers with a few integer codes (0.7: a code is
# usually a graded measurement, a score or a stage, whose link to the label is the biology, as
# the chest-pain type of the heart-disease data, V = 0.54).
CONFOUNDER_V_HINTED = 0.3
CONFOUNDER_V_TEXT = 0.4
CONFOUNDER_V_CODES = 0.7
CONFOUNDER_P = 1e-3
MAX_LEVELS = 50  # a category has at most this many values (and at most one per five rows)
PANEL_SIZE = 5  # a value set shared by this many other features is a panel (bases, genotypes)

FOLLOW_UP_AUROC = 0.7

FLAGS = ("single-feature-shortcut", "possible-confounder", "follow-up-time")

_PLACE_BATCH_TIME = {
    "site", "sites", "center", "centre", "location", "loc", "hospital", "clinic", "country",
    "city", "region", "province", "county", "place", "plate", "batch", "run", "lane", "flowcell",
    "chip", "slide", "date", "year", "month", "season", "collection", "collected", "cohort",
    "study", "lab", "laboratory", "instrument", "scanner", "machine", "operator",
    "week", "visit", "facility", "institution", "ward", "centre_id", "seq", "sequencer",
}  # fmt: skip
_PLACE_PREFIXES = ("hospital", "collect", "location", "institut", "laborator", "countr")
_VALUE_HINT = re.compile(
    r"^\s*(plate|batch|run|lane|chip|site|cent(er|re)|hospital|clinic|lab|flowcell|slide|"
    r"array|well|box|rack|kit|lot|visit|week|day|wave|cohort|study)[\s_\-#.:]*[a-z]?\d+\s*$",
    re.IGNORECASE,
)
_DATE_VALUE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[\s\-_/]*\d{2,4}|"
    r"(spring|summer|autumn|fall|winter)[\s\-_]*\d{0,4}|q[1-4][\s\-_/]*\d{2,4})\s*$",
    re.IGNORECASE,
)
_FOLLOW_UP_WORDS = {
    "os", "pfs", "dfs", "efs", "rfs", "dss", "mfs", "ttp", "tte", "ttr", "los", "fu", "futime",
    "time", "times", "days", "months", "weeks", "duration", "survival", "censor", "censored",
    "censoring", "stime", "dtime", "obstime",
}  # fmt: skip
_FOLLOW_UP_PREFIXES = ("follow", "surviv", "duration", "censor", "dayssince", "timeto")
_FOLLOW_UP_QUICK = re.compile(
    "|".join(sorted(_FOLLOW_UP_WORDS | set(_FOLLOW_UP_PREFIXES), key=len)), re.IGNORECASE
)


@dataclass
class FeatureResult:
    column: str
    kind: str  # "number" or "category"
    metric: str  # "balanced_accuracy", "auroc", "r2" (out of fold), "cramers_v" or "eta"
    score: float
    flag: str | None = None  # one of FLAGS
    evidence: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Screen:
    results: list[FeatureResult] = field(default_factory=list)  # flagged, then the top scores
    n_screened: int = 0
    folds: int = 0
    skipped: str = ""  # why the screen did not run ("" when it ran)

    def flagged(self, code: str) -> list[FeatureResult]:
        return [r for r in self.results if r.flag == code]


# -- names and values as hints ---------------------------------------------------------------------
def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^A-Za-z]+", spaced.lower()) if t]


def looks_like_place_batch_time(name: str, values: pd.Series | None = None) -> str:
    """Why a column looks like where, when or how samples were collected ("" when it does not).

    The name is only a hint; the values speak too (``plate_3``, ``batch 2``, years, dates).
    """
    import pandas as pd

    tokens = _tokens(name)
    if any(t in _PLACE_BATCH_TIME or t.startswith(_PLACE_PREFIXES) for t in tokens):
        return f"its name '{name}' suggests a place, a batch or a time"
    if values is None:
        return ""
    v = values.dropna()
    if v.empty:
        return ""
    if pd.api.types.is_numeric_dtype(v.dtype) and not pd.api.types.is_bool_dtype(v.dtype):
        num = v.to_numpy(float)
        if np.all(num == np.round(num)) and num.min() >= 1900 and num.max() <= 2100:
            return "its values are years"
        return ""
    text = pd.Series(v.astype(str).unique())
    if (text.str.match(_VALUE_HINT).mean() >= 0.8) and len(text):
        return f"its values look like batches or places ('{text.iloc[0]}')"
    if text.str.match(_DATE_VALUE).mean() >= 0.8:
        return f"its values look like dates ('{text.iloc[0]}')"
    return ""


def looks_like_follow_up(name: str) -> bool:
    """A name that hints a follow-up, survival or time-to-event duration (a hint only)."""
    if not _FOLLOW_UP_QUICK.search(str(name)):  # most names (genes): no need to tokenise
        return False
    tokens = _tokens(name)
    if "age" in tokens:  # age_months, age in days: an age, not a follow-up
        return False
    joined = "".join(tokens)
    return any(t in _FOLLOW_UP_WORDS for t in tokens) or joined.startswith(_FOLLOW_UP_PREFIXES)


# -- the vectorised prefilter ----------------------------------------------------------------------
@dataclass
class _Pre:
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


def _prefilter(
    x: np.ndarray,
    codes: np.ndarray | None,
    yv: np.ndarray | None,
    yrank: np.ndarray | None,
    n_classes: int,
    job,
) -> _Pre:
    """One pass over all numeric columns, CHUNK at a time (Cancel is checked between chunks).

    Each chunk is sorted once. Columns of a few whole numbers (codes, counts) are judged from
    their table of value x class counts; the others from their ranks (ties averaged).
    """
    p = x.shape[1]
    pre = _Pre(
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


# -- out-of-fold single-feature models -------------------------------------------------------------
def _best_cut(x: np.ndarray, y: np.ndarray) -> tuple[float, bool]:
    """The cut on ``x`` that best separates binary ``y`` (balanced accuracy) and its side:
    True when class 1 lies above the cut."""
    order = np.argsort(x, kind="mergesort")
    xs, ys = x[order], y[order].astype(float)
    n_pos, n_neg = ys.sum(), len(ys) - ys.sum()
    if n_pos == 0 or n_neg == 0 or len(xs) < 2:
        return (float(xs[0]) if len(xs) else 0.0), True
    below_pos = np.cumsum(ys)
    below_neg = np.cumsum(1 - ys)
    # class 1 above the cut: negatives below, positives above
    ba_up = (below_neg / n_neg + (n_pos - below_pos) / n_pos) / 2
    valid = np.r_[xs[1:] != xs[:-1], False]
    if not valid.any():
        return float(xs[-1]), True
    ba = np.where(valid, np.maximum(ba_up, 1 - ba_up), -1)
    k = int(ba.argmax())
    return float((xs[k] + xs[k + 1]) / 2), bool(ba_up[k] >= 1 - ba_up[k])


def _balanced_accuracy(y: np.ndarray, pred: np.ndarray, n_classes: int) -> float:
    recalls = [np.mean(pred[y == c] == c) for c in range(n_classes) if np.any(y == c)]
    return float(np.mean(recalls)) if recalls else 0.0


def _auroc(y: np.ndarray, s: np.ndarray) -> float | None:
    from scipy.stats import rankdata

    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    r = rankdata(s)
    return float((r[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _majority(codes: np.ndarray, n_classes: int) -> int:
    return int(np.bincount(codes, minlength=n_classes).argmax())


def _cv_number(x, codes, yv, task, n_classes, folds, seed) -> dict[str, float]:
    """Out-of-fold score of one numeric feature alone (missing values are a value too)."""
    miss = np.isnan(x)
    if task == "regression":
        from scipy.stats import rankdata
        from sklearn.isotonic import IsotonicRegression

        # A monotone fit is the numeric-label analogue of a single cut: it asks whether the
        # label follows the feature's order, whatever the shape, and its out-of-fold R² is on
        # the label's own scale (a Spearman correlation alone cannot say how close to perfect
        # the predictions would be).
        pred = np.zeros(len(yv))
        for tr, te in folds:
            ok = tr[~miss[tr]]
            fallback = float(yv[tr].mean())
            miss_mean = float(yv[tr][miss[tr]].mean()) if miss[tr].any() else fallback
            if len(ok) >= 2 and np.ptp(x[ok]) > 0:
                rho = np.corrcoef(rankdata(x[ok]), rankdata(yv[ok]))[0, 1]
                iso = IsotonicRegression(increasing=bool(rho >= 0), out_of_bounds="clip")
                iso.fit(x[ok], yv[ok])
                te_ok = te[~miss[te]]
                pred[te_ok] = iso.predict(x[te_ok])
            else:
                pred[te[~miss[te]]] = fallback
            pred[te[miss[te]]] = miss_mean
        ss_tot = float(((yv - yv.mean()) ** 2).sum())
        r2 = 1 - float(((yv - pred) ** 2).sum()) / ss_tot if ss_tot > 0 else 0.0
        return {"r2": r2}
    pred = np.zeros(len(codes), int)
    if n_classes == 2:
        aucs = []
        for tr, te in folds:
            ok = tr[~miss[tr]]
            maj = _majority(codes[tr], 2)
            miss_cls = _majority(codes[tr][miss[tr]], 2) if miss[tr].any() else maj
            te_ok, te_miss = te[~miss[te]], te[miss[te]]
            if len(ok) >= 2 and len(np.unique(codes[ok])) == 2:
                cut, up = _best_cut(x[ok], codes[ok])
                above = x[te_ok] > cut
                pred[te_ok] = np.where(above == up, 1, 0)
                # The rank score with the direction learned on the training folds.
                train_auc = _auroc(codes[ok], x[ok])
                direction = -1.0 if train_auc is not None and train_auc < 0.5 else 1.0
                # A missing value ranks beyond every value, on the side of its training class.
                big = np.nanmax(np.abs(x)) + 1.0 if (~miss).any() else 1.0
                score = np.where(miss[te], big if miss_cls == 1 else -big, direction * x[te])
                auc = _auroc(codes[te], score)
                if auc is not None:
                    aucs.append(auc)
            else:
                pred[te_ok] = maj
            pred[te_miss] = miss_cls
        out = {"balanced_accuracy": _balanced_accuracy(codes, pred, 2)}
        if aucs:
            out["auroc"] = float(np.mean(aucs))
        return out
    from sklearn.tree import DecisionTreeClassifier

    # More than two classes: a shallow tree with one leaf per class (so each class can have
    # its own interval of values), balanced so that a small class counts as much as a big one.
    for tr, te in folds:
        tree = DecisionTreeClassifier(
            max_leaf_nodes=n_classes, class_weight="balanced", random_state=seed
        )
        tree.fit(x[tr, None], codes[tr])
        pred[te] = tree.predict(x[te, None])
    return {"balanced_accuracy": _balanced_accuracy(codes, pred, n_classes)}


def _cv_category(values: np.ndarray, codes, yv, task, n_classes, folds) -> dict[str, float]:
    """Out-of-fold score of one categorical feature: the label per value, learned on training
    folds (an unseen value gets the training majority class, or the training mean)."""
    levels, v = np.unique(values, return_inverse=True)
    k = len(levels)
    if task == "regression":
        pred = np.zeros(len(yv))
        for tr, te in folds:
            sums = np.bincount(v[tr], weights=yv[tr], minlength=k)
            cnt = np.bincount(v[tr], minlength=k)
            means = np.where(cnt > 0, sums / np.maximum(cnt, 1), yv[tr].mean())
            pred[te] = means[v[te]]
        ss_tot = float(((yv - yv.mean()) ** 2).sum())
        return {"r2": 1 - float(((yv - pred) ** 2).sum()) / ss_tot if ss_tot > 0 else 0.0}
    pred = np.zeros(len(codes), int)
    for tr, te in folds:
        table = np.zeros((k, n_classes))
        np.add.at(table, (v[tr], codes[tr]), 1.0)
        class_n = table.sum(axis=0)
        # Frequencies within each class (each class weighted equally), so that a value typical
        # of a small class predicts it: the balanced-accuracy counterpart of "the commonest".
        per_value = np.argmax(table / np.maximum(class_n, 1), axis=1)
        seen = table.sum(axis=1) > 0
        majority = int(class_n.argmax())
        pred[te] = np.where(seen[v[te]], per_value[v[te]], majority)
    out = {"balanced_accuracy": _balanced_accuracy(codes, pred, n_classes)}
    return out


def _near_perfect(scores: dict[str, float], task: str) -> bool:
    if task == "regression":
        return scores.get("r2", 0.0) >= NEAR_PERFECT_R2
    return (
        scores.get("balanced_accuracy", 0.0) >= NEAR_PERFECT_BA
        or scores.get("auroc", 0.0) >= NEAR_PERFECT_AUROC
    )


def _significant(x: np.ndarray, codes, yv, task: str, n_classes: int, n_tests: int) -> bool:
    """The feature's link to the label (rows with a value) survives Bonferroni over n_tests."""
    from scipy.stats import kruskal, mannwhitneyu, spearmanr

    ok = ~np.isnan(x)
    if ok.sum() < 4:
        return False
    try:
        if task == "regression":
            p = spearmanr(x[ok], yv[ok]).pvalue
        elif n_classes == 2:
            a, b = x[ok & (codes == 1)], x[ok & (codes == 0)]
            if len(a) == 0 or len(b) == 0:
                return False
            small = len(a) * len(b) <= 400 and len(np.unique(x[ok])) == ok.sum()
            p = mannwhitneyu(a, b, method="exact" if small else "asymptotic").pvalue
        else:
            parts = [x[ok & (codes == c)] for c in range(n_classes)]
            parts = [q for q in parts if len(q)]
            if len(parts) < 2:
                return False
            p = kruskal(*parts).pvalue
    except ValueError:  # all values equal
        return False
    return bool(np.isfinite(p) and p * max(n_tests, 1) < FAMILY_ALPHA)


def _fmt(v: float) -> str:
    return f"{v:g}" if abs(v) < 1e6 else f"{v:.4g}"


# -- the screen ------------------------------------------------------------------------------------
def screen(
    values: np.ndarray,
    numeric_columns: list[str],
    categories: pd.DataFrame | None,
    y: pd.Series,
    task: str,
    groups: np.ndarray | None = None,
    positive: str | None = None,
    seed: int = 0,
    job=None,
    not_shortcuts: set[str] | frozenset[str] = frozenset(),
) -> Screen:
    """Score every feature alone against the label; flag shortcuts and possible confounders.

    ``values`` holds the numeric features (rows x ``numeric_columns``, NaN where missing) of
    the labelled rows ``y``; ``categories`` the non-numeric ones (same rows). ``not_shortcuts``
    names columns already reported as the label in another form (not flagged again).
    ``job`` (optional) has ``check()`` and ``progress(fraction, message)``.
    """
    import pandas as pd

    from dlwizard.ml.metadata_only import cv_folds

    n = len(y)
    n_num = values.shape[1]
    n_cat = 0 if categories is None else categories.shape[1]
    out = Screen(n_screened=n_num + n_cat)
    if n_num + n_cat == 0:
        out.skipped = "no features"
        return out
    if n < MIN_ROWS:
        out.skipped = f"only {n} labelled rows"
        return out
    codes = yv = None
    classes: list[str] = []
    n_classes = 0
    if task == "regression":
        yv = pd.to_numeric(y, errors="coerce").to_numpy(float)
        if np.isnan(yv).any() or np.ptp(yv) == 0:
            out.skipped = "the label is not numeric or does not vary"
            return out
        n_splits = MAX_FOLDS
    else:
        uniq, codes, counts = np.unique(
            y.astype(str).to_numpy(), return_inverse=True, return_counts=True
        )
        classes = [str(c) for c in uniq]
        if len(classes) == 2 and positive in classes and classes[1] != positive:
            codes = 1 - codes  # the positive class is code 1: AUROC reads "higher = positive"
            classes, counts = classes[::-1], counts[::-1]
        n_classes = len(classes)
        if n_classes < 2:
            out.skipped = "a single class"
            return out
        n_splits = int(min(MAX_FOLDS, counts.min()))
    if groups is not None:
        n_splits = min(n_splits, len(np.unique(groups)))
    if n_splits < 2:
        out.skipped = "too few rows in the smallest class (or too few subjects) for folds"
        return out
    folds = cv_folds(codes if codes is not None else yv, groups, task, n_splits, seed)
    out.folds = n_splits
    binary = n_classes == 2

    def progress(f: float, msg: str) -> None:
        if job is not None:
            job.progress(f, msg)

    # 1. Every numeric column at once: the cheap in-sample score, point masses, missingness.
    progress(0.0, f"Scoring {n_num + n_cat:,} features one by one")
    yrank = None
    if task == "regression":
        from scipy.stats import rankdata

        yrank = rankdata(yv)
    pre = _prefilter(values, codes, yv, yrank, n_classes, job)
    progress(0.6, "Scoring the strongest features out of fold")
    miss_flags = _missingness(values, codes, yv, n_classes)

    names = [str(c) for c in numeric_columns]

    def non_negative(j: int) -> bool:
        return bool(pre.n_valid[j]) and float(np.nanmin(values[:, j])) >= 0

    follow = {j for j, nm in enumerate(names) if binary and looks_like_follow_up(nm)}
    follow = {j for j in follow if non_negative(j)}
    pre_bar = PRE_SPEARMAN if task == "regression" else PRE_AUROC if binary else PRE_RUNS
    ranked = np.argsort(-pre.score, kind="stable")
    chosen = [int(j) for j in ranked[:TOP_CV] if pre.score[j] >= pre_bar]
    chosen += [int(j) for j in ranked[:KEEP_TOP]]
    chosen += sorted(pre.point_mass) + sorted(miss_flags) + sorted(follow)
    results: dict[str, FeatureResult] = {}
    for i, j in enumerate(dict.fromkeys(chosen)):
        if job is not None and i % 10 == 0:
            job.check()
        x = values[:, j]
        scores = _cv_number(x, codes, yv, task, n_classes, folds, seed)
        res = _number_result(names[j], scores, task)
        res.detail["prefilter"] = round(float(pre.score[j]), 4)
        evidence = []
        if _near_perfect(scores, task) and _significant(x, codes, yv, task, n_classes, n_num):
            evidence.append(_score_words(scores, task))
        if j in pre.point_mass:
            pm = dict(pre.point_mass[j])
            pm["class"] = classes[pm.pop("class_code")]
            others = (
                "in no row of any other class"
                if pm["other_count"] == 0
                else f"in only {pm['other_count']} row(s) of the other classes"
            )
            edge = f" (the {pm['edge']} value of the column)" if pm["edge"] else ""
            evidence.append(
                f"the value {_fmt(pm['value'])}{edge} occurs in {pm['count']} of the "
                f"{pm['class_rows']} '{pm['class']}' rows and {others}"
            )
            res.detail["point_mass"] = pm
        if j in miss_flags:
            evidence.append(miss_flags[j](classes))
            res.detail["missingness"] = True
        if evidence and names[j] not in not_shortcuts:
            res.flag = "single-feature-shortcut"
            res.evidence = "; ".join(evidence)
        elif j in follow:
            # Out of fold, with the direction learned on the training folds.
            auc = scores.get("auroc", 0.5)
            if auc >= FOLLOW_UP_AUROC:
                ok = ~np.isnan(x)
                longer = (_auroc(codes[ok], x[ok]) or 0.5) >= 0.5
                res.flag = "follow-up-time"
                res.evidence = (
                    f"out-of-fold AUROC {auc:.2f}; the '{classes[1]}' rows have "
                    f"{'longer' if longer else 'shorter'} times"
                )
        results[names[j]] = res

    # 2. Categories: out-of-fold label per value, and the association with the label. Numbers
    # with a few integer codes count as categories for the association.
    progress(0.85, "Scoring the categorical features")
    # The vectorised V (or η) is exact; the association module recomputes it, with its
    # p-value, for the few columns that could pass the lowest bar.
    int_codes = [
        j
        for j in range(n_num)
        if 3 <= pre.n_distinct[j] <= min(MAX_LEVELS, n // 5)
        and pre.association[j] >= CONFOUNDER_V_HINTED - 0.01
    ]
    cat_pre = None
    if categories is not None and categories.shape[1]:
        cat_pre = _category_prefilter(categories, codes, yv, n_classes, job)
    panels = _panel_value_sets(pre.level_key, cat_pre.keys if cat_pre else {})
    for j in int_codes:
        res = results.get(names[j])
        if (res is not None and res.flag) or panels.get(pre.level_key[j], 0) > PANEL_SIZE:
            continue
        if names[j] in not_shortcuts:
            continue  # already reported as the label in another form: not a second reading
        conf = _confounder(pd.Series(values[:, j]), names[j], y, task, codes=True)
        if conf is not None:
            if res is not None:
                conf.detail.update(res.detail)
            results[names[j]] = conf
    results.update(
        _categories(
            categories, cat_pre, codes, yv, y, task, n_classes, folds, job, not_shortcuts, panels
        )
    )

    flagged = [r for r in results.values() if r.flag]
    rest = sorted((r for r in results.values() if not r.flag), key=lambda r: -r.score)
    out.results = sorted(flagged, key=lambda r: (FLAGS.index(r.flag), -r.score)) + rest[:KEEP_TOP]
    progress(1.0, "Single-feature screen done")
    return out


def _panel_value_sets(level_key: dict[int, bytes], cat_keys: dict[int, frozenset]) -> dict:
    """How many features share each set of values: many columns over the same few values are
    a panel of measurements (bases of a sequence, genotypes 0/1/2, a questionnaire), not a
    record of where or when samples were taken. Keys: the bytes of a numeric column's sorted
    values, or the frozenset of a text column's values."""
    sets: dict = {}
    for key in [*level_key.values(), *cat_keys.values()]:
        sets[key] = sets.get(key, 0) + 1
    return sets


def _number_result(name: str, scores: dict[str, float], task: str) -> FeatureResult:
    metric = "r2" if task == "regression" else "balanced_accuracy"
    res = FeatureResult(name, "number", metric, round(float(scores[metric]), 4))
    res.detail.update({k: round(float(v), 4) for k, v in scores.items()})
    return res


def _score_words(scores: dict[str, float], task: str) -> str:
    if task == "regression":
        return f"a monotone fit on it alone reaches R² {scores['r2']:.2f} out of fold"
    words = f"it alone reaches a balanced accuracy of {scores['balanced_accuracy']:.2f}"
    if "auroc" in scores:
        words += f" (AUROC {scores['auroc']:.2f})"
    return words + " out of fold"


def _missingness(values, codes, yv, n_classes: int) -> dict[int, Any]:
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


@dataclass
class _CatPre:
    score: np.ndarray  # leave-one-out balanced accuracy (or R²) of the label per value
    association: np.ndarray  # bias-corrected Cramér's V (or η), missing values left out
    n_levels: np.ndarray  # distinct values, missing left out
    keys: dict[int, frozenset]  # the values of columns with 2..MAX_LEVELS of them (panels)


def _category_prefilter(cats, codes, yv, n_classes: int, job) -> _CatPre:
    """Every categorical column at once (CHUNK at a time): the values of all columns are
    factorised together, and each (column, value) pair counted by class (or summed, for a
    numeric label). From these counts: a leave-one-out score of the label-per-value model (the
    same model the out-of-fold check fits) and the association with the label."""
    import pandas as pd

    n, p = cats.shape
    pre = _CatPre(np.zeros(p), np.zeros(p), np.zeros(p, int), {})
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


def _categories(cats, pre, codes, yv, y, task, n_classes, folds, job, not_shortcuts, panels):
    """Categorical features: the vectorised prefilter for all, then the out-of-fold model for
    those that could be near-perfect (and the strongest few, to record), and the association
    check for those that could pass its lowest bar."""
    results: dict[str, FeatureResult] = {}
    if cats is None or cats.shape[1] == 0:
        return results
    n = len(cats)
    ranked = np.argsort(-pre.score, kind="stable")
    bar = 0.9  # leave-one-out: the out-of-fold score cannot be near-perfect below this
    chosen = [int(j) for j in ranked[:TOP_CV] if pre.score[j] >= bar]
    chosen += [int(j) for j in ranked[:KEEP_TOP]]
    confounders = [
        j
        for j in range(cats.shape[1])
        if 2 <= pre.n_levels[j] <= min(MAX_LEVELS, max(2, n // 5))
        and pre.association[j] >= CONFOUNDER_V_HINTED - 0.01
        and panels.get(pre.keys.get(j), 0) <= PANEL_SIZE
    ]
    for i, j in enumerate(dict.fromkeys(chosen + confounders)):
        if job is not None and i % 10 == 0:
            job.check()
        col = cats.columns[j]
        s = cats[col]
        text = s.astype(str).where(s.notna(), "(missing)").to_numpy()
        scores = _cv_category(text, codes, yv, task, n_classes, folds)
        metric = "r2" if task == "regression" else "balanced_accuracy"
        res = FeatureResult(str(col), "category", metric, round(float(scores[metric]), 4))
        res.detail.update({k: round(float(v), 4) for k, v in scores.items()})
        if (
            _near_perfect(scores, task)
            and str(col) not in not_shortcuts
            and _category_significant(s, y, task, cats.shape[1])
        ):
            res.flag = "single-feature-shortcut"
            res.evidence = _score_words(scores, task) + "; " + _value_table(s, y, task)
        elif j in confounders and str(col) not in not_shortcuts:
            conf = _confounder(s, str(col), y, task, codes=False)
            if conf is not None:
                conf.detail.update(res.detail)
                res = conf
        results[str(col)] = res
    return results


def _category_significant(s, y, task: str, n_tests: int) -> bool:
    from dlwizard.ml.association import correlation_ratio, cramers_v

    s = s.astype(str).where(s.notna(), "(missing)").reset_index(drop=True)
    yy = y.reset_index(drop=True)
    assoc = correlation_ratio(s, yy) if task == "regression" else cramers_v(s, yy)
    return assoc.p_value is not None and assoc.p_value * max(n_tests, 1) < FAMILY_ALPHA


def _confounder(s, name: str, y, task: str, codes: bool) -> FeatureResult | None:
    """A category strongly associated with the label (bias-corrected Cramér's V, or η for a
    numeric label), judged by how much it looks like where, when or how samples were taken."""
    from dlwizard.ml.association import correlation_ratio, cramers_v

    s = s.reset_index(drop=True)
    yy = y.reset_index(drop=True)
    assoc = correlation_ratio(s, yy) if task == "regression" else cramers_v(s, yy)
    if assoc.p_value is None:
        return None
    hint = looks_like_place_batch_time(name, s)
    bar = CONFOUNDER_V_HINTED if hint else CONFOUNDER_V_CODES if codes else CONFOUNDER_V_TEXT
    if assoc.score < bar or assoc.p_value >= CONFOUNDER_P:
        return None
    measure = "cramers_v" if assoc.measure == "cramers_v" else "eta"
    res = FeatureResult(name, "category", measure, round(assoc.score, 4))
    res.flag = "possible-confounder"
    label = "Cramér's V" if measure == "cramers_v" else "correlation ratio η"
    res.evidence = f"{label} {assoc.score:.2f} (p = {assoc.p_value:.1g}); " + _value_table(
        s, yy, task
    )
    res.detail.update(
        {
            measure: round(assoc.score, 4),
            "p_value": float(f"{assoc.p_value:.3g}"),
            "suggested_role": "batch",
            "looks_like": hint,
        }
    )
    return res


def _value_table(s, y, task: str, limit: int = 4) -> str:
    """The label per value in words: "'north': 85% 'case' (120 rows), ..."."""
    import pandas as pd

    s = pd.Series(s).reset_index(drop=True)
    y = pd.Series(y).reset_index(drop=True)
    mask = s.notna()
    s, y = s[mask], y[mask]
    key = s.map(lambda v: _fmt(v) if isinstance(v, float) else str(v))
    counts = key.value_counts()
    parts = []
    for value in counts.index[:limit]:
        rows = y[key == value]
        if task == "regression":
            parts.append(
                f"'{value}': mean label {rows.astype(float).mean():.3g} ({len(rows)} rows)"
            )
        else:
            top = rows.value_counts()
            parts.append(
                f"'{value}': {top.iloc[0] / len(rows):.0%} '{top.index[0]}' ({len(rows)} rows)"
            )
    more = "" if len(counts) <= limit else f", and {len(counts) - limit} more values"
    return ", ".join(parts) + more
