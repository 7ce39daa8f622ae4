"""Sequence networks (issue 17): letter codes, reverse complement, the three sequence rungs
trained by the one training loop, padding that never changes a prediction, determinism and
safetensors round trips."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dlwizard.ml import nets  # noqa: E402
from dlwizard.ml import sequence_nets as sn  # noqa: E402
from dlwizard.ml.models import middle_of  # noqa: E402
from tests.conftest import shared  # noqa: E402

MOTIF = "TATAGCGC"
RUNGS = list(nets.SEQUENCE_LADDER)
# Small settings per rung, so each learns the planted motif in a few CPU seconds.
SMALL = {
    "cnn_small": {"depth": 1, "width": 32, "kernel_size": 9, "lr": 1e-2},
    "cnn_dilated": {"depth": 2, "width": 32, "kernel_size": 9, "lr": 3e-3},
    "seq_attention": {"depth": 1, "width": 32, "kernel_size": 9, "lr": 3e-3},
}


@pytest.fixture(autouse=True)
def _one_thread():
    """The models here are tiny: one thread avoids OpenMP threads fighting over a busy CPU
    (three times faster when other jobs run) and changes no result a test compares."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _motif_set(n: int, seed: int, lo: int = 40, hi: int = 60) -> tuple[list[str], np.ndarray]:
    """Random DNA; every second sequence carries the motif at a random position."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    out = []
    for i in range(n):
        s = list(rng.choice(list("ACGT"), rng.integers(lo, hi + 1)))
        if y[i]:
            at = rng.integers(0, len(s) - len(MOTIF) + 1)
            s[at : at + len(MOTIF)] = MOTIF
        out.append("".join(s))
    return out, y


def _config(rung: str, alphabet: str = "dna", **over) -> nets.NetConfig:
    spec = nets.SEQUENCE_LADDER[rung]
    settings = {"dropout": 0.1, "batch_size": 32, "max_epochs": 8, "patience": 8}
    return nets.NetConfig(**{**spec["fixed"], **SMALL[rung], **settings, **over}, alphabet=alphabet)


def _train(cfg: nets.NetConfig, seed: int = 0, n: int = 300, lo: int = 40, hi: int = 60):
    seqs, y = _motif_set(n, 1, lo, hi)
    x = sn.encode(seqs, cfg.alphabet)
    cut = n * 3 // 4
    model, hist = nets.train(cfg, x[:cut], y[:cut], x[cut:], y[cut:], "binary", 2, "cpu", seed)
    return model, hist


# --- encoding -------------------------------------------------------------------------------


def test_codes_follow_the_alphabet_with_padding_and_unknowns():
    x = sn.encode(["ACGT", "acgt", "ACNRG-x", "", None, "TU"], "dna")
    assert x.dtype == np.uint8 and x.shape == (6, 7)  # as wide as the longest sequence
    assert x[0].tolist() == [1, 2, 3, 4, 0, 0, 0]  # letters in order, padding at the end
    assert x[1].tolist() == x[0].tolist()  # lower case reads as upper case
    assert x[2].tolist() == [1, 2, 5, 5, 3, 5, 5]  # ambiguity codes, gaps, others: unknown
    assert x[3].tolist() == x[4].tolist() == [0] * 7  # empty and missing: all padding
    assert x[5].tolist()[:2] == [4, 4]  # U in DNA reads as T (documented)
    rna = sn.encode(["ACGU", "ACGT"], "rna")
    assert rna.tolist() == [[1, 2, 3, 4], [1, 2, 3, 4]]
    protein = sn.encode(["ACDEFGHIKLMNPQRSTVWY", "MX*BZé€"], "protein")
    assert protein[0].tolist() == list(range(1, 21))
    assert protein[1].tolist()[:7] == [11, 21, 21, 21, 21, 21, 21]  # X * B Z and non-ASCII
    assert sn.n_channels("protein") == 21 and sn.n_channels("dna") == 5


def test_encoding_cuts_to_max_len_and_handles_edge_cases():
    x = sn.encode(["ACGTACGT", "AC", "GGGGGG"], "dna", max_len=4)
    assert x.tolist() == [[1, 2, 3, 4], [1, 2, 0, 0], [3, 3, 3, 3]]  # first letters kept
    assert sn.encode([], "dna").shape == (0, 1)
    assert sn.encode(["", ""], "dna").shape == (2, 1)  # a model always gets one position
    assert sn.lengths_of(sn.encode(["ACG", "", "A"], "dna")).tolist() == [3, 0, 1]
    with pytest.raises(ValueError, match="unknown sequence alphabet"):
        sn.encode(["ACGT"], "dan")


def test_encoding_100k_sequences_of_500_is_fast():
    rng = np.random.default_rng(0)
    rows = rng.choice(np.frombuffer(b"ACGTN", np.uint8), (1000, 500))
    seqs = [r.tobytes().decode() for r in rows] * 100
    seqs[7] = seqs[7][:120]  # one shorter sequence: padding to place
    started = time.perf_counter()
    x = sn.encode(seqs, "dna")
    seconds = time.perf_counter() - started
    assert x.shape == (100_000, 500) and x[7, 120:].max() == 0
    assert seconds < 3.0, f"encoding took {seconds:.2f} s"  # about 0.2 s on a quiet CPU


def test_reverse_complement_keeps_padding_at_the_end():
    x = sn.encode(["AACGTN", "ACG", "T"], "dna")
    rc = sn.reverse_complement(x)
    assert rc.tolist() == [[5, 1, 2, 3, 4, 4], [2, 3, 4, 0, 0, 0], [1, 0, 0, 0, 0, 0]]
    assert np.array_equal(sn.reverse_complement(rc), x)  # twice: the original
    lengths = torch.as_tensor(sn.lengths_of(x))
    on_device = sn.reverse_complement_torch(torch.as_tensor(x), lengths)
    assert np.array_equal(on_device.numpy(), rc)
    rna = sn.encode(["ACGU"], "rna")
    assert sn.reverse_complement(rna).tolist() == sn.encode(["ACGU"], "rna").tolist()


# --- the ladder -----------------------------------------------------------------------------


def test_the_two_ladders_are_told_apart():
    assert list(nets.ladder_for("table")) == ["mlp_small", "mlp_deep", "resmlp"]
    assert list(nets.ladder_for("sequence")) == ["cnn_small", "cnn_dilated", "seq_attention"]
    assert list(nets.LADDER) == ["mlp_small", "mlp_deep", "resmlp"]  # the MLP ladder as it was
    assert set(nets.RUNGS) == set(nets.LADDER) | set(nets.SEQUENCE_LADDER) | set(nets.IMAGE_LADDER)
    for key, spec in nets.RUNGS.items():
        assert set(spec) == {"name", "modality", "fixed", "ranges"}
        ladders = {"sequence": nets.SEQUENCE_LADDER, "image": nets.IMAGE_LADDER}
        own = next((m for m, ladder in ladders.items() if key in ladder), "table")
        assert spec["modality"] == own
        assert nets.is_sequence(nets.NetConfig(**spec["fixed"])) == (spec["modality"] == "sequence")
    with pytest.raises(ValueError, match="no network ladder"):
        nets.ladder_for("video")


@pytest.mark.parametrize("rung", RUNGS)
def test_every_setting_in_a_sequence_rungs_ranges_builds(rung):
    """The middle of the ranges and their corners (what the search may pick) make a model."""
    spec = nets.SEQUENCE_LADDER[rung]
    x = torch.as_tensor(sn.encode(["ACGTAC", "GG"], "dna"))
    for pick in (0, -1):
        params = middle_of(spec["ranges"])
        for name, r in spec["ranges"].items():
            params[name] = r[1][pick] if r[0] == "cat" else r[1 if pick == 0 else 2]
        for settings in (middle_of(spec["ranges"]), params):
            cfg = nets.NetConfig(**{**spec["fixed"], **settings}, alphabet="dna")
            model = nets.build(cfg, 6, 3).eval()
            assert model(x).shape == (2, 3)


@pytest.mark.parametrize("rung", RUNGS)
def test_each_rung_learns_a_planted_motif(rung):
    model, hist = _train(_config(rung))
    seqs, y = _motif_set(200, 2)
    proba = nets.predict(model, sn.encode(seqs, "dna"), "binary", "cpu")
    from sklearn.metrics import roc_auc_score

    auroc = roc_auc_score(y, proba)
    assert auroc > 0.8, f"{rung}: AUROC {auroc:.3f} on held-out sequences"
    assert hist.val_loss[-1] < hist.val_loss[0]


@pytest.mark.parametrize("rung", RUNGS)
def test_padding_never_changes_a_prediction(rung):
    torch.manual_seed(0)
    model = nets.build(_config(rung), 0, 2).eval()
    seqs, _ = _motif_set(6, 3, lo=5, hi=30)
    x = sn.encode(seqs, "dna")
    padded = np.pad(x, ((0, 0), (0, 25)))  # 25 more positions of padding
    with torch.no_grad():
        a = model(torch.as_tensor(x))
        b = model(torch.as_tensor(padded))
        # A short sequence scored on its own or beside a long one (padded in that batch).
        alone = model(torch.as_tensor(sn.encode(seqs[:1], "dna")))
        beside = model(torch.as_tensor(sn.encode([seqs[0], "ACGT" * 40], "dna")))[:1]
        # An empty sequence gives a finite output.
        empty = model(torch.as_tensor(sn.encode([""], "dna")))
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(alone, beside, rtol=1e-5, atol=1e-6)
    assert torch.isfinite(empty).all()


def test_same_seed_same_predictions_and_augmentation_is_recorded():
    cfg = _config("cnn_small", max_epochs=3)
    seqs, _ = _motif_set(100, 4)
    x = sn.encode(seqs, "dna")
    first = nets.predict(_train(cfg, seed=5)[0], x, "binary", "cpu")
    again = nets.predict(_train(cfg, seed=5)[0], x, "binary", "cpu")
    assert np.array_equal(first, again)
    flipped_cfg = _config("cnn_small", max_epochs=3, reverse_complement=True)
    flipped = nets.predict(_train(flipped_cfg, seed=5)[0], x, "binary", "cpu")
    flipped_again = nets.predict(_train(flipped_cfg, seed=5)[0], x, "binary", "cpu")
    assert np.array_equal(flipped, flipped_again)  # the flips come from the seeded generator
    assert not np.array_equal(first, flipped)
    _, arch = nets.save_weights(_train(flipped_cfg)[0], flipped_cfg, 60, 2)
    assert json.loads(arch)["config"]["reverse_complement"] is True


@pytest.mark.parametrize("rung", RUNGS)
def test_weights_round_trip_gives_identical_predictions(rung):
    cfg = _config(rung, max_epochs=2)
    model, _ = _train(cfg, n=120)
    seqs, _ = _motif_set(50, 5)
    x = sn.encode(seqs, "dna")
    weights, arch = nets.save_weights(model, cfg, x.shape[1], 2)
    from safetensors.torch import load

    assert "onehot_table" not in load(weights)  # rebuilt from the alphabet, not stored
    recorded = json.loads(arch)["config"]
    assert recorded["kind"] == cfg.kind and recorded["alphabet"] == "dna"
    again, again_cfg = nets.load_weights(weights, arch)
    assert again_cfg == cfg
    before = nets.predict(model, x, "binary", "cpu")
    assert np.array_equal(before, nets.predict(again, x, "binary", "cpu"))


def test_variable_lengths_train_and_predict_on_longer_and_empty_sequences():
    cfg = _config("cnn_small", max_epochs=4)
    model, _ = _train(cfg, lo=10, hi=120)
    seqs, y = _motif_set(40, 6, lo=150, hi=300)  # longer than any training sequence
    proba = nets.predict(model, sn.encode([*seqs, ""], "dna"), "binary", "cpu")
    assert proba.shape == (41,) and np.isfinite(proba).all()
    assert proba[:40][y == 1].mean() > proba[:40][y == 0].mean()


def test_regression_and_protein_sequences():
    rng = np.random.default_rng(7)
    letters = list(sn.ALPHABETS["protein"])
    seqs = ["".join(rng.choice(letters, rng.integers(20, 40))) for _ in range(200)]
    y = np.array([s.count("W") + s.count("C") for s in seqs], dtype=float)
    x = sn.encode(seqs, "protein")
    cfg = _config("cnn_small", alphabet="protein", max_epochs=15, patience=15, lr=3e-3)
    model, _ = nets.train(cfg, x[:150], y[:150], x[150:], y[150:], "regression", 1, "cpu", 0)
    out = nets.predict(model, x[150:], "regression", "cpu")
    assert np.corrcoef(out, y[150:])[0, 1] > 0.5


def test_wrong_inputs_are_refused_in_plain_words():
    seqs, y = _motif_set(20, 8)
    x = sn.encode(seqs, "dna")
    cfg = _config("cnn_small", max_epochs=1)
    with pytest.raises(ValueError, match="integer codes"):
        nets.train(cfg, x.astype(np.float32), y, x, y, "binary", 2, "cpu", 0)
    with pytest.raises(ValueError, match="between 0 and 5"):
        nets.train(cfg, x + 10, y, x, y, "binary", 2, "cpu", 0)
    with pytest.raises(ValueError, match="for DNA and RNA"):
        px = sn.encode(seqs, "protein")
        nets.train(_config("cnn_small", alphabet="protein", reverse_complement=True), px, y, px,
                   y, "binary", 2, "cpu", 0)  # fmt: skip
    with pytest.raises(ValueError, match=r"NetConfig\.alphabet"):
        nets.train(_config("cnn_small", alphabet=""), x, y, x, y, "binary", 2, "cpu", 0)


def test_splice_junctions_three_classes_above_chance():
    """Real DNA (UCI splice junctions, 60 nt, EI / IE / N), a few epochs of the dilated CNN,
    which knows positions: the junction sits mid-window (the position-free small CNN stays near
    0.75)."""
    import pandas as pd
    from sklearn.metrics import balanced_accuracy_score

    table = pd.read_csv(shared("splice_uci", "splice.csv"), skipinitialspace=True)
    table.columns = [c.strip() for c in table.columns]
    classes = sorted(table["Class"].unique())
    y = table["Class"].map({c: i for i, c in enumerate(classes)}).to_numpy()
    x = sn.encode(table["Sequence"].str.strip(), "dna")
    order = np.random.default_rng(0).permutation(len(y))
    tr, va, te = order[:1500], order[1500:1900], order[1900:2500]
    cfg = _config("cnn_dilated", max_epochs=8, depth=3, batch_size=64)
    model, _ = nets.train(cfg, x[tr], y[tr], x[va], y[va], "multiclass", 3, "cpu", 0)
    proba = nets.predict(model, x[te], "multiclass", "cpu")
    assert proba.shape == (len(te), 3)
    assert balanced_accuracy_score(y[te], proba.argmax(1)) > 0.85  # chance: 0.33
