"""Bad and awkward input files: each one gets a clear, actionable message, and nothing is
half-imported.

The corpus is tests/data/bad (its README.md lists every file and what it checks; make_corpus.py
regenerates it byte for byte). A file that cannot be imported must raise a DataError that names
the file, the row and column where known, and says what to do, and must leave the project that
was open exactly as it was: same table, same study JSON, same audit log. A file that can be
imported but needs a second look must import correctly and leave a finding with a stable code.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from dlwizard.errors import DataError, DlwizardError, ProjectFileError
from dlwizard.steps import data, question
from dlwizard.study import container
from dlwizard.study.model import ImportOptions, SampleSheet
from dlwizard.study.project import Project

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
BASELINE = BAD / "_baseline.csv"


# -- helpers --------------------------------------------------------------------------------------
def options(*paths: Path, **kw) -> ImportOptions:
    return ImportOptions(paths=[str(p) for p in paths], **kw)


@pytest.fixture
def project() -> Project:
    """A project that already holds a successful import of a tiny good table."""
    p = Project.new("bad inputs")
    data.run(p, options(BASELINE, sample_id_column="sample_id"))
    question.apply(p, target="label")
    assert p.table is not None and p.table.shape == (4, 4)
    p.dirty = False  # as if just saved: a failed import must not even mark it changed
    return p


Snapshot = tuple[pd.DataFrame, str, list[dict], bool]


def snapshot(p: Project) -> Snapshot:
    assert p.table is not None
    table = p.table.copy(deep=True)
    return table, p.study.model_dump_json(), [e.to_json() for e in p.log], p.dirty


def assert_unchanged(p: Project, before: Snapshot) -> None:
    table, study_json, log, dirty = before
    assert p.table is not None
    pd.testing.assert_frame_equal(p.table, table)
    assert p.study.model_dump_json() == study_json
    assert [e.to_json() for e in p.log] == log
    assert p.dirty == dirty


def assert_actionable(
    err: DlwizardError,
    name: str,
    *,
    row: int | None = None,
    column: str | None = None,
    says: tuple[str, ...] = (),
) -> None:
    """The message names the file, the row and column where known, and says what to do."""
    text = str(err)
    assert err.file is not None and Path(err.file).name == name
    assert text.startswith(name), text
    assert err.fix and len(err.fix) > 15, text
    assert f"\nWhat to do: {err.fix}" in text
    assert err.row == row, text
    if row is not None:
        assert f"row {row}" in text
    assert err.column == column, text
    if column is not None:
        assert f"column '{column}'" in text
    for phrase in says:
        assert phrase in text, f"{phrase!r} not in {text!r}"


def import_fails(p: Project, *paths: Path, **kw) -> DataError:
    before = snapshot(p)
    with pytest.raises(DataError) as info:
        data.run(p, options(*paths, **kw))
    assert_unchanged(p, before)
    return info.value


def imported(path: Path, **kw) -> Project:
    p = Project.new("awkward input")
    data.run(p, options(path, **kw))
    return p


def finding(p: Project, code: str):
    found = [f for f in p.study.findings if f.code == code]
    assert len(found) == 1, [f.code for f in p.study.findings]
    assert found[0].fix, f"finding {code} has no fix"
    return found[0]


# -- files that cannot be imported ----------------------------------------------------------------
# (file, import options, row, column, phrases the message must contain)
CANNOT_IMPORT = [
    ("empty.csv", {}, None, None, ("empty (0 bytes)",)),
    ("whitespace_only.csv", {}, None, None, ("only blank space",)),
    ("header_only.csv", {}, None, None, ("no data rows",)),
    ("png_renamed.csv", {}, None, None, ("not a text table", "image")),
    ("binary_random.csv", {}, None, None, ("binary data",)),
    ("gzip_renamed.csv", {}, None, None, ("compressed (gzip)", "decompress")),
    ("xlsx_renamed.csv", {}, None, None, ("rename it to .xlsx",)),
    ("old_excel.xls", {}, None, None, ("Excel 97-2003", "save it as .xlsx or CSV")),
    ("csv_renamed.parquet", {}, None, None, ("not a Parquet file", "real extension")),
    ("truncated.parquet", {}, None, None, ("end of the file is missing",)),
    ("ragged_rows.csv", {}, 4, None, ("4 values", "3 columns", "check row 4")),
    ("unclosed_quote.csv", {}, 3, None, ("quote", "rows 3 to 5", "check row 3")),
    ("quote_left_open.csv", {}, 3, None, ("never closed", "rows 3 to 5", "check row 3")),
    ("duplicate_columns.csv", {}, 1, "TP53", ("more than once", "columns B and C", "rename")),
    ("title_line.csv", {}, 2, None, ("title or a note", "delete the lines above")),
    ("latin1.csv", {"encoding": "utf-8"}, 3, None, ("not valid UTF-8", "latin-1")),
    ("workbook_sheets.xlsx", {"sheet": "Data"}, None, None,
     ("no sheet named 'Data'", "Samples, Empty, Header only", "choose one of the sheets")),
    ("workbook_sheets.xlsx", {"sheet": "Empty"}, None, None, ("sheet 'Empty' is empty",)),
    ("workbook_sheets.xlsx", {"sheet": "Header only"}, None, None, ("no data rows",)),
    ("password_protected.xlsx", {}, None, None, ("password", "remove the password")),
    ("corrupt.xlsx", {}, None, None, ("damaged", "save it again as .xlsx")),
    ("csv_renamed.xlsx", {}, None, None, ("text table", "rename it to csv_renamed.csv")),
    # issue 13
    ("latin1.csv", {"encoding": "klingon"}, None, None, ("unknown text encoding", "automatic")),
    ("repeated_header_row.csv", {}, 4, None, ("column names appear again", "delete")),
    ("header_only_no_newline.csv", {}, None, None, ("no data rows",)),
    ("duplicate_columns_after_spaces.csv", {}, 1, "TP53", ("columns B and C", "rename")),
    ("html_renamed.csv", {}, None, None, ("web page (HTML)", "save the table as CSV")),
    ("json_renamed.csv", {}, None, None, ("JSON", "convert it")),
    ("nul_byte.csv", {}, 3, None, ("NUL character", "row 3")),
    ("bzip2_renamed.csv", {}, None, None, ("compressed (bzip2)", "decompress")),
    ("xz_renamed.csv", {}, None, None, ("compressed (xz)", "decompress")),
    ("zip_of_csv.csv", {}, None, None, ("zip", "unzip it")),
    ("pdf_renamed.csv", {}, None, None, ("PDF document",)),
    ("html_as_xls.xls", {}, None, None, ("web page (HTML)", "save it as .xlsx or CSV")),
    ("tsv_as_xls.xls", {}, None, None, ("text table", "rename it to tsv_as_xls.csv")),
    ("xlsx_as_xls.xls", {}, None, None, ("(.xlsx) with an .xls name", "xlsx_as_xls.xlsx")),
    ("excel_merged_header.xlsx", {}, 1, None, ("merged cells (A1:B1, C1:E1)", "unmerge")),
    ("excel_merged_data_cells.xlsx", {}, 3, "label", ("B3:B5 are merged", "fill the value")),
    ("excel_repeated_header.xlsx", {}, 5, None, ("column names appear again", "delete")),
    ("excel_two_header_rows.xlsx", {}, 2, None, ("column names appear again",)),
    ("excel_title_row.xlsx", {}, 1, None, ("title or a note", "delete the rows above")),
    ("excel_formulas_uncalculated.xlsx", {}, 2, "ratio",
     ("never calculated", "cell D2 and 6 more", "open the file in Excel or LibreOffice")),
    ("parquet_duplicate_columns.parquet", {}, 1, "TP53", ("more than once",)),
    ("parquet_no_rows.parquet", {}, None, None, ("no data rows",)),
    ("parquet_nested_column.parquet", {}, None, "spectrum", ("lists or records", "one value")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "opts", "row", "column", "says"),
    CANNOT_IMPORT,
    ids=[f"{c[0]}{'-' + '-'.join(map(str, c[1].values())) if c[1] else ''}" for c in CANNOT_IMPORT],
)
def test_cannot_import(project, name, opts, row, column, says):
    err = import_fails(project, BAD / name, **opts)
    assert_actionable(err, name, row=row, column=column, says=says)


def test_a_bad_file_among_good_ones_imports_nothing(project):
    err = import_fails(project, BASELINE, BAD / "ragged_rows.csv")
    assert_actionable(err, "ragged_rows.csv", row=4, says=("4 values",))


def test_ten_megabyte_single_value(project, tmp_path):
    """A 10 MB value on one line (a sequence pasted into a cell) is refused by name and place."""
    path = tmp_path / "long_value.csv"
    path.write_text(
        "sample_id,sequence,label\nS1," + "ACGT" * 2_500_000 + ",tumour\nS2,ACGT,normal\n"
    )
    assert path.stat().st_size > 10_000_000
    err = import_fails(project, path)
    assert_actionable(
        err,
        "long_value.csv",
        row=2,
        column="sequence",
        says=("10,000,000 characters", "remove the column 'sequence'"),
    )


def test_quote_that_swallows_a_large_file(project, tmp_path):
    """An open quote in the last column would turn 20,000 rows into one value: refused."""
    path = tmp_path / "swallowed.csv"
    rows = [f"S{i},{i * 0.5},normal" for i in range(2, 20_001)]
    path.write_text('sample_id,marker,label\nS1,0.5,"tumour\n' + "\n".join(rows) + "\n")
    err = import_fails(project, path)
    assert_actionable(err, "swallowed.csv", row=2, says=("never closed", "rows 2 to 20001"))


def test_million_character_cell(project, tmp_path):
    """A 10^6-character value inside quotes, with commas in it, is refused by row and column."""
    path = tmp_path / "million.csv"
    cell = ("ACGT," * 250_000)[:1_000_000]
    path.write_text(f'sample_id,sequence,label\nS1,x,tumour\nS2,"{cell}",normal\nS3,y,tumour\n')
    err = import_fails(project, path)
    assert_actionable(
        err, "million.csv", row=3, column="sequence", says=("1,000,000 characters", "shorten")
    )


def test_fifty_thousand_columns(tmp_path):
    """A 50,000-column table (a wide omics export) imports whole, names and values intact."""
    n = 50_000
    path = tmp_path / "wide.csv"
    header = "sample_id,label," + ",".join(f"g{j}" for j in range(n))
    rows = [f"S{i},{'ab'[i % 2]}," + ",".join(["1.5"] * (n - 1) + [str(i)]) for i in range(4)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    p = imported(path, sample_id_column="sample_id")
    assert p.table.shape == (4, n + 2)
    assert p.table[f"g{n - 1}"].tolist() == [0, 1, 2, 3]
    assert p.study.data.files[0].n_columns == n + 2


def test_a_folder_given_as_the_file(project, tmp_path):
    folder = tmp_path / "data.csv"
    folder.mkdir()
    err = import_fails(project, folder)
    assert_actionable(err, "data.csv", says=("is a folder", "choose the data file inside"))


def test_a_symlink_to_a_good_file_imports_it(tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(BASELINE)
    p = imported(link, sample_id_column="sample_id")
    assert p.table.shape == (4, 4)
    assert p.study.data.files[0].sha256 == hashlib.sha256(BASELINE.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", ["dangling", "loop"])
def test_a_broken_symlink(project, tmp_path, kind):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "gone.csv" if kind == "dangling" else link)
    err = import_fails(project, link)
    assert_actionable(err, "link.csv", says=("is a link", "choose the data file itself"))


def test_a_pipe_given_as_the_file_is_refused_without_waiting(project, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    err = import_fails(project, fifo)
    assert_actionable(err, "pipe.csv", says=("not a regular file",))


# -- sample sheets --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sheet", "column", "says"),
    [
        ("sheet_no_match.csv", None, ("'patient', 'batch'", "IDs like 'S1'", "'P-001'")),
        ("sheet_duplicate_ids.csv", "sample_id", ("'S2' appears more than once", "rows 3, 4")),
    ],
)
def test_sample_sheet_cannot_be_joined(project, sheet, column, says):
    err = import_fails(
        project,
        BASELINE,
        sample_id_column="sample_id",
        sample_sheet=SampleSheet(path=str(BAD / sheet), key=None, data_key="sample_id"),
    )
    assert_actionable(err, sheet, column=column, says=says)


def test_sample_sheet_that_matches_some_samples():
    p = imported(
        BASELINE,
        sample_id_column="sample_id",
        sample_sheet=SampleSheet(path=str(BAD / "sheet_partial_match.csv"), data_key="sample_id"),
    )
    f = finding(p, "sample-sheet-unmatched")
    assert f.severity == "warning"
    assert f.message.startswith("sheet_partial_match.csv: ")
    assert "(S3, S4)" in f.message and "(S9)" in f.message
    assert p.table["batch"].tolist()[:2] == ["b1", "b2"]
    assert p.table["batch"].isna().tolist() == [False, False, True, True]


def test_duplicate_sample_ids_in_the_data():
    p = imported(BAD / "duplicate_sample_ids.csv", sample_id_column="sample_id")
    f = finding(p, "duplicate-sample-ids")
    assert "'S2'" in f.message and f.columns == ["sample_id"]
    assert len(p.table) == 4


# -- files that import, with a finding ------------------------------------------------------------
def test_latin1_is_read_with_a_warning_naming_the_row():
    p = imported(BAD / "latin1.csv")
    f = finding(p, "encoding-fallback")
    assert f.severity == "warning"
    assert "latin1.csv" in f.message and "row 3" in f.message and f.detail["row"] == 3
    assert p.table["donor"].tolist() == ["Smith", "Müller", "Gómez", "Søren"]
    assert p.table["dose"].tolist()[1] == "5 µg"


def test_utf8_bom_does_not_reach_the_first_column_name():
    p = imported(BAD / "utf8_bom.csv", sample_id_column="sample_id")
    assert list(p.table.columns) == ["sample_id", "age", "marker", "label"]
    assert not any("\ufeff" in c for c in p.table.columns)
    assert p.study.data.files[0].encoding == "utf-8-sig"


def test_utf16_from_excel_unicode_text():
    p = imported(BAD / "utf16_excel_unicode.txt")
    assert list(p.table.columns) == ["sample_id", "age", "marker", "label"]
    assert p.table["marker"].tolist() == [1.5, 2.5, 3.5, 4.5]


def test_semicolons_and_decimal_commas():
    p = imported(BAD / "semicolon_decimal_comma.csv")
    record = p.study.data.files[0]
    assert (record.delimiter, record.decimal) == (";", ",")
    assert pd.api.types.is_float_dtype(p.table["marker"])
    assert p.table["marker"].tolist() == [1.5, 2.25, 3.75, -0.5]


def test_question_mark_na_and_empty_are_missing():
    p = imported(BAD / "missing_markers.csv")
    assert pd.api.types.is_numeric_dtype(p.table["age"])
    assert pd.api.types.is_float_dtype(p.table["marker"])
    assert p.table["age"].isna().tolist() == [False, True, False, False, False]
    assert p.table["marker"].isna().tolist() == [False, False, True, True, False]
    assert not [f.code for f in p.study.findings if f.code == "mixed-types"]


def test_infinite_and_nan_values():
    p = imported(BAD / "inf_nan.csv")
    f = finding(p, "infinite-values")
    assert f.columns == ["ratio"] and "inf_nan.csv" in f.message
    assert "2 infinite value(s) (row 3, 5)" in f.message
    assert f.detail["rows"] == [3, 5]
    assert p.table["ratio"].isna().tolist() == [False, True, True, True, False]
    assert p.table["marker"].notna().all()


def test_numbers_mixed_with_text_name_column_rows_and_values():
    p = imported(BAD / "mixed_types.csv")
    f = finding(p, "mixed-types")
    assert f.columns == ["crp"]
    assert "mixed_types.csv" in f.message and "column 'crp'" in f.message
    assert "row 3, 5" in f.message and "'n.d.'" in f.message and "'<0.1'" in f.message
    assert f.detail["rows"] == [3, 5]


def test_thousands_separators_are_flagged():
    p = imported(BAD / "thousands_separator.csv")
    f = finding(p, "numbers-as-text")
    assert f.columns == ["reads"] and "'1,234' in row 2" in f.message
    assert "decimal mark" in f.fix


def test_notes_above_the_table_are_skipped_and_rows_still_count_from_the_file():
    p = imported(BAD / "comment_lines.csv")
    f = finding(p, "notes-skipped")
    assert f.severity == "info" and "row 3" in f.message and "PlateReader" in f.message
    assert list(p.table.columns) == ["sample_id", "marker", "label"]
    assert len(p.table) == 4
    # The infinite value sits on row 6 of the file, below two notes and the header.
    assert "(row 6)" in finding(p, "infinite-values").message


def test_blank_lines_above_the_header():
    p = imported(BAD / "leading_blank_lines.csv")
    assert list(p.table.columns) == ["sample_id", "age", "marker", "label"]
    assert p.table["sample_id"].tolist() == ["S1", "S2", "S3", "S4"]


def test_old_mac_line_endings():
    p = imported(BAD / "old_mac_line_endings.csv")
    assert p.table.shape == (4, 4)
    assert p.table["label"].tolist() == ["tumour", "normal", "tumour", "normal"]


def test_numbered_sample_ids_do_not_turn_the_table():
    """S1..S4 look like gene symbols to a pattern, but a samples-as-rows table stays put."""
    p = imported(BASELINE)
    assert not p.study.data.transposed
    assert list(p.table.columns) == ["sample_id", "age", "marker", "label"]


def test_gene_symbols_turned_into_dates_in_a_genes_as_rows_table():
    p = imported(BAD / "genes_as_rows_excel_dates.csv")
    assert p.study.data.transposed
    assert p.table["sample_id"].tolist() == ["GSM101", "GSM102", "GSM103", "GSM104"]
    f = finding(p, "excel-gene-dates")
    assert "genes_as_rows_excel_dates.csv" in f.message
    assert "'1-Sep'" in f.message and "SEPT1" in f.message
    assert "'1-Mar'" in f.message and "MARCH1" in f.message
    assert f.columns == ["gene"]


def test_gene_symbols_turned_into_dates_as_column_headers():
    p = imported(BAD / "excel_dates_in_headers.csv")
    assert not p.study.data.transposed
    f = finding(p, "excel-gene-dates")
    assert "'1-Sep' in column names" in f.message and "'1-Mar' in column names" in f.message


def test_gene_symbols_stored_as_real_dates_in_a_workbook():
    p = imported(BAD / "excel_gene_dates.xlsx")
    f = finding(p, "excel-gene-dates")
    assert "'2006-09-01' in gene (probably SEPT1" in f.message
    assert "'2006-03-01' in gene (probably MARCH1" in f.message
    assert len(p.table) == 5


@pytest.mark.parametrize(
    "name", ["utf16_le_no_bom.csv", "utf16_be_bom.csv", "utf32_bom.csv", "mixed_line_endings.csv",
             "crlf_line_endings.csv", "trailing_empty_rows.csv"],
)  # fmt: skip
def test_encodings_and_line_endings_read_the_same_table(name):
    p = imported(BAD / name, sample_id_column="sample_id")
    base = imported(BASELINE, sample_id_column="sample_id")
    # Below the table, ',,,' rows made 'age' a float column (34.0): same values, other type.
    pd.testing.assert_frame_equal(
        p.table, base.table, check_dtype=name != "trailing_empty_rows.csv"
    )
    assert not [f.code for f in p.study.findings if f.step == "data"]


def test_cp1252_smart_quotes_and_euro():
    p = imported(BAD / "cp1252_smart_quotes.csv")
    f = finding(p, "encoding-fallback")
    assert "row 3" in f.message and "cp1252" in f.message
    assert p.table["note"].tolist()[1] == "\u201cfasted\u201d \u2013 5\u20ac"


def test_one_column():
    p = imported(BAD / "one_column.csv")
    assert list(p.table.columns) == ["marker"] and p.table["marker"].tolist()[0] == 1.5
    assert not [f.code for f in p.study.findings if f.step == "data"]  # nothing misread


def test_space_separated_table_read_as_one_column_is_flagged():
    p = imported(BAD / "space_separated.csv")
    assert p.table.shape == (4, 1)
    f = finding(p, "single-column")
    assert "'sample_id age marker label'" in f.message and "spaces" in f.fix


def test_empty_column_names_are_named_by_their_letter():
    p = imported(BAD / "empty_column_names.csv")
    assert list(p.table.columns) == ["unnamed_A", "age", "unnamed_C", "label"]
    assert p.table["unnamed_A"].tolist() == ["S1", "S2", "S3"]
    assert p.table["unnamed_C"].tolist() == [1.5, 2.5, 3.5]


@pytest.mark.parametrize("name", ["numeric_column_names.csv", "excel_numeric_header.xlsx"])
def test_numeric_column_names_stay_names(name):
    p = imported(BAD / name)
    assert list(p.table.columns)[2:5] == ["400", "401", "402"]
    assert all(isinstance(c, str) for c in p.table.columns)
    assert pd.api.types.is_float_dtype(p.table["400"]) or pd.api.types.is_numeric_dtype(
        p.table["400"]
    )


def test_trailing_separators_give_an_empty_column_that_is_flagged():
    p = imported(BAD / "trailing_separators.csv")
    f = finding(p, "empty-columns")
    assert f.columns == ["unnamed_D"]
    assert p.table["age"].tolist() == [34, 51, 47]


def test_trailing_separator_rows_are_not_samples():
    p = imported(BAD / "trailing_empty_rows.csv")
    assert len(p.table) == 4 and p.table["sample_id"].notna().all()


def test_formula_cells_are_imported_verbatim_and_numbers_stay_numbers():
    p = imported(BAD / "formula_injection.csv", sample_id_column="sample_id")
    assert p.table["sample_id"].tolist() == [
        '=HYPERLINK("http://evil.example","x")', "@SUM(1+1)*cmd", "-2+3", "+41"]  # fmt: skip
    assert p.table["note"].tolist()[:3] == ["+cmd|' /C calc'!A0", "-2+3", "=1+1"]
    assert p.table["marker"].tolist() == [1.5, -2.5, 3.5, 4.5]


def test_excel_formulas_with_calculated_values_are_read():
    p = imported(BAD / "excel_formulas_cached.xlsx")
    assert p.table["ratio"].round(6).tolist() == [round(i / (i + 1), 6) for i in range(2, 9)]


def test_excel_formula_errors_become_missing_never_numbers():
    p = imported(BAD / "excel_formula_errors.xlsx")
    assert pd.api.types.is_float_dtype(p.table["ratio"])
    assert p.table["ratio"].isna().tolist() == [False, False, True, False, False, True, False]


def test_excel_table_away_from_the_corner():
    p = imported(BAD / "excel_offset_table.xlsx")
    assert list(p.table.columns) == ["sample_id", "label", "TP53", "EGFR", "MYC"]
    assert p.table["TP53"].tolist() == [2.0, 3.0, 4.0, 5.0, 6.0, 7.0]


# -- targets --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "code", "severity", "says"),
    [
        ("target_all_missing.csv", "target-all-missing", "error", "has no values at all"),
        ("target_single_class.csv", "target-single-class", "error", "same value ('tumour')"),
        ("class_with_one_sample.csv", "class-too-small", "warning", "'metastasis'"),
        ("target_some_missing.csv", "target-missing-values", "warning", "1 of 5 rows"),
    ],
)
def test_target_problems(name, code, severity, says):
    p = imported(BAD / name)
    question.apply(p, target="label")
    f = finding(p, code)
    assert (f.step, f.severity, f.columns) == ("question", severity, ["label"])
    assert says in f.message
    assert p.is_done("question") == (severity != "error")


# -- project files --------------------------------------------------------------------------------
# (file, phrases the message must contain)
BAD_PROJECTS = [
    ("project_path_traversal.dlwiz", ("unsafe path", "'../../evil.txt'", "do not open")),
    ("project_pickle.dlwiz", ("'models/model.pkl'", "run code", "never reads")),
    ("project_truncated.dlwiz", ("damaged or truncated", "recovery copy")),
    ("project_newer_schema.dlwiz", ("newer dlwizard", "schema version 99", "install the newest")),
    ("project_tampered.dlwiz", ("'study.json'", "checksum", "backup")),
    ("project_invalid_study.dlwiz", ("study.json is not valid", "surprise")),
    ("project_zip_bomb.dlwiz", ("'data/table.parquet'", "zip bomb")),
    ("project_zip_bomb_lying_size.dlwiz", ("truncated or damaged",)),
    ("project_not_a_zip.dlwiz", ("not a dlwizard project", "zip container")),
    ("project_empty.dlwiz", ("empty (0 bytes)",)),
    ("project_excel_renamed.dlwiz", ("no manifest.json", "Excel or Word file")),
    # issue 13
    ("project_symlink_member.dlwiz", ("'data/table.parquet'", "symbolic link")),
    ("project_duplicate_member.dlwiz", ("'study.json' twice",)),
    ("project_member_larger_than_manifest.dlwiz", ("'log.jsonl'", "larger than its recorded")),
    ("project_absolute_path.dlwiz", ("unsafe path", "'/tmp/evil.txt'")),
    ("project_backslash_path.dlwiz", ("unsafe path", "evil.txt")),
    ("project_drive_path.dlwiz", ("unsafe path", "'C:/Windows/evil.txt'")),
    ("project_unknown_member.dlwiz", ("unexpected member 'models/run.sh'",)),
    ("project_member_missing.dlwiz", ("'data/table.parquet'", "missing but listed")),
    ("project_member_unlisted.dlwiz", ("'figures/extra.png'", "not listed")),
    ("project_no_study.dlwiz", ("no readable study.json",)),
    ("project_study_not_json.dlwiz", ("no readable study.json",)),
    ("project_study_wrong_types.dlwiz", ("study.json is not valid", "name")),
    ("project_schema_version_text.dlwiz", ("schema version", "'2'")),
    ("project_manifest_not_json.dlwiz", ("damaged manifest.json",)),
    ("project_manifest_wrong_types.dlwiz", ("damaged manifest.json",)),
    ("project_wrong_format.dlwiz", ("not a dlwizard project",)),
    ("project_log_damaged.dlwiz", ("audit log line 2",)),
    ("project_table_not_parquet.dlwiz", ("data table", "cannot be read")),
    ("project_tampered_model.dlwiz", ("'models/final.skops'",)),
    ("project_cut_in_central_directory.dlwiz", ("damaged or truncated",)),
    ("project_cut_after_first_member.dlwiz", ("damaged or truncated",)),
    ("project_encryption_header_damaged.dlwiz", ("encryption header", "damaged")),
]
BAD_PROJECTS += [
    ("project_study_not_object.dlwiz", ("not an object", "recovery copy")),
    ("project_deeply_nested_study.dlwiz", ("study.json", "nested too deeply")),
    ("project_deeply_nested_manifest.dlwiz", ("manifest.json", "nested too deeply")),
]


def listing(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(("name", "says"), BAD_PROJECTS)
def test_bad_project_file(project, tmp_path, name, says):
    # Open from a folder two levels down, so '../../evil.txt' would still land in tmp_path.
    folder = tmp_path / "a" / "b"
    folder.mkdir(parents=True)
    path = folder / name
    shutil.copyfile(BAD / name, path)
    open_before = snapshot(project)
    files_before = listing(tmp_path)
    with pytest.raises(ProjectFileError) as info:
        container.load(path)
    assert_actionable(info.value, name, says=says)
    assert listing(tmp_path) == files_before  # nothing extracted, nothing rewritten
    assert_unchanged(project, open_before)  # the project that was open is untouched


def test_corpus_project_control_loads():
    """The bad project files differ from this one only by their defect."""
    p = container.load(BAD / "project_ok.dlwiz")
    assert p.study.name == "Bad-input corpus" and p.table is None


def test_newer_schema_in_study_json_only(tmp_path, project):
    """A manifest that claims version 1 around a version-99 study is refused by the migrations."""
    path = container.save(project, tmp_path / "saved.dlwiz")
    members = container.read_members(path)
    study = members["study.json"].replace(b'"schema_version": 1', b'"schema_version": 99')
    assert study != members["study.json"]
    members = {k: v for k, v in members.items() if k != "manifest.json"}
    container.write_members(path, dict(members, **{"study.json": study}))
    with pytest.raises(ProjectFileError) as info:
        container.load(path)
    assert_actionable(info.value, "saved.dlwiz", says=("schema version 99",))


def test_saved_project_with_one_flipped_byte(tmp_path, project):
    """A freshly saved project with one byte of its table changed fails its checksum."""
    path = container.save(project, tmp_path / "flipped.dlwiz")
    raw = bytearray(path.read_bytes())
    members = container.read_members(path)
    table = members["data/table.parquet"]  # stored uncompressed, so its bytes are in the file
    at = raw.find(table) + len(table) // 2
    raw[at] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ProjectFileError) as info:
        container.load(path)
    assert_actionable(info.value, "flipped.dlwiz", says=("damaged",))


# -- the corpus itself ----------------------------------------------------------------------------
def _make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", BAD / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_matches_its_generator_and_readme():
    make = _make_corpus()
    files = [p for p in BAD.iterdir() if p.is_file() and not p.name.startswith(".")]
    on_disk = {p.name for p in files} - {"README.md", "make_corpus.py"}
    assert on_disk == set(make.CASES), "run tests/data/bad/make_corpus.py"
    assert len(on_disk) >= 30
    assert all(p.stat().st_size < 64 * 1024 for p in files), "commit only small files"
    readme = (BAD / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`([^`]+\.(?:csv|txt|xls|xlsx|parquet|dlwiz))`", readme))
    assert on_disk <= listed, sorted(on_disk - listed)
    # Files built with the standard library alone must come out byte for byte the same.
    for name, (_build, needs) in make.CASES.items():
        if needs is None:
            assert make.build(name) == (BAD / name).read_bytes(), name
