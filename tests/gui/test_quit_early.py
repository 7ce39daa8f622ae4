"""Quitting right after opening Baselines or Networks, while torch is still being imported in
the background, exits cleanly: no traceback (issue 12: "can't register atexit after shutdown").

Each case runs in a fresh interpreter: torch must not be imported yet, and what matters is what
that interpreter prints while it shuts down. A slow exit hook stands for the application's own
teardown (Qt, plots, garbage collection), which is what leaves the import running while Python
shuts down; without the fix this printed the traceback every time.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torch")

from tests.conftest import ROOT

pytestmark = pytest.mark.gui

SLOW_TEARDOWN = "import atexit, time\natexit.register(time.sleep, 3)\n"


def _run(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _assert_clean(done: subprocess.CompletedProcess) -> None:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "Exception ignored" not in done.stderr, done.stderr
    assert "can't register atexit" not in done.stderr, done.stderr


def test_exit_while_torch_is_still_importing_prints_nothing():
    done = _run(
        SLOW_TEARDOWN
        + textwrap.dedent(
            """
            import sys, time
            from dlwizard.gui.app import preload_in_background
            assert "torch" not in sys.modules
            preload_in_background("torch")
            time.sleep(0.05)
            assert "torch.nn" not in sys.modules  # still importing when the script ends
            """
        )
    )
    _assert_clean(done)


@pytest.mark.parametrize("step", ["baselines", "networks"])
def test_quit_a_second_after_opening_the_page(step):
    done = _run(
        SLOW_TEARDOWN
        + textwrap.dedent(
            f"""
            import sys
            from PySide6.QtCore import QTimer
            from dlwizard.gui.app import create_app
            from dlwizard.gui.main_window import MainWindow

            app = create_app()
            window = MainWindow()
            window.show()
            page = next(i for i, p in enumerate(window.pages) if p.step == "{step}")
            window.go_to(page)
            from dlwizard.gui import app as gui_app
            assert "torch" in gui_app._PRELOADS  # entering the page started the import

            def quit_now():
                window.project.dirty = False
                window.close()
                app.quit()

            QTimer.singleShot(300, quit_now)
            sys.exit(app.exec())
            """
        )
    )
    _assert_clean(done)
