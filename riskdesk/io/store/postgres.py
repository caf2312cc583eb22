"""The team workspace backend of the project store: one project in one schema of a PostgreSQL database, behind the
`ProjectStore` protocol, for several buyers at once.

    postgresql://USER@HOST[:PORT]/DATABASE?workspace=NAME[&sslmode=…&service=…]

The password is never part of what RiskDesk keeps: libpq finds it (PGPASSWORD, ~/.pgpass, a service file), and an
address typed with one is shown and remembered without it (`riskdesk.io.store.shown_location`). SQLAlchemy Core and
psycopg 3 are imported with this module, which `open_store` imports only when a workspace is opened.

What a workspace holds (schema NAME; the tables come from the field catalogue, `riskdesk.core.fields`):

- `parts`, `suppliers`, `paths`, `composition`: one row per row of the project, keyed by its row id, with the
  user's order (`position`, a number between its neighbours, so that a row put in between touches no other row)
  and `rev`, the workspace revision that last wrote the row;
- `wholes`: the settings, scenarios, mitigation variants, supplier declarations, saved column mappings and creation
  date, one JSON row each, with its `rev`;
- `state`: the workspace's revision (one row: every commit takes it first, so commits are made one after another
  and numbered in the order they were made);
- `history`: one row per commit or save, written in the same transaction: revision, change set id, the revision it
  was made against, who (the database user, `current_user`), when, what was done, where it came from (`source`)
  and the change set (rows and values before and after; none for a whole save);
- `workspace`: what this is (schema version, the RiskDesk version that set it up, its id, who created it).

Concurrency: a commit names the revision it was read at; each row it changes is locked and each field it changes
must still hold the value the commit read (`CellChange.old`), then the row is updated (`UPDATE … WHERE row_id = :id
AND rev = :rev`, the rev just read under the lock). A field someone changed meanwhile refuses the whole commit with
`StoreConflictError`, naming each row and field with their value and yours; edits to other fields of the same row,
and to other rows, never conflict. A row removed that someone changed since the revision read, or a whole
(settings, scenarios …) someone replaced since, conflicts too. The project file's commit keeps and refuses the same
edits (`riskdesk.io.store.merge`). A whole save (`save`: a push, an import of
a file not yet in a workspace) checks the whole workspace's revision, as a file's save does. Every commit and save
sends `pg_notify` on the workspace's channel (`channel(name)`) when it commits, so other windows can read it.

The lease is a PostgreSQL advisory lock held by its own connection: one workspace-wide operation at a time (an
import, a push); ordinary edits do not take it, the row check guards them.

Schema migrations: a small versioned list (`MIGRATIONS[n]` upgrades schema n to n + 1), as the project file has,
rather than Alembic: the tables are generated from the field catalogue, a workspace is one schema among others in
a database (Alembic keeps one version per database), and the changes are few and additive. A workspace of a newer
schema is refused with what to do; an older one is read as it is (columns added since read as blank) and
upgraded by the first write of a RiskDesk that knows the newer schema. Adding a column takes the tables' owner
(the user who set the workspace up, or a database owner): when the first writer may not, the write is refused
saying who may upgrade it (`riskdesk workspace upgrade URL`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import re
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import parse_qsl, urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from riskdesk import __version__
from riskdesk.core.domain import NUMBER_COLUMNS, STAGE_EVIDENCE_COLUMNS, STORED_COLUMNS
from riskdesk.core.edits import WHOLES, whole_json
from riskdesk.core.fields import ROW_ID, TABLES, table_columns
from riskdesk.io.store.base import (
    UNCHECKED,
    CommittedChange,
    Conflict,
    Expected,
    LockUnavailableError,
    ProjectLockedError,
    ProjectRows,
    Revision,
    StoreChangedError,
    StoreConflictError,
    StoreError,
    read_whole,
    row_name,
)
from riskdesk.io.store.owner import Owner, host_name

if TYPE_CHECKING:
    from riskdesk.core.edits import ChangeSet
    from riskdesk.core.project import Project

__all__ = ["ROLES", "SCHEMA_VERSION", "Address", "PostgresStore", "WorkspaceLease", "WorkspaceListener", "channel",
           "init_workspace", "may_write", "open_location", "row_name"]

def _add_stage_evidence(conn: sa.Connection, schema: str) -> None:
    """Schema 1 → 2: how each stage's country is known where it differs from the path's evidence (blank: as the
    path's, so no score moves)."""
    for column in STAGE_EVIDENCE_COLUMNS:
        conn.execute(sa.text(f"ALTER TABLE {_quoted(schema)}.paths ADD COLUMN IF NOT EXISTS {_quoted(column)} text "
                             "NOT NULL DEFAULT ''"))


SCHEMA_VERSION = 2
MIGRATIONS: dict[int, Callable[[sa.Connection, str], None]] = {1: _add_stage_evidence}
"""MIGRATIONS[n] upgrades a workspace at schema n to n + 1. Add one per change, never edit one released, and bump
SCHEMA_VERSION (and say in `_added_since` which columns an older workspace lacks)."""


def _added_since(version: int) -> dict[str, frozenset[str]]:
    """Per table, the columns a workspace of schema `version` does not have yet (text, read as blank)."""
    return {"paths": frozenset(STAGE_EVIDENCE_COLUMNS)} if version < 2 else {}

ROLES: tuple[str, ...] = ("viewer", "editor", "owner")
"""The roles `init_workspace` creates for a workspace (DATABASE_WORKSPACE_viewer …): grant one to each user."""
_NAME = re.compile(r"^[a-z0-9_][a-z0-9_-]{0,39}$")
_RESERVED = frozenset({"public", "information_schema"})
_LOCK_CLASS = 0x52534B44  # "RSKD": the advisory locks of RiskDesk workspaces
CONNECT_TIMEOUT_S = 10
_LEASE_POLL_S = 0.05


def channel(workspace: str) -> str:
    """The NOTIFY channel on which every commit to `workspace` is announced (LISTEN "…")."""
    return f"riskdesk_{workspace}"


# ---- addresses ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Address:
    """A workspace's address, taken apart: the server, database and workspace, and libpq's other parameters."""

    text: str
    user: str | None
    password: str | None
    host: str | None
    port: int | None
    database: str
    workspace: str
    params: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, location: str) -> Address:
        from riskdesk.io.store import shown_location

        shown = shown_location(location)
        try:
            parts = urlsplit(location)
            port = parts.port
        except ValueError as exc:
            raise StoreError(f"{shown}: not a workspace address ({exc}); write "
                             "postgresql://USER@HOST/DATABASE?workspace=NAME") from None
        query = parse_qsl(parts.query, keep_blank_values=True)
        names = [value for key, value in query if key == "workspace"]
        database = parts.path.lstrip("/")
        if not names or not database:
            missing = "?workspace=NAME" if not names else "/DATABASE"
            raise StoreError(f"{shown}: the address names no {'workspace' if not names else 'database'}; write "
                             f"postgresql://USER@HOST/DATABASE?workspace=NAME (it lacks {missing})")
        workspace = names[-1]
        if not _NAME.match(workspace) or workspace in _RESERVED or workspace.startswith("pg_"):
            raise StoreError(f"{shown}: {workspace!r} cannot name a workspace: use up to 40 lower-case letters, "
                             "digits, '_' or '-' (not public, not pg_…)")
        from urllib.parse import unquote

        return cls(shown, unquote(parts.username) if parts.username else None,
                   unquote(parts.password) if parts.password else None, parts.hostname, port, unquote(database),
                   workspace, tuple((k, v) for k, v in query if k != "workspace"))

    def text_as(self, user: str) -> str:
        """This address as `user` would type it: the same server, database and workspace."""
        from urllib.parse import quote, urlunsplit

        parts = urlsplit(self.text)
        return urlunsplit(parts._replace(netloc=f"{quote(user)}@{parts.netloc.rpartition('@')[2]}"))

    def url(self) -> sa.URL:
        query: dict[str, str] = dict(self.params)
        return sa.URL.create("postgresql+psycopg", username=self.user, password=self.password, host=self.host,
                             port=self.port, database=self.database, query=query)

    @property
    def server(self) -> str:
        """ "HOST:PORT" as messages name the server."""
        host = self.host or dict(self.params).get("host") or "the local server"
        return f"{host}:{self.port}" if self.port else host


