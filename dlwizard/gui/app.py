"""Start the wizard: the window first (fast), then the project or demo in the background."""

from __future__ import annotations

import sys
from pathlib import Path

_GC_TIMER = None


GC_CHECK_MS = 10  # how often the GUI thread looks at the collector's count of new objects
GC_YOUNG = 2000  # new container objects that call for a collection


def collect_garbage_in_gui_thread(interval_ms: int = GC_CHECK_MS) -> None:
    """Python's cyclic garbage collector may run in whichever thread allocates; if it frees Qt
    objects inside a worker thread, Qt complains (and can crash). So automatic collection is
    turned off and a timer collects in the GUI thread instead (as pyqtgraph recommends).

    The timer collects the young objects (generations 0 and 1; the survivors join the oldest
    generation, which is left alone as before: scanning it stalls for the longest) in small
    batches: every ``interval_ms``, once ``GC_YOUNG`` new objects have accumulated. A
    collection costs in proportion to the objects it scans, and a busy worker makes hundreds of
    thousands a second: collected once a second, they stalled the window for up to a third of a
    second (issue 16). Each young object is scanned once, as before."""
    import gc

    from PySide6.QtCore import QTimer

    global _GC_TIMER
    if _GC_TIMER is not None:
        return
    gc.disable()
    _GC_TIMER = QTimer()
    _GC_TIMER.setInterval(interval_ms)
    _GC_TIMER.timeout.connect(collect_young_garbage)
    _GC_TIMER.start()


def collect_young_garbage() -> None:
    """One step of the GUI thread's collector (see :func:`collect_garbage_in_gui_thread`)."""
    import gc

    young, middle, _ = gc.get_count()
    if young >= GC_YOUNG or middle:
        gc.collect(generation=1)


def create_app():
    from PySide6.QtWidgets import QApplication

    from dlwizard.gui.style import STYLE
    from dlwizard.resources import resource

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("dlwizard")
    app.setOrganizationName("dlwizard")
    app.setStyle("Fusion")
    collect_garbage_in_gui_thread()
    # Hand the interpreter lock to the GUI thread sooner while a worker computes in Python
    # (default 5 ms): keeps every event-loop stall under 100 ms during training.
    sys.setswitchinterval(0.001)
    app.setStyleSheet(STYLE)
    icon = resource("icons", "dlwizard.svg")
    if icon.exists():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    return app


def run_gui(project_path: Path | None = None, demo: bool = False) -> int:
    app = create_app()
    from dlwizard.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    app.processEvents()
    if project_path is not None:
        window.open_project(project_path)
    elif not window.offer_recovery() and demo:
        load_demo(window)
    return app.exec()


_PRELOADS: dict[str, object] = {}  # module -> the thread importing it
PRELOAD_WAIT_S = 20.0  # at exit, the longest wait for an unfinished preload


def preload_in_background(module: str) -> None:
    """Import a heavy library (torch) in a background thread before it is needed, so its
    one-off import cost does not land in the middle of a job.

    Quitting while the import runs must stay clean (issue 12: "can't register atexit after
    shutdown"). Three things see to it:

    - torch's import creates thread pools, and the standard library refuses to register their
      exit hooks once shutdown has begun: those modules are imported here, in the calling
      thread, before the thread starts;
    - at exit the import is let finish (:func:`finish_preloads`, at most
      :data:`PRELOAD_WAIT_S`) *before* Python runs its exit hooks and tears the modules down:
      left running, torch would register its clean-up too late and fail at exit. Quitting at
      worst waits for the rest of the import (a few seconds, the window already closed);
    - a preload that fails anyway stays silent while quitting and is only logged otherwise: the
      real import reports any problem where it matters.
    """
    import threading

    if module in sys.modules or module in _PRELOADS:
        return
    # Imported for their side effect: each registers its exit hook now, not during shutdown.
    import concurrent.futures.process
    import concurrent.futures.thread  # noqa: F401

    if not _PRELOADS:
        # The threading module's own exit hooks run first at shutdown, before atexit's and the
        # teardown (a private hook, present since Python 3.9; atexit's otherwise).
        register = getattr(threading, "_register_atexit", None)
        if register is None:  # pragma: no cover - every supported Python has it
            import atexit

            register = atexit.register
        register(finish_preloads)
    thread = threading.Thread(
        target=_import_quietly, args=(module,), name=f"preload-{module}", daemon=True
    )
    _PRELOADS[module] = thread
    thread.start()


def finish_preloads(timeout: float = PRELOAD_WAIT_S) -> None:
    """Let the background imports end (up to ``timeout`` seconds in all)."""
    import time

    end = time.monotonic() + timeout
    for thread in list(_PRELOADS.values()):
        thread.join(max(0.0, end - time.monotonic()))


def _import_quietly(module: str) -> None:
    import importlib

    try:
        importlib.import_module(module)
    except BaseException as exc:  # a background import must never print a traceback
        if sys.is_finalizing():
            return
        import logging

        logging.getLogger(__name__).warning("preloading %s failed: %s", module, exc)


def load_demo(window) -> None:
    from dlwizard.demo import demo_project

    window.run_job(
        demo_project,
        message="Loading the demo study…",
        on_done=lambda project: (window.set_project(project), window.go_to(0)),
        on_error=lambda exc, tb: window.ask.error("Cannot load the demo", str(exc)),
    )
