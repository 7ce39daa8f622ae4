"""Render every wizard page of a project to PNG, at the sizes users have, to look at them.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/render_pages.py PROJECT.dlwiz \
        --out out/screens [--sizes 1280x800,1024x640] [--pages baselines,interpret]

Without a project it renders the demo study run through interpretation (about a minute).
Each page is entered as a user would (its on_enter jobs run to the end) before it is grabbed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _wait_idle(app, window, seconds: float = 120.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        if window.job is None:
            for _ in range(20):  # let queued redraws (later passes) finish
                app.processEvents()
                time.sleep(0.01)
            if window.job is None:
                return
        time.sleep(0.02)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", nargs="?", help="a .dlwiz file (default: the demo study)")
    ap.add_argument("--out", default="out/screens", help="folder for the PNG files")
    ap.add_argument("--sizes", default="1280x800,1024x640", help="window sizes, WxH,WxH")
    ap.add_argument("--pages", default="", help="page steps to render (default: all)")
    args = ap.parse_args(argv)

    from dlwizard.gui.app import create_app
    from dlwizard.gui.main_window import MainWindow
    from dlwizard.study import container

    if args.project:
        project = container.load(args.project)
    else:
        from dlwizard.demo import demo_project

        project = demo_project(through="interpret")
    app = create_app()
    window = MainWindow(project)
    window.project.dirty = False
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    wanted = {p for p in args.pages.split(",") if p}
    window.show()
    for size in args.sizes.split(","):
        w, h = (int(v) for v in size.lower().split("x"))
        window.resize(w, h)
        _wait_idle(app, window)
        for i, page in enumerate(window.pages):
            if wanted and page.step not in wanted:
                continue
            window.go_to(i)
            _wait_idle(app, window)
            path = out / f"{i + 1:02d}-{page.step}-{w}x{h}.png"
            window.grab().save(str(path))
            print(path)
    window.project.dirty = False
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
