"""A buyer's project: settings and the tables of parts, suppliers, supply paths and composition overrides.

Tables are pandas DataFrames with the columns of `riskdesk.core.domain`. Text columns hold str ("" when empty),
numeric columns float64 (NaN when not given), stage countries ISO alpha-2 codes ("" when unknown).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import os
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from riskdesk.core import elements
from riskdesk.core.domain import (
    NUMBER_COLUMNS,
    NUMBER_LIMITS,
    NUMERIC_PART_COLUMNS,
    ROW_ID,
    STORED_COLUMNS,
    EndUse,
    Evidence,
    MagnetFamily,
    YesNo,
)
from riskdesk.core.fields import SETTINGS
from riskdesk.core.numbers import Limit
from riskdesk.core.prices import BASES as PRICE_BASES
from riskdesk.core.problems import Problem, error, warning

if TYPE_CHECKING:
    from riskdesk.core.mitigations import Variant
    from riskdesk.core.scenarios import Scenario

SHARE_TOLERANCE_PCT = 0.5

US_DEFENCE_AUTO = "auto"
US_DEFENCE_CHOICES: tuple[str, ...] = (US_DEFENCE_AUTO, "yes", "no")

FACTOR_NAMES: tuple[str, ...] = (
    "restriction",
    "concentration",
    "transparency",
    "price",
    "buffer",
    "single_source",
)

DEFAULT_WEIGHTS: Mapping[str, float] = {
    "restriction": 0.35,
    "concentration": 0.15,
    "transparency": 0.15,
    "price": 0.10,
    "buffer": 0.15,
    "single_source": 0.10,
}


SETTING_LIMITS: Mapping[str, Limit] = MappingProxyType(
    {about.key: about.limit for about in SETTINGS if about.limit is not None})
"""The plausible range of each numeric setting: a stored value outside it (or not finite, or not a number) falls
back to the default when a project is read, so that a damaged or hand-edited file never weights a score by NaN."""


@dataclass
class ProjectSettings:
    """What the buyer tells RiskDesk about themselves and how to score.

    How to add a setting: give it a default here and its label, help and plausible range in
    `riskdesk.core.fields.SETTINGS`, add it to `to_json`/`from_json` (old files lack it, so `from_json` must fall
    back to the default), document it in docs/method.md, and show it in the settings view.
    """

    name: str = "Untitled project"
    import_country: str = "US"
    """ISO alpha-2 of the country the buyer imports into (decides tariffs, the EU benchmark, Japan's rules)."""
    suspended_rules_in_force: bool = False
    """Treat suspended rules, and rules whose status is unknown after a suspension, as in force."""
    disruption_days: float = 63.0
    """How long a disruption lasts for the buffer factor: a licence review takes up to 45 working days."""
    price_basis: str = "china"
    """Which reference prices value the exposure: "china" (domestic / volume-weighted) or "ex-china"."""
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    us_defence_supply: str = US_DEFENCE_AUTO
    """Whether the buyer's defence parts go into US defence contracts, so DFARS 252.225-7052 binds them:
    "auto" (yes for a buyer importing into the US), "yes" or "no". A part's own `dfars` column overrides it."""
    resourcing_days: float = 180.0
    """How long it takes to move a part to another source: an announced rule weighs more as its date comes
    within this horizon (see docs/method.md, "Rules not yet binding")."""

    def __post_init__(self) -> None:
        """Numbers kept within their plausible ranges whichever way the settings were made (a file, the window,
        code): a weight that is negative or not finite counts 0 (docs/method.md), one above the limit counts as
        the limit; days outside their range are the default. So no score is ever weighted by NaN."""
        weight_limit = SETTING_LIMITS["weights"]
        self.weights = {name: _weight(value, weight_limit) for name, value in self.weights.items()}
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        for name in ("disruption_days", "resourcing_days"):
            setattr(self, name, _number(getattr(self, name), float(cast(float, defaults[name])),
                                        SETTING_LIMITS[name]))

    def copy(self) -> ProjectSettings:
        """An independent copy (its weights too)."""
        return dataclasses.replace(self, weights=dict(self.weights))

    @property
    def supplies_us_defence(self) -> bool:
        """Whether DFARS binds this buyer's defence parts (parts without their own `dfars` answer)."""
        if self.us_defence_supply == US_DEFENCE_AUTO:
            return self.import_country.upper() == "US"
        return self.us_defence_supply == "yes"

    def to_json(self) -> dict[str, Any]:
        """The settings as stored and printed; numbers checked again (a weight changed in place after the
        settings were made still comes out finite)."""
        return dataclasses.asdict(dataclasses.replace(self))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProjectSettings:
        """Settings from a project file; a missing or unusable value falls back to its default."""
        defaults = cls()
        weights = dict(DEFAULT_WEIGHTS)
        stored = data.get("weights", {})
        if isinstance(stored, Mapping):
            for key, value in stored.items():
                if key in DEFAULT_WEIGHTS:
                    weights[key] = _number(value, DEFAULT_WEIGHTS[key], SETTING_LIMITS["weights"])
        us_defence = _text(data.get("us_defence_supply"), defaults.us_defence_supply)
        country = _text(data.get("import_country"), defaults.import_country)
        basis = _text(data.get("price_basis"), defaults.price_basis)
        return cls(
            name=_text(data.get("name"), defaults.name),
            import_country=country if len(country) == 2 and country.isascii() and country.isalpha()
            else defaults.import_country,
            suspended_rules_in_force=_flag(data.get("suspended_rules_in_force"), False),
            disruption_days=_number(data.get("disruption_days"), defaults.disruption_days,
                                    SETTING_LIMITS["disruption_days"]),
            price_basis=basis if basis in PRICE_BASES else defaults.price_basis,
            weights=weights,
            us_defence_supply=us_defence if us_defence in US_DEFENCE_CHOICES else defaults.us_defence_supply,
            resourcing_days=_number(data.get("resourcing_days"), defaults.resourcing_days,
                                    SETTING_LIMITS["resourcing_days"]),
        )


def _weight(value: object, limit: Limit) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    number = float(value)
    return min(number, limit.high) if math.isfinite(number) and number >= 0 else 0.0


def _text(value: object, default: str) -> str:
    """Stored text, else the default (a damaged file may hold a number, a list or an object instead)."""
    return value if isinstance(value, str) else default


def _number(value: object, default: float, limit: Limit) -> float:
    """A finite number within the setting's plausible range from stored settings, else the default."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return default
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return default
    return limit.clip(number, default)


def _flag(value: object, default: bool) -> bool:
    """A stored yes/no: true/false, 1/0 or their words; anything else is the default (never "false" → true)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        folded = value.strip().lower()
        if folded in {"true", "yes", "1", "on"}:
            return True
        if folded in {"false", "no", "0", "off", ""}:
            return False
    return default


def _empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="float64" if c in NUMBER_COLUMNS else "str") for c in columns}
    )


