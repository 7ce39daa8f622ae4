"""The image branch of the data step (issue 18): a folder with one sub-folder per class, or a
sample sheet (CSV, Excel) whose column of image paths is recognised from its values.

Either way the result is a table of one row per image: the path (relative to
``ImageInfo.root``, '/' separators), the label and the metadata. Every file is read once at
import: its SHA-256 (so a moved folder can be re-linked and verified) and a full decode (a
truncated file shows only when its pixels are read). Files that cannot be read stop the import
with their names, unless the user agreed to leave them out.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING

from dlwizard.errors import DataError
from dlwizard.io import images as imgs
from dlwizard.jobs import Job
from dlwizard.study.model import FileRecord, Finding, ImageInfo, ImportOptions

if TYPE_CHECKING:
    import pandas as pd

    from dlwizard.study.model import Provenance
    from dlwizard.study.project import Project

STEP = "data"
IMAGE_COLUMN = "image"  # a folder's table: image_id, image, class
CLASS_COLUMN = "class"
ID_COLUMN = "image_id"
FEW_PER_CLASS = 10  # a class folder with fewer images gives estimates too uncertain to use
SHOWN = 5  # files named in a message


def skip_unreadable(options: ImportOptions) -> bool:
    """Whether the user agreed to leave unreadable image files out (the option may not exist
    in an older Study: then never)."""
    return options.skip_unreadable


def default_channel_names(n: int) -> list[str]:
    """'gray' for one channel, red, green, blue for three, else 'channel 1', 'channel 2'..."""
    if n == 1:
        return ["gray"]
    if n == 3:
        return ["red", "green", "blue"]
    return [f"channel {i + 1}" for i in range(n)]


def _named(items: list[str], n: int | None = None) -> str:
    n = len(items) if n is None else n
    shown = ", ".join(items[:SHOWN])
    return shown + (f" and {n - SHOWN:,} more" if n > SHOWN else "")


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


# -- a folder of class folders --------------------------------------------------------------------
def run_folder(
    project: Project,
    options: ImportOptions,
    root: Path,
    provenance: Provenance | None = None,
    job: Job | None = None,
    base: Path | None = None,
) -> None:
    """Import a folder with one sub-folder per class (all or nothing): a table of ``image_id``,
    ``image`` and ``class``, a sample sheet joined on ``image_id`` when one is given."""
    import pandas as pd

    from dlwizard.io.profile import column_info
    from dlwizard.steps import data
    from dlwizard.study.model import DataSection, Provenance

    job = job or Job()
    if len(options.paths) > 1:
        raise DataError(
            "is a folder of images, which is imported on its own",
            file=root,
            fix="import one folder (with one sub-folder per class) at a time; put all the "
            "classes' folders in it.",
        )
    root = root.resolve()
    job.progress(0.0, f"Looking through {root.name}")
    scan = imgs.find_class_folders(root)
    _require_classes(scan)
    rels = [rel for rel, _ in scan.images]
    checks = imgs.check_many([root / r for r in rels], job.sub(0.02, 0.9))
    findings = _skipped_finding(scan)
    keep, unreadable = _readable(checks, rels, options, root, findings)
    df = pd.DataFrame(
        {
            ID_COLUMN: _image_ids([rels[i] for i in keep]),
            IMAGE_COLUMN: [rels[i] for i in keep],
            CLASS_COLUMN: [scan.images[i][1] for i in keep],
        }
    )
    kept = [checks[i] for i in keep]
    info = image_info(IMAGE_COLUMN, root, list(df[IMAGE_COLUMN]), kept, len(unreadable), options)
    classes = list(df[CLASS_COLUMN])
    findings += describe(info, list(df[IMAGE_COLUMN]), kept, classes)
    findings += _few_per_class(scan, Counter(classes))
    records = [_folder_record(root, info, kept)]
    options = options.model_copy(update={"sample_id_column": options.sample_id_column or ID_COLUMN})
    if options.sample_sheet is not None:
        read = data._Read()
        df, options = data._join_sample_sheet(
            df, options, options.sample_id_column, root, base, job.sub(0.9, 0.95), read
        )
        findings += read.findings
        records += read.records
    df = df.reset_index(drop=True)
    section = DataSection(
        options=options,
        provenance=provenance or Provenance(),
        files=records,
        n_rows=int(df.shape[0]),
        n_columns=int(df.shape[1]),
        columns=column_info(df, {}, images=[IMAGE_COLUMN]),
        images=[info],
    )
    job.check()  # the last moment to cancel: after this the project changes
    data.commit(project, df, section, findings)
    job.progress(1.0, "Imported")


def _require_classes(scan: imgs.FolderScan) -> None:
    if scan.images:
        return
    if scan.loose:
        raise DataError(
            f"holds {_count(scan.loose, 'image')} but no class folders: the images of each "
            "class go in a sub-folder named after the class",
            file=scan.root,
            fix="make one sub-folder per class (for example 'treated' and 'control') and move "
            "each image into its class's folder; or give a sample sheet (CSV or Excel) with a "
            "column of image paths and a column of labels as the data file.",
        )
    raise DataError(
        "is a folder, and it holds no images (.png, .jpg, .jpeg, .tif, .tiff) in sub-folders"
        + (f"; its folders {_named(scan.classes)} are empty" if scan.classes else ""),
        file=scan.root,
        fix="choose the data file inside it, or a folder that holds one sub-folder of images "
        "per class.",
    )


def _image_ids(rels: list[str]) -> list[str]:
    """Each image's ID: its path inside its class folder without the extension ('well_A1'),
    so the ID does not spell the class (an ID that does is a warning at the metadata step);
    the path from the top folder ('treated/well_A1') where two classes hold files of one name,
    and the extension too where two files differ only there."""
    stems = [r.rsplit(".", 1)[0] for r in rels]
    inner = [s.split("/", 1)[-1] for s in stems]
    if len(set(inner)) == len(inner):
        return inner
    counts = Counter(stems)
    return [s if counts[s] == 1 else r for s, r in zip(stems, rels, strict=True)]


def _folder_record(root: Path, info: ImageInfo, checks: list[imgs.ImageCheck]) -> FileRecord:
    """The folder as one data file: its fingerprint is the SHA-256 of the list of its images
    and their hashes (path, tab, hash, one a line, sorted), so one changed image changes it."""
    manifest = "".join(f"{rel}\t{sha}\n" for rel, sha in sorted(info.sha256.items()))
    return FileRecord(
        path=str(root),
        name=root.name,
        sha256=hashlib.sha256(manifest.encode()).hexdigest(),
        size_bytes=sum(c.size_bytes for c in checks),
        format="image-folder",
        n_rows=info.n,
        n_columns=3,
    )


def preview_folder(root: Path, job: Job | None = None):
    """What the data page shows before importing a folder: one row per image found (nothing
    decoded yet), the first images' headers, and the files that will be skipped."""
    import pandas as pd

    from dlwizard.io.orientation import Orientation
    from dlwizard.io.readers import ReadResult
    from dlwizard.steps.data import Preview

    job = job or Job()
    job.progress(0.0, f"Looking through {root.name}")
    scan = imgs.find_class_folders(root)
    _require_classes(scan)
    rels = [rel for rel, _ in scan.images]
    table = pd.DataFrame(
        {
            ID_COLUMN: _image_ids(rels),
            IMAGE_COLUMN: rels,
            CLASS_COLUMN: [c for _, c in scan.images],
        }
    )
    findings = _skipped_finding(scan) + _few_per_class(scan, Counter(table[CLASS_COLUMN]))
    record = FileRecord(
        path=str(root),
        name=root.name,
        sha256="",
        size_bytes=0,
        format="image-folder",
        n_rows=len(table),
        n_columns=3,
    )
    job.progress(1.0, f"Found {len(table):,} images")
    result = ReadResult(table, record, findings, first_row=1)
    return Preview(result, Orientation(False, "a folder of class folders: one row per image"))


