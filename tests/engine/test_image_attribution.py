"""Where a model looks in an image (issue 18, item 6): occlusion and integrated gradients find a
mark planted in a corner (and the border check speaks), stay in the centre for a centred object
(and the border check stays silent), pick right and wrong examples per class, repeat exactly, and
work for regression. A tiny CNN is trained in the test (seconds)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from dlwizard.ml import image_attribution as ia  # noqa: E402

SIZE = 32


BUDGET = 2.5e10  # multiply-adds (at least MIN_MACS an image): about a dozen images by occlusion


class TinyCNN(torch.nn.Module):
    """Two convolutions and a global max and mean: enough to find a mark anywhere."""

    def __init__(self, channels: int = 1, n_out: int = 2) -> None:
        super().__init__()
        self.body = torch.nn.Sequential(
            torch.nn.Conv2d(channels, 8, 3, padding=1),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 8, 3, padding=1),
            torch.nn.ReLU(),
        )
        self.head = torch.nn.Linear(16, n_out)

    def forward(self, x):
        h = self.body(x)
        return self.head(torch.cat([h.amax(dim=(2, 3)), h.mean(dim=(2, 3))], dim=1))


def _noise(rng, n: int, channels: int = 1) -> np.ndarray:
    return (0.4 + 0.1 * rng.standard_normal((n, channels, SIZE, SIZE))).astype(np.float32)


def corner_set(n: int, seed: int, flip: float = 0.0):
    """Class 1 carries a bright 5 x 5 square in the top-left corner; class 0 none. ``flip``:
    the share of labels swapped (so some images are classified wrongly)."""
    rng = np.random.default_rng(seed)
    x = _noise(rng, n)
    y = np.arange(n) % 2
    x[y == 1, :, 1:6, 1:6] = 1.0
    if flip:
        swap = rng.random(n) < flip
        y = np.where(swap, 1 - y, y)
    return x, y


def _blob(amplitude: np.ndarray) -> np.ndarray:
    r = np.arange(SIZE) - (SIZE - 1) / 2
    g = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * 3.0**2))
    return amplitude[:, None, None, None] * g[None, None]


def blob_set(n: int, seed: int):
    """Class 1 has a bright blob in the centre, class 0 a faint one; a few labels swapped."""
    rng = np.random.default_rng(seed)
    x = _noise(rng, n)
    y = np.arange(n) % 2
    x += _blob(np.where(y == 1, 0.5, 0.1)).astype(np.float32)
    swap = rng.random(n) < 0.08
    return x.clip(0, 1).astype(np.float32), np.where(swap, 1 - y, y)


def train(x, y, task: str = "classification", seed: int = 0, epochs: int = 15):
    torch.manual_seed(seed)
    model = TinyCNN(x.shape[1], 1 if task == "regression" else 2)
    opt = torch.optim.Adam(model.parameters(), lr=0.02)
    xt = torch.as_tensor(x)
    if task == "regression":
        mean, sd = float(y.mean()), float(y.std())
        model._target_scale = (mean, sd)
        yt = torch.as_tensor((y - mean) / sd, dtype=torch.float32)
    else:
        yt = torch.as_tensor(y, dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(x), generator=gen).split(32):
            out = model(xt[idx])
            if task == "regression":
                loss = torch.nn.functional.mse_loss(out.view(-1), yt[idx])
            else:
                loss = torch.nn.functional.cross_entropy(out, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval()


@pytest.fixture(scope="module")
def corner_model():
    x, y = corner_set(96, seed=1)
    return train(x, y)


@pytest.fixture(scope="module")
def blob_model():
    x, y = blob_set(96, seed=2)
    return train(x, y)


def _peak(grid: np.ndarray) -> tuple[float, float]:
    """The grid's largest cell, as (row, column) shares of the side (0 = top / left)."""
    g = grid.shape[0]
    r, c = np.unravel_index(int(np.argmax(grid)), grid.shape)
    return (r + 0.5) / g, (c + 0.5) / g


@pytest.mark.parametrize("method", ["occlusion", "integrated_gradients"])
def test_a_mark_in_the_corner_is_found_and_called_a_shortcut(corner_model, method):
    x, y = corner_set(60, seed=11, flip=0.1)
    res = ia.explain(x, y, "binary", model=corner_model, method=method, seed=3, max_macs=BUDGET)
    assert res.check is not None and res.check.verdict, res.check
    assert "corner" in res.check.verdict or "edges" in res.check.verdict
    assert res.check.corner_attribution > ia.CORNER_RATIO * res.check.corner_area
    # Each correctly classified image of the marked class peaks on the mark (top left).
    marked = [j for j, i in enumerate(res.indices) if y[i] == 1 and res.correct[j]]
    assert marked and not res.faint[marked].any()
    # An unmarked image's answer hardly moves anywhere (no mark to hide): its map is faint.
    assert res.faint[[j for j, i in enumerate(res.indices) if y[i] == 0 and res.correct[j]]].all()
    for j in marked:
        row, col = _peak(res.grids[j])
        assert row < 0.3 and col < 0.3, (method, row, col)
    assert res.grids.shape == (len(res.indices), ia.GRID, ia.GRID)
    assert res.grids.max() == pytest.approx(1.0) and res.grids.min() >= 0.0
    assert any(n.startswith("A highlighted region is where the model looked") for n in res.notes)
    assert res.n_evaluated > 0 and res.seconds < 30


