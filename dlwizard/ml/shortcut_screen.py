"""Every candidate feature alone against the label (Tips 4 and 7): the shortcuts an analyst sees.

Each feature is scored *alone*, out of fold (folds grouped like the split), with a cheap model
(:mod:`dlwizard.ml.single_feature_models`). A feature that predicts the label almost perfectly
is usually the outcome in another form, or recorded because of it; a category that tracks the
label strongly may say where, when or how the samples were collected rather than anything
biological (:mod:`dlwizard.ml.confounders`).

Wide tables (20,000 features) stay fast: every numeric column is first scored in sample in one
vectorised pass (:mod:`dlwizard.ml.shortcut_numbers`), the categorical columns all at once the
same way (:mod:`dlwizard.ml.shortcut_categories`); only the few columns that could possibly be
near-perfect are then scored out of fold.

This module runs the screen and decides the flags; it also offers the public names of the
modules above. Nothing here imports Qt; numpy and those modules are the only imports at module
level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dlwizard.ml.confounders import (
    CONFOUNDER_P,
    CONFOUNDER_V_CODES,
    CONFOUNDER_V_HINTED,
    CONFOUNDER_V_TEXT,
    MAX_LEVELS,
    PANEL_SIZE,
    Confounder,
    confounder,
    fmt_value,
    panel_value_sets,
    value_table,
)
from dlwizard.ml.shortcut_categories import CategoryPrefilter, category_prefilter
from dlwizard.ml.shortcut_hints import looks_like_follow_up, looks_like_place_batch_time
from dlwizard.ml.shortcut_numbers import (
    CHUNK,
    MISSING_AUROC,
    MISSING_BA,
    MISSING_ROWS,
    OTHER_SHARE,
    POINT_MASS_ROWS,
    POINT_MASS_SHARE,
    POINT_MASS_STANDS_OUT,
    NumericPrefilter,
    missingness,
    numeric_prefilter,
)
from dlwizard.ml.single_feature_models import (
    FAMILY_ALPHA,
    NEAR_PERFECT_AUROC,
    NEAR_PERFECT_BA,
    NEAR_PERFECT_R2,
    auroc,
    category_significant,
    cv_category,
    cv_number,
    near_perfect,
    significant,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CHUNK",
    "CONFOUNDER_P",
    "CONFOUNDER_V_CODES",
    "CONFOUNDER_V_HINTED",
    "CONFOUNDER_V_TEXT",
    "FAMILY_ALPHA",
    "FLAGS",
    "FOLLOW_UP_AUROC",
    "KEEP_TOP",
    "MAX_FOLDS",
    "MAX_LEVELS",
    "MIN_ROWS",
    "MISSING_AUROC",
    "MISSING_BA",
    "MISSING_ROWS",
    "NEAR_PERFECT_AUROC",
    "NEAR_PERFECT_BA",
    "NEAR_PERFECT_R2",
    "OTHER_SHARE",
    "PANEL_SIZE",
    "POINT_MASS_ROWS",
    "POINT_MASS_SHARE",
    "POINT_MASS_STANDS_OUT",
    "PRE_AUROC",
    "PRE_RUNS",
    "PRE_SPEARMAN",
    "TOP_CV",
    "FeatureResult",
    "Screen",
    "looks_like_follow_up",
    "looks_like_place_batch_time",
    "screen",
]

# -- thresholds ------------------------------------------------------------------------------------
MIN_ROWS = 10  # fewer labelled rows: no screen (nothing out of fold would mean anything)
MAX_FOLDS = 5
TOP_CV = 50  # at most this many numeric columns that passed the prefilter are scored out of fold
KEEP_TOP = 10  # the best-scoring columns are recorded even when nothing is flagged

# Prefilters (in-sample, loose): only columns that could be near-perfect out of fold pass.
PRE_AUROC = 0.9  # binary: max(AUROC, 1 - AUROC)
PRE_RUNS = 0.6  # multiclass: share of neighbours (in value order) with the same class, over chance
PRE_SPEARMAN = 0.9  # regression: |Spearman|

FOLLOW_UP_AUROC = 0.7

FLAGS = ("single-feature-shortcut", "possible-confounder", "follow-up-time")


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


@dataclass
class _Run:
    """What every step of one screen shares: the label as scored, the folds, the settings."""

    task: str
    y: pd.Series
    codes: np.ndarray | None = None  # classification: class codes (the positive class is 1)
    yv: np.ndarray | None = None  # regression: the label's values
    classes: list[str] = field(default_factory=list)
    n_splits: int = 0
    folds: list = field(default_factory=list)
    seed: int = 0
    job: Any = None
    not_shortcuts: set[str] | frozenset[str] = frozenset()

    @property
    def n_classes(self) -> int:
        return len(self.classes)  # 0 for a numeric label


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
    run = _read_label(y, task, positive, groups)
    if isinstance(run, str):
        out.skipped = run
        return out
    run.seed, run.job, run.not_shortcuts = seed, job, not_shortcuts
    labels = run.codes if run.codes is not None else run.yv
    run.folds = cv_folds(labels, groups, task, run.n_splits, seed)
    out.folds = run.n_splits

    def progress(f: float, msg: str) -> None:
        if job is not None:
            job.progress(f, msg)

    # 1. Every numeric column at once: the cheap in-sample score, point masses, missingness.
    progress(0.0, f"Scoring {n_num + n_cat:,} features one by one")
    yrank = None
    if task == "regression":
        from scipy.stats import rankdata

        yrank = rankdata(run.yv)
    pre = numeric_prefilter(values, run.codes, run.yv, yrank, run.n_classes, job)
    progress(0.6, "Scoring the strongest features out of fold")
    miss_flags = missingness(values, run.codes, run.yv, run.n_classes)
    names = [str(c) for c in numeric_columns]
    results = _numbers(values, names, pre, miss_flags, run)

    # 2. Categories: out-of-fold label per value, and the association with the label. Numbers
    # with a few integer codes count as categories for the association.
    progress(0.85, "Scoring the categorical features")
    cat_pre = None
    if categories is not None and categories.shape[1]:
        cat_pre = category_prefilter(categories, run.codes, run.yv, run.n_classes, job)
    panels = panel_value_sets(pre.level_key, cat_pre.keys if cat_pre else {})
    _integer_code_confounders(values, names, pre, panels, run, results)
    results.update(_categories(categories, cat_pre, panels, run))

    flagged = [r for r in results.values() if r.flag]
    rest = sorted((r for r in results.values() if not r.flag), key=lambda r: -r.score)
    out.results = sorted(flagged, key=lambda r: (FLAGS.index(r.flag), -r.score)) + rest[:KEEP_TOP]
    progress(1.0, "Single-feature screen done")
    return out


def _read_label(y: pd.Series, task: str, positive: str | None, groups) -> _Run | str:
    """The label as the screen scores it and the number of folds; or why there can be no
    screen (a string)."""
    import pandas as pd

    run = _Run(task, y)
    if task == "regression":
        yv = pd.to_numeric(y, errors="coerce").to_numpy(float)
        if np.isnan(yv).any() or np.ptp(yv) == 0:
            return "the label is not numeric or does not vary"
        run.yv = yv
        n_splits = MAX_FOLDS
    else:
        uniq, codes, counts = np.unique(
            y.astype(str).to_numpy(), return_inverse=True, return_counts=True
        )
        classes = [str(c) for c in uniq]
        if len(classes) == 2 and positive in classes and classes[1] != positive:
            codes = 1 - codes  # the positive class is code 1: AUROC reads "higher = positive"
            classes, counts = classes[::-1], counts[::-1]
        if len(classes) < 2:
            return "a single class"
        run.codes, run.classes = codes, classes
        n_splits = int(min(MAX_FOLDS, counts.min()))
    if groups is not None:
        n_splits = min(n_splits, len(np.unique(groups)))
    if n_splits < 2:
        return "too few rows in the smallest class (or too few subjects) for folds"
    run.n_splits = n_splits
    return run


# -- numbers ---------------------------------------------------------------------------------------
def _numbers(
    values: np.ndarray, names: list[str], pre: NumericPrefilter, miss_flags: dict, run: _Run
) -> dict[str, FeatureResult]:
    """Numeric features scored out of fold: those that could be near-perfect, hold a point
    mass, tell the classes apart by their missingness or are named like a follow-up time, and
    the strongest few (to record)."""
    binary = run.n_classes == 2

    def non_negative(j: int) -> bool:
        return bool(pre.n_valid[j]) and float(np.nanmin(values[:, j])) >= 0

    follow = {j for j, nm in enumerate(names) if binary and looks_like_follow_up(nm)}
    follow = {j for j in follow if non_negative(j)}
    pre_bar = PRE_SPEARMAN if run.task == "regression" else PRE_AUROC if binary else PRE_RUNS
    ranked = np.argsort(-pre.score, kind="stable")
    chosen = [int(j) for j in ranked[:TOP_CV] if pre.score[j] >= pre_bar]
    chosen += [int(j) for j in ranked[:KEEP_TOP]]
    chosen += sorted(pre.point_mass) + sorted(miss_flags) + sorted(follow)
    results: dict[str, FeatureResult] = {}
    for i, j in enumerate(dict.fromkeys(chosen)):
        if run.job is not None and i % 10 == 0:
            run.job.check()
        results[names[j]] = _number(values, j, names[j], pre, miss_flags, j in follow, run)
    return results


def _number(
    values: np.ndarray,
    j: int,
    name: str,
    pre: NumericPrefilter,
    miss_flags: dict,
    follow_up_name: bool,
    run: _Run,
) -> FeatureResult:
    """One numeric feature out of fold, flagged with every piece of evidence it gave."""
    task = run.task
    x = values[:, j]
    scores = cv_number(x, run.codes, run.yv, task, run.n_classes, run.folds, run.seed)
    res = _number_result(name, scores, task)
    res.detail["prefilter"] = round(float(pre.score[j]), 4)
    evidence = []
    n_tests = values.shape[1]
    if near_perfect(scores, task) and significant(
        x, run.codes, run.yv, task, run.n_classes, n_tests
    ):
        evidence.append(_score_words(scores, task))
    if j in pre.point_mass:
        pm = dict(pre.point_mass[j])
        pm["class"] = run.classes[pm.pop("class_code")]
        evidence.append(_point_mass_words(pm))
        res.detail["point_mass"] = pm
    if j in miss_flags:
        evidence.append(miss_flags[j](run.classes))
        res.detail["missingness"] = True
    if evidence and name not in run.not_shortcuts:
        res.flag = "single-feature-shortcut"
        res.evidence = "; ".join(evidence)
    elif follow_up_name:
        # Out of fold, with the direction learned on the training folds.
        auc = scores.get("auroc", 0.5)
        if auc >= FOLLOW_UP_AUROC:
            ok = ~np.isnan(x)
            longer = (auroc(run.codes[ok], x[ok]) or 0.5) >= 0.5
            res.flag = "follow-up-time"
            res.evidence = (
                f"out-of-fold AUROC {auc:.2f}; the '{run.classes[1]}' rows have "
                f"{'longer' if longer else 'shorter'} times"
            )
    return res


def _point_mass_words(pm: dict[str, Any]) -> str:
    others = (
        "in no row of any other class"
        if pm["other_count"] == 0
        else f"in only {pm['other_count']} row(s) of the other classes"
    )
    edge = f" (the {pm['edge']} value of the column)" if pm["edge"] else ""
    return (
        f"the value {fmt_value(pm['value'])}{edge} occurs in {pm['count']} of the "
        f"{pm['class_rows']} '{pm['class']}' rows and {others}"
    )


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


def _integer_code_confounders(
    values: np.ndarray,
    names: list[str],
    pre: NumericPrefilter,
    panels: dict,
    run: _Run,
    results: dict[str, FeatureResult],
) -> None:
    """Numbers with a few integer codes as possible confounders (into ``results``). The
    vectorised V (or η) is exact; the association module recomputes it, with its p-value, for
    the few columns that could pass the lowest bar."""
    import pandas as pd

    n = len(run.y)
    int_codes = [
        j
        for j in range(values.shape[1])
        if 3 <= pre.n_distinct[j] <= min(MAX_LEVELS, n // 5)
        and pre.association[j] >= CONFOUNDER_V_HINTED - 0.01
    ]
    for j in int_codes:
        res = results.get(names[j])
        if (res is not None and res.flag) or panels.get(pre.level_key[j], 0) > PANEL_SIZE:
            continue
        if names[j] in run.not_shortcuts:
            continue  # already reported as the label in another form: not a second reading
        conf = confounder(pd.Series(values[:, j]), names[j], run.y, run.task, codes=True)
        if conf is not None:
            conf_res = _confounder_result(names[j], conf)
            if res is not None:
                conf_res.detail.update(res.detail)
            results[names[j]] = conf_res


def _confounder_result(name: str, conf: Confounder) -> FeatureResult:
    res = FeatureResult(name, "category", conf.measure, round(conf.score, 4))
    res.flag = "possible-confounder"
    res.evidence = conf.evidence
    res.detail.update(
        {
            conf.measure: round(conf.score, 4),
            "p_value": float(f"{conf.p_value:.3g}"),
            "suggested_role": "batch",
            "looks_like": conf.looks_like,
        }
    )
    return res


# -- categories ------------------------------------------------------------------------------------
def _categories(
    cats: pd.DataFrame | None, pre: CategoryPrefilter | None, panels: dict, run: _Run
) -> dict[str, FeatureResult]:
    """Categorical features: the vectorised prefilter for all, then the out-of-fold model for
    those that could be near-perfect (and the strongest few, to record), and the association
    check for those that could pass its lowest bar."""
    results: dict[str, FeatureResult] = {}
    if cats is None or cats.shape[1] == 0:
        return results
    task = run.task
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
        if run.job is not None and i % 10 == 0:
            run.job.check()
        col = cats.columns[j]
        s = cats[col]
        text = s.astype(str).where(s.notna(), "(missing)").to_numpy()
        scores = cv_category(text, run.codes, run.yv, task, run.n_classes, run.folds)
        metric = "r2" if task == "regression" else "balanced_accuracy"
        res = FeatureResult(str(col), "category", metric, round(float(scores[metric]), 4))
        res.detail.update({k: round(float(v), 4) for k, v in scores.items()})
        if (
            near_perfect(scores, task)
            and str(col) not in run.not_shortcuts
            and category_significant(s, run.y, task, cats.shape[1])
        ):
            res.flag = "single-feature-shortcut"
            res.evidence = _score_words(scores, task) + "; " + value_table(s, run.y, task)
        elif j in confounders and str(col) not in run.not_shortcuts:
            conf = confounder(s, str(col), run.y, task, codes=False)
            if conf is not None:
                conf_res = _confounder_result(str(col), conf)
                conf_res.detail.update(res.detail)
                res = conf_res
        results[str(col)] = res
    return results
