"""A filled RMI AMRT 1.3 workbook, written with openpyxl the way the genuine template lays it out, for the tests of
reading one back (riskdesk/io/amrt.py).

Where the layout comes from: cirscn/cm-reporting, which fills the genuine RMI template cell by cell
(`app/src/lib/public/excel.ts`: company name D8, scope D9, minerals D12:I13, "Other" names D15:I16, company
unique ID D17 … effective date D27; Smelter List rows from 5 with Metal in B, look-up C, name D, country E,
identification F, mine name N, mine country O; Mine List rows from 5, Metal A, smelter B, mine name C, mine id D,
country F; Product List rows from 6, manufacturer's number B, name C, requester number D, requester name E) and its
audit of the template's cells (AMRT 1.3 Product List D5 "Requester Product Number", E5 "Requester Product Name";
Minerals Scope B7/C7), plus research2.md §A.2 for the Smelter List headers (as CMRT 6.4 spells them). The
template's formulas, look-up sheet and checker are left out: RiskDesk reads saved values only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

SHEETS = ["Revision", "Instructions", "Definitions", "Declaration", "Minerals Scope", "Smelter List", "Mine List",
          "Product List", "Smelter Look-up", "Checker"]
SMELTER_HEADERS = ["Smelter Identification Number Input Column", "Metal (*)", "Smelter Look-up (*)",
                   "Smelter Name (1)", "Smelter Country (*)", "Smelter Identification",
                   "Source of Smelter Identification Number", "Smelter Street", "Smelter City",
                   "Smelter Facility Location: State / Province", "Smelter Contact Name", "Smelter Contact Email",
                   "Proposed next steps", "Name of Mine(s) or if recycled or scrap sourced, enter \"recycled\" or "
                   "\"scrap\"", "Location (Country) of Mine(s) or if recycled or scrap sourced, enter \"recycled\" "
                   "or \"scrap\"", "Does 100% of the smelter's feedstock originate from recycled or scrap sources?",
                   "Comments", "Combined Metal", "Combined Smelter"]
MINE_HEADERS = ["Metal", "Name of smelter sourcing from this mine", "Mine Name", "Mine Identification (e.g. CID)",
                "Source of Mine Identification Number", "Mine Country", "Mine Street", "Mine City",
                "Mine Facility Location: State / Province", "Mine Contact Name", "Mine Contact Email",
                "Proposed next steps", "Comments"]
PRODUCT_HEADERS = ["Manufacturer's Product Number (*)", "Manufacturer's Product Name", "Requester Product Number",
                   "Requester Product Name", "Comments"]
DECLARATION_LABELS = {8: "Company Name (*):", 9: "Declaration Scope or Class (*):", 10: "Description of Scope:",
                      12: "Select your company's minerals in scope (max 10) (*):", 15: "Other minerals:",
                      17: "Company Unique ID:", 18: "Company Unique Authorization ID:", 19: "Address:",
                      20: "Contact Name (*):", 21: "Email – Contact (*):", 22: "Phone – Contact (*):",
                      23: "Authorizer (*):", 24: "Title - Authorizer:", 25: "Email - Authorizer (*):",
                      26: "Phone - Authorizer:", 27: "Effective Date (*):"}


def write_amrt(target: Path, *, company: str = "Hokuriku Magnet Works K.K.", company_id: str = "",
               effective: object = "30-Nov-2026", smelters: Sequence[dict[str, str]] = (),
               mines: Sequence[dict[str, str]] = (), products: Sequence[tuple[str, str]] = (),
               minerals: Sequence[str] = ("Rare Earth Elements",)) -> Path:
    """An AMRT 1.3 as a supplier fills it in. `smelters`: dicts with metal, lookup, name, country, id,
    mine_country; `mines`: metal, smelter, name, id, country; `products`: (manufacturer's number, requester's
    number)."""
    book = Workbook()
    book.remove(book.active)
    for name in SHEETS:
        book.create_sheet(name)
    book["Revision"]["B2"] = "Additional Minerals Reporting Template (AMRT)"
    book["Revision"]["B3"] = "Revision 1.3"
    book["Revision"]["B4"] = "October 17, 2025"
    declaration = book["Declaration"]
    declaration["B2"] = "Additional Minerals Reporting Template (AMRT)"
    declaration["B6"] = "Company Information"
    for row, label in DECLARATION_LABELS.items():
        declaration[f"B{row}"] = label
    values = {8: company, 9: "A. Company", 17: company_id, 19: "1-2 Kanazawa, Ishikawa, Japan",
              20: "Aiko Tanaka", 21: "a.tanaka@example.jp", 22: "+81 76 000 0000", 23: "Kenji Mori",
              25: "k.mori@example.jp", 27: effective}
    for row, value in values.items():
        if value not in ("", None):
            declaration[f"D{row}"] = value
    for slot, mineral in zip(("D12", "E12", "F12", "G12", "H12", "I12"), minerals, strict=False):
        declaration[slot] = mineral
    declaration["B30"] = "1) Is any of the specified minerals intentionally added or used in the product(s) " \
        "or in the production process? (*)"
    for offset, mineral in enumerate(minerals):
        declaration[f"C{31 + offset}"] = mineral
        declaration[f"D{31 + offset}"] = "Yes"
    declaration["B42"] = "2) What percentage of relevant suppliers have provided a response to your supply chain " \
        "survey?"
    scope = book["Minerals Scope"]
    scope["B5"] = "The Minerals Scope tab may be completed by the AMRT requester to provide additional details on " \
        "the specified minerals."
    scope["B7"], scope["C7"] = "Select Minerals/Metals in Scope", "Reasons for inclusion on the AMRT"
    scope["B8"], scope["C8"] = "Rare Earth Elements", "Magnet supply chain"
    smelter_sheet = book["Smelter List"]
    smelter_sheet["A1"] = "Smelter List - Instructions: enter one smelter per row"
    for column, header in enumerate(SMELTER_HEADERS, start=1):
        smelter_sheet.cell(row=4, column=column).value = header
    keys = {"metal": 2, "lookup": 3, "name": 4, "country": 5, "id": 6, "mine_country": 15, "recycled": 16}
    for offset, smelter in enumerate(smelters):
        for key, value in smelter.items():
            smelter_sheet.cell(row=5 + offset, column=keys[key]).value = value
    mine_sheet = book["Mine List"]
    for column, header in enumerate(MINE_HEADERS, start=1):
        mine_sheet.cell(row=4, column=column).value = header
    mine_keys = {"metal": 1, "smelter": 2, "name": 3, "id": 4, "country": 6}
    for offset, mine in enumerate(mines):
        for key, value in mine.items():
            mine_sheet.cell(row=5 + offset, column=mine_keys[key]).value = value
    product_sheet = book["Product List"]
    for column, header in enumerate(PRODUCT_HEADERS, start=2):
        product_sheet.cell(row=5, column=column).value = header
    for offset, (theirs, ours) in enumerate(products):
        product_sheet.cell(row=6 + offset, column=2).value = theirs
        if ours:
            product_sheet.cell(row=6 + offset, column=4).value = ours
    book.save(target)
    return target


EFFECTIVE = dt.date(2026, 11, 30)
