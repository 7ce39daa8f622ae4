"""Step 5, split: train / tune / test without leakage, and a test set nobody can reach.

Synthetic studies check the rules one at a time (stratified, grouped by subject, duplicates kept
together, reproducible from the seed, whole sites held out); the real data sets check the traps
their README documents. The sealed-test tests try every public way a later step could reach a
test row, and fail if any of them gets one.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dlwizard.steps
from dlwizard import export, predict, summary
from dlwizard.errors import Cancelled, PlanError, StepError
from dlwizard.jobs import Job
from dlwizard.ml import batch_effects, metadata_only
from dlwizard.plan import dumps, load_plan, plan_from_project, run_plan
from dlwizard.steps import (
    baselines,
    compare,
    data,
    explore,
    explore_images,
    explore_sequences,
    images,
    interpret,
    metadata,
    modelling,
    networks,
    privacy,
    question,
    split,
    split_images,
)
from dlwizard.steps import report as report_step
from dlwizard.steps import test as test_step
from dlwizard.study import container
from dlwizard.study.model import (
    BaselineOptions,
    InterpretOptions,
    NetworkOptions,
    SplitOptions,
)
from dlwizard.study.project import Project
from tests.conftest import ROOT, shared
from tests.engine.synthetic import cohort, plant_duplicates, project_from_frame, sample_names

SETS = ("train", "tune", "test")


def _codes(project: Project, step: str | None = None) -> list[str]:
    return [f.code for f in project.findings(step)]


def _finding(project: Project, code: str):
    found = [f for f in project.findings() if f.code == code]
    assert len(found) == 1, f"expected one '{code}', got {_codes(project)}"
    return found[0]


def _sets(project: Project) -> dict[str, list[int]]:
    sp = project.study.split
    return {"train": sp.train, "tune": sp.tune, "test": sp.test}


def _set_of(project: Project) -> dict[int, str]:
    return {i: name for name, ids in _sets(project).items() for i in ids}


def _people(n_people: int, rows_each: int, seed: int = 0) -> pd.DataFrame:
    """Several rows per person ('P-012'); a person's rows look alike and share one diagnosis."""
    rng = np.random.default_rng(seed)
    case = rng.permutation(np.arange(n_people) % 2 == 0)
    person = np.repeat(np.arange(n_people), rows_each)
    n = len(person)
    x = rng.normal(0, 2, (n_people, 6))[person] + rng.normal(0, 0.5, (n, 6))
    x[:, 0] += case[person]
    df = pd.DataFrame(x, columns=[f"g{j}" for j in range(6)])
    df.insert(0, "label", np.where(case[person], "case", "control"))
    df.insert(0, "person", [f"P-{p:03d}" for p in person])
    df.insert(0, "sample", sample_names(n))
    return df


# -- the basic rules -------------------------------------------------------------------------------
def test_sets_are_disjoint_stratified_and_cover_the_labelled_rows(tmp_path):
    df = cohort(300, positive_share=0.3)
    df.loc[[3, 50], "label"] = None  # no label: in no set
    project = project_from_frame(tmp_path, df)
    split.run(project)
    sets = _sets(project)
    everything = [i for ids in sets.values() for i in ids]
    assert len(everything) == len(set(everything)) == 298
    assert set(everything) == set(range(300)) - {3, 50}
    sp = project.study.split
    assert sp.excluded == [3, 50]
    labels = df["label"]
    overall = (labels == "case").sum() / labels.notna().sum()
    for name, ids in sets.items():
        assert len(ids) / 298 == pytest.approx(
            {"train": 0.6, "tune": 0.2, "test": 0.2}[name], abs=0.04
        )
        assert (labels[ids] == "case").mean() == pytest.approx(overall, abs=0.04), name
        assert sp.composition[name] == labels[ids].value_counts().sort_index().to_dict()
    assert len(sp.folds) == len(sp.train) and set(sp.folds) == set(range(5)) and sp.n_folds == 5
    assert re.fullmatch(r"[0-9a-f]{64}", sp.test_sha256) and sp.sealed
    assert _finding(project, "split-summary").severity == "info"
    assert project.is_done("split") and project.log[-1].action == "split-made"


