"""Step 5, split (Tips 1, 7): train / tune / test without leakage, and the test set sealed.

Rows of one subject (and exact or near duplicates) always land in the same set; a whole site
can be held out as the test set. The test rows' ids and their hash are recorded, and the rows
themselves leave the working table: no later step can read them until the test step opens them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.errors import StepError
from dlwizard.jobs import Job
from dlwizard.ml import duplicates, splitting
from dlwizard.ml.features import numeric_features
from dlwizard.steps import split_images
from dlwizard.study.model import Finding, SequenceGroups, SplitOptions, SplitSection
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

STEP = "split"
MIN_GROUPS_PER_FOLD = 2


def subject_column(project: Project) -> str | None:
    return project.column_with("subject", in_table=False)


def test_hash(ids: list[int], names: list[str]) -> str:
    text = "\n".join(f"{i}\t{n}" for i, n in sorted(zip(ids, names)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def value_key(value: object) -> str:
    """A value as text for matching, with numbers written one way: 7, 7.0 and '7' are the same."""
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def value_keys(values: pd.Series) -> pd.Series:
    """:func:`value_key` of every value of a column (missing stays missing)."""
    keys = {v: value_key(v) for v in values.dropna().unique()}
    return values.map(keys).astype("str").where(values.notna())


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return int(i)

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


def _groups(df: pd.DataFrame, subject: str | None, dup_groups: list[list[int]]) -> np.ndarray:
    """Group ids that keep each subject and each set of duplicates together."""
    n = len(df)
    uf = _UnionFind(n)
    if subject is not None:
        codes = df[subject].astype("str").fillna("(missing)").factorize()[0]
        first: dict[int, int] = {}
        for i, c in enumerate(codes):
            if c in first:
                uf.union(first[c], i)
            else:
                first[c] = i
    for g in dup_groups:
        for j in g[1:]:
            uf.union(g[0], j)
    return np.array([uf.find(i) for i in range(n)])


def run(project: Project, options: SplitOptions | None = None, job: Job | None = None) -> None:
    """Validate the options, group the rows, draw the split, check it, then seal the test set.

    The project changes only at the very end: a refused or cancelled split leaves the old one
    (and its sealed test set) as it was.
    """
    job = job or Job()
    options = options or SplitOptions()
    _refuse_bad_request(project, options)
    job.progress(0.05, "Preparing")
    # Re-splitting starts from every row again (allowed while the test set was never opened).
    df = project.table_before_split()
    roles = project.study.metadata.roles
    target = project.study.question.target
    labelled = df[target].notna()
    work = df[labelled]
    excluded = [int(i) for i in df.index[~labelled]]
    subject = subject_column(project)
    group_col = subject if options.group_by_subject else None
    findings = _grouping_findings(work, roles, subject, options)
    test_mask, left_out = None, []
    if options.hold_out_column:
        work, test_mask, left_out, held = _hold_out(work, options, group_col)
        findings += held

    job.progress(0.15, "Finding duplicates to keep together")
    dup = _duplicates(work, roles)
    together = dup.exact + dup.near
    homology = _homology(project, work, options, job.sub(0.15, 0.3))
    if homology is not None:
        together = together + homology.clusters
    near = split_images.near_images(project, work, options, job.sub(0.15, 0.3))
    if near is not None:
        together = together + near.groups
    groups = _groups(work, group_col, together)
    task = project.study.question.task or "binary"
    job.progress(0.3, "Assigning rows")
    a = _assign(work[target].to_numpy(), task, groups, options, test_mask)
    job.progress(0.6, "Checking for leakage")
    sets = _row_sets(work, a.sets)
    findings += _leakage_checks(work, a.sets, subject, options, dup)
    if homology is not None:
        findings += _homology_checks(work, a.sets, homology, job.sub(0.6, 0.75))
        if task != "regression":
            findings += _mixed_clusters(work, target, homology)
    if near is not None:
        findings += split_images.near_image_checks(work, a.sets, near)
        if task != "regression":
            findings += split_images.mixed_near_images(work, target, near)
    if task != "regression":
        findings += _class_coverage(work[target], a.sets, options)
    findings += _fold_findings(work[target], task, groups, a, options)
    composition, batch_composition = _compositions(work, target, task, roles, a.sets)
    train_pos = np.flatnonzero(a.sets == "train")
    section = SplitSection(
        options=options,
        group_column=group_col,
        train=sets["train"],
        tune=sets["tune"],
        test=sets["test"],
        excluded=excluded,
        left_out=left_out,
        folds=[int(f) for f in a.folds[train_pos]],
        n_folds=a.n_folds,
        test_sha256=test_hash(sets["test"], _test_names(project, work, sets["test"])),
        composition=composition,
        batch_composition=batch_composition,
        sequence_groups=homology.record if homology is not None else None,
        image_groups=near.record if near is not None else None,
    )
    findings.append(_summary(section, len(work), options))
    job.check()  # the last moment to cancel: after this the project changes
    _record(project, section, findings)
    job.progress(1.0, "Split done; test set sealed")


def _refuse_bad_request(project: Project, options: SplitOptions) -> None:
    """Refuse a split the project is not ready for, or options that leave too little to train."""
    s = project.study
    if project.table is None or s.metadata is None:
        raise StepError("import the data and review the metadata before splitting")
    project.refuse_if_test_opened("splitting again")
    from dlwizard.steps.metadata import require_target_role

    require_target_role(project, "split the data")
    if project.errors("question"):
        raise StepError(
            "cannot split the data: " + project.errors("question")[0].message,
            fix="correct the question on page 1 first.",
        )
    if options.tune_fraction + options.test_fraction >= 0.9:
        raise StepError(
            "the tuning and test sets together take too much: at least 10% must stay for training",
            fix="lower the tune or test fraction (defaults: 20% each).",
        )


def _grouping_findings(
    work: pd.DataFrame, roles: dict, subject: str | None, options: SplitOptions
) -> list[Finding]:
    """Grouping by subject turned off (only with a reason), or subjects that look ungrouped."""
    findings: list[Finding] = []
    if subject is not None and not options.group_by_subject:
        if not options.ungrouped_reason.strip():
            raise StepError(
                f"the rows are grouped by subject ('{subject}'); splitting them apart lets the "
                "same subject appear in training and test, which inflates every score",
                fix="keep grouping on, or write down why it is right to split subjects apart "
                "(the reason is printed in the report).",
            )
        findings.append(
            Finding(
                code="grouping-disabled",
                severity="warning",
                step=STEP,
                message=f"Rows were split without keeping subjects ('{subject}') together. Reason "
                f"given: {options.ungrouped_reason.strip()}",
                fix="the report states this choice; test scores may be optimistic.",
                columns=[subject],
            )
        )
    if subject is None:
        from dlwizard.steps.metadata import suggest_subject

        guess = suggest_subject(work, roles)
        if guess is not None:
            findings.append(
                Finding(
                    code="subjects-not-grouped",
                    severity="warning",
                    step=STEP,
                    message=f"No column has the subject role, but the IDs in '{guess.source}' look "
                    "like a subject plus a number: rows of one subject may end up in both training "
                    "and test, which makes every score too optimistic.",
                    fix="on the metadata page, derive a subject column (Derive subject from an "
                    "ID…) and split again.",
                    columns=[guess.source],
                )
            )
    return findings


def _hold_out(
    work: pd.DataFrame, options: SplitOptions, group_col: str | None
) -> tuple[pd.DataFrame, np.ndarray, list[int], list[Finding]]:
    """The rows of the held-out value(s), as a mask over the (possibly fewer) working rows.

    Returns the working rows, the test mask, the rows left out and the findings.
    """
    col = options.hold_out_column
    if col not in work.columns:
        raise StepError(f"there is no column '{col}' to hold out", column=col)
    values = value_keys(work[col])
    wanted = [value_key(v) for v in options.hold_out_values]
    missing = [v for v in wanted if v not in set(values.dropna())]
    if not wanted or missing:
        raise StepError(
            f"choose which value(s) of '{col}' to hold out"
            + (f" ('{missing[0]}' does not occur)" if missing else ""),
            column=col,
            fix=f"pick from: {', '.join(sorted(set(values.dropna()))[:10])}.",
        )
    test_mask = values.isin(wanted).to_numpy()
    if test_mask.all():
        raise StepError(f"holding out {', '.join(wanted)} leaves no rows for training")
    if group_col is None:
        return work, test_mask, [], []
    return _leave_out_held_subjects(work, test_mask, group_col, col, wanted)


def _leave_out_held_subjects(
    work: pd.DataFrame, test_mask: np.ndarray, group_col: str, col: str, wanted: list[str]
) -> tuple[pd.DataFrame, np.ndarray, list[int], list[Finding]]:
    """A subject measured at the held-out site and elsewhere: their other rows would put a test
    subject into training. Leave those rows out, so the test holds only new subjects (grouping
    alone cannot help: the site, not the subject, picks the test)."""
    subj = work[group_col].astype("str")
    overlap = ~test_mask & subj.isin(set(subj[test_mask])).to_numpy()
    if not overlap.any():
        return work, test_mask, [], []
    left_out = [int(i) for i in work.index[overlap]]
    n_subj = int(subj[overlap].nunique())
    example = str(subj[overlap].iloc[0])
    work = work[~overlap]
    test_mask = test_mask[~overlap]
    if test_mask.all():
        raise StepError(
            f"every subject in '{group_col}' also occurs in the held-out "
            f"{col} {', '.join(wanted)}, so no new subjects are left for training",
            column=col,
            fix="hold out another value, or split at random by subject.",
        )
    finding = Finding(
        code="holdout-subjects-left-out",
        severity="warning",
        step=STEP,
        message=f"{n_subj} subject(s) in '{group_col}' (for example "
        f"'{example}') have rows in the held-out {col} and elsewhere. Their "
        f"{len(left_out)} row(s) outside it were left out of training and "
        "tuning, so the test set holds only subjects the model never saw.",
        fix="nothing to do if that is right; hold out another value to keep "
        "more rows for training.",
        columns=[group_col, col],
        detail={"rows": len(left_out), "subjects": n_subj},
    )
    return work, test_mask, left_out, [finding]


def _duplicates(work: pd.DataFrame, roles: dict):
    """Exact and near duplicates among the working rows, to keep together."""
    feats = numeric_features(work, roles)
    # Text features (a DNA sequence, a category) count too, as on the explore page.
    extra = [
        c
        for c, r in roles.items()
        if r == "feature" and c in work.columns and c not in feats.columns
    ]
    return duplicates.find_duplicates(feats.values, work[extra] if extra else None)


def sequence_identity_default(project: Project) -> float | None:
    """The identity threshold a homology-aware split uses by default for this project's
    sequences (None: the features hold no sequences)."""
    from dlwizard.ml.sequence_similarity import default_identity
    from dlwizard.steps.modelling import sequence_feature

    found = sequence_feature(project)
    return default_identity(found[1]) if found else None


@dataclass
class _Homology:
    """Sequences clustered by estimated identity: each cluster stays in one set (Tip 7)."""

    column: str
    alphabet: str
    record: SequenceGroups
    clusters: list[list[int]]  # positions among the working rows, clusters of two or more


def _homology(project: Project, work: pd.DataFrame, options: SplitOptions, job: Job):
    """Cluster the feature sequences (None: the features hold no sequences)."""
    from dlwizard.ml import sequence_similarity
    from dlwizard.steps.modelling import sequence_feature

    found = sequence_feature(project)
    if found is None:
        return None
    column, alphabet = found
    identity = options.sequence_identity or sequence_similarity.default_identity(alphabet)
    job.progress(0.0, f"Clustering the sequences at {identity:.0%} identity")
    result = sequence_similarity.clusters(work[column].tolist(), alphabet, identity, job)
    order = np.argsort(result.labels, kind="stable")
    bounds = np.flatnonzero(np.diff(result.labels[order])) + 1
    clusters = [g.tolist() for g in np.split(order, bounds) if len(g) > 1]
    record = SequenceGroups(
        column=column,
        identity=identity,
        k=result.k,
        n_clusters=result.n_clusters,
        largest=result.largest,
    )
    return _Homology(column, alphabet, record, clusters)


def _mixed_clusters(work: pd.DataFrame, target: str, h: _Homology) -> list[Finding]:
    """Clusters of near-identical sequences whose members carry different labels: a sequence
    and its near-copy cannot honestly be two classes, unless the label depends on something
    beyond the sequence."""
    from dlwizard.steps.question import class_labels

    labels = class_labels(work[target]).to_numpy()
    names = work.index.to_numpy()
    mixed = [c for c in h.clusters if len({str(labels[i]) for i in c}) > 1]
    if not mixed:
        return []
    first = mixed[0]
    shown = ", ".join(f"row {int(names[i])} '{labels[i]}'" for i in first[:4])
    return [
        Finding(
            code="similar-sequences-different-labels",
            severity="warning",
            step=STEP,
            message=f"{len(mixed)} cluster(s) of sequences at least {h.record.identity:.0%} "
            f"identical hold more than one class ({sum(len(c) for c in mixed)} rows; for "
            f"example {shown}). Near-identical sequences with different labels cap how well "
            "any model of the sequence can do, and point to a labelling error or a label that "
            "depends on something the sequence does not hold.",
            fix="check the labels of these sequences; if they are right, the label depends on "
            "more than the sequence, and the report should say so.",
            columns=[h.column, target],
            detail={"clusters": [[int(names[i]) for i in c] for c in mixed[:50]]},
        )
    ]


def _homology_checks(work: pd.DataFrame, sets: np.ndarray, h: _Homology, job: Job):
    """The highest identity between a test (or tuning) sequence and any training one, recorded;
    a warning where it reaches the threshold (clusters kept apart by a held-out site, or a
    grouping that had to break them)."""
    from dlwizard.ml import sequence_similarity

    seqs = work[h.column].to_numpy(dtype=object)
    findings: list[Finding] = []
    names = work.index.to_numpy()
    for which, field_name, against in (
        ("test", "max_test_identity", ("train", "tune")),
        ("tune", "max_tune_identity", ("train",)),
    ):
        query = np.flatnonzero(sets == which)
        ref = np.flatnonzero(np.isin(sets, against))
        if not len(query) or not len(ref):
            continue
        best, index = sequence_similarity.max_identity(
            seqs[query].tolist(), seqs[ref].tolist(), h.alphabet, h.record.k, job
        )
        top = int(np.argmax(best))
        setattr(h.record, field_name, round(float(best[top]), 4))
        close = best >= h.record.identity
        if close.any():
            other = int(names[ref[index[top]]]) if index[top] >= 0 else None
            findings.append(
                Finding(
                    code="similar-sequences-across-sets",
                    severity="warning",
                    step=STEP,
                    message=f"{int(close.sum())} {which} sequence(s) are at least "
                    f"{h.record.identity:.0%} identical to a sequence the model learns from "
                    f"(the closest: row {int(names[query[top]])} and row {other}, about "
                    f"{best[top]:.1%}). Scores on them say how well the model remembers, not how "
                    "well it generalises to new sequences.",
                    fix="keep the clusters together (do not hold out a value that splits them), "
                    "or lower the identity threshold of the split and split again.",
                    columns=[h.column],
                    detail={"rows": [int(names[i]) for i in query[close]][:50]},
                )
            )
    r = h.record
    findings.append(
        Finding(
            code="sequence-clusters",
            severity="info",
            step=STEP,
            message=f"The {h.alphabet.upper() if h.alphabet != 'protein' else 'protein'} "
            f"sequences form {r.n_clusters:,} cluster(s) at {r.identity:.0%} estimated "
            f"identity (the largest has {r.largest:,}); each cluster stays in one set. The "
            "most similar test sequence is "
            + (f"{r.max_test_identity:.1%}" if r.max_test_identity is not None else "—")
            + " identical to its closest training or tuning sequence.",
            columns=[h.column],
        )
    )
    return findings


def _assign(y: np.ndarray, task: str, groups: np.ndarray, options: SplitOptions, test_mask):
    """Draw the split (stratified, grouped, reproducible from the seed)."""
    try:
        return splitting.assign(
            y,
            task,
            groups,
            options.tune_fraction,
            options.test_fraction,
            options.seed,
            test_mask,
            options.n_folds,
        )
    except ValueError as exc:
        raise StepError(
            f"the rows cannot be split: {exc}",
            fix="there are too few subjects or samples; lower the fractions or collect more.",
        ) from exc


def _row_sets(work: pd.DataFrame, assigned: np.ndarray) -> dict[str, list[int]]:
    """The row ids of each set; refused when a set came out empty."""
    ids = np.array([int(i) for i in work.index])
    sets = {name: ids[assigned == name].tolist() for name in splitting.SETS}
    for name in splitting.SETS:
        if not sets[name]:
            raise StepError(
                f"the {name} set came out empty",
                fix="there are too few subjects or samples for three sets; lower the fractions.",
            )
    return sets


def _fold_findings(
    labels: pd.Series, task: str, groups: np.ndarray, a, options: SplitOptions
) -> list[Finding]:
    """Too few independent groups in training for the cross-validation folds (overall, and per
    class for a classification)."""
    findings: list[Finding] = []
    n_groups_train = len(np.unique(groups[a.sets == "train"]))
    if n_groups_train < options.n_folds * MIN_GROUPS_PER_FOLD or a.n_folds < options.n_folds:
        findings.append(
            Finding(
                code="too-few-groups",
                severity="warning",
                step=STEP,
                message=f"The training set holds only {n_groups_train} independent group(s) for "
                f"{options.n_folds} cross-validation folds ({a.n_folds} could be made); fold "
                "scores "
                "will be noisy.",
                fix="use fewer folds, or a larger training fraction.",
                detail={"groups": n_groups_train, "folds": a.n_folds},
            )
        )
    if task == "regression":
        return findings
    train_labels = labels.astype(str)[a.sets == "train"]
    train_groups = groups[a.sets == "train"]
    for cls in sorted(set(train_labels)):
        n_g = len(np.unique(train_groups[(train_labels == cls).to_numpy()]))
        if n_g < a.n_folds:
            findings.append(
                Finding(
                    code="too-few-groups",
                    severity="warning",
                    step=STEP,
                    message=f"Class '{cls}' has only {n_g} independent group(s) in training, "
                    f"fewer than the {a.n_folds} folds: some folds will lack it.",
                    fix="use fewer folds.",
                    detail={"class": cls, "groups": n_g},
                )
            )
    return findings


def _counts_by_set(values: pd.Series, assigned: np.ndarray) -> dict[str, dict[str, int]]:
    """How often each value occurs in each set."""
    return {
        name: {
            str(k): int(v)
            for k, v in values.astype(str)[assigned == name].value_counts().sort_index().items()
        }
        for name in splitting.SETS
    }


def _compositions(
    work: pd.DataFrame, target: str, task: str, roles: dict, assigned: np.ndarray
) -> tuple[dict, dict]:
    """Each set's classes (its size for a regression), and each batch column's values."""
    composition = (
        _counts_by_set(work[target], assigned)
        if task != "regression"
        else {name: {"n": int((assigned == name).sum())} for name in splitting.SETS}
    )
    batch_cols = [c for c, r in roles.items() if r == "batch" and c in work.columns]
    return composition, {col: _counts_by_set(work[col], assigned) for col in batch_cols}


def _test_names(project: Project, work: pd.DataFrame, test: list[int]) -> list[str]:
    """The test rows' sample IDs (their row ids without a sample ID column), for the hash."""
    sid = project.column_with("sample_id", in_table=False)
    return [str(v) for v in work.loc[test, sid]] if sid else [str(i) for i in test]


