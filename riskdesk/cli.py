"""`riskdesk …` on the command line: create, import, score and list rules headless, for batch use and scripts.

Exit codes: 0 done, 1 a file could not be read or written, 2 bad arguments, 3 the input file is invalid
(nothing was changed). Problems go to stderr as one line each, never as a traceback. Text that comes from a file
(names, cell values, titles) is printed through `riskdesk.core.cells.shown_text`: escape sequences, line breaks
and bidi overrides in it are shown as escapes, never obeyed by the terminal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from riskdesk import __version__
from riskdesk.core.cells import has_invisible, shown_text
from riskdesk.core.datafile import DataFileError
from riskdesk.core.labels import BASIS_NAMES, count, format_kg
from riskdesk.core.problems import Problem, quoted, shown
from riskdesk.core.project import (
    DEFAULT_IMPORT_COUNTRY,
    US_DEFENCE_AUTO,
    US_DEFENCE_CHOICES,
    Project,
    ProjectSettings,
)

if TYPE_CHECKING:  # imported where used, to keep the command line quick to start
    from riskdesk.core.edits import ChangeSet
    from riskdesk.core.reference import ReferenceData
    from riskdesk.core.scenario_run import ScenarioResult
    from riskdesk.core.scenarios import Scenario
    from riskdesk.core.simulation import MonteCarloResult
    from riskdesk.io.mapping import SheetMapping
    from riskdesk.io.store import Expected, ProjectStore, Revision, StoreChangedError
    from riskdesk.io.userdirs import AppSettings

ChartRenderer = Callable[["ScenarioResult", "MonteCarloResult | None", Path], Path]
"""Draws a scenario's chart to a PNG or SVG file (through riskdesk.io.outputs) and returns its path. The command
line has none of its own (it never loads Qt): the installed entry point (riskdesk.__main__) passes the window's,
which draws offscreen."""

EXIT_OK = 0
EXIT_FILE = 1
EXIT_USAGE = 2
EXIT_INVALID = 3


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FILE) -> None:
        super().__init__(message)
        self.code = code


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _country(text: str) -> str:
    from riskdesk.core.countries import resolve_country

    code = resolve_country(text)
    if code is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a country RiskDesk knows (use an ISO code such as US or DE)")
    return code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="riskdesk",
        description="See and price your exposure to rare-earth magnet supply risk. "
        "Run without arguments to open the window; `riskdesk --selftest` checks that this installation works.",
    )
    parser.add_argument("--version", action="version", version=f"RiskDesk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="write a realistic demo project")
    demo.add_argument("project", type=_location, metavar="PROJECT")
    demo.add_argument("--force", action="store_true", help="replace PROJECT if it exists (it is refused otherwise)")
    _lock_option(demo)

    new = commands.add_parser("new", help="create an empty project")
    new.add_argument("project", type=_location, metavar="PROJECT")
    new.add_argument("--import-country", type=_country, default=None, metavar="CC",
                     help="country the buyer imports into (default US, said on stderr when assumed); it decides "
                          "tariffs, rules and the price basis (ex-China spot outside China)")
    new.add_argument("--us-defence", choices=US_DEFENCE_CHOICES, default=US_DEFENCE_AUTO,
                     help="whether the buyer's defence parts go into US defence contracts, so DFARS binds them "
                          "(default auto: yes for a buyer importing into the US)")
    new.add_argument("--name", default=None, help="project name (default: the file name)")
    _lock_option(new)

    imp = commands.add_parser("import", help="import a BOM or supplier spreadsheet (or a folder of them)")
    imp.add_argument("project", type=_location, metavar="PROJECT")
    imp.add_argument("files", type=Path, nargs="+", metavar="FILE")
    imp.add_argument("--mapping", type=Path, metavar="M.json", help="column mapping to use (see --show-mapping)")
    imp.add_argument("--show-mapping", action="store_true", help="print the proposed mapping and change nothing")
    imp.add_argument("--save-mapping", type=Path, metavar="M.json",
                     help="with --show-mapping: also write the proposal as JSON to correct and pass to --mapping")
    imp.add_argument("--sheet", metavar="NAME", help="read only this sheet")
    imp.add_argument("--dry-run", action="store_true", help="check everything, change nothing")
    imp.add_argument("--report", type=Path, metavar="OUT.xlsx", help="save the validation report as a workbook")
    imp.add_argument("--default", dest="defaults", action="append", default=[], metavar="FIELD=VALUE",
                     help="value for a field the file lacks or leaves blank, e.g. magnet_family=NdFeB or "
                          "supplier_name='Hokuriku Magnet Works' (repeat for several; remembered with the mapping)")
    imp.add_argument("--skip-error-rows", action="store_true",
                     help="import the rows without errors and list the rows left out, instead of refusing")
    imp.add_argument("--replace-parts", action="store_true",
                     help="the files list every supply path of their parts (a complete BOM): remove those parts' "
                     "paths from suppliers the files do not name (by default an import changes only the paths of "
                     "the suppliers it names, and only the fields its columns give)")
    imp.add_argument("--force", action="store_true",
                     help="let --report and --save-mapping replace an existing file (never the project or an input)")
    _lock_option(imp)

    request = commands.add_parser("request", help="write a declaration workbook for each supplier to fill in: where "
                                  "the rare earths of the parts it delivers come from (docs/declarations.md)")
    request.add_argument("project", type=_location, metavar="PROJECT")
    request.add_argument("outdir", type=Path, metavar="OUTDIR", help="folder for OUTDIR/<supplier_id>.xlsx")
    request.add_argument("--supplier", dest="suppliers", action="append", default=[], metavar="ID",
                         help="ask this supplier (repeat for several; default: every supplier with supply paths)")
    request.add_argument("--due", type=_date, default=None, metavar="YYYY-MM-DD", help="the date to answer by")
    request.add_argument("--force", action="store_true", help="replace workbooks already in OUTDIR")
    _lock_option(request)

    requests = commands.add_parser("requests", help="the declaration requests sent and their answers (campaign "
                                   "status)")
    requests.add_argument("project", type=_location, metavar="PROJECT")
    requests.add_argument("--json", action="store_true", help="print JSON")
    requests.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                          help="the day overdue is counted on (default today)")

    score = commands.add_parser("score", help="score the project's parts as of a date")
    score.add_argument("project", type=_location, metavar="PROJECT")
    score.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="default: today")
    score.add_argument("--json", action="store_true", help="print one JSON object")
    score.add_argument("--compare", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="also score on this date and show what changes")
    _rules_option(score)

    rules = commands.add_parser("rules", help="list the bundled control rules and their status on a date")
    rules.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="default: today")
    rules.add_argument("--json", action="store_true", help="print JSON")
    rules.add_argument("--file", type=Path, default=None, metavar="LIST.toml", help="a control list file to check")
    rules.add_argument("--diff", type=Path, default=None, metavar="NEWER.toml",
                       help="compare the bundled list with a newer file")

    template = commands.add_parser("template", help="write the blank import template")
    template.add_argument("out", type=Path, metavar="OUT.xlsx")
    template.add_argument("--force", action="store_true",
                          help="replace OUT.xlsx if it exists (never a RiskDesk project)")

    scenario = commands.add_parser(
        "scenario", help="what a price or supply shock would cost, and when each part would stop",
        description="Run a price and supply scenario on a project: its monthly cost against the baseline, and "
        "when each part runs out of stock. --list shows the bundled presets.")
    scenario.add_argument("project", type=_location, nargs="?", metavar="PROJECT",
                          help="the project file (not needed with --list)")
    scenario.add_argument("--list", action="store_true",
                          help="list the bundled presets, one a line, then the scenarios saved in PROJECT if given")
    source = scenario.add_mutually_exclusive_group()
    source.add_argument("--preset", metavar="NAME",
                        help="a bundled preset (see --list) or a scenario saved in the project, by name")
    source.add_argument("--file", type=Path, metavar="SCENARIO.json", help="a scenario file")
    scenario.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD",
                          help="score on this date; presets without a start month begin in its month (default: "
                          "today)")
    scenario.add_argument("--monte-carlo", type=_paths, default=None, metavar="N",
                          help="also simulate N paths of prices and disruptions")
    scenario.add_argument("--seed", type=_seed, default=0, metavar="S",
                          help="seed of the simulation, a whole number from 0 (default 0)")
    scenario.add_argument("--json", action="store_true", help="print one JSON object")
    _rules_option(scenario)
    scenario.add_argument("--chart", type=Path, default=None, metavar="OUT.png",
                          help="draw the chart to a PNG image (or an SVG drawing: OUT.svg)")
    scenario.add_argument("--save-as", default=None, metavar="NAME",
                          help="also save the scenario into PROJECT under this name (as the window's Scenarios tab "
                          "does)")
    scenario.add_argument("--force", action="store_true",
                          help="let --chart replace an existing file (never the project or the --file input), and "
                          "--save-as a scenario saved under the same name")
    _lock_option(scenario)

    report = commands.add_parser(
        "report", help="write the Excel risk report (scores, findings, exposure, scenarios, inputs, method)",
        description="Write the Excel risk report a manager reads and an auditor files: Summary, Parts, Findings, "
        "Exposure, Scenarios, Inputs and Method sheets (docs/report.md). OUT.xlsx is replaced only when the report "
        "is complete.")
    report.add_argument("project", type=_location, metavar="PROJECT", help="the project file")
    report.add_argument("out", type=Path, metavar="OUT.xlsx", help="the workbook to write")
    report.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="score on this date "
                        "(default: today)")
    report.add_argument("--compare", type=_date, default=None, metavar="YYYY-MM-DD",
                        help="also score on this date: the Summary and Parts show both dates and the change")
    report.add_argument("--scenario", dest="scenarios", action="extend", nargs="+", default=[], metavar="NAME",
                        help="add a scenario's sheet section: a preset (id or name, see scenario --list) or a "
                        "scenario saved in the project, by name (several: --scenario A B, or repeat it)")
    report.add_argument("--monte-carlo", type=_paths, default=0, metavar="N",
                        help="also simulate N paths of prices and disruptions for each scenario")
    report.add_argument("--seed", type=_seed, default=0, metavar="S",
                        help="seed of the simulation, a whole number from 0 (default 0)")
    report.add_argument("--no-author", dest="author", action="store_false",
                        help="leave your login name out of the report (its author and the Summary's Written line)")
    report.add_argument("--detail", action="store_true",
                        help="add the Findings detail sheet after the Findings: one row per finding (rule, supply "
                        "path, stage and element) instead of one per part and rule")
    _rules_option(report)
    report.add_argument("--force", action="store_true", help="replace OUT.xlsx if it exists")

    workspace = commands.add_parser(
        "workspace",
        help="a team workspace on PostgreSQL: set one up, push a project into it, pull a copy, upgrade one",
        description="A team workspace keeps one project in a PostgreSQL database for several buyers (docs/"
        "workspace.md). Its address is postgresql://USER@HOST/DATABASE?workspace=NAME; the password comes from "
        "PGPASSWORD, ~/.pgpass or a service file, never from RiskDesk. Every command that takes PROJECT also "
        "takes such an address.")
    actions = workspace.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = actions.add_parser("init", help="set up an empty workspace and its roles (viewer, editor, owner)")
    init.add_argument("url", type=_location, metavar="URL")
    push = actions.add_parser("push", help="put a project (a file, or another workspace) into a new workspace")
    push.add_argument("source", type=_location, metavar="PROJECT")
    push.add_argument("url", type=_location, metavar="URL")
    upgrade = actions.add_parser("upgrade", help="bring a workspace set up by an older RiskDesk to this version's "
                                 "schema (run by the user who set it up, or a database owner)")
    upgrade.add_argument("url", type=_location, metavar="URL")
    pull = actions.add_parser("pull", help="write a workspace's project to a project file (a snapshot)")
    pull.add_argument("url", type=_location, metavar="URL")
    pull.add_argument("out", type=Path, metavar="OUT.rdproj")
    pull.add_argument("--force", action="store_true", help="replace OUT.rdproj if it exists")

    history = commands.add_parser("history", help="what was changed in a project, by whom and when",
                                  description="List a project's history (a workspace's, or a project file's): "
                                  "each commit or save with its revision, who, when and what was done.")
    history.add_argument("project", type=_location, metavar="PROJECT")
    history.add_argument("--since", type=_date, default=None, metavar="YYYY-MM-DD",
                         help="only what was done on or after this day (UTC)")
    history.add_argument("--part", default=None, metavar="P", help="only what changed the part numbered P")
    history.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _rules_option(parser: argparse.ArgumentParser) -> None:
    """`--rules LIST.toml`: score against a newer control list (checked as `rules --file` checks it) instead of the
    bundled one; `score`, `scenario` and `report` take it alike."""
    parser.add_argument("--rules", type=Path, default=None, metavar="LIST.toml",
                        help="use this control list instead of the bundled one")


def _location(text: str) -> str:
    """A PROJECT argument: where the project is kept (a project file's path; riskdesk.io.store.open_store)."""
    if not text:
        raise argparse.ArgumentTypeError("give the project's file name")
    return text


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value}: a seed is a whole number from 0")
    return value


