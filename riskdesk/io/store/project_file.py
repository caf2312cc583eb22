"""Project files: one SQLite database per project, schema-versioned, saved atomically, never overwritten blind.

A save writes a complete new database beside the target and renames it over the old file in one step, then
syncs the folder, so a crash or a full disk during a save leaves the previous file whole; the new file keeps the
old one's permissions, and a symlinked project stays a symlink (its target is replaced). Temporary files that an
interrupted save left behind are swept by the next save or open (`sweep_leftovers`).

Every save stores a revision (a counter, a random save id, who saved and when). `read_project` returns the
project with the `FileState` it was read in; `save_project(…, expected=state)` refuses with
`ProjectChangedError` to replace a file that changed on disk since (another program saved it meanwhile), so that
nothing is lost silently: the caller asks the user to reload, save under another name or overwrite. Every save
also adds an entry to the file's history (the `changes` table: revision, who, when, what, and the change set when
it was a commit), keeping the entries of the file it replaces (`read_history`).

This is the `.rdproj` backend of `riskdesk.io.store` (`riskdesk.io.store.rdproj` puts it behind the
`ProjectStore` protocol); callers outside `riskdesk.io.store` use that, not this module.

Reading never waits without limit: a file another program holds locked for writing is refused after
`BUSY_TIMEOUT_S` with `ProjectInUseError`. Whatever is wrong with a file — not a project, damaged, wrong types
in it, a newer schema — is one `ProjectFileError` with what to do, never a traceback. Files from older RiskDesk
versions are migrated in memory on load (the file on disk is only rewritten when the user saves).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import os
import re
import secrets
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from riskdesk import __version__
from riskdesk.core.declarations import DeclarationRequest, Declarations
from riskdesk.core.domain import ROW_ID, STAGE_EVIDENCE_COLUMNS
from riskdesk.core.mitigations import Variant
from riskdesk.core.project import Project, ProjectSettings, ProjectTables
from riskdesk.core.scenarios import Scenario
from riskdesk.io.store.base import (
    UNCHECKED,
    Expected,
    ProjectChangedError,
    ProjectFileError,
    ProjectInUseError,
    Revision,
)
from riskdesk.io.store.owner import Owner, host_name, process_alive
from riskdesk.io.store.schema import (
    APPLICATION_ID,
    BUSY_TIMEOUT_S,
    CHANGES_TABLE,
    DECLARATIONS_TABLE,
    HISTORY_SCHEMA_VERSION,
    NAMED_JSON_TABLES,
    REAL_COLUMNS,
    SCHEMA_VERSION,
    SUFFIX,
    TABLES,
    check_header,
    schema_version,
    select_rows,
)

if TYPE_CHECKING:
    from riskdesk.core.edits import ChangeSet

__all__ = ["SUFFIX", "UNCHECKED", "FileState", "HistoryEntry", "ProjectChangedError", "ProjectFileError",
           "ProjectInUseError", "file_state", "load_project", "read_history", "read_project", "save_project",
           "sweep_folder", "sweep_leftovers"]

log = logging.getLogger(__name__)

LEFTOVER_MAX_AGE_S = 24 * 3600
"""A temporary file of a save made on another computer (whose process cannot be checked) is swept this long
after it was last written; one made here is swept as soon as its process is gone."""
_SAVING = ".saving"
_DAMAGED_HINT = "Open a backup or the autosave"


@dataclass(frozen=True, slots=True)
class FileState:
    """What a project file on disk was when it was read or written: its revision and its size and time."""

    revision: int
    """Counts the saves of this project (0 for a file from before revisions were stored)."""
    save_id: str
    """Random per save: two saves of the same revision by two programs still differ."""
    size: int
    mtime_ns: int
    saved_by: str = ""
    saved_at: str = ""

    def same_file(self, other: FileState) -> bool:
        """Whether `other` is the same save of the file (so replacing it loses nothing read since)."""
        return (self.revision, self.save_id, self.size, self.mtime_ns) == (
            other.revision, other.save_id, other.size, other.mtime_ns)

    def as_revision(self) -> Revision:
        """The store's neutral revision of this state: its token is the save id, size and time."""
        return Revision(self.revision, self.saved_by, self.saved_at, f"{self.save_id}/{self.size}/{self.mtime_ns}")

    @classmethod
    def from_revision(cls, revision: Revision) -> FileState:
        """The state `as_revision` described (a token that is not one gives a state no file is in: a save
        expecting it refuses rather than overwrite)."""
        save_id, _, rest = revision.token.partition("/")
        size, _, mtime = rest.partition("/")
        try:
            return cls(revision.number, save_id, int(size), int(mtime), revision.by, revision.at)
        except ValueError:
            return cls(revision.number, save_id, -1, -1, revision.by, revision.at)


