"""The "RiskDesk Magnet Origin Declaration" workbook (template `RiskDesk-RMD`, version 1) a buyer sends a supplier.

One workbook per supplier (`riskdesk request`, docs/declarations.md), written with openpyxl, which keeps data
validation, sheet protection and hidden sheets. Its sheets and keys are fixed, since suppliers' tools and the
read-back (`riskdesk.io.declaration_answer`) rely on them: row 1 holds the machine keys (grey), row 2 the labels in
the buyer's words, the data starts on row 3; the Declaration sheet is key/value pairs in columns A/B from row 3
(column C says what each key asks). Dropdowns come from data validation on the hidden `Lists` sheet.

Safe by construction: no cell holds a formula, and every text is written as a string cell (data type "s"), so a
part name such as "=HYPERLINK(…)" or "+1 (555)" stays text in Excel and LibreOffice and is never evaluated. The
workbook is written through `riskdesk.io.outputs.atomic_output` like every output.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskdesk.core.declarations import ANSWER_ELEMENTS, DeclarationRequest, plan_requests
from riskdesk.core.edits import ChangeSet, WholeChange
from riskdesk.core.project import Project
from riskdesk.core.vocabulary import MagnetFamily
from riskdesk.io.outputs import atomic_output

TEMPLATE_ID = "RiskDesk-RMD"
TEMPLATE_VERSION = "1"
TITLE = "RiskDesk Magnet Origin Declaration"

INSTRUCTIONS = "Instructions"
DECLARATION = "Declaration"
PRODUCT_LIST = "Product List"
ORIGIN = "Origin by Element"
SMELTER_LIST = "Smelter List"
MINE_LIST = "Mine List"
LISTS = "Lists"
KEY_ROW, LABEL_ROW, FIRST_DATA_ROW = 1, 2, 3


@dataclass(frozen=True)
class Column:
    """One column of a table sheet: its machine key (row 1), label (row 2), dropdown list and width."""

    key: str
    label: str
    choices: str = ""
    """The `Lists` column its dropdown offers ("" none)."""
    width: float = 16
    strict: bool = True
    """Whether the dropdown refuses other values (False: it warns, so that a country may be typed by name)."""


YES_NO_UNKNOWN = ("Yes", "No", "Unknown")
CHOICES: Mapping[str, tuple[str, ...]] = {
    "country": (),  # filled from the country table
    "element": ANSWER_ELEMENTS,
    "yes_no": ("Yes", "No"),
    "yes_no_unknown": YES_NO_UNKNOWN,
    "evidence": ("declared", "verified"),
    "magnet_family": tuple(member.value for member in MagnetFamily),
    "declaration_scope": ("Company", "Product", "User defined"),
    "q2_subsupplier_response": ("1", "Greater than 90%", "Greater than 75%", "Greater than 50%", "50% or less",
                                "None", "Unknown", "Did not survey"),
    "q3_cn_general_licence": ("Yes", "No", "Not applicable", "Unknown"),
    "q8_traceability_system": ("ISO 23664", "ISO magnet-traceability draft", "Other (describe)", "None"),
    "stage": ("separation", "metal/alloy", "magnet", "recycling"),
    "metal": ("Rare Earth Elements", "Cobalt"),
    "part": (),  # the parts asked about
}
"""The `Lists` sheet's columns: its dropdowns' words."""
COUNTRY_WORDS = ("unknown", "recycled")
"""Words a stage country may hold besides an ISO code."""

PRODUCT_COLUMNS: tuple[Column, ...] = (
    Column("requester_part_number", "Our part number (prefilled)", width=20),
    Column("requester_part_name", "Our part name (prefilled)", width=30),
    Column("supplier_part_number", "Your part number", width=18),
    Column("magnet_family", "Magnet family", "magnet_family"),
    Column("grade", "Grade (e.g. N42SH)"),
    Column("magnet_mass_g", "Magnet mass per part (g)"),
    Column("magnet_price", "Magnet price per part (FOB, excl. VAT)"),
    Column("currency", "Currency (ISO 4217, e.g. USD)", width=12),
    Column("magnet_maker_country", "Country where the magnet is made", "country", strict=False),
    Column("recovery_time_weeks", "Weeks to recover after a stop (1–52)"),
    Column("comments", "Comments", width=30),
)
ORIGIN_COLUMNS: tuple[Column, ...] = (
    Column("requester_part_number", "Our part number", "part", width=20),
    Column("element", "Element", "element", width=10),
    Column("wt_pct", "wt % in the magnet", width=10),
    Column("share_pct", "Share of this element from this source (%)", width=14),
    Column("mine_country", "Mine country", "country", strict=False),
    Column("separation_country", "Separation (oxide) country", "country", strict=False),
    Column("metal_alloy_country", "Metal/alloy country", "country", strict=False),
    Column("recycled", "Recycled?", "yes_no", width=11),
    Column("evidence", "Evidence (declared / verified)", "evidence", width=12),
    Column("evidence_document", "Evidence document (certificate, ISO 23664 record)", width=26),
    Column("comments", "Comments", width=30),
)
SMELTER_COLUMNS: tuple[Column, ...] = (
    Column("smelter_id_input", "Smelter Identification Number Input Column"),
    Column("metal", "Metal (*)", "metal"),
    Column("smelter_lookup", "Smelter Look-up (*)"),
    Column("smelter_name", "Smelter Name (1)", width=24),
    Column("smelter_country", "Smelter Country (*)", "country", strict=False),
    Column("smelter_id", "Smelter Identification"),
    Column("smelter_id_source", "Source of Smelter Identification Number"),
    Column("smelter_street", "Smelter Street"),
    Column("smelter_city", "Smelter City"),
    Column("smelter_state_province", "Smelter Facility Location: State / Province"),
    Column("smelter_contact_name", "Smelter Contact Name"),
    Column("smelter_contact_email", "Smelter Contact Email"),
    Column("proposed_next_steps", "Proposed next steps"),
    Column("mine_names", "Name of Mine(s) or if recycled or scrap sourced, enter \"recycled\" or \"scrap\""),
    Column("mine_countries", "Location (Country) of Mine(s) or if recycled or scrap sourced, enter \"recycled\" or "
           "\"scrap\""),
    Column("recycled_or_scrap", "Does 100% of the smelter's feedstock originate from recycled or scrap sources?",
           "yes_no"),
    Column("comments", "Comments", width=30),
    Column("stage", "Stage (separation | metal/alloy | magnet | recycling)", "stage"),
    Column("elements", "Elements (e.g. Dy, Tb)"),
)
MINE_COLUMNS: tuple[Column, ...] = (
    Column("metal", "Metal (*)", "metal"),
    Column("smelter_name", "Smelter sourcing from this mine", width=24),
    Column("mine_name", "Mine Name", width=24),
    Column("mine_id", "Mine Identification (e.g. CID)"),
    Column("mine_id_source", "Source of Mine Identification Number"),
    Column("mine_country", "Mine Country (*)", "country", strict=False),
    Column("mine_street", "Mine Street"),
    Column("mine_city", "Mine City"),
    Column("mine_state_province", "Mine Facility Location: State / Province"),
    Column("mine_contact_name", "Mine Contact Name"),
    Column("mine_contact_email", "Mine Contact Email"),
    Column("proposed_next_steps", "Proposed next steps"),
    Column("comments", "Comments", width=30),
)
TABLE_SHEETS: Mapping[str, tuple[Column, ...]] = {PRODUCT_LIST: PRODUCT_COLUMNS, ORIGIN: ORIGIN_COLUMNS,
                                                   SMELTER_LIST: SMELTER_COLUMNS, MINE_LIST: MINE_COLUMNS}


@dataclass(frozen=True)
class Question:
    """One key of the Declaration sheet."""

    key: str
    label: str
    choices: str = ""
    required: bool = False


DECLARATION_KEYS: tuple[Question, ...] = (
    Question("template_id", "Template (do not change)"),
    Question("template_version", "Template version (do not change)"),
    Question("request_id", "Our request id (do not change)"),
    Question("requested_by", "Asked by"),
    Question("request_date", "Asked on"),
    Question("response_due", "Answer due by"),
    Question("supplier_id", "Your supplier id with us (do not change)"),
    Question("company_legal_name", "Your company's legal name *", required=True),
    Question("company_unique_id", "Company id (DUNS, LEI or VAT number)"),
    Question("address", "Address"),
    Question("country", "Country of your company (ISO code, e.g. JP) *", "country", required=True),
    Question("declaration_scope", "Scope of this declaration *", "declaration_scope"),
    Question("scope_description", "Scope description"),
    Question("contact_name", "Contact name *", required=True),
    Question("contact_email", "Contact e-mail *", required=True),
    Question("contact_phone", "Contact phone"),
    Question("authorizer_name", "Authorised by (name) *"),
    Question("authorizer_title", "Authoriser's title"),
    Question("authorizer_email", "Authoriser's e-mail *"),
    Question("effective_date", "Date this declaration speaks for (YYYY-MM-DD) *", required=True),
    Question("valid_until", "Valid until (YYYY-MM-DD)"),
    Question("q1_contains_re_magnets", "Q1. Do the parts listed contain rare-earth magnets? *", "yes_no_unknown"),
    Question("q2_subsupplier_response", "Q2. Share of your sub-suppliers that answered your own survey",
             "q2_subsupplier_response"),
    Question("q3_cn_general_licence", "Q3. Do you (or your magnet maker) hold a Chinese general export licence "
             "naming us?", "q3_cn_general_licence"),
    Question("q3_licence_number", "Q3. Licence number"),
    Question("q3_licence_valid_until", "Q3. Licence valid until (YYYY-MM-DD)"),
    Question("q4_cn_part1_inputs_abroad", "Q4. Do magnets made outside China contain China-origin Sm, Dy, Gd, Tb, "
             "Lu, Sc or Y metal, SmCo/TbFe/DyFe/TbDyFe alloy, or Dy/Tb oxide? (MOFCOM No. 61 §1(1))",
             "yes_no_unknown"),
    Question("q5_cn_technology_abroad", "Q5. Is China-origin mining, separation, metal or magnet technology used "
             "outside China? (No. 61 §1(2))", "yes_no_unknown"),
    Question("q6_dfars_melt_produce_ok", "Q6. Are the magnets melted or produced outside China, Russia, North "
             "Korea and Iran? (DFARS 252.225-7052)", "yes_no_unknown"),
    Question("q7_dfars_2027_ok", "Q7. From 2027-01-01: also mined, refined and separated outside them?",
             "yes_no_unknown"),
    Question("q8_traceability_system", "Q8. Traceability system", "q8_traceability_system"),
    Question("q8_description", "Q8. Description"),
)


@dataclass(frozen=True)
class RequestedPart:
    """A part the supplier is asked about."""

    part_number: str
    name: str


@dataclass(frozen=True)
class RequestSheet:
    """What one supplier's workbook is prefilled with."""

    request_id: str
    supplier_id: str
    supplier_name: str
    requested_by: str
    request_date: dt.date
    due: dt.date | None
    parts: tuple[RequestedPart, ...]


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                       *(f"LPT{i}" for i in range(1, 10))})


