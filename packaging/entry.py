"""Entry point of the frozen (PyInstaller) dlwizard app.

What a frozen windowed app needs before dlwizard runs:

- ``multiprocessing.freeze_support()`` first, so that a child process started by a library
  (should one ever be) runs its task instead of a second copy of the app;
- ``sys.stdout`` / ``sys.stderr`` are ``None`` in a windowed app on Windows (and when macOS
  starts the .app from the Finder): anything printed, warnings and tracebacks included, would
  then raise or vanish, so they go to a log file in the user's log folder instead;
- Python's logging, warnings and fatal-error tracebacks (faulthandler) go to the same log.

The log folder (``DLWIZARD_HOME/logs`` when that is set):

    Linux    $XDG_STATE_HOME/dlwizard/logs  (~/.local/state/dlwizard/logs)
    macOS    ~/Library/Logs/dlwizard
    Windows  %LOCALAPPDATA%\\dlwizard\\Logs
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

LOG_NAME = "dlwizard.log"
MAX_LOG_BYTES = 5 * 1024**2  # then the log is moved to dlwizard.log.1 at the next start


def log_dir() -> Path:
    override = os.environ.get("DLWIZARD_HOME")
    if override:
        return Path(override) / "logs"
    home = Path.home()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(home / "AppData" / "Local")
        return Path(base) / "dlwizard" / "Logs"
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / "dlwizard"
    base = os.environ.get("XDG_STATE_HOME") or str(home / ".local" / "state")
    return Path(base) / "dlwizard" / "logs"


def open_log():
    """The log file, opened for appending (line-buffered), or None if it cannot be written."""
    try:
        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        if path.exists() and path.stat().st_size > MAX_LOG_BYTES:
            os.replace(path, path.with_name(LOG_NAME + ".1"))
        stream = open(path, "a", encoding="utf-8", errors="backslashreplace", buffering=1)  # noqa: SIM115
    except OSError:
        return None
    os.environ["DLWIZARD_LOG_FILE"] = str(path)
    return stream


def setup_logging() -> None:
    import contextlib
    import datetime
    import faulthandler
    import logging

    log = open_log()
    if log is None:
        log = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  (nowhere to write)
    if sys.stdout is None:
        sys.stdout = log
    if sys.stderr is None:
        sys.stderr = log
    if sys.stdin is None:
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    with contextlib.suppress(OSError, ValueError, RuntimeError):
        faulthandler.enable(file=log)  # a hard crash (segfault) still leaves a traceback
    logging.basicConfig(
        level=logging.WARNING,  # libraries: warnings and errors only
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=[logging.StreamHandler(log)],
    )
    logging.captureWarnings(True)
    logger = logging.getLogger("dlwizard")
    logger.setLevel(logging.INFO)
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    logger.info("start %s (frozen=%s) argv=%s", stamp, getattr(sys, "frozen", False), sys.argv[1:])


def main() -> int:
    multiprocessing.freeze_support()
    setup_logging()
    from dlwizard.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    from dlwizard.cli import exit_cleanly

    exit_cleanly(main())
