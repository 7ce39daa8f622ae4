"""Per-image numbers for the explore step, the baselines and the split (issue 18).

Arrays in, arrays out: a batch is a float array (N, C, S, S) of 0..1 (float16 from the pixel
cache is fine; it is converted chunk by chunk), so this module reads no file and knows nothing
of the Study.

- ``image_stats``: what a person would look at first (brightness, contrast, focus, clipping);
- ``baseline_features``: simple features the existing model families learn from (intensity
  histograms, GLCM texture, 8 x 8 downsampled pixels);
- ``perceptual_hash`` and ``near_groups``: near-identical images (a copy re-saved, rescaled or
  slightly re-exposed keeps its 64-bit DCT hash within a few bits), found by bucketing the hash
  into bands, never by comparing all pairs.

Everything is deterministic: no random numbers, stable sorts.
"""

from __future__ import annotations

import numpy as np

CHUNK = 512  # images converted to float32 at once: bounds the memory of a 20,000-image batch
HIST_BINS = 16
GLCM_LEVELS = 16  # grey levels of the co-occurrence matrix (few: tiny images give sparse counts)
GLCM_PROPS = ("contrast", "homogeneity", "energy", "correlation")
GRID = 8  # the downsampled pixels: GRID x GRID per channel
HASH_SIDE = 32  # the grey image the DCT hash is taken of
HASH_BITS = 8  # the hash keeps the HASH_BITS x HASH_BITS lowest frequencies: 64 bits
SATURATED = 254.5 / 255  # a value this bright is clipped at the top of the range
LUMINANCE = np.array([0.2125, 0.7154, 0.0721], dtype=np.float32)  # as skimage.color.rgb2gray
PAIR_BLOCK = 4_000_000  # candidate pairs verified at once in near_groups
# A candidate pair from the bands costs about four times a pair of the plain scan (a join,
# then a check); past that share of all pairs the scan is cheaper (measured on 20,000 hashes).
SCAN_COST = 4


def _chunks(n: int, size: int = CHUNK):
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


def _check(batch: np.ndarray) -> None:
    if batch.ndim != 4 or batch.shape[2] != batch.shape[3]:
        raise ValueError(f"images must be an array (N, C, S, S), got shape {batch.shape}")


def gray(batch: np.ndarray) -> np.ndarray:
    """(N, S, S) float32: luminance of RGB images, the mean of the channels otherwise (a
    fluorescence image's channels are stains, not colours)."""
    x = np.asarray(batch, dtype=np.float32)
    if x.shape[1] == 3:
        return np.tensordot(LUMINANCE, x, axes=([0], [1]))
    return x.mean(axis=1)


def _laplacian(g: np.ndarray) -> np.ndarray:
    """The 4-neighbour Laplacian of each (S, S) image, edges reflected (scipy.ndimage.laplace
    on the image axes only)."""
    from scipy import ndimage

    return ndimage.laplace(g, mode="reflect", axes=(1, 2))


def image_stats(batch: np.ndarray) -> dict[str, np.ndarray]:
    """Per image: ``intensity_mean`` (all channels), ``intensity_sd`` (within the image),
    ``focus`` (variance of the Laplacian of the grey image: low = blurred), ``saturated`` (share
    of values clipped at the top) and ``channel_means`` (N, C)."""
    _check(batch)
    n, c = batch.shape[:2]
    out = {
        "intensity_mean": np.zeros(n),
        "intensity_sd": np.zeros(n),
        "focus": np.zeros(n),
        "saturated": np.zeros(n),
        "channel_means": np.zeros((n, c)),
    }
    for sl in _chunks(n):
        x = np.asarray(batch[sl], dtype=np.float32)
        flat = x.reshape(len(x), -1)
        out["intensity_mean"][sl] = flat.mean(axis=1)
        out["intensity_sd"][sl] = flat.std(axis=1)
        out["saturated"][sl] = (flat >= SATURATED).mean(axis=1)
        out["channel_means"][sl] = x.mean(axis=(2, 3))
        lap = _laplacian(gray(x))
        out["focus"][sl] = lap.reshape(len(x), -1).var(axis=1)
    return out


