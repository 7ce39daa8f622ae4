"""What a column's values show: e-mail addresses, web and IP addresses, Social Security and
telephone numbers, dates, ZIP codes and postcodes, street addresses, person names, free text,
record numbers and other codes that single out each row.

Evidence. The values are the strong evidence (e.g. "93 % of the values look like e-mail
addresses"). Text values are read from a sample of at most :data:`SAMPLE_VALUES` non-missing
values per column (the share of distinct values uses the whole column).

Numbers. A numeric column is only looked at when its name hints at an identifier (age, ZIP,
phone, record number, date of birth...). Without such a name, numbers are never flagged: a count
matrix is full of near-unique integers and of values that look like ZIP codes or phone numbers,
and a float measurement cannot be a name, an address or an e-mail. That is what keeps a
1,000 × 20,000 expression matrix fast (only the names are read) and free of false alarms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.ml.safe_harbor import KIND_LABELS

if TYPE_CHECKING:
    import pandas as pd

SAMPLE_VALUES = 2000
NEAR_UNIQUE = 0.9  # share of distinct values above which a text column acts as an ID
MIN_ROWS_FOR_UNIQUE = 10  # in a tiny table every column is "unique"
VALUE_SHARE = 0.5  # share of sampled values that must match a pattern for a value-based hit

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_MON = r"(?:0?[1-9]|1[0-2])"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[ap]m)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_FULL_DATE = re.compile(
    rf"^(?:\d{{4}}[-/.]{_MON}[-/.]{_DAY}|{_DAY}[-/.]{_DAY}[-/.](?:\d{{4}}|\d{{2}})"
    rf"|{_DAY}[ -]{_MONTH}[ -,]+\d{{2,4}}|{_MONTH} {_DAY},? \d{{4}}){_TIME}$",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(
    rf"^(?:\d{{4}}[-/.]{_MON}|{_MON}[-/.]\d{{4}}|{_MONTH}[ -,]*\d{{4}})$", re.IGNORECASE
)
_COMPACT_DATE = re.compile(rf"^(?:19|20)\d{{2}}{_MON.replace('0?', '0')}{_DAY.replace('0?', '0')}$")
_EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(?:\.[\w-]+)+$")
_EMAIL_IN = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"^(?:(?:https?|ftp)://|www\.)\S+$", re.IGNORECASE)
_URL_IN = re.compile(r"(?:(?:https?|ftp)://|www\.)\S+", re.IGNORECASE)
_IPV4 = re.compile(r"^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$")
_IPV6 = re.compile(r"^(?=.*:.*:)[0-9a-f:]{2,39}$", re.IGNORECASE)
_SSN = re.compile(r"^\d{3}[- ]\d{2}[- ]\d{4}$")
_PHONE = re.compile(
    r"^(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}"
    r"(?:\s*(?:x|ext\.?)\s*\d{1,5})?$",
    re.IGNORECASE,
)
_PHONE_IN = re.compile(r"(?:\+\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}")
_ZIP5 = re.compile(r"^\d{5}$")
_ZIP9 = re.compile(r"^\d{5}-\d{4}$")
_ZIP3 = re.compile(r"^\d{3}(?:xx|\*\*)?$", re.IGNORECASE)
_POSTCODE = re.compile(
    r"^(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|[A-Z]\d[A-Z]\s?\d[A-Z]\d)$", re.IGNORECASE
)  # UK, Canada
_STREET = re.compile(
    r"\b\d{1,5}[a-z]?\s+(?:[\w.'-]+\s+){0,4}(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|"
    r"boulevard|blvd|court|ct|way|place|pl|terrace|close|square|sq|highway|hwy|parkway|pkwy|"
    r"crescent|cres|circle|cir|alley|row|grove|gardens|hill)\b\.?|\bp\.?\s?o\.?\s?box\s+\d+"
    r"|\b[\w-]*(?:straße|strasse|str\.|weg|gasse|platz|allee)\s+\d{1,4}[a-z]?\b",
    re.IGNORECASE,
)
_UP = "A-ZÀ-ÖØ-Þ"  # capital letters, accented ones included
_LO = "a-zß-öø-ÿ"
_PERSON = re.compile(
    rf"^(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?[{_UP}][{_LO}]+(?:[-'][{_UP}]?[{_LO}]+)*"
    rf"(?:\s+[{_UP}]\.?)?(?:\s+(?:(?:van|von|de|der|den|da|di|del|la|le|du|dos|bin|ibn)\s+)*"
    rf"(?:Mc|Mac|O')?[{_UP}][{_LO}]+(?:[-'][{_UP}]?[{_LO}]+)*){{1,2}}$"
    rf"|^[{_UP}][{_UP}{_LO}'-]+,\s*[{_UP}][{_LO}]+(?:\s+[{_UP}]\.?)?$"
)
SINGLE_NAME = _SINGLE_NAME = re.compile(rf"^[{_UP}][{_LO}]+(?:[-'][{_UP}]?[{_LO}]+)*$")
# An ID with a run of 5 or more digits, e.g. MRN0012345, A-1234567, 00456789.
_LONG_DIGIT_ID = re.compile(r"^[A-Za-z]{0,4}[-_/ ]?\d{5,12}[A-Za-z]?$")
_CODE = re.compile(r"^(?=[^\s]*\d)[\w./:#-]{2,40}$")  # a code: no spaces, at least one digit
# Public repository accessions name a record in a database, not a person.
_ACCESSION = re.compile(
    r"^(?:GSM|GSE|GPL|SRR|SRX|SRS|SRP|ERR|ERX|ERS|DRR|DRX|SAMN|SAMEA|SAMD|PRJ[NED][A-Z]?|"
    r"ENS[A-Z]*|NM_|NR_|XM_|NP_|rs)\d",
)
_SEQUENCE = re.compile(r"^[ACGTUNRYKMSWBDHV.-]{20,}$|^[ACDEFGHIKLMNPQRSTVWYX*-]{30,}$", re.I)
_DATE_IN = re.compile(r"\b(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\b")
_WORD = re.compile(r"[A-Za-z]{2,}")
_YEAR = re.compile(r"^(?:1[89]|20)\d{2}$")
_DECIMAL = re.compile(r"^[-+]?(?:\d+[.,]\d*|[.,]\d+)(?:[eE][-+]?\d+)?$")

# Common given names (English-speaking and western European), to tell 'Mary Smith' from
# 'Retinoic Acid'. Only strengthens the reason; the pattern and the diversity decide.
_FIRST_NAME_TEXT = """
    james john robert michael william david richard joseph thomas charles christopher daniel
    matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald
    edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon
    benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam
    nathan henry peter zachary douglas harold kyle noah carl arthur gerald roger keith jeremy terry
    lawrence sean christian albert joe ethan austin jesse willie billy bryan bruce jordan ralph roy
    alan wayne eugene juan louis russell randy vincent philip bobby johnny bradley mary patricia
    jennifer linda elizabeth barbara susan jessica sarah karen lisa nancy betty margaret sandra
    ashley kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca
    sharon laura cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha
    katherine christine debra rachel carolyn janet catherine maria heather diane ruth julie olivia
    joyce virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah
    jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail alice
    judy sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie
    brittany charlotte marie kayla alexis lori hans peter klaus jurgen anna lena sophie lukas jan
    pierre jean marie luc camille giulia marco luca francesco sofia lucia carlos miguel ana pablo
    javier elena sven lars erik ingrid astrid mohammed ahmed ali fatima wei li chen yuki hiroshi
    priya raj amit"""
FIRST_NAMES = _FIRST_NAMES = frozenset(_FIRST_NAME_TEXT.split())

_SEX_VALUES = {"m", "f", "male", "female", "man", "woman", "men", "women", "boy", "girl"}
_SEX_EXTRA = {"u", "unknown", "other", "x", "na", "nan", "none", "intersex", "diverse", "d"}


@dataclass
class Evidence:
    """What one column's values showed."""

    kind: str | None = None
    reason: str = ""
    quasi: str | None = None  # quasi-identifier category the values show (date, zip, sex)
    notes: list[str] = field(default_factory=list)


