"""Example images with where the model looked laid over them (one builder for the wizard's
Interpret page and the report).

Each image is shown as the model read it: one channel in gray, two or more as an RGB composite
of the first three (red, green, blue), each channel stretched between its 0.5th and 99.5th
percentile so dim fluorescence is visible. Its coarse saliency grid (0..1) is upsampled smoothly
(bilinear between cell centres) and blended on top in heat colours, transparent where the model
did not look and opaque yellow where it looked most. Under each image: its class, the model's
answer and score, and whether that was right; a wrongly classified image is framed in vermillion,
a right one in bluish green (with the words, not the colour alone, saying which).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from dlwizard.render.figures import palette

CAVEAT = (
    "A highlighted region is where the model looked, not why the biology differs: it shows "
    "which pixels changed the model's answer, not what they mean."
)
# The heat ramp (position, RGB 0..1): dark red through orange to yellow (saturated, so it
# shows on white pixels too).
HEAT = (
    (0.0, (0.45, 0.0, 0.0)),
    (0.45, (0.85, 0.15, 0.0)),
    (0.75, (1.0, 0.55, 0.0)),
    (1.0, (1.0, 0.9, 0.0)),
)
OPACITY = 0.7  # of the heat colour at the grid's largest cell
FAINT_OPACITY = 0.25  # a map the model hardly responds to (mostly noise) is shown this faint
FLOOR = 0.15  # cells below this share of the largest are left clear
OUTLINE = 0.5  # a dark line where the heat crosses half its largest value
OUTLINE_COLOUR = (0.1, 0.1, 0.1)
DISPLAY = 160  # small images are enlarged (pixels repeated) to at least this side for display
TEXT_SHARE = 0.5  # room under each tile for up to three lines of text, as a share of its side
GAP = 0.08  # between tiles, as a share of the side
RIGHT = palette.BLUISH_GREEN
WRONG = palette.VERMILLION


def to_rgb(image: np.ndarray) -> np.ndarray:
    """(C, H, W) or (H, W) floats to (H, W, 3) 0..1 for display: gray repeated, or the first
    three channels as red, green, blue (two channels: red and green), each stretched between its
    0.5th and 99.5th percentiles (a flat channel stays as it is, clipped to 0..1)."""
    x = np.asarray(image, dtype=np.float32)
    if x.ndim == 2:
        x = x[None]
    chans = []
    for c in x[:3]:
        lo, hi = np.percentile(c, [0.5, 99.5]) if c.size else (0.0, 1.0)
        chans.append((c - lo) / (hi - lo) if hi - lo > 1e-6 else c)
    if len(chans) == 1:
        chans = chans * 3
    while len(chans) < 3:
        chans.append(np.zeros_like(chans[0]))
    return np.clip(np.stack(chans, axis=-1), 0.0, 1.0)


def upsample(grid: Sequence[float] | np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A g x g grid (flat, row-major, or square) to ``size`` (H, W), bilinear between the cells'
    centres (flat beyond the outer centres)."""
    g = np.asarray(grid, dtype=np.float64)
    if g.ndim == 1:
        side = math.isqrt(g.size)
        g = g.reshape(side, side)
    h, w = size

    def axis(n_out: int, n_in: int) -> np.ndarray:
        return np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)

    rows, cols = axis(h, g.shape[0]), axis(w, g.shape[1])
    idx_r, idx_c = np.arange(g.shape[0]), np.arange(g.shape[1])
    across = np.stack([np.interp(cols, idx_c, r) for r in g])  # (g_rows, W)
    return np.stack([np.interp(rows, idx_r, across[:, j]) for j in range(w)], axis=1)


def heat_colours(values: np.ndarray) -> np.ndarray:
    """0..1 values to RGB along the heat ramp."""
    v = np.clip(np.asarray(values, dtype=np.float64), 0.0, 1.0)
    stops = np.array([p for p, _ in HEAT])
    colours = np.array([c for _, c in HEAT])
    return np.stack([np.interp(v, stops, colours[:, k]) for k in range(3)], axis=-1)


