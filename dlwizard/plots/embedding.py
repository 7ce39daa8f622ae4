"""The samples' embedding as a scatter coloured by a column (one builder, GUI and report)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f",
)  # fmt: skip
OTHER = "#c7c7c7"
MAX_CATEGORIES = len(PALETTE)


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
    for rank, c in enumerate(order):
        idx = np.flatnonzero(inverse == c)
        if rank < MAX_CATEGORIES - 1 or len(order) <= MAX_CATEGORIES:
            names.append(str(cats[c]))
            colors.append(PALETTE[rank % len(PALETTE)] if cats[c] != "nan" else OTHER)
            indices.append(idx)
        else:
            pooled.append(idx)
    if pooled:
        names.append(f"{len(pooled)} other values")
        colors.append(OTHER)
        indices.append(np.concatenate(pooled))
    return ScatterGroups(names, colors, indices)


def build(plot_item, coords: np.ndarray, groups: ScatterGroups, size: float = 6.0) -> list:
    """Draw one scatter item per category (fast even for 100,000 points)."""
    import pyqtgraph as pg

    plot_item.clear()
    legend = plot_item.legend or plot_item.addLegend(offset=(-10, 10))
    legend.clear()
    small = len(coords) > 20_000
    items = []
    for name, color, idx in zip(groups.names, groups.colors, groups.indices):
        item = pg.ScatterPlotItem(
            x=coords[idx, 0],
            y=coords[idx, 1],
            pen=None if small else pg.mkPen("#ffffff", width=0.5),
            brush=pg.mkBrush(color),
            size=3 if small else size,
            name=f"{name} ({len(idx):,})",
        )
        plot_item.addItem(item)
        items.append(item)
    return items
