"""Epoch time of the engine's loop on sequence codes vs a hand-written loop on pre-encoded
tensors (issue 17: "one-hot encoding and batching: training <= 1.1x a hand-written torch loop
over the same pre-encoded tensors").

Both train the same small CNN (the ``cnn_small`` rung: one-hot, one convolution, max and mean
pooling over the real positions, a linear layer; same initial weights) with the same fused AdamW,
batch size and number of epochs on the same synthetic DNA (a motif planted in half of the
sequences), and score a validation set after every epoch.

- engine: ``dlwizard.ml.nets.train`` on uint8 letter codes (one byte per letter on the device);
  the model one-hot encodes each batch, the loop cuts each batch to its longest sequence, and it
  adds what the bare loop leaves out: class weights, gradient clipping, the cosine schedule,
  deterministic kernels and early-stopping bookkeeping.
- hand-written: the one-hot float tensors (N, channels, length) and masks made once, before the
  clock starts, on the device; batches by indexing a random permutation; the model's layers after
  the one-hot step (``from_onehot``).

Target: engine / hand-written <= 1.1. The two loops alternate, repeats give the median (the CPU
may be shared). ``--device cuda`` where a GPU is present.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

N, LENGTH, EPOCHS, BATCH, WIDTH, KERNEL = 10_000, 200, 3, 128, 64, 13
N_VAL = 1000
MOTIF = "TATAGCGC"


def data(n: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Random DNA of one length; every second sequence carries the motif somewhere."""
    from dlwizard.ml.sequence_nets import encode

    rng = np.random.default_rng(0)
    letters = rng.choice(np.frombuffer(b"ACGT", np.uint8), (n, length))
    starts = rng.integers(0, length - len(MOTIF), n)
    y = np.arange(n) % 2
    for i in np.flatnonzero(y):
        letters[i, starts[i] : starts[i] + len(MOTIF)] = np.frombuffer(MOTIF.encode(), np.uint8)
    return encode([row.tobytes().decode() for row in letters], "dna"), y


def _config(epochs: int):
    from dlwizard.ml import nets

    return nets.NetConfig(
        kind="cnn",
        depth=1,
        width=WIDTH,
        kernel_size=KERNEL,
        dropout=0.1,
        lr=1e-3,
        batch_size=BATCH,
        max_epochs=epochs,
        patience=epochs + 1,
        alphabet="dna",
    )


def engine(codes, y, device: str, epochs: int) -> float:
    from dlwizard.ml import nets

    t0 = time.perf_counter()
    _, hist = nets.train(
        _config(epochs), codes, y, codes[:N_VAL], y[:N_VAL], "binary", 2, device, seed=0
    )
    return (time.perf_counter() - t0) / len(hist.train_loss)


def hand_written(codes, y, device: str, epochs: int) -> float:
    import torch

    from dlwizard.ml import nets, sequence_nets

    torch.manual_seed(0)
    model = nets.build(_config(epochs), codes.shape[1], 2).to(device)
    # Pre-encoded before the clock starts: one float per letter and channel, and the masks.
    table = np.vstack(
        [np.zeros((1, sequence_nets.n_channels("dna"))), np.eye(sequence_nets.n_channels("dna"))]
    ).astype(np.float32)
    x = torch.from_numpy(np.ascontiguousarray(table[codes].transpose(0, 2, 1))).to(device)
    mask = torch.from_numpy(codes != 0).to(device)
    yt = torch.from_numpy(y).to(device)
    xv, mv, yv = x[:N_VAL], mask[:N_VAL], yt[:N_VAL]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4, fused=True)
    loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x), device=device)
        for start in range(0, len(x), BATCH):
            idx = order[start : start + BATCH]
            opt.zero_grad(set_to_none=True)
            loss_fn(model.from_onehot(x[idx], mask[idx]), yt[idx]).backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            float(loss_fn(model.from_onehot(xv, mv), yv))
    return (time.perf_counter() - t0) / epochs


def main() -> None:
    import torch

    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n", type=int, default=N)
    parser.add_argument("--length", type=int, default=LENGTH)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    codes, y = data(args.n, args.length)
    engine(codes[:2000], y[:2000], args.device, 1)  # warm up
    hand_written(codes[:2000], y[:2000], args.device, 1)
    runs: dict[str, list[float]] = {"engine": [], "hand": []}
    for _ in range(args.repeats):
        runs["engine"].append(engine(codes, y, args.device, args.epochs))
        runs["hand"].append(hand_written(codes, y, args.device, args.epochs))
    med = {k: statistics.median(v) for k, v in runs.items()}
    ratios = [e / h for e, h in zip(runs["engine"], runs["hand"], strict=True)]
    print(
        f"Epoch time, small CNN ({WIDTH} filters of {KERNEL}) on {args.n:,} DNA sequences x "
        f"{args.length} nt, batch {BATCH}, {args.epochs} epochs, device {args.device} (torch "
        f"{torch.__version__}, {torch.get_num_threads()} threads), median of {args.repeats}:"
    )
    print(
        f"  engine (nets.train on uint8 codes, one-hot on the device):  "
        f"{med['engine'] * 1000:.0f} ms"
    )
    hand_ms = med["hand"] * 1000
    print(f"  hand-written loop on pre-encoded one-hot float tensors:     {hand_ms:.0f} ms")
    print(
        f"  ratio engine / hand-written: {med['engine'] / med['hand']:.2f} (target <= 1.1; "
        f"median of the paired repeats {statistics.median(ratios):.2f}: "
        f"{', '.join(f'{r:.2f}' for r in ratios)})"
    )
    one_hot_mb = codes.size * 5 * 4 / 2**20
    print(f"  data on the device: codes {codes.nbytes / 2**20:.1f} MB, one-hot {one_hot_mb:.1f} MB")


if __name__ == "__main__":
    main()
