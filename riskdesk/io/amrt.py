"""Reading a genuine RMI Additional Minerals Reporting Template (AMRT 1.3; 1.1 and 1.2 read the same) as a supplier's
declaration of where its rare earths come from.

The layout is RMI's (as a filled AMRT 1.3 has it; cf. cirscn/cm-reporting, which writes into the genuine
template: `docs/04-amrt-prd.md`, `app/src/lib/public/excel.ts`, and its audit of the template's cells):

- sheets Revision, Instructions, Definitions, **Declaration**, **Minerals Scope** (only the AMRT has it: what tells
  an AMRT from a CMRT or EMRT), **Smelter List**, **Mine List**, **Product List**, Smelter Look-up, Checker;
- Declaration: labels in column B, answers in column D — company name D8, company unique ID D17, contact name D20,
  contact e-mail D21, effective date D27 (DD-MMM-YYYY); found by their labels, at those cells when a translated
  template's labels are not English;
- Smelter List: headers on row 4 ("Smelter Identification Number Input Column", "Metal (*)", "Smelter Look-up
  (*)", "Smelter Name (1)", "Smelter Country (*)", "Smelter Identification", …, "Location (Country) of Mine(s) …"),
  data from row 5; Mine List: headers on row 4 ("Metal", the smelter sourcing from the mine, "Mine Name", "Mine
  Identification", …, "Mine Country"), data from row 5; Product List: headers on row 5 ("Manufacturer's Product
  Number (*)", "Manufacturer's Product Name", "Requester Product Number", "Requester Product Name", "Comments"),
  data from row 6. Columns are found by their header words, so AMRT 1.1/1.2 (no look-up column) read the same.

What is taken (docs/declarations.md, "A genuine AMRT"): the rows whose Metal is "Rare Earth Elements" (or names a
rare earth, as "Other" rows may): a smelter row's country is a **separation** country, a mine row's country a
**mine** country, both *declared*; the AMRT does not ask for the metal/alloy and magnet stages, so they stay as the
supplier's paths of the part had them (unknown where those differed: `declaration_answer`). Which
supplier: the Declaration's company unique ID when it is a supplier id of the project, else its company name
matched to a supplier's name. Which parts: the Product List's Requester Product Numbers; when it gives none, every
part that supplier delivers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from riskdesk.core.declarations import REE_UNSPECIFIED, Facility, OriginRow
from riskdesk.core.problems import Problem, error, warning
from riskdesk.core.project import Project
from riskdesk.io.declaration_cells import cell_date, cell_error, cell_text, stage_country
from riskdesk.io.limits import ImportLimits
from riskdesk.io.workbook import RawSheet, Workbook

DECLARATION = "Declaration"
MINERALS_SCOPE = "Minerals Scope"
SMELTER_LIST = "Smelter List"
MINE_LIST = "Mine List"
PRODUCT_LIST = "Product List"
AMRT_SHEETS = frozenset({DECLARATION, MINERALS_SCOPE, SMELTER_LIST, PRODUCT_LIST})
"""The sheets that make a workbook an AMRT (Minerals Scope is the AMRT's own)."""
KIND = "AMRT"

_DECLARED_AT: Mapping[str, tuple[Callable[[str], bool], int]] = {
    "company_name": (lambda label: label.startswith("company name"), 8),
    "company_id": (lambda label: label.startswith("company unique id"), 17),
    "contact_name": (lambda label: label.startswith("contact name"), 20),
    "contact_email": (lambda label: label.startswith("email") and "contact" in label, 21),
    "effective_date": (lambda label: label.startswith(("effective date", "date of completion")), 27),
}
"""The Declaration's answers RiskDesk reads: how its label reads, and its row in AMRT 1.3 (answer in column D)."""
_VALUE_COLUMN = 3  # D

Matchers = Mapping[str, Callable[[str], bool]]
_SMELTER_HEADERS: Matchers = {
    "metal": lambda h: h.startswith("metal"),
    "lookup": lambda h: h.startswith("smelter look up"),
    "name": lambda h: h.startswith("smelter name"),
    "country": lambda h: h.startswith("smelter country"),
    "smelter_id": lambda h: h.startswith("smelter identification") and "input" not in h,
    "mine_name": lambda h: h.startswith("name of mine"),
    "mine_country": lambda h: h.startswith("location country of mine"),
}
_MINE_HEADERS: Matchers = {
    "metal": lambda h: h.startswith("metal"),
    "smelter": lambda h: "smelter" in h and "identification" not in h,
    "name": lambda h: h.startswith(("mine name", "name of mine", "mine s name")),
    "mine_id": lambda h: h.startswith("mine identification") and "source" not in h,
    "country": lambda h: "country" in h,
}
_PRODUCT_HEADERS: Matchers = {
    "product_number": lambda h: "manufacturer" in h and "number" in h,
    "requester_number": lambda h: "requester" in h and "number" in h,
    "requester_name": lambda h: "requester" in h and "name" in h,
}
_ELEMENT_NAMES: Mapping[str, str] = {"neodymium": "Nd", "praseodymium": "Pr", "dysprosium": "Dy", "terbium": "Tb",
                                     "samarium": "Sm", "gadolinium": "Gd", "holmium": "Ho", "cerium": "Ce",
                                     "lanthanum": "La"}
"""Rare earths an "Other" row may name, with the element RiskDesk's answer rule knows them by."""
_OTHER_RARE_EARTHS = ("europium", "erbium", "lutetium", "promethium", "scandium", "thulium", "ytterbium", "yttrium")
_NOT_A_NAME = ("smelter not listed", "smelter not yet identified", "unknown")


def is_amrt(sheet_names: list[str]) -> bool:
    """Whether a workbook with these sheets is an AMRT."""
    return set(sheet_names) >= AMRT_SHEETS


@dataclass
class AmrtReading:
    """What an AMRT declares, read and checked: the supplier, the parts, and one origin row per part and source."""

    supplier_id: str
    company: str
    contact: str
    effective: dt.date
    parts: list[str]
    rows: list[OriginRow] = field(default_factory=list)
    facilities: list[Facility] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _label(text: str) -> str:
    """A header or label reduced to lower-case words ("Smelter Look-up (*)" → "smelter look up")."""
    return re.sub(r"[^a-z0-9%]+", " ", text.casefold()).strip()


def _cell(sheet: RawSheet, row: int, column: int) -> object:
    """The value at 1-based sheet row `row`, 0-based sheet column `column` (None when outside the data read)."""
    r, c = row - 1 - sheet.first_row, column - sheet.first_col
    if 0 <= r < len(sheet.rows) and 0 <= c < len(sheet.rows[r]):
        return sheet.rows[r][c]
    return None


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]

    return str(get_column_letter(column + 1))


