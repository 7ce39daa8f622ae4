"""What every section reads: the :class:`Context` (the project, its Study and facts derived
from it), the one-line "Not done" paragraph, and small readers of evaluations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlwizard.report.document import Paragraph
from dlwizard.report.formatting import metric_label
from dlwizard.report.words import STEP_PAGES
from dlwizard.study.model import Evaluation, MetricInterval, Study

if TYPE_CHECKING:
    from dlwizard.study.project import Project

DEFAULT_METRICS = {"binary": "auroc", "multiclass": "auroc_macro", "regression": "r2"}


class Context:
    """What several sections need: the project, the Study and derived facts."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.s: Study = project.study
        s = self.s
        self.task = s.question.task or "binary"
        self.metric = s.baselines.metric if s.baselines else DEFAULT_METRICS[self.task]
        self.label = metric_label(self.metric)
        self.n_boot = s.baselines.options.bootstrap if s.baselines else None

    def done(self, step: str) -> bool:
        return step in self.s.steps_done

    @property
    def subject_column(self) -> str | None:
        m = self.s.metadata
        return next((c for c, r in m.roles.items() if r == "subject"), None) if m else None

    def features(self) -> list[str]:
        m = self.s.metadata
        return [c for c, r in m.roles.items() if r == "feature"] if m else []

    def sequence_feature(self):
        """The SequenceInfo of the feature column of sequences the models read (None: none)."""
        d = self.s.data
        features = set(self.features())
        return next((i for i in d.sequences if i.column in features), None) if d else None

    def image_feature(self):
        """The ImageInfo of the feature column of images the models read (None: none)."""
        d = self.s.data
        features = set(self.features())
        return next((i for i in d.images if i.column in features), None) if d else None

    def feature_kinds(self) -> tuple[list[str], list[str]]:
        """Numeric and categorical features, as the model pipeline splits them (a column of
        sequences or of images is neither: see :meth:`sequence_feature`, :meth:`image_feature`)."""
        d = self.s.data
        kinds = {c.name: c.kind for c in d.columns} if d else {}
        sequences = {i.column for i in (*d.sequences, *d.images)} if d else set()
        numeric, categorical = [], []
        for col in self.features():
            if col in sequences:
                continue
            if kinds.get(col) in ("numeric", "integer"):
                numeric.append(col)
            else:
                categorical.append(col)
        return numeric, categorical

    def n_train_min(self) -> int:
        sp = self.s.split
        if sp is None or not sp.folds:
            return 0
        ids = sorted({f for f in sp.folds if f >= 0})
        if not ids:
            return len(sp.folds)
        return min(sum(1 for f in sp.folds if f != k) for k in ids)

    def best_baseline(self):
        from dlwizard.steps.modelling import best_baseline

        b = self.s.baselines
        return best_baseline(b.results, b.metric) if b is not None else None

    def family_name(self, key: str) -> str:
        b = self.s.baselines
        if b is not None:
            for r in b.results:
                if r.key == key or f"baseline:{r.key}" == key:
                    return r.name
        n = self.s.networks
        if n is not None:
            for r in n.rungs:
                if r.key == key or f"network:{r.key}" == key:
                    return f"Network: {r.name}"
        return key

    def test_entries(self) -> list:
        """The audit log's test-set entries: every look, even one whose analysis was redone."""
        return [e for e in self.project.log if e.action.startswith("test")]


def not_done(step: str, what: str = "") -> Paragraph:
    page = STEP_PAGES.get(step, step)
    page = page[4:] if page.startswith("The ") else page  # "the question step", not "the The…"
    text = f"Not done: the {page} step has not been completed in this project"
    text += f", so {what}." if what else "."
    return Paragraph(text, style="notdone")


def no_role(ctx: Context, what: str, roles: tuple[str, ...]) -> str:
    """ "no column has the batch or time-point role" plus the columns that look like one
    ("; 'site' looks like a batch, site or date column (a model input)")."""
    text = f"no column has the {what} role"
    if ctx.s.metadata is None:
        return text
    from dlwizard.steps.interpret import candidates_words

    seen = candidates_words(ctx.project, roles)
    return f"{text}; {seen}" if seen else f"{text}, and none looks like one"


def ev_metric(ev: Evaluation | None, metric: str) -> MetricInterval | None:
    if ev is None:
        return None
    return ev.metrics.get(metric)


def score(ev: Evaluation | None, metric: str) -> float:
    iv = ev_metric(ev, metric)
    return iv.value if iv is not None else float("nan")
