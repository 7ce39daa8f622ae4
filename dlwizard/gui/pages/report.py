"""Page 12, report: what the study leaves behind (the project file, the PDF methods report,
predictions, and the model when the privacy gate allows it), and what the authors still write."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton

from dlwizard.gui.pages.base import Page
from dlwizard.gui.pages.privacy import VERDICT_STYLE
from dlwizard.gui.widgets.common import HelpLabel, SectionTitle
from dlwizard.study import registry
from dlwizard.study.project import STEP_ORDER

STEP_NAMES = {s.key: s.title for s in registry.STEPS if s.key != "report"}
VERDICTS = {
    "shareable": "shareable: the model may be exported",
    "shareable_after_changes": "shareable after changes: export refused until they are made "
    "(or overridden with a recorded justification)",
    "do_not_share": "do not share: export refused (an override needs a recorded justification)",
}


class ReportPage(Page):
    step = "report"
    intro = (
        "What the study leaves behind: the project file (every answer, result, model and the "
        "audit log), a PDF methods report written from it, predictions for new samples, and the "
        "model itself when the privacy check allows it. The report says what was done and what "
        "was not; it never fills a gap with something invented."
    )

    def __init__(self, window) -> None:
        super().__init__(window)
        self.state = self.add_status_label()
        # The privacy verdict in its own box, coloured by the verdict (never inside the green
        # summary box: "do not share" on green reads as all clear).
        self.privacy_line = QLabel()
        self.privacy_line.setObjectName("privacyverdict")
        self.privacy_line.setWordWrap(True)
        self.body.addWidget(self.privacy_line)
        grid = QGridLayout()
        actions = [
            (
                "Export the methods report (PDF)…",
                self._pdf,
                "The DOME sections, the REFORMS and TRIPOD+AI checklists, a methods paragraph "
                "with the numbers filled in, every look at the test set, and the reproducibility "
                "appendix.",
            ),
            (
                "Save the project",
                self._save,
                "The .dlwiz file: re-open it, re-run it headless with its plan, or send it to a "
                "reviewer (encrypted when the data are sensitive).",
            ),
            (
                "Predict on new samples…",
                self._predict,
                "Apply the frozen final model, with exactly its saved preprocessing, to a new "
                "file.",
            ),
            (
                "Export the final model…",
                self._export,
                "The model files and a model card, when the privacy verdict allows it.",
            ),
            (
                "Export the plan…",
                self._plan,
                "Every answer as a TOML file: <code>dlwizard run</code> repeats the study "
                "headless.",
            ),
        ]
        self.buttons: dict[str, QPushButton] = {}
        for row, (text, slot, help_text) in enumerate(actions):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setMinimumWidth(280)
            self.buttons[text] = button
            grid.addWidget(button, row, 0)
            grid.addWidget(HelpLabel(help_text), row, 1)
        grid.setColumnStretch(1, 1)
        self.body.addLayout(grid)
        self.body.addWidget(SectionTitle("What the authors must still write"))
        from dlwizard.report.checklists import AUTHOR_STATEMENTS

        self.body.addWidget(
            QLabel(
                "No analysis can supply these, so the report lists them as yours to write:<ul>"
                + "".join(f"<li>{s}</li>" for s in AUTHOR_STATEMENTS)
                + "</ul>"
            )
        )
        self.add_findings_section()

    def refresh(self) -> None:
        s = self.project.study
        missing = [
            STEP_NAMES[x] for x in STEP_ORDER if x in STEP_NAMES and not self.project.is_done(x)
        ]
        lines = []
        if missing:
            lines.append(
                "<b>Not done yet:</b> "
                + ", ".join(missing)
                + ". The report can be written now; it will say these steps were not done."
            )
        else:
            lines.append("<b>Every step is done.</b>")
        final = s.compare.final if s.compare else None
        lines.append(
            f"<b>Final model:</b> {final.name}." if final else "<b>No final model is frozen.</b>"
        )
        if s.test and s.test.looks:
            lines.append(f"<b>Looks at the test set:</b> {len(s.test.looks)} (all in the report).")
        self.state.setText("<br>".join(lines))
        # Green only when every step is done; otherwise the neutral grey of "not yet".
        _, bg, border, _ = VERDICT_STYLE["shareable" if not missing else None]
        self.state.setStyleSheet(f"QLabel#status {{ background: {bg}; border-color: {border}; }}")
        self.state.show()
        self._show_privacy()
        has_final = final is not None
        self.buttons["Predict on new samples…"].setEnabled(has_final)
        self.buttons["Export the final model…"].setEnabled(has_final)
        self.show_findings()

    def _show_privacy(self) -> None:
        from dlwizard.steps import privacy

        s = self.project.study
        verdict = s.privacy.verdict if s.privacy and privacy.is_current(self.project) else None
        if verdict:
            text = f"<b>Privacy:</b> {VERDICTS[verdict]}."
        elif s.privacy is not None and s.privacy.verdict:
            text = (
                "<b>Privacy:</b> the final model changed since the last check; exporting the "
                "model is refused until it is checked again."
            )
        else:
            text = "<b>Privacy:</b> not checked; exporting the model is refused until it is."
        self.verdict = verdict
        fg, bg, border, _ = VERDICT_STYLE[verdict]
        self.privacy_line.setStyleSheet(
            f"QLabel#privacyverdict {{ background: {bg}; color: {fg}; border: 1px solid "
            f"{border}; border-left: 6px solid {fg}; border-radius: 4px; padding: 6px 12px; }}"
        )
        self.privacy_line.setText(text)

    def _pdf(self) -> None:
        self.window_.export_report()

    def _save(self) -> None:
        self.window_.save()

    def _predict(self) -> None:
        self.window_.predict_new()

    def _export(self) -> None:
        self.window_.export_model()

    def _plan(self) -> None:
        self.window_.export_plan()

    def problems(self) -> list[str]:
        return []
