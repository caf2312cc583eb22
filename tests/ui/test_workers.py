"""The background-work API: results and errors on the GUI thread, progress, cancel; the synchronous runner."""

from __future__ import annotations

import threading

import pytest
from pytestqt.qtbot import QtBot

from riskdesk.ui.workers import Cancelled, SynchronousRunner, TaskContext, ThreadPoolRunner, run_in_background


def test_synchronous_runner_calls_back_at_once() -> None:
    results: list[int] = []
    progress: list[tuple[int, int, str]] = []

    def work(task: TaskContext) -> int:
        task.report(1, 1, "done")
        return 42

    handle = run_in_background(work, results.append, pytest.fail, lambda d, t, s: progress.append((d, t, s)),
                               runner=SynchronousRunner())
    assert results == [42]
    assert progress == [(1, 1, "done")]
    assert not handle.running


def test_synchronous_runner_reports_errors() -> None:
    errors: list[BaseException] = []
    run_in_background(lambda task: 1 / 0, pytest.fail, errors.append, runner=SynchronousRunner())
    assert isinstance(errors[0], ZeroDivisionError)


def test_thread_pool_delivers_on_the_gui_thread(qtbot: QtBot) -> None:
    runner = ThreadPoolRunner()
    gui_thread = threading.get_ident()
    seen: dict[str, int] = {}

    def work(task: TaskContext) -> int:
        seen["worker"] = threading.get_ident()
        task.report(1, 2, "half")
        return 7

    results: list[int] = []

    def on_success(value: int) -> None:
        seen["callback"] = threading.get_ident()
        results.append(value)

    run_in_background(work, on_success, pytest.fail, runner=runner)
    qtbot.waitUntil(lambda: results == [7], timeout=5_000)
    assert seen["worker"] != gui_thread
    assert seen["callback"] == gui_thread
    assert not runner.busy


def test_cancelled_task_reports_cancelled(qtbot: QtBot) -> None:
    runner = ThreadPoolRunner()
    started = threading.Event()
    release = threading.Event()
    errors: list[BaseException] = []

    def work(task: TaskContext) -> int:
        started.set()
        release.wait(5)
        task.check()
        return 1

    handle = run_in_background(work, pytest.fail, errors.append, runner=runner)
    assert started.wait(5)
    handle.cancel()
    release.set()
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert isinstance(errors[0], Cancelled)
