"""Blanking identifying values: the :class:`Redactor` that scrubs every block of a finished
report, so that no sample ID, subject or name the Study quotes reaches the page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dlwizard.report.document import Block, Bullets, Code, Figure, Paragraph, Report, Table

if TYPE_CHECKING:
    from dlwizard.study.project import Project

ID_ROLES = ("sample_id", "subject", "sensitive")
REDACTED = "[redacted]"
_TOKEN = re.compile(r"[^\s'\"(),;\[\]{}‘’“”]+")
_QUOTED = re.compile(r"(['\"‘“])([^'\"’”\n]{1,60})(['\"’”])")


class Redactor:
    """Blanks values of identifying columns (sample IDs, subjects, sensitive columns, columns the
    privacy step flagged) wherever the report's text would quote one, e.g. in a finding that
    names an example ID. Short numeric IDs are blanked only where quoted, so that counts and
    scores that happen to equal an ID stay readable."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.tokens: set[str] = set()
        self.quoted: set[str] = set()
        self.phrases: dict[str, list[str]] = {}
        for raw in values:
            v = str(raw).strip()
            if len(v) < 2 or v.lower() in ("nan", "none", "<na>"):
                continue
            if re.fullmatch(r"[-+]?\d+(\.\d+)?", v) and len(v) < 6:
                self.quoted.add(v)
            elif " " in v:
                self.phrases.setdefault(v.split()[0], []).append(v)
            elif len(v) >= 3:
                self.tokens.add(v)
            else:
                self.quoted.add(v)
        for first in self.phrases:
            self.phrases[first].sort(key=len, reverse=True)

    @classmethod
    def for_project(cls, project: Project) -> Redactor:
        s = project.study
        cols: set[str] = set()
        if s.metadata is not None:
            cols |= {c for c, r in s.metadata.roles.items() if r in ID_ROLES}
            # Names, e-mails, record numbers: whatever role they were given, their values
            # identify people (the metadata step's evidence quotes some).
            cols |= {
                c
                for c, seen in s.metadata.detections.items()
                if any(d.code == "person-identifier" for d in seen)
            }
        if s.data is not None and s.data.options.sample_id_column:
            cols.add(s.data.options.sample_id_column)
        if s.privacy is not None:
            cols |= {h.column for h in s.privacy.identifiers}
        return cls(project.identifying_values(cols))

    def __bool__(self) -> bool:
        return bool(self.tokens or self.quoted or self.phrases)

    def __call__(self, text: str) -> str:
        if not self or not text:
            return text
        if self.quoted:
            text = _QUOTED.sub(self._quoted, text)
        if self.phrases:
            text = self._phrases(text)
        return _TOKEN.sub(self._token, text)

    def _phrases(self, text: str) -> str:
        out, pos = [], 0
        for m in _TOKEN.finditer(text):
            if m.start() < pos:
                continue
            for phrase in self.phrases.get(m.group(0), ()):
                if text.startswith(phrase, m.start()):
                    out.append(text[pos : m.start()] + REDACTED)
                    pos = m.start() + len(phrase)
                    break
        return "".join(out) + text[pos:] if out else text

    def _quoted(self, m: re.Match) -> str:
        if m.group(2).strip() in self.quoted:
            return m.group(1) + REDACTED + m.group(3)
        return m.group(0)

    def _token(self, m: re.Match) -> str:
        tok = m.group(0)
        core = tok.rstrip(".:!?")
        if core in self.tokens:
            return REDACTED + tok[len(core) :]
        return tok

    def scrub_report(self, report: Report) -> None:
        if not self:
            return
        for block in [*report.front, *(b for s in report.all_sections() for b in s.blocks)]:
            scrub_block(block, self)


def scrub_block(block: Block, fn) -> None:
    """Apply ``fn`` to every text of ``block``, in place."""
    if isinstance(block, Paragraph):
        block.text = fn(block.text)
    elif isinstance(block, Bullets):
        block.items = [fn(i) for i in block.items]
    elif isinstance(block, Table):
        block.caption = fn(block.caption)
        block.rows = [[fn(c) for c in row] for row in block.rows]
    elif isinstance(block, Figure):
        block.caption = fn(block.caption)
    elif isinstance(block, Code):
        block.text = fn(block.text)
