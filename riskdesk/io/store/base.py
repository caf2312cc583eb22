"""What every place a project is kept offers, whatever it is: the `ProjectStore` protocol, its `Revision`, its
one-writer `Lease`, the history it keeps (`CommittedChange`) and the errors it raises.

A backend (the `.rdproj` file today, `riskdesk.io.store.rdproj`; a team workspace later) implements these; the
window, the command line and the autosave use only these names, through `riskdesk.io.store.open_store`. This
module needs neither numpy nor pandas (the first window imports it) and knows no backend.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from riskdesk.core.edits import ChangeSet
    from riskdesk.core.project import Project
    from riskdesk.io.store.owner import Owner

SUFFIX = ".rdproj"
"""A project file's extension."""
APPLICATION_ID = 0x52534B44
"""`PRAGMA application_id` of a project file ("RSKD"): lets `file` and RiskDesk recognise the database as one."""
SQLITE_HEADER = b"SQLite format 3\x00"
"""How every SQLite database file starts."""
# Here rather than in riskdesk.io.store.schema (which re-exports them) so that the window can name project files
# before its first paint without importing sqlite3 and the domain.

CLI_WAIT_S = 10.0
"""How long a command-line writer waits for another one to let go of the project (a script importing two files at
once) before giving up."""


# ---- revisions ------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Revision:
    """Which state of a project was read or written: what a save or commit names as the state it expects to
    replace, so that nothing someone else saved meanwhile is lost silently."""

    number: int
    """Counts the saves and commits of the project (0: a file from before revisions were stored)."""
    by: str = ""
    """Who saved it ("alice on WS-07"), as far as the store knows."""
    at: str = ""
    """When, ISO 8601 in UTC ("2026-12-05T14:05:09+00:00")."""
    token: str = ""
    """The backend's own check that this is the same state and not just the same number (a file: its save id,
    size and time). Opaque to callers; "" where the store no longer knows it (an earlier revision of a file)."""

    def same_as(self, other: Revision) -> bool:
        """Whether `other` is this very state of the project (replacing it loses nothing read since)."""
        return (self.number, self.token) == (other.number, other.token)

    def describe(self) -> str:
        """ "saved by alice on WS-07 at 2026-12-05T14:05:09+00:00" (the parts the store knows)."""
        by = f" by {self.by}" if self.by else ""
        when = f" at {self.at}" if self.at else ""
        return f"saved{by}{when}"

    def to_json(self) -> dict[str, Any]:
        return {"number": self.number, "by": self.by, "at": self.at, "token": self.token}

    @classmethod
    def from_json(cls, data: object) -> Revision | None:
        """The revision `to_json` wrote, or None when `data` is not one."""
        if not isinstance(data, dict):
            return None
        number, by, at, token = (data.get(k) for k in ("number", "by", "at", "token"))
        if isinstance(number, bool) or not isinstance(number, int):
            return None
        if not all(isinstance(text, str) for text in (by, at, token)):
            return None
        return cls(number, str(by), str(at), str(token))


class Unchecked(enum.Enum):
    """The type of `UNCHECKED`."""

    UNCHECKED = "unchecked"


UNCHECKED = Unchecked.UNCHECKED
"""`save(project, expected=UNCHECKED)`: replace whatever is there (the user chose the target in a Save As dialog,
which asked before replacing it, or chose to overwrite someone else's changes)."""

Expected = Revision | None | Literal[Unchecked.UNCHECKED]
"""What a save expects to replace: that revision, nothing at all (None: a new project), or anything (UNCHECKED)."""


@dataclass(frozen=True, slots=True)
class CommittedChange:
    """One entry of a project's history: the revision a commit or save made, and what it changed."""

    revision: Revision
    text: str
    """What was done, in the user's words ("Save scenario 'Dy spike'", "Saved")."""
    changes: ChangeSet | None = None
    """The change set committed; None when the project was saved as a whole (read it again to see it)."""


@dataclass(frozen=True, slots=True)
class ProjectRows:
    """A project's name and its tables' rows as plain tuples (None for a blank number): what the first window
    shows before numpy and pandas have loaded."""

    name: str
    tables: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)


# ---- errors -------------------------------------------------------------------------------------------------------

class StoreError(Exception):
    """A project that cannot be read or written where it is kept; the message says what to do."""


