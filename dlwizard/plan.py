"""Plan files: every answer the wizard asks for, in TOML, run headless in the wizard's order.

``dlwizard run PLAN.toml`` runs the steps named in the plan and stops after the last one. The
keys are documented in docs/plan.md; :func:`plan_from_project` writes the plan a project was
built with (File > Export plan).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dlwizard.errors import PlanError
from dlwizard.jobs import Job
from dlwizard.study import registry
from dlwizard.study.model import (
    BaselineOptions,
    Ceiling,
    CompareOptions,
    DerivedColumn,
    ExploreOptions,
    ImportOptions,
    NetworkOptions,
    Provenance,
    SampleSheet,
    SplitOptions,
    Study,
    TestOptions,
)
from dlwizard.study.project import Project

# The steps a plan runs, and the keys of their tables, from the step registry.
IMPLEMENTED = tuple(s.key for s in registry.STEPS if s.headless)
KEYS: dict[str, set[str]] = {
    "project": {"name"},
    **{s.key: set(s.plan_keys) for s in registry.STEPS if s.headless},
}
SUBKEYS = {
    ("question", "ceiling"): {"kind", "value", "note"},
    ("data", "sample_sheet"): {"path", "sheet", "key", "data_key"},
    ("metadata", "derive"): {"name", "from", "pattern", "role"},
}


def load_plan(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError as exc:
        raise PlanError("no such plan file", file=path, fix="check the path.") from exc
    except UnicodeDecodeError as exc:
        raise PlanError("the plan is not UTF-8 text", file=path, fix="save it as UTF-8.") from exc
    try:
        plan = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PlanError(
            f"is not valid TOML: {exc}", file=path, fix="see docs/plan.md for the format."
        ) from exc
    validate(plan, path)
    return plan


def _unknown(key: str, valid: set[str], where: str, path: Path) -> PlanError:
    close = difflib.get_close_matches(key, sorted(valid), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return PlanError(
        f"unknown key '{key}' in {where}",
        file=path,
        fix=f"{hint}valid keys: {', '.join(sorted(valid))}.",
    )


def validate(plan: dict[str, Any], path: Path) -> None:
    for table, body in plan.items():
        if table not in KEYS:
            if table in registry.ORDER:
                raise PlanError(
                    f"the step [{table}] is not available in this version of dlwizard",
                    file=path,
                    fix=f"this version runs: {', '.join(IMPLEMENTED)}. Remove [{table}].",
                )
            raise _unknown(table, set(KEYS), "the plan", path)
        if not isinstance(body, dict):
            raise PlanError(f"[{table}] must be a table", file=path)
        for key, value in body.items():
            if key not in KEYS[table]:
                raise _unknown(key, KEYS[table], f"[{table}]", path)
            sub = SUBKEYS.get((table, key))
            if sub is None:
                continue
            items = value if isinstance(value, list) else [value]
            for item in items:
                if not isinstance(item, dict):
                    raise PlanError(f"[{table}] {key} must be a table", file=path)
                for k in item:
                    if k not in sub:
                        raise _unknown(k, sub, f"[{table}.{key}]", path)


def last_step(plan: dict[str, Any]) -> str | None:
    named = [s for s in registry.ORDER if s in plan]
    return named[-1] if named else None


@dataclass(frozen=True)
class _Run:
    """What a step's reader needs from the running plan."""

    plan: dict[str, Any]
    base: Path  # the plan's folder: relative data paths are read from it
    source: Path  # named in messages
    job: Job

    def table(self, step: str) -> dict[str, Any]:
        return dict(self.plan.get(step, {}))


def run_plan(
    plan: dict[str, Any], base: Path, project: Project | None = None, job: Job | None = None
) -> Project:
    """Perform the plan's steps in order on a new project: every step up to the last one the
    plan names (unnamed ones with their defaults). On a given, existing project only the steps
    the plan names are run (e.g. a plan with just [test] opens that project's test set)."""
    run = _Run(plan, base, base / "plan.toml", job or Job())
    name = plan.get("project", {}).get("name")
    only_named = project is not None
    project = project or Project.new(name or "Untitled study")
    stop = last_step(plan)
    if stop is None:
        raise PlanError("the plan names no step", file=run.source, fix="add [question] and [data].")

    def wanted(step: str) -> bool:
        if only_named:
            return step in plan
        return registry.ORDER.index(stop) >= registry.ORDER.index(step)

    _check_password_for_privacy(plan, project, wanted("privacy"), run.source)
    for step in IMPLEMENTED:  # the registry's order
        if not wanted(step):
            continue
        try:
            READERS[step](project, run)
        except ValidationError as exc:
            raise _invalid(step, exc, run.source) from exc
        except KeyError as exc:
            raise PlanError(f"[{step}] a required key is missing: {exc}", file=run.source) from exc
    run.job.progress(1.0, "Plan finished")
    return project


