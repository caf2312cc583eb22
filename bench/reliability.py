"""The long reliability run of issues 15 and 19: kills during save, fuzzed imports, fuzzed project files and
control lists, concurrent writers, files describing oversized sheets, and fuzzed scenario files and settings files.
Each ends with its figures; all must show 0 tracebacks, 0 changed (or damaged) projects, 0 leftovers, 0 lost
imports and 0 messages of more than one line.

    .venv/bin/python bench/reliability.py             # 200 kills, 10,000 imports, 1,000 files, lists, scenario
                                                      # and settings files, 100 pairs, 200 oversized sheets
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
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

if TYPE_CHECKING:
    import resource

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
    worst_seconds: float = 0.0
    """The longest one command of the run took (wall clock), where the run measures it."""
    worst_mb: float = 0.0
    """The most memory one command of the run used (peak resident set), where the run measures it."""

    def note(self, seconds: float, usage: resource.struct_rusage, peak_mb: float | None = None) -> None:
        """One command's wall time and resources (from os.wait4; `peak_mb` where the command said its own peak, see
        `_peak_mb`), for the run's worst figures."""
        self.worst_seconds = max(self.worst_seconds, seconds)
        self.worst_mb = max(self.worst_mb, peak_mb if peak_mb is not None else usage.ru_maxrss / 1024)

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
        worst = (f"; worst {self.worst_seconds:,.2f} s, {self.worst_mb:,.0f} MB" if self.worst_seconds else "")
        return (f"{self.name}: {self.runs:,} runs in {self.seconds:,.0f} s ({counts}){worst}; failures: {failures}"
                + ("" if self.ok else " | FAILED: " + " | ".join(self.examples)))


def _leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith((".saving", ".lock")) or ".writing" in p.name]


# ---- kills during save ------------------------------------------------------------------------------------------

_SAVER = r"""
import sys, itertools
from riskdesk.io.store import open_store
store = open_store(sys.argv[1])
lease = store.lease(10)
project, revision = store.read()
print("ready", flush=True)
for n in itertools.count():
    project.tables.parts.loc[0, "description"] = f"save {n}"
    revision = store.save(project, revision)
"""


def kills_during_save(count: int, folder: Path, seed: int = 200) -> Figures:
    """Start a process that saves a project over and over, kill it at a random moment, count what the next
    opener finds: a damaged project, a project that is not one of the saves, a leftover temporary file or lock."""
    from riskdesk.core.demo import demo_project
    from riskdesk.io.store import StoreError, open_store

    figures = Figures("kills during save")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "killed.rdproj"
    store = open_store(path)
    store.save(demo_project(), None)
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
            lease = store.lease(2)  # the dead saver's lock is free again
            try:
                project, revision = store.read()
            finally:
                lease.release()
        except StoreError as exc:
            figures.fail("project unreadable after a kill", str(exc))
            continue
        description = str(project.tables.parts.loc[0, "description"])
        if len(project.tables.parts) != parts or not (description.startswith("save ") or revision.number <= 1):
            figures.fail("project not one of the saves", description)
        figures.counts["saves seen"] = max(figures.counts["saves seen"], revision.number)
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
    from riskdesk.io.store.project_file import ProjectFileError, load_project, save_project

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


# ---- oversized sheets in any spelling -----------------------------------------------------------------------------

_ODS_BLOCK = ('<table:table-row table:number-rows-repeated="{n}"><table:table-cell table:number-columns-repeated='
              '"{n}" office:value-type="string"><text:p>X</text:p></table:table-cell></table:table-row>')


def _respell(xml: str, rng: random.Random) -> str:
    """The repeat counts of `xml` written another way python-calamine still reads: single quotes, spaces around
    "=", a leading "+", a character reference for the first digit."""
    how = rng.choice(("plain", "single", "spaces", "plus", "reference"))
    if how == "single":
        return re.sub(r'repeated="([^"]*)"', r"repeated='\1'", xml)
    if how == "spaces":
        return xml.replace('repeated="', 'repeated = "')
    if how == "plus":
        return xml.replace('repeated="', 'repeated="+')
    if how == "reference":
        return xml.replace('repeated="9', 'repeated="&#57;')
    return xml


