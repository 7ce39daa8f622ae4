"""Epoch time of the engine's training loop vs two bare PyTorch loops on the same model and data.

1. The way most people write it: a DataLoader over a TensorDataset (CPU tensors, copied batch by
   batch). Target: engine at least as fast (ratio <= 1.0).
2. A hand-optimised loop: the data on the device, batches by indexing a random permutation.
   Target: engine within 1.1x.
All three train the same MLP (3 x 256, dropout) with AdamW for the same number of epochs on
20,000 x 100 synthetic rows; on a GPU too where one is available (``--device cuda``).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

N, D, EPOCHS, BATCH = 20_000, 100, 5, 128


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(N, D)).astype(np.float32)
    y = (x[:, :5].sum(axis=1) + rng.normal(size=N) > 0).astype(np.int64)
    return x, y


def engine(x, y, device: str) -> float:
    from dlwizard.ml import nets

    cfg = nets.NetConfig(
        kind="mlp",
        depth=3,
        width=256,
        dropout=0.1,
        lr=1e-3,
        batch_size=BATCH,
        max_epochs=EPOCHS,
        patience=EPOCHS + 1,
    )
    t0 = time.perf_counter()
    _, hist = nets.train(cfg, x, y, x[:1000], y[:1000], "binary", 2, device, seed=0)
    return (time.perf_counter() - t0) / len(hist.train_loss)


def _model(device):
    import torch
    from torch import nn

    torch.manual_seed(0)
    layers, w = [], D
    for _ in range(3):
        layers += [nn.Linear(w, 256), nn.ReLU(), nn.Dropout(0.1)]
        w = 256
    layers.append(nn.Linear(w, 2))
    return nn.Sequential(*layers).to(device)


def dataloader_loop(x, y, device: str) -> float:
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    model = _model(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    loader = DataLoader(
        TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=BATCH, shuffle=True
    )
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        model.train()
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            loss_fn(model(xb), yb).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            loss_fn(
                model(torch.from_numpy(x[:1000]).to(device)), torch.from_numpy(y[:1000]).to(device)
            )
    return (time.perf_counter() - t0) / EPOCHS


def on_device_loop(x, y, device: str) -> float:
    import torch

    model = _model(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    xv, yv = xt[:1000], yt[:1000]
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        model.train()
        order = torch.randperm(N, device=device)
        for start in range(0, N, BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            float(loss_fn(model(xv), yv))
    return (time.perf_counter() - t0) / EPOCHS


def main() -> None:
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    x, y = data()
    engine(x, y, args.device)  # warm up
    runs = {"engine": [], "dataloader": [], "on_device": []}
    for _ in range(args.repeats):
        runs["engine"].append(engine(x, y, args.device))
        runs["dataloader"].append(dataloader_loop(x, y, args.device))
        runs["on_device"].append(on_device_loop(x, y, args.device))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(
        f"Epoch time, MLP 3 x 256 on {N:,} x {D}, batch {BATCH}, device {args.device} "
        f"(torch {torch.__version__}, {torch.get_num_threads()} threads), median of "
        f"{args.repeats}:"
    )
    print(
        f"  engine (dlwizard.ml.nets.train, deterministic, clipping, schedule): "
        f"{med['engine'] * 1000:.0f} ms"
    )
    print(
        f"  bare DataLoader over TensorDataset:                                 "
        f"{med['dataloader'] * 1000:.0f} ms"
    )
    print(
        f"  bare hand-optimised on-device loop:                                 "
        f"{med['on_device'] * 1000:.0f} ms"
    )
    print(f"  ratio engine / DataLoader: {med['engine'] / med['dataloader']:.2f} (target <= 1.0)")
    print(f"  ratio engine / on-device:  {med['engine'] / med['on_device']:.2f} (target <= 1.1)")


if __name__ == "__main__":
    main()
