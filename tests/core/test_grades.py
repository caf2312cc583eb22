"""Grade library: reading grades as suppliers write them, default compositions, and refusal of broken files."""

from __future__ import annotations

import shutil

import pytest

from riskdesk.core import grades
from riskdesk.core.datafile import DataFileError
from riskdesk.core.domain import MagnetFamily
from riskdesk.core.elements import SYMBOLS
from riskdesk.core.grades import SINTERED_CLASSES, default_grades, load_grades
from riskdesk.core.resources import resource_path

SINTERED = MagnetFamily.NDFEB_SINTERED

RECOGNISED = {
    "N42SH": (SINTERED, "SH"), "N42": (SINTERED, "N"), "N35": (SINTERED, "N"), "N56": (SINTERED, "N"),
    "n42sh": (SINTERED, "SH"), "N 42 SH": (SINTERED, "SH"), "N42-SH": (SINTERED, "SH"), "N45H": (SINTERED, "H"),
    "N40M": (SINTERED, "M"), "N38UH": (SINTERED, "UH"), "N35EH": (SINTERED, "EH"), "N33AH": (SINTERED, "AH"),
    "N30TH": (SINTERED, "AH"), "42SH": (SINTERED, "SH"), "NdFeB N48H": (SINTERED, "H"), "NdFeB": (SINTERED, None),
    "Sm2Co17": (MagnetFamily.SM2CO17, "default"), "SmCo 2:17": (MagnetFamily.SM2CO17, "default"),
    "YXG-28": (MagnetFamily.SM2CO17, "default"), "YXG28H": (MagnetFamily.SM2CO17, "default"),
    "SmCo5": (MagnetFamily.SMCO5, "default"), "SmCo 1:5": (MagnetFamily.SMCO5, "default"),
    "YX-18": (MagnetFamily.SMCO5, "default"), "YX20": (MagnetFamily.SMCO5, "default"),
    "BNP-8": (MagnetFamily.NDFEB_BONDED, "default"), "bonded": (MagnetFamily.NDFEB_BONDED, "default"),
    "Y30": (MagnetFamily.FERRITE, "default"), "Y30BH": (MagnetFamily.FERRITE, "default"),
    "ferrite": (MagnetFamily.FERRITE, "default"), "C8": (MagnetFamily.FERRITE, "default"),
    "Alnico 5": (MagnetFamily.ALNICO, "default"), "LNG44": (MagnetFamily.ALNICO, "default"),
    "XYZ": (None, None), "": (None, None), "N100": (None, None), "steel": (None, None),
}


def test_recognise_reads_family_and_class_from_free_text():
    library = default_grades()
    assert {text: library.recognise(text) for text in RECOGNISED} == RECOGNISED


def test_n42sh_has_dy_and_n42_has_none():
    library = default_grades()
    sh, note = library.composition(SINTERED, "N42SH")
    assert sh.grade_class == "SH" and sh.wt_pct["Dy"] > 0 and note == "N42SH read as sintered NdFeB class SH"
    n, note = library.composition(SINTERED, "N42")
    assert n.grade_class == "N" and n.wt_pct["Dy"] == 0 and n.wt_pct.get("Tb", 0) == 0
    assert sh.max_temp_c == 150 and n.max_temp_c == 80


def test_unrecognised_or_missing_grade_assumes_the_pessimistic_default():
    library = default_grades()
    composition, note = library.composition(SINTERED, "XYZ")
    assert composition.grade_class == "SH"
    assert note == "grade 'XYZ' not recognised: assumed class SH, the pessimistic default for sintered NdFeB"
    composition, note = library.composition(SINTERED, None)
    assert composition.grade_class == "SH" and note.startswith("no grade given")
    composition, note = library.composition(SINTERED, "Y30")
    assert composition.grade_class == "SH" and "looks like hard ferrite" in note
    composition, note = library.composition(MagnetFamily.SM2CO17, "whatever")
    assert composition.family is MagnetFamily.SM2CO17 and "not recognised" in note


def test_family_other_follows_a_recognisable_grade_and_otherwise_asks_for_a_composition():
    library = default_grades()
    composition, note = library.composition(MagnetFamily.OTHER, "N42SH")
    assert composition.family is SINTERED and composition.grade_class == "SH" and "other" in note
    composition, note = library.composition(MagnetFamily.OTHER, None)
    assert not composition.wt_pct and composition.confidence == "U" and "enter" in note


