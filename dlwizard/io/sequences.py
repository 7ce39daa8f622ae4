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
from collections.abc import Callable, Iterable, Sequence
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


def _counts(text: str) -> np.ndarray:
    """How often each byte occurs in ``text`` (non-Latin-1 characters count as '?')."""
    raw = text.encode("latin-1", "replace")
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


def looks_like_sequences(series: pd.Series) -> bool:
    return sequence_column_alphabet(series) is not None


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


def profile_sequences(
    values: Sequence[str | None], alphabet: str, *, examples: int = 5
) -> SequenceProfile:
    """Count what a column of (upper-case) sequences holds: lengths, empty and repeated rows,
    ambiguity codes and letters outside ``alphabet``, with the first few places named."""
    import pandas as pd

    alph = ALPHABETS[alphabet]
    s = pd.Series(list(values), dtype=object)
    filled = s.map(lambda v: isinstance(v, str) and len(v) > 0).to_numpy(dtype=bool)
    prof = SequenceProfile(alphabet=alphabet)
    prof.n = int(filled.sum())
    prof.n_empty = len(s) - prof.n
    prof.empty_rows = np.flatnonzero(~filled)[:examples].tolist()
    if not prof.n:
        return prof
    rows = np.flatnonzero(filled)
    seqs = s.iloc[rows].tolist()
    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    prof.length_min, prof.length_max = int(lengths.min()), int(lengths.max())
    prof.length_median = float(np.median(lengths))
    dup = s.iloc[rows].duplicated(keep=False).to_numpy()
    prof.n_duplicated = int(dup.sum())
    if prof.n_duplicated:
        repeated = s.iloc[rows[dup]]
        prof.n_duplicate_groups = int(repeated.nunique())
        first = repeated.iloc[0]
        prof.duplicate_example = rows[dup][(repeated == first).to_numpy()][:examples].tolist()
    joined = "".join(seqs)
    if not joined.isascii():  # rare: letters such as 'é' keep their place as one byte each
        joined = joined.encode("ascii", "replace").decode("ascii")
    raw = np.frombuffer(joined.encode("ascii"), dtype=np.uint8)
    counts = np.bincount(raw, minlength=256)
    known = np.zeros(256, dtype=bool)
    ambiguous = np.zeros(256, dtype=bool)
    for ch in alph.letters:
        known[ord(ch)] = True
    for ch in alph.ambiguous:
        ambiguous[ord(ch)] = True
    invalid = ~(known | ambiguous)
    prof.ambiguous = {chr(b): int(counts[b]) for b in np.flatnonzero(ambiguous & (counts > 0))}
    prof.invalid = {chr(b): int(counts[b]) for b in np.flatnonzero(invalid & (counts > 0))}
    ends = np.cumsum(lengths)
    if prof.ambiguous:
        at = np.flatnonzero(ambiguous[raw])
        prof.n_ambiguous_rows = len(np.unique(np.searchsorted(ends, at, side="right")))
    if prof.invalid:
        at = np.flatnonzero(invalid[raw])
        which = np.searchsorted(ends, at, side="right")
        seq_index, first = np.unique(which, return_index=True)
        prof.n_invalid_rows = len(seq_index)
        starts = ends - lengths
        for k, i in zip(seq_index[:examples].tolist(), first[:examples].tolist(), strict=True):
            pos = int(at[i] - starts[k])
            prof.invalid_at.append((int(rows[k]), pos + 1, seqs[k][pos]))
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


PROGRESS_EVERY = 4096  # records between progress reports (each one also checks Cancel)