def file_name(supplier_id: str, taken: set[str] | None = None) -> str:
    """`<supplier_id>.xlsx`, made safe as a file name on every system: characters other than letters, digits, dot,
    dash and underscore become "_", no leading dot, no device name (CON …), at most 80 characters; a name already in
    `taken` (case-insensitively, as Windows and macOS compare them) gets "-2", "-3" … The name is added to `taken`."""
    stem = _UNSAFE_NAME.sub("_", supplier_id).strip("._ ")[:80] or "supplier"
    if stem.split(".")[0].upper() in _RESERVED:
        stem = "_" + stem
    taken = taken if taken is not None else set()
    name, n = stem, 1
    while name.casefold() in taken:
        n += 1
        name = f"{stem}-{n}"
    taken.add(name.casefold())
    return name + ".xlsx"


def write_request(target: Path, sheet: RequestSheet, countries: Sequence[str], *, force: bool = True,
                  project: Path | None = None) -> Path:
    """Write one supplier's declaration workbook to `target` (through `atomic_output`); returns `target`."""
    from openpyxl import Workbook  # type: ignore[import-untyped]

    book = Workbook()
    book.remove(book.active)
    _instructions(book.create_sheet(INSTRUCTIONS), sheet)
    declaration = book.create_sheet(DECLARATION)
    product = book.create_sheet(PRODUCT_LIST)
    origin = book.create_sheet(ORIGIN)
    smelters = book.create_sheet(SMELTER_LIST)
    mines = book.create_sheet(MINE_LIST)
    lists = book.create_sheet(LISTS)
    ranges = _lists(lists, {**CHOICES, "country": (*countries, *COUNTRY_WORDS),
                            "part": tuple(p.part_number for p in sheet.parts)})
    _declaration(declaration, sheet, ranges)
    _table(product, PRODUCT_COLUMNS, [[p.part_number, p.name] for p in sheet.parts], ranges)
    _table(origin, ORIGIN_COLUMNS, [], ranges)
    _table(smelters, SMELTER_COLUMNS, [], ranges)
    _table(mines, MINE_COLUMNS, [], ranges)
    book.active = book.sheetnames.index(DECLARATION)
    book.properties.title = TITLE
    book.properties.subject = f"{TEMPLATE_ID} version {TEMPLATE_VERSION}, request {sheet.request_id}"
    book.properties.creator = "RiskDesk"
    with atomic_output(target, force=force, project=project, what="the declaration workbook") as temporary:
        book.save(temporary)
    return Path(target)


