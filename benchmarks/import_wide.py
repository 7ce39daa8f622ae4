"""Import of a wide expression table: the whole data step against bare pandas + pyarrow.

Measures, on a generated 1,000-sample x 20,000-gene CSV (sample_id, G00001..G20000, label):

* time of ``dlwizard.steps.data.run(Project.new(), ImportOptions(paths=[csv]))`` (hashing,
  sniffing, parsing, checks, column profiles, commit) against
  ``pandas.read_csv(path, engine="pyarrow")`` alone; target ratio <= 1.3;
* peak memory of the data step (peak RSS minus RSS just before the import, in a fresh
  subprocess) against the in-memory table size (``df.memory_usage(deep=True).sum()``);
  target ratio <= 3;
* where the data step's time goes: manual timing of its phases and a cProfile top 10.

Data is generated into a temporary folder, never into the repository.
Run: ``.venv/bin/python benchmarks/import_wide.py`` (``make bench`` runs it).
"""

from __future__ import annotations

import cProfile
import csv
import io
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

N_SAMPLES = 1_000
N_GENES = 20_000
REPEATS = 3
TIME_TARGET = 1.3
MEMORY_TARGET = 3.0
ROOT = Path(__file__).resolve().parent.parent


def make_wide_csv(folder: Path, n_samples: int = N_SAMPLES, n_genes: int = N_GENES) -> Path:
    """Write a samples-as-rows expression CSV (values with 3 decimals, like real exports)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(0)
    values = np.round(rng.lognormal(mean=2.0, sigma=1.0, size=(n_samples, n_genes)), 3)
    columns = {"sample_id": pa.array([f"S{i:04d}" for i in range(1, n_samples + 1)])}
    for j in range(n_genes):
        columns[f"G{j + 1:05d}"] = pa.array(values[:, j])
    columns["label"] = pa.array(rng.choice(["case", "control"], size=n_samples))
    path = folder / "wide.csv"
    pacsv.write_csv(
        pa.table(columns), path, write_options=pacsv.WriteOptions(quoting_style="none")
    )
    return path


def median_time(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def data_step(path: Path):
    from dlwizard.steps import data
    from dlwizard.study.model import ImportOptions
    from dlwizard.study.project import Project

    project = Project.new()
    data.run(project, ImportOptions(paths=[str(path)]))
    return project


def check_importable(path: Path) -> bool:
    """Run the data step once; on the csv field-size error, report it and lift the limit.

    The delimiter sniffer (``dlwizard/io/sniff.py``, ``_guess_delimiter``) splits each sample
    line with the stdlib ``csv`` module, whose default field limit is 131,072 characters; a
    header of 20,000 gene names tried with a delimiter it does not contain is one field longer
    than that. Returns True when the workaround had to be applied.
    """
    try:
        data_step(path)
        return False
    except csv.Error as exc:
        print(
            f"BUG: the data step fails on this file with csv.Error: {exc}\n"
            "     (dlwizard/io/sniff.py _guess_delimiter / sniff_dialect parse the sample "
            "lines with the stdlib csv module's default field_size_limit).\n"
            "     Measuring with csv.field_size_limit raised, as a workaround."
        )
        csv.field_size_limit(2**31 - 1)
        data_step(path)
        return True


def bare_read(path: Path):
    import pandas as pd

    return pd.read_csv(path, engine="pyarrow")


# -- memory, measured in a fresh interpreter -----------------------------------------------------
_MEMORY_CHILD = r"""
import csv, json, resource, sys, threading, time
sys.path.insert(0, sys.argv[2])
if sys.argv[3] == "1":
    csv.field_size_limit(2**31 - 1)  # work around the sniffer's field limit (see main)

# Import everything the step needs first, so that module code is not counted as data.
import numpy, pandas, pyarrow, pyarrow.csv, pydantic  # noqa: F401
from dlwizard.steps import data
from dlwizard.study.model import ImportOptions
from dlwizard.study.project import Project


def rss_bytes():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


peak = [0]
stop = threading.Event()


def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], rss_bytes())
        time.sleep(0.002)


project = Project.new()
options = ImportOptions(paths=[sys.argv[1]])
before = rss_bytes()
peak[0] = before
sampler = threading.Thread(target=sample, daemon=True)
sampler.start()
data.run(project, options)
stop.set()
sampler.join()
peak_sampled = max(peak[0], rss_bytes())
# ru_maxrss (KiB on Linux) is the true high-water mark; sampling can miss short spikes.
peak_kernel = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
table = int(project.table.memory_usage(deep=True).sum())
print(json.dumps({"before": before, "peak_sampled": peak_sampled, "peak_kernel": peak_kernel,
                  "after": rss_bytes(), "table": table}))
"""

_BARE_MEMORY_CHILD = r"""
import json, resource, sys
import pandas as pd
import pyarrow, pyarrow.csv  # noqa: F401


def rss_bytes():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


before = rss_bytes()
df = pd.read_csv(sys.argv[1], engine="pyarrow")
peak_kernel = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"before": before, "peak_kernel": peak_kernel,
                  "table": int(df.memory_usage(deep=True).sum())}))
