"""The methods report as a PDF, drawn headless with Qt (works under QT_QPA_PLATFORM=offscreen).

A4 pages with the project name and date in the header, page numbers in the footer and a table
of contents with page numbers. Text is set in the bundled Source Sans Pro (resources/fonts, SIL
Open Font License) so the output looks the same on every machine. Figures are drawn by the same
builders the wizard uses (:mod:`dlwizard.render.figures`) and painted straight into the PDF as
vectors.

Public entry: :func:`write_pdf`. It draws with pyqtgraph widgets, so it must run in the thread
that owns the QApplication (the GUI thread); without an application it creates an offscreen one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dlwizard.jobs import Job
from dlwizard.report.document import (
    Block,
    Bullets,
    Code,
    Figure,
    Panel,
    Paragraph,
    Report,
    Section,
    Table,
)
from dlwizard.resources import resource

if TYPE_CHECKING:
    from dlwizard.study.project import Project

FAMILY = "Source Sans Pro"
_BREAKS = re.compile(r"[\s/-]+")
WORD_MAX_MM = 30.0  # a cell word longer than this may break anywhere (hashes, long IDs)
FONT_FILES = ("SourceSansPro-Regular.ttf", "SourceSansPro-Bold.ttf", "SourceSansPro-It.ttf")

# Layout, in millimetres and points.
MARGIN_LEFT = 20.0
MARGIN_RIGHT = 20.0
MARGIN_TOP = 24.0
MARGIN_BOTTOM = 20.0
HEADER_Y = 11.0
FOOTER_Y = 10.0  # from the bottom edge
BODY_PT = 9.5
SMALL_PT = 8.0
TABLE_PT = 8.0
CODE_PT = 7.5
H1_PT = 15.0
H2_PT = 11.5
H3_PT = 10.0

INK = "#1d2430"
MUTED = "#5b6472"
ACCENT = "#1f4e79"
RULE = "#c9ced6"
STRIPE = "#f3f5f8"
HEAD_FILL = "#e4e9f0"
WARN = "#9a3412"
NOTDONE = "#6b7280"

_APP = None  # the QApplication this module created, kept alive


# -- public --------------------------------------------------------------------------------------
def write_pdf(project: Project, path: str | Path, job: Job | None = None) -> Path:
    """Write the methods report of ``project`` to ``path`` (atomically) and return the path."""
    from dlwizard.report.content import build_report

    job = job or Job()
    job.progress(0.02, "Collecting the report's content")
    report = build_report(project)
    return render(report, path, job)


def render(report: Report, path: str | Path, job: Job | None = None) -> Path:
    """Draw an already built :class:`Report` into a PDF file at ``path``."""
    job = job or Job()
    path = Path(path)
    app = _application()
    family = register_fonts()
    from PySide6.QtCore import QThread

    if QThread.currentThread() is not app.thread():
        raise RuntimeError(
            "write_pdf draws with Qt widgets and must run in the GUI thread, not a worker thread"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        _Renderer(report, family).write(tmp, job)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    job.progress(1.0, "Report written")
    return path


def register_fonts() -> str:
    """Register the bundled font with Qt (once) and return its family name; Qt's default family
    when the font files are missing (e.g. a broken installation)."""
    from PySide6.QtGui import QFont, QFontDatabase

    if FAMILY in QFontDatabase.families():
        return FAMILY
    loaded = False
    for name in FONT_FILES:
        file = resource("fonts", name)
        if file.exists() and QFontDatabase.addApplicationFont(str(file)) >= 0:
            loaded = True
    return FAMILY if loaded else QFont().family()


def _application():
    from PySide6.QtWidgets import QApplication

    global _APP
    app = QApplication.instance()
    if app is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _APP = app = QApplication(["dlwizard-report"])
    elif not isinstance(app, QApplication):
        raise RuntimeError("the PDF report needs a QApplication (it draws pyqtgraph plots)")
    return app


# -- layout -------------------------------------------------------------------------------------
Op = Callable[[object], None]


def fit_floors(widths: list[float], floors: list[float]) -> list[float]:
    """``widths`` with each column raised to its floor, the room taken from the columns above
    their floors in proportion to what they have to spare; the total stays the same. When the
    floors alone do not fit, the widths are left as they were."""
    total = sum(widths)
    if sum(floors) > total:
        return list(widths)
    out = list(widths)
    for _ in range(len(out)):
        short = sum(max(f - w, 0.0) for w, f in zip(out, floors))
        if short <= 1e-9:
            break
        spare = [max(w - f, 0.0) for w, f in zip(out, floors)]
        if sum(spare) <= 1e-9:
            break
        take = min(short, sum(spare))
        out = [
            max(w, f) if w < f else w - take * sp / sum(spare)
            for w, f, sp in zip(out, floors, spare)
        ]
    return out


@dataclass
class _Page:
    ops: list[Op] = field(default_factory=list)


@dataclass
class _TableGrid:
    """One table's fonts, column widths and cell padding: measures its rows and paints one."""

    font: Any  # QFont of the body cells
    bold: Any  # QFont of the head and the highlighted rows
    fmb: Any  # QFontMetricsF of ``bold``
    widths: list[float]
    align: str  # one letter per column: "l" or "r"
    header: bool
    pad_x: float
    pad_y: float
    left: float
    rule_width: float

    def flags(self, text: str, w: float, f) -> int:
        """Break at spaces, hyphens and slashes; anywhere only for a longer unbroken token
        (a SHA-256)."""
        from PySide6.QtCore import Qt

        wrap = Qt.TextFlag.TextWordWrap
        if any(f.horizontalAdvance(tok) > w - 2 * self.pad_x for tok in _BREAKS.split(text)):
            wrap = Qt.TextFlag.TextWrapAnywhere
        return wrap

    def row_height(self, cells: list[str], f) -> float:
        """The height of a row of ``cells`` set with the metrics ``f``, padding included."""
        from PySide6.QtCore import QRectF

        h = 0.0
        for text, w in zip(cells, self.widths):
            fl = self.flags(text, w, f)
            rect = f.boundingRect(QRectF(0, 0, w - 2 * self.pad_x, 1e6), int(fl), text)
            h = max(h, rect.height())
        return max(h, f.height()) + 2 * self.pad_y

    def paint_row(self, p, cells: list[str], box, f, fill, is_head: bool = False) -> None:
        """Paint one row into ``box`` (its QRectF on the page), with its rule below."""
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor, QPen

        y, h = box.y(), box.height()
        if fill:
            p.fillRect(box, QColor(fill))
        p.setFont(self.bold if (is_head or f is self.fmb) else self.font)
        p.setPen(QColor(INK))
        x = self.left
        for j, (text, w) in enumerate(zip(cells, self.widths)):
            fl = self.flags(text, w, f)
            a = Qt.AlignmentFlag.AlignRight if self.align[j] == "r" else Qt.AlignmentFlag.AlignLeft
            if not self.header and j == 0:
                p.setPen(QColor(MUTED))
            p.drawText(
                QRectF(x + self.pad_x, y + self.pad_y, w - 2 * self.pad_x, h - 2 * self.pad_y),
                int(fl) | int(a) | int(Qt.AlignmentFlag.AlignTop),
                text,
            )
            p.setPen(QColor(INK))
            x += w
        p.setPen(QPen(QColor(RULE), self.rule_width))
        p.drawLine(box.bottomLeft(), box.bottomRight())


