"""The methods report's content, built from a project's Study and audit log (no Qt).

:func:`build_report` returns a :class:`~dlwizard.report.document.Report`: sections that follow
DOME (Data, Optimisation, Model, Evaluation) plus the question, interpretation, privacy,
findings, a reproducibility appendix, the reporting checklists and the audit log. Every number
comes from the Study; a step that was not done says so in one plain line, and nothing is
invented. The report never prints table rows or sample IDs: values of identifying columns are
blanked wherever a message would quote them (:class:`Redactor`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from dlwizard import __version__
from dlwizard.report import checklists
from dlwizard.report.document import (
    Block,
    Bullets,
    Code,
    Figure,
    Panel,
    Paragraph,
    Report,
    Section,
    Table,
)
from dlwizard.study import registry
from dlwizard.study.model import Evaluation, MetricInterval, Study

if TYPE_CHECKING:
    from dlwizard.study.project import Project

TITLE = "Methods report"
ID_ROLES = ("sample_id", "subject", "sensitive")
REDACTED = "[redacted]"
MAX_LEFT_OUT = 30  # columns left out of the model named one by one; the rest are counted
MAX_IMPORTANCES = 20
MAX_BATCH_VALUES = 12
MIN_SUBGROUP_SHOWN = 5  # subgroups with fewer test rows are counted, not named
STEP_PAGES = {key: registry.title(key) for key in registry.ORDER}  # as the wizard names them
DESIGNS = {
    "unknown": "not stated",
    "randomised_trial": "randomised trial",
    "observational": "observational",
    "passive": "passively collected",
}
TASKS = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "regression": "regression",
}


# -- formatting -------------------------------------------------------------------------------
def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


def fmt(v: Any, digits: int = 3) -> str:
    """A metric value as the report prints it: three decimals, "n/a" when missing."""
    if isinstance(v, bool) or not _finite(v):
        return "n/a"
    text = f"{v:.{digits}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text  # never "-0.000"


def fmt_interval(iv: MetricInterval | None, digits: int = 3) -> str:
    """A value with its 95% interval, as printed everywhere in the report."""
    if iv is None:
        return "n/a"
    if not _finite(iv.value):
        return f"n/a ({iv.reason})" if iv.reason else "n/a"
    if not (_finite(iv.low) and _finite(iv.high)):
        return fmt(iv.value, digits) + (f" (no interval: {iv.reason})" if iv.reason else "")
    return f"{fmt(iv.value, digits)} ({fmt(iv.low, digits)}–{fmt(iv.high, digits)})"


def fmt_seconds(s: float | None) -> str:
    if not _finite(s):
        return "n/a"
    if s < 60:
        return f"{s:.1f} s"
    return f"{s / 60:.1f} min"


def fmt_value(v: Any) -> str:
    """A setting's value: numbers to four significant digits."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def fmt_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {fmt_value(v)}" for k, v in params.items()) or "defaults"


def fmt_range(r: tuple) -> str:
    if r[0] == "cat":
        return "one of " + ", ".join(fmt_value(c) for c in r[1])
    kind, low, high, log = r
    scale = ", log scale" if log else ""
    what = "integer" if kind == "int" else "real"
    return f"{fmt_value(low)} to {fmt_value(high)} ({what}{scale})"


def fmt_p(p: float | None) -> str:
    """A p-value: three decimals, or two significant digits below 0.001."""
    if not _finite(p):
        return "n/a"
    return f"{p:.1e}" if p < 0.001 else f"{p:.3f}"


MEASURES = {"cramers_v": "Cramér's V", "eta": "correlation ratio η"}


def fmt_measure(measure: str) -> str:
    base, by_month = measure.removesuffix("_by_month"), measure.endswith("_by_month")
    return MEASURES.get(base, base.replace("_", " ")) + (" (by month)" if by_month else "")


def fmt_time(t: str) -> str:
    """An ISO time as "2026-01-05 10:00:00 UTC" (UTC whatever the zone it was written in)."""
    if not t:
        return ""
    try:
        when = datetime.fromisoformat(str(t).replace("Z", "+00:00"))
    except ValueError:
        return str(t)
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M:%S")
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")


def fmt_pct(x: float | None) -> str:
    return "n/a" if not _finite(x) else f"{x:.0%}"


def _metric_label(metric: str) -> str:
    from dlwizard.ml import metrics

    return metrics.LABELS.get(metric, metric)


def _ev_metric(ev: Evaluation | None, metric: str) -> MetricInterval | None:
    if ev is None:
        return None
    return ev.metrics.get(metric)


def not_done(step: str, what: str = "") -> Paragraph:
    page = STEP_PAGES.get(step, step)
    text = f"Not done: the {page} step has not been completed in this project"
    text += f", so {what}." if what else "."
    return Paragraph(text, style="notdone")


# -- redaction ----------------------------------------------------------------------------------
class Redactor:
    """Blanks values of identifying columns (sample IDs, subjects, sensitive columns, columns the
    privacy step flagged) wherever the report's text would quote one, e.g. in a finding that
    names an example ID. Short numeric IDs are blanked only where quoted, so that counts and
    scores that happen to equal an ID stay readable."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.tokens: set[str] = set()
        self.quoted: set[str] = set()
        self.phrases: dict[str, list[str]] = {}
        for raw in values:
            v = str(raw).strip()
            if len(v) < 2 or v.lower() in ("nan", "none", "<na>"):
                continue
            if re.fullmatch(r"[-+]?\d+(\.\d+)?", v) and len(v) < 6:
                self.quoted.add(v)
            elif " " in v:
                self.phrases.setdefault(v.split()[0], []).append(v)
            elif len(v) >= 3:
                self.tokens.add(v)
            else:
                self.quoted.add(v)
        for first in self.phrases:
            self.phrases[first].sort(key=len, reverse=True)

    @classmethod
    def for_project(cls, project: Project) -> Redactor:
        s = project.study
        cols: set[str] = set()
        if s.metadata is not None:
            cols |= {c for c, r in s.metadata.roles.items() if r in ID_ROLES}
            # Names, e-mails, record numbers: whatever role they were given, their values
            # identify people (the metadata step's evidence quotes some).
            cols |= {
                c
                for c, seen in s.metadata.detections.items()
                if any(d.code == "person-identifier" for d in seen)
            }
        if s.data is not None and s.data.options.sample_id_column:
            cols.add(s.data.options.sample_id_column)
        if s.privacy is not None:
            cols |= {h.column for h in s.privacy.identifiers}
        return cls(project.identifying_values(cols))

    def __bool__(self) -> bool:
        return bool(self.tokens or self.quoted or self.phrases)

    def __call__(self, text: str) -> str:
        if not self or not text:
            return text
        if self.quoted:
            text = _QUOTED.sub(self._quoted, text)
        if self.phrases:
            text = self._phrases(text)
        return _TOKEN.sub(self._token, text)

    def _phrases(self, text: str) -> str:
        out, pos = [], 0
        for m in _TOKEN.finditer(text):
            if m.start() < pos:
                continue
            for phrase in self.phrases.get(m.group(0), ()):
                if text.startswith(phrase, m.start()):
                    out.append(text[pos : m.start()] + REDACTED)
                    pos = m.start() + len(phrase)
                    break
        return "".join(out) + text[pos:] if out else text

    def _quoted(self, m: re.Match) -> str:
        if m.group(2).strip() in self.quoted:
            return m.group(1) + REDACTED + m.group(3)
        return m.group(0)

    def _token(self, m: re.Match) -> str:
        tok = m.group(0)
        core = tok.rstrip(".:!?")
        if core in self.tokens:
            return REDACTED + tok[len(core) :]
        return tok

    def scrub_report(self, report: Report) -> None:
        if not self:
            return
        for block in [*report.front, *(b for s in report.all_sections() for b in s.blocks)]:
            _scrub_block(block, self)


_TOKEN = re.compile(r"[^\s'\"(),;\[\]{}‘’“”]+")
_QUOTED = re.compile(r"(['\"‘“])([^'\"’”\n]{1,60})(['\"’”])")


def _scrub_block(block: Block, fn) -> None:
    if isinstance(block, Paragraph):
        block.text = fn(block.text)
    elif isinstance(block, Bullets):
        block.items = [fn(i) for i in block.items]
    elif isinstance(block, Table):
        block.caption = fn(block.caption)
        block.rows = [[fn(c) for c in row] for row in block.rows]
    elif isinstance(block, Figure):
        block.caption = fn(block.caption)
    elif isinstance(block, Code):
        block.text = fn(block.text)


# -- the report ---------------------------------------------------------------------------------
class _Context:
    """What several sections need: the project, the Study and derived facts."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.s: Study = project.study
        s = self.s
        self.task = s.question.task or "binary"
        self.metric = (
            s.baselines.metric
            if s.baselines
            else {"binary": "auroc", "multiclass": "auroc_macro", "regression": "r2"}[self.task]
        )
        self.label = _metric_label(self.metric)
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

    def feature_kinds(self) -> tuple[list[str], list[str]]:
        """Numeric and categorical features, as the model pipeline splits them."""
        d = self.s.data
        kinds = {c.name: c.kind for c in d.columns} if d else {}
        numeric, categorical = [], []
        for col in self.features():
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


def _no_role(ctx: _Context, what: str, roles: tuple[str, ...]) -> str:
    """ "no column has the batch or time-point role" plus the columns that look like one
    ("; 'site' looks like a batch, site or date column (a model input)")."""
    text = f"no column has the {what} role"
    if ctx.s.metadata is None:
        return text
    from dlwizard.steps.interpret import candidates_words

    seen = candidates_words(ctx.project, roles)
    return f"{text}; {seen}" if seen else f"{text}, and none looks like one"


def _score(ev: Evaluation | None, metric: str) -> float:
    iv = _ev_metric(ev, metric)
    return iv.value if iv is not None else float("nan")


def build_report(project: Project, generated: datetime | None = None) -> Report:
    """The whole methods report for ``project``, as structured data."""
    ctx = _Context(project)
    s = ctx.s
    when = (generated or datetime.now(UTC)).astimezone()
    report = Report(
        project_name=s.name,
        title=TITLE,
        generated=when.strftime("%Y-%m-%d %H:%M %Z").strip(),
        app_version=__version__,
        study_id=s.id,
    )
    report.front = _front(ctx)
    report.sections = [
        _summary(ctx),
        _question(ctx),
        _data(ctx),
        _optimisation(ctx),
        _model(ctx),
        _evaluation(ctx),
        _interpretation(ctx),
        _privacy(ctx),
        _findings(ctx),
    ]
    report.appendices = [_reproducibility(ctx), Section("checklists", "Reporting checklists")]
    report.appendices.append(_audit_log(ctx))
    report.number()
    checklist_section = report.find("checklists")
    checklist_section.subsections = _checklists(ctx, report)
    report.number()
    Redactor.for_project(project).scrub_report(report)
    return report


# -- front matter ---------------------------------------------------------------------------------
def _front(ctx: _Context) -> list[Block]:
    s = ctx.s
    done = [STEP_PAGES.get(k, k) for k in s.steps_done]
    lines = [
        ("Study", s.name),
        ("Study ID", s.id),
        ("Created", fmt_time(s.created)),
        ("Last changed", fmt_time(s.modified)),
        ("Written with", f"dlwizard {s.app_version} (report by dlwizard {__version__})"),
        ("Steps done", ", ".join(done) or "none"),
        ("Test set", _test_status(ctx)),
    ]
    if s.privacy is not None and s.privacy.sensitive:
        lines.append(("Data", "sensitive: the project is encrypted at rest"))
    return [
        Table(["", ""], [[k, v] for k, v in lines], widths=[1, 3]),
        Paragraph(
            "Generated from the project's record of every answer, result and check. Numbers "
            "are those the analysis produced; steps not done are marked as such. Items only the "
            "authors can supply (ethics, funding, data availability, registration) are listed "
            "in the checklist appendix, never filled in. No data rows or sample IDs are printed.",
            style="note",
        ),
    ]


def _test_status(ctx: _Context) -> str:
    s = ctx.s
    looks = _audit_looks(ctx)
    if looks:
        n = len(looks)
        return f"opened {n} time{'s' if n != 1 else ''} (every look is listed under Evaluation)"
    if s.split is None:
        return "no split yet"
    return "sealed, never opened"


