"""Help ▸ User guide: the buyer's guide (docs/user-guide.md: tasks, not commands) and the method, scenario, import
and reference-data pages, readable offline inside the app (the same Markdown files the repository shows, bundled
with the installed app)."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTabWidget, QTextBrowser, QVBoxLayout, QWidget

from riskdesk.core.resources import guide_files

_IMAGE = re.compile(r"^.*!\[[^\]]*\]\([^)]*\).*\n?", re.MULTILINE)
"""A line with a picture (alone or in a table row of screenshots)."""
_EMPTY_TABLE = re.compile(r"^\|(\s*\|)+\s*\n\|(\s*-+\s*\|)+\s*\n(?!\|)", re.MULTILINE)
"""A table header with no title and no rows left once its pictures are gone."""


def guide_text(markdown: str) -> str:
    """The Markdown as the guide shows it: screenshots left out (they are in the repository, not in the app)."""
    text = _IMAGE.sub("", markdown)
    text = _EMPTY_TABLE.sub("", text)
    return re.sub(r"\n{3,}", "\n\n", text)


class UserGuide(QDialog):
    """One tab per page; links to other sites open in the browser."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userGuide")
        self.setWindowTitle("RiskDesk user guide")
        self.resize(980, 760)
        self.tabs = QTabWidget()
        self.pages: dict[str, QTextBrowser] = {}
        for title, path in guide_files():
            browser = QTextBrowser()
            browser.setOpenExternalLinks(True)
            browser.setAccessibleName(title)
            browser.setMarkdown(guide_text(path.read_text(encoding="utf-8")))
            self.pages[title] = browser
            self.tabs.addTab(browser, title)
        if not self.pages:
            browser = QTextBrowser()
            browser.setPlainText("The user guide was not installed with this copy of RiskDesk.")
            self.tabs.addTab(browser, "User guide")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
