"""Step 4, explore (Tip 1): look at the data before modelling it.

Class balance, missing values, duplicates (and identical samples with different labels),
outliers, an embedding of the samples, a batch-effect score for every metadata column, whether
the label can be predicted from metadata or from the pattern of missing values alone, and every
feature scored alone against the label (Tips 4 and 7: a feature that gives the label away, a
category that records where or when samples were collected, a follow-up time). Every finding
becomes a warning with a stable code. What a column of sequences among the features adds (their
lengths and composition, and a map of their k-mers) is in :mod:`dlwizard.steps.explore_sequences`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.errors import StepError
from dlwizard.jobs import Job
from dlwizard.ml import (
    batch_effects,
    duplicates,
    embedding,
    metadata_only,
    shortcut_screen,
)
from dlwizard.ml.features import impute_scale, numeric_features
from dlwizard.steps import explore_images
from dlwizard.steps import explore_sequences as sequences
from dlwizard.steps.explore_sequences import Sequences
from dlwizard.study.model import (
    BatchEffect,
    ExploreOptions,
    ExploreSection,
    FeatureScreen,
    Finding,
    ShortcutCheck,
)
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

STEP = "explore"
MAP = "explore_map"  # the map's coordinates per row, kept so a reopened project draws at once
META_ROLES = ("batch", "time_point", "replicate", "sensitive", "subject")
OUTLIER_Z = 4.0  # robust z of a sample's log distance to its neighbours: beyond, it stands out


def describe_rows(project: Project, ids: list[int], limit: int = 4) -> str:
    """Rows named as the user knows them: by sample ID when there is one."""
    df = project.table
    sid = project.column_with("sample_id", in_table=False)
    shown = ids[:limit]
    if sid and df is not None and sid in df.columns:
        names = [str(df.at[i, sid]) for i in shown if i in df.index]
        text = "samples " + ", ".join(names)
    else:
        text = "rows " + ", ".join(str(i + 2) for i in shown)
    return text + ("…" if len(ids) > limit else "")


def _row_ids(df: pd.DataFrame, positions) -> list[int]:
    return [int(df.index[i]) for i in positions]


def _sequence_columns(project: Project) -> set[str]:
    """Columns of sequences or of image files: neither numbers nor categories."""
    data = project.study.data
    return {i.column for i in (*data.sequences, *data.images)} if data is not None else set()


def _labelled(project: Project) -> tuple[pd.DataFrame, str | None]:
    df = project.table
    target = project.study.question.target
    if target and target in df.columns:
        return df[df[target].notna()], target
    return df, None


def compute(
    project: Project, options: ExploreOptions | None = None, job: Job | None = None
) -> tuple[ExploreSection, list[Finding], embedding.Embedding | None]:
    """Everything the explore page shows; nothing in the project changes here."""
    job = job or Job()
    options = options or ExploreOptions()
    if project.table is None or project.study.metadata is None:
        raise StepError("import the data and review the metadata first")
    from dlwizard.steps.metadata import require_target_role

    require_target_role(project, "explore the data")
    df_all = project.table
    roles = project.study.metadata.roles
    section = ExploreSection(options=options, n_rows=len(df_all))

    job.progress(0.02, "Missing values")
    feats_all = numeric_features(df_all, roles)
    feature_cols = [c for c, r in roles.items() if r == "feature" and c in df_all.columns]
    findings = _missing_findings(df_all, feature_cols, section)
    job.progress(0.1, "Class balance")
    findings += _imbalance_findings(project.study.question)
    job.progress(0.12, "Duplicates")
    seq = sequences.sequences_of(project)
    findings += _duplicate_findings(project, feats_all, feature_cols, section, seq)

    df, target = _labelled(project)
    feats = numeric_features(df, roles)
    section.n_features_used = len(feats.columns) + (seq is not None)
    if seq is not None:
        job.progress(0.18, "Lengths and composition of the sequences")
        section.sequence_column = seq.column
        section.sequence_stats = sequences.sequence_stats(project, seq, df, target)
    img, found = explore_images.explore(project, df, target, section, job.sub(0.12, 0.25))
    findings += found
    emb = None
    x = map_matrix(project, df, seq) if img is None else explore_images.map_matrix(img, df)
    if x is not None:
        emb, found = _map_findings(project, df, target, x, options, section, job, seq)
        findings += found
    if target:
        findings += _label_findings(project, df, target, feats, options, section, job, seq, img)
    job.progress(1.0, "Exploration done")
    return section, findings, emb


def map_matrix(project: Project, df: pd.DataFrame, seq: Sequences | None) -> np.ndarray | None:
    """What the map is drawn from, imputed and scaled: the k-mer frequencies of the sequences
    when the features hold a column of them, otherwise the numeric features; None when there is
    too little to draw (fewer than two columns or four rows)."""
    if seq is not None:
        x = sequences.kmer_profiles(seq, df)
    else:
        x = numeric_features(df, project.study.metadata.roles).values
    if x.shape[1] < 2 or len(df) < 4:
        return None
    return impute_scale(x)


def _missing_findings(
    df_all: pd.DataFrame, feature_cols: list[str], section: ExploreSection
) -> list[Finding]:
    """Missing feature values, overall and per column, and samples that miss most of them."""
    miss = df_all[feature_cols].isna() if feature_cols else None
    if miss is None or not miss.size:
        return []
    findings: list[Finding] = []
    share = float(miss.to_numpy().mean())
    section.missing_share = share
    per_col = miss.mean().sort_values(ascending=False)
    section.column_missing = {
        str(c): round(float(v), 4) for c, v in per_col.head(20).items() if v > 0
    }
    per_row = miss.mean(axis=1)
    section.rows_mostly_missing = [int(i) for i in per_row.index[per_row > 0.5]]
    if share > 0:
        worst = ", ".join(f"{c} ({v:.0%})" for c, v in list(section.column_missing.items())[:3])
        findings.append(
            Finding(
                code="missing-values",
                severity="warning" if share > 0.05 else "info",
                step=STEP,
                message=f"{share:.1%} of the feature values are missing; most in {worst}.",
                fix="missing values will be filled in from the training rows only; check "
                "whether 'missing' itself means something (a test not done, a value of 0).",
                columns=list(section.column_missing)[:20],
            )
        )
    if section.rows_mostly_missing:
        findings.append(
            Finding(
                code="samples-mostly-missing",
                severity="warning",
                step=STEP,
                message=f"{len(section.rows_mostly_missing)} sample(s) miss more than half of "
                "their feature values.",
                fix="check these samples; a failed measurement is better left out than guessed.",
                detail={"rows": section.rows_mostly_missing[:100]},
            )
        )
    return findings


def _imbalance_findings(q) -> list[Finding]:
    """A class that is less than a fifth of the labelled rows."""
    if q.task not in ("binary", "multiclass") or not q.class_counts:
        return []
    total = sum(q.class_counts.values())
    smallest = min(q.class_counts, key=q.class_counts.get)
    share = q.class_counts[smallest] / total
    if share >= 0.2:
        return []
    return [
        Finding(
            code="class-imbalance",
            severity="warning",
            step=STEP,
            message=f"The class '{smallest}' is {share:.0%} of the labelled rows "
            f"({q.class_counts[smallest]} of {total}). Accuracy would look good for a "
            "model "
            "that never predicts it.",
            fix="judge models by balanced accuracy, precision–recall (AUPRC) and the "
            "confusion matrix, which later steps report.",
            detail={"share": share, "class": smallest},
        )
    ]


def _duplicate_findings(
    project: Project,
    feats_all,
    feature_cols: list[str],
    section: ExploreSection,
    seq: Sequences | None = None,
) -> list[Finding]:
    """Exact and near duplicates among all rows, and identical rows with different labels."""
    df_all = project.table
    numeric = set(feats_all.columns)
    extra_cols = [c for c in feature_cols if c not in numeric]
    dup = duplicates.find_duplicates(feats_all.values, df_all[extra_cols] if extra_cols else None)
    section.exact_duplicates = [_row_ids(df_all, g) for g in dup.exact][:500]
    section.near_duplicates = [_row_ids(df_all, g) for g in dup.near][:500]
    sid = project.column_with("sample_id")
    findings: list[Finding] = []
    # A table of sequences and nothing else: identical rows are identical sequences.
    only_sequences = seq is not None and feature_cols == [seq.column]
    same = (
        f"identical sequences in '{seq.column}'" if only_sequences else "identical feature values"
    )
    for kind, groups, text in (
        ("exact-duplicates", section.exact_duplicates, same),
        (
            "near-duplicates",
            section.near_duplicates,
            "feature values that differ only by rounding (3 significant digits)",
        ),
    ):
        if groups:
            findings.append(
                _duplicate_finding(project, kind, groups, text, dup.exact, sid, only_sequences)
            )
    return findings + _conflicting_labels(project, dup.exact)


def _duplicate_finding(
    project: Project,
    kind: str,
    groups: list[list[int]],
    text: str,
    exact: list[list[int]],
    sid: str | None,
    sequences: bool = False,
) -> Finding:
    """One kind of duplicates (exact or near), with a note when exact copies have other IDs."""
    n_rows = sum(len(g) for g in groups)
    message = (
        f"{len(groups)} group(s) of samples ({n_rows} rows) have {text}, for "
        f"example {describe_rows(project, groups[0])}."
    )
    if kind == "exact-duplicates" and sid:
        renamed = duplicates.differing_ids(exact, project.table[sid])
        if renamed and sequences:
            message += (
                f" In {len(renamed)} of these groups the IDs differ: the same sequence "
                "entered under several names, or the same stretch of related genes."
            )
        elif renamed:
            message += (
                f" In {len(renamed)} of these groups the sample IDs differ: they may be "
                "the same sample recorded twice under different IDs (possible repeated "
                "samples)."
            )
    return Finding(
        code=kind,
        severity="warning",
        step=STEP,
        message=message,
        fix="if they are the same sample measured or exported twice, keep one; the "
        "split "
        "will keep duplicates in the same set so they cannot leak into the test.",
        detail={"groups": groups[:50]},
    )


def _map_findings(
    project: Project,
    df: pd.DataFrame,
    target: str | None,
    x: np.ndarray,
    options: ExploreOptions,
    section: ExploreSection,
    job: Job,
    seq: Sequences | None = None,
) -> tuple[embedding.Embedding, list[Finding]]:
    """The embedding of the labelled samples (``x``: see :func:`map_matrix`), the outliers on
    it and the batch effects."""
    job.progress(0.25, "Embedding the sequences" if seq else "Embedding the samples")
    emb = embedding.embed(x, options.embedding, options.seed, job.sub(0.25, 0.6))
    section.explained_variance = [round(v, 4) for v in emb.explained]
    job.progress(0.6, "Outliers")
    section.outliers = _row_ids(df, outlier_positions(emb.components))[:200]
    findings: list[Finding] = []
    if section.outliers and seq is not None:
        rows = describe_rows(project, section.outliers, 5)
        findings.append(sequences.outlier_finding(seq, section.outliers, rows))
    elif section.outliers:
        findings.append(
            Finding(
                code="outlier-samples",
                severity="warning",
                step=STEP,
                message=f"{len(section.outliers)} sample(s) lie far from the rest on the main "
                f"axes of variation ({describe_rows(project, section.outliers, 5)}).",
                fix="look them up: a failed array, a mislabelled sample or a different tissue "
                "is "
                "better found now than explained later.",
                detail={"rows": section.outliers},
            )
        )

    job.progress(0.65, "Batch effects")
    roles = project.study.metadata.roles
    findings += _batch_findings(df, emb, roles, target, options.seed, section)
    return emb, findings


def _batch_findings(
    df: pd.DataFrame, emb, roles: dict, target: str | None, seed: int, section: ExploreSection
) -> list[Finding]:
    """How much of the main variation each metadata column (and the label) explains; a
    metadata column with more than a weak effect is a finding."""
    meta = {c: r for c, r in roles.items() if r in META_ROLES and c in df.columns}
    if target:
        meta_with_label = {**meta, target: "target"}
    else:
        meta_with_label = meta
    scores = batch_effects.score_columns(df, emb.components, meta_with_label, seed)
    effects = [
        BatchEffect(
            column=s.column,
            role=s.role,
            n_groups=s.n_groups,
            pc_variance_share=round(s.pc_variance_share, 4),
            silhouette=None if s.silhouette is None else round(s.silhouette, 4),
            verdict=s.verdict,
        )
        for s in scores
    ]
    section.label_effect = next((e for e in effects if e.role == "target"), None)
    section.batch_effects = [e for e in effects if e.role != "target"]
    label_share = section.label_effect.pc_variance_share if section.label_effect else 0.0
    findings: list[Finding] = []
    for e in section.batch_effects:
        if e.role == "subject":
            continue  # samples of one subject are expected to look alike
        if e.verdict != "weak":
            stronger = e.pc_variance_share > label_share and target is not None
            findings.append(
                Finding(
                    code="batch-stronger-than-label" if stronger else "batch-effect",
                    severity="warning",
                    step=STEP,
                    message=(
                        f"'{e.column}' explains {e.pc_variance_share:.0%} of the main "
                        "variation "
                        f"in the data ({e.verdict} batch effect)"
                        + (f", more than the label does ({label_share:.0%})." if stronger else ".")
                    ),
                    fix="colour the embedding by this column; consider holding out whole "
                    f"{e.column} groups when splitting, and check whether the label is "
                    "balanced "
                    "across them.",
                    columns=[e.column],
                    detail={"score": e.pc_variance_share, "label_score": label_share},
                )
            )
    return findings


def _label_findings(
    project: Project,
    df: pd.DataFrame,
    target: str,
    feats,
    options: ExploreOptions,
    section: ExploreSection,
    job: Job,
    seq: Sequences | None = None,
    img: explore_images.ImageMeasures | None = None,
) -> list[Finding]:
    """Shortcuts to the label: a single feature that gives it away, metadata or the pattern of
    missing values that predict it, the length or the composition of the sequences, and the
    intensity or the size of the images."""
    roles = project.study.metadata.roles
    job.progress(0.68, "Is any single feature the label in another form?")
    screen = _feature_screen(project, df, target, roles, feats, options.seed, job)
    section.feature_screen = [FeatureScreen(**asdict(r)) for r in screen.results]
    findings = _screen_findings(screen, target)
    job.progress(0.75, "Can metadata alone predict the label?")
    section.shortcuts = _shortcuts(project, df, target, roles, options.seed, job, seq, img)
    return findings + [
        sequences.shortcut_finding(sc, section, target, _metric(sc.metric))
        if sc.source in sequences.SHORTCUT_SOURCES
        else explore_images.shortcut_finding(sc, section, target, _metric(sc.metric))
        if sc.source in explore_images.SHORTCUT_SOURCES
        else _shortcut_finding(sc)
        for sc in section.shortcuts
        if sc.above_chance
    ]


def _shortcut_finding(sc: ShortcutCheck) -> Finding:
    what = (
        "the metadata columns " + ", ".join(f"'{c}'" for c in sc.columns)
        if sc.source == "metadata"
        else "the pattern of missing values"
    )
    return Finding(
        code="metadata-predicts-label" if sc.source == "metadata" else "missingness-predicts-label",
        severity="warning",
        step=STEP,
        message=(
            f"The label can be predicted from {what} alone ({_metric(sc.metric)} "
            f"{sc.score:.2f}; chance is {sc.chance:.2f}). A model could learn this "
            "shortcut instead of the biology."
        ),
        fix="keep these columns out of the features, compare every model with this "
        "metadata-only score, and test on held-out batches or sites.",
        columns=sc.columns,
        detail={"score": sc.score, "chance": sc.chance, "metric": sc.metric},
    )


def outlier_positions(components: np.ndarray, k: int = 5) -> np.ndarray:
    """Samples far from their nearest neighbours on the main components.

    Distances to neighbours, not to the centre, so that separate clusters (batches, cell types)
    are not mistaken for outliers.
    """
    from sklearn.neighbors import NearestNeighbors

    pcs = components[:, : min(5, components.shape[1])]
    if len(pcs) <= k + 1:
        return np.array([], dtype=int)
    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(pcs).kneighbors(pcs)
    # Neighbour distances are skewed; on a log scale a robust z-score behaves.
    score = np.log(dist[:, -1] + 1e-12)
    med = np.median(score)
    mad = np.median(np.abs(score - med)) * 1.4826 or 1.0
    return np.flatnonzero((score - med) / mad > OUTLIER_Z)


def _metric(name: str) -> str:
    return {"auroc": "AUROC", "balanced_accuracy": "balanced accuracy", "r2": "R²"}[name]


def _shortcuts(
    project, df, target, roles, seed: int, job: Job, seq: Sequences | None = None, img=None
) -> list[ShortcutCheck]:
    q = project.study.question
    task = q.task or "binary"
    subject = project.column_with("subject")
    groups = df[subject].astype(str).to_numpy() if subject else None
    y = df[target]
    out = []
    meta_cols = [c for c, r in roles.items() if r in ("batch", "time_point") and c in df.columns]
    if meta_cols:
        x = metadata_only.encode_columns(df, meta_cols)
        sc = metadata_only.shortcut_score(
            x, y, task, groups, "metadata", meta_cols, q.positive_class, seed
        )
        if sc is not None:
            out.append(sc)
    job.progress(0.88, "Does missingness predict the label?")
    feature_cols = [c for c, r in roles.items() if r == "feature" and c in df.columns]
    miss = df[feature_cols].isna()
    miss = miss.loc[:, miss.any()]
    if miss.shape[1]:
        sc = metadata_only.shortcut_score(
            miss.to_numpy(float),
            y,
            task,
            groups,
            "missingness",
            [str(c) for c in miss.columns[:20]],
            q.positive_class,
            seed,
        )
        if sc is not None:
            out.append(sc)
    if seq is not None:
        job.progress(0.92, "Do the sequences' length or composition predict the label?")
        out += sequences.shortcut_scores(seq, df, y, task, groups, q.positive_class, seed)
    if img is not None:
        job.progress(0.92, "Do the images' intensity or size predict the label?")
        out += explore_images.shortcut_scores(img, df, y, task, groups, q.positive_class, seed)
    return [
        ShortcutCheck(
            source=s.source,
            columns=s.columns,
            metric=s.metric,
            score=round(s.score, 4),
            chance=round(s.chance, 4),
            folds=s.folds,
            above_chance=s.above_chance,
        )
        for s in out
    ]


def _conflicting_labels(project: Project, groups: list[list[int]]) -> list[Finding]:
    """Identical feature rows with different labels (classification only: a numeric label
    naturally varies a little between replicates)."""
    df = project.table
    q = project.study.question
    target = q.target
    if not groups or q.task == "regression" or not target or target not in df.columns:
        return []
    conflicts = duplicates.conflicting_labels(groups, df[target])
    if not conflicts:
        return []
    rows = [_row_ids(df, g) for g in conflicts]
    labels = [sorted({str(v) for v in df[target].iloc[g].dropna()}) for g in conflicts]
    shown = ", ".join(f"'{v}'" for v in labels[0])
    return [
        Finding(
            code="conflicting-labels",
            severity="warning",
            step=STEP,
            message=f"{len(conflicts)} group(s) of samples have identical feature values but "
            f"different labels, for example {describe_rows(project, rows[0])} ({shown}). The "
            "same measurement cannot be two classes.",
            fix="check the labels of these samples: either a label is wrong, or the features "
            "miss what tells these samples apart (and then no model can).",
            detail={"groups": rows[:50], "labels": labels[:50]},
        )
    ]


def _feature_screen(project, df, target, roles, feats, seed: int, job: Job):
    """Every feature alone against the label (``feats``: the numeric features of ``df``)."""
    q = project.study.question
    subject = project.column_with("subject")
    groups = df[subject].astype(str).to_numpy() if subject else None
    # Sequences are neither numbers nor categories: thousands of distinct "levels" say nothing
    # one by one; their length and composition are checked as shortcuts of their own.
    skip = set(feats.columns) | _sequence_columns(project)
    cat_cols = [c for c, r in roles.items() if r == "feature" and c in df.columns and c not in skip]
    # A feature the metadata step already called the label in another form is not reported again.
    known = {
        c
        for f in project.findings("metadata")
        if f.code == "feature-reveals-label"
        for c in f.columns
    }
    return shortcut_screen.screen(
        feats.values,
        feats.columns,
        df[cat_cols] if cat_cols else None,
        df[target],
        q.task or "binary",
        groups,
        q.positive_class,
        seed,
        job.sub(0.68, 0.75),
        known,
    )


def _screen_findings(screen: shortcut_screen.Screen, target: str) -> list[Finding]:
    """At most one finding per code, naming up to five columns (all flagged ones in columns)."""
    findings = []
    for code in ("single-feature-shortcut", "possible-confounder", "follow-up-time"):
        hits = screen.flagged(code)
        if not hits:
            continue
        names = [r.column for r in hits]
        detail: dict = {
            "scores": {r.column: r.score for r in hits[:50]},
            "metric": hits[0].metric,
            "evidence": {r.column: r.evidence for r in hits[:50]},
        }
        more = f" (and {len(hits) - 5} more)" if len(hits) > 5 else ""
        if code == "single-feature-shortcut":
            message, fix = _shortcut_words(hits, target, more)
        elif code == "possible-confounder":
            message, fix = _confounder_words(hits, target, more)
            first = hits[0]
            measure = first.metric
            detail.update(
                {
                    measure: first.detail.get(measure, first.score),
                    "p_value": first.detail.get("p_value"),
                    "suggested_role": "batch",
                }
            )
        else:
            message, fix = _follow_up_words(hits, more)
        findings.append(
            Finding(
                code=code,
                severity="warning",
                step=STEP,
                message=message,
                fix=fix,
                columns=names[:50],
                detail=detail,
            )
        )
    return findings


def _listed(hits: list, more: str) -> str:
    """The first three hits with their evidence, the next two by name, then how many more."""
    return (
        "; ".join(f"'{r.column}': {r.evidence}" for r in hits[:3])
        + "".join(f"; '{r.column}'" for r in hits[3:5])
        + f"{more}."
    )


def _shortcut_words(hits: list, target: str, more: str) -> tuple[str, str]:
    """Message and fix for features that each give the label away."""
    first = hits[0]
    if len(hits) == 1:
        lead = f"The feature '{first.column}' alone gives the label '{target}' away: "
        lead += f"{first.evidence}."
    else:
        lead = f"{len(hits)} features each give the label '{target}' away on their own: "
        lead += _listed(hits, more)
    message = (
        lead + " A column this close to the label is usually the outcome in another "
        "form, or recorded because of it, and a model would read the answer from it "
        "instead of learning the biology. Only a known marker of the label's own "
        "biology (a sex-chromosome gene when the label is sex) is this good for real."
    )
    fix = (
        "give it the role 'ignore' on the metadata page, or check how and when it was "
        "measured: a value set by the outcome (a test's result, a visit that happens "
        "only after the event) is no predictor."
    )
    return message, fix


def _confounder_words(hits: list, target: str, more: str) -> tuple[str, str]:
    """Message and fix for categorical features strongly associated with the label."""
    first = hits[0]
    hinted = [r for r in hits if r.detail.get("looks_like")]
    if len(hits) == 1:
        lead = (
            f"The categorical feature '{first.column}' is strongly associated with the "
            f"label '{target}': {first.evidence}."
        )
    else:
        lead = (
            f"{len(hits)} categorical features are strongly associated with the label "
            f"'{target}': " + _listed(hits, more)
        )
    if hinted:
        why = "; ".join(
            (r.detail["looks_like"] if len(hits) == 1 else f"'{r.column}': ")
            + ("" if len(hits) == 1 else r.detail["looks_like"])
            for r in hinted[:3]
        )
        reading = (
            f"It looks like where, when or how the samples were collected ({why}), "
            "not biology: a model could learn the place, the batch or the time instead."
        )
    else:
        reading = (
            "It may say where, when or how the samples were collected (a place, a "
            "batch, a time) rather than anything biological; a model could learn that "
            "instead."
        )
    fix = (
        "if it records where, when or how samples were collected, give it the batch "
        "role on the metadata page: it is then checked, and whole groups can be held "
        "out when splitting; otherwise keep it out of the features or keep it knowingly."
    )
    return f"{lead} {reading}", fix


def _follow_up_words(hits: list, more: str) -> tuple[str, str]:
    """Message and fix for a follow-up or time-to-event duration among the features."""
    listed = "; ".join(f"'{r.column}': {r.evidence}" for r in hits[:5]) + more
    message = (
        f"A feature looks like a follow-up, survival or time-to-event duration and goes "
        f"with the outcome ({listed}). A follow-up time is shaped by the outcome (an "
        "event ends the follow-up early), so it tells the model the answer after the "
        "fact; it must not be an input."
    )
    fix = (
        "give it the role 'ignore' on the metadata page; if the question is how long "
        "until an event, that is a survival analysis, not a classification."
    )
    return message, fix


def run(
    project: Project, options: ExploreOptions | None = None, job: Job | None = None
) -> embedding.Embedding | None:
    """Compute and record the exploration; returns the embedding for the page to draw."""
    job = job or Job()
    section, findings, emb = compute(project, options, job)
    job.check()
    project.study.explore = section
    _store_map(project, emb)
    project.replace_findings(STEP, findings)
    project.mark_done(STEP)
    project.audit(
        "explored",
        embedding=section.options.embedding,
        warnings=[f.code for f in findings if f.severity != "info"],
    )
    return emb


def labelled_rows(project: Project) -> pd.DataFrame:
    """The rows the exploration looks at: those with a label (every row without a target)."""
    return _labelled(project)[0]


def feature_matrix(project: Project, df: pd.DataFrame | None = None):
    """The numeric feature columns of ``df`` (default: the labelled rows), as the step uses."""
    df = labelled_rows(project) if df is None else df
    return numeric_features(df, project.study.metadata.roles)


def _store_map(project: Project, emb: embedding.Embedding | None) -> None:
    import pandas as pd

    if emb is None:
        project.frames.pop(MAP, None)
        return
    rows = labelled_rows(project).index.to_numpy()
    project.frames[MAP] = pd.DataFrame({"row": rows, "x": emb.coords[:, 0], "y": emb.coords[:, 1]})


def stored_view(project: Project) -> tuple[pd.DataFrame, embedding.Embedding] | None:
    """The recorded map of the samples, as the step drew it, for the rows still in the table
    (the sealed test rows are not shown once the split is made); None if none is recorded."""
    section = project.study.explore
    frame = project.frames.get(MAP)
    if section is None or frame is None or project.table is None:
        return None
    df = labelled_rows(project)
    where = frame.set_index("row")
    if not df.index.isin(where.index).all():
        return None  # rows the map was not drawn for: draw it again
    coords = where.loc[df.index, ["x", "y"]].to_numpy(dtype=float)
    emb = embedding.Embedding(
        section.options.embedding, coords, coords, list(section.explained_variance)
    )
    return df, emb


def view(
    project: Project, options: ExploreOptions, job: Job | None = None
) -> tuple[pd.DataFrame, embedding.Embedding] | None:
    """The labelled rows and their embedding, for drawing a recorded exploration again (a
    reopened project): the stored map, or computed when none is stored. Nothing changes."""
    stored = stored_view(project)
    if stored is not None:
        return stored
    df = labelled_rows(project)
    x = map_matrix(project, df, sequences.sequences_of(project))
    if x is None:
        return None
    emb = embedding.embed(x, options.embedding, options.seed, job)
    return df, emb


def run_and_view(
    project: Project, options: ExploreOptions | None = None, job: Job | None = None
) -> tuple[pd.DataFrame, embedding.Embedding] | None:
    """Run the step, and return what the page draws: the step's own embedding, not a second."""
    emb = run(project, options, job)
    return None if emb is None else (labelled_rows(project), emb)


def embedding_methods() -> list[str]:
    """The embeddings this installation offers (UMAP only when umap-learn is installed)."""
    return embedding.available_methods()
