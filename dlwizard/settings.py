"""Where dlwizard keeps its own files (settings, recent files, recovery copies).

``DLWIZARD_HOME`` overrides the location; the tests set it so they never touch a real home.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

MAX_RECENT = 10


def app_home() -> Path:
    override = os.environ.get("DLWIZARD_HOME")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "dlwizard"


def recovery_dir() -> Path:
    return app_home() / "recovery"


def _settings_path() -> Path:
    return app_home() / "settings.json"


def load_settings() -> dict[str, Any]:
    try:
        doc = json.loads(_settings_path().read_text("utf-8"))
        return doc if isinstance(doc, dict) else {}
    except (OSError, ValueError):
        return {}


def save_settings(doc: dict[str, Any]) -> None:
    path = _settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".settings.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _recent_list(doc: dict[str, Any]) -> list[str]:
    files = doc.get("recent_files")
    return [f for f in files if isinstance(f, str)] if isinstance(files, list) else []


def recent_files() -> list[str]:
    return [f for f in _recent_list(load_settings()) if Path(f).exists()]


def add_recent_file(path: str | Path) -> list[str]:
    doc = load_settings()
    path = str(Path(path).resolve())
    files = [f for f in _recent_list(doc) if f != path]
    doc["recent_files"] = [path, *files][:MAX_RECENT]
    save_settings(doc)
    return doc["recent_files"]