def oversized_sheet_file(folder: Path, rng: random.Random, index: int) -> tuple[Path, str]:
    """A small file describing a sheet far over the limits, in one of many shapes and spellings, and its name."""
    import struct

    from tests.io.helpers import sheet_xml, write_ods_table, write_raw_xlsx

    kind = index % 9
    if kind == 0:  # the reviewer's block, counts of 2 to 4 digits, repeated until past 30 million cells
        n = rng.choice((99, 250, 999, 1500))
        blocks = 30_000_000 // (n * n) + 1 + rng.randrange(20)
        return write_ods_table(folder / f"blocks-{index}.ods", _respell(_ODS_BLOCK.format(n=n), rng) * blocks), \
            f"ods {blocks} blocks of {n}×{n}"
    if kind == 1:
        rows = rng.choice((1_048_577, 10**9, 10**15))
        xml = (f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell office:value-type="float" '
               'office:value="9"/></table:table-row>')
        return write_ods_table(folder / f"rows-{index}.ods", _respell(xml, rng)), f"ods {rows:,} rows"
    if kind == 2:
        columns = rng.choice((2_001, 16_000, 10**9))
        xml = (f'<table:table-row table:number-rows-repeated="9"><table:table-cell table:number-columns-repeated='
               f'"{columns}" office:value-type="float" office:value="9"/></table:table-row>')
        return write_ods_table(folder / f"columns-{index}.ods", _respell(xml, rng)), f"ods {columns:,} columns"
    if kind == 3:  # empty rows repeated between two filled ones
        gap = rng.choice((300_000, 5_000_000))
        filled = '<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>'
        xml = filled + f'<table:table-row table:number-rows-repeated="{gap}"><table:table-cell/></table:table-row>'
        return write_ods_table(folder / f"gap-{index}.ods", xml + filled), f"ods gap of {gap:,} rows"
    if kind == 4:  # xlsx cells without an address stretch a row
        count = rng.choice((2_500, 5_000))
        body = ('<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1"><v>1</v></c>' + "<c/>" * count
                + "<c><v>1</v></c></row></sheetData>")
        return write_raw_xlsx(folder / f"counted-{index}.xlsx", sheet_xml(body)), f"xlsx {count:,} unaddressed cells"
    if kind == 5:  # xlsx addresses spelled with white space, single quotes or a prefix
        cell = rng.choice(('<c r\t="XFD1048576">', "<c r='XFD1048576'>", '<c r = "XFD1048576">',
                           '<x:c xmlns:x="urn:x" r="XFD1048576">'))
        end = "</x:c>" if cell.startswith("<x:") else "</c>"
        body = (f'<dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1"><v>1</v></c>{cell}<v>1</v>{end}</row>'
                "</sheetData>")
        return write_raw_xlsx(folder / f"spelled-{index}.xlsx", sheet_xml(body)), f"xlsx {cell!r}"
    if kind == 6:  # a shared string longer than any cell (random letters: a repeated text is a zip bomb)
        text = "".join(rng.choices(string.ascii_letters, k=rng.choice((400_000, 2_000_000))))
        strings = f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>{text}</t></si></sst>'
        body = '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData>'
        return write_raw_xlsx(folder / f"string-{index}.xlsx", sheet_xml(body), {"xl/sharedStrings.xml": strings}), \
            f"xlsx shared string of {len(text):,} characters"
    data = bytearray((ROOT / "tests" / "io" / "data" / "legacy_bom.xls").read_bytes())
    if kind == 7:  # an .xls DIMENSIONS record claiming more rows than the format has
        at = data.find(b"\x00\x02\x0e\x00", 512)
        data[at + 4: at + 16] = struct.pack("<IIHH", 0, rng.choice((65_537, 10**6, 0xFFFFFFF0)), 0, 0xFF)
        what = "xls dimensions"
    else:  # an .xls cell placed at the last row and column
        at = data.find(b"\xfd\x00\x0a\x00", 512)
        data[at + 4: at + 8] = struct.pack("<HH", rng.choice((0, 0xFFFF)), rng.choice((0x100, 0xFFFF)))
        what = "xls cell far out"
    path = folder / f"records-{index}.xls"
    path.write_bytes(bytes(data))
    return path, what


