"""The .dlwiz project file: a zip container read defensively and written atomically.

Layout (DESIGN.md §3)::

    manifest.json      schema_version, app version, SHA-256 and size of every other member
    study.json         the Study
    data/table.parquet the imported table
    log.jsonl          the audit log, one JSON object a line
    models/, figures/  written by later steps

A sensitive project is encrypted (see ``dlwizard.study.crypto``): a plaintext header
``encryption.json`` and every other member, the manifest included, encrypted with AES-GCM.

Reading never executes anything from the file: members are read by name into memory (no
``extractall``), only known member kinds are accepted (a pickle is refused), sizes are checked
against the manifest and a compression-ratio limit (zip bombs), and every hash is verified.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
import os
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dlwizard import __version__
from dlwizard.errors import DlwizardError, ProjectFileError
from dlwizard.study import crypto
from dlwizard.study.crypto import ProjectKey
from dlwizard.study.migrations import migrate
from dlwizard.study.model import SCHEMA_VERSION, Study
from dlwizard.study.project import AuditEntry, Project

SUFFIX = ".dlwiz"
FORMAT = "dlwizard-project"
TABLE_MEMBER = "data/table.parquet"
SEALED_MEMBER = "data/sealed_test.parquet"
HEADER_MEMBER = crypto.HEADER_MEMBER  # the plaintext header of an encrypted project
_MAX_MANIFEST_BYTES = 16 * 1024**2

# Member names a project may contain. Anything else is refused: we never write it, so its
# presence means the file was altered or built by something else.
_ALLOWED = (
    re.compile(r"manifest\.json"),
    re.compile(r"encryption\.json"),  # only in encrypted projects
    re.compile(r"study\.json"),
    re.compile(r"log\.jsonl"),
    re.compile(r"recovery\.json"),  # only in autosaved recovery copies
    re.compile(r"data/[A-Za-z0-9_.-]+\.parquet"),
    re.compile(r"models/[A-Za-z0-9_.-]+\.(safetensors|json|skops)"),
    re.compile(r"figures/[A-Za-z0-9_.-]+\.(png|svg|json)"),
)
MAX_MEMBER_BYTES = 8 * 1024**3  # one member, uncompressed
MAX_TOTAL_BYTES = 16 * 1024**3
MAX_RATIO = 200  # uncompressed / compressed, beyond which a member is treated as a zip bomb
MAX_MEMBERS = 10_000
_RATIO_FLOOR = 1024 * 1024  # small members may compress very well (JSON), that is fine


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- writing --------------------------------------------------------------------------------------
def table_to_parquet(table: Any) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    # The index holds the row ids (positions in the imported table); after a split the working
    # table is a subset, so the ids must survive a save.
    arrow = pa.Table.from_pandas(table, preserve_index=None)
    sink = pa.BufferOutputStream()
    pq.write_table(arrow, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def project_members(project: Project) -> dict[str, bytes]:
    """Every member except the manifest, as bytes."""
    study_json = project.study.model_dump_json(indent=1).encode("utf-8")
    members: dict[str, bytes] = {"study.json": study_json}
    if project.table is not None:
        members[TABLE_MEMBER] = table_to_parquet(project.table)
    sealed = project.sealed_rows()
    if sealed is not None:
        members[SEALED_MEMBER] = table_to_parquet(sealed)
    for name, frame in project.frames.items():
        members[f"data/{name}.parquet"] = table_to_parquet(frame)
    for name, blob in project.models.items():
        members[f"models/{name}"] = blob
    members["log.jsonl"] = "".join(
        json.dumps(e.to_json(), sort_keys=True) + "\n" for e in project.log
    ).encode("utf-8")
    return members


def write_members(
    path: Path,
    members: dict[str, bytes],
    *,
    key: ProjectKey | None = None,
    project_id: str = "",
    verify: Callable[[Path], None] | None = None,
) -> None:
    """Write a container atomically: a temp file in the same folder, then ``os.replace``.

    With ``key`` every member is encrypted in memory first, so the temp file only ever holds
    ciphertext (and the plaintext header). ``verify`` reads the finished temp file back before
    it replaces anything: when it raises, the old file stays, and the new one is kept beside it
    under a name that says so (:func:`_keep_unreadable`).
    """
    manifest = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "app_version": __version__,
        "members": {
            name: {"sha256": _sha256(data), "size": len(data)}
            for name, data in sorted(members.items())
        },
    }
    files = {"manifest.json": json.dumps(manifest, indent=1).encode("utf-8"), **members}
    if key is not None:
        if not project_id:
            raise ValueError("an encrypted project needs its project id")
        files = crypto.encrypt_members(
            files,
            key,
            project_id=project_id,
            schema_version=SCHEMA_VERSION,
            app_version=__version__,
            file_format=FORMAT,
        )
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(path)
    # The writer's process id in the name: a later save can tell a dead writer's leftovers
    # (a crash, a kill) from a file another running process is still writing.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w") as zf:
            for name, data in files.items():
                # Parquet is compressed already, ciphertext does not compress: deflating either
                # only costs time.
                stored = key is not None or name.endswith(".parquet")
                zf.writestr(name, data, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        if verify is not None:
            try:
                verify(Path(tmp))
            except Exception as exc:
                kept = _keep_unreadable(Path(tmp), path)
                reason = str(exc) if isinstance(exc, DlwizardError) else repr(exc)
                raise ProjectFileError(
                    f"could not be saved: the new file did not read back ({reason})",
                    file=path,
                    fix="the previous file is unchanged and nothing is lost from the open "
                    f"project; keep working and save again. The new file was kept as {kept} "
                    "for a bug report.",
                ) from exc
        # mkstemp creates the file private (0600); a project file follows the user's umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def remove_stale_temp_files(path: Path) -> list[Path]:
    """Remove temp files that a killed or crashed save of ``path`` left behind."""
    folder = path.parent if str(path.parent) else Path(".")
    removed: list[Path] = []
    try:
        candidates = list(folder.glob(f".{glob.escape(path.name)}.*.tmp"))
    except OSError:
        return removed
    for tmp in candidates:
        parts = tmp.name[len(path.name) + 2 :].split(".")
        if len(parts) < 3 or not parts[0].isdigit():
            continue  # not one of ours
        if _alive(int(parts[0]), tmp):
            continue
        try:
            tmp.unlink()
            removed.append(tmp)
        except OSError:
            pass
    return removed


def _alive(pid: int, tmp: Path) -> bool:
    """Whether the writer of ``tmp`` may still be writing it."""
    if pid == os.getpid():
        return False  # this process is not writing it now: a leftover of an earlier failure
    if os.name == "nt":
        # os.kill(pid, 0) would terminate the process on Windows: judge by age instead.
        try:
            return time.time() - tmp.stat().st_mtime < 3600
        except OSError:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or cannot tell: leave it
    return True


def _keep_unreadable(tmp: Path, path: Path) -> Path:
    """Keep a written file that did not read back, beside the real one, for a bug report."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    kept = path.with_name(f"{path.stem}.unreadable-{stamp}{path.suffix}")
    try:
        os.replace(tmp, kept)
    except OSError:
        return tmp
    return kept


