"""Scores with their 95% intervals as a dot-and-whisker chart, one row a model or subgroup
(GUI and report): the comparison is read from overlapping intervals, not from the ranking."""

from __future__ import annotations

from dlwizard.render.figures.palette import HIGHLIGHT, PRIMARY

DOT = PRIMARY


def build(
    plot_item,
    labels: list[str],
    values: list[float],
    lows: list[float],
    highs: list[float],
    x_label: str = "score",
    highlight: str | None = None,
    reference: float | None = None,
) -> None:
    """One row per label, top to bottom; ``highlight`` names the row drawn in red (e.g. the
    recommended model); ``reference`` draws a dashed vertical line (e.g. the overall score)."""
    import pyqtgraph as pg

    plot_item.clear()
    n = len(labels)
    ys = [n - 1 - i for i in range(n)]  # the first label on top
    # One line item (segment pairs) and one scatter per colour, not four items per row: a
    # long list is drawn in one pass and the window does not stall.
    for color in (DOT, HIGHLIGHT):
        rows = [
            (y, v, lo, hi)
            for y, label, v, lo, hi in zip(ys, labels, values, lows, highs)
            if (HIGHLIGHT if label == highlight else DOT) == color
        ]
        if not rows:
            continue
        xs, yy = [], []
        for y, _, lo, hi in rows:
            xs += [lo, hi, lo, lo, hi, hi]
            yy += [y, y, y - 0.15, y + 0.15, y - 0.15, y + 0.15]
        plot_item.plot(xs, yy, pen=pg.mkPen(color, width=2), connect="pairs")
        plot_item.plot(
            [r[1] for r in rows],
            [r[0] for r in rows],
            pen=None,
            symbol="o",
            symbolSize=8,
            symbolBrush=color,
            symbolPen=color,
        )
    if reference is not None:
        plot_item.addItem(
            pg.InfiniteLine(
                reference, angle=90, pen=pg.mkPen("#777777", style=pg.QtCore.Qt.PenStyle.DashLine)
            )
        )
    axis = plot_item.getAxis("left")
    axis.setTicks(
        [[(y, label if len(label) <= 46 else label[:45] + "…") for y, label in zip(ys, labels)]]
    )
    finite = [x for x in [*lows, *highs, *([reference] if reference is not None else [])] if x == x]
    lo = min(finite) if finite else 0.0
    hi = max(finite) if finite else 1.0
    pad = (hi - lo) * 0.08 or 0.05
    plot_item.setXRange(lo - pad, hi + pad, padding=0)
    plot_item.setYRange(-0.7, n - 0.3, padding=0)
    plot_item.setLabel("bottom", x_label)
    from dlwizard.render.figures.learning_curves import plain_numbers

    plain_numbers(plot_item.getAxis("bottom"))
    plot_item.showGrid(x=True, y=False, alpha=0.15)
    plot_item.setMouseEnabled(x=False, y=False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)
