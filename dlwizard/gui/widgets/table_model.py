"""A read-only Qt model over a pandas DataFrame (only the rows shown are formatted)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt


class DataFrameModel(QAbstractTableModel):
    def __init__(self, df: Any = None, max_rows: int = 500, max_cols: int = 300) -> None:
        super().__init__()
        self._df = None
        self.max_rows = max_rows
        self.max_cols = max_cols
        self.set_frame(df)

    def set_frame(self, df: Any) -> None:
        self.beginResetModel()
        self._df = None if df is None else df.iloc[: self.max_rows, : self.max_cols]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if self._df is None or parent.isValid() else len(self._df)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if self._df is None or parent.isValid() else self._df.shape[1]

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self._df is None or not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = self._df.iat[index.row(), index.column()]
            if value is None or (isinstance(value, float) and value != value):
                return "" if role == Qt.ItemDataRole.DisplayRole else "missing"
            if isinstance(value, float):
                return f"{value:.6g}"
            return str(value)
        if role == Qt.ItemDataRole.ForegroundRole:
            value = self._df.iat[index.row(), index.column()]
            if value is None or (isinstance(value, float) and value != value):
                return None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if self._df is None or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self._df.columns[section])  # the tooltip: the whole name of a wide column
        if role == Qt.ItemDataRole.ToolTipRole:
            return None
        return str(section + 2)  # the row number as in the file (header is row 1)