def _share(pattern: re.Pattern[str], values: list[str], search: bool = False) -> float:
    if not values:
        return 0.0
    f = pattern.search if search else pattern.match
    return sum(1 for v in values if f(v)) / len(values)


def _examples(values: list[str], pattern: re.Pattern[str] | None = None) -> str:
    picked = [v for v in values if pattern is None or pattern.match(v)][:2]
    shown = [v if len(v) <= 30 else v[:27] + "..." for v in picked]
    return ", ".join(f"'{v}'" for v in shown)


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def sample_values(col: pd.Series, rng: np.random.Generator) -> pd.Series:
    """At most SAMPLE_VALUES non-missing values, drawn at random, in table order."""
    col = col.dropna()
    if len(col) > SAMPLE_VALUES:
        col = col.iloc[np.sort(rng.choice(len(col), SAMPLE_VALUES, replace=False))]
    return col


def text_evidence(values: list[str], unique_share: float, n: int, hint: str | None) -> Evidence:
    """Classify a text column from its sampled values (strings, stripped, non-empty).

    The rules are tried in order; each returns None when it does not apply, and the first
    Evidence (even an empty one: a year, a measurement stored as text) ends the search.
    """
    if not values:
        return Evidence()
    near_unique = unique_share >= NEAR_UNIQUE and n >= MIN_ROWS_FOR_UNIQUE
    found = (
        _contact_evidence(values)
        or _date_evidence(values, hint)
        or _phone_evidence(values, hint)
        or _zip_evidence(values, hint, near_unique)
        or _address_evidence(values)
        or _sex_evidence(values)
        or _person_name_evidence(values, hint)
        or _year_or_measurement(values, hint)
        or _free_text_evidence(values, unique_share, hint)
        or (_code_evidence(values, unique_share, hint) if near_unique else None)
    )
    return found or Evidence()


