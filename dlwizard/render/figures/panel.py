"""The biomarker-panel curve: a small model's score on the top-k features against the final
model's (one builder for the wizard and the report). Importance itself is drawn by
:mod:`dlwizard.render.figures.intervals`."""

from __future__ import annotations

from dlwizard.render.figures.palette import HIGHLIGHT, PRIMARY


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
            pen=pg.mkPen(HIGHLIGHT, width=2),
            label=f"final model {full_value:.3f}",
            labelOpts={"position": 0.15, "color": HIGHLIGHT},
        )
    )
    plot_item.addItem(
        pg.InfiniteLine(
            full_low, angle=0, pen=pg.mkPen(HIGHLIGHT, style=pg.QtCore.Qt.PenStyle.DashLine)
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
            pen=pg.mkPen(PRIMARY),
        )
    )
    plot_item.plot(
        x, v, pen=pg.mkPen(PRIMARY, width=2), symbol="o", symbolSize=7, symbolBrush=PRIMARY
    )
    from dlwizard.render.figures.learning_curves import plain_numbers

    plain_numbers(plot_item.getAxis("left"))  # scores as they are, never "(x0.001)"
    ys = [y for y in (*values, *lows, *highs, full_value, full_low) if np.isfinite(y)]
    if ys and max(ys) - min(ys) < 1e-9:
        # Every score the same (e.g. all perfect): a narrow range under it, not one that
        # suggests scores above a perfect 1.
        plot_item.setYRange(ys[0] - 0.05, ys[0] + 0.002, padding=0)
    plot_item.getAxis("bottom").setTicks([[(xi, str(int(k))) for xi, k in zip(x, ks)]])
