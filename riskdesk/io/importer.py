"""Import supplier and BOM spreadsheets as they come: one pipeline for the command line and the desktop app.

    files ─▶ workbook (safe open) ─▶ header (find the header row) ─▶ mapping (propose or apply a column mapping)
          ─▶ normalise each mapped column (per unique value) ─▶ validate rows across all files ─▶ ProjectTables

`read_and_validate` never raises for bad input: every problem is a `Problem` with file, sheet, row (as the user
sees it), column (the file's header), value and what to do. Errors block the import (the caller applies
nothing); warnings do not. `propose` runs the same steps and returns the column mappings only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from riskdesk.core.cells import clean_id, looks_like_formula
from riskdesk.core.countries import resolve_country
from riskdesk.core.domain import (
    NUMBER_COLUMNS,
    NUMBER_LIMITS,
    STAGE_COLUMNS,
    STAGE_EVIDENCE_COLUMNS,
    TEMPLATE_COLUMNS,
    EndUse,
    Evidence,
    Feedstock,
    MagnetFamily,
)
from riskdesk.core.elements import INDEX as ELEMENT_INDEX
from riskdesk.core.fields import (
    RECYCLED_IN,
    SUPPLIER_DEFAULTS,
    FieldKind,
    by_key,
    recycled_country,
    table_fields,
)
from riskdesk.core.grades import default_grades
from riskdesk.core.labels import field_label
from riskdesk.core.numbers import DAY_FACTORS, MASS_UNITS, UnitKind, parse_number, read_number
from riskdesk.core.problems import Problem, Severity, error, quoted, shown, warning
from riskdesk.core.project import SHARE_TOLERANCE_PCT, ProjectTables, share_problem
from riskdesk.io.collector import collector_paused
from riskdesk.io.header import HeaderLayout, combine_rows, display_names, find_header, row_texts
from riskdesk.io.mapping import (
    FAMILY_ELEMENTS,
    FIELDS,
    REQUIRED_FIELDS,
    REQUIRED_GROUPS,
    ColumnChoice,
    ContentProfile,
    ReadAs,
    SheetMapping,
    check_mapping_json,
    layout_signature,
    normalised_header,
    parse_header,
    propose_columns,
)
from riskdesk.io.normalize import (
    MAIN_ELEMENTS,
    PLAUSIBLE_MAX_PCT,
    Coded,
    Numbers,
    cell_text,
    derive_supplier_id,
    fold,
    has_percent_sign,
    is_excel_error,
    mass_grams,
    match_lines,
    oxide_factor,
    parse_enum_value,
    parse_numbers,
    resolve_countries,
    total_labels,
)
from riskdesk.io.workbook import (
    FORMULA_HINT,
    MAX_CELL_TEXT,
    ImportLimits,
    RawSheet,
    open_workbook,
    spreadsheet_files,
    unsaved_formulas,
)

__all__ = [
    "ColumnChoice",
    "ImportLimits",
    "ImportResult",
    "SheetMapping",
    "inspect",
    "propose",
    "read_and_validate",
]

PART_FIELDS: tuple[str, ...] = tuple(f.key for f in table_fields("parts", with_id=False) if f.kind is not FieldKind.KEY)
"""Part columns that repeat on every supply path of a part and must agree."""
_TEXT_KINDS = (ReadAs.CODE, ReadAs.TEXT, ReadAs.ENUM, ReadAs.COUNTRY)
_NUMERIC_KINDS = (ReadAs.MASS, ReadAs.COUNT, ReadAs.MONEY, ReadAs.DAYS, ReadAs.SHARE, ReadAs.COMPOSITION)
_ROWS_LISTED = 20
"""Rows listed one by one for a row-level problem; the rest are counted in one more problem."""
_SAMPLE_ROWS = 1000
"""Rows sampled per column to judge what it holds."""
_PROFILE_VALUES = 40
"""Distinct values per column checked against countries, enum values and grades."""


@dataclass
class ImportResult:
    """What an import read: the tables to apply (only when `ok`), every problem, and the mappings used."""

    tables: ProjectTables
    problems: list[Problem]
    mappings: list[SheetMapping]
    rows_read: int
    """Data rows read (header, blank, repeated-header and total rows not counted)."""
    preview: ImportPreview | None = None
    """The first rows as read (after defaults and inferences), with the problems and guesses marked on them;
    given even when there are errors, so that the user sees what to fix."""
    skipped_rows: int = 0
    """Rows left out because they had errors (only when the caller asked to skip them)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportOptions:
    """How to import beyond the column mapping: defaults for fields a file lacks, and whether to leave out the
    rows that have errors (each listed) instead of refusing the whole import."""

    defaults: Mapping[str, str] = field(default_factory=dict)
    """Field → value as the user typed it ("magnet_family" → "NdFeB"): fills missing columns and blank cells."""
    skip_error_rows: bool = False


PREVIEW_ROWS = 200


@dataclass
class ImportPreview:
    """The first rows of an import as RiskDesk read them: plain lists, so that they cross process boundaries."""

    fields: list[str]
    """Field names in column order (template fields first, then element contents)."""
    rows: list[list[object]]
    """One list per row: str for text fields ("" when empty), float for numbers (NaN when empty)."""
    sources: list[tuple[str, str, int]]
    """(file, sheet, row as the user sees it) of each row."""
    marks: dict[tuple[int, str], tuple[str, str]] = field(default_factory=dict)
    """(row index, field) → ("error" | "warning" | "inferred" | "default", message). Field "" marks the row."""


class _Problems:
    """Collects problems, listing at most `limit` and counting the rest."""

    def __init__(self, limit: int) -> None:
        self.items: list[Problem] = []
        self.limit = limit
        self.dropped = {Severity.ERROR: 0, Severity.WARNING: 0}

    def add(self, problem: Problem) -> None:
        if len(self.items) < self.limit:
            self.items.append(problem)
        else:
            self.dropped[problem.severity] += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def has_errors(self, file: str | None = None) -> bool:
        """Whether an error was met (in `file`, when given)."""
        if file is None and self.dropped[Severity.ERROR]:
            return True
        return any(p.is_error and (file is None or p.file == file) for p in self.items)

    def finish(self) -> list[Problem]:
        result = list(self.items)
        errors, warnings_ = self.dropped[Severity.ERROR], self.dropped[Severity.WARNING]
        if errors:
            result.append(error(f"{errors:,} more errors not listed", "Fix the ones listed and import again"))
        if warnings_:
            result.append(warning(f"{warnings_:,} more warnings not listed"))
        return result


@dataclass
class _Context:
    """State shared by one import: limits, problem sink, caches."""

    limits: ImportLimits
    problems: _Problems
    options: ImportOptions = field(default_factory=ImportOptions)
    countries: dict[str, str | None] = field(default_factory=dict)
    grades: dict[str, tuple[MagnetFamily | None, str | None]] = field(default_factory=dict)
    unsaved_formulas: dict[str, int] = field(default_factory=dict)
    """Per file name: cells holding a formula without a saved value (read as empty)."""

    def recognise(self, grade: str) -> tuple[MagnetFamily | None, str | None]:
        found = self.grades.get(grade)
        if found is None:
            found = default_grades().recognise(grade) if grade else (None, None)
            self.grades[grade] = found
        return found

    def resolve(self, text: str) -> str | None:
        if text in self.countries:
            return self.countries[text]
        code = resolve_country(text)
        if code is None and "(" in text and text.rstrip().endswith(")"):
            outer, _, inner = text.rstrip()[:-1].partition("(")
            a, b = resolve_country(outer), resolve_country(inner)
            code = a if a and (b is None or a == b) else None
        self.countries[text] = code
        return code


@dataclass
class _Column:
    """One column of a sheet: its header, where it is, and its values over the data rows."""

    header: str
    text: str
    position: int
    values: np.ndarray
    coded: Coded | None = None

    def full(self) -> Coded:
        if self.coded is None:
            self.coded = Coded.of(self.values)
        return self.coded


@dataclass
class _Sheet:
    """A sheet read, its header found and its columns proposed or mapped."""

    file: Path
    raw: RawSheet
    layout: HeaderLayout
    columns: list[_Column]
    mapping: SheetMapping
    given: bool = False
    """The mapping came from the user (given or saved), not from a proposal."""
    mapping_problems: list[Problem] = field(default_factory=list)

    @property
    def score(self) -> tuple[int, int, float]:
        fields = self.mapping.mapped()
        covered = sum(1 for group in REQUIRED_GROUPS if any(f in fields for f in group))
        return covered, len(fields), sum(c.confidence for c in fields.values())


@dataclass
class _SheetData:
    """A sheet's rows as RiskDesk fields, ready for the checks that span rows and files."""

    file: str
    sheet: str
    columns: dict[str, np.ndarray]
    """Field → one value per kept row (text fields: str objects, "" for empty; numbers: float64, NaN)."""
    rows: np.ndarray
    """The sheet row number of each kept row."""
    present: set[str]
    headers: dict[str, str]
    mapping: SheetMapping


# ---------------------------------------------------------------------------------------------------------------
# Public API

def propose(files: Sequence[Path] | Path, sheet: str | None = None, known: Mapping[str, dict] | None = None,
            limits: ImportLimits | None = None, options: ImportOptions | None = None) -> list[SheetMapping]:
    """The column mapping RiskDesk would use for each sheet it would import (nothing is validated)."""
    return inspect(files, sheet=sheet, known=known, limits=limits, options=options)[0]


def inspect(files: Sequence[Path] | Path, sheet: str | None = None, known: Mapping[str, dict] | None = None,
            limits: ImportLimits | None = None, options: ImportOptions | None = None
            ) -> tuple[list[SheetMapping], list[Problem]]:
    """Mappings as `propose` gives them, with the problems met reading the files (e.g. a refused file)."""
    with collector_paused():
        result = _run(_as_list(files), None, sheet, known, limits or ImportLimits(), None, None, validate=False,
                      options=options or ImportOptions())
    return result.mappings, result.problems


def read_and_validate(files: Sequence[Path] | Path,
                      mapping: Mapping[str, Any] | SheetMapping | Sequence[Any] | None = None,
                      sheet: str | None = None, known: Mapping[str, dict] | None = None,
                      limits: ImportLimits | None = None, progress: Callable[[float], None] | None = None,
                      cancelled: Callable[[], bool] | None = None,
                      options: ImportOptions | None = None) -> ImportResult:
    """Read, normalise and check files (a folder means every spreadsheet in it); apply nothing.

    `mapping` forces a column mapping (a `SheetMapping`, its JSON, or {"columns": {header: field}}); `known`
    holds confirmed mappings by layout signature and is used for files of the same layout; otherwise the
    proposal is used. Callers that import without asking should also check `m.is_confident()` for every
    mapping in the result.
    """
    with collector_paused():
        return _run(_as_list(files), mapping, sheet, known, limits or ImportLimits(), progress, cancelled,
                    validate=True, options=options or ImportOptions())


def _as_list(files: Sequence[Path] | Path) -> list[Path]:
    if isinstance(files, str | Path):
        return [Path(files)]
    return [Path(f) for f in files]


