"""The steps' one way to images (issue 18): which column holds them, how they are read, their
pixels through a cache, and re-linking a moved folder.

Every step that needs pixels (explore, baselines, networks, interpretation, predict) calls
:func:`pixels`, so an image is decoded once per session for a given :class:`ImageSpec`: the cache
is keyed by the file's SHA-256 and the spec, so a re-linked folder or a renamed file keeps its
entries, and a changed file (another hash) never reads stale pixels.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.io import images as imgs
from dlwizard.io.images import ImageSpec
from dlwizard.study.model import Finding, ImageInfo

if TYPE_CHECKING:
    import pandas as pd

    from dlwizard.jobs import Job
    from dlwizard.study.project import Project

STEP = "data"
CACHE_BYTES = 2 << 30  # 2 GiB of float16 pixels at most; beyond it, the oldest are dropped
IN_MEMORY_BYTES = 3 << 30  # a larger set of pixels is decoded into a memory-mapped file
DISK_BLOCK = 2048  # images decoded at a time into that file
ON_DISK_KEPT = 4  # memory-mapped sets kept (the training rows, the tuning rows, ...)
ON_DISK: dict = {}
RELINK_CODES = {"image-relink-missing", "image-relink-changed", "image-relinked"}


def image_infos(project: Project) -> list[ImageInfo]:
    d = project.study.data
    return list(d.images) if d is not None else []


def image_feature(project: Project) -> ImageInfo | None:
    """The column of images the models read: the first recorded one with the feature role
    (before the metadata step: the first recorded one)."""
    infos = image_infos(project)
    table = project.table
    if not infos or table is None:
        return None
    m = project.study.metadata
    for info in infos:
        if info.column in table.columns and (m is None or m.roles.get(info.column) == "feature"):
            return info
    return None


def usual_channels(info: ImageInfo) -> int:
    """The channel count most images have (what the models read when no channels are chosen)."""
    return imgs.usual_channels(info.channels)


def spec_of(info: ImageInfo) -> ImageSpec:
    """How the images of ``info`` are read: its side, fit and channels; a set that mixes gray
    and colour is read with the channel count most images have."""
    chosen = tuple(info.channels_used)
    return ImageSpec(
        size=info.size,
        fit=info.fit,
        channels=chosen,
        n_channels=len(chosen) if chosen else usual_channels(info),
        value_max=info.value_max,
    )


def _rows_frame(project: Project, rows) -> pd.DataFrame:
    import pandas as pd

    if isinstance(rows, pd.DataFrame):
        return rows
    table = project.table
    if table is None:
        raise ValueError("the project has no data")
    return table.iloc[list(rows)]


def relative_paths(project: Project, rows, info: ImageInfo | None = None) -> list[str]:
    """The rows' image paths as stored (relative to the root, '/' separators)."""
    info = info or image_feature(project)
    if info is None:
        raise ValueError("the project has no column of images")
    return [str(v) for v in _rows_frame(project, rows)[info.column].tolist()]


def paths_of(
    project: Project, rows: pd.DataFrame | Sequence[int], info: ImageInfo | None = None
) -> list[Path]:
    """The rows' image files on disk: ``rows`` a frame holding the image column, or positions
    in ``project.table``."""
    info = info or image_feature(project)
    if info is None:
        raise ValueError("the project has no column of images")
    root = Path(info.root)
    return [root / rel for rel in relative_paths(project, rows, info)]