@pytest.mark.parametrize(("tune", "test"), [(0.1, 0.3), (0.25, 0.15)])
def test_fractions_are_roughly_respected(tmp_path, tune, test):
    project = project_from_frame(tmp_path, cohort(400))
    split.run(project, SplitOptions(tune_fraction=tune, test_fraction=test))
    sizes = {name: len(ids) / 400 for name, ids in _sets(project).items()}
    assert sizes["tune"] == pytest.approx(tune, abs=0.05)
    assert sizes["test"] == pytest.approx(test, abs=0.05)


def test_the_split_is_reproducible_from_its_seed(tmp_path):
    project = project_from_frame(tmp_path, cohort(200))
    split.run(project, SplitOptions(seed=11))
    first = project.study.split.model_copy(deep=True)
    split.run(project, SplitOptions(seed=11))
    again = project.study.split
    assert (again.train, again.tune, again.test, again.folds) == (
        first.train,
        first.tune,
        first.test,
        first.folds,
    )
    assert again.test_sha256 == first.test_sha256
    split.run(project, SplitOptions(seed=12))
    other = project.study.split
    assert set(other.test) != set(first.test)
    assert other.test_sha256 != first.test_sha256


def test_regression_targets_are_stratified_on_quantiles(tmp_path):
    df = cohort(500).drop(columns="label")
    df["survival"] = np.random.default_rng(4).exponential(12.0, len(df))  # skewed
    project = project_from_frame(tmp_path, df, target="survival", task="regression")
    split.run(project)
    y = project.table_before_split()["survival"]
    quintile = pd.qcut(y, 5, labels=False)
    for name, ids in _sets(project).items():
        shares = quintile[ids].value_counts(normalize=True).reindex(range(5), fill_value=0)
        assert np.allclose(shares, 0.2, atol=0.05), (name, shares.tolist())
        assert project.study.split.composition[name] == {"n": len(ids)}


def test_duplicates_always_land_in_one_set(tmp_path):
    df = cohort(240)
    exact, near, _ = plant_duplicates(df, n_exact=8, n_near=8)
    project = project_from_frame(tmp_path, df)
    for seed in range(4):
        split.run(project, SplitOptions(seed=seed))
        where = _set_of(project)
        for pair in exact + near:
            assert where[pair[0]] == where[pair[1]], (seed, pair)
        assert "duplicates-across-sets" not in _codes(project)


def test_duplicate_text_features_land_in_one_set(tmp_path):
    """Sequences (text features, no numbers) that occur twice stay together too."""
    df = cohort(200)[["sample", "label"]]
    rng = np.random.default_rng(8)
    df["sequence"] = ["".join(rng.choice(list("ACGT"), 30)) for _ in range(len(df))]
    pairs = rng.permutation(200)[:24].reshape(-1, 2)
    for a, b in pairs:
        df.loc[b, ["sequence", "label"]] = df.loc[a, ["sequence", "label"]].to_numpy()
    project = project_from_frame(tmp_path, df, roles={"sequence": "feature"})
    split.run(project)
    where = _set_of(project)
    assert all(where[a] == where[b] for a, b in pairs)


def test_rows_of_one_subject_stay_together(tmp_path):
    df = _people(60, 3)
    project = project_from_frame(tmp_path, df, roles={"person": "subject"})
    split.run(project)
    sp = project.study.split
    assert sp.group_column == "person"
    where = _set_of(project)
    sets_per_person = df.groupby("person").apply(lambda g: {where[i] for i in g.index})
    assert (sets_per_person.map(len) == 1).all()
    folds = dict(zip(sp.train, sp.folds))
    train_people = df.loc[sp.train].groupby("person")
    assert all(len({folds[i] for i in g.index}) == 1 for _, g in train_people)
    assert "subjects-across-sets" not in _codes(project)
    assert "'person'" in _finding(project, "split-summary").message


