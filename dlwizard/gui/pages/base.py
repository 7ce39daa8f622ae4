"""What every wizard page has: a title, the tip it follows, an intro, findings, and jobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dlwizard.errors import DlwizardError
from dlwizard.gui.widgets.common import FindingsPanel, SectionTitle
from dlwizard.study import registry

if TYPE_CHECKING:
    from dlwizard.gui.main_window import MainWindow
    from dlwizard.gui.workers import JobWorker
    from dlwizard.study.project import Project


class Banner(QLabel):
    """An error the user must read, inline at the top of the page (never a blocking popup)."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("banner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text.replace("\n", "<br>"))
        self.show()


class Page(QWidget):
    step = ""  # the step's key; its title and tips come from the step registry
    title = ""
    tips = ""
    intro = ""

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.step:
            found = registry.spec(cls.step)
            cls.title, cls.tips = found.title, found.tips

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window_ = window
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = scroll = QScrollArea()  # pages bring a widget into view with it
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        body.setObjectName("pagebody")
        scroll.setWidget(body)
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(24, 16, 24, 24)
        self.body.setSpacing(10)
        intro = QLabel(self.intro)
        intro.setObjectName("intro")
        intro.setWordWrap(True)
        self.body.addWidget(intro)
        self.banner = Banner()
        self.body.addWidget(self.banner)
        self.findings_title = SectionTitle("Checks")
        self.findings = FindingsPanel(empty_text="No problems found so far.")

    def add_primary_button(self, text: str, slot, *, pinned: bool = False) -> QPushButton:
        """The page's main action, right-aligned under its settings. ``pinned``: below the
        scrolling part of the page instead, so it stays in view however long the settings are
        (with the hint, when given, on its left)."""
        row = QHBoxLayout()
        if pinned:
            row.setContentsMargins(24, 6, 24, 4)
            self.pinned_hint = QLabel()
            self.pinned_hint.setWordWrap(True)
            self.pinned_hint.setObjectName("intro")
            row.addWidget(self.pinned_hint, 1)
        else:
            row.addStretch(1)
        button = QPushButton(text)
        button.setObjectName("primary")
        button.clicked.connect(slot)
        row.addWidget(button)
        if pinned:
            self.layout().addLayout(row)
        else:
            self.body.addLayout(row)
        return button

    def add_status_label(self) -> QLabel:
        """A highlighted summary line (hidden until there is something to say)."""
        label = QLabel()
        label.setObjectName("status")
        label.setWordWrap(True)
        label.hide()
        self.body.addWidget(label)
        return label

    def add_findings_section(self) -> None:
        self.body.addWidget(self.findings_title)
        self.body.addWidget(self.findings)
        self.body.addStretch(1)  # spare height goes below the content, not between fields

    @property
    def project(self) -> Project:
        return self.window_.project

    # -- to be overridden -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Show what the Study holds."""

    def on_enter(self) -> None:
        """The user arrived on this page (after refresh)."""

    def problems(self) -> list[str]:
        """What stops the user from moving on (shown next to the Next button)."""
        return [f.message for f in self.project.errors(self.step)]

    # -- helpers --------------------------------------------------------------------------------
    def show_findings(self, *steps: str) -> None:
        found = [f for s in (steps or (self.step,)) for f in self.project.findings(s)]
        self.findings.set_findings(found)

    def run_job(
        self,
        fn: Callable[..., Any],
        *args: Any,
        message: str,
        on_done: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> JobWorker:
        """Run a step in a worker (:meth:`dlwizard.gui.jobs.Jobs.run`); its error is shown in
        this page's banner."""
        self.banner.hide()
        return self.window_.run_job(
            fn, *args, message=message, on_done=on_done, on_error=self.report_error, **kwargs
        )

    def report_error(self, exc: BaseException, tb: str = "") -> None:
        if isinstance(exc, DlwizardError):
            self.banner.show_error(str(exc))
        else:
            self.banner.show_error(
                f"Something unexpected went wrong: {type(exc).__name__}: {exc}\n"
                "Nothing was changed. Please report this with the steps that led to it."
            )
        self.window_.after_change()