# ---------------------------------------------------------------------------------------------------------------
# The pipeline

def _run(files: list[Path], mapping: Mapping[str, Any] | SheetMapping | Sequence[Any] | None, sheet: str | None,
         known: Mapping[str, dict] | None, limits: ImportLimits, progress: Callable[[float], None] | None,
         cancelled: Callable[[], bool] | None, validate: bool, options: ImportOptions) -> ImportResult:
    context = _Context(limits, _Problems(limits.max_problems), options)
    report = progress or (lambda _fraction: None)
    stop = cancelled or (lambda: False)
    given = _given_mappings(mapping, context)
    paths = _expand(files, context)
    mappings: list[SheetMapping] = []
    data: list[_SheetData] = []
    share = 0.9 / max(len(paths), 1)
    for index, path in enumerate(paths):
        if stop():
            return _cancelled(mappings)
        report(index * share)
        sheets = _read_file(path, given, sheet, known or {}, context, stop)
        report((index + 0.6) * share)
        found = 0
        for item in sheets:
            given_now = {k: v for k, v in options.defaults.items() if v}
            item.mapping.defaults = {**item.mapping.defaults, **given_now}
            item.mapping.remembered = item.mapping.remembered - given_now.keys()
            mappings.append(item.mapping)
            context.problems.extend(item.mapping_problems)
            if stop():
                return _cancelled(mappings)
            sheet_data = _normalise_sheet(item, context)
            if sheet_data is not None and validate:
                data.append(sheet_data)
                found += 1
        formulas = context.unsaved_formulas.get(path.name, 0)
        if validate and sheets and not found and not context.problems.has_errors(path.name):
            if formulas:
                cells = f"{formulas:,} cell{'s' * (formulas != 1)}"
                context.problems.add(error(f"has nothing to import: its cells hold formulas with no saved values "
                                           f"({cells}; files written by scripts such as openpyxl carry formulas but "
                                           "not their results)", FORMULA_HINT, file=path.name))
            else:
                context.problems.add(error("has nothing to import: no data rows under a RiskDesk header",
                                           "Check that you picked the right file and sheet", file=path.name))
        elif formulas:
            one = formulas == 1
            context.problems.add(warning(f"{formulas:,} cell{'' if one else 's'} hold{'s' if one else ''} a formula "
                                         f"with no saved value; RiskDesk reads {'it' if one else 'them'} as empty",
                                         FORMULA_HINT, file=path.name))
        report((index + 1) * share)
    if not validate:
        return ImportResult(ProjectTables.empty(), context.problems.finish(), mappings, 0)
    if stop():
        return _cancelled(mappings)
    read_problems = list(context.problems.items)
    tables, rows = _validate(data, context)
    skipped = 0
    if options.skip_error_rows:
        for _attempt in range(3):
            bad = _rows_with_errors(context.problems.items)
            if not bad or any(p.is_error and p.row is None for p in context.problems.items):
                break
            data, dropped = _without_rows(data, bad)
            if not dropped:
                break
            skipped += dropped
            kept = [p for p in read_problems if (p.file, p.sheet, p.row) not in bad]
            notes = _skip_notes(context.problems.items, bad)
            context = _Context(limits, _Problems(limits.max_problems), options)
            context.problems.extend(kept + notes)
            read_problems = list(context.problems.items)
            tables, rows = _validate(data, context)
    report(1.0)
    problems = context.problems.finish()
    preview = _preview(rows, problems) if rows is not None else None
    if any(p.is_error for p in problems):
        tables = ProjectTables.empty()
    return ImportResult(tables, problems, mappings, len(rows) if rows is not None else 0, preview, skipped)


def _preview(rows: _Rows, problems: Sequence[Problem], limit: int = PREVIEW_ROWS) -> ImportPreview:
    """The first rows as read, every field any sheet maps or RiskDesk filled in, with problems and guesses marked."""
    from riskdesk.core.domain import TEMPLATE_COLUMNS, composition_column

    shown = min(len(rows), limit)
    present = set().union(*(item.present for item in rows.data)) if rows.data else set()
    present |= {field_name for _, field_name, _, _ in rows.marks}
    fields = [f for f in TEMPLATE_COLUMNS if f in present and f in rows.cols]
    wt_fields = [(composition_column(w[3:]), w) for w in rows.wt]
    values: list[list[object]] = []
    for i in range(shown):
        row: list[object] = [rows.cols[f][i] for f in fields]
        row += [float(rows.cols[w][i]) for _, w in wt_fields]
        values.append([float(v) if isinstance(v, np.floating) else v for v in row])
    sources = [(rows.data[int(rows.src[i])].file, rows.data[int(rows.src[i])].sheet, int(rows.row[i]))
               for i in range(shown)]
    names = fields + [name for name, _ in wt_fields]
    marks: dict[tuple[int, str], tuple[str, str]] = {}
    for indices, field_name, kind, texts in rows.marks:
        for index, text in zip(indices, texts, strict=True):
            if index < shown:
                marks[(int(index), field_name)] = (kind, str(text))
    position = {source: i for i, source in enumerate(sources)}
    by_header: dict[tuple[str, str], dict[str, str]] = {
        (item.file, item.sheet): {header: field_name for field_name, header in item.headers.items()}
        for item in rows.data
    }
    for problem in problems:
        if problem.row is None:
            continue
        index = position.get((problem.file, problem.sheet, problem.row))
        if index is None:
            continue
        headers = by_header.get((problem.file, problem.sheet), {})
        field_name = headers.get(problem.column, problem.column if problem.column in names else "")
        held = marks.get((index, field_name))
        if held is None or held[0] not in ("error",):
            marks[(index, field_name)] = (problem.severity.value, problem.message)
    return ImportPreview(names, values, sources, marks)


def _rows_with_errors(problems: Sequence[Problem]) -> set[tuple[str, str, int | None]]:
    return {(p.file, p.sheet, p.row) for p in problems if p.is_error and p.row is not None}


def _without_rows(data: list[_SheetData], bad: set[tuple[str, str, int | None]]) -> tuple[list[_SheetData], int]:
    """The sheets' data without the given rows, and how many rows were left out."""
    result: list[_SheetData] = []
    dropped = 0
    for item in data:
        drop = np.array([(item.file, item.sheet, int(r)) in bad for r in item.rows], dtype=bool)
        if not drop.any():
            result.append(item)
            continue
        dropped += int(drop.sum())
        keep = ~drop
        if not keep.any():
            continue
        columns = {name: values[keep] for name, values in item.columns.items()}
        result.append(_SheetData(item.file, item.sheet, columns, item.rows[keep], item.present, item.headers,
                                 item.mapping))
    return result, dropped


def _skip_notes(problems: Sequence[Problem], bad: set[tuple[str, str, int | None]]) -> list[Problem]:
    """One warning per row left out, saying why (its first error)."""
    notes: list[Problem] = []
    seen: set[tuple[str, str, int | None]] = set()
    for problem in problems:
        key = (problem.file, problem.sheet, problem.row)
        if not problem.is_error or key not in bad or key in seen:
            continue
        seen.add(key)
        notes.append(warning(f"row skipped: {problem.message}", "Fix the row and import it again if you need it",
                             file=problem.file, sheet=problem.sheet, row=problem.row, column=problem.column,
                             value=problem.value))
    return notes


def _cancelled(mappings: list[SheetMapping]) -> ImportResult:
    return ImportResult(ProjectTables.empty(), [error("the import was cancelled", "Nothing was changed")],
                        mappings, 0)


def _expand(files: Sequence[Path], context: _Context) -> list[Path]:
    paths: list[Path] = []
    for path in files:
        if path.is_dir():
            found = spreadsheet_files(path)
            if not found:
                context.problems.add(error("holds no spreadsheets (xlsx, xlsm, xls, ods, csv, tsv, txt)",
                                           "Pick the folder with the supplier files", file=str(path)))
            paths.extend(found)
        elif path.exists():
            paths.append(path)
        else:
            context.problems.add(error("does not exist", "Check the path", file=str(path)))
    return paths


def _given_mappings(mapping: Mapping[str, Any] | SheetMapping | Sequence[Any] | None,
                    context: _Context) -> list[SheetMapping]:
    """The mappings the caller gave, each checked; what is wrong with them becomes error problems."""
    if mapping is None:
        return []
    if isinstance(mapping, SheetMapping):
        return [mapping]
    if isinstance(mapping, Mapping) and isinstance(mapping.get("mappings"), list):
        items: list[Any] = list(mapping["mappings"])
    elif isinstance(mapping, Mapping):
        items = [mapping]
    elif isinstance(mapping, Sequence) and not isinstance(mapping, str | bytes):
        items = list(mapping)
    else:
        items = [mapping]
    result = []
    hint = "Correct the mapping file (see docs/import.md)"
    for item in items:
        parsed = _mapping_from_json(item)
        if parsed is None:
            context.problems.add(error("the column mapping is not valid JSON of a mapping", hint))
            continue
        for issue in check_mapping_json(item):
            context.problems.add(error(f"the column mapping is wrong: {issue}", hint))
        result.append(parsed)
    return result


def _mapping_from_json(data: object) -> SheetMapping | None:
    if not isinstance(data, Mapping):
        return None
    try:
        return SheetMapping.from_json(data)
    except (TypeError, ValueError, AttributeError):
        return None


def _read_file(path: Path, given: list[SheetMapping], sheet: str | None, known: Mapping[str, dict],
               context: _Context, stop: Callable[[], bool]) -> list[_Sheet]:
    """The sheets of one file to import, each with its mapping."""
    book, problems = open_workbook(path, context.limits)
    context.problems.extend(problems)
    if book is None:
        return []
    if book.has_formulas:
        context.unsaved_formulas[path.name] = unsaved_formulas(path)
    with book:
        names = list(book.sheet_names)
        if sheet is not None and book.kind != "text":
            if sheet not in names and sheet not in book.hidden:
                listed = ", ".join(repr(n) for n in names) or "none"
                context.problems.add(error(f"has no sheet named {sheet!r} (sheets: {listed})",
                                           "Check the sheet name", file=path.name))
                return []
            names = [sheet]
        candidates: list[_Sheet] = []
        for name in names:
            if stop():
                return []
            raw = book.read_sheet(name, context.limits)
            if isinstance(raw, Problem):
                context.problems.add(raw)
                continue
            item = _analyse_sheet(path, raw, given, known, context)
            if item is not None:
                candidates.append(item)
    return _choose_sheets(path, candidates, forced=sheet is not None, context=context, mapping_given=bool(given))


