"""Step 4, explore (Tips 1, 4 and 7), for a column of images: what the exploration adds when
the features are images.

Per-image statistics (intensity, contrast, focus, size) by class and by each batch-like column
(plate, slide, day), identical and near-identical images, whether intensity alone or size alone
predicts the label, whether a batch differs in intensity, a montage of random images per class
and per batch, and the map drawn from simple image features. The pixels come in as an array
(N, C, S, S) of 0..1, in the order of the table's rows (``dlwizard.steps.images.pixels``); the
table exploration (:mod:`dlwizard.steps.explore`) calls in here; the page and the report read
the figures' arguments and the words from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.ml import image_features, metadata_only
from dlwizard.study.model import (
    ExploreSection,
    Finding,
    ImageDuplicates,
    ImageGroupStats,
    ShortcutCheck,
)

if TYPE_CHECKING:
    import pandas as pd

    from dlwizard.jobs import Job
    from dlwizard.study.project import Project

STEP = "explore"
SHORTCUT_SOURCES = ("image_intensity", "image_size")
NEAR_DISTANCE = 6  # bits of 64 (as the split's default image_distance)
MAX_BATCH_VALUES = 24  # per batch column, the most frequent values get a row of statistics
MIN_BATCH_IMAGES = 3  # a batch value with fewer images is left out of the batch check
# A batch check fires when the batches' intensities differ clearly (Kruskal-Wallis p below
# this) and by a moderate share of the ranks' variation (epsilon squared at least this).
BATCH_P = 0.001
BATCH_EFFECT = 0.1


@dataclass
class ImageMeasures:
    """Per-image numbers of a column of images, for every row of the table (in ``index``
    order): measured once, read by the statistics, the checks, the map and the montage."""

    column: str
    index: pd.Index
    stats: dict[str, np.ndarray]  # image_features.image_stats
    width: np.ndarray  # native width in pixels (NaN: unknown)
    height: np.ndarray
    hashes: np.ndarray  # 64-bit perceptual hashes
    sha256: list[str]  # of each file ("" unknown)
    features: np.ndarray | None = None  # image_features.baseline_features (the map)

    def rows(self, df: pd.DataFrame) -> np.ndarray:
        """Positions of ``df``'s rows in the arrays."""
        return self.index.get_indexer(df.index)

    @property
    def one_size(self) -> bool:
        w, h = self.width[~np.isnan(self.width)], self.height[~np.isnan(self.height)]
        return len(np.unique(w)) <= 1 and len(np.unique(h)) <= 1


def measure(
    column: str,
    index: pd.Index,
    pixels: np.ndarray,
    widths=None,
    heights=None,
    sha256: list[str] | None = None,
    features: bool = True,
    job: Job | None = None,
) -> ImageMeasures:
    """Statistics, hashes and (``features``) the map's features of ``pixels`` (N, C, S, S),
    one image per row of ``index``; ``widths``/``heights``: each file's native size, ``sha256``:
    each file's hash, as the import recorded them."""
    n = len(index)
    if len(pixels) != n:
        raise ValueError(f"{len(pixels)} images for {n} rows")

    def sizes(v) -> np.ndarray:
        return np.full(n, np.nan) if v is None else np.asarray(v, dtype=float)

    stats: dict[str, list[np.ndarray]] = {}
    hashes = np.zeros(n, np.uint64)
    feats: list[np.ndarray] = []
    chunk = 2048  # images per pass: progress and cancel between passes
    if not n:
        stats = {key: [v] for key, v in image_features.image_stats(pixels).items()}
    for start in range(0, n, chunk):
        if job is not None:
            job.progress(start / n, f"Measuring the images ({start:,} of {n:,})")
        part = pixels[start : start + chunk]
        for key, v in image_features.image_stats(part).items():
            stats.setdefault(key, []).append(v)
        hashes[start : start + len(part)] = image_features.perceptual_hash(part)
        if features:
            feats.append(image_features.baseline_features(part))
    return ImageMeasures(
        column,
        index,
        {key: np.concatenate(v) for key, v in stats.items()},
        sizes(widths),
        sizes(heights),
        hashes,
        list(sha256 or [""] * n),
        np.vstack(feats) if feats else None,
    )


