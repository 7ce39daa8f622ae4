"""Step 10, interpret (Tips 8, 9): what drives the final model, and what a few features keep.

Permutation importance of the frozen model (groups of correlated features permuted together,
intervals over resamples of subjects), the coefficients of a linear model, a biomarker panel
(the simplest baseline refitted on the top-k features) and plain caveats written into the
Study: importance is association with the prediction, not cause.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from dlwizard.errors import StepError
from dlwizard.jobs import Job, run_interruptible
from dlwizard.ml import frozen, importance, metrics
from dlwizard.ml.models import families, pipeline
from dlwizard.ml.tuning import SELECTION_METRIC, model_output
from dlwizard.steps import modelling
from dlwizard.steps.compare import final_model
from dlwizard.study.model import (
    EnrichedKmer,
    Finding,
    Importance,
    InterpretOptions,
    InterpretSection,
    PanelPoint,
    SequenceAttribution,
    SequenceExample,
)
from dlwizard.study.project import Project

STEP = "interpret"
PANEL_SIZES = (1, 2, 3, 5, 10, 20, 50)
CAVEATS = (
    "Importance measures how much the model's predictions rely on a feature, not whether the "
    "feature causes the outcome: a feature can matter because it travels with the true cause, "
    "with the batch, or with how the samples were collected.",
    "Features that move together were permuted together and share one entry; which member of "
    "a group carries the biology cannot be told from this model.",
    "A feature with low importance may still be related to the outcome: the model may get the "
    "same information from another feature.",
)
MOTIF_CAVEAT = (
    "A motif the model uses is not proof that it does anything in the cell: the model may use it "
    "because it travels with the true signal, with how the sequences were chosen, or by chance. "
    "Check it against known motifs (for example in JASPAR, Rfam or PROSITE) and by experiment."
)
LOGO_LETTERS = 80  # letters of an example kept in the Study (a window of a longer sequence)
# A multiclass linear model's coefficients are kept per feature and class in
# InterpretSection.class_coefficients (binary and regression: .coefficients, one per feature);
# read either with coefficient_table().


def _eval_rows(project: Project, which: str):
    s = project.study
    if which == "tune":
        return project.table.loc[s.split.tune]
    from dlwizard.steps.test import opened_rows

    return opened_rows(project).loc[s.split.test]


def run(project: Project, options: InterpretOptions | None = None, job: Job | None = None):
    job = job or Job()
    options = options or InterpretOptions()
    s = project.study
    final = final_model(project)
    p = modelling.prepare(project)
    rows = _eval_rows(project, options.set)
    x = modelling.model_input(p, rows)
    y = modelling.encode_labels(rows[s.question.target], p.task, p.classes)
    subject = project.column_with("subject", in_table=False)
    subjects = rows[subject].astype(str).to_numpy() if subject else None
    metric = SELECTION_METRIC[p.task]
    model = modelling.load_frozen(project)
    # With sequences, the letter-by-letter attributions take the second half of the progress.
    outer, job = job, (job.sub(0.0, 0.45) if p.sequence or p.image else job)
    job.progress(0.02, "Grouping correlated features")
    # Too many features to permute each: score those most associated with the label in the
    # training rows (never the evaluation rows), and say so.
    # An image network reads the pixels, not the image features: the image is one feature.
    reads_pixels = p.image is not None and model.net is not None
    numeric = [] if reads_pixels else list(p.numeric)
    assoc = importance.univariate_scores(p.x_train[numeric], p.y_train, p.task) if numeric else []
    order = np.argsort(-np.asarray(assoc)) if numeric else np.array([], dtype=int)
    n_features = len(numeric) + len(p.categorical)
    preselected = n_features > options.max_features
    if preselected:
        keep = order[: max(1, options.max_features - len(p.categorical))]
        numeric = [numeric[i] for i in keep]
        order = np.arange(len(numeric))
    groups = importance.correlated_groups(
        p.x_train[numeric].to_numpy(dtype=float), numeric, options.correlation, order
    )
    groups += [importance.Group(c, [c]) for c in p.categorical]
    for whole in (p.sequence, p.image.column if reads_pixels else None):
        if whole:  # the whole sequence or image, shuffled between rows, as one more feature
            groups.append(importance.Group(whole, [whole]))
    # Ties (e.g. every importance 0 at a perfect score) are broken the same way every time: by
    # the association with the label in the training rows, then by name.
    assoc_rank = {numeric[i]: pos for pos, i in enumerate(order)}
    job.check()
    results = importance.permutation_importance(
        model.output,
        x,
        y,
        p.task,
        metric,
        groups,
        subjects,
        options.repeats,
        options.seed,
        job.sub(0.05, 0.7),
    )
    results = sorted(results, key=lambda r: _rank_key(r, assoc_rank))
    full = metrics.bootstrap(p.task, y, model.output(x), subjects, n_boot=500, seed=options.seed)
    full_iv = full.metrics[metric]
    coefficients = _coefficients(model, p.task, p.classes, p.categorical)
    per_class = any(isinstance(v, dict) for v in coefficients.values())
    section = InterpretSection(
        options=options,
        metric=metric,
        model=final.key,
        n=len(x),
        grouped_by_subject=subjects is not None,
        features_considered=sum(len(g.members) for g in groups),
        preselected=preselected,
        importances=[
            Importance(
                name=r.group.name, members=r.group.members, value=r.value, low=r.low, high=r.high
            )
            for r in results
        ],
        coefficients=coefficients if not per_class else {},
        class_coefficients=coefficients if per_class else {},
        full_score=modelling.interval(full_iv),
    )
    job.progress(0.7, "Biomarker panel")
    section.panel_family, section.panel = _panel(project, p, results, x, y, subjects, options, job)
    section.caveats = _caveats(project, section, n_features)
    section.failing_domains = _failing_domains(project)
    _attributions(project, p, model, rows, x, y, options, outer, section)
    job = outer
    s.interpret = section
    project.replace_findings(STEP, _findings(section))
    project.mark_done(STEP)
    project.invalidate_after(STEP)
    project.audit(
        "model-interpreted",
        model=final.key,
        set=options.set,
        repeats=options.repeats,
        panel_k=options.panel_k,
        **(
            {"sequences_mutated": section.sequence.n_mutated}
            if section.sequence is not None
            else {}
        ),
    )
    job.progress(1.0, "Interpretation done")
    return section


def _attributions(project, p, model, rows, x, y, options, job: Job, section) -> None:
    """For a model that reads sequences or images: what it reacts to, letter by letter or
    region by region (the second half of the progress)."""
    if p.sequence:
        section.sequence = _sequence_attribution(project, p, model, rows, x, y, options, job)
    if p.image is not None:
        from dlwizard.steps.interpret_images import image_attribution

        ids = _row_names(project, rows)
        sub = job.sub(0.46, 0.98)
        section.image = image_attribution(
            p, model, rows, x, y, ids, options.seed, sub, options.saliency
        )


def _sequence_attribution(
    project: Project, p, model: frozen.Frozen, rows, x, y: np.ndarray, options, job: Job
) -> SequenceAttribution:
    """In-silico mutagenesis of evaluation sequences (the rows importance was measured on):
    a few examples of each class, right and wrong, and as many more as the cost bound allows,
    for the k-mers enriched in their high-attribution windows."""
    from dlwizard.ml import sequence_attribution as sa

    task, column, alphabet = p.task, p.sequence, p.alphabet or "dna"
    job.progress(0.46, "Choosing example sequences")
    out = model.output(x)
    seqs = x[column].tolist()
    lengths = np.array([len(v) for v in seqs])
    if task == "regression":
        groups = np.zeros(len(y), dtype=int)
        error = np.abs(np.asarray(out, dtype=float) - y)
        correct = error <= np.median(error) if len(error) else np.ones(0, dtype=bool)
        confidence = -error
        targets = None
    else:
        groups = np.asarray(y, dtype=int)
        confidence = sa.class_output(out, task, groups)
        predicted = _predicted(out, task)
        correct = predicted == groups
        targets = groups
    examples, chosen = sa.choose(groups, correct, confidence, lengths, alphabet, seed=options.seed)
    job.check()
    sub = job.sub(0.5, 0.95)
    atts = sa.mutate(
        model.output,
        x.iloc[chosen],
        column,
        alphabet,
        task,
        None if targets is None else targets[chosen],
        check=job.check,
        progress=sub.progress,
    )
    job.progress(0.96, "Counting k-mers in the high-attribution windows")
    label_of = (lambda g: "") if task == "regression" else (lambda g: p.classes[int(g)])
    kmers = sa.enriched_kmers([seqs[i] for i in chosen], atts, groups[chosen], alphabet)
    ids = _row_names(project, rows)
    shown = []
    for j, i in enumerate(examples):
        a = atts[j]  # examples come first among the rows mutated
        shown.append(_example(a, seqs[i], ids[i], task, p.classes, y[i], out[i], bool(correct[i])))
    windowed = sum(a.windowed for a in atts)
    letters_sent = sum(sa.cost(len(seqs[i]), alphabet) for i in chosen)
    section = SequenceAttribution(
        column=column,
        alphabet=alphabet,
        toward="value" if task == "regression" else "class",
        n_eval=len(seqs),
        n_mutated=len(chosen),
        letters_evaluated=letters_sent,
        max_positions=sa.MAX_POSITIONS,
        windowed=windowed,
        kmer_lengths=list(sa.KMER_LENGTHS.get(alphabet, ())),
        top_fraction=sa.TOP_FRACTION,
        examples=shown,
        kmers=[
            EnrichedKmer(
                kmer=k.kmer,
                label=label_of(k.group),
                in_top=k.in_top,
                top_windows=k.top_windows,
                in_all=k.in_all,
                all_windows=k.all_windows,
                enrichment=_keep(k.enrichment),
                p_value=_keep(k.p_value),
                q_value=_keep(k.q_value),
            )
            for k in kmers
        ],
    )
    section.notes = sequence_notes(section)
    return section


def _predicted(out, task: str) -> np.ndarray:
    out = np.asarray(out, dtype=float)
    if task == "binary":
        return (out >= 0.5).astype(int)
    return np.argmax(out, axis=1)


def _row_names(project: Project, rows) -> list[str]:
    """Each row's sample ID, or its row number (1-based, as in the imported table)."""
    sid = project.column_with("sample_id")
    if sid and sid in rows:
        return [str(v) for v in rows[sid].tolist()]
    return [f"row {int(i) + 1}" if isinstance(i, int | np.integer) else str(i) for i in rows.index]


