"""Step 11, privacy: identifiers found through the step, memorising models, the membership audit
of the frozen final model, the verdict, and the gate on every export (API, CLI, plan)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dlwizard import export
from dlwizard.errors import PlanError, StepError
from dlwizard.ml import frozen
from dlwizard.ml.models import families, pipeline
from dlwizard.plan import load_plan, plan_from_project, run_plan
from dlwizard.steps import baselines, compare, modelling, privacy, split
from dlwizard.study import container, crypto
from dlwizard.study.model import (
    BaselineOptions,
    CompareOptions,
    CompareSection,
    FinalModel,
    SplitOptions,
)
from dlwizard.study.project import Project
from tests.conftest import ROOT
from tests.engine.synthetic import cohort, project_from_frame
from tests.engine.test_identifiers import _planted

TINY = BaselineOptions(
    families=["logistic"], trials=1, seconds_per_family=30, permutations=0, bootstrap=100
)
NOT_SENSITIVE = dict(
    human_subjects=False,
    health_records=False,
    genomic=False,
    identifiable=False,
    sharing_restricted=False,
)
SENSITIVE = NOT_SENSITIVE | {"human_subjects": True, "health_records": True}
WHY = "Shared only with the consortium's analysis centre under the data-use agreement."


@pytest.fixture(autouse=True)
def _fast_scrypt(monkeypatch):
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**12)


def _frozen_project(tmp_path: Path, df, roles=None, options: BaselineOptions = TINY) -> Project:
    project = project_from_frame(tmp_path, df, roles=roles)
    split.run(project, SplitOptions(seed=3, tune_fraction=0.3, test_fraction=0.2))
    baselines.run(project, options)
    compare.freeze(project)
    return project


@pytest.fixture
def plain(tmp_path) -> Project:
    """A plain expression matrix: 600 samples, 8 numeric features, a logistic final model."""
    return _frozen_project(tmp_path, cohort(600, seed=2))


@pytest.fixture
def planted(tmp_path) -> Project:
    """Names, dates of birth, phones, MRNs, e-mails, addresses, ZIP + age + sex as features."""
    df = _planted()
    rng = np.random.default_rng(0)
    df["status"] = np.where(df["TP53"] + rng.normal(0, 1, len(df)) > 0, "case", "control")
    roles = {c: "feature" for c in df.columns}
    roles.update(sample="sample_id", status="target")
    project = project_from_frame(tmp_path, df, target="status", roles=roles)
    split.run(project, SplitOptions(seed=3))
    baselines.run(project, TINY)
    compare.freeze(project)
    return project


# -- identifiers through the step -------------------------------------------------------------
def test_planted_identifiers_are_flagged_and_block_the_export(planted):
    privacy.answer(planted, **SENSITIVE)
    section = privacy.run(planted)
    kinds = {h.column: h.kind for h in section.identifiers}
    assert kinds == {
        "patient": "name",
        "dob": "date_of_birth",
        "contact": "phone",
        "ref": "record_number",
        "mail": "email",
        "home": "address",
        "zip": "zip",
    }
    assert all(h.used_as_feature for h in section.identifiers)
    # Every full date of birth is unique; age x sex x ZIP cells hold 5 people (one holds 1), and
    # without the sealed test rows some smaller combinations already fall under 5
    combos = {tuple(q.columns): q for q in section.quasi_identifiers}
    assert combos[("dob",)].smallest_group == 1
    assert any(set(c) <= {"zip", "age", "sex"} and len(c) > 1 for c in combos)
    assert all(q.smallest_group < 5 and q.suggestion for q in combos.values())
    assert section.verdict == "do_not_share"
    assert "Identifier column(s) used as features" in section.reasons[0]
    codes = {f.code: f for f in planted.findings("privacy")}
    assert set(codes["identifier-as-feature"].columns) == set(kinds)
    assert codes["identifier-as-feature"].severity == "warning"
    assert "quasi-identifier-small-groups" in codes
    assert codes["privacy-verdict"].detail["verdict"] == "do_not_share"
    entry = next(e for e in planted.log if e.action == "privacy-checked")
    assert set(entry.detail["identifiers_used_as_features"]) == set(kinds)
    with pytest.raises(StepError, match="do not share"):
        export.check_export(planted)
    # The sealed test rows were never read: only the working table was scanned
    assert section.audit.n_members + section.audit.n_nonmembers == len(
        planted.study.split.train
    ) + len(planted.study.split.tune)


def test_a_plain_expression_matrix_is_shareable_and_exports(plain, tmp_path):
    privacy.answer(plain, **NOT_SENSITIVE)
    section = privacy.run(plain)
    assert section.identifiers == [] and section.quasi_identifiers == []
    assert section.memorising == []
    assert section.verdict == "shareable", section.reasons
    assert not section.sensitive
    assert export.check_export(plain) == "shareable"
    out = tmp_path / "model"
    written = export.export_model(plain, out)
    assert sorted(p.name for p in written) == ["final.skops", "model_card.json"]
    assert (out / "final.skops").read_bytes() == plain.models[frozen.PIPELINE]
    card = json.loads((out / "model_card.json").read_text("utf-8"))
    final = plain.study.compare.final
    assert card["model"]["key"] == final.key
    assert card["model"]["files"] == final.files
    assert card["features"]["numeric"] == final.numeric
    assert card["classes"] == final.classes
    assert card["privacy"]["verdict"] == "shareable" and "override" not in card["privacy"]
    assert card["training_data"]["files"][0]["sha256"] == plain.study.data.files[0].sha256
    assert card["test_result"] is None  # the test set was not opened
    text = (out / "model_card.json").read_text("utf-8")
    assert not [s for s in plain.table["sample"] if s in text]  # no sample IDs
    assert not list(tmp_path.glob(".model.*"))  # no temporary folder left behind
    # exporting again replaces the earlier export; a foreign non-empty folder is refused
    export.export_model(plain, out)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(StepError, match="not empty"):
        export.export_model(plain, other)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]
    assert [e.action for e in plain.log].count("model-exported") == 2


def test_the_gate_refuses_until_checked_and_accepts_a_typed_override(plain, tmp_path):
    with pytest.raises(StepError, match="privacy check was not run"):
        export.check_export(plain)
    with pytest.raises(StepError, match="privacy check was not run"):
        export.export_model(plain, tmp_path / "m")
    assert not (tmp_path / "m").exists()
    privacy.answer(plain, **(SENSITIVE | {"identifiable": None}))
    section = privacy.run(plain)
    assert section.verdict == "shareable_after_changes"  # an open question counts as "yes"
    assert any("not answered yet (identifiable people)" in r for r in section.reasons)
    with pytest.raises(StepError, match="shareable after changes"):
        export.export_model(plain, tmp_path / "m")
    with pytest.raises(StepError, match="at least 20 characters"):
        export.export_model(plain, tmp_path / "m", override="because")
    assert plain.study.privacy.override is None
    written = export.export_model(plain, tmp_path / "m", override=WHY)
    assert (tmp_path / "m" / "final.skops") in written
    o = plain.study.privacy.override
    assert o.justification == WHY and o.verdict == "shareable_after_changes"
    assert o.model == plain.study.compare.final.key
    card = json.loads((tmp_path / "m" / "model_card.json").read_text("utf-8"))
    assert card["privacy"]["override"]["justification"] == WHY
    assert card["privacy"]["gate"] == "override"
    actions = [e.action for e in plain.log]
    assert actions.index("export-override") < actions.index("model-exported")
    # answering the open question updates the verdict at once, without a new audit
    privacy.answer(plain, identifiable=False)
    assert plain.study.privacy.verdict == "shareable"


def test_a_new_final_model_makes_the_verdict_and_the_override_stale(tmp_path):
    options = TINY.model_copy(update={"families": ["logistic", "naive_bayes"]})
    project = _frozen_project(tmp_path, cohort(200, seed=4), options=options)
    privacy.answer(project, **(SENSITIVE | {"identifiable": None}))
    privacy.run(project)
    privacy.override(project, WHY)
    assert export.check_export(project) == "override"
    other = next(c.key for c in project.study.compare.candidates
                 if c.key != project.study.compare.final.key)  # fmt: skip
    compare.freeze(project, CompareOptions(model=other, reason="the other model, to test the gate"))
    assert not privacy.is_current(project)
    assert privacy.current_override(project) is None
    with pytest.raises(StepError, match="model changed since"):
        export.check_export(project)
    privacy.run(project)
    assert project.study.privacy.model == other
    assert project.study.privacy.override is None


def test_answers_make_the_project_sensitive_and_it_is_saved_encrypted(plain, tmp_path):
    with pytest.raises(StepError, match="no sensitivity question called 'humans'"):
        privacy.answer(plain, humans=True)
    with pytest.raises(StepError, match=r"yes \(true\), no \(false\) or not sure"):
        privacy.answer(plain, genomic="yes")
    privacy.answer(plain, genomic=True)
    assert plain.study.privacy.sensitive and crypto.must_encrypt(plain)
    with pytest.raises(crypto.EncryptionRequired):
        container.save(plain, tmp_path / "p.dlwiz")
    crypto.enable(plain, "a long enough password")
    path = container.save(plain, tmp_path / "p.dlwiz")
    assert container.is_encrypted(path)
    privacy.answer(plain, genomic=False)
    assert not plain.study.privacy.sensitive
    assert [e.detail["sensitive"] for e in plain.log if e.action == "sensitivity-changed"] == [
        True,
        False,
    ]


# -- the membership audit: an overfitted 1-NN against a regularised logistic model -------------
def _freeze_directly(project: Project, family: str, params: dict) -> FinalModel:
    """Fit one model with fixed settings on the training rows and store it as the final model,
    in the very files and format compare.freeze writes (no tuning: the settings are the point)."""
    p = modelling.prepare(project)
    fam = families(p.task)[family]
    model = pipeline(fam, params, p.numeric, p.categorical, seed=0)
    model.fit(p.x_train, p.y_train)
    blob = frozen.dump_sklearn(model)
    project.models[frozen.PIPELINE] = blob
    final = FinalModel(
        key=f"baseline:{family}",
        kind="baseline",
        family=family,
        name=fam.name,
        params=params,
        task=p.task,
        classes=p.classes,
        numeric=p.numeric,
        categorical=p.categorical,
        files={frozen.PIPELINE: frozen.sha256(blob)},
    )
    project.study.compare = CompareSection(final=final)
    return final


def test_audit_flags_an_overfitted_1nn_and_not_a_regularised_model(tmp_path):
    """Noisy labels: 1-NN fits every training row and many held-out rows wrongly."""
    df = cohort(500, n_features=10, seed=5, label_shift=0.8)
    project = project_from_frame(tmp_path, df)
    split.run(project, SplitOptions(seed=1, tune_fraction=0.3, test_fraction=0.2))
    privacy.answer(project, **SENSITIVE)
    _freeze_directly(project, "knn", {"n_neighbors": 1, "weights": "uniform", "p": 2})
    nn1 = privacy.run(project)
    nn1_audit, nn1_verdict, nn1_memo = nn1.audit, nn1.verdict, list(nn1.memorising)
    _freeze_directly(project, "logistic", {"penalty": "l2", "C": 0.05})
    assert not privacy.is_current(project)  # another model: the old verdict does not count
    lr = privacy.run(project)
    print(
        f"\n1-NN: AUC {nn1_audit.attack_auc:.3f}, TPR@1%FPR {nn1_audit.tpr_at_1pct_fpr:.3f}, "
        f"{nn1_audit.risk}; logistic: AUC {lr.audit.attack_auc:.3f}, "
        f"TPR@1%FPR {lr.audit.tpr_at_1pct_fpr:.3f}, {lr.audit.risk}"
    )
    assert nn1_audit.risk == "high"
    assert lr.audit.risk == "low"
    assert lr.audit.attack_auc < nn1_audit.attack_auc
    assert lr.audit.tpr_at_1pct_fpr <= nn1_audit.tpr_at_1pct_fpr
    assert nn1_audit.n_members == len(project.study.split.train)
    assert nn1_audit.n_nonmembers == len(project.study.split.tune)
    assert nn1_memo == ["baseline:knn"] and nn1_verdict == "do_not_share"
    assert lr.verdict == "shareable" and lr.memorising == []


def test_decide_rules():
    from dlwizard.study.model import IdentifierHit, MembershipAudit, PrivacySection

    def section(**kw):
        s = PrivacySection(**kw)
        s.sensitive = any(v is True for v in s.answers.model_dump().values())
        return s

    def audit(risk):
        return MembershipAudit(
            model="m", attack_auc=0.5, tpr_at_1pct_fpr=0.01, n_members=10, n_nonmembers=10,
            risk=risk, interpretation="",
        )  # fmt: skip

    answered_no = {"answers": NOT_SENSITIVE}
    answered_yes = {"answers": SENSITIVE}
    assert privacy.decide(section(**answered_no, audit=audit("high")), "M", True)[0] == "shareable"
    assert privacy.decide(section(**answered_yes, audit=audit("low")), "M", False)[0] == "shareable"
    assert privacy.decide(section(**answered_yes, audit=audit("moderate")), "M", False)[0] == (
        "shareable_after_changes"
    )
    assert privacy.decide(section(**answered_yes, audit=audit("high")), "M", False)[0] == (
        "do_not_share"
    )
    assert privacy.decide(section(**answered_yes, audit=audit("low")), "M", True)[0] == (
        "do_not_share"
    )
    # nothing answered: treated as sensitive
    assert privacy.decide(section(audit=audit("low")), "M", True)[0] == "do_not_share"
    hit = IdentifierHit(column="x", kind="name", reason="91 % of the values look like names.",
                        suggestion="", used_as_feature=True)  # fmt: skip
    weak = hit.model_copy(update={"reason": "From the column name only: it suggests..."})
    assert privacy.decide(section(**answered_no, identifiers=[hit]), "M", False)[0] == (
        "do_not_share"
    )
    assert privacy.decide(section(**answered_no, identifiers=[weak]), "M", False)[0] == (
        "shareable_after_changes"
    )
    # a name column that is not a feature contradicts "not identifiable": check the answers
    unused = hit.model_copy(update={"used_as_feature": False})
    verdict, reasons = privacy.decide(section(**answered_no, identifiers=[unused]), "M", False)
    assert verdict == "shareable_after_changes" and "check the answers" in reasons[0]


# -- the command line and plans ------------------------------------------------------------------
def _cli(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "dlwizard", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_cli_export_is_gated_and_the_override_is_in_inspect(planted, tmp_path):
    privacy.answer(planted, **SENSITIVE)
    privacy.run(planted)
    crypto.enable(planted, "a long enough password")
    path = container.save(planted, tmp_path / "planted.dlwiz")
    env = dict(os.environ, DLWIZARD_PASSWORD="a long enough password")
    out = tmp_path / "exported"
    refused = _cli("export", path, "-o", out, env=env)
    assert refused.returncode == 1
    assert "cannot be exported" in refused.stderr and "do not share" in refused.stderr
    assert "--override" in refused.stderr
    assert not out.exists()
    short = _cli("export", path, "-o", out, "--override", "ok", env=env)
    assert short.returncode == 1 and "at least 20 characters" in short.stderr
    done = _cli("export", path, "-o", out, "--override", WHY, env=env)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in out.iterdir()} == {"final.skops", "model_card.json"}
    inspect = _cli("inspect", path, "--json", env=env)
    assert inspect.returncode == 0, inspect.stderr
    doc = json.loads(inspect.stdout)
    assert doc["privacy"]["override"]["justification"] == WHY
    assert doc["privacy"]["override"]["verdict"] == "do_not_share"
    assert doc["privacy"]["verdict"] == "do_not_share"
    reopened = container.load(path, password="a long enough password")
    assert [e.action for e in reopened.log][-2:] == ["export-override", "model-exported"]


def test_plan_runs_privacy_and_needs_the_password_first(plain, tmp_path, monkeypatch):
    monkeypatch.delenv("DLWIZARD_PASSWORD", raising=False)
    plan_path = tmp_path / "plan.toml"
    plan_path.write_text("[privacy]\nhuman_subjects = true\nhealth_records = false\n", "utf-8")
    with pytest.raises(PlanError, match="DLWIZARD_PASSWORD"):
        run_plan(load_plan(plan_path), base=tmp_path, project=plain)
    assert plain.study.privacy is None  # refused before anything ran
    monkeypatch.setenv("DLWIZARD_PASSWORD", "a long enough password")
    project = run_plan(load_plan(plan_path), base=tmp_path, project=plain)
    section = project.study.privacy
    assert section.sensitive and project.encryption is not None
    assert section.verdict == "shareable_after_changes"  # three questions left open
    assert project.is_done("privacy")
    assert plan_from_project(project)["privacy"] == {
        "human_subjects": True,
        "health_records": False,
    }


# -- the rules about people apply only when the data may come from people -------------------------
def _field_table(n: int = 240, seed: int = 7):
    """A field-biology table with neutral column names: the collection date ('when'), the
    island ('isle') and a ring number ('ring', near-unique long digit codes) are features, as in
    the animal table of issue 12; the rest are measurements."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = cohort(n, n_features=4, seed=seed)
    days = pd.Timestamp("2007-11-09") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    df["when"] = days.strftime("%Y-%m-%d")
    df["isle"] = rng.choice(["Biscoe", "Dream", "Torgersen"], n)
    df["ring"] = [f"RG{v}" for v in rng.choice(10**7, n, replace=False)]
    roles = {c: "feature" for c in df.columns}
    roles.update(sample="sample_id", label="target")
    return df, roles


