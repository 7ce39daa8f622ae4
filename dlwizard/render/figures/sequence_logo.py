"""A sequence-logo style plot of one sequence's attributions (one builder for the wizard's
Interpret page and the report).

Each letter of the sequence is drawn as a glyph whose height is its attribution: above the zero
line when the letter supports the prediction, below it (still upright, so it reads) when it
argues against it. Nucleic acids in the usual logo colours (A green, C blue, G orange, T/U
red), taken from the colour-blind-safe palette; amino acids by chemistry (acidic, basic, polar,
hydrophobic), as sequence-logo tools colour them. The glyphs are vector paths, so the report
prints them sharp at any size.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from dlwizard.render.figures import palette

NUCLEIC_COLOURS = {
    "A": palette.BLUISH_GREEN,
    "C": palette.BLUE,
    "G": palette.ORANGE,
    "T": palette.VERMILLION,
    "U": palette.VERMILLION,
}
# Amino acids by chemistry: acidic red, basic blue, polar green, amides purple, hydrophobic dark.
PROTEIN_GROUPS = {
    "DE": palette.VERMILLION,
    "KRH": palette.BLUE,
    "GSTYC": palette.BLUISH_GREEN,
    "NQ": palette.REDDISH_PURPLE,
    "AVLIPWFM": "#333333",
}
PROTEIN_COLOURS = {a: c for group, c in PROTEIN_GROUPS.items() for a in group}
WIDTH = 0.9  # of a position's width, for the glyph (a thin gap between letters)


def colour(letter: str, alphabet: str) -> str:
    """The colour of ``letter``: grey for an ambiguity code or a letter outside the alphabet."""
    table = PROTEIN_COLOURS if alphabet == "protein" else NUCLEIC_COLOURS
    return table.get(letter.upper(), palette.OTHER)


@cache
def _glyph(letter: str):
    """The letter's outline and its tight bounding box (font units, y pointing down)."""
    from PySide6.QtGui import QFont, QPainterPath

    from dlwizard.render.pdf import register_fonts

    font = QFont(register_fonts())  # the report's bundled font: the same glyphs everywhere
    font.setBold(True)
    font.setPixelSize(100)
    path = QPainterPath()
    path.addText(0.0, 0.0, font, letter)
    return path, path.boundingRect()


def build(
    plot_item,
    letters: str,
    attributions: Sequence[float],
    first_position: int = 1,
    alphabet: str = "dna",
    y_label: str = "attribution",
) -> None:
    """Draw ``letters`` (positions ``first_position``, ``first_position + 1``, ...) scaled by
    their attributions, with a zero line and the positions along the bottom."""
    import pyqtgraph as pg
    from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen, QTransform
    from PySide6.QtWidgets import QGraphicsPathItem

    plot_item.clear()
    values = np.nan_to_num(np.asarray(attributions, dtype=float))
    n = min(len(letters), len(values))
    paths: dict[str, QPainterPath] = {}
    for j in range(n):
        height = float(values[j])
        letter = letters[j].upper()
        if height == 0.0 or not letter.strip():
            continue
        glyph, box = _glyph(letter)
        if box.width() <= 0 or box.height() <= 0:
            continue
        sx, sy = WIDTH / box.width(), abs(height) / box.height()
        x0 = first_position + j - WIDTH / 2
        bottom = 0.0 if height > 0 else height
        # Font space (y down) to data space (y up): the glyph's box fills its cell upright.
        t = QTransform(sx, 0.0, 0.0, -sy, x0 - box.left() * sx, bottom + box.bottom() * sy)
        c = colour(letter, alphabet)
        paths.setdefault(c, QPainterPath()).addPath(t.map(glyph))
    for c, path in paths.items():
        item = QGraphicsPathItem(path)
        item.setBrush(QBrush(QColor(c)))
        item.setPen(QPen(pg.QtCore.Qt.PenStyle.NoPen))
        plot_item.addItem(item)
    plot_item.addItem(
        pg.InfiniteLine(0.0, angle=0, pen=pg.mkPen(palette.REFERENCE, width=1)), ignoreBounds=True
    )
    last = first_position + max(n, 1) - 1
    plot_item.setXRange(first_position - 0.6, last + 0.6, padding=0)
    lo = min(0.0, float(values[:n].min())) if n else 0.0
    hi = max(0.0, float(values[:n].max())) if n else 0.0
    span = hi - lo or 1e-3
    # Room above the tallest letter: the top tick label is not cut off.
    plot_item.setYRange(lo - 0.08 * span, hi + 0.18 * span, padding=0)
    step = _tick_step(n)
    first_tick = int(np.ceil(first_position / step) * step)
    ticks = [(float(p), str(p)) for p in range(first_tick, last + 1, step)]
    if not ticks or ticks[0][0] != first_position:
        ticks.insert(0, (float(first_position), str(first_position)))
        if len(ticks) > 1 and ticks[1][0] - first_position < step / 2:
            ticks.pop(1)  # two labels printed on top of each other
    plot_item.getAxis("bottom").setTicks([ticks, []])
    plot_item.getAxis("bottom").setLabel("position")
    plot_item.getAxis("left").setLabel(y_label)
    from dlwizard.render.figures.learning_curves import plain_numbers

    plain_numbers(plot_item.getAxis("left"))  # "0.02", never "20 (x0.001)"
    plot_item.setMouseEnabled(x=False, y=False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)


def _tick_step(n: int) -> int:
    """A position label every 5, 10, 20 or 50 letters: about ten labels along the axis."""
    for step in (5, 10, 20, 50, 100):
        if n / step <= 12:
            return step
    return 200
