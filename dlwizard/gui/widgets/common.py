"""Small building blocks: help text beside fields, findings, progress with cancel."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from dlwizard.study.model import Finding

SEVERITY_STYLE = {
    "error": ("#b3261e", "#fdecea", "Must fix"),
    "warning": ("#8a5a00", "#fff4e0", "Check"),
    "info": ("#1f5f99", "#eaf2fb", "Note"),
}


class HelpLabel(QLabel):
    """Plain-language help under a field: why the answer matters."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("help")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setOpenExternalLinks(False)


def field_with_help(form, label: str, widget: QWidget, help_text: str) -> QWidget:
    """Add a form row whose field has its help text right beneath it; returns the field box."""
    box = QWidget()
    lay = QVBoxLayout(box)
    lay.setContentsMargins(0, 0, 0, 4)
    lay.setSpacing(2)
    lay.addWidget(widget)
    lay.addWidget(HelpLabel(help_text))
    form.addRow(f"<b>{label}</b>", box)
    return box


def read_only_table(columns: list[str], min_height: int = 120) -> QTableWidget:
    """A table of results: no row numbers, not editable, the last column filling the width."""
    t = QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(columns)
    t.verticalHeader().hide()
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.setWordWrap(True)
    t.horizontalHeader().setStretchLastSection(True)
    t.setMinimumHeight(min_height)
    return t


class SectionTitle(QLabel):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("section")
        self.setWordWrap(True)  # a long title wraps in a narrow column instead of widening it


class Collapsible(QWidget):
    """A titled section that opens and closes (closed sections keep the main action in view).

    ``content`` holds the section's widgets; ``summary`` is a short line shown beside the
    title (e.g. the settings in force), so a closed section still says what it holds.
    """

    toggled = Signal(bool)

    def __init__(self, title: str, parent: QWidget | None = None, opened: bool = False) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        self.button = QToolButton()
        self.button.setObjectName("collapsible")
        self.button.setText(title)
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.button.toggled.connect(self.set_open)
        self.summary = QLabel("")
        self.summary.setObjectName("help")
        self.summary.setWordWrap(True)
        head.addWidget(self.button)
        head.addWidget(self.summary, 1)
        lay.addLayout(head)
        self.content = QFrame()
        self.content.setObjectName("collapsiblebody")
        lay.addWidget(self.content)
        self.set_open(opened)

    def set_open(self, opened: bool) -> None:
        if self.button.isChecked() != opened:
            self.button.setChecked(opened)  # calls back here once
            return
        self.button.setArrowType(Qt.ArrowType.DownArrow if opened else Qt.ArrowType.RightArrow)
        self.content.setVisible(opened)
        self.toggled.emit(opened)

    def is_open(self) -> bool:
        return self.button.isChecked()

    def set_summary(self, text: str) -> None:
        self.summary.setText(text)


def plain_time(iso: str) -> str:
    """An ISO time stamp as people write it, "28 Nov 2026, 23:15 UTC" (the text unchanged when
    it is not a time stamp)."""
    try:
        t = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso
    zone = ""
    if t.tzinfo is not None:
        t, zone = t.astimezone(UTC), " UTC"
    return f"{t.day} {t.strftime('%b %Y, %H:%M')}{zone}"


def model_name(project, key: str | None) -> str:
    """The plain name of a model key such as "baseline:logistic" or "network:mlp_small"."""
    if not key:
        return ""
    s = project.study
    if s.compare is not None:
        known = [s.compare.final] if s.compare.final is not None else []
        for c in [*known, *s.compare.candidates]:
            if c.key == key:
                return c.name
    family = key.partition(":")[2] or key
    for r in s.baselines.results if s.baselines is not None else []:
        if r.key == family:
            return r.name
    for r in s.networks.rungs if getattr(s, "networks", None) is not None else []:
        if r.key == family:
            return f"Network: {r.name}"
    return family.replace("_", " ")


MAX_COLUMN_LINKS = 8