def test_classes_get_hotter_and_heavier_from_n_to_ah():
    library = default_grades()
    assert library.classes(SINTERED) == SINTERED_CLASSES
    compositions = [library.get(SINTERED, c) for c in SINTERED_CLASSES]
    heavy = [c.heavy_rare_earth_pct for c in compositions]
    temps = [c.max_temp_c for c in compositions]
    assert heavy == sorted(heavy) and len(set(heavy)) == len(heavy)
    assert temps == [80, 100, 120, 150, 180, 200, 220]
    assert library.get(SINTERED, "EH").wt_pct["Dy"] == 6.5 and library.get(SINTERED, "EH").wt_pct["Tb"] == 0.5
    assert library.get(SINTERED, "AH").heavy_rare_earth_pct == 9.5
    for composition in compositions:
        rare_earth = sum(composition.wt_pct.get(s, 0) for s in ("Nd", "Pr", "Dy", "Tb"))
        assert 30 <= rare_earth <= 31
        nd_pr = composition.wt_pct["Nd"] + composition.wt_pct["Pr"]
        assert composition.wt_pct["Pr"] == pytest.approx(0.25 * nd_pr, abs=0.01)
        assert 60 <= composition.wt_pct["Fe"] <= 70


def test_every_composition_is_sound_and_sourced():
    library = default_grades()
    for composition in library.grades:
        assert composition.total_pct <= 100.0 + 1e-9
        assert set(composition.wt_pct) <= set(SYMBOLS)
        assert all(v >= 0 for v in composition.wt_pct.values())
        assert composition.sources and composition.confidence in {"C", "S", "D", "U", "X"}
        assert composition.note
    for family in MagnetFamily:
        if family is not MagnetFamily.OTHER:
            assert library.default_class(family) is not None, family
    assert library.default_class(SINTERED) == "SH"


def test_samarium_cobalt_and_other_families():
    library = default_grades()
    sm2co17, _ = library.composition(MagnetFamily.SM2CO17, "YXG-28")
    assert dict(sm2co17.wt_pct) == {"Sm": 25.0, "Co": 50.0, "Fe": 16.0, "Cu": 6.0, "Zr": 3.0}
    smco5, _ = library.composition(MagnetFamily.SMCO5, "SmCo5")
    assert dict(smco5.wt_pct) == {"Sm": 36.0, "Co": 64.0}
    bonded, _ = library.composition(MagnetFamily.NDFEB_BONDED, "BNP-8")
    assert bonded.wt_pct.get("Dy", 0) == 0 and bonded.confidence == "U"
    ferrite, _ = library.composition(MagnetFamily.FERRITE, "Y30BH")
    assert not any(s in ferrite.wt_pct for s in ("Nd", "Pr", "Dy", "Tb", "Sm")) and ferrite.confidence == "U"


def test_default_is_loaded_once():
    grades.default_grades.cache_clear()
    assert default_grades() is default_grades()


def _broken(tmp_path, old, new):
    path = tmp_path / "grades.toml"
    shutil.copy(resource_path("grades.toml"), path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_grade_without_confidence_is_refused(tmp_path):
    path = _broken(tmp_path, 'wt_pct = { Sm = 36.0, Co = 64.0 }\nconfidence = "C"\n',
                   "wt_pct = { Sm = 36.0, Co = 64.0 }\n")
    with pytest.raises(DataFileError) as info:
        load_grades(path)
    assert (info.value.file, info.value.entry, info.value.field) == (str(path), "SmCo5/default", "confidence")


def test_an_unknown_element_symbol_is_refused(tmp_path):
    path = _broken(tmp_path, "wt_pct = { Sm = 36.0, Co = 64.0 }", "wt_pct = { Sm = 36.0, Xx = 64.0 }")
    with pytest.raises(DataFileError) as info:
        load_grades(path)
    assert info.value.entry == "SmCo5/default" and info.value.field == "wt_pct" and "Xx" in str(info.value)


def test_a_composition_over_100_percent_is_refused(tmp_path):
    path = _broken(tmp_path, "wt_pct = { Sm = 36.0, Co = 64.0 }", "wt_pct = { Sm = 40.0, Co = 64.0 }")
    with pytest.raises(DataFileError) as info:
        load_grades(path)
    assert info.value.entry == "SmCo5/default" and info.value.field == "wt_pct"


def test_an_unknown_class_and_a_missing_default_are_refused(tmp_path):
    path = _broken(tmp_path, 'class = "UH"', 'class = "XH"')
    with pytest.raises(DataFileError) as info:
        load_grades(path)
    assert info.value.entry == "NdFeB-sintered/UH" and info.value.field == "class"
    path = _broken(tmp_path, "default = true\n", "")
    with pytest.raises(DataFileError) as info:
        load_grades(path)
    assert info.value.entry == "NdFeB-sintered" and info.value.field == "default"


def test_a_bad_version_date_is_refused(tmp_path):
    path = _broken(tmp_path, 'version = "2026-11-29"', "version = \"last week\"")
    with pytest.raises(DataFileError) as info:
        load_grades(path)
    assert info.value.field == "version"
