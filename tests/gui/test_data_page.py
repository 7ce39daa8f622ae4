"""The data page with sequences: FASTA files are offered, previewed and imported, and the page
says what each sequence column holds in plain words."""

from __future__ import annotations

import random

import pytest

from tests.gui.conftest import wait_idle

pytestmark = pytest.mark.gui


def _page(window, step):
    return next(p for p in window.pages if p.step == step)


def test_fasta_files_one_per_class_are_previewed_and_imported(qtbot, window, tmp_path):
    from dlwizard.gui.pages.data import FILE_FILTER

    assert "*.fasta" in FILE_FILTER and "*.fa " in FILE_FILTER
    rng = random.Random(0)
    paths = []
    for name in ("enhancer", "background"):
        path = tmp_path / f"{name}.fa"
        records = [
            f">{name}{i}\n" + "".join(rng.choice("ACGT") for _ in range(40)) for i in range(12)
        ]
        path.write_text("\n".join(records) + "\n")
        paths.append(str(path))
    window.go_to("data")
    d = _page(window, "data")
    window.ask.open_many = paths
    d.add_button.click()
    d.preview()
    wait_idle(qtbot, window)
    assert "a FASTA file of 12 DNA record(s)" in d.summary.text()
    assert "sequence-alphabet" in d.findings.codes()
    d.import_button.click()
    wait_idle(qtbot, window)
    assert not d.banner.isVisible(), d.banner.text()
    assert set(window.project.table["class"]) == {"enhancer", "background"}
    text = d.summary.text()
    assert "Sequence column 'sequence': DNA, 24 sequences of 40 letters each" in text
