"""Layout, words and keys at the window sizes users have (1280 x 800 and 1024 x 640), on a
three-class study with long class names run through the test step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QAbstractScrollArea, QLabel, QScrollArea, QTableWidget

from dlwizard.steps import baselines, compare, explore, split, test
from dlwizard.study.model import BaselineOptions, TestOptions
from tests.engine.synthetic import project_from_frame, sample_names
from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui

SIZES = ((1280, 800), (1024, 640))
CLASSES = ("induced pluripotent stem cell", "embryonic stem cell", "dermal fibroblast")


@pytest.fixture
def three_class(tmp_path):
    import pandas as pd

    rng = np.random.default_rng(3)
    n = 150
    y = np.arange(n) % 3
    x = rng.normal(size=(n, 5))
    x[:, 0] += 1.5 * (y == 1)
    x[:, 1] += 1.5 * (y == 2)
    df = pd.DataFrame(x, columns=[f"g{j}" for j in range(5)])
    df.insert(0, "label", np.array(CLASSES)[y])
    df.insert(0, "sample", sample_names(n))
    df["site"] = ["north", "south", "east"] * 50
    project = project_from_frame(tmp_path, df, roles={"site": "batch"})
    explore.run(project)
    split.run(project)
    baselines.run(
        project,
        BaselineOptions(families=["logistic", "knn"], trials=1, permutations=0, bootstrap=100),
    )
    compare.freeze(project)
    test.unseal(project, TestOptions(bootstrap=100), confirm=True)
    project.dirty = False
    return project


def _go(qtbot, window, step):
    i = next(i for i, p in enumerate(window.pages) if p.step == step)
    window.go_to(i)
    wait_idle(qtbot, window)
    qtbot.wait(30)  # queued redraws and layout passes
    return window.pages[i]


def _visible(page, kind):
    return [w for w in page.findChildren(kind) if w.isVisibleTo(page)]


def _table_text(table: QTableWidget) -> str:
    cells = [
        table.item(r, c).text()
        for r in range(table.rowCount())
        for c in range(table.columnCount())
        if table.item(r, c) is not None
    ]
    heads = [
        table.horizontalHeaderItem(c).text()
        for c in range(table.columnCount())
        if table.horizontalHeaderItem(c) is not None
    ]
    return " ".join(cells + heads)


def test_pages_fit_the_window_and_keep_their_main_action_in_view(qtbot, window, three_class):
    window.set_project(three_class)
    for w, h in SIZES:
        window.resize(w, h)
        qtbot.wait(30)
        for step in ("question", "data", "metadata", "explore", "split", "compare", "test"):
            page = _go(qtbot, window, step)
            scroll = page.findChild(QScrollArea)
            body = scroll.widget()
            viewport = scroll.viewport()
            where = f"{step} at {w}x{h}"
            # No sideways scrolling: the page's narrowest layout fits the window...
            assert body.minimumSizeHint().width() <= viewport.width(), where
            assert scroll.horizontalScrollBar().maximum() == 0, where
            # ... and no table on it scrolls sideways either (the data preview may: a wide
            # table is wide).
            for table in _visible(page, QAbstractScrollArea):
                if table is scroll or (step == "data" and table is page.table):
                    continue
                if table.isVisible() and table.width() > 0:
                    assert table.horizontalScrollBar().maximum() == 0, (where, table)
        data = _go(qtbot, window, "data")
        scroll = data.findChild(QScrollArea)
        scroll.verticalScrollBar().setValue(0)
        qtbot.wait(10)
        for button in (data.import_button, data.preview_button):
            top_left = button.mapTo(scroll.viewport(), button.rect().topLeft())
            bottom = top_left.y() + button.height()
            assert top_left.y() >= 0 and bottom <= scroll.viewport().height(), (w, h, bottom)
        assert not data.options_section.is_open()  # reading options folded away


def test_test_and_compare_pages_show_names_words_and_one_metrics_table(qtbot, window, three_class):
    window.set_project(three_class)
    window.resize(1024, 640)
    page = _go(qtbot, window, "compare")
    texts = [_table_text(t) for t in _visible(page, QTableWidget)]
    texts += [lab.text() for lab in _visible(page, QLabel)]
    assert not any("baseline:" in t or "network:" in t for t in texts), texts
    assert not any("T" in t and "+00:00" in t for t in texts)  # no ISO time stamps

    page = _go(qtbot, window, "test")
    texts = [_table_text(t) for t in _visible(page, QTableWidget)]
    texts += [lab.text() for lab in _visible(page, QLabel)]
    assert not any("baseline:" in t or "network:" in t for t in texts), texts
    assert not any("+00:00" in t for t in texts), [t for t in texts if "+00:00" in t]
    assert "Logistic regression" in _table_text(page.looks)
    # The test metrics are shown once: the side-by-side table, not the panel's copy.
    metric_tables = [
        t
        for t in _visible(page, QTableWidget)
        if "Balanced accuracy" in _table_text(t) or "MCC" in _table_text(t)
    ]
    assert metric_tables == [page.side]
    assert not page.panel.table.isVisibleTo(page)
    # Three classes: no threshold at 0.5, no "positive class".
    caption = page.panel.confusion_caption.text()
    assert "0.5" not in caption and "most probable class" in caption
    assert not any("positive class" in t or "probability 0.5" in t for t in texts)
    # The confusion matrix names every class whole, and shows every row.
    matrix = page.panel.confusion
    heads = [matrix.horizontalHeaderItem(c).text().replace("\n", " ") for c in range(3)]
    assert heads == [f"→ {c}" for c in sorted(CLASSES)] or sorted(heads) == sorted(
        f"→ {c}" for c in CLASSES
    )
    rows = [matrix.verticalHeaderItem(r).text() for r in range(3)]
    assert sorted(rows) == sorted(CLASSES)
    assert matrix.verticalScrollBar().maximum() == 0
    assert matrix.horizontalScrollBar().maximum() == 0
    header = matrix.horizontalHeader()
    fm = header.fontMetrics()
    for c in range(3):
        widest_line = max(fm.horizontalAdvance(s) for s in heads[c].split(" "))
        assert header.sectionSize(c) >= widest_line, heads[c]


def test_binary_caption_names_the_class_and_the_threshold(qtbot):
    from dlwizard.gui.widgets.evaluation import confusion_caption

    assert "'case' when its predicted probability is 0.5" in confusion_caption(
        "binary", ["control", "case"]
    )
    assert "0.5" not in confusion_caption("multiclass", list(CLASSES))


def test_finding_cards_show_no_codes(qtbot, window, three_class):
    from dlwizard.gui.widgets.common import FindingCard
    from dlwizard.study.model import Finding

    card = FindingCard(
        Finding(
            code="batch-stronger-than-label",
            severity="warning",
            step="explore",
            message="'site' explains more of the variation than the label.",
            fix="colour the map by this column.",
        )
    )
    qtbot.addWidget(card)
    text = " ".join(lab.text() for lab in card.findChildren(QLabel))
    assert "batch-stronger-than-label" not in text and "Check" in text
    window.set_project(three_class)
    shown = 0
    for step in ("explore", "split", "test"):
        page = _go(qtbot, window, step)
        for card in page.findings.cards:
            text = " ".join(lab.text() for lab in card.findChildren(QLabel))
            assert card.finding.code not in text, text
            shown += 1
    assert shown, "the study should show at least one finding"


def test_the_privacy_check_stays_in_view_below_its_questions(qtbot, window, three_class):
    window.set_project(three_class)
    for w, h in SIZES:
        window.resize(w, h)
        page = _go(qtbot, window, "privacy")
        button = page.run_button
        assert button.isVisible()
        top_left = button.mapTo(window, button.rect().topLeft())
        assert top_left.y() >= 0 and top_left.y() + button.height() <= window.height(), (w, h)
