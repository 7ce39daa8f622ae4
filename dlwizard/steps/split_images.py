"""The split's part for images (issue 18): near-identical images are kept in one set.

Two images whose perceptual hashes differ in only a few bits look the same to a person (the same
field photographed twice, a re-saved or re-scaled copy). In different sets they leak: the model
is scored on a picture it learnt from. They are grouped like the rows of one subject, and after
the split the closest test image to any training or tuning one is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from dlwizard.jobs import Job
from dlwizard.study.model import Finding, ImageGroups, SplitOptions
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

STEP = "split"


@dataclass
class NearImages:
    column: str
    record: ImageGroups
    hashes: np.ndarray  # uint64, one per working row
    groups: list[list[int]]  # positions among the working rows, groups of two or more


def near_images(
    project: Project, work: pd.DataFrame, options: SplitOptions, job: Job
) -> NearImages | None:
    """Group the working rows' images by perceptual hash (None: the features hold no images)."""
    from dlwizard.steps.modelling import image_feature

    info = image_feature(project)
    if info is None:
        return None
    from dlwizard.ml import image_features
    from dlwizard.steps.image_inputs import pixels

    job.progress(0.0, "Looking for near-identical images")
    hashes = image_features.perceptual_hash(pixels(info, work[info.column], job.sub(0.0, 0.8)))
    groups = image_features.near_groups(hashes, options.image_distance)
    record = ImageGroups(
        column=info.column,
        max_distance=options.image_distance,
        n_groups=len(work) - sum(len(g) - 1 for g in groups),
        largest=max((len(g) for g in groups), default=1),
    )
    return NearImages(info.column, record, hashes, [sorted(g) for g in groups])


def near_image_checks(work: pd.DataFrame, sets: np.ndarray, near: NearImages) -> list[Finding]:
    """The smallest distance between a test image and any training or tuning one, recorded; a
    warning where it is within the grouping distance (a held-out site can keep copies apart)."""
    from dlwizard.ml import image_features

    names = work.index.to_numpy()
    query = np.flatnonzero(sets == "test")
    ref = np.flatnonzero(np.isin(sets, ("train", "tune")))
    findings: list[Finding] = []
    r = near.record
    if len(query) and len(ref):
        dist = image_features.nearest_distance(near.hashes[query], near.hashes[ref])
        r.min_test_distance = int(dist.min())
        close = dist <= r.max_distance
        if close.any():
            findings.append(
                Finding(
                    code="similar-images-across-sets",
                    severity="warning",
                    step=STEP,
                    message=f"{int(close.sum())} test image(s) look almost identical to an "
                    f"image the model learns from (perceptual hashes at most {r.max_distance} "
                    f"of 64 bits apart; for example row {int(names[query[np.argmax(close)]])}). "
                    "Scores on them say how well the model remembers a picture, not how well "
                    "it generalises to new ones.",
                    fix="keep the copies together (do not hold out a value that splits them), "
                    "or remove the duplicate images and split again.",
                    columns=[near.column],
                    detail={"rows": [int(names[i]) for i in query[close]][:50]},
                )
            )
    grouped = sum(len(g) for g in near.groups)
    findings.append(
        Finding(
            code="image-groups",
            severity="info",
            step=STEP,
            message=f"{grouped:,} image(s) have a near-identical partner (perceptual hashes at "
            f"most {r.max_distance} of 64 bits apart) and were kept in the same set as it. "
            "The closest test image differs from its nearest training or tuning image in "
            + (f"{r.min_test_distance} bit(s)" if r.min_test_distance is not None else "—")
            + ".",
            columns=[near.column],
        )
    )
    return findings


def mixed_near_images(work: pd.DataFrame, target: str, near: NearImages) -> list[Finding]:
    """Near-identical images with different labels: the same picture cannot honestly be two
    classes, unless the label depends on something the image does not show."""
    from dlwizard.steps.question import class_labels

    labels = class_labels(work[target]).to_numpy()
    names = work.index.to_numpy()
    mixed = [g for g in near.groups if len({str(labels[i]) for i in g}) > 1]
    if not mixed:
        return []
    shown = ", ".join(f"row {int(names[i])} '{labels[i]}'" for i in mixed[0][:4])
    return [
        Finding(
            code="similar-images-different-labels",
            severity="warning",
            step=STEP,
            message=f"{len(mixed)} group(s) of near-identical images hold more than one class "
            f"({sum(len(g) for g in mixed)} rows; for example {shown}). The same picture with "
            "two labels caps how well any model of the images can do, and points to a "
            "labelling error or a copied file.",
            fix="check these images and their labels; remove copies filed under the wrong class.",
            columns=[near.column, target],
            detail={"groups": [[int(names[i]) for i in g] for g in mixed[:50]]},
        )
    ]
