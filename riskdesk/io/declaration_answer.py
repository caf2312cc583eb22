"""Reading a supplier's declaration back: check it like any import, then change only that supplier's paths.

    answer.xlsx ─▶ io/workbook (the same checks as every file: size, zip bombs, entities, encryption …)
                ─▶ Declaration: template_id, version, request_id and supplier_id matched to the request sent
                ─▶ Product List, Origin by Element: read by the keys in row 1 (rows reordered, labels translated:
                   the same), every value checked (sheet, row, column, value)
                ─▶ core/declarations.answer_paths: the supplier's paths of each part it answered
                ─▶ core/merge (MergeScope: those paths only) ─▶ one change set, the answer kept with its request

All or nothing: one error and nothing changes. The change set carries the merged paths and the project's
`declarations` whole with the answer added (its file, hash, effective date and the paths it set, each with its
evidence level), so that undo, the history and a workspace see one step.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from riskdesk.core.declarations import (
    ANSWER_ELEMENTS,
    DeclarationAnswer,
    DeclarationRequest,
    Facility,
    OriginRow,
    PathOrigin,
    ProductDeclared,
    ScoreChange,
    answer_paths,
    new_request_id,
)
from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS
from riskdesk.core.edits import ChangeSet, WholeChange, diff_tables
from riskdesk.core.fields import CellError, by_key, parse_value
from riskdesk.core.merge import MergeScope, merge_tables
from riskdesk.core.numbers import NumberKind, read_number
from riskdesk.core.problems import Problem, error, warning
from riskdesk.core.project import SHARE_TOLERANCE_PCT, Project, ProjectTables
from riskdesk.core.vocabulary import MagnetFamily
from riskdesk.io.amrt import KIND as AMRT_KIND
from riskdesk.io.amrt import AmrtReading, is_amrt, read_amrt
from riskdesk.io.declaration_cells import cell_date as _date
from riskdesk.io.declaration_cells import cell_error as _error
from riskdesk.io.declaration_cells import cell_text as _text
from riskdesk.io.declaration_cells import file_sha256 as _sha256
from riskdesk.io.declaration_cells import stage_country
from riskdesk.io.declaration_workbook import (
    CHOICES,
    DECLARATION,
    MINE_COLUMNS,
    MINE_LIST,
    ORIGIN,
    ORIGIN_COLUMNS,
    PRODUCT_COLUMNS,
    PRODUCT_LIST,
    SMELTER_COLUMNS,
    SMELTER_LIST,
    TEMPLATE_ID,
    TEMPLATE_VERSION,
)
from riskdesk.io.limits import ImportLimits
from riskdesk.io.workbook import RawSheet, Workbook, open_workbook

if TYPE_CHECKING:
    from riskdesk.core.reference import ReferenceData

PATH_FIELDS = frozenset({"share_pct", "mine_country", "separation_country", "metal_country", "magnet_country",
                         "origin_evidence", *STAGE_EVIDENCE_COLUMNS})
"""What an answer speaks for on a supply path: its share and stage countries and their evidence (the path's, for
every stage: a stage's own evidence set before is cleared)."""


@dataclass
class AnswerCheck:
    """What checking an answer found: the change set to make, or the problems that stop it."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    request: DeclarationRequest | None = None
    changes: ChangeSet | None = None
    answer: DeclarationAnswer | None = None
    notes: list[str] = field(default_factory=list)
    """What the rule left out (an element declared elsewhere than the lead element), for the buyer to read."""
    reference: ReferenceData | None = None
    """What the answered parts' score changes are computed against (None: the bundled data; the window passes the
    newer control list it scores with)."""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def can_apply(self) -> bool:
        return self.changes is not None and not self.errors

    def summary(self) -> str:
        """"declaration RMD-… from SUP-017: 2 of 3 parts answered, 3 supply paths set (effective 2026-11-30)"."""
        if self.request is None or self.answer is None:
            return "nothing"
        what = "AMRT" if self.answer.kind == AMRT_KIND else "declaration"
        return (f"{what} {self.request.request_id} from {self.request.supplier_id}: {len(self.answer.parts)} "
                f"of {len(self.request.parts)} parts answered, {len(self.answer.paths)} supply path"
                f"{'' if len(self.answer.paths) == 1 else 's'} set (effective {self.answer.effective_date})")


def is_declaration(path: Path, limits: ImportLimits) -> bool:
    """Whether `path` is a supplier's declaration: a RiskDesk declaration workbook (its Declaration sheet says
    template_id RiskDesk-RMD) or an RMI AMRT (`riskdesk.io.amrt.is_amrt`). A file that cannot be opened is not one
    (the ordinary import then says why)."""
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".ods", ".xls"):
        return False
    book, _ = open_workbook(path, limits)
    if book is None:
        return False
    with book:
        if is_amrt(book.sheet_names):
            return True
        if DECLARATION not in book.sheet_names:
            return False
        sheet = book.read_sheet(DECLARATION, limits)
        if isinstance(sheet, Problem):
            return False
        return _key_values(sheet)[0].get("template_id", ("", 0))[0] == TEMPLATE_ID


def check_answer(path: Path, project: Project, limits: ImportLimits, today: dt.date,
                 reference: ReferenceData | None = None) -> AnswerCheck:
    """Read and check one answer against `project` (see the module docstring), its score changes computed against
    `reference` (default: the bundled data). Never raises for bad input."""
    check = AnswerCheck(path.name, reference=reference)
    _check(path, project, limits, today, check)
    check.problems = sorted((replace(p, file=p.file or check.file) for p in check.problems),
                            key=lambda p: not p.is_error)
    return check


def _check(path: Path, project: Project, limits: ImportLimits, today: dt.date, check: AnswerCheck) -> AnswerCheck:
    book, problems = open_workbook(path, limits)
    check.problems += problems
    if book is None:
        return check
    with book:
        if is_amrt(book.sheet_names):
            reading = read_amrt(book, project, limits, check.problems)
        else:
            reading = None
            sheets = _read_sheets(book, check, limits)
    if reading is not None or is_amrt(book.sheet_names):
        if reading is not None and not check.errors:
            _build_amrt(check, path, project, reading, today)
        return check
    if sheets is None or check.errors:
        return check
    values, rows = _key_values(sheets[DECLARATION])
    request = _match_request(values, rows, project, check)
    if request is None or check.errors:
        return check
    check.request = request
    effective = _declared_date(values, rows, "effective_date", check, required=True)
    company = _declared_text(values, rows, "company_legal_name", check, required=True)
    contact = _declared_text(values, rows, "contact_name", check, required=True)
    email = _declared_text(values, rows, "contact_email", check, required=True)
    if email and "@" not in email:
        check.problems.append(_error("is not an e-mail address", DECLARATION, rows.get("contact_email"), "B",
                                     email))
    country = _declared_text(values, rows, "country", check, required=True)
    if country:
        _country(country, DECLARATION, rows.get("country"), "B", check)
    magnet_country, products = _read_products(sheets[PRODUCT_LIST], request, check)
    origin_rows = _read_origins(sheets[ORIGIN], request, check)
    facilities = _read_facilities(sheets.get(SMELTER_LIST), sheets.get(MINE_LIST), check)
    if check.errors or effective is None:
        return check
    if not origin_rows:
        check.problems.append(error("gives no rows on the Origin by Element sheet: nothing to import",
                                    "Ask the supplier to fill it in (one row per part, element and source)",
                                    file=check.file, sheet=ORIGIN))
        return check
    _build(check, project, request, origin_rows, magnet_country,
           DeclarationAnswer(today, effective, path.name, _sha256(path), company=company,
                             contact=f"{contact} <{email}>", facilities=tuple(facilities),
                             products=tuple(products)))
    return check


# ---- the sheets --------------------------------------------------------------------------------------------------

def _read_sheets(book: Workbook, check: AnswerCheck, limits: ImportLimits) -> dict[str, RawSheet] | None:
    """The answer's sheets by name: Declaration, Product List and Origin by Element (None when one is missing or
    cannot be read), and the Smelter List and Mine List when it has them."""
    found: dict[str, RawSheet] = {}
    for name in (DECLARATION, PRODUCT_LIST, ORIGIN, SMELTER_LIST, MINE_LIST):
        if name not in book.sheet_names:
            if name in (DECLARATION, PRODUCT_LIST, ORIGIN):
                check.problems.append(error(f"has no sheet {name!r}", "Import the workbook RiskDesk sent, filled in",
                                            file=check.file))
            continue
        sheet = book.read_sheet(name, limits)
        if isinstance(sheet, Problem):
            check.problems.append(sheet)
        else:
            found[name] = sheet
    return found if {DECLARATION, PRODUCT_LIST, ORIGIN} <= set(found) else None


def _key_values(sheet: RawSheet) -> tuple[dict[str, tuple[str, object]], dict[str, int]]:
    """The Declaration sheet's keys: key → (value as text, raw value), and key → its row as the user sees it. Keys
    are in the column under "key" in row 1 (A by default), values in the column under "value" (B)."""
    key_col, value_col = 0 - sheet.first_col, 1 - sheet.first_col
    if sheet.rows:
        header = [_text(c).casefold() for c in sheet.rows[0]]
        key_col = header.index("key") if "key" in header else key_col
        value_col = header.index("value") if "value" in header else value_col
    values: dict[str, tuple[str, object]] = {}
    rows: dict[str, int] = {}
    for index, row in enumerate(sheet.rows):
        if not 0 <= key_col < len(row):
            continue
        key = _text(row[key_col])
        if not key or key in values:
            continue
        raw = row[value_col] if 0 <= value_col < len(row) else None
        values[key] = (_text(raw), raw)
        rows[key] = sheet.row_number(index)
    return values, rows


def _table_rows(sheet: RawSheet, keys: Sequence[str], check: AnswerCheck
                ) -> list[tuple[int, dict[str, tuple[str, object]], dict[str, str]]]:
    """A table sheet's data rows by key: (row number, key → (text, raw), key → column letter). The key row is the
    first row holding the sheet's first key; the row under it holds labels; blank rows are left out."""
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    header_at = next((i for i, row in enumerate(sheet.rows[:20]) if keys[0] in {_text(c) for c in row}), None)
    if header_at is None:
        check.problems.append(error(f"has no column {keys[0]!r} in its first row (the row of keys)",
                                    "Keep row 1 of the workbook RiskDesk sent as it is", file=check.file,
                                    sheet=sheet.name))
        return []
    columns = {_text(c): i for i, c in reversed(list(enumerate(sheet.rows[header_at]))) if _text(c) in keys}
    letters = {key: get_column_letter(sheet.first_col + i + 1) for key, i in columns.items()}
    result = []
    for index in range(header_at + 2, len(sheet.rows)):
        row = sheet.rows[index]
        cells = {key: (_text(row[i]), row[i]) if i < len(row) else ("", None) for key, i in columns.items()}
        if any(text for text, _ in cells.values()):
            result.append((sheet.row_number(index), cells, letters))
    return result


