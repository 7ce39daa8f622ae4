"""Exact and near-duplicate samples (rows that differ only by rounding)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

SIGNIFICANT_DIGITS = 3


@dataclass
class Duplicates:
    exact: list[list[int]] = field(default_factory=list)  # groups of row positions
    near: list[list[int]] = field(default_factory=list)  # near but not exact


def round_significant(x: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(x == 0, 1.0, 10.0 ** (np.floor(np.log10(np.abs(x))) - (digits - 1)))
        out = np.round(x / mag) * mag
    return np.where(np.isfinite(x), out, np.nan)


def row_hashes(values: np.ndarray, extra: pd.DataFrame | None = None) -> np.ndarray:
    """One 64-bit hash per row of a float matrix (NaN-safe, -0.0 equal to 0.0), plus optional
    text columns. Each row's bytes are hashed at once: hashing column by column (pandas) costs
    seconds on a table of thousands of features."""
    import pandas as pd

    rows = np.ascontiguousarray(np.where(np.isnan(values), np.inf, values) + 0.0, dtype=np.float64)
    h = np.fromiter(
        (
            int.from_bytes(hashlib.blake2b(r.tobytes(), digest_size=8).digest(), "little")
            for r in rows
        ),
        dtype=np.uint64,
        count=len(rows),
    )
    if extra is not None and extra.shape[1]:
        h2 = pd.util.hash_pandas_object(extra.astype("str"), index=False).to_numpy()
        h = h ^ (h2 * np.uint64(0x9E3779B97F4A7C15))
    return h


def groups_of_equal(hashes: np.ndarray) -> list[list[int]]:
    order = np.argsort(hashes, kind="stable")
    sorted_h = hashes[order]
    starts = np.flatnonzero(np.r_[True, sorted_h[1:] != sorted_h[:-1]])
    ends = np.r_[starts[1:], len(sorted_h)]
    return [sorted(order[s:e].tolist()) for s, e in zip(starts, ends) if e - s > 1]


def find_duplicates(values: np.ndarray, extra: pd.DataFrame | None = None) -> Duplicates:
    no_extra = extra is None or extra.shape[1] == 0
    if values.shape[0] < 2 or (values.shape[1] == 0 and no_extra):
        return Duplicates()  # without feature values no two rows can be called the same
    exact_h = row_hashes(values, extra)
    near_h = row_hashes(round_significant(values), extra)
    exact = groups_of_equal(exact_h)
    in_exact = {frozenset(g) for g in exact}
    near = [g for g in groups_of_equal(near_h) if frozenset(g) not in in_exact]
    return Duplicates(exact=exact, near=near)


def conflicting_labels(groups: list[list[int]], labels: pd.Series) -> list[list[int]]:
    """Groups of identical rows (positions) whose labels differ; missing labels do not count.

    The same measurement cannot belong to two classes: either a label is wrong, or the features
    miss what tells these samples apart (and then no model can).
    """
    out = []
    for g in groups:
        values = labels.iloc[g].dropna().astype(str)
        if values.nunique() > 1:
            out.append(g)
    return out


def differing_ids(groups: list[list[int]], ids: pd.Series) -> list[list[int]]:
    """Groups of identical rows (positions) that carry more than one sample ID: possibly the
    same sample recorded twice under different IDs."""
    return [g for g in groups if ids.iloc[g].astype(str).nunique() > 1]
