"""Column widths from the texts a table shows, measured in one go.

`QTableView.resizeColumnsToContents()` asks the model's data() for every cell and several roles of the rows it
looks at: for a Python model that is thousands of calls into Python, each of which has to take the interpreter
back from a busy worker thread (an import or a scoring run), which stalled the window for a tenth of a second
and more after an import. The models here hand over the texts they show instead, and the widths are measured
with the view's fonts in one call."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QTableView

HEADER_PADDING = 28
"""Room for the sort indicator and the header's margins."""
CELL_PADDING = 16


def fit_columns(view: QTableView, headers: Sequence[str], columns: Sequence[Sequence[str]], *, cap: int,
                minimum: int = 0) -> None:
    """Set each column of `view` as wide as its header and texts, within [minimum, cap] pixels."""
    text_metrics = view.fontMetrics()
    header_metrics = view.horizontalHeader().fontMetrics()
    for position, header in enumerate(headers):
        texts = set(columns[position]) if position < len(columns) else set()
        width = max([header_metrics.horizontalAdvance(header) + HEADER_PADDING]
                    + [text_metrics.horizontalAdvance(text) + CELL_PADDING for text in texts])
        view.setColumnWidth(position, min(max(width, minimum), cap))
