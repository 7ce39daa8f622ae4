"""What the models read of a column of images (issue 18).

The baselines read each image as a row of simple numbers (intensity histograms, texture,
downsampled pixels: :func:`dlwizard.ml.image_features.baseline_features`), added to the table as
numeric columns named ``image: ...``; a refit or a prediction computes them again from the
image files, so nothing but the path is stored. The networks read the pixels themselves,
brought to the side and channels of :class:`~dlwizard.study.model.ImageInfo`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from dlwizard.jobs import Job
from dlwizard.study.model import ImageInfo

if TYPE_CHECKING:
    import pandas as pd

PREFIX = "image: "  # the baselines' image feature columns are named "image: <feature>"


def feature_names(info: ImageInfo) -> list[str]:
    """The names of the numeric columns the baselines read for an image column."""
    from dlwizard.ml import image_features

    names = image_features.feature_names(n_channels(info), info.channel_names or None)
    return [PREFIX + n for n in names]


def n_channels(info: ImageInfo) -> int:
    """The channels the models read: the count the pixel reader brings every image to."""
    from dlwizard.steps.images import spec_of

    return spec_of(info).n_channels


def pixels(info: ImageInfo, paths: pd.Series, job: Job | None = None) -> np.ndarray:
    """The images of ``paths`` (relative to ``info.root``, or absolute) as the networks read them:
    float16, (N, C, S, S), 0..1."""
    from dlwizard.steps import images

    return images.pixels_of(info, [str(p) for p in paths.tolist()], job=job or Job())


def feature_frame(info: ImageInfo, paths: pd.Series, job: Job | None = None) -> pd.DataFrame:
    """The baselines' numeric columns for the images of ``paths`` (same index)."""
    import pandas as pd

    from dlwizard.ml import image_features

    job = job or Job()
    values = image_features.baseline_features(pixels(info, paths, job))
    return pd.DataFrame(
        np.asarray(values, dtype=float), index=paths.index, columns=feature_names(info)
    )


def with_features(info: ImageInfo, rows: pd.DataFrame, job: Job | None = None) -> pd.DataFrame:
    """``rows`` with the image feature columns added (computed unless already there)."""
    names = feature_names(info)
    if all(n in rows.columns for n in names):
        return rows
    return rows.join(feature_frame(info, rows[info.column], job))
