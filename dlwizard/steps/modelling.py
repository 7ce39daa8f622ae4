"""The shared modelling layer: what the baselines, networks, compare, test, interpret and privacy
steps (and the pages and the report) share.

- the prepared data (:func:`prepare`): the training rows with their grouped folds and the tuning
  rows, as the models see them (features, encoded labels, subjects, metadata controls);
- the evaluation on the tuning set with bootstrap intervals, as the Study records it;
- the choice of the best model and of the simplest one within noise of it (one rule for the
  baselines, the comparison and the test's yardstick);
- the refit of a tuned baseline from its recorded settings (models are never pickled);
- the one owner of the stored predictions (:func:`store_predictions`, :func:`stored_predictions`):
  one frame per set, a column per model (``key``) or per model and class (``key:class``);
- the names the pages show (metric labels, model families, settings in words), so the GUI reads
  them here rather than from ``ml``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from dlwizard.errors import StepError
from dlwizard.jobs import Job, run_interruptible
from dlwizard.ml import metrics, tuning
from dlwizard.ml.models import Family, families, pipeline, with_sequence
from dlwizard.ml.tuning import model_output
from dlwizard.study.model import Evaluation, FamilyResult, ImageInfo, MetricInterval
from dlwizard.study.project import Project

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")

TUNE_PREDICTIONS = "tune_predictions"  # the baselines' outputs on the tuning rows
TEST_PREDICTIONS = "test_predictions"  # the final model (and best baseline) on the test rows
# From simplest to most complex: the recommendation prefers the first within noise of the best.
SIMPLICITY = ("naive_bayes", "logistic", "linear", "knn", "svm", "random_forest",
              "gradient_boosting")  # fmt: skip

# What the pages show, read here so that the GUI does not import ml.
METRIC_LABELS: dict[str, str] = metrics.LABELS
settings_text = tuning.settings_text
curves = metrics.curves


@dataclass
class Prepared:
    task: str
    classes: list[str]
    numeric: list[str]
    categorical: list[str]
    x_train: Any
    y_train: np.ndarray
    folds: np.ndarray
    x_tune: Any
    y_tune: np.ndarray
    groups_tune: np.ndarray | None
    tune_ids: list[int]
    meta_cols: list[str]
    meta_train: Any
    meta_tune: Any
    # The column of sequences among the features, and its alphabet (None: a plain table).
    sequence: str | None = None
    alphabet: str | None = None
    # The column of image files among the features (issue 18): the baselines read its image
    # features (numeric columns named "image: ...", in ``numeric``), the networks its pixels.
    image: ImageInfo | None = None

    @property
    def columns(self) -> list[str]:
        """The columns the models read, in order (an image column last: the baselines' pipelines
        leave it alone, the image networks read it)."""
        extra = [self.sequence] if self.sequence else [self.image.column] if self.image else []
        return self.numeric + self.categorical + extra

    def families(self) -> dict[str, Family]:
        """The baseline families for this task, fitted on k-mer profiles where the features
        include sequences."""
        zoo = families(self.task)
        if self.sequence is None or self.alphabet is None:
            return zoo
        return {k: with_sequence(f, self.sequence, self.alphabet) for k, f in zoo.items()}


# -- the prepared data ---------------------------------------------------------------------------
def sequence_feature(project: Project) -> tuple[str, str] | None:
    """The feature column that holds sequences, with its alphabet: the first one, if several
    (the models read one sequence per row)."""
    data, metadata = project.study.data, project.study.metadata
    if data is None or metadata is None:
        return None
    roles = metadata.roles
    table = project.table
    for info in data.sequences:
        if roles.get(info.column) == "feature" and table is not None and info.column in table:
            return info.column, info.alphabet
    return None


def image_feature(project: Project) -> ImageInfo | None:
    """The feature column of image files: the first one, if several (the models read one image
    per row)."""
    from dlwizard.steps import images

    # The image facade's choice, once the metadata step has given the column its role.
    return images.image_feature(project) if project.study.metadata is not None else None


def feature_columns(project: Project) -> tuple[list[str], list[str]]:
    """The numeric and categorical feature columns (a column of sequences or of image files is
    neither: see :func:`sequence_feature` and :func:`image_feature`)."""
    import pandas as pd

    df = project.table
    roles = project.study.metadata.roles
    data = project.study.data
    sequences = {i.column for i in data.sequences} if data is not None else set()
    if data is not None:
        sequences |= {i.column for i in data.images}
    numeric, categorical = [], []
    for col, role in roles.items():
        if role != "feature" or col not in df.columns or col in sequences:
            continue
        dtype = df[col].dtype
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            categorical.append(col)
        else:
            numeric.append(col)
    return numeric, categorical


def model_input(p: Prepared, rows: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``rows`` the models read, as :func:`prepare` gives them (a missing
    sequence as an empty one)."""
    if p.image is not None:  # the baselines' image features, computed from the files
        from dlwizard.steps.image_inputs import with_features

        rows = with_features(p.image, rows)
    x = rows[p.columns]
    if p.sequence is not None:
        x = x.assign(**{p.sequence: x[p.sequence].fillna("").astype(str)})
    return x


