"""Images in the window (issue 18): the Explore page's Images tab, the Interpret page's saliency
maps, the Networks page's image options, re-linking a moved folder on the Data page, and
predictions on a folder of new images from File > Predict."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

pytest.importorskip("torch")

from dlwizard.plan import load_plan, run_plan
from tests.engine.test_image_pipeline import _folder, _plan
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _page(window, step):
    return next(p for p in window.pages if p.step == step)


@pytest.fixture
def image_project(tmp_path):
    folder = _folder(tmp_path / "cells", n=16, copies=2)
    plan = _plan(
        tmp_path,
        folder,
        '[compare]\nmodel = "network:image_cnn"\nreason = "the images are the point"\n'
        "[test]\nconfirm = true\n[interpret]\nrepeats = 2\n",
    )
    return run_plan(load_plan(plan), base=tmp_path)


def test_the_pages_show_the_images(qtbot, window, image_project):
    window.set_project(image_project)
    window.go_to("explore")
    e = _page(window, "explore")
    qtbot.waitUntil(lambda: e.image_tab.montage is not None, timeout=20_000)
    assert e.tabs.isTabVisible(e.tabs.indexOf(e.image_tab))
    assert not e.tabs.isTabVisible(e.tabs.indexOf(e.dist_tab))
    assert "images (PNG" in e.image_tab.words.text()
    qtbot.waitUntil(lambda: bool(e.image_tab.montage.getPlotItem().items), timeout=20_000)
    assert "Map of the images" in e.map_title.text()
    window.go_to("split")
    sp = _page(window, "split")
    assert sp.form.isRowVisible(sp.distance_row) and not sp.form.isRowVisible(sp.identity_row)
    assert "Near-identical images" in sp.sealed_label.text()
    sp.distance_box.setValue(3)
    assert sp.options().image_distance == 3
    window.go_to("networks")
    n = _page(window, "networks")
    assert n.augment.isVisible() and n.pretrained_row.isVisible()
    assert not n.reverse_complement.isVisible()
    assert n.rung_checks["image_cnn"].isVisible() and not n.rung_checks["mlp_small"].isVisible()
    window.go_to("interpret")
    i = _page(window, "interpret")
    assert i.saliency.isVisible() and i.image_title.isVisible() and i.saliency_box.isVisible()
    i.saliency_box.setCurrentIndex(i.saliency_box.findData("integrated_gradients"))
    assert i.options().saliency == "integrated_gradients"
    assert "Border check" in i.saliency.words.text()
    assert "&#x27;" not in i.saliency.words.text()
    assert i.saliency.plot is not None and i.saliency.plot.getPlotItem().items


def test_a_moved_folder_is_relinked_and_new_images_predicted(
    qtbot, window, image_project, tmp_path
):
    window.set_project(image_project)
    old = image_project.study.data.images[0].root
    moved = tmp_path / "moved"
    shutil.move(old, moved)
    window.go_to("data")
    d = _page(window, "data")
    assert d.relink_button.isVisible()
    assert "is not there any more" in d.summary.text()
    window.ask.open_folder = lambda title: str(moved)
    d.relink_button.click()
    wait_idle(qtbot, window)
    assert window.project.study.data.images[0].root == str(moved.resolve())
    assert "image-relinked" in {f.code for f in window.project.findings("data")}
    # File > Predict on a folder of new images.
    from dlwizard.gui.actions.export import predict_new

    new = _folder(tmp_path / "new", n=3, seed=4)
    out = tmp_path / "new_predictions.csv"
    window.ask.open_folder = lambda title: str(new)
    window.ask.save_answer = str(out)
    predict_new(window)
    wait_idle(qtbot, window)
    pred = pd.read_csv(out)
    assert len(pred) == 6 and "probability: spots" in pred.columns


def test_the_data_page_sets_how_the_models_read_the_images(qtbot, window, tmp_path):
    folder = _folder(tmp_path / "cells", n=12)
    window.go_to("data")
    d = _page(window, "data")
    assert not d.image_options.isVisible()
    window.ask.open_folder = lambda title: str(folder)
    d.folder_button.click()
    assert d.image_options.isVisible()
    d.size_box.setValue(32)
    d.fit_combo.setCurrentIndex(d.fit_combo.findData("crop"))
    d.channels_edit.setText("0, x")
    d.import_button.click()
    assert "channels are numbers" in d.banner.text()  # refused before anything runs
    d.channels_edit.setText("0")
    d.names_edit.setText("DAPI")
    d.import_button.click()
    wait_idle(qtbot, window)
    info = window.project.study.data.images[0]
    assert (info.size, info.fit, info.channels_used, info.channel_names) == (
        32,
        "crop",
        [0],
        ["DAPI"],
    )
    assert d.size_box.value() == 32 and d.names_edit.text() == "DAPI"
