"""Time to an honest answer: the default analysis of an ordinary table, step by step.

Two tables are generated in memory (a few informative features among noise) and written as CSV
files into a temporary folder: 2,000 x 50 and 700 x 1,000, both binary. Each is taken through
the default plan (question, data, metadata, explore, split, baselines with every family and the
default budget and permutations, the network ladder), as a new user would, and the time of each
step is printed, with each baseline family's search time.

Then, for each family, the engine's cross-validation at the chosen settings is timed against
the bare scikit-learn pipeline fitting and predicting the same folds in the same run (the
ratio is the engine's overhead per fit; target <= 1.2).

    .venv/bin/python benchmarks/time_to_answer.py                  # both tables, defaults
    .venv/bin/python benchmarks/time_to_answer.py --quick          # 5 trials, no permutations,
                                                                   # one rung: a smoke run
    .venv/bin/python benchmarks/time_to_answer.py --tables 2000x50 --trials 10
    .venv/bin/python benchmarks/time_to_answer.py --tables 2000x50 --cores  # 1 worker vs all

Target (issue 16) on a 2-core machine: at most 5 minutes per table with the defaults.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

SEED = 0


def make_table(folder: Path, rows: int, features: int) -> Path:
    import pandas as pd

    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(rows, features))
    weights = np.array([1.0, -0.8, 0.6, 0.5, -0.4])
    logit = x[:, :5] @ weights
    y = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "case", "control")
    df = pd.DataFrame(x.round(5), columns=[f"g{j:04d}" for j in range(features)])
    df.insert(0, "label", y)
    df.insert(0, "sample_id", [f"s{i:05d}" for i in range(rows)])
    path = folder / f"table_{rows}x{features}.csv"
    df.to_csv(path, index=False)
    return path


def run_steps(
    path: Path, baselines: dict, networks: dict | None, through: str = "networks"
) -> tuple[object, dict]:
    """The default plan, one step at a time, timed (up to and with ``through``)."""
    from dlwizard.plan import run_plan

    times: dict[str, float] = {}
    t0 = time.perf_counter()
    project = run_plan(
        {
            "question": {"target": "label", "positive_class": "case"},
            "data": {"path": str(path)},
            "metadata": {},
        },
        base=path.parent,
    )
    times["question + data + metadata"] = time.perf_counter() - t0
    for step, table in (("explore", {}), ("split", {}), ("baselines", baselines)):
        if step == "baselines" and through == "split":
            return project, times
        t0 = time.perf_counter()
        run_plan({step: table}, base=path.parent, project=project)
        times[step] = time.perf_counter() - t0
    if networks is not None:
        t0 = time.perf_counter()
        run_plan({"networks": networks}, base=path.parent, project=project)
        times["networks"] = time.perf_counter() - t0
    return project, times


def bare_cv_seconds(project, family_key: str, params: dict) -> tuple[float, float]:
    """(engine, bare) seconds for one cross-validation at ``params`` on the split's folds."""
    from dlwizard.jobs import Job
    from dlwizard.ml import tuning
    from dlwizard.ml.models import families, pipeline
    from dlwizard.steps.modelling import prepare

    prepared = prepare(project)
    family = families(prepared.task)[family_key]
    folds = prepared.folds
    args = (prepared.x_train, prepared.y_train, folds, prepared.task, len(prepared.classes), SEED)
    cols = (prepared.numeric, prepared.categorical)

    t0 = time.perf_counter()
    tuning.cv_score(family, params, *args, *cols, Job())
    engine = time.perf_counter() - t0

    t0 = time.perf_counter()
    for k in np.unique(folds[folds >= 0]):
        tr, te = np.flatnonzero(folds != k), np.flatnonzero(folds == k)
        model = pipeline(family, params, *cols, SEED)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(prepared.x_train.iloc[tr], prepared.y_train[tr])
            model.predict_proba(prepared.x_train.iloc[te])
    bare = time.perf_counter() - t0
    return engine, bare


