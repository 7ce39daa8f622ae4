"""Fixtures that drive the real wizard offscreen; dialogs are answered by a fake."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from dlwizard.gui.dialogs import UnsavedAnswer


class FakeDialogs:
    """Answers the window's questions the way a test says; records errors shown. It satisfies
    ``dlwizard.gui.dialogs.Dialogs`` (tests/gui/test_dialogs.py checks it)."""

    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []
        self.open_answer = ""
        self.open_many: list[str] = []
        self.save_answer = ""
        self.unsaved_answer: UnsavedAnswer = "discard"
        self.restore_answer = True
        self.confirm_answer = True
        self.confirms: list[str] = []
        self.passwords: list[str] = []  # answered in order; "" = cancel
        self.text_answer = ""
        self.infos: list[tuple[str, str]] = []

    def open_file(self, title: str, filters: str) -> str:
        return self.open_answer

    def open_files(self, title: str, filters: str) -> list[str]:
        return list(self.open_many)

    def open_folder(self, title: str) -> str:
        return self.open_answer

    def save_file(self, title: str, suggested: str, filters: str) -> str:
        return self.save_answer

    def error(self, title: str, text: str) -> None:
        self.errors.append((title, text))

    def info(self, title: str, text: str) -> None:
        self.infos.append((title, text))

    def confirm(self, title: str, text: str) -> bool:
        self.confirms.append(title)
        return self.confirm_answer

    def password(self, title: str, text: str) -> str:
        return self.passwords.pop(0) if self.passwords else ""

    def text(self, title: str, text: str) -> str:
        return self.text_answer

    def unsaved_changes(self, name: str) -> UnsavedAnswer:
        return self.unsaved_answer

    def restore_recovery(self, name: str, modified: str) -> bool:
        return self.restore_answer


@pytest.fixture
def window(qtbot):
    from PySide6.QtCore import QThread, QThreadPool

    from dlwizard.gui.app import create_app
    from dlwizard.gui.main_window import MainWindow
    from dlwizard.gui.workers import active_jobs

    create_app()
    w = MainWindow()
    w.ask = FakeDialogs()
    qtbot.addWidget(w)
    w.resize(1200, 850)
    w.show()
    yield w
    if w.job is not None:
        w.cancel_job()
        qtbot.waitUntil(lambda: w.job is None, timeout=10_000)
    w.project.dirty = False
    w.close()
    import gc

    gc.collect()  # free Qt objects here, in the GUI thread, never inside a later worker
    # close() cancelled every job and waited for the thread pool (workers.cancel_all); a worker
    # that did not stop stays listed, and nothing else may be left running in the pool.
    assert not active_jobs(), "a worker thread outlived the test"
    assert QThreadPool.globalInstance().activeThreadCount() == 0, "the thread pool is busy"
    assert QThread.currentThread() is w.thread()


def wait_idle(qtbot, window, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: window.job is None, timeout=timeout)