def new_row_ids(count: int) -> list[str]:
    """`count` fresh row ids: 16 random hex digits each (64 bits: no two rows of any project will share one)."""
    text = os.urandom(8 * count).hex()
    return [text[16 * i:16 * (i + 1)] for i in range(count)]


def conform(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """`frame` with exactly `columns`, in order, with RiskDesk's dtypes (missing columns added empty). A row id
    column (`ROW_ID`) keeps the ids rows have and gives a new one to a row without one, or with one an earlier row
    already has."""
    result = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for column in columns:
        values = frame[column].to_numpy() if column in frame.columns else None
        if column in NUMBER_COLUMNS:
            result[column] = (
                pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
                if values is not None else np.nan
            )
        else:
            series = pd.Series(values, dtype="object") if values is not None else pd.Series([""] * len(frame))
            result[column] = series.where(series.notna(), "").astype("str")
    if ROW_ID in columns and len(result):
        ids = result[ROW_ID]
        missing = (ids == "") | ids.duplicated(keep="first")
        if missing.any():
            result.loc[missing, ROW_ID] = new_row_ids(int(missing.sum()))
    return result


@dataclass
class ProjectTables:
    parts: pd.DataFrame
    suppliers: pd.DataFrame
    paths: pd.DataFrame
    composition: pd.DataFrame

    @classmethod
    def empty(cls) -> ProjectTables:
        return cls(
            _empty_frame(STORED_COLUMNS["parts"]),
            _empty_frame(STORED_COLUMNS["suppliers"]),
            _empty_frame(STORED_COLUMNS["paths"]),
            _empty_frame(STORED_COLUMNS["composition"]),
        )

    @classmethod
    def from_frames(cls, parts: pd.DataFrame, suppliers: pd.DataFrame, paths: pd.DataFrame,
                    composition: pd.DataFrame | None = None) -> ProjectTables:
        """Tables conformed to RiskDesk's columns and dtypes."""
        return cls(
            conform(parts, STORED_COLUMNS["parts"]),
            conform(suppliers, STORED_COLUMNS["suppliers"]),
            conform(paths, STORED_COLUMNS["paths"]),
            conform(composition if composition is not None else pd.DataFrame(), STORED_COLUMNS["composition"]),
        )

    def copy(self) -> ProjectTables:
        return ProjectTables(self.parts.copy(), self.suppliers.copy(), self.paths.copy(), self.composition.copy())

    def validate(self) -> list[Problem]:
        """Problems that make the tables unusable: broken keys, bad enum values, shares that don't add up. Each
        names the part (or supplier) it concerns, so that an import can tell its own problems from older ones."""
        problems: list[Problem] = []
        parts, suppliers, paths = self.parts, self.suppliers, self.paths
        _check_unique(parts, "part_number", "Parts", problems)
        _check_unique(suppliers, "supplier_id", "Suppliers", problems)
        _check_enum(parts, "end_use", EndUse, "Parts", problems)
        _check_enum(parts, "magnet_family", MagnetFamily, "Parts", problems)
        _check_enum(paths, "origin_evidence", Evidence, "Supply paths", problems)
        _check_enum(parts, "dfars", YesNo, "Parts", problems, blank=True)
        _check_enum(suppliers, "general_licence", YesNo, "Suppliers", problems, blank=True)
        for column in NUMERIC_PART_COLUMNS:
            bad = parts[parts[column] < 0]
            for index, row in bad.iterrows():
                problems.append(error("must not be negative", "Enter zero or a positive number",
                                      sheet="Parts", row=_sheet_row(index), column=column, value=str(row[column]),
                                      part=str(row["part_number"])))
            limit = NUMBER_LIMITS[column]
            for index, row in parts[parts[column] > limit.high].iterrows():
                problems.append(error(f"is not plausible: {limit.problem(float(row[column]))}",
                                      "Check the value and its unit", sheet="Parts", row=_sheet_row(index),
                                      column=column, value=str(row[column]), part=str(row["part_number"])))
        for column in ("magnet_mass_g", "annual_units"):
            missing = parts[parts[column].isna()]
            for index, row in missing.iterrows():
                problems.append(error("is required", "Enter a number", sheet="Parts", row=_sheet_row(index),
                                      column=column, part=str(row["part_number"])))
        for column, known, what in (
            ("part_number", parts["part_number"], "a part"),
            ("supplier_id", suppliers["supplier_id"], "a supplier"),
        ):
            bad_refs = paths.loc[~paths[column].isin(known)]
            for index, row in bad_refs.iterrows():
                problems.append(error(f"names {what} that does not exist", "Add it or correct the reference",
                                      sheet="Supply paths", row=_sheet_row(index), column=column,
                                      value=str(row[column]), part=str(row["part_number"])))
        for index, row in paths[~paths["share_pct"].between(0, 100)].iterrows():
            problems.append(error("must be a share between 0 and 100 %", "Enter the part's volume share",
                                  sheet="Supply paths", row=_sheet_row(index), column="share_pct",
                                  value=str(row["share_pct"]), part=str(row["part_number"])))
        for part_number, total in self.share_totals().items():
            problem = share_problem(str(part_number), total)
            if problem is not None and problem.is_error:
                problems.append(problem)
        for index, row in self.composition.iterrows():
            if row["element"] not in elements.INDEX:
                problems.append(error("is not an element RiskDesk knows", "Use a symbol such as Dy",
                                      sheet="Composition", row=_sheet_row(index), column="element",
                                      value=row["element"], part=str(row["part_number"])))
            if not 0 <= row["wt_pct"] <= 100:
                problems.append(error("must be a weight share between 0 and 100 %", "",
                                      sheet="Composition", row=_sheet_row(index), column="wt_pct",
                                      value=str(row["wt_pct"]), part=str(row["part_number"])))
        return problems

    def share_totals(self, parts: Iterable[str] | None = None) -> dict[str, float]:
        """Sum of the supply-path shares (%) of each part that has paths (of the given parts only, if given)."""
        paths = self.paths
        if parts is not None:
            paths = paths[paths["part_number"].isin(list(parts))]
        return {str(k): float(v) for k, v in paths.groupby("part_number")["share_pct"].sum().items()}


def share_problem(part_number: str, total_pct: float) -> Problem | None:
    """What is wrong with one part's supply-path shares adding up to `total_pct`: over 100 % is an error (the
    part's volume would count more than once), under 100 % a warning (the rest counts as of unknown origin)."""
    if total_pct > 100.0 + SHARE_TOLERANCE_PCT:
        return error(f"supply-path shares of part {part_number} add up to {total_pct:g} %",
                     "Shares of one part's paths must add up to 100 %; lower one of them",
                     sheet="Supply paths", column="share_pct", value=f"{total_pct:g}", part=part_number)
    if total_pct < 100.0 - SHARE_TOLERANCE_PCT:
        return warning(f"supply-path shares of part {part_number} add up to {total_pct:g} %",
                       "The rest of its volume counts as of unknown origin until you add its supply paths",
                       sheet="Supply paths", column="share_pct", value=f"{total_pct:g}", part=part_number)
    return None


def _sheet_row(index: Hashable) -> int:
    """The 1-based sheet row of a table row's label (the tables keep a default RangeIndex)."""
    return int(cast(int, index)) + 1  # pandas-stubs type labels as Hashable


def _subject(sheet: str, row: pd.Series) -> dict[str, str]:
    """The part or supplier a row of a table concerns, for `Problem.part` / `Problem.supplier`."""
    if sheet == "Suppliers":
        return {"supplier": str(row.get("supplier_id", ""))}
    return {"part": str(row.get("part_number", ""))}


def _check_unique(frame: pd.DataFrame, key: str, sheet: str, problems: list[Problem]) -> None:
    if (frame[key] == "").any():
        problems.append(error("must not be empty", f"Every row needs a {key}", sheet=sheet, column=key))
    duplicated = frame[frame[key].duplicated(keep="first")]
    for index, row in duplicated.iterrows():
        problems.append(error("appears twice", f"Each {key} must be unique", sheet=sheet,
                              row=_sheet_row(index), column=key, value=row[key], **_subject(sheet, row)))


def _check_enum(frame: pd.DataFrame, column: str, enum: type[Enum], sheet: str, problems: list[Problem],
                blank: bool = False) -> None:
    allowed = {member.value for member in enum}
    bad = frame[~frame[column].isin(allowed | ({""} if blank else set()))]
    for index, row in bad.iterrows():
        problems.append(error(f"is not one of {', '.join(sorted(allowed))}", "Pick one of the listed values",
                              sheet=sheet, row=_sheet_row(index), column=column, value=row[column],
                              **_subject(sheet, row)))


@dataclass
class Project:
    """Everything in one project file: settings, tables and the column mappings the user confirmed."""

    settings: ProjectSettings = field(default_factory=ProjectSettings)
    tables: ProjectTables = field(default_factory=ProjectTables.empty)
    saved_mappings: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Confirmed import column mappings, keyed by the layout signature of the file they were made for."""
    created: dt.date = field(default_factory=dt.date.today)
    scenarios: list[Scenario] = field(default_factory=list)
    """The user's own price and supply scenarios (riskdesk.core.scenarios), in the order they were made."""
    variants: list[Variant] = field(default_factory=list)
    """Mitigation variants of the project (riskdesk.core.mitigations): changes to compare, never applied."""

    def validate(self) -> list[Problem]:
        return self.tables.validate()

    def copy(self) -> Project:
        """An independent copy (a worker reads it while the user goes on editing): tables, settings, mappings and
        the lists of scenarios and variants copied; the scenarios and variants themselves are frozen."""
        return Project(settings=self.settings.copy(), tables=self.tables.copy(),
                       saved_mappings=json.loads(json.dumps(self.saved_mappings)), created=self.created,
                       scenarios=list(self.scenarios), variants=list(self.variants))
