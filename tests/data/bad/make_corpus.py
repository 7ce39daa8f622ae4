"""Regenerate the bad-input corpus in this folder, byte for byte.

    python tests/data/bad/make_corpus.py [OUT_DIR]

Every file is built here from fixed contents, fixed zip timestamps and a seeded random source, so
running the script again gives the same bytes. Most files need only the standard library; the
Excel files need openpyxl, the Parquet file pyarrow, and the password-protected workbook
msoffcrypto-tool (not a dlwizard dependency: install it in a scratch environment). A file whose
library is missing is skipped with a note and the committed copy is kept.

The 10 MB single-value file is not committed: tests/engine/test_bad_inputs.py writes it into a
temporary folder (see ``long_value_csv``).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import random
import re
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_TIME = (2024, 1, 1, 0, 0, 0)
FIXED_ISO = "2024-01-01T00:00:00Z"

# name -> (builder, library it needs or None)
CASES: dict[str, tuple[Callable[[], bytes], str | None]] = {}


def case(name: str, needs: str | None = None):
    def register(fn: Callable[[], bytes]) -> Callable[[], bytes]:
        CASES[name] = (fn, needs)
        return fn

    return register


def text(s: str, encoding: str = "utf-8") -> bytes:
    return s.encode(encoding)


# -- a tiny good table, the baseline every failed import must leave untouched ---------------------
@case("_baseline.csv")
def _baseline() -> bytes:
    return text("sample_id,age,marker,label\nS1,34,1.5,tumour\nS2,51,2.5,normal\n"
                "S3,47,3.5,tumour\nS4,62,4.5,normal\n")  # fmt: skip


# -- files that are not a table at all ------------------------------------------------------------
@case("empty.csv")
def _empty() -> bytes:
    return b""


@case("whitespace_only.csv")
def _whitespace() -> bytes:
    return b"   \n\n\t\n  \n"


@case("header_only.csv")
def _header_only() -> bytes:
    return text("sample_id,age,label\n")


@case("png_renamed.csv")
def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(random.Random(1).randrange(256) for _ in range(600))


@case("binary_random.csv")
def _binary() -> bytes:
    rng = random.Random(2)
    return bytes(rng.randrange(256) for _ in range(2000))


@case("gzip_renamed.csv")
def _gzip() -> bytes:
    return gzip.compress(_baseline(), mtime=0)


@case("xlsx_renamed.csv", needs="openpyxl")
def _xlsx_as_csv() -> bytes:
    return _workbook({"Samples": _SAMPLE_ROWS})


@case("old_excel.xls")
def _xls() -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@case("csv_renamed.parquet")
def _fake_parquet() -> bytes:
    return _baseline()


@case("truncated.parquet", needs="pyarrow")
def _truncated_parquet() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"sample_id": ["S1", "S2", "S3"], "x": [1.5, 2.5, 3.5]})
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="none")
    data = buf.getvalue()
    return data[: len(data) // 2]


# -- malformed text tables ------------------------------------------------------------------------
@case("ragged_rows.csv")
def _ragged() -> bytes:
    return text("sample_id,age,label\nS1,34,tumour\nS2,51,normal\nS3,47,tumour,extra\n"
                "S4,62,normal\n")  # fmt: skip


@case("unclosed_quote.csv")
def _unclosed() -> bytes:
    return text('sample_id,note,label\nS1,fine,tumour\nS2,"forgot to close,normal\n'
                "S3,fine,tumour\nS4,fine,normal\n")  # fmt: skip


@case("quote_left_open.csv")
def _quote_open() -> bytes:
    # The quote opens in the last column, so the parser accepts the file and rows 3 to 5
    # would silently become one value.
    return text('sample_id,marker,label\nS1,1.5,tumour\nS2,2.5,"normal\nS3,3.5,tumour\n'
                "S4,4.5,normal\n")  # fmt: skip


@case("duplicate_columns.csv")
def _dup_cols() -> bytes:
    return text("sample_id,TP53,TP53,label\nS1,1.0,2.0,tumour\nS2,3.0,4.0,normal\n")


@case("title_line.csv")
def _title() -> bytes:
    return text("Expression study, batch 3\nsample_id,age,marker,label\nS1,34,1.5,tumour\n"
                "S2,51,2.5,normal\n")  # fmt: skip


@case("leading_blank_lines.csv")
def _blank_lines() -> bytes:
    return b"\n\n" + _baseline()


@case("comment_lines.csv")
def _comments() -> bytes:
    # The infinite value is on row 6 of the file, as a text editor numbers it.
    return text("# exported by PlateReader v2.1\n# operator: AB\nsample_id,marker,label\n"
                "S1,1.5,tumour\nS2,2.5,normal\nS3,inf,tumour\nS4,4.5,normal\n")  # fmt: skip


@case("old_mac_line_endings.csv")
def _cr() -> bytes:
    return _baseline().replace(b"\n", b"\r")


# -- encodings ------------------------------------------------------------------------------------
@case("latin1.csv")
def _latin1() -> bytes:
    return text("sample_id,donor,dose,label\nS1,Smith,1 mg,tumour\nS2,Müller,5 µg,normal\n"
                "S3,Gómez,2 mg,tumour\nS4,Søren,3 mg,normal\n", "latin-1")  # fmt: skip


@case("utf8_bom.csv")
def _bom() -> bytes:
    return b"\xef\xbb\xbf" + _baseline()


@case("utf16_excel_unicode.txt")
def _utf16() -> bytes:
    rows = _baseline().decode().replace(",", "\t").replace("\n", "\r\n")
    return rows.encode("utf-16")  # BOM + little-endian, as Excel's "Unicode Text" writes it


# -- values that need a second look ---------------------------------------------------------------
@case("semicolon_decimal_comma.csv")
def _semicolon() -> bytes:
    return text("sample_id;age;marker;label\nS1;34;1,5;tumour\nS2;51;2,25;normal\n"
                "S3;47;3,75;tumour\nS4;62;-0,5;normal\n")  # fmt: skip


@case("missing_markers.csv")
def _missing() -> bytes:
    return text("sample_id,age,marker,label\nS1,34,1.5,tumour\nS2,?,2.5,normal\n"
                "S3,47,NA,tumour\nS4,62,,normal\nS5,55,3.5,tumour\n")  # fmt: skip


@case("inf_nan.csv")
def _inf() -> bytes:
    return text("sample_id,ratio,marker,label\nS1,0.5,1.5,tumour\nS2,inf,2.5,normal\n"
                "S3,NaN,3.5,tumour\nS4,-Inf,4.5,normal\nS5,2.0,5.5,tumour\n")  # fmt: skip


@case("mixed_types.csv")
def _mixed() -> bytes:
    return text("sample_id,crp,label\nS1,1.5,tumour\nS2,n.d.,normal\nS3,2.5,tumour\n"
                "S4,<0.1,normal\nS5,4.0,tumour\nS6,3.5,normal\n")  # fmt: skip


@case("thousands_separator.csv")
def _thousands() -> bytes:
    return text('sample_id,reads,label\nS1,"1,234",tumour\nS2,"12,500",normal\n'
                'S3,"9,876",tumour\nS4,"1,000",normal\n')  # fmt: skip


_GENES = ["TP53", "BRCA1", "1-Sep", "EGFR", "1-Mar", "MYC", "KRAS", "CD4", "IL6", "GAPDH",
          "ACTB", "2-Sep"]  # fmt: skip


@case("genes_as_rows_excel_dates.csv")
def _genes_rows() -> bytes:
    lines = ["gene,GSM101,GSM102,GSM103,GSM104"]
    for i, g in enumerate(_GENES):
        lines.append(f"{g}," + ",".join(f"{i + j * 0.25:.2f}" for j in range(4)))
    return text("\n".join(lines) + "\n")


@case("excel_dates_in_headers.csv")
def _genes_headers() -> bytes:
    genes = [f"GENE{i}" for i in range(58)] + ["1-Sep", "1-Mar"]
    lines = ["sample_id,label," + ",".join(genes)]
    for r in range(6):
        values = ",".join(f"{r + j / 8:.3f}" for j in range(len(genes)))
        lines.append(f"S{r + 1},{'tumour' if r % 2 else 'normal'},{values}")
    return text("\n".join(lines) + "\n")


# -- targets the question step must refuse or flag ------------------------------------------------
@case("target_all_missing.csv")
def _t_missing() -> bytes:
    return text("sample_id,marker,label\nS1,1.5,NA\nS2,2.5,\nS3,3.5,?\nS4,4.5,NA\n")


@case("target_single_class.csv")
def _t_single() -> bytes:
    return text("sample_id,marker,label\nS1,1.5,tumour\nS2,2.5,tumour\nS3,3.5,tumour\n"
                "S4,4.5,tumour\n")  # fmt: skip


@case("class_with_one_sample.csv")
def _t_one() -> bytes:
    rows = [f"S{i},{i * 0.5:.1f},{'tumour' if i % 2 else 'normal'}" for i in range(1, 11)]
    rows.append("S11,9.9,metastasis")
    return text("sample_id,marker,label\n" + "\n".join(rows) + "\n")


@case("target_some_missing.csv")
def _t_some() -> bytes:
    return text("sample_id,marker,label\nS1,1.5,tumour\nS2,2.5,normal\nS3,3.5,\n"
                "S4,4.5,normal\nS5,5.5,tumour\n")  # fmt: skip


@case("duplicate_sample_ids.csv")
def _dup_ids() -> bytes:
    return text("sample_id,marker,label\nS1,1.5,tumour\nS2,2.5,normal\nS2,3.5,tumour\n"
                "S4,4.5,normal\n")  # fmt: skip


# -- sample sheets (joined onto _baseline.csv by sample_id) ---------------------------------------
@case("sheet_no_match.csv")
def _sheet_none() -> bytes:
    return text("patient,batch\nP-001,b1\nP-002,b2\nP-003,b1\n")


@case("sheet_duplicate_ids.csv")
def _sheet_dup() -> bytes:
    return text("sample_id,batch\nS1,b1\nS2,b2\nS2,b3\nS3,b1\nS4,b2\n")


@case("sheet_partial_match.csv")
def _sheet_partial() -> bytes:
    return text("sample_id,batch\nS1,b1\nS2,b2\nS9,b3\n")


# -- Excel workbooks ------------------------------------------------------------------------------
_SAMPLE_ROWS = [["sample_id", "age", "label"], ["S1", 34, "tumour"], ["S2", 51, "normal"],
                ["S3", 47, "tumour"]]  # fmt: skip


def _normalise_zip(data: bytes) -> bytes:
    """Same members, fixed timestamps: a workbook that does not change from run to run."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" +
                              FIXED_ISO.encode(), body)  # fmt: skip
            fixed = zipfile.ZipInfo(info.filename, FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    import datetime as dt

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.properties.creator = "dlwizard bad-input corpus"
    wb.properties.created = dt.datetime(2024, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return _normalise_zip(buf.getvalue())


@case("workbook_sheets.xlsx", needs="openpyxl")
def _sheets() -> bytes:
    return _workbook({"Samples": _SAMPLE_ROWS, "Empty": [], "Header only": [_SAMPLE_ROWS[0]]})


@case("excel_gene_dates.xlsx", needs="openpyxl")
def _excel_dates() -> bytes:
    import datetime as dt

    rows = [["gene", "S1", "S2", "S3"], ["TP53", 1.0, 2.0, 3.0],
            [dt.datetime(2006, 9, 1), 1.5, 2.5, 3.5], ["BRCA1", 4.0, 5.0, 6.0],
            [dt.datetime(2006, 3, 1), 7.0, 8.0, 9.0], ["EGFR", 0.5, 0.25, 0.75]]  # fmt: skip
    return _workbook({"Expression": rows})


@case("corrupt.xlsx", needs="openpyxl")
def _corrupt() -> bytes:
    data = _workbook({"Samples": _SAMPLE_ROWS})
    return data[: len(data) // 2]


@case("csv_renamed.xlsx")
def _csv_as_xlsx() -> bytes:
    return _baseline()


@case("password_protected.xlsx", needs="msoffcrypto")
def _password() -> bytes:
    import datetime as dt

    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    class FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2024, 1, 1)

    # Seeded salts and a fixed timestamp in the container: the same bytes every run.
    ecma376_agile._random_buffer = random.Random(3).randbytes
    ecma376_encrypted.datetime = FixedClock
    plain = io.BytesIO(_workbook({"Samples": _SAMPLE_ROWS}))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt("secret", out)
    return out.getvalue()


# -- project files (.dlwiz) -----------------------------------------------------------------------
def _study_json(schema_version: int = 1, **extra) -> bytes:
    doc = {
        "schema_version": schema_version,
        "id": "0" * 32,
        "name": "Bad-input corpus",
        "created": "2024-01-01T00:00:00+00:00",
        "modified": "2024-01-01T00:00:00+00:00",
        "app_version": "0.1.0",
        **extra,
    }
    return json.dumps(doc, indent=1).encode()


_LOG_ENTRY = {
    "time": "2024-01-01T00:00:00+00:00",
    "action": "project-created",
    "user": "corpus",
    "app_version": "0.1.0",
    "detail": {"name": "Bad-input corpus"},
}
_LOG = (json.dumps(_LOG_ENTRY, sort_keys=True) + "\n").encode()


def _manifest(members: dict[str, bytes], schema_version: int = 1) -> bytes:
    doc = {
        "format": "dlwizard-project",
        "schema_version": schema_version,
        "app_version": "0.1.0",
        "members": {
            n: {"sha256": hashlib.sha256(b).hexdigest(), "size": len(b)}
            for n, b in sorted(members.items())
        },
    }
    return json.dumps(doc, indent=1).encode()


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return out.getvalue()


def _project(members: dict[str, bytes] | None = None, *, listed=None, extra=(), version=1):
    """A project zip: ``members`` are listed in the manifest, ``extra`` entries are not."""
    members = members or {"study.json": _study_json(), "log.jsonl": _LOG}
    manifest = _manifest(listed if listed is not None else members, version)
    return _zip([("manifest.json", manifest), *members.items(), *extra])


@case("project_ok.dlwiz")
def _p_ok() -> bytes:
    return _project()


@case("project_path_traversal.dlwiz")
def _p_traversal() -> bytes:
    return _project(extra=[("../../evil.txt", b"written outside the project\n")])


@case("project_pickle.dlwiz")
def _p_pickle() -> bytes:
    pickle = b"cos\nsystem\n(S'echo pwned'\ntR."  # a classic code-running pickle; never loaded
    members = {"study.json": _study_json(), "log.jsonl": _LOG, "models/model.pkl": pickle}
    return _project(members)


@case("project_truncated.dlwiz")
def _p_truncated() -> bytes:
    data = _project()
    return data[: len(data) * 2 // 3]


@case("project_newer_schema.dlwiz")
def _p_newer() -> bytes:
    members = {"study.json": _study_json(99, feature_from_the_future={}), "log.jsonl": _LOG}
    return _project(members, version=99)


@case("project_tampered.dlwiz")
def _p_tampered() -> bytes:
    honest = {"study.json": _study_json(), "log.jsonl": _LOG}
    edited = dict(honest, **{"study.json": _study_json().replace(b"Bad-input", b"Edited ")})
    return _project(edited, listed=honest)


@case("project_invalid_study.dlwiz")
def _p_invalid() -> bytes:
    # The checksums are right (re-computed), but study.json holds a key no Study has.
    return _project({"study.json": _study_json(surprise=1), "log.jsonl": _LOG})


_BOMB = bytes(2 * 1024 * 1024)  # 2 MB of zeros deflate to about 2 kB: a 1000-fold expansion


@case("project_zip_bomb.dlwiz")
def _p_bomb() -> bytes:
    return _project({"study.json": _study_json(), "log.jsonl": _LOG, "data/table.parquet": _BOMB})


@case("project_zip_bomb_lying_size.dlwiz")
def _p_bomb_lying() -> bytes:
    """The same bomb, but the zip headers claim the member is only 1,000 bytes."""
    claimed = 1000
    listed = {"study.json": _study_json(), "log.jsonl": _LOG, "data/table.parquet": _BOMB[:claimed]}
    members = dict(listed, **{"data/table.parquet": _BOMB})
    data = bytearray(_project(members, listed=listed))
    name = b"data/table.parquet"
    # Local file header: signature, then the uncompressed size at offset 22.
    local = data.find(b"PK\x03\x04")
    while local != -1:
        n = struct.unpack_from("<H", data, local + 26)[0]
        if data[local + 30 : local + 30 + n] == name:
            struct.pack_into("<I", data, local + 22, claimed)
        local = data.find(b"PK\x03\x04", local + 4)
    # Central directory entry: the uncompressed size at offset 24.
    central = data.find(b"PK\x01\x02")
    while central != -1:
        n = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + n] == name:
            struct.pack_into("<I", data, central + 24, claimed)
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


@case("project_not_a_zip.dlwiz")
def _p_text() -> bytes:
    return _baseline()


@case("project_empty.dlwiz")
def _p_empty() -> bytes:
    return b""


@case("project_excel_renamed.dlwiz", needs="openpyxl")
def _p_excel() -> bytes:
    return _workbook({"Samples": _SAMPLE_ROWS})


# -- more text tables (issue 13) ------------------------------------------------------------------
_BASE_ROWS = _baseline().decode()


@case("utf16_le_no_bom.csv")
def _utf16_nobom() -> bytes:
    return _BASE_ROWS.encode("utf-16-le")  # no byte-order mark: every other byte is zero


@case("utf16_be_bom.csv")
def _utf16_be() -> bytes:
    return b"\xfe\xff" + _BASE_ROWS.encode("utf-16-be")


@case("utf32_bom.csv")
def _utf32() -> bytes:
    return _BASE_ROWS.encode("utf-32")  # BOM FF FE 00 00: starts like UTF-16's


@case("mixed_line_endings.csv")
def _mixed_eol() -> bytes:
    return (b"sample_id,age,marker,label\r\nS1,34,1.5,tumour\nS2,51,2.5,normal\r"
            b"S3,47,3.5,tumour\r\nS4,62,4.5,normal\n")  # fmt: skip


@case("crlf_line_endings.csv")
def _crlf() -> bytes:
    return _baseline().replace(b"\n", b"\r\n")


@case("one_column.csv")
def _one_col() -> bytes:
    return text("marker\n1.5\n2.5\n3.5\n4.5\n")


@case("space_separated.csv")
def _spaces() -> bytes:
    return _baseline().replace(b",", b" ")


@case("empty_column_names.csv")
def _empty_names() -> bytes:
    # As R's write.csv and pandas' to_csv write row names: the first name is empty.
    return text(",age,,label\nS1,34,1.5,tumour\nS2,51,2.5,normal\nS3,47,3.5,tumour\n")


@case("numeric_column_names.csv")
def _numeric_names() -> bytes:
    waves = [400, 401, 402, 403]
    rows = [f"S{i},{'tumour' if i % 2 else 'normal'}," + ",".join(f"{i * 0.1 + w / 1000:.3f}"
            for w in waves) for i in range(1, 5)]  # fmt: skip
    return text("sample_id,label," + ",".join(map(str, waves)) + "\n" + "\n".join(rows) + "\n")


@case("repeated_header_row.csv")
def _repeated_header() -> bytes:
    # Two exports pasted one below the other: the column names come again on row 4.
    return text("sample_id,age,marker,label\nS1,34,1.5,tumour\nS2,51,2.5,normal\n"
                "sample_id,age,marker,label\nS3,47,3.5,tumour\nS4,62,4.5,normal\n")  # fmt: skip


@case("trailing_separators.csv")
def _trailing_sep() -> bytes:
    return text("sample_id,age,label,\nS1,34,tumour,\nS2,51,normal,\nS3,47,tumour,\n")


@case("trailing_empty_rows.csv")
def _trailing_rows() -> bytes:
    return _baseline() + b",,,\n,,,\n"


@case("header_only_no_newline.csv")
def _header_nonl() -> bytes:
    return text("sample_id,age,label")


@case("duplicate_columns_after_spaces.csv")
def _dup_spaces() -> bytes:
    return text("sample_id,TP53 , TP53,label\nS1,1.0,2.0,tumour\nS2,3.0,4.0,normal\n")


@case("cp1252_smart_quotes.csv")
def _cp1252() -> bytes:
    return text("sample_id,note,label\nS1,plain,tumour\nS2,\u201cfasted\u201d \u2013 5\u20ac,"
                "normal\nS3,plain,tumour\n", "cp1252")  # fmt: skip


@case("formula_injection.csv")
def _injection() -> bytes:
    return text('sample_id,note,marker,label\n"=HYPERLINK(""http://evil.example"",""x"")",'
                "+cmd|' /C calc'!A0,1.5,tumour\n@SUM(1+1)*cmd,-2+3,-2.5,normal\n"
                "-2+3,=1+1,3.5,tumour\n+41,@x,4.5,normal\n")  # fmt: skip


@case("html_renamed.csv")
def _html() -> bytes:
    return text("<!DOCTYPE html>\n<html><body><table><tr><td>sample_id</td><td>age</td></tr>"
                "<tr><td>S1</td><td>34</td></tr></table></body></html>\n")  # fmt: skip


@case("json_renamed.csv")
def _json() -> bytes:
    return text('[{"sample_id": "S1", "age": 34}, {"sample_id": "S2", "age": 51}]\n')


@case("nul_byte.csv")
def _nul() -> bytes:
    return text("sample_id,age,label\nS1,34,tumour\nS2,5\x001,normal\nS3,47,tumour\n")


@case("bzip2_renamed.csv")
def _bz2() -> bytes:
    import bz2

    return bz2.compress(_baseline())


@case("xz_renamed.csv")
def _xz() -> bytes:
    import lzma

    return lzma.compress(_baseline())


@case("zip_of_csv.csv")
def _zip_csv() -> bytes:
    return _zip([("table.csv", _baseline())])


@case("pdf_renamed.csv")
def _pdf() -> bytes:
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@case("html_as_xls.xls")
def _html_xls() -> bytes:
    return _html()


@case("tsv_as_xls.xls")
def _tsv_xls() -> bytes:
    return _baseline().replace(b",", b"\t")


@case("xlsx_as_xls.xls", needs="openpyxl")
def _xlsx_xls() -> bytes:
    return _workbook({"Samples": _SAMPLE_ROWS})


# -- more workbooks -------------------------------------------------------------------------------
def _patched_workbook(sheets: dict[str, list[list]], merge=(), patch=None) -> bytes:
    """A workbook with merged ranges, and the first sheet's XML edited by ``patch``."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        for ref in merge:
            ws.merge_cells(ref)
        merge = ()
    buf = io.BytesIO()
    wb.save(buf)
    data = _normalise_zip(buf.getvalue())
    if patch is None:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = patch(body)
            dst.writestr(info, body)
    return out.getvalue()


_WIDE = [["sample_id", "label", "TP53", "EGFR", "MYC"]] + [
    [f"S{i}", "tumour" if i % 2 else "normal", 1.0 + i, 2.0 + i, 3.0 + i] for i in range(1, 7)
]


@case("excel_merged_header.xlsx", needs="openpyxl")
def _x_merged_header() -> bytes:
    rows = [["Patient", None, "Expression", None, None], *_WIDE]
    return _patched_workbook({"Data": rows}, merge=("A1:B1", "C1:E1"))


@case("excel_merged_data_cells.xlsx", needs="openpyxl")
def _x_merged_data() -> bytes:
    rows = [list(r) for r in _WIDE]
    rows[3][1] = rows[4][1] = None  # the label of rows 3 to 5 typed once, over merged cells
    return _patched_workbook({"Data": rows}, merge=("B3:B5",))


@case("excel_repeated_header.xlsx", needs="openpyxl")
def _x_repeated() -> bytes:
    return _workbook({"Data": [*_WIDE[:4], _WIDE[0], *_WIDE[4:]]})


@case("excel_two_header_rows.xlsx", needs="openpyxl")
def _x_two_headers() -> bytes:
    return _workbook({"Data": [_WIDE[0], *_WIDE]})


@case("excel_title_row.xlsx", needs="openpyxl")
def _x_title() -> bytes:
    return _workbook({"Data": [["Expression study, batch 3"], *_WIDE]})


@case("excel_offset_table.xlsx", needs="openpyxl")
def _x_offset() -> bytes:
    # The table starts at C3: two empty rows and two empty columns around it.
    return _workbook({"Data": [[], [], *[[None, None, *r] for r in _WIDE]]})


@case("excel_numeric_header.xlsx", needs="openpyxl")
def _x_numeric_header() -> bytes:
    rows = [["sample_id", "label", 400, 401, 402]] + [r[:2] + r[2:] for r in _WIDE[1:]]
    return _workbook({"Spectra": rows})


def _formula_rows() -> list[list]:
    rows = [["sample_id", "a", "b", "ratio", "label"]]
    for i in range(2, 9):
        rows.append([f"S{i}", i, i + 1, f"=B{i}/C{i}", "tumour" if i % 2 else "normal"])
    return rows


def _cached(values: dict[int, str], error: bool = False):
    """Write a cached result into each formula cell of column D, as Excel does on save."""

    def patch(xml: bytes) -> bytes:
        def fill(m: re.Match) -> bytes:
            row = int(m.group(1))
            attrs = b' t="e"' if error and row in values and values[row].startswith("#") else b""
            return (b'<c r="D%d"%s><f>%s</f><v>%s</v></c>'
                    % (row, attrs, m.group(2), values.get(row, "").encode()))  # fmt: skip

        return re.sub(rb'<c r="D(\d+)"><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>', fill, xml)

    return patch


@case("excel_formulas_cached.xlsx", needs="openpyxl")
def _x_cached() -> bytes:
    values = {i: repr(round(i / (i + 1), 6)) for i in range(2, 9)}
    return _patched_workbook({"Data": _formula_rows()}, patch=_cached(values))


@case("excel_formulas_uncalculated.xlsx", needs="openpyxl")
def _x_uncached() -> bytes:
    return _patched_workbook({"Data": _formula_rows()})


@case("excel_formula_errors.xlsx", needs="openpyxl")
def _x_errors() -> bytes:
    values = {i: repr(round(i / (i + 1), 6)) for i in range(2, 9)}
    values[4] = values[7] = "#DIV/0!"
    return _patched_workbook({"Data": _formula_rows()}, patch=_cached(values, error=True))


# -- more Parquet ---------------------------------------------------------------------------------
def _parquet(table) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table, buf, compression="none")
    return buf.getvalue()


@case("parquet_duplicate_columns.parquet", needs="pyarrow")
def _pq_dup() -> bytes:
    import pyarrow as pa

    arrays = [pa.array(["S1", "S2"]), pa.array([1.0, 2.0]), pa.array([3.0, 4.0])]
    return _parquet(pa.Table.from_arrays(arrays, names=["sample_id", "TP53", "TP53"]))


@case("parquet_no_rows.parquet", needs="pyarrow")
def _pq_empty() -> bytes:
    import pyarrow as pa

    return _parquet(pa.table({"sample_id": pa.array([], pa.string()),
                              "x": pa.array([], pa.float64())}))  # fmt: skip


@case("parquet_nested_column.parquet", needs="pyarrow")
def _pq_nested() -> bytes:
    import pyarrow as pa

    return _parquet(pa.table({"sample_id": ["S1", "S2"], "spectrum": [[1.0, 2.0], [3.0]],
                              "label": ["tumour", "normal"]}))  # fmt: skip


# -- more project files ---------------------------------------------------------------------------
def _members(**changes: bytes | None) -> dict[str, bytes]:
    base = {"study.json": _study_json(), "log.jsonl": _LOG}
    for name, data in changes.items():
        name = name.replace("__", "/").replace("_dot_", ".")
        if data is None:
            base.pop(name, None)
        else:
            base[name] = data
    return base


def _raw_manifest(doc) -> bytes:
    return json.dumps(doc).encode()


@case("project_symlink_member.dlwiz")
def _p_symlink() -> bytes:
    # data/table.parquet stored as a symbolic link to /etc/passwd (Unix mode 0o120777).
    link = b"../../../../etc/passwd"
    members = {"study.json": _study_json(), "log.jsonl": _LOG, "data/table.parquet": link}
    manifest = _manifest(members)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in [("manifest.json", manifest), *members.items()]:
            info = zipfile.ZipInfo(name, FIXED_TIME)
            info.external_attr = (0o120777 if name == "data/table.parquet" else 0o600) << 16
            info.create_system = 3
            zf.writestr(info, data)
    return out.getvalue()


@case("project_duplicate_member.dlwiz")
def _p_duplicate() -> bytes:
    import warnings

    evil = _study_json().replace(b"Bad-input corpus", b"Second copy")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        return _project(extra=[("study.json", evil)])


@case("project_member_larger_than_manifest.dlwiz")
def _p_oversized() -> bytes:
    members = {"study.json": _study_json(), "log.jsonl": _LOG * 200}
    listed = dict(members, **{"log.jsonl": _LOG})
    return _project(members, listed=listed)


@case("project_absolute_path.dlwiz")
def _p_absolute() -> bytes:
    return _project(extra=[("/tmp/evil.txt", b"absolute\n")])


@case("project_backslash_path.dlwiz")
def _p_backslash() -> bytes:
    return _project(extra=[("..\\..\\evil.txt", b"windows traversal\n")])


@case("project_drive_path.dlwiz")
def _p_drive() -> bytes:
    return _project(extra=[("C:/Windows/evil.txt", b"drive\n")])


@case("project_unknown_member.dlwiz")
def _p_unknown() -> bytes:
    members = _members(**{"models__run_dot_sh": b"#!/bin/sh\nrm -rf ~\n"})
    return _project(members)


@case("project_member_missing.dlwiz")
def _p_missing() -> bytes:
    listed = _members(**{"data__table_dot_parquet": b"PAR1 not here PAR1"})
    return _project(_members(), listed=listed)


@case("project_member_unlisted.dlwiz")
def _p_unlisted() -> bytes:
    members = _members(**{"figures__extra_dot_png": b"\x89PNG\r\n\x1a\n"})
    return _project(members, listed=_members())


@case("project_no_study.dlwiz")
def _p_no_study() -> bytes:
    return _project(_members(study_dot_json=None))


@case("project_study_not_json.dlwiz")
def _p_study_text() -> bytes:
    return _project(_members(study_dot_json=b"{ this is not json"))


@case("project_study_not_object.dlwiz")
def _p_study_list() -> bytes:
    return _project(_members(study_dot_json=b"[1, 2, 3]"))


@case("project_study_wrong_types.dlwiz")
def _p_wrong_types() -> bytes:
    study = json.loads(_study_json())
    study["name"] = {"first": 5}
    return _project(_members(study_dot_json=json.dumps(study).encode()))


@case("project_schema_version_text.dlwiz")
def _p_version_text() -> bytes:
    study = json.loads(_study_json())
    study["schema_version"] = "2"
    return _project(_members(study_dot_json=json.dumps(study).encode()))


@case("project_deeply_nested_study.dlwiz")
def _p_deep_study() -> bytes:
    deep = b'{"schema_version": 1, "extra": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    return _project(_members(study_dot_json=deep))


@case("project_deeply_nested_manifest.dlwiz")
def _p_deep_manifest() -> bytes:
    deep = b'{"format": "dlwizard-project", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    return _zip([("manifest.json", deep), ("study.json", _study_json()), ("log.jsonl", _LOG)])


@case("project_manifest_not_json.dlwiz")
def _p_manifest_text() -> bytes:
    return _zip([("manifest.json", b"members: all of them"), ("study.json", _study_json())])


@case("project_manifest_wrong_types.dlwiz")
def _p_manifest_types() -> bytes:
    doc = {"format": "dlwizard-project", "schema_version": 1, "members": ["study.json"]}
    return _zip([("manifest.json", _raw_manifest(doc)), ("study.json", _study_json())])


@case("project_wrong_format.dlwiz")
def _p_format() -> bytes:
    doc = json.loads(_manifest(_members()))
    doc["format"] = "some-other-tool"
    return _zip([("manifest.json", _raw_manifest(doc)), *_members().items()])


@case("project_log_damaged.dlwiz")
def _p_log() -> bytes:
    return _project(_members(log_dot_jsonl=_LOG + b"{not json\n"))


@case("project_table_not_parquet.dlwiz")
def _p_table() -> bytes:
    return _project(_members(**{"data__table_dot_parquet": b"PAR1" + bytes(64) + b"PAR1"}))


@case("project_tampered_model.dlwiz")
def _p_tampered_model() -> bytes:
    honest = _members(**{"models__final_dot_skops": b"PK\x03\x04 a fitted model"})
    edited = dict(honest, **{"models/final.skops": b"PK\x03\x04 a swapped model"})
    return _project(edited, listed=honest)


@case("project_cut_in_central_directory.dlwiz")
def _p_cut_end() -> bytes:
    return _project()[:-10]


@case("project_cut_after_first_member.dlwiz")
def _p_cut_start() -> bytes:
    return _project()[:120]


@case("project_encryption_header_damaged.dlwiz")
def _p_enc() -> bytes:
    return _zip([("encryption.json", b'{"format": "dlwizard-encrypted", "kdf": 7}'),
                 ("manifest.json", b"\x00" * 64), ("study.json", b"\x01" * 64)])  # fmt: skip


# -- driver ---------------------------------------------------------------------------------------
def build(name: str) -> bytes:
    """The bytes of one corpus file (raises ModuleNotFoundError when its library is missing)."""
    return CASES[name][0]()


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else HERE
    out.mkdir(parents=True, exist_ok=True)
    for name, (_fn, needs) in CASES.items():
        try:
            data = build(name)
        except ModuleNotFoundError as exc:
            print(f"skipped {name}: needs {needs} ({exc.name} is not installed)")
            continue
        (out / name).write_bytes(data)
        print(f"{name:40s} {len(data):>8,d} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
