"""`dlwizard inspect`: a project's summary as plain text or JSON.

One part per step, in the step registry's order: a step's part is written once here, and the
order and the list of steps come from ``study.registry``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlwizard.study import registry
from dlwizard.study.model import Study
from dlwizard.study.project import Project


def steps_done(project: Project) -> list[str]:
    """The keys of the steps done, in the wizard's order."""
    return [k for k in registry.ORDER if k in project.study.steps_done]


def next_step(project: Project) -> str | None:
    """The first step not done yet (None: every step is done)."""
    return next((k for k in registry.ORDER if k not in project.study.steps_done), None)


def summary(project: Project) -> dict[str, Any]:
    s = project.study
    out: dict[str, Any] = {
        "name": s.name,
        "id": s.id,
        "schema_version": s.schema_version,
        "app_version": s.app_version,
        "created": s.created,
        "modified": s.modified,
        "steps_done": steps_done(project),
        "question": s.question.model_dump(),
    }
    for step in registry.ORDER:
        part = PARTS[step](s) if step in PARTS else None
        if part is not None:
            out[step] = part
    # One tuning ledger for every model family, baselines and network rungs alike (Tip 2).
    ledger = list(s.baselines.ledger) if s.baselines else []
    ledger += list(s.networks.ledger) if s.networks else []
    if ledger:
        out["tuning_ledger"] = [e.model_dump() for e in ledger]
    out["environment"] = dict(s.environment)
    out["warnings"] = [f.model_dump() for f in s.findings]
    out["audit_log"] = [e.to_json() for e in project.log]
    return out


# -- the JSON part of each step (None: the step has nothing recorded) -----------------------------
def _data(s: Study) -> dict[str, Any] | None:
    if not s.data:
        return None
    return {
        "rows": s.data.n_rows,
        "columns": s.data.n_columns,
        "transposed": s.data.transposed,
        "provenance": s.data.provenance.model_dump(),
        "files": [f.model_dump() for f in s.data.files],
    }


def _metadata(s: Study) -> dict[str, Any] | None:
    if not s.metadata:
        return None
    counts: dict[str, int] = {}
    for role in s.metadata.roles.values():
        counts[role] = counts.get(role, 0) + 1
    return {
        "role_counts": counts,
        "roles": {c: r for c, r in s.metadata.roles.items() if r != "feature"},
        "n_features": counts.get("feature", 0),
        "derived": [d.model_dump() for d in s.metadata.derived],
        "design": s.metadata.design,
        "replicate_kind": s.metadata.replicate_kind,
        "n_subjects": s.metadata.n_subjects,
        "associations": [a.model_dump() for a in s.metadata.associations],
    }


def _explore(s: Study) -> dict[str, Any] | None:
    if not s.explore:
        return None
    e = s.explore
    return {
        "embedding": e.options.embedding,
        "features_used": e.n_features_used,
        "explained_variance": e.explained_variance,
        "label_effect": e.label_effect.model_dump() if e.label_effect else None,
        "batch_effects": [b.model_dump() for b in e.batch_effects],
        "shortcuts": [c.model_dump() for c in e.shortcuts],
        "exact_duplicate_groups": len(e.exact_duplicates),
        "near_duplicate_groups": len(e.near_duplicates),
        "outliers": e.outliers,
        "missing_share": e.missing_share,
    }


def _split(s: Study) -> dict[str, Any] | None:
    if not s.split:
        return None
    sp = s.split
    return {
        "options": sp.options.model_dump(),
        "grouped_by": sp.group_column,
        "sizes": {"train": len(sp.train), "tune": len(sp.tune), "test": len(sp.test)},
        "excluded_unlabelled": len(sp.excluded),
        "n_folds": sp.n_folds,
        "test_sealed": sp.sealed,
        "test_sha256": sp.test_sha256,
        "composition": sp.composition,
    }


def _baselines(s: Study) -> dict[str, Any] | None:
    if not s.baselines:
        return None
    b = s.baselines
    return {
        "metric": b.metric,
        "options": b.options.model_dump(),
        "ledger": [e.model_dump() for e in b.ledger],
        "results": [
            {
                "family": r.key,
                "best_params": r.best_params,
                "cv_mean": r.cv_mean,
                "cv_sd": r.cv_sd,
                "tune": r.tune.model_dump() if r.tune else None,
            }
            for r in b.results
        ],
        "controls": [c.model_dump() for c in b.controls],
        "recommended": b.recommended,
        "recommendation": b.recommendation,
        "cancelled": b.cancelled,
    }


