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


def test_a_folder_of_class_folders_is_previewed_and_imported(qtbot, window, tmp_path):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    root = tmp_path / "cells"
    for cls, level in (("control", 90), ("treated", 150)):
        (root / cls).mkdir(parents=True)
        for i in range(10):
            arr = np.clip(rng.normal(level, 25, (20, 20)), 0, 255).astype(np.uint8)
            Image.fromarray(arr).save(root / cls / f"{cls}_{i}.png")
    (root / "control" / "Thumbs.db").write_bytes(b"\0")
    window.go_to("data")
    d = _page(window, "data")
    assert d.folder_button.text() == "Add folder…"
    window.ask.open_folder = lambda title: str(root)  # the folder chooser's answer
    d.folder_button.click()
    assert d.paths() == [str(root)]
    d.preview()
    wait_idle(qtbot, window)
    assert "a folder of 20 image(s) in 2 class folder(s)" in d.summary.text()
    d.import_button.click()
    wait_idle(qtbot, window)
    assert not d.banner.isVisible(), d.banner.text()
    assert list(window.project.table.columns) == ["image_id", "image", "class"]
    assert "Image column 'image': 20 images (PNG 20), 20 × 20 pixels" in d.summary.text()
    assert "image-skipped-files" in d.findings.codes()
