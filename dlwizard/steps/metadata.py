"""Step 3, metadata (Tips 4, 7): what each column is, how the study was run, and what that hides.

Roles are suggested from names, types and cardinality; the user (or a plan) changes them. The
checks say in plain words where the data is less independent than it looks (repeated subjects),
where the label travels with a batch, and where an ID gives the answer away.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dlwizard.errors import StepError
from dlwizard.jobs import Job
from dlwizard.ml import column_profile
from dlwizard.ml.association import association, best_threshold_balanced_accuracy
from dlwizard.study.model import (
    ROLES,
    Association,
    ColumnDetection,
    DerivedColumn,
    Finding,
    MetadataSection,
    Role,
    SequenceInfo,
)
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

STEP = "metadata"
METADATA_ROLES = ("sample_id", "subject", "batch", "time_point", "replicate")
ASSOCIATION_WARN = 0.3  # Cramér's V / eta above this: the batch tells a lot about the label


def suggest_roles(
    df: pd.DataFrame, target: str | None, sequences: list[SequenceInfo] | None = None
) -> tuple[dict[str, Role], dict[str, str]]:
    """A role for every column, with the reason in plain words (from the column profiler)."""
    roles, reasons, _ = profile_roles(df, target, sequences)
    return roles, reasons


def sequence_words(df: pd.DataFrame, sequences: list[SequenceInfo] | None) -> dict[str, str]:
    """Each column of sequences, with what it holds in words. ``sequences``: as recorded at
    import; None: judged from the values here."""
    from dlwizard.io import sequences as seqs

    if sequences is None:
        found = {str(c): seqs.sequence_column_alphabet(df[c]) for c in df.columns}
        alphabets = {c: a for c, a in found.items() if a is not None}
    else:
        alphabets = {s.column: s.alphabet for s in sequences if isinstance(s, SequenceInfo)}
    words = {
        c: f"{seqs.ALPHABETS[a].word} sequences: the data a model learns from, not an ID"
        for c, a in alphabets.items()
    }
    # A column of image files (recorded at import) is the data too, never an ID (issue 18).
    images = [s.column for s in sequences or [] if not isinstance(s, SequenceInfo)]
    words |= {c: "image files: the data a model learns from, not an ID" for c in images}
    return {c: w for c, w in words.items() if c in df.columns}


def profile_roles(
    df: pd.DataFrame, target: str | None, sequences: list[SequenceInfo] | None = None
) -> tuple[dict[str, Role], dict[str, str], dict[str, list[ColumnDetection]]]:
    """Roles, reasons and what the values showed (only columns where they showed something)."""
    profiles = column_profile.profile_table(df, target, sequences=sequence_words(df, sequences))
    roles: dict[str, Role] = {}
    reasons: dict[str, str] = {}
    detections: dict[str, list[ColumnDetection]] = {}
    for name, p in profiles.items():
        roles[name] = p.role  # type: ignore[assignment]
        reasons[name] = p.reason
        if p.detections:
            detections[name] = [
                ColumnDetection(code=d.code, evidence=d.evidence, role=d.role) for d in p.detections
            ]
    return roles, reasons, detections


def _recorded_sequences(project: Project) -> list[SequenceInfo] | None:
    """The sequence (and image) columns the import recorded (None: imported before them)."""
    d = project.study.data
    return [*d.sequences, *d.images] if d is not None and (d.sequences or d.images) else None


_SUFFIX = re.compile(r"^(.*?)[_.\- ]?\d+$")


def suggest_subject(df: pd.DataFrame, roles: dict[str, Role]) -> DerivedColumn | None:
    """An ID like 'phon_R01_S01_3' often names the person plus a recording number."""
    if any(r == "subject" for r in roles.values()):
        return None
    target = next((c for c, r in roles.items() if r == "target" and c in df.columns), None)
    for col, role in roles.items():
        if role != "sample_id" or col not in df.columns:
            continue
        s = df[col].dropna().astype(str)
        if len(s) < 6:
            continue
        m = s.str.extract(r"^(.*?)[_.\- ]\d+$", expand=False)
        if m.isna().mean() > 0.1:
            continue
        groups = m.dropna().nunique()
        if target is not None and _prefix_is_the_label(m.dropna(), df[target]):
            continue  # 'AML_3', 'ALL_7': the prefix names the class, not a subject
        if 2 <= groups <= 0.8 * len(s):
            return DerivedColumn(
                name=_free_name(df, "subject"),
                source=col,
                pattern=r"^(.*?)[_.\- ]\d+$",
                role="subject",
            )
    return None


def _prefix_is_the_label(prefix: pd.Series, label: pd.Series) -> bool:
    """True when the ID prefixes are no finer than the label and each holds one class, or when
    (nine in ten) prefixes spell their row's class ('spots/spots_07': a class folder's files)."""
    lab = label.loc[prefix.index]
    words = [set(re.split(r"[^0-9a-z]+", str(p).lower())) for p in prefix]
    if sum(str(v).lower() in w for v, w in zip(lab, words, strict=True)) >= 0.9 * len(lab):
        return True
    return prefix.nunique() <= lab.nunique() and bool((lab.groupby(prefix).nunique() <= 1).all())


def role_candidates(df: pd.DataFrame, roles: dict[str, Role]) -> dict[str, Role]:
    """Columns given another role (feature, ignore) that look like metadata, with the role they
    look like: a name that says batch/site/date/subject, dates, or repeated text codes.

    Statements such as "no column says which batch" name these instead of denying they exist.
    """
    import pandas as pd

    out: dict[str, Role] = {}
    n = len(df)
    for col, role in roles.items():
        if role not in ("feature", "ignore") or col not in df.columns:
            continue
        cand = column_profile.hint(str(col))
        if cand in ("subject", "batch", "time_point"):
            out[col] = cand
            continue
        s = df[col]
        if pd.api.types.is_datetime64_any_dtype(s.dtype) or _as_month(s) is not None:
            out[col] = "batch"
        elif (
            not pd.api.types.is_numeric_dtype(s.dtype)
            and not pd.api.types.is_bool_dtype(s.dtype)
            and 2 <= s.nunique() <= max(2, n // 3)
            and s.dropna().astype("str").str.fullmatch(r"[A-Za-z]*[-_ ]?\d+[A-Za-z0-9_-]*").mean()
            > 0.9
        ):
            # Repeated codes like 'A12', 'M-07': an animal, plate or run ID, not a measurement.
            out[col] = "subject"
    return out


def _candidates_text(candidates: dict[str, Role], limit: int = 4) -> str:
    names = {"batch": "batch/site/date", "subject": "subject", "time_point": "time point"}
    items = [f"'{c}' ({names.get(r, r)}?)" for c, r in list(candidates.items())[:limit]]
    more = len(candidates) - limit
    return ", ".join(items) + (f" and {more} more" if more > 0 else "")


def target_role_problem(project: Project) -> str | None:
    """Why the analysis cannot go on with the current target and roles, or None.

    The target must be chosen, present, and never an input: a label among the features would
    let every model read the answer.
    """
    q = project.study.question
    m = project.study.metadata
    if not q.target:
        return "no target is chosen: choose the column to predict on page 1, The question"
    if m is None:
        return None
    role = m.roles.get(q.target)
    if role is not None and role != "target":
        return (
            f"the target '{q.target}' has the role '{role}' on the metadata page, so the "
            "models would read the answer from their inputs"
        )
    others = [c for c, r in m.roles.items() if r == "target" and c != q.target]
    if others:
        return f"'{others[0]}' has the target role but the question's target is '{q.target}'"
    return None


def require_target_role(project: Project, what: str) -> None:
    """Refuse ``what`` (exploring, splitting, training) while the target is not set or is an
    input, or while the roles wait for their review after a new import."""
    problem = target_role_problem(project)
    if problem is None and not project.is_done(STEP):
        problem = "the columns' roles have not been reviewed for the data now imported"
    if problem:
        raise StepError(
            f"cannot {what}: {problem}",
            column=project.study.question.target,
            fix="choose the target on the question page; the metadata page then gives it the "
            "target role (press Review roles again if it does not).",
        )


def follow_target(project: Project) -> None:
    """The question's target (or task) changed: give the roles and checks the new target.

    A reviewed metadata step is re-run (the user's own role choices are kept, the old target
    gets the role suggested for it); otherwise only the roles are corrected, and the step still
    waits for its review.
    """
    m = project.study.metadata
    df = project.table_before_split()
    if m is None or df is None:
        return
    if project.is_done(STEP):
        apply(project)
        return
    target = project.study.question.target
    cols = [c for c in m.roles if c in df.columns]
    suggested, reasons = suggest_roles(df[cols], target, _recorded_sequences(project))
    roles = dict(m.roles)
    for col, role in m.roles.items():
        if col == target:
            roles[col] = "target"
        elif role == "target":
            roles[col] = suggested.get(col, "feature")
    m.roles = roles
    m.suggested_roles = {**m.suggested_roles, **suggested}
    m.role_reasons = {**m.role_reasons, **reasons}
    project.touch()


def _free_name(df: pd.DataFrame, base: str) -> str:
    name, k = base, 2
    while name in df.columns:
        name, k = f"{base}_{k}", k + 1
    return name


def derive(df: pd.DataFrame, d: DerivedColumn) -> pd.Series:
    if d.source not in df.columns:
        raise StepError(
            f"cannot derive '{d.name}': there is no column '{d.source}'",
            column=d.source,
            fix="choose an existing column to derive from.",
        )
    try:
        pattern = re.compile(d.pattern)
    except re.error as exc:
        raise StepError(
            f"the pattern for '{d.name}' is not a valid regular expression: {exc}",
            fix="use a pattern with one group in parentheses, e.g. ^(.*)_\\d+$",
        ) from exc
    if pattern.groups != 1:
        raise StepError(
            f"the pattern for '{d.name}' must have exactly one group in parentheses "
            f"(it has {pattern.groups})",
            fix="for example ^(.*)_\\d+$ keeps what comes before the last _number.",
        )
    src = df[d.source].astype("str")
    out = src.str.extract(d.pattern, expand=False)
    # Rows the pattern does not match keep their own value (their own group).
    return out.fillna(src).where(df[d.source].notna())


def apply(
    project: Project,
    roles: dict[str, str] | None = None,
    derived: list[DerivedColumn | dict[str, Any]] | None = None,
    design: str | None = None,
    replicate_kind: str | None = None,
    suggest_derived: bool = True,
    job: Job | None = None,
) -> MetadataSection:
    """Set roles (suggested ones fill the gaps), derive columns, run the checks."""
    job = job or Job()
    project.refuse_if_test_opened("changing the metadata roles")
    job.progress(0.05, "Suggesting roles")
    # Every row, the sealed test rows too: new roles throw the split away (invalidate_after).
    df = project.table_before_split()
    if df is None:
        raise StepError("import the data before reviewing its metadata")
    target = project.study.question.target
    old = project.study.metadata
    derived_cols = (
        [DerivedColumn.model_validate(d) for d in derived]
        if derived is not None
        else (list(old.derived) if old else [])
    )
    base_cols = [c for c in df.columns if c not in {d.name for d in (old.derived if old else [])}]
    table = df[base_cols].copy()
    recorded = _recorded_sequences(project)
    suggested, reasons, detections = profile_roles(table, target, recorded)
    # Suggest a derived subject only the first time: a removed derivation stays removed.
    if derived is None and old is None and suggest_derived:
        guess = suggest_subject(table, suggested)
        if guess is not None:
            derived_cols = [guess]
            reasons[guess.name] = f"derived from '{guess.source}' by dropping the trailing number"
    for d in derived_cols:
        table[d.name] = derive(table, d)
        suggested[d.name] = d.role
        reasons.setdefault(d.name, f"derived from '{d.source}'")
    final: dict[str, Role] = dict(suggested)
    # Earlier choices by the user survive a re-run, as long as the column still exists.
    if old:
        for col, role in old.roles.items():
            if col in final and old.suggested_roles.get(col) != role:
                final[col] = role
    for col, role in (roles or {}).items():
        if col not in final:
            raise StepError(
                f"there is no column '{col}' to give the role '{role}'",
                column=col,
                fix="check the column name (names are case-sensitive).",
            )
        if role not in ROLES:
            raise StepError(
                f"'{role}' is not a role; choose one of: {', '.join(ROLES)}", column=col
            )
        final[col] = role  # type: ignore[assignment]
    targets = [c for c, r in final.items() if r == "target"]
    if target and final.get(target) != "target":
        final[target] = "target"
        targets = [c for c, r in final.items() if r == "target"]
    for extra in [c for c in targets if c != target]:
        final[extra] = "ignore" if target else "target"
    seq_cols = set(sequence_words(table, recorded))
    candidates = {c: r for c, r in role_candidates(table, final).items() if c not in seq_cols}
    section = MetadataSection(
        role_candidates=candidates,
        roles=final,
        suggested_roles=suggested,
        role_reasons=reasons,
        derived=derived_cols,
        design=design or (old.design if old else "unknown"),
        replicate_kind=replicate_kind or (old.replicate_kind if old else "unknown"),
        n_rows=len(table),
        detections=detections,
    )
    job.progress(0.5, "Checking subjects, batches and IDs")
    findings = run_checks(table, section, project)
    job.check()  # the last moment to cancel: after this the project changes
    project.reunite()
    project.table = table
    project.study.metadata = section
    project.replace_findings(STEP, findings)
    project.mark_done(STEP)
    project.invalidate_after(STEP)
    changed = {c: r for c, r in final.items() if r != suggested.get(c)}
    project.audit(
        "metadata-reviewed",
        changed_roles=changed,
        derived=[d.name for d in derived_cols],
        design=section.design,
    )
    return section


def run_checks(df: pd.DataFrame, section: MetadataSection, project: Project) -> list[Finding]:
    """Every check of the step, in the order the page lists them; ``section`` gets the number of
    subjects and the batch-label associations."""
    import pandas as pd

    q = project.study.question
    target = q.target if q.target in df.columns else None
    by_role: dict[str, list[str]] = {}
    for col, role in section.roles.items():
        by_role.setdefault(role, []).append(col)
    labelled = df[target].notna() if target else pd.Series(True, index=df.index)
    findings = _subject_findings(df, section, by_role, labelled)
    findings += _batch_label_findings(df, section, by_role, labelled, target, q.task)
    findings += _missing_metadata_findings(df, section, by_role)
    findings += _profile_findings(df, section)
    # An ID that gives the label away, or a feature that is the label in disguise.
    if target and q.task in ("binary", "multiclass"):
        findings += _id_encodes_label(df.loc[labelled], by_role, target)
        findings += _feature_reveals_label(df.loc[labelled], by_role, target)
    findings += _design_findings(section, by_role)
    return findings


def _subject_findings(
    df: pd.DataFrame, section: MetadataSection, by_role: dict[str, list[str]], labelled
) -> list[Finding]:
    """Repeated subjects: rows are not independent people (or IDs that suggest so)."""
    subjects = by_role.get("subject", [])
    if not subjects:
        derived_guess = suggest_subject(df, section.roles)
        if derived_guess is None:
            return []
        return [
            Finding(
                code="possible-repeated-subjects",
                severity="warning",
                step=STEP,
                message=(
                    f"The IDs in '{derived_guess.source}' look like a subject name plus a "
                    "number, so several rows may come from the same subject."
                ),
                fix="derive a subject column from it (Derive subject…) if rows share a "
                "person, animal or donor.",
                columns=[derived_guess.source],
            )
        ]
    col = subjects[0]
    n_subj = int(df.loc[labelled, col].nunique())
    section.n_subjects = n_subj
    n_lab = int(labelled.sum())
    if n_subj >= n_lab:
        return []
    sizes = df.loc[labelled, col].value_counts()
    return [
        Finding(
            code="repeated-subjects",
            severity="warning",
            step=STEP,
            message=(
                f"{n_lab} rows come from only {n_subj} distinct subjects in '{col}' "
                f"(up to {int(sizes.max())} rows each). Rows from one subject are alike, "
                f"so the effective sample size is closer to {n_subj} than to {n_lab}."
            ),
            fix="keep the subject role: the split will then keep each subject's rows "
            "together, so the test set holds only new subjects.",
            columns=[col],
            detail={"rows": n_lab, "subjects": n_subj, "effective_n": n_subj},
        )
    ]


def _batch_label_findings(
    df: pd.DataFrame,
    section: MetadataSection,
    by_role: dict[str, list[str]],
    labelled,
    target: str | None,
    task: str | None,
) -> list[Finding]:
    """Batch and time-point columns and the label: every association is recorded in
    ``section`` (strongest first), and a strong one is a finding."""
    findings: list[Finding] = []
    associations: list[Association] = []
    numeric_label = task == "regression"
    if target:
        for col in by_role.get("batch", []) + by_role.get("time_point", []):
            s = df.loc[labelled, col]
            if s.nunique() < 2:
                continue
            score = _batch_association(s, df.loc[labelled, target], numeric_label)
            associations.append(
                Association(
                    column=col,
                    measure=score.measure,
                    score=round(score.score, 4),
                    p_value=score.p_value,
                    n=score.n,
                )
            )
            if score.score >= ASSOCIATION_WARN and (score.p_value is None or score.p_value < 0.05):
                findings.append(_association_finding(col, section.roles[col], target, score))
    section.associations = sorted(associations, key=lambda a: -a.score)
    return findings


def _batch_association(s: pd.Series, label: pd.Series, numeric_label: bool):
    """Cramér's V (or η for a numeric label) of a batch column with the label; for dates, by
    month too when that is stronger (runs are often spread over days of the same month)."""
    score = association(s, label, numeric_label)
    month = _as_month(s)
    if month is not None and month.nunique() >= 2:
        by_month = association(month, label, numeric_label)
        if by_month.score > score.score:
            score = by_month
            score.measure += "_by_month"
    return score


def _association_finding(col: str, role: str, target: str, score) -> Finding:
    word = "Cramér's V" if score.measure.startswith("cramers_v") else "correlation ratio η"
    if score.measure.endswith("_by_month"):
        word += " by month"
    return Finding(
        code="batch-label-association",
        severity="warning",
        step=STEP,
        message=(
            f"The label '{target}' is associated with the {role} column "
            f"'{col}' ({word} = {score.score:.2f}"
            + (f", p = {score.p_value:.2g}" if score.p_value is not None else "")
            + "). A model could learn the batch instead of the biology."
        ),
        fix="check how samples were assigned to batches; later steps can hold out "
        "whole batches to test whether the model generalises beyond them.",
        columns=[col],
        detail={
            "score": score.score,
            "measure": score.measure,
            "p_value": score.p_value,
        },
    )


def _missing_metadata_findings(
    df: pd.DataFrame, section: MetadataSection, by_role: dict[str, list[str]]
) -> list[Finding]:
    """No batch or subject column at all, or metadata columns with empty cells."""
    findings: list[Finding] = []
    if not by_role.get("batch") and not by_role.get("subject"):
        candidates = section.role_candidates
        if candidates:
            findings.append(
                Finding(
                    code="metadata-missing",
                    severity="warning",
                    step=STEP,
                    message="No column has the batch or subject role, so batch effects and "
                    "repeated subjects cannot be checked. These columns look like such "
                    f"information: {_candidates_text(candidates)}.",
                    fix="if a column says where, when or from whom a sample came, give it the "
                    "batch or subject role (or ignore it if it is a real measurement).",
                    columns=list(candidates)[:20],
                )
            )
        else:
            findings.append(
                Finding(
                    code="metadata-missing",
                    severity="warning",
                    step=STEP,
                    message="No column has the batch or subject role, and none looks like one: "
                    "which batch, site, plate, run date or subject each sample belongs to is "
                    "not known, so batch effects and repeated subjects cannot be checked.",
                    fix="if such information exists, join it from a sample sheet on the data "
                    "page and give it the batch or subject role here.",
                )
            )
    n = len(df)
    for role in METADATA_ROLES:
        for col in by_role.get(role, []):
            n_miss = int(df[col].isna().sum())
            if n_miss:
                findings.append(
                    Finding(
                        code="metadata-values-missing",
                        severity="warning",
                        step=STEP,
                        message=f"The {role.replace('_', ' ')} column '{col}' is empty in "
                        f"{n_miss} of {n} rows.",
                        fix="fill in the missing values, or those rows cannot be grouped "
                        "correctly.",
                        columns=[col],
                    )
                )
    return findings


def _design_findings(section: MetadataSection, by_role: dict[str, list[str]]) -> list[Finding]:
    """The study design not stated, and no feature to learn from."""
    findings: list[Finding] = []
    if section.design == "unknown":
        findings.append(
            Finding(
                code="design-not-stated",
                severity="info",
                step=STEP,
                message="The study design is not stated (randomised trial, observational, or "
                "passively collected).",
                fix="state it: it decides how far the results can be read as cause and effect.",
            )
        )
    if not by_role.get("feature"):
        findings.append(
            Finding(
                code="no-features",
                severity="error",
                step=STEP,
                message="No column has the feature role, so there is nothing to learn from.",
                fix="give the measurement columns the feature role.",
            )
        )
    return findings


def _as_month(s: pd.Series) -> pd.Series | None:
    """Year-month of a date column (datetime, or text like 2005-06-23), else None."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return s.dt.strftime("%Y-%m")
    if pd.api.types.is_string_dtype(s.dtype):
        text = s.dropna().astype(str)
        if len(text) and text.str.match(r"^\d{4}-\d{2}-\d{2}").all():
            return s.astype("str").str[:7].where(s.notna())
    return None