def _paths(text: str) -> int:
    from riskdesk.core.simulation import MAX_PATHS

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of paths") from None
    if not 1 <= value <= MAX_PATHS:
        raise argparse.ArgumentTypeError(f"{value} paths: use 1 to {MAX_PATHS:,}")
    return value


def main(argv: Sequence[str] | None = None, chart_renderer: ChartRenderer | None = None) -> int:
    """Run one command. `chart_renderer` draws `scenario --chart` (without one, that option exits 2)."""
    from riskdesk.io.store.base import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    args.chart_renderer = chart_renderer
    args.held = []  # project leases this command holds (riskdesk.io.store.Lease), released when it ends
    handlers = {
        "demo": _cmd_demo,
        "new": _cmd_new,
        "import": _cmd_import,
        "request": _cmd_request,
        "requests": _cmd_requests,
        "score": _cmd_score,
        "rules": _cmd_rules,
        "template": _cmd_template,
        "scenario": _cmd_scenario,
        "report": _cmd_report,
        "workspace": _cmd_workspace,
        "history": _cmd_history,
    }
    try:
        _open_project(args)
        return handlers[args.command](args)
    except CliError as exc:
        print(f"riskdesk: {shown_text(exc)}", file=sys.stderr)
        return exc.code
    except DataFileError as exc:
        print(f"riskdesk: {shown_text(exc)}", file=sys.stderr)
        return EXIT_INVALID
    except StoreError as exc:  # a workspace's server can fail on any question (exists, revision …): one line
        print(f"riskdesk: {shown_text(exc)}", file=sys.stderr)
        return EXIT_FILE
    except KeyboardInterrupt:
        print("riskdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `riskdesk score … | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    finally:
        for lock in args.held:
            lock.release()


def _open_project(args: argparse.Namespace) -> None:
    """`args.store`: where the PROJECT argument's project is kept (None for commands without one); `args.project`
    becomes its location as messages name it. A location this RiskDesk cannot keep projects at is exit 2."""
    from riskdesk.io.store import StoreError, open_store

    args.store = None
    if getattr(args, "project", None) is None:
        return
    try:
        args.store = open_store(args.project)
    except StoreError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    args.project = args.store.location


def _load(store: ProjectStore) -> Project:
    from riskdesk.io.store import StoreError

    try:
        return store.read()[0]
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _save(project: Project, store: ProjectStore, expected: Expected = None, doing: str = "nothing was saved",
          text: str = "", changes: ChangeSet | None = None) -> None:
    """Save as a whole; `expected` is the revision the project was read at (None: there must be no project yet;
    UNCHECKED: replace it); `changes`: the change set that made it, for the history. A project changed meanwhile is
    refused (exit 1), never overwritten."""
    from riskdesk.io.store import StoreChangedError, StoreError

    try:
        store.save(project, expected, text=text, changes=changes)
    except StoreChangedError as exc:
        raise _changed_meanwhile(store, exc, doing) from None
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _commit(store: ProjectStore, changes: ChangeSet, expected: Revision, doing: str) -> None:
    """Make one change on the project as it was read at `expected`; refused (exit 1) if it changed meanwhile."""
    from riskdesk.io.store import StoreChangedError, StoreError

    try:
        store.commit(changes, expected)
    except StoreChangedError as exc:
        raise _changed_meanwhile(store, exc, doing) from None
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _changed_meanwhile(store: ProjectStore, exc: StoreChangedError, doing: str) -> CliError:
    """The window's choices (reload, save under another name, overwrite) are not the command line's."""
    return CliError(f"{store.location} was changed by another program while this command ran "
                    f"({exc.on_store.describe()}); {doing} and the file is as the other program left it: run the "
                    "command again")


def _app_settings(args: argparse.Namespace) -> AppSettings:
    """RiskDesk's own settings, read once per command; a damaged settings file is said once (the defaults hold for
    what it cannot give, and the file was kept aside)."""
    if getattr(args, "app_settings", None) is None:
        from riskdesk.io.userdirs import read_app_settings

        args.app_settings, note = read_app_settings()
        if note:
            print(f"riskdesk: {shown_text(note)}", file=sys.stderr)
    settings: AppSettings = args.app_settings
    return settings


def _lock_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--no-lock", action="store_true",
                         help="when the project's lock cannot be taken (a drive that cannot lock files, something "
                         "else at the lock path), work without it; a project someone else holds is still refused, "
                         "and the save still refuses to overwrite changes made meanwhile")