# Migrations: MIGRATIONS[n] upgrades a database at schema version n to n + 1. Add one per schema change,
# never edit a released one, and bump SCHEMA_VERSION (in riskdesk.io.store.schema).
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


def _add_row_ids(db: sqlite3.Connection) -> None:
    """Schema 3 → 4: every row of the four tables gets its id (riskdesk.core.fields.ROW_ID), kept from now on."""
    for table in TABLES:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {ROW_ID} TEXT NOT NULL DEFAULT ''")
        db.execute(f"UPDATE {table} SET {ROW_ID} = lower(hex(randomblob(8)))")


def _create_history(db: sqlite3.Connection) -> None:
    """Schema 4 → 5: the project's history (one entry per save from now on; an older file has none)."""
    db.execute(f"CREATE TABLE {CHANGES_TABLE} (revision INTEGER PRIMARY KEY, save_id TEXT NOT NULL, "
               "saved_by TEXT NOT NULL, saved_at TEXT NOT NULL, text TEXT NOT NULL, change TEXT)")


def _add_feedstock(db: sqlite3.Connection) -> None:
    """Schema 5 → 6: the supply paths' feedstock (mined / recycled); blank in an older file, which means mined."""
    db.execute("ALTER TABLE paths ADD COLUMN feedstock TEXT NOT NULL DEFAULT ''")


def _create_declarations(db: sqlite3.Connection) -> None:
    """Schema 6 → 7: the supplier declarations asked for and read back (none in an older file)."""
    db.execute(f"CREATE TABLE {DECLARATIONS_TABLE} (row INTEGER PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL)")


def _add_stage_evidence(db: sqlite3.Connection) -> None:
    """Schema 7 → 8: how each stage's country is known where it differs from the path's evidence; blank in an older
    file, which means as the path's evidence (so its scores do not move)."""
    for column in STAGE_EVIDENCE_COLUMNS:
        db.execute(f"ALTER TABLE paths ADD COLUMN {column} TEXT NOT NULL DEFAULT ''")


MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: _add_dfars_and_general_licence,
    2: _add_scenarios_and_variants,
    3: _add_row_ids,
    4: _create_history,
    5: _add_feedstock,
    6: _create_declarations,
    7: _add_stage_evidence,
}