def _choose_sheets(path: Path, candidates: list[_Sheet], forced: bool, context: _Context,
                   mapping_given: bool = False) -> list[_Sheet]:
    if not candidates:
        context.problems.add(error("has no sheet with data", "Check that you picked the right file",
                                   file=path.name))
        return []
    if mapping_given:
        fitting = [c for c in candidates if c.given]
        if not fitting:
            context.problems.add(error("has no sheet with the columns the given mapping names",
                                       "Check the mapping's headers against the file (see --show-mapping)",
                                       file=path.name))
            return []
        candidates = fitting
    if forced or len(candidates) == 1:
        return candidates
    complete = [c for c in candidates if c.score[0] == len(REQUIRED_GROUPS)]
    if complete:
        return complete
    best = max(candidates, key=lambda c: c.score)
    if best.score[1] == 0:
        context.problems.add(error("has no sheet with a header RiskDesk recognises",
                                   "Map the columns by hand (see docs/import.md) or use the import template",
                                   file=path.name))
        return []
    return [best]


def _analyse_sheet(path: Path, raw: RawSheet, given: list[SheetMapping], known: Mapping[str, dict],
                   context: _Context) -> _Sheet | None:
    layout = find_header(raw.rows, raw.merged, raw.first_col)
    if layout is None:
        return None
    data_rows = raw.rows[layout.data_start:]
    columns = _columns_of(raw, layout, data_rows)
    signature = layout_signature(c.text for c in columns)
    for candidate in given:
        applied = _apply_mapping(path, raw, layout, candidate, "given mapping", context)
        if applied is not None:
            return applied
    saved = _mapping_from_json(known.get(signature))
    if saved is not None:
        applied = _apply_mapping(path, raw, layout, saved, SAVED_FOR_LAYOUT, context)
        if applied is not None:
            return applied
    profiles = [_profile(column, context) for column in columns]
    choices, unmapped, ambiguous = propose_columns([c.header for c in columns], profiles)
    mapping = SheetMapping(path.name, raw.name, raw.row_number(layout.header_index), choices, signature,
                           unmapped, ambiguous, [], layout.header_rows)
    return _Sheet(path, raw, layout, columns, mapping)


def _columns_of(raw: RawSheet, layout: HeaderLayout, data_rows: Sequence[Sequence[object]]) -> list[_Column]:
    width = len(layout.headers)
    grid = _grid(data_rows, width)
    for first, last, col in _merged_down(raw, layout, width):
        # the merge list gives the value to its top-left cell only: a part's cells merged over its supplier rows
        # hold the part on every one of those rows
        grid[first + 1:last + 1, col] = [grid[first, col] if v is None or v == "" else v
                                         for v in grid[first + 1:last + 1, col].tolist()]
    columns: list[_Column] = []
    for position in range(width):
        values = grid[:, position]
        text = layout.texts[position]
        if not text and not any(v != "" and v is not None for v in values.tolist()):
            continue
        columns.append(_Column(layout.headers[position], text, position, values))
    return columns


def _merged_down(raw: RawSheet, layout: HeaderLayout, width: int) -> list[tuple[int, int, int]]:
    """The merged cells below the header that span rows, as (first, last data row index, column): each repeats
    its value down its column over its rows. A merge across columns in a data row fills nothing to its right (a
    note spread over cells is not the value of every column it covers)."""
    if not raw.merged:
        return []
    start = layout.data_start
    rows = len(raw.rows) - start  # a merge may reach into trailing empty rows the reader left out
    spans = [(r0 - start, min(r1 - start, rows - 1), c0) for (r0, c0), (r1, _c1) in raw.merged
             if r0 >= start and 0 <= c0 < width]
    return [(first, last, col) for first, last, col in spans if last > first]


def _grid(data_rows: Sequence[Sequence[object]], width: int) -> np.ndarray:
    """Rows as a 2-D object array (rows × width), short rows padded with ""."""
    if not data_rows:
        return np.empty((0, width), dtype=object)
    try:
        grid = np.array(data_rows, dtype=object)
    except ValueError:
        grid = None
    if grid is None or grid.ndim != 2 or grid.shape[1] != width:
        grid = np.full((len(data_rows), width), "", dtype=object)
        for i, row in enumerate(data_rows):
            grid[i, : len(row)] = row[:width]
    return grid


def _apply_mapping(path: Path, raw: RawSheet, layout: HeaderLayout, given: SheetMapping, reason: str,
                   context: _Context) -> _Sheet | None:
    """The sheet read with a mapping the user gave or confirmed, or None when the sheet does not fit it."""
    wanted = {normalised_header(c.header): c for c in given.columns if c.field}
    if not wanted:
        return None
    layouts = [layout]
    index = given.header_row - 1 - raw.first_row
    if 0 <= index < len(raw.rows) and index != layout.header_index:
        layouts.append(_layout_at(raw, index, given.header_rows))
    best: tuple[int, HeaderLayout] | None = None
    for option in layouts:
        found = sum(1 for h in option.headers if normalised_header(h) in wanted)
        if best is None or found > best[0]:
            best = (found, option)
    assert best is not None
    found, chosen = best
    if found == 0 or (given.sheet and given.sheet != raw.name and found < len(wanted)):
        return None
    data_rows = raw.rows[chosen.data_start:]
    columns = _columns_of(raw, chosen, data_rows)
    choices: list[ColumnChoice] = []
    unmapped: list[str] = []
    seen: set[str] = set()
    for column in columns:
        choice = wanted.get(normalised_header(column.header))
        if choice is not None and choice.field and choice.field in FIELDS:
            choices.append(ColumnChoice(column.header, choice.field, 1.0, reason, choice.unit))
            seen.add(normalised_header(column.header))
        else:
            choices.append(ColumnChoice(column.header, None, 0.0, "not in the mapping"))
            unmapped.append(column.header)
    problems: list[Problem] = []
    for key, choice in wanted.items():
        if key not in seen:
            problems.append(warning(f"the mapping names column {quoted(choice.header)} ({choice.field}), which this "
                                    "sheet does not have", "Check the mapping", file=path.name, sheet=raw.name,
                                    column=choice.header))
    signature = layout_signature(c.text for c in columns)
    mapping = SheetMapping(path.name, raw.name, raw.row_number(chosen.header_index), choices, signature, unmapped,
                           [], [], chosen.header_rows, defaults=dict(given.defaults))
    if reason == SAVED_FOR_LAYOUT:
        mapping.remembered_from = given.file
        mapping.remembered = frozenset(k for k, v in given.defaults.items() if v)
    return _Sheet(path, raw, chosen, columns, mapping, given=True, mapping_problems=problems)


def _layout_at(raw: RawSheet, index: int, header_rows: int) -> HeaderLayout:
    texts, _ = row_texts(raw.rows[index])
    if header_rows == 2 and index + 1 < len(raw.rows):
        texts = combine_rows(texts, row_texts(raw.rows[index + 1])[0], index, raw.merged, raw.rows)
    else:
        header_rows = 1
    width = max((len(r) for r in raw.rows), default=0)
    texts = list(texts) + [""] * (width - len(texts))
    return HeaderLayout(index, header_rows, display_names(texts, raw.first_col), index + header_rows, 0.0, texts)


def _profile(column: _Column, context: _Context) -> ContentProfile:
    """What a column holds, judged on its first rows."""
    sample = Coded.of(column.values[:_SAMPLE_ROWS])
    blank = sample.blank_uniques()
    filled_rows = int((~blank[sample.codes]).sum())
    if filled_rows == 0:
        return ContentProfile()
    uniques = [v for v, b in zip(sample.uniques, blank, strict=True) if not b]
    # A "Total" row is skipped on import: it must not outvote the column's values either.
    labels = total_labels(np.array([str(v) for v in uniques], dtype=object)) if uniques else np.zeros(0, bool)
    uniques = [v for v, label in zip(uniques, labels.tolist(), strict=True) if not label]
    if not uniques:
        return ContentProfile()
    profile = ContentProfile(filled=filled_rows, distinct=len(uniques))
    numbers = percent = mass = integers = digit_codes = 0
    texts: list[str] = []
    maximum = 0.0
    for value in uniques:
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            numbers += 1
            number = float(value)
            maximum = max(maximum, abs(number))
            whole = math.isfinite(number) and number.is_integer()
            integers += whole
            digit_codes += whole and abs(number) >= 10_000
            continue
        text = str(value).strip()
        if len(text) >= 5 and text.isdigit() and text.startswith("0"):
            digit_codes += 1
            texts.append(text)
            continue
        parsed = parse_number(text)
        if parsed is not None and parsed.unit_kind is not UnitKind.OTHER:
            numbers += 1
            maximum = max(maximum, abs(parsed.value))
            percent += parsed.unit_kind is UnitKind.PERCENT
            mass += parsed.unit_kind is UnitKind.MASS
            whole = parsed.value.is_integer() and parsed.unit_kind is UnitKind.NONE
            integers += whole
            digit_codes += whole and abs(parsed.value) >= 10_000 and text.isdigit()
        else:
            texts.append(text)
    distinct = len(uniques)
    profile.numbers = numbers / distinct
    profile.integers = integers / numbers if numbers else 0.0
    profile.digit_codes = digit_codes / distinct
    profile.percent_signs = percent / distinct
    profile.mass_units = mass / distinct
    profile.max_number = maximum
    if texts:
        checked = texts[:_PROFILE_VALUES]
        share = len(texts) / distinct / len(checked)
        profile.countries = sum(1 for t in checked if context.resolve(t)) * share
        profile.enums = {
            "end_use": sum(1 for t in checked if parse_enum_value(EndUse, t)) * share,
            "magnet_family": sum(1 for t in checked if parse_enum_value(MagnetFamily, t)) * share,
            "origin_evidence": sum(1 for t in checked if parse_enum_value(Evidence, t)) * share,
        }
        profile.grades = sum(1 for t in checked if context.recognise(t)[0] is not None) * share
        profile.codes = sum(1 for t in checked if _looks_like_code(t)) * share
    return profile


_DIGIT_CODE = re.compile(r"\d+(?:[-/._]\d+)*(?:[-/._][0-9A-Za-z]+)")
"""Digits in groups with a separator: "4711-001", "100/25", "12.345.678-A" (a date or a month is not a code)."""
_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")


def _looks_like_code(text: str) -> bool:
    if not 2 <= len(text) <= 40 or " " in text or not any(c.isdigit() for c in text):
        return False
    if any(c.isalpha() for c in text):
        return True
    return bool(_DIGIT_CODE.fullmatch(text)) and not _DATE.fullmatch(text)


# ---------------------------------------------------------------------------------------------------------------
# One sheet: rows to skip, then each mapped column normalised

