"""Page 5, split: training, tuning and test sets without leakage; the test set sealed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import FindingsPanel, HelpLabel, SectionTitle, field_with_help
from dlwizard.gui.widgets.options import SEED_RANGE, OptionFields
from dlwizard.steps import modelling, split
from dlwizard.study.model import SplitOptions

BEFORE_CODES = {
    "repeated-subjects", "possible-repeated-subjects", "batch-label-association",
    "batch-stronger-than-label", "metadata-predicts-label", "missingness-predicts-label",
    "exact-duplicates", "near-duplicates",
}  # fmt: skip
SETS = ("train", "tune", "test")
SET_NAMES = {"train": "Training", "tune": "Tuning", "test": "Test (sealed)"}


IDENTITY_CHOICES = (0.7, 0.8, 0.9, 0.95, 0.99, 1.0)


def _identity_words(value: float) -> str:
    return "identical sequences only" if value >= 1.0 else f"{value:.0%} identity or more"


class SplitPage(Page):
    step = "split"
    intro = (
        "Divide the samples into a training set (to fit models), a tuning set (to choose "
        "between them) and a test set that stays sealed until the very end. Rows that belong "
        "together — the same patient, or duplicates — are never split apart, otherwise the "
        "test would reward memory instead of knowledge."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.body.addWidget(SectionTitle("Before you split"))
        self.before = FindingsPanel(
            empty_text="No subject, batch or duplicate concerns were found on the earlier pages."
        )
        self.body.addWidget(self.before)

        self.body.addWidget(SectionTitle("How to split"))
        form = self.form = QFormLayout()
        sizes = QWidget()
        sl = QHBoxLayout(sizes)
        sl.setContentsMargins(0, 0, 0, 0)
        # Bound to SplitOptions by field name: ranges and defaults are the model's.
        self.fields = OptionFields(SplitOptions)
        self.tune_box = self.fields.spin("tune_fraction", percent=True, decimals=1)
        self.test_box = self.fields.spin("test_fraction", percent=True, decimals=1)
        self.train_label = QLabel()
        for w in (QLabel("Tuning"), self.tune_box, QLabel("Test"), self.test_box, self.train_label):
            sl.addWidget(w)
        sl.addStretch(1)
        self.tune_box.valueChanged.connect(self._update_train)
        self.test_box.valueChanged.connect(self._update_train)
        tune, test = (100 * self.fields[n].default for n in ("tune_fraction", "test_fraction"))
        field_with_help(
            form,
            "Set sizes",
            sizes,
            f"The default {100 - tune - test:g} / {tune:g} / {test:g} suits most studies. With "
            "few samples the test estimate is uncertain whatever you choose; the report gives "
            "intervals.",
        )
        self.group_check = QCheckBox()
        self.group_check.setChecked(True)
        self.group_check.toggled.connect(self._grouping_toggled)
        self.reason_edit = QLineEdit()
        self.reason_edit.setPlaceholderText(
            "Required to split subjects apart: why is it right here? (printed in the report)"
        )
        gbox = QWidget()
        gl = QVBoxLayout(gbox)
        gl.setContentsMargins(0, 0, 0, 0)
        gl.addWidget(self.group_check)
        gl.addWidget(self.reason_edit)
        self.group_row = field_with_help(
            form,
            "Keep subjects together",
            gbox,
            "Each subject's rows all go to one set, so the test measures how the model does on "
            "new people, not on new recordings of people it has seen.",
        )
        self.holdout_check = QCheckBox("Use whole groups as the test set (external validation)")
        self.holdout_check.toggled.connect(self._holdout_toggled)
        self.holdout_combo = QComboBox()
        self.holdout_combo.currentIndexChanged.connect(self._fill_holdout_values)
        self.holdout_values = QListWidget()
        self.holdout_values.setMaximumHeight(110)
        hbox = QWidget()
        hl = QVBoxLayout(hbox)
        hl.setContentsMargins(0, 0, 0, 0)
        hl.addWidget(self.holdout_check)
        hl.addWidget(self.holdout_combo)
        hl.addWidget(self.holdout_values)
        field_with_help(
            form,
            "Hold out sites",
            hbox,
            "Tick the sites, batches or studies to keep out entirely. Testing on a site the "
            "model never saw is the honest check that it works beyond the lab it was built in.",
        )
        # Shown only when a feature column holds sequences (issue 17's homology-aware split).
        # A few usual thresholds (a plan's own value is added when shown).
        self.identity_box = QComboBox()
        for value in IDENTITY_CHOICES:
            self.identity_box.addItem(_identity_words(value), value)
        identity = QWidget()
        il = QHBoxLayout(identity)
        il.setContentsMargins(0, 0, 0, 0)
        il.addWidget(self.identity_box)
        il.addStretch(1)
        self.identity_row = field_with_help(
            form,
            "Similar sequences",
            identity,
            "Sequences at least this similar (estimated from shared k-mers) go to the same set, "
            "so the test asks about new sequences, not near-copies of training ones. 90 % suits "
            "DNA and RNA, 80 % proteins; lower it to be stricter.",
        )
        # Shown only when a feature column holds images (issue 18): near-identical pictures.
        self.distance_box = self.fields.spin("image_distance")
        distance = QWidget()
        dl = QHBoxLayout(distance)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.distance_box)
        dl.addWidget(QLabel("bits of 64 apart or fewer"))
        dl.addStretch(1)
        self.distance_row = field_with_help(
            form,
            "Near-identical images",
            distance,
            "Images whose 64-bit fingerprints differ in at most this many bits look the same "
            "(one field imaged twice, a re-saved copy): they go to the same set. Raise it to be "
            "stricter.",
        )
        more = QWidget()
        ml = QHBoxLayout(more)
        ml.setContentsMargins(0, 0, 0, 0)
        self.seed_box = self.fields.spin("seed", unbounded=SEED_RANGE)
        self.folds_box = self.fields.spin("n_folds")
        for w in (
            QLabel("Random seed"),
            self.seed_box,
            QLabel("Cross-validation folds"),
            self.folds_box,
        ):
            ml.addWidget(w)
        ml.addStretch(1)
        field_with_help(
            form,
            "Reproducibility",
            more,
            "The same seed always gives the same split. Folds divide the training "
            "set for tuning, again keeping subjects together.",
        )
        self.body.addLayout(form)
        self.split_button = self.add_primary_button("Split and seal the test set", self.make_split)
        # Why the button is disabled, with the way back (never a silent dead end).
        self.waiting_note = QLabel()
        self.waiting_note.setObjectName("status")
        self.waiting_note.setWordWrap(True)
        self.waiting_note.setTextFormat(Qt.TextFormat.RichText)
        self.waiting_note.linkActivated.connect(
            lambda step: self.window_.go_to(self.window_.page_index(step))
        )
        self.body.addWidget(self.waiting_note)

        self.result_box = QGroupBox("The split")
        rl = QVBoxLayout(self.result_box)
        self.sealed_label = QLabel()
        self.sealed_label.setWordWrap(True)
        self.sealed_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        rl.addWidget(self.sealed_label)
        self.composition = QTableWidget(0, 3)
        self.composition.setHorizontalHeaderLabels([SET_NAMES[s] for s in SETS])
        self.composition.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        rl.addWidget(self.composition)
        rl.addWidget(
            HelpLabel(
                "Rows: the classes (and each batch column's values) in every set, side by side. "
                "Similar proportions mean the sets are comparable; a class or batch missing from a "
                "set is a warning sign."
            )
        )
        self.body.addWidget(self.result_box)
        self.add_findings_section()
        self._update_train()

    # -- reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        p = self.project
        before = [f for f in p.study.findings if f.code in BEFORE_CODES]
        self.before.set_findings(before)
        subject = split.subject_column(p)
        self.group_check.setText(
            f"Keep each subject's rows together (by '{subject}')"
            if subject
            else "No subject column (set one on the metadata page if rows share a subject)"
        )
        self.group_check.setEnabled(subject is not None)
        m = p.study.metadata
        self.holdout_combo.blockSignals(True)
        self.holdout_combo.clear()
        if m is not None:
            for col, role in m.roles.items():
                if role in ("batch", "sensitive", "time_point"):
                    self.holdout_combo.addItem(f"{col} ({role.replace('_', ' ')})", col)
        self.holdout_combo.blockSignals(False)
        self.holdout_check.setEnabled(self.holdout_combo.count() > 0)
        s = p.study.split
        identity = split.sequence_identity_default(p)
        self.form.setRowVisible(self.identity_row, identity is not None)
        self.form.setRowVisible(self.distance_row, modelling.image_feature(p) is not None)
        if identity is not None:
            chosen = s.options.sequence_identity if s is not None else None
            self._show_identity(chosen or identity)
        if s is not None:
            o = s.options
            self.fields.set_values(o)
            self.group_check.setChecked(o.group_by_subject or subject is None)
            self.reason_edit.setText(o.ungrouped_reason)
            self.holdout_check.setChecked(bool(o.hold_out_column))
            if o.hold_out_column:
                self.holdout_combo.setCurrentIndex(
                    max(self.holdout_combo.findData(o.hold_out_column), 0)
                )
        self._fill_holdout_values()
        if s is not None:
            for i in range(self.holdout_values.count()):
                item = self.holdout_values.item(i)
                item.setCheckState(
                    Qt.CheckState.Checked
                    if item.text() in s.options.hold_out_values
                    else Qt.CheckState.Unchecked
                )
        self._holdout_toggled(self.holdout_check.isChecked())
        self._grouping_toggled(self.group_check.isChecked())
        waiting = self._waiting_for()
        self.split_button.setEnabled(not waiting)
        self.waiting_note.setText(waiting)
        self.waiting_note.setVisible(bool(waiting))
        self.split_button.setText(
            "Split again (reseal the test set)" if s is not None else "Split and seal the test set"
        )
        self._show_result()
        self.show_findings()

    def _waiting_for(self) -> str:
        """What must happen on an earlier page before the data can be split ('' = nothing)."""
        from html import escape

        from dlwizard.steps.metadata import target_role_problem

        p = self.project
        if p.table is None:
            return "Import the data first: <a href='data'>go to the Data page</a>."
        problem = target_role_problem(p)
        if problem:
            return (
                f"Cannot split yet: {escape(problem)}. <a href='question'>Go to the question</a>."
            )
        if p.study.metadata is None or not p.is_done("metadata"):
            return (
                "Review the columns' roles first: <a href='metadata'>go to the Metadata page</a>."
            )
        if p.errors("question"):
            return (
                f"Cannot split yet: {escape(p.errors('question')[0].message)} "
                "<a href='question'>Go to the question</a>."
            )
        return ""

    def _show_result(self) -> None:
        s = self.project.study.split
        self.result_box.setVisible(s is not None)
        if s is None:
            return
        n = len(s.train) + len(s.tune) + len(s.test)
        grouped = f" Rows of each '{s.group_column}' stay in one set." if s.group_column else ""
        held = (
            f" Test = {s.options.hold_out_column} {', '.join(s.options.hold_out_values)}."
            if s.options.hold_out_column
            else ""
        )
        g = s.sequence_groups
        if g is not None:
            closest = (
                f"; the closest test sequence is {g.max_test_identity:.1%} identical to a "
                "training or tuning one"
                if g.max_test_identity is not None
                else ""
            )
            held += (
                f" Sequences at least {g.identity:.0%} identical stay in one set "
                f"({g.n_clusters:,} clusters{closest})."
            )
        ig = s.image_groups
        if ig is not None:
            held += (
                f" Near-identical images (at most {ig.max_distance} bits apart) stay in one set"
                + (
                    f"; the closest test image is {ig.min_test_distance} bit(s) from a training "
                    "or tuning one."
                    if ig.min_test_distance is not None
                    else "."
                )
            )
        self.sealed_label.setText(
            f"<b>{len(s.train)}</b> training · <b>{len(s.tune)}</b> tuning · "
            f"<b>{len(s.test)}</b> test rows of {n} labelled"
            + (f" ({len(s.excluded)} unlabelled rows left out)" if s.excluded else "")
            + (
                f" ({len(s.left_out)} rows of subjects also in the held-out set left out)"
                if s.left_out
                else ""
            )
            + f".{grouped}{held} {s.n_folds} cross-validation folds inside training.<br>"
            f"<b>The test set is sealed</b>: its rows are out of reach of every step until "
            f"the final test opens them once. Fingerprint (SHA-256 of the row ids): "
            f"<code>{s.test_sha256[:24]}…</code>"
        )
        rows: list[tuple[str, dict[str, int]]] = []
        labels = sorted({k for c in s.composition.values() for k in c})
        for k in labels:
            rows.append((k, {st: s.composition.get(st, {}).get(k, 0) for st in SETS}))
        for col, comp in s.batch_composition.items():
            values = sorted({k for c in comp.values() for k in c})
            for v in values[:20]:
                rows.append((f"{col} = {v}", {st: comp.get(st, {}).get(v, 0) for st in SETS}))
        self.composition.setRowCount(len(rows))
        self.composition.setVerticalHeaderLabels([r[0] for r in rows])
        totals = {st: sum(s.composition.get(st, {}).values()) or 1 for st in SETS}
        for r, (_, counts) in enumerate(rows):
            for c, st in enumerate(SETS):
                n_ = counts[st]
                item = QTableWidgetItem(f"{n_}  ({n_ / totals[st]:.0%})")
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.composition.setItem(r, c, item)
        header = self.composition.horizontalHeader()
        header.setSectionResizeMode(header.ResizeMode.Stretch)
        height = self.composition.horizontalHeader().height() + 4
        height += sum(self.composition.rowHeight(r) for r in range(len(rows)))
        self.composition.setFixedHeight(min(height, 420))

    # -- widgets --------------------------------------------------------------------------------
    def _update_train(self) -> None:
        train = round(100 - self.tune_box.value() - self.test_box.value(), 6)
        self.train_label.setText(f"→ Training {train:g} %")

    def _grouping_toggled(self, on: bool) -> None:
        subject = split.subject_column(self.project)
        self.reason_edit.setVisible(subject is not None and not on)

    def _holdout_toggled(self, on: bool) -> None:
        self.holdout_combo.setVisible(on)
        self.holdout_values.setVisible(on)
        self.test_box.setEnabled(not on)

    def _fill_holdout_values(self) -> None:
        self.holdout_values.clear()
        col = self.holdout_combo.currentData()
        df = self.project.table
        if col is None or df is None or col not in df.columns:
            return
        import pandas as pd

        counts = df[col].astype("str").value_counts()
        s = self.project.study.split
        if s is not None and col in s.batch_composition:
            # Values held out last time live only in the sealed rows; list them too.
            counts = counts.add(pd.Series(s.batch_composition[col].get("test", {})), fill_value=0)
        for value, n in counts.sort_index().items():
            item = QListWidgetItem(str(value))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            item.setToolTip(f"{int(n)} rows")
            self.holdout_values.addItem(item)

    def _show_identity(self, value: float) -> None:
        index = self.identity_box.findData(value)
        if index < 0:
            self.identity_box.addItem(_identity_words(value), value)
            index = self.identity_box.count() - 1
        self.identity_box.setCurrentIndex(index)

    def options(self) -> SplitOptions:
        hold = self.holdout_check.isChecked() and self.holdout_combo.currentData() is not None
        values = [
            self.holdout_values.item(i).text()
            for i in range(self.holdout_values.count())
            if self.holdout_values.item(i).checkState() == Qt.CheckState.Checked
        ]
        subject = split.subject_column(self.project)
        return SplitOptions(
            **self.fields.values(),
            group_by_subject=self.group_check.isChecked() or subject is None,
            ungrouped_reason=self.reason_edit.text().strip(),
            hold_out_column=self.holdout_combo.currentData() if hold else None,
            hold_out_values=values if hold else [],
            sequence_identity=(
                float(self.identity_box.currentData())
                if split.sequence_identity_default(self.project) is not None
                else None
            ),
        )

    def make_split(self) -> None:
        try:
            options = self.options()
        except ValueError as exc:
            self.banner.show_error(f"Check the split settings: {exc}")
            return
        self.run_job(
            split.run, self.project, options, message="Splitting…", on_done=lambda _: self.refresh()
        )

    def problems(self) -> list[str]:
        if self.project.study.split is None:
            return ["split the data (press Split and seal the test set)."]
        return super().problems()
