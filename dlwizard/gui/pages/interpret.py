"""Page 10, interpret: which features the final model relies on, what a small panel keeps,
where the model fails, and what none of this means (importance is not mechanism)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import (
    HelpLabel,
    SectionTitle,
    field_with_help,
    read_only_table,
    run_in_steps,
)
from dlwizard.gui.widgets.options import OptionFields, carried
from dlwizard.steps import interpret, modelling
from dlwizard.study.model import InterpretOptions

TOP_SHOWN = 20
TWO_COLUMNS_FROM = 1000  # page width (px) from which importance and panel sit side by side
LOGO_HEIGHT = 170  # px: a logo is a wide, low plot


class InterpretPage(Page):
    step = "interpret"
    intro = (
        "Which measurements does the final model rely on? Each feature (or group of features "
        "that move together) is shuffled, and the loss in score shows how much the model needs "
        "it. A small model on only the top features shows whether a short biomarker panel would "
        "do. Read the caveats: a feature the model needs is not necessarily a cause."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        form = QFormLayout()
        row = QWidget()
        # Two rows of two settings: one row of four is wider than the window at 1024 x 640.
        rl = QGridLayout(row)
        rl.setContentsMargins(0, 0, 0, 0)
        self.set_box = QComboBox()
        self.set_box.addItem("Tuning set", "tune")
        self.set_box.addItem("Test set (after it was opened)", "test")
        # Ranges and defaults from InterpretOptions (gui.widgets.options).
        self.fields = OptionFields(InterpretOptions)
        self.repeats = self.fields.spin("repeats")
        self.correlation = self.fields.spin("correlation", decimals=2)
        self.correlation.setSingleStep(0.05)
        self.panel_k = self.fields.spin("panel_k")
        for i, (text, w) in enumerate(
            (
                ("Measured on", self.set_box),
                ("Repeats", self.repeats),
                ("Group features with |ρ| ≥", self.correlation),
                ("Panel size k", self.panel_k),
            )
        ):
            rl.addWidget(QLabel(text), i // 2, 2 * (i % 2))
            # Left-aligned at their own width: a spin box under the combo box is not stretched.
            rl.addWidget(w, i // 2, 2 * (i % 2) + 1, alignment=Qt.AlignmentFlag.AlignLeft)
        rl.setColumnStretch(4, 1)
        # A model of images: how its saliency maps are made (shown for such models only).
        self.saliency_label = QLabel("Saliency maps by")
        self.saliency_box = QComboBox()
        self.saliency_box.addItem("occlusion (covering parts of the image)", "occlusion")
        self.saliency_box.addItem("integrated gradients (networks)", "integrated_gradients")
        rl.addWidget(self.saliency_label, 2, 0)
        rl.addWidget(self.saliency_box, 2, 1, 1, 3, alignment=Qt.AlignmentFlag.AlignLeft)
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
        # The main action under its settings, before the (long) caveats: in view at 1024 x 640.
        self.run_button = self.add_primary_button("Compute the importances", self.run_interpret)
        self.caveats = QLabel()
        self.caveats.setObjectName("status")
        self.caveats.setWordWrap(True)
        self.body.addWidget(self.caveats)
        self.status = self.add_status_label()
        # At a perfect score importance says nothing: said beside the results, not only above.
        self.ceiling = QLabel()
        self.ceiling.setWordWrap(True)
        self.ceiling.setStyleSheet(
            "background: #fff4e0; color: #6b4500; border: 1px solid #f0cf94; "
            "border-radius: 4px; padding: 8px;"
        )
        self.ceiling.hide()
        self.body.addWidget(self.ceiling)
        self.grid = QGridLayout()
        self.left = left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(SectionTitle(f"Permutation importance (top {TOP_SHOWN})"))
        self.importance_plot = self._plot_widget(460)
        ll.addWidget(self.importance_plot)
        self.table = read_only_table(["Feature or group", "Importance (95% interval)", "Members"])
        self.table.setMinimumHeight(200)
        ll.addWidget(self.table)
        self.right = right = QWidget()
        rl2 = QVBoxLayout(right)
        rl2.setContentsMargins(0, 0, 0, 0)
        self.panel_title = SectionTitle("Biomarker panel: a small model on the top features")
        rl2.addWidget(self.panel_title)
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
        self.coef_help = HelpLabel("")
        rl2.addWidget(self.coef_help)
        self.coefs = read_only_table(["Feature", "Coefficient"], 180)
        rl2.addWidget(self.coefs)
        rl2.addStretch(1)
        self.columns = 0
        self._drawing = None  # the timer drawing the plots one per event-loop pass
        self._arrange(2)
        self.body.addLayout(self.grid)
        self._build_sequences()
        from dlwizard.gui.widgets.image_views import SaliencyView

        self.image_title = SectionTitle("Where the model looks (saliency maps)")
        self.saliency = SaliencyView()  # a model of images (issue 18); hidden otherwise
        self.body.addWidget(self.image_title)
        self.body.addWidget(self.saliency)
        self.image_title.hide()
        self.saliency.hide()
        self.add_findings_section()

    def _build_sequences(self) -> None:
        """Sequences (issue 17): a logo per example sequence, the enriched k-mers and the
        caveat that a motif the model uses is not proof of function. Hidden for tables."""
        self.seq_box = box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(SectionTitle("Which letters the model relies on (in-silico mutagenesis)"))
        self.seq_help = HelpLabel("")
        bl.addWidget(self.seq_help)
        self.seq_examples = QVBoxLayout()
        bl.addLayout(self.seq_examples)
        self.logo_titles: list[QLabel] = []
        self.logos: list = []
        bl.addWidget(SectionTitle("k-mers enriched where the attributions are high"))
        self.kmer_help = HelpLabel("")
        bl.addWidget(self.kmer_help)
        self.kmers = read_only_table(
            ["Class", "k-mer", "In high windows", "In all windows", "Enrichment", "q"], 160
        )
        bl.addWidget(self.kmers)
        self.motif_caveat = QLabel(f"<b>A motif is not a mechanism.</b> {interpret.MOTIF_CAVEAT}")
        self.motif_caveat.setWordWrap(True)
        self.motif_caveat.setStyleSheet(
            "background: #fff4e0; color: #6b4500; border: 1px solid #f0cf94; "
            "border-radius: 4px; padding: 8px;"
        )
        bl.addWidget(self.motif_caveat)
        box.hide()
        self.body.addWidget(box)

    def _logo(self, i: int):
        """The i-th example's title and plot, made when first needed and kept."""
        while len(self.logos) <= i:
            title = QLabel()
            title.setWordWrap(True)
            plot = self._plot_widget(LOGO_HEIGHT)
            plot.setMaximumHeight(LOGO_HEIGHT + 20)
            self.seq_examples.addWidget(title)
            self.seq_examples.addWidget(plot)
            self.logo_titles.append(title)
            self.logos.append(plot)
        return self.logo_titles[i], self.logos[i]

    def _show_sequences(self, section, plots: list) -> None:
        """Fill the sequence box and queue the logos (drawn one per event-loop pass)."""
        from dlwizard.render.figures import sequence_logo

        seq = section.sequence
        self.seq_box.setVisible(seq is not None)
        if seq is None:
            return
        self.seq_help.setText(
            " ".join(seq.notes[:-1])
            + (
                " Examples the model predicts well, and one it predicts badly:"
                if seq.toward == "value"
                else " Examples of each class, right and wrong:"
            )
        )
        for i, example in enumerate(seq.examples):
            title, plot = self._logo(i)
            title.setText(f"<b>{interpret.example_title(seq, example)}</b>")
            title.show()
            plot.show()
            plots.append(
                lambda e=example, w=plot: sequence_logo.build(
                    w.getPlotItem(),
                    e.letters,
                    e.attributions,
                    e.first_position,
                    seq.alphabet,
                    interpret.logo_label(seq, e),
                )
            )
        for title, plot in zip(
            self.logo_titles[len(seq.examples) :], self.logos[len(seq.examples) :]
        ):
            title.hide()
            plot.hide()
        self.kmer_help.setText(seq.notes[-1])
        headers, rows = interpret.kmer_headers(seq), interpret.kmer_rows(seq)
        self.kmers.setColumnCount(len(headers))
        self.kmers.setHorizontalHeaderLabels(headers)
        self.kmers.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if c >= len(row) - 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.kmers.setItem(r, c, item)
        self.kmers.resizeColumnsToContents()
        self.kmers.resizeRowsToContents()
        fit = self.kmers.horizontalHeader().height() + 4
        fit += sum(self.kmers.rowHeight(r) for r in range(len(rows)))
        self.kmers.setFixedHeight(min(max(fit, 60), 800))  # every k-mer in view, no inner scroll
        if not rows:
            self.kmer_help.setText(
                seq.notes[-1] + " No k-mer sits in enough high windows to be listed."
            )

    def _arrange(self, columns: int) -> None:
        """Importance and panel side by side on a wide page, one under the other on a narrow
        one (two columns at 1024 x 640 are wider than the window)."""
        if columns == self.columns:
            return
        self.columns = columns
        self.grid.removeWidget(self.left)
        self.grid.removeWidget(self.right)
        self.grid.addWidget(self.left, 0, 0)
        if columns == 2:
            self.grid.addWidget(self.right, 0, 1)
            self.grid.setColumnStretch(1, 1)
        else:
            self.grid.addWidget(self.right, 1, 0)
            self.grid.setColumnStretch(1, 0)
        self.grid.setColumnStretch(0, 1)

    def resizeEvent(self, event) -> None:
        self._arrange(2 if event.size().width() >= TWO_COLUMNS_FROM else 1)
        super().resizeEvent(event)

    def _plot_widget(self, height: int):
        import pyqtgraph as pg

        # No context menu (the builders turn it off anyway): it is costly to build.
        w = pg.PlotWidget(background="w", enableMenu=False)
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
        # A model of sequences: the same job also mutates example sequences letter by letter.
        reads_sequences = final is not None and bool(getattr(final, "sequence", None))
        reads_images = final is not None and bool(getattr(final, "image", None))
        self.run_button.setText(
            "Compute the importances and letter attributions"
            if reads_sequences
            else "Compute the importances and saliency maps"
            if reads_images
            else "Compute the importances"
        )
        has_maps = s.interpret is not None and s.interpret.image is not None
        self.image_title.setVisible(has_maps)
        for w in (self.saliency_label, self.saliency_box):
            w.setVisible(reads_images)
        if has_maps:
            self.saliency.show_attribution(self.project)
        else:
            self.saliency.hide()
        section = s.interpret
        caveats = section.caveats if section else list(interpret.CAVEATS)
        if section is not None and interpret.at_ceiling(section):
            # Said in its own box beside the results (self.ceiling), not twice.
            caveats = [c for c in caveats if c != interpret.ceiling_note(section)]
        self.caveats.setText(
            "<b>Read this first.</b><ul>" + "".join(f"<li>{c}</li>" for c in caveats) + "</ul>"
        )
        if section is not None:
            o = section.options
            self.set_box.setCurrentIndex(0 if o.set == "tune" else 1)
            self.saliency_box.setCurrentIndex(max(self.saliency_box.findData(o.saliency), 0))
            self.fields.set_values(o)
        shown = section is not None and bool(section.importances)
        # The plots stay on the page (empty until computed): shown for the first time at the
        # end of the job, their layout and first paint would stall the window.
        for w in (self.table, self.status):
            w.setVisible(shown)
        self.ceiling.setVisible(shown and interpret.at_ceiling(section))
        if not shown:
            if self._drawing is not None:  # nothing left to draw from an earlier result
                self._drawing.stop()
                self._drawing = None
            self.importance_plot.getPlotItem().clear()
            self.panel_plot.getPlotItem().clear()
            for plot in self.logos:
                plot.getPlotItem().clear()
            self.seq_box.hide()
        if shown:
            self._show(section)
        else:
            self.panel_text.setText("")
            self.failing.setText("")
            self.coef_title.hide()
            self.coef_help.hide()
            self.coefs.hide()
        self.show_findings()

    def _show(self, section) -> None:
        from dlwizard.render.figures import intervals, panel

        label = modelling.METRIC_LABELS[section.metric]
        top = section.importances[:TOP_SHOWN]
        # A model of sequences has few features (often the sequence alone): a plot and a table
        # sized to them, not the tall ones a table of measurements needs.
        few = section.sequence is not None
        self.importance_plot.setMinimumHeight(min(460, 120 + 36 * len(top)) if few else 460)
        self.importance_plot.setMaximumHeight(min(460, 120 + 36 * len(top)) if few else 16777215)
        self.table.setMinimumHeight(min(200, 40 + 30 * len(top)) if few else 200)
        self.table.setMaximumHeight(min(200, 40 + 30 * len(top)) if few else 16777215)
        plots = []  # drawn in later event-loop passes, one per pass (see the end)
        plots.append(
            lambda: intervals.build(
                self.importance_plot.getPlotItem(),
                [i.name for i in top],
                [i.value for i in top],
                [i.low if np.isfinite(i.low) else i.value for i in top],
                [i.high if np.isfinite(i.high) else i.value for i in top],
                x_label=f"drop in {label} when shuffled",
                reference=0.0,
            )
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
            f = interpret.fmt_importance
            self.table.setItem(
                r, 1, QTableWidgetItem(f"{f(imp.value)}  ({f(imp.low)} – {f(imp.high)})")
            )
            members = ", ".join(imp.members[:12]) + (" …" if len(imp.members) > 12 else "")
            self.table.setItem(r, 2, QTableWidgetItem(members))
        self.table.resizeColumnsToContents()
        if interpret.at_ceiling(section):
            self.ceiling.setText("<b>At a perfect score:</b> " + interpret.ceiling_note(section))
        if section.panel and section.full_score is not None:
            full = section.full_score
            plots.append(
                lambda: panel.panel_curve(
                    self.panel_plot.getPlotItem(),
                    [p.k for p in section.panel],
                    [p.score.value for p in section.panel],
                    [p.score.low for p in section.panel],
                    [p.score.high for p in section.panel],
                    full.value,
                    full.low,
                    label,
                )
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
            ties = interpret.panel_ties(section)
            if ties:
                text += " " + ties
            self.panel_text.setText(text)
        # A model of the sequence alone has no panel to refit (it would be the baseline itself).
        no_panel = section.sequence is not None and not section.panel
        for w in (self.panel_title, self.panel_plot, self.panel_text):
            w.setVisible(not no_panel)
        domains = section.failing_domains
        said = interpret.subgroup_statement(self.project)
        self.failing.setText("<br>".join([said, *domains]) if domains else said)
        # The plots and the coefficients table in later passes, one per pass (two zero-delay
        # timers started together would fire in the same pass): every stall stays short.
        plots.insert(0, lambda: self._show_coefficients(section))  # a table: the quickest
        self._show_sequences(section, plots)

        def steps():
            for draw in plots:
                draw()
                yield

        if self._drawing is not None:
            self._drawing.stop()
        self._drawing = run_in_steps(steps(), self, on_done=self._drawn)

    def _drawn(self) -> None:
        self._drawing = None

    def _show_coefficients(self, section) -> None:
        classes, rows = interpret.coefficient_table(section)
        for w in (self.coef_title, self.coef_help, self.coefs):
            w.setVisible(bool(rows))
        if classes:
            headers = ["Feature", *classes]
            self.coef_help.setText(
                "One coefficient per class: a positive value raises the model's score for that "
                "class when the feature rises by one standard deviation, a negative one lowers "
                "it. Largest effect on any class first."
            )
        else:
            q = self.project.study.question
            toward = (
                f" (towards {q.positive_class})" if q.task == "binary" and q.positive_class else ""
            )
            headers = ["Feature", f"Coefficient{toward}"]
            self.coef_help.setText(
                "A positive value raises the prediction when the feature rises by one standard "
                "deviation, a negative one lowers it. Largest first."
            )
        self.coefs.setColumnCount(len(headers))
        self.coefs.setHorizontalHeaderLabels(headers)
        rows = rows[:50]
        self.coefs.setRowCount(len(rows))
        for r, (name, values) in enumerate(rows):
            self.coefs.setItem(r, 0, QTableWidgetItem(name))
            for c, value in enumerate(values, start=1):
                item = QTableWidgetItem(interpret.fmt_coefficient(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.coefs.setItem(r, c, item)
        self.coefs.resizeColumnsToContents()

    def _model_name(self, key: str) -> str:
        c = self.project.study.compare
        final = c.final if c else None
        return final.name if final is not None and final.key == key else key

    def options(self) -> InterpretOptions:
        previous = self.project.study.interpret
        return carried(
            InterpretOptions,
            previous.options if previous else None,
            set=self.set_box.currentData(),
            saliency=self.saliency_box.currentData(),
            **self.fields.values(),
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