# ---- the Declaration sheet ---------------------------------------------------------------------------------------

def _match_request(values: dict[str, tuple[str, object]], rows: dict[str, int], project: Project,
                   check: AnswerCheck) -> DeclarationRequest | None:
    version = values.get("template_version", ("", None))[0]
    if version != TEMPLATE_VERSION:
        check.problems.append(_error(f"is template version {version or '(none)'}; this RiskDesk reads version "
                                     f"{TEMPLATE_VERSION}", DECLARATION, rows.get("template_version"), "B", version,
                                     "Update RiskDesk, or send the supplier a new request"))
        return None
    request_id = values.get("request_id", ("", None))[0]
    request = project.declarations.find(request_id) if request_id else None
    if request is None:
        check.problems.append(_error("is not a request sent from this project", DECLARATION,
                                     rows.get("request_id"), "B", request_id,
                                     "Import it into the project the request was sent from (riskdesk requests "
                                     "lists them)"))
        return None
    supplier = values.get("supplier_id", ("", None))[0]
    if supplier != request.supplier_id:
        check.problems.append(_error(f"is not the supplier request {request_id} was sent to "
                                     f"({request.supplier_id})", DECLARATION, rows.get("supplier_id"), "B", supplier))
        return None
    return request


def _declared_text(values: dict[str, tuple[str, object]], rows: dict[str, int], key: str, check: AnswerCheck,
                   required: bool = False) -> str:
    text = values.get(key, ("", None))[0]
    if required and not text:
        check.problems.append(_error(f"{key} is required", DECLARATION, rows.get(key), "B", "",
                                     "Ask the supplier to fill it in"))
    return text