class FindingCard(QFrame):
    """One finding. With ``link_columns``, the columns it names are links ("Show in the table:
    'age', 'site'"), and a click anywhere else on the card shows the first of them:
    :attr:`column_clicked` says which."""

    column_clicked = Signal(str)

    def __init__(
        self, finding: Finding, parent: QWidget | None = None, link_columns: bool = False
    ) -> None:
        super().__init__(parent)
        fg, bg, word = SEVERITY_STYLE[finding.severity]
        self.finding = finding
        self.setObjectName("finding")
        self.setStyleSheet(
            f"QFrame#finding {{ background: {bg}; border-left: 4px solid {fg}; "
            "border-radius: 4px; }"
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.setSpacing(2)
        # The finding's code is for the command line and docs/warnings.md, not for the card.
        head = QLabel(f"<b style='color:{fg}'>{word}</b>")
        msg = QLabel(finding.message)
        msg.setWordWrap(True)
        msg.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(head)
        lay.addWidget(msg)
        if finding.fix:
            fix = QLabel(f"<i>What to do:</i> {finding.fix}")
            fix.setWordWrap(True)
            fix.setObjectName("help")
            lay.addWidget(fix)
        self.links: QLabel | None = None
        if link_columns and finding.columns:
            self.links = QLabel(column_links(finding.columns))
            self.links.setObjectName("help")
            self.links.setWordWrap(True)
            self.links.setTextInteractionFlags(
                Qt.TextInteractionFlag.LinksAccessibleByMouse
                | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
            )
            self.links.linkActivated.connect(self._link)
            lay.addWidget(self.links)
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            msg.setCursor(Qt.CursorShape.IBeamCursor)
            self.setToolTip(f"Click to show '{finding.columns[0]}' in the table")

    def _link(self, href: str) -> None:
        if href.isdigit() and int(href) < len(self.finding.columns):
            self.column_clicked.emit(self.finding.columns[int(href)])

    def mousePressEvent(self, event) -> None:
        if self.links is not None and event.button() == Qt.MouseButton.LeftButton:
            event.accept()  # the release then comes here
            return
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if (
            self.links is not None
            and event.button() == Qt.MouseButton.LeftButton
            and self.rect().contains(event.position().toPoint())
        ):
            self.column_clicked.emit(self.finding.columns[0])
            event.accept()
            return
        super().mouseReleaseEvent(event)


def column_links(columns: list[str], limit: int = MAX_COLUMN_LINKS) -> str:
    """ "Show in the table: 'a', 'b' and 3 more", each name a link whose target is its index."""
    links = [f"<a href='{i}'>{html.escape(str(c))}</a>" for i, c in enumerate(columns[:limit])]
    more = len(columns) - limit
    return "Show in the table: " + ", ".join(links) + (f" and {more} more" if more > 0 else "")


class FindingsPanel(QWidget):
    """The checks of one or more steps, most severe first.

    With ``link_columns`` set, findings that name columns link to them, and
    :attr:`column_clicked` says which column the user asked to see (a page with a table of
    columns shows it; other pages leave it off)."""

    column_clicked = Signal(str)

    def __init__(
        self, parent: QWidget | None = None, empty_text: str = "", link_columns: bool = False
    ) -> None:
        super().__init__(parent)
        self.link_columns = link_columns
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(6)
        self._empty = QLabel(empty_text)
        self._empty.setObjectName("help")
        self._empty.setWordWrap(True)
        self._lay.addWidget(self._empty)
        self.cards: list[FindingCard] = []

    def set_findings(self, findings: list[Finding]) -> None:
        for card in self.cards:
            self._lay.removeWidget(card)
            card.hide()  # deleteLater only acts on the next event loop pass; never show stale
            card.deleteLater()
        order = {"error": 0, "warning": 1, "info": 2}
        self.cards = [
            FindingCard(f, self, link_columns=self.link_columns)
            for f in sorted(findings, key=lambda f: order[f.severity])
        ]
        for card in self.cards:
            card.column_clicked.connect(self.column_clicked)
            self._lay.addWidget(card)
        self._empty.setVisible(not self.cards and bool(self._empty.text()))

    def codes(self) -> list[str]:
        return [c.finding.code for c in self.cards]


class ProgressPanel(QWidget):
    """Progress bar, message, elapsed and remaining time, and a Cancel button."""

    cancel_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.label = QLabel("")
        self.label.setMinimumWidth(260)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_requested)
        lay.addWidget(self.bar, 2)
        lay.addWidget(self.label, 3)
        lay.addWidget(self.cancel_button)
        self._start = time.monotonic()
        self.hide()

    def begin(self, message: str) -> None:
        self._start = time.monotonic()
        self.bar.setValue(0)
        self.label.setText(message)
        self.cancel_button.setEnabled(True)
        self.show()

    def update_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        elapsed = time.monotonic() - self._start
        text = message
        if 0.05 < fraction < 1.0 and elapsed > 2:
            left = elapsed * (1 - fraction) / fraction
            text += f"  ·  {elapsed:.0f} s elapsed, about {left:.0f} s left"
        self.label.setText(text)

    def end(self) -> None:
        self.hide()


def run_in_steps(steps, parent: QWidget | None = None, on_done=None):
    """Advance a generator one step per event-loop pass (long drawing without freezing).

    The timer is started again after each step: its next turn then comes after every timer
    that fell due during the step (a zero-delay timer re-armed before the step would come
    first again, and several steps would run before any other timer of the window)."""
    from PySide6.QtCore import QTimer

    timer = QTimer(parent)
    timer.setInterval(0)

    def tick() -> None:
        try:
            next(steps)
        except StopIteration:
            timer.stop()
            timer.deleteLater()
            if on_done is not None:
                on_done()
            return
        if timer.isActive():  # not stopped by the step itself
            timer.start()

    timer.timeout.connect(tick)
    timer.start()
    return timer


def when_imported(module: str, then, parent: QWidget | None = None) -> None:
    """Import ``module`` and call ``then``. The import runs in the GUI thread: imported in a
    background thread, pyqtgraph (which touches Qt as it loads) could crash the app when the
    user quit while it was loading (seen as a segfault in tests/gui/test_quit_early.py)."""
    import importlib

    importlib.import_module(module)
    then()
