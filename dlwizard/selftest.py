"""`dlwizard --self-test --out FILE.json`: prove that this installation works, in seconds.

Runs from a source checkout and in the frozen (PyInstaller) app alike, where it is the smoke
test that CI and ``make package`` run on the built bundle. Each check is timed:

    imports   every dlwizard module (the package is walked, GUI included) and the third-party
              libraries the wizard loads lazily; keyring's backends found through entry points
    gui       the QApplication (offscreen when there is no display) and the MainWindow, shown
              and closed without any dialog
    models    every baseline family fitted on tiny data, saved and reloaded with skops;
              a 3-trial optuna search
    network   one epoch of a tiny torch network on the CPU (and on the GPU when there is one),
              its weights saved and reloaded with safetensors
    project   the demo data (bundled with scikit-learn) saved as an encrypted project and
              reopened with its password; no keychain entry is written
    pdf       the methods report written as a PDF (``dlwizard.render.pdf.write_pdf``)
    keychain  only with ``--keychain``: a throwaway entry written to, read from and deleted
              from the operating system's keychain

The JSON also says which keyring backend was found, the versions, the platform and the torch
devices. The exit code is 0 only when every check passed. Nothing is written to the user's home:
settings, recovery copies and the test project live in a temporary folder that is removed.

``dlwizard --self-test --startup --out FILE.json`` only opens the first window and records when
it was shown (``packaging/startup_time.py`` uses it to time the cold start of the frozen app).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

PASSWORD = "self-test password, not a secret"

# Libraries dlwizard imports lazily (inside functions): a frozen app that lacks one of them
# only fails when the user reaches that step, so the self-test imports them all up front.
THIRD_PARTY = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "openpyxl",
    "scipy.stats",
    "scipy.sparse",
    "sklearn",
    "sklearn.ensemble",
    "sklearn.linear_model",
    "sklearn.svm",
    "sklearn.neighbors",
    "sklearn.naive_bayes",
    "sklearn.manifold",
    "sklearn.decomposition",
    "sklearn.inspection",
    "sklearn.model_selection",
    "sklearn.metrics",
    "sklearn.feature_extraction.text",
    "scipy.sparse.csgraph",
    "Bio.SeqIO.FastaIO",
    "PIL.Image",
    "tifffile",
    "skimage.feature",
    "skimage.transform",
    "scipy.fft",
    "scipy.ndimage",
    "optuna",
    "pydantic",
    "tomli_w",
    "skops.io",
    "torch",
    "safetensors.torch",
    "cryptography.hazmat.primitives.ciphers.aead",
    "cryptography.hazmat.primitives.kdf.scrypt",
    "keyring",
    "PySide6.QtWidgets",
    "PySide6.QtSvg",
    "pyqtgraph",
    "superqt",
)
DISTRIBUTIONS = (
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "scikit-learn",
    "optuna",
    "pydantic",
    "skops",
    "torch",
    "safetensors",
    "cryptography",
    "keyring",
    "PySide6_Essentials",
    "shiboken6",
    "pyqtgraph",
    "superqt",
    "openpyxl",
    "pillow",
    "tifffile",
    "scikit-image",
)
# Modules that must not be imported by the walk: running them does something.
_SKIP_MODULES = {"dlwizard.__main__"}


class CheckFailed(Exception):
    """A check found something wrong (the message says what)."""


class _NoDialogs:
    """Stands in for the window's dialogs: any question is recorded (and answered "no")."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def answer(*args: Any, **kwargs: Any) -> Any:
            self.asked.append(name)
            return "discard" if name == "unsaved_changes" else None

        return answer


# -- helpers ---------------------------------------------------------------------------------------
def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _versions() -> dict[str, str]:
    from importlib import metadata

    from dlwizard import __version__

    out = {"dlwizard": __version__, "python": platform.python_version()}
    for name in DISTRIBUTIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "missing"
    return out


