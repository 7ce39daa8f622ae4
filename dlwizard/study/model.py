"""The Study: every answer the user gave and every result a step recorded, as typed data.

The Study is plain data (pydantic models) that serialises to ``study.json`` inside a project
file. The data table itself lives beside it as Parquet (see :mod:`dlwizard.study.project`).
"""

from __future__ import annotations

import math
import uuid
from typing import Any, Literal

from pydantic import (
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

from dlwizard import __version__
from dlwizard.study.base import _Model, now_iso
from dlwizard.study.explore import BatchEffect as BatchEffect
from dlwizard.study.explore import EmbeddingMethod as EmbeddingMethod
from dlwizard.study.explore import ExploreOptions as ExploreOptions
from dlwizard.study.explore import ExploreSection as ExploreSection
from dlwizard.study.explore import FeatureScreen as FeatureScreen
from dlwizard.study.explore import ShortcutCheck as ShortcutCheck
from dlwizard.study.images import ImageAttribution as ImageAttribution
from dlwizard.study.images import ImageDuplicates as ImageDuplicates
from dlwizard.study.images import ImageExample as ImageExample
from dlwizard.study.images import ImageFit as ImageFit
from dlwizard.study.images import ImageGroups as ImageGroups
from dlwizard.study.images import ImageGroupStats as ImageGroupStats
from dlwizard.study.images import ImageInfo as ImageInfo
from dlwizard.study.sequences import EnrichedKmer as EnrichedKmer
from dlwizard.study.sequences import SequenceAlphabet as SequenceAlphabet
from dlwizard.study.sequences import SequenceAttribution as SequenceAttribution
from dlwizard.study.sequences import SequenceClassStats as SequenceClassStats
from dlwizard.study.sequences import SequenceExample as SequenceExample
from dlwizard.study.sequences import SequenceGroups as SequenceGroups
from dlwizard.study.sequences import SequenceInfo as SequenceInfo

SCHEMA_VERSION = 1

TaskKind = Literal["binary", "multiclass", "regression"]
Unit = Literal["patient", "sample", "cell", "image", "other"]
Role = Literal[
    "feature",
    "target",
    "sample_id",
    "subject",
    "batch",
    "time_point",
    "replicate",
    "sensitive",
    "ignore",
]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
Design = Literal["unknown", "randomised_trial", "observational", "passive"]
ReplicateKind = Literal["unknown", "none", "biological", "technical", "both"]
Severity = Literal["info", "warning", "error"]
CeilingKind = Literal["heritability", "inter_rater_agreement", "other"]
TransposeChoice = Literal["auto", "yes", "no"]

DEFAULT_NA_VALUES: tuple[str, ...] = (
    "",
    "NA",
    "N/A",
    "na",
    "n/a",
    "NaN",
    "nan",
    "?",
    "NULL",
    "null",
    "None",
    "#N/A",
    "#NA",
)


class Ceiling(_Model):
    """A known upper bound on how well anything can predict the target."""

    kind: CeilingKind = "other"
    value: float = Field(ge=0.0, le=1.0)
    note: str = ""


class Question(_Model):
    target: str | None = None
    task: TaskKind | None = None
    task_inferred: TaskKind | None = None
    task_reason: str = ""
    task_confirmed: bool = False
    positive_class: str | None = None
    classes: list[str] = Field(default_factory=list)
    class_counts: dict[str, int] = Field(default_factory=dict)
    unit: Unit = "sample"
    unit_other: str = ""
    intended_use: str = ""
    ceiling: Ceiling | None = None


class Provenance(_Model):
    """Where the data came from, as the user states it."""

    source: str = ""
    doi: str = ""
    date_obtained: str = ""
    version: str = ""
    notes: str = ""


class FileRecord(_Model):
    """One file that was read, with the hash that proves which bytes."""

    path: str
    name: str
    role: Literal["data", "sample_sheet", "bundled"] = "data"
    sha256: str
    size_bytes: int
    format: str
    sheet: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    n_rows: int = 0
    n_columns: int = 0


class SampleSheet(_Model):
    path: str
    sheet: str | None = None
    key: str | None = None  # column in the sample sheet; None = detect
    data_key: str | None = None  # column in the data; None = the sample-ID column


class ImportOptions(_Model):
    paths: list[str] = Field(default_factory=list)
    sheet: str | None = None
    delimiter: str | None = None  # None = detect
    decimal: str | None = None  # None = detect
    encoding: str | None = None  # None = detect
    na_values: list[str] = Field(default_factory=lambda: list(DEFAULT_NA_VALUES))
    transpose: TransposeChoice = "auto"
    feature_id_column: str | None = None
    drop_columns: list[str] = Field(default_factory=list)
    sample_id_column: str | None = None
    sample_sheet: SampleSheet | None = None
    # Images that cannot be read are left out (and named) instead of stopping the import: the
    # user's consent, asked on the data page.
    skip_unreadable: bool = False
    # Images: the side (pixels) every image is brought to for the models, and how (resize,
    # centre crop or pad to a square first); the channels the models read (indices from 0; []
    # all) and their names (e.g. DAPI, GFP; [] the defaults gray or red, green, blue).
    image_size: int = Field(default=64, ge=16, le=512)
    image_fit: ImageFit = "resize"
    image_channels: list[int] = Field(default_factory=list)
    channel_names: list[str] = Field(default_factory=list)

    @field_validator("delimiter", "decimal")
    @classmethod
    def _one_char(cls, v: str | None) -> str | None:
        if v is not None and len(v) != 1:
            raise ValueError("must be a single character")
        return v


class ColumnInfo(_Model):
    name: str
    kind: Literal[
        "numeric",
        "integer",
        "boolean",
        "categorical",
        "text",
        "datetime",
        "empty",
        "sequence",
        "image",
    ]
    n_missing: int
    n_unique: int | None  # None: a continuous measurement, not counted
    examples: list[str] = Field(default_factory=list)


class DataSection(_Model):
    options: ImportOptions
    provenance: Provenance = Field(default_factory=Provenance)
    files: list[FileRecord] = Field(default_factory=list)
    transposed: bool = False
    n_rows: int = 0
    n_columns: int = 0
    columns: list[ColumnInfo] = Field(default_factory=list)
    sequences: list[SequenceInfo] = Field(default_factory=list)
    images: list[ImageInfo] = Field(default_factory=list)  # a column of image files (issue 18)
    imported_at: str = Field(default_factory=now_iso)


class DerivedColumn(_Model):
    """A column computed from another, e.g. the person from a recording ID."""

    name: str
    source: str
    pattern: str  # regular expression with exactly one capture group
    role: Role = "subject"


class Association(_Model):
    column: str
    measure: str
    score: float
    p_value: float | None = None
    n: int = 0


class ColumnDetection(_Model):
    """What a column's values show (a row number, a repeated ID, dates as text...), in plain
    words, with the role it argues for (None: it only informs)."""

    code: str
    evidence: str
    role: Role | None = None


class MetadataSection(_Model):
    roles: dict[str, Role] = Field(default_factory=dict)
    suggested_roles: dict[str, Role] = Field(default_factory=dict)
    role_reasons: dict[str, str] = Field(default_factory=dict)
    derived: list[DerivedColumn] = Field(default_factory=list)
    design: Design = "unknown"
    replicate_kind: ReplicateKind = "unknown"
    n_rows: int = 0
    n_subjects: int | None = None
    associations: list[Association] = Field(default_factory=list)
    # Columns with another role (feature, ignore) that look like metadata: column -> the role
    # they look like. Statements such as "no batch column" name them instead of denying them.
    role_candidates: dict[str, Role] = Field(default_factory=dict)
    # What the column profiler saw in each column's values (only columns where it saw something).
    detections: dict[str, list[ColumnDetection]] = Field(default_factory=dict)


class Finding(_Model):
    """A check's result in plain words, with a stable code that tools can rely on."""

    code: str
    severity: Severity
    step: str
    message: str
    fix: str = ""
    columns: list[str] = Field(default_factory=list)
    detail: dict[str, Any] = Field(default_factory=dict)


class StepRecord(_Model):
    done_at: str = Field(default_factory=now_iso)
    app_version: str = __version__


class SplitOptions(_Model):
    tune_fraction: float = Field(default=0.2, gt=0.0, lt=0.9)
    test_fraction: float = Field(default=0.2, gt=0.0, lt=0.9)
    seed: int = 42
    group_by_subject: bool = True
    ungrouped_reason: str = ""  # required when a subject column exists and grouping is off
    hold_out_column: str | None = None
    hold_out_values: list[str] = Field(default_factory=list)
    n_folds: int = Field(default=5, ge=2, le=20)
    # Sequences that are this similar (share of identical positions, estimated from shared
    # k-mers) go to the same set. None: 0.9 for DNA and RNA, 0.8 for proteins.
    sequence_identity: float | None = Field(default=None, ge=0.5, le=1.0)
    # Images whose 64-bit perceptual hashes differ in at most this many bits go to the same set
    # (0: only identical-looking images).
    image_distance: int = Field(default=6, ge=0, le=20)


class SplitSection(_Model):
    """The split, as explicit row ids (positions in the imported table)."""

    options: SplitOptions = Field(default_factory=SplitOptions)
    group_column: str | None = None
    sequence_groups: SequenceGroups | None = None
    image_groups: ImageGroups | None = None
    train: list[int] = Field(default_factory=list)
    tune: list[int] = Field(default_factory=list)
    test: list[int] = Field(default_factory=list)
    excluded: list[int] = Field(default_factory=list)  # rows without a label
    # Rows of subjects who also occur in a held-out site, kept out of training and tuning so the
    # test holds only unseen subjects.
    left_out: list[int] = Field(default_factory=list)
    folds: list[int] = Field(default_factory=list)  # CV fold of each train row, same order
    n_folds: int = 0
    test_sha256: str = ""
    sealed: bool = True
    composition: dict[str, dict[str, int]] = Field(default_factory=dict)  # set -> label counts
    batch_composition: dict[str, dict[str, dict[str, int]]] = Field(default_factory=dict)
    done_at: str = Field(default_factory=now_iso)


class MetricInterval(_Model):
    """A metric with its interval. A number that is undefined here (a subgroup with one class, a
    constant prediction, too few samples for an interval) is stored as missing (null) with the
    reason, never as NaN or infinity; in memory it reads as NaN, so comparisons stay false."""

    value: float
    low: float
    high: float
    reason: str = ""  # why value, low or high is missing, in plain words

    @model_validator(mode="before")
    @classmethod
    def _missing_has_a_reason(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("reason"):
            if not _is_number(data.get("value")):
                data = {**data, "reason": "not defined for these samples"}
            elif not (_is_number(data.get("low")) and _is_number(data.get("high"))):
                data = {**data, "reason": "too few samples for an interval"}
        return data

    @field_validator("value", "low", "high", mode="before")
    @classmethod
    def _missing_reads_as_nan(cls, v: Any) -> Any:
        return math.nan if v is None else v

    @field_serializer("value", "low", "high")
    def _nan_is_stored_as_missing(self, v: float) -> float | None:
        return v if math.isfinite(v) else None

    @property
    def defined(self) -> bool:
        return math.isfinite(self.value)

    def text(self, digits: int = 3) -> str:
        """As the pages show it: "0.912  (0.850 – 0.960)", or what is missing and why."""
        if not self.defined:
            return f"not defined: {self.reason}" if self.reason else "not defined"

        def num(v: float) -> str:
            s = f"{v:.{digits}f}"
            return s[1:] if s.startswith("-") and float(s) == 0 else s

        if not (math.isfinite(self.low) and math.isfinite(self.high)):
            return f"{num(self.value)}  (no interval: {self.reason})"
        return f"{num(self.value)}  ({num(self.low)} – {num(self.high)})"


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


class Evaluation(_Model):
    """The evaluation panel's numbers for one model on one set."""

    set: Literal["tune", "test"] = "tune"
    n: int = 0
    metrics: dict[str, MetricInterval] = Field(default_factory=dict)
    prevalence: float | None = None
    confusion: list[list[int]] = Field(default_factory=list)


class FamilyResult(_Model):
    key: str
    name: str
    best_params: dict[str, Any] = Field(default_factory=dict)
    cv_mean: float | None = None
    cv_sd: float | None = None
    tune: Evaluation | None = None
    trials: int = 0
    seconds: float = 0.0
    fit_seconds: float = 0.0
    stopped_by: Literal["trials", "time", "cancel"] = "trials"
    memorises_rows: bool = False


class Control(_Model):
    # sequence_length / sequence_composition: a model of the sequences' length alone, or of
    # their letter shares alone (the shortcuts a sequence model could take instead).
    kind: Literal[
        "majority",
        "metadata_only",
        "label_shuffled",
        "sequence_length",
        "sequence_composition",
        "image_intensity",
        "image_size",
    ]
    description: str
    tune: Evaluation | None = None
    permutations: int = 0
    p_value: float | None = None
    shuffled_scores: list[float] = Field(default_factory=list)


class LedgerEntry(_Model):
    family: str
    trials_budget: int
    seconds_budget: float
    trials_used: int
    seconds_used: float
    complete: bool
    # "trials": the same number of trials each (the time is a cap); "time": the same seconds
    # each, as many trials as fit (trials_budget is then only a ceiling).
    by: Literal["trials", "time"] = "trials"


class BaselineOptions(_Model):
    families: list[str] = Field(default_factory=list)  # empty = all for the task
    # What is kept equal across families: the number of trials (with seconds_per_family as a
    # cap) or the time (seconds_per_family each, as many trials as fit).
    budget: Literal["trials", "time"] = "trials"
    trials: int = Field(default=20, ge=1, le=2000)
    seconds_per_family: float = Field(default=120.0, gt=0)
    permutations: int = Field(default=19, ge=0, le=999)
    bootstrap: int = Field(default=1000, ge=100, le=20000)
    seed: int = 0


class BaselinesSection(_Model):
    options: BaselineOptions = Field(default_factory=BaselineOptions)
    metric: str = "auroc"
    classes: list[str] = Field(default_factory=list)
    results: list[FamilyResult] = Field(default_factory=list)
    controls: list[Control] = Field(default_factory=list)
    ledger: list[LedgerEntry] = Field(default_factory=list)
    recommended: str | None = None
    recommendation: str = ""
    cancelled: bool = False
    done_at: str = Field(default_factory=now_iso)


class NetworkOptions(_Model):
    rungs: list[str] = Field(default_factory=lambda: ["mlp_small", "mlp_deep", "resmlp"])
    trials: int | None = Field(default=None, ge=1, le=2000)  # None: the baselines' budget
    seconds_per_rung: float | None = None  # None: the baselines' time cap
    max_epochs: int = Field(default=200, ge=1, le=5000)
    patience: int = Field(default=20, ge=1, le=1000)
    seeds: int = Field(default=5, ge=1, le=50)
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    mixed_precision: bool = False  # CUDA only: bfloat16 (or float16 with loss scaling)
    # Sequence networks on DNA or RNA: each training sequence is read from either strand at
    # random (its reverse complement), as the molecule allows.
    reverse_complement: bool = False
    # Image networks: random flips, 90-degree turns, crops and intensity jitter of the training
    # images (microscopy has no "up"); off trains on the images as they are.
    augment: bool = True
    # Image networks: a local safetensors file of pretrained weights for the largest rung (its
    # SHA-256 is recorded when used), or "" for none.
    pretrained: str = ""
    deterministic: bool = True
    seed: int = 0
    bootstrap: int = Field(default=1000, ge=100, le=20000)


class RungResult(_Model):
    key: str
    name: str
    best_params: dict[str, Any] = Field(default_factory=dict)
    cv_mean: float | None = None
    cv_sd: float | None = None
    train_score: float | None = None
    tune: Evaluation | None = None
    trials: int = 0
    seconds: float = 0.0
    stopped_by: Literal["trials", "time", "cancel"] = "trials"
    train_loss: list[float] = Field(default_factory=list)
    val_loss: list[float] = Field(default_factory=list)
    best_epoch: int = 0


class NetworksSection(_Model):
    options: NetworkOptions = Field(default_factory=NetworkOptions)
    metric: str = "auroc"
    rungs: list[RungResult] = Field(default_factory=list)
    stopped_because: str = ""
    chosen: str | None = None
    seed_scores: list[float] = Field(default_factory=list)
    seed_mean: float | None = None
    seed_sd: float | None = None
    shuffled_score: float | None = None
    best_baseline: str | None = None
    best_baseline_score: float | None = None
    verdict: str = ""
    ledger: list[LedgerEntry] = Field(default_factory=list)
    device: dict[str, str] = Field(default_factory=dict)
    determinism: dict[str, Any] = Field(default_factory=dict)
    cancelled: bool = False
    estimated_seconds: float | None = None  # the longest the ladder was expected to take
    done_at: str = Field(default_factory=now_iso)


class Candidate(_Model):
    """One model in the comparison: a tuned baseline family or the chosen network rung."""

    key: str  # "baseline:<family>" or "network:<rung>"
    kind: Literal["baseline", "network"]
    name: str
    tune: MetricInterval | None = None
    cv_mean: float | None = None
    cv_sd: float | None = None
    trials: int = 0
    seconds: float = 0.0
    memorises_rows: bool = False


class FinalModel(_Model):
    """The frozen final model: what it is, how it was chosen, and the file that holds it."""

    key: str
    kind: Literal["baseline", "network"]
    family: str  # the baseline family or the network rung
    name: str
    params: dict[str, Any] = Field(default_factory=dict)
    task: TaskKind = "binary"
    classes: list[str] = Field(default_factory=list)
    numeric: list[str] = Field(default_factory=list)
    categorical: list[str] = Field(default_factory=list)
    categories: dict[str, list[str]] = Field(default_factory=dict)  # seen in training
    sequence: str | None = None  # the column of sequences the model reads, if any
    alphabet: SequenceAlphabet | None = None
    # The sequence lengths seen in training (shortest, longest): predictions on sequences
    # outside them are flagged.
    sequence_lengths: tuple[int, int] | None = None
    image: str | None = None  # the column of image files the model reads, if any
    sample_id: str | None = None
    tune: Evaluation | None = None
    recommended: str | None = None
    chosen_against_recommendation: bool = False
    reason: str = ""
    files: dict[str, str] = Field(default_factory=dict)  # member name in models/ -> SHA-256
    frozen_at: str = Field(default_factory=now_iso)


class CompareOptions(_Model):
    """Which tuned model to freeze as the final model, and why when it is not the recommended
    one (the reason is then required, and printed in the report beside the recommendation)."""

    model: str = "recommended"  # "recommended", or a candidate's key ("baseline:logistic")
    reason: str = ""

    @property
    def key(self) -> str | None:
        """The candidate's key, or None for the recommended model (as is an empty name)."""
        chosen = self.model.strip()
        return None if chosen in ("", "recommended") else chosen


class CompareSection(_Model):
    metric: str = "auroc"
    candidates: list[Candidate] = Field(default_factory=list)
    recommended: str | None = None
    recommendation: str = ""
    final: FinalModel | None = None


class SubgroupResult(_Model):
    """The final model's test performance inside one value of a batch, site or sex column."""

    column: str
    value: str
    n: int
    metrics: dict[str, MetricInterval] = Field(default_factory=dict)
    below_overall: bool = False  # its interval lies entirely under the overall value


class TestLook(_Model):
    """One opening of the sealed test set (an analysis version)."""

    version: str
    reason: str = ""
    time: str = Field(default_factory=now_iso)
    user: str = ""
    model: str  # the final model's key
    model_files: dict[str, str] = Field(default_factory=dict)
    n_test: int = 0
    test_sha256: str = ""
    final: Evaluation | None = None
    baseline: str | None = None  # the best baseline, evaluated beside it
    baseline_eval: Evaluation | None = None
    tune_score: float | None = None
    subgroups: list[SubgroupResult] = Field(default_factory=list)
    # The bootstrap resamples of its intervals (None: a look saved before they were recorded).
    bootstrap: int | None = None


class TestOptions(_Model):
    """How the sealed test set is opened. The first look is the primary analysis; any later
    look needs a new ``version`` name and a ``reason`` (both printed in the report). The
    confirmation that the test set may be opened is not an option: the caller gives it at
    every opening (``steps.test.unseal(..., confirm=True)``, a plan's ``confirm = true``)."""

    __test__ = False  # not a pytest test class

    version: str = ""  # empty: the primary analysis on the first look; required later
    reason: str = ""
    bootstrap: int = Field(default=1000, ge=100, le=20000)


class TestSection(_Model):
    looks: list[TestLook] = Field(default_factory=list)
    metric: str = "auroc"


class Importance(_Model):
    """Permutation importance of one feature, or of a group of correlated features."""

    name: str
    members: list[str] = Field(default_factory=list)
    value: float
    low: float
    high: float


class PanelPoint(_Model):
    k: int
    features: list[str] = Field(default_factory=list)
    score: MetricInterval


class InterpretOptions(_Model):
    set: Literal["tune", "test"] = "tune"
    repeats: int = Field(default=20, ge=2, le=500)
    correlation: float = Field(default=0.8, gt=0.0, le=1.0)
    max_features: int = Field(default=200, ge=1, le=5000)
    panel_k: int = Field(default=5, ge=1, le=500)
    # A network that reads images: its saliency maps by occlusion (a patch covered, the change
    # measured) or by integrated gradients (from a black image). Baselines: occlusion only.
    saliency: Literal["occlusion", "integrated_gradients"] = "occlusion"
    seed: int = 0


class InterpretSection(_Model):
    options: InterpretOptions = Field(default_factory=InterpretOptions)
    metric: str = "auroc"
    model: str = ""
    n: int = 0
    grouped_by_subject: bool = False
    features_considered: int = 0
    preselected: bool = False  # only the features most associated with the label were scored
    importances: list[Importance] = Field(default_factory=list)
    coefficients: dict[str, float] = Field(default_factory=dict)  # binary / regression
    # Several classes: feature -> class -> coefficient (the model has one row per class).
    class_coefficients: dict[str, dict[str, float]] = Field(default_factory=dict)
    full_score: MetricInterval | None = None
    panel_family: str = ""
    panel: list[PanelPoint] = Field(default_factory=list)
    caveats: list[str] = Field(default_factory=list)
    failing_domains: list[str] = Field(default_factory=list)
    # A model that reads sequences: attributions per letter and enriched k-mers (issue 17).
    sequence: SequenceAttribution | None = None
    # A model that reads images: saliency over example images, the border check (issue 18).
    image: ImageAttribution | None = None
    done_at: str = Field(default_factory=now_iso)


class SensitivityAnswers(_Model):
    """The privacy page's plain questions; None = not answered yet."""

    human_subjects: bool | None = None
    health_records: bool | None = None
    genomic: bool | None = None
    identifiable: bool | None = None
    sharing_restricted: bool | None = None


class IdentifierHit(_Model):
    """A column that looks like it identifies people, and what to do about it."""

    column: str
    kind: str  # e.g. "name", "date_of_birth", "record_number", "phone", "email", "zip"
    safe_harbor: str = ""  # the HIPAA Safe Harbor category it falls under
    reason: str
    suggestion: str
    used_as_feature: bool = False


class QuasiIdentifier(_Model):
    columns: list[str]
    smallest_group: int  # k in k-anonymity: the fewest rows sharing one combination
    n_unique_rows: int = 0
    suggestion: str = ""  # what it means and what to coarsen, in plain words


class MembershipAudit(_Model):
    """A loss-threshold membership-inference attack on the final model."""

    model: str
    attack_auc: float
    tpr_at_1pct_fpr: float
    n_members: int
    n_nonmembers: int
    risk: Literal["low", "moderate", "high"]
    interpretation: str


class ExportOverride(_Model):
    justification: str
    time: str = Field(default_factory=now_iso)
    user: str = ""
    # The final model it was given for (an override does not carry over to another model) and
    # the verdict it overrode (None: the privacy check was not run for that model).
    model: str = ""
    model_files: dict[str, str] = Field(default_factory=dict)
    verdict: Literal["shareable", "shareable_after_changes", "do_not_share"] | None = None


Verdict = Literal["shareable", "shareable_after_changes", "do_not_share"]


class PrivacySection(_Model):
    answers: SensitivityAnswers = Field(default_factory=SensitivityAnswers)
    sensitive: bool = False  # set from the answers; a sensitive project is encrypted at rest
    identifiers: list[IdentifierHit] = Field(default_factory=list)
    quasi_identifiers: list[QuasiIdentifier] = Field(default_factory=list)
    memorising: list[str] = Field(default_factory=list)  # models that store training rows
    audit: MembershipAudit | None = None
    verdict: Verdict | None = None
    reasons: list[str] = Field(default_factory=list)
    override: ExportOverride | None = None
    done_at: str = Field(default_factory=now_iso)
    # The final model the check was run for: a verdict for another model does not count.
    model: str = ""
    model_files: dict[str, str] = Field(default_factory=dict)


class Study(_Model):
    schema_version: int = SCHEMA_VERSION
    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    name: str = "Untitled study"
    created: str = Field(default_factory=now_iso)
    modified: str = Field(default_factory=now_iso)
    app_version: str = __version__
    question: Question = Field(default_factory=Question)
    data: DataSection | None = None
    metadata: MetadataSection | None = None
    explore: ExploreSection | None = None
    split: SplitSection | None = None
    baselines: BaselinesSection | None = None
    networks: NetworksSection | None = None
    compare: CompareSection | None = None
    test: TestSection | None = None
    interpret: InterpretSection | None = None
    privacy: PrivacySection | None = None
    findings: list[Finding] = Field(default_factory=list)
    steps_done: dict[str, StepRecord] = Field(default_factory=dict)
    environment: dict[str, str] = Field(default_factory=dict)
