"""Read one file (CSV/TSV/text, Excel, Parquet) into a pandas table, or raise a DataError.

Row numbers in messages count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import contextlib
import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.errors import DataError
from dlwizard.io import checks, sequences
from dlwizard.io.sniff import (
    EXCEL_SUFFIXES,
    PARQUET_SUFFIXES,
    FileScan,
    column_letter,
    reject_binary,
    scan_file,
    sniff_dialect,
)
from dlwizard.jobs import Job
from dlwizard.study.model import DEFAULT_NA_VALUES, FileRecord, Finding

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class ReadResult:
    table: pd.DataFrame
    record: FileRecord
    findings: list[Finding] = field(default_factory=list)
    first_row: int = 2  # the row (as a spreadsheet numbers it) that holds the first data row
    # Columns known to hold sequences, with their alphabet (a FASTA file's 'sequence').
    alphabets: dict[str, str] = field(default_factory=dict)


def file_format(path: Path, scan: FileScan | None = None) -> str:
    if sequences.fasta_name(path):
        return "fasta"
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return "xlsx"
    if suffix == ".xls":
        return "xls"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    return "text"


def read_file(
    path: str | Path,
    *,
    sheet: str | None = None,
    delimiter: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    na_values: list[str] | tuple[str, ...] = DEFAULT_NA_VALUES,
    role: str = "data",
    job: Job | None = None,
) -> ReadResult:
    path = Path(path)
    job = job or Job()
    fmt = file_format(path)
    if fmt == "fasta" or (fmt == "text" and sequences.looks_like_fasta(path)):
        # By name, or by content: a text file whose first non-blank character is '>'.
        return sequences.read_fasta(path, job, role=role)
    if fmt == "xls":
        _not_old_excel(path)
        raise DataError(
            "is an old Excel 97-2003 workbook (.xls), which dlwizard does not read",
            file=path,
            fix="open it in Excel or LibreOffice and save it as .xlsx or CSV.",
        )
    scan = scan_file(path, job.sub(0.0, 0.3), text=(fmt == "text"))
    if fmt == "xlsx":
        result = _read_excel(path, scan, sheet, na_values, job.sub(0.3, 0.9))
    elif fmt == "parquet":
        result = _read_parquet(path, scan)
    else:
        result = _read_text(path, scan, delimiter, decimal, encoding, na_values, job.sub(0.3, 0.9))
    result.record.role = role  # type: ignore[assignment]
    job.progress(0.9, f"Checking {path.name}")
    result.findings += checks.check_table(result.table, path, first_row=result.first_row)
    result.record.n_rows, result.record.n_columns = result.table.shape
    job.progress(1.0, f"Read {path.name}")
    return result


def _not_old_excel(path: Path) -> None:
    """Web applications often save a web page or a text table with an .xls name; say so."""
    if not path.is_file():
        scan_file(path, text=False)  # 'no such file' / 'is a folder'
    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            "is a new Excel workbook (.xlsx) with an .xls name",
            file=path,
            fix=f"rename it to {path.stem}.xlsx and import it again.",
        )
    if head.startswith(b"\xd0\xcf\x11\xe0") or not head:
        return
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:100].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table", b"<head", b"<body")):
        raise DataError(
            "is a web page (HTML) or XML file with an .xls name, not an Excel workbook",
            file=path,
            fix="open it in Excel or LibreOffice and save it as .xlsx or CSV, then import that.",
        )
    if b"\x00" not in head and any(sep in head for sep in b",;\t"):
        raise DataError(
            "is a text table (CSV or TSV) with an .xls name, not an Excel workbook",
            file=path,
            fix=f"rename it to {path.stem}.csv (or .tsv) and import it again.",
        )


# -- text -----------------------------------------------------------------------------------------
def _read_text(path, scan, delimiter, decimal, encoding, na_values, job: Job) -> ReadResult:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    reject_binary(scan, "text")
    findings: list[Finding] = []
    if encoding:
        try:
            "".encode(encoding)
        except LookupError as exc:
            raise DataError(
                f"unknown text encoding {encoding!r}",
                file=path,
                fix="use utf-8, latin-1 or cp1252, or leave the encoding on automatic.",
            ) from exc
        if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} and scan.encoding not in (
            "utf-8",
            "utf-8-sig",
        ):
            raise DataError(
                "is not valid UTF-8 text",
                file=path,
                row=scan.first_bad_line,
                fix="set the encoding to latin-1 or cp1252 (Windows), or leave it on automatic.",
            )
        scan.encoding = encoding
        with path.open("rb") as fh:
            scan.head_text = fh.read(256 * 1024).decode(encoding, errors="replace")
    elif scan.first_bad_line is not None:
        findings.append(
            Finding(
                code="encoding-fallback",
                severity="warning",
                step="data",
                message=(
                    f"{path.name} is not UTF-8 text (first non-UTF-8 character on row "
                    f"{scan.first_bad_line}); it was read as {scan.encoding} (Western European)."
                ),
                fix="check that accented names and symbols such as µ look right in the preview; "
                "if not, choose the file's encoding by hand.",
                detail={"file": path.name, "row": scan.first_bad_line, "encoding": scan.encoding},
            )
        )
    dialect = sniff_dialect(scan, delimiter, decimal)
    names = _unique_header(dialect.header, path, row=dialect.header_line)
    if dialect.notes:
        findings.append(
            Finding(
                code="notes-skipped",
                severity="info",
                step="data",
                message=(
                    f"{path.name}: the first {len(dialect.notes)} line(s) start with '#' and were "
                    f"read as notes, not as part of the table (the column names are on row "
                    f"{dialect.header_line}): '{dialect.notes[0][:80]}'."
                ),
                fix="if those lines hold column names or data, remove the '#' in the file and "
                "import again.",
                detail={"file": path.name, "notes": dialect.notes[:20]},
            )
        )
    first_line = next((ln for ln in scan.head_text.splitlines()[dialect.header_line :] if ln), "")
    spaced = len(names[0].split()) > 1 and len(names[0].split()) == len(first_line.split())
    if len(names) == 1 and (scan.size > 1024 or spaced) and not delimiter:
        findings.append(
            Finding(
                code="single-column",
                severity="warning",
                step="data",
                message=f"{path.name} was read as a single column ('{names[0][:60]}').",
                fix="if the file uses another separator (spaces, for example), choose it by hand.",
            )
        )
    read_enc = scan.encoding or "utf-8"
    arrow_enc = "utf8" if read_enc in ("utf-8", "utf-8-sig") else read_enc
    # Blocks of at least ~256 rows: with 1 MB blocks a 20,000-column table is parsed in hundreds
    # of tiny chunks per column, which costs time and memory when they are joined.
    line_bytes = len(scan.head_text.split("\n", 1)[0].encode("utf-8", "replace")) + 1
    block = int(min(max(1 << 22, 256 * line_bytes), 1 << 26))
    for _attempt in range(2):
        job.progress(0.1, f"Parsing {path.name}")
        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(
                    column_names=names,
                    skip_rows=dialect.header_line,
                    encoding=arrow_enc,
                    block_size=block,
                ),
                parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter),
                convert_options=pacsv.ConvertOptions(
                    null_values=list(na_values),
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    decimal_point=dialect.decimal,
                ),
            )
            break
        except pa.ArrowInvalid as exc:
            text = str(exc)
            if "straddl" in text and block < scan.size + 1:
                block = min(scan.size + 1, 1 << 30)  # one huge row: give the parser room
                continue
            if "Could not skip initial" in text:  # the file ends inside the header line
                raise DataError(
                    "has column names but no data rows",
                    file=path,
                    fix="export the data again including its rows.",
                ) from exc
            raise _explain_parse_error(path, read_enc, dialect, len(names), text) from exc
    else:  # pragma: no cover - the loop always breaks or raises
        raise DataError("could not be parsed", file=path)
    job.progress(0.8, f"Converting {path.name}")
    # self_destruct frees each Arrow column as soon as it is converted: a lower peak.
    df = table.to_pandas(self_destruct=True)
    del table
    # Rows of nothing but separators at the end (',,,' lines a spreadsheet leaves below the
    # table) are not samples.
    filled = np.flatnonzero(df.notna().any(axis=1).to_numpy()) if len(df) else []
    if len(filled) and filled[-1] < len(df) - 1:
        df = df.iloc[: filled[-1] + 1]
    if len(df) == 0:
        raise DataError(
            "has column names but no data rows",
            file=path,
            fix="export the data again including its rows.",
        )
    if scan.quote_chars % 2 and not read_enc.startswith(("utf-16", "utf-32")):
        _check_quote_left_open(path, read_enc, dialect, df)
    record = FileRecord(
        path=str(path),
        name=path.name,
        sha256=scan.sha256,
        size_bytes=scan.size,
        format="tsv" if dialect.delimiter == "\t" else "csv",
        encoding=read_enc,
        delimiter=dialect.delimiter,
        decimal=dialect.decimal,
    )
    return ReadResult(df, record, findings, first_row=dialect.header_line + 1)


def _unique_header(header: list[str], path: Path, row: int = 1) -> list[str]:
    """Check column names; repeated 'call' columns (microarray detection calls) are numbered."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(header):
        name = raw.strip()
        if not name:
            name = f"unnamed_{column_letter(i)}"
        if name in seen:
            if name.lower() == "call":
                k = 1
                while f"{name}.{k}" in seen:
                    k += 1
                name = f"{name}.{k}"
            else:
                raise DataError(
                    f"the column name '{name}' appears more than once (columns "
                    f"{column_letter(seen[name])} and {column_letter(i)})",
                    file=path,
                    row=row,
                    column=name,
                    fix="rename one of the columns so every column name is unique.",
                )
        seen[name] = i
        names.append(name)
    return names