def _networks(s: Study) -> dict[str, Any] | None:
    if not s.networks:
        return None
    n = s.networks
    return {
        "metric": n.metric,
        "options": n.options.model_dump(),
        "rungs": [
            {
                "rung": r.key,
                "trials": r.trials,
                "best_params": r.best_params,
                "cv_mean": r.cv_mean,
                "train_score": r.train_score,
                "tune": r.tune.model_dump() if r.tune else None,
                "best_epoch": r.best_epoch,
            }
            for r in n.rungs
        ],
        "stopped_because": n.stopped_because,
        "chosen": n.chosen,
        "seeds": {"scores": n.seed_scores, "mean": n.seed_mean, "sd": n.seed_sd},
        "shuffled_label_score": n.shuffled_score,
        "verdict": n.verdict,
        "ledger": [e.model_dump() for e in n.ledger],
        "device": n.device,
        "determinism": n.determinism,
    }


def _compare(s: Study) -> dict[str, Any] | None:
    if not s.compare:
        return None
    c = s.compare
    return {
        "metric": c.metric,
        "candidates": [x.model_dump() for x in c.candidates],
        "recommended": c.recommended,
        "recommendation": c.recommendation,
        "final": c.final.model_dump() if c.final else None,
    }


def _test(s: Study) -> dict[str, Any] | None:
    if not s.test:
        return None
    return {"metric": s.test.metric, "looks": [lk.model_dump() for lk in s.test.looks]}


def _interpret(s: Study) -> dict[str, Any] | None:
    return s.interpret.model_dump() if s.interpret else None


def _privacy(s: Study) -> dict[str, Any] | None:
    return s.privacy.model_dump() if s.privacy else None


PARTS: dict[str, Callable[[Study], dict[str, Any] | None]] = {
    "data": _data,
    "metadata": _metadata,
    "explore": _explore,
    "split": _split,
    "baselines": _baselines,
    "networks": _networks,
    "compare": _compare,
    "test": _test,
    "interpret": _interpret,
    "privacy": _privacy,
}


def text(project: Project) -> str:
    d = summary(project)
    following = next_step(project)
    lines = [
        f"{d['name']}  (schema v{d['schema_version']}, dlwizard {d['app_version']})",
        f"Steps done: {', '.join(d['steps_done']) or 'none'}"
        + (f"; next: {registry.title(following)}" if following else ""),
    ]
    for step in registry.ORDER:
        if step in LINES and d.get(step):
            lines += LINES[step](d)
    if d["warnings"]:
        lines.append("Warnings:")
        for w in d["warnings"]:
            lines.append(f"  [{w['severity']}] {w['code']}: {w['message']}")
    return "\n".join(lines)


# -- the text lines of each step, from its JSON part ---------------------------------------------
def _question_lines(d: dict[str, Any]) -> list[str]:
    q = d["question"]
    if not q.get("target"):
        return []
    task = q.get("task") or "?"
    pos = f", positive class '{q['positive_class']}'" if q.get("positive_class") else ""
    lines = [f"Question: predict '{q['target']}' ({task}{pos}) per {q['unit']}"]
    if q.get("class_counts"):
        lines.append("  classes: " + ", ".join(f"{k} {v}" for k, v in q["class_counts"].items()))
    return lines


def _data_lines(d: dict[str, Any]) -> list[str]:
    dd = d["data"]
    lines = [
        f"Data: {dd['rows']} rows x {dd['columns']} columns"
        + (" (turned from genes-as-rows)" if dd["transposed"] else "")
    ]
    prov = dd["provenance"]
    for key in ("source", "doi", "date_obtained", "version"):
        if prov.get(key):
            lines.append(f"  {key.replace('_', ' ')}: {prov[key]}")
    for f in dd["files"]:
        lines.append(f"  {f['role']}: {f['name']}  sha256 {f['sha256']}")
    return lines


def _metadata_lines(d: dict[str, Any]) -> list[str]:
    m = d["metadata"]
    lines = [
        f"Metadata: {m['n_features']} features; design {m['design']}; replicates "
        f"{m['replicate_kind']}"
    ]
    for col, role in m["roles"].items():
        lines.append(f"  {role:<11} {col}")
    return lines


