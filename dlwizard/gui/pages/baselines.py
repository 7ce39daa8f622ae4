"""Page 6, baselines: simple models tuned with one equal budget, controls, and the evaluation
panel on the tuning set."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlwizard.errors import StepError
from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle, field_with_help
from dlwizard.gui.widgets.evaluation import EvaluationPanel
from dlwizard.gui.widgets.options import OptionFields, carried
from dlwizard.steps import baselines, modelling
from dlwizard.steps.modelling import METRIC_LABELS, families, settings_text
from dlwizard.study.model import BaselineOptions


def _tune_baselines(project, options, job=None, partial=None):
    """In the worker: the estimated duration (seconds, a float) and then each family's result
    go to ``partial`` as soon as they are known."""
    return baselines.run(project, options, job=job, on_family=partial, on_estimate=partial)


class _NumberItem(QTableWidgetItem):
    """Sorts by the number it shows, not by its text."""

    def __init__(self, text: str, value: float) -> None:
        super().__init__(text)
        self.setData(Qt.ItemDataRole.UserRole, value)

    def __lt__(self, other) -> bool:
        a = self.data(Qt.ItemDataRole.UserRole)
        b = other.data(Qt.ItemDataRole.UserRole)
        return float(a if a == a else -1e9) < float(b if b == b else -1e9)


TWO_COLUMNS_FROM = 1000  # page width (px) from which the controls sit beside the panel


def _local_time(iso: str) -> str:
    """A stored ISO time stamp as a local time people read: "28 Nov 2026 23:10"."""
    from datetime import datetime

    try:
        t = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso
    if t.tzinfo is not None:
        t = t.astimezone()  # the computer's time zone
    return f"{t.day} {t.strftime('%b %Y %H:%M')}"


class BaselinesPage(Page):
    step = "baselines"
    intro = (
        "Before any neural network, fit well-understood models and tune each one with exactly "
        "the same effort. A deep model is only worth it if it beats these; and a comparison "
        "where one model was tuned more than another says nothing."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        form = QFormLayout()
        budget = QWidget()
        # Two rows: one row of three settings is wider than the window at 1024 x 640.
        bl = QGridLayout(budget)
        bl.setContentsMargins(0, 0, 0, 0)
        # Bound to BaselineOptions by field name: ranges and defaults are the model's.
        self.fields = OptionFields(BaselineOptions)
        self.budget_kind = QComboBox()
        self.budget_kind.addItem("the number of trials", "trials")
        self.budget_kind.addItem("the search time", "time")
        self.budget_kind.currentIndexChanged.connect(self._budget_kind_changed)
        self.trials_box = self.fields.spin("trials")
        self.seconds_box = self.fields.spin("seconds_per_family", suffix=" s")
        self.perm_box = self.fields.spin("permutations")
        self.trials_label = QLabel("Trials per family")
        self.seconds_label = QLabel("Time cap per family")
        for i, (label, w) in enumerate(
            (
                (QLabel("Keep equal"), self.budget_kind),
                (self.trials_label, self.trials_box),
                (self.seconds_label, self.seconds_box),
                (QLabel("Shuffled-label runs"), self.perm_box),
            )
        ):
            bl.addWidget(label, i // 2, 2 * (i % 2))
            bl.addWidget(w, i // 2, 2 * (i % 2) + 1)
        bl.setColumnStretch(4, 1)
        field_with_help(
            form,
            "Equal budget",
            budget,
            "Every family gets the same effort: the same number of settings to try (searched "
            "with optuna on the cross-validation folds inside training) under the same time "
            "cap, or the same search time, with as many settings as fit in it. The ledger "
            "below shows what each one used. The shuffled-label runs give a permutation "
            "p-value: with k runs it cannot go below 1/(k+1), so 19 runs or more are needed "
            "for p = 0.05.",
        )
        fam_box = QWidget()
        self.fam_layout = QGridLayout(fam_box)
        self.fam_layout.setContentsMargins(0, 0, 0, 0)
        self.family_checks: dict[str, QCheckBox] = {}
        field_with_help(
            form,
            "Model families",
            fam_box,
            "All are included by default. Each sits in a pipeline that fills gaps, "
            "scales numbers and encodes categories using the training folds only; a column of "
            "sequences is read as the frequencies of its k-mers, the k-mer length being tuned "
            "with each family's other settings.",
        )
        self.body.addLayout(form)
        self.run_button = self.add_primary_button("Tune the baselines", self.run_baselines)
        self.recommendation = self.add_status_label()
        # While the search runs: each family's score as soon as it is done (early answers).
        self.so_far = QLabel()
        self.so_far.setWordWrap(True)
        # Readable while the page is locked for the job (a disabled label is greyed out).
        self.so_far.setStyleSheet(
            "background: #eef5ff; color: #10243e; border: 1px solid #bcd3f5; "
            "border-radius: 4px; padding: 8px;"
        )
        self.so_far.hide()
        self._finished_families: list[str] = []
        self._estimate = self._left = ""
        self.body.addWidget(self.so_far)
        self.body.addWidget(SectionTitle("Results on the tuning set"))
        self.results = QTableWidget(0, 5)
        self.results.setSortingEnabled(True)
        # Fits the page: the family column takes the room left and wraps; no sideways scrolling.
        self.results.setWordWrap(True)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.verticalHeader().hide()
        self.results.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.results.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.results.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.results.itemSelectionChanged.connect(self._show_selected)
        self.results.setMinimumHeight(230)
        self.body.addWidget(self.results)
        self.settings_label = QLabel()
        self.settings_label.setWordWrap(True)
        self.body.addWidget(self.settings_label)
        self.interval_note = QLabel()
        self.interval_note.setWordWrap(True)
        self.interval_note.setStyleSheet(
            "background: #fff4e0; color: #6b4500; border: 1px solid #f0cf94; "
            "border-radius: 4px; padding: 8px;"
        )
        self.interval_note.hide()
        self.body.addWidget(self.interval_note)
        self.body.addWidget(
            HelpLabel(
                "Click a row to see its best settings and its evaluation panel. CV: mean ± SD "
                "over the grouped folds inside training (what the search optimised). Tuning set: "
                "scored once on rows the search never saw, with a bootstrap interval."
            )
        )
        # The ledger across the page (in a narrow column its numbers were cut off).
        self.ledger = QTableWidget(0, 4)
        self.ledger.setHorizontalHeaderLabels(
            ["Family", "Trials used", "Tuning seconds", "Final fit seconds"]
        )
        self.ledger.verticalHeader().hide()
        self.ledger.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.ledger.setWordWrap(True)
        self.ledger.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.ledger.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.body.addWidget(SectionTitle("Tuning ledger"))
        self.ledger_when = HelpLabel("")
        self.body.addWidget(self.ledger_when)
        self.body.addWidget(self.ledger)
        grid = QGridLayout()
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        self.controls_label = QLabel()
        self.controls_label.setWordWrap(True)
        ll.addWidget(SectionTitle("Controls"))
        ll.addWidget(self.controls_label)
        ll.addStretch(1)
        self.left, self.grid = left, grid
        self.panel = EvaluationPanel()
        self.columns = 0
        self._arrange(2)
        self.body.addLayout(grid)
        self.add_findings_section()

    def _arrange(self, columns: int) -> None:
        """The controls beside the evaluation panel on a wide page, above it on a narrow
        one (side by side they are wider than the window at 1024 x 640)."""
        if columns == self.columns:
            return
        self.columns = columns
        self.grid.removeWidget(self.left)
        self.grid.removeWidget(self.panel)
        self.grid.addWidget(self.left, 0, 0)
        if columns == 2:
            self.grid.addWidget(self.panel, 0, 1)
            self.grid.setColumnStretch(0, 2)
            self.grid.setColumnStretch(1, 4)
        else:
            self.grid.addWidget(self.panel, 1, 0)
            self.grid.setColumnStretch(0, 1)
            self.grid.setColumnStretch(1, 0)

    def resizeEvent(self, event) -> None:
        self._arrange(2 if event.size().width() >= TWO_COLUMNS_FROM else 1)
        super().resizeEvent(event)

    # -- reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        task = self.project.study.question.task or "binary"
        zoo = families(task)
        b = self.project.study.baselines
        for cb in self.family_checks.values():
            self.fam_layout.removeWidget(cb)
            cb.hide()
            cb.deleteLater()
        self.family_checks = {}
        for i, (key, fam) in enumerate(zoo.items()):
            cb = QCheckBox(fam.name)
            cb.setChecked(b is None or not b.options.families or key in b.options.families)
            self.family_checks[key] = cb
            self.fam_layout.addWidget(cb, i // 2, i % 2)  # two columns: three are too wide
        if b is not None:
            self.fields.set_values(b.options)
        kind = b.options.budget if b is not None else BaselineOptions().budget
        self.budget_kind.setCurrentIndex(self.budget_kind.findData(kind))
        self._budget_kind_changed()
        self.run_button.setEnabled(self.project.study.split is not None)
        self._show_results()
        self.show_findings()

    def _show_results(self) -> None:
        b = self.project.study.baselines
        if b is None:
            self.results.setRowCount(0)
            self.settings_label.setText("")
            self.interval_note.hide()
            self.ledger_when.setText("")
            self.recommendation.hide()
            self.controls_label.setText("")
            self.ledger.setRowCount(0)
            self.panel.hide()
            return
        task = self.project.study.question.task or "binary"
        main = b.metric
        extra = (
            ["auprc", "balanced_accuracy"]
            if task == "binary"
            else (["balanced_accuracy", "f1_macro"] if task == "multiclass" else ["rmse", "mae"])
        )
        headers = [
            "Family",
            f"Tuning set {METRIC_LABELS[main]}\n(95% interval)",
            f"CV {METRIC_LABELS[main]}\n(mean ± SD)",
        ] + [METRIC_LABELS[m].replace(" ", "\n", 1) for m in extra]
        # Trials and seconds are in the ledger, the best settings under the table.
        self.results.setSortingEnabled(False)
        self.results.setColumnCount(len(headers))
        self.results.setHorizontalHeaderLabels(headers)
        self.results.setRowCount(len(b.results))
        for r, res in enumerate(b.results):
            mark = "  ★ recommended" if res.key == b.recommended else ""
            name = QTableWidgetItem(res.name + mark)
            name.setData(Qt.ItemDataRole.UserRole + 1, res.key)
            self.results.setItem(r, 0, name)
            if res.tune is None:
                self.results.setItem(r, 1, _NumberItem("failed", float("nan")))
                continue
            v = res.tune.metrics[main]
            self.results.setItem(r, 1, _NumberItem(v.text(), v.value))
            self.results.setItem(
                r,
                2,
                _NumberItem(f"{res.cv_mean:.3f} ± {res.cv_sd:.3f}", res.cv_mean or float("nan")),
            )
            for c, m in enumerate(extra, start=3):
                val = res.tune.metrics[m].value
                self.results.setItem(r, c, _NumberItem(f"{val:.3f}", val))
            name.setToolTip("Best settings: " + settings_text(res.best_params))
        self.results.setSortingEnabled(True)
        self.results.sortItems(1, Qt.SortOrder.DescendingOrder)
        header = self.results.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in range(1, len(headers)):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.results.resizeRowsToContents()
        notes = []
        for res in b.results:
            if res.tune is not None and main in res.tune.metrics:
                note = baselines.zero_width_note(
                    res.tune.metrics[main], res.tune.n, METRIC_LABELS[main]
                )
                if note:
                    notes.append(f"<b>{res.name}</b>: {note}")
        self.interval_note.setText("<br>".join(notes))
        self.interval_note.setVisible(bool(notes))
        recommendation = b.recommendation
        for note in notes:  # said once, in the note under the table
            recommendation = recommendation.replace(" " + note.split("</b>: ", 1)[1], "")
        self.recommendation.setText(
            f"<b>Recommended baseline:</b> {recommendation}"
            + (" <i>(cancelled early: only finished families are shown)</i>" if b.cancelled else "")
        )
        self.recommendation.show()
        lines = []
        for c in b.controls:
            if c.kind == "label_shuffled":
                mean = np.mean(c.shuffled_scores) if c.shuffled_scores else float("nan")
                floor = baselines.permutation_note(c.permutations, c.p_value)
                described = c.description.split("; the smallest possible p")[0]  # said below
                lines.append(
                    f"<b>Shuffled labels</b>: mean CV {METRIC_LABELS[main]} "
                    f"{mean:.3f} over {c.permutations} runs; permutation p = "
                    f"{c.p_value:.3f}; {floor}. {described}."
                )
            elif c.tune is not None:
                v = c.tune.metrics[main]
                name = {
                    "majority": "Majority class",
                    "metadata_only": "Metadata only",
                    "sequence_length": "Sequence length only",
                    "sequence_composition": "Letter composition only",
                }.get(c.kind, c.kind)
                lines.append(
                    f"<b>{name}</b>: {METRIC_LABELS[main]} {v.value:.3f} "
                    f"({v.low:.3f} – {v.high:.3f}). {c.description}."
                )
        self.controls_label.setText("<br><br>".join(lines))
        by_key = {r.key: r for r in b.results}
        zoo = families(task)
        self.ledger.setRowCount(len(b.ledger))
        for r, e in enumerate(b.ledger):
            res = by_key.get(e.family)
            fam = zoo.get(e.family)
            name = res.name if res else fam.name if fam else e.family.replace("_", " ")
            self.ledger.setItem(r, 0, QTableWidgetItem(name))
            used = f"{e.trials_used}" if e.by == "time" else f"{e.trials_used} of {e.trials_budget}"
            item = QTableWidgetItem(used)
            if not e.complete:
                item.setForeground(Qt.GlobalColor.red)
            self.ledger.setItem(r, 1, item)
            self.ledger.setItem(
                r, 2, QTableWidgetItem(f"{e.seconds_used:.1f} of {e.seconds_budget:.0f}")
            )
            fit = f"{res.fit_seconds:.2f}" if res is not None and res.tune is not None else "—"
            self.ledger.setItem(r, 3, QTableWidgetItem(fit))
        header = self.ledger.horizontalHeader()
        for c in (1, 2, 3):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.ledger.resizeRowsToContents()
        height = self.ledger.horizontalHeader().height() + 4
        height += sum(self.ledger.rowHeight(r) for r in range(self.ledger.rowCount()))
        self.ledger.setFixedHeight(max(height, 60))
        self.ledger_when.setText(f"Tuned on {_local_time(b.done_at)} (this computer's time).")
        self._select_recommended(b.recommended)

    def _select_recommended(self, key: str | None) -> None:
        """Select the recommended family's row (the first row when there is none)."""
        row = 0
        for r in range(self.results.rowCount()):
            item = self.results.item(r, 0)
            if item is not None and item.data(Qt.ItemDataRole.UserRole + 1) == key:
                row = r
                break
        # Cleared first: selecting the row index already selected (the rows were refilled)
        # would change nothing, and the panel would keep showing the previous family.
        self.results.blockSignals(True)
        self.results.clearSelection()
        self.results.blockSignals(False)
        self.results.selectRow(row)

    def _show_selected(self) -> None:
        b = self.project.study.baselines
        rows = self.results.selectionModel().selectedRows() if b else []
        if not rows:
            return
        key = self.results.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole + 1)
        res = next((r for r in b.results if r.key == key), None)
        if res is None or res.tune is None:
            return
        task = self.project.study.question.task or "binary"
        self.settings_label.setText(
            f"<b>Best settings of {res.name}:</b> {settings_text(res.best_params)}."
        )
        try:
            y, out = modelling.stored_predictions(self.project, key)
        except (StepError, KeyError):
            y, out = None, None  # the panel shows the numbers without the curves
        self.panel.show()
        self.panel.show_evaluation(
            f"{res.name} on the tuning set", res.tune, task, y, out, b.classes
        )

    # -- actions --------------------------------------------------------------------------------
    def options(self) -> BaselineOptions:
        chosen = [k for k, cb in self.family_checks.items() if cb.isChecked()]
        previous = self.project.study.baselines
        return carried(
            BaselineOptions,
            previous.options if previous else None,
            families=chosen if len(chosen) < len(self.family_checks) else [],
            budget=self.budget_kind.currentData(),
            **self.fields.values(),
        )

    def _budget_kind_changed(self) -> None:
        """By time, the seconds are the budget and the trial count does not apply."""
        by_time = self.budget_kind.currentData() == "time"
        self.trials_box.setEnabled(not by_time)
        self.trials_label.setEnabled(not by_time)
        self.seconds_label.setText("Search time per family" if by_time else "Time cap per family")

    def run_baselines(self) -> None:
        if not any(cb.isChecked() for cb in self.family_checks.values()):
            self.banner.show_error("Choose at least one model family.")
            return
        self._finished_families: list[str] = []
        self._estimate = self._left = ""
        self.so_far.setText("")
        self.so_far.hide()
        worker = self.run_job(
            _tune_baselines,
            self.project,
            self.options(),
            message="Tuning the baselines…",
            on_done=lambda _: self._tuned(),
            on_partial=self._show_family,
        )
        worker.finished.connect(self.so_far.hide)  # failed or cancelled with nothing kept

    def _tuned(self) -> None:
        """The table now shows every family kept (also when cancelled part way), so the
        running list goes; hidden here, not only on the worker's ``finished`` signal, which
        can reach the window after the job is already over."""
        self.so_far.hide()
        self.refresh()

    def _show_family(self, results: tuple) -> None:
        """The estimate, then each family as it finishes while the others are still being
        tuned: shown at once (early answers)."""
        task = self.project.study.question.task or "binary"
        metric = baselines.SELECTION_METRIC[task]
        label = METRIC_LABELS[metric]
        for res in results:
            if isinstance(res, float):
                if not self._estimate:  # the first estimate: the whole step
                    self._estimate = (
                        f"<b>Estimated duration:</b> {baselines.duration_words(res)} in all "
                        "(from one timed fit per family)."
                    )
                else:  # then what is left, corrected as families finish
                    self._left = (
                        f"<b>Time left:</b> {baselines.duration_words(res)} (corrected by the "
                        "families finished so far)."
                    )
                continue
            if res.tune is None or metric not in res.tune.metrics:
                continue
            v = res.tune.metrics[metric]
            cv = f"{res.cv_mean:.3f} ± {res.cv_sd:.3f}" if res.cv_mean is not None else "—"
            self._finished_families.append(
                f"<b>{res.name}</b>: tuning-set {label} {v.text()}; CV {cv}"
            )
        lines = [e for e in (self._estimate, self._left) if e]
        if self._finished_families:
            lines.append(
                "<b>Finished so far</b> (the others are still being tuned; the full comparison, "
                "the controls and the recommendation follow):"
            )
        self.so_far.setText("<br>".join(lines + self._finished_families))
        self.so_far.show()

    def on_enter(self) -> None:
        from dlwizard.gui.app import preload_in_background

        self.panel.prepare_plots()
        preload_in_background("torch")  # the networks come next

    def problems(self) -> list[str]:
        if self.project.study.baselines is None:
            return ["tune the baselines (press Tune the baselines)."]
        return super().problems()
