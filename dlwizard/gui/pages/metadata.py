"""Page 3, metadata: the role of every column, the study design, and what they reveal."""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QTableView,
    QVBoxLayout,
)

from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle, field_with_help
from dlwizard.io.profile import column_info
from dlwizard.steps import metadata
from dlwizard.study.model import ROLES, ColumnDetection, DerivedColumn

ROLE_NAMES = {
    "feature": "Feature (input to the model)",
    "target": "Target (the answer)",
    "sample_id": "Sample ID",
    "subject": "Subject (patient, donor, animal)",
    "batch": "Batch (site, plate, run, date)",
    "time_point": "Time point",
    "replicate": "Replicate",
    "sensitive": "Sensitive (not a feature)",
    "ignore": "Ignore",
}
DESIGNS = (
    ("unknown", "Not stated"),
    ("randomised_trial", "Randomised trial (treatment assigned at random)"),
    ("observational", "Observational (cohort, case–control, cross-sectional)"),
    ("passive", "Passively collected (records, biobank, public repository)"),
)
REPLICATES = (
    ("unknown", "Not stated"),
    ("none", "No replicates: one row per sample"),
    ("biological", "Biological replicates (different animals, donors, cultures)"),
    ("technical", "Technical replicates (same sample measured again)"),
    ("both", "Both biological and technical"),
)
HEADERS = ("Column", "Role", "Kind", "Missing", "Distinct", "Examples", "Why this role")
# A row holds the seven cells above, then the column's kind as read (numeric, integer, text...)
# and what the column profiler saw in its values (metadata.detections).
COL, ROLE, KIND, MISSING, DISTINCT, EXAMPLES, WHY, RAW_KIND, SEEN = range(9)
META_COLOR = QColor("#eef4fb")
# What the profiler saw, in a word or two for the Kind column ("integer · row number").
KIND_WORDS = {
    "row-index": "row number",
    "running-number": "running number",
    "repeated-id": "repeated ID",
    "unique-id": "ID",
    "person-identifier": "personal",
    "free-text": "free text",
    "many-values": "many values",
    "date": "date",
    "split-column": "earlier split",
    "copy": "copy",
    "copy-of-target": "label copy",
    "demographic": "demographic",
    "genotype": "genotype",
    "constant": "constant",
    "near-constant": "near-constant",
}
MAX_WRAPPED_ROWS = 300  # rows shown in full (wrapped); the rest, plain features, take one line
WRAP_LINES = 3


def short_role(role: str | None) -> str:
    return ROLE_NAMES.get(role, str(role)).split(" (")[0]


def kind_text(kind: str, seen: list[ColumnDetection]) -> str:
    """The kind as read, with what the values showed: "integer · row number"."""
    word = next((KIND_WORDS[d.code] for d in seen if d.code in KIND_WORDS), None)
    if word is None:
        return kind
    if kind in word or (kind == "datetime" and word == "date"):
        return word  # "free text", not "text · free text"
    return f"{kind} · {word}"


def flagged(row: list[Any]) -> bool:
    """A feature whose values argue for another role: it is shown even among hidden features."""
    return row[ROLE] == "feature" and any(d.role not in (None, "feature") for d in row[SEEN])


def evidence_html(row: list[Any]) -> str:
    """The column, its role, and everything its values showed (each with the role it argues
    for), for the tooltip and the line under the table."""
    e = html.escape
    seen: list[ColumnDetection] = row[SEEN]
    lines = [f"<b>{e(str(row[COL]))}</b> · {e(short_role(row[ROLE]))}"]
    why = str(row[WHY] or "")
    if why and all(d.evidence != why for d in seen):
        lines.append(f"<i>Why this role:</i> {e(why)}")
    if seen:
        items = []
        for d in seen:
            argues = f" <i>(suggests {e(short_role(d.role))})</i>" if d.role else ""
            items.append(f"• {e(d.evidence)}{argues}")
        lines.append("<i>What its values show:</i><br>" + "<br>".join(items))
    return "<br>".join(lines)


class RolesModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[Any]] = []
        self.on_role_changed = None

    def set_rows(self, rows: list[list[Any]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        value = row[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == ROLE:  # the short name; the editor and tooltip say more
                return short_role(value)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.EditRole:
            return value
        if role == Qt.ItemDataRole.BackgroundRole and row[ROLE] not in ("feature", "ignore"):
            return META_COLOR
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == EXAMPLES:
                return str(value)
            if row[SEEN]:  # every cell of the row: what the values showed, in full
                return evidence_html(row)
            if index.column() == WHY:
                return str(value)
            if index.column() == ROLE:
                return ROLE_NAMES.get(value, value)
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 1:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: QModelIndex, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if index.column() != 1 or value not in ROLES:
            return False
        row = self.rows[index.row()]
        if row[1] == value:
            return False
        row[1] = value
        self.dataChanged.emit(index, index)
        if self.on_role_changed is not None:
            self.on_role_changed(row[0], value)
        return True


class RoleDelegate(QStyledItemDelegate):
    def createEditor(self, parent, option, index):
        combo = QComboBox(parent)
        for role in ROLES:
            combo.addItem(ROLE_NAMES[role], role)
        return combo

    def setEditorData(self, editor: QComboBox, index) -> None:
        editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.EditRole)), 0))
        editor.showPopup()

    def setModelData(self, editor: QComboBox, model, index) -> None:
        model.setData(index, editor.currentData())


class RoleFilter(QSortFilterProxyModel):
    """Hide the thousands of plain measurement columns unless asked, and filter by name."""

    def __init__(self) -> None:
        super().__init__()
        self.show_all = False
        self.text = ""

    def filterAcceptsRow(self, row: int, parent: QModelIndex) -> bool:
        src = self.sourceModel().rows[row]
        if self.text and self.text.lower() not in str(src[COL]).lower():
            return False
        # Hidden: plain numeric features only. Ignored columns (a row number is an integer),
        # metadata and features whose values look like metadata always show.
        return (
            self.show_all
            or src[ROLE] != "feature"
            or src[RAW_KIND] not in ("numeric", "integer")
            or flagged(src)
        )


class RolesView(QTableView):
    """The roles table; tells the page when its width changed (the columns are refitted)."""

    resized = Signal()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.resized.emit()


class DeriveDialog(QDialog):
    """Make a subject column from an ID such as 'phon_R01_S01_3' (person S01, recording 3)."""

    def __init__(self, page: MetadataPage, suggestion: DerivedColumn | None) -> None:
        super().__init__(page)
        self.setWindowTitle("Derive a subject column")
        self.page = page
        df = page.project.table
        lay = QVBoxLayout(self)
        lay.addWidget(
            HelpLabel(
                "When one subject (person, animal, donor) gave several rows, their IDs often share "
                "a stem: <i>phon_R01_S01_1</i>, <i>phon_R01_S01_2</i>… The part in parentheses of "
                "the pattern becomes the subject."
            )
        )
        form = QFormLayout()
        self.source = QComboBox()
        for c in df.columns if df is not None else []:
            if not str(c).startswith("subject"):
                self.source.addItem(str(c))
        self.pattern = QLineEdit(suggestion.pattern if suggestion else r"^(.*?)[_.\- ]\d+$")
        self.name = QLineEdit(suggestion.name if suggestion else "subject")
        if suggestion:
            self.source.setCurrentText(suggestion.source)
        form.addRow("From column", self.source)
        form.addRow("Pattern", self.pattern)
        form.addRow("New column name", self.name)
        lay.addLayout(form)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        lay.addWidget(self.preview)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        lay.addWidget(buttons)
        self.source.currentIndexChanged.connect(self._update)
        self.pattern.textChanged.connect(self._update)
        self._update()

    def derived(self) -> DerivedColumn:
        return DerivedColumn(
            name=self.name.text().strip() or "subject",
            source=self.source.currentText(),
            pattern=self.pattern.text(),
            role="subject",
        )

    def _update(self) -> None:
        df = self.page.project.table
        try:
            if re.compile(self.pattern.text()).groups != 1:
                raise ValueError("the pattern needs exactly one group in parentheses")
            values = metadata.derive(df, self.derived())
            n = int(values.nunique())
            examples = ", ".join(
                f"{a} → {b}" for a, b in list(zip(df[self.source.currentText()], values))[:3]
            )
            self.preview.setText(f"{len(df)} rows → <b>{n} subjects</b>. For example: {examples}")
            self.ok.setEnabled(True)
        except Exception as exc:
            self.preview.setText(f"<span style='color:#b3261e'>{exc}</span>")
            self.ok.setEnabled(False)


