"""The Exposure sheet: the buyer's kg by element, stage and country (the ISO code and the name in their own
columns), with the EU 65 % benchmark flag beside the share it is judged on; and the Concentration sheet: per element
and stage, how concentrated that supply is."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riskdesk.core.report_content import OVER_BENCHMARK, ExposureSheet
from riskdesk.io.report.layout import Layout, country_columns
from riskdesk.io.xlsx import NUMBER, TEXT, Column

BENCHMARK_SHARE = "Share counted for the 65 %"
"""The header of the share the EU benchmark flag is judged on."""


def write_exposure(layout: Layout, content: ExposureSheet) -> None:
    """Write the Exposure sheet."""
    sheet = layout.sheet("Exposure")
    columns = [
        Column("Element", 9, kind=TEXT),
        Column("Stage", 18, kind=TEXT),
        *country_columns(18),
        Column("kg/yr", 14, "kg", kind=NUMBER),
        Column("Share of the element at this stage", 14, "share", kind=NUMBER),
        Column(BENCHMARK_SHARE, 14, "share", kind=NUMBER,
               help="What the EU benchmark flag is judged on: this country's share with the kg of unknown origin "
                    "and China's counted as its (for China, the largest share any third country makes so); on the "
                    "unknown-origin row, the largest share any third country makes so. Empty where the benchmark "
                    "does not apply or the country is not a third country"),
        Column("EU 65 % benchmark", 14, "center", kind=TEXT, value_formats={OVER_BENCHMARK: "flag"},
               help="For buyers importing into the EU: over 65 % of your kg from one third country (the share "
                    "counted is in the column before)"),
        Column("USD/yr", 14, "usd", kind=NUMBER),
    ]
    layout.caption(sheet, content.note, columns)
    values: list[Sequence[Any]] = [content.elements, content.stages, content.country_codes, content.countries,
                                   content.kg, content.shares, content.benchmark_shares, content.flags,
                                   content.values]
    layout.columns(sheet, 1, columns, values, "Exposure", text="Writing the exposure…")
    layout.print_setup(sheet, (1, 1))


def write_concentration(layout: Layout, content: ExposureSheet) -> None:
    """Write the Concentration sheet: per element and stage, the largest country, the unknown share and the
    governance-weighted HHI (the portfolio's concentration table, `score --json`'s portfolio.concentration)."""
    sheet = layout.sheet("Concentration")
    columns = [
        Column("Element", 9, kind=TEXT),
        Column("Stage", 18, kind=TEXT),
        *country_columns(18, "Largest country"),
        Column("Its share", 12, "share", kind=NUMBER,
               help="The largest known country's share of your kg of the element at this stage"),
        Column("Unknown origin", 12, "share", kind=NUMBER,
               help="The share of your kg of the element at this stage whose country is not known"),
        Column("Concentration (0–10)", 14, "weight", kind=NUMBER,
               help="Governance-weighted HHI: Σ share² × governance over the known countries, 0 (spread over "
                    "well-governed countries) … 10 (all from one country of the worst governance); the share of "
                    "unknown origin is in the column before (docs/method.md, Concentration table)"),
    ]
    layout.caption(sheet, content.concentration_note, columns)
    values = [[row[c] for row in content.concentration] for c in range(len(columns))]
    layout.columns(sheet, 1, columns, values, "Concentration", text="Writing the concentration…")
    layout.print_setup(sheet, (1, 1))
