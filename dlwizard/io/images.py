"""Image files (issue 18): the one loader of pixels, the checks of a file at import, the finder
of a folder with one sub-folder per class, and the recognition of a sample sheet's column of
image paths from its values.

An image data set is a table: one row per image, one column of paths relative to a root folder.
The pixels are never stored; everything that needs them reads them through :func:`load_pixels`
or :func:`load_many`, so that every step sees the same numbers.

PNG and JPEG (and what else Pillow reads) are decoded by Pillow, TIFF by tifffile (16-bit,
multi-channel, channel-first or channel-last, several pages of one size read as channels). Both
release the GIL while decoding, so a thread pool uses every core, and threads are safe in the
frozen app where process pools are not. Nothing heavy is imported at import time (numpy only),
and no Study type: ``steps`` turn the plain results into the Study's records.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from dlwizard.jobs import Job

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff"})
FITS = ("resize", "crop", "pad")
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")  # classic and BigTIFF
_FORMAT_NAMES = {"mpo": "jpeg", "tif": "tiff"}  # a phone's JPEG is MPO to Pillow
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_HASH_BLOCK = 1 << 22
BATCH = 64  # images decoded between two progress reports (each also checks Cancel)
SAMPLE = 200  # cells looked at to judge whether a table column names image files


class ImageError(DataError):
    """An image file cannot be read: missing, not an image, damaged or cut short."""

    def __init__(self, path: str | Path, reason: str, fix: str | None = None) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(
            reason,
            file=path,
            fix=fix
            or "copy the file again from the microscope or the archive (it may be damaged or "
            "cut short), or remove it from the folder or the sample sheet.",
        )


@dataclass(frozen=True)
class ImageSpec:
    """How every image is brought to one array shape: ``size`` x ``size`` pixels by ``fit``,
    the ``channels`` picked (indices; () = all), then ``n_channels`` channels (0 = as read):
    a gray image is repeated, a colour image turned to luminance for one channel."""

    size: int = 64
    fit: str = "resize"  # resize (aspect not kept) | crop (centre square) | pad (to a square)
    channels: tuple[int, ...] = ()
    n_channels: int = 0
    # Integer images are divided by this instead of their type's maximum (0: the type's): the
    # camera's bit depth, e.g. 4095 for 12-bit data stored as 16-bit, which would otherwise
    # use a sixteenth of the 0..1 range.
    value_max: int = 0

    def __post_init__(self) -> None:
        if self.fit not in FITS:
            raise ValueError(f"fit must be one of {', '.join(FITS)}, not {self.fit!r}")
        if self.size < 1:
            raise ValueError("size must be at least 1 pixel")


@dataclass(frozen=True)
class ImageHeader:
    """What an image file holds, as read (channels after dropping an alpha channel)."""

    format: str  # png | jpeg | tiff | ... (Pillow's name, lower case)
    width: int
    height: int
    channels: int
    dtype: str  # uint8 | uint16 | float32 | ...


@dataclass
class ImageCheck:
    """One file as checked at import: its hash and size, its header, or why it cannot be read."""

    path: Path
    sha256: str = ""
    size_bytes: int = 0
    header: ImageHeader | None = None
    error: str | None = None  # the reason in plain words (None: readable)
    max_value: float = 0.0  # the largest pixel value (to find the camera's bit depth)


# -- reading -------------------------------------------------------------------------------------
def is_image_name(name: str) -> bool:
    """Whether a file name has an image extension (.png .jpg .jpeg .tif .tiff, any case)."""
    return os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES


def _is_tiff(head: bytes) -> bool:
    return head[:4] in _TIFF_MAGIC


def _format_name(name: str | None) -> str:
    name = (name or "unknown").lower()
    return _FORMAT_NAMES.get(name, name)


def _pil_array(raw: bytes) -> tuple[np.ndarray, str]:
    """Decode with Pillow: (C, H, W) in the file's dtype, and the format's name. A palette
    becomes colour, a 1-bit image 8-bit gray, an alpha channel is dropped (not image content)."""
    from PIL import Image

    with Image.open(io.BytesIO(raw)) as im:
        fmt = _format_name(im.format)
        im.load()  # the whole image now: a truncated file fails here, not later
        mode = im.mode
        if mode == "P":
            im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        elif mode == "1":
            im = im.convert("L")
        elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
            im = im.convert("RGB")
        elif mode == "PA":
            im = im.convert("RGBA")
        arr = np.asarray(im)
        if im.mode in _ALPHA_MODES:
            arr = arr[..., :-1]
    if arr.dtype.byteorder == ">":  # 16-bit PNGs are big-endian
        arr = arr.astype(arr.dtype.newbyteorder("="))
    arr = arr[None] if arr.ndim == 2 else np.moveaxis(arr, -1, 0)
    return np.ascontiguousarray(arr), fmt


def _spatial_axes(shape: tuple[int, ...], axes: str) -> tuple[int, int]:
    """The (row, column) axes of a TIFF array: tifffile's Y and X where they are the image's
    sides, else the two largest dimensions (a channel-last array written without a colour
    interpretation reads as pages of 'YX' that are a few pixels wide)."""
    if "Y" in axes and "X" in axes:
        y, x = axes.index("Y"), axes.index("X")
        others = [n for i, n in enumerate(shape) if i not in (y, x)]
        if not others or min(shape[y], shape[x]) > max(others) or min(shape[y], shape[x]) >= 16:
            return y, x
    order = sorted(range(len(shape)), key=lambda i: (shape[i], i))
    y, x = sorted(order[-2:])
    return y, x


def _tiff_array(raw: bytes) -> np.ndarray:
    """Decode a TIFF: (C, H, W) in the file's dtype. Channel-first, channel-last, or several
    pages of one size (read as channels); the first of several images of different sizes (a
    pyramid's full resolution)."""
    import tifffile

    with tifffile.TiffFile(io.BytesIO(raw)) as tif:
        series = tif.series
        if not series:
            raise ValueError("the TIFF file holds no image")
        first = series[0]
        if len(series) > 1 and all(
            s.shape == first.shape and s.dtype == first.dtype for s in series
        ):
            arr = np.stack([s.asarray() for s in series])
            axes = "Q" + first.axes
        else:
            arr = first.asarray()
            axes = first.axes
    axes = axes if len(axes) == arr.ndim else ""
    keep = [i for i, n in enumerate(arr.shape) if n > 1]
    if len(keep) < 2:
        raise ValueError(f"the TIFF image has no two sides (shape {arr.shape})")
    if len(keep) < arr.ndim:  # singleton axes (one time point, one slice) are dropped
        arr = arr.reshape([arr.shape[i] for i in keep])
        axes = "".join(axes[i] for i in keep) if axes else ""
    y, x = _spatial_axes(arr.shape, axes)
    rest = [i for i in range(arr.ndim) if i not in (y, x)]
    arr = np.transpose(arr, [*rest, y, x])
    arr = arr.reshape(-1, arr.shape[-2], arr.shape[-1])
    if arr.dtype.byteorder == ">":
        arr = arr.astype(arr.dtype.newbyteorder("="))
    return np.ascontiguousarray(arr)


def _decode(raw: bytes, path: Path) -> tuple[np.ndarray, str]:
    """(C, H, W) and the format's name, or :class:`ImageError` with the reason in plain words."""
    if not raw:
        raise ImageError(path, "the file is empty (0 bytes)")
    try:
        if _is_tiff(raw):
            return _tiff_array(raw), "tiff"
        return _pil_array(raw)
    except ImageError:
        raise
    except MemoryError as exc:
        raise ImageError(path, "the image is too large to read into memory") from exc
    except Exception as exc:  # Pillow and tifffile raise many kinds for a damaged file
        raise ImageError(path, _reason(exc)) from exc


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    name = type(exc).__name__
    if name == "UnidentifiedImageError":
        return "the file is not an image Pillow can read (or its start is damaged)"
    if name == "DecompressionBombError":
        return f"the image is too large to read safely ({text})"
    if "truncated" in text.lower() or isinstance(exc, EOFError | SyntaxError):
        return f"the image is damaged or cut short ({text})"
    return f"the image cannot be decoded ({text})"


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise ImageError(path, "no such file", "check that the file is in its folder.") from exc
    except IsADirectoryError as exc:
        raise ImageError(path, "is a folder, not an image file") from exc
    except OSError as exc:
        raise ImageError(path, f"the file cannot be read ({exc.strerror or exc})") from exc


def read_native(path: str | Path) -> np.ndarray:
    """The image as stored: shape (C, H, W), the file's dtype (uint8, uint16, float32...).
    Raises :class:`ImageError` for a missing, unreadable or truncated file."""
    path = Path(path)
    arr, _ = _decode(_read_bytes(path), path)
    return arr


def probe(path: str | Path) -> ImageHeader:
    """The header of an image file (format, sides, channels, dtype) without decoding its pixels
    where the library allows: Pillow opens lazily, tifffile reads the series' shape."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
            fh.seek(0)
            if _is_tiff(head):
                return _probe_tiff(fh)
            return _probe_pil(fh)
    except FileNotFoundError as exc:
        raise ImageError(path, "no such file", "check that the file is in its folder.") from exc
    except ImageError:
        raise
    except Exception as exc:
        raise ImageError(path, _reason(exc)) from exc


def _probe_pil(fh) -> ImageHeader:
    from PIL import Image

    with Image.open(fh) as im:
        mode = im.mode
        bands = len(im.getbands())
        if mode == "P":
            bands = 3
        elif mode in _ALPHA_MODES:
            bands -= 1
        elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
            bands = 3
        dtype = {"I;16": "uint16", "I;16B": "uint16", "I;16L": "uint16", "I": "int32",
                 "F": "float32"}.get(mode, "uint8")  # fmt: skip
        return ImageHeader(_format_name(im.format), im.width, im.height, bands, dtype)


def _probe_tiff(fh) -> ImageHeader:
    import tifffile

    with tifffile.TiffFile(fh) as tif:
        series = tif.series
        first = series[0]
        shape, axes = tuple(first.shape), first.axes
        if len(series) > 1 and all(s.shape == first.shape for s in series):
            shape, axes = (len(series), *shape), "Q" + axes
        axes = axes if len(axes) == len(shape) else ""
        keep = [i for i, n in enumerate(shape) if n > 1]
        if len(keep) < 2:
            raise ValueError(f"the TIFF image has no two sides (shape {shape})")
        kept = tuple(shape[i] for i in keep)
        y, x = _spatial_axes(kept, "".join(axes[i] for i in keep) if axes else "")
        channels = int(np.prod([n for i, n in enumerate(kept) if i not in (y, x)] or [1]))
        return ImageHeader("tiff", int(kept[x]), int(kept[y]), channels, str(first.dtype))


def usual_channels(counts: dict[str, int]) -> int:
    """The channel count most images have (channel count as text -> images); a tie goes to
    the larger count (a colour image turned gray loses more than a gray one repeated)."""
    if not counts:
        return 1
    return int(max(counts, key=lambda k: (counts[k], int(k))))


def header_of(arr: np.ndarray, fmt: str) -> ImageHeader:
    return ImageHeader(fmt, int(arr.shape[2]), int(arr.shape[1]), int(arr.shape[0]), str(arr.dtype))


# -- pixels --------------------------------------------------------------------------------------
def bit_depth_max(dtype: str, largest: float) -> int:
    """The camera's range for integer images wider than 8 bits: the smallest 2^k - 1 (k = 10,
    12, 14, 16) that holds the largest pixel seen (0 for 8-bit and float images: their own
    range is used)."""
    if not dtype.startswith("uint") or dtype == "uint8":
        return 0
    for bits in (10, 12, 14, 16, 32):
        if largest <= 2**bits - 1:
            return 2**bits - 1
    return 0


def scale(arr: np.ndarray, value_max: int = 0) -> np.ndarray:
    """0..1 float32 by the dtype's range (255 for 8-bit, 65535 for 16-bit, or ``value_max``,
    the camera's range, when given); floats clipped."""
    if arr.dtype == np.bool_:
        return arr.astype(np.float32)
    if np.issubdtype(arr.dtype, np.integer):
        info = np.iinfo(arr.dtype)
        top = float(value_max) if value_max and arr.dtype.itemsize > 1 else float(info.max)
        out = arr.astype(np.float32) / top
        return np.clip(out, 0.0, 1.0) if info.min < 0 or top < info.max else out
    return np.clip(np.nan_to_num(arr.astype(np.float32)), 0.0, 1.0)


