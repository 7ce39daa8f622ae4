"""Bad prediction inputs (issue 13): each gets a message naming the file, row and column and a
fix, or a sensible note; a failed prediction writes no output file (and leaves an existing one
as it was); every CSV written escapes cells a spreadsheet would run as formulas."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pandas as pd
import pytest

from dlwizard import predict
from dlwizard.errors import DataError
from dlwizard.io.csvsafe import escape_cell
from dlwizard.steps import baselines, compare, explore, split
from dlwizard.study.model import BaselineOptions, SplitOptions
from tests.engine.synthetic import cohort, project_from_frame

COLS = ["sample", "g0", "g1", "g2", "g3", "colour"]
GOOD = "sample,g0,g1,g2,g3,colour\nS1,0.1,0.2,0.3,0.4,red\nS2,1,2,3,4,blue\n"


@pytest.fixture(scope="module")
def frozen_project(tmp_path_factory):
    """A binary study with four numeric features and one categorical ('colour'), frozen."""
    df = cohort(n=120, n_features=4, seed=0, label_shift=1.5)
    df["colour"] = np.where(np.arange(120) % 2 == 0, "red", "blue")
    project = project_from_frame(tmp_path_factory.mktemp("frozen"), df)
    explore.run(project)
    split.run(project, SplitOptions(seed=3))
    options = BaselineOptions(
        families=["logistic"], trials=1, seconds_per_family=10, permutations=0, bootstrap=100
    )
    baselines.run(project, options)
    compare.freeze(project)
    return project


def fails(project, tmp_path, source, **match) -> DataError:
    """Predict must fail, write nothing, and leave an existing output file unchanged."""
    out = tmp_path / "out" / "pred.csv"
    out.parent.mkdir(exist_ok=True)
    out.write_text("previous predictions\n")
    with pytest.raises(DataError) as info:
        predict.predict_file(project, source, out)
    assert out.read_text() == "previous predictions\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["pred.csv"]  # no .part left
    err = info.value
    assert err.fix and len(err.fix) > 15 and f"\nWhat to do: {err.fix}" in str(err)
    for key, value in match.items():
        assert getattr(err, key) == value, str(err)
    return err


def write(tmp_path, name, data: str | bytes):
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def probs(project, tmp_path, source) -> pd.DataFrame:
    out = tmp_path / f"{source.stem}_pred.csv"
    predict.predict_file(project, source, out)
    return pd.read_csv(out, dtype={"sample": str})


# (file name, contents, row, column, phrases)
BAD = [
    ("empty.csv", b"", None, None, ("empty (0 bytes)",)),
    ("header_only.csv", "sample,g0,g1,g2,g3,colour\n", None, None, ("no data rows",)),
    ("missing.csv", "sample,g0,g1,colour\nS1,1,2,red\n", None, None,
     ("lacks 2 column(s)", "'g2', 'g3'")),
    ("text_in_number.csv", GOOD + "S3,1,n.d.,3,4,red\n", 4, "g1", ("'n.d.'", "needs a number")),
    ("true_in_number.csv", GOOD.replace("S2,1,", "S2,TRUE,"), 3, "g0", ("'TRUE'",)),
    ("ragged.csv", GOOD + "S3,1,2,3,4,red,extra\n", 4, None, ("7 values", "6 columns")),
    ("open_quote.csv", GOOD + 'S3,1,2,3,4,"red\nS4,1,2,3,4,blue\n', 4, "colour",
     ("quote", "never closed")),
    ("duplicate.csv", "sample,g0,g0,g1,g2,g3,colour\nS1,1,1,2,3,4,red\n", 1, "g0",
     ("more than once",)),
    ("gzip.csv", gzip.compress(GOOD.encode(), mtime=0), None, None, ("compressed (gzip)",)),
    ("html.csv", "<html><body>nope</body></html>\n", None, None, ("web page",)),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "row", "column", "says"), BAD, ids=[b[0] for b in BAD])
def test_bad_prediction_input(frozen_project, tmp_path, name, data, row, column, says):
    err = fails(frozen_project, tmp_path, write(tmp_path, name, data), row=row, column=column)
    assert str(err).startswith(name)
    for phrase in says:
        assert phrase in str(err), str(err)


def test_a_bad_row_at_the_end_of_a_huge_file(frozen_project, tmp_path, monkeypatch):
    """200,000 good rows, then one bad one: named by its row, and no output is left."""
    monkeypatch.setattr(predict, "BLOCK_BYTES", 1 << 20)  # many blocks
    n = 200_000
    body = "".join(f"S{i},0.5,1.5,2.5,3.5,red\n" for i in range(n))
    path = write(tmp_path, "huge.csv", "sample,g0,g1,g2,g3,colour\n" + body + "SX,1,2,x!,4,red\n")
    err = fails(frozen_project, tmp_path, path, row=n + 2, column="g2")
    assert "'x!'" in str(err)


def test_a_folder_a_missing_file_and_a_pipe(frozen_project, tmp_path):
    (tmp_path / "folder.csv").mkdir()
    fails(frozen_project, tmp_path, tmp_path / "folder.csv")
    fails(frozen_project, tmp_path, tmp_path / "absent.csv")
    os.mkfifo(tmp_path / "pipe.csv")
    fails(frozen_project, tmp_path, tmp_path / "pipe.csv")


def test_output_that_is_a_folder_or_the_input(frozen_project, tmp_path):
    source = write(tmp_path, "new.csv", GOOD)
    (tmp_path / "out_dir").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        predict.predict_file(frozen_project, source, tmp_path / "out_dir")
    with pytest.raises(DataError, match="the input file itself"):
        predict.predict_file(frozen_project, source, source)
    assert source.read_text() == GOOD  # the new samples are not overwritten


def test_extra_and_reordered_columns(frozen_project, tmp_path):
    base = probs(frozen_project, tmp_path, write(tmp_path, "base.csv", GOOD))
    df = pd.read_csv(tmp_path / "base.csv")
    df["label"] = ["case", "control"]
    df["note"] = ["a", "b"]
    df[["colour", "note", "g3", "label", "g1", "sample", "g0", "g2"]].to_csv(
        tmp_path / "odd.csv", index=False
    )
    out = tmp_path / "odd_pred.csv"
    summary = predict.predict_file(frozen_project, tmp_path / "odd.csv", out)
    assert sorted(summary.extra_columns) == ["label", "note"]
    assert any("does not use were ignored" in n for n in summary.notes())
    pd.testing.assert_frame_equal(pd.read_csv(out, dtype={"sample": str}), base)


def test_unseen_categories_and_missing_values_are_predicted_with_a_note(frozen_project, tmp_path):
    data = GOOD + "S3,1,2,3,4,green\nS4,,2,,4,\n"
    summary = predict.predict_file(
        frozen_project, write(tmp_path, "odd.csv", data), tmp_path / "p.csv"
    )
    assert summary.unseen == {"colour": ["green"]} and summary.n_unseen_rows == 1
    got = pd.read_csv(tmp_path / "p.csv")
    assert len(got) == 4 and got["probability: case"].between(0, 1).all()


def test_infinite_values_are_treated_as_missing_with_a_note(frozen_project, tmp_path):
    data = GOOD + "S3,inf,2,3,4,red\nS4,1,-inf,3,4,red\n"
    summary = predict.predict_file(
        frozen_project, write(tmp_path, "inf.csv", data), tmp_path / "p.csv"
    )
    assert summary.infinite == {"g0": 1, "g1": 1}
    assert any("infinite" in n for n in summary.notes())
    assert pd.read_csv(tmp_path / "p.csv")["probability: case"].notna().all()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf16.csv", GOOD.encode("utf-16")),
        ("utf16_no_bom.csv", GOOD.encode("utf-16-le")),
        ("semicolons.csv", GOOD.replace(",", ";").replace("0.", "0,")),
        ("latin1.csv", GOOD.replace("S1", "M\xfcller").encode("latin-1")),
        ("crlf.csv", GOOD.replace("\n", "\r\n")),
    ],
)
def test_other_encodings_and_separators_give_the_same_predictions(
    frozen_project, tmp_path, name, data
):
    base = probs(frozen_project, tmp_path, write(tmp_path, "base.csv", GOOD))
    got = probs(frozen_project, tmp_path, write(tmp_path, name, data))
    np.testing.assert_allclose(got["probability: case"], base["probability: case"])


def test_formula_cells_come_out_escaped_and_numbers_stay_numbers(frozen_project, tmp_path):
    ids = ['=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)",
           "\tTAB", "-2.5", "+3", "S7"]  # fmt: skip
    df = pd.DataFrame({"sample": ids, "g0": 0.5, "g1": 1.0, "g2": 0.0, "g3": 1.0, "colour": "red"})
    df.to_csv(tmp_path / "inject.csv", index=False)
    out = tmp_path / "inject_pred.csv"
    predict.predict_file(frozen_project, tmp_path / "inject.csv", out)
    got = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert got["sample"].tolist() == [
        "'" + ids[0], "'" + ids[1], "'-2+3", "'@SUM(A1)", "'\tTAB", "-2.5", "+3", "S7"]  # fmt: skip
    # No cell of the written file starts a formula.
    raw = out.read_text().splitlines()
    for line in raw[1:]:
        first = line.split(",")[0].strip('"')
        assert (not first.startswith(("=", "@")) and first[:1] != "+") or first == "+3"
    # The class names and probabilities are not touched.
    assert set(got["predicted"]) <= {"case", "control"}
    assert pd.to_numeric(got["probability: case"]).between(0, 1).all()


@pytest.mark.parametrize(
    ("value", "escaped"),
    [("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
     ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-2.5", "-2.5"), ("+1e-3", "+1e-3"), ("S1", "S1"),
     (-2.5, -2.5), (None, None)],
)  # fmt: skip
def test_escape_cell(value, escaped):
    assert escape_cell(value) == escaped
