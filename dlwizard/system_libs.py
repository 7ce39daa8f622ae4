"""What the wizard's window needs from a Linux system, and how to install what is missing.

The app bundles Qt, but Qt's X11 platform plugin (xcb) links against the desktop's own xcb and
xkbcommon libraries. On a machine without one of them a double-click would end in Qt's terse
"could not load the Qt platform plugin". Before the window opens (and from ``install.sh`` through
``dlwizard --check-system``), the plugin's dependencies are listed with ``ldd`` and each missing
one is named with the package that provides it, for the user's distribution.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# soname -> package, per distribution family. Covers what Qt 6's xcb plugin links against beyond
# the base X11 libraries; anything else is named by its file.
PACKAGES: dict[str, dict[str, str]] = {
    "libxcb-cursor.so.0": {
        "debian": "libxcb-cursor0", "fedora": "xcb-util-cursor",
        "suse": "libxcb-cursor0", "arch": "xcb-util-cursor",
    },
    "libxcb-icccm.so.4": {
        "debian": "libxcb-icccm4", "fedora": "xcb-util-wm",
        "suse": "libxcb-icccm4", "arch": "xcb-util-wm",
    },
    "libxcb-keysyms.so.1": {
        "debian": "libxcb-keysyms1", "fedora": "xcb-util-keysyms",
        "suse": "libxcb-keysyms1", "arch": "xcb-util-keysyms",
    },
    "libxcb-image.so.0": {
        "debian": "libxcb-image0", "fedora": "xcb-util-image",
        "suse": "libxcb-image0", "arch": "xcb-util-image",
    },
    "libxcb-render-util.so.0": {
        "debian": "libxcb-render-util0", "fedora": "xcb-util-renderutil",
        "suse": "libxcb-render-util0", "arch": "xcb-util-renderutil",
    },
    "libxcb-xkb.so.1": {
        "debian": "libxcb-xkb1", "fedora": "libxcb", "suse": "libxcb-xkb1", "arch": "libxcb",
    },
    "libxkbcommon-x11.so.0": {
        "debian": "libxkbcommon-x11-0", "fedora": "libxkbcommon-x11",
        "suse": "libxkbcommon-x11-0", "arch": "libxkbcommon-x11",
    },
    "libxkbcommon.so.0": {
        "debian": "libxkbcommon0", "fedora": "libxkbcommon",
        "suse": "libxkbcommon0", "arch": "libxkbcommon",
    },
    "libxcb-shape.so.0": {
        "debian": "libxcb-shape0", "fedora": "libxcb", "suse": "libxcb-shape0", "arch": "libxcb",
    },
    "libxcb-randr.so.0": {
        "debian": "libxcb-randr0", "fedora": "libxcb", "suse": "libxcb-randr0", "arch": "libxcb",
    },
    "libxcb-xinerama.so.0": {
        "debian": "libxcb-xinerama0", "fedora": "libxcb",
        "suse": "libxcb-xinerama0", "arch": "libxcb",
    },
    "libxcb-sync.so.1": {
        "debian": "libxcb-sync1", "fedora": "libxcb", "suse": "libxcb-sync1", "arch": "libxcb",
    },
    "libxcb-xfixes.so.0": {
        "debian": "libxcb-xfixes0", "fedora": "libxcb", "suse": "libxcb-xfixes0", "arch": "libxcb",
    },
    "libX11-xcb.so.1": {
        "debian": "libx11-xcb1", "fedora": "libX11-xcb", "suse": "libX11-xcb1", "arch": "libx11",
    },
    "libEGL.so.1": {
        "debian": "libegl1", "fedora": "libglvnd-egl", "suse": "libEGL1", "arch": "libglvnd",
    },
    "libGL.so.1": {
        "debian": "libgl1", "fedora": "libglvnd-glx", "suse": "libGL1", "arch": "libglvnd",
    },
    "libfontconfig.so.1": {
        "debian": "libfontconfig1", "fedora": "fontconfig",
        "suse": "libfontconfig1", "arch": "fontconfig",
    },
    "libdbus-1.so.3": {
        "debian": "libdbus-1-3", "fedora": "dbus-libs", "suse": "libdbus-1-3", "arch": "dbus",
    },
}  # fmt: skip
INSTALL = {
    "debian": "sudo apt install",
    "fedora": "sudo dnf install",
    "suse": "sudo zypper install",
    "arch": "sudo pacman -S",
}
_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.M)


def distro_family(os_release: str | None = None) -> str | None:
    """debian, fedora, suse or arch (from /etc/os-release's ID and ID_LIKE), else None."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
    fields = dict(
        (k, v.strip().strip('"').lower())
        for k, _, v in (line.partition("=") for line in os_release.splitlines())
        if k
    )
    words = (fields.get("ID", "") + " " + fields.get("ID_LIKE", "")).split()
    for family, names in (
        ("debian", ("debian", "ubuntu")),
        ("fedora", ("fedora", "rhel", "centos")),
        ("suse", ("suse", "opensuse", "sles")),
        ("arch", ("arch",)),
    ):
        if any(w in names or w.startswith(names) for w in words):
            return family
    return None


def xcb_plugin_files() -> list[Path]:
    """Qt's X11 platform plugin and the library it loads, as bundled with PySide6."""
    import importlib.util

    # Only the folder is needed: finding the package does not load Qt.
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return []
    qt = Path(next(iter(spec.submodule_search_locations))).resolve() / "Qt"
    candidates = [qt / "plugins" / "platforms" / "libqxcb.so"]
    candidates += sorted((qt / "lib").glob("libQt6XcbQpa.so*"))[:1]
    return [p for p in candidates if p.exists()]


def missing_libraries(files: list[Path], ldd_output: str | None = None) -> list[str]:
    """Sonames the given shared objects need but the system does not have (in ldd order)."""
    if ldd_output is None:
        ldd = shutil.which("ldd")
        if ldd is None or not files:
            return []
        try:
            ldd_output = subprocess.run(
                [ldd, *map(str, files)], capture_output=True, text=True, timeout=30
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return []
    seen: list[str] = []
    for name in _NOT_FOUND.findall(ldd_output):
        if name not in seen:
            seen.append(name)
    return seen


def advice(missing: list[str], family: str | None) -> str:
    """The missing libraries in plain words, with the command that installs them."""
    names = ", ".join(missing)
    text = (
        "dlwizard cannot open its window: this computer lacks system libraries that the "
        f"window system needs ({names})."
    )
    if family in INSTALL:
        packages: list[str] = []
        for soname in missing:
            pkg = PACKAGES.get(soname, {}).get(family)
            if pkg and pkg not in packages:
                packages.append(pkg)
        unknown = [s for s in missing if family not in PACKAGES.get(s, {})]
        if packages:
            text += f" Install them with:\n    {INSTALL[family]} {' '.join(packages)}"
        if unknown:
            text += f"\nAlso install the package that provides {', '.join(unknown)}."
    else:
        text += (
            " Install the packages that provide them with your distribution's package "
            "manager (on Debian or Ubuntu: sudo apt install "
            + " ".join(PACKAGES.get(s, {}).get("debian", s) for s in missing)
            + ")."
        )
    return text + "\nThen start dlwizard again."


def uses_xcb() -> bool:
    """Whether Qt will use the X11 plugin: Linux, a display, and no other platform chosen."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = os.environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.startswith("xcb")
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def check_window_system() -> str | None:
    """None when the window can open as far as the system's libraries go; else the advice."""
    if not sys.platform.startswith("linux"):
        return None
    missing = missing_libraries(xcb_plugin_files())
    if not missing:
        return None
    return advice(missing, distro_family())


def tell_graphically(text: str) -> None:
    """Show the advice in a small dialog when Qt cannot: with zenity, kdialog or xmessage."""
    for tool, args in (
        ("zenity", ["--error", "--no-wrap", "--title=dlwizard", f"--text={text}"]),
        ("kdialog", ["--title", "dlwizard", "--error", text]),
        ("xmessage", ["-center", text]),
    ):
        exe = shutil.which(tool)
        if exe:
            try:
                subprocess.run([exe, *args], timeout=600, check=False)
            except (OSError, subprocess.SubprocessError):
                continue
            return
