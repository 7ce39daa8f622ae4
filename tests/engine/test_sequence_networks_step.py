"""The networks step on sequences: the sequence ladder, frozen and applied to new sequences."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dlwizard.errors import StepError
from dlwizard.steps import baselines, compare, networks, split
from dlwizard.study import container
from dlwizard.study.model import BaselineOptions, CompareOptions, NetworkOptions
from tests.engine.synthetic import project_from_frame
from tests.engine.test_sequence_models import MOTIF, motif_table

TINY = NetworkOptions(
    rungs=["cnn_small"], trials=2, max_epochs=8, patience=3, seeds=1, bootstrap=100,
    reverse_complement=True,
)  # fmt: skip


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seqnet")
    project = project_from_frame(tmp, motif_table(n=200, length=60))
    split.run(project)
    baselines.run(
        project, BaselineOptions(families=["logistic"], trials=2, permutations=0, bootstrap=100)
    )
    networks.run(project, TINY)
    return project


def test_the_sequence_ladder_is_the_default_for_sequences(trained):
    from dlwizard.steps.modelling import prepare

    p = prepare(trained)
    assert networks.rungs_for(p, NetworkOptions()) == ["cnn_small", "cnn_dilated", "seq_attention"]
    assert networks.modality(p) == "sequence"


def test_a_sequence_network_trains_and_records_its_settings(trained):
    n = trained.study.networks
    assert [r.key for r in n.rungs] == ["cnn_small"]
    assert n.options.reverse_complement is True
    arch = json.loads(trained.models[networks.ARCHITECTURE].decode("utf-8"))
    text = json.dumps(arch)
    assert '"alphabet": "dna"' in text and '"reverse_complement": true' in text
    # A planted motif is what separates the classes: the CNN finds it.
    assert n.rungs[0].tune.metrics["auroc"].value > 0.7


def test_a_table_rung_is_refused_for_sequences(trained):
    with pytest.raises(StepError, match="rung for tables") as err:
        networks.run(trained, NetworkOptions(rungs=["mlp_small"], trials=1, max_epochs=2))
    assert "cnn_small" in err.value.fix


def test_a_frozen_sequence_network_predicts_new_sequences(trained, tmp_path: Path):
    from dlwizard.predict import predict_file

    compare.freeze(trained, CompareOptions(model="network:cnn_small", reason="a test"))
    again = container.load(container.save(trained, tmp_path / "net.dlwiz"))
    final = again.study.compare.final
    assert final.kind == "network" and final.sequence == "reads"
    fasta = tmp_path / "new.fa"
    plain, motif = "ACGT" * 15, MOTIF + "ACGT" * 13 + "CA"
    fasta.write_text(f">plain\n{plain}\n>motif\n{motif}\n>short\nACGTAC\n")
    out = tmp_path / "pred.csv"
    summary = predict_file(again, fasta, out)
    assert summary.n_rows == 3
    lines = out.read_text().splitlines()
    assert lines[1].startswith('"plain"') and lines[3].startswith('"short"')
    probs = [float(line.split(",")[2]) for line in lines[1:]]
    assert np.all(np.isfinite(probs))
    assert any("'short' (6 letters)" in note for note in summary.notes())
