"""Section 4, optimisation: the preprocessing, the model families and their search ranges,
the tuning budget each family used, and the best settings found."""

from __future__ import annotations

from dlwizard.report.context import Context, not_done
from dlwizard.report.document import Bullets, Paragraph, Section, Table
from dlwizard.report.formatting import fmt, fmt_params, fmt_range, fmt_seconds


def preprocessing(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("opt.preprocessing", "Preprocessing")
    if s.metadata is None:
        return sec.add(not_done("metadata", "the model inputs are not defined yet"))
    numeric, categorical = ctx.feature_kinds()
    seq = ctx.sequence_feature()
    items = []
    if numeric or seq is None:
        items.append(
            f"{len(numeric)} numeric features: missing values replaced by the training median, "
            "then standardised (mean 0, standard deviation 1)."
        )
    if categorical or seq is None:
        items.append(
            f"{len(categorical)} categorical features: missing values replaced by the most "
            "frequent training value, then one-hot encoded; categories unseen in training are "
            "ignored."
        )
    if seq is not None:
        items.append(sequence_words(seq))
    items += [
        "Every step is fitted on the training rows of each cross-validation fold (and on all "
        "training rows for the final fit), inside the model pipeline: tuning and test rows never "
        "inform it.",
        "No feature selection before modelling; no model uses another model's predictions as "
        "input.",
    ]
    if s.networks is not None and seq is not None:
        rc = s.networks.options.reverse_complement and seq.alphabet in ("dna", "rna")
        items.append(
            f"Networks read '{seq.column}' itself: each letter one-hot encoded (ambiguity codes "
            "and other letters as one 'unknown' channel), shorter sequences padded and the "
            "padding masked, so it never changes a prediction; "
            + (
                "each training sequence was read, at random, from either strand (reverse "
                "complement augmentation). "
                if rc
                else "no augmentation. "
            )
            + "Regression targets are standardised during training."
        )
    elif s.networks is not None:
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


def sequence_words(seq) -> str:
    """How the baselines read a column of sequences (k-mer profiles), in one sentence."""
    from dlwizard.ml.models import KMER_RANGES, KMER_VOCABULARY

    low, high = KMER_RANGES[seq.alphabet][1:3]
    kind = "protein" if seq.alphabet == "protein" else seq.alphabet.upper()
    return (
        f"'{seq.column}' ({kind} sequences): for the baselines each sequence is described by "
        f"the frequencies of its overlapping k-mers, k searched from {low} to {high} with each "
        f"family's other settings (at most the {KMER_VOCABULARY:,} k-mers most frequent in the "
        "training rows), scaled to unit variance; a missing sequence counts no k-mers. "
        "Ambiguity codes are kept as letters of their own."
    )


def families(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("opt.families", "Model families and search ranges")
    if s.baselines is None:
        return sec.add(not_done("baselines", "no model family was tuned"))
    from dlwizard.ml.models import families as model_families
    from dlwizard.ml.models import with_sequence
    from dlwizard.ml.tuning import ranges_for

    zoo = model_families(ctx.task)
    n_min = ctx.n_train_min()
    rows = []
    for r in s.baselines.results:
        fam = zoo.get(r.key)
        if fam is None:
            rows.append([r.name, "(unknown family)", ""])
            continue
        if r.best_params.get("sequence"):  # on k-mer profiles: the k-mer length was searched
            alphabet = r.best_params.get("alphabet", "dna")
            fam = with_sequence(fam, r.best_params["sequence"], alphabet)
        ranges = ranges_for(fam, n_min) if n_min else fam.ranges
        text = "; ".join(f"{k}: {fmt_range(v)}" for k, v in ranges.items())
        # The settings that were fixed rather than searched, as they were used.
        fixed = {k: v for k, v in r.best_params.items() if k not in fam.ranges}
        if fixed:
            text += "; fixed: " + fmt_params(fixed)
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
        sec.add(_ladder_ranges(n))
    return sec


def _ladder_ranges(n) -> Table:
    """The network rungs trained: their fixed settings and searched ranges."""
    from dlwizard.ml import nets

    rows = []
    for r in n.rungs:
        spec = nets.RUNGS.get(r.key)
        if spec is None:
            continue
        ranges = "; ".join(f"{k}: {fmt_range(v)}" for k, v in spec["ranges"].items())
        rows.append([r.name, fmt_params(spec["fixed"]), ranges])
    return Table(
        ["Network rung", "Fixed", "Searched settings and ranges"],
        rows,
        caption="The network ladder, from small to large. Training: AdamW, cosine "
        "learning-rate schedule, gradient clipping at norm 1, early stopping on a "
        f"validation fold (patience {n.options.patience}, at most {n.options.max_epochs} "
        "epochs).",
        widths=[1.3, 1.2, 4],
    )


def tuning(ctx: Context) -> Section:
    s = ctx.s
    sec = Section("opt.tuning", "Tuning budget and ledger")
    b = s.baselines
    if b is None:
        return sec.add(not_done("baselines", "there is no tuning ledger"))
    o = b.options
    budget = (
        f"{fmt_seconds(o.seconds_per_family)} of search each, with as many trials as fitted in "
        "that time"
        if o.budget == "time"
        else f"{o.trials} trials and at most {fmt_seconds(o.seconds_per_family)}"
    )
    sec.add(
        Paragraph(
            f"Every family had the same budget: {budget}, searched with a seeded tree-structured "
            f"Parzen estimator (Optuna, seed {o.seed}; four trials proposed at a time, each "
            "counted as a poor result until scored) that starts from the middle of the ranges. "
            "Each "
            f"trial is scored by the mean {ctx.label} over the "
            f"{s.split.n_folds if s.split else '?'} cross-validation folds inside the training "
            "set; the best settings are refitted on all training rows and scored once on the "
            "tuning set."
        )
    )
    ledger = list(b.ledger) + (list(s.networks.ledger) if s.networks else [])
    stopped = {r.key: r.stopped_by for r in b.results}
    if s.networks:
        stopped.update({f"net:{r.key}": r.stopped_by for r in s.networks.rungs})
    rows = []
    for e in ledger:
        name = ctx.family_name(e.family.removeprefix("net:"))
        rows.append(
            [
                name,
                f"{e.trials_used}" if e.by == "time" else f"{e.trials_used} / {e.trials_budget}",
                f"{fmt_seconds(e.seconds_used)} / {fmt_seconds(e.seconds_budget)}",
                "yes" if e.complete else "no",
                stopped.get(e.family, "—"),
            ]
        )
    sec.add(
        Table(
            [
                "Family or rung",
                "Trials used" if o.budget == "time" else "Trials used / budget",
                "Time used / budget" if o.budget == "time" else "Time used / cap",
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
                "Not every family used its full budget: " + ", ".join(short) + ".",
                style="warning",
            )
        )
    return sec


def settings(ctx: Context) -> Section:
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