def _example(a, seq: str, row: str, task: str, classes, y, out, correct: bool) -> SequenceExample:
    """An example as the Study keeps it: at most LOGO_LETTERS letters around the peak."""
    values = a.values
    n = len(values)
    if n > LOGO_LETTERS:  # the window with the largest total |attribution|
        mass = np.convolve(np.abs(values), np.ones(LOGO_LETTERS), mode="valid")
        lo = int(np.argmax(mass))
    else:
        lo = 0
    hi = min(n, lo + LOGO_LETTERS)
    first = a.start + lo
    if task == "regression":
        label, predicted = f"{float(y):.4g}", f"{float(out):.4g}"
    else:
        label = classes[int(y)]
        p = np.asarray(out, dtype=float)
        k = int(p >= 0.5) if task == "binary" else int(np.argmax(p))
        predicted = classes[k]
    return SequenceExample(
        row=row,
        label=label,
        predicted=predicted,
        score=round(float(a.score), 4),
        correct=correct,
        length=a.length,
        first_position=first + 1,
        letters=seq[first : a.start + hi],
        attributions=[float(f"{v:.3g}") for v in values[lo:hi]],
        peak_position=a.peak + 1,
        mutated_from=a.start + 1,
        mutated_to=a.start + n,
    )


def sequence_notes(sa_section: SequenceAttribution) -> list[str]:
    """How the attributions were measured and bounded, in words."""
    from dlwizard.ml import sequence_attribution as sa

    s = sa_section
    toward = (
        "the model's probability of the sequence's own class"
        if s.toward == "class"
        else "the model's predicted value"
    )
    notes = [
        "Each position of a sequence was replaced by every other letter of the "
        f"{s.alphabet.upper()} alphabet (in-silico mutagenesis); a letter's attribution is how "
        f"much {toward} drops, on average, when it is replaced: letters above the zero line "
        f"support {'that class' if s.toward == 'class' else 'a higher value'}, letters below it "
        "argue against it.",
        f"{s.n_mutated} of {s.n_eval} sequences were mutated ({s.letters_evaluated:,} letters "
        "through the model)"
        + ("; the others were left out to bound the cost" if s.n_mutated < s.n_eval else "")
        + ".",
    ]
    if s.windowed:
        notes.append(
            f"{s.windowed} sequence(s) longer than {s.max_positions} letters were mutated only "
            f"over the {s.max_positions} positions around the region a coarse scan (blocks "
            "replaced by an unknown letter) found the model most sensitive to; the rest of "
            "those sequences was not examined letter by letter."
        )
    lengths = sorted(set(s.kmer_lengths))
    ks = f"{lengths[0]}–{lengths[-1]}" if len(lengths) > 1 else "".join(map(str, lengths))
    notes.append(
        f"Enriched k-mers (k = {ks}): in each sequence mutated, the {s.top_fraction:.0%} of "
        f"windows of k letters with the largest total attribution are the high windows; a k-mer "
        f"is listed when it sits in at least {sa.MIN_TOP} high windows of a class's sequences and "
        "more often there than in all their windows. q is the false-discovery rate over the "
        "k-mers tested; above 0.1 the enrichment may be chance."
    )
    return notes


