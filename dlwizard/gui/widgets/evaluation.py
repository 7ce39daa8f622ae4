"""The evaluation panel: metrics with intervals, curves and the confusion matrix for one model.

Shared by the baselines page (tuning set) and, later, the test page.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.widgets.common import HelpLabel, run_in_steps
from dlwizard.ml import metrics
from dlwizard.study.model import Evaluation


class EvaluationPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
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
        self.confusion = QTableWidget()
        self.confusion.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.confusion.setMaximumHeight(140)
        lay.addWidget(self.table)
        lay.addWidget(self.note)
        lay.addWidget(self.plots_box)
        lay.addWidget(
            QLabel(
                "<b>Confusion matrix</b> (rows: true class, columns: predicted, at probability 0.5)"
            )
        )
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
                self._plot(i)
                self._plots[i].hide()
                yield

        if len(self._plots) < n:
            run_in_steps(steps(), self)

    def _plot(self, i: int):
        import pyqtgraph as pg

        while len(self._plots) <= i:
            w = pg.PlotWidget(background="w")
            w.setMinimumSize(220, 240)
            w.setMaximumHeight(300)
            w.getPlotItem().addLegend(offset=(-10, -10))
            n = len(self._plots)
            self.grid.addWidget(w, n // 2, n % 2)  # two per row: readable on a laptop screen
            self._plots.append(w)
        self._plots[i].show()
        return self._plots[i].getPlotItem()

    def show_evaluation(
        self,
        title: str,
        ev: Evaluation,
        task: str,
        y: np.ndarray | None,
        out: np.ndarray | None,
        classes: list[str],
    ) -> None:
        from dlwizard.plots import curves

        self.title.setText(title)
        self.table.setRowCount(len(ev.metrics))
        for r, (k, v) in enumerate(ev.metrics.items()):
            self.table.setItem(r, 0, QTableWidgetItem(metrics.LABELS.get(k, k)))
            self.table.setItem(
                r, 1, QTableWidgetItem(f"{v.value:.3f}  ({v.low:.3f} – {v.high:.3f})")
            )
        self.table.resizeColumnsToContents()
        for w in self._plots:
            w.hide()
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
                c = metrics.curves(y, out)

                def steps():
                    # One plot per event-loop pass: creating three plot widgets at once
                    # stalls the window for more than 100 ms.
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

                if self._drawing is not None:
                    self._drawing.stop()
                self._drawing = run_in_steps(steps(), self, on_done=self._drawn)
            elif task == "regression":
                curves.residuals(self._plot(0), out, y)
        self.confusion.setVisible(bool(ev.confusion))
        if ev.confusion:
            k = len(ev.confusion)
            names = classes[:k]
            self.confusion.setRowCount(k)
            self.confusion.setColumnCount(k)
            self.confusion.setHorizontalHeaderLabels([f"→ {n}" for n in names])
            self.confusion.setVerticalHeaderLabels(names)
            for i in range(k):
                for j in range(k):
                    self.confusion.setItem(i, j, QTableWidgetItem(str(ev.confusion[i][j])))
