"""The long reliability run of issues 15 and 19: kills during save, fuzzed imports, fuzzed project files and
control lists, concurrent writers, and fuzzed scenario files and settings files. Each ends with its figures; all
must show 0 tracebacks, 0 changed (or damaged) projects, 0 leftovers, 0 lost imports and 0 messages of more than
one line.

    .venv/bin/python bench/reliability.py             # 200 kills, 10,000 imports, 1,000 files, lists, scenario
                                                      # and settings files, 100 pairs
    .venv/bin/python bench/reliability.py --quick     # a few minutes
    .venv/bin/python bench/reliability.py --only kills imports

The test suite runs the same functions on small counts (tests/io/test_reliability_runs.py); docs/reliability.md
has the figures of the last long run. Exit code 1 when any figure is not 0.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.fuzz import (  # noqa: E402
    fuzz_control_list,
    fuzz_import_file,
    fuzz_project_file,
    fuzz_scenario_file,
    fuzz_settings_file,
)


@dataclass
class Figures:
    """What one run counted: `counts` are outcomes, `failures` must all be 0; `examples` show the first few."""

    name: str
    runs: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def fail(self, kind: str, example: str) -> None:
        self.failures[kind] += 1
        if len(self.examples) < 5:
            self.examples.append(f"{kind}: {example}")

    @property
    def ok(self) -> bool:
        return not sum(self.failures.values())

    def line(self) -> str:
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(self.counts.items()))
        failures = ", ".join(f"{k} {v:,}" for k, v in sorted(self.failures.items())) or "none"
        return (f"{self.name}: {self.runs:,} runs in {self.seconds:,.0f} s ({counts}); failures: {failures}"
                + ("" if self.ok else " | FAILED: " + " | ".join(self.examples)))


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith((".saving", ".lock")) or ".writing" in p.name]


# ---- kills during save ------------------------------------------------------------------------------------------

_SAVER = r"""
import sys, itertools
from pathlib import Path
from riskdesk.io.project_file import read_project, save_project
from riskdesk.io.project_lock import ProjectLock
path = Path(sys.argv[1])
lock = ProjectLock(path).acquire(10)
project, state = read_project(path)
print("ready", flush=True)
for n in itertools.count():
    project.tables.parts.loc[0, "description"] = f"save {n}"
    state = save_project(project, path, expected=state)
