"""Page 8, compare and freeze: every tuned model side by side on the tuning set; one is frozen
as the final model (the page recommends the simplest within noise of the best)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle, field_with_help, plain_time
from dlwizard.gui.widgets.evaluation import wrapped
from dlwizard.steps import compare
from dlwizard.steps.modelling import METRIC_LABELS
from dlwizard.study.model import CompareOptions


class ComparePage(Page):
    step = "compare"
    intro = (
        "Every model you tuned, side by side on the tuning set, with its uncertainty. Choose "
        "the final model here, before the test set is opened: once it is frozen, nothing about "
        "it may change because of the test result. When two models are within each other's "
        "uncertainty, the simpler one is the better choice: it is easier to explain, to check "
        "and to reproduce."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.recommendation = self.add_status_label()
        self.body.addWidget(SectionTitle("Models on the tuning set"))
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(
            [
                "Model",
                "Tuning set\n(95% interval)",
                "CV mean ± SD",
                "Trials",
                "Seconds",
                "Stores\ntraining rows",
            ]
        )
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        # The model's name takes the width that is left; the numbers keep theirs: no column is
        # cut and the table never scrolls sideways.
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.body.addWidget(self.table)
        self.body.addWidget(
            HelpLabel(
                "Every model had the same tuning budget (the ledger on the baselines and networks "
                "pages). 'Stores training rows': k-nearest neighbours and support vector machines "
                "keep copies of training samples inside the model, which matters for privacy."
            )
        )
        form = self.reason_form = QFormLayout()
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. the network is needed for the later image data")
        self.reason_box = field_with_help(
            form,
            "Why not the recommended model?",
            self.reason,
            "You chose a model other than the recommended one. That is allowed, but say why: "
            "the reason is printed in the report beside the recommendation.",
        )
        self.body.addLayout(form)
        self.freeze_button = self.add_primary_button("Freeze as the final model", self.freeze)
        self.final_label = self.add_status_label()
        self.add_findings_section()

    def refresh(self) -> None:
        s = self.project.study
        self.reason_form.setRowVisible(0, False)
        if s.baselines is None:
            self.table.setRowCount(0)
            self.recommendation.hide()
            self.final_label.hide()
            self.freeze_button.setEnabled(False)
            return
        section = s.compare
        if section is None or not section.candidates or self._stale(section):
            try:
                section = compare.compare(self.project)
            except Exception as exc:  # shown inline; the page stays usable
                self.report_error(exc)
                return
        label = METRIC_LABELS[section.metric]
        self.table.setHorizontalHeaderItem(
            1, QTableWidgetItem(wrapped(f"Tuning set {label} (95% interval)", 22))
        )
        self.table.setRowCount(len(section.candidates))
        ordered = sorted(section.candidates, key=lambda c: -(c.tune.value if c.tune else -1e9))
        select = 0
        final_key = section.final.key if section.final else section.recommended
        for r, c in enumerate(ordered):
            marks = []
            if c.key == section.recommended:
                marks.append("★ recommended")
            if section.final and c.key == section.final.key:
                marks.append("final (frozen)")
            # The marks on a line of their own: the name column stays narrow enough.
            name = QTableWidgetItem(c.name + ("\n" + ", ".join(marks) if marks else ""))
            name.setData(Qt.ItemDataRole.UserRole, c.key)
            self.table.setItem(r, 0, name)
            iv = c.tune
            self.table.setItem(
                r,
                1,
                QTableWidgetItem(iv.text() if iv else "–"),
            )
            cv = (
                f"{c.cv_mean:.3f} ± {c.cv_sd:.3f}"
                if c.cv_mean is not None and c.cv_sd is not None
                else "–"
            )
            self.table.setItem(r, 2, QTableWidgetItem(cv))
            self.table.setItem(r, 3, QTableWidgetItem(str(c.trials)))
            self.table.setItem(r, 4, QTableWidgetItem(f"{c.seconds:.1f}"))
            self.table.setItem(r, 5, QTableWidgetItem("yes" if c.memorises_rows else "no"))
            if c.key == final_key:
                select = r
        self.table.resizeRowsToContents()
        # As tall as its rows (no empty band), so the Freeze button stays near the top.
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setFixedHeight(
            max(
                120,
                self.table.horizontalHeader().sizeHint().height()
                + rows
                + 2 * self.table.frameWidth()
                + 2,
            )
        )
        self.recommendation.setText(f"<b>Recommendation:</b> {section.recommendation}")
        self.recommendation.setVisible(bool(section.recommendation))
        self.table.selectRow(select)
        f = section.final
        if f is not None:
            opened = self.project.test_opened
            self.final_label.setText(
                f"<b>Final model:</b> {f.name}, frozen {plain_time(f.frozen_at)}."
                + (f" Reason for not taking the recommendation: {f.reason}." if f.reason else "")
                + (
                    " The test set has been opened for it."
                    if opened
                    else " Next: open the test set once, on the test page."
                )
            )
            self.final_label.show()
        else:
            self.final_label.hide()
        self.freeze_button.setEnabled(bool(section.candidates))
        self.show_findings()

    def _stale(self, section) -> bool:
        """True when the baselines or networks were run again after the comparison."""
        try:
            fresh = compare.candidates(self.project)
        except Exception:
            return False
        return [(c.key, c.tune) for c in fresh] != [(c.key, c.tune) for c in section.candidates]

    def _selected_key(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def _selection_changed(self) -> None:
        section = self.project.study.compare
        key = self._selected_key()
        against = section is not None and key is not None and key != section.recommended
        self.reason_form.setRowVisible(0, against)

    def options(self) -> CompareOptions | None:
        """The selected model and the reason typed for it (None: no model is selected)."""
        key = self._selected_key()
        return None if key is None else CompareOptions(model=key, reason=self.reason.text())

    def freeze(self) -> None:
        options = self.options()
        if options is None:
            self.banner.show_error("Select the model to freeze in the table.")
            return
        if self.project.test_opened:
            ok = self.window_.ask.confirm(
                "Freeze a different final model?",
                "The test set has already been opened. You can freeze another model, but its "
                "test result will only be a new, declared analysis version, and the report will "
                "print every look. Go on?",
            )
            if not ok:
                return
        self.run_job(
            compare.freeze,
            self.project,
            options,
            message="Freezing the final model…",
            on_done=lambda _: self.window_.refresh_all(),
        )

    def on_enter(self) -> None:
        # The test page comes next: create its plot widgets now, while nothing runs (made
        # during the test job they compete with it for the interpreter and stall the window).
        self.window_.pages[self.window_.page_index("test")].panel.prepare_plots()

    def problems(self) -> list[str]:
        c = self.project.study.compare
        if c is None or c.final is None or not self.project.is_done(self.step):
            return ["freeze the final model (select it and press Freeze)."]
        return super().problems()
