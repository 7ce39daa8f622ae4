"""The test page shows an undefined subgroup metric as missing with its reason (issue 13)."""

from __future__ import annotations

import pytest

from tests.engine.test_reopen_extremes import clinical_tested

pytestmark = pytest.mark.gui


def test_a_one_class_subgroup_is_shown_with_its_reason(window, tmp_path):
    project = clinical_tested(tmp_path)
    project.dirty = False
    window.set_project(project)
    page = window.pages[window.page_index("test")]
    window.go_to(window.page_index("test"))
    rows = {
        (page.subgroups.item(r, 0).text(), page.subgroups.item(r, 1).text()): page.subgroups.item(
            r, 3
        ).text()
        for r in range(page.subgroups.rowCount())
    }
    assert rows[("site", "D")].startswith("not defined: only one class")
    assert not any("nan" in t.lower() for t in rows.values())