def encode_labels(values: pd.Series, task: str, classes: list[str]) -> np.ndarray:
    if task == "regression":
        return values.to_numpy(dtype=float)
    from dlwizard.steps.question import class_labels

    index = {c: i for i, c in enumerate(classes)}
    return class_labels(values).map(index).to_numpy(dtype=int)


def prepare(project: Project) -> Prepared:
    s = project.study
    if s.split is None or project.table is None:
        raise StepError("split the data before tuning baselines")
    from dlwizard.steps.metadata import require_target_role

    require_target_role(project, "train a model")
    q = s.question
    task = q.task or "binary"
    classes = list(q.classes)
    if task == "binary" and q.positive_class in classes:
        # Index 1 is the class of interest, so probabilities are for it.
        classes = [c for c in classes if c != q.positive_class] + [q.positive_class]
    numeric, categorical = feature_columns(project)
    seq = sequence_feature(project)
    image = image_feature(project)
    if not numeric and not categorical and seq is None and image is None:
        raise StepError("no column has the feature role", fix="set roles on the metadata page.")
    df = project.table
    columns = numeric + categorical
    if seq is not None:
        # A missing sequence is read as an empty one (no k-mers), never as the text "nan".
        df = df.assign(**{seq[0]: df[seq[0]].fillna("").astype(str)})
        columns = [*columns, seq[0]]
    train = df.loc[s.split.train]
    tune = df.loc[s.split.tune]
    if image is not None:  # features of the training and tuning images only (the test is sealed)
        from dlwizard.steps.image_inputs import feature_names, with_features

        train, tune = with_features(image, train), with_features(image, tune)
        numeric = numeric + feature_names(image)
        columns = [*numeric, *categorical, image.column]
    subject = project.column_with("subject", in_table=False)
    meta = [c for c, r in s.metadata.roles.items() if r in ("batch", "time_point")
            and c in df.columns]  # fmt: skip
    return Prepared(
        task=task,
        classes=classes,
        numeric=numeric,
        categorical=categorical,
        x_train=train[columns],
        y_train=encode_labels(train[q.target], task, classes),
        folds=np.asarray(s.split.folds, dtype=int),
        x_tune=tune[columns],
        y_tune=encode_labels(tune[q.target], task, classes),
        groups_tune=tune[subject].astype(str).to_numpy() if subject else None,
        tune_ids=[int(i) for i in tune.index],
        meta_cols=meta,
        meta_train=train[meta].astype("str"),
        meta_tune=tune[meta].astype("str"),
        sequence=seq[0] if seq else None,
        alphabet=seq[1] if seq else None,
        image=image,
    )