def _hold(args: argparse.Namespace, store: ProjectStore, doing: str) -> None:
    """Take the project's lease (a file's lock) for the rest of this command (one writer at a time), waiting a few
    seconds for another command; a window holding it is named (exit 1). A lease that cannot be taken is refused
    with the reason, unless --no-lock (or the setting "work without the lock") accepts working without it, which is
    said once."""
    from riskdesk.io.store import CLI_WAIT_S, LockUnavailableError, StoreError

    accept = bool(getattr(args, "no_lock", False)) or _app_settings(args).work_without_lock
    try:
        lease = store.lease(CLI_WAIT_S, without_lock_ok=accept)
    except LockUnavailableError as exc:
        raise CliError(f"{exc}; {doing} (--no-lock works without the lock)") from None
    except StoreError as exc:
        raise CliError(f"{exc}; {doing}") from None
    if lease.unavailable is not None:
        print(f"riskdesk: working without the lock: {lease.unavailable.reason}", file=sys.stderr)
    args.held.append(lease)


def _read_for_writing(store: ProjectStore) -> tuple[Project, Revision]:
    from riskdesk.io.store import StoreError

    try:
        return store.read()
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _output(target: Path, args: argparse.Namespace, what: str, inputs: Sequence[Path] = ()) -> None:
    """Refuse an output over the project's file, an input, or an existing file without --force (exit 1)."""
    from riskdesk.io.outputs import OutputError, check_output

    store: ProjectStore | None = getattr(args, "store", None)
    try:
        check_output(target, project=store.path if store is not None else None, inputs=inputs,
                     force=getattr(args, "force", False), what=what)
    except OutputError as exc:
        raise CliError(str(exc)) from None


def _write_output(write: Callable[[], object]) -> None:
    """Run a writer of riskdesk.io (each writes through riskdesk.io.outputs: never a half-written or 0-byte file);
    a refused or failed output is one line, exit 1."""
    from riskdesk.io.outputs import OutputError

    try:
        write()
    except OutputError as exc:
        raise CliError(str(exc)) from None


def _cmd_demo(args: argparse.Namespace) -> int:
    from riskdesk.core.demo import demo_project
    from riskdesk.io.store import UNCHECKED

    store: ProjectStore = args.store
    if store.exists() and not args.force:
        raise CliError(f"{args.project} already exists: choose another name, or add --force to replace it with the "
                       "demo project")
    project = demo_project()
    _hold(args, store, "the demo was not written")
    _save(project, store, expected=UNCHECKED if args.force else None, text="Demo project")
    tables = project.tables
    print(f"wrote {args.project}: {len(tables.parts)} parts, {len(tables.suppliers)} suppliers, "
          f"{len(tables.paths)} supply paths")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    store: ProjectStore = args.store
    if store.exists():
        raise CliError(f"{args.project} already exists; choose another name")
    country = args.import_country
    if country is None:
        country = DEFAULT_IMPORT_COUNTRY
        print(f"riskdesk: no --import-country given: assumed {country}, which decides tariffs, rules and prices; "
              f"give --import-country CC for a buyer importing elsewhere", file=sys.stderr)
    settings = ProjectSettings.for_buyer(country, name=args.name or store.project_name,
                                         us_defence_supply=args.us_defence)
    _hold(args, store, "nothing was written")
    _save(Project(settings=settings), store, text="New project")
    defence = "yes" if settings.supplies_us_defence else "no"
    print(f"wrote {args.project} (imports into {country}; prices: {BASIS_NAMES[settings.price_basis]}; "
          f"US defence supply: {defence}{' (automatic)' if args.us_defence == US_DEFENCE_AUTO else ''})")
    return EXIT_OK


def _print_problems(problems: Sequence[Problem], stream: TextIO | None = None) -> None:
    for problem in problems:
        print(shown_text(problem), file=stream or sys.stderr)


