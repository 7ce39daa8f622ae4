"""Small-to-large networks for tables, sequences and images, and one training loop (Tips 3, 5, 6).

The data lives on the device as tensors, so an epoch costs no host copies; mini-batches are
drawn with a seeded generator. Early stopping watches a validation split inside the training
rows, never the test set. Weights are saved with safetensors and the architecture as JSON, so
loading never unpickles anything.

Sequence rungs (``SEQUENCE_LADDER``, models in :mod:`dlwizard.ml.sequence_nets`) go through the
same loop: their inputs are uint8 letter codes from ``sequence_nets.encode``, which stay integer
on the device (the model one-hot encodes them), and each batch is cut to its longest sequence.

Image rungs (``IMAGE_LADDER``, models in :mod:`dlwizard.ml.image_nets`) take float16 arrays
(N, C, S, S), 0..1, possibly a numpy memmap: they stay on the host (on a GPU: on the device when
they fit in a quarter of its free memory), each batch reaches the model as float32 and training
batches are augmented on the device (NetConfig.augment).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from dlwizard.jobs import Job
from dlwizard.ml import image_nets, sequence_nets

# The ladder for tables, from small to large. Each rung's ranges are searched with the same
# trial budget as every baseline family.
LADDER: dict[str, dict[str, Any]] = {
    "mlp_small": {
        "name": "MLP, one hidden layer",
        "modality": "table",
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
        "modality": "table",
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
        "modality": "table",
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

# The ladder for sequences (integer codes; NetConfig.alphabet set by the caller). Kernel sizes
# are odd, so a convolution stays centred on its position. The attention model's width is a
# multiple of its 4 heads.
SEQUENCE_LADDER: dict[str, dict[str, Any]] = {
    "cnn_small": {
        "name": "Small CNN",
        "modality": "sequence",
        "fixed": {"kind": "cnn"},
        "ranges": {
            "depth": ("int", 1, 2, False),
            "width": ("int", 16, 256, True),
            "kernel_size": ("cat", [5, 9, 13, 17, 21]),
            "dropout": ("float", 0.0, 0.5, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 1e-2, True),
            "batch_size": ("cat", [32, 64, 128, 256]),
        },
    },
    "cnn_dilated": {
        "name": "Dilated residual CNN",
        "modality": "sequence",
        "fixed": {"kind": "dilated_cnn"},
        "ranges": {
            "depth": ("int", 2, 8, False),
            "width": ("int", 32, 256, True),
            "kernel_size": ("cat", [5, 9, 13, 17]),
            "dropout": ("float", 0.0, 0.5, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 3e-3, True),
            "batch_size": ("cat", [32, 64, 128, 256]),
        },
    },
    "seq_attention": {
        "name": "Small attention model",
        "modality": "sequence",
        "fixed": {"kind": "attention", "heads": 4},
        "ranges": {
            "depth": ("int", 1, 2, False),
            "width": ("cat", [32, 64, 128]),
            "kernel_size": ("cat", [5, 9, 13, 17]),
            "dropout": ("float", 0.0, 0.3, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 3e-3, True),
            "batch_size": ("cat", [32, 64, 128]),
        },
    },
}
# The ladder for images (float arrays (N, C, S, S); the channels and side follow from the data).
# The small CNN's key is not "cnn_small": that is the sequence ladder's, and RUNGS holds both.
# ``depth`` is blocks for the CNN and blocks per stage for the ResNets; four stages of two
# blocks at width 64 are ResNet-18 (whose weights a pretrained file may hold; see
# image_nets.pretrained_settings).
IMAGE_LADDER: dict[str, dict[str, Any]] = {
    "image_cnn": {
        "name": "Small CNN (images)",
        "modality": "image",
        "fixed": {"kind": "image_cnn"},
        "ranges": {
            "depth": ("int", 2, 4, False),
            "width": ("int", 16, 64, True),
            "dropout": ("float", 0.0, 0.5, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 1e-2, True),
            "batch_size": ("cat", [16, 32, 64, 128]),
        },
    },
    "resnet_small": {
        "name": "Small ResNet",
        "modality": "image",
        "fixed": {"kind": "resnet", "stages": 3},
        "ranges": {
            "depth": ("int", 1, 2, False),
            "width": ("int", 16, 64, True),
            "dropout": ("float", 0.0, 0.5, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 3e-3, True),
            "batch_size": ("cat", [16, 32, 64, 128]),
        },
    },
    "resnet_deep": {
        "name": "Deeper ResNet",
        "modality": "image",
        "fixed": {"kind": "resnet", "stages": 4},
        "ranges": {
            "depth": ("int", 2, 3, False),
            "width": ("cat", [32, 48, 64]),
            "dropout": ("float", 0.0, 0.5, False),
            "weight_decay": ("float", 1e-6, 1e-2, True),
            "lr": ("float", 1e-4, 3e-3, True),
            "batch_size": ("cat", [16, 32, 64, 128]),
        },
    },
}
# Every rung by key, whatever its modality (for looking a recorded rung up).
RUNGS: dict[str, dict[str, Any]] = {**LADDER, **SEQUENCE_LADDER, **IMAGE_LADDER}


def ladder_for(modality: str) -> dict[str, dict[str, Any]]:
    """The rungs for one kind of input: "table" (the MLPs), "sequence" (the CNNs and the
    attention model) or "image" (a CNN and two ResNets), small to large."""
    ladders = {"table": LADDER, "sequence": SEQUENCE_LADDER, "image": IMAGE_LADDER}
    if modality not in ladders:
        raise ValueError(f"no network ladder for '{modality}': choose table, sequence or image")
    return ladders[modality]


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
    # Sequence rungs only.
    kernel_size: int = 9
    heads: int = 4
    alphabet: str = ""  # "dna", "rna" or "protein": the one-hot channels follow from it
    reverse_complement: bool = False  # augmentation: each sample flipped at random (DNA/RNA)
    # Image rungs only.
    stages: int = 3  # ResNet stages (the width doubles from one to the next)
    augment: bool = True  # flips, 90-degree turns, shifted crops, intensity jitter (training)
    pretrained: str = ""  # a local safetensors file of weights to start from ("" = none)


@dataclass
class History:
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0
    seconds: float = 0.0


def is_sequence(config: NetConfig) -> bool:
    return config.kind in sequence_nets.KINDS


def is_image(config: NetConfig) -> bool:
    return config.kind in image_nets.KINDS


def build(config: NetConfig, n_in: int, n_out: int, side: int | None = None):
    """The model. For a sequence rung ``n_in`` is not used (the channels follow from the
    alphabet; the model takes any length). For an image rung ``n_in`` is the channel count and
    ``side`` the images' side in pixels."""
    if is_sequence(config):
        return sequence_nets.build(config, n_out)
    if is_image(config):
        if side is None:
            raise ValueError("an image rung needs the images' side (build(..., side=S))")
        return image_nets.build(config, n_in, n_out, side)
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

    Returns (model with the best weights, History). Class weights balance the loss. A sequence
    rung takes integer codes (``sequence_nets.encode``) in ``x_train`` and ``x_val``.
    """
    import torch
    from torch import nn

    from dlwizard.ml.determinism import seed_everything

    job = job or Job()
    seed_everything(seed)
    started = time.monotonic()
    dev = torch.device(device)
    # Sequences and images go through an adapter (inputs kept compact, batches made per step).
    seqs: _SequenceData | _ImageData | None = None
    if is_sequence(config):
        seqs = _SequenceData(config, x_train, x_val, dev)
    elif is_image(config):
        seqs = _ImageData(config, x_train, x_val, dev)
    if seqs is None:
        xt = torch.as_tensor(x_train, dtype=torch.float32, device=dev)
        xv = torch.as_tensor(x_val, dtype=torch.float32, device=dev)
    else:  # integer codes stay integer (one byte per letter): the model one-hot encodes them
        xt, xv = seqs.train, seqs.val
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
    side = xt.shape[-1] if is_image(config) else None
    model = build(config, xt.shape[1], n_out, side)
    if isinstance(seqs, _ImageData):
        seqs.prepare(model)  # the input normalisation, and pretrained weights if any
    model = model.to(dev)
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
        order_cpu = torch.randperm(len(xt), generator=gen)
        order = order_cpu.to(dev)
        if seqs is not None:
            seqs.shuffled(order_cpu, gen)
        total = torch.zeros((), device=dev)  # summed on the device: no sync per step
        for start in range(0, len(xt), config.batch_size):
            idx = order[start : start + config.batch_size]
            xb = xt[idx] if seqs is None else seqs.batch(idx, start, config.batch_size)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device_type=dev.type, dtype=amp_dtype, enabled=amp):
                loss = loss_fn(model(xb), yt[idx])
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
            out = model(xv) if seqs is None else seqs.val_outputs(model)
            val = float(loss_fn(out, yv))
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


class _SequenceData:
    """Sequence codes on the device for :func:`train`, with their lengths on the host: a batch
    is cut to its longest sequence without asking the device (no sync), and reverse-complement
    flips are drawn once per epoch from the loop's seeded generator."""

    def __init__(self, config: NetConfig, x_train, x_val, dev) -> None:
        import torch

        if not config.alphabet:
            raise ValueError("a sequence rung needs NetConfig.alphabet (dna, rna or protein)")
        if config.reverse_complement and config.alphabet not in sequence_nets.NUCLEIC:
            raise ValueError(
                f"reverse-complement augmentation is for DNA and RNA, not {config.alphabet}"
            )
        codes_train = sequence_nets.check_codes(x_train, config.alphabet)
        codes_val = sequence_nets.check_codes(x_val, config.alphabet)
        self.train = torch.as_tensor(codes_train, device=dev)
        self.val = torch.as_tensor(codes_val, device=dev)
        self.lengths = sequence_nets.lengths_of(codes_train)
        self.val_lengths = sequence_nets.lengths_of(codes_val)
        self.flip = config.reverse_complement
        self.lengths_dev = torch.as_tensor(self.lengths, device=dev) if self.flip else None
        self.complement = sequence_nets.complement_table(dev) if self.flip else None
        self.order = np.arange(len(codes_train))
        self.turn = None

    def shuffled(self, order_cpu, gen) -> None:
        """A new epoch's order (and, with augmentation, which samples are flipped)."""
        import torch

        self.order = order_cpu.numpy()
        if self.flip:
            self.turn = (torch.rand(len(self.order), generator=gen) < 0.5).to(self.train.device)

    def batch(self, idx, start: int, size: int):
        import torch

        longest = max(1, int(self.lengths[self.order[start : start + size]].max()))
        xb = self.train[idx, :longest]
        if self.flip:
            turned = sequence_nets.reverse_complement_torch(
                xb, self.lengths_dev[idx], self.complement
            )
            xb = torch.where(self.turn[start : start + size].view(-1, 1), turned, xb)
        return xb

    def val_outputs(self, model):
        return sequence_nets.forward_in_chunks(model, self.val, self.val_lengths)


