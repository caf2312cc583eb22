"""What only a team workspace does, on a real PostgreSQL (tests/helpers/postgres.py): edits to other rows never
conflict, an edit to a row someone changed is refused whole naming theirs and yours, every commit is in the
history with who and when (in the same transaction) and announced with NOTIFY, roles, and one-line errors for a
server that cannot be reached, a refused password, a schema that is not a workspace and a newer workspace."""

from __future__ import annotations

import json
import math
import re

import psycopg
import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS
from riskdesk.core.edits import CellChange, ChangeSet, RowInsert, RowRemove, row_values
from riskdesk.io.store import Revision, StoreChangedError, StoreConflictError, StoreError, open_store
from riskdesk.io.store.postgres import SCHEMA_VERSION, Address, PostgresStore, channel, init_workspace, role_names
from tests.helpers.postgres import Server

pytestmark = pytest.mark.db


@pytest.fixture
def workspace(pg_server: Server, pg_database: str) -> str:
    return pg_server.workspace(pg_database, "eu")


@pytest.fixture
def pushed(workspace: str) -> tuple[PostgresStore, Revision]:
    store = open_store(workspace)
    assert isinstance(store, PostgresStore)
    return store, store.save(demo_project(), None, text="Push demo.rdproj")


def cell(store: PostgresStore, table: str, row: int, field: str, new: object, text: str = "Edit") -> ChangeSet:
    project, _ = store.read()
    frame = getattr(project.tables, table)
    return ChangeSet(text, cells=(CellChange(table, str(frame["row_id"].iat[row]), field, frame[field].iat[row],
                                             new),), source={"kind": "edit"})


def test_edits_to_other_rows_made_on_an_older_revision_are_both_kept(pushed: tuple[PostgresStore, Revision]) -> None:
    store, start = pushed
    first = store.commit(cell(store, "parts", 0, "description", "Alice's"), start)
    second = store.commit(cell(store, "parts", 1, "description", "Bob's"), start)  # Bob read before Alice's edit
    assert second.number == first.number + 1
    parts = store.read()[0].tables.parts
    assert list(parts["description"].iloc[:2]) == ["Alice's", "Bob's"]


def test_an_edit_to_a_row_someone_changed_is_refused_whole_naming_theirs_and_yours(
        pushed: tuple[PostgresStore, Revision]) -> None:
    store, start = pushed
    theirs = cell(store, "parts", 0, "stock_days", 45.0)
    mine = cell(store, "parts", 0, "stock_days", 10.0).then(cell(store, "parts", 2, "description", "also mine"))
    after = store.commit(theirs, start)
    with pytest.raises(StoreConflictError) as refused:
        store.commit(mine, start)
    conflict, = refused.value.conflicts
    part = demo_project().tables.parts["part_number"].iat[0]
    assert (conflict.row, conflict.field, conflict.theirs, conflict.yours) == (f"part {part}", "stock_days", 45.0,
                                                                               10.0)
    assert conflict.by == "postgres" and conflict.at == after.at
    assert isinstance(refused.value, StoreChangedError) and refused.value.on_store == after
    message = str(refused.value)
    assert f"part {part}, stock_days: 45.0 (postgres at {after.at}), yours 10.0" in message and "\n" not in message
    project, now = store.read()
    assert now == after and project.tables.parts["description"].iat[2] != "also mine"  # nothing of it was kept
    assert [e.text for e in store.changes_since(start)] == ["Edit"]


def test_a_row_someone_removed_is_a_conflict_and_a_stale_old_value_is_refused(
        pushed: tuple[PostgresStore, Revision]) -> None:
    store, start = pushed
    project, _ = store.read()
    paths = project.tables.paths
    gone = store.commit(ChangeSet("Remove a path", removes=(RowRemove("paths", 0, row_values(paths, 0)),)), start)
    late = ChangeSet("Late", cells=(CellChange("paths", str(paths["row_id"].iat[0]), "share_pct",
                                               paths["share_pct"].iat[0], 5.0),))
    with pytest.raises(StoreConflictError) as removed:
        store.commit(late, start)
    conflict, = removed.value.conflicts
    assert conflict.theirs is None and conflict.by == "postgres" and conflict.row.startswith("path ")
    assert f"{conflict.row}: removed by postgres at {gone.at}, yours share_pct 5.0" in str(removed.value)
    changed = store.commit(cell(store, "paths", 1, "share_pct", 1.0), gone)
    project_then = store.read()[0]  # someone changed that path; a remove made on the older revision conflicts
    late_remove = ChangeSet("Remove", removes=(RowRemove("paths", 1, row_values(paths, 2)),))
    assert project_then.tables.paths["row_id"].iat[1] == paths["row_id"].iat[2]
    with pytest.raises(StoreConflictError, match=re.escape(f"changed by postgres at {changed.at}, you removed it")):
        store.commit(late_remove, gone)
    gone = changed
    wrong_old = ChangeSet("Wrong old", cells=(CellChange("parts", str(project.tables.parts["row_id"].iat[0]),
                                                         "description", "not what it holds", "x"),))
    with pytest.raises(StoreError, match="cannot be made"):
        store.commit(wrong_old, gone)
    assert store.revision() == gone


