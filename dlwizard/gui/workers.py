"""Run a plain step function in a worker thread, with progress and cancel.

The function receives a :class:`dlwizard.jobs.Job`; its progress reports arrive in the GUI thread
as signals, throttled so the event loop is never flooded. Cancel sets the job's flag, and the
function stops at its next progress report.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from dlwizard.errors import Cancelled
from dlwizard.jobs import Job

_ACTIVE: set[JobRunner] = set()
PROGRESS_INTERVAL_S = 0.05  # at most 20 progress updates a second reach the GUI


class _Worker(QObject):
    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()

    def __init__(self, fn: Callable[..., Any], job: Job, args, kwargs) -> None:
        super().__init__()
        self.fn, self.job, self.args, self.kwargs = fn, job, args, kwargs
        self._last = 0.0

    def report(self, fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_INTERVAL_S or fraction >= 1.0:
            self._last = now
            self.progress.emit(fraction, message)

    @Slot()
    def run(self) -> None:
        try:
            result = self.fn(*self.args, job=self.job, **self.kwargs)
        except Cancelled:
            self.cancelled.emit()
        except Exception as exc:
            self.failed.emit(exc, traceback.format_exc())
        else:
            self.done.emit(result)


class JobRunner(QObject):
    """One background job. Keep a reference until ``finished`` fires (the registry does)."""

    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(object, str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.started_at = time.monotonic()
        self._worker = _Worker(fn, Job(), args, kwargs)
        self._worker.job._on_progress = self._worker.report
        self._thread = QThread()
        self._thread.setObjectName(f"dlwizard-{getattr(fn, '__name__', 'job')}")
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.done.connect(self._on_done)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)

    def start(self) -> JobRunner:
        _ACTIVE.add(self)
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._worker.job.cancel()

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    def _finish(self) -> None:
        self._thread.quit()
        self._thread.wait()
        _ACTIVE.discard(self)
        self.finished.emit()

    def _on_done(self, result: object) -> None:
        self._finish()
        self.done.emit(result)

    def _on_failed(self, exc: object, tb: str) -> None:
        self._finish()
        self.failed.emit(exc, tb)

    def _on_cancelled(self) -> None:
        self._finish()
        self.cancelled.emit()


def active_jobs() -> list[JobRunner]:
    return list(_ACTIVE)


def cancel_all(wait_ms: int = 5000) -> None:
    """Cancel every running job and wait for its thread (used when the window closes)."""
    for runner in list(_ACTIVE):
        runner.cancel()
    for runner in list(_ACTIVE):
        runner._thread.quit()
        runner._thread.wait(wait_ms)
        _ACTIVE.discard(runner)