@dataclass(frozen=True)
class PlannedWorkbook:
    """One request about to be sent: what the project records, what the workbook is prefilled with, and where it
    is written."""

    request: DeclarationRequest
    sheet: RequestSheet
    target: Path


def plan_workbooks(project: Project, outdir: Path, supplier_ids: Sequence[str], today: dt.date,
                   due: dt.date | None, requested_by: str) -> list[PlannedWorkbook]:
    """One workbook per supplier of `supplier_ids` (every supplier with supply paths when empty), named
    `outdir/<supplier_id>.xlsx` (`file_name`). KeyError names a supplier the project lacks, ValueError one that
    delivers no part (`riskdesk.core.declarations.plan_requests`). `riskdesk request` and File ▸ Request
    declarations… both plan here."""
    suppliers = project.tables.suppliers
    names = dict(zip(suppliers["supplier_id"], suppliers["supplier_name"], strict=True))
    taken: set[str] = set()
    planned = []
    for request, parts in plan_requests(project.tables, supplier_ids, today, due):
        sheet = RequestSheet(request.request_id, request.supplier_id, str(names.get(request.supplier_id, "")),
                             requested_by, today, due, tuple(RequestedPart(p, name) for p, name in parts))
        planned.append(PlannedWorkbook(request, sheet, Path(outdir) / file_name(request.supplier_id, taken)))
    return planned


