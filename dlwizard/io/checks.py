"""Checks on a freshly read table: what cannot be imported, and what needs a warning."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.errors import DataError
from dlwizard.io.profile import float_block
from dlwizard.io.sequences import sequence_column_alphabet
from dlwizard.study.model import Finding

if TYPE_CHECKING:
    import pandas as pd

MAX_CELL_CHARS = 100_000
MAX_SEQUENCE_CHARS = 1_000_000  # a cell of a sequence column (a long gene or protein fits)
_NUMBER = re.compile(r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*$")


def _rows(index_positions, limit: int = 5, first_row: int = 2) -> str:
    rows = [str(int(i) + first_row) for i in index_positions[:limit]]
    more = len(index_positions) - limit
    return ", ".join(rows) + (f" and {more} more" if more > 0 else "")


def normalise_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Make every column storable: mixed Python objects become text."""
    import pandas as pd

    for col in [c for c, t in df.dtypes.items() if t is object or str(t) == "object"]:
        s = df[col]
        non_null = s.dropna()
        if non_null.map(type).nunique() > 1 or (
            len(non_null) and not isinstance(non_null.iloc[0], str)
        ):
            df[col] = s.map(lambda v: v if v is None or pd.isna(v) else str(v)).astype("str")
        else:
            df[col] = s.astype("str")
    return df


