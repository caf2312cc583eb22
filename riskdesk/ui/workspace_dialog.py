"""File ▸ Open workspace…: the address of a team workspace (typed, or one of the recent ones) and a connection test
that says in one line what is wrong (the server cannot be reached, the password was refused, not a RiskDesk
workspace, set up by a newer RiskDesk) or that it works. The test runs off the GUI thread."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from riskdesk.io.store import StoreError, is_database_location, shown_location
from riskdesk.ui.workers import Runner

EXAMPLE = "postgresql://USER@HOST/DATABASE?workspace=NAME"


class OpenWorkspaceDialog(QDialog):
    """The address, the recent workspaces, and a connection test (see the module docstring)."""

    def __init__(self, recent: Sequence[str], runner: Runner, tester: Callable[[str], str],
                 parent: QWidget | None = None) -> None:
        """`tester(location)` says what it found, or raises StoreError (riskdesk.ui.workspace.test_connection)."""
        super().__init__(parent)
        self.setWindowTitle("Open workspace")
        self.runner = runner
        self.tester = tester
        self.address = QComboBox()
        self.address.setEditable(True)
        self.address.setMinimumWidth(480)
        self.address.addItems([r for r in recent if is_database_location(r)])
        self.result_label = QLabel("")
        line = self.address.lineEdit()
        assert line is not None
        line.setPlaceholderText(EXAMPLE)
        line.textChanged.connect(lambda _text: self.result_label.setText(""))
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test)
        row = QHBoxLayout()
        row.addWidget(self.address, 1)
        row.addWidget(self.test_button)
        form = QFormLayout()
        form.addRow("Address:", row)
        help_text = QLabel("The password is never stored by RiskDesk: set PGPASSWORD, or keep it in ~/.pgpass or a "
                           "service file. See docs/workspace.md for setting a workspace up.")
        help_text.setWordWrap(True)
        self.result_label.setWordWrap(True)
        self.result_label.setMinimumHeight(40)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(help_text)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)

    def location(self) -> str:
        return self.address.currentText().strip()

    def test(self) -> None:
        """Try the address (off the GUI thread) and say what was found, or what is wrong, in one line."""
        location = self.location()
        if not is_database_location(location):
            self.result_label.setText(f"Not a workspace address: write {EXAMPLE}")
            return
        self.test_button.setEnabled(False)
        self.result_label.setText(f"Connecting to {shown_location(location)}…")

        def done(text: str) -> None:
            self.test_button.setEnabled(True)
            self.result_label.setText(text)

        def failed(exc: BaseException) -> None:
            self.test_button.setEnabled(True)
            self.result_label.setText(str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}")

        self.runner.start(lambda _task: self.tester(location), done, failed, None)
