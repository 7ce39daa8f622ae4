"""Identifier scan: columns that could name a person, and combinations that could single one out.

Rule-based on purpose: every finding says which rule fired, on how many of the values, so a
biologist can check it and a reviewer can reproduce it. The checklist is the HIPAA Safe Harbor
list of 18 identifiers (:mod:`dlwizard.ml.safe_harbor`). The values are the strong evidence
(:mod:`dlwizard.ml.identifier_values`); the column name alone is a weaker hint
(:mod:`dlwizard.ml.identifier_names`), reported only when the values say nothing else, and the
reason says so ("from the column name only"). Combinations of quasi-identifiers are judged by
their k-anonymity (:mod:`dlwizard.ml.k_anonymity`).

This module decides per column, from the values and the name together, and offers the scan's
whole public API (the constants and functions of the modules above included).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.ml.identifier_names import name_hint, name_hints, quasi_hint
from dlwizard.ml.identifier_values import (
    FIRST_NAMES,
    MIN_ROWS_FOR_UNIQUE,
    NEAR_UNIQUE,
    SAMPLE_VALUES,
    SINGLE_NAME,
    VALUE_SHARE,
    Evidence,
    datetime_evidence,
    numeric_evidence,
    sample_values,
    text_evidence,
)
from dlwizard.ml.k_anonymity import (
    K_ANONYMITY,
    MAX_COMBO,
    MAX_QUASI_COLUMNS,
    QuasiIdentifier,
    quasi_identifiers,
    quasi_suggestion,
    smallest_group,
)
from dlwizard.ml.safe_harbor import (
    ABOUT_A_PERSON,
    KIND_LABELS,
    SAFE_HARBOR,
    SUGGESTIONS,
    safe_harbor_category,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ABOUT_A_PERSON",
    "FIRST_NAMES",
    "KIND_LABELS",
    "K_ANONYMITY",
    "MAX_COMBO",
    "MAX_QUASI_COLUMNS",
    "MIN_ROWS_FOR_UNIQUE",
    "NEAR_UNIQUE",
    "SAFE_HARBOR",
    "SAMPLE_VALUES",
    "SINGLE_NAME",
    "SUGGESTIONS",
    "VALUE_SHARE",
    "IdentifierHit",
    "QuasiIdentifier",
    "name_hint",
    "quasi_columns",
    "quasi_hint",
    "quasi_identifiers",
    "quasi_suggestion",
    "scan",
    "scan_columns",
    "smallest_group",
]


@dataclass
class IdentifierHit:
    """A column that looks like it identifies people (the privacy step stores it in the Study)."""

    column: str
    kind: str  # e.g. "name", "date_of_birth", "record_number", "phone", "email", "zip"
    reason: str
    suggestion: str
    safe_harbor: str = ""  # the HIPAA Safe Harbor category it falls under
    used_as_feature: bool = False


def scan(
    table: pd.DataFrame, roles: dict[str, str] | None = None, *, seed: int = 0
) -> tuple[list[IdentifierHit], list[QuasiIdentifier]]:
    """Identifier-like columns and risky quasi-identifier combinations of a table.

    ``roles`` maps a column to its role (feature, sample_id, subject, sensitive, target,
    ignore...); a hit on a column whose role is 'feature' has ``used_as_feature`` set and comes
    first. Columns already marked as the sample ID, the subject or ignored get no hint that only
    says "this looks like an ID" (that is done), but still get hits for what their values show.
    Hits come in table order within (used as feature, from the values, from the name only).
    """
    hits, quasi = _scan_columns(table, roles or {}, seed)
    return hits, quasi_identifiers(table, quasi)


def quasi_columns(
    table: pd.DataFrame, roles: dict[str, str] | None = None, *, seed: int = 0
) -> dict[str, str]:
    """The quasi-identifier columns and their category (age, sex, zip, date, ethnicity...)."""
    return _scan_columns(table, roles or {}, seed)[1]


def scan_columns(
    table: pd.DataFrame, roles: dict[str, str] | None = None, *, seed: int = 0
) -> tuple[list[IdentifierHit], dict[str, str]]:
    """Per column: identifier hits, and the quasi-identifier category (no combinations).

    Used at metadata time, so identifying columns are set aside before anything is modelled.
    """
    return _scan_columns(table, roles or {}, seed)


def _scan_columns(
    table: pd.DataFrame, roles: dict[str, str], seed: int
) -> tuple[list[IdentifierHit], dict[str, str]]:
    rng = np.random.default_rng(seed)
    hits: list[IdentifierHit] = []
    strong: set[str] = set()
    quasi: dict[str, str] = {}  # column -> category, in table order
    for position, (name, dtype) in enumerate(zip(table.columns.tolist(), table.dtypes.tolist())):
        label = str(name)
        hint, qhint = name_hints(label)
        kind_code = getattr(dtype, "kind", "O")
        numeric = kind_code in "biufc"
        if numeric and hint is None and qhint is None:
            continue  # the fast path: a plain measurement
        col = table.iloc[:, position]
        if numeric:
            ev = numeric_evidence(col, hint, qhint) if kind_code != "b" else Evidence()
        elif kind_code == "M":
            ev = datetime_evidence(col, hint)
        else:
            sample = sample_values(col, rng)
            values = [v for v in (str(x).strip() for x in sample) if v]
            n = int(col.notna().sum())
            try:
                n_unique = int(col.nunique())
            except TypeError:  # unhashable cells (lists...): count their text
                n_unique = len(set(values))
            unique_share = n_unique / n if n else 0.0
            ev = text_evidence(values, unique_share, n, hint)
        role = roles.get(label)
        settled = ev.kind == "unique_id" and role in ("sample_id", "subject", "ignore")
        if settled:
            ev.kind = None  # the user has already said what it is
        category = ev.quasi or qhint
        if category is not None and ev.kind not in ("name", "email", "phone", "fax", "ssn", "url"):
            quasi[label] = category
        if ev.kind is not None:
            strong.add(label)
            hits.append(_hit(label, ev.kind, ev.reason, role))
        elif hint is not None and not settled and not _weak_hint_settled(hint, role, ev):
            hits.append(_hit(label, hint, _weak_reason(hint, ev, col), role))
    hits.sort(key=lambda h: (not h.used_as_feature, h.column not in strong))
    return hits, quasi


# kinds that no value pattern recognises: the column name is all the scan has
_NAME_ONLY_KINDS = {
    "place", "health_plan_number", "account_number", "license_number", "vehicle_id",
    "device_id", "biometric", "photo",
}  # fmt: skip


def _weak_hint_settled(hint: str, role: str | None, ev: Evidence) -> bool:
    """Whether a name-only hint needs no message."""
    if hint in ("record_number", "unique_id") and role in ("sample_id", "subject", "ignore"):
        return True
    if hint == "zip" and ev.quasi == "zip":
        return True  # 3-digit prefixes
    return hint in ("date", "date_of_birth") and ev.quasi == "date"  # year only


def _weak_reason(hint: str, ev: Evidence, col: pd.Series) -> str:
    if hint in _NAME_ONLY_KINDS:
        return (
            f"from the column name only: it suggests {KIND_LABELS[hint]}, which no rule can "
            "recognise from the values. Check the column"
        )
    if col.notna().sum() == 0:
        seen = "the column is empty"
    else:
        first = str(col.dropna().iloc[0])
        seen = f"the values (e.g. '{first[:30]}') do not look like {KIND_LABELS[hint]}"
    return (
        f"from the column name only: it suggests {KIND_LABELS[hint]}, but {seen}. "
        "Check the column; if it holds no such information, this hint can be ignored"
    )


def _hit(column: str, kind: str, reason: str, role: str | None) -> IdentifierHit:
    used = role == "feature"
    suggestion = SUGGESTIONS[kind]
    if used:
        suggestion = (
            "This column is used as a feature now: change its role to 'ignore' (or remove it) "
            "before training. " + suggestion
        )
    return IdentifierHit(
        column=column,
        kind=kind,
        safe_harbor=safe_harbor_category(kind),
        reason=reason[:1].upper() + reason[1:] + ".",
        suggestion=suggestion,
        used_as_feature=used,
    )
