"""Country data: every way a supplier writes a country resolves to one ISO code; groups and governance."""

from __future__ import annotations

import shutil
import time

import pytest

from riskdesk.core import countries
from riskdesk.core.countries import default_countries, fold, load_countries, resolve_country
from riskdesk.core.datafile import DataFileError
from riskdesk.core.resources import resource_path

ALIASES = {
    "CN": ["China", "PRC", "P.R. China", "P. R. China", "Mainland China", "China (PRC)", "People's Republic of China",
           "中国", "中華人民共和国", "中华人民共和国", "CHN", "cn", "p.r. china", " CHINA ", "china\u00a0"],
    "MM": ["Burma", "Myanmar", "缅甸", "ミャンマー", "MMR"],
    "KR": ["Korea, Republic of", "South Korea", "Republic of Korea", "ROK", "Korea", "韩国", "韓国", "KOR"],
    "KP": ["North Korea", "DPRK", "Korea, Democratic People's Republic of", "朝鲜"],
    "TR": ["Türkiye", "Turkey", "Turkiye", "TÜRKİYE", "TUR", "土耳其"],
    "DE": ["Deutschland", "Allemagne", "Alemania", "Germany", "ドイツ", "德国", "DEU", "de"],
    "JP": ["Japan", "日本", "Nippon", "JPN", "jp"],
    "VN": ["Vietnam", "Viet Nam", "Viet-Nam", "越南", "ベトナム"],
    "US": ["USA", "U.S.", "U.S.A.", "US", "United States of America", "United States", "America", "美国", "アメリカ"],
    "GB": ["UK", "U.K.", "Great Britain", "England", "United Kingdom", "英国", "イギリス", "GBR"],
    "RU": ["Russia", "Russian Federation", "俄罗斯", "ロシア"],
    "IR": ["Iran", "Iran, Islamic Republic of", "伊朗"],
    "TW": ["Taiwan", "Chinese Taipei", "台湾", "臺灣", "Taiwan, Province of China"],
    "HK": ["Hong Kong", "香港", "HKG"],
    "EE": ["Estonia", "Eesti", "エストニア"],
    "CZ": ["Czechia", "Czech Republic"],
    "NL": ["Holland", "Netherlands", "The Netherlands", "荷兰", "オランダ"],
    "FR": ["Frankreich", "France", "法国", "フランス"],
    "ES": ["España", "Espagne", "Spain", "Espana", "西班牙"],
    "CH": ["Suisse", "Schweiz", "Switzerland", "瑞士"],
    "AT": ["Österreich", "Oesterreich", "Austria", "奥地利"],
    "MY": ["Malaysia", "马来西亚", "マレーシア"],
    "LA": ["Laos", "Lao PDR", "Lao People's Democratic Republic", "老挝"],
    "AU": ["Australia", "澳大利亚", "オーストラリア"],
    "TH": ["Thailand", "泰国", "タイ"],
    "IN": ["India", "印度", "インド"],
    "IT": ["Italy", "意大利", "イタリア"],
    "CA": ["Canada", "加拿大", "カナダ"],
    "BR": ["Brazil", "Brasil", "巴西", "ブラジル"],
    "CI": ["Côte d'Ivoire", "Cote d’Ivoire", "Ivory Coast"],
    "BA": ["Bosnia & Herzegovina", "Bosnia and Herzegovina"],
    "LC": ["Saint Lucia", "St. Lucia"],
    "CD": ["DRC", "DR Congo", "Congo, The Democratic Republic of the"],
    "NA": ["Namibia", "NAM"],
}


@pytest.mark.parametrize("code", sorted(ALIASES))
def test_resolve_accepts_codes_names_and_aliases(code):
    wrong = {text: resolve_country(text) for text in ALIASES[code] if resolve_country(text) != code}
    assert not wrong


def test_blanks_placeholders_and_garbage_resolve_to_none():
    texts = ["", "   ", "n/a", "N/A", "NA", "unknown", "Unknown", "-", "--", "?", "tbd", "various", "xyzzy",
             "Atlantis", "Europe", "EU", "123", "Virgin Islands"]
    assert {text: resolve_country(text) for text in texts} == dict.fromkeys(texts)


def test_resolve_ignores_non_text():
    table = default_countries()
    assert table.resolve(None) is None  # type: ignore[arg-type]
    assert table.resolve(float("nan")) is None  # type: ignore[arg-type]


def test_every_pycountry_country_resolves_by_codes_and_name():
    table = default_countries()
    assert len(table.codes()) >= 249
    for code in table.codes():
        country = table.get(code)
        assert country is not None
        assert table.resolve(code) == code or code == "NA"
        assert table.resolve(country.alpha3) == code
        assert table.resolve(country.name) == code, country.name


def test_no_alias_shadows_another_countrys_iso_code():
    table = default_countries()
    codes = {fold(c.code): c.code for c in table.countries.values()}
    codes |= {fold(c.alpha3): c.code for c in table.countries.values()}
    for country in table.countries.values():
        for alias in country.aliases:
            assert codes.get(fold(alias), country.code) == country.code, (country.code, alias)


