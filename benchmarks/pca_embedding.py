"""PCA embedding of a 1,000 x 20,000 matrix: the engine's path vs scikit-learn's PCA directly.

The engine standardises the matrix (median-imputing gaps) and runs scikit-learn's randomised
PCA; the bare baseline runs the same PCA on the same standardised matrix. Target: ratio <= 1.2
(the engine adds only the standardisation and bookkeeping).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

REPEATS = 5


def main() -> None:
    from sklearn.decomposition import PCA

    from dlwizard.ml.embedding import embed
    from dlwizard.ml.features import impute_scale

    rng = np.random.default_rng(0)
    raw = rng.normal(size=(1000, 20000)).astype(float)
    raw[:, :50] += rng.normal(size=(1000, 1)) * 3  # some structure to find
    x = impute_scale(raw)

    def engine() -> None:
        embed(impute_scale(raw), "pca", seed=0)

    def bare() -> None:
        xs = (raw - raw.mean(axis=0)) / raw.std(axis=0)
        PCA(n_components=10, svd_solver="randomized", random_state=0).fit_transform(xs)

    engine()
    bare()  # warm up (imports, BLAS threads)
    t_engine, t_bare = [], []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        engine()
        t_engine.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare()
        t_bare.append(time.perf_counter() - t0)
    e, b = statistics.median(t_engine), statistics.median(t_bare)
    print(f"PCA of 1,000 x 20,000 (10 components, randomised), median of {REPEATS}:")
    print(f"  engine (impute + standardise + PCA): {e:.3f} s")
    print(f"  bare scikit-learn (standardise + PCA): {b:.3f} s")
    print(f"  ratio engine / bare: {e / b:.2f}  (target <= 1.2)")
    del x


if __name__ == "__main__":
    main()
