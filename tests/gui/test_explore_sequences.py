"""The explore page on sequences (issue 17): the lengths and composition per class in words and
figures, the length shortcut said before any model, a map of the k-mer profiles; and the same
on a reopened project."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.gui.conftest import wait_idle
from tests.gui.test_explore_split import _explore, _import, _page

pytestmark = pytest.mark.gui


def _planted_length(path) -> None:
    """Binary DNA in a column named 'Probe DNA': 'bound' sequences 30 bases longer."""
    rng = np.random.default_rng(0)
    n = 240
    y = rng.permutation(np.r_[np.ones(n // 2, bool), np.zeros(n // 2, bool)])
    seqs = ["".join(rng.choice(list("ACGT"), int(rng.integers(80, 121)) + 30 * t)) for t in y]
    pd.DataFrame(
        {
            "sample": [f"p{i}" for i in range(n)],
            "Binding": np.where(y, "bound", "unbound"),
            "Probe DNA": seqs,
        }
    ).to_csv(path, index=False)


def test_sequences_tab_words_figures_and_the_length_shortcut(qtbot, window, tmp_path):
    path = tmp_path / "probes.csv"
    _planted_length(path)
    _import(qtbot, window, path, "Binding")
    e = _explore(qtbot, window)
    assert "sequence-length-predicts-label" in e.findings.codes()
    assert "sequence-composition-predicts-label" not in e.findings.codes()
    assert e.headline.isVisible() and "length" in e.headline.text()
    shortcuts = e.shortcut_label.text()
    assert "the sequences' length alone" in shortcuts and "above chance" in shortcuts
    assert "letter composition alone" in shortcuts
    # The Sequences tab is shown and chosen; sequences alone have no numeric distributions.
    assert e.tabs.currentWidget() is e.seq_tab
    assert not e.tabs.isTabVisible(e.tabs.indexOf(e.dist_tab))
    words = e.seq_words.text()
    assert "Median length in bases: bound" in words and "GC content: bound" in words
    assert e.map_title.text() == "<b>Map of the sequences</b>"
    assert "3-mer frequencies" in e.map_note.text() and e.map_note.isVisibleTo(e)
    qtbot.waitUntil(lambda: e.composition_plot is not None, timeout=5000)
    qtbot.waitUntil(lambda: len(e.composition_plot.getPlotItem().legend.items) == 2, timeout=5000)
    names = [label.text for _sample, label in e.composition_plot.getPlotItem().legend.items]
    assert names[0].startswith("bound (GC") and names[1].startswith("unbound (GC")
    ticks = e.length_plot.getPlotItem().getAxis("left")._tickLevels[0]
    assert [t[1].split(":")[0] for t in ticks] == ["bound", "unbound"]
    assert "<tt>" in e.describe_point(0) and "letters)" in e.describe_point(0)

    # Reopened: the same tab, words and figures, drawn from the stored map and section.
    saved = tmp_path / "probes.dlwiz"
    from dlwizard.study import container

    container.save(window.project, saved)
    assert window.open_project(saved)
    wait_idle(qtbot, window)
    window.go_to("explore")
    e = _page(window, "explore")
    wait_idle(qtbot, window)
    assert e.tabs.isTabVisible(e.tabs.indexOf(e.seq_tab))
    assert "Median length in bases" in e.seq_words.text()
    qtbot.waitUntil(lambda: e.length_plot is not None, timeout=5000)


def test_a_table_without_sequences_has_no_sequences_tab(qtbot, window, tmp_path):
    path = tmp_path / "numbers.csv"
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(60, 4)), columns=list("abcd"))
    df["label"] = np.where(np.arange(60) % 2, "x", "y")
    df.to_csv(path, index=False)
    _import(qtbot, window, path, "label")
    e = _explore(qtbot, window)
    assert not e.tabs.isTabVisible(e.tabs.indexOf(e.seq_tab))
    assert e.tabs.isTabVisible(e.tabs.indexOf(e.dist_tab))
    assert not e.map_note.isVisibleTo(e) and e.map_title.text() == "<b>Map of the samples</b>"
