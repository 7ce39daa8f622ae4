"""Drive the explore and split pages as a user would, on the shared real data sets."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from tests.conftest import shared
from tests.engine.synthetic import cohort
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _page(window, step):
    return next(p for p in window.pages if p.step == step)


def _import(qtbot, window, path, target, roles=None):
    window.go_to("data")
    d = _page(window, "data")
    d.add_files([path])
    d.import_button.click()
    wait_idle(qtbot, window)
    assert not d.banner.isVisible(), d.banner.text()
    window.go_to("question")
    q = _page(window, "question")
    q.target_combo.setCurrentIndex(q.target_combo.findData(target))
    window.go_to("metadata")
    wait_idle(qtbot, window)
    m = _page(window, "metadata")
    for col, role in (roles or {}).items():
        row = next(i for i, r in enumerate(m.model.rows) if r[0] == col)
        m.model.setData(m.model.index(row, 1), role)
        wait_idle(qtbot, window)


def _explore(qtbot, window):
    window.go_to("explore")
    e = _page(window, "explore")
    assert not window.next_button.isEnabled()  # exploring comes before splitting
    e.run_button.click()
    wait_idle(qtbot, window)
    assert not e.banner.isVisible(), e.banner.text()
    return e


def test_heart_site_shortcut_flagged_and_site_held_out(qtbot, window):
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    _import(qtbot, window, path, "disease", roles={"target": "ignore"})
    e = _explore(qtbot, window)
    assert "metadata-predicts-label" in e.findings.codes()
    assert "missingness-predicts-label" in e.findings.codes()
    assert e.headline.isVisible()
    assert "above chance" in e.shortcut_label.text()
    e.colour_combo.setCurrentIndex(e.colour_combo.findData("site"))
    qtbot.waitUntil(lambda: e._drawing is None, timeout=5000)
    named = [i for i in e.plot.getPlotItem().listDataItems() if i.name()]
    assert len(named) == 4  # one legend entry per site
    # The legend is a white, framed box in its own band under the map: never on the points.
    plot_item = e.plot.getPlotItem()
    legend = plot_item.legend
    assert len(legend.items) == 4
    assert legend.brush().style() != Qt.BrushStyle.NoBrush
    assert legend.brush().color().alpha() > 200
    qtbot.waitUntil(
        lambda: not legend.sceneBoundingRect().intersects(plot_item.vb.sceneBoundingRect()),
        timeout=3000,
    )
    # The missing-values heatmap names its features (the most-missing, 'ca', on top).
    from tests.gui.test_plots import drawn_texts

    missing_axis = e.missing_plot.getPlotItem().getAxis("left")
    names = drawn_texts(missing_axis)
    assert {"ca", "thal", "slope", "chol"} <= set(names), names
    assert e.describe_point(0).startswith("<b>row")
    window.go_to("split")
    s = _page(window, "split")
    assert "metadata-predicts-label" in s.before.codes()
    s.holdout_check.setChecked(True)
    s.holdout_combo.setCurrentIndex(s.holdout_combo.findData("site"))
    items = [s.holdout_values.item(i) for i in range(s.holdout_values.count())]
    next(i for i in items if i.text() == "va").setCheckState(Qt.CheckState.Checked)
    s.split_button.click()
    wait_idle(qtbot, window)
    assert not s.banner.isVisible(), s.banner.text()
    project = window.project
    sp = project.study.split
    assert set(project._sealed["site"]) == {"va"}
    assert "va" not in set(project.table["site"])
    assert len(sp.test) == 200 and project.n_sealed == 200
    assert "The test set is sealed" in s.sealed_label.text()
    assert window.next_button.isEnabled()  # on to the baselines


def test_parkinsons_split_keeps_people_together_and_asks_why_not(qtbot, window):
    path = shared("parkinsons_uci", "parkinsons.data")
    _import(qtbot, window, path, "status")
    _explore(qtbot, window)
    window.go_to("split")
    s = _page(window, "split")
    assert "repeated-subjects" in s.before.codes()
    assert "subject" in s.group_check.text()
    s.group_check.setChecked(False)
    assert s.reason_edit.isVisibleTo(s)
    s.split_button.click()
    wait_idle(qtbot, window)
    assert s.banner.isVisible() and "write down why" in s.banner.text()
    assert window.project.study.split is None
    s.group_check.setChecked(True)
    s.split_button.click()
    wait_idle(qtbot, window)
    project = window.project
    sp = project.study.split
    people = {
        name: set(project.table.loc[ids, "subject"])
        for name, ids in (("train", sp.train), ("tune", sp.tune))
    }
    test_people = set(project._sealed["subject"])
    assert not (people["train"] & people["tune"])
    assert not (people["train"] & test_people) and not (people["tune"] & test_people)


def test_parkinsons_without_subject_warns_before_splitting(qtbot, window):
    path = shared("parkinsons_uci", "parkinsons.data")
    _import(qtbot, window, path, "status")
    m = _page(window, "metadata")
    m.remove_derived()
    wait_idle(qtbot, window)
    _explore(qtbot, window)
    window.go_to("split")
    s = _page(window, "split")
    assert "possible-repeated-subjects" in s.before.codes()
    assert not s.group_check.isEnabled()


def test_stemcells_study_is_the_strongest_batch(qtbot, window):
    path = shared("stemcells", "stemcells.csv")
    _import(qtbot, window, path, "celltype")
    e = _explore(qtbot, window)
    first = e.batch_table.item(0, 0).text()
    assert first.startswith("study")
    assert window.project.study.explore.batch_effects[0].column == "study"


def test_gse5859_date_flagged(qtbot, window):
    path = shared("GSE5859Subset", "GSE5859Subset_samples_x_genes.csv")
    _import(qtbot, window, path, "group")
    m = _page(window, "metadata")
    assert "batch-label-association" in m.findings.codes()
    e = _explore(qtbot, window)
    codes = e.findings.codes()
    assert "batch-stronger-than-label" in codes or "metadata-predicts-label" in codes


def test_cancel_exploration_within_a_second(qtbot, window, tmp_path):
    """Cancel answers within a second even inside one long library call (t-SNE on 3,000 rows
    takes about ten seconds here), and nothing of the cancelled run is kept."""
    path = tmp_path / "cohort.csv"
    cohort(3000, n_features=12).to_csv(path, index=False)
    _import(qtbot, window, str(path), "label")
    window.go_to("explore")
    e = _page(window, "explore")
    e.method_combo.setCurrentIndex(e.method_combo.findData("tsne"))
    e.run_button.click()
    qtbot.waitUntil(lambda: "t-SNE" in window.progress.label.text(), timeout=30_000)
    qtbot.wait(300)
    assert window.job is not None
    t0 = time.monotonic()
    window.progress.cancel_button.click()
    wait_idle(qtbot, window, timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert window.project.study.explore is None
