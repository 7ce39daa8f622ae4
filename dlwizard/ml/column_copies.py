"""Copies: a column with the same values as an earlier one adds nothing, and one that is the
target under other names (or a finer grading of it) gives the answer away."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from dlwizard.ml.column_detectors import NumStats
    from dlwizard.ml.column_profile import ColumnProfile


def mark_copies(
    df: pd.DataFrame,
    profiles: dict[str, ColumnProfile],
    stats: dict[str, NumStats],
    target: str | None,
    target_codes: np.ndarray | None,
    *,
    max_checked: int,
) -> None:
    """Set aside copies of an earlier column and of the target (e.g. 'AML'/'ALL' as 1/0).

    At most ``max_checked`` columns of few values are tested for a finer grading of the target.
    """
    import pandas as pd

    seen: dict[bytes, str] = {}
    checked = 0
    # A target whose values hardly repeat (a measurement) maps one to one onto any column of
    # distinct texts (IDs, file names): the same codes then say nothing.
    known = target_codes[target_codes >= 0] if target_codes is not None else np.zeros(0)
    repeats = len(known) > 0 and len(np.unique(known)) <= 0.5 * len(known)
    for j, name in enumerate(str(c) for c in df.columns):
        p = profiles[name]
        if name == str(target) or p.kind == "empty" or p.role == "ignore":
            continue
        st = stats.get(name)
        if st is not None:
            copies_target = st.recodes_target
            key = b"n" + st.key
        else:
            col = df.iloc[:, j]
            codes = pd.factorize(col)[0]
            copies_target = repeats and np.array_equal(codes, target_codes)
            key = (
                b"t"
                + hashlib.blake2b(
                    pd.util.hash_pandas_object(col.astype(str), index=False).to_numpy().tobytes(),
                    digest_size=16,
                ).digest()
            )
        if p.role != "feature":
            # A column already read as a site, date or ID keeps that role: the batch checks
            # then report how strongly the label goes with it.
            seen.setdefault(key, name)
            continue
        if copies_target:
            p.set_aside("copy-of-target", f"its values are the target '{target}' under other "
                       "names (one value for each class): the answer in another form")  # fmt: skip
            continue
        if target_codes is not None and (st is None or not st.continuous) and checked < max_checked:
            checked += 1
            finer = _grades_target(df.iloc[:, j], target_codes)
            if finer is not None:
                p.set_aside("copy-of-target", finer)
                continue
        first = seen.setdefault(key, name)
        if first != name and p.role == "feature":
            p.set_aside("copy", f"the same values as the column '{first}'")


def _grades_target(col: pd.Series, target_codes: np.ndarray) -> str | None:
    """Every value of a column with few values belongs to one class of the target: the label
    recoded or graded more finely (a 0-4 severity next to 'disease = severity > 0')."""
    import pandas as pd

    codes, uniques = pd.factorize(col)
    both = (codes >= 0) & (target_codes >= 0)
    k = len(uniques)
    if not 2 <= k <= 50 or k > both.sum() / 5 or both.sum() < 0.5 * (target_codes >= 0).sum():
        return None
    pairs = np.unique(np.c_[codes[both], target_codes[both]], axis=0)
    if len(pairs) != len(np.unique(pairs[:, 0])) or len(np.unique(pairs[:, 1])) < 2:
        return None  # some value occurs in two classes, or all values sit in one class
    return (
        f"each of its {k} values belongs to one class of the target (a recoding or a finer "
        "grading of the label): the answer in another form"
    )
