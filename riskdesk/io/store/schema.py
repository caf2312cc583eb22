"""The layout of a project file (.rdproj: an SQLite database), and a quick reader of its rows as plain tuples.

`riskdesk.io.store.project_file` loads and saves whole projects with pandas. This module needs neither numpy nor
pandas, so that the window can show a project's rows while the data layer is still loading (`read_rows`).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

from riskdesk.core.domain import NUMBER_COLUMNS, STAGE_EVIDENCE_COLUMNS, STORED_COLUMNS
from riskdesk.core.fields import table_columns
from riskdesk.io.store.base import (
    APPLICATION_ID,
    SQLITE_HEADER,
    SUFFIX,
    ProjectFileError,
    ProjectInUseError,
    ProjectRows,
)

__all__ = ["APPLICATION_ID", "BUSY_TIMEOUT_S", "SCHEMA_VERSION", "SQLITE_HEADER", "SUFFIX", "TABLES",
           "ProjectFileError", "ProjectInUseError", "ProjectRows", "check_header", "read_rows", "schema_version",
           "select_rows"]

SCHEMA_VERSION = 8
ROWS_SCHEMA_VERSION = 2
"""The first schema whose parts, suppliers, paths and composition tables have today's columns but for those added
since with a blank default: `read_rows` reads files from this schema on without migrating them (schema 3 only
added the scenario and variant tables, schema 4 the row ids, which the first window does not show, schema 5 the
history, schema 6 the supply paths' feedstock, read as blank from older files, schema 7 the supplier
declarations, schema 8 each stage's own evidence, read as blank)."""
FEEDSTOCK_SCHEMA_VERSION = 6
"""The first schema whose supply paths have a feedstock column (mined / recycled; blank = mined)."""
STAGE_EVIDENCE_SCHEMA_VERSION = 8
"""The first schema whose supply paths have each stage's own evidence (`mine_evidence` …; blank = the path's)."""

TABLES: dict[str, tuple[str, ...]] = dict(STORED_COLUMNS)
"""Each table's stored columns: the row id (riskdesk.core.fields.ROW_ID), then the columns users see."""
SHOWN_COLUMNS: dict[str, tuple[str, ...]] = {table: table_columns(table, with_id=False) for table in TABLES}
"""The columns the first window shows (`read_rows`), which every schema from `ROWS_SCHEMA_VERSION` has."""
NAMED_JSON_TABLES: tuple[str, ...] = ("scenarios", "variants")
"""Tables of named JSON documents (row, name, data), in the user's order: price and supply scenarios in the
scenario-file shape (riskdesk.io.scenario_file) and mitigation variants (riskdesk.core.mitigations)."""
DECLARATIONS_TABLE = "declarations"
"""The supplier declarations asked for and read back (schema 7): one row per request (row, name = its request id,
data = its JSON with its answers; riskdesk.core.declarations.DeclarationRequest), in the order sent."""
HISTORY_SCHEMA_VERSION = 5
"""The first schema that keeps a history (`CHANGES_TABLE`)."""
CHANGES_TABLE = "changes"
"""The project's history: one row per save (revision, save id, who, when, what was done, and the change set as
JSON when the save committed one; riskdesk.io.store.base.CommittedChange)."""
REAL_COLUMNS = frozenset(NUMBER_COLUMNS)
"""Columns stored as REAL (NULL for blank); all others are TEXT NOT NULL."""


BUSY_TIMEOUT_S = 2.0
"""How long a read waits for a lock another program holds on a project file before saying it is in use."""


def check_header(path: Path) -> None:
    """Raise ProjectFileError unless `path` is an existing SQLite file (a regular file: a folder, a pipe or a
    device is refused before anything reads it, so nothing waits on a pipe)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ProjectFileError(f"{path} does not exist") from None
    except OSError as exc:
        raise ProjectFileError(f"{path} cannot be opened ({exc.strerror or exc}). Check the path and your "
                               "permissions") from None
    if stat.S_ISDIR(info.st_mode):
        raise ProjectFileError(f"{path} is a folder, not a RiskDesk project file ({SUFFIX})")
    if not stat.S_ISREG(info.st_mode):
        raise ProjectFileError(f"{path} is not a regular file (a pipe or a device): open a {SUFFIX} file")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise ProjectFileError(f"{path} cannot be opened ({exc.strerror or exc}). Check your permissions") \
            from None
    if header != SQLITE_HEADER:
        if path.suffix.lower() == SUFFIX:
            raise ProjectFileError(f"{path} is damaged: it no longer reads as a RiskDesk project. Open a backup or "
                                   "the autosave")
        raise ProjectFileError(f"{path} is not a RiskDesk project file (expected a {SUFFIX} file)")


def schema_version(db: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; raises ProjectFileError for other databases and for newer RiskDesk files."""
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    if application_id != APPLICATION_ID:
        raise ProjectFileError(f"{path} is an SQLite database but not a RiskDesk project")
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise ProjectFileError(
            f"{path} was saved by a newer RiskDesk (file schema {version}, this version reads up to "
            f"{SCHEMA_VERSION}). Update RiskDesk to open it"
        )
    return version


def select_rows(db: sqlite3.Connection, table: str, columns: tuple[str, ...] | None = None,
                blank: frozenset[str] = frozenset()) -> list[tuple[Any, ...]]:
    """A table's rows in their saved order, each a tuple in the order of `columns` (default `TABLES[table]`); the
    text columns in `blank` (added after an older file's schema, read unmigrated by `read_rows`) read as ""."""
    names = columns if columns is not None else TABLES[table]
    selected = [f"'' AS {n}" if n in blank else n for n in names]
    return db.execute(f"SELECT {', '.join(selected)} FROM {table} ORDER BY row").fetchall()


def _added_since(version: int) -> dict[str, frozenset[str]]:
    """Per table, the shown columns a file of schema `version` does not have yet (all text, blank by default)."""
    added: set[str] = set()
    if version < FEEDSTOCK_SCHEMA_VERSION:
        added.add("feedstock")
    if version < STAGE_EVIDENCE_SCHEMA_VERSION:
        added.update(STAGE_EVIDENCE_COLUMNS)
    return {"paths": frozenset(added)} if added else {}


def read_rows(path: Path, max_rows: int | None = None) -> ProjectRows:
    """The rows of a project file, read straight from disk. Raises ProjectFileError when the file cannot be read
    this way (missing, damaged, another database, a schema before `ROWS_SCHEMA_VERSION` whose rows need
    migrating, or more than `max_rows` rows in a table)."""
    path = Path(path)
    check_header(path)
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)) as db:
            version = schema_version(db, path)
            if version < ROWS_SCHEMA_VERSION:
                raise ProjectFileError(f"{path} has an older schema: load it with riskdesk.io.store.project_file")
            if max_rows is not None:
                for table in TABLES:
                    count = db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                    if count > max_rows:
                        raise ProjectFileError(f"{path} has {count:,} {table} rows, more than {max_rows:,}")
            meta = dict(db.execute("SELECT key, value FROM meta WHERE key = 'settings'").fetchall())
            settings = json.loads(meta.get("settings", "{}"))
            name = settings.get("name") if isinstance(settings, dict) else None
            return ProjectRows(name=name if isinstance(name, str) and name else path.stem,
                               tables={table: select_rows(db, table, SHOWN_COLUMNS[table],
                                                          _added_since(version).get(table, frozenset()))
                                       for table in TABLES})
    except (sqlite3.DatabaseError, ValueError, TypeError, RecursionError) as exc:
        raise ProjectFileError(f"{path} cannot be read ({exc})") from None
