"""Biological sequences (DNA, RNA, protein): the one definition of the alphabets, how a column of
a table is recognised as sequences from its values, a plain profile of such a column, and the
FASTA reader.

A sequence data set is a table: one row per sequence, one column of upper-case sequences, the
label and metadata beside it. FASTA files become such a table (``record_id``, ``sequence`` and,
when some header says more than the ID, ``description``).

The module imports nothing heavy at import time (numpy only) and no Study types, so the
similarity and network code can read the alphabets cheaply; :func:`read_fasta` imports the
reader's types when it runs.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from dlwizard.io.readers import ReadResult
    from dlwizard.jobs import Job

# -- the alphabets --------------------------------------------------------------------------------
NUCLEIC_AMBIGUOUS = "NRYSWKMBDHV"  # IUPAC codes for more than one base


@dataclass(frozen=True)
class Alphabet:
    name: str  # dna | rna | protein
    word: str  # how a user reads it: DNA, RNA, protein
    letters: str  # the letters a model knows, in code order (1..len)
    ambiguous: str  # letters that stand for several (N, X, IUPAC) or are rare: read as unknown
    unit: str  # what one letter is: base, amino acid

    @property
    def unknown_code(self) -> int:
        """The integer code of any ambiguous letter or letter outside the alphabet."""
        return len(self.letters) + 1

    def codes(self) -> np.ndarray:
        """A 256-entry table from byte to integer code: 0 is padding, 1..len(letters) are the
        letters in order (either case), everything else is :attr:`unknown_code`."""
        table = np.full(256, self.unknown_code, dtype=np.uint8)
        for i, ch in enumerate(self.letters, start=1):
            table[ord(ch)] = table[ord(ch.lower())] = i
        return table


ALPHABETS: dict[str, Alphabet] = {
    "dna": Alphabet("dna", "DNA", "ACGT", NUCLEIC_AMBIGUOUS, "base"),
    "rna": Alphabet("rna", "RNA", "ACGU", NUCLEIC_AMBIGUOUS, "base"),
    "protein": Alphabet("protein", "protein", "ACDEFGHIKLMNPQRSTVWY", "XBZJUO*", "amino acid"),
}

FASTA_SUFFIXES = frozenset({".fa", ".fasta", ".fna", ".ffn", ".faa", ".frn", ".fas"})
MIN_MEDIAN_LENGTH = 20  # shorter strings in a table are names, codes or words, not sequences
SAMPLE = 2000  # values looked at to judge a table column

_UPPER = np.zeros(256, dtype=bool)
_UPPER[ord("A") : ord("Z") + 1] = True
_GAPS = b"-.*"
_NUCLEIC_ANY = "ACGTU" + NUCLEIC_AMBIGUOUS
_RARE_PROTEIN = "BJOUZ"  # letters English words use and proteins almost never do (O, U)
_SEQUENCE_CHARS = re.compile(r"^[A-Za-z*.\-]+$")


def _counts(text: str, limit: int = 1_000_000) -> np.ndarray:
    """How often each byte occurs in ``text`` (its first ``limit`` characters; non-Latin-1
    characters count as '?')."""
    raw = text[:limit].encode("latin-1", "replace")
    return np.bincount(np.frombuffer(raw, dtype=np.uint8), minlength=256)


def _alphabet_of_counts(counts: np.ndarray) -> str | None:
    """The alphabet that fits counts of upper-case characters, or None."""
    total = int(counts.sum())
    letters = int(counts[_UPPER].sum())
    if total == 0 or letters == 0:
        return None
    gaps = sum(int(counts[b]) for b in _GAPS)
    if total - letters - gaps > 0.05 * total:  # digits, spaces, punctuation: not sequences
        return None

    def share(chars: str) -> float:
        return sum(int(counts[ord(c)]) for c in chars) / letters

    core = share("ACGTUN")
    if core >= 0.9 or (core >= 0.5 and share(_NUCLEIC_ANY) >= 0.99):
        return "rna" if counts[ord("U")] > counts[ord("T")] else "dna"
    if share(ALPHABETS["protein"].letters + "X") >= 0.95:
        return "protein"
    return None


def detect_alphabet(values: Iterable[str]) -> str | None:
    """'dna', 'rna' or 'protein' for sequences (any case), or None when they are none of them.

    Nucleic acids: at least 90 % of the letters are A, C, G, T/U or N (or half of them, with
    every other letter an IUPAC code); RNA when U is more common than T. Protein: at least
    95 % of the letters are the 20 amino acids or X. More than 5 % of other characters (digits,
    spaces, punctuation other than the gaps '-' '.' and the stop '*'): None.
    """
    return _alphabet_of_counts(_counts("".join(v for v in values if v).upper()))


def _sample(present: pd.Series) -> list[str]:
    step = max(1, len(present) // SAMPLE)
    return [str(v).strip() for v in present.iloc[::step].tolist()]


def sequence_column_alphabet(series: pd.Series) -> str | None:
    """The alphabet of a table column that holds sequences, judged from its values, or None.

    A sequence column holds long strings (median length at least 20) of an alphabet's letters
    only, without spaces, mostly distinct. Gene names, IDs ('ATRINS-DONOR-521'), words, free
    text and numbers are never sequences. A protein column must also be written in one case
    per value and almost never use O, U, B, J or Z, which English words use often.
    """
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return None
    present = series.dropna()
    if not len(present):
        return None
    values = [v for v in _sample(present) if v]
    if not values or float(np.median([len(v) for v in values])) < MIN_MEDIAN_LENGTH:
        return None
    if sum(bool(_SEQUENCE_CHARS.match(v)) for v in values) < 0.95 * len(values):
        return None  # spaces, digits, punctuation: text or codes
    try:
        n_unique = int(present.nunique())
    except TypeError:  # unhashable cells
        return None
    if n_unique < 0.5 * len(present):
        return None
    counts = _counts("".join(values).upper())
    alphabet = _alphabet_of_counts(counts)
    if alphabet == "protein":
        letters = int(counts[_UPPER].sum())
        rare = sum(int(counts[ord(c)]) for c in _RARE_PROTEIN)
        one_case = sum(v.isupper() or v.islower() for v in values)
        if rare > 0.01 * letters or one_case < 0.95 * len(values):
            return None
    return alphabet


# -- the profile of a column of sequences ----------------------------------------------------------
@dataclass
class SequenceProfile:
    """What a column of sequences holds, in counts a user can check."""

    alphabet: str
    n: int = 0  # rows with a sequence
    n_empty: int = 0  # rows without one
    n_duplicated: int = 0  # rows whose sequence also occurs on another row
    n_duplicate_groups: int = 0  # distinct sequences that occur more than once
    length_min: int = 0
    length_median: float = 0.0
    length_max: int = 0
    ambiguous: dict[str, int] = field(default_factory=dict)  # letter -> count
    n_ambiguous_rows: int = 0
    invalid: dict[str, int] = field(default_factory=dict)  # letter -> count
    n_invalid_rows: int = 0
    # (row position, 1-based position in the sequence, letter): the first letter outside the
    # alphabet in each of the first few rows that have one.
    invalid_at: list[tuple[int, int, str]] = field(default_factory=list)
    empty_rows: list[int] = field(default_factory=list)  # the first few
    duplicate_example: list[int] = field(default_factory=list)  # rows of one repeated sequence
    # Distinct non-empty sequences (None when non-ASCII letters were counted as '?').
    n_distinct: int | None = None


def _arrow_strings(values):
    """``values`` as one Arrow large-string array without nulls (missing: ''), zero-copy for
    the Arrow-backed text columns pandas reads."""
    import pyarrow as pa
    import pyarrow.compute as pc

    # A Series' own array: zero-copy when it is Arrow text (a Series itself goes through NumPy).
    arr = pa.array(getattr(values, "array", values), from_pandas=True)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.chunk(0) if arr.num_chunks == 1 else arr.combine_chunks()
    if arr.type != pa.large_string():
        arr = arr.cast(pa.large_string())
    if arr.null_count:
        arr = pc.fill_null(arr, "")
    return arr


def _bytes_of(arr) -> tuple[np.ndarray, np.ndarray]:
    """The concatenated bytes of a large-string array and each string's start (plus the end)."""
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    )
    return data[offsets[0] : offsets[-1]], offsets - offsets[0]


