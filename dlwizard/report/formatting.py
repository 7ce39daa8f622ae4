"""How the report writes numbers, intervals, times and short lists (no Qt, no Study access).

Every number in the report goes through these helpers, so a value reads the same in every
section: three decimals, "n/a" when missing, never "-0.000", times in UTC.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from dlwizard.study.model import MetricInterval

MEASURES = {"cramers_v": "Cramér's V", "eta": "correlation ratio η"}


def finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


def fmt(v: Any, digits: int = 3) -> str:
    """A metric value as the report prints it: three decimals, "n/a" when missing."""
    if isinstance(v, bool) or not finite(v):
        return "n/a"
    text = f"{v:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.000"


def fmt_interval(iv: MetricInterval | None, digits: int = 3) -> str:
    """A value with its 95% interval, as printed everywhere in the report."""
    if iv is None:
        return "n/a"
    if not finite(iv.value):
        return f"n/a ({iv.reason})" if iv.reason else "n/a"
    if not (finite(iv.low) and finite(iv.high)):
        return fmt(iv.value, digits) + (f" (no interval: {iv.reason})" if iv.reason else "")
    return f"{fmt(iv.value, digits)} ({fmt(iv.low, digits)}–{fmt(iv.high, digits)})"


def ci_words(iv: MetricInterval | None) -> str:
    """A value with its interval as prose writes it: "0.981 (95% CI 0.962–0.995)"."""
    if iv is None:
        return "n/a"
    if not (finite(iv.value) and finite(iv.low) and finite(iv.high)):
        return fmt_interval(iv)
    return f"{fmt(iv.value)} (95% CI {fmt(iv.low)}–{fmt(iv.high)})"


def fmt_seconds(s: float | None) -> str:
    if not finite(s):
        return "n/a"
    if s < 60:
        return f"{s:.1f} s"
    return f"{s / 60:.1f} min"


def fmt_value(v: Any) -> str:
    """A setting's value: numbers to four significant digits."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def fmt_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {fmt_value(v)}" for k, v in params.items()) or "defaults"


def fmt_range(r: tuple) -> str:
    if r[0] == "cat":
        return "one of " + ", ".join(fmt_value(c) for c in r[1])
    kind, low, high, log = r
    scale = ", log scale" if log else ""
    what = "integer" if kind == "int" else "real"
    return f"{fmt_value(low)} to {fmt_value(high)} ({what}{scale})"


def fmt_p(p: float | None) -> str:
    """A p-value: three decimals, or two significant digits below 0.001."""
    if not finite(p):
        return "n/a"
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


def fmt_measure(measure: str) -> str:
    base, by_month = measure.removesuffix("_by_month"), measure.endswith("_by_month")
    return MEASURES.get(base, base.replace("_", " ")) + (" (by month)" if by_month else "")


def fmt_time(t: str) -> str:
    """An ISO time as "2026-01-05 10:00:00 UTC" (UTC whatever the zone it was written in)."""
    if not t:
        return ""
    try:
        when = datetime.fromisoformat(str(t).replace("Z", "+00:00"))
    except ValueError:
        return str(t)
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_pct(x: float | None) -> str:
    return "n/a" if not finite(x) else f"{x:.0%}"


def fmt_size(n: int) -> str:
    """A file size: "812 B", "31.4 kB", "2.0 MB"."""
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def metric_label(metric: str) -> str:
    """A metric's name as the report prints it ("auroc" is "AUROC")."""
    from dlwizard.ml import metrics

    return metrics.LABELS.get(metric, metric)


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def words_list(items: list[str], limit: int = 6) -> str:
    """The first ``limit`` items, then how many more: "a, b, c and 4 more"."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
