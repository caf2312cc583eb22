"""The window's colours for bands and marks, in one place: translucent tints for cell backgrounds and a "chip"
for a score in rich text. The colours themselves are core data (riskdesk.core.labels), shared with the report."""

from __future__ import annotations

import html

from PySide6.QtGui import QColor

from riskdesk.core.labels import BAND_COLORS, BAND_LABELS
from riskdesk.core.triage import score_text

TINT_ALPHA = 70
"""Background tints are translucent so the palette's own text colour stays readable on them."""


def tint(color: str, alpha: int = TINT_ALPHA) -> QColor:
    """A translucent version of `color`, for cell backgrounds that keep the palette's text readable."""
    result = QColor(color)
    result.setAlpha(alpha)
    return result


def chip(band_name: str, text: str) -> str:
    """Rich text: `text` in white on the band's colour, e.g. a score "70 · Red"."""
    return (f'<span style="background-color:{BAND_COLORS[band_name]}; color:#ffffff; font-weight:bold;">'
            f"&nbsp;{html.escape(text)}&nbsp;</span>")


def score_chip(score: float, band_name: str) -> str:
    """A score as a chip: "70 · Red"."""
    return chip(band_name, f"{score_text(score)} · {BAND_LABELS[band_name]}")