def _declared_date(values: dict[str, tuple[str, object]], rows: dict[str, int], key: str, check: AnswerCheck,
                   required: bool = False) -> dt.date | None:
    text, raw = values.get(key, ("", None))
    if not text:
        if required:
            check.problems.append(_error(f"{key} is required", DECLARATION, rows.get(key), "B", "",
                                         "Ask the supplier for the date the declaration speaks for (YYYY-MM-DD)"))
        return None
    date = _date(raw, text)
    if date is None:
        check.problems.append(_error("is not a date", DECLARATION, rows.get(key), "B", text,
                                     "Write it as YYYY-MM-DD, e.g. 2026-11-30"))
    return date


# ---- Product List and Origin by Element --------------------------------------------------------------------------

def _country(text: str, sheet: str, row: int | None, column: str, check: AnswerCheck) -> str:
    return stage_country(text, sheet, row, column, check.problems)


def _asked_part(text: str, request: DeclarationRequest, sheet: str, row: int, column: str,
                check: AnswerCheck) -> bool:
    if not text:
        check.problems.append(_error("requester_part_number is required", sheet, row, column, "",
                                     "Give our part number as the Product List has it"))
        return False
    if text not in request.parts:
        check.problems.append(_error(f"is not a part request {request.request_id} asked about", sheet, row, column,
                                     text, "Use our part numbers as the Product List has them"))
        return False
    return True


