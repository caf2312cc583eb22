"""Numbers checked where they enter (issue 15): plausible limits per field, settings that fall back instead of
weighting a score by NaN, and no band from a score that is not a number."""

from __future__ import annotations

import math

import pytest

from riskdesk.core.domain import NUMBER_COLUMNS, NUMBER_LIMITS
from riskdesk.core.evaluation import band
from riskdesk.core.project import SETTING_LIMITS, ProjectSettings
from tests.helpers.builders import PartSpec, project_of


def test_every_numeric_column_has_a_plausible_range():
    assert set(NUMBER_LIMITS) == set(NUMBER_COLUMNS)
    for limit in NUMBER_LIMITS.values():
        assert limit.low == 0 and math.isfinite(limit.high)
    assert NUMBER_LIMITS["magnet_mass_g"].problem(1e308) == "1e+308 g is outside the plausible range 0 to 10,000,000 g"
    assert "not a finite number" in NUMBER_LIMITS["unit_price"].problem(math.inf)
    assert NUMBER_LIMITS["stock_days"].problem(90.0) is None


@pytest.mark.parametrize("field, value", [("mass_g", 1e308), ("units", math.inf), ("unit_price", 5e9),
                                          ("stock_days", 1e6)])
def test_validation_names_an_implausible_value(field, value):
    project = project_of(PartSpec(**{field: value}))
    (problem,) = [p for p in project.validate() if p.is_error]
    assert "is not plausible" in problem.message and problem.part == "P-1"


@pytest.mark.parametrize("stored, expected", [
    ({"weights": {"price": float("nan"), "buffer": float("inf"), "restriction": -1, "concentration": "1e400"}},
     {"price": 0.1, "buffer": 0.15, "restriction": 0.35, "concentration": 0.15}),
    ({"disruption_days": float("inf"), "resourcing_days": 1e308}, {}),
])
def test_stored_settings_outside_their_range_fall_back_to_the_defaults(stored, expected):
    settings = ProjectSettings.from_json(stored)
    defaults = ProjectSettings()
    for name, value in expected.items():
        assert settings.weights[name] == value
    assert settings.disruption_days == defaults.disruption_days and settings.resourcing_days == 180.0


def test_false_in_words_reads_as_false_and_wrong_types_fall_back():
    settings = ProjectSettings.from_json({"suspended_rules_in_force": "false", "name": ["x"], "import_country": 7,
                                          "price_basis": {"a": 1}, "us_defence_supply": None})
    assert settings.suspended_rules_in_force is False
    assert (settings.name, settings.import_country, settings.price_basis) == ("Untitled project", "US", "china")


def test_settings_made_in_code_keep_their_numbers_finite():
    settings = ProjectSettings(weights={"price": float("nan"), "buffer": 1e308, "restriction": 0.5},
                               disruption_days=float("nan"))
    assert settings.weights == {"price": 0.0, "buffer": SETTING_LIMITS["weights"].high, "restriction": 0.5}
    assert settings.disruption_days == 63.0


def test_a_score_that_is_not_a_number_has_no_band():
    assert band(95.0) == "red" and band(0.0) == "green"
    with pytest.raises(ValueError, match="no band"):
        band(float("nan"))
