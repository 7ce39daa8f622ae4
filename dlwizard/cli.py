"""The `dlwizard` command: the wizard by default, and headless sub-commands.

    dlwizard [PROJECT.dlwiz]                     open the wizard (optionally a project)
    dlwizard --demo                              open the wizard on the demo study
    dlwizard demo --out DIR                      build the demo project headless
    dlwizard run PLAN.toml --out PROJECT.dlwiz   run a plan headless
    dlwizard inspect PROJECT.dlwiz [--json]      print a project's summary
    dlwizard predict PROJECT.dlwiz NEW.csv -o predictions.csv
                                                 apply the final model to new samples
    dlwizard export PROJECT.dlwiz -o FOLDER [--override "why"]
                                                 export the final model (privacy gate)
    dlwizard report PROJECT.dlwiz -o methods.pdf write the PDF methods report (headless)
    dlwizard --check-system                      are the system libraries the window needs
                                                 installed? (names the packages if not)

Errors print one clear message and exit non-zero; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from pathlib import Path

from dlwizard import __version__
from dlwizard.errors import DlwizardError

COMMANDS = ("demo", "run", "inspect", "predict", "export", "report")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dlwizard",
        description="Build a machine-learning model the honest way, one guided step at a time.",
    )
    p.add_argument("--version", action="version", version=f"dlwizard {__version__}")
    p.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    p.add_argument(
        "--check-system",
        action="store_true",
        help="check that the system libraries the window needs are installed (Linux)",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    d = sub.add_parser("demo", help="build the demo project headless")
    d.add_argument("--out", required=True, type=Path, help="folder for demo.dlwiz")
    r = sub.add_parser(
        "run",
        help="run the steps of a TOML plan headless",
        description=_plan_steps(),
    )
    r.add_argument("plan", type=Path)
    r.add_argument("--out", required=True, type=Path, help="project file to write")
    r.add_argument(
        "--project",
        type=Path,
        help="continue this existing project: run only the steps the plan names",
    )
    pr = sub.add_parser("predict", help="apply a project's final model to new samples")
    pr.add_argument("project", type=Path, help="the project file (.dlwiz)")
    pr.add_argument("data", type=Path, help="new samples: CSV/TSV, Excel or Parquet")
    pr.add_argument("-o", "--out", required=True, type=Path, help="predictions CSV to write")
    ex = sub.add_parser("export", help="export the final model, if the privacy gate allows it")
    ex.add_argument("project", type=Path, help="the project file (.dlwiz)")
    ex.add_argument("-o", "--out", required=True, type=Path, help="folder to write the model to")
    ex.add_argument(
        "--override",
        metavar="JUSTIFICATION",
        help="export against the privacy verdict; the typed justification is recorded in the "
        "project's audit log and report (the project file is saved)",
    )
    rp = sub.add_parser(
        "report",
        help="write the PDF methods report (headless); the export is recorded in the project's "
        "audit log (the project file is saved)",
    )
    rp.add_argument("project", type=Path, help="the project file (.dlwiz)")
    rp.add_argument("-o", "--out", required=True, type=Path, help="PDF file to write")
    i = sub.add_parser("inspect", help="print a project's summary")
    i.add_argument("project", type=Path)
    i.add_argument("--json", action="store_true", help="print JSON")
    return p


def _plan_steps() -> str:
    """The tables a plan may hold, in the order they run (from the step registry)."""
    from dlwizard.study import registry

    tables = ", ".join(f"[{s.key}] {s.title}" for s in registry.STEPS if s.headless)
    return (
        "Run the steps of a TOML plan headless. The tables after [project] run in this order: "
        f"{tables}; on a new project every step up to the last one named runs (see docs/plan.md)."
    )


def _gui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dlwizard", add_help=False)
    p.add_argument("--debug", action="store_true")
    p.add_argument("--demo", action="store_true", help="open the wizard on the demo study")
    p.add_argument("project", nargs="?", type=Path)
    return p


def _progress(fraction: float, message: str) -> None:
    if sys.stderr is not None and sys.stderr.isatty():
        sys.stderr.write(f"\r{fraction * 100:5.1f}%  {message[:60]:<60}")
        sys.stderr.flush()


def cmd_demo(args: argparse.Namespace) -> int:
    from dlwizard.demo import THROUGH, demo_project
    from dlwizard.jobs import Job
    from dlwizard.study import container

    project = demo_project(Job(_progress), through=THROUGH[-1])  # every step the demo runs
    out = container.save(project, Path(args.out) / "demo.dlwiz")
    _end_progress()
    print(f"Demo project written to {out.resolve()}")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from dlwizard.jobs import Job
    from dlwizard.plan import load_plan, run_plan
    from dlwizard.study import container
    from dlwizard.summary import steps_done

    plan = load_plan(args.plan)
    t0 = time.perf_counter()
    existing = load_project(args.project) if args.project else None
    project = run_plan(plan, base=args.plan.resolve().parent, project=existing, job=Job(_progress))
    out = container.save(project, args.out)
    _end_progress()
    done = ", ".join(steps_done(project)) or "none"
    print(f"Ran {done} in {time.perf_counter() - t0:.1f} s; project written to {out.resolve()}")
    for f in project.findings():
        if f.severity != "info":
            print(f"  [{f.severity}] {f.code}: {f.message}")
    return 0


def load_project(path: Path):
    """Open a project; an encrypted one without a keychain key asks for its password (from a
    terminal, or the DLWIZARD_PASSWORD environment variable in scripts)."""
    from dlwizard.study import container
    from dlwizard.study.crypto import PasswordRequired

    try:
        return container.load(path)
    except PasswordRequired:
        password = os.environ.get("DLWIZARD_PASSWORD")
        if password is None and sys.stdin is not None and sys.stdin.isatty():
            import getpass

            password = getpass.getpass(f"Password for {Path(path).name}: ")
        if password is None:
            raise
        return container.load(path, password=password)


def cmd_predict(args: argparse.Namespace) -> int:
    from dlwizard.jobs import Job
    from dlwizard.predict import predict_file

    project = load_project(args.project)
    t0 = time.perf_counter()
    result = predict_file(project, args.data, args.out, job=Job(_progress))
    _end_progress()
    print(
        f"Predicted {result.n_rows:,} samples with {result.model} in "
        f"{time.perf_counter() - t0:.1f} s; written to {Path(args.out).resolve()}"
    )
    for note in result.notes():
        print(f"  note: {note}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from dlwizard.export import export_model
    from dlwizard.study import container

    project = load_project(args.project)
    written = export_model(project, args.out, override=args.override)
    container.save(project, args.project)  # the export (and any override) is in the audit log
    print(f"Exported {project.study.compare.final.name} to {Path(args.out).resolve()}:")
    for path in written:
        print(f"  {path.name}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # drawn headless, no window opens
    from dlwizard.jobs import Job
    from dlwizard.render.pdf import write_pdf
    from dlwizard.steps import report as report_step
    from dlwizard.study import container

    project = load_project(args.project)
    t0 = time.perf_counter()
    out = write_pdf(project, args.out, job=Job(_progress))
    _end_progress()
    report_step.record_export(project, out)
    container.save(project, args.project)  # the step and the export are in the audit log
    print(f"Methods report written to {out.resolve()} in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    from dlwizard import summary

    project = load_project(args.project)
    if args.json:
        print(json.dumps(summary.summary(project), indent=2, default=str))
    else:
        print(summary.text(project))
    return 0


def _end_progress() -> None:
    if sys.stderr is not None and sys.stderr.isatty():
        sys.stderr.write("\r" + " " * 70 + "\r")


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or (
        os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal", "vnc")
    )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        if "--self-test" in argv:  # dlwizard --self-test --out FILE.json (also in the frozen app)
            from dlwizard.selftest import main as self_test

            return self_test(argv)
        if "--check-system" in argv:  # what install.sh runs: are the window's libraries there?
            from dlwizard.system_libs import check_window_system

            problem = check_window_system()
            print(problem or "The libraries the dlwizard window needs are all installed.")
            return 3 if problem else 0
        first = next((a for a in argv if not a.startswith("-")), None)
        wants_help = any(a in ("-h", "--help", "--version") for a in argv)
        if first in COMMANDS or wants_help:
            args = _parser().parse_args(argv)
            handler = {
                "demo": cmd_demo,
                "run": cmd_run,
                "inspect": cmd_inspect,
                "predict": cmd_predict,
                "export": cmd_export,
                "report": cmd_report,
            }.get(args.command)
            if handler is None:
                _parser().print_help()
                return 0
            return handler(args)
        args = _gui_parser().parse_args(argv)
        if not has_display():
            print(
                "No display is available, so the wizard cannot open. Run `dlwizard demo --out "
                "DIR` for the headless demo, or `dlwizard run PLAN.toml --out FILE.dlwiz`.",
                file=sys.stderr,
            )
            return 2
        from dlwizard import system_libs

        if system_libs.uses_xcb():
            problem = system_libs.check_window_system()
            if problem:
                # Said before Qt tries (and fails with "could not load the Qt platform plugin").
                import logging

                print(problem, file=sys.stderr)
                logging.getLogger("dlwizard").error(problem)
                system_libs.tell_graphically(problem)
                return 3
        from dlwizard.gui.app import run_gui

        return run_gui(args.project, demo=args.demo)
    except DlwizardError as exc:
        if debug:
            raise
        print(f"dlwizard: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # unexpected: still one clear line unless --debug
        if debug:
            raise
        print(
            f"dlwizard: unexpected error: {type(exc).__name__}: {exc}\n"
            "Run again with --debug to see the details, and please report it.",
            file=sys.stderr,
        )
        return 1


def exit_cleanly(code: int, argv: list[str] | None = None) -> None:
    """End a headless command with ``code`` once its output is out, without tearing down the
    native thread pools (Arrow's, torch's) that a normal interpreter exit may abort in (Arrow
    issue #34314: 'terminate called without an active exception', exit code 134 now and then).

    Every file the command wrote was closed by its own ``with`` block; what is left to do at
    exit is flushing the standard streams and the log handlers. The wizard itself (no
    command) exits the ordinary way, after Qt has shut down.
    """
    import logging

    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if not a.startswith("-")), None)
    headless = first in COMMANDS or "--self-test" in argv or "--check-system" in argv
    if not headless:
        raise SystemExit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    logging.shutdown()
    os._exit(code)


def entry() -> None:
    """The ``dlwizard`` console command (and ``python -m dlwizard``)."""
    exit_cleanly(main())