def _read_products(sheet: RawSheet, request: DeclarationRequest, check: AnswerCheck
                   ) -> tuple[dict[str, str], list[ProductDeclared]]:
    """The magnet country of each part for which the Product List gives one, and what each row declares."""
    result: dict[str, str] = {}
    declared: list[ProductDeclared] = []
    for row, cells, letters in _table_rows(sheet, [c.key for c in PRODUCT_COLUMNS], check):
        def get(key: str, cells: dict[str, tuple[str, object]] = cells) -> str:
            return cells.get(key, ("", None))[0]

        part = get("requester_part_number")
        if not _asked_part(part, request, PRODUCT_LIST, row, letters.get("requester_part_number", "A"), check):
            continue
        maker = get("magnet_maker_country")
        if maker:  # blank: the project's magnet country stays (the supplier did not say)
            result[part] = _country(maker, PRODUCT_LIST, row, letters.get("magnet_maker_country", ""), check)
        family = get("magnet_family")
        if family:
            try:
                family = str(parse_value(by_key("magnet_family"), family))
            except CellError:
                check.problems.append(_error("is not a magnet family", PRODUCT_LIST, row,
                                             letters.get("magnet_family", ""), family,
                                             "Use one of " + ", ".join(m.value for m in MagnetFamily)))
        mass = math.nan
        if get("magnet_mass_g"):
            try:
                mass = float(parse_value(by_key("magnet_mass_g"), cells["magnet_mass_g"][1]))
            except CellError:
                check.problems.append(_error("is not a mass", PRODUCT_LIST, row, letters.get("magnet_mass_g", ""),
                                             get("magnet_mass_g"), "Give the grams of magnet in one part, e.g. 212.5"))
        price = _number(cells.get("magnet_price", ("", None)), NumberKind.MONEY, (0.0, 1e9), PRODUCT_LIST, row,
                        letters.get("magnet_price", ""), check, "Give the magnet's price per part, e.g. 3.20")
        currency = get("currency").upper()
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            check.problems.append(_error("is not a currency code", PRODUCT_LIST, row, letters.get("currency", ""),
                                         get("currency"), "Use an ISO 4217 code such as USD, EUR, JPY or CNY"))
        if not math.isnan(price) and not currency:
            check.problems.append(_error("a price needs its currency", PRODUCT_LIST, row,
                                         letters.get("currency", ""), "", "Give the currency, e.g. USD"))
        weeks = _number(cells.get("recovery_time_weeks", ("", None)), NumberKind.COUNT, (0.0, 52.0), PRODUCT_LIST,
                        row, letters.get("recovery_time_weeks", ""), check, "Give whole weeks, 1–52")
        declared.append(ProductDeclared(part, get("supplier_part_number"), family, get("grade"), mass, price,
                                        currency, weeks, result.get(part, "")))
    return result, declared


