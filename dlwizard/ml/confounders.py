"""Possible confounders: a category strongly associated with the label, judged by how much it
looks like where, when or how the samples were collected (:mod:`dlwizard.ml.shortcut_hints`).
Also the label per value in words, and panels: many features over one set of values (bases,
genotypes) are measurements, not a record of where or when samples were taken."""

from __future__ import annotations

from dataclasses import dataclass

from dlwizard.ml.shortcut_hints import looks_like_place_batch_time

# Possible confounders: bias-corrected Cramér's V (correlation ratio η for a numeric label) with
# p < CONFOUNDER_P. The bar depends on how much the column looks like where, when or how the
# samples were collected: a name or values like a place, batch or time (0.3, a medium effect);
# other text categories (0.4: the four hospitals of the heart-disease data, named only by their
# values, reach 0.41); numbers with a few integer codes (0.7: a code is
# usually a graded measurement, a score or a stage, whose link to the label is the biology, as
# the chest-pain type of the heart-disease data, V = 0.54).
CONFOUNDER_V_HINTED = 0.3
CONFOUNDER_V_TEXT = 0.4
CONFOUNDER_V_CODES = 0.7
CONFOUNDER_P = 1e-3
MAX_LEVELS = 50  # a category has at most this many values (and at most one per five rows)
PANEL_SIZE = 5  # a value set shared by this many other features is a panel (bases, genotypes)


@dataclass
class Confounder:
    """A category's association with the label, strong enough to report."""

    measure: str  # "cramers_v", or "eta" for a numeric label
    score: float  # bias-corrected Cramér's V, or η
    p_value: float
    looks_like: str  # why it looks like a place, batch or time ("" when it does not)
    evidence: str  # plain words: the measure, its p-value and the label per value


def confounder(s, name: str, y, task: str, codes: bool) -> Confounder | None:
    """A category strongly associated with the label (bias-corrected Cramér's V, or η for a
    numeric label), judged by how much it looks like where, when or how samples were taken.

    ``codes``: the column holds numbers with a few integer codes (a higher bar unless hinted).
    """
    from dlwizard.ml.association import correlation_ratio, cramers_v

    s = s.reset_index(drop=True)
    yy = y.reset_index(drop=True)
    assoc = correlation_ratio(s, yy) if task == "regression" else cramers_v(s, yy)
    if assoc.p_value is None:
        return None
    hint = looks_like_place_batch_time(name, s)
    bar = CONFOUNDER_V_HINTED if hint else CONFOUNDER_V_CODES if codes else CONFOUNDER_V_TEXT
    if assoc.score < bar or assoc.p_value >= CONFOUNDER_P:
        return None
    measure = "cramers_v" if assoc.measure == "cramers_v" else "eta"
    label = "Cramér's V" if measure == "cramers_v" else "correlation ratio η"
    evidence = f"{label} {assoc.score:.2f} (p = {assoc.p_value:.1g}); " + value_table(s, yy, task)
    return Confounder(measure, assoc.score, assoc.p_value, hint, evidence)


def value_table(s, y, task: str, limit: int = 4) -> str:
    """The label per value in words: "'north': 85% 'case' (120 rows), ..."."""
    import pandas as pd

    s = pd.Series(s).reset_index(drop=True)
    y = pd.Series(y).reset_index(drop=True)
    mask = s.notna()
    s, y = s[mask], y[mask]
    key = s.map(lambda v: fmt_value(v) if isinstance(v, float) else str(v))
    counts = key.value_counts()
    parts = []
    for value in counts.index[:limit]:
        rows = y[key == value]
        if task == "regression":
            parts.append(
                f"'{value}': mean label {rows.astype(float).mean():.3g} ({len(rows)} rows)"
            )
        else:
            top = rows.value_counts()
            parts.append(
                f"'{value}': {top.iloc[0] / len(rows):.0%} '{top.index[0]}' ({len(rows)} rows)"
            )
    more = "" if len(counts) <= limit else f", and {len(counts) - limit} more values"
    return ", ".join(parts) + more


def fmt_value(v: float) -> str:
    """A number as the evidence shows it (6 significant digits, 4 from a million up)."""
    return f"{v:g}" if abs(v) < 1e6 else f"{v:.4g}"


def panel_value_sets(level_key: dict[int, bytes], cat_keys: dict[int, frozenset]) -> dict:
    """How many features share each set of values: many columns over the same few values are
    a panel of measurements (bases of a sequence, genotypes 0/1/2, a questionnaire), not a
    record of where or when samples were taken. Keys: the bytes of a numeric column's sorted
    values, or the frozenset of a text column's values."""
    sets: dict = {}
    for key in [*level_key.values(), *cat_keys.values()]:
        sets[key] = sets.get(key, 0) + 1
    return sets