_ENGINES: dict[sa.URL, sa.Engine] = {}


def _engine(address: Address) -> sa.Engine:
    """One engine per address in this process, keeping at most two idle connections (opening one costs more than
    a commit), each checked before use (the server may have restarted since)."""
    url = address.url()
    engine = _ENGINES.get(url)
    if engine is None:
        application = f"RiskDesk {host_name()[:30]}:{os.getpid()}"
        engine = sa.create_engine(url, pool_size=2, max_overflow=8, pool_pre_ping=True, pool_recycle=600,
                                  connect_args={"connect_timeout": CONNECT_TIMEOUT_S,
                                                "application_name": application},
                                  json_serializer=lambda value: json.dumps(value, allow_nan=False,
                                                                           ensure_ascii=False))
        _ENGINES[url] = engine
    return engine


# ---- the tables ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Tables:
    metadata: sa.MetaData
    rows: dict[str, sa.Table]
    wholes: sa.Table
    state: sa.Table
    history: sa.Table
    workspace: sa.Table


_TABLES: dict[str, _Tables] = {}


def _tables(schema: str) -> _Tables:
    """The workspace's tables in `schema`, from the field catalogue."""
    found = _TABLES.get(schema)
    if found is not None:
        return found
    metadata = sa.MetaData(schema=schema)
    rows = {}
    for table, columns in STORED_COLUMNS.items():
        rows[table] = sa.Table(
            table, metadata,
            sa.Column(ROW_ID, sa.Text, primary_key=True),
            sa.Column("position", sa.Float(53), nullable=False),
            sa.Column("rev", sa.BigInteger, nullable=False),
            *(sa.Column(c, sa.Float(53), nullable=True) if c in NUMBER_COLUMNS
              else sa.Column(c, sa.Text, nullable=False, server_default="") for c in columns if c != ROW_ID),
            sa.Index(f"{table}_position", "position"),
        )
    wholes = sa.Table("wholes", metadata, sa.Column("name", sa.Text, primary_key=True),
                      sa.Column("data", JSONB, nullable=False), sa.Column("rev", sa.BigInteger, nullable=False))
    state = sa.Table("state", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("revision", sa.BigInteger, nullable=False))
    history = sa.Table(
        "history", metadata,
        sa.Column("revision", sa.BigInteger, primary_key=True),
        sa.Column("change_id", sa.Text, nullable=False),
        sa.Column("base_revision", sa.BigInteger, nullable=True),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source", JSONB, nullable=False),
        sa.Column("change", JSONB, nullable=True),
    )
    workspace = sa.Table("workspace", metadata, sa.Column("key", sa.Text, primary_key=True),
                         sa.Column("value", sa.Text, nullable=False))
    found = _Tables(metadata, rows, wholes, state, history, workspace)
    _TABLES[schema] = found
    return found


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---- errors -------------------------------------------------------------------------------------------------------

