"""The window's jobs: one step function at a time in a worker, with the progress panel, Cancel,
and one commit of what the step changed.

A job never receives the project the window shows. When the shared project is among the
arguments, the worker gets ``project.working_copy()`` instead, and what the step changed
(``copy.changes()``) is applied with ``project.apply`` here, in the GUI thread, once the worker
has finished and before ``on_done``. A cancelled or failed job leaves the project untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dlwizard.gui.main_window import MainWindow
    from dlwizard.gui.workers import JobWorker, Partial


class Jobs:
    """Runs the window's jobs; ``current`` is the running one (None when idle)."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.current: JobWorker | None = None

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        message: str,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException, str], None] | None = None,
        on_partial: Callable[[tuple[Any, ...]], None] | None = None,
        partial_ms: int | None = None,
        **kwargs: Any,
    ) -> JobWorker:
        """Run ``fn(*args, job=..., **kwargs)`` in a worker. With ``on_partial``, ``fn`` also
        gets ``partial=callback``: what it passes there reaches ``on_partial`` in the GUI thread,
        in batches at most every ``partial_ms`` milliseconds (default: as often as progress)."""
        if self.current is not None:
            raise RuntimeError("a job is already running")
        window = self.window
        shared = window.project
        staged = any(a is shared for a in (*args, *kwargs.values()))
        copy = shared.working_copy() if staged else None
        if copy is not None:
            args = tuple(copy if a is shared else a for a in args)
            kwargs = {k: copy if v is shared else v for k, v in kwargs.items()}

        def done(result: Any) -> None:
            self._finished()
            if copy is not None and window.project is shared:
                shared.apply(copy.changes())
                if result is copy:
                    result = shared
            if on_done is not None:
                on_done(result)
            window.after_change()

        def failed(exc: BaseException, tb: str) -> None:
            self._finished()
            if on_error is not None:
                on_error(exc, tb)
            window.after_change()

        def cancelled() -> None:
            self._finished()
            window.statusBar().showMessage("Cancelled; nothing was changed.", 8000)
            window.after_change()

        def partial(batch: Partial) -> None:
            if batch.progress is not None:
                window.progress.update_progress(*batch.progress)
            if batch.items and on_partial is not None:
                on_partial(batch.items)

        # superqt is imported with the first job, not at start-up (the first window is sooner).
        from dlwizard.gui.workers import PROGRESS_INTERVAL_S, start_job

        interval = None
        if on_partial is not None:
            interval = partial_ms / 1000 if partial_ms else PROGRESS_INTERVAL_S
        self.current = start_job(
            fn,
            *args,
            on_done=done,
            on_error=failed,
            on_cancel=cancelled,
            on_partial=partial,
            partial_interval_s=interval,
            **kwargs,
        )
        window.progress.begin(message)
        window.stack.setEnabled(False)
        window.update_footer()
        return self.current

    def cancel(self) -> None:
        if self.current is not None:
            progress = self.window.progress
            progress.cancel_button.setEnabled(False)
            progress.label.setText("Cancelling…")
            self.current.cancel()

    def _finished(self) -> None:
        self.current = None
        self.window.progress.end()
        self.window.stack.setEnabled(True)
