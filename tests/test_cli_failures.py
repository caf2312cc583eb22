"""Issue 19 on the command line: every failure is one line with its exit code, and nothing changes — huge numbers
and far dates in scenario files and control lists, scenarios whose shocks would overflow, mappings that are not
mappings, a damaged settings file, text from files that would drive the terminal, and a project changed by another
program while a command ran. docs/reliability.md lists which test holds which promise."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import pytest

from riskdesk.cli import EXIT_FILE, EXIT_INVALID, EXIT_OK
from riskdesk.core.resources import resource_path
from riskdesk.core.rules import MAX_RULES
from riskdesk.core.scenarios import MAX_CUTS
from riskdesk.io import userdirs
from tests.helpers.cli import run
from tests.test_cli import ROW, write_template_csv

AS_OF = "2026-11-23"
DY_X1000 = {"elements": ["Dy"], "shape": "step", "multiplier": 1000, "from_month": 1, "months": 12}


def _one_line(err: str) -> None:
    assert err.startswith("riskdesk: ") and err.count("\n") == 1 and "Traceback" not in err, err


def _scenario(tmp_path, text: str | None = None, **changes):
    data = {"name": "Dy x3", "start": "2027-01", "horizon_months": 24, "price_basis": "china",
            "price_shocks": [{"elements": ["Dy"], "shape": "step", "multiplier": 3, "from_month": 1, "months": 6}],
            "supply_cuts": []}
    data.update(changes)
    path = tmp_path / "s.json"
    path.write_text(text if text is not None else json.dumps(data), encoding="utf-8")
    return path


# ---- scenario files -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("case", "message"), [
    ("digits", "key 'price_shocks[1].months' = Infinity: not a finite number (or far too large to be one)"),
    ("digits400", "key 'horizon_months' = Infinity: not a finite number"),
    ("year9999", "key 'start' = \"9999-12\": a scenario starts from 2000-01 to 2099-12"),
    ("duplicate", "key 'name' appears twice in one object"),
    ("overflow", "key 'price_shocks': the 103 shocks on Dy together move its price ×1e309 in month 1 (2027-01); "
                 "a scenario may move a price at most ×1,000 in all"),
    ("sixty", "the 60 shocks on Dy together move its price ×1e180"),
    ("two", "the 2 shocks on Dy together move its price ×1,000,000"),
    ("cuts", f"key 'supply_cuts': {MAX_CUTS + 1:,} of them; a scenario holds at most {MAX_CUTS:,}"),
])
def test_a_scenario_file_beyond_the_bounds_is_one_line_with_exit_3(demo, tmp_path, capsys, case, message):
    cut = {"elements": [], "countries": ["CN"], "stages": ["magnet"], "share_lost": 0.5, "from_day": 1, "days": 9}
    path = {
        "digits": lambda: _scenario(tmp_path, json.dumps({"name": "x", "start": "2027-01", "price_shocks": [
            {**DY_X1000, "months": 12}]}).replace('"months": 12', '"months": ' + "9" * 5000)),
        "digits400": lambda: _scenario(tmp_path, '{"name": "x", "start": "2027-01", "horizon_months": '
                                       + "9" * 400 + "}"),
        "year9999": lambda: _scenario(tmp_path, start="9999-12", horizon_months=120),
        "duplicate": lambda: _scenario(tmp_path, '{"name": "a", "name": "b", "start": "2027-01"}'),
        "overflow": lambda: _scenario(tmp_path, price_shocks=[DY_X1000] * 103),
        "sixty": lambda: _scenario(tmp_path, price_shocks=[DY_X1000] * 60),
        "two": lambda: _scenario(tmp_path, price_shocks=[DY_X1000] * 2),
        "cuts": lambda: _scenario(tmp_path, supply_cuts=[cut] * (MAX_CUTS + 1)),
    }[case]()
    before = demo.read_bytes()
    code, out, err = run(capsys, "scenario", demo, "--file", path, "--as-of", AS_OF)
    assert code == EXIT_INVALID and out == ""
    _one_line(err)
    assert f"{path}: " in err and message in err
    assert demo.read_bytes() == before


def test_one_shock_of_x1000_is_still_a_scenario_and_its_results_are_finite(demo, tmp_path, capsys):
    code, out, _ = run(capsys, "scenario", demo, "--file", _scenario(tmp_path, price_shocks=[DY_X1000]), "--json",
                       "--as-of", AS_OF)
    data = json.loads(out, parse_constant=lambda name: pytest.fail(f"bare {name} in the JSON"))
    assert code == EXIT_OK and data["portfolio"]["delta_total"] > 0


@pytest.mark.parametrize("args", [("scenario", "--preset", "april-2025-licensing"),
                                  ("report", "OUT", "--scenario", "april-2025-licensing")])
def test_a_preset_starting_in_the_month_of_a_far_as_of_date_is_one_line(demo, tmp_path, capsys, args):
    args = tuple(str(tmp_path / "r.xlsx") if a == "OUT" else a for a in args)
    code, _, err = run(capsys, args[0], demo, *args[1:], "--as-of", "9999-12-31")
    assert code == EXIT_INVALID
    _one_line(err)
    assert "a scenario starts from 2000-01 to 2099-12" in err and not (tmp_path / "r.xlsx").exists()


def test_a_scenario_name_cannot_drive_the_terminal(demo, tmp_path, capsys):
    name = "x\u001b[31mRED\u001b[0m\r\nfake line\u202e"
    code, out, _ = run(capsys, "scenario", demo, "--file", _scenario(tmp_path, name=name), "--as-of", AS_OF)
    assert code == EXIT_OK
    assert "\x1b" not in out and "\r" not in out and "\u202e" not in out
    assert out.splitlines()[0].startswith(r"x\x1b[31mRED\x1b[0m\r\nfake line\u202e — 2027-01")


def test_an_error_message_holding_text_from_a_file_stays_one_visible_line(demo, tmp_path, capsys):
    path = _scenario(tmp_path, price_basis="x\u001b[2J\nriskdesk: all good\u202e")
    code, _, err = run(capsys, "scenario", demo, "--file", path)
    assert code == EXIT_INVALID
    _one_line(err)
    assert "\x1b" not in err and "\u202e" not in err and r"\u202e" in err


# ---- control lists --------------------------------------------------------------------------------------------

def _control_list(tmp_path, change):
    text = resource_path("rules", "control_list.toml").read_text(encoding="utf-8")
    path = tmp_path / "list.toml"
    path.write_text(change(text), encoding="utf-8")
    return path


def _later_date(text: str, day: str) -> str:
    return text.replace("date = 2026-12-06", f"date = {day}", 1)


@pytest.mark.parametrize(("command", "case", "message"), [
    ("diff", "digits", "holds a number that cannot be read (Exceeds the limit (4300 digits)"),
    ("file", "digits", "holds a number that cannot be read"),
    ("score", "digits", "holds a number that cannot be read"),
    ("score", "digits400", "field 'rate_pct': 999999999999… (400 digits) is not a finite number"),
    ("report", "digits400", "field 'rate_pct': 999999999999… (400 digits) is not a finite number"),
    ("scenario", "ahead", "more than a year after today"),
    ("diff", "year9999", "entry header, field 'date': 9999-12-31 is not a plausible date (from 1900-01-01 to "
                         "2199-12-31)"),
    ("diff", "ahead", "entry header, field 'date': the list is dated 2150-01-01, more than a year after today"),
    ("file", "ahead", "more than a year after today"),
    ("diff", "rule_year1", "field 'announced': 0001-01-01 is not a plausible date"),
    ("diff", "many", f"{MAX_RULES + 1:,} [[rule]] tables: a control list holds at most {MAX_RULES}"),
])
def test_a_control_list_with_huge_numbers_far_dates_or_too_many_rules_is_one_line(demo, tmp_path, capsys, command,
                                                                                   case, message):
    def many(text: str) -> str:
        start = text.index("\n[[rule]]\n") + 1
        end = text.index("\n[[rule]]\n", start) + 1
        block = text[start:end]
        copies = [re.sub(r'^id = "([^"]+)"', rf'id = "\1-{n}"', block, count=1, flags=re.M)
                  for n in range(MAX_RULES + 1 - text.count("\n[[rule]]\n"))]
        return text[:end] + "".join(copies) + text[end:]

    change = {
        "digits": lambda t: re.sub(r"rate_pct = [0-9.]+", "rate_pct = " + "9" * 5000, t, count=1),
        "digits400": lambda t: re.sub(r"rate_pct = [0-9.]+", "rate_pct = " + "9" * 400, t, count=1),
        "year9999": lambda t: _later_date(t, "9999-12-31"),
        "ahead": lambda t: _later_date(t, "2150-01-01"),
        "rule_year1": lambda t: re.sub(r"announced = \d{4}-\d\d-\d\d", "announced = 0001-01-01", t, count=1),
        "many": many,
    }[case]
    path = _control_list(tmp_path, change)
    args = {"diff": ("rules", "--diff", path), "file": ("rules", "--file", path),
            "score": ("score", demo, "--rules", path),
            "report": ("report", demo, tmp_path / "report.xlsx", "--rules", path),
            "scenario": ("scenario", demo, "--preset", "dfars-2027", "--rules", path)}[command]
    started = time.perf_counter()
    code, out, err = run(capsys, *args)
    assert code == EXIT_INVALID and out == ""
    _one_line(err)
    assert message in err and str(path) in err
    assert time.perf_counter() - started < 5


def test_a_list_dated_within_the_year_ahead_is_still_an_update(tmp_path, capsys):
    ahead = (dt.date.today() + dt.timedelta(days=300)).isoformat()
    code, out, _ = run(capsys, "rules", "--diff", _control_list(tmp_path, lambda t: _later_date(t, ahead)))
    assert code == EXIT_OK and out


# ---- --mapping ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    ("[" * 100_000, "nested too deeply to be a mapping"),
    ("null", "holds null, not a mapping"),
    ("5", "holds 5, not a mapping"),
    ("[]", "holds an empty list, not a mapping"),
    ('"columns"', "holds \"columns\", not a mapping"),
])
def test_a_mapping_file_that_is_not_a_mapping_is_refused_not_ignored(demo, tmp_path, capsys, content, message):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    mapping = tmp_path / "m.json"
    mapping.write_text(content, encoding="utf-8")
    before = demo.read_bytes()
    code, out, err = run(capsys, "import", demo, source, "--mapping", mapping)
    assert code == EXIT_INVALID and out == ""
    _one_line(err)
    assert message in err and str(mapping) in err
    assert demo.read_bytes() == before


# ---- a damaged settings file ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("content", "damaged"), [
    ('{"schema_version": "abc"}', "schema_version"),
    ('{"schema_version": -1}', "schema_version"),
    ('{"schema_version": [1]}', "schema_version"),
    ('{"schema_version": 1e400}', "schema_version"),
    ('{"recent_files": 5, "autosave_seconds": 12}', "recent_files"),
    ('{"import_max_rows": 0}', "import_max_rows"),
    ('{"import_max_rows": 5}', "import_max_rows"),
    ("[1]", "not a JSON object"),
    ("{not json", "not valid JSON"),
])
def test_a_damaged_settings_file_is_one_line_and_every_import_still_runs(demo, tmp_path, capsys, content, damaged):
    settings = userdirs.init().settings_file
    settings.write_text(content, encoding="utf-8")
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    code, out, err = run(capsys, "import", demo, source)
    assert code == EXIT_OK and "imported" in out
    _one_line(err)
    kept = [p for p in settings.parent.iterdir() if p.name.startswith("settings.json.damaged-")]
    assert len(kept) == 1 and kept[0].read_text(encoding="utf-8") == content  # what the user had is kept
    assert f"{settings} was damaged" in err and damaged in err and f"kept as {kept[0]}" in err
    assert userdirs.read_app_settings()[1] == ""  # repaired: said once
    code, _, err = run(capsys, "import", demo, source, "--dry-run")
    assert code == EXIT_OK and err == ""
    if "autosave_seconds" in content:  # a bad list of recent files does not reset the autosave timing
        assert userdirs.load_app_settings().autosave_seconds == 12


# ---- another program saved meanwhile --------------------------------------------------------------------------

CHANGED_MEANWHILE = {
    "import": (["import", "{project}", "{source}"], "nothing was imported"),
    "scenario --save-as": (["scenario", "{project}", "--preset", "dfars-2027", "--save-as", "Saved"],
                           "no scenario was saved"),
}


@pytest.mark.parametrize("writer", list(CHANGED_MEANWHILE))
def test_a_project_changed_while_a_writer_ran_says_what_the_command_line_can_do(demo, tmp_path, capsys,
                                                                                monkeypatch, writer):
    import riskdesk.cli as cli
    from riskdesk.io.store.project_file import load_project

    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    read = cli._read_for_writing

    def read_then_another_program_saves(store):
        project, state = read(store)
        store.save(project, state)  # another program (without the lock) saves meanwhile
        return project, state

    monkeypatch.setattr(cli, "_read_for_writing", read_then_another_program_saves)
    before = demo.read_bytes()
    arguments, doing = CHANGED_MEANWHILE[writer]
    code, _, err = run(capsys, *[a.format(project=demo, source=source) for a in arguments])
    assert code == EXIT_FILE
    _one_line(err)
    assert "was changed by another program while this command ran" in err
    assert doing in err and "run the command again" in err
    assert "reload" not in err and "another name" not in err and "overwrite" not in err
    assert demo.read_bytes() != before  # the other program's save stands …
    after = load_project(demo)
    assert "X-1" not in set(after.tables.parts["part_number"]) and not after.scenarios  # … and nothing of this one


@pytest.mark.parametrize("command", [["score", "{at}"], ["import", "{at}", "{source}"], ["demo", "{at}"],
                                     ["report", "{at}", "{out}"], ["scenario", "{at}", "--list"]])
def test_a_workspace_that_cannot_be_reached_is_one_line_and_exit_1_never_showing_the_password(tmp_path, capsys,
                                                                                             command):
    import socket

    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    with socket.socket() as probe:  # a port of this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        at = f"postgresql://ana:s3cret@127.0.0.1:{probe.getsockname()[1]}/riskdesk?workspace=eu"
        code, out, err = run(capsys, *[a.format(at=at, source=source, out=tmp_path / "r.xlsx") for a in command])
    assert code == 1 and (out == "" or command[-1] == "--list")  # --list shows the presets before the project's
    _one_line(err)
    assert "cannot be reached" in err and "s3cret" not in err and "ana@127.0.0.1" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bom.csv"]  # nothing written, no folder made


def test_json_output_escapes_what_would_drive_the_terminal_and_reads_back_the_same(demo, tmp_path, capsys):
    name = "Dy \u202eevil\u2028 北陸"
    code, out, _ = run(capsys, "scenario", demo, "--file", _scenario(tmp_path, name=name), "--json", "--as-of", AS_OF)
    assert code == EXIT_OK and "\u202e" not in out and "\u2028" not in out
    assert json.loads(out)["scenario"]["name"] == name


# ---- the long run's quick versions ------------------------------------------------------------------------------

def test_fifty_fuzzed_scenario_files_are_a_finite_result_or_one_line(tmp_path):
    from bench.reliability import fuzzed_scenario_files

    figures = fuzzed_scenario_files(50, tmp_path)
    assert figures.ok, figures.line()
    assert figures.runs == 50 and figures.counts["exit 3"] > 0


def test_fifty_fuzzed_settings_files_never_stop_an_import(tmp_path):
    from bench.reliability import fuzzed_settings_files

    figures = fuzzed_settings_files(50, tmp_path)
    assert figures.ok, figures.line()
    assert figures.runs == 50 and figures.counts["said damaged"] > 0
