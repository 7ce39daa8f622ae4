"""The methods paragraph: plain prose with the Study's numbers filled in, one paragraph per
stage (question and data, split, training, controls, final model, test, importance,
software), ready to adapt for a paper's methods section."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dlwizard.report.context import Context, ev_metric, score
from dlwizard.report.formatting import (
    ci_words,
    fmt,
    fmt_seconds,
    fmt_time,
    lower_first,
    metric_label,
)
from dlwizard.report.words import DESIGNS, TASKS

if TYPE_CHECKING:
    from dlwizard.study.project import Project


def methods_paragraph(project: Project) -> str:
    """The methods paragraph as one string (paragraphs separated by blank lines)."""
    return "\n\n".join(methods_paragraphs(project))


def methods_paragraphs(project: Project) -> list[str]:
    """The methods paragraphs; a stage not done yet is left out, and an unopened test set is
    said in brackets."""
    ctx = Context(project)
    s = ctx.s
    if not s.question.target or s.data is None:
        return ["[No methods can be described yet: the question and data steps are not done.]"]
    out = [_data_paragraph(ctx)]
    if s.split is not None:
        out.append(_split_paragraph(ctx))
    if s.baselines is not None:
        out.append(_training_paragraph(ctx))
        controls = _controls_paragraph(ctx)
        if controls:
            out.append(controls)
    if s.compare is not None and s.compare.final is not None:
        out.append(_final_paragraph(ctx))
    out.append(_test_paragraph(ctx))
    if s.interpret is not None and s.interpret.importances:
        out.append(_importance_paragraph(ctx))
    if s.environment:
        out.append(_software_paragraph(ctx))
    return out


def _data_paragraph(ctx: Context) -> str:
    """What was predicted, from which features, on how many samples, and where the data came
    from."""
    s = ctx.s
    q = s.question
    numeric, categorical = ctx.feature_kinds()
    unit = q.unit_other if q.unit == "other" and q.unit_other else q.unit
    task = TASKS.get(q.task or "", "prediction")
    p1 = f"We trained models to predict {q.target} per {unit} ({task}"
    if q.positive_class:
        p1 += f", positive class '{q.positive_class}'"
    p1 += ")"
    seq = ctx.sequence_feature()
    if s.metadata is not None and seq is not None:
        kind = "protein" if seq.alphabet == "protein" else seq.alphabet.upper()
        lengths = (
            f"{seq.length_min} letters"
            if seq.length_min == seq.length_max
            else f"{seq.length_min} to {seq.length_max} letters"
        )
        p1 += f" from {kind} sequences ('{seq.column}', {lengths})"
        if numeric or categorical:
            p1 += f" and {len(numeric) + len(categorical)} other features"
    elif s.metadata is not None and (img := ctx.image_feature()) is not None:
        p1 += (
            f" from images ('{img.column}', {img.width_min}–{img.width_max} × "
            f"{img.height_min}–{img.height_max} pixels, channels "
            f"{', '.join(img.channel_names)}, brought to {img.size} × {img.size} pixels "
            f"({img.fit}))"
        )
        if numeric or categorical:
            p1 += f" and {len(numeric) + len(categorical)} other features"
    elif s.metadata is not None:
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
    source = _source_sentences(ctx)
    p1 += " " + source if source else ""
    if s.metadata is not None and s.metadata.design != "unknown":
        p1 += f" The study design is {DESIGNS[s.metadata.design]}."
    return p1.strip()


def _source_sentences(ctx: Context) -> str:
    """Where the data were obtained, and the hashes of the files read ("" when neither is
    known)."""
    d = ctx.s.data
    prov = d.provenance
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
    files = [f for f in d.files if f.role in ("data", "bundled")]
    if files:
        source.append(
            " The imported file"
            + ("s had" if len(files) > 1 else " had")
            + " SHA-256 "
            + "; ".join(f"{f.sha256[:16]}…" for f in files)
            + "."
        )
    return "".join(source)


def _split_paragraph(ctx: Context) -> str:
    s = ctx.s
    sp = s.split
    n = len(sp.train) + len(sp.tune) + len(sp.test)
    p2 = (
        f"Samples were split into a training set (n = {len(sp.train)}), a tuning set "
        f"(n = {len(sp.tune)}) and a test set (n = {len(sp.test)}), "
    )
    p2 += "stratified by class" if s.question.task != "regression" else "at random"
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
    return p2


def _training_paragraph(ctx: Context) -> str:
    """Preprocessing, the baselines' equal budget and search, and the network ladder."""
    s = ctx.s
    b = s.baselines
    fams = "; ".join(lower_first(r.name) for r in b.results)
    p3 = (
        "Numeric features were imputed with the training median and standardised; "
        "categorical features were imputed with the most frequent value and one-hot "
        "encoded; every preprocessing step was fitted on the training folds only. "
    )
    if ctx.sequence_feature() is not None:
        p3 = (
            "The baselines read each sequence as the frequencies of its k-mers, with the k-mer "
            "length searched among each family's settings; every preprocessing step was fitted "
            "on the training folds only. "
        )
    if ctx.image_feature() is not None:
        p3 = (
            "The baselines read each image as simple numbers: a 16-bin intensity histogram per "
            "channel, four texture measures of the gray image (grey-level co-occurrence "
            "contrast, homogeneity, energy and correlation) and the image shrunk to 8 × 8 "
            "pixels per channel; every preprocessing step was fitted on the training folds "
            "only. "
        )
    p3 += (
        f"We tuned {len(b.results)} baseline model families ({fams}) with an equal budget "
        + (
            f"of {fmt_seconds(b.options.seconds_per_family)} of search per family"
            if b.options.budget == "time"
            else f"of {b.options.trials} trials and at most "
            f"{fmt_seconds(b.options.seconds_per_family)} per family"
        )
        + ", using seeded tree-structured Parzen estimator search (Optuna) over "
        f"{s.split.n_folds if s.split else '?'}-fold "
        + ("grouped " if s.split and s.split.group_column else "")
        + f"cross-validation within the training set, selecting by {ctx.label}."
    )
    n = s.networks
    if n is not None and n.rungs:
        p3 += _networks_sentences(ctx)
    return p3


