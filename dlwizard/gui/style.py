"""The look of the wizard: Fusion with a calm light palette and readable type."""

STYLE = """
QWidget { font-size: 10pt; }
QWidget#pagebody { background: #ffffff; }
QLabel#pagetitle { font-size: 17pt; font-weight: 600; color: #1d2b3a; padding-left: 22px; }
QLabel#tip { color: #4a6a8a; background: #eaf2fb; border-radius: 9px; padding: 3px 10px; }
QLabel#intro { font-size: 10.5pt; color: #333; }
QLabel#section { font-size: 12pt; font-weight: 600; color: #1d2b3a; padding-top: 10px; }
QLabel#help { color: #5f6b76; font-size: 9pt; }
QLabel#banner { background: #fdecea; color: #7a1c14; border: 1px solid #f3b8b1;
                border-radius: 4px; padding: 8px; }
QLabel#status { background: #eef7ee; border: 1px solid #cfe3cf; border-radius: 4px;
                padding: 8px; }
QLabel#blocker { color: #8a5a00; padding: 0 12px; }
QListWidget#steps { background: #1d2b3a; color: #dce6f0; border: none; font-size: 11pt;
                    padding-top: 16px; }
QListWidget#steps::item { padding: 10px 12px; }
QListWidget#steps::item:selected { background: #2f4a66; color: white; }
QPushButton { padding: 5px 14px; }
QPushButton#primary { background: #1f6fb2; color: white; border: none; border-radius: 4px;
                      padding: 6px 18px; font-weight: 600; }
QPushButton#primary:disabled { background: #9db8cf; }
QGroupBox { font-weight: 600; border: 1px solid #d8dee4; border-radius: 6px; margin-top: 10px;
            padding-top: 8px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QTableView { gridline-color: #e3e7eb; }
QToolButton#collapsible { border: none; font-size: 10.5pt; font-weight: 600; color: #1d2b3a;
                          padding: 4px 2px; }
QToolButton#collapsible:hover { color: #1f6fb2; }
QFrame#collapsiblebody { border-left: 2px solid #d8dee4; padding-left: 10px; margin-left: 6px; }
"""
