"""Baselines: equal budgets, controls, evaluation panel numbers, refit without pickles."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from sklearn import metrics as skm

from dlwizard.errors import StepError
from dlwizard.ml import metrics
from dlwizard.plan import load_plan, run_plan
from dlwizard.steps import baselines, modelling
from dlwizard.study import container
from dlwizard.study.model import BaselineOptions, Evaluation, FamilyResult, MetricInterval
from dlwizard.study.project import Project
from tests.conftest import shared

FAST = BaselineOptions(trials=3, seconds_per_family=60, permutations=5, bootstrap=200)


def _project(tmp: Path, text: str) -> Project:
    plan = tmp / "plan.toml"
    plan.write_text(text)
    return run_plan(load_plan(plan), base=tmp)


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    p = np.clip(0.35 * y + 0.65 * rng.random(400), 0, 1)
    m = metrics.binary_metrics(y, p)
    assert m["auroc"] == pytest.approx(skm.roc_auc_score(y, p))
    assert m["auprc"] == pytest.approx(skm.average_precision_score(y, p))
    assert m["mcc"] == pytest.approx(skm.matthews_corrcoef(y, p >= 0.5))
    assert m["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, p >= 0.5))
    assert m["f1"] == pytest.approx(skm.f1_score(y, p >= 0.5))
    assert m["brier"] == pytest.approx(skm.brier_score_loss(y, p))
    yk = rng.integers(0, 3, 300)
    pk = rng.dirichlet([1, 1, 1], 300)
    mk = metrics.multiclass_metrics(yk, pk)
    assert mk["auroc_macro"] == pytest.approx(skm.roc_auc_score(yk, pk, multi_class="ovr"))
    assert mk["f1_weighted"] == pytest.approx(skm.f1_score(yk, pk.argmax(1), average="weighted"))
    yr = rng.normal(size=200)
    pr = yr + rng.normal(scale=0.5, size=200)
    mr = metrics.regression_metrics(yr, pr)
    assert mr["r2"] == pytest.approx(skm.r2_score(yr, pr))
    assert mr["rmse"] == pytest.approx(np.sqrt(skm.mean_squared_error(yr, pr)))


def test_bootstrap_is_seeded_and_resamples_groups():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    p = np.clip(0.3 * y + 0.7 * rng.random(200), 0, 1)
    a = metrics.bootstrap("binary", y, p, n_boot=300, seed=1)
    b = metrics.bootstrap("binary", y, p, n_boot=300, seed=1)
    assert a.metrics["auroc"] == b.metrics["auroc"]
    iv = a.metrics["auroc"]
    assert iv.low < iv.value < iv.high
    # Ten rows per subject: resampling subjects gives a wider interval than resampling rows.
    groups = np.repeat(np.arange(20), 10)
    y_g = np.repeat(rng.integers(0, 2, 20), 10)
    p_g = np.clip(np.repeat(0.3 * y_g[::10] + 0.7 * rng.random(20), 10), 0, 1)
    rows = metrics.bootstrap("binary", y_g, p_g, n_boot=400, seed=2).metrics["auroc"]
    subj = metrics.bootstrap("binary", y_g, p_g, groups, n_boot=400, seed=2).metrics["auroc"]
    assert (subj.high - subj.low) > (rows.high - rows.low)


def test_parkinsons_equal_budget_and_shuffled_control_far_below(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _project(
        tmp_path, f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[split]\n'
    )
    early, messages = [], []
    from dlwizard.jobs import Job

    job = Job(lambda fraction, message: messages.append(message))
    estimates = []
    section = baselines.run(
        project, FAST, job=job, on_family=early.append, on_estimate=estimates.append
    )
    # Early answers: each family's result as soon as it was scored, the same as the section's.
    assert early == section.results
    # The duration was estimated before the search, said in the progress, and recorded.
    assert any(" in all" in m for m in messages[:10])
    estimated = project.log[-1].detail["estimated_seconds"]
    assert estimates and round(estimates[0], 1) == estimated
    # Then the time left after each family but the last, corrected by the finished ones.
    assert len(estimates) == len(section.results) and all(e >= 0 for e in estimates[1:])
    assert 0 < estimated < 10 * sum(r.seconds + r.fit_seconds for r in section.results) + 60
    ledger = {e.family: e for e in section.ledger}
    assert set(ledger) == {
        "logistic",
        "random_forest",
        "knn",
        "naive_bayes",
        "svm",
        "gradient_boosting",
    }
    assert {e.trials_used for e in ledger.values()} == {FAST.trials}
    assert all(e.complete for e in ledger.values())
    shuffled = next(c for c in section.controls if c.kind == "label_shuffled")
    best_cv = max(r.cv_mean for r in section.results)
    assert np.mean(shuffled.shuffled_scores) < best_cv - 0.15
    majority = next(c for c in section.controls if c.kind == "majority")
    assert majority.tune.metrics["auroc"].value == pytest.approx(0.5)
    assert section.recommended in ledger
    # Saved and reopened, a model is rebuilt from its settings and reproduces its predictions.
    container.save(project, tmp_path / "p.dlwiz")
    again = container.load(tmp_path / "p.dlwiz")
    assert again.study.baselines == project.study.baselines
    modelling.refit(again, section.recommended)


def test_heart_metadata_control_above_chance(tmp_path):
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    project = _project(
        tmp_path,
        f'[question]\ntarget = "disease"\n[data]\npath = "{path}"\n'
        '[metadata]\nroles = {target = "ignore"}\n[split]\n',
    )
    options = BaselineOptions(
        families=["logistic", "naive_bayes"], trials=2, permutations=0, bootstrap=200
    )
    section = baselines.run(project, options)
    meta = next(c for c in section.controls if c.kind == "metadata_only")
    assert meta.tune.metrics["auroc"].value > 0.6
    codes = {f.code for f in project.findings("baselines")}
    assert "metadata-control-above-chance" in codes


def test_khan_multiclass_all_families_finish_within_budget(tmp_path):
    path = shared("microarray", "khan.csv")
    project = _project(
        tmp_path,
        f'[question]\ntarget = "label"\n[data]\npath = "{path}"\n'
        "[metadata]\n[split]\nn_folds = 3\n",
    )
    options = BaselineOptions(trials=2, seconds_per_family=60, permutations=0, bootstrap=200)
    section = baselines.run(project, options)
    assert section.metric == "auroc_macro"
    assert len(section.results) == 6
    for r in section.results:
        assert r.tune is not None, r.key
        assert r.trials == 2 and r.seconds < 60 + 30
    assert project.frames[modelling.TUNE_PREDICTIONS].shape[1] == 1 + 6 * 4
    # The one reader: the tuning rows' labels, and a row of class probabilities per row.
    y, out = modelling.stored_predictions(project, "logistic")
    p = modelling.prepare(project)
    assert out.shape == (len(p.tune_ids), 4)
    np.testing.assert_array_equal(y, p.y_tune)
    np.testing.assert_allclose(out.sum(axis=1), 1.0)
    with pytest.raises(StepError, match="no stored predictions for 'resnet'"):
        modelling.stored_predictions(project, "resnet")


def test_cancel_keeps_finished_families(tmp_path):
    from dlwizard.errors import Cancelled
    from dlwizard.jobs import Job

    path = shared("parkinsons_uci", "parkinsons.data")
    project = _project(
        tmp_path, f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[split]\n'
    )
    job = Job()
    seen = []

    def on_progress(fraction, message):
        seen.append(message)
        if any("Random forest" in m for m in seen):
            job.cancel()

    job._on_progress = on_progress
    section = baselines.run(project, FAST, job=job)
    assert section.cancelled
    assert [r.key for r in section.results] == ["logistic"]
    assert not project.is_done("baselines")
    with pytest.raises(Cancelled):
        job.check()


# -- what few permutations and a zero-width interval can say (issue 12) ---------------------------
def _separable_project(tmp_path, n: int = 345):
    """A tiny study the first feature separates perfectly: every model scores 1.000 on the
    tuning rows (about 69 of them), so the bootstrap interval has width zero."""
    from tests.engine.synthetic import cohort, project_from_frame

    df = cohort(n, n_features=3, seed=11, label_shift=12.0)
    project = project_from_frame(tmp_path, df)
    from dlwizard.steps import split
    from dlwizard.study.model import SplitOptions

    split.run(project, SplitOptions(seed=1, tune_fraction=0.2, test_fraction=0.2))
    return project


def test_few_shuffled_runs_state_the_smallest_possible_p(tmp_path):
    project = _separable_project(tmp_path)
    options = BaselineOptions(
        families=["logistic"], trials=1, seconds_per_family=30, permutations=3, bootstrap=200
    )
    section = baselines.run(project, options)
    shuffled = next(c for c in section.controls if c.kind == "label_shuffled")
    assert shuffled.p_value == pytest.approx(0.25)  # no shuffled run reaches a perfect model
    assert "the smallest possible p here is 1/(3+1) = 0.25" in shuffled.description
    assert "can never reach 0.05" in shuffled.description
    # the interval of width zero: said, with what it does and does not mean
    best = section.results[0].tune
    iv = best.metrics["auroc"]
    assert (iv.value, iv.low, iv.high) == (1.0, 1.0, 1.0)
    assert "has width zero" in section.recommendation
    assert f"{best.n} tuning rows" in section.recommendation
    assert "does not mean the score is certain" in section.recommendation
    assert f"3/{best.n}" in section.recommendation  # the rule of three as a yardstick


def test_durations_in_plain_words():
    assert baselines.duration_words(20) == "under a minute"
    assert baselines.duration_words(61) == "about 1 minute"
    assert baselines.duration_words(250) == "about 4 minutes"
    assert baselines.duration_words(4200) == "about 1 h 10 min"


def test_permutation_and_interval_notes():
    from dlwizard.study.model import MetricInterval

    assert baselines.smallest_p(3) == 0.25
    assert "1/(19+1) = 0.05" in baselines.permutation_note(19, 0.3)
    assert "never reach 0.05" not in baselines.permutation_note(19, 0.3)
    assert baselines.permutation_note(0) == ""
    wide = MetricInterval(value=0.9, low=0.8, high=0.97)
    assert baselines.zero_width_note(wide, 69, "AUROC") == ""
    flat = baselines.zero_width_note(MetricInterval(value=0.5, low=0.5, high=0.5), 40, "AUROC")
    assert "has width zero" in flat and "rule of three" not in flat  # not a perfect score


def _result(key: str, value: float, low: float, high: float) -> FamilyResult:
    iv = MetricInterval(value=value, low=low, high=high)
    return FamilyResult(key=key, name=key, tune=Evaluation(set="tune", n=40, metrics={"auroc": iv}))


def test_one_rule_chooses_the_best_and_the_simplest_within_noise():
    results = [
        _result("random_forest", 0.90, 0.85, 0.95),
        _result("logistic", 0.87, 0.80, 0.93),
        _result("knn", 0.70, 0.60, 0.80),
        _result("svm", float("nan"), float("nan"), float("nan")),
    ]
    assert modelling.best_baseline(results, "auroc").key == "random_forest"
    best, simplest = modelling.simplest_within_noise(results, "auroc")
    assert (best.key, simplest.key) == ("random_forest", "logistic")
    assert modelling.best_baseline([results[-1]], "auroc") is None
    # An interval without bounds (too few rows for a bootstrap) holds the best alone.
    lonely = [_result("random_forest", 0.9, float("nan"), float("nan")), results[1]]
    assert modelling.simplest_within_noise(lonely, "auroc")[1].key == "random_forest"


def test_the_one_search_loop_counts_failed_trials_and_keeps_the_budget():
    from dlwizard.jobs import Job
    from dlwizard.ml.tuning import Budget, one_at_a_time, search

    ranges = {"C": ("float", 1e-3, 1e3, True)}
    seen = []

    def objective(params, trial):
        seen.append(trial)
        if trial == 1:
            raise ValueError("this setting cannot be fitted")
        return (float("nan"), 0.0) if trial == 2 else (-abs(params["C"] - 1.0), 0.1)

    found = search(
        "Toy", ranges, one_at_a_time(objective), Budget(5, 60.0), 0, Job(), start={"C": 1.0}
    )
    assert seen == [0, 1, 2, 3, 4] and found.trials == 5 and found.stopped_by == "trials"
    assert found.best_params == {"C": 1.0} and found.cv_mean == 0.0 and found.cv_sd == 0.1
    with pytest.raises(ValueError, match="every Toy trial failed"):
        failing = one_at_a_time(lambda p, t: (float("nan"), 0.0))
        search("Toy", ranges, failing, Budget(2, 60.0), 0, Job())

    def slow(params, trial):
        time.sleep(0.5)
        return 1.0, 0.0

    capped = search("Toy", ranges, one_at_a_time(slow), Budget(5, 0.25), 0, Job())
    assert (capped.trials, capped.stopped_by) == (1, "time")
    # In batches, the cap is checked before each batch: a batch once started is finished.
    batched = search("Toy", ranges, one_at_a_time(slow), Budget(9, 0.25), 0, Job(), batch=3)
    assert (batched.trials, batched.stopped_by) == (3, "time")


def test_batched_search_is_the_same_search_whatever_the_number_of_workers(monkeypatch):
    """Trials come in fixed batches, so the settings tried (and the best found) depend on the
    seed only, not on how many fits run at once."""
    from dlwizard.jobs import Job
    from dlwizard.ml.parallel import WORKERS_ENV
    from dlwizard.ml.tuning import TRIAL_BATCH, Budget, search

    ranges = {"C": ("float", 1e-3, 1e3, True), "k": ("int", 1, 9, False)}

    def run(n_workers: str):
        monkeypatch.setenv(WORKERS_ENV, n_workers)
        tried = []

        def objective(batch, first):
            tried.append([dict(p) for p in batch])
            return [(-abs(np.log10(p["C"])) - abs(p["k"] - 4), 0.0) for p in batch]

        found = search("Toy", ranges, objective, Budget(10, 60.0), 3, Job(), batch=TRIAL_BATCH)
        return tried, found

    one, found_one = run("1")
    two, found_two = run("2")
    assert [len(b) for b in one] == [4, 4, 2]  # the last batch is what the budget has left
    assert one == two and found_one.best_params == found_two.best_params
    # constant liar: a batch asks for different settings, not one setting four times
    assert len({round(p["C"], 9) for p in one[1]}) == 4


def test_a_budget_in_time_gives_every_family_the_same_seconds(tmp_path):
    """By time, each family searches for the same seconds with as many trials as fit: a fast
    family runs more trials than a slow one, every ledger line is complete and says so, and
    the report and the networks' budget follow."""
    from dlwizard.report.build import build_report
    from dlwizard.report.document import to_text

    project = _separable_project(tmp_path)
    options = BaselineOptions(
        families=["naive_bayes", "random_forest"],
        budget="time",
        seconds_per_family=3.0,
        permutations=0,
        bootstrap=200,
    )
    section = baselines.run(project, options)
    ledger = {e.family: e for e in section.ledger}
    assert all(e.by == "time" and e.complete for e in ledger.values())
    assert all(2.5 <= e.seconds_used <= 15 for e in ledger.values())
    assert ledger["naive_bayes"].trials_used > ledger["random_forest"].trials_used
    assert ledger["naive_bayes"].trials_used > options.trials  # not capped at 20
    assert "unequal-tuning" not in {f.code for f in project.findings("baselines")}
    text = " ".join(to_text(build_report(project)).split())
    assert "of search each, with as many trials as fitted in that time" in text
    assert "of search per family" in text  # the methods paragraph
    # Saved and reopened, the budget's kind is kept.
    container.save(project, tmp_path / "p.dlwiz")
    again = container.load(tmp_path / "p.dlwiz")
    assert again.study.baselines.options.budget == "time"
    assert again.study.baselines.ledger[0].by == "time"


