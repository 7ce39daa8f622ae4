"""Appendix B, the reporting checklists (DOME, REFORMS, TRIPOD+AI): where this report answers
each item, by section number, and what the authors must still write. The items themselves are
in :mod:`dlwizard.report.checklists`."""

from __future__ import annotations

from dlwizard.report import checklists
from dlwizard.report.context import Context
from dlwizard.report.document import Bullets, Paragraph, Report, Section, Table
from dlwizard.report.words import STEP_PAGES

KEY = "checklists"


def section(ctx: Context) -> Section:
    """The appendix's heading only: :func:`fill` writes it once the report is numbered."""
    return Section(KEY, "Reporting checklists")


def fill(ctx: Context, report: Report) -> None:
    """Write the checklists into the numbered ``report``: they cite its sections by number."""
    report.find(KEY).subsections = _checklists(ctx, report)


def _checklists(ctx: Context, report: Report) -> list[Section]:
    out = []
    for cl in checklists.CHECKLISTS:
        sec = Section(f"checklists.{cl.key}", cl.name)
        sec.add(Paragraph(cl.reference, style="note"))
        rows, hl = [], []
        for item in cl.items:
            where, status, done = _where(ctx, report, item)
            if not done:
                hl.append(len(rows))
            rows.append([item.id, item.topic, item.asks, where, status])
        todo = len(hl)
        sec.add(
            Table(
                ["Item", "Topic", "What it asks (our words)", "Answered in this report", "Status"],
                rows,
                widths=[0.45, 1.0, 2.0, 2.4, 1.9],
                highlight=hl,
            ),
            Paragraph(
                f"{len(cl.items) - todo} of {len(cl.items)} items are answered by this report; "
                f"{todo} (in bold) need the authors' words or a step not done yet.",
                style="note",
            ),
        )
        out.append(sec)
    author = Section("checklists.author", "What the authors must still write")
    author.add(
        Paragraph(
            "No analysis can supply these; the report does not invent them. Write them in the "
            "paper, and fill in each journal's official checklist form: the item wording above "
            "is ours and short, the numbering the checklists' own; where an official form "
            "differs, the form prevails.",
        ),
        Bullets(list(checklists.AUTHOR_STATEMENTS)),
    )
    out.append(author)
    return out


def _where(ctx: Context, report: Report, item: checklists.Item) -> tuple[str, str, bool]:
    """Where the report answers ``item``, its status in words, and whether it is complete."""
    refs, missing = [], []
    for key in item.sections:
        title, page, step = checklists.SECTIONS[key]
        if not ctx.done(step):
            missing.append(STEP_PAGES.get(step, step))
            continue
        sec = report.find(key)
        number = f"§{sec.number} " if sec is not None and sec.number else ""
        refs.append(f"{number}{title} ({page} page)")
    where = "; ".join(refs) or "—"
    status = []
    if missing:
        status.append("not yet: " + ", ".join(sorted(set(missing))) + " step not done")
    if item.author:
        status.append(f"AUTHOR TO COMPLETE: {item.author}")
    done = not status
    if done:
        status.append("answered")
    elif refs and item.author and not missing:
        status[0] = "partly answered; " + status[0]
    return where, ". ".join(status), done