# -- a sample sheet with a column of image paths --------------------------------------------------
def image_column(df: pd.DataFrame, folder: Path) -> str | None:
    """The sheet's column of image paths (see :func:`dlwizard.io.images.image_path_column`)."""
    return imgs.image_path_column(df, folder)


def from_sheet(
    df: pd.DataFrame, column: str, folder: Path, options: ImportOptions, job: Job | None = None
) -> tuple[pd.DataFrame, ImageInfo, list[Finding]]:
    """A sample sheet's images checked: the table (paths rewritten relative to the root, '/'
    separators; rows of unreadable files dropped with the user's consent), the column's
    :class:`ImageInfo` and the findings. ``folder``: the sheet's folder."""
    job = job or Job()
    cells = df[column]
    empty = cells.isna() | (cells.astype("string").str.strip() == "")
    located = [
        None if e else imgs.locate(str(v), folder) for v, e in zip(cells, empty, strict=True)
    ]
    present = [p for p in located if p is not None]
    root = imgs.common_root(present, folder) if present else folder.resolve()
    rels = [_relative(p, root) if p is not None else "" for p in located]
    checks = imgs.check_many([p or folder for p in located], job)
    for i, p in enumerate(located):
        if p is None:
            checks[i] = imgs.ImageCheck(folder, error="the cell is empty: no image is named")
    names = [rels[i] or f"row {i + 2} (empty cell)" for i in range(len(rels))]
    findings: list[Finding] = []
    keep, unreadable = _readable(checks, names, options, root, findings, column=column)
    out = df.iloc[keep].copy()
    out[column] = [rels[i] for i in keep]
    kept = [checks[i] for i in keep]
    info = image_info(column, root, list(out[column]), kept, len(unreadable), options)
    findings += describe(info, list(out[column]), kept, None)
    rewritten = sum(str(v).strip() != r for v, r in zip(cells.iloc[keep], out[column], strict=True))
    summary = next(f for f in findings if f.code == "image-summary")
    if rewritten:
        summary.message += (
            f" {_count(rewritten, 'path')} were written relative to {root} ('/' separators)."
        )
    return out.reset_index(drop=True), info, findings


