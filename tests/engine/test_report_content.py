"""The methods report's content: built from the Study, honest about steps not done, no data rows.

The project is the demo study run through the networks with a small budget, plus hand-filled
comparison, test, interpretation and privacy sections (their steps are built elsewhere), two
test-set looks in the audit log, and a planted sample ID that must never be printed.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys

import numpy as np
import pytest

from dlwizard.report import checklists
from dlwizard.report.content import (
    Redactor,
    build_report,
    fmt,
    fmt_interval,
    methods_paragraph,
)
from dlwizard.report.document import Figure, Table, to_text
from dlwizard.study.model import (
    Candidate,
    CompareSection,
    Evaluation,
    ExportOverride,
    FinalModel,
    Finding,
    IdentifierHit,
    Importance,
    InterpretSection,
    MembershipAudit,
    MetricInterval,
    PanelPoint,
    PrivacySection,
    SensitivityAnswers,
    SubgroupResult,
)
from dlwizard.study.model import TestLook as Look  # aliased: not a pytest test class
from dlwizard.study.model import TestSection as LookSection
from tests.conftest import ROOT

PLANTED_ID = "ZQX-PLANTED-7731"  # a sample ID in the working table, quoted by a finding
SEALED_ID = "ZQX-SEALED-5521"  # a sample ID among the sealed test rows, quoted by a finding
PLANTED_VALUE = 987.654321  # a feature value: no row is ever printed
PASSWORD = "report-test-password"  # the project is sensitive, so it is saved encrypted
MODEL_FILE_SHA = "ab12" * 16
HAS_TORCH = importlib.util.find_spec("torch") is not None


def _iv(v: float, lo: float, hi: float) -> MetricInterval:
    return MetricInterval(value=v, low=lo, high=hi)


def _test_eval(n: int, auroc: MetricInterval) -> Evaluation:
    return Evaluation(
        set="test",
        n=n,
        metrics={
            "auroc": auroc,
            "auprc": _iv(0.962, 0.921, 0.991),
            "balanced_accuracy": _iv(0.931, 0.884, 0.972),
            "mcc": _iv(0.861, 0.772, 0.938),
            "f1": _iv(0.911, 0.852, 0.958),
            "brier": _iv(0.051, 0.031, 0.074),
        },
        prevalence=0.368,
        confusion=[[70, 2], [5, 37]],
    )


def build_project():
    """The demo through the networks (small budget) and hand-filled later steps."""
    import pandas as pd

    from dlwizard.demo import demo_project
    from dlwizard.steps import baselines
    from dlwizard.study.model import BaselineOptions, NetworkOptions

    project = demo_project(through="split")
    row = project.table.index[0]
    project.table.loc[row, "case_id"] = PLANTED_ID
    project.table.loc[row, "mean radius"] = PLANTED_VALUE
    sealed = project._sealed  # the test only plants an ID; the report must not print it
    sealed.loc[sealed.index[0], "case_id"] = SEALED_ID
    baselines.run(
        project, BaselineOptions(trials=2, seconds_per_family=30, permutations=3, bootstrap=200)
    )
    if HAS_TORCH:
        from dlwizard.steps import networks

        networks.run(
            project,
            NetworkOptions(
                rungs=["mlp_small", "mlp_deep"],
                trials=1,
                max_epochs=10,
                patience=3,
                seeds=2,
                bootstrap=200,
            ),
        )
    s = project.study
    s.findings.append(
        Finding(
            code="duplicate-sample-ids",
            severity="warning",
            step="data",
            message=f"The sample ID '{PLANTED_ID}' appears on 2 rows, and {SEALED_ID} too.",
            fix="give the column the subject role.",
        )
    )
    b = s.baselines
    metric = b.metric
    cands = [
        Candidate(
            key=f"baseline:{r.key}",
            kind="baseline",
            name=r.name,
            tune=r.tune.metrics[metric],
            cv_mean=r.cv_mean,
            cv_sd=r.cv_sd,
            trials=r.trials,
            seconds=r.seconds,
            memorises_rows=r.memorises_rows,
        )
        for r in b.results
        if r.tune is not None
    ]
    logistic = next(r for r in b.results if r.key == "logistic")
    final = FinalModel(
        key="baseline:logistic",
        kind="baseline",
        family="logistic",
        name=logistic.name,
        params=logistic.best_params,
        task="binary",
        classes=list(b.classes),
        numeric=[c for c, r in s.metadata.roles.items() if r == "feature"],
        tune=logistic.tune,
        recommended="baseline:logistic",
        files={"final.skops": MODEL_FILE_SHA},
    )
    s.compare = CompareSection(
        metric=metric,
        candidates=cands,
        recommended="baseline:logistic",
        recommendation="Logistic regression is the simplest model within noise of the best.",
        final=final,
    )
    project.mark_done("compare")
    sha = s.split.test_sha256
    n_test = len(s.split.test)
    looks = [
        Look(
            version="primary analysis",
            time="2026-01-05T10:00:00+00:00",
            user="alice",
            model=final.key,
            model_files=dict(final.files),
            n_test=n_test,
            test_sha256=sha,
            final=_test_eval(n_test, _iv(0.981, 0.962, 0.995)),
            baseline="gradient_boosting",
            baseline_eval=_test_eval(n_test, _iv(0.975, 0.951, 0.992)),
            tune_score=logistic.tune.metrics[metric].value,
            subgroups=[
                SubgroupResult(
                    column="site",
                    value="Madison",
                    n=80,
                    metrics={"auroc": _iv(0.990, 0.975, 0.999)},
                ),
                SubgroupResult(
                    column="site",
                    value="Milwaukee",
                    n=31,
                    metrics={"auroc": _iv(0.902, 0.811, 0.960)},
                    below_overall=True,
                ),
                SubgroupResult(column="site", value="Tiny-Clinic", n=3),
            ],
        ),
        Look(
            version="v2 reviewer request",
            reason="A reviewer asked for the calibration of the same frozen model.",
            time="2026-02-01T09:30:00+00:00",
            user="bob",
            model=final.key,
            n_test=n_test,
            test_sha256=sha,
            final=_test_eval(n_test, _iv(0.979, 0.960, 0.994)),
        ),
    ]
    s.test = LookSection(looks=looks, metric=metric)
    for look, value in zip(looks, (0.9812, 0.9794)):
        project.audit(
            "test-unsealed",
            version=look.version,
            reason=look.reason,
            model=look.model,
            n_test=n_test,
            test_sha256=sha,
            metric=metric,
            value=value,
        )
    rng = np.random.default_rng(0)
    label = np.r_[np.zeros(72, dtype=int), np.ones(n_test - 72, dtype=int)]
    project.frames["test_predictions"] = pd.DataFrame(
        {
            "row_id": np.asarray(s.split.test, dtype=int),
            "label": label,
            "final": np.clip(label * 0.7 + rng.normal(0.15, 0.15, n_test), 0, 1),
        }
    )
    project.mark_done("test")
    s.interpret = InterpretSection(
        metric=metric,
        model=final.key,
        n=len(s.split.tune),
        features_considered=30,
        importances=[
            Importance(
                name="worst concave points",
                members=["worst concave points", "mean concave points"],
                value=0.061,
                low=0.032,
                high=0.094,
            ),
            Importance(name="worst area", value=0.024, low=0.008, high=0.041),
        ],
        coefficients={"worst concave points": 1.21, "worst area": 0.84},
        full_score=_iv(0.994, 0.987, 1.0),
        panel_family="logistic",
        panel=[
            PanelPoint(
                k=2, features=["worst concave points", "worst area"], score=_iv(0.972, 0.951, 0.989)
            )
        ],
        caveats=["Importance measures reliance, not cause."],
        failing_domains=["site = Milwaukee: AUROC 0.902 (n = 31) against 0.981 overall"],
    )
    project.mark_done("interpret")
    s.privacy = PrivacySection(
        answers=SensitivityAnswers(human_subjects=True, health_records=True, identifiable=False),
        sensitive=True,
        identifiers=[
            IdentifierHit(
                column="case_id",
                kind="record_number",
                safe_harbor="medical record numbers",
                reason="unique per row",
                suggestion="keep it as the sample ID, never as a feature",
            )
        ],
        audit=MembershipAudit(
            model=final.key,
            attack_auc=0.53,
            tpr_at_1pct_fpr=0.012,
            n_members=341,
            n_nonmembers=114,
            risk="low",
            interpretation="The attack does barely better than guessing.",
        ),
        verdict="shareable_after_changes",
        reasons=["Drop the record-number column from any shared table."],
        override=ExportOverride(
            justification="Shared with the approved consortium only.", user="alice"
        ),
    )
    project.mark_done("privacy")
    from dlwizard.study import crypto

    crypto.enable(project, PASSWORD, remember=False)
    return project


def report_project(tmp_path_factory):
    """The project above, built once per test session and shared through a saved (encrypted)
    file; loaded with its password, as on a computer without the key in its keychain."""
    from dlwizard.study import container

    path = tmp_path_factory.getbasetemp() / "report-project.dlwiz"
    if not path.exists():
        container.save(build_project(), path)
    project = container.load(path, password=PASSWORD, remember=False)
    assert project.encryption is not None
    return project


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return report_project(tmp_path_factory)


@pytest.fixture(scope="module")
def report(project):
    return build_report(project)


@pytest.fixture(scope="module")
def text(report):
    return to_text(report)


def test_sections_follow_dome_and_cover_every_step(report, text):
    titles = [s.title for s in report.sections]
    assert titles[:6] == ["Summary", "Question and intended use", "Data", "Optimisation",
                          "Model", "Evaluation"]  # fmt: skip
    assert {"Interpretation and caveats", "Privacy", "Findings by step"} <= set(titles)
    assert [s.title for s in report.appendices] == [
        "Reproducibility", "Reporting checklists", "Audit log"
    ]  # fmt: skip
    for tag in ("DOME: Data", "DOME: Optimisation", "DOME: Model", "DOME: Evaluation"):
        assert tag in text
    for key in checklists.SECTIONS:
        assert report.find(key) is not None, key
    assert "Not done" not in text  # every step of this project was done


def test_numbers_come_from_the_study(project, text):
    s = project.study
    best = max(s.baselines.results, key=lambda r: r.tune.metrics["auroc"].value)
    assert fmt_interval(best.tune.metrics["auroc"]) in text
    assert s.split.test_sha256 in text
    assert (
        f"training {len(s.split.train)}, tuning {len(s.split.tune)}, test {len(s.split.test)}"
        in text
    )
    assert s.data.files[0].sha256 in text
    for e in s.baselines.ledger:
        assert f"{e.trials_used} / {e.trials_budget}" in text
    shuffled = next(c for c in s.baselines.controls if c.kind == "label_shuffled")
    assert f"p = {fmt(shuffled.p_value)}" in text
    assert "median" in text and "standardised" in text and "one-hot" in text
    assert "C: 0.0001 to 100 (real, log scale)" in text  # logistic regression's search range
    assert MODEL_FILE_SHA in text
    assert "0.981 (0.962–0.995)" in text  # the first look's test AUROC
    if HAS_TORCH:
        n = s.networks
        assert "deterministic algorithms" in text and n.device["torch"] in text
        assert ", ".join(fmt(v) for v in n.seed_scores) in text


def test_every_test_look_and_audit_entry_is_printed(report, text):
    assert "primary analysis" in text and "v2 reviewer request" in text
    assert "A reviewer asked for the calibration of the same frozen model." in text
    looks = report.find("eval.looks")
    table = next(b for b in looks.blocks if isinstance(b, Table))
    assert [r[2] for r in table.rows] == ["test set opened", "test set opened"]  # in words
    assert [r[1] for r in table.rows] == ["root", "root"] or all(r[1] for r in table.rows)
    assert "AUROC 0.981" in text and "AUROC 0.979" in text
    assert "opened more than once" in text
    subgroups = to_text_of(report, "eval.subgroups")
    assert "Milwaukee" in subgroups and "0.902 (0.811–0.960)" in subgroups
    assert "Tiny-Clinic" not in subgroups  # three test rows: counted, not named
    assert "1 subgroup with fewer than 5 test samples is not shown" in subgroups


def to_text_of(report, key):
    from dlwizard.report.document import Report

    sec = report.find(key)
    return to_text(Report("", "", "", "", "", sections=[sec]))


def test_interpretation_privacy_and_figures(report, text):
    assert "worst concave points" in text and "Importance measures reliance, not cause." in text
    assert "shareable after changes" in text
    assert "Shared with the approved consortium only." in text
    assert "medical record numbers" in text
    builders = [p.builder for f in report.figures() for p in f.panels]
    assert "class_balance.build" in builders and "intervals.build" in builders
    assert builders.count("curves.roc") == 2  # tuning set and test set
    if HAS_TORCH:
        assert "learning_curves.build" in builders
    assert all(isinstance(f, Figure) and f.caption for f in report.figures())


def test_methods_paragraph_has_the_numbers(project):
    s = project.study
    text = methods_paragraph(project)
    assert f"training set (n = {len(s.split.train)})" in text
    assert f"test set (n = {len(s.split.test)})" in text
    assert f"{s.baselines.options.trials} trials" in text
    assert "AUROC 0.981 (95% CI 0.962–0.995)" in text
    assert "opened 1 more time" in text
    assert "Logistic regression" in text
    assert "[" not in text.replace("[redacted]", "")  # no placeholder: every step is done


def test_checklists_cite_sections_and_list_author_items(report, text):
    appendix = report.find("checklists")
    assert [s.title for s in appendix.subsections] == [
        "DOME", "REFORMS", "TRIPOD+AI", "What the authors must still write"
    ]  # fmt: skip
    dome = to_text_of(report, "checklists.dome")
    number = report.find("data.split").number
    assert f"§{number} Split and the sealed test set (Split page)" in dome
    tripod = to_text_of(report, "checklists.tripod_ai")
    assert "AUTHOR TO COMPLETE: the ethics committee" in tripod
    assert "Ethics approval" in text and "Funding" in text and "registration" in text.lower()
    for cl in checklists.CHECKLISTS:
        ids = [i.id for i in cl.items]
        assert len(ids) == len(set(ids)), cl.name
        for item in cl.items:
            assert item.sections or item.author, f"{cl.name} {item.id} says nothing"
            assert set(item.sections) <= set(checklists.SECTIONS)


def test_no_sample_ids_or_rows_are_printed(project, text):
    assert PLANTED_ID not in text and SEALED_ID not in text
    assert "[redacted]" in text  # the finding that quoted them is still there, blanked
    assert "987.654" not in text
    table = project.table
    ids = table["case_id"].astype(str)
    assert not any(f" {i} " in text or f"'{i}'" in text for i in ids)


def test_steps_not_done_say_so(tmp_path):
    from dlwizard.demo import demo_project

    project = demo_project(through="metadata")
    text = to_text(build_report(project))
    for step in ("Split", "Baselines", "Networks", "Compare and choose", "Test", "Interpret"):
        assert f"Not done: the {step} step has not been completed" in text, step
    assert "[The test set has not been opened yet: no test result can be reported.]" in text
    assert "not yet: " in text and "Test step not done" in text

    from dlwizard.study.project import Project

    blank = to_text(build_report(Project.new()))
    assert "Not done: the question step has not been completed" in blank
    assert "the The " not in blank


def test_redactor_blanks_identifiers_but_keeps_numbers():
    r = Redactor(["case_017", "Jane Doe", "42", "x"])
    out = r("Row case_017. belongs to Jane Doe; '42' and 42 samples; x is short")
    assert out == "Row [redacted]. belongs to [redacted]; '[redacted]' and 42 samples; x is short"


def test_content_and_checklists_import_no_qt():
    code = (
        "import sys\n"
        "import dlwizard.report.content, dlwizard.report.checklists, dlwizard.report.document\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


FIRST_NAMES = ["Anna", "James", "Maria", "John", "Emma", "Robert", "Olivia", "Michael"]


def _left_out_project(tmp_path, roles=None, n_constant=0):
    """A cohort with a row number, first names, an earlier split column and constants."""
    import pandas as pd

    from tests.engine.synthetic import cohort, project_from_frame

    df = cohort(n=80, n_features=40, seed=2)
    df.insert(0, "Unnamed: 0", range(1, len(df) + 1))
    df["first_name"] = [FIRST_NAMES[i % len(FIRST_NAMES)] for i in range(len(df))]
    df["set"] = ["Train", "Test", "Train", "Train"] * (len(df) // 4)
    for k in range(n_constant):
        df[f"flat{k}"] = 1.0
    return project_from_frame(tmp_path, pd.DataFrame(df), roles=roles)


def _left_out_table(section):
    tables = [b for b in section.blocks if isinstance(b, Table)]
    return next(t for t in tables if "model input" in t.columns[-1])


def test_data_section_lists_every_column_left_out_and_why(tmp_path):
    project = _left_out_project(tmp_path, n_constant=3)
    m = project.study.metadata
    assert m.roles["Unnamed: 0"] == "ignore" and m.roles["first_name"] == "ignore"
    report = build_report(project)
    section = report.find("data.metadata")
    table = _left_out_table(section)
    why = {row[0]: (row[1], row[2]) for row in table.rows}
    assert why["Unnamed: 0"] == ("ignored", m.role_reasons["Unnamed: 0"])
    assert "consecutive whole numbers 1 to 80" in why["Unnamed: 0"][1]
    assert "a row number" in why["Unnamed: 0"][1]
    assert why["set"][0] == "ignored" and "train/test split" in why["set"][1]
    assert why["first_name"][0] == "ignored" and "first names" in why["first_name"][1]
    assert why["sample"][0] == "sample ID"  # metadata: not an input either, and said why
    assert "3 constant columns" in why and "same value" in why["3 constant columns"][1]
    assert not any(c.startswith("flat") for c in why)  # counted, not listed one by one
    assert list(why)[:3] == ["Unnamed: 0", "first_name", "set"]  # ignored first, file order
    assert "left out of the model" in table.caption
    # The evidence quotes no value of the table, and the names are blanked everywhere.
    text = to_text(report)
    assert not any(re.search(rf"\b{name}\b", text) for name in FIRST_NAMES), [
        n for n in FIRST_NAMES if re.search(rf"\b{n}\b", text)
    ]


def test_left_out_list_of_a_wide_table_is_capped_and_says_the_users_choice(tmp_path):
    ignored = {f"g{j}": "ignore" for j in range(2, 40)}
    project = _left_out_project(tmp_path, roles=ignored)
    section = build_report(project).find("data.metadata")
    table = _left_out_table(section)
    assert len(table.rows) == 31  # 30 named, then the count of the rest
    last = table.rows[-1]
    assert last[0] == "…" and re.fullmatch(r"and \d+ more columns \(.*\)", last[2])
    why = {row[0]: row[2] for row in table.rows}
    assert why["g2"] == "set by the user (suggested: feature)"
    n_named = 30 + int(re.search(r"and (\d+) more", last[2]).group(1))
    assert n_named == len([r for r in project.study.metadata.roles.values()
                           if r not in ("feature", "target")])  # fmt: skip
