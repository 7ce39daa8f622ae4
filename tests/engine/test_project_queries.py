"""The Project's queries: which column has a role, and where the sealed rows are."""

from __future__ import annotations

from dlwizard.steps import split
from tests.engine.synthetic import cohort, project_from_frame


def test_column_with_a_role_and_the_sealed_rows(tmp_path):
    df = cohort(120)
    df["site"] = ["north", "south", "east"] * 40
    project = project_from_frame(tmp_path, df, roles={"site": "batch"})
    assert project.column_with("batch") == "site"
    assert project.columns_with("batch") == ["site"]
    assert project.column_with("target") == "label"
    assert project.column_with("replicate") is None
    assert project.sealed_rows() is None  # before the split nothing is sealed

    split.run(project)
    sealed = project.sealed_rows()
    assert sorted(sealed.index) == sorted(project.study.split.test)
    assert not set(sealed.index) & set(project.table.index)
    # A role kept on the metadata page for a column the working table no longer has.
    project.study.metadata.roles["gone"] = "batch"
    assert project.columns_with("batch") == ["site"]
    assert project.columns_with("batch", in_table=False) == ["site", "gone"]
