"""Step 8, compare and freeze (Tips 1, 2): every tuned model side by side, one frozen as final.

The comparison uses only the tuning set. The page recommends the simplest model whose score is
inside the best model's 95% interval; the user may choose another, with a recorded reason.
Freezing stores the fitted model in the project (skops / safetensors, never a pickle) and
checks that it reproduces the tuning-set predictions it was compared on.
"""

from __future__ import annotations

import warnings

import numpy as np

from dlwizard.errors import StepError
from dlwizard.jobs import Job
from dlwizard.ml import frozen, metrics
from dlwizard.ml.tuning import SELECTION_METRIC
from dlwizard.steps import modelling
from dlwizard.study.model import Candidate, CompareOptions, CompareSection, FinalModel
from dlwizard.study.project import Project

STEP = "compare"
NETWORK_RANK = 50  # networks come after every baseline family in simplicity


def _rank(key: str) -> int:
    kind, _, name = key.partition(":")
    if kind == "network":
        from dlwizard.ml.nets import RUNGS as LADDER

        return NETWORK_RANK + list(LADDER).index(name) if name in LADDER else NETWORK_RANK
    return modelling.simplicity(name)  # every baseline family comes before the networks


def candidates(project: Project) -> list[Candidate]:
    """The tuned baselines and the network the ladder chose, scored on the tuning set."""
    s = project.study
    if s.baselines is None:
        raise StepError("tune the baselines first: there is nothing to compare yet")
    metric = s.baselines.metric
    out = []
    for r in s.baselines.results:
        if r.tune is None:
            continue
        out.append(
            Candidate(
                key=f"baseline:{r.key}",
                kind="baseline",
                name=r.name,
                tune=r.tune.metrics.get(metric),
                cv_mean=r.cv_mean,
                cv_sd=r.cv_sd,
                trials=r.trials,
                seconds=r.seconds,
                memorises_rows=r.memorises_rows,
            )
        )
    net = s.networks
    if net is not None and net.chosen and not net.cancelled and project.models.get("network.json"):
        rung = next((r for r in net.rungs if r.key == net.chosen and r.tune is not None), None)
        if rung is not None:
            out.append(
                Candidate(
                    key=f"network:{rung.key}",
                    kind="network",
                    name=f"Network: {rung.name}",
                    tune=rung.tune.metrics.get(metric),
                    cv_mean=rung.cv_mean,
                    cv_sd=rung.cv_sd,
                    trials=rung.trials,
                    seconds=rung.seconds,
                )
            )
    return out


def recommend(cands: list[Candidate], metric: str) -> tuple[str | None, str]:
    """The simplest candidate inside the best one's 95% interval, and why, in words."""
    best, within = modelling.within_noise_of_best(cands, lambda c: c.tune, metric)
    if best is None:
        return None, ""
    simplest = min(within, key=lambda c: _rank(c.key))
    label = metrics.LABELS[metric]
    if simplest.key == best.key:
        return best.key, (
            f"{best.name} has the best tuning-set {label} ({best.tune.value:.3f}, 95% interval "
            f"{best.tune.low:.3f} to {best.tune.high:.3f}) and no simpler model is within that "
            "interval."
        )
    return simplest.key, (
        f"{simplest.name} ({label} {simplest.tune.value:.3f}) is within the 95% interval of the "
        f"best, {best.name} ({best.tune.value:.3f}; interval {best.tune.low:.3f} to "
        f"{best.tune.high:.3f}), and it is simpler: the difference is within noise, so prefer "
        "the simpler model."
    )


def compare(project: Project) -> CompareSection:
    """Fill the comparison (no model is frozen yet); keeps an existing final choice."""
    cands = candidates(project)
    metric = project.study.baselines.metric
    recommended, text = recommend(cands, metric)
    old = project.study.compare
    final = old.final if old is not None else None
    if final is not None and final.key not in {c.key for c in cands}:
        final = None
    section = CompareSection(
        metric=metric,
        candidates=cands,
        recommended=recommended,
        recommendation=text,
        final=final,
    )
    project.study.compare = section
    project.touch()
    return section