def _pick_channels(arr: np.ndarray, spec: ImageSpec, path: Path) -> np.ndarray:
    if spec.channels:
        if arr.shape[0] == 1:  # a gray image in a colour set: the same gray for every channel
            arr = np.repeat(arr, len(spec.channels), axis=0)
        elif max(spec.channels) >= arr.shape[0]:
            raise ImageError(
                path,
                f"has {arr.shape[0]} channel(s), but channel {max(spec.channels) + 1} was chosen",
                "choose the channels every image has, or remove the images with fewer.",
            )
        else:
            arr = arr[list(spec.channels)]
    n = spec.n_channels
    if n and arr.shape[0] != n:
        c = arr.shape[0]
        if c == 1:
            arr = np.repeat(arr, n, axis=0)
        elif n == 1 and c >= 3:  # luminance (ITU-R 601), as Pillow's convert("L")
            arr = np.tensordot(np.array([0.299, 0.587, 0.114], np.float32), arr[:3], axes=1)[None]
        elif c > n:
            arr = arr[:n]
        else:
            raise ImageError(
                path,
                f"has {c} channels where the models read {n}",
                "choose the channels the models read, or remove the images with fewer.",
            )
    return arr


def _square(arr: np.ndarray, fit: str) -> np.ndarray:
    """A centred square: cut from the middle (crop) or the image centred on black (pad)."""
    _, h, w = arr.shape
    if h == w or fit == "resize":
        return arr
    if fit == "crop":
        s = min(h, w)
        top, left = (h - s) // 2, (w - s) // 2
        return arr[:, top : top + s, left : left + s]
    s = max(h, w)
    out = np.zeros((arr.shape[0], s, s), dtype=arr.dtype)
    top, left = (s - h) // 2, (s - w) // 2
    out[:, top : top + h, left : left + w] = arr
    return out


