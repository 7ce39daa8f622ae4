"""Section 6, evaluation: the test-set result of each look (with the best baseline beside it),
the performance per subgroup, and every opening of the test set the audit log records."""

from __future__ import annotations

from dlwizard.report.audit import action_words
from dlwizard.report.context import Context, ev_metric, not_done, score
from dlwizard.report.document import Block, Figure, Paragraph, Section, Table
from dlwizard.report.figures import curve_figure, interval_panel
from dlwizard.report.formatting import finite, fmt, fmt_interval, fmt_time, metric_label

MIN_SUBGROUP_SHOWN = 5  # subgroups with fewer test rows are counted, not named


def result(ctx: Context) -> Section:
    """The test-set result of every look, the test curves and the stated ceiling."""
    s = ctx.s
    sec = Section("eval.test", "Test-set result")
    t = s.test
    if t is None or not t.looks:
        sec.add(not_done("test", "the test set has never been opened and no test result exists"))
        if s.split is not None:
            sec.add(
                Paragraph(
                    f"The test set ({len(s.split.test)} samples, SHA-256 "
                    f"{s.split.test_sha256}) is still sealed.",
                    style="note",
                )
            )
        return sec
    sec.add(
        Paragraph(
            "The test set is opened once, for the frozen final model, after every choice was "
            "made; the best baseline is scored beside it as the yardstick. Intervals are 95% "
            "stratified bootstrap intervals"
            + (" resampling whole subjects" if ctx.subject_column else "")
            + ". No model updating or recalibration followed the test."
        )
    )
    for i, look in enumerate(t.looks):
        sec.add(*_look(ctx, i, look))
    fig = _test_curves(ctx)
    if fig is not None:
        sec.add(fig)
    if s.question.ceiling is not None:
        c = s.question.ceiling
        sec.add(
            Paragraph(
                f"Expected ceiling stated before the analysis: {fmt(c.value, 2)} "
                f"({c.kind.replace('_', ' ')}). A test result clearly above it would be too good "
                "to be true; see the findings.",
                style="note",
            )
        )
    return sec


def _look(ctx: Context, i: int, look) -> list[Block]:
    """One look: who opened the test set and when, the scores, and the confusion matrix."""
    label = metric_label(ctx.s.test.metric)
    head = f"Look {i + 1}: {look.version}"
    if i == 0 and look.version != "primary analysis":
        head += " (the primary analysis)"
    facts = [
        ["When, by whom", f"{fmt_time(look.time)}, {look.user or 'unknown user'}"],
        ["Model", ctx.family_name(look.model)],
        ["Test samples", str(look.n_test)],
        ["Test set SHA-256", look.test_sha256 + _sha_check(ctx, look.test_sha256)],
    ]
    if look.reason:
        facts.append(["Reason for this look", look.reason])
    if look.tune_score is not None:
        facts.append([f"Tuning {label} of this model", fmt(look.tune_score)])
    out: list[Block] = [Paragraph("", lead=head), Table(["", ""], facts, widths=[1, 3])]
    scores = _scores(ctx, look)
    if scores is not None:
        out.append(scores)
    conf = look.final.confusion if look.final else []
    if conf:
        classes = _classes(ctx)[: len(conf)]
        out.append(
            Table(
                ["True \\ predicted", *classes],
                [[c, *[str(v) for v in row]] for c, row in zip(classes, conf)],
                caption="Confusion matrix of the final model on the test set ("
                + (
                    "a sample is called positive at a predicted probability of 0.5 or more)."
                    if ctx.task == "binary"
                    else "each sample is called as its most probable class)."
                ),
                align="l" + "r" * len(classes),
            )
        )
    return out


def _scores(ctx: Context, look) -> Table | None:
    """Every metric of the final model on the test set, the best baseline's beside it."""
    keys = list(look.final.metrics) if look.final else []
    rows = []
    for k in keys:
        row = [metric_label(k), fmt_interval(ev_metric(look.final, k))]
        if look.baseline_eval is not None:
            row.append(fmt_interval(ev_metric(look.baseline_eval, k)))
        rows.append(row)
    cols = ["Metric", "Final model (95% interval)"]
    if look.baseline_eval is not None:
        cols.append(f"Best baseline: {ctx.family_name(look.baseline or '')}")
    if not rows:
        return None
    caption = f"Test-set performance, n = {look.final.n if look.final else look.n_test}"
    if look.final is not None and look.final.prevalence is not None:
        caption += f"; prevalence of the positive class {fmt(look.final.prevalence, 2)}"
    return Table(cols, rows, caption=caption + ".", align="lrr")


def _sha_check(ctx: Context, digest: str) -> str:
    sp = ctx.s.split
    if sp is None or not digest:
        return ""
    return " (matches the sealed set)" if digest == sp.test_sha256 else " (DIFFERS from the split)"


def _classes(ctx: Context) -> list[str]:
    s = ctx.s
    if s.baselines is not None and s.baselines.classes:
        return list(s.baselines.classes)
    if s.compare is not None and s.compare.final is not None:
        return list(s.compare.final.classes)
    return list(s.question.classes)


