"""Scores a compliance officer can act on: exposure arithmetic, rule hits by date and buyer, floors, explanations."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from riskdesk.core.elements import INDEX
from riskdesk.core.evaluation import NO_PATH_FLOOR, PROHIBITED_FLOOR, RED_FLOOR, band, evaluate
from tests.helpers.builders import PartSpec, PathSpec, all_in, project_of

D = dt.date.fromisoformat
TODAY = "2026-11-29"


def report(project, day=TODAY, part="P-1"):
    return evaluate(project, D(day)).part_report(part)


def items(r, rule_id):
    """(hits, watch, possible) of one rule in a part report."""
    return ([h for h in r.hits if h.rule_id == rule_id], [h for h in r.watch if h.rule_id == rule_id],
            [h for h in r.possible if h.rule_id == rule_id])


# ---------------------------------------------------------------------------------------------------- exposure

def test_kg_per_element_is_units_times_mass_times_wt_pct_times_share_exactly():
    part = PartSpec(units=2500, mass_g=120.0, composition={"Dy": 4.0, "Nd": 22.0},
                    paths=[all_in("JP", supplier="A", share=60.0), all_in("DE", supplier="B", share=40.0)])
    ev = evaluate(project_of(part), D(TODAY))
    r = ev.part_report("P-1")
    assert r.elements_kg["Dy"] == pytest.approx(2500 * 0.120 * 0.04 * (0.6 + 0.4), rel=1e-12)
    assert r.elements_kg["Nd"] == pytest.approx(2500 * 0.120 * 0.22, rel=1e-12)
    per_path = ev.kg[ev.paths_of(0)]
    assert per_path[0, INDEX["Dy"]] == pytest.approx(2500 * 0.120 * 0.04 * 0.6, rel=1e-12)
    assert per_path[1, INDEX["Dy"]] == pytest.approx(2500 * 0.120 * 0.04 * 0.4, rel=1e-12)


def test_volume_no_supply_path_covers_still_counts_and_is_of_unknown_origin():
    part = PartSpec(units=1000, mass_g=100.0, composition={"Dy": 4.0}, paths=[all_in("JP", share=60.0)])
    r = report(project_of(part))
    assert r.elements_kg["Dy"] == pytest.approx(1000 * 0.1 * 0.04, rel=1e-12)
    assert "cover 60%" in r.supply_note
    assert any(h.supplier_id == "" for h in r.possible), "the uncovered 40 % is listed as a possible hit"


def test_shares_over_100_pct_are_scaled_down_so_kg_is_never_inflated():
    part = PartSpec(units=1000, mass_g=100.0, composition={"Dy": 4.0},
                    paths=[all_in("JP", supplier="A", share=80.0), all_in("DE", supplier="B", share=80.0)])
    r = report(project_of(part))
    assert r.elements_kg["Dy"] == pytest.approx(4.0, rel=1e-12)
    assert "160%" in r.supply_note


def test_a_part_override_recomputes_iron_so_the_composition_never_exceeds_100_pct():
    ev = evaluate(project_of(PartSpec(grade="N42SH", composition={"Dy": 9.0, "Tb": 2.0})), D(TODAY))
    wt = ev.compiled.wt_pct[0]
    assert wt.sum() == pytest.approx(100.0)
    assert wt[INDEX["Fe"]] == pytest.approx(100.0 - (wt.sum() - wt[INDEX["Fe"]]))
    assert "Fe recomputed" in ev.compiled.composition_notes[0]


@pytest.mark.parametrize(("grade", "element"), [("N40UH-GBD", "Tb"), ("N52SH-Tb", "Tb"), ("N48UH-Dy", "Dy")])
def test_grain_boundary_grades_hold_far_less_heavy_rare_earth_than_bulk(grade, element):
    bulk = report(project_of(PartSpec(grade=grade.split("-")[0])))
    diffused = report(project_of(PartSpec(grade=grade)))
    heavy = diffused.elements_kg.get("Dy", 0) + diffused.elements_kg.get("Tb", 0)
    assert heavy == pytest.approx(0.4 * bulk.elements_kg["Dy"], rel=1e-9)
    assert set(diffused.elements_kg) & {"Dy", "Tb"} == {element}
    assert "grain-boundary" in diffused.composition_note


# ----------------------------------------------------------------------------------------- China: licences

@pytest.mark.parametrize("stage", ["separation", "metal"])
def test_dy_leaving_china_for_a_magnet_made_elsewhere_needs_a_licence_from_2025_04_04(stage):
    path = PathSpec(mine="AU", separation="MY", metal="JP", magnet="JP")
    setattr(path, stage, "CN")
    project = project_of(PartSpec(composition={"Dy": 3.0}, paths=[path]))
    hits, _, _ = items(report(project, "2025-04-04"), "CN-MOFCOM-2025-18")
    assert {(h.element, h.stage.value, h.country, h.effect.value) for h in hits} == {("Dy", stage, "CN", "licence")}
    assert all(h.source and h.explanation for h in hits)
    assert items(report(project, "2025-04-03"), "CN-MOFCOM-2025-18") == ([], [], [])


def test_a_chinese_made_dy_magnet_is_licensed_as_a_whole_magnet():
    """FACTS §1.2: No. 18 lists Dy- and Tb-containing NdFeB magnet materials: the whole magnet's value is at stake."""
    project = project_of(PartSpec(grade="N42SH", paths=[all_in("CN")]), import_country="JP")
    before, after = report(project, "2025-04-03"), report(project, "2025-04-04")
    hits, _, _ = items(after, "CN-MOFCOM-2025-18-MAGNETS")
    assert [(h.element, h.stage.value) for h in hits] == [(None, "magnet")]
    assert after.factors["restriction"].value == pytest.approx(60.0)
    assert after.score > before.score + 10


