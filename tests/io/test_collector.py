"""The cyclic garbage collector waits while a workbook is written or a spreadsheet read (millions of cells that form
no cycles), and runs again afterwards — after a failure too, and only when the last of several overlapping pauses
(an import in one worker, a report in another) has ended."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from riskdesk.io.collector import Pause, collector_paused
from riskdesk.io.xlsx import workbook


@pytest.fixture(autouse=True)
def collector_running() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_writing_a_workbook_pauses_the_collector_and_it_runs_again_after(tmp_path: Path) -> None:
    with workbook(tmp_path / "out.xlsx") as book:
        book.add_worksheet("Sheet").write_string(0, 0, "cell")
        assert not gc.isenabled()
    assert gc.isenabled() and (tmp_path / "out.xlsx").exists()


def test_a_failed_write_leaves_the_collector_running(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), workbook(tmp_path / "out.xlsx") as book:
        book.add_worksheet("Sheet")
        raise RuntimeError("cancelled")
    assert gc.isenabled() and not (tmp_path / "out.xlsx").exists()


def test_a_collector_the_program_had_stopped_stays_stopped() -> None:
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_two_threads_end_with_the_last() -> None:
    entered, release_first, first_done = threading.Event(), threading.Event(), threading.Event()
    seen: list[bool] = []

    def first() -> None:
        with collector_paused():
            entered.set()
            release_first.wait(timeout=30)
        first_done.set()

    worker = threading.Thread(target=first)
    worker.start()
    assert entered.wait(timeout=30)
    with collector_paused():
        release_first.set()
        assert first_done.wait(timeout=30)
        seen.append(gc.isenabled())  # the first pause has ended, this one has not
    worker.join(timeout=30)
    assert seen == [False] and gc.isenabled()


def test_a_pause_that_spans_callbacks_ends_once_and_blocks_inside_it_do_not_restart_the_collector() -> None:
    start_up = Pause()
    with collector_paused():
        pass
    assert not gc.isenabled()  # the block ended, start-up's pause has not
    start_up.end()
    assert gc.isenabled()
    with collector_paused():
        start_up.end()  # a second end changes nothing: the block's pause still holds
        assert not gc.isenabled()
    assert gc.isenabled()