# -- statistics by class and by batch ------------------------------------------------------------
def class_order(labels: pd.Series) -> list[str]:
    """Most rows first, ties by name: the map's colour order."""
    counts = labels.dropna().astype(str).value_counts()
    return sorted(counts.index, key=lambda c: (-int(counts[c]), c))


def _group(m: ImageMeasures, pos: np.ndarray, **names) -> ImageGroupStats:
    """The median image's numbers over the images at ``pos``."""
    if not len(pos):
        return ImageGroupStats(n=0, **names)

    def med(v: np.ndarray) -> float:
        v = v[pos]
        v = v[~np.isnan(v)]
        return float(np.median(v)) if len(v) else 0.0

    s = m.stats
    return ImageGroupStats(
        n=len(pos),
        intensity_mean=round(med(s["intensity_mean"]), 4),
        intensity_sd=round(med(s["intensity_sd"]), 4),
        focus=round(med(s["focus"]), 6),
        width_median=med(m.width),
        height_median=med(m.height),
        channel_means=[round(float(v), 4) for v in np.median(s["channel_means"][pos], axis=0)],
        **names,
    )


def batch_values(values: pd.Series) -> list[str]:
    """The values of a batch column that get a row: the most frequent, then by name."""
    counts = values.dropna().astype(str).value_counts()
    top = sorted(counts.index, key=lambda v: (-int(counts[v]), v))[:MAX_BATCH_VALUES]
    return sorted(top, key=_natural)


def _natural(v: str):
    """'P2' before 'P10'."""
    import re

    return [(0, int(t), "") if t.isdigit() else (1, 0, t) for t in re.split(r"(\d+)", v) if t]


def group_stats(
    m: ImageMeasures,
    labels: pd.Series | None = None,
    batches: pd.DataFrame | None = None,
) -> list[ImageGroupStats]:
    """All images (label and batch None), then each class of ``labels`` (indexed by row id;
    None for a numeric label), then each value of each column of ``batches`` (all rows)."""
    out = [_group(m, np.arange(len(m.index)))]
    if labels is not None:
        labels = labels.dropna()
        pos = m.index.get_indexer(labels.index)
        text = labels.astype(str).to_numpy()
        for label in class_order(labels):
            out.append(_group(m, pos[text == label], label=label))
    for column in [] if batches is None else batches.columns:
        values = batches[column]
        pos = m.index.get_indexer(values.index)
        text = values.astype(str).to_numpy()
        for value in batch_values(values):
            out.append(
                _group(
                    m,
                    pos[(text == value) & values.notna().to_numpy()],
                    batch_column=str(column),
                    batch=value,
                )
            )
    return out


# -- duplicates ----------------------------------------------------------------------------------
def _name(names: pd.Series | None, index: pd.Index, i: int) -> str:
    return str(names.iloc[i]) if names is not None else str(index[i])


def duplicates(
    m: ImageMeasures,
    labels: pd.Series | None = None,
    names: pd.Series | None = None,
    max_distance: int = NEAR_DISTANCE,
) -> tuple[ImageDuplicates, list[Finding]]:
    """Identical files (same SHA-256) and near-identical images (perceptual hashes at most
    ``max_distance`` bits apart, not all one file), as groups of sample IDs (``names``, aligned
    with ``m.index``; row ids without), and their findings: copies are a warning (a copy on both
    sides of the split lets a model remember), copies with different labels another."""
    exact: dict[str, list[int]] = {}
    for i, h in enumerate(m.sha256):
        if h:
            exact.setdefault(h, []).append(i)
    exact_groups = sorted((g for g in exact.values() if len(g) > 1), key=lambda g: g[0])
    same_file = {i: g[0] for g in exact_groups for i in g}
    near = [
        g
        for g in image_features.near_groups(m.hashes, max_distance)
        if len({same_file.get(i, i) for i in g}) > 1
    ]
    record = ImageDuplicates(
        exact=[[_name(names, m.index, i) for i in g] for g in exact_groups],
        near=[[_name(names, m.index, i) for i in g] for g in near],
        max_distance=max_distance,
    )
    return record, _duplicate_findings(m, exact_groups, near, labels, names, max_distance)


