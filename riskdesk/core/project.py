"""A buyer's project: settings and the tables of parts, suppliers, supply paths and composition overrides.

Tables are pandas DataFrames with the columns of `riskdesk.core.domain`. Text columns hold str ("" when empty),
numeric columns float64 (NaN when not given), stage countries ISO alpha-2 codes ("" when unknown).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

from riskdesk.core.declarations import DEFAULT_STALE_MONTHS, Declarations
from riskdesk.core.fields import SETTINGS
from riskdesk.core.numbers import Limit
from riskdesk.core.problems import Problem
from riskdesk.core.scenarios import Scenario
from riskdesk.core.tables import SHARE_TOLERANCE_PCT as SHARE_TOLERANCE_PCT
from riskdesk.core.tables import ProjectTables as ProjectTables
from riskdesk.core.tables import conform as conform
from riskdesk.core.tables import new_row_ids as new_row_ids
from riskdesk.core.tables import share_problem as share_problem
from riskdesk.core.variants import Variant
from riskdesk.core.vocabulary import BASES as PRICE_BASES

DEFAULT_IMPORT_COUNTRY = "US"
"""The import country of a project nobody asked about (code, scripts); the window and `riskdesk new` ask or say."""
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


def default_price_basis(import_country: str) -> str:
    """The price basis a new project starts on: China domestic prices only for a buyer importing into China, who
    pays them; ex-China spot for every other buyer, who buys at prices outside China (docs/method.md)."""
    return "china" if import_country.strip().upper() == "CN" else "ex-china"


@dataclass
class ProjectSettings:
    """What the buyer tells RiskDesk about themselves and how to score.

    How to add a setting: give it a default here and its label, help and plausible range in
    `riskdesk.core.fields.SETTINGS`, add it to `to_json`/`from_json` (old files lack it, so `from_json` must fall
    back to the default), document it in docs/method.md, and show it in the settings view.
    """

    name: str = "Untitled project"
    import_country: str = DEFAULT_IMPORT_COUNTRY
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
    stale_months: float = float(DEFAULT_STALE_MONTHS)
    """How many months a supplier's declared origin stays fresh; older ones count as less sure (docs/method.md,
    "Transparency")."""

    def __post_init__(self) -> None:
        """Numbers kept within their plausible ranges whichever way the settings were made (a file, the window,
        code): a weight that is negative or not finite counts 0 (docs/method.md), one above the limit counts as
        the limit; days outside their range are the default. So no score is ever weighted by NaN."""
        weight_limit = SETTING_LIMITS["weights"]
        self.weights = {name: _weight(value, weight_limit) for name, value in self.weights.items()}
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        for name in ("disruption_days", "resourcing_days", "stale_months"):
            setattr(self, name, _number(getattr(self, name), float(cast(float, defaults[name])),
                                        SETTING_LIMITS[name]))

    @classmethod
    def for_buyer(cls, import_country: str, *, name: str | None = None,
                  us_defence_supply: str = US_DEFENCE_AUTO) -> ProjectSettings:
        """A new project's settings for a buyer importing into `import_country`: the price basis follows the
        country (`default_price_basis`); everything else is the default."""
        return cls(name=name or ProjectSettings.name, import_country=import_country.upper(),
                   price_basis=default_price_basis(import_country), us_defence_supply=us_defence_supply)

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
            stale_months=_number(data.get("stale_months"), defaults.stale_months, SETTING_LIMITS["stale_months"]),
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
    declarations: Declarations = field(default_factory=Declarations)
    """The supplier declarations asked for and read back (riskdesk.core.declarations; frozen, replaced whole)."""

    def validate(self) -> list[Problem]:
        return self.tables.validate()

    def copy(self) -> Project:
        """An independent copy (a worker reads it while the user goes on editing): tables, settings, mappings and
        the lists of scenarios and variants copied; the scenarios and variants themselves are frozen."""
        return Project(settings=self.settings.copy(), tables=self.tables.copy(),
                       saved_mappings=json.loads(json.dumps(self.saved_mappings)), created=self.created,
                       scenarios=list(self.scenarios), variants=list(self.variants),
                       declarations=self.declarations)
