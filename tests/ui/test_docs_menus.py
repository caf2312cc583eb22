"""The README and the docs name the window's menu items as the window shows them ("File ▸ Export Report…"), so
that a buyer following the user guide finds each one: every "Menu ▸ Item" they mention is an item of that menu
(its "…" may be left out in running text), and a shortcut given beside one ("(Ctrl+E)") is that item's."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from riskdesk.core.demo import demo_project
from riskdesk.io import userdirs
from riskdesk.ui.document import Document
from riskdesk.ui.main_window import MainWindow
from riskdesk.ui.workers import SynchronousRunner
from tests.helpers.docs import documents

SHORTCUT_MENTION = re.compile(
    r"\b(File|Edit|View|Scoring|Help) ▸ ([^()*]{1,40}?)\**\s*\(((?:Ctrl|Alt|Shift|F\d)[^)]*)\)")
"""A menu item followed by a shortcut in brackets: "**File ▸ New** (Ctrl+N)"."""
MENU_MENTION = re.compile(r"\b(File|Edit|View|Scoring|Help) ▸ (?=(.{1,60}))")
"""A menu and the text after it (looked ahead, so that a mention right after another is found too)."""


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _docs() -> Iterator[tuple[str, str]]:
    """(name, text) of the README and each doc, lines joined: a mention may run over a line break."""
    for document in documents():
        yield document.name, " ".join(document.read_text(encoding="utf-8").split())


@pytest.fixture
def menus(qtbot: QtBot) -> dict[str, list[QAction]]:
    """The main window's menus as a buyer sees them: each menu's title and its actions."""
    window = MainWindow(Document(demo_project(), runner=SynchronousRunner()), SynchronousRunner(),
                        dirs=userdirs.init())
    qtbot.addWidget(window)
    found: dict[str, list[QAction]] = {}
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        found[_plain(top.text())] = [action for action in menu.actions() if action.text()]
    return found


def test_every_menu_item_the_docs_name_is_in_that_menu(menus: dict[str, list[QAction]]) -> None:
    items = {menu: [_plain(action.text()) for action in actions] for menu, actions in menus.items()}
    wrong = []
    mentions = 0
    for name, text in _docs():
        for menu, following in MENU_MENTION.findall(text):
            mentions += 1
            if not any(following.startswith(item) or following.startswith(item.rstrip("…")) for item in items[menu]):
                wrong.append(f"{name}: {menu} ▸ {following[:40]}")
    assert wrong == [], f"the window's menus: {items}"
    assert mentions > 30


def test_every_shortcut_the_docs_give_for_a_menu_item_is_its_own(menus: dict[str, list[QAction]]) -> None:
    shortcuts = {(menu, _plain(action.text()).rstrip("…")):
                 [key.toString(QKeySequence.SequenceFormat.PortableText) for key in action.shortcuts()]
                 for menu, actions in menus.items() for action in actions}
    given = [(name, menu, item.strip().rstrip("…"), key) for name, text in _docs()
             for menu, item, key in SHORTCUT_MENTION.findall(text)]
    assert [g for g in given if g[3] not in shortcuts.get((g[1], g[2]), [])] == []
    assert len(given) >= 8