class StoreChangedError(StoreError):
    """A save or commit refused because the project changed since the revision it expected: someone else saved it.
    `on_store` is the revision found there."""

    def __init__(self, location: str | Path, on_store: Revision) -> None:
        self.location = str(location)
        self.on_store = on_store
        super().__init__(f"{location} was changed by another program since you opened it ({on_store.describe()}). "
                         "Your changes are not saved yet: reload the file, save yours under another name, or "
                         "overwrite the other changes")


@dataclass(frozen=True, slots=True)
class Conflict:
    """One value of a commit that someone else changed first: the row (by its id, and as the buyer names it), the
    field, their value and yours, and who changed it when (where the store knows)."""

    table: str
    row_id: str
    row: str
    """The row as the buyer knows it ("part MTR-4471", "path MTR-4471 / SUP-017"); a whole's name ("scenarios")."""
    field: str
    """The field ("" for a whole row: one you remove that they changed, or a whole such as the scenarios)."""
    theirs: Any
    """What is kept now; None: they removed the row."""
    yours: Any
    """What you wanted; None: you removed the row."""
    by: str = ""
    at: str = ""

    def describe(self) -> str:
        """ "part MTR-4471, stock_days: 45.0 (bob at 2026-12-05T10:42:00+00:00), yours 10.0" """
        who = " ".join(x for x in (self.by, f"at {self.at}" if self.at else "") if x) or "someone else"
        if self.theirs is None:
            return f"{self.row}: removed by {who}" + (f", yours {self.field} {_short(self.yours)}" if self.field
                                                      else "")
        if self.yours is None:
            return f"{self.row}: changed by {who}, you removed it"
        if not self.field:
            return f"{self.row}: changed by {who}, and by you"
        return f"{self.row}, {self.field}: {_short(self.theirs)} ({who}), yours {_short(self.yours)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


class StoreConflictError(StoreChangedError):
    """A commit refused whole because rows it changes were changed by someone else since the revision it was made
    against (field by field: edits to other fields and other rows never conflict). `conflicts` lists each value:
    theirs and yours, to keep either."""

    def __init__(self, location: str | Path, on_store: Revision, conflicts: tuple[Conflict, ...]) -> None:
        self.conflicts = conflicts
        StoreError.__init__(
            self, f"{location}: someone else changed what you edited: "
            + "; ".join(c.describe() for c in conflicts[:3])
            + (f" (and {len(conflicts) - 3} more)" if len(conflicts) > 3 else "")
            + ". Nothing of your change was saved: read the workspace again and keep theirs or make yours again")
        self.location = str(location)
        self.on_store = on_store


class StoreInUseError(StoreError):
    """Another program is writing to the project and has kept it for longer than a read waits."""

    def __init__(self, location: str | Path, waited_s: float) -> None:
        self.location = str(location)
        super().__init__(f"{location} is in use: another program is writing to it and kept it locked for more than "
                         f"{waited_s:g} s. Close it there (or wait until it is done) and try again")


class CannotLockError(StoreError):
    """This RiskDesk cannot be the project's one writer: someone holds it (ProjectLockedError), or the lease cannot
    be taken at all (LockUnavailableError). The window then offers to open the project read-only."""


class ProjectLockedError(CannotLockError):
    """Another RiskDesk (window or command) holds the project: the message names who and since when."""

    def __init__(self, project: str | Path, holder: Owner | None) -> None:
        self.project = project
        self.holder = holder
        who = holder.describe() if holder is not None else "another RiskDesk"
        super().__init__(f"{project} is in use by {who}. Close it there and try again, or open it read-only")


class LockUnavailableError(CannotLockError):
    """The project's lease cannot be taken, though nobody holds it: `reason` says why. `read_only`: the project
    could not be saved there anyway (a folder that is read-only for this user)."""

    def __init__(self, project: str | Path, reason: str, read_only: bool = False) -> None:
        self.project = project
        self.reason = reason
        self.read_only = read_only
        super().__init__(f"{project} cannot be locked for you alone: {reason}")


ProjectFileError = StoreError
"""The name of `StoreError` before projects had more than one kind of home (kept: messages and callers use it)."""
ProjectChangedError = StoreChangedError
ProjectInUseError = StoreInUseError


# ---- the protocols ------------------------------------------------------------------------------------------------

