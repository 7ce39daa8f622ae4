"""Small synthetic studies with known traps, built in the tests (no files from outside).

Every table has a ``sample`` column of IDs that look like nothing else in the table
(``S-0007-x``), so a test can search any text for them, numeric features ``g0``, ``g1``, ...,
and whatever label and metadata columns the test asks for.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dlwizard.steps import data, metadata, question
from dlwizard.study.model import ImportOptions
from dlwizard.study.project import Project


def sample_names(n: int) -> list[str]:
    return [f"S-{i:04d}-x" for i in range(n)]


def cohort(
    n: int = 200,
    n_features: int = 8,
    seed: int = 0,
    positive_share: float = 0.5,
    label_shift: float = 1.0,
) -> pd.DataFrame:
    """A binary study: ``label`` is "case" / "control"; the first two features carry it."""
    rng = np.random.default_rng(seed)
    n_pos = round(n * positive_share)
    y = rng.permutation(np.r_[np.ones(n_pos, bool), np.zeros(n - n_pos, bool)])
    x = rng.normal(size=(n, n_features))
    x[:, :2] += label_shift * y[:, None]
    df = pd.DataFrame(x, columns=[f"g{j}" for j in range(n_features)])
    df.insert(0, "label", np.where(y, "case", "control"))
    df.insert(0, "sample", sample_names(n))
    return df


def four_digits(values: np.ndarray) -> np.ndarray:
    """Values with four significant digits, the fourth a 4: far from any 3-digit rounding edge."""
    mag = 10.0 ** (np.floor(np.log10(np.abs(values))) - 2)
    return (np.round(values / mag) + 0.4 * np.sign(values)) * mag


def fifth_digit_unit(values: np.ndarray) -> np.ndarray:
    """One unit in the fifth significant digit of each value."""
    return 10.0 ** (np.floor(np.log10(np.abs(values))) - 4)


def plant_duplicates(
    df: pd.DataFrame, n_exact: int, n_near: int, seed: int = 1
) -> tuple[list[list[int]], list[list[int]], list[int]]:
    """Overwrite rows with copies of other rows, in place.

    Returns the exact pairs, the near pairs (the copy differs from its original in the fifth
    significant digit of every feature) and a control pair whose features differ in the second
    significant digit (not a near duplicate). Copies take the label of the original, as a sample
    exported twice would.
    """
    rng = np.random.default_rng(seed)
    features = [c for c in df.columns if c.startswith("g")]
    rows = rng.permutation(len(df))[: 2 * (n_exact + n_near + 1)].reshape(-1, 2)
    exact, near = [], []
    for k, (a, b) in enumerate(rows):
        a, b = int(a), int(b)
        keep_name = df.at[b, "sample"]
        if k < n_exact:
            df.loc[b] = df.loc[a]
            exact.append(sorted([a, b]))
        else:
            base = four_digits(df.loc[a, features].to_numpy(float))
            df.loc[a, features] = base
            df.loc[b] = df.loc[a]
            unit = fifth_digit_unit(base)
            if k < n_exact + n_near:
                df.loc[b, features] = base + unit * rng.integers(1, 4, size=len(base))
                near.append(sorted([a, b]))
            else:
                df.loc[b, features] = base + unit * 1000  # the second significant digit
                control = sorted([a, b])
        df.at[b, "sample"] = keep_name  # a duplicate sample still has its own ID
    return exact, near, control


def project_from_frame(
    tmp_path: Path,
    df: pd.DataFrame,
    target: str = "label",
    roles: dict[str, str] | None = None,
    task: str | None = None,
    name: str = "synthetic",
) -> Project:
    """Question, data (from a Parquet file) and metadata, as a user would answer them."""
    path = tmp_path / f"{name}.parquet"
    df.to_parquet(path, index=False)
    project = Project.new(name)
    question.apply(project, target=target, **({"task": task} if task else {}))
    options = ImportOptions(paths=[str(path)], sample_id_column="sample", transpose="no")
    data.run(project, options)
    metadata.apply(project, roles=roles, derived=[], suggest_derived=False)
    assert project.is_done("metadata"), [f.message for f in project.errors()]
    return project