def verify_saved(
    path: Path, project: Project, key: ProjectKey | None, *, tables: bool = True
) -> None:
    """A save is done when it reads back: every member's checksum, the decryption, the Study's
    schema, the tables, and the same Study as the one in memory.

    ``tables=False`` (the autosave, which runs while the user works) still checks every
    member's checksum but does not decode the Parquet tables again."""
    members, _ = read_container(path, key=key, remember=False)
    if not tables:
        members = {k: v for k, v in members.items() if not k.endswith(".parquet")}
    back = project_from_members(members, path)
    if back.study.model_dump_json() != project.study.model_dump_json():
        raise ProjectFileError("the study read back differs from the one saved", file=path)
    if len(back.log) != len(project.log):
        raise ProjectFileError("the audit log read back is incomplete", file=path)


def encryption_for_saving(project: Project, target: Path | None = None) -> ProjectKey | None:
    """The key a save must use: None for a plain project. A sensitive project without a key
    raises EncryptionRequired (ask the user for a password, then ``crypto.enable``)."""
    privacy = project.study.privacy
    if project.encryption is None and privacy is not None and privacy.sensitive:
        raise crypto.EncryptionRequired(
            "holds sensitive data and is never written unencrypted, but no password is set",
            file=target,
            fix="set a password for the project (it encrypts the file; the key is also "
            "kept in this computer's keychain when there is one), then save again. "
            "Nothing was written.",
        )
    return project.encryption