def _declared(sheet: RawSheet) -> dict[str, tuple[str, object, int]]:
    """The Declaration's answers: key → (text, raw value, row), found by label in columns A–C (else at the AMRT
    1.3 row), the answer in column D."""
    found: dict[str, tuple[str, object, int]] = {}
    for index in range(min(len(sheet.rows), 60)):
        row = sheet.row_number(index)
        labels = [_label(cell_text(_cell(sheet, row, c))) for c in range(3)]
        for key, (matches, _) in _DECLARED_AT.items():
            if key not in found and any(label and matches(label) for label in labels):
                raw = _cell(sheet, row, _VALUE_COLUMN)
                found[key] = (cell_text(raw), raw, row)
    for key, (_, row) in _DECLARED_AT.items():
        if key not in found:
            raw = _cell(sheet, row, _VALUE_COLUMN)
            found[key] = (cell_text(raw), raw, row)
    return found


def _table(sheet: RawSheet, matchers: Matchers, needed: str
           ) -> tuple[list[tuple[int, dict[str, tuple[str, object]]]], dict[str, str]] | None:
    """A list sheet's data rows by the columns `matchers` recognise: the header row is the row among the first 12
    where most headers match (and `needed` does); the data rows are all non-blank rows under it. None when no row
    holds the `needed` header."""
    best: tuple[int, dict[str, int]] | None = None
    for index, cells in enumerate(sheet.rows[:12]):
        columns: dict[str, int] = {}
        for position, value in enumerate(cells):
            header = _label(cell_text(value))
            for key, matches in matchers.items():
                if header and key not in columns and matches(header):
                    columns[key] = position
                    break
        if needed in columns and (best is None or len(columns) > len(best[1])):
            best = (index, columns)
    if best is None:
        return None
    header_at, columns = best
    letters = {key: _letter(sheet.first_col + position) for key, position in columns.items()}
    rows = []
    for index in range(header_at + 1, len(sheet.rows)):
        cells = sheet.rows[index]
        values = {key: (cell_text(cells[p]), cells[p]) if p < len(cells) else ("", None)
                  for key, p in columns.items()}
        if any(text for text, _ in values.values()):
            rows.append((sheet.row_number(index), values))
    return rows, letters


