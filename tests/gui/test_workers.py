"""The superqt workers that run the steps: throttled progress and partial results, Cancel within
a second and reported as cancelled, errors with their traceback, and no worker left behind."""

from __future__ import annotations

import threading
import time
import warnings

import pytest

pytest.importorskip("PySide6")

from dlwizard.errors import Cancelled
from dlwizard.gui import workers

pytestmark = pytest.mark.gui


class Outcome:
    """What a job's callbacks received, and in which thread."""

    def __init__(self) -> None:
        self.done: list = []
        self.errors: list[tuple[BaseException, str]] = []
        self.cancelled = 0
        self.batches: list[workers.Partial] = []
        self.threads: set[str] = set()

    def start(self, fn, *args, **kwargs) -> workers.JobWorker:
        def seen(record):
            def callback(*a):
                self.threads.add(threading.current_thread().name)
                record(*a)

            return callback

        return workers.start_job(
            fn,
            *args,
            on_done=seen(self.done.append),
            on_error=seen(lambda exc, tb: self.errors.append((exc, tb))),
            on_cancel=seen(lambda: setattr(self, "cancelled", self.cancelled + 1)),
            on_partial=seen(self.batches.append),
            **kwargs,
        )

    @property
    def over(self) -> bool:
        return bool(self.done or self.errors or self.cancelled)


def _wait(qtbot, outcome: Outcome, timeout: int = 10_000) -> None:
    qtbot.waitUntil(lambda: outcome.over and not workers.active_jobs(), timeout=timeout)


def test_progress_and_partial_results_are_batched_and_throttled(qtbot):
    def fn(job, partial):
        for i in range(1000):
            job.progress(i / 1000, f"epoch {i}")
            partial(i)
            time.sleep(0.0005)
        job.progress(1.0, "done")
        return "result"

    outcome = Outcome()
    t0 = time.monotonic()
    outcome.start(fn, partial_interval_s=0.066)
    _wait(qtbot, outcome)
    elapsed = time.monotonic() - t0
    assert outcome.done == ["result"] and not outcome.errors and not outcome.cancelled
    assert outcome.threads == {threading.main_thread().name}
    items = [item for b in outcome.batches for item in b.items]
    assert items == list(range(1000))  # every point, in order, none twice
    with_items = [b for b in outcome.batches if b.items]
    progress_only = [b for b in outcome.batches if not b.items]
    assert len(with_items) <= elapsed / 0.066 + 2  # ~15 redraws a second at most
    assert len(progress_only) <= elapsed / workers.PROGRESS_INTERVAL_S + 2  # 20 updates
    assert len(outcome.batches) < 1000 / 10  # never one event per report
    progress = [b.progress for b in outcome.batches if b.progress is not None]
    assert progress[-1] == (1.0, "done")  # the end always arrives


def test_a_message_just_before_a_long_call_is_shown_during_it(qtbot):
    """Two messages in quick succession: the throttle holds the second back. When a long
    library call follows (run in ``run_interruptible``), the user must still read the second
    one while the call runs, not the stale first one."""
    from dlwizard.jobs import run_interruptible

    shown = threading.Event()

    def fn(job):
        job.progress(0.2, "Principal components")
        job.progress(0.3, "t-SNE (this can take a minute)")  # within the throttle's interval
        run_interruptible(lambda: shown.wait(5), job)
        return "result"

    outcome = Outcome()
    outcome.start(fn)

    def seen() -> bool:
        messages = [b.progress[1] for b in outcome.batches if b.progress is not None]
        return "t-SNE (this can take a minute)" in messages

    qtbot.waitUntil(seen, timeout=2000)
    assert not outcome.over  # seen while the long call was still running
    shown.set()
    _wait(qtbot, outcome)
    assert outcome.done == ["result"]


def test_cancel_answers_within_a_second_and_is_not_an_error(qtbot):
    started = threading.Event()

    def fn(job):
        started.set()
        while True:
            job.progress(0.5, "working")
            time.sleep(0.01)

    outcome = Outcome()
    worker = outcome.start(fn)
    assert started.wait(5)
    t0 = time.monotonic()
    worker.cancel()
    _wait(qtbot, outcome, timeout=1000)
    assert time.monotonic() - t0 < 1.0
    assert outcome.cancelled == 1 and not outcome.done and not outcome.errors


def test_a_cancelled_raised_by_the_step_counts_as_cancelled(qtbot):
    def fn(job):
        raise Cancelled()

    outcome = Outcome()
    outcome.start(fn)
    _wait(qtbot, outcome)
    assert outcome.cancelled == 1 and not outcome.errors


def test_a_step_that_stops_on_its_own_terms_returns_what_it_finished(qtbot):
    """The baselines catch Cancelled and return the families tuned so far: a result."""

    def fn(job):
        done = []
        try:
            for i in range(1000):
                job.progress(i / 1000)
                done.append(i)
                time.sleep(0.01)
        except Cancelled:
            return ("cancelled early", done)
        return ("finished", done)

    outcome = Outcome()
    worker = outcome.start(fn)
    time.sleep(0.1)
    worker.cancel()
    _wait(qtbot, outcome)
    [(state, done)] = outcome.done
    assert state == "cancelled early" and 0 < len(done) < 1000 and not outcome.cancelled


def test_an_error_carries_its_traceback(qtbot):
    def broken_step(job):
        raise ValueError("it went wrong")

    outcome = Outcome()
    outcome.start(broken_step)
    _wait(qtbot, outcome)
    [(exc, tb)] = outcome.errors
    assert isinstance(exc, ValueError) and not outcome.cancelled
    assert "broken_step" in tb and "ValueError: it went wrong" in tb


def test_cancel_all_waits_and_a_worker_that_does_not_stop_stays_listed(qtbot):
    gate = threading.Event()

    def stubborn(job):
        gate.wait(10)  # never reports progress, so never sees the cancel

    def polite(job):
        while True:
            job.progress(0.1)
            time.sleep(0.01)

    first, second = Outcome(), Outcome()
    first.start(polite)
    stuck = second.start(stubborn)
    time.sleep(0.1)
    workers.cancel_all(wait_ms=300)
    assert workers.active_jobs() == [stuck]  # what the window fixture asserts empty
    gate.set()
    workers.cancel_all()
    assert not workers.active_jobs()
    qtbot.waitUntil(lambda: first.cancelled and second.done == [None], timeout=5000)


def test_a_job_leaves_the_warnings_machinery_as_it_was(qtbot):
    """superqt's own WorkerBase.run swaps the process-wide warning filters and showwarning for
    the whole job; interleaved with a catch_warnings in the GUI thread that left them changed
    after the job (JobWorker.run does not do that)."""
    before = (warnings.showwarning, list(warnings.filters))
    inside = threading.Event()
    gate = threading.Event()

    def fn(job):
        inside.set()
        gate.wait(5)
        warnings.warn("from the step", UserWarning, stacklevel=1)

    outcome = Outcome()
    outcome.start(fn)
    assert inside.wait(5)
    with warnings.catch_warnings():  # e.g. pandas in the GUI thread, while the job ends
        warnings.simplefilter("ignore")
        gate.set()
        qtbot.waitUntil(lambda: outcome.over, timeout=5000)
    _wait(qtbot, outcome)
    assert (warnings.showwarning, list(warnings.filters)) == before