def load_frozen(project: Project, image_root: str | None = None):
    """The frozen final model, able to read its inputs: for a model that reads images, the
    files of the image column (relative to the imported folder, or to ``image_root`` for new
    images to predict)."""
    from dlwizard.ml import frozen

    compared = project.study.compare
    if compared is None or compared.final is None:
        raise StepError("no final model is frozen yet", fix="freeze one on the comparison page.")
    final = compared.final
    pixels = None
    info = image_feature(project)
    if final.image and info is not None:
        from dlwizard.steps.image_inputs import pixels as read

        if image_root is not None:
            info = info.model_copy(update={"root": image_root, "sha256": {}})
        pixels = lambda paths: read(info, paths)  # noqa: E731
    return frozen.load(final, project.models, pixels)


# -- evaluation ----------------------------------------------------------------------------------
def interval(iv: metrics.Interval) -> MetricInterval:
    return MetricInterval(value=iv.value, low=iv.low, high=iv.high, reason=iv.reason)


def as_evaluation(ev: metrics.Evaluation, which: str) -> Evaluation:
    """The bootstrap's result as the Study records it, for the tuning or the test set."""
    return Evaluation(
        set=which,
        n=ev.n,
        metrics={k: interval(v) for k, v in ev.metrics.items()},
        prevalence=ev.prevalence,
        confusion=ev.confusion,
    )


def evaluation(p: Prepared, out: np.ndarray, n_boot: int, seed: int) -> Evaluation:
    ev = metrics.bootstrap(p.task, p.y_tune, out, p.groups_tune, n_boot=n_boot, seed=seed)
    return as_evaluation(ev, "tune")


# -- the choice of a model -----------------------------------------------------------------------
def tune_value(result: Any, metric: str) -> float:
    """A tuned result's (or control's) tuning-set value of ``metric``; NaN when it has none."""
    if result.tune is None or metric not in result.tune.metrics:
        return float("nan")
    return result.tune.metrics[metric].value


def simplicity(key: str) -> int:
    """A baseline family's place from simplest (0) to most complex; unknown families last."""
    return SIMPLICITY.index(key) if key in SIMPLICITY else len(SIMPLICITY)


def within_noise_of_best(
    items: Iterable[T], interval_of: Callable[[T], MetricInterval | None], metric: str
) -> tuple[T | None, list[T]]:
    """The best of ``items`` on ``metric`` (the first one on a tie) and every item whose value is
    inside the best one's 95% interval (at or above its lower bound, or at or below its upper
    bound for an error). Items without a finite value take no part."""
    scored = []
    for item in items:
        iv = interval_of(item)
        if iv is not None and np.isfinite(iv.value):
            scored.append((item, iv))
    if not scored:
        return None, []
    higher = metrics.HIGHER_IS_BETTER.get(metric, True)
    best, best_iv = max(scored, key=lambda s: s[1].value if higher else -s[1].value)
    bound = best_iv.low if higher else best_iv.high
    within = [item for item, iv in scored if (iv.value >= bound if higher else iv.value <= bound)]
    # An interval without bounds (too few rows for a bootstrap) holds only the best itself.
    return best, within or [best]


def _tune_interval(metric: str) -> Callable[[Any], MetricInterval | None]:
    return lambda r: r.tune.metrics.get(metric) if r.tune is not None else None


def best_baseline(results: Sequence[FamilyResult], metric: str) -> FamilyResult | None:
    """The tuned baseline with the best tuning-set ``metric`` (None when none was scored): the
    one the permutation control, the networks' verdict and the test's yardstick use."""
    return within_noise_of_best(results, _tune_interval(metric), metric)[0]


def simplest_within_noise(
    results: Sequence[FamilyResult], metric: str
) -> tuple[FamilyResult | None, FamilyResult | None]:
    """The best tuned baseline, and the simplest one inside its 95% interval (the one the
    baselines step recommends; the best itself when no simpler one is that close)."""
    best, within = within_noise_of_best(results, _tune_interval(metric), metric)
    if best is None:
        return None, None
    return best, min(within, key=lambda r: simplicity(r.key))