def _number(cell: tuple[str, object], kind: NumberKind, bounds: tuple[float, float], sheet: str, row: int,
            column: str, check: AnswerCheck, hint: str) -> float:
    """A number cell (NaN when blank); an error names it when it is not a number within `bounds`."""
    text, raw = cell
    if not text:
        return math.nan
    try:
        value = read_number(raw if isinstance(raw, int | float) and not isinstance(raw, bool) else text, kind)
    except ValueError:
        check.problems.append(_error("is not a number", sheet, row, column, text, hint))
        return math.nan
    if not bounds[0] <= value <= bounds[1]:
        check.problems.append(_error(f"is not between {bounds[0]:g} and {bounds[1]:g}", sheet, row, column, text,
                                     hint))
        return math.nan
    return value


def _read_facilities(smelters: RawSheet | None, mines: RawSheet | None, check: AnswerCheck) -> list[Facility]:
    """The Smelter List's and Mine List's rows, checked: a country every row needs (ISO code or name, or unknown),
    a stage and elements from the lists."""
    found: list[Facility] = []
    metals = {m.casefold(): m for m in CHOICES["metal"]}
    stages = {s.casefold(): s for s in CHOICES["stage"]}
    for sheet, columns, kind in ((smelters, SMELTER_COLUMNS, "smelter"), (mines, MINE_COLUMNS, "mine")):
        if sheet is None:
            continue
        name = SMELTER_LIST if kind == "smelter" else MINE_LIST
        for row, cells, letters in _table_rows(sheet, [c.key for c in columns], check):
            def get(key: str, cells: dict[str, tuple[str, object]] = cells) -> str:
                return cells.get(key, ("", None))[0]

            metal = get("metal")
            if metal and metal.casefold() not in metals:
                check.problems.append(_error("is not a metal of the list", name, row, letters.get("metal", ""),
                                             metal, "Use " + " or ".join(CHOICES["metal"])))
            country_key = "smelter_country" if kind == "smelter" else "mine_country"
            country_text = get(country_key)
            if not country_text:
                check.problems.append(_error(f"{country_key} is required", name, row,
                                             letters.get(country_key, ""), "",
                                             "Give the country (ISO code or name), or write unknown"))
            country = _country(country_text, name, row, letters.get(country_key, ""), check) if country_text else ""
            stage = get("stage").casefold() if kind == "smelter" else ""
            if stage and stage not in stages:
                check.problems.append(_error("is not a stage of the list", name, row, letters.get("stage", ""),
                                             get("stage"), "Use " + ", ".join(CHOICES["stage"])))
            elements = tuple(e.strip() for e in re.split(r"[,;/ ]+", get("elements")) if e.strip())
            known = {e.casefold(): e for e in ANSWER_ELEMENTS}
            for element in elements:
                if element.casefold() not in known:
                    check.problems.append(_error(f"{element!r} is not an element of the list", name, row,
                                                 letters.get("elements", ""), get("elements"),
                                                 "Use " + ", ".join(ANSWER_ELEMENTS) + ", separated by commas"))
            recycled = get("recycled_or_scrap").casefold()
            if recycled not in ("", "yes", "no"):
                check.problems.append(_error("is not Yes or No", name, row, letters.get("recycled_or_scrap", ""),
                                             get("recycled_or_scrap")))
            if recycled == "yes" and not stage:
                stage = "recycling"
            found.append(Facility(kind, get("smelter_name") if kind == "smelter" else get("mine_name"),
                                  get("smelter_id") if kind == "smelter" else get("mine_id"), country,
                                  stages.get(stage, ""),
                                  tuple(known[e.casefold()] for e in elements if e.casefold() in known),
                                  metals.get(metal.casefold(), metal), get("smelter_name") if kind == "mine" else ""))
    return found