@contextlib.contextmanager
def _no_field_limit():
    """Let the csv module read a value of any length (its default limit is 128 kB)."""
    old = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _check_quote_left_open(path: Path, encoding: str, dialect, df: pd.DataFrame) -> None:
    """A quote opened in the last column and never closed swallows every row below it into one
    value, and the parser accepts it; an odd number of quote characters gives it away."""
    last = df.iloc[-1]
    if not any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in last.tolist()):
        return  # a literal quote inside a value (12" tube): odd, but nothing was swallowed
    start = end = dialect.header_line
    with _no_field_limit(), open(path, encoding=encoding, errors="replace", newline="") as fh:
        for _ in range(dialect.header_line):
            fh.readline()
        reader = csv.reader(fh, delimiter=dialect.delimiter)
        for row in reader:
            if row:
                start = end + 1
            end = dialect.header_line + reader.line_num
    if end > start:
        raise DataError(
            f'a quote character (") opened in row {start} is never closed, so rows {start} to '
            f"{end} were read as one value",
            file=path,
            row=start,
            fix=f"check row {start} for a stray or unclosed quote: put the closing quote after "
            "the value, or remove the quote, then import again.",
        )


def _explain_parse_error(path, encoding, dialect, n_columns, text) -> DataError:
    """Find the exact row that breaks the table; pyarrow's message does not name it."""
    delimiter = dialect.delimiter
    sep = {"\t": "tab", ",": "comma", ";": "semicolon"}.get(delimiter, repr(delimiter))
    try:
        with _no_field_limit(), open(path, encoding=encoding, errors="replace", newline="") as fh:
            for _ in range(dialect.header_line):  # notes, blank lines and the header itself
                fh.readline()
            base = dialect.header_line
            reader = csv.reader(fh, delimiter=delimiter)
            last_line = base
            n_good = 0
            for row in reader:
                start, end = last_line + 1, base + reader.line_num
                last_line = end
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue
                if len(row) == n_columns:
                    n_good += 1
                    continue
                if end > start:
                    return DataError(
                        f'a quote character (") opened in row {start} has no closing quote, so '
                        f"rows {start} to {end} were read as one row",
                        file=path,
                        row=start,
                        fix=f"check row {start} for a stray or unclosed quote: put the closing "
                        "quote after the value, or remove the quote, then import again.",
                    )
                if n_good == 0 and len(row) > n_columns:
                    return DataError(
                        f"the column-name line (row {dialect.header_line}) has {n_columns} "
                        f"value(s) but row {end} has {len(row)}: the first line is probably a "
                        "title or a note, not the column names",
                        file=path,
                        row=end,
                        fix="delete the lines above the column names so that the first line of "
                        "the file holds the column names, then import again.",
                    )
                return DataError(
                    f"this row has {len(row)} values but the header has {n_columns} columns",
                    file=path,
                    row=end,
                    fix=f"check row {end} for a missing or extra {sep} (a "
                    "decimal comma or a comma inside a name needs quotes), or delete the row.",
                )
    except csv.Error as exc:
        return DataError(
            f"could not be parsed: {exc}",
            file=path,
            fix="check for an unclosed quote character near that row.",
        )
    return DataError(
        f"could not be parsed: {text.splitlines()[0][:200]}",
        file=path,
        fix="check that the file is a plain table with one header row.",
    )


