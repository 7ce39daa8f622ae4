"""`dlwizard inspect`: a project's summary as plain text or JSON."""

from __future__ import annotations

from typing import Any

from dlwizard.study.project import Project


def summary(project: Project) -> dict[str, Any]:
    s = project.study
    out: dict[str, Any] = {
        "name": s.name,
        "id": s.id,
        "schema_version": s.schema_version,
        "app_version": s.app_version,
        "created": s.created,
        "modified": s.modified,
        "steps_done": list(s.steps_done),
        "question": s.question.model_dump(),
    }
    if s.data:
        out["data"] = {
            "rows": s.data.n_rows,
            "columns": s.data.n_columns,
            "transposed": s.data.transposed,
            "provenance": s.data.provenance.model_dump(),
            "files": [f.model_dump() for f in s.data.files],
        }
    if s.metadata:
        counts: dict[str, int] = {}
        for role in s.metadata.roles.values():
            counts[role] = counts.get(role, 0) + 1
        out["metadata"] = {
            "role_counts": counts,
            "roles": {c: r for c, r in s.metadata.roles.items() if r != "feature"},
            "n_features": counts.get("feature", 0),
            "derived": [d.model_dump() for d in s.metadata.derived],
            "design": s.metadata.design,
            "replicate_kind": s.metadata.replicate_kind,
            "n_subjects": s.metadata.n_subjects,
            "associations": [a.model_dump() for a in s.metadata.associations],
        }
    if s.explore:
        e = s.explore
        out["explore"] = {
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
    if s.split:
        sp = s.split
        out["split"] = {
            "options": sp.options.model_dump(),
            "grouped_by": sp.group_column,
            "sizes": {"train": len(sp.train), "tune": len(sp.tune), "test": len(sp.test)},
            "excluded_unlabelled": len(sp.excluded),
            "n_folds": sp.n_folds,
            "test_sealed": sp.sealed,
            "test_sha256": sp.test_sha256,
            "composition": sp.composition,
        }
    if s.baselines:
        b = s.baselines
        out["baselines"] = {
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
    if s.networks:
        n = s.networks
        out["networks"] = {
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
    if s.compare:
        c = s.compare
        out["compare"] = {
            "metric": c.metric,
            "candidates": [x.model_dump() for x in c.candidates],
            "recommended": c.recommended,
            "recommendation": c.recommendation,
            "final": c.final.model_dump() if c.final else None,
        }
    if s.test:
        out["test"] = {
            "metric": s.test.metric,
            "looks": [lk.model_dump() for lk in s.test.looks],
        }
    if s.interpret:
        out["interpret"] = s.interpret.model_dump()
    if s.privacy:
        out["privacy"] = s.privacy.model_dump()
    # One tuning ledger for every model family, baselines and network rungs alike (Tip 2).
    ledger = list(s.baselines.ledger) if s.baselines else []
    ledger += list(s.networks.ledger) if s.networks else []
    if ledger:
        out["tuning_ledger"] = [e.model_dump() for e in ledger]
    out["environment"] = dict(s.environment)
    out["warnings"] = [f.model_dump() for f in s.findings]
    out["audit_log"] = [e.to_json() for e in project.log]
    return out


def text(project: Project) -> str:
    d = summary(project)
    lines = [
        f"{d['name']}  (schema v{d['schema_version']}, dlwizard {d['app_version']})",
        f"Steps done: {', '.join(d['steps_done']) or 'none'}",
    ]
    q = d["question"]
    if q.get("target"):
        task = q.get("task") or "?"
        pos = f", positive class '{q['positive_class']}'" if q.get("positive_class") else ""
        lines.append(f"Question: predict '{q['target']}' ({task}{pos}) per {q['unit']}")
        if q.get("class_counts"):
            lines.append(
                "  classes: " + ", ".join(f"{k} {v}" for k, v in q["class_counts"].items())
            )
    if "data" in d:
        dd = d["data"]
        lines.append(
            f"Data: {dd['rows']} rows x {dd['columns']} columns"
            + (" (turned from genes-as-rows)" if dd["transposed"] else "")
        )
        prov = dd["provenance"]
        for key in ("source", "doi", "date_obtained", "version"):
            if prov.get(key):
                lines.append(f"  {key.replace('_', ' ')}: {prov[key]}")
        for f in dd["files"]:
            lines.append(f"  {f['role']}: {f['name']}  sha256 {f['sha256']}")
    if "metadata" in d:
        m = d["metadata"]
        lines.append(
            f"Metadata: {m['n_features']} features; design {m['design']}; replicates "
            f"{m['replicate_kind']}"
        )
        for col, role in m["roles"].items():
            lines.append(f"  {role:<11} {col}")
    if "explore" in d:
        e = d["explore"]
        lines.append(f"Explore ({e['embedding']}, {e['features_used']} features):")
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
    if "split" in d:
        sp = d["split"]
        z = sp["sizes"]
        grouped = f", grouped by {sp['grouped_by']}" if sp["grouped_by"] else ""
        state = "sealed" if "test" not in d else "opened by the test step"
        lines.append(
            f"Split: train {z['train']}, tune {z['tune']}, test {z['test']} ({state}, sha256 "
            f"{sp['test_sha256'][:12]}…){grouped}; {sp['n_folds']} CV folds"
        )
    if "baselines" in d:
        b = d["baselines"]
        lines.append(
            f"Baselines (tuning set {b['metric']}; equal budget of "
            f"{b['options']['trials']} trials per family):"
        )
        for r in b["results"]:
            if r["tune"]:
                m = r["tune"]["metrics"][b["metric"]]
                lines.append(
                    f"  {r['family']:<18} {m['value']:.3f} ({m['low']:.3f}-{m['high']:.3f})"
                )
        for c in b["controls"]:
            if c["p_value"] is not None:
                lines.append(f"  control {c['kind']}: permutation p = {c['p_value']:.3f}")
            elif c["tune"]:
                lines.append(
                    f"  control {c['kind']}: {c['tune']['metrics'][b['metric']]['value']:.3f}"
                )
        lines.append(f"  recommended: {b['recommended']}")
    if "networks" in d:
        n = d["networks"]
        lines.append(
            f"Networks (on {n['device'].get('device')}, deterministic "
            f"{n['determinism'].get('deterministic_algorithms')}):"
        )
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
    if d.get("compare") and d["compare"]["final"]:
        f = d["compare"]["final"]
        why = f" (chosen against the recommendation: {f['reason']})" if f["reason"] else ""
        lines.append(f"Final model: {f['name']} [{f['key']}]{why}")
    for look in d.get("test", {}).get("looks", []):
        metric = d["test"]["metric"]
        m = look["final"]["metrics"][metric]
        lines.append(
            f"Test look '{look['version']}' on {look['time']} by {look['user']}: {metric} "
            f"{m['value']:.3f} ({m['low']:.3f}-{m['high']:.3f}), n = {look['n_test']}"
            + (f"; reason: {look['reason']}" if look["reason"] else "")
        )
    if d.get("interpret"):
        it = d["interpret"]
        top = ", ".join(i["name"] for i in it["importances"][:5])
        lines.append(f"Interpretation ({it['options']['set']} set): most important: {top}")
    if d.get("privacy") and d["privacy"].get("verdict"):
        pv = d["privacy"]
        lines.append(f"Privacy verdict: {pv['verdict'].replace('_', ' ')}")
        if pv.get("override"):
            lines.append(f"  export override: {pv['override']['justification']}")
    if d["warnings"]:
        lines.append("Warnings:")
        for w in d["warnings"]:
            lines.append(f"  [{w['severity']}] {w['code']}: {w['message']}")
    return "\n".join(lines)
