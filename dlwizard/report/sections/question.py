"""Section 2, the question and its intended use: target, task, unit, classes and the ceiling
the authors expect."""

from __future__ import annotations

from dlwizard.report.context import Context, not_done
from dlwizard.report.document import Paragraph, Section, Table
from dlwizard.report.formatting import fmt
from dlwizard.report.words import TASKS


def section(ctx: Context) -> Section:
    s = ctx.s
    q = s.question
    sec = Section("question", "Question and intended use")
    if not q.target:
        return sec.add(not_done("question", "there is no question to report"))
    unit = q.unit_other if q.unit == "other" and q.unit_other else q.unit
    rows = [
        ["Target (outcome)", q.target],
        ["Task", TASKS.get(q.task or "", "not set") + (" (confirmed)" if q.task_confirmed else "")],
        ["Unit of prediction", unit],
    ]
    if q.positive_class:
        rows.append(["Positive class", q.positive_class])
    if q.classes:
        rows.append(["Classes", ", ".join(q.classes)])
    rows.append(["Intended use", q.intended_use or "not stated (the author should state it)"])
    if q.ceiling is not None:
        c = q.ceiling
        rows.append(
            [
                "Expected ceiling",
                f"{fmt(c.value, 2)} ({c.kind.replace('_', ' ')})"
                + (f": {c.note}" if c.note else ""),
            ]
        )
    else:
        rows.append(["Expected ceiling", "none given"])
    sec.add(Table(["", ""], rows, widths=[1, 3]))
    if q.task_reason:
        sec.add(Paragraph(q.task_reason, style="note", lead="Task inferred:"))
    return sec
