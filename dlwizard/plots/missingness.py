"""Missing values as a heatmap of samples x features (one builder for GUI and report)."""

from __future__ import annotations

import numpy as np

MAX_CELLS = 300  # rows and columns shown at most; bigger tables are averaged in blocks


def block_average(missing: np.ndarray, max_rows: int = MAX_CELLS, max_cols: int = MAX_CELLS):
    """Share missing in blocks, so a 10,000 x 20,000 table still draws as a small image."""
    m = missing.astype(float)
    r = int(np.ceil(m.shape[0] / max_rows)) or 1
    c = int(np.ceil(m.shape[1] / max_cols)) or 1
    rows = -(-m.shape[0] // r)
    cols = -(-m.shape[1] // c)
    padded = np.full((rows * r, cols * c), np.nan)
    padded[: m.shape[0], : m.shape[1]] = m
    blocks = padded.reshape(rows, r, cols, c)
    return np.nanmean(blocks, axis=(1, 3))


def sorted_for_display(missing: np.ndarray) -> np.ndarray:
    """Most-missing columns to the left and most-missing samples to the top."""
    col_order = np.argsort(-missing.mean(axis=0), kind="stable")
    row_order = np.argsort(-missing.mean(axis=1), kind="stable")
    return missing[np.ix_(row_order, col_order)]


def build(plot_item, missing: np.ndarray) -> None:
    import pyqtgraph as pg

    plot_item.clear()
    image = block_average(sorted_for_display(missing))
    item = pg.ImageItem(image.T)  # pyqtgraph images are column-major (x first)
    # Axes count real features and samples even when blocks were averaged.
    item.setRect(0, 0, missing.shape[1], missing.shape[0])
    item.setLookupTable(pg.ColorMap([0.0, 1.0], ["#f4f6f8", "#b3261e"]).getLookupTable())
    item.setLevels([0, 1])
    plot_item.addItem(item)
    plot_item.invertY(True)
    plot_item.setLabel("bottom", "features (most missing on the left)")
    plot_item.setLabel("left", "samples (most missing on top)")
    plot_item.hideButtons()
