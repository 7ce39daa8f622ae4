"""The samples' embedding as a scatter coloured by a column (one builder, GUI and report).

The legend sits in its own band under the map, on a white framed box: it never covers points.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from dlwizard.render.figures import palette

PALETTE = palette.CATEGORICAL
OTHER = palette.OTHER
MAX_CATEGORIES = len(PALETTE)
MAX_LEGEND_CHARS = 40  # longer category names are shortened in the legend (hover shows all)
MISSING = ("nan", "<NA>", "missing")  # how a missing value reads once turned into text
LEGEND_ROW = 4  # the row of the PlotItem's grid under the bottom axis (0 title ... 3 axis)


@dataclass
class ScatterGroups:
    """Points split by category, largest first; rare categories pooled as 'other'."""

    names: list[str]
    colors: list[str]
    indices: list[np.ndarray]


def group_points(values: list[str] | np.ndarray) -> ScatterGroups:
    arr = np.asarray(values, dtype=object).astype(str)
    cats, inverse, counts = np.unique(arr, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    names, colors, indices = [], [], []
    pooled: list[np.ndarray] = []
    rank = 0  # missing values are grey and do not use up a colour
    for i, c in enumerate(order):
        idx = np.flatnonzero(inverse == c)
        if i < MAX_CATEGORIES - 1 or len(order) <= MAX_CATEGORIES:
            missing = cats[c] in MISSING
            names.append("missing" if missing else str(cats[c]))
            if missing:
                colors.append(OTHER)
            else:
                colors.append(palette.categorical(rank))
                rank += 1
            indices.append(idx)
        else:
            pooled.append(idx)
    if pooled:
        names.append(f"{len(pooled)} other values")
        colors.append(OTHER)
        indices.append(np.concatenate(pooled))
    return ScatterGroups(names, colors, indices)


def short_name(name: str, limit: int = MAX_LEGEND_CHARS) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


CHUNK = 15_000  # points added per event-loop pass, so that drawing never freezes the window


def legend_below(plot_item):
    """The PlotItem's legend, in a band under the plot (made on first use; emptied)."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGraphicsWidget

    legend = plot_item.legend
    if legend is not None and not getattr(legend, "dlwizard_below", False):
        # An in-plot legend from another builder: replace it.
        legend.clear()
        if legend.scene() is not None:
            legend.scene().removeItem(legend)
        legend = None
    if legend is None:
        legend = pg.LegendItem(offset=None, horSpacing=4, verSpacing=-4, labelTextSize="9pt")
        legend.dlwizard_below = True
        palette.styled_legend(legend)
        legend.setParentItem(plot_item)
        legend.anchor(itemPos=(0, 1), parentPos=(0, 1), offset=(6, -4))
        plot_item.legend = legend
        space = QGraphicsWidget()
        space.setMinimumHeight(0)
        space.setMaximumHeight(0)
        plot_item.layout.addItem(space, LEGEND_ROW, 1)
        plot_item.dlwizard_legend_space = space
        plot_item.geometryChanged.connect(lambda: fit_legend(plot_item))
    legend.clear()
    return legend


def fit_legend(plot_item) -> None:
    """As many legend columns as fit the plot's width; the band under the plot as tall as the
    legend (so the legend never covers the axis or the points)."""
    legend = plot_item.legend
    space = getattr(plot_item, "dlwizard_legend_space", None)
    if legend is None or space is None:
        return
    n = len(legend.items)
    if n:
        widest = max(
            s.boundingRect().width() + lab.boundingRect().width() + 12 for s, lab in legend.items
        )
        room = max(plot_item.width() - 16, widest)
        cols = max(1, min(n, int(room // widest), 4))
        if cols != legend.columnCount:
            legend.setColumnCount(cols)
        height = legend.boundingRect().height() + 8
    else:
        height = 0
    if abs(space.maximumHeight() - height) > 0.5:
        space.setMinimumHeight(height)
        space.setMaximumHeight(height)


def build_in_steps(
    plot_item, coords: np.ndarray, groups: ScatterGroups, size: float = 6.0
) -> Iterator[None]:
    """Draw one scatter item per category, adding points in chunks.

    A generator: each ``next()`` adds at most ``CHUNK`` points, so the caller can let the event
    loop run in between (the GUI drives it with a zero-delay timer; ``build`` runs it at once).
    """
    import pyqtgraph as pg

    plot_item.clear()
    legend_below(plot_item)
    many = len(coords) > 20_000
    pen = None if many else pg.mkPen("#ffffff", width=0.5)
    point_size = 3 if many else size
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = (hi - lo) * 0.03 + 1e-9
    plot_item.setRange(
        xRange=(lo[0] - pad[0], hi[0] + pad[0]), yRange=(lo[1] - pad[1], hi[1] + pad[1]), padding=0
    )
    plot_item.disableAutoRange()
    # The legend first, complete (an empty item per category carries its style), so that its
    # band has its final height before any point is drawn.
    for name, color, idx in zip(groups.names, groups.colors, groups.indices):
        label = f"{short_name(name)} ({len(idx):,})"
        sample = pg.ScatterPlotItem(
            x=[], y=[], pen=pen, brush=pg.mkBrush(color), size=point_size, name=label
        )
        plot_item.addItem(sample)  # a named item joins the PlotItem's legend
    fit_legend(plot_item)
    for color, idx in zip(groups.colors, groups.indices):
        brush = pg.mkBrush(color)
        for start in range(0, len(idx), CHUNK):
            part = idx[start : start + CHUNK]
            item = pg.ScatterPlotItem(
                x=coords[part, 0], y=coords[part, 1], pen=pen, brush=brush, size=point_size
            )
            plot_item.addItem(item)
            yield


def build(plot_item, coords: np.ndarray, groups: ScatterGroups, size: float = 6.0) -> None:
    """Draw everything at once (for the report and small plots)."""
    for _ in build_in_steps(plot_item, coords, groups, size):
        pass
