"""Appendix C, the audit log: every recorded action, oldest first, in words."""

from __future__ import annotations

from dlwizard.report.audit import action_words, detail_text
from dlwizard.report.context import Context
from dlwizard.report.document import Paragraph, Section, Table
from dlwizard.report.formatting import fmt_time


def section(ctx: Context) -> Section:
    sec = Section("audit", "Audit log")
    log = ctx.project.log
    if not log:
        return sec.add(Paragraph("The audit log is empty.", style="note"))
    rows = [[fmt_time(e.time), e.user, action_words(e.action), detail_text(e.detail, ctx)]
            for e in log]  # fmt: skip
    sec.add(
        Paragraph(
            "Every recorded action, oldest first: who did what, when, and with which version.",
            style="note",
        ),
        Table(["Time", "User", "Action", "Details"], rows, widths=[1.5, 0.8, 1.3, 4]),
    )
    return sec
