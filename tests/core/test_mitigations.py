"""Mitigations: variants of a project, compared side by side with the original, that never change the real data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from riskdesk.core.mitigations import (
    ORIGINAL,
    AddSource,
    AddStock,
    ChangeGrade,
    MitigationError,
    MovePath,
    Variant,
    compare_variants,
)
from riskdesk.core.scenarios import PriceShock, Scenario, SupplyCut
from tests.helpers.builders import PartSpec, all_in, project_of

AS_OF = dt.date(2026, 11, 23)
CUT = Scenario("cut", dt.date(2027, 1, 1), 12, "china",
               (PriceShock(("Dy",), "step", multiplier=3.0, months=6),),
               (SupplyCut((), ("CN",), ("separation", "magnet"), 1.0, 1, 90),))


def project():
    return project_of(
        PartSpec("ROTOR", grade="N42SH", stock_days=30, composition={"Dy": 4.0},
                 paths=[all_in("CN", supplier="CN-1")]),
        PartSpec("SENSOR", grade="N42", stock_days=60, paths=[all_in("JP", supplier="JP-1")]),
    )


def outcome(comparison, name):
    return next(o for o in comparison.outcomes if o.name == name)


def test_a_variant_never_changes_the_project_it_is_made_from():
    original = project()
    before = {name: getattr(original.tables, name).copy() for name in ("parts", "suppliers", "paths", "composition")}
    variant = Variant("everything", (AddStock("*", 30), AddSource("ROTOR", "JP-1", 50, {"magnet": "JP"}),
                                     ChangeGrade("ROTOR", "N42"), MovePath("SENSOR", "JP-1", "DE-1", {"mine": "AU"})))
    changed = variant.apply(original)
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(original.tables, name), frame)
    assert changed.tables.parts["stock_days"].tolist() == [60.0, 90.0]


def test_side_by_side_more_stock_delays_the_stop_and_a_second_source_halves_the_loss():
    variants = [Variant("More stock", (AddStock("ROTOR", 30),)),
                Variant("Second source", (AddSource("ROTOR", "JP-1", 50, {"mine": "AU", "separation": "MY",
                                                                         "metal": "JP", "magnet": "JP"}),))]
    comparison = compare_variants(project(), variants, CUT, AS_OF)
    assert [o.name for o in comparison.outcomes] == [ORIGINAL, "More stock", "Second source"]
    assert comparison.first_short_days()[:, 0].tolist() == [31, 61, 61]
    assert outcome(comparison, "Second source").result.stock_out.loss_share[0] == pytest.approx(0.5)
    days = [o.days_short for o in comparison.outcomes]
    assert days[0] == 60 and days[1] == 30 and days[2] == 30
    scores = comparison.scores()[:, 0]
    assert scores[2] < scores[0], "a second source outside China lowers the rotor's score"
    summary = comparison.to_json()["variants"][0]
    assert {"portfolio_score", "scenario_cost", "delta_total", "parts_short", "shortfall_cost"} <= set(summary)


def test_moving_a_path_out_of_china_takes_it_out_of_the_cut():
    move = Variant("Japan", (MovePath("ROTOR", "CN-1", "JP-2", {s: "JP" for s in ("mine", "separation", "metal",
                                                                                    "magnet")}, "declared"),))
    comparison = compare_variants(project(), [move], CUT, AS_OF)
    moved = outcome(comparison, "Japan")
    assert moved.parts_short == 0 and outcome(comparison, ORIGINAL).parts_short == 1
    assert "JP-2" in set(moved.project.tables.suppliers["supplier_id"])


def test_another_grade_without_dy_takes_the_part_out_of_a_dy_price_shock():
    comparison = compare_variants(project(), [Variant("N42", (ChangeGrade("ROTOR", "N42"),))], CUT, AS_OF)
    assert outcome(comparison, ORIGINAL).result.part_delta_total[0] > 0
    assert outcome(comparison, "N42").result.part_delta_total[0] == 0
    assert outcome(comparison, "N42").project.tables.composition.empty, "the old grade's figures are dropped"


@pytest.mark.parametrize(("change", "message"), [
    (AddStock("NOPE", 10), "no part 'NOPE'"),
    (MovePath("ROTOR", "XX-9"), "no supply path from 'XX-9'"),
    (AddSource("ROTOR", "JP-1", 120), "between 0 and 100"),
    (MovePath("ROTOR", "CN-1", countries={"magnet": "Atlantis"}), "not a country"),
    (AddSource("ROTOR", "CN-1", 30), "CN-1 already supplies ROTOR.*move its path"),
    (AddSource("ROTOR", "JP-1", 30, unit_price=-2.0), "unit price must be a number from 0"),
])
def test_a_change_that_cannot_apply_says_why(change, message):
    with pytest.raises(MitigationError, match=message):
        Variant("bad", (change,)).apply(project())


def test_variants_round_trip_through_json():
    variant = Variant("mix", (AddStock("*", 15), AddSource("ROTOR", "JP-1", 40, {"magnet": "JP"}),
                              ChangeGrade("ROTOR", "N42", "NdFeB-sintered"), MovePath("SENSOR", "JP-1", "DE-1")))
    assert Variant.from_json(variant.to_json()) == variant


def test_a_blank_grade_or_supplier_is_refused_with_what_to_give():
    from riskdesk.core.demo import demo_project
    from riskdesk.core.mitigations import AddSource, ChangeGrade, MitigationError, Variant

    project = demo_project()
    part = str(project.tables.parts["part_number"].iloc[0])
    with pytest.raises(MitigationError, match="new grade"):
        Variant("x", (ChangeGrade(part, " "),)).apply(project)
    with pytest.raises(MitigationError, match="supplier's id"):
        Variant("x", (AddSource(part, "", 20.0),)).apply(project)


def test_a_suppliers_usual_countries_are_those_of_most_of_its_paths():
    from riskdesk.core.mitigations import usual_countries
    from tests.helpers.builders import PathSpec

    mixed = project_of(
        PartSpec("A", paths=[PathSpec("JP-1", 100, "AU", "MY", "JP", "JP", "declared")]),
        PartSpec("B", paths=[PathSpec("JP-1", 100, "AU", "MY", "JP", "JP", "declared")]),
        PartSpec("C", paths=[PathSpec("JP-1", 100, "", "CN", "CN", "JP", "declared")]),
    )
    assert usual_countries(mixed.tables, "JP-1") == {"mine": "AU", "separation": "MY", "metal": "JP", "magnet": "JP"}
    assert usual_countries(mixed.tables, "NEW-1") == {}


def test_a_second_sources_price_is_what_the_variant_adds_to_the_parts_bought():
    original = project()
    parts = original.tables.parts.set_index("part_number")
    price, units = float(parts.loc["ROTOR", "unit_price"]), float(parts.loc["ROTOR", "annual_units"])
    priced = Variant("Priced", (AddSource("ROTOR", "JP-1", 25, {"magnet": "JP"}, unit_price=price * 1.2),))
    unpriced = Variant("Unpriced", (AddSource("ROTOR", "JP-1", 25, {"magnet": "JP"}),))
    comparison = compare_variants(original, [priced, unpriced, Variant("Stock", (AddStock("*", 10),))], CUT, AS_OF)
    added = price * 0.2 * units * 0.25 * CUT.horizon_months / 12
    assert outcome(comparison, "Priced").purchase_change == pytest.approx(added)
    assert outcome(comparison, "Unpriced").purchase_change is None, "no price: what it costs is unknown"
    assert outcome(comparison, ORIGINAL).purchase_change == outcome(comparison, "Stock").purchase_change == 0
    assert [v["purchase_change"] for v in comparison.to_json()["variants"]] == [0, round(added, 2), None, 0]
    assert Variant.from_json(priced.to_json()) == priced, "the price is kept with the variant"