def write_workbooks(planned: Sequence[PlannedWorkbook], *, project: Path | None, force: bool) -> None:
    """Write each planned workbook (OutputError on the first that cannot be written; those before it stay)."""
    from riskdesk.core.countries import default_countries

    countries = sorted(default_countries().codes())
    for item in planned:
        write_request(item.target, item.sheet, countries, force=force, project=project)


def request_changes(project: Project, planned: Sequence[PlannedWorkbook]) -> ChangeSet:
    """The one change that records the requests in the project ("Request declarations from 7 suppliers")."""
    from riskdesk.core.labels import count

    declarations = project.declarations.adding(item.request for item in planned)
    return ChangeSet(f"Request declarations from {count(len(planned), 'supplier')}",
                     wholes=(WholeChange("declarations", project.declarations, declarations),),
                     source={"kind": "request", "requests": [item.request.request_id for item in planned]})


def set_text(cell: Any, value: object) -> None:
    """Put `value` in `cell`; text as a string cell (data type "s"), never a formula however it starts."""
    if value is None or value == "":
        return
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
    else:
        cell.value = value


def _fonts() -> tuple[Any, Any, Any]:
    from openpyxl.styles import Font, PatternFill  # type: ignore[import-untyped]

    return Font(color="808080", size=8), Font(bold=True), PatternFill("solid", fgColor="DDE7F3")