@pytest.fixture
def field(tmp_path) -> Project:
    df, roles = _field_table()
    return _frozen_project(tmp_path, df, roles=roles)


def test_an_animal_table_is_not_judged_by_the_rules_about_people(field):
    privacy.answer(field, **NOT_SENSITIVE)  # no to every question about people
    section = privacy.run(field)
    kinds = {h.column: h.kind for h in section.identifiers}
    assert kinds.get("when") == "date"  # the scan still sees the dates (for the page)
    assert section.verdict == "shareable", section.reasons
    said = " ".join(section.reasons)
    assert "do not come from people" in said and "rules about people" in said
    assert "'when' (full dates)" in said  # what would count for people is named
    codes = {f.code: f for f in field.findings("privacy")}
    assert not set(codes) & {
        "identifier-as-feature",
        "identifier-columns",
        "quasi-identifier-small-groups",
    }
    assert codes["privacy-verdict"].severity == "info"
    assert "do not come from people" in codes["privacy-verdict"].message
    assert export.check_export(field) == "shareable"


def test_the_same_table_from_people_is_still_flagged(field):
    privacy.answer(field, **SENSITIVE)
    section = privacy.run(field)
    assert section.verdict == "do_not_share"
    used = {h.column for h in section.identifiers if h.used_as_feature}
    assert "when" in used
    codes = {f.code: f for f in field.findings("privacy")}
    assert "when" in codes["identifier-as-feature"].columns
    assert not any("do not come from people" in r for r in section.reasons)
    # saying "no" only afterwards clears it, at once; a "yes" to any question about people, or
    # one of them left open, brings the rules back: unanswered never passes silently
    privacy.answer(field, **NOT_SENSITIVE)
    assert field.study.privacy.verdict == "shareable"
    for key in privacy.PERSON_QUESTIONS:
        for value in (True, None):
            privacy.answer(field, **(NOT_SENSITIVE | {key: value}))
            assert privacy.person_rules_apply(field.study.privacy), (key, value)
            assert field.study.privacy.verdict == "do_not_share", (key, value)
            codes = {f.code for f in field.findings("privacy")}
            assert "identifier-as-feature" in codes, (key, value)
    privacy.answer(field, **NOT_SENSITIVE)
    assert field.study.privacy.verdict == "shareable"


