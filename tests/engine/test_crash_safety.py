"""Killing `dlwizard run` at any moment while it overwrites a project never loses the project.

The command is killed (SIGKILL: no clean-up code runs) at random moments, 50 times, while it
writes over an existing project. Every time, the file on disk is either the old project or the
complete new one, and the next run leaves no temporary file behind (issue 13).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from dlwizard.study import container
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is a POSIX signal")
KILLS = 50
ENTRY = "from dlwizard.cli import entry; entry()"


def _run(plan, out, env):
    return subprocess.Popen(
        [sys.executable, "-c", ENTRY, "run", str(plan), "--out", str(out)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _complete(path) -> str:
    """The project's id when it opens and holds every step the plan ran."""
    project = container.load(path)
    assert project.is_done("metadata") and project.table is not None and len(project.table)
    return project.study.id


def test_a_killed_run_leaves_the_old_or_the_new_project(tmp_path):
    rng = np.random.default_rng(0)
    n = 6000  # big enough that writing the project takes a moment
    df = pd.DataFrame(rng.normal(size=(n, 40)), columns=[f"m{j}" for j in range(40)])
    df.insert(0, "status", rng.choice(["case", "control"], size=n))
    data = tmp_path / "cohort.csv"
    df.to_csv(data, index=False)
    plan = tmp_path / "plan.toml"
    plan.write_text(
        f'[question]\ntarget = "status"\n[data]\npath = "{data}"\n[metadata]\n',
        encoding="utf-8",
    )
    out_dir = tmp_path / "projects"
    out_dir.mkdir()
    target = out_dir / "study.dlwiz"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # The first run, watched: how long the new file takes from its first byte to its rename.
    proc = _run(plan, target, env)
    appeared = None
    while proc.poll() is None:
        if appeared is None and list(out_dir.glob(".*.tmp")):
            appeared = time.monotonic()
        time.sleep(0.002)
    assert proc.returncode == 0 and appeared is not None
    window = max(time.monotonic() - appeared, 0.02)
    ids = {_complete(target)}
    rand = random.Random(13)
    landed_in_save = 0
    for i in range(KILLS):
        before = target.read_bytes()
        proc = _run(plan, target, env)
        if i % 3:
            # Most kills while the new file is being written: as soon as its temp file shows,
            # after a random part of the moment writing takes.
            while proc.poll() is None and not list(out_dir.glob(".*.tmp")):
                time.sleep(0.002)
            time.sleep(rand.uniform(0.0, 0.7) * window)
        else:
            time.sleep(rand.uniform(0.2, 2.5))  # anywhere else in the run
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        landed_in_save += bool(list(out_dir.glob(".*.tmp")))
        project_id = _complete(target)  # never a half-written file
        if target.read_bytes() != before:
            assert project_id not in ids  # a whole new project replaced the old one
        ids.add(project_id)
    assert landed_in_save >= KILLS // 3, "too few kills hit the writing of the file"
    # The next start cleans up what the killed writers left.
    assert _run(plan, target, env).wait(timeout=300) == 0
    assert list(out_dir.glob(".*.tmp")) == []
    assert sorted(p.name for p in out_dir.iterdir()) == ["study.dlwiz"]
    print(
        f"{KILLS} kills, {landed_in_save} while the new file was being written, "
        f"{len(ids) - 1} runs finished before their kill"
    )
