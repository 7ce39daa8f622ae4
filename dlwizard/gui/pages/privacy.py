"""Page 11, privacy: may the model leave the lab? Sensitivity, identifiers, memorising models,
a membership-inference audit, the verdict that gates every export, and encryption at rest."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlwizard.errors import DlwizardError
from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle, read_only_table
from dlwizard.steps import privacy
from dlwizard.study import crypto

HELP: dict[str, str] = {
    "human_subjects": "Patients, healthy volunteers, tissue or blood donors. Cell lines, animals "
    "and plants: no.",
    "health_records": "Diagnoses, treatments, lab values or anything else from a hospital or a "
    "practice. Health data enjoy the strictest protection in most laws (GDPR art. 9, HIPAA).",
    "genomic": "Genotypes, sequences or expression profiles of human samples: a genome "
    "identifies its owner and their relatives, even without a name.",
    "identifiable": "Directly (names, record numbers, dates of birth) or by a few facts "
    "together: age, sex and ZIP code single out most people. The scan below helps to check.",
    "sharing_restricted": "Consent forms, the ethics approval or a data-use agreement often say "
    "who may receive the data, or models trained on them. Check them when unsure.",
}
VERDICT_STYLE = {
    "shareable": ("#1e6b34", "#e6f4ea", "#a8d5b5", "Shareable"),
    "shareable_after_changes": ("#8a5a00", "#fff4e0", "#f0cf8f", "Shareable after changes"),
    "do_not_share": ("#b3261e", "#fdecea", "#f3b8b1", "Do not share"),
    None: ("#4a5560", "#f1f3f5", "#d8dee4", "Not checked"),
}
RISK_COLOUR = {"low": "#1e6b34", "moderate": "#8a5a00", "high": "#b3261e"}
ANSWERS = (("Yes", True), ("No", False), ("Not sure", None))
NOT_APPLIED = "Not applied: the data do not come from people (by your answers)."
QUASI_NOTE = (
    "k is the fewest rows that share one combination of these values. k = 1 means some "
    "person is the only one with that combination: whoever knows those few facts about "
    "them finds their row. Groups under 5 are listed."
)


class PrivacyPage(Page):
    step = "privacy"
    intro = (
        "A model can give away the data it learned from: some models keep the training rows "
        "inside themselves, and even the others can reveal whether a person was in the training "
        "data. Answer a few questions about the data, then run the check: it looks for columns "
        "that identify people, for models that store rows, and plays the attacker against the "
        "final model. The verdict decides whether the model may be exported; predictions and "
        "the report are never blocked."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self._updating = False
        # -- the questions ------------------------------------------------------------------
        self.body.addWidget(SectionTitle("About the data"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(2)
        self.groups: dict[str, QButtonGroup] = {}
        self.radios: dict[str, dict[bool | None, QRadioButton]] = {}
        for row, (key, question) in enumerate(privacy.QUESTIONS.items()):
            label = QLabel(f"<b>{question}</b>")
            label.setWordWrap(True)
            help_label = HelpLabel(HELP[key])
            cell = QWidget()
            cl = QVBoxLayout(cell)
            cl.setContentsMargins(0, 4, 0, 6)
            cl.setSpacing(2)
            cl.addWidget(label)
            cl.addWidget(help_label)
            grid.addWidget(cell, row, 0)
            group = QButtonGroup(self)
            box = QWidget()
            bl = QHBoxLayout(box)
            bl.setContentsMargins(0, 0, 0, 0)
            self.radios[key] = {}
            for i, (text, value) in enumerate(ANSWERS):
                rb = QRadioButton(text)
                group.addButton(rb, i)
                bl.addWidget(rb)
                self.radios[key][value] = rb
            group.idClicked.connect(lambda i, k=key: self._answered(k, ANSWERS[i][1]))
            self.groups[key] = group
            grid.addWidget(box, row, 1, Qt.AlignmentFlag.AlignTop)
        grid.setColumnStretch(0, 1)
        self.body.addLayout(grid)
        self.sensitivity = QLabel()
        self.sensitivity.setWordWrap(True)
        self.body.addWidget(self.sensitivity)
        # -- encryption -----------------------------------------------------------------------
        self.crypto_box = QGroupBox("Encryption at rest")
        cl = QHBoxLayout(self.crypto_box)
        self.crypto_text = QLabel()
        self.crypto_text.setWordWrap(True)
        self.crypto_text.setStyleSheet("font-weight: normal;")
        self.password_button = QPushButton("Set a password…")
        self.password_button.clicked.connect(self.set_password)
        cl.addWidget(self.crypto_text, 1)
        cl.addWidget(self.password_button, 0, Qt.AlignmentFlag.AlignTop)
        self.body.addWidget(self.crypto_box)
        # -- the check ------------------------------------------------------------------------
        self.final_label = self.add_status_label()
        # Pinned under the questions' scroll area: five questions push it below a small window.
        self.run_button = self.add_primary_button("Check privacy", self.run_check, pinned=True)
        self.pinned_hint.setText(
            "Answer the questions, then check: the scan, the memorising models and the "
            "membership audit run on the final model."
        )
        self.verdict = QLabel()
        self.verdict.setObjectName("verdict")
        self.verdict.setWordWrap(True)
        self.verdict.setTextFormat(Qt.TextFormat.RichText)
        self.body.addWidget(self.verdict)
        self.ident_title = SectionTitle("Columns that could identify people")
        self.body.addWidget(self.ident_title)
        self.ident_note = HelpLabel("")
        self.body.addWidget(self.ident_note)
        self.idents = read_only_table(
            ["Column", "Looks like", "Safe Harbor category", "Feature?", "What to do"]
        )
        self.body.addWidget(self.idents)
        self.quasi_title = SectionTitle("Combinations that single people out (k-anonymity)")
        self.body.addWidget(self.quasi_title)
        self.quasi = read_only_table(
            ["Columns combined", "Smallest group (k)", "Rows alone", "What to do"]
        )
        self.body.addWidget(self.quasi)
        self.quasi_note = HelpLabel(QUASI_NOTE)
        self.body.addWidget(self.quasi_note)
        self.memo_title = SectionTitle("Models that store training rows")
        self.body.addWidget(self.memo_title)
        self.memo = QLabel()
        self.memo.setWordWrap(True)
        self.body.addWidget(self.memo)
        self.audit_title = SectionTitle("Membership-inference audit of the final model")
        self.body.addWidget(self.audit_title)
        self.audit_figures = QLabel()
        self.audit_figures.setWordWrap(True)
        self.audit_figures.setTextFormat(Qt.TextFormat.RichText)
        self.body.addWidget(self.audit_figures)
        self.audit_text = HelpLabel("")
        self.body.addWidget(self.audit_text)
        # -- export and override --------------------------------------------------------------
        self.export_box = QGroupBox("Export the final model")
        el = QVBoxLayout(self.export_box)
        self.gate_text = QLabel()
        self.gate_text.setWordWrap(True)
        self.gate_text.setStyleSheet("font-weight: normal;")
        el.addWidget(self.gate_text)
        self.override_label = QLabel(
            "<b>Export anyway:</b> type why this model may be shared despite the verdict (who "
            "receives it, under which agreement). It is recorded with your name and the time in "
            "the audit log and printed in the report."
        )
        self.override_label.setWordWrap(True)
        self.override_label.setStyleSheet("font-weight: normal;")
        el.addWidget(self.override_label)
        self.justification = QPlainTextEdit()
        self.justification.setPlaceholderText(
            "e.g. Shared only with the consortium's analysis centre under the data-use "
            "agreement of 2025-03 (section 4), which covers derived models."
        )
        self.justification.setMaximumHeight(70)
        el.addWidget(self.justification)
        row = QHBoxLayout()
        row.addStretch(1)
        self.override_button = QPushButton("Record the override")
        self.override_button.clicked.connect(self.record_override)
        self.export_button = QPushButton("Export the final model…")
        self.export_button.clicked.connect(lambda: self.window_.export_model())
        row.addWidget(self.override_button)
        row.addWidget(self.export_button)
        el.addLayout(row)
        self.body.addWidget(self.export_box)
        self.add_findings_section()

    # -- showing the Study ------------------------------------------------------------------------
    def refresh(self) -> None:
        s = self.project.study
        section = s.privacy
        final = s.compare.final if s.compare else None
        self._updating = True
        answers = section.answers.model_dump() if section else {}
        for key, radios in self.radios.items():
            radios[answers.get(key)].setChecked(True)
        self._updating = False
        self._show_sensitivity()
        self._show_encryption()
        if final is None:
            self.final_label.setText("Freeze the final model on the comparison page first.")
        else:
            self.final_label.setText(f"<b>Final model:</b> {final.name}.")
        self.final_label.show()
        self.run_button.setEnabled(final is not None)
        current = privacy.is_current(self.project)
        self._show_verdict(section, current, final is not None)
        checked = current and section is not None
        for w in (
            self.ident_title,
            self.ident_note,
            self.idents,
            self.quasi_title,
            self.quasi,
            self.quasi_note,
            self.memo_title,
            self.memo,
            self.audit_title,
            self.audit_figures,
            self.audit_text,
        ):
            w.setVisible(checked)
        if checked:
            self._show_identifiers(section)
            self._show_quasi(section)
            self._show_memorising(section, final)
            self._show_audit(section)
        self._show_gate(final)
        self.show_findings()

    def _show_sensitivity(self) -> None:
        section = self.project.study.privacy
        if section is None or all(v is None for v in section.answers.model_dump().values()):
            text = "Not answered yet: until you answer, the data are treated as sensitive."
        elif section.sensitive:
            yes = [privacy.SHORT[k] for k, v in section.answers.model_dump().items() if v]
            text = f"<b>Sensitive</b> ({', '.join(yes)}): the project is kept encrypted on disk."
        elif privacy.open_questions(section):
            text = (
                "Some answers are 'not sure': the verdict treats the data as sensitive until "
                "they are answered."
            )
        else:
            text = "<b>Not sensitive</b> by your answers."
        people = privacy.from_people(section)
        if people is False:
            text += (
                " <b>Not from people</b> by your answers: the rules about people (the HIPAA "
                "identifiers such as dates and places, and k-anonymity) do not count for the "
                "verdict; a person's name, e-mail or telephone number still does."
            )
        elif people is None and section is not None:
            text += " Until every question about people is answered, the rules about people apply."
        self.sensitivity.setText(text)

    def _show_encryption(self) -> None:
        project = self.project
        sensitive = crypto.is_sensitive(project)
        pk = project.encryption
        if pk is not None:
            where = (
                "its key is kept in this computer's keychain, and the password opens it anywhere"
                if pk.in_keychain
                else "it opens with the password (no keychain holds its key on this computer)"
            )
            text = f"<b>Encrypted</b> (AES-256-GCM): {where}."
            button = "Change the password…"
        elif sensitive:
            text = (
                "<b style='color:#b3261e'>A password is needed.</b> Sensitive data are only ever "
                "saved encrypted: set a password (at least 8 characters) before saving. It is "
                "the only way to open the project on another computer, so keep it safe."
            )
            button = "Set a password…"
        else:
            text = (
                "Not encrypted: the data were not declared sensitive. You can still encrypt the "
                "project with a password."
            )
            button = "Encrypt with a password…"
        self.crypto_text.setText(text)
        self.password_button.setText(button)

    def _show_verdict(self, section, current: bool, has_final: bool) -> None:
        verdict = section.verdict if section is not None and current else None
        fg, bg, border, word = VERDICT_STYLE[verdict]
        self.verdict.setStyleSheet(
            f"QLabel#verdict {{ background: {bg}; color: {fg}; border: 1px solid {border}; "
            "border-left: 8px solid " + fg + "; border-radius: 6px; padding: 10px 14px; }"
        )
        if verdict is None:
            stale = section is not None and section.verdict is not None
            why = (
                "The final model changed since the last check: run it again."
                if stale
                else "Run the check to get a verdict."
                if has_final
                else "Freeze the final model first."
            )
            self.verdict.setText(
                f"<span style='font-size:15pt; font-weight:600'>Verdict: {word}</span><br>{why} "
                "Until then the model cannot be exported without an override."
            )
            return
        items = "".join(f"<li>{r}</li>" for r in section.reasons)
        self.verdict.setText(
            f"<span style='font-size:15pt; font-weight:600'>Verdict: {word}</span>"
            f"<ul style='margin-left:-20px'>{items}</ul>"
        )

    def _show_identifiers(self, section) -> None:
        hits = section.identifiers
        aside = {id(h) for h in privacy.set_aside_identifiers(section)}
        if not hits:
            note = "No column looks like it identifies people."
        else:
            note = (
                "Rule-based, on every column (the HIPAA Safe Harbor list as the checklist); hover "
                "a row for the evidence. Values are never shown."
            )
            if aside:
                note += (
                    " <b>By your answers the data do not come from people:</b> the greyed rows "
                    "would count only for data from people, so they do not affect the verdict. "
                    "Names, e-mail addresses and telephone numbers always count."
                )
        self.ident_note.setText(note)
        self.idents.setVisible(bool(hits))
        self.idents.setRowCount(len(hits))
        for r, h in enumerate(hits):
            set_aside = id(h) in aside
            cells = [
                h.column,
                privacy.KIND_LABELS.get(h.kind, h.kind),
                h.safe_harbor,
                "YES" if h.used_as_feature else "no",
                NOT_APPLIED if set_aside else h.suggestion,
            ]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(h.reason)
                if set_aside:
                    item.setForeground(QColor("#6b7680"))
                elif h.used_as_feature:
                    item.setForeground(QColor("#b3261e"))
                self.idents.setItem(r, c, item)
        self._fit(self.idents, [120, 150, 210, 70])

    def _show_quasi(self, section) -> None:
        rows = section.quasi_identifiers
        applied = privacy.person_rules_apply(section)
        self.quasi.setRowCount(len(rows))
        for r, q in enumerate(rows):
            cells = [" × ".join(q.columns), str(q.smallest_group), str(q.n_unique_rows),
                     q.suggestion if applied else NOT_APPLIED]  # fmt: skip
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in (1, 2):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if not applied:
                    item.setForeground(QColor("#6b7680"))
                elif q.smallest_group < 5:
                    item.setForeground(QColor("#8a5a00"))
                self.quasi.setItem(r, c, item)
        self._fit(self.quasi, [220, 130, 90])
        self.quasi.setVisible(bool(rows))
        if not rows:
            text = "No column looks like age, sex, a place or a date, so no combination to check."
        else:
            text = QUASI_NOTE
            if not applied:
                text = (
                    "<b>Not applied:</b> by your answers the data do not come from people, so "
                    "these combinations do not affect the verdict. " + text
                )
        self.quasi_note.setText(text)

    def _show_memorising(self, section, final) -> None:
        names = {c.key: c.name for c in self.project.study.compare.candidates}
        if not section.memorising:
            self.memo.setText("None of the compared models stores training rows.")
            return
        listed = ", ".join(names.get(k, k) for k in section.memorising)
        if final is not None and final.key in section.memorising:
            self.memo.setText(
                f"<b style='color:#b3261e'>The final model, {final.name}, stores training rows "
                "inside itself</b> (a nearest-neighbour model keeps every row, an SVM its support "
                f"vectors): whoever has the model has those rows. Models that store rows: "
                f"{listed}."
            )
        else:
            self.memo.setText(
                f"The final model does not store rows. Among the compared models, {listed} "
                "would: they keep training rows inside themselves."
            )

    def _show_audit(self, section) -> None:
        a = section.audit
        if a is None:
            self.audit_figures.setText("No audit yet.")
            self.audit_text.setText("")
            return
        colour = RISK_COLOUR[a.risk]
        self.audit_figures.setText(
            f"Attack AUC <b>{a.attack_auc:.3f}</b> &nbsp;·&nbsp; true-positive rate at 1 % false "
            f"positives <b>{a.tpr_at_1pct_fpr:.3f}</b> &nbsp;·&nbsp; {a.n_members} training rows "
            f"against {a.n_nonmembers} tuning rows &nbsp;·&nbsp; risk "
            f"<b style='color:{colour}'>{a.risk}</b>"
        )
        self.audit_text.setText(a.interpretation)

    def _show_gate(self, final) -> None:
        self.export_box.setEnabled(final is not None)
        override = privacy.current_override(self.project)
        section = self.project.study.privacy
        current = privacy.is_current(self.project)
        allowed = current and section is not None and section.verdict == "shareable"
        if final is None:
            text = "There is no final model to export yet."
        elif override is not None:
            text = (
                f"<b>Override recorded</b> on {override.time} by {override.user or 'unknown'}: "
                f"“{override.justification.rstrip('.')}”. The export is allowed and the "
                "override is printed in the report."
            )
        elif allowed:
            text = (
                "The verdict allows exporting the model: its files and a model card (features, "
                "preprocessing, results, this verdict) are written to a folder you choose."
            )
        elif not current:
            text = (
                "<b>Export refused:</b> the privacy check was not run for this final model. Run "
                "it first, or record an override below."
            )
        else:
            text = (
                "<b>Export refused</b> by the privacy verdict. Make the changes the reasons name "
                "and check again, or record an override below."
            )
        self.gate_text.setText(text)
        needs_override = final is not None and not allowed and override is None
        for w in (self.override_label, self.justification, self.override_button):
            w.setVisible(needs_override)

    @staticmethod
    def _fit(table: QTableWidget, widths: list[int]) -> None:
        for i, w in enumerate(widths):
            table.setColumnWidth(i, w)
        table.resizeRowsToContents()
        height = table.horizontalHeader().height() + 4
        height += sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(min(max(height, 60), 560))

    # -- actions ----------------------------------------------------------------------------------
    def _answered(self, key: str, value: bool | None) -> None:
        if self._updating:
            return
        self.banner.hide()
        try:
            privacy.answer(self.project, **{key: value})
        except DlwizardError as exc:
            self.report_error(exc)
            return
        self.refresh()
        self.window_.after_change()

    def run_check(self) -> None:
        self.run_job(
            privacy.run,
            self.project,
            message="Checking privacy: identifiers, memorising models, membership audit…",
            on_done=lambda _: self.window_.refresh_all(),
        )

    def set_password(self) -> None:
        self.banner.hide()
        ask = self.window_.ask
        first = ask.password(
            "Project password",
            f"A password of at least {crypto.MIN_PASSWORD_LENGTH} characters. It opens the "
            "project on any computer; without it (and without this computer's keychain) the "
            "project cannot be opened, so keep it safe.",
        )
        if not first:
            return
        again = ask.password("Project password", "Type the password again:")
        if not again:
            return
        if first != again:
            self.banner.show_error(
                "The two passwords differ. Nothing was changed; set the password again."
            )
            return
        try:
            if self.project.encryption is not None:
                crypto.change_password(self.project, first)
            else:
                crypto.enable(self.project, first)
        except DlwizardError as exc:
            self.report_error(exc)
            return
        self.refresh()
        self.window_.after_change()
        self.window_.statusBar().showMessage(
            "Password set: the project is saved encrypted from now on.", 8000
        )

    def record_override(self) -> None:
        self.banner.hide()
        try:
            privacy.override(self.project, self.justification.toPlainText())
        except DlwizardError as exc:
            self.report_error(exc)
            return
        self.justification.clear()
        self.refresh()
        self.window_.after_change()

    def problems(self) -> list[str]:
        # Nothing here blocks the report: it is never gated, and it states the verdict.
        return super().problems()
