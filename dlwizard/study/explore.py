"""The Study's records of the explore step: what the exploration found, as typed data."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from dlwizard.study.base import _Model, now_iso
from dlwizard.study.images import ImageDuplicates, ImageGroupStats
from dlwizard.study.sequences import SequenceClassStats

EmbeddingMethod = Literal["pca", "tsne", "umap"]


class ExploreOptions(_Model):
    embedding: EmbeddingMethod = "pca"
    seed: int = 0


class BatchEffect(_Model):
    """How much of the data's main structure one metadata column explains."""

    column: str
    role: str
    n_groups: int
    pc_variance_share: float
    silhouette: float | None = None
    verdict: Literal["strong", "moderate", "weak"] = "weak"


class ShortcutCheck(_Model):
    """How well the label is predicted from metadata or missingness alone (cross-validated)."""

    # metadata or missingness; for a column of sequences, their length alone or their letter
    # composition alone
    # for images, per-image intensity or size alone
    source: Literal[
        "metadata",
        "missingness",
        "sequence_length",
        "sequence_composition",
        "image_intensity",
        "image_size",
    ]
    columns: list[str] = Field(default_factory=list)
    metric: Literal["auroc", "balanced_accuracy", "r2"]
    score: float
    chance: float
    folds: int
    above_chance: bool


class FeatureScreen(_Model):
    """One feature scored alone against the label, out of fold, and the flag it earned (only
    flagged features and the strongest few are kept, never one row per feature of a wide
    table)."""

    column: str
    kind: Literal["number", "category"]
    # balanced_accuracy / r2: a single-feature model, out of fold; cramers_v / eta: association
    metric: Literal["balanced_accuracy", "r2", "cramers_v", "eta"]
    score: float
    flag: Literal["single-feature-shortcut", "possible-confounder", "follow-up-time"] | None = None
    evidence: str = ""  # in plain words: the score, the value and its counts, the pattern
    detail: dict[str, Any] = Field(default_factory=dict)


class ExploreSection(_Model):
    options: ExploreOptions = Field(default_factory=ExploreOptions)
    n_rows: int = 0
    n_features_used: int = 0
    explained_variance: list[float] = Field(default_factory=list)
    batch_effects: list[BatchEffect] = Field(default_factory=list)
    label_effect: BatchEffect | None = None
    shortcuts: list[ShortcutCheck] = Field(default_factory=list)
    exact_duplicates: list[list[int]] = Field(default_factory=list)  # groups of row ids
    near_duplicates: list[list[int]] = Field(default_factory=list)
    outliers: list[int] = Field(default_factory=list)
    missing_share: float = 0.0
    column_missing: dict[str, float] = Field(default_factory=dict)  # the most-missing columns
    rows_mostly_missing: list[int] = Field(default_factory=list)
    # Every feature alone against the label: the flagged ones, then the strongest (at most 10).
    feature_screen: list[FeatureScreen] = Field(default_factory=list)
    # A column of sequences among the features: its lengths and composition per class.
    sequence_column: str | None = None
    sequence_stats: list[SequenceClassStats] = Field(default_factory=list)
    # A column of images among the features: per-image statistics by class and by batch, and
    # identical or near-identical images.
    image_column: str | None = None
    image_stats: list[ImageGroupStats] = Field(default_factory=list)
    image_duplicates: ImageDuplicates | None = None
    done_at: str = Field(default_factory=now_iso)
