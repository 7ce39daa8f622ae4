"""k-anonymity of quasi-identifier combinations (Sweeney 2002).

Quasi-identifiers are columns that are harmless alone but together can single a person out (age,
sex, ZIP code, ethnicity, dates...). For their combinations this reports k, the smallest number
of rows sharing one combination of values: k = 1 means some person is the only one with that
combination, so anyone who knows those few facts about them finds their row.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.ml.identifier_names import quasi_hint

if TYPE_CHECKING:
    import pandas as pd

K_ANONYMITY = 5  # combinations shared by fewer rows than this are reported
MAX_QUASI_COLUMNS = 12  # combinations of up to 3 among these (298 at most)
MAX_COMBO = 3


@dataclass
class QuasiIdentifier:
    """A combination of columns and k, the fewest rows sharing one combination of values."""

    columns: list[str]
    smallest_group: int
    n_unique_rows: int = 0
    suggestion: str = ""


def _codes(table: pd.DataFrame, column: str) -> tuple[np.ndarray, int]:
    import pandas as pd

    position = [str(c) for c in table.columns].index(column)
    codes, uniques = pd.factorize(table.iloc[:, position], use_na_sentinel=False)
    return codes.astype(np.int64), max(len(uniques), 1)


def smallest_group(codes: list[tuple[np.ndarray, int]]) -> tuple[int, int]:
    """k (the fewest rows sharing one combination) and the number of rows alone in theirs."""
    key = np.zeros(len(codes[0][0]), dtype=np.int64)
    for c, n in codes:
        key = key * n + c
        key = np.unique(key, return_inverse=True)[1].astype(np.int64)  # keeps the key small
    counts = np.bincount(key)
    counts = counts[counts > 0]
    return int(counts.min()), int((counts == 1).sum())


def quasi_identifiers(
    table: pd.DataFrame, columns: dict[str, str], k: int = K_ANONYMITY
) -> list[QuasiIdentifier]:
    """k-anonymity of quasi-identifier combinations.

    Reports every *minimal* combination of up to three quasi-identifiers whose smallest group is
    below ``k`` (minimal: no smaller part of it is already below ``k``; adding columns can only
    shrink groups, so the larger combinations would repeat the same news), sorted by k, then by
    the number of columns. When none is below ``k``, the combination of all quasi-identifiers
    together is reported instead with its k (the table's k-anonymity), so an all-clear shows
    its figure too; it may itself be below ``k`` when there are more than three.
    """
    names = list(columns)[:MAX_QUASI_COLUMNS]
    if not names or len(table) == 0:
        return []
    codes = {c: _codes(table, c) for c in names}
    found: list[QuasiIdentifier] = []
    below: list[frozenset[str]] = []
    for size in range(1, min(MAX_COMBO, len(names)) + 1):
        for combo in itertools.combinations(names, size):
            members = frozenset(combo)
            if any(b <= members for b in below):
                continue
            kmin, alone = smallest_group([codes[c] for c in combo])
            if kmin < k:
                below.append(members)
                found.append(
                    QuasiIdentifier(columns=list(combo), smallest_group=kmin, n_unique_rows=alone)
                )
    if not found:  # all clear: say so with the table's k
        kmin, alone = smallest_group([codes[c] for c in names])
        found.append(QuasiIdentifier(columns=names, smallest_group=kmin, n_unique_rows=alone))
    found.sort(key=lambda q: (q.smallest_group, len(q.columns)))
    return found


def quasi_suggestion(
    q: QuasiIdentifier, categories: dict[str, str] | None = None, k: int = K_ANONYMITY
) -> str:
    """Plain words for one quasi-identifier combination: what it means and what to coarsen.

    ``categories`` (column -> age, sex, zip, date...) improves the advice when a column's name
    does not say what it holds; by default the category is read from the name.
    """
    categories = categories or {}
    cols = " × ".join(q.columns)
    if q.smallest_group >= k:
        return (
            f"{cols}: every combination is shared by at least {q.smallest_group} rows, "
            "so these columns together do not single anyone out."
        )
    who = (
        f"{q.n_unique_rows} row(s) are the only one with their combination"
        if q.n_unique_rows
        else f"some combinations are shared by only {q.smallest_group} rows"
    )
    tips = []
    for c in q.columns:
        cat = categories.get(c) or quasi_hint(c)
        if cat == "age":
            tips.append(f"put {c} into 5- or 10-year bands")
        elif cat == "zip":
            tips.append(f"keep only the first three digits of {c}")
        elif cat in ("date", "birth_year"):
            tips.append(f"keep only the year of {c} (or wider periods)")
        elif cat == "geography":
            tips.append(f"replace {c} by a larger region")
    tip = "; ".join(tips) if tips else "merge rare categories or drop one of the columns"
    return (
        f"{cols}: {who}; anyone who knows these facts about a person could find their row. "
        f"Coarsen before sharing: {tip}."
    )
