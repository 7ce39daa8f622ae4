"""The methods report's content, built from a project's Study and audit log (no Qt).

:func:`build_report` returns a :class:`~dlwizard.report.document.Report`: sections that follow
DOME (Data, Optimisation, Model, Evaluation) plus the question, interpretation, privacy,
findings, a reproducibility appendix, the reporting checklists and the audit log. Every number
comes from the Study; a step that was not done says so in one plain line, and nothing is
invented. The report never prints table rows or sample IDs: values of identifying columns are
blanked wherever a message would quote them (:class:`Redactor`).

The code lives in the modules beside this one (``build``, ``sections/``, ``methods``,
``formatting``, ``redaction``, ``audit``); this module keeps the names other code imports.
"""

from __future__ import annotations

from dlwizard.report.audit import ACTIONS, ANSWER_WORDS, DETAIL_WORDS, action_words
from dlwizard.report.build import TITLE, build_report
from dlwizard.report.context import not_done
from dlwizard.report.formatting import (
    MEASURES,
    fmt,
    fmt_interval,
    fmt_measure,
    fmt_p,
    fmt_params,
    fmt_pct,
    fmt_range,
    fmt_seconds,
    fmt_time,
    fmt_value,
)
from dlwizard.report.methods import methods_paragraph, methods_paragraphs
from dlwizard.report.redaction import ID_ROLES, REDACTED, Redactor
from dlwizard.report.sections.data import MAX_BATCH_VALUES
from dlwizard.report.sections.evaluation import MIN_SUBGROUP_SHOWN
from dlwizard.report.sections.interpretation import MAX_IMPORTANCES
from dlwizard.report.sections.metadata import MAX_LEFT_OUT, ROLE_PURPOSE
from dlwizard.report.sections.reproducibility import compact_toml
from dlwizard.report.words import DESIGNS, ROLE_WORDS, STEP_PAGES, TASKS

__all__ = [
    "ACTIONS",
    "ANSWER_WORDS",
    "DESIGNS",
    "DETAIL_WORDS",
    "ID_ROLES",
    "MAX_BATCH_VALUES",
    "MAX_IMPORTANCES",
    "MAX_LEFT_OUT",
    "MEASURES",
    "MIN_SUBGROUP_SHOWN",
    "REDACTED",
    "ROLE_PURPOSE",
    "ROLE_WORDS",
    "STEP_PAGES",
    "TASKS",
    "TITLE",
    "Redactor",
    "action_words",
    "build_report",
    "compact_toml",
    "fmt",
    "fmt_interval",
    "fmt_measure",
    "fmt_p",
    "fmt_params",
    "fmt_pct",
    "fmt_range",
    "fmt_seconds",
    "fmt_time",
    "fmt_value",
    "methods_paragraph",
    "methods_paragraphs",
    "not_done",
]
