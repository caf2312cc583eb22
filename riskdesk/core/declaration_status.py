"""Where a declaration campaign stands: each request with its supplier, dates, the parts answered and asked, and
whether it is overdue on a day. `riskdesk requests` (text and `--json`) and the report's Declarations sheet both
read it from `request_status`, so that they give the same figures.

    rows = request_status(project.declarations, as_of)
    rows[0].to_json()      # {"request_id": …, "supplier_id": …, "sent": …, "due": …, "answered": …, …}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from riskdesk.core.declarations import Declarations

ANSWERED, PARTLY_ANSWERED, WAITING, OVERDUE = "answered", "partly answered", "waiting", "overdue"
"""A request's status in words."""


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

    @property
    def parts_asked(self) -> int:
        return len(self.parts)

    @property
    def parts_answered(self) -> int:
        return len(self.answered_parts)

    @property
    def status(self) -> str:
        """OVERDUE, ANSWERED, PARTLY_ANSWERED or WAITING."""
        if self.overdue:
            return OVERDUE
        if self.parts_answered == self.parts_asked:
            return ANSWERED
        return PARTLY_ANSWERED if self.answered else WAITING

    def to_json(self) -> dict[str, Any]:
        """The row `riskdesk requests --json` prints."""
        return {"request_id": self.request_id, "supplier_id": self.supplier_id, "sent": self.sent.isoformat(),
                "due": self.due.isoformat() if self.due else None,
                "answered": self.answered.isoformat() if self.answered else None,
                "effective_date": self.effective_date.isoformat() if self.effective_date else None,
                "parts_asked": self.parts_asked, "parts_answered": self.parts_answered, "overdue": self.overdue,
                "parts": list(self.parts), "answered_parts": list(self.answered_parts)}


def request_status(declarations: Declarations, as_of: dt.date) -> list[RequestStatus]:
    """Every request, in the order sent, as it stands on `as_of` (overdue counted on that day)."""
    return [RequestStatus(r.request_id, r.supplier_id, r.sent, r.due, r.answered,
                          r.answers[-1].effective_date if r.answers else None, r.parts, r.parts_answered,
                          r.overdue(as_of))
            for r in declarations.requests]


__all__ = ["ANSWERED", "OVERDUE", "PARTLY_ANSWERED", "WAITING", "RequestStatus", "request_status"]