def _invalid(where: str, exc: ValidationError, source: Path) -> PlanError:
    first = exc.errors()[0]
    at = ".".join(str(p) for p in first.get("loc", ()))
    return PlanError(f"[{where}] {at}: {first.get('msg')}", file=source)


# -- one reader per step: the step's table, run ------------------------------------------------
def _question(project: Project, run: _Run) -> None:
    from dlwizard.steps import question

    q = run.table("question")
    if "ceiling" in q:
        try:
            q["ceiling"] = Ceiling(**q["ceiling"])
        except ValidationError as exc:
            raise _invalid("question.ceiling", exc, run.source) from exc
    if q:
        question.apply(project, **q)


def _data(project: Project, run: _Run) -> None:
    from dlwizard.steps import data

    d = run.table("data")
    if not d.get("path") and not d.get("paths"):
        raise PlanError(
            "[data] needs path (or paths) naming the data file",
            file=run.source,
            fix='add path = "my_data.csv" under [data].',
        )
    run.job.progress(0.05, "Importing data")
    options, provenance = options_from_plan(d)
    data.run(project, options, provenance, job=run.job.sub(0.05, 0.8), base=run.base)
    _stop_on_errors(project, "question", run.source)


def _metadata(project: Project, run: _Run) -> None:
    from dlwizard.steps import metadata

    run.job.progress(0.85, "Reviewing metadata")
    m = run.table("metadata")
    derive = m.get("derive")
    derived = None
    if derive is not None:
        derived = [
            DerivedColumn(
                name=d.get("name", "subject"),
                source=d["from"],
                pattern=d["pattern"],
                role=d.get("role", "subject"),
            )
            for d in (derive if isinstance(derive, list) else [derive])
        ]
    metadata.apply(
        project,
        roles=m.get("roles"),
        derived=derived,
        design=m.get("design"),
        replicate_kind=m.get("replicate_kind"),
        suggest_derived=m.get("suggest_subject", True),
    )
    _stop_on_errors(project, "metadata", run.source)


def _explore(project: Project, run: _Run) -> None:
    from dlwizard.steps import explore

    run.job.progress(0.88, "Exploring")
    explore.run(project, ExploreOptions(**run.table("explore")), job=run.job.sub(0.88, 0.95))


def _split(project: Project, run: _Run) -> None:
    from dlwizard.steps import split

    run.job.progress(0.95, "Splitting")
    sp = run.table("split")
    if "hold_out_values" in sp:
        values = sp["hold_out_values"]
        values = values if isinstance(values, list) else [values]  # one value, no list
        sp["hold_out_values"] = [str(v) for v in values]
        if not sp.get("hold_out_column"):
            raise PlanError(
                "[split] hold_out_values needs hold_out_column (the column to hold out)",
                file=run.source,
                fix='add for example hold_out_column = "site".',
            )
    split.run(project, SplitOptions(**sp), job=run.job.sub(0.95, 0.97))
    _stop_on_errors(project, "split", run.source)


def _baselines(project: Project, run: _Run) -> None:
    from dlwizard.steps import baselines

    run.job.progress(0.97, "Tuning baselines")
    opts = BaselineOptions(**run.table("baselines"))
    baselines.run(project, opts, job=run.job.sub(0.97, 0.99))


def _networks(project: Project, run: _Run) -> None:
    from dlwizard.steps import networks

    run.job.progress(0.99, "Training networks")
    networks.run(project, NetworkOptions(**run.table("networks")), job=run.job.sub(0.99, 1))


def _compare(project: Project, run: _Run) -> None:
    from dlwizard.steps import compare

    compare.freeze(project, CompareOptions(**run.table("compare")))


def _test(project: Project, run: _Run) -> None:
    from dlwizard.steps import test

    t = run.table("test")
    if t.pop("confirm", None) is not True:
        raise PlanError(
            "[test] opens the sealed test set, which happens once: it needs confirm = true",
            file=run.source,
            fix="add confirm = true under [test] when the final model is chosen.",
        )
    test.unseal(project, TestOptions(**t), confirm=True)


def _privacy(project: Project, run: _Run) -> None:
    from dlwizard.steps import privacy

    answers = run.table("privacy")
    if answers:
        privacy.answer(project, **answers)
    if project.study.privacy and project.study.privacy.sensitive:
        _encrypt_from_environment(project)
    privacy.run(project)


