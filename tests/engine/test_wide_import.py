"""Wide expression tables: a header of 20,000 gene names must import (regression tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlwizard.steps import data
from dlwizard.study.model import ImportOptions
from dlwizard.study.project import Project


def _write(path, n_rows: int, names: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(n_rows, len(names))).round(4), columns=names)
    df.insert(0, "sample_id", [f"S{i:04d}" for i in range(n_rows)])
    df["label"] = rng.choice(["a", "b"], size=n_rows)
    df.to_csv(path, index=False)
    return df


def test_header_of_20000_genes_imports(tmp_path):
    path = tmp_path / "wide.csv"
    df = _write(path, 6, [f"G{i:05d}" for i in range(20_000)])
    project = Project.new()
    data.run(project, ImportOptions(paths=[str(path)]))
    assert project.table.shape == df.shape
    assert list(project.table.columns[:3]) == ["sample_id", "G00000", "G00001"]
    assert project.study.data.transposed is False


def test_header_longer_than_the_sniff_sample_is_not_cut(tmp_path):
    # 20,000 Ensembl-style names: a header line of about 340 kB, beyond the 256 kB sample.
    path = tmp_path / "wider.csv"
    names = [f"ENSG{i:011d}" for i in range(20_000)]
    _write(path, 4, names)
    assert len(path.read_text().split("\n", 1)[0]) > 256 * 1024
    project = Project.new()
    data.run(project, ImportOptions(paths=[str(path)]))
    assert project.table.shape[1] == 20_002
    assert project.table.columns[-1] == "label"
