"""All bundled reference data in one bundle, so evaluation can be given another list (a newer control list,
test data) without touching module globals."""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

from riskdesk.core.countries import CountryTable, default_countries
from riskdesk.core.grades import GradeLibrary, default_grades
from riskdesk.core.market import MarketShares, default_market
from riskdesk.core.prices import PriceBook, default_prices
from riskdesk.core.rules import ControlList, default_control_list, load_control_list


@dataclass(frozen=True)
class ReferenceData:
    control_list: ControlList
    countries: CountryTable
    grades: GradeLibrary
    prices: PriceBook
    market: MarketShares

    def with_control_list(self, path: Path) -> ReferenceData:
        """The same data with another control list file (validated on load)."""
        return replace(self, control_list=load_control_list(path))


@functools.cache
def default_reference() -> ReferenceData:
    """The bundled reference data, loaded once (`default_reference.cache_clear()` forgets it)."""
    return ReferenceData(
        default_control_list(), default_countries(), default_grades(), default_prices(), default_market()
    )