def _cmd_import(args: argparse.Namespace) -> int:
    from riskdesk.io import import_session
    from riskdesk.io.outputs import write_output
    from riskdesk.io.template import write_problem_report

    for file in args.files:
        if not file.exists():
            raise CliError(f"{file} does not exist")
    if _declaration_files(args):
        return _import_declaration(args)
    for target, what in ((args.report, "the import report"), (args.save_mapping, "the mapping")):
        if target is not None:
            _output(target, args, what, args.files)
    store: ProjectStore = args.store
    state = None
    if not (args.dry_run or args.show_mapping):
        _hold(args, store, "nothing was imported")
    if store.exists():
        project, state = _read_for_writing(store)
    else:
        project = Project(settings=ProjectSettings.for_buyer(DEFAULT_IMPORT_COUNTRY, name=store.project_name))
        if not (args.dry_run or args.show_mapping):
            print(f"riskdesk: {args.project} is a new project: assumed import country {DEFAULT_IMPORT_COUNTRY}, which "
                  f"decides tariffs, rules and prices; create it with `riskdesk new --import-country CC` for a buyer "
                  f"importing elsewhere", file=sys.stderr)
    mapping = _read_mapping(args.mapping) if args.mapping else None
    defaults = _defaults(args.defaults)
    app_settings = _app_settings(args)
    request = import_session.ImportRequest(list(args.files), mapping=mapping, sheet=args.sheet, defaults=defaults,
                                           skip_error_rows=args.skip_error_rows, replace_parts=args.replace_parts,
                                           limits=app_settings.import_limits())

    if args.show_mapping:
        proposals, problems = import_session.propose(request, project)
        for proposal in proposals:
            _print_mapping(proposal, sys.stdout)
        errors = [p for p in problems if p.is_error]
        _print_problems(problems)
        if args.save_mapping and proposals:
            data = {"mappings": [proposal.to_json() for proposal in proposals]}
            text = json.dumps(data, indent=2, ensure_ascii=False)
            _write_output(lambda: write_output(args.save_mapping, text, what="the mapping"))
            print(f"wrote {args.save_mapping}: edit any 'field' and pass it back with --mapping")
        if errors and not proposals:
            print(f"riskdesk: {count(len(errors), 'error')}: nothing could be read", file=sys.stderr)
            return EXIT_INVALID
        return EXIT_OK

    check = import_session.check(request, project)
    if args.report:
        _write_output(lambda: write_problem_report(check.problems, args.report, check.result.mappings,
                                                   args.files))
    if check.unsure:
        print("riskdesk: the column mapping needs a person to confirm it; nothing was imported.", file=sys.stderr)
        for proposal in check.unsure:
            _print_mapping(proposal, sys.stderr)
        print("Save a corrected mapping as JSON (see docs/import.md) and pass it with --mapping, or give the "
              "missing fields with --default FIELD=VALUE.", file=sys.stderr)
        return EXIT_INVALID
    if not check.can_apply:
        _print_problems(check.errors)
        # Only errors in rows can be skipped: a whole-file refusal (a zip bomb, a password, a sheet too large)
        # or a missing column is not helped by --skip-error-rows.
        rows_only = all(problem.row is not None for problem in check.errors)
        print(f"riskdesk: {count(len(check.errors), 'error')}; nothing was imported and {args.project} is unchanged."
              + (" (--skip-error-rows imports the other rows)" if rows_only and not args.skip_error_rows else ""),
              file=sys.stderr)
        return EXIT_INVALID

    for proposal in check.result.mappings:
        _print_mapping(proposal, sys.stdout)
    _print_problems(check.warnings, sys.stdout)
    summary = check.summary()
    if args.dry_run:
        print(f"dry run: {summary} would be imported; {args.project} is unchanged")
        return EXIT_OK
    text = f"Import {', '.join(file.name for file in args.files)}: {summary}"
    # One change set, into a workspace or a project file alike: the history names each file read, with its SHA-256
    # (and in a workspace it conflicts only with edits to the rows it changes).
    changes = check.change_set(project, text)
    if state is not None:
        _commit(store, changes, state, "nothing was imported")
    else:  # a new project: saved whole, its history's first entry this import
        _save(check.applied_to(project), store, expected=None, doing="nothing was imported", changes=changes)
    print(f"imported {summary} into {args.project}")
    return EXIT_OK


def _declaration_files(args: argparse.Namespace) -> bool:
    """Whether the files to import are supplier declarations (riskdesk.io.declaration_answer): one at a time."""
    from riskdesk.io.declaration_answer import is_declaration

    limits = _app_settings(args).import_limits()
    found = [file for file in args.files if file.is_file() and is_declaration(file, limits)]
    if found and len(args.files) > 1:
        raise CliError(f"{found[0]} is a supplier declaration: import declarations one at a time, without other "
                       "files", EXIT_USAGE)
    return bool(found)


def _import_declaration(args: argparse.Namespace) -> int:
    """`riskdesk import PROJECT answer.xlsx` for a declaration: matched to its request, checked, and only that
    supplier's paths of the parts it answered changed (one change set); what it did to the scores is printed."""
    from riskdesk.io.declaration_answer import check_answer

    file = args.files[0]
    store: ProjectStore = args.store
    if not store.exists():
        raise CliError(f"{args.project} does not exist: a declaration answers a request sent from a project "
                       "(riskdesk request)")
    if not args.dry_run:
        _hold(args, store, "nothing was imported")
    project, state = _read_for_writing(store)
    check = check_answer(file, project, _app_settings(args).import_limits(), dt.date.today())
    if not check.can_apply or check.changes is None:
        _print_problems(check.errors)
        print(f"riskdesk: {count(len(check.errors), 'error')}; nothing was imported and {args.project} is "
              "unchanged", file=sys.stderr)
        return EXIT_INVALID
    _print_problems([p for p in check.problems if not p.is_error], sys.stdout)
    for note in check.notes:
        print(f"note: {shown_text(note)}")
    from riskdesk.core.triage import score_text

    for change in check.answer.scores if check.answer else ():  # what the answer does to each part's score, today
        print(shown_text(f"  {change.part_number:16} score {score_text(change.before):>5} → "
                         f"{score_text(change.after):>5}"))
    if args.dry_run:
        print(f"dry run: {check.summary()} would be imported; {args.project} is unchanged")
        return EXIT_OK
    _commit(store, check.changes, state, "nothing was imported")
    print(f"imported {shown_text(check.summary())} into {args.project}")
    return EXIT_OK


def _cmd_request(args: argparse.Namespace) -> int:
    from riskdesk.io.declaration_workbook import plan_workbooks, request_changes, write_workbooks
    from riskdesk.io.xlsx import os_user

    store: ProjectStore = args.store
    if not store.exists():
        raise CliError(f"{args.project} does not exist")
    today = dt.date.today()
    if args.due is not None and args.due < today:
        raise CliError(f"--due {args.due} is in the past: give the date the suppliers should answer by", EXIT_USAGE)
    if args.outdir.exists() and not args.outdir.is_dir():
        raise CliError(f"{args.outdir} is not a folder: give the folder to write the workbooks into", EXIT_USAGE)
    _hold(args, store, "nothing was asked")
    project, state = _read_for_writing(store)
    user = os_user()
    asker = f"{user} ({project.settings.name})" if user else project.settings.name
    try:
        planned = plan_workbooks(project, args.outdir, args.suppliers, today, args.due, asker)
    except KeyError as exc:
        raise CliError(f"--supplier {shown_text(exc.args[0])}: {args.project} has no such supplier", EXIT_USAGE) \
            from None
    except ValueError as exc:
        raise CliError(f"--supplier {shown_text(exc.args[0])} delivers no part in {args.project} (it has no supply "
                       "path): nothing to ask it", EXIT_USAGE) from None
    if not planned:
        raise CliError(f"no supplier in {args.project} delivers a part (no supply paths): nothing to ask",
                       EXIT_INVALID)
    try:
        args.outdir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CliError(f"{args.outdir} cannot be created ({exc.strerror or exc})") from None
    for item in planned:
        _output(item.target, args, "the declaration workbook")
    _write_output(lambda: write_workbooks(planned, project=store.path, force=True))
    _commit(store, request_changes(project, planned), state,
            "the requests were not recorded (the workbooks were written)")
    for item in planned:
        request = item.request
        due = f", due {request.due}" if request.due else ""
        print(shown_text(f"wrote {item.target}: request {request.request_id} to {request.supplier_id}, "
                         f"{count(len(request.parts), 'part')}{due}"))
    return EXIT_OK


