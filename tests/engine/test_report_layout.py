"""The report package's layout: sections in the steps' order, and the names that other code
imports from ``report.content`` still there (issue 15, part 5). Function lengths: test_code_size."""

from __future__ import annotations

import subprocess
import sys

from dlwizard.report import build, checklists, content
from dlwizard.study import registry
from dlwizard.study.project import Project
from tests.conftest import ROOT

REPORT = ROOT / "dlwizard" / "report"
# Sections about the whole study (checklists.SECTIONS gives them the first step): not ordered.
WHOLE_STUDY = {"methods", "findings", "repro"}


def test_sections_follow_the_steps_order():
    report = build.build_report(Project.new("layout"))
    keys = [s.key for s in report.all_sections() if s.key in checklists.SECTIONS]
    assert set(keys) == set(checklists.SECTIONS)  # every section a checklist can cite exists
    steps = [checklists.SECTIONS[k][2] for k in keys if k not in WHOLE_STUDY]
    order = [registry.ORDER.index(step) for step in steps]
    assert order == sorted(order), list(zip(keys, steps))
    assert [s.key for s in report.sections] == [
        "summary", "question", "data", "optimisation", "model", "evaluation", "interpret",
        "privacy", "findings",
    ]  # fmt: skip
    assert [s.key for s in report.appendices] == ["repro", "checklists", "audit"]


def test_content_keeps_the_names_other_code_imports():
    for name in content.__all__:
        assert hasattr(content, name), name
    assert content.build_report is build.build_report


def test_importing_the_report_loads_no_science_and_no_qt():
    code = (
        "import sys\n"
        "import dlwizard.report.content\n"
        "heavy = ('numpy', 'pandas', 'sklearn', 'torch', 'PySide6', 'pyqtgraph')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy\n"
        "       or m.startswith(('dlwizard.steps', 'dlwizard.ml', 'dlwizard.render'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