def _instructions(ws: Any, sheet: RequestSheet) -> None:
    from openpyxl.styles import Alignment, Font

    due = sheet.due.isoformat() if sheet.due else "as soon as you can"
    lines: list[tuple[str, bool]] = [
        (TITLE, True),
        (f"Template {TEMPLATE_ID}, version {TEMPLATE_VERSION}. Request {sheet.request_id}.", False),
        (f"Asked by {sheet.requested_by} on {sheet.request_date.isoformat()}, of {sheet.supplier_name or ''} "
         f"(supplier id {sheet.supplier_id}). Please answer by {due}.", False),
        ("", False),
        ("What we ask", True),
        ("Where the rare earths in the magnets of the parts you deliver to us come from, at each of the four stages "
         "of the chain, element by element. Unknown is an honest answer: write unknown rather than guess.", False),
        ("", False),
        ("How to fill it in", True),
        ("Row 1 of each sheet holds keys our system reads (do not change them); row 2 says what each column asks; "
         "write from row 3. You may add rows, reorder them and translate row 2.", False),
        (f"{DECLARATION}: your company, contact, the date this declaration speaks for (effective_date) and the "
         "questions Q1–Q8, one answer per row in column B.", False),
        (f"{PRODUCT_LIST}: one row per part (our part number and name are filled in): your part number, the magnet "
         "family and grade, its mass and price, and the country where the magnet is made.", False),
        (f"{ORIGIN}: one row per part × element × source. For each part and element the shares add up to 100 %. "
         "Give the country of each stage as an ISO code (e.g. CN, MY, JP) or write unknown or recycled; say whether "
         "the origin is declared by you or verified (audited, with a certificate or chain-of-custody record).",
         False),
        (f"{SMELTER_LIST} and {MINE_LIST}: the separators, metal makers and mines, in the columns of RMI's AMRT "
         "(you may copy rows from an AMRT), plus the stage and the elements of each facility.", False),
        ("", False),
        ("The four stages", True),
        ("Mine: where the ore is mined.", False),
        ("Separation: solvent extraction to individual oxides.", False),
        ("Metal/alloy: reduction to metal or master alloy, including DyFe.", False),
        ("Magnet: alloy melting or strip casting through sintering or bonding and magnetising (Product List).",
         False),
        ("", False),
        ("Elements: " + ", ".join(ANSWER_ELEMENTS) + ".", False),
        ("This workbook contains no formulas or macros. Send it back as .xlsx (or .ods).", False),
    ]
    ws.column_dimensions["A"].width = 110
    for number, (text, bold) in enumerate(lines, start=1):
        cell = ws.cell(row=number, column=1)
        set_text(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=14 if number == 1 else 11)
    ws.protection.sheet = True  # read-only: what it asks cannot be changed by mistake
    ws.sheet_properties.tabColor = "808080"


