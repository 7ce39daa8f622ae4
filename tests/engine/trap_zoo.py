"""The trap zoo (issue 14): small tables, each with ONE planted trap and what must catch it.

A careful analyst looks at a new table for ten minutes and sees a row number that became a
feature, a patient ID whose values repeat, names, dates stored as text, an earlier train/test
split, a column that is the label in another form, a category that tracks the label because
the classes were sampled at different places. Each entry here plants one such trap in a table
(scikit-learn's bundled data sets, the public sets in ``../shared/data``, or synthetic tables
built with fixed seeds) and says what the wizard must produce: a role for the trap column (the
suggestion a new user accepts) or a finding that names it. Clean entries are tables with no
trap: they must raise no false alarm.

Names must not be needed: every entry judged from the values (``by_values=True``) is run a
second time with every column renamed ``c1``, ``c2``, ... (the target and the trap column too).
Clean tables are run renamed as well (counted apart): without names, an integer age or a count
must still not be taken for an ID.
The few entries that only a name can reveal (an ``age`` or ``sex`` coded as numbers, a ``fold``
column of small integers, a follow-up time, a ``study`` numbered 1 to 4) say so with
``by_values=False`` and are run with their names only.

What counts, for a clean table:

- a false alarm is a WARNING or ERROR finding, or a column taken out of the features that a
  careful analyst would keep (every measurement stays ``feature``);
- not counted: ``metadata-missing`` and ``design-not-stated`` (expected on any table without a
  batch or subject column), info findings (``columns-set-aside`` and the like), and the
  data-quality facts that are true of real data and claim no trap: ``class-imbalance``,
  ``missing-values``, ``samples-mostly-missing``, ``outlier-samples`` (see ``NOT_ALARMS``);
- a column that is constant in the table (the blank border pixels of the digits) may be set
  aside: it holds no information, so taking it out loses nothing. A column that is NOT constant
  set aside is a false alarm;
- ``age`` and ``sex`` may be ``feature`` or ``sensitive`` (both are what an analyst would do);
  a ``sample`` column of unique IDs may be ``sample_id`` or ``ignore``.

Run ``python -m tests.engine.trap_zoo`` for the figures and every miss in plain words.
No data set is copied into the repository: the tables are built when a test asks for them.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tests.conftest import SHARED_DATA

# -- expectations ----------------------------------------------------------------------------

EXPLORE_CODES = frozenset(
    {
        "single-feature-shortcut",
        "possible-confounder",
        "follow-up-time",
        "conflicting-labels",
        "exact-duplicates",
        "near-duplicates",
        "metadata-predicts-label",
        "missingness-predicts-label",
        "batch-effect",
        "batch-stronger-than-label",
        "outlier-samples",
        "class-imbalance",
        "missing-values",
        "samples-mostly-missing",
    }
)
# Findings that are no false alarm on a clean table (see the module's docstring).
NOT_ALARMS = frozenset(
    {
        "metadata-missing",
        "design-not-stated",
        "class-imbalance",
        "missing-values",
        "samples-mostly-missing",
        "outlier-samples",
    }
)
NOT_FEATURE = frozenset({"ignore", "sample_id", "subject", "batch", "time_point", "sensitive"})


class Outcome:
    """What one run produced, to judge an expectation against and to show when it fails."""

    def __init__(self, project, mapping: dict[str, str]):
        m = project.study.metadata
        self.roles: dict[str, str] = dict(m.roles)
        self.reasons: dict[str, str] = dict(m.role_reasons)
        self.detections = {c: [d.code for d in ds] for c, ds in m.detections.items()}
        self.derived = list(m.derived)
        self.findings = [f for f in project.study.findings if f.step in ("metadata", "explore")]
        self.mapping = mapping  # original name -> name in this run

    def name(self, col: str) -> str:
        return self.mapping.get(col, col)

    def describe(self, cols: list[str]) -> str:
        parts = []
        for col in cols:
            c = self.name(col)
            parts.append(
                f"column '{col}'" + (f" (run as '{c}')" if c != col else "")
                + f": role {self.roles.get(c)!r} ({self.reasons.get(c, '')}); "
                f"detections {self.detections.get(c, [])}"
            )  # fmt: skip
        if self.derived:
            parts.append(
                "derived: "
                + ", ".join(f"{d.name} from {d.source} ({d.role})" for d in self.derived)
            )
        shown = [
            f"{f.step}:{f.code}[{f.severity}]" + (f"{f.columns[:4]}" if f.columns else "")
            for f in self.findings
        ]
        parts.append("findings: " + (", ".join(shown) or "none"))
        return "\n  ".join(parts)


class Expect:
    """What must come out. ``met`` says whether it did."""

    needs_explore = False

    def met(self, out: Outcome) -> bool:
        raise NotImplementedError

    def columns(self) -> list[str]:
        return []


@dataclass
class Role(Expect):
    """The column's role (as suggested, or after the user's roles) is one of ``roles``."""

    column: str
    roles: frozenset[str]

    def met(self, out: Outcome) -> bool:
        return out.roles.get(out.name(self.column)) in self.roles

    def columns(self) -> list[str]:
        return [self.column]

    def __str__(self) -> str:
        return f"role of '{self.column}' in {sorted(self.roles)}"


def role(column: str, *roles: str) -> Role:
    return Role(column, frozenset(roles))


def not_feature(column: str) -> Role:
    return Role(column, NOT_FEATURE)


@dataclass
class Found(Expect):
    """A WARNING/ERROR/INFO finding with ``code`` (naming ``column`` when one is given)."""

    code: str
    column: str | None = None

    @property
    def needs_explore(self) -> bool:  # type: ignore[override]
        return self.code in EXPLORE_CODES

    def met(self, out: Outcome) -> bool:
        col = None if self.column is None else out.name(self.column)
        return any(f.code == self.code and (col is None or col in f.columns) for f in out.findings)

    def columns(self) -> list[str]:
        return [self.column] if self.column else []

    def __str__(self) -> str:
        return f"finding '{self.code}'" + (f" naming '{self.column}'" if self.column else "")


@dataclass
class SubjectFrom(Expect):
    """Rows grouped by subject from ``column``: the column (or a column derived from it) has
    the subject role and repeated-subjects is reported, or possible-repeated-subjects names it."""

    column: str

    def met(self, out: Outcome) -> bool:
        col = out.name(self.column)
        subjects = {c for c, r in out.roles.items() if r == "subject"}
        from_col = {col} | {d.name for d in out.derived if d.source == col}
        if subjects & from_col and any(
            f.code == "repeated-subjects" and set(f.columns) & from_col for f in out.findings
        ):
            return True
        return any(
            f.code == "possible-repeated-subjects" and col in f.columns for f in out.findings
        )

    def columns(self) -> list[str]:
        return [self.column]

    def __str__(self) -> str:
        return f"subjects from '{self.column}' (subject role + repeated-subjects)"


@dataclass
class AllOf(Expect):
    parts: tuple[Expect, ...]

    @property
    def needs_explore(self) -> bool:  # type: ignore[override]
        return any(p.needs_explore for p in self.parts)

    def met(self, out: Outcome) -> bool:
        return all(p.met(out) for p in self.parts)

    def columns(self) -> list[str]:
        return list(dict.fromkeys(c for p in self.parts for c in p.columns()))

    def __str__(self) -> str:
        return " AND ".join(f"({p})" for p in self.parts)


@dataclass
class AnyOf(Expect):
    parts: tuple[Expect, ...]

    @property
    def needs_explore(self) -> bool:  # type: ignore[override]
        return any(p.needs_explore for p in self.parts)

    def met(self, out: Outcome) -> bool:
        return any(p.met(out) for p in self.parts)

    def columns(self) -> list[str]:
        return list(dict.fromkeys(c for p in self.parts for c in p.columns()))

    def __str__(self) -> str:
        return " OR ".join(f"({p})" for p in self.parts)


def all_of(*parts: Expect) -> AllOf:
    return AllOf(parts)


def any_of(*parts: Expect) -> AnyOf:
    return AnyOf(parts)


def shortcut(column: str) -> AnyOf:
    """A feature that is the label in another form: the explore screen's shortcut, or the
    metadata step's exact mapping, or the column set aside as the target in another form."""
    return any_of(
        Found("single-feature-shortcut", column),
        Found("feature-reveals-label", column),
        role(column, "ignore"),
    )


