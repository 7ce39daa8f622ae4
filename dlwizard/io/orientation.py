"""Genes as rows, samples as columns: detect it, and turn the table the right way round."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dlwizard.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

# Identifiers of genes and probes as they appear in expression tables.
_FEATURE_ID = re.compile(
    r"^(AFFX[-_].*|.*_(s_|x_|i_|f_|g_|r_)?at|ENS[A-Z]*[GTP]\d{6,}(\.\d+)?|(NM|NR|XM|XR)_\d+(\.\d+)?"
    r"|ILMN_\d+|cg\d{6,}|[A-Z][A-Z0-9]{1,9}(-[A-Z0-9]+)?[A-Z0-9]*|[A-Z]\d{5}(_[a-z]+)?|\d+_at)$"
)
# Column headers that look like sample identifiers rather than variable names.
_SAMPLE_ID = re.compile(
    r"^(\d+|GSM\d+|SRR\d+|TCGA-.*|(s|sample|patient|pt|p|case|ctrl|control|id)[ _.-]?\d+"
    r"|[A-Za-z]{1,4}[_.-]?\d{1,5}([_.-][A-Za-z0-9]+)?)$",
    re.IGNORECASE,
)
# Identifiers that are certainly features (probes, transcripts, CpG sites), never samples.
_KNOWN_FEATURE_ID = re.compile(
    r"^(AFFX[-_].*|.*_(s_|x_|i_|f_|g_|r_)?at|ENS[A-Z]*[GTP]\d{6,}(\.\d+)?|(NM|NR|XM|XR)_\d+(\.\d+)?"
    r"|ILMN_\d+|cg\d{6,}|\d+_at)$"
)
# One word and a running number (P001, S12, patient_7): how samples are numbered.
_NUMBERED = re.compile(r"^([A-Za-z]+[ _.-]?)\d+$")
CALL_VALUES = {"P", "A", "M"}


def numbered_like_samples(ids: pd.Series) -> bool:
    """True when the IDs are one prefix and a running number (P001, P002, ...), as samples are.

    Gene symbols also look like letters and digits (TP53, CD4), but with many prefixes; probe
    and transcript IDs (ENSG..., ILMN_...) share one prefix but are recognised as features.
    """
    s = ids.dropna().astype(str).str.strip()
    if len(s) == 0 or float(s.str.match(_KNOWN_FEATURE_ID).mean()) >= 0.5:
        return False
    prefix = s.str.extract(_NUMBERED, expand=False).str.upper().str.rstrip(" _.-")
    if prefix.isna().mean() > 0.2:
        return False
    return float(prefix.value_counts().iloc[0]) / len(s) >= 0.8


@dataclass
class Orientation:
    transpose: bool
    reason: str
    feature_id_column: str | None = None
    annotation_columns: list[str] = field(default_factory=list)
    call_columns: list[str] = field(default_factory=list)


def call_columns(df: pd.DataFrame) -> list[str]:
    """Detection-call columns (Affymetrix P/A/M) that follow each sample column."""
    out = []
    for col in df.columns:
        if str(col).lower().split(".")[0] != "call":
            continue
        vals = set(df[col].dropna().astype(str).str.upper().unique()[:10])
        if vals and vals <= CALL_VALUES:
            out.append(col)
    return out


def detect(df: pd.DataFrame) -> Orientation:
    import pandas as pd

    n_rows = len(df)
    calls = call_columns(df)
    text_cols = [
        c for c in df.columns if c not in calls and not pd.api.types.is_numeric_dtype(df[c].dtype)
    ]
    numeric_cols = [c for c in df.columns if c not in calls and c not in text_cols]
    if not numeric_cols or not text_cols or n_rows < 2 * len(numeric_cols):
        return Orientation(
            False, "more columns than rows, or no identifier column: samples as rows"
        )
    id_col = None
    for c in text_cols:
        s = df[c].dropna().astype(str)
        if float(s.head(500).str.strip().str.contains(r"\s", regex=True).mean()) > 0.2:
            continue  # sentences (comments, names) name no gene and no probe
        if len(s) == n_rows and s.is_unique:
            id_col = c
            sample = s.head(500)
            gene_share = float(sample.str.match(_FEATURE_ID).mean())
            if gene_share >= 0.6:
                break
    if id_col is None:
        return Orientation(False, "no column with a unique name for every row")
    ids = df[id_col].astype(str).head(500)
    gene_share = float(ids.str.match(_FEATURE_ID).mean())
    header_share = sum(bool(_SAMPLE_ID.match(str(c))) for c in numeric_cols) / len(numeric_cols)
    if gene_share >= 0.6 and numbered_like_samples(ids):
        # P001, P002, ... look like gene symbols to the pattern, but are numbered samples.
        gene_share = 0.0
    # Headers like g1, x2 look like sample names too; they count only when the rows are not
    # themselves named like samples (S001…, or a column called 'sample').
    rows_are_samples = numbered_like_samples(ids) or bool(
        re.fullmatch(
            r"(sample|sample_?id|id|patient|subject|case|specimen|name|barcode)s?",
            str(id_col).strip(),
            re.IGNORECASE,
        )
    )
    headers_say_samples = (
        header_share >= 0.8 and n_rows >= 10 * len(numeric_cols) and not rows_are_samples
    )
    if gene_share >= 0.6 or headers_say_samples:
        why = []
        if gene_share >= 0.6:
            why.append(f"the column '{id_col}' holds gene or probe names")
        if headers_say_samples:
            why.append("the column headers look like sample names")
        return Orientation(
            True,
            f"{n_rows:,} rows and {len(numeric_cols):,} numeric columns; " + " and ".join(why),
            feature_id_column=str(id_col),
            annotation_columns=[str(c) for c in text_cols if c != id_col],
            call_columns=[str(c) for c in calls],
        )
    return Orientation(False, "rows look like samples")


def transpose(
    df: pd.DataFrame, feature_id_column: str, drop: list[str], source: str
) -> pd.DataFrame:
    """Samples become rows; the feature-ID column's values become the column names."""
    import pandas as pd

    if feature_id_column not in df.columns:
        raise DataError(
            f"cannot turn the table: there is no column '{feature_id_column}'",
            file=source,
            fix="choose the column that names the genes or features.",
        )
    ids = df[feature_id_column]
    if ids.isna().any():
        row = int(ids.isna().to_numpy().nonzero()[0][0]) + 2
        raise DataError(
            "a feature has no name, so the table cannot be turned into samples as rows",
            file=source,
            row=row,
            column=feature_id_column,
            fix="fill in the missing name or delete that row.",
        )
    keep = [c for c in df.columns if c != feature_id_column and c not in set(drop)]
    non_numeric = [c for c in keep if not pd.api.types.is_numeric_dtype(df[c].dtype)]
    if non_numeric:
        raise DataError(
            f"after turning, every sample column must hold numbers, but '{non_numeric[0]}' holds "
            "text",
            file=source,
            column=str(non_numeric[0]),
            fix="add the column to the columns to drop (annotation or detection-call columns).",
        )
    names = ids.astype(str).str.strip()
    if not names.is_unique:
        # Repeated probe names get a numbered suffix so that no measurement is lost.
        counts: dict[str, int] = {}
        fixed = []
        for n in names:
            k = counts.get(n, 0)
            counts[n] = k + 1
            fixed.append(n if k == 0 else f"{n}_{k + 1}")
        names = pd.Index(fixed)
    values = df[keep].to_numpy(dtype=float).T
    out = pd.DataFrame(values, columns=pd.Index(names, dtype="str"))
    out.insert(0, "sample_id", pd.array([str(c) for c in keep], dtype="str"))
    return out
