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
    window.go_to(6)
    page = window.pages[6]
    assert page.step == "networks" and "2 trials per rung" in page.trials_label.text()
    page.rung_checks["mlp_deep"].setChecked(False)
    page.epochs_box.setValue(40)
    page.seeds_box.setValue(2)
    page.run_button.click()
    qtbot.waitUntil(lambda: "Now training" in page.curve_label.text(), timeout=60_000)
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
    assert not page.timer.isActive()


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
    window.go_to(6)
    page = window.pages[6]
    page.run_button.click()
    qtbot.waitUntil(lambda: "Now training" in page.curve_label.text(), timeout=60_000)
    t0 = time.monotonic()
    window.progress.cancel_button.click()
    wait_idle(qtbot, window, timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert window.project.study.networks is None  # nothing finished, nothing half-written
    assert not page.timer.isActive()
