"""Join a separate sample sheet (labels, batches, donors) onto the data by sample ID."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dlwizard.errors import DataError
from dlwizard.study.model import Finding

if TYPE_CHECKING:
    import pandas as pd

_INTLIKE = re.compile(r"^[-+]?\d+(\.0+)?$")


def normalise_keys(values: pd.Series) -> pd.Series:
    """'007', '7', 7 and 7.0 are the same sample number; text IDs are compared trimmed."""
    import pandas as pd

    s = values.astype("str").str.strip()
    intlike = s.str.match(_INTLIKE).fillna(False).astype(bool)
    if len(s) and intlike.all():
        return pd.Series([str(int(float(v))) for v in s], index=values.index, dtype="str")
    return s


@dataclass
class JoinResult:
    table: pd.DataFrame
    findings: list[Finding]
    matched: int
    sheet_key: str


def best_key(sheet: pd.DataFrame, data_keys: pd.Series) -> str | None:
    """The sample-sheet column whose values match the most data sample IDs."""
    wanted = set(normalise_keys(data_keys.dropna()))
    best, best_hits = None, 0
    for col in sheet.columns:
        hits = len(wanted & set(normalise_keys(sheet[col].dropna())))
        if hits > best_hits:
            best, best_hits = str(col), hits
    return best


def join(
    data: pd.DataFrame,
    sheet: pd.DataFrame,
    data_key: str,
    sheet_key: str | None,
    sheet_name: str,
) -> JoinResult:
    import pandas as pd

    if data_key not in data.columns:
        raise DataError(
            f"the data has no sample-ID column '{data_key}' to join the sample sheet on",
            column=data_key,
            fix="choose the data column that holds the sample IDs.",
        )
    if sheet_key is None:
        sheet_key = best_key(sheet, data[data_key])
        if sheet_key is None:
            cols = ", ".join(f"'{c}'" for c in list(sheet.columns)[:8])
            first = sheet.iloc[:, 0].dropna()
            like = f"; its first column holds values like '{first.iloc[0]}'" if len(first) else ""
            example = data[data_key].dropna()
            example = f"'{example.iloc[0]}'" if len(example) else "nothing"
            raise DataError(
                f"none of the sample sheet's columns ({cols}) holds any sample ID of the data "
                f"(the data's column '{data_key}' holds IDs like {example}{like})",
                file=sheet_name,
                fix="check that the sample sheet belongs to this data set and names the samples "
                "the same way.",
            )
    if sheet_key not in sheet.columns:
        raise DataError(
            f"the sample sheet has no column '{sheet_key}' (its columns are: "
            f"{', '.join(map(str, sheet.columns[:10]))})",
            file=sheet_name,
            column=sheet_key,
            fix="choose the sample-sheet column that holds the sample IDs.",
        )
    left = normalise_keys(data[data_key])
    right = normalise_keys(sheet[sheet_key])
    dup = right[right.duplicated(keep=False) & right.notna()]
    if len(dup):
        rows = [int(i) + 2 for i in dup.index[:4]]
        raise DataError(
            f"the sample ID '{dup.iloc[0]}' appears more than once in the sample sheet "
            f"(rows {', '.join(map(str, rows))})",
            file=sheet_name,
            column=sheet_key,
            fix="each sample must have exactly one row in the sample sheet; remove the repeats.",
        )
    matched_mask = left.isin(set(right.dropna()))
    matched = int(matched_mask.sum())
    if matched == 0:
        raise DataError(
            f"none of the {len(left)} samples in the data matches a row of the sample sheet "
            f"(data IDs look like '{left.iloc[0]}', sheet IDs like '{right.dropna().iloc[0]}')",
            file=sheet_name,
            column=sheet_key,
            fix="check that both files name the samples the same way, or choose other ID columns.",
        )
    findings: list[Finding] = []
    unmatched_data = left[~matched_mask].tolist()
    unmatched_sheet = sorted(set(right.dropna()) - set(left))
    if unmatched_data or unmatched_sheet:
        parts = []
        if unmatched_data:
            parts.append(
                f"{len(unmatched_data)} sample(s) in the data have no row in the sample sheet "
                f"({', '.join(unmatched_data[:5])}{'...' if len(unmatched_data) > 5 else ''}); "
                "their sample-sheet columns are empty"
            )
        if unmatched_sheet:
            parts.append(
                f"{len(unmatched_sheet)} row(s) of the sample sheet match no sample "
                f"({', '.join(unmatched_sheet[:5])}{'...' if len(unmatched_sheet) > 5 else ''})"
            )
        findings.append(
            Finding(
                code="sample-sheet-unmatched",
                severity="warning",
                step="data",
                message=f"{Path(sheet_name).name}: " + "; ".join(parts) + ".",
                fix="check for typing errors in the IDs; samples without a label are left out "
                "of training.",
                columns=[data_key],
                detail={
                    "file": Path(sheet_name).name,
                    "data_only": unmatched_data[:200],
                    "sheet_only": unmatched_sheet[:200],
                },
            )
        )
    extra = sheet.drop(columns=[sheet_key]).copy()
    clashes = [c for c in extra.columns if c in data.columns]
    extra = extra.rename(columns={c: f"{c}_sheet" for c in clashes})
    extra.index = right.to_numpy()
    extra = extra[~extra.index.isna()]
    joined = extra.reindex(left.to_numpy())
    joined.index = data.index
    out = pd.concat([data, joined], axis=1)
    return JoinResult(out, findings, matched, sheet_key)