class _Renderer:
    """Lays the report out into pages of drawing operations, then paints them.

    Layout and painting are separate passes so the table of contents can print the page of
    every section, and the footer the page count.
    """

    def __init__(self, report: Report, family: str) -> None:
        from PySide6.QtGui import QPicture

        self.report = report
        self.family = family
        # Plots cache their axes as QPictures recorded at this resolution; drawing on a device of
        # another resolution would rescale them, so the PDF uses the same one.
        self.dpi = QPicture().logicalDpiX()
        self.mm = self.dpi / 25.4
        self.pages: list[_Page] = []
        self.section_pages: dict[str, int] = {}
        self.figure_count = 0
        self.n_figures = len(report.figures())
        self.figures_drawn = 0
        self.job: Job | None = None

    # units and fonts ------------------------------------------------------------------------------
    def font(self, size: float, bold: bool = False, italic: bool = False):
        from PySide6.QtGui import QFont

        f = QFont(self.family)
        f.setPointSizeF(size)
        f.setBold(bold)
        f.setItalic(italic)
        f.setHintingPreference(QFont.HintingPreference.PreferNoHinting)
        f.setKerning(True)
        # No ligatures: text copied from the PDF (the methods paragraph) stays plain letters.
        for tag in ("liga", "clig"):
            f.setFeature(QFont.Tag(tag), 0)
        return f

    def metrics(self, font):
        from PySide6.QtGui import QFontMetricsF

        return QFontMetricsF(font, self.writer)

    # the passes -----------------------------------------------------------------------------------
    def write(self, path: Path, job: Job) -> None:
        from PySide6.QtCore import QMarginsF
        from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

        self.job = job
        writer = QPdfWriter(str(path))
        writer.setResolution(self.dpi)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)
        writer.setTitle(f"{self.report.project_name}: {self.report.title}")
        writer.setCreator(f"dlwizard {self.report.app_version}")
        self.writer = writer
        self.width = writer.width()
        self.height = writer.height()
        self.left = MARGIN_LEFT * self.mm
        self.right = self.width - MARGIN_RIGHT * self.mm
        self.top = MARGIN_TOP * self.mm
        self.bottom = self.height - MARGIN_BOTTOM * self.mm
        self.text_width = self.right - self.left
        self.layout()
        job.progress(0.1, "Drawing the pages")
        painter = QPainter(writer)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
            for i, page in enumerate(self.pages):
                if i:
                    writer.newPage()
                self.chrome(painter, i)
                for op in page.ops:
                    op(painter)
        finally:
            painter.end()
            self.cleanup()

    def layout(self) -> None:
        r = self.report
        self.new_page()
        self.title_block()
        self.contents()
        for sec in r.sections:
            self.section(sec, 1)
        for i, sec in enumerate(r.appendices):
            if i == 0:
                self.new_page()
            self.section(sec, 1, appendix=True)

    def new_page(self) -> None:
        self.pages.append(_Page())
        self.y = self.top

    def add(self, op: Op) -> None:
        self.pages[-1].ops.append(op)

    def room(self) -> float:
        return self.bottom - self.y

    def ensure(self, height: float) -> None:
        if height > self.room() and self.y > self.top + 1:
            self.new_page()

    def space(self, mm: float) -> None:
        self.y = min(self.y + mm * self.mm, self.bottom)

    # page furniture -------------------------------------------------------------------------------
    def chrome(self, painter, index: int) -> None:
        from PySide6.QtCore import QPointF, QRectF, Qt
        from PySide6.QtGui import QColor, QPen

        small = self.font(SMALL_PT)
        painter.setFont(small)
        painter.setPen(QColor(MUTED))
        fm = self.metrics(small)
        r = self.report
        if index > 0:
            y = HEADER_Y * self.mm
            box = QRectF(self.left, y, self.text_width, fm.height())
            name = fm.elidedText(r.project_name, Qt.TextElideMode.ElideRight, self.text_width * 0.6)
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
            painter.drawText(
                box,
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{r.title} · {r.generated}",
            )
            painter.setPen(QPen(QColor(RULE), 0.5 * self.dpi / 72))
            line_y = y + fm.height() + 1.2 * self.mm
            painter.drawLine(QPointF(self.left, line_y), QPointF(self.right, line_y))
            painter.setPen(QColor(MUTED))
        y = self.height - FOOTER_Y * self.mm - fm.height()
        box = QRectF(self.left, y, self.text_width, fm.height())
        painter.drawText(
            box,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            f"dlwizard {r.app_version} · study {r.study_id[:8]}",
        )
        painter.drawText(
            box,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            f"Page {index + 1} of {len(self.pages)}",
        )

    def title_block(self) -> None:
        r = self.report
        self.y = self.top + 6 * self.mm
        self.text_line(r.title.upper(), self.font(10, bold=True), ACCENT)
        self.space(2)
        self.paragraph_text(r.project_name, self.font(22, bold=True), INK)
        self.space(1)
        self.text_line(
            f"Generated {r.generated} by dlwizard {r.app_version}", self.font(BODY_PT), MUTED
        )
        self.space(6)
        for block in r.front:
            self.block(block)
        self.space(4)

    def contents(self) -> None:
        from PySide6.QtCore import QPointF, QRectF, Qt
        from PySide6.QtGui import QColor, QPen

        self.heading_text("Contents", self.font(H2_PT, bold=True), ACCENT, key=None)
        entries: list[tuple[Section, int]] = []
        for sec in [*self.report.sections, *self.report.appendices]:
            entries.append((sec, 1))
            if sec.key not in ("findings",):
                entries += [(sub, 2) for sub in sec.subsections]
        for sec, level in entries:
            font = self.font(BODY_PT if level == 1 else SMALL_PT + 0.5, bold=level == 1)
            fm = self.metrics(font)
            h = fm.height() * (1.45 if level == 1 else 1.3)
            self.ensure(h)
            y = self.y
            indent = 0 if level == 1 else 7 * self.mm
            number_w = (7 if level == 1 else 9) * self.mm
            key = sec.key

            def op(p, sec=sec, y=y, font=font, fm=fm, indent=indent, number_w=number_w, key=key):
                p.setFont(font)
                p.setPen(QColor(INK))
                x = self.left + indent
                row = QRectF(x, y, self.text_width - indent, fm.height())
                p.drawText(row, Qt.AlignmentFlag.AlignLeft, sec.number)
                page = str(self.section_pages.get(key, ""))
                title_box = QRectF(
                    x + number_w, y, self.text_width - indent - number_w, fm.height()
                )
                title_w = fm.horizontalAdvance(sec.title)
                p.drawText(title_box, Qt.AlignmentFlag.AlignLeft, sec.title)
                p.drawText(row, Qt.AlignmentFlag.AlignRight, page)
                # dotted leader between the title and the page number
                start = x + number_w + title_w + 2 * self.mm
                end = self.right - fm.horizontalAdvance(page) - 2 * self.mm
                if end > start:
                    pen = QPen(QColor(RULE), 0.6 * self.dpi / 72, Qt.PenStyle.DotLine)
                    p.setPen(pen)
                    base = y + fm.ascent()
                    p.drawLine(QPointF(start, base), QPointF(end, base))

            self.add(op)
            self.y += h

    # sections -------------------------------------------------------------------------------------
    def section(self, sec: Section, level: int, appendix: bool = False) -> None:
        size = {1: H1_PT, 2: H2_PT}.get(level, H3_PT)
        font = self.font(size, bold=True)
        fm = self.metrics(font)
        label = ("Appendix " if appendix and level == 1 else "") + sec.heading
        # Keep a heading with what follows it: never alone at the bottom of a page.
        keep = fm.height() * 2 + (45 if level == 1 else 30) * self.mm
        if level == 1 and self.y > self.top + 1:
            self.space(4)
        self.ensure(keep)
        if level == 1 and self.y > self.top + 1:
            self.space(2)
        self.heading_text(label, font, ACCENT if level == 1 else INK, key=sec.key)
        if sec.tag:
            self.text_line(sec.tag, self.font(SMALL_PT, italic=True), MUTED)
            self.space(1.5)
        for block in sec.blocks:
            self.block(block)
        for sub in sec.subsections:
            self.section(sub, level + 1)

    def heading_text(self, text: str, font, color: str, key: str | None) -> None:
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QColor, QPen

        fm = self.metrics(font)
        self.space(1.5)
        self.ensure(fm.height() * 3)
        if key is not None:
            self.section_pages[key] = len(self.pages)
        big = font.pointSizeF() >= H1_PT
        self.paragraph_text(text, font, color)
        if big:
            y = self.y + 0.8 * self.mm

            def rule(p, y=y):
                p.setPen(QPen(QColor(ACCENT), 0.8 * self.dpi / 72))
                p.drawLine(QPointF(self.left, y), QPointF(self.right, y))

            self.add(rule)
            self.y += 2.2 * self.mm
        self.space(1.5)

    # blocks ---------------------------------------------------------------------------------------
    def block(self, block: Block) -> None:
        if isinstance(block, Paragraph):
            self.paragraph(block)
        elif isinstance(block, Bullets):
            self.bullets(block)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Figure):
            self.figure(block)
        elif isinstance(block, Code):
            self.code(block)

    def paragraph(self, block: Paragraph) -> None:
        style = block.style
        size = SMALL_PT + 0.5 if style in ("note", "notdone") else BODY_PT
        color = {"warning": WARN, "notdone": NOTDONE, "note": MUTED}.get(style, INK)
        italic = style in ("note", "notdone")
        indent = 0.0
        if style == "quote":
            indent = 4 * self.mm
        if block.text == "" and not block.lead:
            return
        if block.lead and not block.text.strip():
            # a lone lead-in is a small run-in heading
            self.ensure(self.metrics(self.font(BODY_PT, bold=True)).height() * 3)
            self.paragraph_text(block.lead, self.font(BODY_PT, bold=True), INK)
            self.space(0.8)
            return
        if style == "quote":
            self.quote_bar_start = (len(self.pages), self.y)
        self.paragraph_text(
            block.text,
            self.font(size, italic=italic),
            color,
            lead=block.lead,
            indent=indent,
            bold_font=self.font(size, bold=True, italic=italic),
        )
        if style == "quote":
            self.quote_bar()
        self.space(2.2 if style in ("body", "quote", "warning") else 1.8)

    def quote_bar(self) -> None:
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QColor

        first, y_start = self.quote_bar_start
        for index in range(first, len(self.pages) + 1):
            y0 = y_start if index == first else self.top
            y1 = self.y if index == len(self.pages) else self.bottom

            def bar(p, y0=y0, y1=y1):
                p.fillRect(QRectF(self.left, y0, 0.9 * self.mm, y1 - y0), QColor(ACCENT))

            self.pages[index - 1].ops.append(bar)

    def text_line(self, text: str, font, color: str) -> None:
        self.paragraph_text(text, font, color)

    def paragraph_text(
        self,
        text: str,
        font,
        color: str,
        lead: str = "",
        indent: float = 0.0,
        bold_font=None,
        hanging: str = "",
    ) -> None:
        """Lay out wrapped text line by line (a paragraph may continue on the next page)."""
        from PySide6.QtCore import QPointF
        from PySide6.QtGui import QColor, QTextCharFormat, QTextLayout, QTextOption

        full = (lead + " " if lead else "") + text
        layout = QTextLayout(full, font, self.writer)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        if lead:
            fmt = QTextCharFormat()
            fmt.setFont(bold_font or self.font(font.pointSizeF(), bold=True))
            r = QTextLayout.FormatRange()
            r.start, r.length, r.format = 0, len(lead), fmt
            layout.setFormats([r])
        x0 = self.left + indent
        width = self.text_width - indent
        layout.beginLayout()
        lines = []
        y = 0.0
        leading = self.metrics(font).leading() + 0.12 * self.metrics(font).height()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            line.setPosition(QPointF(0, y))
            lines.append(line)
            y += line.height() + leading
        layout.endLayout()
        self._layouts = getattr(self, "_layouts", [])
        self._layouts.append(layout)  # the layout must outlive the ops that draw its lines
        for i, line in enumerate(lines):
            h = line.height() + leading
            self.ensure(line.height())
            page_y = self.y

            def op(p, line=line, page_y=page_y, x0=x0, hanging=hanging, first=i == 0):
                p.setPen(QColor(color))
                if hanging and first:
                    p.setFont(font)
                    p.drawText(QPointF(x0 - 4 * self.mm, page_y + line.ascent()), hanging)
                line.draw(p, QPointF(x0, page_y - line.y()))

            self.add(op)
            self.y += h

    def bullets(self, block: Bullets) -> None:
        font = self.font(BODY_PT)
        for item in block.items:
            self.paragraph_text(item, font, INK, indent=6 * self.mm, hanging="•")
            self.space(0.8)
        self.space(1.2)

    def code(self, block: Code) -> None:
        from PySide6.QtCore import QRectF
        from PySide6.QtGui import QColor

        if block.caption:
            self.paragraph(Paragraph(block.caption, style="note"))
        font = self.font(CODE_PT)
        start = (len(self.pages), self.y)
        self.space(1.5)
        for line in block.text.splitlines() or [""]:
            self.paragraph_text(line or " ", font, INK, indent=3 * self.mm)
        self.space(1.5)
        end = self.y
        # the grey box behind the code, per page it spans
        first_page, y0 = start
        for page_index in range(first_page, len(self.pages) + 1):
            top = y0 if page_index == first_page else self.top
            bottom = end if page_index == len(self.pages) else self.bottom

            def box(p, top=top, bottom=bottom):
                p.fillRect(QRectF(self.left, top, self.text_width, bottom - top), QColor(STRIPE))

            self.pages[page_index - 1].ops.insert(0, box)
        self.space(2)

    # tables ---------------------------------------------------------------------------------------
    def table(self, block: Table) -> None:
        from PySide6.QtCore import QRectF

        ncols = len(block.columns)
        if not ncols:
            return
        header = any(c.strip() for c in block.columns)
        long_table = len(block.rows) > 25
        size = TABLE_PT - (0.5 if long_table else 0.0)
        font = self.font(size)
        bold = self.font(size, bold=True)
        fm, fmb = self.metrics(font), self.metrics(bold)
        pad_x, pad_y = 1.6 * self.mm, 0.9 * self.mm
        grid = _TableGrid(
            font=font,
            bold=bold,
            fmb=fmb,
            widths=self.column_widths(block, fm, fmb, pad_x),
            align=(block.align or "").ljust(ncols, "l"),
            header=header,
            pad_x=pad_x,
            pad_y=pad_y,
            left=self.left,
            rule_width=0.4 * self.dpi / 72,
        )
        head_h = grid.row_height(block.columns, fmb) if header else 0.0

        def draw_row(cells, y, h, f, fill, is_head=False):
            box = QRectF(self.left, y, sum(grid.widths), h)
            self.add(lambda p: grid.paint_row(p, cells, box, f, fill, is_head))

        def head():
            if header:
                draw_row(block.columns, self.y, head_h, fmb, HEAD_FILL, True)
                self.y += head_h

        first_h = grid.row_height(block.rows[0], fm) if block.rows else 0
        if len(block.rows) <= 12:
            # a small table is not split: it moves to the next page whole when it must
            total = head_h + sum(
                grid.row_height([str(c) for c in r], fmb if i in block.highlight else fm)
                for i, r in enumerate(block.rows)
            )
            if block.caption:
                cap = self.measure(block.caption, self.font(SMALL_PT + 0.5, italic=True),
                                   self.text_width)  # fmt: skip
                total += cap
            if total < (self.bottom - self.top) * 0.6:
                self.ensure(total)
        if block.caption:
            # the caption stays with the table's head and first row
            cap_font = self.font(SMALL_PT + 0.5, italic=True)
            self.ensure(self.measure(block.caption, cap_font, self.text_width) + head_h + first_h)
            self.paragraph(Paragraph(block.caption, style="note"))
            self.y -= 0.8 * self.mm
        self.ensure(head_h + first_h)
        head()
        for i, cells in enumerate(block.rows):
            cells = [str(c) for c in cells] + [""] * (ncols - len(cells))
            is_bold = i in block.highlight
            f = fmb if is_bold else fm
            h = grid.row_height(cells, f)
            if h > self.room():
                self.new_page()
                head()
            fill = STRIPE if i % 2 == 1 else None
            draw_row(cells, self.y, h, f, fill)
            self.y += h
        self.space(3)

    def column_widths(self, block: Table, fm, fmb, pad_x: float) -> list[float]:
        widths = self._column_widths(block, fm, fmb, pad_x)

        # No column narrower than the longest word of its header ("Samples", never "Sample/s"),
        # nor, where there is room, than the longest word of its cells (up to WORD_MAX_MM: a
        # SHA-256 still wraps anywhere); the room is taken from columns with some to spare.
        def longest(texts, metrics, cap=None):
            words = [w for t in texts for w in _BREAKS.split(str(t)) if w]
            sizes = [metrics.horizontalAdvance(w) for w in words]
            if cap is not None:
                sizes = [x for x in sizes if x <= cap]
            return max(sizes, default=0.0) + 2 * pad_x + 1.0

        heads = [longest([c], fmb) for c in block.columns]
        cells = [
            longest([r[j] for r in block.rows if j < len(r)], fm, WORD_MAX_MM * self.mm)
            for j in range(len(block.columns))
        ]
        both = [max(h, c) for h, c in zip(heads, cells)]
        if sum(both) <= sum(widths):
            return fit_floors(widths, both)
        return fit_floors(widths, heads)

    def _column_widths(self, block: Table, fm, fmb, pad_x: float) -> list[float]:
        ncols = len(block.columns)
        avail = self.text_width
        if block.widths and len(block.widths) == ncols:
            total = sum(block.widths)
            return [avail * w / total for w in block.widths]
        natural = []
        minimum = []
        for j in range(ncols):
            texts = [block.columns[j]] + [str(r[j]) for r in block.rows if j < len(r)]
            nat = max(
                [fmb.horizontalAdvance(block.columns[j])]
                + [fm.horizontalAdvance(t) for t in texts[1:]]
            )
            longest_word = max(
                (fm.horizontalAdvance(w) for t in texts for w in t.split()), default=0.0
            )
            natural.append(nat + 2 * pad_x)
            minimum.append(min(longest_word + 2 * pad_x, avail / ncols))
        if sum(natural) <= avail:
            extra = avail - sum(natural)
            return [w + extra * w / sum(natural) for w in natural]
        widths = list(minimum)
        rest = avail - sum(widths)
        want = [max(n - m, 0.0) for n, m in zip(natural, minimum)]
        if rest > 0 and sum(want) > 0:
            widths = [w + rest * x / sum(want) for w, x in zip(widths, want)]
        scale = avail / sum(widths)
        return [w * scale for w in widths]

    # figures --------------------------------------------------------------------------------------
    def figure(self, block: Figure) -> None:
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor

        n = len(block.panels)
        if not n:
            return
        gap = 5 * self.mm
        if n == 1:
            w = self.text_width * (0.78 if block.panels[0].builder != "intervals.build" else 0.9)
            h = w * 0.5
            if block.panels[0].builder == "intervals.build":
                rows = len(block.panels[0].args.get("labels", []))
                h = min(max(30 * self.mm, (12 + 7 * rows) * self.mm), 120 * self.mm)
        else:
            w = (self.text_width - gap * (n - 1)) / n
            h = w * (0.78 if n == 2 else 0.95)
        title_font = self.font(SMALL_PT, bold=True)
        title_h = (
            self.metrics(title_font).height() * 1.3 if any(p.title for p in block.panels) else 0
        )
        caption_font = self.font(SMALL_PT, italic=True)
        self.figure_count += 1
        number = self.figure_count
        caption = f"Figure {number}. {block.caption}".strip()
        cap_h = self.measure(caption, caption_font, self.text_width)
        self.ensure(title_h + h + cap_h + 3 * self.mm)
        total_w = w * n + gap * (n - 1)
        x0 = self.left + (self.text_width - total_w) / 2
        y0 = self.y
        for i, panel in enumerate(block.panels):
            x = x0 + i * (w + gap)

            def op(p, panel=panel, x=x, w=w):
                if panel.title:
                    p.setFont(title_font)
                    p.setPen(QColor(INK))
                    p.drawText(
                        QRectF(x, y0, w, title_h), int(Qt.AlignmentFlag.AlignLeft), panel.title
                    )
                self.draw_panel(p, panel, QRectF(x, y0 + title_h, w, h), small=n > 2)

            self.add(op)
        self.y += title_h + h + 1.5 * self.mm
        self.paragraph_text(caption, caption_font, MUTED)
        self.space(3.5)

    def measure(self, text: str, font, width: float) -> float:
        from PySide6.QtCore import QRectF, Qt

        rect = self.metrics(font).boundingRect(
            QRectF(0, 0, width, 1e6), int(Qt.TextFlag.TextWordWrap), text
        )
        return rect.height() * 1.15

    def draw_panel(self, painter, panel: Panel, target, small: bool = False) -> None:
        """Build the plot with its dlwizard.render.figures builder and paint it as vectors."""
        import pyqtgraph as pg
        import shiboken6
        from PySide6.QtCore import QRectF, Qt
        from PySide6.QtGui import QColor, QFont
        from PySide6.QtWidgets import QApplication

        from dlwizard.render.figures.learning_curves import plain_numbers

        if self.job is not None:
            self.figures_drawn += 1
            self.job.progress(
                0.1 + 0.85 * self.figures_drawn / max(self.n_figures * 2, 1),
                f"Drawing figures ({self.figures_drawn})",
            )
        # Scene pixels per PDF device pixel, so that the 12 px tick labels print at about 8 pt
        # (7 pt in a row of three).
        target_pt = 7.0 if small else 8.0
        scale = (target_pt * self.dpi / 72) / 12.0
        size = (int(target.width() / scale), int(target.height() / scale))
        widget = pg.PlotWidget(background="w")
        widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        widget.resize(*size)
        widget.show()
        item = widget.getPlotItem()
        font = QFont(self.family)
        font.setPixelSize(12)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen("#555555"))
            axis.setTextPen(pg.mkPen("#333333"))
            axis.setStyle(tickFont=font, tickLength=-4)
            axis.label.setFont(font)
            plain_numbers(axis)  # "loss (x0.001)" reads badly on paper
        try:
            _draw(item, panel)
            self.restyle(item, font)
            QApplication.processEvents()
            scene = widget.scene()
            scene.prepareForPaint()
            # Export mode, as pyqtgraph's own exporters use it: symbols are drawn as vector
            # paths instead of cached pixmaps.
            opts = {"antialias": True, "background": QColor("white"), "painter": painter}
            exporting = [i for i in scene.items() if hasattr(i, "setExportMode")]
            for i in exporting:
                i.setExportMode(True, opts)
            painter.save()
            painter.setClipRect(target)
            scene.render(painter, target, QRectF(widget.viewport().rect()))
            painter.restore()
            for i in exporting:
                i.setExportMode(False)
        finally:
            item.clear()  # text items left in a scene crash the interpreter at exit
            widget.close()
            shiboken6.delete(widget)  # only this plot's widget, now (no event loop needed)

    def restyle(self, item, font) -> None:
        import pyqtgraph as pg

        for child in item.items:
            if isinstance(child, pg.TextItem):
                child.setFont(font)
        legend = item.legend
        if legend is not None:
            for _sample, label in legend.items:
                label.item.setFont(font)
                label.setText(label.text, color="#333333", size="12px")

    def cleanup(self) -> None:
        self._layouts = []


