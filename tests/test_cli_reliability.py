"""Issue 15 on the command line: two writers, hostile numbers, outputs that would overwrite the project, locked
and damaged files — each case as a script meets it: one line on stderr, the exit code, and the project as it was.
docs/reliability.md lists which test holds which promise."""

from __future__ import annotations

import json

import pytest

from riskdesk.cli import EXIT_INVALID, EXIT_OK
from tests.helpers.cli import run
from tests.test_cli import ROW, write_template_csv

# ---- 2. hostile numbers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("column, value", [("magnet_mass_g", "1e308"), ("unit_price", "1e308"),
                                           ("annual_units", "1e309"), ("stock_days", "9e99")])
def test_an_implausible_number_is_refused_and_the_project_is_unchanged(demo, tmp_path, capsys, column, value):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [{**ROW, column: value}])
    before = demo.read_bytes()
    code, _, err = run(capsys, "import", demo, source)
    assert code == EXIT_INVALID, err
    assert "is not plausible here" in err and "nothing was imported" in err
    assert demo.read_bytes() == before


def test_an_xlsx_cell_holding_inf_is_refused(tmp_path, capsys):
    from tests.io.helpers import sheet_xml, write_raw_xlsx

    header = ["part_number", "magnet_family", "magnet_mass_g", "annual_units", "supplier_id", "share_pct"]
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(header))
    row = ('<c r="A2" t="inlineStr"><is><t>X-1</t></is></c><c r="B2" t="inlineStr"><is><t>NdFeB</t></is></c>'
           '<c r="C2"><v>INF</v></c><c r="D2"><v>1000</v></c><c r="E2" t="inlineStr"><is><t>S1</t></is></c>'
           '<c r="F2"><v>100</v></c>')
    source = write_raw_xlsx(tmp_path / "inf.xlsx", sheet_xml(
        f'<dimension ref="A1:F2"/><sheetData><row r="1">{cells}</row><row r="2">{row}</row></sheetData>'))
    project = tmp_path / "p.rdproj"
    code, _, err = run(capsys, "import", project, source)
    assert code == EXIT_INVALID, err
    assert "not plausible" in err and not project.exists()


def test_score_json_is_strict_json_and_a_red_part_never_reads_green(tmp_path, capsys):
    from riskdesk.io.store.project_file import load_project, save_project

    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    project = tmp_path / "p.rdproj"
    assert run(capsys, "import", project, source)[0] == EXIT_OK
    loaded = load_project(project)  # a file damaged outside RiskDesk: the mass is infinite
    loaded.tables.parts.loc[0, "magnet_mass_g"] = float("inf")
    loaded.settings.weights["price"] = float("nan")
    save_project(loaded, project)
    code, _, err = run(capsys, "score", project, "--json")
    assert code == EXIT_INVALID and "not plausible" in err  # refused, not scored from infinity
    loaded.tables.parts.loc[0, "magnet_mass_g"] = 100.0
    save_project(loaded, project)
    code, out, _ = run(capsys, "score", project, "--json", "--as-of", "2026-11-23")
    data = json.loads(out, parse_constant=lambda name: pytest.fail(f"bare {name} in the JSON"))
    assert code == EXIT_OK and data["parts"][0]["band"] == "red"
    assert data["settings"]["weights"]["price"] == 0.0  # a NaN weight counts 0, and is stored so


# ---- 1. two writers ------------------------------------------------------------------------------------------------

def _parts(project):
    from riskdesk.io.store.project_file import load_project

    return set(load_project(project).tables.parts["part_number"])


def test_an_import_waits_for_the_lock_and_names_the_holder_when_it_stays(demo, tmp_path, capsys, monkeypatch):
    from riskdesk.io import store
    from riskdesk.io.store import open_store

    monkeypatch.setattr(store, "CLI_WAIT_S", 0.2)
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    before = demo.read_bytes()
    with open_store(demo).lease():  # a window has it open
        code, _, err = run(capsys, "import", demo, source)
        assert code == 1 and "is in use by" in err and "since" in err and "nothing was imported" in err
        assert run(capsys, "import", demo, source, "--dry-run")[0] == EXIT_OK  # reading needs no lock
        assert run(capsys, "score", demo)[0] == EXIT_OK
    assert demo.read_bytes() == before
    assert run(capsys, "import", demo, source)[0] == EXIT_OK
    assert not list(tmp_path.glob(".~*.lock"))  # the lock file goes with the lock