def test_a_little_dy_is_enough_for_the_magnet_licence():
    project = project_of(PartSpec(grade="N42", composition={"Dy": 0.2}, paths=[all_in("CN")]), import_country="JP")
    assert report(project, "2025-04-04").score > report(project, "2025-04-03").score + 10


def test_gadolinium_does_not_make_an_ndfeb_magnet_a_no_18_item():
    project = project_of(PartSpec(grade="N42", composition={"Gd": 1.0}, paths=[all_in("CN")]), import_country="JP")
    assert items(report(project), "CN-MOFCOM-2025-18-MAGNETS") == ([], [], [])


def test_a_chinese_mine_alone_is_not_under_the_april_licensing():
    project = project_of(PartSpec(composition={"Dy": 3.0}, paths=[PathSpec(mine="CN")]))
    assert items(report(project), "CN-MOFCOM-2025-18")[:2] == ([], [])


@pytest.mark.parametrize("symbol", ["Ho", "Er", "Tm", "Eu", "Yb"])
def test_october_elements_never_hit_and_are_watched_from_2025_10_09(symbol):
    project = project_of(PartSpec(grade="N42", composition={symbol: 1.0}, paths=[all_in("CN")]))
    for day in ("2025-04-04", "2025-10-08", "2025-10-09", "2025-11-08", "2026-06-01", "2026-11-10", TODAY):
        assert not [h for h in report(project, day).hits if h.element == symbol], day
    assert not [w for w in report(project, "2025-10-08").watch if w.element == symbol]
    for day in ("2025-10-09", "2025-12-01", "2026-11-10", "2026-11-11"):
        watched = [w for w in report(project, day).watch if w.element == symbol]
        assert watched and watched[0].rule_id == "CN-MOFCOM-2025-57", day


