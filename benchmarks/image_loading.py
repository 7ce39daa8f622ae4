"""Loading and augmenting 2,000 PNG images: dlwizard's path against a plain torch DataLoader.

Issue 18's target: "Loading and augmenting: images per second >= 0.9x a plain torch DataLoader
reading the same files with the same workers."

The data: 2,000 PNG files of 128 x 128 RGB (8-bit) in four class folders, smooth random
content with a little noise (written with Pillow, compress_level=1), in a temporary folder,
never in the repository. Both paths read every file, bring it to 64 x 64 float and augment it
in batches of 64 with two workers:

* (a) dlwizard: ``io.images.load_many(paths, ImageSpec(size=64), workers=2)`` (a thread pool:
  Pillow decode, scale to 0..1, fit to 64 x 64, the float16 array the models read), then what
  the training loop (``ml.nets._ImageData.batch`` on the host) does to every training batch: a
  seeded permutation, ``image_nets.draw_augmentation`` once for the set from a seeded
  ``torch.Generator``, and per batch of 64 the rows gathered, made float32 and
  ``image_nets.augment`` (the 8 symmetries of the square, a reflected shift, intensity jitter);
* (b) plain torch: ``DataLoader(Dataset, batch_size=64, num_workers=2, shuffle=True)`` whose
  Dataset opens each file with Pillow, makes it a float tensor (0..1) and resizes it to 64 x 64
  with ``torch.nn.functional.interpolate(..., mode="bilinear", antialias=True)``; the loop
  turns each image of the batch by a random symmetry of the square (random flips and a
  transpose, i.e. flips and 90-degree turns) and jitters its intensity, from a seeded generator
  (no shift: a little less work than (a)). The worker processes start afresh each pass, as a
  DataLoader without ``persistent_workers`` does every epoch.

Median of 7 passes each, interleaved so that background load hits both alike; images per
second and the ratio (a) / (b) in throughput. Target: >= 0.9. About a minute on 2 cores.
Run: ``.venv/bin/python benchmarks/image_loading.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N = 2_000
CLASSES = 4
SOURCE_SIDE = 128
SIDE = 64
BATCH = 64
WORKERS = 2
REPEATS = 7
TARGET = 0.9  # (a) / (b) in images per second, at least
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- data -----------------------------------------------------------------------------------------
def make_images(folder: Path, n: int = N, seed: int = 0) -> list[Path]:
    """``n`` PNG files of 128 x 128 RGB in ``CLASSES`` class folders: a random 8 x 8 colour
    field enlarged (bilinear) plus a little noise, so that files differ and compress like
    photographs of smooth specimens rather than like noise."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    paths = []
    for c in range(CLASSES):
        (folder / f"class_{c}").mkdir()
    for i in range(n):
        coarse = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        field = np.asarray(
            Image.fromarray(coarse).resize((SOURCE_SIDE, SOURCE_SIDE), Image.Resampling.BILINEAR)
        )
        noise = rng.integers(-6, 7, field.shape, dtype=np.int16)
        pixels = np.clip(field + noise, 0, 255).astype(np.uint8)
        path = folder / f"class_{i % CLASSES}" / f"img_{i:05d}.png"
        Image.fromarray(pixels).save(path, compress_level=1)
        paths.append(path)
    return paths


# -- (a) dlwizard ---------------------------------------------------------------------------------
def dlwizard_pass(paths: list[Path], seed: int = 0) -> tuple[float, float, int]:
    """load_many, then the training loop's host-side batches with augmentation. Returns the
    seconds of the two parts and the images augmented."""
    import torch

    from dlwizard.io.images import ImageSpec, load_many
    from dlwizard.ml import image_nets

    t0 = time.perf_counter()
    x = load_many(paths, ImageSpec(size=SIDE), workers=WORKERS)
    t1 = time.perf_counter()
    gen = torch.Generator(device="cpu").manual_seed(seed)
    order = torch.randperm(len(x), generator=gen).numpy()
    params = image_nets.draw_augmentation(len(x), x.shape[-1], gen)
    seen = 0
    for start in range(0, len(x), BATCH):
        rows = torch.from_numpy(np.ascontiguousarray(x[order[start : start + BATCH]]))
        xb = rows.float()
        xb = image_nets.augment(xb, {k: v[start : start + BATCH] for k, v in params.items()})
        seen += xb.shape[0]
    return t1 - t0, time.perf_counter() - t1, seen