def _contact_evidence(values: list[str]) -> Evidence | None:
    """E-mail, web and IP addresses, Social Security numbers."""
    checks: list[tuple[str, re.Pattern[str], str]] = [
        ("email", _EMAIL, "e-mail addresses"),
        ("url", _URL, "web addresses"),
        ("ip_address", _IPV4, "IP addresses"),
        ("ssn", _SSN, "Social Security numbers (ddd-dd-dddd)"),
    ]
    for kind, pat, what in checks:
        s = _share(pat, values)
        if s >= VALUE_SHARE:
            return Evidence(
                kind, f"{_pct(s)} of the values look like {what} (e.g. {_examples(values, pat)})"
            )
    s = _share(_IPV6, values)
    if s >= VALUE_SHARE and sum(v.count(":") for v in values) >= 2 * len(values):
        return Evidence("ip_address", f"{_pct(s)} of the values look like IPv6 addresses")
    return None


def _date_evidence(values: list[str], hint: str | None) -> Evidence | None:
    """Full dates (with the day), or dates with the month."""
    s_date = _share(_FULL_DATE, values)
    s_month = _share(_MONTH_YEAR, values)
    s_compact = _share(_COMPACT_DATE, values) if hint in ("date", "date_of_birth") else 0.0
    if not (max(s_date, s_compact) >= VALUE_SHARE or s_date + s_month >= VALUE_SHARE):
        return None
    ev = Evidence("date_of_birth" if hint == "date_of_birth" else "date", quasi="date")
    if s_date or s_compact:
        pat = _FULL_DATE if s_date >= s_compact else _COMPACT_DATE
        ev.reason = (
            f"{_pct(max(s_date, s_compact))} of the values are full dates with the day "
            f"(e.g. {_examples(values, pat)})"
        )
    else:
        ev.reason = (
            f"{_pct(s_month)} of the values are dates with the month "
            f"(e.g. {_examples(values, _MONTH_YEAR)}); Safe Harbor allows the year only"
        )
    if hint == "date_of_birth":
        ev.reason += ", and the column name says date of birth"
    return ev


def _phone_evidence(values: list[str], hint: str | None) -> Evidence | None:
    s = _share(_PHONE, values)
    if s < VALUE_SHARE:
        return None
    digits = [sum(c.isdigit() for c in v) for v in values if _PHONE.match(v)]
    if np.median(digits) < (7 if hint in ("phone", "fax") else 9):
        return None
    return Evidence(
        "fax" if hint == "fax" else "phone",
        f"{_pct(s)} of the values look like telephone numbers (e.g. {_examples(values, _PHONE)})",
    )


def _zip_evidence(values: list[str], hint: str | None, near_unique: bool) -> Evidence | None:
    """Full ZIP codes and postcodes; 3-digit ZIP prefixes (allowed, still a quasi-identifier)."""
    s9 = _share(_ZIP9, values)
    s5 = _share(_ZIP5, values)
    s_post = _share(_POSTCODE, values)
    if s9 >= VALUE_SHARE or (s5 + s9 >= VALUE_SHARE and (hint == "zip" or not near_unique)):
        return Evidence(
            "zip",
            f"{_pct(s5 + s9)} of the values look like full 5-digit ZIP codes "
            f"(e.g. {_examples(values, _ZIP5 if s5 >= s9 else _ZIP9)})",
            quasi="zip",
        )
    if s_post >= VALUE_SHARE:
        return Evidence(
            "zip",
            f"{_pct(s_post)} of the values look like full postcodes "
            f"(e.g. {_examples(values, _POSTCODE)})",
            quasi="zip",
        )
    if hint == "zip" and _share(_ZIP3, values) >= VALUE_SHARE:
        return Evidence(quasi="zip", notes=["3-digit ZIP prefixes (allowed by Safe Harbor)"])
    return None


