"""Step 11, privacy (Tip 10): may this model leave the lab, and what would it give away?

Four checks, then a verdict that gates every export of the model (:mod:`dlwizard.export`):

- the user's answers to plain sensitivity questions (any "yes" makes the project sensitive, and
  a sensitive project is encrypted at rest);
- an identifier scan of the working table's columns (names, dates of birth, record numbers...,
  :mod:`dlwizard.ml.identifiers`) and the quasi-identifier combinations with their k. These are
  rules about people: they count only while the data may come from people (:func:`from_people`).
  When every question about people is answered "no" (an animal, plant or cell-line table), its
  dates, places, codes and k-anonymity do not affect the verdict, which says so; columns that
  name or contact a person (a collector's name or e-mail) count whatever the data are about;
- models that store training rows inside themselves (k-nearest neighbours, SVMs);
- a membership-inference audit of the frozen final model (:mod:`dlwizard.ml.membership`): its
  training rows against the tuning rows, which it never fitted.

Only the working table is read (training and tuning rows); the sealed test set is never touched.
The verdict belongs to the final model it was computed for: freezing another model, or the same
one again, makes it stale, and the export gate then treats the check as not done.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np

from dlwizard.errors import StepError
from dlwizard.jobs import Job
from dlwizard.ml import identifiers, membership
from dlwizard.steps import modelling
from dlwizard.steps.compare import final_model
from dlwizard.study.model import (
    ExportOverride,
    FinalModel,
    Finding,
    IdentifierHit,
    MembershipAudit,
    PrivacySection,
    QuasiIdentifier,
    SensitivityAnswers,
    now_iso,
)
from dlwizard.study.project import Project, current_user

STEP = "privacy"
KIND_LABELS = identifiers.KIND_LABELS  # what each identifier kind is, in words (for the page)
MIN_JUSTIFICATION = 20  # characters: a sentence, not "ok"

QUESTIONS: dict[str, str] = {
    "human_subjects": "Do the data come from people (patients, volunteers, donors)?",
    "health_records": "Do they include health information (diagnoses, treatments, clinical "
    "measurements, records from a hospital or practice)?",
    "genomic": "Do they include genetic or genomic data of people (genotypes, sequences, "
    "expression profiles of human samples)?",
    "identifiable": "Could a person be identified from them, directly (names, record numbers) "
    "or by combining a few facts (age, sex, place, dates)?",
    "sharing_restricted": "Does a consent form, ethics approval or data-use agreement limit "
    "who may receive the data or what may be derived from them?",
}
SHORT: dict[str, str] = {
    "human_subjects": "human subjects",
    "health_records": "health records",
    "genomic": "genomic data",
    "identifiable": "identifiable people",
    "sharing_restricted": "sharing restrictions",
}
VERDICT_WORDS = {
    "shareable": "shareable",
    "shareable_after_changes": "shareable after changes",
    "do_not_share": "do not share",
}
_LEVELS = ("shareable", "shareable_after_changes", "do_not_share")
# The questions about people: all answered "no" means the rules about people do not apply.
PERSON_QUESTIONS = ("human_subjects", "health_records", "genomic", "identifiable")
# Kinds that point at a person by themselves (the answers "not identifiable" contradict them).
_PERSONAL = {
    "name", "email", "phone", "fax", "ssn", "record_number", "address", "date_of_birth",
    "health_plan_number", "account_number", "license_number", "biometric", "photo",
}  # fmt: skip


# -- the answers ----------------------------------------------------------------------------------
def _section(project: Project) -> PrivacySection:
    s = project.study
    if s.privacy is None:
        s.privacy = PrivacySection()
    return s.privacy


def answer(project: Project, **answers: bool | None) -> PrivacySection:
    """Record answers to the sensitivity questions (True / False / None = not sure).

    Any "yes" makes the project sensitive: it is then saved only encrypted (set a password with
    :func:`dlwizard.study.crypto.enable`). When the check was already run for the current final
    model, its verdict is brought up to date with the new answers.
    """
    unknown = sorted(set(answers) - set(QUESTIONS))
    if unknown:
        raise StepError(
            f"there is no sensitivity question called '{unknown[0]}'",
            fix=f"the questions are: {', '.join(QUESTIONS)}.",
        )
    for key, value in answers.items():
        if value is not None and not isinstance(value, bool):
            raise StepError(
                f"the answer to '{key}' must be yes (true), no (false) or not sure (empty)",
                fix=f"got {value!r}.",
            )
    section = _section(project)
    merged = section.answers.model_dump() | answers
    section.answers = SensitivityAnswers(**merged)
    was = section.sensitive
    section.sensitive = any(v is True for v in merged.values())
    project.audit(
        "privacy-answers",
        answers={k: v for k, v in merged.items()},
        sensitive=section.sensitive,
    )
    if section.sensitive != was:
        project.audit("sensitivity-changed", sensitive=section.sensitive)
    if is_current(project):
        _decide_and_record(project, section)
    return section


def open_questions(section: PrivacySection) -> list[str]:
    """The questions answered 'not sure' or not at all."""
    return [k for k, v in section.answers.model_dump().items() if v is None]


def from_people(section: PrivacySection | None) -> bool | None:
    """Whether the data come from people, by the answers to :data:`PERSON_QUESTIONS`.

    True when any of them is answered "yes"; False only when every one is answered "no"; None
    while any is unanswered or "not sure" (then the data are treated as coming from people).
    """
    if section is None:
        return None
    values = [getattr(section.answers, k) for k in PERSON_QUESTIONS]
    if any(v is True for v in values):
        return True
    if all(v is False for v in values):
        return False
    return None


def person_rules_apply(section: PrivacySection | None) -> bool:
    """Whether the rules about people (the HIPAA identifiers, dates, places, quasi-identifiers
    and k-anonymity) count for the verdict: unless the answers say the data are not from
    people, they do (an unanswered question never lets them pass)."""
    return from_people(section) is not False


def counted_identifiers(section: PrivacySection) -> list[IdentifierHit]:
    """The identifier hits that count for the verdict: all of them while the data may come
    from people; otherwise only columns that name or contact a person."""
    if person_rules_apply(section):
        return list(section.identifiers)
    return [h for h in section.identifiers if h.kind in identifiers.ABOUT_A_PERSON]


def set_aside_identifiers(section: PrivacySection) -> list[IdentifierHit]:
    """The hits that would count if the data came from people, but do not (answers: no)."""
    kept = {id(h) for h in counted_identifiers(section)}
    return [h for h in section.identifiers if id(h) not in kept]


def counted_quasi(section: PrivacySection):
    """The quasi-identifier combinations that count (none when the data are not from people)."""
    return list(section.quasi_identifiers) if person_rules_apply(section) else []


NOT_PEOPLE = (
    "By your answers the data do not come from people, so the rules about people (the HIPAA "
    "identifiers such as dates, places and record numbers, and k-anonymity) were not applied"
)


# -- the check ------------------------------------------------------------------------------------
def run(project: Project, job: Job | None = None) -> PrivacySection:
    """Scan the columns, note memorising models, audit the final model, and decide."""
    job = job or Job()
    s = project.study
    final = final_model(project)
    if project.table is None or s.metadata is None:
        raise StepError("import the data and review the metadata first")
    roles = {str(c): str(r) for c, r in s.metadata.roles.items()}
    table = project.table  # the working rows: training, tuning and unlabelled; never the test set
    job.progress(0.05, "Scanning the columns for identifiers")
    hits, quasi = identifiers.scan(table, roles)
    job.check()
    categories = identifiers.quasi_columns(table, roles) if quasi else {}
    for q in quasi:
        q.suggestion = identifiers.quasi_suggestion(q, categories)
    job.progress(0.3, "Looking for models that store training rows")
    memorising = _memorising(project, final)
    job.progress(0.4, "Membership-inference audit of the final model")
    audit = _audit(project, final, job.sub(0.4, 0.95))
    section = _section(project)  # only now: a cancelled check changes nothing
    section.identifiers = [IdentifierHit(**asdict(h)) for h in hits]
    section.quasi_identifiers = [QuasiIdentifier(**asdict(q)) for q in quasi]
    section.memorising = memorising
    section.audit = audit
    section.model = final.key
    section.model_files = dict(final.files)
    if section.override is not None and not _override_current(section.override, final):
        section.override = None  # it was given for another model; the log keeps it
    section.done_at = now_iso()
    _decide_and_record(project, section)
    project.mark_done(STEP)
    project.invalidate_after(STEP)
    project.audit(
        "privacy-checked",
        model=final.key,
        verdict=section.verdict,
        sensitive=section.sensitive,
        identifiers=[h.column for h in hits],
        identifiers_used_as_features=[h.column for h in hits if h.used_as_feature],
        memorising=memorising,
        attack_auc=audit.attack_auc,
        tpr_at_1pct_fpr=audit.tpr_at_1pct_fpr,
        risk=audit.risk,
    )
    job.progress(1.0, "Privacy check done")
    return section


def _memorising(project: Project, final: FinalModel) -> list[str]:
    """The candidates that keep training rows inside the model, the final model first."""
    s = project.study
    keys = []
    if s.compare is not None:
        keys = [c.key for c in s.compare.candidates if c.memorises_rows]
    if _final_memorises(project, final) and final.key not in keys:
        keys.append(final.key)
    return sorted(keys, key=lambda k: k != final.key)


def _final_memorises(project: Project, final: FinalModel) -> bool:
    if final.kind != "baseline":
        return False
    from dlwizard.ml.models import families

    fam = families(final.task).get(final.family)
    return bool(fam is not None and fam.memorises_rows)


def _audit(project: Project, final: FinalModel, job: Job) -> MembershipAudit:
    p = modelling.prepare(project)
    model = modelling.load_frozen(project)
    note = ""
    members = np.arange(len(p.x_train))
    if final.kind == "network":
        # A network is fitted on the training rows outside fold 0; fold 0 only decided when to
        # stop, so those rows are neither clearly members nor clearly not: left out.
        from dlwizard.steps.networks import final_rows

        members, _ = final_rows(p)
        note = (
            f" The network was fitted on {len(members)} training rows; the "
            f"{len(p.x_train) - len(members)} rows that only decided when to stop training were "
            "left out of the audit."
        )
    job.progress(0.1, "Scoring the training rows")
    out_members = model.output(p.x_train.iloc[members])
    job.progress(0.5, "Scoring the tuning rows")
    out_nonmembers = model.output(p.x_tune)
    job.progress(0.8, "Playing the attacker")
    result = membership.audit(
        p.task,
        p.y_train[members],
        out_members,
        p.y_tune,
        out_nonmembers,
        model=final.key,
        seed=0,
    )
    if note:
        result.interpretation += note
    return MembershipAudit(**asdict(result))


# -- the verdict ----------------------------------------------------------------------------------
def _name_only(hit: IdentifierHit) -> bool:
    return hit.reason.lower().startswith("from the column name only")


def _label(kind: str) -> str:
    return identifiers.KIND_LABELS.get(kind, kind.replace("_", " "))


class _Reasons:
    """The verdict being built: its level (an index into ``_LEVELS``) and its reasons, in order."""

    def __init__(self) -> None:
        self.level = 0
        self.texts: list[str] = []

    def add(self, level: int, text: str) -> None:
        """A reason that raises the verdict to at least ``level``."""
        self.level = max(self.level, level)
        self.texts.append(text)

    def note(self, text: str) -> None:
        """A reason that explains without changing the verdict."""
        self.texts.append(text)


def decide(
    section: PrivacySection, final_name: str, final_memorises: bool
) -> tuple[str, list[str]]:
    """The verdict and its reasons, in plain words, from what the section holds.

    - an identifier (by its values) used as a feature: do not share;
    - an identifier used as a feature by its column name only: shareable after changes (check);
    - data treated as sensitive (any "yes", or a question still open) and a final model that
      stores training rows: do not share;
    - treated as sensitive and a high membership risk: do not share; a moderate one: shareable
      after changes;
    - questions still open: at least shareable after changes (they count as "yes" until
      answered, and the rules about people apply);
    - every question about people answered "no": only columns that name or contact a person
      count as identifiers; dates, places, codes and k-anonymity are set aside, and a reason
      says so (naming the columns that would count for people);
    - "not identifiable" answered while columns look like names or record numbers: check the
      answers (shareable after changes);
    - otherwise shareable. For data declared not sensitive, memorising and membership risk are
      reported but do not block.
    """
    out = _Reasons()
    open_q = open_questions(section)
    treated_sensitive = section.sensitive or bool(open_q)
    people = person_rules_apply(section)
    counted = counted_identifiers(section)
    _identifier_reasons(out, counted)
    _answer_reasons(out, section, open_q)
    _contradiction_reasons(out, section, counted, people)
    if not people:
        out.note(_not_people_reason(section))
    if final_memorises:
        _memorising_reason(out, final_name, treated_sensitive)
    if section.audit is not None:
        _membership_reason(out, section.audit, treated_sensitive)
    if out.level == 0:
        clean = (
            ["no identifier is used as a feature"]
            if people
            else ["no column that names or contacts a person is used as a feature"]
        )
        if not final_memorises:
            clean.append("the final model does not store training rows")
        out.texts.insert(0, "Shareable: " + "; ".join(clean) + ".")
    return _LEVELS[out.level], out.texts


def _identifier_reasons(out: _Reasons, counted: list[IdentifierHit]) -> None:
    """Identifiers used as features: by their values (do not share) or by name only (check)."""
    strong = [h for h in counted if h.used_as_feature and not _name_only(h)]
    weak = [h for h in counted if h.used_as_feature and _name_only(h)]
    if strong:
        cols = ", ".join(f"'{h.column}' ({_label(h.kind)})" for h in strong)
        out.add(
            2,
            f"Identifier column(s) used as features: {cols}. The model is built on information "
            "that points at people, and a model that stores rows would store it too. Remove "
            "these columns from the features (role 'ignore', or coarsen them as suggested), then "
            "tune and freeze the model again.",
        )
    if weak:
        cols = ", ".join(f"'{h.column}' ({_label(h.kind)})" for h in weak)
        out.add(
            1,
            f"Feature(s) whose name suggests an identifier: {cols}. Check them; if they point "
            "at people, remove them from the features and build the model again.",
        )


def _answer_reasons(out: _Reasons, section: PrivacySection, open_q: list[str]) -> None:
    """Questions still open (treated as sensitive until answered), or the data sensitive."""
    if open_q:
        asked = ", ".join(SHORT[k] for k in open_q)
        out.add(
            1,
            f"Sensitivity questions not answered yet ({asked}): until they are, the data are "
            "treated as sensitive"
            + (" and as coming from people" if from_people(section) is None else "")
            + ".",
        )
    elif section.sensitive:
        yes = [SHORT[k] for k, v in section.answers.model_dump().items() if v is True]
        out.note(
            f"The data are sensitive ({', '.join(yes)}): the model may only leave the lab if it "
            "gives nothing away about the people in it."
        )


def _contradiction_reasons(
    out: _Reasons, section: PrivacySection, counted: list[IdentifierHit], people: bool
) -> None:
    """Columns that point at people while the answers say the data are not from people, or that
    no person can be identified: check the answers."""
    personal = [h for h in counted if h.kind in _PERSONAL and not _name_only(h)]
    if not people and personal:
        cols = ", ".join(f"'{h.column}' ({_label(h.kind)})" for h in personal)
        out.add(
            1,
            f"The answers say the data do not come from people, but {cols} point at people "
            "(whoever collected or owns the samples, perhaps): check the answers and the "
            "columns, and drop these columns before sharing.",
        )
    elif section.answers.identifiable is False and personal:
        cols = ", ".join(f"'{h.column}'" for h in personal)
        out.add(
            1,
            f"The answers say no person can be identified, but {cols} look like they identify "
            "people: check the answers and the columns.",
        )


def _not_people_reason(section: PrivacySection) -> str:
    """The rules about people set aside, naming what would count for data from people."""
    aside = set_aside_identifiers(section)
    small = [q for q in section.quasi_identifiers
             if q.smallest_group < identifiers.K_ANONYMITY]  # fmt: skip
    would = [f"'{h.column}' ({_label(h.kind)})" for h in aside]
    if small:
        would.append(f"{len(small)} small combination(s) of columns (k-anonymity)")
    return (
        NOT_PEOPLE
        + (f": {'; '.join(would)} would count only for data from people." if would else ".")
        + " If any row does come from a person, answer the questions again."
    )


def _memorising_reason(out: _Reasons, final_name: str, treated_sensitive: bool) -> None:
    """A final model that stores training rows: do not share it if the data are sensitive."""
    if treated_sensitive:
        out.add(
            2,
            f"The final model, {final_name}, keeps training rows inside itself (a nearest-"
            "neighbour model stores every row, an SVM its support vectors): sharing the "
            "model shares those people's data. Freeze a model that does not store rows "
            "(e.g. logistic regression or a random forest), or share only predictions.",
        )
    else:
        out.note(
            f"The final model, {final_name}, stores training rows inside itself; the data "
            "were declared not sensitive, so this is not a privacy concern."
        )


def _membership_reason(out: _Reasons, audit: MembershipAudit, treated_sensitive: bool) -> None:
    """The membership-inference risk; it counts only for sensitive data."""
    figures = (
        f"attack AUC {audit.attack_auc:.2f}; {100 * audit.tpr_at_1pct_fpr:.1f} % of the "
        "training people picked out at 1 % false accusations"
    )
    if not treated_sensitive:
        out.note(
            f"Membership risk {audit.risk} ({figures}); the data were declared not "
            "sensitive, so knowing who was in the training data reveals nothing private."
        )
    elif audit.risk == "high":
        out.add(
            2,
            f"High membership-inference risk ({figures}): someone holding a person's record "
            "could often tell that this person was in the training data. Use a more "
            "regularised or simpler model, more data, or share only predictions.",
        )
    elif audit.risk == "moderate":
        out.add(
            1,
            f"Moderate membership-inference risk ({figures}): the model behaves measurably "
            "differently on its training people. Prefer a more regularised or simpler "
            "model before sharing it.",
        )
    else:
        out.note(f"Membership risk low ({figures}).")


def _decide_and_record(project: Project, section: PrivacySection) -> None:
    final = final_model(project)
    verdict, reasons = decide(section, final.name, _final_memorises(project, final))
    section.verdict = verdict
    section.reasons = reasons
    c = project.study.compare
    names = {x.key: x.name for x in c.candidates} if c is not None else {}
    project.replace_findings(STEP, _findings(section, final, names))


def _findings(
    section: PrivacySection, final: FinalModel, names: dict[str, str] | None = None
) -> list[Finding]:
    """The step's findings, from what the section holds: identifiers, small groups, models that
    store rows, the membership risk, open questions, and the verdict last."""
    names = names or {}
    out = _identifier_findings(counted_identifiers(section))
    small = [q for q in counted_quasi(section) if q.smallest_group < identifiers.K_ANONYMITY]
    if small:
        out.append(_quasi_finding(small))
    if section.memorising:
        out.append(_memorising_finding(section, final, names))
    if section.audit is not None:
        out.append(_membership_finding(section.audit, final))
    open_q = open_questions(section)
    if open_q:
        out.append(
            Finding(
                code="sensitivity-not-answered",
                severity="warning",
                step=STEP,
                message="Not every sensitivity question is answered ("
                + ", ".join(SHORT[k] for k in open_q)
                + "); until they are, the data are treated as sensitive.",
                fix="answer the questions on the privacy page.",
                detail={"open": open_q},
            )
        )
    out.append(_verdict_finding(section, final))
    return out


def _identifier_findings(counted: list[IdentifierHit]) -> list[Finding]:
    """Identifier columns used as features, and those that are only in the table (by the
    answers, the rules about people may not apply: ``counted`` holds the hits that count)."""
    used = [h for h in counted if h.used_as_feature]
    other = [h for h in counted if not h.used_as_feature]
    out: list[Finding] = []
    if used:
        out.append(
            Finding(
                code="identifier-as-feature",
                severity="warning",
                step=STEP,
                message="Columns that look like identifiers are used as features: "
                + "; ".join(f"{h.column} ({_label(h.kind)})" for h in used)
                + ". The model must not be shared while it learns from them.",
                fix="set their role to 'ignore' on the metadata page (or coarsen them as "
                "suggested on the privacy page), then tune and freeze the model again.",
                columns=[h.column for h in used],
                detail={"kinds": {h.column: h.kind for h in used}},
            )
        )
    if other:
        out.append(
            Finding(
                code="identifier-columns",
                severity="warning",
                step=STEP,
                message="The table holds columns that look like identifiers: "
                + "; ".join(f"{h.column} ({_label(h.kind)})" for h in other)
                + ". They are not features, so the model does not contain them, but the data "
                "table does.",
                fix="never share the table as it is: drop or coarsen these columns first (see "
                "the suggestion beside each).",
                columns=[h.column for h in other],
                detail={"kinds": {h.column: h.kind for h in other}},
            )
        )
    return out


def _quasi_finding(small: list[QuasiIdentifier]) -> Finding:
    """Combinations of columns that single out groups smaller than k."""
    worst = small[0]
    return Finding(
        code="quasi-identifier-small-groups",
        severity="warning",
        step=STEP,
        message=f"{len(small)} combination(s) of columns such as age, sex, place or "
        f"dates single out small groups; the smallest is {worst.smallest_group} row(s) "
        f"({' × '.join(worst.columns)}). Anyone who knows these facts about a person "
        "could find their row.",
        fix=worst.suggestion or "coarsen these columns before sharing the data.",
        columns=sorted({c for q in small for c in q.columns}),
        detail={
            "combinations": [{"columns": q.columns, "k": q.smallest_group} for q in small[:20]]
        },
    )


def _memorising_finding(
    section: PrivacySection, final: FinalModel, names: dict[str, str]
) -> Finding:
    """Compared models, or the final one, that store training rows."""
    final_stores = final.key in section.memorising
    return Finding(
        code="memorising-model",
        severity="warning" if final_stores else "info",
        step=STEP,
        message=(
            f"The final model, {final.name}, stores training rows inside itself: "
            "sharing it shares the rows."
            if final_stores
            else "Some compared models store training rows inside themselves ("
            + ", ".join(names.get(k, k) for k in section.memorising)
            + "); the final model does not."
        ),
        fix="freeze a model that does not store rows before sharing it." if final_stores else "",
        detail={"models": list(section.memorising)},
    )


def _membership_finding(a: MembershipAudit, final: FinalModel) -> Finding:
    """The membership-inference audit's figures and risk."""
    return Finding(
        code="membership-risk",
        severity="warning" if a.risk != "low" else "info",
        step=STEP,
        message=f"Membership-inference audit of {final.name}: attack AUC "
        f"{a.attack_auc:.3f}, true-positive rate at 1 % false positives "
        f"{a.tpr_at_1pct_fpr:.3f} ({a.n_members} training rows against "
        f"{a.n_nonmembers} tuning rows): {a.risk} risk.",
        fix="a more regularised or simpler model, more data, or sharing only "
        "predictions lowers the risk."
        if a.risk != "low"
        else "",
        detail={
            "attack_auc": a.attack_auc,
            "tpr_at_1pct_fpr": a.tpr_at_1pct_fpr,
            "risk": a.risk,
            "n_members": a.n_members,
            "n_nonmembers": a.n_nonmembers,
        },
    )


