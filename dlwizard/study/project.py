"""A project in memory: the Study, its data table and its audit log.

The GUI and the command line both hold one :class:`Project`. Steps change it only through the
methods here, so findings, step marks and the audit log stay consistent.

A step that runs in a worker thread never touches the project the window shows: it runs on a
:meth:`Project.working_copy`, and what it changed comes back as one :class:`Commit` that the GUI
thread applies with :meth:`Project.apply` after the worker finished. A cancelled or failed step
leaves the shared project exactly as it was, by construction.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlwizard import __version__
from dlwizard.study.model import Finding, StepRecord, Study, now_iso
from dlwizard.study.registry import ORDER

if TYPE_CHECKING:
    import pandas as pd

    from dlwizard.study.crypto import ProjectKey

# The wizard's steps in order (DESIGN.md §1), from the registry. Later steps depend on earlier ones.
STEP_ORDER: tuple[str, ...] = ORDER


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers; the log must still be written
        return "unknown"


@dataclass
class AuditEntry:
    action: str
    detail: dict[str, Any] = field(default_factory=dict)
    time: str = field(default_factory=now_iso)
    user: str = field(default_factory=current_user)
    app_version: str = __version__

    def to_json(self) -> dict[str, Any]:
        return {
            "time": self.time,
            "action": self.action,
            "user": self.user,
            "app_version": self.app_version,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> AuditEntry:
        return cls(
            action=str(doc["action"]),
            detail=dict(doc.get("detail") or {}),
            time=str(doc.get("time", "")),
            user=str(doc.get("user", "")),
            app_version=str(doc.get("app_version", "")),
        )


@dataclass(frozen=True)
class Commit:
    """Everything a step changed on a working copy: the new Study (its section, findings and
    step marks), the tables, the stored results and model files, and the new audit entries."""

    study: Study
    table: pd.DataFrame | None
    sealed: pd.DataFrame | None
    frames: dict[str, pd.DataFrame]
    models: dict[str, bytes]
    audit: tuple[AuditEntry, ...]
    dirty: bool


@dataclass
class Project:
    study: Study = field(default_factory=Study)
    table: pd.DataFrame | None = None
    log: list[AuditEntry] = field(default_factory=list)
    path: Path | None = None
    dirty: bool = False
    # The sealed test rows, moved out of ``table`` by the split step. No step reads them; only
    # the test step may open them, once (see dlwizard.steps.split).
    _sealed: pd.DataFrame | None = field(default=None, repr=False)
    # Results too large for study.json (e.g. each model's tuning-set predictions), saved as
    # data/<name>.parquet.
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    # Model files (safetensors weights, JSON architectures), saved as models/<name>.
    models: dict[str, bytes] = field(default_factory=dict)
    # The data key when the project is encrypted at rest (dlwizard.study.crypto); None = plain.
    encryption: ProjectKey | None = field(default=None, repr=False, compare=False)
    # On a working copy: how many audit entries the original had when the copy was made.
    _base_log: int | None = field(default=None, repr=False, compare=False)

    @classmethod
    def new(cls, name: str = "Untitled study") -> Project:
        project = cls(study=Study(name=name))
        project.audit("project-created", name=name)
        project.dirty = False
        return project

    # -- working copies and commits ------------------------------------------------------------
    def working_copy(self) -> Project:
        """A copy a step may change freely (in another thread): the Study is copied deeply, the
        tables and stored results shallowly (pandas copy-on-write keeps the original's values
        apart from whatever the step writes), the audit log as a new list."""
        return Project(
            study=self.study.model_copy(deep=True),
            table=None if self.table is None else self.table.copy(deep=False),
            log=list(self.log),
            path=self.path,
            dirty=self.dirty,
            _sealed=None if self._sealed is None else self._sealed.copy(deep=False),
            frames={k: v.copy(deep=False) for k, v in self.frames.items()},
            models=dict(self.models),
            encryption=self.encryption,
            _base_log=len(self.log),
        )

    def changes(self) -> Commit:
        """What was done on this working copy, to be applied to the original."""
        if self._base_log is None:
            raise RuntimeError("changes() is only defined on a working copy")
        return Commit(
            study=self.study,
            table=self.table,
            sealed=self._sealed,
            frames=dict(self.frames),
            models=dict(self.models),
            audit=tuple(self.log[self._base_log :]),
            dirty=self.dirty,
        )

    def apply(self, commit: Commit) -> None:
        """Take over what a step did on a working copy, in one go (the GUI thread calls this
        when the worker has finished). The copy's objects are adopted, not copied again, so a
        result the step returned (a section, a finding) is the one the project now holds."""
        self.study = commit.study
        self.table = commit.table
        self._sealed = commit.sealed
        self.frames = commit.frames
        self.models = commit.models
        self.log.extend(commit.audit)
        self.dirty = self.dirty or commit.dirty

    def restore_sealed(self, rows: pd.DataFrame | None) -> None:
        """Put back the sealed test rows read from a project file (only the loader calls this)."""
        self._sealed = rows

    # -- audit log ----------------------------------------------------------------------------
    def audit(self, action: str, **detail: Any) -> None:
        self.log.append(AuditEntry(action=action, detail=detail))
        self.touch()

    def touch(self) -> None:
        self.study.modified = now_iso()
        self.dirty = True

    # -- findings -----------------------------------------------------------------------------
    def findings(self, step: str | None = None) -> list[Finding]:
        return [f for f in self.study.findings if step is None or f.step == step]

    def replace_findings(self, step: str, findings: list[Finding], codes: set[str] | None = None):
        """Replace the findings a step made (optionally only those with the given codes)."""
        keep = [
            f
            for f in self.study.findings
            if f.step != step or (codes is not None and f.code not in codes)
        ]
        self.study.findings = keep + list(findings)
        self.touch()

    def errors(self, step: str | None = None) -> list[Finding]:
        return [f for f in self.findings(step) if f.severity == "error"]

    # -- step bookkeeping ---------------------------------------------------------------------
    def mark_done(self, step: str) -> None:
        done = dict(self.study.steps_done)
        done[step] = StepRecord()
        self.study.steps_done = {s: done[s] for s in STEP_ORDER if s in done}
        self.touch()

    def is_done(self, step: str) -> bool:
        return step in self.study.steps_done

    # -- the sealed test set ---------------------------------------------------------------------
    @property
    def n_sealed(self) -> int:
        return 0 if self._sealed is None else len(self._sealed)

    def sealed_rows(self) -> pd.DataFrame | None:
        """The sealed test rows, or None before the split. The only reader: the test step, which
        opens them once (and refuses before), and the project file, which stores them."""
        return self._sealed

    def column_with(self, role: str, *, in_table: bool = True) -> str | None:
        """The first column with ``role`` on the metadata page (and, by default, in the
        working table), or None: the subject, the sample ID, the target..."""
        return next(iter(self.columns_with(role, in_table=in_table)), None)

    def columns_with(self, role: str, *, in_table: bool = True) -> list[str]:
        """Every column with ``role``, in the metadata page's order."""
        m = self.study.metadata
        if m is None:
            return []
        have = set(self.table.columns) if in_table and self.table is not None else None
        return [c for c, r in m.roles.items() if r == role and (have is None or c in have)]

    def seal(self, test_ids: list[int]) -> None:
        """Move the test rows out of the working table."""
        import pandas as pd

        self.reunite()
        if self.table is None:
            return
        mask = self.table.index.isin(test_ids)
        self._sealed = self.table[mask].copy()
        self.table = self.table[~mask].copy()
        if not len(self._sealed):
            self._sealed = pd.DataFrame(columns=self.table.columns)

    def table_before_split(self) -> pd.DataFrame | None:
        """Every row, the sealed test rows included, as a new table; the project is unchanged.

        Only for the steps before the split (metadata, and split itself when it splits again):
        whatever they record throws the old split away. Steps after the split read ``table``.
        """
        import pandas as pd

        if self._sealed is None or self.table is None:
            return self.table
        return pd.concat([self.table, self._sealed]).sort_index()

    def reunite(self) -> None:
        """Put sealed rows back (only while the test set was never opened), e.g. to re-split."""
        import pandas as pd

        if self._sealed is None or self.table is None:
            self._sealed = None
            return
        self.table = pd.concat([self.table, self._sealed]).sort_index()
        self._sealed = None

    def invalidate_after(self, step: str) -> list[str]:
        """Forget that later steps were done: their results rest on what just changed.

        A change before the split throws the split away. The step must already have put the
        sealed rows back (``reunite``) or replaced the table with a new import.
        """
        if STEP_ORDER.index(step) < STEP_ORDER.index("split") and (
            self._sealed is not None or self.study.split is not None
        ):
            self.reunite()
            self.study.split = None
            # Its checks were about the split just thrown away (a must-fix there would still
            # mark the step with '!' and block Next).
            self.study.findings = [f for f in self.study.findings if f.step != "split"]
        later = STEP_ORDER[STEP_ORDER.index(step) + 1 :]
        dropped = [s for s in later if s in self.study.steps_done]
        if dropped:
            self.study.steps_done = {
                s: r for s, r in self.study.steps_done.items() if s not in dropped
            }
            self.touch()
        return dropped

    # -- after the test set was opened ----------------------------------------------------------
    @property
    def test_opened(self) -> bool:
        """True once the test step opened the sealed rows (the audit log keeps every look)."""
        return any(e.action == "test-unsealed" for e in self.log)

    def refuse_if_test_opened(self, what: str) -> None:
        """Re-splitting after the test set was seen would let test rows into training."""
        if self.test_opened:
            from dlwizard.errors import StepError

            raise StepError(
                f"{what} would split the data again, but the test set has already been opened",
                fix="keep this analysis as it is, or start a new project from the data files; "
                "the looks at this test set stay in the audit log and the report.",
            )

    def identifying_values(self, columns: set[str] | list[str]) -> set[str]:
        """Every value of the given identifying columns (sample ID, subject...), the sealed test
        rows included, as text: for blanking them out of what is shown or printed. Only those
        columns are read; no feature or label of a test row leaves here."""
        values: set[str] = set()
        for frame in (self.table, self._sealed):
            if frame is None:
                continue
            for col in columns:
                if col in frame.columns:
                    values.update(frame[col].dropna().astype("str").unique().tolist())
        return values
