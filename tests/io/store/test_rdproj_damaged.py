"""Issue 15, cases 4, 5 and 7 for project files: a locked file is refused after a bounded wait, a damaged one
with one message, a failed save leaves the old file whole, and a save keeps permissions and symlinks and leaves
no temporary copy of the buyer's data behind. The fuzz test is the quick version of bench/reliability.py."""

from __future__ import annotations

import os
import random
import sqlite3
import stat
import time

import pytest

from bench.fuzz import deep_json, fuzz_project_file
from riskdesk.core.demo import demo_project
from riskdesk.io.store import project_file
from riskdesk.io.store.project_file import (
    ProjectChangedError,
    ProjectFileError,
    ProjectInUseError,
    load_project,
    read_project,
    save_project,
    sweep_leftovers,
)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = tmp_path_factory.mktemp("good") / "demo.rdproj"
    save_project(demo_project(), path)
    return path


def damaged(good, tmp_path, sql):
    path = tmp_path / "damaged.rdproj"
    path.write_bytes(good.read_bytes())
    db = sqlite3.connect(path)
    db.execute(*sql) if isinstance(sql, tuple) else db.execute(sql)
    db.commit()
    db.close()
    return path


@pytest.mark.parametrize("sql, said", [
    ("PRAGMA user_version = 0", "schema version 0"),
    ("UPDATE meta SET value = '{' WHERE key = 'settings'", "the settings cannot be read"),
    (("UPDATE meta SET value = ? WHERE key = 'settings'", (deep_json(100_000),)), "nested too deeply"),
    ("UPDATE meta SET value = '[1, 2]' WHERE key = 'settings'", "not a table of settings"),
    ("UPDATE meta SET value = 'yesterday' WHERE key = 'created'", "damaged"),
    ("INSERT INTO scenarios (name, data) VALUES ('s', '{\"price_shocks\": 7}')", "scenario 's' cannot be read"),
    ("INSERT INTO variants (name, data) VALUES ('v', '{\"changes\": [3]}')", "variant 'v' cannot be read"),
    ("INSERT INTO mappings VALUES ('sig', 'not json')", "column mapping"),
    ("DROP TABLE parts", "damaged"),
])
def test_a_damaged_file_is_one_message_never_a_traceback(good, tmp_path, sql, said):
    path = damaged(good, tmp_path, sql)
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    assert said in str(info.value) and str(path) in str(info.value)


def test_wrong_types_in_the_tables_read_as_blanks_and_are_reported_by_validation(good, tmp_path):
    path = damaged(good, tmp_path, "UPDATE parts SET magnet_mass_g = 'heavy', annual_units = 1e308, "
                                   "part_number = 42 WHERE row = 1")
    project = load_project(path)
    errors = [p.message for p in project.validate() if p.is_error]
    assert any("is required" in m for m in errors) and any("not plausible" in m for m in errors)


@pytest.mark.parametrize("make, said", [
    (lambda p: p.mkdir(), "is a folder"),
    (lambda p: os.mkfifo(p), "not a regular file"),
    (lambda p: p.write_bytes(b""), "damaged"),
])
def test_a_folder_a_pipe_or_an_empty_file_is_refused_at_once(tmp_path, make, said):
    path = tmp_path / "odd.rdproj"
    make(path)
    started = time.perf_counter()
    with pytest.raises(ProjectFileError, match=said):
        load_project(path)
    assert time.perf_counter() - started < 1


def test_a_project_another_program_holds_locked_is_in_use_after_a_bounded_wait(good, tmp_path, monkeypatch):
    monkeypatch.setattr(project_file, "BUSY_TIMEOUT_S", 0.3)
    path = tmp_path / "locked.rdproj"
    path.write_bytes(good.read_bytes())
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.perf_counter()
        with pytest.raises(ProjectInUseError, match="in use"):
            load_project(path)
        assert time.perf_counter() - started < 2
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert load_project(path).tables.parts.shape[0] > 0


def test_fuzzed_project_files_give_a_project_or_one_message_and_stay_as_they_were(good, tmp_path):
    """200 here; 1,000 in the long run (bench/reliability.py, docs/reliability.md)."""
    rng = random.Random(15)
    for n in range(200):
        path = tmp_path / f"f{n}.rdproj"
        what = fuzz_project_file(good, path, rng)
        before = path.read_bytes() if path.is_file() else None
        try:
            load_project(path)
        except ProjectFileError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc), what
        except Exception as exc:  # pragma: no cover - what the test is for
            pytest.fail(f"{what}: {type(exc).__name__}: {exc}")
        assert (path.read_bytes() if path.is_file() else None) == before, what


