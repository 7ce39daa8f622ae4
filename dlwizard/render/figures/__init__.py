"""The figure builders, one per kind of plot, shared by the wizard's pages and the PDF report
(pyqtgraph, so Qt)."""
