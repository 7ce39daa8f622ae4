"""The `dlwizard` command, run as a user runs it: in a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dlwizard import __version__
from dlwizard.study import container
from dlwizard.study.model import SCHEMA_VERSION
from tests.conftest import ROOT

SCRIPT = Path(sys.executable).parent / "dlwizard"


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def dlwizard(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT):
    return subprocess.run(
        [sys.executable, "-m", "dlwizard", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env or _env(),
        timeout=600,  # the demo runs every step, through the interpretation
    )


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli-demo")
    proc = dlwizard("demo", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "Demo project written to" in proc.stdout
    assert str((out / "demo.dlwiz").resolve()) in proc.stdout
    return out / "demo.dlwiz"


def test_version():
    proc = dlwizard("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"dlwizard {__version__}"


@pytest.mark.skipif(not SCRIPT.exists(), reason="the dlwizard script is not installed in the venv")
def test_installed_script():
    proc = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"dlwizard {__version__}"


def test_help_lists_the_commands():
    proc = dlwizard("--help")
    assert proc.returncode == 0
    for command in ("demo", "run", "inspect"):
        assert command in proc.stdout


def test_inspect_json(demo_file):
    proc = dlwizard("inspect", demo_file, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema_version"] == SCHEMA_VERSION == 1
    assert doc["steps_done"] == [
        "question",
        "data",
        "metadata",
        "explore",
        "split",
        "baselines",
        "networks",
        "compare",
        "test",
        "interpret",
    ]
    assert doc["compare"]["final"]["key"] == doc["compare"]["recommended"]
    assert [lk["version"] for lk in doc["test"]["looks"]] == ["primary analysis"]
    assert doc["question"]["target"] == "diagnosis"
    assert doc["data"]["rows"] == 569
    project = container.load(demo_file)
    assert [w["code"] for w in doc["warnings"]] == [f.code for f in project.findings()]
    assert doc["warnings"], "the demo has at least one finding to show"
    for w in doc["warnings"]:
        assert w["code"] and w["severity"] in ("info", "warning", "error") and w["step"]
    assert [e["action"] for e in doc["audit_log"]] == [e.action for e in project.log]


def test_inspect_text(demo_file):
    proc = dlwizard("inspect", demo_file)
    assert proc.returncode == 0, proc.stderr
    assert "Steps done: question, data, metadata" in proc.stdout
    assert "Data: 569 rows" in proc.stdout
    project = container.load(demo_file)
    for f in project.findings():
        assert f"{f.code}: " in proc.stdout


def test_run_a_plan(tmp_path):
    rows = ["sample,site,dx,radius,texture"]
    for i in range(30):
        rows.append(f"case-{i:03d},{'AB'[i % 2]},{'xy'[i // 15]},{i * 0.5},{(i * 7) % 11 + 0.25}")
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n", "utf-8")
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[project]\nname = "CLI plan"\n[question]\ntarget = "dx"\n'
        '[data]\npath = "data.csv"\n[metadata]\ndesign = "observational"\n',
        "utf-8",
    )
    out = tmp_path / "out" / "study.dlwiz"
    proc = dlwizard("run", plan, "--out", out, cwd=tmp_path.parent)
    assert proc.returncode == 0, proc.stderr
    assert "Ran question, data, metadata" in proc.stdout
    assert str(out.resolve()) in proc.stdout
    project = container.load(out)
    assert project.study.name == "CLI plan"
    assert project.table.shape == (30, 5)
    assert project.study.metadata.roles["site"] == "batch"
    for f in project.findings():
        if f.severity != "info":
            assert f"[{f.severity}] {f.code}:" in proc.stdout


def _one_clear_error(proc, *phrases: str) -> None:
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    first = proc.stderr.splitlines()[0]
    assert first.startswith("dlwizard: ")
    for phrase in phrases:
        assert phrase in first
    assert len(proc.stderr.splitlines()) <= 2  # the message, and 'What to do' when known
    assert proc.stdout == ""


def test_missing_plan_file(tmp_path):
    proc = dlwizard("run", tmp_path / "nope.toml", "--out", tmp_path / "x.dlwiz")
    _one_clear_error(proc, "nope.toml", "no such plan file")
    assert not (tmp_path / "x.dlwiz").exists()


def test_missing_project_file(tmp_path):
    _one_clear_error(dlwizard("inspect", tmp_path / "gone.dlwiz"), "gone.dlwiz", "no such file")


def test_unknown_plan_key(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('[question]\ntarget = "dx"\n[data]\npth = "data.csv"\n', "utf-8")
    proc = dlwizard("run", plan, "--out", tmp_path / "x.dlwiz")
    _one_clear_error(proc, "plan.toml", "unknown key 'pth' in [data]")
    assert "did you mean 'path'?" in proc.stderr


def test_debug_shows_the_traceback(tmp_path):
    plan = tmp_path / "plan.toml"
    plan.write_text('[question]\ntarget = "dx"\n[data]\npth = "data.csv"\n', "utf-8")
    proc = dlwizard("--debug", "run", plan, "--out", tmp_path / "x.dlwiz")
    assert proc.returncode != 0
    assert "Traceback (most recent call last)" in proc.stderr
    assert "PlanError" in proc.stderr


def test_a_damaged_project_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.dlwiz"
    bad.write_bytes(b"this is not a zip file")
    _one_clear_error(dlwizard("inspect", bad), "bad.dlwiz", "dlwizard project")


@pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="Windows and macOS always have a display"
)
def test_no_display_says_so(tmp_path):
    env = _env(DISPLAY=None, WAYLAND_DISPLAY=None, QT_QPA_PLATFORM=None)
    proc = dlwizard(env=env)
    assert proc.returncode != 0
    assert "no display" in proc.stderr.lower()
    assert "Traceback" not in proc.stderr
    assert "dlwizard demo --out" in proc.stderr  # and says what to do instead
    proc = dlwizard(tmp_path / "some.dlwiz", env=env)
    assert proc.returncode != 0 and "no display" in proc.stderr.lower()