def _element(metal: str) -> str | None:
    """The element an AMRT row's Metal stands for (REE_UNSPECIFIED for "Rare Earth Elements"), None when it is no
    rare earth (Aluminum, Silver …)."""
    words = metal.casefold()
    for name, symbol in _ELEMENT_NAMES.items():
        if name in words:
            return symbol
    if "rare earth" in words or _label(metal) in ("ree", "rees") or any(n in words for n in _OTHER_RARE_EARTHS):
        return REE_UNSPECIFIED
    return None


def _normal_name(name: str) -> str:
    return " ".join(_label(name).split())


def read_amrt(book: Workbook, project: Project, limits: ImportLimits, problems: list[Problem]
              ) -> AmrtReading | None:
    """Read and check an AMRT (see the module docstring); every problem goes to `problems` (sheet, row, column,
    value). None when it cannot be read at all."""
    sheets: dict[str, RawSheet] = {}
    for name in (DECLARATION, SMELTER_LIST, MINE_LIST, PRODUCT_LIST):
        if name not in book.sheet_names:
            if name != MINE_LIST:  # AMRTs before 1.1 had none; an AMRT without one declares no mine
                problems.append(error(f"has no sheet {name!r}", "Import the AMRT as the supplier filled it in"))
            continue
        sheet = book.read_sheet(name, limits)
        if isinstance(sheet, Problem):
            problems.append(sheet)
        else:
            sheets[name] = sheet
    if any(p.is_error for p in problems):
        return None
    declared = _declared(sheets[DECLARATION])
    supplier = _supplier(declared, project, problems)
    effective_text, effective_raw, effective_row = declared["effective_date"]
    effective = cell_date(effective_raw, effective_text) if effective_text else None
    if effective is None:
        problems.append(cell_error("is not an effective date" if effective_text else "Effective Date is required",
                                   DECLARATION, effective_row, "D", effective_text,
                                   "Ask the supplier for the date the AMRT speaks for (DD-MMM-YYYY)"))
    if supplier is None or effective is None:
        return None
    contact = declared["contact_name"][0]
    email = declared["contact_email"][0]
    reading = AmrtReading(supplier, declared["company_name"][0],
                          f"{contact} <{email}>" if email else contact, effective,
                          _parts(sheets[PRODUCT_LIST], project, supplier, problems))
    if not reading.parts and not any(p.is_error for p in problems):
        problems.append(error(f"{supplier} delivers no part in this project: nothing to import",
                              "Add the supplier's supply paths first, or import the AMRT into the project they are in",
                              sheet=PRODUCT_LIST))
        return None
    smelters = _smelters(sheets[SMELTER_LIST], problems)
    mines = _mines(sheets[MINE_LIST], problems) if MINE_LIST in sheets else []
    if not smelters and not mines and not any(p.is_error for p in problems):
        problems.append(error("names no Rare Earth Elements smelter or mine (Metal column): nothing to import",
                              "Ask the supplier to list the rare-earth separators and mines on the Smelter List and "
                              "Mine List", sheet=SMELTER_LIST))
    if any(p.is_error for p in problems):
        return None
    reading.facilities = [f for f, _ in smelters] + mines
    sources = _sources([f for f, _ in smelters], [mine_countries for _, mine_countries in smelters], mines)
    for part in reading.parts:
        for element, pairs in sources.items():
            share = 100.0 / len(pairs)
            reading.rows += [OriginRow(part, element, share, mine, separation, "", "declared")
                             for mine, separation in pairs]
    reading.notes.append("an AMRT names no metal/alloy or magnet country: those stages stay as the supplier's "
                         "paths had them (unknown where they differed); its sources are split equally, as it gives "
                         "no quantities")
    return reading