# -- Excel ----------------------------------------------------------------------------------------
def sheet_names(path: str | Path) -> list[str]:
    import openpyxl

    path = Path(path)
    _check_excel_container(path)
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception as exc:
        raise _corrupt_excel(path) from exc
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _check_excel_container(path: Path) -> None:
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE container: Excel wraps a password-protected workbook in one (its streams are
        # named EncryptionInfo and EncryptedPackage); otherwise it is an old .xls workbook.
        if _contains(path, "EncryptedPackage".encode("utf-16-le")):
            raise DataError(
                "is protected with a password (the workbook is encrypted), so it cannot be read",
                file=path,
                fix="open it in Excel with its password, remove the password (File > Info > "
                "Protect Workbook > Encrypt with Password, clear it), save it, and import it "
                "again; or save the sheet as CSV.",
            )
        raise DataError(
            "is an old Excel 97-2003 workbook (.xls) with an .xlsx name, which dlwizard does not "
            "read",
            file=path,
            fix="open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook) or CSV.",
        )
    if not zipfile.is_zipfile(path):
        with path.open("rb") as fh:
            sample = fh.read(4096)
        control = sum(b < 9 or 13 < b < 32 for b in sample)
        if sample and control == 0 and any(sep in sample for sep in b",;\t"):
            raise DataError(
                "is a text table (CSV or TSV) with an Excel name, not an Excel workbook",
                file=path,
                fix=f"rename it to {path.stem}.csv (or .tsv) and import it again.",
            )
        raise _corrupt_excel(path)


def _contains(path: Path, needle: bytes, chunk: int = 1 << 20) -> bool:
    """Whether the file's bytes contain ``needle`` (read in chunks, never all at once)."""
    tail = b""
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            if needle in tail + block:
                return True
            tail = block[-len(needle) :]
    return False


def _corrupt_excel(path: Path) -> DataError:
    return DataError(
        "cannot be read as an Excel workbook; it is damaged or not really an .xlsx file",
        file=path,
        fix="open it in Excel or LibreOffice and save it again as .xlsx, or export the sheet "
        "as CSV.",
    )


def _read_excel(path, scan, sheet, na_values, job: Job) -> ReadResult:
    import pandas as pd

    names = sheet_names(path)
    if sheet is None:
        sheet = names[0]
    elif sheet not in names:
        raise DataError(
            f"has no sheet named '{sheet}' (its sheets are: {', '.join(names)})",
            file=path,
            fix="choose one of the sheets listed.",
        )
    job.progress(0.1, f"Reading sheet {sheet} of {path.name}")
    try:
        raw = pd.read_excel(
            path,
            sheet_name=sheet,
            header=None,
            engine="openpyxl",
            na_values=list(na_values),
            keep_default_na=False,
        )
    except Exception as exc:
        raise _corrupt_excel(path) from exc
    raw = raw.dropna(how="all").dropna(axis=1, how="all")
    if raw.empty:
        raise DataError(
            f"the sheet '{sheet}' is empty", file=path, fix="choose the sheet that holds the table."
        )
    header_row = int(raw.index[0]) + 1  # as Excel numbers it (pandas keeps the sheet's rows)
    if len(raw) > 1 and raw.shape[1] > 1:
        filled = raw.iloc[:2].notna().sum(axis=1).tolist()
        if filled[0] == 1 and filled[1] > 1:
            raise DataError(
                "the first row of the table holds a single value (a title or a note), not the "
                "column names",
                file=path,
                row=header_row,
                fix="delete the rows above the column names so that the first row of the sheet "
                "holds the column names, then save and import again.",
            )
    header = [_excel_name(v) for v in raw.iloc[0].tolist()]
    names_ = _unique_header(header, path, row=header_row)
    _check_sheet_cells(path, sheet, header_row, dict(zip(raw.columns, names_, strict=True)))
    body = raw.iloc[1:].reset_index(drop=True)
    if body.empty:
        raise DataError(
            f"the sheet '{sheet}' has column names but no data rows",
            file=path,
            fix="choose the sheet that holds the data.",
        )
    body.columns = names_
    # header=None reads every column as mixed objects; let pandas infer the real types.
    body = body.infer_objects()
    for col in body.columns:
        if body[col].dtype == object:
            converted = pd.to_numeric(body[col], errors="coerce")
            if converted.notna().sum() == body[col].notna().sum():
                body[col] = converted
    record = FileRecord(
        path=str(path),
        name=path.name,
        sha256=scan.sha256,
        size_bytes=scan.size,
        format="xlsx",
        sheet=sheet,
    )
    return ReadResult(body, record, [], first_row=header_row + 1)


def _excel_name(value) -> str:
    """A header cell as text: 400.0 (a wavelength read as a number) is the name '400'."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c>)", re.S)
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*\bref=\"([A-Z]+)(\d+):([A-Z]+)(\d+)\"")
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def _letters_to_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _check_sheet_cells(path: Path, sheet: str, header_row: int, names: dict) -> None:
    """What pandas does not show: merged cells (a value in the first cell only) and formulas
    whose results were never calculated (no cached value: read as empty)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            member = wb[sheet]._worksheet_path
        finally:
            wb.close()
        with zipfile.ZipFile(path) as zf:
            xml = zf.read(member.lstrip("/"))
    except Exception:  # only a closer look: reading itself already worked
        return

    def name_of(letters: bytes) -> str:
        index = _letters_to_index(letters.decode())
        return str(names.get(index, letters.decode()))

    merged = [
        (m.group(1).decode(), int(m.group(2)), m.group(3).decode(), int(m.group(4)))
        for m in _MERGE.finditer(xml)
    ]
    merged = sorted(m for m in merged if m[3] >= header_row)  # not a title above the table
    in_header = [f"{c1}{r1}:{c2}{r2}" for c1, r1, c2, r2 in merged if r1 <= header_row]
    if in_header:
        raise DataError(
            f"the column-name row has merged cells ({', '.join(in_header[:3])}): a heading over "
            "a group of columns, so the names of the columns below it are not on one row",
            file=path,
            row=header_row,
            fix="unmerge the cells and keep a single row of column names, one name per "
            "column (delete the group headings, or fold them into the names), then save "
            "and import again.",
        )
    if merged:
        c1, r1, c2, r2 = min(merged, key=lambda m: (m[1], m[0]))
        ref = f"{c1}{r1}:{c2}{r2}"
        raise DataError(
            f"cells {ref} are merged, so only the first of them holds the value and the others "
            "would be read as missing",
            file=path,
            row=r1,
            column=name_of(c1.encode()),
            fix=f"unmerge {ref} and fill the value into every cell (Excel: Home > Merge & Center "
            "> Unmerge Cells), then save and import again.",
        )
    if b"<f" not in xml and b":f" not in xml:
        return
    missing: list[tuple[bytes, int]] = []
    for m in _CELL.finditer(xml):
        body = m.group(3) or b""
        if not re.search(rb"<(?:\w+:)?f\b", body):
            continue
        value = re.search(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>", body)
        if value is None or not value.group(1).strip():
            ref = _REF.search(m.group(1))
            if ref is not None and int(ref.group(2)) > header_row:
                missing.append((ref.group(1), int(ref.group(2))))
    if missing:
        letters, row = missing[0]
        more = f" and {len(missing) - 1} more cell(s)" if len(missing) > 1 else ""
        raise DataError(
            f"holds formulas whose results were never calculated (cell {letters.decode()}{row}"
            f"{more}): the workbook was written by a program and never opened and saved in a "
            "spreadsheet, so these cells have no values to read",
            file=path,
            row=row,
            column=name_of(letters),
            fix="open the file in Excel or LibreOffice (it calculates the formulas), save it, "
            "and import it again; or export the sheet as CSV.",
        )


# -- Parquet --------------------------------------------------------------------------------------
def _read_parquet(path: Path, scan: FileScan) -> ReadResult:
    import pyarrow.parquet as pq

    if scan.magic != "parquet":
        raise DataError(
            "is not a Parquet file (it does not start with the Parquet signature)",
            file=path,
            fix="choose the right file, or rename it with its real extension (.csv, .xlsx).",
        )
    try:
        names = [str(n) for n in pq.read_schema(path).names]
    except Exception:  # damaged: read_table below says how
        names = []
    _unique_header(names, path)
    try:
        table = pq.read_table(path)
    except Exception as exc:
        detail = str(exc).splitlines()[0].replace(str(path), path.name)[:200]
        if "magic bytes not found in footer" in detail:
            detail = "the end of the file is missing (it was probably cut short while being copied)"
        raise DataError(
            f"cannot be read as Parquet: {detail}",
            file=path,
            fix="the file is damaged or truncated; copy or write it again from its source.",
        ) from exc
    import pyarrow.types as pat

    header = [str(n) for n in table.column_names]
    _unique_header(header, path)
    for name, field_ in zip(header, table.schema, strict=True):
        t = field_.type
        if pat.is_nested(t) or pat.is_binary(t) or pat.is_large_binary(t):
            kind = "raw bytes" if pat.is_binary(t) or pat.is_large_binary(t) else "lists or records"
            raise DataError(
                f"holds {kind} in each cell ({t}), not one value per cell",
                file=path,
                column=name,
                fix=f"write the column '{name}' as one value per cell (one column per list "
                "item), or drop it, then write the file again.",
            )
    df = table.to_pandas()
    df.columns = header
    if len(df) == 0:
        raise DataError(
            "has column names but no data rows",
            file=path,
            fix="write the table again from its source, including its rows.",
        )
    record = FileRecord(
        path=str(path), name=path.name, sha256=scan.sha256, size_bytes=scan.size, format="parquet"
    )
    return ReadResult(df.reset_index(drop=True), record, [])
