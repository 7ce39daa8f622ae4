"""What the analysis ran on: versions, platform and threads, recorded in the Study."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

from dlwizard import __version__

PACKAGES = ("numpy", "pandas", "pyarrow", "scipy", "scikit-learn", "pydantic", "openpyxl")


def environment() -> dict[str, str]:
    """Library versions from package metadata (nothing is imported to find them)."""
    env = {
        "dlwizard": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": str(os.cpu_count() or 0),
    }
    for name in PACKAGES:
        try:
            env[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return env
