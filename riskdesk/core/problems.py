"""Problems found in input: where they are, what is wrong, and what the user should do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    """Blocks the import or the save: nothing changes."""
    WARNING = "warning"
    """Worth reading; the data is applied anyway."""


@dataclass(frozen=True, slots=True)
class Problem:
    severity: Severity
    message: str
    hint: str = ""
    file: str = ""
    sheet: str = ""
    row: int | None = None
    """1-based row number as the user sees it in the spreadsheet."""
    column: str = ""
    value: str = ""
    part: str = ""
    """The part number the problem concerns, when it concerns one part (project checks set it)."""
    supplier: str = ""
    """The supplier id the problem concerns, when it concerns one supplier."""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {shown(self.column, quote=True)}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.severity.value}: "
        where = self.location()
        if where:
            text += f"{where}: "
        text += self.message
        if self.value:
            text += f" (value {shown(self.value, 80, quote=True)})"
        if self.hint:
            text += f". {self.hint}"
        return text


def shown(text: object, limit: int = 60, quote: bool = False) -> str:
    """A header or value as a message or listing shows it: at most `limit` characters around an ellipsis, with
    its full length when cut, so that a 31 KB header or a 50 MB cell cannot flood a terminal or a table; control
    and format characters written as visible escapes (`riskdesk.core.cells.shown_text`)."""
    from riskdesk.core.cells import shorten, shown_text

    full = str(text)
    cut = shown_text(shorten(full, limit))
    if cut == full:
        return repr(full) if quote else full
    return f"{cut!r} ({len(full):,} characters)" if quote else f"{cut} ({len(full):,} characters)"


def quoted(text: object, limit: int = 60) -> str:
    """`shown` in quotes, as a header or value stands in a message."""
    return shown(text, limit, quote=True)


def error(message: str, hint: str = "", **where: object) -> Problem:
    return Problem(Severity.ERROR, message, hint, **where)  # type: ignore[arg-type]


def warning(message: str, hint: str = "", **where: object) -> Problem:
    return Problem(Severity.WARNING, message, hint, **where)  # type: ignore[arg-type]


def as_warning(problem: Problem, note: str = "") -> Problem:
    """The same problem as a warning (e.g. in a part an import does not touch), with `note` added."""
    from dataclasses import replace

    return replace(problem, severity=Severity.WARNING, message=problem.message + note)


class InputError(Exception):
    """Input that cannot be used; carries the problems to show the user."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
