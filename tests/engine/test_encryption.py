"""Encrypted project files (issue 7): AES-GCM members, keychain + password-wrapped key."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest
from keyring.backends import fail, null

from dlwizard import settings
from dlwizard.errors import DlwizardError, ProjectFileError
from dlwizard.study import autosave, container, crypto
from dlwizard.study.crypto import (
    EncryptionError,
    EncryptionRequired,
    PasswordRequired,
    TamperedFile,
    WrongPassword,
)
from dlwizard.study.model import PrivacySection
from dlwizard.study.project import Project
from tests.conftest import ROOT

PASSWORD = "correct horse battery staple"
# Distinctive values planted in the table, its column names, study.json and the audit log: none
# may appear in any byte written to disk for an encrypted project.
CELL = "Planted-cell-QX7Z-Zebra-9931-Honeybadger"
COLUMN = "planted_column_KJ21_diagnosis"
STUDY_NAME = "Planted study name PW88 Okapi"
LOG_NOTE = "planted-audit-note-7TQ4-Narwhal"
PLANTED = (CELL, COLUMN, STUDY_NAME, LOG_NOTE)


@pytest.fixture(autouse=True)
def _cheap_scrypt(monkeypatch):
    # The real cost (2**17) is exercised once, in test_default_password_cost_round_trip.
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**12)


def make_project(sensitive: bool = True) -> Project:
    project = Project.new(STUDY_NAME)
    n = 40
    project.table = pd.DataFrame(
        {
            "patient": [f"{CELL}-{i:03d}" for i in range(n)],
            COLUMN: [i % 2 for i in range(n)],
            "age": [30.0 + i for i in range(n)],
        }
    )
    project.seal(list(range(0, n, 5)))
    project.frames["tuning_predictions"] = pd.DataFrame({"p": [0.1, 0.9], "who": [CELL, "b"]})
    project.models["logreg.json"] = json.dumps({"kind": "logreg", "note": CELL}).encode()
    project.audit("note", text=LOG_NOTE)
    project.study.privacy = PrivacySection(sensitive=sensitive)
    return project


def assert_same(again: Project, project: Project) -> None:
    assert again.study.model_dump_json() == project.study.model_dump_json()
    pdt.assert_frame_equal(again.table, project.table)
    pdt.assert_frame_equal(again._sealed, project._sealed)
    assert again.frames.keys() == project.frames.keys()
    pdt.assert_frame_equal(again.frames["tuning_predictions"], project.frames["tuning_predictions"])
    assert again.models == project.models
    assert [e.to_json() for e in again.log] == [e.to_json() for e in project.log]


def listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def assert_no_plaintext(raw: bytes, where: str) -> None:
    for text in PLANTED:
        for encoded in (text.encode("utf-8"), text.encode("utf-16-le")):
            assert encoded not in raw, f"{text!r} is readable in {where}"


def rewrite(path: Path, name: str, change) -> None:
    """Rewrite one member with valid zip CRCs, as someone altering the file on purpose would."""
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w") as zf:
        for info, data in items:
            zf.writestr(info, change(data) if info.filename == name else data)


def flip(data: bytes, at: int | None = None) -> bytes:
    out = bytearray(data)
    out[len(out) // 2 if at is None else at] ^= 0x01
    return bytes(out)


def saved(tmp_path: Path, name: str = "secret.dlwiz", *, password: str = PASSWORD) -> Path:
    project = make_project()
    crypto.enable(project, password)
    return container.save(project, tmp_path / name)


# -- round trips ----------------------------------------------------------------------------------
def test_round_trip_with_the_keychain(tmp_path, memory_keyring):
    project = make_project()
    pk = crypto.enable(project, PASSWORD)
    assert pk.opened_with == "new" and pk.in_keychain
    assert memory_keyring.entries.keys() == {("dlwizard", project.study.id)}
    assert project.log[-1].action == "encryption-enabled"
    out = container.save(project, tmp_path / "secret.dlwiz")
    assert container.is_encrypted(out)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
    assert names[:2] == ["encryption.json", "manifest.json"]
    assert {"study.json", "log.jsonl", container.TABLE_MEMBER, container.SEALED_MEMBER} < set(names)

    again = container.load(out)  # no password: the keychain has the key
    assert_same(again, project)
    assert again.encryption is not None and again.encryption.opened_with == "keychain"
    assert again.encryption.key == pk.key
    # Saved again, it stays encrypted, with the same password copy.
    container.save(again, tmp_path / "again.dlwiz")
    memory_keyring.entries.clear()
    assert_same(container.load(tmp_path / "again.dlwiz", PASSWORD), project)
    # read_members gives the plaintext members, as for a plain project.
    plain = container.project_members(project)
    assert container.read_members(out) == plain


def test_round_trip_with_the_password_only(tmp_path, memory_keyring):
    import keyring

    keyring.set_keyring(fail.Keyring())  # headless Linux: no keychain at all
    chain = crypto.Keychain()
    assert not chain.available()
    assert chain.backend_name().startswith("none")
    project = make_project()
    pk = crypto.enable(project, PASSWORD)
    assert not pk.in_keychain
    out = container.save(project, tmp_path / "secret.dlwiz")
    with pytest.raises(PasswordRequired, match="no keychain") as info:
        container.load(out)
    assert "enter the project's password" in str(info.value)
    again = container.load(out, password=PASSWORD)
    assert_same(again, project)
    assert again.encryption.opened_with == "password"
    assert memory_keyring.entries == {}


def test_opens_on_another_computer_with_the_password(tmp_path, memory_keyring):
    out = saved(tmp_path)
    memory_keyring.entries.clear()  # another computer: its keychain has never seen the project
    with pytest.raises(PasswordRequired, match="keychain has no key"):
        container.load(out)
    container.load(out, PASSWORD, remember=False)
    assert memory_keyring.entries == {}
    again = container.load(out, PASSWORD)
    assert len(memory_keyring.entries) == 1  # remembered on this computer from now on
    assert container.load(out).encryption.opened_with == "keychain"
    assert_same(again, container.load(out))


def test_a_stale_keychain_key_falls_back_to_the_password(tmp_path, memory_keyring):
    out = saved(tmp_path)
    (entry,) = memory_keyring.entries
    memory_keyring.entries[entry] = base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(PasswordRequired):
        container.load(out)
    assert container.load(out, PASSWORD).encryption.opened_with == "password"


def test_default_password_cost_round_trip(tmp_path, memory_keyring, monkeypatch):
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**17)
    out = saved(tmp_path)
    header = json.loads(zipfile.ZipFile(out).read("encryption.json"))
    assert header["kdf"]["n"] == 2**17 and header["kdf"]["r"] == 8
    memory_keyring.entries.clear()
    assert container.load(out, PASSWORD).study.name == STUDY_NAME


def test_large_members_are_encrypted_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(crypto, "CHUNK", 1000)
    project = make_project()
    project.models["weights.safetensors"] = os.urandom(5500)
    crypto.enable(project, PASSWORD)
    out = container.save(project, tmp_path / "chunks.dlwiz")
    with zipfile.ZipFile(out) as zf:
        stored = zf.read("models/weights.safetensors")
    assert len(stored) == 5500 + 6 * crypto.OVERHEAD
    assert container.load(out).models == project.models
    # Swapping two chunks, or cutting the last one off, fails the check.
    step = 1000 + crypto.OVERHEAD
    rewrite(
        out, "models/weights.safetensors", lambda d: d[step : 2 * step] + d[:step] + d[2 * step :]
    )
    with pytest.raises(TamperedFile, match=r"'models/weights\.safetensors'"):
        container.load(out)
    out = container.save(project, tmp_path / "cut.dlwiz")
    rewrite(out, "models/weights.safetensors", lambda d: d[: 5 * step])
    with pytest.raises(ProjectFileError, match=r"'models/weights\.safetensors'"):
        container.load(out)


# -- without the key ------------------------------------------------------------------------------
def test_cannot_be_read_without_key_or_password(tmp_path, memory_keyring):
    out = saved(tmp_path)
    memory_keyring.entries.clear()
    with pytest.raises(PasswordRequired):
        container.read_members(out)
    with zipfile.ZipFile(out) as zf:
        raw = {n: zf.read(n) for n in zf.namelist()}
    header = json.loads(raw.pop("encryption.json"))
    for name, data in raw.items():
        with pytest.raises(ValueError):
            json.loads(data)  # neither the manifest nor study.json is JSON any more
        assert not data.startswith(b"PAR1") and not data.endswith(b"PAR1"), name
    # The header holds no secret and nothing about the study.
    text = json.dumps(header)
    assert STUDY_NAME not in text
    key = container.load(out, PASSWORD).encryption.key
    assert base64.b64encode(key).decode() not in text and key.hex() not in text
    assert set(header) == {
        "format",
        "encryption_version",
        "project_id",
        "schema_version",
        "app_version",
        "cipher",
        "chunk_bytes",
        "kdf",
        "wrapped_key",
        "save_id",
        "tag",
    }


def test_is_encrypted(tmp_path):
    plain = container.save(make_project(sensitive=False), tmp_path / "plain.dlwiz")
    assert not container.is_encrypted(plain)
    assert container.is_encrypted(saved(tmp_path))
    (tmp_path / "junk.dlwiz").write_bytes(b"not a zip")
    assert not container.is_encrypted(tmp_path / "junk.dlwiz")
    assert not container.is_encrypted(tmp_path / "missing.dlwiz")


def test_wrong_password_is_clear_and_writes_nothing(tmp_path, memory_keyring):
    out = saved(tmp_path)
    memory_keyring.entries.clear()
    before = listing(tmp_path)
    for attempt in ("correct horse battery stapler", "", "Correct horse battery staple"):
        with pytest.raises(WrongPassword) as info:
            container.load(out, attempt)
        assert "the password does not open it" in str(info.value)
        assert "Nothing was changed" in str(info.value)
        assert isinstance(info.value, ProjectFileError)  # the GUI's handlers still catch it
    assert listing(tmp_path) == before
    assert memory_keyring.entries == {}


def test_unicode_password_in_another_normal_form(tmp_path, memory_keyring):
    composed = "Müller-Lüdenscheidt 2024"
    decomposed = composed.replace("ü", "u\u0308")
    assert composed != decomposed
    out = saved(tmp_path, password=composed)
    memory_keyring.entries.clear()
    assert container.load(out, decomposed).study.name == STUDY_NAME


# -- tampering ------------------------------------------------------------------------------------
def members_of(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        return zf.namelist()


def test_a_flipped_byte_on_disk_is_detected_in_every_member(tmp_path, memory_keyring):
    out = saved(tmp_path)
    pristine = out.read_bytes()
    for name in members_of(out):
        with zipfile.ZipFile(out) as zf:
            info = zf.getinfo(name)
            stored = zf.read(name)
        raw = bytearray(pristine)
        at = pristine.find(stored, info.header_offset) + len(stored) // 2
        raw[at] ^= 0x01
        out.write_bytes(bytes(raw))
        with pytest.raises(ProjectFileError) as info_:
            container.load(out, PASSWORD)
        message = str(info_.value)
        assert "damaged" in message or "altered" in message, message
        assert repr(name) in message or "encryption header" in message, message
    out.write_bytes(pristine)
    assert container.load(out).study.name == STUDY_NAME


def test_an_altered_member_with_a_valid_zip_checksum_fails_authentication(tmp_path):
    for name in members_of(saved(tmp_path, "probe.dlwiz")):
        if name == "encryption.json":
            continue
        out = saved(tmp_path, f"{name.replace('/', '_')}.dlwiz")
        rewrite(out, name, flip)
        with pytest.raises(TamperedFile) as info:
            container.load(out, PASSWORD)
        assert f"member {name!r} fails its authentication check" in str(info.value)
        assert "backup" in str(info.value)


@pytest.mark.parametrize(
    "edit",
    [
        lambda h: h.update(project_id="0" * 32),
        lambda h: h.update(save_id="00" * 16),
        lambda h: h.update(schema_version=0),
        lambda h: h.update(tag="0" * 64),
    ],
    ids=["project_id", "save_id", "schema_version", "tag"],
)
def test_an_altered_header_is_detected(tmp_path, memory_keyring, edit):
    out = saved(tmp_path)

    def change(data: bytes) -> bytes:
        header = json.loads(data)
        edit(header)
        return json.dumps(header).encode()

    rewrite(out, "encryption.json", change)
    with pytest.raises(ProjectFileError):
        container.load(out)  # the keychain key no longer matches: it asks for the password
    with pytest.raises(TamperedFile, match=r"encryption header \(encryption.json\)"):
        container.load(out, PASSWORD)


def test_a_header_asking_for_an_absurd_password_cost_is_refused(tmp_path):
    out = saved(tmp_path)

    def change(data: bytes) -> bytes:
        header = json.loads(data)
        header["kdf"]["n"] = 2**30
        return json.dumps(header).encode()

    rewrite(out, "encryption.json", change)
    with pytest.raises(TamperedFile, match="unreasonable password-hashing cost"):
        container.load(out, PASSWORD)


def test_members_from_an_older_save_or_another_project_are_refused(tmp_path):
    project = make_project()
    crypto.enable(project, PASSWORD)
    old = container.save(project, tmp_path / "old.dlwiz")
    project.study.name = STUDY_NAME.upper()  # same length: only the encryption can tell
    new = container.save(project, tmp_path / "new.dlwiz")
    other = saved(tmp_path, "other.dlwiz")
    for source in (old, other):
        study = zipfile.ZipFile(source).read("study.json")
        target = tmp_path / f"mixed-{source.name}"
        target.write_bytes(new.read_bytes())
        rewrite(target, "study.json", lambda _, study=study: study)
        with pytest.raises(ProjectFileError, match=r"'study\.json'") as info:
            container.load(target, PASSWORD)
        assert source != old or isinstance(info.value, TamperedFile)


def test_a_plaintext_member_slipped_into_an_encrypted_file_is_refused(tmp_path):
    out = saved(tmp_path)
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("figures/extra.json", b"{}")
    with pytest.raises(ProjectFileError, match=r"'figures/extra\.json' is not listed"):
        container.load(out)


# -- nothing in clear on disk ---------------------------------------------------------------------
def test_plain_control_shows_the_planted_values_are_findable(tmp_path):
    out = container.save(make_project(sensitive=False), tmp_path / "plain.dlwiz")
    raw = out.read_bytes()
    # Without encryption every planted value can be found in the file (so the search below
    # would find them if they leaked); study.json and the log are deflated, so unzip first.
    members = b"".join(zipfile.ZipFile(out).read(n) for n in members_of(out))
    assert all(text.encode() in members for text in PLANTED)
    assert CELL.encode() in raw


def test_no_plaintext_in_the_file_the_temp_file_or_the_recovery_copy(tmp_path, monkeypatch):
    temp_contents: list[bytes] = []
    real_replace = os.replace

    def replace(src, dst):
        temp_contents.append(Path(src).read_bytes())
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    project = make_project()
    crypto.enable(project, PASSWORD)
    out = container.save(project, tmp_path / "secret.dlwiz")
    copy = autosave.write_recovery(project)
    assert len(temp_contents) == 2
    for n, raw in enumerate(temp_contents):
        assert_no_plaintext(raw, f"temp file {n}")
    for folder in (tmp_path, settings.app_home()):
        for path in folder.rglob("*"):
            if path.is_file():
                assert_no_plaintext(path.read_bytes(), str(path))
    assert [p.name for p in tmp_path.iterdir()] == ["secret.dlwiz"]  # no temp file left
    assert [p.name for p in copy.parent.iterdir()] == [copy.name]
    assert container.is_encrypted(copy)
    # The raw members, decompressed: still nothing.
    for path in (out, copy):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                assert_no_plaintext(zf.read(name), f"{path.name}:{name}")


def test_a_sensitive_project_is_never_written_unencrypted(tmp_path, _isolated_home):
    project = make_project(sensitive=False)
    autosave.write_recovery(project)  # not yet sensitive: a plain recovery copy
    assert autosave.find_recovery_copies()
    project.study.privacy.sensitive = True
    with pytest.raises(EncryptionRequired) as info:
        container.save(project, tmp_path / "secret.dlwiz")
    assert "set a password" in str(info.value) and "Nothing was written" in str(info.value)
    assert isinstance(info.value, DlwizardError)
    assert list(tmp_path.iterdir()) == []
    assert project.path is None
    # Autosave refuses too, and removes the earlier plaintext copy.
    with pytest.raises(EncryptionRequired):
        autosave.write_recovery(project)
    assert autosave.find_recovery_copies() == []
    assert list(settings.recovery_dir().iterdir()) == []


# -- recovery copies ------------------------------------------------------------------------------
def test_encrypted_recovery_copy_round_trip(tmp_path, memory_keyring):
    project = make_project()
    crypto.enable(project, PASSWORD)
    container.save(project, tmp_path / "work.dlwiz")
    project.audit("edited after saving")
    copy_path = autosave.write_recovery(project)
    assert container.is_encrypted(copy_path)

    (copy,) = autosave.find_recovery_copies()  # the keychain has the key: the real name
    assert (copy.study_name, copy.encrypted) == (STUDY_NAME, True)
    assert copy.original == str(tmp_path / "work.dlwiz")

    memory_keyring.entries.clear()  # no key now: listed, but without its name
    (copy,) = autosave.find_recovery_copies()
    assert copy.study_name == autosave.ENCRYPTED_NAME and copy.encrypted
    assert copy.original is None and copy.modified
    with pytest.raises(PasswordRequired):
        autosave.restore(copy)
    with pytest.raises(WrongPassword):
        autosave.restore(copy, "not the password")
    restored = autosave.restore(copy, PASSWORD)
    assert restored.path == tmp_path / "work.dlwiz"  # read from the decrypted recovery.json
    assert restored.dirty and restored.encryption is not None
    assert restored.log[-2].action == "edited after saving"
    assert restored.log[-1].action == "recovered-after-crash"
    pdt.assert_frame_equal(restored.table, project.table)


def test_a_plain_recovery_copy_is_unchanged(_isolated_home):
    autosave.write_recovery(make_project(sensitive=False))
    (copy,) = autosave.find_recovery_copies()
    assert (copy.study_name, copy.encrypted) == (STUDY_NAME, False)


# -- changing the password, removing encryption ---------------------------------------------------
def test_change_password(tmp_path, memory_keyring):
    project = make_project()
    crypto.enable(project, PASSWORD)
    key = project.encryption.key
    crypto.change_password(project, "a brand new passphrase")
    assert project.encryption.key == key  # same key: the keychain entry stays valid
    out = container.save(project, tmp_path / "secret.dlwiz")
    memory_keyring.entries.clear()
    with pytest.raises(WrongPassword):
        container.load(out, PASSWORD)
    assert container.load(out, "a brand new passphrase").study.name == STUDY_NAME
    with pytest.raises(EncryptionError, match="at least 8 characters"):
        crypto.change_password(project, "short")
    with pytest.raises(EncryptionError, match="not encrypted"):
        crypto.change_password(make_project(), PASSWORD)


def test_enable_refuses_a_short_password():
    project = make_project()
    with pytest.raises(EncryptionError, match="at least 8 characters"):
        crypto.enable(project, "   abc  ")
    assert project.encryption is None


def test_remove_encryption_when_no_longer_sensitive(tmp_path, memory_keyring):
    project = make_project()
    crypto.enable(project, PASSWORD)
    with pytest.raises(EncryptionError, match="stays encrypted"):
        crypto.disable(project)
    assert project.encryption is not None
    project.study.privacy.sensitive = False
    # Not sensitive but still encrypted: saving keeps encrypting until encryption is removed.
    assert crypto.must_encrypt(project)
    assert container.is_encrypted(container.save(project, tmp_path / "a.dlwiz"))
    crypto.disable(project, forget_key=True)
    assert project.encryption is None and memory_keyring.entries == {}
    assert project.log[-1].action == "encryption-removed"
    out = container.save(project, tmp_path / "b.dlwiz")
    assert not container.is_encrypted(out)
    assert container.load(out).encryption is None


# -- the keychain ---------------------------------------------------------------------------------
def test_keychain_backends(memory_keyring, monkeypatch):
    import keyring

    chain = crypto.Keychain()
    assert chain.available() and "none" not in chain.backend_name()
    assert chain.get("p1") is None
    key = os.urandom(32)
    assert chain.set("p1", key) and chain.get("p1") == key
    assert chain.delete("p1") and chain.get("p1") is None
    assert not chain.delete("p1")  # deleting twice is harmless
    memory_keyring.entries[("dlwizard", "p2")] = "not base64!"
    assert chain.get("p2") is None  # a damaged entry reads as "no key"

    monkeypatch.setenv("DLWIZARD_KEYCHAIN", "off")
    assert not chain.available() and not chain.set("p1", key)
    assert chain.backend_name() == "none (turned off)"
    monkeypatch.delenv("DLWIZARD_KEYCHAIN")
    for backend in (fail.Keyring(), null.Keyring()):
        keyring.set_keyring(backend)
        assert not chain.available()
        assert not chain.set("p1", key) and chain.get("p1") is None
        assert chain.backend_name().startswith("none (")


def test_keychain_errors_fall_back_to_the_password(tmp_path, memory_keyring, monkeypatch):
    out = saved(tmp_path)

    def locked(*args):
        raise RuntimeError("the keychain is locked")

    monkeypatch.setattr(memory_keyring, "get_password", locked)
    monkeypatch.setattr(memory_keyring, "set_password", locked)
    with pytest.raises(PasswordRequired):
        container.load(out)
    assert container.load(out, PASSWORD).study.name == STUDY_NAME
    project = make_project()
    assert not crypto.enable(project, PASSWORD).in_keychain  # still encrypted, password only
    assert container.is_encrypted(container.save(project, tmp_path / "b.dlwiz"))


def test_crypto_libraries_stay_off_the_start_up_path():
    code = (
        "import sys, dlwizard.cli, dlwizard.study.container, dlwizard.study.autosave, "
        "dlwizard.study.crypto; "
        "print(sorted(m for m in ('cryptography', 'keyring') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