def _positions(data: bytes, raw: np.ndarray, byte: int, count: int) -> np.ndarray:
    """Where the ``count`` occurrences of ``byte`` are in ``data`` (``raw`` is the same bytes as
    an array). A few are found by ``bytes.find`` (memchr), many by one NumPy comparison."""
    if count > 2_000:
        return np.flatnonzero(raw == byte)
    find, ch, out, i = data.find, bytes([byte]), [], -1
    for _ in range(count):
        i = find(ch, i + 1)
        out.append(i)
    return np.array(out, dtype=np.int64)


_KEY_BYTES = 32  # letters of each sequence in its key (for finding repeated sequences)
_PIECE = 1 << 20  # bytes of a column's letters counted at a time


def _sequence_keys(raw: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """One 64-bit key per sequence (all of length >= 1), equal for equal sequences: its length
    and the 32 letters in its middle (the ends are often shared primers or adapters), so that
    different sequences seldom share one. One gather of 32 bytes (a cache line) each."""
    from numpy.lib.stride_tricks import as_strided

    prime = np.uint64(0x100000001B3)
    key = lengths.astype(np.uint64)
    if len(raw) >= _KEY_BYTES:
        # Every 32-byte window of the column, as rows of a view (no copy).
        windows = as_strided(
            raw, shape=(len(raw) - _KEY_BYTES + 1, _KEY_BYTES), strides=(1, 1), writeable=False
        )
        at = starts + np.maximum(lengths - _KEY_BYTES, 0) // 2
        words = windows[np.minimum(at, len(raw) - _KEY_BYTES)].view(np.uint64)
        for j in range(words.shape[1]):
            key = (key * prime) ^ words[:, j]
    short = np.flatnonzero(lengths < _KEY_BYTES)
    if len(short):  # their windows reach past them: their own bytes, the last one repeated
        lanes = np.minimum(np.arange(_KEY_BYTES), (lengths[short] - 1)[:, None])
        words = np.ascontiguousarray(raw[starts[short][:, None] + lanes]).view(np.uint64)
        k = lengths[short].astype(np.uint64)
        for j in range(words.shape[1]):
            k = (k * prime) ^ words[:, j]
        key[short] = k
    return key


def _repeats(prof: SequenceProfile, present, rows: np.ndarray, keys: np.ndarray, examples: int):
    """Count the rows whose sequence occurs more than once. ``present``: the non-empty
    sequences (an Arrow array), ``rows``: their rows, ``keys``: their :func:`_sequence_keys`.

    Only sequences that share a key with another can repeat; Arrow's hash (dictionary
    encoding) compares those in full, so the result is exact and a column without repeats
    costs no pass over its letters. Sets ``n_distinct`` too."""
    import pyarrow as pa
    import pyarrow.compute as pc

    _, inverse, key_counts = np.unique(keys, return_inverse=True, return_counts=True)
    maybe = np.flatnonzero(key_counts[inverse] > 1)
    prof.n_distinct = len(present) - len(maybe)
    if not len(maybe):
        return
    some = present if len(maybe) == len(present) else present.take(pa.array(maybe))
    codes = pc.dictionary_encode(some).indices.to_numpy(zero_copy_only=False)
    counts = np.bincount(codes)
    prof.n_distinct += len(counts)
    repeated = counts > 1
    if not repeated.any():
        return
    dup = repeated[codes]
    prof.n_duplicated = int(dup.sum())
    prof.n_duplicate_groups = int(repeated.sum())
    first = int(np.argmax(repeated))  # codes number sequences in order of first appearance
    prof.duplicate_example = rows[maybe[codes == first]][:examples].tolist()


def profile_sequences(values, alphabet: str, *, examples: int = 5) -> SequenceProfile:
    """Count what a column of (upper-case) sequences holds: lengths, empty and repeated rows,
    ambiguity codes and letters outside ``alphabet``, with the first few places named.

    ``values``: a pandas Series or a list (None for missing). Arrow-backed text is counted on
    its bytes in place: a 100 MB column costs a few passes of NumPy, no Python loop.
    """
    import pyarrow as pa

    alph = ALPHABETS[alphabet]
    arr = _arrow_strings(values)
    original = arr  # to name a letter as written
    raw, offsets = _bytes_of(arr)
    nbytes = np.diff(offsets)
    as_written = True
    if len(raw) and int(raw.max()) >= 128:
        # Non-ASCII characters (rare): one byte each, so that positions count letters.
        arr = pa.array(
            [v.encode("ascii", "replace").decode("ascii") for v in arr.to_pylist()],
            type=pa.large_string(),
        )
        raw, offsets = _bytes_of(arr)
        nbytes = np.diff(offsets)
        as_written = False
    filled = nbytes > 0
    prof = SequenceProfile(alphabet=alphabet)
    prof.n = int(filled.sum())
    prof.n_empty = len(arr) - prof.n
    prof.empty_rows = np.flatnonzero(~filled)[:examples].tolist()
    if not prof.n:
        prof.n_distinct = 0
        return prof
    rows = np.flatnonzero(filled)
    lengths = nbytes[rows]
    prof.length_min, prof.length_max = int(lengths.min()), int(lengths.max())
    prof.length_median = float(np.median(lengths))
    present = arr if prof.n == len(arr) else arr.filter(pa.array(filled))
    _repeats(prof, present, rows, _sequence_keys(raw, offsets[rows], lengths), examples)
    if not as_written:
        prof.n_distinct = None  # '?' stands for several characters: count on the values
    # Letters: what is left once the alphabet's own letters are deleted is small, and is the
    # only part counted and looked for letter by letter; piece by piece, so that each piece is
    # copied, cleaned and searched while it is in the cache.
    delete = alph.letters.encode()
    ambiguous = {ord(c) for c in alph.ambiguous}
    rests: list[bytes] = []
    amb_at: list[np.ndarray] = []
    bad_at: list[np.ndarray] = []
    for base in range(0, len(raw), _PIECE):
        part = raw[base : base + _PIECE]
        piece = part.tobytes()
        rest = piece.translate(None, delete)
        if not rest:
            continue
        rests.append(rest)
        for b in sorted(set(rest)):
            at = _positions(piece, part, b, rest.count(b)) + base
            (amb_at if b in ambiguous else bad_at).append(at)
    if not rests:
        return prof
    counts = np.bincount(np.frombuffer(b"".join(rests), dtype=np.uint8), minlength=256)
    seen = [int(b) for b in np.flatnonzero(counts)]
    prof.ambiguous = {chr(b): int(counts[b]) for b in seen if b in ambiguous}
    prof.invalid = {chr(b): int(counts[b]) for b in seen if b not in ambiguous}
    ends = offsets[1:]
    if amb_at:
        at = np.concatenate(amb_at)
        prof.n_ambiguous_rows = len(np.unique(np.searchsorted(ends, at, side="right")))
    if bad_at:
        at = np.sort(np.concatenate(bad_at))
        which = np.searchsorted(ends, at, side="right")
        row_index, first_at = np.unique(which, return_index=True)
        prof.n_invalid_rows = len(row_index)
        for k, i in zip(row_index[:examples].tolist(), first_at[:examples].tolist(), strict=True):
            pos = int(at[i] - offsets[k])
            prof.invalid_at.append((int(k), pos + 1, original[k].as_py()[pos]))
    return prof


def length_words(p: SequenceProfile) -> str:
    """'60 letters each' or '45 to 1,200 letters (median 300)'."""
    unit = "letters"
    if p.length_min == p.length_max:
        return f"{p.length_min:,} {unit} each"
    return f"{p.length_min:,} to {p.length_max:,} {unit} (median {p.length_median:,.0f})"


def counts_words(counts: dict[str, int], limit: int = 6) -> str:
    """'N 37, D 7, S 4' (most frequent first)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{_show_letter(k)} {v:,}" for k, v in items[:limit])
    more = len(items) - limit
    return shown + (f" and {more} other(s)" if more > 0 else "")


def _show_letter(ch: str) -> str:
    return f"'{ch}'" if not ch.isalpha() else ch


def places_words(p: SequenceProfile, name_row: Callable[[int], str]) -> str:
    """Where the first letters outside the alphabet are: "record 'x' position 12 ('5')"."""
    return "; ".join(
        f"{name_row(row)}, position {pos:,} ({_show_letter(ch)})" for row, pos, ch in p.invalid_at
    )


# -- FASTA -----------------------------------------------------------------------------------------
def fasta_name(path: Path) -> bool:
    """Whether the file's name says FASTA (.fa, .fasta, .fna, .ffn, .faa, .frn, .fas, also
    compressed as .gz)."""
    suffixes = [s.lower() for s in path.suffixes[-2:]]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] in FASTA_SUFFIXES


def _head(path: Path, n_bytes: int = 4096) -> bytes:
    """The first bytes of the file, decompressed when it is gzip."""
    with path.open("rb") as fh:
        head = fh.read(n_bytes)
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path, "rb") as gz:
                head = gz.read(n_bytes)
        except (OSError, EOFError):
            return b""
    return head


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            return fh.read(2)
    except OSError:  # missing, a folder: scan_file says which
        return b""


def _first_text(head: bytes) -> bytes:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")


def looks_like_fasta(path: str | Path) -> bool:
    """Whether the file's content is FASTA: its first non-blank character is '>'."""
    path = Path(path)
    try:
        if not path.is_file():
            return False
        return _first_text(_head(path)).startswith(b">")
    except OSError:
        return False