def _labels_of(m: ImageMeasures, labels: pd.Series | None) -> list[str | None] | None:
    """Each row's label as text (None: unlabelled), in ``m``'s order."""
    import pandas as pd

    if labels is None:
        return None
    return [None if pd.isna(v) else str(v) for v in labels.reindex(m.index)]


def _duplicate_findings(m, exact, near, labels, names, max_distance) -> list[Finding]:
    out = []
    column = m.column

    def shown(g: list[int]) -> str:
        return ", ".join(_name(names, m.index, i) for i in g[:4]) + ("…" if len(g) > 4 else "")

    if exact:
        extra = sum(len(g) - 1 for g in exact)
        out.append(
            Finding(
                code="image-exact-duplicates",
                severity="warning",
                step=STEP,
                message=f"{len(exact)} image file(s) in '{column}' occur on several rows "
                f"({extra} extra copies), for example {shown(exact[0])}: the same file.",
                fix="remove the extra rows if they were recorded twice; otherwise the split "
                "keeps copies in one set, so a copy in the test set cannot be recognised "
                "instead of classified.",
                columns=[column],
                detail={"groups": [[int(m.index[i]) for i in g] for g in exact[:50]]},
            )
        )
    if near:
        out.append(
            Finding(
                code="image-near-duplicates",
                severity="warning",
                step=STEP,
                message=f"{len(near)} group(s) of images in '{column}' look nearly identical "
                f"(perceptual hashes at most {max_distance} of 64 bits apart) without being "
                f"the same file, for example {shown(near[0])}: the same field re-saved, "
                "rescaled or imaged twice.",
                fix="look at them side by side; the split keeps near-identical images in one "
                "set (the split's image distance), so their likeness cannot inflate the test.",
                columns=[column],
                detail={
                    "groups": [[int(m.index[i]) for i in g] for g in near[:50]],
                    "max_distance": max_distance,
                },
            )
        )
    y = _labels_of(m, labels)
    if y is not None:
        mixed = [g for g in exact + near if len({y[i] for i in g} - {None}) > 1]
        if mixed:
            classes = sorted({y[i] for i in mixed[0]} - {None})
            out.append(
                Finding(
                    code="image-duplicates-across-classes",
                    severity="warning",
                    step=STEP,
                    message=f"{len(mixed)} group(s) of identical or near-identical images in "
                    f"'{column}' carry different labels, for example {shown(mixed[0])} ("
                    + ", ".join(f"'{c}'" for c in classes)
                    + "). One picture cannot show two classes.",
                    fix="check these images and their labels: a file copied into the wrong "
                    "class folder, or a control image reused for every condition.",
                    columns=[column],
                    detail={
                        "groups": [[int(m.index[i]) for i in g] for g in mixed[:50]],
                        "labels": [sorted({y[i] for i in g} - {None}) for g in mixed[:50]],
                    },
                )
            )
    return out


# -- shortcuts -----------------------------------------------------------------------------------
def intensity_inputs(m: ImageMeasures, pos: np.ndarray) -> np.ndarray:
    """The per-image intensity numbers alone: mean, within-image SD, clipped share and each
    channel's mean."""
    s = m.stats
    return np.column_stack(
        [s["intensity_mean"][pos], s["intensity_sd"][pos], s["saturated"][pos]]
        + [s["channel_means"][pos, k] for k in range(s["channel_means"].shape[1])]
    )


def size_inputs(m: ImageMeasures, pos: np.ndarray) -> np.ndarray | None:
    """Width and height alone (log pixels); None when every image has one size or none is
    known (the check is then silent: a size cannot tell classes apart)."""
    if m.one_size:
        return None
    return np.column_stack([np.log(m.width[pos]), np.log(m.height[pos])])


