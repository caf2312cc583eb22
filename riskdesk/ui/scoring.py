"""The open project's scores, kept up to date.

`Scoring` re-evaluates the document after each edit, settings or date change: inline for small projects, in the
background for large ones (after a short pause, so that a burst of edits is scored once), dropping results that a
newer request has overtaken. Every evaluation the window asks for (the as-of date, "compare with date", a
scenario's base) goes through `Scoring.evaluate`, which reuses the compiled project until the tables change.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from riskdesk.ui.document import Document, error_text
from riskdesk.ui.workers import Cancelled, SynchronousRunner, TaskContext, TaskHandle

if TYPE_CHECKING:
    from riskdesk.core.compiled import CompiledProject
    from riskdesk.core.evaluation import Evaluation
    from riskdesk.core.project import ProjectSettings
    from riskdesk.core.quality import QualityCheck
    from riskdesk.core.reference import ReferenceData

log = logging.getLogger(__name__)

BACKGROUND_PATHS = 5_000
"""Projects with more supply paths than this are scored off the GUI thread."""
BACKGROUND_DELAY_MS = 60
"""Background scoring starts this long after the last change: a burst of edits is scored once, and the window
repaints before a worker competes with it for the interpreter."""


class Scoring(QObject):
    """Keeps an evaluation of the document as of a date up to date (see the module docstring)."""

    evaluated = Signal(object)
    """The new Evaluation."""
    quality_changed = Signal(object)
    """The project's data-quality checks (`riskdesk.core.quality`), after its tables changed."""
    failed = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, document: Document, as_of: dt.date | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self.as_of = as_of or dt.date.today()
        self.evaluation: Evaluation | None = None
        self.reference: ReferenceData | None = None
        """The reference data scored against; None: the bundled data (a newer control list: `set_reference`)."""
        self.quality: list[QualityCheck] = []
        """The data-quality checks of the tables last scored (computed with them, off the GUI thread when large)."""
        self._compiled: CompiledProject | None = None
        self._tables_version = 0
        self._quality_key: tuple[dt.date, float] | None = None
        """The as-of date and stale setting the data-quality checks were made for."""
        """Counts table changes: a compiled project is kept only if the tables did not change meanwhile."""
        self._generation = 0
        self._handle: TaskHandle | None = None
        self._pending: Callable[[], None] | None = None
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(BACKGROUND_DELAY_MS)
        self._delay.timeout.connect(self._start_pending)
        document.tables_changed.connect(self._on_tables_changed)
        document.project_replaced.connect(self._on_tables_changed)
        document.declarations_changed.connect(self._on_tables_changed)  # a path's declaration date is compiled
        document.settings_changed.connect(lambda _settings: self.refresh())

    @property
    def large(self) -> bool:
        """Whether the project is scored off the GUI thread."""
        return len(self._document.project.tables.paths) > BACKGROUND_PATHS

    def _on_tables_changed(self, *_args: object) -> None:
        self._compiled = None
        self._tables_version += 1
        self.refresh()

    def set_reference(self, reference: ReferenceData) -> None:
        """Score against `reference` from now on (the Rules tab's newer control list), at once."""
        self.reference = reference
        self._compiled = None
        self._tables_version += 1  # a compile under way was made for the other reference: not kept
        self.refresh()

    def set_as_of(self, day: dt.date) -> None:
        if day != self.as_of:
            self.as_of = day
            self.refresh()

    @property
    def busy(self) -> bool:
        return self._delay.isActive() or (self._handle is not None and self._handle.running)

    def _start_pending(self) -> None:
        start, self._pending = self._pending, None
        if start is not None:
            start()

    def evaluate(self, day: dt.date, on_done: Callable[[Evaluation], None], on_error: Callable[[str], None],
                 settings: ProjectSettings | None = None) -> TaskHandle:
        """Score the project as it is now on `day` (with `settings`, by default the project's): inline when the
        project is small, else in the background. `on_error` gets a message for the user; a cancelled run calls
        neither."""
        project = self._document.project
        settings = settings or project.settings.copy()
        compiled = self._compiled
        version = self._tables_version
        quality_day = self.as_of
        quality_key = (quality_day, project.settings.stale_months)
        renew_quality = compiled is None or quality_key != self._quality_key
        large = self.large
        source = project.copy() if (compiled is None or renew_quality) and large else project
        reference = self.reference

        def work(task: TaskContext) -> tuple[CompiledProject, Evaluation, list[QualityCheck] | None]:
            from riskdesk.core.evaluation import compile_project, evaluate
            from riskdesk.core.quality import check_project

            done = compiled or compile_project(source, reference)
            task.check()
            # the tables changed, or what dates the declaration checks (the as-of date, the stale setting)
            quality = check_project(source, as_of=quality_day) if renew_quality else None
            task.check()
            evaluation = evaluate(done, day, settings, reference)
            evaluation.rules_hitting()  # what the Exposure tab's rule filter lists, worked out here and kept
            return done, evaluation, quality

        def finished(result: tuple[CompiledProject, Evaluation, list[QualityCheck] | None]) -> None:
            done, evaluation, quality = result
            if version == self._tables_version:
                self._compiled = done
                if quality is not None:
                    self._quality_key = quality_key
                    self.quality = quality
                    self.quality_changed.emit(quality)
            on_done(evaluation)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, Cancelled):
                return
            log.error("scoring failed", exc_info=exc)
            on_error(error_text(exc))

        runner = self._document.runner if large else SynchronousRunner()
        return runner.start(work, finished, failed, None)

    def refresh(self) -> None:
        """Score again on the as-of date now (inline when small, else in the background; an older run's result
        is dropped)."""
        self._generation += 1
        generation = self._generation
        if self._handle is not None and self._handle.running:
            self._handle.cancel()

        def finished(evaluation: Evaluation) -> None:
            if generation != self._generation:
                return
            self.evaluation = evaluation
            self._handle = None
            self.busy_changed.emit(False)
            self.evaluated.emit(evaluation)

        def failed(message: str) -> None:
            if generation != self._generation:
                return
            self._handle = None
            self.busy_changed.emit(False)
            self.failed.emit(message)

        def start() -> None:
            self._handle = self.evaluate(self.as_of, finished, failed)

        if self.large:
            self.busy_changed.emit(True)
            self._pending = start
            self._delay.start()
        else:
            self._delay.stop()
            self._pending = None
            start()

    def evaluate_on(self, day: dt.date, on_done: Callable[[Evaluation], None],
                    on_error: Callable[[str], None]) -> TaskHandle:
        """Another evaluation of the same project on `day` (for "compare with date")."""
        return self.evaluate(day, on_done, on_error)
