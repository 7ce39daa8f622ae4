"""Section 3.3, metadata roles and study design: every column's role, the design, and every
column left out of the model with the reason (no value of the table is quoted)."""

from __future__ import annotations

import re

from dlwizard.report.context import Context, no_role, not_done
from dlwizard.report.document import Block, Paragraph, Section, Table
from dlwizard.report.formatting import fmt, fmt_measure, fmt_p, upper_first, words_list
from dlwizard.report.words import DESIGNS, ROLE_WORDS

MAX_LEFT_OUT = 30  # columns left out of the model named one by one; the rest are counted
ROLE_PURPOSE = {
    "sample_id": "names each sample",
    "subject": "the subject each row came from; its rows are kept together when splitting",
    "batch": "the batch, site or run; checked for its association with the label",
    "time_point": "when the sample was taken",
    "replicate": "which replicate the row is",
    "sensitive": "kept out of the model; used for results per group and the privacy check",
    "ignore": "not used",
}


def section(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("data.metadata", "Metadata roles and study design")
    m = s.metadata
    if m is None:
        return sec.add(not_done("metadata", "column roles and design are not recorded"))
    by_role: dict[str, list[str]] = {}
    for col, role in m.roles.items():
        by_role.setdefault(role, []).append(col)
    rows = []
    for role, cols in by_role.items():
        shown = ", ".join(cols[:12]) + (f" and {len(cols) - 12} more" if len(cols) > 12 else "")
        rows.append([role.replace("_", " "), str(len(cols)), shown])
    sec.add(
        Table(
            ["Role", "Columns", "Which"],
            rows,
            caption="Every column's role. Only 'feature' columns are model inputs.",
            widths=[1, 0.6, 4],
            align="lrl",
        ),
        Table(
            ["", ""],
            [
                ["Study design", DESIGNS.get(m.design, m.design)],
                ["Replicates", m.replicate_kind.replace("_", " ")],
                ["Rows", str(m.n_rows)],
                [
                    "Subjects",
                    str(m.n_subjects)
                    if m.n_subjects
                    else upper_first(no_role(ctx, "subject", ("subject",))),
                ],
            ],
            widths=[1, 3],
        ),
    )
    sec.add(*_left_out(ctx))
    if m.derived:
        sec.add(
            Table(
                ["Derived column", "From", "Pattern", "Role"],
                [[d.name, d.source, d.pattern, d.role] for d in m.derived],
                caption="Columns computed from others (e.g. the subject from a recording ID).",
            )
        )
    if m.associations:
        sec.add(
            Table(
                ["Metadata column", "Measure", "Association with the label", "p", "n"],
                [
                    [a.column, fmt_measure(a.measure), fmt(a.score), fmt_p(a.p_value), str(a.n)]
                    for a in m.associations
                ],
                caption="How strongly each batch or time-point column is associated with the "
                "label (0 = none, 1 = the column gives the label away).",
                align="llrrr",
            )
        )
    return sec


def _without_examples(text: str) -> str:
    """Evidence without the example values it quotes ("first names (e.g. 'Anna')"): the report
    prints no cell of the table."""
    text = re.sub(r"\s*\(e\.g\.[^)]*\)", "", text)
    text = re.sub(r",\s*e\.g\.[^)]*(?=\))", "", text)
    return re.sub(r"\s*\be\.g\.\s*'[^']*'(?:,\s*'[^']*')*", "", text)


def _left_out_reason(m, col: str, role: str, derived: dict) -> str:
    """Why a column is not a model input: what its values showed, the user's choice, or what
    its role is for."""
    seen = m.detections.get(col, [])
    suggested = m.suggested_roles.get(col, role)
    reason = _without_examples(m.role_reasons.get(col, "")).strip()
    if col in derived:
        d = derived[col]
        return f"derived from '{d.source}' (pattern {d.pattern}): {ROLE_PURPOSE.get(role, '')}"
    if suggested != role:
        text = f"set by the user (suggested: {ROLE_WORDS.get(suggested, suggested)})"
        shown = [_without_examples(d.evidence) for d in seen]
        return text + (f"; the values show {shown[0]}" if shown else "")
    if reason and (seen or role == "ignore"):
        return reason
    purpose = ROLE_PURPOSE.get(role, "")
    return f"{reason}: {purpose}" if reason and purpose else reason or purpose


def _left_out_columns(m) -> tuple[list[list[str]], list[list[str]], list[str], list[str]]:
    """The columns that are not model inputs, sorted: rows (column, role, why) for the ignored
    ones and for the metadata, then the names of the constant and of the empty columns."""
    derived = {d.name: d for d in m.derived}
    ignored: list[list[str]] = []
    metadata: list[list[str]] = []
    constant: list[str] = []
    empty: list[str] = []
    for col, role in m.roles.items():
        if role in ("feature", "target"):
            continue
        codes = {d.code for d in m.detections.get(col, [])}
        user_choice = m.suggested_roles.get(col, role) != role
        if role == "ignore" and not user_choice and "constant" in codes:
            constant.append(col)
            continue
        if (
            role == "ignore"
            and not user_choice
            and not codes
            and (m.role_reasons.get(col) == "the column is empty")
        ):
            empty.append(col)
            continue
        why = _left_out_reason(m, col, role, derived)
        row = [col, ROLE_WORDS.get(role, role.replace("_", " ")), why]
        (ignored if role == "ignore" else metadata).append(row)
    return ignored, metadata, constant, empty


def _left_out(ctx: Context) -> list[Block]:
    """Every column that is not a model input, with the reason: the ignored ones first (they
    are not used at all), then the metadata; constant and empty columns counted, and a wide
    table's list capped."""
    ignored, metadata, constant, empty = _left_out_columns(ctx.s.metadata)
    rows = [*ignored, *metadata]
    n_total = len(rows) + len(constant) + len(empty)
    if not n_total:
        return [Paragraph("Every column except the target is a model input.", style="note")]
    shown = rows[:MAX_LEFT_OUT]
    more = rows[MAX_LEFT_OUT:]
    if more:
        by_role: dict[str, int] = {}
        for _, role, _ in more:
            by_role[role] = by_role.get(role, 0) + 1
        counts = ", ".join(f"{n} {role}" for role, n in by_role.items())
        shown.append(["…", "", f"and {len(more)} more columns ({counts})"])
    for names, what in ((constant, "constant"), (empty, "empty")):
        if names:
            why = (
                "every row has the same value: nothing to learn from"
                if what == "constant"
                else "no value in any row"
            )
            shown.append(
                [
                    f"{len(names)} {what} column" + ("s" if len(names) > 1 else ""),
                    "ignored",
                    f"{why} ({words_list([f'{c}' for c in names], 5)})",
                ]
            )
    n_ignored = len(ignored) + len(constant) + len(empty)
    return [
        Table(
            ["Column", "Role", "Why it is not a model input"],
            shown,
            caption=f"The {n_total} column(s) left out of the model, and why: "
            f"{n_ignored} ignored (not used at all), {len(metadata)} metadata (not inputs, but "
            "they decide how the data are split and which checks run). The reasons are what "
            "each column's values showed on the Metadata page, or the user's choice.",
            widths=[1.3, 0.8, 4],
        )
    ]
