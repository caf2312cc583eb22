"""Generators of damaged and hostile inputs for the reliability runs (bench/reliability.py) and their quick
versions in the test suite: project files, spreadsheets to import and control lists, each a mutation of a good
one, reproducible from a seed.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

NASTY_NUMBERS = ["1e308", "-1e308", "1e309", "inf", "-inf", "nan", "NaN", "Infinity", "-0", "1e-320", "9" * 400,
                 "0x10", "1,2,3", "1.2.3", "٣", "½", "1e5 kg", "-5", "1_000", "", " ", "∞"]
NASTY_TEXT = ["\x00", "\x1b[31mred", "A\u200bB", "A\u202eB", "\ufeffX", "\ufffe", "\U0010ffff", "=HYPERLINK(\"x\")",
              "a" * 5000, "\r\n", "\"", "'", ";", ",", "\t", "𝒳", "Ｃｈｉｎａ", "中国", "NdFeB\x07", "P\x85-1"]
JSON_VALUES: list[object] = [None, True, 0, -1, 1e308, "x", [], {}, [1, 2], {"a": {"b": []}}, "NaN", 2**70,
                             "\x00", "9" * 50]


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


# ---- project files ------------------------------------------------------------------------------------------------

TABLE_NAMES = ["meta", "parts", "suppliers", "paths", "composition", "mappings", "scenarios", "variants"]


def _sql_mutations(rng: random.Random) -> list[Callable[[sqlite3.Connection], None]]:
    def meta(key: str, value: object) -> Callable[[sqlite3.Connection], None]:
        return lambda db: db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def settings_with(name: str, value: object) -> Callable[[sqlite3.Connection], None]:
        def apply(db: sqlite3.Connection) -> None:
            text = db.execute("SELECT value FROM meta WHERE key = 'settings'").fetchone()[0]
            data = json.loads(text)
            data[name] = value
            db.execute("UPDATE meta SET value = ? WHERE key = 'settings'", (json.dumps(data),))
        return apply

    def cell(table: str, column: str, value: object) -> Callable[[sqlite3.Connection], None]:
        return lambda db: db.execute(f"UPDATE {table} SET {column} = ? WHERE row IN (SELECT row FROM {table} "
                                     "LIMIT 2)", (value,))

    value = rng.choice(JSON_VALUES)
    junk = rng.choice(["{", "[1,", "not json", "", "\x00\x01", deep_json(rng.choice([50, 2000, 200_000])),
                       json.dumps(value), "null", "1e999"])
    number = rng.choice([None, "abc", b"\x00\xff", 1e308, float("inf"), -1, 2**62, "1e308", 0.5])
    return [
        lambda db: db.execute(f"PRAGMA user_version = {rng.choice([0, -1, 1, 2, 99, 2**31 - 1])}"),
        lambda db: db.execute(f"PRAGMA application_id = {rng.choice([0, 1, 123456])}"),
        meta("settings", junk),
        meta("created", rng.choice(["", "yesterday", "2026-13-45", "99999-01-01", junk])),
        meta("revision", rng.choice(["x", "-1", "1e9", junk])),
        settings_with(rng.choice(["name", "import_country", "weights", "disruption_days", "resourcing_days",
                                  "suspended_rules_in_force", "price_basis", "us_defence_supply"]), value),
        settings_with("weights", {"price": rng.choice([float("nan"), 1e308, "x", None, [], -5])}),
        cell("parts", rng.choice(["magnet_mass_g", "annual_units", "unit_price", "stock_days"]), number),
        cell("parts", rng.choice(["part_number", "magnet_family", "end_use", "grade", "dfars"]),
             rng.choice([None, 3.5, b"\xff", "", rng.choice(NASTY_TEXT)])),
        cell("paths", rng.choice(["share_pct", "part_number", "supplier_id", "mine_country"]), number),
        cell("composition", "wt_pct", number),
        lambda db: db.execute(f"DROP TABLE {rng.choice(TABLE_NAMES)}"),
        lambda db: db.execute("INSERT INTO mappings VALUES (?, ?)", (rng.choice(["a", "b"]), junk)),
        lambda db: db.execute("INSERT INTO scenarios (name, data) VALUES (?, ?)", ("s", junk)),
        lambda db: db.execute("INSERT INTO scenarios (name, data) VALUES (?, ?)",
                              ("s", json.dumps({"name": "s", "start": "2026-01", "price_shocks": [value]}))),
        lambda db: db.execute("INSERT INTO variants (name, data) VALUES (?, ?)",
                              ("v", json.dumps({"name": "v", "changes": [value]}))),
        lambda db: db.execute("INSERT INTO variants (name, data) VALUES (?, ?)", ("v", junk)),
        lambda db: db.execute("ALTER TABLE parts RENAME TO parts_old"),
        lambda db: db.execute("CREATE TABLE IF NOT EXISTS x (a)"),
    ]


def fuzz_project_file(good: Path, target: Path, rng: random.Random) -> str:
    """A damaged copy of project file `good` at `target`; returns what was done to it."""
    shutil.copy(good, target)
    kind = rng.random()
    if kind < 0.55:
        db = sqlite3.connect(target)
        done = []
        mutations = _sql_mutations(rng)
        for _ in range(rng.randint(1, 3)):
            index = rng.randrange(len(mutations))
            try:
                mutations[index](db)
                done.append(f"sql#{index}")
            except (sqlite3.Error, ValueError, TypeError, AttributeError, RecursionError):  # an earlier one in the way
                done.append(f"sql#{index}(failed)")
        db.commit()
        db.close()
        return "+".join(done)
    data = bytearray(target.read_bytes())
    if kind < 0.7:
        cut = rng.randrange(0, len(data))
        target.write_bytes(bytes(data[:cut]))
        return f"truncated at {cut}"
    if kind < 0.9:
        for _ in range(rng.randint(1, 40)):
            position = rng.randrange(len(data)) if rng.random() < 0.7 else rng.randrange(min(len(data), 200))
            data[position] = rng.randrange(256)
        target.write_bytes(bytes(data))
        return "bytes flipped"
    choice = rng.choice(["empty", "text", "zeros", "other sqlite", "header only"])
    if choice == "empty":
        target.write_bytes(b"")
    elif choice == "text":
        target.write_text("this is not a project " * 50, encoding="utf-8")
    elif choice == "zeros":
        target.write_bytes(b"\x00" * 4096)
    elif choice == "header only":
        target.write_bytes(b"SQLite format 3\x00" + bytes(rng.randrange(256) for _ in range(200)))
    else:
        target.unlink()
        other = sqlite3.connect(target)
        other.execute("CREATE TABLE t (a)")
        other.commit()
        other.close()
    return choice


# ---- spreadsheets to import ---------------------------------------------------------------------------------------

TEMPLATE_ROW = {
    "part_number": "FZ-1", "description": "rotor", "end_use": "industrial", "magnet_family": "NdFeB-sintered",
    "grade": "N42SH", "magnet_mass_g": "100", "annual_units": "1000", "unit_price": "5", "stock_days": "30",
    "supplier_id": "FS-1", "supplier_name": "Fuzz Supplier", "supplier_country": "JP", "share_pct": "100",
    "mine_country": "AU", "separation_country": "MY", "metal_country": "JP", "magnet_country": "JP",
    "origin_evidence": "declared",
}


def fuzz_import_file(folder: Path, rng: random.Random, index: int) -> Path:
    """A hostile or broken spreadsheet to import: a template csv whose cells, header, encoding or bytes were
    mutated, or an xlsx with hostile numbers. Its part numbers start with FZ (no clash with the demo)."""
    rows = []
    for n in range(rng.randint(1, 6)):
        row = dict(TEMPLATE_ROW, part_number=f"FZ-{index}-{n}", supplier_id=f"FS-{rng.randint(1, 3)}")
        for _ in range(rng.randint(0, 4)):
            column = rng.choice(list(row))
            row[column] = rng.choice(NASTY_NUMBERS + NASTY_TEXT) if rng.random() < 0.8 else row[column] * 2
        rows.append(row)
    header = list(TEMPLATE_ROW)
    if rng.random() < 0.15:
        header[rng.randrange(len(header))] = rng.choice(NASTY_TEXT + ["", "part_number", "Magnetmasse (kg)"])
    if rng.random() < 0.25:
        return _fuzz_xlsx(folder / f"f{index}.xlsx", header, rows, rng)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=rng.choice([",", ",", ";", "\t", "|"]))
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[c] for c in TEMPLATE_ROW])
    text = buffer.getvalue()
    encoding = rng.choice(["utf-8", "utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])
    data = text.encode(encoding, errors="replace")
    roll = rng.random()
    if roll < 0.15:
        data = bytearray(data)
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        data = bytes(data)
    elif roll < 0.2:
        data = data[: rng.randrange(len(data))]
    elif roll < 0.23:
        data = data.replace(b"\n", b"\r", rng.randint(1, 3))
    suffix = rng.choice([".csv", ".csv", ".csv", ".txt", ".tsv", ".xls"])
    path = folder / f"f{index}{suffix}"
    path.write_bytes(data)
    return path


def _fuzz_xlsx(path: Path, header: list[str], rows: list[dict[str, str]], rng: random.Random) -> Path:
    from tests.io.helpers import sheet_xml, write_raw_xlsx

    def cell(ref: str, value: str) -> str:
        if rng.random() < 0.3 and value in ("100", "1000", "5", "30"):
            raw = rng.choice(["INF", "-INF", "NaN", "1E+308", "1E309", "#DIV/0!", "", "1e-400"])
            return f'<c r="{ref}"><v>{raw}</v></c>'
        escaped = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                   .encode("utf-8", "replace").decode("utf-8"))
        escaped = "".join(ch for ch in escaped if ch in "\t\n\r" or (ord(ch) >= 0x20 and ch not in "\ufffe\uffff"))
        return f'<c r="{ref}" t="inlineStr"><is><t>{escaped}</t></is></c>'

    def letters(i: int) -> str:
        return chr(65 + i) if i < 26 else "A" + chr(65 + i - 26)

    lines = ["".join(cell(f"{letters(i)}1", h) for i, h in enumerate(header))]
    for r, row in enumerate(rows, start=2):
        lines.append("".join(cell(f"{letters(i)}{r}", row[c]) for i, c in enumerate(TEMPLATE_ROW)))
    body = "".join(f'<row r="{r}">{line}</row>' for r, line in enumerate(lines, start=1))
    write_raw_xlsx(path, sheet_xml(f"<sheetData>{body}</sheetData>"))
    if rng.random() < 0.2:
        data = bytearray(path.read_bytes())
        for _ in range(rng.randint(1, 10)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
    return path


# ---- control lists ------------------------------------------------------------------------------------------------

def fuzz_control_list(good: Path, target: Path, rng: random.Random) -> str:
    """A damaged or hostile copy of control list `good` at `target`; returns what was done."""
    text = good.read_text(encoding="utf-8")
    lines = text.splitlines()
    roll = rng.random()
    if roll < 0.4:
        what = []
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            if "=" in lines[i] and not lines[i].lstrip().startswith("#"):
                key, _, _ = lines[i].partition("=")
                value = rng.choice(["nan", "inf", "-inf", "-1e308", "1e308", '"x"', "[]", "{}", "2025-13-01",
                                    "1999-01-01", "2099-12-31", '"\\u0000"', "true", "[1, 2]", '""'])
                lines[i] = f"{key}= {value}"
                what.append(key.strip())
            elif rng.random() < 0.5:
                lines[i] = lines[i].replace("from", "form").replace("until", "untill")
                what.append("misspelt")
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return "values " + ",".join(what)
    if roll < 0.55:
        key = rng.choice(["effective_unitl", "efect", "sourcse", "rate", "suspension"])
        i = rng.randrange(len(lines))
        lines.insert(i, f'{key} = "x"')
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return f"unknown key {key}"
    if roll < 0.7:
        data = bytearray(text.encode("utf-8"))
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        target.write_bytes(bytes(data))
        return "bytes flipped"
    if roll < 0.8:
        target.write_bytes(text.encode(rng.choice(["utf-16", "utf-32", "cp1252"]), errors="replace"))
        return "other encoding"
    if roll < 0.9:
        depth = rng.choice([100, 5000, 100_000])
        target.write_text(f"x = {'[' * depth}{']' * depth}\n" + text, encoding="utf-8")
        return f"nested {depth}"
    cut = rng.randrange(len(text))
    target.write_text(text[:cut], encoding="utf-8")
    return f"truncated at {cut}"


# ---- scenario files and settings files (issue 19) -----------------------------------------------------------------

_HUGE = "\x00huge"
"""Stands for a whole number of 5,000 digits, which Python's json cannot write (nor read)."""


