"""Issue 15, case 1 in the window: the project lock is held while a project is open, a second opener is told
who holds it and may read it, and a save never replaces a file another program changed without asking."""

from __future__ import annotations

from pathlib import Path

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.io.store.lock import ProjectLock, lock_path
from riskdesk.io.store.project_file import save_project
from riskdesk.ui.app import load_data_layer
from riskdesk.ui.document import Document
from riskdesk.ui.session import Session
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.dialogs import ScriptedDialogs


def _session() -> tuple[Session, ScriptedDialogs]:
    dialogs = ScriptedDialogs()
    return Session(Document(runner=SynchronousRunner()), dialogs), dialogs


def test_the_lock_is_held_while_the_project_is_open_and_let_go_after(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    session, dialogs = _session()
    session.open(path)
    assert session.lease is not None and session.lease.held and lock_path(path).exists()
    assert not session.read_only and session.revision is not None
    session.new_project()
    assert session.lease is None and not lock_path(path).exists()
    with ProjectLock(path):
        session.open(path, read_only=True)
        session.save(path)  # Save As onto a file another RiskDesk holds
        assert dialogs.errors and "is in use by" in dialogs.errors[0]
    session.save(path)
    assert len(dialogs.errors) == 1 and session.lease is not None and not session.read_only
    session.release()
    assert not lock_path(path).exists()


def test_the_window_started_on_a_project_in_use_opens_it_read_only(qtbot, tmp_path: Path) -> None:
    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    with ProjectLock(path):
        loaded = load_data_layer(False, path)(None)  # type: ignore[arg-type]
    assert loaded.project is not None and loaded.lock is None and "is in use by" in loaded.in_use
    loaded = load_data_layer(False, path)(None)  # type: ignore[arg-type]
    assert loaded.lock is not None and loaded.lock.held and not loaded.in_use
    loaded.lock.release()


def test_old_autosaves_are_swept_and_the_kept_ones_offered_newest_first(qtbot, tmp_path: Path) -> None:
    import json

    from riskdesk.ui.autosave import KEEP_AUTOSAVES, AutosaveSession, find_recoveries, find_recovery
    from tests.helpers.dialogs import ScriptedDialogs

    folder = tmp_path / "autosave"
    folder.mkdir()
    for n in range(KEEP_AUTOSAVES + 3):  # sessions that crashed, one a day
        save_project(demo_project(), folder / f"session-{n}.rdproj")
        (folder / f"session-{n}.json").write_text(json.dumps(
            {"original_path": "", "name": f"crash {n}", "saved_at": f"2026-11-{10 + n:02d}T10:00:00"}))
    killed = folder / ".session-99.rdproj.somehost.999999.0123abcd.saving"  # an autosave killed while written
    killed.write_bytes(b"half")
    found = find_recoveries(folder)
    assert [info.name for info in found] == [f"crash {n}" for n in range(KEEP_AUTOSAVES + 2, 2, -1)]
    assert not (folder / "session-0.rdproj").exists() and not (folder / "session-0.json").exists()
    newest = find_recovery(folder)
    assert newest is not None and newest.older == KEEP_AUTOSAVES - 1 and "older autosaves are kept" in newest.describe()

    from riskdesk.ui.dialogs import Dialogs
    from riskdesk.ui.main_window import MainWindow
    from riskdesk.ui.workers import SynchronousRunner

    dialogs = ScriptedDialogs()
    dialogs.recover_answer = Dialogs.DISCARD_AUTOSAVE
    window = MainWindow(Document(runner=SynchronousRunner()), SynchronousRunner(), dialogs=dialogs,
                        autosave=AutosaveSession(folder))
    qtbot.addWidget(window)
    assert not window.session.offer_recovery(newest)
    assert dialogs.asked.count("recover") == KEEP_AUTOSAVES and find_recovery(folder) is None
    window.session.autosave.end()


@pytest.mark.parametrize("described", ["by this RiskDesk", "before the project store"])
def test_recovered_work_keeps_the_state_of_the_file_it_started_from(qtbot, tmp_path: Path, described: str) -> None:
    import dataclasses

    from riskdesk.io.store.project_file import file_state, read_project
    from riskdesk.ui.autosave import AutosaveSession, RecoveryInfo

    original = tmp_path / "p.rdproj"
    save_project(demo_project(), original)
    _project, state = read_project(original)
    autosave = tmp_path / "session-1.rdproj"
    save_project(demo_project(), autosave)
    (tmp_path / "session-1.json").write_text("[]")  # a damaged description does not stop the offer
    base = state.as_revision().to_json() if described == "by this RiskDesk" else dataclasses.asdict(state)
    info = RecoveryInfo(autosave, original, "p", "2026-11-29T10:00:00", base=base)
    save_project(demo_project(), original)  # someone saved the original after the crash
    slot = AutosaveSession(tmp_path / "slots")
    dialogs = ScriptedDialogs()
    session = Session(Document(runner=SynchronousRunner()), dialogs, autosave=slot)
    session.recover(info)
    assert session.lease is not None and session.document.is_dirty
    assert session.revision == state.as_revision()
    session.save(original)  # the user cancels the question
    assert dialogs.asked and "changed by another program" in dialogs.asked[-1]
    assert file_state(original) is not None
    session.end()
    slot.end()


def test_a_project_whose_lock_cannot_be_taken_opens_read_only_saying_why_unless_the_setting_allows(
        qtbot, tmp_path: Path) -> None:
    from riskdesk.io import userdirs

    path = tmp_path / "p.rdproj"
    save_project(demo_project(), path)
    lock_path(path).mkdir()  # something else where the lock file goes
    loaded = load_data_layer(False, path)(None)  # type: ignore[arg-type]
    assert loaded.project is not None and loaded.lock is None
    assert "is a folder, not RiskDesk's lock file" in loaded.in_use

    dirs = userdirs.init()
    userdirs.save_app_settings(userdirs.AppSettings(work_without_lock=True), dirs)  # Edit ▸ Preferences
    loaded = load_data_layer(False, path, userdirs.load_app_settings(dirs).work_without_lock)(None)  # type: ignore[arg-type]
    assert loaded.lock is not None and not loaded.lock.supported and not loaded.in_use
    session, _ = _session()
    session.adopt(loaded.project, path, loaded.state, loaded.lock)
    assert not session.read_only and "Working without the project's lock" in session.lock_notice
    session.release()
    assert lock_path(path).is_dir()  # not RiskDesk's to remove


def test_importing_in_the_window_and_saving_keeps_what_the_import_does_not_own(qtbot, tmp_path: Path) -> None:
    import dataclasses

    from riskdesk.core.project import Project
    from riskdesk.io import import_session
    from riskdesk.io.store.project_file import load_project
    from tests.helpers.builders import project_with_everything
    from tests.test_cli import ROW, write_template_csv

    path = tmp_path / "full.rdproj"
    save_project(project_with_everything(), path)
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    session, dialogs = _session()
    session.open(path)
    document = session.document
    check = import_session.check(import_session.ImportRequest([source]), document.project)
    assert check.merged is not None
    document.apply_import(check, "import")
    session.save_project()
    assert dialogs.errors == []
    before, after = project_with_everything(), load_project(path)
    assert "X-1" in set(after.tables.parts["part_number"])
    for name in (f.name for f in dataclasses.fields(Project) if f.name not in ("tables", "saved_mappings")):
        kept, now = getattr(before, name), getattr(after, name)
        assert (kept.to_json() if name == "settings" else kept) == (now.to_json() if name == "settings" else now)
    assert before.saved_mappings.items() <= after.saved_mappings.items()
    session.release()
