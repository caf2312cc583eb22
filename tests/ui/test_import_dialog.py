"""Importing spreadsheets through the dialog: propose, preview, problems, apply as one undoable step, mapping
remembered; also from the main window (File ▸ Import and drag-and-drop). Synchronous runner throughout."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.core.domain import TEMPLATE_COLUMNS
from riskdesk.io import userdirs
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.document import Document
from riskdesk.ui.import_dialog import ImportDialog, MappingTable
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.workers import SynchronousRunner, ThreadPoolRunner
from tests.helpers.builders import shown

ROWS = [
    ("IMP-1", "Imported rotor", "automotive", "NdFeB-sintered", "N42SH", 250, 1000, 12.5, 30,
     "SUP-KR1", "Seoul Magnet Co.", "Korea", 60, "Australia", "Malaysia", "Korea", "Korea", "declared"),
    ("IMP-1", "Imported rotor", "automotive", "NdFeB-sintered", "N42SH", 250, 1000, 12.5, 30,
     "SUP-CN1", "Baotou Northern Magnetics Co.", "PRC", 40, "China", "China", "China", "China", "verified"),
    ("IMP-2", "Imported sensor", "electronics", "NdFeB-bonded", "BNP-8", 1.5, 50000, 0.2, 10,
     "SUP-KR1", "Seoul Magnet Co.", "Korea", 100, "", "China", "China", "Korea", "inferred"),
]


def _template_frame(rows: list[tuple[object, ...]] = ROWS) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(TEMPLATE_COLUMNS)[: len(rows[0])])  # a file in the first template


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "supplier.csv"
    _template_frame().to_csv(path, index=False)
    return path


@pytest.fixture
def xlsx_file(tmp_path: Path) -> Path:
    path = tmp_path / "supplier.xlsx"
    _template_frame().to_excel(path, index=False, sheet_name="Magnets")
    return path


class _Dialogs(Dialogs):
    def __init__(self, report: Path | None = None) -> None:
        super().__init__(None)
        self.report = report
        self.errors: list[str] = []

    def report_path(self, suggested: str) -> Path | None:
        return self.report

    def ask_unsaved(self, name: str) -> str:
        return Dialogs.DISCARD

    def error(self, title: str, text: str) -> None:
        self.errors.append(text)


@pytest.fixture
def document(qapp: object) -> Document:
    return Document(demo_project(), runner=SynchronousRunner())


def _dialog(qtbot: QtBot, files: list[Path], document: Document, dialogs: Dialogs | None = None) -> ImportDialog:
    dialog = ImportDialog(files, document, SynchronousRunner(), dialogs or _Dialogs())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    return dialog


@pytest.mark.parametrize("which", ["csv_file", "xlsx_file"])
def test_import_applies_as_one_undoable_step(qtbot: QtBot, document: Document, which: str,
                                             request: pytest.FixtureRequest) -> None:
    path: Path = request.getfixturevalue(which)
    dialog = _dialog(qtbot, [path], document)
    assert dialog.sheet_tabs.count() == 1
    assert dialog.preview_model.rowCount() == 3
    assert dialog.import_button.isEnabled(), dialog.summary.text()
    parts_before = len(document.project.tables.parts)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    tables = document.project.tables
    assert len(tables.parts) == parts_before + 2
    assert set(tables.paths.loc[tables.paths["part_number"] == "IMP-1", "supplier_id"]) == {"SUP-KR1", "SUP-CN1"}
    assert tables.suppliers.set_index("supplier_id").loc["SUP-KR1", "supplier_country"] == "KR"
    assert document.project.saved_mappings, "the confirmed mapping is kept in the project"
    assert document.undo_stack.count() == 1 and document.is_dirty
    document.undo_stack.undo()
    assert len(document.project.tables.parts) == parts_before
    assert "IMP-1" not in set(document.project.tables.paths["part_number"])


def test_an_import_checked_before_the_project_changed_is_checked_again_and_keeps_the_change(
        qtbot: QtBot, document: Document, csv_file: Path) -> None:
    from riskdesk.core.edits import ChangeSet, RowRemove, row_values
    from riskdesk.ui.import_dialog import RECHECKED

    dialog = _dialog(qtbot, [csv_file], document)
    assert dialog.import_button.isEnabled(), dialog.summary.text()
    paths = document.project.tables.paths
    gone = str(paths["row_id"].iat[0])
    # a colleague's change shown from a workspace while the dialog is open: a supply path removed
    document.apply_remote(ChangeSet("Remove a path", removes=(RowRemove("paths", 0, row_values(paths, 0)),)))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert document.undo_stack.count() == 0  # not applied over the changed project…
    assert dialog.summary.text().startswith(RECHECKED) and dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)  # …but checked again, then applied
    tables = document.project.tables
    assert document.undo_stack.count() == 1 and "IMP-1" in set(tables.paths["part_number"])
    assert gone not in set(tables.paths["row_id"])  # the colleague's change is kept


def test_the_window_and_the_cli_import_a_file_into_the_same_project_and_keep_what_it_does_not_hold(
        qtbot: QtBot, csv_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.cli import EXIT_OK, main
    from riskdesk.core.fields import ROW_ID
    from riskdesk.io.store.project_file import load_project, save_project
    from tests.helpers.builders import project_with_everything

    path = tmp_path / "kept.rdproj"
    save_project(project_with_everything(), path)
    assert main(["import", str(path), str(csv_file)]) == EXIT_OK, capsys.readouterr().err
    by_cli = load_project(path)
    document = Document(project_with_everything(), runner=SynchronousRunner())
    dialog = _dialog(qtbot, [csv_file], document)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    in_window = document.project
    for table in ("parts", "suppliers", "paths", "composition"):  # new rows get ids of their own: the rest agrees
        pd.testing.assert_frame_equal(getattr(in_window.tables, table).drop(columns=ROW_ID),
                                      getattr(by_cli.tables, table).drop(columns=ROW_ID), check_dtype=False)
    kept = project_with_everything()
    imported = set(pd.read_csv(csv_file)["part_number"])

    def fields(mappings: dict[str, dict[str, object]]) -> dict[str, object]:
        """The mappings without each column's reason (the window's is "given mapping": the user saw and kept it)."""
        return {key: {**mapping, "columns": [(c["header"], c["field"]) for c in mapping["columns"]]}  # type: ignore
                for key, mapping in mappings.items()}

    assert fields(in_window.saved_mappings) == fields(by_cli.saved_mappings) and "kept-layout" in by_cli.saved_mappings
    for project in (in_window, by_cli):
        assert (project.settings, project.scenarios, project.variants, project.declarations, project.created) == (
            kept.settings, kept.scenarios, kept.variants, kept.declarations, kept.created)
        paths = project.tables.paths
        others = paths[~paths["part_number"].isin(imported)].reset_index(drop=True)  # other parts' paths, as they were
        expected = kept.tables.paths[~kept.tables.paths["part_number"].isin(imported)].reset_index(drop=True)
        pd.testing.assert_frame_equal(others, expected, check_dtype=False)


def test_errors_block_the_import_and_are_listed(qtbot: QtBot, document: Document, tmp_path: Path) -> None:
    bad = list(ROWS)
    bad[2] = (*ROWS[2][:5], -1.5, *ROWS[2][6:])
    path = tmp_path / "bad.csv"
    _template_frame(bad).to_csv(path, index=False)
    dialog = _dialog(qtbot, [path], document)
    assert not dialog.import_button.isEnabled()
    problems = dialog.problems_model.problems
    assert any(p.is_error and p.row is not None and "bad.csv" in p.file for p in problems)
    assert "error" in dialog.summary.text()
    dialog.apply()
    assert document.undo_stack.count() == 0


def test_the_problem_report_is_saved_as_xlsx(qtbot: QtBot, document: Document, csv_file: Path,
                                             tmp_path: Path) -> None:
    report = tmp_path / "report.xlsx"
    dialog = _dialog(qtbot, [csv_file], document, _Dialogs(report))
    dialog.save_report()
    assert report.is_file() and report.stat().st_size > 0


def test_the_problem_report_never_replaces_the_file_being_imported(qtbot: QtBot, document: Document,
                                                                   xlsx_file: Path) -> None:
    before = xlsx_file.read_bytes()
    dialogs = _Dialogs(xlsx_file)  # chosen in the save dialog, which asked before replacing it
    dialog = _dialog(qtbot, [xlsx_file], document, dialogs)
    dialog.save_report()
    assert xlsx_file.read_bytes() == before
    assert dialogs.errors == [f"{xlsx_file} is one of the files being read: writing the import report there would "
                              "destroy it. Choose another file name"]


def test_changing_a_column_field_checks_again(qtbot: QtBot, document: Document, csv_file: Path) -> None:
    dialog = _dialog(qtbot, [csv_file], document)
    table = dialog.mapping_tables[0]
    assert isinstance(table, MappingTable)
    row = next(r for r, c in enumerate(table.mapping.columns) if c.field == "annual_units")
    table.boxes[row].setCurrentIndex(0)  # "(not imported)": a required field goes missing
    assert dialog.check is not None
    assert not dialog.import_button.isEnabled()
    table.boxes[row].setCurrentIndex(table.boxes[row].findData("annual_units"))
    assert dialog.import_button.isEnabled()


def test_each_column_keeps_its_own_field_and_the_preview_columns_fit_their_contents(
        qtbot: QtBot, document: Document, csv_file: Path) -> None:
    dialog = _dialog(qtbot, [csv_file], document)
    table = dialog.mapping_tables[0]
    fields_before = [box.currentData() for box in table.boxes]
    row = next(r for r, c in enumerate(table.mapping.columns) if c.field == "stock_days")
    table.boxes[row].setCurrentIndex(0)  # the boxes offer the same entries but keep their own choice
    assert [box.currentData() for box in table.boxes] == [None if r == row else f for r, f in
                                                           enumerate(fields_before)]
    assert all(box.count() == table.boxes[0].count() > 40 for box in table.boxes)
    fields = dialog.preview_model.fields()
    widths = {name: dialog.preview.columnWidth(c) for c, name in enumerate(fields)}
    assert widths["supplier_name"] > widths["grade"], "the long supplier names get the wider column"
    assert max(widths.values()) <= 260
    assert all(width >= dialog.preview.fontMetrics().horizontalAdvance(dialog.preview_model.headerData(
        c, Qt.Orientation.Horizontal)) for c, width in enumerate(widths.values())), "headers are readable"


def test_a_file_that_is_not_a_spreadsheet_is_refused_clearly(qtbot: QtBot, document: Document,
                                                            tmp_path: Path) -> None:
    path = tmp_path / "notes.xlsx"
    path.write_bytes(b"this is not a workbook")
    dialog = _dialog(qtbot, [path], document)
    assert not dialog.import_button.isEnabled()
    assert "Cannot import" in dialog.summary.text()


def test_a_running_import_can_be_stopped(qtbot: QtBot, document: Document, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    _template_frame([(f"BIG-{n}", *row[1:]) for n in range(3000) for row in ROWS[2:]]).to_csv(path, index=False)
    dialog = ImportDialog([path], document, ThreadPoolRunner(), _Dialogs())
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    assert dialog.cancel_run_button.isVisible()
    dialog.cancel_running()
    qtbot.waitUntil(lambda: not dialog.cancel_run_button.isVisible(), timeout=10_000)
    assert "Stopped" in dialog.summary.text()
    assert not dialog.import_button.isEnabled()
    assert document.undo_stack.count() == 0


def test_dropping_a_spreadsheet_on_the_window_opens_the_import(qtbot: QtBot, csv_file: Path) -> None:
    dirs = userdirs.init()
    document = Document(demo_project(), runner=SynchronousRunner())
    window = MainWindow(document, SynchronousRunner(), _Dialogs(), dirs=dirs)
    qtbot.addWidget(window)
    window.show()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(csv_file))])
    event = QDropEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.import_dialog is not None, timeout=2_000)
    dialog = window.import_dialog
    assert dialog.import_button.isEnabled()
    dialog.import_button.click()
    assert "IMP-2" in set(document.project.tables.parts["part_number"])
    assert "Imported 2 parts" in window.statusBar().currentMessage()
    assert window.scoring.evaluation is not None and window.scoring.evaluation.compiled.n_parts == 17


def test_large_workbooks_are_read_in_a_child_process_with_the_same_result(
        qtbot: QtBot, document: Document, xlsx_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from riskdesk.io import isolated

    calls: list[object] = []
    real = isolated.run_isolated

    def spy(fn: object, *args: object, **kwargs: object) -> object:
        calls.append(fn)
        return real(fn, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(isolated, "ISOLATE_ABOVE_BYTES", 0)
    monkeypatch.setattr(isolated, "run_isolated", spy)
    dialog = _dialog(qtbot, [xlsx_file], document)
    assert len(calls) == 2, "both the proposal and the check ran in the child"
    assert dialog.preview_model.rowCount() == 3
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert "IMP-2" in set(document.project.tables.parts["part_number"])


# -- Supplier files as they come (issue: typical supplier files import without editing them)

DATA = Path(__file__).parents[1] / "io" / "data"


def test_fields_are_named_in_the_buyers_words_with_the_internal_name_in_the_tooltip(
        qtbot: QtBot, document: Document, csv_file: Path) -> None:
    dialog = _dialog(qtbot, [csv_file], document)
    table = dialog.mapping_tables[0]
    row = next(r for r, c in enumerate(table.mapping.columns) if c.field == "magnet_mass_g")
    box = table.boxes[row]
    assert box.currentText() == "Magnet g/unit"
    assert "magnet_mass_g" in box.toolTip()
    assert dialog.preview_model.headerData(dialog.preview_model.fields().index("magnet_mass_g"),
                                           Qt.Orientation.Horizontal) == "Magnet g/unit"


def test_the_preview_shows_element_contents_and_marks_problem_cells_even_with_errors(
        qtbot: QtBot, document: Document) -> None:
    dialog = _dialog(qtbot, [DATA / "lo_declaration.ods"], document)
    assert not dialog.import_button.isEnabled(), "no supplier in the file: an error until a default is set"
    model = dialog.preview_model
    assert model.rowCount() == 5
    assert {"nd_pct", "dy_pct", "sm_pct"} <= set(model.fields())
    family = model.fields().index("magnet_family")
    assert model.mark(0, family)[0] == "inferred"
    assert model.data(model.index(0, family), Qt.ItemDataRole.BackgroundRole) is not None
    assert "element contents" in model.data(model.index(0, family), Qt.ItemDataRole.ToolTipRole)


def test_a_default_set_in_the_dialog_makes_the_file_importable_and_is_remembered(
        qtbot: QtBot, document: Document) -> None:
    dialog = _dialog(qtbot, [DATA / "lo_declaration.ods"], document)
    dialog.set_default("supplier_name", "Hokuriku Magnet Works")
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=5_000)
    supplier = dialog.preview_model.fields().index("supplier_name")
    assert dialog.preview_model.mark(0, supplier)[0] == "default"
    dialog.import_button.click()
    assert "HM-4001" in set(document.project.tables.parts["part_number"])
    again = _dialog(qtbot, [DATA / "lo_declaration.xlsx"], document)
    assert again.defaults()["supplier_name"] == "Hokuriku Magnet Works"
    assert again.import_button.isEnabled(), again.summary.text()
    # the supplier came from the other file: the dialog says so, since two suppliers may send the same template…
    assert again.remembered_note.isVisibleTo(again)
    assert again.remembered_note.text() == ("Supplier name “Hokuriku Magnet Works” remembered from "
                                            "lo_declaration.ods (the same columns): change it if these files come "
                                            "from another supplier.")
    # …until the buyer gives this file's own
    again.set_default("supplier_name", "Kanto Ferrite KK")
    assert not again.remembered_note.isVisibleTo(again)


def test_the_window_imports_what_the_command_line_imports(qtbot: QtBot, document: Document, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.cli import main
    from riskdesk.io.store.project_file import load_project, save_project

    path = tmp_path / "cli.rdproj"
    save_project(demo_project(), path)
    assert main(["import", str(path), str(DATA / "lo_declaration.ods"), "--default",
                 "supplier_name=Hokuriku Magnet Works"]) == 0
    dialog = _dialog(qtbot, [DATA / "lo_declaration.ods"], document)
    dialog.set_default("supplier_name", "Hokuriku Magnet Works")
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=5_000)
    dialog.import_button.click()
    by_cli = load_project(path).tables
    for name in ("parts", "suppliers", "paths", "composition"):
        assert shown(getattr(by_cli, name)).equals(shown(getattr(document.project.tables, name))), name


def test_one_bad_file_can_be_left_out_of_a_multi_file_import(qtbot: QtBot, document: Document, csv_file: Path,
                                                            tmp_path: Path) -> None:
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook")
    dialog = _dialog(qtbot, [csv_file, bad], document)
    assert not dialog.import_button.isEnabled()
    assert any("broken.xlsx" in p.file for p in dialog.problems_model.problems)
    dialog.set_included(bad, False)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=5_000)
    assert dialog.included_files() == [csv_file]
    dialog.import_button.click()
    assert "IMP-2" in set(document.project.tables.parts["part_number"])


def test_rows_with_errors_can_be_left_out_and_are_listed(qtbot: QtBot, document: Document, tmp_path: Path) -> None:
    bad = list(ROWS)
    bad[2] = (*ROWS[2][:5], "heavy", *ROWS[2][6:])
    path = tmp_path / "bad.csv"
    _template_frame(bad).to_csv(path, index=False)
    dialog = _dialog(qtbot, [path], document)
    assert not dialog.import_button.isEnabled()
    dialog.skip_check.setChecked(True)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=5_000)
    assert any(p.message.startswith("row skipped") for p in dialog.problems_model.problems)
    assert "1 row with errors skipped" in dialog.summary.text()


class _Recording(_Dialogs):
    def info(self, title: str, text: str) -> None:
        self.errors.append(text)

    def template_path(self, suggested: str) -> Path | None:
        return Path(suggested).with_name("template.xlsx")


def test_the_blank_template_is_one_click_away_in_the_dialog(qtbot: QtBot, document: Document, csv_file: Path) -> None:
    dialogs = _Recording()
    dialog = _dialog(qtbot, [csv_file], document, dialogs)
    dialog.template_button.click()
    assert (csv_file.parent / "template.xlsx").is_file()


def _drop(window: MainWindow, *paths: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    window.dropEvent(QDropEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                Qt.KeyboardModifier.NoModifier))


def test_a_drop_names_the_files_it_cannot_read_and_imports_the_rest(qtbot: QtBot, csv_file: Path,
                                                                    tmp_path: Path) -> None:
    dirs = userdirs.init()
    document = Document(demo_project(), runner=SynchronousRunner())
    dialogs = _Dialogs()
    window = MainWindow(document, SynchronousRunner(), dialogs, dirs=dirs)
    qtbot.addWidget(window)
    notes = tmp_path / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4")
    _drop(window, csv_file, notes)
    assert dialogs.errors and "notes.pdf" in dialogs.errors[0]
    qtbot.waitUntil(lambda: window.import_dialog is not None, timeout=2_000)
    assert window.import_dialog.included_files() == [csv_file]


def test_a_project_dropped_with_a_spreadsheet_opens_and_then_imports_it(qtbot: QtBot, csv_file: Path,
                                                                       tmp_path: Path) -> None:
    from riskdesk.core.project import Project
    from riskdesk.io.store.project_file import save_project

    project_path = tmp_path / "other.rdproj"
    save_project(Project(), project_path)
    dirs = userdirs.init()
    document = Document(demo_project(), runner=SynchronousRunner())
    window = MainWindow(document, SynchronousRunner(), _Dialogs(), dirs=dirs)
    qtbot.addWidget(window)
    _drop(window, project_path, csv_file)
    qtbot.waitUntil(lambda: window.import_dialog is not None, timeout=5_000)
    assert window.session is not None and window.session.path == project_path
    window.import_dialog.import_button.click()
    assert set(window.document.project.tables.parts["part_number"]) == {"IMP-1", "IMP-2"}


@pytest.mark.parametrize("whole_supply", [False, True])
def test_a_suppliers_file_keeps_another_suppliers_path_unless_it_lists_every_path(qtbot: QtBot, tmp_path: Path,
                                                                                  whole_supply: bool) -> None:
    from tests.helpers.builders import PartSpec, PathSpec, project_of
    from tests.test_cli import ROW, write_template_csv

    document = Document(project_of(PartSpec("P1", paths=[PathSpec("A", 60.0), PathSpec("B", 40.0)])),
                        runner=SynchronousRunner())
    answer = tmp_path / "answer.csv"
    write_template_csv(answer, [{**ROW, "part_number": "P1", "supplier_id": "A", "share_pct": "60" if not
                                 whole_supply else "100", "mine_country": "MY"}])
    dialog = _dialog(qtbot, [answer], document)
    dialog.replace_check.setChecked(whole_supply)
    assert dialog.import_button.isEnabled(), dialog.summary.text()
    dialog.apply()
    suppliers = document.project.tables.paths["supplier_id"].tolist()
    assert suppliers == (["A"] if whole_supply else ["A", "B"])
    document.undo_stack.undo()
    assert document.project.tables.paths["supplier_id"].tolist() == ["A", "B"]


def test_an_import_in_the_window_names_its_file_and_hash_as_the_change_sets_source(
        qtbot: QtBot, document: Document, csv_file: Path) -> None:
    import hashlib

    made: list[object] = []
    document.edited.connect(made.append)
    dialog = _dialog(qtbot, [csv_file], document)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    changes = made[-1]
    digest = hashlib.sha256(csv_file.read_bytes()).hexdigest()
    assert changes.source == {"kind": "import",  # type: ignore[attr-defined]
                              "files": [{"file": csv_file.name, "sha256": digest}]}
