"""One feature's distribution, overlaid per group on shared bins (GUI and report)."""

from __future__ import annotations

import numpy as np

from dlwizard.render.figures import palette


def histogram(
    plot_item, values: np.ndarray, groups: np.ndarray | None, colors: list[str], names: list[str]
) -> None:
    """Overlaid step histograms of one feature, one per group, on shared bins."""
    import pyqtgraph as pg

    plot_item.clear()
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return
    edges = np.histogram_bin_edges(finite, bins=min(40, max(10, int(np.sqrt(finite.size)))))
    legend = plot_item.legend or plot_item.addLegend(offset=(-10, 10))
    palette.styled_legend(legend)  # a white box: the curves never show through the names
    legend.clear()
    if groups is None:
        counts, _ = np.histogram(finite, edges)
        plot_item.plot(
            edges,
            counts,
            stepMode="center",
            fillLevel=0,
            brush=(0, 114, 178, 90),
            pen=palette.PRIMARY,
            name="all samples",
        )
        return
    for name, color in zip(names, colors):
        sel = values[(groups == name) & np.isfinite(values)]
        counts, _ = np.histogram(sel, edges)
        plot_item.plot(
            edges,
            counts,
            stepMode="center",
            pen=pg.mkPen(color, width=2),
            name=f"{name} ({sel.size})",
        )
