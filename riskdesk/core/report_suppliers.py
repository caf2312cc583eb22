"""What the report's Suppliers sheet says: one row per supplier — what it supplies, the spend through it, its
exposure, the origins still unknown on its supply paths (what to ask it) and where a declaration request to it
stands. Values, not cells (`riskdesk.io.report.suppliers` lays them out); tested without a workbook.

    sheet = suppliers_sheet(data)            # data = riskdesk.core.report_content.prepare(request)
    sheet.supplier_ids, sheet.spend, sheet.to_ask

Spend through a supplier is each part's spend split over the part's supply paths in proportion to their shares
(as scored: shares over 100 % scaled down), so that the suppliers' spend adds up to the Parts sheet's. Volume no
supply path covers is its own row, supplier "(none)", whose origins are all unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from riskdesk.core.compiled import UNKNOWN
from riskdesk.core.declaration_status import request_status
from riskdesk.core.evaluation import band
from riskdesk.core.labels import BAND_LABELS, count
from riskdesk.core.report_content import ReportData
from riskdesk.core.vocabulary import STAGES

NO_SUPPLIER = "(none)"
"""The row of the volume no supply path covers."""
CHINA = "CN"


@dataclass(frozen=True)
class SuppliersSheet:
    """One row per supplier (the riskiest part it is on first, then the larger spend); each list a column."""

    note: str
    supplier_ids: list[str]
    names: list[str]
    country_codes: list[str]
    """ISO code of where the supplier makes what it delivers ("" not given)."""
    country_names: list[str]
    part_counts: list[int]
    parts: list[str]
    """The parts it supplies, comma-separated, in the Parts table's order."""
    spend: list[float]
    """USD per year through it."""
    path_counts: list[int]
    through_china: list[float]
    """Share of its supply paths with China at one stage or more (0–1)."""
    possibly_china: list[float]
    """Share of its paths with no stage in China but a stage of unknown origin (which may be China)."""
    unknown_origin: list[float]
    """Share of its paths with a stage of unknown origin."""
    highest_scores: list[float | None]
    highest_bands: list[str]
    highest_parts: list[str]
    """The part with the highest score it supplies."""
    unknown_stages: list[int]
    """Parts × stages of unknown origin on its paths."""
    to_ask: list[str]
    """The origins still unknown, "part: stage, stage; part: …": what to ask it."""
    request_ids: list[str]
    """Its latest declaration request ("" never asked)."""
    sent: list[dt.date | None]
    due: list[dt.date | None]
    answered: list[dt.date | None]
    request_status: list[str]
    """"answered", "partly answered", "waiting", "overdue", or "" never asked."""

    @property
    def total_spend(self) -> float:
        return float(sum(self.spend))