def _platform() -> dict[str, Any]:
    return {
        "system": platform.system(),
        "release": platform.release(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count() or 0,
        "frozen": _frozen(),
        "executable": sys.executable,
    }


def _keyring_info() -> dict[str, Any]:
    from dlwizard.study import crypto

    chain = crypto.Keychain()
    info: dict[str, Any] = {"backend": chain.backend_name(), "usable": chain.available()}
    try:
        from importlib.metadata import entry_points

        info["entry_points"] = sorted(ep.name for ep in entry_points(group="keyring.backends"))
    except Exception as exc:  # pragma: no cover - metadata missing
        info["entry_points"] = []
        info["entry_points_error"] = f"{type(exc).__name__}: {exc}"
    return info


def _process_started_at() -> float | None:
    """When this process started (epoch seconds), on Linux; None elsewhere."""
    try:
        stat = Path("/proc/self/stat").read_text()
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22: starttime
        boot = next(
            float(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
        return boot + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration, AttributeError):
        return None


def _choose_qt_platform() -> str:
    """Offscreen unless the caller chose a platform or a display is there to use."""
    chosen = os.environ.get("QT_QPA_PLATFORM")
    if chosen:
        return chosen
    from dlwizard.cli import has_display

    if not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        return "offscreen"
    return "native"


def _tiny_classification(n: int = 80, d: int = 6, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] + rng.normal(scale=0.5, size=n) > 0).astype("int64")
    return x, y


# -- the checks ------------------------------------------------------------------------------------
def check_imports(ctx: dict[str, Any]) -> dict[str, Any]:
    import importlib
    import pkgutil

    import dlwizard

    errors: list[str] = []
    names: list[str] = []

    def walk_error(name: str) -> None:
        errors.append(f"{name}: {_exc_line()}")

    for info in pkgutil.walk_packages(dlwizard.__path__, "dlwizard.", onerror=walk_error):
        if info.name in _SKIP_MODULES:
            continue
        names.append(info.name)
        try:
            importlib.import_module(info.name)
        except Exception:
            errors.append(f"{info.name}: {_exc_line()}")
    for name in THIRD_PARTY:
        try:
            importlib.import_module(name)
        except Exception:
            errors.append(f"{name}: {_exc_line()}")
    required = {"dlwizard.cli", "dlwizard.gui.main_window", "dlwizard.study.container"}
    missing = sorted(required - set(names))
    if missing:
        errors.append(f"the package walk did not find {', '.join(missing)}")
    keyring_eps = ctx["keyring"].get("entry_points", [])
    if not keyring_eps:
        errors.append("keyring finds no backends (its entry points / metadata are missing)")
    for ep_name in keyring_eps:
        try:
            from importlib.metadata import entry_points

            next(iter(entry_points(group="keyring.backends", name=ep_name))).load()
        except Exception:
            errors.append(f"keyring backend {ep_name}: {_exc_line()}")
    if errors:
        raise CheckFailed("; ".join(errors))
    return {"dlwizard_modules": len(names), "third_party_modules": len(THIRD_PARTY)}


def check_gui(ctx: dict[str, Any]) -> dict[str, Any]:
    from dlwizard import system_libs

    if system_libs.uses_xcb():
        problem = system_libs.check_window_system()
        if problem:
            raise CheckFailed(problem)
    from dlwizard.gui.app import create_app
    from dlwizard.gui.main_window import MainWindow

    app = create_app()
    window = MainWindow()
    dialogs = _NoDialogs()
    window.ask = dialogs
    window.show()
    app.processEvents()
    shown = window.isVisible()
    # On a real display the window must also reach the screen (mapped by the window system).
    real_display = app.platformName() not in ("offscreen", "minimal")
    end = time.monotonic() + (5.0 if real_display else 0.0)
    handle = window.windowHandle()
    while handle is not None and not handle.isExposed() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)
    exposed = handle is not None and handle.isExposed()
    # The window builds a page on its first visit: build each one here, so that a page whose
    # module or widgets are missing from the bundle fails the self-test, not the user.
    built = [window.pages[i].step for i in range(len(window.pages))]
    detail = {
        "qt_platform": app.platformName(),
        "requested_platform": ctx["qt_platform"],
        "pages": len(window.pages),
        "pages_built": len(built),
        "exposed": exposed,
        "window_title": window.windowTitle(),
        # A null pixmap means the SVG plugins (imageformats, iconengines) were not bundled.
        "icon": not app.windowIcon().pixmap(64, 64).isNull(),
    }
    window.project.dirty = False
    window.close()
    window.deleteLater()
    app.processEvents()
    if not shown:
        raise CheckFailed("the main window did not show")
    if not exposed and real_display:
        raise CheckFailed(f"the window never appeared on the {app.platformName()} display")
    if dialogs.asked:
        raise CheckFailed(f"the window asked questions: {', '.join(dialogs.asked)}")
    if not detail["icon"]:
        raise CheckFailed("the application icon (resources/icons/dlwizard.svg) did not load")
    return detail


