"""Two-dimensional views of the samples: PCA by default, t-SNE or UMAP on request."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.util import find_spec

import numpy as np

from dlwizard.jobs import Job, run_interruptible

METHODS = ("pca", "tsne", "umap")


@dataclass
class Embedding:
    method: str
    coords: np.ndarray  # rows x 2
    components: np.ndarray  # rows x k principal components (for batch scores)
    explained: list[float] = field(default_factory=list)  # variance share of each component


def available_methods() -> list[str]:
    out = ["pca", "tsne"]
    if find_spec("umap") is not None:
        out.append("umap")
    return out


def pca(x: np.ndarray, k: int = 10, seed: int = 0) -> tuple[np.ndarray, list[float]]:
    """Principal components of a standardised matrix; randomised SVD for wide data."""
    from sklearn.decomposition import PCA

    k = max(1, min(k, x.shape[0] - 1, x.shape[1]))
    solver = "randomized" if min(x.shape) > 500 else "full"
    model = PCA(n_components=k, svd_solver=solver, random_state=seed)
    scores = model.fit_transform(x)
    return scores, [float(v) for v in model.explained_variance_ratio_]


def embed(x: np.ndarray, method: str = "pca", seed: int = 0, job: Job | None = None) -> Embedding:
    job = job or Job()
    if method not in METHODS:
        raise ValueError(f"unknown embedding method {method!r}")
    if method == "umap" and find_spec("umap") is None:
        raise ValueError("UMAP is not installed; choose PCA or t-SNE")
    job.progress(0.05, "Principal components")
    scores, explained = run_interruptible(lambda: pca(x, 10, seed), job)
    coords = scores[:, :2] if scores.shape[1] >= 2 else np.c_[scores, np.zeros(len(scores))]
    if method == "tsne":
        from sklearn.manifold import TSNE

        job.progress(0.3, "t-SNE (this can take a minute)")
        perplexity = float(min(30, max(2, (len(x) - 1) / 3)))
        coords = run_interruptible(
            lambda: TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(
                scores
            ),
            job,
        )
    elif method == "umap":
        import umap

        job.progress(0.3, "UMAP")
        coords = run_interruptible(lambda: umap.UMAP(random_state=seed).fit_transform(scores), job)
    job.progress(1.0, "Embedding done")
    return Embedding(method, np.asarray(coords, dtype=float), scores, explained)