def _relative(path: Path, root: Path) -> str:
    p = path.resolve()
    return p.relative_to(root).as_posix() if p.is_relative_to(root) else p.as_posix()


# -- what every import checks ---------------------------------------------------------------------
def _readable(
    checks: list[imgs.ImageCheck],
    names: list[str],
    options: ImportOptions,
    root: Path,
    findings: list[Finding],
    column: str = IMAGE_COLUMN,
) -> tuple[list[int], list[int]]:
    """The positions of readable files and of unreadable ones; unreadable files stop the import
    (named, with the reason), unless the user agreed to leave them out (then a finding)."""
    bad = [i for i, c in enumerate(checks) if c.error is not None]
    good = [i for i, c in enumerate(checks) if c.error is None]
    if not bad:
        return good, bad
    listed = [f"{names[i]} ({checks[i].error})" for i in bad]
    if not skip_unreadable(options) or not good:
        raise DataError(
            f"{_count(len(bad), 'image file')} of {len(checks):,} cannot be read: "
            + "; ".join(listed[:SHOWN])
            + (f"; and {len(bad) - SHOWN:,} more" if len(bad) > SHOWN else ""),
            file=root,
            fix="copy those files again from the microscope or the archive (they may be "
            "damaged or cut short), or remove them from the folder or the sample sheet, then "
            "import again; or let dlwizard leave them out: tick 'Leave out images that cannot "
            "be read' on the data page (in a plan: skip_unreadable = true under [data]).",
        )
    findings.append(
        Finding(
            code="image-unreadable",
            severity="warning",
            step=STEP,
            message=(
                f"{_count(len(bad), 'image file')} of {len(checks):,} could not be read and "
                f"were left out, as you agreed: {'; '.join(listed[:SHOWN])}"
                + (f"; and {len(bad) - SHOWN:,} more" if len(bad) > SHOWN else "")
                + "."
            ),
            fix="if a class lost more files than another, the comparison is skewed: copy the "
            "files again and import again.",
            columns=[column],
            detail={"files": [names[i] for i in bad][:200], "n": len(bad)},
        )
    )
    return good, bad