"""


def kills_during_save(count: int, folder: Path, seed: int = 200) -> Figures:
    """Start a process that saves a project over and over, kill it at a random moment, count what the next
    opener finds: a damaged project, a project that is not one of the saves, a leftover temporary file or lock."""
    from riskdesk.core.demo import demo_project
    from riskdesk.io.project_file import ProjectFileError, read_project, save_project
    from riskdesk.io.project_lock import ProjectLock

    figures = Figures("kills during save")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "killed.rdproj"
    save_project(demo_project(), path)
    parts = len(demo_project().tables.parts)
    started = time.perf_counter()
    for _ in range(count):
        child = subprocess.Popen([sys.executable, "-c", _SAVER, str(path)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, cwd=ROOT)
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            figures.fail("saver did not start", child.stderr.read() if child.stderr else "")
            child.kill()
            child.wait()
            continue
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        child.wait()
        figures.runs += 1
        if any(p.name.endswith(".saving") for p in folder.iterdir()):
            figures.counts["killed while writing"] += 1  # the rest died between two saves, or while replacing
        try:
            with ProjectLock(path).acquire(2):  # the dead saver's lock is free again
                project, state = read_project(path)
        except ProjectFileError as exc:
            figures.fail("project unreadable after a kill", str(exc))
            continue
        description = str(project.tables.parts.loc[0, "description"])
        if len(project.tables.parts) != parts or not (description.startswith("save ") or state.revision <= 1):
            figures.fail("project not one of the saves", description)
        figures.counts["saves seen"] = max(figures.counts["saves seen"], state.revision)
        left = _leftovers(folder)
        if left:
            figures.fail("leftovers", ", ".join(p.name for p in left))
            for leftover in left:
                leftover.unlink()
    figures.seconds = time.perf_counter() - started
    return figures


# ---- fuzzed imports ---------------------------------------------------------------------------------------------

def fuzzed_imports(count: int, folder: Path, seed: int = 10_000) -> Figures:
    """`riskdesk import` of hostile and broken spreadsheets into a project: any exit but 0 must leave the project
    byte for byte as it was; exit 0 must leave a project that loads; nothing may escape as a traceback."""
    from riskdesk.cli import main
    from riskdesk.core.demo import demo_project
    from riskdesk.io.project_file import ProjectFileError, load_project, save_project

    figures = Figures("fuzzed imports")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    inputs = folder / "inputs"
    inputs.mkdir(exist_ok=True)
    original = folder / "original.rdproj"
    save_project(demo_project(), original)
    project = folder / "imported.rdproj"
    shutil.copy(original, project)
    started = time.perf_counter()
    for index in range(count):
        source = fuzz_import_file(inputs, rng, index)
        before = project.read_bytes()
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["import", str(project), str(source)])
        except BaseException as exc:
            figures.fail("traceback", f"{source.name}: {type(exc).__name__}: {exc}")
            code = -1
        figures.runs += 1
        figures.counts[f"exit {code}"] += 1
        if code != 0:
            if project.read_bytes() != before:
                figures.fail("changed project", source.name)
            if code > 0 and not err.getvalue().strip():
                figures.fail("refused without a message", source.name)
        else:
            try:
                load_project(project)
            except ProjectFileError as exc:
                figures.fail("damaged project", f"{source.name}: {exc}")
            shutil.copy(original, project)  # start each import from the demo again
        left = _leftovers(folder)
        if left:
            figures.fail("leftovers", ", ".join(p.name for p in left))
            for leftover in left:
                leftover.unlink()
        source.unlink()
    figures.seconds = time.perf_counter() - started
    return figures


# ---- fuzzed project files and control lists ---------------------------------------------------------------------

def fuzzed_project_files(count: int, folder: Path, seed: int = 1_000) -> Figures:
    """Open damaged project files: a project or one ProjectFileError, never a traceback, and the file unchanged."""
    from riskdesk.core.demo import demo_project
    from riskdesk.io.project_file import ProjectFileError, load_project, save_project

    figures = Figures("fuzzed project files")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    good = folder / "good.rdproj"
    save_project(demo_project(), good)
    started = time.perf_counter()
    for index in range(count):
        path = folder / f"fuzzed-{index % 20}.rdproj"
        if path.exists():
            path.unlink()
        what = fuzz_project_file(good, path, rng)
        before = path.read_bytes() if path.is_file() else None
        figures.runs += 1
        try:
            load_project(path)
            figures.counts["opened"] += 1
        except ProjectFileError as exc:
            figures.counts["refused with a message"] += 1
            if "\n" in str(exc):
                figures.fail("message of several lines", what)
        except BaseException as exc:
            figures.fail("traceback", f"{what}: {type(exc).__name__}: {exc}")
        if (path.read_bytes() if path.is_file() else None) != before:
            figures.fail("changed file", what)
    figures.seconds = time.perf_counter() - started
    return figures


def fuzzed_control_lists(count: int, folder: Path, seed: int = 6) -> Figures:
    from riskdesk.core.datafile import DataFileError
    from riskdesk.core.resources import resource_path
    from riskdesk.core.rules import load_control_list

    figures = Figures("fuzzed control lists")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    good = resource_path("rules", "control_list.toml")
    started = time.perf_counter()
    for _ in range(count):
        path = folder / "list.toml"
        what = fuzz_control_list(good, path, rng)
        figures.runs += 1
        try:
            load_control_list(path)
            figures.counts["loaded"] += 1
        except DataFileError:
            figures.counts["refused with a message"] += 1
        except BaseException as exc:
            figures.fail("traceback", f"{what}: {type(exc).__name__}: {exc}")
    figures.seconds = time.perf_counter() - started
    return figures


# ---- fuzzed scenario files and settings files (issue 19) --------------------------------------------------------

def _one_line(code: int, out: str, err: str) -> str:
    """What is wrong with a command's output by issue 19's rule ("" when nothing): a refusal is one line on stderr
    with exit 1 or 3; a result is finite."""
    if code not in (0, 1, 3):
        return f"exit {code}"
    if code and (err.count("\n") != 1 or not err.startswith("riskdesk: ")):
        return "not one line"
    if "\x1b" in out + err or "\u202e" in out + err:
        return "terminal escape printed"
    if code == 0 and not _finite(out):
        return "number not finite"
    return ""


def _finite(out: str) -> bool:
    """Whether every figure printed is a number: strict JSON, or no nan/inf in the cost lines and month table."""
    if out.startswith("{"):
        try:
            json.loads(out, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        except ValueError:
            return False
        return True
    figures = [line for line in out.splitlines() if re.match(r"(\d{4}-\d\d |Portfolio cost|  on |  total cost)", line)]
    return not any(re.search(r"(?<![A-Za-z])[+-]?(nan|inf)(?![A-Za-z])", line) for line in figures)


def fuzzed_scenario_files(count: int, folder: Path, seed: int = 19) -> Figures:
    """`riskdesk scenario PROJECT --file F` (and `--json`) on damaged and hostile scenario files: a result with
    finite numbers, or one line with exit 1 or 3; never a traceback, and the project unchanged."""
    from riskdesk.cli import main
    from riskdesk.core.demo import demo_project
    from riskdesk.core.presets import default_presets
    from riskdesk.io.project_file import save_project

    figures = Figures("fuzzed scenario files")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "demo.rdproj"
    save_project(demo_project(), project)
    before = project.read_bytes()
    goods = [preset.scenario().to_json() for preset in default_presets().presets]
    started = time.perf_counter()
    for index in range(count):
        path = folder / f"fuzzed-{index % 10}.json"
        what = fuzz_scenario_file(rng.choice(goods), path, rng)
        out, err = io.StringIO(), io.StringIO()
        args = ["scenario", str(project), "--file", str(path), *(["--json"] if index % 2 else [])]
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(args)
        except BaseException as exc:
            figures.fail("traceback", f"{what}: {type(exc).__name__}: {exc}")
            continue
        finally:
            figures.runs += 1
        figures.counts[f"exit {code}"] += 1
        problem = _one_line(code, out.getvalue(), err.getvalue())
        if problem:
            figures.fail(problem, f"{what}: {err.getvalue()[:200]!r}")
        if project.read_bytes() != before:
            figures.fail("changed project", what)
    figures.seconds = time.perf_counter() - started
    return figures


def fuzzed_settings_files(count: int, folder: Path, seed: int = 1919) -> Figures:
    """`riskdesk import --dry-run` with a damaged settings file: the import runs on the defaults, says so in one
    line, and the damaged file is kept aside byte for byte."""
    from riskdesk.cli import main
    from riskdesk.core.demo import demo_project
    from riskdesk.io import userdirs
    from riskdesk.io.project_file import save_project

    figures = Figures("fuzzed settings files")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "demo.rdproj"
    save_project(demo_project(), project)
    source = folder / "bom.csv"
    source.write_text("part_number,magnet_family,magnet_mass_g,annual_units,supplier_id,share_pct\n"
                      "F-1,NdFeB-sintered,10,100,S-F,100\n", encoding="utf-8")
    started = time.perf_counter()
    for _ in range(count):
        dirs = userdirs.init()
        for old in dirs.config.iterdir():
            old.unlink()
        what = fuzz_settings_file(dirs.settings_file, rng)
        written = dirs.settings_file.read_bytes()
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["import", str(project), str(source), "--dry-run"])
        except BaseException as exc:
            figures.fail("traceback", f"{what}: {type(exc).__name__}: {exc}")
            continue
        finally:
            figures.runs += 1
        said = err.getvalue()
        kept = [p for p in dirs.config.iterdir() if p.name.startswith("settings.json.damaged-")]
        figures.counts["said damaged" if said else "read as it was"] += 1
        if code != 0:
            figures.fail(f"exit {code}", f"{what}: {said[:200]!r}")
        elif said and (said.count("\n") != 1 or len(kept) != 1 or kept[0].read_bytes() != written):
            figures.fail("not one line, or the damaged file not kept", f"{what}: {said[:200]!r}")
        elif not said and kept:
            figures.fail("kept aside without saying so", what)
    figures.seconds = time.perf_counter() - started
    return figures


# ---- concurrent writers -----------------------------------------------------------------------------------------

def concurrent_writers(tries: int, folder: Path) -> Figures:
    """Two `riskdesk import` processes into one project at the same moment, each bringing its own part: both
    parts must be there afterwards (or the one that did not get in must say so and exit non-zero)."""
    import csv

    from riskdesk.core.demo import demo_project
    from riskdesk.io.project_file import load_project, save_project

    figures = Figures("concurrent writers")
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "shared.rdproj"
    sources = []
    for name in ("A", "B"):
        source = folder / f"{name}.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["part_number", "magnet_family", "magnet_mass_g", "annual_units", "supplier_id",
                             "share_pct"])
            writer.writerow([f"{name}-1", "NdFeB-sintered", "10", "100", f"S-{name}", "100"])
        sources.append(source)
    command = [sys.executable, "-c", "import sys; from riskdesk.cli import main; sys.exit(main(sys.argv[1:]))"]
    started = time.perf_counter()
    for _ in range(tries):
        save_project(demo_project(), project)
        runs = [subprocess.Popen([*command, "import", str(project), str(s)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, cwd=ROOT) for s in sources]
        results = [(r.wait(timeout=120), r.communicate()[1]) for r in runs]
        figures.runs += 1
        parts = set(load_project(project).tables.parts["part_number"])
        for (code, err), name in zip(results, ("A-1", "B-1"), strict=True):
            figures.counts[f"exit {code}"] += 1
            if code == 0 and name not in parts:
                figures.fail("lost import", f"{name} said imported but is missing")
            if code != 0 and "in use" not in err:
                figures.fail("refused without saying why", err.strip()[-200:])
        left = _leftovers(folder)
        if left:
            figures.fail("leftovers", ", ".join(p.name for p in left))
    figures.seconds = time.perf_counter() - started
    return figures


RUNS = {
    "kills": (kills_during_save, 200, 20),
    "imports": (fuzzed_imports, 10_000, 300),
    "files": (fuzzed_project_files, 1_000, 200),
    "lists": (fuzzed_control_lists, 1_000, 100),
    "concurrent": (concurrent_writers, 100, 5),
    "scenarios": (fuzzed_scenario_files, 1_000, 100),
    "settings": (fuzzed_settings_files, 1_000, 100),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts (a few minutes)")
    parser.add_argument("--only", nargs="*", choices=sorted(RUNS), default=sorted(RUNS))
    parser.add_argument("--json", type=Path, default=None, help="also write the figures to this file")
    args = parser.parse_args(argv)
    os.environ.setdefault("RISKDESK_USER_DIR", tempfile.mkdtemp(prefix="riskdesk-reliability-user-"))
    results = []
    with tempfile.TemporaryDirectory(prefix="riskdesk-reliability-") as scratch:
        for name in args.only:
            run, full, quick = RUNS[name]
            figures = run(quick if args.quick else full, Path(scratch) / name)
            print(figures.line(), flush=True)
            results.append(figures)
    if args.json:
        args.json.write_text(json.dumps([{"name": f.name, "runs": f.runs, "seconds": round(f.seconds, 1),
                                          "counts": dict(f.counts), "failures": dict(f.failures),
                                          "examples": f.examples} for f in results], indent=2), encoding="utf-8")
    return 0 if all(f.ok for f in results) else 1


if __name__ == "__main__":
    sys.exit(main())