def suppliers_sheet(data: ReportData) -> SuppliersSheet:
    """The Suppliers sheet."""
    evaluation = data.evaluation
    compiled = evaluation.compiled
    project = data.request.project
    countries = data.reference.countries
    n_paths = compiled.n_paths
    path_part = compiled.path_part
    share = compiled.share
    per_part = np.bincount(path_part, weights=share, minlength=compiled.n_parts) if n_paths else np.zeros(0)
    path_spend = (compiled.spend[path_part] * np.divide(share, per_part[path_part], out=np.zeros(n_paths),
                                                        where=per_part[path_part] > 0)) if n_paths else np.zeros(0)
    china = np.flatnonzero(compiled.countries == CHINA)
    stage_codes = compiled.country[:, :len(STAGES)] if n_paths else np.zeros((0, len(STAGES)), dtype=np.int64)
    unknown = stage_codes == UNKNOWN
    in_china = np.isin(stage_codes, china).any(axis=1) if len(china) else np.zeros(n_paths, dtype=bool)
    any_unknown = unknown.any(axis=1)
    suppliers = project.tables.suppliers
    listed = [str(s).strip() for s in suppliers["supplier_id"]]
    names = dict(zip(listed, (str(n) for n in suppliers["supplier_name"]), strict=True))
    made_in = dict(zip(listed, (str(c).strip().upper() for c in suppliers["supplier_country"]), strict=True))
    path_suppliers = np.array([str(s).strip() for s in compiled.path_supplier], dtype=object)
    order = [s for s in dict.fromkeys(listed) if s] + sorted(set(path_suppliers) - set(listed) - {""})
    if (path_suppliers == "").any():
        order.append("")
    scores = evaluation.scores
    latest = {s.supplier_id: s for s in request_status(project.declarations, data.request.as_of)}
    rows = []
    codes, uniques = pd.factorize(path_suppliers)
    by_code = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_code], np.arange(len(uniques) + 1))
    paths_of = {str(u): by_code[bounds[k]:bounds[k + 1]] for k, u in enumerate(uniques)}
    for supplier in order:
        own = paths_of.get(supplier, np.zeros(0, dtype=np.int64))
        unknown_by_part = pd.DataFrame(unknown[own]).groupby(path_part[own]).any()
        parts = [int(i) for i in unknown_by_part.index]
        best = max(parts, key=lambda i: (scores[i], -i)) if parts else None
        asks = [(int(i), [stage.label for k, stage in enumerate(STAGES) if flags[k]])
                for i, flags in zip(unknown_by_part.index, unknown_by_part.to_numpy(), strict=True) if flags.any()]
        status = latest.get(supplier) if supplier else None
        n_own = max(len(own), 1)
        rows.append((
            -(float(scores[best]) if best is not None else -1.0), -float(path_spend[own].sum()), supplier == "",
            supplier, {
                "id": supplier or NO_SUPPLIER,
                "name": names.get(supplier, "") if supplier else "volume no supply path covers",
                "code": made_in.get(supplier, ""),
                "parts": parts, "spend": float(path_spend[own].sum()), "paths": len(own),
                "china": float(in_china[own].sum()) / n_own if len(own) else 0.0,
                "possibly": float((any_unknown[own] & ~in_china[own]).sum()) / n_own if len(own) else 0.0,
                "unknown": float(any_unknown[own].sum()) / n_own if len(own) else 0.0,
                "best": best, "asks": asks, "status": status}))
    rows.sort(key=lambda r: (r[2], r[0], r[1], r[3]))
    values = [r[4] for r in rows]
    numbers = compiled.part_numbers
    asking = sum(1 for v in values if v["asks"] and v["id"] != NO_SUPPLIER)
    note = (f"Each supplier on {data.request.as_of.isoformat()}, the riskiest part it supplies first: the parts it "
            "supplies, the spend through it (each part's spend split over its supply paths by their shares), the "
            "share of its supply paths that pass through China at one stage or more, that may (a stage of unknown "
            "origin and none known in China) and that have a stage of unknown origin; the highest score of a part "
            f"it supplies; the origins still unknown — what to ask it ({count(asking, 'supplier')} to ask) — and its "
            "latest declaration request (Declarations sheet).")
    return SuppliersSheet(
        note=note,
        supplier_ids=[v["id"] for v in values], names=[v["name"] for v in values],
        country_codes=[v["code"] for v in values],
        country_names=[countries.name(v["code"]) if v["code"] else "" for v in values],
        part_counts=[len(v["parts"]) for v in values],
        parts=[", ".join(str(numbers[i]) for i in v["parts"]) for v in values],
        spend=[v["spend"] for v in values], path_counts=[v["paths"] for v in values],
        through_china=[v["china"] for v in values], possibly_china=[v["possibly"] for v in values],
        unknown_origin=[v["unknown"] for v in values],
        highest_scores=[float(scores[v["best"]]) if v["best"] is not None else None for v in values],
        highest_bands=[BAND_LABELS[band(float(scores[v["best"]]))] if v["best"] is not None else "" for v in values],
        highest_parts=[str(numbers[v["best"]]) if v["best"] is not None else "" for v in values],
        unknown_stages=[sum(len(stages) for _, stages in v["asks"]) for v in values],
        to_ask=["; ".join(f"{numbers[i]}: {', '.join(stages)}" for i, stages in v["asks"]) for v in values],
        request_ids=[v["status"].request_id if v["status"] else "" for v in values],
        sent=[v["status"].sent if v["status"] else None for v in values],
        due=[v["status"].due if v["status"] else None for v in values],
        answered=[v["status"].answered if v["status"] else None for v in values],
        request_status=[v["status"].status if v["status"] else "" for v in values])


__all__ = ["NO_SUPPLIER", "SuppliersSheet", "suppliers_sheet"]
