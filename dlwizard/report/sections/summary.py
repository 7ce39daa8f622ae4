"""Section 1, the summary: the study at a glance and the methods paragraph."""

from __future__ import annotations

from dlwizard.report.context import Context, ev_metric
from dlwizard.report.document import Paragraph, Section, Table
from dlwizard.report.formatting import fmt_interval, metric_label
from dlwizard.report.methods import methods_paragraphs
from dlwizard.report.words import TASKS, verdict_text


def section(ctx: Context) -> Section:
    sec = Section("summary", "Summary")
    sec.subsections.append(
        Section("glance", "At a glance").add(Table(["", ""], _glance(ctx), widths=[1, 3]))
    )
    sec.subsections.append(
        Section("methods", "Methods paragraph").add(
            Paragraph(
                "Plain prose with the numbers filled in, ready to adapt for a paper's methods "
                "section.",
                style="note",
            ),
            *[Paragraph(p, style="quote") for p in methods_paragraphs(ctx.project)],
        )
    )
    return sec


def _glance(ctx: Context) -> list[list[str]]:
    """One row per stage: the question, data, split, best models, test result, verdict."""
    s = ctx.s
    rows: list[list[str]] = []
    q = s.question
    if q.target:
        rows.append(["Question", _question_sentence(ctx)])
    if s.data:
        rows.append(["Data", f"{s.data.n_rows} samples × {s.data.n_columns} columns"])
    if s.split:
        sp = s.split
        rows.append(
            ["Split", f"training {len(sp.train)}, tuning {len(sp.tune)}, test {len(sp.test)}"]
        )
    rows += _best_models(ctx)
    final = s.compare.final if s.compare else None
    rows.append(["Final model", final.name if final else "not frozen yet"])
    if s.test and s.test.looks:
        look = s.test.looks[0]
        m = s.test.metric
        rows.append(
            [
                "Test result",
                f"{metric_label(m)} {fmt_interval(ev_metric(look.final, m))} on {look.n_test} "
                f"test samples ({look.version})",
            ]
        )
    else:
        rows.append(["Test result", "not done: the test set has not been opened"])
    p = s.privacy
    rows.append(["Privacy verdict", verdict_text(p.verdict) if p and p.verdict else "not done"])
    warnings = [f for f in s.findings if f.severity != "info"]
    rows.append(["Open warnings", str(len(warnings))])
    return rows


def _best_models(ctx: Context) -> list[list[str]]:
    rows = []
    best = ctx.best_baseline()
    if best is not None:
        rows.append(
            [
                "Best baseline",
                f"{best.name}: tuning {ctx.label} {fmt_interval(ev_metric(best.tune, ctx.metric))}",
            ]
        )
    n = ctx.s.networks
    if n is not None and n.chosen:
        rung = next((r for r in n.rungs if r.key == n.chosen), None)
        if rung is not None:
            rows.append(
                [
                    "Best network",
                    f"{rung.name}: tuning {ctx.label} "
                    f"{fmt_interval(ev_metric(rung.tune, ctx.metric))}",
                ]
            )
    return rows


def _question_sentence(ctx: Context) -> str:
    """The question in one line: "predict 'diagnosis' per patient (binary classification; ...)"."""
    q = ctx.s.question
    unit = q.unit_other if q.unit == "other" and q.unit_other else q.unit
    text = f"predict '{q.target}' per {unit} ({TASKS.get(q.task or '', 'task not set')}"
    if q.positive_class:
        text += f"; positive class '{q.positive_class}'"
    return text + ")"