PEAK_FILE_VARIABLE = "RISKDESK_BENCH_PEAK_FILE"
_CLI_SAYING_ITS_PEAK = f"""
import os, sys
from riskdesk.cli import main
try:
    code = main(sys.argv[1:])
finally:
    if os.path.exists("/proc/self/status"):
        with open("/proc/self/status") as status, open(os.environ["{PEAK_FILE_VARIABLE}"], "w") as out:
            out.write("".join(line for line in status if line.startswith("VmHWM:")))
sys.exit(code)
"""
"""`riskdesk` that, as it ends, writes its peak resident memory since it started (Linux's VmHWM) to the file named
by $RISKDESK_BENCH_PEAK_FILE."""


def _peak_mb(peak_file: Path, usage: resource.struct_rusage) -> float:
    """A command's peak resident memory in MB: what it said (`_CLI_SAYING_ITS_PEAK`), else `ru_maxrss`. The latter
    counts the pages of the process it was forked from until it started Python (a test run that has grown to
    600 MB gives every command it starts 600 MB), so it is used only where the command could not say."""
    try:
        return int(peak_file.read_text(encoding="ascii").split()[1]) / 1024
    except (OSError, IndexError, ValueError):
        return usage.ru_maxrss / 1024


def oversized_sheets(count: int, folder: Path, seed: int = 19) -> Figures:
    """`riskdesk import` of small files that describe sheets far over the limits, each in its own process under a
    3 GB address-space limit (where an expansion would abort it): each must be refused (exit 3) with one message,
    in under 2 s and 500 MB, and the project left as it was."""
    import resource

    from riskdesk.core.demo import demo_project
    from riskdesk.io.store.project_file import save_project

    figures = Figures("oversized sheets in any spelling")
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "project.rdproj"
    save_project(demo_project(), project)
    before = project.read_bytes()
    command = [sys.executable, "-c", _CLI_SAYING_ITS_PEAK]
    peak_file = folder / "peak.txt"
    env = {**os.environ, PEAK_FILE_VARIABLE: str(peak_file)}

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    started = time.perf_counter()
    for index in range(count):
        path, what = oversized_sheet_file(folder, rng, index)
        with open(folder / "err.txt", "w+b") as err:
            peak_file.unlink(missing_ok=True)
            begun = time.perf_counter()
            child = subprocess.Popen([*command, "import", str(project), str(path)], stdout=subprocess.DEVNULL,
                                     stderr=err, cwd=ROOT, env=env, preexec_fn=limit_memory)
            _, status, usage = os.wait4(child.pid, 0)
            seconds = time.perf_counter() - begun
            child.returncode = os.waitstatus_to_exitcode(status)
            err.seek(0)
            message = err.read().decode("utf-8", errors="replace")
        figures.runs += 1
        peak_mb = _peak_mb(peak_file, usage)
        figures.note(seconds, usage, peak_mb)
        if child.returncode == 3 and message.startswith("error: ") and message.count("\nerror: ") == 0:
            figures.counts["refused"] += 1
            if not any(why in message for why in ("once its", "32,767 characters")):
                figures.fail("refused for another reason", f"{what}: {message[:300]}")
        elif "Traceback" in message or child.returncode < 0 or child.returncode == 134:
            figures.fail("traceback or abort", f"{what}: exit {child.returncode}: {message[-300:]}")
        else:
            figures.fail("not refused with one message", f"{what}: exit {child.returncode}: {message[:300]}")
        cpu_seconds = usage.ru_utime + usage.ru_stime  # not wall time: a loaded machine must not fail the check
        if cpu_seconds > 2.0:
            figures.fail("more than 2 s of CPU", f"{what}: {cpu_seconds:.1f} s")
        if peak_mb > 500:
            figures.fail("more than 500 MB", f"{what}: {peak_mb:,.0f} MB")
        if project.read_bytes() != before:
            figures.fail("changed project", what)
        path.unlink()
    figures.seconds = time.perf_counter() - started
    return figures


