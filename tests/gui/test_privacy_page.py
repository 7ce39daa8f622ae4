"""The privacy page driven as a user drives it: answer, check, read the verdict, set a password,
and the export through the File menu, refused, then allowed with a typed override."""

from __future__ import annotations

import json

import pytest

from dlwizard.steps import baselines, compare, split
from dlwizard.study import crypto
from dlwizard.study.model import BaselineOptions, SplitOptions
from tests.engine.synthetic import cohort, project_from_frame
from tests.gui.conftest import wait_idle

WHY = "Shared only with the consortium's analysis centre under the data-use agreement."


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch):
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**12)


def _project(tmp_path, family: str):
    project = project_from_frame(tmp_path, cohort(300, seed=3))
    split.run(project, SplitOptions(seed=2, tune_fraction=0.3))
    baselines.run(
        project,
        BaselineOptions(
            families=[family], trials=1, seconds_per_family=30, permutations=0, bootstrap=100
        ),
    )
    compare.freeze(project)
    project.dirty = False
    return project


def _open_page(window, project):
    window.set_project(project)
    index = [p.step for p in window.pages].index("privacy")
    window.go_to(index)
    page = window.pages[index]
    assert window.current_page() is page
    return page


def test_answer_check_and_read_the_verdict(window, qtbot, tmp_path):
    project = _project(tmp_path, "knn")
    page = _open_page(window, project)
    assert "Not checked" in page.verdict.text()
    assert not page.idents.isVisible()
    # the user answers: people, health records; genomic no; two left "not sure"
    page.radios["human_subjects"][True].click()
    page.radios["health_records"][True].click()
    page.radios["genomic"][False].click()
    section = project.study.privacy
    assert section.answers.human_subjects is True and section.answers.genomic is False
    assert section.answers.identifiable is None
    assert section.sensitive
    assert "A password is needed" in page.crypto_text.text()
    # the check runs in a worker; the verdict appears
    from PySide6.QtCore import Qt

    qtbot.mouseClick(page.run_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, window)
    assert page.banner.isHidden(), page.banner.text()
    assert project.study.privacy.verdict == "do_not_share"
    assert "Do not share" in page.verdict.text()
    assert "keeps training rows inside itself" in page.verdict.text()
    assert page.memo.isVisible() and "stores training rows" in page.memo.text()
    assert "Attack AUC" in page.audit_figures.text()
    assert page.audit_text.text() == project.study.privacy.audit.interpretation
    assert "membership-risk" in page.findings.codes()
    assert "privacy-verdict" in page.findings.codes()
    assert "Export refused" in page.gate_text.text()
    assert page.override_button.isVisible()
    # changing an answer updates the verdict at once (no new audit)
    page.radios["genomic"][None].click()
    assert project.study.privacy.answers.genomic is None
    assert "Do not share" in page.verdict.text()
    # the password: typed twice; a mismatch changes nothing
    window.ask.passwords = ["a long enough password", "another password"]
    page.password_button.click()
    assert project.encryption is None and "differ" in page.banner.text()
    window.ask.passwords = ["a long enough password", "a long enough password"]
    page.password_button.click()
    assert project.encryption is not None
    assert "Encrypted" in page.crypto_text.text()
    assert window.save_as(tmp_path / "sensitive.dlwiz")
    assert window.ask.errors == []


