"""The metadata page shows what each column's values revealed, and its findings link to the
columns they name (issue 14: "the wizard shows it")."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QPoint, Qt

from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _page(window, step):
    return next(p for p in window.pages if p.step == step)


def _traps_csv(tmp_path):
    """A row number written by pandas, a patient ID repeated over three biopsies, features;
    the rows sorted by class, so the row number alone would predict the label."""
    rng = np.random.default_rng(5)
    n = 60
    y = np.repeat(["tumour", "normal"], n // 2)
    df = pd.DataFrame(rng.normal(size=(n, 6)).round(4), columns=[f"g{j}" for j in range(6)])
    df.insert(0, "patient", np.repeat(np.arange(501, 521), 3))
    df.insert(0, "Unnamed: 0", np.arange(1, n + 1))
    df["label"] = y
    path = tmp_path / "biopsies.csv"
    df.to_csv(path, index=False)
    return path


def _proxy_row(m, column):
    from dlwizard.gui.pages.metadata import COL

    for r in range(m.proxy.rowCount()):
        src = m.proxy.mapToSource(m.proxy.index(r, 0)).row()
        if m.model.rows[src][COL] == column:
            return r
    return None


def _current_column(m):
    from dlwizard.gui.pages.metadata import COL

    index = m.table.currentIndex()
    assert index.isValid()
    return m.model.rows[m.proxy.mapToSource(index).row()][COL]


def test_row_number_shows_its_evidence_and_findings_select_their_column(qtbot, window, tmp_path):
    from dlwizard.gui.pages.metadata import KIND, ROLE, WHY

    window.go_to("data")
    d = _page(window, "data")
    d.add_files([_traps_csv(tmp_path)])
    d.import_button.click()
    wait_idle(qtbot, window)
    assert window.project.table.shape == (60, 9), "the table must not be turned"
    window.go_to("question")
    q = _page(window, "question")
    q.target_combo.setCurrentIndex(q.target_combo.findData("label"))
    window.go_to("metadata")
    wait_idle(qtbot, window)
    m = _page(window, "metadata")
    assert not m.banner.isVisible(), m.banner.text()
    roles = window.project.study.metadata.roles
    assert roles["Unnamed: 0"] == "ignore" and roles["patient"] == "subject"

    # The row number is an integer column set aside: it shows without "every measurement
    # column", among the metadata at the top, with its evidence in the table and the tooltip.
    m.show_all.setChecked(False)
    r = _proxy_row(m, "Unnamed: 0")
    assert r is not None and r < 3
    assert _proxy_row(m, "g0") is None  # the plain measurements are hidden

    def cell(c, role=Qt.ItemDataRole.DisplayRole):
        return m.proxy.index(r, c).data(role)

    assert cell(ROLE) == "Ignore"
    assert cell(KIND) == "integer · row number"
    assert "consecutive whole numbers 1 to 60" in cell(WHY) and "row number" in cell(WHY)
    tip = cell(0, Qt.ItemDataRole.ToolTipRole)
    assert "consecutive whole numbers 1 to 60" in tip and "suggests Ignore" in tip
    assert m.table.rowHeight(r) > m.table.verticalHeader().defaultSectionSize()  # wrapped
    p = _proxy_row(m, "patient")
    assert "repeated ID" in m.proxy.index(p, KIND).data()
    assert "suggests Subject" in m.proxy.index(p, WHY).data(Qt.ItemDataRole.ToolTipRole)

    # A click on the finding that sets the row number aside selects its row, even while the
    # search hides it, and the line under the table gives the evidence in full.
    m.search.setText("g0")
    assert _proxy_row(m, "Unnamed: 0") is None
    card = next(c for c in m.findings.cards if c.finding.code == "columns-set-aside")
    assert card.finding.columns[0] == "Unnamed: 0"
    assert "Unnamed: 0" in card.links.text() and card.finding.code not in card.links.text()
    with qtbot.waitSignal(m.findings.column_clicked) as clicked:
        qtbot.mouseClick(card, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))
    assert clicked.args == ["Unnamed: 0"]
    assert m.search.text() == ""
    assert _current_column(m) == "Unnamed: 0"
    assert "consecutive whole numbers 1 to 60" in m.evidence.text()
    index = m.table.currentIndex()
    assert m.table.viewport().rect().intersects(m.table.visualRect(index))

    # A link names one column; a hidden measurement column is shown by ticking "show all".
    repeated = next(c for c in m.findings.cards if "patient" in c.finding.columns)
    repeated.links.linkActivated.emit(str(repeated.finding.columns.index("patient")))
    assert _current_column(m) == "patient"
    m.show_column("g3")
    assert m.show_all.isChecked() and _current_column(m) == "g3"

    # Given the feature role back, the row number stays in view (its values still say what it
    # is) and stays selected, and the warning about it links to it.
    m.show_all.setChecked(False)
    m.show_column("Unnamed: 0")
    src = next(i for i, row in enumerate(m.model.rows) if row[0] == "Unnamed: 0")
    m.model.setData(m.model.index(src, ROLE), "feature")
    wait_idle(qtbot, window)
    assert window.project.study.metadata.roles["Unnamed: 0"] == "feature"
    assert _current_column(m) == "Unnamed: 0"
    m.show_all.setChecked(False)  # a small table shows every column again after a change
    r = _proxy_row(m, "Unnamed: 0")
    assert r is not None and _proxy_row(m, "g0") is None
    assert cell(ROLE) == "Feature" and cell(WHY).startswith("your choice (suggested: Ignore")
    warning = next(c for c in m.findings.cards if c.finding.code == "feature-looks-like-metadata")
    assert warning.finding.columns == ["Unnamed: 0"] and warning.links is not None

    # Pages without a table of columns keep plain cards.
    assert not _page(window, "data").findings.link_columns
    assert all(c.links is None for c in _page(window, "question").findings.cards)
