"""The window's system libraries on Linux: found with ldd, named with the package to install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dlwizard import system_libs
from tests.conftest import ROOT

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f)
\tlibxcb-icccm.so.4 => not found
\tlibweird.so.7 => not found
"""


def test_missing_libraries_are_read_from_ldd_in_order_without_repeats():
    assert system_libs.missing_libraries([], LDD) == [
        "libxcb-icccm.so.4",
        "libxcb-keysyms.so.1",
        "libweird.so.7",
    ]
    assert system_libs.missing_libraries([], "\tlibxcb.so.1 => /lib/libxcb.so.1 (0x1)\n") == []


@pytest.mark.parametrize(
    ("os_release", "family", "command"),
    [
        ('ID=ubuntu\nID_LIKE=debian\nVERSION_ID="24.04"\n', "debian", "sudo apt install"),
        ("ID=debian\n", "debian", "sudo apt install"),
        ('ID="fedora"\n', "fedora", "sudo dnf install"),
        ('ID="rocky"\nID_LIKE="rhel centos fedora"\n', "fedora", "sudo dnf install"),
        ('ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n', "suse", "sudo zypper install"),
        ("ID=arch\n", "arch", "sudo pacman -S"),
    ],
)
def test_the_advice_names_the_packages_for_the_distribution(os_release, family, command):
    assert system_libs.distro_family(os_release) == family
    missing = ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libweird.so.7"]
    text = system_libs.advice(missing, family)
    assert command in text
    expected = {"debian": "libxcb-icccm4", "fedora": "xcb-util-wm", "suse": "libxcb-icccm4"}
    assert expected.get(family, "xcb-util-wm") in text
    assert "libweird.so.7" in text and "start dlwizard again" in text


def test_an_unknown_distribution_still_gets_a_useful_hint():
    assert system_libs.distro_family("ID=nixos\n") is None
    text = system_libs.advice(["libxcb-cursor.so.0"], None)
    assert "libxcb-cursor.so.0" in text and "libxcb-cursor0" in text


def test_xcb_is_only_checked_where_qt_would_use_it(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert not system_libs.uses_xcb()
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    assert system_libs.uses_xcb()
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert system_libs.uses_xcb()
    monkeypatch.setattr(sys, "platform", "darwin")
    assert not system_libs.uses_xcb()


def _fake_ldd(folder: Path) -> dict[str, str]:
    """An ldd that reports two xcb libraries missing; PATH holds nothing else (no dialogs)."""
    ldd = folder / "ldd"
    ldd.write_text("#!/bin/sh\nprintf '\\tlibxcb-icccm.so.4 => not found\\n'\n")
    ldd.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    return {**env, "PATH": str(folder), "DISPLAY": ":99"}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb check is for Linux")
def test_the_window_does_not_try_to_open_without_its_libraries(tmp_path):
    env = _fake_ldd(tmp_path)
    entry = "from dlwizard.cli import entry; entry()"
    check = subprocess.run(
        [sys.executable, "-c", entry, "--check-system"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 3
    assert "libxcb-icccm.so.4" in check.stdout and "start dlwizard again" in check.stdout
    if system_libs.distro_family() == "debian":
        assert "sudo apt install libxcb-icccm4" in check.stdout
    gui = subprocess.run(
        [sys.executable, "-c", entry], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert gui.returncode == 3
    assert "cannot open its window" in gui.stderr and "could not load" not in gui.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the xcb check is for Linux")
def test_check_system_agrees_with_ldd_on_this_machine():
    entry = "from dlwizard.cli import entry; entry()"
    done = subprocess.run(
        [sys.executable, "-c", entry, "--check-system"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    missing = system_libs.missing_libraries(system_libs.xcb_plugin_files())
    assert done.returncode == (3 if missing else 0), done.stdout
    assert shutil.which("ldd") is None or system_libs.xcb_plugin_files()
