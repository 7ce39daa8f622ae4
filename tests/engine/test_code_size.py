"""Small modules and functions where the science and the report live (issue 15): a step's or a
report section's function fits on a screen, and no module outside the GUI grows past 800 lines.
A failure names what to split."""

from __future__ import annotations

import ast
from pathlib import Path

import dlwizard

ROOT = Path(dlwizard.__file__).parent
MAX_FUNCTION = 100  # lines, in steps/ and report/
MAX_MODULE = 800  # lines, everywhere but the GUI's pages and widgets


def _functions(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield path, node.name, node.end_lineno - node.lineno + 1


def test_no_step_or_report_function_is_over_100_lines():
    long = [
        f"{path.relative_to(ROOT)}: {name} has {n} lines"
        for folder in ("steps", "report")
        for path, name, n in _functions(ROOT / folder)
        if n > MAX_FUNCTION
    ]
    assert not long, "split these into named helpers: " + "; ".join(long)


def test_no_module_outside_the_gui_is_over_800_lines():
    big = []
    for path in sorted(ROOT.rglob("*.py")):
        if path.relative_to(ROOT).parts[0] == "gui":
            continue
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_MODULE:
            big.append(f"{path.relative_to(ROOT)} has {n} lines")
    assert not big, "split these by concept: " + "; ".join(big)
