"""Finding the header of a sheet: below title rows, over one or two rows, with merged cells filled in.

A row scores by how many of its cells read as RiskDesk headers (synonyms, template names) and loses for every
number in it (data rows hold numbers; header rows don't). The best row of the first `scan` rows wins; the row
above or below joins it when the pair reads better, as with a group row "Country of origin" over
"Mine | Separation | Metal | Magnet".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from riskdesk.core.numbers import UnitKind, parse_number
from riskdesk.io.mapping import header_score
from riskdesk.io.normalize import Cell, cell_text

SCAN_ROWS = 30
"""Rows searched for the header."""
MIN_SCORE = 1.2
"""A row scoring less is not trusted as a header; the first text-only row is taken instead."""
PAIR_BONUS = 0.5
"""A two-row header must read this much better than its best single row."""

MergedRange = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class HeaderLayout:
    """Where a sheet's header is and what each column is called."""

    header_index: int
    """Index into the sheet's rows of the first header row."""
    header_rows: int
    """1, or 2 for a group row above sub-headers."""
    headers: list[str]
    """Display name per column position: the header text, or "Column F" where the header cell is empty."""
    data_start: int
    """Index into the sheet's rows of the first data row."""
    score: float
    texts: list[str]
    """The header text per column position as written ("" where empty)."""


def column_letter(index: int) -> str:
    """Excel column letters of a 0-based column index: 0 → "A", 27 → "AB"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Scorer:
    """Header scores of cell texts, each text scored once."""

    def __init__(self) -> None:
        self._scores: dict[str, float] = {}

    def text(self, text: str) -> float:
        score = self._scores.get(text)
        if score is None:
            score = header_score(text)
            self._scores[text] = score
        return score

    def row(self, texts: Sequence[str], numbers: int) -> float:
        strong = sum(s for s in (self.text(t) for t in texts if t) if s >= 0.6)
        filled = sum(1 for t in texts if t)
        return strong + 0.05 * filled - 0.5 * numbers


def _is_numberlike(value: Cell) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float | dt.date | dt.datetime | dt.time | dt.timedelta):
        return True
    if isinstance(value, str):
        parsed = parse_number(value)
        return parsed is not None and parsed.unit_kind is not UnitKind.OTHER
    return False


def row_texts(row: Sequence[Cell]) -> tuple[list[str], int]:
    texts: list[str] = []
    numbers = 0
    for value in row:
        if _is_numberlike(value):
            numbers += 1
            texts.append("")
        else:
            texts.append(cell_text(value))
    return texts, numbers


def combine_rows(upper: Sequence[str], lower: Sequence[str], upper_row: int, merged: Sequence[MergedRange] | None,
             rows: Sequence[Sequence[Cell]]) -> list[str]:
    """Header texts of a two-row header: group cell (filled over its merged span) and sub-header joined."""
    width = max(len(upper), len(lower))
    up = list(upper) + [""] * (width - len(upper))
    low = list(lower) + [""] * (width - len(lower))
    filled = list(up)
    if merged is not None:
        for (r0, c0), (r1, c1) in merged:
            if r0 <= upper_row <= r1 and 0 <= r0 < len(rows) and 0 <= c0 < len(rows[r0]):
                text = cell_text(rows[r0][c0])
                for c in range(max(c0, 0), min(c1 + 1, width)):
                    if not filled[c]:
                        filled[c] = text
    else:
        group = ""
        for c in range(width):
            if up[c]:
                group = up[c] if low[c] else ""
            elif low[c] and group:
                filled[c] = group
            else:
                group = ""
    combined = []
    for c in range(width):
        u, lo = filled[c], low[c]
        if u and lo and u.casefold() != lo.casefold():
            combined.append(f"{u} {lo}")
        else:
            combined.append(u or lo)
    return combined


def find_header(rows: Sequence[Sequence[Cell]], merged: Sequence[MergedRange] | None = None,
                first_col: int = 0, scan: int = SCAN_ROWS) -> HeaderLayout | None:
    """The header layout of a sheet, or None for a sheet without any non-empty row.

    `merged` holds merged cell ranges relative to `rows` (row and column indices into `rows`), or None when the
    file format does not say (csv, ods): then a group cell is spread over the sub-headers to its right.
    `first_col` is the sheet column of `rows[i][0]`, used for "Column F" names.
    """
    window = min(len(rows), scan)
    if window == 0:
        return None
    scorer = _Scorer()
    cells = [row_texts(rows[i]) for i in range(window)]
    scores = [scorer.row(texts, numbers) for texts, numbers in cells]
    nonempty = [i for i in range(window) if any(cells[i][0]) or cells[i][1]]
    if not nonempty:
        return None
    best = max(range(window), key=lambda i: (scores[i], -i))
    if scores[best] < MIN_SCORE:
        widest = max(sum(1 for t in cells[i][0] if t) + cells[i][1] for i in nonempty)
        textual = [i for i in nonempty
                   if cells[i][1] == 0 and sum(1 for t in cells[i][0] if t) >= max(2, widest // 2)]
        best = textual[0] if textual else nonempty[0]
    layout_texts = cells[best][0]
    start, count, score = best, 1, scores[best]
    for upper in (best - 1, best):
        lower = upper + 1
        if upper < 0 or lower >= window:
            continue
        other = upper if upper != best else lower
        if cells[other][1] or not any(cells[other][0]):
            continue
        combined = combine_rows(cells[upper][0], cells[lower][0], upper, merged, rows)
        pair_score = scorer.row(combined, 0)
        if pair_score >= max(scores[upper], scores[lower]) + PAIR_BONUS and pair_score > score:
            start, count, score, layout_texts = upper, 2, pair_score, combined
    data_start = start + count
    width = max((len(r) for r in rows), default=0)
    texts = list(layout_texts) + [""] * (width - len(layout_texts))
    return HeaderLayout(start, count, display_names(texts, first_col), data_start, score, texts)


def display_names(texts: Sequence[str], first_col: int) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for position, text in enumerate(texts):
        name = " ".join(text.split()) or f"Column {column_letter(first_col + position)}"
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        names.append(name)
    return names
