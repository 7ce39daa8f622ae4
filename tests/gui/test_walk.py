"""A bench scientist's walk through every page, in both orders of answering (issue 12).

The question page says: import on the Data page, then come back to choose the target. Whatever
the order, the answer column must never be an input, the import must stay done, and a missing
target must point back to the question instead of leaving a dead end.
"""

from __future__ import annotations

import pytest

from dlwizard.steps import modelling
from tests.engine.test_target_never_input import field_table
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _go(window, step: str):
    i = window.page_index(step)
    window.go_to(i)
    return window.pages[i]


def _next(qtbot, window) -> None:
    assert window.next_button.isEnabled(), window.blocker.text()
    window.next_button.click()
    wait_idle(qtbot, window)


def _target_is_never_an_input(window, target: str) -> None:
    p = window.project
    m = p.study.metadata
    if m is not None:
        assert m.roles.get(target) == "target", m.roles
    if p.study.split is not None and p.is_done("split"):
        prepared = modelling.prepare(p)
        assert target not in prepared.numeric + prepared.categorical
    assert "✓" in window.steps.item(window.page_index("data")).text()


def _choose_target(window, target: str) -> None:
    q = _go(window, "question")
    q.target_combo.setCurrentIndex(q.target_combo.findData(target))
    assert window.project.study.question.target == target


def _walk_the_rest(qtbot, window, target: str) -> None:
    """From the metadata page to the report, checking the target at every page."""
    _go(window, "metadata")
    wait_idle(qtbot, window)
    _target_is_never_an_input(window, target)
    _next(qtbot, window)
    explore = window.current_page()
    explore.run_exploration()
    wait_idle(qtbot, window)
    assert not explore.banner.isVisible(), explore.banner.text()
    _target_is_never_an_input(window, target)
    _next(qtbot, window)
    split_page = window.current_page()
    split_page.make_split()
    wait_idle(qtbot, window)
    assert not split_page.banner.isVisible(), split_page.banner.text()
    _target_is_never_an_input(window, target)
    _next(qtbot, window)
    b = window.current_page()
    b.trials_box.setValue(2)
    b.perm_box.setValue(0)
    for key, cb in b.family_checks.items():
        cb.setChecked(key in ("logistic", "naive_bayes"))
    b.run_baselines()
    wait_idle(qtbot, window, timeout=120_000)
    assert not b.banner.isVisible(), b.banner.text()
    _target_is_never_an_input(window, target)
    _next(qtbot, window)  # networks are optional beside the baselines
    _next(qtbot, window)
    compare = window.current_page()
    compare.freeze()
    wait_idle(qtbot, window)
    assert window.project.study.compare.final is not None, compare.banner.text()
    _next(qtbot, window)
    test_page = window.current_page()
    test_page.open_test()
    wait_idle(qtbot, window)
    assert window.project.test_opened, test_page.banner.text()
    _next(qtbot, window)
    interpret = window.current_page()
    interpret.repeats.setValue(2)
    interpret.run_interpret()
    wait_idle(qtbot, window, timeout=120_000)
    assert window.project.is_done("interpret"), interpret.banner.text()
    names = {m for i in window.project.study.interpret.importances for m in [i.name, *i.members]}
    assert target not in names
    _next(qtbot, window)
    _next(qtbot, window)
    assert window.current_page().step == "report"
    _target_is_never_an_input(window, target)


def _import(qtbot, window, path) -> None:
    d = _go(window, "data")
    d.add_files([str(path)])
    d.import_button.click()
    wait_idle(qtbot, window)
    assert window.project.table is not None, d.banner.text()


@pytest.mark.parametrize("names", [None, {"species": "answer", "site": "where"}])
def test_walk_in_the_order_the_question_page_recommends(qtbot, window, tmp_path, names):
    target = (names or {}).get("species", "species")
    path = tmp_path / "field.csv"
    field_table(names, n=150).to_csv(path, index=False)
    # The question first: nothing to choose yet, so Next leads on to the Data page.
    assert window.current_page().step == "question"
    _next(qtbot, window)
    _import(qtbot, window, path)
    _next(qtbot, window)
    # Roles are suggested without a target; going on is refused, with the way back.
    assert window.current_page().step == "metadata"
    assert not window.next_button.isEnabled()
    assert "no target is chosen" in window.blocker.text()
    assert "href='question'" in window.blocker.text()
    window.blocker.linkActivated.emit("question")
    assert window.current_page().step == "question"
    _choose_target(window, target)
    _walk_the_rest(qtbot, window, target)


def test_walk_with_the_data_first_and_the_target_last(qtbot, window, tmp_path):
    path = tmp_path / "field.csv"
    field_table(n=150).to_csv(path, index=False)
    _import(qtbot, window, path)
    _go(window, "metadata")
    wait_idle(qtbot, window)
    # Explore and Split without a target: refused with the way back, never a silent dead end.
    split_page = _go(window, "split")
    assert not split_page.split_button.isEnabled()
    assert "Go to the question" in split_page.waiting_note.text()
    assert split_page.waiting_note.isVisible()
    _choose_target(window, "species")
    _walk_the_rest(qtbot, window, "species")


def test_an_empty_question_with_data_blocks_next(qtbot, window, tmp_path):
    path = tmp_path / "field.csv"
    field_table(n=60).to_csv(path, index=False)
    _import(qtbot, window, path)
    _go(window, "question")
    assert not window.next_button.isEnabled()
    assert "target" in window.blocker.text().lower()
    assert window.steps.item(0).text().startswith("!")


def test_next_and_back_have_keyboard_shortcuts_and_tab_leaves_text_boxes(qtbot, window):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QPlainTextEdit

    assert window.current_page().step == "question"
    qtbot.keyClick(window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.current_page().step == "data"
    qtbot.keyClick(window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert window.current_page().step == "question"
    edits = window.findChildren(QPlainTextEdit)
    assert edits and all(e.tabChangesFocus() for e in edits)
