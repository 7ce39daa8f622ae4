"""Does the window stay responsive while a long step runs in the background? On the demo study
(569 rows x 30 features, split), a 5 ms timer probe records the longest gap between its ticks
while the baselines page tunes (3 trials per family, 2 shuffled-label runs), from the click
until the job has ended and its results have been shown for half a second; the same probe on an
idle event loop, for as long, gives the floor (the ratio is stall / idle stall). Then the same
for the explore page: entering it (it recomputes the saved map in the background) and pressing
Explore the data; the networks page; then freezing the final model, opening the test set and
computing the permutation importances. Target (issue 16): every stall under 50 ms.

The longest stall is given twice: while the worker was running, and at the job's end (the GUI
thread taking the result and showing it). A watchdog thread samples the GUI thread's Python
stack every 2 ms while the probe is late and names the code behind a stall: the innermost
dlwizard frames, "Qt" when no Python code was running (layout, painting), or "not sampled" when
the watchdog could not run either (something held the GIL); for every stall of 50 ms or more.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from collections import Counter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
TARGET_S = 0.050
SAMPLE_AFTER_S = 0.020  # the watchdog samples while the probe is this late
SETTLE_S = 0.5  # after the job: results filled in, plots drawn and painted


def gui_code(thread_id: int, depth: int = 40) -> str:
    """Where a thread is, as the innermost two dlwizard frames (or the innermost frame, or "Qt"
    when no Python code below the event loop runs). Only code locations are read and the frames
    are let go at once: a frame kept alive here could outlive its function and then free a Qt
    object in this (wrong) thread."""
    frame = sys._current_frames().get(thread_id)
    frames = []
    while frame is not None and len(frames) < depth:
        code = frame.f_code
        frames.append((code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
    del frame
    inner = []
    for path, line, name in frames:
        if path == __file__:
            break  # the probe's own event loop: what is below it is the app's
        inner.append((path, line, name))
    if not inner:
        return "Qt (no Python code: layout, painting, events)"
    ours = [f for f in inner if f"{os.sep}dlwizard{os.sep}" in f[0]] or inner[:1]
    return " < ".join(f"{os.path.basename(p)}:{n} {name}" for p, n, name in ours[:2])


class StallProbe:
    """Longest gaps between ticks of a 5 ms timer in the GUI thread: while a job runs, and over
    its end."""

    def __init__(self, app, window) -> None:
        from PySide6.QtCore import QEventLoop, Qt, QTimer

        self.app, self.window = app, window
        self.gui_id = threading.get_ident()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.poll = QTimer()
        self.poll.setInterval(20)
        self.poll.timeout.connect(self._check)
        self.loop = QEventLoop()
        self._watching = False
        self._reset()

    def _reset(self) -> None:
        self.last = time.perf_counter()
        self.phase = "idle"
        self.worst = {"running": 0.0, "end": 0.0}
        self.worst_at: dict[str, tuple[float, str]] = {}
        self.samples: dict[float, Counter[str]] = {}  # a late episode (its start) -> stacks

    def _phase(self) -> str:
        job = self.window.job
        return (job.job.message or "running") if job is not None else "no job"

    def _tick(self) -> None:
        now = time.perf_counter()
        phase = self._phase()
        # A gap over which the job ended belongs to the end (the result being shown).
        kind = "end" if phase == "no job" else "running"
        if now - self.last > self.worst[kind]:
            self.worst[kind] = now - self.last
            self.worst_at[kind] = (self.last, self.phase)
        self.last, self.phase = now, phase

    def _watch(self) -> None:
        while self._watching:
            time.sleep(0.002)
            start = self.last
            if time.perf_counter() - start >= SAMPLE_AFTER_S:
                self.samples.setdefault(start, Counter())[gui_code(self.gui_id)] += 1

    def _check(self) -> None:
        now = time.perf_counter()
        if now - self._t_start > self._limit_s:
            self.loop.quit()
        elif not self._done():
            self._done_at = None
        elif self._done_at is None:
            self._done_at = now
        elif now - self._done_at >= self._settle_s:
            self.loop.quit()

    def run(self, action, done, settle_s: float = SETTLE_S, limit_s: float = 300.0) -> float:
        """Start the probe, call ``action``, and run the event loop until ``done()`` has held
        for ``settle_s``. Returns the seconds taken."""
        self._done, self._settle_s, self._limit_s, self._done_at = done, settle_s, limit_s, None
        self.timer.start()
        self.app.processEvents()
        self._reset()
        self.phase = self._phase()
        self._watching = True
        watchdog = threading.Thread(target=self._watch, name="stall-watchdog", daemon=True)
        watchdog.start()
        self._t_start = time.perf_counter()
        action()
        self.poll.start()
        self.loop.exec()
        self.poll.stop()
        self.timer.stop()
        self._watching = False
        watchdog.join()
        return time.perf_counter() - self._t_start

    def idle(self, seconds: float) -> float:
        """The longest gap on an idle event loop over ``seconds``."""
        end = time.perf_counter() + seconds
        self.run(lambda: None, lambda: time.perf_counter() >= end, settle_s=0.0)
        return max(self.worst.values())

    def report(self) -> list[str]:
        """The longest stall of each kind in the last run (call it before the next run)."""
        lines = []
        for kind in ("running", "end"):
            if kind not in self.worst_at:
                continue
            gap = self.worst[kind]
            start, phase = self.worst_at[kind]
            if kind == "end":
                label = "at the job's end (the result taken and shown)"
            elif phase in ("no job", "idle"):
                label = "as the job started (the click, the page)"
            else:
                label = f"while the worker ran (at '{phase}')"
            lines.append(f"    {label}: {gap * 1000:.0f} ms")
            if gap < TARGET_S / 2:
                continue
            seen = self.samples.get(start)
            if not seen:
                lines.append("      GUI thread not sampled: something held the GIL")
                continue
            total = sum(seen.values())
            for where, n in seen.most_common(3):
                lines.append(f"      {n / total:4.0%} of GUI-thread samples in {where}")
        return lines


def main() -> None:
    from dlwizard.demo import demo_project
    from dlwizard.gui.app import create_app

    with tempfile.TemporaryDirectory() as home:
        os.environ["DLWIZARD_HOME"] = home  # no settings or recovery copies in the real home
        app = create_app()
        from dlwizard.gui.main_window import MainWindow

        window = MainWindow(demo_project(through="split"))
        window.autosave_timer.stop()
        window.resize(1200, 850)
        window.show()
        app.processEvents()
        window._import_job_runner()  # as the window does itself, just after it is shown
        probe = StallProbe(app, window)
        out: list[str] = []
        worst_all = 0.0

        def measure(title: str, action, done) -> None:
            nonlocal worst_all
            secs = probe.run(action, done)
            worst = max(probe.worst.values())
            lines = probe.report()
            idle = probe.idle(secs)
            worst_all = max(worst_all, worst)
            out.append(
                f"  {title} ({secs:.1f} s): longest stall {worst * 1000:.0f} ms; idle loop for "
                f"as long: {idle * 1000:.0f} ms; ratio {worst / idle:.1f}"
            )
            out.extend(lines)

        # -- baselines ------------------------------------------------------------------------
        window.go_to(5)
        page = window.pages[5]
        page.trials_box.setValue(3)
        page.perm_box.setValue(2)
        app.processEvents()

        def tune() -> None:
            page.run_button.click()
            assert window.job is not None, "the baselines job did not start"

        measure(
            f"baselines page, {len(page.family_checks)} families x 3 trials + 2 shuffled-label "
            "runs",
            tune,
            lambda: window.job is None,
        )
        # -- explore --------------------------------------------------------------------------
        explore = window.pages[3]

        def drawn() -> bool:
            return window.job is None and explore._drawing is None

        measure(
            "entering the explore page (the saved map recomputed)", lambda: window.go_to(3), drawn
        )

        def run_explore() -> None:
            explore.run_button.click()
            assert window.job is not None, "the explore job did not start"

        measure("explore page, Explore the data", run_explore, drawn)
        # -- networks (after the baselines above) ------------------------------------------------
        window.go_to(6)
        nets_page = window.pages[6]
        nets_page.rung_checks["resmlp"].setChecked(False)
        nets_page.epochs_box.setValue(40)
        nets_page.seeds_box.setValue(2)
        app.processEvents()

        def train() -> None:
            nets_page.run_button.click()
            assert window.job is not None, "the networks job did not start"

        measure("networks page, 2 rungs x 3 trials, live curves", train, lambda: window.job is None)
        # -- compare, test, interpret ------------------------------------------------------------
        window.ask.confirm = lambda title, text: True  # the one-look confirmation, answered
        idle = lambda: window.job is None  # noqa: E731
        step = {p.step: i for i, p in enumerate(window.pages)}
        window.go_to(step["compare"])
        probe.idle(1.0)  # a user reads the comparison before freezing
        measure(
            "compare page, freezing the recommended model",
            window.pages[step["compare"]].freeze,
            idle,
        )
        window.go_to(step["test"])
        measure("test page, opening the test set", window.pages[step["test"]].open_test, idle)
        window.go_to(step["interpret"])
        interp = window.pages[step["interpret"]]
        interp.repeats.setValue(20)
        measure(
            "interpret page, permutation importance (20 repeats) and panel",
            interp.run_interpret,
            idle,
        )
        window.project.dirty = False
        window.close()

    print("Longest event-loop stall (5 ms timer probe), demo study 569 x 30, offscreen:")
    print("\n".join(out))
    verdict = "met" if worst_all < TARGET_S else "NOT met"
    print(f"  target: every stall under {TARGET_S * 1000:.0f} ms ({verdict})")


if __name__ == "__main__":
    main()
