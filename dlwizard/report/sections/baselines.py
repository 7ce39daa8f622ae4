"""Sections 5.1 and 5.2: the baselines' scores on the tuning set (with their intervals and the
recommended model's curves) and the controls every real model must beat."""

from __future__ import annotations

from dlwizard.report.context import Context, ev_metric, no_role, not_done
from dlwizard.report.document import Figure, Paragraph, Section, Table
from dlwizard.report.figures import curve_figure, interval_panel
from dlwizard.report.formatting import fmt, fmt_interval, metric_label

EXTRA_METRICS = ("auprc", "balanced_accuracy", "mcc", "brier", "rmse", "mae")


def section(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("model.baselines", "Baselines on the tuning set")
    b = s.baselines
    if b is None:
        return sec.add(not_done("baselines", "no model was trained"))
    sec.add(_scores(ctx))
    items = [(r.name, ev_metric(r.tune, b.metric)) for r in b.results]
    n = s.networks
    chosen = next((r for r in n.rungs if r.key == n.chosen), None) if n is not None else None
    if chosen is not None:
        items.append((f"Network: {chosen.name}", ev_metric(chosen.tune, b.metric)))
    panel = interval_panel(
        items, ctx.label, highlight=ctx.family_name(b.recommended) if b.recommended else None
    )
    if panel is not None:
        sec.add(
            Figure(
                [panel],
                caption=f"Tuning-set {ctx.label} of every family (and the chosen network) with "
                "95% intervals; the recommended model in orange-red. Overlapping intervals mean "
                "the difference is within noise. The controls are in the next section.",
            )
        )
    if b.recommendation:
        sec.add(Paragraph(b.recommendation, lead="Recommendation:"))
    curves = _tune_curves(ctx)
    if curves is not None:
        sec.add(curves)
    if b.cancelled:
        sec.add(Paragraph("Tuning was cancelled before every family finished.", style="warning"))
    return sec


def _scores(ctx: Context) -> Table:
    """Every family's tuning-set scores: the selection metric and up to three more."""
    b = ctx.s.baselines
    extra = [k for k in EXTRA_METRICS if k != b.metric]
    keys = [b.metric]
    for k in extra:
        if any(r.tune is not None and k in r.tune.metrics for r in b.results):
            keys.append(k)
    keys = keys[:4]
    rows, hl = [], []
    for i, r in enumerate(b.results):
        if r.key == b.recommended:
            hl.append(i)
        rows.append(
            [
                r.name + (" (recommended)" if r.key == b.recommended else ""),
                *[fmt_interval(ev_metric(r.tune, k)) for k in keys],
            ]
        )
    n_tune = next((r.tune.n for r in b.results if r.tune is not None), 0)
    return Table(
        ["Family", *[metric_label(k) for k in keys]],
        rows,
        caption=f"Tuning-set scores (n = {n_tune}) with 95% bootstrap intervals "
        f"({b.options.bootstrap} resamples). Selection metric: {ctx.label}.",
        align="l" + "r" * len(keys),
        highlight=hl,
        widths=[1.8] + [1.2] * len(keys),
    )


def _tune_curves(ctx: Context) -> Figure | None:
    """ROC, precision-recall and calibration of the recommended (or frozen) baseline on the
    tuning set, from the stored tuning-set predictions."""
    from dlwizard.errors import StepError
    from dlwizard.steps.modelling import stored_predictions

    s = ctx.s
    b = s.baselines
    final = s.compare.final if s.compare else None
    key = final.family if final is not None and final.kind == "baseline" else b.recommended
    if key is None or ctx.task not in ("binary", "regression"):
        return None
    try:
        y, out = stored_predictions(ctx.project, key)
    except (StepError, KeyError, ValueError):
        return None
    if out.ndim != 1:
        return None
    name = ctx.family_name(key)
    r = next((r for r in b.results if r.key == key), None)
    return curve_figure(ctx, y, out, r.tune if r else None, f"{name}, tuning set")


def controls(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("model.controls", "Controls")
    b = s.baselines
    if b is None:
        return sec.add(not_done("baselines", "no control was run"))
    rows = []
    for c in b.controls:
        if c.kind == "label_shuffled":
            scores = c.shuffled_scores
            result = (
                f"permutation p = {fmt(c.p_value)} ({c.permutations} permutations; shuffled CV "
                f"{ctx.label} mean {fmt(sum(scores) / len(scores)) if scores else 'n/a'})"
            )
        else:
            result = f"{ctx.label} {fmt_interval(ev_metric(c.tune, b.metric))}"
        rows.append([c.kind.replace("_", " "), c.description, result])
    n = s.networks
    if n is not None and n.shuffled_score is not None:
        rows.append(
            [
                "network, shuffled labels",
                "The chosen network rung trained on shuffled training labels",
                f"tuning {ctx.label} {fmt(n.shuffled_score)}",
            ]
        )
    if rows:
        sec.add(
            Table(
                ["Control", "What it is", "Result"],
                rows,
                caption="A real model must clearly beat every control; a shuffled-label control "
                "that scores well points to leakage.",
                widths=[1.1, 3, 2],
            )
        )
    else:
        sec.add(Paragraph("No control was recorded.", style="warning"))
    if not any(c.kind == "metadata_only" for c in b.controls):
        sec.add(
            Paragraph(
                "No metadata-only control: "
                + no_role(ctx, "batch or time-point", ("batch", "time_point"))
                + ".",
                style="note",
            )
        )
    return sec
