"""One feature alone against the label, out of fold: a single threshold for a number (a
shallow tree with one leaf per class for more than two classes, a monotone fit for a numeric
label), the label frequencies per value for a category; and the tests a near-perfect score must
pass before it is believed."""

from __future__ import annotations

import numpy as np

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


def auroc(y: np.ndarray, s: np.ndarray) -> float | None:
    """AUROC of scores ``s`` for binary ``y`` (ties averaged); None with a single class."""
    from scipy.stats import rankdata

    pos = y == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    r = rankdata(s)
    return float((r[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _majority(codes: np.ndarray, n_classes: int) -> int:
    return int(np.bincount(codes, minlength=n_classes).argmax())


def cv_number(x, codes, yv, task, n_classes, folds, seed) -> dict[str, float]:
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
                train_auc = auroc(codes[ok], x[ok])
                direction = -1.0 if train_auc is not None and train_auc < 0.5 else 1.0
                # A missing value ranks beyond every value, on the side of its training class.
                big = np.nanmax(np.abs(x)) + 1.0 if (~miss).any() else 1.0
                score = np.where(miss[te], big if miss_cls == 1 else -big, direction * x[te])
                auc = auroc(codes[te], score)
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


def cv_category(values: np.ndarray, codes, yv, task, n_classes, folds) -> dict[str, float]:
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


def near_perfect(scores: dict[str, float], task: str) -> bool:
    if task == "regression":
        return scores.get("r2", 0.0) >= NEAR_PERFECT_R2
    return (
        scores.get("balanced_accuracy", 0.0) >= NEAR_PERFECT_BA
        or scores.get("auroc", 0.0) >= NEAR_PERFECT_AUROC
    )


def significant(x: np.ndarray, codes, yv, task: str, n_classes: int, n_tests: int) -> bool:
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


def category_significant(s, y, task: str, n_tests: int) -> bool:
    """The category's association with the label (missing as a value of its own) survives
    Bonferroni over n_tests."""
    from dlwizard.ml.association import correlation_ratio, cramers_v

    s = s.astype(str).where(s.notna(), "(missing)").reset_index(drop=True)
    yy = y.reset_index(drop=True)
    assoc = correlation_ratio(s, yy) if task == "regression" else cramers_v(s, yy)
    return assoc.p_value is not None and assoc.p_value * max(n_tests, 1) < FAMILY_ALPHA