def shortcut_scores(
    m: ImageMeasures, df, y, task: str, groups, positive: str | None, seed: int
) -> list[metadata_only.ShortcutScore]:
    """Intensity alone, then size alone, scored out of fold like the metadata check (``df``:
    the labelled rows, ``y`` their label, ``groups`` the subjects or None)."""
    pos = m.rows(df)
    inputs = {"image_intensity": intensity_inputs(m, pos), "image_size": size_inputs(m, pos)}
    out = []
    for source, x in inputs.items():
        if x is None:
            continue
        sc = metadata_only.shortcut_score(x, y, task, groups, source, [m.column], positive, seed)
        if sc is not None:
            out.append(sc)
    return out


def shortcut_finding(
    sc: ShortcutCheck, section: ExploreSection, target: str, metric: str
) -> Finding:
    """Intensity alone or size alone predicts the label (``metric``: the score's name in
    words), with the per-class medians that show it."""
    column = sc.columns[0] if sc.columns else section.image_column
    classes = [c for c in section.image_stats if c.label is not None and c.n][:6]
    score = f"{metric} {sc.score:.2f}; chance is {sc.chance:.2f}"
    if sc.source == "image_intensity":
        what = "brightness (mean intensity, contrast)"
        per = ", ".join(f"'{c.label}' {c.intensity_mean:.2f}" for c in classes)
        shown = f" Median intensity per class (0-1): {per}." if per else ""
        fix = (
            "find out why one class is brighter (staining day, exposure, plate, microscope): "
            "image the classes together on each plate or day, normalise each image's "
            "intensity, and compare every model with this intensity-only score."
        )
    else:
        what = "size (width and height in pixels)"
        per = ", ".join(
            f"'{c.label}' {c.width_median:,.0f}x{c.height_median:,.0f}" for c in classes
        )
        shown = f" Median size per class: {per}." if per else ""
        fix = (
            "bring every image to one size the same way for all classes (crop or pad rather "
            "than rescale if the scale carries meaning), find out why the sizes differ "
            "(another camera or export), and compare every model with this size-only score."
        )
    message = (
        f"The label '{target}' can be predicted from the {what} of the images in "
        f"'{column}' alone ({score}).{shown} A network could learn this instead of what "
        "the images show (shapes, texture, structures)."
    )
    columns = [column] if column else []
    detail = {"score": sc.score, "chance": sc.chance, "metric": sc.metric}
    if sc.source == "image_intensity":
        return Finding(
            code="image-intensity-predicts-label",
            severity="warning",
            step=STEP,
            message=message,
            fix=fix,
            columns=columns,
            detail=detail,
        )
    return Finding(
        code="image-size-predicts-label",
        severity="warning",
        step=STEP,
        message=message,
        fix=fix,
        columns=columns,
        detail=detail,
    )


# -- batches -------------------------------------------------------------------------------------
def batch_findings(m: ImageMeasures, batches: pd.DataFrame) -> list[Finding]:
    """For each batch-like column (plate, slide, day): do its values differ in the images'
    mean intensity? (Kruskal-Wallis over the values with at least 3 images.) Worded as a
    possible batch effect: the column says how the images were made, not what they show."""
    from scipy.stats import kruskal

    out = []
    for column in batches.columns:
        values = batches[column]
        pos = m.index.get_indexer(values.index)
        keep = values.notna().to_numpy() & (pos >= 0)
        text = values.astype(str).to_numpy()[keep]
        y = m.stats["intensity_mean"][pos[keep]]
        kinds, counts = np.unique(text, return_counts=True)
        kinds = kinds[counts >= MIN_BATCH_IMAGES]
        if len(kinds) < 2:
            continue
        samples = [y[text == k] for k in kinds]
        if max(float(np.ptp(np.concatenate(samples))), 0.0) == 0.0:
            continue
        h, p = kruskal(*samples)
        n = sum(len(s) for s in samples)
        effect = float(h) / (n - 1) if n > 1 else 0.0
        if not (p < BATCH_P and effect >= BATCH_EFFECT):
            continue
        med = {k: float(np.median(s)) for k, s in zip(kinds, samples)}
        lo, hi = min(med, key=med.get), max(med, key=med.get)
        out.append(
            Finding(
                code="image-batch-intensity",
                severity="warning",
                step=STEP,
                message=f"The images' mean intensity differs between the values of "
                f"'{column}' (median {med[hi]:.2f} on '{hi}' against {med[lo]:.2f} on "
                f"'{lo}', on a 0-1 scale; Kruskal-Wallis p = {p:.1g}): a possible batch "
                "effect (staining, exposure or the microscope changed between them).",
                fix=f"look at the montage by '{column}'; if the classes are not spread evenly "
                f"over its values, a model can learn '{column}' from brightness. Normalise "
                f"each image's intensity, and hold out values of '{column}' in the split to "
                "measure it.",
                columns=[str(column)],
                detail={
                    "p_value": float(p),
                    "effect": round(effect, 4),
                    "medians": {k: round(v, 4) for k, v in med.items()},
                },
            )
        )
    return out


