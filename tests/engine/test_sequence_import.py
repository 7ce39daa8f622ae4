"""Importing sequences (issue 17): FASTA files and table columns of DNA, RNA or protein.

What a user relies on: a FASTA file (or one per class) becomes a table of one row per record;
a column of sequences is recognised from its values whatever its name, and never in a table of
gene names, IDs, words or free text; the alphabet, lengths, ambiguity letters, letters outside
the alphabet (by record and position), empty and repeated records are reported; the file's
SHA-256 is recorded; the sequence column is a feature, not an ID.
"""

from __future__ import annotations

import gzip
import hashlib
import random
from pathlib import Path

import pandas as pd
import pytest

from dlwizard.errors import Cancelled, DataError
from dlwizard.io import sequences as seqs
from dlwizard.io.readers import read_file
from dlwizard.jobs import Job
from dlwizard.plan import run_plan
from dlwizard.steps import data, metadata, question
from dlwizard.study.model import ImportOptions, SampleSheet
from dlwizard.study.project import Project
from tests.conftest import SHARED_DATA

SPLICE = SHARED_DATA / "splice_uci" / "splice.csv"
PROMOTERS = SHARED_DATA / "ecoli_promoters_uci" / "promoters.csv"


def _dna(rng: random.Random, n: int, letters: str = "ACGT") -> str:
    return "".join(rng.choice(letters) for _ in range(n))


def write_fasta(path: Path, records: list[tuple[str, str]], newline: str = "\n") -> Path:
    text = "".join(f">{title}{newline}{seq}{newline}" for title, seq in records)
    path.write_bytes(text.encode())
    return path


def imported(*paths: Path, **kw) -> Project:
    p = Project.new("sequences")
    data.run(p, ImportOptions(paths=[str(x) for x in paths], **kw))
    return p


def codes(p: Project, step: str = "data") -> dict[str, list]:
    out: dict[str, list] = {}
    for f in p.findings(step):
        out.setdefault(f.code, []).append(f)
    return out


def kinds(p: Project) -> dict[str, str]:
    assert p.study.data is not None
    return {c.name: c.kind for c in p.study.data.columns}


@pytest.fixture
def two_classes(tmp_path) -> tuple[Path, Path]:
    rng = random.Random(1)
    pos = write_fasta(tmp_path / "promoter.fa", [(f"p{i} chr1", _dna(rng, 50)) for i in range(30)])
    neg = write_fasta(tmp_path / "background.fasta", [(f"b{i}", _dna(rng, 50)) for i in range(30)])
    return pos, neg


# -- real data ----------------------------------------------------------------------------------
@pytest.mark.skipif(not SPLICE.exists(), reason="../shared/data/splice_uci is absent")
def test_splice_junctions_are_dna_with_duplicates_and_ambiguity_codes():
    p = imported(SPLICE)
    assert kinds(p)["Sequence"] == "sequence"
    assert kinds(p)["Donor"] != "sequence" and kinds(p)["Class"] != "sequence"
    (info,) = p.study.data.sequences
    assert (info.column, info.alphabet, info.n) == ("Sequence", "dna", 3190)
    assert (info.length_min, info.length_max) == (60, 60)
    assert info.ambiguous == {"N": 56, "D": 2, "R": 1, "S": 1}
    assert info.invalid == {}
    found = codes(p)
    dup = found["sequence-duplicates"][0]
    assert dup.detail["extra_copies"] == 185 and "185" in dup.message
    assert "N 56" in found["sequence-ambiguous"][0].message
    assert "60 letters each" in found["sequence-alphabet"][0].message
    # Stored trimmed (the file pads values with spaces) and in capitals.
    assert p.table["Sequence"].str.fullmatch(r"[ACGTNDRS]{60}").all()
    question.apply(p, target="Class")
    m = metadata.apply(p)
    assert m.roles["Sequence"] == "feature"
    flagged = [f for f in p.findings("metadata") if "Sequence" in f.columns]
    assert flagged == []


