"""Run a plain step function in a worker thread, with progress, partial results and cancel.

A step is a plain function that takes a :class:`dlwizard.jobs.Job` (``fn(*args, job=job)``). It
runs in a superqt worker (:class:`JobWorker`, a ``FunctionWorker`` on Qt's global thread pool)
whose signals reach the GUI thread:

- ``yielded(Partial)``: the job's progress and any partial results (live-curve points), batched
  in the worker and throttled there (at most one batch per :data:`PROGRESS_INTERVAL_S` for
  progress, per the caller's interval for partial results), so the event loop is never flooded;
- ``returned(result)``: the function finished;
- ``errored(exc)``: it raised; the traceback text is in ``worker.traceback_text``;
- ``finished``: always last; a worker that finished without ``returned`` or ``errored`` was
  cancelled.

Cancel sets the job's flag: the function stops with :class:`~dlwizard.errors.Cancelled` at its
next progress report or check, and that is reported as cancelled. A step may also catch it and
return what it finished (the baselines keep the families tuned before Cancel, marked cancelled):
that result is returned like any other.
"""

from __future__ import annotations

import threading
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QThreadPool, Signal
from superqt.utils import FunctionWorker, create_worker
from superqt.utils._qthreading import WorkerBaseSignals

from dlwizard.errors import Cancelled
from dlwizard.jobs import Job

PROGRESS_INTERVAL_S = 0.05  # at most 20 progress updates a second reach the GUI
WAIT_MS = 5000  # cancel_all: the longest wait for the workers to stop

_ACTIVE: set[JobWorker] = set()


@dataclass(frozen=True)
class Partial:
    """What a worker sends while it runs: its progress (``(fraction, message)``, None when
    unchanged) and the partial results given to its ``partial`` callback since the last batch,
    in order."""

    progress: tuple[float, str] | None
    items: tuple[Any, ...] = ()


class JobSignals(WorkerBaseSignals):
    yielded = Signal(object)  # a Partial


class _Throttle:
    """Worker side: collects progress and partial results, and emits them as one
    :class:`Partial` when an interval has passed (or at the end). Called from the worker thread,
    or from a helper thread of its (``run_interruptible``), hence the lock."""

    def __init__(self, emit: Callable[[Partial], None], partial_interval_s: float) -> None:
        self._emit = emit
        self._partial_interval = partial_interval_s
        self._lock = threading.Lock()
        self._fraction, self._message = 0.0, ""
        self._progress_due = False
        self._items: list[Any] = []
        self._last_progress = self._last_items = 0.0

    def progress(self, fraction: float, message: str) -> None:
        with self._lock:
            self._fraction, self._message, self._progress_due = fraction, message, True
            self._send(force=fraction >= 1.0)

    def partial(self, item: Any) -> None:
        with self._lock:
            self._items.append(item)
            self._send()

    def flush(self) -> None:
        with self._lock:
            self._send(force=True)

    def _send(self, force: bool = False) -> None:
        now = time.monotonic()
        progress = self._progress_due and (
            force or now - self._last_progress >= PROGRESS_INTERVAL_S
        )
        items = bool(self._items) and (force or now - self._last_items >= self._partial_interval)
        if not (progress or items):
            return
        # Progress rides along with every batch; partial results only when theirs is due, so
        # the curves are redrawn at most once per partial interval.
        sent = (self._fraction, self._message) if self._progress_due else None
        if self._progress_due:
            self._last_progress, self._progress_due = now, False
        batch: tuple[Any, ...] = ()
        if items:
            self._last_items, batch, self._items = now, tuple(self._items), []
        self._emit(Partial(sent, batch))


class JobWorker(FunctionWorker):
    """A superqt ``FunctionWorker`` that runs ``fn(*args, job=Job, **kwargs)``, and with
    ``partial_interval_s`` also passes ``partial=callback`` (each item given to it reaches the
    GUI in a :class:`Partial`)."""

    def __init__(
        self,
        fn: Callable[..., Any],
        *args: Any,
        partial_interval_s: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(fn, *args, **kwargs)
        self.signals = JobSignals()
        self._throttle = _Throttle(self.signals.yielded.emit, partial_interval_s or 0.0)
        self.job = Job(self._throttle.progress)
        self._kwargs["job"] = self.job
        if partial_interval_s is not None:
            self._kwargs["partial"] = self._throttle.partial
        self.traceback_text = ""
        self.ended = False  # set in the worker thread once the function is over

    def cancel(self) -> None:
        self.job.cancel()

    def work(self) -> Any:
        try:
            return super().work()
        except Cancelled:
            self.quit()  # superqt's abort: run() then emits no `returned`
            return None
        except Exception:
            self.traceback_text = traceback.format_exc()
            raise
        finally:
            self._throttle.flush()

    def run(self) -> None:
        """superqt's ``WorkerBase.run`` without its warnings capture. superqt wraps the whole job
        in ``warnings.catch_warnings()`` with an "always" filter and a ``showwarning`` that
        emits ``warned``: that state is process-wide, not per thread, so a ``catch_warnings``
        in the GUI thread (pandas, pyqtgraph) that interleaves with a job leaves superqt's
        filter and ``showwarning`` installed after the job ended, and every later warning goes
        to a finished worker (checked: such a warning is no longer printed). The steps manage
        their own warnings; nothing here listens to ``warned``."""
        self.started.emit()
        self._running = True
        try:
            result = self.work()
            if not self.abort_requested:
                self.returned.emit(result)
        except Exception as exc:
            self.errored.emit(exc)
        finally:
            self._running = False
            self.ended = True
        self.finished.emit()
        self._finished.emit(self)


def start_job(
    fn: Callable[..., Any],
    *args: Any,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException, str], None],
    on_cancel: Callable[[], None],
    on_partial: Callable[[Partial], None],
    partial_interval_s: float | None = None,
    **kwargs: Any,
) -> JobWorker:
    """Start ``fn`` in a :class:`JobWorker`; exactly one of ``on_done``, ``on_error`` and
    ``on_cancel`` is called, in the GUI thread, when it is over (a :class:`Cancelled` raised
    by the function counts as cancelled, never as an error)."""
    # The callbacks hold the worker weakly: its signals hold them, and a cycle through Qt's
    # connections would keep the worker (and its arguments) alive for good.
    outcome: list[str] = []

    def returned(result: Any) -> None:
        outcome.append("done")
        on_done(result)

    def errored(exc: BaseException) -> None:
        outcome.append("failed")
        alive = ref()
        on_error(exc, alive.traceback_text if alive is not None else "")

    def finished() -> None:
        _ACTIVE.discard(ref())
        if not outcome:
            on_cancel()

    worker = create_worker(
        fn,
        *args,
        _worker_class=JobWorker,
        _start_thread=False,
        _connect={"yielded": on_partial, "returned": returned, "errored": errored},
        partial_interval_s=partial_interval_s,
        **kwargs,
    )
    ref = weakref.ref(worker)
    worker.finished.connect(finished)
    _ACTIVE.add(worker)
    worker.start()
    return worker


def active_jobs() -> list[JobWorker]:
    """The workers started and not yet finished (as seen from the GUI thread)."""
    return list(_ACTIVE)


def cancel_all(wait_ms: int = WAIT_MS) -> None:
    """Cancel every running job and wait for the thread pool (used when the window closes).
    A worker still running after ``wait_ms`` stays in :func:`active_jobs`."""
    for worker in list(_ACTIVE):
        worker.cancel()
    QThreadPool.globalInstance().waitForDone(wait_ms)
    for worker in list(_ACTIVE):
        if worker.ended:
            _ACTIVE.discard(worker)
