"""Per-image numbers (issue 18): statistics, baseline features, perceptual hashes and the
near-duplicate groups the split relies on.

What a user relies on: a brighter image has a higher mean, a blurred one a lower focus; the
texture numbers are scikit-image's; a rescaled, re-exposed or noisy copy keeps its hash within a
few bits while other fields of view are far apart; the bucketed grouping finds exactly the groups
that comparing every pair would (single linkage), for small and large distances, and stays fast
for 20,000 images; the smallest distance between two sets says when a copy crossed them.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from dlwizard.ml import image_features as f


def tiles(side: int = 32, n: int | None = None) -> np.ndarray:
    """(N, 1, side, side) float32 0..1: non-overlapping tiles of scikit-image's bundled
    grey images (camera, coins, cell), never a downloaded one."""
    from skimage import data

    out = []
    for image in (data.camera(), data.coins(), data.cell()):
        h, w = image.shape
        for r in range(0, h - side + 1, side):
            for c in range(0, w - side + 1, side):
                out.append(image[r : r + side, c : c + side])
    x = np.stack(out)[:, None].astype(np.float32) / 255.0
    return x if n is None else x[:n]


def test_statistics_follow_brightness_blur_and_clipping():
    from scipy.ndimage import gaussian_filter

    x = tiles(n=40)
    bright = np.clip(x * 0.5 + 0.5, 0, 1)
    blurred = gaussian_filter(x, sigma=(0, 0, 2, 2))
    clipped = np.clip(x * 3, 0, 1)
    s, sb, sf, sc = (f.image_stats(v) for v in (x, bright, blurred, clipped))
    assert np.all(sb["intensity_mean"] > s["intensity_mean"])
    assert np.allclose(sb["intensity_sd"], s["intensity_sd"] * 0.5, atol=1e-4)
    textured = s["intensity_sd"] > 0.05
    assert np.all(sf["focus"][textured] < s["focus"][textured] * 0.5)
    assert sc["saturated"].mean() > s["saturated"].mean() + 0.05
    assert s["channel_means"].shape == (40, 1)
    assert np.allclose(s["channel_means"][:, 0], s["intensity_mean"], atol=1e-5)
    # float16 (the pixel cache's type) gives the same numbers to its precision
    s16 = f.image_stats(x.astype(np.float16))
    assert np.allclose(s16["intensity_mean"], s["intensity_mean"], atol=1e-3)


def test_texture_numbers_are_scikit_images():
    from skimage.feature import graycomatrix, graycoprops

    x = tiles(n=12)
    x[3] = 0.5  # a flat image: scikit-image calls its correlation 1
    g = f.gray(x)
    mine = f.glcm(g)
    for k in range(len(g)):
        q = np.clip((g[k] * f.GLCM_LEVELS).astype(int), 0, f.GLCM_LEVELS - 1).astype(np.uint8)
        m = graycomatrix(q, [1], [0, np.pi / 2], f.GLCM_LEVELS, symmetric=True, normed=True)
        ref = [graycoprops(m, p).mean() for p in f.GLCM_PROPS]
        assert np.allclose(mine[k], ref), (k, mine[k], ref)


@pytest.mark.parametrize("channels", [1, 3])
def test_baseline_features_are_named_and_deterministic(channels):
    rng = np.random.default_rng(0)
    x = rng.random((7, channels, 24, 24)).astype(np.float32)  # 24 is no multiple of 8: resize
    a, b = f.baseline_features(x), f.baseline_features(x.copy())
    names = f.feature_names(channels)
    assert a.dtype == np.float32 and a.shape == (7, len(names)) and np.array_equal(a, b)
    assert len(set(names)) == len(names)
    hist = a[:, : channels * f.HIST_BINS].reshape(7, channels, f.HIST_BINS)
    assert np.allclose(hist.sum(axis=2), 1.0)  # shares of each channel's pixels
    named = f.feature_names(2, ["DAPI", "GFP"])
    assert named[0].startswith("hist_DAPI") and named[-1].startswith("pixel_GFP")
    # the downsampled pixels of a 32 x 32 image are its 4 x 4 block means
    y = tiles(n=2)
    px = f.baseline_features(y)[:, f.HIST_BINS + len(f.GLCM_PROPS) :]
    assert np.allclose(px, y.reshape(2, 1, 8, 4, 8, 4).mean(axis=(3, 5)).reshape(2, -1))


def test_hash_survives_copies_but_tells_fields_apart():
    from skimage.transform import resize

    x = tiles(64, n=120)
    # Flat fields (sky, background) have no pattern for a hash to keep: textured ones only.
    x = x[f.image_stats(x)["intensity_sd"] > 0.05][:60]
    h = f.perceptual_hash(x)
    rng = np.random.default_rng(1)
    copies = {
        "brighter": np.clip(x * 0.8 + 0.15, 0, 1),
        "noisy": np.clip(x + rng.normal(0, 0.02, x.shape), 0, 1).astype(np.float32),
        "rescaled": resize(resize(x, (len(x), 1, 32, 32), anti_aliasing=True), x.shape),
    }
    for name, y in copies.items():
        d = f.hamming(h, f.perceptual_hash(y))
        assert np.median(d) <= 2 and d.max() <= 8, (name, d)
    # other fields of view are far apart (median near half the bits)
    pair = f.hamming(h[:, None], h[None, :])[np.triu_indices(len(h), 1)]
    assert np.median(pair) > 20 and np.mean(pair <= 6) < 0.01
    assert f.perceptual_hash(x).dtype == np.uint64 and np.array_equal(h, f.perceptual_hash(x))


def _brute(hashes: np.ndarray, d: int) -> list[list[int]]:
    from scipy.sparse.csgraph import connected_components

    close = f.hamming(hashes[:, None], hashes[None, :]) <= d
    _, comp = connected_components(close, directed=False)
    groups = [np.flatnonzero(comp == c).tolist() for c in np.unique(comp)]
    return sorted((g for g in groups if len(g) > 1), key=lambda g: g[0])


def _planted(n: int, d: int, seed: int) -> np.ndarray:
    """Random hashes where every 5th is a copy of the one before with up to d + 2 bits
    flipped (some inside the distance, some just outside), plus a few exact copies."""
    rng = np.random.default_rng(seed)
    h = rng.integers(0, 2**63, size=n, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    for k in range(0, n - 1, 5):
        bits = rng.choice(64, size=int(rng.integers(0, d + 3)), replace=False)
        h[k + 1] = h[k] ^ np.uint64(sum(1 << int(b) for b in bits))
    h[-3:] = h[:3]
    return h


@pytest.mark.parametrize("d", [0, 1, 4, 6, 9, 14, 20])
def test_near_groups_are_single_linkage_of_every_pair(d):
    h = _planted(400, d, seed=d)
    assert f.near_groups(h, d) == _brute(h, d)


def test_near_groups_edge_cases():
    assert f.near_groups(np.array([], dtype=np.uint64), 6) == []
    assert f.near_groups(np.array([5], dtype=np.uint64), 6) == []
    same = np.array([7, 3, 7, 7, 3], dtype=np.uint64)
    assert f.near_groups(same, 0) == [[0, 2, 3], [1, 4]]
    # a chain: 0 ~ 1 ~ 2 with 0 and 2 four bits apart: one group at distance 2
    chain = np.array([0b0, 0b11, 0b1111, 0xFFFF << 40], dtype=np.uint64)
    assert f.near_groups(chain, 2) == [[0, 1, 2]]


def test_near_groups_of_20000_images_is_fast():
    h = _planted(20_000, 6, seed=3)
    start = time.perf_counter()
    groups = f.near_groups(h, 6)
    took = time.perf_counter() - start
    assert took < 5.0, took
    assert len(groups) >= 3000  # most planted pairs are within 6 bits


def test_min_distance_between_sets():
    h = _planted(200, 4, seed=5)
    train, test = h[:100], h[100:]
    nearest = f.nearest_distance(test, train)
    assert nearest.shape == (100,)
    assert f.min_distance(test, train) == int(f.hamming(test[:, None], train[None, :]).min())
    assert f.min_distance(h[-3:], h[:3]) == 0  # the planted exact copies
    assert f.min_distance(test, []) is None
    assert np.all(f.nearest_distance(test, np.array([], dtype=np.uint64)) == 64)
