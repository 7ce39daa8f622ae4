"""The report's words fit the study: several classes, data not from people (issue 12)."""

from __future__ import annotations

import re

import pandas as pd

from dlwizard.report.content import build_report
from dlwizard.report.document import to_text
from dlwizard.steps import privacy
from tests.engine.test_reopen_extremes import clinical_tested


def test_three_classes_and_an_animal_table_are_reported_in_their_own_words(tmp_path):
    project = clinical_tested(tmp_path)
    # A collection date on a table that is not from people.
    dates = pd.Series(pd.date_range("2021-01-01", periods=len(project.table), freq="D"))
    project.table["collected"] = dates.dt.strftime("%Y-%m-%d").to_numpy()
    project.study.metadata.roles["collected"] = "ignore"
    privacy.answer(
        project, human_subjects=False, health_records=False, genomic=False, identifiable=False
    )
    privacy.run(project)
    text = to_text(build_report(project))
    assert "positive class in red" not in text
    assert "called at probability 0.5" not in text
    assert "called as its most probable class" in text
    assert [h.column for h in project.study.privacy.identifiers] == ["collected"]
    # The audit log in words: model names and the verdict, never their keys.
    # Everything but the plan appendix (TOML, which keeps its keys, rightly); the audit log
    # comes after it.
    body = text.split("[question]")[0] + text.rsplit("Audit log", 1)[1]
    assert not re.search(r"baseline:\w|network:\w|shareable_after|do_not_share", body)
    assert "Not applied: by the answers the data are not from people" in text