def _read_origins(sheet: RawSheet, request: DeclarationRequest, check: AnswerCheck) -> list[OriginRow]:
    result: list[OriginRow] = []
    where: dict[tuple[str, str], list[int]] = {}
    for row, cells, letters in _table_rows(sheet, [c.key for c in ORIGIN_COLUMNS], check):
        def get(key: str, cells: dict[str, tuple[str, object]] = cells) -> str:
            return cells.get(key, ("", None))[0]

        part = get("requester_part_number")
        if not _asked_part(part, request, ORIGIN, row, letters.get("requester_part_number", "A"), check):
            continue
        element = next((e for e in ANSWER_ELEMENTS if e.casefold() == get("element").casefold()), None)
        if element is None:
            check.problems.append(_error("is not an element of the list", ORIGIN, row, letters.get("element", ""),
                                         get("element"), "Use one of " + ", ".join(ANSWER_ELEMENTS)))
            continue
        share = _percent(cells.get("share_pct", ("", None)), ORIGIN, row, letters.get("share_pct", ""), check,
                         required=True)
        wt = _percent(cells.get("wt_pct", ("", None)), ORIGIN, row, letters.get("wt_pct", ""), check)
        countries = [_country(get(key), ORIGIN, row, letters.get(key, ""), check) if get(key) else ""
                     for key in ("mine_country", "separation_country", "metal_alloy_country")]
        evidence = get("evidence").casefold() or "declared"
        if evidence not in ("declared", "verified"):
            check.problems.append(_error("is not declared or verified", ORIGIN, row, letters.get("evidence", ""),
                                         get("evidence"), "Write declared, or verified where a certificate or "
                                         "chain-of-custody record proves it"))
        recycled = get("recycled").casefold()
        if recycled not in ("", "yes", "no"):
            check.problems.append(_error("is not Yes or No", ORIGIN, row, letters.get("recycled", ""),
                                         get("recycled")))
        where.setdefault((part, element), []).append(row)
        result.append(OriginRow(part, element, share, countries[0], countries[1], countries[2], evidence, wt,
                                recycled == "yes"))
    for (part, element), rows in where.items():
        total = sum(r.share_pct for r in result if (r.part_number, r.element) == (part, element)
                    and not math.isnan(r.share_pct))
        if abs(total - 100.0) > SHARE_TOLERANCE_PCT:
            check.problems.append(_error(f"part {part}, {element}: the shares of its {len(rows)} row"
                                         f"{'' if len(rows) == 1 else 's'} add up to {total:g} %, not 100 %", ORIGIN,
                                         rows[0], "share_pct", f"{total:g}",
                                         "Give every source of the element with its share, adding up to 100"))
    return result


def _percent(cell: tuple[str, object], sheet: str, row: int, column: str, check: AnswerCheck,
             required: bool = False) -> float:
    text, raw = cell
    if not text:
        if required:
            check.problems.append(_error("share_pct is required", sheet, row, column, "",
                                         "Give the share of the element from this source, 0–100"))
        return math.nan
    try:
        value = read_number(raw if isinstance(raw, int | float) and not isinstance(raw, bool) else text,
                            NumberKind.PERCENT)
    except ValueError:
        check.problems.append(_error("is not a number", sheet, row, column, text, "Enter a percentage, 0–100"))
        return math.nan
    if not 0.0 <= value <= 100.0:
        check.problems.append(_error("is not between 0 and 100", sheet, row, column, text,
                                     "Enter a percentage, 0–100"))
        return math.nan
    return value


# ---- what the answer changes -------------------------------------------------------------------------------------