def _failure(address: Address, exc: BaseException, doing: str = "") -> StoreError:
    """One line for what went wrong talking to the server (never its password)."""
    import psycopg

    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    if address.password:
        text = text.replace(address.password, "…")
    where = address.text
    user = address.user or "you"
    if isinstance(orig, psycopg.errors.InsufficientPrivilege):
        rights = "may not read this workspace" if doing == "read" else "may only read this workspace"
        return StoreError(f"{where}: {user} {rights} (the server says: {text[:160]}); ask its owner for the "
                          f"{'viewer' if doing == 'read' else 'editor'} role")
    if "password authentication failed" in text or "no password supplied" in text:
        return StoreError(f"{where}: the server refused the password of {user}. Set PGPASSWORD or put the password "
                          "in ~/.pgpass (RiskDesk never stores it), then try again")
    if re.search(r'database "[^"]*" does not exist', text):
        return StoreError(f"{where}: the server has no database {address.database!r}; check the address, or ask "
                          "the server's administrator to create it")
    if re.search(r'role "[^"]*" does not exist', text) or "no pg_hba.conf entry" in text:
        return StoreError(f"{where}: the server does not let {user} in ({text[:200]}); ask its administrator")
    if isinstance(orig, OSError) or (isinstance(orig, psycopg.OperationalError) and (
            "connection" in text or "timeout" in text or "could not translate" in text)):
        return StoreError(f"{where}: the server {address.server} cannot be reached ({text[:200]}). Check the "
                          "address and your network, and that the server runs")
    if isinstance(orig, psycopg.Error | sa.exc.SQLAlchemyError):
        return StoreError(f"{where}: cannot {doing or 'read'} the workspace ({text[:200]})")
    raise exc


def _newer(address: Address, version: int) -> StoreError:
    return StoreError(f"{address.text} was set up by a newer RiskDesk (workspace schema {version}, this version "
                      f"reads up to {SCHEMA_VERSION}). Update RiskDesk to open it")


def _not_workspace(address: Address) -> StoreError:
    return StoreError(f"{address.text}: the schema {address.workspace!r} of {address.database!r} is not a RiskDesk "
                      "workspace (it holds other tables); choose another workspace name")


# ---- the store ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _State:
    workspace_id: str
    revision: int
    who: str
    """The database user of this transaction (current_user) and its time: who and when of what it writes."""
    when: dt.datetime