class _ImageData:
    """Images for :func:`train`: float16 arrays (or memmaps) on the host, or on a GPU when they
    fit in a quarter of its free memory; each batch reaches the model as float32. With
    augmentation, the epoch's flips, turns, shifts and intensity changes are drawn once per
    epoch from the loop's seeded generator and applied on the device, training batches only."""

    def __init__(self, config: NetConfig, x_train, x_val, dev) -> None:
        import torch

        self.host = image_nets.check_images(x_train, "training images")
        val = image_nets.check_images(x_val, "validation images")
        if val.shape[1:] != self.host.shape[1:]:
            raise ValueError(
                f"validation images {val.shape[1:]} differ from training images "
                f"{self.host.shape[1:]} (channels, side, side): bring both to one image spec"
            )
        self.config, self.dev = config, dev
        self.train, self.val = self.host, val
        if dev.type != "cpu" and _fits_on_device(self.host.nbytes + val.nbytes, dev):
            self.train = torch.as_tensor(np.asarray(self.host, np.float16), device=dev)
            self.val = torch.as_tensor(np.asarray(val, np.float16), device=dev)
        self.order = np.arange(len(self.host))
        self.params: dict[str, Any] = {}

    def prepare(self, model) -> None:
        """Before training: the training images' channel statistics into the model (so they
        travel with its weights), then the pretrained weights (recorded by their SHA-256 as
        ``model.pretrained_sha256``)."""
        model.set_input_stats(*image_nets.channel_stats(self.host))
        if self.config.pretrained:
            image_nets.load_pretrained(model, self.config.pretrained)

    def shuffled(self, order_cpu, gen) -> None:
        self.order = order_cpu.numpy()
        if self.config.augment:
            drawn = image_nets.draw_augmentation(len(self.order), self.host.shape[-1], gen)
            self.params = {k: v.to(self.dev) for k, v in drawn.items()}

    def batch(self, idx, start: int, size: int):
        import torch

        if isinstance(self.train, torch.Tensor):
            xb = self.train[idx].float()
        else:  # a gather on the host (a memmap reads just these images), then to the device
            rows = self.host[self.order[start : start + size]]
            if self.dev.type == "cpu":  # numpy widens float16 six times faster than torch here
                xb = torch.from_numpy(rows.astype(np.float32))
            else:  # half the bytes over the bus; widened on the device
                xb = torch.from_numpy(np.ascontiguousarray(rows)).to(self.dev).float()
        if self.params:
            xb = image_nets.augment(
                xb, {k: v[start : start + size] for k, v in self.params.items()}
            )
        return xb

    def val_outputs(self, model):
        return image_nets.forward_in_chunks(model, self.val, self.dev)


