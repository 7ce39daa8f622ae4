"""The baseline search on a 5,000 x 200 binary table: the engine vs a bare scikit-learn + optuna
script doing the same work.

The table (a few informative features among noise) is generated in memory, written as a CSV
into a temporary folder and imported through the engine (question, data, metadata, split). The
engine then tunes a couple of cheap families with `dlwizard.steps.baselines.run` (T trials each,
no time cap, no permutations, 200 bootstrap resamples). The bare script repeats the identical
search without dlwizard's tuning code: the same Pipeline (dlwizard.ml.models.pipeline), the same
ranges, fixed settings and middle-of-range first trial, the same grouped CV folds from the split,
a seeded constant-liar TPE sampler asked for four trials at a time, with the folds fitted one
after another as a plain script would, then a refit on all training rows and predict_proba on
the tuning rows. Both searches must reach the same CV scores and tuning-set probabilities
(checked). Target: ratio <= 1.10 (the engine adds bootstrap intervals, the controls and
bookkeeping, and little else; it fits the folds on all cores, the bare script on one).

Histogram gradient boosting is left out by default: on a 2-core machine that is also busy, its
OpenMP threads can spin at every split and one fit takes seconds instead of milliseconds, for
both sides alike, which swamps the comparison and the time limit (pass --boosting to add it).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import numpy as np

ROWS, FEATURES, INFORMATIVE = 5000, 200, 5
FAMILIES = ["logistic", "naive_bayes"]
TRIALS = 10
BOOTSTRAP = 200
SEED = 0
REPEATS = 3


def make_project(folder: Path):
    """Generate the table, write it as a CSV and import it through the engine up to the split."""
    import pandas as pd

    from dlwizard.plan import run_plan

    rng = np.random.default_rng(0)
    x = rng.normal(size=(ROWS, FEATURES))
    weights = np.array([1.0, -0.8, 0.6, 0.5, -0.4])[:INFORMATIVE]
    logit = x[:, :INFORMATIVE] @ weights
    y = np.where(rng.random(ROWS) < 1 / (1 + np.exp(-logit)), "case", "control")
    df = pd.DataFrame(x.round(5), columns=[f"f{j:03d}" for j in range(FEATURES)])
    df.insert(0, "label", y)
    df.insert(0, "sample_id", [f"s{i:05d}" for i in range(ROWS)])
    path = folder / "table.csv"
    df.to_csv(path, index=False)
    plan = {
        "question": {"target": "label", "positive_class": "case"},
        "data": {"path": str(path)},
        "metadata": {},
        "split": {},
    }
    return run_plan(plan, base=folder)


class Spent:
    """Exclusive wall time per bucket: a timed call inside another is charged to itself only."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[list[float]] = []

    def wrap(self, fn, key: str):
        def timed(*args, **kwargs):
            self._stack.append([0.0])
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                (children,) = self._stack.pop()
                self.seconds[key] += elapsed - children
                if self._stack:
                    self._stack[-1][0] += elapsed

        return timed


def engine_run(project, families: list[str], trials: int) -> tuple[float, Spent]:
    from dlwizard.ml import metrics, tuning
    from dlwizard.steps import baselines
    from dlwizard.study.model import BaselineOptions

    options = BaselineOptions(
        families=families,
        trials=trials,
        seconds_per_family=1e6,
        permutations=0,
        bootstrap=BOOTSTRAP,
        seed=SEED,
    )
    spent = Spent()
    with ExitStack() as stack:
        for name, key in (
            ("prepare", "prepare"),
            ("tune_family", "search"),
            ("evaluation", "bootstrap"),
            ("_controls", "controls"),
        ):
            fn = getattr(baselines, name)
            stack.enter_context(mock.patch.object(baselines, name, spent.wrap(fn, key)))
        shim = SimpleNamespace(compute=spent.wrap(metrics.compute, "fold_metrics"))
        stack.enter_context(mock.patch.object(tuning, "metrics", shim))
        t0 = time.perf_counter()
        baselines.run(project, options)
        total = time.perf_counter() - t0
    return total, spent


def bare_data(project):
    """Training rows, fold ids and tuning rows straight from the table and the split."""
    s = project.study
    df = project.table
    features = [c for c, r in s.metadata.roles.items() if r == "feature"]
    target, positive = s.question.target, s.question.positive_class
    train, tune = df.loc[s.split.train], df.loc[s.split.tune]
    y_train = (train[target].astype(str) == positive).to_numpy(dtype=int)
    folds = np.asarray(s.split.folds, dtype=int)
    return features, train[features], y_train, folds, tune[features]