class PostgresStore:
    """A project kept in a team workspace (see the module docstring)."""

    def __init__(self, address: Address) -> None:
        self._address = address
        self._t = _tables(address.workspace)
        self._checked = False
        """Whether this store has seen the workspace at this RiskDesk's schema (checked once, not per read)."""
        self._version = SCHEMA_VERSION
        """The workspace's schema as last seen (`_state`): an older one is read with its missing columns blank."""

    def __repr__(self) -> str:
        return f"PostgresStore({self._address.text!r})"

    @property
    def location(self) -> str:
        return self._address.text

    @property
    def name(self) -> str:
        return self._address.workspace

    @property
    def project_name(self) -> str:
        return self._address.workspace

    @property
    def path(self) -> None:
        return None

    @property
    def address(self) -> Address:
        return self._address

    # ---- talking to the server

    @contextlib.contextmanager
    def _transaction(self, doing: str, *, read_only: bool = False) -> Iterator[sa.Connection]:
        engine = _engine(self._address)
        try:
            with engine.connect() as conn:
                if read_only:
                    conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
                with conn.begin():
                    yield conn
        except StoreError:
            self._checked = False
            raise
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            self._checked = False
            raise _failure(self._address, exc, doing) from None
        except Exception as exc:
            import psycopg

            self._checked = False
            if isinstance(exc, psycopg.Error):
                raise _failure(self._address, exc, doing) from None
            raise

    def _schema_version(self, conn: sa.Connection) -> int | None:
        """The workspace's schema version; None when there is no workspace of this name (or an empty schema)."""
        found = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :ws), to_regclass(:meta) IS NOT NULL, "
            "EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = :ws)"),
            {"ws": self.name, "meta": f"{_quoted(self.name)}.workspace"}).one()
        relations, has_meta, has_schema = int(found[0]), bool(found[1]), bool(found[2])
        if not has_schema or (relations == 0 and not has_meta):
            return None
        if not has_meta:
            raise _not_workspace(self._address)
        meta = dict(conn.execute(sa.select(self._t.workspace.c.key, self._t.workspace.c.value)).all())
        try:
            version = int(meta["schema_version"])
        except (KeyError, ValueError):
            raise _not_workspace(self._address) from None
        if version > SCHEMA_VERSION:
            raise _newer(self._address, version)
        return version

    def _state(self, conn: sa.Connection, *, lock: bool = False, create: bool = False) -> _State | None:
        """The workspace's id and revision (None: no workspace); `lock` takes the state row for this transaction,
        so that commits are made one after another; `create` sets the workspace up when it is not there."""
        if not self._checked:
            version = self._schema_version(conn)
            if version is None:
                if not create:
                    return None
                _create(conn, self._address, self._t)
            elif version < SCHEMA_VERSION and lock:  # upgraded by the first writer; readers read it as it is
                self._upgrade(conn, version)
        workspace_id = (sa.select(self._t.workspace.c.value).where(self._t.workspace.c.key == "workspace_id")
                        .scalar_subquery())
        kept_version = (sa.select(self._t.workspace.c.value).where(self._t.workspace.c.key == "schema_version")
                        .scalar_subquery())
        query = sa.select(self._t.state.c.revision, workspace_id, sa.literal_column("current_user"), sa.func.now(),
                          kept_version) \
            .where(self._t.state.c.id == 1)
        if lock:
            query = query.with_for_update(of=self._t.state)
        revision, found_id, who, when, kept = conn.execute(query).one()
        if int(kept) > SCHEMA_VERSION:  # upgraded by a newer RiskDesk since this store first looked
            raise _newer(self._address, int(kept))
        self._version = int(kept)
        self._checked = int(kept) == SCHEMA_VERSION  # an older schema is looked at again, to be upgraded by a write
        return _State(str(found_id), int(revision), str(who), when)

    def _upgrade(self, conn: sa.Connection, version: int) -> None:
        """Bring the workspace from schema `version` to this RiskDesk's, in the transaction of `conn`; StoreError
        naming who may when the current user may not change its tables."""
        import psycopg

        try:
            with conn.begin_nested():
                for step in range(version, SCHEMA_VERSION):
                    MIGRATIONS[step](conn, self.name)
        except sa.exc.DBAPIError as exc:
            if not isinstance(getattr(exc, "orig", None), psycopg.errors.InsufficientPrivilege):
                raise
            creator = conn.execute(sa.select(self._t.workspace.c.value)
                                   .where(self._t.workspace.c.key == "created_by")).scalar_one_or_none()
            who = conn.execute(sa.text("SELECT current_user")).scalar_one()
            raise StoreError(
                f"{self.location} was set up by an older RiskDesk (workspace schema {version}; this version writes "
                f"schema {SCHEMA_VERSION}, which adds columns) and {who} may not add columns to its tables; nothing "
                f"was changed. Ask {creator or 'the user who set it up'} (or a database owner) to run: riskdesk "
                f"workspace upgrade {self._address.text_as(creator) if creator else self.location}") from None
        conn.execute(self._t.workspace.update().where(self._t.workspace.c.key == "schema_version")
                     .values(value=str(SCHEMA_VERSION)))

    def upgrade(self) -> tuple[int, int]:
        """Bring the workspace to this RiskDesk's schema now (as its first write would); returns (the schema it
        had, the schema it has). StoreError when there is none, or the current user may not."""
        with self._transaction("upgrade") as conn:
            version = self._schema_version(conn)
            if version is None:
                raise self._missing()
            if version < SCHEMA_VERSION:
                self._upgrade(conn, version)
        self._checked = False
        return version, max(version, SCHEMA_VERSION)

    def _missing(self) -> StoreError:
        return StoreError(f"{self.location}: there is no workspace {self.name!r} in the database "
                          f"{self._address.database!r}; check its name, or set it up (riskdesk workspace init URL, or "
                          "workspace push PROJECT URL)")

    def _revision(self, conn: sa.Connection, state: _State) -> Revision:
        h = self._t.history
        row = conn.execute(sa.select(h.c.by, h.c.at).where(h.c.revision == state.revision)).one_or_none()
        by, at = (row[0], _iso(row[1])) if row is not None else ("", "")
        return Revision(state.revision, by, at, f"{state.workspace_id}/{state.revision}")

    # ---- the protocol

    def exists(self) -> bool:
        return self.revision() is not None

    def revision(self) -> Revision | None:
        with self._transaction("read", read_only=True) as conn:
            state = self._state(conn)
            if state is None or state.revision == 0:
                return None
            return self._revision(conn, state)

    def read(self) -> tuple[Project, Revision]:
        import pandas as pd

        from riskdesk.core.project import Project, ProjectSettings, ProjectTables

        with self._transaction("read", read_only=True) as conn:
            state = self._state(conn)
            if state is None:
                raise self._missing()
            if state.revision == 0:
                raise StoreError(f"{self.location} holds no project yet: push one into it (riskdesk workspace push "
                                 "PROJECT URL)")
            frames = {}
            driver = _driver(conn)
            added = _added_since(self._version)
            for table, columns in STORED_COLUMNS.items():
                blank = added.get(table, frozenset())
                selected = ", ".join(f"'' AS {_quoted(c)}" if c in blank else _quoted(c) for c in columns)
                # psycopg's own cursor: SQLAlchemy's row objects cost more than the query on a large project
                rows = driver.execute(f"SELECT {selected} FROM "
                                      f"{_quoted(self.name)}.{_quoted(table)} ORDER BY position").fetchall()
                frames[table] = pd.DataFrame(rows, columns=list(columns))
            wholes = dict(conn.execute(sa.select(self._t.wholes.c.name, self._t.wholes.c.data)).all())
            revision = self._revision(conn, state)
        try:
            tables = ProjectTables.from_frames(frames["parts"], frames["suppliers"], frames["paths"],
                                               frames["composition"])
            settings = ProjectSettings.from_json(wholes.get("settings", {}))
            project = Project(settings=settings, tables=tables,
                              saved_mappings=dict(wholes.get("saved_mappings", {})),
                              created=dt.date.fromisoformat(str(wholes.get("created") or dt.date.today())),
                              scenarios=read_whole("scenarios", wholes.get("scenarios", [])),
                              variants=read_whole("variants", wholes.get("variants", [])),
                              declarations=read_whole("declarations", wholes.get("declarations", [])))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise StoreError(f"{self.location} is damaged and cannot be read ({type(exc).__name__}: "
                             f"{str(exc)[:120]}); ask its owner to restore a backup") from None
        return project, revision

    def save(self, project: Project, expected: Expected, *, text: str = "",
             changes: ChangeSet | Sequence[ChangeSet] | None = None) -> Revision:
        # a list (a window's edits since its last save) is for files: the window never saves a workspace whole
        made = None if changes is None or isinstance(changes, list | tuple) else cast("ChangeSet", changes)
        with self._transaction("write") as conn:
            state = self._state(conn, lock=True, create=True)
            assert state is not None
            if expected is None:
                if state.revision != 0:
                    raise StoreChangedError(self.location, self._revision(conn, state))
            elif expected is not UNCHECKED and not (state.revision > 0 and expected.same_as(
                    Revision(state.revision, token=f"{state.workspace_id}/{state.revision}"))):
                raise StoreChangedError(self.location, self._revision(conn, state))
            new, who, when = state.revision + 1, state.who, state.when
            for table in TABLES:
                t = self._t.rows[table]
                conn.execute(t.delete())
                _copy_rows(conn, self.name, table, getattr(project.tables, table), new)
            for name, data in _wholes_json(project).items():
                _put_whole(conn, self._t.wholes, name, data, new)
            self._record(conn, state, new, who, when, made.text if made is not None else text or "Saved", made,
                         expected)
        return Revision(new, who, _iso(when), f"{state.workspace_id}/{new}")

    def commit(self, changes: ChangeSet, expected: Revision) -> Revision:
        with self._transaction("change") as conn:
            state = self._state(conn, lock=True)
            if state is None or state.revision == 0:
                raise StoreError(f"{self.location} holds no project yet: push one into it first")
            if not expected.token.startswith(f"{state.workspace_id}/"):
                raise StoreChangedError(self.location, self._revision(conn, state))
            h = self._t.history
            if conn.execute(sa.select(sa.func.count()).select_from(h).where(
                    h.c.revision > expected.number,  # a save keeps no change: JSON null (SQLAlchemy's JSON None)
                    sa.or_(h.c.change.is_(None), sa.func.jsonb_typeof(h.c.change) == "null"))).scalar_one():
                # the whole project was saved since it was read (a push): its rows are not the ones read
                raise StoreChangedError(self.location, self._revision(conn, state))
            new, who, when = state.revision + 1, state.who, state.when
            conflicts = _Apply(conn, self._t, expected.number, new, changes, self.location).run()
            if conflicts:  # refused whole: the transaction is rolled back
                raise StoreConflictError(self.location, self._revision(conn, state), tuple(conflicts))
            self._record(conn, state, new, who, when, changes.text, changes, expected)
        return Revision(new, who, _iso(when), f"{state.workspace_id}/{new}")

    def _record(self, conn: sa.Connection, state: _State, new: int, who: str, when: dt.datetime, text: str,
                changes: ChangeSet | None, expected: Expected) -> None:
        """The history entry, the new revision and the notification, in the transaction of the change."""
        base = expected.number if isinstance(expected, Revision) else None
        change_json = changes.to_json() if changes is not None else None
        change_id = (changes.id if changes is not None and changes.id else secrets.token_hex(16))
        conn.execute(self._t.history.insert().values(
            revision=new, change_id=change_id, base_revision=base, by=who, at=when, text=text,
            source=dict(changes.source) if changes is not None else {"kind": "save"}, change=change_json))
        payload = json.dumps({"workspace": self.name, "revision": new, "by": who, "text": text[:200],
                              "change_id": change_id})
        conn.execute(self._t.state.update().where(self._t.state.c.id == 1).values(revision=new)
                     .returning(sa.func.pg_notify(channel(self.name), payload)))

    def changes_since(self, revision: Revision) -> list[CommittedChange]:
        from riskdesk.core.edits import ChangeSet

        with self._transaction("read", read_only=True) as conn:
            state = self._state(conn)
            if state is None or state.revision == 0:
                return []
            now = self._revision(conn, state)
            if now.same_as(revision):
                return []
            if revision.token and not revision.token.startswith(f"{state.workspace_id}/"):
                return [CommittedChange(now, "Another workspace is here now: read it again")]
            h = self._t.history
            entries = conn.execute(sa.select(h.c.revision, h.c.by, h.c.at, h.c.text, h.c.change)
                                   .where(h.c.revision > revision.number).order_by(h.c.revision)).all()
        result = []
        for number, by, at, text, change in entries:
            changes = None
            if change is not None:
                try:
                    changes = ChangeSet.from_json(change, read_whole)
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    raise StoreError(f"{self.location}: the change of revision {number} in its history cannot be "
                                     f"read ({str(exc)[:120]})") from None
            result.append(CommittedChange(Revision(number, by, _iso(at), f"{state.workspace_id}/{number}"), text,
                                          changes))
        return result

    def lease(self, wait_s: float = 0.0, without_lock_ok: bool = False) -> WorkspaceLease:
        key = zlib.crc32(self.name.encode()) - 2**31
        import psycopg

        try:
            raw = _engine(self._address).raw_connection()
        except (sa.exc.SQLAlchemyError, psycopg.Error, OSError) as exc:  # the pool hands the driver's errors on
            error = _failure(self._address, exc, "lock")
            if without_lock_ok:
                return WorkspaceLease(None, key, LockUnavailableError(self.location, str(error)))
            raise error from None
        driver = raw.driver_connection
        assert driver is not None
        driver.autocommit = True
        deadline = time.monotonic() + wait_s
        while True:
            got = driver.execute("SELECT pg_try_advisory_lock(%s, %s)", (_LOCK_CLASS, key)).fetchone()
            if got is not None and got[0]:
                return WorkspaceLease(raw, key)
            if time.monotonic() >= deadline:
                break
            time.sleep(_LEASE_POLL_S)
        holder = _holder(driver, key)
        raw.close()
        raise ProjectLockedError(self.location, holder)

    def preview_rows(self, max_rows: int | None = None) -> ProjectRows:
        with self._transaction("read", read_only=True) as conn:
            state = self._state(conn)
            if state is None or state.revision == 0:
                raise StoreError(f"{self.location} holds no project yet")
            tables: dict[str, list[tuple[Any, ...]]] = {}
            for table in TABLES:
                t = self._t.rows[table]
                if max_rows is not None:
                    count = conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                    if count > max_rows:
                        raise StoreError(f"{self.location} has {count:,} {table} rows, more than {max_rows:,}")
                columns = table_columns(table, with_id=False)
                blank = _added_since(self._version).get(table, frozenset())
                tables[table] = [tuple(row) for row in conn.execute(
                    sa.select(*(sa.literal("").label(c) if c in blank else t.c[c] for c in columns))
                    .order_by(t.c.position))]
            settings = conn.execute(sa.select(self._t.wholes.c.data)
                                    .where(self._t.wholes.c.name == "settings")).scalar_one_or_none()
        name = settings.get("name") if isinstance(settings, dict) else None
        return ProjectRows(name=name if isinstance(name, str) and name else self.name, tables=tables)