def _create_schema(db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    for table, columns in TABLES.items():
        column_sql = ", ".join(f"{c} {'REAL' if c in REAL_COLUMNS else 'TEXT NOT NULL'}" for c in columns)
        db.execute(f"CREATE TABLE {table} (row INTEGER PRIMARY KEY, {column_sql})")
    db.execute("CREATE TABLE mappings (signature TEXT PRIMARY KEY, mapping TEXT NOT NULL)")
    _create_named_json_tables(db)
    _create_history(db)
    _create_declarations(db)


# ---- state on disk ----------------------------------------------------------------------------------------------

def file_state(path: Path) -> FileState | None:
    """The file's revision, size and time now; None when there is no file. Raises ProjectFileError when it
    cannot be read (not a project, damaged, in use)."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ProjectFileError(f"{path} cannot be read ({exc.strerror or exc}). Check the path and your "
                               "permissions") from None
    if not stat.S_ISREG(info.st_mode):
        check_header(path)  # says what it is instead
    meta: dict[str, str] = {}
    try:
        with contextlib.closing(_connect_read_only(path)) as db:
            meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN "
                                   "('revision', 'save_id', 'saved_by', 'saved_at')").fetchall())
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):  # a file without a meta table has no revision: compared by size and time
            raise _read_error(path, exc) from None
    except sqlite3.DatabaseError as exc:
        raise _read_error(path, exc) from None
    return _state(meta, path.stat())


def _state(meta: dict[str, Any], info: os.stat_result) -> FileState:
    try:
        revision = int(meta.get("revision", 0))
    except (TypeError, ValueError):
        revision = 0
    return FileState(revision, str(meta.get("save_id", "")), info.st_size, info.st_mtime_ns,
                     str(meta.get("saved_by", "")), str(meta.get("saved_at", "")))


# ---- save ---------------------------------------------------------------------------------------------------------

def save_project(project: Project, path: Path, expected: FileState | Expected = UNCHECKED,
                 revision: int | None = None, *, text: str = "",
                 change: ChangeSet | Sequence[ChangeSet] | None = None) -> FileState:
    """Write `project` to `path` atomically and return the new file's state.

    `expected`: the state the file was read in (from `read_project` or an earlier save), or None for a project
    that has no file yet; when the file on disk is no longer that, nothing is written and ProjectChangedError is
    raised. UNCHECKED (the default) replaces whatever is there. `revision`: the revision the project was read at
    (default: `expected`'s); the file gets the next one. `text` and `change`: what the save did, for the file's
    history (`change`: the change set it committed, its text the entry's; several: the change sets that made
    `project` from the revision read, in order, each an entry and a revision of its own, the file at the last).
    Raises ProjectFileError with what to do; the previous file is then unchanged."""
    if isinstance(expected, Revision):
        expected = FileState.from_revision(expected)
    path = Path(path)
    target = _real_target(path)
    directory = target.parent
    if not directory.is_dir():
        raise ProjectFileError(f"Cannot save {path}: the folder {directory} does not exist")
    if target.is_dir():
        raise ProjectFileError(f"Cannot save {path}: it is a folder. Choose a file name")
    _refuse_write_protected(path, target)
    if expected is not UNCHECKED:
        _check_unchanged(path, target, expected)  # early, before the work of writing; again when replacing
    if revision is None:
        revision = expected.revision if isinstance(expected, FileState) else _current_revision(target)
    made = () if change is None else tuple(change) if isinstance(change, list | tuple) else (change,)
    made_json = [json.dumps(c.to_json(), ensure_ascii=False) for c in made]
    sweep_leftovers(target)
    mode = _mode_for(target)
    try:
        temp = _temporary(target)
    except OSError as exc:
        raise ProjectFileError(f"Cannot save {path}: {exc.strerror}. Choose a folder you can write to") from None
    owner = Owner.current()
    meta = {
        "application": "RiskDesk",
        "app_version": __version__,
        "schema_version": str(SCHEMA_VERSION),
        "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "saved_by": f"{owner.user} on {owner.host}" if owner.user else owner.host,
        "revision": str(revision + max(len(made), 1)),
        "save_id": secrets.token_hex(8),
        "created": project.created.isoformat(),
        "settings": json.dumps(project.settings.to_json(), allow_nan=False),
        **_control_list_meta(),
    }
    entries = [HistoryEntry(revision + 1 + i, secrets.token_hex(8) if i < len(made) - 1 else meta["save_id"],
                            meta["saved_by"], meta["saved_at"], c.text, made_json[i]) for i, c in enumerate(made)]
    entries = entries or [HistoryEntry(revision + 1, meta["save_id"], meta["saved_by"], meta["saved_at"],
                                       text or "Saved", None)]
    try:
        _write_database(project, temp, meta, [*_kept_history(target, revision + 1), *entries])
        with open(temp, "rb+") as written:
            os.fsync(written.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        with _replacing(target):  # the check and the rename are one step for every RiskDesk that saves here
            if expected is not UNCHECKED:
                _check_unchanged(path, target, expected)
            _put_in_place(temp, target, create=expected is None)
        _sync_folder(directory)
    except (OSError, sqlite3.Error, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        if isinstance(exc, sqlite3.Error) and "full" in reason.lower():
            reason = "the disk is full"
        raise ProjectFileError(f"Cannot save {path}: {reason}. Your previous file is unchanged; free some space "
                               "or save under another name") from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()
    return _state(meta, target.stat())


def _refuse_write_protected(path: Path, target: Path) -> None:
    """A project file its owner made read-only (chmod a-w, Windows' read-only attribute) is not replaced behind
    their back, as the report refuses a read-only target. (A file of another member of a shared folder, writable
    by its owner only, is replaced as the folder allows: that is how a team shares a folder.)"""
    try:
        mode = target.stat().st_mode
    except OSError:
        return
    if not mode & stat.S_IWUSR:
        raise ProjectFileError(f"Cannot save {path}: the file is read-only (write-protected). Your changes are not "
                               "saved yet: save under another name, or make the file writable and save again")


def _check_unchanged(path: Path, target: Path, expected: FileState | None) -> None:
    """ProjectChangedError when the file is no longer the one read (`expected`; None: there must be no file)."""
    on_disk = file_state(target)
    if on_disk is not None and (expected is None or not on_disk.same_file(expected)):
        raise ProjectChangedError(path, on_disk.as_revision())


def _put_in_place(temp: Path, target: Path, create: bool) -> None:
    """Move the written file over `target` in one step. `create`: there must be no file, and a file another saver
    created meanwhile is never replaced (a hard link fails when the name exists, where a rename would not)."""
    if create:
        try:
            os.link(temp, target)
        except FileExistsError:
            raise _changed_meanwhile(target) from None
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS):
                raise
            if target.exists():  # a drive without hard links: the guard of `_replacing` holds the check
                raise _changed_meanwhile(target) from None
            os.replace(temp, target)
        else:
            temp.unlink()
        return
    os.replace(temp, target)


def _changed_meanwhile(target: Path) -> ProjectChangedError:
    """A new project's file that another saver created meanwhile."""
    return ProjectChangedError(target, (file_state(target) or FileState(0, "", 0, 0)).as_revision())


SAVE_WAIT_S = 10.0
"""How long a save waits for another save of the same file to finish its check and rename (a few milliseconds
each), before it gives up with a message."""


@contextlib.contextmanager
def _replacing(target: Path) -> Iterator[None]:
    """Hold the right to replace `target` while the block checks its revision and renames over it, so that two
    savers never both pass the check (the lock beside the project may be unavailable, or not taken by a program
    that saves anyway). On POSIX an exclusive flock on the file being replaced, taken again if the file was
    replaced while waiting; where there is no file yet, where the drive cannot lock files, and on Windows, a
    marker file created exclusively beside it (`_SaveMarker`)."""
    deadline = time.monotonic() + SAVE_WAIT_S
    while sys.platform != "win32":
        try:
            fd = os.open(target, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            break
        try:
            locked = _flock(fd, deadline, target)
            if locked and not os.path.samestat(os.fstat(fd), os.stat(target)):
                continue  # replaced while we waited: lock the file that is there now
            if locked:
                yield
                return
        finally:
            os.close(fd)
        break
    with _SaveMarker(target, deadline):
        yield


def _flock(fd: int, deadline: float, target: Path) -> bool:
    """Take an exclusive flock on `fd`, waiting up to the deadline; False when the drive cannot lock files."""
    import fcntl

    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise _busy(target) from None
            time.sleep(0.005)
        except OSError as exc:
            if exc.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                return False
            raise


def _busy(target: Path) -> ProjectFileError:
    return ProjectFileError(f"Cannot save {target}: another program has been saving it for more than "
                            f"{SAVE_WAIT_S:g} s. Your previous file is unchanged; try again in a moment")


class _SaveMarker:
    """The replacement guard where files cannot be locked: `.~NAME.replacing` created exclusively (O_EXCL works on
    every drive) with who holds it, removed at the end. A marker of a process that is gone (this computer), or
    older than a minute (another computer), is a leftover and removed."""

    STALE_S = 60.0

    def __init__(self, target: Path, deadline: float) -> None:
        self.path = target.with_name(f".~{target.name}.replacing")
        self.target = target
        self.deadline = deadline
        self.fd: int | None = None

    def __enter__(self) -> _SaveMarker:
        while True:
            try:
                self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                                  0o600)
            except FileExistsError:
                if self._remove_if_left_over():
                    continue
                if time.monotonic() > self.deadline:
                    raise _busy(self.target) from None
                time.sleep(0.005)
                continue
            with contextlib.suppress(OSError):
                os.write(self.fd, json.dumps(Owner.current().to_json()).encode("utf-8"))
            return self

    def _remove_if_left_over(self) -> bool:
        try:
            age = time.time() - self.path.lstat().st_mtime
            holder = Owner.from_json(json.loads(self.path.read_bytes()[:4096] or b"null"))
        except FileNotFoundError:
            return True
        except (OSError, ValueError, RecursionError):
            holder = None
            age = 0.0
        if (holder is not None and holder.here and not holder.alive) or age > self.STALE_S:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return True
        return False

    def __exit__(self, *exc_info: object) -> None:
        if self.fd is not None:
            os.close(self.fd)
            with contextlib.suppress(OSError):
                self.path.unlink()


def _control_list_meta() -> dict[str, str]:
    """The control list this RiskDesk scores with (version and SHA-256 of its file), recorded with each save."""
    from riskdesk.core.datafile import DataFileError
    from riskdesk.core.rules import default_control_list

    try:
        rules = default_control_list()
    except DataFileError:  # a broken installation still saves the buyer's work
        return {}
    return {"rules_version": rules.version, "rules_sha256": rules.sha256}


def _write_database(project: Project, temp: Path, meta: dict[str, str], history: list[HistoryEntry]) -> None:
    db = sqlite3.connect(temp)
    try:
        db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
        _create_schema(db)
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
        db.executemany(f"INSERT INTO {DECLARATIONS_TABLE} (name, data) VALUES (?, ?)",
                       ((item.request_id, json.dumps(item.to_json(), ensure_ascii=False))
                        for item in project.declarations.requests))
        db.executemany(f"INSERT INTO {CHANGES_TABLE} VALUES (?, ?, ?, ?, ?, ?)", history)
        db.commit()
    finally:
        db.close()


# ---- history ------------------------------------------------------------------------------------------------------

class HistoryEntry(NamedTuple):
    """One save of a project file, as its `changes` table keeps it."""

    revision: int
    save_id: str
    saved_by: str
    saved_at: str
    text: str
    change: str | None
    """The change set a commit made, as JSON (riskdesk.core.edits.ChangeSet.to_json); None for a whole save."""


HISTORY_COLUMNS = "revision, save_id, saved_by, saved_at, text, change"


def _kept_history(target: Path, below: int) -> list[HistoryEntry]:
    """The history of the file a save replaces, to keep in the new one (entries before revision `below`). A file
    without one (none yet, an older schema, not RiskDesk's, damaged) gives none: a save never fails for want of
    the old history."""
    try:
        if not target.is_file():
            return []
        with contextlib.closing(_connect_read_only(target)) as db:
            if schema_version(db, target) < HISTORY_SCHEMA_VERSION:
                return []
            rows = db.execute(f"SELECT {HISTORY_COLUMNS} FROM {CHANGES_TABLE} WHERE revision < ? ORDER BY revision",
                              (below,)).fetchall()
    except (ProjectFileError, sqlite3.Error, OSError) as exc:
        log.info("the history of %s is not kept: %s", target, exc)
        return []
    return [entry for entry in map(_history_entry, rows) if entry is not None]


def _history_entry(row: tuple[Any, ...]) -> HistoryEntry | None:
    """A row of the `changes` table, or None when it is not one (damaged: left out rather than copied)."""
    revision, save_id, saved_by, saved_at, text, change = row
    if isinstance(revision, bool) or not isinstance(revision, int):
        return None
    if not all(isinstance(value, str) for value in (save_id, saved_by, saved_at, text)):
        return None
    if change is not None and not isinstance(change, str):
        return None
    return HistoryEntry(revision, save_id, saved_by, saved_at, text, change)


def read_history(path: Path, after: int) -> tuple[list[HistoryEntry], FileState]:
    """The entries of a project file's history after revision `after`, oldest first, and the state of the file
    they were read from (one read: the last entry is the file's own revision when the history is whole). Raises
    ProjectFileError as `read_project` does; damaged entries are left out."""
    path = Path(path)
    check_header(path)
    try:
        with contextlib.closing(_connect_read_only(path)) as db:
            db.execute("BEGIN")
            version = schema_version(db, path)
            meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN "
                                   "('revision', 'save_id', 'saved_by', 'saved_at')").fetchall())
            info = path.stat()
            rows = db.execute(f"SELECT {HISTORY_COLUMNS} FROM {CHANGES_TABLE} WHERE revision > ? ORDER BY revision",
                              (after,)).fetchall() if version >= HISTORY_SCHEMA_VERSION else []
            db.rollback()
    except sqlite3.DatabaseError as exc:
        raise _read_error(path, exc) from None
    return [entry for entry in map(_history_entry, rows) if entry is not None], _state(meta, info)


def _real_target(path: Path) -> Path:
    """The file a save replaces: a symlinked project's target (so the link stays a link), else `path`."""
    if path.is_symlink():
        with contextlib.suppress(OSError, RuntimeError):
            return path.resolve(strict=False)
    return path


def _mode_for(target: Path) -> int | None:
    """The permissions the saved file gets: those of the file it replaces, else what a new file gets here."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        pass
    if sys.platform == "win32":  # pragma: no cover - Windows has no umask to honour
        return None
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _current_revision(target: Path) -> int:
    """The revision of the file a save replaces without checking it (0 when it has none or cannot be read)."""
    try:
        state = file_state(target)
    except ProjectFileError:
        return 0
    return state.revision if state is not None else 0


def _temporary(target: Path) -> Path:
    """A new, empty temporary file beside `target`, named so that `sweep_leftovers` can tell whose it is:
    .NAME.HOST.PID.RANDOM.saving"""
    host = re.sub(r"[^A-Za-z0-9-]", "-", host_name())[:40] or "host"
    temp = target.with_name(f".{target.name}.{host}.{os.getpid()}.{secrets.token_hex(4)}{_SAVING}")
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return temp


def _sync_folder(directory: Path) -> None:
    """Make the rename itself durable (POSIX: fsync the folder; Windows has no such call and needs none)."""
    if sys.platform == "win32":  # pragma: no cover
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some network and FUSE file systems refuse to sync a folder: the rename still happened
        pass
    finally:
        os.close(fd)


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.saving$")
_OLD_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.[A-Za-z0-9_]{8}\.saving$")
"""Temporary files of RiskDesk versions that did not record their process (tempfile.mkstemp's names)."""


def sweep_leftovers(project: Path) -> list[Path]:
    """Delete the temporary files that interrupted saves of `project` left beside it (each a full copy of the
    buyer's data): those of processes on this computer that are gone, and any older than a day. A save still
    being written by a running process is left alone. Returns what was deleted."""
    project = Path(project)
    removed: list[Path] = []
    try:
        candidates = list(project.parent.glob(f".{glob_escape(project.name)}.*{_SAVING}"))
    except OSError:
        return removed
    here = re.sub(r"[^A-Za-z0-9-]", "-", host_name())[:40] or "host"
    now = time.time()
    for candidate in candidates:
        match = _LEFTOVER.match(candidate.name)
        try:
            age = now - candidate.lstat().st_mtime
        except OSError:
            continue
        if match is not None and match.group("name") == project.name:
            gone = match.group("host") == here and not process_alive(int(match.group("pid")))
        elif (old := _OLD_LEFTOVER.match(candidate.name)) is not None and old.group("name") == project.name:
            gone = age > 60  # tempfile names say nothing of their process: a minute is longer than any save
        else:
            continue
        if gone or age > LEFTOVER_MAX_AGE_S:
            with contextlib.suppress(OSError):
                candidate.unlink()
                removed.append(candidate)
    return removed


def sweep_folder(folder: Path) -> list[Path]:
    """`sweep_leftovers` for every project in `folder` that has a leftover (e.g. the autosave folder, whose
    crashed sessions may have left only a half-written autosave)."""
    names = set()
    with contextlib.suppress(OSError):
        for candidate in Path(folder).glob(f".*{_SAVING}"):
            match = _LEFTOVER.match(candidate.name) or _OLD_LEFTOVER.match(candidate.name)
            if match is not None:
                names.add(match.group("name"))
    return [removed for name in sorted(names) for removed in sweep_leftovers(Path(folder) / name)]


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


# ---- load ---------------------------------------------------------------------------------------------------------

def load_project(path: Path) -> Project:
    """Read a project file, migrating older schemas in memory. Raises ProjectFileError with a clear message."""
    return read_project(path)[0]


def read_project(path: Path) -> tuple[Project, FileState]:
    """The project in a file and the state the file was in (for `save_project(expected=…)`). Raises
    ProjectFileError (ProjectInUseError when another program holds it locked for writing)."""
    path = Path(path)
    check_header(path)
    sweep_leftovers(_real_target(path))
    try:
        with contextlib.closing(_connect_read_only(path)) as source:
            source.execute("BEGIN")
            source.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a read lock, or busy after the timeout
            info = path.stat()
            db = sqlite3.connect(":memory:")
            try:
                source.backup(db)
                source.rollback()
                meta = _meta(db, path)
                return _read(db, path, meta), _state(meta, info)
            finally:
                db.close()
    except ProjectFileError:
        raise
    except sqlite3.DatabaseError as exc:
        raise _read_error(path, exc) from None
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError, RecursionError,
            MemoryError) as exc:
        detail = f"{type(exc).__name__}: {str(exc)[:120]}" if str(exc) else type(exc).__name__
        raise ProjectFileError(f"{path} is damaged and cannot be read ({detail}). {_DAMAGED_HINT}") from None


def _connect_read_only(path: Path) -> sqlite3.Connection:
    """A read-only connection that waits at most BUSY_TIMEOUT_S for a lock another program holds."""
    uri = "file:" + _uri_path(path) + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S)