def save(project: Project, path: str | Path | None = None, *, mark_clean: bool = True) -> Path:
    """Write the project; encrypted when ``project.encryption`` is set (required when the
    project is sensitive: EncryptionRequired otherwise, before anything is written)."""
    target = Path(path) if path is not None else project.path
    if target is None:
        raise ProjectFileError("the project has no file name yet", fix="use Save As.")
    if target.suffix != SUFFIX:
        target = target.with_name(target.name + SUFFIX)
    key = encryption_for_saving(project, target)
    try:
        write_members(
            target,
            project_members(project),
            key=key,
            project_id=project.study.id,
            verify=lambda tmp: verify_saved(tmp, project, key),
        )
    except OSError as exc:
        raise ProjectFileError(
            f"could not be saved: {exc.strerror or exc}",
            file=target,
            fix="choose a folder you can write to with enough free space. "
            "The previous copy of the file, if any, is unchanged.",
        ) from exc
    if key is not None:
        crypto.remember_key(project)  # best effort; the file holds the password copy
    if mark_clean:
        project.path = target
        project.dirty = False
    return target


# -- reading --------------------------------------------------------------------------------------
def _check_names(zf: zipfile.ZipFile, source: Path) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ProjectFileError(
            f"holds {len(infos)} members, more than a project ever has",
            file=source,
            fix="this is not a dlwizard project; open the right file.",
        )
    for info in infos:
        name = info.filename
        if (
            name.startswith(("/", "\\"))
            or "\\" in name
            or ".." in name.split("/")
            or re.match(r"^[A-Za-z]:", name)
        ):
            raise ProjectFileError(
                f"contains a member with an unsafe path ({name!r}) that points outside the project",
                file=source,
                fix="do not open this file: it was not written by dlwizard and may be malicious.",
            )
    names = {i.filename for i in infos if not i.is_dir()}
    if "manifest.json" not in names:
        what = ""
        if "[Content_Types].xml" in names:
            what = " (it looks like an Excel or Word file renamed to .dlwiz)"
        raise ProjectFileError(
            f"has no manifest.json, so it is not a dlwizard project{what}",
            file=source,
            fix="open a file that dlwizard saved; to bring in a data table, use Import on the "
            "data page instead.",
        )
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if info.is_dir():
            continue
        if not any(p.fullmatch(name) for p in _ALLOWED):
            hint = ""
            if name.lower().endswith((".pkl", ".pickle", ".joblib", ".pt", ".pth")):
                hint = " Such files can run code when loaded, so dlwizard never reads them."
            raise ProjectFileError(
                f"contains an unexpected member {name!r}.{hint}",
                file=source,
                fix="open the original project file; this one was altered or made by "
                "another program.",
            )
        if name in seen:
            raise ProjectFileError(
                f"contains the member {name!r} twice", file=source, fix="open a backup copy."
            )
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise ProjectFileError(
                f"contains the member {name!r} as a symbolic link; a project never holds links "
                "(it is never followed)",
                file=source,
                fix="open the original project file; this one was altered or made by "
                "another program.",
            )
        seen.add(name)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ProjectFileError(
                f"member {name!r} claims {info.file_size:,} bytes, over the limit",
                file=source,
                fix="this file is not a genuine project; do not open it.",
            )
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            raise ProjectFileError(
                f"member {name!r} expands more than {MAX_RATIO}-fold (a 'zip bomb')",
                file=source,
                fix="do not open this file: it was not written by dlwizard.",
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise ProjectFileError(
            "the members add up to more than the size limit",
            file=source,
            fix="this file is not a genuine project.",
        )
    return infos


def _read_member(zf: zipfile.ZipFile, name: str, limit: int, source: Path) -> bytes:
    try:
        with zf.open(name) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
        raise ProjectFileError(
            f"is truncated or damaged (member {name!r} could not be read)",
            file=source,
            fix="open the autosaved recovery copy or a backup.",
        ) from exc
    if len(data) > limit:
        raise ProjectFileError(
            f"member {name!r} is larger than its recorded size",
            file=source,
            fix="the file was altered; open a backup copy.",
        )
    return data


def _open_zip(source: Path) -> zipfile.ZipFile:
    """Open a container after the checks that need no zip reading (exists, not empty, zip)."""
    if not source.exists():
        raise ProjectFileError("no such file", file=source, fix="check the file name and folder.")
    if source.is_dir():
        raise ProjectFileError(
            "is a folder, not a project file", file=source, fix="choose a .dlwiz file."
        )
    try:
        with source.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ProjectFileError(
            f"cannot be read: {exc.strerror or exc}",
            file=source,
            fix="check that you may read the file and that its disk is connected.",
        ) from exc
    if not head:
        raise ProjectFileError(
            "is empty (0 bytes), so it holds no project",
            file=source,
            fix="open the autosaved recovery copy or a backup; an interrupted copy or sync "
            "can leave an empty file.",
        )
    if not head.startswith(b"PK"):
        raise ProjectFileError(
            "is not a dlwizard project: a project file is a zip container, and this file is "
            "something else (perhaps another file renamed to .dlwiz)",
            file=source,
            fix="open a file that dlwizard saved; to bring in a data table, use Import on the "
            "data page instead.",
        )
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ProjectFileError(
            "is not a readable dlwizard project (the zip container is damaged or truncated)",
            file=source,
            fix="open the autosaved recovery copy or a backup; the file cannot be repaired.",
        ) from exc


def _check_manifest(raw: bytes, names: set[str], source: Path) -> dict[str, Any]:
    """The manifest's member table, after checking it against the members present."""
    try:
        manifest = _json(raw, "manifest.json", source)
        members_meta = manifest["members"]
        version = manifest["schema_version"]
        if not isinstance(members_meta, dict) or not all(
            isinstance(m, dict) for m in members_meta.values()
        ):
            raise TypeError("members is not an object of objects")
    except (ValueError, KeyError, TypeError) as exc:
        raise ProjectFileError(
            "has a damaged manifest.json", file=source, fix="open a backup copy."
        ) from exc
    if manifest.get("format") != FORMAT:
        raise ProjectFileError(
            "is a zip file but not a dlwizard project", file=source, fix="open a .dlwiz file."
        )
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise ProjectFileError(
            f"was saved by a newer dlwizard (schema version {version}; this dlwizard reads "
            f"up to version {SCHEMA_VERSION})",
            file=source,
            fix="install the newest dlwizard to open it. Nothing was changed.",
        )
    extra = names - set(members_meta)
    missing = set(members_meta) - names
    if extra or missing:
        which = sorted(extra or missing)[0]
        raise ProjectFileError(
            f"member {which!r} is {'not listed in' if extra else 'missing but listed in'} "
            "the manifest",
            file=source,
            fix="the file was altered or is incomplete; open a backup copy.",
        )
    return members_meta


def read_container(
    path: str | Path,
    password: str | None = None,
    *,
    remember: bool = True,
    only: set[str] | None = None,
    key: ProjectKey | None = None,
) -> tuple[dict[str, bytes], ProjectKey | None]:
    """Read, decrypt when encrypted, and verify the members (all, or those in ``only``).

    ``key``: the project's key when it is already known (reading back what was just saved)."""
    source = Path(path)
    with _open_zip(source) as zf:
        infos = _check_names(zf, source)
        names = {i.filename for i in infos if not i.is_dir()}
        pk = header = aead = None
        if HEADER_MEMBER in names:
            header = crypto.parse_header(
                _read_member(zf, HEADER_MEMBER, 64 * 1024, source),
                source,
                file_format=FORMAT,
                schema_version=SCHEMA_VERSION,
            )
            pk = key or crypto.unlock(header, source, password=password, remember=remember)
            aead = pk.aead()
            limit = crypto.ciphertext_size(_MAX_MANIFEST_BYTES)
            raw = _read_member(zf, "manifest.json", limit, source)
            raw = crypto.decrypt_member(pk, header, "manifest.json", raw, source, aead)
        else:
            raw = _read_member(zf, "manifest.json", _MAX_MANIFEST_BYTES, source)
        members_meta = _check_manifest(raw, names - {"manifest.json", HEADER_MEMBER}, source)
        out: dict[str, bytes] = {}
        for name, meta in members_meta.items():
            if only is not None and name not in only:
                continue
            try:
                size = int(meta["size"])
                if header is not None:
                    data = _read_member(zf, name, crypto.ciphertext_size(size), source)
                    data = crypto.decrypt_member(pk, header, name, data, source, aead)
                else:
                    data = _read_member(zf, name, size, source)
            except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, TypeError) as exc:
                if isinstance(exc, ProjectFileError):
                    raise
                raise ProjectFileError(
                    f"is truncated or damaged (member {name!r} could not be read)",
                    file=source,
                    fix="open the autosaved recovery copy or a backup.",
                ) from exc
            if len(data) != size or _sha256(data) != meta.get("sha256"):
                raise ProjectFileError(
                    f"member {name!r} does not match its recorded checksum",
                    file=source,
                    fix="the file was damaged or altered; open a backup copy.",
                )
            out[name] = data
    return out, pk


