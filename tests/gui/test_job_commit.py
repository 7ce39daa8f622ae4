"""A job never changes the project the window shows while it runs: it works on a copy, and what it
changed is applied in the GUI thread when it has finished. Cancel or failure leave it untouched."""

from __future__ import annotations

import threading

from dlwizard.errors import StepError
from dlwizard.study.model import Finding
from dlwizard.study.project import Project


def _step(gate: threading.Event, seen: dict):
    """A step that changes the project, waits for the test, then reports progress once."""

    def fn(project: Project, job) -> object:
        seen["thread"] = threading.current_thread()
        seen["project"] = project
        project.study.name = "Renamed by the step"
        found = Finding(code="x", severity="info", step="question", message="a finding")
        project.replace_findings("question", [found])
        project.audit("step-ran")
        gate.wait(10)
        job.progress(1.0, "done")  # raises Cancelled after a cancel
        if seen.get("fail"):
            raise StepError("it went wrong", fix="nothing")
        return project.study.findings[-1]

    return fn


def _snapshot(project: Project) -> tuple:
    return (project.study.model_dump_json(), len(project.log), project.dirty)


def test_the_worker_changes_a_copy_and_the_gui_thread_applies_it(window, qtbot):
    project = window.project
    project.dirty = False
    before = _snapshot(project)
    gate, seen, results = threading.Event(), {}, []
    window.run_job(_step(gate, seen), project, message="Working…", on_done=results.append)
    qtbot.waitUntil(lambda: "project" in seen, timeout=5_000)
    assert seen["project"] is not project
    assert seen["thread"] is not threading.main_thread()
    assert _snapshot(project) == before  # mid-job, the shared project is as it was
    gate.set()
    qtbot.waitUntil(lambda: window.job is None, timeout=10_000)
    assert window.project is project
    assert project.study.name == "Renamed by the step"
    assert project.log[-1].action == "step-ran"
    assert project.dirty
    assert results and results[0] is project.study.findings[-1]  # the object now held


def test_cancel_and_failure_leave_the_project_untouched(window, qtbot):
    project = window.project
    project.dirty = False
    before = _snapshot(project)
    for fail in (False, True):
        gate, seen = threading.Event(), {"fail": fail}
        window.run_job(_step(gate, seen), project, message="Working…")
        qtbot.waitUntil(lambda seen=seen: "project" in seen, timeout=5_000)
        if not fail:
            window.cancel_job()
        gate.set()
        qtbot.waitUntil(lambda: window.job is None, timeout=10_000)
        assert _snapshot(project) == before
        if not fail:
            assert "nothing was changed" in window.statusBar().currentMessage().lower()