def _cmd_requests(args: argparse.Namespace) -> int:
    from riskdesk.core.declaration_status import request_status

    project = _load(args.store)
    as_of = args.as_of or dt.date.today()
    statuses = request_status(project.declarations, as_of)
    if args.json:
        _print_json({"as_of": as_of.isoformat(), "requests": [s.to_json() for s in statuses]})
        return EXIT_OK
    if not statuses:
        print(f"no declaration requests in {args.project} (riskdesk request PROJECT OUTDIR asks the suppliers)")
        return EXIT_OK
    header = (f"{'request':24} {'supplier':16} {'sent':10} {'due':10} {'answered':10} {'parts':>7}  status")
    print(header)
    print("-" * len(header))
    for s in statuses:
        due, answered = s.due.isoformat() if s.due else "-", s.answered.isoformat() if s.answered else "-"
        print(shown_text(f"{s.request_id:24} {s.supplier_id:16} {s.sent.isoformat():10} {due:10} {answered:10} "
                         f"{s.parts_answered:>3}/{s.parts_asked:<3}  {s.status}"))
    return EXIT_OK


def _read_mapping(path: Path) -> object:
    """The JSON of `--mapping`: an object ({"columns": …} or {"mappings": […]}, as --save-mapping writes it) or a
    list of them; anything else is refused (exit 3) rather than silently replaced by the proposed mapping."""
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:
        raise CliError(f"cannot read the mapping {path}: nested too deeply to be a mapping", EXIT_INVALID) from None
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read the mapping {path}: {exc}", EXIT_INVALID) from None
    if not (isinstance(mapping, dict) or (isinstance(mapping, list) and mapping)):
        held = "an empty list" if isinstance(mapping, list) else json.dumps(mapping)[:40]
        raise CliError(f"the mapping {path} holds {held}, not a mapping: write {{\"columns\": {{HEADER: FIELD, …}}}} "
                       "or pass a file written by --save-mapping (see docs/import.md)", EXIT_INVALID)
    return mapping


def _defaults(given: Sequence[str]) -> dict[str, str]:
    """`--default FIELD=VALUE` options as a dict; a malformed or unknown one is a usage error (exit 2)."""
    from riskdesk.io.import_session import check_defaults

    defaults: dict[str, str] = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--default {item!r}: write FIELD=VALUE, e.g. magnet_family=NdFeB-sintered", EXIT_USAGE)
        defaults[name.strip()] = value.strip()
    issues = check_defaults(defaults)
    if issues:
        raise CliError(f"--default: {issues[0]}", EXIT_USAGE)
    return defaults


def _print_mapping(mapping: SheetMapping, stream: TextIO) -> None:
    m = mapping
    print(f"{shown_text(m.file)} [{shown_text(m.sheet)}] header on row {m.header_row}:", file=stream)
    for choice in m.columns:
        target = choice.field or "(not imported)"
        print(f"  {quoted(choice.header):32} -> {target:20} {choice.confidence:4.0%}  "
              f"{shown(choice.reason, 120)}", file=stream)
    for rule in m.rules:
        print(f"  rule: {shown(rule, 160)}", file=stream)
    for name, value in m.defaults.items():
        print(f"  default: {name} = {quoted(value)}", file=stream)
    missing = m.missing_required()
    if missing:
        wanted = ", ".join(" or ".join(group) for group in missing)
        print(f"  required but not found: {wanted} (add the column, map one to it, or give --default "
              f"{missing[0][0]}=…)", file=stream)
    if m.ambiguous:
        print(f"  ambiguous: {', '.join(shown(a) for a in m.ambiguous)}", file=stream)


def _reference(rules_file: Path | None) -> ReferenceData:
    from riskdesk.core.reference import default_reference

    reference = default_reference()
    return reference.with_control_list(rules_file) if rules_file else reference


def _cmd_score(args: argparse.Namespace) -> int:
    from riskdesk.core.evaluation import band, compare, compile_project, evaluate, in_date_order
    from riskdesk.core.triage import score_text

    project = _load(args.store)
    problems = [p for p in project.validate() if p.is_error]
    if problems:
        _print_problems(problems)
        raise CliError(f"{args.project} has {count(len(problems), 'error')}; fix them before scoring", EXIT_INVALID)
    reference = _reference(args.rules)
    compiled = compile_project(project, reference)
    as_of = args.as_of or dt.date.today()
    evaluation = evaluate(compiled, as_of, project.settings, reference)
    later = evaluate(compiled, args.compare, project.settings, reference) if args.compare else None
    earlier_first = in_date_order(evaluation, later) if later is not None else None
    if args.json:
        data = evaluation.to_json()
        if earlier_first is not None:
            first, second = earlier_first
            data["compare"] = {"as_of": args.compare.isoformat(),
                               "from": first.as_of.isoformat(), "to": second.as_of.isoformat(),
                               "portfolio_score": {first.as_of.isoformat(): round(first.portfolio_score()[0], 2),
                                                   second.as_of.isoformat(): round(second.portfolio_score()[0], 2)},
                               "changes": [change.to_json() for change in compare(first, second)]}
        _print_json(data)
        return EXIT_OK

    score, reason = evaluation.portfolio_score()
    listed = f" ({args.rules.name}, sha256 {reference.control_list.sha256[:12]})" if args.rules else ""
    print(f"{shown_text(project.settings.name)} — as of {as_of}, control list "
          f"{shown_text(evaluation.rules_version)}{shown_text(listed)}, "
          f"buyer imports into {project.settings.import_country}")
    print(f"Portfolio score {score_text(score)} ({band(score)}): {reason}")
    print()
    header = f"{'part':16} {'score':>5} {'band':6} {'status':19} {'hits':>4} {'watch':>5}  top factors"
    print(header)
    print("-" * len(header))
    reports = [evaluation.part_report_at(int(i)) for i in evaluation.triage_order()]
    for report in reports:
        top = sorted(report.factors.values(), key=lambda f: -f.value * f.weight)[:2]
        factors = ", ".join(f"{f.name} {f.value:.0f}" for f in top)
        print(f"{shown_text(report.part_number):16} {score_text(report.score):>5} {report.band:6} "
              f"{report.status or '-':19} {len(report.hits):4} {len(report.watch):5}  {factors}"
              f"{_floor_tag(report.floor, report.status)}")
    kg = evaluation.elements_kg()
    print()
    by_mass = sorted(kg.items(), key=lambda i: -i[1])
    print("Elements per year: " + ", ".join(f"{s} {format_kg(v)} kg" for s, v in by_mass))
    if earlier_first is not None:
        first, second = earlier_first
        print()
        print(f"What changes from {first.as_of} to {second.as_of}:")
        changes = compare(first, second)
        for change in changes:
            gained = f" +{', '.join(change.rules_gained)}" if change.rules_gained else ""
            lost = f" -{', '.join(change.rules_lost)}" if change.rules_lost else ""
            print(shown_text(f"  {change.part_number:16} {score_text(change.score_before):>5} → "
                             f"{score_text(change.score_after):>5}"
                             f"{gained}{lost}"))
        if not changes:
            print("  nothing")
    return EXIT_OK