def _test_curves(ctx: Context) -> Figure | None:
    from dlwizard.errors import StepError
    from dlwizard.steps.modelling import TEST_PREDICTIONS, stored_predictions

    frame = ctx.project.frames.get(TEST_PREDICTIONS)
    t = ctx.s.test
    if frame is None or t is None or not t.looks or "label" not in frame.columns:
        return None
    try:
        y, out = stored_predictions(ctx.project, "final", name=TEST_PREDICTIONS)
    except (StepError, KeyError):
        return None
    if out.ndim != 1:
        return None
    look = t.looks[-1]
    return curve_figure(
        ctx, y, out.astype(float), look.final, f"final model on the test set ({look.version})"
    )


def subgroups(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("eval.subgroups", "Performance per subgroup")
    t = s.test
    if t is None or not t.looks:
        return sec.add(not_done("test", "no subgroup result exists"))
    any_rows = False
    for i, look in enumerate(t.looks):
        blocks = _look_subgroups(i, look, t.metric)
        any_rows = any_rows or bool(blocks)
        sec.add(*blocks)
    if not any_rows:
        from dlwizard.steps.interpret import subgroup_statement

        sec.add(Paragraph(subgroup_statement(ctx.project), style="note"))
    return sec


def _look_subgroups(i: int, look, metric: str) -> list[Block]:
    """One look's subgroups as a table (and, for the first look, a figure); [] when it has
    none."""
    label = metric_label(metric)
    rows, hl, hidden = [], [], 0
    for g in look.subgroups:
        if g.n < MIN_SUBGROUP_SHOWN:
            hidden += 1
            continue
        if g.below_overall:
            hl.append(len(rows))
        rows.append(
            [
                g.column,
                g.value,
                str(g.n),
                fmt_interval(g.metrics.get(metric)),
                "yes" if g.below_overall else "no",
            ]
        )
    if not rows and not hidden:
        return []
    caption = (
        f"Look {i + 1} ({look.version}): test {label} per value of each batch, site or "
        f"sensitive column, against {fmt(score(look.final, metric))} overall. 'Below' marks "
        "a subgroup whose whole interval lies under the overall value."
    )
    if hidden:
        caption += (
            f" {hidden} subgroup{'s' if hidden > 1 else ''} with fewer than "
            f"{MIN_SUBGROUP_SHOWN} test samples {'are' if hidden > 1 else 'is'} not shown."
        )
    out: list[Block] = [
        Table(
            ["Column", "Value", "n", f"{label} (95% interval)", "Below overall"],
            rows,
            caption=caption,
            align="llrrl",
            highlight=hl,
        )
    ]
    panel = interval_panel(
        [(f"{g.column} = {g.value}", g.metrics.get(metric)) for g in look.subgroups
         if g.n >= MIN_SUBGROUP_SHOWN],
        label,
        reference=score(look.final, metric),
    )  # fmt: skip
    shown = sum(1 for g in look.subgroups if g.n >= MIN_SUBGROUP_SHOWN)
    if panel is not None and i == 0 and shown > 1:
        out.append(Figure([panel], caption=f"Test {label} per subgroup (look {i + 1}); the "
                                           "dashed line is the overall value."))  # fmt: skip
    return out


def looks(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("eval.looks", "Every look at the test set")
    entries = ctx.test_entries()
    study_looks = s.test.looks if s.test else []
    if not entries and not study_looks:
        return sec.add(
            Paragraph("The audit log records no opening of the test set.", style="notdone")
        )
    rows = []
    for e in entries:
        d = e.detail
        value = d.get("value")
        result = (
            f"{metric_label(str(d.get('metric')))} {fmt(value)}"
            if d.get("metric") and finite(value)
            else ""
        )
        rows.append(
            [
                fmt_time(e.time),
                e.user,
                action_words(e.action),
                str(d.get("version", "")),
                ctx.family_name(str(d.get("model", ""))),
                str(d.get("n_test", "")),
                result,
                str(d.get("reason", "")),
            ]
        )
    sec.add(
        Table(
            ["Time", "User", "Action", "Analysis version", "Model", "n", "Result", "Reason"],
            rows,
            caption="Every test-set entry of the audit log, which keeps looks even when a later "
            "step was redone.",
            widths=[1.35, 0.6, 1.3, 1.2, 1.3, 0.45, 1.0, 1.8],
        )
    )
    unsealed = [e for e in entries if e.action == "test-unsealed"]
    if len(unsealed) != len(study_looks):
        sec.add(
            Paragraph(
                f"The audit log records {len(unsealed)} opening(s) of the test set but the Study "
                f"keeps {len(study_looks)} look(s): some looks belong to analyses that were "
                "redone. All of them count.",
                style="warning",
            )
        )
    if len(unsealed) > 1:
        sec.add(
            Paragraph(
                "The test set was opened more than once; only the first look is an untouched "
                "estimate of performance on new samples.",
                style="warning",
            )
        )
    return sec
