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
from dlwizard.io import sequences as seqs
from dlwizard.io.checks import excel_date_finding, find_date_like_names
from dlwizard.io.memory import release_memory
from dlwizard.io.profile import column_info
from dlwizard.io.readers import ReadResult, read_file
from dlwizard.jobs import Job, run_interruptible
from dlwizard.study.model import (
    DataSection,
    FileRecord,
    Finding,
    ImageInfo,
    ImportOptions,
    Provenance,
    SequenceInfo,
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
    if path.is_dir():  # a folder of class folders (images, issue 18)
        from dlwizard.steps import data_images

        return data_images.preview_folder(path, job)
    sheets = sheet_names(path) if file_format(path) == "xlsx" else []
    result = _read(path, options, job or Job())
    if _is_fasta(result):
        orient = orientation.Orientation(False, "a FASTA file: one row per record")
    else:
        orient = orientation.detect(result.table)
    # What the sequences hold, on a copy: the preview shows the file as it is.
    table = result.table.copy()
    alphabets = _sequence_columns(table, result.alphabets)
    lowered = _normalise_sequences(
        table, {c: a for c, a in alphabets.items() if c not in result.alphabets}
    )
    parts = [_Part(path.name, result.first_row, len(table), _is_fasta(result))]
    _, found = describe_sequences(table, alphabets, _row_namer(table, parts), lowered)
    result.findings += found
    return Preview(result=result, orientation=orient, sheets=sheets)


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
    if paths[0].is_dir():  # a folder of class folders (images, issue 18)
        from dlwizard.steps import data_images

        return data_images.run_folder(project, options, paths[0], provenance, job, base)
    n_steps = len(paths) + (1 if options.sample_sheet else 0)
    read = _read_files(paths, options, job, n_steps)
    findings = read.findings
    all_fasta = all(p.fasta for p in read.parts)
    df, known = _stack(read, paths)
    default_id = "sample_id" if read.transposed else "record_id" if all_fasta else None
    sample_id = options.sample_id_column or default_id
    if options.sample_sheet is not None:
        sheet_job = job.sub((n_steps - 1) / n_steps, 0.95)
        df, options = _join_sample_sheet(df, options, sample_id, paths[0], base, sheet_job, read)
    _require_sample_id(df, sample_id, paths[0])
    df, images = (df, []) if all_fasta else _sheet_images(df, options, paths, read, job)
    if not read.transposed:
        header_dates = find_date_like_names([str(c) for c in df.columns], "column names")
        if header_dates and len(header_dates) <= 0.05 * df.shape[1] and df.shape[1] >= 50:
            findings.append(excel_date_finding(header_dates, paths[0]))
    job.progress(0.97, "Summarising columns")
    df = df.reset_index(drop=True)
    alphabets = _sequence_columns(df, known)
    # A FASTA file's sequences are already trimmed and in capitals.
    lowered = _normalise_sequences(df, {c: a for c, a in alphabets.items() if c not in known})
    distinct: dict[str, int] = {}  # columns whose distinct values are counted already
    infos, found = describe_sequences(df, alphabets, _row_namer(df, read.parts), lowered, distinct)
    findings += found
    # FASTA record IDs were checked for repeats already (each file, and across the class files):
    # without a finding, every row has its own.
    ids_checked = all_fasta and options.sample_sheet is None and sample_id == "record_id"
    if ids_checked and not any(f.code == "fasta-duplicate-ids" for f in findings):
        distinct["record_id"] = len(df)
    section = DataSection(
        options=options.model_copy(update={"sample_id_column": sample_id}),
        provenance=provenance or Provenance(),
        files=read.records,
        transposed=read.transposed,
        n_rows=int(df.shape[0]),
        n_columns=int(df.shape[1]),
        columns=column_info(df, alphabets, distinct, images=[i.column for i in images]),
        sequences=infos,
        images=images,
    )
    job.check()  # the last moment to cancel: after this the project changes
    commit(project, df, section, findings, ids_checked=ids_checked)
    del read
    release_memory()
    job.progress(1.0, "Imported")


@dataclass
class _Read:
    """The import's files as read, one entry per file in the order given, and their findings
    (then the stacking's and the sample sheet's, in the order they are found)."""

    tables: list[pd.DataFrame] = field(default_factory=list)
    records: list[FileRecord] = field(default_factory=list)
    parts: list[_Part] = field(default_factory=list)
    alphabets: list[dict[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    transposed: bool = False


def _read_files(paths: list[Path], options: ImportOptions, job: Job, n_steps: int) -> _Read:
    """Read and orient every data file (a FASTA file is a table already)."""
    read = _Read()
    for i, path in enumerate(paths):
        result = _read(path, options, job.sub(i / n_steps, (i + 0.9) / n_steps))
        if _is_fasta(result):
            table, flipped = _drop_columns(result.table, options, path), False
        else:
            table, flipped = _orient(result, options, path)
        read.transposed |= flipped
        read.findings += result.findings
        read.records.append(result.record)
        read.tables.append(table)
        read.parts.append(_Part(path.name, result.first_row, len(table), _is_fasta(result)))
        read.alphabets.append(result.alphabets)
    return read


def _stack(read: _Read, paths: list[Path]) -> tuple[pd.DataFrame, dict[str, str]]:
    """One table of all the files, and the sequence columns whose alphabet is known already
    (a FASTA file's); FASTA files and tables are not stacked together."""
    fasta = [p.fasta for p in read.parts]
    if any(fasta) and not all(fasta):
        table_file = paths[fasta.index(False)]
        raise DataError(
            f"cannot be stacked with the FASTA file {paths[fasta.index(True)].name}: one holds "
            "sequences, the other a table",
            file=table_file,
            fix="import the FASTA files together (one file per class), and give a table of "
            "labels or sample information as the sample sheet, joined on the record ID.",
        )
    known = dict(read.alphabets[0])
    tables = read.tables
    if len(tables) > 1 and all(fasta):
        df = _stack_fasta(tables, paths, read.alphabets, read.findings)
        known = {"sequence": seqs.detect_alphabet(df["sequence"]) or known["sequence"]}
    else:
        df = _concat(tables, paths) if len(tables) > 1 else tables[0]
    return df, known


def _join_sample_sheet(
    df: pd.DataFrame,
    options: ImportOptions,
    sample_id: str | None,
    first_path: Path,
    base: Path | None,
    job: Job,
    read: _Read,
) -> tuple[pd.DataFrame, ImportOptions]:
    """The table joined with the sample sheet, and the options with the keys it was joined on
    (the sheet's record and findings go into ``read``)."""
    sheet = options.sample_sheet
    sheet_path = resolve(sheet.path, base)
    sheet_opts = options.model_copy(update={"sheet": sheet.sheet})
    sheet_res = _read(sheet_path, sheet_opts, job, role="sample_sheet")
    read.findings += sheet_res.findings
    read.records.append(sheet_res.record)
    key = sheet.data_key or sample_id
    if key is None:
        raise DataError(
            "to join a sample sheet, say which data column holds the sample IDs",
            file=first_path,
            fix="set the sample-ID column (plan key [data] sample_id_column).",
        )
    joined = samplesheet.join(df, sheet_res.table, key, sheet.key, str(sheet_path))
    read.findings += joined.findings
    keys = sheet.model_copy(update={"key": joined.sheet_key, "data_key": key})
    return joined.table, options.model_copy(update={"sample_sheet": keys})


def _sheet_images(df: pd.DataFrame, options: ImportOptions, paths: list[Path], read: _Read,
                  job: Job) -> tuple[pd.DataFrame, list[ImageInfo]]:  # fmt: skip
    """A sample sheet whose column names image files: the table as checked, and its record."""
    from dlwizard.steps import data_images

    column = None if read.transposed else data_images.image_column(df, paths[0].parent)
    if column is None:
        return df, []
    sub = job.sub(0.9, 0.96)
    df, info, found = data_images.from_sheet(df, column, paths[0].parent, options, sub)
    read.findings += found
    return df, [info]


def _require_sample_id(df: pd.DataFrame, sample_id: str | None, first_path: Path) -> None:
    if sample_id is not None and sample_id not in df.columns:
        raise DataError(
            f"there is no column '{sample_id}' to use as the sample ID",
            file=first_path,
            column=sample_id,
            fix="choose one of the file's columns.",
        )


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
    project: Project,
    df: pd.DataFrame,
    section: DataSection,
    findings: list[Finding],
    *,
    ids_checked: bool = False,
) -> None:
    """Put a finished import into the project (the only place that changes it).
    ``ids_checked``: the sample IDs were already checked for repeats (FASTA record IDs)."""
    from dlwizard.steps import question

    # FASTA record IDs that repeat have their own finding (fasta-duplicate-ids).
    repeated_ids_said = any(f.code == "fasta-duplicate-ids" for f in findings)
    if section.options.sample_id_column and not repeated_ids_said and not ids_checked:
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


# -- sequences ------------------------------------------------------------------------------------
@dataclass
class _Part:
    """One file of the import, to name a row of the stacked table as the user knows it."""

    name: str
    first_row: int  # the row of the file (as a spreadsheet numbers it) of its first data row
    n_rows: int
    fasta: bool


def _is_fasta(result: ReadResult) -> bool:
    return result.record.format.startswith("fasta")


def _drop_columns(df: pd.DataFrame, options: ImportOptions, path: Path) -> pd.DataFrame:
    missing = [c for c in options.drop_columns if c not in df.columns]
    if missing:
        raise DataError(
            f"the column '{missing[0]}' to drop is not in the file (a FASTA file gives the "
            f"columns {', '.join(map(str, df.columns))})",
            file=path,
            column=missing[0],
            fix="check the spelling of the columns to drop.",
        )
    return df.drop(columns=list(options.drop_columns))


def class_name(path: Path) -> str:
    """The class a FASTA file stands for: its name without the extensions ('pos.fa.gz': 'pos')."""
    name = path.name
    for suffix in (".gz", *sorted(seqs.FASTA_SUFFIXES, key=len, reverse=True)):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
    return name


def _stack_fasta(
    tables: list[pd.DataFrame],
    paths: list[Path],
    alphabets: list[dict[str, str]],
    findings: list[Finding],
) -> pd.DataFrame:
    """Several FASTA files are one file per class: a ``class`` column holds each file's name.

    No ``source_file`` column: it would be a copy of the label.
    """
    import pandas as pd

    classes = [class_name(p) for p in paths]
    for i, c in enumerate(classes):
        if c in classes[:i]:
            other = paths[classes.index(c)]
            raise DataError(
                f"gives the same class name '{c}' as {other.name}: several FASTA files are read "
                "as one file per class, named after the file",
                file=paths[i],
                fix="rename the files after their classes (for example promoters.fa and "
                "background.fa), or join the labels from a sample sheet instead.",
            )
    kinds = {"protein" if a.get("sequence") == "protein" else "nucleic" for a in alphabets}
    if len(kinds) > 1:
        prot = next(i for i, a in enumerate(alphabets) if a.get("sequence") == "protein")
        nuc = next(i for i, a in enumerate(alphabets) if a.get("sequence") != "protein")
        raise DataError(
            f"holds protein sequences but {paths[nuc].name} holds "
            f"{seqs.ALPHABETS[alphabets[nuc]['sequence']].word}: the classes must be compared "
            "on the same kind of sequence",
            file=paths[prot],
            fix="import files of one kind together (translate the DNA, or use the DNA of the "
            "proteins).",
        )
    parts = []
    for t, c in zip(tables, classes, strict=True):
        t = t.copy()
        t["class"] = c
        parts.append(t)
    df = pd.concat(parts, ignore_index=True)
    if "description" in df.columns:
        df["description"] = df["description"].astype("str")
    ids = df["record_id"]
    n_files = df.groupby("record_id", sort=False)["class"].nunique()
    across = n_files[n_files > 1]
    if len(across):
        counts = ids[ids.isin(across.index)].value_counts(sort=False)
        files = [p.name for p, c in zip(paths, classes, strict=True)
                 if c in set(df.loc[ids.isin(across.index), "class"])]  # fmt: skip
        finding = seqs.duplicate_ids_finding(counts, files)
        finding.message += " The same ID in two class files may be one record in both classes."
        findings.append(finding)
    return df


def _sequence_columns(df: pd.DataFrame, known: dict[str, str]) -> dict[str, str]:
    """Column -> alphabet for every column of sequences: a FASTA file's, and any table column
    whose values are sequences."""
    import pandas as pd

    out: dict[str, str] = {}
    for col, dtype in df.dtypes.items():
        if str(col) in known:
            out[str(col)] = known[str(col)]
        elif pd.api.types.is_string_dtype(dtype):
            alphabet = seqs.sequence_column_alphabet(df[col])
            if alphabet is not None:
                out[str(col)] = alphabet
    return out


def _normalise_sequences(df: pd.DataFrame, alphabets: dict[str, str]) -> set[str]:
    """Store sequences trimmed and in capitals (an empty one as missing); returns the columns
    that had lower-case letters."""
    lowered: set[str] = set()
    for col in alphabets:
        s = df[col].astype("str").str.strip()
        upper = s.str.upper()
        if bool((upper != s).fillna(False).any()):
            lowered.add(col)
        df[col] = upper.where(upper.str.len() > 0)
    return lowered


def _row_namer(df: pd.DataFrame, parts: list[_Part]):
    """A function that names row ``i`` of the stacked table as the user finds it: the FASTA
    record's ID, or the row of the file (as a spreadsheet numbers it)."""
    import numpy as np

    ends = np.cumsum([p.n_rows for p in parts])
    several = len(parts) > 1

    def name(i: int) -> str:
        k = int(np.searchsorted(ends, i, side="right"))
        part = parts[min(k, len(parts) - 1)]
        where = f" of {part.name}" if several else ""
        if part.fasta and "record_id" in df.columns:
            return f"record '{df['record_id'].iloc[i]}'{where}"
        start = int(ends[k - 1]) if k else 0
        return f"row {i - start + part.first_row}{where}"

    return name


def describe_sequences(
    df: pd.DataFrame,
    alphabets: dict[str, str],
    name_row,
    lowered: set[str] | None = None,
    distinct: dict[str, int] | None = None,
) -> tuple[list[SequenceInfo], list[Finding]]:
    """What each sequence column holds (for the Study) and what needs a look (findings).
    ``distinct``, when given, receives the number of distinct sequences of each column where
    the profile counted them (for :func:`~dlwizard.io.profile.column_info`)."""
    infos: list[SequenceInfo] = []
    findings: list[Finding] = []
    for col, alphabet in alphabets.items():
        # The column itself: Arrow-backed text is read in place (no Python strings).
        p = seqs.profile_sequences(df[col], alphabet)
        if distinct is not None and p.n_distinct is not None:
            distinct[col] = p.n_distinct
        infos.append(
            SequenceInfo(
                column=col,
                alphabet=alphabet,  # type: ignore[arg-type]
                n=p.n,
                n_empty=p.n_empty,
                n_duplicated=p.n_duplicated,
                length_min=p.length_min,
                length_median=p.length_median,
                length_max=p.length_max,
                ambiguous=p.ambiguous,
                invalid=p.invalid,
            )
        )
        findings += _sequence_findings(col, p, name_row, col in (lowered or set()))
    return infos, findings


def alphabet_word(alphabet: str) -> str:
    """'dna' -> 'DNA', 'protein' -> 'protein'."""
    return seqs.ALPHABETS[alphabet].word


def sequence_summary(info: SequenceInfo) -> str:
    """One sequence column in plain words, for the data page: "'Sequence': DNA, 3,190 sequences
    of 60 letters each; 60 ambiguity letters (N 56, D 2, ...); 185 rows repeat a sequence"."""
    alph = seqs.ALPHABETS[info.alphabet]
    lengths = seqs.SequenceProfile(
        alphabet=info.alphabet,
        length_min=info.length_min,
        length_median=info.length_median,
        length_max=info.length_max,
    )
    parts = [f"{alph.word}, {_count(info.n, 'sequence')} of {seqs.length_words(lengths)}"]
    if info.ambiguous:
        n = sum(info.ambiguous.values())
        parts.append(f"{_count(n, 'ambiguity letter')} ({seqs.counts_words(info.ambiguous, 4)})")
    if info.invalid:
        n = sum(info.invalid.values())
        parts.append(
            f"{_count(n, 'character')} outside the alphabet ({seqs.counts_words(info.invalid, 4)})"
        )
    if info.n_empty:
        parts.append(f"{info.n_empty:,} empty")
    if info.n_duplicated:
        parts.append(f"{info.n_duplicated:,} rows share their sequence with another row")
    return f"'{info.column}': " + "; ".join(parts)


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _sequence_findings(col: str, p: seqs.SequenceProfile, name_row, lowered: bool):
    """What the profile of one sequence column says, in this order: the alphabet, then
    ambiguous letters, invalid characters, empty rows and repeated sequences where there are."""
    alph = seqs.ALPHABETS[p.alphabet]
    out = [_alphabet_finding(col, p, alph, lowered)]
    if p.ambiguous:
        out.append(_ambiguous_finding(col, p, alph))
    if p.invalid:
        out.append(_invalid_finding(col, p, alph, name_row))
    if p.n_empty:
        out.append(_empty_finding(col, p, name_row))
    if p.n_duplicated:
        out.append(_duplicates_finding(col, p, name_row))
    return out


def _alphabet_finding(col: str, p: seqs.SequenceProfile, alph, lowered: bool) -> Finding:
    """Which alphabet the column holds, and how long its sequences are."""
    return Finding(
        code="sequence-alphabet",
        severity="info",
        step=STEP,
        message=(
            f"'{col}' holds {alph.word} sequences: {_count(p.n, 'sequence')} of "
            f"{seqs.length_words(p)}" + (", stored in capital letters" if lowered else "") + "."
        ),
        fix="if these are not " + alph.word + " sequences, check the file; the alphabet "
        "decides which letters a model knows.",
        columns=[col],
        detail={
            "alphabet": p.alphabet,
            "n": p.n,
            "length_min": p.length_min,
            "length_median": p.length_median,
            "length_max": p.length_max,
        },
    )


def _ambiguous_finding(col: str, p: seqs.SequenceProfile, alph) -> Finding:
    """Letters that do not name one base (or amino acid): read as unknown."""
    n_amb = sum(p.ambiguous.values())
    unknown = alph.unit
    kinds = "ambiguity letter" if unknown == "base" else "ambiguity, rare or stop letter"
    return Finding(
        code="sequence-ambiguous",
        severity="info",
        step=STEP,
        message=(
            f"'{col}': {_count(p.n_ambiguous_rows, 'sequence')} hold "
            f"{_count(n_amb, kinds)} ({seqs.counts_words(p.ambiguous)}), which do not name "
            f"one {unknown}; they are read as 'unknown {unknown}'."
        ),
        fix="nothing to do if your sequencing or database writes them; if a class "
        "holds many more of them than another, a model can learn that instead of the "
        "biology.",
        columns=[col],
        detail={"letters": p.ambiguous, "sequences": p.n_ambiguous_rows},
    )


def _invalid_finding(col: str, p: seqs.SequenceProfile, alph, name_row) -> Finding:
    """Characters outside the alphabet, with the first places they occur."""
    n_bad = sum(p.invalid.values())
    more = p.n_invalid_rows - len(p.invalid_at)
    return Finding(
        code="sequence-invalid-letters",
        severity="warning",
        step=STEP,
        message=(
            f"'{col}': {_count(p.n_invalid_rows, 'sequence')} hold "
            f"{_count(n_bad, 'character')} outside the {alph.word} alphabet "
            f"({seqs.counts_words(p.invalid)}): "
            f"{seqs.places_words(p, name_row)}"
            + (f"; and {more:,} more sequence(s)" if more > 0 else "")
            + f". They are read as 'unknown {alph.unit}'."
        ),
        fix="correct those letters in the file: a '-' or '.' is an alignment gap "
        "(export the sequences without gaps), a digit or symbol is a typing or export "
        "error; then import again.",
        columns=[col],
        detail={
            "letters": p.invalid,
            "sequences": p.n_invalid_rows,
            "first": [
                {"where": name_row(r), "position": pos, "letter": ch} for r, pos, ch in p.invalid_at
            ],
        },
    )


def _empty_finding(col: str, p: seqs.SequenceProfile, name_row) -> Finding:
    """Rows without a sequence."""
    rows = ", ".join(name_row(r) for r in p.empty_rows)
    more = p.n_empty - len(p.empty_rows)
    return Finding(
        code="sequence-empty",
        severity="warning",
        step=STEP,
        message=(
            f"'{col}' is empty in {p.n_empty:,} of {p.n + p.n_empty:,} rows ({rows}"
            + (f" and {more:,} more" if more > 0 else "")
            + "): there is no sequence to learn from there."
        ),
        fix="fill in the missing sequences, or remove those rows from the file, then import again.",
        columns=[col],
        detail={"rows": p.n_empty},
    )


def _duplicates_finding(col: str, p: seqs.SequenceProfile, name_row) -> Finding:
    """Rows that share their sequence with another row."""
    extra = p.n_duplicated - p.n_duplicate_groups
    example = " and ".join(name_row(r) for r in p.duplicate_example[:2])
    return Finding(
        code="sequence-duplicates",
        severity="warning",
        step=STEP,
        message=(
            f"'{col}': {p.n_duplicated:,} rows share their sequence with another row: "
            f"{_count(p.n_duplicate_groups, 'sequence')} occur more than once, so "
            f"{extra:,} row(s) are extra copies (for example {example} hold the same "
            "sequence). "
            "A copy in the training set and another in the test set would let a model "
            "remember instead of learn."
        ),
        fix="keep identical sequences on one side of the split (grouping by sequence "
        "identity does this); if a copy carries another label, one label is wrong or "
        "the sequence alone cannot tell the classes apart; remove copies entered twice "
        "by mistake.",
        columns=[col],
        detail={
            "extra_copies": extra,
            "sequences": p.n_duplicate_groups,
            "rows": p.n_duplicated,
        },
    )
