"""The Suppliers, Variants and Declarations sheets: what to ask each supplier, what each mitigation variant would
change, and where the declaration campaign stands with the age of the evidence per part. Each table repeats its
header row on every printed page and prints landscape, one page wide, at 70 % or more; detail columns that would
push it below sit in collapsed outline groups ("+"), as on the Parts sheet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riskdesk.core.report_declarations import DeclarationsSheet
from riskdesk.core.report_suppliers import SuppliersSheet
from riskdesk.core.report_variants import VariantsSheet
from riskdesk.io.report.layout import Layout, country_columns
from riskdesk.io.xlsx import ANY, DATE, NUMBER, TEXT, Column, group_columns, row_height

HEADER_ROW = 1


def write_suppliers(layout: Layout, content: SuppliersSheet) -> None:
    """Write the Suppliers sheet: one row per supplier, the riskiest part it is on first."""
    sheet = layout.sheet("Suppliers")
    columns = [
        Column("Supplier", 11, kind=TEXT, wrap=True),
        Column("Name", 15, kind=TEXT, wrap=True),
        *country_columns(11, wrap=True),
        Column("Parts", 6, "count", kind=NUMBER, help="How many parts it supplies"),
        Column("Parts supplied", 20, kind=TEXT, wrap=True),
        Column("Spend USD/yr", 11, "usd", kind=NUMBER, help="Each part's spend split over its supply paths by "
                                                           "their shares"),
        Column("Through China", 8, "share", kind=NUMBER, help="Share of its supply paths with China at one stage or "
                                                              "more"),
        Column("Possibly China", 8, "share", kind=NUMBER, help="Share of its supply paths with no stage known in "
                                                               "China but a stage of unknown origin"),
        Column("Unknown origin", 8, "share", kind=NUMBER, help="Share of its supply paths with a stage of unknown "
                                                               "origin"),
        Column("Highest score", 7, "score", kind=NUMBER, help="The highest score of a part it supplies"),
        Column("Band", 7, kind=TEXT, value_formats=layout.band_formats),
        Column("On part", 11, kind=TEXT, wrap=True),
        Column("What to ask it: origins unknown", 30, kind=TEXT, wrap=True,
               help="Part: the stages of its supply paths from this supplier whose country is unknown"),
        Column("Request", 13, kind=TEXT, wrap=True, help="Its latest declaration request (Declarations sheet)"),
        Column("Request status", 9, kind=TEXT, wrap=True),
        # Detail (collapsed): the Declarations sheet prints the requests' dates in full.
        Column("Supply paths", 7, "count", kind=NUMBER),
        Column("Unknown part × stages", 9, "count", kind=NUMBER),
        Column("Sent", 10, "date", kind=DATE),
        Column("Due", 10, "date", kind=DATE),
        Column("Answered", 10, "date", kind=DATE),
    ]
    values: list[Sequence[Any]] = [
        content.supplier_ids, content.names, content.country_codes, content.country_names, content.part_counts,
        content.parts, content.spend, content.through_china, content.possibly_china, content.unknown_origin,
        content.highest_scores, content.highest_bands, content.highest_parts, content.to_ask, content.request_ids,
        content.request_status, content.path_counts, content.unknown_stages, content.sent, content.due,
        content.answered]
    detail = 16
    layout.caption(sheet, content.note, columns, hidden=range(detail, len(columns)))
    rows = layout.columns(sheet, HEADER_ROW, columns, values, "Suppliers", freeze_columns=1,
                          text="Writing the suppliers…")
    group_columns(sheet, columns[detail:], detail)
    layout.score_scale(sheet, HEADER_ROW + 1, HEADER_ROW + rows, 10)
    layout.print_setup(sheet, (HEADER_ROW, HEADER_ROW))


def write_variants(layout: Layout, content: VariantsSheet) -> None:
    """Write the Variants sheet: the project as it is and each variant, under each chosen scenario."""
    sheet = layout.sheet("Variants")
    columns = [
        Column("Scenario", 16, kind=TEXT, wrap=True),
        Column("Variant", 16, kind=TEXT, wrap=True),
        Column("Changes", 34, kind=TEXT, wrap=True),
        Column("Parts changed", 7, "count", kind=NUMBER),
        Column("Parts", 14, kind=TEXT, wrap=True),
        Column("Portfolio score", 8, "score", kind=NUMBER),
        Column("Band", 7, kind=TEXT, value_formats=layout.band_formats),
        Column("Score change", 8, "change", kind=NUMBER, help="Portfolio score − the project's as it is"),
        Column("Red parts", 6, "count", kind=NUMBER),
        Column("Scenario cost USD", 12, "usd", kind=NUMBER, help="The cost of the magnets' element content over the "
                                                                 "scenario's horizon"),
        Column("Second sources USD", 11, "usd", kind=NUMBER, help="What the second sources' unit prices add to what "
                                                                  "is paid for the parts over the horizon"),
        Column("Cost change USD", 11, "usd", kind=NUMBER, help="Scenario cost − the project's as it is, plus the "
                                                               "second sources"),
        Column("Parts short", 7, "count", kind=NUMBER),
        Column("Value short USD", 11, "usd", kind=NUMBER, help="Units short × unit price"),
    ]
    layout.caption(sheet, content.note, columns)
    if content.none:
        sheet.merge_range(HEADER_ROW, 0, HEADER_ROW, 8, "", layout.wrap)
        sheet.write_string(HEADER_ROW, 0, content.none, layout.wrap)
        sheet.set_row(HEADER_ROW, row_height((content.none, sum(c.width for c in columns[:9]))))
        for col, column in enumerate(columns):
            sheet.set_column(col, col, column.width)
        layout.print_setup(sheet)
        return
    values: list[Sequence[Any]] = [
        content.scenarios, content.names, content.changes, content.part_counts, content.parts, content.scores,
        content.bands, content.score_changes, content.red_parts, content.scenario_costs, content.purchase_changes,
        content.cost_changes, content.parts_short, content.value_short]
    rows = layout.columns(sheet, HEADER_ROW, columns, values, "Variants", freeze_columns=2,
                          text="Writing the variants…")
    row = HEADER_ROW + max(rows, 1) + 2
    for name, why in content.not_applied:
        text = f"Left out: {name}: {why}"
        sheet.merge_range(row, 0, row, 8, "", layout.note)
        sheet.write_string(row, 0, text, layout.note)
        sheet.set_row(row, row_height((text, sum(c.width for c in columns[:9]))))
        row += 1
    layout.print_setup(sheet, (HEADER_ROW, HEADER_ROW))


def write_declarations(layout: Layout, content: DeclarationsSheet) -> None:
    """Write the Declarations sheet: the requests, then (from a new printed page, its header on every page) the age
    of the evidence per part."""
    sheet = layout.sheet("Declarations")
    requests = [
        Column("Request", 22, kind=TEXT),
        Column("Supplier", 14, kind=TEXT, wrap=True),
        Column("Sent", 11, "date", kind=DATE),
        Column("Due", 11, "date", kind=DATE),
        Column("Answered", 11, "date", kind=DATE, help="When the latest answer was read back"),
        Column("Effective date", 11, "date", kind=DATE, help="The date the latest answer speaks for"),
        Column("Parts answered", 9, "count", kind=NUMBER),
        Column("Parts asked", 9, "count", kind=NUMBER),
        Column("Overdue", 9, "boolean", kind=ANY, help="Past its due date with parts unanswered"),
        Column("Status", 14, kind=TEXT),
    ]
    evidence = [
        Column("Part", 22, kind=TEXT),
        Column("Newest declaration from", 14, kind=TEXT, wrap=True),
        Column("Effective date", 11, "date", kind=DATE),
        Column("Age, months", 11, "days", kind=NUMBER, help="From the effective date to the as-of date"),
        Column("Stale", 11, "center", kind=TEXT, help=f"Older than {content.stale_months:g} months (the project's "
                                                      "setting): counted as less sure in the transparency factor"),
        Column("Evidence", 11, kind=TEXT),
        Column("Declared paths", 9, "count", kind=NUMBER, help="Supply paths of the part whose origins a "
                                                               "declaration still speaks for"),
        Column("Supply paths", 9, "count", kind=NUMBER),
        Column("Request", 22, kind=TEXT),
    ]
    for col in range(max(len(requests), len(evidence))):
        widths = [c[col].width for c in (requests, evidence) if col < len(c)]
        sheet.set_column(col, col, max(widths))
    layout.caption(sheet, content.note, requests)
    row = HEADER_ROW
    if content.request_ids:
        values: list[Sequence[Any]] = [
            content.request_ids, content.supplier_ids, content.sent, content.due, content.answered,
            content.effective_dates, content.parts_answered, content.parts_asked, content.overdue, content.statuses]
        row += layout.columns(sheet, row, requests, values, "DeclarationRequests", freeze=False, widths=False) + 2
        sheet.set_h_pagebreaks([row])
    layout.caption(sheet, content.evidence_note, evidence, row=row)
    header = row + 1
    values = [content.part_numbers, content.newest_suppliers, content.newest_dates, content.ages, content.stale,
              content.evidence, content.declared_paths, content.paths, content.newest_requests]
    layout.columns(sheet, header, evidence, values, "EvidenceAge", freeze=False, widths=False,
                   text="Writing the declarations…")
    layout.print_setup(sheet, (header, header))
