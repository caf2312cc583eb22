"""`riskdesk …` on the command line: create, import, score and list rules headless, for batch use and scripts.

Exit codes: 0 done, 1 a file could not be read or written, 2 bad arguments, 3 the input file is invalid
(nothing was changed). Problems go to stderr as one line each, never as a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from riskdesk import __version__
from riskdesk.core.datafile import DataFileError
from riskdesk.core.problems import Problem
from riskdesk.core.project import Project, ProjectSettings

if TYPE_CHECKING:  # imported where used, to keep the command line quick to start
    from riskdesk.core.reference import ReferenceData
    from riskdesk.io.mapping import SheetMapping

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
    demo.add_argument("project", type=Path, metavar="PROJECT")

    new = commands.add_parser("new", help="create an empty project")
    new.add_argument("project", type=Path, metavar="PROJECT")
    new.add_argument("--import-country", type=_country, default="US", metavar="CC",
                     help="country the buyer imports into (default US)")
    new.add_argument("--name", default=None, help="project name (default: the file name)")

    imp = commands.add_parser("import", help="import a BOM or supplier spreadsheet (or a folder of them)")
    imp.add_argument("project", type=Path, metavar="PROJECT")
    imp.add_argument("files", type=Path, nargs="+", metavar="FILE")
    imp.add_argument("--mapping", type=Path, metavar="M.json", help="column mapping to use (see --show-mapping)")
    imp.add_argument("--show-mapping", action="store_true", help="print the proposed mapping and change nothing")
    imp.add_argument("--save-mapping", type=Path, metavar="M.json",
                     help="with --show-mapping: also write the proposal as JSON to correct and pass to --mapping")
    imp.add_argument("--sheet", metavar="NAME", help="read only this sheet")
    imp.add_argument("--dry-run", action="store_true", help="check everything, change nothing")
    imp.add_argument("--report", type=Path, metavar="OUT.xlsx", help="save the validation report as a workbook")

    score = commands.add_parser("score", help="score the project's parts as of a date")
    score.add_argument("project", type=Path, metavar="PROJECT")
    score.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="default: today")
    score.add_argument("--json", action="store_true", help="print one JSON object")
    score.add_argument("--compare", type=_date, default=None, metavar="YYYY-MM-DD",
                       help="also score on this date and show what changes")
    score.add_argument("--rules", type=Path, default=None, metavar="LIST.toml",
                       help="use this control list instead of the bundled one")

    rules = commands.add_parser("rules", help="list the bundled control rules and their status on a date")
    rules.add_argument("--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="default: today")
    rules.add_argument("--json", action="store_true", help="print JSON")
    rules.add_argument("--file", type=Path, default=None, metavar="LIST.toml", help="a control list file to check")
    rules.add_argument("--diff", type=Path, default=None, metavar="NEWER.toml",
                       help="compare the bundled list with a newer file")

    template = commands.add_parser("template", help="write the blank import template")
    template.add_argument("out", type=Path, metavar="OUT.xlsx")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers = {
        "demo": _cmd_demo,
        "new": _cmd_new,
        "import": _cmd_import,
        "score": _cmd_score,
        "rules": _cmd_rules,
        "template": _cmd_template,
    }
    try:
        return handlers[args.command](args)
    except CliError as exc:
        print(f"riskdesk: {exc}", file=sys.stderr)
        return exc.code
    except DataFileError as exc:
        print(f"riskdesk: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("riskdesk: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `riskdesk score … | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _load(path: Path) -> Project:
    from riskdesk.io.project_file import ProjectFileError, load_project

    try:
        return load_project(path)
    except ProjectFileError as exc:
        raise CliError(str(exc)) from None


def _save(project: Project, path: Path) -> None:
    from riskdesk.io.project_file import ProjectFileError, save_project

    try:
        save_project(project, path)
    except ProjectFileError as exc:
        raise CliError(str(exc)) from None


def _cmd_demo(args: argparse.Namespace) -> int:
    from riskdesk.core.demo import demo_project

    project = demo_project()
    _save(project, args.project)
    tables = project.tables
    print(f"wrote {args.project}: {len(tables.parts)} parts, {len(tables.suppliers)} suppliers, "
          f"{len(tables.paths)} supply paths")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    if args.project.exists():
        raise CliError(f"{args.project} already exists; choose another name")
    settings = ProjectSettings(name=args.name or args.project.stem, import_country=args.import_country)
    _save(Project(settings=settings), args.project)
    print(f"wrote {args.project} (imports into {args.import_country})")
    return EXIT_OK


def _print_problems(problems: Sequence[Problem], stream: TextIO | None = None) -> None:
    for problem in problems:
        print(str(problem), file=stream or sys.stderr)


def _cmd_import(args: argparse.Namespace) -> int:
    from riskdesk.io import importer
    from riskdesk.io.template import write_problem_report

    for file in args.files:
        if not file.exists():
            raise CliError(f"{file} does not exist")
    project = _load(args.project) if args.project.exists() else Project(
        settings=ProjectSettings(name=args.project.stem)
    )
    mapping = None
    if args.mapping:
        try:
            mapping = json.loads(args.mapping.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CliError(f"cannot read the mapping {args.mapping}: {exc}", EXIT_INVALID) from None

    if args.show_mapping:
        proposals = importer.propose(args.files, sheet=args.sheet, known=project.saved_mappings)
        for proposal in proposals:
            _print_mapping(proposal, sys.stdout)
        if args.save_mapping:
            data = {"mappings": [proposal.to_json() for proposal in proposals]}
            try:
                args.save_mapping.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
            except OSError as exc:
                raise CliError(f"cannot write {args.save_mapping}: {exc.strerror or exc}") from None
            print(f"wrote {args.save_mapping}: edit any 'field' and pass it back with --mapping")
        return EXIT_OK

    result = importer.read_and_validate(args.files, mapping=mapping, sheet=args.sheet, known=project.saved_mappings)
    unsure = [m for m in result.mappings if not m.is_confident()] if mapping is None else []
    problems = list(result.problems)
    merged = None
    if not result.errors and not unsure:
        merged = project.tables.merged_with(result.tables)
        problems += [p for p in merged.validate() if p.is_error]
    if args.report:
        write_problem_report(problems, args.report, result.mappings)
    if unsure:
        print("riskdesk: the column mapping needs a person to confirm it; nothing was imported.", file=sys.stderr)
        for proposal in unsure:
            _print_mapping(proposal, sys.stderr)
        print("Save a corrected mapping as JSON (see docs/import.md) and pass it with --mapping.", file=sys.stderr)
        return EXIT_INVALID
    errors = [p for p in problems if p.is_error]
    if errors or merged is None:
        _print_problems(errors)
        print(f"riskdesk: {len(errors)} error(s); nothing was imported and {args.project} is unchanged.",
              file=sys.stderr)
        return EXIT_INVALID

    for proposal in result.mappings:
        _print_mapping(proposal, sys.stdout)
    _print_problems([p for p in problems if not p.is_error], sys.stdout)
    tables = result.tables
    summary = (f"{len(tables.parts)} parts, {len(tables.suppliers)} suppliers, {len(tables.paths)} supply paths "
               f"from {result.rows_read} rows")
    if args.dry_run:
        print(f"dry run: {summary} would be imported; {args.project} is unchanged")
        return EXIT_OK
    project.tables = merged
    for proposal in result.mappings:
        project.saved_mappings[proposal.signature] = proposal.to_json()
    _save(project, args.project)
    print(f"imported {summary} into {args.project}")
    return EXIT_OK


def _print_mapping(mapping: SheetMapping, stream: TextIO) -> None:
    m = mapping
    print(f"{m.file} [{m.sheet}] header on row {m.header_row}:", file=stream)
    for choice in m.columns:
        target = choice.field or "(not imported)"
        print(f"  {choice.header!r:32} -> {target:20} {choice.confidence:4.0%}  {choice.reason}", file=stream)
    for rule in m.rules:
        print(f"  rule: {rule}", file=stream)
    missing = m.missing_required()
    if missing:
        wanted = ", ".join(" or ".join(group) for group in missing)
        print(f"  required but not found: {wanted} (add the column, or map one to it)", file=stream)
    if m.ambiguous:
        print(f"  ambiguous: {', '.join(m.ambiguous)}", file=stream)


def _reference(rules_file: Path | None) -> ReferenceData:
    from riskdesk.core.reference import default_reference

    reference = default_reference()
    return reference.with_control_list(rules_file) if rules_file else reference


def _cmd_score(args: argparse.Namespace) -> int:
    from riskdesk.core.evaluation import band, compare, compile_project, evaluate

    project = _load(args.project)
    problems = [p for p in project.validate() if p.is_error]
    if problems:
        _print_problems(problems)
        raise CliError(f"{args.project} has {len(problems)} error(s); fix them before scoring", EXIT_INVALID)
    reference = _reference(args.rules)
    compiled = compile_project(project, reference)
    as_of = args.as_of or dt.date.today()
    evaluation = evaluate(compiled, as_of, project.settings, reference)
    later = evaluate(compiled, args.compare, project.settings, reference) if args.compare else None
    if args.json:
        data = evaluation.to_json()
        if later is not None:
            data["compare"] = {"as_of": args.compare.isoformat(),
                               "changes": [change.to_json() for change in compare(evaluation, later)]}
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        print()
        return EXIT_OK

    score, reason = evaluation.portfolio_score()
    print(f"{project.settings.name} — as of {as_of}, control list {evaluation.rules_version}, "
          f"buyer imports into {project.settings.import_country}")
    print(f"Portfolio score {score:.0f} ({band(score)}): {reason}")
    print()
    header = f"{'part':16} {'score':>5} {'band':6} {'hits':>4} {'watch':>5}  top factors"
    print(header)
    print("-" * len(header))
    reports = sorted(evaluation.part_reports(), key=lambda r: -r.score)
    for report in reports:
        top = sorted(report.factors.values(), key=lambda f: -f.value * f.weight)[:2]
        factors = ", ".join(f"{f.name} {f.value:.0f}" for f in top)
        print(f"{report.part_number:16} {report.score:5.0f} {report.band:6} {len(report.hits):4} "
              f"{len(report.watch):5}  {factors}{_floor_tag(report.floor)}")
    kg = evaluation.elements_kg()
    print()
    print("Elements per year: " + ", ".join(f"{s} {v:,.1f} kg" for s, v in sorted(kg.items(), key=lambda i: -i[1])))
    if later is not None:
        print()
        print(f"What changes on {args.compare}:")
        changes = compare(evaluation, later)
        for change in changes:
            gained = f" +{', '.join(change.rules_gained)}" if change.rules_gained else ""
            lost = f" -{', '.join(change.rules_lost)}" if change.rules_lost else ""
            print(f"  {change.part_number:16} {change.score_before:5.0f} → {change.score_after:5.0f}{gained}{lost}")
        if not changes:
            print("  nothing")
    return EXIT_OK


def _floor_tag(floor: float) -> str:
    """The short mark beside a part held at a floor (see docs/method.md, "Floors")."""
    from riskdesk.core.evaluation import NO_PATH_FLOOR, PROHIBITED_FLOOR, RED_FLOOR

    tags = {PROHIBITED_FLOOR: "prohibited", RED_FLOOR: "may be prohibited", NO_PATH_FLOOR: "no supply path"}
    return f"  [floor {floor:g}: {tags[floor]}]" if floor in tags else ""


def _cmd_rules(args: argparse.Namespace) -> int:
    from riskdesk.core.rules import default_control_list, load_control_list

    control_list = load_control_list(args.file) if args.file else default_control_list()
    if args.diff:
        newer = load_control_list(args.diff)
        for line in control_list.diff(newer).lines():
            print(line)
        return EXIT_OK
    as_of = args.as_of or dt.date.today()
    rows = [rule.to_json(as_of) for rule in control_list.rules]
    if args.json:
        json.dump({"as_of": as_of.isoformat(), "version": control_list.version, "rules": rows}, sys.stdout,
                  indent=2, ensure_ascii=False)
        print()
        return EXIT_OK
    print(f"{control_list.title} {control_list.version} — status as of {as_of}")
    print()
    for row in rows:
        print(f"{row['id']:24} {row['status']:28} {row['effect_label']:22} [{row['confidence']}] {row['title']}")
        print(f"{'':24} {row['status_reason']}")
    return EXIT_OK


def _cmd_template(args: argparse.Namespace) -> int:
    from riskdesk.io.template import write_template

    try:
        write_template(args.out)
    except OSError as exc:
        raise CliError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    print(f"wrote {args.out}")
    return EXIT_OK
