"""The PDF's pages: the look of the report (typeface, margins, type sizes, colours), the
QPdfWriter and its two passes (lay out, then paint), pagination, the header and footer on every
page, and wrapped text set line by line so that it flows on to the next page.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dlwizard.jobs import Job
from dlwizard.report.document import Report

FAMILY = "Source Sans Pro"
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

Op = Callable[[object], None]


@dataclass
class _Page:
    ops: list[Op] = field(default_factory=list)


class _Pages(ABC):
    """Pages of drawing operations, laid out first and then painted.

    Layout and painting are separate passes so the table of contents can print the page of
    every section, and the footer the page count. A subclass lays the report out (``layout``).
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

    @abstractmethod
    def layout(self) -> None:
        """Lay the whole report out into ``self.pages`` (the first pass); the renderer does."""

    # pagination -----------------------------------------------------------------------------------
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

    # text, line by line ---------------------------------------------------------------------------
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

    def measure(self, text: str, font, width: float) -> float:
        from PySide6.QtCore import QRectF, Qt

        rect = self.metrics(font).boundingRect(
            QRectF(0, 0, width, 1e6), int(Qt.TextFlag.TextWordWrap), text
        )
        return rect.height() * 1.15

    def cleanup(self) -> None:
        self._layouts = []
