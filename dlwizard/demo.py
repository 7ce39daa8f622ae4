"""The demo study: scikit-learn's bundled Breast Cancer Wisconsin (Diagnostic) data.

It ships inside scikit-learn, so the demo works offline on every machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from dlwizard.jobs import Job
from dlwizard.study import registry
from dlwizard.study.model import (
    BaselineOptions,
    CompareOptions,
    DataSection,
    FileRecord,
    ImportOptions,
    InterpretOptions,
    NetworkOptions,
    Provenance,
    TestOptions,
)
from dlwizard.study.project import Project

DEMO_NAME = "Breast cancer diagnosis (demo)"


# A small, equal budget so the headless demo finishes in well under a minute; the wizard's
# baselines page starts from the full default budget.
DEMO_BASELINES = {"trials": 3, "seconds_per_family": 30.0, "permutations": 4, "bootstrap": 300}
# The networks get the baselines' trial budget (equal effort); fewer epochs keep it quick.
DEMO_NETWORKS = {
    "rungs": ["mlp_small", "mlp_deep"],
    "max_epochs": 40,
    "patience": 8,
    "seeds": 2,
    "bootstrap": 300,
}

DEMO_TEST = {"bootstrap": 300}
DEMO_INTERPRET = {"repeats": 10}


# The steps after the metadata, each as the demo runs it; they run in the registry's order.
def _explore(project: Project, job: Job) -> None:
    from dlwizard.steps import explore

    job.progress(0.6, "Exploring")
    explore.run(project, job=job.sub(0.6, 0.7))


def _split(project: Project, job: Job) -> None:
    from dlwizard.steps import split

    job.progress(0.7, "Splitting")
    split.run(project, job=job.sub(0.7, 0.75))


def _baselines(project: Project, job: Job) -> None:
    from dlwizard.steps import baselines

    baselines.run(project, BaselineOptions(**DEMO_BASELINES), job=job.sub(0.75, 0.9))


def _networks(project: Project, job: Job) -> None:
    from dlwizard.steps import networks

    networks.run(project, NetworkOptions(**DEMO_NETWORKS), job=job.sub(0.9, 0.95))


def _compare(project: Project, job: Job) -> None:
    from dlwizard.steps import compare

    job.progress(0.95, "Freezing the recommended model")
    compare.freeze(project, CompareOptions())


def _test(project: Project, job: Job) -> None:
    from dlwizard.steps import test

    job.progress(0.96, "Opening the test set once")
    test.unseal(project, TestOptions(**DEMO_TEST), confirm=True)


def _interpret(project: Project, job: Job) -> None:
    from dlwizard.steps import interpret

    job.progress(0.97, "Interpreting")
    interpret.run(project, InterpretOptions(**DEMO_INTERPRET), job=job.sub(0.97, 0.99))


LATER: dict[str, Callable[[Project, Job], None]] = {
    "explore": _explore,
    "split": _split,
    "baselines": _baselines,
    "networks": _networks,
    "compare": _compare,
    "test": _test,
    "interpret": _interpret,
}
# What ``through`` may name: the metadata (always done) or a later step the demo runs.
THROUGH: tuple[str, ...] = tuple(k for k in registry.ORDER if k == "metadata" or k in LATER)


def demo_project(job: Job | None = None, through: str = "split") -> Project:
    """The demo study, with every step up to ``through`` (one of THROUGH) done."""
    import pandas as pd
    import sklearn
    from sklearn.datasets import load_breast_cancer

    from dlwizard.steps import data, metadata, question

    if through not in THROUGH:
        raise ValueError(f"unknown step {through!r}: the demo runs through one of {THROUGH}")
    job = job or Job()
    job.progress(0.05, "Loading the bundled breast-cancer data")
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    diagnosis = frame.pop("target").map({0: "malignant", 1: "benign"}).astype("str")
    frame.insert(0, "diagnosis", diagnosis)
    frame.insert(0, "case_id", pd.array([f"case_{i + 1:03d}" for i in range(len(frame))], "str"))
    csv = Path(sklearn.__file__).parent / "datasets" / "data" / "breast_cancer.csv"
    raw = csv.read_bytes() if csv.exists() else frame.to_csv(index=False).encode()
    record = FileRecord(
        path=f"sklearn/datasets/data/{csv.name}",
        name=csv.name,
        role="bundled",
        sha256=hashlib.sha256(raw).hexdigest(),
        size_bytes=len(raw),
        format="csv",
        n_rows=len(frame),
        n_columns=frame.shape[1],
    )
    provenance = Provenance(
        source="Breast Cancer Wisconsin (Diagnostic), UCI Machine Learning Repository, as "
        "bundled with scikit-learn",
        doi="10.24432/C5DW2B",
        version=f"scikit-learn {sklearn.__version__}",
        notes="Wolberg, Street, Mangasarian 1995; CC BY 4.0. Features describe cell nuclei in "
        "digitised images of fine-needle aspirates.",
    )
    project = Project.new(DEMO_NAME)
    question.apply(
        project,
        target="diagnosis",
        positive_class="malignant",
        unit="patient",
        intended_use="Demo: tell malignant from benign breast masses from fine-needle aspirate "
        "image features, as a second reader beside the pathologist.",
    )
    job.progress(0.4, "Importing")
    section = DataSection(
        options=ImportOptions(paths=[record.path], sample_id_column="case_id", transpose="no"),
        provenance=provenance,
        files=[record],
        n_rows=len(frame),
        n_columns=frame.shape[1],
        columns=data.column_info(frame),
    )
    data.commit(project, frame, section, [])
    job.progress(0.5, "Reviewing metadata")
    metadata.apply(project, design="observational", replicate_kind="none")
    reach = registry.ORDER.index(through)
    for step in registry.ORDER[: reach + 1]:  # the wizard's order
        if step in LATER:
            LATER[step](project, job)
    project.dirty = False
    job.progress(1.0, "Demo ready")
    return project
