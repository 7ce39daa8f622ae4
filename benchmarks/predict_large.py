"""Predicting 1,000,000 new samples x 50 features: `dlwizard predict` against the bare pipeline.

A study of 5,000 training samples (50 numeric features, binary label) is built through the
engine, logistic regression is tuned (one trial) and frozen. A CSV of 1,000,000 new samples is
written to a temporary folder. Then, each in a fresh subprocess so peak memory is its own:

- dlwizard: ``dlwizard.predict.predict_file(project, csv, out)`` — the project file is loaded,
  the frozen skops pipeline rebuilt, the CSV streamed in blocks, columns checked, probabilities
  and the predicted class written.
- bare: the same fitted pipeline (loaded from the same project), ``pyarrow.csv.read_csv`` of the
  whole file, ``pipeline.predict_proba`` on it, and the same columns written with pyarrow.

Prints both times, their ratio (target <= 1.3) and both peak memory figures (dlwizard's should be
bounded by the block size, the bare run holds the whole table). Median of 3 runs each.
Run: ``.venv/bin/python benchmarks/predict_large.py`` (``make bench`` runs it).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_NEW = 1_000_000
N_FEATURES = 50
N_TRAIN = 5_000
REPEATS = 3
TARGET = 1.3

CHILD = r"""
import json, resource, sys, time
mode, project_path, csv_path, out_path = sys.argv[1:5]
t0 = time.perf_counter()
from dlwizard.study import container
project = container.load(project_path)
if mode == "dlwizard":
    from dlwizard.predict import predict_file
    summary = predict_file(project, csv_path, out_path)
    n = summary.n_rows
else:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv
    from dlwizard.ml import frozen
    final = project.study.compare.final
    pipe = frozen.load(final, project.models).pipeline
    table = pacsv.read_csv(csv_path).to_pandas()
    proba = pipe.predict_proba(table[final.numeric + final.categorical])
    classes = np.asarray(final.classes, dtype=object)
    cols = {final.sample_id: table[final.sample_id].to_numpy()}
    for i, c in enumerate(final.classes):
        cols[f"probability: {c}"] = proba[:, i]
    cols["predicted"] = classes[(proba[:, 1] >= 0.5).astype(int)]
    pacsv.write_csv(pa.table(cols), out_path)
    n = len(table)
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB on Linux
print(json.dumps({"seconds": seconds, "peak_mib": peak, "rows": n}))
"""


def build(folder: Path) -> tuple[Path, Path]:
    import numpy as np
    import pandas as pd

    from dlwizard.steps import baselines, compare, data, metadata, question, split
    from dlwizard.study import container
    from dlwizard.study.model import BaselineOptions, ImportOptions

    rng = np.random.default_rng(0)
    w = rng.normal(size=N_FEATURES)

    def frame(n: int, offset: int) -> pd.DataFrame:
        x = rng.normal(size=(n, N_FEATURES)).round(5)
        y = (x @ w + rng.normal(scale=2.0, size=n)) > 0
        df = pd.DataFrame(x, columns=[f"f{j}" for j in range(N_FEATURES)])
        df.insert(0, "label", np.where(y, "case", "control"))
        df.insert(0, "sample", [f"s{offset + i}" for i in range(n)])
        return df

    train = folder / "train.parquet"
    frame(N_TRAIN, 0).to_parquet(train, index=False)
    project = __import__("dlwizard.study.project", fromlist=["Project"]).Project.new("bench")
    question.apply(project, target="label")
    data.run(project, ImportOptions(paths=[str(train)], sample_id_column="sample"))
    metadata.apply(project, derived=[], suggest_derived=False)
    split.run(project)
    baselines.run(
        project,
        BaselineOptions(families=["logistic"], trials=1, permutations=0, bootstrap=100),
    )
    compare.freeze(project)
    path = container.save(project, folder / "bench.dlwiz")
    csv = folder / "new.csv"
    new = frame(N_NEW, N_TRAIN).drop(columns=["label"])
    new.to_csv(csv, index=False)
    return path, csv


def run_child(mode: str, project: Path, csv: Path, out: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(project), str(csv), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"Building the study and a {N_NEW:,} x {N_FEATURES} CSV …", flush=True)
        project, csv = build(folder)
        print(f"  CSV: {csv.stat().st_size / 2**20:.0f} MiB")
        runs: dict[str, list[dict]] = {"dlwizard": [], "bare": []}
        for _ in range(REPEATS):
            for mode in runs:
                runs[mode].append(run_child(mode, project, csv, folder / f"{mode}.csv"))
        import pandas as pd

        a = pd.read_csv(folder / "dlwizard.csv")
        b = pd.read_csv(folder / "bare.csv")
        assert len(a) == len(b) == N_NEW
        assert (abs(a["probability: case"] - b["probability: case"]) < 1e-12).all()
        assert (a["predicted"] == b["predicted"]).all()
    med = {m: statistics.median(r["seconds"] for r in rs) for m, rs in runs.items()}
    peak = {m: max(r["peak_mib"] for r in rs) for m, rs in runs.items()}
    ratio = med["dlwizard"] / med["bare"]
    print(
        f"dlwizard predict: {med['dlwizard']:.2f} s (median of {REPEATS}), "
        f"peak {peak['dlwizard']:.0f} MiB"
    )
    print(
        f"bare pipeline:    {med['bare']:.2f} s (median of {REPEATS}), peak {peak['bare']:.0f} MiB"
    )
    print(f"ratio dlwizard / bare = {ratio:.2f} (target <= {TARGET}); identical probabilities")
    print(f"memory: dlwizard peak is {peak['dlwizard'] / peak['bare']:.2f}x the bare run's")


if __name__ == "__main__":
    main()
