"""The images of each class and batch: a montage of random examples per row, and a per-image
statistic by class and by batch (one builder each for the wizard's Explore page and the report).

The montage keeps the images' brightness relative to each other (one scale for the whole
montage, not one per image): a plate that is brighter than the others must look brighter.
Classes take the palette's colours in the map's order, so a class has one colour everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlwizard.render.figures import palette
from dlwizard.render.figures.class_balance import label_width, tick_label

GAP = 2  # pixels of white between images


def _rgb(tile: np.ndarray) -> np.ndarray:
    """(C, S, S) -> (S, S, 3): grey as grey, RGB as it is, two channels magenta and green
    (distinct for every kind of colour vision), more than three: the first three."""
    c = tile.shape[0]
    if c == 1:
        return np.repeat(tile[0][..., None], 3, axis=2)
    if c == 2:
        return np.stack([tile[0], tile[1], tile[0]], axis=2)
    return np.moveaxis(tile[:3], 0, 2)


def compose(rows: Sequence[np.ndarray], per_row: int | None = None) -> np.ndarray:
    """(H, W, 3) uint8: one row per entry of ``rows`` (each (K, C, S, S), 0..1), images left to
    right with a white gap; all images on one scale (0 to the 99.5th percentile of every
    pixel shown, so dim 16-bit images are visible and brightness still compares)."""
    rows = [np.asarray(r, dtype=np.float32) for r in rows if len(r)]
    if not rows:
        return np.full((1, 1, 3), 255, np.uint8)
    s = rows[0].shape[-1]
    k = per_row or max(len(r) for r in rows)
    top = float(np.percentile(np.concatenate([r.ravel() for r in rows]), 99.5)) or 1.0
    out = np.ones((len(rows) * (s + GAP) - GAP, k * (s + GAP) - GAP, 3), np.float32)
    for i, r in enumerate(rows):
        for j, tile in enumerate(r[:k]):
            y, x = i * (s + GAP), j * (s + GAP)
            out[y : y + s, x : x + s] = np.clip(_rgb(tile) / top, 0, 1)
    return (out * 255).round().astype(np.uint8)


def _fixed(plot_item) -> None:
    plot_item.setMouseEnabled(x=False, y=False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)


def montage(plot_item, rows: Sequence[np.ndarray], labels: Sequence[str]) -> None:
    """Random images of each class and batch, one row each, the row's name on the left."""
    import pyqtgraph as pg

    plot_item.clear()
    rows = [r for r in rows]
    if not rows or not any(len(r) for r in rows):
        return
    image = compose(rows)
    s = next(np.asarray(r).shape[-1] for r in rows if len(r))
    item = pg.ImageItem(image, axisOrder="row-major")
    plot_item.addItem(item)
    plot_item.invertY(True)
    plot_item.setAspectLocked(True)
    axis = plot_item.getAxis("left")
    names = [tick_label(str(lab)) for lab in labels]
    axis.setTicks([[(i * (s + GAP) + s / 2, name) for i, name in enumerate(names)]])
    axis.setWidth(label_width(axis, names))
    plot_item.hideAxis("bottom")
    plot_item.setXRange(0, image.shape[1], padding=0.01)
    plot_item.setYRange(0, image.shape[0], padding=0.01)
    _fixed(plot_item)


def group_bars(
    plot_item,
    labels: Sequence[str],
    values: Sequence[float],
    kinds: Sequence[str],
    measure: str = "mean intensity",
) -> None:
    """One bar per class (palette colours, map order) then per batch value (grey), first on
    top, the value written after the name."""
    import pyqtgraph as pg

    plot_item.clear()
    n = len(labels)
    if not n:
        return
    n_classes = sum(k == "class" for k in kinds)
    class_colors = palette.colors(n_classes) if n_classes > 1 else [palette.PRIMARY]
    ys = [n - 1 - i for i in range(n)]
    c = 0
    for y, v, kind in zip(ys, values, kinds):
        if kind == "class":
            color, c = class_colors[c], c + 1
        else:
            color = palette.OTHER
        plot_item.addItem(
            pg.BarGraphItem(
                x0=[0.0],
                y=[y],
                height=0.6,
                width=[float(v)],
                brush=pg.mkBrush(color),
                pen=pg.mkPen(color),
            )
        )
    axis = plot_item.getAxis("left")
    digits = 2 if max(values) < 10 else 0
    names = [f"{tick_label(str(lab))}: {v:,.{digits}f}" for lab, v in zip(labels, values)]
    axis.setTicks([[(y, name) for y, name in zip(ys, names)]])
    axis.setWidth(label_width(axis, names))
    top = max(float(max(values)), 1e-9)
    plot_item.setXRange(0, top * 1.05, padding=0)
    plot_item.setYRange(-0.6, n - 0.4, padding=0)
    bottom = plot_item.getAxis("bottom")
    bottom.enableAutoSIPrefix(False)  # "(x0.001)" reads badly under intensities of 0-1
    bottom.setLabel(measure)
    _fixed(plot_item)