def compare_cores(tables: list[str], baselines: dict) -> None:
    """The baselines step with one worker (DLWIZARD_WORKERS=1) and with all the cores, on the
    same split, and the speed-up (target on two cores: >= 1.7)."""
    import os

    from dlwizard.ml.parallel import WORKERS_ENV, workers
    from dlwizard.plan import run_plan

    cores = workers()
    with tempfile.TemporaryDirectory() as tmp:
        for spec in tables:
            rows, features = (int(v) for v in spec.lower().split("x"))
            path = make_table(Path(tmp), rows, features)
            project, _ = run_steps(path, {}, None, through="split")
            seconds = {}
            for n in (1, cores):
                os.environ[WORKERS_ENV] = str(n)
                t0 = time.perf_counter()
                run_plan({"baselines": baselines}, base=path.parent, project=project)
                seconds[n] = time.perf_counter() - t0
                best = project.study.baselines.recommended
                print(f"{rows} x {features}: baselines on {n} worker(s): {seconds[n]:.1f} s "
                      f"(recommended: {best})")  # fmt: skip
            os.environ.pop(WORKERS_ENV, None)
            print(f"  speed-up on {cores} cores: {seconds[1] / seconds[cores]:.2f}x "
                  "(target on 2 cores: >= 1.7)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", nargs="+", default=["2000x50", "700x1000"])
    parser.add_argument("--trials", type=int, default=None, help="default: the plan's default")
    parser.add_argument("--permutations", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="5 trials, 0 permutations, 1 rung")
    parser.add_argument("--no-networks", action="store_true", help="stop after the baselines")
    parser.add_argument(
        "--cores",
        action="store_true",
        help="time the baselines step on one worker and on all of them, and print the speed-up",
    )
    args = parser.parse_args()

    baselines: dict = {}
    networks: dict | None = {}
    if args.quick:
        baselines = {"trials": 5, "permutations": 0}
        networks = {"rungs": ["mlp_small"], "seeds": 2}
    if args.no_networks:
        networks = None
    if args.trials is not None:
        baselines["trials"] = args.trials
    if args.permutations is not None:
        baselines["permutations"] = args.permutations

    if args.cores:
        compare_cores(args.tables, baselines)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for spec in args.tables:
            rows, features = (int(v) for v in spec.lower().split("x"))
            path = make_table(Path(tmp), rows, features)
            project, times = run_steps(path, baselines, networks)
            total = sum(times.values())
            print(f"\n{rows} x {features}, binary: {total:.0f} s in all")
            for step, seconds in times.items():
                print(f"  {step:<28} {seconds:8.1f} s")
            b = project.study.baselines
            estimate = next(
                (e.detail.get("estimated_seconds") for e in reversed(project.log)
                 if e.action == "baselines-tuned"), None,
            )  # fmt: skip
            if estimate is not None:
                print(
                    f"  baselines estimated beforehand: {estimate:.0f} s "
                    f"(took {times['baselines']:.0f} s)"
                )
            print("  baseline family                trials   search s   CV at best: engine / bare")
            for r in b.results:
                engine, bare = bare_cv_seconds(project, r.key, r.best_params)
                print(
                    f"  {r.name[:30]:<30} {r.trials:6d} {r.seconds:10.1f}"
                    f"   {engine:6.2f} s / {bare:6.2f} s = {engine / bare:4.2f}x"
                )
            n = project.study.networks
            if n is not None:
                print("  network rung                   trials   search s   tuning-set score")
                for r in n.rungs:
                    score = r.tune.metrics[n.metric].value if r.tune is not None else float("nan")
                    print(f"  {r.name[:30]:<30} {r.trials:6d} {r.seconds:10.1f}   {score:.3f}")
                print(f"  chosen: {n.chosen}; {len(n.seed_scores)} seeds, mean {n.seed_mean:.3f}")
            best = next((r for r in b.results if r.key == b.recommended), None)
            if best is not None and best.tune is not None:
                m = best.tune.metrics[b.metric]
                print(
                    f"  recommended baseline: {best.name}, tuning-set {b.metric} "
                    f"{m.value:.3f} [{m.low:.3f}, {m.high:.3f}]"
                )


if __name__ == "__main__":
    main()