def _normalise_sheet(item: _Sheet, context: _Context) -> _SheetData | None:
    raw, layout, mapping = item.raw, item.layout, item.mapping
    file, sheet = item.file.name, raw.name
    where = {"file": file, "sheet": sheet}
    problems = context.problems
    by_header = {c.header: c for c in item.columns}
    chosen = [(c, by_header[c.header]) for c in mapping.columns if c.field and c.header in by_header]
    if not item.given and not mapping.is_confident():
        for header in mapping.ambiguous:
            choice = next((c for c in mapping.columns if c.header == header and c.field is None), None)
            if choice is None or not choice.alternatives:
                continue
            contested = choice.alternatives[0]
            holder = next((c.header for c in mapping.columns if c.field == contested), "")
            severity = error if contested in REQUIRED_FIELDS else warning
            problems.add(severity(f"columns {quoted(holder)} and {quoted(header)} both look like {contested}; "
                                  f"{quoted(holder)} was used", "Confirm the mapping: save it as JSON with the right "
                                  "column and import with it (see docs/import.md)", column=header, **where))
    n_rows = len(raw.rows) - layout.data_start
    if not chosen:
        problems.add(error("no column could be mapped to a RiskDesk field",
                           "Use the import template or give a column mapping", **where))
        return None
    if n_rows <= 0:
        problems.add(warning("has a header but no data rows", "Nothing to import from this sheet", **where))
        return None
    if raw.line_numbers is not None:
        row_numbers = np.asarray(raw.line_numbers[layout.data_start:], dtype=np.int64)
    else:
        row_numbers = np.arange(n_rows, dtype=np.int64) + raw.first_row + layout.data_start + 1

    coded: dict[str, Coded] = {}
    headers: dict[str, str] = {}
    for choice, column in chosen:
        assert choice.field is not None  # `chosen` holds mapped columns only
        coded[choice.field] = column.full()
        headers[choice.field] = choice.header
    keep = _rows_to_keep(item, chosen, coded, row_numbers, context)
    _say_merged_down(item, row_numbers, context)
    if not keep.any():
        problems.add(warning("has a header but no data rows", "Nothing to import from this sheet", **where))
        return None
    kept_rows = row_numbers[keep]
    columns: dict[str, np.ndarray] = {}
    rules = mapping.rules
    numbers_of: dict[str, tuple[Numbers, Coded, ColumnChoice]] = {}
    for choice, _column in chosen:
        field_name = choice.field
        assert field_name is not None
        spec = FIELDS[field_name]
        values = coded[field_name].subset(keep)
        column_where = {**where, "column": choice.header}
        if spec.kind in _TEXT_KINDS:
            if field_name == RECYCLED_IN:
                values, recycled = _recycled_feedstock(values)
                if recycled is not None:
                    columns[_RECYCLED_MARK] = recycled
            columns[field_name] = _text_field(field_name, values, kept_rows, column_where, context)
        else:
            allowed = _ALLOWED_UNITS[spec.kind]
            numbers = parse_numbers(values, allowed, raw.decimal_hint)
            numbers_of[field_name] = (numbers, values, choice)
            _report_bad_numbers(field_name, numbers, values, kept_rows, column_where, context)
            if numbers.bad.any():
                columns[f"bad:{field_name}"] = values.spread(numbers.bad)
            if numbers.comma_used:
                rules.append(f"column {quoted(choice.header)} read with decimal commas (1,5 = 1.5)")
            if numbers.mixed_decimals:
                problems.add(warning("mixes decimal points and decimal commas; each value read as written",
                                     "Check the values of this column", **column_where))
    with np.errstate(over="ignore", invalid="ignore"):  # 1e308 kg overflows to inf, which is then refused
        _numeric_fields(numbers_of, columns, kept_rows, rules, where, context)
    if _RECYCLED_MARK in columns:
        _declare_recycled(columns, kept_rows, {**where, "column": headers.get("feedstock", "")}, context)
    return _SheetData(file, sheet, columns, kept_rows, set(headers), headers, mapping)


_RECYCLED_MARK = f"recycled:{RECYCLED_IN}"
"""A sheet's column (per row, bool) of mine countries that declared recycled feedstock ("US (recycled)")."""


def _recycled_feedstock(values: Coded) -> tuple[Coded, np.ndarray | None]:
    """A mine-country column with values such as "US (recycled)" or "recycled in US" read as their country, and per
    row whether the value declared recycled feedstock (None when no value did)."""
    if values.dense:
        return values, None
    countries = [recycled_country(text) if text else None for text in values.texts()]
    declared = np.array([c is not None for c in countries], dtype=bool)
    if not declared.any():
        return values, None
    uniques = np.array([c if c is not None else u for c, u in zip(countries, values.uniques, strict=True)],
                       dtype=object)
    return Coded(values.codes, uniques), values.spread(declared)


def _declare_recycled(columns: dict[str, np.ndarray], rows: np.ndarray, where: Mapping[str, str],
                      context: _Context) -> None:
    """Rows whose mine country said recycled get recycled feedstock; a feedstock column that says mined on such a
    row is an error (which of the two is right only the file's author knows)."""
    recycled = columns[_RECYCLED_MARK]
    feedstock = columns.get("feedstock", np.full(len(rows), "", dtype=object)).copy()
    clash = np.flatnonzero(recycled & (feedstock == Feedstock.MINED.value))
    if len(clash):
        listed = ", ".join(str(int(r)) for r in rows[clash[:10]]) + (" …" if len(clash) > 10 else "")
        context.problems.add(error(
            f"{_said('feedstock')} says mined on {len(clash):,} rows whose {_said('mine_country')} says recycled "
            f"(rows {listed})", "Make the two agree: feedstock recycled with the country it was recycled in, or "
            "mined with the mine country", row=int(rows[clash[0]]), value=Feedstock.MINED.value, **where))
    feedstock[recycled & (feedstock == "")] = Feedstock.RECYCLED.value
    columns["feedstock"] = feedstock


_ALLOWED_UNITS: dict[ReadAs, frozenset[UnitKind]] = {
    ReadAs.MASS: frozenset({UnitKind.MASS}),
    ReadAs.COUNT: frozenset({UnitKind.COUNT}),
    ReadAs.MONEY: frozenset({UnitKind.CURRENCY}),
    ReadAs.DAYS: frozenset({UnitKind.DAYS}),
    ReadAs.SHARE: frozenset({UnitKind.PERCENT}),
    ReadAs.COMPOSITION: frozenset({UnitKind.PERCENT}),
}


def _rows_to_keep(item: _Sheet, chosen: list[tuple[ColumnChoice, _Column]], coded: Mapping[str, Coded],
                  row_numbers: np.ndarray, context: _Context) -> np.ndarray:
    """Data rows, without blank rows, repeated header rows and total rows (each reported once per sheet)."""
    where = {"file": item.file.name, "sheet": item.raw.name}
    n = len(row_numbers)
    blank = np.ones(n, dtype=bool)
    filled = np.zeros(n, dtype=np.int64)
    header_hits = np.zeros(n, dtype=np.int64)
    label_rows = np.zeros(n, dtype=bool)
    part_blank = part_total = None
    for choice, column in chosen:
        assert choice.field is not None
        values = coded[choice.field]
        blank_u = values.blank_uniques()
        blank_rows = values.spread(blank_u)
        blank &= blank_rows
        filled += ~blank_rows
        if values.dense:
            continue
        texts = values.texts()
        header = " ".join(column.text.split())
        if header:
            same = match_lines(texts, re.compile("^" + re.escape(header) + "$", re.IGNORECASE | re.MULTILINE))
            if same.any():
                header_hits += values.spread(same)
        if FIELDS[choice.field].kind in _TEXT_KINDS:
            labels = total_labels(texts)
            if labels.any():
                label_rows |= values.spread(labels)
            if choice.field == "part_number":
                part_blank, part_total = values.spread(blank_u), values.spread(labels)
    repeated = header_hits >= max(1, math.ceil(0.6 * len(chosen)))
    total = label_rows if part_blank is None or part_total is None else part_total | (part_blank & label_rows)
    total &= ~repeated
    with_data = np.flatnonzero(~blank)
    inner_blank = blank.copy()
    notes = np.zeros(n, dtype=bool)
    if len(with_data):
        inner_blank[with_data[-1] + 1:] = False
        full = np.flatnonzero((filled >= 2) & ~repeated & ~total)
        if len(full) and len(chosen) >= 3:
            notes[full[-1] + 1:] = (filled[full[-1] + 1:] == 1) & ~total[full[-1] + 1:]
    for mask, what in ((inner_blank, "blank rows skipped"), (repeated, "repeated header rows skipped"),
                       (total, "total/subtotal rows skipped"),
                       (notes, "rows below the table with a single filled cell (notes) skipped")):
        if mask.any():
            rows = row_numbers[mask]
            listed = ", ".join(str(int(r)) for r in rows[:10]) + (" …" if len(rows) > 10 else "")
            context.problems.add(warning(f"{len(rows):,} {what} (rows {listed})", "Nothing to do",
                                         row=int(rows[0]), **where))
    return ~(blank | repeated | total | notes)


def _say_merged_down(item: _Sheet, row_numbers: np.ndarray, context: _Context) -> None:
    """One warning per sheet naming the merged cells whose value was repeated down their rows."""
    spans = _merged_down(item.raw, item.layout, len(item.layout.headers))
    if not spans:
        return
    by_rows: dict[tuple[int, int], list[str]] = {}
    for first, last, col in sorted(spans):
        by_rows.setdefault((first, last), []).append(item.layout.headers[col])
    said = [f"rows {int(row_numbers[first])}–{int(row_numbers[last])}: {', '.join(headers)}"
            for (first, last), headers in list(by_rows.items())[:3]]
    more = f"; and {len(by_rows) - 3:,} more" if len(by_rows) > 3 else ""
    first_row = int(row_numbers[min(spans)[0]])
    context.problems.add(warning(f"{len(spans):,} merged cells span several rows; each value was repeated on every "
                                 f"row of its cell ({'; '.join(said)}{more})", "Check that each merged value "
                                 "belongs to every row it spans", row=first_row, file=item.file.name,
                                 sheet=item.raw.name))


def _report_unique(values: Coded, bad: np.ndarray, rows: np.ndarray, message: str, hint: str,
                   where: Mapping[str, str], context: _Context, severity: Severity = Severity.ERROR,
                   texts: np.ndarray | None = None) -> None:
    """One problem per distinct bad value, at its first row, naming how many rows hold it."""
    make = error if severity is Severity.ERROR else warning
    for index in np.flatnonzero(bad & values.present()):
        first, count = values.first_rows(int(index), rows)
        text = str(texts[index]) if texts is not None else cell_text(values.uniques[index])
        more = f" (in {count:,} rows: {', '.join(map(str, first))}{' …' if count > len(first) else ''})" \
            if count > 1 else ""
        context.problems.add(make(message + more, hint, row=first[0] if first else None, value=text, **where))


