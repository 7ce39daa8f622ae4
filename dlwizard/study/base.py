"""The base of every record in the Study: strict pydantic models, and the time stamp they use."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Model(BaseModel):
    # Unknown keys are an error: a typo in study.json must not pass silently.
    # A NaN or infinity that slips into a float is written as "NaN"/"Infinity" (read back as
    # such), never as null, which would make the saved project unreadable.
    model_config = ConfigDict(extra="forbid", validate_assignment=True, ser_json_inf_nan="strings")
