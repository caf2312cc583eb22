"""Background work: one small API, results delivered on the GUI thread.

    handle = run_in_background(fn, on_success, on_error, progress=on_progress, runner=runner)

`fn(task)` runs in a worker thread and gets a `TaskContext`: it calls `task.report(done, total, text)` to report
progress and checks `task.cancelled()` (or `task.check()`, which raises `Cancelled`) to stop early. When it
returns, `on_success(result)` runs on the GUI thread; when it raises, `on_error(exception)` does (a cancelled
task reports `Cancelled`). `progress(done, total, text)` also runs on the GUI thread, at most every 50 ms.

Rule: the worker never touches widgets or Qt models. It reads a snapshot handed to it and returns new data;
the callbacks apply that data on the GUI thread.

Tests inject `SynchronousRunner`, which runs the task inline, so no test has to wait for a thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

T = TypeVar("T")
ProgressCallback = Callable[[int, int, str], None]
"""(done, total, text); total 0 means "unknown"."""

PROGRESS_INTERVAL_S = 0.05


class Cancelled(Exception):
    """The task was cancelled before it finished; its result is discarded."""

    def __init__(self) -> None:
        super().__init__("cancelled")


class TaskContext:
    """What a running task can see: its cancel flag, and a way to report progress (thread-safe)."""

    def __init__(self, report: ProgressCallback | None = None) -> None:
        self._cancel = threading.Event()
        self._report = report
        self._last_report = 0.0

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        """Raise `Cancelled` if the task was cancelled."""
        if self._cancel.is_set():
            raise Cancelled

    def cancel(self) -> None:
        self._cancel.set()

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        """Report progress; throttled, except for the final step (done == total)."""
        if self._report is None:
            return
        now = time.monotonic()
        if done < total and now - self._last_report < PROGRESS_INTERVAL_S:
            return
        self._last_report = now
        self._report(int(done), int(total), text)


class TaskHandle:
    """A started task: cancel it, or ask whether it is still running."""

    def __init__(self, context: TaskContext) -> None:
        self._context = context
        self._running = True

    @property
    def running(self) -> bool:
        return self._running

    def cancel(self) -> None:
        """Ask the task to stop; `on_error` then receives `Cancelled` (its result, if any, is dropped)."""
        self._context.cancel()

    def _finish(self) -> None:
        self._running = False


class Runner(Protocol):
    """Something that runs a task and calls back on the GUI thread."""

    def start(self, fn: Callable[[TaskContext], Any], on_success: Callable[[Any], None],
              on_error: Callable[[BaseException], None], progress: ProgressCallback | None) -> TaskHandle: ...


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits its signals, Qt queues them to this thread."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int, str)

    def __init__(self, handle: TaskHandle, context: TaskContext, on_success: Callable[[Any], None],
                 on_error: Callable[[BaseException], None], progress: ProgressCallback | None,
                 done: Callable[[_Relay], None]) -> None:
        super().__init__()
        self._handle = handle
        self._context = context
        self._on_success = on_success
        self._on_error = on_error
        self._progress = progress
        self._done = done
        queued = Qt.ConnectionType.QueuedConnection
        self.succeeded.connect(self._deliver_success, queued)
        self.failed.connect(self._deliver_error, queued)
        self.progressed.connect(self._deliver_progress, queued)

    @Slot(object)
    def _deliver_success(self, result: object) -> None:
        self._handle._finish()
        self._done(self)
        if self._context.cancelled():
            self._on_error(Cancelled())
        else:
            self._on_success(result)

    @Slot(object)
    def _deliver_error(self, exc: object) -> None:
        self._handle._finish()
        self._done(self)
        self._on_error(exc if isinstance(exc, BaseException) else RuntimeError(str(exc)))

    @Slot(int, int, str)
    def _deliver_progress(self, done: int, total: int, text: str) -> None:
        if self._progress is not None and self._handle.running and not self._context.cancelled():
            self._progress(done, total, text)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[TaskContext], Any], context: TaskContext, relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._context = context
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn(self._context)
        except BaseException as exc:
            if not isinstance(exc, Cancelled):
                log.debug("background task failed", exc_info=True)
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


class ThreadPoolRunner:
    """Runs tasks on a QThreadPool (the global one unless given)."""

    def __init__(self, pool: QThreadPool | None = None) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._relays: set[_Relay] = set()

    def start(self, fn: Callable[[TaskContext], Any], on_success: Callable[[Any], None],
              on_error: Callable[[BaseException], None], progress: ProgressCallback | None = None) -> TaskHandle:
        context = TaskContext()
        handle = TaskHandle(context)
        relay = _Relay(handle, context, on_success, on_error, progress, self._relays.discard)
        context._report = relay.progressed.emit
        self._relays.add(relay)
        self._pool.start(_Job(fn, context, relay))
        return handle

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = -1) -> bool:
        """Block until the pool is idle (shutdown and benchmarks only; callbacks still need the event loop)."""
        return self._pool.waitForDone(msecs)


class SynchronousRunner:
    """Runs each task inline, at once, on the calling thread: deterministic tests, no waiting."""

    def __init__(self) -> None:
        self.started = 0

    def start(self, fn: Callable[[TaskContext], Any], on_success: Callable[[Any], None],
              on_error: Callable[[BaseException], None], progress: ProgressCallback | None = None) -> TaskHandle:
        self.started += 1
        context = TaskContext(progress)
        handle = TaskHandle(context)
        try:
            result = fn(context)
        except Exception as exc:
            handle._finish()
            on_error(exc)
        else:
            handle._finish()
            if context.cancelled():
                on_error(Cancelled())
            else:
                on_success(result)
        return handle

    busy = False


def run_in_background(fn: Callable[[TaskContext], T], on_success: Callable[[T], None],
                      on_error: Callable[[BaseException], None], progress: ProgressCallback | None = None,
                      runner: Runner | None = None) -> TaskHandle:
    """Run `fn(task)` off the GUI thread (on `runner`, default a QThreadPool) and call back on the GUI thread."""
    return (runner or _default_runner()).start(fn, on_success, on_error, progress)


_shared_runners: list[ThreadPoolRunner] = []


def _default_runner() -> ThreadPoolRunner:
    """One runner on the global pool, made on first use (it keeps pending callbacks alive)."""
    if not _shared_runners:
        _shared_runners.append(ThreadPoolRunner())
    return _shared_runners[0]


def show_progress(bar: Any, label: Any, done: int, total: int, text: str) -> None:
    """Show a task's progress on a QProgressBar and a QLabel: a busy bar while the total is unknown (0)."""
    if total > 0:
        bar.setRange(0, total)
        bar.setValue(min(done, total))
    else:
        bar.setRange(0, 0)
    if text:
        label.setText(text)
