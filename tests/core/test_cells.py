"""Text from files shown on a terminal: nothing in it can recolour, move the cursor, fake a line or reverse what
follows (issue 19, F20)."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from riskdesk.core.cells import shown_text


@given(st.text())
def test_shown_text_holds_no_control_or_format_character_and_keeps_what_can_be_seen(text: str) -> None:
    shown = shown_text(text)
    assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Cn", "Zl", "Zp") for ch in shown)
    visible = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LNPS" or ch == " ")
    assert all(ch in shown for ch in visible)


def test_escapes_are_shown_as_escapes_and_ordinary_names_are_left_alone() -> None:
    assert shown_text("x\x1b[31mRED\r\nfake\u202e\u2028") == r"x\x1b[31mRED\r\nfake\u202e\u2028"
    assert shown_text("Hokuriku Magnet Works 北陸 — Zürich") == "Hokuriku Magnet Works 北陸 — Zürich"
