"""Exploring images (issue 18, Tips 1, 4 and 7): statistics by class and batch, shortcuts,
batch effects and duplicates, with planted traps and clean sets that must stay silent.

What a user relies on: a plate whose brightness carries the label is reported as an intensity
shortcut (and the same images with the label spread over the plates are not, though the
plate's brightness is still a possible batch effect); sizes that differ by class are a size
shortcut, one size is silent; a copy of one image in two classes is reported; a clean set raises
nothing; columns are found by the names given, whatever they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dlwizard.steps import explore_images as ei
from dlwizard.study.model import ExploreSection, ShortcutCheck


def _tiles(side: int = 32) -> np.ndarray:
    """Textured, non-overlapping tiles of scikit-image's bundled grey images (no download)."""
    from skimage import data

    from dlwizard.ml.image_features import image_stats

    out = []
    for image in (data.camera(), data.coins(), data.cell()):
        h, w = image.shape
        for r in range(0, h - side + 1, side):
            for c in range(0, w - side + 1, side):
                out.append(image[r : r + side, c : c + side])
    x = np.stack(out)[:, None].astype(np.float32) / 255.0
    return x[image_stats(x)["intensity_sd"] > 0.04]


def _set(n: int = 160, seed: int = 0, *, plate_label: bool = False, bright_plates: bool = False):
    """``n`` distinct tiles on four plates ('Plaque' A-D), label 'Phenotype' ('round' /
    'spread'). ``plate_label``: plates A and B hold only 'round'; ``bright_plates``: images of
    plates A and B are brighter."""
    rng = np.random.default_rng(seed)
    pool = _tiles()
    x = pool[rng.choice(len(pool), size=n, replace=False)].copy()
    plate = np.array(list("ABCD"))[np.arange(n) % 4]
    if plate_label:
        y = np.where(np.isin(plate, ["A", "B"]), "round", "spread")
    else:
        y = np.where(rng.permutation(np.arange(n) % 2 == 0), "round", "spread")
    if bright_plates:
        lift = np.isin(plate, ["A", "B"])
        x[lift] = np.clip(x[lift] * 0.6 + 0.4, 0, 1)
    index = pd.RangeIndex(n)
    table = pd.DataFrame(
        {"Specimen": [f"img{i:03d}" for i in range(n)], "Phenotype": y, "Plaque": plate},
        index=index,
    )
    return x, table


def _measure(x, table, widths=None, heights=None, sha=None) -> ei.ImageMeasures:
    return ei.measure("Micrograph", table.index, x, widths, heights, sha)


def _checks(m, table, seed=0) -> dict[str, ShortcutCheck]:
    y = table["Phenotype"]
    out = {}
    for s in ei.shortcut_scores(m, table, y, "binary", None, "spread", seed):
        out[s.source] = ShortcutCheck(
            source=s.source,
            columns=s.columns,
            metric=s.metric,
            score=s.score,
            chance=s.chance,
            folds=s.folds,
            above_chance=s.above_chance,
        )
    return out


def test_bright_plates_that_carry_the_label_are_an_intensity_shortcut():
    x, table = _set(plate_label=True, bright_plates=True)
    m = _measure(x, table)
    checks = _checks(m, table)
    assert "image_size" not in checks  # sizes unknown: silent
    sc = checks["image_intensity"]
    assert sc.above_chance and sc.score > 0.75 and sc.columns == ["Micrograph"]
    section = ExploreSection(
        image_column="Micrograph", image_stats=ei.group_stats(m, table["Phenotype"])
    )
    f = ei.shortcut_finding(sc, section, "Phenotype", "AUROC")
    assert f.code == "image-intensity-predicts-label" and f.columns == ["Micrograph"]
    assert "'Phenotype'" in f.message and "'Micrograph'" in f.message
    assert f"AUROC {sc.score:.2f}" in f.message and "'round'" in f.message
    assert "normalise" in f.fix and "compare every model" in f.fix
    batch = ei.batch_findings(m, table[["Plaque"]])
    assert [b.code for b in batch] == ["image-batch-intensity"]
    assert batch[0].columns == ["Plaque"] and "possible batch effect" in batch[0].message
    assert set(batch[0].detail["medians"]) == set("ABCD")


def test_the_same_bright_plates_with_the_label_spread_over_them_are_no_shortcut():
    x, table = _set(plate_label=False, bright_plates=True, seed=1)
    m = _measure(x, table)
    sc = _checks(m, table)["image_intensity"]
    assert not sc.above_chance and abs(sc.score - 0.5) < 0.12, sc
    # The plates still differ in brightness: a possible batch effect, said as such.
    assert [b.code for b in ei.batch_findings(m, table[["Plaque"]])] == ["image-batch-intensity"]


def test_sizes_that_differ_by_class_are_a_size_shortcut_and_one_size_is_silent():
    x, table = _set(seed=2)
    spread = (table["Phenotype"] == "spread").to_numpy()
    w = np.where(spread, 640, 512)
    h = np.where(spread, 480, 512)
    m = _measure(x, table, w, h)
    sc = _checks(m, table)["image_size"]
    assert sc.above_chance and sc.score > 0.95
    stats = ei.group_stats(m, table["Phenotype"])
    f = ei.shortcut_finding(sc, ExploreSection(image_stats=stats), "Phenotype", "AUROC")
    assert f.code == "image-size-predicts-label" and "'Micrograph'" in f.message
    assert "640x480" in f.message and "512x512" in f.message
    same = _measure(x, table, np.full(len(table), 512), np.full(len(table), 512))
    assert same.one_size and "image_size" not in _checks(same, table)


