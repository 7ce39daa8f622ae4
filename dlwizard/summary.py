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
    if d["warnings"]:
        lines.append("Warnings:")
        for w in d["warnings"]:
            lines.append(f"  [{w['severity']}] {w['code']}: {w['message']}")
    return "\n".join(lines)
