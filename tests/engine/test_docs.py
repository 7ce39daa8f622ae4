"""The documentation stays true: plan examples parse, every plan key and warning code is listed."""

from __future__ import annotations

import ast
import re
import tomllib

import pytest

from dlwizard.plan import KEYS, SUBKEYS, load_plan, run_plan
from dlwizard.study.model import ROLES
from tests.conftest import ROOT, SHARED_DATA

DOCS = ROOT / "docs"
PACKAGE = ROOT / "dlwizard"


def _toml_blocks() -> list[str]:
    text = (DOCS / "plan.md").read_text("utf-8")
    return re.findall(r"^```toml\n(.*?)^```", text, re.S | re.M)


def _full_examples() -> list[str]:
    """The blocks that are whole plans (the others show a single table)."""
    return [b for b in _toml_blocks() if "[question]" in b]


def test_plan_doc_has_the_full_examples():
    blocks = _full_examples()
    assert len(blocks) >= 3
    assert any("golub_raw/actual.csv" in b and "sample_sheet" in b for b in blocks)
    assert any("parkinsons" in b and "derive" in b and "[split]" in b for b in blocks)
    assert any("heart_disease" in b and "hold_out_column" in b for b in blocks)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_plan_doc_examples_parse(tmp_path, index):
    block = _full_examples()[index]
    path = tmp_path / "plan.toml"
    path.write_text(block, "utf-8")
    plan = load_plan(path)
    assert {"question", "data", "metadata"} <= set(plan)


def test_plan_doc_fragments_parse(tmp_path):
    for block in _toml_blocks():
        path = tmp_path / "plan.toml"
        path.write_text(block, "utf-8")
        assert load_plan(path)


def test_plan_doc_examples_together_use_every_key():
    """The examples show every key of every table, except [data] 'sheet'."""
    used: set[tuple[str, str]] = set()
    for block in _toml_blocks():
        for table, body in tomllib.loads(block).items():
            used |= {(table, key) for key in body}
    wanted = {(t, k) for t in KEYS for k in KEYS[t]} - {("data", "sheet")}
    assert wanted - used == set()


def test_plan_doc_lists_every_key_and_value():
    text = (DOCS / "plan.md").read_text("utf-8")
    for table, keys in KEYS.items():
        assert f"`[{table}]`" in text
        for key in keys:
            assert f"| `{key}` |" in text, f"[{table}] {key} is not documented"
    for (_table, _key), subkeys in SUBKEYS.items():
        for key in subkeys:
            assert f"| `{key}` |" in text
    for role in ROLES:
        assert f"`{role}`" in text


def test_plan_doc_examples_run_on_the_shared_data(tmp_path):
    if not (SHARED_DATA / "parkinsons_uci").exists():
        pytest.skip(f"needs the shared data set {SHARED_DATA} (../shared/data is not here)")
    path = tmp_path / "plan.toml"
    path.write_text(_full_examples()[1], "utf-8")
    project = run_plan(load_plan(path), base=SHARED_DATA)
    assert project.study.metadata.n_subjects == 32
    assert project.study.metadata.roles["person"] == "subject"
    assert project.study.split.group_column == "person"
    assert project.is_done("split")


def test_plan_doc_heart_example_holds_out_a_site(tmp_path):
    if not (SHARED_DATA / "heart_disease_uci").exists():
        pytest.skip(f"needs the shared data set {SHARED_DATA} (../shared/data is not here)")
    path = tmp_path / "plan.toml"
    path.write_text(_full_examples()[2], "utf-8")
    plan = load_plan(path)
    project = run_plan(plan, base=SHARED_DATA)
    sp = project.study.split
    assert sp.options.hold_out_column == "site"
    assert project.n_sealed == len(sp.test) == 200  # VA Long Beach has 200 patients (README)


# -- warning codes --------------------------------------------------------------------------------
def _values(module: ast.Module, node: ast.expr) -> set[str]:
    """The strings an expression can be: a literal, a module-level NAME = "literal" (the steps
    use STEP), or ``"a" if ... else "b"``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _values(module, node.body) | _values(module, node.orelse)
    if isinstance(node, ast.Name):
        for stmt in module.body:
            if (
                isinstance(stmt, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == node.id for t in stmt.targets)
                and isinstance(stmt.value, ast.Constant)
            ):
                return {stmt.value.value}
        looped = _loop_values(module, node.id)
        if looped:
            return looped
    raise AssertionError(f"cannot read {ast.unparse(node)}: write codes as literals")


def _loop_values(module: ast.Module, name: str) -> set[str]:
    """``for name, ... in (("a", ...), ("b", ...))``: the literals the loop variable takes."""
    out: set[str] = set()
    for loop in ast.walk(module):
        if not isinstance(loop, ast.For) or not isinstance(loop.iter, ast.Tuple | ast.List):
            continue
        if isinstance(loop.target, ast.Name) and loop.target.id == name:
            items = [(e, None) for e in loop.iter.elts]
        elif isinstance(loop.target, ast.Tuple):
            names = [getattr(t, "id", None) for t in loop.target.elts]
            if name not in names:
                continue
            i = names.index(name)
            items = [(e, i) for e in loop.iter.elts]
        else:
            continue
        for element, i in items:
            if i is not None and isinstance(element, ast.Tuple | ast.List):
                element = element.elts[i]
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                out.add(element.value)
    return out


def findings_in_code() -> dict[str, set[tuple[str, str]]]:
    """code -> {(step, severity)} for every Finding(...) written in dlwizard/."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(module):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            if name != "Finding":
                continue
            kw = {k.arg: k.value for k in node.keywords}
            assert {"code", "step", "severity"} <= set(kw), f"{path}: Finding without keywords"
            for code in _values(module, kw["code"]):
                for step in _values(module, kw["step"]):
                    for severity in _values(module, kw["severity"]):
                        found.setdefault(code, set()).add((step, severity))
    return found


def codes_by_grep() -> set[str]:
    pattern = re.compile(r"""\bcode=["']([a-z0-9-]+)["']""")
    return {
        m.group(1)
        for path in PACKAGE.rglob("*.py")
        for m in pattern.finditer(path.read_text("utf-8"))
    }


def documented() -> dict[str, set[tuple[str, str]]]:
    """code -> {(step, severity)} from the table; a severity cell may read "warning or info"."""
    text = (DOCS / "warnings.md").read_text("utf-8")
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (\w+) \| (\w+(?: or \w+)*) \|", text, re.M)
    codes = [r[0] for r in rows]
    assert len(codes) == len(set(codes)), "a code is documented twice"
    return {code: {(step, sev) for sev in cell.split(" or ")} for code, step, cell in rows}


def test_the_code_scan_finds_the_known_checks():
    found = findings_in_code()
    assert {"repeated-subjects", "transposed", "target-not-set"} <= set(found)
    assert codes_by_grep() <= set(found)


def test_every_warning_code_is_documented():
    missing = sorted((set(findings_in_code()) | codes_by_grep()) - set(documented()))
    assert missing == [], f"add these codes to docs/warnings.md: {missing}"


def test_no_stale_codes_in_the_docs():
    stale = sorted(set(documented()) - set(findings_in_code()))
    assert stale == [], f"docs/warnings.md lists codes the code no longer uses: {stale}"


def test_documented_step_and_severity_match_the_code():
    docs = documented()
    for code, uses in findings_in_code().items():
        if code not in docs:
            continue  # reported by test_every_warning_code_is_documented
        assert uses == docs[code], f"{code}: code says {uses}, docs say {docs[code]}"