def _verdict_finding(section: PrivacySection, final: FinalModel) -> Finding:
    """The verdict, and what it means for exporting the model."""
    verdict = section.verdict or "do_not_share"
    return Finding(
        code="privacy-verdict",
        severity="warning" if verdict != "shareable" else "info",
        step=STEP,
        message=f"Privacy verdict for {final.name}: {VERDICT_WORDS[verdict]}. "
        + ("" if person_rules_apply(section) else NOT_PEOPLE + ". ")
        + (
            "Exporting the model is allowed."
            if verdict == "shareable"
            else "Exporting the model is refused unless an override with a typed "
            "justification is recorded (it goes into the audit log and the report). "
            "Predictions and the report are not affected."
        ),
        fix="" if verdict == "shareable" else "see the reasons on the privacy page.",
        detail={"verdict": verdict, "reasons": list(section.reasons)},
    )


# -- staleness and the override -------------------------------------------------------------------
def is_current(project: Project) -> bool:
    """Whether the privacy check was run for the final model as it is frozen now."""
    s = project.study
    section = s.privacy
    final = s.compare.final if s.compare is not None else None
    return bool(
        section is not None
        and final is not None
        and section.verdict is not None
        and section.model == final.key
        and section.model_files == final.files
    )


def _override_current(o: ExportOverride, final: FinalModel) -> bool:
    return o.model == final.key and o.model_files == final.files