class WorkspaceLease:
    """A workspace-wide operation's right to run alone: a PostgreSQL advisory lock on its own connection (released
    with it, also when RiskDesk dies and the server drops the connection)."""

    def __init__(self, connection: Any, key: int, unavailable: LockUnavailableError | None = None) -> None:
        self._connection = connection
        self._key = key
        self.unavailable = unavailable

    @property
    def held(self) -> bool:
        return self._connection is not None

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        with contextlib.suppress(Exception):
            connection.driver_connection.execute("SELECT pg_advisory_unlock(%s, %s)", (_LOCK_CLASS, self._key))
        with contextlib.suppress(Exception):
            connection.close()


def _holder(driver: Any, key: int) -> Owner | None:
    """Who holds the workspace's advisory lock, from the server's view of its connections."""
    row = driver.execute(
        "SELECT a.usename, a.application_name, a.client_addr::text, a.backend_start, a.pid FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 2 LIMIT 1",
        ((_LOCK_CLASS & 0xFFFFFFFF), key & 0xFFFFFFFF)).fetchone()
    if row is None:
        return None
    user, application, address, since, pid = row
    host, pid_text = (application or "").removeprefix("RiskDesk ").rpartition(":")[::2]
    try:
        process = int(pid_text)
    except ValueError:
        process = int(pid)
    return Owner(str(user or ""), host or str(address or ""), process,
                 since.astimezone() if since is not None else dt.datetime.now().astimezone())