def downsample(x: np.ndarray, side: int) -> np.ndarray:
    """(..., S, S) -> (..., side, side): block means when ``side`` divides S (exact area
    averaging), otherwise scikit-image's anti-aliased resize."""
    s = x.shape[-1]
    if s % side == 0:
        f = s // side
        return x.reshape(*x.shape[:-2], side, f, side, f).mean(axis=(-3, -1))
    from skimage.transform import resize

    shape = (*x.shape[:-2], side, side)
    sigma = [0.0] * (x.ndim - 2) + [max(0.0, (s / side - 1) / 2)] * 2
    return resize(x, shape, order=1, anti_aliasing=True, anti_aliasing_sigma=sigma).astype(
        np.float32
    )


def _histograms(x: np.ndarray) -> np.ndarray:
    """(N, C * HIST_BINS): each channel's share of pixels in 16 equal bins of 0..1."""
    n, c = x.shape[:2]
    bins = np.clip((x * HIST_BINS).astype(np.int64), 0, HIST_BINS - 1)
    offset = (np.arange(n * c) * HIST_BINS).reshape(n, c, 1, 1)
    counts = np.bincount((bins + offset).ravel(), minlength=n * c * HIST_BINS)
    return (counts.reshape(n, c * HIST_BINS) / (x.shape[2] * x.shape[3])).astype(np.float32)


def glcm(g: np.ndarray, levels: int = GLCM_LEVELS) -> np.ndarray:
    """(N, len(GLCM_PROPS)): scikit-image's graycoprops of a symmetric, normalised grey-level
    co-occurrence matrix at distance 1 (right and down, averaged), for every image at once (the
    same numbers as graycomatrix + graycoprops image by image, without the Python loop)."""
    n = len(g)
    q = np.clip((g * levels).astype(np.int64), 0, levels - 1)
    ll = levels * levels
    base = (np.arange(n) * ll)[:, None]
    props = np.zeros((n, len(GLCM_PROPS)))
    i, j = np.indices((levels, levels))
    for a, b in ((q[:, :, :-1], q[:, :, 1:]), (q[:, :-1, :], q[:, 1:, :])):
        codes = (a * levels + b).reshape(n, -1) + base
        p = np.bincount(codes.ravel(), minlength=n * ll).reshape(n, levels, levels).astype(float)
        p = p + p.transpose(0, 2, 1)  # symmetric
        p /= p.sum(axis=(1, 2), keepdims=True)
        contrast = (p * (i - j) ** 2).sum(axis=(1, 2))
        homogeneity = (p / (1.0 + (i - j) ** 2)).sum(axis=(1, 2))
        energy = np.sqrt((p**2).sum(axis=(1, 2)))
        mu_i = (p * i).sum(axis=(1, 2))
        mu_j = (p * j).sum(axis=(1, 2))
        sd_i = np.sqrt((p * (i - mu_i[:, None, None]) ** 2).sum(axis=(1, 2)))
        sd_j = np.sqrt((p * (j - mu_j[:, None, None]) ** 2).sum(axis=(1, 2)))
        cov = (p * (i - mu_i[:, None, None]) * (j - mu_j[:, None, None])).sum(axis=(1, 2))
        flat = (sd_i < 1e-15) | (sd_j < 1e-15)
        # graycoprops calls a flat image's correlation 1 (no variation to correlate).
        corr = np.where(flat, 1.0, cov / np.where(flat, 1.0, sd_i * sd_j))
        props += np.stack([contrast, homogeneity, energy, corr], axis=1) / 2
    return props


def baseline_features(batch: np.ndarray) -> np.ndarray:
    """(N, F) float32, F = C * 16 + 4 + C * 64 (``feature_names``): per-channel intensity
    histograms, GLCM texture of the grey image and the 8 x 8 downsampled pixels."""
    _check(batch)
    n, c = batch.shape[:2]
    out = np.zeros((n, c * HIST_BINS + len(GLCM_PROPS) + c * GRID * GRID), dtype=np.float32)
    h = c * HIST_BINS
    t = h + len(GLCM_PROPS)
    for sl in _chunks(n):
        x = np.asarray(batch[sl], dtype=np.float32)
        out[sl, :h] = _histograms(x)
        out[sl, h:t] = glcm(gray(x))
        out[sl, t:] = downsample(x, GRID).reshape(len(x), -1)
    return out


