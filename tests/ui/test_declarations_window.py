"""Supplier declarations in the window: the Data quality tab lists stale and missing ones, File ▸ Request
declarations… writes the workbooks `riskdesk request` writes, and an answer dropped on the window imports as the
command line imports it."""

from __future__ import annotations

import datetime as dt

from pytestqt.qtbot import QtBot

from riskdesk.core.declarations import DeclarationRequest, Declarations
from riskdesk.core.demo import demo_project
from riskdesk.core.edits import ChangeSet, WholeChange
from riskdesk.io import userdirs
from riskdesk.ui.columns import TableName
from riskdesk.ui.document import Document
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs

TODAY = dt.date(2027, 3, 15)


def _window(qtbot: QtBot, dialogs: ScriptedDialogs, document: Document | None = None) -> MainWindow:
    document = document or Document(demo_project(), runner=SynchronousRunner())
    window = MainWindow(document, SynchronousRunner(), dialogs, dirs=userdirs.init(), as_of=TODAY)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_data_quality_tab_lists_an_overdue_request_and_the_suppliers_never_asked(qtbot: QtBot) -> None:
    window = _window(qtbot, ScriptedDialogs())
    document = window.document
    before = {check.key for check in window.scoring.quality}
    assert "never_asked" in before and "overdue_declarations" not in before
    never = next(c for c in window.scoring.quality if c.key == "never_asked")
    request = DeclarationRequest("RMD-20270101-0000abcd", "SUP-JP1", dt.date(2027, 1, 1), dt.date(2027, 2, 1),
                                 ("EPS-MTR-8",))
    document.apply_changes(ChangeSet("Request declarations from 1 supplier", wholes=(
        WholeChange("declarations", document.project.declarations, Declarations((request,))),)))
    checks = {check.key: check for check in window.scoring.quality}
    assert checks["overdue_declarations"].count == 1 and "RMD-20270101-0000abcd" in \
        checks["overdue_declarations"].cells[0].value
    window.controls.quality_button.click()
    view = window.views["quality"]
    view.check_list.setCurrentRow([c.key for c in view.checks].index("overdue_declarations"))
    assert "SUP-JP1" in view.cells.item(0, 3).text()
    view.cells.cellDoubleClicked.emit(0, 0)
    page = window.pages[TableName.SUPPLIERS]
    assert window.tabs.currentWidget() is page
    row = page.table_model.frame_row(page.view.currentIndex().row())
    assert document.project.tables.suppliers.loc[row, "supplier_id"] == "SUP-JP1"
    asked = next((c for c in window.scoring.quality if c.key == "never_asked"), None)
    assert asked is None or asked.count == never.count - ("SUP-JP1" in {c.value.split(":")[0] for c in never.cells})
    document.undo_stack.undo()
    assert "overdue_declarations" not in {check.key for check in window.scoring.quality}
