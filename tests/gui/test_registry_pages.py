"""The window's pages follow the step registry: one page per step, in order, named as declared."""

from __future__ import annotations

import pytest

from dlwizard.study import registry

pytestmark = pytest.mark.gui


def test_one_page_per_step_in_the_registry_order_with_its_title_and_tips(window):
    assert [p.step for p in window.pages] == list(registry.ORDER)
    for i, page in enumerate(window.pages):
        spec = registry.spec(page.step)
        assert (page.title, page.tips) == (spec.title, spec.tips)
        item = window.steps.item(i)
        assert item.text().endswith(f"{i + 1}  {spec.title}")  # after the done mark


def test_pages_are_built_when_first_visited(qtbot):
    """The first window shows sooner: only the page on screen is built at start; another is
    built (and filled from the Study) on its first visit, in its place in the stack, and the
    step list names every step from the start."""
    from dlwizard.gui.app import create_app
    from dlwizard.gui.main_window import MainWindow
    from dlwizard.gui.pages.base import Page

    create_app()
    w = MainWindow()
    qtbot.addWidget(w)
    assert [p.step for p in w.pages.built()] == ["question"]
    assert w.steps.count() == len(registry.ORDER)
    assert not isinstance(w.stack.widget(registry.ORDER.index("split")), Page)
    w.pages[registry.ORDER.index("data")]  # asked for: built where it belongs
    w.go_to("explore")
    assert [p.step for p in w.pages.built()] == ["question", "data", "explore"]
    assert w.stack.currentWidget() is w.pages[registry.ORDER.index("explore")]
    assert w.stack.widget(registry.ORDER.index("data")).step == "data"
    assert w.stack.count() == len(registry.ORDER)
    w.go_to("question")
    assert w.stack.currentWidget().step == "question"
