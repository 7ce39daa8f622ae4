"""Errors a user can act on.

Every error names what went wrong in plain words, where (file, row, column when known) and what
to do about it. The CLI prints ``str(error)`` without a traceback; the GUI shows it in a dialog.
"""

from __future__ import annotations

from pathlib import Path


class DlwizardError(Exception):
    """Base class for errors whose message is meant for the user."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        self.fix = fix
        super().__init__(self.__str__())

    def where(self) -> str:
        parts = []
        if self.file:
            parts.append(Path(self.file).name)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += f"\nWhat to do: {self.fix}"
        return text


class DataError(DlwizardError):
    """A data file cannot be imported as it is."""


class ProjectFileError(DlwizardError):
    """A .dlwiz project file cannot be opened or saved."""


class PlanError(DlwizardError):
    """A plan file is malformed or asks for something impossible."""


class StepError(DlwizardError):
    """A step cannot run with the current answers (e.g. no target chosen)."""


class Cancelled(Exception):
    """Raised inside a long job when the user pressed Cancel."""