def fit_to(arr: np.ndarray, spec: ImageSpec) -> np.ndarray:
    """(C, H, W) float32 brought to (C, size, size) by ``spec.fit`` (scikit-image's resize,
    bilinear, with anti-aliasing when shrinking)."""
    arr = _square(arr, spec.fit)
    c, h, w = arr.shape
    if h == spec.size and w == spec.size:
        return np.ascontiguousarray(arr, dtype=np.float32)
    if h == w and h % spec.size == 0:
        # Shrinking by a whole factor (256 -> 64): the mean of each block is the anti-aliased
        # value, ten times faster than a filtered resize.
        # Summing the k x k strided views is ten times faster than numpy's mean over two axes.
        k = h // spec.size
        arr = np.asarray(arr, dtype=np.float32)
        out = np.zeros((c, spec.size, spec.size), dtype=np.float32)
        for i in range(k):
            for j in range(k):
                out += arr[:, i::k, j::k]
        out *= 1.0 / (k * k)
        return out
    from skimage.transform import resize

    shrink = h > spec.size or w > spec.size
    out = resize(
        np.moveaxis(arr, 0, -1),
        (spec.size, spec.size, c),
        order=1,
        mode="reflect",
        anti_aliasing=shrink,
        preserve_range=True,
    )
    return np.ascontiguousarray(np.moveaxis(out, -1, 0), dtype=np.float32)


