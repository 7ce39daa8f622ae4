"""Start the wizard: the window first (fast), then the project or demo in the background."""

from __future__ import annotations

import sys
from pathlib import Path


def create_app():
    from PySide6.QtWidgets import QApplication

    from dlwizard.gui.style import STYLE
    from dlwizard.resources import resource

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("dlwizard")
    app.setOrganizationName("dlwizard")
    app.setStyle("Fusion")
    app.setStyleSheet(STYLE)
    icon = resource("icons", "dlwizard.svg")
    if icon.exists():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    return app


def run_gui(project_path: Path | None = None, demo: bool = False) -> int:
    app = create_app()
    from dlwizard.gui.main_window import MainWindow

    window = MainWindow()
    window.show()
    app.processEvents()
    if project_path is not None:
        window.open_project(project_path)
    elif not window.offer_recovery() and demo:
        load_demo(window)
    return app.exec()


def load_demo(window) -> None:
    from dlwizard.demo import demo_project

    window.run_job(
        demo_project,
        message="Loading the demo study…",
        on_done=lambda project: (window.set_project(project), window.go_to(0)),
        on_error=lambda exc, tb: window.ask.error("Cannot load the demo", str(exc)),
    )
