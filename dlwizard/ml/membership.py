"""Membership-inference audit: could someone tell from the model whether a person was trained on?

The attack is the loss-threshold attack of Yeom et al. (2018, "Privacy risk in machine learning:
analyzing the connection to overfitting", IEEE CSF): a model fits the rows it was trained on
better than rows it never saw, so an attacker who holds a person's record and the model's output
for it guesses "was in the training data" when the loss is small. We score every training row
(member) and every held-out row (non-member) by ``-loss`` and read the attack's quality off the
ROC curve of that score, with membership as the positive class:

- **attack AUC**: the chance that a random training row gets a higher score than a random
  held-out row (0.5: guessing; 1.0: the attacker is always right);
- **TPR at 1 % FPR** (Carlini et al. 2022, "Membership inference attacks from first principles"):
  the share of training rows the attacker picks out while wrongly accusing only 1 in 100 people
  who were never in the data; it measures whether *some* people are exposed with confidence;
- **membership advantage** (Yeom et al.): the largest TPR − FPR over all thresholds.

Outputs follow :mod:`dlwizard.ml.metrics`: binary, the probability of the positive class (1-D),
labels 0/1; multiclass, an (n, k) probability matrix, labels the class indices 0..k-1;
regression, the predicted values. The loss is the log loss per row (classification) or the
squared error (regression).

Group sizes. Members and non-members are used in full, not subsampled to equal numbers. Every
figure above is computed within each group before the groups are compared (TPR is a share of the
members, FPR a share of the non-members, the AUC a share of member × non-member pairs), so an
unequal split does not bias them; it only makes the smaller group's figures less precise, which
the interval and the notes below say. Subsampling the larger group would throw that precision
away and make the result depend on the random draw. (An attacker's *accuracy* would depend on the
ratio; that is why it is not reported.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TARGET_FPR = 0.01
EPS = 1e-15  # probabilities are clipped to [EPS, 1 - EPS], as scikit-learn's log_loss does

# Risk thresholds. Under no leak the AUC is 0.5, TPR@1%FPR is 0.01 and the advantage 0.
# - AUC 0.6 means the attacker ranks a member above a non-member 6 times in 10: a real but
#   modest leak; 0.75 (3 in 4) is a leak a determined attacker can use on many people.
# - TPR@1%FPR 0.05 means five times more members exposed than the 1 % chance level; at 0.2, one
#   training person in five is picked out with only 1 % false accusations: individuals are
#   exposed with confidence even when the average (AUC) looks modest.
# - advantage (TPR - FPR at the best threshold) 0.15 / 0.3: Yeom et al.'s measure; it catches
#   models with hard 0/1 outputs (e.g. 1-nearest neighbour), whose tied scores keep the AUC
#   near 1 - accuracy/2 even when they fit every training row and many held-out rows wrongly.
# A figure counts only when chance alone would rarely produce it (one-sided 1 % level, see
# _chance_bounds): with 20 held-out rows an AUC of 0.6 is noise, with 500 it is not. The TPR at
# 1 % FPR only counts with at least 100 non-members: with fewer, not even one false positive
# fits under 1 % and the figure is an interpolation between two coarse ROC points.
AUC_MODERATE, AUC_HIGH = 0.6, 0.75
TPR_MODERATE, TPR_HIGH = 0.05, 0.2
ADV_MODERATE, ADV_HIGH = 0.15, 0.3
MIN_NONMEMBERS_FOR_TPR = 100
Z_1PCT = 2.326  # one-sided 1 % normal quantile
KS_1PCT = 1.628  # two-sample Kolmogorov-Smirnov coefficient, 1 % level


def sample_losses(task: str, y: np.ndarray, out: np.ndarray) -> np.ndarray:
    """The loss of each row: log loss (binary, multiclass) or squared error (regression)."""
    out = np.asarray(out, dtype=float)
    if task == "regression":
        y = np.asarray(y, dtype=float).ravel()
        out = out.ravel()
        _check_lengths(y, out)
        loss = (y - out) ** 2
    elif task == "binary":
        y = np.asarray(y).astype(int).ravel()
        if out.ndim == 2 and out.shape[1] == 2:
            out = out[:, 1]  # a two-column probability matrix: the positive class
        out = out.ravel()
        _check_lengths(y, out)
        if not np.isin(y, (0, 1)).all():
            raise ValueError("binary labels must be 0 or 1")
        p = np.clip(out, EPS, 1 - EPS)
        loss = -np.where(y == 1, np.log(p), np.log1p(-p))
    elif task == "multiclass":
        y = np.asarray(y).astype(int).ravel()
        if out.ndim != 2:
            raise ValueError("multiclass outputs must be an (n, k) probability matrix")
        _check_lengths(y, out)
        if len(y) and (y.min() < 0 or y.max() >= out.shape[1]):
            raise ValueError(f"multiclass labels must be class indices 0..{out.shape[1] - 1}")
        p = np.clip(out[np.arange(len(y)), y], EPS, 1.0)
        loss = -np.log(p)
    else:
        raise ValueError(f"unknown task {task!r}: expected binary, multiclass or regression")
    if not np.isfinite(loss).all():
        raise ValueError("the model's outputs hold missing or infinite values")
    return loss


def _check_lengths(y: np.ndarray, out: np.ndarray) -> None:
    if len(y) != len(out):
        raise ValueError(f"{len(y)} labels but {len(out)} model outputs")


def roc(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ROC points (FPR, TPR) of 'member when score >= t', one point per distinct score.

    Tied scores form a single step, so the straight line between two neighbouring points is what
    an attacker gets by breaking ties at random: the curve can be interpolated linearly.
    """
    s = np.r_[member_scores, nonmember_scores].astype(float)
    is_member = np.r_[np.ones(len(member_scores), bool), np.zeros(len(nonmember_scores), bool)]
    order = np.argsort(-s, kind="mergesort")
    s, t = s[order], is_member[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]
    tp = np.cumsum(t)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    fpr = np.r_[0.0, fp / max(len(nonmember_scores), 1)]
    tpr = np.r_[0.0, tp / max(len(member_scores), 1)]
    return fpr, tpr


