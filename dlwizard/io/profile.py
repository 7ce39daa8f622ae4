"""Column profiles (kind, missing, distinct values), computed in blocks so wide tables stay fast.

A 1,000 x 20,000 expression matrix has 20,000 float columns; going through them one by one in
pandas costs seconds, so float columns are profiled together as one NumPy array.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.io.sequences import sequence_column_alphabet
from dlwizard.study.model import ColumnInfo

if TYPE_CHECKING:
    import pandas as pd

CATEGORICAL_MAX = 20


def float_block(df: pd.DataFrame) -> tuple[list, np.ndarray]:
    import pandas as pd

    cols = [c for c, t in df.dtypes.items() if pd.api.types.is_float_dtype(t)]
    if not cols:
        return [], np.empty((len(df), 0))
    return cols, df[cols].to_numpy(dtype=float, na_value=np.nan)


def column_info(
    df: pd.DataFrame,
    sequences: Mapping[str, str] | None = None,
    distinct: Mapping[str, int] | None = None,
    images: Collection[str] = (),
) -> list[ColumnInfo]:
    """Every column's kind, missing and distinct values. ``sequences`` names the columns known
    to hold sequences (column -> alphabet); without it, text columns are judged from their
    values (:func:`~dlwizard.io.sequences.sequence_column_alphabet`). ``distinct`` gives the
    number of distinct values of columns already counted (the sequence profile counts its
    column's), so that a 100 MB column of sequences is not hashed a second time. ``images``
    names the columns of image paths (kind "image")."""
    import pandas as pd

    n = len(df)
    missing = df.isna().sum().to_dict()
    fcols, block = float_block(df)
    whole = {}
    first_values: dict = {}
    if fcols:
        # In slices of columns: whole-table temporaries would cost several copies of the table.
        parts = []
        for start in range(0, block.shape[1], 1000):
            sl = block[:, start : start + 1000]
            with np.errstate(invalid="ignore"):
                parts.append(np.all(~np.isfinite(sl) | (np.floor(sl) == sl), axis=0))
        whole_arr = np.concatenate(parts)
        whole = dict(zip(fcols, whole_arr.tolist()))
        head = block[: min(n, 3)]
        for j, c in enumerate(fcols):
            first_values[c] = [f"{v:.6g}" for v in head[:, j] if not np.isnan(v)]
    infos: list[ColumnInfo] = []
    for col, dtype in df.dtypes.items():
        n_missing = int(missing[col])
        if n_missing == n:
            infos.append(ColumnInfo(name=str(col), kind="empty", n_missing=n, n_unique=0))
            continue
        if col in whole and not whole[col]:
            # A continuous measurement: counting distinct values would cost a sort per column.
            infos.append(
                ColumnInfo(
                    name=str(col),
                    kind="numeric",
                    n_missing=n_missing,
                    n_unique=None,
                    examples=first_values[col],
                )
            )
            continue
        s = df[col]
        known = distinct.get(str(col)) if distinct is not None else None
        n_unique = int(s.nunique()) if known is None else int(known)
        if pd.api.types.is_bool_dtype(dtype):
            kind = "boolean"
        elif pd.api.types.is_integer_dtype(dtype) or col in whole:
            kind = "integer"
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            kind = "datetime"
        elif str(col) in images:
            kind = "image"
        elif (
            str(col) in sequences
            if sequences is not None
            else sequence_column_alphabet(s) is not None
        ):
            kind = "sequence"
        else:
            kind = "categorical" if n_unique <= max(CATEGORICAL_MAX, 0.05 * n) else "text"
        # A column of long sequences: the first rows give the examples (no pass over them all).
        some = s.head(50) if kind == "sequence" else s
        examples = [str(v)[:40] for v in _first_distinct(some, 3)]
        infos.append(
            ColumnInfo(
                name=str(col),
                kind=kind,
                n_missing=n_missing,
                n_unique=n_unique,
                examples=examples,
            )
        )
    return infos


def _first_distinct(s: pd.Series, k: int) -> list:
    """The first ``k`` distinct non-missing values in order of appearance, as
    ``s.dropna().unique()[:k]`` gives them, from the first rows when they hold ``k``."""
    head = s.head(1000).dropna().unique()[:k]
    if len(head) == k or len(s) <= 1000:
        return list(head)
    return list(s.dropna().unique()[:k])