# -- the map and the montage ---------------------------------------------------------------------
def map_matrix(m: ImageMeasures, df: pd.DataFrame) -> np.ndarray | None:
    """What the map is drawn from: the simple image features (histograms, texture, 8 x 8
    pixels) of ``df``'s rows, imputed and scaled; None with fewer than four images."""
    from dlwizard.ml.features import impute_scale

    if m.features is None or len(df) < 4:
        return None
    return impute_scale(m.features[m.rows(df)])


def montage_choice(
    m: ImageMeasures,
    labels: pd.Series | None = None,
    batches: pd.DataFrame | None = None,
    per_group: int = 6,
    seed: int = 0,
) -> list[tuple[str, list[int]]]:
    """Rows of the montage: (title, positions of up to ``per_group`` images drawn at random
    with ``seed``, in table order), one per class, then one per value of each batch column.
    The same seed draws the same images on the page and in the report."""
    rng = np.random.default_rng(seed)
    out = []

    def draw(title: str, pos: np.ndarray) -> None:
        pos = pos[pos >= 0]
        if len(pos):
            pick = rng.choice(len(pos), size=min(per_group, len(pos)), replace=False)
            out.append((title, sorted(int(p) for p in pos[pick])))

    if labels is not None:
        labels = labels.dropna()
        pos = m.index.get_indexer(labels.index)
        text = labels.astype(str).to_numpy()
        for label in class_order(labels):
            draw(label, pos[text == label])
    for column in [] if batches is None else batches.columns:
        values = batches[column].dropna()
        pos = m.index.get_indexer(values.index)
        text = values.astype(str).to_numpy()
        for value in batch_values(values):
            draw(f"{column} {value}", pos[text == value])
    return out


def stats_figure(section: ExploreSection, measure: str = "intensity_mean") -> dict | None:
    """The arguments of ``render.figures.images.group_bars`` for one measure of the recorded
    statistics: the classes, then each batch column's values; None without them."""
    rows = [s for s in section.image_stats if s.n and (s.label is not None or s.batch)]
    if not rows:
        rows = [s for s in section.image_stats if s.n]
    if not rows:
        return None
    return {
        "labels": [s.label if s.label is not None else f"{s.batch_column} {s.batch}" for s in rows],
        "values": [float(getattr(s, measure)) for s in rows],
        "kinds": ["class" if s.label is not None else "batch" for s in rows],
        "measure": MEASURES[measure],
    }


MEASURES = {
    "intensity_mean": "median image's mean intensity (0-1)",
    "intensity_sd": "median image's contrast (SD, 0-1)",
    "focus": "median image's focus (variance of the Laplacian)",
    "width_median": "median width (pixels)",
}


