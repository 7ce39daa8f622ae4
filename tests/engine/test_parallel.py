"""Folds fitted side by side: the same numbers as one at a time, and Cancel still answers."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from dlwizard.errors import Cancelled
from dlwizard.jobs import Job
from dlwizard.ml import parallel


def test_results_keep_their_order_and_the_first_error_wins(monkeypatch):
    monkeypatch.setenv(parallel.WORKERS_ENV, "3")
    assert parallel.workers() == 3
    assert parallel.map_interruptible(lambda i: i * i, range(7), Job()) == [i * i for i in range(7)]

    def fails(i: int) -> int:
        if i in (2, 4):
            raise ValueError(f"fit {i} failed")
        return i

    with pytest.raises(ValueError, match="fit 2 failed"):
        parallel.map_interruptible(fails, range(6), Job())


def test_the_process_keeps_its_blas_threads_after_overlapping_fits(monkeypatch):
    """Workers that start and end in overlapping spans must not leave BLAS on one thread."""
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    before = blas_threads()
    parallel.map_interruptible(lambda i: time.sleep([0.1, 0.3][i]), range(2), Job())
    assert blas_threads() == before


def test_cancel_answers_while_fits_are_still_running(monkeypatch):
    monkeypatch.setenv(parallel.WORKERS_ENV, "2")
    job, release = Job(), threading.Event()
    threading.Timer(0.2, job.cancel).start()
    t0 = time.monotonic()
    with pytest.raises(Cancelled):
        parallel.map_interruptible(lambda i: release.wait(30), range(4), job)
    assert time.monotonic() - t0 < 1.0
    release.set()


@pytest.mark.parametrize("family", ["logistic", "random_forest", "gradient_boosting", "svm"])
def test_a_cross_validation_gives_the_same_scores_on_one_or_two_workers(monkeypatch, family):
    import pandas as pd

    from dlwizard.ml.models import CLASSIFIERS, default_params
    from dlwizard.ml.tuning import cv_score

    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(300, 8)), columns=[f"f{i}" for i in range(8)])
    y = (x["f0"] + rng.normal(size=300) > 0).to_numpy(dtype=int)
    folds = np.arange(300) % 5
    fam = CLASSIFIERS[family]
    params = {**default_params(fam), **({"n_estimators": 30} if family == "random_forest" else {})}
    scores = []
    for workers in ("1", "2"):
        monkeypatch.setenv(parallel.WORKERS_ENV, workers)
        args = (x, y, folds, "binary", 2, 0, list(x.columns), [], Job())
        scores.append(cv_score(fam, params, *args))
    assert scores[0] == scores[1]
    assert 0.6 < scores[0][0] <= 1.0  # a real score, not a failed fit