def _build(check: AnswerCheck, project: Project, request: DeclarationRequest, rows: list[OriginRow],
           magnet_country: dict[str, str], answer: DeclarationAnswer) -> None:
    import pandas as pd

    paths = project.tables.paths
    supplier = request.supplier_id
    ours = paths[paths["supplier_id"] == supplier]
    shares: dict[str, float] = {}
    answered = list(dict.fromkeys(r.part_number for r in rows))
    for part in answered:
        mine = ours[ours["part_number"] == part]["share_pct"]
        shares[part] = math.nan if mine.isna().any() or not len(mine) else float(mine.sum())
        if not len(mine):
            check.problems.append(warning(f"part {part}: {supplier} has no supply path of it any more; the answer "
                                          "adds one, of blank share", file=check.file, sheet=ORIGIN))
        if part not in magnet_country:
            magnet_country[part] = str(ours[ours["part_number"] == part]["magnet_country"].iloc[0]) if len(mine) \
                else ""
    plan = answer_paths(rows, magnet_country, shares)
    check.notes += plan.notes
    incoming = ProjectTables.empty()
    incoming.paths = pd.DataFrame([{"part_number": p.part_number, "supplier_id": supplier, "share_pct": p.share_pct,
                                    "mine_country": p.countries[0], "separation_country": p.countries[1],
                                    "metal_country": p.countries[2], "magnet_country": p.countries[3],
                                    "origin_evidence": p.evidence} for p in plan.paths])
    incoming = ProjectTables.from_frames(incoming.parts, incoming.suppliers, incoming.paths, incoming.composition)
    merged = merge_tables(project.tables, incoming, MergeScope({"paths": PATH_FIELDS}))
    merged = _fill_parts(merged, answered, rows, answer.products, check)
    for problem in merged.validate():
        if problem.is_error and problem.part in answered:
            check.problems.append(problem)
    if check.errors:
        return
    new = merged.paths
    origins = []
    for i in range(len(new)):
        if new["supplier_id"].iat[i] == supplier and new["part_number"].iat[i] in answered:
            origins.append(PathOrigin(str(new["row_id"].iat[i]), str(new["part_number"].iat[i]),
                                      str(new["origin_evidence"].iat[i]),
                                      (str(new["mine_country"].iat[i]), str(new["separation_country"].iat[i]),
                                       str(new["metal_country"].iat[i]), str(new["magnet_country"].iat[i]))))
    answer = replace(answer, parts=tuple(answered), paths=tuple(origins),
                     scores=_score_changes(project, merged, answered, answer.received, check.reference))
    check.answer = answer
    text = f"{'AMRT' if answer.kind == AMRT_KIND else 'Declaration'} {request.request_id} from {supplier}"
    source = {"kind": "answer", "request": request.request_id, "file": answer.file, "sha256": answer.sha256}
    changes = diff_tables(project.tables, merged, text, source)
    known = project.declarations if project.declarations.find(request.request_id) is not None \
        else project.declarations.adding([request])
    declarations = known.answering(request.request_id, answer)
    check.changes = replace(changes, wholes=(WholeChange("declarations", project.declarations, declarations),))


def _score_changes(project: Project, merged: ProjectTables, parts: Sequence[str], as_of: dt.date,
                   reference: ReferenceData | None = None) -> tuple[ScoreChange, ...]:
    """Each answered part's score before → after the answer, as of `as_of` (none when the project cannot be
    scored: a validation error elsewhere)."""
    from riskdesk.core.evaluation import compile_project, evaluate
    from riskdesk.core.reference import default_reference

    after = project.copy()
    after.tables = merged
    if any(p.is_error for p in after.validate()):
        return ()
    reference = reference or default_reference()
    scores = []
    for version in (project, after):
        evaluation = evaluate(compile_project(version, reference), as_of, version.settings, reference)
        at = {str(n): i for i, n in enumerate(version.tables.parts["part_number"])}
        scores.append({part: float(evaluation.part_report_at(at[part]).score) for part in parts if part in at})
    return tuple(ScoreChange(part, scores[0][part], scores[1][part]) for part in parts
                 if part in scores[0] and part in scores[1])


PART_FIELDS = ("magnet_family", "grade", "magnet_mass_g")
"""The Product List's values that go into the part (where the project's cell is blank)."""