def overlay(
    image: np.ndarray, grid: Sequence[float] | np.ndarray, faint: bool = False
) -> np.ndarray:
    """The image (see ``to_rgb``; a small one enlarged by repeating its pixels) with its
    saliency grid blended on top and outlined where it crosses half its largest value:
    (H, W, 3) uint8. ``faint``: the heat at a quarter of its opacity and no outline."""
    rgb = to_rgb(image)
    k = -(-DISPLAY // max(1, min(rgb.shape[:2])))
    if k > 1:
        rgb = np.repeat(np.repeat(rgb, k, axis=0), k, axis=1)
    h, w = rgb.shape[:2]
    heat = upsample(grid, (h, w)) if len(np.ravel(grid)) else np.zeros((h, w))
    opacity = FAINT_OPACITY if faint else OPACITY
    alpha = opacity * np.clip((heat - FLOOR) / (1.0 - FLOOR), 0.0, 1.0)[..., None]
    out = rgb * (1.0 - alpha) + heat_colours(heat) * alpha
    if not faint and heat.max() > 0:
        inside = heat >= OUTLINE
        edge = np.zeros_like(inside)
        edge[1:] |= inside[1:] != inside[:-1]
        edge[:, 1:] |= inside[:, 1:] != inside[:, :-1]
        out[edge] = OUTLINE_COLOUR
    return (np.clip(out, 0.0, 1.0) * 255).round().astype(np.uint8)


def tile_label(
    label: str,
    predicted: str,
    score: float,
    correct: bool,
    regression: bool = False,
    name: str = "",
    faint: bool = False,
) -> str:
    """Two lines under an example: its class (or value) and the model's answer, then the score
    and the verdict; a third for a faint map. ``name`` (a sample ID) leads the first line."""
    lead = f"{name}: " if name else ""
    if regression:
        verdict = "predicted well" if correct else "predicted badly"
        text = f"{lead}value {label}\npredicted {predicted}, {verdict}"
    else:
        first = f"{lead}{label}" + (f" → {predicted}" if predicted and predicted != label else "")
        text = f"{first}\nP({label}) = {score:.2f}, {'right' if correct else 'wrong'}"
    return text + ("\n(answer hardly moves: faint)" if faint else "")


def caption(method: str, regression: bool = False) -> str:
    """The figure's caption: what the colours measure, and the caveat."""
    how = (
        "how much the model's output changes when a patch covering the pixel is replaced by the "
        "image's mean (occlusion)"
        if method == "occlusion"
        else "the pixel's integrated gradient from a black image"
    )
    what = "predicted value" if regression else "probability of the image's class"
    return (
        f"Example images with the model's saliency laid over them in heat colours (yellow: where "
        f"it looked most; clear: where it did not). A cell's heat is {how}, for the {what}, "
        f"scaled to the image's largest cell. {CAVEAT}"
    )


def montage(
    plot_item,
    images: Sequence[np.ndarray],
    grids: Sequence[Sequence[float]],
    labels: Sequence[str],
    correct: Sequence[bool],
    columns: int = 4,
    faint: Sequence[bool] | None = None,
) -> None:
    """Draw the examples in rows of ``columns`` tiles: each image (C, H, W) with its saliency
    grid (flat g x g, 0..1) laid over it (``faint`` ones barely: see ``overlay``), framed by its
    verdict, its label (see ``tile_label``) underneath."""
    import pyqtgraph as pg
    from PySide6.QtCore import QRectF
    from PySide6.QtWidgets import QGraphicsRectItem

    plot_item.clear()
    n = len(images)
    columns = max(1, min(columns, n or 1))
    rows = -(-n // columns) if n else 1
    side = 1.0  # every tile is one unit square, whatever the image's pixels
    step_x = side * (1 + GAP)
    step_y = side * (1 + TEXT_SHARE + GAP)
    for k in range(n):
        r, c = divmod(k, columns)
        x0, y0 = c * step_x, r * step_y
        pixels = overlay(images[k], grids[k], bool(faint[k]) if faint else False)
        item = pg.ImageItem(np.transpose(pixels, (1, 0, 2)))  # pyqtgraph: x first
        item.setRect(QRectF(x0, y0, side, side))
        plot_item.addItem(item)
        frame = QGraphicsRectItem(QRectF(x0, y0, side, side))
        frame.setPen(pg.mkPen(RIGHT if correct[k] else WRONG, width=3 if not correct[k] else 2))
        plot_item.addItem(frame)
        text = pg.TextItem(
            labels[k] if k < len(labels) else "", color=palette.LEGEND_TEXT, anchor=(0.0, 0.0)
        )
        text.setPos(x0, y0 + side + 0.02)
        plot_item.addItem(text)
    plot_item.invertY(True)
    plot_item.setAspectLocked(True)
    plot_item.hideAxis("left")
    plot_item.hideAxis("bottom")
    width = columns * step_x - GAP * side
    height = rows * step_y - GAP * side
    plot_item.setRange(xRange=(-0.02, width + 0.02), yRange=(-0.02, height + 0.02), padding=0)
    plot_item.setMouseEnabled(x=False, y=False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)


def aspect(n: int, columns: int = 4) -> float:
    """Height over width of a montage of ``n`` examples (to size the figure in the report)."""
    columns = max(1, min(columns, n or 1))
    rows = -(-n // columns) if n else 1
    return (rows * (1 + TEXT_SHARE + GAP) - GAP) / (columns * (1 + GAP) - GAP)


def build(plot_item, image: np.ndarray, grid: Sequence[float], label: str = "",
          correct: bool = True, faint: bool = False) -> None:  # fmt: skip
    """One example (see ``montage``)."""
    montage(plot_item, [image], [grid], [label], [correct], columns=1, faint=[faint])
