"""Every question the window asks the user, behind one interface.

:class:`Dialogs` is what the window and the pages call (``window.ask``); :class:`QtDialogs` asks
with Qt's dialogs, and the tests answer with a fake (``FakeDialogs`` in tests/gui/conftest.py)
that satisfies the same protocol (tests/gui/test_dialogs.py checks both against it).
"""

from __future__ import annotations

from typing import Literal, Protocol

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

UnsavedAnswer = Literal["save", "discard", "cancel"]


class Dialogs(Protocol):
    """The questions; an empty answer ("" or []) always means the user cancelled."""

    def open_file(self, title: str, filters: str) -> str:
        """A file to read."""
        ...

    def open_files(self, title: str, filters: str) -> list[str]:
        """Several files to read."""
        ...

    def open_folder(self, title: str) -> str:
        """A folder to read (a folder of images with one sub-folder per class)."""
        ...

    def save_file(self, title: str, suggested: str, filters: str) -> str:
        """Where to write (a file or, with no filters, a new folder)."""
        ...

    def error(self, title: str, text: str) -> None:
        """Something could not be done (a warning box)."""
        ...

    def info(self, title: str, text: str) -> None:
        """Something was done (an information box)."""
        ...

    def confirm(self, title: str, text: str) -> bool:
        """Go on with something that cannot be undone? (Cancel is the default.)"""
        ...

    def password(self, title: str, text: str) -> str:
        """A password, typed hidden."""
        ...

    def text(self, title: str, text: str) -> str:
        """A typed answer (e.g. a justification), stripped."""
        ...

    def unsaved_changes(self, name: str) -> UnsavedAnswer:
        """The project has unsaved changes: save them, discard them, or cancel?"""
        ...

    def restore_recovery(self, name: str, modified: str) -> bool:
        """A recovery copy from a run that did not end normally: restore it?"""
        ...


class QtDialogs:
    """:class:`Dialogs` with Qt's file dialogs, message boxes and input dialogs."""

    def __init__(self, parent: QWidget) -> None:
        self.parent = parent

    def open_file(self, title: str, filters: str) -> str:
        return QFileDialog.getOpenFileName(self.parent, title, "", filters)[0]

    def open_files(self, title: str, filters: str) -> list[str]:
        return QFileDialog.getOpenFileNames(self.parent, title, "", filters)[0]

    def open_folder(self, title: str) -> str:
        return QFileDialog.getExistingDirectory(self.parent, title, "")

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
        from PySide6.QtWidgets import QInputDialog

        value, ok = QInputDialog.getMultiLineText(self.parent, title, text)
        return value.strip() if ok else ""

    def unsaved_changes(self, name: str) -> UnsavedAnswer:
        box = QMessageBox(self.parent)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved changes")
        box.setText(f"Save the changes to “{name}” first?")
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        answer = QMessageBox.StandardButton(box.exec())
        if answer == QMessageBox.StandardButton.Save:
            return "save"
        if answer == QMessageBox.StandardButton.Discard:
            return "discard"
        return "cancel"

    def restore_recovery(self, name: str, modified: str) -> bool:
        answer = QMessageBox.question(
            self.parent,
            "Recover unsaved work?",
            f"dlwizard did not close normally last time. A recovery copy of “{name}” "
            f"(last changed {modified}) was found. Restore it?",
        )
        return answer == QMessageBox.StandardButton.Yes