def check_table(df: pd.DataFrame, path: Path, first_row: int = 2) -> list[Finding]:
    """Raise DataError for what cannot be imported; return findings for what needs a look.

    ``first_row`` is the row number (as a spreadsheet shows it) of the table's first data row.
    """
    import pandas as pd

    path = Path(path)
    findings: list[Finding] = []
    if df.shape[1] == 0:
        raise DataError("has no columns", file=path, fix="choose a file that holds a table.")
    if len(df) == 0:
        raise DataError(
            "has column names but no data rows",
            file=path,
            fix="export the data again including its rows.",
        )
    _check_repeated_header(df, path, first_row)
    # Excel dates inside a text column (SEPT1 -> 2006-09-01) arrive as datetime objects.
    date_cells = _datetime_cells_in_text(df)
    normalise_columns(df)

    all_missing = df.isna().all()
    empty_cols = [c for c in df.columns if all_missing[c]]
    if empty_cols:
        findings.append(
            Finding(
                code="empty-columns",
                severity="info",
                step="data",
                message=f"{path.name}: {len(empty_cols)} column(s) have no values at all: "
                f"{', '.join(map(str, empty_cols[:5]))}{'...' if len(empty_cols) > 5 else ''}.",
                fix="they will be ignored as features.",
                columns=[str(c) for c in empty_cols],
            )
        )
    text_cols = [c for c, t in df.dtypes.items() if pd.api.types.is_string_dtype(t)]
    for col in text_cols:
        s = df[col]
        lengths = s.str.len()
        too_long = lengths > MAX_CELL_CHARS
        # A column of long DNA, RNA or protein sequences is data, up to a limit.
        if too_long.any() and sequence_column_alphabet(s) is not None:
            too_long = lengths > MAX_SEQUENCE_CHARS
        if too_long.any():
            pos = int(np.flatnonzero(too_long.to_numpy(dtype=bool, na_value=False))[0])
            row = pos + first_row
            value = s.iloc[pos]
            if "\n" in value or "\r" in value:
                why = (
                    "and runs over several lines, which means a quote character was opened and "
                    "never closed, so the rows below were swallowed into this value"
                )
                fix = f"check the quotes in row {row}, or save the table again from Excel as CSV."
            elif lengths.iloc[pos] > MAX_SEQUENCE_CHARS and sequence_column_alphabet(s):
                why = (
                    f"(the limit for a sequence is {MAX_SEQUENCE_CHARS:,} letters); a sequence "
                    "this long (a chromosome or a genome) is far longer than a model here can read"
                )
                fix = (
                    f"cut the sequences to the region that matters, or remove the column '{col}' "
                    "from the file, then import again."
                )
            else:
                why = (
                    f"(the limit is {MAX_CELL_CHARS:,}); a table cell this long is usually a "
                    "sequence, an image or a document pasted into a cell, which cannot be used "
                    "as a feature"
                )
                fix = (
                    f"shorten the value in row {row} or remove the column '{col}' from the file "
                    "(keep long sequences in a separate file), then import again."
                )
            raise DataError(
                f"one value is {int(lengths.iloc[pos]):,} characters long {why}",
                file=path,
                row=row,
                column=str(col),
                fix=fix,
            )
        non_null = s.dropna()
        numeric = non_null.str.match(_NUMBER).astype(bool)
        if len(non_null) >= 5:
            share = float(numeric.mean())
            if 0.5 <= share < 1.0:
                bad = non_null[~numeric]
                values = sorted({str(v)[:20] for v in bad.head(50)})[:4]
                rows = _rows(bad.index.to_numpy(), first_row=first_row)
                findings.append(
                    Finding(
                        code="mixed-types",
                        severity="warning",
                        step="data",
                        message=(
                            f"{path.name}: column '{col}' holds numbers but also text in "
                            f"{len(bad)} row(s) (row {rows}: "
                            f"{', '.join(repr(v) for v in values)}), so it was read as text."
                        ),
                        fix="if these cells mean 'missing', add them to the missing-value markers "
                        "and import again; otherwise correct the cells in the file.",
                        columns=[str(col)],
                        detail={
                            "file": path.name,
                            "rows": [int(i) + first_row for i in bad.index[:50]],
                            "values": values,
                        },
                    )
                )
        if len(non_null) and bool(numeric.all()):
            # Every value is a number, yet the parser kept the column as text: commas.
            with_comma = non_null[non_null.str.contains(",", regex=False)]
            if len(with_comma):
                example = str(with_comma.iloc[0])
                row = int(with_comma.index[0]) + first_row
                findings.append(
                    Finding(
                        code="numbers-as-text",
                        severity="warning",
                        step="data",
                        message=(
                            f"{path.name}: column '{col}' holds only numbers, but they are "
                            f"written with a comma (for example '{example}' in row {row}), so "
                            "it was read as text and cannot be used as a measurement."
                        ),
                        fix="if the comma separates thousands (1,234), save the file again "
                        "without thousands separators; if it is a decimal comma (1,5), set the "
                        "decimal mark to ',' and import again.",
                        columns=[str(col)],
                        detail={"file": path.name, "example": example, "row": row},
                    )
                )
    fcols, block = float_block(df)
    if fcols:
        inf_cols = np.flatnonzero(np.isinf(block).any(axis=0))
        for j in inf_cols:
            col = fcols[j]
            inf = np.isinf(block[:, j])
            where = np.flatnonzero(inf)
            df[col] = df[col].where(~inf)
            findings.append(
                Finding(
                    code="infinite-values",
                    severity="warning",
                    step="data",
                    message=(
                        f"{path.name}: column '{col}' has {len(where)} infinite value(s) (row "
                        f"{_rows(where, first_row=first_row)}); they are treated as missing."
                    ),
                    fix="infinity usually comes from a division by zero or a log of zero "
                    "upstream; check how the column was computed.",
                    columns=[str(col)],
                    detail={"file": path.name, "rows": [int(i) + first_row for i in where[:50]]},
                )
            )
    if date_cells:
        findings.append(excel_date_finding(date_cells, path))
    return findings