# ---- writing rows -------------------------------------------------------------------------------------------------

def _iso(when: Any) -> str:
    if isinstance(when, dt.datetime):
        return when.astimezone(dt.UTC).isoformat(timespec="seconds")
    return str(when or "")


def _value(column: str, value: Any) -> Any:
    """A cell as the database keeps it: a blank number is NULL, text is never NULL."""
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if column in NUMBER_COLUMNS:
        if value is None or value == "":
            return None
        number = float(value)
        return None if math.isnan(number) else number
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _shown(column: str, value: Any) -> Any:
    """A kept value as the project holds it (NULL numbers are NaN)."""
    if column in NUMBER_COLUMNS:
        return math.nan if value is None else float(value)
    return value


def _driver(conn: sa.Connection) -> Any:
    """psycopg's connection under `conn`, in the same transaction."""
    driver = conn.connection.driver_connection
    assert driver is not None
    return driver


def _copy_rows(conn: sa.Connection, schema: str, table: str, frame: Any, rev: int) -> None:
    """Every row of `frame` into the empty `table`, in the user's order, with COPY (a push of 100k paths: a
    multi-row INSERT costs several times more)."""
    if not len(frame):
        return
    columns = [c for c in STORED_COLUMNS[table] if c in frame.columns]
    values = [[_value(c, v) for v in frame[c].tolist()] for c in columns]
    _copy(conn, schema, table, ("position", "rev", *columns),
          ((float(i), rev, *row) for i, row in enumerate(zip(*values, strict=True))))


