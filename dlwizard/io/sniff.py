"""Looking at a file's bytes before parsing: format, encoding, delimiter, decimal mark, hash."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from dlwizard.errors import DataError
from dlwizard.jobs import Job

CHUNK = 8 * 1024 * 1024
# The header of a 20,000-gene table is one line of several hundred kB; the csv module's default
# limit of 128 kB per field would refuse it while guessing the separator.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))

_MAGIC = (
    (b"PK\x03\x04", "zip"),
    (b"PAR1", "parquet"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"%PDF", "pdf"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x1f\x8b", "gzip"),
    (b"\x89HDF", "hdf5"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)

TEXT_SUFFIXES = {".csv", ".tsv", ".txt", ".tab", ".data", ".dat"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


@dataclass
class FileScan:
    """What one pass over the raw bytes found."""

    path: Path
    size: int
    sha256: str
    magic: str | None
    encoding: str | None = None  # for text files
    first_bad_line: int | None = None  # first line that is not valid UTF-8
    quote_chars: int = 0  # how many '"' bytes: an odd count means a quote left open
    head_text: str = ""
    notes: list[str] = field(default_factory=list)


def check_path(path: str | Path) -> Path:
    """Refuse what is not a readable regular file: missing, a broken link, a folder, a pipe."""
    path = Path(path)
    if not path.exists():
        if path.is_symlink():
            target = os.readlink(path)
            raise DataError(
                f"is a link (shortcut) to {target}, which does not exist or cannot be followed",
                file=path,
                fix="choose the data file itself, or restore the file the link points to.",
            )
        raise DataError("no such file", file=path, fix="check the file name and folder.")
    if path.is_dir():
        raise DataError(
            "is a folder, not a file",
            file=path,
            fix="open the folder and choose the data file inside it.",
        )
    if not path.is_file():
        raise DataError(
            "is not a regular file (it is a device, a pipe or a socket)",
            file=path,
            fix="save the table to a file and choose that file.",
        )
    return path


def _size_of_non_empty(path: Path) -> int:
    size = path.stat().st_size
    if size == 0:
        raise DataError(
            "the file is empty (0 bytes)",
            file=path,
            fix="export the data again from the program that made it.",
        )
    return size


def scan_head(path: str | Path, n_bytes: int = 256 * 1024) -> FileScan:
    """A quick look at the start of a text file only (no hash, no pass over the whole file):
    format, encoding and the first lines, for files read once in blocks (predictions)."""
    path = check_path(path)
    size = _size_of_non_empty(path)
    with open(path, "rb") as fh:
        head = fh.read(n_bytes)
    magic = next((name for sig, name in _MAGIC if head.startswith(sig)), None)
    if magic is None and head[:3] == b"BZh" and head[4:10] == b"1AY&SY":
        magic = "bzip2"
    scan = FileScan(path=path, size=size, sha256="", magic=magic)
    if head.startswith(codecs.BOM_UTF8):
        scan.encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        scan.encoding = "utf-32"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        scan.encoding = "utf-16"
    elif magic is None and (utf16 := _utf16_without_bom(head)):
        scan.encoding = utf16
    else:
        try:
            head.decode("utf-8")
            scan.encoding = "utf-8"
        except UnicodeDecodeError as exc:
            # A character cut at the end of the sample is not a reason to leave UTF-8.
            scan.encoding = "utf-8" if exc.start >= len(head) - 4 else "latin-1"
    scan.head_text = head.decode(scan.encoding, errors="replace")
    return scan


def scan_file(path: str | Path, job: Job | None = None, text: bool = True) -> FileScan:
    """Hash the file and, for text, check UTF-8 validity in the same pass."""
    path = check_path(path)
    size = _size_of_non_empty(path)
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8_ok = True
    first_bad_line = None
    lines_before = 0
    head = b""
    done = 0
    quotes = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if not head:
                head = chunk[: 256 * 1024]
                # A wide table's header can be longer than that: keep its first three lines
                # whole (within this chunk) so the header is never cut.
                end = -1
                for _ in range(3):
                    nxt = chunk.find(b"\n", end + 1)
                    if nxt < 0:
                        break
                    end = nxt
                if end >= len(head):
                    head = chunk[: end + 1]
            digest.update(chunk)
            if text:
                quotes += chunk.count(b'"')
            if text and utf8_ok:
                try:
                    decoder.decode(chunk)
                    lines_before += chunk.count(b"\n")
                except UnicodeDecodeError as exc:
                    utf8_ok = False
                    first_bad_line = lines_before + chunk[: exc.start].count(b"\n") + 1
            done += len(chunk)
            if job is not None:
                job.progress(done / size, f"Reading {path.name}")
    if text and utf8_ok:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8_ok = False
            first_bad_line = lines_before + 1
    magic = next((name for sig, name in _MAGIC if head.startswith(sig)), None)
    if magic is None and head[:3] == b"BZh" and head[4:10] == b"1AY&SY":
        magic = "bzip2"
    scan = FileScan(
        path=path, size=size, sha256=digest.hexdigest(), magic=magic, quote_chars=quotes
    )
    if not text:
        return scan
    if head.startswith(codecs.BOM_UTF8):
        scan.encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        scan.encoding = "utf-32"  # checked before UTF-16: its BOM starts the same way
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        scan.encoding = "utf-16"
    elif magic is None and (utf16 := _utf16_without_bom(head)):
        scan.encoding = utf16
    elif utf8_ok:
        scan.encoding = "utf-8"
    else:
        # Windows-1252 is what Excel writes on Western systems; Latin-1 decodes any byte.
        undefined_in_cp1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
        scan.encoding = "latin-1" if undefined_in_cp1252 & set(head) else "cp1252"
        scan.first_bad_line = first_bad_line
    scan.head_text = head.decode(scan.encoding, errors="replace")
    return scan


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for UTF-16 text written without a byte-order mark (every
    other byte zero, as ASCII characters are in UTF-16), else None."""
    sample = head[: 4096 - 4096 % 2]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    n = len(odd)
    if odd.count(0) > 0.9 * n and even.count(0) < 0.1 * n:
        return "utf-16-le"
    if even.count(0) > 0.9 * n and odd.count(0) < 0.1 * n:
        return "utf-16-be"
    return None


