"""Does the window stay responsive while a long step runs in the background? On the demo study
(569 rows x 30 features, split), a 5 ms timer probe records the longest gap between its ticks
while the baselines page tunes (3 trials per family, 2 shuffled-label runs), from the click
until the job has ended and its results have been shown for half a second; the same probe on an
idle event loop, for as long, gives the floor (the ratio is stall / idle stall). Then the same
for the explore page: entering it (it recomputes the saved map in the background) and pressing
Explore the data. Target: every stall under 100 ms.

Each stall is split by when it began: while the worker ran, or after the job ended (the GUI
thread showing the results). A watchdog thread notes where every thread is while the probe is
more than 50 ms late ("not sampled" means it could not run either: the GUI thread held the
GIL). For a stall above target the run is repeated under cProfile (GUI thread only) to name
the GUI-thread code behind it.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
TARGET_S = 0.100
LATE_S = 0.050
SETTLE_S = 0.5  # after the job: results filled in, plots drawn and painted


def stack_of(thread_id: int, depth: int = 4) -> str:
    """The innermost frames of a thread's stack, as text. Only code locations are read and the
    frames are let go at once: a frame kept alive here could outlive its function and then free
    a Qt object in this (wrong) thread."""
    frame = sys._current_frames().get(thread_id)
    where = []
    while frame is not None and len(where) < depth:
        code = frame.f_code
        where.append(f"{os.path.basename(code.co_filename)}:{frame.f_lineno} {code.co_name}")
        frame = frame.f_back
    del frame
    return " < ".join(where) if where else "(no Python code)"


class StallProbe:
    """Longest gaps between ticks of a 5 ms timer in the GUI thread, split by whether the job
    was still running when the gap began."""

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
        self.worst = {"running": 0.0, "after": 0.0}
        self.worst_at: dict[str, tuple[float, str]] = {}
        self.samples: dict[float, str] = {}  # a late episode (its start) -> the last look

    def _phase(self) -> str:
        job = self.window.job
        return (job._worker.job.message or "running") if job is not None else "after"

    def _tick(self) -> None:
        now = time.perf_counter()
        kind = "after" if self.phase == "after" else "running"
        if now - self.last > self.worst[kind]:
            self.worst[kind] = now - self.last
            self.worst_at[kind] = (self.last, self.phase)
        self.last = now
        self.phase = self._phase()

    def _watch(self) -> None:
        while self._watching:
            time.sleep(0.01)
            start = self.last
            if time.perf_counter() - start < LATE_S:
                continue
            lines = [f"GUI thread: {stack_of(self.gui_id)}"]
            lines += [
                f"{t.name}: {stack_of(t.ident)}"
                for t in threading.enumerate()
                if t.ident not in (self.gui_id, threading.get_ident())
            ]
            late = (time.perf_counter() - start) * 1000
            self.samples[start] = f"at {late:.0f} ms: " + "; ".join(lines)

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
        """The longest stall of each kind from the last run (call before the next one)."""
        lines = []
        for kind, label in (("running", "while the worker ran"), ("after", "after the job")):
            if kind not in self.worst_at:
                continue
            gap = self.worst[kind]
            start, phase = self.worst_at[kind]
            where = f"began during '{phase}'" if kind == "running" else "showing the results"
            line = f"    {label}: {gap * 1000:.0f} ms ({where})"
            if gap >= TARGET_S:
                seen = self.samples.get(start, "not sampled: the GUI thread held the GIL")
                line += f"\n      watchdog {seen}"
            lines.append(line)
        return lines


def gui_profile(probe: StallProbe, action, done, top: int = 8) -> list[str]:
    """Repeat a measurement under cProfile (GUI thread only) and name the slowest app code."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    probe.run(action, done)
    prof.disable()
    stats = pstats.Stats(prof).stats
    rows = []
    for (path, line, name), (_, calls, _, cum, _) in stats.items():
        if ("dlwizard" in path and "benchmarks" not in path) or name == "paintEvent":
            where = f"{path.split('site-packages/')[-1].split('/main/')[-1]}:{line} {name}"
            rows.append((cum, calls, where))
    rows.sort(reverse=True)
    return [
        f"      {cum * 1000:6.0f} ms in {calls} call(s): {where}"
        for cum, calls, where in rows[:top]
    ]


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
        probe = StallProbe(app, window)
        out: list[str] = []
        slow: list[tuple[str, object, object]] = []

        def measure(title: str, action, done) -> None:
            secs = probe.run(action, done)
            worst = max(probe.worst.values())
            lines = probe.report()
            idle = probe.idle(secs)
            out.append(
                f"  {title} ({secs:.1f} s): longest stall {worst * 1000:.0f} ms; idle loop for "
                f"as long: {idle * 1000:.0f} ms; ratio {worst / idle:.1f}"
            )
            out.extend(lines)
            if worst >= TARGET_S:
                slow.append((title, action, done))

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
            f"baselines page tuning {len(page.family_checks)} families x 3 trials, "
            "2 shuffled-label runs",
            tune,
            lambda: window.job is None,
        )
        # -- explore --------------------------------------------------------------------------
        explore = window.pages[3]
        drawn = lambda: window.job is None and explore._drawing is None  # noqa: E731
        measure(
            "entering the explore page (the saved map recomputed)", lambda: window.go_to(3), drawn
        )

        def run_explore() -> None:
            explore.run_button.click()
            assert window.job is not None, "the explore job did not start"

        measure("explore page computing and drawing", run_explore, drawn)

        profiles = []
        for title, action, done in slow:
            if title.startswith("entering"):
                window.go_to(4)
                explore.view = None  # so entering recomputes the map again
                app.processEvents()
            profiles.append(f"  {title}, repeated under cProfile (GUI thread, cumulative):")
            profiles.extend(gui_profile(probe, action, done))
        window.project.dirty = False
        window.close()

    print("Longest event-loop stall (5 ms timer probe) on the demo study, 569 x 30:")
    print("\n".join(out))
    verdict = "NOT met" if slow else "met"
    print(f"  target: every stall under {TARGET_S * 1000:.0f} ms ({verdict})")
    if profiles:
        print("\n".join(profiles))


if __name__ == "__main__":
    main()