def freeze(project: Project, options: CompareOptions | None = None, job: Job | None = None):
    """Freeze ``options.model`` (by default the recommended model) as the final model.

    Choosing against the recommendation needs a reason, which is recorded. Every later step
    (test, interpretation, privacy, prediction) uses this model and nothing else.
    """
    job = job or Job()
    options = options or CompareOptions()
    reason = options.reason
    section = compare(project)
    key = options.key or section.recommended
    cand = next((c for c in section.candidates if c.key == key), None)
    if cand is None:
        known = ", ".join(c.key for c in section.candidates) or "none"
        raise StepError(
            f"there is no tuned model '{key}' to freeze", fix=f"choose one of: {known}."
        )
    against = section.recommended is not None and key != section.recommended
    if against and not reason.strip():
        raise StepError(
            f"{cand.name} is not the recommended model, so say why you choose it",
            fix="write a short reason; it is printed in the report beside the recommendation.",
        )
    p = modelling.prepare(project)
    kind, _, family = key.partition(":")
    job.progress(0.1, f"Freezing {cand.name}")
    if kind == "baseline":
        model = modelling.refit(project, family, job.sub(0.1, 0.8))
        files = {frozen.PIPELINE: frozen.dump_sklearn(model)}
        result = next(r for r in project.study.baselines.results if r.key == family)
        params, tune = dict(result.best_params), result.tune
    else:
        files, params, tune = _freeze_network(project, p, family)
    for name, blob in files.items():
        project.models[name] = blob
    for stale in {frozen.PIPELINE, frozen.PREPROCESS, frozen.NET_WEIGHTS, frozen.NET_ARCH} - set(
        files
    ):
        project.models.pop(stale, None)
    sample_id = project.column_with("sample_id", in_table=False)
    final = FinalModel(
        key=key,
        kind=kind,
        family=family,
        name=cand.name,
        params=params,
        task=p.task,
        classes=p.classes,
        numeric=p.numeric,
        categorical=p.categorical,
        sequence=p.sequence,
        alphabet=p.alphabet,
        sequence_lengths=_sequence_lengths(p),
        image=p.image.column if p.image is not None else None,
        sample_id=sample_id,
        tune=tune,
        recommended=section.recommended,
        chosen_against_recommendation=against,
        reason=reason.strip(),
        files={name: frozen.sha256(blob) for name, blob in files.items()},
    )
    loaded = frozen.load(final, project.models)
    final.categories = {c: [str(v) for v in cats] for c, cats in loaded.categories().items()}
    section.final = final
    project.study.compare = section
    project.mark_done(STEP)
    project.invalidate_after(STEP)
    project.audit(
        "final-model-frozen",
        model=key,
        recommended=section.recommended,
        reason=reason.strip(),
        files=final.files,
    )
    job.progress(1.0, "Final model frozen")
    return final


def _sequence_lengths(p: modelling.Prepared) -> tuple[int, int] | None:
    """The shortest and longest training sequence (predictions outside them are flagged)."""
    if p.sequence is None:
        return None
    lengths = p.x_train[p.sequence].str.len()
    return int(lengths.min()), int(lengths.max())


def _freeze_network(project: Project, p: modelling.Prepared, rung: str):
    """The chosen network's weights plus its preprocessing, fitted again on the same rows
    (deterministic), checked against the tuning-set score recorded when it was trained."""
    from dlwizard.ml import nets
    from dlwizard.steps.networks import final_preprocessor, load_final, network_inputs

    net = project.study.networks
    model, config = load_final(project)
    prep = final_preprocessor(p)
    if prep is None:  # sequences and images: read as they are, nothing fitted
        xt = network_inputs(p, p.x_tune)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            xt = np.asarray(prep.transform(p.x_tune), dtype=np.float32)
    out = nets.predict(model, xt, p.task, "cpu")
    score = metrics.compute(p.task, p.y_tune, out)[SELECTION_METRIC[p.task]]
    if net.seed_scores and abs(score - net.seed_scores[0]) > 1e-3:
        raise StepError(
            "the saved network does not reproduce its recorded tuning-set score "
            f"({score:.4f} against {net.seed_scores[0]:.4f})",
            fix="train the networks again with this version of dlwizard.",
        )
    rung_result = next(r for r in net.rungs if r.key == rung)
    files = {
        frozen.NET_WEIGHTS: project.models["network.safetensors"],
        frozen.NET_ARCH: project.models["network.json"],
    }
    if prep is not None:
        files[frozen.PREPROCESS] = frozen.dump_sklearn(prep)
    params = {**rung_result.best_params, "seed": net.options.seed, "epochs": config.max_epochs}
    return files, params, rung_result.tune


def final_model(project: Project) -> FinalModel:
    c = project.study.compare
    if c is None or c.final is None:
        raise StepError(
            "no final model is frozen yet",
            fix="choose and freeze the final model on the comparison page first.",
        )
    return c.final