def feature_names(channels: int, names: list[str] | None = None) -> list[str]:
    """The columns of ``baseline_features`` for images of ``channels`` channels (``names``:
    the user's channel names, e.g. DAPI, GFP)."""
    if names is None or len(names) != channels:
        names = ["gray"] if channels == 1 else [f"ch{k + 1}" for k in range(channels)]
    hist = [
        f"hist_{ch}_{b / HIST_BINS:.2f}-{(b + 1) / HIST_BINS:.2f}"
        for ch in names
        for b in range(HIST_BINS)
    ]
    texture = [f"texture_{p}" for p in GLCM_PROPS]
    pixels = [f"pixel_{ch}_r{r}c{col}" for ch in names for r in range(GRID) for col in range(GRID)]
    return hist + texture + pixels


# -- perceptual hashes ---------------------------------------------------------------------------
def perceptual_hash(batch: np.ndarray) -> np.ndarray:
    """(N,) uint64: the DCT hash of each image (grey, 32 x 32; the 8 x 8 lowest frequencies,
    each bit: above the median of the 63 that are not the mean). Robust to rescaling,
    re-compression and a moderate change of brightness or contrast."""
    from scipy.fft import dctn

    _check(batch)
    n = len(batch)
    out = np.zeros(n, dtype=np.uint64)
    for sl in _chunks(n):
        g = downsample(gray(batch[sl]), HASH_SIDE)
        low = dctn(g, type=2, norm="ortho", axes=(1, 2))[:, :HASH_BITS, :HASH_BITS]
        low = low.reshape(len(g), -1)
        med = np.median(low[:, 1:], axis=1, keepdims=True)
        bits = low > med
        bits[:, 0] = False  # the mean is not a pattern
        out[sl] = np.packbits(bits, axis=1).view(">u8").ravel().astype(np.uint64)
    return out


