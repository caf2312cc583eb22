"""The compliance audit's reproductions (review 2026-12 domain2, r1–r8; issue 21): each way a score could be gamed or
could say more than the method knows, rebuilt as a small project and checked against what docs/method.md now says.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from riskdesk.core.evaluation import PORTFOLIO_PROHIBITED_FLOOR, PROHIBITED_FLOOR, band, evaluate
from riskdesk.core.factors import RESTRICTION_KINDS
from riskdesk.core.project import Project
from riskdesk.core.rule_match import tariff_weight
from riskdesk.core.scenario_run import run_scenario
from riskdesk.core.scenarios import Scenario, SupplyCut
from tests.helpers.builders import PartSpec, PathSpec, all_in, project_of

D = dt.date.fromisoformat
TODAY = D("2026-11-29")


def made_in(project: Project, country: str, supplier: str = "SUP-1") -> Project:
    """The project with `supplier`'s own country (where the delivered part is made) set to `country`."""
    suppliers = project.tables.suppliers
    suppliers.loc[suppliers["supplier_id"] == supplier, "supplier_country"] = country
    return project


# ------------------------------------------------------------------------------------------------------ V1 (r1)

def defence_part_assembled_in_china(supplier_country: str) -> Project:
    return made_in(project_of(PartSpec("M1", end_use="defence", paths=[all_in("JP")])), supplier_country)


def test_a_blank_supplier_country_is_an_unknown_assembly_stage_not_the_magnets_country():
    known = evaluate(defence_part_assembled_in_china("CN"), TODAY).part_report("M1")
    blank = evaluate(defence_part_assembled_in_china(""), TODAY).part_report("M1")
    assert known.score >= PROHIBITED_FLOOR and known.band == "red"
    assert blank.score >= known.score, blank.why()
    possible = [h for h in blank.possible if h.rule_id == "US-DFARS-7052-MELT"]
    assert [h.stage.value for h in possible] == ["assembly"] and "supplier's country is not given" in \
        possible[0].explanation
    assert blank.factors["transparency"].value > known.factors["transparency"].value


# ------------------------------------------------------------------------------------------------------ V2 (r2)

def portfolio_with_an_unpriced_prohibited_part() -> Project:
    prohibited = PartSpec("D1", end_use="defence", mass_g=250, units=100_000, unit_price=0.0, paths=[all_in("CN")])
    priced = [PartSpec(f"G{i}", end_use="industrial", mass_g=50, units=10_000, unit_price=400.0, stock_days=90,
                       paths=[all_in("AU", evidence="verified", supplier=f"S{i}")]) for i in range(3)]
    return project_of(prohibited, *priced)


def test_an_unpriced_part_weighs_by_its_content_value_and_a_prohibited_part_keeps_the_portfolio_off_green():
    ev = evaluate(portfolio_with_an_unpriced_prohibited_part(), TODAY)
    score, reason = ev.portfolio_score()
    assert ev.part_report("D1").score >= PROHIBITED_FLOOR
    assert band(score) != "green" and score >= PORTFOLIO_PROHIBITED_FLOOR
    assert "1 part without a unit price weighted by the reference value of their magnet content" in reason
    weights, unpriced = ev.portfolio_weights()
    assert unpriced == 1 and weights[0] == pytest.approx(ev.part_value_c[0].sum())
    data = ev.to_json()
    assert data["parts"][0]["spend"] is None and data["parts"][0]["spend_unknown_reason"] == "no unit price"
    assert data["portfolio"]["parts_without_unit_price"] == ["D1"]


def test_the_value_short_of_a_part_without_a_unit_price_is_unknown_not_zero():
    project = portfolio_with_an_unpriced_prohibited_part()
    cut = SupplyCut(countries=("CN",), stages=("magnet",), share_lost=1.0, from_day=1, days=120)
    result = run_scenario(evaluate(project, TODAY), Scenario("cut", dt.date(2026, 12, 1), supply_cuts=(cut,)))
    part = next(p for p in result.to_json()["parts"] if p["part_number"] == "D1")
    assert part["stock_out"]["units_short"] > 0
    assert part["stock_out"]["shortfall_cost"] is None
    assert part["stock_out"]["shortfall_cost_unknown_reason"] == "no unit price"
    assert result.to_json()["portfolio"]["shortfall_cost_unknown_parts"] == ["D1"]


# ------------------------------------------------------------------------------------------------- V3, V9 (r3)

def wind_part(china_pct: float, buyer: str = "DE", grade: str = "N42SH") -> Project:
    paths = [PathSpec("S-JP", 100.0 - china_pct, mine="AU", separation="JP", metal="JP", magnet="JP",
                      evidence="declared")]
    if china_pct:
        paths.append(all_in("CN", supplier="S-CN", share=china_pct))
    return project_of(PartSpec("W1", end_use="wind", grade=grade, paths=paths), import_country=buyer)


@pytest.mark.parametrize("day", ["2025-01-01", "2025-06-01", "2026-11-29", "2027-06-01"])
def test_a_larger_share_through_china_never_lowers_the_score_of_a_wind_part(day):
    scores = [float(evaluate(wind_part(china), D(day)).scores[0]) for china in range(0, 101, 10)]
    assert scores == sorted(scores), scores