def _options_reader(step: str) -> Callable[[Project, _Run], None]:
    """The reader of a step whose plan table is just its Options model: ``steps.<key>.run``
    with those options. A new step of that kind needs no code here."""

    def read(project: Project, run: _Run) -> None:
        import importlib

        module = importlib.import_module(f"dlwizard.steps.{step}")
        run.job.progress(run.job.fraction, registry.title(step))
        module.run(project, registry.spec(step).options[0](**run.table(step)), job=run.job)

    return read


# The steps whose plan tables hold more than their Options (answers, paths, roles), or that
# report their progress in the plan's own fractions; every other step reads its Options.
_READERS: dict[str, Callable[[Project, _Run], None]] = {
    "question": _question,
    "data": _data,
    "metadata": _metadata,
    "explore": _explore,
    "split": _split,
    "baselines": _baselines,
    "networks": _networks,
    "compare": _compare,
    "test": _test,
    "privacy": _privacy,
}
READERS: dict[str, Callable[[Project, _Run], None]] = {
    step: _READERS.get(step) or _options_reader(step) for step in IMPLEMENTED
}


def _check_password_for_privacy(
    plan: dict[str, Any], project: Project, wanted: bool, source: Path
) -> None:
    """A plan that marks the data sensitive makes a project that is saved only encrypted: the
    password must be at hand (DLWIZARD_PASSWORD) before hours of work, not after."""
    answers = plan.get("privacy", {}) if wanted else {}
    if not any(v is True for v in answers.values()) or project.encryption is not None:
        return
    if not os.environ.get("DLWIZARD_PASSWORD"):
        raise PlanError(
            "[privacy] marks the data as sensitive, so the project is saved only encrypted, "
            "and no password is set",
            file=source,
            fix="set the environment variable DLWIZARD_PASSWORD to the project's password "
            "(at least 8 characters) and run the plan again.",
        )


def _encrypt_from_environment(project: Project) -> None:
    if project.encryption is None and os.environ.get("DLWIZARD_PASSWORD"):
        from dlwizard.study import crypto

        crypto.enable(project, os.environ["DLWIZARD_PASSWORD"])


def _stop_on_errors(project: Project, step: str, source: Path) -> None:
    """An error finding ends a plan run, as it keeps the wizard from going on."""
    errors = project.errors(step)
    if errors:
        raise PlanError(f"[{step}] {errors[0].message}", file=source, fix=errors[0].fix)


# [data] keys of a folder of images (written back only when they differ from the default).
IMAGE_KEYS = ("skip_unreadable", "image_size", "image_fit", "image_channels", "channel_names")


def options_from_plan(d: dict[str, Any]) -> tuple[ImportOptions, Provenance]:
    paths = d.get("paths") or [d["path"]]
    if isinstance(paths, str):
        paths = [paths]
    prov = Provenance(
        **{k: d[k] for k in ("source", "doi", "date_obtained", "version", "notes") if k in d}
    )
    keys = ("sheet", "delimiter", "decimal", "encoding", "na_values", "transpose",
            "feature_id_column", "drop_columns", "sample_id_column", *IMAGE_KEYS)  # fmt: skip
    opts: dict[str, Any] = {k: d[k] for k in keys if k in d}
    if isinstance(opts.get("transpose"), bool):
        opts["transpose"] = "yes" if opts["transpose"] else "no"
    if "sample_sheet" in d:
        opts["sample_sheet"] = SampleSheet(**d["sample_sheet"])
    return ImportOptions(paths=[str(p) for p in paths], **opts), prov


def plan_from_project(project: Project, relative_to: Path | None = None) -> dict[str, Any]:
    """The plan that rebuilds this project (File > Export plan): its tables in the registry's
    order, one for every step the Study holds."""
    s = project.study
    plan: dict[str, Any] = {"project": {"name": s.name}}
    for step in IMPLEMENTED:
        table = WRITERS[step](s, relative_to)
        if table is not None:
            plan[step] = table
    return plan


# -- one writer per step: the table that gives the Study's section again --------------------------
def _question_table(s: Study, relative_to: Path | None) -> dict[str, Any]:
    q = s.question
    qd: dict[str, Any] = {"unit": q.unit, "intended_use": q.intended_use}
    if q.target:
        qd["target"] = q.target
    qd["task"] = q.task if q.task_confirmed and q.task else "auto"
    if q.positive_class:
        qd["positive_class"] = q.positive_class
    if q.unit_other:
        qd["unit_other"] = q.unit_other
    if q.ceiling:
        qd["ceiling"] = q.ceiling.model_dump()
    return qd


