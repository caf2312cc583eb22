"""Bundled scenario presets: what happened, with its sources and marks, and a loader that refuses a broken file."""

from __future__ import annotations

import datetime as dt

import pytest

from riskdesk.core.datafile import DataFileError
from riskdesk.core.presets import default_presets, load_presets
from riskdesk.core.prices import default_prices
from riskdesk.core.resources import resource_path

REQUIRED = ("april-2025-licensing", "october-2025-back-in-force", "myanmar-heavy-feed-cut", "dfars-2027",
            "ndpr-floor-110")


def test_the_presets_the_issue_asks_for_are_bundled_with_sources_and_both_marks():
    book = default_presets()
    assert set(REQUIRED) <= set(book.ids)
    for preset in book.presets:
        items = [*preset.template.price_shocks, *preset.template.supply_cuts]
        assert items, preset.id
        for item in items:
            p = item.provenance
            assert p.confidence in "CSDUX" and p.timing_confidence in "CSDUX" and p.sources and p.note, preset.id
        assert preset.line().startswith(preset.id + "  ")


def test_april_2025_is_dy_and_tb_x3_ex_china_and_magnet_exports_minus_74_pct_for_two_months():
    """The rest of its cut profile (US −82 %, June −38 %) is in tests/core/test_preset_sources.py."""
    sc = default_presets().get("april-2025-licensing").scenario(dt.date(2026, 11, 23))
    assert sc.price_basis == "ex-china" and sc.start == dt.date(2026, 11, 1)
    prices = default_prices()
    for shock, series in zip(sc.price_shocks, ("dy-oxide-europe-argus", "tb-oxide-europe-argus"), strict=True):
        points = prices.get_series(series).points
        assert shock.multiplier == pytest.approx(points[-1].mid / points[0].mid, rel=0.005)
        assert shock.shape == "decay" and shock.from_month == 1
    cut = sc.supply_cuts[0]
    assert cut.whole_magnet and cut.countries == ("CN",) and cut.share_lost == 0.74 and cut.days == 61
    assert not cut.import_countries


def test_the_ndpr_floor_is_110_usd_per_kg_of_oxide_converted_to_element():
    (shock,) = default_presets().get("ndpr-floor-110").template.price_shocks
    floor = default_prices().get_series("ndpr-floor-dod-mp")
    assert shock.price_usd_per_kg == pytest.approx(floor.to_usd_per_kg_element(110.0), rel=0.0005)


def test_dated_presets_keep_their_month_and_the_others_start_in_the_as_of_month():
    book = default_presets()
    assert book.get("dfars-2027").scenario(dt.date(2026, 5, 3)).start == dt.date(2027, 1, 1)
    assert book.get("ndpr-floor-110").scenario(dt.date(2026, 5, 3)).start == dt.date(2026, 5, 1)
    dfars = book.get("dfars-2027").template
    assert dfars.supply_cuts[0].days == dfars.horizon_days and not dfars.supply_cuts[0].stock_usable


def test_cuts_naming_a_rule_take_its_countries_and_stages_and_cite_it():
    october = default_presets().get("october-2025-back-in-force").template
    rules = {c.rule: c for c in october.supply_cuts}
    assert set(rules) >= {"CN-MOFCOM-2025-61-1", "CN-MOFCOM-2025-61-MIL"}
    military = rules["CN-MOFCOM-2025-61-MIL"]
    assert military.countries == ("CN",) and not military.stock_usable and military.from_day == 11
    assert any("sscollege" in s.url for s in military.provenance.sources)


def _broken(tmp_path, replace, by):
    text = resource_path("scenarios", "presets.toml").read_text(encoding="utf-8")
    assert replace in text
    path = tmp_path / "presets.toml"
    path.write_text(text.replace(replace, by, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("replace", "by", "message"), [
    ("share_lost = 0.74", "share_losst = 0.74", r"entry april-2025-licensing, field 'supply_cuts\[1\].share_losst'"),
    ("multiplier = 3.04", "multiplier = nan", r"field 'price_shocks\[1\].multiplier'.*not a finite number"),
    ("multiplier = 3.04", "multiplier = inf", r"not a finite number"),
    ('rule = "CN-MOFCOM-2025-61-1"', 'rule = "CN-MOFCOM-2099"', r"no rule 'CN-MOFCOM-2099'"),
    ('shape = "decay"', 'shape = "wobble"', r'"wobble": not one of step, ramp, decay'),
    ('confidence = "D"', 'confidence = "maybe"', r"not one of C, S, D, U, X"),
    ('summary = "ex-China', 'sumary = "ex-China', r"sumary"),
    ('start = "2027-01"', 'start = "January"', r"not a month"),
])
def test_a_broken_presets_file_is_refused_naming_preset_and_key(tmp_path, replace, by, message):
    with pytest.raises(DataFileError, match=message):
        load_presets(_broken(tmp_path, replace, by))