def test_treating_suspended_rules_as_in_force_turns_the_watch_item_into_a_hit_but_not_early():
    project = project_of(PartSpec(grade="N42", composition={"Ho": 1.0}, paths=[all_in("CN")]),
                         suspended_rules_in_force=True)
    assert {h.rule_id for h in report(project).hits if h.element == "Ho"} == {"CN-MOFCOM-2025-57"}
    assert not [h for h in report(project, "2025-11-07").hits if h.element == "Ho"]


def test_no_61_concerns_exports_from_the_magnet_country_not_a_domestic_purchase():
    path = PathSpec(mine="AU", separation="CN", metal="JP", magnet="JP")
    part = PartSpec(grade="N42SH", paths=[path])
    japanese_buyer = report(project_of(part, import_country="JP"))
    assert not [h for h in japanese_buyer.watch if h.rule_id.startswith("CN-MOFCOM-2025-61-")
                and h.rule_id != "CN-MOFCOM-2025-61-3"]
    us_buyer = report(project_of(part, import_country="US"))
    assert items(us_buyer, "CN-MOFCOM-2025-61-1")[1] and items(us_buyer, "CN-MOFCOM-2025-61-2")[1]


def test_a_general_licence_halves_the_magnet_licence_and_a_known_holder_is_pointed_out():
    part = PartSpec(grade="N42SH", paths=[all_in("CN")])
    plain = report(project_of(part, import_country="JP"))
    licensed_project = project_of(part, import_country="JP")
    licensed_project.tables.suppliers.loc[:, "general_licence"] = "yes"
    licensed = report(licensed_project)
    assert licensed.factors["restriction"].value == pytest.approx(plain.factors["restriction"].value / 2)
    named = project_of(part, import_country="JP")
    named.tables.suppliers.loc[:, "supplier_name"] = "JL MAG Rare-Earth Co., Ltd."
    hit = items(report(named), "CN-MOFCOM-2025-18-MAGNETS")[0][0]
    assert "JL Mag" in hit.explanation and "general" in hit.explanation


# ------------------------------------------------------------------------------------------- prohibitions

def test_defence_part_with_a_chinese_magnet_is_prohibited_today():
    r = report(project_of(PartSpec(end_use="defence", paths=[PathSpec(magnet="CN")])))
    assert any(h.rule_id == "US-DFARS-7052-MELT" and h.effect.value == "prohibited" for h in r.hits)
    assert r.score >= PROHIBITED_FLOOR and "prohibits" in r.cap


def test_a_ban_due_within_the_resourcing_time_makes_the_part_red_and_says_when():
    project = project_of(PartSpec(end_use="defence", family="Sm2Co17", grade="Sm2Co17",
                                  paths=[PathSpec(mine="CN", separation="CN", metal="US", magnet="US")]))
    far, near, due = report(project, "2026-05-01"), report(project, "2026-12-31"), report(project, "2027-01-01")
    assert near.score >= RED_FLOOR and "prohibited from 2027-01-01, in 1 day" in near.cap
    assert far.floor < RED_FLOOR <= near.score < PROHIBITED_FLOOR <= due.score
    weights = [items(report(project, day), "US-DFARS-7052-UPSTREAM")[1][0].weight
               for day in ("2026-05-01", "2026-08-01", "2026-11-29", "2026-12-31")]
    assert weights == sorted(weights) and weights[0] < weights[-1]


def test_defence_part_with_only_a_chinese_mine_becomes_prohibited_on_2027_01_01():
    project = project_of(PartSpec(end_use="defence", paths=[PathSpec(mine="CN")]))
    before, after = report(project, "2026-12-31"), report(project, "2027-01-01")
    assert not [h for h in before.hits if h.effect.value == "prohibited"]
    assert items(before, "US-DFARS-7052-UPSTREAM")[1]
    assert [h for h in after.hits if h.rule_id == "US-DFARS-7052-UPSTREAM" and h.stage.value == "mine"]
    assert after.score >= PROHIBITED_FLOOR


