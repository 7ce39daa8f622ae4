"""What a column name suggests: an identifier kind (e-mail, phone, record number...) or a
quasi-identifier category (age, sex, ZIP code...). A name is only a hint; the values decide
wherever they can (:mod:`dlwizard.ml.identifier_values`)."""

from __future__ import annotations

import re

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


def name_hints(name: str) -> tuple[str | None, str | None]:
    """(:func:`name_hint`, :func:`quasi_hint`) of a name; most names (genes) need one search."""
    if not _NAME_PREFILTER.search(name.lower()):
        return None, None
    return name_hint(name), quasi_hint(name)
