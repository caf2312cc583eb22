"""One import session for the window and the command line: the same proposal, the same checks, the same rules.

    request (files, mapping, defaults, skip rows) ─▶ propose ─▶ check ─▶ (the caller applies) ─▶ saved mappings

`check` reads and validates the files (riskdesk.io.importer), merges the result into the project's tables and
checks the merged project. A problem in a part or supplier the import brings is an error and blocks it; a
problem in one the import does not touch is a warning ("not in this import"): an old mistake elsewhere in the
project never stops an import, in the window as on the command line. Nothing here changes the project: the
command line saves `check.merged`, the window applies it as one undoable step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS
from riskdesk.core.edits import ChangeSet, WholeChange, diff_tables
from riskdesk.core.merge import MergeScope, merge_tables
from riskdesk.core.problems import Problem, as_warning
from riskdesk.core.project import Project, ProjectTables
from riskdesk.io import importer
from riskdesk.io.importer import ImportLimits, ImportOptions, ImportResult
from riskdesk.io.mapping import DEFAULTABLE_FIELDS, FIELDS, SheetMapping

Reader = Callable[..., ImportResult]
"""`importer.read_and_validate`, or a wrapper that runs it elsewhere (the window reads large files in a child
process); called with (files, mapping=…, sheet=…, known=…, limits=…, options=…, progress=…, cancelled=…)."""


@dataclass
class ImportRequest:
    """What the user asked to import, and how."""

    files: list[Path]
    mapping: Any = None
    """A column mapping to use (JSON as `--mapping` takes it, or `SheetMapping`s); None: propose one."""
    sheet: str | None = None
    defaults: dict[str, str] = field(default_factory=dict)
    """Field → value for fields a file lacks or leaves blank (`--default FIELD=VALUE`)."""
    skip_error_rows: bool = False
    limits: ImportLimits = field(default_factory=ImportLimits)
    replace_parts: bool = False
    """The files are the whole truth about their parts' supply (a complete BOM): supply paths of those parts from
    suppliers the files do not name go. By default an import changes only the paths of the suppliers it names
    (riskdesk.core.merge)."""

    @property
    def options(self) -> ImportOptions:
        return ImportOptions(defaults=dict(self.defaults), skip_error_rows=self.skip_error_rows)


@dataclass
class ImportCheck:
    """What checking an import found: what would be applied, every problem, and what still needs a person."""

    result: ImportResult
    merged: ProjectTables | None
    """The project's tables with the import merged in (None when the import cannot be applied)."""
    problems: list[Problem]
    """The file's problems, then the merged project's (errors first in each)."""
    unsure: list[SheetMapping]
    """Mappings a person must confirm before importing (none when the caller gave a mapping)."""
    files: list[dict[str, str]] = field(default_factory=list)
    """The files read, for the history: each one's name and SHA-256 (`file_source`)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    @property
    def can_apply(self) -> bool:
        return self.merged is not None and not self.errors and not self.unsure

    def summary(self) -> str:
        """"3 parts, 2 suppliers, 4 supply paths from 4 rows" (and the rows skipped)."""
        tables = self.result.tables
        text = (f"{_count(len(tables.parts), 'part')}, {_count(len(tables.suppliers), 'supplier')}, "
                f"{_count(len(tables.paths), 'supply path')} from {_count(self.result.rows_read, 'row')}")
        if self.result.skipped_rows:
            text += f" ({_count(self.result.skipped_rows, 'row')} with errors skipped)"
        return text

    def saved_mappings(self, current: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The project's confirmed mappings with this import's, by layout signature (defaults included)."""
        saved = dict(current)
        for mapping in self.result.mappings:
            if mapping.signature:
                saved[mapping.signature] = mapping.to_json()
        return saved

    def change_set(self, project: Project, text: str, source: Mapping[str, Any] | None = None) -> ChangeSet:
        """The import as a change set on `project`: the rows it adds, the fields it changes, the paths it replaces,
        and its column mappings (what the window's undo and a workspace's history record). Raises ValueError if
        the check does not allow applying."""
        if not self.can_apply or self.merged is None:
            raise ValueError("this import cannot be applied")
        files = {"files": [dict(f) for f in self.files]} if self.files else {}
        changes = diff_tables(project.tables, self.merged, text, {"kind": "import", **files, **(source or {})})
        mappings = self.saved_mappings(project.saved_mappings)
        if mappings != project.saved_mappings:
            changes = replace(changes, wholes=(WholeChange("saved_mappings", dict(project.saved_mappings),
                                                           mappings),))
        return changes

    def applied_to(self, project: Project, text: str = "Import", source: Mapping[str, Any] | None = None) -> Project:
        """A copy of `project` with the import's change set (`change_set`) made: its tables and saved mappings
        changed, everything else it holds (settings, scenarios, variants, and whatever a project holds in future)
        kept as it is. Raises ValueError if the check does not allow applying."""
        changes = self.change_set(project, text, source)
        copy = project.copy()
        changes.apply_to(copy)
        return copy


