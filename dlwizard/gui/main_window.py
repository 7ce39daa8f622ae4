"""The main window, the wizard's shell: one page per step of the registry, the step list,
Back/Next and the footer, the menus, and the project on show.

What the menus do lives beside it: :mod:`dlwizard.gui.actions.files` (new, open, save,
passwords, autosave and recovery) and :mod:`dlwizard.gui.actions.export` (report, plan, model,
predictions); the jobs run through :class:`dlwizard.gui.jobs.Jobs`; the questions to the user go
through ``window.ask`` (:class:`dlwizard.gui.dialogs.Dialogs`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
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
from dlwizard.gui.actions import export, files
from dlwizard.gui.dialogs import Dialogs, QtDialogs
from dlwizard.gui.jobs import Jobs
from dlwizard.gui.pages.base import Page
from dlwizard.gui.widgets.common import ProgressPanel
from dlwizard.study import registry
from dlwizard.study.project import Project

if TYPE_CHECKING:
    from dlwizard.gui.workers import JobWorker

AUTOSAVE_MS = 60_000
JOB_RUNNER_IMPORT_MS = 300  # after the first window has been painted
STATE_MARK = {"done": "✓", "error": "!", "todo": "·"}


def _page_class(key: str) -> type[Page]:
    """The page of step ``key``: the Page subclass in ``dlwizard.gui.pages.<key>`` that names
    that step (a new step's page needs no list here)."""
    import importlib

    module = importlib.import_module(f"dlwizard.gui.pages.{key}")
    found = [
        c for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, Page) and getattr(c, "step", None) == key
    ]  # fmt: skip
    if len(found) != 1:
        raise RuntimeError(f"dlwizard.gui.pages.{key} must define one page for '{key}'")
    return found[0]


class Pages(Sequence[Page]):
    """The wizard's pages in the registry's order, each built (its module imported, its
    widgets made) the first time it is asked for: the first window shows at once instead of
    after all twelve pages. Until then an empty placeholder holds its place in the stack."""

    def __init__(self, window: MainWindow, stack: QStackedWidget) -> None:
        self._window = window
        self._stack = stack
        self._built: list[Page | None] = [None] * len(registry.ORDER)
        for _ in registry.ORDER:
            stack.addWidget(QWidget())

    def __len__(self) -> int:
        return len(self._built)

    @overload
    def __getitem__(self, index: int) -> Page: ...
    @overload
    def __getitem__(self, index: slice) -> list[Page]: ...
    def __getitem__(self, index: int | slice) -> Page | list[Page]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        page = self._built[index]
        if page is None:
            page = self._build(range(len(self))[index])
        return page

    def _build(self, index: int) -> Page:
        page = _page_class(registry.ORDER[index])(self._window)
        # Tab moves to the next field in the multi-line boxes too (a tab character in an
        # intended use or a reason is never what the user meant).
        for edit in page.findChildren(QPlainTextEdit) + page.findChildren(QTextEdit):
            edit.setTabChangesFocus(True)
        current = self._stack.currentIndex()
        placeholder = self._stack.widget(index)
        self._stack.insertWidget(index, page)
        self._stack.removeWidget(placeholder)
        placeholder.deleteLater()
        if current >= 0:
            self._stack.setCurrentIndex(current)
        self._built[index] = page
        page.refresh()
        return page

    def is_built(self, index: int) -> bool:
        return self._built[index] is not None

    def built(self) -> list[Page]:
        """The pages made so far (the others read the Study when they are first shown)."""
        return [p for p in self._built if p is not None]


