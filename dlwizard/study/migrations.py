"""Schema migrations: a chain of pure functions, each lifting a study.json one version.

``MIGRATIONS[n]`` turns a version-``n`` document into a version-``n + 1`` document. Each takes and
returns plain JSON data (dicts and lists), never touches files and never imports later models, so
an old project can always be read. Every released schema keeps a golden file in ``tests/data/``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlwizard.errors import ProjectFileError
from dlwizard.study.model import SCHEMA_VERSION

Doc = dict[str, Any]

# Version 1 is the first released schema, so no migration exists yet. The first one will be
# registered as ``MIGRATIONS[1] = _v1_to_v2``.
MIGRATIONS: dict[int, Callable[[Doc], Doc]] = {}


def migrate(doc: Doc, *, source: str = "project", target: int | None = None) -> Doc:
    """Bring ``doc`` up to ``target`` (default: the current schema) through the chain."""
    if target is None:
        target = SCHEMA_VERSION  # read at call time, so a test can simulate a newer schema
    version = doc.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ProjectFileError(
            f"the study has no valid schema version (found {version!r})",
            file=source,
            fix="the file is damaged or was not written by dlwizard; open a backup copy.",
        )
    if version > target:
        raise ProjectFileError(
            f"this project was saved by a newer dlwizard (schema version {version}; "
            f"this dlwizard reads up to version {target})",
            file=source,
            fix="install the newest dlwizard to open it. Nothing was changed.",
        )
    while version < target:
        step = MIGRATIONS.get(version)
        if step is None:
            raise ProjectFileError(
                f"no migration from schema version {version} to {version + 1}",
                file=source,
                fix="this is a bug in dlwizard; please report it with the file.",
            )
        doc = step(dict(doc))
        if doc.get("schema_version") != version + 1:
            raise ProjectFileError(
                f"migration from schema {version} did not produce schema {version + 1}",
                file=source,
                fix="this is a bug in dlwizard; please report it with the file.",
            )
        version += 1
    return doc
