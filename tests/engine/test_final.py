"""Compare and freeze, the one look at the test set, interpretation and prediction (issue 6)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from dlwizard import predict
from dlwizard.errors import DataError, PlanError, StepError
from dlwizard.ml import frozen
from dlwizard.plan import load_plan, plan_from_project, run_plan
from dlwizard.steps import baselines, compare, explore, interpret, metadata, modelling, split
from dlwizard.steps import test as test_step
from dlwizard.study import container
from dlwizard.study.model import (
    BaselineOptions,
    CompareOptions,
    InterpretOptions,
    SplitOptions,
    TestOptions,
)
from tests.conftest import ROOT, shared
from tests.engine.synthetic import cohort, project_from_frame

BUDGET = BaselineOptions(
    families=["logistic", "knn", "random_forest"],
    trials=2,
    seconds_per_family=20,
    permutations=0,
    bootstrap=200,
)


def _study(tmp_path, n=240, seed=0):
    """A binary cohort with a site column, split and tuned (logistic, kNN, random forest)."""
    df = cohort(n=n, n_features=6, seed=seed, label_shift=1.2)
    df["g5"] = df["g0"] * 0.98 + np.random.default_rng(seed).normal(0, 0.05, n)  # g0's twin
    df["site"] = np.where(np.arange(n) % 3 == 0, "north", "south")
    df["colour"] = np.where(np.arange(n) % 2 == 0, "red", "blue")
    project = project_from_frame(tmp_path, df, roles={"site": "batch"})
    explore.run(project)
    split.run(project, SplitOptions(seed=3))
    baselines.run(project, BUDGET)
    return project


QUICK_INTERPRET = "[interpret]\nrepeats = 3\n"


def _quick_models(families: str, test_bootstrap: int = 200) -> str:
    """Plan tables for a quick run: two baseline families, the recommended model frozen, the
    test set opened once."""
    return f"""