class MainWindow(QMainWindow):
    project_changed = Signal()

    def __init__(self, project: Project | None = None) -> None:
        super().__init__()
        self.project = project or Project.new()
        self.jobs = Jobs(self)
        self.ask: Dialogs = QtDialogs(self)  # file and yes/no questions; tests replace it
        self.resize(1240, 820)
        self.setMinimumSize(900, 600)
        self._build_pages()
        self._build_footer()

        right = QVBoxLayout()
        right.setContentsMargins(0, 12, 16, 12)
        right.addLayout(self._build_head())
        right.addWidget(self.stack, 1)
        right.addWidget(self.progress)
        right.addLayout(self.foot)
        central = QWidget()
        lay = QHBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.steps)
        lay.addLayout(right, 1)
        self.setCentralWidget(central)
        self._build_menus()
        self.statusBar().showMessage("Ready")

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setInterval(AUTOSAVE_MS)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start()
        self.set_project(self.project)
        # The job runner (superqt) is imported just after the window is up, not at the first
        # click: imported then, beside a background import of torch, it froze the window for a
        # second.
        QTimer.singleShot(JOB_RUNNER_IMPORT_MS, self._import_job_runner)

    @staticmethod
    def _import_job_runner() -> None:
        import dlwizard.gui.workers  # noqa: F401

    # -- building -------------------------------------------------------------------------------
    def _build_pages(self) -> None:
        """The step list and the stack of pages, one per step of the registry, in its order
        (each page is made when it is first shown: :class:`Pages`)."""
        self.steps = QListWidget()
        self.steps.setObjectName("steps")
        self.steps.setFixedWidth(220)
        self.steps.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.steps.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.steps.currentRowChanged.connect(self._on_step_clicked)
        self.stack = QStackedWidget()
        self.pages = Pages(self, self.stack)
        for i, spec in enumerate(registry.STEPS, 1):
            item = QListWidgetItem(f"{i}  {spec.title}")
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            self.steps.addItem(item)

    def _build_head(self) -> QHBoxLayout:
        self.page_title = QLabel()
        self.page_title.setObjectName("pagetitle")
        self.page_tip = QLabel()
        self.page_tip.setObjectName("tip")
        head = QHBoxLayout()
        head.addWidget(self.page_title)
        head.addStretch(1)
        head.addWidget(self.page_tip)
        return head

    def _build_footer(self) -> None:
        """The progress panel, Back and Next, and what stops the user from going on."""
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
        self.foot = QHBoxLayout()
        self.foot.addWidget(self.back_button)
        self.foot.addWidget(self.blocker, 1)
        self.foot.addWidget(self.next_button)

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
        found = recent_files()
        if not found:
            a = self.recent_menu.addAction("No recent projects")
            a.setEnabled(False)
        for f in found:
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
        for page in self.pages.built():
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
        for i, spec in enumerate(registry.STEPS):
            item = self.steps.item(i)
            if self.project.errors(spec.key):
                state = "error"
            elif self.project.is_done(spec.key):
                state = "done"
            else:
                state = "todo"
            item.setText(f"{STATE_MARK[state]}  {i + 1}  {spec.title}")
        name = self.project.study.name
        where = f" — {self.project.path.name}" if self.project.path else ""
        self.setWindowTitle(f"{name}{where}[*] — dlwizard")
        self.setWindowModified(self.project.dirty)
        s = self.project.study
        self.predict_action.setEnabled(s.compare is not None and s.compare.final is not None)
        self.update_footer()

    def update_footer(self) -> None:
        """Back, Next and the reason Next is disabled; nothing moves while a job runs."""
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

    # -- navigation -----------------------------------------------------------------------------
    def page_index(self, step: str) -> int:
        return registry.ORDER.index(step)

    def go_next(self) -> None:
        if self.next_button.isEnabled() and self.next_button.isVisible():
            self.go_to(self.stack.currentIndex() + 1)

    def go_back(self) -> None:
        if self.back_button.isEnabled():
            self.go_to(self.stack.currentIndex() - 1)

    def go_to(self, where: int | str) -> None:
        """Show a page, by its step key ("baselines") or its index in the step list."""
        index = self.page_index(where) if isinstance(where, str) else where
        if not 0 <= index < len(self.pages) or self.job is not None:
            return
        first_visit = not self.pages.is_built(index)
        page = self.pages[index]  # made (and filled from the Study) on the first visit
        self.stack.setCurrentIndex(index)
        if not first_visit:
            page.refresh()
        self.page_title.setText(page.title)
        self.page_tip.setText(page.tips)
        self.steps.blockSignals(True)
        self.steps.setCurrentRow(index)
        self.steps.blockSignals(False)
        self.update_footer()
        page.on_enter()

    def _on_step_clicked(self, row: int) -> None:
        self.go_to(row)

    def current_page(self) -> Page:
        return self.pages[self.stack.currentIndex()]

    # -- jobs (gui/jobs.py) ---------------------------------------------------------------------
    @property
    def job(self) -> JobWorker | None:
        """The running job, None when idle."""
        return self.jobs.current

    def run_job(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> JobWorker:
        """Run ``fn`` in a worker thread: see :meth:`dlwizard.gui.jobs.Jobs.run`."""
        return self.jobs.run(fn, *args, **kwargs)

    def cancel_job(self) -> None:
        self.jobs.cancel()

    # -- File and Report menus (gui/actions/) ---------------------------------------------------
    def maybe_keep_changes(self) -> bool:
        return files.maybe_keep_changes(self)

    def new_project(self) -> None:
        files.new_project(self)

    def open_project(self, path: str | Path | None = None) -> bool:
        return files.open_project(self, path)

    def save(self) -> bool:
        return files.save(self)

    def save_as(self, path: str | Path | None = None) -> bool:
        return files.save_as(self, path)

    def ask_new_password(self) -> bool:
        return files.ask_new_password(self)

    def autosave(self) -> None:
        files.autosave(self)

    def offer_recovery(self) -> bool:
        return files.offer_recovery(self)

    def export_report(self, path: str | Path | None = None) -> Path | None:
        return export.export_report(self, path)

    def export_plan(self, path: str | Path | None = None) -> bool:
        return export.export_plan(self, path)

    def export_model(self, folder: str | Path | None = None) -> list[Path] | None:
        return export.export_model(self, folder)

    def predict_new(
        self, source: str | Path | None = None, out: str | Path | None = None
    ) -> JobWorker | None:
        return export.predict_new(self, source, out)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.job is not None:
            self.cancel_job()
        if not self.maybe_keep_changes():
            event.ignore()
            return
        if "dlwizard.gui.workers" in sys.modules:  # a job has run: stop every worker thread
            sys.modules["dlwizard.gui.workers"].cancel_all()
        self.autosave_timer.stop()
        files.discard_recovery(self)
        event.accept()