# ---- fuzzed project files and control lists ---------------------------------------------------------------------

def fuzzed_project_files(count: int, folder: Path, seed: int = 1_000) -> Figures:
    """Open damaged project files: a project or one ProjectFileError, never a traceback, and the file unchanged."""
    from riskdesk.core.demo import demo_project
    from riskdesk.io.store.project_file import ProjectFileError, load_project, save_project

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
    from riskdesk.io.store.project_file import save_project

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
    from riskdesk.io.store.project_file import save_project

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

_RISKDESK = [sys.executable, "-c", "import sys; from riskdesk.cli import main; sys.exit(main(sys.argv[1:]))"]


def _part_file(folder: Path, name: str) -> Path:
    """A one-row import bringing part NAME-1 from supplier S-NAME."""
    import csv

    source = folder / f"{name}.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["part_number", "magnet_family", "magnet_mass_g", "annual_units", "supplier_id", "share_pct"])
        writer.writerow([f"{name}-1", "NdFeB-sintered", "10", "100", f"S-{name}", "100"])
    os.chmod(source, 0o644)
    return source


def _together(figures: Figures, commands: list[list[str]]) -> list[tuple[int, str]]:
    """Start the commands at the same moment; their exit codes and stderr (each command's time and memory noted
    in `figures`)."""
    begun = time.perf_counter()
    results = []
    with tempfile.TemporaryFile() as first, tempfile.TemporaryFile() as second:
        errs = [first, second][:len(commands)]
        runs = [subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
                for command, err in zip(commands, errs, strict=True)]
        for run, err in zip(runs, errs, strict=True):
            _, status, usage = os.wait4(run.pid, 0)
            run.returncode = os.waitstatus_to_exitcode(status)
            figures.note(time.perf_counter() - begun, usage)
            err.seek(0)
            results.append((run.returncode, err.read().decode("utf-8", errors="replace")))
    return results


def _project_with_everything(path: Path) -> None:
    """The demo project with what a buyer adds besides the tables: a saved scenario, a mitigation variant, a
    confirmed column mapping and settings of their own."""
    import dataclasses

    from riskdesk.core.demo import demo_project
    from riskdesk.core.mitigations import Variant
    from riskdesk.io.scenario_file import read_scenario
    from riskdesk.io.store.project_file import save_project

    project = demo_project()
    project.scenarios.append(read_scenario(ROOT / "examples" / "dy-spike.json").renamed("Kept scenario"))
    project.variants.append(Variant("Kept variant"))
    project.saved_mappings["kept-layout"] = {"columns": {}}
    project.settings = dataclasses.replace(project.settings, import_country="DE", resourcing_days=90.0)
    save_project(project, path)


def _check_pair(figures: Figures, results: list[tuple[int, str]], present: list[bool],
                refusal: tuple[str, ...]) -> None:
    """Each writer either did its work (exit 0, and its work is there) or said why not and changed nothing."""
    for (code, err), there in zip(results, present, strict=True):
        figures.counts[f"exit {code}"] += 1
        if code == 0 and not there:
            figures.fail("lost write", "a writer said done but its work is missing")
        elif code != 0 and not any(word in err for word in refusal):
            figures.fail("refused without saying why", err.strip()[-200:])
        elif code != 0 and "Traceback" in err:
            figures.fail("traceback", err.strip()[-200:])


