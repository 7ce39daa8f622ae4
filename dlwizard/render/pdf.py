"""The methods report as a PDF, drawn headless with Qt (works under QT_QPA_PLATFORM=offscreen).

A4 pages with the project name and date in the header, page numbers in the footer and a table
of contents with page numbers. Text is set in the bundled Source Sans Pro (resources/fonts, SIL
Open Font License) so the output looks the same on every machine. Figures are drawn by the same
builders the wizard uses (:mod:`dlwizard.render.figures`) and painted straight into the PDF as
vectors.

The pages, their header and footer and the flow of text lines are in
:mod:`dlwizard.render.pdf_pages`, the tables in :mod:`dlwizard.render.pdf_tables`; this module
lays the report out (title page, contents, sections, paragraphs, code and figures).

Public entry: :func:`write_pdf`. It draws with pyqtgraph widgets, so it must run in the thread
that owns the QApplication (the GUI thread); without an application it creates an offscreen one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from dlwizard.jobs import Job
from dlwizard.render.pdf_pages import (
    ACCENT,
    BODY_PT,
    CODE_PT,
    FAMILY,
    FONT_FILES,
    H1_PT,
    H2_PT,
    H3_PT,
    INK,
    MUTED,
    NOTDONE,
    RULE,
    SMALL_PT,
    STRIPE,
    WARN,
    _Pages,
)
from dlwizard.render.pdf_tables import _TableLayout, fit_floors
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

__all__ = ["fit_floors", "register_fonts", "render", "write_pdf"]

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


class _Renderer(_Pages, _TableLayout):
    """The report laid out block by block: title page, contents, sections, paragraphs, lists,
    code and figures (tables come from :class:`_TableLayout`, pages and lines from
    :class:`_Pages`)."""

    def __init__(self, report: Report, family: str) -> None:
        super().__init__(report, family)
        self.figure_count = 0
        self.n_figures = len(report.figures())
        self.figures_drawn = 0

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
            elif block.panels[0].builder == "sequence_logo.build":  # a wide, low strip
                w, h = self.text_width, self.text_width * 0.26
            elif block.panels[0].builder == "saliency.montage":
                from dlwizard.render.figures import saliency

                w = self.text_width
                h = min(w * saliency.aspect(len(block.panels[0].args["grids"])), 150 * self.mm)
            elif block.panels[0].builder == "images.montage":  # rows of up to six images
                w = self.text_width
                h = min(w * (len(block.panels[0].args["rows"]) * 1.08 / 6.5), 150 * self.mm)
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
    elif kind == "sequence_logo.build":
        from dlwizard.render.figures import sequence_logo

        sequence_logo.build(item, **a)
    elif kind == "saliency.montage":
        from dlwizard.render.figures import saliency

        regression = bool(a.get("regression", False))
        labels = [
            saliency.tile_label(lab, pred, score, ok, regression)
            for lab, pred, score, ok in zip(
                a["label"], a["predicted"], a["score"], a["correct"], strict=True
            )
        ]
        saliency.montage(item, list(a["images"]), a["grids"], labels, list(a["correct"]))
    elif kind == "images.montage":
        from dlwizard.render.figures import images

        images.montage(item, a["rows"], a["labels"])
    elif kind == "images.group_bars":
        from dlwizard.render.figures import images

        images.group_bars(item, **a)
    elif kind in ("sequences.lengths", "sequences.composition"):
        from dlwizard.render.figures import sequences

        getattr(sequences, kind.split(".")[1])(item, **a)
    else:
        raise ValueError(f"no plot builder named {kind!r}")