def _networks_sentences(ctx: Context) -> str:
    n = ctx.s.networks
    o = n.options
    text = (
        " Neural networks were trained as a ladder from small to large ("
        + "; ".join(r.name for r in n.rungs)
        + (
            ") with the same time budget"
            if (ctx.s.baselines is not None and ctx.s.baselines.options.budget == "time")
            else ") with the same trial budget"
        )
        + ", AdamW, a cosine learning-rate schedule, "
        f"dropout and weight decay searched, and early stopping (patience {o.patience}, "
        f"at most {o.max_epochs} epochs) on a validation fold inside the training set."
    )
    from dlwizard.ml.nets import IMAGE_LADDER

    if ctx.image_feature() is not None and any(r.key in IMAGE_LADDER for r in n.rungs):
        text += (
            " The image networks read the pixels, each channel standardised with the training "
            "images' mean and SD; "
            + (
                "each training image was flipped or turned by 90° at random, shifted by up to "
                "an eighth of its side (edges reflected) and its intensity jittered (×0.8–1.2, "
                "±0.1), all drawn from the training seed."
                if o.augment
                else "the training images were not augmented."
            )
        )
        if o.pretrained:
            text += (
                f" The largest rung started from the pretrained weights in "
                f"'{o.pretrained.rsplit('/', 1)[-1]}' (every layer but the last)."
            )
    if n.seed_mean is not None:
        text += (
            f" The chosen network was retrained with {len(n.seed_scores)} seeds (tuning "
            f"{ctx.label} {fmt(n.seed_mean)} ± {fmt(n.seed_sd)} SD)."
        )
    return text


def _control(b, kind: str):
    return next((c for c in b.controls if c.kind == kind), None)


def _controls_paragraph(ctx: Context) -> str:
    """The controls' scores and how the intervals were computed ("" when no control ran)."""
    b = ctx.s.baselines
    p4 = []
    maj = _control(b, "majority")
    if maj is not None:
        p4.append(f"a majority-class predictor ({ctx.label} {fmt(score(maj.tune, b.metric))})")
    meta = _control(b, "metadata_only")
    if meta is not None:
        p4.append(f"a model on the metadata alone ({ctx.label} {fmt(score(meta.tune, b.metric))})")
    shuf = _control(b, "label_shuffled")
    if shuf is not None and shuf.p_value is not None:
        p4.append(
            f"the best baseline refitted on shuffled labels ({shuf.permutations} "
            f"permutations, p = {fmt(shuf.p_value)})"
        )
    if not p4:
        return ""
    return (
        "Controls: " + "; ".join(p4) + ". Tuning-set intervals are 95% stratified "
        f"bootstrap intervals ({b.options.bootstrap} resamples"
        + (", resampling whole subjects" if ctx.subject_column else "")
        + ")."
    )


def _final_paragraph(ctx: Context) -> str:
    c = ctx.s.compare
    final = c.final
    p5 = f"The final model, {final.name}, was frozen"
    if final.chosen_against_recommendation:
        p5 += f" against the recommendation (reason given: {final.reason or 'none'})"
    elif c.recommendation:
        p5 += " as recommended: " + lower_first(c.recommendation)
    return p5.rstrip(".") + "."


def _test_paragraph(ctx: Context) -> str:
    """The first look's scores with intervals, the baseline beside it, and every later look."""
    s = ctx.s
    if s.test is None or not s.test.looks:
        return "[The test set has not been opened yet: no test result can be reported.]"
    m = s.test.metric
    look = s.test.looks[0]
    ev = look.final
    parts = [f"{metric_label(m)} {ci_words(ev_metric(ev, m))}"]
    for k in ("auprc", "balanced_accuracy", "brier", "rmse", "mae"):
        if k != m and ev is not None and k in ev.metrics:
            parts.append(f"{metric_label(k)} {ci_words(ev.metrics[k])}")
    p6 = (
        f"The test set was opened once for the frozen model ({look.version}, "
        f"{fmt_time(look.time)}). "
        f"On its {look.n_test} samples the model reached " + ", ".join(parts)
    )
    if ev is not None and ev.prevalence is not None and s.question.task == "binary":
        p6 += f" (prevalence {fmt(ev.prevalence, 2)})"
    p6 += "."
    if look.baseline and look.baseline_eval is not None:
        p6 += (
            f" The best baseline, {ctx.family_name(look.baseline)}, reached "
            f"{metric_label(m)} {ci_words(ev_metric(look.baseline_eval, m))}."
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
    return p6


def _importance_paragraph(ctx: Context) -> str:
    it = ctx.s.interpret
    top = ", ".join(i.name for i in it.importances[:3])
    return (
        f"Permutation importance ({it.options.repeats} repeats on the "
        f"{'tuning' if it.options.set == 'tune' else 'test'} set) ranked {top} highest; "
        "importance describes what the model relies on, not what causes the outcome."
    )


def _software_paragraph(ctx: Context) -> str:
    s = ctx.s
    env = s.environment
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
    return sentence + "."