# -- entries ---------------------------------------------------------------------------------


class SharedDataMissing(Exception):
    """A real data set in ../shared/data is not here (the test skips with this reason)."""


@dataclass
class Entry:
    name: str
    build: Callable[[], pd.DataFrame]
    target: str
    task: str  # binary, multiclass, regression
    trap: str | None  # the planted column (None: the trap is in the rows)
    expect: Expect | None  # None: a clean table
    source: str
    note: str = ""
    by_values: bool = True  # False: only the name can tell (run with the names only)
    user_roles: dict[str, str] = field(default_factory=dict)
    # Clean tables: columns allowed a role other than 'feature' (anything else must be one).
    allowed_roles: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return self.expect is None

    def runs(self) -> list[bool]:
        """The 'renamed' flags this entry is run with."""
        return [False, True] if self.by_values else [False]


def _shared(*parts: str) -> pd.DataFrame:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        raise SharedDataMissing(f"needs the shared data set {path} (../shared/data is not here)")
    return _read_csv(str(path))


@functools.lru_cache(maxsize=8)
def _read_csv(path: str) -> pd.DataFrame:
    return pd.read_csv(path)


@functools.cache
def _sk(name: str) -> pd.DataFrame:
    """A scikit-learn bundled data set as one frame (no download: they ship with the package)."""
    from sklearn import datasets

    if name == "breast_cancer":
        b = datasets.load_breast_cancer(as_frame=True)
        df = b.data.copy()
        df["diagnosis"] = np.where(b.target == 0, "malignant", "benign")
    elif name == "wine":
        b = datasets.load_wine(as_frame=True)
        df = b.data.copy()
        df["cultivar"] = [f"class_{v}" for v in b.target]
    elif name == "iris":
        b = datasets.load_iris(as_frame=True)
        df = b.data.copy()
        df["species"] = [b.target_names[v] for v in b.target]
    elif name == "diabetes":
        b = datasets.load_diabetes(as_frame=True, scaled=False)
        df = b.data.copy()
        df["progression"] = b.target.astype(float)
    elif name == "digits":
        b = datasets.load_digits(as_frame=True)
        df = b.data.iloc[:600].copy()
        df["digit"] = [f"d{v}" for v in b.target.iloc[:600]]
    elif name == "linnerud":
        b = datasets.load_linnerud(as_frame=True)
        df = pd.concat([b.data, b.target], axis=1)
    else:
        raise KeyError(name)
    return df


