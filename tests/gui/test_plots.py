"""The plot builders drawn offscreen: one colour-blind-safe palette, legends off the data, names
never cut (class-balance bars, missing-values heatmap)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gui

OKABE_ITO = {
    "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
}  # fmt: skip


def drawn_texts(axis) -> list[str]:
    """The tick labels pyqtgraph really draws on ``axis`` (it skips those that do not fit)."""
    from PySide6.QtGui import QImage, QPainter

    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _rect, _flags, text in specs[2]] if specs else []


@pytest.fixture
def plot(qtbot):
    import pyqtgraph as pg

    from dlwizard.gui.app import create_app

    create_app()
    widget = pg.PlotWidget(background="w")
    qtbot.addWidget(widget)
    widget.resize(420, 360)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    item = widget.getPlotItem()
    if item is not None:
        item.clear()  # text items left in a scene crash the interpreter at exit


def _settle(qtbot) -> None:
    from PySide6.QtWidgets import QApplication

    for _ in range(5):
        QApplication.processEvents()
        qtbot.wait(5)


def test_palette_is_okabe_ito_and_every_categorical_builder_uses_it():
    from dlwizard.render.figures import embedding, palette

    assert set(palette.CATEGORICAL) == OKABE_ITO
    groups = embedding.group_points(["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["nan"] * 2)
    assert groups.colors[:3] == list(palette.CATEGORICAL[:3])
    assert groups.names[-1] == "missing" and groups.colors[-1] == palette.OTHER
    # No builder keeps a colour of its own (the old palette put red beside green).
    plots = Path(embedding.__file__).parent
    allowed = {c.upper() for c in OKABE_ITO} | {
        palette.OTHER.upper(),
        palette.REFERENCE.upper(),
        *(c.upper() for c in palette.MISSING_SCALE),
        palette.LEGEND_PEN.upper(),
        "#FFFFFF",
        "#333333",
        "#333",
    }
    for name in ("class_balance", "embedding", "curves", "distribution", "learning_curves",
                 "missingness"):  # fmt: skip
        source = (plots / f"{name}.py").read_text()
        found = {c.upper() for c in re.findall(r"#[0-9a-fA-F]{3,6}\b", source)}
        assert found <= allowed, (name, found - allowed)


def test_map_legend_has_a_background_and_sits_under_the_points(qtbot, plot):
    from dlwizard.render.figures import embedding

    rng = np.random.default_rng(0)
    coords = rng.normal(size=(300, 2))
    values = np.array(["a long site name, north"] * 150 + ["south"] * 100 + ["east"] * 50)
    embedding.build(plot.getPlotItem(), coords, embedding.group_points(values))
    _settle(qtbot)
    item = plot.getPlotItem()
    legend = item.legend
    assert [label.text for _sample, label in legend.items] == [
        "a long site name, north (150)",
        "south (100)",
        "east (50)",
    ]
    assert legend.brush().style().name != "NoBrush"  # an opaque white box, framed
    assert legend.brush().color().alpha() > 200
    assert legend.pen().style().name != "NoPen"
    view = item.vb.sceneBoundingRect()
    box = legend.sceneBoundingRect()
    assert not box.intersects(view), (box, view)  # never on the points
    assert plot.sceneRect().contains(box) or plot.rect().contains(box.toRect())
    # Drawn again, coloured by another column: still one legend, emptied first.
    embedding.build(item, coords, embedding.group_points(values[::-1]))
    _settle(qtbot)
    assert len(item.legend.items) == 3 and item.legend is legend


def test_class_balance_shows_every_class_name_whole(qtbot, plot):
    from dlwizard.render.figures.class_balance import ClassBalance, build

    names = [
        "induced pluripotent stem cell (hiPSC)",
        "embryonic stem cell (hESC)",
        "Fibroblast",
    ]
    build(plot.getPlotItem(), ClassBalance(names, [58, 37, 30]))
    _settle(qtbot)
    axis = plot.getPlotItem().getAxis("left")
    drawn = drawn_texts(axis)
    assert sorted(drawn) == sorted(names), drawn  # before: cut at 18 characters, or dropped


def test_missing_heatmap_names_its_features(qtbot, plot):
    from dlwizard.render.figures import missingness

    rng = np.random.default_rng(1)
    missing = rng.random((120, 6)) < np.array([0.6, 0.0, 0.3, 0.05, 0.0, 0.1])
    names = ["cholesterol_mg_dl", "age", "thal", "ca", "sex", "slope"]
    missingness.build(plot.getPlotItem(), missing, names)
    _settle(qtbot)
    drawn = drawn_texts(plot.getPlotItem().getAxis("left"))
    assert set(drawn) == set(names), drawn
    # Most missing on top: the first tick (smallest y, inverted axis) is the most-missing one.
    ticks = plot.getPlotItem().getAxis("left")._tickLevels
    first = min((t for level in ticks for t in level), key=lambda t: t[0])
    assert first[1] == "cholesterol_mg_dl"


def test_missing_heatmap_of_a_wide_table_names_blocks(qtbot, plot):
    from dlwizard.render.figures import missingness

    missing = np.zeros((50, 900), bool)
    missing[:10, 5] = True
    names = [f"gene{j}" for j in range(900)]
    missingness.build(plot.getPlotItem(), missing, names)
    _settle(qtbot)
    drawn = drawn_texts(plot.getPlotItem().getAxis("left"))
    assert drawn and all(re.fullmatch(r"gene\d+ \+2", t) for t in drawn), drawn[:5]
    assert drawn[0] == "gene5 +2" or "gene5 +2" in drawn  # the gappy feature's block on top
