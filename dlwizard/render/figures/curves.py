"""ROC, precision-recall and calibration curves, and residuals (one builder each)."""

from __future__ import annotations

import numpy as np

from dlwizard.render.figures import palette


def _style(plot_item, x_label: str, y_label: str) -> None:
    """Axis titles short enough for a small plot: the left one must fit about 200 pixels of
    height (longer ones were cut at both ends)."""
    plot_item.clear()
    plot_item.setLabel("bottom", x_label)
    plot_item.setLabel("left", y_label)
    plot_item.showGrid(x=True, y=True, alpha=0.15)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)


def roc(plot_item, fpr, tpr, auc: float | None = None) -> None:
    import pyqtgraph as pg

    _style(plot_item, "1 − specificity (false positive rate)", "sensitivity (TPR)")
    plot_item.plot(
        [0, 1], [0, 1], pen=pg.mkPen(palette.REFERENCE, style=pg.QtCore.Qt.PenStyle.DashLine)
    )
    name = f"AUROC {auc:.3f}" if auc is not None else None
    plot_item.plot(fpr, tpr, pen=pg.mkPen(palette.PRIMARY, width=2), name=name)
    plot_item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)


def precision_recall(plot_item, recall, precision, prevalence: float, ap: float | None = None):
    import pyqtgraph as pg

    _style(plot_item, "recall (sensitivity)", "precision (PPV)")
    plot_item.plot(
        [0, 1],
        [prevalence, prevalence],
        pen=pg.mkPen(palette.SECONDARY, style=pg.QtCore.Qt.PenStyle.DashLine),
    )
    text = pg.TextItem(
        f"prevalence {prevalence:.2f} (a random model)", color=palette.SECONDARY, anchor=(0, 1)
    )
    text.setPos(0.02, prevalence)
    plot_item.addItem(text)
    plot_item.plot(
        recall,
        precision,
        pen=pg.mkPen(palette.PRIMARY, width=2),
        stepMode=None,
        name=f"AUPRC {ap:.3f}" if ap is not None else None,
    )
    plot_item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)


def calibration(plot_item, predicted, observed) -> None:
    import pyqtgraph as pg

    _style(plot_item, "predicted probability", "observed share of positives")
    plot_item.plot(
        [0, 1], [0, 1], pen=pg.mkPen(palette.REFERENCE, style=pg.QtCore.Qt.PenStyle.DashLine)
    )
    plot_item.plot(
        predicted,
        observed,
        pen=pg.mkPen(palette.PRIMARY, width=2),
        symbol="o",
        symbolSize=7,
        symbolBrush=palette.PRIMARY,
    )
    plot_item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.02)


def residuals(plot_item, predicted: np.ndarray, observed: np.ndarray) -> None:
    import pyqtgraph as pg

    _style(plot_item, "predicted value", "observed − predicted")
    plot_item.addItem(pg.InfiniteLine(0, angle=0, pen=pg.mkPen(palette.REFERENCE)))
    plot_item.addItem(
        pg.ScatterPlotItem(
            x=predicted,
            y=observed - predicted,
            size=6,
            pen=None,
            brush=pg.mkBrush(0, 114, 178, 150),
        )
    )