@pytest.mark.parametrize("day", ["2025-10-09", "2026-11-29"])
def test_an_all_china_magnet_never_scores_below_an_all_japan_one_for_a_korean_buyer(day):
    """The No. 61-2 and No. 62 watch items (Chinese technology in a magnet plant) name plants in China too."""
    china = evaluate(project_of(PartSpec(grade="N52", paths=[all_in("CN")]), import_country="KR"), D(day))
    japan = evaluate(project_of(PartSpec(grade="N52", paths=[all_in("JP")]), import_country="KR"), D(day))
    assert china.scores[0] >= japan.scores[0]
    assert china.factors["restriction"][0] >= japan.factors["restriction"][0]


def test_a_dominant_source_outside_china_does_not_bring_another_country_under_the_eu_benchmark():
    """V9: the benchmark counts China's share with each other third country's, so Australia's mine share is not
    cleared by Chinese supply, and a flagged path is labelled as the benchmark, not as an export control."""
    ev = evaluate(wind_part(40), D("2025-01-01"))
    report = ev.part_report("W1")
    assert {h.supplier_id for h in report.hits if h.rule_id == "EU-CRMA-65"} == {"S-JP", "S-CN"}
    assert report.restriction_breakdown["benchmark"] > 0 and report.restriction_breakdown["export_control"] == 0
    assert set(report.restriction_breakdown) == set(RESTRICTION_KINDS)


# --------------------------------------------------------------------------------------------- V4, V10, V11 (r4, r7)

def test_chinese_ferrite_for_a_us_buyer_has_no_export_control_and_a_duty_weighed_by_its_rate():
    ferrite = PartSpec("F1", family="ferrite", grade="Y30BH", paths=[all_in("CN")])
    us = evaluate(project_of(ferrite, import_country="US"), TODAY).part_report("F1")
    india = evaluate(project_of(ferrite, import_country="IN"), TODAY).part_report("F1")
    assert us.restriction_breakdown["export_control"] == 0 and india.factors["restriction"].value == 0
    assert us.factors["restriction"].value < 25, us.factors["restriction"].inputs
    n42 = evaluate(project_of(PartSpec("A7", grade="N42", paths=[all_in("CN")]), import_country="US"), TODAY)
    assert n42.part_report("A7").factors["restriction"].value > us.factors["restriction"].value


def test_a_duty_weighs_by_its_rate():
    assert tariff_weight(10) == pytest.approx(0.1) and tariff_weight(25) == pytest.approx(0.2)
    assert tariff_weight(45) == pytest.approx(45 / 145) and tariff_weight(10) < tariff_weight(25)


def test_section_301_stacks_on_the_ieepa_duties_and_moves_the_score_on_2026_01_01():
    project = project_of(PartSpec("A7", grade="N42", stock_days=30, paths=[all_in("CN")]), import_country="US")
    before = evaluate(project, D("2025-12-31")).part_report("A7")
    after = evaluate(project, D("2026-01-01")).part_report("A7")
    assert after.score > before.score and after.restriction_breakdown["tariff"] > before.restriction_breakdown["tariff"]
    assert after.restriction_breakdown["tariff"] == pytest.approx(100 * 45 / 145, abs=0.01)


@pytest.mark.parametrize(("day", "rate"), [("2025-02-10", 10), ("2025-06-01", 20), ("2025-11-09", 20),
                                           ("2025-11-10", 10), ("2026-11-29", 10)])
def test_the_ieepa_fentanyl_duty_is_labelled_with_its_rate_on_the_date(day, rate):
    project = project_of(PartSpec("A7", grade="N42", paths=[all_in("CN")]), import_country="US")
    report = evaluate(project, D(day)).part_report("A7")
    (hit,) = [h for h in report.hits if h.rule_id == "US-IEEPA-CN-FENTANYL"]
    assert hit.effect_label == f"tariff {rate} %"
    if D(day) < D("2025-11-10"):
        assert "2025-11-10" not in json.dumps(report.to_json())


# ------------------------------------------------------------------------------------------------- V5, W7 (r5)

def licensed(flag: str, name: str = "SUP-1") -> Project:
    project = project_of(PartSpec("I2", grade="N42SH", paths=[all_in("CN")]), import_country="IN")
    project.tables.suppliers.loc[:, "general_licence"] = flag
    project.tables.suppliers.loc[:, "supplier_name"] = name
    return project


def test_a_general_licence_relieves_nothing_before_general_licences_were_first_reported():
    june = D("2025-06-01")
    assert evaluate(licensed("yes"), june).scores[0] == evaluate(licensed("no"), june).scores[0]
    december = D("2025-12-02")
    assert evaluate(licensed("yes"), december).scores[0] < evaluate(licensed("no"), december).scores[0]
    said = evaluate(licensed("yes"), june).part_report("I2").why()
    assert "counts half" not in json.dumps(evaluate(licensed("yes"), june).to_json()) and said


def test_a_name_matched_holder_is_not_mentioned_before_it_was_reported():
    before = json.dumps(evaluate(licensed("", "JL Mag Rare-Earth"), D("2025-06-01")).to_json())
    after = json.dumps(evaluate(licensed("", "JL Mag Rare-Earth"), D("2025-12-02")).to_json())
    assert "2025-12-02" not in before and "2025-12-02" in after