def concurrent_writers(tries: int, folder: Path) -> Figures:
    """Two `riskdesk import` processes into one project at the same moment, each bringing its own part: both
    parts must be there afterwards (or the one that did not get in must say so and exit non-zero)."""
    from riskdesk.core.demo import demo_project
    from riskdesk.io.store.project_file import load_project, save_project

    figures = Figures("concurrent writers")
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "shared.rdproj"
    sources = [_part_file(folder, name) for name in ("A", "B")]
    started = time.perf_counter()
    for _ in range(tries):
        save_project(demo_project(), project)
        results = _together(figures, [[*_RISKDESK, "import", str(project), str(s)] for s in sources])
        figures.runs += 1
        parts = set(load_project(project).tables.parts["part_number"])
        _check_pair(figures, results, ["A-1" in parts, "B-1" in parts], ("in use",))
        left = _leftovers(folder)
        if left:
            figures.fail("leftovers", ", ".join(p.name for p in left))
    figures.seconds = time.perf_counter() - started
    return figures


def import_and_scenario_save(tries: int, folder: Path) -> Figures:
    """`riskdesk import` and `riskdesk scenario --save-as` (what the window's Scenarios tab saves) into one project
    at the same moment: the import's part and the new scenario are both there (or the one refused said why), and
    the scenario, variant, mapping and settings saved before are never lost."""
    from riskdesk.io.store.project_file import load_project

    figures = Figures("import + scenario save")
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "kept.rdproj"
    source = _part_file(folder, "A")
    scenario = ROOT / "examples" / "dy-spike.json"
    started = time.perf_counter()
    for n in range(tries):
        _project_with_everything(project)
        results = _together(figures, [[*_RISKDESK, "import", str(project), str(source)],
                             [*_RISKDESK, "scenario", str(project), "--file", str(scenario), "--save-as", f"New {n}",
                              "--as-of", "2026-12-01"]])
        figures.runs += 1
        after = load_project(project)
        names = {s.name for s in after.scenarios}
        _check_pair(figures, results, ["A-1" in set(after.tables.parts["part_number"]), f"New {n}" in names],
                    ("in use",))
        kept = ("Kept scenario" in names and [v.name for v in after.variants] == ["Kept variant"]
                and "kept-layout" in after.saved_mappings and after.settings.import_country == "DE"
                and after.settings.resourcing_days == 90.0)
        if not kept:
            figures.fail("lost what the writer does not own", f"scenarios {sorted(names)}, variants "
                         f"{[v.name for v in after.variants]}, settings {after.settings.import_country}")
    figures.seconds = time.perf_counter() - started
    return figures


def no_lock_race(tries: int, folder: Path) -> Figures:
    """Two `riskdesk import --no-lock` at once into a project whose lock cannot be taken (a folder planted at the
    lock path): the save's own check must never let both succeed while one import is lost."""
    from riskdesk.core.demo import demo_project
    from riskdesk.io.store.lock import lock_path
    from riskdesk.io.store.project_file import load_project, save_project

    figures = Figures("no-lock race")
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / "unlocked.rdproj"
    lock_path(project).mkdir(exist_ok=True)
    sources = [_part_file(folder, name) for name in ("A", "B")]
    started = time.perf_counter()
    for _ in range(tries):
        save_project(demo_project(), project)
        results = _together(figures, [[*_RISKDESK, "import", str(project), str(s), "--no-lock"] for s in sources])
        figures.runs += 1
        parts = set(load_project(project).tables.parts["part_number"])
        _check_pair(figures, results, ["A-1" in parts, "B-1" in parts], ("changed by another program",))
        for _code, err in results:
            if "working without the lock" not in err:
                figures.fail("worked without the lock silently", err.strip()[-200:])
    figures.seconds = time.perf_counter() - started
    return figures


ALICE, BOB, TEAM = 1001, 1002, 2000
"""The two users and the group of the shared-folder run (no accounts needed: setpriv switches the ids)."""


def as_user(uid: int, command: list[str], env: dict[str, str] | None = None) -> list[str]:
    """`command` run as user `uid` of group TEAM with umask 022 and no privileges left (setpriv; run as root)."""
    settings = [f"{k}={v}" for k, v in (env or {}).items()]
    return ["setpriv", f"--reuid={uid}", f"--regid={TEAM}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
            "env", *settings, "sh", "-c", 'umask 022; exec "$@"', "sh", *command]