# -- 1 summary ---------------------------------------------------------------------------------
def _summary(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("summary", "Summary")
    rows: list[list[str]] = []
    q = s.question
    if q.target:
        rows.append(["Question", _question_sentence(ctx)])
    if s.data:
        rows.append(["Data", f"{s.data.n_rows} samples × {s.data.n_columns} columns"])
    if s.split:
        sp = s.split
        rows.append(
            ["Split", f"training {len(sp.train)}, tuning {len(sp.tune)}, test {len(sp.test)}"]
        )
    best = ctx.best_baseline()
    if best is not None:
        rows.append(
            [
                "Best baseline",
                f"{best.name}: tuning {ctx.label} "
                f"{fmt_interval(_ev_metric(best.tune, ctx.metric))}",
            ]
        )
    n = s.networks
    if n is not None and n.chosen:
        rung = next((r for r in n.rungs if r.key == n.chosen), None)
        if rung is not None:
            rows.append(
                [
                    "Best network",
                    f"{rung.name}: tuning {ctx.label} "
                    f"{fmt_interval(_ev_metric(rung.tune, ctx.metric))}",
                ]
            )
    final = s.compare.final if s.compare else None
    rows.append(["Final model", final.name if final else "not frozen yet"])
    if s.test and s.test.looks:
        look = s.test.looks[0]
        m = s.test.metric
        rows.append(
            [
                "Test result",
                f"{_metric_label(m)} {fmt_interval(_ev_metric(look.final, m))} on {look.n_test} "
                f"test samples ({look.version})",
            ]
        )
    else:
        rows.append(["Test result", "not done: the test set has not been opened"])
    p = s.privacy
    rows.append(["Privacy verdict", _verdict_text(p.verdict) if p and p.verdict else "not done"])
    warnings = [f for f in s.findings if f.severity != "info"]
    rows.append(["Open warnings", str(len(warnings))])
    sec.subsections.append(
        Section("glance", "At a glance").add(Table(["", ""], rows, widths=[1, 3]))
    )
    sec.subsections.append(
        Section("methods", "Methods paragraph").add(
            Paragraph(
                "Plain prose with the numbers filled in, ready to adapt for a paper's methods "
                "section.",
                style="note",
            ),
            *[Paragraph(p, style="quote") for p in methods_paragraphs(ctx.project)],
        )
    )
    return sec


def _question_sentence(ctx: _Context) -> str:
    q = ctx.s.question
    unit = q.unit_other if q.unit == "other" and q.unit_other else q.unit
    text = f"predict '{q.target}' per {unit} ({TASKS.get(q.task or '', 'task not set')}"
    if q.positive_class:
        text += f"; positive class '{q.positive_class}'"
    return text + ")"


# -- the methods paragraph -------------------------------------------------------------------
def methods_paragraph(project: Project) -> str:
    """The methods paragraph as one string (paragraphs separated by blank lines)."""
    return "\n\n".join(methods_paragraphs(project))


def methods_paragraphs(project: Project) -> list[str]:
    ctx = _Context(project)
    s = ctx.s
    q = s.question
    out: list[str] = []
    if not q.target or s.data is None:
        return ["[No methods can be described yet: the question and data steps are not done.]"]
    numeric, categorical = ctx.feature_kinds()
    unit = q.unit_other if q.unit == "other" and q.unit_other else q.unit
    task = TASKS.get(q.task or "", "prediction")
    p1 = f"We trained models to predict {q.target} per {unit} ({task}"
    if q.positive_class:
        p1 += f", positive class '{q.positive_class}'"
    p1 += ")"
    if s.metadata is not None:
        p1 += (
            f" from {len(numeric) + len(categorical)} features ({len(numeric)} numeric, "
            f"{len(categorical)} categorical)"
        )
    p1 += f" measured on {s.data.n_rows} samples"
    if s.metadata is not None and s.metadata.n_subjects and ctx.subject_column:
        p1 += f" from {s.metadata.n_subjects} subjects"
    p1 += "."
    if q.class_counts:
        p1 += (
            " Samples per class: "
            + ", ".join(f"'{k}' {v}" for k, v in q.class_counts.items())
            + "."
        )
    prov = s.data.provenance
    source = []
    if prov.source:
        source.append(f"The data were obtained from {prov.source}")
        if prov.doi:
            source.append(f" (DOI {prov.doi})")
        if prov.version:
            source.append(f", version {prov.version}")
        if prov.date_obtained:
            source.append(f", on {prov.date_obtained}")
        source.append(".")
    files = [f for f in s.data.files if f.role in ("data", "bundled")]
    if files:
        source.append(
            " The imported file"
            + ("s had" if len(files) > 1 else " had")
            + " SHA-256 "
            + "; ".join(f"{f.sha256[:16]}…" for f in files)
            + "."
        )
    p1 += " " + "".join(source) if source else ""
    if s.metadata is not None and s.metadata.design != "unknown":
        p1 += f" The study design is {DESIGNS[s.metadata.design]}."
    out.append(p1.strip())

    if s.split is not None:
        sp = s.split
        n = len(sp.train) + len(sp.tune) + len(sp.test)
        p2 = (
            f"Samples were split into a training set (n = {len(sp.train)}), a tuning set "
            f"(n = {len(sp.tune)}) and a test set (n = {len(sp.test)}), "
        )
        p2 += "stratified by class" if q.task != "regression" else "at random"
        if sp.group_column:
            p2 += f" and grouped by {sp.group_column}, so that no subject contributed to two sets"
        if sp.options.hold_out_column:
            p2 += (
                f"; the test set was the held-out {sp.options.hold_out_column} "
                f"{', '.join(sp.options.hold_out_values)}"
            )
        p2 += f" (seed {sp.options.seed}; {n} labelled samples"
        if sp.excluded:
            p2 += f", {len(sp.excluded)} unlabelled samples excluded"
        p2 += "). Exact and near-duplicate samples were kept in the same set. "
        p2 += (
            f"The test set was sealed at the split (SHA-256 of its sample list "
            f"{sp.test_sha256[:16]}…) and not used for any choice of preprocessing, model or "
            "setting."
        )
        out.append(p2)

    if s.baselines is not None:
        b = s.baselines
        fams = "; ".join(_lower_first(r.name) for r in b.results)
        p3 = (
            "Numeric features were imputed with the training median and standardised; "
            "categorical features were imputed with the most frequent value and one-hot "
            "encoded; every preprocessing step was fitted on the training folds only. "
        )
        p3 += (
            f"We tuned {len(b.results)} baseline model families ({fams}) with an equal budget "
            f"of {b.options.trials} trials and at most {fmt_seconds(b.options.seconds_per_family)} "
            f"per family, using seeded tree-structured Parzen estimator search (Optuna) over "
            f"{s.split.n_folds if s.split else '?'}-fold "
            + ("grouped " if s.split and s.split.group_column else "")
            + f"cross-validation within the training set, selecting by {ctx.label}."
        )
        n = s.networks
        if n is not None and n.rungs:
            o = n.options
            p3 += (
                " Neural networks were trained as a ladder from small to large ("
                + "; ".join(r.name for r in n.rungs)
                + ") with the same trial budget, AdamW, a cosine learning-rate schedule, "
                f"dropout and weight decay searched, and early stopping (patience {o.patience}, "
                f"at most {o.max_epochs} epochs) on a validation fold inside the training set."
            )
            if n.seed_mean is not None:
                p3 += (
                    f" The chosen network was retrained with {len(n.seed_scores)} seeds (tuning "
                    f"{ctx.label} {fmt(n.seed_mean)} ± {fmt(n.seed_sd)} SD)."
                )
        out.append(p3)
        p4 = []
        maj = _control(b, "majority")
        if maj is not None:
            p4.append(f"a majority-class predictor ({ctx.label} {fmt(_score(maj.tune, b.metric))})")
        meta = _control(b, "metadata_only")
        if meta is not None:
            p4.append(
                f"a model on the metadata alone ({ctx.label} {fmt(_score(meta.tune, b.metric))})"
            )
        shuf = _control(b, "label_shuffled")
        if shuf is not None and shuf.p_value is not None:
            p4.append(
                f"the best baseline refitted on shuffled labels ({shuf.permutations} "
                f"permutations, p = {fmt(shuf.p_value)})"
            )
        if p4:
            out.append(
                "Controls: " + "; ".join(p4) + ". Tuning-set intervals are 95% stratified "
                f"bootstrap intervals ({b.options.bootstrap} resamples"
                + (", resampling whole subjects" if ctx.subject_column else "")
                + ")."
            )
    final = s.compare.final if s.compare else None
    if final is not None:
        p5 = f"The final model, {final.name}, was frozen"
        if final.chosen_against_recommendation:
            p5 += f" against the recommendation (reason given: {final.reason or 'none'})"
        elif s.compare.recommendation:
            p5 += " as recommended: " + _lower_first(s.compare.recommendation)
        p5 = p5.rstrip(".") + "."
        out.append(p5)
    if s.test is not None and s.test.looks:
        m = s.test.metric
        look = s.test.looks[0]
        ev = look.final
        parts = [f"{_metric_label(m)} {_ci_words(_ev_metric(ev, m))}"]
        for k in ("auprc", "balanced_accuracy", "brier", "rmse", "mae"):
            if k != m and ev is not None and k in ev.metrics:
                parts.append(f"{_metric_label(k)} {_ci_words(ev.metrics[k])}")
        p6 = (
            f"The test set was opened once for the frozen model ({look.version}, "
            f"{fmt_time(look.time)}). "
            f"On its {look.n_test} samples the model reached " + ", ".join(parts)
        )
        if ev is not None and ev.prevalence is not None and q.task == "binary":
            p6 += f" (prevalence {fmt(ev.prevalence, 2)})"
        p6 += "."
        if look.baseline and look.baseline_eval is not None:
            p6 += (
                f" The best baseline, {ctx.family_name(look.baseline)}, reached "
                f"{_metric_label(m)} {_ci_words(_ev_metric(look.baseline_eval, m))}."
            )
        extra = len(s.test.looks) - 1
        if extra:
            p6 += (
                f" The test set was opened {extra} more time{'s' if extra > 1 else ''} as "
                "declared analysis versions ("
                + "; ".join(
                    f"{lk.version}: {lk.reason or 'no reason given'}" for lk in s.test.looks[1:]
                )
                + "); only the first look is an untouched estimate."
            )
        out.append(p6)
    else:
        out.append("[The test set has not been opened yet: no test result can be reported.]")
    if s.interpret is not None and s.interpret.importances:
        it = s.interpret
        top = ", ".join(i.name for i in it.importances[:3])
        out.append(
            f"Permutation importance ({it.options.repeats} repeats on the "
            f"{'tuning' if it.options.set == 'tune' else 'test'} set) ranked {top} highest; "
            "importance describes what the model relies on, not what causes the outcome."
        )
    env = s.environment
    if env:
        libs = [f"Python {env['python']}"] if "python" in env else []
        libs += [f"{k} {env[k]}" for k in ("scikit-learn", "numpy", "pandas") if k in env]
        if s.networks is not None and s.networks.device.get("torch"):
            libs.append(f"PyTorch {s.networks.device['torch']}")
        sentence = f"Analyses were run with dlwizard {env.get('dlwizard', s.app_version)}"
        if libs:
            sentence += " (" + ", ".join(libs) + ")"
        if s.networks is not None and s.networks.device:
            dev = s.networks.device
            sentence += f"; networks on {dev.get('gpu') or dev.get('device', 'cpu').upper()}"
            if s.networks.determinism.get("deterministic_algorithms"):
                sentence += " in deterministic mode"
        out.append(sentence + ".")
    return out


def _ci_words(iv: MetricInterval | None) -> str:
    if iv is None:
        return "n/a"
    if not (_finite(iv.value) and _finite(iv.low) and _finite(iv.high)):
        return fmt_interval(iv)
    return f"{fmt(iv.value)} (95% CI {fmt(iv.low)}–{fmt(iv.high)})"


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def _control(b, kind: str):
    return next((c for c in b.controls if c.kind == kind), None)


# -- 2 question ---------------------------------------------------------------------------------
def _question(ctx: _Context) -> Section:
    s = ctx.s
    q = s.question
    sec = Section("question", "Question and intended use")
    if not q.target:
        return sec.add(not_done("question", "there is no question to report"))
    unit = q.unit_other if q.unit == "other" and q.unit_other else q.unit
    rows = [
        ["Target (outcome)", q.target],
        ["Task", TASKS.get(q.task or "", "not set") + (" (confirmed)" if q.task_confirmed else "")],
        ["Unit of prediction", unit],
    ]
    if q.positive_class:
        rows.append(["Positive class", q.positive_class])
    if q.classes:
        rows.append(["Classes", ", ".join(q.classes)])
    rows.append(["Intended use", q.intended_use or "not stated (the author should state it)"])
    if q.ceiling is not None:
        c = q.ceiling
        rows.append(
            [
                "Expected ceiling",
                f"{fmt(c.value, 2)} ({c.kind.replace('_', ' ')})"
                + (f": {c.note}" if c.note else ""),
            ]
        )
    else:
        rows.append(["Expected ceiling", "none given"])
    sec.add(Table(["", ""], rows, widths=[1, 3]))
    if q.task_reason:
        sec.add(Paragraph(q.task_reason, style="note", lead="Task inferred:"))
    return sec


# -- 3 data -------------------------------------------------------------------------------------
def _data(ctx: _Context) -> Section:
    sec = Section("data", "Data", tag="DOME: Data")
    sec.subsections = [
        _provenance(ctx),
        _samples(ctx),
        _metadata(ctx),
        _checks(ctx),
        _split(ctx),
    ]
    return sec


def _provenance(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("data.provenance", "Provenance")
    if s.data is None:
        return sec.add(not_done("data", "there is no data provenance to report"))
    d = s.data
    p = d.provenance
    rows = [
        ["Source", p.source or "not stated"],
        ["DOI", p.doi or "not stated"],
        ["Date obtained", p.date_obtained or "not stated"],
        ["Version", p.version or "not stated"],
    ]
    if p.notes:
        rows.append(["Notes", p.notes])
    rows.append(["Imported", fmt_time(d.imported_at)])
    rows.append(
        [
            "Table",
            f"{d.n_rows} rows × {d.n_columns} columns"
            + (" (turned from genes-as-rows)" if d.transposed else ""),
        ]
    )
    sec.add(Table(["", ""], rows, widths=[1, 3]))
    if d.files:
        sec.add(
            Table(
                ["File", "Role", "Format", "Rows × columns", "Size", "SHA-256"],
                [
                    [
                        f.name,
                        f.role.replace("_", " "),
                        f.format,
                        f"{f.n_rows} × {f.n_columns}",
                        _size(f.size_bytes),
                        f.sha256,
                    ]
                    for f in d.files
                ],
                caption="Files read, with the hash that proves which bytes were analysed.",
                widths=[1.9, 0.7, 0.75, 1.1, 0.8, 3.6],
            )
        )
    return sec


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def _samples(ctx: _Context) -> Section:
    s = ctx.s
    q = s.question
    sec = Section("data.samples", "Samples, classes and sets")
    if s.data is None:
        return sec.add(not_done("data"))
    text = f"{s.data.n_rows} samples were imported."
    if s.metadata is not None and s.metadata.n_subjects:
        text += (
            f" They come from {s.metadata.n_subjects} subjects (column '{ctx.subject_column}'); "
            "the subjects, not the rows, are the independent units."
        )
    sec.add(Paragraph(text))
    if q.class_counts and ctx.task != "regression":
        labels = list(q.class_counts)
        counts = [q.class_counts[k] for k in labels]
        total = sum(counts) or 1
        sec.add(
            Table(
                ["Class", "Samples", "Share"],
                [[k, str(v), fmt_pct(v / total)] for k, v in zip(labels, counts)],
                align="lrr",
                widths=[2, 1, 1],
            ),
            Figure(
                [
                    Panel(
                        "class_balance.build",
                        {"labels": labels, "counts": counts, "highlight": q.positive_class},
                        "Class balance",
                    )
                ],
                caption="Labelled samples per class"
                + (
                    f" (the class of interest, '{q.positive_class}', highlighted in orange-red)"
                    if q.task == "binary" and q.positive_class
                    else ""
                )
                + ", as on the Explore page.",
            ),
        )
    sp = s.split
    if sp is None:
        sec.add(not_done("split", "there are no per-set counts yet"))
        return sec
    if sp.composition:
        classes = sorted({c for comp in sp.composition.values() for c in comp})
        sets = [k for k in ("train", "tune", "test") if k in sp.composition]
        names = {"train": "Training", "tune": "Tuning", "test": "Test"}
        rows = []
        for k in sets:
            comp = sp.composition[k]
            n = sum(comp.values())
            rows.append([names[k], str(n), *[str(comp.get(c, 0)) for c in classes]])
        sec.add(
            Table(
                ["Set", "Samples", *classes],
                rows,
                caption="Samples per set and class (or per value bin for regression).",
                align="l" + "r" * (len(classes) + 1),
            )
        )
    if sp.batch_composition:
        for col, per_set in sp.batch_composition.items():
            values: dict[str, int] = {}
            for comp in per_set.values():
                for v, n in comp.items():
                    values[v] = values.get(v, 0) + n
            shown = sorted(values, key=lambda v: -values[v])[:MAX_BATCH_VALUES]
            rows = [
                [v, *[str(per_set.get(k, {}).get(v, 0)) for k in ("train", "tune", "test")]]
                for v in shown
            ]
            caption = f"Samples per set for each value of '{col}'."
            if len(values) > len(shown):
                caption += f" The {len(values) - len(shown)} rarest values are not shown."
            sec.add(Table([col, "Training", "Tuning", "Test"], rows, caption=caption, align="lrrr"))
    return sec


def _metadata(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("data.metadata", "Metadata roles and study design")
    m = s.metadata
    if m is None:
        return sec.add(not_done("metadata", "column roles and design are not recorded"))
    by_role: dict[str, list[str]] = {}
    for col, role in m.roles.items():
        by_role.setdefault(role, []).append(col)
    rows = []
    for role, cols in by_role.items():
        shown = ", ".join(cols[:12]) + (f" and {len(cols) - 12} more" if len(cols) > 12 else "")
        rows.append([role.replace("_", " "), str(len(cols)), shown])
    sec.add(
        Table(
            ["Role", "Columns", "Which"],
            rows,
            caption="Every column's role. Only 'feature' columns are model inputs.",
            widths=[1, 0.6, 4],
            align="lrl",
        ),
        Table(
            ["", ""],
            [
                ["Study design", DESIGNS.get(m.design, m.design)],
                ["Replicates", m.replicate_kind.replace("_", " ")],
                ["Rows", str(m.n_rows)],
                [
                    "Subjects",
                    str(m.n_subjects)
                    if m.n_subjects
                    else _upper_first(_no_role(ctx, "subject", ("subject",))),
                ],
            ],
            widths=[1, 3],
        ),
    )
    sec.add(*_left_out(ctx))
    if m.derived:
        sec.add(
            Table(
                ["Derived column", "From", "Pattern", "Role"],
                [[d.name, d.source, d.pattern, d.role] for d in m.derived],
                caption="Columns computed from others (e.g. the subject from a recording ID).",
            )
        )
    if m.associations:
        sec.add(
            Table(
                ["Metadata column", "Measure", "Association with the label", "p", "n"],
                [
                    [a.column, fmt_measure(a.measure), fmt(a.score), fmt_p(a.p_value), str(a.n)]
                    for a in m.associations
                ],
                caption="How strongly each batch or time-point column is associated with the "
                "label (0 = none, 1 = the column gives the label away).",
                align="llrrr",
            )
        )
    return sec


ROLE_PURPOSE = {
    "sample_id": "names each sample",
    "subject": "the subject each row came from; its rows are kept together when splitting",
    "batch": "the batch, site or run; checked for its association with the label",
    "time_point": "when the sample was taken",
    "replicate": "which replicate the row is",
    "sensitive": "kept out of the model; used for results per group and the privacy check",
    "ignore": "not used",
}


def _without_examples(text: str) -> str:
    """Evidence without the example values it quotes ("first names (e.g. 'Anna')"): the report
    prints no cell of the table."""
    text = re.sub(r"\s*\(e\.g\.[^)]*\)", "", text)
    text = re.sub(r",\s*e\.g\.[^)]*(?=\))", "", text)
    return re.sub(r"\s*\be\.g\.\s*'[^']*'(?:,\s*'[^']*')*", "", text)


def _left_out_reason(m, col: str, role: str, derived: dict) -> str:
    """Why a column is not a model input: what its values showed, the user's choice, or what
    its role is for."""
    seen = m.detections.get(col, [])
    suggested = m.suggested_roles.get(col, role)
    reason = _without_examples(m.role_reasons.get(col, "")).strip()
    if col in derived:
        d = derived[col]
        return f"derived from '{d.source}' (pattern {d.pattern}): {ROLE_PURPOSE.get(role, '')}"
    if suggested != role:
        text = f"set by the user (suggested: {ROLE_WORDS.get(suggested, suggested)})"
        shown = [_without_examples(d.evidence) for d in seen]
        return text + (f"; the values show {shown[0]}" if shown else "")
    if reason and (seen or role == "ignore"):
        return reason
    purpose = ROLE_PURPOSE.get(role, "")
    return f"{reason}: {purpose}" if reason and purpose else reason or purpose


def _left_out(ctx: _Context) -> list[Block]:
    """Every column that is not a model input, with the reason: the ignored ones first (they
    are not used at all), then the metadata; constant and empty columns counted, and a wide
    table's list capped."""
    m = ctx.s.metadata
    derived = {d.name: d for d in m.derived}
    ignored: list[list[str]] = []
    metadata: list[list[str]] = []
    constant: list[str] = []
    empty: list[str] = []
    for col, role in m.roles.items():
        if role in ("feature", "target"):
            continue
        codes = {d.code for d in m.detections.get(col, [])}
        user_choice = m.suggested_roles.get(col, role) != role
        if role == "ignore" and not user_choice and "constant" in codes:
            constant.append(col)
            continue
        if (
            role == "ignore"
            and not user_choice
            and not codes
            and (m.role_reasons.get(col) == "the column is empty")
        ):
            empty.append(col)
            continue
        why = _left_out_reason(m, col, role, derived)
        row = [col, ROLE_WORDS.get(role, role.replace("_", " ")), why]
        (ignored if role == "ignore" else metadata).append(row)
    rows = [*ignored, *metadata]
    n_total = len(rows) + len(constant) + len(empty)
    if not n_total:
        return [Paragraph("Every column except the target is a model input.", style="note")]
    shown = rows[:MAX_LEFT_OUT]
    more = rows[MAX_LEFT_OUT:]
    if more:
        by_role: dict[str, int] = {}
        for _, role, _ in more:
            by_role[role] = by_role.get(role, 0) + 1
        counts = ", ".join(f"{n} {role}" for role, n in by_role.items())
        shown.append(["…", "", f"and {len(more)} more columns ({counts})"])
    for names, what in ((constant, "constant"), (empty, "empty")):
        if names:
            why = (
                "every row has the same value: nothing to learn from"
                if what == "constant"
                else "no value in any row"
            )
            shown.append(
                [
                    f"{len(names)} {what} column" + ("s" if len(names) > 1 else ""),
                    "ignored",
                    f"{why} ({_words_list([f'{c}' for c in names], 5)})",
                ]
            )
    n_ignored = len(ignored) + len(constant) + len(empty)
    return [
        Table(
            ["Column", "Role", "Why it is not a model input"],
            shown,
            caption=f"The {n_total} column(s) left out of the model, and why: "
            f"{n_ignored} ignored (not used at all), {len(metadata)} metadata (not inputs, but "
            "they decide how the data are split and which checks run). The reasons are what "
            "each column's values showed on the Metadata page, or the user's choice.",
            widths=[1.3, 0.8, 4],
        )
    ]


def _checks(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("data.checks", "Data checks and leakage controls")
    e = s.explore
    if e is None:
        return sec.add(not_done("explore", "no data checks are recorded"))
    rows = [
        ["Features examined", str(e.n_features_used)],
        ["Missing feature values", fmt_pct(e.missing_share)],
        ["Samples missing over half their values", str(len(e.rows_mostly_missing))],
        ["Groups of exact duplicates", str(len(e.exact_duplicates))],
        ["Groups of near duplicates", str(len(e.near_duplicates))],
        ["Outlying samples", str(len(e.outliers))],
        ["Embedding", e.options.embedding.upper() + f" (seed {e.options.seed})"],
    ]
    if e.explained_variance:
        rows.append(
            [
                "Variance on the first components",
                ", ".join(fmt_pct(v) for v in e.explained_variance[:5]),
            ]
        )
    sec.add(Table(["Check", "Result"], rows, widths=[2, 2], align="lr"))
    if e.column_missing:
        top = sorted(e.column_missing.items(), key=lambda kv: -kv[1])[:8]
        sec.add(
            Paragraph(
                "Most-missing columns: " + ", ".join(f"{c} ({fmt_pct(v)})" for c, v in top) + ".",
                style="note",
            )
        )
    effects = list(e.batch_effects)
    if e.label_effect is not None:
        effects = [e.label_effect, *effects]
    if effects:
        sec.add(
            Table(
                ["Column", "Role", "Groups", "Share of main variation", "Silhouette", "Verdict"],
                [
                    [
                        b.column,
                        b.role.replace("_", " "),
                        str(b.n_groups),
                        fmt_pct(b.pc_variance_share),
                        fmt(b.silhouette, 2),
                        b.verdict,
                    ]
                    for b in effects
                ],
                caption="Batch-effect scores: how much of the data's main variation each column "
                "explains (the label's own score first, for comparison).",
                align="llrrrl",
                highlight=[0] if e.label_effect is not None else [],
            )
        )
    if e.shortcuts:
        sec.add(
            Table(
                [
                    "Label predicted from",
                    "Columns",
                    "Metric",
                    "Score",
                    "Chance",
                    "Folds",
                    "Above chance",
                ],
                [
                    [
                        c.source,
                        ", ".join(c.columns[:6]) + (" …" if len(c.columns) > 6 else ""),
                        _metric_label(c.metric),
                        fmt(c.score),
                        fmt(c.chance),
                        str(c.folds),
                        "yes" if c.above_chance else "no",
                    ]
                    for c in e.shortcuts
                ],
                caption="Shortcut checks: cross-validated models that see only the metadata, or "
                "only which values are missing. Above chance means a model could learn the "
                "shortcut instead of the biology.",
                align="lllrrrl",
            )
        )
    else:
        sec.add(Paragraph("No shortcut check could run: "
                          + _no_role(ctx, "batch or time-point", ("batch", "time_point"))
                          + ", and no feature has missing values.", style="note"))  # fmt: skip
    sp = s.split
    lines = []
    if sp is not None:
        if sp.group_column:
            lines.append(
                f"Rows of one subject ('{sp.group_column}') were always kept in the same set."
            )
        elif sp.options.ungrouped_reason:
            lines.append(
                f"Subjects were not kept together; the reason given: {sp.options.ungrouped_reason}"
            )
        else:
            lines.append(
                _upper_first(_no_role(ctx, "subject", ("subject",)))
                + ": every row was treated as an independent sample."
            )
        lines.append("Exact and near-duplicate samples were kept in the same set.")
        if sp.options.hold_out_column:
            lines.append(
                f"The test set is a held-out {sp.options.hold_out_column}: "
                f"{', '.join(sp.options.hold_out_values)}."
            )
    lines.append(
        "Preprocessing (imputation, scaling, encoding) is fitted inside each training fold, "
        "never on tuning or test rows."
    )
    sec.add(Paragraph("", lead="Leakage controls:"), Bullets(lines))
    return sec


def _split(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("data.split", "Split and the sealed test set")
    sp = s.split
    if sp is None:
        return sec.add(not_done("split", "there are no training, tuning or test sets"))
    n = len(sp.train) + len(sp.tune) + len(sp.test)
    o = sp.options
    rows = [
        ["Training", str(len(sp.train)), fmt_pct(len(sp.train) / n if n else None)],
        ["Tuning", str(len(sp.tune)), fmt_pct(len(sp.tune) / n if n else None)],
        [
            "Test (sealed)" if sp.sealed else "Test",
            str(len(sp.test)),
            fmt_pct(len(sp.test) / n if n else None),
        ],
    ]
    sec.add(Table(["Set", "Samples", "Share"], rows, align="lrr", widths=[2, 1, 1]))
    held = f"{o.hold_out_column} = {', '.join(o.hold_out_values)}" if o.hold_out_column else "no"
    fractions = f"tuning {fmt_pct(o.tune_fraction)}, test {fmt_pct(o.test_fraction)}"
    facts = [
        ["Requested fractions", fractions],
        ["Seed", str(o.seed)],
        ["Kept together by", sp.group_column or (
            "nothing (grouping was turned off)" if o.ungrouped_reason
            else f"nothing ({_no_role(ctx, 'subject', ('subject',))})")],
        ["Held out", held],
        ["Cross-validation", f"{sp.n_folds} folds inside the training set"],
        ["Unlabelled rows left out", str(len(sp.excluded))],
        ["Test set SHA-256", sp.test_sha256],
        ["Test set now", "sealed" if sp.sealed else "opened (see the test section)"],
    ]  # fmt: skip
    if o.ungrouped_reason:
        facts.append(["Why not grouped", o.ungrouped_reason])
    sec.add(Table(["", ""], facts, widths=[1, 3]))
    sec.add(
        Paragraph(
            "The test rows left the working table at the split: no step before the test step "
            "could read them. The SHA-256 covers the sorted list of test-row positions and "
            "names, so any change to the test set changes it.",
            style="note",
        )
    )
    return sec


# -- 4 optimisation -------------------------------------------------------------------------------
def _optimisation(ctx: _Context) -> Section:
    sec = Section("optimisation", "Optimisation", tag="DOME: Optimisation")
    sec.subsections = [_preprocessing(ctx), _families(ctx), _tuning(ctx), _settings(ctx)]
    return sec


def _preprocessing(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("opt.preprocessing", "Preprocessing")
    if s.metadata is None:
        return sec.add(not_done("metadata", "the model inputs are not defined yet"))
    numeric, categorical = ctx.feature_kinds()
    items = [
        f"{len(numeric)} numeric features: missing values replaced by the training median, "
        "then standardised (mean 0, standard deviation 1).",
        f"{len(categorical)} categorical features: missing values replaced by the most frequent "
        "training value, then one-hot encoded; categories unseen in training are ignored.",
        "Every step is fitted on the training rows of each cross-validation fold (and on all "
        "training rows for the final fit), inside the model pipeline: tuning and test rows never "
        "inform it.",
        "No feature selection before modelling; no model uses another model's predictions as "
        "input.",
    ]
    if s.networks is not None:
        items.append(
            "Networks use the same preprocessing, fitted on the training rows they learn from; "
            "regression targets are standardised during training."
        )
    if s.data is not None and s.data.transposed:
        items.append("The imported table was turned from genes-as-rows to samples-as-rows.")
    if ctx.task != "regression":
        items.append(
            "Class imbalance: baselines use balanced class weights where the family allows it "
            "(logistic regression, random forest, SVM, gradient boosting); networks weight the "
            "loss by inverse class frequency. No resampling of rows."
        )
    sec.add(Bullets(items))
    return sec


def _families(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("opt.families", "Model families and search ranges")
    if s.baselines is None:
        return sec.add(not_done("baselines", "no model family was tuned"))
    from dlwizard.ml.models import families
    from dlwizard.ml.tuning import ranges_for

    zoo = families(ctx.task)
    n_min = ctx.n_train_min()
    rows = []
    for r in s.baselines.results:
        fam = zoo.get(r.key)
        if fam is None:
            rows.append([r.name, "(unknown family)", ""])
            continue
        ranges = ranges_for(fam, n_min) if n_min else fam.ranges
        text = "; ".join(f"{k}: {fmt_range(v)}" for k, v in ranges.items())
        if fam.fixed is not None and n_min:
            text += "; fixed: " + fmt_params(fam.fixed(n_min))
        rows.append([r.name, text, "yes" if fam.memorises_rows else "no"])
    sec.add(
        Table(
            ["Family", "Searched settings and ranges", "Keeps rows"],
            rows,
            caption="Baseline families. 'Keeps rows' marks models that store training samples "
            "inside themselves (a privacy concern).",
            widths=[1.4, 4, 0.7],
        )
    )
    n = s.networks
    if n is not None and n.rungs:
        from dlwizard.ml import nets

        rows = []
        for r in n.rungs:
            spec = nets.LADDER.get(r.key)
            if spec is None:
                continue
            ranges = "; ".join(f"{k}: {fmt_range(v)}" for k, v in spec["ranges"].items())
            rows.append([r.name, fmt_params(spec["fixed"]), ranges])
        sec.add(
            Table(
                ["Network rung", "Fixed", "Searched settings and ranges"],
                rows,
                caption="The network ladder, from small to large. Training: AdamW, cosine "
                "learning-rate schedule, gradient clipping at norm 1, early stopping on a "
                f"validation fold (patience {n.options.patience}, at most {n.options.max_epochs} "
                "epochs).",
                widths=[1.3, 1.2, 4],
            )
        )
    return sec


def _tuning(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("opt.tuning", "Tuning budget and ledger")
    b = s.baselines
    if b is None:
        return sec.add(not_done("baselines", "there is no tuning ledger"))
    o = b.options
    sec.add(
        Paragraph(
            f"Every family had the same budget: {o.trials} trials and at most "
            f"{fmt_seconds(o.seconds_per_family)}, searched with a seeded tree-structured Parzen "
            f"estimator (Optuna, seed {o.seed}) that starts from the middle of the ranges. Each "
            f"trial is scored by the mean {ctx.label} over the "
            f"{s.split.n_folds if s.split else '?'} cross-validation folds inside the training "
            "set; the best settings are refitted on all training rows and scored once on the "
            "tuning set."
        )
    )
    ledger = list(b.ledger) + (list(s.networks.ledger) if s.networks else [])
    stopped = {r.key: r.stopped_by for r in b.results}
    rows = []
    for e in ledger:
        name = ctx.family_name(e.family.removeprefix("net:"))
        rows.append(
            [
                name,
                f"{e.trials_used} / {e.trials_budget}",
                f"{fmt_seconds(e.seconds_used)} / {fmt_seconds(e.seconds_budget)}",
                "yes" if e.complete else "no",
                stopped.get(e.family, "—"),
            ]
        )
    sec.add(
        Table(
            [
                "Family or rung",
                "Trials used / budget",
                "Time used / cap",
                "Full budget",
                "Stopped by",
            ],
            rows,
            caption="The tuning ledger: what each model family and network rung actually used. "
            "An unequal budget would make the comparison unfair (Tip 2).",
            align="lrrll",
        )
    )
    short = [r[0] for r, e in zip(rows, ledger) if not e.complete]
    if short:
        sec.add(
            Paragraph(
                "Not every family used its full trial budget: " + ", ".join(short) + ".",
                style="warning",
            )
        )
    return sec


def _settings(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("opt.settings", "Best settings")
    b = s.baselines
    if b is None:
        return sec.add(not_done("baselines"))
    rows = [
        [
            r.name,
            fmt_params(r.best_params),
            f"{fmt(r.cv_mean)} ± {fmt(r.cv_sd)}" if r.cv_mean is not None else "n/a",
        ]
        for r in b.results
    ]
    if s.networks is not None:
        rows += [
            [
                f"Network: {r.name}",
                fmt_params(r.best_params),
                f"{fmt(r.cv_mean)} ± {fmt(r.cv_sd)}" if r.cv_mean is not None else "n/a",
            ]
            for r in s.networks.rungs
        ]
    sec.add(
        Table(
            ["Model", "Best settings", f"CV {ctx.label} (mean ± SD)"],
            rows,
            widths=[1.4, 4, 1.2],
            align="llr",
        )
    )
    return sec


# -- 5 model -----------------------------------------------------------------------------------
def _model(ctx: _Context) -> Section:
    sec = Section("model", "Model", tag="DOME: Model")
    sec.subsections = [_baselines(ctx), _controls(ctx), _networks(ctx), _final(ctx)]
    return sec


def _baselines(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("model.baselines", "Baselines on the tuning set")
    b = s.baselines
    if b is None:
        return sec.add(not_done("baselines", "no model was trained"))
    extra = [
        k for k in ("auprc", "balanced_accuracy", "mcc", "brier", "rmse", "mae") if k != b.metric
    ]
    keys = [b.metric]
    for k in extra:
        if any(r.tune is not None and k in r.tune.metrics for r in b.results):
            keys.append(k)
    keys = keys[:4]
    rows, hl = [], []
    for i, r in enumerate(b.results):
        if r.key == b.recommended:
            hl.append(i)
        rows.append(
            [
                r.name + (" (recommended)" if r.key == b.recommended else ""),
                *[fmt_interval(_ev_metric(r.tune, k)) for k in keys],
            ]
        )
    n_tune = next((r.tune.n for r in b.results if r.tune is not None), 0)
    sec.add(
        Table(
            ["Family", *[_metric_label(k) for k in keys]],
            rows,
            caption=f"Tuning-set scores (n = {n_tune}) with 95% bootstrap intervals "
            f"({b.options.bootstrap} resamples). Selection metric: {ctx.label}.",
            align="l" + "r" * len(keys),
            highlight=hl,
            widths=[1.8] + [1.2] * len(keys),
        )
    )
    items = [(r.name, _ev_metric(r.tune, b.metric)) for r in b.results]
    n = s.networks
    chosen = next((r for r in n.rungs if r.key == n.chosen), None) if n is not None else None
    if chosen is not None:
        items.append((f"Network: {chosen.name}", _ev_metric(chosen.tune, b.metric)))
    panel = _interval_panel(
        items, ctx.label, highlight=ctx.family_name(b.recommended) if b.recommended else None
    )
    if panel is not None:
        sec.add(
            Figure(
                [panel],
                caption=f"Tuning-set {ctx.label} of every family (and the chosen network) with "
                "95% intervals; the recommended model in orange-red. Overlapping intervals mean "
                "the difference is within noise. The controls are in the next section.",
            )
        )
    if b.recommendation:
        sec.add(Paragraph(b.recommendation, lead="Recommendation:"))
    curves = _tune_curves(ctx)
    if curves is not None:
        sec.add(curves)
    if b.cancelled:
        sec.add(Paragraph("Tuning was cancelled before every family finished.", style="warning"))
    return sec


def _interval_panel(items, label: str, highlight: str | None = None, reference=None):
    shown = [(n, iv) for n, iv in items if iv is not None and _finite(iv.value)]
    if not shown:
        return None
    return Panel(
        "intervals.build",
        {
            "labels": [n for n, _ in shown],
            "values": [iv.value for _, iv in shown],
            "lows": [iv.low if _finite(iv.low) else iv.value for _, iv in shown],
            "highs": [iv.high if _finite(iv.high) else iv.value for _, iv in shown],
            "x_label": label,
            "highlight": highlight,
            "reference": reference,
        },
        f"{label} with 95% intervals",
    )


def _tune_curves(ctx: _Context) -> Figure | None:
    """ROC, precision-recall and calibration of the recommended (or frozen) baseline on the
    tuning set, from the stored tuning-set predictions."""
    from dlwizard.errors import StepError
    from dlwizard.steps.modelling import stored_predictions

    s = ctx.s
    b = s.baselines
    final = s.compare.final if s.compare else None
    key = final.family if final is not None and final.kind == "baseline" else b.recommended
    if key is None or ctx.task not in ("binary", "regression"):
        return None
    try:
        y, out = stored_predictions(ctx.project, key)
    except (StepError, KeyError, ValueError):
        return None
    if out.ndim != 1:
        return None
    name = ctx.family_name(key)
    r = next((r for r in b.results if r.key == key), None)
    return _curve_figure(ctx, y, out, r.tune if r else None, f"{name}, tuning set")


def _curve_figure(ctx: _Context, y, out, ev: Evaluation | None, what: str) -> Figure | None:
    import numpy as np

    from dlwizard.ml import metrics

    y = np.asarray(y)
    out = np.asarray(out, dtype=float)
    ok = np.isfinite(out)
    if ctx.task == "binary":
        ok &= np.isin(y, (0, 1))
    y, out = y[ok], out[ok]
    if len(y) < 2:
        return None
    if ctx.task == "regression":
        return Figure(
            [
                Panel(
                    "curves.residuals",
                    {"predicted": out.tolist(), "observed": y.astype(float).tolist()},
                    "Residuals",
                )
            ],
            caption=f"Residuals against predicted values: {what}.",
        )
    if ctx.task != "binary" or len(np.unique(y)) < 2:
        return None
    c = metrics.curves(y.astype(int), out)
    auc = _score(ev, "auroc")
    ap = _score(ev, "auprc")
    prevalence = ev.prevalence if ev is not None and ev.prevalence is not None else float(y.mean())
    return Figure(
        [
            Panel(
                "curves.roc",
                {"fpr": c["fpr"], "tpr": c["tpr"], "auc": auc if _finite(auc) else None},
                "ROC curve",
            ),
            Panel(
                "curves.precision_recall",
                {
                    "recall": c["recall"],
                    "precision": c["precision"],
                    "prevalence": prevalence,
                    "ap": ap if _finite(ap) else None,
                },
                "Precision–recall curve",
            ),
            Panel(
                "curves.calibration",
                {
                    "predicted": c["calibration_predicted"],
                    "observed": c["calibration_observed"],
                },
                "Calibration",
            ),
        ],
        caption=f"ROC (AUROC {fmt(auc)}), precision–recall (AUPRC {fmt(ap)}; the dashed line is "
        f"the prevalence, {fmt(prevalence, 2)}, what a random model scores) and calibration in "
        f"ten bins: {what}.",
    )


def _controls(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("model.controls", "Controls")
    b = s.baselines
    if b is None:
        return sec.add(not_done("baselines", "no control was run"))
    rows = []
    for c in b.controls:
        if c.kind == "label_shuffled":
            scores = c.shuffled_scores
            result = (
                f"permutation p = {fmt(c.p_value)} ({c.permutations} permutations; shuffled CV "
                f"{ctx.label} mean {fmt(sum(scores) / len(scores)) if scores else 'n/a'})"
            )
        else:
            result = f"{ctx.label} {fmt_interval(_ev_metric(c.tune, b.metric))}"
        rows.append([c.kind.replace("_", " "), c.description, result])
    n = s.networks
    if n is not None and n.shuffled_score is not None:
        rows.append(
            [
                "network, shuffled labels",
                "The chosen network rung trained on shuffled training labels",
                f"tuning {ctx.label} {fmt(n.shuffled_score)}",
            ]
        )
    if rows:
        sec.add(
            Table(
                ["Control", "What it is", "Result"],
                rows,
                caption="A real model must clearly beat every control; a shuffled-label control "
                "that scores well points to leakage.",
                widths=[1.1, 3, 2],
            )
        )
    else:
        sec.add(Paragraph("No control was recorded.", style="warning"))
    if not any(c.kind == "metadata_only" for c in b.controls):
        sec.add(
            Paragraph(
                "No metadata-only control: "
                + _no_role(ctx, "batch or time-point", ("batch", "time_point"))
                + ".",
                style="note",
            )
        )
    return sec


def _networks(ctx: _Context) -> Section:
    from dlwizard.steps.networks import epoch_limit_note

    s = ctx.s
    sec = Section("model.networks", "Network ladder")
    n = s.networks
    if n is None:
        return sec.add(not_done("networks", "no neural network was trained"))
    rows, hl = [], []
    for i, r in enumerate(n.rungs):
        iv = _ev_metric(r.tune, n.metric)
        gap = r.train_score - iv.value if iv is not None and r.train_score is not None else None
        if r.key == n.chosen:
            hl.append(i)
        rows.append(
            [
                r.name + (" (chosen)" if r.key == n.chosen else ""),
                str(r.trials),
                fmt(r.cv_mean),
                fmt(r.train_score),
                fmt_interval(iv),
                f"{gap:+.3f}" if gap is not None and _finite(gap) else "n/a",
                f"{r.best_epoch + 1} of {n.options.max_epochs}: the limit"
                if epoch_limit_note(r, n.options.max_epochs)
                else str(r.best_epoch + 1),
            ]
        )
    sec.add(
        Table(
            [
                "Rung",
                "Trials",
                "CV",
                "Training rows",
                "Tuning set (95% interval)",
                "Gap",
                "Best epoch",
            ],
            rows,
            caption=f"{ctx.label} per rung. Gap: score on the rows it trained on minus the tuning "
            "score; a large gap means memorising rather than learning.",
            align="lrrrrrr",
            highlight=hl,
            widths=[1.9, 0.6, 0.7, 0.9, 1.9, 0.7, 0.8],
        )
    )
    if n.stopped_because:
        sec.add(Paragraph(n.stopped_because, lead="Ladder:"))
    for r in n.rungs:
        note = epoch_limit_note(r, n.options.max_epochs)
        if note and note not in (n.stopped_because or ""):
            sec.add(Paragraph(note, style="note"))
    if n.seed_scores:
        sec.add(
            Paragraph(
                f"The chosen rung was retrained with {len(n.seed_scores)} seeds: tuning "
                f"{ctx.label} "
                + ", ".join(fmt(v) for v in n.seed_scores)
                + f" (mean {fmt(n.seed_mean)} ± {fmt(n.seed_sd)} SD).",
                lead="Seeds:",
            )
        )
    if n.verdict:
        sec.add(Paragraph(n.verdict, lead="Verdict:"))
    if n.cancelled:
        sec.add(Paragraph("Training was cancelled before the ladder finished.", style="warning"))
    chosen = next((r for r in n.rungs if r.key == n.chosen), None)
    panels = []
    for r in ([chosen] if chosen else []) + [r for r in n.rungs if r is not chosen]:
        if r is not None and r.train_loss:
            panels.append(
                Panel(
                    "learning_curves.build",
                    {
                        "train_loss": r.train_loss,
                        "val_loss": r.val_loss,
                        "best_epoch": r.best_epoch,
                    },
                    f"Learning curves: {r.name}",
                )
            )
    for i in range(0, len(panels), 2):
        pair = panels[i : i + 2]
        sec.add(
            Figure(
                pair,
                caption="Loss per epoch on the training rows (blue) and on the validation fold "
                "(red) in the final fit of "
                + " and ".join(p.title.removeprefix("Learning curves: ") for p in pair)
                + "; the dashed line marks the epoch whose weights were kept.",
            )
        )
    dev = n.device
    flags = n.determinism
    rows = [
        ["Device", dev.get("device", "n/a") + (f" ({dev['gpu']})" if dev.get("gpu") else "")],
        ["PyTorch", dev.get("torch", "n/a")],
        ["Threads", dev.get("threads", "n/a")],
    ]
    for k in ("cuda", "cudnn", "driver", "cpu"):
        if dev.get(k):
            rows.append([k.upper() if k != "driver" else "NVIDIA driver", dev[k]])
    for k, v in flags.items():
        rows.append([k.replace("_", " "), fmt_value(v)])
    if "mixed_precision" not in flags:
        rows.append(["Mixed precision", "yes" if n.options.mixed_precision else "no"])
    sec.add(Table(["Device and determinism", ""], rows, widths=[1, 2]))
    return sec


def _final(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("model.final", "Comparison and the frozen final model")
    c = s.compare
    if c is None:
        return sec.add(not_done("compare", "no final model was frozen"))
    metric = c.metric
    label = _metric_label(metric)
    rows, hl = [], []
    for i, cand in enumerate(c.candidates):
        if c.final is not None and cand.key == c.final.key:
            hl.append(i)
        rows.append(
            [
                cand.name,
                cand.kind,
                fmt_interval(cand.tune),
                f"{fmt(cand.cv_mean)} ± {fmt(cand.cv_sd)}" if cand.cv_mean is not None else "n/a",
                str(cand.trials),
                fmt_seconds(cand.seconds),
                "yes" if cand.memorises_rows else "no",
            ]
        )
    if rows:
        sec.add(
            Table(
                [
                    "Candidate",
                    "Kind",
                    f"Tuning {label}",
                    "CV mean ± SD",
                    "Trials",
                    "Time",
                    "Keeps rows",
                ],
                rows,
                caption="Every tuned model side by side on the tuning set (the frozen model in "
                "bold).",
                align="llrrrrl",
                highlight=hl,
                widths=[2, 0.8, 1.7, 1.2, 0.6, 0.7, 0.7],
            )
        )
    if c.recommendation:
        sec.add(Paragraph(c.recommendation, lead="Recommendation:"))
    f = c.final
    if f is None:
        sec.add(not_done("compare", "the comparison was made but no model was frozen"))
        return sec
    rows = [
        ["Final model", f.name],
        ["Kind", f"{f.kind} ({f.family})"],
        ["Settings", fmt_params(f.params)],
        ["Inputs", f"{len(f.numeric)} numeric, {len(f.categorical)} categorical features"],
        ["Output", _output_words(f.task, f.classes)],
        ["Tuning " + label, fmt_interval(_ev_metric(f.tune, metric))],
        ["Frozen at", fmt_time(f.frozen_at)],
    ]
    if f.recommended and f.recommended != f.key:
        rows.append(["Recommended instead", ctx.family_name(f.recommended)])
    if f.chosen_against_recommendation or f.reason:
        rows.append(["Reason for the choice", f.reason or "none given"])
    for name, digest in f.files.items():
        rows.append([f"File {name}", f"SHA-256 {digest}"])
    sec.add(Table(["", ""], rows, widths=[1, 3]))
    if f.chosen_against_recommendation:
        sec.add(
            Paragraph(
                "The final model was chosen against the recommendation of the simplest model "
                "within noise of the best.",
                style="warning",
            )
        )
    return sec


def _output_words(task: str, classes: list[str]) -> str:
    if task == "regression":
        return "a predicted value"
    if task == "binary" and classes:
        return (
            f"the probability of '{classes[-1]}'; the class is called at probability 0.5 "
            "(no threshold was tuned)"
        )
    return "one probability per class; the predicted class is the most probable"


# -- 6 evaluation ------------------------------------------------------------------------------
def _audit_looks(ctx: _Context) -> list:
    return [e for e in ctx.project.log if e.action.startswith("test")]


def _evaluation(ctx: _Context) -> Section:
    sec = Section("evaluation", "Evaluation", tag="DOME: Evaluation")
    sec.subsections = [_test(ctx), _subgroups(ctx), _looks(ctx)]
    return sec


def _test(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("eval.test", "Test-set result")
    t = s.test
    if t is None or not t.looks:
        sec.add(not_done("test", "the test set has never been opened and no test result exists"))
        if s.split is not None:
            sec.add(
                Paragraph(
                    f"The test set ({len(s.split.test)} samples, SHA-256 "
                    f"{s.split.test_sha256}) is still sealed.",
                    style="note",
                )
            )
        return sec
    metric = t.metric
    label = _metric_label(metric)
    sec.add(
        Paragraph(
            "The test set is opened once, for the frozen final model, after every choice was "
            "made; the best baseline is scored beside it as the yardstick. Intervals are 95% "
            "stratified bootstrap intervals"
            + (" resampling whole subjects" if ctx.subject_column else "")
            + ". No model updating or recalibration followed the test."
        )
    )
    for i, look in enumerate(t.looks):
        first = i == 0
        head = f"Look {i + 1}: {look.version}"
        if first and look.version != "primary analysis":
            head += " (the primary analysis)"
        sec.add(Paragraph("", lead=head))
        facts = [
            ["When, by whom", f"{fmt_time(look.time)}, {look.user or 'unknown user'}"],
            ["Model", ctx.family_name(look.model)],
            ["Test samples", str(look.n_test)],
            ["Test set SHA-256", look.test_sha256 + _sha_check(ctx, look.test_sha256)],
        ]
        if look.reason:
            facts.append(["Reason for this look", look.reason])
        if look.tune_score is not None:
            facts.append([f"Tuning {label} of this model", fmt(look.tune_score)])
        sec.add(Table(["", ""], facts, widths=[1, 3]))
        keys = list(look.final.metrics) if look.final else []
        rows = []
        for k in keys:
            row = [_metric_label(k), fmt_interval(_ev_metric(look.final, k))]
            if look.baseline_eval is not None:
                row.append(fmt_interval(_ev_metric(look.baseline_eval, k)))
            rows.append(row)
        cols = ["Metric", "Final model (95% interval)"]
        if look.baseline_eval is not None:
            cols.append(f"Best baseline: {ctx.family_name(look.baseline or '')}")
        if rows:
            caption = f"Test-set performance, n = {look.final.n if look.final else look.n_test}"
            if look.final is not None and look.final.prevalence is not None:
                caption += f"; prevalence of the positive class {fmt(look.final.prevalence, 2)}"
            sec.add(Table(cols, rows, caption=caption + ".", align="lrr"))
        conf = look.final.confusion if look.final else []
        if conf:
            classes = _classes(ctx)[: len(conf)]
            sec.add(
                Table(
                    ["True \\ predicted", *classes],
                    [[c, *[str(v) for v in row]] for c, row in zip(classes, conf)],
                    caption="Confusion matrix of the final model on the test set ("
                    + (
                        "a sample is called positive at a predicted probability of 0.5 or more)."
                        if ctx.task == "binary"
                        else "each sample is called as its most probable class)."
                    ),
                    align="l" + "r" * len(classes),
                )
            )
    fig = _test_curves(ctx)
    if fig is not None:
        sec.add(fig)
    if s.question.ceiling is not None:
        c = s.question.ceiling
        sec.add(
            Paragraph(
                f"Expected ceiling stated before the analysis: {fmt(c.value, 2)} "
                f"({c.kind.replace('_', ' ')}). A test result clearly above it would be too good "
                "to be true; see the findings.",
                style="note",
            )
        )
    return sec


def _sha_check(ctx: _Context, digest: str) -> str:
    sp = ctx.s.split
    if sp is None or not digest:
        return ""
    return " (matches the sealed set)" if digest == sp.test_sha256 else " (DIFFERS from the split)"


def _classes(ctx: _Context) -> list[str]:
    s = ctx.s
    if s.baselines is not None and s.baselines.classes:
        return list(s.baselines.classes)
    if s.compare is not None and s.compare.final is not None:
        return list(s.compare.final.classes)
    return list(s.question.classes)


def _test_curves(ctx: _Context) -> Figure | None:
    from dlwizard.errors import StepError
    from dlwizard.steps.modelling import TEST_PREDICTIONS, stored_predictions

    frame = ctx.project.frames.get(TEST_PREDICTIONS)
    t = ctx.s.test
    if frame is None or t is None or not t.looks or "label" not in frame.columns:
        return None
    try:
        y, out = stored_predictions(ctx.project, "final", name=TEST_PREDICTIONS)
    except (StepError, KeyError):
        return None
    if out.ndim != 1:
        return None
    look = t.looks[-1]
    return _curve_figure(
        ctx, y, out.astype(float), look.final, f"final model on the test set ({look.version})"
    )


def _subgroups(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("eval.subgroups", "Performance per subgroup")
    t = s.test
    if t is None or not t.looks:
        return sec.add(not_done("test", "no subgroup result exists"))
    metric = t.metric
    label = _metric_label(metric)
    any_rows = False
    for i, look in enumerate(t.looks):
        rows, hl, hidden = [], [], 0
        for g in look.subgroups:
            if g.n < MIN_SUBGROUP_SHOWN:
                hidden += 1
                continue
            if g.below_overall:
                hl.append(len(rows))
            rows.append(
                [
                    g.column,
                    g.value,
                    str(g.n),
                    fmt_interval(g.metrics.get(metric)),
                    "yes" if g.below_overall else "no",
                ]
            )
        if not rows and not hidden:
            continue
        any_rows = True
        caption = (
            f"Look {i + 1} ({look.version}): test {label} per value of each batch, site or "
            f"sensitive column, against {fmt(_score(look.final, metric))} overall. 'Below' marks "
            "a subgroup whose whole interval lies under the overall value."
        )
        if hidden:
            caption += (
                f" {hidden} subgroup{'s' if hidden > 1 else ''} with fewer than "
                f"{MIN_SUBGROUP_SHOWN} test samples {'are' if hidden > 1 else 'is'} not shown."
            )
        sec.add(
            Table(
                ["Column", "Value", "n", f"{label} (95% interval)", "Below overall"],
                rows,
                caption=caption,
                align="llrrl",
                highlight=hl,
            )
        )
        panel = _interval_panel(
            [(f"{g.column} = {g.value}", g.metrics.get(metric)) for g in look.subgroups
             if g.n >= MIN_SUBGROUP_SHOWN],
            label,
            reference=_score(look.final, metric),
        )  # fmt: skip
        shown = sum(1 for g in look.subgroups if g.n >= MIN_SUBGROUP_SHOWN)
        if panel is not None and i == 0 and shown > 1:
            sec.add(Figure([panel], caption=f"Test {label} per subgroup (look {i + 1}); the "
                                            "dashed line is the overall value."))  # fmt: skip
    if not any_rows:
        from dlwizard.steps.interpret import subgroup_statement

        sec.add(Paragraph(subgroup_statement(ctx.project), style="note"))
    return sec


def _looks(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("eval.looks", "Every look at the test set")
    entries = _audit_looks(ctx)
    study_looks = s.test.looks if s.test else []
    if not entries and not study_looks:
        return sec.add(
            Paragraph("The audit log records no opening of the test set.", style="notdone")
        )
    rows = []
    for e in entries:
        d = e.detail
        value = d.get("value")
        result = (
            f"{_metric_label(str(d.get('metric')))} {fmt(value)}"
            if d.get("metric") and _finite(value)
            else ""
        )
        rows.append(
            [
                fmt_time(e.time),
                e.user,
                action_words(e.action),
                str(d.get("version", "")),
                ctx.family_name(str(d.get("model", ""))),
                str(d.get("n_test", "")),
                result,
                str(d.get("reason", "")),
            ]
        )
    sec.add(
        Table(
            ["Time", "User", "Action", "Analysis version", "Model", "n", "Result", "Reason"],
            rows,
            caption="Every test-set entry of the audit log, which keeps looks even when a later "
            "step was redone.",
            widths=[1.35, 0.6, 1.3, 1.2, 1.3, 0.45, 1.0, 1.8],
        )
    )
    unsealed = [e for e in entries if e.action == "test-unsealed"]
    if len(unsealed) != len(study_looks):
        sec.add(
            Paragraph(
                f"The audit log records {len(unsealed)} opening(s) of the test set but the Study "
                f"keeps {len(study_looks)} look(s): some looks belong to analyses that were "
                "redone. All of them count.",
                style="warning",
            )
        )
    if len(unsealed) > 1:
        sec.add(
            Paragraph(
                "The test set was opened more than once; only the first look is an untouched "
                "estimate of performance on new samples.",
                style="warning",
            )
        )
    return sec


# -- 7 interpretation ---------------------------------------------------------------------------
def _interpretation(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("interpret", "Interpretation and caveats")
    it = s.interpret
    if it is None:
        return sec.add(
            not_done("interpret", "no feature importance, panel or caveat was computed"),
            Paragraph(
                "Whatever the model relies on is association with the prediction, not cause.",
                style="note",
            ),
        )
    label = _metric_label(it.metric)
    where = "tuning" if it.options.set == "tune" else "test"
    sec.add(
        Paragraph(
            f"Permutation importance of {ctx.family_name(it.model) or 'the final model'} on "
            f"{it.n} {where}-set samples ({it.options.repeats} repeats"
            + (", resampling subjects" if it.grouped_by_subject else "")
            + f"; features correlated above {fmt(it.options.correlation, 2)} permuted together; "
            f"{it.features_considered} features considered"
            + (
                ", preselected by their association with the label in training"
                if it.preselected
                else ""
            )
            + f"). Importance is the drop in {label} when the feature is shuffled."
        )
    )
    from dlwizard.steps import interpret as ip

    if ip.at_ceiling(it):
        sec.add(Paragraph(ip.ceiling_note(it), lead="At a perfect score:", style="warning"))
    if it.importances:
        rows = [
            [
                imp.name,
                fmt(imp.value),
                f"{fmt(imp.low)} to {fmt(imp.high)}",
                ", ".join(imp.members[:6]) + (" …" if len(imp.members) > 6 else ""),
            ]
            for imp in it.importances[:MAX_IMPORTANCES]
        ]
        caption = "The most important features (or groups of correlated features)."
        if len(it.importances) > MAX_IMPORTANCES:
            caption += f" {len(it.importances) - MAX_IMPORTANCES} more are not shown."
        sec.add(
            Table(
                ["Feature or group", f"Drop in {label}", "95% interval", "Group members"],
                rows,
                caption=caption,
                align="lrrl",
                widths=[1.6, 1, 1.2, 2.5],
            )
        )
    panel = _interval_panel(
        [(imp.name, MetricInterval(value=imp.value, low=imp.low, high=imp.high))
         for imp in it.importances[:15]],
        f"drop in {label}",
        reference=0.0,
    )  # fmt: skip
    if panel is not None and len(it.importances) > 1:
        panel.title = "Permutation importance"
        sec.add(
            Figure(
                [panel],
                caption=f"Drop in {label} when each feature (or group) is shuffled, with 95% "
                "intervals; an interval that crosses the dashed zero line means the model does "
                "not measurably rely on it.",
            )
        )
    classes, coefs = ip.coefficient_table(it)
    if coefs:
        shown = coefs[:15]
        more = f" {len(coefs) - 15} more features are not shown." if len(coefs) > 15 else ""
        if classes:
            sec.add(
                Table(
                    ["Feature", *classes],
                    [[f, *(ip.fmt_coefficient(v) for v in vs)] for f, vs in shown],
                    caption="The coefficients of the linear model on standardised features, one "
                    "per class: a positive value raises that class's score when the feature "
                    "rises by one standard deviation. The features with the largest effect on "
                    "any class first." + more,
                    align="l" + "r" * len(classes),
                )
            )
        else:
            q = s.question
            toward = (
                f" (towards {q.positive_class})" if q.task == "binary" and q.positive_class else ""
            )
            sec.add(
                Table(
                    ["Feature", f"Coefficient{toward}"],
                    [[f, ip.fmt_coefficient(vs[0])] for f, vs in shown],
                    caption="The largest coefficients of the linear model, on standardised "
                    "features: a positive value raises the prediction when the feature rises by "
                    "one standard deviation." + more,
                    align="lr",
                )
            )
    if it.panel:
        rows = [
            [
                str(pt.k),
                fmt_interval(pt.score),
                ", ".join(pt.features[:8]) + (" …" if len(pt.features) > 8 else ""),
            ]
            for pt in it.panel
        ]
        family = it.panel_family or "the simplest baseline"
        caption = f"A small panel: {family} refitted on the top k features."
        if it.full_score is not None:
            caption += f" All features: {label} {fmt_interval(it.full_score)}."
        ties = ip.panel_ties(it)
        if ties:
            caption += " " + ties
        sec.add(Table(["k", f"{label} (95% interval)", "Features"], rows, caption=caption,
                      align="rrl", widths=[0.4, 1.5, 4]))  # fmt: skip
        if it.full_score is not None and len(it.panel) > 1:
            curve = Panel(
                "panel.panel_curve",
                {
                    "ks": [pt.k for pt in it.panel],
                    "values": [pt.score.value for pt in it.panel],
                    "lows": [pt.score.low for pt in it.panel],
                    "highs": [pt.score.high for pt in it.panel],
                    "full_value": it.full_score.value,
                    "full_low": it.full_score.low,
                    "metric_label": label,
                },
            )
            curve.title = "Biomarker panel"
            sec.add(
                Figure(
                    [curve],
                    caption=f"{family} on the top k features (dots, 95% intervals) against the "
                    "final model on all features (red line; dashed: the low end of its interval).",
                )
            )
    if it.failing_domains:
        sec.add(
            Paragraph("", lead="Where the model does worse:"), Bullets(list(it.failing_domains))
        )
    else:
        sec.add(Paragraph(ip.subgroup_statement(ctx.project), lead="Where the model does worse:"))
    caveats = [c for c in it.caveats if not (ip.at_ceiling(it) and c == ip.ceiling_note(it))]
    if caveats:  # the ceiling note is printed above, beside the importances
        sec.add(Paragraph("", lead="Caveats:"), Bullets(caveats))
    return sec


# -- 8 privacy -------------------------------------------------------------------------------------
def _verdict_text(verdict: str | None) -> str:
    return {
        "shareable": "shareable",
        "shareable_after_changes": "shareable after changes",
        "do_not_share": "do not share",
    }.get(verdict or "", "not decided")


def _privacy(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("privacy", "Privacy")
    p = s.privacy
    if p is None:
        return sec.add(not_done("privacy", "no privacy verdict was reached and model export is not "
                                           "cleared"))  # fmt: skip
    a = p.answers

    def yn(v: bool | None) -> str:
        return "not answered" if v is None else ("yes" if v else "no")

    sec.add(
        Table(
            ["Question", "Answer"],
            [
                ["Human subjects", yn(a.human_subjects)],
                ["Health records", yn(a.health_records)],
                ["Genomic data", yn(a.genomic)],
                ["Identifiable people", yn(a.identifiable)],
                ["Sharing restricted by consent or data-use terms", yn(a.sharing_restricted)],
                [
                    "Project treated as sensitive (encrypted at rest)",
                    "yes" if p.sensitive else "no",
                ],
            ],
            widths=[3, 1],
        )
    )
    from dlwizard.steps import privacy as privacy_step

    people = privacy_step.person_rules_apply(p)
    aside = {id(h) for h in privacy_step.set_aside_identifiers(p)}
    if p.identifiers:
        sec.add(
            Table(
                ["Column", "Looks like", "Safe Harbor category", "Used as feature", "Suggestion"],
                [
                    [
                        h.column,
                        h.kind.replace("_", " "),
                        h.safe_harbor or "—",
                        "YES" if h.used_as_feature else "no",
                        "Not applied: by the answers the data are not from people."
                        if id(h) in aside
                        else h.suggestion,
                    ]
                    for h in p.identifiers
                ],
                caption="Columns that look like they identify people (values are not printed)."
                + (
                    ""
                    if people
                    else " By the answers the data are not from people, so only columns that "
                    "name or contact a person count for the verdict."
                ),
                widths=[1.2, 1, 1.3, 0.8, 2.6],
            )
        )
    else:
        sec.add(Paragraph("The identifier scan flagged no column.", style="note"))
    if p.quasi_identifiers:
        sec.add(
            Table(
                ["Columns combined", "Smallest group (k)", "Unique rows", "What it means"],
                [
                    [
                        ", ".join(qi.columns),
                        str(qi.smallest_group),
                        str(qi.n_unique_rows),
                        getattr(qi, "suggestion", "") or "—",
                    ]
                    for qi in p.quasi_identifiers
                ],
                caption="Quasi-identifiers: combinations that narrow samples down to few people."
                + ("" if people else " Not applied: by the answers the data are not from people."),
                align="lrrl",
                widths=[1.5, 0.9, 0.8, 3.3],
            )
        )
    if p.memorising:
        sec.add(
            Paragraph(
                ", ".join(ctx.family_name(m) for m in p.memorising)
                + " store training rows inside the model: sharing such a model shares the rows.",
                lead="Models that keep rows:",
            )
        )
    if p.audit is not None:
        au = p.audit
        sec.add(
            Table(
                ["Membership-inference audit", ""],
                [
                    ["Model", ctx.family_name(au.model)],
                    ["Attack AUC", fmt(au.attack_auc)],
                    ["True-positive rate at 1% false positives", fmt(au.tpr_at_1pct_fpr)],
                    ["Members / non-members", f"{au.n_members} / {au.n_nonmembers}"],
                    ["Risk", au.risk],
                ],
                widths=[2, 1.5],
            ),
            Paragraph(au.interpretation, style="note"),
        )
    else:
        sec.add(Paragraph("No membership-inference audit was run.", style="note"))
    verdict = _verdict_text(p.verdict)
    sec.add(
        Paragraph(
            verdict, lead="Verdict:", style="warning" if p.verdict == "do_not_share" else "body"
        )
    )
    if p.reasons:
        sec.add(Bullets(list(p.reasons)))
    if p.override is not None:
        from dlwizard.steps.privacy import current_override

        o = p.override
        stale = current_override(ctx.project) is None
        sec.add(
            Paragraph(
                f"The export gate was overridden on {fmt_time(o.time)} by "
                f"{o.user or 'unknown user'}, "
                f"with this justification: {o.justification}"
                + (
                    " This override was given for an earlier final model and does not apply to "
                    "the current one."
                    if stale
                    else ""
                ),
                style="warning",
                lead="Override:",
            )
        )
    return sec


# -- 9 findings ---------------------------------------------------------------------------------
def _findings(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("findings", "Findings by step")
    sec.add(
        Paragraph(
            "Every check's result, grouped by the step that made it: warnings first. Codes are "
            "stable and explained in the documentation (docs/warnings.md).",
            style="note",
        )
    )
    from dlwizard.study.project import STEP_ORDER

    order = {k: i for i, k in enumerate(STEP_ORDER)}
    rank = {"error": 0, "warning": 1, "info": 2}
    steps = sorted({f.step for f in s.findings}, key=lambda k: order.get(k, 99))
    if not steps:
        sec.add(Paragraph("No finding was recorded.", style="note"))
    for step in steps:
        fs = sorted((f for f in s.findings if f.step == step), key=lambda f: rank[f.severity])
        sec.subsections.append(
            Section(f"findings.{step}", STEP_PAGES.get(step, step)).add(
                Table(
                    ["Severity", "Code", "Finding", "What to do"],
                    [[f.severity, f.code, f.message, f.fix] for f in fs],
                    widths=[0.7, 1.5, 3.4, 2.2],
                    highlight=[i for i, f in enumerate(fs) if f.severity != "info"],
                )
            )
        )
    return sec


# -- appendix A: reproducibility -------------------------------------------------------------------
def _reproducibility(ctx: _Context) -> Section:
    s = ctx.s
    sec = Section("repro", "Reproducibility")
    env = Section("repro.env", "Software and machine")
    if s.environment:
        env.add(Table(["Component", "Version or value"], [[k, v] for k, v in s.environment.items()],
                      widths=[1, 3]))  # fmt: skip
    else:
        env.add(not_done("data", "the software environment was not recorded"))
    if s.networks is not None and s.networks.device:
        dev = s.networks.device
        env.add(Paragraph(
            "Networks: " + ", ".join(f"{k} {v}" for k, v in dev.items()) + ".", style="note"
        ))  # fmt: skip
    seeds = Section("repro.seeds", "Seeds and flags")
    rows = []
    if s.explore is not None:
        rows.append(["Explore (embedding)", str(s.explore.options.seed)])
    if s.split is not None:
        rows.append(["Split", str(s.split.options.seed)])
    if s.baselines is not None:
        rows.append(["Baselines (search, models, bootstrap)", str(s.baselines.options.seed)])
    if s.networks is not None:
        o = s.networks.options
        rows.append(
            ["Networks (search, training; seed k for retrain k)",
             f"{o.seed} (retrains {o.seed}–{o.seed + o.seeds - 1})"]
        )  # fmt: skip
        for k, v in s.networks.determinism.items():
            rows.append([f"flag: {k.replace('_', ' ')}", fmt_value(v)])
    if s.interpret is not None:
        rows.append(["Interpret (permutations)", str(s.interpret.options.seed)])
    seeds.add(Table(["What", "Seed or flag"], rows, widths=[2, 2]) if rows else
              not_done("split", "no seeded step has run"))  # fmt: skip
    hashes = Section("repro.hashes", "Hashes")
    rows = []
    if s.data is not None:
        rows += [[f"File {f.name}", f.sha256] for f in s.data.files]
    if s.split is not None:
        rows.append(["Test set (sorted row list)", s.split.test_sha256])
    if s.compare is not None and s.compare.final is not None:
        rows += [[f"Model file {k}", v] for k, v in s.compare.final.files.items()]
    hashes.add(Table(["What", "SHA-256"], rows, widths=[1.5, 3.5]) if rows else
               not_done("data", "there is nothing hashed yet"))  # fmt: skip
    steps = Section("repro.steps", "Steps done")
    steps.add(
        Table(
            ["Step", "Done at", "dlwizard"],
            [
                [STEP_PAGES.get(k, k), fmt_time(r.done_at), r.app_version]
                for k, r in s.steps_done.items()
            ],
            widths=[1, 2, 1],
        )
    )
    plan = Section("repro.plan", "The plan to run it again")
    plan.add(*_plan_blocks(ctx))
    sec.subsections = [env, seeds, hashes, steps, plan]
    return sec


def _plan_blocks(ctx: _Context) -> list[Block]:
    from dlwizard.plan import IMPLEMENTED, dumps, plan_from_project

    where = ctx.project.path.parent if ctx.project.path is not None else None
    try:
        plan = plan_from_project(ctx.project, relative_to=where)
        moved = _plan_file_names(plan)
        text = compact_toml(dumps(plan))
    except Exception as exc:  # the plan is a convenience; the report must still be written
        return [Paragraph(f"The plan could not be written: {exc}", style="warning")]
    blocks: list[Block] = [
        Paragraph(
            "Every answer the wizard asked for, as a TOML plan. `dlwizard run plan.toml --out "
            "project.dlwiz` performs the same steps headless and, with the same data, gives the "
            "same numbers (on the CPU, or in deterministic mode on the same GPU)."
        )
    ]
    if moved:
        blocks.append(
            Paragraph(
                "Data files are named relative to the project's folder"
                + (", or by their name alone where they lie elsewhere" if moved > 0 else "")
                + ": save the plan beside them before running it. Their SHA-256 hashes above "
                "tell whether a copy is the same file.",
                style="note",
            )
        )
    later = [st for st in ctx.s.steps_done if st not in IMPLEMENTED]
    if later:
        blocks.append(
            Paragraph(
                "The plan covers the steps up to the networks; "
                + ", ".join(STEP_PAGES.get(st, st) for st in later)
                + " are recorded above (choices, reasons and hashes) and are redone in the "
                "wizard.",
                style="note",
            )
        )
    if ctx.s.data is not None and any(f.role == "bundled" for f in ctx.s.data.files):
        blocks.append(
            Paragraph(
                "The data ship with dlwizard (the demo), so the plan names no data file.",
                style="note",
            )
        )
    blocks.append(Code(text))
    return blocks


def _plan_file_names(plan: dict[str, Any]) -> int:
    """Replace absolute data paths in ``plan`` by their file names (the report never prints
    where on the authors' disk the data lie). Returns how many data paths the plan names, as
    a negative number when none had to be cut to its name."""
    data = plan.get("data")
    if not isinstance(data, dict):
        return 0
    cut = 0

    def name(path: str) -> str:
        nonlocal cut
        text = str(path).replace("\\", "/")
        if text.startswith("/") or re.match(r"^[A-Za-z]:/", text) or text.startswith("~"):
            cut += 1
            return text.rstrip("/").rsplit("/", 1)[-1]
        return text

    n = 0
    if isinstance(data.get("paths"), list):
        data["paths"] = [name(p) for p in data["paths"]]
        n += len(data["paths"])
    if isinstance(data.get("path"), str):
        data["path"] = name(data["path"])
        n += 1
    sheet = data.get("sample_sheet")
    if isinstance(sheet, dict) and isinstance(sheet.get("path"), str):
        sheet["path"] = name(sheet["path"])
        n += 1
    return n if cut else -n


def compact_toml(text: str, width: int = 88) -> str:
    """A TOML text with each array of plain values on one line (wrapped at ``width``), not one
    value a line as tomli_w writes them."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        head = re.match(r"^(\s*)(.+ = )\[$", line)
        if head:
            items, j = [], i + 1
            while j < len(lines) and not re.match(r"^\s*\],?$", lines[j]):
                items.append(lines[j].strip().rstrip(","))
                j += 1
            if j < len(lines) and all(not re.match(r"^[\[{]", it) for it in items):
                indent, key = head.groups()
                current = f"{indent}{key}["
                for k, item in enumerate(items):
                    piece = item + (", " if k < len(items) - 1 else "")
                    if len(current) + len(piece.rstrip()) > width and not current.endswith("["):
                        out.append(current.rstrip())
                        current = indent + "    "
                    current += piece
                out.append(current + "]" + lines[j].strip()[1:])
                i = j + 1
                continue
        out.append(line)
        i += 1
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


# -- appendix B: checklists ---------------------------------------------------------------------
def _checklists(ctx: _Context, report: Report) -> list[Section]:
    out = []
    for cl in checklists.CHECKLISTS:
        sec = Section(f"checklists.{cl.key}", cl.name)
        sec.add(Paragraph(cl.reference, style="note"))
        rows, hl = [], []
        for item in cl.items:
            where, status, done = _where(ctx, report, item)
            if not done:
                hl.append(len(rows))
            rows.append([item.id, item.topic, item.asks, where, status])
        todo = len(hl)
        sec.add(
            Table(
                ["Item", "Topic", "What it asks (our words)", "Answered in this report", "Status"],
                rows,
                widths=[0.45, 1.0, 2.0, 2.4, 1.9],
                highlight=hl,
            ),
            Paragraph(
                f"{len(cl.items) - todo} of {len(cl.items)} items are answered by this report; "
                f"{todo} (in bold) need the authors' words or a step not done yet.",
                style="note",
            ),
        )
        out.append(sec)
    author = Section("checklists.author", "What the authors must still write")
    author.add(
        Paragraph(
            "No analysis can supply these; the report does not invent them. Write them in the "
            "paper, and fill in each journal's official checklist form: the item wording above "
            "is ours and short, the numbering the checklists' own; where an official form "
            "differs, the form prevails.",
        ),
        Bullets(list(checklists.AUTHOR_STATEMENTS)),
    )
    out.append(author)
    return out


def _where(ctx: _Context, report: Report, item: checklists.Item) -> tuple[str, str, bool]:
    """Where the report answers ``item``, its status in words, and whether it is complete."""
    refs, missing = [], []
    for key in item.sections:
        title, page, step = checklists.SECTIONS[key]
        if not ctx.done(step):
            missing.append(STEP_PAGES.get(step, step))
            continue
        sec = report.find(key)
        number = f"§{sec.number} " if sec is not None and sec.number else ""
        refs.append(f"{number}{title} ({page} page)")
    where = "; ".join(refs) or "—"
    status = []
    if missing:
        status.append("not yet: " + ", ".join(sorted(set(missing))) + " step not done")
    if item.author:
        status.append(f"AUTHOR TO COMPLETE: {item.author}")
    done = not status
    if done:
        status.append("answered")
    elif refs and item.author and not missing:
        status[0] = "partly answered; " + status[0]
    return where, ". ".join(status), done


# -- appendix C: audit log ----------------------------------------------------------------------
def _audit_log(ctx: _Context) -> Section:
    sec = Section("audit", "Audit log")
    log = ctx.project.log
    if not log:
        return sec.add(Paragraph("The audit log is empty.", style="note"))
    rows = [[fmt_time(e.time), e.user, action_words(e.action), _detail_text(e.detail, ctx)]
            for e in log]  # fmt: skip
    sec.add(
        Paragraph(
            "Every recorded action, oldest first: who did what, when, and with which version.",
            style="note",
        ),
        Table(["Time", "User", "Action", "Details"], rows, widths=[1.5, 0.8, 1.3, 4]),
    )
    return sec


ACTIONS = {
    "project-created": "project created",
    "data-imported": "data imported",
    "metadata-reviewed": "roles reviewed",
    "explored": "data explored",
    "split-made": "data split; test set sealed",
    "baselines-tuned": "baselines tuned",
    "networks-trained": "networks trained",
    "final-model-frozen": "final model frozen",
    "test-unsealed": "test set opened",
    "model-interpreted": "model interpreted",
    "privacy-answers": "privacy questions answered",
    "sensitivity-changed": "sensitivity changed",
    "privacy-checked": "privacy checked",
    "export-override": "export gate overridden",
    "model-exported": "model exported",
    "report-exported": "report written",
    "recovered-after-crash": "recovered after a crash",
    "encryption-enabled": "encryption turned on",
    "encryption-password-changed": "password changed",
    "encryption-removed": "encryption turned off",
}
DETAIL_WORDS = {
    "rows": "rows",
    "columns": "columns",
    "transposed": "turned (genes as rows)",
    "invalidated": "results cleared",
    "changed_roles": "roles changed",
    "derived": "derived columns",
    "embedding": "sample map",
    "warnings": "warnings",
    "train": "training samples",
    "tune": "tuning samples",
    "test": "test samples",
    "test_sha256": "test-set SHA-256",
    "grouped_by": "kept together by",
    "hold_out": "held out",
    "families": "families",
    "trials": "settings tried per family",
    "seconds_per_family": "time cap per family",
    "recommended": "recommended",
    "cancelled": "cancelled",
    "rungs": "rungs",
    "chosen": "chosen",
    "seeds": "seeds",
    "version": "analysis",
    "n_test": "test samples",
    "value": "score",
    "set": "measured on",
    "panel_k": "panel size",
    "sensitive": "sensitive data",
    "identifiers": "identifying columns",
    "identifiers_used_as_features": "identifying columns used as inputs",
    "memorising": "model memorises rows",
    "attack_auc": "membership-attack AUROC",
    "tpr_at_1pct_fpr": "attack hits at 1% false alarms",
    "recovery_copy": "recovery copy",
    "keychain": "password in the keychain",
}
ROLE_WORDS = {"sample_id": "sample ID", "time_point": "time point", "ignore": "ignored"}
ANSWER_WORDS = {
    "human_subjects": "from people",
    "health_records": "health records",
    "genomic": "genomic",
    "identifiable": "identifiable",
    "sharing_restricted": "sharing restricted",
}
EMPTY = {"none", ""}


def action_words(action: str) -> str:
    """An audit-log action in words ("test-unsealed" is "test set opened")."""
    return ACTIONS.get(action, action.replace("-", " ").replace("_", " "))


def _plain(v: Any) -> str:
    """A value in words: yes/no, none, times as dates, numbers to four significant digits."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return fmt_value(v)
    text = str(v)
    if _ISO_TIME.match(text):
        return fmt_time(text)
    return text


def _words_list(items: list[str], limit: int = 6) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _detail_value(k: str, v: Any, ctx: _Context | None) -> str:
    name = ctx.family_name if ctx is not None else (lambda key: key)
    if k in ("model", "recommended", "chosen") and isinstance(v, str):
        return name(v) if v else ""
    if k in ("families", "rungs", "memorising") and isinstance(v, list):
        return _words_list([name(str(x)) for x in v])
    if k == "metric" and isinstance(v, str):
        return _metric_label(v)
    if k == "verdict" and isinstance(v, str):
        from dlwizard.steps.privacy import VERDICT_WORDS

        return VERDICT_WORDS.get(v, v.replace("_", " "))
    if k == "design" and isinstance(v, str):
        return DESIGNS.get(v, v.replace("_", " "))
    if k == "set" and v in ("tune", "test"):
        return "tuning set" if v == "tune" else "test set"
    if k == "seconds_per_family" and _finite(v):
        return fmt_seconds(float(v))
    if k == "warnings" and isinstance(v, list):
        return _words_list([str(x).replace("-", " ") for x in v])
    if k == "changed_roles" and isinstance(v, dict):
        return _words_list([f"{c} ({ROLE_WORDS.get(str(r), str(r).replace('_', ' '))})"
                            for c, r in v.items()])  # fmt: skip
    if k == "embedding" and isinstance(v, str):
        return {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}.get(v, v)
    if k == "answers" and isinstance(v, dict):
        return _words_list([f"{ANSWER_WORDS.get(q, q.replace('_', ' '))}: {_plain(a)}"
                            for q, a in v.items() if a is not None], 8)  # fmt: skip
    if k == "files" and isinstance(v, list):
        return _words_list([str(x.get("name", "")) if isinstance(x, dict) else str(x) for x in v])
    if k == "files" and isinstance(v, dict):
        return _words_list([str(x) for x in v])
    if k in ("path", "recovery_copy", "folder"):
        return str(v).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    if isinstance(v, list | tuple | set):
        return _words_list([_plain(x) if not isinstance(x, dict) else f"{len(x)} entries"
                            for x in v])  # fmt: skip
    if isinstance(v, dict):
        return _words_list([f"{a}: {_plain(b)}" for a, b in v.items()])
    return _plain(v)


def _detail_text(detail: dict[str, Any], ctx: _Context | None = None) -> str:
    """An audit entry's details in words: "kept together by: none; seed: 42", never Python
    values ("None", "True") or role keys."""
    parts = []
    for k, v in detail.items():
        if isinstance(v, list | tuple | set | dict) and not v:
            continue
        text = _detail_value(k, v, ctx)
        if text == "":
            continue
        if "sha256" in k and len(text) > 16:
            text = text[:16] + "…"  # the full hashes are in the reproducibility appendix
        if len(text) > 80:
            text = text[:77] + "…"
        parts.append(f"{DETAIL_WORDS.get(k, k.replace('_', ' '))}: {text}")
    return "; ".join(parts)
