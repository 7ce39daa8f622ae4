"""The numeric feature matrix the exploratory checks look at (never the target or metadata)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class FeatureMatrix:
    columns: list[str]
    values: np.ndarray  # rows x columns, float64, NaN where missing
    missing: np.ndarray  # bool, same shape


def numeric_features(df: pd.DataFrame, roles: dict[str, str]) -> FeatureMatrix:
    """Columns with the feature role that hold numbers (categorical ones are left out here)."""
    import pandas as pd

    dtypes = dict(zip(df.columns, df.dtypes))  # df[c] per column is slow on wide tables
    cols = [
        c
        for c, r in roles.items()
        if r == "feature"
        and c in dtypes
        and pd.api.types.is_numeric_dtype(dtypes[c])
        and not pd.api.types.is_bool_dtype(dtypes[c])
    ]
    values = df[cols].to_numpy(dtype=float, na_value=np.nan) if cols else np.empty((len(df), 0))
    return FeatureMatrix(cols, values, np.isnan(values))


def impute_scale(values: np.ndarray) -> np.ndarray:
    """Median-impute and standardise each column; constant columns become zero."""
    x = np.array(values, dtype=float, copy=True)
    if x.size == 0:
        return x
    holes = np.isnan(x)
    gappy = np.flatnonzero(holes.any(axis=0))
    if gappy.size:  # medians only where something is missing: nanmedian is slow
        sub = x[:, gappy]
        med = np.nanmedian(np.where(np.isnan(sub).all(axis=0), 0.0, sub), axis=0)
        sub[np.isnan(sub)] = np.take(med, np.nonzero(np.isnan(sub))[1])
        x[:, gappy] = sub
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    x -= mean
    x /= sd
    return x