def interpreter_for_others() -> str | None:
    """A Python of this version that another user can run RiskDesk with (this venv's interpreter may sit in a
    private home folder): sys.executable, else the system's. None when not root or without setpriv."""
    if sys.platform == "win32" or os.geteuid() != 0 or not shutil.which("setpriv"):
        return None
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for candidate in (sys.executable, shutil.which(f"python{version}"), "/usr/bin/python3"):
        if not candidate:
            continue
        probe = subprocess.run(as_user(ALICE, [candidate, "-c", "import sys; print(sys.version_info[:2])"]),
                               capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == str(tuple(sys.version_info[:2])):
            return candidate
    return None


def two_users_shared_folder(tries: int, folder: Path) -> Figures:
    """Alice and Bob (two user ids, one group, umask 022) import into one project of a shared group folder at the
    same moment; every other try starts with a lock file Alice's crashed RiskDesk left (mode 0644, hers). Both
    imports are there, or the one refused said it is in use; the lock never switches itself off. Needs root (to
    switch user ids with setpriv); elsewhere it reports that it could not run."""
    import site

    from riskdesk.core.demo import demo_project
    from riskdesk.io.store.lock import lock_path
    from riskdesk.io.store.project_file import load_project, save_project

    figures = Figures("two users, shared folder")
    python = interpreter_for_others()
    if python is None:
        figures.fail("could not run", "needs root, setpriv and a Python 3.11 other users can run")
        return figures
    for path in (folder, folder.parent):
        path.mkdir(parents=True, exist_ok=True)
    os.chmod(folder.parent, 0o755)
    os.chown(folder, 0, TEAM)
    os.chmod(folder, 0o2775)
    project = folder / "team.rdproj"
    sources = [_part_file(folder.parent, name) for name in ("A", "B")]
    path_for_them = os.pathsep.join([str(ROOT), *site.getsitepackages()])
    homes = {}
    for uid in (ALICE, BOB):
        homes[uid] = folder.parent / f"user-{uid}"
        homes[uid].mkdir(exist_ok=True)
        os.chown(homes[uid], uid, TEAM)

    def riskdesk_as(uid: int, *args: str) -> list[str]:
        return as_user(uid, [python, "-m", "riskdesk", *args],
                       {"RISKDESK_USER_DIR": str(homes[uid]), "PYTHONPATH": path_for_them})

    started = time.perf_counter()
    for n in range(tries):
        with contextlib.suppress(FileNotFoundError):
            project.unlink()
        save_project(demo_project(), project)
        os.chown(project, ALICE, TEAM)
        lock = lock_path(project)
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
        if n % 2:  # what Alice's crashed session left: her lock file, readable but not writable by Bob
            lock.write_text("\n{}\n")
            os.chown(lock, ALICE, TEAM)
            os.chmod(lock, 0o644)
        results = _together(figures, [riskdesk_as(ALICE, "import", str(project), str(sources[0])),
                             riskdesk_as(BOB, "import", str(project), str(sources[1]))])
        figures.runs += 1
        parts = set(load_project(project).tables.parts["part_number"])
        _check_pair(figures, results, ["A-1" in parts, "B-1" in parts], ("in use",))
        for _, err in results:
            if "without the lock" in err:
                figures.fail("lock switched off", err.strip()[-200:])
    figures.seconds = time.perf_counter() - started
    return figures


RUNS = {
    "kills": (kills_during_save, 200, 20),
    "imports": (fuzzed_imports, 10_000, 300),
    "files": (fuzzed_project_files, 1_000, 200),
    "lists": (fuzzed_control_lists, 1_000, 100),
    "concurrent": (concurrent_writers, 100, 5),
    "scenario-save": (import_and_scenario_save, 50, 5),
    "no-lock": (no_lock_race, 50, 5),
    "two-users": (two_users_shared_folder, 50, 4),
    "oversized": (oversized_sheets, 200, 18),
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
