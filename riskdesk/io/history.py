"""A project's history as the buyer reads it: every commit and save of a workspace or a project file, oldest first,
with who, when, what was done, where it came from (its source) and which parts it changed.

    entries = project_history(open_store(location), since=dt.date(2026, 12, 1), part="MTR-4471")

One answer everywhere: `riskdesk history` prints these entries (`HistoryEntry.to_json` is its `--json` shape) and
the window's History view lists them (riskdesk.ui.history_view). The store does the reading
(`ProjectStore.changes_since`); this module only names the parts each entry changed and filters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from riskdesk.core.fields import ROW_ID
from riskdesk.core.labels import count

if TYPE_CHECKING:
    from riskdesk.core.edits import ChangeSet
    from riskdesk.io.store import CommittedChange, ProjectStore, Revision

PART_TABLES = ("parts", "paths", "composition")
"""The tables whose rows belong to one part (its own row, its supply paths, its composition)."""

EDIT_TEXT = {"cell": "cell edit", "paste": "paste", "rows added": "rows added", "rows removed": "rows removed",
             "settings": "settings change", "scenarios": "scenarios change", "variants": "variants change"}
"""What an edit in the window was (its source's "edit"), in the buyer's words."""


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One commit or save of the project: its revision, who made it and when, what was done, and the change."""

    entry: CommittedChange
    parts: tuple[str, ...]
    """The part numbers whose rows it changed, sorted (none for a whole save: its change is not kept)."""
    row_names: Mapping[str, str] = field(default_factory=dict)
    """Row id → how the buyer names that row (a part number, "MTR-4471 / SUP-017" for a supply path, a supplier
    id), for the rows it changed (`change_lines`)."""

    @property
    def revision(self) -> int:
        return self.entry.revision.number

    @property
    def by(self) -> str:
        return self.entry.revision.by

    @property
    def at(self) -> str:
        return self.entry.revision.at

    @property
    def text(self) -> str:
        return self.entry.text

    @property
    def changes(self) -> ChangeSet | None:
        return self.entry.changes

    @property
    def source(self) -> dict[str, Any]:
        """Where it came from ({"kind": "edit"}, {"kind": "import", "files": […]} …); {"kind": "save"} for a
        whole save."""
        return dict(self.entry.changes.source) if self.entry.changes is not None else {"kind": "save"}

    def to_json(self) -> dict[str, Any]:
        """The entry as `riskdesk history --json` prints it."""
        return {"revision": self.revision, "by": self.by, "at": self.at, "text": self.text, "source": self.source,
                "parts": list(self.parts),
                "change": self.entry.changes.to_json() if self.entry.changes is not None else None}


def project_history(store: ProjectStore, since: dt.date | None = None, part: str | None = None) -> list[HistoryEntry]:
    """Every commit and save of the project kept in `store`, oldest first; `since` keeps those made on or after
    that day (UTC), `part` those that changed the rows of the part numbered so. Raises StoreError (one line, what
    to do) when the store cannot be read. Talks to the store: never call it on the GUI thread."""
    from riskdesk.io.store import Revision

    entries = store.changes_since(Revision(0))
    project = store.read()[0] if store.exists() else None
    part_of: dict[str, str] = {}  # row id → part number, from the project and from the rows the history holds
    names: dict[str, str] = {}  # row id → the row as the buyer names it
    if project is not None:
        for table in PART_TABLES:
            frame = getattr(project.tables, table)
            part_of.update(zip(frame[ROW_ID].astype(str), frame["part_number"].astype(str), strict=True))
            if table == "paths":
                names.update(zip(frame[ROW_ID].astype(str), frame["part_number"].astype(str) + " / "
                                 + frame["supplier_id"].astype(str), strict=True))
        suppliers = project.tables.suppliers
        names.update(zip(suppliers[ROW_ID].astype(str), suppliers["supplier_id"].astype(str), strict=True))
    for entry in entries:
        if entry.changes is None:
            continue
        for row in (*entry.changes.inserts, *entry.changes.removes):
            if "part_number" in row.values:
                part_of.setdefault(row.row_id, str(row.values["part_number"]))
            if "supplier_id" in row.values:
                names.setdefault(row.row_id, " / ".join(str(row.values[k]) for k in ("part_number", "supplier_id")
                                                        if k in row.values))
    shown: list[HistoryEntry] = []
    for entry in entries:
        parts: set[str] = set()
        if entry.changes is not None:
            parts |= {part_of[c.row_id] for c in entry.changes.cells if c.row_id in part_of}
            parts |= {part_of[r.row_id] for r in (*entry.changes.inserts, *entry.changes.removes)
                      if r.row_id in part_of}
            parts |= {str(c.new) for c in entry.changes.cells if c.field == "part_number" and c.table == "parts"}
        if since is not None and (entry.revision.at[:10] or "0000") < since.isoformat():
            continue
        if part is not None and part not in parts:
            continue
        touched = ({c.row_id for c in entry.changes.cells} | {r.row_id for r in (*entry.changes.inserts,
                                                                                  *entry.changes.removes)}
                   if entry.changes is not None else set())
        shown.append(HistoryEntry(entry, tuple(sorted(parts)),
                                  {row: names.get(row, part_of.get(row, "")) for row in sorted(touched)
                                   if row in names or row in part_of}))
    return shown


def revision_text(revision: Revision, store: ProjectStore, unsent: int = 0, unsaved: bool = False) -> str:
    """How a report's Inputs name the state of the project it was made from: "12 of the workspace eu", "5 of the
    project file eu.rdproj"; from the window also ", with 3 changes not sent yet" (a workspace's edits on their
    way) or ", with changes not saved yet" (a file's)."""
    from riskdesk.io.store import is_database_location

    kind = "workspace" if is_database_location(store.location) else "project file"
    text = f"{revision.number} of the {kind} {store.name}"
    if unsent:
        text += f", with {count(unsent, 'change')} not sent yet"
    elif unsaved:
        text += ", with changes not saved yet"
    return text


def source_text(source: Mapping[str, Any]) -> str:
    """What a change set's source says, in the buyer's words: "cell edit", "import of bom.xlsx (sha256 3f2a9c1b…)",
    "declaration REQ-1: answer.xlsx (sha256 …)", "undo", "saved as a whole"."""
    kind = str(source.get("kind", ""))
    files = [f for f in source.get("files", ()) if isinstance(f, Mapping)]
    if kind == "import":
        named = ", ".join(_file_text(f) for f in files)
        return f"import of {named}" if named else "import"
    if kind == "answer":
        file = _file_text(source) if source.get("file") else ""
        return f"declaration {source.get('request', '?')}" + (f": {file}" if file else "")
    if kind == "request":
        return "declaration request " + ", ".join(str(r) for r in source.get("requests", ()))
    if kind == "command":
        return f"command riskdesk {source.get('command', '')}".rstrip()
    if kind == "save":
        return "saved as a whole"
    if kind == "edit":
        return EDIT_TEXT.get(str(source.get("edit", "")), "edit")
    if kind == "undo":
        return "undo"
    if kind == "redo":
        return "redo"
    return kind or "change"


def change_size(changes: ChangeSet) -> str:
    """ "2 cells, 1 row added, scenarios": how much a change set changed."""
    sizes = [(len(changes.cells), "cell", ""), (len(changes.inserts), "row", " added"),
             (len(changes.removes), "row", " removed")]
    words = [count(n, noun) + suffix for n, noun, suffix in sizes if n]
    words += [w.name for w in changes.wholes]
    return ", ".join(words) or "no change"


def change_lines(entry: HistoryEntry, limit: int = 500) -> list[str]:
    """What an entry changed, one line per value, before → after: "parts MTR-4471 · stock_days: 10.0 → 45.0",
    "added to paths: MTR-4471 (supplier_id SUP-017, …)", "scenarios: replaced". [] for a whole save (its values
    before are not kept). At most `limit` lines, then how many more."""
    changes = entry.changes
    if changes is None:
        return []
    lines: list[str] = []
    for cell in changes.cells:
        lines.append(f"{cell.table} {_row_name(entry, cell.row_id)} · {cell.field}: "
                     f"{_value(cell.old)} → {_value(cell.new)}")
    for verb, rows in (("added to", changes.inserts), ("removed from", changes.removes)):
        for row in rows:
            values = ", ".join(f"{k} {_value(v)}" for k, v in row.values.items() if k != ROW_ID
                               and not _blank(v))
            lines.append(f"{verb} {row.table}: {_row_name(entry, row.row_id)} ({values})")
    lines += [f"{whole.name}: replaced" for whole in changes.wholes]
    if len(lines) > limit:
        lines = [*lines[:limit], f"… and {len(lines) - limit} more"]
    return lines


def _row_name(entry: HistoryEntry, row_id: str) -> str:
    return entry.row_names.get(row_id) or f"row {row_id}"


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


def _value(value: Any) -> str:
    if _blank(value):
        return "(blank)"
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _file_text(file: Mapping[str, Any]) -> str:
    digest = str(file.get("sha256", ""))
    return f"{file.get('file', '?')}" + (f" (sha256 {digest[:12]}…)" if digest else "")
