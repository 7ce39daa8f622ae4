"""The loss-threshold membership-inference audit (Yeom et al. 2018)."""

from __future__ import annotations

import numpy as np
import pytest

from dlwizard.ml.membership import attack_auc, audit, roc, sample_losses, tpr_at_fpr


@pytest.fixture(scope="module")
def noisy_split():
    """400 rows with 30 % flipped labels: half to train on, half held out."""
    from sklearn.datasets import make_classification
    from sklearn.model_selection import train_test_split

    X, y = make_classification(
        n_samples=400, n_features=20, n_informative=5, flip_y=0.3, class_sep=0.8, random_state=0
    )
    return train_test_split(X, y, test_size=0.5, random_state=0, stratify=y)


def _audit(model, split, name):
    X_train, X_held, y_train, y_held = split
    model.fit(X_train, y_train)
    return audit(
        "binary",
        y_train,
        model.predict_proba(X_train)[:, 1],
        y_held,
        model.predict_proba(X_held)[:, 1],
        model=name,
    )


def test_overfitted_models_are_high_risk_and_regularised_is_low(noisy_split):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    nn1 = _audit(make_pipeline(StandardScaler(), KNeighborsClassifier(1)), noisy_split, "1-NN")
    forest = _audit(RandomForestClassifier(300, random_state=0), noisy_split, "forest")
    logistic = _audit(
        make_pipeline(StandardScaler(), LogisticRegression(C=0.05)), noisy_split, "logistic"
    )
    print(
        "\n".join(
            f"{a.model}: AUC {a.attack_auc:.3f}, TPR@1%FPR {a.tpr_at_1pct_fpr:.3f}, {a.risk}"
            for a in (nn1, forest, logistic)
        )
    )
    assert forest.risk == "high" and forest.attack_auc >= 0.9
    assert forest.tpr_at_1pct_fpr >= 0.2  # individuals exposed with confidence
    # 1-NN answers 0 or 1: every training row scores the best loss, and so does every held-out
    # row it gets right; the AUC stays near 1 - accuracy / 2 but the advantage is large
    assert nn1.risk == "high" and 0.6 < nn1.attack_auc < 0.8
    assert "few distinct values" in nn1.interpretation
    assert logistic.risk == "low" and logistic.attack_auc < 0.6
    assert logistic.attack_auc < nn1.attack_auc < forest.attack_auc
    assert logistic.tpr_at_1pct_fpr < forest.tpr_at_1pct_fpr
    assert (nn1.n_members, nn1.n_nonmembers) == (200, 200)
    for a in (nn1, forest, logistic):
        assert f"Attack AUC {a.attack_auc:.2f}" in a.interpretation
        assert f"Risk: {a.risk}" in a.interpretation
        assert "coarse" not in a.interpretation  # 200 held-out rows are enough for 1 %


def test_identical_distributions_give_chance():
    rng = np.random.default_rng(0)
    n = 2000
    y = rng.integers(0, 2, 2 * n)
    p = np.clip(0.5 + 0.3 * (2 * y - 1) + rng.normal(0, 0.25, 2 * n), 0.01, 0.99)
    a = audit("binary", y[:n], p[:n], y[n:], p[n:], model="same")
    assert abs(a.attack_auc - 0.5) < 0.03
    assert a.tpr_at_1pct_fpr < 0.04
    assert a.risk == "low"
    # regression and multiclass: the same
    pred = rng.normal(size=2 * n)
    target = pred + rng.normal(size=2 * n)
    r = audit("regression", target[:n], pred[:n], target[n:], pred[n:])
    assert abs(r.attack_auc - 0.5) < 0.03 and r.risk == "low"
    proba = rng.dirichlet(np.ones(3), size=2 * n)
    labels = np.array([rng.choice(3, p=row) for row in proba])
    m = audit("multiclass", labels[:n], proba[:n], labels[n:], proba[n:])
    assert abs(m.attack_auc - 0.5) < 0.03 and m.risk == "low"


