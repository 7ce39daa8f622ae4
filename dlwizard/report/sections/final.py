"""Section 5.4, the comparison and the frozen final model: every candidate side by side, the
recommendation, and what was frozen (settings, inputs, output, file hashes)."""

from __future__ import annotations

from dlwizard.report.context import Context, ev_metric, not_done
from dlwizard.report.document import Paragraph, Section, Table
from dlwizard.report.formatting import (
    fmt,
    fmt_interval,
    fmt_params,
    fmt_seconds,
    fmt_time,
    metric_label,
)


def section(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("model.final", "Comparison and the frozen final model")
    c = s.compare
    if c is None:
        return sec.add(not_done("compare", "no final model was frozen"))
    if c.candidates:
        sec.add(_candidates(c))
    if c.recommendation:
        sec.add(Paragraph(c.recommendation, lead="Recommendation:"))
    f = c.final
    if f is None:
        sec.add(not_done("compare", "the comparison was made but no model was frozen"))
        return sec
    sec.add(_frozen(ctx, f, c.metric))
    if f.chosen_against_recommendation:
        sec.add(
            Paragraph(
                "The final model was chosen against the recommendation of the simplest model "
                "within noise of the best.",
                style="warning",
            )
        )
    return sec


def _candidates(c) -> Table:
    rows, hl = [], []
    for i, cand in enumerate(c.candidates):
        if c.final is not None and cand.key == c.final.key:
            hl.append(i)
        rows.append(
            [
                cand.name,
                cand.kind,
                fmt_interval(cand.tune),
                f"{fmt(cand.cv_mean)} ± {fmt(cand.cv_sd)}" if cand.cv_mean is not None else "n/a",
                str(cand.trials),
                fmt_seconds(cand.seconds),
                "yes" if cand.memorises_rows else "no",
            ]
        )
    return Table(
        [
            "Candidate",
            "Kind",
            f"Tuning {metric_label(c.metric)}",
            "CV mean ± SD",
            "Trials",
            "Time",
            "Keeps rows",
        ],
        rows,
        caption="Every tuned model side by side on the tuning set (the frozen model in bold).",
        align="llrrrrl",
        highlight=hl,
        widths=[2, 0.8, 1.7, 1.2, 0.6, 0.7, 0.7],
    )


def _inputs_words(f) -> str:
    words = f"{len(f.numeric)} numeric, {len(f.categorical)} categorical features"
    if f.sequence:
        kind = "protein" if f.alphabet == "protein" else (f.alphabet or "").upper()
        seq = f"{kind} sequences ('{f.sequence}')"
        if f.sequence_lengths:
            low, high = f.sequence_lengths
            seq += f", {low} to {high} letters in training" if low != high else f", {low} letters"
        words = seq if not (f.numeric or f.categorical) else f"{seq}; {words}"
    return words


def _frozen(ctx: Context, f, metric: str) -> Table:
    rows = [
        ["Final model", f.name],
        ["Kind", f"{f.kind} ({f.family})"],
        ["Settings", fmt_params(f.params)],
        ["Inputs", _inputs_words(f)],
        ["Output", _output_words(f.task, f.classes)],
        ["Tuning " + metric_label(metric), fmt_interval(ev_metric(f.tune, metric))],
        ["Frozen at", fmt_time(f.frozen_at)],
    ]
    if f.recommended and f.recommended != f.key:
        rows.append(["Recommended instead", ctx.family_name(f.recommended)])
    if f.chosen_against_recommendation or f.reason:
        rows.append(["Reason for the choice", f.reason or "none given"])
    for name, digest in f.files.items():
        rows.append([f"File {name}", f"SHA-256 {digest}"])
    return Table(["", ""], rows, widths=[1, 3])


def _output_words(task: str, classes: list[str]) -> str:
    if task == "regression":
        return "a predicted value"
    if task == "binary" and classes:
        return (
            f"the probability of '{classes[-1]}'; the class is called at probability 0.5 "
            "(no threshold was tuned)"
        )
    return "one probability per class; the predicted class is the most probable"
