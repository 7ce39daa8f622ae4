"""Plan files: every answer the wizard asks for, in TOML, run headless in the wizard's order.

``dlwizard run PLAN.toml`` runs the steps named in the plan and stops after the last one. The
keys are documented in docs/plan.md; :func:`plan_from_project` writes the plan a project was
built with (File > Export plan).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dlwizard.errors import DlwizardError, PlanError
from dlwizard.jobs import Job
from dlwizard.study import registry
from dlwizard.study.model import (
    BaselineOptions,
    Ceiling,
    DerivedColumn,
    ExploreOptions,
    ImportOptions,
    InterpretOptions,
    NetworkOptions,
    Provenance,
    SampleSheet,
    SplitOptions,
)
from dlwizard.study.project import STEP_ORDER, Project

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
            if table in STEP_ORDER:
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
    named = [s for s in STEP_ORDER if s in plan]
    return named[-1] if named else None


def run_plan(
    plan: dict[str, Any], base: Path, project: Project | None = None, job: Job | None = None
) -> Project:
    """Perform the plan's steps in order on a new project: every step up to the last one the
    plan names (unnamed ones with their defaults). On a given, existing project only the steps
    the plan names are run (e.g. a plan with just [test] opens that project's test set)."""
    job = job or Job()
    source = base / "plan.toml"
    name = plan.get("project", {}).get("name")
    only_named = project is not None
    project = project or Project.new(name or "Untitled study")
    stop = last_step(plan)
    if stop is None:
        raise PlanError("the plan names no step", file=source, fix="add [question] and [data].")

    def wanted(step: str) -> bool:
        if only_named:
            return step in plan
        return STEP_ORDER.index(stop) >= STEP_ORDER.index(step)

    from dlwizard.steps import baselines, data, explore, metadata, question, split

    _check_password_for_privacy(plan, project, wanted("privacy"), source)
    section = "question"  # named in messages about invalid values
    try:
        q = dict(plan.get("question", {}))
        if "ceiling" in q:
            section = "question.ceiling"
            q["ceiling"] = Ceiling(**q["ceiling"])
            section = "question"
        if q:
            question.apply(project, **q)
        if wanted("data"):
            section = "data"
            d = dict(plan.get("data", {}))
            if not d.get("path") and not d.get("paths"):
                raise PlanError(
                    "[data] needs path (or paths) naming the data file",
                    file=source,
                    fix='add path = "my_data.csv" under [data].',
                )
            job.progress(0.05, "Importing data")
            options, provenance = options_from_plan(d)
            data.run(project, options, provenance, job=job.sub(0.05, 0.8), base=base)
            _stop_on_errors(project, "question", source)
        if wanted("metadata"):
            section = "metadata"
            job.progress(0.85, "Reviewing metadata")
            m = dict(plan.get("metadata", {}))
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
            _stop_on_errors(project, "metadata", source)
        if wanted("explore"):
            section = "explore"
            job.progress(0.88, "Exploring")
            explore.run(project, ExploreOptions(**plan.get("explore", {})), job=job.sub(0.88, 0.95))
        if wanted("split"):
            section = "split"
            job.progress(0.95, "Splitting")
            sp = dict(plan.get("split", {}))
            if "hold_out_values" in sp:
                values = sp["hold_out_values"]
                values = values if isinstance(values, list) else [values]  # one value, no list
                sp["hold_out_values"] = [str(v) for v in values]
                if not sp.get("hold_out_column"):
                    raise PlanError(
                        "[split] hold_out_values needs hold_out_column (the column to hold out)",
                        file=source,
                        fix='add for example hold_out_column = "site".',
                    )
            split.run(project, SplitOptions(**sp), job=job.sub(0.95, 0.97))
            _stop_on_errors(project, "split", source)
        if wanted("baselines"):
            section = "baselines"
            job.progress(0.97, "Tuning baselines")
            opts = BaselineOptions(**plan.get("baselines", {}))
            baselines.run(project, opts, job=job.sub(0.97, 0.99))
        if wanted("networks"):
            from dlwizard.steps import networks

            section = "networks"
            job.progress(0.99, "Training networks")
            networks.run(project, NetworkOptions(**plan.get("networks", {})), job=job.sub(0.99, 1))
        if wanted("compare"):
            from dlwizard.steps import compare

            section = "compare"
            c = dict(plan.get("compare", {}))
            model = c.get("model", "recommended")
            compare.freeze(project, None if model == "recommended" else model, c.get("reason", ""))
        if wanted("test"):
            from dlwizard.steps import test

            section = "test"
            t = dict(plan.get("test", {}))
            if t.get("confirm") is not True:
                raise PlanError(
                    "[test] opens the sealed test set, which happens once: it needs confirm = true",
                    file=source,
                    fix="add confirm = true under [test] when the final model is chosen.",
                )
            test.unseal(
                project,
                confirm=True,
                version=t.get("version"),
                reason=t.get("reason", ""),
                bootstrap=int(t.get("bootstrap", 1000)),
            )
        if wanted("interpret"):
            from dlwizard.steps import interpret

            section = "interpret"
            interpret.run(project, InterpretOptions(**plan.get("interpret", {})))
        if wanted("privacy"):
            from dlwizard.steps import privacy

            section = "privacy"
            answers = dict(plan.get("privacy", {}))
            if answers:
                privacy.answer(project, **answers)
            if project.study.privacy and project.study.privacy.sensitive:
                _encrypt_from_environment(project)
            privacy.run(project)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise PlanError(f"[{section}] {where}: {first.get('msg')}", file=source) from exc
    except KeyError as exc:
        raise PlanError(f"[{section}] a required key is missing: {exc}", file=source) from exc
    except DlwizardError:
        raise
    job.progress(1.0, "Plan finished")
    return project


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


def options_from_plan(d: dict[str, Any]) -> tuple[ImportOptions, Provenance]:
    paths = d.get("paths") or [d["path"]]
    if isinstance(paths, str):
        paths = [paths]
    prov = Provenance(
        **{k: d[k] for k in ("source", "doi", "date_obtained", "version", "notes") if k in d}
    )
    keys = ("sheet", "delimiter", "decimal", "encoding", "na_values", "transpose",
            "feature_id_column", "drop_columns", "sample_id_column")  # fmt: skip
    opts: dict[str, Any] = {k: d[k] for k in keys if k in d}
    if isinstance(opts.get("transpose"), bool):
        opts["transpose"] = "yes" if opts["transpose"] else "no"
    if "sample_sheet" in d:
        opts["sample_sheet"] = SampleSheet(**d["sample_sheet"])
    return ImportOptions(paths=[str(p) for p in paths], **opts), prov


def plan_from_project(project: Project, relative_to: Path | None = None) -> dict[str, Any]:
    """The plan that rebuilds this project (File > Export plan)."""
    s = project.study
    plan: dict[str, Any] = {"project": {"name": s.name}}
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
    plan["question"] = qd
    if s.data and not any(f.role == "bundled" for f in s.data.files):
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
        if o.sample_sheet:
            ss = {k: v for k, v in o.sample_sheet.model_dump().items() if v is not None}
            sheet = [f.path for f in s.data.files if f.role == "sample_sheet"]
            ss["path"] = rel(sheet[0] if sheet else ss["path"])
            dd["sample_sheet"] = ss
        for k, v in s.data.provenance.model_dump().items():
            if v:
                dd[k] = v
        plan["data"] = dd
    if s.metadata:
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
        plan["metadata"] = md
    if s.explore:
        plan["explore"] = s.explore.options.model_dump()
    if s.split:
        sp = s.split.options.model_dump()
        if not sp["hold_out_column"]:
            sp.pop("hold_out_column")
            sp.pop("hold_out_values")
        if not sp["ungrouped_reason"]:
            sp.pop("ungrouped_reason")
        plan["split"] = sp
    if s.baselines:
        plan["baselines"] = s.baselines.options.model_dump()
    if s.networks:
        plan["networks"] = {
            k: v for k, v in s.networks.options.model_dump().items() if v is not None
        }
    if s.compare and s.compare.final:
        f = s.compare.final
        plan["compare"] = {"model": f.key} | ({"reason": f.reason} if f.reason else {})
    if s.test and s.test.looks:
        first = s.test.looks[0]
        plan["test"] = {"confirm": True, "version": first.version}
    if s.interpret:
        plan["interpret"] = s.interpret.options.model_dump()
    if s.privacy:
        plan["privacy"] = {k: v for k, v in s.privacy.answers.model_dump().items() if v is not None}
    return plan


def dumps(plan: dict[str, Any]) -> str:
    import tomli_w

    header = "# dlwizard plan: run with `dlwizard run THIS_FILE --out PROJECT.dlwiz`\n\n"
    return header + tomli_w.dumps(plan)
