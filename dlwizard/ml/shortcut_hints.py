"""What a column's name (and values) hint for the single-feature screen: where, when or how the
samples were collected (a place, a batch, a date), or a follow-up time. Hints only: they set how
strong an association must be before it is reported, never flag anything alone."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

_PLACE_BATCH_TIME = {
    "site", "sites", "center", "centre", "location", "loc", "hospital", "clinic", "country",
    "city", "region", "province", "county", "place", "plate", "batch", "run", "lane", "flowcell",
    "chip", "slide", "date", "year", "month", "season", "collection", "collected", "cohort",
    "study", "lab", "laboratory", "instrument", "scanner", "machine", "operator",
    "week", "visit", "facility", "institution", "ward", "centre_id", "seq", "sequencer",
}  # fmt: skip
_PLACE_PREFIXES = ("hospital", "collect", "location", "institut", "laborator", "countr")
_VALUE_HINT = re.compile(
    r"^\s*(plate|batch|run|lane|chip|site|cent(er|re)|hospital|clinic|lab|flowcell|slide|"
    r"array|well|box|rack|kit|lot|visit|week|day|wave|cohort|study)[\s_\-#.:]*[a-z]?\d+\s*$",
    re.IGNORECASE,
)
_DATE_VALUE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|"
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*[\s\-_/]*\d{2,4}|"
    r"(spring|summer|autumn|fall|winter)[\s\-_]*\d{0,4}|q[1-4][\s\-_/]*\d{2,4})\s*$",
    re.IGNORECASE,
)
_FOLLOW_UP_WORDS = {
    "os", "pfs", "dfs", "efs", "rfs", "dss", "mfs", "ttp", "tte", "ttr", "los", "fu", "futime",
    "time", "times", "days", "months", "weeks", "duration", "survival", "censor", "censored",
    "censoring", "stime", "dtime", "obstime",
}  # fmt: skip
_FOLLOW_UP_PREFIXES = ("follow", "surviv", "duration", "censor", "dayssince", "timeto")
_FOLLOW_UP_QUICK = re.compile(
    "|".join(sorted(_FOLLOW_UP_WORDS | set(_FOLLOW_UP_PREFIXES), key=len)), re.IGNORECASE
)


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^A-Za-z]+", spaced.lower()) if t]


def looks_like_place_batch_time(name: str, values: pd.Series | None = None) -> str:
    """Why a column looks like where, when or how samples were collected ("" when it does not).

    The name is only a hint; the values speak too (``plate_3``, ``batch 2``, years, dates).
    """
    import pandas as pd

    tokens = _tokens(name)
    if any(t in _PLACE_BATCH_TIME or t.startswith(_PLACE_PREFIXES) for t in tokens):
        return f"its name '{name}' suggests a place, a batch or a time"
    if values is None:
        return ""
    v = values.dropna()
    if v.empty:
        return ""
    if pd.api.types.is_numeric_dtype(v.dtype) and not pd.api.types.is_bool_dtype(v.dtype):
        num = v.to_numpy(float)
        if np.all(num == np.round(num)) and num.min() >= 1900 and num.max() <= 2100:
            return "its values are years"
        return ""
    text = pd.Series(v.astype(str).unique())
    if (text.str.match(_VALUE_HINT).mean() >= 0.8) and len(text):
        return f"its values look like batches or places ('{text.iloc[0]}')"
    if text.str.match(_DATE_VALUE).mean() >= 0.8:
        return f"its values look like dates ('{text.iloc[0]}')"
    return ""


def looks_like_follow_up(name: str) -> bool:
    """A name that hints a follow-up, survival or time-to-event duration (a hint only)."""
    if not _FOLLOW_UP_QUICK.search(str(name)):  # most names (genes): no need to tokenise
        return False
    tokens = _tokens(name)
    if "age" in tokens:  # age_months, age in days: an age, not a follow-up
        return False
    joined = "".join(tokens)
    return any(t in _FOLLOW_UP_WORDS for t in tokens) or joined.startswith(_FOLLOW_UP_PREFIXES)