def _print_json(data: object) -> None:
    """One JSON document on stdout, strictly JSON: a number that is not finite is an error, never a bare NaN."""
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    except ValueError as exc:
        raise CliError(f"the result holds a number that is not finite and cannot be written as JSON ({exc}); "
                       "please report this with the project file") from None
    if has_invisible(text):  # text from a file holds a bidi override or the like: all of it as JSON escapes
        text = json.dumps(data, indent=2, ensure_ascii=True, allow_nan=False)
    print(text)


def _floor_tag(floor: float, status: str) -> str:
    """The short mark beside a part held at a floor (see docs/method.md, "Floors"); a prohibition that holds only
    through an unknown origin says so, as the status column does."""
    from riskdesk.core.evaluation import NO_PATH_FLOOR, PROHIBITED_FLOOR, RED_FLOOR

    tags = {PROHIBITED_FLOOR: status or "prohibited", RED_FLOOR: "may be prohibited", NO_PATH_FLOOR: "no supply path"}
    return f"  [floor {floor:g}: {tags[floor]}]" if floor in tags else ""


def _cmd_rules(args: argparse.Namespace) -> int:
    from riskdesk.core.rules import default_control_list, load_control_list

    control_list = load_control_list(args.file) if args.file else default_control_list()
    if args.diff:
        newer = load_control_list(args.diff)
        refusal = control_list.update_refusal(newer, str(args.diff))
        if refusal:
            raise CliError(refusal, EXIT_INVALID)
        for line in control_list.diff(newer).lines():
            print(shown_text(line))
        return EXIT_OK
    as_of = args.as_of or dt.date.today()
    rows = [rule.to_json(as_of) for rule in control_list.rules]
    shown_status = [rule.status_words(rule.state_on(as_of)) for rule in control_list.rules]
    if args.json:
        _print_json({"as_of": as_of.isoformat(), "version": control_list.version, "sha256": control_list.sha256,
                     "rules": rows})
        return EXIT_OK
    print(shown_text(f"{control_list.title} {control_list.version} — status as of {as_of}"))
    print()
    for row, status in zip(rows, shown_status, strict=True):
        print(shown_text(f"{row['id']:24} {status:28} {row['effect_label']:22} [{row['confidence']}] "
                         f"{row['title']}"))
        print(f"{'':24} {shown_text(row['status_reason'])}")
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from riskdesk.io.template import write_template

    if args.out.suffix.lower() != ".xlsx":
        raise CliError(f"{args.out}: the template is an Excel workbook; give a file name ending in .xlsx", EXIT_USAGE)
    _output(args.out, args, "the template")
    _write_output(lambda: write_template(args.out))
    print(f"wrote {args.out}")
    return EXIT_OK