def is_fasta(path: str | Path) -> bool:
    """FASTA by name or by content."""
    path = Path(path)
    return fasta_name(path) or looks_like_fasta(path)


_BOM = b"\xef\xbb\xbf"
PROGRESS_EVERY = 4096  # records between progress reports (each one also checks Cancel)


def _sha256_beside(path: Path):
    """Hash the file in a thread while it is parsed (hashlib releases the GIL on large blocks,
    so the hash costs no time on a second core). Returns a function that waits for the digest."""
    import hashlib
    import threading

    box: dict[str, object] = {}

    def work() -> None:
        try:
            digest = hashlib.sha256()
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 23):
                    digest.update(chunk)
            box["sha256"] = digest.hexdigest()
        except OSError as exc:  # pragma: no cover - the file vanished while being read
            box["error"] = exc

    thread = threading.Thread(target=work, name="dlwizard-sha256", daemon=True)
    thread.start()

    def result() -> str:
        thread.join()
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return str(box["sha256"])

    return result


def _not_fasta(path: Path, start: bytes):
    from dlwizard.errors import DataError

    if not start:
        return DataError(
            "holds no FASTA records (it has only blank space)",
            file=path,
            fix="export the sequences again from the program that made them.",
        )
    first_line = start.split(b"\n", 1)[0].decode("utf-8", "replace").strip()[:60]
    printable = sum(ch.isprintable() for ch in first_line) >= 0.9 * max(len(first_line), 1)
    table = printable and any(sep in first_line for sep in ",;\t")
    shown = f"'{first_line}'" if printable else "bytes that are not text"
    return DataError(
        "is not a FASTA file: a FASTA record starts with a '>' line naming the sequence, but "
        f"the file starts with {shown}",
        file=path,
        fix=(
            f"this looks like a table: rename it to {path.stem}.csv (or .tsv) and import it again."
            if table
            else "export the sequences as FASTA ('>ID' on one line, the sequence on the lines "
            "below), or choose the right file."
        ),
    )