def test_rows_put_in_between_keep_everyone_s_order(pushed: tuple[PostgresStore, Revision]) -> None:
    store, start = pushed
    project, _ = store.read()
    suppliers = project.tables.suppliers
    new = [{**{c: "" for c in suppliers.columns}, "row_id": f"new{i}", "supplier_id": f"SUP-N{i}"} for i in range(3)]
    changes = ChangeSet("Add suppliers", inserts=(RowInsert("suppliers", 1, new[0]), RowInsert("suppliers", 2, new[1]),
                                                  RowInsert("suppliers", len(suppliers) + 2, new[2])))
    store.commit(changes, start)
    expected = demo_project()
    changes.apply_to(expected)
    assert list(store.read()[0].tables.suppliers["supplier_id"]) == list(expected.tables.suppliers["supplier_id"])


def test_every_commit_is_in_the_history_with_who_when_and_values_before_and_after(
        pushed: tuple[PostgresStore, Revision], pg_server: Server, pg_database: str) -> None:
    store, start = pushed
    blank = cell(store, "parts", 0, "unit_price", math.nan)  # a blank number: null in the history, never NaN
    after = store.commit(blank, start)
    rows = pg_server.execute("SELECT revision, change_id, base_revision, by, text, source, change::text "
                             "FROM eu.history ORDER BY revision", pg_database)
    assert [(r[0], r[3], r[4]) for r in rows] == [(1, "postgres", "Push demo.rdproj"), (2, "postgres", "Edit")]
    revision, change_id, base, _, _, source, change_text = rows[1]
    assert (revision, change_id, base, source) == (after.number, blank.id, start.number, {"kind": "edit"})
    change = json.loads(change_text)
    assert change["cells"][0]["new"] is None and "NaN" not in change_text
    assert change["cells"][0]["old"] == demo_project().tables.parts["unit_price"].iat[0]
    assert math.isnan(store.read()[0].tables.parts["unit_price"].iat[0])


def test_a_commit_is_announced_to_listeners_when_it_is_made(pushed: tuple[PostgresStore, Revision],
                                                            pg_server: Server, pg_database: str) -> None:
    store, start = pushed
    with psycopg.connect(pg_server.url(pg_database), autocommit=True) as listener:
        listener.execute(f'LISTEN "{channel("eu")}"')
        after = store.commit(cell(store, "parts", 0, "description", "heard"), start)
        heard = list(listener.notifies(timeout=10, stop_after=1))
    assert len(heard) == 1 and heard[0].channel == channel("eu")
    payload = json.loads(heard[0].payload)
    assert payload == {"workspace": "eu", "revision": after.number, "by": "postgres", "text": "Edit",
                       "change_id": payload["change_id"]}


def test_a_schema_that_is_not_a_workspace_and_a_newer_workspace_are_refused(
        pushed: tuple[PostgresStore, Revision], pg_server: Server, pg_database: str) -> None:
    pg_server.execute("CREATE SCHEMA other; CREATE TABLE other.t (x int)", pg_database)
    with pytest.raises(StoreError, match="is not a RiskDesk workspace"):
        open_store(pg_server.workspace(pg_database, "other")).read()
    store, _ = pushed
    pg_server.execute(f"UPDATE eu.workspace SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'",
                      pg_database)
    with pytest.raises(StoreError, match=rf"newer RiskDesk \(workspace schema {SCHEMA_VERSION + 1}, this version reads "
                                         rf"up to {SCHEMA_VERSION}\)"):
        store.read()


