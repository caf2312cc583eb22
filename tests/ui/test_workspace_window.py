"""The window on a team workspace (riskdesk.ui.workspace, File ▸ Open Workspace…), against the real PostgreSQL the
test session starts: two sessions see each other's edits live, a conflict is shown with both values and the buyer
keeps either, a viewer's window is read-only and says why, edits made offline are kept and sent when the server is
back, the connection test says in one line what is wrong, and the start-up never talks to a server on the GUI
thread."""

from __future__ import annotations

import json
import math
import secrets
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.io.store import UNCHECKED, open_store
from riskdesk.io.store.postgres import PostgresStore, init_workspace, role_names
from riskdesk.ui.app import first_rows
from riskdesk.ui.autosave import AutosaveSession, find_recovery
from riskdesk.ui.columns import TableName, column_position
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.document import Document
from riskdesk.ui.session import Session
from riskdesk.ui.workers import ProgressCallback, SynchronousRunner, TaskContext, TaskHandle
from riskdesk.ui.workspace import check_connection, open_workspace_store
from riskdesk.ui.workspace_dialog import OpenWorkspaceDialog
from tests.helpers.dialogs import ScriptedDialogs
from tests.helpers.postgres import Server

pytestmark = pytest.mark.db

STOCK_DAYS = column_position(TableName.PARTS, "stock_days")


@pytest.fixture
def workspace(pg_server: Server, pg_database: str) -> Iterator[str]:
    location = pg_server.workspace(pg_database, "eu")
    open_store(location).save(demo_project(), None)
    yield location
    from riskdesk.io.store import postgres

    for engine in postgres._ENGINES.values():
        engine.dispose()


def _session(qtbot: QtBot, location: str, listen: bool = True,
             autosave: AutosaveSession | None = None) -> tuple[Session, ScriptedDialogs]:
    dialogs = ScriptedDialogs()
    session = Session(Document(runner=SynchronousRunner()), dialogs, autosave=autosave)
    session.adopt_workspace(open_workspace_store(location), listen=listen)
    if listen:  # listening before anyone commits: NOTIFY is not kept for a client that was not there
        assert session.workspace is not None
        qtbot.waitUntil(lambda: session.workspace is not None and session.workspace.listening, timeout=5_000)
    return session, dialogs


def _edit(session: Session, stock_days: str, row: int = 0) -> None:
    model = session.document.models[TableName.PARTS]
    assert model.setData(model.index(row, STOCK_DAYS), stock_days)


def _stock(session: Session, row: int = 0) -> float:
    return float(session.document.project.tables.parts["stock_days"].iat[row])


def _kept(location: str, row: int = 0) -> float:
    return float(open_store(location).read()[0].tables.parts["stock_days"].iat[row])


def test_two_windows_see_each_others_edits_live(qtbot: QtBot, workspace: str) -> None:
    ana, _ = _session(qtbot, workspace)
    bob, _ = _session(qtbot, workspace)
    shown: list[str] = []
    bob.status.connect(lambda text, _ms: shown.append(text))
    try:
        _edit(ana, "45")
        assert _kept(workspace) == 45.0  # committed as it was made: no Save
        qtbot.waitUntil(lambda: not ana.document.is_dirty, timeout=2_000)
        qtbot.waitUntil(lambda: _stock(bob) == 45.0, timeout=2_000)
        assert any(text.startswith("postgres: Edit") for text in shown), shown
        assert not bob.document.undo_stack.canUndo()  # theirs is not bob's to undo
        _edit(bob, "12", row=1)
        qtbot.waitUntil(lambda: _stock(ana, 1) == 12.0, timeout=2_000)
        assert _stock(ana) == 45.0 and _stock(bob) == 45.0
        ana.document.undo_stack.undo()  # an undo is a change set too, and bob sees it
        qtbot.waitUntil(lambda: _stock(bob) != 45.0, timeout=2_000)
        assert _stock(bob) == _stock(ana) == _kept(workspace)
        assert ana.workspace is not None and "as postgres" in ana.workspace.title and ana.display_name == "eu"
    finally:
        ana.end()
        bob.end()


