"""The identifier scan: planted identifiers are found, expression data is left alone."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from dlwizard.ml.identifiers import (
    SAFE_HARBOR,
    name_hint,
    quasi_columns,
    quasi_hint,
    quasi_suggestion,
    scan,
)
from tests.conftest import shared

FIRST = [
    "Mary", "John", "Anna", "Peter", "Linda", "James", "Sofia", "Lukas", "Emma", "David",
    "Olivia", "Henry", "Grace", "Samuel", "Chloé", "Marco", "Ingrid", "Ahmed", "Yuki", "Carlos",
]  # fmt: skip
LAST = [
    "Smith", "Jones", "Miller", "Brown", "Garcia", "Müller", "Rossi", "Novak", "Kim", "Lee",
    "Taylor", "Walker", "O'Brien", "van Dijk", "Nguyen", "Schmidt", "Dubois", "Kowalski",
]  # fmt: skip
GENES = [
    "TP53", "GAPDH", "ACTB", "AGER", "MACF1", "CASP3", "PIP4K2A", "POSTN", "NOTCH1", "TELO2",
    "VIM", "PHEX", "BRCA1", "EGFR", "MYC", "IL6", "CD274", "HLA-DRA", "MT-ND1", "C1orf112",
]  # fmt: skip


def _planted(n: int = 200, seed: int = 0) -> pd.DataFrame:
    """Direct identifiers under mostly unhelpful column names, plus age x sex x ZIP."""
    rng = np.random.default_rng(seed)
    # every (age, sex, zip) cell holds 5 rows except one that holds a single person
    cells = [(a, s, z) for a in (30, 40, 50, 60) for s in ("M", "F") for z in range(5)]
    rows = [c for c in cells for _ in range(5)]
    rows = rows[4:]  # the first cell keeps one row
    rng.shuffle(rows)
    rows = rows[:n] if len(rows) > n else rows
    m = len(rows)
    zips = ["02139", "10001", "94110", "60614", "30301"]
    streets = ["Oak", "Main", "Elm", "Park", "Cedar", "Hill", "Lake"]
    kinds = ["Street", "Avenue", "Road", "Lane", "Drive"]
    return pd.DataFrame(
        {
            "sample": [f"S{i:03d}" for i in range(m)],
            "patient": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(m)],
            "dob": [
                f"{rng.integers(1930, 2000)}-{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}"
                for _ in range(m)
            ],
            "contact": [
                f"({rng.integers(200, 999)}) {rng.integers(200, 999)}-{rng.integers(1000, 9999)}"
                for _ in range(m)
            ],
            "ref": [f"MRN{rng.integers(0, 10**7):07d}" for _ in range(m)],
            "mail": [f"person{i}@clinic.example.org" for i in range(m)],
            "home": [
                f"{rng.integers(1, 999)} {rng.choice(streets)} {rng.choice(kinds)}"
                for _ in range(m)
            ],
            "zip": [zips[r[2]] for r in rows],
            "age": [r[0] for r in rows],
            "sex": [r[1] for r in rows],
            **{g: rng.normal(size=m) for g in GENES},
            "status": rng.integers(0, 2, m),
        }
    )


def test_planted_identifiers_are_all_flagged():
    table = _planted()
    roles = {c: "feature" for c in table.columns}
    roles.update(sample="sample_id", status="target")
    hits, quasi = scan(table, roles)
    kinds = {h.column: h.kind for h in hits}
    assert kinds == {
        "patient": "name",
        "dob": "date_of_birth",
        "contact": "phone",
        "ref": "record_number",
        "mail": "email",
        "home": "address",
        "zip": "zip",
    }
    for h in hits:
        assert h.used_as_feature
        assert "used as a feature" in h.suggestion
        assert "of the values" in h.reason  # value evidence, not only the column name
        assert h.safe_harbor.split(".")[0].isdigit()
    by = {h.column: h for h in hits}
    assert by["patient"].safe_harbor.startswith("1. Names")
    assert by["dob"].safe_harbor.startswith("3. ")
    assert by["ref"].safe_harbor.startswith("8. Medical record")
    assert "first three digits" in by["zip"].suggestion
    assert "year" in by["dob"].suggestion
    # age x sex x ZIP: no pair singles anyone out, the triple does
    combos = {tuple(q.columns): q for q in quasi}
    triple = combos[("zip", "age", "sex")]
    assert triple.smallest_group == 1 and triple.n_unique_rows == 1
    assert not any(set(c) < {"zip", "age", "sex"} for c in combos)
    assert quasi == sorted(quasi, key=lambda q: (q.smallest_group, len(q.columns)))
    text = quasi_suggestion(triple)
    assert "5- or 10-year bands" in text and "first three digits of zip" in text


def test_roles_settle_id_hints_and_non_features_are_quiet():
    table = _planted()
    hits, _ = scan(table)  # no roles: the sample code is a near-unique code
    by = {h.column: h for h in hits}
    assert by["sample"].kind == "unique_id"
    assert not any(h.used_as_feature for h in hits)
    hits, _ = scan(table, {"sample": "sample_id"})
    assert "sample" not in {h.column for h in hits}


def test_safe_harbor_list_has_the_eighteen():
    assert len(SAFE_HARBOR) == 18
    assert SAFE_HARBOR[0] == "Names" and "unique" in SAFE_HARBOR[17]


def test_what_safe_harbor_allows_is_not_flagged():
    rng = np.random.default_rng(1)
    n = 120
    table = pd.DataFrame(
        {
            "birth_year": rng.integers(1940, 2000, n),
            "zip3": rng.choice(["021", "100", "941"], n),
            "visit_date": rng.choice(["2019", "2020", "2021"], n),
            "age": rng.integers(20, 89, n),
            "gender": rng.choice(["female", "male"], n),
            "tissue": rng.choice(["Lymph Node", "Bone Marrow", "Peripheral Blood"], n),
            "value": rng.normal(size=n),
        }
    )
    table = table.rename(columns={"zip3": "zip_prefix"})
    hits, quasi = scan(table)
    assert hits == []
    assert quasi_columns(table) == {
        "birth_year": "birth_year",
        "zip_prefix": "zip",
        "visit_date": "date",
        "age": "age",
        "gender": "sex",
    }
    # 60 birth years and 69 ages over 120 rows: each alone singles people out
    combos = {tuple(q.columns) for q in quasi}
    assert {("birth_year",), ("age",)} <= combos
    assert all(q.smallest_group < 5 for q in quasi)
    assert not any(c for c in combos if len(c) > 1 and ("age" in c or "birth_year" in c))


def test_more_value_patterns():
    rng = np.random.default_rng(2)
    n = 60
    table = pd.DataFrame(
        {
            "a": [
                f"{rng.integers(100, 999)}-{rng.integers(10, 99)}-{rng.integers(1000, 9999)}"
                for _ in range(n)
            ],
            "b": [f"10.{rng.integers(0, 255)}.{rng.integers(0, 255)}.{i}" for i in range(n)],
            "c": [f"https://example.org/people/{i}" for i in range(n)],
            "d": [f"{rng.integers(1, 28)}/{rng.integers(1, 12)}/2019" for _ in range(n)],
            "e": [
                f"Seen by Dr Jones on 2020-03-{i % 28 + 1:02d}; patient reports {i} episodes "
                "of chest pain since the last visit"
                for i in range(n)
            ],
            "age_years": np.r_[rng.integers(40, 80, n - 2), [93, 101]],
            "admission_date": pd.to_datetime("2020-01-01") + pd.to_timedelta(np.arange(n), "D"),
            "city": rng.choice(["Boston", "Springfield"], n),
            "seq": ["".join(rng.choice(list("ACGT"), 40)) for _ in range(n)],
        }
    )
    hits, _ = scan(table)
    kinds = {h.column: h.kind for h in hits}
    assert kinds == {
        "a": "ssn",
        "b": "ip_address",
        "c": "url",
        "d": "date",
        "e": "free_text",
        "age_years": "age_over_89",
        "admission_date": "date",
        "city": "place",
    }
    by = {h.column: h for h in hits}
    assert "dates in" in by["e"].reason
    assert "column name only" in by["city"].reason  # a weak hint says so
    assert "up to 101" in by["age_years"].reason


def test_column_name_hints():
    assert name_hint("Date of Birth") == "date_of_birth"
    assert name_hint("PatientName") == "name"
    assert name_hint("gene_name") is None and name_hint("sample name") is None
    assert name_hint("MRN") == "record_number"
    assert name_hint("Email address") == "email"
    assert name_hint("ZIP code") == "zip"
    assert name_hint("birth_weight") is None
    assert name_hint("IP_antibody") is None
    assert quasi_hint("Age at diagnosis") == "age"
    assert quasi_hint("AGER") is None and quasi_hint("STAGE") is None
    assert quasi_hint("Sex") == "sex" and quasi_hint("Ethnicity") == "ethnicity"


def test_expression_matrix_is_not_flagged():
    rng = np.random.default_rng(3)
    n = 80
    genes = GENES + [f"GENE{i}" for i in range(500)]
    table = pd.DataFrame(rng.lognormal(size=(n, len(genes))), columns=genes)
    counts = pd.DataFrame(
        rng.poisson(20000, size=(n, 50)), columns=[f"ENSG{i:011d}" for i in range(50)]
    )
    table = pd.concat(
        [pd.DataFrame({"sample_id": [f"S{i:03d}" for i in range(n)]}), table, counts], axis=1
    )
    roles = {c: "feature" for c in table.columns}
    roles["sample_id"] = "sample_id"
    hits, quasi = scan(table, roles)
    assert hits == [] and quasi == []


def test_wide_matrix_is_fast_and_clean():
    rng = np.random.default_rng(4)
    table = pd.DataFrame(
        rng.normal(size=(1000, 20000)).astype(np.float32),
        columns=[f"{g}_{i}" if i < 20 else f"G{i}" for i, g in enumerate(GENES * 1000)],
    )
    scan(table.iloc[:5, :50])  # warm up imports
    start = time.perf_counter()
    hits, quasi = scan(table)
    seconds = time.perf_counter() - start
    assert hits == [] and quasi == []
    assert seconds < 1.0, f"scan of 1,000 x 20,000 took {seconds:.2f} s"


@pytest.mark.shared_data
def test_heart_disease_age_and_sex():
    table = pd.read_csv(shared("heart_disease_uci", "heart_disease_4sites_combined.csv"))
    hits, quasi = scan(table, {c: "feature" for c in table.columns})
    assert hits == []  # ages 28-77 and a 0/1 sex code are no direct identifiers
    assert quasi_hint("sex") == "sex"
    # a few ages occur once (28, 29, 77...): age alone already singles people out
    assert quasi[0].columns == ["age"] and quasi[0].smallest_group < 5
    assert "bands" in quasi_suggestion(quasi[0])
    # coarsened as suggested (decades, 30s and 70s as the ends), age x sex is 5-anonymous
    table["age"] = table["age"].clip(30, 70) // 10 * 10
    _, quasi = scan(table)
    assert [q.columns for q in quasi] == [["age", "sex"]]
    assert quasi[0].smallest_group >= 5


@pytest.mark.shared_data
def test_gse5859_processing_dates_and_file_names():
    table = pd.read_csv(shared("GSE5859Subset", "GSE5859Subset_samples_x_genes.csv"))
    roles = {c: "feature" for c in table.columns}
    roles.update(ethnicity="batch", date="batch", filename="sample_id", group="target")
    hits, quasi = scan(table, roles)
    assert [(h.column, h.kind, h.used_as_feature) for h in hits] == [("date", "date", False)]
    assert "year" in hits[0].suggestion
    assert {c for q in quasi for c in q.columns} <= {"ethnicity", "date"}
    # without roles the GEO file names are a code per row, and no gene is flagged
    hits, _ = scan(table)
    assert {h.column: h.kind for h in hits} == {"date": "date", "filename": "unique_id"}


@pytest.mark.shared_data
def test_parkinsons_recording_names():
    table = pd.read_csv(shared("parkinsons_uci", "parkinsons.data"))
    hits, quasi = scan(table)
    # 'name' holds recording codes (phon_R01_S01_1), not person names: a near-unique code
    assert [(h.column, h.kind) for h in hits] == [("name", "unique_id")]
    assert quasi == []
    roles = {c: "feature" for c in table.columns}
    roles.update(name="sample_id", status="target")
    assert scan(table, roles) == ([], [])