def test_turning_grouping_off_needs_a_reason(tmp_path):
    project = project_from_frame(tmp_path, _people(60, 3), roles={"person": "subject"})
    with pytest.raises(StepError, match="subject"):
        split.run(project, SplitOptions(group_by_subject=False))
    assert project.study.split is None and project.n_sealed == 0
    reason = "each row is a different organ; the question is about organs"
    split.run(project, SplitOptions(group_by_subject=False, ungrouped_reason=reason))
    disabled = _finding(project, "grouping-disabled")
    assert reason in disabled.message and disabled.severity == "warning"
    assert project.study.split.group_column is None
    across = _finding(project, "subjects-across-sets")  # 60 people, 3 rows each: some split
    assert across.severity == "warning"


def test_too_few_groups_for_the_folds(tmp_path):
    few = project_from_frame(tmp_path, _people(12, 4), roles={"person": "subject"}, name="few")
    split.run(few, SplitOptions(n_folds=5))
    warnings = [f for f in few.findings("split") if f.code == "too-few-groups"]
    assert warnings and all(f.severity == "warning" for f in warnings)
    many = project_from_frame(tmp_path, _people(80, 2), roles={"person": "subject"}, name="many")
    split.run(many, SplitOptions(n_folds=5))
    assert "too-few-groups" not in _codes(many)
    # A quantity has no classes: only the number of groups in training counts.
    df = _people(12, 4).drop(columns="label")
    df["weight"] = 60 + 5 * df["g0"]
    roles = {"person": "subject"}
    quantity = project_from_frame(tmp_path, df, "weight", roles, "regression", name="quantity")
    split.run(quantity, SplitOptions(n_folds=5))
    warning = _finding(quantity, "too-few-groups")
    assert warning.detail["groups"] < 10


def test_hold_out_whole_sites(tmp_path):
    df = cohort(240)
    rng = np.random.default_rng(2)
    df["site"] = rng.choice([1, 2, 3], len(df)).astype(float)
    df.loc[[0, 1], "site"] = np.nan
    project = project_from_frame(tmp_path, df, roles={"site": "batch"})
    split.run(project, SplitOptions(hold_out_column="site", hold_out_values=["2"]))
    sp = project.study.split
    site = df["site"]
    assert set(sp.test) == set(site.index[site == 2.0])  # '2' is the site written 2.0
    assert not set(sp.train + sp.tune) & set(site.index[site == 2.0])
    assert len(sp.train) + len(sp.tune) + len(sp.test) == len(df)
    assert len(sp.tune) / len(df) == pytest.approx(0.2, abs=0.05)  # a share of all rows
    assert set(sp.batch_composition["site"]["test"]) == {"2.0"}
    assert "site 2" in _finding(project, "split-summary").message


def test_refused_options(tmp_path):
    project = project_from_frame(tmp_path, cohort(100))
    with pytest.raises(StepError, match="training"):
        split.run(project, SplitOptions(tune_fraction=0.5, test_fraction=0.4))
    with pytest.raises(StepError, match="no column 'site'"):
        split.run(project, SplitOptions(hold_out_column="site", hold_out_values=["a"]))
    assert project.study.split is None and not project.is_done("split")


# -- the sealed test set: every public way in is tried ---------------------------------------------
@pytest.fixture
def sealed(tmp_path) -> Project:
    """Explored, then split: 50 people with 3 rows each, 2 sites, 3 rows without a label."""
    df = _people(50, 3, seed=1)
    df["site"] = np.where(np.arange(len(df)) % 2, "north", "south")
    df.loc[[4, 70, 121], "label"] = None
    project = project_from_frame(tmp_path, df, roles={"person": "subject", "site": "batch"})
    explore.run(project)
    split.run(project, SplitOptions(seed=5))
    return project


def _test_names(project: Project) -> list[str]:
    return [f"S-{i:04d}-x" for i in project.study.split.test]


def test_the_working_table_holds_no_test_row(sealed):
    sp = sealed.study.split
    assert sp.test and not set(sp.test) & set(sealed.table.index)
    assert set(sealed.table.index) == set(sp.train + sp.tune + sp.excluded)
    assert sealed.n_sealed == len(sp.test)
    with pytest.raises(KeyError):
        sealed.table.loc[sp.test[:1]]
    assert not set(_test_names(sealed)) & set(sealed.table["sample"])


def test_working_rows_refuses_the_test_set(sealed):
    sp = sealed.study.split
    for which in ("test", "Test", "all", "sealed"):
        with pytest.raises(StepError):
            split.working_rows(sealed, which)
    assert list(split.working_rows(sealed, "train").index) == sp.train
    assert list(split.working_rows(sealed, "tune").index) == sp.tune


