"""Small-to-large networks for tabular data and one training loop (Tips 3, 5, 6).

The data lives on the device as tensors, so an epoch costs no host copies; mini-batches are
drawn with a seeded generator. Early stopping watches a validation split inside the training
rows, never the test set. Weights are saved with safetensors and the architecture as JSON, so
loading never unpickles anything.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from dlwizard.jobs import Job

# The ladder, from small to large. Each rung's ranges are searched with the same trial budget
# as every baseline family.
LADDER: dict[str, dict[str, Any]] = {
    "mlp_small": {
        "name": "MLP, one hidden layer",
        "fixed": {"kind": "mlp", "depth": 1},
        "ranges": {
            "width": ("int", 8, 128, True),
            "dropout": ("float", 0.0, 0.5, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 3e-2, True),
            "batch_size": ("cat", [32, 64, 128, 256]),
        },
    },
    "mlp_deep": {
        "name": "MLP, three hidden layers",
        "fixed": {"kind": "mlp", "depth": 3},
        "ranges": {
            "width": ("int", 32, 512, True),
            "dropout": ("float", 0.0, 0.5, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 1e-2, True),
            "batch_size": ("cat", [32, 64, 128, 256]),
        },
    },
    "resmlp": {
        "name": "Residual MLP",
        "fixed": {"kind": "resmlp"},
        "ranges": {
            "depth": ("int", 2, 6, False),
            "width": ("int", 64, 512, True),
            "dropout": ("float", 0.0, 0.5, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 1e-2, True),
            "batch_size": ("cat", [32, 64, 128, 256]),
        },
    },
}


@dataclass
class NetConfig:
    kind: str = "mlp"
    depth: int = 1
    width: int = 64
    dropout: float = 0.1
    weight_decay: float = 1e-4
    lr: float = 1e-3
    batch_size: int = 32
    max_epochs: int = 200
    patience: int = 20
    clip_norm: float = 1.0
    mixed_precision: bool = False  # used on CUDA only


@dataclass
class History:
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


def build(config: NetConfig, n_in: int, n_out: int):
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, width: int, dropout: float) -> None:
            super().__init__()
            self.body = nn.Sequential(
                nn.LayerNorm(width),
                nn.Linear(width, width),
                nn.GELU(),
                nn.Dropout(dropout),
                nn.Linear(width, width),
            )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x + self.body(x)

    if config.kind == "resmlp":
        layers: list[nn.Module] = [nn.Linear(n_in, config.width)]
        layers += [Block(config.width, config.dropout) for _ in range(config.depth)]
        layers += [nn.LayerNorm(config.width), nn.Linear(config.width, n_out)]
        return nn.Sequential(*layers)
    layers = []
    width_in = n_in
    for _ in range(config.depth):
        layers += [nn.Linear(width_in, config.width), nn.ReLU(), nn.Dropout(config.dropout)]
        width_in = config.width
    layers.append(nn.Linear(width_in, n_out))
    return nn.Sequential(*layers)


def train(
    config: NetConfig,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    task: str,
    n_classes: int,
    device: str,
    seed: int,
    job: Job | None = None,
    on_epoch: Callable[[int, float, float], None] | None = None,
):
    """Train with AdamW, a cosine schedule, gradient clipping and early stopping.

    Returns (model with the best weights, History). Class weights balance the loss.
    """
    import torch
    from torch import nn

    from dlwizard.ml.determinism import seed_everything

    job = job or Job()
    seed_everything(seed)
    started = time.monotonic()
    dev = torch.device(device)
    xt = torch.as_tensor(x_train, dtype=torch.float32, device=dev)
    xv = torch.as_tensor(x_val, dtype=torch.float32, device=dev)
    if task == "regression":
        yt = torch.as_tensor(y_train, dtype=torch.float32, device=dev).view(-1, 1)
        yv = torch.as_tensor(y_val, dtype=torch.float32, device=dev).view(-1, 1)
        mean, sd = yt.mean(), yt.std().clamp_min(1e-8)
        yt, yv = (yt - mean) / sd, (yv - mean) / sd
        loss_fn = nn.MSELoss()
        n_out = 1
    else:
        yt = torch.as_tensor(y_train, dtype=torch.long, device=dev)
        yv = torch.as_tensor(y_val, dtype=torch.long, device=dev)
        counts = torch.bincount(yt, minlength=n_classes).float().clamp_min(1.0)
        weights = counts.sum() / (n_classes * counts)
        loss_fn = nn.CrossEntropyLoss(weight=weights)
        n_out = n_classes
    model = build(config, xt.shape[1], n_out).to(dev)
    # The fused optimiser updates every weight in one kernel instead of a dozen small ops per
    # tensor: on a CPU, small networks spend most of their time in such overhead.
    opt = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay, fused=True
    )
    steps_per_epoch = max(1, math.ceil(len(xt) / config.batch_size))
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=config.max_epochs * steps_per_epoch
    )
    gen = torch.Generator(device="cpu").manual_seed(seed)
    amp = config.mixed_precision and dev.type == "cuda"
    amp_dtype = torch.bfloat16 if amp and torch.cuda.is_bf16_supported() else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=amp and amp_dtype == torch.float16)
    history = History()
    best = (float("inf"), None)
    bad = 0
    for epoch in range(config.max_epochs):
        job.check()
        model.train()
        order = torch.randperm(len(xt), generator=gen).to(dev)
        total = torch.zeros((), device=dev)  # summed on the device: no sync per step
        for start in range(0, len(xt), config.batch_size):
            idx = order[start : start + config.batch_size]
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device_type=dev.type, dtype=amp_dtype, enabled=amp):
                loss = loss_fn(model(xt[idx]), yt[idx])
            if scaler.is_enabled():
                scaler.scale(loss).backward()
                scaler.unscale_(opt)
                nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
                opt.step()
            sched.step()
            total += loss.detach() * len(idx)
        model.eval()
        with torch.no_grad(), torch.autocast(device_type=dev.type, dtype=amp_dtype, enabled=amp):
            val = float(loss_fn(model(xv), yv))
        history.train_loss.append(float(total) / len(xt))
        history.val_loss.append(val)
        if on_epoch is not None:
            on_epoch(epoch, history.train_loss[-1], val)
        if val < best[0] - 1e-6:
            best = (val, {k: v.detach().clone() for k, v in model.state_dict().items()})
            history.best_epoch = epoch
            bad = 0
        else:
            bad += 1
            if bad >= config.patience:
                break
    if best[1] is not None:
        model.load_state_dict(best[1])
    model.eval()
    model._target_scale = (float(mean), float(sd)) if task == "regression" else None
    history.seconds = time.monotonic() - started
    return model, history


def _is_out_of_memory(exc: BaseException) -> bool:
    import torch

    oom = getattr(torch, "OutOfMemoryError", None) or getattr(torch.cuda, "OutOfMemoryError", ())
    return isinstance(exc, oom) or "out of memory" in str(exc).lower()


def train_fitting_memory(config: NetConfig, *args: Any, notes: list[str] | None = None, **kw):
    """:func:`train`, halving the batch size after a GPU out-of-memory error and trying again.

    Each halving is noted in ``notes``; at batch size 1 the error is explained instead.
    """
    from dataclasses import replace

    from dlwizard.errors import StepError

    while True:
        try:
            model, history = train(config, *args, **kw)
            return model, history, config
        except RuntimeError as exc:
            if not _is_out_of_memory(exc):
                raise
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if config.batch_size <= 1:
                raise StepError(
                    "the network does not fit in the GPU's memory even one sample at a time",
                    fix="choose a smaller rung, or train on the CPU (device = cpu).",
                ) from exc
            smaller = max(1, config.batch_size // 2)
            if notes is not None:
                notes.append(
                    f"batch size {config.batch_size} ran out of GPU memory; retried with {smaller}"
                )
            config = replace(config, batch_size=smaller)


def predict(model, x: np.ndarray, task: str, device: str) -> np.ndarray:
    """Probabilities (positive class for binary, all classes for multiclass) or values."""
    import torch

    with torch.no_grad():
        out = model(torch.as_tensor(x, dtype=torch.float32, device=torch.device(device)))
        if task == "regression":
            mean, sd = model._target_scale
            return (out.view(-1) * sd + mean).cpu().numpy().astype(float)
        proba = torch.softmax(out, dim=1).cpu().numpy().astype(float)
    return proba[:, 1] if task == "binary" else proba


def save_weights(model, config: NetConfig, n_in: int, n_out: int) -> tuple[bytes, str]:
    """Weights as safetensors bytes and the architecture as JSON (never a pickle)."""
    import json

    from safetensors.torch import save

    arch = {
        "config": asdict(config),
        "n_in": n_in,
        "n_out": n_out,
        "target_scale": getattr(model, "_target_scale", None),
    }
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    return save(tensors), json.dumps(arch)


def load_weights(weights: bytes, arch_json: str):
    import json

    from safetensors.torch import load

    arch = json.loads(arch_json)
    config = NetConfig(**arch["config"])
    model = build(config, arch["n_in"], arch["n_out"])
    model.load_state_dict(load(weights))
    model.eval()
    model._target_scale = tuple(arch["target_scale"]) if arch["target_scale"] else None
    return model, config
