"""The network ladder: equal budget, determinism, seeds, controls, safetensors, cancel."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dlwizard.errors import Cancelled  # noqa: E402
from dlwizard.jobs import Job  # noqa: E402
from dlwizard.plan import load_plan, run_plan  # noqa: E402
from dlwizard.steps import networks  # noqa: E402
from dlwizard.steps.modelling import prepare  # noqa: E402
from dlwizard.study import container  # noqa: E402
from dlwizard.study.model import NetworkOptions  # noqa: E402
from tests.conftest import shared  # noqa: E402

QUICK = NetworkOptions(
    rungs=["mlp_small", "resmlp"], trials=1, max_epochs=15, patience=5, seeds=2, bootstrap=200
)
BASELINES = '[baselines]\nfamilies = ["logistic"]\ntrials = 2\npermutations = 0\nbootstrap = 200\n'


def _project(tmp_path, text: str):
    tmp_path.mkdir(parents=True, exist_ok=True)
    plan = tmp_path / "plan.toml"
    plan.write_text(text)
    return run_plan(load_plan(plan), base=tmp_path)


def _parkinsons(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    return _project(
        tmp_path,
        f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[split]\n{BASELINES}',
    )


def test_parkinsons_short_ladder_is_recorded_and_compared(tmp_path):
    project = _parkinsons(tmp_path)
    seen = []
    section = networks.run(
        project, QUICK, live=lambda *point: seen.append(point), on_estimate=seen.append
    )
    # The ladder's duration is estimated (from a few timed epochs per rung) before any rung
    # trains, and recorded.
    assert isinstance(seen[0], float) and seen[0] > 0
    assert section.estimated_seconds == round(seen[0], 1)
    assert project.log[-1].detail["estimated_seconds"] == section.estimated_seconds
    assert section.rungs[0].key == "mlp_small"
    assert all(e.trials_used == 1 and e.trials_budget == 1 for e in section.ledger)
    assert section.chosen in {"mlp_small", "resmlp"}
    assert len(section.seed_scores) == 2 and section.seed_sd is not None
    assert section.best_baseline == "logistic" and section.verdict
    assert section.stopped_because
    assert section.device["device"] in {"cpu", "cuda", "mps"}
    assert section.determinism["deterministic_algorithms"] is True
    assert section.shuffled_score is not None
    first = section.rungs[0]
    assert first.train_loss and len(first.train_loss) == len(first.val_loss)
    from dlwizard import summary

    ledger = summary.summary(project)["tuning_ledger"]
    assert [e["family"] for e in ledger][:1] == ["logistic"]
    assert {e["family"] for e in ledger} >= {"net:mlp_small"}


def test_same_plan_twice_gives_identical_numbers(tmp_path):
    a = networks.run(_parkinsons(tmp_path / "a"), QUICK)
    b = networks.run(_parkinsons(tmp_path / "b"), QUICK)
    strip = {"seconds", "done_at"}
    for ra, rb in zip(a.rungs, b.rungs, strict=True):
        assert ra.model_dump(exclude=strip) == rb.model_dump(exclude=strip)
    assert a.seed_scores == b.seed_scores and a.shuffled_score == b.shuffled_score


def test_weights_round_trip_through_safetensors_without_pickle(tmp_path):
    project = _parkinsons(tmp_path)
    networks.run(project, QUICK)
    assert set(project.models) == {networks.WEIGHTS, networks.ARCHITECTURE}
    assert project.models[networks.WEIGHTS][:8] != b"\x80\x04\x95"  # not a pickle stream
    container.save(project, tmp_path / "p.dlwiz")
    again = container.load(tmp_path / "p.dlwiz")
    model_a, _ = networks.load_final(project)
    model_b, config = networks.load_final(again)
    x = torch.randn(5, next(iter(model_a.parameters())).shape[1])
    assert torch.equal(model_a(x), model_b(x))
    assert config.kind in {"mlp", "resmlp"}


def test_cancel_mid_trial_leaves_a_valid_project(tmp_path):
    project = _parkinsons(tmp_path)
    job = Job()
    job._on_progress = lambda f, m: job.cancel() if "trial 1" in m else None
    before = project.study.model_dump_json()
    with pytest.raises(Cancelled):
        networks.run(project, QUICK, job=job)
    assert project.study.model_dump_json() == before  # nothing half-written
    container.save(project, tmp_path / "after.dlwiz")
    container.load(tmp_path / "after.dlwiz")


def test_khan_multiclass_short_ladder(tmp_path):
    path = shared("microarray", "khan.csv")
    project = _project(
        tmp_path,
        f'[question]\ntarget = "label"\n[data]\npath = "{path}"\n'
        f"[metadata]\n[split]\nn_folds = 3\n{BASELINES}",
    )
    options = QUICK.model_copy(update={"rungs": ["mlp_small"], "seeds": 1})
    section = networks.run(project, options)
    assert section.metric == "auroc_macro"
    assert section.rungs[0].tune.metrics["auroc_macro"].value > 0.5
    p = prepare(project)
    assert len(np.unique(p.y_train)) == 4


def test_networks_need_the_baselines_first(tmp_path):
    path = shared("parkinsons_uci", "parkinsons.data")
    project = _project(
        tmp_path, f'[question]\ntarget = "status"\n[data]\npath = "{path}"\n[metadata]\n[split]\n'
    )
    from dlwizard.errors import StepError

    with pytest.raises(StepError, match="baselines"):
        networks.run(project, QUICK)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs an NVIDIA GPU (CUDA)")
def test_cuda_is_deterministic_twice(tmp_path):
    options = QUICK.model_copy(update={"device": "cuda"})
    a = networks.run(_parkinsons(tmp_path / "a"), options)
    b = networks.run(_parkinsons(tmp_path / "b"), options)
    assert a.device["device"] == "cuda" and a.seed_scores == b.seed_scores


def test_out_of_memory_halves_the_batch_and_retries(tmp_path, monkeypatch):
    from dlwizard.ml import nets

    real_train = nets.train
    sizes = []

    def tight_gpu(config, *args, **kwargs):
        sizes.append(config.batch_size)
        if config.batch_size > 16:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real_train(config, *args, **kwargs)

    monkeypatch.setattr(nets, "train", tight_gpu)
    project = _parkinsons(tmp_path)
    options = QUICK.model_copy(update={"rungs": ["mlp_small"], "seeds": 1})
    section = networks.run(project, options)
    assert 16 in sizes and any(s > 16 for s in sizes)
    assert section.rungs[0].tune is not None
    assert "gpu-memory-batch-halved" in {f.code for f in project.findings("networks")}


def test_out_of_memory_at_batch_size_one_is_explained():
    from dlwizard.errors import StepError
    from dlwizard.ml import nets

    def never_fits(config, *args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory")

    notes: list[str] = []
    original = nets.train
    nets.train = never_fits
    try:
        with pytest.raises(StepError, match="does not fit in the GPU"):
            nets.train_fitting_memory(nets.NetConfig(batch_size=4), notes=notes)
    finally:
        nets.train = original
    assert len(notes) == 2  # 4 -> 2 -> 1, then the explanation


# -- what the ladder says about itself (issue 12) -------------------------------------------
def test_unticked_rungs_are_named_not_called_tried(tmp_path):
    """Two of three rungs unticked: the text must not say every rung was tried; and 5 epochs are
    far too few, so the run ends at the limit still improving, with the fix stated."""
    project = _parkinsons(tmp_path)
    options = QUICK.model_copy(
        update={"rungs": ["mlp_small"], "seeds": 1, "max_epochs": 5, "patience": 20}
    )
    section = networks.run(project, options)
    text = section.stopped_because
    assert "Every rung" not in text
    assert "Tried: MLP, one hidden layer." in text
    assert "Left out by you (unticked): MLP, three hidden layers and Residual MLP." in text
    rung = section.rungs[0]
    assert len(rung.val_loss) == 5 and rung.best_epoch >= 3  # still falling at the limit
    assert "limit of 5 epochs" in text and "Allow more epochs (Max epochs)" in text


def test_ladder_summary_and_epoch_limit_rules():
    from dlwizard.study.model import RungResult

    every = list(networks.nets.LADDER)
    assert networks.ladder_summary(every, every) == (
        "Every rung of the ladder was tried (MLP, one hidden layer, MLP, three hidden layers "
        "and Residual MLP)."
    )
    stopped = networks.ladder_summary(every, every[:2])
    assert "Tried: MLP, one hidden layer and MLP, three hidden layers." in stopped
    assert "Not reached, because the ladder stopped: Residual MLP." in stopped
    assert "Left out" not in stopped
    mixed = networks.ladder_summary(["mlp_small", "resmlp"], ["mlp_small", "resmlp"])
    assert "Left out by you (unticked): MLP, three hidden layers." in mixed

    def rung(losses):
        best = int(np.argmin(losses))
        return RungResult(key="mlp_small", name="MLP", val_loss=losses, best_epoch=best)

    falling = [1.0 - 0.01 * i for i in range(40)]
    assert "best epoch 40 of 40" in networks.epoch_limit_note(rung(falling), 40)
    assert networks.epoch_limit_note(rung(falling[:30]), 40) is None  # stopped early
    plateau = falling[:20] + [falling[19] + 0.01] * 20  # best long before the end
    assert networks.epoch_limit_note(rung(plateau), 40) is None


def test_an_undefined_network_score_never_beats_the_baseline():
    """A network whose tuning-set score is undefined (NaN: one class among the tuning rows, say)
    must not be declared better than the baseline: NaN <= x is false."""
    from types import SimpleNamespace

    from dlwizard.steps.networks import _against_baseline
    from dlwizard.study.model import (
        Evaluation,
        FamilyResult,
        MetricInterval,
        NetworksSection,
        RungResult,
    )

    def scored(value, low, high, reason=""):
        iv = MetricInterval(value=value, low=low, high=high, reason=reason)
        return Evaluation(metrics={"auroc": iv})

    baseline = FamilyResult(key="logistic", name="Logistic", tune=scored(0.80, 0.70, 0.90))
    nan = float("nan")
    for rung_eval in (scored(nan, nan, nan, "only one class"), scored(0.95, 0.90, 0.99)):
        section = NetworksSection()
        rung = RungResult(key="mlp_small", name="Small MLP", tune=rung_eval)
        found = _against_baseline(section, SimpleNamespace(results=[baseline]), rung, "auroc")
        if rung_eval.metrics["auroc"].value != rung_eval.metrics["auroc"].value:  # NaN
            assert [f.code for f in found] == ["network-not-better"]
            assert "cannot be told apart" in section.verdict and "only one class" in section.verdict
        else:
            assert found == [] and "beats the best baseline" in section.verdict
