"""File menu: new, open, save, save as; the password of a sensitive project; autosave and the
recovery copy of a session that did not end normally."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dlwizard.errors import DlwizardError
from dlwizard.study.project import Project

if TYPE_CHECKING:
    from dlwizard.gui.main_window import MainWindow


def maybe_keep_changes(window: MainWindow) -> bool:
    """Ask about unsaved changes. True when it is fine to replace the project."""
    if not window.project.dirty:
        return True
    answer = window.ask.unsaved_changes(window.project.study.name)
    if answer == "save":
        return save(window)
    return answer == "discard"


def new_project(window: MainWindow) -> None:
    if window.job is None and maybe_keep_changes(window):
        discard_recovery(window)
        window.set_project(Project.new())
        window.go_to(0)


def open_project(window: MainWindow, path: str | Path | None = None) -> bool:
    from dlwizard.settings import add_recent_file

    if window.job is not None or not maybe_keep_changes(window):
        return False
    if path is None:
        path = window.ask.open_file("Open project", "dlwizard projects (*.dlwiz);;All files (*)")
        if not path:
            return False
    try:
        project = _load_with_password(window, path)
        if project is None:
            return False
    except DlwizardError as exc:
        window.ask.error(
            "Cannot open the project", str(exc) + "\nThe current project is unchanged."
        )
        return False
    discard_recovery(window)
    window.set_project(project)
    add_recent_file(project.path or path)
    window.statusBar().showMessage(f"Opened {path}", 5000)
    window.go_to(0)
    return True


def _load_with_password(window: MainWindow, path: str | Path) -> Project | None:
    """Load a project; an encrypted one without its key in the keychain asks for the password
    (None: the user cancelled)."""
    from dlwizard.study import container
    from dlwizard.study.crypto import PasswordRequired, WrongPassword

    try:
        return container.load(path)
    except PasswordRequired:
        pass
    prompt = f"“{Path(path).name}” is encrypted. Enter its password:"
    while True:
        password = window.ask.password("Encrypted project", prompt)
        if not password:
            return None
        try:
            return container.load(path, password=password)
        except WrongPassword:
            prompt = "That password is not right. Try again (nothing was changed):"


def save(window: MainWindow) -> bool:
    if window.project.path is None:
        return save_as(window)
    return _save_to(window, window.project.path)


def save_as(window: MainWindow, path: str | Path | None = None) -> bool:
    if path is None:
        suggested = (window.project.study.name or "study").replace("/", "-") + ".dlwiz"
        path = window.ask.save_file("Save project", suggested, "dlwizard projects (*.dlwiz)")
        if not path:
            return False
    return _save_to(window, Path(path))


def _save_to(window: MainWindow, path: Path) -> bool:
    from dlwizard.settings import add_recent_file
    from dlwizard.study import container
    from dlwizard.study.crypto import EncryptionRequired

    if needs_password(window) and not ask_new_password(window):
        return False
    try:
        window.project.audit("saved", path=str(path))
        target = container.save(window.project, path)
    except EncryptionRequired as exc:
        window.ask.error("Cannot save the project", str(exc))
        return False
    except DlwizardError as exc:
        window.ask.error("Cannot save the project", str(exc))
        return False
    discard_recovery(window)
    add_recent_file(target)
    window.statusBar().showMessage(f"Saved to {target}", 5000)
    window.after_change()
    return True


# -- passwords ----------------------------------------------------------------------------------
def needs_password(window: MainWindow) -> bool:
    from dlwizard.study import crypto

    return crypto.must_encrypt(window.project) and window.project.encryption is None


def ask_new_password(window: MainWindow) -> bool:
    """A sensitive project is saved only encrypted: ask for its password (twice)."""
    from dlwizard.study import crypto

    prompt = (
        "This project holds sensitive data, so it is saved encrypted. Choose a password "
        "(at least 8 characters); keep it safe: without it (or this computer's keychain) "
        "the project cannot be opened."
    )
    while True:
        first = window.ask.password("Set the project's password", prompt)
        if not first:
            return False
        second = window.ask.password("Set the project's password", "Type the password again:")
        if first != second:
            prompt = "The two passwords differ. Choose the password again:"
            continue
        try:
            crypto.enable(window.project, first)
        except DlwizardError as exc:
            prompt = f"{exc} Choose another password:"
            continue
        return True


# -- autosave and recovery ----------------------------------------------------------------------
def autosave(window: MainWindow) -> None:
    from dlwizard.study.autosave import write_recovery

    if window.project.dirty and window.job is None:
        if needs_password(window):
            # Never a plaintext copy of sensitive data; the password is asked on saving.
            window.statusBar().showMessage(
                "Autosave paused: set the project's password (File > Save) to protect it.",
                8000,
            )
            return
        try:
            write_recovery(window.project)
        except (OSError, DlwizardError) as exc:
            window.statusBar().showMessage(f"Autosave failed: {exc}", 8000)


def discard_recovery(window: MainWindow) -> None:
    from dlwizard.study.autosave import discard_recovery as discard

    discard(window.project)


def offer_recovery(window: MainWindow) -> bool:
    from dlwizard.study.autosave import find_recovery_copies, restore

    copies = find_recovery_copies()
    if not copies:
        return False
    copy = copies[-1]
    if not window.ask.restore_recovery(copy.study_name, copy.modified):
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
            password = window.ask.password("Encrypted recovery copy", prompt)
            if not password:
                return False  # kept on disk: it can be recovered at the next start
            try:
                project = restore(copy, password)
            except WrongPassword:
                prompt = "That password is not right. Try again (nothing was changed):"
    except DlwizardError as exc:
        window.ask.error("Cannot recover the project", str(exc))
        return False
    window.set_project(project)
    copy.path.unlink(missing_ok=True)
    return True