class Tripwire:
    """Stands in for the sealed rows: any use of it is recorded, and fails."""

    def __init__(self) -> None:
        self.touched: list[str] = []

    def _trip(self, what: str):
        self.touched.append(what)
        raise AssertionError(f"the sealed test rows were read ({what})")

    def __getattr__(self, name: str):
        return self._trip(name)

    def __len__(self) -> int:
        return self._trip("len")

    def __iter__(self):
        return self._trip("iter")

    def __getitem__(self, key):
        return self._trip("getitem")

    def __array__(self, *args, **kwargs):
        return self._trip("array")


TINY_NETWORKS = NetworkOptions(
    rungs=["mlp_small"], trials=1, max_epochs=3, patience=2, seeds=1, bootstrap=100
)
TINY_BUDGET = BaselineOptions(
    families=["logistic"], trials=1, seconds_per_family=5, permutations=0, bootstrap=100
)
# Public functions that take a Project and run after the split, and how to call them (in this
# order: refit needs the baselines that run made).
AFTER_THE_SPLIT = {
    "question.apply": lambda p: question.apply(p, intended_use="screening"),
    "question.resolve": lambda p: question.resolve(p),
    "metadata.run_checks": lambda p: metadata.run_checks(p.table, p.study.metadata, p),
    "metadata.target_role_problem": lambda p: metadata.target_role_problem(p),
    "metadata.require_target_role": lambda p: metadata.require_target_role(p, "train a model"),
    "explore.compute": lambda p: explore.compute(p),
    "explore.run": lambda p: explore.run(p),
    "explore.describe_rows": lambda p: explore.describe_rows(p, p.study.split.test, limit=1000),
    "explore.labelled_rows": lambda p: explore.labelled_rows(p),
    "explore.feature_matrix": lambda p: explore.feature_matrix(p),
    "explore.view": lambda p: explore.view(p, p.study.explore.options),
    "explore.stored_view": lambda p: explore.stored_view(p),
    "explore.run_and_view": lambda p: explore.run_and_view(p),
    "explore_sequences.sequences_of": lambda p: explore_sequences.sequences_of(p),
    "explore_sequences.sequence_stats": lambda p: (
        (seq := explore_sequences.sequences_of(p))
        and explore_sequences.sequence_stats(
            p, seq, explore.labelled_rows(p), p.study.question.target
        )
    ),
    "explore.map_matrix": lambda p: explore.map_matrix(
        p, explore.labelled_rows(p), explore_sequences.sequences_of(p)
    ),
    "split.subject_column": lambda p: split.subject_column(p),
    "split.working_rows": lambda p: (split.working_rows(p, "train"), split.working_rows(p, "tune")),
    "modelling.feature_columns": lambda p: modelling.feature_columns(p),
    "modelling.sequence_feature": lambda p: modelling.sequence_feature(p),
    "modelling.image_feature": lambda p: modelling.image_feature(p),
    # The image facade, on a table without images: nothing to read, and it says so.
    "images.image_infos": lambda p: images.image_infos(p),
    "images.image_feature": lambda p: images.image_feature(p),
    "images.relative_paths": lambda p: _no_images(images.relative_paths, p, [0]),
    "images.paths_of": lambda p: _no_images(images.paths_of, p, [0]),
    "images.pixels": lambda p: _no_images(images.pixels, p, [0]),
    "images.relink": lambda p: _no_images(images.relink, p, tempfile.mkdtemp()),
    "explore_images.montage_rows": lambda p: explore_images.montage_rows(p),
    "explore_images.explore": lambda p: explore_images.explore(
        p, explore.labelled_rows(p), p.study.question.target, p.study.explore, Job()
    ),
    "split_images.near_images": lambda p: split_images.near_images(
        p, split.working_rows(p, "train"), p.study.split.options, Job()
    ),
    "split.sequence_identity_default": lambda p: split.sequence_identity_default(p),
    "modelling.prepare": lambda p: modelling.prepare(p),
    "baselines.run": lambda p: baselines.run(p, TINY_BUDGET),
    "modelling.refit": lambda p: modelling.refit(p, "logistic"),
    "modelling.stored_predictions": lambda p: modelling.stored_predictions(p, "logistic"),
    "modelling.store_predictions": lambda p: _store_the_stored(p),
    "networks.run": lambda p: networks.run(p, TINY_NETWORKS),
    "networks.load_final": lambda p: networks.load_final(p),
    "networks.project_modality": lambda p: networks.project_modality(p),
    "compare.candidates": lambda p: compare.candidates(p),
    "compare.compare": lambda p: compare.compare(p),
    "compare.freeze": lambda p: compare.freeze(p),
    "compare.final_model": lambda p: compare.final_model(p),
    "modelling.load_frozen": lambda p: modelling.load_frozen(p).columns,
    "interpret.panel_family": lambda p: interpret.panel_family(p),
    "interpret.candidates_words": lambda p: interpret.candidates_words(p, ("batch", "subject")),
    "interpret.subgroup_statement": lambda p: interpret.subgroup_statement(p),
    "interpret.run": lambda p: interpret.run(p, InterpretOptions(repeats=2)),
    "privacy.answer": lambda p: privacy.answer(p, human_subjects=False),
    "privacy.run": lambda p: privacy.run(p),
    "privacy.is_current": lambda p: privacy.is_current(p),
    "privacy.override": lambda p: privacy.override(p, "exported for the leakage test only"),
    "privacy.current_override": lambda p: privacy.current_override(p),
    "export.check_export": lambda p: export.check_export(p),
    "export.model_card": lambda p: json.dumps(export.model_card(p), default=str),
    "export.export_model": lambda p: export.export_model(p, Path(tempfile.mkdtemp()) / "model"),
    "test.looks": lambda p: test_step.looks(p),
    "test.is_opened": lambda p: test_step.is_opened(p),
    "test.opened_rows": lambda p: _refused(test_step.opened_rows, p),
    "test.stored_outputs": lambda p: _refused(test_step.stored_outputs, p),
    "test.unseal": lambda p: _refused(lambda q: test_step.unseal(q, confirm=False), p),
    "predict.predict_frame": lambda p: predict.predict_frame(p, p.table.loc[p.study.split.tune]),
    "predict.predict_file": lambda p: _predict_tune_rows(p),
    "summary.summary": lambda p: json.dumps(summary.summary(p), default=str),
    "summary.text": lambda p: summary.text(p),
    "summary.steps_done": lambda p: summary.steps_done(p),
    "summary.next_step": lambda p: summary.next_step(p),
    "report.record_export": lambda p: report_step.record_export(p, "methods.pdf"),
}


