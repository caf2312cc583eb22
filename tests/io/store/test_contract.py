"""What every project store must do, whatever keeps the project: read back what was saved, refuse to replace a
revision it was not told of, commit a change set in one step, say what changed since a revision, and let one writer
at a time hold the project.

Each test runs once per backend, as pandas' tests/io/test_sql.py runs each test over every connectable: the
`.rdproj` file, and the PostgreSQL workspace (riskdesk/io/store/postgres.py), marked `db`, in a fresh database of
the server the test session starts (tests/helpers/postgres.py). What only a file does (atomic rename, leftovers,
flock, lock files, file modes) is in test_rdproj_*.py beside this module; what only a workspace does (row-level
conflicts, notifications, roles) in test_postgres.py.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.edits import CellChange, ChangeSet, RowInsert, RowRemove, WholeChange, row_values
from riskdesk.core.project import Project
from riskdesk.io.store import (
    UNCHECKED,
    ProjectLockedError,
    ProjectStore,
    Revision,
    StoreChangedError,
    StoreConflictError,
    StoreError,
    open_store,
)
from tests.helpers.builders import project_with_everything

ROOT = Path(__file__).resolve().parents[3]

BACKENDS = ["rdproj", pytest.param("postgres", marks=pytest.mark.db)]
"""Every backend the contract runs over."""

Locations = Callable[[str], str]


@pytest.fixture(params=BACKENDS)
def new_location(request: pytest.FixtureRequest, tmp_path: Path) -> Locations:
    """Fresh, empty locations of the backend under test, by name."""
    if request.param == "rdproj":
        return lambda name: str(tmp_path / f"{name}.rdproj")
    if request.param == "postgres":
        server = request.getfixturevalue("pg_server")
        database = request.getfixturevalue("pg_database")
        return lambda name: server.workspace(database, name)
    raise AssertionError(f"no locations for the backend {request.param!r}")


@pytest.fixture
def store(new_location: Locations) -> ProjectStore:
    return open_store(new_location("eu-magnets"))


@pytest.fixture
def saved(store: ProjectStore) -> tuple[ProjectStore, Revision]:
    """The store holding the demo project, and the revision it was saved at."""
    return store, store.save(demo_project(), None)


def plain(project: Project) -> dict[str, Any]:
    """A project as plain data, field by field, to compare two projects (NaN as None)."""
    data: dict[str, Any] = {}
    for spec in dataclasses.fields(Project):
        value = getattr(project, spec.name)
        if spec.name == "tables":
            value = {name: (list(frame.columns), frame.astype(object).where(frame.notna(), None).values.tolist())
                     for name in ("parts", "suppliers", "paths", "composition")
                     for frame in [getattr(value, name)]}
        elif spec.name == "settings":
            value = value.to_json()
        elif spec.name in ("scenarios", "variants"):
            value = [item.to_json() for item in value]
        data[spec.name] = value
    return data


def an_edit(project: Project) -> ChangeSet:
    """One change set touching every kind of change: a cell, a row in, a row out, a whole (the scenarios)."""
    parts, suppliers, paths = project.tables.parts, project.tables.suppliers, project.tables.paths
    new_supplier = {column: "" for column in suppliers.columns}
    new_supplier.update(row_id="0123456789abcdef", supplier_id="SUP-NEW", supplier_name="New Magnets Ltd",
                        supplier_country="VN")
    last = len(paths) - 1
    scenario = project_with_everything().scenarios[0]
    return ChangeSet(
        "Edit by the contract test",
        inserts=(RowInsert("suppliers", len(suppliers), new_supplier),),
        cells=(CellChange("parts", str(parts["row_id"].iat[0]), "description", parts["description"].iat[0],
                          "changed in a commit"),),
        removes=(RowRemove("paths", last, row_values(paths, last)),),
        wholes=(WholeChange("scenarios", list(project.scenarios), [scenario]),),
        source={"kind": "test"},
    )


# ---- reading what was saved -----------------------------------------------------------------------------------

def test_a_new_store_holds_nothing_until_a_project_is_saved(store: ProjectStore) -> None:
    assert not store.exists() and store.revision() is None
    with pytest.raises(StoreError):
        store.read()


def test_what_was_saved_is_read_back_whole_with_its_revision(store: ProjectStore) -> None:
    project = project_with_everything()
    revision = store.save(project, None)
    again, read_at = store.read()
    assert plain(again) == plain(project)
    assert store.exists() and revision.number == 1 and revision.by and revision.at
    assert read_at == revision and store.revision() == revision
    assert revision.same_as(read_at) and Revision.from_json(revision.to_json()) == revision


def test_the_location_and_names_are_the_ones_given(new_location: Locations) -> None:
    location = new_location("eu-magnets")
    store = open_store(location)
    assert store.location == location and "eu-magnets" in store.name and store.project_name == "eu-magnets"


# ---- refusing what would lose someone's work ----------------------------------------------------------------------

def test_a_new_project_is_never_saved_over_one_that_is_there(saved: tuple[ProjectStore, Revision]) -> None:
    store, revision = saved
    with pytest.raises(StoreChangedError) as refused:
        store.save(Project(), None)
    assert refused.value.on_store.same_as(revision) and store.revision() == revision


def test_a_save_expecting_an_older_revision_is_refused_and_names_who_saved(
        saved: tuple[ProjectStore, Revision]) -> None:
    store, _ = saved
    mine, read_at = store.read()
    theirs, their_revision = open_store(store.location).read()
    theirs.tables.parts.loc[0, "description"] = "changed by a colleague"
    newer = open_store(store.location).save(theirs, their_revision)
    assert newer.number == read_at.number + 1 and not newer.same_as(read_at)
    with pytest.raises(StoreChangedError) as refused:
        store.save(mine, read_at)
    assert refused.value.on_store.same_as(newer) and newer.by in str(refused.value)
    assert "changed by another program" in str(refused.value)
    assert store.read()[0].tables.parts.loc[0, "description"] == "changed by a colleague"
    overwritten = store.save(mine, UNCHECKED)  # the user chose to overwrite
    assert overwritten.number == newer.number + 1 and plain(store.read()[0]) == plain(mine)


# ---- commits ------------------------------------------------------------------------------------------------------

def test_a_committed_change_set_is_read_back_and_kept_in_the_history(saved: tuple[ProjectStore, Revision]) -> None:
    store, before = saved
    project, _ = store.read()
    changes = an_edit(project)
    after = store.commit(changes, before)
    assert after.number == before.number + 1 and store.revision() == after
    expected = demo_project()
    changes.apply_to(expected)
    assert plain(store.read()[0]) == plain(expected)
    history = store.changes_since(before)
    assert [entry.revision.number for entry in history] == [after.number]
    assert history[-1].revision.same_as(after) and history[-1].text == "Edit by the contract test"
    assert history[-1].changes is not None and history[-1].changes.to_json() == changes.to_json()


def test_a_commit_against_an_older_revision_is_refused_whole(saved: tuple[ProjectStore, Revision]) -> None:
    store, start = saved
    project, _ = store.read()
    first = store.commit(an_edit(project), start)
    late = ChangeSet("A late edit", cells=(
        CellChange("parts", str(project.tables.parts["row_id"].iat[1]), "description",
                   project.tables.parts["description"].iat[1], "made on the old revision"),
        CellChange("parts", str(project.tables.parts["row_id"].iat[0]), "description",  # changed by `first`
                   project.tables.parts["description"].iat[0], "made on the old revision")))
    with pytest.raises(StoreChangedError) as refused:
        store.commit(late, start)
    assert refused.value.on_store.same_as(first) and store.revision() == first
    assert "made on the old revision" not in set(store.read()[0].tables.parts["description"])
    assert [entry.text for entry in store.changes_since(start)] == ["Edit by the contract test"]


def _cell(project: Project, row: int, field: str, new: object, text: str) -> ChangeSet:
    parts = project.tables.parts
    return ChangeSet(text, cells=(CellChange("parts", str(parts["row_id"].iat[row]), field, parts[field].iat[row],
                                             new),), source={"kind": "edit"})


def test_edits_to_different_fields_of_one_row_made_on_one_revision_are_both_kept(
        saved: tuple[ProjectStore, Revision]) -> None:
    store, start = saved
    project, _ = store.read()  # Alice and Bob both read this revision
    first = store.commit(_cell(project, 0, "stock_days", 45.0, "Alice's stock cover"), start)
    second = store.commit(_cell(project, 0, "description", "Bob's words", "Bob's description"), start)
    assert second.number == first.number + 1 and store.revision() == second
    parts = store.read()[0].tables.parts
    assert (parts["stock_days"].iat[0], parts["description"].iat[0]) == (45.0, "Bob's words")
    history = store.changes_since(start)
    assert [e.text for e in history] == ["Alice's stock cover", "Bob's description"]
    assert history[1].changes is not None and history[1].changes.cells[0].old == project.tables.parts[
        "description"].iat[0]


def test_an_edit_to_a_field_someone_changed_meanwhile_is_refused_whole_naming_theirs_and_yours(
        saved: tuple[ProjectStore, Revision]) -> None:
    store, start = saved
    project, _ = store.read()
    theirs = store.commit(_cell(project, 0, "stock_days", 45.0, "Their stock cover"), start)
    mine = _cell(project, 0, "stock_days", 10.0, "My edit").then(_cell(project, 2, "description", "also mine", ""))
    with pytest.raises(StoreConflictError) as refused:
        store.commit(mine, start)
    conflict, = refused.value.conflicts
    part = project.tables.parts["part_number"].iat[0]
    assert (conflict.row, conflict.field, conflict.theirs, conflict.yours) == (f"part {part}", "stock_days", 45.0,
                                                                               10.0)
    assert (conflict.by, conflict.at) == (theirs.by, theirs.at) and refused.value.on_store.same_as(theirs)
    assert f"part {part}, stock_days: 45.0 ({theirs.by} at {theirs.at}), yours 10.0" in str(refused.value)
    kept, now = store.read()
    assert now.same_as(theirs) and kept.tables.parts["description"].iat[2] != "also mine"
    assert [e.text for e in store.changes_since(start)] == ["Their stock cover"]


def test_rows_added_on_one_revision_by_two_clients_are_both_kept_in_order(
        saved: tuple[ProjectStore, Revision]) -> None:
    store, start = saved
    project, _ = store.read()
    suppliers = project.tables.suppliers

    def adding(supplier_id: str, row_id: str) -> ChangeSet:
        row = {column: "" for column in suppliers.columns}
        row.update(row_id=row_id, supplier_id=supplier_id, supplier_name=supplier_id, supplier_country="VN")
        return ChangeSet(f"Add {supplier_id}", inserts=(RowInsert("suppliers", len(suppliers), row),))

    store.commit(adding("SUP-ALICE", "a1a1a1a1a1a1a1a1"), start)
    store.commit(adding("SUP-BOB", "b2b2b2b2b2b2b2b2"), start)
    kept = list(store.read()[0].tables.suppliers["supplier_id"])
    assert kept[:len(suppliers)] == list(suppliers["supplier_id"])
    assert sorted(kept[len(suppliers):]) == ["SUP-ALICE", "SUP-BOB"]


def test_inserted_rows_come_back_as_committed_whatever_their_text_and_blank_numbers(
        saved: tuple[ProjectStore, Revision]) -> None:
    store, start = saved
    project, _ = store.read()
    parts = project.tables.parts
    awkward = ["tab\there", "two\nlines", "back\\slash", 'quote " and \'', "\\N", "", "naïve ½ 稀土"]
    inserts = []
    for i, text in enumerate(awkward):
        row = row_values(parts, 0)
        row.update(row_id=f"{i:016x}", part_number=f"NEW-{i}", description=text,
                   unit_price=float("nan") if i % 2 else 12.5)
        inserts.append(RowInsert("parts", len(parts) + i, row))
    store.commit(ChangeSet("Import awkward rows", inserts=tuple(inserts)), start)
    read = store.read()[0].tables.parts.set_index("part_number")
    for i, text in enumerate(awkward):
        assert read.loc[f"NEW-{i}", "description"] == text
        price = read.loc[f"NEW-{i}", "unit_price"]
        assert (price != price) if i % 2 else price == 12.5


def test_removing_a_row_someone_changed_meanwhile_is_a_conflict(saved: tuple[ProjectStore, Revision]) -> None:
    store, start = saved
    project, _ = store.read()
    paths = project.tables.paths
    theirs = store.commit(ChangeSet("Their share", cells=(CellChange(
        "paths", str(paths["row_id"].iat[0]), "share_pct", paths["share_pct"].iat[0], 5.0),)), start)
    with pytest.raises(StoreConflictError) as refused:
        store.commit(ChangeSet("Remove a path", removes=(RowRemove("paths", 0, row_values(paths, 0)),)), start)
    conflict, = refused.value.conflicts
    assert conflict.yours is None and conflict.by == theirs.by and conflict.row.startswith("path ")
    assert len(store.read()[0].tables.paths) == len(paths)


def test_a_commit_on_a_revision_before_a_whole_save_is_refused(saved: tuple[ProjectStore, Revision]) -> None:
    store, start = saved
    project, _ = store.read()
    replaced = project.copy()
    replaced.tables.parts.loc[1, "description"] = "replaced whole"
    whole = store.save(replaced, start, text="Import as a whole")
    with pytest.raises(StoreChangedError) as refused:
        store.commit(_cell(project, 0, "description", "made before the whole save", "Late"), start)
    assert refused.value.on_store.same_as(whole) and store.revision() == whole


def test_a_change_set_that_does_not_fit_the_project_is_refused_and_changes_nothing(
        saved: tuple[ProjectStore, Revision]) -> None:
    store, revision = saved
    stray = ChangeSet("Edit a row that is not there",
                      cells=(CellChange("parts", "no-such-row", "description", "", "x"),))
    with pytest.raises(StoreError, match="cannot be made"):
        store.commit(stray, revision)
    assert store.revision() == revision and store.changes_since(revision) == []


# ---- what changed since ------------------------------------------------------------------------------------------

def test_changes_since_lists_commits_and_whole_saves_in_order(saved: tuple[ProjectStore, Revision]) -> None:
    store, start = saved
    project, _ = store.read()
    edit = an_edit(project)
    first = store.commit(edit, start)
    project, _ = store.read()
    project.tables.parts.loc[0, "stock_days"] = 45.0
    second = store.save(project, first, text="Import bom.xlsx: 1 part")
    third = store.commit(ChangeSet("Rename the project", wholes=(WholeChange(
        "settings", project.settings, dataclasses.replace(project.settings, name="Renamed")),)), second)
    history = store.changes_since(start)
    assert [(e.revision.number, e.text) for e in history] == [
        (first.number, "Edit by the contract test"), (second.number, "Import bom.xlsx: 1 part"),
        (third.number, "Rename the project")]
    assert history[0].changes is not None and history[1].changes is None  # a whole save: read it again
    assert history[2].changes is not None and history[2].changes.wholes[0].new.name == "Renamed"
    assert history[-1].revision == store.revision()
    assert [e.revision.number for e in store.changes_since(first)] == [second.number, third.number]
    assert store.changes_since(third) == []


# ---- one writer at a time ---------------------------------------------------------------------------------------

def test_one_writer_at_a_time_and_the_next_once_it_lets_go(saved: tuple[ProjectStore, Revision]) -> None:
    store, _ = saved
    lease = store.lease()
    try:
        assert lease.held and lease.unavailable is None
        with pytest.raises(ProjectLockedError) as refused:
            open_store(store.location).lease()
        assert "is in use by" in str(refused.value) and refused.value.holder is not None
    finally:
        lease.release()
    lease.release()  # twice is harmless
    assert not lease.held
    again = open_store(store.location).lease()
    assert again.held
    again.release()


# ---- the first window's preview -----------------------------------------------------------------------------------

def test_the_preview_gives_the_rows_without_numpy_or_pandas(saved: tuple[ProjectStore, Revision]) -> None:
    store, _ = saved
    code = ("import sys\n"
            "from riskdesk.io.store import open_store\n"
            f"rows = open_store({store.location!r}).preview_rows(5000)\n"
            "print(rows.name, len(rows.tables['parts']), len(rows.tables['paths']))\n"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'pandas'))))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    demo = demo_project()
    assert out.stdout.splitlines() == [f"{demo.settings.name} {len(demo.tables.parts)} {len(demo.tables.paths)}",
                                       ""]


def test_a_preview_of_more_rows_than_asked_for_is_refused(saved: tuple[ProjectStore, Revision]) -> None:
    store, _ = saved
    with pytest.raises(StoreError, match="more than 3"):
        store.preview_rows(3)


# ---- choosing the backend -----------------------------------------------------------------------------------------

def test_a_path_or_a_name_ending_in_rdproj_is_a_project_file(tmp_path: Path) -> None:
    for location in (tmp_path / "p.rdproj", str(tmp_path / "p.rdproj"), "relative/p.rdproj", "no-suffix"):
        store = open_store(location)
        assert store.path == Path(location) and store.location == str(Path(location))


@pytest.mark.parametrize("location", ["postgresql://ana:s3cret@db.example/riskdesk?workspace=eu",
                                      "postgres://ana:s3cret@db.example:5432/riskdesk?workspace=eu"])
def test_a_workspace_address_opens_a_workspace_and_never_shows_the_password(location: str) -> None:
    store = open_store(location)  # nothing is read yet: no server is asked
    assert store.name == "eu" and store.project_name == "eu" and store.path is None
    assert "s3cret" not in store.location and "ana@db.example" in store.location


@pytest.mark.parametrize("location", ["postgresql://ana:s3cret@db.example/riskdesk",
                                      "postgresql://ana:s3cret@db.example/riskdesk?workspace=Bad Name",
                                      "postgresql://ana:s3cret@db.example?workspace=eu"])
def test_an_address_without_a_proper_workspace_is_one_clear_message(location: str) -> None:
    with pytest.raises(StoreError) as refused:
        open_store(location)
    message = str(refused.value)
    assert "s3cret" not in message and "ana@db.example" in message and "\n" not in message
    assert "workspace" in message


def test_an_address_of_another_kind_is_refused_saying_what_works() -> None:
    with pytest.raises(StoreError, match=r"cannot keep projects at ftp:// addresses.*\.rdproj.*postgresql://") as e:
        open_store("ftp://ana:s3cret@files.example/p.rdproj")
    assert "s3cret" not in str(e.value)


def test_a_revision_reads_back_from_json_and_anything_else_is_none() -> None:
    revision = Revision(7, "ana on WS-07", "2026-12-05T14:05:09+00:00", "abc/1/2")
    assert Revision.from_json(revision.to_json()) == revision
    for data in (None, [], {"number": "7"}, {"number": True}, {"number": 7, "by": 3}):
        assert Revision.from_json(data) is None
    assert revision.same_as(Revision(7, token="abc/1/2")) and not revision.same_as(Revision(7, token="abc/1/3"))