def read_members(path: str | Path, password: str | None = None) -> dict[str, bytes]:
    """Read and verify every member of a container, decrypted when the project is encrypted
    (keychain first, then ``password``). The manifest itself is not returned.

    Raises ProjectFileError; for encrypted files also PasswordRequired, WrongPassword and
    TamperedFile (all from ``dlwizard.study.crypto``).
    """
    return read_container(path, password)[0]


def is_encrypted(path: str | Path) -> bool:
    """Whether the file is an encrypted project (reads only the zip's table of contents).

    False for anything that is not a readable zip; ``load`` then says what is wrong.
    """
    try:
        with zipfile.ZipFile(Path(path)) as zf:
            return HEADER_MEMBER in zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def parquet_to_table(data: bytes) -> Any:
    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(data)).to_pandas()


def load(path: str | Path, password: str | None = None, *, remember: bool = True) -> Project:
    """Open a project. An encrypted one is unlocked with the key in this computer's keychain,
    else with ``password``; opened with the password, its key is then kept in the keychain
    when there is one and ``remember`` is true.

    Raises ProjectFileError; for an encrypted file PasswordRequired (ask for the password and
    call again), WrongPassword or TamperedFile. Nothing is written when it fails.
    """
    source = Path(path)
    members, key = read_container(source, password, remember=remember)
    project = project_from_members(members, source)
    project.encryption = key
    if key is not None:
        crypto.remember_key(project)
    return project


