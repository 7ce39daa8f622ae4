"""Page 9, test: open the sealed test set once, for the frozen final model; every look logged."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import (
    HelpLabel,
    SectionTitle,
    field_with_help,
    model_name,
    plain_time,
    read_only_table,
)
from dlwizard.gui.widgets.evaluation import EvaluationPanel, wrapped
from dlwizard.steps import test
from dlwizard.steps.modelling import METRIC_LABELS
from dlwizard.study.model import TestOptions


def _iv(v) -> str:
    return v.text()


def _fitted_height(table) -> int:
    """The height that shows every row of ``table`` (no scroll bars: columns are fitted)."""
    table.resizeRowsToContents()
    rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
    return table.horizontalHeader().sizeHint().height() + rows + 2 * table.frameWidth() + 2


def _fit_columns(table, stretch: tuple[int, ...]) -> None:
    """Columns as wide as their contents, except ``stretch``, which share the rest of the
    width and wrap their text: the table never scrolls sideways."""
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    fit, share = QHeaderView.ResizeMode.ResizeToContents, QHeaderView.ResizeMode.Stretch
    for c in range(table.columnCount()):
        header.setSectionResizeMode(c, share if c in stretch else fit)


class TestPage(Page):
    __test__ = False  # not a pytest test class
    step = "test"
    intro = (
        "The test set has been sealed since the split: no model has seen it and no choice was "
        "made with it. Open it now, once, for the frozen final model; its score here is the "
        "honest estimate of how the model will do on new samples. Looking again after changing "
        "something turns the test set into a second tuning set, so a second look is only "
        "possible as a new, named analysis version, and the report prints every look."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.final_label = self.add_status_label()
        self.open_button = self.add_primary_button("Open the test set…", self.open_test)
        self.again_box = QGroupBox("Look again, as a new analysis version")
        form = QFormLayout(self.again_box)
        self.version = QLineEdit()
        self.version.setPlaceholderText("e.g. v2: reviewer asked for the network")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("why the test set is opened again")
        field_with_help(form, "Version name", self.version, "A new name for this analysis.")
        field_with_help(
            form,
            "Reason",
            self.reason,
            "Printed in the report beside every earlier look. Only the first look is an "
            "untouched estimate.",
        )
        self.again_button = QPushButton("Open the test set again for this version…")
        self.again_button.clicked.connect(self.look_again)
        form.addRow("", self.again_button)
        self.summary = self.add_status_label()
        self.looks_title = SectionTitle("Every look at the test set")
        self.body.addWidget(self.looks_title)
        self.looks = read_only_table(["Version", "When", "Who", "Model", "Score", "Reason"], 60)
        _fit_columns(self.looks, stretch=(3, 5))
        self.body.addWidget(self.looks)
        self.side_title = SectionTitle("Final model and best baseline on the test set")
        self.body.addWidget(self.side_title)
        # The one table of test metrics (the evaluation panel below shows the curves and the
        # confusion matrix, not the same numbers again).
        self.side = read_only_table(["Metric", "Final model", "Best baseline"], 120)
        _fit_columns(self.side, stretch=(1, 2))
        self.body.addWidget(self.side)
        self.side_note = HelpLabel("")
        self.body.addWidget(self.side_note)
        self.subgroups_title = SectionTitle("Where does it fail? Performance per subgroup")
        self.body.addWidget(self.subgroups_title)
        self.subgroups = read_only_table(["Column", "Value", "n", "Score (95% interval)", ""], 90)
        _fit_columns(self.subgroups, stretch=(1, 4))
        self.body.addWidget(self.subgroups)
        self.subgroups_note = HelpLabel("")
        self.body.addWidget(self.subgroups_note)
        self.subgroups_help = HelpLabel(
            "One row per value of every batch, site or sensitive column (sex, for example). "
            "Rows marked 'worse' have an interval entirely below the overall score. Groups "
            f"with fewer than {test.MIN_SUBGROUP} test samples are not scored."
        )
        self.body.addWidget(self.subgroups_help)
        self.panel = EvaluationPanel(show_table=False)
        self.body.addWidget(self.panel)
        self.body.addWidget(self.again_box)
        self.add_findings_section()

    def refresh(self) -> None:
        s = self.project.study
        final = s.compare.final if s.compare else None
        opened = self.project.test_opened
        if final is None:
            self.final_label.setText("Freeze the final model on the previous page first.")
        else:
            self.final_label.setText(
                f"<b>Final model:</b> {final.name}. Test set: {len(s.split.test)} samples, "
                f"sealed with SHA-256 {s.split.test_sha256[:16]}…"
            )
        self.final_label.show()
        self.open_button.setVisible(not opened)
        self.open_button.setEnabled(final is not None and self.project.n_sealed > 0)
        self.again_box.setVisible(opened and final is not None)
        section = s.test
        has_look = section is not None and bool(section.looks)
        for w in (
            self.side_title,
            self.side,
            self.side_note,
            self.subgroups_title,
            self.subgroups_help,
            self.subgroups,
            self.looks,
            self.looks_title,
            self.panel,
            self.summary,
            self.subgroups_note,
        ):
            w.setVisible(has_look)
        if has_look:
            self._show_look(section)
        self.show_findings()

    def _show_look(self, section) -> None:
        s = self.project.study
        look = section.looks[-1]
        metric = section.metric
        label = METRIC_LABELS[metric]
        iv = look.final.metrics[metric]
        tune = f"; on the tuning set it scored {look.tune_score:.3f}" if look.tune_score else ""
        self.summary.setText(
            f"<b>{look.version}</b> ({plain_time(look.time)}): the final model's test {label} is "
            + (
                f"<b>{iv.value:.3f}</b> (95% interval {iv.low:.3f} to {iv.high:.3f}, "
                if math.isfinite(iv.low) and math.isfinite(iv.high)
                else f"<b>{iv.text()}</b> ("
            )
            + f"{look.n_test} samples){tune}."
        )
        keys = list(look.final.metrics)
        final_name = model_name(self.project, look.model)
        has_base = look.baseline_eval is not None and look.baseline is not None
        self.side.setRowCount(len(keys))
        for r, k in enumerate(keys):
            self.side.setItem(r, 0, QTableWidgetItem(METRIC_LABELS.get(k, k)))
            self.side.setItem(r, 1, QTableWidgetItem(_iv(look.final.metrics[k])))
            base = look.baseline_eval.metrics.get(k) if look.baseline_eval else None
            self.side.setItem(r, 2, QTableWidgetItem(_iv(base) if base else "–"))
        base_name = next((b.name for b in s.baselines.results if b.key == look.baseline), None)
        self.side.setHorizontalHeaderItem(
            1, QTableWidgetItem(wrapped(f"Final model: {final_name}", 34))
        )
        self.side.setHorizontalHeaderItem(
            2,
            QTableWidgetItem(
                wrapped(f"Best baseline: {base_name}", 34) if base_name else "Best baseline"
            ),
        )
        self.side.setColumnHidden(2, not has_base)
        self.side_title.setText(
            "Final model and best baseline on the test set"
            if has_base
            else "The final model on the test set"
        )
        self.side_note.setText(
            ""
            if has_base
            else "The final model is itself the best baseline, so there is no other baseline "
            "to score beside it."
            if look.model.startswith("baseline:")
            else "No baseline was scored beside the final model on this look."
        )
        self.side_note.setVisible(not has_base)
        self.side.setFixedHeight(_fitted_height(self.side))
        self.subgroups.setRowCount(len(look.subgroups))
        for r, g in enumerate(look.subgroups):
            self.subgroups.setItem(r, 0, QTableWidgetItem(g.column))
            self.subgroups.setItem(r, 1, QTableWidgetItem(g.value))
            self.subgroups.setItem(r, 2, QTableWidgetItem(str(g.n)))
            m = g.metrics.get(metric)
            self.subgroups.setItem(r, 3, QTableWidgetItem(_iv(m) if m else "too few to score"))
            self.subgroups.setItem(r, 4, QTableWidgetItem("worse" if g.below_overall else ""))
        self.subgroups.setFixedHeight(_fitted_height(self.subgroups))
        self.subgroups.setVisible(bool(look.subgroups))
        self.subgroups_note.setVisible(not look.subgroups)
        from dlwizard.steps.interpret import candidates_words

        candidates = candidates_words(self.project, ("batch",))
        self.subgroups_note.setText(
            ""
            if look.subgroups
            else "No column has the batch, site or sensitive role, so no subgroup was scored"
            + (f" ({candidates})" if candidates else "")
            + ". Mark such columns on the metadata page to see where the model fails."
        )
        self.looks.setHorizontalHeaderItem(4, QTableWidgetItem(wrapped(f"Test {label}", 16)))
        self.looks.setRowCount(len(section.looks))
        for r, lk in enumerate(section.looks):
            iv_look = lk.final.metrics.get(metric) if lk.final else None
            for c, text in enumerate(
                [
                    lk.version,
                    plain_time(lk.time),
                    lk.user,
                    model_name(self.project, lk.model),
                    iv_look.text().split("  (")[0] if iv_look else "–",
                    lk.reason or "–",
                ]
            ):
                self.looks.setItem(r, c, QTableWidgetItem(text))
        self.looks.setFixedHeight(_fitted_height(self.looks))
        task = s.question.task or "binary"
        try:
            y, out = test.stored_outputs(self.project)
        except Exception:
            y, out = None, None
        self.panel.show_evaluation(
            f"{s.compare.final.name if s.compare and s.compare.final else look.model} on the "
            "test set",
            look.final,
            task,
            y,
            out,
            s.baselines.classes,
        )

    def _confirmed(self, again: bool) -> bool:
        final = self.project.study.compare.final
        text = (
            f"The test set will be opened for the frozen final model, {final.name}. This "
            "happens once: the result is recorded in the audit log with the time and your "
            "user name, and it cannot be undone. Do not change the model because of what you "
            "see; if you must, that becomes a new analysis version and the report shows both."
        )
        if again:
            text = (
                f"The test set was opened before. Opening it again for '{self.version.text()}' "
                "is recorded as a new analysis version with your reason; the report prints "
                "every look. Go on?"
            )
        return self.window_.ask.confirm("Open the sealed test set?", text)

    def options(self, again: bool) -> TestOptions:
        """A later look's name and reason as typed (the first look is the primary analysis),
        with the resamples of the last look, so that the looks' intervals compare."""
        section = self.project.study.test
        last = section.looks[-1] if section and section.looks else None
        carried = {"bootstrap": last.bootstrap} if last and last.bootstrap else {}
        if again:
            carried |= {"version": self.version.text(), "reason": self.reason.text()}
        return TestOptions(**carried)

    def open_test(self) -> None:
        if not self._confirmed(False):
            return
        self.run_job(
            test.unseal,
            self.project,
            self.options(again=False),
            confirm=True,
            message="Opening the test set…",
            on_done=lambda _: self.window_.refresh_all(),
        )

    def look_again(self) -> None:
        if not self.version.text().strip() or not self.reason.text().strip():
            self.banner.show_error(
                "A second look needs a new version name and a reason (both are printed in the "
                "report)."
            )
            return
        if not self._confirmed(True):
            return
        self.run_job(
            test.unseal,
            self.project,
            self.options(again=True),
            confirm=True,
            message="Opening the test set for a new analysis version…",
            on_done=lambda _: (
                self.version.clear(),
                self.reason.clear(),
                self.window_.refresh_all(),
            ),
        )

    def on_enter(self) -> None:
        self.panel.prepare_plots()

    def problems(self) -> list[str]:
        if not self.project.is_done(self.step):
            return ["open the test set for the final model."]
        return super().problems()
