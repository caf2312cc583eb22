"""The open project without a window: edits as undoable steps through the table models, paste, autosave slots.
Everything runs on the synchronous runner. (The rules themselves — renames cascading, references, suppliers in
use — are tested without Qt: tests/core/test_edit_rules.py; opening, saving and recovery are the session's:
tests/ui/test_session.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.core.edits import EditRefused
from riskdesk.core.project import ProjectSettings
from riskdesk.io import userdirs
from riskdesk.io.store.project_file import load_project, save_project
from riskdesk.ui.autosave import Autosaver, AutosaveSession, find_recovery
from riskdesk.ui.columns import RawRole, TableName, column_position
from riskdesk.ui.document import Document
from riskdesk.ui.session import Session
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.builders import shown
from tests.helpers.dialogs import ScriptedDialogs


def _part(key: str) -> int:
    """Where the parts column `key` stands in the window."""
    return column_position(TableName.PARTS, key)


def _path(key: str) -> int:
    """Where the paths column `key` stands in the window."""
    return column_position(TableName.PATHS, key)


@pytest.fixture
def document(qapp: object) -> Document:
    return Document(demo_project(), runner=SynchronousRunner())


def _cell(document: Document, table: TableName, row: int, column: int) -> object:
    model = document.models[table]
    return model.data(model.index(row, column), RawRole)


def test_an_edit_is_one_undo_step(document: Document) -> None:
    model = document.models[TableName.PARTS]
    assert model.setData(model.index(0, _part("stock_days")), "75")
    assert document.project.tables.parts.loc[0, "stock_days"] == 75.0
    assert document.is_dirty
    document.undo_stack.undo()
    assert document.project.tables.parts.loc[0, "stock_days"] == 20.0
    assert not document.is_dirty
    document.undo_stack.redo()
    assert _cell(document, TableName.PARTS, 0, _part("stock_days")) == 75.0


def test_add_and_remove_rows_are_undoable(document: Document) -> None:
    parts = document.project.tables.parts
    n = len(parts)
    document.add_rows(TableName.PARTS)
    assert len(document.project.tables.parts) == n + 1
    assert document.models[TableName.PARTS].rowCount() == n + 1
    document.undo_stack.undo()
    assert len(document.project.tables.parts) == n


def test_removing_a_part_removes_its_paths_and_undo_restores_them_in_place(document: Document) -> None:
    before = document.project.tables.copy()
    row = int(before.parts.index[before.parts["part_number"] == "SRV-ROB-40"][0])
    document.remove_rows(TableName.PARTS, [row])
    tables = document.project.tables
    assert "SRV-ROB-40" not in set(tables.parts["part_number"])
    assert "SRV-ROB-40" not in set(tables.paths["part_number"])
    document.undo_stack.undo()
    assert document.project.tables.parts.equals(before.parts)
    assert document.project.tables.paths.equals(before.paths)


def test_paste_adds_rows_and_is_refused_whole_when_one_value_is_bad(document: Document) -> None:
    n = len(document.project.tables.suppliers)
    cells = [(n, "supplier_id", "SUP-KR1"), (n, "supplier_name", "Seoul Magnet"), (n, "supplier_country", "Korea")]
    document.paste(TableName.SUPPLIERS, cells)
    suppliers = document.project.tables.suppliers
    assert len(suppliers) == n + 1
    assert shown(suppliers).iloc[-1].to_dict() == {"supplier_id": "SUP-KR1", "supplier_name": "Seoul Magnet",
                                             "supplier_country": "KR", "general_licence": ""}
    with pytest.raises(EditRefused, match="Nothing was pasted"):
        document.paste(TableName.SUPPLIERS, [(0, "supplier_country", "Atlantis"), (1, "supplier_name", "ok")])
    assert document.project.tables.suppliers.loc[1, "supplier_name"] != "ok"
    document.undo_stack.undo()
    assert len(document.project.tables.suppliers) == n


def test_settings_changes_merge_while_the_same_setting_moves(document: Document) -> None:
    start = document.project.settings
    for value in (0.4, 0.45, 0.5):
        weights = dict(document.project.settings.weights, restriction=value)
        document.change_settings(ProjectSettings(**{**start.to_json(), "weights": weights}))
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.project.settings.weights["restriction"] == start.weights["restriction"]


def test_another_running_riskdesk_keeps_its_autosave(qapp: object) -> None:
    dirs = userdirs.init()
    other = AutosaveSession(dirs.autosave)  # a second RiskDesk process, still running
    save_project(demo_project(), other.project_path)
    session = AutosaveSession(dirs.autosave)
    mine = Document(demo_project(), runner=SynchronousRunner())
    autosaver = Autosaver(mine, session, longest_s=0)
    model = mine.models[TableName.PARTS]
    model.setData(model.index(0, _part("stock_days")), "36")
    autosaver.autosave_now()
    assert autosaver.path != other.project_path
    assert session.find_recovery() is None
    session.end()
    assert other.project_path.exists() and not autosaver.path.exists()
    other.abandon()  # now it crashes
    info = find_recovery(dirs.autosave)
    assert info is not None and info.autosave == other.project_path


def test_a_declined_recovery_deletes_that_autosave_only(qapp: object) -> None:
    dirs = userdirs.init()
    crashed = AutosaveSession(dirs.autosave)
    save_project(demo_project(), crashed.project_path)
    crashed.abandon()
    mine = AutosaveSession(dirs.autosave)
    save_project(demo_project(), mine.project_path)
    info = mine.find_recovery()
    assert info is not None and info.autosave == crashed.project_path
    info.discard()
    assert not crashed.project_path.exists() and mine.project_path.exists()
    assert mine.find_recovery() is None
    assert not AutosaveSession.lock_path(dirs.autosave, crashed.id).exists()



def test_a_pasted_number_reads_as_the_importer_reads_it(document: Document, tmp_path: Path) -> None:
    from riskdesk.io.importer import read_and_validate

    row = 0
    document.paste(TableName.PARTS, [(row, "unit_price", "1.200,5"), (row, "magnet_mass_g", "1.5 kg")])
    parts = document.project.tables.parts
    assert parts.loc[row, "unit_price"] == 1200.5 and parts.loc[row, "magnet_mass_g"] == 1500.0
    source = tmp_path / "one.csv"
    source.write_text('part_number;magnet_family;magnet_mass_g;annual_units;unit_price;supplier_id\n'
                      'X;NdFeB-sintered;1.5 kg;10;1.200,5;S1\n', encoding="utf-8")
    imported = read_and_validate([source]).tables.parts
    assert imported.loc[0, "unit_price"] == 1200.5 and imported.loc[0, "magnet_mass_g"] == 1500.0


def test_shares_over_100_pct_are_refused_naming_the_part_and_under_100_noticed(document: Document) -> None:
    paths = document.project.tables.paths
    rows = list(paths.index[paths["part_number"] == "MTR-TRAC-200"])  # 70 % + 30 %
    model = document.models[TableName.PATHS]
    assert not model.setData(model.index(rows[0], _path("share_pct")), "80")
    assert "MTR-TRAC-200" in model.last_refusal and "110 %" in model.last_refusal
    with pytest.raises(EditRefused, match="MTR-TRAC-200"):
        document.paste(TableName.PATHS, [(rows[0], "share_pct", "80"), (rows[1], "share_pct", "80")])
    assert document.project.tables.paths.loc[rows[0], "share_pct"] == 70.0
    notices: list[str] = []
    document.noticed.connect(notices.append)
    assert model.setData(model.index(rows[0], _path("share_pct")), "50")
    assert document.project.tables.paths.loc[rows[0], "share_pct"] == 50.0
    assert notices and "MTR-TRAC-200 (80 %)" in notices[0]


def test_scenario_and_variant_edits_are_undoable_steps_saved_with_the_project(document: Document,
                                                                             tmp_path: Path) -> None:
    import datetime as dt

    from riskdesk.core.mitigations import AddStock, Variant
    from riskdesk.core.scenarios import PriceShock, Scenario

    changed: list[str] = []
    document.scenarios_changed.connect(lambda: changed.append("scenarios"))
    document.variants_changed.connect(lambda: changed.append("variants"))
    scenario = Scenario("Dy doubles", dt.date(2026, 12, 1),
                        price_shocks=(PriceShock(("Dy",), multiplier=2.0, months=6),))
    document.change_scenarios([scenario], "Add scenario 'Dy doubles'")
    document.change_variants([Variant("More stock", (AddStock("*", 30.0),))], "Add variant 'More stock'")
    assert document.undo_stack.undoText() == "Add variant 'More stock'" and document.is_dirty
    Session(document, ScriptedDialogs()).save(tmp_path / "p.rdproj")
    reopened = load_project(tmp_path / "p.rdproj")
    assert reopened.scenarios == [scenario] and reopened.variants[0].name == "More stock"
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.project.scenarios == [] and document.project.variants == []
    assert changed == ["scenarios", "variants", "variants", "scenarios"]


def test_an_edit_is_autosaved_a_few_seconds_after_the_last_one_and_at_least_every_longest_gap(
        qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from riskdesk.ui import autosave as autosave_module

    dirs = userdirs.init()
    session = AutosaveSession(dirs.autosave)
    document = Document(demo_project(), runner=SynchronousRunner())
    autosaver = Autosaver(document, session, longest_s=30, delay_s=0)
    clock = [1000.0]
    monkeypatch.setattr(autosave_module.time, "monotonic", lambda: clock[0])
    model = document.models[TableName.PARTS]
    model.setData(model.index(0, _part("stock_days")), "31")
    assert autosaver.pending and not autosaver.path.exists()
    qtbot.waitUntil(lambda: autosaver.path.exists())  # the pause after the edit
    assert load_project(autosaver.path).tables.parts.loc[0, "stock_days"] == 31.0
    # The user keeps editing without a pause: after 30 s the edits are saved anyway.
    model.setData(model.index(0, _part("stock_days")), "32")
    clock[0] += 31
    model.setData(model.index(0, _part("stock_days")), "33")
    assert load_project(autosaver.path).tables.parts.loc[0, "stock_days"] == 33.0
    session.end()


def test_the_recovery_offer_says_when_in_local_time_and_how_big(qapp: object) -> None:
    dirs = userdirs.init()
    crashed = AutosaveSession(dirs.autosave)
    save_project(demo_project(), crashed.project_path)
    crashed.info_path.write_text('{"name": "Demo", "saved_at": "2026-11-29T14:05:09", "original_path": ""}',
                                 encoding="utf-8")
    crashed.abandon()
    info = find_recovery(dirs.autosave)
    assert info is not None
    text = info.describe()
    assert "on Sunday 29 November 2026 at 14:05" in text and "kB" in text and "T14" not in text


def test_typing_us_recycled_as_a_mine_country_declares_recycled_feedstock_in_one_undo_step(
        document: Document) -> None:
    model = document.models[TableName.PATHS]
    paths = document.project.tables.paths
    assert model.setData(model.index(0, _path("mine_country")), "US (recycled)")
    assert paths.loc[0, ["mine_country", "feedstock"]].tolist() == ["US", "recycled"]
    assert model.data(model.index(1, _path("feedstock"))) == "mined"  # a blank feedstock shows what it means
    document.undo_stack.undo()
    assert paths.loc[0, ["mine_country", "feedstock"]].tolist() == ["CN", ""]
    document.paste(TableName.PATHS, [(1, "mine_country", "recycled in Japan"), (2, "mine_country", "AU")])
    assert document.project.tables.paths.loc[1:2, "feedstock"].tolist() == ["recycled", ""]
    assert document.project.tables.paths.loc[1, "mine_country"] == "JP"


def test_a_parts_own_element_content_is_edited_on_the_composition_tab(document: Document) -> None:
    """PRODUCT: a part's optional composition (wt %) overrides its grade's, entered as well as imported: the window
    shows the overrides as a table of its own, edits them as undoable steps, and refuses what cannot be a wt %."""
    import datetime as dt

    from riskdesk.core.elements import INDEX
    from riskdesk.core.evaluation import evaluate

    def dy_value(project: object) -> float:
        """The part's Dy content value a year, as scored."""
        evaluation = evaluate(project, dt.date(2026, 11, 23))  # type: ignore[arg-type]
        part = list(evaluation.compiled.part_numbers).index("LDR-MIR-2")
        return float(evaluation.part_value_c[part][list(evaluation.columns).index(INDEX["Dy"])])

    overrides = document.project.tables.composition
    row = int(overrides.index[(overrides["part_number"] == "LDR-MIR-2") & (overrides["element"] == "Dy")][0])
    model = document.models[TableName.COMPOSITION]
    wt = column_position(TableName.COMPOSITION, "wt_pct")
    assert model.data(model.index(row, wt), RawRole) == 3.2
    before = dy_value(document.project)
    assert model.setData(model.index(row, wt), "6.4")
    assert dy_value(document.project) == pytest.approx(2 * before)
    assert not model.setData(model.index(row, wt), "140")
    assert model.last_refusal == "wt % is a share of the magnet's weight: enter 0 to 100"
    assert not model.setData(model.index(row, column_position(TableName.COMPOSITION, "element")), "Xx")
    assert "not an element RiskDesk knows" in model.last_refusal
    document.undo_stack.undo()
    assert document.project.tables.composition.loc[row, "wt_pct"] == 3.2 and not document.is_dirty
