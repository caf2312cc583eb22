"""Scenario files: the JSON shape other tools write, read back exactly, and every bad file named in one line."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from riskdesk.core.scenarios import PriceShock, Scenario, SupplyCut
from riskdesk.io.scenario_file import ScenarioFileError, read_scenario, write_scenario

GOOD = {
    "name": "Dy and Tb spike",
    "start": "2027-01",
    "horizon_months": 24,
    "price_basis": "ex-china",
    "price_shocks": [{"elements": ["Dy", "Tb"], "shape": "decay", "multiplier": 3.0, "from_month": 1, "months": 12}],
    "supply_cuts": [{"elements": [], "countries": ["CN"], "stages": ["magnet"], "share_lost": 0.74, "from_day": 1,
                     "days": 61}],
}


def write(tmp_path, data, name="s.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def changed(path_to_key, value):
    data = json.loads(json.dumps(GOOD))
    target = data
    *parents, last = path_to_key
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


def test_a_scenario_file_round_trips(tmp_path):
    scenario = Scenario("x", dt.date(2027, 2, 1), 12, "china",
                        (PriceShock(("NdPr",), "step", price_usd_per_kg=129.42, months=12),),
                        (SupplyCut(("Dy",), ("MM",), ("mine",), 1.0, 10, 183, stock_usable=False),))
    path = tmp_path / "x.json"
    write_scenario(scenario, path)
    assert read_scenario(path) == scenario
    assert set(json.loads(path.read_text(encoding="utf-8"))) >= set(GOOD)


def test_the_documented_shape_reads_and_other_tools_keys_are_allowed(tmp_path):
    data = dict(GOOD, author="planning team", tool={"version": 2})
    scenario = read_scenario(write(tmp_path, data))
    assert scenario.start == dt.date(2027, 1, 1) and scenario.supply_cuts[0].share_lost == 0.74


@pytest.mark.parametrize(("data", "expected"), [
    ("{", "not valid JSON (line 1, column 2"),
    ([1, 2], "key '(top level)' = [1, 2]: expected an object"),
    (changed(["name"], KeyError), "key 'name': missing"),
    (changed(["start"], "2027-13"), "key 'start' = \"2027-13\": expected a month YYYY-MM"),
    (changed(["horizon_months"], 0), "key 'horizon_months' = 0: outside [1, 120]"),
    (changed(["horizon_months"], 2.5), "key 'horizon_months' = 2.5: expected a whole number"),
    (changed(["price_basis"], "europe"), "key 'price_basis' = \"europe\": not one of china, ex-china"),
    (changed(["price_shocks", 0, "shape"], "spike"), "key 'price_shocks[1].shape' = \"spike\": not one of step"),
    (changed(["price_shocks", 0, "elements"], ["Dy", "Xx"]), "key 'price_shocks[1].elements[2]' = \"Xx\""),
    (changed(["price_shocks", 0, "price_usd_per_kg"], 900), "give either 'multiplier' or 'price_usd_per_kg'"),
    (changed(["price_shocks", 0, "multiplier"], -2), "key 'price_shocks[1].multiplier' = -2: outside (0, 1000]"),
    (changed(["price_shocks", 0, "multiplier"], "3x"), "key 'price_shocks[1].multiplier' = \"3x\": expected a num"),
    (changed(["supply_cuts", 0, "share_lost"], 74), "key 'supply_cuts[1].share_lost' = 74: outside (0, 1]"),
    (changed(["supply_cuts", 0, "countries"], ["CN", "Atlantis"]), "key 'supply_cuts[1].countries[2]' = \"Atl"),
    (changed(["supply_cuts", 0, "stages"], ["shipping"]), "key 'supply_cuts[1].stages[1]' = \"shipping\""),
    (changed(["supply_cuts", 0, "from_day"], 0), "key 'supply_cuts[1].from_day' = 0: outside [1, "),
    (changed(["supply_cuts", 0, "rule"], "CN-NOPE"), "key 'supply_cuts[1].rule' = \"CN-NOPE\": no control rule"),
    (dict(GOOD, horizon_month=12), "key 'horizon_month' = 12: unknown key: did you mean 'horizon_months'?"),
    (changed(["supply_cuts", 0, "share_lst"], 0.5), "key 'supply_cuts[1].share_lst' = 0.5: unknown key: did you"),
])
def test_every_bad_file_gives_one_line_naming_the_file_key_and_value(tmp_path, data, expected):
    path = write(tmp_path, data)
    with pytest.raises(ScenarioFileError) as caught:
        read_scenario(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and expected in message
    assert "\n" not in message and not caught.value.unreadable


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(tmp_path, constant):
    text = json.dumps(GOOD).replace('"multiplier": 3.0', f'"multiplier": {constant}')
    with pytest.raises(ScenarioFileError, match=r"price_shocks\[1\]\.multiplier' = .*not a finite number"):
        read_scenario(write(tmp_path, text))


def test_a_missing_folder_or_binary_file_is_named(tmp_path):
    with pytest.raises(ScenarioFileError, match="file not found") as caught:
        read_scenario(tmp_path / "nope.json")
    assert caught.value.unreadable
    with pytest.raises(ScenarioFileError, match="is a folder"):
        read_scenario(tmp_path)
    binary = tmp_path / "b.json"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ScenarioFileError, match="not a text file"):
        read_scenario(binary)
