"""Step 2, data (Tip 4): import the table however it arrives, and record where it came from.

Everything is computed first and committed to the project only at the end, so a failed import
leaves the project exactly as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dlwizard.environment import environment
from dlwizard.errors import DataError
from dlwizard.io import orientation, samplesheet
from dlwizard.io.checks import excel_date_finding, find_date_like_names
from dlwizard.io.memory import release_memory
from dlwizard.io.profile import column_info
from dlwizard.io.readers import ReadResult, read_file
from dlwizard.jobs import Job, run_interruptible
from dlwizard.study.model import (
    DataSection,
    FileRecord,
    Finding,
    ImportOptions,
    Provenance,
)
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

STEP = "data"


@dataclass
class Preview:
    """What the data page shows before the user commits to an import."""

    result: ReadResult
    orientation: orientation.Orientation
    sheets: list[str] = field(default_factory=list)


def resolve(path: str | Path, base: Path | None) -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute() and base is not None:
        p = base / p
    return p


def preview(path: str | Path, options: ImportOptions, job: Job | None = None) -> Preview:
    from dlwizard.io.readers import file_format, sheet_names

    path = Path(path)
    sheets = sheet_names(path) if file_format(path) == "xlsx" else []
    result = _read(path, options, job or Job())
    return Preview(result=result, orientation=orientation.detect(result.table), sheets=sheets)


def _read(path: Path, options: ImportOptions, job: Job, role: str = "data") -> ReadResult:
    # The parser is one long library call; running it interruptibly keeps Cancel instant.
    return run_interruptible(
        lambda: read_file(
            path,
            sheet=options.sheet,
            delimiter=options.delimiter,
            decimal=options.decimal,
            encoding=options.encoding,
            na_values=options.na_values,
            role=role,
            job=job,
        ),
        job,
    )


def _orient(result: ReadResult, options: ImportOptions, path: Path) -> tuple[pd.DataFrame, bool]:
    import pandas as pd

    df = result.table
    guess = orientation.detect(df)
    flip = options.transpose == "yes" or (options.transpose == "auto" and guess.transpose)
    missing = [c for c in options.drop_columns if c not in df.columns]
    if not flip:
        if missing and not all(c in guess.call_columns for c in missing):
            raise DataError(
                f"the column '{missing[0]}' to drop is not in the file",
                file=path,
                column=missing[0],
                fix="check the spelling of the columns to drop.",
            )
        return df.drop(columns=[c for c in options.drop_columns if c in df.columns]), False
    feature_id = options.feature_id_column or guess.feature_id_column
    if feature_id is None:
        raise DataError(
            "the table should be turned (genes as rows), but no column names the genes",
            file=path,
            fix="choose the column that holds the gene or probe names.",
        )
    drop = set(options.drop_columns) | set(orientation.call_columns(df))
    drop |= {
        c for c in df.columns if c != feature_id and not pd.api.types.is_numeric_dtype(df[c].dtype)
    }
    dropped = sorted(str(c) for c in drop if c in df.columns)
    n_calls = sum(1 for c in dropped if c.lower().split(".")[0] == "call")
    others = [c for c in dropped if c.lower().split(".")[0] != "call"]
    out = orientation.transpose(df, feature_id, sorted(drop), str(path))
    msg = (
        f"{path.name} had genes as rows and samples as columns; it was turned so that each of "
        f"its {len(out)} samples is a row and each of its {out.shape[1] - 1:,} features "
        f"('{feature_id}') is a column."
    )
    if n_calls:
        msg += f" {n_calls} detection-call (P/A/M) column(s) were dropped."
    if others:
        msg += f" Annotation column(s) dropped: {', '.join(others[:5])}."
    result.findings.append(
        Finding(
            code="transposed",
            severity="info",
            step=STEP,
            message=msg,
            fix="if the table was already the right way round, set 'turn the table' to no.",
            detail={"file": path.name, "feature_id_column": feature_id, "dropped": dropped[:200]},
        )
    )
    names = [str(c) for c in out.columns[1:]]
    dated = find_date_like_names(names, feature_id)
    if dated:
        result.findings.append(excel_date_finding(dated, path))
    return out, True


def run(
    project: Project,
    options: ImportOptions,
    provenance: Provenance | None = None,
    job: Job | None = None,
    base: Path | None = None,
) -> None:
    """Import the files named in ``options`` into ``project`` (all or nothing)."""
    job = job or Job()
    if not options.paths:
        raise DataError("no data file was chosen", fix="choose at least one data file.")
    paths = [resolve(p, base) for p in options.paths]
    n_steps = len(paths) + (1 if options.sample_sheet else 0)
    findings: list[Finding] = []
    records: list[FileRecord] = []
    tables: list[pd.DataFrame] = []
    transposed = False
    for i, path in enumerate(paths):
        result = _read(path, options, job.sub(i / n_steps, (i + 0.9) / n_steps))
        table, flipped = _orient(result, options, path)
        transposed |= flipped
        findings += result.findings
        records.append(result.record)
        tables.append(table)
    df = _concat(tables, paths) if len(tables) > 1 else tables[0]
    sample_id = options.sample_id_column or ("sample_id" if transposed else None)
    if options.sample_sheet is not None:
        sheet_path = resolve(options.sample_sheet.path, base)
        sheet_opts = options.model_copy(update={"sheet": options.sample_sheet.sheet})
        sheet_res = _read(
            sheet_path, sheet_opts, job.sub((n_steps - 1) / n_steps, 0.95), role="sample_sheet"
        )
        findings += sheet_res.findings
        records.append(sheet_res.record)
        key = options.sample_sheet.data_key or sample_id
        if key is None:
            raise DataError(
                "to join a sample sheet, say which data column holds the sample IDs",
                file=paths[0],
                fix="set the sample-ID column (plan key [data] sample_id_column).",
            )
        joined = samplesheet.join(
            df, sheet_res.table, key, options.sample_sheet.key, str(sheet_path)
        )
        df = joined.table
        findings += joined.findings
        options = options.model_copy(
            update={
                "sample_sheet": options.sample_sheet.model_copy(
                    update={"key": joined.sheet_key, "data_key": key}
                )
            }
        )
    if sample_id is not None and sample_id not in df.columns:
        raise DataError(
            f"there is no column '{sample_id}' to use as the sample ID",
            file=paths[0],
            column=sample_id,
            fix="choose one of the file's columns.",
        )
    if not transposed:
        header_dates = find_date_like_names([str(c) for c in df.columns], "column names")
        if header_dates and len(header_dates) <= 0.05 * df.shape[1] and df.shape[1] >= 50:
            findings.append(excel_date_finding(header_dates, paths[0]))
    job.progress(0.97, "Summarising columns")
    df = df.reset_index(drop=True)
    section = DataSection(
        options=options.model_copy(update={"sample_id_column": sample_id}),
        provenance=provenance or Provenance(),
        files=records,
        transposed=transposed,
        n_rows=int(df.shape[0]),
        n_columns=int(df.shape[1]),
        columns=column_info(df),
    )
    job.check()  # the last moment to cancel: after this the project changes
    commit(project, df, section, findings)
    del tables
    release_memory()
    job.progress(1.0, "Imported")


def _concat(tables: list[pd.DataFrame], paths: list[Path]) -> pd.DataFrame:
    import pandas as pd

    first = list(tables[0].columns)
    for t, p in zip(tables[1:], paths[1:]):
        cols = list(t.columns)
        if set(cols) != set(first):
            diff = sorted(set(cols) ^ set(first))
            raise DataError(
                f"does not have the same columns as {paths[0].name} ('{diff[0]}' is in only one "
                f"of them; {len(diff)} column(s) differ)",
                file=p,
                column=diff[0],
                fix="import files with the same columns together, or fix the column names.",
            )
    parts = []
    for t, p in zip(tables, paths):
        t = t[first].copy()
        t["source_file"] = p.name
        parts.append(t)
    return pd.concat(parts, ignore_index=True)


def commit(
    project: Project, df: pd.DataFrame, section: DataSection, findings: list[Finding]
) -> None:
    """Put a finished import into the project (the only place that changes it)."""
    from dlwizard.steps import question

    if section.options.sample_id_column:
        ids = df[section.options.sample_id_column]
        dups = ids[ids.duplicated(keep=False) & ids.notna()]
        if len(dups):
            findings.append(
                Finding(
                    code="duplicate-sample-ids",
                    severity="warning",
                    step=STEP,
                    message=f"{dups.nunique()} sample ID(s) appear on more than one row (for "
                    f"example '{dups.iloc[0]}').",
                    fix="if these are repeated measurements of one sample, mark the column as "
                    "subject on the metadata page; otherwise correct the IDs.",
                    columns=[section.options.sample_id_column],
                )
            )
    # A new import replaces every row: the old split's sealed test rows go with the old table.
    project.reunite()
    project.table = df
    project.study.data = section
    project.study.environment = environment()
    project.replace_findings(STEP, findings)
    project.mark_done(STEP)
    dropped = project.invalidate_after(STEP)
    project.audit(
        "data-imported",
        files=[{"name": r.name, "sha256": r.sha256, "role": r.role} for r in section.files],
        rows=section.n_rows,
        columns=section.n_columns,
        transposed=section.transposed,
        invalidated=dropped,
    )
    # Also without a target: the question step then says that one must be chosen.
    question.resolve(project)