def _text_field(field_name: str, values: Coded, rows: np.ndarray, where: Mapping[str, str],
                context: _Context) -> np.ndarray:
    """A text, code, enum or country column as strings per row ("" for empty)."""
    spec = FIELDS[field_name]
    texts = values.texts()
    blank = values.blank_uniques()
    texts = np.where(blank, "", texts).astype(object)
    errors_ = np.array([bool(t) and is_excel_error(t) for t in texts], dtype=bool)
    if errors_.any():
        _report_unique(values, errors_, rows, "holds an Excel error instead of a value",
                       "Fix the formula in the file or type the value", where, context, texts=texts)
        texts = np.where(errors_, "", texts).astype(object)
    if len(texts) and max(map(len, texts)) > MAX_CELL_TEXT:
        too_long = np.array([len(t) > MAX_CELL_TEXT for t in texts], dtype=bool)
        _report_unique(values, too_long, rows, f"holds a text longer than the {MAX_CELL_TEXT:,} characters a "
                       "spreadsheet cell can hold", "Shorten the text in the file (or use --skip-error-rows to leave "
                       "the row out)", where, context, texts=np.array([shown(t) for t in texts], dtype=object))
        texts = np.where(too_long, "", texts).astype(object)
    if spec.kind is ReadAs.COUNTRY:
        codes, bad, several = resolve_countries(texts, context.resolve, context.countries)
        only_bad = bad & ~several
        _report_unique(values, several, rows, "names more than one country",
                       "Split the supply path into one row per country, with its share", where, context,
                       texts=texts)
        _report_unique(values, only_bad, rows, "is not a country RiskDesk knows",
                       "Write an ISO code such as CN, or the English name; leave empty if unknown", where, context,
                       texts=texts)
        return values.spread(codes)
    if spec.kind is ReadAs.CODE:
        cleaned = np.array([clean_id(t) if t else t for t in texts], dtype=object)
        changed = cleaned != texts
        if changed.any():
            _report_unique(values, changed, rows, "holds invisible or control characters; they were removed",
                           "Check the id in the file: ids that differed only by them are now the same", where,
                           context, texts=np.array([repr(t) for t in texts], dtype=object),
                           severity=Severity.WARNING)
            texts = cleaned
    if spec.kind in (ReadAs.TEXT, ReadAs.CODE):
        formula_like = np.array([looks_like_formula(t) for t in texts], dtype=bool)
        _report_unique(values, formula_like, rows, "starts like a spreadsheet formula; kept as text, never "
                       "evaluated", "Check the value; RiskDesk writes it to reports and the clipboard as text",
                       where, context, texts=texts, severity=Severity.WARNING)
    if spec.kind is ReadAs.ENUM:
        assert spec.enum is not None
        enum = spec.enum
        parsed = np.full(len(texts), "", dtype=object)
        bad = np.zeros(len(texts), dtype=bool)
        for i, text in enumerate(texts):
            if text:
                member = parse_enum_value(enum, text)
                if member is None:
                    bad[i] = True
                else:
                    parsed[i] = member.value
        allowed = ", ".join(m.value for m in enum)
        _report_unique(values, bad, rows, f"is not a {_said(field_name)} RiskDesk knows", f"Use one of: {allowed}",
                       where, context, texts=texts)
        return values.spread(parsed)
    return values.spread(texts)


def _report_bad_numbers(field_name: str, numbers: Numbers, values: Coded, rows: np.ndarray,
                        where: Mapping[str, str], context: _Context) -> None:
    spec = FIELDS[field_name]
    what = {ReadAs.MASS: "a mass", ReadAs.COUNT: "a number of units", ReadAs.MONEY: "a price",
            ReadAs.DAYS: "a number of days", ReadAs.SHARE: "a percentage",
            ReadAs.COMPOSITION: "a percentage"}[spec.kind]
    hint = {ReadAs.MASS: "Write a number, optionally with g, kg, lb or oz", ReadAs.SHARE: "Write e.g. 60, 60 % or 0.6",
            ReadAs.COMPOSITION: "Write e.g. 4.5, 4.5 % or 0.045"}.get(spec.kind, "Write a number")
    if numbers.bad.any():
        texts = values.texts()
        excel = np.array([is_excel_error(t) for t in texts], dtype=bool)
        _report_unique(values, numbers.bad & excel, rows, "holds an Excel error instead of a value",
                       "Fix the formula in the file or type the value", where, context, texts=texts)
        _report_unique(values, numbers.bad & ~excel, rows, f"is not {what}", hint, where, context, texts=texts)
    negative = np.nan_to_num(numbers.values, nan=0.0) < 0
    if negative.any():
        _report_unique(values, negative, rows, "must not be negative", "Enter zero or a positive number", where,
                       context)


def _numeric_fields(numbers_of: Mapping[str, tuple[Numbers, Coded, ColumnChoice]], columns: dict[str, np.ndarray],
                    rows: np.ndarray, rules: list[str], where: Mapping[str, str], context: _Context) -> None:
    """Numeric columns in RiskDesk units: grams, days, percent (0–100), element wt %."""
    composition: dict[str, tuple[Numbers, Coded, ColumnChoice]] = {}
    for field_name, (numbers, values, choice) in numbers_of.items():
        spec = FIELDS[field_name]
        header = choice.header
        info = parse_header(header)
        per_unique = numbers.values
        reported: np.ndarray | None = None
        if spec.kind is ReadAs.MASS:
            unit = choice.unit if choice.unit in MASS_UNITS else info.mass_unit
            per_unique, used = mass_grams(numbers, unit or None)
            if unit and unit != "g":
                rules.append(f"column {quoted(header)} read in {unit} ({'header' if not choice.unit else 'mapping'}), "
                             "converted to grams")
            elif not unit and not used:
                rules.append(f"column {quoted(header)} has no unit: read as grams")
            if used:
                units = ", ".join(f"{count} in {u}" for u, count in sorted(used.items()))
                rules.append(f"column {quoted(header)}: units written in cells converted to grams ({units} distinct "
                             "values)")
        elif spec.kind is ReadAs.DAYS and info.time_unit and info.time_unit != "days":
            factor = DAY_FACTORS[info.time_unit]
            per_unique = numbers.values * factor
            rules.append(f"column {quoted(header)} in {info.time_unit}: × {factor:g} = days")
        elif spec.kind is ReadAs.SHARE:
            per_unique = _percent_rule(numbers, values, choice, rules, fraction_if_small=True)
            reported = _report_over_100(per_unique, values, rows, where, context, choice)
        elif spec.kind is ReadAs.COMPOSITION:
            composition[field_name] = (numbers, values, choice)
            continue
        _report_implausible(field_name, per_unique, values, rows, where, context, choice, reported)
        columns[field_name] = values.spread(per_unique)
    if composition:
        _composition_columns(composition, columns, rows, rules, where, context)


def _percent_rule(numbers: Numbers, values: Coded, choice: ColumnChoice, rules: list[str],
                  fraction_if_small: bool) -> np.ndarray:
    """Per-unique percent values under one rule for the whole column (reported)."""
    header = choice.header
    finite = values.present() & ~np.isnan(numbers.values)
    signs = has_percent_sign(numbers) & finite
    if not finite.any():
        return numbers.values
    low, high = float(np.min(numbers.values[finite])), float(np.max(numbers.values[finite]))
    if choice.unit == "fraction" or (choice.unit != "percent" and fraction_if_small and not signs.any()
                                     and high <= 1.0 and high > 0):
        rules.append(f"column {quoted(header)} read as fractions (all values ≤ 1): × 100 = percent "
                     f"({low * 100:g}–{high * 100:g} %)")
        return numbers.values * 100.0
    if signs.any() and not signs[finite].all():
        rules.append(f"column {quoted(header)} read as percent; values with and without % sign both taken as written "
                     f"({low:g}–{high:g})")
    else:
        rules.append(f"column {quoted(header)} read as percent: values {low:g}–{high:g}")
    return numbers.values


def _report_implausible(field_name: str, per_unique: np.ndarray, values: Coded, rows: np.ndarray,
                        where: Mapping[str, str], context: _Context, choice: ColumnChoice,
                        reported: np.ndarray | None = None) -> None:
    """Values outside the field's plausible range (riskdesk.core.domain.NUMBER_LIMITS) or not finite ("1e308",
    an xlsx cell holding INF): one error per distinct value. Negative ones, and the `reported` ones, are reported
    already."""
    limit = NUMBER_LIMITS.get(field_name)
    if limit is None:
        return
    with np.errstate(invalid="ignore"):
        beyond = np.isinf(per_unique) | (per_unique > limit.high)
    if reported is not None:
        beyond &= ~reported
    if beyond.any():
        _report_unique(values, beyond, rows, f"is not plausible here: {_said(field_name)} runs from "
                       f"{limit.describe()}",
                       "Check the value and its unit (a mass in kg read as grams, a misplaced decimal separator)",
                       {**where, "column": choice.header}, context)


def _report_over_100(per_unique: np.ndarray, values: Coded, rows: np.ndarray, where: Mapping[str, str],
                     context: _Context, choice: ColumnChoice) -> np.ndarray:
    """Shares over 100 % (one error per distinct value, in its column); returns which values were reported."""
    over: np.ndarray = np.nan_to_num(per_unique, nan=0.0, posinf=0.0) > 100.0 + 1e-9
    if over.any():
        _report_unique(values, over, rows, "is more than 100 %", "Write a percentage between 0 and 100",
                       {**where, "column": choice.header}, context)
    return over


def _composition_columns(composition: Mapping[str, tuple[Numbers, Coded, ColumnChoice]],
                         columns: dict[str, np.ndarray],
                         rows: np.ndarray, rules: list[str], where: Mapping[str, str], context: _Context) -> None:
    """Element wt % per row from element and oxide columns, with one percent rule for the composition block."""
    maxima: dict[str, float] = {}
    for field_name, (numbers, values, _) in composition.items():
        finite = numbers.values[values.present() & ~np.isnan(numbers.values)]
        maxima[field_name] = float(finite.max()) if len(finite) else 0.0
    main = [f for f in composition if FIELDS[f].element in MAIN_ELEMENTS and maxima[f] > 0]
    block_fraction: bool | None = None
    if main:
        block_fraction = all(maxima[f] <= 1.0 for f in main)
    elements_seen: dict[str, str] = {}
    for field_name, (numbers, values, choice) in composition.items():
        spec = FIELDS[field_name]
        symbol = spec.element
        header = choice.header
        signs = has_percent_sign(numbers).any()
        high = maxima[field_name]
        if choice.unit in ("fraction", "percent"):
            fraction = choice.unit == "fraction"
        elif signs or high > 1.0 or high == 0:
            fraction = False
        elif block_fraction is not None:
            fraction = block_fraction
        else:
            fraction = high * 100.0 <= PLAUSIBLE_MAX_PCT.get(symbol, 10.0)
        per_unique = numbers.values * (100.0 if fraction else 1.0)
        if fraction:
            rules.append(f"column {quoted(header)} read as fractions (all values ≤ 1): × 100 = percent")
        else:
            rules.append(f"column {quoted(header)} read as percent: values up to {high:g}")
        if spec.oxide:
            found = oxide_factor(spec.oxide)
            assert found is not None
            _, factor = found
            per_unique = per_unique * factor
            rules.append(f"column {quoted(header)} is {spec.oxide} content: × {factor:.4f} = {symbol} by stoichiometry")
        _report_over_100(per_unique, values, rows, where, context, choice)
        target = f"wt:{symbol}"
        if target in columns:
            context.problems.add(warning(f"gives {symbol} a second time (also in {quoted(elements_seen[symbol])}); "
                                         "this column is not used", "Keep one column per element", column=header,
                                         **where))
            continue
        elements_seen[symbol] = header
        columns[target] = values.spread(per_unique)


# ---------------------------------------------------------------------------------------------------------------
# Across rows and files