def _copy(conn: sa.Connection, schema: str, table: str, names: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """`rows` (values in the order of the columns `names`) into `table` with COPY, in the transaction of `conn`:
    a push's or an import's thousands of rows, where an INSERT a row costs several times more."""
    columns = ", ".join(_quoted(c) for c in names)
    with _driver(conn).cursor() as cursor, cursor.copy(
            f"COPY {_quoted(schema)}.{_quoted(table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _wholes_json(project: Project) -> dict[str, Any]:
    return {**{name: whole_json(name, getattr(project, name)) for name in WHOLES},
            "created": project.created.isoformat()}


def _put_whole(conn: sa.Connection, wholes: sa.Table, name: str, data: Any, rev: int) -> None:
    from sqlalchemy.dialects.postgresql import insert

    statement = insert(wholes).values(name=name, data=data, rev=rev)
    conn.execute(statement.on_conflict_do_update(index_elements=[wholes.c.name],
                                                 set_={"data": statement.excluded.data, "rev": rev}))


class _Apply:
    """One change set applied to the workspace in the commit's transaction, row by row, collecting conflicts."""

    def __init__(self, conn: sa.Connection, t: _Tables, seen: int, new: int, changes: ChangeSet,
                 location: str) -> None:
        self.conn, self.t, self.seen, self.new, self.changes, self.location = conn, t, seen, new, changes, location
        self.conflicts: list[Conflict] = []
        self._who: dict[int, tuple[str, str]] = {}
        self._since: list[tuple[int, Any]] | None = None

    def _refuse(self, reason: str) -> NoReturn:
        raise StoreError(f"{self.location}: {self.changes.text!r} cannot be made on the project as it is kept "
                         f"({reason}); nothing was changed")

    def _by(self, rev: int) -> tuple[str, str]:
        if rev not in self._who:
            h = self.t.history
            row = self.conn.execute(sa.select(h.c.by, h.c.at).where(h.c.revision == rev)).one_or_none()
            self._who[rev] = (str(row[0]), _iso(row[1])) if row is not None else ("", "")
        return self._who[rev]

    def _field_by(self, table: str, row_id: str, field: str, rev: int) -> tuple[str, str]:
        """Who last changed one field of a row since the revision read, and when (else the row's last writer)."""
        if self._since is None:
            h = self.t.history
            self._since = [(int(number), change) for number, change in self.conn.execute(
                sa.select(h.c.revision, h.c.change).where(h.c.revision > self.seen).order_by(h.c.revision.desc()))]
        for number, change in self._since:
            for cell in (change or {}).get("cells", []):
                if (cell.get("table"), cell.get("row_id"), cell.get("field")) == (table, row_id, field):
                    return self._by(number)
        return self._by(rev)

    def _row(self, table: str, row_id: str) -> Mapping[str, Any] | None:
        t = self.t.rows[table]
        found = self.conn.execute(sa.select(t).where(t.c[ROW_ID] == row_id).with_for_update()).mappings()
        row = found.one_or_none()
        return dict(row) if row is not None else None

    def run(self) -> list[Conflict]:
        from riskdesk.core.edits import same_value

        changes = self.changes
        for table in TABLES:
            self._insert(table, [r for r in changes.inserts if r.table == table])
        by_row: dict[tuple[str, str], list[Any]] = {}
        for cell in changes.cells:
            if cell.table not in self.t.rows or cell.field not in self.t.rows[cell.table].c or cell.field == ROW_ID:
                self._refuse(f"{cell.table} has no field {cell.field!r}")
            by_row.setdefault((cell.table, cell.row_id), []).append(cell)
        for (table, row_id), cells in sorted(by_row.items()):
            row = self._row(table, row_id)
            if row is None:
                self._gone(table, row_id, cells[0].field, cells[-1].new)
                continue
            values: dict[str, Any] = {}
            refused = False
            for cell in cells:  # each field it changes must still hold the value it read: other fields may not
                current = values.get(cell.field, _shown(cell.field, row[cell.field]))
                values[cell.field] = _shown(cell.field, _value(cell.field, cell.new))
                if same_value(_shown(cell.field, _value(cell.field, cell.old)), current):
                    continue
                if row["rev"] <= self.seen:
                    self._refuse(f"{row_name(table, row)}, {cell.field} holds {current!r}, not {cell.old!r}")
                by, at = self._field_by(table, row_id, cell.field, int(row["rev"]))
                self.conflicts.append(Conflict(table, row_id, row_name(table, row), cell.field, current, cell.new,
                                               by, at))
                refused = True
            if refused or self.conflicts:
                continue
            t = self.t.rows[table]
            done = self.conn.execute(t.update().where(t.c[ROW_ID] == row_id, t.c.rev == row["rev"])
                                     .values(rev=self.new, **{k: _value(k, v) for k, v in values.items()}))
            if done.rowcount != 1:  # cannot happen under the row lock; refuse rather than lose an edit
                self._refuse(f"{row_name(table, row)} changed while it was written")
        for remove in changes.removes:
            row = self._row(remove.table, remove.row_id)
            if row is None:
                self._gone(remove.table, remove.row_id, "", None)
                continue
            if row["rev"] > self.seen:
                by, at = self._by(int(row["rev"]))
                self.conflicts.append(Conflict(remove.table, remove.row_id, row_name(remove.table, row), "",
                                               dict(row), None, by, at))
                continue
            t = self.t.rows[remove.table]
            self.conn.execute(t.delete().where(t.c[ROW_ID] == remove.row_id, t.c.rev == row["rev"]))
        for whole in changes.wholes:
            if whole.name not in WHOLES:
                self._refuse(f"a change set cannot replace {whole.name!r}")
            w = self.t.wholes
            found = self.conn.execute(sa.select(w.c.data, w.c.rev).where(w.c.name == whole.name)
                                      .with_for_update()).one_or_none()
            if found is not None and found[1] > self.seen:
                by, at = self._by(int(found[1]))
                self.conflicts.append(Conflict("wholes", whole.name, whole.name, "", found[0],
                                               whole_json(whole.name, whole.new), by, at))
                continue
            _put_whole(self.conn, w, whole.name, whole_json(whole.name, whole.new), self.new)
        return self.conflicts

    def _gone(self, table: str, row_id: str, field: str, yours: Any) -> None:
        """A row this change set edits or removes that someone else removed: a conflict, named by its values in the
        history where the project no longer has it."""
        h = self.t.history
        removed = self.conn.execute(sa.select(h.c.revision, h.c.change).where(h.c.revision > self.seen)
                                    .order_by(h.c.revision.desc())).all()
        for revision, change in removed:
            for remove in (change or {}).get("removes", []):
                if remove.get("table") == table and remove.get("values", {}).get(ROW_ID) == row_id:
                    by, at = self._by(int(revision))
                    self.conflicts.append(Conflict(table, row_id, row_name(table, remove["values"]), field, None,
                                                   yours, by, at))
                    return
        self._refuse(f"there is no {table} row {row_id!r}")

    def _insert(self, table: str, inserts: Sequence[Any]) -> None:
        if not inserts:
            return
        t = self.t.rows[table]
        keys = [float(k) for k in self.conn.execute(sa.select(t.c.position).order_by(t.c.position)).scalars()]
        ordered = sorted(inserts, key=lambda r: r.position)
        gaps: dict[int, list[Any]] = {}
        for i, insert in enumerate(ordered):
            before = min(max(insert.position - i, 0), len(keys))  # existing rows before it, in the reader's view
            gaps.setdefault(before, []).append(insert)
        rows = []
        for before, group in gaps.items():
            low = keys[before - 1] if before > 0 else None
            high = keys[before] if before < len(keys) else None
            for j, insert in enumerate(group):
                if low is None and high is None:
                    key = float(j)
                elif high is None:
                    assert low is not None
                    key = low + j + 1
                elif low is None:
                    key = high - (len(group) - j)
                else:
                    key = low + (high - low) * (j + 1) / (len(group) + 1)
                values = {c: _value(c, insert.values.get(c)) for c in STORED_COLUMNS[table]}
                rows.append({**values, "position": key, "rev": self.new})
        # one array parameter, not one placeholder per id: an import inserts thousands of rows
        ids = sa.bindparam("ids", [r[ROW_ID] for r in rows], type_=ARRAY(sa.Text))
        existing = set(self.conn.execute(sa.select(t.c[ROW_ID]).where(t.c[ROW_ID] == sa.any_(ids))).scalars())
        if existing:
            self._refuse(f"{table} already has a row {sorted(existing)[0]!r}")
        names = list(rows[0])
        _copy(self.conn, str(t.schema), table, names, (tuple(row[c] for c in names) for row in rows))


# ---- setting a workspace up ---------------------------------------------------------------------------------------

def _create(conn: sa.Connection, address: Address, t: _Tables) -> None:
    """The workspace's schema and tables, empty (revision 0)."""
    conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {_quoted(address.workspace)}"))
    t.metadata.create_all(conn)
    who = conn.execute(sa.text("SELECT current_user")).scalar_one()
    conn.execute(t.workspace.insert(), [
        {"key": "schema_version", "value": str(SCHEMA_VERSION)},
        {"key": "riskdesk_version", "value": __version__},
        {"key": "workspace_id", "value": secrets.token_hex(8)},
        {"key": "created_by", "value": str(who)},
        {"key": "created_at", "value": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
    ])
    conn.execute(t.state.insert().values(id=1, revision=0))


def role_names(address: Address) -> dict[str, str]:
    """The roles of a workspace, by kind: DATABASE_WORKSPACE_viewer, …_editor, …_owner."""
    return {kind: f"{address.database}_{address.workspace}_{kind}"[:63] for kind in ROLES}


def init_workspace(location: str) -> list[str]:
    """Set up an empty workspace at `location` (its schema, tables and roles) and return what was done, one line
    each. StoreError when one is already there, or the server refuses."""
    address = Address.parse(location)
    store = PostgresStore(address)
    notes: list[str] = []
    with store._transaction("set up") as conn:
        if store._schema_version(conn) is not None:
            raise StoreError(f"{address.text}: there is a workspace {address.workspace!r} already; open it, or "
                             "choose another name")
        _create(conn, address, store._t)
        notes.append(f"created the workspace {address.workspace!r} in the database {address.database!r}")
        roles = role_names(address)
        try:
            with conn.begin_nested():
                _create_roles(conn, address, store._t, roles)
            notes.append("roles: " + ", ".join(roles.values()) + " (grant one to each user: GRANT "
                         f"{_quoted(roles['editor'])} TO alice)")
        except sa.exc.DBAPIError as exc:
            notes.append(f"roles not created ({' '.join(str(getattr(exc, 'orig', exc)).split())[:120]}): a user "
                         "with CREATEROLE can create them later, see docs/workspace.md")
    return notes


def _create_roles(conn: sa.Connection, address: Address, t: _Tables, roles: dict[str, str]) -> None:
    schema = _quoted(address.workspace)
    for name in roles.values():
        conn.execute(sa.text(f"DO $$ BEGIN CREATE ROLE {_quoted(name)} NOLOGIN; "
                             "EXCEPTION WHEN duplicate_object THEN NULL; END $$"))
    viewer, editor, owner = (_quoted(roles[k]) for k in ROLES)
    data = ", ".join(f"{schema}.{_quoted(name)}" for name in (*TABLES, "wholes"))
    statements = [
        f"GRANT CONNECT ON DATABASE {_quoted(address.database)} TO {viewer}",
        f"GRANT USAGE ON SCHEMA {schema} TO {viewer}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {viewer}",
        f"GRANT {viewer} TO {editor}",
        f"GRANT INSERT, UPDATE, DELETE ON {data} TO {editor}",
        f"GRANT UPDATE ON {schema}.state TO {editor}",
        f"GRANT INSERT ON {schema}.history TO {editor}",
        f"GRANT {editor} TO {owner} WITH ADMIN OPTION",
        f"GRANT {viewer} TO {owner} WITH ADMIN OPTION",
        f"GRANT ALL ON SCHEMA {schema} TO {owner}",
        f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {owner}",
    ]
    for statement in statements:
        conn.execute(sa.text(statement))


def open_location(location: str) -> PostgresStore:
    """The store of the workspace at `location` (nothing is read yet); StoreError for an address that is not one."""
    return PostgresStore(Address.parse(location))



# ---- for the window: who may write, and live notices --------------------------------------------------------------

def may_write(store: PostgresStore) -> str:
    """Why the current user may only read the workspace ("" when they may change it): the server refuses a
    viewer's writes anyway, this says so before the first edit."""
    with store._transaction("read", read_only=True) as conn:
        allowed = conn.execute(sa.text("SELECT has_table_privilege(:state, 'UPDATE') AND "
                                       "has_table_privilege(:history, 'INSERT')"),
                               {"state": f"{_quoted(store.name)}.state",
                                "history": f"{_quoted(store.name)}.history"}).scalar_one()
        who = conn.execute(sa.text("SELECT current_user")).scalar_one()
    if allowed:
        return ""
    return (f"{who} may only read this workspace (the viewer role); ask its owner for the editor role to change "
            "it")


class WorkspaceListener:
    """Listens on the workspace's channel (`LISTEN`, on its own autocommit connection, in a thread of its own) and
    hands every notice to `on_notice` (the payload as a dict) and every change of the connection to
    `on_connected` (True once listening, False when it is lost), both called on the listener's thread. A lost
    connection is tried again every `retry_s`; NOTIFY is not kept for a client that was away, so whoever listens
    catches up (`changes_since`) when `on_connected(True)` comes again."""

    def __init__(self, store: PostgresStore, on_notice: Callable[[dict[str, Any]], None],
                 on_connected: Callable[[bool], None], retry_s: float = 2.0) -> None:
        import threading

        self._store = store
        self._on_notice = on_notice
        self._on_connected = on_connected
        self._retry_s = retry_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"listen {store.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait_s: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(wait_s)

    def _run(self) -> None:
        import psycopg

        address = self._store.address
        url = address.url().set(drivername="postgresql").render_as_string(hide_password=False)
        connected = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                                     application_name=f"RiskDesk {host_name()[:30]}:{os.getpid()} listen") as conn:
                    conn.execute(f"LISTEN {_quoted(channel(self._store.name))}")
                    connected = True
                    self._on_connected(True)
                    while not self._stop.is_set():
                        for notice in conn.notifies(timeout=0.25):
                            try:
                                payload = json.loads(notice.payload)
                            except ValueError:
                                payload = {}
                            self._on_notice(payload if isinstance(payload, dict) else {})
                        conn.execute("SELECT 1")  # a lost connection shows here, not only at the next notice
            except (psycopg.Error, OSError):
                if connected:
                    connected = False
                    self._on_connected(False)
                self._stop.wait(self._retry_s)