def _store_the_stored(project):
    """Write the tuning-set predictions back as read: the frame is unchanged."""
    before = project.frames[modelling.TUNE_PREDICTIONS].copy()
    _, out = modelling.stored_predictions(project, "logistic")
    ids = before["row_id"].tolist()
    classes = project.study.baselines.classes
    modelling.store_predictions(project, ids, {"logistic": out}, classes)
    pd.testing.assert_frame_equal(project.frames[modelling.TUNE_PREDICTIONS], before)
    return "stored"


def _predict_tune_rows(project):
    folder = Path(tempfile.mkdtemp())
    project.table.loc[project.study.split.tune].to_csv(folder / "new.csv", index=False)
    return predict.predict_file(project, folder / "new.csv", folder / "out.csv")


def _no_images(fn, project, *args):
    with pytest.raises(ValueError, match="no column of images"):
        fn(project, *args)
    return "no images"


def _refused(fn, project):
    """Before the test step opens it, asking for the test set is refused with a clear error."""
    with pytest.raises(StepError, match=r"sealed|not been opened|confirmation"):
        fn(project)
    return "refused"


# Steps before the split: what they record throws the split away (or, for split.run, makes a
# new one), so they may see every row. Each is checked below.
THROW_THE_SPLIT_AWAY = {
    "data.run",
    "data_images.run_folder",
    "data.commit",
    "metadata.apply",
    "metadata.follow_target",
    "split.run",
}