def test_china_denying_military_end_users_makes_a_defence_part_red_while_its_status_is_unknown():
    part = PartSpec(end_use="defence", family="Sm2Co17", grade="Sm2Co17",
                    paths=[PathSpec(mine="AU", separation="CN", metal="DE", magnet="DE")])
    r = report(project_of(part, import_country="DE"))
    assert items(r, "CN-MOFCOM-2025-61-MIL")[1]
    assert r.score >= RED_FLOOR and "may be prohibited today" in r.cap


@pytest.mark.parametrize("end_use", ["automotive", "wind", "industrial", "electronics", "other"])
def test_dfars_never_hits_a_part_outside_us_defence_supply(end_use):
    project = project_of(PartSpec(end_use=end_use, paths=[all_in("CN")]))
    for day in ("2025-01-01", TODAY, "2027-01-01", "2030-01-01"):
        r = report(project, day)
        assert not [h for h in r.hits + r.watch + r.possible if h.rule_id.startswith("US-DFARS")], day
        assert r.score < PROHIBITED_FLOOR


@pytest.mark.parametrize("buyer", ["JP", "DE"])
def test_dfars_binds_only_buyers_who_supply_us_defence(buyer):
    part = PartSpec(end_use="defence", paths=[all_in("CN")])
    r = report(project_of(part, import_country=buyer))
    assert not [h for h in r.hits + r.watch + r.possible if h.rule_id.startswith("US-DFARS")]
    supplying = report(project_of(part, import_country=buyer, us_defence_supply="yes"))
    assert items(supplying, "US-DFARS-7052-MELT")[0] and supplying.score >= PROHIBITED_FLOOR


def test_japan_military_ban_still_prohibits_a_japanese_defence_part_with_chinese_material():
    r = report(project_of(PartSpec(end_use="defence", paths=[all_in("CN")]), import_country="JP"))
    assert items(r, "CN-MOFCOM-2026-1")[0] and r.score >= PROHIBITED_FLOOR


def test_a_part_can_opt_into_or_out_of_dfars():
    industrial = project_of(PartSpec(end_use="industrial", paths=[all_in("CN")]))
    industrial.tables.parts.loc[:, "dfars"] = "yes"
    assert report(industrial).score >= PROHIBITED_FLOOR
    defence = project_of(PartSpec(end_use="defence", paths=[all_in("CN")]))
    defence.tables.parts.loc[:, "dfars"] = "no"
    assert not [h for h in report(defence).hits if h.rule_id.startswith("US-DFARS")]


def test_dfars_covers_an_end_item_made_in_a_covered_country_around_a_clean_magnet():
    project = project_of(PartSpec(end_use="defence", paths=[all_in("JP")]))
    project.tables.suppliers.loc[:, "supplier_country"] = "CN"
    r = report(project)
    assert [(h.stage.value, h.country) for h in items(r, "US-DFARS-7052-MELT")[0]] == [("assembly", "CN")]
    assert r.score >= PROHIBITED_FLOOR


# ------------------------------------------------------------------------------------------- hiding data

def test_hiding_origins_of_a_chinese_defence_part_never_lowers_its_score():
    """Issue reproduction: all-CN 100; metal and magnet blank scored 66; all blank 72. Now none is lower."""
    full = PathSpec(mine="CN", separation="CN", metal="CN", magnet="CN")
    partly = PathSpec(mine="CN", separation="CN", metal="", magnet="")
    blank = PathSpec(mine="", separation="", metal="", magnet="")
    scores = [report(project_of(PartSpec(end_use="defence", paths=[p]))).score for p in (full, partly, blank)]
    assert scores[0] >= PROHIBITED_FLOOR
    assert scores[1] >= scores[0] - 1e-9 and scores[2] >= scores[0] - 1e-9


def test_a_possible_prohibition_puts_the_part_at_the_floor_and_says_why():
    r = report(project_of(PartSpec(end_use="defence", paths=[PathSpec(magnet="")])))
    assert items(r, "US-DFARS-7052-MELT")[2]
    assert r.score >= PROHIBITED_FLOOR and "unknown" in r.cap


