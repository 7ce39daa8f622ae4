"""Independent fits (the folds of a cross-validation) on all the machine's cores, in threads.

scikit-learn's heavy work (trees, histograms, libsvm, BLAS) runs without Python's lock, so
threads use the cores without process pools, which are fragile in the frozen app. Every fit
runs with one BLAS/OpenMP thread: the cores are shared out across fits instead of being
oversubscribed (a busy machine's OpenMP threads otherwise spin), and the result of a fit does
not depend on how many workers ran beside it, so a parallel run gives the same numbers as a
sequential one for the same seeds.

Cancel answers at once, as in :func:`dlwizard.jobs.run_interruptible`: the caller polls the
job's flag while the fits run in daemon threads, and the results of a cancelled map are dropped.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from dlwizard.jobs import Job

T = TypeVar("T")
R = TypeVar("R")

WORKERS_ENV = "DLWIZARD_WORKERS"  # e.g. 1 to compare against a one-core run


def workers() -> int:
    """How many fits run at once: the cores this process may use, or DLWIZARD_WORKERS."""
    wanted = os.environ.get(WORKERS_ENV, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def single_threaded(fn: Callable[[], R]) -> R:
    """Run ``fn`` (one fit, with nothing else fitting beside it) with one BLAS and one OpenMP
    thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return fn()


def map_interruptible(
    fn: Callable[[T], R],
    items: Sequence[T],
    job: Job,
    poll_s: float = 0.05,
    on_done: Callable[[int, int], None] | None = None,
) -> list[R]:
    """``[fn(item) for item in items]``, up to :func:`workers` at a time, each single-threaded.
    The results keep the order of ``items``; the first error is raised once all have stopped.
    ``on_done(finished, total)`` is called from the calling thread as items finish."""
    from threadpoolctl import ThreadpoolController

    # One look at the loaded thread pools per map (a few milliseconds), not per fit: small
    # fits (naive Bayes: ~10 ms) would otherwise pay it every time.
    pools = ThreadpoolController()
    items = list(items)
    results: list[object] = [None] * len(items)
    errors: list[tuple[int, BaseException]] = []
    slots = threading.BoundedSemaphore(max(1, min(workers(), len(items))))
    lock = threading.Lock()
    finished = [0]
    reported = [0]

    def run(i: int) -> None:
        try:
            if job.cancelled:
                return
            # OpenMP's thread count belongs to the calling thread, so each worker sets its own;
            # BLAS's is process-wide and is set once around the whole map (workers that set and
            # restore it in overlapping spans could leave it at one thread).
            with pools.limit(limits=1, user_api="openmp"):
                results[i] = fn(items[i])
        except BaseException as exc:
            with lock:
                errors.append((i, exc))
        finally:
            with lock:
                finished[0] += 1
            slots.release()

    def poll() -> None:
        job.check()
        if on_done is not None and finished[0] != reported[0]:
            reported[0] = finished[0]
            on_done(reported[0], len(items))

    threads = []
    with pools.limit(limits=1, user_api="blas"):
        for i in range(len(items)):
            while not slots.acquire(timeout=poll_s):
                poll()
            poll()
            thread = threading.Thread(target=run, args=(i,), name="dlwizard-fit", daemon=True)
            thread.start()
            threads.append(thread)
        for thread in threads:
            while thread.is_alive():
                thread.join(poll_s)
                poll()
        poll()
    if errors:
        raise min(errors, key=lambda e: e[0])[1]
    return results  # type: ignore[return-value]