def test_statistics_by_class_and_by_plate():
    x, table = _set(plate_label=True, bright_plates=True, seed=3)
    m = _measure(x, table, np.full(len(table), 100), np.full(len(table), 80))
    stats = ei.group_stats(m, table["Phenotype"], table[["Plaque"]])
    every = stats[0]
    assert every.label is None and every.batch is None and every.n == len(table)
    classes = {s.label: s for s in stats if s.label is not None}
    assert set(classes) == {"round", "spread"} and classes["round"].n == 80
    assert classes["round"].intensity_mean > classes["spread"].intensity_mean + 0.15
    plates = [s for s in stats if s.batch_column == "Plaque"]
    assert [p.batch for p in plates] == list("ABCD") and all(p.n == 40 for p in plates)
    assert plates[0].width_median == 100 and plates[0].height_median == 80
    assert len(plates[0].channel_means) == 1 and plates[0].focus > 0
    fig = ei.stats_figure(ExploreSection(image_stats=stats))
    assert fig["labels"][:2] == ["round", "spread"] and fig["labels"][2] == "Plaque A"
    assert fig["kinds"] == ["class"] * 2 + ["batch"] * 4


def test_copies_across_classes_and_within_a_class_are_reported():
    x, table = _set(seed=4)
    rng = np.random.default_rng(0)
    y = table["Phenotype"].to_numpy()
    a = int(np.flatnonzero(y == "round")[0])
    b = int(np.flatnonzero(y == "spread")[0])
    c, d = (int(i) for i in np.flatnonzero(y == "round")[1:3])
    x[b] = np.clip(x[a] * 0.9 + 0.05 + rng.normal(0, 0.01, x[a].shape), 0, 1)  # re-exposed copy
    x[d] = x[c]  # the same file twice in one class
    sha = [f"h{i}" for i in range(len(table))]
    sha[d] = sha[c]
    m = _measure(x, table, sha=sha)
    record, findings = ei.duplicates(m, table["Phenotype"], table["Specimen"])
    assert record.exact == [[f"img{c:03d}", f"img{d:03d}"]]
    assert sorted([f"img{a:03d}", f"img{b:03d}"]) in record.near
    assert [f"img{c:03d}", f"img{d:03d}"] not in record.near  # one file: exact, not near
    codes = {f.code: f for f in findings}
    assert set(codes) == {
        "image-exact-duplicates",
        "image-near-duplicates",
        "image-duplicates-across-classes",
    }
    across = codes["image-duplicates-across-classes"]
    assert across.detail["groups"] == [sorted([a, b])] and across.detail["labels"] == [
        ["round", "spread"]
    ]
    assert f"img{a:03d}" in across.message and "'Micrograph'" in across.message


def test_a_clean_set_raises_nothing():
    x, table = _set(seed=5)
    m = _measure(x, table, np.full(len(table), 64), np.full(len(table), 64), None)
    checks = _checks(m, table)
    assert set(checks) == {"image_intensity"} and not checks["image_intensity"].above_chance
    record, findings = ei.duplicates(m, table["Phenotype"], table["Specimen"])
    assert findings == [] and record.exact == [] and record.near == []
    assert ei.batch_findings(m, table[["Plaque"]]) == []


def test_map_matrix_and_montage_choice():
    x, table = _set(n=40, seed=6)
    m = _measure(x, table)
    labelled = table.iloc[::2]
    mat = ei.map_matrix(m, labelled)
    assert mat.shape == (20, m.features.shape[1]) and np.isfinite(mat).all()
    assert ei.map_matrix(m, table.iloc[:3]) is None
    rows = ei.montage_choice(m, table["Phenotype"], table[["Plaque"]], per_group=4, seed=7)
    assert [t for t, _ in rows] == [
        "round",
        "spread",
        "Plaque A",
        "Plaque B",
        "Plaque C",
        "Plaque D",
    ]
    assert all(len(p) == 4 and p == sorted(p) for _, p in rows)
    y = table["Phenotype"].to_numpy()
    assert all(y[i] == "round" for i in rows[0][1])
    assert rows == ei.montage_choice(m, table["Phenotype"], table[["Plaque"]], 4, seed=7)
    assert rows != ei.montage_choice(m, table["Phenotype"], table[["Plaque"]], 4, seed=8)


@pytest.mark.parametrize("n", [0, 3])
def test_tiny_sets_do_not_break(n):
    x, table = _set(n=8, seed=7)
    x, table = x[:n], table.iloc[:n]
    m = _measure(x, table)
    assert len(m.hashes) == n
    assert ei.group_stats(m, table["Phenotype"])[0].n == n
    assert ei.duplicates(m, table["Phenotype"])[1] == []
    assert ei.batch_findings(m, table[["Plaque"]]) == []


def test_montage_keeps_brightness_relative():
    """One scale for the whole montage: a brighter plate's images stay brighter."""
    from dlwizard.render.figures.images import GAP, compose

    dim = np.full((3, 1, 8, 8), 0.2, np.float32)
    bright = np.full((2, 1, 8, 8), 0.6, np.float32)
    image = compose([dim, bright])
    assert image.shape == (2 * 8 + GAP, 3 * 8 + 2 * GAP, 3) and image.dtype == np.uint8
    assert image[0, 0, 0] < image[8 + GAP, 0, 0] == 255
    assert (image[8 + GAP :, 2 * (8 + GAP) :] == 255).all()  # a short row leaves white
    two = compose([np.stack([np.zeros((8, 8)), np.ones((8, 8))])[None]])
    assert tuple(two[0, 0]) == (0, 255, 0)  # two channels: magenta and green