def _supplier(declared: Mapping[str, tuple[str, object, int]], project: Project, problems: list[Problem]
              ) -> str | None:
    suppliers = project.tables.suppliers
    ids = [str(s) for s in suppliers["supplier_id"]]
    unique_id = declared["company_id"][0]
    if unique_id in ids:
        return unique_id
    name, _, row = declared["company_name"]
    if not name:
        problems.append(cell_error("Company Name is required", DECLARATION, row, "D", "",
                                   "Ask the supplier for its legal name"))
        return None
    wanted = _normal_name(name)
    matches = [s for s, n in zip(ids, suppliers["supplier_name"], strict=True) if _normal_name(str(n)) == wanted]
    if len(matches) == 1:
        return matches[0]
    if matches:
        problems.append(cell_error(f"is the name of {len(matches)} suppliers ({', '.join(matches)}): RiskDesk "
                                   "cannot tell which one answered", DECLARATION, row, "D", name,
                                   "Give the supplier id as the AMRT's Company Unique ID (D17), or tell the "
                                   "suppliers apart by name in the Suppliers table"))
        return None
    problems.append(cell_error("is not a supplier of this project (by name, nor its Company Unique ID "
                               f"{unique_id!r} by supplier id)" if unique_id else
                               "is not the name of a supplier of this project", DECLARATION, row, "D", name,
                               "Name the supplier in the Suppliers table as the AMRT names the company, or write "
                               "its supplier id as the AMRT's Company Unique ID"))
    return None


def _parts(sheet: RawSheet, project: Project, supplier: str, problems: list[Problem]) -> list[str]:
    """The parts the AMRT speaks for: its Requester Product Numbers, each one the supplier delivers; every part
    the supplier delivers when it gives none."""
    paths = project.tables.paths
    delivered = list(dict.fromkeys(str(p) for p in paths[paths["supplier_id"] == supplier]["part_number"]))
    table = _table(sheet, _PRODUCT_HEADERS, "product_number")
    rows, letters = table if table is not None else ([], {})
    if "requester_number" not in letters:
        return delivered
    parts: list[str] = []
    for row, cells in rows:
        number = cells.get("requester_number", ("", None))[0]
        if not number:
            if cells.get("product_number", ("", None))[0]:
                problems.append(warning(f"row {row} gives no Requester Product Number: it is matched to none of "
                                        "our parts and left out", sheet=PRODUCT_LIST, row=row,
                                        column=letters["requester_number"]))
            continue
        if number not in delivered:
            problems.append(cell_error(f"is not a part {supplier} delivers in this project", PRODUCT_LIST, row,
                                       letters["requester_number"], number,
                                       "Give our part number as the Parts table has it, or add the supply path"))
            continue
        parts.append(number)
    return list(dict.fromkeys(parts)) if parts else delivered


