"""Messages that last as long as they matter: a strip above the status bar with one line per condition.

Each message has a key naming its condition ("edit" for the last refused edit, "scoring", "chart", …). Posting a
key again replaces its message; `clear(key)` removes it when the condition is gone (a successful edit clears a
refused one), and the user can close any message. The status bar keeps only passing news; a warning or error
never disappears on a timer, and a long one wraps instead of being cut off under the portfolio label.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

INFO, WARNING, ERROR = "info", "warning", "error"
_STYLE = {
    INFO: ("ℹ", "#e8f1fb", "#1f4e79"),
    WARNING: ("⚠", "#fff4d6", "#6b4e00"),
    ERROR: ("✖", "#fbe3e4", "#8a1c1c"),
}
MAX_SHOWN = 4
"""Older messages beyond this many are dropped (the newest matter most)."""


@dataclass(frozen=True)
class Message:
    key: str
    level: str
    text: str


class MessageArea(QWidget):
    """The strip of current messages (hidden when there are none)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageArea")
        self.setAccessibleName("Messages")
        self._messages: dict[str, Message] = {}
        self._rows: dict[str, QFrame] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(6, 2, 6, 2)
        self._layout.setSpacing(2)
        self.hide()

    @property
    def messages(self) -> list[Message]:
        """The messages shown, oldest first."""
        return list(self._messages.values())

    def text_of(self, key: str) -> str:
        message = self._messages.get(key)
        return message.text if message is not None else ""

    def post(self, key: str, level: str, text: str) -> None:
        """Show `text` for condition `key`, replacing what that condition said before."""
        self._drop_row(key)
        self._messages.pop(key, None)
        self._messages[key] = Message(key, level, text)
        while len(self._messages) > MAX_SHOWN:
            oldest = next(iter(self._messages))
            self.clear(oldest)
        self._rows[key] = self._row(self._messages[key])
        self._layout.addWidget(self._rows[key])
        self.setVisible(True)
        self.changed.emit()

    def clear(self, key: str) -> None:
        """The condition `key` is gone: remove its message (nothing happens when there is none)."""
        if self._messages.pop(key, None) is None:
            return
        self._drop_row(key)
        self.setVisible(bool(self._messages))
        self.changed.emit()

    def clear_all(self) -> None:
        for key in list(self._messages):
            self.clear(key)

    def _drop_row(self, key: str) -> None:
        row = self._rows.pop(key, None)
        if row is not None:
            self._layout.removeWidget(row)
            row.hide()
            row.deleteLater()

    def _row(self, message: Message) -> QFrame:
        symbol, background, foreground = _STYLE.get(message.level, _STYLE[INFO])
        frame = QFrame()
        frame.setObjectName(f"message_{message.key}")
        frame.setStyleSheet(f"QFrame#message_{message.key} {{ background: {background}; border-radius: 3px; }}"
                            f" QLabel {{ color: {foreground}; }}")
        label = QLabel(f"{symbol}  {message.text}")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setAccessibleName(f"{message.level}: {message.text}")
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss this message")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(lambda: self.clear(message.key))
        row = QHBoxLayout(frame)
        row.setContentsMargins(8, 3, 4, 3)
        row.addWidget(label, 1)
        row.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        return frame
