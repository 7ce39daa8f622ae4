"""The science never imports Qt: every engine module imports, and the demo runs, with Qt blocked."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT

ENGINE_PACKAGES = (
    "dlwizard.study",
    "dlwizard.io",
    "dlwizard.steps",
    "dlwizard.ml",
    "dlwizard.plan",
    "dlwizard.demo",
    "dlwizard.summary",
    # The report's content (the whole package: its Qt writer is dlwizard.render.pdf).
    "dlwizard.report",
    # Not science, but on the headless path (`dlwizard demo`, `dlwizard run`): no Qt either.
    "dlwizard.jobs",
    "dlwizard.errors",
    "dlwizard.settings",
    "dlwizard.cli",
)
BLOCKED = ("PySide6", "pyqtgraph", "superqt", "shiboken6", "PyQt5", "PyQt6", "qtpy")

SCRIPT = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    BLOCKED = set(sys.argv[1].split(","))
    PACKAGES = sys.argv[2].split(",")
    attempts = []

    class BlockQt:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                attempts.append(name)
                raise ImportError(f"{name} is blocked: the engine must not import Qt")
            return None

    sys.meta_path.insert(0, BlockQt())
    imported = []
    for name in PACKAGES:
        module = importlib.import_module(name)
        imported.append(name)
        if hasattr(module, "__path__"):
            for info in pkgutil.walk_packages(module.__path__, name + "."):
                importlib.import_module(info.name)
                imported.append(info.name)

    from dlwizard.demo import demo_project
    from dlwizard.plan import dumps, plan_from_project
    from dlwizard.summary import text

    project = demo_project()
    text(project)
    dumps(plan_from_project(project))
    qt = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
    print(json.dumps({
        "imported": imported,
        "attempts": attempts,
        "qt_loaded": qt,
        "steps_done": list(project.study.steps_done),
        "rows": len(project.table) + project.n_sealed,
    }))
    """
)


def test_engine_imports_and_demo_runs_without_qt():
    import json

    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, ",".join(BLOCKED), ",".join(ENGINE_PACKAGES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["attempts"] == [], f"engine modules tried to import Qt: {result['attempts']}"
    assert result["qt_loaded"] == []
    assert result["steps_done"] == ["question", "data", "metadata", "explore", "split"]
    assert result["rows"] == 569
    imported = set(result["imported"])
    # The walk really covered the modules, not just the package names.
    for module in (
        "dlwizard.study.container",
        "dlwizard.study.autosave",
        "dlwizard.study.migrations",
        "dlwizard.io.readers",
        "dlwizard.io.samplesheet",
        "dlwizard.steps.metadata",
        "dlwizard.ml.association",
        "dlwizard.report.document",
    ):
        assert module in imported


def test_the_blocker_really_blocks():
    """Guard against a blocker that would let Qt through and make the test above meaningless."""
    probe = SCRIPT.split("imported = []")[0] + "import PySide6\n"
    proc = subprocess.run(
        [sys.executable, "-c", probe, ",".join(BLOCKED), ""],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "PySide6 is blocked" in proc.stderr
