"""Step 7, networks (Tips 3, 5, 6, 7): a ladder from small to large, tuned like the baselines.

Each rung is searched with the same trial budget as each baseline family, on the same grouped
folds. The ladder is climbed while the tuning-set score improves beyond its noise. The chosen
configuration is retrained with several seeds (mean ± SD), a shuffled-label copy is trained as a
control, and the result is compared honestly with the best baseline. Training is deterministic
by default and every seed, flag and the device are recorded.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dlwizard.errors import Cancelled, StepError
from dlwizard.jobs import Job
from dlwizard.ml import metrics, nets
from dlwizard.ml.models import preprocessor
from dlwizard.ml.nets import (  # the rungs, by ladder (the networks page lists them from here)
    LADDER,
    RUNGS,
    ladder_for,
)
from dlwizard.ml.tuning import SELECTION_METRIC, Budget, one_at_a_time, search
from dlwizard.steps.modelling import Prepared, best_baseline, evaluation, prepare
from dlwizard.study.model import (
    Finding,
    LedgerEntry,
    NetworkOptions,
    NetworksSection,
    RungResult,
)
from dlwizard.study.project import Project

STEP = "networks"
WEIGHTS = "network.safetensors"
ARCHITECTURE = "network.json"
PRETRAINED_RUNG = "resnet_deep"  # the image rung that can start from a pretrained file
GAP_WARN = 0.1  # train minus tune score beyond which a rung is flagged as overfitting


def modality(p: Prepared) -> str:
    """Which ladder suits the data: "sequence" when a feature column holds sequences, "image"
    when one holds image files (those networks read that column alone), else "table"."""
    return "sequence" if p.sequence is not None else "image" if p.image is not None else "table"


def project_modality(project: Project) -> str:
    """:func:`modality` without preparing the data (for the page's list of rungs)."""
    from dlwizard.steps.modelling import image_feature, sequence_feature

    if sequence_feature(project) is not None:
        return "sequence"
    return "image" if image_feature(project) is not None else "table"


def rungs_for(p: Prepared, options: NetworkOptions) -> list[str]:
    """The rungs to climb: the options' own, except that the table ladder's default (every MLP
    rung) means the data's own ladder when the features hold sequences or images."""
    default = NetworkOptions.model_fields["rungs"].get_default(call_default_factory=True)
    if modality(p) != "table" and list(options.rungs) == list(default):
        return list(ladder_for(modality(p)))
    return list(options.rungs)


def _codes(p: Prepared, rows) -> np.ndarray:
    """A set of rows' sequences as the sequence networks read them (integer letter codes)."""
    from dlwizard.ml.sequence_nets import encode

    return encode(rows[p.sequence].tolist(), p.alphabet or "dna")


def _pixels(p: Prepared, rows) -> np.ndarray:
    """A set of rows' images as the image networks read them (float16, N x C x S x S)."""
    from dlwizard.steps.image_inputs import pixels

    assert p.image is not None
    return pixels(p.image, rows[p.image.column])


def network_inputs(p: Prepared, rows) -> np.ndarray:
    """Rows as a sequence or image network reads them (no fitted preprocessing)."""
    return _codes(p, rows) if p.sequence is not None else _pixels(p, rows)


def _matrices(p: Prepared, train_rows: np.ndarray, other):
    """Fit the preprocessing on the training rows only; transform both. Sequences and images
    need no fitting: each set is encoded as it is."""
    if p.sequence is not None or p.image is not None:
        return network_inputs(p, p.x_train.iloc[train_rows]), network_inputs(p, other)
    prep = preprocessor(p.numeric, p.categorical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xa = prep.fit_transform(p.x_train.iloc[train_rows])
        xb = prep.transform(other)
    return np.asarray(xa, dtype=np.float32), np.asarray(xb, dtype=np.float32)


def _config(
    rung: str, params: dict[str, Any], options: NetworkOptions, alphabet: str | None = None
) -> nets.NetConfig:
    spec = RUNGS[rung]
    extra: dict[str, Any] = {}
    if spec.get("modality") == "sequence":
        extra["alphabet"] = alphabet or "dna"
        # Reverse complements are the same molecule read from the other strand: DNA and RNA.
        extra["reverse_complement"] = options.reverse_complement and alphabet in ("dna", "rna")
    elif spec.get("modality") == "image":
        extra["augment"] = options.augment
        if options.pretrained and rung == PRETRAINED_RUNG:
            from dlwizard.ml.image_nets import pretrained_settings

            extra["pretrained"] = options.pretrained
            # The file fixes the width and the blocks per stage, whatever the search proposed.
            params = {**params, **pretrained_settings(options.pretrained)}
    return nets.NetConfig(
        **{**spec["fixed"], **params},
        **extra,
        max_epochs=options.max_epochs,
        patience=options.patience,
        mixed_precision=options.mixed_precision,
    )


def _fold_score(p, cfg, k, device, seed, job, on_epoch=None, notes=None) -> float:
    tr = np.flatnonzero(p.folds != k)
    va = np.flatnonzero(p.folds == k)
    xa, xb = _matrices(p, tr, p.x_train.iloc[va])
    model, _, _ = nets.train_fitting_memory(
        cfg,
        xa,
        p.y_train[tr],
        xb,
        p.y_train[va],
        p.task,
        len(p.classes),
        device,
        seed,
        job,
        on_epoch,
        notes=notes,
    )
    out = nets.predict(model, xb, p.task, device)
    return metrics.compute(p.task, p.y_train[va], out)[SELECTION_METRIC[p.task]]


def final_rows(p: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """The training rows the final network is fitted on, and those (fold 0) that only decide
    when its training stops."""
    return np.flatnonzero(p.folds != 0), np.flatnonzero(p.folds == 0)


def final_preprocessor(p: Prepared):
    """The final network's preprocessing, fitted on its fit rows only (deterministic: fitting
    it again gives the same transform); None for sequences and images, read as they are."""
    if p.sequence is not None or p.image is not None:
        return None
    fit_rows, _ = final_rows(p)
    prep = preprocessor(p.numeric, p.categorical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prep.fit(p.x_train.iloc[fit_rows])
    return prep


def _fit_final(
    p: Prepared, cfg, device: str, seed: int, job: Job, labels=None, on_epoch=None, notes=None
):
    """Train on the training rows (early stopping on fold 0 of them); score on tune."""
    y = p.y_train if labels is None else labels
    fit_rows, inner = final_rows(p)
    prep = final_preprocessor(p)
    if prep is None:
        xa = network_inputs(p, p.x_train.iloc[fit_rows])
        xv = network_inputs(p, p.x_train.iloc[inner])
        xt = network_inputs(p, p.x_tune)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            xa = np.asarray(prep.transform(p.x_train.iloc[fit_rows]), dtype=np.float32)
            xv = np.asarray(prep.transform(p.x_train.iloc[inner]), dtype=np.float32)
            xt = np.asarray(prep.transform(p.x_tune), dtype=np.float32)
    model, hist, _ = nets.train_fitting_memory(
        cfg,
        xa,
        y[fit_rows],
        xv,
        y[inner],
        p.task,
        len(p.classes),
        device,
        seed,
        job,
        on_epoch,
        notes=notes,
    )
    train_out = nets.predict(model, xa, p.task, device)
    tune_out = nets.predict(model, xt, p.task, device)
    train_score = metrics.compute(p.task, y[fit_rows], train_out)[SELECTION_METRIC[p.task]]
    return model, hist, train_score, tune_out, xa.shape[1]


def _tune_rung(
    p, rung, options, budget: Budget, device, job, live=None, notes=None
) -> tuple[RungResult, dict]:
    """Search a rung's settings with the baselines' own budgeted loop (ml.tuning.search): the
    same trial budget and time cap, the same seeded sampler, the same grouped folds."""
    spec = RUNGS[rung]
    folds = np.unique(p.folds[p.folds >= 0])

    def objective(params: dict[str, Any], i: int) -> tuple[float, float]:
        cfg = _config(rung, params, options, p.alphabet)
        scores = [
            _fold_score(
                p,
                cfg,
                k,
                device,
                options.seed,
                job,
                _tag(live, f"{spec['name']}, trial {i + 1}, fold {int(k) + 1}"),
                notes,
            )
            for k in folds
        ]
        arr = np.asarray(scores, dtype=float)
        if not np.isfinite(arr).any():
            return float("nan"), float("nan")  # a failed trial
        return float(np.nanmean(arr)), float(np.nanstd(arr))

    scores = one_at_a_time(objective)
    found = search(spec["name"], spec["ranges"], scores, budget, options.seed, job)
    result = RungResult(
        key=rung,
        name=spec["name"],
        best_params=found.best_params,
        cv_mean=found.cv_mean,
        cv_sd=found.cv_sd,
        trials=found.trials,
        seconds=round(found.seconds, 3),
        stopped_by=found.stopped_by,
    )
    return result, dict(found.best_params)


def _names(keys) -> str:
    """Rung names in plain words: "A", "A and B", "A, B and C"."""
    names = [RUNGS[k]["name"] for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ladder_summary(chosen_rungs: list[str], tried: list[str]) -> str:
    """Which rungs were tried, which the ladder did not reach, and which the user left out."""
    ladder = ladder_for(RUNGS[chosen_rungs[0]].get("modality", "table")) if chosen_rungs else LADDER
    left_out = [k for k in ladder if k not in chosen_rungs]
    not_reached = [k for k in chosen_rungs if k not in tried]
    if not left_out and not not_reached:
        return f"Every rung of the ladder was tried ({_names(tried)})."
    parts = [f"Tried: {_names(tried)}."]
    if not_reached:
        parts.append(f"Not reached, because the ladder stopped: {_names(not_reached)}.")
    if left_out:
        parts.append(f"Left out by you (unticked): {_names(left_out)}.")
        if len(tried) == 1 and not not_reached:
            parts.append("With a single rung, no bigger network was compared with it.")
    return " ".join(parts)


def epoch_limit_note(rung: RungResult, max_epochs: int) -> str | None:
    """Plain words when a rung's final training ran to the epoch limit while its validation loss
    was still falling (best epoch among the last ones): it may have stopped too early."""
    run = len(rung.val_loss)
    tail = max(2, run // 20)  # the last 5 % of the epochs, at least the last two
    if run == 0 or run < max_epochs or rung.best_epoch < run - tail:
        return None
    return (
        f"{rung.name} was still improving when training stopped at the limit of {max_epochs} "
        f"epochs (best epoch {rung.best_epoch + 1} of {run}; the validation loss was still "
        "falling): it may be under-trained. Allow more epochs (Max epochs) and train again; "
        "early stopping still ends training once it stops improving."
    )


def _tag(live, label: str):
    """An epoch callback that names the run it comes from (for the live curves)."""
    if live is None:
        return None
    return lambda epoch, train, val: live(label, epoch, train, val)


PROBE_EPOCHS = 3  # epochs timed per rung to estimate the ladder's duration


def expected_epochs(options: NetworkOptions) -> int:
    """Epochs a training usually runs: early stopping ends it ``patience`` epochs after its
    best one, which tends to come after a further patience or so (never past the limit)."""
    return min(options.max_epochs, 2 * options.patience + 10)


def estimate_ladder(
    p: Prepared, options: NetworkOptions, budget: Budget, device: str, job: Job
) -> list[float]:
    """Seconds each rung should take at most (its search within the budget, and its final
    fit), the last entry the seed retrains and the shuffled-label control: from a few epochs
    of each rung at the middle of its ranges, timed on the first fold. The ladder may stop
    before its last rung, so the sum is an upper bound."""
    from dlwizard.ml.models import middle_of

    folds = np.unique(p.folds[p.folds >= 0])
    if not len(folds):
        return [0.0] * (len(options.rungs) + 1)
    tr = np.flatnonzero(p.folds != folds[0])
    va = np.flatnonzero(p.folds == folds[0])
    xa, xb = _matrices(p, tr, p.x_train.iloc[va])
    epochs = expected_epochs(options)
    fits = []
    for i, rung in enumerate(options.rungs):
        job.progress(0.0, f"Estimating the duration: a few epochs per rung ({i + 1}/"
                     f"{len(options.rungs)})…")  # fmt: skip
        spec = RUNGS[rung]
        params = middle_of(spec["ranges"])
        cfg = _config(rung, params, options, p.alphabet)
        cfg.max_epochs, cfg.patience = PROBE_EPOCHS, PROBE_EPOCHS
        _, hist, _ = nets.train_fitting_memory(
            cfg, xa, p.y_train[tr], xb, p.y_train[va], p.task, len(p.classes), device,
            options.seed, job,
        )  # fmt: skip
        per_epoch = hist.seconds / max(1, len(hist.train_loss))
        fits.append(per_epoch * epochs)
    out = [min(budget.trials * len(folds) * f, budget.seconds + len(folds) * f) + f for f in fits]
    return [*out, (options.seeds + 1) * max(fits, default=0.0)]


@dataclass
class _Training:
    """What every training in one run of the step shares: the data, the options, the device,
    the live-curve callback and the notes on batch-size halvings after GPU out-of-memory."""

    p: Prepared
    options: NetworkOptions
    device: str
    live: Callable[[str, int, float, float], None] | None
    notes: list[str] = field(default_factory=list)

    def fit(self, cfg, seed: int, job: Job, label: str, labels=None):
        """:func:`_fit_final` with this run's device, curves and notes."""
        return _fit_final(
            self.p,
            cfg,
            self.device,
            seed,
            job,
            labels=labels,
            on_epoch=_tag(self.live, label),
            notes=self.notes,
        )


@dataclass
class _Best:
    """The best rung so far and its configuration (kept when a cancel stops the ladder)."""

    rung: RungResult | None = None
    cfg: nets.NetConfig | None = None


def run(
    project: Project,
    options: NetworkOptions | None = None,
    job: Job | None = None,
    live: Callable[[str, int, float, float], None] | None = None,
    on_estimate: Callable[[float], None] | None = None,
):
    """``live(run_label, epoch, train_loss, val_loss)`` is called after every epoch (from the
    worker thread; the GUI queues the values and draws them at its own pace). ``on_estimate``
    receives the longest the ladder should take, in seconds, before it starts (it may stop
    sooner: a rung that does not improve on the one below ends the climb)."""
    from dlwizard.ml.determinism import device_record, pick_device, prepare_environment

    prepare_environment()
    job = job or Job()
    options = options or NetworkOptions()
    s = project.study
    if s.baselines is None:
        raise StepError("tune the baselines first: a network is judged against them")
    p = prepare(project)
    metric = SELECTION_METRIC[p.task]
    ladder = ladder_for(modality(p))
    options = options.model_copy(update={"rungs": rungs_for(p, options)})
    unknown = [r for r in options.rungs if r not in ladder]
    if unknown:
        words = {"table": "tables", "sequence": "sequences", "image": "images"}
        other = RUNGS.get(unknown[0], {}).get("modality", "table")
        known = f"is a rung for {words.get(other, other)}"
        raise StepError(
            f"'{unknown[0]}' {known if unknown[0] in RUNGS else 'is not a ladder rung'}",
            fix=f"choose rungs for {words[modality(p)]}: {', '.join(ladder)}.",
        )
    # The baselines' budget, kept equal the same way (by trials or by time).
    b = s.baselines.options
    budget = Budget.of(
        b.budget, options.trials or b.trials, options.seconds_per_rung or b.seconds_per_family
    )
    device = pick_device(options.device)
    from dlwizard.ml.determinism import seed_everything

    flags = seed_everything(options.seed, options.deterministic)
    flags["mixed_precision"] = options.mixed_precision and device == "cuda"
    section = NetworksSection(
        options=options, metric=metric, device=device_record(device), determinism=flags
    )
    from dlwizard.steps.modelling import duration_words

    estimate = estimate_ladder(p, options, budget, device, job)
    section.estimated_seconds = round(sum(estimate), 1)
    job.progress(
        0.0,
        f"Climbing {len(options.rungs)} rung(s): {duration_words(sum(estimate))} at most (the "
        "ladder may stop sooner)",
    )
    if on_estimate is not None:
        on_estimate(sum(estimate))
    training = _Training(p, options, device, live)
    findings: list[Finding] = []
    best = _Best()
    final_model = final_in = None
    n = len(options.rungs) + 2
    try:
        _climb(training, section, budget, job, findings, best)
        section.chosen = best.rung.key
        job.progress((len(options.rungs)) / n, "Retraining with several seeds")
        final_model, final_in = _seeds(training, section, best, job)
        job.progress((len(options.rungs) + 1) / n, "Control: shuffled labels")
        section.shuffled_score = _shuffled_control(training, best, job)
    except Cancelled:
        if not section.rungs or best.rung is None:
            raise
        section.cancelled = True
        final_model = None
    _note_epoch_limits(section, options)
    findings += _against_baseline(section, s.baselines, best.rung, metric)
    findings += _control_findings(section, best.rung, metric, training.notes)
    final = None if final_model is None else (final_model, best.cfg, final_in)
    _record(project, section, findings, p, final)
    if not section.cancelled:
        job.progress(1.0, "Networks done")
    return section


def _climb(
    training: _Training,
    section: NetworksSection,
    budget: Budget,
    job: Job,
    findings: list[Finding],
    best: _Best,
) -> None:
    """Tune and train each rung in turn; stop once a rung does not beat the best one so far
    beyond its interval. ``section``, ``findings`` and ``best`` are filled as it goes, so that a
    cancel keeps the rungs already trained."""
    options = training.options
    metric = section.metric
    n = len(options.rungs) + 2
    for i, rung in enumerate(options.rungs):
        sub = job.sub(i / n, (i + 1) / n)
        result, cfg = _train_rung(training, rung, budget, sub)
        section.rungs.append(result)
        section.ledger.append(_ledger_entry(rung, result, budget))
        score = result.tune.metrics[metric].value
        if result.train_score - score > GAP_WARN:
            findings.append(_overfit_finding(result, score))
        if best.rung is not None:
            prev = best.rung.tune.metrics[metric]
            if not score > prev.high:  # an undefined (NaN) score is never an improvement
                section.stopped_because = (
                    f"{result.name} ({score:.3f}) did not improve on {best.rung.name} "
                    f"({prev.value:.3f}) beyond its 95% interval (up to {prev.high:.3f}), so "
                    "the ladder stops here. "
                    + ladder_summary(options.rungs, [r.key for r in section.rungs])
                )
                if score > prev.value:
                    best.rung, best.cfg = result, cfg
                return
        best.rung, best.cfg = result, cfg
    section.stopped_because = ladder_summary(options.rungs, [r.key for r in section.rungs])


def _train_rung(
    training: _Training, rung: str, budget: Budget, job: Job
) -> tuple[RungResult, nets.NetConfig]:
    """Search a rung's settings, then fit it on the training rows and score it on tune."""
    p, options = training.p, training.options
    result, params = _tune_rung(
        p, rung, options, budget, training.device, job, training.live, training.notes
    )
    cfg = _config(rung, params, options, p.alphabet)
    _, hist, train_score, tune_out, _ = training.fit(
        cfg, options.seed, job, f"{result.name}, final fit"
    )
    result.tune = evaluation(p, tune_out, options.bootstrap, options.seed)
    result.train_score = float(train_score)
    result.train_loss = [round(v, 5) for v in hist.train_loss]
    result.val_loss = [round(v, 5) for v in hist.val_loss]
    result.best_epoch = hist.best_epoch
    return result, cfg


def _ledger_entry(rung: str, result: RungResult, budget: Budget) -> LedgerEntry:
    return LedgerEntry(
        family=f"net:{rung}",
        trials_budget=budget.trials,
        seconds_budget=budget.seconds,
        trials_used=result.trials,
        seconds_used=result.seconds,
        complete=budget.complete(result.trials, result.stopped_by),
        by=budget.by,  # type: ignore[arg-type]
    )


def _overfit_finding(result: RungResult, score: float) -> Finding:
    return Finding(
        code="network-overfits",
        severity="warning",
        step=STEP,
        message=f"{result.name} scores {result.train_score:.3f} on the rows it was "
        f"trained on but {score:.3f} on the tuning set: it memorises more than it "
        "learns.",
        fix="prefer a smaller rung, more dropout or weight decay, or more data.",
    )


def _seeds(training: _Training, section: NetworksSection, best: _Best, job: Job):
    """Retrain the chosen configuration with several seeds (mean ± SD on tune); returns the
    first seed's model, the one that is kept, and its number of inputs."""
    p, options = training.p, training.options
    scores = []
    final_model = final_in = None
    for k in range(options.seeds):
        model, _, _, tune_out, n_in = training.fit(
            best.cfg, options.seed + k, job.sub(0, 0), f"{best.rung.name}, seed {options.seed + k}"
        )
        scores.append(metrics.compute(p.task, p.y_tune, tune_out)[section.metric])
        if k == 0:
            final_model, final_in = model, n_in
    section.seed_scores = [round(float(v), 4) for v in scores]
    section.seed_mean = float(np.mean(scores))
    section.seed_sd = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
    return final_model, final_in


def _shuffled_control(training: _Training, best: _Best, job: Job) -> float:
    """The chosen configuration trained on shuffled labels, scored on the tuning set."""
    p, options = training.p, training.options
    rng = np.random.default_rng(options.seed)
    _, _, _, shuffled_out, _ = training.fit(
        best.cfg,
        options.seed,
        job.sub(0, 0),
        f"{best.rung.name}, shuffled labels",
        labels=rng.permutation(p.y_train),
    )
    return float(metrics.compute(p.task, p.y_tune, shuffled_out)[SELECTION_METRIC[p.task]])


def _note_epoch_limits(section: NetworksSection, options: NetworkOptions) -> None:
    """Add to the stopping reason every rung that was still improving at the epoch limit."""
    limits = [epoch_limit_note(r, options.max_epochs) for r in section.rungs]
    limits = [t for t in limits if t]
    if limits:
        section.stopped_because = " ".join([section.stopped_because, *limits]).strip()


def _against_baseline(
    section: NetworksSection, baselines, best_rung: RungResult | None, metric: str
) -> list[Finding]:
    """The verdict: does the best network beat the best baseline beyond its interval?"""
    bl = best_baseline(baselines.results, metric)
    if bl is None or best_rung is None:
        return []
    section.best_baseline = bl.key
    bl_iv = bl.tune.metrics[metric]
    section.best_baseline_score = bl_iv.value
    net_iv = best_rung.tune.metrics[metric]
    net_score = net_iv.value
    label = metrics.LABELS[metric]
    # Not "<=": an undefined score or interval (NaN) must never read as "beats the baseline".
    if not net_score > bl_iv.high:
        if np.isnan(net_score) or np.isnan(bl_iv.high):
            why = net_iv.reason or bl_iv.reason or "too few tuning samples of each kind"
            section.verdict = (
                f"The best network ({best_rung.name}) and the best baseline ({bl.name}) cannot "
                f"be told apart on the tuning set: its {label} or the interval is undefined "
                f"({why}). Prefer the simpler baseline."
            )
        else:
            section.verdict = (
                f"The best network ({best_rung.name}, {label} {net_score:.3f}) does not beat "
                f"the best baseline ({bl.name}, {bl_iv.value:.3f}, interval up to "
                f"{bl_iv.high:.3f}) beyond noise: prefer the simpler baseline."
            )
        return [
            Finding(
                code="network-not-better",
                severity="warning",
                step=STEP,
                message=section.verdict,
                fix="keep the baseline as the final model unless there is another reason for "
                "the network.",
            )
        ]
    section.verdict = (
        f"The best network ({best_rung.name}, {label} {net_score:.3f}) beats the best "
        f"baseline ({bl.name}, {bl_iv.value:.3f}) beyond its interval."
    )
    return []


def _control_findings(
    section: NetworksSection, best_rung: RungResult | None, metric: str, memory_notes: list[str]
) -> list[Finding]:
    """The shuffled-label control above chance, and batch-size halvings after GPU memory ran
    out."""
    findings: list[Finding] = []
    if section.shuffled_score is not None and best_rung is not None:
        chance = 0.0 if metric == "r2" else 0.5
        if section.shuffled_score > chance + 0.1:
            findings.append(
                Finding(
                    code="shuffled-network-above-chance",
                    severity="warning",
                    step=STEP,
                    message=f"The network trained on shuffled labels still scores "
                    f"{section.shuffled_score:.3f} on the tuning set: something other than the "
                    "labels carries information (leakage, or a tiny tuning set).",
                    fix="check for duplicates across sets and for features that encode the label.",
                )
            )
    if memory_notes:
        findings.append(
            Finding(
                code="gpu-memory-batch-halved",
                severity="info",
                step=STEP,
                message="The GPU ran out of memory, so the batch size was halved and training "
                f"retried ({'; '.join(sorted(set(memory_notes))[:3])}).",
                fix="nothing to do; smaller batches train more slowly but give valid results.",
            )
        )
    return findings


def _record(
    project: Project, section: NetworksSection, findings: list[Finding], p: Prepared, final
) -> None:
    """Store the section, the kept network (``final``: model, configuration and number of
    inputs; None after a cancel) as safetensors weights and JSON, and the findings."""
    if final is not None:
        model, cfg, n_in = final
        weights, arch = nets.save_weights(
            model, cfg, n_in, 1 if p.task == "regression" else len(p.classes)
        )
        project.models[WEIGHTS] = weights
        project.models[ARCHITECTURE] = arch.encode("utf-8")
    project.study.networks = section
    project.replace_findings(STEP, findings)
    if not section.cancelled:
        project.mark_done(STEP)
    project.invalidate_after(STEP)
    project.audit(
        "networks-trained",
        rungs=[r.key for r in section.rungs],
        chosen=section.chosen,
        device=section.device.get("device"),
        seeds=section.options.seeds,
        cancelled=section.cancelled,
        estimated_seconds=section.estimated_seconds,
    )


def load_final(project: Project):
    """The chosen network, rebuilt from safetensors weights and its JSON architecture."""
    if ARCHITECTURE not in project.models:
        raise StepError("there is no trained network in this project")
    model, config = nets.load_weights(
        project.models[WEIGHTS], project.models[ARCHITECTURE].decode("utf-8")
    )
    return model, config
