"""Project files: one SQLite database per project, schema-versioned, saved atomically.

A save writes a complete new database beside the target and renames it over the old file in one step, so a
crash or a full disk during a save leaves the previous file whole. Files from older RiskDesk versions are
migrated in memory on load (the file on disk is only rewritten when the user saves).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from riskdesk import __version__
from riskdesk.core.mitigations import MitigationError, Variant
from riskdesk.core.project import Project, ProjectSettings, ProjectTables
from riskdesk.core.scenarios import Scenario, ScenarioError
from riskdesk.io.project_schema import (
    APPLICATION_ID,
    NAMED_JSON_TABLES,
    REAL_COLUMNS,
    SCHEMA_VERSION,
    SUFFIX,
    TABLES,
    ProjectFileError,
    check_header,
    schema_version,
    select_rows,
)

__all__ = ["SUFFIX", "ProjectFileError", "load_project", "save_project"]

# Migrations: MIGRATIONS[n] upgrades a database at schema version n to n + 1. Add one per schema change,
# never edit a released one, and bump SCHEMA_VERSION (in riskdesk.io.project_schema).
def _add_dfars_and_general_licence(db: sqlite3.Connection) -> None:
    """Schema 1 → 2: the parts' own DFARS answer and the suppliers' Chinese general licence (blank = unknown)."""
    db.execute("ALTER TABLE parts ADD COLUMN dfars TEXT NOT NULL DEFAULT ''")
    db.execute("ALTER TABLE suppliers ADD COLUMN general_licence TEXT NOT NULL DEFAULT ''")


def _create_named_json_tables(db: sqlite3.Connection) -> None:
    for table in NAMED_JSON_TABLES:
        db.execute(f"CREATE TABLE {table} (row INTEGER PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL)")


def _add_scenarios_and_variants(db: sqlite3.Connection) -> None:
    """Schema 2 → 3: the user's price and supply scenarios and mitigation variants (none in an older file)."""
    _create_named_json_tables(db)


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_dfars_and_general_licence,
    2: _add_scenarios_and_variants,
}


def _create_schema(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for table, columns in TABLES.items():
        column_sql = ", ".join(f"{c} {'REAL' if c in REAL_COLUMNS else 'TEXT NOT NULL'}" for c in columns)
        db.execute(f"CREATE TABLE {table} (row INTEGER PRIMARY KEY, {column_sql})")
    db.execute("CREATE TABLE mappings (signature TEXT PRIMARY KEY, mapping TEXT NOT NULL)")
    _create_named_json_tables(db)


def save_project(project: Project, path: Path) -> None:
    """Write `project` to `path` atomically (the old file stays whole until the new one is complete)."""
    path = Path(path)
    directory = path.resolve().parent
    if not directory.is_dir():
        raise ProjectFileError(f"Cannot save {path}: the folder {directory} does not exist")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".saving", dir=directory)
    except OSError as exc:
        raise ProjectFileError(f"Cannot save {path}: {exc.strerror}. Choose a folder you can write to") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        db = sqlite3.connect(temp)
        try:
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            _create_schema(db)
            meta = {
                "application": "RiskDesk",
                "app_version": __version__,
                "schema_version": str(SCHEMA_VERSION),
                "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "created": project.created.isoformat(),
                "settings": json.dumps(project.settings.to_json()),
            }
            db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            for table, columns in TABLES.items():
                frame: pd.DataFrame = getattr(project.tables, table)
                rows = frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)
                placeholders = ", ".join("?" * len(columns))
                db.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
                    rows.itertuples(index=False, name=None),
                )
            db.executemany(
                "INSERT INTO mappings VALUES (?, ?)",
                ((sig, json.dumps(mapping)) for sig, mapping in project.saved_mappings.items()),
            )
            for table, items in (("scenarios", project.scenarios), ("variants", project.variants)):
                db.executemany(f"INSERT INTO {table} (name, data) VALUES (?, ?)",
                               ((item.name, json.dumps(item.to_json(), ensure_ascii=False)) for item in items))
            db.commit()
        finally:
            db.close()
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temp, path)
    except OSError as exc:
        raise ProjectFileError(f"Cannot save {path}: {exc.strerror or exc}. Your previous file is unchanged") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def load_project(path: Path) -> Project:
    """Read a project file, migrating older schemas in memory. Raises ProjectFileError with a clear message."""
    path = Path(path)
    check_header(path)
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        db = sqlite3.connect(":memory:")
        try:
            source.backup(db)
        finally:
            source.close()
        return _read(db, path)
    except sqlite3.DatabaseError as exc:
        raise ProjectFileError(f"{path} is damaged and cannot be read ({exc}). Open a backup or the autosave") \
            from None


def _read(db: sqlite3.Connection, path: Path) -> Project:
    version = schema_version(db, path)
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](db)
        version += 1
    meta = dict(db.execute("SELECT key, value FROM meta").fetchall())
    frames = {}
    for table, columns in TABLES.items():
        frames[table] = pd.DataFrame(select_rows(db, table), columns=list(columns))
    mappings = {sig: json.loads(text) for sig, text in db.execute("SELECT signature, mapping FROM mappings")}
    tables = ProjectTables.from_frames(frames["parts"], frames["suppliers"], frames["paths"], frames["composition"])
    created = dt.date.fromisoformat(meta.get("created", dt.date.today().isoformat()))
    settings = ProjectSettings.from_json(json.loads(meta.get("settings", "{}")))
    return Project(settings=settings, tables=tables, saved_mappings=mappings, created=created,
                   scenarios=_read_scenarios(db, path), variants=_read_variants(db, path))


def _named_json(db: sqlite3.Connection, table: str) -> list[tuple[str, object]]:
    return [(name, json.loads(text)) for name, text in db.execute(f"SELECT name, data FROM {table} ORDER BY row")]


def _read_scenarios(db: sqlite3.Connection, path: Path) -> list[Scenario]:
    result = []
    for name, data in _named_json(db, "scenarios"):
        try:
            result.append(Scenario.from_json(data))
        except ScenarioError as exc:
            raise ProjectFileError(f"{path}: scenario {name!r} cannot be read: {exc}") from None
    return result


def _read_variants(db: sqlite3.Connection, path: Path) -> list[Variant]:
    result = []
    for name, data in _named_json(db, "variants"):
        try:
            if not isinstance(data, dict):
                raise MitigationError("expected an object")
            result.append(Variant.from_json(data))
        except MitigationError as exc:
            raise ProjectFileError(f"{path}: variant {name!r} cannot be read: {exc}") from None
    return result
