"""Drive the baselines page: equal budget, live progress, cancel, results and the panel."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

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
    window.go_to("baselines")
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
    window.go_to("baselines")
    b = _page(window, "baselines")
    b.trials_box.setValue(30)
    b.run_button.click()
    qtbot.waitUntil(lambda: "Random forest" in window.progress.label.text(), timeout=60_000)
    # Early answers: the first family's score is on the page while the next one is tuned, and
    # the progress says how long the rest should take.
    qtbot.waitUntil(lambda: b.so_far.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: "Logistic regression" in b.so_far.text(), timeout=5000)
    assert "tuning-set" in b.so_far.text() and "Estimated duration" in b.so_far.text()
    qtbot.waitUntil(lambda: "Time left" in b.so_far.text(), timeout=60_000)
    assert " left" in window.progress.label.text()
    t0 = time.monotonic()
    window.progress.cancel_button.click()
    wait_idle(qtbot, window, timeout=5000)
    assert time.monotonic() - t0 < 1.0
    section = window.project.study.baselines
    assert section.cancelled and [r.key for r in section.results] == ["logistic"]
    assert "cancelled early" in b.recommendation.text()
    assert not b.so_far.isVisible()  # the table now shows what was kept


def _fits_the_window(qtbot, window, page, button) -> None:
    """No sideways scrolling, and the page's main action in view without scrolling."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QScrollArea

    qtbot.wait(50)
    area = page.findChild(QScrollArea)
    assert area.horizontalScrollBar().maximum() == 0, area.widget().minimumSizeHint()
    view = area.viewport()
    top = button.mapTo(view, QPoint(0, 0))
    assert top.x() >= 0 and top.x() + button.width() <= view.width()
    assert top.y() >= 0 and top.y() + button.height() <= view.height()
    assert button.text() == button.fontMetrics().elidedText(
        button.text(), Qt.TextElideMode.ElideRight, button.width()
    )


def test_baselines_page_fits_and_speaks_plainly(qtbot, window, tmp_path):
    import re

    path = shared("parkinsons_uci", "parkinsons.data")
    project = _split_project(
        tmp_path,
        f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[explore]\n'
        '[split]\n[baselines]\nfamilies = ["logistic", "knn", "naive_bayes"]\ntrials = 2\n'
        "permutations = 3\nbootstrap = 200\n",
    )
    window.set_project(project)
    b = _page(window, "baselines")
    for size in ((1024, 640), (1280, 800)):
        window.resize(*size)
        window.go_to("baselines")
        _fits_the_window(qtbot, window, b, b.run_button)
    section = project.study.baselines
    # the row selected at first is the recommended one, wherever the sort put it
    keys = [b.results.item(r, 0).data(Qt.ItemDataRole.UserRole + 1) for r in range(3)]
    section.recommended = keys[-1]  # as if the simplest were last in the ranking
    b.refresh()
    selected = b.results.selectionModel().selectedRows()
    assert [keys[i.row()] for i in selected] == [keys[-1]]
    name = next(r.name for r in section.results if r.key == keys[-1])
    assert name in b.panel.title.text() and name in b.settings_label.text()
    # the ledger in plain words: family names, readable settings, a local time
    ledger = [b.ledger.item(r, 0).text() for r in range(b.ledger.rowCount())]
    assert ledger == [r.name for r in section.results]
    assert not {"logistic", "knn", "naive_bayes"} & set(ledger)
    b.results.selectRow(keys.index("logistic"))
    settings = b.settings_label.text()
    assert "Regularisation strength C" in settings and "Penalty" in settings
    assert "C=" not in settings and "penalty=" not in settings
    when = b.ledger_when.text()
    assert re.search(r"\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}", when), when
    assert "T" not in when.split("on ", 1)[1].split(" (")[0]  # not an ISO time stamp
    # few shuffled runs: the floor of the p-value is said
    assert "the smallest possible p here is 1/(3+1) = 0.25" in b.controls_label.text()
    # every column of the results and the ledger within their tables, at both sizes
    for size in ((1024, 640), (1280, 800)):
        window.resize(*size)
        qtbot.wait(50)
        for table in (b.results, b.ledger):
            assert table.horizontalHeader().length() <= table.viewport().width(), size


def test_the_budget_can_be_kept_equal_in_time(qtbot, window, tmp_path):
    """Choosing 'the search time' greys out the trial count, renames the time box, and the
    options (and after a run, the ledger) say the budget is in seconds."""
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _split_project(
        tmp_path,
        f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[split]\n',
    )
    window.set_project(project)
    window.go_to("baselines")
    b = _page(window, "baselines")
    assert b.budget_kind.currentData() == "trials" and b.trials_box.isEnabled()
    b.budget_kind.setCurrentIndex(b.budget_kind.findData("time"))
    assert not b.trials_box.isEnabled()
    assert b.seconds_label.text() == "Search time per family"
    b.seconds_box.setValue(2)
    b.perm_box.setValue(0)
    for key, check in b.family_checks.items():
        check.setChecked(key in ("logistic", "naive_bayes"))
    assert b.options().budget == "time" and b.options().seconds_per_family == 2
    b.run_button.click()
    qtbot.waitUntil(lambda: window.progress.isVisible(), timeout=5000)
    wait_idle(qtbot, window, timeout=120_000)
    assert not b.banner.isVisible(), b.banner.text()
    ledger = window.project.study.baselines.ledger
    assert [e.by for e in ledger] == ["time", "time"] and all(e.complete for e in ledger)
    assert " of " not in b.ledger.item(0, 1).text()  # trials used, no ceiling shown
    # Shown again from the Study: the choice is kept.
    window.go_to("split")
    window.go_to("baselines")
    assert b.budget_kind.currentData() == "time" and not b.trials_box.isEnabled()
