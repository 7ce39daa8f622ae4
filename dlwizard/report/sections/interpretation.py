"""Section 7, interpretation and caveats: permutation importance, the linear model's
coefficients, the small biomarker panel, for sequences the letters the model relies on and the
enriched k-mers, where the model does worse, and the caveats."""

from __future__ import annotations

from dlwizard.report.context import Context, not_done
from dlwizard.report.document import Block, Bullets, Figure, Panel, Paragraph, Section, Table
from dlwizard.report.figures import interval_panel
from dlwizard.report.formatting import fmt, fmt_interval, metric_label
from dlwizard.study.model import MetricInterval

MAX_IMPORTANCES = 20
MAX_COEFFICIENTS = 15
MAX_LOGOS = 2  # example sequences drawn as logos in the report (the page shows them all)
MAX_KMER_ROWS = 16


def section(ctx: Context) -> Section:
    from dlwizard.steps import interpret as ip

    s = ctx.s
    sec = Section("interpret", "Interpretation and caveats")
    it = s.interpret
    if it is None:
        return sec.add(
            not_done("interpret", "no feature importance, panel or caveat was computed"),
            Paragraph(
                "Whatever the model relies on is association with the prediction, not cause.",
                style="note",
            ),
        )
    label = metric_label(it.metric)
    sec.add(_method(ctx, label))
    if ip.at_ceiling(it):
        sec.add(Paragraph(ip.ceiling_note(it), lead="At a perfect score:", style="warning"))
    sec.add(*_importances(it, label))
    sec.add(*_coefficients(ctx))
    if it.panel:
        sec.add(*_panel(it, label))
    if it.sequence is not None:
        sec.add(*_sequences(it.sequence))
    if it.image is not None:
        sec.add(*_images(ctx, it.image))
    if it.failing_domains:
        sec.add(
            Paragraph("", lead="Where the model does worse:"), Bullets(list(it.failing_domains))
        )
    else:
        sec.add(Paragraph(ip.subgroup_statement(ctx.project), lead="Where the model does worse:"))
    caveats = [c for c in it.caveats if not (ip.at_ceiling(it) and c == ip.ceiling_note(it))]
    if caveats:  # the ceiling note is printed above, beside the importances
        sec.add(Paragraph("", lead="Caveats:"), Bullets(caveats))
    return sec


def _method(ctx: Context, label: str) -> Paragraph:
    """How the importance was measured: which model, set, repeats and grouping."""
    it = ctx.s.interpret
    where = "tuning" if it.options.set == "tune" else "test"
    return Paragraph(
        f"Permutation importance of {ctx.family_name(it.model) or 'the final model'} on "
        f"{it.n} {where}-set samples ({it.options.repeats} repeats"
        + (", resampling subjects" if it.grouped_by_subject else "")
        + f"; features correlated above {fmt(it.options.correlation, 2)} permuted together; "
        f"{it.features_considered} features considered"
        + (
            ", preselected by their association with the label in training"
            if it.preselected
            else ""
        )
        + f"). Importance is the drop in {label} when the feature is shuffled."
    )


def _importances(it, label: str) -> list[Block]:
    """The most important features as a table and as intervals against zero."""
    out: list[Block] = []
    if it.importances:
        rows = [
            [
                imp.name,
                fmt(imp.value),
                f"{fmt(imp.low)} to {fmt(imp.high)}",
                ", ".join(imp.members[:6]) + (" …" if len(imp.members) > 6 else ""),
            ]
            for imp in it.importances[:MAX_IMPORTANCES]
        ]
        caption = "The most important features (or groups of correlated features)."
        if len(it.importances) > MAX_IMPORTANCES:
            caption += f" {len(it.importances) - MAX_IMPORTANCES} more are not shown."
        out.append(
            Table(
                ["Feature or group", f"Drop in {label}", "95% interval", "Group members"],
                rows,
                caption=caption,
                align="lrrl",
                widths=[1.6, 1, 1.2, 2.5],
            )
        )
    panel = interval_panel(
        [(imp.name, MetricInterval(value=imp.value, low=imp.low, high=imp.high))
         for imp in it.importances[:15]],
        f"drop in {label}",
        reference=0.0,
    )  # fmt: skip
    if panel is not None and len(it.importances) > 1:
        panel.title = "Permutation importance"
        out.append(
            Figure(
                [panel],
                caption=f"Drop in {label} when each feature (or group) is shuffled, with 95% "
                "intervals; an interval that crosses the dashed zero line means the model does "
                "not measurably rely on it.",
            )
        )
    return out