def _bc(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Breast cancer (Wisconsin), ``n`` rows drawn at random (file order kept), target last."""
    df = _sk("breast_cancer")
    rows = np.sort(np.random.default_rng(seed).choice(len(df), n, replace=False))
    return df.iloc[rows].reset_index(drop=True)


def _insert(df: pd.DataFrame, pos: int, name: str, values) -> pd.DataFrame:
    df = df.copy()
    df.insert(pos if pos >= 0 else len(df.columns) + 1 + pos, name, values)
    return df


def _shuffle(df: pd.DataFrame, seed: int) -> pd.DataFrame:
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _words(text: str) -> list[str]:
    return text.split()


# People: names written here for the zoo (common names from many countries), not taken from the
# engine's own lists, so the zoo tests the rule rather than the list.
FIRST = _words(
    "Mary James Patricia Robert Jennifer Michael Linda David Elizabeth William Susan Richard "
    "Jessica Joseph Sarah Thomas Karen Charles Nancy Daniel Lisa Matthew Sandra Anthony Ashley "
    "Mark Emily Paul Michelle Steven Laura Andrew Anna Kevin Maria Brian Sophie Peter Emma Lucas "
    "Hannah Jonas Lena Pierre Claire Luca Giulia Carlos Lucia Ahmed Fatima Wei Mei Hiroshi Yuki "
    "Priya Arjun Olga Ivan Kwame Amara Lars Ingrid Sean Aoife Tomasz Agnieszka"
)
LAST = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis "
    "Walker Young Allen King Wright Scott Green Baker Adams Nelson Hill Campbell Mitchell Roberts "
    "Carter Phillips Evans Turner Parker Collins Edwards Stewart Morris Murphy Cook Rogers Müller "
    "Schmidt Schneider Fischer Weber Rossi Russo Bianchi Dubois Moreau Laurent Novak Kowalski "
    "Nowak Jansen Visser Nguyen Tran Kim Park Chen Wang Tanaka Suzuki Singh Patel Okafor Mensah "
    "Haddad Ivanova Larsen Andersson Byrne"
)


def _first(rng, n):
    return rng.choice(FIRST, n)


def _last(rng, n):
    return rng.choice(LAST, n)


def _dates(rng, n, start="2018-01-01", days=1000) -> pd.Series:
    return pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, days, n), unit="D")


# -- table builders --------------------------------------------------------------------------


def row_index(start: int, *, order: str = "file", pos: int = 0, name: str = "Unnamed: 0"):
    """Breast cancer with a row number ``start``..: in file order, with the rows shuffled after
    numbering, or numbered after the rows were sorted by class."""

    def build():
        df = _bc()
        if order == "sorted":
            df = df.sort_values("diagnosis", kind="stable").reset_index(drop=True)
        df = _insert(df, pos, name, np.arange(start, start + len(df)))
        return _shuffle(df, 3) if order == "shuffled" else df

    return build


def sk_row_number(base: str, name: str, start: int, dtype=int):
    def build():
        df = _sk(base)
        return _insert(df, 0, name, np.arange(start, start + len(df)).astype(dtype))

    return build


def running_number(gaps: bool):
    def build():
        df = _bc()
        rng = np.random.default_rng(5)
        if gaps:  # samples that failed QC leave holes in the numbering
            nums = 5001 + np.cumsum(rng.choice([1, 1, 1, 2, 3], len(df))) - 1
        else:
            nums = np.arange(1001, 1001 + len(df))
        return _insert(df, 0, "sample_no", nums)

    return build


def unique_ids(kind: str):
    def build():
        df = _bc()
        rng = np.random.default_rng(6)
        n = len(df)
        if kind == "barcode":
            tss = rng.choice(["A2", "A8", "AR", "BH", "E2", "D8", "GM"], n)
            pid = rng.choice(np.arange(0x1000, 0xFFFF), n, replace=False)
            ids = [f"TCGA-{t}-{p:04X}-01A" for t, p in zip(tss, pid)]
            return _insert(df, 0, "specimen", ids)
        acc = rng.choice(np.arange(1_000_000, 9_999_999), n, replace=False)
        return _insert(df, 0, "accession", acc)

    return build


def patients(id_kind: str, *, shuffled: bool, extra: str | None = None, seed: int = 11):
    """Several biopsies per patient (1 to 5), markers that carry the patient and the label.

    ``id_kind``: 'int' (random 4-digit patient numbers) or 'code' ('P017'). ``extra``: a column
    that belongs to the patient ('sex' as M/F, 'age' in years). Rows of one patient sit together
    unless ``shuffled``.
    """

    def build():
        rng = np.random.default_rng(seed)
        n_pat = 70
        ids = (
            rng.choice(np.arange(1000, 9999), n_pat, replace=False)
            if id_kind == "int"
            else [f"P{k:03d}" for k in rng.permutation(np.arange(1, n_pat + 1))]
        )
        sick = rng.random(n_pat) < 0.5
        sex = rng.choice(["M", "F"], n_pat)
        age = rng.integers(28, 86, n_pat)
        effect = rng.normal(size=(n_pat, 8))
        rows = []
        for p in range(n_pat):
            for _ in range(int(rng.integers(1, 6))):
                x = effect[p] + 0.6 * sick[p] + rng.normal(scale=0.5, size=8)
                row = {"patient": ids[p]}
                if extra == "sex":
                    row["sex"] = sex[p]
                elif extra == "age":
                    row["age"] = int(age[p])
                row.update({f"marker_{j + 1}": round(float(v), 3) for j, v in enumerate(x)})
                row["diagnosis"] = "tumour" if sick[p] else "normal"
                rows.append(row)
        df = pd.DataFrame(rows)
        return _shuffle(df, seed) if shuffled else df

    return build


def sample_id_repeats():
    """Sample IDs where 20 samples were measured twice (slightly different values)."""

    def build():
        df = _bc()
        rng = np.random.default_rng(8)
        ids = [f"BC-{k:04d}" for k in rng.permutation(np.arange(1, len(df) + 1))]
        df = _insert(df, 0, "sample_id", ids)
        again = df.iloc[rng.choice(len(df), 20, replace=False)].copy()
        num = again.columns[1:-1]
        again[num] = again[num] * rng.normal(1.0, 0.01, size=(len(again), len(num)))
        return _shuffle(pd.concat([df, again], ignore_index=True), 8)

    return build


def people(kind: str):
    def build():
        df = _bc()
        rng = np.random.default_rng(9)
        n = len(df)
        if kind == "full_name":
            return _insert(
                df, 0, "patient_name", [f"{a} {b}" for a, b in zip(_first(rng, n), _last(rng, n))]
            )
        if kind == "first_name":
            return _insert(df, 0, "first_name", _first(rng, n))
        if kind == "first_and_last":
            df = _insert(df, 0, "first_name", _first(rng, n))
            return _insert(df, 1, "last_name", _last(rng, n))
        if kind == "email":
            hosts = rng.choice(["gmail.com", "uni-hospital.org", "outlook.com", "nhs.net"], n)
            people = zip(_first(rng, n), _last(rng, n), hosts)
            mails = [f"{a.lower()}.{b.lower()}@{h}" for a, b, h in people]
            return _insert(df, 0, "contact", mails)
        if kind == "phone":
            fmt = rng.integers(0, 3, n)
            nums = rng.integers(0, 10_000, n)
            area = rng.choice([617, 212, 415, 312, 206], n)
            phones = [
                f"({a}) 555-{d:04d}" if f == 0 else f"{a}-555-{d:04d}" if f == 1
                else f"+1 {a} 555 {d:04d}"
                for a, d, f in zip(area, nums, fmt)
            ]  # fmt: skip
            return _insert(df, 0, "phone", phones)
        raise KeyError(kind)

    return build


_COMMENT_BITS = (
    [
        "sample arrived thawed",
        "patient reports mild pain after the biopsy",
        "re-run requested by the lab",
        "slide re-read by a second pathologist",
        "tissue block partly necrotic",
        "consent form signed on the day",
        "aspirate was bloody, repeated once",
        "no complications noted",
        "referred by the general practitioner",
        "family history of breast cancer",
        "imaging suggested a cyst",
        "lesion hard to reach with the needle",
    ],
    ["", " on arrival", " according to the nurse", " see the notes", " (checked twice)"],
)


def comments():
    def build():
        df = _bc()
        rng = np.random.default_rng(10)
        a, b = _COMMENT_BITS
        text = [
            f"{rng.choice(a).capitalize()}{rng.choice(b)}; {rng.choice(a)}." for _ in range(len(df))
        ]
        return _insert(df, -1, "comments", text)

    return build


def dates(fmt: str):
    def build():
        df = _bc()
        d = _dates(np.random.default_rng(12), len(df))
        if fmt == "iso":
            values = d.strftime("%Y-%m-%d")
        elif fmt == "dmy":
            values = d.strftime("%d/%m/%Y")
        elif fmt == "mon":
            values = [f"{x:%b} {x.day} {x.year}" for x in d]
        elif fmt == "yyyymmdd":
            values = d.strftime("%Y%m%d").astype(int)
        elif fmt == "year":
            values = np.random.default_rng(13).integers(2004, 2017, len(df))
        else:
            raise KeyError(fmt)
        return _insert(df, 0, "collected", list(values))

    return build


def split_column(values: tuple[str, str], share: float = 0.3):
    def build():
        df = _bc()
        rng = np.random.default_rng(14)
        return _insert(
            df, -1, "subset", np.where(rng.random(len(df)) < share, values[1], values[0])
        )

    return build


def folds():
    def build():
        df = _bc()
        return _insert(df, -1, "fold", np.random.default_rng(15).integers(1, 6, len(df)))

    return build


def target_copy(kind: str):
    def build():
        df = _bc()
        if kind == "01":
            return _insert(df, 0, "is_malignant", (df["diagnosis"] == "malignant").astype(int))
        df = df.copy()
        df["diagnosis"] = np.where(df["diagnosis"] == "malignant", "M", "B")
        return _insert(df, 0, "pathology", np.where(df["diagnosis"] == "M", "Malignant", "Benign"))

    return build


def feature_copy():
    def build():
        df = _bc()
        return _insert(df, -1, "radius (copy)", df["mean radius"].to_numpy())

    return build


def constant():
    def build():
        return _insert(_bc(), 0, "array_type", "HG-U133A")

    return build


def sensitive(kind: str):
    def build():
        df = _bc()
        rng = np.random.default_rng(16)
        n = len(df)
        if kind == "apoe":
            genotypes = ["e3/e3", "e3/e4", "e2/e3", "e4/e4", "e2/e4"]
            v = rng.choice(genotypes, n, p=[0.6, 0.24, 0.11, 0.03, 0.02])
            return _insert(df, 0, "APOE", v)
        if kind == "ethnicity":
            groups = ["White", "Black or African American", "Asian", "Hispanic or Latino"]
            return _insert(df, 0, "ethnicity", rng.choice(groups, n, p=[0.6, 0.15, 0.15, 0.1]))
        if kind == "sex_mf":
            return _insert(df, 0, "sex", rng.choice(["M", "F"], n))
        if kind == "sex_01":
            return _insert(df, 0, "sex", rng.integers(0, 2, n))
        if kind == "age":
            return _insert(df, 0, "age", rng.integers(31, 80, n))
        raise KeyError(kind)

    return build


def collection_site():
    """Malignant tumours were mostly sampled at two hospitals, benign lumps at two others."""

    def build():
        df = _bc()
        rng = np.random.default_rng(17)
        mal = df["diagnosis"].eq("malignant").to_numpy()
        a = rng.choice(["St Mary's Hospital", "Royal Infirmary"], len(df))
        b = rng.choice(["City Clinic", "Northside Health Centre"], len(df))
        swap = rng.random(len(df)) < 0.05
        site = np.where(mal ^ swap, a, b)
        return _insert(df, -1, "collection_site", site)

    return build


def pcr_ct40():
    """A PCR screen: the cycle threshold is written as 40 for every negative test."""

    def build():
        rng = np.random.default_rng(18)
        n = 300
        pos = rng.random(n) < 0.4
        ct = np.where(pos, np.clip(rng.normal(27, 5, n), 14, 39.5).round(2), 40.0)
        df = pd.DataFrame(
            {
                "temperature": (37.0 + 0.5 * pos + rng.normal(0, 0.6, n)).round(1),
                "crp_mg_l": np.exp(rng.normal(1.5 + 0.5 * pos, 1.0, n)).round(1),
                "wbc": (7 + rng.normal(0, 2, n) - 0.6 * pos).round(1),
                "lymphocytes": (1.8 + rng.normal(0, 0.5, n) - 0.3 * pos).round(2),
                "ferritin": np.exp(rng.normal(5 + 0.3 * pos, 0.7, n)).round(0),
                "ct_value": ct,
                "result": np.where(pos, "positive", "negative"),
            }
        )
        return df

    return build


def follow_up_only_cases():
    """A marker measured at the follow-up visit, which only patients with cancer have."""

    def build():
        df = _bc()
        rng = np.random.default_rng(19)
        mal = df["diagnosis"].eq("malignant").to_numpy()
        v = np.exp(rng.normal(1.0, 0.8, len(df))).round(2)
        return _insert(df, -1, "marker_at_followup", np.where(mal, v, np.nan))

    return build


def follow_up_time():
    """A cohort: who died during follow-up, with the months of follow-up. Patients enrolled
    over three years and were followed to the end of the study unless they died first, so the
    follow-up of those who died is their time to death (shorter): the outcome shapes it."""

    def build():
        rng = np.random.default_rng(20)
        n = 300
        risk = rng.normal(size=n)
        to_study_end = rng.uniform(24, 60, n)
        to_death = rng.exponential(100 * np.exp(-0.6 * risk))
        died = to_death < to_study_end
        months = np.minimum(to_death, to_study_end).round(1)
        return pd.DataFrame(
            {
                "albumin": (40 - 2 * risk + rng.normal(0, 4, n)).round(1),
                "creatinine": (90 + 10 * risk + rng.normal(0, 25, n)).round(0),
                "haemoglobin": (135 - 5 * risk + rng.normal(0, 15, n)).round(0),
                "nt_probnp": np.exp(rng.normal(6 + 0.4 * risk, 1, n)).round(0),
                "followup_months": months,
                "died": np.where(died, "yes", "no"),
            }
        )

    return build


def label_in_disguise():
    """A 'risk score' that somebody computed from the diagnosis: a clean cut between classes."""

    def build():
        df = _bc()
        rng = np.random.default_rng(21)
        mal = df["diagnosis"].eq("malignant").to_numpy()
        score = np.where(mal, rng.uniform(0.62, 1.0, len(df)), rng.uniform(0.0, 0.58, len(df)))
        return _insert(df, -1, "risk_score", score.round(3))

    return build


def conflicting_labels():
    """Twelve rows appear twice with the same measurements and the other label."""

    def build():
        df = _bc()
        rng = np.random.default_rng(22)
        again = df.iloc[rng.choice(len(df), 12, replace=False)].copy()
        again["diagnosis"] = np.where(again["diagnosis"] == "malignant", "benign", "malignant")
        return _shuffle(pd.concat([df, again], ignore_index=True), 22)

    return build


def duplicates_new_ids():
    """Fifteen samples exported twice, the second time under new sample IDs."""

    def build():
        df = _insert(_bc(), 0, "sample_id", [f"S{k:04d}" for k in range(1, 301)])
        again = df.iloc[np.random.default_rng(23).choice(len(df), 15, replace=False)].copy()
        again["sample_id"] = [f"S{k:04d}" for k in range(301, 316)]
        return _shuffle(pd.concat([df, again], ignore_index=True), 23)

    return build


# Real data (../shared/data).


def parkinsons():
    return _shared("parkinsons_uci", "parkinsons.data").copy()


def gse5859():
    return _shared("GSE5859Subset", "GSE5859Subset_samples_x_genes.csv").copy()


def heart(keep: str):
    df = _shared("heart_disease_uci", "heart_disease_4sites_combined.csv").copy()
    return df.drop(columns=["target"] if keep == "site" else ["site"])


def heart_cleveland():
    df = _shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    df = df[df["site"] == "cleveland"].drop(columns=["site", "target"]).dropna()
    return df.reset_index(drop=True)


def stemcells():
    return _shared("stemcells", "stemcells.csv").copy()


def microarray(name: str):
    return _shared("microarray", f"{name}.csv").copy()


# Clean synthetic tables.


def gene_counts():
    """An expression matrix: integer counts, gene symbols as columns, some that spreadsheets
    turn into dates (MARCH1, SEPT2, DEC1) and one already turned ('1-Mar')."""

    def build():
        rng = np.random.default_rng(30)
        n = 120
        genes = [
            "TP53", "BRCA1", "BRCA2", "EGFR", "MYC", "KRAS", "PTEN", "CDKN2A", "MARCH1", "SEPT2",
            "DEC1", "1-Mar", "OCT4", "SOX2", "NANOG", "GAPDH", "ACTB", "ESR1", "PGR", "ERBB2",
            "MKI67", "CD44", "VIM", "CDH1", "KRT5", "KRT18", "FOXA1", "GATA3", "AR", "SPDEF",
        ]  # fmt: skip
        case = rng.random(n) < 0.5
        depth = rng.lognormal(0, 0.3, n)
        means = np.exp(rng.normal(5, 1.5, len(genes)))
        fold = np.ones(len(genes))
        fold[[17, 18, 19, 20, 25]] = [0.5, 0.6, 2.0, 1.8, 0.7]
        mu = depth[:, None] * means[None, :] * np.where(case[:, None], fold[None, :], 1.0)
        counts = rng.negative_binomial(5, 5 / (5 + mu))
        df = pd.DataFrame(counts, columns=genes)
        df["subtype"] = np.where(case, "luminal", "basal")
        return df

    return build


def clinical():
    def build():
        rng = np.random.default_rng(31)
        n = 400
        dm = rng.random(n) < 0.35
        return pd.DataFrame(
            {
                "age": rng.integers(25, 85, n),
                "bmi": (27 + 3 * dm + rng.normal(0, 4, n)).round(1),
                "systolic_bp": (125 + 8 * dm + rng.normal(0, 15, n)).round(0).astype(int),
                "diastolic_bp": (80 + 3 * dm + rng.normal(0, 10, n)).round(0).astype(int),
                "hba1c": (5.4 + 1.0 * dm + rng.normal(0, 0.6, n)).round(1),
                "ldl": (3.0 + 0.2 * dm + rng.normal(0, 0.8, n)).round(2),
                "triglycerides": np.exp(rng.normal(0.4 + 0.2 * dm, 0.4, n)).round(2),
                "diabetes": np.where(dm, "yes", "no"),
            }
        )

    return build


def clinical_categories():
    """Tumour characteristics: categories linked to the outcome the way biology links them
    (moderately), and a Ki-67 percentage in whole numbers (its values repeat across patients)."""

    def build():
        rng = np.random.default_rng(35)
        n = 300
        y = rng.random(n) < 0.4
        grade = np.where(
            y,
            rng.choice(["G1", "G2", "G3"], n, p=[0.15, 0.4, 0.45]),
            rng.choice(["G1", "G2", "G3"], n, p=[0.35, 0.45, 0.2]),
        )
        return pd.DataFrame(
            {
                "grade": grade,
                "histology": rng.choice(["ductal", "lobular", "mixed"], n, p=[0.7, 0.2, 0.1]),
                "smoker": np.where(rng.random(n) < 0.25 + 0.1 * y, "yes", "no"),
                "ki67_pct": np.clip(rng.normal(20 + 12 * y, 12, n), 1, 95).round(0).astype(int),
                "tumour_size_mm": (18 + 6 * y + rng.gamma(2, 5, n)).round(1),
                "nodes_positive": rng.poisson(0.8 + 1.2 * y),
                "recurrence": np.where(y, "yes", "no"),
            }
        )

    return build


def repeated_counts():
    """Lesion counts (0 to 8, most 0 to 2: the same values again and again) beside lab values."""

    def build():
        rng = np.random.default_rng(32)
        n = 300
        y = rng.random(n) < 0.45
        return pd.DataFrame(
            {
                "n_lesions": rng.poisson(0.8 + 0.8 * y),
                "n_prior_episodes": rng.poisson(1.5, n),
                "marker_a": rng.normal(0.5 * y, 1, n).round(3),
                "marker_b": rng.normal(0.3 * y, 1, n).round(3),
                "marker_c": rng.normal(0, 1, n).round(3),
                "relapse": np.where(y, "yes", "no"),
            }
        )

    return build


def rnaseq_qc():
    """Per-sample sequencing numbers: read counts in the millions and genes detected, all
    different from row to row (as counts of that size are), beside expression scores. Whole
    numbers that never repeat are not an ID when they are measurements."""

    def build():
        rng = np.random.default_rng(34)
        n = 200
        y = rng.random(n) < 0.5
        reads = rng.lognormal(np.log(2.5e7), 0.35, n).astype(int)
        return pd.DataFrame(
            {
                "total_reads": reads,
                "genes_detected": (11000 + 900 * np.log(reads / 2.5e7) + rng.normal(0, 400, n))
                .round(0)
                .astype(int),
                "pct_mito": rng.uniform(1, 12, n).round(2),
                "score_ifn": rng.normal(0.6 * y, 1, n).round(3),
                "score_prolif": rng.normal(0.4 * y, 1, n).round(3),
                "score_stroma": rng.normal(0, 1, n).round(3),
                "response": np.where(y, "responder", "non-responder"),
            }
        )

    return build


def make_classification_table():
    def build():
        from sklearn.datasets import make_classification

        x, y = make_classification(
            n_samples=400, n_features=12, n_informative=5, class_sep=0.8, random_state=33
        )
        df = pd.DataFrame(x.round(4), columns=[f"feature_{j + 1}" for j in range(12)])
        df["group"] = np.where(y == 1, "case", "control")
        return df

    return build


def sk(name: str):
    def build():
        return _sk(name).copy()

    return build


AGE_SEX = frozenset({"feature", "sensitive"})
ID = frozenset({"sample_id", "ignore"})
ROW_NUMBER = frozenset({"ignore", "sample_id"})
DATE = frozenset({"batch", "time_point"})
PERSON = frozenset({"ignore", "sensitive"})
BC = "sklearn breast cancer (300 of 569 rows)"


def _entries() -> list[Entry]:
    e = Entry
    return [
        # -- row numbers and running numbers
        e("rowindex-0-file-order", row_index(0), "diagnosis", "binary", "Unnamed: 0",
          Role("Unnamed: 0", ROW_NUMBER), BC, "0..n-1 as pandas writes it"),
        e("rowindex-1-file-order", row_index(1, name="rownames"), "diagnosis", "binary",
          "rownames", Role("rownames", ROW_NUMBER), BC, "1..n as R writes it"),
        e("rowindex-rows-shuffled", row_index(0, order="shuffled", name="index"), "diagnosis",
          "binary", "index", Role("index", ROW_NUMBER), BC, "numbered, then the rows shuffled"),
        e("rowindex-sorted-by-class", row_index(1, order="sorted", name="X"), "diagnosis",
          "binary", "X", Role("X", ROW_NUMBER), BC,
          "rows sorted by class, then numbered: the number alone predicts the label"),
        e("rowindex-last-column", row_index(1, pos=-1, name="...31"), "diagnosis", "binary",
          "...31", Role("...31", ROW_NUMBER), BC, "a row number as the last column"),
        e("rowindex-wine-classes-in-order", sk_row_number("wine", "...1", 1), "cultivar",
          "multiclass", "...1", Role("...1", ROW_NUMBER), "sklearn wine (sorted by class)",
          "wine's rows come sorted by class, so its row number predicts the cultivar"),
        e("rowindex-iris-Id", sk_row_number("iris", "Id", 1), "species", "multiclass", "Id",
          Role("Id", ROW_NUMBER), "sklearn iris", "as in the widely shared Iris.csv"),
        e("rowindex-diabetes-regression", sk_row_number("diabetes", "Unnamed: 0", 0),
          "progression", "regression", "Unnamed: 0", Role("Unnamed: 0", ROW_NUMBER),
          "sklearn diabetes", "a row number in a regression table"),
        e("rowindex-as-float", sk_row_number("wine", "row", 1, float), "cultivar", "multiclass",
          "row", Role("row", ROW_NUMBER), "sklearn wine", "1.0, 2.0, ... (read as floats)"),
        e("running-number-1001", running_number(False), "diagnosis", "binary", "sample_no",
          Role("sample_no", ROW_NUMBER), BC, "sample numbers 1001, 1002, ..."),
        e("running-number-with-gaps", running_number(True), "diagnosis", "binary", "sample_no",
          Role("sample_no", ROW_NUMBER), BC, "rising sample numbers with holes (failed QC)"),
        e("unique-barcodes", unique_ids("barcode"), "diagnosis", "binary", "specimen",
          Role("specimen", ID), BC, "TCGA-like specimen barcodes, one per row"),
        e("unique-accession-numbers", unique_ids("accession"), "diagnosis", "binary",
          "accession", Role("accession", ID), BC, "random 7-digit accession numbers, unique"),
        # -- repeated subjects
        e("patient-int-contiguous", patients("int", shuffled=False), "diagnosis", "binary",
          "patient", all_of(role("patient", "subject"), Found("repeated-subjects", "patient")),
          "synthetic biopsies", "70 patients, 1-5 biopsies each, rows of a patient together"),
        e("patient-int-shuffled-sex", patients("int", shuffled=True, extra="sex"), "diagnosis",
          "binary", "patient",
          all_of(role("patient", "subject"), Found("repeated-subjects", "patient")),
          "synthetic biopsies", "rows shuffled; each patient's sex (M/F) repeats with the ID"),
        e("patient-int-shuffled-age", patients("int", shuffled=True, extra="age"), "diagnosis",
          "binary", "patient",
          all_of(role("patient", "subject"), Found("repeated-subjects", "patient")),
          "synthetic biopsies", "rows shuffled; each patient's age repeats with the ID"),
        e("patient-code-contiguous", patients("code", shuffled=False), "diagnosis", "binary",
          "patient", all_of(role("patient", "subject"), Found("repeated-subjects", "patient")),
          "synthetic biopsies", "codes like 'P017', rows of a patient together"),
        e("patient-code-shuffled-sex", patients("code", shuffled=True, extra="sex"), "diagnosis",
          "binary", "patient",
          all_of(role("patient", "subject"), Found("repeated-subjects", "patient")),
          "synthetic biopsies", "codes like 'P017', rows shuffled, sex repeats with the ID"),
        e("sample-id-repeats-user-role", sample_id_repeats(), "diagnosis", "binary",
          "sample_id", Found("sample-id-repeats", "sample_id"), BC,
          "20 samples measured twice; the user gives the column the sample_id role",
          user_roles={"sample_id": "sample_id"}),
        # -- people
        e("person-full-names", people("full_name"), "diagnosis", "binary", "patient_name",
          Role("patient_name", PERSON), BC, "'Mary Johnson'"),
        e("person-first-name", people("first_name"), "diagnosis", "binary", "first_name",
          Role("first_name", PERSON), BC, "first names alone"),
        e("person-first-and-last", people("first_and_last"), "diagnosis", "binary", "last_name",
          all_of(Role("first_name", PERSON), Role("last_name", PERSON)), BC,
          "first and last names in two columns; the surnames are the hard part"),
        e("person-email", people("email"), "diagnosis", "binary", "contact",
          Role("contact", PERSON), BC, "e-mail addresses"),
        e("person-phone", people("phone"), "diagnosis", "binary", "phone",
          Role("phone", PERSON), BC, "phone numbers in three formats"),
        e("free-text-comments", comments(), "diagnosis", "binary", "comments",
          role("comments", "ignore"), BC, "a sentence or two per sample"),
        # -- dates
        e("date-iso-text", dates("iso"), "diagnosis", "binary", "collected",
          Role("collected", DATE), BC, "'2019-06-05'"),
        e("date-dmy-text", dates("dmy"), "diagnosis", "binary", "collected",
          Role("collected", DATE), BC, "'05/06/2019' (dd/mm/yyyy)"),
        e("date-month-name-text", dates("mon"), "diagnosis", "binary", "collected",
          Role("collected", DATE), BC, "'Jun 5 2019'"),
        e("date-yyyymmdd-int", dates("yyyymmdd"), "diagnosis", "binary", "collected",
          Role("collected", DATE), BC, "20190605 as an integer"),
        e("date-calendar-year", dates("year"), "diagnosis", "binary", "collected",
          Role("collected", DATE), BC, "calendar years 2004-2016 as integers"),
        # -- earlier splits
        e("split-Train-Test", split_column(("Train", "Test")), "diagnosis", "binary", "subset",
          role("subset", "ignore"), BC, "'Train'/'Test'"),
        e("split-TRAIN-TEST-upper", split_column(("TRAIN", "TEST")), "diagnosis", "binary",
          "subset", role("subset", "ignore"), BC, "'TRAIN'/'TEST'"),
        e("split-train-validation", split_column(("train", "validation")), "diagnosis", "binary",
          "subset", role("subset", "ignore"), BC, "'train'/'validation'"),
        e("split-fold-numbers", folds(), "diagnosis", "binary", "fold", role("fold", "ignore"),
          BC, "cross-validation folds 1-5: small integers, only the name tells",
          by_values=False),
        # -- copies
        e("target-copy-01", target_copy("01"), "diagnosis", "binary", "is_malignant",
          shortcut("is_malignant"), BC, "the diagnosis again as 1/0"),
        e("target-copy-words", target_copy("words"), "diagnosis", "binary", "pathology",
          shortcut("pathology"), BC, "target M/B, and 'Malignant'/'Benign' beside it"),
        e("feature-exact-copy", feature_copy(), "diagnosis", "binary", "radius (copy)",
          role("radius (copy)", "ignore"), BC, "'mean radius' twice"),
        e("constant-column", constant(), "diagnosis", "binary", "array_type",
          role("array_type", "ignore"), BC, "'HG-U133A' in every row"),
        # -- sensitive characteristics
        e("genotype-apoe", sensitive("apoe"), "diagnosis", "binary", "APOE",
          role("APOE", "sensitive"), BC, "'e3/e4'"),
        e("ethnicity-values", sensitive("ethnicity"), "diagnosis", "binary", "ethnicity",
          role("ethnicity", "sensitive"), BC, "'White', 'Asian', ..."),
        e("sex-M-F", sensitive("sex_mf"), "diagnosis", "binary", "sex", role("sex", "sensitive"),
          BC, "'M'/'F'"),
        e("sex-0-1-name-only", sensitive("sex_01"), "diagnosis", "binary", "sex",
          role("sex", "sensitive"), BC, "0/1: only the name tells", by_values=False),
        e("age-name-only", sensitive("age"), "diagnosis", "binary", "age",
          role("age", "sensitive"), BC, "whole years: only the name tells", by_values=False),
        # -- shortcuts and confounders (explore)
        e("collection-site-confounder", collection_site(), "diagnosis", "binary",
          "collection_site",
          any_of(Found("possible-confounder", "collection_site"),
                 Found("batch-label-association", "collection_site"),
                 Found("metadata-predicts-label", "collection_site")),
          BC, "95% of malignant samples from two hospitals, of benign ones from two others"),
        e("pcr-ct-40-for-negatives", pcr_ct40(), "result", "binary", "ct_value",
          shortcut("ct_value"), "synthetic PCR screen",
          "Ct = 40.0 exactly for every negative test"),
        e("follow-up-marker-only-cases", follow_up_only_cases(), "diagnosis", "binary",
          "marker_at_followup",
          any_of(Found("single-feature-shortcut", "marker_at_followup"),
                 Found("missingness-predicts-label", "marker_at_followup")),
          BC, "measured only at a follow-up that only cancer patients have"),
        e("follow-up-time", follow_up_time(), "died", "binary", "followup_months",
          Found("follow-up-time", "followup_months"), "synthetic cohort",
          "months of follow-up, cut short by death (AUROC 0.87 on its own, below the "
          "shortcut bar): the name tells what it is", by_values=False),
        e("label-in-disguise-cut", label_in_disguise(), "diagnosis", "binary", "risk_score",
          shortcut("risk_score"), BC, "a score above 0.6 exactly for malignant"),
        e("conflicting-labels", conflicting_labels(), "diagnosis", "binary", None,
          Found("conflicting-labels"), BC, "12 rows again with the same values, other label"),
        e("duplicates-under-new-ids", duplicates_new_ids(), "diagnosis", "binary", None,
          Found("exact-duplicates"), BC, "15 samples exported twice under new sample IDs"),
        # -- real data sets (../shared/data)
        e("parkinsons-name-is-person", parkinsons, "status", "binary", "name",
          SubjectFrom("name"), "shared parkinsons_uci",
          "'phon_R01_S01_3': the person plus a recording number (32 people, 195 rows)"),
        e("gse5859-date-confounded", gse5859, "group", "binary", "date",
          all_of(Role("date", DATE), Found("batch-label-association", "date")),
          "shared GSE5859Subset", "processing date confounded with the label"),
        e("heart-site", lambda: heart("site"), "disease", "binary", "site",
          any_of(Found("batch-label-association", "site"),
                 Found("possible-confounder", "site"),
                 Found("metadata-predicts-label", "site")),
          "shared heart_disease_uci", "prevalence 36% to 93% by hospital"),
        e("heart-grade-0-4-beside-disease", lambda: heart("grade"), "disease", "binary",
          "target", shortcut("target"), "shared heart_disease_uci",
          "the 0-4 grade beside 'disease' = grade > 0"),
        e("stemcells-study-batch", stemcells, "celltype", "multiclass", "study",
          all_of(role("study", "batch"),
                 any_of(Found("batch-effect", "study"),
                        Found("batch-stronger-than-label", "study"),
                        Found("batch-label-association", "study"))),
          "shared stemcells", "four studies numbered 1-4: only the name says it is a batch",
          by_values=False),
        # -- clean tables
        e("clean-breast-cancer", sk("breast_cancer"), "diagnosis", "binary", None, None,
          "sklearn breast cancer (all 569 rows)"),
        e("clean-wine", sk("wine"), "cultivar", "multiclass", None, None, "sklearn wine"),
        e("clean-iris", sk("iris"), "species", "multiclass", None, None, "sklearn iris",
          "petal width nearly separates the species: a real biomarker, not a shortcut"),
        e("clean-diabetes-regression", sk("diabetes"), "progression", "regression", None, None,
          "sklearn diabetes (raw units)", "age and sex may be features or sensitive",
          allowed_roles={"age": AGE_SEX, "sex": AGE_SEX}),
        e("clean-digits", sk("digits"), "digit", "multiclass", None, None,
          "sklearn digits (600 rows)",
          "blank border pixels are constant in the table: setting them aside is no false alarm"),
        e("clean-linnerud", sk("linnerud"), "Weight", "regression", None, None,
          "sklearn linnerud (20 rows)", "tiny: exercise counts and body measures"),
        e("clean-gene-symbol-counts", gene_counts(), "subtype", "binary", None, None,
          "synthetic counts", "MARCH1, SEPT2, DEC1, 1-Mar are genes, not dates or IDs"),
        e("clean-clinical-numbers", clinical(), "diabetes", "binary", None, None,
          "synthetic clinic", "age, BMI, blood pressure as plain numbers",
          allowed_roles={"age": AGE_SEX}),
        e("clean-clinical-categories", clinical_categories(), "recurrence", "binary", None,
          None, "synthetic pathology", "grade, histology, smoker: biology, moderately linked "
          "to the outcome; Ki-67 % in whole numbers"),
        e("clean-repeated-counts", repeated_counts(), "relapse", "binary", None, None,
          "synthetic counts", "counts with many repeated values stay features"),
        e("clean-rnaseq-read-counts", rnaseq_qc(), "response", "binary", None, None,
          "synthetic sequencing QC",
          "read counts (millions) and genes detected: whole numbers, all distinct, measurements"),
        e("clean-make-classification", make_classification_table(), "group", "binary", None,
          None, "sklearn make_classification"),
        e("clean-golub", lambda: microarray("golub"), "label", "binary", None, None,
          "shared microarray/golub.csv", "72 x 7,129", allowed_roles={"sample": ID}),
        e("clean-khan", lambda: microarray("khan"), "label", "multiclass", None, None,
          "shared microarray/khan.csv", "63 x 2,308", allowed_roles={"sample": ID}),
        e("clean-heart-cleveland", heart_cleveland, "disease", "binary", None, None,
          "shared heart_disease_uci, Cleveland only, complete rows",
          "one hospital: no site; age and sex as numbers",
          allowed_roles={"age": AGE_SEX, "sex": AGE_SEX}),
    ]  # fmt: skip


ZOO: list[Entry] = _entries()
TRAPS = [z for z in ZOO if not z.clean]
CLEAN = [z for z in ZOO if z.clean]
BY_NAME = {z.name: z for z in ZOO}


# -- running an entry ------------------------------------------------------------------------


@dataclass
class Result:
    entry: str
    renamed: bool
    ok: bool
    message: str
    seconds: float
    skipped: str | None = None


def neutral_names(columns) -> dict[str, str]:
    return {str(c): f"c{i + 1}" for i, c in enumerate(columns)}


def build_project(entry: Entry, renamed: bool):
    """The project as a new user leaves it: every suggestion accepted (plus the entry's own
    user roles), metadata reviewed, and explored when the expectation needs it (clean tables:
    always). Returns (project, mapping from original to run names)."""
    from dlwizard.steps import explore, metadata, question
    from dlwizard.study.project import Project

    df = entry.build()
    df.columns = [str(c) for c in df.columns]
    mapping = neutral_names(df.columns) if renamed else {c: c for c in df.columns}
    df = df.rename(columns=mapping)
    project = Project.new(f"Trap zoo: {entry.name}")
    project.table = df
    question.apply(project, target=mapping[entry.target], task=entry.task)
    roles = {mapping[c]: r for c, r in entry.user_roles.items()} or None
    metadata.apply(project, roles=roles)
    if entry.clean or entry.expect.needs_explore:
        explore.run(project)
    return project, mapping


def false_alarms(entry: Entry, out: Outcome, df_columns: dict[str, pd.Series]) -> list[str]:
    """What a clean table must not produce: warnings/errors, measurements taken out."""
    inverse = {v: k for k, v in out.mapping.items()}
    measured = [
        c
        for c in df_columns
        if inverse.get(c, c) != entry.target
        and "feature" in entry.allowed_roles.get(inverse.get(c, c), frozenset({"feature"}))
    ]
    truly_duplicated = bool(pd.DataFrame(df_columns)[measured].duplicated().any())
    alarms = [
        f"{f.step}:{f.code}[{f.severity}] {f.columns[:5]}: {f.message}"
        for f in out.findings
        if f.severity in ("warning", "error")
        and f.code not in NOT_ALARMS
        # identical measurements that are really in the table (iris has one such pair) are a
        # fact, not a false alarm
        and not (f.code == "exact-duplicates" and truly_duplicated)
    ]
    for col, r in out.roles.items():
        orig = inverse.get(col, col)
        if orig == entry.target or col not in df_columns:
            continue
        allowed = entry.allowed_roles.get(orig, frozenset({"feature"}))
        if r in allowed:
            continue
        if r == "ignore" and df_columns[col].nunique(dropna=True) <= 1:
            continue  # a constant column holds nothing: setting it aside loses nothing
        alarms.append(
            f"role: '{orig}' is {r!r} ({out.reasons.get(col, '')}; detections "
            f"{out.detections.get(col, [])}), a careful analyst keeps it as {sorted(allowed)}"
        )
    return alarms


def evaluate(entry: Entry, renamed: bool = False) -> Result:
    """Run one entry; ``ok`` says whether the trap was caught (clean: no false alarm)."""
    start = time.perf_counter()
    try:
        project, mapping = build_project(entry, renamed)
    except SharedDataMissing as exc:
        return Result(entry.name, renamed, True, str(exc), 0.0, skipped=str(exc))
    except Exception as exc:  # the engine failing on a table is a result too
        return Result(
            entry.name, renamed, False, f"the run failed: {type(exc).__name__}: {exc}",
            time.perf_counter() - start,
        )  # fmt: skip
    out = Outcome(project, mapping)
    where = f"'{entry.name}'" + (" (columns renamed c1, c2, ...)" if renamed else "")
    if entry.clean:
        table = project.table
        alarms = false_alarms(entry, out, {c: table[c] for c in table.columns})
        ok = not alarms
        message = (
            f"clean table {where}: no false alarm"
            if ok
            else f"clean table {where} raised {len(alarms)} false alarm(s):\n  - "
            + "\n  - ".join(alarms)
        )
    else:
        ok = entry.expect.met(out)
        cols = entry.expect.columns() or ([entry.trap] if entry.trap else [])
        message = (
            f"trap {where} ({entry.note}; from {entry.source}): expected {entry.expect}; "
            + ("caught" if ok else "MISSED")
            + "\n  "
            + out.describe(cols)
        )
    return Result(entry.name, renamed, ok, message, time.perf_counter() - start)


def figures(results: list[Result]) -> dict[str, int]:
    ran = [r for r in results if r.skipped is None]
    traps = {z.name for z in TRAPS}
    plain = [r for r in ran if r.entry in traps and not r.renamed]
    renamed = [r for r in ran if r.entry in traps and r.renamed]
    clean = [r for r in ran if r.entry not in traps and not r.renamed]
    clean_renamed = [r for r in ran if r.entry not in traps and r.renamed]
    return {
        "caught": sum(r.ok for r in plain),
        "planted": len(plain),
        "caught_renamed": sum(r.ok for r in renamed),
        "planted_renamed": len(renamed),
        "false_alarms": sum(not r.ok for r in clean),
        "clean": len(clean),
        "false_alarms_renamed": sum(not r.ok for r in clean_renamed),
        "clean_renamed": len(clean_renamed),
        "skipped": len(results) - len(ran),
    }


def summary(results: list[Result]) -> str:
    f = figures(results)
    return (
        f"traps caught {f['caught']} / planted {f['planted']} (renamed: {f['caught_renamed']} / "
        f"{f['planted_renamed']}), false alarms {f['false_alarms']} / clean tables {f['clean']} "
        f"(renamed: {f['false_alarms_renamed']} / {f['clean_renamed']})"
        + (f" ({f['skipped']} run(s) skipped: shared data absent)" if f["skipped"] else "")
    )


def run_all() -> list[Result]:
    return [evaluate(z, renamed) for z in ZOO for renamed in z.runs()]


if __name__ == "__main__":
    results = run_all()
    for r in results:
        if not r.ok:
            print(r.message, "\n")
    print(f"{len(TRAPS)} trap entries, {len(CLEAN)} clean, "
          f"{sum(len(z.runs()) - 1 for z in ZOO)} renamed runs")  # fmt: skip
    print(summary(results))
    print(f"total {sum(r.seconds for r in results):.0f} s")