def _with_huge(text: str) -> str:
    return text.replace(json.dumps(_HUGE), "9" * 5000)


def _paths_in(value: object, here: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every place in a JSON document (keys of objects, positions in lists)."""
    found = [here]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths_in(item, (*here, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths_in(item, (*here, i))
    return found


def _set(document: object, path: tuple[object, ...], value: object) -> object:
    if not path:
        return value
    container = document
    for step in path[:-1]:
        container = container[step]  # type: ignore[index]
    container[path[-1]] = value  # type: ignore[index]
    return document


def fuzz_scenario_file(good: dict[str, object], target: Path, rng: random.Random) -> str:
    """A damaged or hostile copy of scenario `good` (its JSON) at `target`; returns what was done."""
    data = json.loads(json.dumps(good))
    roll = rng.random()
    shock = {"elements": [rng.choice(["Dy", "Tb", "NdPr", "rare-earths", "Fe"])], "shape": "step",
             "multiplier": rng.choice([1000, 999.99, 2, 1e-300]), "from_month": 1, "months": rng.randint(1, 1200)}
    if roll < 0.45:
        what = []
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(_paths_in(data)[1:])
            value = rng.choice([*JSON_VALUES, *NASTY_TEXT, 10**rng.randint(18, 4000), _HUGE, -(10**30), 1e308,
                                5e-324, "9999-12", "0001-01", "2099-12", "2100-01"])
            data = _set(data, path, value)
            what.append("/".join(map(str, path)))
        target.write_text(_with_huge(json.dumps(data, ensure_ascii=rng.random() < 0.5)), encoding="utf-8")
        return "values " + ",".join(what)
    if roll < 0.6:
        n = rng.choice([2, 3, 60, 103, 600, 52_000])
        data["price_shocks"] = [shock] * n
        target.write_text(json.dumps(data), encoding="utf-8")
        return f"{n} shocks {shock['multiplier']}"
    if roll < 0.7:
        n = rng.choice([50, 501, 46_000])
        cut = {"elements": [], "countries": ["CN"], "stages": ["magnet"], "share_lost": 0.5,
               "from_day": rng.randint(1, 700), "days": rng.randint(1, 100_000)}
        data["supply_cuts"] = [cut] * n
        target.write_text(json.dumps(data), encoding="utf-8")
        return f"{n} cuts"
    text = json.dumps(data)
    if roll < 0.75:
        target.write_text(text.replace('"name": ', '"name": "first", "name": ', 1), encoding="utf-8")
        return "repeated key"
    if roll < 0.8:
        depth = rng.choice([100, 5000, 100_000])
        target.write_text(deep_json(depth), encoding="utf-8")
        return f"nested {depth}"
    if roll < 0.9:
        raw = bytearray(text.encode("utf-8"))
        for _ in range(rng.randint(1, 20)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        target.write_bytes(bytes(raw))
        return "bytes flipped"
    cut_at = rng.randrange(len(text))
    target.write_text(text[:cut_at], encoding="utf-8")
    return f"truncated at {cut_at}"


SETTINGS_KEYS = ["schema_version", "recent_files", "autosave_seconds", "autosave_delay_seconds", "import_max_rows"]


def fuzz_settings_file(target: Path, rng: random.Random) -> str:
    """A damaged or hostile RiskDesk settings file at `target`; returns what was done."""
    good: dict[str, object] = {"schema_version": 1, "recent_files": ["/p/a.rdproj"], "autosave_seconds": 30,
                               "autosave_delay_seconds": 5, "import_max_rows": 250_000}
    roll = rng.random()
    if roll < 0.6:
        what = []
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(SETTINGS_KEYS)
            good[key] = rng.choice([*JSON_VALUES, -1, 0, 5, 1e400, float("nan"), [1], "abc", _HUGE, 10**30])
            what.append(key)
        target.write_text(_with_huge(json.dumps(good)), encoding="utf-8")
        return "values " + ",".join(what)
    if roll < 0.75:
        value = rng.choice(JSON_VALUES)
        target.write_text(json.dumps(value), encoding="utf-8")
        return f"a settings file of {json.dumps(value)[:20]}"
    text = json.dumps(good)
    if roll < 0.85:
        raw = bytearray(text.encode("utf-8"))
        for _ in range(rng.randint(1, 10)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        target.write_bytes(bytes(raw))
        return "bytes flipped"
    if roll < 0.9:
        target.write_text(deep_json(rng.choice([100, 100_000])), encoding="utf-8")
        return "nested"
    cut_at = rng.randrange(len(text))
    target.write_text(text[:cut_at], encoding="utf-8")
    return f"truncated at {cut_at}"
