"""`riskdesk workspace init|push|pull`, `riskdesk history`, and the commands that take PROJECT given a workspace
address, against a real PostgreSQL (tests/helpers/postgres.py): what a buyer types, what they read, and one line
with exit 1 for a server that cannot be reached, a refused password, a schema that is not a workspace and a
workspace of a newer RiskDesk."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from riskdesk.cli import EXIT_FILE, EXIT_OK, EXIT_USAGE
from riskdesk.core.demo import demo_project
from riskdesk.io.store import Revision, open_store
from tests.helpers.cli import run
from tests.helpers.postgres import Server
from tests.test_cli import ROW, write_template_csv

pytestmark = pytest.mark.db


@pytest.fixture
def url(pg_server: Server, pg_database: str) -> str:
    return pg_server.workspace(pg_database, "eu")


@pytest.fixture
def pushed(url: str, demo: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code, out, err = run(capsys, "workspace", "push", demo, url)
    assert (code, err) == (EXIT_OK, "") and out.startswith(f"pushed {demo} into {url}: ")
    return url


def test_init_push_pull_moves_a_project_into_a_workspace_and_back(url, demo, tmp_path, capsys):
    code, out, err = run(capsys, "workspace", "init", url)
    assert code == EXIT_OK and "created the workspace 'eu'" in out and "_eu_editor" in out
    assert run(capsys, "workspace", "push", demo, url)[0] == EXIT_OK
    code, _, err = run(capsys, "workspace", "push", demo, url)  # never over a project that is there
    assert code == EXIT_FILE and "already holds a project" in err and "nothing was pushed" in err
    out_file = tmp_path / "copy.rdproj"
    code, out, err = run(capsys, "workspace", "pull", url, out_file)
    assert code == EXIT_OK and "at revision 1" in out
    pulled, _ = open_store(out_file).read()
    original, _ = open_store(demo).read()
    for table in ("parts", "suppliers", "paths", "composition"):
        assert getattr(pulled.tables, table).equals(getattr(original.tables, table)), table
    assert pulled.settings == original.settings and pulled.scenarios == original.scenarios
    code, _, err = run(capsys, "workspace", "pull", url, out_file)
    assert code == EXIT_FILE and "--force" in err
    assert run(capsys, "workspace", "pull", url, out_file, "--force")[0] == EXIT_OK


def test_score_scenario_and_report_read_a_workspace_as_they_read_a_file(pushed, demo, tmp_path, capsys):
    on_file = run(capsys, "score", demo, "--as-of", "2026-12-01", "--json")
    on_workspace = run(capsys, "score", pushed, "--as-of", "2026-12-01", "--json")
    assert on_workspace[0] == EXIT_OK and json.loads(on_workspace[1])["parts"] == json.loads(on_file[1])["parts"]
    code, _, _ = run(capsys, "scenario", pushed, "--preset", "dfars-2027", "--as-of", "2026-12-01",
                       "--save-as", "From the command line")
    assert code == EXIT_OK
    assert [s.name for s in open_store(pushed).read()[0].scenarios][-1] == "From the command line"
    report = tmp_path / "report.xlsx"
    code, _, err = run(capsys, "report", pushed, report, "--as-of", "2026-12-01")
    assert code == EXIT_OK and report.stat().st_size > 10_000, err


def test_an_import_into_a_workspace_is_one_change_set_in_its_history(pushed, tmp_path, capsys):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    code, _, err = run(capsys, "import", pushed, source)
    assert code == EXIT_OK, err
    history = open_store(pushed).changes_since(Revision(1))
    entry, = history
    assert entry.text.startswith("Import bom.csv: 1 part") and entry.changes is not None
    assert entry.changes.source["kind"] == "import" and entry.changes.source["files"][0]["file"] == "bom.csv"
    assert len(entry.changes.source["files"][0]["sha256"]) == 64
    assert ROW["part_number"] in set(open_store(pushed).read()[0].tables.parts["part_number"])


def test_history_lists_who_did_what_and_filters_by_part_and_day(pushed, tmp_path, capsys):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    assert run(capsys, "import", pushed, source)[0] == EXIT_OK
    code, out, err = run(capsys, "history", pushed)
    lines = out.splitlines()
    assert code == EXIT_OK and len(lines) == 2 and err == ""
    assert "postgres" in lines[0] and "Push demo.rdproj (revision 1)" in lines[0]
    assert "Import bom.csv" in lines[1] and f"parts: {ROW['part_number']}" in lines[1]
    code, out, _ = run(capsys, "history", pushed, "--part", ROW["part_number"], "--json")
    data = json.loads(out)
    assert code == EXIT_OK and [e["revision"] for e in data["entries"]] == [2]
    entry = data["entries"][0]
    assert entry["by"] == "postgres" and entry["source"]["kind"] == "import" and entry["change"]["inserts"]
    other = demo_project().tables.parts["part_number"].iat[0]
    assert json.loads(run(capsys, "history", pushed, "--part", other, "--json")[1])["entries"] == []
    assert len(json.loads(run(capsys, "history", pushed, "--since", "2000-01-01", "--json")[1])["entries"]) == 2
    assert run(capsys, "history", pushed, "--since", "2999-01-01")[1].startswith("(nothing recorded")


def test_history_of_a_project_file_too(demo, capsys):
    code, out, _ = run(capsys, "history", demo)
    assert code == EXIT_OK and "Demo project" in out


def test_connection_problems_are_one_line_and_exit_1(pg_server, pg_database, pushed, capsys, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        code, _, err = run(capsys, "score", f"postgresql://ana:s3cret@127.0.0.1:{port}/x?workspace=eu")
    assert code == EXIT_FILE and "cannot be reached" in err and "s3cret" not in err and err.count("\n") == 1
    pg_server.execute("CREATE ROLE ana LOGIN PASSWORD 'right'")
    try:
        monkeypatch.setenv("PGPASSWORD", "wrong")
        code, _, err = run(capsys, "score", pg_server.workspace(pg_database, "eu", user="ana"))
        assert code == EXIT_FILE and "refused the password of ana" in err and err.count("\n") == 1
    finally:
        pg_server.execute("DROP ROLE ana")
    pg_server.execute("CREATE SCHEMA other; CREATE TABLE other.t (x int)", pg_database)
    code, _, err = run(capsys, "score", pg_server.workspace(pg_database, "other"))
    assert code == EXIT_FILE and "is not a RiskDesk workspace" in err
    pg_server.execute("UPDATE eu.workspace SET value = '99' WHERE key = 'schema_version'", pg_database)
    code, _, err = run(capsys, "score", pushed)
    assert code == EXIT_FILE and "newer RiskDesk" in err and "Update RiskDesk" in err


def test_a_workspace_command_needs_a_workspace_address(demo, tmp_path, capsys):
    code, _, err = run(capsys, "workspace", "push", demo, tmp_path / "other.rdproj")
    assert code == EXIT_USAGE and "is not a workspace address" in err
    code, _, err = run(capsys, "workspace", "init", "postgresql://ana@127.0.0.1/x")
    assert code == EXIT_USAGE and "?workspace=NAME" in err


@pytest.mark.parametrize("command", [["demo", "{url}"], ["new", "{url}"], ["import", "{url}", "{source}"],
                                     ["history", "{url}"], ["workspace", "push", "{demo}", "{url}"]])
def test_every_command_says_in_one_line_when_the_server_cannot_be_reached(command, demo, tmp_path, capsys):
    source = tmp_path / "bom.csv"
    write_template_csv(source, [ROW])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"postgresql://ana@127.0.0.1:{probe.getsockname()[1]}/x?workspace=eu"
        code, _, err = run(capsys, *[part.format(url=url, source=source, demo=demo) for part in command])
    assert code == EXIT_FILE and err.startswith("riskdesk: ") and "cannot be reached" in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_a_report_names_the_workspace_revision_it_was_made_from(pushed, demo, tmp_path, capsys):
    from openpyxl import load_workbook

    for project, said in ((pushed, "1 of the workspace eu"), (demo, "1 of the project file demo.rdproj")):
        report = tmp_path / f"{said.split()[3]}.xlsx"
        code, _, err = run(capsys, "report", project, report, "--as-of", "2026-12-01")
        assert code == EXIT_OK, err
        rows = {row[0]: row[1] for row in load_workbook(report, read_only=True)["Inputs"].iter_rows(
            max_col=2, max_row=20, values_only=True)}
        assert rows["Project revision"] == said


def test_workspace_upgrade_brings_an_older_workspace_to_this_schema_once(pushed, pg_server, pg_database, capsys):
    from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS
    from riskdesk.io.store.postgres import SCHEMA_VERSION

    pg_server.make_schema_1(pg_database, "eu")
    code, out, err = run(capsys, "workspace", "upgrade", pushed)
    assert (code, err) == (EXIT_OK, "") and out.strip() == f"{pushed}: upgraded from workspace schema 1 to " \
                                                             f"{SCHEMA_VERSION}"
    code, out, _ = run(capsys, "workspace", "upgrade", pushed)
    assert code == EXIT_OK and out.strip().endswith(f"already at workspace schema {SCHEMA_VERSION}; nothing to do")
    project, _ = open_store(pushed).read()
    assert (project.tables.paths[list(STAGE_EVIDENCE_COLUMNS)] == "").all().all()
