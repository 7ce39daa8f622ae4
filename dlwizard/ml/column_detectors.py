"""What one column's values can reveal, each detector giving its evidence in plain words (or a
share of the values) for the profiler (:mod:`dlwizard.ml.column_profile`) to turn into a role.

- Numbers, all at once: range, fractions, row and running numbers, a hash to find copies, and
  whether a column holds one value per class of the target (:func:`numeric_stats`). Only the
  float columns with fractional values (continuous measurements) skip every per-column test, so
  a 1,000 x 20,000 expression matrix stays fast.
- Dates written as text or as numbers (YYYYMMDD, calendar years).
- Identifiers: numbers handed out to samples, IDs that repeat like a subject's.
- An earlier train/test split, ethnic groups, APOE genotypes, free text.
"""

from __future__ import annotations

import hashlib
import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

MIN_ROWS = 10  # below this, patterns in the values are chance
ID_MAX_GROUP = 50  # a subject rarely has more rows than this; bigger groups are categories

# ---------------------------------------------------------------------------------------------
# numbers, all at once

CHUNK = 2000  # columns converted to one float block at a time (bounded memory on wide tables)


@dataclass
class NumStats:
    lo: float
    hi: float
    n_present: int
    continuous: bool  # fractional values: a measurement
    key: bytes  # hash of the values, to find copies
    row_number: tuple[str, str] | None = None
    recodes_target: bool = False  # one value per class, a different one for each


def target_class_codes(df: pd.DataFrame, target: str | None) -> np.ndarray | None:
    """The target's class codes (-1 where missing), for a target of 2 to 50 classes."""
    import pandas as pd

    names = [str(c) for c in df.columns]
    if target is None or str(target) not in names:
        return None
    codes, uniques = pd.factorize(df.iloc[:, names.index(str(target))])
    return codes if 2 <= len(uniques) <= 50 else None


def numeric_stats(df: pd.DataFrame, target_codes: np.ndarray | None) -> dict[str, NumStats]:
    """Range, fractions, a row-number test and a hash for every numeric
    column, a block of columns at a time."""
    import pandas as pd

    cols = [
        j
        for j, t in enumerate(df.dtypes.tolist())
        if pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t)
    ]
    out: dict[str, NumStats] = {}
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
            st = NumStats(
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


def _row_number(x: np.ndarray, st: NumStats) -> tuple[str, str] | None:
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


# ---------------------------------------------------------------------------------------------
# dates

_DATE_SEP = re.compile(
    r"^\s*(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}[ -]?[A-Za-z]{3,9}[ -,]+\d{2,4}"
    r"|[A-Za-z]{3,9}\.? \d{1,2},? \d{4}|\d{4}[-/.]\d{1,2}|[A-Za-z]{3,9}[ -]\d{4})"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)


def dates_in_numbers(st: NumStats, present: pd.Series) -> str | None:
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


def dates_in_text(text: pd.Series) -> str | None:
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


# ---------------------------------------------------------------------------------------------
# identifiers

_CODE = re.compile(r"^[A-Za-z]{0,8}[-_ .#/]?\d+[A-Za-z0-9_./-]*$")


def codes_share(text: pd.Series | None) -> float:
    """The share of values shaped like codes (letters, then digits: 'P012', 'mouse-7')."""
    if text is None or not len(text):
        return 0.0
    sample = text.iloc[:: max(1, len(text) // 500)]
    return float(sample.str.fullmatch(_CODE).mean())


def numbered_like_ids(present: pd.Series) -> str | None:
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


def per_subject_columns(
    df: pd.DataFrame, stats: dict[str, NumStats], target: str | None
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


def repeated_id_evidence(
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
# an earlier split, demographics, free text

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
_WORD = re.compile(r"[^\W\d_]{2,}")


def share_in(text: pd.Series, words: frozenset[str]) -> float:
    """The share of values (any case) in ``words``."""
    return float(text.str.lower().isin(words).mean()) if len(text) else 0.0


def split_share(text: pd.Series) -> float:
    """The share of values naming a data split ('train', 'test', 'validation'...), when the
    column has 2 to 6 values and one of them is a core split word; else 0."""
    low = text.str.lower().str.replace(r"[_\s]+", " ", regex=True)
    values = set(low.unique())
    if len(values) < 2 or len(values) > 6 or not values & _SPLIT_CORE:
        return 0.0
    return float(low.isin(SPLIT_WORDS).mean())


def ethnicity_share(text: pd.Series) -> float:
    """The share of values that name an ethnic group or ancestry."""
    return share_in(text, _ETHNICITY)


def apoe_share(text: pd.Series) -> float:
    """The share of values that are APOE genotypes (e3/e4, E4E4, apoe e2...)."""
    return float(text.str.match(_APOE).mean())


def words_per_value(text: pd.Series, seed: int) -> float:
    """Mean number of words per value, over a sample of at most 500 values."""
    return float(text.sample(min(len(text), 500), random_state=seed).str.count(_WORD).mean())