def logo_label(seq: SequenceAttribution, example: SequenceExample) -> str:
    """The logo's axis label: what a letter's height measures."""
    if seq.toward == "value":
        return "drop in predicted value"
    return f"drop in P({example.label})"


def example_title(seq: SequenceAttribution, example: SequenceExample, row: bool = True) -> str:
    """One line on an example: which row (unless ``row`` is False: the report names no sample),
    its class, the model's answer, the positions shown."""
    e = example
    name = e.row if row else "Example"
    last = e.first_position + len(e.letters) - 1
    where = (
        f"positions {e.first_position}–{last} of {e.length}"
        if len(e.letters) < e.length
        else f"all {e.length} positions"
    )
    if seq.toward == "value":
        return f"{name}: value {e.label}, predicted {e.predicted}; {where}"
    verdict = "right" if e.correct else f"wrong (predicted {e.predicted})"
    return f"{name}: class {e.label}, P({e.label}) = {e.score:.2f}, {verdict}; {where}"


def kmer_rows(seq: SequenceAttribution) -> list[list[str]]:
    """The enriched k-mers as table rows: class, k-mer, high windows, all windows, enrichment,
    q (the class column is left out for regression)."""
    rows = []
    for k in seq.kmers:
        row = [
            k.kmer,
            f"{k.in_top} of {k.top_windows}",
            f"{k.in_all} of {k.all_windows}",
            f"{k.enrichment:.1f}×",
            f"{k.q_value:.2g}" if k.q_value >= 0.001 else "< 0.001",
        ]
        rows.append(row if seq.toward == "value" else [k.label, *row])
    return rows