def _summary(section: SplitSection, n: int, options: SplitOptions) -> Finding:
    """The split in one sentence: the set sizes, the grouping, the held-out value, the hash."""
    train, tune, test = len(section.train), len(section.tune), len(section.test)
    group_col = section.group_column
    return Finding(
        code="split-summary",
        severity="info",
        step=STEP,
        message=(
            f"{train} training, {tune} tuning and {test} test rows "
            f"({train / n:.0%} / {tune / n:.0%} / {test / n:.0%})"
            + (f", kept together by '{group_col}'" if group_col else "")
            + (
                f"; test = {options.hold_out_column} {', '.join(options.hold_out_values)}"
                if options.hold_out_column
                else ""
            )
            + f". The test set is sealed (SHA-256 {section.test_sha256[:12]}…)."
        ),
    )


def _record(project: Project, section: SplitSection, findings: list[Finding]) -> None:
    """Store the split, seal the test rows, and forget what the old split decided."""
    options = section.options
    project.study.split = section
    project.seal(section.test)
    project.replace_findings(STEP, findings)
    project.mark_done(STEP)
    project.invalidate_after(STEP)
    project.audit(
        "split-made",
        seed=options.seed,
        train=len(section.train),
        tune=len(section.tune),
        test=len(section.test),
        test_sha256=section.test_sha256,
        grouped_by=section.group_column,
        hold_out=options.hold_out_column,
    )


