"""Project files (the .rdproj backend of the store): saves are atomic, bad files give a clear message, older
schemas are migrated, the history kept in the file. What any store must do (what is saved comes back, revisions,
commits) is in test_contract.py."""

from __future__ import annotations

import os
import sqlite3

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS
from riskdesk.io.store import project_file
from riskdesk.io.store.project_file import ProjectFileError, load_project, save_project


def test_a_crash_during_save_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(project_file.os, "replace", crash)
    changed = demo_project()
    changed.settings.name = "changed"
    with pytest.raises(ProjectFileError, match="previous file is unchanged"):
        save_project(changed, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.rdproj"], "no temporary file left behind"


def test_not_a_project_file_is_refused_clearly(tmp_path):
    path = tmp_path / "x.rdproj"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(ProjectFileError, match=r"x\.rdproj is damaged: it no longer reads as a RiskDesk project"):
        load_project(path)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello", encoding="utf-8")
    with pytest.raises(ProjectFileError, match="not a RiskDesk project"):
        load_project(notes)
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (a)").connection.commit()
    with pytest.raises(ProjectFileError, match="not a RiskDesk project"):
        load_project(other)


def test_a_file_from_a_newer_riskdesk_asks_for_an_update(tmp_path):
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {project_file.SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(ProjectFileError, match="newer RiskDesk"):
        load_project(path)


def test_older_schema_is_migrated_on_load(tmp_path, monkeypatch):
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    calls = []
    monkeypatch.setattr(project_file, "SCHEMA_VERSION", project_file.SCHEMA_VERSION + 1)
    monkeypatch.setitem(project_file.MIGRATIONS, project_file.SCHEMA_VERSION - 1, lambda db: calls.append(db))
    load_project(path)
    assert len(calls) == 1


def test_a_truncated_file_is_refused_clearly(tmp_path):
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(ProjectFileError, match=r"damaged|not a RiskDesk"):
        load_project(path)
    assert os.path.getsize(path) > 0


def _drop_stage_evidence(db):
    """The supply paths as before schema 8: no stage's own evidence."""
    for column in STAGE_EVIDENCE_COLUMNS:
        db.execute(f"ALTER TABLE paths DROP COLUMN {column}")


def _schema_1_file(path):
    """A project as RiskDesk wrote it before parts had a DFARS answer and suppliers a general licence."""
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA application_id = {project_file.APPLICATION_ID}")
    db.execute("PRAGMA user_version = 1")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("CREATE TABLE parts (row INTEGER PRIMARY KEY, part_number TEXT NOT NULL, description TEXT NOT NULL, "
               "end_use TEXT NOT NULL, magnet_family TEXT NOT NULL, grade TEXT NOT NULL, magnet_mass_g REAL, "
               "annual_units REAL, unit_price REAL, stock_days REAL)")
    db.execute("CREATE TABLE suppliers (row INTEGER PRIMARY KEY, supplier_id TEXT NOT NULL, "
               "supplier_name TEXT NOT NULL, supplier_country TEXT NOT NULL)")
    db.execute("CREATE TABLE paths (row INTEGER PRIMARY KEY, part_number TEXT NOT NULL, supplier_id TEXT NOT NULL, "
               "share_pct REAL, mine_country TEXT NOT NULL, separation_country TEXT NOT NULL, "
               "metal_country TEXT NOT NULL, magnet_country TEXT NOT NULL, origin_evidence TEXT NOT NULL)")
    db.execute("CREATE TABLE composition (row INTEGER PRIMARY KEY, part_number TEXT NOT NULL, element TEXT NOT NULL, "
               "wt_pct REAL)")
    db.execute("CREATE TABLE mappings (signature TEXT PRIMARY KEY, mapping TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('settings', '{\"name\": \"old\", \"import_country\": \"US\"}')")
    db.execute("INSERT INTO parts VALUES (1, 'P-1', 'rotor', 'defence', 'NdFeB-sintered', 'N42SH', 100, 1000, 5, 30)")
    db.execute("INSERT INTO suppliers VALUES (1, 'S1', 'Supplier', 'CN')")
    db.execute("INSERT INTO paths VALUES (1, 'P-1', 'S1', 100, 'CN', 'CN', 'CN', 'CN', 'declared')")
    db.commit()
    db.close()


def test_a_file_from_schema_1_opens_with_blank_dfars_and_general_licence_and_scores_the_same_way(tmp_path):
    path = tmp_path / "old.rdproj"
    _schema_1_file(path)
    project = load_project(path)
    assert project.tables.parts.loc[0, "dfars"] == "" and project.tables.suppliers.loc[0, "general_licence"] == ""
    assert not project.validate()
    from riskdesk.core.evaluation import PROHIBITED_FLOOR, evaluate

    assert evaluate(project).scores[0] >= PROHIBITED_FLOOR  # a US buyer's defence part: DFARS by the setting
    save_project(project, path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == project_file.SCHEMA_VERSION


def _scenario_and_variant():
    import datetime as dt

    from riskdesk.core.mitigations import AddSource, AddStock, Variant
    from riskdesk.core.scenarios import PriceShock, Scenario, SupplyCut

    scenario = Scenario("Dy spike", dt.date(2027, 1, 1), 18, "ex-china",
                        (PriceShock(("Dy", "Tb"), "decay", multiplier=3.0, months=6),),
                        (SupplyCut((), ("CN",), ("magnet",), 0.74, 1, 61),))
    variant = Variant("Second source", (AddSource("MTR-TRAC-200", "SUP-JP1", 40, {"magnet": "JP"}),
                                        AddStock("*", 30)))
    return scenario, variant


def test_scenarios_and_variants_are_saved_in_the_project_file_in_order(tmp_path):
    scenario, variant = _scenario_and_variant()
    project = demo_project()
    project.scenarios = [scenario, scenario.renamed("Copy")]
    project.variants = [variant]
    path = tmp_path / "p.rdproj"
    save_project(project, path)
    again = load_project(path)
    assert again.scenarios == project.scenarios and again.variants == project.variants


def _schema_2_file(path):
    """A project as RiskDesk wrote it at schema 2: the same tables, without row ids, scenarios, variants and
    history."""
    save_project(demo_project(), path)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE scenarios")
    db.execute("DROP TABLE variants")
    db.execute("DROP TABLE changes")
    db.execute("DROP TABLE declarations")
    for table in ("parts", "suppliers", "paths", "composition"):
        db.execute(f"ALTER TABLE {table} DROP COLUMN row_id")
    db.execute("ALTER TABLE paths DROP COLUMN feedstock")
    _drop_stage_evidence(db)
    db.execute("PRAGMA user_version = 2")
    db.commit()
    db.close()


def test_a_file_from_schema_2_opens_without_scenarios_and_saves_at_the_current_schema(tmp_path):
    path = tmp_path / "old.rdproj"
    _schema_2_file(path)
    project = load_project(path)
    assert project.scenarios == [] and project.variants == []
    assert len(project.tables.parts) == len(demo_project().tables.parts)
    scenario, _ = _scenario_and_variant()
    project.scenarios.append(scenario)
    save_project(project, path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == project_file.SCHEMA_VERSION == 8
    reopened = load_project(path)
    assert reopened.scenarios == [scenario]
    assert reopened.tables.paths["row_id"].tolist() == project.tables.paths["row_id"].tolist()  # ids kept
    assert reopened.tables.paths["row_id"].str.fullmatch("[0-9a-f]{16}").all()


def test_the_quick_preview_reads_schema_2_files_without_migrating_them(tmp_path):
    from riskdesk.io.store.schema import read_rows

    path = tmp_path / "old.rdproj"
    _schema_2_file(path)
    rows = read_rows(path)
    assert len(rows.tables["parts"]) == len(demo_project().tables.parts)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2  # the preview leaves the file as it was


def _schema_5_file(path):
    """A project as RiskDesk wrote it at schema 5: supply paths without a feedstock column."""
    save_project(demo_project(), path)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE declarations")
    db.execute("ALTER TABLE paths DROP COLUMN feedstock")
    _drop_stage_evidence(db)
    db.execute("PRAGMA user_version = 5")
    db.commit()
    db.close()


def test_a_file_from_schema_5_opens_with_blank_feedstock_and_saves_it(tmp_path):
    from riskdesk.core.evaluation import evaluate
    from riskdesk.io.store.schema import SHOWN_COLUMNS, read_rows

    path = tmp_path / "old.rdproj"
    _schema_5_file(path)
    at = SHOWN_COLUMNS["paths"].index("feedstock")
    assert {row[at] for row in read_rows(path).tables["paths"]} == {""}  # the preview: feedstock blank, unmigrated
    project = load_project(path)
    assert (project.tables.paths["feedstock"] == "").all()  # blank: mined, as before the column existed
    assert evaluate(project).scores.tolist() == evaluate(demo_project()).scores.tolist()
    project.tables.paths.loc[0, ["mine_country", "feedstock"]] = ["US", "recycled"]
    save_project(project, path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == project_file.SCHEMA_VERSION == 8
    assert load_project(path).tables.paths.loc[0, ["mine_country", "feedstock"]].tolist() == ["US", "recycled"]


def test_a_file_from_schema_7_opens_with_each_stage_known_as_its_path_and_saves_a_stage_s_own(tmp_path):
    from riskdesk.core.evaluation import evaluate
    from riskdesk.io.store.schema import SHOWN_COLUMNS, read_rows

    path = tmp_path / "old.rdproj"
    save_project(demo_project(), path)
    with sqlite3.connect(path) as db:
        _drop_stage_evidence(db)
        db.execute("PRAGMA user_version = 7")
    at = SHOWN_COLUMNS["paths"].index("magnet_evidence")
    assert {row[at] for row in read_rows(path).tables["paths"]} == {""}  # the preview reads it unmigrated
    project = load_project(path)
    assert (project.tables.paths[list(STAGE_EVIDENCE_COLUMNS)] == "").all().all()
    assert evaluate(project).scores.tolist() == evaluate(demo_project()).scores.tolist()
    project.tables.paths.loc[0, "magnet_evidence"] = "verified"
    save_project(project, path)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == project_file.SCHEMA_VERSION == 8
    assert load_project(path).tables.paths.loc[0, "magnet_evidence"] == "verified"


def test_a_damaged_scenario_in_a_project_file_is_named(tmp_path):
    path = tmp_path / "p.rdproj"
    project = demo_project()
    project.scenarios = [_scenario_and_variant()[0]]
    save_project(project, path)
    with sqlite3.connect(path) as db:
        db.execute("""UPDATE scenarios SET data = '{"name": "Dy spike", "start": "soon"}'""")
    with pytest.raises(ProjectFileError, match=r"scenario 'Dy spike' cannot be read: key 'start'"):
        load_project(path)


# ---- the history in the file (schema 5) -------------------------------------------------------------------------

def _schema_4_file(path, saves=3):
    """A project as RiskDesk wrote it at schema 4, saved `saves` times: no history table."""
    for _ in range(saves):
        save_project(demo_project(), path)
    db = sqlite3.connect(path)
    db.execute("DROP TABLE changes")
    db.execute("ALTER TABLE paths DROP COLUMN feedstock")
    _drop_stage_evidence(db)
    db.execute("DROP TABLE declarations")
    db.execute("PRAGMA user_version = 4")
    db.commit()
    db.close()


def _rename(store, revision, name):
    import dataclasses

    from riskdesk.core.edits import ChangeSet, WholeChange

    project, _ = store.read()
    renamed = dataclasses.replace(project.settings, name=name)
    return store.commit(ChangeSet(f"Rename to {name}", wholes=(WholeChange("settings", project.settings, renamed),)),
                        revision)


def test_a_file_without_history_starts_one_and_says_when_it_does_not_reach_back(tmp_path):
    from riskdesk.io.store import Revision, open_store

    path = tmp_path / "old.rdproj"
    _schema_4_file(path)
    store = open_store(path)
    _, read_at = store.read()
    assert read_at.number == 3 and store.changes_since(read_at) == []
    after = _rename(store, read_at, "Renamed")
    assert [e.text for e in store.changes_since(read_at)] == ["Rename to Renamed"]
    older = store.changes_since(Revision(1))  # before the file kept a history: all it can say is "read it again"
    assert len(older) == 1 and older[0].changes is None and older[0].revision == after
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == project_file.SCHEMA_VERSION


def test_another_file_put_in_place_has_none_of_our_history_and_is_read_again_whole(tmp_path):
    import shutil

    from riskdesk.io.store import open_store

    path, elsewhere = tmp_path / "p.rdproj", tmp_path / "copy.rdproj"
    store = open_store(path)
    first = store.save(demo_project(), None)
    open_store(elsewhere).save(demo_project(), None)  # another project at the same revision number
    shutil.copyfile(elsewhere, path)
    history = store.changes_since(first)
    assert len(history) == 1 and history[0].changes is None and history[0].revision == store.revision()


def test_a_damaged_history_never_stops_a_save_and_is_left_out(tmp_path):
    from riskdesk.io.store import open_store

    path = tmp_path / "p.rdproj"
    store = open_store(path)
    first = store.save(demo_project(), None)
    second = _rename(store, first, "Second")
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO changes VALUES (0, X'00', 'x', 'x', 'x', NULL)")  # a save id that is not text
    project, damaged_at = store.read()  # (changed by another program: the file's token is not `second`'s)
    assert damaged_at.number == second.number
    third = store.save(project, damaged_at, text="Saved again")
    assert [e.text for e in store.changes_since(first)] == ["Rename to Second", "Saved again"]
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM changes").fetchone()[0] == third.number


def test_a_change_in_the_history_that_cannot_be_read_is_one_message_naming_the_file(tmp_path):
    from riskdesk.io.store import open_store

    path = tmp_path / "p.rdproj"
    store = open_store(path)
    first = store.save(demo_project(), None)
    _rename(store, first, "Second")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE changes SET change = '{\"wholes\": 3}' WHERE revision = 2")
    with pytest.raises(ProjectFileError, match=r"p\.rdproj is damaged: the change of revision 2") as refused:
        store.changes_since(first)
    assert "\n" not in str(refused.value)
    assert store.read()[0].settings.name == "Second"  # the project itself still opens


def test_save_as_starts_the_history_of_the_new_file(tmp_path):
    from riskdesk.io.store import open_store

    original = open_store(tmp_path / "a.rdproj")
    first = original.save(demo_project(), None)
    _rename(original, first, "Kept in a")
    copy = open_store(tmp_path / "b.rdproj")
    saved = copy.save(original.read()[0], None, text="Save As")
    assert saved.number == 1 and [e.text for e in copy.changes_since(copy.read()[1])] == []
    assert len(original.changes_since(first)) == 1
