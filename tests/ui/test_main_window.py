"""The main window with the demo project: one behaviour per test, synchronous runner, scripted dialogs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QItemSelectionModel, QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.io import userdirs
from riskdesk.ui.app import make_excepthook
from riskdesk.ui.autosave import AutosaveSession
from riskdesk.ui.columns import RawRole, TableName, column_position
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.document import Document
from riskdesk.ui.icons import icon
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.table_page import TablePage
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs
from tests.helpers.runners import DeferredRunner


def _part(key: str) -> int:
    """Where the parts column `key` stands in the window."""
    return column_position(TableName.PARTS, key)

TODAY = dt.date(2026, 11, 23)
DEFENCE_PART = "ACT-FIN-07"
"""Separated in China: DFARS reaches the separation stage from 2027-01-01."""


@pytest.fixture
def dialogs() -> ScriptedDialogs:
    return ScriptedDialogs()


def _window(qtbot: QtBot, dialogs: ScriptedDialogs, document: Document | None = None,
            autosave: AutosaveSession | None = None) -> MainWindow:
    dirs = userdirs.init()
    document = document or Document(demo_project(), runner=SynchronousRunner())
    window = MainWindow(document, SynchronousRunner(), dialogs, dirs=dirs, as_of=TODAY, autosave=autosave)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(qtbot: QtBot, dialogs: ScriptedDialogs) -> MainWindow:
    return _window(qtbot, dialogs)


def _part_row(window: MainWindow, part_number: str) -> int:
    model = window.document.models[TableName.PARTS]
    return next(r for r in range(model.rowCount())
                if model.data(model.index(r, _part("part_number")), RawRole) == part_number)


def _hit_rules(window: MainWindow, part_number: str) -> set[str]:
    evaluation = window.scoring.evaluation
    assert evaluation is not None
    return {hit.rule_id for hit in evaluation.part_report(part_number).hits}


def test_the_demo_opens_scored(window: MainWindow) -> None:
    assert window.pages[TableName.PARTS].model.rowCount() == 15
    assert window.pages[TableName.PATHS].count_label.text() == "20 supply paths"
    assert "Portfolio" in window.controls.score_label.text() and TODAY.isoformat() in window.controls.score_label.text()
    assert window.exposure_view.evaluation is window.scoring.evaluation
    assert window.windowTitle().startswith("Demo: US motor and sensor buyer")
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "Parts", "Suppliers", "Supply paths", "Composition", "Exposure", "Scenarios", "Data quality", "Rules",
        "Settings"]


def test_each_tab_keeps_its_shortcut_and_the_composition_tab_comes_ninth(window: MainWindow) -> None:
    """The Composition tab came after Ctrl+1 … Ctrl+8 were in use (and in the user guide): they keep their tabs."""
    shown = {}
    for name, action in window.named_actions.items():
        if name.startswith("tab "):
            action.trigger()
            shown[action.shortcut().toString()] = window.tabs.tabText(window.tabs.currentIndex())
    assert shown == {"Ctrl+1": "Parts", "Ctrl+2": "Suppliers", "Ctrl+3": "Supply paths", "Ctrl+4": "Exposure",
                     "Ctrl+5": "Scenarios", "Ctrl+6": "Data quality", "Ctrl+7": "Rules", "Ctrl+8": "Settings",
                     "Ctrl+9": "Composition"}


def test_every_analysis_tab_starts_on_the_windows_date_and_follows_it(window: MainWindow) -> None:
    from riskdesk.ui.rules_view import RulesView

    rules = window.views["rules"]
    assert isinstance(rules, RulesView)
    assert rules.model.as_of == TODAY  # the window was opened as of TODAY, not the machine's today
    window.set_as_of(dt.date(2027, 1, 1))
    assert rules.model.as_of == dt.date(2027, 1, 1)
    assert window.exposure_view.evaluation is window.scoring.evaluation
    assert window.exposure_view.evaluation.as_of == dt.date(2027, 1, 1)


def test_edit_a_cell_by_typing_and_undo_it(qtbot: QtBot, window: MainWindow) -> None:
    page = window.pages[TableName.PARTS]
    row = _part_row(window, "MTR-TRAC-200")
    index = page.model.index(row, _part("stock_days"))
    page.view.setFocus()
    page.view.setCurrentIndex(index)
    page.view.edit(index)
    editor = page.view.viewport().findChild(QLineEdit)
    assert editor is not None and editor.text() == "20"
    editor.selectAll()
    qtbot.keyClicks(editor, "75")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the delegate commits on a queued call
    qtbot.waitUntil(lambda: page.model.data(index, RawRole) == 75.0, timeout=2_000)
    assert window.isWindowModified()
    before = window.scoring.evaluation
    window.named_actions["undo"].trigger()
    assert page.model.data(index, RawRole) == 20.0
    assert not window.isWindowModified()
    assert window.scoring.evaluation is not before  # re-scored after the undo


def test_undo_redo_have_the_standard_shortcuts(window: MainWindow) -> None:
    assert window.named_actions["undo"].shortcut().toString() == "Ctrl+Z"
    assert "Ctrl+Shift+Z" in [s.toString() for s in window.named_actions["redo"].shortcuts()]


def test_a_refused_value_says_why_until_an_edit_succeeds(window: MainWindow) -> None:
    page = window.pages[TableName.PARTS]
    index = page.model.index(0, _part("annual_units"))
    assert not page.model.setData(index, "-3")
    assert "must not be negative" in window.messages.text_of("edit") and window.messages.isVisible()
    assert not window.document.is_dirty
    assert page.model.setData(index, "300")
    assert window.messages.text_of("edit") == "" and not window.messages.isVisible()


def test_delete_on_a_required_cell_says_nothing_was_cleared_and_a_long_message_wraps(window: MainWindow) -> None:
    page = window.pages[TableName.PARTS]
    page.view.setCurrentIndex(page.model.index(0, _part("part_number")))
    page.view.selectionModel().select(page.model.index(0, _part("part_number")),
                                      QItemSelectionModel.SelectionFlag.Select)
    page.clear_selected()
    text = window.messages.text_of("edit")
    assert text.startswith("Nothing was cleared") and "Nothing was pasted" not in text
    labels = window.messages.findChildren(QLabel)
    assert labels and all(label.wordWrap() for label in labels)


def test_a_typed_as_of_date_is_read_whole_and_a_wrong_one_changes_nothing(qtbot: QtBot, window: MainWindow) -> None:
    field = window.controls.as_of_edit.edit
    field.selectAll()
    qtbot.keyClicks(field, "2025-04-03")  # over the whole text, as a user types it
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.as_of == dt.date(2025, 4, 3) and window.scoring.evaluation.as_of == dt.date(2025, 4, 3)
    field.selectAll()
    qtbot.keyClicks(field, "3rd of April")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.as_of == dt.date(2025, 4, 3) and "not a date" in window.controls.as_of_edit.problem
    calendar = window.controls.as_of_edit.show_calendar()
    calendar.clicked.emit(QDate(2027, 1, 1))
    assert window.as_of == dt.date(2027, 1, 1) and window.controls.as_of_edit.problem == ""
    assert field.text() == "2027-01-01"


def test_changing_the_as_of_date_changes_the_hits(window: MainWindow) -> None:
    assert "US-DFARS-7052-UPSTREAM" not in _hit_rules(window, DEFENCE_PART)
    window.set_as_of(dt.date(2027, 1, 1))
    assert window.scoring.evaluation is not None
    assert window.scoring.evaluation.as_of == dt.date(2027, 1, 1)
    assert "US-DFARS-7052-UPSTREAM" in _hit_rules(window, DEFENCE_PART)
    assert "2027-01-01" in window.controls.score_label.text()


def test_compare_offers_the_next_days_a_rule_changes_status_and_puts_the_earlier_date_first(
        window: MainWindow) -> None:
    window.controls.compare_menu.aboutToShow.emit()
    offered = [a.text() for a in window.controls.compare_menu.actions() if a.text()]
    assert offered[0].startswith("2027-01-01 — US-DFARS-7052-UPSTREAM") and offered[-1] == "Other date…"
    assert not any(text.startswith("2026-11-10") for text in offered), "in the past on the window's date"
    window.controls.compare_with(dt.date(2025, 4, 3))  # an earlier date: it goes first
    dialog = window.controls.compare_dialog
    assert dialog is not None
    assert dialog.before.as_of == dt.date(2025, 4, 3) and dialog.after.as_of == TODAY
    gained = {rule for row in dialog.rows for rule in row.rules_gained}
    assert "CN-MOFCOM-2025-18" in gained, "China's April 2025 licensing is gained going forward in time"


def test_compare_with_a_preset_date_opens_the_comparison(window: MainWindow) -> None:
    window.controls.compare_with(dt.date(2027, 1, 1))
    dialog = window.controls.compare_dialog
    assert dialog is not None and dialog.isVisible()
    assert DEFENCE_PART in dialog.table_text()


def test_a_settings_change_rescores_and_is_undoable(window: MainWindow) -> None:
    view = window.settings_view
    view.suspended_check.setChecked(True)  # the user ticks "treat suspended rules as in force"
    assert window.document.project.settings.suspended_rules_in_force
    evaluation = window.scoring.evaluation
    assert evaluation is not None and evaluation.settings.suspended_rules_in_force
    window.named_actions["undo"].trigger()
    assert not window.document.project.settings.suspended_rules_in_force
    assert not view.suspended_check.isChecked()
    assert window.scoring.evaluation is not None
    assert not window.scoring.evaluation.settings.suspended_rules_in_force


def test_paste_from_excel_into_the_parts_table(window: MainWindow) -> None:
    page = window.pages[TableName.PARTS]
    row = _part_row(window, "SNS-HALL-12")
    page.view.setCurrentIndex(page.model.index(row, _part("unit_price")))
    assert page.paste("0.15\t50\n") == 2
    assert page.model.data(page.model.index(row, _part("stock_days")), RawRole) == 50.0
    assert page.paste("oops\n") == 0
    assert "is not a number" in window.messages.text_of("edit")
    assert page.paste("0.2\n") == 1
    assert window.messages.text_of("edit") == "", "a successful paste clears what the refused one said"
    window.named_actions["undo"].trigger()
    window.named_actions["undo"].trigger()
    assert page.model.data(page.model.index(row, _part("stock_days")), RawRole) == 45.0


def test_copy_puts_raw_values_on_the_clipboard(window: MainWindow) -> None:
    page = window.pages[TableName.PARTS]
    row = _part_row(window, "MTR-TRAC-200")
    page.view.setCurrentIndex(page.model.index(row, _part("annual_units")))
    assert page.copy() == 1
    assert QApplication.clipboard().text().strip() == "40000"


def test_add_and_remove_rows_from_the_page(window: MainWindow) -> None:
    page: TablePage = window.pages[TableName.SUPPLIERS]
    page.add_row()
    assert page.model.rowCount() == 8
    page.view.selectRow(page.model.rowCount() - 1)
    page.remove_selected()
    assert page.model.rowCount() == 7
    page.view.selectRow(0)
    page.remove_selected()
    assert page.model.rowCount() == 7
    assert "still named by" in window.messages.text_of("edit")


def test_save_and_reopen(qtbot: QtBot, window: MainWindow, dialogs: ScriptedDialogs, tmp_path: Path) -> None:
    page = window.pages[TableName.PARTS]
    page.model.setData(page.model.index(0, _part("stock_days")), "44")
    dialogs.save_answer = tmp_path / "portfolio.rdproj"
    window.save_project()
    assert (tmp_path / "portfolio.rdproj").is_file()
    assert not window.isWindowModified()
    assert window.windowTitle().startswith("portfolio.rdproj")
    assert window.recent_menu.actions()[0].toolTip() == str((tmp_path / "portfolio.rdproj").resolve())

    second = ScriptedDialogs()
    second.read_only_answer = True  # this window has it open: a second one is told by whom, and may read it
    other = _window(qtbot, second, Document(runner=SynchronousRunner()))
    other.open_project(tmp_path / "portfolio.rdproj")
    assert "is in use by" in second.asked[-1] and "since" in second.asked[-1]
    assert other.document.project.tables.parts.loc[0, "stock_days"] == 44.0
    assert other.scoring.evaluation is not None and other.scoring.evaluation.compiled.n_parts == 15
    assert other.session.read_only and "(read-only)" in other.windowTitle()
    second.save_answer = None
    other.save_project()  # read-only: Save asks for another name
    assert second.asked[-1] == "save as portfolio.rdproj"


@pytest.mark.parametrize("answer", [Dialogs.SAVE_AS, Dialogs.OVERWRITE, Dialogs.RELOAD, Dialogs.CANCEL])
def test_saving_over_a_file_another_program_changed_asks_first(window: MainWindow, dialogs: ScriptedDialogs,
                                                               tmp_path: Path, answer: str) -> None:
    from riskdesk.io.store.project_file import load_project, save_project

    path = tmp_path / "shared.rdproj"
    dialogs.save_answer = path
    window.save_project()
    theirs = load_project(path)  # another program (without RiskDesk's lock) saves it meanwhile
    theirs.tables.parts.loc[0, "description"] = "their change"
    save_project(theirs, path)
    page = window.pages[TableName.PARTS]
    page.model.setData(page.model.index(0, _part("stock_days")), "45")
    dialogs.changed_answer = answer
    dialogs.save_answer = tmp_path / "mine.rdproj"
    window.save_project()
    assert "changed by another program" in dialogs.asked[-2 if answer == Dialogs.SAVE_AS else -1]
    on_disk = load_project(path).tables.parts.loc[0]
    if answer == Dialogs.OVERWRITE:
        assert on_disk["stock_days"] == 45.0 and on_disk["description"] != "their change"
    else:  # nothing of theirs is lost
        assert on_disk["description"] == "their change" and on_disk["stock_days"] != 45.0
    if answer == Dialogs.SAVE_AS:
        assert load_project(tmp_path / "mine.rdproj").tables.parts.loc[0, "stock_days"] == 45.0
    if answer == Dialogs.RELOAD:
        assert window.document.project.tables.parts.loc[0, "description"] == "their change"
    assert window.document.is_dirty == (answer == Dialogs.CANCEL)


def test_closing_with_unsaved_changes_asks_first(window: MainWindow, dialogs: ScriptedDialogs) -> None:
    page = window.pages[TableName.PARTS]
    page.model.setData(page.model.index(0, _part("stock_days")), "1")
    dialogs.unsaved = Dialogs.CANCEL
    assert not window.close()
    assert window.isVisible() and dialogs.asked == ["unsaved Demo: US motor and sensor buyer"]
    dialogs.unsaved = Dialogs.DISCARD
    assert window.close()


def test_recovery_is_offered_after_a_crash(qtbot: QtBot, dialogs: ScriptedDialogs) -> None:
    dirs = userdirs.init()
    crashed = AutosaveSession(dirs.autosave)
    window = _window(qtbot, dialogs, autosave=crashed)
    page = window.pages[TableName.PARTS]
    page.model.setData(page.model.index(0, _part("stock_days")), "77")
    assert window.session.autosaver is not None
    window.session.autosaver.autosave_now()
    # Simulated crash: the window is gone without a clean exit; a new session starts.
    crashed.abandon()
    restart = AutosaveSession(dirs.autosave)
    info = restart.find_recovery()
    assert info is not None
    restarted = _window(qtbot, dialogs, Document(runner=SynchronousRunner()), autosave=restart)
    dialogs.recover_answer = Dialogs.LATER  # "Not now": kept, and offered at the next start
    assert not restarted.session.offer_recovery(info)
    assert info.autosave.exists() and restart.find_recovery() == info
    dialogs.recover_answer = Dialogs.RECOVER
    assert restarted.session.offer_recovery(info)
    assert restarted.document.project.tables.parts.loc[0, "stock_days"] == 77.0
    assert restarted.isWindowModified()
    assert dialogs.asked[-1] == "recover"


def test_a_discarded_autosave_is_gone_only_when_the_user_says_so(qtbot: QtBot, dialogs: ScriptedDialogs) -> None:
    from riskdesk.io.store.project_file import save_project

    dirs = userdirs.init()
    crashed = AutosaveSession(dirs.autosave)
    save_project(demo_project(), crashed.project_path)
    crashed.abandon()
    restart = AutosaveSession(dirs.autosave)
    info = restart.find_recovery()
    assert info is not None
    window = _window(qtbot, dialogs, autosave=restart)
    dialogs.recover_answer = Dialogs.DISCARD_AUTOSAVE
    assert not window.session.offer_recovery(info)
    assert not info.autosave.exists() and restart.find_recovery() is None


def test_dropping_a_project_file_opens_it(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from riskdesk.io.store.project_file import save_project

    project = demo_project()
    project.settings.name = "Dropped"
    save_project(project, tmp_path / "dropped.rdproj")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "dropped.rdproj"))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.document.project.settings.name == "Dropped", timeout=2_000)


def test_unexpected_errors_show_the_log_path(tmp_path: Path) -> None:
    shown: list[tuple[str, str]] = []
    hook = make_excepthook(tmp_path / "riskdesk.log", show=lambda summary, details: shown.append((summary, details)))
    try:
        raise ValueError("boom")
    except ValueError as exc:
        hook(ValueError, exc, exc.__traceback__)
    assert shown and "boom" in shown[0][0] and "Traceback" in shown[0][1]


def test_icons_load(qapp: object) -> None:
    for name in ("riskdesk", "new", "open", "save", "import", "undo", "redo", "compare", "add-row"):
        assert not icon(name).isNull(), name


def test_filtering_a_large_table_builds_its_search_text_in_the_background(qtbot: QtBot,
                                                                         dialogs: ScriptedDialogs) -> None:
    from riskdesk.core.demo import synthetic_project
    from riskdesk.ui.table_page import LARGE_TABLE_ROWS

    runner = DeferredRunner()
    document = Document(synthetic_project(LARGE_TABLE_ROWS + 400), runner=runner)
    window = MainWindow(document, SynchronousRunner(), dialogs, dirs=userdirs.init(), as_of=TODAY)
    qtbot.addWidget(window)
    page = window.pages[TableName.PATHS]
    runner.pending.clear()  # scoring, not under test here

    page.filter_edit.setText("P0000001")
    assert len(runner.pending) == 1 and not page.model.search_ready
    page._filter_delay.timeout.emit()  # typing paused before the search text was ready
    assert page.count_label.text() == "Filtering…"
    assert page.model.rowCount() == LARGE_TABLE_ROWS + 400
    runner.finish()
    assert page.model.search_ready
    assert 0 < page.model.rowCount() < 100
    assert page.count_label.text().endswith(f"of {LARGE_TABLE_ROWS + 400:,} supply paths")


def _lightness(icon: object) -> int:
    """The lightest opaque pixel of an icon drawn at 16 px (0 black … 255 white)."""
    image = icon.pixmap(16, 16).toImage()  # type: ignore[attr-defined]
    return max((image.pixelColor(x, y).lightness() for x in range(16) for y in range(16)
                if image.pixelColor(x, y).alpha() > 200), default=0)


def test_icons_follow_a_switch_to_a_dark_palette(window: MainWindow) -> None:
    from PySide6.QtGui import QColor, QPalette

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.palette()
    dark = QPalette(original)
    dark.setColor(QPalette.ColorRole.Window, QColor("#2b2b2b"))
    dark.setColor(QPalette.ColorRole.WindowText, QColor("#f0f0f0"))
    try:
        app.setPalette(dark)
        QApplication.processEvents()
        parts = window.pages[TableName.PARTS]
        for drawn in (window.tabs.tabIcon(1), window.named_actions["save"].icon(), parts.add_button.icon()):
            assert _lightness(drawn) > 200
    finally:
        app.setPalette(original)



def test_undo_texts_are_short_in_the_buyers_words_and_the_toolbar_button_keeps_its_size(window: MainWindow) -> None:
    import dataclasses

    from PySide6.QtWidgets import QToolButton

    document = window.document
    settings = document.project.settings
    document.change_settings(dataclasses.replace(settings, weights={**settings.weights, "restriction": 0.5}))
    assert document.undo_stack.undoText() == "Change weight: restriction"
    document.change_settings(dataclasses.replace(document.project.settings, import_country="DE"))
    assert document.undo_stack.undoText() == "Change import country"
    button = window.toolbar.widgetForAction(window.named_actions["undo"])
    assert isinstance(button, QToolButton)
    assert button.text() == "Undo" and window.named_actions["undo"].toolTip() == "Undo Change import country"
    assert window.named_actions["undo"].text() == "&Undo Change import country"  # the Edit menu says what


def test_opening_a_spreadsheet_offers_to_import_it(window: MainWindow, dialogs: ScriptedDialogs,
                                                   tmp_path: Path) -> None:
    sheet = tmp_path / "declaration.csv"
    sheet.write_text("part_number,magnet_family,magnet_mass_g,annual_units,supplier_id\nNEW-1,ferrite,3,100,S1\n",
                     encoding="utf-8")
    dialogs.open_answer = sheet
    window.open_project()
    assert window.import_dialog is not None and window.import_dialog.isVisible()
    assert "spreadsheet, not a project" in window.messages.text_of("notice")
    assert window.session.path is None, "the open project stays open"
    window.import_dialog.reject()


def _first_start(qtbot: QtBot, dialogs: ScriptedDialogs) -> MainWindow:
    dirs = userdirs.init()
    window = MainWindow(Document(runner=SynchronousRunner()), SynchronousRunner(), dialogs, dirs=dirs,
                        as_of=TODAY, start_page=True)
    qtbot.addWidget(window)
    window.show()
    return window


def test_a_first_start_shows_the_start_page_not_an_empty_grid_and_a_green_zero(qtbot: QtBot,
                                                                                dialogs: ScriptedDialogs) -> None:
    window = _first_start(qtbot, dialogs)
    assert window.showing_start_page
    status = window.controls.score_label.text()
    assert "Portfolio" not in status and "No parts yet" in status
    assert set(window.start_page.buttons) >= {"Open the demo project", "Import spreadsheets…",
                                              "Start an empty project", "Save the blank import template…"}
    window.start_page.buttons["Open the demo project"].click()
    assert not window.showing_start_page and window.document.project.tables.parts.shape[0] == 15
    assert "Portfolio" in window.controls.score_label.text()


def test_start_an_empty_project_goes_to_the_parts_table_and_says_what_to_do(qtbot: QtBot,
                                                                            dialogs: ScriptedDialogs) -> None:
    window = _first_start(qtbot, dialogs)
    window.start_page.buttons["Start an empty project"].click()
    assert not window.showing_start_page and window.tabs.currentWidget() is window.pages[TableName.PARTS]
    assert window.named_actions["add_row"].isEnabled()
    window.tabs.setCurrentWidget(window._slots["exposure"])
    panel = window.exposure_view.charts
    assert panel._placeholder.isVisibleTo(panel) and "No parts yet" in panel._placeholder.text()


def test_the_start_page_lists_recent_projects_that_still_exist(qtbot: QtBot, dialogs: ScriptedDialogs,
                                                               tmp_path: Path) -> None:
    from riskdesk.io.store.project_file import save_project

    project = tmp_path / "kept.rdproj"
    save_project(demo_project(), project)
    window = _first_start(qtbot, dialogs)
    window.document.app_settings.recent_files = [str(project), str(tmp_path / "gone.rdproj")]
    window._update_start_page()
    items = [window.start_page.recent_list.item(i).text() for i in range(window.start_page.recent_list.count())]
    assert len(items) == 1 and items[0].startswith("kept.rdproj")
    window.start_page.recent_list.itemClicked.emit(window.start_page.recent_list.item(0))
    assert window.session.path == project and not window.showing_start_page


def test_from_a_red_score_to_the_supply_path_and_cell_that_cause_it(qtbot: QtBot, window: MainWindow) -> None:
    exposure = window.exposure_view
    window.tabs.setCurrentWidget(window._slots["exposure"])
    row = exposure.scores_model.row_of(DEFENCE_PART)
    exposure.table.doubleClicked.emit(exposure.scores_model.index(row, 0))
    detail = exposure.detail
    assert detail is not None and detail.part_number == DEFENCE_PART
    report = window.scoring.evaluation.part_report(DEFENCE_PART)
    assert detail.paths_table.rowCount() == len(detail.path_rows) > 0
    assert detail.hits_model.rowCount() == len(report.hits) + len(report.watch) + len(report.possible)
    # Double-click the first hit: the window shows its supply path, at the stage country that triggers it.
    first = report.hits[0]
    detail.hits_view.doubleClicked.emit(detail.hits_model.index(0, 0))
    page = window.pages[TableName.PATHS]
    assert window.tabs.currentWidget() is page
    current = page.view.currentIndex()
    frame_row = page.table_model.frame_row(current.row())
    paths = window.document.project.tables.paths
    assert paths.loc[frame_row, "part_number"] == DEFENCE_PART
    assert paths.loc[frame_row, "supplier_id"] == first.supplier_id
    assert page.model.columns[current.column()].key == first.stage.column
    detail.go_to_part()
    assert window.tabs.currentWidget() is window.pages[TableName.PARTS]
    detail.close()


def test_a_stage_known_more_surely_typed_in_the_paths_table_lowers_the_score_and_shows_in_the_part(
        qtbot: QtBot, window: MainWindow) -> None:
    paths = window.document.project.tables.paths
    frame_row = int(paths.index[paths["part_number"] == DEFENCE_PART][0])  # its one path: magnet DE, inferred
    page = window.pages[TableName.PATHS]
    index = page.model.index(frame_row, column_position(TableName.PATHS, "magnet_evidence"))
    assert page.model.data(index, Qt.ItemDataRole.DisplayRole) == "as Evidence"  # blank: as the path's
    def transparency() -> float:
        return window.scoring.evaluation.part_report(DEFENCE_PART).factors["transparency"].value

    before = transparency()  # its score is held at the prohibited floor: the factor shows the change
    assert page.model.setData(index, "Verified")
    assert paths.loc[frame_row, "magnet_evidence"] == "verified"
    qtbot.waitUntil(lambda: transparency() == pytest.approx(before - 100 * 0.35 * 0.6), timeout=2_000)
    detail = window.exposure_view.show_detail(DEFENCE_PART)
    assert detail is not None
    magnet = [detail.paths_table.horizontalHeaderItem(c).text() for c in range(detail.paths_table.columnCount())]
    assert detail.paths_table.item(0, magnet.index("Magnet country")).text() == "Germany (verified)"
    detail.close()


def test_data_quality_counts_in_the_status_bar_and_jumps_to_each_cell(window: MainWindow) -> None:
    from riskdesk.ui.quality_view import QualityView

    checks = window.scoring.quality
    assert checks and window.controls.quality_button.isVisible()
    total = sum(check.count for check in checks)
    assert window.controls.quality_button.text() == f"⚠ {total:,} things to check in the data"
    window.controls.quality_button.click()
    view = window.views["quality"]
    assert isinstance(view, QualityView) and window.tabs.currentWidget() is window._slots["quality"]
    view.check_list.setCurrentRow([c.key for c in view.checks].index("unknown_origin"))
    cell = view.checks[view.check_list.currentRow()].cells[0]
    view.cells.cellDoubleClicked.emit(0, 0)
    page = window.pages[TableName.PATHS]
    current = page.view.currentIndex()
    assert window.tabs.currentWidget() is page
    assert page.table_model.frame_row(current.row()) == cell.row
    assert page.model.columns[current.column()].key == cell.column
    # Filling in the country takes that cell off the list.
    before = len(next(c for c in checks if c.key == "unknown_origin").cells)
    page.model.setData(current, "Australia")
    after = sum(len(c.cells) for c in window.scoring.quality if c.key == "unknown_origin")
    assert after == before - 1


def test_help_user_guide_shows_the_guide_and_the_method_offline(window: MainWindow) -> None:
    window.named_actions["guide"].trigger()
    guide = window.user_guide
    assert guide is not None and guide.isVisible()
    assert list(guide.pages)[:2] == ["Using RiskDesk", "How the scores work"]
    assert "Import your bill of materials" in guide.pages["Using RiskDesk"].toPlainText()
    assert "Invariants" in guide.pages["How the scores work"].toPlainText()
    assert "![" not in guide.pages["Using RiskDesk"].toMarkdown()  # pictures are not bundled
    guide.close()


def test_file_export_report_writes_the_workbook_and_every_table_can_be_exported(window: MainWindow,
                                                                                tmp_path: Path) -> None:
    from openpyxl import load_workbook

    window.named_actions["report"].trigger()
    dialog = window.report_dialog
    assert dialog is not None and dialog.isVisible()
    target = tmp_path / "risk.xlsx"
    dialog.path_edit.setText(str(target))
    dialog.export()
    assert target.exists()
    assert load_workbook(target, read_only=True).sheetnames[:3] == ["Summary", "Parts", "Findings"]
    dialog.close()
    for page in window.pages.values():
        assert "Export table…" in [a.text() for a in page.view.actions()]
    assert "Export table…" in [a.text() for a in window.exposure_view.table.actions()]
    assert "Export table…" in [a.text() for a in window.exposure_view.hits_table.actions()]


def test_every_action_calls_a_slot_the_window_has_and_the_file_menu_reads_as_before(window: MainWindow) -> None:
    from riskdesk.ui.actions import ACTIONS, PAGE, REDO, UNDO, slot_of, tab_actions

    for spec in (*ACTIONS, *tab_actions(["Parts"])):
        if spec.slot.startswith(PAGE):
            assert callable(getattr(TablePage, spec.slot.removeprefix(PAGE))), spec.key
        elif spec.slot not in (UNDO, REDO):
            assert callable(slot_of(window, spec)), spec.key
    file_menu = window.menuBar().actions()[0].menu()
    assert [action.text() for action in file_menu.actions()] == [
        "&New", "&Open…", "Open &Workspace…", "Open &Recent", "Open &Demo Project", "", "&Save", "Save &As…", "",
        "&Import Spreadsheets…", "Save Blank Import &Template…", "Request Dec&larations…", "", "&Export Report…", "",
        "&Quit"]
    assert [action.text() for action in window.pages[TableName.PARTS].view.actions()][:8] == [
        "Cu&t", "&Copy", "&Paste", "C&lear Cells", "&Add Row", "&Remove Rows", "&Undo", "&Redo"]
