"""The Parts sub-tab of the Scenarios tab: each part's cost change and stock-out under the scenario, largest change
first, sortable by any column and exported from its context menu ("Export table…")."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from riskdesk.ui.record_table import leave_with_tab
from riskdesk.ui.score_models import ScenarioPartsModel, SortRole

if TYPE_CHECKING:
    from riskdesk.core.scenario_run import ScenarioResult
    from riskdesk.ui.dialogs import Dialogs


class ScenarioPartsTable(QTableView):
    """The parts of a scenario result by cost impact (see the module docstring); the columns fit the first result
    shown and then keep the widths the user gives them."""

    def __init__(self, dialogs: Dialogs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parts_model = ScenarioPartsModel(self)
        self._sized = False
        proxy = QSortFilterProxyModel(self)
        proxy.setSourceModel(self.parts_model)
        proxy.setSortRole(SortRole)
        self.setObjectName("scenarioParts")
        self.setAccessibleName("Parts by cost impact")
        self.setModel(proxy)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        leave_with_tab(self)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setResizeContentsPrecision(100)  # widths from the first 100 rows
        from riskdesk.ui.table_export_action import add_export_action

        add_export_action(self, "Scenario parts", dialogs)

    def set_result(self, result: ScenarioResult | None) -> None:
        """Show this result's parts (None: none)."""
        self.parts_model.set_result(result)
        if result is not None and not self._sized:
            self.resizeColumnsToContents()  # once: after that the user's widths stay
            self._sized = True


__all__ = ["ScenarioPartsTable"]