[baselines]
families = {families}
trials = 2
permutations = 0
bootstrap = 200
[compare]
model = "recommended"
[test]
confirm = true
bootstrap = {test_bootstrap}
"""


def _run(tmp_path, text: str):
    plan = tmp_path / "plan.toml"
    plan.write_text(text, "utf-8")
    return run_plan(load_plan(plan), base=tmp_path)


@pytest.fixture
def tuned(tmp_path):
    return _study(tmp_path)


def test_recommendation_is_the_simplest_within_noise_and_is_frozen(tuned):
    section = compare.compare(tuned)
    keys = {c.key for c in section.candidates}
    assert keys == {"baseline:logistic", "baseline:knn", "baseline:random_forest"}
    best = max(section.candidates, key=lambda c: c.tune.value)
    rec = next(c for c in section.candidates if c.key == section.recommended)
    assert rec.tune.value >= best.tune.low  # within the best one's interval
    simpler = [c for c in section.candidates if compare._rank(c.key) < compare._rank(rec.key)]
    assert all(c.tune.value < best.tune.low for c in simpler)  # nothing simpler qualifies
    assert "within" in section.recommendation or "no simpler" in section.recommendation
    final = compare.freeze(tuned)
    assert final.key == section.recommended and not final.chosen_against_recommendation
    assert set(final.files) == {frozen.PIPELINE}
    assert tuned.is_done("compare")
    assert tuned.log[-1].action == "final-model-frozen"


def test_choosing_against_the_recommendation_needs_a_reason(tuned):
    section = compare.compare(tuned)
    other = next(c.key for c in section.candidates if c.key != section.recommended)
    with pytest.raises(StepError, match="say why"):
        compare.freeze(tuned, CompareOptions(model=other))
    final = compare.freeze(
        tuned, CompareOptions(model=other, reason="the clinic already runs this model family")
    )
    assert final.chosen_against_recommendation
    assert final.reason == "the clinic already runs this model family"


def test_a_tampered_model_file_is_refused(tuned, tmp_path):
    compare.freeze(tuned)
    path = container.save(tuned, tmp_path / "p.dlwiz")
    loaded = container.load(path)
    blob = bytearray(loaded.models[frozen.PIPELINE])
    blob[len(blob) // 2] ^= 0xFF
    loaded.models[frozen.PIPELINE] = bytes(blob)
    with pytest.raises(StepError, match="checksum"):
        test_step.unseal(loaded, confirm=True)
    assert not loaded.test_opened


def test_the_test_set_opens_once_and_a_second_look_is_a_named_version(tuned, tmp_path):
    compare.freeze(tuned)
    with pytest.raises(StepError, match="confirmation"):
        test_step.unseal(tuned, confirm=False)
    with pytest.raises(TypeError, match="confirm"):  # never defaulted, never an option
        test_step.unseal(tuned, TestOptions())
    assert not tuned.test_opened
    look = test_step.unseal(tuned, TestOptions(bootstrap=200), confirm=True)
    assert look.bootstrap == 200  # recorded with the look
    assert look.version == test_step.PRIMARY and look.n_test == len(tuned.study.split.test)
    assert {g.value for g in look.subgroups} == {"north", "south"}
    best = modelling.best_baseline(tuned.study.baselines.results, "auroc")
    if look.model == f"baseline:{best.key}":
        assert look.baseline is None  # the final model is the best baseline itself
    else:
        assert look.baseline == best.key and look.baseline_eval is not None
    entries = [e for e in tuned.log if e.action == "test-unsealed"]
    assert len(entries) == 1 and entries[0].detail["model"] == look.model
    # The same file reopened: still refused without a new version.
    reopened = container.load(container.save(tuned, tmp_path / "p.dlwiz"))
    for project in (tuned, reopened):
        with pytest.raises(StepError, match="already opened"):
            test_step.unseal(project, confirm=True)
        with pytest.raises(StepError, match="reason"):
            test_step.unseal(project, TestOptions(version="v2"), confirm=True)
    second = test_step.unseal(
        reopened, TestOptions(version="v2", reason="reviewer request"), confirm=True
    )
    assert second.reason == "reviewer request" and second.bootstrap == 1000
    assert [lk.version for lk in reopened.study.test.looks] == [test_step.PRIMARY, "v2"]
    with pytest.raises(StepError, match="already looked"):
        test_step.unseal(reopened, TestOptions(version="v2", reason="again"), confirm=True)
    assert "test-looked-again" in [f.code for f in reopened.findings("test")]
    # Re-splitting would let test rows into training: refused, nothing changed.
    before = list(reopened.study.split.train)
    with pytest.raises(StepError, match="already been opened"):
        split.run(reopened, SplitOptions(seed=9))
    with pytest.raises(StepError, match="already been opened"):
        metadata.apply(reopened, roles={"site": "ignore"})
    assert reopened.study.split.train == before


def test_predict_gives_the_test_steps_predictions(tuned, tmp_path):
    forest = CompareOptions(model="baseline:random_forest", reason="a forest is wanted")
    compare.freeze(tuned, forest)
    test_step.unseal(tuned, TestOptions(bootstrap=200), confirm=True)
    rows = test_step.opened_rows(tuned).loc[tuned.study.split.test]
    source = tmp_path / "new.csv"
    rows.drop(columns=["label"]).to_csv(source, index=False)
    out = tmp_path / "out" / "pred.csv"
    summary = predict.predict_file(tuned, source, out)
    assert summary.n_rows == len(rows) and summary.extra_columns == ["site"]
    got = pd.read_csv(out)
    assert list(got["sample"]) == list(rows["sample"])
    _, stored = test_step.stored_outputs(tuned)
    np.testing.assert_allclose(got["probability: case"].to_numpy(), stored, rtol=0, atol=1e-12)
    assert set(got["predicted"]) <= {"case", "control"}
    # The same through a Parquet file and through a table in memory.
    rows.to_parquet(tmp_path / "new.parquet")
    predict.predict_file(tuned, tmp_path / "new.parquet", tmp_path / "pq.csv")
    np.testing.assert_allclose(pd.read_csv(tmp_path / "pq.csv")["probability: case"], stored)
    frame = predict.predict_frame(tuned, rows)
    np.testing.assert_allclose(frame["probability: case"], stored)


def test_predict_names_missing_columns_bad_cells_and_unseen_categories(tuned, tmp_path):
    compare.freeze(tuned)
    rows = tuned.table.loc[tuned.study.split.tune].reset_index(drop=True)
    out = tmp_path / "pred.csv"
    rows.drop(columns=["g1", "g3"]).to_csv(tmp_path / "missing.csv", index=False)
    with pytest.raises(DataError, match="lacks 2 column") as err:
        predict.predict_file(tuned, tmp_path / "missing.csv", out)
    assert "'g1'" in str(err.value) and "'g3'" in str(err.value)
    bad = rows.astype({"g2": object})
    bad.loc[7, "g2"] = "n.d."
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(DataError) as err:
        predict.predict_file(tuned, tmp_path / "bad.csv", out)
    assert err.value.column == "g2" and "n.d." in str(err.value)
    assert not out.exists() and not list(tmp_path.glob("*.part"))  # nothing half-written
    odd = rows.copy()
    odd.loc[:4, "colour"] = "green"
    odd.to_csv(tmp_path / "odd.csv", index=False)
    summary = predict.predict_file(tuned, tmp_path / "odd.csv", out)
    assert summary.unseen == {"colour": ["green"]} and summary.n_unseen_rows == 5
    assert any("never saw" in n for n in summary.notes())
    assert len(pd.read_csv(out)) == len(rows)


def test_predict_streams_large_files_in_blocks(tuned, tmp_path, monkeypatch):
    compare.freeze(tuned)
    rows = tuned.table.loc[tuned.study.split.tune]
    big = pd.concat([rows] * 40, ignore_index=True)
    big.to_csv(tmp_path / "big.csv", index=False)
    monkeypatch.setattr(predict, "BLOCK_BYTES", 64 * 1024)
    seen = []
    from dlwizard.jobs import Job

    out = tmp_path / "big_pred.csv"
    predict.predict_file(tuned, tmp_path / "big.csv", out, job=Job(lambda f, m: seen.append(f)))
    assert len(seen) > 5 and seen == sorted(seen)  # several blocks, progress moving forward
    got = pd.read_csv(out)
    np.testing.assert_allclose(
        got["probability: case"], predict.predict_frame(tuned, big)["probability: case"]
    )


def test_interpret_finds_the_signal_and_groups_twins(tuned):
    compare.freeze(
        tuned, CompareOptions(model="baseline:logistic", reason="logistic for its coefficients")
    )
    with pytest.raises(StepError, match="sealed"):
        interpret.run(tuned, InterpretOptions(set="test"))
    section = interpret.run(tuned, InterpretOptions(repeats=8, panel_k=2))
    top = section.importances[0]
    assert set(top.members) & {"g0", "g1"}  # the two features that carry the label
    twins = next(i for i in section.importances if "g0" in i.members)
    assert set(twins.members) >= {"g0", "g5"}  # correlated: permuted together
    noise = [i for i in section.importances if not set(i.members) & {"g0", "g1", "g5"}]
    assert all(i.value < top.low for i in noise)
    assert section.coefficients and section.panel_family.startswith("Logistic")
    assert 2 in [p.k for p in section.panel]
    assert any("not whether the feature causes" in c for c in section.caveats)
    assert "importance-is-not-mechanism" in [f.code for f in tuned.findings("interpret")]


def test_plan_runs_compare_test_interpret_and_a_second_run_is_refused(tmp_path):
    df = cohort(n=160, n_features=5, seed=4)
    df.to_csv(tmp_path / "cohort.csv", index=False)
    text = (
        '[question]\ntarget = "label"\n[data]\npath = "cohort.csv"\nsample_id_column = "sample"\n'
    )
    project = _run(tmp_path, text + _quick_models('["logistic", "naive_bayes"]') + QUICK_INTERPRET)
    assert project.is_done("interpret") and project.test_opened
    # The exported plan opens the test set as this plan did; a look saved before the
    # resamples were recorded leaves them to the default.
    final = project.study.compare.final
    exported = plan_from_project(project)
    assert exported["compare"] == {"model": final.key}
    assert exported["test"] == {"confirm": True, "version": test_step.PRIMARY, "bootstrap": 200}
    project.study.test.looks[0].bootstrap = None
    assert "bootstrap" not in plan_from_project(project)["test"]
    project.study.test.looks[0].bootstrap = 200
    out = tmp_path / "p.dlwiz"
    container.save(project, out)
    again = tmp_path / "again.toml"
    again.write_text("[test]\nconfirm = true\n", "utf-8")
    cli = [sys.executable, "-m", "dlwizard", "run", str(again), "--project", str(out)]
    result = subprocess.run([*cli, "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1 and "already opened" in result.stderr
    assert len(container.load(out).study.test.looks) == 1  # the file is unchanged
    again.write_text('[test]\nconfirm = true\nversion = "v2"\nreason = "new data"\n', "utf-8")
    result = subprocess.run([*cli, "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    looks = json.loads(
        subprocess.run(
            [sys.executable, "-m", "dlwizard", "inspect", str(out), "--json"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout
    )["test"]["looks"]
    assert [lk["version"] for lk in looks] == [test_step.PRIMARY, "v2"]
    unconfirmed = tmp_path / "unconfirmed.toml"
    unconfirmed.write_text("[test]\n", "utf-8")
    with pytest.raises(PlanError, match="confirm = true"):
        run_plan(load_plan(unconfirmed), base=tmp_path, project=container.load(out))
    few = tmp_path / "few.toml"
    few.write_text('[test]\nconfirm = true\nversion = "v3"\nreason = "r"\nbootstrap = 5\n', "utf-8")
    with pytest.raises(PlanError, match=r"\[test\] bootstrap: Input should be greater"):
        run_plan(load_plan(few), base=tmp_path, project=container.load(out))


def test_cli_predict(tuned, tmp_path):
    compare.freeze(tuned)
    path = container.save(tuned, tmp_path / "p.dlwiz")
    tuned.table.loc[tuned.study.split.tune].to_csv(tmp_path / "new.csv", index=False)
    cmd = [sys.executable, "-m", "dlwizard", "predict", str(path), str(tmp_path / "new.csv")]
    result = subprocess.run(
        [*cmd, "-o", str(tmp_path / "p.csv")], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert "Predicted" in result.stdout and len(pd.read_csv(tmp_path / "p.csv")) == len(
        tuned.study.split.tune
    )


# -- real data ------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_heart_disease_held_out_sites_show_the_drop_and_the_breakdown(tmp_path):
    path = shared("heart_disease_uci", "heart_disease_4sites_combined.csv")
    text = f"""