def hamming(a, b) -> np.ndarray:
    """The number of differing bits between 64-bit hashes (broadcast like ``a ^ b``)."""
    x = np.bitwise_xor(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
    return np.bitwise_count(x).astype(np.int64)


def _bands(max_distance: int) -> tuple[list[tuple[int, int]], int]:
    """Split the 64 bits into bands and say how many bits may differ within one band (``r``)
    so that two hashes at most ``max_distance`` apart agree within ``r`` bits in at least one
    band (pigeonhole: m bands, m * (r + 1) > max_distance). Bands of at least 8 bits keep the
    buckets small; past 7 bits of distance each band is probed with its 1- or 2-bit flips."""
    m = min(max_distance + 1, 8)
    r = max_distance // m
    edges = np.linspace(0, 64, m + 1).round().astype(int)
    return [(int(edges[k]), int(edges[k + 1])) for k in range(m)], r


def _flips(width: int, r: int) -> list[int]:
    """Every mask of at most ``r`` set bits among ``width`` (0 first)."""
    from itertools import combinations

    out = [0]
    for k in range(1, r + 1):
        out += [sum(1 << b for b in bits) for bits in combinations(range(width), k)]
    return out


def _join(a: np.ndarray, b: np.ndarray):
    """Every (i, j) with a[i] == b[j], in blocks of a bounded number of pairs."""
    order = np.argsort(b, kind="stable")
    sb = b[order]
    lo = np.searchsorted(sb, a, "left")
    count = np.searchsorted(sb, a, "right") - lo
    start = 0
    while start < len(a):
        total = np.cumsum(count[start:])
        stop = start + max(1, int(np.searchsorted(total, PAIR_BLOCK, "right")))
        cnt = count[start:stop]
        i = np.repeat(np.arange(start, stop), cnt)
        first = np.repeat(np.cumsum(cnt) - cnt, cnt)
        j = order[np.repeat(lo[start:stop], cnt) + np.arange(int(cnt.sum())) - first]
        yield i, j
        start = stop


def _band_pairs(uniq: np.ndarray, max_distance: int):
    """The candidate pairs (i, j) of distinct hashes that agree within ``r`` bits in a band,
    per band and flip mask, with how many there will be (an exact count, cheap to get)."""
    bands, r = _bands(max_distance)
    probes = []
    for lo, hi in bands:
        key = ((uniq >> np.uint64(lo)) & np.uint64((1 << (hi - lo)) - 1)).astype(np.int64)
        probes += [(key ^ mask, key) for mask in _flips(hi - lo, r)]
    total = 0
    for a, b in probes:
        sb = np.sort(b)
        total += int((np.searchsorted(sb, a, "right") - np.searchsorted(sb, a, "left")).sum())
    return probes, total // 2


def _close_pairs(uniq: np.ndarray, max_distance: int):
    """(i, j), i < j, of distinct hashes at most ``max_distance`` bits apart: from the bands'
    candidates, or (when the bands would propose more than a quarter of all pairs, as for a
    distance of 12 bits or more) by scanning every pair in blocks, which is then cheaper per
    pair."""
    u = len(uniq)
    probes, candidates = _band_pairs(uniq, max_distance)
    if candidates * SCAN_COST > u * (u - 1) // 2:
        block = max(1, PAIR_BLOCK // u)
        for start in range(0, u, block):
            d = hamming(uniq[start : start + block, None], uniq[None, start:])
            i, j = np.nonzero(d <= max_distance)
            i, j = i + start, j + start
            keep = i < j
            yield i[keep], j[keep]
        return
    for a, b in probes:
        for i, j in _join(a, b):
            keep = i < j
            i, j = i[keep], j[keep]
            close = hamming(uniq[i], uniq[j]) <= max_distance
            yield i[close], j[close]


def near_groups(hashes, max_distance: int) -> list[list[int]]:
    """Groups (positions, each sorted; groups by their first position) of images joined by
    single linkage when their hashes differ in at most ``max_distance`` bits; only groups of two
    or more. Identical hashes are merged first, then candidate pairs come from bands of the hash
    (``_bands``) and are verified: the work grows with the pairs that share a band, not with
    all pairs."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    h = np.asarray(hashes, dtype=np.uint64)
    if len(h) < 2:
        return []
    uniq, inverse = np.unique(h, return_inverse=True)
    u = len(uniq)
    rows, cols = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    if max_distance > 0 and u > 1:
        for i, j in _close_pairs(uniq, max_distance):
            rows.append(i)
            cols.append(j)
    i, j = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(i), np.int8), (i, j)), shape=(u, u))
    _, comp = connected_components(graph, directed=False)
    label = comp[inverse]  # each image's component
    order = np.argsort(label, kind="stable")
    sizes = np.bincount(label)
    groups = [sorted(g.tolist()) for g in np.split(order, np.cumsum(sizes)[:-1]) if len(g) > 1]
    return sorted(groups, key=lambda g: g[0])


def nearest_distance(hashes_a, hashes_b, block: int = 2048) -> np.ndarray:
    """(len(a),): each hash of ``a``'s smallest Hamming distance to any hash of ``b`` (64 when
    ``b`` is empty); in blocks of ``a`` so the memory stays bounded."""
    a = np.asarray(hashes_a, dtype=np.uint64)
    b = np.unique(np.asarray(hashes_b, dtype=np.uint64))
    out = np.full(len(a), 64, dtype=np.int64)
    if not len(b):
        return out
    for sl in _chunks(len(a), block):
        out[sl] = hamming(a[sl, None], b[None, :]).min(axis=1)
    return out


def min_distance(hashes_a, hashes_b) -> int | None:
    """The smallest Hamming distance between any hash of ``a`` and any of ``b`` (0: a copy);
    None when either set is empty."""
    if not len(hashes_a) or not len(hashes_b):
        return None
    return int(nearest_distance(hashes_a, hashes_b).min())
