"""Per-image numbers of 5,000 grey images of 64 x 64: the engine against the bare library calls.

The engine (dlwizard.ml.image_features) works on whole chunks of images: statistics with one
scipy.ndimage.laplace per chunk, the GLCM texture by one bincount for every image at once, the
8 x 8 pixels as block means, the DCT hash with one scipy.fft.dctn per chunk. The bare baseline is
what one would write image by image with the libraries alone: scikit-image's graycomatrix +
graycoprops, transform.resize (anti-aliased) for the 8 x 8 pixels and the 32 x 32 hash image,
scipy.ndimage.laplace and scipy.fft.dctn per image. Both do the same work; the texture numbers
must agree (checked). Then the near-duplicate grouping of 20,000 hashes by bands against the
blocked scan of every pair.

Targets: engine / bare <= 1 for features and hashes; near_groups at 6 bits of 20,000 hashes
well under a second.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

N = 5_000
SIDE = 64
REPEATS = 3


def images(n: int = N, seed: int = 0) -> np.ndarray:
    """Tiles of scikit-image's bundled camera, coins and cell images, with random gain and
    offset so that 5,000 differ (float16, as the pixel cache holds them)."""
    from skimage import data

    rng = np.random.default_rng(seed)
    pool = []
    for image in (data.camera(), data.coins(), data.cell()):
        h, w = image.shape
        for r in range(0, h - SIDE + 1, SIDE // 2):
            for c in range(0, w - SIDE + 1, SIDE // 2):
                pool.append(image[r : r + SIDE, c : c + SIDE] / 255.0)
    pool = np.stack(pool).astype(np.float32)
    pick = rng.integers(0, len(pool), n)
    gain = rng.uniform(0.6, 1.2, (n, 1, 1))
    x = np.clip(pool[pick] * gain + rng.uniform(-0.1, 0.1, (n, 1, 1)), 0, 1)
    return x[:, None].astype(np.float16)


def bare(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same features, statistics and hashes, one image at a time with the bare calls."""
    from scipy import ndimage
    from scipy.fft import dctn
    from skimage.feature import graycomatrix, graycoprops
    from skimage.transform import resize

    from dlwizard.ml.image_features import GLCM_LEVELS, GLCM_PROPS, HIST_BINS

    feats, stats, hashes = [], [], []
    for img in x:
        g = img[0].astype(np.float32)
        hist = np.histogram(g, bins=HIST_BINS, range=(0, 1))[0] / g.size
        q = np.clip((g * GLCM_LEVELS).astype(int), 0, GLCM_LEVELS - 1).astype(np.uint8)
        m = graycomatrix(q, [1], [0, np.pi / 2], GLCM_LEVELS, symmetric=True, normed=True)
        texture = [graycoprops(m, p).mean() for p in GLCM_PROPS]
        small = resize(g, (8, 8), anti_aliasing=True).ravel()
        feats.append(np.concatenate([hist, texture, small]))
        lap = ndimage.laplace(g)
        stats.append([g.mean(), g.std(), lap.var(), (g >= 254.5 / 255).mean()])
        low = dctn(resize(g, (32, 32), anti_aliasing=True), norm="ortho")[:8, :8].ravel()
        bits = low > np.median(low[1:])
        bits[0] = False
        hashes.append(np.packbits(bits).view(">u8")[0])
    return np.array(feats), np.array(stats), np.array(hashes, dtype=np.uint64)


def engine(x: np.ndarray):
    from dlwizard.ml import image_features as f

    return f.baseline_features(x), f.image_stats(x), f.perceptual_hash(x)


def timed(fn, repeats: int = REPEATS):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    from dlwizard.ml import image_features as f

    x = images()
    engine(x[:50])  # warm up (imports)
    bare(x[:50])
    print(f"{N:,} grey images of {SIDE} x {SIDE} (float16), median of {REPEATS}:")
    t_engine, (feats, _stats, hashes) = timed(lambda: engine(x))
    t_bare, (bfeats, _bstats, bhashes) = timed(lambda: bare(x), repeats=1)
    texture = slice(f.HIST_BINS, f.HIST_BINS + len(f.GLCM_PROPS))
    same_texture = np.allclose(feats[:, texture], bfeats[:, texture], atol=1e-6)
    print(f"  engine (features + statistics + hashes): {t_engine:6.2f} s")
    print(
        f"  bare, image by image (scikit-image, scipy): {t_bare:6.2f} s  "
        f"(ratio engine / bare {t_engine / t_bare:.2f}, target <= 1)"
    )
    agree = float(np.mean(f.hamming(hashes, bhashes) <= 2))
    print(f"  texture numbers equal scikit-image's: {same_texture}")
    print(f"  hashes within 2 bits of the bare ones: {agree:.1%}")
    for name, fn in (
        ("features", lambda: f.baseline_features(x)),
        ("statistics", lambda: f.image_stats(x)),
        ("hashes", lambda: f.perceptual_hash(x)),
    ):
        t, _ = timed(fn)
        print(f"    {name:<11} {t:6.2f} s  ({N / t:,.0f} images/s)")

    rng = np.random.default_rng(1)
    h = rng.integers(0, 2**63, 20_000, dtype=np.uint64)
    h[1::5] = h[::5] ^ np.uint64(0b1011)  # planted near copies (3 bits)
    print("\nnear_groups of 20,000 hashes:")
    for d in (6, 12, 20):
        t, groups = timed(lambda d=d: f.near_groups(h, d))
        print(f"  distance {d:>2}: {t:6.2f} s  ({len(groups):,} groups)")
    t_scan, _ = timed(lambda: _scan(h, 6), repeats=1)
    t_bands, _ = timed(lambda: f.near_groups(h, 6))
    print(
        f"  every pair scanned in blocks (distance 6): {t_scan:6.2f} s  "
        f"(ratio bands / scan {t_bands / t_scan:.2f})"
    )


def _scan(h: np.ndarray, d: int) -> int:
    from dlwizard.ml.image_features import hamming

    found = 0
    for start in range(0, len(h), 1000):
        found += int((hamming(h[start : start + 1000, None], h[None, start:]) <= d).sum())
    return found


if __name__ == "__main__":
    main()