def image_info(
    column: str,
    root: Path,
    rels: list[str],
    checks: list[imgs.ImageCheck],
    n_unreadable: int,
    options: ImportOptions | None = None,
) -> ImageInfo:
    """The Study's record of a column of readable images (``options``: the side, fit and
    channels the user chose for the models)."""
    options = options or ImportOptions()
    headers = [c.header for c in checks if c.header is not None]
    channels = Counter(str(h.channels) for h in headers)
    usual = imgs.usual_channels(dict(channels))
    chosen = list(options.image_channels)
    bad = [c for c in chosen if c < 0 or c >= usual]
    if bad:
        raise DataError(
            f"has images of {usual} channel(s); channel {bad[0]} does not exist (channels are "
            "numbered from 0)",
            file=root,
            fix=f"choose channels from 0 to {usual - 1} (image_channels), or leave the list "
            "empty to read them all.",
        )
    n_used = len(chosen) or usual
    names = list(options.channel_names)
    if names and len(names) != n_used:
        raise DataError(
            f"the models read {n_used} channel(s), but {len(names)} channel name(s) were given",
            file=root,
            fix="give one name per channel read (channel_names), in order, or none.",
        )
    wide = [c for c in checks if c.header is not None and c.header.dtype.startswith("uint")]
    value_max = max((imgs.bit_depth_max(c.header.dtype, c.max_value) for c in wide), default=0)
    return ImageInfo(
        value_max=value_max,
        size=options.image_size,
        fit=options.image_fit,
        channels_used=chosen,
        column=column,
        root=str(root),
        n=len(headers),
        n_unreadable=n_unreadable,
        formats=dict(Counter(h.format for h in headers)),
        width_min=min((h.width for h in headers), default=0),
        width_max=max((h.width for h in headers), default=0),
        height_min=min((h.height for h in headers), default=0),
        height_max=max((h.height for h in headers), default=0),
        channels=dict(channels),
        dtypes=dict(Counter(h.dtype for h in headers)),
        channel_names=names or [default_channel_names(usual)[c] for c in chosen or range(usual)],
        sha256={rel: c.sha256 for rel, c in zip(rels, checks, strict=True)},
    )


def describe(
    info: ImageInfo,
    rels: list[str],
    checks: list[imgs.ImageCheck],
    classes: list[str] | None,
) -> list[Finding]:
    """The summary, then what differs between the images (sizes, channels, bit depths) and
    identical files. ``classes``: each image's class when the import knows it (a folder)."""
    headers = [c.header for c in checks]
    out = [_summary(info)]
    sizes = [(h.width, h.height) for h in headers]
    if len(set(sizes)) > 1:
        out.append(_sizes_finding(info, sizes, classes))
    if len(info.channels) > 1:
        out.append(_mixed_finding(info, "channels", [h.channels for h in headers], classes))
    if len(info.dtypes) > 1:
        out.append(_mixed_finding(info, "dtypes", [h.dtype for h in headers], classes))
    same = _identical(rels, checks)
    if same:
        out.append(_identical_finding(info, same, rels, classes))
    return [f for f in out if f is not None]


def _sides(info: ImageInfo) -> str:
    w = (
        f"{info.width_min}"
        if info.width_min == info.width_max
        else f"{info.width_min}–{info.width_max}"
    )
    h = (
        f"{info.height_min}"
        if info.height_min == info.height_max
        else f"{info.height_min}–{info.height_max}"
    )
    return f"{w} × {h} pixels"


