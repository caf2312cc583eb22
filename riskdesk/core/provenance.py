"""Where a result's reference facts come from: each bundled data file with its title, version and content hash.

A report names the control list by version and by the SHA-256 of the file it was read from, so that an auditor
can tell two reports made from different lists apart even when someone edited a list without changing its
version. Qt-free.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from riskdesk.core.resources import resources_dir

if TYPE_CHECKING:
    from riskdesk.core.presets import PresetBook
    from riskdesk.core.reference import ReferenceData


@dataclass(frozen=True, slots=True)
class DataFile:
    """One reference data file as it was used."""

    what: str
    """What it holds, in the buyer's words ("Control list")."""
    title: str
    version: str
    name: str
    """Its path inside the bundled resources ("rules/control_list.toml"), or its full path when not bundled."""
    sha256: str
    """Hex SHA-256 of the file's bytes ("" when it cannot be read any more)."""


def file_sha256(path: Path | str) -> str:
    """Hex SHA-256 of a file's bytes, or "" when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()


def _name(path: str) -> str:
    if not path:
        return ""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(resources_dir().resolve()).as_posix()
    except ValueError:
        return str(resolved)


def data_files(reference: ReferenceData, presets: PresetBook | None = None) -> list[DataFile]:
    """The data files behind an evaluation (and the scenario presets, when given), control list first."""
    items: list[tuple[str, str, str, str]] = [
        ("Control list", reference.control_list.title, reference.control_list.version, reference.control_list.path),
        ("Countries and governance", reference.countries.title, reference.countries.version,
         reference.countries.path),
        ("Grade compositions", reference.grades.title, reference.grades.version, reference.grades.path),
        ("Prices", reference.prices.title, reference.prices.version, reference.prices.path),
        ("World market shares", reference.market.title, reference.market.version, reference.market.path),
    ]
    if presets is not None:
        items.append(("Scenario presets", presets.title, presets.version, presets.path))
    return [DataFile(what, title, version, _name(path), file_sha256(path) if path else "")
            for what, title, version, path in items]
