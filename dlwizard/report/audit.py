"""The audit log in words: each action's name ("test-unsealed" is "test set opened") and an
entry's details as plain text, never Python values or internal keys."""

from __future__ import annotations

import re
from typing import Any

from dlwizard.report.context import Context
from dlwizard.report.formatting import (
    finite,
    fmt_seconds,
    fmt_time,
    fmt_value,
    metric_label,
    words_list,
)
from dlwizard.report.words import DESIGNS, ROLE_WORDS

ACTIONS = {
    "project-created": "project created",
    "data-imported": "data imported",
    "metadata-reviewed": "roles reviewed",
    "explored": "data explored",
    "split-made": "data split; test set sealed",
    "baselines-tuned": "baselines tuned",
    "networks-trained": "networks trained",
    "final-model-frozen": "final model frozen",
    "test-unsealed": "test set opened",
    "model-interpreted": "model interpreted",
    "privacy-answers": "privacy questions answered",
    "sensitivity-changed": "sensitivity changed",
    "privacy-checked": "privacy checked",
    "export-override": "export gate overridden",
    "model-exported": "model exported",
    "report-exported": "report written",
    "recovered-after-crash": "recovered after a crash",
    "encryption-enabled": "encryption turned on",
    "encryption-password-changed": "password changed",
    "encryption-removed": "encryption turned off",
}
DETAIL_WORDS = {
    "rows": "rows",
    "columns": "columns",
    "transposed": "turned (genes as rows)",
    "invalidated": "results cleared",
    "changed_roles": "roles changed",
    "derived": "derived columns",
    "embedding": "sample map",
    "warnings": "warnings",
    "train": "training samples",
    "tune": "tuning samples",
    "test": "test samples",
    "test_sha256": "test-set SHA-256",
    "grouped_by": "kept together by",
    "hold_out": "held out",
    "families": "families",
    "budget": "kept equal across families",
    "trials": "settings tried per family",
    "seconds_per_family": "time cap per family",
    "estimated_seconds": "estimated duration",
    "recommended": "recommended",
    "cancelled": "cancelled",
    "rungs": "rungs",
    "chosen": "chosen",
    "seeds": "seeds",
    "version": "analysis",
    "n_test": "test samples",
    "value": "score",
    "set": "measured on",
    "panel_k": "panel size",
    "sensitive": "sensitive data",
    "identifiers": "identifying columns",
    "identifiers_used_as_features": "identifying columns used as inputs",
    "memorising": "model memorises rows",
    "attack_auc": "membership-attack AUROC",
    "tpr_at_1pct_fpr": "attack hits at 1% false alarms",
    "recovery_copy": "recovery copy",
    "keychain": "password in the keychain",
}
ANSWER_WORDS = {
    "human_subjects": "from people",
    "health_records": "health records",
    "genomic": "genomic",
    "identifiable": "identifiable",
    "sharing_restricted": "sharing restricted",
}
_ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?$")


def action_words(action: str) -> str:
    """An audit-log action in words ("test-unsealed" is "test set opened")."""
    return ACTIONS.get(action, action.replace("-", " ").replace("_", " "))


def detail_text(detail: dict[str, Any], ctx: Context | None = None) -> str:
    """An audit entry's details in words: "kept together by: none; seed: 42", never Python
    values ("None", "True") or role keys."""
    parts = []
    for k, v in detail.items():
        if isinstance(v, list | tuple | set | dict) and not v:
            continue
        text = _detail_value(k, v, ctx)
        if text == "":
            continue
        if "sha256" in k and len(text) > 16:
            text = text[:16] + "…"  # the full hashes are in the reproducibility appendix
        if len(text) > 80:
            text = text[:77] + "…"
        parts.append(f"{DETAIL_WORDS.get(k, k.replace('_', ' '))}: {text}")
    return "; ".join(parts)


def _plain(v: Any) -> str:
    """A value in words: yes/no, none, times as dates, numbers to four significant digits."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return fmt_value(v)
    text = str(v)
    if _ISO_TIME.match(text):
        return fmt_time(text)
    return text


def _detail_value(k: str, v: Any, ctx: Context | None) -> str:
    name = ctx.family_name if ctx is not None else (lambda key: key)
    if k in ("model", "recommended", "chosen") and isinstance(v, str):
        return name(v) if v else ""
    if k in ("families", "rungs", "memorising") and isinstance(v, list):
        return words_list([name(str(x)) for x in v])
    if k == "metric" and isinstance(v, str):
        return metric_label(v)
    if k == "verdict" and isinstance(v, str):
        from dlwizard.steps.privacy import VERDICT_WORDS

        return VERDICT_WORDS.get(v, v.replace("_", " "))
    if k == "design" and isinstance(v, str):
        return DESIGNS.get(v, v.replace("_", " "))
    if k == "set" and v in ("tune", "test"):
        return "tuning set" if v == "tune" else "test set"
    if k == "budget" and v in ("trials", "time"):
        return "the number of trials" if v == "trials" else "the search time"
    if k in ("seconds_per_family", "estimated_seconds") and finite(v):
        return fmt_seconds(float(v))
    if k == "warnings" and isinstance(v, list):
        return words_list([str(x).replace("-", " ") for x in v])
    if k == "changed_roles" and isinstance(v, dict):
        return words_list([f"{c} ({ROLE_WORDS.get(str(r), str(r).replace('_', ' '))})"
                           for c, r in v.items()])  # fmt: skip
    if k == "embedding" and isinstance(v, str):
        return {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}.get(v, v)
    if k == "answers" and isinstance(v, dict):
        return words_list([f"{ANSWER_WORDS.get(q, q.replace('_', ' '))}: {_plain(a)}"
                           for q, a in v.items() if a is not None], 8)  # fmt: skip
    if k == "files" and isinstance(v, list):
        return words_list([str(x.get("name", "")) if isinstance(x, dict) else str(x) for x in v])
    if k == "files" and isinstance(v, dict):
        return words_list([str(x) for x in v])
    if k in ("path", "recovery_copy", "folder"):
        return str(v).replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    if isinstance(v, list | tuple | set):
        return words_list([_plain(x) if not isinstance(x, dict) else f"{len(x)} entries"
                           for x in v])  # fmt: skip
    if isinstance(v, dict):
        return words_list([f"{a}: {_plain(b)}" for a, b in v.items()])
    return _plain(v)
