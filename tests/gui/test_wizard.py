"""Drive the real wizard through the question, data and metadata pages."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from dlwizard.study import container
from dlwizard.study.model import DerivedColumn
from tests.conftest import shared
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _page(window, step):
    return next(p for p in window.pages if p.step == step)


def test_demo_loads_and_every_page_shows_it(qtbot, window):
    from dlwizard.gui.app import load_demo

    load_demo(window)
    wait_idle(qtbot, window)
    q = _page(window, "question")
    assert q.target_combo.currentData() == "diagnosis"
    assert q.positive_combo.currentData() == "malignant"
    assert q.task_buttons["auto"].isChecked()
    assert "two classes" in q.task_reason.text()
    assert window.next_button.isEnabled()
    window.next_button.click()
    d = _page(window, "data")
    assert window.stack.currentWidget() is d
    assert "569 samples" in d.summary.text()
    assert d.model.rowCount() > 0
    window.next_button.click()
    m = _page(window, "metadata")
    roles = {row[0]: row[1] for row in m.model.rows}
    assert roles["diagnosis"] == "target" and roles["case_id"] == "sample_id"
    assert "metadata-missing" in m.findings.codes()
    assert "✓" in window.steps.item(2).text()


def test_question_edits_reach_the_study(qtbot, window):
    from dlwizard.gui.app import load_demo

    load_demo(window)
    wait_idle(qtbot, window)
    q = _page(window, "question")
    q.positive_combo.setCurrentIndex(q.positive_combo.findData("benign"))
    assert window.project.study.question.positive_class == "benign"
    q.task_buttons["multiclass"].setChecked(True)
    assert window.project.study.question.task == "multiclass"
    assert window.project.study.question.task_confirmed
    q.unit_combo.setCurrentIndex(q.unit_combo.findData("other"))
    q.unit_other.setText("biopsy")
    q.unit_other.editingFinished.emit()
    assert window.project.study.question.unit_other == "biopsy"
    q.ceiling_box.setChecked(True)
    q.ceiling_value.setValue(0.9)
    assert window.project.study.question.ceiling.value == pytest.approx(0.9)
    q.target_combo.setCurrentIndex(0)  # "choose a column"
    assert "target-not-set" in q.findings.codes()
    assert not window.next_button.isEnabled()
    assert "To go on" in window.blocker.text()


def test_golub_raw_transposed_and_labels_joined(qtbot, window, tmp_path):
    train = shared("golub_raw", "data_set_ALL_AML_train.csv")
    independent = shared("golub_raw", "data_set_ALL_AML_independent.csv")
    labels = shared("golub_raw", "actual.csv")
    window.go_to("data")
    d = _page(window, "data")
    window.ask.open_many = [str(train), str(independent)]
    d.add_button.click()
    d.preview()
    wait_idle(qtbot, window)
    assert "genes as rows" in d.summary.text()
    d.set_sample_sheet(labels)
    d.source_edit.setText("Golub et al. 1999, Broad Institute")
    d.import_button.click()
    wait_idle(qtbot, window)
    assert not d.banner.isVisible(), d.banner.text()
    df = window.project.table
    assert df.shape[0] == 72
    assert not any(str(c).lower().startswith("call") for c in df.columns)
    assert set(df["cancer"]) == {"ALL", "AML"}
    assert "transposed" in d.findings.codes()
    assert window.project.study.data.files[2].role == "sample_sheet"
    window.go_to("question")
    q = _page(window, "question")
    q.target_combo.setCurrentIndex(q.target_combo.findData("cancer"))
    assert window.project.study.question.class_counts == {"ALL": 47, "AML": 25}
    window.go_to("metadata")
    wait_idle(qtbot, window)
    m = _page(window, "metadata")
    assert not m.banner.isVisible(), m.banner.text()
    roles = {r[0]: r[1] for r in m.model.rows}
    assert roles["source_file"] == "batch"
    assert roles["sample_id"] == "sample_id"
    assert "7,129 numeric measurement columns" in m.hidden_note.text()
    out = tmp_path / "golub.dlwiz"
    assert window.save_as(out)
    reopened = container.load(out)
    assert reopened.study == window.project.study
    pd.testing.assert_frame_equal(reopened.table, window.project.table)


def test_parkinsons_subject_derived_and_repeated_subjects_warned(qtbot, window):
    path = shared("parkinsons_uci", "parkinsons.data")
    d = _page(window, "data")
    window.go_to("data")
    d.add_files([path])
    d.import_button.click()
    wait_idle(qtbot, window)
    window.go_to("question")
    q = _page(window, "question")
    q.target_combo.setCurrentIndex(q.target_combo.findData("status"))
    window.go_to("metadata")
    wait_idle(qtbot, window)
    m = _page(window, "metadata")
    assert "repeated-subjects" in m.findings.codes()
    assert "32 distinct subjects" in m.stats.text()
    m.remove_derived()
    wait_idle(qtbot, window)
    assert "repeated-subjects" not in m.findings.codes()
    assert "possible-repeated-subjects" in m.findings.codes()
    m.derive(DerivedColumn(name="person", source="name", pattern=r"^(.*)_\d+$"))
    wait_idle(qtbot, window)
    assert window.project.study.metadata.roles["person"] == "subject"
    assert window.project.study.metadata.n_subjects == 32


def test_role_edit_in_table_runs_checks(qtbot, window):
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    window.go_to("data")
    d = _page(window, "data")
    d.add_files([path])
    d.import_button.click()
    wait_idle(qtbot, window)
    window.go_to("question")
    q = _page(window, "question")
    q.target_combo.setCurrentIndex(q.target_combo.findData("disease"))
    window.go_to("metadata")
    wait_idle(qtbot, window)
    m = _page(window, "metadata")
    assert "batch-label-association" in m.findings.codes()
    row = next(i for i, r in enumerate(m.model.rows) if r[0] == "site")
    m.model.setData(m.model.index(row, 1), "ignore")
    wait_idle(qtbot, window)
    assert window.project.study.metadata.roles["site"] == "ignore"
    assert "batch-label-association" not in m.findings.codes()


def test_bad_file_shows_message_and_keeps_project(qtbot, window, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("id,x,y\na,1,0\nb,2,1\nc,3,0\nd,4,1\n")
    bad = tmp_path / "ragged.csv"
    bad.write_text("id,x,y\na,1,0\nb,2\nc,3,0\n")
    window.go_to("data")
    d = _page(window, "data")
    d.add_files([good])
    d.import_button.click()
    wait_idle(qtbot, window)
    before = window.project.study.model_dump_json()
    table = window.project.table.copy()
    d.file_list.clear()
    d.add_files([bad])
    d.import_button.click()
    wait_idle(qtbot, window)
    assert d.banner.isVisible()
    assert "ragged.csv" in d.banner.text() and "row 3" in d.banner.text()
    assert window.project.study.model_dump_json() == before
    pd.testing.assert_frame_equal(window.project.table, table)


def test_cancel_answers_within_a_second_and_changes_nothing(qtbot, window, tmp_path):
    import numpy as np

    big = tmp_path / "big.csv"
    rng = np.random.default_rng(0)
    pd.DataFrame(rng.normal(size=(150_000, 40))).to_csv(big, index=False)
    window.go_to("data")
    d = _page(window, "data")
    d.add_files([big])
    d.import_button.click()
    qtbot.waitUntil(lambda: window.progress.isVisible(), timeout=5000)
    qtbot.wait(150)
    t0 = time.monotonic()
    window.progress.cancel_button.click()
    wait_idle(qtbot, window, timeout=5000)
    assert time.monotonic() - t0 < 1.0
    assert window.project.table is None
    assert window.project.study.data is None


def test_save_open_recent_and_export_plan(qtbot, window, tmp_path):
    from dlwizard.gui.app import load_demo
    from dlwizard.plan import load_plan
    from dlwizard.settings import recent_files

    load_demo(window)
    wait_idle(qtbot, window)
    window.ask.save_answer = str(tmp_path / "demo")
    assert window.save()
    saved = tmp_path / "demo.dlwiz"
    assert saved.exists() and not window.project.dirty
    assert str(saved.resolve()) in recent_files()
    assert window.export_plan(tmp_path / "plan.toml")
    plan = load_plan(tmp_path / "plan.toml")
    assert plan["question"]["target"] == "diagnosis"
    window.new_project()
    assert window.project.table is None
    assert window.open_project(saved)
    assert window.project.study.name.startswith("Breast cancer")
    broken = tmp_path / "broken.dlwiz"
    broken.write_bytes(saved.read_bytes()[:500])
    study_before = window.project.study
    assert not window.open_project(broken)
    assert window.ask.errors and "broken.dlwiz" in window.ask.errors[-1][1]
    assert window.project.study is study_before


def test_autosave_and_recovery_after_a_crash(qtbot, window, tmp_path):
    from dlwizard.gui.app import load_demo
    from dlwizard.gui.main_window import MainWindow
    from dlwizard.study.autosave import find_recovery_copies

    load_demo(window)
    wait_idle(qtbot, window)
    q = _page(window, "question")
    q.name_edit.setText("Unsaved work")
    q.name_edit.editingFinished.emit()
    assert window.project.dirty
    window.autosave()
    copies = find_recovery_copies()
    assert len(copies) == 1 and copies[0].study_name == "Unsaved work"
    # A second window (as after a crash) offers the copy and restores it.
    other = MainWindow()
    qtbot.addWidget(other)
    other.ask = window.ask
    assert other.offer_recovery()
    assert other.project.study.name == "Unsaved work"
    assert other.project.table is not None
    assert len(other.project.table) + other.project.n_sealed == 569  # test rows stay sealed
    assert other.project.study.split is not None and other.project.n_sealed == 114
    assert not find_recovery_copies()
    other.project.dirty = False
    other.close()
