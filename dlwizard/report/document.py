"""The report as plain structured data: sections holding paragraphs, tables and figures.

The content builder (:mod:`dlwizard.report.content`) fills it from a Study; the PDF renderer
(:mod:`dlwizard.render.pdf`) lays it out; :func:`to_text` turns it into plain text (tests, the
command line). Nothing here imports Qt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ParagraphStyle = Literal["body", "note", "warning", "notdone", "quote"]


@dataclass
class Paragraph:
    text: str
    style: ParagraphStyle = "body"
    lead: str = ""  # a bold lead-in ("Verdict:"), drawn before the text


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    widths: list[float] | None = None  # relative column widths; None = from the content
    align: str = ""  # one letter a column, "l" or "r"; "" = all left
    highlight: list[int] = field(default_factory=list)  # rows drawn in bold


@dataclass
class Panel:
    """One plot, drawn by a builder in dlwizard.render.figures: ``builder`` is "module.function"."""

    builder: str
    args: dict[str, Any]
    title: str = ""


@dataclass
class Figure:
    panels: list[Panel]  # one, or two side by side
    caption: str = ""


@dataclass
class Code:
    text: str
    caption: str = ""


Block = Paragraph | Bullets | Table | Figure | Code


@dataclass
class Section:
    key: str
    title: str
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    number: str = ""  # filled by Report.number()
    tag: str = ""  # e.g. "DOME: Data", printed under the heading

    def add(self, *blocks: Block) -> Section:
        self.blocks.extend(blocks)
        return self

    def walk(self):
        yield self
        for sub in self.subsections:
            yield from sub.walk()

    @property
    def heading(self) -> str:
        return f"{self.number}  {self.title}" if self.number else self.title


@dataclass
class Report:
    project_name: str
    title: str
    generated: str
    app_version: str
    study_id: str
    front: list[Block] = field(default_factory=list)  # under the title, before the contents
    sections: list[Section] = field(default_factory=list)
    appendices: list[Section] = field(default_factory=list)

    def number(self) -> None:
        for i, sec in enumerate(self.sections, start=1):
            _number(sec, str(i))
        for i, sec in enumerate(self.appendices):
            _number(sec, chr(ord("A") + i))

    def all_sections(self):
        for sec in [*self.sections, *self.appendices]:
            yield from sec.walk()

    def find(self, key: str) -> Section | None:
        return next((s for s in self.all_sections() if s.key == key), None)

    def figures(self) -> list[Figure]:
        return [b for s in self.all_sections() for b in s.blocks if isinstance(b, Figure)]


def _number(section: Section, number: str) -> None:
    section.number = number
    for j, sub in enumerate(section.subsections, start=1):
        _number(sub, f"{number}.{j}")


def to_text(report: Report) -> str:
    """The whole report as plain text (figures as their captions)."""
    out = [report.title, report.project_name, f"Generated {report.generated}", ""]
    out += [_block_text(b) for b in report.front]
    for sec in [*report.sections, *report.appendices]:
        for s in sec.walk():
            out.append("")
            out.append(s.heading)
            if s.tag:
                out.append(s.tag)
            out += [_block_text(b) for b in s.blocks]
    return "\n".join(out) + "\n"


def _block_text(block: Block) -> str:
    if isinstance(block, Paragraph):
        return f"{block.lead} {block.text}".strip()
    if isinstance(block, Bullets):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, Table):
        lines = [block.caption] if block.caption else []
        lines.append(" | ".join(block.columns))
        lines += [" | ".join(row) for row in block.rows]
        return "\n".join(lines)
    if isinstance(block, Figure):
        titles = "; ".join(p.title for p in block.panels if p.title)
        return f"[Figure: {titles}] {block.caption}".strip()
    if isinstance(block, Code):
        return (block.caption + "\n" if block.caption else "") + block.text
    return ""