def check_models(ctx: dict[str, Any]) -> dict[str, Any]:
    import warnings

    import numpy as np
    import optuna
    import pandas as pd

    from dlwizard.ml import frozen, models

    x, y = _tiny_classification()
    cols = [f"f{i}" for i in range(x.shape[1])]
    frame = pd.DataFrame(x, columns=cols)
    fitted, errors = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, family in models.families("binary").items():
            # Small models: this checks that each family runs, not how well it learns.
            params = {**models.default_params(family), "n_estimators": 10, "max_iter": 20}
            try:
                pipe = models.pipeline(family, params, cols, [], seed=0).fit(frame, y)
                before = pipe.predict(frame)
                again = frozen.load_sklearn(frozen.dump_sklearn(pipe), f"the {key} model")
                if not np.array_equal(before, again.predict(frame)):
                    raise CheckFailed("predictions changed after a skops round trip")
            except Exception as exc:
                errors.append(f"{key}: {str(exc).splitlines()[0]}")
                continue
            fitted.append(key)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
        study.optimize(lambda t: (t.suggest_float("a", -1.0, 1.0) - 0.3) ** 2, n_trials=3)
    if errors:
        raise CheckFailed("; ".join(errors))
    return {"families": fitted, "optuna_trials": len(study.trials)}


def _train_once(device: str) -> dict[str, Any]:
    import numpy as np

    from dlwizard.ml import nets

    x, y = _tiny_classification(n=96)
    config = nets.NetConfig(width=8, depth=1, batch_size=16, max_epochs=1, patience=1)
    model, history = nets.train(
        config, x[:64], y[:64], x[64:], y[64:], "binary", 2, device=device, seed=0
    )
    if len(history.train_loss) != 1 or not np.isfinite(history.train_loss[0]):
        raise CheckFailed(f"one epoch on {device} gave losses {history.train_loss}")
    weights, arch = nets.save_weights(model, config, x.shape[1], 2)
    reloaded, _ = nets.load_weights(weights, arch)
    a = nets.predict(model, x, "binary", device)
    b = nets.predict(reloaded, x, "binary", "cpu")
    if not np.allclose(a, b, atol=1e-5):
        raise CheckFailed(f"predictions on {device} changed after a safetensors round trip")
    return {"device": device, "train_loss": round(history.train_loss[0], 4)}


def torch_devices() -> dict[str, Any]:
    import torch

    out: dict[str, Any] = {
        "torch": torch.__version__,
        "cuda_built": torch.version.cuda,
        "cuda_available": torch.cuda.is_available(),
        "mps_available": bool(
            getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()
        ),
        "threads": torch.get_num_threads(),
    }
    if out["cuda_available"]:
        out["cuda_device"] = torch.cuda.get_device_name(0)
    return out


def check_network(ctx: dict[str, Any]) -> dict[str, Any]:
    from dlwizard.ml.determinism import pick_device

    ctx["torch"] = torch_devices()
    runs = [_train_once("cpu")]
    best = pick_device("auto")
    if best != "cpu":
        runs.append(_train_once(best))
    return {"runs": runs, "best_device": best}


def check_images(ctx: dict[str, Any]) -> dict[str, Any]:
    """Image files of each kind read, fitted, measured and through one epoch of the small image
    network (Pillow, tifffile and scikit-image are lazily imported: a frozen app that lacks one
    fails only at the images' steps)."""
    import numpy as np
    import tifffile
    from PIL import Image

    from dlwizard.io import images
    from dlwizard.ml import image_features, nets

    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="dlwizard-selftest-") as tmp:
        folder = Path(tmp)
        paths = [folder / "gray.png", folder / "colour.jpg", folder / "deep.tif"]
        Image.fromarray(rng.integers(0, 255, (20, 24), dtype=np.uint8)).save(paths[0])
        Image.fromarray(rng.integers(0, 255, (24, 20, 3), dtype=np.uint8)).save(paths[1])
        tifffile.imwrite(paths[2], rng.integers(0, 4095, (2, 24, 24), dtype=np.uint16))
        checks = images.check_many(paths)
        bad = [f"{c.path.name}: {c.error}" for c in checks if c.error]
        if bad:
            raise CheckFailed("; ".join(bad))
        spec = images.ImageSpec(size=16, n_channels=1)
        pixels = images.load_many(paths, spec)
    if pixels.shape != (3, 1, 16, 16):
        raise CheckFailed(f"the images came back as {pixels.shape}, not (3, 1, 16, 16)")
    features = image_features.baseline_features(pixels)
    hashes = image_features.perceptual_hash(pixels)
    x = np.repeat(pixels, 4, axis=0)
    y = np.array([0, 1] * 6)
    config = nets.NetConfig(kind="image_cnn", depth=2, width=8, batch_size=4, max_epochs=1)
    _, history = nets.train(config, x[:8], y[:8], x[8:], y[8:], "binary", 2, "cpu", seed=0)
    if not np.isfinite(history.train_loss[0]):
        raise CheckFailed(f"one epoch of the image network gave a loss of {history.train_loss}")
    return {"files": len(checks), "features": int(features.shape[1]), "hashes": len(hashes)}


