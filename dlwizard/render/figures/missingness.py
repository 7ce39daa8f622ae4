"""Missing values as a heatmap, one row per feature and one column per sample (one builder for
GUI and report). Features are rows so that their names can be read on the left axis."""

from __future__ import annotations

import numpy as np

from dlwizard.render.figures import palette

MAX_CELLS = 300  # rows and columns shown at most; bigger tables are averaged in blocks
MAX_NAME_CHARS = 28  # longer feature names are shortened with "…"
FIRST_LEVEL = 10  # names always shown; the others appear when there is room for them


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


def display_order(missing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row (sample) and column (feature) order: the most missing first."""
    col_order = np.argsort(-missing.mean(axis=0), kind="stable")
    row_order = np.argsort(-missing.mean(axis=1), kind="stable")
    return row_order, col_order


def sorted_for_display(missing: np.ndarray) -> np.ndarray:
    """Most-missing columns to the left and most-missing samples to the top."""
    row_order, col_order = display_order(missing)
    return missing[np.ix_(row_order, col_order)]


def _short(name: str) -> str:
    name = str(name)
    return name if len(name) <= MAX_NAME_CHARS else name[: MAX_NAME_CHARS - 1] + "…"


def feature_ticks(names: list[str], per_block: int) -> list[list[tuple[float, str]]]:
    """Tick levels for the feature axis (row ``i`` spans ``i`` to ``i + 1``).

    The first level names up to ``FIRST_LEVEL`` evenly spaced rows and is always drawn; the
    second names every row and is drawn only where the labels do not crowd. A row that
    averages several features is named after its first one, with how many it holds.
    """
    n_rows = -(-len(names) // per_block)
    labels = []
    for r in range(n_rows):
        block = names[r * per_block : (r + 1) * per_block]
        text = _short(block[0]) + (f" +{len(block) - 1}" if len(block) > 1 else "")
        labels.append((r + 0.5, text))
    step = max(1, -(-n_rows // FIRST_LEVEL))
    first = labels[::step]
    rest = [t for i, t in enumerate(labels) if i % step]
    return [first, rest]


def build(plot_item, missing: np.ndarray, names: list[str] | None = None) -> None:
    """Draw ``missing`` (samples x features, True where missing) with the features as rows,
    most missing on top, named on the left axis when ``names`` are given."""
    import pyqtgraph as pg

    from dlwizard.render.figures.class_balance import label_width

    plot_item.clear()
    row_order, col_order = display_order(missing)
    ordered = missing[np.ix_(row_order, col_order)].T  # features x samples
    image = block_average(ordered)
    item = pg.ImageItem(image.T)  # pyqtgraph images are column-major (x first)
    n_samples, n_features = missing.shape
    # Axes count real features and samples even when blocks were averaged.
    per_block = int(np.ceil(n_features / image.shape[0])) if image.shape[0] else 1
    item.setRect(0, 0, n_samples, image.shape[0] * per_block)
    item.setLookupTable(pg.ColorMap([0.0, 1.0], list(palette.MISSING_SCALE)).getLookupTable())
    item.setLevels([0, 1])
    plot_item.addItem(item)
    plot_item.invertY(True)
    plot_item.setLabel("bottom", "samples (most missing on the left)")
    left = plot_item.getAxis("left")
    if names is not None and len(names) == n_features:
        ordered_names = [str(names[j]) for j in col_order]
        levels = feature_ticks(ordered_names, per_block)
        left.setTicks([[(y * per_block, t) for y, t in level] for level in levels])
        # Every name that has room is drawn (pyqtgraph's default stops at a fifth of the axis).
        left.setStyle(textFillLimits=[(0, 0.9)])
        left.setWidth(label_width(left, [t for level in levels for _, t in level]))
        left.setLabel("")
        left.showLabel(False)
    else:
        left.setTicks(None)
        plot_item.setLabel("left", "features (most missing on top)")
    plot_item.setRange(xRange=(0, n_samples), yRange=(0, n_features), padding=0)
    plot_item.setMouseEnabled(x=False, y=False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)