def to_spec(native: np.ndarray, spec: ImageSpec, path: Path) -> np.ndarray:
    """A native (C, H, W) image as float32 (C, size, size), 0..1."""
    arr = scale(native, spec.value_max)
    arr = _pick_channels(arr, spec, path)
    return np.clip(fit_to(arr, spec), 0.0, 1.0)


def load_pixels(path: str | Path, spec: ImageSpec) -> np.ndarray:
    """One image as the models read it: float32 (C, size, size), 0..1 of the dtype's range,
    the channels picked, brought to the side by ``spec.fit``."""
    path = Path(path)
    return to_spec(read_native(path), spec, path)


def workers_for(workers: int | None = None) -> int:
    if workers is not None:
        return max(1, int(workers))
    env = os.environ.get("DLWIZARD_WORKERS")
    if env and env.isdigit():
        return max(1, int(env))
    return max(1, min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else (os.cpu_count() or 1)))  # fmt: skip


def _batched_map(
    fn: Callable[[Path], object],
    paths: Sequence[Path],
    job: Job | None,
    workers: int | None,
    what: str,
    on_result: Callable[[int, object], None],
) -> None:
    """``fn`` over ``paths`` in a thread pool, batch by batch: progress and Cancel between
    batches, results handed to ``on_result(i, result)`` in order."""
    n = len(paths)
    n_workers = min(workers_for(workers), max(n, 1))
    with ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="dlwizard-images") as pool:
        step = max(BATCH, n_workers * 8)
        for start in range(0, n, step):
            if job is not None:
                job.progress(start / max(n, 1), f"{what} {start:,} of {n:,} images")
            chunk = paths[start : start + step]
            for k, result in enumerate(pool.map(fn, chunk)):
                on_result(start + k, result)
    if job is not None:
        job.progress(1.0, f"{what} {n:,} images")