# -- the cache ------------------------------------------------------------------------------------
class _Cache:
    """Decoded images by (SHA-256, spec), the least recently used dropped beyond the bound."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit = limit
        self.used = 0
        self._items: OrderedDict[tuple[str, ImageSpec], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, ImageSpec]) -> np.ndarray | None:
        with self._lock:
            arr = self._items.get(key)
            if arr is not None:
                self._items.move_to_end(key)
            return arr

    def put(self, key: tuple[str, ImageSpec], arr: np.ndarray) -> None:
        if arr.nbytes > self.limit:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = arr
            self.used += arr.nbytes
            while self.used > self.limit and self._items:
                _, old = self._items.popitem(last=False)
                self.used -= old.nbytes

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.used = 0


CACHE = _Cache()


def pixels_of(
    info: ImageInfo,
    rels: Sequence[str],
    spec: ImageSpec | None = None,
    job: Job | None = None,
    workers: int | None = None,
) -> np.ndarray:
    """float16 (N, C, S, S) of the images ``rels`` (relative to ``info.root``), decoded once:
    those in the cache are taken from it, the others read in a thread pool and kept. A set too
    large for memory (more than ``IN_MEMORY_BYTES``) is decoded block by block into a file on
    disk that the array maps (a numpy memmap): training then streams it from disk."""
    spec = spec or spec_of(info)
    root = Path(info.root)
    c = spec.n_channels or len(spec.channels) or usual_channels(info)
    if len(rels) * c * spec.size * spec.size * 2 > IN_MEMORY_BYTES:
        key = (str(root), tuple(rels), spec)
        if key not in ON_DISK:  # the folds and trials ask for the same rows again and again
            while len(ON_DISK) >= ON_DISK_KEPT:
                ON_DISK.pop(next(iter(ON_DISK)))
            ON_DISK[key] = _on_disk(root, rels, spec, c, job, workers)
        return ON_DISK[key]
    keys = [(info.sha256.get(r, ""), spec) for r in rels]
    found = [CACHE.get(k) if k[0] else None for k in keys]
    todo = [i for i, a in enumerate(found) if a is None]
    if todo:
        fresh = imgs.load_many([root / rels[i] for i in todo], spec, job=job, workers=workers)
        for i, arr in zip(todo, fresh, strict=True):
            found[i] = arr
            if keys[i][0]:
                CACHE.put(keys[i], arr.copy())
    elif job is not None:
        job.progress(1.0, f"Read {len(rels):,} images")
    c = spec.n_channels or len(spec.channels) or (found[0].shape[0] if found else 1)
    out = np.empty((len(rels), c, spec.size, spec.size), dtype=np.float16)
    for i, arr in enumerate(found):
        out[i] = arr
    return out


def _on_disk(root: Path, rels, spec: ImageSpec, c: int, job, workers) -> np.ndarray:
    """Decode ``rels`` block by block into a memory-mapped file in the temporary folder (removed
    when the array is freed on POSIX systems, at exit elsewhere)."""
    import atexit
    import os
    import tempfile

    fd, name = tempfile.mkstemp(prefix="dlwizard-pixels-", suffix=".f16")
    os.close(fd)
    out = np.memmap(name, dtype=np.float16, mode="w+", shape=(len(rels), c, spec.size, spec.size))
    if os.name == "posix":
        os.unlink(name)  # the mapping keeps the data; the file goes with it
    else:
        atexit.register(lambda: Path(name).unlink(missing_ok=True))
    for start in range(0, len(rels), DISK_BLOCK):
        part = rels[start : start + DISK_BLOCK]
        sub = job.sub(start / len(rels), (start + len(part)) / len(rels)) if job else None
        out[start : start + len(part)] = imgs.load_many(
            [root / r for r in part], spec, job=sub, workers=workers
        )
    out.flush()
    return out


def pixels(
    project: Project,
    rows: pd.DataFrame | Sequence[int],
    job: Job | None = None,
    spec: ImageSpec | None = None,
) -> np.ndarray:
    """float16 (N, C, S, S) of the rows' images (``rows``: a frame holding the image column,
    or positions in ``project.table``), as the models read them, through the cache."""
    info = image_feature(project)
    if info is None:
        raise ValueError("the project has no column of images with the feature role")
    return pixels_of(info, relative_paths(project, rows, info), spec, job)


# -- re-linking a moved folder --------------------------------------------------------------------
def relink(
    project: Project, new_root: str | Path, job: Job | None = None, column: str | None = None
) -> list[Finding]:
    """Point a column of images at a folder it moved to, after checking every file by its
    SHA-256. Missing or changed files are named and the old folder is kept; when every file is
    there as imported, the new folder is recorded (and the audit log says so)."""
    new_root = Path(new_root).expanduser().resolve()
    infos = image_infos(project)
    info = next((i for i in infos if column in (None, i.column)), None)
    if info is None:
        raise ValueError("the project has no column of images to re-link")
    rels = sorted(info.sha256)
    missing = [r for r in rels if not (new_root / r).is_file()]
    present = [r for r in rels if r not in set(missing)]
    hashes: list[str] = [""] * len(present)

    def put(i: int, h) -> None:
        hashes[i] = h

    imgs._batched_map(_hash_or_blank, [new_root / r for r in present], job, None, "Verifying", put)
    changed = [r for r, h in zip(present, hashes, strict=True) if h != info.sha256[r]]
    findings = _relink_findings(info, new_root, rels, missing, changed)
    if not missing and not changed:
        old = info.root
        info.root = str(new_root)
        project.audit("images-relinked", column=info.column, old=old, new=str(new_root))
    project.replace_findings(STEP, findings, codes=RELINK_CODES)
    return findings


def _hash_or_blank(path: Path) -> str:
    try:
        return imgs.sha256_file(path)
    except OSError:
        return ""


def _relink_findings(
    info: ImageInfo, new_root: Path, rels: list[str], missing: list[str], changed: list[str]
) -> list[Finding]:
    out: list[Finding] = []
    if missing:
        out.append(
            Finding(
                code="image-relink-missing",
                severity="error",
                step=STEP,
                message=(
                    f"{len(missing):,} of {len(rels):,} images of '{info.column}' are not in "
                    f"{new_root}: {', '.join(missing[:5])}"
                    + (f" and {len(missing) - 5:,} more" if len(missing) > 5 else "")
                    + f". The images are still read from {info.root}."
                ),
                fix="choose the folder that holds the class folders (or the sample sheet's "
                "images) as they were imported, with every file.",
                columns=[info.column],
                detail={"files": missing[:200], "n": len(missing)},
            )
        )
    if changed:
        out.append(
            Finding(
                code="image-relink-changed",
                severity="error",
                step=STEP,
                message=(
                    f"{len(changed):,} image(s) in {new_root} are not the files that were "
                    f"imported (their SHA-256 differs): {', '.join(changed[:5])}"
                    + (f" and {len(changed) - 5:,} more" if len(changed) > 5 else "")
                    + f". The images are still read from {info.root}."
                ),
                fix="restore the original files (from a backup or the archive); if the images "
                "were changed on purpose, import the folder again: the results of the old "
                "images do not hold for the new ones.",
                columns=[info.column],
                detail={"files": changed[:200], "n": len(changed)},
            )
        )
    if not out:
        out.append(
            Finding(
                code="image-relinked",
                severity="info",
                step=STEP,
                message=(
                    f"The {len(rels):,} images of '{info.column}' are read from {new_root} now; "
                    "every file was checked against its SHA-256 from the import."
                ),
                columns=[info.column],
                detail={"root": str(new_root)},
            )
        )
    return out
