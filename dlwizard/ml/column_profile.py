"""What every column really is, judged from its values (names are only a hint).

A careful analyst looks at each column before modelling: a row number written by R or pandas, a
patient ID whose values repeat, person names, dates stored as text, free-text comments, a column
holding an earlier train/test split, a copy of another column. Each of these becomes a feature
if nobody looks, and several let a model read the answer. The profiler looks at every column's
values and says what it saw, in plain words, with the role that follows.

Here: the profile of a table, and the rules that turn what a column's values show into a role,
tried in a fixed order (people, an earlier split, dates, identifiers, demographics, free text,
the name). The detectors are in :mod:`dlwizard.ml.column_detectors`, copies of other columns
and of the target in :mod:`dlwizard.ml.column_copies`.

Library choice: the value tests reuse :mod:`dlwizard.ml.identifiers` (person names, e-mail,
phone numbers, record numbers, dates with the day, free text, sex) and pandas' own date parser
for dates in other formats. skrub's column-type cleaning was considered: it converts types
(numbers stored as text, dates) but does not tell a row number, a repeated ID or a split column
from a measurement, which is what decides the role here, and it would add a heavy dependency.

Speed: a 1,000 x 20,000 expression matrix must stay fast, so the float columns with fractional
values (continuous measurements) are only looked at together, as one NumPy block (copies of
other columns); integer columns get cheap vectorised prefilters (range, row numbers) before
any per-column work.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dlwizard.ml import identifiers
from dlwizard.ml.column_copies import mark_copies
from dlwizard.ml.column_detectors import (
    CHUNK,
    ID_MAX_GROUP,
    MIN_ROWS,
    SPLIT_WORDS,
    NumStats,
    apoe_share,
    codes_share,
    dates_in_numbers,
    dates_in_text,
    ethnicity_share,
    numbered_like_ids,
    numeric_stats,
    per_subject_columns,
    repeated_id_evidence,
    share_in,
    split_share,
    target_class_codes,
    words_per_value,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = [
    "CHUNK",
    "ID_MAX_GROUP",
    "MAX_SLOW_COLUMNS",
    "MIN_ROWS",
    "SPLIT_WORDS",
    "ColumnProfile",
    "Detection",
    "hint",
    "profile_table",
]

MAX_SLOW_COLUMNS = 300  # per-column work (repeated IDs, dates) is limited to this many columns
_EXAMPLES = re.compile(r"\s*\(e\.g\. [^)]*\)")
# Roles each identifier kind argues for (see identifiers.KIND_LABELS).
_PERSON_KINDS = frozenset(
    {"name", "email", "phone", "fax", "ssn", "address", "url", "ip_address", "vehicle_id",
     "device_id", "license_number", "account_number", "health_plan_number", "biometric", "photo"}
)  # fmt: skip
_QUASI_SENSITIVE = {
    "age": "an age", "sex": "sex or gender", "ethnicity": "ethnicity or ancestry",
    "birth_year": "a year of birth", "marital_status": "a marital status",
    "occupation": "an occupation", "geography": "a place of residence", "zip": "a postal code",
}  # fmt: skip

# Names as hints only (the values decide wherever they can).
_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "subject",
        re.compile(
            r"^(subject|patient|donor|individual|person|participant|mouse|animal|pt|family|"
            r"case|child|parent|mother|infant|volunteer|rat|dog|horse|cow|fish|plant)"
            r"([_ .-]?(id|no|nr|number|code|key|num))?$",
            re.I,
        ),
    ),
    (
        "sample_id",
        re.compile(
            r"^(sample|sample[_ .]?id|id|barcode|specimen|name|sample[_ .]?name|cell[_ .]?id|"
            r"filename|file|gsm|accession|uid|uuid|key|record|sample[_ .]?no)$",
            re.I,
        ),
    ),
    (
        "batch",
        re.compile(
            r"(^|_)(batch|site|centre|center|hospital|clinic|lab|plate|run|lane|chip|"
            r"array|study|cohort|scanner|instrument|machine|date|processing|source_file|"
            r"operator|flowcell|seq_?run|location|country|city|region|collection|season|year)"
            r"(_|$)",
            re.I,
        ),
    ),
    (
        "time_point",
        re.compile(r"^(time|time_?point|day|visit|week|month|hour|timepoint|age_?at)", re.I),
    ),
    ("replicate", re.compile(r"^(rep|replicate|tech_?rep|bio_?rep)(licate)?(_?\d+)?$", re.I)),
    (
        "sensitive",
        re.compile(
            r"^(ethnicity|ethnic|race|ancestry|dob|date_?of_?birth|birth_?date|zip|zipcode|"
            r"postcode|postal_?code|address|phone|email|e_?mail|first_?name|last_?name|"
            r"surname|mrn|ssn|apoe.*|genotype|sex|gender|age|age_?years)$",
            re.I,
        ),
    ),
)
_TIME_NAME = _HINTS[3][1]
_SPLIT_NAME = re.compile(
    r"^(split|set|subset|partition|fold|dataset_?split|train_?test|"
    r"data_?set|role|usage|is_?test|is_?train|holdout)$",
    re.I,
)


@dataclass
class Detection:
    code: str  # row-index, running-number, repeated-id, unique-id, person-identifier, date, ...
    evidence: str  # plain words: what the values show
    role: str | None = None  # the role this argues for; None: it only informs


@dataclass
class ColumnProfile:
    name: str
    kind: str  # number, category, text, date, identifier, empty, sequence
    role: str = "feature"
    reason: str = "a measurement or characteristic"
    detections: list[Detection] = field(default_factory=list)

    def argue(self, code: str, evidence: str, role: str | None) -> None:
        """Record what the values show; the first detection with a role decides the role."""
        if code in ("person-identifier", "free-text", "date"):
            # Never repeat a person's data: findings, the report and the audit carry evidence.
            evidence = _EXAMPLES.sub("", evidence)
        self.detections.append(Detection(code, evidence, role))
        if role is not None and not any(d.role for d in self.detections[:-1]):
            self.role, self.reason = role, evidence

    def set_aside(self, code: str, evidence: str) -> None:
        """Take the column out of the features, whatever was argued before."""
        self.detections.insert(0, Detection(code, evidence, "ignore"))
        self.role, self.reason = "ignore", evidence


def hint(name: str) -> str | None:
    """The role a column name hints at (subject, sample_id, batch, time_point...), or None."""
    for role, pattern in _HINTS:
        if pattern.search(name):
            return role
    return None


# ---------------------------------------------------------------------------------------------
# the profile


def profile_table(
    df: pd.DataFrame,
    target: str | None = None,
    *,
    seed: int = 0,
    sequences: Mapping[str, str] | None = None,
) -> dict[str, ColumnProfile]:
    """A profile for every column of ``df`` (the target gets its role and nothing else).

    ``sequences`` maps each column of biological sequences (recognised at import) to what it
    holds in words: such a column is the data itself, a feature, though its values are long,
    distinct text that would otherwise read as an ID or as too many categories.
    """

    profiles: dict[str, ColumnProfile] = {}
    sequences = sequences or {}
    names = [str(c) for c in df.columns]
    target_codes = target_class_codes(df, target)
    stats = numeric_stats(df, target_codes)
    continuous = {c for c, st in stats.items() if st.continuous}
    id_hits, quasi = _identifier_scan(df, continuous | set(sequences), seed)
    others = per_subject_columns(df, stats, target)
    budget = MAX_SLOW_COLUMNS
    for pos, (name, dtype) in enumerate(zip(names, df.dtypes.tolist())):
        if name == str(target):
            profiles[name] = ColumnProfile(
                name, "category", "target", "chosen on the question page"
            )
            continue
        if name in sequences:
            p = ColumnProfile(name, "sequence")
            p.argue("sequence", sequences[name], "feature")
            profiles[name] = p
            continue
        st = stats.get(name)
        nm = hint(name) if st is None or not st.continuous or _TIME_NAME.match(name) else None
        if st is not None and (st.continuous or (budget <= 0 and name not in id_hits)):
            # A measurement (the thousands of genes of a wide table land here, fast).
            profiles[name] = _measurement(name, st, nm, quasi.get(name))
            continue
        budget -= 1
        profiles[name] = _profile_one(
            df, pos, name, dtype, st, nm, id_hits.get(name), quasi.get(name), others, seed
        )
    _surnames_beside_first_names(df, profiles)
    mark_copies(df, profiles, stats, target, target_codes, max_checked=MAX_SLOW_COLUMNS)
    return profiles


def _measurement(name: str, st: NumStats, nm: str | None, q: str | None) -> ColumnProfile:
    """A numeric column judged from its statistics alone (no per-column work)."""
    p = ColumnProfile(name, "number", "feature", "a measurement")
    if st.n_present == 0:
        p.kind, p.role, p.reason = "empty", "ignore", "the column is empty"
    elif st.lo == st.hi:
        p.argue("constant", f"every row has the same value ({st.lo:g})", "ignore")
    elif st.row_number is not None:
        p.kind = "identifier"
        code, why = st.row_number
        p.argue(code, why, "ignore" if code == "row-index" else "sample_id")
    elif nm == "time_point":
        p.argue("name-hint", f"the name '{name}' suggests a time", "time_point")
    elif q == "age":
        p.argue("demographic", f"it holds an age (the name '{name}' says so)", "sensitive")
    return p


def _surnames_beside_first_names(df: pd.DataFrame, profiles: dict[str, ColumnProfile]) -> None:
    """Capitalised single words right beside a column of first names are surnames."""
    names = list(profiles)
    for i, name in enumerate(names):
        p = profiles[name]
        if not any(d.code == "person-identifier" and "first names" in d.evidence
                   for d in p.detections):  # fmt: skip
            continue
        for j in (i - 1, i + 1):
            if not 0 <= j < len(names) or profiles[names[j]].role != "feature":
                continue
            col = df.iloc[:, j].dropna().astype(str).str.strip()
            if len(col) and float(col.str.fullmatch(identifiers.SINGLE_NAME).mean()) >= 0.8:
                q = profiles[names[j]]
                q.kind = "identifier"
                q.argue("person-identifier", f"capitalised words beside the first names in "
                        f"'{name}': surnames, which identify a person", "ignore")  # fmt: skip


# ---------------------------------------------------------------------------------------------
# one column, rule by rule


@dataclass
class _Column:
    """One column as the rules read it."""

    name: str
    values: pd.Series  # the whole column
    present: pd.Series  # its non-missing values
    n_rows: int
    n_unique: int  # distinct present values
    numeric: bool
    is_date: bool
    text: pd.Series | None  # the present values as stripped text (text columns only)
    st: NumStats | None  # numeric columns: their statistics
    nm: str | None  # the role the name hints at
    hit: identifiers.IdentifierHit | None  # the identifier scan's hit
    q: str | None  # the quasi-identifier category (age, sex, zip...)
    others: list[tuple[str, np.ndarray, float]]  # columns that could describe a person
    seed: int

    @property
    def n_present(self) -> int:
        return len(self.present)


def _profile_one(df, pos, name, dtype, st, nm, hit, q, others, seed) -> ColumnProfile:
    """A column that gets the per-column work: the first rule that decides gives its role."""
    import pandas as pd

    n = len(df)
    col = df.iloc[:, pos]
    present = col.dropna()
    if len(present) == 0:
        return ColumnProfile(name, "empty", "ignore", "the column is empty")
    numeric = st is not None
    is_date = pd.api.types.is_datetime64_any_dtype(dtype)
    try:
        n_unique = int(present.nunique())
    except TypeError:  # unhashable cells: count their text
        n_unique = len(set(map(str, present)))
    p = ColumnProfile(name, "number" if numeric else "date" if is_date else "category")
    if n_unique <= 1:
        p.argue("constant", f"every row has the same value ({_show(present.iloc[0])})", "ignore")
        return p
    _note_near_constant(p, present, numeric, n)
    text = None if numeric or is_date else present.astype(str).str.strip()
    c = _Column(
        name, col, present, n, n_unique, numeric, is_date, text, st, nm, hit, q, others, seed
    )
    for rule in _RULES:
        if rule(p, c):
            return p
    p.reason = "a count or score" if numeric else "a characteristic with a few categories"
    return p


def _note_near_constant(p: ColumnProfile, present: pd.Series, numeric: bool, n: int) -> None:
    counts = present.astype(str).value_counts() if not numeric else present.value_counts()
    rest = len(present) - int(counts.iloc[0])
    if rest <= 2 and n >= 50:
        p.detections.append(
            Detection(
                "near-constant",
                f"only {rest} of {len(present)} rows differ "
                f"from the value {_show(counts.index[0])}: too few to learn from",
            )
        )


def _person(p: ColumnProfile, c: _Column) -> bool:
    """1. People: names, contact details (the values decide; a name alone is only a hint)."""
    hit, text = c.hit, c.text
    wordy = text is not None and float(text.str.contains(r"\d", regex=True).mean()) < 0.1
    if hit is not None and hit.kind in _PERSON_KINDS and (wordy or not _name_only(hit)):
        p.kind = "identifier"
        if _name_only(hit):
            why = f"the name '{c.name}' suggests {identifiers.KIND_LABELS[hit.kind]} (check it)"
        else:
            why = _plain(hit.reason)
        p.argue("person-identifier", f"{why}: it would identify a person, and has no place in "
                "a model", "ignore")  # fmt: skip
        return True
    if text is not None and c.n_unique >= 5 and share_in(text, identifiers.FIRST_NAMES) >= 0.6:
        p.kind = "identifier"
        p.argue("person-identifier", f"{share_in(text, identifiers.FIRST_NAMES):.0%} of the "
                f"values are common first names (e.g. {_show(c.present.iloc[0])}): it identifies "
                "a person, and has no place in a model", "ignore")  # fmt: skip
        return True
    if hit is not None and hit.kind == "free_text":
        p.kind = "text"
        p.argue("free-text", _plain(hit.reason), "ignore")
        return True
    return False


def _earlier_split(p: ColumnProfile, c: _Column) -> bool:
    """2. A split made earlier."""
    if c.text is not None and split_share(c.text) >= 0.95:
        values = sorted(set(c.text.str.lower()))[:4]
        p.argue(
            "split-column",
            "the values are "
            + ", ".join(f"'{v}'" for v in values)
            + ": an earlier train/test split. If you mean to keep it, hold these rows out "
            "on the split page",
            "ignore",
        )
        return True
    if _SPLIT_NAME.match(c.name) and c.n_unique <= 10:
        p.argue(
            "split-column",
            f"the name '{c.name}' and its {c.n_unique} values suggest an "
            "earlier split or fold assignment",
            "ignore",
        )
        return True
    return False


def _date(p: ColumnProfile, c: _Column) -> bool:
    """3. Dates and times, whatever their type."""
    hit = c.hit
    date_ev = None
    if c.is_date:
        date_ev = f"the values are dates (e.g. {_show(c.present.iloc[0])})"
    elif hit is not None and hit.kind in ("date", "date_of_birth") and not _name_only(hit):
        date_ev = _plain(hit.reason)
    elif c.text is not None:
        date_ev = dates_in_text(c.text)
    elif c.st is not None:
        date_ev = dates_in_numbers(c.st, c.present)
    if date_ev is None:
        return False
    p.kind = "date"
    if (hit is not None and hit.kind == "date_of_birth") or c.q == "birth_year":
        p.argue("date", date_ev + "; a date of birth is about a person", "sensitive")
    elif c.nm == "time_point":
        p.argue("date", date_ev + "; it says when, so it is a time point", "time_point")
    else:
        p.argue(
            "date",
            date_ev + ": dates say when samples were taken or processed, so "
            "they mark batches, never a measurement",
            "batch",
        )
    return True


def _identifier(p: ColumnProfile, c: _Column) -> bool:
    """4. Row numbers and identifiers."""
    hit, n_unique, n_present = c.hit, c.n_unique, c.n_present
    if c.st is not None and c.st.row_number is not None:
        p.kind = "identifier"
        code, why = c.st.row_number
        p.argue(code, why, "ignore" if code == "row-index" else "sample_id")
        return True
    if 5 <= n_unique <= n_present / 1.3 and (
        c.numeric or c.nm in ("subject", "sample_id") or codes_share(c.text) >= 0.9
    ):
        why = repeated_id_evidence(c.values, c.others, c.name)
        if why is not None:
            p.kind = "identifier"
            p.argue("repeated-id", why, "subject")
            return True
    if c.numeric and c.st is not None and n_unique == n_present >= 20:
        why = numbered_like_ids(c.present)
        if why is not None:
            p.kind = "identifier"
            p.argue("unique-id", why, "sample_id")
            return True
    if not c.numeric and n_unique >= 0.95 * n_present and n_present >= MIN_ROWS:
        if hit is not None and hit.kind in ("record_number", "unique_id"):
            why = _plain(hit.reason)
        else:
            why = f"{n_unique} distinct values in {n_present} rows: it names each row"
        p.kind = "identifier"
        p.argue("unique-id", why, "sample_id")
        return True
    if hit is not None and hit.kind == "record_number" and not _name_only(hit):
        p.kind = "identifier"
        p.argue("person-identifier", _plain(hit.reason), "ignore")
        return True
    return False


def _demographic(p: ColumnProfile, c: _Column) -> bool:
    """5. Who the data come from: demographic and genetic columns."""
    q, text = c.q, c.text
    if q in _QUASI_SENSITIVE and (q not in ("age", "birth_year") or c.numeric):
        source = "from the values" if q == "sex" and text is not None else f"the name '{c.name}'"
        p.argue(
            "demographic",
            f"it holds {_QUASI_SENSITIVE[q]} ({source} says so)"
            if source != "from the values"
            else f"it holds {_QUASI_SENSITIVE[q]} (from the values)",
            "sensitive",
        )
        return True
    if text is not None and c.n_unique >= 2 and ethnicity_share(text) >= 0.8:
        p.argue(
            "demographic",
            f"the values name ethnic groups or ancestries (e.g. {_show(c.present.iloc[0])})",
            "sensitive",
        )
        return True
    if text is not None and (apoe_share(text) >= 0.8 or re.match(r"^apoe", c.name, re.I)):
        p.argue(
            "genotype",
            f"the values are APOE genotypes (e.g. {_show(c.present.iloc[0])}), "
            "a genetic trait of the person",
            "sensitive",
        )
        return True
    return False


def _free_text(p: ColumnProfile, c: _Column) -> bool:
    """6. Free text: many words per value, many different values."""
    text, n_unique, n_present = c.text, c.n_unique, c.n_present
    if text is not None and n_unique > 10 and n_unique >= 0.3 * n_present:
        words = words_per_value(text, c.seed)
        if words >= 3:
            p.kind = "text"
            p.argue(
                "free-text",
                f"free text: {words:.0f} words per value on average, {n_unique} different values",
                "ignore",
            )
            return True
    if text is not None and n_unique > max(50, 0.5 * c.n_rows):
        p.kind = "text"
        p.argue(
            "many-values",
            f"text with {n_unique} different values in {n_present} rows: "
            "too many categories to learn from",
            "ignore",
        )
        return True
    return False


def _name_hint(p: ColumnProfile, c: _Column) -> bool:
    """7. The name, as a hint, for what values cannot tell (a site, a visit, a replicate)."""
    if c.nm is not None and c.nm != "sensitive":
        role = c.nm
        if role == "sample_id":
            role = "subject" if c.n_unique < 0.9 * c.n_present else "sample_id"
            if role == "subject" and c.n_present / c.n_unique > ID_MAX_GROUP:
                role = "batch"  # a 'name' with a few values over many rows groups, not names
        p.argue("name-hint", f"the name '{c.name}' suggests it", role)
        return True
    if c.nm == "sensitive" and c.text is not None:
        p.argue("name-hint", f"the name '{c.name}' suggests it", "sensitive")
        return True
    return False


_RULES: tuple[Callable[[ColumnProfile, _Column], bool], ...] = (
    _person,
    _earlier_split,
    _date,
    _identifier,
    _demographic,
    _free_text,
    _name_hint,
)


def _show(v: object) -> str:
    s = str(v)
    return f"'{s[:27]}...'" if len(s) > 30 else f"'{s}'"


def _name_only(hit) -> bool:
    return hit.reason.lower().startswith("from the column name only")


def _plain(reason: str) -> str:
    """An identifier-scan reason, to be continued in a sentence."""
    reason = reason.rstrip(". ")
    return reason[:1].lower() + reason[1:] if reason[1:2].islower() else reason


def _identifier_scan(df: pd.DataFrame, skip: set[str], seed: int):
    """The privacy step's identifier rules, run now, so such columns never become features
    (not on ``skip``: continuous measurements and sequences)."""
    rest = [c for c in df.columns if str(c) not in skip]
    if not rest:
        return {}, {}
    hits, quasi = identifiers.scan_columns(df[rest], {}, seed=seed)
    return {h.column: h for h in hits}, quasi
