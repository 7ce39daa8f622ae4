"""Identifier scan: columns that could name a person, and combinations that could single one out.

Rule-based on purpose: every finding says which rule fired, on how many of the values, so a
biologist can check it and a reviewer can reproduce it. The checklist is the HIPAA Safe Harbor
list of 18 identifiers (45 CFR 164.514(b)(2)), kept below in plain words.

Evidence. The values are the strong evidence (e.g. "93 % of the values look like e-mail
addresses"); the column name alone is a weaker hint, reported only when the values say nothing
else, and the reason says so ("from the column name only"). Text values are read from a sample of
at most :data:`SAMPLE_VALUES` non-missing values per column (the share of distinct values uses the
whole column).

Numbers. A numeric column is only looked at when its name hints at an identifier (age, ZIP,
phone, record number, date of birth...). Without such a name, numbers are never flagged: a count
matrix is full of near-unique integers and of values that look like ZIP codes or phone numbers,
and a float measurement cannot be a name, an address or an e-mail. That is what keeps a
1,000 × 20,000 expression matrix fast (only the names are read) and free of false alarms.

Quasi-identifiers are columns that are harmless alone but together can single a person out (age,
sex, ZIP code, ethnicity, dates...). For their combinations the scan reports k, the smallest
number of rows sharing one combination of values (k-anonymity, Sweeney 2002): k = 1 means some
person is the only one with that combination, so anyone who knows those few facts about them
finds their row.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class IdentifierHit:
    """A column that looks like it identifies people (the privacy step stores it in the Study)."""

    column: str
    kind: str  # e.g. "name", "date_of_birth", "record_number", "phone", "email", "zip"
    reason: str
    suggestion: str
    safe_harbor: str = ""  # the HIPAA Safe Harbor category it falls under
    used_as_feature: bool = False


@dataclass
class QuasiIdentifier:
    """A combination of columns and k, the fewest rows sharing one combination of values."""

    columns: list[str]
    smallest_group: int
    n_unique_rows: int = 0
    suggestion: str = ""


SAMPLE_VALUES = 2000
NEAR_UNIQUE = 0.9  # share of distinct values above which a text column acts as an ID
MIN_ROWS_FOR_UNIQUE = 10  # in a tiny table every column is "unique"
VALUE_SHARE = 0.5  # share of sampled values that must match a pattern for a value-based hit
K_ANONYMITY = 5  # combinations shared by fewer rows than this are reported
MAX_QUASI_COLUMNS = 12  # combinations of up to 3 among these (298 at most)
MAX_COMBO = 3

# The HIPAA Safe Harbor identifiers, in the order of the rule, in plain words.
SAFE_HARBOR: tuple[str, ...] = (
    "Names",
    "Places smaller than a state: street address, city, county, ZIP code (the first three "
    "digits of a ZIP code are allowed when that area has more than 20,000 people)",
    "Dates about a person other than the year (birth, admission, discharge, death), and "
    "ages over 89",
    "Telephone numbers",
    "Fax numbers",
    "E-mail addresses",
    "Social Security numbers",
    "Medical record numbers",
    "Health plan beneficiary numbers",
    "Account numbers",
    "Certificate and licence numbers",
    "Vehicle identifiers and serial numbers, including licence plates",
    "Device identifiers and serial numbers",
    "Web addresses (URLs)",
    "Internet protocol (IP) addresses",
    "Biometric identifiers, including finger and voice prints",
    "Full-face photographs and comparable images",
    "Any other unique identifying number, characteristic or code",
)

# kind -> position in SAFE_HARBOR (1-based); free text may hold any of them
_CATEGORY: dict[str, int] = {
    "name": 1, "address": 2, "zip": 2, "date_of_birth": 3, "date": 3, "age_over_89": 3,
    "phone": 4, "fax": 5, "email": 6, "ssn": 7, "record_number": 8, "health_plan_number": 9,
    "account_number": 10, "license_number": 11, "vehicle_id": 12, "device_id": 13, "url": 14,
    "ip_address": 15, "biometric": 16, "photo": 17, "unique_id": 18, "place": 2,
}  # fmt: skip

KIND_LABELS: dict[str, str] = {
    "name": "person names", "address": "postal addresses", "zip": "ZIP or postal codes",
    "date_of_birth": "dates of birth", "date": "full dates", "age_over_89": "ages over 89",
    "phone": "telephone numbers", "fax": "fax numbers", "email": "e-mail addresses",
    "ssn": "Social Security numbers", "record_number": "medical record or patient numbers",
    "health_plan_number": "health plan numbers", "account_number": "account numbers",
    "license_number": "certificate or licence numbers", "vehicle_id": "vehicle identifiers",
    "device_id": "device serial numbers", "url": "web addresses", "ip_address": "IP addresses",
    "biometric": "biometric identifiers", "photo": "photographs", "free_text": "free text",
    "unique_id": "a near-unique code", "place": "places smaller than a state (city, county)",
}  # fmt: skip

# Kinds that point at a living person whatever the data are about (the collector's name or
# e-mail in a field table): they count even when the answers say the data are not from people.
# The other kinds (dates, places, ZIP codes, ages, record numbers and other codes, free text)
# and k-anonymity are rules about the people the data come from.
ABOUT_A_PERSON = frozenset({"name", "email", "phone", "fax", "ssn"})

_DROP = (
    "Drop this column before the data or the model leave your hands; it has no place in a model."
)
SUGGESTIONS: dict[str, str] = {
    "name": "Drop this column. If you need to tell people apart, replace names by a study code "
    "(P001, P002...) kept with the key in a separate, locked file, and mark the code as the "
    "subject or sample ID.",
    "address": "Drop the street address. If place matters, keep only a coarse region (the state, "
    "or the first three digits of the ZIP code).",
    "place": "Replace it by the state or a larger region, or drop it.",
    "zip": "Keep only the first three digits of the ZIP code (use 000 for the areas of 20,000 "
    "people or fewer), or a larger region; or drop the column.",
    "date_of_birth": "Keep only the year of birth, or the age in years (with every age over 89 "
    "grouped as '90 or older'), and drop the full date.",
    "date": "Keep only the year, or replace the date by a time difference (e.g. days since the "
    "person's first visit); drop the full date. If it is only a lab processing date, a batch "
    "label (e.g. 'run 3') keeps what matters.",
    "age_over_89": "Group every age above 89 into one '90 or older' value, or use age bands "
    "(e.g. 5-year bands).",
    "phone": _DROP,
    "fax": _DROP,
    "email": _DROP,
    "ssn": _DROP,
    "record_number": "Replace it with a study code that is not derived from the record number "
    "(keep the key separately), mark that code as the subject or sample ID, and drop this "
    "column. Never use it as a feature.",
    "health_plan_number": _DROP,
    "account_number": _DROP,
    "license_number": _DROP,
    "vehicle_id": _DROP,
    "device_id": _DROP,
    "url": _DROP,
    "ip_address": _DROP,
    "biometric": "Drop it, or check with your data protection officer: biometric data identify a "
    "person by themselves.",
    "photo": "Drop it, or use only images without faces and without names in their file names "
    "or metadata.",
    "free_text": "Drop the free-text column, or extract the few facts you need into coded "
    "columns (yes/no, categories); free text often hides names, dates and places.",
    "unique_id": "If this is a code your lab assigned (not derived from a name, date or hospital "
    "number), mark it as the sample ID (or subject); otherwise drop it or set its role to "
    "'ignore'. A unique code must never be a feature.",
}

# ---------------------------------------------------------------------------------------------
# column names

_NAME_TOKENS_NOT_PERSON = {
    "gene", "genes", "sample", "samples", "file", "filename", "probe", "cell", "drug", "strain",
    "species", "compound", "protein", "feature", "site", "study", "batch", "plate", "project",
    "group", "class", "column", "variable", "tissue", "organism", "cohort", "dataset", "center",
    "centre", "hospital", "lab", "array", "chip", "user", "host", "model", "run", "experiment",
    "treatment", "condition", "cluster", "pathway", "marker", "antibody", "instrument", "method",
    "clinic", "institution", "country", "city", "state", "region", "test", "assay", "chemical",
}  # fmt: skip
_BIRTH_NOT_DATE = {
    "year", "yr", "weight", "wt", "length", "order", "place", "country", "city", "rank", "size",
    "height", "type", "mode", "cohort", "control", "season", "month",
}  # fmt: skip
_NUMBER_TOKENS = {"number", "num", "no", "nr", "id", "code", "nbr", "identifier", "ident"}
_DATE_EVENT_TOKENS = {
    "admission", "admitted", "discharge", "discharged", "death", "died", "deceased", "visit",
    "surgery", "diagnosis", "enrollment", "enrolment", "consent", "collection", "sampling",
}  # fmt: skip
# A fast first pass over every column name: names without any of these stems need no tokenising.
_NAME_PREFILTER = re.compile(
    r"name|birth|dob|born|date|age|sex|gender|race|ethnic|ancestr|zip|post|plz|addr|street|city|"
    r"town|county|residen|phone|tel|mobile|fax|mail|ssn|social|mrn|record|patient|hospital|"
    r"chart|case|nhs|insur|benefic|medic|account|iban|acct|licen|certif|vehicle|vin|plate|serial|"
    r"imei|mac|device|url|web|link|uri|homepage|ip|finger|voice|retina|biometr|photo|face|"
    r"portrait|note|comment|remark|narrative|text|marital|occupation|job|profession|country|"
    r"state|region|year|yob|admi|discharg|death|visit"
)  # case-sensitive on the lower-cased name: IGNORECASE makes it ten times slower


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


def name_hint(name: str) -> str | None:
    """The identifier kind a column name suggests, or None."""
    if not _NAME_PREFILTER.search(name.lower()):
        return None
    tok = _tokens(name)
    ts = set(tok)
    joined = "".join(tok)
    if ts & {"email", "mail"} or "email" in joined:
        return "email"
    if ts & {"ipaddress", "ipv4", "ipv6"} or (
        "ip" in ts and (len(ts) == 1 or ts & {"address", "addr"})
    ):
        return "ip_address"
    if ts & {"url", "website", "homepage", "uri", "weblink"}:
        return "url"
    if "fax" in ts:
        return "fax"
    if (
        ts & {"phone", "telephone", "tel", "mobile", "cellphone", "phonenumber"}
        or "phone" in joined
    ):
        return "phone"
    if ts & {"ssn", "sin"} or "socialsecurity" in joined:
        return "ssn"
    if ts & {"dob", "birthdate", "birthday", "dateofbirth"} or (
        "birth" in ts and ts & {"date", "day", "dt"}
    ):
        return "date_of_birth"
    if ts & {"birth", "born"} and not ts & _BIRTH_NOT_DATE:
        return "date_of_birth"
    if ts & {"mrn", "nhs", "medicalrecord"} or (
        ts & {"record", "patient", "hospital", "chart", "case", "medical"} and ts & _NUMBER_TOKENS
    ):
        return "record_number"
    if ts & {"insurance", "beneficiary", "medicare", "medicaid"} or "healthplan" in joined:
        return "health_plan_number"
    if ts & {"account", "iban", "acct"}:
        return "account_number"
    if ts & {"license", "licence", "certificate"} and "plate" not in ts:
        return "license_number"
    if ts & {"vehicle", "vin"} or "licenseplate" in joined or "licenceplate" in joined:
        return "vehicle_id"
    if ts & {"serial", "imei", "serialnumber"} or (ts & {"device", "mac"} and ts & _NUMBER_TOKENS):
        return "device_id"
    if ts & {"fingerprint", "voiceprint", "retina", "biometric", "biometrics"}:
        return "biometric"
    if ts & {"photo", "photograph", "face", "portrait", "selfie", "headshot"}:
        return "photo"
    if ts & {"zip", "zipcode", "postcode", "postal", "plz", "postalcode"}:
        return "zip"
    if ts & {"address", "street", "addr"} and not ts & {"ip", "mac", "email"}:
        return "address"
    if ts & {"city", "town", "county", "municipality", "precinct", "residence", "village"}:
        return "place"
    if ts & {"surname", "forename", "firstname", "lastname", "fullname", "givenname"} or (
        ts & {"name", "names"} and not ts & _NAME_TOKENS_NOT_PERSON
    ):
        return "name"
    if ts & {"notes", "note", "comment", "comments", "remark", "remarks", "narrative"} or (
        "free" in ts and "text" in ts
    ):
        return "free_text"
    if ts & {"date", "datetime", "timestamp"} or (ts & _DATE_EVENT_TOKENS and ts & {"dt", "day"}):
        return "date"
    return None


def quasi_hint(name: str) -> str | None:
    """The quasi-identifier category a column name suggests (age, sex, zip...), or None."""
    if not _NAME_PREFILTER.search(name.lower()):
        return None
    ts = set(_tokens(name))
    joined = "".join(_tokens(name))
    if ts & {"yob", "birthyear"} or ("birth" in ts and "year" in ts):
        return "birth_year"
    if ts & {"dob", "birthdate", "birthday", "dateofbirth"} or (
        ts & {"birth", "born"} and not ts & _BIRTH_NOT_DATE
    ):
        return "date"
    if ts & {"age", "ageyears", "ageatdiagnosis", "ageatbaseline"} or joined.startswith("ageat"):
        return "age"
    if ts & {"sex", "gender"}:
        return "sex"
    if ts & {"ethnicity", "ethnic", "race", "ancestry", "ethnicgroup"}:
        return "ethnicity"
    if ts & {"zip", "zipcode", "postcode", "postal", "plz", "postalcode"}:
        return "zip"
    if ts & {"city", "town", "county", "municipality", "residence", "district"}:
        return "geography"
    if ts & {"marital", "maritalstatus"}:
        return "marital_status"
    if ts & {"occupation", "profession", "job"}:
        return "occupation"
    if ts & {"date", "datetime"} or (ts & _DATE_EVENT_TOKENS and ts & {"dt", "day"}):
        return "date"
    return None


# ---------------------------------------------------------------------------------------------
# values

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
class _Evidence:
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


def _sample(col: pd.Series, rng: np.random.Generator) -> pd.Series:
    col = col.dropna()
    if len(col) > SAMPLE_VALUES:
        col = col.iloc[np.sort(rng.choice(len(col), SAMPLE_VALUES, replace=False))]
    return col


def _text_evidence(values: list[str], unique_share: float, n: int, hint: str | None) -> _Evidence:
    """Classify a text column from its sampled values (strings, stripped, non-empty)."""
    ev = _Evidence()
    if not values:
        return ev
    near_unique = unique_share >= NEAR_UNIQUE and n >= MIN_ROWS_FOR_UNIQUE
    checks: list[tuple[str, re.Pattern[str], str]] = [
        ("email", _EMAIL, "e-mail addresses"),
        ("url", _URL, "web addresses"),
        ("ip_address", _IPV4, "IP addresses"),
        ("ssn", _SSN, "Social Security numbers (ddd-dd-dddd)"),
    ]
    for kind, pat, what in checks:
        s = _share(pat, values)
        if s >= VALUE_SHARE:
            ev.kind = kind
            ev.reason = f"{_pct(s)} of the values look like {what} (e.g. {_examples(values, pat)})"
            return ev
    s = _share(_IPV6, values)
    if s >= VALUE_SHARE and sum(v.count(":") for v in values) >= 2 * len(values):
        ev.kind, ev.reason = "ip_address", f"{_pct(s)} of the values look like IPv6 addresses"
        return ev

    s_date = _share(_FULL_DATE, values)
    s_month = _share(_MONTH_YEAR, values)
    s_compact = _share(_COMPACT_DATE, values) if hint in ("date", "date_of_birth") else 0.0
    if max(s_date, s_compact) >= VALUE_SHARE or s_date + s_month >= VALUE_SHARE:
        ev.kind = "date_of_birth" if hint == "date_of_birth" else "date"
        ev.quasi = "date"
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

    s = _share(_PHONE, values)
    if s >= VALUE_SHARE:
        digits = [sum(c.isdigit() for c in v) for v in values if _PHONE.match(v)]
        if np.median(digits) >= (7 if hint in ("phone", "fax") else 9):
            ev.kind = "fax" if hint == "fax" else "phone"
            ev.reason = (
                f"{_pct(s)} of the values look like telephone numbers "
                f"(e.g. {_examples(values, _PHONE)})"
            )
            return ev

    s9 = _share(_ZIP9, values)
    s5 = _share(_ZIP5, values)
    s_post = _share(_POSTCODE, values)
    if s9 >= VALUE_SHARE or (s5 + s9 >= VALUE_SHARE and (hint == "zip" or not near_unique)):
        ev.kind, ev.quasi = "zip", "zip"
        ev.reason = (
            f"{_pct(s5 + s9)} of the values look like full 5-digit ZIP codes "
            f"(e.g. {_examples(values, _ZIP5 if s5 >= s9 else _ZIP9)})"
        )
        return ev
    if s_post >= VALUE_SHARE:
        ev.kind, ev.quasi = "zip", "zip"
        ev.reason = (
            f"{_pct(s_post)} of the values look like full postcodes "
            f"(e.g. {_examples(values, _POSTCODE)})"
        )
        return ev
    if hint == "zip" and _share(_ZIP3, values) >= VALUE_SHARE:
        ev.quasi = "zip"  # 3-digit prefixes: allowed, but still a quasi-identifier
        ev.notes.append("3-digit ZIP prefixes (allowed by Safe Harbor)")
        return ev

    s = _share(_STREET, values, search=True)
    if s >= VALUE_SHARE:
        ev.kind = "address"
        ev.reason = f"{_pct(s)} of the values look like street addresses (e.g. {_examples(values)})"
        return ev

    low = {v.lower() for v in values}
    if low <= _SEX_VALUES | _SEX_EXTRA and len(low & _SEX_VALUES) >= 2:
        ev.quasi = "sex"
        return ev

    # person names: 'First Last' (or 'Last, First'), diverse, often with a common first name
    person = [v for v in values if _PERSON.match(v)]
    s = len(person) / len(values)
    distinct = len(set(person))
    # Names are mostly distinct; a category such as 'Lymph Node' repeats over many rows.
    if s >= VALUE_SHARE and distinct >= 0.3 * len(person):
        first = sum(1 for v in person if _first_token(v) in _FIRST_NAMES) / len(person)
        if first >= 0.1 or hint == "name" or distinct >= 0.8 * len(person):
            ev.kind = "name"
            ev.reason = (
                f"{_pct(s)} of the values look like person names (capitalised words, e.g. "
                f"{_examples(person)})"
            )
            ev.reason += (
                f"; {_pct(first)} start with a common first name"
                if first >= 0.1
                else "; few start with a common first name, so check"
            )
            if hint == "name":
                ev.reason += "; the column name agrees"
            return ev
    elif hint == "name" and _share(_SINGLE_NAME, values) >= VALUE_SHARE:
        first = sum(1 for v in values if v.lower() in _FIRST_NAMES) / len(values)
        if first >= 0.2:
            ev.kind = "name"
            ev.reason = (
                f"the column name says name and {_pct(first)} of the values are common first "
                f"names (e.g. {_examples(values, _SINGLE_NAME)})"
            )
            return ev

    if hint in ("date", "date_of_birth") and _share(_YEAR, values) >= VALUE_SHARE:
        ev.quasi = "date"
        ev.notes.append("year only (allowed by Safe Harbor)")
        return ev
    if _share(_DECIMAL, values) >= VALUE_SHARE:
        return ev  # measurements stored as text

    words = [len(_WORD.findall(v)) for v in values]
    mean_words = float(np.mean(words))
    long_text = mean_words >= 5 and np.median([len(v) for v in values]) >= 25
    if long_text and (unique_share >= 0.5 or hint == "free_text"):
        ev.kind = "free_text"
        ev.reason = (
            f"free text: the values hold {mean_words:.0f} words on average and "
            f"{_pct(unique_share)} of them are distinct"
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

    if near_unique and not _SEQUENCE.match(values[0]) and _share(_SEQUENCE, values) < 0.5:
        s_long = _share(_LONG_DIGIT_ID, values)
        s_acc = _share(_ACCESSION, values)
        if s_acc >= VALUE_SHARE:
            ev.kind = "unique_id"
            ev.reason = (
                f"{_pct(unique_share)} of the values are distinct: public database accessions "
                f"(e.g. {_examples(values, _ACCESSION)}), a code for each row"
            )
        elif s_long >= VALUE_SHARE:
            ev.kind = "record_number"
            ev.reason = (
                f"{_pct(unique_share)} of the values are distinct and they look like record "
                f"numbers, with a run of 5 or more digits (e.g. {_examples(values)})"
            )
            if hint == "record_number":
                ev.reason += "; the column name agrees"
        elif hint == "record_number":
            ev.kind = "unique_id"  # a short code: more likely one the study assigned
            ev.reason = (
                f"the column name suggests a patient or record number and {_pct(unique_share)} "
                f"of the values are distinct codes (e.g. {_examples(values)})"
            )
        else:
            ev.kind = "unique_id"
            ev.reason = (
                f"{_pct(unique_share)} of the values are distinct (e.g. {_examples(values)}): "
                "it singles out each row"
            )
    return ev


def _first_token(v: str) -> str:
    if "," in v:  # 'Last, First'
        v = v.split(",", 1)[1]
    v = re.sub(r"^(?:dr|mr|mrs|ms|prof)\.?\s+", "", v.strip(), flags=re.I)
    return v.split()[0].lower() if v.split() else ""


def _numeric_evidence(col: pd.Series, hint: str | None, qhint: str | None) -> _Evidence:
    """Numbers are looked at only when the column name hints at an identifier."""
    ev = _Evidence()
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


def _datetime_evidence(col: pd.Series, hint: str | None) -> _Evidence:
    import pandas as pd

    ev = _Evidence(quasi="date")
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


# ---------------------------------------------------------------------------------------------
# the scan


def scan(
    table: pd.DataFrame, roles: dict[str, str] | None = None, *, seed: int = 0
) -> tuple[list[IdentifierHit], list[QuasiIdentifier]]:
    """Identifier-like columns and risky quasi-identifier combinations of a table.

    ``roles`` maps a column to its role (feature, sample_id, subject, sensitive, target,
    ignore...); a hit on a column whose role is 'feature' has ``used_as_feature`` set and comes
    first. Columns already marked as the sample ID, the subject or ignored get no hint that only
    says "this looks like an ID" (that is done), but still get hits for what their values show.
    Hits come in table order within (used as feature, from the values, from the name only).
    """
    hits, quasi = _scan_columns(table, roles or {}, seed)
    return hits, quasi_identifiers(table, quasi)


def quasi_columns(
    table: pd.DataFrame, roles: dict[str, str] | None = None, *, seed: int = 0
) -> dict[str, str]:
    """The quasi-identifier columns and their category (age, sex, zip, date, ethnicity...)."""
    return _scan_columns(table, roles or {}, seed)[1]


def scan_columns(
    table: pd.DataFrame, roles: dict[str, str] | None = None, *, seed: int = 0
) -> tuple[list[IdentifierHit], dict[str, str]]:
    """Per column: identifier hits, and the quasi-identifier category (no combinations).

    Used at metadata time, so identifying columns are set aside before anything is modelled.
    """
    return _scan_columns(table, roles or {}, seed)


def _scan_columns(
    table: pd.DataFrame, roles: dict[str, str], seed: int
) -> tuple[list[IdentifierHit], dict[str, str]]:
    rng = np.random.default_rng(seed)
    hits: list[IdentifierHit] = []
    strong: set[str] = set()
    quasi: dict[str, str] = {}  # column -> category, in table order
    for position, (name, dtype) in enumerate(zip(table.columns.tolist(), table.dtypes.tolist())):
        label = str(name)
        if _NAME_PREFILTER.search(label.lower()):
            hint, qhint = name_hint(label), quasi_hint(label)
        else:
            hint = qhint = None
        kind_code = getattr(dtype, "kind", "O")
        numeric = kind_code in "biufc"
        if numeric and hint is None and qhint is None:
            continue  # the fast path: a plain measurement
        col = table.iloc[:, position]
        if numeric:
            ev = _numeric_evidence(col, hint, qhint) if kind_code != "b" else _Evidence()
        elif kind_code == "M":
            ev = _datetime_evidence(col, hint)
        else:
            sample = _sample(col, rng)
            values = [v for v in (str(x).strip() for x in sample) if v]
            n = int(col.notna().sum())
            try:
                n_unique = int(col.nunique())
            except TypeError:  # unhashable cells (lists...): count their text
                n_unique = len(set(values))
            unique_share = n_unique / n if n else 0.0
            ev = _text_evidence(values, unique_share, n, hint)
        role = roles.get(label)
        settled = ev.kind == "unique_id" and role in ("sample_id", "subject", "ignore")
        if settled:
            ev.kind = None  # the user has already said what it is
        category = ev.quasi or qhint
        if category is not None and ev.kind not in ("name", "email", "phone", "fax", "ssn", "url"):
            quasi[label] = category
        if ev.kind is not None:
            strong.add(label)
            hits.append(_hit(label, ev.kind, ev.reason, role))
        elif hint is not None and not settled and not _weak_hint_settled(hint, role, ev):
            hits.append(_hit(label, hint, _weak_reason(hint, ev, col), role))
    hits.sort(key=lambda h: (not h.used_as_feature, h.column not in strong))
    return hits, quasi


# kinds that no value pattern recognises: the column name is all the scan has
_NAME_ONLY_KINDS = {
    "place", "health_plan_number", "account_number", "license_number", "vehicle_id",
    "device_id", "biometric", "photo",
}  # fmt: skip


def _weak_hint_settled(hint: str, role: str | None, ev: _Evidence) -> bool:
    """Whether a name-only hint needs no message."""
    if hint in ("record_number", "unique_id") and role in ("sample_id", "subject", "ignore"):
        return True
    if hint == "zip" and ev.quasi == "zip":
        return True  # 3-digit prefixes
    return hint in ("date", "date_of_birth") and ev.quasi == "date"  # year only


def _weak_reason(hint: str, ev: _Evidence, col: pd.Series) -> str:
    if hint in _NAME_ONLY_KINDS:
        return (
            f"from the column name only: it suggests {KIND_LABELS[hint]}, which no rule can "
            "recognise from the values. Check the column"
        )
    if col.notna().sum() == 0:
        seen = "the column is empty"
    else:
        first = str(col.dropna().iloc[0])
        seen = f"the values (e.g. '{first[:30]}') do not look like {KIND_LABELS[hint]}"
    return (
        f"from the column name only: it suggests {KIND_LABELS[hint]}, but {seen}. "
        "Check the column; if it holds no such information, this hint can be ignored"
    )


def _hit(column: str, kind: str, reason: str, role: str | None) -> IdentifierHit:
    used = role == "feature"
    suggestion = SUGGESTIONS[kind]
    if used:
        suggestion = (
            "This column is used as a feature now: change its role to 'ignore' (or remove it) "
            "before training. " + suggestion
        )
    if kind == "free_text":
        safe_harbor = "Any of the 18 (free text can hold names, dates, places and numbers)"
    else:
        i = _CATEGORY[kind]
        safe_harbor = f"{i}. {SAFE_HARBOR[i - 1]}"
    return IdentifierHit(
        column=column,
        kind=kind,
        safe_harbor=safe_harbor,
        reason=reason[:1].upper() + reason[1:] + ".",
        suggestion=suggestion,
        used_as_feature=used,
    )


def _codes(table: pd.DataFrame, column: str) -> tuple[np.ndarray, int]:
    import pandas as pd

    position = [str(c) for c in table.columns].index(column)
    codes, uniques = pd.factorize(table.iloc[:, position], use_na_sentinel=False)
    return codes.astype(np.int64), max(len(uniques), 1)


def smallest_group(codes: list[tuple[np.ndarray, int]]) -> tuple[int, int]:
    """k (the fewest rows sharing one combination) and the number of rows alone in theirs."""
    key = np.zeros(len(codes[0][0]), dtype=np.int64)
    for c, n in codes:
        key = key * n + c
        key = np.unique(key, return_inverse=True)[1].astype(np.int64)  # keeps the key small
    counts = np.bincount(key)
    counts = counts[counts > 0]
    return int(counts.min()), int((counts == 1).sum())


def quasi_identifiers(
    table: pd.DataFrame, columns: dict[str, str], k: int = K_ANONYMITY
) -> list[QuasiIdentifier]:
    """k-anonymity of quasi-identifier combinations.

    Reports every *minimal* combination of up to three quasi-identifiers whose smallest group is
    below ``k`` (minimal: no smaller part of it is already below ``k``; adding columns can only
    shrink groups, so the larger combinations would repeat the same news), sorted by k, then by
    the number of columns. When none is below ``k``, the combination of all quasi-identifiers
    together is reported instead with its k (the table's k-anonymity), so an all-clear shows
    its figure too; it may itself be below ``k`` when there are more than three.
    """
    names = list(columns)[:MAX_QUASI_COLUMNS]
    if not names or len(table) == 0:
        return []
    codes = {c: _codes(table, c) for c in names}
    found: list[QuasiIdentifier] = []
    below: list[frozenset[str]] = []
    for size in range(1, min(MAX_COMBO, len(names)) + 1):
        for combo in itertools.combinations(names, size):
            members = frozenset(combo)
            if any(b <= members for b in below):
                continue
            kmin, alone = smallest_group([codes[c] for c in combo])
            if kmin < k:
                below.append(members)
                found.append(
                    QuasiIdentifier(columns=list(combo), smallest_group=kmin, n_unique_rows=alone)
                )
    if not found:  # all clear: say so with the table's k
        kmin, alone = smallest_group([codes[c] for c in names])
        found.append(QuasiIdentifier(columns=names, smallest_group=kmin, n_unique_rows=alone))
    found.sort(key=lambda q: (q.smallest_group, len(q.columns)))
    return found


def quasi_suggestion(
    q: QuasiIdentifier, categories: dict[str, str] | None = None, k: int = K_ANONYMITY
) -> str:
    """Plain words for one quasi-identifier combination: what it means and what to coarsen.

    ``categories`` (column -> age, sex, zip, date...) improves the advice when a column's name
    does not say what it holds; by default the category is read from the name.
    """
    categories = categories or {}
    cols = " × ".join(q.columns)
    if q.smallest_group >= k:
        return (
            f"{cols}: every combination is shared by at least {q.smallest_group} rows, "
            "so these columns together do not single anyone out."
        )
    who = (
        f"{q.n_unique_rows} row(s) are the only one with their combination"
        if q.n_unique_rows
        else f"some combinations are shared by only {q.smallest_group} rows"
    )
    tips = []
    for c in q.columns:
        cat = categories.get(c) or quasi_hint(c)
        if cat == "age":
            tips.append(f"put {c} into 5- or 10-year bands")
        elif cat == "zip":
            tips.append(f"keep only the first three digits of {c}")
        elif cat in ("date", "birth_year"):
            tips.append(f"keep only the year of {c} (or wider periods)")
        elif cat == "geography":
            tips.append(f"replace {c} by a larger region")
    tip = "; ".join(tips) if tips else "merge rare categories or drop one of the columns"
    return (
        f"{cols}: {who}; anyone who knows these facts about a person could find their row. "
        f"Coarsen before sharing: {tip}."
    )