def tpr_at_fpr(fpr: np.ndarray, tpr: np.ndarray, target: float = TARGET_FPR) -> float:
    """The true-positive rate at a false-positive rate, interpolated linearly on the ROC.

    Takes the highest point with FPR <= target and moves along the straight segment to the next
    point (a vertical segment at FPR = target is climbed to its top).
    """
    i = int(np.searchsorted(fpr, target, side="right")) - 1  # last point with fpr <= target
    if i >= len(fpr) - 1:
        return float(tpr[-1])
    frac = (target - fpr[i]) / (fpr[i + 1] - fpr[i])
    return float(tpr[i] + frac * (tpr[i + 1] - tpr[i]))


def attack_auc(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> float:
    """AUC of the attack (ties count half), membership as the positive class."""
    from scipy.stats import rankdata

    m, n = len(member_scores), len(nonmember_scores)
    if m == 0 or n == 0:
        return float("nan")
    ranks = rankdata(np.r_[member_scores, nonmember_scores])
    return float((ranks[:m].sum() - m * (m + 1) / 2) / (m * n))


def _chance_bounds(m: int, n: int) -> tuple[float, float]:
    """How far above chance the AUC and the advantage may land by luck alone (1 % level)."""
    auc_sd = np.sqrt((m + n + 1) / (12.0 * m * n))  # Mann-Whitney null, no ties
    return float(0.5 + Z_1PCT * auc_sd), float(KS_1PCT * np.sqrt((m + n) / (m * n)))


def _bootstrap_auc(
    member_scores: np.ndarray, nonmember_scores: np.ndarray, n_boot: int, seed: int
) -> tuple[float, float]:
    """A 95 % percentile interval, resampling members and non-members separately."""
    rng = np.random.default_rng(seed)
    m, n = len(member_scores), len(nonmember_scores)
    draws = [
        attack_auc(member_scores[rng.integers(0, m, m)], nonmember_scores[rng.integers(0, n, n)])
        for _ in range(n_boot)
    ]
    lo, hi = np.quantile(draws, [0.025, 0.975])
    return float(lo), float(hi)


@dataclass
class MembershipAudit:
    """The attack's result in numbers and words (the privacy step stores it in the Study)."""

    model: str
    attack_auc: float
    tpr_at_1pct_fpr: float
    n_members: int
    n_nonmembers: int
    risk: str
    interpretation: str


def audit(
    task: str,
    y_members: np.ndarray,
    out_members: np.ndarray,
    y_nonmembers: np.ndarray,
    out_nonmembers: np.ndarray,
    *,
    model: str = "",
    n_boot: int = 200,
    seed: int = 0,
) -> MembershipAudit:
    """Run the loss-threshold attack and rate the risk.

    Members are the rows the model was fitted on; non-members are rows it never saw (the tuning
    or test set), drawn from the same population. ``n_boot`` > 0 adds a bootstrap interval for
    the AUC to the interpretation (seeded, so the text is reproducible).
    """
    member = -sample_losses(task, y_members, out_members)
    nonmember = -sample_losses(task, y_nonmembers, out_nonmembers)
    m, n = len(member), len(nonmember)
    if m == 0 or n == 0:
        raise ValueError("the audit needs both training rows and held-out rows")
    auc = attack_auc(member, nonmember)
    fpr, tpr = roc(member, nonmember)
    tpr1 = tpr_at_fpr(fpr, tpr, TARGET_FPR)
    advantage = float(np.max(tpr - fpr))
    interval = _bootstrap_auc(member, nonmember, n_boot, seed) if n_boot > 0 else None
    risk = _risk(auc, tpr1, advantage, m, n)
    text = _interpretation(auc, tpr1, advantage, m, n, risk, interval, member, nonmember)
    return MembershipAudit(
        model=model,
        attack_auc=round(auc, 4),
        tpr_at_1pct_fpr=round(tpr1, 4),
        n_members=m,
        n_nonmembers=n,
        risk=risk,
        interpretation=text,
    )


def _risk(auc: float, tpr1: float, advantage: float, m: int, n: int) -> str:
    auc_chance, adv_chance = _chance_bounds(m, n)
    tpr_counts = n >= MIN_NONMEMBERS_FOR_TPR

    def above(auc_t: float, tpr_t: float, adv_t: float) -> bool:
        return (
            auc >= max(auc_t, auc_chance)
            or (tpr_counts and tpr1 >= tpr_t)
            or advantage >= max(adv_t, adv_chance)
        )

    if above(AUC_HIGH, TPR_HIGH, ADV_HIGH):
        return "high"
    if above(AUC_MODERATE, TPR_MODERATE, ADV_MODERATE):
        return "moderate"
    return "low"


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %" if x >= 0.1 or x == 0 else f"{100 * x:.1f} %"


def _interpretation(
    auc: float,
    tpr1: float,
    advantage: float,
    m: int,
    n: int,
    risk: str,
    interval: tuple[float, float] | None,
    member: np.ndarray,
    nonmember: np.ndarray,
) -> str:
    ci = f" (95 % interval {interval[0]:.2f} to {interval[1]:.2f})" if interval else ""
    parts = [
        f"We played the attacker: someone who holds a person's record and can run the model "
        f"guesses that the person was in the training data when the model fits that record "
        f"unusually well. Attack AUC {auc:.2f}{ci}: given one person who was in the training "
        f"data and one who was not, the attacker picks the right one {_pct(auc)} of the time "
        f"(50 % is a coin toss, 100 % always right).",
        f"Allowing only 1 false accusation per 100 people who were not in the data, the attacker "
        f"correctly names {_pct(tpr1)} of the people who were (1 % is what guessing gives).",
        f"At its best threshold the attack flags {100 * advantage:.0f} percentage points more "
        "of the training people than of the others (Yeom's membership advantage; 0 means no "
        "leak).",
    ]
    if n < MIN_NONMEMBERS_FOR_TPR:
        parts.append(
            f"Only {n} held-out rows: the smallest false-positive rate that can be measured is "
            f"1 in {n} ({_pct(1 / n)}), so the figure at 1 % is a coarse interpolation and is not "
            "used for the risk rating."
        )
    if min(m, n) < 50:
        parts.append(
            f"With {m} training and {n} held-out rows these figures are uncertain; "
            "a larger held-out set would pin them down."
        )
    n_distinct = len(np.unique(np.r_[member, nonmember]))
    if n_distinct <= max(3, 0.05 * (m + n)):
        parts.append(
            "The model's outputs take only a few distinct values (hard 0/1 answers, e.g. a "
            "nearest-neighbour model), so this attack sees little; such models may still store "
            "the training rows themselves."
        )
    parts.append(
        {
            "low": "Risk: low. The model's outputs reveal little about who was in the training "
            "data. This is one simple attack; stronger ones exist, so low is not a guarantee.",
            "moderate": "Risk: moderate. The model behaves measurably differently on the people "
            "it was trained on. Before sharing it, prefer a more regularised or simpler model, "
            "more training data, or share predictions instead of the model itself.",
            "high": "Risk: high. The model has memorised its training people well enough that "
            "someone with a person's record could often tell whether that person took part. "
            "Do not share this model; use a more regularised model, more data or differentially "
            "private training, or share only predictions.",
        }[risk]
    )
    return " ".join(parts)
