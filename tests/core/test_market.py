"""World market shares by stage: who dominates, how sure we are, and refusal of broken files."""

from __future__ import annotations

import shutil

import pytest

from riskdesk.core import market
from riskdesk.core.datafile import DataFileError
from riskdesk.core.domain import STAGES, Stage
from riskdesk.core.market import default_market, load_market
from riskdesk.core.resources import resource_path


def test_china_dominates_every_stage_with_the_sourced_shares():
    shares = default_market()
    assert shares.dominant(Stage.MINE) == ("CN", pytest.approx(270 / 390, abs=0.001))
    assert shares.dominant(Stage.SEPARATION) == ("CN", 0.91)
    assert shares.dominant(Stage.METAL)[0] == "CN"
    assert shares.dominant(Stage.MAGNET) == ("CN", 0.94)
    assert shares.entry(Stage.SEPARATION, "CN").confidence == "C"
    assert shares.entry(Stage.MAGNET, "CN").confidence == "S"
    assert shares.entry(Stage.MINE, "CN").confidence == "D"
    assert shares.entry(Stage.METAL, "CN").confidence == "U"  # no figure in FACTS.md


def test_world_share_of_listed_and_unlisted_countries():
    shares = default_market()
    assert shares.world_share(Stage.MINE, "US") == pytest.approx(45 / 390, abs=0.001)
    assert shares.world_share(Stage.MINE, "MM") == pytest.approx(31 / 390, abs=0.001)
    assert shares.world_share(Stage.MAGNET, "JP") > 0
    assert shares.world_share(Stage.MAGNET, "FJ") == 0.0
    for stage in STAGES:
        assert 0 < sum(shares.shares(stage).values()) <= 1.0
        assert next(iter(shares.shares(stage))) == shares.dominant(stage)[0]


def test_explain_names_share_stage_country_source_and_mark():
    text = default_market().explain(Stage.SEPARATION)
    assert text == "91 % of world separation/refining is in China (IEA, 2024; confidence C)"
    assert "confidence U" in default_market().explain(Stage.METAL)


def test_every_share_carries_sources_and_a_mark():
    shares = default_market()
    assert shares.version == "2026-11-23" and shares.title
    for entry in shares.entries:
        assert entry.sources and entry.confidence in {"C", "S", "D", "U", "X"}, entry.id
        if entry.confidence == "U":
            assert entry.note, entry.id


def test_default_is_loaded_once():
    market.default_market.cache_clear()
    assert default_market() is default_market()


def _broken(tmp_path, old, new):
    path = tmp_path / "market.toml"
    shutil.copy(resource_path("market.toml"), path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_share_without_confidence_is_refused(tmp_path):
    path = _broken(tmp_path, 'cite = "IEA, 2024"\nconfidence = "C"\n', 'cite = "IEA, 2024"\n')
    with pytest.raises(DataFileError) as info:
        load_market(path)
    assert (info.value.file, info.value.entry, info.value.field) == (str(path), "separation-CN", "confidence")


def test_shares_adding_up_to_more_than_the_world_are_refused(tmp_path):
    path = _broken(tmp_path, "share = 0.91\n", "share = 0.99\n")
    with pytest.raises(DataFileError) as info:
        load_market(path)
    assert info.value.entry == "stage separation" and info.value.field == "share"


def test_an_unknown_stage_or_bad_country_is_refused(tmp_path):
    path = _broken(tmp_path, 'stage = "magnet"', 'stage = "assembly"')
    with pytest.raises(DataFileError) as info:
        load_market(path)
    assert info.value.entry == "magnet-CN" and info.value.field == "stage"
    path = _broken(tmp_path, 'country = "JP"', 'country = "Japan"')
    with pytest.raises(DataFileError) as info:
        load_market(path)
    assert info.value.field == "country"


def test_a_bad_version_date_is_refused(tmp_path):
    path = _broken(tmp_path, 'version = "2026-11-23"', 'version = "2026-13-45"')
    with pytest.raises(DataFileError) as info:
        load_market(path)
    assert info.value.field == "version"
