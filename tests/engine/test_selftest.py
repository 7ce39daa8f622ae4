"""`dlwizard --self-test`: the smoke test the frozen app runs, here run from source."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

from dlwizard import __version__, selftest
from dlwizard.study import crypto
from tests.conftest import ROOT

ALL_CHECKS = ["imports", "gui", "models", "network", "images", "project", "pdf"]


def _self_test(*args: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "selftest.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")  # keyring: null backend (conftest)
    done = subprocess.run(
        [sys.executable, "-m", "dlwizard", "--self-test", "--out", str(out), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert out.exists(), done.stdout + done.stderr
    return done, json.loads(out.read_text("utf-8"))


def test_self_test_from_source_passes_and_reports(tmp_path):
    done, doc = _self_test(tmp_path=tmp_path)
    by_name = {c["name"]: c for c in doc["checks"]}
    assert [c["name"] for c in doc["checks"]] == ALL_CHECKS
    for check in doc["checks"]:
        assert isinstance(check["ok"], bool) and check["seconds"] >= 0
        assert check["ok"] == ("error" not in check)
    # The exit code says whether every check passed, and the JSON agrees.
    assert doc["ok"] == all(c["ok"] for c in doc["checks"])
    assert done.returncode == (0 if doc["ok"] else 1), done.stdout + done.stderr
    assert doc["failed"] == [c["name"] for c in doc["checks"] if not c["ok"]]

    expected_ok = [name for name in ALL_CHECKS if name != "pdf"]
    if find_spec("dlwizard.render.pdf") is not None:
        expected_ok.append("pdf")
    else:
        assert "report module missing" in by_name["pdf"]["error"]
    failures = {n: by_name[n].get("error") for n in expected_ok if not by_name[n]["ok"]}
    assert not failures, failures

    assert by_name["imports"]["detail"]["dlwizard_modules"] > 50
    assert by_name["gui"]["detail"]["qt_platform"] == "offscreen"
    # every page is built (the window itself builds them on their first visit)
    from dlwizard.study import registry

    steps = len(registry.ORDER)
    assert by_name["gui"]["detail"]["pages_built"] == by_name["gui"]["detail"]["pages"] == steps
    assert by_name["network"]["detail"]["runs"][0]["device"] == "cpu"
    assert by_name["project"]["detail"]["rows"] > 0
    # What the report says about the installation.
    assert doc["keyring"]["backend"].startswith("none")  # the tests' null backend
    assert "SecretService" in doc["keyring"]["entry_points"]
    assert doc["versions"]["dlwizard"] == __version__
    assert doc["torch"]["cuda_available"] in (True, False)
    assert doc["platform"]["frozen"] is False
    assert doc["seconds"] < 120
    assert "self-test" in done.stdout


def test_startup_mode_opens_the_first_window(tmp_path):
    done, doc = _self_test("--startup", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert doc["ok"] is True
    assert doc["qt_platform"] == "offscreen"
    assert doc["shown_at"] > 0
    assert [name for name, _ in doc["stages"]][-1] == "show() + processEvents()"
    assert "torch" not in doc["heavy_modules_at_first_show"]


def test_project_check_writes_no_keychain_entry_and_restores_the_environment(
    memory_keyring, monkeypatch
):
    monkeypatch.setattr(crypto, "SCRYPT_N", 2**12)
    home_before = os.environ["DLWIZARD_HOME"]
    assert crypto.Keychain().available()  # the in-memory keychain would take an entry
    doc = selftest.run(["project"])
    assert doc["ok"], doc["checks"]
    assert memory_keyring.entries == {}
    assert "DLWIZARD_KEYCHAIN" not in os.environ
    assert os.environ["DLWIZARD_HOME"] == home_before
    assert doc["keyring"]["usable"] is True


def test_keychain_check_round_trips_and_leaves_nothing(memory_keyring):
    doc = selftest.run(["keychain"])
    assert doc["ok"], doc["checks"]
    assert memory_keyring.entries == {}


def test_missing_report_module_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "dlwizard.render.pdf", None)  # import raises ImportError
    out = tmp_path / "selftest.json"
    code = selftest.main(["--self-test", "--only", "pdf", "--out", str(out)])
    doc = json.loads(out.read_text("utf-8"))
    assert code == 1
    assert doc["ok"] is False and doc["failed"] == ["pdf"]
    assert "report module missing" in doc["checks"][0]["error"]


def test_no_keychain_means_the_keychain_check_fails(monkeypatch):
    monkeypatch.setenv("DLWIZARD_KEYCHAIN", "off")
    doc = selftest.run(["keychain"])
    assert doc["ok"] is False
    assert "no usable keychain" in doc["checks"][0]["error"]


def test_cli_routes_self_test(monkeypatch):
    from dlwizard import cli

    seen = []
    monkeypatch.setattr(selftest, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["--self-test", "--only", "imports"]) == 0
    assert seen == [["--self-test", "--only", "imports"]]


def test_self_test_opens_a_real_window_under_xvfb(tmp_path):
    """On a display the self-test opens the window with the xcb platform, not offscreen."""
    import shutil
    import time

    import pytest

    from dlwizard import system_libs

    xvfb = shutil.which("Xvfb")
    if xvfb is None or not sys.platform.startswith("linux"):
        pytest.skip("needs Xvfb (Debian package xvfb; .ci/run installs it)")
    missing = system_libs.missing_libraries(system_libs.xcb_plugin_files())
    if missing:
        pytest.skip(f"the xcb libraries are not installed here: {', '.join(missing)}")
    display = f":{90 + os.getpid() % 100}"
    server = subprocess.Popen(
        [xvfb, display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        assert server.poll() is None, "Xvfb did not start"
        out = tmp_path / "selftest.json"
        env = dict(os.environ, QT_QPA_PLATFORM="xcb", DISPLAY=display)
        env.pop("WAYLAND_DISPLAY", None)
        done = subprocess.run(
            [sys.executable, "-m", "dlwizard", "--self-test", "--only", "gui", "--out", str(out)],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
        )  # fmt: skip
        doc = json.loads(out.read_text("utf-8"))
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert done.returncode == 0, done.stdout + done.stderr
    gui = next(c for c in doc["checks"] if c["name"] == "gui")
    assert gui["detail"]["qt_platform"] == "xcb" and gui["detail"]["exposed"] is True