@pytest.mark.parametrize("end_use", ["defence", "industrial"])
def test_a_part_without_supply_paths_is_never_green(end_use):
    r = report(project_of(PartSpec(end_use=end_use, paths=[])))
    assert r.band != "green" and r.score >= NO_PATH_FLOOR
    assert r.factors["transparency"].value == pytest.approx(100.0)
    if end_use == "defence":
        assert r.score >= PROHIBITED_FLOOR


def test_an_unknown_origin_scores_worse_than_a_known_unrestricted_one():
    known = project_of(PartSpec(paths=[all_in("JP")]))
    unknown = project_of(PartSpec(paths=[PathSpec(mine="", separation="", metal="", magnet="", evidence="unknown")]))
    r_unknown = report(unknown)
    assert r_unknown.score > report(known).score
    assert r_unknown.possible, "an unknown separation stage may be Chinese: shown as a possible hit"
    assert r_unknown.factors["transparency"].value == pytest.approx(100.0)


def test_an_unknown_mine_is_no_better_than_a_declared_myanmar_one():
    myanmar = report(project_of(PartSpec(paths=[PathSpec(mine="MM")])))
    unknown = report(project_of(PartSpec(paths=[PathSpec(mine="")])))
    assert unknown.factors["concentration"].value >= myanmar.factors["concentration"].value
    assert unknown.score >= myanmar.score


# ------------------------------------------------------------------------------------------- concentration

def test_a_split_between_two_poorly_governed_countries_is_worse_than_one_well_governed():
    split = project_of(PartSpec(paths=[all_in("CN", supplier="A", share=50), all_in("RU", supplier="B", share=50)]))
    american = project_of(PartSpec(paths=[all_in("US", supplier="A", share=50), all_in("US", supplier="B",
                                                                                        share=50)]))
    assert report(split).factors["concentration"].value > report(american).factors["concentration"].value + 10


def test_moving_every_chinese_stage_to_japan_lowers_the_score():
    assert report(project_of(PartSpec(paths=[all_in("JP")]))).score < report(
        project_of(PartSpec(paths=[all_in("CN")]))).score


# ---------------------------------------------------------------------------------------- EU buyers, lists

ISSUE_EU_ROWS = [
    PartSpec("A", end_use="automotive", mass_g=20, units=10000, unit_price=5, stock_days=30,
             paths=[all_in("CN", supplier="S1", share=60),
                    PathSpec("S2", 40, mine="AU", separation="MY", metal="JP", magnet="JP")]),
    PartSpec("B", end_use="automotive", mass_g=20, units=10000, unit_price=5, stock_days=30,
             paths=[all_in("CN", supplier="S1")]),
]


def test_an_eu_buyer_with_split_supply_is_scored_and_each_part_lists_its_own_hits():
    ev = evaluate(project_of(*ISSUE_EU_ROWS, import_country="DE"), D(TODAY))
    hits, watch, possible = ev.hit_counts()
    reports = ev.part_reports()
    for i, r in enumerate(reports):
        assert (hits[i], watch[i], possible[i]) == (len(r.hits), len(r.watch), len(r.possible)), r.part_number
    b = ev.part_report("B")
    benchmark = {(h.element, h.stage.value) for h in b.hits if h.rule_id == "EU-CRMA-65"}
    assert benchmark == {(e, s) for e in ("Nd", "Pr", "Dy") for s in ("mine", "separation", "metal", "magnet")}
    a = ev.part_report("A")
    # China's 80 % of the buyer's kg is counted with Australia's 20 % at the mine (and with Malaysia's and Japan's
    # further on): supply through China never brings another country under the benchmark (docs/method.md).
    assert {h.supplier_id for h in a.hits if h.rule_id == "EU-CRMA-65"} == {"S1", "S2"}
    json.dumps(ev.to_json(), allow_nan=False)


