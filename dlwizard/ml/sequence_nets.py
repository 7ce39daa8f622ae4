"""Networks for DNA, RNA and protein sequences (issue 17): integer codes in, one-hot inside.

Sequences travel as small uint8 codes (0 = padding, 1..A = the alphabet's letters in order,
A + 1 = unknown: an ambiguity code or any letter outside the alphabet). Each model one-hot encodes
them on the device with a fixed lookup table, so a batch moved or gathered is a byte per letter,
not four bytes per letter and channel.

Padding never reaches the output: every layer's output is zeroed at padded positions (so a
convolution at the end of a sequence sees zeros whether the array goes on with padding or stops),
normalisation is per position (layer norm over channels: batch norm would mix padded positions
into its statistics and depend on the batch size), attention masks padded keys, and pooling runs
over the real positions only. Appending padding therefore leaves every prediction unchanged, and
the training loop may cut each batch to its longest sequence.

The ladder's rungs are described in :mod:`dlwizard.ml.nets` (``SEQUENCE_LADDER``); its one
training loop trains these models too. Heavy imports (torch) happen inside functions.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

# The alphabets' letters in code order (codes 1..A). The import helper's io/sequences.py holds
# the ambiguity codes; for a network every one of them is simply "unknown" (code A + 1).
ALPHABETS: dict[str, str] = {
    "dna": "ACGT",
    "rna": "ACGU",
    "protein": "ACDEFGHIKLMNPQRSTVWY",
}
NUCLEIC = ("dna", "rna")
# The model kinds (NetConfig.kind) that take sequence codes rather than a numeric table.
KINDS = ("cnn", "dilated_cnn", "attention")
# Complement of each nucleic-acid code: A<->T/U, C<->G; padding and unknown stay as they are
# (the complement of an ambiguity code is an ambiguity code, which is "unknown" again).
_COMPLEMENT = np.array([0, 4, 3, 2, 1, 5], dtype=np.uint8)


def letters(alphabet: str) -> str:
    try:
        return ALPHABETS[alphabet]
    except KeyError:
        raise ValueError(
            f"unknown sequence alphabet '{alphabet}': choose one of {', '.join(ALPHABETS)}"
        ) from None


def n_channels(alphabet: str) -> int:
    """One-hot channels a model sees: one per letter, plus one for unknown letters."""
    return len(letters(alphabet)) + 1


def unknown_code(alphabet: str) -> int:
    return len(letters(alphabet)) + 1


@cache
def _table(alphabet: str) -> np.ndarray:
    """Byte -> code. Upper and lower case alike. For nucleic acids T and U share a code (DNA
    read as RNA, or the reverse, keeps its meaning); every other byte is unknown."""
    table = np.full(256, unknown_code(alphabet), dtype=np.uint8)
    for i, letter in enumerate(letters(alphabet), start=1):
        table[ord(letter)] = table[ord(letter.lower())] = i
    if alphabet in NUCLEIC:
        t_or_u = 4
        for letter in "TtUu":
            table[ord(letter)] = t_or_u
    table.flags.writeable = False
    return table


def encode(sequences, alphabet: str, max_len: int | None = None) -> np.ndarray:
    """Integer codes of shape (N, L), uint8: 0 = padding (at the end), 1..A = the alphabet's
    letters in order, A + 1 = unknown (ambiguity codes, gaps, any other character).

    ``L`` is the longest sequence (at least 1), or ``max_len``: longer sequences then keep their
    first ``max_len`` letters. A missing value (None, NaN) is an empty sequence. Vectorised over
    the bytes of all sequences at once.
    """
    table = _table(alphabet)
    seqs = [s if isinstance(s, str) else "" for s in sequences]
    n = len(seqs)
    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=n)
    longest = int(lengths.max()) if n else 0
    width = max(1, longest if max_len is None else int(max_len))
    if not longest:
        return np.zeros((n, width), dtype=np.uint8)
    # One byte per character: a character beyond Latin-1 becomes '?', which is unknown.
    raw = np.frombuffer("".join(seqs).encode("latin-1", errors="replace"), dtype=np.uint8)
    codes = table[raw]
    if longest > width:  # keep each sequence's first `width` letters
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        codes = codes[np.arange(len(codes)) - starts < width]
        lengths = np.minimum(lengths, width)
    if (lengths == width).all():  # all of one length: no padding to place
        return codes.reshape(n, width)
    out = np.zeros((n, width), dtype=np.uint8)
    out[np.arange(width) < lengths[:, None]] = codes
    return out


def lengths_of(codes: np.ndarray) -> np.ndarray:
    """Each sequence's length (its letters before the padding)."""
    return np.count_nonzero(np.asarray(codes), axis=1)


