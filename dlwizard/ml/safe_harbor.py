"""The HIPAA Safe Harbor checklist (45 CFR 164.514(b)(2)) in plain words, and for each kind of
identifier the identifier scan reports: its label, its Safe Harbor category and what to do."""

from __future__ import annotations

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


def safe_harbor_category(kind: str) -> str:
    """The Safe Harbor category of a kind, numbered as in the rule."""
    if kind == "free_text":
        return "Any of the 18 (free text can hold names, dates, places and numbers)"
    i = _CATEGORY[kind]
    return f"{i}. {SAFE_HARBOR[i - 1]}"