def _explore_lines(d: dict[str, Any]) -> list[str]:
    e = d["explore"]
    lines = [f"Explore ({e['embedding']}, {e['features_used']} features):"]
    for b in e["batch_effects"][:5]:
        lines.append(
            f"  batch effect {b['column']}: {b['pc_variance_share']:.0%} of main variation "
            f"({b['verdict']})"
        )
    for c in e["shortcuts"]:
        lines.append(
            f"  label from {c['source']} alone: {c['metric']} {c['score']:.2f} "
            f"(chance {c['chance']:.2f})"
        )
    return lines


def _split_lines(d: dict[str, Any]) -> list[str]:
    sp = d["split"]
    z = sp["sizes"]
    grouped = f", grouped by {sp['grouped_by']}" if sp["grouped_by"] else ""
    state = "sealed" if "test" not in d else "opened by the test step"
    return [
        f"Split: train {z['train']}, tune {z['tune']}, test {z['test']} ({state}, sha256 "
        f"{sp['test_sha256'][:12]}…){grouped}; {sp['n_folds']} CV folds"
    ]


def _baselines_lines(d: dict[str, Any]) -> list[str]:
    b = d["baselines"]
    lines = [
        f"Baselines (tuning set {b['metric']}; equal budget of "
        f"{b['options']['trials']} trials per family):"
    ]
    for r in b["results"]:
        if r["tune"]:
            m = r["tune"]["metrics"][b["metric"]]
            lines.append(f"  {r['family']:<18} {m['value']:.3f} ({m['low']:.3f}-{m['high']:.3f})")
    for c in b["controls"]:
        if c["p_value"] is not None:
            lines.append(f"  control {c['kind']}: permutation p = {c['p_value']:.3f}")
        elif c["tune"]:
            lines.append(f"  control {c['kind']}: {c['tune']['metrics'][b['metric']]['value']:.3f}")
    lines.append(f"  recommended: {b['recommended']}")
    return lines


def _networks_lines(d: dict[str, Any]) -> list[str]:
    n = d["networks"]
    lines = [
        f"Networks (on {n['device'].get('device')}, deterministic "
        f"{n['determinism'].get('deterministic_algorithms')}):"
    ]
    for r in n["rungs"]:
        if r["tune"]:
            m = r["tune"]["metrics"][n["metric"]]
            lines.append(
                f"  {r['rung']:<10} {m['value']:.3f} ({m['low']:.3f}-"
                f"{m['high']:.3f}), {r['trials']} trials"
            )
    if n["seeds"]["mean"] is not None:
        lines.append(
            f"  chosen {n['chosen']}: {n['seeds']['mean']:.3f} ± "
            f"{n['seeds']['sd']:.3f} over {len(n['seeds']['scores'])} seeds"
        )
    lines.append(f"  {n['verdict']}")
    return lines


def _compare_lines(d: dict[str, Any]) -> list[str]:
    f = d["compare"]["final"]
    if not f:
        return []
    why = f" (chosen against the recommendation: {f['reason']})" if f["reason"] else ""
    return [f"Final model: {f['name']} [{f['key']}]{why}"]


def _test_lines(d: dict[str, Any]) -> list[str]:
    metric = d["test"]["metric"]
    lines = []
    for look in d["test"]["looks"]:
        m = look["final"]["metrics"][metric]
        lines.append(
            f"Test look '{look['version']}' on {look['time']} by {look['user']}: {metric} "
            f"{m['value']:.3f} ({m['low']:.3f}-{m['high']:.3f}), n = {look['n_test']}"
            + (f"; reason: {look['reason']}" if look["reason"] else "")
        )
    return lines


def _interpret_lines(d: dict[str, Any]) -> list[str]:
    it = d["interpret"]
    top = ", ".join(i["name"] for i in it["importances"][:5])
    return [f"Interpretation ({it['options']['set']} set): most important: {top}"]


def _privacy_lines(d: dict[str, Any]) -> list[str]:
    pv = d["privacy"]
    if not pv.get("verdict"):
        return []
    lines = [f"Privacy verdict: {pv['verdict'].replace('_', ' ')}"]
    if pv.get("override"):
        lines.append(f"  export override: {pv['override']['justification']}")
    return lines


LINES: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "question": _question_lines,
    "data": _data_lines,
    "metadata": _metadata_lines,
    "explore": _explore_lines,
    "split": _split_lines,
    "baselines": _baselines_lines,
    "networks": _networks_lines,
    "compare": _compare_lines,
    "test": _test_lines,
    "interpret": _interpret_lines,
    "privacy": _privacy_lines,
}
