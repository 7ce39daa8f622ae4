"""Drive the baselines page: equal budget, live progress, cancel, results and the panel."""

from __future__ import annotations

import time

import pytest

from dlwizard.plan import load_plan, run_plan
from tests.conftest import shared
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _page(window, step):
    return next(p for p in window.pages if p.step == step)


def _split_project(tmp_path, text):
    plan = tmp_path / "plan.toml"
    plan.write_text(text)
    return run_plan(load_plan(plan), base=tmp_path)


def test_parkinsons_baselines_page(qtbot, window, tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _split_project(
        tmp_path,
        f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[explore]\n[split]\n',
    )
    window.set_project(project)
    window.go_to(5)
    b = _page(window, "baselines")
    assert window.stack.currentWidget() is b
    b.trials_box.setValue(2)
    b.perm_box.setValue(3)
    for key in ("svm", "gradient_boosting", "random_forest"):
        b.family_checks[key].setChecked(False)
    b.run_button.click()
    qtbot.waitUntil(lambda: window.progress.isVisible(), timeout=5000)
    wait_idle(qtbot, window, timeout=120_000)
    assert not b.banner.isVisible(), b.banner.text()
    section = window.project.study.baselines
    assert [r.key for r in section.results] == ["logistic", "knn", "naive_bayes"]
    assert {e.trials_used for e in section.ledger} == {2}
    assert b.results.rowCount() == 3
    assert b.ledger.rowCount() == 3
    assert "Recommended baseline" in b.recommendation.text()
    assert "Shuffled labels" in b.controls_label.text()
    b.results.selectRow(1)
    assert b.panel.isVisible() and b.panel.table.rowCount() == 6  # the binary panel
    assert "on the tuning set" in b.panel.title.text()


def test_cancel_baselines_within_a_second(qtbot, window, tmp_path):
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    project = _split_project(
        tmp_path,
        f'[question]\ntarget = "disease"\n[data]\npath = "{path}"\n[metadata]\n'
        'roles = {target = "ignore"}\n[explore]\n[split]\n',
    )
    window.set_project(project)
    window.go_to(5)
    b = _page(window, "baselines")
    b.trials_box.setValue(30)
    b.run_button.click()
    qtbot.waitUntil(lambda: "Random forest" in window.progress.label.text(), timeout=60_000)
    t0 = time.monotonic()
    window.progress.cancel_button.click()
    wait_idle(qtbot, window, timeout=5000)
    assert time.monotonic() - t0 < 1.0
    section = window.project.study.baselines
    assert section.cancelled and [r.key for r in section.results] == ["logistic"]
    assert "cancelled early" in b.recommendation.text()