# -- (b) plain torch DataLoader -------------------------------------------------------------------
class PlainImages:
    """A map-style Dataset: Pillow open, float tensor 0..1, interpolate to 64 x 64."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.labels = [int(p.parent.name.rsplit("_", 1)[1]) for p in paths]

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i: int):
        import torch
        import torch.nn.functional as F
        from PIL import Image

        with Image.open(self.paths[i]) as im:
            arr = np.array(im.convert("RGB"))  # writable, for torch
        t = torch.from_numpy(arr).permute(2, 0, 1).float().div_(255.0)
        t = F.interpolate(t[None], size=(SIDE, SIDE), mode="bilinear", antialias=True)[0]
        return t, self.labels[i]


def plain_augment(xb, gen):
    """Each image turned by a random symmetry of the square (transpose, flip rows, flip
    columns: flips and 90-degree turns) and its intensity scaled and offset."""
    import torch

    b = xb.shape[0]
    m = (torch.rand(b, 3, generator=gen) < 0.5).view(b, 3, 1, 1, 1)
    xb = torch.where(m[:, 0], xb.transpose(2, 3), xb)
    xb = torch.where(m[:, 1], xb.flip(2), xb)
    xb = torch.where(m[:, 2], xb.flip(3), xb)
    jitter = torch.rand(b, 2, generator=gen) * 2 - 1
    scale = (1 + 0.2 * jitter[:, 0]).view(b, 1, 1, 1)
    offset = (0.1 * jitter[:, 1]).view(b, 1, 1, 1)
    return torch.addcmul(offset, xb, scale)


def plain_pass(paths: list[Path], seed: int = 0) -> int:
    import torch
    from torch.utils.data import DataLoader

    gen = torch.Generator().manual_seed(seed)
    loader = DataLoader(
        PlainImages(paths),
        batch_size=BATCH,
        num_workers=WORKERS,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    seen = 0
    for xb, _y in loader:
        xb = plain_augment(xb, gen)
        seen += xb.shape[0]
    return seen


# -- report ---------------------------------------------------------------------------------------
def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def _runs(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in times) + "]"


def main() -> None:
    import torch  # noqa: F401  (imported before the clock starts, as in the app)

    import dlwizard.io.images
    import dlwizard.ml.image_nets  # noqa: F401

    with tempfile.TemporaryDirectory(prefix="dlwizard-bench-") as tmp:
        t0 = time.perf_counter()
        paths = make_images(Path(tmp))
        size = sum(p.stat().st_size for p in paths)
        print(
            f"generated {N:,} PNG files of {SOURCE_SIDE} x {SOURCE_SIDE} RGB ({size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - t0:.1f} s; load average {_load()}"
        )
        # Warm-up: page cache, first-call imports (scikit-image is not needed: 128 -> 64 is a
        # whole factor), the DataLoader's first fork.
        dlwizard_pass(paths[:256])
        plain_pass(paths[:256])
        load_s: list[float] = []
        aug_s: list[float] = []
        a_s: list[float] = []
        b_s: list[float] = []
        for r in range(REPEATS):  # interleaved
            t = time.perf_counter()
            t_load, t_aug, seen_a = dlwizard_pass(paths, seed=r)
            a_s.append(time.perf_counter() - t)
            load_s.append(t_load)
            aug_s.append(t_aug)
            t = time.perf_counter()
            seen_b = plain_pass(paths, seed=r)
            b_s.append(time.perf_counter() - t)
            assert seen_a == seen_b == N, (seen_a, seen_b)
        a, b = statistics.median(a_s), statistics.median(b_s)
        print(
            f"{N:,} images read, fitted to {SIDE} x {SIDE} and augmented in batches of {BATCH}, "
            f"{WORKERS} workers, median of {REPEATS}:"
        )
        print(
            f"  (a) dlwizard load_many + augment:   {a:6.2f} s  {N / a:7,.0f} images/s  "
            f"{_runs(a_s)}"
        )
        print(
            f"      of which load_many {statistics.median(load_s):.2f} s, "
            f"gather + augment {statistics.median(aug_s):.2f} s"
        )
        print(
            f"  (b) plain torch DataLoader + flips: {b:6.2f} s  {N / b:7,.0f} images/s  "
            f"{_runs(b_s)}"
        )
        ratio = (N / a) / (N / b)
        verdict = "MET" if ratio >= TARGET else "MISSED"
        print(f"ratio (a) / (b) in images per second {ratio:.2f} (target >= {TARGET}): {verdict}")
        print(f"load average after timing: {_load()}")


if __name__ == "__main__":
    main()
