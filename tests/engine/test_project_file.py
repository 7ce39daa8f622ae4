"""The .dlwiz project file: round trip, atomic save, recovery copies and recent files."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pandas.testing as pdt
import pytest

from dlwizard import settings
from dlwizard.demo import DEMO_NAME, demo_project
from dlwizard.errors import ProjectFileError
from dlwizard.study import autosave, container
from dlwizard.study.project import Project


@pytest.fixture(scope="module")
def demo() -> Project:
    return demo_project()


def _log(project: Project) -> list[dict]:
    return [e.to_json() for e in project.log]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_demo_round_trip_keeps_study_table_and_log(demo, tmp_path):
    out = container.save(demo, tmp_path / "demo.dlwiz", mark_clean=False)
    again = container.load(out)
    assert again.study.model_dump() == demo.study.model_dump()
    assert again.study.model_dump_json() == demo.study.model_dump_json()
    pdt.assert_frame_equal(again.table, demo.table)
    assert _log(again) == _log(demo)
    assert again.path == out
    assert again.dirty is False


def test_second_round_trip_is_stable(demo, tmp_path):
    first = container.load(container.save(demo, tmp_path / "a.dlwiz", mark_clean=False))
    second = container.load(container.save(first, tmp_path / "b.dlwiz"))
    a = container.read_members(tmp_path / "a.dlwiz")
    b = container.read_members(tmp_path / "b.dlwiz")
    assert a == b  # the same members, byte for byte
    pdt.assert_frame_equal(second.table, demo.table)


def test_save_adds_the_suffix_and_marks_clean(tmp_path):
    project = Project.new("Plain")
    project.audit("edited", field="name")
    assert project.dirty
    out = container.save(project, tmp_path / "plain")
    assert out.name == "plain.dlwiz"
    assert project.path == out and project.dirty is False
    again = container.load(out)
    assert again.table is None
    assert [e.action for e in again.log] == ["project-created", "edited"]


def test_save_without_a_path_asks_for_save_as():
    with pytest.raises(ProjectFileError, match="no file name"):
        container.save(Project.new())


def test_manifest_records_schema_and_hashes(demo, tmp_path):
    out = container.save(demo, tmp_path / "demo.dlwiz", mark_clean=False)
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
    assert manifest["format"] == container.FORMAT
    assert manifest["schema_version"] == 1
    assert set(manifest["members"]) == names - {"manifest.json"}
    assert {"study.json", container.TABLE_MEMBER, "log.jsonl"} <= names


# -- atomic save ----------------------------------------------------------------------------------
class _Boom(OSError):
    pass


def _fail_on_second_member(monkeypatch):
    real = zipfile.ZipFile.writestr
    calls = {"n": 0}

    def writestr(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # manifest and study.json written, then the disk fills up
            raise _Boom(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", writestr)
    return calls


def test_failed_save_keeps_the_old_file_and_leaves_no_temp_files(demo, tmp_path, monkeypatch):
    target = tmp_path / "study.dlwiz"
    container.save(demo, target, mark_clean=False)
    before = target.read_bytes()
    changed = container.load(target)
    changed.study.name = "Changed after saving"
    changed.path = None
    changed.dirty = True
    calls = _fail_on_second_member(monkeypatch)
    with pytest.raises(ProjectFileError, match="could not be saved") as info:
        container.save(changed, target)
    assert calls["n"] == 3
    assert "unchanged" in str(info.value)
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []
    assert changed.dirty is True and changed.path is None  # not marked as saved
    monkeypatch.undo()
    assert container.load(target).study.name == DEMO_NAME


def test_interrupted_save_cleans_up_and_re_raises(demo, tmp_path, monkeypatch):
    target = tmp_path / "study.dlwiz"
    container.save(demo, target, mark_clean=False)
    before = target.read_bytes()

    def replace(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        container.save(demo, target, mark_clean=False)
    assert target.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    _fail_on_second_member(monkeypatch)
    project = Project.new("New")
    project.audit("edited")
    with pytest.raises(ProjectFileError):
        container.save(project, tmp_path / "new.dlwiz")
    assert list(tmp_path.iterdir()) == []


# -- recovery copies ------------------------------------------------------------------------------
def test_recovery_copy_round_trip(demo, tmp_path, _isolated_home):
    project = container.load(container.save(demo, tmp_path / "work.dlwiz", mark_clean=False))
    project.study.name = "Edited but not saved"
    project.audit("renamed", name=project.study.name)
    assert project.dirty
    copy_path = autosave.write_recovery(project)
    # Writing a recovery copy does not touch the project itself.
    assert project.path == tmp_path / "work.dlwiz" and project.dirty
    assert copy_path.parent == settings.recovery_dir()
    assert copy_path.is_relative_to(_isolated_home)
    assert copy_path.name == f"{project.study.id}{container.SUFFIX}"

    copies = autosave.find_recovery_copies()
    assert len(copies) == 1
    copy = copies[0]
    assert copy.path == copy_path
    assert copy.study_name == "Edited but not saved"
    assert copy.modified == project.study.modified
    assert copy.original == str(tmp_path / "work.dlwiz")

    restored = autosave.restore(copy)
    assert restored.path == tmp_path / "work.dlwiz"
    assert restored.dirty is True
    assert restored.study.name == "Edited but not saved"
    pdt.assert_frame_equal(restored.table, demo.table)
    assert _log(restored)[:-1] == _log(project)
    assert restored.log[-1].action == "recovered-after-crash"
    assert restored.log[-1].detail == {"recovery_copy": str(copy_path)}
    # The real file on disk is still the last saved one.
    assert container.load(tmp_path / "work.dlwiz").study.name == DEMO_NAME

    autosave.discard_recovery(restored)
    assert autosave.find_recovery_copies() == []
    autosave.discard_recovery(restored)  # a second discard is harmless


def test_recovery_of_a_never_saved_project(_isolated_home):
    project = Project.new("Never saved")
    autosave.write_recovery(project)
    (copy,) = autosave.find_recovery_copies()
    assert copy.original is None
    restored = autosave.restore(copy)
    assert restored.path is None and restored.dirty
    assert restored.table is None


def test_a_damaged_recovery_copy_is_skipped(_isolated_home):
    assert autosave.find_recovery_copies() == []  # no folder yet
    good = Project.new("Good")
    autosave.write_recovery(good)
    folder = settings.recovery_dir()
    (folder / f"damaged{container.SUFFIX}").write_bytes(b"PK\x03\x04 not really a zip")
    (folder / "notes.txt").write_text("not a project")
    copies = autosave.find_recovery_copies()
    assert [c.study_name for c in copies] == ["Good"]


def test_recovery_copies_of_two_projects(_isolated_home):
    a, b = Project.new("A"), Project.new("B")
    autosave.write_recovery(a)
    autosave.write_recovery(b)
    autosave.write_recovery(a)  # a later autosave replaces the earlier copy
    assert sorted(c.study_name for c in autosave.find_recovery_copies()) == ["A", "B"]
    autosave.discard_recovery(a)
    assert [c.study_name for c in autosave.find_recovery_copies()] == ["B"]


# -- settings and recent files --------------------------------------------------------------------
def test_app_home_is_the_test_home(_isolated_home):
    assert settings.app_home() == _isolated_home
    assert settings.recovery_dir() == _isolated_home / "recovery"
    assert settings.load_settings() == {}
    assert settings.recent_files() == []


def test_recent_files_most_recent_first_without_repeats(tmp_path, _isolated_home):
    files = []
    for i in range(3):
        f = tmp_path / f"p{i}.dlwiz"
        f.write_bytes(b"")
        files.append(f)
        settings.add_recent_file(f)
    settings.add_recent_file(files[0])
    expected = [str(files[0].resolve()), str(files[2].resolve()), str(files[1].resolve())]
    assert settings.recent_files() == expected
    stored = json.loads((_isolated_home / "settings.json").read_text("utf-8"))
    assert stored["recent_files"] == expected
    assert [p.name for p in _isolated_home.iterdir()] == ["settings.json"]  # no temp files


def test_recent_files_are_capped_and_vanished_files_hidden(tmp_path):
    paths = []
    for i in range(settings.MAX_RECENT + 3):
        f = tmp_path / f"p{i:02d}.dlwiz"
        f.write_bytes(b"")
        paths.append(f)
        settings.add_recent_file(f)
    recent = settings.recent_files()
    assert len(recent) == settings.MAX_RECENT
    assert recent[0] == str(paths[-1].resolve())
    paths[-1].unlink()
    assert str(paths[-1].resolve()) not in settings.recent_files()
    assert len(settings.recent_files()) == settings.MAX_RECENT - 1


def test_relative_recent_file_is_stored_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("rel.dlwiz").write_bytes(b"")
    assert settings.add_recent_file("rel.dlwiz") == [str(tmp_path.resolve() / "rel.dlwiz")]


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", '{"recent_files": "oops"}'])
def test_damaged_settings_do_not_break_recent_files(tmp_path, _isolated_home, content):
    (_isolated_home / "settings.json").write_text(content, "utf-8")
    assert settings.recent_files() == []
    f = tmp_path / "p.dlwiz"
    f.write_bytes(b"")
    assert settings.add_recent_file(f) == [str(f.resolve())]
    assert settings.recent_files() == [str(f.resolve())]


def test_other_settings_survive_adding_a_recent_file(tmp_path):
    settings.save_settings({"theme": "dark", "recent_files": []})
    f = tmp_path / "p.dlwiz"
    f.write_bytes(b"")
    settings.add_recent_file(f)
    assert settings.load_settings()["theme"] == "dark"


# -- a save is done only when it reads back -------------------------------------------------------
def test_a_save_that_does_not_read_back_keeps_the_old_file(demo, tmp_path, monkeypatch):
    target = tmp_path / "study.dlwiz"
    container.save(demo, target, mark_clean=False)
    before = target.read_bytes()
    changed = container.load(target)
    changed.study.name = "Changed after saving"
    changed.dirty = True
    real = container.project_from_members

    def unreadable(members, source):
        if str(source).endswith(".tmp"):  # the read-back of the new file, before the rename
            raise ProjectFileError("study.json is not valid: x.y: Input should be a valid number")
        return real(members, source)

    monkeypatch.setattr(container, "project_from_members", unreadable)
    with pytest.raises(ProjectFileError, match="did not read back") as info:
        container.save(changed, target)
    message = str(info.value)
    assert "previous file is unchanged" in message and "Input should be a valid number" in message
    assert target.read_bytes() == before
    assert changed.dirty is True
    kept = [p for p in tmp_path.iterdir() if ".unreadable-" in p.name]
    assert len(kept) == 1 and kept[0].name in message
    assert _leftovers(tmp_path) == []