def _smelters(sheet: RawSheet, problems: list[Problem]) -> list[tuple[Facility, list[str]]]:
    """The Rare Earth Elements smelters, each with the mine countries its own row names."""
    table = _table(sheet, _SMELTER_HEADERS, "metal")
    if table is None:
        problems.append(error("has no Metal column in its first rows: it is not laid out as an AMRT",
                              "Import the AMRT as the supplier filled it in", sheet=SMELTER_LIST))
        return []
    rows, letters = table
    found = []
    for row, cells in rows:
        element = _element(cells.get("metal", ("", None))[0])
        if element is None:
            continue
        name = cells.get("name", ("", None))[0]
        lookup = cells.get("lookup", ("", None))[0]
        if not name and lookup.casefold() not in _NOT_A_NAME:
            name = lookup
        country_text = cells.get("country", ("", None))[0]
        country = stage_country(country_text, SMELTER_LIST, row, letters.get("country", ""), problems)
        mines = _countries(cells.get("mine_country", ("", None))[0], row, letters.get("mine_country", ""), problems)
        found.append((Facility("smelter", name, cells.get("smelter_id", ("", None))[0], country, "separation",
                               () if element == REE_UNSPECIFIED else (element,),
                               cells.get("metal", ("", None))[0]), mines))
    return found


def _countries(text: str, row: int, column: str, problems: list[Problem]) -> list[str]:
    """The mine countries a Smelter List row names: one country ("Korea, Republic of" is one), or several separated
    by ";", "/", "," or "and"."""
    if not text:
        return []
    whole: list[Problem] = []
    country = stage_country(text, SMELTER_LIST, row, column, whole)
    if not whole:
        return [country]
    return [stage_country(part.strip(), SMELTER_LIST, row, column, problems)
            for part in re.split(r"[;,/]| and ", text) if part.strip()]


def _mines(sheet: RawSheet, problems: list[Problem]) -> list[Facility]:
    table = _table(sheet, _MINE_HEADERS, "metal")
    if table is None:
        return []
    rows, letters = table
    found = []
    for row, cells in rows:
        metal = cells.get("metal", ("", None))[0]
        element = _element(metal)
        if element is None:
            continue
        country = stage_country(cells.get("country", ("", None))[0], MINE_LIST, row, letters.get("country", ""),
                                problems)
        found.append(Facility("mine", cells.get("name", ("", None))[0], cells.get("mine_id", ("", None))[0], country,
                              "", () if element == REE_UNSPECIFIED else (element,), metal,
                              cells.get("smelter", ("", None))[0]))
    return found


def _sources(smelters: list[Facility], own_mines: list[list[str]], mines: list[Facility]
             ) -> dict[str, list[tuple[str, str]]]:
    """Per element, the distinct (mine country, separation country) sources: each smelter with the mines that
    name it (Mine List) or that its own row names, else with an unknown mine; each mine that names no listed
    smelter with an unknown separation."""
    result: dict[str, list[tuple[str, str]]] = {}
    linked: set[int] = set()
    for smelter, countries in zip(smelters, own_mines, strict=True):
        element = smelter.elements[0] if smelter.elements else REE_UNSPECIFIED
        named = [i for i, m in enumerate(mines) if m.smelter and _normal_name(m.smelter) == _normal_name(smelter.name)
                 and (m.elements[0] if m.elements else REE_UNSPECIFIED) == element]
        linked.update(named)
        mine_countries = list(dict.fromkeys([*countries, *(mines[i].country for i in named)])) or [""]
        for mine in mine_countries:
            pairs = result.setdefault(element, [])
            if (mine, smelter.country) not in pairs:
                pairs.append((mine, smelter.country))
    for i, mine_facility in enumerate(mines):
        if i in linked:
            continue
        element = mine_facility.elements[0] if mine_facility.elements else REE_UNSPECIFIED
        pairs = result.setdefault(element, [])
        if (mine_facility.country, "") not in pairs:
            pairs.append((mine_facility.country, ""))
    return result


__all__ = ["AMRT_SHEETS", "KIND", "AmrtReading", "is_amrt", "read_amrt"]
