"""The Findings sheet (every hit, watch item and possible hit, grouped by part) and the Exposure sheet (kg by
element, stage and country with the EU 65 % benchmark flag)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riskdesk.core.findings import KINDS
from riskdesk.core.labels import KIND_HELP, KIND_LABELS
from riskdesk.core.report_content import OVER_BENCHMARK, ExposureSheet, FindingsSheet
from riskdesk.io.report.layout import Layout
from riskdesk.io.xlsx import DATE, LINK, NUMBER, TEXT, Column


def write_findings(layout: Layout, content: FindingsSheet) -> None:
    """Write the Findings sheet."""
    sheet = layout.sheet("Findings")
    columns = [
        Column("Part", 14, kind=TEXT),
        Column("Kind", 8, kind=TEXT, help=" ".join(f"{KIND_LABELS[k]}: {KIND_HELP[k]}" for k in KINDS)),
        Column("Rule", 27, kind=TEXT, help="The rule's id; the Method sheet lists every rule with its status and "
                                           "sources"),
        Column("Effect", 21, kind=TEXT),
        Column("Element", 12, kind=TEXT),
        Column("Stage", 18, kind=TEXT),
        Column("Country", 19, kind=TEXT),
        Column("Supplier", 11, kind=TEXT, help="Supplier ID; (none) for volume no supply path covers"),
        Column("kg/yr", 10, "kg", kind=NUMBER),
        Column("USD/yr", 10, "usd", kind=NUMBER),
        Column("Counts", 7, "weight", kind=NUMBER, help="How much of that value counts towards the restriction "
                                                         "factor on the date (0–1)"),
        Column("Effective from", 12, "date", kind=DATE),
        Column("Effective until", 12, "date", kind=DATE),
        Column("Status on the date", 25, kind=TEXT),
        Column("Source", 46, kind=LINK if content.links else TEXT),
        Column("Confidence", 10, kind=TEXT, help="C confirmed, S single secondary source, D derived, U unconfirmed, "
                                                 "X sources disagree"),
    ]
    values: list[Sequence[Any]] = [
        content.part_numbers, content.kinds, content.rule_ids, content.effects, content.elements, content.stages,
        content.countries, content.suppliers, content.kg, content.values, content.weights, content.starts,
        content.ends, content.statuses, content.sources, content.marks]
    layout.caption(sheet, content.note, columns)
    layout.columns(sheet, 1, columns, values, "Findings", freeze_columns=1, text="Writing the findings…")
    layout.print_setup(sheet, (1, 1))


def write_exposure(layout: Layout, content: ExposureSheet) -> None:
    """Write the Exposure sheet."""
    sheet = layout.sheet("Exposure")
    columns = [
        Column("Element", 9, kind=TEXT),
        Column("Stage", 18, kind=TEXT),
        Column("Country", 22, kind=TEXT),
        Column("kg/yr", 14, "kg", kind=NUMBER),
        Column("Share of the element at this stage", 14, "share", kind=NUMBER),
        Column("USD/yr", 14, "usd", kind=NUMBER),
        Column("EU 65 % benchmark", 14, "center", kind=TEXT, value_formats={OVER_BENCHMARK: "flag"},
               help="For buyers importing into the EU: over 65 % of your kg from one third country"),
    ]
    layout.caption(sheet, content.note, columns)
    values: list[Sequence[Any]] = [content.elements, content.stages, content.countries, content.kg, content.shares,
                                   content.values, content.flags]
    layout.columns(sheet, 1, columns, values, "Exposure", text="Writing the exposure…")
    layout.print_setup(sheet, (1, 1))