def _uri_path(path: Path) -> str:
    from urllib.parse import quote

    return quote(str(Path(path).absolute()).replace(os.sep, "/"), safe="/:")


def _read_error(path: Path, exc: sqlite3.DatabaseError) -> ProjectFileError:
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError) and ("locked" in text or "busy" in text):
        return ProjectInUseError(path, BUSY_TIMEOUT_S)
    return ProjectFileError(f"{path} is damaged and cannot be read ({text}). {_DAMAGED_HINT}")


def _meta(db: sqlite3.Connection, path: Path) -> dict[str, str]:
    version = schema_version(db, path)
    if version < 1 or (version < SCHEMA_VERSION and any(v not in MIGRATIONS for v in range(version,
                                                                                              SCHEMA_VERSION))):
        raise ProjectFileError(f"{path} is damaged: its schema version {version} is not one RiskDesk wrote. "
                               f"{_DAMAGED_HINT}")
    while version < SCHEMA_VERSION:
        MIGRATIONS[version](db)
        version += 1
    meta = {str(k): v for k, v in db.execute("SELECT key, value FROM meta").fetchall()}
    return meta


def _read(db: sqlite3.Connection, path: Path, meta: dict[str, Any]) -> Project:
    frames = {}
    for table, columns in TABLES.items():
        frames[table] = pd.DataFrame(select_rows(db, table), columns=list(columns))
    mappings = {}
    for signature, text in db.execute("SELECT signature, mapping FROM mappings"):
        mapping = _json(text, f"the saved column mapping {str(signature)[:40]!r}", path)
        if isinstance(mapping, dict):
            mappings[str(signature)] = mapping
    tables = ProjectTables.from_frames(frames["parts"], frames["suppliers"], frames["paths"], frames["composition"])
    created_text = meta.get("created") or dt.date.today().isoformat()
    if not isinstance(created_text, str):
        raise ValueError("the creation date is not text")
    created = dt.date.fromisoformat(created_text)
    settings_data = _json(meta.get("settings", "{}"), "the settings", path)
    if not isinstance(settings_data, dict):
        raise ProjectFileError(f"{path} is damaged: its settings are not a table of settings. {_DAMAGED_HINT}")
    settings = ProjectSettings.from_json(settings_data)
    return Project(settings=settings, tables=tables, saved_mappings=mappings, created=created,
                   scenarios=_read_scenarios(db, path), variants=_read_variants(db, path),
                   declarations=_read_declarations(db, path))