def _blank(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def _fill_parts(tables: ProjectTables, answered: Sequence[str], rows: Sequence[OriginRow],
                products: Sequence[ProductDeclared], check: AnswerCheck) -> ProjectTables:
    """`tables` with the answer's Product List values (magnet family, grade, magnet mass) in the answered parts'
    blank cells, and its `wt_pct` as composition overrides for the elements a part has none for. A value the project
    already holds is the buyer's and stays: where the answer differs, a note says so. Price, currency and recovery
    time have no field in the project: they stay with the answer as evidence (`DeclarationAnswer.products`)."""
    import pandas as pd

    from riskdesk.core import elements

    parts = tables.parts
    at = {str(p): i for i, p in enumerate(parts["part_number"])}
    changed: list[dict[str, object]] = []
    for product in products:
        if product.part_number not in answered or product.part_number not in at:
            continue
        row: dict[str, object] = {str(k): v for k, v in parts.iloc[at[product.part_number]].to_dict().items()}
        filled = False
        for key in PART_FIELDS:
            theirs: object = getattr(product, key)
            if _blank(theirs):
                continue
            ours = row[key]
            if _blank(ours):
                row[key], filled = theirs, True
            elif ours != theirs:
                shown = f"{theirs:g}" if isinstance(theirs, float) else str(theirs)
                check.notes.append(f"part {product.part_number}: the supplier declares {by_key(key).label} {shown}; "
                                   f"the project's {ours} stays (change it by hand if the supplier is right)")
        if filled:
            changed.append(row)
    overrides = tables.composition
    held = set(zip(overrides["part_number"].astype(str), overrides["element"].astype(str), strict=True))
    wt: dict[tuple[str, str], float] = {}
    for origin in rows:
        pair = (origin.part_number, origin.element)
        if origin.element in elements.INDEX and not math.isnan(origin.wt_pct) and pair not in wt:
            wt[pair] = origin.wt_pct
    new_overrides = [{"part_number": p, "element": e, "wt_pct": v} for (p, e), v in wt.items() if (p, e) not in held]
    for (part, symbol), value in wt.items():
        if (part, symbol) in held:
            check.notes.append(f"part {part}: the supplier declares {symbol} at {value:g} wt %; the part's own "
                               "figure stays")
    if not changed and not new_overrides:
        return tables
    incoming = ProjectTables.empty()
    incoming = ProjectTables.from_frames(pd.DataFrame(changed) if changed else incoming.parts, incoming.suppliers,
                                         incoming.paths,
                                         pd.DataFrame(new_overrides) if new_overrides else incoming.composition)
    return merge_tables(tables, incoming, MergeScope({"parts": frozenset(PART_FIELDS),
                                                      "composition": frozenset({"wt_pct"})}))


def _build_amrt(check: AnswerCheck, path: Path, project: Project, reading: AmrtReading, today: dt.date) -> None:
    """An AMRT's change: it answers the latest request to its supplier that still has parts unanswered; else it is
    kept under a request record of its own (id AMRT-YYYYMMDD-…, sent the day it is imported, no due date)."""
    open_requests = [r for r in project.declarations.requests
                     if r.supplier_id == reading.supplier_id and len(r.parts_answered) < len(r.parts)]
    request = open_requests[-1] if open_requests else DeclarationRequest(
        new_request_id(today).replace("RMD-", f"{AMRT_KIND}-", 1), reading.supplier_id, today, None,
        tuple(reading.parts))
    check.request = request
    check.notes += reading.notes
    answer = DeclarationAnswer(today, reading.effective, path.name, _sha256(path), kind=AMRT_KIND,
                               company=reading.company, contact=reading.contact,
                               facilities=tuple(reading.facilities))
    # The AMRT says nothing of the metal/alloy and magnet stages: they stay as the supplier's paths of the part had
    # them where those agree (the merge's rule: an import changes only what it speaks for), else unknown.
    paths = project.tables.paths
    ours = paths[paths["supplier_id"] == reading.supplier_id]
    kept: dict[str, tuple[str, str]] = {}
    for part in reading.parts:
        mine = ours[ours["part_number"] == part]
        held = [set(mine[c].fillna("").astype(str)) for c in ("metal_country", "magnet_country")]
        kept[part] = (next(iter(held[0])) if len(held[0]) == 1 else "",
                      next(iter(held[1])) if len(held[1]) == 1 else "")
    rows = [replace(row, metal_country=kept[row.part_number][0]) for row in reading.rows]
    _build(check, project, request, rows, {part: kept[part][1] for part in reading.parts}, answer)


__all__ = ["PATH_FIELDS", "AnswerCheck", "check_answer", "is_declaration"]