def _public_functions_taking_a_project() -> set[str]:
    modules = [
        importlib.import_module(f"dlwizard.steps.{m.name}")
        for m in pkgutil.iter_modules(dlwizard.steps.__path__)
    ]
    found = set()
    for module in [*modules, summary, predict, export]:
        for name, fn in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(fn):
                continue
            if fn.__module__ == module.__name__ and "project" in inspect.signature(fn).parameters:
                found.add(f"{module.__name__.rsplit('.', 1)[-1]}.{name}")
    return found


def test_every_public_function_is_covered():
    """A new public function that takes a Project must be added to the lists above."""
    assert _public_functions_taking_a_project() == set(AFTER_THE_SPLIT) | THROW_THE_SPLIT_AWAY


def test_no_public_function_reaches_a_test_row(sealed, monkeypatch):
    test_ids = set(sealed.study.split.test)
    seen: list[tuple[str, set[int]]] = []

    def spy(where, fn, frame_arg):
        def wrapper(*args, **kwargs):
            seen.append((where, set(args[frame_arg].index)))
            return fn(*args, **kwargs)

        return wrapper

    # What explore computes from: the feature matrix, the batch scores, the shortcut checks.
    monkeypatch.setattr(explore, "numeric_features", spy("features", explore.numeric_features, 0))
    monkeypatch.setattr(
        batch_effects, "score_columns", spy("batch", batch_effects.score_columns, 0)
    )
    monkeypatch.setattr(
        metadata_only, "shortcut_score", spy("shortcut", metadata_only.shortcut_score, 1)
    )
    tripwire = Tripwire()
    sealed._sealed = tripwire
    outputs = {name: call(sealed) for name, call in AFTER_THE_SPLIT.items()}
    assert tripwire.touched == []
    assert {where for where, _ in seen} == {"features", "batch", "shortcut"}
    for where, ids in seen:
        assert ids and not ids & test_ids, where
    sp = sealed.study.split
    assert sealed.study.explore.n_rows == len(sp.train) + len(sp.tune) + len(sp.excluded)
    prepared = outputs["modelling.prepare"]
    assert list(prepared.x_train.index) == sp.train and prepared.tune_ids == sp.tune
    predictions = sealed.frames[modelling.TUNE_PREDICTIONS]
    assert set(predictions["row_id"]) == set(sp.tune)
    assert sealed.study.split is sp  # nothing above threw the split away
    names = _test_names(sealed)
    for name in ("explore.describe_rows", "summary.summary", "summary.text"):
        assert not [n for n in names if n in str(outputs[name])], name


def test_only_the_steps_before_the_split_open_the_seal():
    """Reading the sealed rows, or putting them back, happens in these files only."""
    allowed = {
        "study/project.py",  # defines it
        "study/container.py",  # saves and loads them
        "steps/data.py",  # a new import replaces every row
        "steps/metadata.py",  # new roles throw the split away
        "steps/split.py",  # splits again from every row
        "steps/test.py",  # opens them once, for the frozen final model
    }
    pattern = re.compile(r"\b_sealed\b|\.reunite\(|\.table_before_split\(|\.seal\(")
    package = ROOT / "dlwizard"
    users = {
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if pattern.search(p.read_text("utf-8"))
    }
    assert users <= allowed, sorted(users - allowed)


def test_save_and_load_keep_the_test_rows_sealed(sealed, tmp_path):
    test_ids = set(sealed.study.split.test)
    path = container.save(sealed, tmp_path / "sealed.dlwiz")
    members = container.read_members(path)
    table = container.parquet_to_table(members[container.TABLE_MEMBER])
    kept = container.parquet_to_table(members[container.SEALED_MEMBER])
    assert not set(table.index) & test_ids
    assert set(kept.index) == test_ids
    assert set(kept["sample"]) == set(_test_names(sealed))
    reopened = container.load(path)
    assert not set(reopened.table.index) & test_ids
    assert reopened.n_sealed == len(test_ids)
    assert reopened.study.split == sealed.study.split
    with pytest.raises(StepError):
        split.working_rows(reopened, "test")
    assert summary.summary(reopened)["split"]["test_sealed"] is True