def _class_coverage(labels: pd.Series, sets: np.ndarray, options: SplitOptions) -> list[Finding]:
    """A class absent from a set: never learned (training), never tuned for, or never tested."""
    from dlwizard.steps.question import class_labels

    lab = class_labels(labels).to_numpy()
    present = {name: set(lab[sets == name]) for name in splitting.SETS}
    classes = sorted(set(lab))
    held = (
        f"the held-out {options.hold_out_column} {', '.join(options.hold_out_values)}"
        if options.hold_out_column
        else "the test set"
    )
    findings: list[Finding] = []
    no_train = [c for c in classes if c not in present["train"]]
    if no_train:
        findings.append(
            Finding(
                code="class-missing-from-training",
                # Holding out another site is in the user's hands; a class too small for a
                # random split is not, so it is a warning there (the question step flags it).
                severity="error" if options.hold_out_column else "warning",
                step=STEP,
                message="No training row has the class "
                + ", ".join(f"'{c}'" for c in no_train)
                + " ("
                + "; ".join(_where_rows_are(c, lab, sets, held) for c in no_train[:3])
                + "): a model can never learn to predict it, and its test score would be "
                "meaningless.",
                fix=(
                    f"hold out another {options.hold_out_column} (one where every class also "
                    "occurs elsewhere), or split at random by subject instead."
                    if options.hold_out_column
                    else "the class has too few rows or subjects: merge it into a related class "
                    "or drop its rows, then split again."
                ),
                detail={"classes": no_train},
            )
        )
    for name, what in (("tune", "tuning"), ("test", "test")):
        gone = [c for c in classes if c not in present[name] and c not in no_train]
        if gone:
            findings.append(
                Finding(
                    code="class-missing-from-set",
                    severity="warning",
                    step=STEP,
                    message=f"The {what} set has no row of the class "
                    + ", ".join(f"'{c}'" for c in gone)
                    + (
                        ": how well it is recognised cannot be measured there."
                        if name == "test"
                        else ": models cannot be compared on it before the test."
                    ),
                    fix=f"use a larger {what} fraction"
                    + (
                        f", or hold out another {options.hold_out_column}"
                        if options.hold_out_column
                        else ""
                    )
                    + ".",
                    detail={"set": name, "classes": gone},
                )
            )
    return findings