def _coefficients(ctx: Context) -> list[Table]:
    """The linear model's largest coefficients: one column per class, or one towards the
    positive class ([] when the final model has no coefficients)."""
    from dlwizard.steps import interpret as ip

    classes, coefs = ip.coefficient_table(ctx.s.interpret)
    if not coefs:
        return []
    shown = coefs[:MAX_COEFFICIENTS]
    more = (
        f" {len(coefs) - MAX_COEFFICIENTS} more features are not shown."
        if len(coefs) > MAX_COEFFICIENTS
        else ""
    )
    if classes:
        return [
            Table(
                ["Feature", *classes],
                [[f, *(ip.fmt_coefficient(v) for v in vs)] for f, vs in shown],
                caption="The coefficients of the linear model on standardised features, one "
                "per class: a positive value raises that class's score when the feature "
                "rises by one standard deviation. The features with the largest effect on "
                "any class first." + more,
                align="l" + "r" * len(classes),
            )
        ]
    q = ctx.s.question
    toward = f" (towards {q.positive_class})" if q.task == "binary" and q.positive_class else ""
    return [
        Table(
            ["Feature", f"Coefficient{toward}"],
            [[f, ip.fmt_coefficient(vs[0])] for f, vs in shown],
            caption="The largest coefficients of the linear model, on standardised "
            "features: a positive value raises the prediction when the feature rises by "
            "one standard deviation." + more,
            align="lr",
        )
    ]


def _panel(it, label: str) -> list[Block]:
    """The small panel refitted on the top k features, as a table and against all features."""
    from dlwizard.steps import interpret as ip

    rows = [
        [
            str(pt.k),
            fmt_interval(pt.score),
            ", ".join(pt.features[:8]) + (" …" if len(pt.features) > 8 else ""),
        ]
        for pt in it.panel
    ]
    family = it.panel_family or "the simplest baseline"
    caption = f"A small panel: {family} refitted on the top k features."
    if it.full_score is not None:
        caption += f" All features: {label} {fmt_interval(it.full_score)}."
    ties = ip.panel_ties(it)
    if ties:
        caption += " " + ties
    out: list[Block] = [Table(["k", f"{label} (95% interval)", "Features"], rows,
                              caption=caption, align="rrl", widths=[0.4, 1.5, 4])]  # fmt: skip
    if it.full_score is not None and len(it.panel) > 1:
        curve = Panel(
            "panel.panel_curve",
            {
                "ks": [pt.k for pt in it.panel],
                "values": [pt.score.value for pt in it.panel],
                "lows": [pt.score.low for pt in it.panel],
                "highs": [pt.score.high for pt in it.panel],
                "full_value": it.full_score.value,
                "full_low": it.full_score.low,
                "metric_label": label,
            },
        )
        curve.title = "Biomarker panel"
        out.append(
            Figure(
                [curve],
                caption=f"{family} on the top k features (dots, 95% intervals) against the "
                "final model on all features (red line; dashed: the low end of its interval).",
            )
        )
    return out