def _draw(item, panel: Panel) -> None:
    """Call the panel's builder in dlwizard.render.figures with the panel's data."""
    import numpy as np

    from dlwizard.render.figures import class_balance, curves, intervals, learning_curves
    from dlwizard.render.figures import panel as panel_plot

    a = panel.args
    kind = panel.builder
    if kind == "class_balance.build":
        balance = class_balance.ClassBalance(
            list(a["labels"]), list(a["counts"]), a.get("highlight")
        )
        class_balance.build(item, balance)
    elif kind == "curves.roc":
        curves.roc(item, a["fpr"], a["tpr"], a.get("auc"))
    elif kind == "curves.precision_recall":
        curves.precision_recall(item, a["recall"], a["precision"], a["prevalence"], a.get("ap"))
    elif kind == "curves.calibration":
        curves.calibration(item, a["predicted"], a["observed"])
    elif kind == "curves.residuals":
        curves.residuals(item, np.asarray(a["predicted"]), np.asarray(a["observed"]))
    elif kind == "learning_curves.build":
        learning_curves.build(item, a["train_loss"], a["val_loss"], a.get("best_epoch"))
    elif kind == "intervals.build":
        intervals.build(item, **a)
    elif kind == "panel.panel_curve":
        panel_plot.panel_curve(item, **a)
    else:
        raise ValueError(f"no plot builder named {kind!r}")