def _address_evidence(values: list[str]) -> Evidence | None:
    s = _share(_STREET, values, search=True)
    if s < VALUE_SHARE:
        return None
    return Evidence(
        "address",
        f"{_pct(s)} of the values look like street addresses (e.g. {_examples(values)})",
    )


def _sex_evidence(values: list[str]) -> Evidence | None:
    low = {v.lower() for v in values}
    if low <= _SEX_VALUES | _SEX_EXTRA and len(low & _SEX_VALUES) >= 2:
        return Evidence(quasi="sex")
    return None


def _person_name_evidence(values: list[str], hint: str | None) -> Evidence | None:
    """'First Last' (or 'Last, First'), diverse, often with a common first name; or single
    first names under a column name that says name."""
    person = [v for v in values if _PERSON.match(v)]
    s = len(person) / len(values)
    distinct = len(set(person))
    # Names are mostly distinct; a category such as 'Lymph Node' repeats over many rows.
    if s >= VALUE_SHARE and distinct >= 0.3 * len(person):
        first = sum(1 for v in person if _first_token(v) in _FIRST_NAMES) / len(person)
        if not (first >= 0.1 or hint == "name" or distinct >= 0.8 * len(person)):
            return None
        reason = (
            f"{_pct(s)} of the values look like person names (capitalised words, e.g. "
            f"{_examples(person)})"
        )
        reason += (
            f"; {_pct(first)} start with a common first name"
            if first >= 0.1
            else "; few start with a common first name, so check"
        )
        if hint == "name":
            reason += "; the column name agrees"
        return Evidence("name", reason)
    if hint == "name" and _share(_SINGLE_NAME, values) >= VALUE_SHARE:
        first = sum(1 for v in values if v.lower() in _FIRST_NAMES) / len(values)
        if first >= 0.2:
            return Evidence(
                "name",
                f"the column name says name and {_pct(first)} of the values are common first "
                f"names (e.g. {_examples(values, _SINGLE_NAME)})",
            )
    return None


def _year_or_measurement(values: list[str], hint: str | None) -> Evidence | None:
    """Years under a date name (allowed), or numbers stored as text: nothing to report."""
    if hint in ("date", "date_of_birth") and _share(_YEAR, values) >= VALUE_SHARE:
        return Evidence(quasi="date", notes=["year only (allowed by Safe Harbor)"])
    if _share(_DECIMAL, values) >= VALUE_SHARE:
        return Evidence()  # measurements stored as text
    return None


def _free_text_evidence(
    values: list[str], unique_share: float, hint: str | None
) -> Evidence | None:
    """Long, mostly distinct text, and what it contains (e-mails, phone numbers, dates...)."""
    words = [len(_WORD.findall(v)) for v in values]
    mean_words = float(np.mean(words))
    long_text = mean_words >= 5 and np.median([len(v) for v in values]) >= 25
    if not (long_text and (unique_share >= 0.5 or hint == "free_text")):
        return None
    ev = Evidence(
        "free_text",
        f"free text: the values hold {mean_words:.0f} words on average and "
        f"{_pct(unique_share)} of them are distinct",
    )
    inside = []
    for what, pat in (
        ("e-mail addresses", _EMAIL_IN),
        ("web addresses", _URL_IN),
        ("phone numbers", _PHONE_IN),
        ("dates", _DATE_IN),
        ("street addresses", _STREET),
    ):
        k = sum(1 for v in values if pat.search(v))
        if k:
            inside.append(f"{what} in {k} of {len(values)}")
    if inside:
        ev.reason += "; it contains " + ", ".join(inside)
    return ev


