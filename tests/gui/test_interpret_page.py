"""The Interpret page on a three-species study with a perfect score (issue 12): it fits the
window at 1280 x 800 and 1024 x 640 with its main button in view, shows one coefficient per
class without signed zeros, says that importance is uninformative at the ceiling, and says that
no subgroup was tested instead of "no subgroup did clearly worse"."""

from __future__ import annotations

import re

import pytest

from tests.engine.test_interpret_statements import SPECIES, field_project

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module")
def perfect(tmp_path_factory):
    return field_project(tmp_path_factory.mktemp("interpret-page"))


def _settle(qtbot, window, ms: int = 300) -> None:
    qtbot.waitUntil(lambda: window.job is None, timeout=60_000)
    qtbot.wait(ms)  # the plots and the coefficients table are drawn in later passes


@pytest.mark.parametrize("size", [(1280, 800), (1024, 640)])
def test_the_page_fits_the_window_and_its_button_is_in_view(window, qtbot, perfect, size):
    from PySide6.QtWidgets import QScrollArea

    perfect.dirty = False
    window.set_project(perfect)
    window.resize(*size)
    i = next(i for i, p in enumerate(window.pages) if p.step == "interpret")
    window.go_to(i)
    _settle(qtbot, window)
    page = window.pages[i]
    scroll = page.findChild(QScrollArea)
    assert scroll.horizontalScrollBar().maximum() == 0, "the page scrolls sideways"
    assert scroll.verticalScrollBar().value() == 0
    button = page.run_button
    assert button.isVisible() and button.isEnabled()
    corner = button.mapTo(scroll.viewport(), button.rect().bottomRight())
    viewport = scroll.viewport().rect()
    assert viewport.contains(corner), f"the button ends at {corner.toTuple()}, out of view"

    # Several classes: one column per class, numbers without "+0" or "-0".
    headers = [page.coefs.horizontalHeaderItem(c).text() for c in range(page.coefs.columnCount())]
    assert headers == ["Feature", *SPECIES]
    cells = [
        page.coefs.item(r, c).text()
        for r in range(page.coefs.rowCount())
        for c in range(1, page.coefs.columnCount())
    ]
    assert cells and not any(re.fullmatch(r"[+-]0(\.0*)?", t) for t in cells)

    # At a perfect score the page says that importance is uninformative, once, beside the results.
    assert page.ceiling.isVisible() and "uninformative" in page.ceiling.text()
    assert "uninformative" not in page.caveats.text()

    # No subgroup was tested: said, with the reason; not "none did clearly worse".
    failing = page.failing.text()
    assert failing.startswith("No subgroup was tested") and "'site'" in failing
    assert "did clearly worse" not in failing
    # A table: no sequence section, the panel in its place.
    assert not page.seq_box.isVisible() and page.panel_plot.isVisible()
    perfect.dirty = False


@pytest.fixture(scope="module")
def sequences(tmp_path_factory):
    from dlwizard.steps import compare, interpret
    from dlwizard.study.model import CompareOptions
    from tests.engine.test_sequence_interpret import QUICK, sequence_project

    project = sequence_project(tmp_path_factory.mktemp("interpret-sequences"))
    compare.freeze(project, CompareOptions(model="baseline:logistic", reason="a test"))
    interpret.run(project, QUICK)
    return project


def test_a_sequence_model_shows_logos_kmers_and_the_caveat(window, qtbot, sequences):
    from PySide6.QtWidgets import QScrollArea

    sequences.dirty = False
    window.set_project(sequences)
    window.resize(1024, 640)
    i = next(i for i, p in enumerate(window.pages) if p.step == "interpret")
    window.go_to(i)
    _settle(qtbot, window, 600)
    page = window.pages[i]
    seq = sequences.study.interpret.sequence
    assert page.seq_box.isVisible()
    shown = [w for w in page.logos if w.isVisible()]
    assert len(shown) == len(seq.examples) >= 2
    # Each logo holds the letters of its example (one path item per letter colour).
    from PySide6.QtWidgets import QGraphicsPathItem

    items = shown[0].getPlotItem().items
    assert 1 <= sum(isinstance(it, QGraphicsPathItem) for it in items) <= 4
    titles = [t.text() for t in page.logo_titles if t.isVisible()]
    assert any("right" in t for t in titles) and all("class" in t for t in titles)
    assert page.kmers.rowCount() == len(seq.kmers) > 0
    assert page.kmers.horizontalHeaderItem(1).text() == "k-mer"
    assert "not proof that it does anything in the cell" in page.motif_caveat.text()
    # The sequence alone has no biomarker panel: none is drawn.
    assert not page.panel_plot.isVisible()
    scroll = page.findChild(QScrollArea)
    assert scroll.horizontalScrollBar().maximum() == 0, "the page scrolls sideways"
    sequences.dirty = False
