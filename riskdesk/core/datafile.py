"""Reading bundled, versioned TOML data files and checking each entry against its expected shape.

Every reference file (control list, countries, grades, prices, market shares) is plain TOML a person can read
and review in a diff. Loading checks each field and names file, entry and field when something is wrong, so a
hand-edited or newer file that is broken is refused with a message instead of half-loaded.
"""

from __future__ import annotations

import builtins
import codecs
import contextlib
import datetime as dt
import hashlib
import math
import stat
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIDENCE_MARKS: Mapping[str, str] = {
    "C": "confirmed",
    "S": "single secondary source",
    "D": "derived by arithmetic from sourced figures",
    "U": "unconfirmed: verify before relying on it",
    "X": "sources disagree",
}


class DataFileError(ValueError):
    """A reference data file that does not have the expected shape."""

    def __init__(self, file: Path | str, message: str, entry: str = "", field: str = "") -> None:
        self.file = str(file)
        self.entry = entry
        self.field = field
        where = self.file
        if entry:
            where += f", entry {entry}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact comes from, with the date the document was published and the date it was read, where the data
    file records them (None: not recorded)."""

    title: str
    url: str = ""
    published: dt.date | None = None
    accessed: dt.date | None = None

    def __str__(self) -> str:
        return f"{self.title} {self.url}".strip()


FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2199, 12, 31)
"""Every date in a data file lies between these: a date such as 0001-01-01 or 9999-12-31 is a mistake, and the
days counted from or to it would overflow."""

MAX_DATA_FILE_BYTES = 20 * 1024 * 1024
"""A reference data file larger than this is refused unread (the bundled ones are well under 1 MB)."""


def load_toml(path: Path) -> dict[str, Any]:
    """A TOML file's contents; DataFileError with what to do for anything else (missing, a folder or a pipe,
    too large, not UTF-8, not TOML, nested too deeply)."""
    return read_toml(path)[0]


def read_toml(path: Path) -> tuple[dict[str, Any], str]:
    """A TOML file's contents and the SHA-256 of its bytes (which identifies the exact file, e.g. a control list
    a project was scored with)."""
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DataFileError(path, "is a folder, not a file" if stat.S_ISDIR(info.st_mode)
                                else "is not a regular file (a pipe or a device)")
        if info.st_size > MAX_DATA_FILE_BYTES:
            raise DataFileError(path, f"is {info.st_size / 1e6:,.0f} MB, too large for a data file")
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror or exc})") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise DataFileError(path, "is saved as UTF-16 or UTF-32; save it again as UTF-8")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"is not UTF-8 text (byte {exc.start}); save it again as UTF-8") from None
    try:
        return tomllib.loads(text), hashlib.sha256(data).hexdigest()
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(path, f"not valid TOML ({exc})") from None
    except RecursionError:
        raise DataFileError(path, "not valid TOML (nested too deeply)") from None
    except ValueError as exc:  # tomllib reads whole numbers with int(), which refuses more than 4,300 digits
        raise DataFileError(path, f"holds a number that cannot be read ({str(exc).split(';')[0]})") from None


def check_keys(path: Path | str, data: Mapping[str, Any], allowed: Iterable[str], entry: str = "") -> None:
    """DataFileError naming every key of `data` that is not `allowed` (a misspelt key must not be ignored)."""
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise DataFileError(path, f"unknown field(s) {', '.join(unknown)} (misspelt?)", entry, unknown[0])


class Entry:
    """One table of a data file, with typed accessors that raise DataFileError naming file, entry and field."""

    def __init__(self, file: Path | str, label: str, data: Mapping[str, Any]) -> None:
        if not isinstance(data, Mapping):
            raise DataFileError(file, "expected a table", label)
        self.file = file
        self.label = label
        self.data = data

    def fail(self, field: str, message: str) -> DataFileError:
        return DataFileError(self.file, message, self.label, field)

    # Below this method, `str` in the class body names it: annotations there spell the type `builtins.str`.
    def str(self, field: str, default: str | None = None) -> str:
        value = self.data.get(field, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(field, "expected non-empty text")
        return value

    def number(self, field: builtins.str, default: float | None = None, low: float | None = None,
               high: float | None = None) -> float:
        value = self.data.get(field, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(field, "expected a number")
        try:
            finite = math.isfinite(value)
        except OverflowError:  # a whole number of more than 308 digits
            finite = False
        if not finite:
            shown = value if isinstance(value, float) else f"{str(value)[:12]}… ({len(str(value)):,} digits)"
            raise self.fail(field, f"{shown} is not a finite number")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(field, f"{value} is outside {low}..{high}")
        return float(value)

    def optional_number(self, field: builtins.str) -> float | None:
        return None if field not in self.data else self.number(field)

    def boolean(self, field: builtins.str, default: bool | None = None) -> bool:
        value = self.data.get(field, default)
        if not isinstance(value, bool):
            raise self.fail(field, "expected true or false")
        return value

    def date(self, field: builtins.str) -> dt.date:
        value = self.data.get(field)
        day: dt.date | None = None
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        elif isinstance(value, str):
            with contextlib.suppress(ValueError):
                day = dt.date.fromisoformat(value)
        if day is None:
            raise self.fail(field, "expected a date YYYY-MM-DD")
        if not FIRST_DATE <= day <= LAST_DATE:
            raise self.fail(field, f"{day} is not a plausible date (from {FIRST_DATE} to {LAST_DATE})")
        return day

    def optional_date(self, field: builtins.str) -> dt.date | None:
        return None if self.data.get(field) in (None, "") else self.date(field)

    def str_list(self, field: builtins.str, default: Iterable[builtins.str] | None = None,
                 allowed: Iterable[builtins.str] | None = None) -> tuple[builtins.str, ...]:
        value = self.data.get(field, list(default) if default is not None else None)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(field, "expected a list of text")
        if allowed is not None:
            allowed_set = set(allowed)
            unknown = [v for v in value if v not in allowed_set]
            if unknown:
                raise self.fail(field, f"unknown value(s) {', '.join(unknown)}")
        return tuple(value)

    def choice(self, field: builtins.str, allowed: Iterable[builtins.str],
               default: builtins.str | None = None) -> builtins.str:
        value = self.str(field, default)
        options = list(allowed)
        if value not in options:
            raise self.fail(field, f"{value!r} is not one of {', '.join(options)}")
        return value

    def confidence(self, field: builtins.str = "confidence") -> builtins.str:
        return self.choice(field, CONFIDENCE_MARKS)

    def sources(self, field: builtins.str = "sources") -> tuple[Source, ...]:
        value = self.data.get(field)
        if not isinstance(value, list) or not value:
            raise self.fail(field, "expected at least one source {title = ..., url = ...}")
        result = []
        for i, item in enumerate(value, start=1):
            if not isinstance(item, Mapping) or not isinstance(item.get("title"), str):
                raise self.fail(f"{field}[{i}]", "expected {title = ..., url = ...}")
            source = Entry(self.file, self.label, {f"{field}[{i}].{key}": item.get(key)
                                                   for key in ("published", "accessed")})
            result.append(Source(item["title"], str(item.get("url", "")),
                                 source.optional_date(f"{field}[{i}].published"),
                                 source.optional_date(f"{field}[{i}].accessed")))
        return tuple(result)

    def tables(self, field: builtins.str) -> list[Entry]:
        value = self.data.get(field, [])
        if not isinstance(value, list):
            raise self.fail(field, "expected an array of tables")
        return [Entry(self.file, f"{self.label}.{field}[{i}]", item) for i, item in enumerate(value, 1)]


def entries(path: Path, data: Mapping[str, Any], key: str, id_field: str = "id") -> list[Entry]:
    """The array of tables `key` of a loaded file, each labelled by its id (or position) for messages."""
    items = data.get(key)
    if not isinstance(items, list) or not items:
        raise DataFileError(path, f"expected an array of tables [[{key}]]")
    result = []
    for i, item in enumerate(items, start=1):
        label = f"#{i}"
        if isinstance(item, Mapping) and isinstance(item.get(id_field), str):
            label = f"{item[id_field]!s}"
        result.append(Entry(path, label, item))
    return result