def test_roc_interpolation_by_hand():
    members = np.array([0.9, 0.8, 0.5, 0.5, 0.1])
    nonmembers = np.array([0.5, 0.2])
    fpr, tpr = roc(members, nonmembers)
    # the tie at 0.5 (two members, one non-member) is one straight step
    assert fpr.tolist() == [0.0, 0.0, 0.0, 0.5, 1.0, 1.0]
    assert tpr.tolist() == pytest.approx([0.0, 0.2, 0.4, 0.8, 0.8, 1.0])
    assert tpr_at_fpr(fpr, tpr, 0.01) == pytest.approx(0.4 + 0.4 * 0.01 / 0.5)
    assert tpr_at_fpr(fpr, tpr, 0.5) == pytest.approx(0.8)
    assert tpr_at_fpr(fpr, tpr, 1.0) == pytest.approx(1.0)
    assert attack_auc(members, nonmembers) == pytest.approx(0.7)
    # the AUC is the area under these very points
    assert np.trapezoid(tpr, fpr) == pytest.approx(0.7)


def test_losses_match_scikit_learn():
    from sklearn.metrics import log_loss

    rng = np.random.default_rng(1)
    proba = rng.dirichlet(np.ones(4), size=50)
    y = rng.integers(0, 4, 50)
    losses = sample_losses("multiclass", y, proba)
    assert losses.mean() == pytest.approx(log_loss(y, proba, labels=range(4)))
    p = rng.uniform(0.01, 0.99, 50)
    yb = rng.integers(0, 2, 50)
    assert sample_losses("binary", yb, p).mean() == pytest.approx(log_loss(yb, p))
    two_columns = np.c_[1 - p, p]
    assert np.allclose(sample_losses("binary", yb, two_columns), sample_losses("binary", yb, p))
    assert sample_losses("regression", [1.0, 2.0], [1.5, 0.0]).tolist() == [0.25, 4.0]
    # a confident wrong answer is a large but finite loss
    assert np.isfinite(sample_losses("binary", [1], [0.0])).all()


def test_bad_inputs_say_what_is_wrong():
    with pytest.raises(ValueError, match="3 labels but 2"):
        sample_losses("binary", [0, 1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="0 or 1"):
        sample_losses("binary", [0, 2], [0.2, 0.3])
    with pytest.raises(ValueError, match="class indices"):
        sample_losses("multiclass", [0, 3], np.full((2, 3), 1 / 3))
    with pytest.raises(ValueError, match="missing"):
        sample_losses("regression", [0.0, 1.0], [np.nan, 1.0])
    with pytest.raises(ValueError, match="unknown task"):
        sample_losses("survival", [0], [0])
    with pytest.raises(ValueError, match="held-out"):
        audit("binary", [0, 1], [0.2, 0.7], [], [])


def test_few_nonmembers_are_called_coarse():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 250)
    p = np.clip(0.5 + 0.3 * (2 * y - 1) + rng.normal(0, 0.25, 250), 0.01, 0.99)
    a = audit("binary", y[:200], p[:200], y[200:], p[200:])
    assert a.n_nonmembers == 50
    assert "coarse" in a.interpretation and "1 in 50" in a.interpretation
    assert a.risk == "low"


def test_regression_overfit_versus_ridge():
    from sklearn.datasets import make_regression
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import train_test_split
    from sklearn.tree import DecisionTreeRegressor

    X, y = make_regression(n_samples=600, n_features=5, noise=30.0, random_state=0)
    X_train, X_held, y_train, y_held = train_test_split(X, y, test_size=0.5, random_state=0)
    results = {}
    for name, model in (("tree", DecisionTreeRegressor(random_state=0)), ("ridge", Ridge(1.0))):
        model.fit(X_train, y_train)
        results[name] = audit(
            "regression", y_train, model.predict(X_train), y_held, model.predict(X_held)
        )
    assert results["tree"].risk == "high"  # a fully grown tree reproduces every training target
    assert results["ridge"].risk == "low"
    assert results["ridge"].attack_auc < results["tree"].attack_auc
