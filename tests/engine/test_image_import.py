"""Importing images (issue 18): a folder with one sub-folder per class, or a sample sheet with a
column of image paths.

What a user relies on: PNG (8-bit gray, RGB), JPEG and TIFF (16-bit, three channels first or
last) become a table of one row per image with each file's SHA-256; the sheet's column of paths
is found from its values whatever it is called; a damaged file is named and stops the import
unless the user agreed to leave it out; different sizes, channels and bit depths, copies of one
file and thin classes are reported, and a clean folder gets none of these; the image column is
a feature, never an ID; a saved project keeps the record, and a moved folder is re-linked only
when every file is there unchanged.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from dlwizard.errors import DataError
from dlwizard.io import images as imgs
from dlwizard.steps import data, metadata, question
from dlwizard.steps import images as steps_images
from dlwizard.study.model import ImportOptions
from dlwizard.study.project import Project

WARN_CODES = {
    "image-unreadable",
    "image-sizes-differ",
    "image-channels-differ",
    "image-depths-differ",
    "image-identical-files",
    "image-few-per-class",
    "image-skipped-files",
}


def _png(path: Path, arr: np.ndarray) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)
    return path


def _tif(path: Path, arr: np.ndarray, **kw) -> Path:
    import tifffile

    path.parent.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(path, arr, **kw)
    return path


def _gray(rng, side=24, level=120) -> np.ndarray:
    return np.clip(rng.normal(level, 30, (side, side)), 0, 255).astype(np.uint8)


def clean_folder(root: Path, per_class: int = 10, seed: int = 0) -> Path:
    """Two classes of 24 x 24 8-bit gray PNGs, every file different."""
    rng = np.random.default_rng(seed)
    for cls, level in (("control", 100), ("treated", 140)):
        for i in range(per_class):
            _png(root / cls / f"cell_{i:02d}.png", _gray(rng, 24, level))
    return root


def imported(path: Path, **kw) -> Project:
    p = Project.new("images")
    data.run(p, ImportOptions(paths=[str(path)], **kw))
    return p


def codes(p: Project) -> dict:
    out: dict = {}
    for f in p.findings("data"):
        out.setdefault(f.code, []).append(f)
    return out


def _opts(**kw) -> ImportOptions:
    """Options with the user's consent to leave unreadable files out, whether or not the
    Study has the field yet (the import reads it with getattr)."""
    opts = ImportOptions(**kw)
    if "skip_unreadable" in ImportOptions.model_fields:
        return opts.model_copy(update={"skip_unreadable": True})
    object.__setattr__(opts, "__dict__", {**opts.__dict__, "skip_unreadable": True})
    return opts


# -- the loader -----------------------------------------------------------------------------------
def test_every_kind_of_file_reads_as_channels_first(tmp_path):
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 255, (20, 28, 3), dtype=np.uint8)
    deep = rng.integers(0, 65535, (20, 28), dtype=np.uint16)
    three = rng.integers(0, 65535, (3, 20, 28), dtype=np.uint16)
    cases = {
        _png(tmp_path / "gray.png", rgb[..., 0]): ((1, 20, 28), "uint8"),
        _png(tmp_path / "rgb.PNG", rgb): ((3, 20, 28), "uint8"),
        _png(tmp_path / "photo.jpg", rgb): ((3, 20, 28), "uint8"),
        _tif(tmp_path / "deep.tif", deep): ((1, 20, 28), "uint16"),
        _tif(tmp_path / "first.tiff", three, photometric="rgb", planarconfig="separate"): (
            (3, 20, 28),
            "uint16",
        ),
        _tif(tmp_path / "last.tif", np.moveaxis(three, 0, -1), photometric="rgb"): (
            (3, 20, 28),
            "uint16",
        ),
        _tif(tmp_path / "pages.tif", three, photometric="minisblack"): ((3, 20, 28), "uint16"),
        _tif(tmp_path / "two.tif", np.moveaxis(three[:2], 0, -1)): ((2, 20, 28), "uint16"),
    }
    for path, (shape, dtype) in cases.items():
        arr = imgs.read_native(path)
        assert arr.shape == shape and str(arr.dtype) == dtype, path.name
        head = imgs.probe(path)
        assert (head.channels, head.height, head.width, head.dtype) == (*shape, dtype), path.name
    # Channel-first and channel-last TIFFs of the same pixels read the same.
    assert np.array_equal(imgs.read_native(tmp_path / "first.tiff"), three)
    assert np.array_equal(imgs.read_native(tmp_path / "last.tif"), three)
    assert np.array_equal(imgs.read_native(tmp_path / "pages.tif"), three)
    # 16-bit is scaled by 65,535, 8-bit by 255.
    spec = imgs.ImageSpec(size=20, fit="crop")
    px = imgs.load_pixels(tmp_path / "deep.tif", spec)
    assert px.dtype == np.float32 and px.shape == (1, 20, 20)
    assert np.allclose(px[0], deep[:, 4:24] / 65535, atol=1e-6)


def test_load_many_mixes_gray_and_colour_into_one_channel_count(tmp_path):
    rng = np.random.default_rng(2)
    gray = _png(tmp_path / "g.png", _gray(rng, 30))
    rgb = _png(tmp_path / "c.png", rng.integers(0, 255, (16, 40, 3), dtype=np.uint8))
    batch = imgs.load_many([gray, rgb, gray], imgs.ImageSpec(size=16, fit="pad", n_channels=3))
    assert batch.shape == (3, 3, 16, 16) and batch.dtype == np.float16
    assert np.array_equal(batch[0, 0], batch[0, 2])  # gray repeated on every channel
    one = imgs.load_many([rgb], imgs.ImageSpec(size=16, n_channels=1))
    assert one.shape == (1, 1, 16, 16)
    padded = imgs.load_pixels(rgb, imgs.ImageSpec(size=40, fit="pad"))
    assert padded[:, :12].max() == 0 and padded[:, 28:].max() == 0  # centred on black


# -- a folder of class folders --------------------------------------------------------------------
def test_a_clean_folder_becomes_a_table_and_no_check_fires(tmp_path):
    root = clean_folder(tmp_path / "cells")
    p = imported(root)
    df = p.table
    assert list(df.columns) == ["image_id", "image", "class"]
    assert len(df) == 20 and set(df["class"]) == {"control", "treated"}
    assert (
        df["image"].iloc[0] == "control/cell_00.png" and df["image_id"].iloc[0] == "control/cell_00"
    )
    (info,) = p.study.data.images
    assert info.column == "image" and Path(info.root) == root.resolve()
    assert info.n == 20 and info.formats == {"png": 20} and info.channels == {"1": 20}
    assert info.dtypes == {"uint8": 20} and info.channel_names == ["gray"]
    assert (info.width_min, info.width_max, info.height_min, info.height_max) == (24, 24, 24, 24)
    sha = hashlib.sha256((root / "treated" / "cell_03.png").read_bytes()).hexdigest()
    assert info.sha256["treated/cell_03.png"] == sha
    assert p.study.data.options.sample_id_column == "image_id"
    (record,) = p.study.data.files
    assert record.format == "image-folder" and record.n_rows == 20
    kinds = {c.name: c.kind for c in p.study.data.columns}
    assert kinds["image"] == "image"
    found = codes(p)
    assert set(found) & WARN_CODES == set(), {c: f[0].message for c, f in found.items()}
    assert "image-summary" in found
    # The image column is the data, never an ID; the folder's name is the label.
    question.apply(p, target="class")
    roles = metadata.apply(p).roles
    assert roles["image"] == "feature" and roles["image_id"] == "sample_id"


def test_mixed_folder_reports_sizes_channels_depths_and_copies(tmp_path):
    rng = np.random.default_rng(3)
    root = tmp_path / "mixed"
    for i in range(12):
        _png(root / "a" / f"g{i}.png", _gray(rng, 24))
    _png(root / "a" / "big.png", _gray(rng, 40))
    _png(root / "a" / "colour.png", rng.integers(0, 255, (24, 24, 3), dtype=np.uint8))
    for i in range(12):
        _tif(root / "b" / f"t{i}.tif", rng.integers(0, 65535, (24, 24), dtype=np.uint16))
    _tif(root / "b" / "rgb_last.tif", rng.integers(0, 65535, (24, 24, 3), dtype=np.uint16))
    shutil.copy(root / "a" / "g0.png", root / "b" / "copy_of_g0.png")
    (root / "a" / "notes.txt").write_text("stained 3 May")
    (root / "a" / ".DS_Store").write_bytes(b"\0\0")
    (root / "b" / "._t1.tif").write_bytes(b"\0\0")
    p = imported(root)
    found = codes(p)
    (sizes,) = found["image-sizes-differ"]
    assert "40 × 40" in sizes.message or "24–40" in sizes.message
    (chans,) = found["image-channels-differ"]
    assert p.study.data.images[0].channels == {"1": 26, "3": 2}
    assert "gray" in chans.message and "turned into gray" in chans.message
    (depths,) = found["image-depths-differ"]
    assert "8-bit" in depths.message and "16-bit" in depths.message
    (same,) = found["image-identical-files"]
    assert "a/g0.png" in same.message and "b/copy_of_g0.png" in same.message
    assert "different classes" in same.message
    (skipped,) = found["image-skipped-files"]
    assert skipped.detail == {"hidden": 2, "not_images": 1, "loose": 0}
    assert len(p.table) == 28


def test_a_depth_that_tells_the_classes_apart_is_said(tmp_path):
    rng = np.random.default_rng(4)
    root = tmp_path / "trap"
    for i in range(10):
        _png(root / "healthy" / f"h{i}.png", _gray(rng, 20))
        _tif(root / "tumour" / f"t{i}.tif", rng.integers(0, 4000, (20, 20), dtype=np.uint16))
    (f,) = codes(imported(root))["image-depths-differ"]
    assert "Each class has its own kind" in f.message and f.detail["classes_apart"]


def test_a_truncated_png_is_named_and_stops_the_import(tmp_path):
    root = clean_folder(tmp_path / "cells")
    raw = (root / "treated" / "cell_04.png").read_bytes()
    (root / "treated" / "cell_04.png").write_bytes(raw[: len(raw) // 2])
    p = Project.new("x")
    with pytest.raises(DataError) as err:
        data.run(p, ImportOptions(paths=[str(root)]))
    text = str(err.value)
    assert "treated/cell_04.png" in text and "cut short" in text
    assert "What to do" in text and "leave them out" in text
    assert p.study.data is None  # nothing changed


def test_with_consent_unreadable_files_are_left_out_and_named(tmp_path):
    root = clean_folder(tmp_path / "cells")
    (root / "control" / "cell_02.png").write_bytes(b"not a png at all")
    p = Project.new("x")
    data.run(p, _opts(paths=[str(root)]))
    assert len(p.table) == 19 and "control/cell_02.png" not in set(p.table["image"])
    (f,) = codes(p)["image-unreadable"]
    assert "control/cell_02.png" in f.message
    assert p.study.data.images[0].n_unreadable == 1


def test_thin_and_empty_class_folders_are_reported(tmp_path):
    root = clean_folder(tmp_path / "cells")
    rng = np.random.default_rng(5)
    for i in range(3):
        _png(root / "rare" / f"r{i}.png", _gray(rng, 24))
    (root / "empty").mkdir()
    (f,) = codes(imported(root))["image-few-per-class"]
    assert "'rare' (3)" in f.message and "'empty'" in f.message
    assert f.detail["classes"] == {"rare": 3, "empty": 0}


def test_a_folder_without_class_folders_is_refused_with_the_fix(tmp_path):
    rng = np.random.default_rng(6)
    for i in range(3):
        _png(tmp_path / "flat" / f"x{i}.png", _gray(rng))
    with pytest.raises(DataError, match="no class folders") as err:
        imported(tmp_path / "flat")
    assert "sub-folder per class" in str(err.value)


def test_the_folder_preview_lists_the_images_without_decoding(tmp_path):
    root = clean_folder(tmp_path / "cells", per_class=3)
    pv = data.preview(root, ImportOptions())
    assert len(pv.result.table) == 6 and pv.result.record.format == "image-folder"
    assert {f.code for f in pv.result.findings} == {"image-few-per-class"}


# -- a sample sheet -------------------------------------------------------------------------------
def test_a_sample_sheet_with_a_renamed_image_column(tmp_path):
    rng = np.random.default_rng(7)
    rows = []
    for i in range(16):
        name = f"plate{i % 2}/well_{i:02d}.tif"
        _tif(
            tmp_path / "raw" / name,
            rng.integers(0, 65535, (3, 24, 24), dtype=np.uint16),
            photometric="rgb",
            planarconfig="separate",
        )
        rows.append(
            f"S{i:02d},raw\\{name.replace('/', chr(92))},{'mut' if i % 3 else 'wt'},P{i % 2}"
        )
    sheet = tmp_path / "samples.csv"
    sheet.write_text("Probe,Bild,Genotyp,Platte\n" + "\n".join(rows) + "\n")
    p = imported(sheet)
    (info,) = p.study.data.images
    assert info.column == "Bild" and info.channels == {"3": 16} and info.dtypes == {"uint16": 16}
    assert info.channel_names == ["red", "green", "blue"]
    assert p.table["Bild"].iloc[1] == "raw/plate1/well_01.tif"  # '/' separators
    assert list(p.table.columns) == ["Probe", "Bild", "Genotyp", "Platte"]
    assert {c.name: c.kind for c in p.study.data.columns}["Bild"] == "image"
    assert p.study.data.files[0].name == "samples.csv"
    px = steps_images.pixels(p, [0, 1])
    assert px.shape == (2, 3, 64, 64)
    question.apply(p, target="Genotyp")
    roles = metadata.apply(p).roles
    assert roles["Bild"] == "feature" and roles["Probe"] == "sample_id"


def test_a_sheet_naming_a_missing_file_names_it(tmp_path):
    rng = np.random.default_rng(8)
    for i in range(6):
        _png(tmp_path / f"img{i}.png", _gray(rng))
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,file,label\n" + "".join(f"{i},img{i}.png,{i % 2}\n" for i in range(7)))
    with pytest.raises(DataError, match=r"img6\.png") as err:
        imported(sheet)
    assert "no such file" in str(err.value)


def test_a_table_of_numbers_is_no_image_sheet(tmp_path):
    sheet = tmp_path / "t.csv"
    sheet.write_text("id,x,name\n" + "".join(f"{i},{i * 0.5},gene{i}.png\n" for i in range(8)))
    p = imported(sheet)  # image names, but no such files: a plain table
    assert p.study.data.images == []


# -- reopening, pixels and re-linking ------------------------------------------------------------
def test_reopened_project_keeps_the_images_and_relinks_a_moved_folder(tmp_path):
    from dlwizard.study import container

    root = clean_folder(tmp_path / "cells", per_class=6)
    p = imported(root)
    before = p.study.data.images[0]
    path = tmp_path / "study.dlwiz"
    container.save(p, path)
    q = container.load(path)
    (info,) = q.study.data.images
    assert info == before
    assert steps_images.image_feature(q) is not None
    first = steps_images.pixels(q, range(4))
    assert first.shape == (4, 1, 64, 64) and first.dtype == np.float16
    # The folder moves: re-linked once every file is there unchanged.
    moved = tmp_path / "elsewhere" / "cells"
    shutil.move(str(root), moved)
    findings = steps_images.relink(q, moved)
    assert [f.code for f in findings] == ["image-relinked"]
    assert Path(q.study.data.images[0].root) == moved.resolve()
    assert np.array_equal(steps_images.pixels(q, range(4)), first)
    # A changed file is named, and the folder is not switched.
    changed = tmp_path / "changed"
    shutil.copytree(moved, changed)
    rng = np.random.default_rng(9)
    _png(changed / "treated" / "cell_02.png", _gray(rng))
    (f,) = steps_images.relink(q, changed)
    assert f.code == "image-relink-changed" and "treated/cell_02.png" in f.message
    assert Path(q.study.data.images[0].root) == moved.resolve()
    (changed / "control" / "cell_01.png").unlink()
    codes_ = {f.code for f in steps_images.relink(q, changed)}
    assert codes_ == {"image-relink-missing", "image-relink-changed"}


def test_the_pixel_cache_decodes_each_image_once(tmp_path, monkeypatch):
    root = clean_folder(tmp_path / "cells", per_class=4)
    p = imported(root)
    steps_images.CACHE.clear()
    calls = []
    real = imgs.load_pixels
    monkeypatch.setattr(
        imgs, "load_pixels", lambda path, spec: calls.append(path) or real(path, spec)
    )
    a = steps_images.pixels(p, [0, 1, 2])
    b = steps_images.pixels(p, [2, 1, 0, 3])
    assert len(calls) == 4
    assert np.array_equal(a[::-1], b[:3])


def test_a_folder_of_a_few_hundred_images_imports_in_seconds(tmp_path):
    rng = np.random.default_rng(10)
    root = tmp_path / "many"
    for cls in ("a", "b"):
        for i in range(150):
            _png(root / cls / f"{i}.png", rng.integers(0, 255, (32, 32), dtype=np.uint8))
    t0 = time.perf_counter()
    p = imported(root)
    assert len(p.table) == 300
    assert time.perf_counter() - t0 < 10


def test_12_bit_images_in_16_bit_files_use_the_whole_range(tmp_path):
    """A camera's 12-bit data stored as 16-bit TIFF is read as 0..1 of 4095, not of 65535 (it
    would fill a sixteenth of the range); 8-bit images keep their own range."""
    import tifffile

    from dlwizard.steps import data_images

    rng = np.random.default_rng(0)
    for cls in ("a", "b"):
        (tmp_path / "tiff" / cls).mkdir(parents=True)
        for i in range(3):
            img = rng.integers(0, 4000, (16, 16)).astype(np.uint16)
            img[0, 0] = 4000
            tifffile.imwrite(tmp_path / "tiff" / cls / f"{cls}{i}.tif", img)
    p = imported(tmp_path / "tiff")
    info = p.study.data.images[0]
    assert info.value_max == 4095
    assert "4,095" in data_images.summary(info)
    pixels = steps_images.pixels(p, [0, 1])
    assert 0.9 < float(pixels.max()) <= 1.0
    clean = imported(clean_folder(tmp_path / "png"))
    assert clean.study.data.images[0].value_max == 0