def test_the_eu_benchmark_concerns_eu_buyers_and_only_the_magnet_rare_earths():
    part = PartSpec(paths=[all_in("CN")], composition={"Co": 3.0})
    eu = evaluate(project_of(part, import_country="DE"), D(TODAY))
    eu_report = eu.part_report("P-1")
    assert any(h.rule_id == "EU-CRMA-65" and h.country == "CN" for h in eu_report.hits)
    assert not {h.element for h in eu_report.hits if h.rule_id == "EU-CRMA-65"} & {"Co", "B", "Fe"}
    assert not [row for row in eu.concentration if row.over_benchmark and row.element in ("Co", "B")]
    us = evaluate(project_of(part, import_country="US"), D(TODAY))
    assert not any(h.rule_id == "EU-CRMA-65" for h in us.part_report("P-1").hits)
    assert not any(row.over_benchmark for row in us.concentration)


# ------------------------------------------------------------------------------------------ US tariffs etc.

def test_chinese_ndfeb_magnet_imported_into_the_us_has_a_25_pct_tariff_from_2026_01_01():
    project = project_of(PartSpec(paths=[PathSpec(magnet="CN")]), import_country="US")
    hits = items(report(project, "2026-01-01"), "US-301-MAGNETS")[0]
    assert hits and hits[0].effect.value == "tariff" and "25" in hits[0].effect_label
    assert hits[0].element is None and hits[0].stage.value == "magnet"
    assert items(report(project, "2025-12-31"), "US-301-MAGNETS")[0] == []
    assert items(report(project_of(PartSpec(paths=[PathSpec(magnet="CN")]), import_country="DE"), "2026-01-01"),
                 "US-301-MAGNETS") == ([], [], [])


def test_chinese_ferrite_into_the_us_is_a_disputed_watch_item():
    ferrite = project_of(PartSpec(family="ferrite", grade="Y30BH", paths=[all_in("CN")]))
    watched = items(report(ferrite), "US-301-FERRITE")[1]
    assert watched and watched[0].confidence == "X"


def test_a_us_buyer_sees_section_232_and_ieepa_where_they_may_apply():
    r = report(project_of(PartSpec(paths=[all_in("CN")])))
    assert items(r, "US-232-PCMDP")[1] and items(r, "US-IEEPA-CN-FENTANYL")[0]
    assert items(r, "US-IEEPA-CN-RECIPROCAL")[1][0].status == "status unknown"
    # A Chinese magnet plant is within the reach of China's technology controls at least as much as one abroad: the
    # watch item names it too, so that it never makes a chain outside China look worse (review V3).
    assert [h.country for h in items(r, "CN-MOFCOM-2025-62")[1]] == ["CN"]


# ------------------------------------------------------------------------------------------- explanations

def test_the_restriction_explanation_gives_the_share_under_rules_and_the_weighted_figure():
    r = report(project_of(PartSpec(grade="N42SH", paths=[all_in("CN")]), import_country="JP"))
    text = r.factors["restriction"].inputs
    assert text.startswith("100% of the part's element value") and "that is 60 of 100" in text


def test_why_states_the_weighted_factors_and_the_floor_that_raised_the_score():
    r = report(project_of(PartSpec(end_use="defence", paths=[all_in("CN")])))
    why = r.why()
    assert f"The factors give {r.factor_score:.0f}" in why
    assert "At least 90" in why and r.score > r.factor_score


def test_whole_magnet_rules_say_what_passed_where():
    r = report(project_of(PartSpec(end_use="defence", paths=[PathSpec(mine="CN")])), "2027-01-01")
    hit = items(r, "US-DFARS-7052-UPSTREAM")[0][0]
    assert "its rare earths were mined in China" in hit.explanation
    assert "passes the" not in hit.explanation


