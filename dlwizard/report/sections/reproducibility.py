"""Appendix A, reproducibility: the software and machine, every seed and flag, the hashes, the
steps done, and the plan that runs the analysis again headless (as compact TOML)."""

from __future__ import annotations

import re
from typing import Any

from dlwizard.report.context import Context, not_done
from dlwizard.report.document import Block, Code, Paragraph, Section, Table
from dlwizard.report.formatting import fmt_time, fmt_value
from dlwizard.report.words import STEP_PAGES


def section(ctx: Context) -> Section:
    sec = Section("repro", "Reproducibility")
    sec.subsections = [_environment(ctx), _seeds(ctx), _hashes(ctx), _steps(ctx), _plan(ctx)]
    return sec


def _environment(ctx: Context) -> Section:
    s = ctx.s
    env = Section("repro.env", "Software and machine")
    if s.environment:
        env.add(Table(["Component", "Version or value"], [[k, v] for k, v in s.environment.items()],
                      widths=[1, 3]))  # fmt: skip
    else:
        env.add(not_done("data", "the software environment was not recorded"))
    if s.networks is not None and s.networks.device:
        dev = s.networks.device
        env.add(Paragraph(
            "Networks: " + ", ".join(f"{k} {v}" for k, v in dev.items()) + ".", style="note"
        ))  # fmt: skip
    return env


def _seeds(ctx: Context) -> Section:
    s = ctx.s
    seeds = Section("repro.seeds", "Seeds and flags")
    rows = []
    if s.explore is not None:
        rows.append(["Explore (embedding)", str(s.explore.options.seed)])
    if s.split is not None:
        rows.append(["Split", str(s.split.options.seed)])
    if s.baselines is not None:
        rows.append(["Baselines (search, models, bootstrap)", str(s.baselines.options.seed)])
    if s.networks is not None:
        o = s.networks.options
        rows.append(
            ["Networks (search, training; seed k for retrain k)",
             f"{o.seed} (retrains {o.seed}–{o.seed + o.seeds - 1})"]
        )  # fmt: skip
        for k, v in s.networks.determinism.items():
            rows.append([f"flag: {k.replace('_', ' ')}", fmt_value(v)])
    if s.interpret is not None:
        rows.append(["Interpret (permutations)", str(s.interpret.options.seed)])
    seeds.add(Table(["What", "Seed or flag"], rows, widths=[2, 2]) if rows else
              not_done("split", "no seeded step has run"))  # fmt: skip
    return seeds


def _hashes(ctx: Context) -> Section:
    s = ctx.s
    hashes = Section("repro.hashes", "Hashes")
    rows = []
    if s.data is not None:
        rows += [[f"File {f.name}", f.sha256] for f in s.data.files]
    if s.split is not None:
        rows.append(["Test set (sorted row list)", s.split.test_sha256])
    if s.compare is not None and s.compare.final is not None:
        rows += [[f"Model file {k}", v] for k, v in s.compare.final.files.items()]
    hashes.add(Table(["What", "SHA-256"], rows, widths=[1.5, 3.5]) if rows else
               not_done("data", "there is nothing hashed yet"))  # fmt: skip
    return hashes


def _steps(ctx: Context) -> Section:
    steps = Section("repro.steps", "Steps done")
    steps.add(
        Table(
            ["Step", "Done at", "dlwizard"],
            [
                [STEP_PAGES.get(k, k), fmt_time(r.done_at), r.app_version]
                for k, r in ctx.s.steps_done.items()
            ],
            widths=[1, 2, 1],
        )
    )
    return steps


def _plan(ctx: Context) -> Section:
    return Section("repro.plan", "The plan to run it again").add(*_plan_blocks(ctx))


def _plan_blocks(ctx: Context) -> list[Block]:
    from dlwizard.plan import IMPLEMENTED, dumps, plan_from_project

    where = ctx.project.path.parent if ctx.project.path is not None else None
    try:
        plan = plan_from_project(ctx.project, relative_to=where)
        moved = _plan_file_names(plan)
        text = compact_toml(dumps(plan))
    except Exception as exc:  # the plan is a convenience; the report must still be written
        return [Paragraph(f"The plan could not be written: {exc}", style="warning")]
    blocks: list[Block] = [
        Paragraph(
            "Every answer the wizard asked for, as a TOML plan. `dlwizard run plan.toml --out "
            "project.dlwiz` performs the same steps headless and, with the same data, gives the "
            "same numbers (on the CPU, or in deterministic mode on the same GPU)."
        )
    ]
    if moved:
        blocks.append(
            Paragraph(
                "Data files are named relative to the project's folder"
                + (", or by their name alone where they lie elsewhere" if moved > 0 else "")
                + ": save the plan beside them before running it. Their SHA-256 hashes above "
                "tell whether a copy is the same file.",
                style="note",
            )
        )
    later = [st for st in ctx.s.steps_done if st not in IMPLEMENTED]
    if later:
        blocks.append(
            Paragraph(
                "The plan covers the steps up to the networks; "
                + ", ".join(STEP_PAGES.get(st, st) for st in later)
                + " are recorded above (choices, reasons and hashes) and are redone in the "
                "wizard.",
                style="note",
            )
        )
    if ctx.s.data is not None and any(f.role == "bundled" for f in ctx.s.data.files):
        blocks.append(
            Paragraph(
                "The data ship with dlwizard (the demo), so the plan names no data file.",
                style="note",
            )
        )
    blocks.append(Code(text))
    return blocks


def _plan_file_names(plan: dict[str, Any]) -> int:
    """Replace absolute data paths in ``plan`` by their file names (the report never prints
    where on the authors' disk the data lie). Returns how many data paths the plan names, as
    a negative number when none had to be cut to its name."""
    data = plan.get("data")
    if not isinstance(data, dict):
        return 0
    cut = 0

    def name(path: str) -> str:
        nonlocal cut
        text = str(path).replace("\\", "/")
        if text.startswith("/") or re.match(r"^[A-Za-z]:/", text) or text.startswith("~"):
            cut += 1
            return text.rstrip("/").rsplit("/", 1)[-1]
        return text

    n = 0
    if isinstance(data.get("paths"), list):
        data["paths"] = [name(p) for p in data["paths"]]
        n += len(data["paths"])
    if isinstance(data.get("path"), str):
        data["path"] = name(data["path"])
        n += 1
    sheet = data.get("sample_sheet")
    if isinstance(sheet, dict) and isinstance(sheet.get("path"), str):
        sheet["path"] = name(sheet["path"])
        n += 1
    return n if cut else -n


def compact_toml(text: str, width: int = 88) -> str:
    """A TOML text with each array of plain values on one line (wrapped at ``width``), not one
    value a line as tomli_w writes them."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        head = re.match(r"^(\s*)(.+ = )\[$", line)
        if head:
            items, j = [], i + 1
            while j < len(lines) and not re.match(r"^\s*\],?$", lines[j]):
                items.append(lines[j].strip().rstrip(","))
                j += 1
            if j < len(lines) and all(not re.match(r"^[\[{]", it) for it in items):
                indent, key = head.groups()
                current = f"{indent}{key}["
                for k, item in enumerate(items):
                    piece = item + (", " if k < len(items) - 1 else "")
                    if len(current) + len(piece.rstrip()) > width and not current.endswith("["):
                        out.append(current.rstrip())
                        current = indent + "    "
                    current += piece
                out.append(current + "]" + lines[j].strip()[1:])
                i = j + 1
                continue
        out.append(line)
        i += 1
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")