def _data_table(s: Study, relative_to: Path | None) -> dict[str, Any] | None:
    if not s.data or any(f.role == "bundled" for f in s.data.files):
        return None
    o = s.data.options

    def rel(p: str) -> str:
        if relative_to is None:
            return p
        try:
            return str(Path(p).resolve().relative_to(relative_to.resolve()))
        except ValueError:
            return str(Path(p).resolve())

    # The files as they were read (resolved against the plan's folder), not as typed.
    read = [f.path for f in s.data.files if f.role == "data"] or list(o.paths)
    dd: dict[str, Any] = {"paths": [rel(p) for p in read]}
    for key in ("sheet", "delimiter", "decimal", "encoding", "feature_id_column",
                "sample_id_column"):  # fmt: skip
        if getattr(o, key) is not None:
            dd[key] = getattr(o, key)
    dd["transpose"] = o.transpose
    dd["na_values"] = list(o.na_values)
    if o.drop_columns:
        dd["drop_columns"] = list(o.drop_columns)
    default = ImportOptions()
    for key in IMAGE_KEYS:
        if getattr(o, key) != getattr(default, key):
            dd[key] = getattr(o, key)
    if o.sample_sheet:
        ss = {k: v for k, v in o.sample_sheet.model_dump().items() if v is not None}
        sheet = [f.path for f in s.data.files if f.role == "sample_sheet"]
        ss["path"] = rel(sheet[0] if sheet else ss["path"])
        dd["sample_sheet"] = ss
    for k, v in s.data.provenance.model_dump().items():
        if v:
            dd[k] = v
    return dd


def _metadata_table(s: Study, relative_to: Path | None) -> dict[str, Any] | None:
    if not s.metadata:
        return None
    m = s.metadata
    changed = {c: r for c, r in m.roles.items() if m.suggested_roles.get(c) != r}
    md: dict[str, Any] = {"design": m.design, "replicate_kind": m.replicate_kind}
    if changed:
        md["roles"] = changed
    if m.derived:
        md["derive"] = [
            {"name": d.name, "from": d.source, "pattern": d.pattern, "role": d.role}
            for d in m.derived
        ]
    else:
        md["suggest_subject"] = False
    return md


def _split_table(s: Study, relative_to: Path | None) -> dict[str, Any] | None:
    if not s.split:
        return None
    sp = s.split.options.model_dump()
    if not sp["hold_out_column"]:
        sp.pop("hold_out_column")
        sp.pop("hold_out_values")
    if not sp["ungrouped_reason"]:
        sp.pop("ungrouped_reason")
    if sp["sequence_identity"] is None:  # the default for the alphabet
        sp.pop("sequence_identity")
    return sp


def _networks_table(s: Study, relative_to: Path | None) -> dict[str, Any] | None:
    if not s.networks:
        return None
    return {k: v for k, v in s.networks.options.model_dump().items() if v is not None}


def _compare_table(s: Study, relative_to: Path | None) -> dict[str, Any] | None:
    if not (s.compare and s.compare.final):
        return None
    f = s.compare.final
    return {"model": f.key} | ({"reason": f.reason} if f.reason else {})


def _test_table(s: Study, relative_to: Path | None) -> dict[str, Any] | None:
    if not (s.test and s.test.looks):
        return None
    first = s.test.looks[0]  # the primary analysis; a later look is declared by its own plan
    table: dict[str, Any] = {"confirm": True, "version": first.version}
    if first.reason:
        table["reason"] = first.reason
    if first.bootstrap is not None:  # None: a look saved before the resamples were recorded
        table["bootstrap"] = first.bootstrap
    return table


def _privacy_table(s: Study, relative_to: Path | None) -> dict[str, Any] | None:
    if not s.privacy:
        return None
    return {k: v for k, v in s.privacy.answers.model_dump().items() if v is not None}


def _options_writer(step: str) -> Callable[[Study, Path | None], dict[str, Any] | None]:
    """The writer of a step whose plan table is just the Options its Study section keeps."""

    def write(s: Study, relative_to: Path | None) -> dict[str, Any] | None:
        section = getattr(s, step, None)
        return section.options.model_dump() if section is not None else None

    return write


_WRITERS: dict[str, Callable[[Study, Path | None], dict[str, Any] | None]] = {
    "question": _question_table,
    "data": _data_table,
    "metadata": _metadata_table,
    "split": _split_table,
    "networks": _networks_table,
    "compare": _compare_table,
    "test": _test_table,
    "privacy": _privacy_table,
}
WRITERS: dict[str, Callable[[Study, Path | None], dict[str, Any] | None]] = {
    step: _WRITERS.get(step) or _options_writer(step) for step in IMPLEMENTED
}


def dumps(plan: dict[str, Any]) -> str:
    import tomli_w

    header = "# dlwizard plan: run with `dlwizard run THIS_FILE --out PROJECT.dlwiz`\n\n"
    return header + tomli_w.dumps(plan)
