"""Tables in the PDF: column widths fitted to the text width, rows that wrap, a head that is
repeated on every page a long table spans, striped rows, and small tables kept on one page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dlwizard.render.pdf_pages import HEAD_FILL, INK, MUTED, RULE, SMALL_PT, STRIPE, TABLE_PT
from dlwizard.report.document import Paragraph, Table

_BREAKS = re.compile(r"[\s/-]+")
WORD_MAX_MM = 30.0  # a cell word longer than this may break anywhere (hashes, long IDs)


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


class _TableLayout:
    """Lays a :class:`Table` out, as a mix-in of the renderer: it uses the pagination of
    :class:`~dlwizard.render.pdf_pages._Pages` and the renderer's ``paragraph`` (the caption)."""

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
