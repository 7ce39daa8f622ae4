"""The Study's records of images (issue 18): a column of image files as imported, the per-image
statistics by class and by batch, the near-duplicate groups of the split, and the saliency maps.

The pixels are never stored in ``study.json``: the table holds each image's path (relative to
``ImageInfo.root``) and ``ImageInfo.sha256`` its hash, so a moved folder can be re-linked and
verified.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from dlwizard.study.base import _Model

ImageFit = Literal["resize", "crop", "pad"]


class ImageInfo(_Model):
    """A column of image files (one image per row), as imported and checked."""

    column: str  # the table column holding each image's path, relative to ``root``
    root: str  # the folder the paths are relative to (absolute)
    n: int = 0  # rows with a readable image
    n_unreadable: int = 0  # files that could not be read (dropped with the user's consent)
    formats: dict[str, int] = Field(default_factory=dict)  # "png" / "jpeg" / "tiff" -> images
    width_min: int = 0
    width_max: int = 0
    height_min: int = 0
    height_max: int = 0
    channels: dict[str, int] = Field(default_factory=dict)  # channel count ("1", "3") -> images
    dtypes: dict[str, int] = Field(default_factory=dict)  # "uint8" / "uint16" / ... -> images
    # 16-bit (or 10-, 12-, 14-bit) images are read as 0..1 of the camera's range: the smallest
    # 2^k - 1 that holds the brightest pixel found at import (4095 for 12-bit data); 0: the
    # file type's own range (8-bit and float images).
    value_max: int = 0
    # The channels the models read (indices into each image's channels; [] = all), and the
    # user's names for them ("DAPI", "GFP"); defaults: "gray", or "red", "green", "blue".
    channels_used: list[int] = Field(default_factory=list)
    channel_names: list[str] = Field(default_factory=list)
    size: int = Field(default=64, ge=16, le=512)  # the side (pixels) every image is brought to
    fit: ImageFit = "resize"  # how: resize (aspect not kept), centre crop, or pad to a square
    sha256: dict[str, str] = Field(default_factory=dict)  # relative path -> SHA-256 of the file


class ImageGroupStats(_Model):
    """Per-image statistics of one class or one batch (label None and batch None: all images)."""

    label: str | None = None
    batch_column: str | None = None  # set for a batch's row: the metadata column ...
    batch: str | None = None  # ... and its value
    n: int = 0
    intensity_mean: float = 0.0  # mean pixel intensity, 0..1 of the bit depth (median image)
    intensity_sd: float = 0.0  # within-image standard deviation (median image)
    focus: float = 0.0  # variance of the Laplacian: low = blurred (median image)
    width_median: float = 0.0
    height_median: float = 0.0
    channel_means: list[float] = Field(default_factory=list)  # per channel used


class ImageDuplicates(_Model):
    """Identical files (same SHA-256) and near-identical images (perceptual hash)."""

    exact: list[list[str]] = Field(default_factory=list)  # groups of row IDs
    near: list[list[str]] = Field(default_factory=list)  # near but not exact
    max_distance: int = 0  # the largest Hamming distance of 64-bit hashes called "near"


class ImageGroups(_Model):
    """The split keeps near-identical images (perceptual hash) in one set, like subjects."""

    column: str
    max_distance: int  # Hamming distance of 64-bit perceptual hashes that joins two images
    n_groups: int = 0
    largest: int = 0
    # The smallest distance between any test image and any training or tuning one (None before
    # the check ran or without test rows); 0 = a copy.
    min_test_distance: int | None = None


class ImageExample(_Model):
    """One example image with where the model looked: a coarse saliency grid over the image
    (rows x columns, row-major, 0..1 of the example's largest value)."""

    row: str  # the row's sample ID
    path: str  # the image, relative to ``ImageInfo.root``
    label: str
    predicted: str = ""
    score: float = 0.0  # the model's probability of ``label`` (regression: its predicted value)
    correct: bool = True
    grid: int = 0  # the saliency grid is grid x grid
    saliency: list[float] = Field(default_factory=list)


class ImageAttribution(_Model):
    """Where the final model looks, for a model that reads images."""

    column: str
    method: str = "occlusion"
    n_eval: int = 0
    examples: list[ImageExample] = Field(default_factory=list)
    # The share of all attribution that falls in the border band (the outer ``border`` share of
    # each side) against that band's share of the area: much more than its area is a classic
    # shortcut (scale bars, labels, vignetting, plate edges).
    border: float = 0.1
    border_attribution: float | None = None
    border_area: float | None = None
    corner_attribution: float | None = None  # the same for the four corner squares
    corner_area: float | None = None
    verdict: str = ""  # in words, when the attribution looks like a border shortcut
    notes: list[str] = Field(default_factory=list)
