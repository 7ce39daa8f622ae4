"""Shared fixtures. Tests never touch the user's real home or keychain, and need no display."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("DLWIZARD_SHARED_DATA", ROOT.parent / "shared" / "data"))
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("dlwizard-home")
    monkeypatch.setenv("DLWIZARD_HOME", str(home))
    return home


class MemoryKeyring(KeyringBackend):
    """A keychain that lives in a dict: what the tests use instead of the user's keychain."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise PasswordDeleteError("no such entry") from None


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    """Every test gets a fresh in-memory keychain; the real one is never touched.

    Subprocesses (the CLI tests) see PYTHON_KEYRING_BACKEND=null: no keychain, password only.
    """
    import keyring.core

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.delenv("DLWIZARD_KEYCHAIN", raising=False)
    saved = keyring.core._keyring_backend  # private, but the only way to put it back as it was
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.core._keyring_backend = saved


@pytest.fixture(autouse=True)
def _no_leftover_threads():
    before = {t.ident for t in threading.enumerate()}
    yield
    leftover = [
        t for t in threading.enumerate() if t.ident not in before and t.is_alive() and not t.daemon
    ]
    assert not leftover, f"threads outlived the test: {[t.name for t in leftover]}"


@pytest.fixture(autouse=True)
def _every_saved_project_reopens(monkeypatch):
    """Every project any test saves is opened again at once, as the user would open it, and
    must hold what was saved: the Study, the tables, the stored results, the log."""
    import pandas.testing as pdt

    from dlwizard.study import container

    original = container.save

    def save_and_reopen(project, path=None, **kwargs):
        target = original(project, path, **kwargs)
        members, _ = container.read_container(target, key=project.encryption, remember=False)
        back = container.project_from_members(members, target)
        assert back.study.model_dump_json() == project.study.model_dump_json()
        assert [e.to_json() for e in back.log] == [e.to_json() for e in project.log]
        assert sorted(back.frames) == sorted(project.frames)
        assert back.models == project.models
        if project.table is not None:
            pdt.assert_frame_equal(back.table, project.table)
        return target

    monkeypatch.setattr(container, "save", save_and_reopen)


def shared(*parts: str) -> Path:
    """A file in ../shared/data, or skip the test with the reason."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the shared data set {path} (../shared/data is not here)")
    return path
