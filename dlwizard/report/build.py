"""The whole report, assembled: :func:`build_report` builds the front matter, then each section
of :data:`BODY` and :data:`APPENDICES` in order, numbers them, fills in the checklists (which cite
the numbers) and blanks identifying values.

The body follows DOME (Data, Optimisation, Model, Evaluation) between the question and the
interpretation, privacy and findings; within it the sections follow the steps' order
(``dlwizard.study.registry``), each reporting the step that fills it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dlwizard import __version__
from dlwizard.report.context import Context
from dlwizard.report.document import Report, Section
from dlwizard.report.redaction import Redactor
from dlwizard.report.sections import (
    audit_log,
    baselines,
    checklists,
    checks,
    data,
    evaluation,
    final,
    findings,
    front,
    interpretation,
    metadata,
    networks,
    optimisation,
    privacy,
    question,
    reproducibility,
    split,
    summary,
)

if TYPE_CHECKING:
    from dlwizard.study.project import Project

TITLE = "Methods report"
SectionBuilder = Callable[[Context], Section]


def part(key: str, title: str, tag: str, *subsections: SectionBuilder) -> SectionBuilder:
    """A top-level section that only holds ``subsections`` (one DOME part)."""

    def build(ctx: Context) -> Section:
        sec = Section(key, title, tag=tag)
        sec.subsections = [sub(ctx) for sub in subsections]
        return sec

    return build


BODY: tuple[SectionBuilder, ...] = (
    summary.section,
    question.section,
    part(
        "data",
        "Data",
        "DOME: Data",
        data.provenance,
        data.samples,
        metadata.section,
        checks.section,
        split.section,
    ),
    part(
        "optimisation",
        "Optimisation",
        "DOME: Optimisation",
        optimisation.preprocessing,
        optimisation.families,
        optimisation.tuning,
        optimisation.settings,
    ),
    part(
        "model",
        "Model",
        "DOME: Model",
        baselines.section,
        baselines.controls,
        networks.section,
        final.section,
    ),
    part(
        "evaluation",
        "Evaluation",
        "DOME: Evaluation",
        evaluation.result,
        evaluation.subgroups,
        evaluation.looks,
    ),
    interpretation.section,
    privacy.section,
    findings.section,
)
APPENDICES: tuple[SectionBuilder, ...] = (
    reproducibility.section,
    checklists.section,
    audit_log.section,
)


def build_report(project: Project, generated: datetime | None = None) -> Report:
    """The whole methods report for ``project``, as structured data."""
    ctx = Context(project)
    s = ctx.s
    when = (generated or datetime.now(UTC)).astimezone()
    report = Report(
        project_name=s.name,
        title=TITLE,
        generated=when.strftime("%Y-%m-%d %H:%M %Z").strip(),
        app_version=__version__,
        study_id=s.id,
    )
    report.front = front.blocks(ctx)
    report.sections = [build(ctx) for build in BODY]
    report.appendices = [build(ctx) for build in APPENDICES]
    report.number()
    checklists.fill(ctx, report)
    report.number()
    Redactor.for_project(project).scrub_report(report)
    return report