def _json(raw: bytes, member: str, source: Path) -> Any:
    """json.loads, with a document nested beyond Python's recursion limit refused by name."""
    try:
        return json.loads(raw)
    except RecursionError as exc:
        raise ProjectFileError(
            f"{member} is nested too deeply to be a dlwizard project",
            file=source,
            fix="do not open this file: it was altered or made by another program; open the "
            "original project or a backup copy.",
        ) from exc


def project_from_members(members: dict[str, bytes], source: Path) -> Project:
    """Build a Project from verified plaintext members (as returned by ``read_members``)."""
    if "study.json" not in members:
        raise ProjectFileError(
            "has no readable study.json (it is missing)",
            file=source,
            fix="open the autosaved recovery copy or a backup copy of the project.",
        )
    try:
        doc = _json(members["study.json"], "study.json", source)
    except ValueError as exc:
        raise ProjectFileError(
            "has no readable study.json",
            file=source,
            fix="open the autosaved recovery copy or a backup copy of the project.",
        ) from exc
    if not isinstance(doc, dict):
        raise ProjectFileError(
            "study.json is not an object, so this is not a study dlwizard wrote",
            file=source,
            fix="open the original project file, or the autosaved recovery copy or a backup; "
            "this one was altered or made by another program.",
        )
    doc = migrate(doc, source=str(source))
    try:
        study = Study.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise ProjectFileError(
            f"study.json is not valid: {where}: {first.get('msg')}",
            file=source,
            fix="the file was edited by hand or damaged; open a backup copy.",
        ) from exc
    table = None
    if TABLE_MEMBER in members:
        try:
            table = parquet_to_table(members[TABLE_MEMBER])
        except Exception as exc:
            raise ProjectFileError(
                "the data table inside the project cannot be read",
                file=source,
                fix="open a backup copy.",
            ) from exc
    log: list[AuditEntry] = []
    for n, line in enumerate(members.get("log.jsonl", b"").decode("utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            log.append(AuditEntry.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            raise ProjectFileError(
                f"audit log line {n} is damaged", file=source, fix="open a backup copy."
            ) from exc
    project = Project(study=study, table=table, log=log, path=source, dirty=False)
    for member, data in members.items():
        if member.startswith("models/"):
            project.models[member[7:]] = data  # bytes only: read by safetensors, never run
        if member.startswith("data/") and member not in (TABLE_MEMBER, SEALED_MEMBER):
            try:
                project.frames[member[5:-8]] = parquet_to_table(data)
            except Exception as exc:
                raise ProjectFileError(
                    f"the stored results {member!r} cannot be read",
                    file=source,
                    fix="open a backup copy.",
                ) from exc
    if SEALED_MEMBER in members:
        try:
            project.restore_sealed(parquet_to_table(members[SEALED_MEMBER]))
        except Exception as exc:
            raise ProjectFileError(
                "the sealed test rows inside the project cannot be read",
                file=source,
                fix="open a backup copy.",
            ) from exc
    return project
