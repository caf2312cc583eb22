"""The mouse wheel never changes data by accident: over an unfocused combo box or spin box it scrolls the page;
once the buyer has clicked into the widget it changes the value as usual. Checked in the import dialog's column
mapping and in Settings' weights, with the guard the application installs once its window has painted; value
widgets made before that moment are covered too."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.core.domain import TEMPLATE_COLUMNS
from riskdesk.ui.dialogs import Dialogs
from riskdesk.ui.document import Document
from riskdesk.ui.import_dialog import ImportDialog
from riskdesk.ui.settings_view import SettingsView
from riskdesk.ui.wheel_guard import WheelGuard, install_wheel_guard
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.wheel import remove_wheel_guard


@pytest.fixture
def guarded(qapp: QApplication) -> Iterator[WheelGuard]:
    """The application with the guard RiskDesk installs at start-up."""
    guard = install_wheel_guard(qapp)
    assert install_wheel_guard(qapp) is guard, "installed once"
    yield guard
    remove_wheel_guard(qapp)


def _wheel(widget: QWidget, notches: int = -1) -> None:
    """`notches` turns of the wheel with the pointer over the middle of `widget` (negative: towards the user)."""
    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_over_an_unfocused_mapping_box_scrolls_the_list(guarded: WheelGuard, qtbot: QtBot,
                                                                   tmp_path: Path) -> None:
    path = tmp_path / "supplier.csv"
    row = ("IMP-1", "Rotor", "automotive", "NdFeB-sintered", "N42SH", 250, 1000, 12.5, 30, "SUP-KR1", "Seoul Co.",
           "Korea", 100, "Australia", "Malaysia", "Korea", "Korea", "declared")
    pd.DataFrame([row], columns=list(TEMPLATE_COLUMNS)[: len(row)]).to_csv(path, index=False)
    document = Document(demo_project(), runner=SynchronousRunner())
    dialog = ImportDialog([path], document, SynchronousRunner(), Dialogs(None))
    qtbot.addWidget(dialog)
    dialog.resize(900, 420)
    dialog.show()
    dialog.start()
    qtbot.waitExposed(dialog)
    table = dialog.mapping_tables[0]
    scroll = table.verticalScrollBar()
    assert scroll.maximum() > 0, "the mapping list is longer than the dialog"
    fields = [box.currentData() for box in table.boxes]
    box = table.boxes[1]
    assert not box.hasFocus()
    for _ in range(3):
        _wheel(box)
    assert [b.currentData() for b in table.boxes] == fields
    assert all("chosen by you" not in choice.reason for choice in table.mapping.columns)
    assert scroll.value() > 0, "the list scrolled instead"

    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    _wheel(box)
    assert box.currentData() != fields[1], "clicked into, the box takes the wheel as usual"


def test_the_wheel_over_an_unfocused_weight_scrolls_settings(guarded: WheelGuard, qtbot: QtBot) -> None:
    view = SettingsView()
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    qtbot.waitExposed(view)
    emitted: list[object] = []
    view.settings_changed.connect(emitted.append)
    area = view.findChild(QScrollArea)
    assert area is not None and area.verticalScrollBar().maximum() > 0
    spin = view.weight_spins["restriction"]
    slider = view.weight_sliders["restriction"]
    weight = spin.value()
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus, "the wheel never gives a spin box the focus"
    for _ in range(3):
        _wheel(spin)
        _wheel(slider)
    assert spin.value() == weight and emitted == []
    assert area.verticalScrollBar().value() > 0, "the page scrolled instead"

    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    _wheel(spin)
    assert spin.value() != weight and emitted


def test_a_value_widget_made_before_the_guard_is_installed_is_guarded_too(qapp: QApplication,
                                                                          qtbot: QtBot) -> None:
    """Start-up installs the guard after the window's first paint; the window's own boxes exist by then."""
    view = SettingsView()
    qtbot.addWidget(view)
    view.resize(700, 300)
    view.show()
    qtbot.waitExposed(view)
    spin = view.weight_spins["restriction"]
    assert spin.focusPolicy() == Qt.FocusPolicy.WheelFocus, "plain Qt: the wheel gives a spin box the focus"
    weight = spin.value()
    try:
        install_wheel_guard(qapp)
        assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus
        _wheel(spin)
        assert spin.value() == weight
    finally:
        remove_wheel_guard(qapp)