def load_many(
    paths: Sequence[str | Path],
    spec: ImageSpec,
    job: Job | None = None,
    workers: int | None = None,
) -> np.ndarray:
    """Many images as float16 (N, C, size, size), decoded in a thread pool (progress and Cancel
    through ``job`` between batches). Every image must give the same channel count: set
    ``spec.n_channels`` for a set that mixes gray and colour."""
    paths = [Path(p) for p in paths]
    out: np.ndarray | None = None

    def put(i: int, arr) -> None:
        nonlocal out
        if out is None:
            out = np.empty((len(paths), *arr.shape), dtype=np.float16)
        if arr.shape != out.shape[1:]:
            raise ImageError(
                paths[i],
                f"has {arr.shape[0]} channel(s) where the first image has {out.shape[1]}",
                "choose the channels the models read (gray images are then repeated).",
            )
        out[i] = arr

    _batched_map(lambda p: load_pixels(p, spec), paths, job, workers, "Reading", put)
    if out is None:
        c = spec.n_channels or len(spec.channels) or 1
        return np.empty((0, c, spec.size, spec.size), dtype=np.float16)
    return out


# -- checking at import ---------------------------------------------------------------------------
def sha256_bytes(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def sha256_file(path: str | Path) -> str:
    """The SHA-256 of a file, read in blocks (hashlib releases the GIL on large blocks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_HASH_BLOCK):
            digest.update(chunk)
    return digest.hexdigest()


def check_file(path: str | Path) -> ImageCheck:
    """Read a file once: its SHA-256, its size, and a full decode (a truncated file shows only
    when its pixels are read), with the reason in plain words when it fails."""
    path = Path(path)
    check = ImageCheck(path)
    try:
        raw = _read_bytes(path)
        check.size_bytes = len(raw)
        check.sha256 = sha256_bytes(raw)
        arr, fmt = _decode(raw, path)
        check.header = header_of(arr, fmt)
        check.max_value = float(arr.max()) if arr.size else 0.0
    except ImageError as exc:
        check.error = exc.reason
    return check


def check_many(
    paths: Sequence[str | Path], job: Job | None = None, workers: int | None = None
) -> list[ImageCheck]:
    """:func:`check_file` for every path, in a thread pool, in order."""
    paths = [Path(p) for p in paths]
    out: list[ImageCheck] = [ImageCheck(p) for p in paths]

    def put(i: int, check) -> None:
        out[i] = check

    _batched_map(check_file, paths, job, workers, "Checking", put)
    return out


# -- a folder with one sub-folder per class -------------------------------------------------------
@dataclass
class FolderScan:
    """The images of a folder of class sub-folders: (path relative to the root with '/',
    class) in a stable order, and what was left out, counted."""

    root: Path
    images: list[tuple[str, str]] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)  # every class folder, with images or not
    hidden: int = 0  # hidden files and folders ('.DS_Store', '._x.png', '.thumbnails')
    not_images: int = 0  # other files (notes, spreadsheets, 'Thumbs.db')
    loose: int = 0  # images directly in the root, in no class folder
    empty_classes: list[str] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)  # a few files left out


def _hidden(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")


def find_class_folders(root: str | Path) -> FolderScan:
    """Every image under each sub-folder of ``root`` (also in deeper folders), its class the
    sub-folder's name. Extensions .png .jpg .jpeg .tif .tiff in any case; hidden files and
    folders and other files are skipped and counted."""
    root = Path(root)
    if not root.is_dir():
        raise DataError("is not a folder", file=root, fix="choose the folder of class folders.")
    scan = FolderScan(root=root)
    entries = sorted(os.scandir(root), key=lambda e: (e.name.casefold(), e.name))
    for entry in entries:
        if _hidden(entry.name):
            scan.hidden += 1
        elif entry.is_dir():
            _scan_class(scan, Path(entry.path), entry.name)
        elif is_image_name(entry.name):
            scan.loose += 1
            scan.examples.append(entry.name)
        else:
            scan.not_images += 1
            scan.examples.append(entry.name)
    return scan


def _scan_class(scan: FolderScan, folder: Path, name: str) -> None:
    scan.classes.append(name)
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        scan.hidden += sum(_hidden(d) for d in dirnames)
        dirnames[:] = sorted((d for d in dirnames if not _hidden(d)), key=str.casefold)
        rel_dir = Path(dirpath).relative_to(scan.root).as_posix()
        for f in sorted(filenames, key=lambda s: (s.casefold(), s)):
            if _hidden(f):
                scan.hidden += 1
            elif is_image_name(f):
                found.append(f"{rel_dir}/{f}")
            else:
                scan.not_images += 1
                if len(scan.examples) < 5:
                    scan.examples.append(f"{rel_dir}/{f}")
    if not found:
        scan.empty_classes.append(name)
    scan.images += [(p, name) for p in found]


# -- a table column of image paths ---------------------------------------------------------------
def _text_values(series: pd.Series, k: int = SAMPLE) -> list[str]:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return []
    present = series.dropna()
    step = max(1, len(present) // k)
    return [str(v).strip() for v in present.iloc[::step].tolist()[:k] if str(v).strip()]


def names_images(series: pd.Series) -> bool:
    """Whether a column's values are image file names (nine in ten end in an image extension);
    from the values alone, no file is opened."""
    values = _text_values(series)
    return bool(values) and sum(is_image_name(v) for v in values) >= 0.9 * len(values)


def as_relative(value: str) -> str:
    """A path as written in a sheet, with '/' separators (a Windows sheet writes '\\')."""
    return value.strip().replace("\\", "/")


def locate(value: str, folder: Path) -> Path:
    """Where a sheet's path points: absolute as written, or relative to the sheet's folder."""
    p = Path(as_relative(value)).expanduser()
    return p if p.is_absolute() else folder / p


def image_path_column(df: pd.DataFrame, folder: str | Path) -> str | None:
    """The column whose values name image files (whatever it is called): nine in ten non-empty
    cells end in an image extension and most name a file that exists, relative to ``folder``
    (the sheet's) or absolute. Of several, the one naming the most existing files."""
    folder = Path(folder)
    best, best_hits = None, 0.0
    for col in df.columns:
        values = _text_values(df[col])
        if not values or sum(is_image_name(v) for v in values) < 0.9 * len(values):
            continue
        hits = sum(locate(v, folder).is_file() for v in values) / len(values)
        if hits > 0.5 and hits > best_hits:
            best, best_hits = str(col), hits
    return best


def common_root(files: Iterable[Path], folder: Path) -> Path:
    """The folder the paths are stored relative to: the sheet's folder when every file is under
    it, else the deepest folder above them all."""
    files = [f.resolve() for f in files]
    folder = folder.resolve()
    if all(f.is_relative_to(folder) for f in files):
        return folder
    return Path(os.path.commonpath([str(f.parent) for f in files])) if files else folder