[question]
target = "disease"
[data]
path = '{path}'
[metadata]
roles = {{ target = "ignore" }}
[split]
hold_out_column = "site"
hold_out_values = ["va", "switzerland"]
"""
    project = _run(tmp_path, text + _quick_models('["logistic", "random_forest"]', 300))
    look = project.study.test.looks[0]
    sites = {g.value: g for g in look.subgroups if g.column == "site"}
    assert set(sites) == {"va", "switzerland"}
    assert sum(g.n for g in sites.values()) == look.n_test == len(project.study.split.test)
    assert all("auroc" in g.metrics for g in sites.values())
    # The drop from tuning (sites seen in training) to test (sites never seen) is recorded.
    test_auroc = look.final.metrics["auroc"].value
    assert look.tune_score is not None and look.tune_score > test_auroc
    codes = [f.code for f in project.findings("test")]
    assert "test-drop" in codes or look.tune_score <= look.final.metrics["auroc"].high


@pytest.mark.shared_data
def test_parkinsons_one_look_then_refused(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    text = f"""
[question]
target = "status"
unit = "patient"
[data]
path = '{path}'
[metadata]
replicate_kind = "technical"
"""
    project = _run(tmp_path, text + _quick_models('["logistic", "random_forest"]'))
    assert len([e for e in project.log if e.action == "test-unsealed"]) == 1
    subject = project.study.split.group_column
    test_people = set(test_step.opened_rows(project)[subject])
    assert not test_people & set(project.table[subject])  # nobody in two sets
    with pytest.raises(StepError, match="already opened"):
        test_step.unseal(project, confirm=True)


def test_a_result_above_the_expected_ceiling_is_flagged(tuned):
    from dlwizard.steps import question
    from dlwizard.study.model import Ceiling

    question.apply(tuned, ceiling=Ceiling(kind="inter_rater_agreement", value=0.55))
    compare.freeze(tuned)
    look = test_step.unseal(tuned, TestOptions(bootstrap=200), confirm=True)
    found = [f for f in tuned.findings("test") if f.code == "too-good-to-be-true"]
    assert look.final.metrics["balanced_accuracy"].low > 0.57
    assert len(found) == 1 and found[0].detail["ceiling"] == 0.55
