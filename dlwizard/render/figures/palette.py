"""The wizard's colours: one colour-blind-safe palette for every categorical colouring.

Okabe and Ito's eight colours (Okabe & Ito 2008, "Color Universal Design") stay distinct for
people with any common form of colour blindness; red and green are never put side by side.
Every plot that colours by category (classes, batches, sites, curves) takes its colours from
here, in this order, so a class has the same colour on every page and in the report.
"""

from __future__ import annotations

BLUE = "#0072B2"
ORANGE = "#E69F00"
BLUISH_GREEN = "#009E73"
VERMILLION = "#D55E00"
REDDISH_PURPLE = "#CC79A7"
SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"

# Categorical order: the first colours are the most distinct from each other on white paper;
# yellow (faint on white) and black come last.
CATEGORICAL: tuple[str, ...] = (
    BLUE,
    ORANGE,
    BLUISH_GREEN,
    VERMILLION,
    REDDISH_PURPLE,
    SKY_BLUE,
    BLACK,
    YELLOW,
)
OTHER = "#BBBBBB"  # pooled rare values and missing values: a neutral grey
REFERENCE = "#999999"  # chance lines, diagonals, zero lines

# Two-series plots (training vs. validation, a model vs. its reference).
PRIMARY = BLUE
SECONDARY = VERMILLION
HIGHLIGHT = VERMILLION  # the one thing to look at (the positive class, the chosen model)

# Missing values: a single-hue scale from near-white to dark blue (readable in grey print and
# for every kind of colour vision).
MISSING_SCALE = ("#F7F7F7", "#08306B")

# Legends sit on a white, lightly framed box so their text never mixes with the data.
LEGEND_BRUSH = (255, 255, 255, 235)
LEGEND_PEN = "#C8CDD2"
LEGEND_TEXT = "#333333"


def categorical(i: int) -> str:
    """The ``i``-th categorical colour (cycling when there are more categories than colours)."""
    return CATEGORICAL[i % len(CATEGORICAL)]


def colors(n: int) -> list[str]:
    """``n`` categorical colours in the palette's order."""
    return [categorical(i) for i in range(n)]


def styled_legend(legend) -> None:
    """Give a pyqtgraph LegendItem a white, framed background and dark text."""
    legend.setBrush(LEGEND_BRUSH)
    legend.setPen(LEGEND_PEN)
    legend.setLabelTextColor(LEGEND_TEXT)
