"""Start-up time: from process launch to the first wizard window shown.

Launches fresh ``python -c ...`` subprocesses (``QT_QPA_PLATFORM=offscreen``). The parent
passes its ``time.time()`` at launch in an environment variable; the child records when the
interpreter was ready, when each stage finished, and when ``MainWindow``'s first show event has
been processed (``create_app()``, ``MainWindow()``, ``window.show()``, ``app.processEvents()``).
The median of 5 runs is compared with a bare ``QApplication`` + ``QMainWindow().show()``
subprocess; target: under 1 s to the first window (issue 16). It also prints which heavy modules
(torch, sklearn, pandas, scipy, pyarrow, ...) were already imported at first show (ideally
none), and the 10 slowest imports on the start-up path from ``python -X importtime``.

Run: ``.venv/bin/python benchmarks/startup.py`` (``make bench`` runs it).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 5
TARGET_S = 1.0
ROOT = Path(__file__).resolve().parent.parent
HEAVY = (
    "torch",
    "sklearn",
    "pandas",
    "scipy",
    "pyarrow",
    "numpy",
    "matplotlib",
    "openpyxl",
    "pydantic",
)

_PRELUDE = """
import json, os, sys, time
t_ready = time.time()
stages = []
def mark(name):
    stages.append((name, time.time()))
"""

WIZARD = (
    _PRELUDE
    + """
from dlwizard.gui.app import create_app
mark("import dlwizard.gui.app")
app = create_app()
mark("create_app() (QApplication, style)")
from dlwizard.gui.main_window import MainWindow
mark("import dlwizard.gui.main_window")
window = MainWindow()
mark("MainWindow()")
window.show()
app.processEvents()
mark("show() + processEvents()")
heavy = [m for m in json.loads(os.environ["BENCH_HEAVY"]) if m in sys.modules]
print(json.dumps({"ready": t_ready, "stages": stages, "heavy": heavy}))
"""
)

BARE = (
    _PRELUDE
    + """
from PySide6.QtWidgets import QApplication, QMainWindow
mark("import PySide6.QtWidgets")
app = QApplication(sys.argv[:1])
mark("QApplication()")
window = QMainWindow()
window.resize(1240, 820)
window.show()
app.processEvents()
mark("QMainWindow().show() + processEvents()")
print(json.dumps({"ready": t_ready, "stages": stages, "heavy": []}))
"""
)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["BENCH_HEAVY"] = json.dumps(HEAVY)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def launch(code: str) -> dict:
    """One fresh process; times are seconds since the parent launched it."""
    env = child_env()
    launched = time.time()
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"start-up child failed:\n{out.stderr[-3000:]}")
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    return {
        "interpreter": doc["ready"] - launched,
        "stages": [(name, t - launched) for name, t in doc["stages"]],
        "shown": doc["stages"][-1][1] - launched,
        "heavy": doc["heavy"],
    }


def importtime(code: str) -> list[tuple[int, int, str]]:
    """(self us, cumulative us, module) for every import the code makes."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=child_env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []
    for line in out.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, cumulative, name = line[len("import time:") :].split("|", 2)
        rows.append((int(own), int(cumulative), name.strip()))
    # A module can be listed twice (a package import that triggers it); keep its largest row.
    best: dict[str, tuple[int, int, str]] = {}
    for row in rows:
        if row[2] not in best or row[1] > best[row[2]][1]:
            best[row[2]] = row
    return list(best.values())


def main() -> None:
    launch(BARE)  # warm-up: the files are in the page cache for the timed runs
    launch(WIZARD)
    wizard, bare = [], []
    for _ in range(RUNS):  # interleaved, so that background load hits both alike
        wizard.append(launch(WIZARD))
        bare.append(launch(BARE))

    def med(runs: list[dict], key: str) -> float:
        return statistics.median(r[key] for r in runs)

    w, b = med(wizard, "shown"), med(bare, "shown")
    runs = ", ".join(f"{r['shown']:.2f}" for r in wizard)
    bare_runs = ", ".join(f"{r['shown']:.2f}" for r in bare)
    print(f"launch -> first wizard window shown:      median {w:.3f} s  [{runs}]")
    print(f"launch -> bare QMainWindow shown:         median {b:.3f} s  [{bare_runs}]")
    verdict = "OK" if w < TARGET_S else "MISSED"
    print(f"ratio {w / b:.2f}; target < {TARGET_S} s: {verdict}")

    print("\nstages of the wizard start-up (median seconds since launch, and the step):")
    stage_names = [name for name, _ in wizard[0]["stages"]]
    previous = med(wizard, "interpreter")
    print(f"  {'interpreter ready (python + site)':<40} {previous:6.3f}  +{previous:.3f}")
    for i, name in enumerate(stage_names):
        at = statistics.median(r["stages"][i][1] for r in wizard)
        print(f"  {name:<40} {at:6.3f}  +{at - previous:.3f}")
        previous = at

    heavy = wizard[0]["heavy"]
    print(f"\nheavy modules imported at first show: {', '.join(heavy) if heavy else 'none'}")
    for name in HEAVY:
        print(f"  {name:<11} {'IMPORTED' if name in heavy else 'not imported'}")

    rows = importtime(WIZARD)
    total = sum(own for own, _, _ in rows)
    print(f"\n-X importtime, start-up path: {len(rows)} modules, {total / 1e6:.3f} s in imports")
    print("  top 10 by cumulative time (a package and everything it imports):")
    for own, cumulative, name in sorted(rows, key=lambda r: -r[1])[:10]:
        print(f"    {cumulative / 1e3:8.1f} ms  (self {own / 1e3:6.1f} ms)  {name}")
    print("  top 10 by self time (the module's own code):")
    for own, cumulative, name in sorted(rows, key=lambda r: -r[0])[:10]:
        print(f"    {own / 1e3:8.1f} ms  (cumulative {cumulative / 1e3:7.1f} ms)  {name}")


if __name__ == "__main__":
    main()