def read_fasta(path: str | Path, job: Job | None = None, role: str = "data") -> ReadResult:
    """Read a FASTA file (plain or gzip) into a table of ``record_id``, ``sequence`` and, when
    some header has more than the ID, ``description``; sequences upper-case, T and U as written.

    Records without a sequence are left out (and reported): there is nothing to learn from them.
    Repeated record IDs are reported: a sample sheet joined on the ID would give each of them
    the same row. The file is parsed once by Biopython's SimpleFastaParser while a thread
    hashes it; the table is built in Arrow (the text columns pandas uses).
    """
    from itertools import islice

    import pyarrow as pa
    import pyarrow.compute as pc
    from Bio.SeqIO.FastaIO import SimpleFastaParser

    from dlwizard.errors import DataError
    from dlwizard.io.readers import ReadResult
    from dlwizard.io.sniff import check_path
    from dlwizard.jobs import Job
    from dlwizard.study.model import FileRecord, Finding

    path = check_path(path)
    job = job or Job()
    job.progress(0.0, f"Reading {path.name}")
    size = path.stat().st_size
    if size == 0:
        raise DataError(
            "the file is empty (0 bytes)",
            file=path,
            fix="export the sequences again from the program that made them.",
        )
    gz = _magic(path) == b"\x1f\x8b"
    first = _head(path)
    start = _first_text(first)
    if not start.startswith(b">"):
        raise _not_fasta(path, start)
    # Each block of records goes into Arrow as soon as it is read (sequences in capitals), so
    # that the Python strings of only one block are alive at a time.
    title_blocks: list = []
    seq_blocks: list = []
    sha256 = _sha256_beside(path)
    with path.open("rb") as fh:
        stream = gzip.GzipFile(fileobj=fh) if gz else fh
        if first.startswith(_BOM):  # what 'utf-8-sig' would drop, without its slower decoder
            stream.read(len(_BOM))
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline=None)  # type: ignore[arg-type]
        records = SimpleFastaParser(text)
        try:
            while True:
                # A plain loop: as fast as the parser alone (gathering the block as a list of
                # tuples and unzipping it costs a third more).
                titles: list[str] = []
                seqs: list[str] = []
                add_title, add_seq = titles.append, seqs.append
                for title, seq in islice(records, PROGRESS_EVERY):
                    add_title(title)
                    add_seq(seq)
                if not titles:
                    break
                title_blocks.append(pa.array(titles, type=pa.large_string()))
                seq_blocks.append(pc.ascii_upper(pa.array(seqs, type=pa.large_string())))
                job.progress(0.05 + 0.75 * fh.tell() / size, f"Reading {path.name}")
        except (OSError, EOFError) as exc:  # a damaged or cut-short gzip file
            raise DataError(
                f"cannot be decompressed: {exc}",
                file=path,
                fix="the file is damaged or was cut short; download or copy it again.",
            ) from exc
    job.progress(0.8, f"Checking {path.name}")
    if not title_blocks:
        raise _not_fasta(path, b"")
    # The ID is the first word of the '>' line, the description the rest.
    ids, rest = _split_titles(_joined(title_blocks))
    del title_blocks
    nameless = np.flatnonzero(pc.equal(pc.binary_length(ids), 0).to_numpy(zero_copy_only=False))
    if len(nameless):
        raise DataError(
            f"record {nameless[0] + 1} (counting from the top) has nothing after its '>', so it "
            "has no ID"
            + (f"; {len(nameless) - 1} more record(s) too" if len(nameless) > 1 else ""),
            file=path,
            fix="write an ID right after each '>' (for example '>seq1'), then import again.",
        )
    columns = {"record_id": ids, "sequence": _joined(seq_blocks)}
    del seq_blocks
    described = pc.greater(pc.binary_length(rest), 0)
    if pc.any(described).as_py():
        columns["description"] = pc.if_else(described, rest, pa.scalar(None, pa.large_string()))
    del rest
    table = pa.table(columns)
    findings: list[Finding] = []
    empty = pc.equal(pc.binary_length(table["sequence"]), 0)
    n_empty = int(pc.sum(empty).as_py() or 0)
    if n_empty == len(table):
        raise DataError(
            f"none of its {len(table):,} records has a sequence (only the '>' lines are there)",
            file=path,
            fix="export the sequences again, with the sequence lines below each '>' line.",
        )
    if n_empty:
        gone = table["record_id"].filter(empty).to_pylist()
        named = ", ".join(f"'{i}'" for i in gone[:5])
        findings.append(
            Finding(
                code="sequence-empty",
                severity="warning",
                step="data",
                message=(
                    f"{path.name}: {n_empty:,} of {len(table):,} record(s) have a '>' line but no "
                    f"sequence ({named}{'...' if n_empty > 5 else ''}); they were left out of "
                    "the table, since there is nothing to learn from them."
                ),
                fix="if they should have sequences, check that the file was not cut short or "
                "exported without them, and import it again.",
                columns=["sequence"],
                detail={"file": path.name, "records": gone[:200]},
            )
        )
        table = table.filter(pc.invert(empty))
    job.check()
    tally = pc.value_counts(table["record_id"])
    repeated = pc.greater(tally.field("counts"), 1)
    if pc.any(repeated).as_py():
        import pandas as pd

        counts = pd.Series(
            tally.field("counts").filter(repeated).to_pylist(),
            index=tally.field("values").filter(repeated).to_pylist(),
        )
        findings.append(duplicate_ids_finding(counts, [path.name]))
    alphabet = detect_alphabet(_leading(table["sequence"]))
    if alphabet is None:
        raise DataError(
            "the records do not hold DNA, RNA or protein sequences: "
            + _first_odd_character(table["record_id"], table["sequence"]),
            file=path,
            fix="check that this is a FASTA file of sequences; sequences hold only letters "
            "(and '-', '.', '*').",
        )
    df = table.to_pandas()
    record = FileRecord(
        path=str(path),
        name=path.name,
        sha256=sha256(),
        size_bytes=size,
        format="fasta.gz" if gz else "fasta",
        encoding="utf-8",
        n_rows=len(df),
        n_columns=df.shape[1],
    )
    record.role = role  # type: ignore[assignment]
    result = ReadResult(df, record, findings, first_row=1, alphabets={"sequence": alphabet})
    job.progress(1.0, f"Read {path.name}")
    return result


