"""Plan files: validation with clear messages, running, and export (File > Export plan)."""

from __future__ import annotations

import tomllib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlwizard.demo import demo_project
from dlwizard.errors import PlanError
from dlwizard.plan import IMPLEMENTED, dumps, load_plan, plan_from_project, run_plan
from dlwizard.study.project import STEP_ORDER, Project
from tests.conftest import shared

# -- a small golub-like raw data set: genes as rows, P/A/M calls, labels in a sample sheet --------
N_PROBES = 40
TRAIN = [1, 2, 3, 4, 9, 10]
TEST = [5, 6, 7, 8, 11, 12]
LABELS = {1: "ALL", 2: "ALL", 3: "AML", 4: "ALL", 5: "AML", 6: "ALL", 7: "ALL", 8: "AML",
          9: "AML", 10: "ALL", 11: "ALL", 12: "AML"}  # fmt: skip


def _probe(i: int) -> str:
    return f"AFFX-Ctrl-{i}_at" if i < 3 else f"M{10000 + 37 * i}_at"


def write_golub_like(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    for name, samples in (("train.csv", TRAIN), ("independent.csv", TEST)):
        header = ["Gene Description", "Gene Accession Number"]
        for s in samples:
            header += [str(s), "call"]
        lines = [",".join(header)]
        for i in range(N_PROBES):
            row = [f"probe {i} (made up)", _probe(i)]
            for _ in samples:
                row += [str(int(rng.integers(-300, 3000))), "PAM"[int(rng.integers(0, 3))]]
            lines.append(",".join(row))
        (folder / name).write_text("\n".join(lines) + "\n", "utf-8")
    sheet = ["patient,cancer"] + [f"{k},{v}" for k, v in LABELS.items()]
    (folder / "labels.csv").write_text("\n".join(sheet) + "\n", "utf-8")
    plan = folder / "plan.toml"
    plan.write_text(
        """
[project]
name = "Golub-like"

[question]
target = "cancer"
positive_class = "AML"
unit = "patient"
ceiling = { kind = "other", value = 0.95, note = "made up" }

[data]
paths = ["train.csv", "independent.csv"]
sample_sheet = { path = "labels.csv", key = "patient" }
source = "made up for a test"
date_obtained = "2026-01-01"

[metadata]
design = "observational"
replicate_kind = "none"
roles = { source_file = "ignore" }
""",
        "utf-8",
    )
    return plan


def _same_project(a: Project, b: Project) -> None:
    assert b.study.question == a.study.question
    assert b.study.metadata.roles == a.study.metadata.roles
    assert b.study.metadata.derived == a.study.metadata.derived
    assert (b.study.metadata.design, b.study.metadata.replicate_kind) == (
        a.study.metadata.design,
        a.study.metadata.replicate_kind,
    )
    assert b.table.shape == a.table.shape
    pd.testing.assert_frame_equal(b.table, a.table)
    assert [f.code for f in b.findings()] == [f.code for f in a.findings()]
    assert b.study.data.provenance == a.study.data.provenance
    assert [f.sha256 for f in b.study.data.files] == [f.sha256 for f in a.study.data.files]


def test_golub_like_plan_runs(tmp_path):
    project = run_plan(load_plan(write_golub_like(tmp_path)), base=tmp_path)
    df = project.table
    assert df.shape == (12, 1 + N_PROBES + 2)  # sample_id, probes, source_file, cancer
    assert project.study.data.transposed
    assert dict(zip(df["sample_id"].astype(int), df["cancer"])) == LABELS
    assert project.study.question.class_counts == dict(Counter(LABELS.values()))
    assert project.study.question.positive_class == "AML"
    assert project.study.metadata.roles["source_file"] == "ignore"
    assert project.study.metadata.suggested_roles["source_file"] == "batch"
    assert project.study.data.provenance.date_obtained == "2026-01-01"
    assert list(project.study.steps_done) == ["question", "data", "metadata"]


def test_exported_plan_rebuilds_the_golub_like_project(tmp_path):
    project = run_plan(load_plan(write_golub_like(tmp_path)), base=tmp_path)
    text = dumps(plan_from_project(project, relative_to=tmp_path))
    assert text.startswith("# dlwizard plan")
    exported = tmp_path / "exported.toml"
    exported.write_text(text, "utf-8")
    plan = load_plan(exported)
    assert plan["data"]["paths"] == ["train.csv", "independent.csv"]  # relative, portable
    assert plan["data"]["sample_sheet"]["path"] == "labels.csv"
    again = run_plan(plan, base=tmp_path)
    _same_project(project, again)
    assert again.study.name == "Golub-like"


def test_exported_plan_moves_with_its_data(tmp_path):
    first = tmp_path / "first"
    first.mkdir()
    project = run_plan(load_plan(write_golub_like(first)), base=first)
    text = dumps(plan_from_project(project, relative_to=first))
    moved = tmp_path / "moved"
    first.rename(moved)
    (moved / "exported.toml").write_text(text, "utf-8")
    again = run_plan(load_plan(moved / "exported.toml"), base=moved)
    _same_project(project, again)


def test_exported_plan_rebuilds_parkinsons(tmp_path):
    data = shared("parkinsons_uci", "parkinsons.data")
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(
        f"""
[question]
target = "status"
task = "binary"
unit = "patient"
intended_use = "research only"

[data]
path = '{data}'
doi = "10.24432/C59C74"

[metadata]
derive = {{ name = "person", from = "name", pattern = '^(.*)_\\d+$' }}
roles = {{ "MDVP:Fo(Hz)" = "ignore", "NHR" = "sensitive" }}
replicate_kind = "technical"
""",
        "utf-8",
    )
    project = run_plan(load_plan(plan_file), base=tmp_path)
    exported = plan_from_project(project)
    assert exported["question"]["task"] == "binary"  # confirmed, so written as such
    assert exported["metadata"]["roles"] == {"MDVP:Fo(Hz)": "ignore", "NHR": "sensitive"}
    assert exported["metadata"]["derive"] == [
        {"name": "person", "from": "name", "pattern": r"^(.*)_\d+$", "role": "subject"}
    ]
    out = tmp_path / "exported.toml"
    out.write_text(dumps(exported), "utf-8")
    again = run_plan(load_plan(out), base=tmp_path)
    _same_project(project, again)
    assert again.study.metadata.n_subjects == 32


def test_exported_plan_of_a_project_without_derived_subject_stays_without(tmp_path):
    rows = ["name,dx,radius,texture"]
    rows += [f"id_{i // 3}_{i % 3},{'ab'[i % 2]},{i}.5,{i * 3}.25" for i in range(30)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", "utf-8")
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(
        '[question]\ntarget = "dx"\n[data]\npath = "d.csv"\n[metadata]\nsuggest_subject = false\n',
        "utf-8",
    )
    project = run_plan(load_plan(plan_file), base=tmp_path)
    assert project.study.metadata.derived == []
    exported = plan_from_project(project, relative_to=tmp_path)
    assert exported["metadata"]["suggest_subject"] is False
    again = run_plan(tomllib.loads(dumps(exported)), base=tmp_path)
    assert again.study.metadata.derived == []
    _same_project(project, again)


def test_demo_plan_has_no_data_section():
    plan = plan_from_project(demo_project())
    assert "data" not in plan  # bundled data cannot be re-read from a path
    assert plan["question"]["target"] == "diagnosis"
    assert plan["question"]["positive_class"] == "malignant"
    tomllib.loads(dumps(plan))


def test_a_plan_may_stop_after_the_question():
    project = run_plan({"question": {"target": "dx", "unit": "cell"}}, base=Path("."))
    assert list(project.study.steps_done) == ["question"]
    assert project.table is None


def test_a_plan_stops_after_data_when_metadata_is_not_named(tmp_path):
    write_golub_like(tmp_path)
    plan = load_plan(tmp_path / "plan.toml")
    del plan["metadata"]
    project = run_plan(plan, base=tmp_path)
    assert list(project.study.steps_done) == ["question", "data"]
    assert project.study.metadata is None


# -- validation -----------------------------------------------------------------------------------
def _plan(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plan.toml"
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message", "fix"),
    [
        ("[qestion]\ntarget='x'", "unknown key 'qestion' in the plan", "did you mean 'question'?"),
        ("[data]\npth='x'", "unknown key 'pth' in [data]", "did you mean 'path'?"),
        (
            "[data]\npath='x'\nsample_sheet={path='s.csv', keys='id'}",
            "unknown key 'keys' in [data.sample_sheet]",
            "did you mean 'key'?",
        ),
        (
            "[metadata]\nderive=[{name='s', form='id', pattern='(.*)'}]",
            "unknown key 'form' in [metadata.derive]",
            "did you mean 'from'?",
        ),
        ("question = 3", "[question] must be a table", None),
        ("[data]\nsample_sheet='s.csv'", "[data] sample_sheet must be a table", None),
        ("[question\ntarget='x'", "is not valid TOML", "docs/plan.md"),
    ],
)
def test_invalid_plans_get_clear_messages(tmp_path, text, message, fix):
    with pytest.raises(PlanError) as info:
        load_plan(_plan(tmp_path, text))
    assert message in info.value.message
    assert info.value.file == str(tmp_path / "plan.toml")
    if fix:
        assert fix in (info.value.fix or "")


def test_a_step_this_version_cannot_run(tmp_path):
    later = [s for s in STEP_ORDER if s not in IMPLEMENTED]
    if not later:
        pytest.skip("every step is implemented")
    step = later[-1]
    with pytest.raises(PlanError) as info:
        load_plan(_plan(tmp_path, f"[question]\ntarget='x'\n[{step}]\n"))
    assert f"[{step}] is not available in this version" in info.value.message
    assert f"Remove [{step}]" in (info.value.fix or "")


def test_missing_and_undecodable_plan_files(tmp_path):
    with pytest.raises(PlanError, match="no such plan file"):
        load_plan(tmp_path / "absent.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes("[project]\nname = 'Caf\xe9'\n".encode("latin-1"))
    with pytest.raises(PlanError, match="not UTF-8"):
        load_plan(bad)


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"project": {"name": "x"}}, "the plan names no step"),
        ({"question": {"target": "dx"}, "data": {"source": "x"}}, "needs path (or paths)"),
        ({"question": {"ceiling": {"value": 2.0}}}, "[question.ceiling] value: "),
        ({"question": {"unit": "organ"}}, "[question] unit: "),
    ],
)
def test_impossible_plans(plan, message):
    with pytest.raises(PlanError) as info:
        run_plan(plan, base=Path("."))
    assert message in info.value.message