def test_two_concurrent_imports_never_lose_one(demo, tmp_path):
    """3 tries here; 100 in the long run (bench/reliability.py)."""
    import subprocess
    import sys

    sources = []
    for name in ("A", "B"):
        source = tmp_path / f"{name}.csv"
        write_template_csv(source, [{**ROW, "part_number": f"{name}-1", "supplier_id": f"S-{name}"}])
        sources.append(source)
    command = [sys.executable, "-c", "import sys; from riskdesk.cli import main; sys.exit(main(sys.argv[1:]))"]
    for _ in range(3):
        runs = [subprocess.Popen([*command, "import", str(demo), str(s)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for s in sources]
        codes = [r.wait(timeout=60) for r in runs]
        assert codes == [0, 0], [r.stderr.read() for r in runs]
        assert {"A-1", "B-1"} <= _parts(demo)
        from riskdesk.io.store.project_file import load_project, save_project

        project = load_project(demo)
        project.tables.parts = project.tables.parts[~project.tables.parts["part_number"].isin(["A-1", "B-1"])]
        save_project(project, demo)


# ---- 3. outputs that would overwrite the project ------------------------------------------------------------------

@pytest.mark.parametrize("option", ["--report", "--save-mapping"])
def test_an_output_over_the_project_or_an_input_is_refused_even_with_force(demo, tmp_path, capsys, option):
    source = tmp_path / "bad.csv"
    source.write_text("part_number,magnet_family\nX,NdFeB\n", encoding="utf-8")
    before, source_before = demo.read_bytes(), source.read_bytes()
    extra = ["--show-mapping"] if option == "--save-mapping" else []
    for target in (demo, source):
        code, _, err = run(capsys, "import", demo, source, *extra, option, target, "--force")
        assert code == 1 and "would destroy it" in err
    assert demo.read_bytes() == before and source.read_bytes() == source_before


def test_an_existing_output_needs_force_and_is_replaced_whole(demo, tmp_path, capsys):
    source = tmp_path / "bad.csv"
    source.write_text("part_number,magnet_family\nX,NdFeB\n", encoding="utf-8")
    report = tmp_path / "report.xlsx"
    report.write_bytes(b"the user's own workbook")
    code, _, err = run(capsys, "import", demo, source, "--report", report)
    assert code == 1 and "already exists" in err and "--force" in err
    assert report.read_bytes() == b"the user's own workbook"
    assert run(capsys, "import", demo, source, "--report", report, "--force")[0] == EXIT_INVALID
    assert report.read_bytes()[:2] == b"PK"
    assert not [p for p in tmp_path.iterdir() if ".writing" in p.name]


def test_template_into_a_missing_folder_or_over_a_file_is_one_line_and_leaves_nothing(tmp_path, capsys):
    code, _, err = run(capsys, "template", tmp_path / "missing" / "t.xlsx")
    assert code == 1 and "does not exist" in err and not (tmp_path / "missing").exists()
    project = tmp_path / "p.rdproj"
    assert run(capsys, "demo", project)[0] == EXIT_OK
    before = project.read_bytes()
    for force in ([], ["--force"]):
        code, _, err = run(capsys, "template", project, *force)
        assert code == 2 and "ending in .xlsx" in err and project.read_bytes() == before
    assert run(capsys, "template", tmp_path / "t.xlsx")[0] == EXIT_OK
    assert run(capsys, "template", tmp_path / "t.xlsx", "--force")[0] == EXIT_OK
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.rdproj", "t.xlsx"]


def test_template_force_never_replaces_a_project_whatever_its_name_or_link(demo, tmp_path, capsys):
    import os
    import shutil

    before = demo.read_bytes()
    copy = tmp_path / "copy.xlsx"
    shutil.copyfile(demo, copy)
    os.link(demo, tmp_path / "hard.xlsx")
    (tmp_path / "soft.xlsx").symlink_to(demo)
    for target in (copy, tmp_path / "hard.xlsx", tmp_path / "soft.xlsx"):
        code, _, err = run(capsys, "template", target, "--force")
        assert code == 1 and "is a RiskDesk project" in err and "would destroy it" in err and err.count("\n") == 1
    assert demo.read_bytes() == before and copy.read_bytes() == before


def test_an_import_report_or_mapping_over_any_project_is_refused(demo, tmp_path, capsys):
    import os

    source = tmp_path / "bad.csv"
    source.write_text("part_number,magnet_family\nX,NdFeB\n", encoding="utf-8")
    other = tmp_path / "other.rdproj"
    assert run(capsys, "demo", other)[0] == EXIT_OK
    before = other.read_bytes()
    os.link(other, tmp_path / "other.xlsx")
    code, _, err = run(capsys, "import", demo, source, "--report", tmp_path / "other.xlsx", "--force")
    assert code == 1 and "is a RiskDesk project" in err
    code, _, err = run(capsys, "import", demo, source, "--show-mapping", "--save-mapping", other, "--force")
    assert code == 1 and "is the project" not in err and ".rdproj" in err
    assert other.read_bytes() == before


def test_demo_never_replaces_a_project_without_force(demo, tmp_path, capsys):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    assert run(capsys, "import", demo, source)[0] == EXIT_OK
    before = demo.read_bytes()
    code, _, err = run(capsys, "demo", demo)
    assert code == 1 and "already exists" in err and demo.read_bytes() == before
    assert run(capsys, "demo", demo, "--force")[0] == EXIT_OK and "X-1" not in _parts(demo)


# ---- 4. writers keep what they do not own -------------------------------------------------------------------------

def _plain(value):
    """A field of a Project as plain data, to compare two projects field by field."""
    import datetime as dt

    from riskdesk.core.project import ProjectSettings, ProjectTables

    if isinstance(value, ProjectSettings):
        return value.to_json()
    if isinstance(value, ProjectTables):
        return {name: getattr(value, name).to_dict("list") for name in ("parts", "suppliers", "paths", "composition")}
    if isinstance(value, list):
        return [item.to_json() for item in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def test_the_project_with_everything_fills_every_field_of_a_project():
    """So that a field added to Project later is covered by the writer tests below (add it to the builder)."""
    import dataclasses

    from riskdesk.core.project import Project
    from tests.helpers.builders import project_with_everything

    full, new = project_with_everything(), Project()
    for spec in dataclasses.fields(Project):
        assert _plain(getattr(full, spec.name)) != _plain(getattr(new, spec.name)), spec.name


@pytest.fixture
def full(tmp_path):
    from riskdesk.io.store.project_file import save_project
    from tests.helpers.builders import project_with_everything

    path = tmp_path / "full.rdproj"
    save_project(project_with_everything(), path)
    return path


WRITERS = {
    "import": (["import", "{project}", "{source}"], {"tables", "saved_mappings"}),
    "import, skipping rows with errors": (["import", "{project}", "{source}", "--skip-error-rows"],
                                          {"tables", "saved_mappings"}),
    "import without the lock": (["import", "{project}", "{source}", "--no-lock"], {"tables", "saved_mappings"}),
    "scenario --save-as": (["scenario", "{project}", "--preset", "dfars-2027", "--save-as", "Saved by a script"],
                           {"scenarios"}),
    "request": (["request", "{project}", "{source}-requests", "--supplier", "SUP-CN1"], {"declarations"}),
}
"""Every command that saves into an existing project, with the fields of the project it may change. (`demo
--force` replaces a project with the demo by design; `new` refuses an existing file.)"""


@pytest.mark.parametrize("writer", list(WRITERS))
def test_every_writer_keeps_what_it_does_not_own(full, tmp_path, capsys, writer):
    import dataclasses

    from riskdesk.core.project import Project
    from riskdesk.io.store.project_file import load_project

    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    before = load_project(full)
    arguments, changes = WRITERS[writer]
    code, _, err = run(capsys, *[a.format(project=full, source=source) for a in arguments])
    assert code == EXIT_OK, err
    after = load_project(full)
    for spec in dataclasses.fields(Project):
        old, new = _plain(getattr(before, spec.name)), _plain(getattr(after, spec.name))
        if spec.name not in changes:
            assert new == old, f"{writer} changed the project's {spec.name}"
        elif isinstance(old, list):
            assert new[:len(old)] == old, f"{writer} lost {spec.name} it does not own"
        elif isinstance(old, dict) and spec.name == "saved_mappings":
            assert old.items() <= new.items(), f"{writer} lost saved mappings"
        elif spec.name == "declarations":
            assert new.requests[:len(old.requests)] == old.requests and len(new.requests) > len(old.requests)
    if "tables" in changes:  # the import's part came in, the project's own parts stayed
        parts = set(after.tables.parts["part_number"])
        assert "X-1" in parts and set(before.tables.parts["part_number"]) <= parts


def test_every_writer_leaves_what_it_did_in_the_projects_history(demo, tmp_path, capsys):
    from riskdesk.io.store import Revision, open_store

    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    assert run(capsys, "import", demo, source)[0] == EXIT_OK
    assert run(capsys, "scenario", demo, "--preset", "dfars-2027", "--save-as", "By a script")[0] == EXIT_OK
    history = open_store(demo).changes_since(Revision(0))
    assert [entry.text.split(":")[0] for entry in history] == ["Demo project", "Import bom.csv",
                                                               "Save scenario 'By a script'"]
    imported = history[1].changes  # one change set, naming the file read (docs/workspace.md)
    assert "1 part" in history[1].text and imported is not None and imported.source["kind"] == "import"
    assert [f["file"] for f in imported.source["files"]] == ["bom.csv"]
    saving = history[2].changes  # a commit: the change itself
    assert saving is not None and [w.name for w in saving.wholes] == ["scenarios"]
    assert [s.name for s in saving.wholes[0].new] == ["By a script"]
    assert saving.source["command"] == "scenario --save-as"


# ---- 5. locks that cannot be taken --------------------------------------------------------------------------------

@pytest.mark.parametrize("command", [["import", "{project}", "{source}"], ["demo", "{project}", "--force"],
                                     ["scenario", "{project}", "--preset", "dfars-2027", "--save-as", "S"]])
def test_a_writer_refuses_a_lock_it_cannot_take_and_no_lock_works_on_saying_so(demo, tmp_path, capsys, command):
    from riskdesk.io.store.lock import lock_path

    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    lock_path(demo).mkdir()  # planted by anyone who can write the folder
    before = demo.read_bytes()
    arguments = [a.format(project=demo, source=source) for a in command]
    code, _, err = run(capsys, *arguments)
    assert code == 1 and "is a folder, not RiskDesk's lock file" in err and "--no-lock" in err
    assert len(err.strip().splitlines()) == 1 and demo.read_bytes() == before
    code, _, err = run(capsys, *arguments, "--no-lock")
    assert code == EXIT_OK and "working without the lock: " in err and demo.read_bytes() != before


@pytest.mark.parametrize("command", [["new", "{missing}"], ["demo", "{missing}"], ["import", "{missing}", "{source}"]])
def test_writers_never_create_missing_folders(tmp_path, capsys, command):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    missing = tmp_path / "typo" / "a" / "p.rdproj"
    code, _, err = run(capsys, *[a.format(missing=missing, source=source) for a in command])
    assert code == 1 and "does not exist" in err and not (tmp_path / "typo").exists()


def test_an_import_into_a_write_protected_project_is_refused(demo, tmp_path, capsys):
    import os

    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    os.chmod(demo, 0o444)
    before = demo.read_bytes()
    code, _, err = run(capsys, "import", demo, source)
    assert code == 1 and "read-only" in err and demo.read_bytes() == before


# ---- 6. the long run's concurrency cases, a few tries each ----------------------------------------------------------

def test_an_import_and_a_scenario_save_at_once_lose_nothing(tmp_path):
    from bench.reliability import import_and_scenario_save

    figures = import_and_scenario_save(3, tmp_path)
    assert figures.ok, figures.line()


def test_two_imports_without_the_lock_never_both_succeed_when_one_would_be_lost(tmp_path):
    from bench.reliability import no_lock_race

    figures = no_lock_race(3, tmp_path)
    assert figures.ok, figures.line()


def test_two_users_importing_into_a_shared_folder_lose_nothing(tmp_path):
    from bench.reliability import interpreter_for_others, two_users_shared_folder
    from tests.helpers.needs import need
    from tests.helpers.other_user import team_folder

    need(interpreter_for_others() is not None, "needs root, setpriv and a Python other users can run")
    with team_folder(0o2775) as folder:
        figures = two_users_shared_folder(2, folder / "run")
    assert figures.ok, figures.line()


def test_a_file_from_one_supplier_keeps_another_suppliers_path_of_the_same_part(tmp_path, capsys):
    """arch2.md §4.1: base P1 {A 60 %, B 40 %} and an answer {P1, A 60 %, mine MY}: B's path stays (unless
    --replace-parts says the file is the part's whole supply)."""
    from riskdesk.io.store.project_file import load_project, save_project
    from tests.helpers.builders import PartSpec, PathSpec, project_of

    project = tmp_path / "p.rdproj"
    save_project(project_of(PartSpec("P1", paths=[PathSpec("A", 60.0, mine="CN"), PathSpec("B", 40.0)])), project)
    answer = tmp_path / "answer.csv"
    write_template_csv(answer, [{**ROW, "part_number": "P1", "supplier_id": "A", "share_pct": "60",
                                 "mine_country": "MY"}])
    assert run(capsys, "import", project, answer)[0] == EXIT_OK
    paths = load_project(project).tables.paths.set_index("supplier_id")
    assert sorted(paths.index) == ["A", "B"] and paths.loc["A", "mine_country"] == "MY"
    assert run(capsys, "import", project, answer, "--replace-parts")[0] == EXIT_OK
    assert load_project(project).tables.paths["supplier_id"].tolist() == ["A"]