def test_nothing_answered_applies_the_rules_about_people(field):
    section = privacy.run(field)  # no answer at all
    assert privacy.from_people(section) is None
    assert section.verdict == "do_not_share"
    assert any("coming from people" in r for r in section.reasons)


def test_a_person_s_contact_in_an_animal_table_still_counts():
    from dlwizard.study.model import IdentifierHit, PrivacySection

    date = IdentifierHit(column="when", kind="date", reason="100 % of the values are full dates.",
                         suggestion="", used_as_feature=True)  # fmt: skip
    mail = IdentifierHit(column="by", kind="email", reason="98 % look like e-mail addresses.",
                         suggestion="", used_as_feature=False)  # fmt: skip
    animal = PrivacySection(answers=NOT_SENSITIVE, identifiers=[date, mail])
    verdict, reasons = privacy.decide(animal, "M", False)
    assert verdict == "shareable_after_changes"  # the collector's e-mail: check and drop it
    assert any("'by' (e-mail addresses) point at people" in r for r in reasons)
    assert not any("Identifier column(s) used as features" in r for r in reasons)
    mail_used = mail.model_copy(update={"used_as_feature": True})
    animal = PrivacySection(answers=NOT_SENSITIVE, identifiers=[date, mail_used])
    assert privacy.decide(animal, "M", False)[0] == "do_not_share"