def check_defaults(defaults: Mapping[str, str]) -> list[str]:
    """What is wrong with defaults as given (unknown field names, values the field cannot take); empty when
    fine."""
    issues = []
    for name, value in defaults.items():
        if name not in DEFAULTABLE_FIELDS:
            known = name in FIELDS
            issues.append(f"{name!r} {'cannot take a default' if known else 'is not a RiskDesk field'}; fields "
                          f"that take one: {', '.join(DEFAULTABLE_FIELDS)}")
        elif value and importer.read_default(name, value) is None:
            spec = FIELDS[name]
            allowed = f": use one of {', '.join(m.value for m in spec.enum)}" if spec.enum is not None else ""
            issues.append(f"{value!r} is not a value {name} can take{allowed}")
    return issues


def propose(request: ImportRequest, project: Project) -> tuple[list[SheetMapping], list[Problem]]:
    """The mapping RiskDesk would use for each sheet, and the problems met reading the files."""
    return importer.inspect(request.files, sheet=request.sheet, known=project.saved_mappings, limits=request.limits,
                            options=request.options)


def check(request: ImportRequest, project: Project, progress: Callable[[float], None] | None = None,
          cancelled: Callable[[], bool] | None = None, reader: Reader | None = None) -> ImportCheck:
    """Read, validate and merge (see the module docstring). Never raises for bad input."""
    read = reader or importer.read_and_validate
    result = read(request.files, mapping=request.mapping, sheet=request.sheet, known=project.saved_mappings,
                  limits=request.limits, options=request.options, progress=progress, cancelled=cancelled)
    problems = list(result.problems)
    unsure = [m for m in result.mappings if not m.is_confident()] if request.mapping is None else []
    merged = None
    if result.ok and not unsure:
        merged = merge_tables(project.tables, result.tables, import_scope(result, request.replace_parts))
        problems += _project_problems(merged, result.tables)
        if any(p.is_error for p in problems):
            merged = None
    ordered = sorted(problems, key=lambda p: not p.is_error)
    files = [file_source(path) for path in request.files] if merged is not None else []
    return ImportCheck(result, merged, ordered, unsure, files)


def file_source(path: Path) -> dict[str, str]:
    """A file an import read, for the history: its name and content hash ({"file": name} alone when it can no
    longer be read)."""
    import hashlib

    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return {"file": path.name}
    return {"file": path.name, "sha256": digest.hexdigest()}


def import_scope(result: ImportResult, replace_parts: bool = False) -> MergeScope:
    """What an import speaks for: the fields its files have a column for or a default (a family read from the
    grade, an id from the supplier's name, an element's share from a composition column count as given), so that a
    file without a price column leaves the project's prices as they are. A file that says how a path's origins are
    known (its evidence) speaks for each stage's own evidence too: blank where it has no such column."""
    spoken = {name for mapping in result.mappings for name in (*mapping.mapped(), *mapping.defaults)}
    if "grade" in spoken:
        spoken.add("magnet_family")
    if "supplier_name" in spoken:
        spoken.add("supplier_id")
    if any(FIELDS[name].element for name in spoken if name in FIELDS):
        spoken |= {"element", "wt_pct"}
    if "origin_evidence" in spoken:  # how the path's origins are known, for every stage the file says no more of
        spoken |= set(STAGE_EVIDENCE_COLUMNS)
    return MergeScope.speaking_for(spoken, replace_parts)


def _project_problems(merged: ProjectTables, imported: ProjectTables) -> list[Problem]:
    """The merged project's problems: errors in what the import brings, warnings elsewhere."""
    parts = set(imported.parts["part_number"])
    suppliers = set(imported.suppliers["supplier_id"])
    found: list[Problem] = []
    for problem in merged.validate():
        ours = (problem.part in parts if problem.part else False) or (
            problem.supplier in suppliers if problem.supplier else False)
        if ours or not (problem.part or problem.supplier):
            found.append(problem)
        else:
            found.append(as_warning(problem, " (in the project already, not in this import)"))
    return _deduplicated(found)


def _deduplicated(problems: Sequence[Problem]) -> list[Problem]:
    seen: set[tuple[object, ...]] = set()
    result = []
    for problem in problems:
        key = (problem.severity, problem.message, problem.sheet, problem.row, problem.column, problem.value)
        if key not in seen:
            seen.add(key)
            result.append(problem)
    return result


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