def test_the_plan_refuses_an_unknown_budget_kind(tmp_path):
    from dlwizard.errors import PlanError

    project = _separable_project(tmp_path)
    with pytest.raises(PlanError, match="budget"):
        run_plan({"baselines": {"budget": "minutes"}}, base=tmp_path, project=project)


def test_settings_fixed_from_the_data_follow_its_size_and_classes():
    """Fixed settings are decided from the data, not searched: the forest's size, the class
    weights of boosting (none where the classes are about equal: they would be ~1 and cost a
    slow weighted binning), and the lasso's solver (liblinear for two classes)."""
    from dlwizard.ml.models import CLASSIFIERS, FOREST_ROWS_PER_TREE, REGRESSORS
    from dlwizard.ml.tuning import starting_point

    def fixed(family, n, y, task="binary"):
        return starting_point(family, np.arange(n) % 5, np.asarray(y), task)[1]

    even = np.arange(1000) % 2
    rare = (np.arange(1000) % 10 == 0).astype(int)
    boosting = CLASSIFIERS["gradient_boosting"]
    assert fixed(boosting, 1000, even)["class_weight"] == "none"
    assert fixed(boosting, 1000, rare)["class_weight"] == "balanced"
    assert fixed(boosting, 100, even[:100])["early_stopping"] is False
    assert "class_weight" not in fixed(REGRESSORS["gradient_boosting"], 1000, even, "regression")
    forest = CLASSIFIERS["random_forest"]
    assert fixed(forest, 250, even[:250]) == {"n_estimators": 300}
    assert fixed(forest, 1000, even) == {"n_estimators": 100}
    big = FOREST_ROWS_PER_TREE * 2
    assert fixed(forest, big, np.arange(big) % 2)["max_samples"] == FOREST_ROWS_PER_TREE
    logistic = CLASSIFIERS["logistic"]
    assert fixed(logistic, 1000, even)["l1_solver"] == "liblinear"
    assert fixed(logistic, 999, np.arange(999) % 3, "multiclass")["l1_solver"] == "saga"
    # What the search fitted is what the model uses: the forest's trees, the lasso's solver.
    from dlwizard.ml.models import pipeline

    model = pipeline(forest, {**starting_point(forest, np.arange(1000) % 5, even, "binary")[2]},
                     ["a"], [], 0)  # fmt: skip
    assert model.named_steps["model"].n_estimators == 100
    lasso = pipeline(logistic, {"penalty": "l1", "C": 1.0, "l1_solver": "liblinear"}, ["a"], [], 0)
    assert lasso.named_steps["model"].solver == "liblinear"
