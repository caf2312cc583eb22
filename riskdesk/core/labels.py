"""The buyer's words for RiskDesk's fields: one label per field for table headers, the import dialog, templates
and reports, so that every screen and file names a thing the same way. Internal names (`magnet_mass_g`) stay in
tooltips, JSON and the command line."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from riskdesk.core import elements

FIELD_LABELS: Mapping[str, str] = MappingProxyType({
    "part_number": "Part number",
    "description": "Description",
    "end_use": "End use",
    "magnet_family": "Magnet family",
    "grade": "Grade",
    "magnet_mass_g": "Magnet g/unit",
    "annual_units": "Units/year",
    "unit_price": "Unit price",
    "stock_days": "Stock days",
    "dfars": "DFARS",
    "supplier_id": "Supplier ID",
    "supplier_name": "Supplier name",
    "supplier_country": "Supplier country",
    "general_licence": "China general licence",
    "share_pct": "Share %",
    "mine_country": "Mine country",
    "separation_country": "Separation country",
    "metal_country": "Metal/alloy country",
    "magnet_country": "Magnet country",
    "origin_evidence": "Evidence",
})


def field_label(name: str) -> str:
    """The buyer's words for a field: "magnet_mass_g" → "Magnet g/unit", "dy_pct" → "Dy wt %",
    "dy2o3_pct" → "Dy2O3 wt %"; an unknown name is returned as it is."""
    if name in FIELD_LABELS:
        return FIELD_LABELS[name]
    if name.endswith("_pct"):
        stem = name[:-4]
        symbol = next((s for s in elements.SYMBOLS if s.lower() == stem), None)
        if symbol is not None:
            return f"{symbol} wt %"
        formula = next((f for f in elements.oxide_formulas() if f.lower() == stem), None)
        if formula is not None:
            return f"{formula} wt %"
    return name
