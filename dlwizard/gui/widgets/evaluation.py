"""The evaluation panel: metrics with intervals, curves and the confusion matrix for one model.

Shared by the baselines page (tuning set) and the test page (which shows the metrics in its own
side-by-side table, so the panel's table is hidden there).
"""

from __future__ import annotations

import textwrap

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.widgets.common import HelpLabel, run_in_steps, when_imported
from dlwizard.steps import modelling
from dlwizard.study.model import Evaluation

HEADER_CHARS = 14  # a class name longer than this wraps onto more lines in the matrix header


def confusion_caption(task: str, classes: list[str]) -> str:
    """What the matrix counts, in words that fit the task (a threshold only for two classes)."""
    head = "<b>Confusion matrix</b> (rows: true class, columns: predicted"
    if task == "binary" and classes:
        return (
            f"{head}; a sample is called '{classes[-1]}' when its predicted probability is 0.5 "
            "or more)"
        )
    return f"{head}; each sample is called as its most probable class)"


def wrapped(name: str, width: int = HEADER_CHARS) -> str:
    """A header label on as many lines as it needs (never cut)."""
    return "\n".join(textwrap.wrap(str(name), width, break_long_words=True)) or str(name)


class EvaluationPanel(QWidget):
    def __init__(self, parent: QWidget | None = None, show_table: bool = True) -> None:
        super().__init__(parent)
        self.show_table = show_table
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel()
        self.title.setObjectName("section")
        lay.addWidget(self.title)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Metric", "Value (95% interval)"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(230)
        self.table.setMaximumHeight(240)
        self.note = HelpLabel("")
        self.plots_box = QWidget()
        self.grid = QGridLayout(self.plots_box)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.table.setVisible(show_table)
        self.confusion = QTableWidget()
        self.confusion.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.confusion.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        # As wide as the matrix needs, no wider (no grey band beside it).
        self.confusion.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.confusion.setWordWrap(True)
        self.confusion.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignCenter | Qt.AlignmentFlag.AlignVCenter
        )
        self.confusion_caption = QLabel(confusion_caption("binary", []))
        self.confusion_caption.setWordWrap(True)
        lay.addWidget(self.table)
        lay.addWidget(self.note)
        lay.addWidget(self.plots_box)
        lay.addWidget(self.confusion_caption)
        lay.addWidget(self.confusion)
        self._plots: list = []
        self._drawing = None

    def _drawn(self) -> None:
        self._drawing = None

    def prepare_plots(self, n: int = 3) -> None:
        """Create the plot widgets ahead of time, one per event-loop pass (hidden), so that
        showing results later does not stall the window."""

        def steps():
            for i in range(n):
                if i < len(self._plots):
                    continue  # made (and maybe drawn) meanwhile by show_evaluation: left as is
                self._plot(i)
                self._plots[i].hide()
                yield

        if len(self._plots) < n:
            # pyqtgraph imported in the background first (a third of a second otherwise).
            when_imported("pyqtgraph", lambda: run_in_steps(steps(), self), self)

    def _plot(self, i: int):
        import pyqtgraph as pg

        while len(self._plots) <= i:
            # No context menu (the curves' builders turn it off anyway): building it is half
            # the cost of a new plot widget.
            w = pg.PlotWidget(background="w", enableMenu=False)
            w.setMinimumSize(180, 240)
            w.setMaximumHeight(300)
            from dlwizard.render.figures import palette

            palette.styled_legend(w.getPlotItem().addLegend(offset=(-10, -10)))
            n = len(self._plots)
            self.grid.addWidget(w, n // 2, n % 2)  # two per row: readable on a laptop screen
            self._plots.append(w)
        self._plots[i].show()
        return self._plots[i].getPlotItem()

    def _legends(self) -> None:
        """Show a plot's legend box only when it has entries (an empty framed box is noise)."""
        for w in self._plots:
            legend = w.getPlotItem().legend
            if legend is not None:
                legend.setVisible(bool(legend.items))

    def show_evaluation(
        self,
        title: str,
        ev: Evaluation,
        task: str,
        y: np.ndarray | None,
        out: np.ndarray | None,
        classes: list[str],
    ) -> None:
        from dlwizard.render.figures import curves

        self.title.setText(title)
        self.table.setVisible(self.show_table)
        self.table.setRowCount(len(ev.metrics))
        for r, (k, v) in enumerate(ev.metrics.items()):
            self.table.setItem(r, 0, QTableWidgetItem(modelling.METRIC_LABELS.get(k, k)))
            self.table.setItem(r, 1, QTableWidgetItem(v.text()))
        self.table.resizeColumnsToContents()
        drawn = {"binary": 3, "regression": 1}.get(task, 0) if y is not None else 0
        # Plots that stay are redrawn where they are (hiding and showing them again lays the
        # whole page out once per plot); only those this task has no use for are hidden.
        for w in self._plots[drawn:]:
            w.hide()
        for w in self._plots[:drawn]:
            w.getPlotItem().clear()  # no curves of another model while the new ones come
        self._legends()
        if self._drawing is not None:
            self._drawing.stop()
            self._drawing = None
        note = f"{ev.n} samples; intervals from a stratified bootstrap"
        if task == "binary" and ev.prevalence is not None:
            rare = min(ev.prevalence, 1 - ev.prevalence)
            note += (
                f". {ev.prevalence:.0%} of them are '{classes[-1]}' (the dashed prevalence "
                "line in the precision–recall plot is what a random model scores)."
            )
            if rare < 0.2:
                note += (
                    " With a class this rare, AUROC alone looks good too easily: judge the "
                    "model by AUPRC against that line, and by the confusion matrix."
                )
        self.note.setText(note)
        if y is not None and out is not None:
            if task == "binary":
                c = modelling.curves(y, out)

                def steps():
                    # First every plot in its place, emptied (one layout of the page, not one
                    # per plot), then one plot drawn per event-loop pass: creating or drawing
                    # three plot widgets at once stalls the window for more than 100 ms.
                    if all(i < len(self._plots) for i in range(drawn)):
                        for i in range(drawn):
                            self._plot(i)
                        yield
                    curves.roc(self._plot(0), c["fpr"], c["tpr"], ev.metrics["auroc"].value)
                    yield
                    curves.precision_recall(
                        self._plot(1),
                        c["recall"],
                        c["precision"],
                        ev.prevalence or 0.0,
                        ev.metrics["auprc"].value,
                    )
                    yield
                    curves.calibration(
                        self._plot(2), c["calibration_predicted"], c["calibration_observed"]
                    )
                    self._legends()

                self._drawing = run_in_steps(steps(), self, on_done=self._drawn)
            elif task == "regression":
                curves.residuals(self._plot(0), out, y)
                self._legends()
        self.confusion.setVisible(bool(ev.confusion))
        self.confusion_caption.setVisible(bool(ev.confusion))
        if ev.confusion:
            self.show_confusion(ev.confusion, classes, task)

    def show_confusion(self, confusion: list[list[int]], classes: list[str], task: str) -> None:
        """The matrix with every class name whole: long names wrap in the column headers."""
        k = len(confusion)
        names = [str(n) for n in classes[:k]] + [f"class {i + 1}" for i in range(len(classes), k)]
        self.confusion_caption.setText(confusion_caption(task, names))
        self.confusion.setRowCount(k)
        self.confusion.setColumnCount(k)
        self.confusion.setHorizontalHeaderLabels([wrapped(f"→ {n}") for n in names])
        self.confusion.setVerticalHeaderLabels(names)
        for i in range(k):
            for j in range(k):
                item = QTableWidgetItem(str(confusion[i][j]))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                item.setToolTip(f"true {names[i]}, predicted {names[j]}")
                self.confusion.setItem(i, j, item)
        header = self.confusion.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.confusion.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.confusion.resizeColumnsToContents()
        self.confusion.resizeRowsToContents()
        rows = sum(self.confusion.rowHeight(r) for r in range(k))
        self.confusion.setFixedHeight(
            header.sizeHint().height() + rows + 2 * self.confusion.frameWidth() + 2
        )