_TEXT_FIELDS = tuple(c for c in TEMPLATE_COLUMNS if c not in NUMBER_COLUMNS)
_NUMBER_FIELDS = tuple(c for c in TEMPLATE_COLUMNS if c in NUMBER_COLUMNS)


class _Rows:
    """Every kept row of every sheet as one set of columns, and where each row came from."""

    def __init__(self, data: Sequence[_SheetData]) -> None:
        self.data = list(data)
        sizes = [len(d.rows) for d in data]
        self.src = np.repeat(np.arange(len(data)), sizes)
        self.row = np.concatenate([d.rows for d in data]) if data else np.zeros(0, dtype=np.int64)
        self.cols: dict[str, np.ndarray] = {}
        for name in _TEXT_FIELDS:
            self.cols[name] = np.concatenate(
                [d.columns.get(name, np.full(len(d.rows), "", dtype=object)) for d in data]).astype(object)
        self.recycled_in_mine = np.concatenate(
            [d.columns.get(_RECYCLED_MARK, np.zeros(len(d.rows), dtype=bool)) for d in data]).astype(bool) \
            if data else np.zeros(0, dtype=bool)
        """Per row: the mine country declared recycled feedstock ("US (recycled)")."""
        self.wt = sorted({c for d in data for c in d.columns if c.startswith("wt:")},
                         key=lambda c: ELEMENT_INDEX.get(c[3:], len(ELEMENT_INDEX)))
        # "bad:<field>" masks stay in the sheets' columns and are read through `unreadable`.
        for name in (*_NUMBER_FIELDS, *self.wt):
            self.cols[name] = np.concatenate(
                [np.asarray(d.columns.get(name, np.full(len(d.rows), np.nan)), dtype=np.float64) for d in data])
        self.marks: list[tuple[np.ndarray, str, str, str]] = []
        """(row indices, field, kind, message): values RiskDesk filled in (a default) or guessed (inferred)."""

    def mark(self, mask: np.ndarray, field_name: str, kind: str, message: str | np.ndarray) -> None:
        """Note that the rows in `mask` got `field_name` from a default or an inference (shown in the preview).
        `message` is one text, or one per row of the mask."""
        indices = np.flatnonzero(mask)
        if len(indices):
            texts = message if isinstance(message, np.ndarray) else np.full(len(indices), message, dtype=object)
            self.marks.append((indices, field_name, kind, texts))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self.row)

    def where(self, i: int, field_name: str) -> dict[str, Any]:
        item = self.data[int(self.src[i])]
        return {"file": item.file, "sheet": item.sheet, "row": int(self.row[i]),
                "column": item.headers.get(field_name, field_name)}

    def place(self, i: int, other: int) -> str:
        """How row `other` is named from row `i`: "row 5", "sheet 'B' row 5" or "b.xlsx row 5"."""
        a, b = self.data[int(self.src[i])], self.data[int(self.src[other])]
        if a.file != b.file:
            return f"{b.file} row {int(self.row[other])}"
        if a.sheet != b.sheet:
            return f"sheet {b.sheet!r} row {int(self.row[other])}"
        return f"row {int(self.row[other])}"

    def unreadable(self, field_name: str) -> np.ndarray:
        """Per row: the field held something that is not a number (already reported)."""
        key = f"bad:{field_name}"
        return np.concatenate([d.columns.get(key, np.zeros(len(d.rows), dtype=bool)) for d in self.data])

    def mapped(self, field_name: str) -> np.ndarray:
        """Per row: whether its sheet has a column for the field."""
        return np.array([field_name in d.present for d in self.data], dtype=bool)[self.src]

    def per_sheet(self, mask: np.ndarray) -> np.ndarray:
        return np.bincount(self.src[mask], minlength=len(self.data))

    def sheets_with(self, mask: np.ndarray) -> Iterator[tuple[_SheetData, int, int]]:
        """Each sheet with rows in `mask`: the sheet, how many of its rows, and the first of them."""
        counts = self.per_sheet(mask)
        for index in np.flatnonzero(counts):
            first = int(np.flatnonzero(mask & (self.src == index))[0])
            yield self.data[index], int(counts[index]), first


def _list_rows(rows: _Rows, indices: np.ndarray, message: str, hint: str, field_name: str, context: _Context,
               severity: Severity = Severity.ERROR, value_field: str | None = None) -> None:
    """Row-level problems: the first rows one by one, then one problem counting the rest."""
    make = error if severity is Severity.ERROR else warning
    for i in indices[:_ROWS_LISTED]:
        value = "" if value_field is None else _fmt(rows.cols[value_field][i], quote=False)
        context.problems.add(make(message, hint, value=value, **rows.where(int(i), field_name)))
    if len(indices) > _ROWS_LISTED:
        context.problems.add(make(f"{message}: {len(indices) - _ROWS_LISTED:,} more rows like this", hint,
                                  **rows.where(int(indices[_ROWS_LISTED]), field_name)))


def _said(field_name: str) -> str:
    """A field as messages name it: the buyer's words, then the internal name ("Units/year (annual_units)")."""
    label = field_label(field_name)
    return field_name if label == field_name else f"{label} ({field_name})"


def _fmt(value: object, quote: bool = True) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value) if quote else str(value)


def _validate(data: list[_SheetData], context: _Context) -> tuple[ProjectTables, _Rows | None]:
    problems = context.problems
    if not data:
        return ProjectTables.empty(), None
    for item in data:
        for group in REQUIRED_GROUPS:
            if not item.mapping.covered(group):
                names = " or ".join(_said(f) for f in group)
                problems.add(error(f"no column for {names}, which every import needs",
                                   f"Add the column, map one of the file's columns to {group[0]}, or set a default "
                                   f"for it (--default {group[0]}=…)", file=item.file, sheet=item.sheet))
    rows = _Rows(data)
    _user_defaults(rows, context, skip=("magnet_family",))
    _defaults(rows, context)
    _required_values(rows, context)
    _fill_family_from_grade(rows, context)
    _fill_supplier_ids(rows, context)
    keep = np.flatnonzero(rows.cols["part_number"] != "")
    part_codes, part_numbers = pd.factorize(rows.cols["part_number"][keep])
    parts = pd.DataFrame({"part_number": np.asarray(part_numbers, dtype=object)})
    for name in PART_FIELDS:
        _conflicts(rows, keep, part_codes, name, "part", context)
        parts[name] = _first_given(rows.cols[name][keep], part_codes, len(part_numbers))
    suppliers, supplier_codes, with_supplier = _suppliers_table(rows, keep, context)
    paths = _paths_table(rows, keep, part_codes, len(part_numbers), supplier_codes, with_supplier, context)
    composition = _composition_table(rows, keep, part_codes, part_numbers, context)
    return ProjectTables.from_frames(parts, suppliers, paths, composition), rows


def read_default(field_name: str, raw: str) -> object | None:
    """A default as the user typed it, read like a cell of that field ("NdFeB" → "NdFeB-sintered", "Japan" →
    "JP", "2 weeks" → 14.0); None when it cannot be read."""
    spec = FIELDS[field_name]
    text = raw.strip()
    if spec.kind is ReadAs.ENUM:
        assert spec.enum is not None
        member = parse_enum_value(spec.enum, text)
        return None if member is None else member.value
    if spec.kind is ReadAs.COUNTRY:
        return resolve_country(text)
    if field_name in NUMBER_COLUMNS:
        try:
            value = read_number(text, NUMBER_COLUMNS[field_name])
        except ValueError:
            return None
        limit = NUMBER_LIMITS.get(field_name)
        return None if math.isnan(value) or (limit is not None and limit.problem(value)) else value
    return text or None


SAVED_FOR_LAYOUT = "mapping saved for this layout"
"""Why a sheet was read with a mapping the project keeps for its column layout."""


def _user_defaults(rows: _Rows, context: _Context, skip: Sequence[str] = (), only: Sequence[str] | None = None,
                   ) -> None:
    """Fill blank values of a field from the user's default for it (per sheet: its mapping's defaults), one
    warning per field and sheet saying how many rows took it."""
    for index, item in enumerate(rows.data):
        for field_name, raw in item.mapping.defaults.items():
            if field_name in skip or (only is not None and field_name not in only) or field_name not in rows.cols:
                continue
            value = read_default(field_name, raw)
            if value is None:
                context.problems.add(error(f"the default for {_said(field_name)} ({raw!r}) is not a value it can take",
                                           _default_hint(field_name), file=item.file, sheet=item.sheet))
                continue
            target = rows.cols[field_name]
            blank = (np.isnan(target) if target.dtype.kind == "f" else target == "") & (rows.src == index)
            count = int(blank.sum())
            if not count:
                continue
            target[blank] = value
            rows.mark(blank, field_name, "default", f"your default for {field_name}: {value}")
            written = f"{value:g}" if isinstance(value, float) else str(value)
            where = {"file": item.file, "sheet": item.sheet, "column": item.headers.get(field_name, "")}
            if field_name in SUPPLIER_DEFAULTS and field_name in item.mapping.remembered:
                before = item.mapping.remembered_from
                last = f" (last used for {before})" if before and before != item.file else ""
                context.problems.add(warning(
                    f"{_said(field_name)} set to {written!r} for {count:,} rows: the default remembered with the "
                    f"mapping of this column layout{last}, not given for this file",
                    f"If this file comes from another supplier, import it again with its own (--default "
                    f"{field_name}=… --replace-parts; in the window, undo the import and fill in the dialog's "
                    "default)", **where))
            else:
                context.problems.add(warning(f"{_said(field_name)} set to {written!r} (your default) for {count:,} "
                                             "rows", "Fill in the column if the rows differ", **where))


def _default_hint(field_name: str) -> str:
    spec = FIELDS[field_name]
    if spec.enum is not None:
        return f"Use one of: {', '.join(m.value for m in spec.enum)}"
    if spec.kind is ReadAs.COUNTRY:
        return "Use an ISO code such as CN or a country name"
    return "Enter a number" if spec.kind not in _TEXT_KINDS else "Enter a value"


def _blank(values: np.ndarray) -> np.ndarray:
    return np.isnan(values) if values.dtype.kind == "f" else values == ""


def _first_given(values: np.ndarray, key_codes: np.ndarray, n_keys: int) -> np.ndarray:
    """Per key: the value of its first row that has one (else "" or NaN)."""
    given = np.flatnonzero(~_blank(values))
    keys = key_codes[given]
    first = ~pd.Series(keys).duplicated().to_numpy()
    out = np.full(n_keys, np.nan) if values.dtype.kind == "f" else np.full(n_keys, "", dtype=object)
    out[keys[first]] = values[given[first]]
    return out