def test_fold_ignores_case_accents_space_and_punctuation():
    assert fold(" P. R. China ") == fold("pr china") == "prchina"
    assert fold("Türkiye") == fold("TURKIYE") == "turkiye"
    assert fold("ドイツ") == "ドイツ"  # kana keep their voicing marks


def test_resolve_is_fast_for_repeated_values():
    table = default_countries()
    values = ["China", "P.R. China", "Germany", "USA", "日本", "n/a"] * 5000
    start = time.perf_counter()
    for value in values:
        table.resolve(value)
    assert len(values) / (time.perf_counter() - start) > 200_000


def test_groups():
    table = default_countries()
    eu = table.members("EU")
    assert len(eu) == 27 and "DE" in eu and "GB" not in eu
    assert table.in_group("DE", "EU") and not table.in_group("CH", "EU")
    assert table.members("DFARS_COVERED") == {"CN", "RU", "KP", "IR"}
    assert table.in_group("CN", "DFARS_COVERED") and not table.in_group("JP", "DFARS_COVERED")
    assert table.members("EEA") == eu | {"IS", "LI", "NO"}
    assert table.members("NO_SUCH_GROUP") == frozenset()
    assert "EU" in table.get("FR").groups
    assert table.groups["DFARS_COVERED"].confidence == "C"


def test_governance():
    table = default_countries()
    assert table.governance("CN") > table.governance("JP")
    assert table.governance("MM") > table.governance("CN") > table.governance("DE")
    assert table.governance("KP") >= 8
    assert table.governance("GL") == table.governance("DK")
    assert table.governance("FJ") == table.default_governance == 5.0  # no value bundled: documented default
    assert table.governance("ZZ") == 5.0
    assert not table.get("FJ").governance_bundled
    assert sum(c.governance_bundled for c in table.countries.values()) >= 60
    for country in table.countries.values():
        assert 0.0 <= country.governance <= 10.0
        assert country.governance_confidence in {"C", "S", "D", "U", "X"}
    for code in ["US", "CN", "JP", "KR", "TW", "VN", "MM", "AU", "CA", "GB", "CH", "NO", "IN", "MY", "TH", "ID",
                 "PH", "BR", "ZA", "NG", "MG", "TZ", "RU", "KP", "IR", "LA", "KZ", "MN", "TR", "MX", "CL", "AR",
                 "SA", "AE", "IL", "SG", "HK", "NZ", "UA", *table.members("EU")]:
        assert table.get(code).governance_bundled, code
    value, text, confidence = table.governance_explained("CN")
    assert value == table.governance("CN") and "China" in text and confidence == "U"


def test_names():
    table = default_countries()
    assert table.name("KR") == "South Korea"
    assert table.name("CN") == "China"
    assert table.name("RU") == "Russia"
    assert table.name("ZZ") == "ZZ"


def test_default_is_loaded_once():
    countries.default_countries.cache_clear()
    first = default_countries()
    assert default_countries() is first


def _copy(tmp_path):
    target = tmp_path / "countries.toml"
    shutil.copy(resource_path("countries.toml"), target)
    return target


def _broken(tmp_path, old, new):
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_group_without_confidence_is_refused(tmp_path):
    path = _broken(tmp_path, 'members = ["KP", "CN", "RU", "IR"]\nconfidence = "C"',
                   'members = ["KP", "CN", "RU", "IR"]')
    with pytest.raises(DataFileError) as info:
        load_countries(path)
    assert info.value.file == str(path) and info.value.entry == "DFARS_COVERED" and info.value.field == "confidence"


def test_an_unknown_member_code_is_refused(tmp_path):
    path = _broken(tmp_path, 'members = ["KP", "CN", "RU", "IR"]', 'members = ["KP", "CN", "RU", "XX"]')
    with pytest.raises(DataFileError) as info:
        load_countries(path)
    assert info.value.entry == "DFARS_COVERED" and info.value.field == "members" and "XX" in str(info.value)


def test_governance_out_of_range_or_unmarked_is_refused(tmp_path):
    path = _broken(tmp_path, "governance = 5.6\n", "governance = 12\n")
    with pytest.raises(DataFileError) as info:
        load_countries(path)
    assert info.value.entry == "CN" and info.value.field == "governance"
    path = _broken(tmp_path, 'governance = 5.6\nconfidence = "U"', 'governance = 5.6\nconfidence = "maybe"')
    with pytest.raises(DataFileError) as info:
        load_countries(path)
    assert info.value.entry == "CN" and info.value.field == "confidence"


def test_an_alias_given_to_two_countries_is_refused(tmp_path):
    path = _broken(tmp_path, 'aliases = ["Nippon",', 'aliases = ["PRC", "Nippon",')
    with pytest.raises(DataFileError) as info:
        load_countries(path)
    assert info.value.entry == "JP" and info.value.field == "aliases" and "CN" in str(info.value)


def test_a_bad_version_date_is_refused(tmp_path):
    path = _broken(tmp_path, 'version = "2026-11-23"', 'version = "23.11.2026"')
    with pytest.raises(DataFileError) as info:
        load_countries(path)
    assert info.value.entry == "header" and info.value.field == "version"
