"""Cells that a spreadsheet would run as formulas, escaped before they are written to a CSV file.

A value such as ``=HYPERLINK("http://evil","click")``, ``+cmd|' /C calc'!A0``, ``-2+3`` or
``@SUM(A1:A9)`` in a sample ID becomes a live formula when the CSV file is opened in Excel or
LibreOffice ("CSV injection"). As OWASP recommends, a text cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a single quote in front, which the spreadsheet
shows as text. Plain numbers (``-2.5``, ``+3``, ``-1e-3``) are left as they are: they are
numbers, not formulas.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")


def escape_cell(value: Any) -> Any:
    """``value`` with a leading single quote when a spreadsheet would read it as a formula."""
    formula = isinstance(value, str) and value.startswith(FORMULA_START)
    return "'" + value if formula and not _PLAIN_NUMBER.match(value) else value


def escape_column(values: Any) -> Any:
    """Escape every text cell of a column (numbers and missing values pass unchanged)."""
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.dtype.kind not in ("O", "U", "S", "T"):
        return values  # a numeric column holds no formulas
    return np.asarray([escape_cell(v) for v in arr.tolist()], dtype=object)
