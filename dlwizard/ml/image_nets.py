"""Convolutional networks for images (issue 18): plain torch modules, augmentation on the device,
and pretrained weights from a local safetensors file.

Images arrive as float16 arrays (N, C, S, S) with values in 0..1 (``io.images.load_many``): any
channel count (microscopy: 1 to many) and any square side from 16 to 512. Each model keeps the
training images' per-channel mean and SD as buffers (saved with its weights), so dim 16-bit
fluorescence and bright RGB histology reach the first convolution on one scale. The stem
shrinks large images before the stages (stride 2 from 65 pixels, plus a max pool above 128), so
a 512-pixel image costs about what a 128-pixel one does; its weights do not depend on the side.

Augmentation (training batches only): each image is turned by one of the 8 symmetries of the
square (flips and 90-degree turns: microscopy has no "up"), shifted within a reflection-padded
border (a random crop) and its intensity scaled and offset. The geometric part is ONE gather
per batch (an index map per image), drawn once per epoch from the training loop's seeded
generator, so a run repeats exactly.

The ladder's rungs are described in :mod:`dlwizard.ml.nets` (``IMAGE_LADDER``); its one
training loop trains these models. Heavy imports (torch, safetensors) happen inside functions.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

# The model kinds (NetConfig.kind) that take images.
KINDS = ("image_cnn", "resnet")
MIN_SIDE, MAX_SIDE = 16, 512
# Augmentation strengths: a shift of up to an eighth of the side, intensity x 0.8..1.2 and
# +/- 0.1 (of the 0..1 range, before the model's normalisation).
SHIFT_SHARE = 8
SCALE_JITTER, OFFSET_JITTER = 0.2, 0.1
# Never loaded from a pretrained file: the final layer (the class count differs) and the input
# normalisation (it belongs to the data at hand).
_NOT_PRETRAINED = ("fc.", "input_mean", "input_sd")


def check_images(x: Any, what: str = "images") -> np.ndarray:
    """Images as an (N, C, S, S) array, or a plain error when they are something else. A numpy
    memmap stays a memmap (nothing is read here)."""
    if not isinstance(x, np.ndarray):
        x = np.asarray(x)
    if x.ndim != 4 or x.shape[2] != x.shape[3] or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            f"an image network takes float images of shape (images, channels, side, side) from "
            f"io.images.load_many, not {what} of type {x.dtype} and shape {x.shape}"
        )
    if not MIN_SIDE <= x.shape[2] <= MAX_SIDE or x.shape[1] < 1:
        raise ValueError(
            f"{what}: images must be {MIN_SIDE} to {MAX_SIDE} pixels square with at least one "
            f"channel; these are {x.shape[2]} x {x.shape[3]} with {x.shape[1]} channels. "
            "Choose another image size on the Data page."
        )
    return x


def channel_stats(x: np.ndarray, max_images: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and SD of (up to ``max_images`` evenly spaced) training images, summed
    a chunk at a time in float64: a memmap is read for the sample only, and memory stays small
    for large images."""
    n, channels = len(x), x.shape[1]
    rows = np.unique(np.linspace(0, n - 1, min(n, max_images)).round().astype(int)) if n else []
    total, squares, count = np.zeros(channels), np.zeros(channels), 0
    for start in range(0, len(rows), 64):
        chunk = np.asarray(x[rows[start : start + 64]], dtype=np.float64)
        total += chunk.sum(axis=(0, 2, 3))
        squares += np.square(chunk).sum(axis=(0, 2, 3))
        count += chunk.shape[0] * chunk.shape[2] * chunk.shape[3]
    if not count:
        return np.zeros(channels), np.ones(channels)
    mean = total / count
    sd = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
    return mean, np.where(sd > 1e-6, sd, 1.0)


