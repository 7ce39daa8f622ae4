"""The words the report uses for the Study's codes: step names, tasks, study designs, column
roles and privacy verdicts."""

from __future__ import annotations

from dlwizard.study import registry

STEP_PAGES = {key: registry.title(key) for key in registry.ORDER}  # as the wizard names them
DESIGNS = {
    "unknown": "not stated",
    "randomised_trial": "randomised trial",
    "observational": "observational",
    "passive": "passively collected",
}
TASKS = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "regression": "regression",
}
ROLE_WORDS = {"sample_id": "sample ID", "time_point": "time point", "ignore": "ignored"}
VERDICTS = {
    "shareable": "shareable",
    "shareable_after_changes": "shareable after changes",
    "do_not_share": "do not share",
}


def verdict_text(verdict: str | None) -> str:
    """The privacy verdict in words ("not decided" when there is none)."""
    return VERDICTS.get(verdict or "", "not decided")
