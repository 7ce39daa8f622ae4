"""Drive the networks page: live curves while training, then the ladder and the verdict."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("torch")

from dlwizard.plan import load_plan, run_plan
from tests.conftest import shared
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def test_networks_page_shows_live_curves_then_the_verdict(qtbot, window, tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[explore]\n'
        '[split]\n[baselines]\nfamilies = ["logistic"]\ntrials = 2\npermutations = 0\n'
        "bootstrap = 200\n"
    )
    window.set_project(run_plan(load_plan(plan), base=tmp_path))
    window.go_to("networks")
    page = window.pages[6]
    assert page.step == "networks" and "2 trials per rung" in page.trials_label.text()
    page.rung_checks["mlp_deep"].setChecked(False)
    page.epochs_box.setValue(40)
    page.seeds_box.setValue(2)
    page.run_button.click()
    qtbot.waitUntil(lambda: "Now training" in page.curve_label.text(), timeout=60_000)
    assert "Estimated duration" in page.curve_label.text()  # said before the first rung
    xs, _ = page.train_curve.getData()
    assert page.plot is not None and xs is not None and len(xs) > 0
    if os.environ.get("DLWIZARD_SHOTS"):
        qtbot.wait(700)
        window.grab().save(os.path.join(os.environ["DLWIZARD_SHOTS"], "networks_live.png"))
    wait_idle(qtbot, window, timeout=300_000)
    assert not page.banner.isVisible(), page.banner.text()
    n = window.project.study.networks
    assert [r.key for r in n.rungs][:1] == ["mlp_small"]
    assert page.table.rowCount() == len(n.rungs)
    assert page.verdict.isVisible() and "Verdict" in page.verdict.text()
    assert "seeds" in page.details.text() and "Device: cpu" in page.details.text()
    assert not page.training


def test_cancel_training_within_a_second(qtbot, window, tmp_path):
    import time

    path = shared("parkinsons_uci", "parkinsons.data")
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[explore]\n'
        '[split]\n[baselines]\nfamilies = ["logistic"]\ntrials = 5\npermutations = 0\n'
        "bootstrap = 200\n"
    )
    window.set_project(run_plan(load_plan(plan), base=tmp_path))
    window.go_to("networks")
    page = window.pages[6]
    page.run_button.click()
    qtbot.waitUntil(lambda: "Now training" in page.curve_label.text(), timeout=60_000)
    t0 = time.monotonic()
    window.progress.cancel_button.click()
    wait_idle(qtbot, window, timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert window.project.study.networks is None  # nothing finished, nothing half-written
    assert not page.training


def _with_networks(window, tmp_path, rungs, stopped_because, val_loss, max_epochs=40):
    """A project whose networks section is written directly (no training): the page's words
    are the point."""
    from dlwizard.study.model import (
        Evaluation,
        MetricInterval,
        NetworkOptions,
        NetworksSection,
        RungResult,
    )

    path = shared("parkinsons_uci", "parkinsons.data")
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[explore]\n'
        '[split]\n[baselines]\nfamilies = ["logistic"]\ntrials = 1\npermutations = 0\n'
        "bootstrap = 200\n"
    )
    project = run_plan(load_plan(plan), base=tmp_path)
    tune = Evaluation(set="tune", n=40, metrics={"auroc": MetricInterval(value=0.9, low=0.8,
                                                                         high=0.97)})  # fmt: skip
    rung = RungResult(
        key="mlp_small",
        name="MLP, one hidden layer",
        trials=1,
        cv_mean=0.9,
        train_score=0.95,
        tune=tune,
        train_loss=[v + 0.05 for v in val_loss],
        val_loss=val_loss,
        best_epoch=len(val_loss) - 1,
    )
    project.study.networks = NetworksSection(
        options=NetworkOptions(rungs=rungs, max_epochs=max_epochs),
        rungs=[rung],
        chosen="mlp_small",
        stopped_because=stopped_because,
        verdict="The best network does not beat the best baseline beyond noise.",
        device={"device": "cpu", "torch": "2", "threads": "1"},
    )
    window.set_project(project)
    window.go_to("networks")
    return window.pages[6]


def test_unticked_rungs_and_the_epoch_limit_are_said(window, tmp_path):
    falling = [1.0 - 0.01 * i for i in range(40)]
    # the text an earlier version wrote, whatever was unticked
    page = _with_networks(window, tmp_path, ["mlp_small"], "Every rung of the ladder was tried.",
                          falling)  # fmt: skip
    details = page.details.text()
    assert "Every rung" not in details
    assert "Left out by you (unticked): MLP, three hidden layers and Residual MLP." in details
    assert page.epoch_note.isVisible()
    assert "Allow more epochs (Max epochs)" in page.epoch_note.text()
    assert "best epoch 40 of 40" in page.epoch_note.text()
    assert page.table.item(0, 6).text() == "40 of 40: the limit"
    assert "Allow more epochs" not in details  # said once, in the note


def test_networks_page_fits_1024_by_640(window, qtbot, tmp_path):
    from tests.gui.test_baselines_page import _fits_the_window

    falling = [1.0 - 0.01 * i for i in range(40)]
    page = _with_networks(window, tmp_path, ["mlp_small"], "Tried: MLP, one hidden layer.",
                          falling)  # fmt: skip
    for size in ((1024, 640), (1280, 800)):
        window.resize(*size)
        window.go_to("networks")
        _fits_the_window(qtbot, window, page, page.run_button)


def test_a_run_that_stopped_early_has_no_epoch_note(window, tmp_path):
    plateau = [1.0 - 0.01 * i for i in range(20)] + [0.9] * 5
    page = _with_networks(window, tmp_path, ["mlp_small"], "Tried: MLP, one hidden layer.",
                          plateau)  # fmt: skip
    assert not page.epoch_note.isVisible()
    assert page.table.item(0, 6).text() == str(len(plateau))
