"""What every column really is, judged from its values (names are only a hint).

A careful analyst looks at each column before modelling: a row number written by R or pandas, a
patient ID whose values repeat, person names, dates stored as text, free-text comments, a column
holding an earlier train/test split, a copy of another column. Each of these becomes a feature
if nobody looks, and several let a model read the answer. The profiler looks at every column's
values and says what it saw, in plain words, with the role that follows.

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

import hashlib
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.ml import identifiers

if TYPE_CHECKING:
    import pandas as pd

MIN_ROWS = 10  # below this, patterns in the values are chance
MAX_SLOW_COLUMNS = 300  # per-column work (repeated IDs, dates) is limited to this many columns
ID_MAX_GROUP = 50  # a subject rarely has more rows than this; bigger groups are categories
SPLIT_WORDS = frozenset(
    {
        "train", "training", "trn", "test", "testing", "tst", "val", "valid", "validation",
        "validate", "holdout", "hold-out", "hold out", "held-out", "heldout", "dev",
        "development", "tune", "tuning", "discovery", "replication", "derivation",
        "independent", "independent test", "external", "internal", "calibration", "learning",
    }
)  # fmt: skip
_SPLIT_CORE = frozenset(
    {
        "train",
        "training",
        "trn",
        "test",
        "testing",
        "tst",
        "val",
        "valid",
        "validation",
        "holdout",
        "hold-out",
        "dev",
        "tune",
        "tuning",
    }
)
_ETHNICITY = frozenset(
    {
        "white", "black", "asian", "hispanic", "latino", "latina", "latinx", "caucasian",
        "african", "african american", "african-american", "black or african american",
        "native american", "american indian", "alaska native", "pacific islander",
        "native hawaiian", "hawaiian", "middle eastern", "arab", "south asian", "east asian",
        "chinese", "indian", "japanese", "korean", "european", "mixed", "multiracial",
        "other", "unknown", "not reported", "non-hispanic", "not hispanic or latino",
        "hispanic or latino", "white british", "black african", "black caribbean", "yri", "ceu",
        "chb", "jpt", "mex", "asw", "gih", "mkk", "lwk", "tsi", "eur", "afr", "eas", "sas", "amr",
    }
)  # fmt: skip
_APOE = re.compile(
    r"^(?:apoe)?\s*[eε][234]\s*[/|-]?\s*(?:[eε])?[234]$|^(?:apoe)?\s*[eε][234]$", re.IGNORECASE
)
_EXAMPLES = re.compile(r"\s*\(e\.g\. [^)]*\)")
_WORD = re.compile(r"[^\W\d_]{2,}")
_DATE_SEP = re.compile(
    r"^\s*(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}[ -]?[A-Za-z]{3,9}[ -,]+\d{2,4}"
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{4}[-/.]\d{1,2}|[A-Za-z]{3,9}[ -]\d{4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
_CODE = re.compile(r"^[A-Za-z]{0,8}[-_ .#/]?\d+[A-Za-z0-9_./-]*$")
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
    kind: str  # number, category, text, date, identifier, empty
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


def hint(name: str) -> str | None:
    for role, pattern in _HINTS:
        if pattern.search(name):
            return role
    return None


# ---------------------------------------------------------------------------------------------
# the profile


def profile_table(
    df: pd.DataFrame, target: str | None = None, *, seed: int = 0
) -> dict[str, ColumnProfile]:
    """A profile for every column of ``df`` (the target gets its role and nothing else)."""

    profiles: dict[str, ColumnProfile] = {}
    names = [str(c) for c in df.columns]
    target_codes = _target_codes(df, target)
    stats = _numeric_stats(df, target_codes)
    continuous = {c for c, st in stats.items() if st.continuous}
    id_hits, quasi = _identifier_scan(df, continuous, seed)
    others = _per_subject_columns(df, stats, target)
    budget = MAX_SLOW_COLUMNS
    for pos, (name, dtype) in enumerate(zip(names, df.dtypes.tolist())):
        if name == str(target):
            profiles[name] = ColumnProfile(
                name, "category", "target", "chosen on the question page"
            )
            continue
        st = stats.get(name)
        nm = hint(name) if st is None or not st.continuous or _TIME_NAME.match(name) else None
        if st is not None and (st.continuous or (budget <= 0 and name not in id_hits)):
            # A measurement (the thousands of genes of a wide table land here, fast).
            profiles[name] = p = ColumnProfile(name, "number", "feature", "a measurement")
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
            elif quasi.get(name) == "age":
                p.argue("demographic", f"it holds an age (the name '{name}' says so)", "sensitive")
            continue
        budget -= 1
        profiles[name] = _profile_one(
            df, pos, name, dtype, st, nm, id_hits.get(name), quasi.get(name), others, target, seed
        )
    _surnames_beside_first_names(df, profiles)
    _mark_copies(df, profiles, stats, target, target_codes)
    return profiles


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


def _profile_one(df, pos, name, dtype, st, nm, hit, q, others, target, seed) -> ColumnProfile:
    import pandas as pd

    n = len(df)
    col = df.iloc[:, pos]
    present = col.dropna()
    n_present = len(present)
    if n_present == 0:
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
    counts = present.astype(str).value_counts() if not numeric else present.value_counts()
    rest = n_present - int(counts.iloc[0])
    if rest <= 2 and n >= 50:
        p.detections.append(
            Detection(
                "near-constant",
                f"only {rest} of {n_present} rows differ "
                f"from the value {_show(counts.index[0])}: too few to learn from",
            )
        )
    text = None if numeric or is_date else present.astype(str).str.strip()

    # 1. People: names, contact details (the values decide; a name alone is only a hint).
    wordy = text is not None and float(text.str.contains(r"\d", regex=True).mean()) < 0.1
    if hit is not None and hit.kind in _PERSON_KINDS and (wordy or not _name_only(hit)):
        p.kind = "identifier"
        if _name_only(hit):
            why = f"the name '{name}' suggests {identifiers.KIND_LABELS[hit.kind]} (check it)"
        else:
            why = _plain(hit.reason)
        p.argue("person-identifier", f"{why}: it would identify a person, and has no place in "
                "a model", "ignore")  # fmt: skip
        return p
    if text is not None and n_unique >= 5 and _share_in(text, identifiers.FIRST_NAMES) >= 0.6:
        p.kind = "identifier"
        p.argue("person-identifier", f"{_share_in(text, identifiers.FIRST_NAMES):.0%} of the "
                f"values are common first names (e.g. {_show(present.iloc[0])}): it identifies "
                "a person, and has no place in a model", "ignore")  # fmt: skip
        return p
    if hit is not None and hit.kind == "free_text":
        p.kind = "text"
        p.argue("free-text", _plain(hit.reason), "ignore")
        return p
    # 2. A split made earlier.
    if text is not None and _split_share(text) >= 0.95:
        values = sorted(set(text.str.lower()))[:4]
        p.argue(
            "split-column",
            "the values are "
            + ", ".join(f"'{v}'" for v in values)
            + ": an earlier train/test split. If you mean to keep it, hold these rows out "
            "on the split page",
            "ignore",
        )
        return p
    if _SPLIT_NAME.match(name) and n_unique <= 10:
        p.argue(
            "split-column",
            f"the name '{name}' and its {n_unique} values suggest an "
            "earlier split or fold assignment",
            "ignore",
        )
        return p
    # 3. Dates and times, whatever their type.
    date_ev = None
    if is_date:
        date_ev = f"the values are dates (e.g. {_show(present.iloc[0])})"
    elif hit is not None and hit.kind in ("date", "date_of_birth") and not _name_only(hit):
        date_ev = _plain(hit.reason)
    elif text is not None:
        date_ev = _dates_in_text(text)
    elif st is not None:
        date_ev = _dates_in_numbers(st, present)
    if date_ev is not None:
        p.kind = "date"
        if (hit is not None and hit.kind == "date_of_birth") or q == "birth_year":
            p.argue("date", date_ev + "; a date of birth is about a person", "sensitive")
        elif nm == "time_point":
            p.argue("date", date_ev + "; it says when, so it is a time point", "time_point")
        else:
            p.argue(
                "date",
                date_ev + ": dates say when samples were taken or processed, so "
                "they mark batches, never a measurement",
                "batch",
            )
        return p
    # 4. Row numbers and identifiers.
    if st is not None and st.row_number is not None:
        p.kind = "identifier"
        code, why = st.row_number
        p.argue(code, why, "ignore" if code == "row-index" else "sample_id")
        return p
    if 5 <= n_unique <= n_present / 1.3 and (
        numeric or nm in ("subject", "sample_id") or _codes_share(text) >= 0.9
    ):
        why = _repeated_id_evidence(col, others, name)
        if why is not None:
            p.kind = "identifier"
            p.argue("repeated-id", why, "subject")
            return p
    if numeric and st is not None and n_unique == n_present >= 20:
        why = _numbered_like_ids(present)
        if why is not None:
            p.kind = "identifier"
            p.argue("unique-id", why, "sample_id")
            return p
    if not numeric and n_unique >= 0.95 * n_present and n_present >= MIN_ROWS:
        if hit is not None and hit.kind in ("record_number", "unique_id"):
            why = _plain(hit.reason)
        else:
            why = f"{n_unique} distinct values in {n_present} rows: it names each row"
        p.kind = "identifier"
        p.argue("unique-id", why, "sample_id")
        return p
    if hit is not None and hit.kind == "record_number" and not _name_only(hit):
        p.kind = "identifier"
        p.argue("person-identifier", _plain(hit.reason), "ignore")
        return p
    # 5. Who the data come from: demographic and genetic columns.
    if q in _QUASI_SENSITIVE and (q not in ("age", "birth_year") or numeric):
        source = "from the values" if q == "sex" and text is not None else f"the name '{name}'"
        p.argue(
            "demographic",
            f"it holds {_QUASI_SENSITIVE[q]} ({source} says so)"
            if source != "from the values"
            else f"it holds {_QUASI_SENSITIVE[q]} (from the values)",
            "sensitive",
        )
        return p
    if text is not None and n_unique >= 2 and _share_in(text, _ETHNICITY) >= 0.8:
        p.argue(
            "demographic",
            f"the values name ethnic groups or ancestries (e.g. {_show(present.iloc[0])})",
            "sensitive",
        )
        return p
    if text is not None and (
        float(text.str.match(_APOE).mean()) >= 0.8 or re.match(r"^apoe", name, re.I)
    ):
        p.argue(
            "genotype",
            f"the values are APOE genotypes (e.g. {_show(present.iloc[0])}), "
            "a genetic trait of the person",
            "sensitive",
        )
        return p
    # 6. Free text: many words per value, many different values.
    if text is not None and n_unique > 10 and n_unique >= 0.3 * n_present:
        words = text.sample(min(len(text), 500), random_state=seed).str.count(_WORD)
        if float(words.mean()) >= 3:
            p.kind = "text"
            p.argue(
                "free-text",
                f"free text: {float(words.mean()):.0f} words per value on "
                f"average, {n_unique} different values",
                "ignore",
            )
            return p
    if text is not None and n_unique > max(50, 0.5 * n):
        p.kind = "text"
        p.argue(
            "many-values",
            f"text with {n_unique} different values in {n_present} rows: "
            "too many categories to learn from",
            "ignore",
        )
        return p
    # 7. The name, as a hint, for what values cannot tell (a site, a visit, a replicate).
    if nm is not None and nm != "sensitive":
        role = nm
        if role == "sample_id":
            role = "subject" if n_unique < 0.9 * n_present else "sample_id"
            if role == "subject" and n_present / n_unique > ID_MAX_GROUP:
                role = "batch"  # a 'name' with a few values over many rows groups, not names
        p.argue("name-hint", f"the name '{name}' suggests it", role)
        return p
    if nm == "sensitive" and text is not None:
        p.argue("name-hint", f"the name '{name}' suggests it", "sensitive")
        return p
    p.reason = "a count or score" if numeric else "a characteristic with a few categories"
    return p


def _show(v: object) -> str:
    s = str(v)
    return f"'{s[:27]}...'" if len(s) > 30 else f"'{s}'"


def _name_only(hit) -> bool:
    return hit.reason.lower().startswith("from the column name only")


def _plain(reason: str) -> str:
    """An identifier-scan reason, to be continued in a sentence."""
    reason = reason.rstrip(". ")
    return reason[:1].lower() + reason[1:] if reason[1:2].islower() else reason


def _share_in(text: pd.Series, words: frozenset[str]) -> float:
    return float(text.str.lower().isin(words).mean()) if len(text) else 0.0


def _split_share(text: pd.Series) -> float:
    low = text.str.lower().str.replace(r"[_\s]+", " ", regex=True)
    values = set(low.unique())
    if len(values) < 2 or len(values) > 6 or not values & _SPLIT_CORE:
        return 0.0
    return float(low.isin(SPLIT_WORDS).mean())


def _codes_share(text: pd.Series | None) -> float:
    if text is None or not len(text):
        return 0.0
    sample = text.iloc[:: max(1, len(text) // 500)]
    return float(sample.str.fullmatch(_CODE).mean())


# ---------------------------------------------------------------------------------------------
# vectorised prefilters

CHUNK = 2000  # columns converted to one float block at a time (bounded memory on wide tables)


@dataclass
class _NumStats:
    lo: float
    hi: float
    n_present: int
    continuous: bool  # fractional values: a measurement
    key: bytes  # hash of the values, to find copies
    row_number: tuple[str, str] | None = None
    recodes_target: bool = False  # one value per class, a different one for each


def _target_codes(df: pd.DataFrame, target: str | None) -> np.ndarray | None:
    import pandas as pd

    names = [str(c) for c in df.columns]
    if target is None or str(target) not in names:
        return None
    codes, uniques = pd.factorize(df.iloc[:, names.index(str(target))])
    return codes if 2 <= len(uniques) <= 50 else None


def _numeric_stats(df: pd.DataFrame, target_codes: np.ndarray | None) -> dict[str, _NumStats]:
    """Range, fractions, a row-number test and a hash for every numeric
    column, a block of columns at a time."""
    import pandas as pd

    cols = [
        j
        for j, t in enumerate(df.dtypes.tolist())
        if pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
    ]
    out: dict[str, _NumStats] = {}
    n = len(df)
    names = [str(c) for c in df.columns]
    for start in range(0, len(cols), CHUNK):
        part = cols[start : start + CHUNK]
        block = df.iloc[:, part].to_numpy(dtype=float, na_value=np.nan)
        fin = np.isfinite(block)
        filled = np.where(fin, block, np.inf)  # one value for every kind of missing
        with np.errstate(invalid="ignore"):
            present = fin.sum(axis=0)
            lo = filled.min(axis=0)
            hi = np.where(fin, block, -np.inf).max(axis=0)
            frac = np.any(np.floor(filled) != filled, axis=0)
        keys = np.ascontiguousarray(filled.T)
        recodes = _recodes(block, fin, target_codes)
        for k, j in enumerate(part):
            st = _NumStats(
                float(lo[k]),
                float(hi[k]),
                int(present[k]),
                bool(frac[k]),
                hashlib.blake2b(keys[k].data, digest_size=16).digest(),
                recodes_target=bool(recodes[k]),
            )
            out[names[j]] = st
            if not st.continuous and present[k] == n and n >= MIN_ROWS:
                st.row_number = _row_number(block[:, k], st)
    return out


def _recodes(block: np.ndarray, fin: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    """Per column: whether it holds one value per class of the target, a different one each."""
    out = np.zeros(block.shape[1], dtype=bool)
    if codes is None or block.shape[1] == 0:
        return out
    labelled = codes >= 0
    out[:] = fin[labelled].all(axis=0)  # a column missing where a label exists cannot copy it
    k = int(codes.max()) + 1
    lows = np.empty((k, block.shape[1]))
    for c in range(k):
        rows = block[codes == c]
        if not len(rows):
            return np.zeros(block.shape[1], dtype=bool)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns: NaN, no copy
            lo, hi = np.nanmin(rows, axis=0), np.nanmax(rows, axis=0)
        out &= lo == hi
        lows[c] = lo
    if k > 1 and out.any():
        srt = np.sort(lows[:, out], axis=0)
        distinct = np.all(srt[1:] != srt[:-1], axis=0)
        out[np.flatnonzero(out)] = distinct
    return out


def _row_number(x: np.ndarray, st: _NumStats) -> tuple[str, str] | None:
    """Consecutive whole numbers from 0 or 1 (in file order or sorted), or a running number."""
    n = len(x)
    if st.hi - st.lo + 1 == n and len(np.unique(x)) == n:
        d = np.diff(x)
        order = "in file order" if (np.all(d == 1) or np.all(d == -1)) else "once sorted"
        if st.lo in (0, 1):
            return (
                "row-index",
                f"consecutive whole numbers {st.lo:.0f} to {st.hi:.0f} ({order}): a row "
                "number, not a measurement",
            )
        return (
            "running-number",
            f"consecutive whole numbers {st.lo:.0f} to {st.hi:.0f} ({order}): a running "
            "sample number",
        )
    if n >= 20 and st.hi - st.lo < 3 * n:
        d = np.diff(x)
        if (np.all(d > 0) or np.all(d < 0)) and len(np.unique(x)) == n:
            return (
                "running-number",
                f"distinct whole numbers rising row by row from {x[0]:.0f} to {x[-1]:.0f}: a "
                "running sample number",
            )
    return None


def _dates_in_numbers(st: _NumStats, present: pd.Series) -> str | None:
    """Whole numbers that are dates: YYYYMMDD, or calendar years."""
    import pandas as pd

    if st.lo >= 19000101 and st.hi <= 21001231:
        text = present.astype("int64").astype(str)
        parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
        if parsed.notna().mean() >= 0.95:
            return f"the numbers are dates written as YYYYMMDD (e.g. {int(present.iloc[0])})"
    few = present.nunique() <= 40
    if st.lo >= 1950 and st.hi <= 2100 and st.hi - st.lo <= 60 and few:
        return f"the numbers are calendar years ({st.lo:.0f} to {st.hi:.0f})"
    return None


def _dates_in_text(text: pd.Series) -> str | None:
    """Text that parses as dates (several formats), e.g. '2005-06-23', '23/06/2005', 'Jun 2005'."""
    import pandas as pd

    sample = text.iloc[:: max(1, len(text) // 300)]
    shaped = sample.str.match(_DATE_SEP)
    if float(shaped.mean()) < 0.9:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(sample[shaped], errors="coerce", format="mixed")
        except (ValueError, TypeError):
            return None
    if float(parsed.notna().mean()) < 0.9:
        return None
    first = sample[shaped].iloc[0]
    return f"the text values are dates (e.g. '{first}')"


def _numbered_like_ids(present: pd.Series) -> str | None:
    """Distinct whole numbers of one length (4 digits or more), spread evenly over their range
    like numbers handed out to samples; counts and other measurements pile up instead."""
    from scipy.stats import kstest

    x = present.to_numpy(dtype=float)
    if x.min() < 1000:
        return None
    digits = np.floor(np.log10(x)).astype(int) + 1
    if digits.min() != digits.max():
        return None
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo or kstest((x - lo) / (hi - lo), "uniform").pvalue < 0.05:
        return None
    return (
        f"{len(x)} distinct {digits[0]}-digit whole numbers, spread evenly from {lo:.0f} to "
        f"{hi:.0f} like numbers handed out to samples: an ID, not a measurement"
    )


def _per_subject_columns(
    df: pd.DataFrame, stats: dict[str, _NumStats], target: str | None
) -> list[tuple[str, np.ndarray, float]]:
    """Columns that could describe a person rather than a sample (few values: sex, site, group),
    factorised once: (name, codes, the chance two random rows agree)."""
    import pandas as pd

    out = []
    for j, name in enumerate(df.columns[:2000]):
        st = stats.get(str(name))
        if str(name) == str(target) or (st is not None and st.continuous):
            continue
        codes, uniques = pd.factorize(df.iloc[:, j])
        # Few values (sex, site), or whole numbers that repeat (an age in years).
        if not (2 <= len(uniques) <= 20 or (st is not None and len(uniques) <= 0.7 * len(df))):
            continue
        freq = np.bincount(codes[codes >= 0]) / max(1, int((codes >= 0).sum()))
        out.append((str(name), codes, float(np.sum(freq**2))))
        if len(out) >= 20:
            break
    return out


def _repeated_id_evidence(
    col: pd.Series, others: list[tuple[str, np.ndarray, float]], name: str
) -> str | None:
    """A column whose values repeat like a subject's ID: its rows come in small groups that sit
    together in the file, or that agree on what belongs to a person (sex, age, site)."""
    import pandas as pd

    codes, _ = pd.factorize(col)  # -1 for missing
    ok = codes >= 0
    sizes = np.bincount(codes[ok])
    n_ok = int(ok.sum())
    mean_size = n_ok / len(sizes)
    if mean_size < 1.3 or mean_size > 10 or sizes.max() > ID_MAX_GROUP or (sizes >= 2).sum() < 5:
        return None
    what = f"{len(sizes)} values repeat over {n_ok} rows (up to {int(sizes.max())} rows each)"
    # (a) the rows of one value sit together: adjacent rows share the value as often as they can
    c = codes[ok]
    contiguity = int(np.sum(c[1:] == c[:-1])) / max(1, n_ok - len(sizes))
    if contiguity >= 0.9:
        return (
            f"{what}, and the rows with one value sit together: "
            "an ID of subjects (or animals, donors) with several samples"
        )
    # (b) rows sharing a value agree on another column that varies between them (sex, site)
    in_repeated = ok & (sizes[np.where(ok, codes, 0)] >= 2)
    g = codes[in_repeated]
    order = np.argsort(g, kind="stable")
    gs = g[order]
    same_group = gs[1:] == gs[:-1]
    for other, ocodes, chance_pair in others:
        if other == name:
            continue
        o = ocodes[in_repeated][order]
        pairs = same_group & (o[1:] >= 0) & (o[:-1] >= 0)
        if pairs.sum() < 10:
            continue
        agree = float(np.mean(o[1:][pairs] == o[:-1][pairs]))
        if agree >= 0.98 and chance_pair <= 0.6:
            return (
                f"{what}, and rows sharing a value always share '{other}' too: "
                "an ID of subjects with several samples"
            )
    return None


# ---------------------------------------------------------------------------------------------
# identifiers and copies


def _identifier_scan(df: pd.DataFrame, continuous: set[str], seed: int):
    """The privacy step's identifier rules, run now, so such columns never become features."""
    rest = [c for c in df.columns if str(c) not in continuous]
    if not rest:
        return {}, {}
    hits, quasi = identifiers.scan_columns(df[rest], {}, seed=seed)
    return {h.column: h for h in hits}, quasi