def check_project(ctx: dict[str, Any]) -> dict[str, Any]:
    from dlwizard.demo import demo_project
    from dlwizard.study import container, crypto

    project = demo_project(through="metadata")
    saved_env = os.environ.get("DLWIZARD_KEYCHAIN")
    os.environ["DLWIZARD_KEYCHAIN"] = "off"  # the password path only: nothing in the keychain
    try:
        pk = crypto.enable(project, PASSWORD, remember=False)
        path = container.save(project, ctx["tmp"] / "self-test.dlwiz")
        if not container.is_encrypted(path):
            raise CheckFailed("the project was saved without encryption")
        try:
            container.load(path)
        except crypto.PasswordRequired:
            pass
        else:
            raise CheckFailed("the encrypted project opened without its password")
        reopened = container.load(path, password=PASSWORD, remember=False)
    finally:
        if saved_env is None:
            os.environ.pop("DLWIZARD_KEYCHAIN", None)
        else:
            os.environ["DLWIZARD_KEYCHAIN"] = saved_env
    if pk.in_keychain or (reopened.encryption is not None and reopened.encryption.in_keychain):
        raise CheckFailed("a keychain entry was written")
    if reopened.study.id != project.study.id:
        raise CheckFailed("the reopened project has another id")
    if reopened.table is None or not reopened.table.equals(project.table):
        raise CheckFailed("the reopened project's table differs from the saved one")
    ctx["project"] = reopened
    return {
        "rows": len(reopened.table),
        "columns": reopened.table.shape[1],
        "file_bytes": path.stat().st_size,
        "steps_done": list(reopened.study.steps_done),
    }


def check_pdf(ctx: dict[str, Any]) -> dict[str, Any]:
    import re

    try:
        from dlwizard.render.pdf import write_pdf
    except ImportError as exc:
        raise CheckFailed(
            f"report module missing: dlwizard.render.pdf.write_pdf cannot be imported ({exc})"
        ) from exc
    project = ctx.get("project")
    if project is None:
        raise CheckFailed("no project to report on (the project check failed)")
    path = ctx["tmp"] / "self-test.pdf"
    write_pdf(project, path)
    data = path.read_bytes() if path.exists() else b""
    if not data.startswith(b"%PDF-"):
        raise CheckFailed("the report is not a PDF file")
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    if pages < 1:
        raise CheckFailed("the PDF has no pages")
    return {"bytes": len(data), "pages": pages}


def check_keychain(ctx: dict[str, Any]) -> dict[str, Any]:
    import uuid

    from dlwizard.study import crypto

    chain = crypto.Keychain()
    if not chain.available():
        raise CheckFailed(f"no usable keychain (backend: {chain.backend_name()})")
    entry = f"self-test-{uuid.uuid4()}"
    key = os.urandom(crypto.KEY_BYTES)
    try:
        if not chain.set(entry, key):
            raise CheckFailed("the keychain refused to store an entry")
        if chain.get(entry) != key:
            raise CheckFailed("the keychain returned another value than the one stored")
    finally:
        deleted = chain.delete(entry)
    if not deleted or chain.get(entry) is not None:
        raise CheckFailed(f"the throwaway entry {entry} could not be deleted")
    return {"backend": chain.backend_name()}


CHECKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "imports": check_imports,
    "gui": check_gui,
    "models": check_models,
    "network": check_network,
    "images": check_images,
    "project": check_project,
    "pdf": check_pdf,
    "keychain": check_keychain,
}


def _exc_line() -> str:
    exc = sys.exc_info()[1]
    return f"{type(exc).__name__}: {exc}" if exc is not None else "unknown error"


def _run_check(name: str, ctx: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any] = {"name": name, "ok": False}
    try:
        result["detail"] = CHECKS[name](ctx) or {}
        result["ok"] = True
    except CheckFailed as exc:
        result["error"] = str(exc)
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc(limit=8)
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


