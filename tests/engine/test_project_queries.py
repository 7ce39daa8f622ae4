"""The Project's queries (which column has a role, where the sealed rows are) and its working
copies, on which a step runs in a worker thread before one commit applies what it changed."""

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


def _state(project) -> tuple:
    """What a step may change, as plain values (to compare before and after)."""
    sealed = project.sealed_rows()
    return (
        project.study.model_dump_json(),
        None if project.table is None else project.table.to_csv(),
        None if sealed is None else sealed.to_csv(),
        {k: v.to_csv() for k, v in project.frames.items()},
        dict(project.models),
        [e.to_json() for e in project.log],
    )


def test_a_step_on_a_working_copy_leaves_the_original_alone_until_applied(tmp_path):
    project = project_from_frame(tmp_path, cohort(120))
    project.frames["kept"] = project.table.head(3).copy()
    project.dirty = False
    before = _state(project)

    copy = project.working_copy()
    copy.table["age"] = -1.0  # a step writing into a table in place
    copy.frames["kept"].loc[:, "age"] = 99.0  # ... or into a stored result
    split.run(copy)  # seals rows, writes a section, findings, an audit entry
    copy.models["m.json"] = b"{}"
    assert _state(project) == before, "the working copy changed the original"
    assert not project.dirty

    commit = copy.changes()
    assert [e.action for e in commit.audit] == [e.action for e in copy.log[len(project.log) :]]
    project.apply(commit)
    assert _state(project) == _state(copy)
    assert project.study is copy.study  # adopted: what the step returned is what is shown
    assert project.dirty
    assert sorted(project.sealed_rows().index) == sorted(project.study.split.test)


def test_changes_are_only_defined_on_a_working_copy(tmp_path):
    import pytest

    project = project_from_frame(tmp_path, cohort(60))
    with pytest.raises(RuntimeError):
        project.changes()