def _json(text: object, what: str, path: Path) -> object:
    """Parsed JSON stored in the file; ProjectFileError naming `what` when it is not readable JSON."""
    if not isinstance(text, str | bytes):
        raise ProjectFileError(f"{path} is damaged: {what} is not text. {_DAMAGED_HINT}")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]
        raise ProjectFileError(f"{path} is damaged: {what} cannot be read ({reason}). {_DAMAGED_HINT}") from None


def _named_json(db: sqlite3.Connection, table: str, path: Path) -> list[tuple[str, object]]:
    return [(str(name), _json(text, f"{table[:-1]} {str(name)[:40]!r}", path))
            for name, text in db.execute(f"SELECT name, data FROM {table} ORDER BY row")]


def _read_scenarios(db: sqlite3.Connection, path: Path) -> list[Scenario]:
    result = []
    for name, data in _named_json(db, "scenarios", path):
        try:
            result.append(Scenario.from_json(data))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise ProjectFileError(f"{path}: scenario {name!r} cannot be read: {exc}") from None
    return result


def _read_declarations(db: sqlite3.Connection, path: Path) -> Declarations:
    requests = []
    for name, data in _named_json(db, DECLARATIONS_TABLE, path):
        try:
            if not isinstance(data, dict):
                raise ValueError("expected an object")
            requests.append(DeclarationRequest.from_json(data))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise ProjectFileError(f"{path}: declaration request {name!r} cannot be read: {exc}") from None
    return Declarations(tuple(requests))


def _read_variants(db: sqlite3.Connection, path: Path) -> list[Variant]:
    result = []
    for name, data in _named_json(db, "variants", path):
        try:
            if not isinstance(data, dict):
                raise ValueError("expected an object")
            result.append(Variant.from_json(data))
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            raise ProjectFileError(f"{path}: variant {name!r} cannot be read: {exc}") from None
    return result