def test_export_refused_then_allowed_with_a_typed_override(window, qtbot, tmp_path):
    project = _project(tmp_path, "logistic")
    page = _open_page(window, project)
    out = tmp_path / "exported"
    # not checked yet: refused; the user cancels the override dialog
    window.ask.text_answer = ""
    assert window.export_model(out) is None
    assert not out.exists()
    assert project.study.privacy is None  # nothing recorded
    # checked with questions open: "shareable after changes"
    page.radios["human_subjects"][True].click()
    page.run_button.click()
    wait_idle(qtbot, window)
    assert project.study.privacy.verdict == "shareable_after_changes"
    assert "Shareable after changes" in page.verdict.text()
    # a justification too short is refused on the page, with the reason in the banner
    page.justification.setPlainText("because")
    page.override_button.click()
    assert "at least 20 characters" in page.banner.text()
    assert project.study.privacy.override is None
    # too short in the export dialog: refused with an error, nothing written
    window.ask.text_answer = "ok"
    assert window.export_model(out) is None
    assert window.ask.errors and "at least 20" in window.ask.errors[-1][1]
    assert not out.exists()
    # a typed justification: recorded, and the export goes through
    window.ask.text_answer = WHY
    written = window.export_model(out)
    assert written and {p.name for p in written} == {"final.skops", "model_card.json"}
    card = json.loads((out / "model_card.json").read_text("utf-8"))
    assert card["privacy"]["override"]["justification"] == WHY
    assert window.ask.infos[-1][0] == "Model exported"
    assert project.study.privacy.override.justification == WHY
    assert "Override recorded" in page.gate_text.text()
    assert not page.override_button.isVisible()
    actions = [e.action for e in project.log]
    assert actions[-2:] == ["export-override", "model-exported"]


def test_the_file_menu_has_the_export_action(window):
    texts = [a.text() for a in window.menuBar().actions()[0].menu().actions()]
    assert "E&xport final model…" in texts
    window.export_model()  # no final model: says so, exports nothing
    assert window.ask.infos[-1][0] == "No final model"


def _field_project(tmp_path):
    """The field table of the engine tests: collection dates and ring codes are features."""
    from tests.engine.test_privacy import _field_table

    df, roles = _field_table()
    project = project_from_frame(tmp_path, df, roles=roles)
    split.run(project, SplitOptions(seed=3, tune_fraction=0.3, test_fraction=0.2))
    baselines.run(
        project,
        BaselineOptions(
            families=["logistic"], trials=1, seconds_per_family=30, permutations=0, bootstrap=100
        ),
    )
    compare.freeze(project)
    project.dirty = False
    return project


def test_an_animal_table_answered_no_is_shareable_and_the_page_says_why(window, qtbot, tmp_path):
    from dlwizard.gui.pages.privacy import VERDICT_STYLE

    project = _field_project(tmp_path)
    page = _open_page(window, project)
    for radios in page.radios.values():
        radios[False].click()  # no to every question: an animal table
    assert "Not from people" in page.sensitivity.text()
    page.run_button.click()
    wait_idle(qtbot, window)
    assert page.banner.isHidden(), page.banner.text()
    assert project.study.privacy.verdict == "shareable"
    assert "Shareable" in page.verdict.text() and "do not come from people" in page.verdict.text()
    assert VERDICT_STYLE["shareable"][1] in page.verdict.styleSheet()
    # the dates are still listed, greyed, marked as not applied
    rows = {page.idents.item(r, 0).text(): r for r in range(page.idents.rowCount())}
    assert "when" in rows
    assert page.idents.item(rows["when"], 4).text().startswith("Not applied")
    assert "do not come from people" in page.ident_note.text()
    assert "Not applied" in page.quasi_note.text()
    assert "identifier-as-feature" not in page.findings.codes()
    # the report page: the verdict in a box of its colour
    report = window.pages[[p.step for p in window.pages].index("report")]
    window.go_to(window.pages.index(report))
    assert "shareable" in report.privacy_line.text()
    assert VERDICT_STYLE["shareable"][1] in report.privacy_line.styleSheet()
    # a yes about people brings the rules back at once: do not share, red on both pages
    window.go_to(window.pages.index(page))
    page.radios["human_subjects"][True].click()
    assert project.study.privacy.verdict == "do_not_share"
    assert "Do not share" in page.verdict.text()
    assert VERDICT_STYLE["do_not_share"][1] in page.verdict.styleSheet()
    assert page.idents.item(rows["when"], 4).text().startswith("This column is used as a feature")
    assert "identifier-as-feature" in page.findings.codes()
    window.go_to(window.pages.index(report))
    assert "do not share" in report.privacy_line.text()
    style = report.privacy_line.styleSheet()
    assert VERDICT_STYLE["do_not_share"][1] in style
    assert VERDICT_STYLE["shareable"][1] not in style
    # and "do not share" is no longer inside the green summary box
    assert "Privacy" not in report.state.text()
    assert VERDICT_STYLE["shareable"][1] not in report.state.styleSheet()  # steps left undone