def _joined(blocks: list):
    """Arrow arrays of one type as one array (the blocks are freed by the caller)."""
    import pyarrow as pa

    if len(blocks) == 1:
        return blocks[0]
    return pa.chunked_array(blocks, type=blocks[0].type).combine_chunks()


def _split_titles(titles):
    """The ID (first word) and the rest of each '>' line, as two large-string arrays.

    The words are split at the whitespace of the regular expression ``^\\s*(\\S*)\\s*(.*)$``
    (space, tab, form feed, CR, LF). Arrow's ASCII whitespace split, ten times faster, splits
    at the same characters and a vertical tab; the expression itself reads the rare lines that
    hold a vertical tab or start with blank space (or are empty), so that both give the same.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    has_vt = pc.any(pc.match_substring(titles, "\v")).as_py()
    if not has_vt:
        words = pc.ascii_split_whitespace(titles, max_splits=1)
        ids = pc.list_element(words, 0)
        if not pc.any(pc.equal(pc.binary_length(ids), 0)).as_py():
            offsets = words.offsets.to_numpy()
            two = np.diff(offsets) == 2
            rest_at = pa.array(offsets[:-1] + 1, mask=~two)  # null: no second word
            rest = pc.fill_null(words.values.take(rest_at), "")
            return ids, rest
    head = pc.extract_regex(titles, r"^\s*(?P<id>\S*)\s*(?P<rest>.*)$")
    return head.field("id"), head.field("rest")


def _leading(values, limit: int = 1_000_000) -> list[str]:
    """The first sequences, up to about ``limit`` letters: enough to judge the alphabet."""
    out: list[str] = []
    total = 0
    for i in range(len(values)):
        v = values[i].as_py() if hasattr(values[i], "as_py") else values[i]
        out.append(v)
        total += len(v)
        if total >= limit:
            break
    return out


def duplicate_ids_finding(counts: pd.Series, files: list[str]):
    """Record IDs that occur on more than one record (``counts``: ID -> number of records)."""
    from dlwizard.study.model import Finding

    shown = ", ".join(f"'{i}' ({n}×)" for i, n in list(counts.items())[:5])
    where = files[0] if len(files) == 1 else " and ".join(files[:3])
    return Finding(
        code="fasta-duplicate-ids",
        severity="warning",
        step="data",
        message=(
            f"{where}: {len(counts):,} record ID(s) name more than one record ({shown}"
            f"{'...' if len(counts) > 5 else ''}). A sample sheet joined on the ID would give "
            "each of them the same row, and messages naming them are ambiguous."
        ),
        fix="give every record its own ID (the first word after '>'), for example by adding "
        "a number, then import again; if the records are copies of one sequence, remove them.",
        columns=["record_id"],
        detail={"files": files, "ids": [str(i) for i in list(counts.index)[:200]]},
    )


def _first_odd_character(ids, seqs) -> str:
    """Where the first character that is no sequence letter is (for 'not sequences')."""
    for k in range(len(seqs)):
        s = seqs[k].as_py() if hasattr(seqs[k], "as_py") else seqs[k]
        rid = ids[k].as_py() if hasattr(ids[k], "as_py") else ids[k]
        for pos, ch in enumerate(s, start=1):
            if not (ch.isalpha() or ch in "-.*"):
                return f"record '{rid}' holds '{ch}' at position {pos:,}"
        if k >= 1000:
            break
    first = seqs[0].as_py() if hasattr(seqs[0], "as_py") else seqs[0]
    rid = ids[0].as_py() if hasattr(ids[0], "as_py") else ids[0]
    return f"record '{rid}' starts with '{first[:30]}', which is no known alphabet"