def bare_run(data, families: list[str], trials: int) -> dict[str, tuple[float, np.ndarray]]:
    """The same search in plain scikit-learn + optuna: no dlwizard tuning code."""
    import optuna
    from sklearn.metrics import roc_auc_score

    from dlwizard.ml.models import CLASSIFIERS, default_params, pipeline

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    features, x_train, y_train, folds, x_tune = data
    fold_ids = np.unique(folds[folds >= 0])
    out = {}
    for key in families:
        fam = CLASSIFIERS[key]

        def suggest(trial, fam=fam):
            params = {}
            for name, r in fam.ranges.items():
                if r[0] == "cat":
                    params[name] = trial.suggest_categorical(name, r[1])
                elif r[0] == "int":
                    params[name] = trial.suggest_int(name, r[1], r[2], log=r[3])
                else:
                    params[name] = trial.suggest_float(name, r[1], r[2], log=r[3])
            return params

        def cv(params, fam=fam):
            scores = []
            for k in fold_ids:
                tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
                model = pipeline(fam, params, features, [], SEED)
                model.fit(x_train.iloc[tr], y_train[tr])
                proba = model.predict_proba(x_train.iloc[te])[:, 1]
                scores.append(roc_auc_score(y_train[te], proba))
            return float(np.mean(scores))

        n_min = min(int((folds != k).sum()) for k in fold_ids)
        shares = list(np.bincount(y_train) / len(y_train))
        fixed = fam.fixed(n_min, shares) if fam.fixed else {}
        # The engine's search: seeded constant-liar TPE asking for trials in batches of 4.
        sampler = optuna.samplers.TPESampler(seed=SEED, constant_liar=True)
        study = optuna.create_study(direction="maximize", sampler=sampler)
        start = {**default_params(fam), **fixed}
        study.enqueue_trial(start)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            done = 0
            while done < trials:
                batch = [study.ask() for _ in range(min(4, trials - done))]
                for trial in batch:
                    study.tell(trial, cv({**suggest(trial), **fixed}))
                done += len(batch)
            model = pipeline(fam, {**start, **study.best_params}, features, [], SEED)
            model.fit(x_train, y_train)
        out[key] = (study.best_value, model.predict_proba(x_tune)[:, 1])
    return out


def check_same_work(project, bare: dict[str, tuple[float, np.ndarray]]) -> list[str]:
    from dlwizard.steps import modelling

    section = project.study.baselines
    lines = []
    for r in section.results:
        cv, proba = bare[r.key]
        _, engine_proba = modelling.stored_predictions(
            project, r.key, rows=project.study.split.tune
        )
        same = np.isclose(cv, r.cv_mean) and np.allclose(proba, engine_proba)
        lines.append(
            f"  {r.key}: best CV AUROC engine {r.cv_mean:.4f}, bare {cv:.4f}; tuning-set "
            f"probabilities {'identical' if same else 'DIFFERENT (not the same work!)'}"
        )
    return lines


def main() -> None:
    families = FAMILIES + (["gradient_boosting"] if "--boosting" in sys.argv else [])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        project = make_project(Path(tmp))
        t_import = time.perf_counter() - t0
        split = project.study.split
        data = bare_data(project)
        engine_run(project, ["naive_bayes"], 1)  # warm up (imports, BLAS threads)
        bare_run(data, ["naive_bayes"], 1)
        t_engine, t_bare, spents = [], [], []
        bare = {}
        for i in range(REPEATS):
            for side in ("engine", "bare") if i % 2 == 0 else ("bare", "engine"):
                if side == "engine":
                    total, spent = engine_run(project, families, TRIALS)
                    spent.seconds["bookkeeping"] = total - sum(spent.seconds.values())
                    t_engine.append(total)
                    spents.append(spent)
                else:
                    t0 = time.perf_counter()
                    bare = bare_run(data, families, TRIALS)
                    t_bare.append(time.perf_counter() - t0)
        same = check_same_work(project, bare)
    e, b = statistics.median(t_engine), statistics.median(t_bare)

    def part(key: str) -> float:
        return statistics.median(s.seconds[key] for s in spents)

    search, fold_metrics = part("search"), part("fold_metrics")
    boot, controls, prep = part("bootstrap"), part("controls"), part("prepare")
    rest = part("bookkeeping")
    print(
        f"Baseline search on {ROWS:,} x {FEATURES} (binary; {len(split.train):,} training rows in "
        f"{len({f for f in split.folds if f >= 0})} folds, {len(split.tune):,} tuning rows), "
        f"{', '.join(families)}, {TRIALS} trials each, median of {REPEATS} (alternating order):"
    )
    print(f"  (import through the engine, not timed below: {t_import:.1f} s)")
    print(f"  engine (dlwizard.steps.baselines.run, {BOOTSTRAP} bootstrap resamples): {e:.2f} s")
    print(f"  bare scikit-learn + optuna (same pipeline, folds, sampler, trials): {b:.2f} s")
    print(f"  ratio engine / bare: {e / b:.2f}  (target <= 1.10)")
    print("  same work:")
    for line in same:
        print("  " + line)
    verdict = "target met" if e / b <= 1.10 else "above target"
    print(f"  where the engine's time goes ({verdict}; engine - bare = {e - b:+.2f} s):")
    print(f"    search and refit (fits, optuna, per-fit threads): {search:.2f} s")
    print(f"    full metric set on every CV fold (bare: AUROC only): {fold_metrics:.2f} s")
    print(f"    bootstrap intervals on the tuning set: {boot:.2f} s")
    print(f"    controls (majority class; no permutations): {controls:.2f} s")
    print(f"    preparing the training and tuning frames: {prep:.2f} s")
    print(f"    bookkeeping (results, findings, predictions, audit): {rest:.2f} s")


if __name__ == "__main__":
    main()