def kmer_headers(seq: SequenceAttribution) -> list[str]:
    head = ["k-mer", "In high windows", "In all windows", "Enrichment", "q"]
    return head if seq.toward == "value" else ["Class", *head]


def _rank_key(result, assoc_rank: dict[str, int]) -> tuple:
    """Larger importance first; ties by association with the label (training rows), then name."""
    value = result.value
    first = -round(float(value), 12) if np.isfinite(value) else math.inf
    assoc = min((assoc_rank.get(m, len(assoc_rank)) for m in result.group.members), default=0)
    return (first, assoc, result.group.name)


def _coefficients(
    model: frozen.Frozen, task: str, classes: list[str], categorical: list[str] = ()
) -> dict[str, Any]:
    """A linear model's coefficients on the standardised features (comparable in size).

    Binary: one per feature, towards the positive class. Several classes: feature -> class ->
    coefficient (the model has a row of coefficients for each class).
    """
    if model.pipeline is None:
        return {}
    est = model.pipeline.named_steps["model"]
    coef = getattr(est, "coef_", None)
    if coef is None:
        return {}
    names = [
        _level_name(str(n), categorical)
        for n in model.pipeline.named_steps["prepare"].get_feature_names_out()
    ]
    coef = np.atleast_2d(np.asarray(coef, dtype=float))
    if coef.shape[0] == 1:
        ranked = sorted(zip(names, coef[0]), key=lambda t: -abs(t[1]))
        return {n: _keep(v) for n, v in ranked[:200] if v != 0}
    codes = getattr(est, "classes_", np.arange(coef.shape[0]))
    labels = [classes[int(c)] if 0 <= int(c) < len(classes) else str(c) for c in codes]
    size = np.abs(coef).max(axis=0)
    out: dict[str, dict[str, float]] = {}
    for j in [j for j in np.argsort(-size, kind="stable") if size[j] > 0][:200]:
        out[names[j]] = {label: _keep(coef[i, j]) for i, label in enumerate(labels)}
    return out


