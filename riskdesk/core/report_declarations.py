"""What the report's Declarations sheet says: where each declaration request stands (the figures of
`riskdesk requests --json`, from the same `request_status`), and how old the evidence behind each part's origins
is — the newest supplier declaration that still speaks for one of its supply paths, its effective date, its age in
months and whether it is stale under the project's setting. Values, not cells (`riskdesk.io.report.declarations`).

    sheet = declarations_sheet(data)     # data = riskdesk.core.report_content.prepare(request)
    sheet.request_ids, sheet.overdue, sheet.part_numbers, sheet.ages
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from riskdesk.core.declaration_status import request_status
from riskdesk.core.declarations import PathEvidence, months_between, path_evidence
from riskdesk.core.labels import count
from riskdesk.core.report_content import ReportData

NO_DECLARATION = "no declaration"

@dataclass(frozen=True)
class DeclarationsSheet:
    """The requests (in the order sent) and the age of the evidence per part (the Parts table's order)."""

    note: str
    stale_months: float
    request_ids: list[str]
    supplier_ids: list[str]
    sent: list[dt.date]
    due: list[dt.date | None]
    answered: list[dt.date | None]
    effective_dates: list[dt.date | None]
    parts_answered: list[int]
    parts_asked: list[int]
    overdue: list[bool]
    statuses: list[str]
    evidence_note: str
    part_numbers: list[str]
    declared_paths: list[int]
    """Supply paths of the part whose origins a declaration still speaks for."""
    paths: list[int]
    newest_dates: list[dt.date | None]
    """Effective date of the newest such declaration (None: none)."""
    newest_requests: list[str]
    newest_suppliers: list[str]
    evidence: list[str]
    """declared | verified, or NO_DECLARATION."""
    ages: list[float | None]
    """Months from the effective date to the as-of date."""
    stale: list[str]
    """"stale" (older than the setting), "current", or "" without a declaration."""

def declarations_sheet(data: ReportData) -> DeclarationsSheet:
    """The Declarations sheet."""
    project = data.request.project
    as_of = data.request.as_of
    limit = float(project.settings.stale_months)
    statuses = request_status(project.declarations, as_of)
    paths = project.tables.paths
    found = path_evidence(project.declarations, paths) if project.declarations.requests else {}
    supplier_of = {s.request_id: s.supplier_id for s in statuses}
    newest: dict[str, PathEvidence] = {}
    declared: dict[str, int] = {}
    path_count: dict[str, int] = {}
    for part, row_id in zip((str(p) for p in paths["part_number"]), (str(r) for r in paths["row_id"]), strict=True):
        path_count[part] = path_count.get(part, 0) + 1
        evidence = found.get(row_id)
        if evidence is None:
            continue
        declared[part] = declared.get(part, 0) + 1
        held = newest.get(part)
        if held is None or (evidence.effective_date, evidence.received) > (held.effective_date, held.received):
            newest[part] = evidence
    numbers = [str(p) for p in project.tables.parts["part_number"]]
    ages = [months_between(newest[p].effective_date, as_of) if p in newest else None for p in numbers]
    n_stale = sum(1 for a in ages if a is not None and a > limit)
    n_none = sum(1 for a in ages if a is None)
    overdue = sum(1 for s in statuses if s.overdue)
    note = (f"The declaration requests sent to suppliers ({count(len(statuses), 'request')}, {overdue} overdue on "
            f"{as_of.isoformat()}), as riskdesk requests --json gives them: sent, due, the latest answer read back and "
            "the date it speaks for, the parts answered of those asked." if statuses else
            "No declaration requests yet: riskdesk request PROJECT OUTDIR (or File ▸ Request declarations… in the "
            "window) asks each supplier where the rare earths of the parts it delivers come from.")
    evidence_note = (f"The age of the evidence per part on {as_of.isoformat()}: the newest supplier declaration that "
                     "still speaks for one of its supply paths (a path edited since is the buyer's own knowledge), "
                     f"its effective date and age in months; older than {limit:g} months (the project's setting) is "
                     f"stale and counts as less sure in the transparency factor. {count(n_stale, 'part')} stale, "
                     f"{count(n_none, 'part')} without a declaration.")
    return DeclarationsSheet(
        note=note, stale_months=limit,
        request_ids=[s.request_id for s in statuses], supplier_ids=[s.supplier_id for s in statuses],
        sent=[s.sent for s in statuses], due=[s.due for s in statuses], answered=[s.answered for s in statuses],
        effective_dates=[s.effective_date for s in statuses], parts_answered=[s.parts_answered for s in statuses],
        parts_asked=[s.parts_asked for s in statuses], overdue=[s.overdue for s in statuses],
        statuses=[s.status for s in statuses],
        evidence_note=evidence_note, part_numbers=numbers,
        declared_paths=[declared.get(p, 0) for p in numbers], paths=[path_count.get(p, 0) for p in numbers],
        newest_dates=[newest[p].effective_date if p in newest else None for p in numbers],
        newest_requests=[newest[p].request_id if p in newest else "" for p in numbers],
        newest_suppliers=[supplier_of.get(newest[p].request_id, "") if p in newest else "" for p in numbers],
        evidence=[newest[p].evidence if p in newest else NO_DECLARATION for p in numbers],
        ages=ages,
        stale=["" if a is None else "stale" if a > limit else "current" for a in ages])

__all__ = ["NO_DECLARATION", "DeclarationsSheet", "declarations_sheet"]
