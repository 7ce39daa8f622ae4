"""The document: the Study model, the .dlwiz container, migrations and the audit log."""

from dlwizard.study.model import SCHEMA_VERSION, Study
from dlwizard.study.project import Project

__all__ = ["SCHEMA_VERSION", "Project", "Study"]
