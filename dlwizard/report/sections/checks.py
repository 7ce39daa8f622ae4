"""Section 3.4, data checks and leakage controls: missing values, duplicates, outliers, batch
effects, the shortcut checks, and how the split and the pipeline keep the test set apart."""

from __future__ import annotations

from dlwizard.report.context import Context, no_role, not_done
from dlwizard.report.document import Block, Bullets, Paragraph, Section, Table
from dlwizard.report.formatting import fmt, fmt_pct, metric_label, upper_first

# What each shortcut check's model sees, as the table's first column says it.
SOURCES = {
    "metadata": "metadata",
    "missingness": "missingness",
    "sequence_length": "sequence length",
    "sequence_composition": "sequence composition",
    "image_intensity": "image brightness",
    "image_size": "image size",
}


def section(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("data.checks", "Data checks and leakage controls")
    e = s.explore
    if e is None:
        return sec.add(not_done("explore", "no data checks are recorded"))
    sec.add(_overview(ctx))
    if e.column_missing:
        top = sorted(e.column_missing.items(), key=lambda kv: -kv[1])[:8]
        sec.add(
            Paragraph(
                "Most-missing columns: " + ", ".join(f"{c} ({fmt_pct(v)})" for c, v in top) + ".",
                style="note",
            )
        )
    effects = list(e.batch_effects)
    if e.label_effect is not None:
        effects = [e.label_effect, *effects]
    if effects:
        sec.add(_batch_effects(effects, label_first=e.label_effect is not None))
    sec.add(_shortcuts(ctx))
    sec.add(Paragraph("", lead="Leakage controls:"), Bullets(_leakage_controls(ctx)))
    return sec


def _overview(ctx: Context) -> Table:
    e = ctx.s.explore
    rows = [
        ["Features examined", str(e.n_features_used)],
        ["Missing feature values", fmt_pct(e.missing_share)],
        ["Samples missing over half their values", str(len(e.rows_mostly_missing))],
        ["Groups of exact duplicates", str(len(e.exact_duplicates))],
        ["Groups of near duplicates", str(len(e.near_duplicates))],
        ["Outlying samples", str(len(e.outliers))],
        ["Embedding", e.options.embedding.upper() + f" (seed {e.options.seed})"],
    ]
    if e.sequence_column:
        from dlwizard.steps.explore_sequences import map_k

        k = map_k(ctx.s)
        rows[-1][1] += f", of the sequences' {k}-mer frequencies ('{e.sequence_column}')"
    if e.explained_variance:
        rows.append(
            [
                "Variance on the first components",
                ", ".join(fmt_pct(v) for v in e.explained_variance[:5]),
            ]
        )
    return Table(["Check", "Result"], rows, widths=[2, 2], align="lr")


def _batch_effects(effects: list, label_first: bool) -> Table:
    return Table(
        ["Column", "Role", "Groups", "Share of main variation", "Silhouette", "Verdict"],
        [
            [
                b.column,
                b.role.replace("_", " "),
                str(b.n_groups),
                fmt_pct(b.pc_variance_share),
                fmt(b.silhouette, 2),
                b.verdict,
            ]
            for b in effects
        ],
        caption="Batch-effect scores: how much of the data's main variation each column "
        "explains (the label's own score first, for comparison).",
        align="llrrrl",
        highlight=[0] if label_first else [],
    )


def _shortcuts(ctx: Context) -> Block:
    """The shortcut checks' table, or why none could run."""
    e = ctx.s.explore
    if not e.shortcuts:
        return Paragraph("No shortcut check could run: "
                         + no_role(ctx, "batch or time-point", ("batch", "time_point"))
                         + ", and no feature has missing values.", style="note")  # fmt: skip
    return Table(
        [
            "Label predicted from",
            "Columns",
            "Metric",
            "Score",
            "Chance",
            "Folds",
            "Above chance",
        ],
        [
            [
                SOURCES.get(c.source, c.source),
                ", ".join(c.columns[:6]) + (" …" if len(c.columns) > 6 else ""),
                metric_label(c.metric),
                fmt(c.score),
                fmt(c.chance),
                str(c.folds),
                "yes" if c.above_chance else "no",
            ]
            for c in e.shortcuts
        ],
        caption="Shortcut checks: cross-validated models that see only the metadata, or "
        "only which values are missing"
        + (
            ", or only the sequences' length or their letter composition"
            if e.sequence_column
            else ""
        )
        + ". Above chance means a model could learn the shortcut instead of the biology"
        + (
            "; a model of the sequences should clearly beat the length-only and "
            "composition-only scores."
            if e.sequence_column
            else "."
        ),
        align="lllrrrl",
    )


def _leakage_controls(ctx: Context) -> list[str]:
    """How subjects, duplicates, a held-out group and the preprocessing were kept apart."""
    sp = ctx.s.split
    lines = []
    if sp is not None:
        if sp.group_column:
            lines.append(
                f"Rows of one subject ('{sp.group_column}') were always kept in the same set."
            )
        elif sp.options.ungrouped_reason:
            lines.append(
                f"Subjects were not kept together; the reason given: {sp.options.ungrouped_reason}"
            )
        else:
            lines.append(
                upper_first(no_role(ctx, "subject", ("subject",)))
                + ": every row was treated as an independent sample."
            )
        lines.append("Exact and near-duplicate samples were kept in the same set.")
        if sp.options.hold_out_column:
            lines.append(
                f"The test set is a held-out {sp.options.hold_out_column}: "
                f"{', '.join(sp.options.hold_out_values)}."
            )
    lines.append(
        "Preprocessing (imputation, scaling, encoding) is fitted inside each training fold, "
        "never on tuning or test rows."
    )
    return lines
