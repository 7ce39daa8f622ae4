"""Compare, test and interpret pages, and File > Predict, driven through the real wizard."""

from __future__ import annotations

import pandas as pd
import pytest

from dlwizard.steps import baselines, explore, split
from dlwizard.study.model import BaselineOptions
from tests.engine.synthetic import cohort, project_from_frame
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


@pytest.fixture
def tuned(tmp_path):
    df = cohort(n=200, n_features=5, seed=2, label_shift=1.2)
    df["site"] = ["north", "south"] * 100
    project = project_from_frame(tmp_path, df, roles={"site": "batch"})
    explore.run(project)
    split.run(project)
    baselines.run(
        project,
        BaselineOptions(families=["logistic", "knn"], trials=2, permutations=0, bootstrap=200),
    )
    project.dirty = False
    return project


def _page(window, step):
    i = next(i for i, p in enumerate(window.pages) if p.step == step)
    window.go_to(i)
    return window.pages[i]


def test_freeze_open_once_look_again_interpret_and_predict(window, qtbot, tuned, tmp_path):
    window.set_project(tuned)
    page = _page(window, "compare")
    assert page.table.rowCount() == 2
    assert "Recommendation" in page.recommendation.text()
    assert window.next_button.isEnabled() is False  # nothing frozen yet
    # Selecting the model that is not recommended asks for a reason.
    rec = tuned.study.compare.recommended
    other_row = next(
        r for r in range(page.table.rowCount()) if page.table.item(r, 0).data(256) != rec
    )
    page.table.selectRow(other_row)
    assert page.reason_form.isRowVisible(0)
    page.freeze()
    wait_idle(qtbot, window)
    assert "say why" in page.banner.text()
    assert tuned.study.compare.final is None
    row = next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).data(256) == rec)
    page.table.selectRow(row)
    assert not page.reason_form.isRowVisible(0)
    page.freeze()
    wait_idle(qtbot, window)
    assert tuned.study.compare.final.key == rec
    assert "Final model" in page.final_label.text()

    test_page = _page(window, "test")
    assert test_page.open_button.isVisible() and not test_page.again_box.isVisible()
    window.ask.confirm_answer = False  # the user backs out: nothing happens
    test_page.open_test()
    assert window.job is None and not tuned.test_opened
    window.ask.confirm_answer = True
    test_page.open_test()
    wait_idle(qtbot, window)
    assert tuned.test_opened and window.ask.confirms == ["Open the sealed test set?"] * 2
    assert not test_page.open_button.isVisible() and test_page.again_box.isVisible()
    assert "test AUROC" in test_page.summary.text()
    assert test_page.looks.rowCount() == 1
    assert {test_page.subgroups.item(r, 1).text() for r in range(2)} == {"north", "south"}
    # A second look without a version name is refused in the page, before any job runs.
    test_page.look_again()
    assert "version name" in test_page.banner.text() and len(tuned.study.test.looks) == 1
    test_page.version.setText("v2")
    test_page.reason.setText("a reviewer asked for the interval at 90%")
    test_page.look_again()
    wait_idle(qtbot, window)
    assert [lk.version for lk in tuned.study.test.looks] == ["primary analysis", "v2"]
    assert test_page.looks.rowCount() == 2

    interp = _page(window, "interpret")
    interp.repeats.setValue(3)
    interp.set_box.setCurrentIndex(1)  # the test set, now that it was opened
    interp.run_interpret()
    wait_idle(qtbot, window)
    assert tuned.study.interpret.options.set == "test"
    assert interp.table.rowCount() == len(tuned.study.interpret.importances) > 0
    assert "not whether the feature causes" in interp.caveats.text()

    assert window.predict_action.isEnabled()
    rows = tuned.table.loc[tuned.study.split.tune]
    rows.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "pred.csv"
    window.ask.open_answer = str(tmp_path / "new.csv")
    window.ask.save_answer = str(out)
    window.predict_action.trigger()
    wait_idle(qtbot, window)
    assert window.ask.infos and "samples predicted" in window.ask.infos[-1][1]
    assert len(pd.read_csv(out)) == len(rows)
    # A file without the model's columns: a clear error, no output file.
    rows.drop(columns=["g0"]).to_csv(tmp_path / "bad.csv", index=False)
    window.predict_new(tmp_path / "bad.csv", tmp_path / "bad_pred.csv")
    wait_idle(qtbot, window)
    assert "g0" in window.ask.errors[-1][1] and not (tmp_path / "bad_pred.csv").exists()


def test_an_encrypted_project_asks_for_its_password(window, qtbot, tuned, tmp_path, monkeypatch):
    from dlwizard.study import container, crypto

    monkeypatch.setenv("DLWIZARD_KEYCHAIN", "off")  # no keychain: the password is the only way
    crypto.enable(tuned, "correct horse battery")
    path = container.save(tuned, tmp_path / "secret.dlwiz")
    window.ask.passwords = ["wrong password", "correct horse battery"]
    assert window.open_project(path)
    assert window.project.study.id == tuned.study.id
    window.ask.passwords = []  # cancelled: the current project stays
    assert not window.open_project(path)


def test_saving_a_sensitive_project_asks_for_a_password(window, qtbot, tuned, tmp_path):
    from dlwizard.steps import privacy
    from dlwizard.study import container

    window.set_project(tuned)
    privacy.answer(tuned, human_subjects=True, health_records=True)
    window.autosave()  # never a plaintext recovery copy of sensitive data
    assert "Autosave paused" in window.statusBar().currentMessage()
    window.ask.passwords = ["long enough 1", "long enough 2", "long enough 1", "long enough 1"]
    assert window.save_as(tmp_path / "s.dlwiz")
    assert container.is_encrypted(tmp_path / "s.dlwiz")
    window.ask.passwords = []
    assert not window.ask.errors


def test_report_menu_and_page_write_the_pdf(window, qtbot, tuned, tmp_path):
    window.set_project(tuned)
    window.ask.save_answer = str(tmp_path / "methods.pdf")
    window.report_action.trigger()
    pdf = tmp_path / "methods.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert tuned.log[-1].action == "report-exported" and tuned.is_done("report")
    assert not window.ask.errors and window.job is None
    page = _page(window, "report")
    assert "Not done yet" in page.state.text() and "No final model" in page.state.text()
    assert not page.buttons["Predict on new samples…"].isEnabled()
    window.ask.save_answer = str(tmp_path / "again.pdf")
    page.buttons["Export the methods report (PDF)…"].click()
    assert (tmp_path / "again.pdf").read_bytes().startswith(b"%PDF")


def test_an_encrypted_recovery_copy_asks_for_the_password(window, tuned, monkeypatch):
    from dlwizard.study import crypto
    from dlwizard.study.autosave import write_recovery

    monkeypatch.setenv("DLWIZARD_KEYCHAIN", "off")
    crypto.enable(tuned, "recovery password")
    tuned.touch()
    write_recovery(tuned)
    window.ask.passwords = []  # cancelled: the copy stays for the next start
    assert not window.offer_recovery()
    window.ask.passwords = ["wrong one!", "recovery password"]
    assert window.offer_recovery()
    assert window.project.study.id == tuned.study.id