def test_changing_the_metadata_reunites_the_rows_and_clears_the_split(sealed, tmp_path):
    before = sealed.table_before_split()
    reopened = container.load(container.save(sealed, tmp_path / "s.dlwiz"))
    for project in (sealed, reopened):
        metadata.apply(project, roles={"g5": "ignore"})
        assert project.study.split is None and not project.is_done("split")
        assert project.n_sealed == 0
        assert project.table.index.is_unique
        pd.testing.assert_frame_equal(project.table, before, check_like=True)
        assert project.study.metadata.n_rows == len(before)  # the checks saw every row


def test_a_new_import_replaces_the_sealed_rows(sealed, tmp_path):
    n = len(sealed.table_before_split())
    data.run(sealed, sealed.study.data.options)
    assert sealed.study.split is None and sealed.n_sealed == 0
    assert len(sealed.table) == n and sealed.table.index.is_unique


def test_a_refused_or_cancelled_split_keeps_the_old_one_sealed(sealed):
    before = sealed.study.split.model_copy(deep=True)
    working = sealed.table.copy()
    with pytest.raises(StepError, match="nowhere"):
        split.run(sealed, SplitOptions(hold_out_column="site", hold_out_values=["nowhere"]))
    job = Job(lambda fraction, _msg: job.cancel() if fraction > 0.5 else None)
    with pytest.raises(Cancelled):
        split.run(sealed, SplitOptions(seed=99), job=job)
    assert sealed.study.split == before
    pd.testing.assert_frame_equal(sealed.table, working)
    assert sealed.n_sealed == len(before.test)


def test_splitting_again_starts_from_every_row(sealed):
    before = sealed.study.split.model_copy(deep=True)
    split.run(sealed, SplitOptions(seed=5))
    assert sealed.study.split.test == before.test and sealed.study.split.train == before.train
    split.run(sealed, SplitOptions(seed=6))
    assert set(sealed.study.split.test) != set(before.test)
    assert not set(sealed.study.split.test) & set(sealed.table.index)
    assert sealed.n_sealed == len(sealed.study.split.test)


# -- real data -------------------------------------------------------------------------------------
def _run(tmp: Path, text: str) -> Project:
    plan_file = tmp / "plan.toml"
    plan_file.write_text(text, "utf-8")
    return run_plan(load_plan(plan_file), base=plan_file.parent)


PARKINSONS = """
[question]
target = "status"
unit = "patient"
[data]
path = '{path}'
[metadata]
{metadata}
[split]
{split}
"""


