"""Image networks (issue 18): the three image rungs trained by the one training loop on tiny
images with a planted signal, augmentation on the device (seeded, recorded), determinism,
safetensors round trips, pretrained weights from a local file, memmapped inputs, regression and
the out-of-memory path."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dlwizard.ml import image_nets as im  # noqa: E402
from dlwizard.ml import nets  # noqa: E402
from dlwizard.ml.models import middle_of  # noqa: E402

RUNGS = list(nets.IMAGE_LADDER)
# Small settings per rung, so each learns the planted square in a few CPU seconds.
SMALL = {
    "image_cnn": {"depth": 2, "width": 16, "lr": 3e-3},
    "resnet_small": {"depth": 1, "width": 16, "lr": 3e-3},
    "resnet_deep": {"depth": 2, "width": 16, "lr": 3e-3},
}


@pytest.fixture(autouse=True)
def _one_thread():
    """Tiny models: one thread avoids OpenMP threads fighting over a busy CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _squares(n: int, seed: int, channels: int = 1, side: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Noise; every second image carries a bright 4x4 square at a random place (in the first
    channel only: the others are noise, as an unrelated stain would be)."""
    rng = np.random.default_rng(seed)
    x = (rng.random((n, channels, side, side)) * 0.5).astype(np.float32)
    y = np.arange(n) % 2
    for i in np.flatnonzero(y):
        r, c = rng.integers(0, side - 4, 2)
        x[i, 0, r : r + 4, c : c + 4] += 0.5
    return x.astype(np.float16), y


def _config(rung: str, **over) -> nets.NetConfig:
    spec = nets.IMAGE_LADDER[rung]
    settings = {"dropout": 0.0, "batch_size": 32, "max_epochs": 5, "patience": 5, "augment": False}
    return nets.NetConfig(**{**spec["fixed"], **SMALL[rung], **settings, **over})


def _train(cfg: nets.NetConfig, seed: int = 0, n: int = 240, channels: int = 1, x=None, y=None):
    if x is None:
        x, y = _squares(n, 1, channels)
    cut = len(x) * 3 // 4
    return nets.train(cfg, x[:cut], y[:cut], x[cut:], y[cut:], "binary", 2, "cpu", seed)


# --- the ladder -----------------------------------------------------------------------------


def test_the_image_ladder_is_its_own():
    assert list(nets.ladder_for("image")) == ["image_cnn", "resnet_small", "resnet_deep"]
    assert set(nets.RUNGS) == set(nets.LADDER) | set(nets.SEQUENCE_LADDER) | set(RUNGS)
    assert len(nets.RUNGS) == len(nets.LADDER) + len(nets.SEQUENCE_LADDER) + len(RUNGS)
    for spec in nets.IMAGE_LADDER.values():
        assert set(spec) == {"name", "modality", "fixed", "ranges"}
        assert spec["modality"] == "image"
        cfg = nets.NetConfig(**spec["fixed"])
        assert nets.is_image(cfg) and not nets.is_sequence(cfg)
    assert not nets.is_image(nets.NetConfig())  # the table MLP


@pytest.mark.parametrize("rung", RUNGS)
def test_every_setting_in_an_image_rungs_ranges_builds_for_any_side_and_channels(rung):
    """The middle of the ranges and their corners, on 16 to 512 pixels and 1 to 5 channels."""
    spec = nets.IMAGE_LADDER[rung]
    corners = []
    for pick in (0, -1):
        params = middle_of(spec["ranges"])
        for name, r in spec["ranges"].items():
            params[name] = r[1][pick] if r[0] == "cat" else r[1 if pick == 0 else 2]
        corners.append(params)
    for settings, channels, side in [
        (middle_of(spec["ranges"]), 3, 16),
        (corners[0], 1, 17),
        (corners[1], 5, 100),
        (corners[0], 2, 512),
    ]:
        cfg = nets.NetConfig(**{**spec["fixed"], **settings})
        model = nets.build(cfg, channels, 3, side=side).eval()
        with torch.no_grad():
            out = model(torch.rand(2, channels, side, side))
        assert out.shape == (2, 3) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="side"):
        nets.build(nets.NetConfig(**spec["fixed"]), 3, 2)


# --- learning -------------------------------------------------------------------------------


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("channels", [1, 3])
def test_each_rung_learns_a_planted_square(rung, channels):
    model, hist = _train(_config(rung, augment=True), channels=channels)
    x, y = _squares(200, 2, channels)
    proba = nets.predict(model, x, "binary", "cpu")
    from sklearn.metrics import roc_auc_score

    auroc = roc_auc_score(y, proba)
    assert auroc > 0.85, f"{rung}, {channels} channels: AUROC {auroc:.3f} on held-out images"
    assert min(hist.val_loss) < hist.val_loss[0]


def test_regression_learns_the_brightness_of_a_patch():
    rng = np.random.default_rng(3)
    x = (rng.random((300, 1, 16, 16)) * 0.3).astype(np.float32)
    y = rng.random(300)
    x[:, 0, 4:10, 4:10] += 0.6 * y[:, None, None]
    x = x.astype(np.float16)
    cfg = _config("image_cnn", max_epochs=12, patience=12, augment=False)
    model, _ = nets.train(cfg, x[:200], y[:200], x[200:250], y[200:250], "regression", 1, "cpu", 0)
    out = nets.predict(model, x[250:], "regression", "cpu")
    assert out.shape == (50,)
    assert np.corrcoef(out, y[250:])[0, 1] > 0.7


# --- augmentation ---------------------------------------------------------------------------


def _params(n: int, **set_) -> dict:
    p = {
        "flips": torch.zeros(n, 3, dtype=torch.bool),
        "shift": torch.zeros(n, 2, dtype=torch.long),
        "scale": torch.ones(n),
        "offset": torch.zeros(n),
    }
    return {**p, **set_}


def test_augmentation_is_the_symmetries_of_the_square_shifts_and_jitter():
    x = torch.rand(1, 2, 16, 16)
    assert torch.equal(im.augment(x, _params(1)), x)  # nothing drawn: the image as it was
    flips = torch.tensor([[True, False, False]])
    assert torch.equal(im.augment(x, _params(1, flips=flips)), x.transpose(2, 3))
    flips = torch.tensor([[False, True, True]])
    assert torch.equal(im.augment(x, _params(1, flips=flips)), x.flip(2).flip(3))
    # A turn by 90 degrees is a transposition and a flip.
    flips = torch.tensor([[True, False, True]])
    assert torch.equal(im.augment(x, _params(1, flips=flips)), torch.rot90(x, 1, (2, 3)))
    flips = torch.tensor([[True, True, False]])
    assert torch.equal(im.augment(x, _params(1, flips=flips)), torch.rot90(x, -1, (2, 3)))
    # A shift is a crop of the reflection-padded image.
    shift = torch.tensor([[-2, 1]])
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2), mode="reflect")
    crop = padded[:, :, 0:16, 3:19]
    assert torch.equal(im.augment(x, _params(1, shift=shift)), crop)
    jittered = im.augment(x, _params(1, scale=torch.tensor([1.1]), offset=torch.tensor([-0.05])))
    torch.testing.assert_close(jittered, x * 1.1 - 0.05)
    # Each image of a batch gets its own draw, all of the 8 symmetries in time.
    gen = torch.Generator().manual_seed(0)
    drawn = im.draw_augmentation(400, 16, gen)
    codes = (drawn["flips"].long() * torch.tensor([4, 2, 1])).sum(1)
    assert set(codes.tolist()) == set(range(8))
    assert drawn["shift"].abs().max() == 2  # an eighth of the side
    again = im.draw_augmentation(400, 16, torch.Generator().manual_seed(0))
    assert all(torch.equal(drawn[k], again[k]) for k in drawn)


def test_same_seed_same_weights_and_augmentation_is_recorded():
    cfg = _config("resnet_small", max_epochs=3)
    x, _ = _squares(60, 4)
    first, _ = _train(cfg, seed=5)
    again, _ = _train(cfg, seed=5)
    for (k, a), b in zip(first.state_dict().items(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b), k
    assert np.array_equal(nets.predict(first, x, "binary", "cpu"),
                          nets.predict(again, x, "binary", "cpu"))  # fmt: skip
    aug_cfg = _config("resnet_small", max_epochs=3, augment=True)
    augmented = nets.predict(_train(aug_cfg, seed=5)[0], x, "binary", "cpu")
    augmented_again = nets.predict(_train(aug_cfg, seed=5)[0], x, "binary", "cpu")
    assert np.array_equal(augmented, augmented_again)  # drawn from the seeded generator
    assert not np.array_equal(augmented, nets.predict(first, x, "binary", "cpu"))
    _, arch = nets.save_weights(_train(aug_cfg)[0], aug_cfg, 1, 2)
    assert json.loads(arch)["config"]["augment"] is True
    _, arch = nets.save_weights(first, cfg, 1, 2)
    assert json.loads(arch)["config"]["augment"] is False


# --- saving, loading, pretrained weights ----------------------------------------------------


@pytest.mark.parametrize("rung", RUNGS)
def test_weights_round_trip_gives_identical_predictions(rung):
    cfg = _config(rung, max_epochs=1)
    model, _ = _train(cfg, n=80, channels=3)
    x, _ = _squares(30, 5, 3)
    weights, arch = nets.save_weights(model, cfg, 3, 2)
    recorded = json.loads(arch)
    assert recorded["image"] == {"channels": 3, "side": 16}
    assert recorded["config"]["kind"] == cfg.kind
    again, again_cfg = nets.load_weights(weights, arch)
    assert again_cfg == cfg
    # The training images' channel statistics travel with the weights.
    assert torch.equal(again.input_mean, model.input_mean) and model.input_mean.abs().sum() > 0
    assert np.array_equal(nets.predict(model, x, "binary", "cpu"),
                          nets.predict(again, x, "binary", "cpu"))  # fmt: skip


def _weights_file(tmp_path, name: str, width: int = 16, channels: int = 3, n_out: int = 5):
    """A ResNet's weights saved as a file, as a user's pretrained file would be."""
    from safetensors.torch import save_file

    torch.manual_seed(11)
    source = nets.build(_config("resnet_deep", width=width), channels, n_out, side=32)
    path = tmp_path / name
    save_file({k: v.contiguous() for k, v in source.state_dict().items()}, str(path))
    return path, source


def test_pretrained_weights_load_all_but_the_final_layer(tmp_path):
    path, source = _weights_file(tmp_path, "resnet.safetensors")
    assert im.pretrained_settings(path) == {"width": 16, "depth": 2}
    cfg = _config("resnet_deep", pretrained=str(path), max_epochs=1, lr=1e-12)
    x, y = _squares(40, 6, 3)
    model, _ = _train(cfg, x=x, y=y)  # two classes, where the file's network had five
    expected = hashlib.sha256(path.read_bytes()).hexdigest()
    assert model.pretrained_sha256 == expected
    trained = model.state_dict()
    assert torch.allclose(trained["conv1.weight"], source.state_dict()["conv1.weight"], atol=1e-6)
    assert trained["fc.weight"].shape == (2, 128)  # the final layer is the model's own
    _, arch = nets.save_weights(model, cfg, 3, 2)
    assert json.loads(arch)["pretrained_sha256"] == expected


def test_mismatching_pretrained_weights_are_refused_with_the_keys_named(tmp_path):
    wide, _ = _weights_file(tmp_path, "wide.safetensors", width=32)
    cfg = _config("resnet_deep", pretrained=str(wide), max_epochs=1)
    with pytest.raises(
        ValueError, match=r"wide\.safetensors.*conv1\.weight \(file \(32, 3, 7, 7\)"
    ):
        _train(cfg, channels=3, n=40)
    gray, _ = _weights_file(tmp_path, "gray.safetensors", channels=1)
    with pytest.raises(ValueError, match=r"conv1\.weight \(file \(16, 1, 7, 7\), model \(16, 3"):
        _train(_config("resnet_deep", pretrained=str(gray), max_epochs=1), channels=3, n=40)
    pickle = tmp_path / "resnet.pth"
    pickle.write_bytes(b"\x80\x04not a safetensors file")
    with pytest.raises(ValueError, match="never pickled"):
        _train(_config("resnet_deep", pretrained=str(pickle), max_epochs=1), channels=3, n=40)
    with pytest.raises(ValueError, match="does not exist"):
        _train(_config("resnet_deep", pretrained=str(tmp_path / "gone.safetensors"),
                       max_epochs=1), channels=3, n=40)  # fmt: skip


# --- inputs ---------------------------------------------------------------------------------


def test_a_memmap_trains_and_predicts_like_the_array(tmp_path):
    x, y = _squares(120, 7, 2)
    path = tmp_path / "pixels.f16"
    mm = np.memmap(path, dtype=np.float16, mode="w+", shape=x.shape)
    mm[:] = x
    mm.flush()
    read_only = np.memmap(path, dtype=np.float16, mode="r", shape=x.shape)
    cfg = _config("image_cnn", max_epochs=2, augment=True)
    from_array = nets.predict(_train(cfg, x=x, y=y)[0], x, "binary", "cpu")
    model, _ = _train(cfg, x=read_only, y=y)
    assert np.array_equal(nets.predict(model, read_only, "binary", "cpu"), from_array)


def test_prediction_goes_a_chunk_at_a_time():
    model = nets.build(_config("image_cnn"), 1, 3, side=16).eval()
    x = np.random.default_rng(0).random((70, 1, 16, 16)).astype(np.float16)
    with torch.no_grad():
        whole = model(torch.as_tensor(x).float())
        chunked = im.forward_in_chunks(model, x, "cpu", rows=16)
    torch.testing.assert_close(whole, chunked, rtol=1e-5, atol=1e-5)
    assert nets.predict(model, x, "multiclass", "cpu").shape == (70, 3)
    assert nets.predict(model, x[:0], "multiclass", "cpu").shape == (0, 3)


def test_wrong_inputs_are_refused_in_plain_words():
    x, y = _squares(40, 8)
    cfg = _config("image_cnn", max_epochs=1)
    with pytest.raises(ValueError, match="float images of shape"):
        nets.train(cfg, x[:, 0], y, x[:, 0], y, "binary", 2, "cpu", 0)
    with pytest.raises(ValueError, match="16 to 512 pixels square"):
        small = x[:, :, :8, :8]
        nets.train(cfg, small, y, small, y, "binary", 2, "cpu", 0)
    with pytest.raises(ValueError, match="validation images"):
        nets.train(cfg, x, y, np.repeat(x, 3, axis=1), y, "binary", 2, "cpu", 0)
    model, _ = _train(cfg, x=x, y=y)
    with pytest.raises(ValueError, match="trained on images of 1 channels, 16 x 16"):
        nets.predict(model, np.zeros((2, 1, 32, 32), np.float16), "binary", "cpu")


def test_out_of_memory_halves_the_batch_for_images(monkeypatch):
    """A batch too large for the GPU (simulated) is halved until it fits, and noted."""
    real = nets._ImageData.batch

    def tight(self, idx, start, size):
        if size > 8:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(self, idx, start, size)

    monkeypatch.setattr(nets._ImageData, "batch", tight)
    x, y = _squares(40, 9)
    notes: list[str] = []
    _, _, cfg = nets.train_fitting_memory(
        _config("image_cnn", max_epochs=1, batch_size=32),
        x[:30], y[:30], x[30:], y[30:], "binary", 2, "cpu", 0, notes=notes,
    )  # fmt: skip
    assert cfg.batch_size == 8 and len(notes) == 2
