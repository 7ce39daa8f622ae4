"""Qt rendering: the figure builders (:mod:`dlwizard.render.figures`) and the PDF writer
(:mod:`dlwizard.render.pdf`).

Everything here needs Qt: PySide6's QtGui (the PDF writer's QPdfWriter and QPainter, fonts) and
pyqtgraph (the figures; the PDF paints the same figures as vectors). No matplotlib and no
QtPrintSupport are used. The science (``study``, ``io``, ``ml``, ``steps``) and the report
content (:mod:`dlwizard.report`) never import this package: only the GUI and the entry points
(``cli``, ``selftest``) do. The import contracts in pyproject.toml check this
(docs/architecture.md).
"""
