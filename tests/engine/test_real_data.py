"""The question, data and metadata steps on the real data sets in ../shared/data.

Each test writes a plan file, runs it with load_plan/run_plan (as `dlwizard run` does) or calls the
engine functions directly, and checks facts of the data set (class counts, subjects, batches).
The tests skip with a reason when ../shared/data is absent.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dlwizard.plan import load_plan, run_plan
from dlwizard.steps import data, metadata, question
from dlwizard.study import container
from dlwizard.study.model import DerivedColumn, ImportOptions, Provenance
from dlwizard.study.project import Project
from tests.conftest import shared

pytestmark = pytest.mark.shared_data


def _run(tmp: Path, text: str) -> Project:
    plan_file = tmp / "plan.toml"
    plan_file.write_text(text, "utf-8")
    return run_plan(load_plan(plan_file), base=plan_file.parent)


def _codes(project: Project, step: str | None = None) -> list[str]:
    return [f.code for f in project.findings(step)]


def _finding(project: Project, code: str):
    found = [f for f in project.findings() if f.code == code]
    assert len(found) == 1, f"expected one '{code}', got {_codes(project)}"
    return found[0]


# -- golub_raw: genes as rows, two files, labels in a separate sheet ------------------------------
@pytest.fixture(scope="module")
def golub(tmp_path_factory) -> Project:
    folder = shared("golub_raw")
    tmp = tmp_path_factory.mktemp("golub")
    return _run(
        tmp,
        f"""
[project]
name = "Golub leukaemia"

[question]
target = "cancer"
unit = "patient"

[data]
paths = ['{folder / "data_set_ALL_AML_train.csv"}', '{folder / "data_set_ALL_AML_independent.csv"}']
sample_sheet = {{ path = '{folder / "actual.csv"}' }}
source = "Golub et al. 1999"

[metadata]
design = "observational"
""",
    )


def test_golub_is_turned_stacked_and_labelled(golub):
    df = golub.table
    s = golub.study
    assert df.shape[0] == 72
    assert s.data.transposed is True
    assert not [c for c in df.columns if str(c).lower().startswith("call")]
    genes = [c for c in df.columns if c not in ("sample_id", "source_file", "cancer")]
    assert len(genes) == 7129
    assert df[genes].dtypes.map(pd.api.types.is_float_dtype).all()
    assert df["source_file"].value_counts().to_dict() == {
        "data_set_ALL_AML_train.csv": 38,
        "data_set_ALL_AML_independent.csv": 34,
    }
    assert df["sample_id"].is_unique
    assert s.question.task == "binary"
    assert s.question.class_counts == {"ALL": 47, "AML": 25}
    assert s.question.positive_class == "AML"  # no 'case' word: the rarer class
    assert [f.role for f in s.data.files] == ["data", "data", "sample_sheet"]
    assert s.data.options.sample_sheet.key == "patient"  # detected in actual.csv
    assert _codes(golub, "data") == ["transposed", "transposed"]
    assert golub.errors() == []


def test_golub_labels_and_values_match_the_raw_files(golub):
    folder = shared("golub_raw")
    labels = pd.read_csv(folder / "actual.csv").set_index("patient")["cancer"]
    df = golub.table
    expected = [labels[int(sid)] for sid in df["sample_id"]]
    assert df["cancer"].tolist() == expected
    raw = pd.read_csv(folder / "data_set_ALL_AML_independent.csv").set_index(
        "Gene Accession Number"
    )
    for sample in ("39", "72"):
        row = df[df["sample_id"] == sample].iloc[0]
        for gene in ("AFFX-BioB-5_at", "M31994_at", raw.index[-1]):
            assert row[gene] == float(raw.loc[gene, sample])


def test_golub_metadata(golub):
    m = golub.study.metadata
    assert m.roles["sample_id"] == "sample_id"
    assert m.roles["source_file"] == "batch"
    assert m.roles["cancer"] == "target"
    assert sum(r == "feature" for r in m.roles.values()) == 7129
    assert [a.column for a in m.associations] == ["source_file"]
    assert "metadata-missing" not in _codes(golub)


def test_golub_preview_through_the_engine():
    path = shared("golub_raw", "data_set_ALL_AML_train.csv")
    pv = data.preview(path, ImportOptions(paths=[str(path)]))
    assert pv.orientation.transpose is True
    assert pv.orientation.feature_id_column == "Gene Accession Number"
    assert len(pv.orientation.call_columns) == 38
    assert pv.orientation.annotation_columns == ["Gene Description"]
    assert pv.result.table.shape[0] == 7129


def test_golub_train_file_alone_saves_and_reloads(tmp_path):
    path = shared("golub_raw", "data_set_ALL_AML_train.csv")
    sheet = shared("golub_raw", "actual.csv")
    from dlwizard.study.model import SampleSheet

    project = Project.new("Golub train")
    question.apply(project, target="cancer")
    opts = ImportOptions(paths=[str(path)], sample_sheet=SampleSheet(path=str(sheet)))
    data.run(project, opts, Provenance(source="Golub 1999"))
    assert project.table.shape == (38, 7131)  # sample_id + 7129 genes + cancer
    assert project.study.question.class_counts == {"ALL": 27, "AML": 11}
    unmatched = _finding(project, "sample-sheet-unmatched")
    assert len(unmatched.detail["sheet_only"]) == 34  # the independent set's labels
    out = container.save(project, tmp_path / "golub.dlwiz")
    again = container.load(out)
    pd.testing.assert_frame_equal(again.table, project.table)


# -- parkinsons_uci: several recordings per person ------------------------------------------------
PARKINSONS = """
[question]
target = "status"
unit = "patient"

[data]
path = '{path}'
{extra}
"""


def test_parkinsons_subject_from_plan_derive(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _run(
        tmp_path,
        PARKINSONS.format(
            path=path,
            extra="""