def _feature_reveals_label(df: pd.DataFrame, by_role: dict[str, list[str]], target: str):
    """Features from which the label follows exactly: a copy, a recoding or a finer grading.

    E.g. a 0-4 severity score next to a 'disease = severity > 0' label. Only columns with few
    distinct values are checked (cheap even for wide tables).
    """
    label = df[target].astype(str)
    hits = []
    features = [c for c in by_role.get("feature", []) if c in df.columns]
    if not features:
        return []
    # A column whose values are (nearly) all different trivially "maps each value to one class":
    # only columns whose values repeat (at most one distinct value per five rows) can reveal it.
    n_distinct = df[features].nunique()
    n_present = df[features].notna().sum()
    few = n_distinct[(n_distinct >= 2) & (n_distinct <= 50) & (n_distinct <= n_present // 5)]
    for col in few.index:
        s = df[col]
        present = s.notna()
        if present.mean() < 0.5:
            continue
        # Every value of the column maps to one class only: the column determines the label.
        classes_per_value = label[present].groupby(s[present].astype(str)).nunique()
        if (classes_per_value == 1).all() and label[present].nunique() > 1:
            hits.append(str(col))
    if not hits:
        return []
    return [
        Finding(
            code="feature-reveals-label",
            severity="warning",
            step=STEP,
            message=(
                f"The label '{target}' follows exactly from the feature(s) "
                + ", ".join(f"'{c}'" for c in hits[:5])
                + ": every value of it belongs to one class only. It is probably the label "
                "in another form (a recoding or a finer grading), and a model would simply "
                "read the answer from it."
            ),
            fix="give such columns the role 'ignore' (or make them the target instead).",
            columns=hits,
        )
    ]


def _id_encodes_label(df: pd.DataFrame, by_role: dict[str, list[str]], target: str):
    import pandas as pd

    label = df[target].astype(str)
    classes = [c for c in label.unique() if c]
    findings = []
    for col in by_role.get("sample_id", []) + by_role.get("subject", []):
        s = df[col]
        if pd.api.types.is_numeric_dtype(s.dtype) or s.astype(str).str.fullmatch(r"\d+").all():
            score = best_threshold_balanced_accuracy(pd.to_numeric(s, errors="coerce"), label)
            how = "the ID number alone separates the classes"
        else:
            text = s.astype(str).str.lower()
            hits = sum(
                float(text[label == c].str.contains(re.escape(c.lower()), regex=True).mean())
                for c in classes
                if len(c) >= 2
            ) / max(len(classes), 1)
            tokens = text.str.replace(r"\d+", "#", regex=True)
            token_score = 0.0
            if 2 <= tokens.nunique() <= 0.5 * len(tokens):
                token_score = association(tokens, label, False).score
            score = max(hits, token_score)
            how = "the ID text contains the label or a code that tracks it"
        if score >= 0.85:
            findings.append(
                Finding(
                    code="id-encodes-label",
                    severity="warning",
                    step=STEP,
                    message=(
                        f"The {col} values predict the label '{target}' ({how}; score "
                        f"{score:.2f}). If the ID were used as a feature, or the rows are "
                        "ordered by class, a model could cheat."
                    ),
                    fix="keep this column out of the features (role sample ID or ignore), and "
                    "check that samples were not numbered by group.",
                    columns=[col],
                    detail={"score": round(score, 3)},
                )
            )
    return findings


# What the profiler saw that argues against a column's role, as findings that name the column.
_NOT_A_FEATURE = {
    "row-index": "a row number",
    "running-number": "a running sample number",
    "repeated-id": "an ID of subjects",
    "unique-id": "an ID",
    "person-identifier": "information that identifies a person",
    "free-text": "free text",
    "many-values": "text with too many different values",
    "date": "a date",
    "split-column": "an earlier train/test split",
    "copy": "a copy of another column",
    "copy-of-target": "the target in another form",
    "demographic": "a demographic characteristic",
    "genotype": "a genotype",
}


def _profile_findings(df: pd.DataFrame, section: MetadataSection) -> list[Finding]:
    roles = section.roles
    findings: list[Finding] = []
    misused: list[tuple[str, ColumnDetection]] = []
    for col, seen in section.detections.items():
        role = roles.get(col)
        for d in seen:
            if role == "feature" and d.role not in (None, "feature") and d.code in _NOT_A_FEATURE:
                misused.append((col, d))
                break
        codes = {d.code for d in seen}
        if "split-column" in codes:
            findings.append(
                Finding(
                    code="split-column-found",
                    severity="info",
                    step=STEP,
                    message=f"'{col}' holds an earlier assignment of rows to training and test "
                    f"sets ({next(d.evidence for d in seen if d.code == 'split-column')}).",
                    fix="if the rows marked test are a real independent set you must keep, hold "
                    f"them out on the split page by '{col}'; otherwise leave the column ignored "
                    "and let the split be made here.",
                    columns=[col],
                )
            )
        if "copy-of-target" in codes and role != "feature":
            findings.append(
                Finding(
                    code="label-in-another-column",
                    severity="warning",
                    step=STEP,
                    message=f"'{col}' holds the label in another form (one value for each "
                    "class), so it was set aside: as an input it would give the answer away.",
                    fix="keep it ignored, and check how it was made; if it is the column you "
                    "meant to predict, choose it as the target on the question page.",
                    columns=[col],
                )
            )
    for col, d in misused[:20]:
        findings.append(
            Finding(
                code="feature-looks-like-metadata",
                severity="warning",
                step=STEP,
                message=f"'{col}' is used as a feature, but its values show "
                f"{_NOT_A_FEATURE[d.code]}: {d.evidence}.",
                fix=f"give '{col}' the role '{d.role}' (suggested), unless you are sure it is a "
                "measurement of the samples.",
                columns=[col],
                detail={"detection": d.code, "suggested_role": d.role},
            )
        )
    for col in [c for c, r in roles.items() if r == "sample_id" and c in df.columns]:
        s = df[col].dropna()
        counts = s.value_counts()
        if len(s) and int(counts.iloc[0]) > 1:
            n_rep = int((counts > 1).sum())
            findings.append(
                Finding(
                    code="sample-id-repeats",
                    severity="warning",
                    step=STEP,
                    message=f"The sample ID '{col}' is not unique: {n_rep} value(s) occur in "
                    f"more than one row (up to {int(counts.iloc[0])} times, e.g. "
                    f"'{counts.index[0]}'). Rows sharing an ID are the same sample or subject, "
                    "so they are not independent.",
                    fix=f"if the rows are several samples of one subject, give '{col}' the "
                    "subject role so they stay together when splitting; if they are the same "
                    "sample twice, remove the duplicates.",
                    columns=[col],
                    detail={"repeated_values": n_rep, "max_rows": int(counts.iloc[0])},
                )
            )
    set_aside = {
        c: section.role_reasons.get(c, "")
        for c, seen in section.detections.items()
        if roles.get(c) == "ignore" and any(d.role == "ignore" for d in seen)
    }
    if set_aside:
        shown = "; ".join(f"'{c}' ({why})" for c, why in list(set_aside.items())[:6])
        more = len(set_aside) - 6
        findings.append(
            Finding(
                code="columns-set-aside",
                severity="info",
                step=STEP,
                message=f"{len(set_aside)} column(s) are kept out of the model because of what "
                f"their values show: {shown}" + (f"; and {more} more." if more > 0 else "."),
                fix="check each one on this page; give a column the feature role again only if "
                "it is a real measurement of the samples.",
                columns=list(set_aside)[:50],
            )
        )
    return findings