def draw_augmentation(n: int, side: int, gen) -> dict[str, Any]:
    """One epoch's augmentation of ``n`` images, drawn on the CPU from the training loop's
    generator (always the same draws in the same order): the symmetry of the square, the shift
    and the intensity change of each image."""
    import torch

    pad = max(1, side // SHIFT_SHARE)
    flips = torch.rand(n, 3, generator=gen) < 0.5  # transpose, flip rows, flip columns
    shift = torch.randint(-pad, pad + 1, (n, 2), generator=gen)
    jitter = torch.rand(n, 2, generator=gen) * 2 - 1
    scale = 1 + SCALE_JITTER * jitter[:, 0]
    offset = OFFSET_JITTER * jitter[:, 1]
    return {"flips": flips, "shift": shift, "scale": scale, "offset": offset}


def _reflect(pos, side: int):
    """Positions beyond an edge mirrored back inside (reflection padding: -1 -> 1)."""
    pos = pos.abs()
    return (side - 1) - ((side - 1) - pos).abs()


def augment(xb, params: dict[str, Any]):
    """Augment a batch (B, C, S, S) on its device with one batch's slice of
    :func:`draw_augmentation` (tensors on the same device). Returns a new tensor."""
    import torch

    b, c, side, _ = xb.shape
    ar = torch.arange(side, device=xb.device)
    flips, shift = params["flips"], params["shift"]
    # Row and column source of each output position: flipped, shifted, reflected at the edges.
    rows = torch.where(flips[:, 1:2], side - 1 - ar, ar) + shift[:, 0:1]
    cols = torch.where(flips[:, 2:3], side - 1 - ar, ar) + shift[:, 1:2]
    rows, cols = _reflect(rows, side), _reflect(cols, side)
    straight = rows[:, :, None] * side + cols[:, None, :]  # (B, S, S): out[i, j] = in[r_i, c_j]
    turned = rows[:, None, :] * side + cols[:, :, None]  # transposed: out[i, j] = in[r_j, c_i]
    index = torch.where(flips[:, 0].view(-1, 1, 1), turned, straight).view(b, 1, side * side)
    out = xb.reshape(b, c, side * side).gather(2, index.expand(b, c, side * side))
    scale = params["scale"].to(xb.dtype).view(-1, 1, 1)
    offset = params["offset"].to(xb.dtype).view(-1, 1, 1)
    return torch.addcmul(offset, out, scale).view(b, c, side, side)


def build(config: Any, channels: int, n_out: int, side: int):
    """The model of an image rung (``config`` is a nets.NetConfig)."""
    if config.kind not in KINDS:
        raise ValueError(f"not an image model kind: '{config.kind}'")
    if not MIN_SIDE <= side <= MAX_SIDE:
        raise ValueError(f"image side {side} is outside {MIN_SIDE} to {MAX_SIDE} pixels")
    classes = _classes()
    if config.kind == "image_cnn":
        model = classes["image_cnn"](channels, side, config.width, config.depth, config.dropout,
                                     n_out)  # fmt: skip
    else:
        model = classes["resnet"](
            channels, side, config.width, config.stages, config.depth, config.dropout, n_out
        )
    return model


def forward_in_chunks(model, x, device, rows: int = 0):
    """The model's outputs for many images (an array or memmap on the host, or a tensor), a
    chunk at a time moved to ``device`` as float32: memory stays bounded."""
    import torch

    side = x.shape[-1]
    rows = rows or max(1, min(1024, 2**22 // (side * side)))
    outs = []
    for start in range(0, len(x), rows):
        chunk = x[start : start + rows]
        if not isinstance(chunk, torch.Tensor):
            chunk = torch.from_numpy(np.array(chunk))  # a copy: a memmap may be read-only
        outs.append(model(chunk.to(device, non_blocking=True).float()))
    if outs:
        return torch.cat(outs)
    return model(torch.zeros(1, model.channels, side, side, device=device))[:0]


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_safetensors(path: str | Path) -> dict[str, Any]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise ValueError(
            f"the pretrained weights file {path} does not exist: point to a local .safetensors "
            "file, or leave the field empty to train from scratch"
        )
    try:
        return load_file(str(path))  # safetensors only: never torch.load (it runs pickles)
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(
            f"{path.name} is not a readable safetensors file ({exc}): only .safetensors "
            "weights are loaded (never pickled .pt/.pth files: convert them first)"
        ) from exc


def pretrained_settings(path: str | Path) -> dict[str, int]:
    """The width and blocks per stage (``depth``) of a ResNet weights file, to fix those
    settings of the rung that loads it (torchvision/timm ResNet-18: width 64, depth 2)."""
    tensors = _read_safetensors(path)
    if "conv1.weight" not in tensors:
        raise ValueError(f"{Path(path).name} has no 'conv1.weight': not ResNet weights")
    blocks = {k.split(".")[1] for k in tensors if k.startswith("layer1.")}
    return {"width": int(tensors["conv1.weight"].shape[0]), "depth": len(blocks)}


def load_pretrained(model, path: str | Path) -> str:
    """Copy a local safetensors file's weights into ``model`` (all but the final layer and the
    input normalisation) and return the file's SHA-256. Every key of the model must be in the
    file with the same shape; the message names those that are not."""
    import torch

    tensors = _read_safetensors(path)
    own = {k: v for k, v in model.state_dict().items() if not k.startswith(_NOT_PRETRAINED)}
    missing = sorted(k for k in own if k not in tensors)
    wrong = sorted(
        f"{k} (file {tuple(tensors[k].shape)}, model {tuple(v.shape)})"
        for k, v in own.items()
        if k in tensors and tensors[k].shape != v.shape
    )
    if missing or wrong:
        name = Path(path).name
        parts = []
        if wrong:
            parts.append(f"{len(wrong)} with other shapes: {', '.join(wrong[:5])}")
        if missing:
            parts.append(f"{len(missing)} missing: {', '.join(missing[:5])}")
        raise ValueError(
            f"the pretrained weights in {name} do not fit this network ({'; '.join(parts)}). "
            "They must come from the same architecture (a ResNet with the same width, blocks "
            "per stage and image channels); or train without pretrained weights."
        )
    with torch.no_grad():
        for k, v in own.items():
            v.copy_(tensors[k].to(v.dtype))
    sha = file_sha256(path)
    model.pretrained_sha256 = sha
    return sha


@cache
def _classes() -> dict[str, type]:
    """The model classes, defined on first use so that importing this module loads no torch."""
    import torch
    from torch import nn

    def stem_reduction(side: int) -> tuple[int, bool]:
        """Stride of the first convolution and whether a max pool follows, by image side."""
        return (1 if side <= 64 else 2), side > 128

    class ImageNet(nn.Module):
        """Normalises each channel with the training images' statistics, then ``features``
        and a linear head on the global average of the last feature map."""

        takes_images = True  # the training loop and predict handle these models' inputs

        def __init__(self, channels: int, side: int) -> None:
            super().__init__()
            self.channels, self.side = channels, side
            self.register_buffer("input_mean", torch.zeros(channels))
            self.register_buffer("input_sd", torch.ones(channels))

        def set_input_stats(self, mean, sd) -> None:
            with torch.no_grad():
                self.input_mean.copy_(torch.as_tensor(mean, dtype=torch.float32))
                self.input_sd.copy_(torch.as_tensor(sd, dtype=torch.float32))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = (x - self.input_mean.view(1, -1, 1, 1)) / self.input_sd.view(1, -1, 1, 1)
            h = self.features(x).mean((2, 3))  # a mean, not AdaptiveAvgPool2d: deterministic
            return self.fc(self.drop(h))

    def conv_bn(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
        return [
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        ]

    class SmallCNN(ImageNet):
        """``depth`` blocks of convolution, batch norm, ReLU and a 2x2 max pool, the width
        doubling each block (at most 8x): the classic small CNN."""

        def __init__(self, channels, side, width, depth, dropout, n_out) -> None:
            super().__init__(channels, side)
            stride, pool = stem_reduction(side)
            layers: list[nn.Module] = conv_bn(channels, width, stride)
            if pool:
                layers.append(nn.MaxPool2d(2))
            c_in = width
            for i in range(depth):
                c_out = width * 2 ** min(i, 3)
                layers += [*conv_bn(c_in, c_out), nn.MaxPool2d(2)]
                c_in = c_out
            self.features = nn.Sequential(*layers)
            self.drop = nn.Dropout(dropout)
            self.fc = nn.Linear(c_in, n_out)

    class BasicBlock(nn.Module):
        """ResNet's basic block (two 3x3 convolutions and a shortcut), named as in torchvision
        so that a ResNet-18's weights fit."""

        def __init__(self, c_in: int, c_out: int, stride: int) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(c_out)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(c_out)
            self.downsample = None
            if stride != 1 or c_in != c_out:
                self.downsample = nn.Sequential(
                    nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out)
                )

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = self.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            short = x if self.downsample is None else self.downsample(x)
            return self.relu(out + short)

    class ResNet(ImageNet):
        """A 7x7 stem, then ``stages`` stages of ``depth`` basic blocks (width doubling and
        the map halving from the second stage on). Four stages of two blocks at width 64 are
        ResNet-18, key for key (``conv1``, ``bn1``, ``layer1.0.conv1``, ..., ``fc``)."""

        def __init__(self, channels, side, width, stages, depth, dropout, n_out) -> None:
            super().__init__(channels, side)
            stride, pool = stem_reduction(side)
            self.conv1 = nn.Conv2d(channels, width, 7, stride, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(width)
            self.relu = nn.ReLU(inplace=True)
            self.maxpool = nn.MaxPool2d(3, 2, 1) if pool else nn.Identity()
            c_in = width
            for s in range(stages):
                c_out = width * 2**s
                blocks = [BasicBlock(c_in if b == 0 else c_out, c_out, 1 if s == 0 or b else 2)
                          for b in range(depth)]  # fmt: skip
                self.add_module(f"layer{s + 1}", nn.Sequential(*blocks))
                c_in = c_out
            self.n_stages = stages
            self.drop = nn.Dropout(dropout)
            self.fc = nn.Linear(c_in, n_out)

        def features(self, x: torch.Tensor) -> torch.Tensor:
            h = self.maxpool(self.relu(self.bn1(self.conv1(x))))
            for s in range(self.n_stages):
                h = getattr(self, f"layer{s + 1}")(h)
            return h

    return {"image_cnn": SmallCNN, "resnet": ResNet}