[metadata]
derive = { name = "person", from = "name", pattern = '^(.*)_\\d+$' }
replicate_kind = "technical"
""",
        ),
    )
    df = project.table
    assert df.shape[0] == 195
    assert df["person"].nunique() == 32
    assert project.study.question.class_counts == {"1": 147, "0": 48}
    assert project.study.question.positive_class == "1"
    m = project.study.metadata
    assert m.roles["person"] == "subject" and m.roles["name"] == "sample_id"
    assert m.n_subjects == 32
    warning = _finding(project, "repeated-subjects")
    assert warning.severity == "warning"
    assert warning.detail == {"rows": 195, "subjects": 32, "effective_n": 32}
    assert warning.columns == ["person"]
    # Each person has one diagnosis: the derived subject groups rows of one person only.
    assert (df.groupby("person")["status"].nunique() == 1).all()
    assert df.groupby("person").size().between(6, 7).all()


def test_parkinsons_subject_suggested_without_being_asked(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _run(tmp_path, PARKINSONS.format(path=path, extra="[metadata]"))
    (derived,) = project.study.metadata.derived
    assert derived.source == "name" and derived.role == "subject"
    assert project.table[derived.name].nunique() == 32
    assert _finding(project, "repeated-subjects").detail["effective_n"] == 32


def test_parkinsons_without_subject_gets_a_hint(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _run(
        tmp_path, PARKINSONS.format(path=path, extra="[metadata]\nsuggest_subject = false")
    )
    assert project.study.metadata.derived == []
    assert "subject" not in project.study.metadata.roles.values()
    assert "repeated-subjects" not in _codes(project)
    assert _finding(project, "possible-repeated-subjects").columns == ["name"]


def test_parkinsons_through_the_engine():
    path = shared("parkinsons_uci", "parkinsons.data")
    project = Project.new("Parkinson's")
    question.apply(project, target="status", unit="patient")
    data.run(project, ImportOptions(paths=[str(path)], sample_id_column="name"))
    section = metadata.apply(
        project,
        derived=[DerivedColumn(name="subject", source="name", pattern=r"^(phon_R01_S\d+)_\d+$")],
        suggest_derived=False,
    )
    assert section.n_subjects == 32
    assert project.study.steps_done.keys() == {"question", "data", "metadata"}


# -- heart_disease_uci: four hospitals ------------------------------------------------------------
def test_heart_disease_site_travels_with_the_label(tmp_path):
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    project = _run(
        tmp_path,
        f"""
[question]
target = "disease"

[data]
path = '{path}'

[metadata]
roles = {{ target = "ignore" }}
""",
    )
    assert project.table.shape[0] == 920
    assert project.study.question.class_counts == {"1": 509, "0": 411}
    m = project.study.metadata
    assert m.roles["site"] == "batch"
    assert m.roles["target"] == "ignore"
    warning = _finding(project, "batch-label-association")
    assert warning.columns == ["site"]
    assert warning.detail["measure"] == "cramers_v"
    assert warning.detail["score"] >= 0.3
    assert warning.detail["p_value"] < 1e-6
    assert project.table["site"].nunique() == 4


# -- GSE5859Subset: processing date confounded with the label -------------------------------------
def test_gse5859_date_flagged(tmp_path):
    path = shared("GSE5859Subset", "GSE5859Subset_samples_x_genes.csv")
    project = _run(
        tmp_path,
        f"""
[question]
target = "group"

[data]
path = '{path}'

[metadata]
""",
    )
    assert project.table.shape == (24, 8797)
    assert project.study.question.class_counts == {"0": 12, "1": 12}
    m = project.study.metadata
    assert m.roles["date"] == "batch"
    assert m.roles["ethnicity"] == "sensitive"
    assert m.roles["filename"] == "sample_id"
    warning = _finding(project, "batch-label-association")
    assert warning.columns == ["date"]
    # June 9:3 and October 3:9 (README): the months carry the confound, not the single days.
    assert warning.detail["measure"] == "cramers_v_by_month"
    assert warning.detail["p_value"] < 0.05


# -- stemcells: four studies ----------------------------------------------------------------------
def test_stemcells_study_is_a_batch(tmp_path):
    path = shared("stemcells", "stemcells.csv")
    project = _run(
        tmp_path, f"[question]\ntarget = 'celltype'\n[data]\npath = '{path}'\n[metadata]"
    )
    q = project.study.question
    assert q.task == "multiclass"
    assert q.class_counts == {"hiPSC": 58, "hESC": 37, "Fibroblast": 30}
    assert q.positive_class is None
    m = project.study.metadata
    assert m.roles["study"] == "batch"
    assert m.roles["sample"] == "sample_id"
    assert [a.column for a in m.associations] == ["study"]
    assert "metadata-missing" not in _codes(project)


# -- microarray/khan.csv: four tumour classes -----------------------------------------------------
def test_khan_multiclass(tmp_path):
    path = shared("microarray", "khan.csv")
    project = _run(tmp_path, f"[question]\ntarget = 'label'\n[data]\npath = '{path}'\n[metadata]")
    q = project.study.question
    assert q.task == "multiclass" and q.task_inferred == "multiclass"
    assert len(q.classes) == 4
    expected = pd.read_csv(path, usecols=["label"])["label"].value_counts().to_dict()
    assert q.class_counts == expected
    assert min(expected.values()) >= 8 and max(expected.values()) <= 23
    assert project.table.shape == (63, 2310)
    assert sum(r == "feature" for r in project.study.metadata.roles.values()) == 2308
    assert _finding(project, "metadata-missing").severity == "warning"
    assert "class-small" in _codes(project, "question")  # BL has 8 samples
