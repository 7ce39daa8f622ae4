"""The app icon for the Windows .exe and the macOS .app, rendered from resources/icons/dlwizard.svg.

PyInstaller turns the PNG into .ico / .icns itself (it needs Pillow for that, which CI installs
on Windows and macOS). Linux executables carry no icon: the desktop entry names the SVG.

    python packaging/icons.py OUT.png [SIZE]      render the PNG by hand
    python packaging/icons.py OUT.ico             a Windows icon (16 to 256 px; needs Pillow),
                                                  for the Inno Setup installer
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def render_png(svg: Path, out: Path, size: int = 1024) -> Path:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise RuntimeError(f"cannot read the icon {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out)):
        raise RuntimeError(f"cannot write {out}")
    return out


def app_icon(root: Path, workdir: Path) -> str | None:
    """The icon file to give PyInstaller's EXE/BUNDLE, or None (Linux)."""
    if sys.platform not in ("win32", "darwin"):
        return None
    return str(render_png(root / "resources" / "icons" / "dlwizard.svg", workdir / "dlwizard.png"))


def render_ico(svg: Path, out: Path) -> Path:
    from PIL import Image

    png = render_png(svg, out.with_suffix(".png"), 256)
    sizes = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
    with Image.open(png) as image:
        image.save(out, sizes=sizes)
    png.unlink()
    return out


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    svg = root / "resources" / "icons" / "dlwizard.svg"
    out = Path(sys.argv[1])
    if out.suffix.lower() == ".ico":
        print(render_ico(svg, out))
    else:
        print(render_png(svg, out, int(sys.argv[2]) if len(sys.argv) > 2 else 1024))
