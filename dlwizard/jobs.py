"""Progress and cancellation for long work, without threads or Qt.

A long step is a plain function that takes a :class:`Job`. It calls ``job.progress(...)`` now and
then; that call raises :class:`~dlwizard.errors.Cancelled` once the user has pressed Cancel, so a
step stops at its next progress report. The GUI runs such functions in a worker thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from dlwizard.errors import Cancelled

ProgressCallback = Callable[[float, str], None]
T = TypeVar("T")


class Job:
    """Progress sink plus cancel flag shared between a worker and whoever started it."""

    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self._cancel = threading.Event()
        self._on_progress = on_progress
        self.fraction = 0.0
        self.message = ""
        self.started = time.monotonic()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress (0..1) and stop here if cancelled."""
        self.check()
        self.fraction = min(max(float(fraction), 0.0), 1.0)
        if message:
            self.message = message
        if self._on_progress is not None:
            self._on_progress(self.fraction, self.message)

    def pulse(self) -> None:
        """Report the last progress again (and stop here if cancelled). A sink that throttles
        updates holds back a message that came too soon after the previous one; a loop waiting
        on one long call pulses so that message still reaches the user."""
        self.progress(self.fraction)

    def sub(self, start: float, end: float) -> Job:
        """A view of this job whose 0..1 maps onto ``start..end`` of the parent."""
        parent = self

        class _Sub(Job):
            def __init__(self) -> None:
                self._cancel = parent._cancel
                self._on_progress = None
                self.fraction = 0.0
                self.message = ""
                self.started = parent.started

            def progress(self, fraction: float, message: str = "") -> None:
                self.fraction = fraction
                parent.progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)

        return _Sub()


def run_interruptible(fn: Callable[[], T], job: Job, poll_s: float = 0.05) -> T:
    """Run ``fn`` (e.g. one long library call that has no progress of its own) so that Cancel
    still answers at once: ``fn`` runs in a daemon thread and this call polls the cancel flag.
    A cancelled ``fn`` finishes in the background and its result is dropped.
    """
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="dlwizard-interruptible", daemon=True)
    thread.start()
    polls = 0
    while thread.is_alive():
        thread.join(poll_s)
        polls += 1
        job.pulse() if polls % 5 == 0 else job.check()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]