def _fits_on_device(nbytes: int, dev) -> bool:
    import torch

    if dev.type != "cuda":
        return False
    free, _ = torch.cuda.mem_get_info(dev)
    return nbytes < free // 4


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
    """Probabilities (positive class for binary, all classes for multiclass) or values. A
    sequence model takes integer codes (``sequence_nets.encode``); an image model float images
    (N, C, S, S) of its channels and side (an array or memmap: scored a chunk at a time)."""
    import torch

    dev = torch.device(device)
    with torch.no_grad():
        if getattr(model, "takes_images", False):
            x = image_nets.check_images(x)
            if x.shape[1:] != (model.channels, model.side, model.side):
                raise ValueError(
                    f"this network was trained on images of {model.channels} channels, "
                    f"{model.side} x {model.side} pixels; these have {x.shape[1]} channels, "
                    f"{x.shape[2]} x {x.shape[3]}: read them with the training's image spec"
                )
            out = image_nets.forward_in_chunks(model, x, dev)
        elif getattr(model, "takes_codes", False):
            codes = sequence_nets.check_codes(x, model.alphabet)
            lengths = sequence_nets.lengths_of(codes)
            out = sequence_nets.forward_in_chunks(
                model, torch.as_tensor(codes, device=dev), lengths
            )
        else:
            out = model(torch.as_tensor(x, dtype=torch.float32, device=dev))
        if task == "regression":
            mean, sd = model._target_scale
            return (out.view(-1) * sd + mean).cpu().numpy().astype(float)
        proba = torch.softmax(out, dim=1).cpu().numpy().astype(float)
    return proba[:, 1] if task == "binary" else proba