def _level_name(name: str, categorical) -> str:
    """A one-hot column as people read it: "site = Biscoe", not "site_Biscoe"."""
    for col in sorted(categorical, key=len, reverse=True):
        if name.startswith(f"{col}_") and name != col:
            return f"{col} = {name[len(col) + 1 :]}"
    return name


def _keep(v: float) -> float:
    """Six significant digits: a small coefficient is kept small, not rounded to 0."""
    return float(f"{float(v):.6g}")


def coefficient_table(
    section: InterpretSection,
) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    """The coefficients as (class columns, rows of (feature, one value per column)).

    Binary and regression: no class columns and one value per row. Several classes: one column
    per class, features in the order stored (largest effect on any class first)."""
    if not section.class_coefficients:
        return [], [(f, [v]) for f, v in section.coefficients.items()]
    classes: list[str] = []
    for per_class in section.class_coefficients.values():
        classes += [c for c in per_class if c not in classes]
    rows = section.class_coefficients.items()
    return classes, [(f, [v.get(c) for c in classes]) for f, v in rows]


def fmt_coefficient(v: float | None) -> str:
    """A coefficient to three significant digits with its sign ("+2.85", "-0.0123"); exactly
    "0" for zero or what rounds to it (never "-0" or "+0.0000")."""
    if v is None or not math.isfinite(v):
        return "–"
    a = abs(v)
    if a >= 1000:
        text = f"{v:+.0f}"
    else:
        digits = 2 - math.floor(math.log10(a)) if a > 0 else 0
        if digits > 9:
            return "0"
        text = f"{v:+.{max(0, digits)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")  # "+2.5", not "+2.50"
    if float(text) == 0:
        return "0"
    return text


def fmt_importance(v: float) -> str:
    """An importance (a drop in score) with three decimals; "0.000", never "-0.000"."""
    if not math.isfinite(v):
        return "n/a"
    text = f"{v:.3f}"
    return "0.000" if float(text) == 0 else text