"""


def measure_memory(path: Path, child: str, lift_csv_limit: bool = False) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", child, str(path), str(ROOT), "1" if lift_csv_limit else "0"],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- where the time goes --------------------------------------------------------------------------
def phase_breakdown(path: Path) -> list[tuple[str, float]]:
    """Time the data step's phases one by one, in the order ``data.run`` does them."""
    from dlwizard.io import checks, orientation
    from dlwizard.io.profile import column_info
    from dlwizard.io.readers import _read_text
    from dlwizard.io.sniff import scan_file
    from dlwizard.jobs import Job
    from dlwizard.steps import data
    from dlwizard.study.model import DEFAULT_NA_VALUES, DataSection, ImportOptions
    from dlwizard.study.project import Project

    phases: list[tuple[str, float]] = []

    def timed(name: str, fn: Callable[[], object]):
        t0 = time.perf_counter()
        out = fn()
        phases.append((name, time.perf_counter() - t0))
        return out

    import pyarrow.csv as pacsv

    job = Job()
    scan = timed("hash + UTF-8 scan (sniff.scan_file)", lambda: scan_file(path, job))
    # _read_text = sniff + pyarrow parse + to_pandas; its two library calls are timed alone too.
    table = timed("  of which: pyarrow.csv.read_csv alone", lambda: pacsv.read_csv(path))
    timed("  of which: Table.to_pandas alone", table.to_pandas)
    del table
    result = timed(
        "sniff + parse + to_pandas (readers._read_text)",
        lambda: _read_text(path, scan, None, None, None, list(DEFAULT_NA_VALUES), job),
    )
    timed(
        "checks (checks.check_table)",
        lambda: checks.check_table(result.table, path, first_row=result.first_row),
    )
    options = ImportOptions(paths=[str(path)])
    oriented = timed("orientation (data._orient)", lambda: data._orient(result, options, path))
    df = oriented[0]
    timed(
        "header dates (checks.find_date_like_names)",
        lambda: checks.find_date_like_names([str(c) for c in df.columns], "column names"),
    )
    df = timed("reset_index", lambda: df.reset_index(drop=True))
    infos = timed("column profiles (profile.column_info)", lambda: column_info(df))
    section = timed(
        "DataSection model (pydantic validation)",
        lambda: DataSection(
            options=options,
            files=[result.record],
            n_rows=int(df.shape[0]),
            n_columns=int(df.shape[1]),
            columns=infos,
        ),
    )
    timed("commit (data.commit)", lambda: data.commit(Project.new(), df, section, []))
    del orientation  # imported only to make sure the module is loaded before timing
    return phases


def profile_top(path: Path, n: int = 10) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    data_step(path)
    profiler.disable()
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(n)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:])


def main() -> None:
    sys.path.insert(0, str(ROOT))
    import pandas as pd  # noqa: F401  (loaded before timing, as the GUI has it loaded)
    import pyarrow.csv  # noqa: F401

    import dlwizard.steps.data  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="dlwizard-bench-") as tmp:
        t0 = time.perf_counter()
        path = make_wide_csv(Path(tmp))
        size_mb = path.stat().st_size / 1e6
        print(
            f"generated {N_SAMPLES:,} x {N_GENES:,} CSV ({size_mb:.0f} MB) "
            f"in {time.perf_counter() - t0:.1f} s"
        )

        bare_read(path)  # warm the page cache so both sides read from memory
        lifted = check_importable(path)
        step_med, step_all = median_time(lambda: data_step(path))
        bare_med, bare_all = median_time(lambda: bare_read(path))
        ratio = step_med / bare_med
        print(f"data step (dlwizard.steps.data.run): median {step_med:.3f} s  runs {_fmt(step_all)}")
        print(f"pandas.read_csv(engine='pyarrow'):   median {bare_med:.3f} s  runs {_fmt(bare_all)}")
        print(f"time ratio: {ratio:.2f}  (target <= {TIME_TARGET})  {_verdict(ratio, TIME_TARGET)}")

        mem = measure_memory(path, _MEMORY_CHILD, lifted)
        grown = max(mem["peak_kernel"], mem["peak_sampled"]) - mem["before"]
        mem_ratio = grown / mem["table"]
        print(
            f"memory: table {mem['table'] / 1e6:.0f} MB; RSS before import "
            f"{mem['before'] / 1e6:.0f} MB, peak {mem['peak_kernel'] / 1e6:.0f} MB "
            f"(sampled {mem['peak_sampled'] / 1e6:.0f} MB), after {mem['after'] / 1e6:.0f} MB"
        )
        print(
            f"peak/table ratio: {mem_ratio:.2f}  (target <= {MEMORY_TARGET})  "
            f"{_verdict(mem_ratio, MEMORY_TARGET)}"
        )
        bare_mem = measure_memory(path, _BARE_MEMORY_CHILD)
        print(
            "  for reference, pandas.read_csv(engine='pyarrow') alone: peak/table "
            f"{(bare_mem['peak_kernel'] - bare_mem['before']) / bare_mem['table']:.2f}"
        )

        print("\nphases of the data step (one run, seconds):")
        phases = phase_breakdown(path)
        total = sum(t for name, t in phases if not name.startswith("  "))
        for name, t in phases:
            share = "" if name.startswith("  ") else f"  {100 * t / total:4.0f}%"
            print(f"  {name:<50} {t:7.3f}{share}")
        print(f"  {'sum of phases':<50} {total:7.3f}")

        print("\ncProfile, top 10 by cumulative time (one run of the data step):")
        print(profile_top(path))


def _fmt(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.3f}" for t in times) + "]"


def _verdict(value: float, target: float) -> str:
    return "OK" if value <= target else "MISSED"


if __name__ == "__main__":
    main()