@pytest.mark.parametrize("method", ["occlusion", "integrated_gradients"])
def test_a_centred_object_keeps_the_border_check_silent(blob_model, method):
    x, y = blob_set(60, seed=12)
    res = ia.explain(x, y, "binary", model=blob_model, method=method, seed=3, max_macs=BUDGET)
    assert res.check is not None and res.check.verdict is None, res.check
    assert res.check.attribution < res.check.area
    right = [j for j, i in enumerate(res.indices) if y[i] == 1 and res.correct[j]]
    assert right
    for j in right:
        row, col = _peak(res.grids[j])
        assert 0.25 < row < 0.75 and 0.25 < col < 0.75, (method, row, col)


def test_examples_per_class_right_and_wrong(corner_model):
    x, y = corner_set(60, seed=11, flip=0.1)
    out = ia.torch_output(corner_model, "binary")(x)
    predicted = (out >= 0.5).astype(int)
    res = ia.explain(x, y, "binary", output=ia.torch_output(corner_model, "binary"), seed=3,
                     max_evals=2000)  # fmt: skip
    ex = res.examples
    assert {int(y[i]) for i in ex} == {0, 1}
    for cls in (0, 1):
        mine = [i for i in ex if y[i] == cls]
        right = [i for i in mine if predicted[i] == cls]
        wrong = [i for i in mine if predicted[i] != cls]
        assert len(right) == 1
        has_wrong = bool(((y == cls) & (predicted != cls)).any())
        assert len(wrong) == (1 if has_wrong else 0)
        assert mine == right + wrong  # right first
    assert any(predicted[i] != y[i] for i in ex), "the swapped labels give wrong examples"
    # Examples come first among the rows attributed, then others for the border check.
    assert res.indices[: len(ex)] == ex and len(res.indices) > len(ex)


def test_choice_without_wrong_images_and_with_many_classes():
    groups = np.repeat(np.arange(10), 5)
    correct = np.ones(50, dtype=bool)
    correct[[3, 8]] = False
    confidence = np.linspace(0, 1, 50)
    examples, chosen = ia.choose(groups, correct, confidence, max_examples=12, limit=20)
    # Every class's right one first; only two wrong ones fit and exist.
    assert sorted({int(groups[i]) for i in examples}) == list(range(10))
    assert len(examples) == 12 and set(examples) >= {3, 8}
    assert chosen[:12] == examples and len(chosen) == 20 == len(set(chosen))
    assert ia.choose(groups, correct, confidence, max_examples=12, limit=20) == (examples, chosen)
    # A tight bound: still the first example of every class, nothing more.
    few, rows = ia.choose(groups, correct, confidence, max_examples=12, limit=3)
    assert sorted(int(groups[i]) for i in few) == list(range(10)) and rows == few


def test_the_same_seed_gives_the_same_maps():
    x, y = corner_set(64, seed=1)
    xe, ye = corner_set(40, seed=11, flip=0.1)
    a = ia.explain(xe, ye, "binary", model=train(x, y, seed=5, epochs=4), seed=3, max_macs=BUDGET)
    b = ia.explain(xe, ye, "binary", model=train(x, y, seed=5, epochs=4), seed=3, max_macs=BUDGET)
    assert a.indices == b.indices and a.examples == b.examples
    np.testing.assert_array_equal(a.maps, b.maps)
    np.testing.assert_array_equal(a.grids, b.grids)


def test_regression_follows_the_predicted_value():
    rng = np.random.default_rng(4)
    amp = rng.uniform(0.0, 0.6, 120)
    x = (_noise(rng, 120) + _blob(amp)).clip(0, 1).astype(np.float32)
    y = 10.0 + 5.0 * amp  # a value in its own units: the model's output is un-scaled
    model = train(x, y, "regression", epochs=20)
    predicted = ia.torch_output(model, "regression")(x)
    assert np.corrcoef(predicted, y)[0, 1] > 0.8 and abs(predicted.mean() - y.mean()) < 1.0
    for method in ("occlusion", "integrated_gradients"):
        res = ia.explain(x[:40], y[:40], "regression", model=model, method=method,
                         max_macs=BUDGET)  # fmt: skip
        assert res.check is not None and res.check.verdict is None
        assert len(res.examples) == 3  # two predicted well, one badly
        np.testing.assert_allclose(res.scores, predicted[res.indices], rtol=1e-4, atol=1e-4)
        right = [j for j, i in enumerate(res.indices) if i in res.examples and res.correct[j]]
        assert len(right) == 2
        for j in right:
            row, col = _peak(res.grids[j])
            assert 0.25 < row < 0.75 and 0.25 < col < 0.75, (method, row, col)


