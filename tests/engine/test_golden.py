"""Golden project files: every released schema still opens, and migrations run as a chain."""

from __future__ import annotations

import json
import math
import shutil
import zipfile
from pathlib import Path

import pytest

from dlwizard.errors import ProjectFileError
from dlwizard.steps import metadata, question
from dlwizard.study import container, migrations
from dlwizard.study.model import SCHEMA_VERSION

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
V1 = GOLDEN / "v1_demo.dlwiz"


def test_every_released_schema_has_a_golden_file():
    for version in range(1, SCHEMA_VERSION + 1):
        assert list(GOLDEN.glob(f"v{version}_*.dlwiz")), f"no golden file for schema {version}"
    assert V1.stat().st_size < 50_000


def test_golden_v1_is_really_a_v1_file():
    with zipfile.ZipFile(V1) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        study = json.loads(zf.read("study.json"))
    assert manifest["schema_version"] == 1
    assert study["schema_version"] == 1


def test_golden_v1_loads_with_its_values():
    project = container.load(V1)
    s = project.study
    assert s.name == "Golden v1 study"
    assert s.id == "901de000000040008000000000000001"
    assert s.created == "2026-01-15T12:00:00+00:00"
    assert list(s.steps_done) == ["question", "data", "metadata"]

    q = s.question
    assert (q.target, q.task, q.task_confirmed) == ("diagnosis", "binary", True)
    assert q.positive_class == "malignant"
    assert q.classes == ["benign", "malignant"]
    assert q.class_counts == {"malignant": 20, "benign": 20}
    assert q.unit == "patient"
    assert q.ceiling is not None
    assert (q.ceiling.kind, q.ceiling.value) == ("inter_rater_agreement", 0.9)

    d = s.data
    assert (d.n_rows, d.n_columns, d.transposed) == (40, 9, False)
    assert [(f.name, f.role) for f in d.files] == [
        ("v1_demo_data.csv", "data"),
        ("v1_demo_samples.csv", "sample_sheet"),
    ]
    assert all(len(f.sha256) == 64 for f in d.files)
    assert d.options.sample_id_column == "recording"
    assert d.options.sample_sheet is not None
    assert d.options.sample_sheet.key == "recording"
    assert d.provenance.doi == "10.24432/C5DW2B"
    assert d.provenance.date_obtained == "2026-01-15"

    m = s.metadata
    assert {c: r for c, r in m.roles.items() if r != "feature"} == {
        "recording": "sample_id",
        "mean smoothness": "ignore",
        "diagnosis": "target",
        "site": "batch",
        "patient": "subject",
    }
    assert m.suggested_roles["mean smoothness"] == "feature"
    assert [(x.name, x.source, x.role) for x in m.derived] == [("patient", "recording", "subject")]
    assert (m.design, m.replicate_kind, m.n_rows, m.n_subjects) == (
        "observational",
        "technical",
        40,
        20,
    )
    assert [f.code for f in s.findings] == [
        "sample-sheet-unmatched",
        "repeated-subjects",
        "batch-label-association",
    ]
    assert [e.action for e in project.log] == [
        "project-created",
        "data-imported",
        "metadata-reviewed",
    ]
    assert {e.user for e in project.log} == {"golden"}


def test_golden_v1_table():
    table = container.load(V1).table
    assert table.shape == (40, 10)
    assert list(table.columns) == [
        "recording", "mean radius", "mean texture", "mean perimeter", "mean area",
        "mean smoothness", "mean concavity", "diagnosis", "site", "patient",
    ]  # fmt: skip
    assert table["recording"].iloc[0] == "pt01_1"
    assert table["mean radius"].iloc[0] == 17.99  # first row of the Wisconsin data
    assert math.isnan(table["mean concavity"].iloc[4])
    assert int(table["mean concavity"].isna().sum()) == 1
    assert table["diagnosis"].value_counts().to_dict() == {"malignant": 20, "benign": 20}
    assert table["patient"].nunique() == 20
    assert (table["patient"] == table["recording"].str[:4]).all()