def read_fasta(path: str | Path, job: Job | None = None, role: str = "data") -> ReadResult:
    """Read a FASTA file (plain or gzip) into a table of ``record_id``, ``sequence`` and, when
    some header has more than the ID, ``description``; sequences upper-case, T and U as written.

    Records without a sequence are left out (and reported): there is nothing to learn from them.
    Repeated record IDs are reported: a sample sheet joined on the ID would give each of them
    the same row.
    """
    import pandas as pd
    from Bio.SeqIO.FastaIO import SimpleFastaParser

    from dlwizard.errors import DataError
    from dlwizard.io.readers import ReadResult
    from dlwizard.io.sniff import scan_file
    from dlwizard.jobs import Job
    from dlwizard.study.model import FileRecord, Finding

    path = Path(path)
    job = job or Job()
    # The SHA-256 of the bytes on disk; the text check only where the bytes are the text.
    gz = _magic(path) == b"\x1f\x8b"
    scan = scan_file(path, job.sub(0.0, 0.2), text=not gz)
    if scan.magic not in (None, "gzip"):
        raise DataError(
            f"is not a FASTA file (its bytes say it is a {scan.magic} file)",
            file=path,
            fix="choose the FASTA file itself (a text file whose records start with '>').",
        )
    start = _first_text(_head(path))
    if not start:
        raise DataError(
            "holds no FASTA records (it has only blank space)",
            file=path,
            fix="export the sequences again from the program that made them.",
        )
    if not start.startswith(b">"):
        first_line = start.split(b"\n", 1)[0].decode("utf-8", "replace").strip()[:60]
        table = any(sep in first_line for sep in ",;\t")
        raise DataError(
            f"is not a FASTA file: a FASTA record starts with a '>' line naming the sequence, "
            f"but the file starts with '{first_line}'",
            file=path,
            fix=(
                f"this looks like a table: rename it to {path.stem}.csv (or .tsv) and import "
                "it again."
                if table
                else "export the sequences as FASTA ('>ID' on one line, the sequence on the "
                "lines below), or choose the right file."
            ),
        )
    encoding = "utf-8-sig" if scan.encoding in (None, "utf-8", "utf-8-sig") else scan.encoding
    ids: list[str] = []
    descriptions: list[str] = []
    seqs: list[str] = []
    job.progress(0.2, f"Reading {path.name}")
    size = max(scan.size, 1)
    with path.open("rb") as raw:
        stream = gzip.GzipFile(fileobj=raw) if gz else raw
        try:
            text = io.TextIOWrapper(stream, encoding=encoding, errors="replace", newline=None)  # type: ignore[arg-type]
            for k, (title, seq) in enumerate(SimpleFastaParser(text), start=1):
                parts = title.split(None, 1)
                ids.append(parts[0] if parts else "")
                descriptions.append(parts[1].strip() if len(parts) > 1 else "")
                seqs.append(seq)
                if k % PROGRESS_EVERY == 0:
                    job.progress(0.2 + 0.6 * raw.tell() / size, f"Reading {path.name}")
        except (OSError, EOFError) as exc:  # a damaged or cut-short gzip file
            raise DataError(
                f"cannot be decompressed: {exc}",
                file=path,
                fix="the file is damaged or was cut short; download or copy it again.",
            ) from exc
    job.progress(0.8, f"Checking {path.name}")
    if not ids:
        raise DataError(
            "holds no FASTA records",
            file=path,
            fix="export the sequences again from the program that made them.",
        )
    nameless = [k for k, i in enumerate(ids, start=1) if not i]
    if nameless:
        raise DataError(
            f"record {nameless[0]} (counting from the top) has nothing after its '>', so it has "
            "no ID" + (f"; {len(nameless) - 1} more record(s) too" if len(nameless) > 1 else ""),
            file=path,
            fix="write an ID right after each '>' (for example '>seq1'), then import again.",
        )
    findings: list[Finding] = []
    empty = [k for k, s in enumerate(seqs) if not s]
    if len(empty) == len(seqs):
        raise DataError(
            f"none of its {len(seqs):,} records has a sequence (only the '>' lines are there)",
            file=path,
            fix="export the sequences again, with the sequence lines below each '>' line.",
        )
    if empty:
        named = ", ".join(f"'{ids[k]}'" for k in empty[:5])
        findings.append(
            Finding(
                code="sequence-empty",
                severity="warning",
                step="data",
                message=(
                    f"{path.name}: {len(empty):,} of {len(seqs):,} record(s) have a '>' line but "
                    f"no sequence ({named}{'...' if len(empty) > 5 else ''}); they were left out "
                    "of the table, since there is nothing to learn from them."
                ),
                fix="if they should have sequences, check that the file was not cut short or "
                "exported without them, and import it again.",
                columns=["sequence"],
                detail={"file": path.name, "records": [ids[k] for k in empty[:200]]},
            )
        )
        keep = [k for k, s in enumerate(seqs) if s]
        ids = [ids[k] for k in keep]
        descriptions = [descriptions[k] for k in keep]
        seqs = [seqs[k] for k in keep]
    seqs = [s.upper() for s in seqs]
    job.check()
    frame = {"record_id": ids, "sequence": seqs}
    if any(descriptions):
        frame["description"] = [d or None for d in descriptions]
    df = pd.DataFrame(frame, dtype="str")
    repeated = df["record_id"][df["record_id"].duplicated(keep=False)]
    if len(repeated):
        findings.append(duplicate_ids_finding(repeated.value_counts(sort=False), [path.name]))
    alphabet = detect_alphabet(seqs[:50_000])
    if alphabet is None:
        raise DataError(
            "the records do not hold DNA, RNA or protein sequences: "
            + _first_odd_character(ids, seqs),
            file=path,
            fix="check that this is a FASTA file of sequences; sequences hold only letters "
            "(and '-', '.', '*').",
        )
    record = FileRecord(
        path=str(path),
        name=path.name,
        sha256=scan.sha256,
        size_bytes=scan.size,
        format="fasta.gz" if gz else "fasta",
        encoding=encoding,
        n_rows=len(df),
        n_columns=df.shape[1],
    )
    record.role = role  # type: ignore[assignment]
    result = ReadResult(df, record, findings, first_row=1, alphabets={"sequence": alphabet})
    job.progress(1.0, f"Read {path.name}")
    return result


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


def _first_odd_character(ids: list[str], seqs: list[str]) -> str:
    for rid, s in zip(ids, seqs, strict=True):
        for pos, ch in enumerate(s, start=1):
            if not (ch.isalpha() or ch in "-.*"):
                return f"record '{rid}' holds '{ch}' at position {pos:,}"
    first = seqs[0][:30]
    return f"record '{ids[0]}' starts with '{first}', which is no known alphabet"
