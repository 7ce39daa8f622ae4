"""The front matter under the report's title: the study, its dates and versions, the steps
done and the state of the test set."""

from __future__ import annotations

from dlwizard import __version__
from dlwizard.report.context import Context
from dlwizard.report.document import Block, Paragraph, Table
from dlwizard.report.formatting import fmt_time
from dlwizard.report.words import STEP_PAGES


def blocks(ctx: Context) -> list[Block]:
    s = ctx.s
    done = [STEP_PAGES.get(k, k) for k in s.steps_done]
    lines = [
        ("Study", s.name),
        ("Study ID", s.id),
        ("Created", fmt_time(s.created)),
        ("Last changed", fmt_time(s.modified)),
        ("Written with", f"dlwizard {s.app_version} (report by dlwizard {__version__})"),
        ("Steps done", ", ".join(done) or "none"),
        ("Test set", _test_status(ctx)),
    ]
    if s.privacy is not None and s.privacy.sensitive:
        lines.append(("Data", "sensitive: the project is encrypted at rest"))
    return [
        Table(["", ""], [[k, v] for k, v in lines], widths=[1, 3]),
        Paragraph(
            "Generated from the project's record of every answer, result and check. Numbers "
            "are those the analysis produced; steps not done are marked as such. Items only the "
            "authors can supply (ethics, funding, data availability, registration) are listed "
            "in the checklist appendix, never filled in. No data rows or sample IDs are printed.",
            style="note",
        ),
    ]


def _test_status(ctx: Context) -> str:
    s = ctx.s
    looks = ctx.test_entries()
    if looks:
        n = len(looks)
        return f"opened {n} time{'s' if n != 1 else ''} (every look is listed under Evaluation)"
    if s.split is None:
        return "no split yet"
    return "sealed, never opened"
