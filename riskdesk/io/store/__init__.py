"""Where a project is kept, behind one seam: `open_store(location)` is the one place that decides which backend
keeps the project at a location, and every caller (the window, the command line, the autosave) then uses only the
`ProjectStore` protocol, its `Revision` and its `Lease` (riskdesk.io.store.base).

    store = open_store("eu-magnets.rdproj")       # a path, or a file name ending in .rdproj: the file backend
    project, revision = store.read()
    with store.lease():                           # one writer at a time
        revision = store.commit(changes, revision)  # one edit, import or answer; refused if someone saved since

Backends: `riskdesk.io.store.rdproj` (one `.rdproj` SQLite file, today's project file) and
`riskdesk.io.store.postgres` (a team workspace: `postgresql://user@host/db?workspace=NAME`, docs/workspace.md). A
database backend is one module here, named in `BACKENDS` by the scheme of its locations; it provides
`open_location(location) -> ProjectStore`, and the store contract tests (tests/io/store/test_contract.py) run over
it as one more parameter. Without its driver (an installation without the `team` extra) such a location is
refused with one clear message.

Only `riskdesk.io.store` imports sqlite3 (and a database driver): pyproject.toml's import contracts say so. Nothing
here imports numpy or pandas until a project is read (the first window previews rows through the store).
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit, urlunsplit

from riskdesk.io.store.base import (
    CLI_WAIT_S,
    UNCHECKED,
    CannotLockError,
    CommittedChange,
    Conflict,
    Expected,
    Lease,
    LockUnavailableError,
    ProjectChangedError,
    ProjectFileError,
    ProjectInUseError,
    ProjectLockedError,
    ProjectRows,
    ProjectStore,
    Revision,
    StoreChangedError,
    StoreConflictError,
    StoreError,
    StoreInUseError,
    Unchecked,
    read_whole,
    row_name,
)

__all__ = ["BACKENDS", "CLI_WAIT_S", "UNCHECKED", "CannotLockError", "CommittedChange", "Conflict", "Expected",
           "Lease", "LockUnavailableError", "ProjectChangedError", "ProjectFileError", "ProjectInUseError",
           "ProjectLockedError", "ProjectRows", "ProjectStore", "Revision", "StoreChangedError", "StoreConflictError",
           "StoreError", "StoreInUseError", "Unchecked", "is_database_location", "open_store", "read_whole",
           "row_name", "shown_location", "unchanged_file"]

BACKENDS: dict[str, str] = {"postgresql": "postgres", "postgres": "postgres"}
"""Database locations: the scheme of the address → the module of `riskdesk.io.store` that keeps projects there."""

_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")


def is_database_location(location: str | Path) -> bool:
    """Whether `location` is an address (`scheme://…`) rather than a file's path."""
    return isinstance(location, str) and _SCHEME.match(location) is not None


def shown_location(location: str | Path) -> str:
    """`location` as it may be shown, logged or kept in the recent list: an address without its password."""
    if not is_database_location(location):
        return str(location)
    text = str(location)
    try:
        parts = urlsplit(text)
        if parts.password is None:
            return text
        user = parts.username or ""
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port is not None else ""
        return urlunsplit(parts._replace(netloc=f"{user}@{host}{port}" if user else f"{host}{port}"))
    except ValueError:  # an address too malformed to parse (a bad port): show its scheme only
        found = _SCHEME.match(text)
        return f"{found['scheme']}://…" if found else "…"


def open_store(location: str | Path) -> ProjectStore:
    """The store that keeps the project at `location`: a path (or a name ending in .rdproj) is a project file; an
    address `scheme://…` is a database whose backend `BACKENDS` names. Nothing is read yet. StoreError (one line,
    never showing a password) when this RiskDesk cannot keep projects there."""
    if not is_database_location(location):
        from riskdesk.io.store.rdproj import RdprojStore

        return RdprojStore(Path(location))
    text = str(location)
    scheme = text.split("://", 1)[0].lower()
    module_name = BACKENDS.get(scheme)
    if module_name is None:
        raise StoreError(f"{shown_location(text)}: RiskDesk cannot keep projects at {scheme}:// addresses; give a "
                         "project file (.rdproj) or a team workspace (postgresql://USER@HOST/DATABASE?workspace=NAME)")
    qualified = f"{__name__}.{module_name}"
    try:
        backend = importlib.import_module(qualified)
    except ImportError as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name == qualified:
            raise StoreError(f"{shown_location(text)}: this RiskDesk has no workspace support yet; open a project "
                             "file (.rdproj) instead") from None
        raise StoreError(f"{shown_location(text)}: team workspaces need {exc.name or 'a database driver'}, which "
                         "this installation lacks; install RiskDesk with its team extra") from None
    return cast(ProjectStore, backend.open_location(text))


def unchanged_file(store: ProjectStore, revision: Revision) -> Path | None:
    """The file `store` keeps its project in, when it keeps it in a file and that file is still at `revision`
    (nobody saved it since it was read): the project read at `revision` is then that file byte for byte, and the
    report may name the file's SHA-256. None for a workspace, a file saved since, or one that cannot be read. The
    window's report and `riskdesk report` both ask this (one answer)."""
    path = store.path
    if path is None:
        return None
    try:
        current = store.revision()
    except (OSError, StoreError):
        return None
    return path if current is not None and current.same_as(revision) else None