@pytest.mark.shared_data
def test_parkinsons_no_person_in_two_sets(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _run(tmp_path, PARKINSONS.format(path=path, metadata="", split=""))
    subject = project.study.split.group_column
    assert project.study.metadata.roles[subject] == "subject"
    every = project.table_before_split()
    people = every[subject].str.extract(r"^(phon_R01_S\d+)", expand=False)
    assert people.nunique() == 32  # README: 32 people
    where = _set_of(project)
    sets_per_person = people.groupby(people).apply(lambda g: {where[i] for i in g.index})
    assert (sets_per_person.map(len) == 1).all()
    assert sum(len(ids) for ids in _sets(project).values()) == 195
    assert "subjects-not-grouped" not in _codes(project)


@pytest.mark.shared_data
def test_parkinsons_without_a_subject_column_is_warned(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _run(
        tmp_path, PARKINSONS.format(path=path, metadata="suggest_subject = false", split="")
    )
    assert "possible-repeated-subjects" in _codes(project, "metadata")
    warning = _finding(project, "subjects-not-grouped")
    assert warning.step == "split" and warning.columns == ["name"]
    assert project.study.split.group_column is None


@pytest.mark.shared_data
def test_parkinsons_grouping_off(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    with pytest.raises(StepError, match="subject"):
        _run(tmp_path, PARKINSONS.format(path=path, metadata="", split="group_by_subject = false"))
    project = _run(
        tmp_path,
        PARKINSONS.format(
            path=path,
            metadata="",
            split='group_by_subject = false\nungrouped_reason = "a reason, for the test"',
        ),
    )
    assert "a reason, for the test" in _finding(project, "grouping-disabled").message
    assert _finding(project, "subjects-across-sets").severity == "warning"


@pytest.mark.shared_data
def test_heart_disease_hold_out_a_site(tmp_path):
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
[split]
hold_out_column = "site"
hold_out_values = "va"
""",
    )
    site = project.table_before_split()["site"]
    va = set(site.index[site == "va"])
    sp = project.study.split
    assert set(sp.test) == va and len(va) == 200
    assert not va & set(sp.train + sp.tune)
    assert len(sp.train) + len(sp.tune) + len(sp.test) == 920
    assert sp.batch_composition["site"]["test"] == {"va": 200}
    assert set(project.table["site"]) == {"cleveland", "hungarian", "switzerland"}
    # The metadata step flagged the site before anything was split.
    assert _finding(project, "batch-label-association").columns == ["site"]


# -- plans and the command line --------------------------------------------------------------------
def _csv_study(tmp_path: Path) -> Path:
    df = _people(40, 3, seed=3)
    df["site"] = np.where(np.arange(len(df)) < 45, "north", "south")
    path = tmp_path / "study.csv"
    df.to_csv(path, index=False)
    return path


PLAN = """
[project]
name = "Split plan"
[question]
target = "label"
[data]
path = "study.csv"
sample_id_column = "sample"
transpose = "no"
[metadata]
roles = {{ person = "subject", site = "batch" }}
[explore]
seed = 1
[split]
seed = 9
n_folds = 3
{extra}
"""


@pytest.mark.parametrize("extra", ["", 'hold_out_column = "site"\nhold_out_values = ["south"]'])
def test_plan_round_trip_gives_the_same_split(tmp_path, extra):
    _csv_study(tmp_path)
    first = _run(tmp_path, PLAN.format(extra=extra))
    again_dir = tmp_path / "again"
    again_dir.mkdir()
    plan_file = again_dir / "plan.toml"
    plan_file.write_text(dumps(plan_from_project(first, relative_to=again_dir)), "utf-8")
    again = run_plan(load_plan(plan_file), base=again_dir)
    a, b = first.study.split, again.study.split
    assert (a.train, a.tune, a.test, a.folds) == (b.train, b.tune, b.test, b.folds)
    assert a.test_sha256 == b.test_sha256 and a.options == b.options
    assert a.group_column == "person"
    assert again.study.explore.options.seed == 1


def test_plan_hold_out_values_need_a_column(tmp_path):
    _csv_study(tmp_path)
    text = PLAN.format(extra="").replace("n_folds = 3", 'hold_out_values = ["south"]')
    with pytest.raises(PlanError, match="hold_out_column"):
        _run(tmp_path, text)


def test_headless_run_and_inspect(tmp_path):
    _csv_study(tmp_path)
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN.format(extra=""), "utf-8")
    out = tmp_path / "split.dlwiz"

    def dlwizard(*args):
        return subprocess.run(
            [sys.executable, "-m", "dlwizard", *map(str, args)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )

    proc = dlwizard("run", plan, "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Ran question, data, metadata, explore, split" in proc.stdout
    proc = dlwizard("inspect", out, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    project = container.load(out)
    sp = project.study.split
    assert doc["steps_done"] == ["question", "data", "metadata", "explore", "split"]
    assert [b["column"] for b in doc["explore"]["batch_effects"]] == [
        b.column for b in project.study.explore.batch_effects
    ]
    assert {"site", "person"} <= {b["column"] for b in doc["explore"]["batch_effects"]}
    assert [c["source"] for c in doc["explore"]["shortcuts"]] == ["metadata"]
    assert doc["split"]["sizes"] == {
        "train": len(sp.train),
        "tune": len(sp.tune),
        "test": len(sp.test),
    }
    assert sum(doc["split"]["sizes"].values()) == 120
    assert doc["split"]["test_sha256"] == sp.test_sha256
    assert doc["split"]["test_sealed"] is True
    assert doc["split"]["grouped_by"] == "person"
    assert [w["code"] for w in doc["warnings"]] == _codes(project)
    assert "split-summary" in _codes(project) and "repeated-subjects" in _codes(project)
    assert all(w["step"] and w["severity"] and w["message"] for w in doc["warnings"])
    # The sealed rows are in the file, but not in the working table.
    assert not set(sp.test) & set(project.table.index) and project.n_sealed == len(sp.test)