@pytest.mark.skipif(not PROMOTERS.exists(), reason="../shared/data/ecoli_promoters_uci is absent")
def test_lower_case_promoters_are_dna_stored_in_capitals():
    p = imported(PROMOTERS)
    (info,) = p.study.data.sequences
    assert (info.column, info.alphabet, info.n, info.length_max) == ("sequence", "dna", 106, 57)
    assert p.table["sequence"].str.isupper().all()
    assert "capital" in codes(p)["sequence-alphabet"][0].message


# -- FASTA ----------------------------------------------------------------------------------------
def test_one_fasta_file_per_class(two_classes):
    pos, neg = two_classes
    p = imported(pos, neg)
    df = p.table
    assert list(df.columns) == ["record_id", "sequence", "description", "class"]
    assert df["class"].value_counts().to_dict() == {"promoter": 30, "background": 30}
    assert "source_file" not in df.columns  # it would be a copy of the label
    assert p.study.data.options.sample_id_column == "record_id"
    assert df.loc[0, "description"] == "chr1"
    assert [f.sha256 for f in p.study.data.files] == [
        hashlib.sha256(x.read_bytes()).hexdigest() for x in (pos, neg)
    ]
    assert [f.format for f in p.study.data.files] == ["fasta", "fasta"]
    (info,) = p.study.data.sequences
    assert (info.alphabet, info.n, info.length_median) == ("dna", 60, 50)
    assert kinds(p)["sequence"] == "sequence"
    question.apply(p, target="class")
    roles = metadata.apply(p).roles
    assert roles["sequence"] == "feature" and roles["record_id"] == "sample_id"


def test_a_plan_runs_fasta_files_up_to_the_split(two_classes, tmp_path):
    plan = {
        "question": {"target": "class"},
        "data": {"paths": [two_classes[0].name, two_classes[1].name]},
        "metadata": {},
        "split": {},
    }
    p = run_plan(plan, tmp_path)
    assert p.is_done("split")
    assert p.study.metadata.roles["sequence"] == "feature"


def test_sample_sheet_joins_on_the_record_id(tmp_path):
    rng = random.Random(2)
    fa = write_fasta(tmp_path / "reads.fa", [(f"r{i}", _dna(rng, 40)) for i in range(20)])
    sheet = tmp_path / "labels.csv"
    rows = [f"r{i},{'yes' if i % 2 else 'no'},plate{i % 3}" for i in range(20)]
    sheet.write_text("id,bound,plate\n" + "\n".join(rows) + "\n")
    p = imported(fa, sample_sheet=SampleSheet(path=str(sheet)))
    assert p.table.loc[p.table["record_id"] == "r3", "bound"].item() == "yes"
    assert p.study.data.options.sample_sheet.key == "id"
    assert "sample-sheet-unmatched" not in codes(p)


def test_rna_keeps_u(tmp_path):
    rng = random.Random(3)
    fa = write_fasta(tmp_path / "rna.frn", [(f"m{i}", _dna(rng, 30, "acgu")) for i in range(10)])
    p = imported(fa)
    (info,) = p.study.data.sequences
    assert info.alphabet == "rna" and info.invalid == {}
    assert p.table["sequence"].str.contains("U").all()
    assert not p.table["sequence"].str.contains("T").any()


def test_protein_with_x_counted_as_ambiguous(tmp_path):
    rng = random.Random(4)
    aa = seqs.ALPHABETS["protein"].letters
    recs = [(f"sp|P{i}|PROT", "M" + _dna(rng, 120, aa)) for i in range(10)]
    recs[3] = ("sp|P3|PROT", "MKTX" + _dna(rng, 60, aa))
    p = imported(write_fasta(tmp_path / "prot.faa", recs))
    (info,) = p.study.data.sequences
    assert info.alphabet == "protein" and info.ambiguous == {"X": 1}
    assert "sequence-ambiguous" in codes(p)