def best_possible(metric: str) -> float:
    """The best value ``metric`` can take (1 for scores, 0 for errors)."""
    return 1.0 if metrics.HIGHER_IS_BETTER[metric] else 0.0


def at_ceiling(section: InterpretSection) -> bool:
    """True when the final model scores the best possible value on the samples measured: no
    shuffling of a single feature can show reliance while other features carry the same
    information, so importance is uninformative."""
    full = section.full_score
    if full is None or not math.isfinite(full.value):
        return False
    return abs(full.value - best_possible(section.metric)) < 1e-9


def ceiling_note(section: InterpretSection) -> str:
    """What importance means (nothing much) when the final model's score is perfect."""
    label = metrics.LABELS.get(section.metric, section.metric)
    values = [i.value for i in section.importances if math.isfinite(i.value)]
    all_zero = bool(values) and all(abs(v) < 1e-12 for v in values)
    return (
        f"The final model's {label} is {section.full_score.value:.3f} on these samples, the "
        "best possible, so importance is uninformative here: "
        + (
            "every importance is 0, because "
            if all_zero
            else "an importance of 0 (or near it) means little, because "
        )
        + "shuffling one feature cannot lower a perfect score while other features carry the "
        "same information. It does not mean those features are unrelated to the outcome, and "
        "the ranking among them is arbitrary. Measure importance on harder samples (or a model "
        "that is not perfect) to learn what the model relies on."
    )


def panel_ties(section: InterpretSection) -> str:
    """A sentence naming the features that were tied where the panel cut the ranking, or ""."""
    ranked = [i for i in section.importances if math.isfinite(i.value)]
    values = [round(i.value, 12) for i in ranked]
    ties: dict[float, list[int]] = {}
    for point in section.panel:
        k = point.k
        if 0 < k < len(ranked) and values[k - 1] == values[k]:
            ties.setdefault(values[k - 1], []).append(k)
    sentences = []
    for value, ks in ties.items():
        tied = [i.name for i, v in zip(ranked, values) if v == value]
        names = ", ".join(tied[:8]) + (f" and {len(tied) - 8} more" if len(tied) > 8 else "")
        sizes = ", ".join(str(k) for k in ks)
        sentences.append(
            f"{len(tied)} features are tied in importance ({fmt_importance(value)}): {names}. "
            f"Which of them enter the panel of k = {sizes} is a tie-break (their association with "
            "the label in the training rows, then their name), not a ranking."
        )
    return " ".join(sentences)


def panel_family(project: Project) -> str:
    """The simplest baseline that was tuned (the panel refits it on a few features)."""
    tuned = [r.key for r in project.study.baselines.results if r.tune is not None]
    if not tuned:
        raise StepError("no baseline was tuned; the panel refits the simplest one")
    return min(tuned, key=modelling.simplicity)


