"""The samples' embedding as a scatter coloured by a column (one builder, GUI and report)."""

from __future__ import annotations

from collections.abc import Iterator
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


CHUNK = 15_000  # points added per event-loop pass, so that drawing never freezes the window


def build_in_steps(
    plot_item, coords: np.ndarray, groups: ScatterGroups, size: float = 6.0
) -> Iterator[None]:
    """Draw one scatter item per category, adding points in chunks.

    A generator: each ``next()`` adds at most ``CHUNK`` points, so the caller can let the event
    loop run in between (the GUI drives it with a zero-delay timer; ``build`` runs it at once).
    """
    import pyqtgraph as pg

    plot_item.clear()
    legend = plot_item.legend or plot_item.addLegend(offset=(-10, 10))
    legend.clear()
    many = len(coords) > 20_000
    pen = None if many else pg.mkPen("#ffffff", width=0.5)
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = (hi - lo) * 0.03 + 1e-9
    plot_item.setRange(
        xRange=(lo[0] - pad[0], hi[0] + pad[0]), yRange=(lo[1] - pad[1], hi[1] + pad[1]), padding=0
    )
    plot_item.disableAutoRange()
    for name, color, idx in zip(groups.names, groups.colors, groups.indices):
        brush = pg.mkBrush(color)
        first = True
        for start in range(0, len(idx), CHUNK):
            part = idx[start : start + CHUNK]
            item = pg.ScatterPlotItem(
                x=coords[part, 0],
                y=coords[part, 1],
                pen=pen,
                brush=brush,
                size=3 if many else size,
                name=f"{name} ({len(idx):,})" if first else None,
            )
            first = False
            plot_item.addItem(item)
            yield


def build(plot_item, coords: np.ndarray, groups: ScatterGroups, size: float = 6.0) -> None:
    """Draw everything at once (for the report and small plots)."""
    for _ in build_in_steps(plot_item, coords, groups, size):
        pass