# -- the table exploration's entry -----------------------------------------------------------------
def explore(
    project: Project, df: pd.DataFrame, target: str | None, section: ExploreSection, job: Job
) -> tuple[ImageMeasures | None, list[Finding]]:
    """Measure the labelled rows' images (``df``) once and record their statistics by class and
    by batch and their duplicates in ``section``; (None, []) when no feature holds images."""
    from dlwizard.io import images as imgs
    from dlwizard.steps import images
    from dlwizard.steps.modelling import image_feature

    info = image_feature(project)
    if info is None:
        return None, []
    job.progress(0.0, f"Reading {len(df):,} images")
    pixels = images.pixels(project, df, job.sub(0.0, 0.6))
    rels = images.relative_paths(project, df, info)
    headers = [imgs.probe(p) for p in images.paths_of(project, df, info)]
    m = measure(
        info.column,
        df.index,
        pixels,
        [h.width for h in headers],
        [h.height for h in headers],
        [info.sha256.get(r, "") for r in rels],
        job=job.sub(0.6, 1.0),
    )
    roles = project.study.metadata.roles
    batch_cols = [c for c, r in roles.items() if r in ("batch", "time_point") and c in df]
    batches = df[batch_cols] if batch_cols else None
    classes = project.study.question.task != "regression"
    labels = df[target] if target and classes else None
    section.image_column = info.column
    section.image_stats = group_stats(m, labels, batches)
    sid = project.column_with("sample_id")
    dup, found = duplicates(m, labels, df[sid] if sid else None)
    section.image_duplicates = dup
    if batches is not None:
        found += batch_findings(m, batches)
    return m, found


def montage_rows(
    project: Project, per_group: int = 6, seed: int = 0
) -> tuple[list[np.ndarray], list[str]] | None:
    """The montage's rows as the page and the report show them: up to ``per_group`` random
    labelled images of each class, then of each batch value (the same seed draws the same
    images), read as the models read them; None when no feature holds images."""
    from types import SimpleNamespace

    from dlwizard.steps import images
    from dlwizard.steps.modelling import image_feature

    info = image_feature(project)
    target = project.study.question.target
    if info is None or project.table is None:
        return None
    df = project.table if not target else project.table[project.table[target].notna()]
    roles = project.study.metadata.roles if project.study.metadata else {}
    batch_cols = [c for c, r in roles.items() if r in ("batch", "time_point") and c in df]
    classes = target and project.study.question.task != "regression"
    chosen = montage_choice(
        SimpleNamespace(index=df.index),  # only the rows' order is read
        df[target] if classes else None,
        df[batch_cols] if batch_cols else None,
        per_group,
        seed,
    )
    rows = [images.pixels(project, df.iloc[pos]) for _, pos in chosen]
    return rows, [title for title, _ in chosen]


def image_words(study) -> str:
    """The images in words for the report: how many, their formats, sizes and channels, the
    side the models read, and the brightness per class."""
    info = next((i for i in study.data.images if i.column == study.explore.image_column), None)
    if info is None:
        return ""
    size = (
        f"{info.width_min} × {info.height_min} pixels"
        if (info.width_min, info.height_min) == (info.width_max, info.height_max)
        else f"{info.width_min}–{info.width_max} × {info.height_min}–{info.height_max} pixels"
    )
    formats = ", ".join(f"{k.upper()} {v:,}" for k, v in sorted(info.formats.items()))
    depths = ", ".join(f"{k} {v:,}" for k, v in sorted(info.dtypes.items()))
    fit = {"resize": "resized", "crop": "centre-cropped to a square, then resized",
           "pad": "padded to a square, then resized"}[info.fit]  # fmt: skip
    words = (
        f"{info.n:,} images ({formats}; {depths}), {size}, channels read: "
        f"{', '.join(info.channel_names) or 'all'}; {fit} to {info.size} × {info.size} pixels "
        "for the models. The files are referenced by path and SHA-256, not copied."
    )
    classes = [s for s in study.explore.image_stats if s.label is not None and s.n]
    if classes:
        words += (
            " Median mean intensity per class (0–1): "
            + ", ".join(f"'{s.label}' {s.intensity_mean:.2f}" for s in classes[:8])
            + "."
        )
    return words
