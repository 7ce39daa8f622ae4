"""The methods report: content built from the Study (``content``, no Qt), the reporting
checklists it answers (``checklists``), and the headless PDF (``pdf.write_pdf``)."""