# -- entry points ----------------------------------------------------------------------------------
def run(checks: list[str] | None = None, *, keychain: bool = False) -> dict[str, Any]:
    """Run the checks (all by default) and return the report as a dict."""
    started = time.perf_counter()
    names = list(checks or [n for n in CHECKS if n != "keychain"])
    if keychain and "keychain" not in names:
        names.append("keychain")
    saved_home = os.environ.get("DLWIZARD_HOME")
    with tempfile.TemporaryDirectory(prefix="dlwizard-selftest-") as tmp:
        os.environ["DLWIZARD_HOME"] = str(Path(tmp) / "home")  # never the user's settings
        try:
            ctx: dict[str, Any] = {"tmp": Path(tmp), "qt_platform": _choose_qt_platform()}
            ctx["keyring"] = _keyring_info()
            results = [_run_check(name, ctx) for name in names]
        finally:
            if saved_home is None:
                os.environ.pop("DLWIZARD_HOME", None)
            else:
                os.environ["DLWIZARD_HOME"] = saved_home
    if "torch" not in ctx:
        try:
            ctx["torch"] = torch_devices()
        except Exception:
            ctx["torch"] = {"error": _exc_line()}
    return {
        "ok": all(r["ok"] for r in results),
        "failed": [r["name"] for r in results if not r["ok"]],
        "seconds": round(time.perf_counter() - started, 3),
        "checks": results,
        "keyring": ctx["keyring"],
        "torch": ctx["torch"],
        "versions": _versions(),
        "platform": _platform(),
        "log_file": os.environ.get("DLWIZARD_LOG_FILE"),
    }


def startup() -> dict[str, Any]:
    """Open the first window as ``dlwizard`` does, and record when it was shown."""
    stages: list[tuple[str, float]] = [("self-test entered", time.time())]
    _choose_qt_platform()
    from dlwizard.gui.app import create_app

    app = create_app()
    stages.append(("create_app()", time.time()))
    from dlwizard.gui.main_window import MainWindow

    window = MainWindow()
    window.ask = _NoDialogs()
    stages.append(("MainWindow()", time.time()))
    window.show()
    app.processEvents()
    shown_at = time.time()
    shown = window.isVisible()
    stages.append(("show() + processEvents()", shown_at))
    heavy = [m for m in ("torch", "sklearn", "pandas", "scipy", "pyarrow") if m in sys.modules]
    process_start = _process_started_at()
    window.project.dirty = False
    window.close()
    return {
        "ok": shown,
        "shown_at": shown_at,
        "process_started_at": process_start,
        "seconds_since_process_start": (
            round(shown_at - process_start, 3) if process_start is not None else None
        ),
        "stages": [(name, round(t - stages[0][1], 4)) for name, t in stages],
        "heavy_modules_at_first_show": heavy,
        "qt_platform": app.platformName(),
        "platform": _platform(),
    }


def _write_json(doc: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(doc, indent=2, default=str)
    if out is None:
        if sys.stdout is not None:
            print(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, out)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dlwizard --self-test",
        description="Check that this dlwizard installation works; writes a JSON report.",
    )
    p.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--debug", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", type=Path, help="JSON file to write (default: print it)")
    p.add_argument(
        "--only", action="append", choices=list(CHECKS), help="run only this check (repeatable)"
    )
    p.add_argument(
        "--keychain",
        action="store_true",
        help="also store, read and delete a throwaway entry in the OS keychain",
    )
    p.add_argument("--startup", action="store_true", help="only open the first window and time it")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.startup:
        doc = startup()
        _write_json(doc, args.out)
        return 0 if doc["ok"] else 1
    doc = run(args.only, keychain=args.keychain)
    _write_json(doc, args.out)
    if sys.stdout is not None and args.out is not None:
        for r in doc["checks"]:
            mark = "ok  " if r["ok"] else "FAIL"
            extra = "" if r["ok"] else f"  {r['error']}"
            print(f"{mark} {r['name']:<9} {r['seconds']:7.2f} s{extra}")
        verdict = "passed" if doc["ok"] else f"FAILED ({', '.join(doc['failed'])})"
        print(
            f"self-test {verdict} in {doc['seconds']:.1f} s; keyring: {doc['keyring']['backend']}"
        )
        print(f"report: {args.out}")
    return 0 if doc["ok"] else 1
