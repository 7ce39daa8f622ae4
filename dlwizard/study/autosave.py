"""Recovery copies: written in the background while the user works, offered after a crash.

A recovery copy is an ordinary project file named after the study's id in the recovery folder.
It is removed when the project is saved or closed normally, so a copy that is still there at
start-up means the program did not exit cleanly.

The copy of an encrypted project is encrypted with the project's key, like the project file; a
sensitive project without a password gets no copy at all (never a plaintext one). Listing
copies reads an encrypted copy's name with the key from the keychain; without it the copy is
listed as an "encrypted study", and ``restore`` asks for the password.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dlwizard.errors import ProjectFileError
from dlwizard.settings import recovery_dir
from dlwizard.study import container
from dlwizard.study.crypto import PasswordRequired
from dlwizard.study.project import Project


@dataclass
class RecoveryCopy:
    path: Path
    study_name: str
    modified: str
    original: str | None
    encrypted: bool = False


ENCRYPTED_NAME = "encrypted study"


def recovery_path(project: Project) -> Path:
    return recovery_dir() / f"{project.study.id}{container.SUFFIX}"


def write_recovery(project: Project) -> Path:
    """Save a recovery copy without changing the project's own path or dirty flag.

    Encrypted when the project is. A sensitive project without a key raises EncryptionRequired
    and an older plaintext copy of it is removed.
    """
    target = recovery_path(project)
    try:
        key = container.encryption_for_saving(project)
    except ProjectFileError:
        target.unlink(missing_ok=True)
        raise
    members = container.project_members(project)
    # Remember where the real file lives so recovery can offer to save back there.
    original = str(project.path) if project.path else ""
    members["recovery.json"] = json.dumps({"original": original}).encode("utf-8")
    container.write_members(
        target,
        members,
        key=key,
        project_id=project.study.id,
        verify=lambda tmp: container.verify_saved(tmp, project, key, tables=False),
    )
    return target


def discard_recovery(project: Project) -> None:
    recovery_path(project).unlink(missing_ok=True)


def find_recovery_copies() -> list[RecoveryCopy]:
    folder = recovery_dir()
    if not folder.is_dir():
        return []
    copies = []
    for path in sorted(folder.glob(f"*{container.SUFFIX}")):
        encrypted = container.is_encrypted(path)
        try:
            # Keychain only: listing never asks for a password.
            members, _ = container.read_container(path, only={"study.json", "recovery.json"})
            study = json.loads(members["study.json"])
            original = json.loads(members.get("recovery.json", b"{}")).get("original")
        except PasswordRequired:
            mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            study = {"name": ENCRYPTED_NAME, "modified": mtime.isoformat(timespec="seconds")}
            original = None
        except Exception:
            continue  # a damaged recovery copy is skipped, never fatal
        copies.append(
            RecoveryCopy(
                path=path,
                study_name=str(study.get("name", "?")),
                modified=str(study.get("modified", "")),
                original=original or None,
                encrypted=encrypted,
            )
        )
    return copies


def restore(copy: RecoveryCopy, password: str | None = None) -> Project:
    """Open a recovery copy (an encrypted one with the keychain's key, else ``password``:
    PasswordRequired / WrongPassword as for ``container.load``)."""
    members, key = container.read_container(copy.path, password)
    project = container.project_from_members(members, copy.path)
    project.encryption = key
    try:
        original = json.loads(members.get("recovery.json", b"{}")).get("original")
    except (ValueError, AttributeError):
        original = copy.original
    if key is not None:
        from dlwizard.study import crypto

        crypto.remember_key(project)
    project.path = Path(original) if original else None
    project.dirty = True
    project.audit("recovered-after-crash", recovery_copy=str(copy.path))
    return project