def test_the_transparency_explanation_agrees_with_its_value():
    r = report(project_of(PartSpec(paths=[PathSpec(mine="", separation="", metal="", magnet="",
                                                   evidence="unknown")])))
    assert r.factors["transparency"].value == pytest.approx(100.0)
    assert "100% unknown country" in r.factors["transparency"].inputs


# ------------------------------------------------------------------------------------------ scores, bands

def test_score_and_every_factor_stay_within_0_and_100_and_explain_themselves():
    r = report(project_of(PartSpec(paths=[all_in("CN", share=50, supplier="A"), PathSpec("B", 50)])))
    assert 0 <= r.score <= 100
    for factor in r.factors.values():
        assert 0 <= factor.value <= 100 and factor.inputs
    assert "scores" in r.why()


def test_weights_are_user_settings():
    only_buffer = project_of(PartSpec(stock_days=0, paths=[all_in("JP")]),
                             weights={"restriction": 0, "concentration": 0, "transparency": 0, "price": 0,
                                      "buffer": 1, "single_source": 0})
    assert report(only_buffer).score == pytest.approx(100.0)


def test_the_portfolio_figure_moves_while_a_prohibited_part_is_named_beside_it():
    project = project_of(
        PartSpec("P-1", end_use="defence", paths=[PathSpec(magnet="CN")], units=1, unit_price=1),
        PartSpec("P-2", paths=[all_in("JP")], units=100000, unit_price=100),
    )
    ev = evaluate(project, D(TODAY))
    score, reason = ev.portfolio_score()
    assert score < PROHIBITED_FLOOR and "P-1" in reason and ev.prohibited_parts() == ["P-1"]
    project.settings.weights["buffer"] = 1.0
    assert evaluate(project, D(TODAY)).portfolio_score()[0] != pytest.approx(score)
    data = ev.to_json()
    assert data["portfolio"]["prohibited_parts"] == ["P-1"] and data["portfolio"]["band"] == band(score)


def test_hit_counts_match_the_listed_hits_part_by_part():
    from riskdesk.core.demo import demo_project

    for day in ("2025-10-09", TODAY, "2027-01-01"):
        ev = evaluate(demo_project(), D(day))
        hits, watch, possible = ev.hit_counts()
        for i, r in enumerate(ev.part_reports()):
            assert (hits[i], watch[i], possible[i]) == (len(r.hits), len(r.watch), len(r.possible)), r.part_number


def test_a_missing_stage_country_counts_as_unknown_like_an_empty_one():
    empty = project_of(PartSpec(paths=[PathSpec(mine="")]))
    missing = project_of(PartSpec(paths=[PathSpec(mine="")]))
    missing.tables.paths.loc[:, "mine_country"] = None
    assert missing.tables.paths["mine_country"].isna().all()
    assert report(missing).score == pytest.approx(report(empty).score)


@pytest.mark.parametrize("day", [dt.date(2026, 11, 23), dt.date(2027, 1, 1)])
def test_the_rule_filter_lists_and_finds_exactly_the_parts_whose_report_names_the_rule(day):
    """The Exposure tab's rule filter offers `rules_hitting()` and keeps `parts_hit_by(rule)`: both must agree
    with what each part's report lists among its hits and watch items (asked twice: the answer is kept)."""
    from riskdesk.core.demo import demo_project
    from riskdesk.core.evaluation import compile_project, evaluate

    project = demo_project()
    evaluation = evaluate(compile_project(project), day, project.settings)
    listed: dict[str, set[str]] = {}
    for report in evaluation.part_reports():
        for hit in [*report.hits, *report.watch]:
            listed.setdefault(hit.rule_id, set()).add(report.part_number)
    order = [rule.id for rule in evaluation.reference.control_list.rules]
    assert evaluation.rules_hitting() == sorted(listed, key=order.index) == evaluation.rules_hitting()
    for rule_id, parts in listed.items():
        found = evaluation.parts_hit_by(rule_id)
        assert {str(p) for p in evaluation.compiled.part_numbers[found]} == parts, rule_id
