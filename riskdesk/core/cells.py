"""Text a spreadsheet program would not take as text: what starts like a formula, and how to keep it text.

Excel, LibreOffice and Google Sheets evaluate a cell typed or pasted as `=HYPERLINK(…)`, `+1+1`, `-2+3`,
`@SUM(A1)` or `{=1+1}`; a tab or carriage return at the start splits or hides the cell. Text that came from a
supplier's file must never run as a formula on a buyer's machine: the importer flags it, reports write it as
text, and the clipboard prefixes it with an apostrophe, which Excel and LibreOffice read as "this is text" and
do not show.

Also how such text is shown: ids without invisible characters, control characters as visible escapes, and long
text shortened around an ellipsis (`shorten`) and counted nouns (`count`), which messages, edits and labels use:
they sit here, below all of them.
"""

from __future__ import annotations

import unicodedata

FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "{=")


def looks_like_formula(text: object) -> bool:
    """Whether a spreadsheet program would read this text as a formula (or split it); a lone "-" or "+" and
    numbers such as "-12.5" are not formulas."""
    if not isinstance(text, str) or len(text) < 2 or not text.startswith(FORMULA_STARTS):
        return False
    if text[0] in "+-":
        try:
            float(text.replace(",", "").replace(" ", ""))
        except ValueError:
            return True
        return False
    return True


def as_spreadsheet_text(text: str) -> str:
    """`text` so that a paste into a spreadsheet keeps it as text: formula-like text gets a leading apostrophe."""
    return "'" + text if looks_like_formula(text) else text


def from_spreadsheet_text(text: str) -> str:
    """The inverse of `as_spreadsheet_text`, for a paste of RiskDesk's own copy back into RiskDesk."""
    return text[1:] if text.startswith("'") and looks_like_formula(text[1:]) else text


_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Cn"})
"""Control and format characters (NUL, escape, zero-width space, bidi overrides), lone surrogates and
noncharacters or unassigned code points: nothing a person can see, so two ids holding them can look the same."""


def clean_id(text: str) -> str:
    """A part number or supplier id without control, format and noncharacters ("P\u200b-1" → "P-1"), trimmed."""
    if text.isascii() and text.isprintable():
        return text.strip()
    return "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE).strip()


_LINE_BREAKS = frozenset({"Zl", "Zp"})
"""Line and paragraph separators (U+2028, U+2029): some terminals start a new line at them."""


def shown_text(text: object) -> str:
    """Text from a file as a terminal (or a one-line message) may show it: control and format characters —
    escape sequences that recolour or move the cursor, line breaks that fake another line of output, bidi
    overrides that reverse what follows, zero-width spaces — written as visible escapes (\\x1b, \\n, \\u202e)."""
    text = str(text)
    if not has_invisible(text):
        return text
    return "".join(ch.encode("unicode_escape").decode("ascii") if _hidden(ch) else ch for ch in text)


def has_invisible(text: str) -> bool:
    """Whether `text` holds a control or format character, a line separator or a noncharacter."""
    return not (text.isascii() and text.isprintable()) and any(_hidden(ch) for ch in text)


def _hidden(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category in _INVISIBLE or category in _LINE_BREAKS


def shorten(text: str, limit: int = 40) -> str:
    """`text` cut to `limit` characters with an ellipsis in the middle (file names keep their ends)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def count(n: int, noun: str, plural: str | None = None) -> str:
    """"1 part", "3 parts", "1,204 supply paths"."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {plural or noun + 's'}"
