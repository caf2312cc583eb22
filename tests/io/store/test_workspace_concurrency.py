"""No lost update on a team workspace: 4 clients, each with its own connections, make 1,000 randomized cell edits in
all on a pushed demo project, each committed against the revision it read; a refused commit (someone changed the
row first) is retried after reading again. Like a window, each client reads the project once and then catches up
with what the others committed (`changes_since`, each change set applied to its copy, which checks every old
value), so that the test spends its time on the server and not on building tables. Afterwards every cell's
commits form one chain in the history (each starts from the value the one before it left) ending in the value the
workspace holds, and the history has one entry per successful commit. Runs in CI against the server the test
session starts."""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from riskdesk.core.demo import demo_project
from riskdesk.core.edits import CellChange, ChangeSet
from riskdesk.io.store import StoreConflictError, open_store
from tests.helpers.postgres import Server

pytestmark = pytest.mark.db

CLIENTS = 4
EDITS = 1_000
ROWS = 6
"""Edits go to the first few parts, so that clients often edit the same row at once."""
FIELDS = ("description", "stock_days", "unit_price")


@dataclass(frozen=True)
class Made:
    revision: int
    table: str
    row_id: str
    field: str
    old: object
    new: object


def _client(location: str, number: int, edits: int, made: list[Made], refused: list[int],
            lock: threading.Lock) -> None:
    store = open_store(location)
    rng = random.Random(number)
    project, revision = store.read()
    for edit in range(edits):
        row, field = rng.randrange(ROWS), rng.choice(FIELDS)
        new: object = f"client {number} edit {edit}" if field == "description" else float(number * 10_000 + edit)
        while True:
            for entry in store.changes_since(revision):  # read again: what the others committed meanwhile
                assert entry.changes is not None
                entry.changes.apply_to(project)
                revision = entry.revision
            parts = project.tables.parts
            old = parts[field].iat[row]
            row_id = str(parts["row_id"].iat[row])
            change = ChangeSet(f"Edit {field}", cells=(CellChange("parts", row_id, field, old, new),),
                               source={"kind": "edit", "client": number})
            try:
                after = store.commit(change, revision)
            except StoreConflictError:
                with lock:
                    refused.append(number)
                continue
            with lock:
                made.append(Made(after.number, "parts", row_id, field, old, new))
            break  # the next edit's catch-up brings this one in too


def test_four_clients_and_a_thousand_edits_lose_no_update(pg_server: Server, pg_database: str) -> None:
    location = pg_server.workspace(pg_database, "eu")
    start = open_store(location).save(demo_project(), None, text="Push")
    made: list[Made] = []
    refused: list[int] = []
    lock = threading.Lock()
    began = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        jobs = [pool.submit(_client, location, n, EDITS // CLIENTS, made, refused, lock) for n in range(CLIENTS)]
        for job in jobs:
            job.result()
    took = time.perf_counter() - began
    store = open_store(location)
    project, now = store.read()
    history = store.changes_since(start)
    assert len(made) == EDITS and now.number == start.number + EDITS
    assert len(history) == EDITS and sorted(m.revision for m in made) == [e.revision.number for e in history]
    assert refused, "the clients never edited a row at once: the test proved nothing"
    by_revision = {e.revision.number: e for e in history}
    for made_one in made:  # the history holds exactly what each client committed
        entry = by_revision[made_one.revision]
        assert entry.changes is not None
        cell, = entry.changes.cells
        assert (cell.row_id, cell.field, cell.new) == (made_one.row_id, made_one.field, made_one.new)
    parts = project.tables.parts
    initial = demo_project().tables.parts
    for row in range(ROWS):
        for field in FIELDS:
            row_id = str(parts["row_id"].iat[row])
            chain = sorted((m for m in made if m.row_id == row_id and m.field == field), key=lambda m: m.revision)
            value = initial[field].iat[row]
            for step in chain:  # each edit started from the value the one before it left: none was lost
                assert _same(step.old, value), (row, field, step)
                value = step.new
            assert _same(parts[field].iat[row], value), (row, field)
    print(f"{EDITS} edits by {CLIENTS} clients in {took:.1f} s, {len(refused)} conflicts retried")


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    return a == b