def test_border_share_counts_the_band_against_its_area():
    maps = np.zeros((2, 20, 20))
    maps[0, 0, 0] = 3.0  # all in the band
    maps[1, 10, 10] = -1.0  # all inside (a magnitude counts, whatever its sign)
    share, area = ia.border_share(maps, 0.1)
    assert area == pytest.approx(1 - (16 / 20) ** 2)
    assert share == pytest.approx(0.75)  # pooled: the stronger response weighs more
    flat = np.ones((1, 20, 20))
    assert ia.border_share(flat)[0] == pytest.approx(ia.border_share(flat)[1])
    assert ia.border_check(flat).verdict is None
    edge = np.zeros((1, 20, 20))
    edge[0, -2:, :] = 1.0  # a scale bar along the bottom edge
    assert "edges" in ia.border_check(edge).verdict
    assert ia.saliency_grid(np.zeros((1, 8, 8)), 4).max() == 0.0


def test_the_cost_is_bounded_and_counted(corner_model):
    rng = np.random.default_rng(0)
    x = np.repeat(np.repeat(_noise(rng, 100), 2, axis=2), 2, axis=3)  # 64 x 64
    y = np.arange(100) % 2
    macs = ia.model_cost(corner_model, 1, 64)
    assert macs == 9 * 8 * 64 * 64 + 9 * 8 * 8 * 32 * 32 + 16 * 2
    bound = 50 * 65 * ia.MIN_MACS  # the tiny CNN counts as MIN_MACS an image
    res = ia.explain(x.astype(np.float16), y, "binary", model=corner_model, max_macs=bound)
    assert len(res.indices) == 50 and res.n_evaluated == 50 * 65
    assert res.macs == 50 * 65 * macs and res.maps.shape == (50, 64, 64)
    assert any("50 of 100 evaluation images" in n for n in res.notes)


def test_the_figure_lays_the_grid_over_the_image(qapp):
    """Gray and RGB images are shown as the model read them, the heat sits where the grid is,
    and the montage draws every example with its label (Qt offscreen)."""
    import pyqtgraph as pg

    from dlwizard.render.figures import saliency

    gray = np.full((1, 20, 20), 0.3, dtype=np.float32)
    grid = np.zeros((4, 4))
    grid[0, 3] = 1.0  # top right
    pixels = saliency.overlay(gray, grid.ravel())
    assert pixels.shape[0] >= saliency.DISPLAY and pixels.dtype == np.uint8
    side = pixels.shape[0]
    top_right = pixels[: side // 8, -side // 8 :].astype(int)
    bottom_left = pixels[-side // 8 :, : side // 8].astype(int)
    assert (top_right[..., 0] - top_right[..., 2]).mean() > 100  # heat: red/yellow, no blue
    assert np.ptp(bottom_left, axis=-1).max() == 0  # gray left clear
    faint = saliency.overlay(gray, grid.ravel(), faint=True).astype(int)
    assert (faint[: side // 8, -side // 8 :, 2] > top_right[..., 2]).all()
    rgb = saliency.to_rgb(np.random.default_rng(0).random((5, 8, 8)))
    assert rgb.shape == (8, 8, 3) and rgb.min() >= 0.0 and rgb.max() <= 1.0
    up = saliency.upsample([0.0, 1.0, 0.0, 0.0], (8, 8))
    assert up.shape == (8, 8) and up[0, -1] == 1.0 and up[-1, 0] == 0.0
    assert saliency.tile_label("tumour", "normal", 0.2, False) == (
        "tumour → normal\nP(tumour) = 0.20, wrong"
    )
    assert "predicted badly" in saliency.tile_label("3.1", "5.0", 5.0, False, regression=True)
    assert "where the model looked, not why the biology differs" in saliency.caption("occlusion")
    widget = pg.PlotWidget()
    saliency.montage(
        widget.getPlotItem(),
        [gray, np.random.default_rng(1).random((3, 16, 16))],
        [grid.ravel(), grid.ravel()],
        ["a\nP(a) = 0.90, right", "b → a\nP(b) = 0.10, wrong"],
        [True, False],
    )
    items = widget.getPlotItem().items
    assert sum(isinstance(i, pg.ImageItem) for i in items) == 2
    assert [i.toPlainText() for i in items if isinstance(i, pg.TextItem)][1].startswith("b → a")
    assert saliency.aspect(2) == pytest.approx(1.5 / 2.08)
    widget.close()
