"""Price data: series keep their basis, reference prices per kg of element, volatility, broken files refused."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from riskdesk.core import prices
from riskdesk.core.datafile import DataFileError
from riskdesk.core.elements import SYMBOLS, element_fraction_of_oxide
from riskdesk.core.prices import PricePoint, default_prices, load_prices
from riskdesk.core.resources import resource_path

D = dt.date.fromisoformat


def test_dy_oxide_in_europe_roughly_tripled_after_april_licensing():
    series = default_prices().get_series("dy-oxide-europe-argus")
    assert series.product == "Dy oxide 99.5 %, Europe (Argus)" and series.basis == "Europe"
    first, last = series.points[0], series.latest()
    assert first.date < D("2025-04-04") and last.date == D("2025-05-06")
    assert first.mid == 280 and last.mid == 850
    assert 2.5 <= last.mid / first.mid <= 3.5


def test_series_keep_their_basis_unit_and_currency():
    book = default_prices()
    smm = book.get_series("prnd-oxide-china-smm")
    assert (smm.basis, smm.unit, smm.currency) == ("China domestic", "CNY/t", "CNY")
    assert smm.latest() == PricePoint(D("2025-08-28"), 600000, 608000)
    fob = book.get_series("ndpr-oxide-fob-china-fastmarkets")
    assert (fob.basis, fob.unit, fob.currency) == ("FOB China", "USD/kg", "USD")
    bases = {s.basis for s in book.for_element("Dy")}
    assert {"China domestic", "Europe", "volume-weighted global"} <= bases
    assert {s.id for s in book.for_element("Pr")} >= {"prnd-oxide-china-smm", "pr-oxide-europe-argus"}
    for series in book.series:
        assert series.sources and series.confidence in {"C", "S", "D", "U", "X"}, series.id
        assert list(series.points) == sorted(series.points, key=lambda p: p.date)


def test_conversion_to_usd_per_kg_of_element():
    book = default_prices()
    dy = book.get_series("dy-oxide-china-smm")
    day, value = dy.in_usd_per_kg_element()[-1]
    assert day == D("2025-06-23")
    assert value == pytest.approx(1_630_000 / 1000 / 7.2 / element_fraction_of_oxide("Dy2O3"))
    assert "7.2 CNY/USD" in dy.conversion() and "Dy2O3" in dy.conversion()
    metal = book.get_series("tb-metal-china-smm")
    assert metal.element_fraction == 1.0
    assert metal.in_usd_per_kg_element()[0][1] == pytest.approx(8_715_000 / 1000 / 7.2)


def test_derived_reference_prices_match_the_point_they_cite():
    book = default_prices()
    for reference in book.references:
        if reference.series:
            series = book.get_series(reference.series)
            point = next(p for p in series.points if p.date == reference.date)
            expected = series.to_usd_per_kg_element(point.mid)
            assert reference.value == pytest.approx(expected, rel=0.005), (reference.element, reference.basis)
            assert reference.confidence == "D"


def test_reference_prices_cover_every_element_on_both_bases():
    book = default_prices()
    for symbol in SYMBOLS:
        for basis in ("china", "ex-china"):
            value, text, confidence = book.reference_price(symbol, basis)
            assert value > 0 and symbol in text and confidence in {"C", "S", "D", "U", "X"}
    assert book.reference_price("Dy")[0] > book.reference_price("Nd")[0] > book.reference_price("Fe")[0]
    assert book.reference_price("Tb")[0] > book.reference_price("Dy")[0]
    assert book.reference_price("Dy", "ex-china")[0] > 3 * book.reference_price("Dy", "china")[0]
    value, text, confidence = book.reference_price("Fe", "ex-china")
    assert value == book.reference_price("Fe")[0] and "China basis used" in text and confidence == "U"
    assert book.reference_price("Co")[2] == "U"
    with pytest.raises(ValueError):
        book.reference_price("Dy", "moon")
    with pytest.raises(KeyError):
        book.reference_price("Xx")


def test_volatility_ranks_heavy_rare_earths_above_ndpr_above_iron():
    book = default_prices()
    dy, dy_text = book.volatility("Dy")
    tb, _ = book.volatility("Tb")
    nd, nd_text = book.volatility("Nd")
    fe, fe_text = book.volatility("Fe")
    assert dy >= 0.95 and tb >= 0.95 and "capped at 1" in dy_text and "Europe (Argus)" in dy_text
    assert 0.3 <= nd <= 0.7 and "China domestic" in nd_text
    assert fe == 0.0 and "no price history bundled" in fe_text
    assert dy > nd > fe
    for symbol in SYMBOLS:
        value, text = book.volatility(symbol)
        assert 0.0 <= value <= 1.0 and text.startswith(symbol)


def test_cny_rate_is_in_the_file_and_marked():
    book = default_prices()
    assert book.cny_per_usd == 7.2 and book.fx_confidence == "U" and book.fx_sources


def test_default_is_loaded_once():
    prices.default_prices.cache_clear()
    assert default_prices() is default_prices()


def _broken(tmp_path, old, new):
    path = tmp_path / "prices.toml"
    shutil.copy(resource_path("prices.toml"), path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_series_without_confidence_is_refused(tmp_path):
    path = _broken(tmp_path, 'confidence = "C"\nsources = [\n  { title = "Fastmarkets: China',
                   'sources = [\n  { title = "Fastmarkets: China')
    with pytest.raises(DataFileError) as info:
        load_prices(path)
    assert (info.value.file, info.value.entry, info.value.field) == (
        str(path), "ndpr-oxide-fob-china-fastmarkets", "confidence")


def test_a_bad_point_date_is_refused(tmp_path):
    path = _broken(tmp_path, "{ date = 2024-04-18,", '{ date = "18.04.2024",')
    with pytest.raises(DataFileError) as info:
        load_prices(path)
    assert info.value.entry == "ndpr-oxide-fob-china-fastmarkets.points[1]" and info.value.field == "date"


def test_an_unknown_element_or_oxide_is_refused(tmp_path):
    path = _broken(tmp_path, 'element = "Dy"\nform = "oxide"\noxide = "Dy2O3"',
                   'element = "Dx"\nform = "oxide"\noxide = "Dy2O3"')
    with pytest.raises(DataFileError) as info:
        load_prices(path)
    assert info.value.entry == "dy-oxide-china-smm" and info.value.field == "element"
    path = _broken(tmp_path, 'oxide = "Dy2O3"', 'oxide = "Dy3O9"')
    with pytest.raises(DataFileError) as info:
        load_prices(path)
    assert info.value.entry == "dy-oxide-china-smm" and info.value.field == "oxide"


def test_a_range_upside_down_or_a_unit_mismatch_is_refused(tmp_path):
    path = _broken(tmp_path, "low = 53.0, high = 55.0", "low = 55.0, high = 53.0")
    with pytest.raises(DataFileError) as info:
        load_prices(path)
    assert info.value.entry == "ndpr-oxide-fob-china-fastmarkets.points[1]"
    path = _broken(tmp_path, 'unit = "CNY/t"\ncurrency = "CNY"', 'unit = "CNY/t"\ncurrency = "USD"')
    with pytest.raises(DataFileError) as info:
        load_prices(path)
    assert info.value.field == "currency"


def test_a_reference_citing_a_missing_point_or_a_missing_element_is_refused(tmp_path):
    path = _broken(tmp_path, 'series = "dy-oxide-china-smm"\ndate = 2025-06-23',
                   'series = "dy-oxide-china-smm"\ndate = 2025-06-24')
    with pytest.raises(DataFileError) as info:
        load_prices(path)
    assert info.value.entry == "Dy/china" and info.value.field == "date"
    path = _broken(tmp_path, 'element = "Ba"\nbasis = "china"', 'element = "Sr"\nbasis = "ex-china"')
    with pytest.raises(DataFileError) as info:
        load_prices(path)
    assert "Ba" in str(info.value)
