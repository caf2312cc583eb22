"""Scenarios a buyer can check by hand: monthly cost of a price shock, and when each part runs out of stock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import pytest

from riskdesk.core.evaluation import evaluate
from riskdesk.core.scenario_run import element_sensitivity, run_scenario
from riskdesk.core.scenarios import (
    PriceShock,
    Scenario,
    ScenarioError,
    SupplyCut,
    cut_from_rule,
    parse_scenario,
    unique_name,
)
from tests.helpers.builders import PartSpec, PathSpec, all_in, project_of

AS_OF = dt.date(2026, 11, 23)
START = dt.date(2027, 1, 1)


def scenario(*items, basis="china", horizon=24, start=START):
    shocks = tuple(i for i in items if isinstance(i, PriceShock))
    cuts = tuple(i for i in items if isinstance(i, SupplyCut))
    return Scenario("test", start, horizon, basis, shocks, cuts)


def run(project, *items, **kwargs):
    return run_scenario(evaluate(project, AS_OF), scenario(*items, **kwargs))


def dy_part(**kwargs):
    spec = {"units": 1000, "mass_g": 100.0, "composition": {"Dy": 4.0, "Nd": 22.0}, "paths": [all_in("CN")]}
    spec.update(kwargs)
    return PartSpec(**spec)


def full_cut(countries=("CN",), stages=("magnet",), share=1.0, from_day=1, days=120, elements=()):
    return SupplyCut(elements=tuple(elements), countries=tuple(countries), stages=tuple(stages), share_lost=share,
                     from_day=from_day, days=days)


# ------------------------------------------------------------------------------------------------ price shocks


def test_a_x3_step_on_dy_for_6_months_moves_the_portfolio_by_2_x_the_dy_value_x_6_over_12():
    project = project_of(dy_part(), dy_part(part_number="P-2", units=2500))
    dy_value = evaluate(project, AS_OF).elements_value()["Dy"]
    result = run(project, PriceShock(("Dy",), "step", multiplier=3.0, from_month=1, months=6))
    assert result.delta_total == pytest.approx(2 * dy_value * 6 / 12, rel=1e-12)
    assert result.portfolio_delta[:6] == pytest.approx(np.full(6, 2 * dy_value / 12), rel=1e-12)
    assert not result.portfolio_delta[6:].any(), "nothing moves after the shock"


def test_twelve_baseline_months_sum_to_the_element_values_of_the_scores():
    project = project_of(dy_part(), dy_part(part_number="P-2", grade="N35EH", composition={}))
    ev = evaluate(project, AS_OF)
    scores = ev.to_json()
    result = run_scenario(ev, scenario())
    for i, part in enumerate(scores["parts"]):
        assert result.part_baseline[i, :12].sum() == pytest.approx(sum(part["elements_value"].values()), abs=0.05)
    portfolio = scores["portfolio"]["elements_value"]
    assert result.portfolio_baseline[:12].sum() == pytest.approx(sum(portfolio.values()), abs=0.05)
    by_element = result.element_baseline[:12].sum(axis=0)
    assert dict(zip(result.symbols, by_element.round(2), strict=True)) == pytest.approx(portfolio, abs=0.01)


def test_both_price_bases_are_visible_and_dy_differs_several_fold():
    project = project_of(dy_part(composition={"Dy": 4.0}))
    china = run(project, basis="china")
    ex_china = run(project, basis="ex-china")
    dy = china.symbols.index("Dy")
    assert ex_china.reference_prices[dy] / china.reference_prices[dy] > 3
    assert ex_china.element_baseline[0, dy] > 3 * china.element_baseline[0, dy]
    assert ex_china.part_baseline[0, 0] > china.part_baseline[0, 0]


def test_a_scenario_runs_on_both_bases_its_own_first():
    from riskdesk.core.scenario_run import run_on_both_bases

    ev = evaluate(project_of(dy_part()), AS_OF)
    results = run_on_both_bases(ev, scenario(PriceShock(("Dy",), "step", multiplier=2.0, months=3),
                                             basis="ex-china"))
    assert list(results) == ["ex-china", "china"]
    assert results["ex-china"].delta_total > 3 * results["china"].delta_total > 0


def test_the_tornado_ranks_elements_by_what_their_price_moves_and_shows_the_scenarios_own_change():
    project = project_of(dy_part(), dy_part(part_number="P-2", units=2500))
    result = run(project, PriceShock(("Dy",), "step", multiplier=3.0, from_month=1, months=6))
    rows = {r.symbol: r for r in element_sensitivity(result, 0.25)}
    assert {"Dy", "Nd"} <= set(rows) and "Tb" not in rows  # only what the parts hold and is priced
    dy_scenario_cost = result.element_scenario[:, result.symbols.index("Dy")].sum()
    assert rows["Dy"].high == pytest.approx(0.25 * dy_scenario_cost) and rows["Dy"].low == -rows["Dy"].high
    assert rows["Dy"].scenario == pytest.approx(result.delta_total) and rows["Nd"].scenario == 0
    ranked = element_sensitivity(result, 0.25)
    assert [r.high - r.low for r in ranked] == sorted((r.high - r.low for r in ranked), reverse=True)
    with pytest.raises(ValueError):
        element_sensitivity(result, 0)


def test_the_key_dates_of_the_price_chart_come_from_the_control_list():
    from riskdesk.core.rules import default_control_list

    dates = [(k.day.isoformat(), k.label) for k in default_control_list().key_dates()]
    assert [d for d, _ in dates] == ["2025-04-04", "2025-10-09", "2025-11-07", "2026-11-10", "2027-01-01"]


@pytest.mark.parametrize(("shape", "expected"), [
    ("step", [3.0, 3.0, 3.0, 3.0]),
    ("ramp", [1.5, 2.0, 2.5, 3.0]),
    ("decay", [3.0, 2.5, 2.0, 1.5]),
])
def test_shock_shapes_reach_the_full_move_as_documented(shape, expected):
    result = run(project_of(dy_part()), PriceShock(("Dy",), shape, multiplier=3.0, from_month=3, months=4))
    dy = result.symbols.index("Dy")
    assert result.price_factor[:, dy][2:6] == pytest.approx(expected)
    assert result.price_factor[:2, dy] == pytest.approx([1, 1]) and result.price_factor[6:, dy] == pytest.approx(1)


def test_a_shock_given_as_a_price_sets_that_price_and_groups_name_several_elements():
    result = run(project_of(dy_part()), PriceShock(("NdPr",), "step", price_usd_per_kg=200.0, months=24))
    prices = result.prices()
    assert prices[:, result.symbols.index("Nd")] == pytest.approx(200.0)
    assert prices[:, result.symbols.index("Dy")] == pytest.approx(result.reference_prices[result.symbols.index("Dy")])


def test_shocks_on_one_element_multiply_and_a_shock_past_the_horizon_is_cut_off():
    result = run(project_of(dy_part()), PriceShock(("Dy",), "step", multiplier=2.0, months=3),
                 PriceShock(("heavy",), "step", multiplier=1.5, from_month=2, months=40), horizon=6)
    assert result.price_factor[:, result.symbols.index("Dy")] == pytest.approx([2.0, 3.0, 3.0, 1.5, 1.5, 1.5])


# --------------------------------------------------------------------------------------------- supply cuts


def test_a_part_with_30_days_of_stock_and_a_full_cut_from_day_1_is_first_short_on_day_31():
    result = run(project_of(dy_part(stock_days=30)), full_cut(days=90))
    so = result.stock_out
    assert so.tts_days[0] == 30 and so.ttr_days[0] == 90
    assert so.first_short_day[0] == 31 and so.last_short_day[0] == 90 and so.days_short[0] == 60


@pytest.mark.parametrize("how", ["half the share lost", "the whole of half its volume"])
def test_with_half_its_volume_cut_it_is_first_short_on_day_61(how):
    if how == "half the share lost":
        part, cut = dy_part(stock_days=30), full_cut(share=0.5, days=120)
    else:
        part = dy_part(stock_days=30, paths=[all_in("CN", supplier="A", share=50), all_in("JP", supplier="B",
                                                                                         share=50)])
        cut = full_cut(days=120)
    so = run(project_of(part), cut).stock_out
    assert so.loss_share[0] == pytest.approx(0.5)
    assert so.tts_days[0] == pytest.approx(60) and so.first_short_day[0] == 61 and so.days_short[0] == 60


def test_units_short_are_the_share_lost_times_annual_units_over_365_on_each_short_day_and_valued_at_unit_price():
    part = dy_part(stock_days=30, units=3650, unit_price=12.0)
    so = run(project_of(part), full_cut(share=0.5, days=100)).stock_out
    # Stock lasts 60 days at half the supply lost; days 61–100 are short by 0.5 × 3650 / 365 = 5 units a day.
    assert so.days_short[0] == 40 and so.units_short[0] == pytest.approx(40 * 5.0)
    assert so.shortfall_cost[0] == pytest.approx(40 * 5.0 * 12.0)


def test_a_cut_that_starts_later_shifts_the_first_short_day_and_counts_from_the_scenario_start():
    so = run(project_of(dy_part(stock_days=30)), full_cut(from_day=15, days=60)).stock_out
    assert so.first_affected_day[0] == 15 and so.first_short_day[0] == 45 and so.days_short[0] == 30


def test_stock_that_outlasts_the_cut_means_the_part_never_stops():
    so = run(project_of(dy_part(stock_days=90)), full_cut(days=63)).stock_out
    assert so.tts_days[0] == 90 and so.ttr_days[0] == 63
    assert so.first_short_day[0] == 0 and so.days_short[0] == 0 and so.units_short[0] == 0


def test_no_stock_given_counts_as_none():
    so = run(project_of(dy_part(stock_days=float("nan"))), full_cut(from_day=5, days=10)).stock_out
    assert so.tts_days[0] == 0 and so.first_short_day[0] == 5 and so.days_short[0] == 10


def test_a_part_no_affected_path_reaches_never_stops():
    project = project_of(dy_part(stock_days=0, paths=[all_in("JP")]), dy_part(part_number="P-2", stock_days=0))
    result = run(project, full_cut(days=200))
    so = result.stock_out
    assert so.first_short_day.tolist() == [0, 1]
    assert math.isnan(so.tts_days[0]) and math.isnan(so.ttr_days[0]) and so.units_short[0] == 0
    first = result.to_json()["parts"][0]["stock_out"]
    assert first["first_short_day"] is None and first["tts_days"] is None and first["days_short"] == 0


def test_an_element_cut_reaches_only_parts_whose_magnet_holds_the_element():
    with_dy = dy_part(part_number="DY", stock_days=0)
    without = PartSpec(part_number="N42", grade="N42", stock_days=0, paths=[all_in("CN")])
    so = run(project_of(with_dy, without), full_cut(elements=["Dy"], stages=["separation"], days=10)).stock_out
    assert so.first_short_day.tolist() == [1, 0]


def test_the_whole_magnet_means_any_rare_earth_magnet_not_ferrite():
    ferrite = PartSpec(part_number="FER", family="ferrite", grade="Y30", stock_days=0, paths=[all_in("CN")])
    so = run(project_of(dy_part(stock_days=0), ferrite), full_cut(days=10)).stock_out
    assert so.first_short_day.tolist() == [1, 0]


def test_an_unknown_origin_counts_as_cut_where_a_cut_country_has_a_world_share_at_that_stage():
    unknown_mine = dy_part(stock_days=0, paths=[PathSpec(mine="", separation="JP", metal="JP", magnet="JP")])
    result = run(project_of(unknown_mine), full_cut(countries=["MM"], stages=["mine"], days=10))
    assert result.stock_out.first_short_day[0] == 1
    assert result.stock_out.possible_share[0] == pytest.approx(1.0)
    assert result.reach[0].possible.all() and not result.reach[0].known.any()
    # Germany mines no rare earths: an unknown mine cannot be German, so a German mine cut does not reach it.
    assert run(project_of(unknown_mine), full_cut(countries=["DE"], stages=["mine"], days=10)) \
        .stock_out.first_short_day[0] == 0


def test_volume_no_supply_path_covers_is_of_unknown_origin_and_can_be_cut():
    part = dy_part(stock_days=0, paths=[all_in("JP", share=60)])
    so = run(project_of(part), full_cut(days=10)).stock_out
    assert so.loss_share[0] == pytest.approx(0.4) and so.possible_share[0] == pytest.approx(0.4)


def test_two_cuts_on_one_path_take_their_shares_one_after_the_other():
    cuts = (full_cut(share=0.5, days=10), full_cut(stages=["separation"], share=0.5, days=10))
    so = run(project_of(dy_part(stock_days=0)), *cuts).stock_out
    assert so.loss_share[0] == pytest.approx(0.75)


def test_a_cut_from_a_prohibition_is_not_bridged_by_stock_and_follows_the_rules_scope():
    from riskdesk.core.reference import default_reference

    rule = default_reference().control_list.by_id("US-DFARS-7052-UPSTREAM")
    defence = dy_part(part_number="DEF", end_use="defence", stock_days=180,
                      paths=[PathSpec(mine="CN", separation="CN", metal="JP", magnet="JP")])
    civil = dataclasses.replace(defence, part_number="CIV", end_use="industrial")
    sc = scenario()
    cut = cut_from_rule(rule, horizon_days=sc.horizon_days)
    assert not cut.stock_usable and cut.days == sc.horizon_days and cut.stages == ("mine", "separation")
    so = run(project_of(defence, civil), cut).stock_out
    assert so.first_short_day.tolist() == [1, 0], "DFARS binds US defence supply only, and stock cannot bridge it"
    eu_buyer = run(project_of(defence, import_country="DE"), cut).stock_out
    assert eu_buyer.first_short_day[0] == 0


def test_a_licence_rule_cut_lasts_one_review_of_63_days_and_tariffs_are_not_cuts():
    from riskdesk.core.reference import default_reference

    rules = default_reference().control_list
    cut = cut_from_rule(rules.by_id("CN-MOFCOM-2025-61-3"))
    assert cut.days == 63 and cut.stock_usable and cut.elements[:2] == ("Dy", "Tb")
    with pytest.raises(ScenarioError, match="tariff"):
        cut_from_rule(rules.by_id("US-301-MAGNETS"))


def test_parts_short_by_day_counts_each_part_on_its_short_days():
    project = project_of(dy_part(stock_days=10), dy_part(part_number="P-2", stock_days=20))
    result = run(project, full_cut(days=30), horizon=2)
    by_day = result.parts_short_by_day
    assert len(by_day) == (dt.date(2027, 3, 1) - START).days
    assert by_day[:10].sum() == 0 and by_day[10:20].tolist() == [1] * 10 and by_day[20:30].tolist() == [2] * 10
    assert not by_day[30:].any()


# ------------------------------------------------------------------------------------------------ the model


def test_the_file_shape_round_trips():
    sc = Scenario("round trip", dt.date(2027, 3, 1), 18, "ex-china",
                  (PriceShock(("Dy", "Tb"), "decay", multiplier=3.04, from_month=2, months=12),
                   PriceShock(("NdPr",), "step", price_usd_per_kg=129.42, months=18)),
                  (full_cut(countries=["CN", "group:DFARS_COVERED"], stages=["magnet", "assembly"], share=0.74),))
    data = sc.to_json()
    assert set(data) >= {"name", "start", "horizon_months", "price_basis", "price_shocks", "supply_cuts"}
    assert data["start"] == "2027-03"
    assert Scenario.from_json(data) == sc


def test_dataclasses_refuse_what_the_file_would_refuse():
    with pytest.raises(ScenarioError, match="shape"):
        PriceShock(("Dy",), "spike", multiplier=2.0)
    with pytest.raises(ScenarioError, match="not both"):
        PriceShock(("Dy",), "step", multiplier=2.0, price_usd_per_kg=5.0)
    with pytest.raises(ScenarioError, match="share_lost"):
        SupplyCut(share_lost=1.5)
    with pytest.raises(ScenarioError, match="element"):
        SupplyCut(elements=("Xx",))


def test_duplicated_scenarios_get_unique_names():
    assert unique_name("April", ["April", "April (2)"]) == "April (3)"
    assert unique_name("New", []) == "New"


# ------------------------------------------------------------------------ per-basis shocks, per-destination cuts


def test_a_shock_for_one_price_basis_moves_prices_only_on_that_basis_and_survives_the_file_shape():
    shock = PriceShock(("Dy",), "step", multiplier=3.0, months=6, price_basis="ex-china")
    project = project_of(dy_part())
    assert run(project, shock, basis="china").delta_total == pytest.approx(0.0, abs=1e-6)
    assert run(project, shock, basis="ex-china").delta_total > 0.0
    again = parse_scenario(scenario(shock).to_json())
    assert again.price_shocks[0].price_basis == "ex-china"
    assert "on ex-China spot prices only" in shock.describe()
    with pytest.raises(ScenarioError, match=r"price_shocks\[1\]\.price_basis"):
        parse_scenario({**scenario(shock).to_json(), "price_shocks": [{**again.to_json()["price_shocks"][0],
                                                                        "price_basis": "europe"}]})


def test_a_cut_for_buyers_importing_into_some_countries_reaches_only_those_buyers():
    cut = dataclasses.replace(full_cut(days=30), import_countries=("US",))
    us = run(project_of(dy_part(), import_country="US"), cut)
    de = run(project_of(dy_part(), import_country="DE"), cut)
    assert us.stock_out.loss_share[0] == 1.0 and de.stock_out.loss_share[0] == 0.0
    assert "only for a buyer importing into US" in de.reach[0].note
    assert parse_scenario(scenario(cut).to_json()).supply_cuts[0].import_countries == ("US",)
    data = scenario(cut).to_json()
    data["supply_cuts"][0]["import_countries"] = ["Atlantis"]
    with pytest.raises(ScenarioError, match=r"supply_cuts\[1\]\.import_countries\[1\]"):
        parse_scenario(data)
