"""Saving and reopening a wide study: the .dlwiz container against bare Parquet.

Builds the 1,000-sample x 20,000-gene study of ``import_wide.py`` through the data step, then
times ``dlwizard.study.container.save(project, path)`` + ``container.load(path)`` against
writing and reading the same table with pyarrow alone (``pa.Table.from_pandas`` +
``pq.write_table(compression="zstd")``, then ``pq.read_table(...).to_pandas()``), median of
3 runs each. Target ratio <= 1.5. A breakdown of one save and one load follows.

Data is generated into a temporary folder, never into the repository.
Run: ``.venv/bin/python benchmarks/save_reopen.py`` (``make bench`` runs it).
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from import_wide import N_GENES, N_SAMPLES, ROOT, check_importable, data_step, make_wide_csv

REPEATS = 3
TARGET = 1.5
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def median_time(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def container_round_trip(project, path: Path) -> tuple[float, float]:
    from dlwizard.study import container

    t0 = time.perf_counter()
    container.save(project, path)
    t1 = time.perf_counter()
    loaded = container.load(path)
    t2 = time.perf_counter()
    assert loaded.table is not None and loaded.table.shape == project.table.shape
    return t1 - t0, t2 - t1


def bare_round_trip(df, path: Path) -> tuple[float, float]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    pq.write_table(pa.Table.from_pandas(df), path, compression="zstd")
    t1 = time.perf_counter()
    back = pq.read_table(path).to_pandas()
    t2 = time.perf_counter()
    assert back.shape == df.shape
    return t1 - t0, t2 - t1


def breakdown(project, path: Path) -> list[tuple[str, float]]:
    """One save and one load, phase by phase, calling the container's own functions."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dlwizard.study import container
    from dlwizard.study.model import Study

    rows: list[tuple[str, float]] = []

    def timed(name: str, fn: Callable[[], object]):
        t0 = time.perf_counter()
        out = fn()
        rows.append((name, time.perf_counter() - t0))
        return out

    df = project.table
    study_json = timed(
        "save: study.model_dump_json (pydantic)",
        lambda: project.study.model_dump_json(indent=1).encode("utf-8"),
    )
    arrow = timed("save: pa.Table.from_pandas", lambda: pa.Table.from_pandas(df))

    def to_bytes():
        sink = pa.BufferOutputStream()
        pq.write_table(arrow, sink, compression="zstd")
        return sink.getvalue()

    buf = timed("save: pq.write_table(zstd) to memory", to_bytes)
    data = timed("save: buffer.to_pybytes() (a copy)", buf.to_pybytes)
    members = {"study.json": study_json, container.TABLE_MEMBER: data}
    timed("save: sha256 of the members", lambda: [container._sha256(v) for v in members.values()])
    timed(
        "save: container.write_members (sha256, zip, fsync)",
        lambda: container.write_members(path, members),
    )

    timed("save: whole container.save", lambda: container.save(project, path))

    members_read = timed(
        "load: container.read_members (zip read, sha256)", lambda: container.read_members(path)
    )
    doc = timed("load: json.loads(study.json)", lambda: json.loads(members_read["study.json"]))
    timed("load: Study.model_validate (pydantic)", lambda: Study.model_validate(doc))
    timed(
        "load: pq.read_table(BytesIO)",
        lambda: pq.read_table(io.BytesIO(members_read[container.TABLE_MEMBER])),
    )
    timed(
        "load: parquet_to_table (read_table + to_pandas)",
        lambda: container.parquet_to_table(members_read[container.TABLE_MEMBER]),
    )
    timed("load: whole container.load", lambda: container.load(path))
    with zipfile.ZipFile(path) as zf:
        sizes = {i.filename: i.file_size for i in zf.infolist()}
    rows.append(("size: data/table.parquet (MB)", sizes[container.TABLE_MEMBER] / 1e6))
    rows.append(("size: study.json (MB)", sizes["study.json"] / 1e6))
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="dlwizard-bench-") as tmp:
        folder = Path(tmp)
        csv_path = make_wide_csv(folder)
        check_importable(csv_path)
        project = data_step(csv_path)
        df = project.table
        print(f"study: {N_SAMPLES:,} x {N_GENES:,} table, {df.shape[1]:,} columns")
        project_path = folder / "wide.dlwiz"
        parquet_path = folder / "wide.parquet"

        container_round_trip(project, project_path)  # warm-up
        bare_round_trip(df, parquet_path)
        ours, bare = [], []
        for _ in range(REPEATS):  # interleaved, so that background load hits both alike
            ours.append(container_round_trip(project, project_path))
            bare.append(bare_round_trip(df, parquet_path))

        def med(runs, i=None):
            return statistics.median(sum(r) if i is None else r[i] for r in runs)

        def runs(values):
            return "[" + ", ".join(f"{sum(v):.2f}" for v in values) + "]"

        o, b = med(ours), med(bare)
        print(
            f"container.save + load:     median {o:6.2f} s  {runs(ours)}  "
            f"(save {med(ours, 0):.2f}, load {med(ours, 1):.2f})"
        )
        print(
            f"pyarrow parquet write+read: median {b:6.2f} s  {runs(bare)}  "
            f"(write {med(bare, 0):.2f}, read {med(bare, 1):.2f})"
        )
        print(f"ratio {o / b:.2f} (target <= {TARGET}): {'OK' if o / b <= TARGET else 'MISSED'}")
        print(
            f"file sizes: {project_path.name} {project_path.stat().st_size / 1e6:.1f} MB, "
            f"{parquet_path.name} {parquet_path.stat().st_size / 1e6:.1f} MB"
        )

        print("\nbreakdown of one save and one load (seconds):")
        for name, value in breakdown(project, folder / "breakdown.dlwiz"):
            print(f"  {name:<52} {value:7.3f}")


if __name__ == "__main__":
    main()
