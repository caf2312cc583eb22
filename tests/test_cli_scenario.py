"""`riskdesk scenario` as scripts use it: presets, files, JSON keys, exit codes, and agreement with `score`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from riskdesk.cli import EXIT_FILE, EXIT_INVALID, EXIT_OK, EXIT_USAGE, main
from tests.helpers.cli import run

AS_OF = "2026-11-23"


def scenario_file(tmp_path, name="s.json", **changes):
    data = {"name": "Dy x3 for six months", "start": "2027-01", "horizon_months": 24, "price_basis": "china",
            "price_shocks": [{"elements": ["Dy"], "shape": "step", "multiplier": 3, "from_month": 1, "months": 6}],
            "supply_cuts": []}
    data.update(changes)
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_list_shows_one_preset_a_line_its_name_first(capsys):
    code, out, _ = run(capsys, "scenario", "--list")
    lines = out.splitlines()
    assert code == EXIT_OK and len(lines) >= 5
    names = [line.split()[0] for line in lines]
    assert {"april-2025-licensing", "october-2025-back-in-force", "myanmar-heavy-feed-cut", "dfars-2027",
            "ndpr-floor-110"} <= set(names)
    assert all(len(line.split()) > 3 for line in lines), "then what it is"


def test_json_has_the_documented_keys(demo, capsys):
    code, out, _ = run(capsys, "scenario", demo, "--preset", "april-2025-licensing", "--as-of", AS_OF, "--json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert {"scenario", "months", "portfolio", "parts"} <= set(data)
    assert data["months"][0] == "2026-11" and len(data["months"]) == 24
    portfolio = data["portfolio"]
    assert {"baseline_cost", "scenario_cost", "delta", "delta_total"} <= set(portfolio)
    assert portfolio["delta"][0] == pytest.approx(portfolio["scenario_cost"][0] - portfolio["baseline_cost"][0],
                                                  abs=0.02)
    part = data["parts"][0]
    assert {"part_number", "baseline_cost", "scenario_cost", "delta_total", "stock_out"} <= set(part)
    assert {"tts_days", "ttr_days", "first_short_day", "days_short", "units_short", "shortfall_cost"} <= set(
        part["stock_out"])
    short = {p["part_number"]: p["stock_out"]["first_short_day"] for p in data["parts"]}
    assert short["PMP-EV-COOL"] == 19 and short["ELV-DRV-15"] is None  # the demo buyer is in the US: −82 %
    assert "monte_carlo" not in data
    other = data["other_basis"]
    assert other["price_basis"] == "china" and other["baseline_total"] < sum(portfolio["baseline_cost"])
    assert data["scenario"]["name"] == "April 2025 licensing, again" and data["scenario"]["price_basis"] == "ex-china"


def test_monte_carlo_keys_and_the_same_seed_gives_the_same_output(demo, capsys):
    args = ("scenario", demo, "--preset", "ndpr-floor-110", "--as-of", AS_OF, "--monte-carlo", 600, "--seed", 9,
            "--json")
    code, out, _ = run(capsys, *args)
    assert code == EXIT_OK
    mc = json.loads(out)["monte_carlo"]
    assert {"paths", "seed", "p5", "p25", "p50", "p75", "p95", "cost_at_risk", "expected_shortfall",
            "stop_probability"} <= set(mc)
    assert mc["paths"] == 600 and mc["seed"] == 9 and len(mc["p95"]) == 24
    assert all(a <= b <= c for a, b, c in zip(mc["p5"], mc["p50"], mc["p95"], strict=True))
    assert "MTR-TRAC-200" in mc["stop_probability"]
    assert run(capsys, *args)[1] == out


def test_twelve_baseline_months_sum_to_the_element_values_of_score_json(demo, tmp_path, capsys):
    _, out, _ = run(capsys, "score", demo, "--as-of", AS_OF, "--json")
    scores = json.loads(out)
    assert scores["settings"]["price_basis"] == "ex-china"  # the demo is a US buyer's: on the project's own basis
    _, out, _ = run(capsys, "scenario", demo, "--file", scenario_file(tmp_path, price_basis="ex-china"), "--as-of",
                    AS_OF, "--json")
    result = json.loads(out)
    values = {p["part_number"]: sum(p["elements_value"].values()) for p in scores["parts"]}
    for part in result["parts"]:
        assert sum(part["baseline_cost"][:12]) == pytest.approx(values[part["part_number"]], abs=0.1)
    assert sum(result["portfolio"]["baseline_cost"][:12]) == pytest.approx(
        sum(scores["portfolio"]["elements_value"].values()), abs=0.5)
    # ×3 on Dy for 6 months: 2 × the Dy value × 6/12.
    assert result["portfolio"]["delta_total"] == pytest.approx(scores["portfolio"]["elements_value"]["Dy"], abs=0.05)


def test_a_scenario_saved_in_the_project_runs_by_name(demo, tmp_path, capsys):
    from riskdesk.io.scenario_file import read_scenario
    from riskdesk.io.store.project_file import load_project, save_project

    project = load_project(demo)
    project.scenarios.append(read_scenario(scenario_file(tmp_path)).renamed("mine"))
    save_project(project, demo)
    code, out, _ = run(capsys, "scenario", demo, "--preset", "mine", "--as-of", AS_OF)
    assert code == EXIT_OK and out.startswith("mine — 2027-01 to 2028-12")


def test_the_text_report_names_the_parts_that_run_short_and_when(demo, capsys):
    code, out, _ = run(capsys, "scenario", demo, "--preset", "dfars-2027", "--as-of", AS_OF)
    assert code == EXIT_OK
    assert "Parts that run short (day 1 = 2027-01-01)" in out
    assert "ACT-FIN-07" in out and "day 1 (2027-01-01)" in out


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--preset", "no-such"), EXIT_USAGE, "no preset or saved scenario 'no-such' (presets: april-2025-licensing"),
    (("--file", "MISSING"), EXIT_FILE, "MISSING: file not found"),
    (("--file", "BAD"), EXIT_INVALID, "BAD: key 'price_shocks[1].shape' = \"spike\": not one of step, ramp, decay"),
    ((), EXIT_USAGE, "give --preset NAME (see --list) or --file SCENARIO.json"),
    (("--preset", "dfars-2027", "--chart", "out.png"), EXIT_USAGE, "--chart needs the window's chart drawing"),
])
def test_bad_input_gives_one_line_and_the_documented_exit_code(demo, tmp_path, capsys, args, code, message):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "start": "2027-01", "price_basis": "china",
                               "price_shocks": [{"elements": ["Dy"], "shape": "spike", "multiplier": 2,
                                                 "from_month": 1, "months": 1}]}), encoding="utf-8")
    args = tuple(str(bad) if a == "BAD" else str(tmp_path / "missing.json") if a == "MISSING" else a for a in args)
    got, out, err = run(capsys, "scenario", demo, *args)
    assert got == code and out == ""
    message = message.replace("BAD", str(bad)).replace("MISSING", str(tmp_path / "missing.json"))
    assert err.startswith("riskdesk: ") and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_cut_from_a_rule_that_cannot_cut_supply_is_refused_in_one_line(demo, tmp_path, capsys):
    cut = {"elements": [], "countries": ["CN"], "stages": ["magnet"], "share_lost": 1, "from_day": 1, "days": 9,
           "rule": "US-301-MAGNETS"}
    code, _, err = run(capsys, "scenario", demo, "--file", scenario_file(tmp_path, supply_cuts=[cut]))
    assert code == EXIT_INVALID and "key 'supply_cuts[1].rule' = \"US-301-MAGNETS\": a tariff 25 % rule is not" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("seed", ["-3", "x"])
def test_a_bad_seed_is_a_usage_error(demo, capsys, seed):
    with pytest.raises(SystemExit) as exited:
        main(["scenario", str(demo), "--preset", "dfars-2027", "--monte-carlo", "10", "--seed", seed])
    assert exited.value.code == EXIT_USAGE
    assert "--seed" in capsys.readouterr().err


def test_a_project_is_needed_unless_listing(capsys):
    code, _, err = run(capsys, "scenario", "--preset", "dfars-2027")
    assert code == EXIT_USAGE and "give a PROJECT" in err


def test_chart_goes_to_the_renderer_the_entry_point_supplies(demo, tmp_path, capsys):
    calls = []

    def renderer(result, monte_carlo, path: Path) -> Path:
        calls.append((result.scenario.name, monte_carlo is not None, path))
        path.write_bytes(b"png")
        return path

    out_png = tmp_path / "chart.png"
    code, out, _ = run(capsys, "scenario", demo, "--preset", "dfars-2027", "--monte-carlo", 50, "--chart", out_png,
                       renderer=renderer)
    assert code == EXIT_OK and calls == [("DFARS 2027 for defence parts", True, out_png)]
    assert f"wrote {out_png}" in out

    def broken(result, monte_carlo, path):
        raise ImportError("no Qt platform plugin")

    code, _, err = run(capsys, "scenario", demo, "--preset", "dfars-2027", "--chart", out_png, "--force",
                       renderer=broken)
    assert code == EXIT_USAGE and "charts cannot be drawn here" in err and err.count("\n") == 1


def test_save_as_keeps_the_scenario_in_the_project_and_list_shows_it_after_the_presets(demo, tmp_path, capsys):
    source = scenario_file(tmp_path)
    code, out, _ = run(capsys, "scenario", demo, "--file", source, "--as-of", AS_OF, "--save-as", "Dy spike")
    assert code == EXIT_OK and f"saved the scenario as 'Dy spike' in {demo}" in out

    code, out, _ = run(capsys, "scenario", demo, "--list")
    lines = out.splitlines()
    presets = run(capsys, "scenario", "--list")[1].splitlines()
    assert code == EXIT_OK and lines[:len(presets)] == presets
    assert lines[len(presets):] == [line for line in lines if "(saved in the project)" in line]
    assert lines[-1].startswith("Dy spike  (saved in the project)")

    by_file = json.loads(run(capsys, "scenario", demo, "--file", source, "--as-of", AS_OF, "--json")[1])
    by_name = json.loads(run(capsys, "scenario", demo, "--preset", "Dy spike", "--as-of", AS_OF, "--json")[1])
    assert by_name["portfolio"] == by_file["portfolio"] and by_name["scenario"]["name"] == "Dy spike"


def test_save_as_over_a_saved_name_needs_force_and_replaces_it_in_place(demo, tmp_path, capsys):
    from riskdesk.io.store.project_file import load_project

    for name in ("First", "Second"):
        assert run(capsys, "scenario", demo, "--file", scenario_file(tmp_path), "--as-of", AS_OF,
                   "--save-as", name)[0] == EXIT_OK
    before = demo.read_bytes()
    longer = scenario_file(tmp_path, "longer.json", horizon_months=36)
    code, _, err = run(capsys, "scenario", demo, "--file", longer, "--as-of", AS_OF, "--save-as", "First")
    assert code == EXIT_FILE and "already holds a scenario named 'First'" in err and "--force" in err
    assert demo.read_bytes() == before
    code, _, _ = run(capsys, "scenario", demo, "--file", longer, "--as-of", AS_OF, "--save-as", "First", "--force")
    saved = load_project(demo).scenarios
    assert code == EXIT_OK and [s.name for s in saved] == ["First", "Second"]
    assert saved[0].horizon_months == 36


def test_save_as_with_json_keeps_stdout_json(demo, tmp_path, capsys):
    code, out, err = run(capsys, "scenario", demo, "--file", scenario_file(tmp_path), "--as-of", AS_OF, "--json",
                         "--save-as", "Scripted")
    assert code == EXIT_OK and json.loads(out)["scenario"]["name"] and "saved the scenario as 'Scripted'" in err


def test_the_text_labels_both_price_bases_and_json_names_them(demo, capsys):
    code, out, _ = run(capsys, "scenario", demo, "--preset", "myanmar-heavy-feed-cut", "--as-of", AS_OF)
    assert code == EXIT_OK
    assert "USD, on China domestic prices (the scenario's basis): baseline" in out
    assert "  on ex-China spot prices instead: baseline" in out
    code, out, _ = run(capsys, "scenario", demo, "--preset", "myanmar-heavy-feed-cut", "--as-of", AS_OF, "--json")
    data = json.loads(out)
    assert data["portfolio"]["price_basis"] == "china" and data["portfolio"]["price_basis_label"] == "China domestic"
    assert data["other_basis"]["price_basis"] == "ex-china"
    assert data["other_basis"]["price_basis_label"] == "ex-China spot"


def test_tts_is_labelled_as_the_time_to_survive_the_first_cut_when_cuts_overlap(demo, tmp_path, capsys):
    """W2: with overlapping cuts a part runs short before TTS days; the text says TTS is for the first cut."""
    cuts = [{"elements": [], "countries": ["CN"], "stages": ["magnet"], "share_lost": 0.5, "from_day": 1, "days": 120},
            {"elements": [], "countries": ["CN"], "stages": ["magnet"], "share_lost": 1.0, "from_day": 20,
             "days": 60}]
    path = scenario_file(tmp_path, price_shocks=[], supply_cuts=cuts)
    code, out, _ = run(capsys, "scenario", demo, "--file", path, "--as-of", AS_OF, "--json")
    parts = [p["stock_out"] for p in json.loads(out)["parts"] if p["stock_out"]["first_short_day"]]
    assert any(p["first_short_day"] < p["tts_days"] + 1 for p in parts), "a part short before its TTS"
    code, out, _ = run(capsys, "scenario", demo, "--file", path, "--as-of", AS_OF)
    assert code == EXIT_OK and "TTS* d" in out
    assert "* TTS: time to survive the first cut" in out and "its first short day is exact" in out
