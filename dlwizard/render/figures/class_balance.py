"""Class balance as horizontal bars with counts and shares (one builder for GUI and report)."""

from __future__ import annotations

from dataclasses import dataclass

from dlwizard.render.figures import palette

MAX_LABEL_CHARS = 40  # longer class names are shortened with "…" (the table beside shows all)


@dataclass
class ClassBalance:
    labels: list[str]
    counts: list[int]
    highlight: str | None = None  # the positive class

    @property
    def total(self) -> int:
        return sum(self.counts)

    def shares(self) -> list[float]:
        return [c / self.total if self.total else 0.0 for c in self.counts]


def tick_label(label: str) -> str:
    label = str(label)
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def label_width(axis, labels: list[str]) -> int:
    """Pixels the left axis needs to show every class name whole (plus its tick and margin)."""
    from PySide6.QtGui import QFontMetricsF

    font = axis.style.get("tickFont") or axis.font()
    fm = QFontMetricsF(font)
    widest = max((fm.horizontalAdvance(lab) for lab in labels), default=0.0)
    tick = max(axis.style.get("tickLength", 5), 0)
    return int(widest + tick + axis.style.get("tickTextOffset", [5, 2])[0] + 8)


def _fit_x(plot_item) -> None:
    """An x range that leaves room for the widest count label after the longest bar."""
    top, text_px = plot_item.dlwizard_balance
    width = plot_item.vb.width()
    share = min(0.7, (text_px + 12) / width) if width > 50 else 0.35  # + the text box margin
    plot_item.setXRange(0, top / (1 - share), padding=0)


def build(plot_item, balance: ClassBalance) -> None:
    """Draw ``balance`` into a pyqtgraph PlotItem (cleared first).

    The left axis is made as wide as the longest class name, so names are never cut; the x range
    leaves room for the count and share printed after each bar.
    """
    import pyqtgraph as pg

    plot_item.clear()
    n = len(balance.labels)
    ys = list(range(n))
    colors = [
        pg.mkBrush(palette.HIGHLIGHT if lab == balance.highlight else palette.PRIMARY)
        for lab in balance.labels
    ]
    bars = pg.BarGraphItem(x0=0, y=ys, height=0.6, width=balance.counts, brushes=colors)
    plot_item.addItem(bars)
    counts = []
    for y, count, share in zip(ys, balance.counts, balance.shares()):
        label = f" {count} ({share:.0%})"
        counts.append(label)
        text = pg.TextItem(label, color="#333", anchor=(0, 0.5))
        text.setPos(count, y)
        plot_item.addItem(text)
    axis = plot_item.getAxis("left")
    names = [tick_label(lab) for lab in balance.labels]
    axis.setTicks([[(y, lab) for y, lab in zip(ys, names)]])
    axis.setWidth(label_width(axis, names))
    # Room after the bars for the counts, measured in pixels and kept when the plot is resized
    # (a narrow figure in the report needs a larger share of its width for them).
    plot_item.dlwizard_balance = (max(balance.counts or [1]), label_width(axis, counts))
    if not getattr(plot_item, "dlwizard_balance_fitted", False):
        plot_item.vb.sigResized.connect(lambda _vb: _fit_x(plot_item))
        plot_item.dlwizard_balance_fitted = True
    _fit_x(plot_item)
    plot_item.setYRange(-0.6, n - 0.4, padding=0)
    plot_item.getAxis("bottom").setLabel("samples")
    plot_item.setMouseEnabled(x=False, y=False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)