def _lists(ws: Any, choices: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The hidden `Lists` sheet, one column per list (key in row 1); the range of each list by name."""
    from openpyxl.utils import get_column_letter, quote_sheetname  # type: ignore[import-untyped]

    ranges = {}
    for index, (name, words) in enumerate(choices.items(), start=1):
        set_text(ws.cell(row=1, column=index), name)
        for row, word in enumerate(words, start=2):
            set_text(ws.cell(row=row, column=index), word)
        letter = get_column_letter(index)
        ranges[name] = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${max(len(words), 1) + 1}"
    ws.sheet_state = "hidden"
    ws.protection.sheet = True
    return ranges


def _validation(ws: Any, ranges: Mapping[str, str], choices: str, cells: str, strict: bool) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation  # type: ignore[import-untyped]

    validation = DataValidation(type="list", formula1=ranges[choices], allow_blank=True, showDropDown=False,
                                showErrorMessage=True, errorStyle="stop" if strict else "warning",
                                error="Pick a value from the list" if strict else
                                "Not in the list: check it is an ISO country code or unknown / recycled",
                                errorTitle="RiskDesk declaration")
    validation.add(cells)
    ws.add_data_validation(validation)


def _declaration(ws: Any, sheet: RequestSheet, ranges: Mapping[str, str]) -> None:
    grey, bold, fill = _fonts()
    for column, (key, label) in enumerate((("key", "Key"), ("value", "Your answer"), ("asks", "What it asks")),
                                          start=1):
        set_text(ws.cell(row=KEY_ROW, column=column), key)
        ws.cell(row=KEY_ROW, column=column).font = grey
        set_text(ws.cell(row=LABEL_ROW, column=column), label)
        ws.cell(row=LABEL_ROW, column=column).font = bold
        ws.cell(row=LABEL_ROW, column=column).fill = fill
    prefilled: dict[str, str] = {
        "template_id": TEMPLATE_ID, "template_version": TEMPLATE_VERSION, "request_id": sheet.request_id,
        "requested_by": sheet.requested_by, "request_date": sheet.request_date.isoformat(),
        "response_due": sheet.due.isoformat() if sheet.due else "", "supplier_id": sheet.supplier_id,
        "company_legal_name": sheet.supplier_name,
    }
    for row, question in enumerate(DECLARATION_KEYS, start=FIRST_DATA_ROW):
        set_text(ws.cell(row=row, column=1), question.key)
        ws.cell(row=row, column=1).font = grey
        set_text(ws.cell(row=row, column=2), prefilled.get(question.key, ""))
        set_text(ws.cell(row=row, column=3), question.label)
        if question.choices:
            _validation(ws, ranges, question.choices, f"B{row}", question.choices != "country")
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 36
    ws.column_dimensions["C"].width = 90
    ws.freeze_panes = "B3"


def _table(ws: Any, columns: Sequence[Column], rows: Sequence[Sequence[str]], ranges: Mapping[str, str]) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    grey, bold, fill = _fonts()
    for index, column in enumerate(columns, start=1):
        key = ws.cell(row=KEY_ROW, column=index)
        set_text(key, column.key)
        key.font = grey
        label = ws.cell(row=LABEL_ROW, column=index)
        set_text(label, column.label)
        label.font, label.fill = bold, fill
        label.alignment = Alignment(wrap_text=True, vertical="top")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.choices:
            _validation(ws, ranges, column.choices, f"{letter}{FIRST_DATA_ROW}:{letter}1000", column.strict)
    for offset, values in enumerate(rows):
        for index, value in enumerate(values, start=1):
            set_text(ws.cell(row=FIRST_DATA_ROW + offset, column=index), value)
    ws.row_dimensions[LABEL_ROW].height = 62
    ws.freeze_panes = "A3"


__all__ = ["DECLARATION", "DECLARATION_KEYS", "FIRST_DATA_ROW", "INSTRUCTIONS", "LISTS", "MINE_LIST", "ORIGIN",
           "ORIGIN_COLUMNS", "PRODUCT_COLUMNS", "PRODUCT_LIST", "SMELTER_LIST", "TABLE_SHEETS", "TEMPLATE_ID",
           "TEMPLATE_VERSION", "TITLE", "Column", "Question", "RequestSheet", "RequestedPart", "file_name",
           "set_text", "write_request"]
