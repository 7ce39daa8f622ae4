"""Page 1, the question: what to predict, for whom, and how well it could ever be done."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle, field_with_help
from dlwizard.steps import question
from dlwizard.study.model import Ceiling

TASKS = (
    ("auto", "Decide from the data"),
    ("binary", "Two classes (e.g. disease / healthy)"),
    ("multiclass", "Several classes (e.g. tumour types)"),
    ("regression", "A quantity (e.g. age, expression level)"),
)
UNITS = (
    ("patient", "Patient or person"),
    ("sample", "Sample or specimen"),
    ("cell", "Cell"),
    ("image", "Image"),
    ("other", "Something else"),
)
CEILINGS = (
    ("heritability", "Heritability"),
    ("inter_rater_agreement", "Agreement between experts"),
    ("other", "Other known limit"),
)

WIDE_COLUMNS = 2_000  # above this, re-checking the roles for a new target runs in a worker


def _apply_in_job(project, job=None, **answers) -> None:
    question.apply(project, **answers)


class QuestionPage(Page):
    step = "question"
    intro = (
        "Say what the model should predict and for whom. A clear question decides which data, "
        "which split and which measure of success make sense, so it comes before any model."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self._loading = False
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(18)

        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(120)
        self.name_edit.editingFinished.connect(self._name_changed)
        field_with_help(
            form,
            "Study name",
            self.name_edit,
            "Used in the window title, the project file and the report.",
        )

        self.target_combo = QComboBox()
        self.target_combo.setMinimumWidth(320)
        self.target_combo.currentIndexChanged.connect(self._target_changed)
        self.target_note = HelpLabel("")
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 4)
        bl.setSpacing(2)
        bl.addWidget(self.target_combo)
        bl.addWidget(self.target_note)
        bl.addWidget(
            HelpLabel(
                "The column that holds the answer the model should learn to give, such as the "
                "diagnosis. Everything else is judged by how well this is predicted."
            )
        )
        form.addRow("<b>Target column</b>", box)

        task_box = QWidget()
        tl = QVBoxLayout(task_box)
        tl.setContentsMargins(0, 0, 0, 4)
        tl.setSpacing(2)
        self.task_group = QButtonGroup(self)
        self.task_buttons: dict[str, QRadioButton] = {}
        for key, text in TASKS:
            b = QRadioButton(text)
            self.task_group.addButton(b)
            self.task_buttons[key] = b
            tl.addWidget(b)
            b.toggled.connect(lambda on, k=key: on and self._task_changed(k))
        self.task_reason = HelpLabel("")
        tl.addWidget(self.task_reason)
        tl.addWidget(
            HelpLabel(
                "The kind of answer decides which models and which measures of success apply. "
                "dlwizard guesses it from the target's values; confirm or correct the guess."
            )
        )
        form.addRow("<b>Kind of answer</b>", task_box)

        self.positive_combo = QComboBox()
        self.positive_combo.currentIndexChanged.connect(self._positive_changed)
        self.positive_row = field_with_help(
            form,
            "Class of interest",
            self.positive_combo,
            "For two classes: the one you want to detect (the 'positive' class, such as "
            "disease). Sensitivity, precision and the PR curve are computed for it.",
        )

        self.balance_plot = None
        self.balance_holder = QWidget()
        self.balance_layout = QVBoxLayout(self.balance_holder)
        self.balance_layout.setContentsMargins(0, 0, 0, 0)
        self.balance_text = HelpLabel("")
        self.balance_layout.addWidget(self.balance_text)
        form.addRow("<b>Class balance</b>", self.balance_holder)
        self.form = form

        unit_box = QWidget()
        ul = QHBoxLayout(unit_box)
        ul.setContentsMargins(0, 0, 0, 0)
        self.unit_combo = QComboBox()
        for key, text in UNITS:
            self.unit_combo.addItem(text, key)
        self.unit_other = QLineEdit()
        self.unit_other.setPlaceholderText("e.g. tissue section, mouse, well")
        ul.addWidget(self.unit_combo)
        ul.addWidget(self.unit_other, 1)
        self.unit_combo.currentIndexChanged.connect(self._unit_changed)
        self.unit_other.editingFinished.connect(self._unit_changed)
        field_with_help(
            form,
            "One prediction per",
            unit_box,
            "What one prediction is about. If several rows come from the same patient, "
            "the honest test is on new patients, not on new rows.",
        )

        self.use_edit = QPlainTextEdit()
        self.use_edit.setPlaceholderText(
            "e.g. flag biopsies for a second look by a pathologist; not for diagnosis alone"
        )
        self.use_edit.setFixedHeight(70)
        self.use_edit.textChanged.connect(self._use_changed)
        field_with_help(
            form,
            "Intended use",
            self.use_edit,
            "Who would use the predictions, and for what decision. It sets how good is good "
            "enough and which mistakes cost most; the report quotes it.",
        )

        self.ceiling_box = QGroupBox("I know an upper limit for how well this can be predicted")
        self.ceiling_box.setCheckable(True)
        cl = QFormLayout(self.ceiling_box)
        self.ceiling_kind = QComboBox()
        for key, text in CEILINGS:
            self.ceiling_kind.addItem(text, key)
        self.ceiling_value = QDoubleSpinBox()
        self.ceiling_value.setRange(0.0, 1.0)
        self.ceiling_value.setSingleStep(0.05)
        self.ceiling_value.setDecimals(2)
        self.ceiling_note = QLineEdit()
        self.ceiling_note.setPlaceholderText("source, e.g. twin study, Cohen's kappa of two raters")
        cl.addRow("Kind", self.ceiling_kind)
        cl.addRow("Value (0 to 1)", self.ceiling_value)
        cl.addRow("Where it comes from", self.ceiling_note)
        self.ceiling_box.toggled.connect(self._ceiling_changed)
        self.ceiling_kind.currentIndexChanged.connect(self._ceiling_changed)
        self.ceiling_value.valueChanged.connect(self._ceiling_changed)
        self.ceiling_note.editingFinished.connect(self._ceiling_changed)
        field_with_help(
            form,
            "Expected ceiling",
            self.ceiling_box,
            "Optional. If experts agree only 80% of the time, or a trait is 50% heritable, a "
            "model that does far better is more likely leaking information than brilliant. "
            "dlwizard keeps this number for a 'too good to be true' check.",
        )

        self.body.addWidget(SectionTitle("What should the model predict?"))
        self.body.addLayout(form)
        self.add_findings_section()

    # -- reading the Study ----------------------------------------------------------------------
    def refresh(self) -> None:
        self._loading = True
        try:
            s = self.project.study
            q = s.question
            self.name_edit.setText(s.name)
            df = self.project.table
            self.target_combo.clear()
            self.target_combo.addItem("— choose a column —", None)
            if df is not None:
                for col in df.columns:
                    self.target_combo.addItem(str(col), str(col))
            if q.target and self.target_combo.findData(q.target) < 0:
                self.target_combo.addItem(f"{q.target} (not in the data)", q.target)
            self.target_combo.setCurrentIndex(max(self.target_combo.findData(q.target), 0))
            self.target_combo.setEnabled(df is not None or bool(q.target))
            if df is None:
                self.target_note.setText(
                    "<b>No data yet.</b> Import your table on the next page (Data); then come "
                    "back here to choose the target column."
                )
            else:
                self.target_note.setText(f"{df.shape[1]:,} columns available.")
            key = q.task if q.task_confirmed and q.task else "auto"
            self.task_buttons[key].setChecked(True)
            if q.task_inferred:
                names = dict(TASKS)
                self.task_reason.setText(
                    f"From the data: <b>{names[q.task_inferred].split(' (')[0].lower()}</b>, "
                    f"because {q.task_reason}."
                )
            else:
                self.task_reason.setText("")
            for b in self.task_buttons.values():
                b.setEnabled(bool(q.target))
            self.positive_combo.clear()
            binary = q.task == "binary" and len(q.classes) == 2
            for c in q.classes if binary else []:
                self.positive_combo.addItem(c, c)
            if binary:
                self.positive_combo.setCurrentIndex(
                    max(self.positive_combo.findData(q.positive_class), 0)
                )
            self.form.setRowVisible(self.positive_row, binary)
            self._show_balance()
            self.unit_combo.setCurrentIndex(max(self.unit_combo.findData(q.unit), 0))
            self.unit_other.setText(q.unit_other)
            self.unit_other.setVisible(q.unit == "other")
            if self.use_edit.toPlainText() != q.intended_use:
                self.use_edit.setPlainText(q.intended_use)
            self.ceiling_box.setChecked(q.ceiling is not None)
            if q.ceiling is not None:
                self.ceiling_kind.setCurrentIndex(
                    max(self.ceiling_kind.findData(q.ceiling.kind), 0)
                )
                self.ceiling_value.setValue(q.ceiling.value)
                self.ceiling_note.setText(q.ceiling.note)
            self.show_findings()
        finally:
            self._loading = False

    def _show_balance(self) -> None:
        q = self.project.study.question
        show = bool(q.class_counts) and q.task != "regression"
        self.form.setRowVisible(self.balance_holder, show)
        if not show:
            return
        from dlwizard.render.figures.class_balance import ClassBalance, build

        if self.balance_plot is None:
            import pyqtgraph as pg

            self.balance_plot = pg.PlotWidget(background="w")
            self.balance_plot.setFixedHeight(40 + 28 * min(len(q.classes), 12))
            self.balance_layout.insertWidget(0, self.balance_plot)
        labels = sorted(q.class_counts, key=lambda c: -q.class_counts[c])[:30]
        self.balance_plot.setFixedHeight(40 + 28 * min(len(labels), 12))
        build(
            self.balance_plot.getPlotItem(),
            ClassBalance(labels, [q.class_counts[c] for c in labels], q.positive_class),
        )
        total = sum(q.class_counts.values())
        if q.task == "binary" and q.positive_class in q.class_counts:
            share = q.class_counts[q.positive_class] / total
            text = (
                f"{q.class_counts[q.positive_class]} of {total} labelled rows ({share:.0%}) are "
                f"'{q.positive_class}'. "
            )
            if share < 0.3:
                text += (
                    "The class of interest is rare, so accuracy alone would flatter a model that "
                    "never predicts it; later steps report precision–recall as well."
                )
            else:
                text += "The classes are reasonably balanced."
        else:
            text = f"{len(q.class_counts)} classes over {total} labelled rows."
        self.balance_text.setText(text)

    # -- writing the Study ----------------------------------------------------------------------
    def _apply(self, **answers) -> None:
        if self._loading:
            return
        df = self.project.table
        wide = df is not None and df.shape[1] > WIDE_COLUMNS
        if ("target" in answers or "task" in answers) and wide and self.project.is_done("metadata"):
            # The roles and the metadata checks follow a new target: instant on an ordinary
            # table, over a second on 20,000 genes, so a wide table's update runs as a job.
            self.run_job(
                _apply_in_job,
                self.project,
                message="Updating the columns' roles for the new target…",
                on_done=lambda _: self.refresh(),
                **answers,
            )
            return
        question.apply(self.project, **answers)
        self.refresh()
        self.window_.after_change()

    def _name_changed(self) -> None:
        name = self.name_edit.text().strip() or "Untitled study"
        if not self._loading and name != self.project.study.name:
            self.project.study.name = name
            self.project.touch()
            self.window_.after_change()

    def _target_changed(self) -> None:
        target = self.target_combo.currentData()
        if target != self.project.study.question.target:
            self._apply(target=target)

    def _task_changed(self, key: str) -> None:
        q = self.project.study.question
        current = q.task if q.task_confirmed else "auto"
        if key != current:
            self._apply(task=key)

    def _positive_changed(self) -> None:
        value = self.positive_combo.currentData()
        if value and value != self.project.study.question.positive_class:
            self._apply(positive_class=value)

    def _unit_changed(self) -> None:
        unit = self.unit_combo.currentData()
        self.unit_other.setVisible(unit == "other")
        q = self.project.study.question
        other = self.unit_other.text().strip() if unit == "other" else ""
        if unit != q.unit or other != q.unit_other:
            self._apply(unit=unit, unit_other=other)

    def _use_changed(self) -> None:
        if self._loading:
            return
        text = self.use_edit.toPlainText()
        if text != self.project.study.question.intended_use:
            self.project.study.question.intended_use = text
            self.project.touch()
            self.window_.after_change()

    def _ceiling_changed(self) -> None:
        if self._loading:
            return
        ceiling = None
        if self.ceiling_box.isChecked():
            ceiling = Ceiling(
                kind=self.ceiling_kind.currentData(),
                value=self.ceiling_value.value(),
                note=self.ceiling_note.text().strip(),
            )
        if ceiling != self.project.study.question.ceiling:
            self._apply(ceiling=ceiling)
