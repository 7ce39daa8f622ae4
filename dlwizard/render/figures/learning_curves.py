"""Learning curves: loss per epoch on the training rows and on the validation fold (GUI and
report). The networks page draws the same two curves live; this builder draws a finished run."""

from __future__ import annotations

from dlwizard.render.figures import palette

TRAIN_COLOR = palette.PRIMARY
VAL_COLOR = palette.SECONDARY


def build(plot_item, train_loss, val_loss, best_epoch: int | None = None) -> None:
    """Draw ``train_loss`` and ``val_loss`` (one value per epoch) into a pyqtgraph PlotItem;
    a dashed line marks ``best_epoch`` (0-based), the epoch whose weights were kept."""
    import pyqtgraph as pg

    plot_item.clear()
    legend = plot_item.legend or plot_item.addLegend(offset=(-10, 10))
    palette.styled_legend(legend)
    legend.clear()
    epochs = list(range(1, len(train_loss) + 1))
    plot_item.plot(
        epochs, list(train_loss), pen=pg.mkPen(TRAIN_COLOR, width=2), name="training rows"
    )
    plot_item.plot(
        list(range(1, len(val_loss) + 1)),
        list(val_loss),
        pen=pg.mkPen(VAL_COLOR, width=2),
        name="validation fold",
    )
    if best_epoch is not None and 0 <= best_epoch < max(len(train_loss), len(val_loss)):
        plot_item.addItem(
            pg.InfiniteLine(
                best_epoch + 1,
                angle=90,
                pen=pg.mkPen(palette.REFERENCE, style=pg.QtCore.Qt.PenStyle.DashLine),
            )
        )
    plot_item.setLabel("bottom", "epoch")
    plot_item.setLabel("left", "loss")
    plain_numbers(plot_item.getAxis("left"))
    plot_item.showGrid(x=True, y=True, alpha=0.15)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)


def plain_numbers(axis) -> None:
    """Tick labels in the data's own units: no "(x0.001)" rescaling of small values.

    pyqtgraph recomputes the prefix scale even while switching the feature off, so the scale is
    put back to 1 as well.
    """
    axis.enableAutoSIPrefix(False)
    axis.autoSIPrefixScale = 1.0
    axis.labelUnitPrefix = ""
    axis.setLabel(axis.labelText, axis.labelUnits)
