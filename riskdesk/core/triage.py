"""Which parts to look at first: a part's prohibition status, the score as it is shown, and the order that puts
prohibited parts first, then possibly prohibited ones, then the rest by score.

One home for these, so that the window, the command line and the report triage alike. Pure Python (no numpy):
the first window's path reads it. The per-part statuses are computed by `Evaluation.statuses`
(riskdesk.core.evaluation), from the rules that meet each part.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "NOT_PROHIBITED", "POSSIBLY_PROHIBITED", "PROHIBITED", "STATUSES", "STATUS_HELP", "STATUS_LABELS",
    "STATUS_RANK", "score_text", "shown_score", "triage_key",
]

PROHIBITED = "prohibited"
"""A rule in force that prohibits meets one of the part's supply paths at a stage whose country is known."""
POSSIBLY_PROHIBITED = "possibly prohibited"
"""A prohibition in force would meet the part only through a stage of unknown country: it may be prohibited."""
NOT_PROHIBITED = ""
STATUSES: tuple[str, ...] = (PROHIBITED, POSSIBLY_PROHIBITED, NOT_PROHIBITED)

STATUS_RANK: Mapping[str, int] = MappingProxyType({status: rank for rank, status in enumerate(STATUSES)})
"""0 prohibited, 1 possibly prohibited, 2 neither: the order parts are listed in before their scores."""

STATUS_LABELS: Mapping[str, str] = MappingProxyType(
    {PROHIBITED: "Prohibited", POSSIBLY_PROHIBITED: "Possibly prohibited", NOT_PROHIBITED: ""})
STATUS_HELP = ("Prohibited: a rule in force prohibits one of the part's supply paths at a stage whose country is "
               "known. Possibly prohibited: it would, if a stage whose country is unknown is one the rule names; "
               "declare that country to settle it. Blank: no prohibition in force meets the part. Prohibited parts "
               "are listed first, then possibly prohibited ones, then the rest by score.")


def shown_score(score: float) -> int:
    """A 0–100 score as a whole number, the way every table shows it: rounded half up (69.5 → 70, 39.49 → 39), as
    Excel's "0" format rounds. The band is the band of this figure (`riskdesk.core.evaluation.band`), so a score
    shown as 70 is always red. ValueError for a score that is not a number."""
    if not math.isfinite(score):
        raise ValueError(f"a score of {score} cannot be shown")
    return math.floor(score + 0.5)


def score_text(score: float) -> str:
    """"70" for 69.83: the shown score as text."""
    return str(shown_score(score))


def score_change_text(before: float, after: float) -> str:
    """"+9" for 53.4 → 61.6: the change between the scores as shown (53 → 62), so that the figures beside it add
    up (the change of the unrounded scores, 8.2, would read "+8")."""
    return f"{shown_score(after) - shown_score(before):+d}"


def triage_key(status: str, score: float) -> tuple[int, float]:
    """Sort key, ascending = riskiest first: prohibited, then possibly prohibited, then by score (highest first)."""
    return STATUS_RANK.get(status, len(STATUSES)), -score
