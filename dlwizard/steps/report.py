"""Step 12, report: the PDF methods report is written (by the window or `dlwizard report`).

Writing the PDF needs Qt (``dlwizard.render.pdf``); recording it does not, so the wizard and the
command line record an export the same way: the step is done, and the audit log says where.
"""

from __future__ import annotations

from pathlib import Path

from dlwizard.study.project import Project

STEP = "report"


def record_export(project: Project, path: str | Path) -> None:
    """Mark the report step done and log the export (the caller saves the project)."""
    project.mark_done(STEP)
    project.audit("report-exported", path=str(Path(path).resolve()))
