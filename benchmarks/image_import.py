"""Import of a folder of 10,000 PNG images (256 x 256 RGB): the whole data step against the
least such an import must do.

Issue 18's target: "A folder of 10,000 images (256 x 256) imports and hashes in under a minute
here."

The data: 10,000 PNG files of 256 x 256 RGB (8-bit) in five class folders, in a temporary
folder, never in the repository. The fast path: 100 distinct images (a random 8 x 8 colour
field enlarged, bilinear, plus a little noise, about the size of a noisy micrograph) are encoded
by Pillow at compress_level=1, and each file is one of them with its own tEXt chunk, so every
file has its own SHA-256 (no "identical files" finding) and costs a real PNG decode. The time
the generation took is printed.

* (a) bare: the class folders listed, then every file read, hashed with hashlib's SHA-256 and
  fully decoded by Pillow (``Image.open(...).load()``) in a thread pool of 2: the least an
  import that hashes and checks every file must do;
* (b) the whole data step, ``dlwizard.steps.data.run(Project.new(), ImportOptions(paths=[
  folder]))``: ``io.images.find_class_folders``, ``check_many`` (read, SHA-256 and full decode
  of every file in a thread pool), the table, ``ImageInfo``, the findings and the commit. The
  part spent in ``check_many`` is printed too.

Run twice each, interleaved (the files are in the page cache from their writing); the median is
printed with each run. Target: (b) under 60 s (and (b) / (a) near 1). About 2 to 3 minutes on
2 cores.
Run: ``.venv/bin/python benchmarks/image_import.py``.
"""

from __future__ import annotations

import hashlib
import io
import statistics
import struct
import sys
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

N = 10_000
CLASSES = 5
SIDE = 256
WORKERS = 2
REPEATS = 2
TEMPLATES = 100  # distinct images encoded; the files copy them with their own tEXt chunk
TARGET_S = 60.0
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- data -----------------------------------------------------------------------------------------
def make_folder(folder: Path, n: int = N, seed: int = 0) -> Path:
    """``n`` PNG files of 256 x 256 RGB in ``CLASSES`` class folders under ``folder/images``.

    The fast path: ``TEMPLATES`` images are encoded by Pillow (a random 8 x 8 colour field
    enlarged, bilinear, plus a little noise; compress_level=1), and each file is one of them
    with its own tEXt chunk (its number) put after the header: every file has its own SHA-256
    and decodes like the image it copies, for the price of writing bytes."""
    from PIL import Image

    root = folder / "images"
    for c in range(CLASSES):
        (root / f"class_{c}").mkdir(parents=True)
    rng = np.random.default_rng(seed)
    templates = []
    for _ in range(TEMPLATES):
        coarse = rng.integers(16, 240, (8, 8, 3), dtype=np.uint8)
        field = Image.fromarray(coarse).resize((SIDE, SIDE), Image.Resampling.BILINEAR)
        noise = rng.integers(-6, 7, (SIDE, SIDE, 3), dtype=np.int16)
        pixels = np.clip(np.asarray(field, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
        templates.append(buf.getvalue())
    head = 8 + 25  # the PNG signature and the IHDR chunk
    for i in range(n):
        png = templates[i % TEMPLATES]
        text = b"Comment\x00bench image " + str(i).encode()
        chunk = (
            struct.pack(">I", len(text))
            + b"tEXt"
            + text
            + struct.pack(">I", zlib.crc32(b"tEXt" + text))
        )
        path = root / f"class_{i % CLASSES}" / f"img_{i:05d}.png"
        path.write_bytes(png[:head] + chunk + png[head:])
    return root


# -- the two measured things ----------------------------------------------------------------------
def _hash_and_decode(path: Path) -> tuple[str, tuple[int, int]]:
    from PIL import Image

    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    with Image.open(io.BytesIO(raw)) as im:
        im.load()  # the full decode (a truncated file fails only here)
        return digest, im.size


def bare(root: Path) -> int:
    paths = sorted(root.glob("*/*.png"))
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return sum(1 for _ in pool.map(_hash_and_decode, paths))


CHECK_SECONDS: list[float] = []


def _timed_check_many():
    """``io.images.check_many`` wrapped to record its time (data_images calls it through the
    module, so the wrapper is seen there)."""
    from dlwizard.io import images

    real = images.check_many

    def check_many(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            CHECK_SECONDS.append(time.perf_counter() - t0)

    images.check_many = check_many


def data_step(root: Path) -> int:
    from dlwizard.steps import data
    from dlwizard.study.model import ImportOptions
    from dlwizard.study.project import Project

    project = Project.new()
    data.run(project, ImportOptions(paths=[str(root)]))
    return int(project.study.data.n_rows)


def _preload() -> None:
    """Import what the step needs, so that module code is not timed (the GUI has it loaded)."""
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
    from PIL import Image, PngImagePlugin  # noqa: F401

    import dlwizard.steps.data
    import dlwizard.steps.data_images
    import dlwizard.steps.question  # noqa: F401


# -- report ---------------------------------------------------------------------------------------
def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def _runs(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.1f}" for t in times) + "]"


def main() -> None:
    _preload()
    _timed_check_many()
    with tempfile.TemporaryDirectory(prefix="dlwizard-bench-") as tmp:
        print(f"load average before generating: {_load()}")
        t0 = time.perf_counter()
        root = make_folder(Path(tmp))
        size = sum(p.stat().st_size for p in root.glob("*/*.png"))
        print(
            f"generated {N:,} PNG files of {SIDE} x {SIDE} RGB in {CLASSES} class folders "
            f"({size / 1e9:.2f} GB) in {time.perf_counter() - t0:.1f} s; load average {_load()}"
        )
        times: dict[str, list[float]] = {"bare": [], "step": []}
        for _ in range(REPEATS):  # interleaved, so that background load hits both alike
            t = time.perf_counter()
            n_bare = bare(root)
            times["bare"].append(time.perf_counter() - t)
            t = time.perf_counter()
            n_step = data_step(root)
            times["step"].append(time.perf_counter() - t)
            assert n_bare == n_step == N, (n_bare, n_step)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{N:,} images, {WORKERS} threads, median of {REPEATS}:")
        print(
            f"  (a) bare: list, read, SHA-256, Pillow full decode: {med['bare']:6.1f} s  "
            f"{N / med['bare']:5,.0f} images/s  {_runs(times['bare'])}"
        )
        print(
            f"  (b) data step, data.run():                         {med['step']:6.1f} s  "
            f"{N / med['step']:5,.0f} images/s  {_runs(times['step'])}"
        )
        print(f"      of which check_many {statistics.median(CHECK_SECONDS):.1f} s")
        print(f"ratio (b) / (a) {med['step'] / med['bare']:.2f}")
        verdict = "MET" if med["step"] < TARGET_S else "MISSED"
        print(f"(b) {med['step']:.1f} s (target < {TARGET_S:.0f} s): {verdict}")
        print(f"load average after timing: {_load()}")


if __name__ == "__main__":
    main()
