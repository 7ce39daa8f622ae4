"""How much of the data's structure a metadata column explains (batch-effect scores)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

STRONG = 0.3
MODERATE = 0.1


@dataclass
class BatchScore:
    column: str
    role: str
    n_groups: int
    pc_variance_share: float  # share of the top components' variance explained by the column
    silhouette: float | None  # how separate the groups sit in component space (-1..1)

    @property
    def verdict(self) -> str:
        s = self.pc_variance_share
        if s >= STRONG:
            return "strong"
        if s >= MODERATE:
            return "moderate"
        return "weak"


def as_groups(values: pd.Series, max_levels: int = 20) -> pd.Series:
    """Categorical groups from any column; many-valued numbers are cut into quintiles."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(values.dtype) and values.nunique() > max_levels:
        return pd.qcut(values, 5, duplicates="drop").astype(str).where(values.notna())
    return values.astype("str").where(values.notna())


def pc_variance_share(components: np.ndarray, groups: pd.Series) -> float:
    """Variance-weighted mean of eta² of each component on the groups."""
    mask = groups.notna().to_numpy()
    if mask.sum() < 3 or groups[mask].nunique() < 2:
        return 0.0
    pcs = components[mask]
    codes, _ = groups[mask].factorize()
    total_var = pcs.var(axis=0)
    weights = total_var / total_var.sum() if total_var.sum() > 0 else np.ones(pcs.shape[1])
    counts = np.bincount(codes)
    sums = np.zeros((counts.size, pcs.shape[1]))
    np.add.at(sums, codes, pcs)
    means = sums / counts[:, None]
    grand = pcs.mean(axis=0)
    between = (counts[:, None] * (means - grand) ** 2).sum(axis=0)
    total = ((pcs - grand) ** 2).sum(axis=0)
    eta2 = np.divide(between, total, out=np.zeros_like(between), where=total > 0)
    # Adjust for the number of groups, so that an ID-like column does not look like a batch.
    n, k = len(codes), counts.size
    adj = 1 - (1 - eta2) * (n - 1) / max(n - k, 1)
    return float(np.clip((weights * adj).sum(), 0.0, 1.0))


def silhouette(components: np.ndarray, groups: pd.Series, seed: int = 0) -> float | None:
    from sklearn.metrics import silhouette_score

    mask = groups.notna().to_numpy()
    labels = groups[mask].to_numpy()
    k = len(set(labels))
    if k < 2 or k > mask.sum() / 2:
        return None
    pcs = components[mask][:, : min(5, components.shape[1])]
    size = min(3000, len(labels))
    return float(silhouette_score(pcs, labels, sample_size=size, random_state=seed))


def score_columns(
    df: pd.DataFrame, components: np.ndarray, columns: dict[str, str], seed: int = 0
) -> list[BatchScore]:
    scores = []
    for col, role in columns.items():
        groups = as_groups(df[col])
        n_groups = int(groups.nunique())
        if n_groups < 2:
            continue
        scores.append(
            BatchScore(
                column=col,
                role=role,
                n_groups=n_groups,
                pc_variance_share=pc_variance_share(components, groups),
                silhouette=silhouette(components, groups, seed),
            )
        )
    return sorted(scores, key=lambda s: -s.pc_variance_share)