# ---- saving -----------------------------------------------------------------------------------------------------

def test_a_full_disk_during_a_save_is_a_message_and_the_old_file_is_whole(good, tmp_path, monkeypatch):
    path = tmp_path / "p.rdproj"
    path.write_bytes(good.read_bytes())
    before = path.read_bytes()

    def full(*_args):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(project_file, "_write_database", full)
    with pytest.raises(ProjectFileError, match=r"the disk is full\. Your previous file is unchanged"):
        save_project(demo_project(), path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob(".*.saving"))


def test_a_save_keeps_the_file_mode_and_a_symlink(good, tmp_path):
    real = tmp_path / "real.rdproj"
    real.write_bytes(good.read_bytes())
    real.chmod(0o640)
    link = tmp_path / "link.rdproj"
    link.symlink_to(real)
    save_project(demo_project(), link)
    assert link.is_symlink() and stat.S_IMODE(real.stat().st_mode) == 0o640
    assert load_project(link).tables.parts.shape[0] > 0


def test_a_new_file_gets_the_usual_permissions_not_0600(tmp_path):
    path = tmp_path / "new.rdproj"
    save_project(demo_project(), path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_leftovers_of_killed_saves_are_swept_and_a_running_save_is_not(good, tmp_path):
    path = tmp_path / "p.rdproj"
    path.write_bytes(good.read_bytes())
    host = project_file._temporary(path).name.split(".")[3]
    dead = tmp_path / f".p.rdproj.{host}.999999.0123abcd.saving"
    dead.write_bytes(b"buyer's data")
    mine = project_file._temporary(path)  # this process is alive: a save under way
    old_style = tmp_path / ".p.rdproj.ab_cd123.saving"
    old_style.write_bytes(b"x")
    os.utime(old_style, (time.time() - 3600, time.time() - 3600))
    other = tmp_path / ".q.rdproj.host.1.0123abcd.saving"  # another project's: not ours to sweep
    other.write_bytes(b"x")
    assert set(sweep_leftovers(path)) == {dead, old_style}
    assert mine.exists() and other.exists()
    mine.unlink()
    read_project(path)


# ---- revisions --------------------------------------------------------------------------------------------------

def _race(path, expected, monkeypatch, savers=4):
    """`savers` threads save over `path` with the same expected state, all past the first revision check before
    any of them replaces the file (the race the lock beside the project usually prevents): what each got."""
    import threading

    barrier = threading.Barrier(savers)
    write = project_file._write_database

    def write_then_wait(*args):
        write(*args)
        barrier.wait(timeout=30)

    monkeypatch.setattr(project_file, "_write_database", write_then_wait)
    outcomes: list[object] = [None] * savers

    def save(n):
        project = demo_project()
        project.tables.parts.loc[0, "description"] = f"saver {n}"
        try:
            outcomes[n] = save_project(project, path, expected=expected)
        except ProjectChangedError as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=save, args=(n,)) for n in range(savers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.parametrize("locking", ["flock", "marker"])
def test_savers_of_the_same_revision_never_both_succeed(good, tmp_path, monkeypatch, locking):
    if locking == "marker":  # a drive that cannot lock files: the exclusively created marker guards the step
        monkeypatch.setattr(project_file, "_flock", lambda *_: False)
    path = tmp_path / "p.rdproj"
    path.write_bytes(good.read_bytes())
    _, state = read_project(path)
    outcomes = _race(path, state, monkeypatch)
    won = [o for o in outcomes if isinstance(o, project_file.FileState)]
    assert len(won) == 1 and all(isinstance(o, ProjectChangedError) for o in outcomes if o not in won)
    saver = outcomes.index(won[0])
    assert load_project(path).tables.parts.loc[0, "description"] == f"saver {saver}"
    assert not list(tmp_path.glob(".*saving")) and not list(tmp_path.glob(".~*"))


def test_creators_of_the_same_new_project_never_both_succeed(tmp_path, monkeypatch):
    path = tmp_path / "new.rdproj"
    outcomes = _race(path, None, monkeypatch)
    assert sum(isinstance(o, project_file.FileState) for o in outcomes) == 1
    assert sum(isinstance(o, ProjectChangedError) for o in outcomes) == len(outcomes) - 1


def test_a_write_protected_project_is_not_replaced(good, tmp_path):
    path = tmp_path / "p.rdproj"
    path.write_bytes(good.read_bytes())
    os.chmod(path, 0o444)
    before = path.read_bytes()
    with pytest.raises(ProjectFileError, match="read-only"):
        save_project(demo_project(), path)
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == 0o444
