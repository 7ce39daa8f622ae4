"""The sequences of each class: their lengths and their letter composition (one builder each
for the wizard's Explore page and the report).

Classes take the palette's colours in the order given, which is the order the map colours them
(most rows first), so a class has one colour on the page and in the report.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dlwizard.render.figures import palette
from dlwizard.render.figures.class_balance import label_width, tick_label
from dlwizard.render.figures.embedding import fit_legend, legend_below


def _class_colors(n: int) -> list[str]:
    return palette.colors(n) if n > 1 else [palette.PRIMARY]


def _fixed(plot_item) -> None:
    plot_item.setMouseEnabled(x=False, y=False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)


def lengths(
    plot_item,
    labels: Sequence[str],
    q1: Sequence[float],
    median: Sequence[float],
    q3: Sequence[float],
    unit: str = "letters",
) -> None:
    """One row per class, first on top: a box from the first to the third quartile of the
    lengths and a black bar at the median, the median written after the class's name."""
    import pyqtgraph as pg

    plot_item.clear()
    n = len(labels)
    if not n:
        return
    colors = _class_colors(n)
    lo, hi = float(min(q1)), float(max(q3))
    if hi - lo < max(abs(hi), 1.0) * 0.1:  # (nearly) one length: a range of whole numbers
        mid, half = (lo + hi) / 2, max(abs(hi), 10.0) * 0.1
        lo, hi = mid - half, mid + half
    span = hi - lo
    tick = span * 0.006  # a box of equal quartiles still shows as a thin bar
    ys = [n - 1 - i for i in range(n)]
    for y, a, m, b, color in zip(ys, q1, median, q3, colors):
        width = max(b - a, tick)
        plot_item.addItem(
            pg.BarGraphItem(
                x0=[a - (width - (b - a)) / 2],
                y=[y],
                height=0.55,
                width=[width],
                brush=pg.mkBrush(color),
                pen=pg.mkPen(color),
            )
        )
        plot_item.plot([m, m], [y - 0.34, y + 0.34], pen=pg.mkPen("#000000", width=3))
    # The median in the class's name: words inside a narrow plot would be cut off.
    axis = plot_item.getAxis("left")
    names = [f"{tick_label(lab)}: median {m:,.0f}" for lab, m in zip(labels, median)]
    axis.setTicks([[(y, name) for y, name in zip(ys, names)]])
    axis.setWidth(label_width(axis, names))
    plot_item.setXRange(lo - 0.1 * span, hi + 0.1 * span, padding=0)
    plot_item.setYRange(-0.6, n - 0.4, padding=0)
    plot_item.getAxis("bottom").setLabel(f"length ({unit})")
    _fixed(plot_item)


def composition(
    plot_item,
    letters: Sequence[str],
    labels: Sequence[str],
    shares: Sequence[Sequence[float]],
    gc: Sequence[float | None] | None = None,
) -> None:
    """Grouped bars: for each letter, its share of each class's letters (in %), one colour per
    class; the legend, under the plot, gives each class's GC content when there is one."""
    import pyqtgraph as pg

    plot_item.clear()
    n = len(labels)
    if not n or not letters:
        return
    colors = _class_colors(n)
    values = np.asarray(shares, dtype=float) * 100.0  # classes x letters
    width = 0.8 / n
    legend_below(plot_item)  # in a band under the plot, as the map's: never on the bars
    x = np.arange(len(letters), dtype=float)
    for i, (label, color) in enumerate(zip(labels, colors)):
        plot_item.addItem(
            pg.BarGraphItem(
                x=x - 0.4 + (i + 0.5) * width,
                height=values[i],
                width=width * 0.92,
                brush=pg.mkBrush(color),
                pen=pg.mkPen(color),
            )
        )
        g = gc[i] if gc is not None and i < len(gc) else None
        name = tick_label(str(label)) + (f" (GC {g:.0%})" if g is not None else "")
        # A small square for the legend (a bar's own sample is a large block).
        square = pg.ScatterPlotItem(
            x=[], y=[], symbol="s", size=9, pen=pg.mkPen(color), brush=pg.mkBrush(color), name=name
        )
        plot_item.addItem(square)
    fit_legend(plot_item)
    plot_item.getAxis("bottom").setTicks([[(float(j), ch) for j, ch in enumerate(letters)]])
    plot_item.getAxis("bottom").setLabel("letter")
    plot_item.getAxis("left").setLabel("% of the class's letters")
    top = float(np.nanmax(values)) if values.size else 1.0
    plot_item.setYRange(0, top * 1.08, padding=0)
    plot_item.setXRange(-0.6, len(letters) - 0.4, padding=0)
    _fixed(plot_item)
