"""Import of a 100 MB FASTA: read_fasta and the whole data step against the bare parser.

Measures, on a generated FASTA of about 100 MB (200,000 DNA records of 300-700 nt, headers like
``>chr1:12345-12845 promoter candidate 17 strand=+``, a few IUPAC ambiguity codes, about 1 % of
the records repeating another's sequence):

* (a) the bare parser: Biopython's ``SimpleFastaParser`` over the file, titles and sequences
  collected into two lists (what any FASTA import has to do at the least);
* (b) ``dlwizard.io.sequences.read_fasta`` (parse, SHA-256, ID split, checks, Arrow table);
* (c) the whole data step, ``dlwizard.steps.data.run(Project.new(), ImportOptions(paths=[fa]))``
  (b, plus the sequence profile, column summaries, findings and commit);

median of 7 runs each, interleaved so that background load hits all three alike. Target
(issue 17): (c) / (a) <= 1.5. The peak memory of each (high-water RSS minus RSS before, in a
fresh subprocess) is printed against the file size.

``--full`` adds a cProfile top 15 of (b) and (c) (the parse runs in a worker thread inside
``data.run``, so the profile runs it on the main thread); about 20 s more. Without it the script
takes about a minute on a 2-core machine.

Data is generated into a temporary folder, never into the repository.
Run: ``.venv/bin/python benchmarks/fasta_import.py [--full]`` (``make bench`` runs it).
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

N_RECORDS = 200_000
LENGTH_RANGE = (300, 700)  # nt, uniform
LINE_WIDTH = 60
DUPLICATE_SHARE = 0.01  # records whose sequence is a copy of another record's
AMBIGUOUS_SHARE = 0.02  # records holding a few IUPAC codes
REPEATS = 7
TIME_TARGET = 1.5
FULL = "--full" in sys.argv  # adds a cProfile of read_fasta and of the data step
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# -- data -----------------------------------------------------------------------------------------
def make_fasta(folder: Path, n: int = N_RECORDS, seed: int = 0) -> Path:
    """Write a FASTA of ``n`` DNA records wrapped at 60 letters, like a genome-browser export."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lengths = rng.integers(LENGTH_RANGE[0], LENGTH_RANGE[1] + 1, size=n)
    codes = rng.choice(4, size=int(lengths.sum()), p=[0.28, 0.22, 0.22, 0.28]).astype(np.uint8)
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)[codes]
    # A few ambiguity codes (N mostly) in 2 % of the records.
    ends = np.cumsum(lengths)
    starts = ends - lengths
    for r in rng.choice(n, size=int(AMBIGUOUS_SHARE * n), replace=False):
        at = starts[r] + rng.integers(0, lengths[r], size=int(rng.integers(1, 6)))
        letters[at] = rng.choice(np.frombuffer(b"NNNNRYSWKM", dtype=np.uint8), size=len(at))
    seqs = [bytes(letters[s:e]) for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    for r in rng.choice(n, size=int(DUPLICATE_SHARE * n), replace=False):
        seqs[r] = seqs[int(rng.integers(0, n))]
    chroms = rng.integers(1, 23, size=n)
    positions = rng.integers(10_000, 200_000_000, size=n)
    kinds = ("promoter candidate", "enhancer peak", "background region", "CpG island")
    path = folder / "regions.fa"
    with path.open("wb") as fh:
        for i, s in enumerate(seqs):
            start = int(positions[i])
            head = (
                f">chr{chroms[i]}:{start}-{start + len(s)} {kinds[i % 4]} {i + 1} "
                f"strand={'+-'[i % 2]}\n"
            )
            fh.write(head.encode())
            fh.write(b"\n".join(s[k : k + LINE_WIDTH] for k in range(0, len(s), LINE_WIDTH)))
            fh.write(b"\n")
    return path


# -- the three measured things --------------------------------------------------------------------
def bare_parser(path: Path) -> tuple[list[str], list[str]]:
    from Bio.SeqIO.FastaIO import SimpleFastaParser

    ids: list[str] = []
    seqs: list[str] = []
    with path.open() as fh:
        for title, seq in SimpleFastaParser(fh):
            ids.append(title)
            seqs.append(seq)
    return ids, seqs


def read_fasta(path: Path):
    from dlwizard.io.sequences import read_fasta

    return read_fasta(path)


def data_step(path: Path):
    from dlwizard.steps import data
    from dlwizard.study.model import ImportOptions
    from dlwizard.study.project import Project

    project = Project.new()
    data.run(project, ImportOptions(paths=[str(path)]))
    return project


MEASURED: dict[str, Callable[[Path], object]] = {
    "bare": bare_parser,
    "read_fasta": read_fasta,
    "data_step": data_step,
}


# -- measuring ------------------------------------------------------------------------------------
def seconds_of(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def rss_bytes() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize()


def peak_rss_bytes() -> int:
    """This process's RSS high-water mark (VmHWM; see import_wide.py for why not ru_maxrss)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def reset_peak() -> None:
    """Restart the high-water mark at the current RSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def _preload() -> None:
    """Import what the step needs, so that module code is neither timed nor counted as memory."""
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import pyarrow.compute
    import pyarrow.parquet  # noqa: F401
    from Bio.SeqIO.FastaIO import SimpleFastaParser  # noqa: F401

    import dlwizard.steps.data
    import dlwizard.steps.question  # noqa: F401


def child_memory(path: Path, what: str) -> dict[str, int]:
    """In a fresh interpreter: RSS before and the high-water mark while ``what`` runs."""
    _preload()
    reset_peak()
    before = rss_bytes()
    MEASURED[what](path)
    return {"before": before, "peak": peak_rss_bytes()}


def run_child(what: str, path: Path) -> dict[str, int]:
    args = [sys.executable, __file__, "--child-memory", what, str(path)]
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def profile_top(fn: Callable[[], object], n: int = 15) -> str:
    from dlwizard.steps import data

    real = data.run_interruptible
    data.run_interruptible = lambda fn, job, poll_s=0.05: fn()  # profile the parse too
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        fn()
        profiler.disable()
    finally:
        data.run_interruptible = real
    buf = io.StringIO()
    pstats.Stats(profiler, stream=buf).sort_stats("cumulative").print_stats(n)
    lines = [ln for ln in buf.getvalue().splitlines() if ln.strip()]
    start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("ncalls"))
    return "\n".join(lines[start:])


# -- report ---------------------------------------------------------------------------------------
def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def _runs(times: list[float]) -> str:
    return "[" + ", ".join(f"{t:.2f}" for t in times) + "]"


def _verdict(value: float, target: float) -> str:
    return "OK" if value <= target else "MISSED"


def _load() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child-memory":
        print(json.dumps(child_memory(Path(sys.argv[3]), sys.argv[2])))
        return

    _preload()  # the GUI has these loaded before an import starts
    with tempfile.TemporaryDirectory(prefix="dlwizard-bench-") as tmp:
        t0 = time.perf_counter()
        path = make_fasta(Path(tmp))
        size = path.stat().st_size
        print(
            f"generated {N_RECORDS:,} records of {LENGTH_RANGE[0]}-{LENGTH_RANGE[1]} nt "
            f"({_mb(size)}) in {time.perf_counter() - t0:.1f} s; load average {_load()}"
        )
        for fn in MEASURED.values():  # warm-up (page cache, first-call imports)
            fn(path)
        times: dict[str, list[float]] = {k: [] for k in MEASURED}
        for _ in range(REPEATS):  # interleaved, so that background load hits all alike
            for name, fn in MEASURED.items():
                times[name].append(seconds_of(lambda fn=fn: fn(path)))
        med = {k: statistics.median(v) for k, v in times.items()}
        labels = {
            "bare": "(a) bare SimpleFastaParser -> lists:",
            "read_fasta": "(b) read_fasta:",
            "data_step": "(c) data step, data.run():",
        }
        for name, label in labels.items():
            print(f"{label:<38} median {med[name]:6.2f} s  {_runs(times[name])}")
        for name in ("read_fasta", "data_step"):
            ratio = med[name] / med["bare"]
            print(
                f"ratio {labels[name][:3]} / (a) {ratio:.2f} (target <= {TIME_TARGET}): "
                f"{_verdict(ratio, TIME_TARGET)}"
            )
        print(f"load average after timing: {_load()}")

        print("\npeak memory (fresh process, high-water RSS minus RSS before):")
        for name, label in labels.items():
            mem = run_child(name, path)
            grown = mem["peak"] - mem["before"]
            print(f"  {label:<38} +{_mb(grown):>7}  ({grown / size:.1f}x the file)")

        if FULL:
            for name in ("read_fasta", "data_step"):
                print(f"\ncProfile of {labels[name]} top 15 by cumulative time (one run):")
                print(profile_top(lambda name=name: MEASURED[name](path)))


if __name__ == "__main__":
    main()