def _tally(counts: dict[str, int], word=lambda k: k) -> str:
    return ", ".join(f"{word(k)} {n:,}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))


def _channel_word(k: str) -> str:
    return {"1": "gray", "3": "colour (3 channels)"}.get(k, f"{k} channels")


def _summary(info: ImageInfo) -> Finding:
    return Finding(
        code="image-summary",
        severity="info",
        step=STEP,
        message=(
            f"'{info.column}' names {_count(info.n, 'image')} in {info.root}: "
            f"{_tally(info.formats, str.upper)}; {_sides(info)}; "
            f"{_tally(info.channels, _channel_word)}; {_tally(info.dtypes, _depth_word)}. "
            f"The models read each image at {info.size} × {info.size} pixels ({info.fit}); "
            "the files are referenced by path and SHA-256, not copied into the project."
        ),
        fix="name the channels, and choose the side and how images are fitted to it, before "
        "the models are trained.",
        columns=[info.column],
        detail={
            "n": info.n,
            "formats": info.formats,
            "channels": info.channels,
            "dtypes": info.dtypes,
            "width": [info.width_min, info.width_max],
            "height": [info.height_min, info.height_max],
        },
    )


def summary(info: ImageInfo) -> str:
    """One image column in plain words, for the data page: "'image': 20 images (PNG 20),
    24 × 24 pixels, gray 20, 8-bit 20; channels gray; read at 64 × 64 (resize)"."""
    return (
        f"'{info.column}': {_count(info.n, 'image')} ({_tally(info.formats, str.upper)}), "
        f"{_sides(info)}, {_tally(info.channels, _channel_word)}, "
        f"{_tally(info.dtypes, _depth_word)}; channels {', '.join(info.channel_names)}; read at "
        f"{info.size} × {info.size} ({info.fit}) from {info.root}"
        + (
            f"; pixels read as 0–1 of {info.value_max:,} (the {info.value_max.bit_length()}-bit "
            "range the brightest pixel fits)"
            if info.value_max
            else ""
        )
        + (f"; {info.n_unreadable:,} unreadable left out" if info.n_unreadable else "")
    )


def _depth_word(dtype: str) -> str:
    return {"uint8": "8-bit", "uint16": "16-bit", "float32": "32-bit float"}.get(dtype, dtype)


def _by_class(values: list, classes: list[str] | None) -> dict[str, set]:
    groups: dict[str, set] = defaultdict(set)
    for v, c in zip(values, classes or [], strict=False):
        groups[c].add(v)
    return groups


def _apart(groups: dict[str, set]) -> bool:
    """Whether the values tell the classes apart: no value is shared by two classes."""
    if len(groups) < 2:
        return False
    seen: set = set()
    for vals in groups.values():
        if vals & seen:
            return False
        seen |= vals
    return True


def _sizes_finding(info: ImageInfo, sizes: list[tuple[int, int]], classes) -> Finding:
    counts = Counter(sizes)
    apart = _apart(_by_class(sizes, classes))
    common = ", ".join(f"{w} × {h} ({n:,})" for (w, h), n in counts.most_common(4))
    stretch = ": resizing stretches images that are not square." if info.fit == "resize" else "."
    msg = (
        f"'{info.column}': the images differ in size ({len(counts):,} sizes, {_sides(info)}; "
        f"most common: {common}). Each is brought to {info.size} × {info.size} pixels by "
        f"'{info.fit}'{stretch}"
    )
    if apart:
        msg += (
            " The classes do not share a single size: the size alone tells them apart, and a "
            "model can learn it (from the stretching or the padding) instead of the biology."
        )
    return Finding(
        code="image-sizes-differ",
        severity="warning" if apart else "info",
        step=STEP,
        message=msg,
        fix="choose 'crop' or 'pad' to keep the shapes, or crop the images to one size before "
        "import; if the classes were imaged differently, image them the same way.",
        columns=[info.column],
        detail={
            "sizes": {f"{w}x{h}": n for (w, h), n in counts.most_common(20)},
            "classes_apart": apart,
        },
    )


def _mixed_finding(info: ImageInfo, what: str, values: list, classes) -> Finding:
    """Images with different channel counts, or different bit depths."""
    counts = dict(Counter(str(v) for v in values))
    apart = _apart(_by_class([str(v) for v in values], classes))
    if what == "channels":
        usual = str(imgs.usual_channels(counts))
        tally = _tally(counts, _channel_word)
        how = (
            "the gray images are repeated on each channel"
            if usual != "1"
            else "the colour images are turned into gray (luminance)"
        )
        msg = (
            f"'{info.column}' mixes images with different channels ({tally}): the models "
            f"read {_channel_word(usual)}, as most images have; {how}."
        )
        fix = (
            "convert the images to one kind before import, or check why some differ: a gray "
            "image among colour ones is often another microscope or an export setting."
        )
    else:
        tally = _tally(counts, _depth_word)
        msg = (
            f"'{info.column}' mixes bit depths ({tally}). Each image is scaled by its own "
            "range (255 for 8-bit, 65,535 for 16-bit), so the same sample saved at two depths "
            "looks different to a model."
        )
        fix = "export all images at one bit depth from the acquisition software."
    if apart:
        msg += (
            " Each class has its own kind: this alone tells the classes apart, and a model "
            "would learn it instead of the biology."
        )
    return Finding(
        code="image-channels-differ" if what == "channels" else "image-depths-differ",
        severity="warning",
        step=STEP,
        message=msg,
        fix=fix,
        columns=[info.column],
        detail={what: counts, "classes_apart": apart},
    )


def _identical(rels: list[str], checks: list[imgs.ImageCheck]) -> list[list[int]]:
    """Groups of rows whose files have the same SHA-256."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(checks):
        groups[c.sha256].append(i)
    return [g for g in groups.values() if len(g) > 1]


def _identical_finding(info: ImageInfo, groups: list[list[int]], rels, classes) -> Finding:
    extra = sum(len(g) - 1 for g in groups)
    across = [g for g in groups if classes and len({classes[i] for i in g}) > 1]
    example = " = ".join(rels[i] for i in groups[0][:3])
    msg = (
        f"'{info.column}': {_count(extra, 'row')} repeat an image already in the set (the same "
        f"file content, SHA-256, under another name or on another row; for example {example}). "
        "A copy in the training set and another in the test set would let a model remember "
        "instead of learn."
    )
    if across:
        msg += f" {_count(len(across), 'group')} of copies sit in different classes."
    return Finding(
        code="image-identical-files",
        severity="warning",
        step=STEP,
        message=msg,
        fix="remove the copies (or, if each is meant to be a separate image, check the export); "
        "a copy in two classes means one label is wrong.",
        columns=[info.column],
        detail={
            "groups": [[rels[i] for i in g] for g in groups[:100]],
            "extra_copies": extra,
            "across_classes": len(across),
        },
    )


def _few_per_class(scan: imgs.FolderScan, counts: Counter) -> list[Finding]:
    few = {c: counts.get(c, 0) for c in scan.classes if counts.get(c, 0) < FEW_PER_CLASS}
    if not few:
        return []
    listed = ", ".join(f"'{c}' ({n:,})" for c, n in sorted(few.items(), key=lambda kv: kv[1]))
    empty = [c for c, n in few.items() if n == 0]
    return [
        Finding(
            code="image-few-per-class",
            severity="warning",
            step=STEP,
            message=(
                f"{_count(len(few), 'class folder')} hold fewer than {FEW_PER_CLASS} images: "
                f"{listed}. With so few, the test set holds only one or two of them and every "
                "score for that class is a guess."
                + (f" Empty folders give no class: {_named(empty)}." if empty else "")
            ),
            fix="add images of those classes, merge them with a related class, or leave the "
            "folder out.",
            detail={"classes": few},
        )
    ]


def _skipped_finding(scan: imgs.FolderScan) -> list[Finding]:
    if not (scan.hidden or scan.not_images or scan.loose):
        return []
    parts = []
    if scan.not_images:
        parts.append(f"{_count(scan.not_images, 'file')} that are not images")
    if scan.hidden:
        parts.append(f"{_count(scan.hidden, 'hidden file')} or folders ('.DS_Store', '._x')")
    if scan.loose:
        parts.append(f"{_count(scan.loose, 'image')} directly in the folder, in no class folder")
    example = f" (for example {_named(scan.examples)})" if scan.examples else ""
    return [
        Finding(
            code="image-skipped-files",
            severity="info",
            step=STEP,
            message=f"{scan.root.name}: skipped {'; '.join(parts)}{example}.",
            fix="only .png, .jpg, .jpeg, .tif and .tiff files inside the class folders are "
            "read; convert other formats, and move loose images into their class's folder.",
            detail={"hidden": scan.hidden, "not_images": scan.not_images, "loose": scan.loose},
        )
    ]