def test_an_unreachable_server_and_a_refused_password_are_one_line_each(
        pg_server: Server, pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
        with pytest.raises(StoreError) as unreachable:
            open_store(f"postgresql://ana:s3cret@127.0.0.1:{closed}/x?workspace=eu").read()
    assert "cannot be reached" in str(unreachable.value) and "s3cret" not in str(unreachable.value)
    pg_server.execute("CREATE ROLE ana LOGIN PASSWORD 'right'")
    try:
        monkeypatch.setenv("PGPASSWORD", "wrong")
        with pytest.raises(StoreError) as refused:
            open_store(pg_server.workspace(pg_database, "eu", user="ana")).read()
        message = str(refused.value)
        assert "refused the password of ana" in message and "PGPASSWORD" in message and "\n" not in message
    finally:
        pg_server.execute("DROP ROLE ana")


def test_init_sets_up_roles_a_viewer_reads_and_may_not_write(
        workspace: str, pg_server: Server, pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    notes = init_workspace(workspace)
    store = open_store(workspace)
    assert isinstance(store, PostgresStore)
    roles = role_names(store.address)
    assert any("roles:" in note for note in notes)
    with pytest.raises(StoreError, match="already"):
        init_workspace(workspace)
    assert not store.exists()
    revision = store.save(demo_project(), None)
    pg_server.execute(f"CREATE ROLE vera LOGIN PASSWORD 'pw'; GRANT \"{roles['viewer']}\" TO vera; "
                      f"CREATE ROLE ed LOGIN PASSWORD 'pw'; GRANT \"{roles['editor']}\" TO ed")
    try:
        monkeypatch.setenv("PGPASSWORD", "pw")
        viewer = PostgresStore(Address.parse(pg_server.workspace(pg_database, "eu", user="vera")))
        _, read_at = viewer.read()
        assert read_at == revision
        with pytest.raises(StoreError, match=r"vera may only read this workspace.*ask its owner for the editor role"):
            viewer.commit(cell(viewer, "parts", 0, "description", "vera"), read_at)
        editor = PostgresStore(Address.parse(pg_server.workspace(pg_database, "eu", user="ed")))
        after = editor.commit(cell(editor, "parts", 0, "description", "ed"), read_at)
        assert after.by == "ed" and editor.read()[1] == after
        with psycopg.connect(pg_server.url(pg_database, "ed"), password="pw") as conn,  \
                pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM eu.history")  # the history is append-only for editors
    finally:
        pg_server.execute("DROP OWNED BY vera, ed; DROP ROLE vera; DROP ROLE ed")
        for role in roles.values():
            pg_server.execute(f'DROP OWNED BY "{role}"', pg_database)
            pg_server.execute(f'DROP ROLE "{role}"')


def test_a_schema_1_workspace_is_read_as_it_is_and_upgraded_only_by_a_user_who_may(
        workspace: str, pg_server: Server, pg_database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from riskdesk.core.evaluation import evaluate
    from riskdesk.core.fields import table_columns

    init_workspace(workspace)
    open_store(workspace).save(demo_project(), None)
    pg_server.make_schema_1(pg_database, "eu")
    roles = role_names(Address.parse(workspace))
    pg_server.execute(f"CREATE ROLE ed LOGIN PASSWORD 'pw'; GRANT \"{roles['editor']}\" TO ed")
    try:
        monkeypatch.setenv("PGPASSWORD", "pw")
        editor = PostgresStore(Address.parse(pg_server.workspace(pg_database, "eu", user="ed")))
        project, read_at = editor.read()  # read as it is: no stage has evidence of its own, no score moves
        assert (project.tables.paths[list(STAGE_EVIDENCE_COLUMNS)] == "").all().all()
        assert evaluate(project).scores.tolist() == evaluate(demo_project()).scores.tolist()
        at = table_columns("paths", with_id=False).index("magnet_evidence")
        assert {row[at] for row in editor.preview_rows().tables["paths"]} == {""}  # the first window's rows too
        with pytest.raises(StoreError, match=r"set up by an older RiskDesk \(workspace schema 1.*ed may not add "
                                             r"columns.*nothing was changed.*riskdesk workspace upgrade") as refused:
            editor.commit(cell(editor, "paths", 0, "magnet_evidence", "verified"), read_at)
        assert str(refused.value).endswith(f"run: riskdesk workspace upgrade {workspace}")  # as its creator types it
        assert editor.revision() == read_at
        owner = open_store(workspace)  # the user who set it up: its first write upgrades it
        after = owner.commit(cell(owner, "paths", 0, "origin_evidence", "verified"), read_at)
        assert pg_server.execute("SELECT value FROM eu.workspace WHERE key = 'schema_version'",
                                 pg_database) == [(str(SCHEMA_VERSION),)]
        again = editor.commit(cell(editor, "paths", 0, "magnet_evidence", "inferred"), after)
        paths = open_store(workspace).read()[0].tables.paths
        assert paths.loc[0, ["origin_evidence", "magnet_evidence"]].tolist() == ["verified", "inferred"]
        assert editor.read()[1] == again
    finally:
        pg_server.execute("DROP OWNED BY ed; DROP ROLE ed")
        for role in roles.values():
            pg_server.execute(f'DROP OWNED BY "{role}"', pg_database)
            pg_server.execute(f'DROP ROLE "{role}"')