def test_derive_without_pattern_is_a_plan_error(tmp_path):
    write_golub_like(tmp_path)
    plan = load_plan(tmp_path / "plan.toml")
    plan["metadata"]["derive"] = {"from": "sample_id"}
    with pytest.raises(PlanError, match=r"\[metadata\] a required key is missing: 'pattern'"):
        run_plan(plan, base=tmp_path)


def test_a_target_missing_from_the_data_stops_the_plan(tmp_path):
    write_golub_like(tmp_path)
    plan = load_plan(tmp_path / "plan.toml")
    plan["question"]["target"] = "diagnosis"
    with pytest.raises(PlanError, match="'diagnosis' is not in the imported data"):
        run_plan(plan, base=tmp_path)


def test_transpose_may_be_a_boolean(tmp_path):
    rows = ["case,dx,radius,texture"] + [
        f"c{i:03d},{'ab'[i % 2]},{i}.5,{i * 3}.25" for i in range(30)
    ]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n", "utf-8")
    plan = load_plan(
        _plan(tmp_path, '[question]\ntarget="dx"\n[data]\npath="d.csv"\ntranspose=false\n')
    )
    project = run_plan(plan, base=tmp_path)
    assert project.study.data.options.transpose == "no"
    assert project.table.shape == (30, 4)
