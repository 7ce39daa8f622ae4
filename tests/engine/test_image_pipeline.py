"""Images end to end (issue 18): a folder of class folders through every step of a plan, the
project saved and reopened, predictions on a new folder and on a sample sheet.

The images are tiny (24 x 24 gray PNGs) so the whole walk takes seconds; the class is a bright
blob at a random place (what a network must find), on noise; the plate carries no signal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")
from PIL import Image

from dlwizard.plan import load_plan, run_plan
from dlwizard.predict import predict_file
from dlwizard.study import container


def _image(rng, positive: bool, side: int = 24) -> np.ndarray:
    img = rng.normal(0.3, 0.08, (side, side))
    if positive:
        y, x = rng.integers(4, side - 8, 2)
        img[y : y + 5, x : x + 5] += 0.5
    return (np.clip(img, 0, 1) * 255).astype(np.uint8)


def _folder(root: Path, n: int = 24, seed: int = 0, copies: int = 0) -> Path:
    """``root``/spots/*.png and ``root``/plain/*.png; ``copies`` plain images saved twice."""
    rng = np.random.default_rng(seed)
    for cls in ("spots", "plain"):
        (root / cls).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(_image(rng, cls == "spots")).save(root / cls / f"{cls}_{i:02d}.png")
    for i in range(copies):  # the same picture re-saved under another name
        Image.open(root / "plain" / f"plain_{i:02d}.png").save(root / "plain" / f"copy_{i}.png")
    return root


def _plan(tmp_path: Path, folder: Path, extra: str = "") -> Path:
    sheet = tmp_path / "plates.csv"
    ids = sorted(p.stem for p in folder.rglob("*.png"))  # file names are unique across classes
    pd.DataFrame({"image_id": ids, "Platte": [f"P{i % 3}" for i in range(len(ids))]}).to_csv(
        sheet, index=False
    )
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f"""
[question]
target = "class"
[data]
path = "{folder.as_posix()}"
sample_sheet = {{ path = "{sheet.as_posix()}", key = "image_id" }}
image_size = 16
[metadata]
roles = {{ Platte = "batch" }}
[explore]
[split]
[baselines]
families = ["logistic"]
trials = 2
permutations = 0
bootstrap = 100
[networks]
rungs = ["image_cnn"]
trials = 1
max_epochs = 4
seeds = 1
bootstrap = 100
{extra}
""",
        "utf-8",
    )
    return plan


def test_a_folder_of_images_walks_through_every_step(tmp_path):
    folder = _folder(tmp_path / "cells", copies=3)
    plan = _plan(
        tmp_path,
        folder,
        '[compare]\nmodel = "network:image_cnn"\nreason = "the images are the point"\n'
        "[test]\nconfirm = true\n[interpret]\nrepeats = 2\n",
    )
    project = run_plan(load_plan(plan), base=tmp_path)
    s = project.study
    info = s.data.images[0]
    assert info.column == "image" and info.n == 51 and info.size == 16
    assert s.metadata.roles["image"] == "feature"
    # Explore: statistics per class and per plate, the copies found.
    labels = {g.label for g in s.explore.image_stats if g.label}
    assert labels == {"spots", "plain"}
    assert {g.batch for g in s.explore.image_stats if g.batch_column == "Platte"} == {
        "P0",
        "P1",
        "P2",
    }
    assert len(s.explore.image_duplicates.exact) == 3
    # Split: each copy stays beside its original.
    groups = s.split.image_groups
    assert groups is not None and groups.largest >= 2
    sets = {i: "train" for i in s.split.train} | {i: "tune" for i in s.split.tune}
    sets |= {i: "test" for i in s.split.test}
    table = project.table_before_split()
    for i in range(3):
        pair = table.index[table["image"].isin([f"plain/plain_{i:02d}.png", f"plain/copy_{i}.png"])]
        assert len({sets[int(r)] for r in pair}) == 1
    # Baselines read image features; the network read pixels and beats chance on tune.
    assert s.baselines.results[0].tune.metrics["auroc"].value > 0.7
    rung = s.networks.rungs[0]
    assert rung.key == "image_cnn" and rung.tune is not None
    assert s.compare.final.image == "image" and s.compare.final.kind == "network"
    assert s.test.looks
    # Interpretation: saliency over examples of both classes, the border measured.
    att = s.interpret.image
    assert att is not None and {e.label for e in att.examples} == {"spots", "plain"}
    assert all(len(e.saliency) == e.grid * e.grid for e in att.examples)
    assert att.border_attribution is not None
    codes = {f.code for f in project.findings()}
    assert {"image-summary", "image-groups", "saliency-is-not-mechanism"} <= codes
    # Saved and reopened: the records and the model come back; predictions on a new folder.
    path = container.save(project, tmp_path / "cells.dlwiz")
    again = container.load(path)
    assert again.study.data.images[0].sha256 == info.sha256
    new = _folder(tmp_path / "new", n=6, seed=5)
    out = tmp_path / "pred.csv"
    summary = predict_file(again, new, out)
    pred = pd.read_csv(out)
    assert summary.n_rows == 12 and len(pred) == 12
    assert {"image", "image_id", "probability: spots", "predicted"} <= set(pred.columns)
    right = (pred["predicted"] == pred["image"].str.split("/").str[0]).mean()
    assert right >= 0.6


def test_predict_names_unreadable_images_and_reads_a_sheet(tmp_path):
    folder = _folder(tmp_path / "cells", n=16)
    plan = _plan(tmp_path, folder, "[compare]\n")
    project = run_plan(load_plan(plan), base=tmp_path)
    assert project.study.compare.final is not None
    new = _folder(tmp_path / "new", n=3, seed=9)
    (new / "plain" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    sheet = tmp_path / "new.csv"
    files = sorted(p.relative_to(tmp_path).as_posix() for p in new.rglob("*.png"))
    pd.DataFrame({"Bild": files, "Probe": range(len(files))}).to_csv(sheet, index=False)
    out = tmp_path / "pred.csv"
    summary = predict_file(project, sheet, out)
    assert summary.n_rows == 6
    assert len(summary.unreadable_images) == 1 and "broken.png" in summary.unreadable_images[0]
    assert any("could not be read" in n for n in summary.notes())
    assert len(pd.read_csv(out)) == 6


def test_a_set_too_large_for_memory_is_read_from_a_mapped_file(tmp_path, monkeypatch):
    """Beyond the memory budget the pixels are decoded into a file the array maps; the numbers
    are the same as in memory, and asking again does not decode again."""
    from dlwizard.io import images as imgs
    from dlwizard.steps import images
    from dlwizard.steps.data_images import image_info

    folder = _folder(tmp_path / "cells", n=10)
    rels = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.png"))
    checks = imgs.check_many([folder / r for r in rels])
    info = image_info("image", folder, rels, checks, 0)
    in_memory = images.pixels_of(info, rels)
    monkeypatch.setattr(images, "IN_MEMORY_BYTES", 1000)
    monkeypatch.setattr(images, "DISK_BLOCK", 7)
    mapped = images.pixels_of(info, rels)
    assert isinstance(mapped, np.memmap)
    np.testing.assert_array_equal(np.asarray(mapped), in_memory)
    calls = []
    monkeypatch.setattr(imgs, "load_many", lambda *a, **k: calls.append(1))
    assert images.pixels_of(info, rels) is mapped and not calls


def test_a_sheet_of_image_paths_with_a_measured_value(tmp_path):
    """Regression from a sample sheet that is the data file: the column of paths is found by its
    values (renamed), the brightness of a spot is the target, every step runs."""
    rng = np.random.default_rng(3)
    (tmp_path / "raw").mkdir()
    rows = []
    for i in range(40):
        img = rng.normal(0.2, 0.05, (24, 24))
        level = float(rng.uniform(0.1, 0.7))
        img[8:16, 8:16] += level
        Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).save(
            tmp_path / "raw" / f"w{i:02d}.png"
        )
        rows.append({"Probe": f"S{i:02d}", "Bild": f"raw/w{i:02d}.png", "Signal": level})
    pd.DataFrame(rows).to_csv(tmp_path / "samples.csv", index=False)
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f"""
[question]
target = "Signal"
[data]
path = "{(tmp_path / "samples.csv").as_posix()}"
sample_id_column = "Probe"
image_size = 16
[metadata]
[explore]
[split]
[baselines]
families = ["linear"]
trials = 2
permutations = 0
bootstrap = 100
[networks]
rungs = ["image_cnn"]
trials = 1
max_epochs = 3
seeds = 1
bootstrap = 100
[compare]
model = "network:image_cnn"
reason = "the images are the point"
[test]
confirm = true
[interpret]
repeats = 2
saliency = "integrated_gradients"
""",
        "utf-8",
    )
    project = run_plan(load_plan(plan), base=tmp_path)
    s = project.study
    assert s.question.task == "regression"
    assert s.interpret.image.method == "integrated gradients"
    assert s.data.images[0].column == "Bild" and s.metadata.roles["Bild"] == "feature"
    assert s.baselines.results[0].tune.metrics["r2"].value > 0.5
    att = s.interpret.image
    assert att is not None and att.examples
    assert all(e.label and e.predicted for e in att.examples)