def test_letters_outside_the_alphabet_are_named_by_record_and_position(tmp_path):
    rng = random.Random(5)
    recs = [(f"s{i}", _dna(rng, 30)) for i in range(10)]
    recs[4] = ("s4", "ACGTACGT5ACGTACGTACGTACGTACGTACG")
    recs[7] = ("s7", "ACGT-ACGTACGTACGTACGTACGTACGTAC")
    p = imported(write_fasta(tmp_path / "x.fa", recs))
    (f,) = codes(p)["sequence-invalid-letters"]
    assert f.severity == "warning"
    assert "record 's4', position 9 ('5')" in f.message
    assert "record 's7', position 5 ('-')" in f.message
    assert p.study.data.sequences[0].invalid == {"5": 1, "-": 1}


def test_records_without_a_sequence_are_left_out_and_named(tmp_path):
    fa = tmp_path / "gaps.fa"
    fa.write_text(">a\nACGTACGTACGTACGTACGTAA\n>b\n>c\nACGTACGTACGTACGTACGTTT\n")
    p = imported(fa)
    assert p.table["record_id"].tolist() == ["a", "c"]
    (f,) = codes(p)["sequence-empty"]
    assert "'b'" in f.message and "left out" in f.message


def test_repeated_record_ids_are_named(tmp_path, two_classes):
    fa = tmp_path / "dups.fa"
    fa.write_text(">x\nACGTACGTACGTACGTACGTAA\n>x\nACGTACGTACGTACGTACGTTT\n>y\nACGTACGTAC\n")
    p = imported(fa)
    (f,) = codes(p)["fasta-duplicate-ids"]
    assert "'x' (2×)" in f.message
    assert "duplicate-sample-ids" not in codes(p)  # said once, in FASTA words
    # The same ID in two class files.
    pos = two_classes[0]
    other = tmp_path / "other.fa"
    other.write_text(">p3\nACGTACGTACGTACGTACGTAA\n")
    p = imported(pos, other)
    (f,) = codes(p)["fasta-duplicate-ids"]
    assert "'p3'" in f.message and "promoter.fa" in f.message and "other.fa" in f.message


def test_gzip_and_windows_line_endings(tmp_path, two_classes):
    rng = random.Random(6)
    recs = [(f"w{i}", _dna(rng, 70)) for i in range(8)]
    plain = write_fasta(tmp_path / "win.fa", recs, newline="\r\n")
    packed = tmp_path / "win.fa.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = read_file(plain), read_file(packed)
    assert a.table["sequence"].tolist() == [s for _, s in recs]
    pd.testing.assert_frame_equal(a.table, b.table)
    assert b.record.sha256 == hashlib.sha256(packed.read_bytes()).hexdigest()
    assert data.class_name(packed) == "win"


def test_fasta_is_recognised_by_content(tmp_path):
    txt = write_fasta(tmp_path / "export.txt", [("q1", "ACGTACGTACGTACGTACGTAC")])
    assert read_file(txt).record.format == "fasta"


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (b"\n\n  \n", "no FASTA records"),
        (b">a\n>b\n", "none of its 2 records"),
        (b"id,seq\n1,ACGT\n", "rename it to table.csv"),
        (b"just some notes\n", "not a FASTA file"),
        (b">\nACGT\n", "no ID"),
        (b">a\n12345,678\n", "holds '1' at position 1"),
    ],
)
def test_files_that_cannot_be_read_as_fasta(tmp_path, content, says):
    path = tmp_path / "table.fa"
    path.write_bytes(content)
    with pytest.raises(DataError) as err:
        imported(path)
    assert err.value.file and Path(err.value.file).name == "table.fa"
    assert says in str(err.value) and err.value.fix


def test_fasta_and_a_table_cannot_be_stacked(tmp_path, two_classes):
    table = tmp_path / "t.csv"
    table.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="sample sheet"):
        imported(two_classes[0], table)


def test_cancel_stops_the_fasta_reader(two_classes):
    job = Job()
    job.cancel()
    with pytest.raises(Cancelled):
        seqs.read_fasta(two_classes[0], job)


