"""Reading the cells of a supplier's declaration, whichever template it is (`RiskDesk-RMD` in
`riskdesk.io.declaration_answer`, an RMI AMRT in `riskdesk.io.amrt`): a cell as text, a date, a stage country, and
the one-line problem that names sheet, row, column and value."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

from riskdesk.core.fields import CellError, by_key, parse_value
from riskdesk.core.problems import Problem, error

RESEND = "Send the supplier its workbook again, or correct the cell and import it again"


def cell_text(value: object) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without ".0" (a part number 1234 read as 1234.0)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_error(message: str, sheet: str, row: int | None, column: str, value: str, hint: str = RESEND) -> Problem:
    return error(message, hint, sheet=sheet, row=row, column=column, value=value)


_DMY = re.compile(r"(\d{1,2})[- /.]([A-Za-z]{3})[a-z]*[- /.](\d{4})")


def cell_date(raw: object, text: str) -> dt.date | None:
    """A date cell, or text as YYYY-MM-DD or DD-MMM-YYYY (RMI's templates); None when it is not one."""
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    match = _DMY.fullmatch(text)
    if match:
        try:
            return dt.datetime.strptime(f"{match[1]} {match[2].title()} {match[3]}", "%d %b %Y").date()
        except ValueError:
            return None
    return None


def stage_country(text: str, sheet: str, row: int | None, column: str, problems: list[Problem]) -> str:
    """A stage country: an ISO code or name, "" for unknown (and for recycled or scrap, which is no country); a
    word that is neither adds an error to `problems`."""
    if text.casefold() in ("", "unknown", "recycled", "scrap"):
        return ""
    try:
        return str(parse_value(by_key("mine_country"), text))
    except CellError:
        problems.append(cell_error("is not a country RiskDesk knows", sheet, row, column, text,
                                   "Use an ISO code such as CN, MY or JP, or a country's name, or write unknown"))
        return ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


__all__ = ["RESEND", "cell_date", "cell_error", "cell_text", "file_sha256", "stage_country"]