# -- refit ---------------------------------------------------------------------------------------
def refit(project: Project, key: str, job: Job | None = None):
    """Rebuild a tuned baseline from its recorded settings and seed (models are never pickled),
    and check that it reproduces the stored tuning-set predictions exactly."""
    job = job or Job()
    section = project.study.baselines
    if section is None:
        raise StepError("tune the baselines first")
    result = next((r for r in section.results if r.key == key and r.tune is not None), None)
    if result is None:
        raise StepError(f"there is no tuned baseline '{key}'")
    p = prepare(project)
    fam = families(p.task)[key]
    model = pipeline(fam, result.best_params, p.numeric, p.categorical, section.options.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run_interruptible(lambda: model.fit(p.x_train, p.y_train), job)
    out = model_output(model, p.x_tune, p.task, len(p.classes))
    if TUNE_PREDICTIONS in project.frames:
        _, expected = stored_predictions(project, key, rows=p.tune_ids)
        got = out.reshape(len(out), -1)
        if not np.allclose(expected.reshape(len(got), -1), got, rtol=1e-7, atol=1e-9):
            raise StepError(
                f"refitting {fam.name} from its recorded settings did not reproduce the stored "
                "predictions",
                fix="the software versions differ from those that tuned it; tune the baselines "
                "again with this version.",
            )
    return model


# -- the stored predictions ----------------------------------------------------------------------
def store_predictions(
    project: Project,
    row_ids: Iterable[int],
    outputs: dict[str, np.ndarray | None],
    classes: Sequence[str],
    *,
    labels: np.ndarray | None = None,
    name: str = TUNE_PREDICTIONS,
) -> None:
    """Keep the models' outputs on a set of rows in the project (frame ``name``): a ``row_id``
    column, the encoded ``label`` when given, then per model ``key`` one column (a binary
    task's probability of the positive class, or a regression's value) or one ``key:class``
    column per class. A model whose output is None is left out."""
    import pandas as pd

    columns: dict[str, np.ndarray] = {"row_id": np.asarray(list(row_ids), dtype=int)}
    if labels is not None:
        columns["label"] = labels
    for key, out in outputs.items():
        if out is None:
            continue
        if out.ndim == 1:
            columns[key] = out
        else:
            for i, c in enumerate(classes):
                columns[f"{key}:{c}"] = out[:, i]
    project.frames[name] = pd.DataFrame(columns)


def stored_predictions(
    project: Project,
    key: str,
    *,
    name: str = TUNE_PREDICTIONS,
    rows: Sequence[int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The encoded labels and model ``key``'s stored outputs (one value per row, or a row of
    class probabilities) from frame ``name``, in its row order or in the order of ``rows``.
    Labels are those stored with the frame, else read from the table (the tuning rows).
    Raises StepError when nothing is stored for ``key``, KeyError for a row it does not hold."""
    frame = project.frames.get(name)
    if frame is None:
        raise StepError(f"no predictions are stored ({name.replace('_', ' ')})")
    cols = [c for c in frame.columns if c == key or str(c).startswith(f"{key}:")]
    if not cols:
        raise StepError(f"no stored predictions for '{key}' ({name.replace('_', ' ')})")
    if rows is not None:
        frame = frame.set_index("row_id").loc[list(rows)].reset_index()
    out = frame[cols].to_numpy()
    scores = out[:, 0] if out.shape[1] == 1 else out
    if "label" in frame.columns:
        return frame["label"].to_numpy(), scores
    s = project.study
    if project.table is None or not s.question.target:
        raise StepError("the data table is not loaded, so the stored labels cannot be read")
    task = s.question.task or "binary"
    classes = list(s.baselines.classes) if s.baselines is not None else list(s.question.classes)
    target = project.table.loc[frame["row_id"].to_numpy(), s.question.target]
    return encode_labels(target, task, classes), scores


def duration_words(seconds: float) -> str:
    """A duration as people say it: "under a minute", "about 4 minutes", "about 1 h 10 min"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes > 1 else ''}"
    return f"about {minutes // 60} h {minutes % 60:02d} min"