def _check_repeated_header(df: pd.DataFrame, path: Path, first_row: int) -> None:
    """Refuse a table whose column names come again as a data row (two exports pasted one
    below the other, or a header repeated on every printed page): the rows below it would be
    read as text, and the second header as a sample."""
    import pandas as pd

    if df.shape[1] < 2 or len(df) == 0:
        return
    if any(pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t) for t in df.dtypes):
        return  # a numeric column holds no column name
    same = np.ones(len(df), dtype=bool)
    for col in df.columns:
        s = df[col]
        text = s.map(lambda v: v.strip() if isinstance(v, str) else v)
        hit = (text == str(col)).to_numpy(dtype=bool, na_value=False)
        if str(col).startswith("unnamed_"):
            hit |= s.isna().to_numpy()
        same &= hit
        if not same.any():
            return
    rows = np.flatnonzero(same)
    shown = _rows(rows, first_row=first_row)
    times = "" if len(rows) == 1 else f" {len(rows)} times (rows {shown})"
    raise DataError(
        f"the column names appear again as a data row{times}: two tables were probably "
        "pasted one below the other, or a header was repeated on every page",
        file=path,
        row=int(rows[0]) + first_row,
        fix=f"delete the repeated column-name row(s) ({shown}) so the names appear only once, "
        "at the top, then import again.",
    )


_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_DATE_LIKE = re.compile(
    rf"^(\d{{1,2}}-({_MONTHS})|({_MONTHS})-\d{{1,2}}|\d{{4}}-\d{{2}}-\d{{2}}( 00:00:00)?)$",
    re.IGNORECASE,
)
# What a date most likely was before Excel converted it (HGNC renamed most of these in 2020).
_LIKELY_GENE = {
    "sep": "SEPT{n} (now SEPTIN{n})",
    "mar": "MARCH{n} (now MARCHF{n})",
    "dec": "DEC{n} (BHLHE40/41)",
    "oct": "OCT{n} (POU family)",
    "nov": "NOV (CCN3)",
    "apr": "APR{n}",
}


def _likely_gene(value: str) -> str:
    m = re.match(rf"^(\d{{1,2}})-({_MONTHS})$", value, re.IGNORECASE) or re.match(
        rf"^({_MONTHS})-(\d{{1,2}})$", value, re.IGNORECASE
    )
    if m:
        a, b = m.groups()
        day, mon = (a, b) if a.isdigit() else (b, a)
        tmpl = _LIKELY_GENE.get(mon.lower(), mon.upper() + "{n}")
        return tmpl.format(n=int(day))
    m = re.match(r"^\d{4}-(\d{2})-(\d{2})", value)
    if m:
        month, day = int(m.group(1)), int(m.group(2))
        mon = _MONTHS.split("|")[month - 1]
        return _LIKELY_GENE.get(mon, mon.upper() + "{n}").format(n=day)
    return "a gene symbol"


def _datetime_cells_in_text(df: pd.DataFrame) -> list[tuple[str, str]]:
    import datetime as dt

    found: list[tuple[str, str]] = []
    for col in [c for c, t in df.dtypes.items() if t is object or str(t) == "object"]:
        s = df[col]
        sample = s.dropna().head(20000)
        is_date = sample.map(lambda v: isinstance(v, dt.datetime | dt.date))
        if is_date.any() and not is_date.all():
            for v in sample[is_date].head(10):
                found.append((str(col), v.strftime("%Y-%m-%d")))
    return found


def excel_date_finding(cells: list[tuple[str, str]], path: Path | str | None) -> Finding:
    shown = [f"'{v}' in {c} (probably {_likely_gene(v)})" for c, v in cells[:4]]
    name = Path(path).name if path else "the data"
    return Finding(
        code="excel-gene-dates",
        severity="warning",
        step="data",
        message=(
            f"{name} contains {len(cells)} value(s) that look like gene symbols Excel turned "
            f"into dates: {'; '.join(shown)}."
        ),
        fix="re-export the original data without opening it in Excel, or import text columns "
        "as text; then check these genes by hand.",
        columns=sorted({c for c, _ in cells}),
        detail={"cells": [list(c) for c in cells[:100]]},
    )


def find_date_like_names(names: list[str], column: str) -> list[tuple[str, str]]:
    """Names (column headers or gene IDs) that look like Excel-converted gene symbols."""
    return [(column, n) for n in names if isinstance(n, str) and _DATE_LIKE.match(n.strip())]
