"""The session without a window: opening a project, saving it, a save refused because another program saved the
file meanwhile, recovery after a crash, read-only opening, drops, recent projects and the questions before work is
closed. Everything runs on the synchronous runner with scripted dialogs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.core.project import Project
from riskdesk.io import userdirs
from riskdesk.io.store.lock import ProjectLock, lock_path
from riskdesk.io.store.project_file import load_project, save_project
from riskdesk.ui.autosave import Autosaver, AutosaveSession, find_recovery
from riskdesk.ui.columns import TableName, column_position
from riskdesk.ui.dialogs import IMPORT_SUFFIXES, Dialogs
from riskdesk.ui.document import Document
from riskdesk.ui.session import Session
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs

STOCK_DAYS = column_position(TableName.PARTS, "stock_days")


def _session(project: Project | None = None, autosave: AutosaveSession | None = None,
             dirs: userdirs.UserDirs | None = None) -> tuple[Session, ScriptedDialogs]:
    dialogs = ScriptedDialogs()
    return Session(Document(project, runner=SynchronousRunner()), dialogs, dirs, autosave), dialogs


def _edit(session: Session, stock_days: str) -> None:
    """The user types a stock cover into the first part."""
    model = session.document.models[TableName.PARTS]
    assert model.setData(model.index(0, STOCK_DAYS), stock_days)


def _saved(path: Path, description: str = "") -> Path:
    """A project file another program wrote (without RiskDesk's lock)."""
    project = demo_project()
    if description:
        project.tables.parts.loc[0, "description"] = description
    save_project(project, path)
    return path


# ---- open and save ------------------------------------------------------------------------------------------------

def test_opening_a_file_shows_its_project_holds_its_lock_and_remembers_it(qapp: object, tmp_path: Path) -> None:
    path = _saved(tmp_path / "eu.rdproj", "from the file")
    dirs = userdirs.init()
    session, dialogs = _session(dirs=dirs)
    opened: list[str] = []
    session.location_changed.connect(lambda: opened.append(session.display_name))
    session.open_path(path)
    assert dialogs.errors == []
    assert session.document.project.tables.parts.loc[0, "description"] == "from the file"
    assert session.path == path and session.display_name == "eu.rdproj" and opened[-1] == "eu.rdproj"
    assert session.lease is not None and session.lease.held and not session.read_only
    assert not session.document.is_dirty and session.document.undo_stack.count() == 0
    assert session.recent[0] == str(path.resolve())
    assert userdirs.load_app_settings(dirs).recent_files[0] == str(path.resolve()), "kept for the next start"
    session.new_project()  # not edited: no question; the file is let go
    assert session.path is None and session.lease is None and not lock_path(path).exists()
    assert len(session.document.project.tables.parts) == 0


def test_save_and_reopen(qapp: object, tmp_path: Path) -> None:
    session, dialogs = _session(demo_project(), dirs=userdirs.init())
    _edit(session, "99")
    session.save(tmp_path / "mine")
    assert dialogs.errors == []
    assert session.path == tmp_path / "mine.rdproj" and not session.document.is_dirty
    assert str(session.path.resolve()) in session.recent
    other, _ = _session()
    other.open(tmp_path / "mine.rdproj", read_only=True)  # this session holds the file: a second one reads it
    assert other.document.project.tables.parts.loc[0, "stock_days"] == 99.0
    assert other.document.models[TableName.PARTS].rowCount() == len(session.document.project.tables.parts)
    session.release()


def test_saving_keeps_the_projects_scenarios_and_variants(qapp: object, tmp_path: Path) -> None:
    import datetime as dt

    from riskdesk.core.mitigations import AddStock, Variant
    from riskdesk.core.scenarios import PriceShock, Scenario

    session, dialogs = _session(demo_project())
    project = session.document.project
    project.scenarios.append(Scenario("Dy x3", dt.date(2027, 1, 1), 12, "china",
                                      (PriceShock(("Dy",), "step", multiplier=3.0, months=6),)))
    project.variants.append(Variant("More stock", (AddStock("*", 30),)))
    session.save(tmp_path / "with-scenarios")
    assert dialogs.errors == []
    again = load_project(tmp_path / "with-scenarios.rdproj")
    assert again.scenarios == project.scenarios and again.variants == project.variants
    session.release()


def test_a_failed_open_says_why_and_changes_nothing(qapp: object, tmp_path: Path) -> None:
    bad = tmp_path / "bad.rdproj"
    bad.write_text("not a database", encoding="utf-8")
    session, dialogs = _session(demo_project())
    session.open_path(bad)
    assert dialogs.errors and dialogs.errors[0].startswith("Cannot open project") and "is damaged" in dialogs.errors[0]
    assert len(session.document.project.tables.parts) == len(demo_project().tables.parts) and session.path is None


def test_a_project_that_is_gone_leaves_the_recent_list(qapp: object, tmp_path: Path) -> None:
    gone = tmp_path / "gone.rdproj"
    session, dialogs = _session()
    session.app_settings.recent_files = [str(gone)]
    session.open_path(gone)
    assert dialogs.errors and session.recent == []


# ---- a file another program changed ------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [Dialogs.CANCEL, Dialogs.SAVE_AS, Dialogs.RELOAD, Dialogs.OVERWRITE])
def test_saving_over_a_file_another_program_changed_asks_and_loses_nothing_unasked(qapp: object, tmp_path: Path,
                                                                                  answer: str) -> None:
    path = _saved(tmp_path / "shared.rdproj")
    session, dialogs = _session()
    session.open(path)
    _saved(path, "their change")  # another program (without RiskDesk's lock) saves it meanwhile
    _edit(session, "45")
    dialogs.changed_answer = answer
    dialogs.save_answer = tmp_path / "mine.rdproj"
    session.save_project()
    assert any(asked.startswith("changed shared.rdproj: ") and "changed by another program" in asked
               for asked in dialogs.asked)
    on_disk = load_project(path).tables.parts.loc[0]
    if answer == Dialogs.OVERWRITE:
        assert on_disk["stock_days"] == 45.0 and on_disk["description"] != "their change"
    else:  # theirs is kept
        assert on_disk["description"] == "their change" and on_disk["stock_days"] != 45.0
    mine = session.document.project.tables.parts.loc[0]
    if answer == Dialogs.CANCEL:  # mine is still here, unsaved
        assert mine["stock_days"] == 45.0 and session.document.is_dirty and session.path == path
    if answer == Dialogs.SAVE_AS:
        assert load_project(tmp_path / "mine.rdproj").tables.parts.loc[0, "stock_days"] == 45.0
        assert session.path == tmp_path / "mine.rdproj" and not session.document.is_dirty
    if answer == Dialogs.RELOAD:
        assert mine["description"] == "their change" and not session.document.is_dirty
    session.release()


# ---- read-only ----------------------------------------------------------------------------------------------------

def test_a_project_open_elsewhere_opens_read_only_and_is_never_saved_over(qapp: object, tmp_path: Path) -> None:
    path = _saved(tmp_path / "p.rdproj", "theirs")
    session, dialogs = _session()
    with ProjectLock(path):  # another RiskDesk has it open
        session.open_path(path)  # refused: nothing opens
        assert "is in use by" in dialogs.asked[-1] and session.path is None
        dialogs.read_only_answer = True
        session.open_path(path)
        assert session.read_only and session.path == path and session.lease is None
        _edit(session, "12")
        dialogs.save_answer = None
        session.save_project()  # Save asks for another name
        assert dialogs.asked[-1] == "save as p.rdproj"
        dialogs.save_answer = path  # the same file: its lock says no
        session.save_project()
        assert dialogs.errors and dialogs.errors[-1].startswith("Cannot save project") and "is in use by" in \
            dialogs.errors[-1]
        assert load_project(path).tables.parts.loc[0, "description"] == "theirs"
        assert session.read_only and session.document.is_dirty
    session.save_project()  # let go: Save As onto it takes its lock
    assert not session.read_only and session.lease is not None and not session.document.is_dirty
    assert load_project(path).tables.parts.loc[0, "stock_days"] == 12.0
    session.release()
    assert not lock_path(path).exists()


# ---- recovery -----------------------------------------------------------------------------------------------------

def test_recovery_after_a_simulated_crash_is_offered_and_opens_the_work_unsaved(qapp: object, tmp_path: Path) -> None:
    dirs = userdirs.init()
    original = _saved(tmp_path / "p.rdproj")
    crashed_slot = AutosaveSession(dirs.autosave)
    crashed, _ = _session(autosave=crashed_slot)
    crashed.open(original)
    _edit(crashed, "33")
    assert crashed.autosaver is not None
    crashed.autosaver.autosave_now()
    assert find_recovery(dirs.autosave) is None  # this process is still running
    crashed_slot.abandon()  # the process dies here: its slot and its lock on the project are left as they are
    crashed.release()
    restart = AutosaveSession(dirs.autosave)
    info = restart.find_recovery()
    assert info is not None and info.original_path == original
    session, dialogs = _session(autosave=restart)
    dialogs.recover_answer = Dialogs.LATER  # "Not now": kept, and offered at the next start
    assert not session.offer_recovery(info) and restart.find_recovery() == info
    dialogs.recover_answer = Dialogs.RECOVER
    assert session.offer_recovery(info)
    assert session.document.project.tables.parts.loc[0, "stock_days"] == 33.0
    assert session.document.is_dirty and session.path == original and session.lease is not None
    assert restart.project_path.exists()  # kept in the new slot, in case this process crashes too
    assert not info.autosave.exists() and restart.find_recovery() is None
    session.save_project()  # the original is unchanged since the work started: saved over it without a question
    assert not [asked for asked in dialogs.asked if asked.startswith("changed")]
    assert load_project(original).tables.parts.loc[0, "stock_days"] == 33.0
    session.end()
    restart.end()


def test_no_recovery_after_a_clean_exit_or_a_save(qapp: object, tmp_path: Path) -> None:
    dirs = userdirs.init()
    slot = AutosaveSession(dirs.autosave)
    session, _ = _session(demo_project(), autosave=slot)
    autosaver = session.autosaver
    assert isinstance(autosaver, Autosaver)
    _edit(session, "34")
    autosaver.autosave_now()
    assert autosaver.path.exists()
    session.save(tmp_path / "saved.rdproj")
    assert not autosaver.path.exists()
    _edit(session, "35")
    autosaver.autosave_now()
    session.end()
    slot.end()
    assert find_recovery(dirs.autosave) is None
    assert load_project(tmp_path / "saved.rdproj").tables.parts.loc[0, "stock_days"] == 34.0
    assert not math.isnan(session.document.project.tables.parts.loc[0, "stock_days"])


# ---- drops and closing --------------------------------------------------------------------------------------------

def test_a_dropped_project_opens_then_its_spreadsheets_are_imported_and_unreadable_files_named(
        qtbot: QtBot, tmp_path: Path) -> None:
    project = _saved(tmp_path / "dropped.rdproj", "dropped")
    sheet = tmp_path / "bom.csv"
    sheet.write_text("part_number\nX\n", encoding="utf-8")
    session, dialogs = _session()
    imports: list[list[Path]] = []
    session.import_wanted.connect(imports.append)
    session.drop([tmp_path / "notes.pdf", sheet, project])
    assert dialogs.errors == [f"Some files cannot be imported: RiskDesk cannot read notes.pdf. It imports "
                              f"{', '.join(IMPORT_SUFFIXES)} spreadsheets and opens .rdproj projects; the other "
                              "files are being opened."]
    qtbot.waitUntil(lambda: imports == [[sheet]])
    assert session.path == project, "the sheet is imported into the dropped project, once it is open"
    session.release()


@pytest.mark.parametrize("answer", [Dialogs.CANCEL, Dialogs.DISCARD, Dialogs.SAVE])
def test_unsaved_work_is_saved_or_discarded_only_as_the_user_says_before_new_or_close(
        qtbot: QtBot, tmp_path: Path, answer: str) -> None:
    session, dialogs = _session(demo_project())
    _edit(session, "21")
    dialogs.unsaved = answer
    dialogs.save_answer = tmp_path / "kept.rdproj"
    closed: list[bool] = []
    assert session.ready_to_close(lambda: closed.append(True)) == (answer == Dialogs.DISCARD)
    assert dialogs.asked[0] == "unsaved Demo: US motor and sensor buyer"
    if answer == Dialogs.SAVE:  # saved first, then the window is asked to close again, and may
        assert load_project(tmp_path / "kept.rdproj").tables.parts.loc[0, "stock_days"] == 21.0
        qtbot.waitUntil(lambda: closed == [True])
        assert session.ready_to_close(lambda: None)
    session.new_project()
    kept = session.document.project.tables.parts
    if answer == Dialogs.CANCEL:
        assert len(kept) == 15 and kept.loc[0, "stock_days"] == 21.0
    else:
        assert len(kept) == 0
    session.release()


def test_preferences_are_kept_and_retune_the_autosave_at_once(qapp: object) -> None:
    from riskdesk.ui.preferences_dialog import Preferences

    dirs = userdirs.init()
    slot = AutosaveSession(dirs.autosave)
    session, dialogs = _session(autosave=slot, dirs=dirs)
    dialogs.preferences_answer = Preferences(7, 90, 1_000, work_without_lock=True)
    session.edit_preferences()
    saved = userdirs.load_app_settings(dirs)
    assert (saved.autosave_delay_seconds, saved.autosave_seconds, saved.import_max_rows) == (7, 90, 1_000)
    assert saved.work_without_lock and session.document.app_settings.import_max_rows == 1_000
    assert session.autosaver is not None and session.autosaver.delay_seconds == 7
    slot.end()