def current_override(project: Project) -> ExportOverride | None:
    """The recorded override, if it was given for the current final model."""
    s = project.study
    section = s.privacy
    final = s.compare.final if s.compare is not None else None
    if section is None or section.override is None or final is None:
        return None
    return section.override if _override_current(section.override, final) else None


def override(project: Project, justification: str) -> ExportOverride:
    """Record that the user exports the current final model against the verdict, and why.

    The justification must be typed out (at least :data:`MIN_JUSTIFICATION` characters); it goes
    into the Study, the audit log and the report. It holds for this final model only.
    """
    text = " ".join(str(justification or "").split())
    if len(text) < MIN_JUSTIFICATION:
        raise StepError(
            f"an override needs a justification of at least {MIN_JUSTIFICATION} characters",
            fix="write in a sentence why the model may be shared despite the verdict (for "
            "example who receives it and under which agreement); it is printed in the report.",
        )
    final = final_model(project)
    section = _section(project)
    current = is_current(project)
    if current and section.verdict == "shareable":
        raise StepError(
            "the privacy verdict is 'shareable', so the export needs no override",
            fix="export the model as it is.",
        )
    o = ExportOverride(
        justification=text,
        user=current_user(),
        model=final.key,
        model_files=dict(final.files),
        verdict=section.verdict if current else None,
    )
    section.override = o
    project.audit(
        "export-override",
        model=final.key,
        verdict=o.verdict,
        justification=text,
    )
    return o
