"""Cold start of the frozen app: from launching the executable to the first wizard window shown.

    python packaging/startup_time.py dist/dlwizard/dlwizard [--runs 5] [--json OUT.json]

Each run launches ``APP --self-test --startup --out FILE.json`` (offscreen Qt, a temporary
settings folder): the app opens the MainWindow exactly as ``dlwizard`` does, records the time
the first show event was processed, and exits. The time is measured from just before the
launch, so it includes the bootloader unpacking nothing (one-folder app), the interpreter,
the imports and the window.

The first run is "cold": the bundle's files are first dropped from the page cache
(``posix_fadvise(DONTNEED)`` on each file of the bundle only; no root needed, nothing else on the
machine is touched), so the shared libraries are read from disk as on a first start after a
reboot. The following runs are warm; their median is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def drop_from_page_cache(folder: Path) -> int:
    """Ask the kernel to forget the cached pages of every file under ``folder``."""
    if not hasattr(os, "posix_fadvise"):
        return 0
    dropped = 0
    for path in folder.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)  # only clean pages can be dropped
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            dropped += 1
        except OSError:
            pass
        finally:
            os.close(fd)
    return dropped


def launch(app: Path, home: Path) -> dict:
    out = home / f"startup-{time.monotonic_ns()}.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DLWIZARD_HOME=str(home))
    launched = time.time()
    done = subprocess.run(
        [str(app), "--self-test", "--startup", "--out", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    ended = time.time()
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"the app failed to start (exit {done.returncode}):\n{done.stderr}")
    doc = json.loads(out.read_text("utf-8"))
    return {
        "to_first_window": doc["shown_at"] - launched,
        "process_exit": ended - launched,
        "stages": doc["stages"],
        "heavy_modules_at_first_show": doc["heavy_modules_at_first_show"],
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("app", type=Path, help="the frozen executable (dist/dlwizard/dlwizard)")
    p.add_argument("--runs", type=int, default=5, help="warm runs after the cold one")
    p.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = p.parse_args()
    app = args.app.resolve()
    with tempfile.TemporaryDirectory(prefix="dlwizard-startup-") as tmp:
        files = drop_from_page_cache(app.parent)
        cold = launch(app, Path(tmp))
        warm = [launch(app, Path(tmp)) for _ in range(args.runs)]
    warm_times = [r["to_first_window"] for r in warm]
    result = {
        "app": str(app),
        "cold_seconds": round(cold["to_first_window"], 3),
        "cold_files_dropped_from_cache": files,
        "warm_median_seconds": round(statistics.median(warm_times), 3),
        "warm_seconds": [round(t, 3) for t in warm_times],
        "cold_stages": cold["stages"],
        "heavy_modules_at_first_show": cold["heavy_modules_at_first_show"],
    }
    print(
        f"frozen app, launch -> first window shown: cold {result['cold_seconds']:.2f} s "
        f"(page cache dropped for {files} files), warm median "
        f"{result['warm_median_seconds']:.2f} s [{', '.join(f'{t:.2f}' for t in warm_times)}]"
    )
    heavy = result["heavy_modules_at_first_show"]
    print(f"heavy modules imported at first show: {', '.join(heavy) if heavy else 'none'}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
