"""Section 9, findings by step: every check's result, grouped by the step that made it, in the
steps' order, warnings first."""

from __future__ import annotations

from dlwizard.report.context import Context
from dlwizard.report.document import Paragraph, Section, Table
from dlwizard.report.words import STEP_PAGES

SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def section(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("findings", "Findings by step")
    sec.add(
        Paragraph(
            "Every check's result, grouped by the step that made it: warnings first. Codes are "
            "stable and explained in the documentation (docs/warnings.md).",
            style="note",
        )
    )
    from dlwizard.study.project import STEP_ORDER

    order = {k: i for i, k in enumerate(STEP_ORDER)}
    steps = sorted({f.step for f in s.findings}, key=lambda k: order.get(k, 99))
    if not steps:
        sec.add(Paragraph("No finding was recorded.", style="note"))
    for step in steps:
        fs = sorted(
            (f for f in s.findings if f.step == step), key=lambda f: SEVERITY_RANK[f.severity]
        )
        sec.subsections.append(
            Section(f"findings.{step}", STEP_PAGES.get(step, step)).add(
                Table(
                    ["Severity", "Code", "Finding", "What to do"],
                    [[f.severity, f.code, f.message, f.fix] for f in fs],
                    widths=[0.7, 1.5, 3.4, 2.2],
                    highlight=[i for i, f in enumerate(fs) if f.severity != "info"],
                )
            )
        )
    return sec
