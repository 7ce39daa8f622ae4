"""Epoch time of the engine's loop on images vs a hand-written torch loop over the same
pre-loaded tensors (issue 18: "Training: <= 1.1x a hand-written torch loop on the same
tensors"), and images per second.

Both train the same network (an image rung, ``resnet_small`` by default; same initial weights and
input normalisation) with the same fused AdamW, batch size and number of epochs on the same
synthetic images (a bright square planted in half of them), and score a validation set after
every epoch.

- engine: ``dlwizard.ml.nets.train`` on float16 arrays (N, C, S, S) as ``io.images.load_many``
  gives them; each batch is gathered on the host and made float32 on the device; it adds what the
  bare loop leaves out: class weights, gradient clipping, the cosine schedule, deterministic
  kernels and early-stopping bookkeeping. Timed without augmentation (the same work as the bare
  loop) and with it (flips, turns, shifts and jitter on the device: reported, not in the ratio).
- hand-written: float32 tensors made once, before the clock starts, on the device; batches by
  indexing a random permutation.

Target: engine / hand-written <= 1.1. The loops alternate, repeats give the median (the CPU may
be shared). ``--device cuda`` where a GPU is present.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

N, CHANNELS, SIDE, EPOCHS, BATCH, WIDTH = 2000, 3, 64, 2, 64, 16
N_VAL = 400


def data(n: int, channels: int, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Noise images; every second one carries a bright square somewhere (float16, 0..1)."""
    rng = np.random.default_rng(0)
    x = (rng.random((n, channels, side, side), dtype=np.float32) * 0.5).astype(np.float16)
    y = np.arange(n) % 2
    k = side // 8
    for i in np.flatnonzero(y):
        r, c = rng.integers(0, side - k, 2)
        x[i, 0, r : r + k, c : c + k] += 0.5
    return x, y


def _config(rung: str, epochs: int, augment: bool):
    from dlwizard.ml import nets

    spec = nets.IMAGE_LADDER[rung]
    return nets.NetConfig(
        **spec["fixed"],
        depth=1 if rung == "resnet_small" else 2,
        width=WIDTH,
        dropout=0.1,
        lr=1e-3,
        batch_size=BATCH,
        max_epochs=epochs,
        patience=epochs + 1,
        augment=augment,
    )


def engine(x, y, rung: str, device: str, epochs: int, augment: bool = False) -> float:
    from dlwizard.ml import nets

    t0 = time.perf_counter()
    _, hist = nets.train(
        _config(rung, epochs, augment), x, y, x[:N_VAL], y[:N_VAL], "binary", 2, device, seed=0
    )
    return (time.perf_counter() - t0) / len(hist.train_loss)


def hand_written(x, y, rung: str, device: str, epochs: int) -> float:
    import torch

    from dlwizard.ml import image_nets, nets

    torch.manual_seed(0)
    model = nets.build(_config(rung, epochs, False), x.shape[1], 2, side=x.shape[-1])
    model.set_input_stats(*image_nets.channel_stats(x))
    model = model.to(device)
    # Pre-loaded before the clock starts: float32 on the device.
    xt = torch.from_numpy(x.astype(np.float32)).to(device)
    yt = torch.from_numpy(y).to(device)
    xv, yv = xt[:N_VAL], yt[:N_VAL]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4, fused=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(xt), device=device)
        for start in range(0, len(xt), BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            float(loss_fn(model(xv), yv))
    return (time.perf_counter() - t0) / epochs


def main() -> None:
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--rung", default="resnet_small", choices=["image_cnn", "resnet_small",
                                                                   "resnet_deep"])  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--side", type=int, default=SIDE)
    parser.add_argument("--channels", type=int, default=CHANNELS)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    x, y = data(args.n, args.channels, args.side)
    engine(x[:500], y[:500], args.rung, args.device, 1)  # warm up
    hand_written(x[:500], y[:500], args.rung, args.device, 1)
    runs: dict[str, list[float]] = {"engine": [], "hand": [], "augmented": []}
    for _ in range(args.repeats):
        runs["engine"].append(engine(x, y, args.rung, args.device, args.epochs))
        runs["hand"].append(hand_written(x, y, args.rung, args.device, args.epochs))
        runs["augmented"].append(engine(x, y, args.rung, args.device, args.epochs, True))
    med = {k: statistics.median(v) for k, v in runs.items()}
    ratios = [e / h for e, h in zip(runs["engine"], runs["hand"], strict=True)]
    per_s = {k: (args.n + N_VAL) / v for k, v in med.items()}  # trained + scored, per second
    print(
        f"Epoch time, {args.rung} (width {WIDTH}) on {args.n:,} images {args.channels}x"
        f"{args.side}x{args.side}, batch {BATCH}, {args.epochs} epochs, device {args.device} "
        f"(torch {torch.__version__}, {torch.get_num_threads()} threads), median of "
        f"{args.repeats}:"
    )
    print(
        f"  engine (nets.train on float16 arrays, no augmentation): {med['engine'] * 1000:.0f} ms"
        f"  ({per_s['engine']:.0f} images/s)"
    )
    print(
        f"  hand-written loop on pre-loaded float32 tensors:        {med['hand'] * 1000:.0f} ms"
        f"  ({per_s['hand']:.0f} images/s)"
    )
    print(
        f"  engine with augmentation (flips, turns, shifts, jitter): "
        f"{med['augmented'] * 1000:.0f} ms  ({per_s['augmented']:.0f} images/s)"
    )
    print(
        f"  ratio engine / hand-written: {med['engine'] / med['hand']:.2f} (target <= 1.1; "
        f"median of the paired repeats {statistics.median(ratios):.2f}: "
        f"{', '.join(f'{r:.2f}' for r in ratios)}); augmentation costs "
        f"{med['augmented'] / med['engine'] - 1:+.0%}"
    )


if __name__ == "__main__":
    main()