def _sequences(seq) -> list[Block]:
    """A model of sequences: how the letters were attributed, one or two example logos, the
    enriched k-mers, and the caveat that a motif the model uses is not proof of function."""
    from dlwizard.steps import interpret as ip

    out: list[Block] = [
        Paragraph(" ".join(seq.notes[:-1]), lead="Which letters the model relies on:")
    ]
    for e in _logo_examples(seq):
        logo = Panel(
            "sequence_logo.build",
            {
                "letters": e.letters,
                "attributions": list(e.attributions),
                "first_position": e.first_position,
                "alphabet": seq.alphabet,
                "y_label": ip.logo_label(seq, e),
            },
            title=ip.example_title(seq, e, row=False),  # no sample ID in the report
        )
        colours = (
            "amino acids coloured by chemistry (acidic red, basic blue, polar green, amides "
            "purple, hydrophobic dark grey)"
            if seq.alphabet == "protein"
            else "A green, C blue, G orange, " + ("U" if seq.alphabet == "rna" else "T") + " red"
        )
        out.append(
            Figure(
                [logo],
                caption="Each letter's height is how much "
                + (
                    "the predicted value"
                    if seq.toward == "value"
                    else f"the model's probability of '{e.label}'"
                )
                + " drops, on average, when the letter is replaced by each other letter; above "
                + (
                    "the line it supports a higher value"
                    if seq.toward == "value"
                    else "the line it supports that class"
                )
                + f", below it argues against it ({colours}).",
            )
        )
    rows = ip.kmer_rows(seq)
    if rows:
        # Every class gets its share of the rows (the first class must not fill the table).
        labels = [k.label for k in seq.kmers]
        per_class = max(3, MAX_KMER_ROWS // max(1, len(set(labels))))
        seen: dict[str, int] = {}
        shown = []
        for row, label in zip(rows, labels):
            seen[label] = seen.get(label, 0) + 1
            if seen[label] <= per_class:
                shown.append(row)
        more = (
            f" {len(rows) - len(shown)} more are not shown (at most {per_class} a class)."
            if len(shown) < len(rows)
            else ""
        )
        headers = ip.kmer_headers(seq)
        out.append(
            Table(
                headers,
                shown,
                caption=seq.notes[-1] + more,
                align="l" * (len(headers) - 4) + "rrrr",
            )
        )
    else:
        out.append(
            Paragraph(
                seq.notes[-1] + " No k-mer sat in enough high windows to be listed.",
                lead="Enriched k-mers:",
            )
        )
    out.append(Paragraph(ip.MOTIF_CAVEAT, lead="A motif is not a mechanism:", style="warning"))
    return out


def _logo_examples(seq) -> list:
    """One or two examples for the report: a correctly classified one of each of the first two
    classes when there are, else the first examples."""
    right = [e for e in seq.examples if e.correct]
    picked, labels = [], set()
    for e in right:
        if e.label not in labels:
            picked.append(e)
            labels.add(e.label)
    for e in seq.examples:
        if len(picked) >= MAX_LOGOS:
            break
        if e not in picked:
            picked.append(e)
    return picked[:MAX_LOGOS]


MAX_SALIENCY = 8  # example images drawn in the report (the page shows them all)


def _images(ctx: Context, att) -> list[Block]:
    """A model of images: where it looked on example images of each class (right and wrong),
    the border check, and the caveat that a highlighted region is not a mechanism."""
    import pandas as pd

    from dlwizard.steps.image_inputs import pixels
    from dlwizard.steps.interpret_images import SALIENCY_CAVEAT

    out: list[Block] = []
    if att.notes:
        out.append(Paragraph(" ".join(att.notes), lead="Where the model looks:"))
    examples = att.examples[:MAX_SALIENCY]
    info = ctx.image_feature()
    if examples and info is not None:
        try:
            images = pixels(info, pd.Series([e.path for e in examples]))
        except (OSError, ValueError) as exc:
            out.append(Paragraph(f"No figure: the images could not be read ({exc}).", style="note"))
            return out
        regression = ctx.s.question.task == "regression"
        args = {
            "images": list(images),
            "grids": [list(e.saliency) for e in examples],
            "label": [e.label for e in examples],
            "predicted": [e.predicted for e in examples],
            "score": [e.score for e in examples],
            "correct": [e.correct for e in examples],
            "regression": regression,
        }
        how = (
            "how much the model's output drops when a patch covering the region is replaced by "
            "the image's mean (occlusion)"
            if att.method == "occlusion"
            else "each region's integrated gradient from a black image"
        )
        out.append(
            Figure(
                [Panel("saliency.montage", args)],
                caption=f"Example images of each class, right and wrong; the colour shows {how}, "
                "relative to each image's strongest region. " + SALIENCY_CAVEAT,
            )
        )
    if att.border_attribution is not None and att.border_area is not None:
        out.append(
            Paragraph(
                f"{att.border_attribution:.0%} of the attribution lies in the outer "
                f"{att.border:.0%} of each side ({att.border_area:.0%} of the area)"
                + (
                    f"; the four corners hold {att.corner_attribution:.0%} "
                    f"({att.corner_area:.0%} of the area)."
                    if att.corner_attribution is not None and att.corner_area is not None
                    else "."
                )
                + (" " + att.verdict if att.verdict else " No border shortcut is seen."),
                lead="Border check:",
                style="warning" if att.verdict else "body",
            )
        )
    return out
