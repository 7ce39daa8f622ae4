"""The main window: the step list, the pages, Back/Next, the File menu, autosave and recovery."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from dlwizard import __version__
from dlwizard.errors import DlwizardError
from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import ProgressPanel
from dlwizard.gui.workers import JobRunner, cancel_all
from dlwizard.study import registry
from dlwizard.study.project import Project

AUTOSAVE_MS = 60_000
STATE_MARK = {"done": "✓", "error": "!", "todo": "·"}


class MainWindow(QMainWindow):
    project_changed = Signal()

    def __init__(self, project: Project | None = None) -> None:
        super().__init__()
        from dlwizard.gui.pages.baselines import BaselinesPage
        from dlwizard.gui.pages.compare import ComparePage
        from dlwizard.gui.pages.data import DataPage
        from dlwizard.gui.pages.explore import ExplorePage
        from dlwizard.gui.pages.interpret import InterpretPage
        from dlwizard.gui.pages.metadata import MetadataPage
        from dlwizard.gui.pages.networks import NetworksPage
        from dlwizard.gui.pages.privacy import PrivacyPage
        from dlwizard.gui.pages.question import QuestionPage
        from dlwizard.gui.pages.report import ReportPage
        from dlwizard.gui.pages.split import SplitPage
        from dlwizard.gui.pages.test import TestPage

        self.project = project or Project.new()
        self.job: JobRunner | None = None
        self.ask = _Dialogs(self)  # file and yes/no questions; tests replace it
        self.resize(1240, 820)
        self.setMinimumSize(900, 600)

        self.steps = QListWidget()
        self.steps.setObjectName("steps")
        self.steps.setFixedWidth(220)
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.steps.currentRowChanged.connect(self._on_step_clicked)
        self.stack = QStackedWidget()
        # One page per step of the registry, in its order (each page class names its step).
        by_step = {
            cls.step: cls
            for cls in (
                QuestionPage, DataPage, MetadataPage, ExplorePage, SplitPage, BaselinesPage,
                NetworksPage, ComparePage, TestPage, InterpretPage, PrivacyPage, ReportPage,
            )
        }  # fmt: skip
        self.pages: list[Page] = [by_step[key](self) for key in registry.ORDER]
        for i, page in enumerate(self.pages, 1):
            self.stack.addWidget(page)
            item = QListWidgetItem(f"{i}  {page.title}")
            item.setData(Qt.ItemDataRole.UserRole, page.step)
            self.steps.addItem(item)

        self.page_title = QLabel()
        self.page_title.setObjectName("pagetitle")
        self.page_tip = QLabel()
        self.page_tip.setObjectName("tip")
        head = QHBoxLayout()
        head.addWidget(self.page_title)
        head.addStretch(1)
        head.addWidget(self.page_tip)

        self.progress = ProgressPanel()
        self.progress.cancel_requested.connect(self.cancel_job)
        # Alt+B / Alt+N (the underlined letters), and the browser keys Alt+Left / Alt+Right.
        self.back_button = QPushButton("← &Back")
        self.next_button = QPushButton("&Next →")
        self.next_button.setObjectName("primary")
        self.back_button.setToolTip("The previous step (Alt+B or Alt+Left)")
        self.next_button.setToolTip("The next step (Alt+N or Alt+Right)")
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        for key, slot in (
            (QKeySequence.StandardKey.Back, self.go_back),
            (QKeySequence.StandardKey.Forward, self.go_next),
        ):
            QShortcut(QKeySequence(key), self, activated=slot)
        self.blocker = QLabel()
        self.blocker.setObjectName("blocker")
        self.blocker.setWordWrap(True)
        self.blocker.setTextFormat(Qt.TextFormat.RichText)
        self.blocker.linkActivated.connect(lambda step: self.go_to(self.page_index(step)))
        foot = QHBoxLayout()
        foot.addWidget(self.back_button)
        foot.addWidget(self.blocker, 1)
        foot.addWidget(self.next_button)

        right = QVBoxLayout()
        right.setContentsMargins(0, 12, 16, 12)
        right.addLayout(head)
        right.addWidget(self.stack, 1)
        right.addWidget(self.progress)
        right.addLayout(foot)
        central = QWidget()
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.steps)
        lay.addLayout(right, 1)
        self.setCentralWidget(central)
        self._build_menus()
        # Tab moves to the next field in the multi-line boxes too (a tab character in an
        # intended use or a reason is never what the user meant).
        for edit in self.findChildren(QPlainTextEdit) + self.findChildren(QTextEdit):
            edit.setTabChangesFocus(True)
        self.statusBar().showMessage("Ready")

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.set_project(self.project)

    # -- menus ----------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")

        def act(text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
            a = QAction(text, self)
            if shortcut is not None:
                a.setShortcut(QKeySequence(shortcut))
            a.triggered.connect(lambda _=False: slot())
            file_menu.addAction(a)
            return a

        act("&New project", self.new_project, QKeySequence.StandardKey.New)
        act("&Open…", self.open_project, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        act("&Save", self.save, QKeySequence.StandardKey.Save)
        act("Save &as…", self.save_as, QKeySequence.StandardKey.SaveAs)
        act("Export &plan…", self.export_plan)
        file_menu.addSeparator()
        self.predict_action = act("Pre&dict on new samples…", self.predict_new)
        act("E&xport final model…", self.export_model)
        file_menu.addSeparator()
        act("&Quit", self.close, QKeySequence.StandardKey.Quit)
        report_menu = self.menuBar().addMenu("&Report")
        self.report_action = QAction("Export the methods report (&PDF)…", self)
        self.report_action.triggered.connect(lambda _=False: self.export_report())
        report_menu.addAction(self.report_action)
        help_menu = self.menuBar().addMenu("&Help")
        about = QAction("&About dlwizard", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _fill_recent(self) -> None:
        from dlwizard.settings import recent_files

        self.recent_menu.clear()
        files = recent_files()
        if not files:
            a = self.recent_menu.addAction("No recent projects")
            a.setEnabled(False)
        for f in files:
            a = self.recent_menu.addAction(f)
            a.triggered.connect(lambda _=False, p=f: self.open_project(p))

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About dlwizard",
            f"<b>dlwizard {__version__}</b><br>Build a machine-learning model the honest way, "
            "following <i>Ten Quick Tips for Deep Learning in Biology</i> (Lee et al., PLoS "
            "Comput Biol 2022).",
        )

    # -- project --------------------------------------------------------------------------------
    def set_project(self, project: Project) -> None:
        self.project = project
        for page in self.pages:
            page.banner.hide()
            page.refresh()
        self.after_change()
        if self.steps.currentRow() < 0:
            self.go_to(0)
        self.project_changed.emit()

    def refresh_all(self) -> None:
        """After a step that changes later pages (e.g. freezing the final model). Only the page
        on screen is redrawn now: every page reads the Study again when it is entered (go_to),
        and redrawing hidden pages here would stall the window."""
        if self.stack.currentIndex() >= 0:
            self.current_page().refresh()
        self.after_change()

    def after_change(self) -> None:
        """Refresh what depends on the whole project: step marks, title, footer."""
        for i, page in enumerate(self.pages):
            item = self.steps.item(i)
            if self.project.errors(page.step):
                state = "error"
            elif self.project.is_done(page.step):
                state = "done"
            else:
                state = "todo"
            item.setText(f"{STATE_MARK[state]}  {i + 1}  {page.title}")
        name = self.project.study.name
        where = f" — {self.project.path.name}" if self.project.path else ""
        self.setWindowTitle(f"{name}{where}[*] — dlwizard")
        self.setWindowModified(self.project.dirty)
        s = self.project.study
        self.predict_action.setEnabled(s.compare is not None and s.compare.final is not None)
        self._update_footer()

    def _update_footer(self) -> None:
        from html import escape

        from dlwizard.steps.metadata import target_role_problem

        i = self.stack.currentIndex()
        busy = self.job is not None
        self.back_button.setEnabled(i > 0 and not busy)
        problems = [escape(p) for p in (self.pages[i].problems() if i >= 0 else [])]
        if i >= self.page_index("metadata") and self.project.table is not None:
            # Every later step needs the answer column: point back to where it is chosen.
            problem = target_role_problem(self.project)
            if problem:
                problems.insert(
                    0,
                    f"{escape(problem)}. <a href='question'>Go to the question</a>",
                )
        last = i >= len(self.pages) - 1
        self.next_button.setEnabled(not busy and not last and not problems)
        self.next_button.setVisible(not last)
        self.blocker.setText(("To go on: " + problems[0]) if problems and not busy else "")
        self.steps.setEnabled(not busy)

    def page_index(self, step: str) -> int:
        return next(i for i, p in enumerate(self.pages) if p.step == step)

    def go_next(self) -> None:
        if self.next_button.isEnabled() and self.next_button.isVisible():
            self.go_to(self.stack.currentIndex() + 1)

    def go_back(self) -> None:
        if self.back_button.isEnabled():
            self.go_to(self.stack.currentIndex() - 1)

    def go_to(self, index: int) -> None:
        if not 0 <= index < len(self.pages) or self.job is not None:
            return
        self.stack.setCurrentIndex(index)
        page = self.pages[index]
        page.refresh()
        self.page_title.setText(page.title)
        self.page_tip.setText(page.tips)
        self.steps.blockSignals(True)
        self.steps.setCurrentRow(index)
        self.steps.blockSignals(False)
        self._update_footer()
        page.on_enter()

    def _on_step_clicked(self, row: int) -> None:
        self.go_to(row)

    def current_page(self) -> Page:
        return self.pages[self.stack.currentIndex()]

    # -- jobs -----------------------------------------------------------------------------------
    def run_job(
        self,
        fn: Callable[..., Any],
        *args: Any,
        message: str,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException, str], None] | None = None,
        **kwargs: Any,
    ) -> JobRunner:
        """Run ``fn`` in a worker thread. A job never receives the project the window shows:
        when ``self.project`` is among the arguments, the worker gets a working copy, and what
        the step changed is applied here, in the GUI thread, once it has finished (before
        ``on_done``). A cancelled or failed job leaves the project untouched."""
        if self.job is not None:
            raise RuntimeError("a job is already running")
        shared = self.project
        staged = any(a is shared for a in (*args, *kwargs.values()))
        copy = shared.working_copy() if staged else None
        if copy is not None:
            args = tuple(copy if a is shared else a for a in args)
            kwargs = {k: copy if v is shared else v for k, v in kwargs.items()}
        runner = JobRunner(fn, *args, **kwargs)
        self.job = runner
        self.progress.begin(message)
        self.stack.setEnabled(False)
        runner.progress.connect(self.progress.update_progress)

        def finished() -> None:
            self.job = None
            self.progress.end()
            self.stack.setEnabled(True)

        def done(result: Any) -> None:
            finished()
            if copy is not None and self.project is shared:
                shared.apply(copy.changes())
                if result is copy:
                    result = shared
            if on_done is not None:
                on_done(result)
            self.after_change()

        def failed(exc: BaseException, tb: str) -> None:
            finished()
            if on_error is not None:
                on_error(exc, tb)
            self.after_change()

        def cancelled() -> None:
            finished()
            self.statusBar().showMessage("Cancelled; nothing was changed.", 8000)
            self.after_change()

        runner.done.connect(done)
        runner.failed.connect(failed)
        runner.cancelled.connect(cancelled)
        self._update_footer()
        return runner.start()

    def cancel_job(self) -> None:
        if self.job is not None:
            self.progress.cancel_button.setEnabled(False)
            self.progress.label.setText("Cancelling…")
            self.job.cancel()

    # -- file actions ---------------------------------------------------------------------------
    def maybe_keep_changes(self) -> bool:
        """Ask about unsaved changes. True when it is fine to replace the project."""
        if not self.project.dirty:
            return True
        answer = self.ask.unsaved_changes(self.project.study.name)
        if answer == "save":
            return self.save()
        return answer == "discard"

    def new_project(self) -> None:
        if self.job is None and self.maybe_keep_changes():
            self._discard_recovery()
            self.set_project(Project.new())
            self.go_to(0)

    def open_project(self, path: str | Path | None = None) -> bool:
        from dlwizard.settings import add_recent_file

        if self.job is not None or not self.maybe_keep_changes():
            return False
        if path is None:
            path = self.ask.open_file("Open project", "dlwizard projects (*.dlwiz);;All files (*)")
            if not path:
                return False
        try:
            project = self._load_with_password(path)
            if project is None:
                return False
        except DlwizardError as exc:
            self.ask.error(
                "Cannot open the project", str(exc) + "\nThe current project is unchanged."
            )
            return False
        self._discard_recovery()
        self.set_project(project)
        add_recent_file(project.path or path)
        self.statusBar().showMessage(f"Opened {path}", 5000)
        self.go_to(0)
        return True

    def _load_with_password(self, path: str | Path) -> Project | None:
        """Load a project; an encrypted one without its key in the keychain asks for the
        password (None: the user cancelled)."""
        from dlwizard.study import container
        from dlwizard.study.crypto import PasswordRequired, WrongPassword

        try:
            return container.load(path)
        except PasswordRequired:
            pass
        prompt = f"“{Path(path).name}” is encrypted. Enter its password:"
        while True:
            password = self.ask.password("Encrypted project", prompt)
            if not password:
                return None
            try:
                return container.load(path, password=password)
            except WrongPassword:
                prompt = "That password is not right. Try again (nothing was changed):"

    def predict_new(self, source: str | Path | None = None, out: str | Path | None = None):
        """File > Predict on new samples: apply the frozen final model to a new file."""
        from dlwizard.predict import predict_file

        s = self.project.study
        if self.job is not None or s.compare is None or s.compare.final is None:
            return None
        if source is None:
            source = self.ask.open_file(
                "New samples to predict",
                "Tables (*.csv *.tsv *.txt *.xlsx *.parquet);;All files (*)",
            )
            if not source:
                return None
        if out is None:
            suggested = str(Path(source).with_name(Path(source).stem + "_predictions.csv"))
            out = self.ask.save_file("Save predictions", suggested, "CSV files (*.csv)")
            if not out:
                return None

        def done(summary) -> None:
            notes = "\n".join(summary.notes())
            self.statusBar().showMessage(
                f"Predicted {summary.n_rows:,} samples; written to {summary.output}", 10000
            )
            self.ask.info(
                "Predictions written",
                f"{summary.n_rows:,} samples predicted with {s.compare.final.name}.\n"
                f"Saved to {summary.output}." + (f"\n\n{notes}" if notes else ""),
            )

        def failed(exc: BaseException, tb: str = "") -> None:
            self.ask.error("Cannot predict", str(exc) + "\nNo predictions file was written.")

        return self.run_job(
            predict_file,
            self.project,
            source,
            out,
            message=f"Predicting {Path(source).name}…",
            on_done=done,
            on_error=failed,
        )

    def save(self) -> bool:
        if self.project.path is None:
            return self.save_as()
        return self._save_to(self.project.path)

    def save_as(self, path: str | Path | None = None) -> bool:
        if path is None:
            suggested = (self.project.study.name or "study").replace("/", "-") + ".dlwiz"
            path = self.ask.save_file("Save project", suggested, "dlwizard projects (*.dlwiz)")
            if not path:
                return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        from dlwizard.settings import add_recent_file
        from dlwizard.study import container
        from dlwizard.study.crypto import EncryptionRequired

        if self._needs_password() and not self.ask_new_password():
            return False
        try:
            self.project.audit("saved", path=str(path))
            target = container.save(self.project, path)
        except EncryptionRequired as exc:
            self.ask.error("Cannot save the project", str(exc))
            return False
        except DlwizardError as exc:
            self.ask.error("Cannot save the project", str(exc))
            return False
        self._discard_recovery()
        add_recent_file(target)
        self.statusBar().showMessage(f"Saved to {target}", 5000)
        self.after_change()
        return True

    def export_report(self, path: str | Path | None = None) -> Path | None:
        """Report > Export PDF: the methods report, drawn here in the GUI thread (Qt widgets
        draw the figures); the window keeps painting its progress meanwhile."""
        from PySide6.QtCore import QEventLoop
        from PySide6.QtWidgets import QApplication

        from dlwizard.jobs import Job
        from dlwizard.render.pdf import write_pdf

        if self.job is not None:
            return None
        if path is None:
            name = (self.project.study.name or "study").replace("/", "-")
            path = self.ask.save_file(
                "Export the methods report", f"{name} - methods.pdf", "PDF files (*.pdf)"
            )
            if not path:
                return None

        def progress(fraction: float, message: str) -> None:
            self.progress.update_progress(fraction, message)
            # Paint, but take no clicks or keys: the report is being drawn from this thread.
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)

        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.progress.begin("Writing the methods report…")
        self.progress.cancel_button.hide()
        try:
            out = write_pdf(self.project, path, job=Job(progress))
        except (DlwizardError, OSError) as exc:
            self.ask.error("Cannot write the report", f"{exc}\nNo report file was written.")
            return None
        finally:
            self.progress.cancel_button.show()
            self.progress.end()
            QApplication.restoreOverrideCursor()
        from dlwizard.steps import report as report_step

        report_step.record_export(self.project, out)
        self.statusBar().showMessage(f"Methods report written to {out}", 10000)
        self.after_change()
        return out

    def _needs_password(self) -> bool:
        from dlwizard.study import crypto

        return crypto.must_encrypt(self.project) and self.project.encryption is None

    def ask_new_password(self) -> bool:
        """A sensitive project is saved only encrypted: ask for its password (twice)."""
        from dlwizard.study import crypto

        prompt = (
            "This project holds sensitive data, so it is saved encrypted. Choose a password "
            "(at least 8 characters); keep it safe: without it (or this computer's keychain) "
            "the project cannot be opened."
        )
        while True:
            first = self.ask.password("Set the project's password", prompt)
            if not first:
                return False
            second = self.ask.password("Set the project's password", "Type the password again:")
            if first != second:
                prompt = "The two passwords differ. Choose the password again:"
                continue
            try:
                crypto.enable(self.project, first)
            except DlwizardError as exc:
                prompt = f"{exc} Choose another password:"
                continue
            return True

    def export_plan(self, path: str | Path | None = None) -> bool:
        from dlwizard.plan import dumps, plan_from_project

        if path is None:
            path = self.ask.save_file("Export plan", "plan.toml", "Plan files (*.toml)")
            if not path:
                return False
        path = Path(path)
        try:
            text = dumps(plan_from_project(self.project, relative_to=path.parent))
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(text, "utf-8")
            tmp.replace(path)
        except OSError as exc:
            self.ask.error("Cannot export the plan", f"{path}: {exc.strerror or exc}")
            return False
        self.statusBar().showMessage(f"Plan written to {path}", 5000)
        return True

    # -- autosave and recovery ------------------------------------------------------------------
    def autosave(self) -> None:
        from dlwizard.study.autosave import write_recovery

        if self.project.dirty and self.job is None:
            if self._needs_password():
                # Never a plaintext copy of sensitive data; the password is asked on saving.
                self.statusBar().showMessage(
                    "Autosave paused: set the project's password (File > Save) to protect it.",
                    8000,
                )
                return
            try:
                write_recovery(self.project)
            except (OSError, DlwizardError) as exc:
                self.statusBar().showMessage(f"Autosave failed: {exc}", 8000)

    def _discard_recovery(self) -> None:
        from dlwizard.study.autosave import discard_recovery

        discard_recovery(self.project)

    def offer_recovery(self) -> bool:
        from dlwizard.study.autosave import find_recovery_copies, restore

        copies = find_recovery_copies()
        if not copies:
            return False
        copy = copies[-1]
        if not self.ask.restore_recovery(copy.study_name, copy.modified):
            for c in copies:
                c.path.unlink(missing_ok=True)
            return False
        from dlwizard.study.crypto import PasswordRequired, WrongPassword

        try:
            project = restore(copy)
        except PasswordRequired:
            project = None
            prompt = "The recovery copy is encrypted. Enter the project's password:"
            while project is None:
                password = self.ask.password("Encrypted recovery copy", prompt)
                if not password:
                    return False  # kept on disk: it can be recovered at the next start
                try:
                    project = restore(copy, password)
                except WrongPassword:
                    prompt = "That password is not right. Try again (nothing was changed):"
        except DlwizardError as exc:
            self.ask.error("Cannot recover the project", str(exc))
            return False
        self.set_project(project)
        copy.path.unlink(missing_ok=True)
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.job is not None:
            self.cancel_job()
        if not self.maybe_keep_changes():
            event.ignore()
            return
        cancel_all()
        self.autosave_timer.stop()
        self._discard_recovery()
        event.accept()

    def export_model(self, folder: str | Path | None = None) -> list[Path] | None:
        """File > Export final model: through the privacy gate. A refused export explains the
        verdict and offers an override with a typed justification, which is recorded."""
        from dlwizard.export import check_export, export_model
        from dlwizard.steps import privacy

        s = self.project.study
        if self.job is not None:
            return None
        if s.compare is None or s.compare.final is None:
            self.ask.info("No final model", "Freeze the final model on the comparison page first.")
            return None
        try:
            check_export(self.project)
        except DlwizardError as refused:
            justification = self.ask.text(
                "Export refused by the privacy gate",
                f"{refused}\n\nTo export anyway, type why this model may be shared despite the "
                f"verdict (at least {privacy.MIN_JUSTIFICATION} characters: who receives it, under "
                "which agreement). It is recorded with your name in the audit log and printed in "
                "the report. Leave it empty to cancel.",
            )
            if not justification:
                return None
            try:
                privacy.override(self.project, justification)
            except DlwizardError as exc:
                self.ask.error("The override was not recorded", str(exc))
                return None
            self.refresh_all()
        if folder is None:
            suggested = (s.name or "model").replace("/", "-") + " - model"
            folder = self.ask.save_file("Export the final model to a new folder", suggested, "")
            if not folder:
                return None
        try:
            written = export_model(self.project, folder)
        except DlwizardError as exc:
            self.ask.error("Cannot export the model", str(exc))
            return None
        self.after_change()
        self.statusBar().showMessage(f"Model exported to {folder}", 10000)
        self.ask.info(
            "Model exported",
            f"{s.compare.final.name} was written to {folder}:\n"
            + "\n".join(p.name for p in written),
        )
        return written


class _Dialogs:
    """Every question the window asks the user, in one place so tests can answer them."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def open_file(self, title: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self.parent, title, "", filters)[0]

    def open_files(self, title: str, filters: str) -> list[str]:
        return QFileDialog.getOpenFileNames(self.parent, title, "", filters)[0]

    def save_file(self, title: str, suggested: str, filters: str) -> str:
        return QFileDialog.getSaveFileName(self.parent, title, suggested, filters)[0]

    def error(self, title: str, text: str) -> None:
        QMessageBox.warning(self.parent, title, text)

    def info(self, title: str, text: str) -> None:
        QMessageBox.information(self.parent, title, text)

    def confirm(self, title: str, text: str) -> bool:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(title)
        box.setText(text)
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        return box.exec() == QMessageBox.StandardButton.Ok

    def password(self, title: str, text: str) -> str:
        from PySide6.QtWidgets import QInputDialog, QLineEdit

        value, ok = QInputDialog.getText(self.parent, title, text, QLineEdit.EchoMode.Password)
        return value if ok else ""

    def text(self, title: str, text: str) -> str:
        """A typed answer (e.g. a justification); empty when cancelled."""
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getMultiLineText(self.parent, title, text)
        return value.strip() if ok else ""

    def unsaved_changes(self, name: str) -> str:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to “{name}” first?")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        answer = box.exec()
        return {
            QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard",
        }.get(QMessageBox.StandardButton(answer), "cancel")

    def restore_recovery(self, name: str, modified: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            "Recover unsaved work?",
            f"dlwizard did not close normally last time. A recovery copy of “{name}” "
            f"(last changed {modified}) was found. Restore it?",
        )
        return answer == QMessageBox.StandardButton.Yes