@pytest.mark.parametrize("answer", [Dialogs.KEEP_THEIRS, Dialogs.KEEP_MINE])
def test_a_conflict_shows_theirs_and_yours_and_the_buyer_keeps_either(qtbot: QtBot, workspace: str,
                                                                      answer: str) -> None:
    ana, _ = _session(qtbot, workspace, listen=False)
    bob, bob_dialogs = _session(qtbot, workspace, listen=False)  # not listening: bob has not seen ana's edit
    bob_dialogs.conflict_answer = answer
    _edit(ana, "45")
    _edit(bob, "10")
    assert len(bob_dialogs.conflicts) == 1
    assert "stock_days: 45.0" in bob_dialogs.conflicts[0] and "yours 10.0" in bob_dialogs.conflicts[0]
    expected = 45.0 if answer == Dialogs.KEEP_THEIRS else 10.0
    assert _stock(bob) == expected and _kept(workspace) == expected
    assert bob.workspace is not None and not bob.workspace.local
    qtbot.waitUntil(lambda: not bob.document.is_dirty, timeout=2_000)


def test_a_viewers_window_opens_read_only_and_says_why(qtbot: QtBot, workspace: str, pg_server: Server,
                                                      pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    other = pg_server.workspace(pg_database, "roles")
    init_workspace(other)
    open_store(other).save(demo_project(), None)
    store = open_store(other)
    assert isinstance(store, PostgresStore)
    viewer = f"vera_{secrets.token_hex(3)}"
    pg_server.execute(f"CREATE ROLE {viewer} LOGIN PASSWORD 'pw'; GRANT \"{role_names(store.address)['viewer']}\" "
                      f"TO {viewer}")
    monkeypatch.setenv("PGPASSWORD", "pw")
    session, _ = _session(qtbot, pg_server.workspace(pg_database, "roles", user=viewer), listen=False)
    refused: list[str] = []
    document = session.document
    document.refused.connect(refused.append)
    try:
        assert session.read_only and session.workspace is not None
        assert "may only read this workspace" in session.workspace.read_only_reason
        before = _stock(session)
        for model in document.models.values():  # nothing to edit, rather than an edit taken back
            assert not model.flags(model.index(0, 0)) & Qt.ItemFlag.ItemIsEditable
        model = document.models[TableName.PARTS]
        assert not model.setData(model.index(0, STOCK_DAYS), "77")
        document.paste(TableName.PARTS, [(0, "stock_days", "77")])
        document.add_rows(TableName.PARTS)
        assert _stock(session) == before and len(document.project.tables.parts) == len(demo_project().tables.parts)
        assert document.undo_stack.count() == 0 and not document.is_dirty
        assert refused and all("may only read this workspace" in text for text in refused)
        assert _kept(other) == before
    finally:
        session.end()
        from riskdesk.io.store import postgres

        for engine in postgres._ENGINES.values():
            engine.dispose()
        pg_server.execute(f"DROP OWNED BY {viewer}; DROP ROLE {viewer}", pg_database)


def test_edits_made_offline_are_kept_and_sent_when_the_server_is_back(qtbot: QtBot, workspace: str,
                                                                     pg_server: Server, pg_database: str,
                                                                     tmp_path: object) -> None:
    from pathlib import Path

    autosave = AutosaveSession(Path(str(tmp_path)) / "autosave")
    session, _ = _session(qtbot, workspace, listen=False, autosave=autosave)
    link = session.workspace
    assert link is not None
    pg_server.execute(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS false')
    pg_server.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{pg_database}'")
    try:
        _edit(session, "33")
        assert not link.online and "offline" in link.title and link.unsent == 1
        assert _stock(session) == 33.0  # the window keeps showing it
        assert link.outbox_path is not None and link.outbox_path.parent == autosave.folder
        outbox = json.loads(link.outbox_path.read_text())
        assert [c["text"] for c in outbox["changes"]] == [session.document.undo_stack.text(0)]
        _edit(session, "34", row=1)
        assert link.unsent == 2
    finally:
        pg_server.execute(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS true')
    link.sync()  # what the retry timer and the listener's reconnection do
    assert link.online and link.unsent == 0
    qtbot.waitUntil(lambda: not session.document.is_dirty, timeout=2_000)
    assert _kept(workspace) == 33.0 and _kept(workspace, 1) == 34.0
    assert not list(autosave.folder.glob("*.outbox.json"))
    session.end()
    autosave.end()


def _offline_edits(pg_server: Server, pg_database: str, session: Session, *edits: tuple[int, str]) -> None:
    """`edits` (row, stock days) made while the server turns every connection to the database away."""
    pg_server.execute(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS false')
    pg_server.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{pg_database}'")
    try:
        for row, stock_days in edits:
            _edit(session, stock_days, row)
        assert session.workspace is not None and not session.workspace.online
    finally:
        pg_server.execute(f'ALTER DATABASE "{pg_database}" ALLOW_CONNECTIONS true')


@pytest.mark.parametrize("answer", [Dialogs.KEEP_THEIRS, Dialogs.KEEP_MINE])
def test_edits_a_crash_left_unsent_are_sent_at_the_next_opening_and_a_conflict_is_asked(
        qtbot: QtBot, workspace: str, pg_server: Server, pg_database: str, tmp_path: Path, answer: str) -> None:
    folder = tmp_path / "autosave"
    crashed = AutosaveSession(folder)
    ana, _ = _session(qtbot, workspace, listen=False, autosave=crashed)
    _offline_edits(pg_server, pg_database, ana, (0, "33"), (1, "34"))
    ana.end()
    crashed.abandon()  # the window is gone without a word: its outbox stays
    bob, _ = _session(qtbot, workspace, listen=False)
    _edit(bob, "50", row=1)  # the same row as one of ana's: a conflict
    _edit(bob, "7", row=2)  # another row: kept as it is
    bob.end()
    dialogs = ScriptedDialogs()
    dialogs.conflict_answer = answer
    later = AutosaveSession(folder)
    again = Session(Document(runner=SynchronousRunner()), dialogs, autosave=later)
    again.open_workspace(workspace)
    try:
        assert again.workspace is not None
        assert len(dialogs.conflicts) == 1 and "stock_days: 50.0" in dialogs.conflicts[0], dialogs.conflicts
        assert "yours 34.0" in dialogs.conflicts[0]
        mine = answer == Dialogs.KEEP_MINE
        assert [_kept(workspace, row) for row in (0, 1, 2)] == [33.0, 34.0 if mine else 50.0, 7.0]
        assert [_stock(again, row) for row in (0, 1, 2)] == [_kept(workspace, row) for row in (0, 1, 2)]
        assert again.workspace.unsent == 0 and not list(folder.glob("*.outbox.json"))
        qtbot.waitUntil(lambda: not again.document.is_dirty, timeout=2_000)
    finally:
        again.end()
        later.end()


def test_the_unsent_edits_of_two_crashed_sessions_are_all_sent_at_the_next_opening(
        qtbot: QtBot, workspace: str, pg_server: Server, pg_database: str, tmp_path: Path) -> None:
    folder = tmp_path / "autosave"
    for rows in (((0, "33"), (1, "34")), ((2, "35"),)):  # two windows, each crashing with its own unsent edits
        crashed = AutosaveSession(folder)
        session, _ = _session(qtbot, workspace, listen=False, autosave=crashed)
        _offline_edits(pg_server, pg_database, session, *rows)
        session.end()
        crashed.abandon()
    assert len(list(folder.glob("*.outbox.json"))) == 2
    dialogs = ScriptedDialogs()
    later = AutosaveSession(folder)
    again = Session(Document(runner=SynchronousRunner()), dialogs, autosave=later)
    notices: list[str] = []
    again.noticed.connect(notices.append)
    again.open_workspace(workspace)
    try:
        assert again.workspace is not None and not dialogs.conflicts
        assert [_kept(workspace, row) for row in (0, 1, 2)] == [33.0, 34.0, 35.0]  # both sessions' edits, at once
        assert [_stock(again, row) for row in (0, 1, 2)] == [33.0, 34.0, 35.0]
        assert again.workspace.unsent == 0 and not list(folder.glob("*.outbox.json"))
        assert any("Sending 3 changes" in text and "by 2 sessions" in text for text in notices), notices
        qtbot.waitUntil(lambda: not again.document.is_dirty, timeout=2_000)
    finally:
        again.end()
        later.end()


def test_the_autosave_of_a_workspace_keeps_its_outbox_current_and_writes_no_copy(
        qtbot: QtBot, workspace: str, pg_server: Server, pg_database: str, tmp_path: Path) -> None:
    folder = tmp_path / "autosave"
    crashed = AutosaveSession(folder)
    session, _ = _session(qtbot, workspace, listen=False, autosave=crashed)
    _offline_edits(pg_server, pg_database, session, (0, "33"))
    assert session.document.is_dirty and session.autosaver is not None and session.workspace is not None
    outbox = session.workspace.outbox_path
    assert outbox is not None
    outbox.unlink()  # e.g. a disk that was full when the edit was made: the autosave writes it again
    session.autosaver.autosave_now()
    assert not crashed.project_path.exists() and not crashed.info_path.exists()  # no copy to take for the workspace
    assert [c["cells"][0]["new"] for c in json.loads(outbox.read_text(encoding="utf-8"))["changes"]] == [33.0]
    session.end()
    crashed.abandon()
    assert find_recovery(folder) is None  # nothing offered as "an unsaved project" after the crash
    later = AutosaveSession(folder)
    again = Session(Document(runner=SynchronousRunner()), ScriptedDialogs(), autosave=later)
    again.open_workspace(workspace)  # the outbox is what brings the edit back, once
    try:
        assert _kept(workspace) == 33.0 and not list(folder.glob("*.outbox.json"))
    finally:
        again.end()
        later.end()


@pytest.mark.parametrize("answer", [ScriptedDialogs.SEND_LATER, Dialogs.DISCARD, Dialogs.CANCEL])
def test_closing_with_unsent_edits_asks_to_send_now_later_or_discard_them(
        qtbot: QtBot, workspace: str, pg_server: Server, pg_database: str, tmp_path: Path, answer: str) -> None:
    autosave = AutosaveSession(tmp_path / "autosave")
    session, dialogs = _session(qtbot, workspace, listen=False, autosave=autosave)
    _offline_edits(pg_server, pg_database, session, (0, "33"))
    dialogs.unsent_answer = answer
    closed = session.ready_to_close(lambda: None)
    assert dialogs.asked[-1] == "unsent eu: 1"
    assert closed == (answer != Dialogs.CANCEL)
    assert bool(list(autosave.folder.glob("*.outbox.json"))) == (answer != Dialogs.DISCARD)
    session.end()
    autosave.end()  # a clean exit: what is to be sent later is still there
    if answer == ScriptedDialogs.SEND_LATER:
        later = AutosaveSession(tmp_path / "autosave")
        again = Session(Document(runner=SynchronousRunner()), ScriptedDialogs(), autosave=later)
        again.open_workspace(workspace)
        assert _kept(workspace) == 33.0 and _stock(again) == 33.0
        again.end()
        later.end()
    else:
        assert _kept(workspace) != 33.0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_connection_test_says_in_one_line_what_is_wrong(qtbot: QtBot, workspace: str, pg_server: Server,
                                                            pg_database: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    dialog = OpenWorkspaceDialog([workspace, "/home/ana/eu.rdproj"], SynchronousRunner(), check_connection)
    qtbot.addWidget(dialog)
    assert dialog.address.count() == 1  # recent workspaces, not files

    def tried(location: str) -> str:
        dialog.address.setEditText(location)
        dialog.test()
        text = dialog.result_label.text()
        assert "\n" not in text
        return text

    assert tried(workspace).startswith("Connected: workspace eu, revision 1")
    assert "you may change it" in tried(workspace)
    assert "cannot be reached" in tried(f"postgresql://ana@127.0.0.1:{_closed_port()}/x?workspace=eu")
    pg_server.execute("CREATE SCHEMA other; CREATE TABLE other.invoices (id int)", pg_database)
    assert "is not a RiskDesk workspace" in tried(pg_server.workspace(pg_database, "other"))
    user = f"ana_{secrets.token_hex(3)}"
    pg_server.execute(f"CREATE ROLE {user} LOGIN PASSWORD 'right'")
    try:
        monkeypatch.setenv("PGPASSWORD", "wrong")
        assert "refused the password" in tried(pg_server.workspace(pg_database, "eu", user=user))
    finally:
        pg_server.execute(f"DROP ROLE {user}")
    pg_server.execute("UPDATE eu.workspace SET value = '99' WHERE key = 'schema_version'", pg_database)
    from riskdesk.io.store import postgres

    postgres._ENGINES.clear()  # a fresh store looks at the schema again
    assert "newer RiskDesk" in tried(workspace)
    dialog.address.setEditText(workspace)
    assert dialog.location() == workspace


def test_the_start_up_never_talks_to_a_server_on_the_gui_thread() -> None:
    rows, title = first_rows(False, f"postgresql://ana@127.0.0.1:{_closed_port()}/x?workspace=eu")
    assert rows is None and title == "eu"


def test_keep_mine_makes_the_edit_again_on_their_values() -> None:
    from riskdesk.core.edits import CellChange, ChangeSet
    from riskdesk.ui.workspace import rebased

    project = demo_project()
    row_id = str(project.tables.parts["row_id"].iat[0])
    project.tables.parts.loc[0, "stock_days"] = 45.0  # theirs
    mine = ChangeSet("Edit", cells=(CellChange("parts", row_id, "stock_days", 20.0, 10.0),))
    again = rebased(mine, project)
    again.apply_to(project)
    assert project.tables.parts["stock_days"].iat[0] == 10.0 and again.cells[0].old == 45.0
    assert not math.isnan(again.cells[0].new)


class _WatchingRunner(SynchronousRunner):
    """Runs each task inline, as SynchronousRunner does, and says whether one is running (what a worker thread
    would run)."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False

    def start(self, fn: Callable[[TaskContext], Any], on_success: Callable[[Any], None],
              on_error: Callable[[BaseException], None], progress: ProgressCallback | None = None) -> TaskHandle:
        def watched(task: TaskContext) -> Any:
            self.inside = True
            try:
                return fn(task)
            finally:
                self.inside = False

        return super().start(watched, on_success, on_error, progress)


def test_a_whole_project_saved_by_another_client_is_read_again_through_the_runner(
        workspace: str, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = _WatchingRunner()
    session = Session(Document(runner=runner), ScriptedDialogs())
    session.adopt_workspace(open_workspace_store(workspace), listen=False)
    link = session.workspace
    assert link is not None
    reads: list[bool] = []
    read = link.store.read

    def watched_read() -> Any:
        reads.append(runner.inside)
        return read()

    monkeypatch.setattr(link.store, "read", watched_read)
    theirs = demo_project()
    theirs.tables.parts.loc[0, "stock_days"] = 99.0
    open_store(workspace).save(theirs, UNCHECKED)  # a whole save: no change set to make, the project is read again
    link.sync()  # what the listener's notice starts
    assert reads == [True]  # never on the GUI thread
    assert _stock(session) == 99.0 and link.revision.number == 2
    session.end()


def test_file_open_workspace_opens_it_in_the_window_whose_title_names_it_and_the_user(qtbot: QtBot,
                                                                                       workspace: str) -> None:
    from riskdesk.io import userdirs
    from riskdesk.ui.main_window import MainWindow

    dialogs = ScriptedDialogs()
    dialogs.workspace_answer = workspace
    window = MainWindow(Document(demo_project(), runner=SynchronousRunner()), SynchronousRunner(), dialogs,
                        dirs=userdirs.init())
    qtbot.addWidget(window)
    action = window.named_actions["open_workspace"]
    assert action in window.menuBar().actions()[0].menu().actions()  # type: ignore[union-attr]
    action.trigger()
    assert "open workspace" in dialogs.asked and not dialogs.errors
    session = window.session
    assert session is not None and session.workspace is not None
    title = window.windowTitle()
    assert title.startswith("eu") and "workspace on 127.0.0.1:" in title and "as postgres" in title, title
    assert window.document is not None and session.document is window.document
    _edit(session, "45")  # the window's tables edit the workspace: no Save
    assert _kept(workspace) == 45.0
    window.close()


def test_the_history_view_of_a_workspace_is_what_riskdesk_history_prints(
        qtbot: QtBot, workspace: str, capsys: pytest.CaptureFixture[str]) -> None:
    from riskdesk.io import userdirs
    from riskdesk.ui.main_window import MainWindow
    from tests.helpers.cli import run

    dialogs = ScriptedDialogs()
    dialogs.workspace_answer = workspace
    window = MainWindow(Document(demo_project(), runner=SynchronousRunner()), SynchronousRunner(), dialogs,
                        dirs=userdirs.init())
    qtbot.addWidget(window)
    window.named_actions["open_workspace"].trigger()
    session = window.session
    assert session is not None and session.workspace is not None
    _edit(session, "45")
    session.document.undo_stack.undo()
    session.document.undo_stack.redo()
    assert _kept(workspace) == 45.0
    code, out, err = run(capsys, "history", workspace, "--json")
    assert code == 0, err
    printed = json.loads(out)["entries"]
    window.named_actions["history"].trigger()
    dialog = window.history.dialog
    assert dialog is not None
    assert [entry.to_json() for entry in dialog.entries] == printed
    part = str(demo_project().tables.parts["part_number"].iat[0])
    assert [row[2:6] for row in dialog.rows()[:3]] == [
        ("postgres", "Redo Edit Stock days in Parts", "redo", part),
        ("postgres", "Undo Edit Stock days in Parts", "undo", part),
        ("postgres", "Edit Stock days in Parts", "cell edit", part)]
    assert dialog.rows()[0][0] == str(session.workspace.revision.number)
    window.export_report()  # the report's Inputs name the revision the window shows
    said = window.report_dialog.request().revision
    assert said == session.revision_text() == f"{session.workspace.revision.number} of the workspace eu"
    window.close()