def reverse_complement(codes: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """The reverse complement of DNA or RNA codes, each within its own length, so the padding
    stays at the end. Unknown letters stay unknown."""
    codes = np.asarray(codes)
    lengths = lengths_of(codes) if lengths is None else np.asarray(lengths)
    pos = lengths[:, None] - 1 - np.arange(codes.shape[1])
    back = np.take_along_axis(codes, np.clip(pos, 0, None), axis=1)
    return np.where(pos >= 0, _COMPLEMENT[back], 0).astype(codes.dtype)


def complement_table(device):
    """The complement of each code, as a tensor on ``device`` (made once per training)."""
    import torch

    return torch.as_tensor(_COMPLEMENT, device=device)


def reverse_complement_torch(codes, lengths, comp=None):
    """:func:`reverse_complement` on the device (a batch of codes and their lengths). Pass
    ``comp`` (:func:`complement_table`) in a loop: copying it to a GPU every batch would wait
    for the work queued before it."""
    import torch

    comp = complement_table(codes.device) if comp is None else comp
    pos = lengths.view(-1, 1) - 1 - torch.arange(codes.shape[1], device=codes.device)
    back = codes.gather(1, pos.clamp_min(0))
    return torch.where(pos >= 0, comp[back.long()], torch.zeros_like(codes))


def check_codes(x: Any, alphabet: str) -> np.ndarray:
    """Sequence codes as a uint8 (N, L) array, or a plain error when they are something else
    (a float table given to a sequence rung, or codes from another alphabet)."""
    x = np.asarray(x)
    if x.ndim != 2 or not np.issubdtype(x.dtype, np.integer):
        raise ValueError(
            "a sequence network takes integer codes of shape (sequences, positions) from "
            f"sequence_nets.encode, not a {x.dtype} array of shape {x.shape}"
        )
    top = unknown_code(alphabet)
    if x.size and (int(x.min()) < 0 or int(x.max()) > top):
        raise ValueError(
            f"sequence codes must lie between 0 and {top} for the {alphabet} alphabet; "
            f"found {int(x.min())} to {int(x.max())}"
        )
    return x.astype(np.uint8, copy=False)


def build(config: Any, n_out: int):
    """The model of a sequence rung (``config`` is a nets.NetConfig)."""
    if config.kind not in KINDS:
        raise ValueError(f"not a sequence model kind: '{config.kind}'")
    channels = n_channels(config.alphabet)
    args = (channels, config.width, config.depth, config.kernel_size)
    if config.kind == "attention":
        args += (config.heads,)
    model = _classes()[config.kind](*args, config.dropout, n_out)
    model.alphabet = config.alphabet  # predict checks new codes against it
    return model


def forward_in_chunks(model, codes, lengths: np.ndarray):
    """The model's outputs for many sequences, a chunk of rows at a time, each chunk cut to its
    longest sequence: memory stays bounded (attention grows with length squared)."""
    import torch

    rows = model.chunk_rows(codes.shape[1])
    outs = []
    for start in range(0, codes.shape[0], rows):
        longest = max(1, int(lengths[start : start + rows].max(initial=0)))
        outs.append(model(codes[start : start + rows, :longest]))
    return torch.cat(outs) if outs else model(codes[:0, :1])


@cache
def _classes() -> dict[str, type]:
    """The model classes, defined on first use so that importing this module loads no torch."""
    import abc
    import math

    import torch
    from torch import nn

    def masked(h: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """Zero the padded positions of (B, C, L) activations (``keep``: (B, 1, L), 1.0 at real
        positions). A product: twice as fast as masked_fill on a CPU."""
        return h * keep.to(h.dtype)

    def pool(h: torch.Tensor, mask: torch.Tensor, nonnegative: bool = False) -> torch.Tensor:
        """Max and mean over the real positions of (B, C, L) activations whose padded positions
        are zero already: (B, 2C). An empty sequence pools to zeros. ``nonnegative`` (after a
        ReLU): the padded zeros cannot win the max, so no mask is needed for it."""
        count = mask.sum(1, keepdim=True).clamp_min(1)
        mean = h.sum(2) / count
        if nonnegative:
            return torch.cat([h.amax(2).float(), mean.float()], 1)
        top = h.masked_fill(~mask.unsqueeze(1), torch.finfo(h.dtype).min).amax(2)
        top = torch.where(mask.any(1, keepdim=True), top, torch.zeros_like(top))
        return torch.cat([top.float(), mean.float()], 1)

    class ChannelNorm(nn.LayerNorm):
        """Layer norm over the channels of each position of (B, C, L) activations."""

        def forward(self, h: torch.Tensor) -> torch.Tensor:
            return super().forward(h.transpose(1, 2)).transpose(1, 2)

    class SequenceNet(nn.Module, metaclass=abc.ABCMeta):
        """One-hot encodes codes on the device, then runs ``from_onehot`` (each architecture
        below defines it)."""

        takes_codes = True  # the training loop keeps its inputs integer for these models

        def __init__(self, channels: int) -> None:
            super().__init__()
            # Row 0 (padding) is all zeros; code k is the unit vector k - 1. Not saved: it is
            # rebuilt from the alphabet.
            table = torch.cat([torch.zeros(1, channels), torch.eye(channels)])
            self.register_buffer("onehot_table", table, persistent=False)

        def forward(self, codes: torch.Tensor) -> torch.Tensor:
            mask = codes != 0
            x = self.onehot_table[codes.long()].transpose(1, 2)  # (B, C, L)
            return self.from_onehot(x, mask)

        @abc.abstractmethod
        def from_onehot(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            """The architecture's output for one-hot input ``x`` (B, C, L) and its mask."""

        def chunk_rows(self, length: int) -> int:
            """Rows per chunk when predicting many sequences of this length."""
            return max(1, min(4096, 2**20 // max(1, length)))

    class SmallCNN(SequenceNet):
        """One or two convolutions, then max and mean pooling over the real positions: a motif
        detector that does not know where a motif sits. Dropout acts between the convolutions
        and on the pooled features (on every position it cost a quarter of the training
        time)."""

        def __init__(self, channels, width, depth, kernel, dropout, n_out) -> None:
            super().__init__(channels)
            self.convs = nn.ModuleList(
                nn.Conv1d(channels if i == 0 else width, width, kernel, padding=kernel // 2)
                for i in range(depth)
            )
            self.act = nn.ReLU()
            self.drop = nn.Dropout(dropout)
            self.head = nn.Linear(2 * width, n_out)

        def from_onehot(self, x, mask):
            keep = mask.unsqueeze(1).float()
            h = x
            for i, conv in enumerate(self.convs):
                h = masked(self.act(conv(h)), keep)
                if i < len(self.convs) - 1:
                    h = self.drop(h)
            return self.head(self.drop(pool(h, mask, nonnegative=True)))

    def positions(length: int, width: int, device) -> torch.Tensor:
        """Sinusoidal position codes (length, width): any length, nothing learned."""
        pos = torch.arange(length, device=device, dtype=torch.float32).unsqueeze(1)
        freq = torch.exp(
            torch.arange(0, width, 2, device=device, dtype=torch.float32)
            * (-math.log(10000.0) / width)
        )
        out = torch.zeros(length, width, device=device)
        out[:, 0::2] = torch.sin(pos * freq)
        out[:, 1::2] = torch.cos(pos * freq[: width // 2])
        return out

    class DilatedBlock(nn.Module):
        def __init__(self, width: int, dilation: int, dropout: float) -> None:
            super().__init__()
            self.norm = ChannelNorm(width)
            self.conv = nn.Conv1d(width, width, 3, padding=dilation, dilation=dilation)
            self.mix = nn.Conv1d(width, width, 1)
            self.act = nn.GELU()
            self.drop = nn.Dropout(dropout)

        def forward(self, h, keep):
            # Layer norm turns a padded zero into its bias: zero it again before the
            # convolution looks across positions.
            inner = self.act(self.conv(masked(self.norm(h), keep)))
            return masked(h + self.drop(self.mix(inner)), keep)

    class DilatedCNN(SequenceNet):
        """A convolutional stem plus position codes, residual blocks whose dilation doubles (1,
        2, 4, ... 32, then again from 1), layer norm; max and mean pooling. Unlike the small
        CNN it knows where a letter is (a splice site sits mid-window: 0.95 against 0.75
        balanced accuracy on the UCI splice junctions)."""

        def __init__(self, channels, width, depth, kernel, dropout, n_out) -> None:
            super().__init__(channels)
            self.stem = nn.Conv1d(channels, width, kernel, padding=kernel // 2)
            self.blocks = nn.ModuleList(
                DilatedBlock(width, 2 ** (i % 6), dropout) for i in range(depth)
            )
            self.norm = ChannelNorm(width)
            self.head = nn.Linear(2 * width, n_out)
            self.position_scale = nn.Parameter(torch.tensor(0.1))  # as in AttentionNet

        def from_onehot(self, x, mask):
            keep = mask.unsqueeze(1).float()
            h = self.stem(x)
            where = positions(h.shape[2], h.shape[1], h.device).T
            h = masked(h + (self.position_scale * where).to(h.dtype), keep)
            for block in self.blocks:
                h = block(h, keep)
            return self.head(pool(masked(self.norm(h), keep), mask))

    class AttentionNet(SequenceNet):
        """A convolutional stem, sinusoidal positions, one or two transformer encoder layers
        that ignore padded keys; max and mean pooling."""

        def __init__(self, channels, width, depth, kernel, heads, dropout, n_out) -> None:
            super().__init__(channels)
            self.stem = nn.Conv1d(channels, width, kernel, padding=kernel // 2)
            self.act = nn.GELU()
            self.layers = nn.ModuleList(
                nn.TransformerEncoderLayer(
                    width,
                    heads,
                    2 * width,
                    dropout,
                    activation="gelu",
                    batch_first=True,
                    norm_first=True,
                )
                for _ in range(depth)
            )
            self.norm = nn.LayerNorm(width)
            self.head = nn.Linear(2 * width, n_out)
            # Position codes start small beside the letters' features (at full size they
            # drown them and a motif is learned far more slowly); training scales them.
            self.position_scale = nn.Parameter(torch.tensor(0.1))

        def from_onehot(self, x, mask):
            keep = mask.unsqueeze(1).float()
            h = masked(self.act(self.stem(x)), keep).transpose(1, 2)  # (B, L, C)
            where = positions(h.shape[1], h.shape[2], h.device)
            h = h + (self.position_scale * where).to(h.dtype)
            # An empty sequence attends to its first (zero) position instead of to nothing,
            # which would give NaN.
            ignore = ~mask
            ignore[:, 0] &= mask.any(1)
            for layer in self.layers:
                h = layer(h, src_key_padding_mask=ignore)
            # Where, not a product: whatever a padded query computed must not reach the pool.
            h = self.norm(h).transpose(1, 2).masked_fill(~mask.unsqueeze(1), 0.0)
            return self.head(pool(h, mask))

        def chunk_rows(self, length: int) -> int:
            # The attention weights take rows x heads x length^2 numbers.
            return max(1, min(super().chunk_rows(length), 2**26 // max(1, length * length)))

    return {"cnn": SmallCNN, "dilated_cnn": DilatedCNN, "attention": AttentionNet}