def _mark_copies(
    df: pd.DataFrame,
    profiles: dict[str, ColumnProfile],
    stats: dict[str, _NumStats],
    target: str | None,
    target_codes: np.ndarray | None,
) -> None:
    """A column with the same values as an earlier one adds nothing; one with the same groups
    as the target under other names (e.g. 'AML'/'ALL' as 1/0) gives the answer away."""
    import pandas as pd

    seen: dict[bytes, str] = {}
    checked = 0
    for j, name in enumerate(str(c) for c in df.columns):
        p = profiles[name]
        if name == str(target) or p.kind == "empty" or p.role == "ignore":
            continue
        st = stats.get(name)
        if st is not None:
            copies_target = st.recodes_target
            key = b"n" + st.key
        else:
            col = df.iloc[:, j]
            codes = pd.factorize(col)[0]
            copies_target = target_codes is not None and np.array_equal(codes, target_codes)
            key = (
                b"t"
                + hashlib.blake2b(
                    pd.util.hash_pandas_object(col.astype(str), index=False).to_numpy().tobytes(),
                    digest_size=16,
                ).digest()
            )
        if p.role != "feature":
            # A column already read as a site, date or ID keeps that role: the batch checks
            # then report how strongly the label goes with it.
            seen.setdefault(key, name)
            continue
        if copies_target:
            _set_aside(p, "copy-of-target", f"its values are the target '{target}' under other "
                       "names (one value for each class): the answer in another form")  # fmt: skip
            continue
        if (
            target_codes is not None
            and (st is None or not st.continuous)
            and checked < MAX_SLOW_COLUMNS
        ):
            checked += 1
            finer = _grades_target(df.iloc[:, j], target_codes)
            if finer is not None:
                _set_aside(p, "copy-of-target", finer)
                continue
        first = seen.setdefault(key, name)
        if first != name and p.role == "feature":
            _set_aside(p, "copy", f"the same values as the column '{first}'")


def _grades_target(col: pd.Series, target_codes: np.ndarray) -> str | None:
    """Every value of a column with few values belongs to one class of the target: the label
    recoded or graded more finely (a 0-4 severity next to 'disease = severity > 0')."""
    import pandas as pd

    codes, uniques = pd.factorize(col)
    both = (codes >= 0) & (target_codes >= 0)
    k = len(uniques)
    if not 2 <= k <= 50 or k > both.sum() / 5 or both.sum() < 0.5 * (target_codes >= 0).sum():
        return None
    pairs = np.unique(np.c_[codes[both], target_codes[both]], axis=0)
    if len(pairs) != len(np.unique(pairs[:, 0])) or len(np.unique(pairs[:, 1])) < 2:
        return None  # some value occurs in two classes, or all values sit in one class
    return (
        f"each of its {k} values belongs to one class of the target (a recoding or a finer "
        "grading of the label): the answer in another form"
    )


def _set_aside(p: ColumnProfile, code: str, evidence: str) -> None:
    p.detections.insert(0, Detection(code, evidence, "ignore"))
    p.role, p.reason = "ignore", evidence