class Lease(Protocol):
    """The right to be the project's one writer, held from reading it to saving it (the command line) or while it
    is open (the window). A file's is the lock beside it (`riskdesk.io.store.lock.ProjectLock`)."""

    @property
    def held(self) -> bool: ...

    unavailable: LockUnavailableError | None
    """Why this works on without the lease (the caller accepted that: --no-lock, the setting), else None."""

    def release(self) -> None:
        """Let go (safe to call twice)."""


class ProjectStore(Protocol):
    """Where one project is kept (a `.rdproj` file; later a team workspace). Get one with
    `riskdesk.io.store.open_store(location)`; every method raises StoreError with what to do."""

    @property
    def location(self) -> str:
        """What the user gave to find the project again: a file's path, a workspace's address (without a
        password)."""

    @property
    def name(self) -> str:
        """How the window names it: the file's name ("eu.rdproj"), the workspace's name."""

    @property
    def project_name(self) -> str:
        """The name a new project kept here is given ("eu" for eu.rdproj)."""

    @property
    def path(self) -> Path | None:
        """The file the project is kept in, if it is kept in one: outputs never write over it."""

    def exists(self) -> bool:
        """Whether there is a project here to read."""

    def read(self) -> tuple[Project, Revision]:
        """The project and the revision it was read at (for `save` and `commit`)."""

    def revision(self) -> Revision | None:
        """The revision kept here now; None when there is no project yet."""

    def save(self, project: Project, expected: Expected, *, text: str = "",
             changes: ChangeSet | Sequence[ChangeSet] | None = None) -> Revision:
        """Keep `project` as a whole in place of the revision `expected` (None: there must be no project yet;
        UNCHECKED: replace whatever is there) and return the new revision; `text` says what was done, for the
        history. `changes`: the change set that made `project` (a new project's first import: its source names the
        files), kept in the history in place of "saved as a whole"; a list: the change sets that made it from
        `expected`, in order (the window's edits since its last save), each kept as an entry of its own where the
        store checks that they do make it (else it is a whole save). StoreChangedError when the project is no
        longer at `expected`: nothing is written then."""

    def commit(self, changes: ChangeSet, expected: Revision) -> Revision:
        """Make one edit, import or answer on the project kept here, in one step, made against the revision
        `expected` it was read at; the change set is kept in the history. When others committed since, it is made
        on top of theirs unless it changes what they changed: a field whose value is no longer the one it read
        (`CellChange.old`), a row they changed that it removes, a row they removed, a whole they replaced. Then it
        is refused whole with StoreConflictError, naming theirs and yours; edits to other fields and other rows
        never conflict. StoreChangedError when the project was replaced as a whole since (read it again)."""

    def changes_since(self, revision: Revision) -> list[CommittedChange]:
        """What was saved or committed after `revision`, oldest first; the last entry's revision is the one kept
        now. [] when nothing was. An entry without a change set means "read the project again" (a whole save, or
        a history that does not reach back to `revision`)."""

    def lease(self, wait_s: float = 0.0, without_lock_ok: bool = False) -> Lease:
        """Become the project's one writer, waiting up to `wait_s` for another holder: ProjectLockedError names
        who holds it; LockUnavailableError says why it cannot be taken, unless `without_lock_ok` (then the lease
        works on without it and says why in `unavailable`)."""

    def preview_rows(self, max_rows: int | None = None) -> ProjectRows:
        """The project's rows without numpy or pandas, for the first window; StoreError when that is not quick
        (more than `max_rows` in a table, an older layout): the full read then says why, if anything is wrong."""


def row_name(table: str, values: Mapping[str, Any]) -> str:
    """A row as the buyer knows it: "part MTR-4471", "supplier SUP-017", "path MTR-4471 / SUP-017" …"""
    def get(key: str) -> str:
        return str(values.get(key, "") or "")

    if table == "parts":
        return f"part {get('part_number')}"
    if table == "suppliers":
        return f"supplier {get('supplier_id')}"
    if table == "paths":
        return f"path {get('part_number')} / {get('supplier_id')}"
    return f"composition {get('part_number')} {get('element')}"


def read_whole(name: str, value: Any) -> Any:
    """A whole part of a project from the JSON of a change set (`ChangeSet.from_json`'s `read_whole`)."""
    if name == "scenarios":
        from riskdesk.core.scenarios import Scenario

        return [Scenario.from_json(item) for item in value]
    if name == "variants":
        from riskdesk.core.mitigations import Variant

        return [Variant.from_json(item) for item in value]
    from riskdesk.core.edits import whole_from_json

    return whole_from_json(name, value)