def _conflicts(rows: _Rows, keep: np.ndarray, key_codes: np.ndarray, field_name: str, what: str,
               context: _Context, severity: Severity = Severity.ERROR, hint: str = "") -> None:
    """Keys (parts, suppliers) whose rows give a field different values: one problem per key naming two rows."""
    values = rows.cols[field_name][keep]
    given = np.flatnonzero(~_blank(values))
    if len(given) < 2:
        return
    with np.errstate(over="ignore", invalid="ignore"):  # an implausible 1e308 (reported already) overflows
        compare = np.round(values[given], 9) if values.dtype.kind == "f" else values[given]
    value_codes, _ = pd.factorize(compare)
    keys = key_codes[given].astype(np.int64)
    width = int(value_codes.max()) + 1
    pairs = pd.unique(keys * width + value_codes)
    per_key = np.bincount(pairs // width)
    clashing = np.flatnonzero(per_key > 1)
    if not len(clashing):
        return
    make = error if severity is Severity.ERROR else warning
    label = rows.cols["part_number" if what == "part" else "supplier_id"]
    for count, key in enumerate(clashing):
        if count >= _ROWS_LISTED:
            context.problems.add(make(f"{len(clashing) - count:,} more {what}s with different "
                                      f"{_said(field_name)} values", hint or "Give each the same value on every row"))
            break
        positions = np.flatnonzero(keys == key)
        a = positions[0]
        b = positions[np.argmax(value_codes[positions] != value_codes[a])]
        i, j = int(keep[given[a]]), int(keep[given[b]])
        context.problems.add(make(
            f"{what} {label[j]} has {_said(field_name)} {_fmt(values[given[b]])} here but {_fmt(values[given[a]])} in "
            f"{rows.place(j, i)}", hint or f"Give {_said(field_name)} the same value on every row of the {what}",
            value=_fmt(values[given[b]], quote=False), **rows.where(j, field_name)))


def _defaults(rows: _Rows, context: _Context) -> None:
    """Documented defaults for fields a file lacks or leaves empty: one warning per field per sheet."""
    cols = rows.cols
    any_stage = np.zeros(len(rows), dtype=bool)
    for column in STAGE_COLUMNS:
        any_stage |= cols[column] != ""
    blank_evidence, blank_end_use = by_key("origin_evidence").blank, by_key("end_use").blank
    evidence_blank = cols["origin_evidence"] == ""
    cols["origin_evidence"][evidence_blank & any_stage] = Evidence.DECLARED.value
    cols["origin_evidence"][evidence_blank & ~any_stage] = blank_evidence
    end_use_blank = cols["end_use"] == ""
    cols["end_use"][end_use_blank] = blank_end_use
    rows.mark(rows.recycled_in_mine & (cols["feedstock"] == Feedstock.RECYCLED.value), "feedstock", "inferred",
              f"recycled: the {_said('mine_country')} says so (it is taken as the country it was recycled in)")
    outcomes = {
        "end_use": f"set to {blank_end_use!r}",
        "grade": "left empty (the family's default composition is used; for sintered NdFeB the pessimistic "
                 "class SH)",
        "description": "left empty",
        "unit_price": "left empty (no value at risk for these parts)",
        "stock_days": "left empty (the buffer factor assumes no stock)",
        "supplier_country": "left empty",
        **{c: "unknown (scored pessimistically)" for c in STAGE_COLUMNS},
    }
    blank_counts = {
        "end_use": rows.per_sheet(end_use_blank),
        "unit_price": rows.per_sheet(np.isnan(cols["unit_price"])),
        "stock_days": rows.per_sheet(np.isnan(cols["stock_days"])),
    }
    evidence_declared = rows.per_sheet(evidence_blank & any_stage)
    evidence_unknown = rows.per_sheet(evidence_blank & ~any_stage)
    sizes = np.bincount(rows.src, minlength=len(rows.data))
    for index, item in enumerate(rows.data):
        n = int(sizes[index])
        if n == 0:
            continue
        where = {"file": item.file, "sheet": item.sheet}
        for field_name, outcome in outcomes.items():
            if field_name not in item.present and item.mapping.defaults.get(field_name):
                continue  # the user's default filled every row (one warning said so)
            if field_name not in item.present:
                context.problems.add(warning(f"the file has no column for {_said(field_name)}: {n:,} rows {outcome}",
                                             "Add the column if you know the values", **where))
            elif field_name in blank_counts and blank_counts[field_name][index]:
                count = int(blank_counts[field_name][index])
                context.problems.add(warning(f"{count:,} rows without {_said(field_name)}: {outcome}",
                                             "Fill in the values", column=item.headers[field_name], **where))
        declared, unknown = int(evidence_declared[index]), int(evidence_unknown[index])
        if declared or unknown:
            what = f"the file has no column for {_said('origin_evidence')}" if "origin_evidence" not in item.present \
                else f"{declared + unknown:,} rows without origin_evidence"
            context.problems.add(warning(f"{what}: {declared:,} rows with a stage country set to "
                                         f"{Evidence.DECLARED.value!r}, {unknown:,} without any set to "
                                         f"{blank_evidence!r}", "Say how the origins are known",
                                         column=item.headers.get("origin_evidence", ""), **where))


def _required_values(rows: _Rows, context: _Context) -> None:
    cols = rows.cols
    _list_rows(rows, np.flatnonzero(rows.mapped("part_number") & (cols["part_number"] == "")),
               "part number is missing", "Enter the part number, or delete the row", "part_number", context)
    for field_name, what in (("magnet_mass_g", "magnet mass"), ("annual_units", "annual units")):
        missing = rows.mapped(field_name) & np.isnan(cols[field_name]) & ~rows.unreadable(field_name)
        _list_rows(rows, np.flatnonzero(missing), f"{what} is missing",
                   "Enter a number", field_name, context)
    no_supplier = (cols["supplier_id"] == "") & (cols["supplier_name"] == "")
    either = rows.mapped("supplier_id") | rows.mapped("supplier_name")
    field_name = "supplier_id" if any("supplier_id" in d.present for d in rows.data) else "supplier_name"
    _list_rows(rows, np.flatnonzero(either & no_supplier), "supplier is missing (neither id nor name)",
               "Enter the supplier's id or name", field_name, context)


def _fill_family_from_grade(rows: _Rows, context: _Context) -> None:
    """The magnet family of each row: as given, else read from the grade, else the user's default, else
    inferred from the element contents or the description; rows still without one are errors."""
    cols = rows.cols
    codes, grades = pd.factorize(cols["grade"])
    recognised = [context.recognise(str(g)) for g in grades]
    grade_family = np.array([f.value if f else "" for f, _ in recognised], dtype=object)[codes] \
        if len(grades) else np.full(len(rows), "", dtype=object)
    family = cols["magnet_family"]
    missing = family == ""
    fill = missing & (grade_family != "")
    if fill.any():
        family[fill] = grade_family[fill]
        rows.mark(fill, "magnet_family", "inferred", "read from the grade")
        for item, count, first in rows.sheets_with(fill):
            context.problems.add(warning(
                f"{_said('magnet_family')} taken from the grade for {count:,} rows (e.g. {cols['grade'][first]!r} → "
                f"{family[first]})", "Fill in the family if the grade is not what it seems", file=item.file,
                sheet=item.sheet, column=item.headers.get("grade", "grade")))
    _user_defaults(rows, context, only=("magnet_family",))
    _infer_family(rows, context)
    has_part = cols["part_number"] != ""
    still = (family == "") & has_part
    _list_rows(rows, np.flatnonzero(still), "magnet family is missing and nothing in the row tells it",
               "Enter the family (e.g. NdFeB-sintered), a known grade such as N42SH or the element contents, or "
               "set a default family for the file", "magnet_family", context, value_field="grade")
    differ = ~missing & (grade_family != "") & (family != grade_family)
    if differ.any():
        seen: set[tuple[str, str]] = set()
        for i in np.flatnonzero(differ):
            pair = (family[i], cols["grade"][i])
            if pair in seen:
                continue
            seen.add(pair)
            context.problems.add(warning(f"grade {pair[1]!r} is {grade_family[i]} but the family says {pair[0]}",
                                         "Check the family and the grade", value=pair[0],
                                         **rows.where(int(i), "magnet_family")))
            if len(seen) >= _ROWS_LISTED:
                break


_BONDED_WORDS = ("bonded", "gebunden", "kunststoffgebunden", "lie", "ligado", "aglomerado", "ボンド", "粘结")
_FAMILY_WORDS: tuple[tuple[tuple[str, ...], MagnetFamily], ...] = (
    (("ndfeb", "nd fe b", "neodym", "neodymium", "neodimio", "neodyme", "neo magnet", "neomagnet", "ネオジム",
      "钕铁硼", "钕"), MagnetFamily.NDFEB_SINTERED),
    (("sm2co17", "smco 2 17", "smco17", "sm2tm17"), MagnetFamily.SM2CO17),
    (("smco5", "smco 1 5", "sm1co5"), MagnetFamily.SMCO5),
    (("smco", "samarium", "samario", "サマリウム", "サマコバ", "钐钴"), MagnetFamily.SM2CO17),
    (("ferrite", "ferrit", "ferrita", "ceramic magnet", "hartferrit", "フェライト", "铁氧体"), MagnetFamily.FERRITE),
    (("alnico", "アルニコ", "铝镍钴"), MagnetFamily.ALNICO),
)


def _family_from_words(text: str) -> MagnetFamily | None:
    """The magnet family a description names in any of the six languages ("Neodym-Magnetring", "SmCo 2:17
    segment", "钕铁硼磁钢"), None when it names none."""
    folded = " " + fold(text) + " "
    compact = folded.replace(" ", "")
    for words, family in _FAMILY_WORDS:
        for word in words:
            key = fold(word)
            if (" " + key + " ") in folded or (any(ord(c) > 0x2E80 for c in key) and key in compact) \
                    or (len(key) >= 5 and key.replace(" ", "") in compact):
                bonded = any(fold(b) in compact for b in _BONDED_WORDS)
                return MagnetFamily.NDFEB_BONDED if family is MagnetFamily.NDFEB_SINTERED and bonded else family
    return None


HEAVY_RARE_EARTH_TRACE_PCT = 0.1
"""Dy or Tb above this (wt %) is added on purpose, and only NdFeB magnets are made that way (grain-boundary diffusion
or alloying for coercivity, ~0.5–10 %); below it is an impurity that tells nothing."""


def _family_from_contents(nd: float, pr: float, sm: float, sr: float, ba: float, dy: float = 0.0,
                          tb: float = 0.0) -> MagnetFamily | None:
    """The magnet family a composition implies: Nd/Pr ⇒ NdFeB; Sm ⇒ SmCo5 at 30 wt % or more (SmCo5 ~34–37 %),
    Sm2Co17 below (~23–28 %) (before Dy/Tb: temperature-compensated SmCo may hold heavy rare earths); Dy or Tb
    above a trace ⇒ sintered NdFeB; Sr/Ba ⇒ ferrite."""
    if nd + pr > 0:
        return MagnetFamily.NDFEB_SINTERED
    if sm > 0:
        return MagnetFamily.SMCO5 if sm >= 30.0 else MagnetFamily.SM2CO17
    if max(dy, tb) > HEAVY_RARE_EARTH_TRACE_PCT:
        return MagnetFamily.NDFEB_SINTERED
    if sr + ba > 0:
        return MagnetFamily.FERRITE
    return None


def _infer_family(rows: _Rows, context: _Context) -> None:
    """Rows without a family: from the element contents, else from words in the description. Each inference is
    a warning per sheet naming the first rows, and a mark on the preview."""
    cols = rows.cols
    family = cols["magnet_family"]
    todo = (family == "") & (cols["part_number"] != "")
    if not todo.any():
        return

    def wt(symbol: str) -> np.ndarray:
        values = cols.get(f"wt:{symbol}")
        return np.zeros(len(rows)) if values is None else np.nan_to_num(values, nan=0.0)

    nd, pr, sm, sr, ba, dy, tb = (wt(s) for s in FAMILY_ELEMENTS)
    by_contents = np.full(len(rows), "", dtype=object)
    reasons = np.full(len(rows), "", dtype=object)
    for i in np.flatnonzero(todo):
        found = _family_from_contents(nd[i], pr[i], sm[i], sr[i], ba[i], dy[i], tb[i])
        if found is not None:
            described = _family_from_words(str(cols["description"][i]))
            if found is MagnetFamily.NDFEB_SINTERED and described is MagnetFamily.NDFEB_BONDED:
                found = described
            by_contents[i] = found.value
            held = ", ".join(f"{s} {v:g} %" for s, v in zip(FAMILY_ELEMENTS, (nd[i], pr[i], sm[i], sr[i], ba[i],
                                                                                dy[i], tb[i]), strict=True) if v > 0)
            reasons[i] = f"inferred from the element contents ({held})"
    by_words = np.full(len(rows), "", dtype=object)
    undecided = np.flatnonzero(todo & (by_contents == ""))
    named = {text: _family_from_words(text) for text in {str(cols["description"][i]) for i in undecided}}
    for i in undecided:
        found = named.get(str(cols["description"][i]))
        if found is not None:
            by_words[i] = found.value
            reasons[i] = f"inferred from the description {quoted(cols['description'][i])}"
    for source, values in (("element contents", by_contents), ("description", by_words)):
        filled = values != ""
        if not filled.any():
            continue
        family[filled] = values[filled]
        rows.mark(filled, "magnet_family", "inferred", reasons[filled])
        for item, count, first in rows.sheets_with(filled):
            here = np.flatnonzero(filled & (rows.src == rows.src[first]))
            listed = ", ".join(str(int(rows.row[i])) for i in here[:8])
            context.problems.add(warning(
                f"{_said('magnet_family')} inferred from the {source} for {count:,} rows (rows {listed}"
                f"{' …' if count > 8 else ''}; e.g. row {int(rows.row[first])}: {family[first]}, "
                f"{reasons[first]})", "Check the family, or add a family column or a default", file=item.file,
                sheet=item.sheet, column=item.headers.get("description", "") if source == "description" else ""))


def _fill_supplier_ids(rows: _Rows, context: _Context) -> None:
    cols = rows.cols
    missing = (cols["supplier_id"] == "") & (cols["supplier_name"] != "")
    if not missing.any():
        return
    codes, names = pd.factorize(cols["supplier_name"][missing])
    ids = np.array([derive_supplier_id(str(name)) for name in names], dtype=object)
    cols["supplier_id"][missing] = ids[codes]
    for item, count, first in rows.sheets_with(missing):
        context.problems.add(warning(
            f"{_said('supplier_id')} derived from the supplier name for {count:,} rows (e.g. "
            f"{cols['supplier_name'][first]!r} → {cols['supplier_id'][first]!r})",
            "Add a supplier id column to keep your own ids", file=item.file, sheet=item.sheet,
            column=item.headers.get("supplier_name", "supplier_name")))


def _suppliers_table(rows: _Rows, keep: np.ndarray, context: _Context
                     ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The suppliers table, each kept row's supplier code (-1 without supplier) and the rows with one."""
    ids = rows.cols["supplier_id"][keep]
    with_supplier = np.flatnonzero(ids != "")
    codes = np.full(len(keep), -1, dtype=np.int64)
    supplier_codes, supplier_ids = pd.factorize(ids[with_supplier])
    codes[with_supplier] = supplier_codes
    sub = keep[with_supplier]
    _conflicts(rows, sub, supplier_codes, "supplier_country", "supplier", context)
    _conflicts(rows, sub, supplier_codes, "general_licence", "supplier", context)
    _conflicts(rows, sub, supplier_codes, "supplier_name", "supplier", context, Severity.WARNING,
               "The first name is kept; use one spelling per supplier id")
    suppliers = pd.DataFrame({
        "supplier_id": np.asarray(supplier_ids, dtype=object),
        "supplier_name": _first_given(rows.cols["supplier_name"][sub], supplier_codes, len(supplier_ids)),
        "supplier_country": _first_given(rows.cols["supplier_country"][sub], supplier_codes, len(supplier_ids)),
        "general_licence": _first_given(rows.cols["general_licence"][sub], supplier_codes, len(supplier_ids)),
    })
    return suppliers, codes, with_supplier


def _paths_table(rows: _Rows, keep: np.ndarray, part_codes: np.ndarray, n_parts: int, supplier_codes: np.ndarray,
                 with_supplier: np.ndarray, context: _Context) -> pd.DataFrame:
    cols = rows.cols
    index = keep[with_supplier]
    parts = part_codes[with_supplier].astype(np.int64)
    suppliers = supplier_codes[with_supplier]
    key = parts * (int(suppliers.max()) + 1 if len(suppliers) else 1) + suppliers
    keys = pd.Series(key)
    later = keys.duplicated(keep="first").to_numpy()
    if later.any():
        first_at: dict[int, int] = {}
        for position in np.flatnonzero(keys.duplicated(keep=False).to_numpy()):
            first_at.setdefault(int(key[position]), int(position))
        repeats = np.flatnonzero(later)
        for listed, position in enumerate(repeats):
            if listed >= _ROWS_LISTED:
                context.problems.add(error(f"{len(repeats) - listed:,} more duplicate supply paths not listed",
                                           "Keep one row per part and supplier"))
                break
            i, j = int(index[first_at[int(key[position])]]), int(index[position])
            context.problems.add(error(
                f"supply path of part {cols['part_number'][j]} from supplier {cols['supplier_id'][j]} appears twice: "
                f"here and in {rows.place(j, i)}", "Keep one row per part and supplier (add the shares together)",
                value=str(cols["supplier_id"][j]), **rows.where(j, "supplier_id")))
        index, parts = index[~later], parts[~later]
    share = cols["share_pct"][index].copy()
    _fill_shares(rows, index, parts, n_parts, share, context)
    totals = np.bincount(parts, weights=share, minlength=n_parts)
    has_path = np.bincount(parts, minlength=n_parts) > 0
    off = np.flatnonzero(has_path & (np.abs(totals - 100.0) > SHARE_TOLERANCE_PCT))
    if len(off):
        first_row = np.full(n_parts, -1, dtype=np.int64)
        first_path = ~pd.Series(parts).duplicated().to_numpy()
        first_row[parts[first_path]] = index[first_path]
        per_severity = {Severity.ERROR: 0, Severity.WARNING: 0}
        for part in off:
            i = int(first_row[part])
            found = share_problem(str(cols["part_number"][i]), float(totals[part]))
            if found is None:
                continue
            per_severity[found.severity] += 1
            if per_severity[found.severity] > _ROWS_LISTED:
                continue
            where = rows.where(i, "share_pct")
            context.problems.add(replace(found, value=f"{totals[part]:g}", **where))
        for severity, count in per_severity.items():
            if count > _ROWS_LISTED:
                make = error if severity is Severity.ERROR else warning
                context.problems.add(make(f"{count - _ROWS_LISTED:,} more parts whose shares do not add up to 100 %",
                                          "Shares of one part's paths must add up to 100 %"))
    frame = {name: cols[name][index] for name in ("part_number", "supplier_id", *STAGE_COLUMNS, "feedstock",
                                                  "origin_evidence", *STAGE_EVIDENCE_COLUMNS)}
    frame["share_pct"] = share
    return pd.DataFrame(frame)


def _fill_shares(rows: _Rows, index: np.ndarray, parts: np.ndarray, n_parts: int, share: np.ndarray,
                 context: _Context) -> None:
    """Missing shares: what the part's given shares leave, split equally among its paths without one."""
    missing = np.isnan(share)
    if not missing.any():
        return
    paths_per_part = np.bincount(parts, minlength=n_parts)
    given_sum = np.bincount(parts, weights=np.nan_to_num(share, nan=0.0), minlength=n_parts)
    missing_per_part = np.bincount(parts, weights=missing.astype(np.float64), minlength=n_parts)
    fill = np.clip((100.0 - given_sum[parts]) / np.maximum(missing_per_part[parts], 1.0), 0.0, None)
    share[missing] = fill[missing]
    single = missing & (paths_per_part[parts] == 1)
    sources = rows.src[index]
    for sheet_index in np.unique(sources[missing]):
        item = rows.data[int(sheet_index)]
        here = sources == sheet_index
        n_single, n_missing = int((single & here).sum()), int((missing & here).sum())
        context.problems.add(warning(
            f"{_said('share_pct')} missing on {n_missing:,} rows: {n_single:,} single-path parts set to 100 %, "
            f"{n_missing - n_single:,} paths given an equal part of what their part's other paths leave",
            "Fill in the shares if the split is not equal", file=item.file, sheet=item.sheet,
            column=item.headers.get("share_pct", "share_pct")))


def _composition_table(rows: _Rows, keep: np.ndarray, part_codes: np.ndarray, part_numbers: Any,
                       context: _Context) -> pd.DataFrame:
    if not rows.wt:
        return pd.DataFrame({"part_number": [], "element": [], "wt_pct": []})
    n_parts = len(part_numbers)
    per_element: dict[str, np.ndarray] = {}
    for column in rows.wt:
        _conflicts(rows, keep, part_codes, column, "part", context)
        per_element[column[3:]] = _first_given(rows.cols[column][keep], part_codes, n_parts)
    block = np.vstack(list(per_element.values()))
    total = np.nansum(block, axis=0)
    over = np.flatnonzero(total > 100.0 + SHARE_TOLERANCE_PCT)
    if len(over):
        first = np.full(n_parts, 0, dtype=np.int64)
        first_path = ~pd.Series(part_codes).duplicated().to_numpy()
        first[part_codes[first_path]] = np.flatnonzero(first_path)
        for count, part in enumerate(over):
            if count >= _ROWS_LISTED:
                break
            i = int(keep[first[part]])
            place = rows.where(i, "part_number")
            place.pop("column")
            context.problems.add(error(f"composition of part {part_numbers[part]} adds up to {total[part]:g} %, "
                                       "more than 100 %", "Check the element columns (percent vs fractions, oxide vs "
                                       "element)", value=f"{total[part]:g}", **place))
    numbers = np.asarray(part_numbers, dtype=object)
    frames = []
    for symbol, values in per_element.items():
        given = ~np.isnan(values)
        frames.append(pd.DataFrame({"part_number": numbers[given], "element": symbol, "wt_pct": values[given]}))
    return pd.concat(frames, ignore_index=True)
