"""Predictions for new sequences: a FASTA file through the frozen model, checked as on import."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dlwizard.predict import predict_file
from dlwizard.steps import baselines, compare, split
from dlwizard.study import container
from dlwizard.study.model import BaselineOptions
from tests.engine.synthetic import project_from_frame
from tests.engine.test_sequence_models import MOTIF, motif_table


@pytest.fixture(scope="module")
def frozen_project(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pred")
    project = project_from_frame(tmp, motif_table(n=200, length=80))
    split.run(project)
    options = BaselineOptions(families=["logistic"], trials=2, permutations=0, bootstrap=100)
    baselines.run(project, options)
    compare.freeze(project)
    return container.load(container.save(project, tmp / "frozen.dlwiz"))


def test_the_final_model_records_its_sequences(frozen_project):
    final = frozen_project.study.compare.final
    assert final.sequence == "reads" and final.alphabet == "dna"
    assert final.sequence_lengths == (80, 80)


def test_a_fasta_file_is_predicted_by_record(frozen_project, tmp_path: Path):
    plain = "ACGT" * 20
    with_motif = MOTIF + "ACGT" * 18 + "AC"
    fasta = tmp_path / "new.fasta"
    fasta.write_text(
        f">plain\n{plain}\n>motif\n{with_motif.lower()}\n>odd\nACGT5ACGT{'A' * 71}\n"
        f">long\n{'ACGT' * 30}\n"
    )
    out = tmp_path / "pred.csv"
    summary = predict_file(frozen_project, fasta, out)
    rows = list(csv.DictReader(out.open()))
    ids = [r[next(iter(r))] for r in rows]
    assert ids == ["plain", "motif", "odd", "long"]
    assert summary.n_rows == 4
    p_yes = {i: float(r["probability: yes"]) for i, r in zip(ids, rows)}
    assert p_yes["motif"] > p_yes["plain"]  # the planted motif is what the model learned
    notes = " ".join(summary.notes())
    assert "'odd', position 5 ('5')" in notes
    assert "'long' (120 letters)" in notes and "80 to 80 letters" in notes


def test_a_table_of_new_sequences_needs_the_sequence_column(frozen_project, tmp_path: Path):
    from dlwizard.errors import DataError

    table = tmp_path / "new.csv"
    table.write_text("sample,other\ns1,ACGT\n")
    with pytest.raises(DataError, match="'reads'"):
        predict_file(frozen_project, table, tmp_path / "p.csv")
