"""Every headless command exits 0 on success, every time, also on a busy machine (issue 13).

Runs ``dlwizard inspect --json``, ``predict``, ``report`` and ``run`` over and over (1,000 runs
by default, mostly the quick ``inspect``) while one busy process per core keeps the machine
loaded, and counts the exit codes. For comparison it runs ``inspect --json`` through the
ordinary interpreter exit (``sys.exit(main())``), which is what the command did before: there
Arrow's thread pool can abort the process at exit (apache/arrow#34314).

    .venv/bin/python benchmarks/clean_exit.py [--runs 1000] [--bare-runs 300]
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = "import sys; from dlwizard.cli import main; sys.exit(main())"
ENTRY = "from dlwizard.cli import entry; entry()"


def _spin(stop) -> None:
    x = 0
    while not stop.is_set():
        for _ in range(100_000):
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF


def _prepare(folder: Path) -> tuple[Path, Path, Path]:
    """The demo project (with a final model), new samples to predict, and a small plan."""
    subprocess.run(
        [sys.executable, "-c", ENTRY, "demo", "--out", str(folder)], check=True, cwd=ROOT
    )
    project = folder / "demo.dlwiz"
    from dlwizard.study import container

    p = container.load(project)
    new = folder / "new.csv"
    p.table.loc[p.study.split.tune].to_csv(new, index=False)
    data = folder / "small.csv"
    p.table.drop(columns=["case_id"]).head(120).to_csv(data, index=False)
    plan = folder / "plan.toml"
    plan.write_text(
        f'[question]\ntarget = "diagnosis"\n[data]\npath = "{data}"\n[metadata]\n[split]\n',
        encoding="utf-8",
    )
    return project, new, plan


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--bare-runs", type=int, default=300)
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dlwizard-exit-"))
    project, new, plan = _prepare(folder)
    commands = {
        "inspect --json": ["inspect", str(project), "--json"],
        "predict": ["predict", str(project), str(new), "-o", str(folder / "pred.csv")],
        "report": ["report", str(project), "-o", str(folder / "methods.pdf")],
        "run": ["run", str(plan), "--out", str(folder / "plan.dlwiz")],
    }
    # Mostly the quick command; every 10th a prediction, every 25th a report, every 100th a run.
    schedule = []
    for i in range(args.runs):
        if i % 100 == 99:
            schedule.append("run")
        elif i % 25 == 24:
            schedule.append("report")
        elif i % 10 == 9:
            schedule.append("predict")
        else:
            schedule.append("inspect --json")

    stop = multiprocessing.Event()
    load = [multiprocessing.Process(target=_spin, args=(stop,)) for _ in range(os.cpu_count() or 2)]
    for p in load:
        p.start()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    codes: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    t0 = time.perf_counter()
    try:
        for i, name in enumerate(schedule, 1):
            rc = subprocess.run(
                [sys.executable, "-c", ENTRY, *commands[name]],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ).returncode
            codes[name][rc] += 1
            if i % 100 == 0:
                print(f"  {i} runs, {time.perf_counter() - t0:.0f} s", flush=True)
        bare = collections.Counter(
            subprocess.run(
                [sys.executable, "-c", BARE, *commands["inspect --json"]],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            ).returncode
            for _ in range(args.bare_runs)
        )
    finally:
        stop.set()
        for p in load:
            p.join()
    failed = 0
    print(f"dlwizard commands under load ({len(load)} busy processes), {args.runs} runs:")
    for name, counter in codes.items():
        bad = sum(n for rc, n in counter.items() if rc != 0)
        failed += bad
        print(f"  {name:15s} {sum(counter.values()):5d} runs, exit codes {dict(counter)}")
    bare_bad = sum(n for rc, n in bare.items() if rc != 0)
    print(
        f"ordinary interpreter exit (before), inspect --json: {args.bare_runs} runs, exit codes "
        f"{dict(bare)} ({bare_bad} failures)"
    )
    print(f"failures: {failed} of {args.runs} (ordinary exit: {bare_bad} of {args.bare_runs})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
