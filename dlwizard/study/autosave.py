"""Recovery copies: written in the background while the user works, offered after a crash.

A recovery copy is an ordinary project file named after the study's id in the recovery folder.
It is removed when the project is saved or closed normally, so a copy that is still there at
start-up means the program did not exit cleanly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from dlwizard.settings import recovery_dir
from dlwizard.study import container
from dlwizard.study.project import Project


@dataclass
class RecoveryCopy:
    path: Path
    study_name: str
    modified: str
    original: str | None


def recovery_path(project: Project) -> Path:
    return recovery_dir() / f"{project.study.id}{container.SUFFIX}"


def write_recovery(project: Project) -> Path:
    """Save a recovery copy without changing the project's own path or dirty flag."""
    target = recovery_path(project)
    members = container.project_members(project)
    # Remember where the real file lives so recovery can offer to save back there.
    original = str(project.path) if project.path else ""
    members["recovery.json"] = json.dumps({"original": original}).encode("utf-8")
    container.write_members(target, members)
    return target


def discard_recovery(project: Project) -> None:
    recovery_path(project).unlink(missing_ok=True)


def find_recovery_copies() -> list[RecoveryCopy]:
    folder = recovery_dir()
    if not folder.is_dir():
        return []
    copies = []
    for path in sorted(folder.glob(f"*{container.SUFFIX}")):
        try:
            members = container.read_members(path)
            study = json.loads(members["study.json"])
            original = json.loads(members.get("recovery.json", b"{}")).get("original")
        except Exception:
            continue  # a damaged recovery copy is skipped, never fatal
        copies.append(
            RecoveryCopy(
                path=path,
                study_name=str(study.get("name", "?")),
                modified=str(study.get("modified", "")),
                original=original or None,
            )
        )
    return copies


def restore(copy: RecoveryCopy) -> Project:
    project = container.load(copy.path)
    project.path = Path(copy.original) if copy.original else None
    project.dirty = True
    project.audit("recovered-after-crash", recovery_copy=str(copy.path))
    return project
