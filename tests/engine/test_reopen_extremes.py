"""Every saved project reopens, whatever numbers and names it holds (issue 13).

The case that lost a user's half hour: three classes, a subgroup of the test set with only one
of them, so its macro AUROC is undefined (NaN). Undefined metrics are stored as missing with the
reason, and a property test saves and reopens Studies with extreme values.
"""

from __future__ import annotations

import json
import math
import re
import zipfile

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlwizard.ml import metrics
from dlwizard.report.content import build_report
from dlwizard.report.document import to_text
from dlwizard.steps import baselines, compare, split
from dlwizard.steps import test as test_step
from dlwizard.study import container
from dlwizard.study import model as m
from dlwizard.study.model import (
    BaselineOptions,
    Evaluation,
    MetricInterval,
    SplitOptions,
    SubgroupResult,
)
from dlwizard.study.project import Project
from tests.engine.synthetic import project_from_frame


def _clinical(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """negative / positive / invalid; every 'invalid' result comes from site 'D'."""
    rng = np.random.default_rng(seed)
    site = rng.choice(["A", "B", "C", "D"], size=n, p=[0.3, 0.3, 0.3, 0.1])
    result = np.where(site == "D", "invalid", rng.choice(["negative", "positive"], size=n))
    x = rng.normal(size=(n, 4))
    x[:, 0] += (result == "positive") * 1.5
    x[:, 1] += (result == "invalid") * 2.0
    df = pd.DataFrame(x, columns=["ct", "igg", "crp", "age_z"])
    df.insert(0, "site", site)
    df.insert(0, "result", result)
    df.insert(0, "sample", [f"S-{i:04d}-x" for i in range(n)])
    return df


def clinical_tested(tmp_path) -> Project:
    """The clinical table run through the test step (three classes, site D one class only)."""
    project = project_from_frame(tmp_path, _clinical(), target="result", roles={"site": "batch"})
    split.run(project, SplitOptions(seed=1))
    baselines.run(
        project, BaselineOptions(families=["logistic"], trials=2, permutations=0, bootstrap=100)
    )
    compare.compare(project)
    compare.freeze(project)
    test_step.unseal(project, confirm=True)
    return project


def test_three_classes_and_a_one_class_subgroup_reopen(tmp_path):
    project = clinical_tested(tmp_path)
    look = project.study.test.looks[0]
    one_class = next(g for g in look.subgroups if g.column == "site" and g.value == "D")
    iv = one_class.metrics["auroc_macro"]
    assert not iv.defined and "only one class" in iv.reason
    path = container.save(project, tmp_path / "clinical.dlwiz")
    raw = zipfile.ZipFile(path).read("study.json").decode("utf-8")
    section = json.loads(raw)["test"]
    assert not [v for v in _leaves(section) if v in ("NaN", "Infinity", "-Infinity")]
    stored = section["looks"][0]["subgroups"]
    d = next(g for g in stored if g["column"] == "site" and g["value"] == "D")
    assert d["metrics"]["auroc_macro"]["value"] is None
    assert "only one class" in d["metrics"]["auroc_macro"]["reason"]
    back = container.load(path)
    back_iv = next(g for g in back.study.test.looks[0].subgroups if g.value == "D")
    assert back_iv.metrics["auroc_macro"].reason == iv.reason
    # Reported that way, never as "nan".
    text = to_text(build_report(back))
    assert "n/a (only one class among these" in text
    # (the plan appendix lists "NaN" among the missing-value markers, in quotes)
    assert not re.search(r'(?<!")\b(nan|inf|infinity)\b(?!")', text, re.I)


def _leaves(doc):
    if isinstance(doc, dict):
        for v in doc.values():
            yield from _leaves(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _leaves(v)
    else:
        yield doc


def test_undefined_metrics_say_why():
    y = np.zeros(10, dtype=int)
    out = np.linspace(0.1, 0.9, 10)
    ev = metrics.bootstrap("binary", y, out, n_boot=50)
    assert math.isnan(ev.metrics["auroc"].value)
    assert "only one class" in ev.metrics["auroc"].reason
    reg = metrics.bootstrap("regression", np.ones(8), np.arange(8.0), n_boot=50)
    assert "do not vary" in reg.metrics["r2"].reason
    fine = metrics.bootstrap("binary", np.r_[np.zeros(20), np.ones(20)].astype(int),
                             np.linspace(0, 1, 40), n_boot=100)  # fmt: skip
    assert all(iv.reason == "" for iv in fine.metrics.values())


_FLOATS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1e-320, 1e308, -1e308, 5e-324]),
)
_NAMES = st.text(min_size=0, max_size=20)


@st.composite
def _intervals(draw) -> MetricInterval:
    return MetricInterval(
        value=draw(_FLOATS), low=draw(_FLOATS), high=draw(_FLOATS), reason=draw(_NAMES)
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=_NAMES,
    metric_names=st.lists(_NAMES, max_size=4, unique=True),
    intervals=st.lists(_intervals(), min_size=0, max_size=4),
    groups=st.lists(st.tuples(_NAMES, _NAMES, st.integers(0, 10**9)), max_size=5),
    tune_score=st.one_of(st.none(), _FLOATS),
    cells=st.lists(st.one_of(_NAMES, st.none()), min_size=1, max_size=6),
)
def test_any_study_reopens(tmp_path_factory, name, metric_names, intervals, groups, tune_score,
                           cells):  # fmt: skip
    project = Project.new(name or "x")
    ms = dict(zip(metric_names, intervals))
    ev = Evaluation(set="test", n=len(cells), metrics=ms, prevalence=None)
    project.study.test = m.TestSection(
        looks=[
            m.TestLook(
                version=name,
                model="baseline:logistic",
                final=ev,
                tune_score=tune_score,
                subgroups=[
                    SubgroupResult(column=c, value=v, n=n, metrics=ms if n % 2 else {})
                    for c, v, n in groups
                ],
            )
        ]
    )
    project.table = pd.DataFrame({name or "col": cells, "n": range(len(cells))})
    path = tmp_path_factory.mktemp("extreme") / "p.dlwiz"
    container.save(project, path)
    back = container.load(path)
    assert back.study.model_dump_json() == project.study.model_dump_json()
    for key, iv in back.study.test.looks[0].final.metrics.items():
        original = ms[key]
        for field in ("value", "low", "high"):
            got, want = getattr(iv, field), getattr(original, field)
            assert (math.isnan(got) and not math.isfinite(want)) or got == want
        if not math.isfinite(original.value):
            assert iv.reason  # never missing without a reason
