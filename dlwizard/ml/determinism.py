"""Deterministic, recorded training runs (Tip 3): seeds, flags, versions and the device.

``CUBLAS_WORKSPACE_CONFIG`` must be set before CUDA starts, so :func:`prepare_environment` runs
before torch is first imported by the networks step.
"""

from __future__ import annotations

import os
import platform
import random
from typing import Any

import numpy as np


def prepare_environment() -> None:
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")


def seed_everything(seed: int, deterministic: bool = True) -> dict[str, Any]:
    """Seed Python, NumPy and torch; switch torch to deterministic kernels. Returns the flags."""
    prepare_environment()
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(deterministic, warn_only=False)
    torch.backends.cudnn.deterministic = deterministic
    torch.backends.cudnn.benchmark = not deterministic
    torch.backends.cuda.matmul.allow_tf32 = not deterministic
    torch.backends.cudnn.allow_tf32 = not deterministic
    return {
        "seed": seed,
        "deterministic_algorithms": deterministic,
        "cudnn_deterministic": deterministic,
        "cudnn_benchmark": not deterministic,
        "tf32": not deterministic,
        "cublas_workspace_config": os.environ.get("CUBLAS_WORKSPACE_CONFIG", ""),
    }


def pick_device(choice: str = "auto") -> str:
    """CUDA when present, then Apple MPS, else CPU; or the user's explicit choice."""
    import torch

    if choice != "auto":
        return choice
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def device_record(device: str) -> dict[str, str]:
    import torch

    out = {
        "device": device,
        "torch": torch.__version__,
        "threads": str(torch.get_num_threads()),
        "cpu": platform.processor() or platform.machine(),
    }
    if device == "cuda" and torch.cuda.is_available():
        out["gpu"] = torch.cuda.get_device_name(0)
        out["cuda"] = str(torch.version.cuda)
        out["cudnn"] = str(torch.backends.cudnn.version())
        driver = _nvidia_driver()
        if driver:
            out["driver"] = driver
    return out


def _nvidia_driver() -> str:
    """The NVIDIA driver version (torch does not report it); empty when nvidia-smi is absent."""
    import shutil
    import subprocess

    exe = shutil.which("nvidia-smi")
    if not exe:
        return ""
    try:
        done = subprocess.run(
            [exe, "--query-gpu=driver_version", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip().splitlines()[0] if done.returncode == 0 and done.stdout else ""
