"""Encryption at rest for sensitive projects (DESIGN.md §3, issue 7).

A sensitive project's ``.dlwiz`` container holds one plaintext member, ``encryption.json``
(the header), and every other member encrypted, ``manifest.json`` included::

    encryption.json    format, versions, project id, cipher, scrypt salt and cost, the data key
                       wrapped with the password, a per-save id and an HMAC over all of it
    manifest.json      encrypted: the usual manifest (SHA-256 and size of every plaintext member)
    study.json, data/*.parquet, models/*, log.jsonl, ...   encrypted

Keys. Each project has a random 256-bit data key K. Two subkeys come from K through HKDF-SHA256:
one for AES-256-GCM on the members, one for the header's HMAC-SHA256. K itself is kept

- in the operating system's keychain through ``keyring`` (service ``dlwizard``, user name = the
  project's UUID), when a real keychain exists; and
- inside the file, wrapped with AES-256-GCM under a key derived from the user's password with
  scrypt, so the project opens on another computer with the password.

Without a usable keychain (keyring's fail/null backends, a plaintext file backend, or
``DLWIZARD_KEYCHAIN=off``) the password is the only way in; the key is never stored in clear.

Members. A member is split into chunks of at most ``CHUNK`` bytes (AES-GCM takes at most 2 GiB
a call); each chunk is stored as a fresh random 96-bit nonce, the ciphertext and its 16-byte tag.
The associated data binds the chunk to the member name, its position, whether it is the last
chunk, and the save it belongs to (``save_id`` in the header). A flipped byte, a member moved
from another project or from an older save, a reordered or cut-off member: each fails its tag
and the error names the member. The manifest is encrypted too, so its SHA-256s of the plaintext
reveal nothing; what stays visible is the member names, their approximate sizes and the header.

This module imports ``cryptography`` and ``keyring`` only inside functions, to keep them off the
start-up path.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlwizard.errors import ProjectFileError

if TYPE_CHECKING:
    from dlwizard.study.project import Project

HEADER_MEMBER = "encryption.json"
ENCRYPTION_VERSION = 1
CIPHER = "AES-256-GCM"
SERVICE = "dlwizard"  # the keychain entry: service "dlwizard", user name = project UUID
MIN_PASSWORD_LENGTH = 8

# scrypt cost for new passwords (128 MiB, about half a second). The tests lower SCRYPT_N.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
# Limits for files we open: a header asking for more would only make us hang or run out of
# memory (the cost parameters come from the file and are not trusted).
_MAX_SCRYPT_MEMORY = 1024**3
_MAX_SCRYPT_P = 16

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
CHUNK = 64 * 1024**2  # plaintext bytes per AES-GCM call
OVERHEAD = NONCE_BYTES + TAG_BYTES  # per chunk
_MAX_HEADER_BYTES = 64 * 1024

_WRAP_AD = b"dlwizard project key wrap v1"
_MEMBERS_INFO = b"dlwizard member encryption v1"
_HEADER_INFO = b"dlwizard header authentication v1"


# -- errors ---------------------------------------------------------------------------------------
class EncryptionError(ProjectFileError):
    """An encrypted project cannot be opened, or a project cannot be encrypted as asked."""


class PasswordRequired(EncryptionError):
    """The project is encrypted and no key was found: ask the user for the password."""


class WrongPassword(EncryptionError):
    """The password given does not unlock the project."""


class EncryptionRequired(EncryptionError):
    """A sensitive project was about to be written without encryption: set a password first."""


class TamperedFile(EncryptionError):
    """An encrypted member or the header failed its authentication check."""


# -- the keychain ---------------------------------------------------------------------------------
# Backends that do not keep a secret: keyring's "fail" and "null" backends (no keychain at all)
# and keyrings.alt's plaintext file. With any of these we use the password only.
_UNSAFE_BACKENDS = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyrings.alt.file.PlaintextKeyring",
    "keyrings.alt.Gnome.Keyring",  # deprecated, unmaintained
}


def _class_path(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _usable(backend: Any) -> bool:
    if _class_path(backend) in _UNSAFE_BACKENDS:
        return False
    if _class_path(backend) == "keyring.backends.chainer.ChainerBackend":
        subs = list(getattr(backend, "backends", []))
        return bool(subs) and all(_usable(b) for b in subs)
    return True


class Keychain:
    """The operating system's keychain, through ``keyring``; every call is best effort.

    A keychain that is locked, absent or refuses (the user pressed Cancel) reads as "no key",
    and the project falls back to its password.
    """

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    @staticmethod
    def _any_backend() -> Any | None:
        if os.environ.get("DLWIZARD_KEYCHAIN", "").strip().lower() in {"0", "off", "no", "false"}:
            return None
        try:
            import keyring

            return keyring.get_keyring()
        except Exception:
            return None

    def _backend(self) -> Any | None:
        backend = self._any_backend()
        return backend if backend is not None and _usable(backend) else None

    def available(self) -> bool:
        return self._backend() is not None

    def backend_name(self) -> str:
        """The keyring backend in words, e.g. "macOS Keyring" or "none (fail Keyring)"."""
        backend = self._any_backend()
        if backend is None:
            return "none (turned off)" if os.environ.get("DLWIZARD_KEYCHAIN") else "none"
        try:
            name = str(backend.name)
        except Exception:
            name = _class_path(backend)
        return name if _usable(backend) else f"none ({name})"

    def get(self, project_id: str) -> bytes | None:
        backend = self._backend()
        if backend is None:
            return None
        try:
            text = backend.get_password(self.service, project_id)
            key = base64.b64decode(text, validate=True) if text else None
        except Exception:
            return None
        return key if key is not None and len(key) == KEY_BYTES else None

    def set(self, project_id: str, key: bytes) -> bool:
        backend = self._backend()
        if backend is None:
            return False
        try:
            backend.set_password(self.service, project_id, base64.b64encode(key).decode("ascii"))
        except Exception:
            return False
        return True

    def delete(self, project_id: str) -> bool:
        backend = self._backend()
        if backend is None:
            return False
        try:
            backend.delete_password(self.service, project_id)
        except Exception:
            return False
        return True


def keychain() -> Keychain:
    return Keychain()


# -- the key --------------------------------------------------------------------------------------
@dataclass(eq=False)
class ProjectKey:
    """A project's data key, with its password-wrapped copy as stored in the file.

    ``opened_with`` says how the key was obtained: "new" (just created), "keychain" or
    "password". ``remember``: keep the key in this computer's keychain (when one exists).
    """

    key: bytes = field(repr=False)
    kdf: dict[str, Any] = field(repr=False)  # {"name": "scrypt", "salt", "n", "r", "p"}
    wrapped_key: str = field(repr=False)  # base64 of nonce + AES-GCM(password key, data key)
    remember: bool = True
    opened_with: str = "new"
    in_keychain: bool = False  # stored in (or read from) the keychain during this session

    def _subkey(self, info: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.kdf.hkdf import HKDF

        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(self.key)

    def header_tag(self, header: dict[str, Any]) -> str:
        body = {k: v for k, v in header.items() if k != "tag"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
        return hmac.new(self._subkey(_HEADER_INFO), canonical, hashlib.sha256).hexdigest()

    def aead(self) -> Any:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        return AESGCM(self._subkey(_MEMBERS_INFO))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _password_bytes(password: str) -> bytes:
    # The same password typed on another system may arrive in another Unicode normal form.
    return unicodedata.normalize("NFC", password).encode("utf-8")


def _password_key(password: str, kdf: dict[str, Any]) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    salt = base64.b64decode(kdf["salt"], validate=True)
    scrypt = Scrypt(salt=salt, length=KEY_BYTES, n=kdf["n"], r=kdf["r"], p=kdf["p"])
    return scrypt.derive(_password_bytes(password))


def check_password(password: str) -> None:
    """Refuse a password too weak to protect sensitive data (raises EncryptionError)."""
    if not isinstance(password, str) or len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise EncryptionError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters",
            fix="choose a longer password (a short sentence is easy to remember); it is the "
            "only way to open the project on another computer.",
        )


def _wrap(key: bytes, password: str) -> tuple[dict[str, Any], str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt = _b64(os.urandom(16))
    kdf = {"name": "scrypt", "salt": salt, "n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P}
    nonce = os.urandom(NONCE_BYTES)
    wrapped = nonce + AESGCM(_password_key(password, kdf)).encrypt(nonce, key, _WRAP_AD)
    return kdf, _b64(wrapped)


def new_key(password: str, *, remember: bool = True) -> ProjectKey:
    """A fresh random data key, wrapped with ``password``."""
    check_password(password)
    key = os.urandom(KEY_BYTES)
    kdf, wrapped = _wrap(key, password)
    return ProjectKey(key=key, kdf=kdf, wrapped_key=wrapped, remember=remember)


# -- the project-level API ------------------------------------------------------------------------
def is_sensitive(project: Project) -> bool:
    privacy = project.study.privacy
    return bool(privacy is not None and privacy.sensitive)


def must_encrypt(project: Project) -> bool:
    """Whether saving this project writes an encrypted file (or must, once a password is set)."""
    return project.encryption is not None or is_sensitive(project)


def remember_key(project: Project) -> bool:
    """Keep the project's key in this computer's keychain, if it has one and the user agreed.

    Returns whether the key is in the keychain now. Never raises: the password copy in the
    file is always there.
    """
    pk = project.encryption
    if pk is None or not pk.remember:
        return False
    if not pk.in_keychain:
        pk.in_keychain = Keychain().set(project.study.id, pk.key)
    return pk.in_keychain


def enable(project: Project, password: str, *, remember: bool = True) -> ProjectKey:
    """Encrypt the project from its next save on, with a fresh key wrapped by ``password``.

    The key also goes into the OS keychain when one exists and ``remember`` is true. On an
    already encrypted project this starts over with a new key (the old password stops working
    once the project is saved).
    """
    pk = new_key(password, remember=remember)
    project.encryption = pk
    remember_key(project)
    project.audit("encryption-enabled", cipher=CIPHER, keychain=pk.in_keychain)
    return pk


def change_password(project: Project, password: str) -> None:
    """Wrap the project's key with a new password (effective at the next save).

    The data key stays the same, so the keychain entry stays valid; to also retire the key,
    call :func:`enable` instead.
    """
    pk = project.encryption
    if pk is None:
        raise EncryptionError(
            "the project is not encrypted, so it has no password to change",
            fix="set a password to encrypt the project.",
        )
    check_password(password)
    pk.kdf, pk.wrapped_key = _wrap(pk.key, password)
    project.audit("encryption-password-changed")


def disable(project: Project, *, forget_key: bool = False) -> None:
    """Stop encrypting a project that is no longer sensitive (effective at the next save).

    ``forget_key`` also removes the key from this computer's keychain; older encrypted copies
    of the file then open with the password only.
    """
    if is_sensitive(project):
        raise EncryptionError(
            "a project marked sensitive stays encrypted",
            fix="change the answers on the privacy page first if the data are not sensitive.",
        )
    pk = project.encryption
    if pk is None:
        return
    if forget_key:
        Keychain().delete(project.study.id)
    project.encryption = None
    project.audit("encryption-removed")


# -- writing --------------------------------------------------------------------------------------
def _chunk_ad(save_id: bytes, name: str, index: int, last: bool) -> bytes:
    return (
        b"dlwizard member v1\x00"
        + save_id
        + b"\x00"
        + name.encode("utf-8")
        + b"\x00"
        + index.to_bytes(8, "big")
        + (b"\x01" if last else b"\x00")
    )


def encrypt_members(
    files: dict[str, bytes],
    pk: ProjectKey,
    *,
    project_id: str,
    schema_version: int,
    app_version: str,
    file_format: str,
) -> dict[str, bytes]:
    """The members of an encrypted container: the header first, then every member encrypted.

    ``files`` holds the plaintext members, ``manifest.json`` included. All in memory: nothing in
    clear ever reaches the disk.
    """
    save_id = os.urandom(16)
    header: dict[str, Any] = {
        "format": file_format,
        "encryption_version": ENCRYPTION_VERSION,
        "project_id": project_id,
        "schema_version": schema_version,
        "app_version": app_version,
        "cipher": CIPHER,
        "chunk_bytes": CHUNK,
        "kdf": dict(pk.kdf),
        "wrapped_key": pk.wrapped_key,
        "save_id": save_id.hex(),
    }
    header["tag"] = pk.header_tag(header)
    out = {HEADER_MEMBER: json.dumps(header, indent=1).encode("utf-8")}
    aead = pk.aead()
    for name, data in files.items():
        view = memoryview(data)
        parts = []
        starts = range(0, max(len(data), 1), CHUNK)
        for index, start in enumerate(starts):
            last = index == len(starts) - 1
            nonce = os.urandom(NONCE_BYTES)
            chunk = bytes(view[start : start + CHUNK])
            parts.append(nonce + aead.encrypt(nonce, chunk, _chunk_ad(save_id, name, index, last)))
        out[name] = b"".join(parts)
    return out


def ciphertext_size(plain_size: int) -> int:
    chunks = max(1, -(-plain_size // CHUNK))
    return plain_size + chunks * OVERHEAD


# -- reading --------------------------------------------------------------------------------------
def _damaged_header(source: Path, detail: str) -> ProjectFileError:
    return TamperedFile(
        f"is encrypted, but its encryption header ({HEADER_MEMBER}) is damaged: {detail}",
        file=source,
        fix="the file was altered or damaged; open a backup copy.",
    )


def parse_header(data: bytes, source: Path, *, file_format: str, schema_version: int) -> dict:
    """Read and check the plaintext header (no key needed). Raises ProjectFileError."""
    if len(data) > _MAX_HEADER_BYTES:
        raise _damaged_header(source, "it is far too large")
    try:
        header = json.loads(data)
    except ValueError as exc:
        raise _damaged_header(source, "it is not valid JSON") from exc
    if not isinstance(header, dict) or header.get("format") != file_format:
        raise _damaged_header(source, "it does not describe a dlwizard project")
    version = header.get("encryption_version")
    if isinstance(version, int) and version > ENCRYPTION_VERSION:
        raise EncryptionError(
            f"is encrypted in a newer format (version {version}; this dlwizard reads up to "
            f"version {ENCRYPTION_VERSION})",
            file=source,
            fix="install the newest dlwizard to open it. Nothing was changed.",
        )
    saved_schema = header.get("schema_version")
    if isinstance(saved_schema, int) and saved_schema > schema_version:
        raise ProjectFileError(
            f"was saved by a newer dlwizard (schema version {saved_schema}; this dlwizard reads "
            f"up to version {schema_version})",
            file=source,
            fix="install the newest dlwizard to open it. Nothing was changed.",
        )
    kdf = header.get("kdf")
    try:
        ok = (
            version == ENCRYPTION_VERSION
            and header["cipher"] == CIPHER
            and header["chunk_bytes"] == CHUNK
            and isinstance(header["project_id"], str)
            and len(bytes.fromhex(header["save_id"])) == 16
            and isinstance(header["tag"], str)
            and isinstance(kdf, dict)
            and kdf["name"] == "scrypt"
            and len(base64.b64decode(kdf["salt"], validate=True)) >= 16
            and all(type(kdf[k]) is int and kdf[k] >= 1 for k in ("n", "r", "p"))
            and kdf["n"] >= 2
            and kdf["n"] & (kdf["n"] - 1) == 0
            and len(base64.b64decode(header["wrapped_key"], validate=True))
            == NONCE_BYTES + KEY_BYTES + TAG_BYTES
        )
    except (KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise _damaged_header(source, "a field is missing or has an unexpected value")
    if 128 * kdf["n"] * kdf["r"] > _MAX_SCRYPT_MEMORY or kdf["p"] > _MAX_SCRYPT_P:
        raise _damaged_header(source, "it asks for an unreasonable password-hashing cost")
    return header


def _key_from(header: dict[str, Any], key: bytes, opened_with: str) -> ProjectKey:
    return ProjectKey(
        key=key,
        kdf=dict(header["kdf"]),
        wrapped_key=header["wrapped_key"],
        opened_with=opened_with,
    )


def unlock(
    header: dict[str, Any], source: Path, *, password: str | None = None, remember: bool = True
) -> ProjectKey:
    """The file's key: from the keychain if it holds the right one, else from the password.

    Raises PasswordRequired (no key in the keychain and no password), WrongPassword, or
    TamperedFile (the password unwraps a key but the header fails its check). Writes nothing.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    chain = Keychain()
    stored = chain.get(header["project_id"])
    if stored is not None:
        pk = _key_from(header, stored, "keychain")
        # The keychain may hold the key of another copy with the same id (e.g. encryption
        # was turned off and on again): then fall through to the password.
        if hmac.compare_digest(pk.header_tag(header), header["tag"]):
            pk.remember = remember
            pk.in_keychain = True
            return pk
    if password is None:
        where = (
            "this computer's keychain has no key for it"
            if chain.available()
            else "this computer has no keychain to hold its key"
        )
        raise PasswordRequired(
            f"is encrypted and {where}",
            file=source,
            fix="enter the project's password.",
        )
    wrapped = base64.b64decode(header["wrapped_key"])
    try:
        kek = _password_key(password, header["kdf"])
        key = AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _WRAP_AD)
    except InvalidTag as exc:
        raise WrongPassword(
            "is encrypted, and the password does not open it",
            file=source,
            fix="check the password (capital letters, keyboard layout) and try again. "
            "Nothing was changed.",
        ) from exc
    except (MemoryError, ValueError, OverflowError) as exc:
        raise _damaged_header(source, "its password-hashing settings cannot be used") from exc
    pk = _key_from(header, key, "password")
    pk.remember = remember
    if not hmac.compare_digest(pk.header_tag(header), header["tag"]):
        raise _damaged_header(source, "it does not match the project's key (it was altered)")
    return pk


def decrypt_member(
    pk: ProjectKey, header: dict[str, Any], name: str, data: bytes, source: Path, aead: Any = None
) -> bytes:
    """One member's plaintext; raises TamperedFile naming the member if any chunk fails."""
    from cryptography.exceptions import InvalidTag

    aead = aead or pk.aead()
    save_id = bytes.fromhex(header["save_id"])
    step = CHUNK + OVERHEAD
    view = memoryview(data)
    starts = range(0, max(len(data), 1), step)
    parts = []
    try:
        for index, start in enumerate(starts):
            last = index == len(starts) - 1
            piece = view[start : start + step]
            if len(piece) < OVERHEAD:
                raise InvalidTag
            nonce, body = bytes(piece[:NONCE_BYTES]), bytes(piece[NONCE_BYTES:])
            parts.append(aead.decrypt(nonce, body, _chunk_ad(save_id, name, index, last)))
    except InvalidTag as exc:
        raise TamperedFile(
            f"member {name!r} fails its authentication check: its encrypted bytes were altered, "
            "damaged, or come from another file",
            file=source,
            fix="open a backup copy or the autosaved recovery copy. Nothing was changed.",
        ) from exc
    return b"".join(parts)