class MetadataPage(Page):
    step = "metadata"
    intro = (
        "Tell dlwizard what each column is. Measurements are features; the columns that say "
        "who a sample came from and how it was processed are not inputs, but they decide how "
        "the data must be split and which biases to look for."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.stats = QLabel()
        self.stats.setWordWrap(True)
        self.body.addWidget(self.stats)

        self.body.addWidget(SectionTitle("Column roles"))
        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setMinimumWidth(140)
        self.search.setPlaceholderText("Find a column…")
        self.search.textChanged.connect(self._filter)
        self.show_all = QCheckBox("Show every measurement column")
        self.show_all.toggled.connect(self._filter)
        self.derive_button = QPushButton("Derive subject from an ID…")
        self.derive_button.clicked.connect(self.open_derive_dialog)
        self.underive_button = QPushButton("Remove derived columns")
        self.underive_button.clicked.connect(self.remove_derived)
        # Two rows: finding columns, then the subject actions (one row is wider than a
        # 1024-pixel window).
        bar.addWidget(self.search, 1)
        bar.addWidget(self.show_all)
        self.body.addLayout(bar)
        actions = QHBoxLayout()
        actions.addWidget(self.derive_button)
        actions.addWidget(self.underive_button)
        actions.addStretch(1)
        self.body.addLayout(actions)
        self.model = RolesModel()
        self.model.on_role_changed = self.set_role
        self.proxy = RoleFilter()
        self.proxy.setSourceModel(self.model)
        self.table = RolesView()
        self.table.setModel(self.proxy)
        self.table.setItemDelegateForColumn(ROLE, RoleDelegate(self.table))
        self.table.setEditTriggers(
            QTableView.EditTrigger.DoubleClicked
            | QTableView.EditTrigger.SelectedClicked
            | QTableView.EditTrigger.CurrentChanged
        )
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # The first five columns as wide as their contents (capped below); Examples gets a
        # quarter of the rest and "Why this role" the remainder, so the table never scrolls
        # sideways. The rows of columns that are not plain features wrap (up to three lines),
        # so their evidence reads in place; the line under the table and the tooltips hold it
        # in full.
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(WHY, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setWordWrap(True)
        self.table.setMinimumHeight(300)
        self._refit = QTimer(self)
        self._refit.setSingleShot(True)
        self._refit.setInterval(0)
        self._refit.timeout.connect(self._fit_rows)
        self.table.resized.connect(self._fit_columns)
        self.table.selectionModel().currentRowChanged.connect(self._show_evidence)
        self.body.addWidget(self.table)
        self.evidence = HelpLabel("")
        self.evidence.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.addWidget(self.evidence)
        self.hidden_note = HelpLabel("")
        self.body.addWidget(self.hidden_note)
        self.body.addWidget(
            HelpLabel(
                "<b>Subject</b>: rows from the same person or animal are kept together when "
                "splitting, so the test measures new subjects. <b>Batch</b>: site, plate, run "
                "or date; dlwizard checks whether the label travels with it. "
                "<b>Sensitive</b>: kept out of the model but used to check performance per group."
            )
        )

        self.body.addWidget(SectionTitle("How the study was run"))
        form = QFormLayout()
        self.design_combo = QComboBox()
        for key, text in DESIGNS:
            self.design_combo.addItem(text, key)
        self.replicate_combo = QComboBox()
        for key, text in REPLICATES:
            self.replicate_combo.addItem(text, key)
        self.design_combo.currentIndexChanged.connect(self._design_changed)
        self.replicate_combo.currentIndexChanged.connect(self._design_changed)
        field_with_help(
            form,
            "Study design",
            self.design_combo,
            "Only a randomised trial supports cause-and-effect readings; in observational data "
            "the model learns associations, including those of hidden confounders.",
        )
        field_with_help(
            form,
            "Replicates",
            self.replicate_combo,
            "Technical replicates measure the same sample again and are not new evidence: "
            "they must stay together and never be counted as separate samples.",
        )
        self.body.addLayout(form)
        self._loading = False
        self.add_findings_section()
        # A finding that names columns links to them: a click shows the column in the table.
        self.findings.link_columns = True
        self.findings.column_clicked.connect(self.show_column)

    # -- reading --------------------------------------------------------------------------------
    def refresh(self) -> None:
        self._loading = True
        try:
            m = self.project.study.metadata
            df = self.project.table
            if m is None or df is None:
                self.model.set_rows([])
                self.stats.setText(
                    "Import the data first."
                    if df is None
                    else "Roles are suggested when you open this page."
                )
                self.show_findings()
                return
            infos = {i.name: i for i in column_info(df)}
            rows = []
            for col, role in m.roles.items():
                info = infos.get(col)
                if info is None:
                    continue
                distinct = "many" if info.n_unique is None else f"{info.n_unique:,}"
                why = m.role_reasons.get(col, "")
                suggested = m.suggested_roles.get(col)
                seen = list(m.detections.get(col, []))
                if role == "target":
                    why = "chosen on the question page"
                    seen = []
                elif suggested is not None and suggested != role:
                    # The reason was for the suggestion, not for the user's own choice.
                    first = short_role(suggested)
                    why = f"your choice (suggested: {first}" + (f", {why})" if why else ")")
                rows.append(
                    [
                        col,
                        role,
                        kind_text(info.kind, seen),
                        f"{info.n_missing:,}",
                        distinct,
                        ", ".join(info.examples),
                        why,
                        info.kind,
                        seen,
                    ]
                )
            # Metadata first: the few columns that need a decision (those the values set aside
            # among them), then the features whose values look like metadata, then the
            # measurements.
            rows.sort(key=lambda r: (r[ROLE] == "feature", not flagged(r)))
            current = self._current_row()
            self.model.set_rows(rows)
            if len(rows) <= 200:
                self.show_all.setChecked(True)
            self._filter()
            for c in range(EXAMPLES):
                self.table.resizeColumnToContents(c)
            # Kind wraps in the wrapped rows ("integer ·" over "row number").
            for c, width in ((COL, 200), (ROLE, 230), (KIND, 120)):
                self.table.setColumnWidth(c, min(max(self.table.columnWidth(c), 80), width))
            self._fit_columns()
            if current is not None:  # a role was changed: the row stays selected
                self._select(current[COL])
            self._show_evidence()
            counts: dict[str, int] = {}
            for role in m.roles.values():
                counts[role] = counts.get(role, 0) + 1
            parts = [f"<b>{m.n_rows:,} rows</b>", f"{counts.get('feature', 0):,} features"]
            if m.n_subjects is not None:
                parts.append(
                    f"<b>{m.n_subjects:,} distinct subjects</b> (the effective sample size)"
                )
            for a in m.associations[:3]:
                word = "Cramér's V" if a.measure.startswith("cramers") else "η"
                parts.append(f"label vs '{a.column}': {word} {a.score:.2f}")
            n_checks = sum(f.severity != "info" for f in self.project.findings(self.step))
            if n_checks:
                parts.append(
                    f"<b style='color:#8a5a00'>{n_checks} check(s) need a look (below)</b>"
                )
            self.stats.setText(" · ".join(parts))
            self.design_combo.setCurrentIndex(max(self.design_combo.findData(m.design), 0))
            self.replicate_combo.setCurrentIndex(
                max(self.replicate_combo.findData(m.replicate_kind), 0)
            )
            self.underive_button.setEnabled(bool(m.derived))
            self.show_findings()
        finally:
            self._loading = False

    def on_enter(self) -> None:
        # Suggest roles the first time, and again after a new import (choices made here are
        # kept for the columns that are still there).
        if self.project.table is not None and not self.project.is_done(self.step):
            self.run_job(
                metadata.apply,
                self.project,
                message="Suggesting roles…",
                on_done=lambda _: self.refresh(),
            )

    def _filter(self) -> None:
        self.proxy.show_all = self.show_all.isChecked()
        self.proxy.text = self.search.text().strip()
        self.proxy.invalidate()
        hidden = self.model.rowCount() - self.proxy.rowCount()
        if hidden and not self.proxy.text:
            self.hidden_note.setText(
                f"{hidden:,} numeric measurement columns are features and are hidden; tick "
                "<i>Show every measurement column</i> to see them."
            )
        else:
            self.hidden_note.setText("")
        self._refit.start()

    def _fit_columns(self) -> None:
        """Examples gets a quarter of the width the first five columns leave, "Why this role"
        the rest; then the rows are wrapped again to the new width."""
        header = self.table.horizontalHeader()
        fixed = sum(header.sectionSize(c) for c in range(EXAMPLES))
        free = max(self.table.viewport().width() - fixed, 0)
        header.resizeSection(EXAMPLES, max(70, free // 4))
        self._refit.start()

    def _fit_rows(self) -> None:
        """The rows of columns that are not plain features show their text on up to three
        lines; plain features keep one line (thousands of them stay fast)."""
        table = self.table
        plain = table.verticalHeader().defaultSectionSize()
        cap = WRAP_LINES * table.fontMetrics().lineSpacing() + 12
        total = 0
        for r in range(min(self.proxy.rowCount(), MAX_WRAPPED_ROWS)):
            src = self.model.rows[self.proxy.mapToSource(self.proxy.index(r, 0)).row()]
            height = plain
            if src[ROLE] != "feature" or src[SEEN]:
                height = min(max(table.sizeHintForRow(r) + 6, plain), max(cap, plain))
            if table.rowHeight(r) != height:
                table.setRowHeight(r, height)
            total += height
        # Tall enough for the wrapped rows and two more, within reason.
        head = table.horizontalHeader().height()
        want = min(total, 8 * plain + 2 * cap) + head + 2 * plain
        table.setMinimumHeight(max(300, min(want, 520)))

    def _current_row(self) -> list[Any] | None:
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        return self.model.rows[self.proxy.mapToSource(index).row()]

    def _show_evidence(self, *_: Any) -> None:
        row = self._current_row()
        if row is None:
            self.evidence.setText(
                "Select a column to read why it has its role; the values' evidence is also in "
                "each row's tooltip."
                if self.model.rows
                else ""
            )
            return
        self.evidence.setText(evidence_html(row))

    def _select(self, name: str) -> QModelIndex | None:
        """Select a column's row if the filters show it; its index, or None."""
        src = next((i for i, r in enumerate(self.model.rows) if r[COL] == name), None)
        if src is None:
            return None
        index = self.proxy.mapFromSource(self.model.index(src, COL))
        if not index.isValid():
            return None
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)
        return index

    def show_column(self, name: str) -> None:
        """Select and scroll to a column's row (a finding named it), clearing the search or
        showing every measurement column where the row was filtered out."""
        if not any(r[COL] == name for r in self.model.rows):
            return
        index = self._select(name)
        if index is None and self.search.text():
            self.search.clear()  # filters again
            index = self._select(name)
        if index is None:
            self.show_all.setChecked(True)
            index = self._select(name)
        if index is None:
            return
        if self._refit.isActive():  # the filter changed: row heights first, then the scroll
            self._refit.stop()
            self._fit_rows()
        self.table.scrollTo(index, QTableView.ScrollHint.PositionAtCenter)
        # The findings are below the table: bring the row (and the line under the table that
        # gives its evidence) into the page's view.
        rect = self.table.visualRect(index)
        at = self.table.viewport().mapTo(self.scroll.widget(), rect.center())
        self.scroll.ensureVisible(at.x(), at.y(), 0, max(rect.height(), 120))
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- writing --------------------------------------------------------------------------------
    def _run_apply(self, message: str, **kwargs) -> None:
        self.run_job(
            metadata.apply,
            self.project,
            message=message,
            on_done=lambda _: self.refresh(),
            **kwargs,
        )

    def set_role(self, column: str, role: str) -> None:
        if self.project.study.question.target == column and role != "target":
            from dlwizard.steps import question

            question.apply(self.project, target=None)
        elif role == "target":
            from dlwizard.steps import question

            question.apply(self.project, target=column)
        self._run_apply(f"Checking after '{column}' became {role}…", roles={column: role})

    def _design_changed(self) -> None:
        if self._loading or self.project.study.metadata is None:
            return
        self._run_apply(
            "Updating…",
            design=self.design_combo.currentData(),
            replicate_kind=self.replicate_combo.currentData(),
        )

    def open_derive_dialog(self) -> None:
        df = self.project.table
        if df is None:
            return
        suggestion = metadata.suggest_subject(df, self.project.study.metadata.roles)
        dialog = DeriveDialog(self, suggestion)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.derive(dialog.derived())

    def derive(self, derived: DerivedColumn) -> None:
        existing = [d for d in self.project.study.metadata.derived if d.name != derived.name]
        self._run_apply("Deriving subjects…", derived=[*existing, derived])

    def remove_derived(self) -> None:
        self._run_apply("Removing derived columns…", derived=[])