def _panel(project, p, results, x, y, subjects, options, job):
    key = panel_family(project)
    result = next(r for r in project.study.baselines.results if r.key == key)
    fam = families(p.task)[key]
    # Each group is represented by its first member (the one most associated with the label).
    ranked = [r.group.members[0] for r in results if np.isfinite(r.value)]
    whole = {p.sequence, p.image.column if p.image else None} - {None}
    if ranked and set(ranked) <= whole:  # the sequence or image alone: no panel of features
        return result.name, []
    sizes = sorted({k for k in (*PANEL_SIZES, options.panel_k) if k <= len(ranked)})
    points = []
    for i, k in enumerate(sizes):
        job.progress(0.7 + 0.3 * i / max(1, len(sizes)), f"Biomarker panel: top {k} features")
        chosen = ranked[:k]
        num = [c for c in chosen if c in p.numeric]
        cat = [c for c in chosen if c in p.categorical]
        params = dict(result.best_params)
        if params.get("sequence") not in chosen:  # k-mers only when the sequence is chosen
            params.pop("sequence", None)
        model = pipeline(fam, params, num, cat, project.study.baselines.options.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_interruptible(lambda m=model, c=chosen: m.fit(p.x_train[c], p.y_train), job)
            out = model_output(model, x[chosen], p.task, len(p.classes))
        ev = metrics.bootstrap(p.task, y, out, subjects, n_boot=300, seed=options.seed)
        iv = ev.metrics[SELECTION_METRIC[p.task]]
        points.append(PanelPoint(k=k, features=chosen, score=modelling.interval(iv)))
    return result.name, points


def _caveats(project: Project, section: InterpretSection, n_features: int) -> list[str]:
    out = list(CAVEATS)
    where = "tuning" if section.options.set == "tune" else "test"
    out.append(
        f"Importance was measured on {section.n} {where}-set samples"
        + (", resampling whole subjects" if section.grouped_by_subject else "")
        + f", {section.options.repeats} times; read the intervals, not only the ranking."
    )
    if section.preselected:
        out.append(
            f"Only the {section.features_considered} of {n_features} features most associated "
            "with the label in the training rows were scored; the others were not examined."
        )
    if at_ceiling(section):
        out.insert(0, ceiling_note(section))
    ties = panel_ties(section)
    if ties:
        out.append(ties)
    if project.study.metadata.design in ("observational", "passive", "unknown"):
        out.append(
            "The data are observational: even a robust association can be confounded by how "
            "samples were chosen, processed or measured."
        )
    return out


def _failing_domains(project: Project) -> list[str]:
    t = project.study.test
    if t is None or not t.looks:
        return []
    metric = t.metric
    label = metrics.LABELS[metric]
    look = t.looks[-1]
    return [
        f"{g.column} = {g.value}: {label} {g.metrics[metric].value:.3f} (n = {g.n}) against "
        f"{look.final.metrics[metric].value:.3f} overall"
        for g in look.subgroups
        if g.below_overall
    ]


def _findings(section: InterpretSection) -> list[Finding]:
    findings = [
        Finding(
            code="importance-is-not-mechanism",
            severity="info",
            step=STEP,
            message="Feature importance shows what the model relies on, not what causes the "
            "outcome. Confirm candidate features with an experiment or an independent cohort.",
        )
    ]
    from dlwizard.steps.interpret_images import border_finding, caveat_finding

    findings += caveat_finding(section.image) + border_finding(section.image)
    if section.sequence is not None:
        findings.append(
            Finding(
                code="motif-is-not-function",
                severity="info",
                step=STEP,
                message=MOTIF_CAVEAT,
                fix="compare the enriched k-mers with known motifs, and test a candidate by "
                "mutating it in the lab.",
                columns=[section.sequence.column],
            )
        )
    full = section.full_score
    if section.panel and full is not None:
        small = section.panel[0]
        for point in section.panel:
            if point.score.value >= full.low:
                small = point
                break
        else:
            small = None
        if small is not None:
            findings.append(
                Finding(
                    code="small-panel-suffices",
                    severity="info",
                    step=STEP,
                    message=f"{section.panel_family} on only {small.k} feature(s) scores "
                    f"{small.score.value:.3f}, within the full model's interval (from "
                    f"{full.low:.3f}): a small panel may do as well.",
                    fix="consider the smaller panel; it is cheaper to measure and easier to check.",
                )
            )
    if section.importances and all(
        not np.isfinite(i.low) or i.low <= 0 for i in section.importances
    ):
        if at_ceiling(section):
            findings.append(
                Finding(
                    code="no-feature-stands-out",
                    severity="warning",
                    step=STEP,
                    message="No feature's importance interval is clearly above zero because the "
                    "final model's score is perfect on these samples: shuffling one feature "
                    "cannot lower it while others carry the same information. Importance is "
                    "uninformative at the ceiling.",
                    fix="do not name biomarkers from this ranking; measure importance on harder "
                    "samples, or read the coefficients of a linear model.",
                )
            )
        else:
            findings.append(
                Finding(
                    code="no-feature-stands-out",
                    severity="warning",
                    step=STEP,
                    message="No feature's importance interval is clearly above zero: the "
                    "model's reliance on single features cannot be told apart from noise on "
                    "this many samples.",
                    fix="do not name biomarkers from this model; more samples are needed.",
                )
            )
    return findings


# -- what the test page's subgroups say ------------------------------------------------------------
ROLE_LOOKS = {
    "batch": ("a batch, site or date column", "batch, site or date columns"),
    "subject": ("a subject ID", "subject IDs"),
    "time_point": ("a time point", "time points"),
    "sensitive": ("a sensitive attribute", "sensitive attributes"),
}
ROLE_USE = {
    "feature": ("is a model input", "are model inputs"),
    "ignore": ("is ignored", "are ignored"),
}


def candidates_words(project: Project, roles: tuple[str, ...], limit: int = 4) -> str:
    """The columns that look like they have one of ``roles`` but were given another, in words
    ("'site' and 'study' look like batch, site or date columns but are model inputs"); "" if
    none."""
    m = project.study.metadata
    if m is None:
        return ""
    groups: dict[tuple[str, str], list[str]] = {}
    for col, role in (m.role_candidates or {}).items():
        if role in roles:
            groups.setdefault((role, m.roles.get(col, "feature")), []).append(col)
    parts = []
    for (role, use), cols in groups.items():
        many = len(cols) > 1
        shown = [f"'{c}'" for c in cols[:limit]]
        if len(cols) > limit:
            names = ", ".join(shown) + f" and {len(cols) - limit} more"
        else:
            names = shown[0] if not many else ", ".join(shown[:-1]) + " and " + shown[-1]
        looks = ROLE_LOOKS.get(role, (role.replace("_", " "), role.replace("_", " ")))[many]
        role_word = use.replace("_", " ")
        used = ROLE_USE.get(use, (f"has the {role_word} role", f"have the {role_word} role"))[many]
        parts.append(f"{names} {'look' if many else 'looks'} like {looks} but {used}")
    return "; ".join(parts)


def subgroup_statement(project: Project) -> str:
    """What the latest test look says about subgroups, in one honest sentence: known only after
    the test set is opened; none tested (and why); none scored; none clearly worse (and how many
    were scored); or how many did worse (the failing domains list them)."""
    from dlwizard.steps.test import MIN_SUBGROUP, SUBGROUP_ROLES

    t = project.study.test
    if not project.test_opened or t is None or not t.looks:
        return "Known after the test set is opened (the test page scores every subgroup)."
    look = t.looks[-1]
    if not look.subgroups:
        text = (
            "No subgroup was tested: no column has the batch or sensitive role, so the test set "
            "was not split by site, batch or group."
        )
        seen = candidates_words(project, (*SUBGROUP_ROLES, "time_point"))
        if seen:
            text += (
                f" {seen[0].upper() + seen[1:]}: give such a column the batch role on the "
                "Metadata page to have the model scored within each of its values."
            )
        return text
    columns = list(dict.fromkeys(g.column for g in look.subgroups))
    names = ", ".join(f"'{c}'" for c in columns)
    scored = [g for g in look.subgroups if g.metrics]
    if not scored:
        return (
            f"No subgroup was tested: every value of {names} has fewer than {MIN_SUBGROUP} "
            "test samples, too few to score."
        )
    worse = [g for g in look.subgroups if g.below_overall]
    if worse:
        return (
            f"{len(worse)} of {len(scored)} scored subgroups of {names} did clearly worse than "
            "the whole test set (their whole interval lies below the overall score)."
        )
    return (
        f"No subgroup did clearly worse on the test set: {len(scored)} subgroups of {names} "
        "were scored, and none has its whole interval below the overall score."
    )
