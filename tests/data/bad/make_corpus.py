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
