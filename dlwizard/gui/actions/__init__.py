"""What the window's menus do, one module per menu: ``files`` (new, open, save, passwords,
autosave and recovery) and ``export`` (the PDF report, the plan, the final model, predictions).
Each action is a function of the window; ``MainWindow`` keeps a one-line method for each."""
