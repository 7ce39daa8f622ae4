"""Page 10, interpret: which features the final model relies on, what a small panel keeps,
where the model fails, and what none of this means (importance is not mechanism)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle, field_with_help, read_only_table
from dlwizard.ml import metrics
from dlwizard.steps import interpret
from dlwizard.study.model import InterpretOptions

TOP_SHOWN = 20


class InterpretPage(Page):
    step = "interpret"
    title = "Interpret"
    tips = "Tips 8, 9: explain carefully, and find where the model fails"
    intro = (
        "Which measurements does the final model rely on? Each feature (or group of features "
        "that move together) is shuffled, and the loss in score shows how much the model needs "
        "it. A small model on only the top features shows whether a short biomarker panel would "
        "do. Read the caveats: a feature the model needs is not necessarily a cause."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.caveats = QLabel()
        self.caveats.setObjectName("status")
        self.caveats.setWordWrap(True)
        self.body.addWidget(self.caveats)
        form = QFormLayout()
        row = QWidget()
        rl = QHBoxLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        self.set_box = QComboBox()
        self.set_box.addItem("Tuning set", "tune")
        self.set_box.addItem("Test set (after it was opened)", "test")
        self.repeats = QSpinBox()
        self.repeats.setRange(2, 500)
        self.repeats.setValue(20)
        self.correlation = QDoubleSpinBox()
        self.correlation.setRange(0.5, 1.0)
        self.correlation.setSingleStep(0.05)
        self.correlation.setValue(0.8)
        self.panel_k = QSpinBox()
        self.panel_k.setRange(1, 500)
        self.panel_k.setValue(5)
        for w in (
            QLabel("Measured on"),
            self.set_box,
            QLabel("Repeats"),
            self.repeats,
            QLabel("Group features with |ρ| ≥"),
            self.correlation,
            QLabel("Panel size k"),
            self.panel_k,
        ):
            rl.addWidget(w)
        rl.addStretch(1)
        field_with_help(
            form,
            "Settings",
            row,
            "Each repeat resamples the samples (whole subjects when there are repeated "
            "measurements) and shuffles every feature group once, so the interval covers both. "
            "Features whose rank correlation reaches the threshold are shuffled together, so "
            "they do not split the credit arbitrarily. The panel refits the simplest baseline on "
            "the k top features.",
        )
        self.body.addLayout(form)
        self.run_button = self.add_primary_button("Compute the importances", self.run_interpret)
        self.status = self.add_status_label()
        grid = QGridLayout()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(SectionTitle(f"Permutation importance (top {TOP_SHOWN})"))
        self.importance_plot = self._plot_widget(460)
        ll.addWidget(self.importance_plot)
        self.table = read_only_table(["Feature or group", "Importance (95% interval)", "Members"])
        self.table.setMinimumHeight(200)
        ll.addWidget(self.table)
        right = QWidget()
        rl2 = QVBoxLayout(right)
        rl2.setContentsMargins(0, 0, 0, 0)
        rl2.addWidget(SectionTitle("Biomarker panel: a small model on the top features"))
        self.panel_plot = self._plot_widget(280)
        rl2.addWidget(self.panel_plot)
        self.panel_text = HelpLabel("")
        rl2.addWidget(self.panel_text)
        rl2.addWidget(SectionTitle("Where the model fails"))
        self.failing = QLabel()
        self.failing.setWordWrap(True)
        rl2.addWidget(self.failing)
        self.coef_title = SectionTitle("Coefficients of the linear model (standardised)")
        rl2.addWidget(self.coef_title)
        self.coefs = read_only_table(["Feature", "Coefficient"], 180)
        rl2.addWidget(self.coefs)
        rl2.addStretch(1)
        grid.addWidget(left, 0, 0)
        grid.addWidget(right, 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)
        self.add_findings_section()

    def _plot_widget(self, height: int):
        import pyqtgraph as pg

        w = pg.PlotWidget(background="w")
        w.setMinimumHeight(height)
        return w

    def refresh(self) -> None:
        s = self.project.study
        final = s.compare.final if s.compare else None
        opened = self.project.test_opened
        self.set_box.model().item(1).setEnabled(opened)
        if not opened and self.set_box.currentIndex() == 1:
            self.set_box.setCurrentIndex(0)
        self.run_button.setEnabled(final is not None)
        section = s.interpret
        caveats = section.caveats if section else list(interpret.CAVEATS)
        self.caveats.setText(
            "<b>Read this first.</b><ul>" + "".join(f"<li>{c}</li>" for c in caveats) + "</ul>"
        )
        if section is not None:
            o = section.options
            self.set_box.setCurrentIndex(0 if o.set == "tune" else 1)
            self.repeats.setValue(o.repeats)
            self.correlation.setValue(o.correlation)
            self.panel_k.setValue(o.panel_k)
        shown = section is not None and bool(section.importances)
        # The plots stay on the page (empty until computed): shown for the first time at the
        # end of the job, their layout and first paint would stall the window.
        for w in (self.table, self.status):
            w.setVisible(shown)
        if not shown:
            self.importance_plot.getPlotItem().clear()
            self.panel_plot.getPlotItem().clear()
        if shown:
            self._show(section)
        else:
            self.panel_text.setText("")
            self.failing.setText("")
            self.coef_title.hide()
            self.coefs.hide()
        self.show_findings()

    def _show(self, section) -> None:
        from dlwizard.plots import intervals, panel

        label = metrics.LABELS[section.metric]
        top = section.importances[:TOP_SHOWN]
        intervals.build(
            self.importance_plot.getPlotItem(),
            [i.name for i in top],
            [i.value for i in top],
            [i.low if np.isfinite(i.low) else i.value for i in top],
            [i.high if np.isfinite(i.high) else i.value for i in top],
            x_label=f"drop in {label} when shuffled",
            reference=0.0,
        )
        where = "tuning" if section.options.set == "tune" else "test"
        self.status.setText(
            f"{self._model_name(section.model)}: {section.n} {where}-set samples, "
            f"{section.features_considered} "
            f"features in {len(section.importances)} groups, {section.options.repeats} repeats"
            + (", resampling whole subjects" if section.grouped_by_subject else "")
            + ". An interval that crosses the dashed zero line: no measurable reliance."
        )
        self.table.setRowCount(len(section.importances))
        for r, imp in enumerate(section.importances):
            self.table.setItem(r, 0, QTableWidgetItem(imp.name))
            self.table.setItem(
                r, 1, QTableWidgetItem(f"{imp.value:.4f}  ({imp.low:.4f} – {imp.high:.4f})")
            )
            members = ", ".join(imp.members[:12]) + (" …" if len(imp.members) > 12 else "")
            self.table.setItem(r, 2, QTableWidgetItem(members))
        self.table.resizeColumnsToContents()
        if section.panel and section.full_score is not None:
            full = section.full_score
            # Drawn in the next event-loop pass: two plots in one pass stall the window.
            QTimer.singleShot(
                0,
                self,
                lambda: panel.panel_curve(
                    self.panel_plot.getPlotItem(),
                    [p.k for p in section.panel],
                    [p.score.value for p in section.panel],
                    [p.score.low for p in section.panel],
                    [p.score.high for p in section.panel],
                    full.value,
                    full.low,
                    label,
                ),
            )
            chosen = next((p for p in section.panel if p.k == section.options.panel_k), None)
            text = (
                f"{section.panel_family} refitted on the top-k features (training rows), scored "
                f"on the same {where}-set samples. The red line is the final model "
                f"({full.value:.3f}; dashed: the low end of its interval)."
            )
            if chosen is not None:
                kept = chosen.score.value / full.value if full.value else float("nan")
                text += (
                    f" With k = {chosen.k} ({', '.join(chosen.features[:8])}) it scores "
                    f"{chosen.score.value:.3f}, {kept:.0%} of the final model's score."
                )
            self.panel_text.setText(text)
        domains = section.failing_domains
        self.failing.setText(
            "<br>".join(domains)
            if domains
            else (
                "No subgroup did clearly worse on the test set."
                if self.project.test_opened
                else "Known after the test set is opened (the test page scores every subgroup)."
            )
        )
        # The coefficients table in a later pass too: one pass per plot or table keeps every
        # stall of the window short.
        QTimer.singleShot(0, self, lambda: self._show_coefficients(section))

    def _show_coefficients(self, section) -> None:
        self.coef_title.setVisible(bool(section.coefficients))
        self.coefs.setVisible(bool(section.coefficients))
        items = list(section.coefficients.items())[:50]
        self.coefs.setRowCount(len(items))
        for r, (name, value) in enumerate(items):
            self.coefs.setItem(r, 0, QTableWidgetItem(name))
            self.coefs.setItem(r, 1, QTableWidgetItem(f"{value:+.4f}"))
        self.coefs.resizeColumnsToContents()

    def _model_name(self, key: str) -> str:
        c = self.project.study.compare
        final = c.final if c else None
        return final.name if final is not None and final.key == key else key

    def options(self) -> InterpretOptions:
        return InterpretOptions(
            set=self.set_box.currentData(),
            repeats=self.repeats.value(),
            correlation=round(self.correlation.value(), 3),
            panel_k=self.panel_k.value(),
        )

    def run_interpret(self) -> None:
        self.run_job(
            interpret.run,
            self.project,
            self.options(),
            message="Computing permutation importances…",
            on_done=lambda _: self.window_.refresh_all(),
        )

    def problems(self) -> list[str]:
        if not self.project.is_done(self.step):
            return ["compute the importances."]
        return super().problems()
