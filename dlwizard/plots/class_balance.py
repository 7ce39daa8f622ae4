"""Class balance as horizontal bars with counts and shares (one builder for GUI and report)."""

from __future__ import annotations

from dataclasses import dataclass


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


def build(plot_item, balance: ClassBalance) -> None:
    """Draw ``balance`` into a pyqtgraph PlotItem (cleared first)."""
    import pyqtgraph as pg

    plot_item.clear()
    n = len(balance.labels)
    ys = list(range(n))
    colors = [
        pg.mkBrush("#c0392b" if lab == balance.highlight else "#5b8db8") for lab in balance.labels
    ]
    bars = pg.BarGraphItem(x0=0, y=ys, height=0.6, width=balance.counts, brushes=colors)
    plot_item.addItem(bars)
    for y, count, share in zip(ys, balance.counts, balance.shares()):
        text = pg.TextItem(f" {count} ({share:.0%})", color="#333", anchor=(0, 0.5))
        text.setPos(count, y)
        plot_item.addItem(text)
    axis = plot_item.getAxis("left")
    axis.setTicks([[(y, lab[:18]) for y, lab in zip(ys, balance.labels)]])
    plot_item.setXRange(0, max(balance.counts or [1]) * 1.35, padding=0)
    plot_item.setYRange(-0.6, n - 0.4, padding=0)
    plot_item.getAxis("bottom").setLabel("samples")
    plot_item.setMouseEnabled(x=False, y=False)
    plot_item.hideButtons()
    plot_item.setMenuEnabled(False)