# -- table columns --------------------------------------------------------------------------------
def test_a_sequence_column_with_any_name_is_found(tmp_path):
    rng = random.Random(7)
    n = 40
    df = pd.DataFrame(
        {
            "sample": [f"S{i:03d}" for i in range(n)],
            "x1": [_dna(rng, 35).lower() for _ in range(n)],
            "x2": [rng.random() for _ in range(n)],
            "label": ["a", "b"] * (n // 2),
        }
    )
    df.loc[5, "x1"] = None
    path = tmp_path / "renamed.csv"
    df.to_csv(path, index=False)
    p = imported(path)
    assert kinds(p)["x1"] == "sequence"
    assert [s.column for s in p.study.data.sequences] == ["x1"]
    (f,) = codes(p)["sequence-empty"]
    assert "row 7" in f.message  # the spreadsheet's row of the empty cell
    question.apply(p, target="label")
    assert metadata.apply(p).roles["x1"] == "feature"


def test_a_long_sequence_in_a_cell_is_data(tmp_path):
    rng = random.Random(8)
    path = tmp_path / "long.csv"
    rows = [f"g{i},{_dna(rng, 150_000)},{'ab'[i % 2]}" for i in range(3)]
    path.write_text("gene,seq,label\n" + "\n".join(rows) + "\n")
    p = imported(path)
    assert p.study.data.sequences[0].length_min == 150_000


def _silent_table(n: int = 60) -> pd.DataFrame:
    rng = random.Random(9)
    genes = ["BRCA1", "TP53", "EGFR", "MYC", "KRAS", "SEPTIN7", "CDKN2A", "PTEN"]
    return pd.DataFrame(
        {
            "gene": [rng.choice(genes) for _ in range(n)],
            "donor": [f"ATRINS-DONOR-{rng.randint(1, 9999)}" for _ in range(n)],
            "treatment": [rng.choice(["treated", "untreated", "control"]) for _ in range(n)],
            "notes": [f"sample looked fine after thawing, batch {i}" for i in range(n)],
            "long_word": [
                rng.choice(["Immunohistochemistry", "Electroencephalography"]) + str(i)
                for i in range(n)
            ],
            "capitals": [
                rng.choice(["HYPERCHOLESTEROLAEMIA", "GASTROINTESTINALBLEEDING"]) + "X" * (i % 7)
                for i in range(n)
            ],
            "hash": [hashlib.md5(str(i).encode()).hexdigest() for i in range(n)],
            "value": [rng.random() for _ in range(n)],
            "count": [rng.randint(0, 9) for _ in range(n)],
            "label": ["a", "b"] * (n // 2),
        }
    )


def test_ordinary_tables_have_no_sequences(tmp_path):
    df = _silent_table()
    for col in df.columns:
        assert seqs.sequence_column_alphabet(df[col].astype("str")) is None, col
    path = tmp_path / "clean.csv"
    df.to_csv(path, index=False)
    p = imported(path)
    assert "sequence" not in kinds(p).values()
    assert p.study.data.sequences == []
    assert not [c for c in codes(p) if c.startswith(("sequence-", "fasta-"))]


@pytest.mark.parametrize(
    ("values", "alphabet"),
    [
        (["ACGTTGCAACGTNNACGTAC", "acgtacgtacgtacgtaaaa"], "dna"),
        (["ACGUUGCAACGUACGUACGU"], "rna"),
        (["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ"], "protein"),
        (["RYSWKMACGTACGTACGTAC"], "dna"),  # IUPAC-heavy DNA stays DNA
        (["ACGT 1234 ACGT"], None),
        (["the quick brown fox jumps"], None),
    ],
)
def test_detect_alphabet(values, alphabet):
    assert seqs.detect_alphabet(values) == alphabet


def test_integer_codes_for_networks():
    table = seqs.ALPHABETS["dna"].codes()
    coded = table[list(b"ACGTacgtN-")].tolist()
    assert coded == [1, 2, 3, 4, 1, 2, 3, 4, 5, 5]