def reject_binary(scan: FileScan, expected: str) -> None:
    """Refuse a file whose bytes say it is not what its name says."""
    path = scan.path
    if expected == "text":
        hints = {
            "zip": "it is a zip or Excel (.xlsx) file with a text name; rename it to .xlsx "
            "if it is a workbook, or unzip it",
            "parquet": "it is a Parquet file; rename it to .parquet",
            "ole": "it is an old Excel (.xls) or password-protected workbook; open it in Excel "
            "and save it as CSV or .xlsx",
            "gzip": "it is compressed (gzip); decompress it first",
            "pdf": "it is a PDF document; export the table from its source as CSV",
            "png": "it is an image, not a table",
            "jpeg": "it is an image, not a table",
            "hdf5": "it is an HDF5 file; export the table as CSV or Parquet",
            "bzip2": "it is compressed (bzip2); decompress it first",
            "xz": "it is compressed (xz); decompress it first",
            "7z": "it is a 7-Zip archive; extract the table from it first",
            "zstd": "it is compressed (zstd); decompress it first",
        }
        if scan.magic in hints:
            raise DataError("is not a text table", file=path, fix=hints[scan.magic] + ".")
        sample = scan.head_text[:8192]
        start = sample.lstrip("\ufeff \t\r\n")[:200].lower()
        if start.startswith(("<!doctype html", "<html", "<?xml", "<table", "<head", "<body")):
            raise DataError(
                "is a web page (HTML) or XML document, not a text table",
                file=path,
                fix="open it in Excel or LibreOffice and save the table as CSV or .xlsx; a "
                "'spreadsheet' downloaded from a web application is often a web page.",
            )
        if re.match(r"^[\[{]\s*[\[{\"]", start):
            raise DataError(
                "is JSON data, not a text table",
                file=path,
                fix="convert it to a table first (CSV with one row per sample), for example "
                "with pandas.read_json(...).to_csv(...).",
            )
        controls = sum(ch < " " and ch not in "\t\r\n\x0c\x00" for ch in sample)
        nul = sample.find("\x00")
        if nul >= 0 and controls <= 8 and sample.count("\x00") <= max(2, len(sample) // 200):
            row = len(_LINE_BREAK.findall(sample[:nul])) + 1
            raise DataError(
                "holds a NUL character (a zero byte), which a text table never contains",
                file=path,
                row=row,
                fix=f"delete the stray character in row {row} with a text editor, or export "
                "the table again from the program that made it.",
            )
        if nul >= 0 or controls > 8:
            raise DataError(
                "contains binary data, not text",
                file=path,
                fix="choose the CSV/TSV export of your table, or an .xlsx or .parquet file.",
            )


@dataclass
class Dialect:
    delimiter: str
    decimal: str
    header: list[str]
    header_line: int = 1  # 1-based line of the file that holds the column names
    notes: list[str] = field(default_factory=list)  # '#' lines above the table, skipped


_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_DECIMAL_POINT = re.compile(r"^-?\d*\.\d+$")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _n_fields(line: str, delimiter: str) -> int:
    return len(next(csv.reader([line], delimiter=delimiter), []))


def sniff_dialect(
    scan: FileScan, delimiter: str | None = None, decimal: str | None = None
) -> Dialect:
    text = scan.head_text
    raw = _LINE_BREAK.split(text)
    # Drop a possibly cut-off last line of the sample (unless the whole file fits).
    if scan.size > len(text.encode(scan.encoding or "utf-8", errors="replace")) and len(raw) > 1:
        raw = raw[:-1]
    # (line number, text) of the lines that hold something; blank lines above the header are
    # skipped, and the line numbers say where the header really is.
    numbered = [(i + 1, ln) for i, ln in enumerate(raw) if ln.strip()][:200]
    if not numbered:
        raise DataError(
            "has no text lines (only blank space)",
            file=scan.path,
            fix="export the data again from the program that made it.",
        )
    # Instruments often write notes above the table on lines starting with '#'.
    n_notes = 0
    while n_notes < len(numbered) and numbered[n_notes][1].lstrip().startswith("#"):
        n_notes += 1
    if n_notes == len(numbered):
        n_notes = 0  # nothing but '#' lines: read them as they are
    body = [ln for _, ln in numbered[n_notes:]][:50]
    if delimiter is None:
        delimiter = _guess_delimiter(body, scan.path.suffix.lower())
    header_at = n_notes
    if n_notes:
        # '#CHROM POS ...' (VCF-like): the last '#' line is the header when it has as many
        # fields as the first line below it.
        wanted = _n_fields(body[0], delimiter)
        if wanted > 1 and _n_fields(numbered[n_notes - 1][1], delimiter) == wanted:
            header_at = n_notes - 1
    header_line, header_text = numbered[header_at]
    notes = [ln.strip() for _, ln in numbered[:header_at]]
    lines = [ln for _, ln in numbered[header_at:]][:50]
    header = next(csv.reader(io.StringIO(header_text), delimiter=delimiter))
    if header:
        header[0] = header[0].lstrip("\ufeff")
    if decimal is None:
        decimal = "."
        if delimiter != ",":
            cells = [c for ln in lines[1:] for c in next(csv.reader([ln], delimiter=delimiter))]
            commas = sum(bool(_DECIMAL_COMMA.match(c.strip())) for c in cells)
            points = sum(bool(_DECIMAL_POINT.match(c.strip())) for c in cells)
            if commas > points:
                decimal = ","
    return Dialect(
        delimiter=delimiter,
        decimal=decimal,
        header=header,
        header_line=header_line,
        notes=notes,
    )


def _guess_delimiter(lines: list[str], suffix: str) -> str:
    candidates = ["\t", ",", ";", "|"]
    best, best_score = ("\t" if suffix in {".tsv", ".tab"} else ","), 0.0
    for cand in candidates:
        counts = [len(next(csv.reader([ln], delimiter=cand))) - 1 for ln in lines]
        if not counts or counts[0] == 0:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * counts[0]
        if suffix in {".tsv", ".tab"} and cand == "\t":
            score *= 2
        if score > best_score:
            best, best_score = cand, score
    return best


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how spreadsheet users find a column."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
