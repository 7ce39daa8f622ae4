"""Permutation importance as horizontal bars with interval whiskers, and the biomarker-panel
curve (score against number of features). One builder each, for the wizard and the report."""

from __future__ import annotations


def importance_bars(plot_item, names: list[str], values, lows, highs, metric_label: str) -> None:
    """Most important at the top; whiskers are the 95% resampling interval."""
    import numpy as np
    import pyqtgraph as pg

    plot_item.clear()
    n = len(names)
    ys = np.arange(n)[::-1].astype(float)
    vals = np.nan_to_num(np.asarray(values, dtype=float))
    lo = np.nan_to_num(np.asarray(lows, dtype=float))
    hi = np.nan_to_num(np.asarray(highs, dtype=float))
    brushes = [pg.mkBrush("#5b8db8" if low > 0 else "#b8c7d6") for low in lo]
    plot_item.addItem(pg.BarGraphItem(x0=0, y=ys, height=0.6, width=vals, brushes=brushes))
    plot_item.addItem(
        pg.ErrorBarItem(
            x=vals, y=ys, left=vals - lo, right=hi - vals, beam=0.2, pen=pg.mkPen("#333", width=1)
        )
    )
    plot_item.addItem(pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#999999")))
    axis = plot_item.getAxis("left")
    axis.setTicks(
        [[(y, name if len(name) <= 34 else name[:33] + "…") for y, name in zip(ys, names)]]
    )
    plot_item.setLabel("bottom", f"drop in {metric_label} when shuffled")
    plot_item.getAxis("bottom").enableAutoSIPrefix(False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)
    plot_item.setYRange(-0.7, n - 0.3, padding=0)


def panel_curve(
    plot_item, ks, values, lows, highs, full_value: float, full_low: float, metric_label: str
) -> None:
    """The small model's score on the top-k features, against the full model's interval."""
    import numpy as np
    import pyqtgraph as pg

    plot_item.clear()
    plot_item.setLabel("bottom", "number of features (top ranked)")
    plot_item.setLabel("left", metric_label)
    plot_item.showGrid(x=True, y=True, alpha=0.15)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)
    x = np.log2(np.asarray(ks, dtype=float))
    plot_item.addItem(
        pg.InfiniteLine(
            full_value,
            angle=0,
            pen=pg.mkPen("#c0392b", width=2),
            label=f"final model {full_value:.3f}",
            labelOpts={"position": 0.15, "color": "#c0392b"},
        )
    )
    plot_item.addItem(
        pg.InfiniteLine(
            full_low, angle=0, pen=pg.mkPen("#c0392b", style=pg.QtCore.Qt.PenStyle.DashLine)
        )
    )
    v = np.asarray(values, dtype=float)
    plot_item.addItem(
        pg.ErrorBarItem(
            x=x,
            y=v,
            top=np.asarray(highs) - v,
            bottom=v - np.asarray(lows),
            beam=0.08,
            pen=pg.mkPen("#1f6fb2"),
        )
    )
    plot_item.plot(
        x, v, pen=pg.mkPen("#1f6fb2", width=2), symbol="o", symbolSize=7, symbolBrush="#1f6fb2"
    )
    plot_item.getAxis("bottom").setTicks([[(xi, str(int(k))) for xi, k in zip(x, ks)]])
