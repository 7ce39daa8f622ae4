"""Export the frozen final model for use outside dlwizard, behind the privacy gate (Tip 10).

``export_model(project, folder)`` writes the model's files exactly as the project holds them
(a baseline: its fitted scikit-learn pipeline, ``final.skops``; a network: ``final.safetensors``
weights, ``final.json`` architecture and ``final_preprocess.skops``) plus ``model_card.json``:
what the model is, which features it takes and how they are prepared, the data it was trained
on (by SHA-256), its tuning and test results, and the privacy verdict with any override.

The gate (:func:`check_export`) refuses unless the privacy check was run for the current final
model and found it shareable, or an override with a typed justification was recorded for it.
Every way out of dlwizard (the wizard's File menu, ``dlwizard export``, this API) goes through
it. Predictions and the report are never gated. No data rows and no sample IDs are written.

The folder is written atomically: everything goes to a temporary folder beside it, which is
renamed into place at the end, so a failed export leaves no half-written model behind.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from dlwizard import __version__
from dlwizard.errors import StepError
from dlwizard.ml import frozen
from dlwizard.steps import privacy
from dlwizard.steps.compare import final_model
from dlwizard.study.model import now_iso
from dlwizard.study.project import Project

CARD = "model_card.json"
CARD_FORMAT = "dlwizard-model-card"
CARD_VERSION = 1
PREPROCESSING = {
    "numeric": "missing values filled with the training rows' median, then standardised to mean "
    "0 and SD 1 with the training rows' mean and SD",
    "categorical": "missing values filled with the training rows' most frequent value, then "
    "one-hot encoded; a category not seen in training is encoded as all zeros",
}


def check_export(project: Project) -> str:
    """Whether the final model may leave the project: "shareable" or "override".

    Raises StepError, in plain words with what to do, when there is no final model, the privacy
    check was not run for it (or it was frozen again since), or its verdict is not
    "shareable" and no override was recorded for it.
    """
    final = final_model(project)
    if privacy.current_override(project) is not None:
        return "override"
    section = project.study.privacy
    if not privacy.is_current(project):
        stale = section is not None and section.verdict is not None
        raise StepError(
            f"the model cannot be exported: the privacy check was not run for {final.name}"
            + (" as it is frozen now (the model changed since)" if stale else ""),
            fix="run the privacy check on the privacy page (or `[privacy]` in a plan) first. "
            "To export anyway, record an override with a typed justification (`dlwizard "
            'export ... --override "why"`); it goes into the audit log and the report.',
        )
    if section.verdict != "shareable":
        reasons = " ".join(r for r in section.reasons if r)
        raise StepError(
            f"the model cannot be exported: the privacy verdict for {final.name} is "
            f"'{privacy.VERDICT_WORDS[section.verdict]}'. {reasons}".rstrip(),
            fix="make the changes the reasons name and run the privacy check again, or export "
            "anyway with an override and a typed justification (`dlwizard export ... --override "
            '"why"`, or the wizard\'s export dialog); the override is recorded in the audit log '
            "and printed in the report. Predictions and the report are not affected.",
        )
    return "shareable"


def export_model(
    project: Project, folder: str | Path, *, override: str | None = None
) -> list[Path]:
    """Write the final model's files and its model card into ``folder``; returns the paths.

    ``override``: a typed justification to export against the privacy verdict; it is recorded
    (Study, audit log, report) before the gate is checked. ``folder`` must be new, empty, or an
    earlier export of a dlwizard model (which is replaced).
    """
    final = final_model(project)
    if override is not None and not _allowed(project):
        privacy.override(project, override)
    how = check_export(project)
    target = Path(folder)
    _check_target(target)
    files: dict[str, bytes] = {}
    for name, digest in final.files.items():
        blob = project.models.get(name)
        if blob is None or frozen.sha256(blob) != digest:
            raise StepError(
                f"the final model's file '{name}' is missing or does not match its checksum",
                fix="freeze the final model again on the comparison page. Nothing was written.",
            )
        files[name] = blob
    card = model_card(project, how)
    files[CARD] = (json.dumps(card, indent=2, default=str) + "\n").encode("utf-8")
    written = _write_folder(target, files)
    project.audit(
        "model-exported",
        model=final.key,
        folder=str(target.resolve()),
        files={n: frozen.sha256(b) for n, b in files.items() if n != CARD},
        gate=how,
        verdict=card["privacy"]["verdict"],
    )
    return written


def _allowed(project: Project) -> bool:
    try:
        check_export(project)
    except StepError:
        return False
    return True


def model_card(project: Project, gate: str = "") -> dict[str, Any]:
    """What a receiver of the model must know, as JSON-ready data (no rows, no sample IDs)."""
    s = project.study
    final = final_model(project)
    q = s.question
    card: dict[str, Any] = {
        "format": CARD_FORMAT,
        "card_version": CARD_VERSION,
        "written_by": f"dlwizard {__version__}",
        "exported_at": now_iso(),
        "study": {"name": s.name, "id": s.id},
        "question": {
            "target": q.target,
            "task": final.task,
            "positive_class": q.positive_class,
            "unit": q.unit,
            "intended_use": q.intended_use,
        },
        "model": {
            "key": final.key,
            "kind": final.kind,
            "family": final.family,
            "name": final.name,
            "settings": final.params,
            "frozen_at": final.frozen_at,
            "chosen_against_recommendation": final.chosen_against_recommendation,
            "reason": final.reason,
            "files": dict(final.files),
            "how_to_load": _how_to_load(final.kind),
        },
        "features": {
            "numeric": list(final.numeric),
            "categorical": list(final.categorical),
            "categories_seen_in_training": {k: list(v) for k, v in final.categories.items()},
            "order": list(final.numeric) + list(final.categorical),
        },
        "classes": list(final.classes),
        "output": _output_words(final.task, final.classes),
        "preprocessing": {
            k: v
            for k, v in PREPROCESSING.items()
            if (final.numeric if k == "numeric" else final.categorical)
        },
        "training_data": _training_data(project),
        "tuning_result": final.tune.model_dump() if final.tune else None,
        "test_result": _test_result(project, final.key),
        "privacy": _privacy(project, gate),
    }
    return card


def _how_to_load(kind: str) -> str:
    if kind == "baseline":
        return (
            "final.skops is a fitted scikit-learn Pipeline ('prepare' then 'model'); load it with "
            "skops.io.load after checking skops.io.get_untrusted_types, then call predict_proba "
            "(or predict) on a table with the feature columns named as below."
        )
    return (
        "final_preprocess.skops is the fitted scikit-learn ColumnTransformer (load with "
        "skops.io.load); final.safetensors holds the PyTorch weights and final.json the "
        "architecture, as written by dlwizard.ml.nets. Transform the feature table with the "
        "preprocessing, then run the network."
    )


def _output_words(task: str, classes: list[str]) -> str:
    if task == "binary" and len(classes) == 2:
        return f"the probability of '{classes[1]}' (the class of interest) against '{classes[0]}'"
    if task == "multiclass":
        return "one probability per class, in the order of 'classes'"
    return "the predicted value of the target"


def _training_data(project: Project) -> dict[str, Any]:
    s = project.study
    d, sp = s.data, s.split
    out: dict[str, Any] = {}
    if d is not None:
        out["files"] = [
            {"name": f.name, "role": f.role, "sha256": f.sha256, "rows": f.n_rows} for f in d.files
        ]
        out["source"] = d.provenance.source
        out["doi"] = d.provenance.doi
    if sp is not None:
        out["n_train"] = len(sp.train)
        out["n_tune"] = len(sp.tune)
        out["n_test"] = len(sp.test)
        out["grouped_by"] = sp.group_column
        out["test_set_sha256"] = sp.test_sha256
    return out


def _test_result(project: Project, key: str) -> dict[str, Any] | None:
    t = project.study.test
    looks = [lk for lk in (t.looks if t else []) if lk.model == key and lk.final is not None]
    if not looks:
        return None
    lk = looks[-1]
    return {
        "version": lk.version,
        "opened_at": lk.time,
        "n": lk.n_test,
        "metrics": {k: v.model_dump() for k, v in lk.final.metrics.items()},
        "looks_at_the_test_set": len(t.looks),
    }


def _privacy(project: Project, gate: str) -> dict[str, Any]:
    section = project.study.privacy
    current = privacy.is_current(project)
    out: dict[str, Any] = {
        "gate": gate,
        "sensitive": bool(section and section.sensitive),
        "verdict": section.verdict if section and current else None,
        "reasons": list(section.reasons) if section and current else [],
    }
    if section is not None and current and section.audit is not None:
        a = section.audit
        out["membership_audit"] = {
            "attack_auc": a.attack_auc,
            "tpr_at_1pct_fpr": a.tpr_at_1pct_fpr,
            "risk": a.risk,
            "n_members": a.n_members,
            "n_nonmembers": a.n_nonmembers,
        }
    if section is not None and current:
        out["stores_training_rows"] = section.model in section.memorising
    o = privacy.current_override(project)
    if o is not None:
        out["override"] = {
            "justification": o.justification,
            "time": o.time,
            "user": o.user,
            "overrode_verdict": o.verdict,
        }
    return out


# -- writing --------------------------------------------------------------------------------------
def _is_export(folder: Path) -> bool:
    try:
        card = json.loads((folder / CARD).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(card, dict) and card.get("format") == CARD_FORMAT


def _check_target(target: Path) -> None:
    if target.exists() and not target.is_dir():
        raise StepError(
            f"'{target}' is a file, not a folder",
            fix="choose a new folder name for the exported model. Nothing was written.",
        )
    if target.is_dir() and any(target.iterdir()) and not _is_export(target):
        raise StepError(
            f"the folder '{target}' is not empty",
            fix="choose a new or empty folder (an earlier export of a model is replaced). "
            "Nothing was written.",
        )


def _write_folder(target: Path, files: dict[str, bytes]) -> list[Path]:
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    old: Path | None = None
    try:
        tmp.chmod(0o755)  # mkdtemp makes it private; the export is a normal folder
        for name, blob in files.items():
            with open(tmp / name, "wb") as fh:
                fh.write(blob)
                fh.flush()
                os.fsync(fh.fileno())
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            old.rmdir()
            os.replace(target, old)  # an empty folder or an earlier export
        os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not target.exists():
            os.replace(old, target)  # put the earlier export back
        raise StepError(
            f"the model could not be written to '{target}': {exc.strerror or exc}",
            fix="choose a folder you can write to with enough free space. Nothing was written.",
        ) from exc
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return [target / name for name in files]