def test_current_steps_agree_with_the_golden_results():
    """Re-running today's checks on the v1 project gives what v1 recorded."""
    project = container.load(V1)
    stored = project.study.model_copy(deep=True)
    question.resolve(project)
    assert project.study.question == stored.question
    metadata.apply(project)
    assert project.study.metadata.roles == stored.metadata.roles
    assert project.study.metadata.n_subjects == stored.metadata.n_subjects
    (assoc,) = project.study.metadata.associations
    # Site A/B against the label is 16:4 / 4:16 (see make_golden.py): chi2 = 14.4 with n = 40,
    # bias-corrected Cramér's V = sqrt((0.36 - 1/39) / (1 - 1/39)).
    assert assoc.score == pytest.approx(math.sqrt((0.36 - 1 / 39) / (1 - 1 / 39)), abs=1e-4)
    assert assoc == stored.metadata.associations[0]
    assert [f.code for f in project.findings("metadata")] == [
        f.code for f in stored.findings if f.step == "metadata"
    ]


# -- the migration chain --------------------------------------------------------------------------
def _v1_to_v2(doc):
    doc = dict(doc)
    doc["question"] = {**doc["question"], "intended_use": "[v2] " + doc["question"]["intended_use"]}
    doc["schema_version"] = 2
    return doc


def _v2_to_v3(doc):
    doc = dict(doc)
    doc["name"] = doc["name"] + " (v3)"
    doc["schema_version"] = 3
    return doc


def test_loading_v1_under_a_simulated_v2_runs_the_migration(monkeypatch):
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(migrations, "MIGRATIONS", {1: _v1_to_v2})
    project = container.load(V1)
    assert project.study.schema_version == 2
    assert project.study.question.intended_use.startswith("[v2] Golden file")
    assert project.study.question.class_counts == {"malignant": 20, "benign": 20}


def test_the_chain_runs_every_link_in_order(monkeypatch):
    calls = []

    def record(fn):
        def step(doc):
            calls.append(doc["schema_version"])
            return fn(doc)

        return step

    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(migrations, "MIGRATIONS", {2: record(_v2_to_v3), 1: record(_v1_to_v2)})
    project = container.load(V1)
    assert calls == [1, 2]
    assert project.study.schema_version == 3
    assert project.study.name == "Golden v1 study (v3)"
    assert project.study.question.intended_use.startswith("[v2] ")


def test_migrate_does_not_change_the_callers_document(monkeypatch):
    monkeypatch.setattr(migrations, "MIGRATIONS", {1: _v1_to_v2, 2: _v2_to_v3})
    doc = {"schema_version": 1, "name": "x", "question": {"intended_use": "u"}}
    out = migrations.migrate(doc, target=3)
    assert out["schema_version"] == 3 and out["name"] == "x (v3)"
    assert doc == {"schema_version": 1, "name": "x", "question": {"intended_use": "u"}}
    assert migrations.migrate(doc, target=1) == doc  # already current: nothing to do


def test_a_missing_link_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(migrations, "SCHEMA_VERSION", 3)
    monkeypatch.setattr(migrations, "MIGRATIONS", {1: _v1_to_v2})
    copy = tmp_path / "old.dlwiz"
    shutil.copy(V1, copy)
    with pytest.raises(ProjectFileError) as info:
        container.load(copy)
    text = str(info.value)
    assert "no migration from schema version 2 to 3" in text
    assert "old.dlwiz" in text
    assert "report" in (info.value.fix or "")
    assert copy.read_bytes() == V1.read_bytes()  # nothing written


def test_a_migration_that_forgets_the_version_is_caught(monkeypatch):
    def lazy(doc):
        return dict(doc)

    monkeypatch.setattr(migrations, "MIGRATIONS", {1: lazy})
    with pytest.raises(ProjectFileError, match="did not produce schema 2"):
        migrations.migrate({"schema_version": 1}, target=2)


@pytest.mark.parametrize("version", [None, 0, -1, "1", True, 1.0])
def test_an_invalid_schema_version_is_refused(version):
    with pytest.raises(ProjectFileError, match="no valid schema version"):
        migrations.migrate({"schema_version": version}, source="x.dlwiz")


def test_a_newer_schema_is_refused_with_advice():
    with pytest.raises(ProjectFileError, match="newer dlwizard") as info:
        migrations.migrate({"schema_version": SCHEMA_VERSION + 1})
    assert "Nothing was changed" in (info.value.fix or "")
