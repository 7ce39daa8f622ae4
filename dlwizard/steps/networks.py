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
from typing import Any

import numpy as np

from dlwizard.errors import Cancelled, StepError
from dlwizard.jobs import Job
from dlwizard.ml import metrics, nets
from dlwizard.ml.models import preprocessor
from dlwizard.ml.nets import LADDER  # the rungs (the networks page lists them from here)
from dlwizard.ml.tuning import SELECTION_METRIC, Budget, search
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
GAP_WARN = 0.1  # train minus tune score beyond which a rung is flagged as overfitting


def _matrices(p: Prepared, train_rows: np.ndarray, other):
    """Fit the preprocessing on the training rows only; transform both."""
    prep = preprocessor(p.numeric, p.categorical)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        xa = prep.fit_transform(p.x_train.iloc[train_rows])
        xb = prep.transform(other)
    return np.asarray(xa, dtype=np.float32), np.asarray(xb, dtype=np.float32)


def _config(rung: str, params: dict[str, Any], options: NetworkOptions) -> nets.NetConfig:
    spec = LADDER[rung]
    return nets.NetConfig(
        **{**spec["fixed"], **params},
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
    it again gives the same transform)."""
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
    spec = LADDER[rung]
    folds = np.unique(p.folds[p.folds >= 0])

    def objective(params: dict[str, Any], i: int) -> tuple[float, float]:
        cfg = _config(rung, params, options)
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

    found = search(spec["name"], spec["ranges"], objective, budget, options.seed, job)
    result = RungResult(
        key=rung,
        name=spec["name"],
        best_params=found.best_params,
        cv_mean=found.cv_mean,
        cv_sd=found.cv_sd,
        trials=found.trials,
        seconds=round(found.seconds, 3),
    )
    return result, dict(found.best_params)


def _names(keys) -> str:
    """Rung names in plain words: "A", "A and B", "A, B and C"."""
    names = [LADDER[k]["name"] for k in keys]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def ladder_summary(chosen_rungs: list[str], tried: list[str]) -> str:
    """Which rungs were tried, which the ladder did not reach, and which the user left out."""
    left_out = [k for k in LADDER if k not in chosen_rungs]
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


def run(
    project: Project,
    options: NetworkOptions | None = None,
    job: Job | None = None,
    live: Callable[[str, int, float, float], None] | None = None,
):
    """``live(run_label, epoch, train_loss, val_loss)`` is called after every epoch (from the
    worker thread; the GUI queues the values and draws them at its own pace)."""
    from dlwizard.ml.determinism import device_record, pick_device, prepare_environment

    prepare_environment()
    memory_notes: list[str] = []  # batch-size halvings after GPU out-of-memory errors
    job = job or Job()
    options = options or NetworkOptions()
    s = project.study
    if s.baselines is None:
        raise StepError("tune the baselines first: a network is judged against them")
    p = prepare(project)
    metric = SELECTION_METRIC[p.task]
    unknown = [r for r in options.rungs if r not in LADDER]
    if unknown:
        raise StepError(
            f"unknown ladder rung '{unknown[0]}'", fix=f"choose from: {', '.join(LADDER)}."
        )
    trials = options.trials or s.baselines.options.trials
    seconds = options.seconds_per_rung or s.baselines.options.seconds_per_family
    device = pick_device(options.device)
    from dlwizard.ml.determinism import seed_everything

    flags = seed_everything(options.seed, options.deterministic)
    flags["mixed_precision"] = options.mixed_precision and device == "cuda"
    section = NetworksSection(
        options=options, metric=metric, device=device_record(device), determinism=flags
    )
    findings: list[Finding] = []
    best_rung: RungResult | None = None
    best_cfg = None
    n = len(options.rungs) + 2
    try:
        for i, rung in enumerate(options.rungs):
            sub = job.sub(i / n, (i + 1) / n)
            result, params = _tune_rung(
                p, rung, options, Budget(trials, seconds), device, sub, live, memory_notes
            )
            cfg = _config(rung, params, options)
            model, hist, train_score, tune_out, _ = _fit_final(
                p,
                cfg,
                device,
                options.seed,
                sub,
                on_epoch=_tag(live, f"{result.name}, final fit"),
                notes=memory_notes,
            )
            result.tune = evaluation(p, tune_out, options.bootstrap, options.seed)
            result.train_score = float(train_score)
            result.train_loss = [round(v, 5) for v in hist.train_loss]
            result.val_loss = [round(v, 5) for v in hist.val_loss]
            result.best_epoch = hist.best_epoch
            section.rungs.append(result)
            section.ledger.append(
                LedgerEntry(
                    family=f"net:{rung}",
                    trials_budget=trials,
                    seconds_budget=seconds,
                    trials_used=result.trials,
                    seconds_used=result.seconds,
                    complete=result.trials == trials,
                )
            )
            score = result.tune.metrics[metric].value
            if result.train_score - score > GAP_WARN:
                findings.append(
                    Finding(
                        code="network-overfits",
                        severity="warning",
                        step=STEP,
                        message=f"{result.name} scores {result.train_score:.3f} on the rows it was "
                        f"trained on but {score:.3f} on the tuning set: it memorises more than it "
                        "learns.",
                        fix="prefer a smaller rung, more dropout or weight decay, or more data.",
                    )
                )
            if best_rung is not None:
                prev = best_rung.tune.metrics[metric]
                if score <= prev.high:
                    section.stopped_because = (
                        f"{result.name} ({score:.3f}) did not improve on {best_rung.name} "
                        f"({prev.value:.3f}) beyond its 95% interval (up to {prev.high:.3f}), so "
                        "the ladder stops here. "
                        + ladder_summary(options.rungs, [r.key for r in section.rungs])
                    )
                    if score > prev.value:
                        best_rung, best_cfg = result, cfg
                    break
            best_rung, best_cfg = result, cfg
        else:
            section.stopped_because = ladder_summary(options.rungs, [r.key for r in section.rungs])
        section.chosen = best_rung.key
        job.progress((len(options.rungs)) / n, "Retraining with several seeds")
        scores = []
        final_model = None
        for k in range(options.seeds):
            model, _, _, tune_out, n_in = _fit_final(
                p,
                best_cfg,
                device,
                options.seed + k,
                job.sub(0, 0),
                on_epoch=_tag(live, f"{best_rung.name}, seed {options.seed + k}"),
                notes=memory_notes,
            )
            scores.append(metrics.compute(p.task, p.y_tune, tune_out)[metric])
            if k == 0:
                final_model, final_in = model, n_in
        section.seed_scores = [round(float(v), 4) for v in scores]
        section.seed_mean = float(np.mean(scores))
        section.seed_sd = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
        job.progress((len(options.rungs) + 1) / n, "Control: shuffled labels")
        rng = np.random.default_rng(options.seed)
        _, _, _, shuffled_out, _ = _fit_final(
            p,
            best_cfg,
            device,
            options.seed,
            job.sub(0, 0),
            labels=rng.permutation(p.y_train),
            on_epoch=_tag(live, f"{best_rung.name}, shuffled labels"),
            notes=memory_notes,
        )
        section.shuffled_score = float(metrics.compute(p.task, p.y_tune, shuffled_out)[metric])
    except Cancelled:
        if not section.rungs or best_rung is None:
            raise
        section.cancelled = True
        final_model = None
    limits = [epoch_limit_note(r, options.max_epochs) for r in section.rungs]
    limits = [t for t in limits if t]
    if limits:
        section.stopped_because = " ".join([section.stopped_because, *limits]).strip()
    bl = best_baseline(s.baselines.results, metric)
    if bl is not None and best_rung is not None:
        section.best_baseline = bl.key
        bl_iv = bl.tune.metrics[metric]
        section.best_baseline_score = bl_iv.value
        net_score = best_rung.tune.metrics[metric].value
        label = metrics.LABELS[metric]
        if net_score <= bl_iv.high:
            section.verdict = (
                f"The best network ({best_rung.name}, {label} {net_score:.3f}) does not beat the "
                f"best baseline ({bl.name}, {bl_iv.value:.3f}, interval up to {bl_iv.high:.3f}) "
                "beyond noise: prefer the simpler baseline."
            )
            findings.append(
                Finding(
                    code="network-not-better",
                    severity="warning",
                    step=STEP,
                    message=section.verdict,
                    fix="keep the baseline as the final model unless there is another reason for "
                    "the network.",
                )
            )
        else:
            section.verdict = (
                f"The best network ({best_rung.name}, {label} {net_score:.3f}) beats the best "
                f"baseline ({bl.name}, {bl_iv.value:.3f}) beyond its interval."
            )
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
    if final_model is not None:
        weights, arch = nets.save_weights(
            final_model, best_cfg, final_in, 1 if p.task == "regression" else len(p.classes)
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
        seeds=options.seeds,
        cancelled=section.cancelled,
    )
    if not section.cancelled:
        job.progress(1.0, "Networks done")
    return section


def load_final(project: Project):
    """The chosen network, rebuilt from safetensors weights and its JSON architecture."""
    if ARCHITECTURE not in project.models:
        raise StepError("there is no trained network in this project")
    model, config = nets.load_weights(
        project.models[WEIGHTS], project.models[ARCHITECTURE].decode("utf-8")
    )
    return model, config