def _where_rows_are(cls: str, lab: np.ndarray, sets: np.ndarray, held: str) -> str:
    """'its 31 rows are in the held-out site east' / '... 2 in the tuning set, 1 in the test'."""
    names = {"tune": "the tuning set", "test": held}
    counts = [(int(((lab == cls) & (sets == n)).sum()), names[n]) for n in ("tune", "test")]
    parts = [f"{k} in {where}" for k, where in counts if k]
    total = sum(k for k, _ in counts)
    if len(parts) == 1:
        return (
            f"its {total} row{'s' if total != 1 else ''} {'are' if total != 1 else 'is'} "
            + (parts[0].split(" ", 1)[1])
        )
    return f"'{cls}': " + ", ".join(parts)


def _leakage_checks(work, sets: np.ndarray, subject, options: SplitOptions, dup) -> list[Finding]:
    findings: list[Finding] = []
    if subject is not None:
        s = work[subject].astype("str")
        per = s.groupby(sets).agg(lambda v: set(v))
        shared = set()
        names = list(per.index)
        for i, a in enumerate(names):
            for b in names[i + 1 :]:
                shared |= per[a] & per[b]
        if shared:
            findings.append(
                Finding(
                    code="subjects-across-sets",
                    severity="warning" if not options.group_by_subject else "error",
                    step=STEP,
                    message=f"{len(shared)} subject(s) have rows in more than one set (for example "
                    f"'{sorted(shared)[0]}'): the model will be tested on people it has seen.",
                    fix="keep grouping by subject on.",
                    columns=[subject],
                    detail={"subjects": sorted(shared)[:50]},
                )
            )
    if options.hold_out_column:
        col = value_keys(work[options.hold_out_column])
        test_vals = set(col[sets == "test"])
        other_vals = set(col[sets != "test"])
        if test_vals & other_vals:
            findings.append(
                Finding(
                    code="holdout-group-leak",
                    severity="error",
                    step=STEP,
                    message=f"Held-out {options.hold_out_column} values also occur in training.",
                    columns=[options.hold_out_column],
                )
            )
    spanning = [g for g in dup.exact + dup.near if len({sets[i] for i in g}) > 1]
    if spanning:
        findings.append(
            Finding(
                code="duplicates-across-sets",
                severity="warning",
                step=STEP,
                message=f"{len(spanning)} group(s) of duplicate or near-duplicate samples span two "
                "sets (only possible when a held-out site shares samples with the others).",
                fix="remove the duplicates from the data, or check the sites' sample lists.",
                detail={"groups": [[int(work.index[i]) for i in g] for g in spanning[:20]]},
            )
        )
    return findings


def working_rows(project: Project, which: str) -> pd.DataFrame:
    """Rows of the training or tuning set. The test set is not available here, by design."""
    s = project.study.split
    if which == "test":
        raise StepError(
            "the test set is sealed until the final test step opens it, once",
            fix="tune and compare models on the training and tuning sets.",
        )
    if s is None or project.table is None:
        raise StepError("split the data first")
    ids = {"train": s.train, "tune": s.tune}.get(which)
    if ids is None:
        raise StepError(f"unknown set '{which}' (use 'train' or 'tune')")
    return project.table.loc[ids]
