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
from riskdesk.core.declaration_status import RequestStatus, request_status
from riskdesk.core.evaluation import band
from riskdesk.core.labels import BAND_LABELS, count
from riskdesk.core.report_content import ReportData, country_columns_of
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
    in_china = np.asarray(np.isin(stage_codes, china).any(axis=1), dtype=bool)
    any_unknown = np.asarray(unknown.any(axis=1), dtype=bool)
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
    codes, uniques = pd.factorize(path_suppliers)
    by_code = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[by_code], np.arange(len(uniques) + 1))
    paths_of = {str(u): by_code[bounds[k]:bounds[k + 1]] for k, u in enumerate(uniques)}
    rows: list[_Row] = []
    for supplier in order:
        own = paths_of.get(supplier, np.zeros(0, dtype=np.int64))
        part_positions, unknown_by_part = _unknown_stages_by_part(path_part[own], unknown[own])
        parts = part_positions.tolist()
        best = max(parts, key=lambda i: (scores[i], -i)) if parts else None
        asks = [(i, [stage.label for k, stage in enumerate(STAGES) if flags[k]])
                for i, flags in zip(parts, unknown_by_part.tolist(), strict=True) if any(flags)]
        n_own = max(len(own), 1)
        rows.append(_Row(
            supplier, supplier or NO_SUPPLIER,
            names.get(supplier, "") if supplier else "volume no supply path covers", made_in.get(supplier, ""),
            parts, float(path_spend[own].sum()), len(own), float(in_china[own].sum()) / n_own,
            float((any_unknown[own] & ~in_china[own]).sum()) / n_own, float(any_unknown[own].sum()) / n_own,
            best, float(scores[best]) if best is not None else None, asks,
            latest.get(supplier) if supplier else None))
    # The riskiest part first, then the larger spend; the volume no supply path covers last.
    rows.sort(key=lambda r: (r.supplier == "", -(r.score if r.score is not None else -1.0), -r.spend, r.supplier))
    numbers = compiled.part_numbers
    asking = sum(1 for r in rows if r.asks and r.supplier)
    note = (f"Each supplier on {data.request.as_of.isoformat()}, the riskiest part it supplies first: the parts it "
            "supplies, the spend through it (each part's spend split over its supply paths by their shares), the "
            "share of its supply paths that pass through China at one stage or more, that may (a stage of unknown "
            "origin and none known in China) and that have a stage of unknown origin; the highest score of a part "
            f"it supplies; the origins still unknown — what to ask it ({count(asking, 'supplier')} to ask) — and its "
            "latest declaration request (Declarations sheet).")
    country_codes, country_names = country_columns_of(countries, (r.code for r in rows))
    return SuppliersSheet(
        note=note,
        supplier_ids=[r.shown_id for r in rows], names=[r.name for r in rows],
        country_codes=country_codes, country_names=country_names,
        part_counts=[len(r.parts) for r in rows],
        parts=[", ".join(str(numbers[i]) for i in r.parts) for r in rows],
        spend=[r.spend for r in rows], path_counts=[r.paths for r in rows],
        through_china=[r.china for r in rows], possibly_china=[r.possibly for r in rows],
        unknown_origin=[r.unknown for r in rows],
        highest_scores=[r.score for r in rows],
        highest_bands=[BAND_LABELS[band(r.score)] if r.score is not None else "" for r in rows],
        highest_parts=[str(numbers[r.best]) if r.best is not None else "" for r in rows],
        unknown_stages=[sum(len(stages) for _, stages in r.asks) for r in rows],
        to_ask=["; ".join(f"{numbers[i]}: {', '.join(stages)}" for i, stages in r.asks) for r in rows],
        request_ids=[r.status.request_id if r.status else "" for r in rows],
        sent=[r.status.sent if r.status else None for r in rows],
        due=[r.status.due if r.status else None for r in rows],
        answered=[r.status.answered if r.status else None for r in rows],
        request_status=[r.status.status if r.status else "" for r in rows])


def _unknown_stages_by_part(path_parts: np.ndarray, unknown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The parts of some supply paths (their positions, ascending) and, for each, at which stages one of its paths
    has an unknown country (`unknown`: paths × stages)."""
    if not len(path_parts):
        return np.zeros(0, dtype=np.int64), np.zeros((0, unknown.shape[1]), dtype=bool)
    by_part = np.argsort(path_parts, kind="stable")
    parts, starts = np.unique(path_parts[by_part], return_index=True)
    return parts, np.logical_or.reduceat(unknown[by_part], starts, axis=0)


@dataclass(frozen=True)
class _Row:
    """One supplier's figures (supplier "" for the volume no supply path covers)."""

    supplier: str
    shown_id: str
    name: str
    code: str
    parts: list[int]
    spend: float
    paths: int
    china: float
    possibly: float
    unknown: float
    best: int | None
    score: float | None
    asks: list[tuple[int, list[str]]]
    status: RequestStatus | None

__all__ = ["NO_SUPPLIER", "SuppliersSheet", "suppliers_sheet"]