def save_weights(model, config: NetConfig, n_in: int, n_out: int) -> tuple[bytes, str]:
    """Weights as safetensors bytes and the architecture as JSON (never a pickle). For a sequence
    rung ``n_in`` is only recorded (the training length, say): the model takes any length."""
    import json

    from safetensors.torch import save

    arch = {
        "config": asdict(config),
        "n_in": n_in,
        "n_out": n_out,
        "target_scale": getattr(model, "_target_scale", None),
    }
    if getattr(model, "takes_images", False):  # the images the network reads
        arch["image"] = {"channels": model.channels, "side": model.side}
        arch["pretrained_sha256"] = getattr(model, "pretrained_sha256", None)
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    return save(tensors), json.dumps(arch)


def load_weights(weights: bytes, arch_json: str):
    import json

    from safetensors.torch import load

    arch = json.loads(arch_json)
    config = NetConfig(**arch["config"])
    image = arch.get("image")
    if image:
        model = build(config, image["channels"], arch["n_out"], image["side"])
    else:
        model = build(config, arch["n_in"], arch["n_out"])
    model.load_state_dict(load(weights))
    if arch.get("pretrained_sha256"):
        model.pretrained_sha256 = arch["pretrained_sha256"]
    model.eval()
    model._target_scale = tuple(arch["target_scale"]) if arch["target_scale"] else None
    return model, config