def _cmd_scenario(args: argparse.Namespace) -> int:
    from riskdesk.core.presets import default_presets

    presets = default_presets()
    if args.list:
        for preset in presets.presets:
            print(preset.line())
        if args.store is not None:
            for saved in _load(args.store).scenarios:
                print(_saved_scenario_line(saved))
        return EXIT_OK
    if args.project is None:
        raise CliError("scenario: give a PROJECT (or --list to see the presets)", EXIT_USAGE)
    if args.preset is None and args.file is None:
        raise CliError("scenario: give --preset NAME (see --list) or --file SCENARIO.json", EXIT_USAGE)
    if args.chart is not None:
        if args.chart.suffix.lower() not in (".png", ".svg"):
            raise CliError(f"--chart {args.chart}: a chart is a PNG image or an SVG drawing; give a file name ending "
                           "in .png or .svg", EXIT_USAGE)
        if args.chart_renderer is None:
            raise CliError("--chart needs the window's chart drawing (PySide6 and pyqtgraph), which this "
                           "installation does not have", EXIT_USAGE)
        _output(args.chart, args, "the chart", [args.file] if args.file is not None else [])
    save_as = _saved_scenario_name(args.save_as) if args.save_as is not None else None

    from riskdesk.core.evaluation import compile_project, evaluate
    from riskdesk.core.scenario_run import run_on_both_bases
    from riskdesk.core.scenarios import ScenarioError

    store: ProjectStore = args.store
    state = None
    if save_as is not None:  # a writer: one at a time, from reading the project to saving it
        _hold(args, store, "no scenario was saved")
        project, state = _read_for_writing(store)
        if any(s.name == save_as for s in project.scenarios) and not args.force:
            raise CliError(f"{args.project} already holds a scenario named {save_as!r}: choose another name, or add "
                           "--force to replace it")
    else:
        project = _load(store)
    problems = [p for p in project.validate() if p.is_error]
    if problems:
        _print_problems(problems)
        raise CliError(f"{args.project} has {count(len(problems), 'error')}; fix them before running a scenario",
                       EXIT_INVALID)
    as_of = args.as_of or dt.date.today()
    scenario = _scenario(args, project, as_of)
    reference = _reference(args.rules)
    evaluation = evaluate(compile_project(project, reference), as_of, project.settings, reference)
    try:
        result, other = run_on_both_bases(evaluation, scenario).values()
    except ScenarioError as exc:
        raise CliError(f"{args.file or args.preset}: {exc}", EXIT_INVALID) from None
    monte_carlo = None
    if args.monte_carlo:
        from riskdesk.core.simulation import MonteCarloSettings, run_monte_carlo

        try:
            monte_carlo = run_monte_carlo(result, MonteCarloSettings(paths=args.monte_carlo, seed=args.seed))
        except ScenarioError as exc:
            raise CliError(f"{args.file or args.preset}: {exc}", EXIT_INVALID) from None
    chart = _draw_chart(args, result, monte_carlo) if args.chart is not None else None
    if save_as is not None and state is not None:
        _commit(store, _saving_scenario(project, scenario.renamed(save_as)), state, "no scenario was saved")
        print(f"saved the scenario as {save_as!r} in {args.project}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        data = result.to_json()
        data["other_basis"] = {
            "price_basis": other.scenario.price_basis,
            "price_basis_label": BASIS_NAMES[other.scenario.price_basis],
            "baseline_total": round(float(other.portfolio_baseline.sum()), 2),
            "scenario_total": round(float(other.portfolio_scenario.sum()), 2),
            "delta_total": round(other.delta_total, 2),
        }
        if monte_carlo is not None:
            data["monte_carlo"] = monte_carlo.to_json()
        data["rules_version"] = evaluation.rules_version  # as score --json says it: which list cut the supply
        data["rules_sha256"] = reference.control_list.sha256
        _print_json(data)
        return EXIT_OK
    if args.rules:
        print(shown_text(f"control list {evaluation.rules_version} ({args.rules.name}, sha256 "
                         f"{reference.control_list.sha256[:12]})"))
    _print_scenario(result, other, monte_carlo)
    if chart is not None:
        print(f"\nwrote {chart}")
    return EXIT_OK


def _scenario(args: argparse.Namespace, project: Project, as_of: dt.date) -> Scenario:
    """The scenario named by --preset (a bundled preset, else one saved in the project) or read from --file."""
    from riskdesk.core.presets import default_presets

    if args.file is not None:
        from riskdesk.io.scenario_file import ScenarioFileError, read_scenario

        try:
            return read_scenario(args.file)
        except ScenarioFileError as exc:
            raise CliError(str(exc), EXIT_FILE if exc.unreadable else EXIT_INVALID) from None
    from riskdesk.core.scenarios import ScenarioError

    presets = default_presets()
    if args.preset in presets.ids:
        try:
            return presets.get(args.preset).scenario(as_of)
        except ScenarioError as exc:  # a preset starting in the month of an --as-of beyond the scenarios' bounds
            raise CliError(f"--preset {args.preset} from the month of --as-of {as_of}: {exc}", EXIT_INVALID) \
                from None
    saved = [s for s in project.scenarios if s.name == args.preset]
    if saved:
        return saved[0]
    names = ", ".join(presets.ids)
    own = f"; saved in the project: {', '.join(s.name for s in project.scenarios)}" if project.scenarios else ""
    raise CliError(f"no preset or saved scenario {args.preset!r} (presets: {names}{own})", EXIT_USAGE)


def _saved_scenario_name(text: str) -> str:
    name = " ".join(text.split())
    if not name:
        raise CliError("--save-as: give the scenario a name", EXIT_USAGE)
    return name


def _saving_scenario(project: Project, scenario: Scenario) -> ChangeSet:
    """The change that saves `scenario` in the project: in place of one of the same name, else after the others;
    nothing else changes."""
    from riskdesk.core.edits import ChangeSet, WholeChange

    names = [s.name for s in project.scenarios]
    scenarios = list(project.scenarios)
    if scenario.name in names:
        scenarios[names.index(scenario.name)] = scenario
    else:
        scenarios.append(scenario)
    return ChangeSet(f"Save scenario {scenario.name!r}",
                     wholes=(WholeChange("scenarios", list(project.scenarios), scenarios),),
                     source={"kind": "command", "command": "scenario --save-as"})


def _saved_scenario_line(scenario: Scenario) -> str:
    """One line for `scenario PROJECT --list`, after the presets: the name (what --preset takes), marked as saved
    in the project."""
    what = f" {scenario.description}" if scenario.description else ""
    return (f"{scenario.name}  (saved in the project){what} [{scenario.price_basis} basis, from "
            f"{scenario.month_labels[0]}, {scenario.horizon_months} months]")


def _draw_chart(args: argparse.Namespace, result: ScenarioResult, monte_carlo: MonteCarloResult | None) -> Path:
    """The chart drawn by the entry point's renderer, which writes it through riskdesk.io.outputs (checked with
    this command's project, --file and --force before anything was computed)."""
    from riskdesk.io.outputs import OutputError

    renderer: ChartRenderer = args.chart_renderer
    try:
        return renderer(result, monte_carlo, args.chart)
    except ImportError as exc:
        raise CliError(f"--chart: charts cannot be drawn here ({exc})", EXIT_USAGE) from None
    except OutputError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {args.chart}: {exc.strerror or exc}") from None


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _print_scenario(result: ScenarioResult, other: ScenarioResult, monte_carlo: MonteCarloResult | None) -> None:
    import numpy as np

    from riskdesk.core.scenarios import UNKNOWN_VALUE

    scenario = result.scenario
    months = result.months
    evaluation = result.evaluation
    print(f"{shown_text(scenario.name)} — {months[0]} to {months[-1]} ({scenario.horizon_months} months), "
          f"{BASIS_NAMES[scenario.price_basis]} prices, scored as of {evaluation.as_of}")
    for shock in scenario.price_shocks:
        marks = shock.provenance.marks()
        print(shown_text(f"  price: {shock.describe()}" + (f" [{marks}]" if marks else "")))
    for reach in result.reach:
        marks = reach.cut.provenance.marks()
        print(shown_text(f"  supply: {reach.cut.describe()}: reaches {count(reach.parts_reached, 'part')}"
                         + (f" [{marks}]" if marks else "") + (f" — {reach.note}" if reach.note else "")))
    baseline = float(result.portfolio_baseline.sum())
    change = result.delta_total
    share = f" ({change / baseline:+.1%})" if baseline > 0 else ""
    print()
    print(f"Portfolio cost of the magnets' element content, USD, on {BASIS_NAMES[scenario.price_basis]} prices (the "
          f"scenario's basis): baseline {_money(baseline)}, scenario {_money(baseline + change)}, change "
          f"{change:+,.0f}{share}")
    other_baseline = float(other.portfolio_baseline.sum())
    print(f"  on {BASIS_NAMES[other.scenario.price_basis]} prices instead: baseline {_money(other_baseline)}, "
          f"scenario {_money(other_baseline + other.delta_total)}, change {other.delta_total:+,.0f}")
    print()
    header = f"{'month':8} {'baseline':>14} {'scenario':>14} {'change':>13}"
    if monte_carlo is not None:
        header += f" {'MC P5':>13} {'MC P50':>13} {'MC P95':>13}"
    print(header)
    print("-" * len(header))
    for t, month in enumerate(months):
        line = (f"{month:8} {_money(result.portfolio_baseline[t]):>14} {_money(result.portfolio_scenario[t]):>14} "
                f"{result.portfolio_delta[t]:>+13,.0f}")
        if monte_carlo is not None:
            line += (f" {_money(monte_carlo.p5[t]):>13} {_money(monte_carlo.p50[t]):>13} "
                     f"{_money(monte_carlo.p95[t]):>13}")
        print(line)

    so = result.stock_out
    stops = [i for i in range(len(result.part_numbers)) if so.first_short_day[i] > 0]
    print()
    if stops:
        print(f"Parts that run short (day 1 = {scenario.day(1)}):")
        header = (f"{'part':16} {'lost':>5} {'stock d':>7} {'TTS* d':>6} {'TTR d':>6} {'first short':>22} "
                  f"{'days':>5} {'units short':>12} {'value short':>12}")
        print(header)
        print("-" * len(header))
        stock = evaluation.compiled.stock_days
        known = result.value_short_known()
        for i in sorted(stops, key=lambda i: (so.first_short_day[i], -so.shortfall_cost[i])):
            first = int(so.first_short_day[i])
            given = "—" if not np.isfinite(stock[i]) else f"{stock[i]:g}"
            print(f"{shown_text(result.part_numbers[i]):16} {so.loss_share[i]:>5.0%} {given:>7} {so.tts_days[i]:>6.1f} "
                  f"{so.ttr_days[i]:>6.0f} {f'day {first} ({scenario.day(first)})':>22} {so.days_short[i]:>5} "
                  f"{so.units_short[i]:>12,.0f} "
                  f"{_money(so.shortfall_cost[i]) if known[i] else UNKNOWN_VALUE:>12}")
        print("  * TTS: time to survive the first cut (stock days ÷ the share lost on the part's first day of loss); "
              "with overlapping cuts a part may run short sooner: its first short day is exact")
        possible = [str(result.part_numbers[i]) for i in stops if so.possible_share[i] > 0]
        if possible:
            print(shown_text(f"  counted because an origin is unknown (worst case): {', '.join(possible)}"))
    else:
        print("No part runs short.")
    reached = int((so.first_affected_day > 0).sum())
    loses = "loses" if reached == 1 else "lose"
    unpriced = result.unpriced_short()
    print(shown_text(f"{count(reached, 'part')} {loses} supply, {len(stops)} run short; value of units short "
                     f"{_money(float(so.shortfall_cost.sum()))} USD"
                     + (f" (unknown for {count(len(unpriced), 'part')} without a unit price: "
                        f"{', '.join(unpriced[:5])}{' …' if len(unpriced) > 5 else ''})" if unpriced else "") + "."))
    delta = result.part_delta_total
    moved = [i for i in np.argsort(-np.abs(delta)) if abs(delta[i]) >= 0.5][:10]
    if moved:
        print()
        print("Largest cost changes over the horizon, USD:")
        for i in moved:
            print(f"  {shown_text(result.part_numbers[i]):16} {delta[i]:>+14,.0f}")
    if monte_carlo is not None:
        mc = monte_carlo
        print()
        print(f"Monte Carlo: {mc.paths:,} paths, seed {mc.seed}, {mc.model.basis} prices; a random disruption in "
              f"{mc.disrupted_share:.0%} of paths")
        print(f"  total cost over the horizon: mean {_money(mc.total_mean)}, P95 {_money(mc.total_p95)}; cost at "
              f"risk {_money(mc.cost_at_risk)}, expected shortfall {_money(mc.expected_shortfall)} USD")
        likely = [(str(p), float(v)) for p, v in zip(mc.part_numbers, mc.stop_probability, strict=True) if v > 0]
        if likely:
            likely.sort(key=lambda item: -item[1])
            print(shown_text("  probability of running out: " + ", ".join(f"{p} {v:.0%}" for p, v in likely[:10])))


def _cmd_report(args: argparse.Namespace) -> int:
    from riskdesk.io.history import revision_text
    from riskdesk.io.report import ReportError, ReportRequest, UnknownScenario, resolve_scenarios, write_report
    from riskdesk.io.store import unchanged_file

    if args.out.suffix.lower() != ".xlsx":
        raise CliError(f"{args.out}: the report is an Excel workbook; give a file name ending in .xlsx", EXIT_USAGE)
    if args.monte_carlo and not args.scenarios:
        raise CliError("--monte-carlo simulates the report's scenarios: add --scenario NAME", EXIT_USAGE)
    _output(args.out, args, "the report")
    project, revision = _load_with_revision(args.store)
    as_of = args.as_of or dt.date.today()
    from riskdesk.core.scenarios import ScenarioError

    try:
        scenarios = resolve_scenarios(args.scenarios, project, as_of)
    except UnknownScenario as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    except ScenarioError as exc:  # a preset starting in the month of an --as-of beyond the scenarios' bounds
        raise CliError(f"--scenario from the month of --as-of {as_of}: {exc}", EXIT_INVALID) from None
    request = ReportRequest(project, as_of, compare=args.compare, scenarios=scenarios,
                            monte_carlo_paths=args.monte_carlo, seed=args.seed, author=args.author, detail=args.detail,
                            project_file=unchanged_file(args.store, revision),
                            revision=revision_text(revision, args.store), reference=_reference(args.rules))
    try:
        summary = write_report(request, args.out)
    except (ReportError, ScenarioError) as exc:
        raise CliError(f"{args.project}: {exc}", EXIT_INVALID) from None
    except OSError as exc:  # riskdesk.io.xlsx.ExportError says which file and what to do
        raise CliError(str(exc)) from None
    print(shown_text(summary.line()))
    return EXIT_OK


# ---- team workspaces ------------------------------------------------------------------------------------------

def _open_workspace(url: str) -> ProjectStore:
    """The store at `url`, which must be a workspace address (exit 2 otherwise)."""
    from riskdesk.io.store import StoreError, is_database_location, open_store

    if not is_database_location(url):
        raise CliError(f"{url} is not a workspace address: write postgresql://USER@HOST/DATABASE?workspace=NAME",
                       EXIT_USAGE)
    try:
        return open_store(url)
    except StoreError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _upgrade_workspace(url: str) -> int:
    from riskdesk.io.store import StoreError
    from riskdesk.io.store.postgres import PostgresStore

    store = _open_workspace(url)
    assert isinstance(store, PostgresStore)  # a workspace address opens one (`_open_workspace`)
    try:
        before, after = store.upgrade()
    except StoreError as exc:
        raise CliError(str(exc)) from None
    print(f"{store.location}: " + (f"upgraded from workspace schema {before} to {after}" if after > before
                                   else f"already at workspace schema {after}; nothing to do"))
    return EXIT_OK


def _cmd_workspace(args: argparse.Namespace) -> int:
    from riskdesk.io.store import StoreError, open_store

    if args.action == "init":
        store = _open_workspace(args.url)
        from riskdesk.io.store.postgres import init_workspace

        try:
            notes = init_workspace(args.url)
        except StoreError as exc:
            raise CliError(str(exc)) from None
        for note in notes:
            print(f"{store.location}: {shown_text(note)}")
        return EXIT_OK
    if args.action == "upgrade":
        return _upgrade_workspace(args.url)
    if args.action == "push":
        target = _open_workspace(args.url)
        try:
            source = open_store(args.source)
        except StoreError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        project, revision = _read_for_writing(source)
        _hold(args, target, "nothing was pushed")
        if target.exists():
            now = target.revision()
            raise CliError(f"{target.location} already holds a project ({now.describe() if now else 'saved'}); "
                           "nothing was pushed: push into a new workspace name, or pull this one")
        _save(project, target, None, doing="nothing was pushed", text=f"Push {source.name} (revision "
              f"{revision.number})")
        tables = project.tables
        print(f"pushed {source.location} into {target.location}: {len(tables.parts)} parts, "
              f"{len(tables.suppliers)} suppliers, {len(tables.paths)} supply paths")
        return EXIT_OK
    store = _open_workspace(args.url)
    out = args.out
    from riskdesk.io.store.rdproj import SUFFIX

    if out.suffix.lower() != SUFFIX:
        raise CliError(f"{out}: a pulled workspace is written as a project file; name it …{SUFFIX}", EXIT_USAGE)
    if (out.exists() or out.is_symlink()) and not args.force:
        raise CliError(f"{out} already exists: choose another name, or add --force to replace it", EXIT_FILE)
    project, revision = _load_with_revision(store)
    from riskdesk.io.store import UNCHECKED

    target = open_store(out)
    _hold(args, target, "nothing was written")
    _save(project, target, UNCHECKED if args.force else None, doing="nothing was written",
          text=f"Pulled from {store.location} at revision {revision.number}")
    print(f"wrote {out}: {store.location} at revision {revision.number} ({revision.describe()})")
    return EXIT_OK


def _load_with_revision(store: ProjectStore) -> tuple[Project, Revision]:
    from riskdesk.io.store import StoreError

    try:
        return store.read()
    except StoreError as exc:
        raise CliError(str(exc)) from None


def _cmd_history(args: argparse.Namespace) -> int:
    """Every commit and save of the project, oldest first, with who, when and what; --part keeps those that
    changed the part's rows (its own, its supply paths, its composition). The window's History view lists the same
    entries (riskdesk.io.history)."""
    from riskdesk.io.history import change_size, project_history, source_text
    from riskdesk.io.store import StoreError

    store: ProjectStore = args.store
    try:
        shown = project_history(store, since=args.since, part=args.part)
    except StoreError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps({"project": store.location, "entries": [entry.to_json() for entry in shown]},
                         ensure_ascii=False, indent=2))
        return EXIT_OK
    for entry in shown:
        what = f"{entry.text} ({source_text(entry.source)})" if entry.changes is not None else entry.text
        if entry.changes is not None:
            what += f" [{change_size(entry.changes)}]"
        if entry.parts:
            what += f" parts: {', '.join(entry.parts[:5])}{' …' if len(entry.parts) > 5 else ''}"
        print(f"{entry.revision:>6}  {entry.at or '?':25}  {entry.by or '?'}  {shown_text(what)}")
    if not shown:
        print("(nothing recorded" + (" for these filters)" if args.since or args.part else ")"))
    return EXIT_OK