def _code_evidence(values: list[str], unique_share: float, hint: str | None) -> Evidence | None:
    """A near-unique column (not sequences): accessions, record numbers or other codes."""
    if _SEQUENCE.match(values[0]) or _share(_SEQUENCE, values) >= 0.5:
        return None
    s_long = _share(_LONG_DIGIT_ID, values)
    s_acc = _share(_ACCESSION, values)
    if s_acc >= VALUE_SHARE:
        return Evidence(
            "unique_id",
            f"{_pct(unique_share)} of the values are distinct: public database accessions "
            f"(e.g. {_examples(values, _ACCESSION)}), a code for each row",
        )
    if s_long >= VALUE_SHARE:
        reason = (
            f"{_pct(unique_share)} of the values are distinct and they look like record "
            f"numbers, with a run of 5 or more digits (e.g. {_examples(values)})"
        )
        if hint == "record_number":
            reason += "; the column name agrees"
        return Evidence("record_number", reason)
    if hint == "record_number":  # a short code: more likely one the study assigned
        return Evidence(
            "unique_id",
            f"the column name suggests a patient or record number and {_pct(unique_share)} "
            f"of the values are distinct codes (e.g. {_examples(values)})",
        )
    return Evidence(
        "unique_id",
        f"{_pct(unique_share)} of the values are distinct (e.g. {_examples(values)}): "
        "it singles out each row",
    )


def _first_token(v: str) -> str:
    if "," in v:  # 'Last, First'
        v = v.split(",", 1)[1]
    v = re.sub(r"^(?:dr|mr|mrs|ms|prof)\.?\s+", "", v.strip(), flags=re.I)
    return v.split()[0].lower() if v.split() else ""


def numeric_evidence(col: pd.Series, hint: str | None, qhint: str | None) -> Evidence:
    """Numbers are looked at only when the column name hints at an identifier."""
    ev = Evidence()
    x = col.to_numpy(dtype=float, na_value=np.nan)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return ev
    integer = bool(np.all(x == np.round(x)))
    if qhint == "age" and hint is None:
        old = x[(x > 89) & (x <= 130)]
        if old.size:
            ev.kind = "age_over_89"
            ev.reason = (
                f"{old.size} value(s) of this age column are over 89 (up to {old.max():.0f}); "
                "Safe Harbor allows ages up to 89 only, with older ages grouped"
            )
        return ev
    if not integer or hint is None:
        return ev
    digits = np.floor(np.log10(np.maximum(np.abs(x), 1))) + 1
    unique_share = len(np.unique(x)) / x.size
    if hint == "zip":
        if np.median(digits) >= 4:  # leading zeros are lost in numbers: 02139 -> 2139
            ev.kind, ev.quasi = "zip", "zip"
            ev.reason = (
                "the column name says ZIP/postcode and the values are 4-5 digit numbers "
                f"(e.g. {int(x[0])})"
            )
        else:
            ev.quasi = "zip"
        return ev
    if hint in ("phone", "fax") and np.median(digits) >= 7:
        ev.kind = hint
        ev.reason = (
            f"the column name says {hint} and the values are {int(np.median(digits))}-digit numbers"
        )
    elif hint == "ssn" and np.median(digits) >= 8:
        ev.kind = "ssn"
        ev.reason = "the column name says social security number and the values are 9-digit numbers"
    elif hint in ("date", "date_of_birth"):
        s = np.mean([bool(_COMPACT_DATE.match(str(int(v)))) for v in x[:SAMPLE_VALUES]])
        if bool(np.all((x >= 1800) & (x <= 2100))):
            ev.quasi = "date"
            ev.notes.append("year only (allowed by Safe Harbor)")
        elif s >= VALUE_SHARE:
            ev.kind, ev.quasi = hint, "date"
            ev.reason = (
                f"{_pct(s)} of the values are full dates written as YYYYMMDD (e.g. {int(x[0])})"
            )
    elif (
        hint
        in (
            "record_number",
            "health_plan_number",
            "account_number",
            "license_number",
            "device_id",
            "vehicle_id",
        )
        and unique_share >= NEAR_UNIQUE
        and x.size >= MIN_ROWS_FOR_UNIQUE
    ):
        ev.kind = hint
        ev.reason = (
            f"the column name says {KIND_LABELS[hint]} and {_pct(unique_share)} of the numbers "
            "are distinct"
        )
    return ev


def datetime_evidence(col: pd.Series, hint: str | None) -> Evidence:
    import pandas as pd

    ev = Evidence(quasi="date")
    d = pd.to_datetime(col.dropna(), errors="coerce").dropna()
    if d.empty:
        return ev
    if bool(((d.dt.month == 1) & (d.dt.day == 1) & (d.dt.hour == 0)).all()):
        ev.notes.append("year only (allowed by Safe Harbor)")
        return ev
    ev.kind = "date_of_birth" if hint == "date_of_birth" else "date"
    precision = "day" if (d.dt.day != 1).any() else "month"
    ev.reason = f"the values are dates with the {precision} (e.g. '{d.iloc[0].date()}')"
    if hint == "date_of_birth":
        ev.reason += ", and the column name says date of birth"
    return ev
