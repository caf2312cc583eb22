"""Where a declaration campaign stands: each request with its supplier, dates, the parts answered and asked, and
whether it is overdue on a day. `riskdesk requests` (text and `--json`) and the report's Declarations sheet both
read it from `request_status`, and so does the window's View ▸ Declarations…, so that they give the same figures.

    rows = request_status(project.declarations, as_of)
    rows[0].to_json()      # {"request_id": …, "supplier_id": …, "sent": …, "due": …, "answered": …, …}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from riskdesk.core.declarations import Declarations


@dataclass(frozen=True)
class RequestStatus:
    """One request as the campaign status shows it on a day."""

    request_id: str
    supplier_id: str
    sent: dt.date
    due: dt.date | None
    answered: dt.date | None
    """When the latest answer was read back (None: not answered)."""
    effective_date: dt.date | None
    """The date the latest answer speaks for."""
    parts: tuple[str, ...]
    """The parts asked about."""
    answered_parts: tuple[str, ...]
    overdue: bool
    status: str
    """overdue, answered, partly answered or waiting (`DeclarationRequest.status`)."""

    @property
    def parts_asked(self) -> int:
        return len(self.parts)

    @property
    def parts_answered(self) -> int:
        return len(self.answered_parts)

    def to_json(self) -> dict[str, Any]:
        """The row `riskdesk requests --json` prints."""
        return {"request_id": self.request_id, "supplier_id": self.supplier_id, "sent": self.sent.isoformat(),
                "due": self.due.isoformat() if self.due else None,
                "answered": self.answered.isoformat() if self.answered else None,
                "effective_date": self.effective_date.isoformat() if self.effective_date else None,
                "parts_asked": self.parts_asked, "parts_answered": self.parts_answered, "overdue": self.overdue,
                "status": self.status, "parts": list(self.parts), "answered_parts": list(self.answered_parts)}


def request_status(declarations: Declarations, as_of: dt.date) -> list[RequestStatus]:
    """Every request, in the order sent, as it stands on `as_of` (overdue counted on that day)."""
    return [RequestStatus(r.request_id, r.supplier_id, r.sent, r.due, r.answered,
                          r.answers[-1].effective_date if r.answers else None, r.parts, r.parts_answered,
                          r.overdue(as_of), r.status(as_of))
            for r in declarations.requests]


__all__ = ["RequestStatus", "request_status"]
