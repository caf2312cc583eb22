"""Who is running RiskDesk here (user, host, process), and whether a process recorded earlier still runs.

A project lock records its holder so that a second opener can be told "in use by alice on host X since 14:05";
a save's temporary file carries its process id, so that one left by a save that was killed can be told from one
being written right now and swept (riskdesk.io.store.project_file).
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
import socket
import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Owner:
    """A running RiskDesk: the signed-in user, the computer, the process and since when."""

    user: str
    host: str
    pid: int
    since: dt.datetime
    """When it started holding what it holds (local time, with its offset)."""

    @classmethod
    def current(cls) -> Owner:
        return cls(user_name(), host_name(), os.getpid(), dt.datetime.now().astimezone().replace(microsecond=0))

    @property
    def here(self) -> bool:
        """On this computer (its process can be checked)."""
        return self.host == host_name()

    @property
    def alive(self) -> bool:
        """Still running, as far as can be told: a process on another computer is taken as running."""
        return not self.here or process_alive(self.pid)

    def describe(self) -> str:
        """ "alice on host WS-07 (process 4711) since 14:05" (the date too when not today)."""
        when = self.since.astimezone()
        today = dt.datetime.now().astimezone().date()
        moment = f"{when:%H:%M}" if when.date() == today else f"{when:%Y-%m-%d %H:%M}"
        who = self.user or "another user"
        return f"{who} on host {self.host or 'unknown'} (process {self.pid}) since {moment}"

    def to_json(self) -> dict[str, Any]:
        return {"user": self.user, "host": self.host, "pid": self.pid, "since": self.since.isoformat()}

    @classmethod
    def from_json(cls, data: object) -> Owner | None:
        """The owner a record names, or None when it is not one (damaged, half-written, another format)."""
        if not isinstance(data, dict):
            return None
        user, host, pid, since = (data.get(k) for k in ("user", "host", "pid", "since"))
        if not (isinstance(user, str) and isinstance(host, str) and isinstance(pid, int) and isinstance(since, str)):
            return None
        try:
            moment = dt.datetime.fromisoformat(since)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.astimezone()
        return cls(user, host, pid, moment)


def user_name() -> str:
    """The signed-in user's name ("" when the system does not say: containers, services)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return ""


def host_name() -> str:
    try:
        return socket.gethostname()
    except OSError:
        return ""


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer. In doubt (no permission to ask), it does."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # pragma: no cover - os.kill(pid, 0) would terminate the process on Windows
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


def _windows_process_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    query_limited_information, still_active = 0x1000, 259
    handle = kernel32.OpenProcess(query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() == 5  # type: ignore[attr-defined,unused-ignore]  # access denied: exists
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)
