"""One writer at a time: a lock beside a project file, held by whoever may save it.

The command line holds it from reading a project to saving it (`riskdesk import`, `demo`, `new`), the window for
as long as it has the project open. A second opener is told who holds it ("in use by alice on host WS-07
(process 4711) since 14:05"); the window then offers to open it read-only.

The lock is an operating-system lock (flock on Linux and macOS, LockFileEx on Windows, through the `filelock`
package) on a hidden file beside the project, `.~NAME.lock`, into which the holder writes who it is. The
operating system drops the lock when its process ends however it ends, so a crashed holder never blocks anyone
(its record is simply overwritten by the next holder). On a drive that cannot lock files at all, RiskDesk works
without the lock (`ProjectLock.supported` is false) and the revision check of `save_project` still refuses to
overwrite a file someone else saved meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path
from types import TracebackType

import filelock

from riskdesk.io.owner import Owner
from riskdesk.io.project_schema import ProjectFileError

log = logging.getLogger(__name__)

CLI_WAIT_S = 10.0
"""How long a command-line writer waits for another one (a script importing two files at once) before giving up."""


class ProjectLockedError(ProjectFileError):
    """Another RiskDesk (window or command) holds the project: the message names who and since when."""

    def __init__(self, project: Path, holder: Owner | None) -> None:
        self.project = Path(project)
        self.holder = holder
        who = holder.describe() if holder is not None else "another RiskDesk"
        super().__init__(f"{project} is in use by {who}. Close it there and try again, or open it read-only")


def lock_path(project: Path) -> Path:
    """The lock file of a project: hidden, beside the real file (a symlinked project's target)."""
    project = Path(project)
    with contextlib.suppress(OSError, RuntimeError):
        project = project.resolve(strict=False)
    return project.with_name(f".~{project.name}.lock")


def read_holder(project: Path) -> Owner | None:
    """Who the lock file of `project` names (possibly a holder that is gone), or None."""
    try:
        with open(lock_path(project), "rb") as handle:
            handle.seek(1)  # byte 0 is what Windows locks: reading it there fails
            data = handle.read(4096)
        return Owner.from_json(json.loads(data.decode("utf-8")))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None


class ProjectLock:
    """The lock of one project file. `acquire` raises ProjectLockedError; `release` is safe to call twice."""

    def __init__(self, project: Path) -> None:
        self.project = Path(project)
        self.path = lock_path(self.project)
        self.owner: Owner | None = None
        self.supported = True
        self._lock = filelock.FileLock(str(self.path), timeout=0, thread_local=False, on_acquired=self._record)

    @property
    def held(self) -> bool:
        return self.owner is not None

    def acquire(self, wait_s: float = 0.0) -> ProjectLock:
        """Take the lock, waiting up to `wait_s` seconds for another holder to let go."""
        if self.held:
            return self
        try:
            self._lock.acquire(timeout=wait_s)
        except filelock.Timeout:
            raise ProjectLockedError(self.project, read_holder(self.project)) from None
        except (OSError, NotImplementedError, RuntimeError) as exc:
            if not self.path.parent.is_dir():
                raise ProjectFileError(f"Cannot open {self.project}: the folder {self.path.parent} does not "
                                       "exist") from None
            if isinstance(exc, PermissionError):  # a read-only folder: nobody can write the project there either
                self.supported = False
                log.info("no lock for %s (read-only folder): %s", self.project, exc)
            else:
                self.supported = False
                log.warning("this drive cannot lock %s (%s): working without the lock", self.project, exc)
            self.owner = Owner.current()
            return self
        return self

    def _record(self, fd: int) -> None:
        """Write who holds the lock into the lock file (after byte 0, which Windows locks)."""
        self.owner = Owner.current()
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, b"\n" + json.dumps(self.owner.to_json()).encode("utf-8") + b"\n")

    def release(self) -> None:
        if not self.held:
            return
        self.owner = None
        if not self.supported:
            return
        # Removed while still held: a waiter that opened the old file finds it unlinked and starts afresh.
        with contextlib.suppress(OSError):
            self.path.unlink()
        with contextlib.suppress(Exception):  # releasing never fails the caller: the OS drops it at exit anyway
            self._lock.release(force=True)

    def __enter__(self) -> ProjectLock:
        return self.acquire()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()
